/* test_matmul_tile.c — matmul and gemm through nx_run against a double
 * reference: whole products large enough that kern_matmul splits them
 * (by rows, by columns, by batch; transA/transB, alpha, beta, broadcast C)
 * must give the same bytes at 1, 2 and 3 threads (the split follows the
 * shapes only); products with attr `tile` (matmul_tile.c: batch, row and
 * column tiles, ragged last tiles, broadcast batch dims) must be the
 * product within float rounding and also thread-independent; and
 * nx_matmul_tiling names why it leaves a product whole. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "nx.h"
#include "tile_fixture.h"

typedef struct mm_case {
	const char *what;
	bool gemm, ta, tb;
	float alpha, beta;
	int ra, rb, rc;        /* ranks of A, B (<= 4) and gemm's C (0: none) */
	int64_t a[4], b[4], c[2], y[4];
	int ry;
	const char *tile;      /* "[..]" or NULL */
} mm_case;

static void dims_str(const int64_t *d, int r, char *s, size_t n)
{
	size_t at = 0;
	s[0] = 0;
	for (int i = 0; i < r; i++)
		at += (size_t)snprintf(s + at, n - at, "%s%lld", i ? "," : "", (long long)d[i]);
}

static nx_graph *build(const mm_case *t)
{
	char a[64], b[64], c[64], y[64], attrs[160] = "", text[1024];
	dims_str(t->a, t->ra, a, sizeof a);
	dims_str(t->b, t->rb, b, sizeof b);
	dims_str(t->c, t->rc, c, sizeof c);
	dims_str(t->y, t->ry, y, sizeof y);
	if (t->gemm)
		snprintf(attrs, sizeof attrs, " {transA=%d, transB=%d, alpha=%g, beta=%g%s%s}", t->ta,
			 t->tb, (double)t->alpha, (double)t->beta, t->tile ? ", tile=" : "",
			 t->tile ? t->tile : "");
	else if (t->tile)
		snprintf(attrs, sizeof attrs, " {tile=%s}", t->tile);
	if (t->rc)
		snprintf(text, sizeof text,
			 "graph @t(%%a: f32[%s], %%b: f32[%s], %%c: f32[%s]) -> (%%y: f32[%s]) {\n"
			 "  %%y = gemm(%%a, %%b, %%c)%s : f32[%s]\n  return %%y\n}\n",
			 a, b, c, y, attrs, y);
	else
		snprintf(text, sizeof text,
			 "graph @t(%%a: f32[%s], %%b: f32[%s]) -> (%%y: f32[%s]) {\n"
			 "  %%y = %s(%%a, %%b)%s : f32[%s]\n  return %%y\n}\n",
			 a, b, y, t->gemm ? "gemm" : "matmul", attrs, y);
	nx_graph *g = tile_graph(t->what, text);
	CHECK(g != NULL);
	return g;
}

/* dims of a rank-r shape as (b, c, h, w), 1 in front */
static void bchw(const int64_t *d, int r, int64_t o[4])
{
	for (int q = 0; q < 4; q++)
		o[q] = q < 4 - r ? 1 : d[q - (4 - r)];
}

/* The double-precision product of in[] (a, b and gemm's c if any): a
 * tile_ref_fn. */
