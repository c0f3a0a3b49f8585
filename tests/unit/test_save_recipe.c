/* test_save_recipe.c — weights a pass computed lazily (fold-batchnorm's
 * scaled blobs over generated fills) saved as their recipe, scaled(...), in
 * .nex and .json (docs/ir.md §3, docs/ir-json.md): the saved files name the
 * recipe and hold only the scales and biases, and the model read back has
 * the same ops, the same weight bits (compared byte by byte) and computes
 * the same output bits as the graph in memory. Every scale mode is covered
 * (outer: conv and gemm with transB; inner: matmul; convt with a group),
 * nested scaling (two batch norms folded into one conv), scales inline (8
 * channels) and in the side file (20 channels, or a NaN), a save over a
 * save (the .2.bin side file), and the parser's refusals. */
#define _GNU_SOURCE /* memmem */
#include <math.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "nxp.h"

static char tmp[64];

static const char model[] =
	"graph @t(%x: f32[1,3,8,8], %a: f32[2,24], %q: f32[1,4,8,8]) -> (%y: f32[1,20,8,8], "
	"%z: f32[2,20], %u: f32[2,20], %v: f32[1,8,9,9]) {\n"
	"  %w = const f32[20,3,3,3] fill(random, seed=3)\n"
	"  %s1 = const f32[20] fill(random, seed=11)\n"
	"  %b1 = const f32[20] fill(random, seed=12)\n"
	"  %m1 = const f32[20] fill(random, seed=13)\n"
	"  %v1 = const f32[20] fill(random, seed=14)\n"
	"  %s2 = const f32[20] fill(random, seed=21)\n"
	"  %b2 = const f32[20] fill(random, seed=22)\n"
	"  %m2 = const f32[20] fill(random, seed=23)\n"
	"  %v2 = const f32[20] fill(random, seed=24)\n"
	"  %gw = const f32[20,24] fill(random, seed=4)\n"
	"  %mw = const f32[24,20] fill(random, seed=5)\n"
	"  %tw = const f32[4,4,2,2] fill(random, seed=6)\n"
	"  %s3 = const f32[8] fill(random, seed=31)\n"
	"  %b3 = const f32[8] fill(random, seed=32)\n"
	"  %m3 = const f32[8] fill(random, seed=33)\n"
	"  %v3 = const f32[8] fill(random, seed=34)\n"
	"  %c = conv(%x, %w) {pads=[1,1,1,1]} : f32[1,20,8,8]\n"
	"  %n = batch_norm(%c, %s1, %b1, %m1, %v1) : f32[1,20,8,8]\n"
	"  %y = batch_norm(%n, %s2, %b2, %m2, %v2) : f32[1,20,8,8]\n"
	"  %g = gemm(%a, %gw) {transB=1} : f32[2,20]\n"
	"  %z = batch_norm(%g, %s1, %b1, %m1, %v1) : f32[2,20]\n"
	"  %mm = matmul(%a, %mw) : f32[2,20]\n"
	"  %u = batch_norm(%mm, %s2, %b2, %m2, %v2) : f32[2,20]\n"
	"  %t = conv_transpose(%q, %tw) {group=2} : f32[1,8,9,9]\n"
	"  %v = batch_norm(%t, %s3, %b3, %m3, %v3) : f32[1,8,9,9]\n"
	"  return %y, %z, %u, %v\n"
	"}\n";

static nx_graph *parse(const char *text)
{
	nx_err e;
	nx_graph *g = nx_parse(text, strlen(text), "t.nex", NULL, &e);
	if (!g)
		fprintf(stderr, "parse failed: %s\n", e.msg);
	return g;
}

static nx_graph *folded(void)
{
	nx_graph *g = parse(model);
	if (!g)
		return NULL;
	const nxp_pass *p = nxp_find("fold-batchnorm");
	nxp_ctx ctx;
	nxp_ctx_init(&ctx, p, -1);
	int rc = nxp_run(p, g, &ctx);
	if (rc)
		fprintf(stderr, "fold-batchnorm: %s\n", ctx.err.msg);
	nxp_ctx_free(&ctx);
	if (rc) {
		nx_graph_free(g);
		return NULL;
	}
	return g;
}

