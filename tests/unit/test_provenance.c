/* test_provenance.c — graph outputs keep their names and order, and no
 * step-0 op's name (origin) disappears without a pass saying so, for every
 * pass of the catalogue (after infer-shapes), the default pipeline and the
 * lossy passes after it, on every .nex fixture under tests/golden and
 * examples/, the built-in demo, and generated chain, resnet and transformer
 * graphs; the demo and a small transformer also one rewrite per step (step
 * into), where each step carries only its own rewrite's drops. See
 * provenance.h for the checks. */
#include <dirent.h>
#include <sys/stat.h>

#include "check.h"
#include "provenance.h"

static prov_tally tally;

/* Every .nex file under dir (recursively) that loads, verifies and infers. */
static void walk(const char *dir, uint32_t *files, uint32_t *skipped)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char path[2048];
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		struct stat st;
		if (stat(path, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			walk(path, files, skipped);
			continue;
		}
		size_t n = strlen(path);
		if (n < 4 || strcmp(path + n - 4, ".nex"))
			continue;
		nx_err err;
		nx_graph *g = nx_load(path, &err);
		if (!g || nx_infer_graph(g, &err) != 0 || nx_verify(g, &err) != 0) {
			(*skipped)++; /* the error fixtures: bad on purpose */
			nx_graph_free(g);
			continue;
		}
		(*files)++;
		prov_check_all(path, g, &tally);
		nx_graph_free(g);
	}
	closedir(d);
}

static void test_fixtures(void)
{
	const char *src = getenv("NEX_SRC");
	CHECK(src != NULL);
	if (!src)
		return;
	char dir[1024];
	uint32_t files = 0, skipped = 0;
	snprintf(dir, sizeof dir, "%s/tests/golden", src);
	walk(dir, &files, &skipped);
	snprintf(dir, sizeof dir, "%s/examples", src);
	walk(dir, &files, &skipped);
	printf("%u fixtures (%u that do not load or verify, on purpose, left out)\n", files,
	       skipped);
	CHECK(files > 50);
}

static void test_demo(void)
{
	nx_err err;
	nx_graph *g = nx_demo(&err);
	CHECK(g != NULL);
	if (!g)
		return;
	prov_check_all("demo", g, &tally);
	prov_check("demo", g, "default", true, &tally);
	nx_graph_free(g);
}

static void test_generated(void)
{
	for (int kind = NX_GEN_CHAIN; kind <= NX_GEN_TRANSFORMER; kind++) {
		nx_gen_opts o = {.kind = kind, .ops = 300, .seed = 7, .seq = 16, .dmodel = 64,
				 .heads = 4};
		nx_err err;
		nx_graph *g = nx_gen(&o, &err);
		CHECK(g != NULL);
		if (!g)
			continue;
		prov_check_all(nx_gen_kind_name(kind), g, &tally);
		nx_graph_free(g);
	}
	nx_gen_opts o = {.kind = NX_GEN_TRANSFORMER, .ops = 40, .seed = 3, .seq = 8,
			 .dmodel = 32, .heads = 2};
	nx_err err;
	nx_graph *g = nx_gen(&o, &err);
	CHECK(g != NULL);
	if (g)
		prov_check("transformer (stepped)", g, "default", true, &tally);
	nx_graph_free(g);
}

/* An ONNX export of the result keeps the outputs' names: here the model's
 * first output becomes, after canonicalize, a copy of the graph input (two
 * transposes cancel), and the second output is computed. */
static void test_onnx_export(void)
{
	static const char text[] =
		"graph @t(%x: f32[2,3,4]) -> (%y: f32[2,3,4], %z: f32[4,2,3]) {\n"
		"  %a = transpose(%x) {perm=[1,0,2]} : f32[3,2,4]\n"
		"  %y = transpose(%a) {perm=[1,0,2]} : f32[2,3,4]\n"
		"  %b = transpose(%x) {perm=[0,2,1]} : f32[2,4,3]\n"
		"  %z = transpose(%b) {perm=[1,0,2]} : f32[4,2,3]\n"
		"  return %y, %z\n"
		"}\n";
	nx_err err;
	nx_graph *g = nx_parse(text, sizeof text - 1, "t.nex", NULL, &err);
	CHECK(g != NULL);
	if (!g)
		return;
	nxw_session *s = nxw_session_new(g);
	CHECK_EQ_INT(nxw_set_pipeline(s, "canonicalize", &err), 0);
	CHECK_EQ_INT(nxw_apply_all(s, -1, &err), 0);
	const nx_graph *f = nxw_cur(s)->snap;
	CHECK(f->n_live_ops < 4);
	size_t len = 0;
	void *buf = nx_onnx_export_mem(f, &len, &err);
	CHECK(buf != NULL);
	if (!buf)
		fprintf(stderr, "%s\n", err.msg);
	nx_graph *back = buf ? nx_onnx_import_mem(buf, len, "t.onnx", ".", NULL, &err) : NULL;
	CHECK(back != NULL);
	if (back) {
		CHECK_EQ_INT(back->n_outputs, 2);
		CHECK_STR(nx_vname(back, back->outputs[0]), "y");
		CHECK_STR(nx_vname(back, back->outputs[1]), "z");
		CHECK_STR(nx_vname(back, back->inputs[0]), "x");
	}
	nx_graph_free(back);
	free(buf);
	nxw_session_free(s);
}