static void reference(const void *ctx, const nx_tensor *in, double *ref, double *mag)
{
	const mm_case *t = ctx;
	const float *a = in[0].data, *b = in[1].data, *c = t->rc ? in[2].data : NULL;
	int64_t A[4], B[4], Y[4];
	bchw(t->a, t->ra, A);
	bchw(t->b, t->rb, B);
	bchw(t->y, t->ry, Y);
	int64_t K = t->ta ? A[2] : A[3];
	for (int64_t p = 0; p < Y[0]; p++)
		for (int64_t q = 0; q < Y[1]; q++)
			for (int64_t i = 0; i < Y[2]; i++)
				for (int64_t j = 0; j < Y[3]; j++) {
					int64_t ap = A[0] == 1 ? 0 : p, aq = A[1] == 1 ? 0 : q;
					int64_t bp = B[0] == 1 ? 0 : p, bq = B[1] == 1 ? 0 : q;
					const float *ab = a + (ap * A[1] + aq) * A[2] * A[3];
					const float *bb = b + (bp * B[1] + bq) * B[2] * B[3];
					double s = 0, m = 0;
					for (int64_t k = 0; k < K; k++) {
						double x = t->ta ? ab[k * A[3] + i] : ab[i * A[3] + k];
						double w = t->tb ? bb[j * B[3] + k] : bb[k * B[3] + j];
						s += x * w;
						m += fabs(x * w);
					}
					double want = t->gemm ? t->alpha * s : s;
					m = t->gemm ? fabs(t->alpha) * m : m;
					if (c) {
						int64_t cm = t->rc == 2 ? t->c[0] : 1, cn = t->c[t->rc - 1];
						double cv = c[(cm == 1 ? 0 : i) * cn + (cn == 1 ? 0 : j)];
						want += t->beta * cv;
						m += fabs(t->beta * cv);
					}
					int64_t at = ((p * Y[1] + q) * Y[2] + i) * Y[3] + j;
					ref[at] = want;
					mag[at] = m;
				}
}

static void run_case(const mm_case *t)
{
	nx_graph *g = build(t);
	if (!g)
		return;
	uint32_t n = t->rc ? 3 : 2;
	nx_tensor in[3];
	for (uint32_t i = 0; i < n; i++)
		in[i] = tile_input(nx_vtype(g, g->inputs[i]), i + 1);
	tile_check_runs(t->what, g, in, n, 3, reference, t);
	for (uint32_t i = 0; i < n; i++)
		nx_tensor_free(&in[i]);
	nx_graph_free(g);
}

static const mm_case cases_whole[] = {
	/* what, gemm, ta, tb, alpha, beta, ra, rb, rc, a, b, c, y, ry, tile */
	{"rows", false, false, false, 1, 0, 2, 2, 0, {300, 64}, {64, 50}, {0}, {300, 50}, 2, NULL},
	{"cols", false, false, false, 1, 0, 3, 2, 0, {1, 40, 120}, {120, 360}, {0},
	 {1, 40, 360}, 3, NULL},
	{"tall batch", false, false, false, 1, 0, 3, 2, 0, {2, 40, 120}, {120, 6625}, {0},
	 {2, 40, 6625}, 3, NULL},
	{"3 batches", false, false, false, 1, 0, 3, 3, 0, {3, 64, 96}, {3, 96, 80}, {0},
	 {3, 64, 80}, 3, NULL},
	{"8 batches", false, false, false, 1, 0, 4, 4, 0, {1, 8, 40, 64}, {1, 8, 64, 40}, {0},
	 {1, 8, 40, 40}, 4, NULL},
	{"gemm tA tB cols", true, true, true, 0.5f, 2, 2, 2, 1, {120, 40}, {360, 120}, {360},
	 {40, 360}, 2, NULL},
	{"gemm tA rows", true, true, false, 1, 1, 2, 2, 2, {64, 300}, {64, 50}, {300, 1},
	 {300, 50}, 2, NULL},
	{"gemm tB rows", true, false, true, 1.5f, 0.25f, 2, 2, 2, {300, 64}, {50, 64},
	 {300, 50}, {300, 50}, 2, NULL},
};