static char *slurp(const char *path, size_t *len)
{
	nx_err e;
	char *t = nx_read_file(path, len, &e);
	if (!t)
		fprintf(stderr, "%s\n", e.msg);
	return t;
}

static long file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) ? -1 : (long)st.st_size;
}

/* The graph's text without its constant lines (check_same_bits compares
 * those), so two graphs print alike when their ops, types and outputs do. */
static char *ops_text(const nx_graph *g)
{
	char *t = nx_print_str(g, NULL, NULL), *o = t;
	for (const char *p = t, *e; p && *p; p = e) {
		e = strchr(p, '\n');
		e = e ? e + 1 : p + strlen(p);
		if (!memmem(p, (size_t)(e - p), " = const ", 9)) {
			memmove(o, p, (size_t)(e - p));
			o += e - p;
		}
	}
	if (t)
		*o = 0;
	return t;
}

/* Same constants by name, byte for byte (NaN payloads and -0 included). */
static void check_same_bits(nx_graph *a, nx_graph *b)
{
	uint32_t n = 0;
	for (uint32_t v = 0; v < a->n_vals; v++) {
		if ((a->vals[v].flags & NX_V_DEAD) || !nx_is_const(a, v))
			continue;
		const char *name = nx_vname(a, v);
		uint32_t w = nx_value_by_name(b, name, strlen(name));
		CHECK(w != NX_NONE && nx_is_const(b, w));
		if (w == NX_NONE || !nx_is_const(b, w))
			continue;
		nx_blob *x = nx_const_blob(a, v), *y = nx_const_blob(b, w);
		CHECK_EQ_INT(nx_blob_nbytes(x), nx_blob_nbytes(y));
		CHECK_EQ_INT(nx_blob_is_recipe(x), nx_blob_is_recipe(y));
		const void *dx = nx_blob_data(x), *dy = nx_blob_data(y);
		CHECK(dx && dy && !memcmp(dx, dy, nx_blob_nbytes(x)));
		n++;
	}
	CHECK(n > 0);
}

/* Both graphs run on the same seeded inputs give the same output bits. */
static void check_same_outputs(nx_graph *a, nx_graph *b)
{
	CHECK_EQ_INT(a->n_inputs, b->n_inputs);
	nx_tensor in[4];
	uint64_t seed = 42;
	for (uint32_t i = 0; i < a->n_inputs && i < 4; i++)
		in[i] = nx_tensor_random(nx_vtype(a, a->inputs[i]), &seed, -1, 1);
	nx_run_opts o = {.threads = 1};
	nx_run_result ra = {0}, rb = {0};
	nx_err e;
	int rc = nx_run(a, in, a->n_inputs, &o, &ra, &e);
	CHECK_EQ_INT(rc, 0);
	if (!rc) {
		rc = nx_run(b, in, b->n_inputs, &o, &rb, &e);
		CHECK_EQ_INT(rc, 0);
	}
	if (rc)
		fprintf(stderr, "run: %s\n", e.msg);
	for (uint32_t i = 0; !rc && i < ra.n_outputs; i++) {
		int64_t nb = nx_type_bytes(&ra.outputs[i].type);
		CHECK_EQ_INT(nb, nx_type_bytes(&rb.outputs[i].type));
		CHECK(!memcmp(ra.outputs[i].data, rb.outputs[i].data, (size_t)nb));
	}
	nx_run_result_free(&ra);
	nx_run_result_free(&rb);
	for (uint32_t i = 0; i < a->n_inputs && i < 4; i++)
		nx_tensor_free(&in[i]);
}

