/* test_matmul_tile_inplace.c — tiled matmul and gemm read their tiles in
 * place (matmul_tile.c, kern_matmul.c's tile entry): for each case nx_run's
 * result must be the bytes of the old path that gathers every tile dense
 * (nx_eval_matmul_tiles(..., gather true), kept as the reference) at 1 and
 * 2 threads, and the untiled op's result within float rounding. A leading
 * dimension off by one reads other elements and fails the byte comparison.
 * Each case also says whether its tiles go in place (all of them, or none
 * where a tall batch GEMM's rows do not lie one stride apart), so the
 * comparison is not of the gathered path with itself. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "nx.h"
#include "tile_fixture.h"

typedef struct ip_case {
	const char *what;
	const char *op;    /* "matmul" or "gemm" */
	const char *attrs; /* gemm's, without the tile ("" for none) */
	const char *a, *b, *c, *y; /* dims; c NULL: no C */
	const char *tile;
	float alpha, beta; /* for the tolerance */
	int64_t k;         /* inner dim */
	bool in_place; /* its tiles go in place (all of them; else none) */
} ip_case;

static const ip_case cases[] = {
	{"rec's tail", "matmul", "", "1,40,480", "480,6625", NULL, "1,40,6625", "[1,40,2209]", 1,
	 0, 480, true},
	{"rows and cols", "matmul", "", "301,64", "64,1000", NULL, "301,1000", "[100,333]", 1, 0,
	 64, true},
	{"batched, both operands", "matmul", "", "1,4,64,96", "4,96,48", NULL, "1,4,64,48",
	 "[1,1,32,16]", 1, 0, 96, true},
	{"A broadcast over batches", "matmul", "", "50,70", "3,70,90", NULL, "3,50,90", "[2,17,0]",
	 1, 0, 70, true},
	{"tall batch, whole rows", "matmul", "", "1,4,64,96", "96,80", NULL, "1,4,64,80",
	 "[1,2,64,40]", 1, 0, 96, true},
	{"tall batch, row tiles (gathered)", "matmul", "", "1,4,64,96", "96,80", NULL,
	 "1,4,64,80", "[1,2,24,80]", 1, 0, 96, false},
	{"gemm tB, C row", "gemm", "transB=1, alpha=0.5, beta=2", "48,64", "100,64", "100",
	 "48,100", "[16,40]", 0.5f, 2, 64, true},
	{"gemm tA, C column", "gemm", "transA=1", "64,48", "64,100", "48,1", "48,100", "[20,30]",
	 1, 1, 64, true},
	{"gemm tA tB, C full", "gemm", "transA=1, transB=1, alpha=-1, beta=0.5", "64,48",
	 "100,64", "48,100", "48,100", "[7,13]", 1, 0.5f, 64, true},
	{"gemm, no C", "gemm", "", "48,64", "64,100", NULL, "48,100", "[30,30]", 1, 0, 64, true},
};

/* The case's graph, with its tile or without. Caller frees with
 * nx_graph_free. */
static nx_graph *build(const ip_case *t, bool tiled)
{
	char attrs[160], text[1024];
	snprintf(attrs, sizeof attrs, "%s%s%s%s", t->attrs,
		 tiled && t->attrs[0] ? ", " : "", tiled ? "tile=" : "", tiled ? t->tile : "");
	char braced[180] = "";
	if (attrs[0])
		snprintf(braced, sizeof braced, " {%s}", attrs);
	if (t->c)
		snprintf(text, sizeof text,
			 "graph @t(%%a: f32[%s], %%b: f32[%s], %%c: f32[%s]) -> (%%y: f32[%s]) {\n"
			 "  %%y = %s(%%a, %%b, %%c)%s : f32[%s]\n  return %%y\n}\n",
			 t->a, t->b, t->c, t->y, t->op, braced, t->y);
	else
		snprintf(text, sizeof text,
			 "graph @t(%%a: f32[%s], %%b: f32[%s]) -> (%%y: f32[%s]) {\n"
			 "  %%y = %s(%%a, %%b)%s : f32[%s]\n  return %%y\n}\n",
			 t->a, t->b, t->y, t->op, braced, t->y);
	return tile_graph(t->what, text);
}

/* nx_run of g on in[] at th threads: output 0 copied into *y (caller
 * frees with nx_tensor_free); 0 or -1. */
static int run(nx_graph *g, const nx_tensor *in, uint32_t n, int th, nx_tensor *y)
{
	nx_err e;
	nx_run_opts o = {.threads = th};
	nx_run_result r;
	if (nx_run(g, in, n, &o, &r, &e)) {
		fprintf(stderr, "run at %d threads: %s\n", th, e.msg);
		return -1;
	}
	*y = nx_tensor_empty(&r.outputs[0].type);
	memcpy(y->data, r.outputs[0].data, nx_tensor_nbytes(y));
	nx_run_result_free(&r);
	return 0;
}