/* An origin longer than 65535 names (the old 16-bit cap, where names were
 * dropped without a word) is kept whole through a merge, the text form and
 * the JSON form. */
static void test_origin_no_cap(void)
{
	static const char text[] =
		"graph @g(%x: f32[2]) -> (%y: f32[2]) {\n"
		"  %a = relu(%x) : f32[2]\n"
		"  %y = neg(%a) : f32[2]  loc(\"last\")\n"
		"  return %y\n"
		"}\n";
	enum { N = 70000 };
	nx_err err;
	nx_graph *g = nx_parse(text, sizeof text - 1, "g.nex", NULL, &err);
	CHECK(g != NULL);
	if (!g)
		return;
	uint32_t a = g->first, y = g->ops[a].next;
	uint32_t *sids = malloc(N * sizeof *sids);
	for (uint32_t i = 0; i < N; i++) {
		char nm[32];
		snprintf(nm, sizeof nm, "n%u", i);
		sids[i] = nx_str(g, nm);
	}
	nx_op_set_origin(g, a, sids, N);
	free(sids);
	nx_op_merge_origin(g, y, a);
	CHECK_EQ_INT(g->ops[y].n_origin, N + 1);
	CHECK_STR(nx_cstr(g, nx_op_origin(g, y)[0]), "last");
	CHECK_STR(nx_cstr(g, nx_op_origin(g, y)[N]), "n69999");
	char *t = nx_print_str(g, &nx_print_defaults, NULL);
	nx_graph *back = nx_parse(t, strlen(t), "back.nex", NULL, &err);
	CHECK(back != NULL);
	if (back) {
		uint32_t yb = back->ops[back->first].next;
		CHECK_EQ_INT(back->ops[yb].n_origin, N + 1);
		CHECK_STR(nx_cstr(back, nx_op_origin(back, yb)[N]), "n69999");
	} else {
		fprintf(stderr, "%s\n", err.msg);
	}
	nx_graph_free(back);
	free(t);
	char *j = nx_json_print(g, &nx_print_defaults);
	back = j ? nx_json_parse(j, strlen(j), "g.json", NULL, &err) : NULL;
	CHECK(back != NULL);
	if (back) {
		uint32_t yb = back->ops[back->first].next;
		CHECK_EQ_INT(back->ops[yb].n_origin, N + 1);
	} else {
		fprintf(stderr, "%s\n", j ? err.msg : "json print failed");
	}
	nx_graph_free(back);
	free(j);
	nx_graph_free(g);
}

/* to-fp16 converts ops in place, so a converted op keeps its origin exactly:
 * the f32 casts it removes between two converted ops carry their producer's
 * origin, which the producer keeps (handing it on made every converted op
 * inherit the whole chain above it: the demo's %gelu_mul named 60 ops). */
static void test_fp16_keeps_origins(void)
{
	nx_err err;
	nx_graph *g = nx_demo(&err);
	CHECK(g != NULL);
	if (!g)
		return;
	nxw_session *s = nxw_session_new(g); /* owns g */
	CHECK_EQ_INT(nxw_set_pipeline(s, "fold-batchnorm,fuse-patterns,fuse-activation,to-fp16",
				      &err), 0);
	CHECK_EQ_INT(nxw_apply_all(s, -1, &err), 0);
	const nx_graph *a = s->steps[s->n_steps - 2].snap, *b = s->steps[s->n_steps - 1].snap;
	bool *alive = nx_xcalloc(a->n_ops ? a->n_ops : 1, sizeof *alive); /* freed below */
	NX_FOR_OPS(a, o)
		alive[o] = true;
	uint32_t same = 0;
	NX_FOR_OPS(b, o) {
		if (o >= a->n_ops || !alive[o] || a->ops[o].kind != b->ops[o].kind ||
		    b->ops[o].kind == NX_OP_CAST)
			continue;
		uint32_t n = a->ops[o].n_origin;
		bool eq = b->ops[o].n_origin == n &&
			  !memcmp(nx_op_origin(a, o), nx_op_origin(b, o), n * sizeof(uint32_t));
		if (!eq)
			fprintf(stderr, "%%%s: %u origin names before to-fp16, %u after\n",
				nx_vname(b, nx_result(b, o, 0)), n, b->ops[o].n_origin);
		CHECK(eq);
		same++;
	}
	CHECK(same > 30);
	free(alive);
	nxw_session_free(s);
}

int main(int argc, char **argv)
{
	static const check_case cases[] = {
		{"origin_no_cap", test_origin_no_cap},
		{"onnx_export", test_onnx_export},
		{"fixtures", test_fixtures},
		{"demo", test_demo},
		{"generated", test_generated},
		{"fp16_keeps_origins", test_fp16_keeps_origins},
		{NULL, NULL},
	};
	int rc = check_main(cases, argc, argv);
	printf("%u runs (%u stopped by a pass or verifier error), %u steps, %u step-0 names "
	       "followed\n", tally.runs, tally.failed_runs, tally.steps, tally.names);
	return rc;
}