static void roundtrip(const char *ext, const char *nested)
{
	nx_graph *g = folded();
	CHECK(g != NULL);
	if (!g)
		return;
	uint32_t n_scaled = 0;
	for (uint32_t i = 0; i < g->n_blobs; i++)
		n_scaled += g->blobs[i] && g->blobs[i]->src == NX_BLOB_SCALED;
	CHECK(n_scaled >= 4); /* the fold made lazy weights: what this test is about */
	char path[128], side[140], side2[140];
	snprintf(path, sizeof path, "%s/m.%s", tmp, ext);
	snprintf(side, sizeof side, "%s.bin", path);
	snprintf(side2, sizeof side2, "%s.2.bin", path);
	nx_err e;
	int rc = nx_save(g, path, &e);
	CHECK_EQ_INT(rc, 0);
	if (rc) {
		fprintf(stderr, "save: %s\n", e.msg);
		nx_graph_free(g);
		return;
	}
	size_t len;
	char *text = slurp(path, &len);
	CHECK_CONTAINS(text, nested);   /* two folds of one conv: a scaled scaled fill */
	CHECK_CONTAINS(text, "convt");  /* conv_transpose's mode, with its group */
	CHECK_CONTAINS(text, "inner");  /* matmul's */
	free(text);
	/* The side file holds scales and biases, 20 or 8 floats each, not the
	 * 3.6 KiB of weights any one computed conv weight would take. */
	long sz = file_size(side);
	CHECK(sz > 0 && sz < 1024);
	nx_graph *g2 = nx_load(path, &e);
	CHECK(g2 != NULL);
	if (!g2) {
		fprintf(stderr, "load: %s\n", e.msg);
		nx_graph_free(g);
		return;
	}
	char *ta = ops_text(g), *tb = ops_text(g2);
	CHECK_STR(tb, ta);
	free(ta);
	free(tb);
	check_same_bits(g, g2);
	check_same_outputs(g, g2);
	/* Saved again over itself: the other side file, the same content. */
	rc = nx_save(g2, path, &e);
	CHECK_EQ_INT(rc, 0);
	CHECK(access(side, F_OK) != 0 && access(side2, F_OK) == 0);
	nx_graph *g3 = rc ? NULL : nx_load(path, &e);
	CHECK(g3 != NULL);
	if (g3)
		check_same_bits(g, g3);
	nx_graph_free(g3);
	nx_graph_free(g2);
	nx_graph_free(g);
	unlink(path);
	unlink(side);
	unlink(side2);
}

static void test_roundtrip_nex(void)
{
	roundtrip("nex", "scaled(scaled(fill(random, seed=3), mode=outer, scale=file(\"m.nex.bin\"");
}

static void test_roundtrip_json(void)
{
	roundtrip("json", "\"scaled\":{\"base\":{\"scaled\":{\"base\":{\"fill\":{\"kind\":\"random\","
		  "\"seed\":3}},\"mode\":\"outer\",\"scale\":{\"file\":\"m.json.bin\"");
}

/* A NaN scale cannot print inline (its payload would be lost): even two
 * scales go to the side file, and read back with the same bits. */
static void test_nan_scale(void)
{
	static const char t[] =
		"graph @t(%x: f32[2,9]) -> (%y: f32[2,9]) {\n"
		"  %w = const f32[2,9] scaled(fill(random, seed=1), mode=outer, scale=dense[nan, -0.0])\n"
		"  %k = const f32[2,9] scaled(fill(ones), mode=inner, scale=dense[0.5, 2.0, 3.0, 4.0, "
		"5.0, 6.0, 7.0, 8.0, 9.0])\n"
		"  %s = add(%x, %w) : f32[2,9]\n"
		"  %y = mul(%s, %k) : f32[2,9]\n"
		"  return %y\n"
		"}\n";
	nx_graph *g = parse(t);
	CHECK(g != NULL);
	if (!g)
		return;
	char path[128];
	snprintf(path, sizeof path, "%s/nan.nex", tmp);
	nx_err e;
	CHECK_EQ_INT(nx_save(g, path, &e), 0);
	size_t len;
	char *text = slurp(path, &len);
	CHECK_CONTAINS(text, "scaled(fill(random, seed=1), mode=outer, scale=file(\"nan.nex.bin\", "
		       "offset=0))");
	CHECK_CONTAINS(text, "scaled(fill(ones), mode=inner, scale=dense[0.5, 2.0, 3.0, 4.0, 5.0, "
		       "6.0, 7.0, 8.0, 9.0])");
	free(text);
	nx_graph *g2 = nx_load(path, &e);
	CHECK(g2 != NULL);
	if (g2)
		check_same_bits(g, g2);
	nx_graph_free(g2);
	nx_graph_free(g);
}