static void one_case(const ip_case *t)
{
	nx_graph *g = build(t, true), *whole = build(t, false);
	CHECK(g && whole);
	if (!g || !whole) {
		nx_graph_free(g);
		nx_graph_free(whole);
		return;
	}
	uint32_t n = t->c ? 3 : 2;
	nx_tensor in[3];
	memset(in, 0, sizeof in);
	for (uint32_t i = 0; i < n; i++)
		in[i] = tile_input(nx_vtype(g, g->inputs[i]), i + 7);
	int64_t nt[4], te[4], n_in_place = -1;
	CHECK(nx_matmul_tiling(g, g->first, nt, te) == NULL);
	int64_t tiles = nt[0] * nt[1] * nt[2] * nt[3];
	CHECK(tiles > 1);
	nx_err e;
	nx_tensor ref = nx_tensor_empty(nx_vtype(g, nx_result(g, g->first, 0)));
	int rc = nx_eval_matmul_tiles(g, g->first, in, n, &ref, NULL, true, &n_in_place, &e);
	if (rc)
		fprintf(stderr, "%s: gathered: %s\n", t->what, e.msg);
	CHECK_EQ_INT(rc, 0);
	CHECK(n_in_place == 0);
	/* how many of its tiles the interpreter runs in place */
	nx_tensor probe = nx_tensor_empty(&ref.type);
	CHECK_EQ_INT(nx_eval_matmul_tiles(g, g->first, in, n, &probe, NULL, false, &n_in_place, &e), 0);
	int64_t want = t->in_place ? tiles : 0;
	if (n_in_place != want)
		fprintf(stderr, "%s: %lld of %lld tiles in place, want %lld\n", t->what,
			(long long)n_in_place, (long long)tiles, (long long)want);
	CHECK(n_in_place == want);
	nx_tensor_free(&probe);
	nx_tensor y[2], yw;
	bool ok[2];
	for (int th = 1; th <= 2; th++) {
		ok[th - 1] = run(g, in, n, th, &y[th - 1]) == 0;
		CHECK(ok[th - 1]);
		if (!ok[th - 1])
			continue;
		bool same = !memcmp(ref.data, y[th - 1].data, nx_tensor_nbytes(&ref));
		if (!same)
			fprintf(stderr, "%s: in place differs from gathered at %d threads\n", t->what, th);
		CHECK(same);
	}
	bool okw = run(whole, in, n, 1, &yw) == 0;
	CHECK(okw);
	if (ok[0] && okw) {
		/* inputs in [-1, 1): each element's sum of |terms| is at most
		 * |alpha| K + |beta|; the two products round differently
		 * within that */
		double tol = 1e-5 * (fabs(t->alpha) * (double)t->k + fabs(t->beta)), worst = 0;
		const float *a = y[0].data, *b = yw.data;
		for (int64_t i = 0; i < nx_tensor_numel(&yw); i++) {
			double d = fabs((double)a[i] - b[i]);
			worst = d > worst || d != d ? d : worst;
		}
		if (!(worst <= tol))
			fprintf(stderr, "%s: tiled and whole differ by %.3g (tolerance %.3g)\n",
				t->what, worst, tol);
		CHECK(worst <= tol);
	}
	for (int th = 0; th < 2; th++)
		if (ok[th])
			nx_tensor_free(&y[th]);
	if (okw)
		nx_tensor_free(&yw);
	nx_tensor_free(&ref);
	for (uint32_t i = 0; i < n; i++)
		nx_tensor_free(&in[i]);
	nx_graph_free(g);
	nx_graph_free(whole);
}

static void test_inplace(void)
{
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		one_case(&cases[i]);
}

/* What a caller that is not a tiled matmul gets. */
static void test_refusals(void)
{
	nx_graph *g = tile_graph("untiled", "graph @t(%a: f32[8,64], %b: f32[64,8]) -> (%y: f32[8,8]) {\n"
					    "  %y = matmul(%a, %b) : f32[8,8]\n  return %y\n}\n");
	CHECK(g != NULL);
	if (!g)
		return;
	nx_tensor in[2] = {tile_input(nx_vtype(g, g->inputs[0]), 1),
			   tile_input(nx_vtype(g, g->inputs[1]), 2)};
	nx_tensor y = nx_tensor_empty(nx_vtype(g, nx_result(g, g->first, 0)));
	nx_err e;
	CHECK_EQ_INT(nx_eval_matmul_tiles(g, g->first, in, 2, &y, NULL, true, NULL, &e), -1);
	CHECK(strstr(e.msg, "not split by tiles: no tile attribute") != NULL);
	nx_tensor_free(&y);
	nx_tensor_free(&in[0]);
	nx_tensor_free(&in[1]);
	nx_graph_free(g);
}

static const check_case tests[] = {
	{"inplace", test_inplace},
	{"refusals", test_refusals},
	{NULL, NULL},
};

int main(int argc, char **argv)
{
	return check_main(tests, argc, argv);
}
