/* codegen_build.c — the graph behind a program, for `nex codegen`, `nex
 * exec` and `nex alloc`: load the model, run the pipeline on the target (the
 * same code as `nex run --pipeline`), lower it; and the way back from a
 * .neasm file, whose directives (.model, .shape, .pipeline, .target, .set)
 * say how its graph was made, so an edited listing runs again. */
#include <stdlib.h>
#include <string.h>

#include "codegen_cli.h"

void nxc_cg_init(nxc_cg_args *a)
{
	memset(a, 0, sizeof *a);
	a->pa.until = -1;
	a->alloc = NXG_ALLOC_RECORDED;
}

void nxc_cg_free(nxc_cg_args *a)
{
	nxc_shapes_free(&a->shapes);
}

int nxc_arg_alloc(void *field, const char *cmd, const char *val)
{
	int *alloc = field;
	if ((*alloc = nxg_alloc_parse(val)) < 0) {
		fprintf(stderr, "nex %s: --alloc: unknown allocator '%s' (recorded, bestfit, "
			"search, firstfit, hillclimb, belady, sxd, split)\n", cmd, val);
		return -1;
	}
	return 0;
}

int nxc_cg_graph(const char *cmd, const char *model, nxc_cg_args *a, nx_graph **g, nx_target *t)
{
	*g = NULL;
	if (nxc_target_args(cmd, a->pa.target, a->pa.sets, a->pa.n_sets, t))
		return NXC_USER;
	nx_onnx_opts oo = nxc_onnx_opts(&a->shapes);
	nx_graph *m = nxc_load_opts(model, &oo);
	if (!m)
		return NXC_USER;
	nxc_pipeline_args pa = a->pa;
	if (!pa.pipeline)
		pa.pipeline = "default";
	if (!pa.target && !pa.n_sets)
		pa.target = "m1"; /* the passes read the same target the program is for */
	return nxc_run_pipeline(m, &pa, g); /* takes m */
}

int nxc_cg_lower(const char *cmd, const char *model, const nxc_cg_args *a, const nx_graph *g,
		 const nx_target *t, nxg_prog **p)
{
	nxg_opts o = {.alloc = a->alloc, .overlap_bug = a->overlap_bug};
	nx_err err;
	if (nxg_lower(g, t, &o, p, &err)) {
		fprintf(stderr, "nex %s: %s\n", cmd, err.msg);
		return NXC_USER;
	}
	nxg_prog *q = *p;
	snprintf(q->model, sizeof q->model, "%s", model);
	snprintf(q->pipeline, sizeof q->pipeline, "%s", a->pa.pipeline ? a->pa.pipeline : "default");
	snprintf(q->target, sizeof q->target, "%s", a->pa.target ? a->pa.target : "m1");
	for (uint32_t i = 0; i < a->pa.n_sets; i++) {
		size_t n = q->sets ? strlen(q->sets) : 0, m = strlen(a->pa.sets[i]);
		q->sets = nx_xrealloc(q->sets, n + m + 2);
		if (n)
			q->sets[n++] = ';';
		memcpy(q->sets + n, a->pa.sets[i], m + 1);
	}
	for (uint32_t i = 0; i < a->shapes.n; i++) {
		const nx_shape_bind *b = &a->shapes.b[i];
		char buf[512];
		int n = snprintf(buf, sizeof buf, "%s=", b->name);
		for (int k = 0; k < b->rank && n < (int)sizeof buf; k++)
			n += snprintf(buf + n, sizeof buf - (size_t)n, "%s%lld", k ? "," : "",
				      (long long)b->dims[k]);
		size_t have = q->shapes ? strlen(q->shapes) : 0, m = strlen(buf);
		q->shapes = nx_xrealloc(q->shapes, have + m + 2);
		if (have)
			q->shapes[have++] = ';';
		memcpy(q->shapes + have, buf, m + 1);
	}
	return NXC_OK;
}

bool nxc_cg_is_program(const char *path)
{
	size_t n = strlen(path);
	if (n > 6 && !strcmp(path + n - 6, ".neasm"))
		return true;
	FILE *f = fopen(path, "rb");
	char m[8] = {0};
	bool bin = f && fread(m, 1, 8, f) == 8 && !memcmp(m, "NEXPROG", 8);
	if (f)
		fclose(f);
	return bin;
}

/* Splits "a;b;c" into one --shape or --set each, as the options would
 * give them. */
static int replay(const char *cmd, const char *flag, const char *list, nxc_cg_args *a)
{
	if (!list)
		return 0;
	char *copy = nx_xstrdup(list), *save = NULL; /* freed below */
	int rc = 0;
	for (char *s = strtok_r(copy, ";", &save); s && !rc; s = strtok_r(NULL, ";", &save)) {
		if (!strcmp(flag, "--shape")) {
			rc = nxc_shapes_add(&a->shapes, cmd, s);
		} else {
			char *keep = nx_xstrdup(s); /* s dies with copy; the caller frees these */
			if ((rc = nxc_arg_set(&a->pa, cmd, keep)) != 0)
				free(keep);
		}
	}
	free(copy);
	return rc;
}

int nxc_cg_load_program(const char *cmd, const char *path, nx_graph **g, nx_target *t,
			nxg_prog **p)
{
	*g = NULL;
	*p = NULL;
	nx_err err;
	size_t len;
	char *text = nx_read_file(path, &len, &err);
	if (!text) {
		fprintf(stderr, "nex %s: %s\n", cmd, err.msg);
		return NXC_USER;
	}
	nxg_prog *h = nxg_prog_new();
	int rc = NXC_USER;
	nxc_cg_args a;
	nxc_cg_init(&a);
	bool bin = len >= 8 && !memcmp(text, "NEXPROG", 8);
	if (bin ? nxg_bin_header(text, len, path, h, &err)
		: nxg_parse_header(text, len, path, h, &err)) {
		fprintf(stderr, "nex %s: %s\n", cmd, err.msg);
		goto out;
	}
	if (!h->model[0]) {
		fprintf(stderr, "nex %s: %s: no .model directive: which model the program runs "
			"on is not known\n", cmd, path);
		goto out;
	}
	a.pa.pipeline = h->pipeline[0] ? h->pipeline : "default";
	a.pa.target = h->target[0] ? h->target : "m1";
	if (replay(cmd, "--shape", h->shapes, &a) || replay(cmd, "--set", h->sets, &a)) {
		fprintf(stderr, "nex %s: %s: a bad .shape or .set directive\n", cmd, path);
		goto out;
	}
	rc = nxc_cg_graph(cmd, h->model, &a, g, t);
	if (rc != NXC_OK)
		goto out;
	rc = NXC_USER;
	*p = bin ? nxg_bin_read(text, len, path, *g, &err) : nxg_parse(text, len, path, *g, &err);
	if (!*p) {
		fprintf(stderr, "nex %s: %s\n", cmd, err.msg);
		nx_graph_free(*g);
		*g = NULL;
		goto out;
	}
	rc = NXC_OK;
out:
	for (uint32_t i = 0; i < a.pa.n_sets; i++)
		free((char *)a.pa.sets[i]);
	nxc_cg_free(&a);
	nxg_prog_free(h);
	free(text);
	return rc;
}
