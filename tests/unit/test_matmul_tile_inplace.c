/* test_matmul_tile_inplace.c — tiled matmul and gemm read their tiles in
 * place (nx_kern_matmul_tile_at, matmul_tile.c): for each case the tiled
 * kernel's result must be the bytes of the old path that gathers every
 * tile dense (nx_kern_matmul_tiles_how(k, true), kept as the reference) at
 * 1 and 2 threads, and the untiled op's result within float rounding. A
 * leading dimension off by one reads other elements and fails the byte
 * comparison. Each case also says whether its first tile goes in place, so
 * the comparison is not of the gathered path with itself. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "nx.h"
#include "nx_int.h"
#include "tile_fixture.h"

typedef struct ip_case {
	const char *what;
	const char *op;    /* "matmul" or "gemm" */
	const char *attrs; /* gemm's, without the tile ("" for none) */
	const char *a, *b, *c, *y; /* dims; c NULL: no C */
	const char *tile;
	float alpha, beta; /* for the tolerance */
	int64_t k;         /* inner dim */
	bool first_inplace;
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

/* Runs op g->first on in[] into a new tensor (caller frees with
 * nx_tensor_free): through its kernel, or (gather) the gathered tiles. */
static nx_tensor run(nx_graph *g, const nx_tensor *in, uint32_t n, nx_pool *pool, bool gather,
		     int *rc)
{
	nx_tensor y = nx_tensor_empty(nx_vtype(g, nx_result(g, g->first, 0)));
	nx_err e;
	nx_kern k = {g, g->first, in, n, &y, 1, pool, &e, false, NULL, 0, false};
	bool gemm = nx_opp(g, g->first)->kind == NX_OP_GEMM;
	*rc = gather ? nx_kern_matmul_tiles_how(&k, true) : gemm ? nx_kern_gemm(&k) : nx_kern_matmul(&k);
	if (*rc)
		fprintf(stderr, "run: %d %s\n", *rc, *rc < 0 ? e.msg : "(not tiled)");
	return y;
}

/* Whether tile 0 of g's op goes in place (nx_kern_matmul_tile_at 0). */
static bool first_tile_inplace(nx_graph *g, const nx_tensor *in, uint32_t n)
{
	int64_t nt[4], te[4], r0[4] = {0, 0, 0, 0}, rn[4], w0[3][4], wn[3][4];
	CHECK(nx_matmul_tiling(g, g->first, nt, te) == NULL);
	memcpy(rn, te, sizeof rn);
	nx_matmul_tile_windows(g, g->first, r0, rn, w0, wn);
	nx_tensor y = nx_tensor_empty(nx_vtype(g, nx_result(g, g->first, 0)));
	nx_err e;
	nx_kern k = {g, g->first, in, n, &y, 1, NULL, &e, false, NULL, 0, false};
	int rc = nx_kern_matmul_tile_at(&k, r0, rn, (const int64_t(*)[4])w0, (const int64_t(*)[4])wn);
	nx_tensor_free(&y);
	CHECK(rc >= 0);
	return rc == 0;
}

static void one_case(const ip_case *t, nx_pool *pool2)
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
	bool ip = first_tile_inplace(g, in, n);
	if (ip != t->first_inplace)
		fprintf(stderr, "%s: tile 0 %s in place\n", t->what, ip ? "goes" : "does not go");
	CHECK(ip == t->first_inplace);
	int rc_ref, rc1, rc2, rcw;
	nx_tensor ref = run(g, in, n, NULL, true, &rc_ref);
	nx_tensor y1 = run(g, in, n, NULL, false, &rc1);
	nx_tensor y2 = run(g, in, n, pool2, false, &rc2);
	nx_tensor yw = run(whole, in, n, NULL, false, &rcw);
	CHECK_EQ_INT(rc_ref, 0);
	CHECK_EQ_INT(rc1, 0);
	CHECK_EQ_INT(rc2, 0);
	CHECK_EQ_INT(rcw, 0);
	size_t bytes = nx_tensor_nbytes(&ref);
	bool same1 = !memcmp(ref.data, y1.data, bytes), same2 = !memcmp(ref.data, y2.data, bytes);
	if (!same1 || !same2)
		fprintf(stderr, "%s: in place differs from gathered at%s%s\n", t->what,
			same1 ? "" : " 1 thread", same2 ? "" : " 2 threads");
	CHECK(same1);
	CHECK(same2);
	/* inputs in [-1, 1): each element's sum of |terms| is at most
	 * |alpha| K + |beta|; the two products round differently within that */
	double tol = 1e-5 * (fabs(t->alpha) * (double)t->k + fabs(t->beta)), worst = 0;
	const float *a = y1.data, *b = yw.data;
	for (int64_t i = 0; i < nx_tensor_numel(&y1); i++) {
		double d = fabs((double)a[i] - b[i]);
		worst = d > worst || d != d ? d : worst;
	}
	if (!(worst <= tol))
		fprintf(stderr, "%s: tiled and whole differ by %.3g (tolerance %.3g)\n", t->what,
			worst, tol);
	CHECK(worst <= tol);
	nx_tensor_free(&ref);
	nx_tensor_free(&y1);
	nx_tensor_free(&y2);
	nx_tensor_free(&yw);
	for (uint32_t i = 0; i < n; i++)
		nx_tensor_free(&in[i]);
	nx_graph_free(g);
	nx_graph_free(whole);
}

static void test_inplace(void)
{
	nx_pool *p = nx_pool_new(2); /* freed below */
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		one_case(&cases[i], p);
	nx_pool_free(p);
}

static const check_case tests[] = {
	{"inplace", test_inplace},
	{NULL, NULL},
};

int main(int argc, char **argv)
{
	return check_main(tests, argc, argv);
}