/* Shapes and modes that do not fit, with the line, column and reason. */
static void test_refusals(void)
{
	static const struct {
		const char *src, *msg;
	} cases[] = {
		{"f32[4,3] scaled(fill(ones), mode=outer, scale=dense[1.0, 2.0, 3.0])",
		 "dense[...] has 3 values, f32[4] needs 4"},
		{"f32[4,3] scaled(fill(ones), mode=inner, group=2, scale=dense[1.0, 2.0, 3.0])",
		 "group=N is for mode=convt only"},
		{"f32[4,3,1,1] scaled(fill(ones), mode=convt, group=3, scale=dense[1.0])",
		 "mode=convt with this group does not fit f32[4,3,1,1]"},
		{"f16[4,3] scaled(fill(ones), mode=outer, scale=dense[1.0, 2.0, 3.0, 4.0])",
		 "scaled(...) holds f32 data, not f16[4,3]"},
		{"f32[4,3] scaled(fill(ones), mode=diagonal, scale=dense[1.0])",
		 "a scale mode (outer, inner, convt)"},
		{"f32[4,3] scaled(fill(ones), scale=dense[1.0])", "mode=outer, inner or convt"},
		{"f32[2] scaled(blob(#3), mode=outer, scale=dense[1.0, 2.0])",
		 "dense[...], fill(...), file(...) or scaled(...)"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char t[512];
		snprintf(t, sizeof t, "graph @t(%%x: f32[1]) -> (%%x: f32[1]) {\n  %%w = const %s\n  return %%x\n}\n",
			 cases[i].src);
		nx_err e;
		nx_graph *g = nx_parse(t, strlen(t), "r.nex", NULL, &e);
		CHECK(g == NULL);
		if (g) {
			nx_graph_free(g);
			continue;
		}
		CHECK_CONTAINS(e.msg, "r.nex:2:");
		CHECK_CONTAINS(e.msg, cases[i].msg);
	}
	/* Nesting is bounded (no stack overflow on a hostile file). */
	char deep[4096] = "graph @t(%x: f32[1]) -> (%x: f32[1]) {\n  %w = const f32[1] ";
	for (int i = 0; i < 40; i++)
		strcat(deep, "scaled(");
	strcat(deep, "fill(ones)");
	for (int i = 0; i < 40; i++)
		strcat(deep, ", mode=outer, scale=dense[1.0])");
	strcat(deep, "\n  return %x\n}\n");
	nx_err e;
	nx_graph *g = nx_parse(deep, strlen(deep), "d.nex", NULL, &e);
	CHECK(g == NULL);
	if (g)
		nx_graph_free(g);
	else
		CHECK_CONTAINS(e.msg, "nested more than 32 deep");
}

/* NX_SCALED_DEPTH nested scaled blobs are the most a reader takes: that
 * many save as a recipe and read back; one more saves as computed data. */
static void test_depth(void)
{
	char t[8192] = "graph @t(%x: f32[2,9]) -> (%y: f32[2,9]) {\n  %w = const f32[2,9] ";
	for (int i = 0; i < NX_SCALED_DEPTH; i++)
		strcat(t, "scaled(");
	strcat(t, "fill(random, seed=9)");
	for (int i = 0; i < NX_SCALED_DEPTH; i++)
		strcat(t, ", mode=outer, scale=dense[1.5, -0.5])");
	strcat(t, "\n  %y = add(%x, %w) : f32[2,9]\n  return %y\n}\n");
	nx_graph *g = parse(t);
	CHECK(g != NULL);
	if (!g)
		return;
	nx_blob *w = nx_const_blob(g, nx_value_by_name(g, "w", 1));
	CHECK(nx_blob_is_recipe(w));
	char path[128];
	snprintf(path, sizeof path, "%s/deep.nex", tmp);
	nx_err e;
	CHECK_EQ_INT(nx_save(g, path, &e), 0);
	nx_graph *g2 = nx_load(path, &e);
	CHECK(g2 != NULL);
	if (g2) {
		CHECK(nx_blob_is_recipe(nx_const_blob(g2, nx_value_by_name(g2, "w", 1))));
		check_same_bits(g, g2);
	}
	nx_graph_free(g2);
	float one[2] = {1, 1};
	nx_blob *deeper = nx_blob_new_scaled(w, one, 2, NX_SCALE_OUTER, 1); /* dropped below */
	CHECK(!nx_blob_is_recipe(deeper));
	nx_blob_unref(deeper);
	nx_graph_free(g);
}

/* The JSON form's refusals, each naming the constant and the reason. */
static void test_json_refusals(void)
{
#define JM(src) "{\"format\":\"nex-ir\",\"version\":1,\"name\":\"e\",\"inputs\":[{\"name\":" \
	"\"x\",\"type\":{\"dtype\":\"f32\",\"shape\":[1]}}],\"outputs\":[\"x\"],\"consts\":[{" \
	"\"name\":\"k\",\"type\":{\"dtype\":\"f32\",\"shape\":[2,3]}," src "}],\"ops\":[]}"
	static const struct {
		const char *text, *msg;
	} cases[] = {
		{JM("\"scaled\":{\"base\":{\"fill\":{\"kind\":\"ones\"}},\"mode\":\"outer\","
		    "\"scale\":{\"data\":[1.0,2.0,3.0]}}"),
		 "consts[0] (\"k\"): scaled: data: 3 elements for f32[2], which holds 2"},
		{JM("\"scaled\":{\"base\":{\"fill\":{\"kind\":\"ones\"}},\"mode\":\"outer\","
		    "\"group\":2,\"scale\":{\"data\":[1.0,2.0]}}"),
		 "\"group\" goes with mode \"convt\" only"},
		{JM("\"scaled\":{\"base\":{\"fill\":{\"kind\":\"ones\"}},\"mode\":\"diag\","
		    "\"scale\":{\"data\":[1.0,2.0]}}"),
		 "mode: \"diag\" is not one of outer, inner, convt"},
		{JM("\"scaled\":{\"base\":{\"blob\":3},\"mode\":\"outer\","
		    "\"scale\":{\"data\":[1.0,2.0]}}"),
		 "unknown key"},
		{JM("\"scaled\":{\"base\":{\"fill\":{\"kind\":\"ones\"}},\"mode\":\"outer\","
		    "\"scale\":{\"fill\":{\"kind\":\"ones\"}}}"),
		 "unknown key"},
		{JM("\"scaled\":{\"mode\":\"outer\",\"scale\":{\"data\":[1.0,2.0]}}"),
		 "needs \"base\" and \"scale\""},
	};
#undef JM
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		nx_err e;
		nx_graph *g = nx_json_parse(cases[i].text, strlen(cases[i].text), "m.json", NULL, &e);
		CHECK(g == NULL);
		if (g) {
			nx_graph_free(g);
			continue;
		}
		CHECK_CONTAINS(e.msg, cases[i].msg);
	}
}

int main(int argc, char **argv)
{
	static const check_case cases[] = {
		{"roundtrip_nex", test_roundtrip_nex},
		{"roundtrip_json", test_roundtrip_json},
		{"nan_scale", test_nan_scale},
		{"refusals", test_refusals},
		{"json_refusals", test_json_refusals},
		{"depth", test_depth},
		{NULL, NULL},
	};
	snprintf(tmp, sizeof tmp, "/tmp/nex_recipeXXXXXX");
	if (!mkdtemp(tmp)) {
		perror("mkdtemp");
		return 2;
	}
	int rc = check_main(cases, argc, argv);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmp);
	return rc;
}