static const mm_case cases_tiled[] = {
	{"tile batch rows", false, false, false, 1, 0, 4, 2, 0, {1, 4, 64, 96}, {96, 80}, {0},
	 {1, 4, 64, 80}, 4, "[1,2,24,80]"},
	{"tile rows cols, B batched", false, false, false, 1, 0, 4, 3, 0, {1, 4, 64, 96},
	 {4, 96, 48}, {0}, {1, 4, 64, 48}, 4, "[1,1,32,16]"},
	{"tile A broadcast", false, false, false, 1, 0, 2, 3, 0, {50, 70}, {3, 70, 90}, {0},
	 {3, 50, 90}, 3, "[2,17,0]"},
	{"tile ragged", false, false, false, 1, 0, 2, 2, 0, {301, 64}, {64, 1000}, {0},
	 {301, 1000}, 2, "[100,333]"},
	{"gemm tile tB", true, false, true, 0.5f, 2, 2, 2, 1, {48, 64}, {100, 64}, {100},
	 {48, 100}, 2, "[16,40]"},
	{"gemm tile tA, C column", true, true, false, 1, 1, 2, 2, 2, {64, 48}, {64, 100},
	 {48, 1}, {48, 100}, 2, "[20,100]"},
	{"gemm tile tA tB, C full", true, true, true, -1, 0.5f, 2, 2, 2, {64, 48}, {100, 64},
	 {48, 100}, {48, 100}, 2, "[7,13]"},
	{"gemm tile, no C", true, false, false, 1, 1, 2, 2, 0, {48, 64}, {64, 100}, {0},
	 {48, 100}, 2, "[30,30]"},
};

static void test_whole(void)
{
	for (size_t i = 0; i < sizeof cases_whole / sizeof cases_whole[0]; i++)
		run_case(&cases_whole[i]);
}

static void test_tiled(void)
{
	for (size_t i = 0; i < sizeof cases_tiled / sizeof cases_tiled[0]; i++) {
		const mm_case *t = &cases_tiled[i];
		run_case(t);
		/* and the case is split: more than one tile */
		nx_graph *g = build(t);
		CHECK(g != NULL);
		if (!g)
			continue;
		int64_t nt[4], te[4];
		const char *why = nx_matmul_tiling(g, g->first, nt, te);
		if (why)
			fprintf(stderr, "%s: %s\n", t->what, why);
		CHECK(why == NULL);
		CHECK(nt[0] * nt[1] * nt[2] * nt[3] > 1);
		nx_graph_free(g);
	}
}

static void test_reasons(void)
{
	static const struct {
		const char *text, *why;
	} cases[] = {
		{"graph @t(%a: f32[64], %b: f32[64,8]) -> (%y: f32[8]) {\n"
		 "  %y = matmul(%a, %b) {tile=[4]} : f32[8]\n  return %y\n}\n",
		 "matmul tiles are built for results of rank 2 to 4, one extent per dim"},
		{"graph @t(%a: f32[2,64], %b: f32[64]) -> (%y: f32[2]) {\n"
		 "  %y = matmul(%a, %b) {tile=[1]} : f32[2]\n  return %y\n}\n",
		 "matmul tiles are built for results of rank 2 to 4, one extent per dim"},
		{"graph @t(%a: f32[8,64], %b: f32[64,8]) -> (%y: f32[8,8]) {\n"
		 "  %y = matmul(%a, %b) {tile=[4]} : f32[8,8]\n  return %y\n}\n",
		 "matmul tiles are built for results of rank 2 to 4, one extent per dim"},
		{"graph @t(%a: f32[8,64], %b: f32[64,8]) -> (%y: f32[8,8]) {\n"
		 "  %y = matmul(%a, %b) : f32[8,8]\n  return %y\n}\n",
		 "no tile attribute"},
		{"graph @t(%a: f32[8,64]) -> (%y: f32[8,64]) {\n"
		 "  %y = add(%a, %a) : f32[8,64]\n  return %y\n}\n",
		 "not a matmul or gemm"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		nx_graph *g = tile_graph("reasons", cases[i].text);
		CHECK(g != NULL);
		if (!g)
			continue;
		int64_t nt[4], te[4];
		const char *why = nx_matmul_tiling(g, g->first, nt, te);
		if (!why || strcmp(why, cases[i].why))
			fprintf(stderr, "case %zu: got '%s', want '%s'\n", i, why ? why : "(split)",
				cases[i].why);
		CHECK(why && !strcmp(why, cases[i].why));
		CHECK(nt[0] * nt[1] * nt[2] * nt[3] == 1);
		nx_graph_free(g);
	}
}

static const check_case cases[] = {
	{"whole", test_whole},
	{"tiled", test_tiled},
	{"reasons", test_reasons},
	{NULL, NULL},
};

int main(int argc, char **argv)
{
	return check_main(cases, argc, argv);
}
