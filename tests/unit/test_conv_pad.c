/* test_conv_pad.c — the padded input copies of the direct conv kernel
 * (core's conv_pad.c) and the scratch ops conv_tile.c shares between tiles,
 * through convs that reach every edge of the copies: stride-2 stems whose
 * even and odd column phases start and end inside or outside the image
 * (widths 32 to 37, pads 0, 1 and 2, asymmetric, dilation 2) and stride-1
 * convs with pads 0 to 2, all with rows of 16+ output columns. Each conv
 * runs whole and tiled by rows (a top, inner and bottom tile with their
 * own pads, several inner tiles sharing one scratch op): within a few ulps
 * of a double sum, the same bytes at 1 and 2 threads, and on a CPU with
 * AVX2 and FMA (where these convs take the direct kernel, whose sums do
 * not follow the tiling) the tiled conv gives the whole conv's bytes.
 * Without AVX2 and FMA that last check cannot hold (the GEMM roads' bits
 * follow the blocks) and the test exits 77 once the rest passed. The same
 * checks on depthwise convs (kern_conv_dw.c's padded plane per channel). */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "nx.h"
#include "tile_fixture.h"

typedef struct pcase {
	int C, H, W, M, s, d, pad[4];
	int K, dw; /* kernel K x K; dw: depthwise (group = C = M) */
} pcase;

/* every one takes the direct kernel on an AVX2+FMA CPU: stride 2 with 2-8
 * input channels or stride 1 with 16+, rows of 16+ output columns */
static const pcase cases[] = {
	/* stems, stride 2 (phase planes): even and odd widths */
	{3, 13, 32, 8, 2, 1, {1, 1, 1, 1}, 3, 0},
	{3, 12, 33, 8, 2, 1, {0, 0, 0, 0}, 3, 0},
	{3, 11, 34, 16, 2, 1, {2, 1, 0, 2}, 3, 0},
	{3, 14, 35, 8, 2, 1, {1, 2, 2, 0}, 3, 0},
	{4, 17, 37, 8, 2, 2, {2, 2, 2, 2}, 3, 0},
	{2, 10, 36, 16, 2, 1, {0, 1, 1, 0}, 3, 0},
	/* stride 1, 16 channels (plain padded planes) */
	{16, 12, 18, 8, 1, 1, {0, 0, 0, 0}, 3, 0},
	{16, 11, 17, 8, 1, 1, {2, 1, 0, 2}, 3, 0},
	{16, 14, 18, 24, 1, 2, {2, 2, 2, 2}, 3, 0},
};

/* Depthwise, stride 1 (kern_conv_dw.c, any CPU: its sums do not follow
 * the tiling either): widths whose 16- and 32-column blocks end inside,
 * past or exactly at the row end, pads 0 to 2, 5x5, dilation 2. */
static const pcase dw_cases[] = {
	{4, 9, 100, 4, 1, 1, {1, 1, 1, 1}, 3, 1},
	{3, 7, 70, 3, 1, 1, {2, 2, 2, 2}, 5, 1},
	{2, 6, 40, 2, 1, 1, {2, 2, 2, 2}, 5, 1},
	{3, 8, 97, 3, 1, 1, {0, 2, 1, 0}, 3, 1},
	{2, 10, 131, 2, 1, 2, {2, 2, 2, 2}, 3, 1},
	{2, 5, 66, 2, 1, 1, {0, 0, 0, 0}, 3, 1},
	{2, 6, 20, 2, 1, 1, {1, 1, 1, 1}, 3, 1},
	/* the last block ends exactly at the row end */
	{2, 6, 96, 2, 1, 1, {1, 1, 1, 1}, 3, 1},
};

static int cpu_v3(void)
{
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
	return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
	return 0;
#endif
}

static int out_dim(const pcase *c, int in, int pa, int pb)
{
	return (in + pa + pb - (c->K - 1) * c->d - 1) / c->s + 1;
}

/* The conv's exact values from x and the weights/bias in the graph text's
 * rule (weights[i] = wv(i), bias[m] = bv(m)). */
static float wv(int i)
{
	return (float)((i * 37) % 19) / 16.0f - 0.5f;
}

static float bv(int m)
{
	return (float)m / 8.0f - 0.25f;
}

static void ref_conv(const void *ctx, const nx_tensor *in, double *ref, double *mag)
{
	const pcase *c = ctx;
	const float *x = in[0].data;
	int OH = out_dim(c, c->H, c->pad[0], c->pad[2]), OW = out_dim(c, c->W, c->pad[1], c->pad[3]);
	for (int m = 0; m < c->M; m++)
		for (int oy = 0; oy < OH; oy++)
			for (int ox = 0; ox < OW; ox++) {
				double s = bv(m), a = fabs(bv(m));
				int cg = c->dw ? 1 : c->C, c0 = c->dw ? m : 0;
				for (int ci = 0; ci < cg; ci++)
					for (int ky = 0; ky < c->K; ky++)
						for (int kx = 0; kx < c->K; kx++) {
							int iy = oy * c->s - c->pad[0] + ky * c->d;
							int ix = ox * c->s - c->pad[1] + kx * c->d;
							if (iy < 0 || iy >= c->H || ix < 0 || ix >= c->W)
								continue;
							double p =
								(double)x[((c0 + ci) * c->H + iy) * c->W + ix] *
								wv(((m * cg + ci) * c->K + ky) * c->K + kx);
							s += p;
							a += fabs(p);
						}
				ref[(m * OH + oy) * OW + ox] = s;
				mag[(m * OH + oy) * OW + ox] = a;
			}
}

/* The graph text of case c, tiled by rows of `rows` when rows > 0. Caller
 * frees with free. */
static char *conv_text(const pcase *c, int rows)
{
	int OH = out_dim(c, c->H, c->pad[0], c->pad[2]), OW = out_dim(c, c->W, c->pad[1], c->pad[3]);
	int cg = c->dw ? 1 : c->C, nw = c->M * cg * c->K * c->K;
	size_t cap = (size_t)nw * 16 + 4096, o = 0;
	char *t = malloc(cap);
	o += (size_t)snprintf(t + o, cap - o,
			      "graph @t(%%x: f32[1,%d,%d,%d]) -> (%%y: f32[1,%d,%d,%d]) {\n"
			      "  %%w = const f32[%d,%d,%d,%d] dense[",
			      c->C, c->H, c->W, c->M, OH, OW, c->M, cg, c->K, c->K);
	for (int i = 0; i < nw; i++)
		o += (size_t)snprintf(t + o, cap - o, "%s%.9g", i ? ", " : "", wv(i));
	o += (size_t)snprintf(t + o, cap - o, "]\n  %%b = const f32[%d] dense[", c->M);
	for (int m = 0; m < c->M; m++)
		o += (size_t)snprintf(t + o, cap - o, "%s%.9g", m ? ", " : "", bv(m));
	char tile[64] = "";
	if (rows > 0)
		snprintf(tile, sizeof tile, ", tile=[1,%d,%d,%d]", c->M, rows, OW);
	snprintf(t + o, cap - o,
		 "]\n  %%y = conv(%%x, %%w, %%b) {strides=[%d,%d], dilations=[%d,%d], "
		 "pads=[%d,%d,%d,%d], group=%d%s} : f32[1,%d,%d,%d]\n  return %%y\n}\n",
		 c->s, c->s, c->d, c->d, c->pad[0], c->pad[1], c->pad[2], c->pad[3],
		 c->dw ? c->C : 1, tile, c->M, OH, OW);
	return t;
}

/* Output 0 of g on x at 1 thread; caller frees with nx_run_result_free. */
static int run1(nx_graph *g, const nx_tensor *x, nx_run_result *r)
{
	nx_err e;
	nx_run_opts o = {.threads = 1};
	int rc = nx_run(g, x, 1, &o, r, &e);
	if (rc)
		fprintf(stderr, "run: %s\n", e.msg);
	return rc;
}

/* Set when the tiled-equals-whole check could not run here (main: 77). */
static bool skipped;

/* Case c (number k of table) whole and tiled; needs_v3: the tiled-equals-whole
 * check holds only on an AVX2+FMA CPU (the direct kernel's road). */
static void run_case(const pcase *c, size_t k, const char *table, bool needs_v3)
{
	{
		int OH = out_dim(c, c->H, c->pad[0], c->pad[2]);
		char what[64];
		nx_type t = {0};
		t.dtype = NX_F32;
		t.rank = 4;
		t.dims[0] = 1, t.dims[1] = c->C, t.dims[2] = c->H, t.dims[3] = c->W;
		nx_tensor x = tile_input(&t, (uint32_t)k + 1);
		/* whole, then tiles of 2 rows (top, inner tiles sharing a
		 * scratch op, bottom) and of about a third */
		int rows[3] = {0, 2, OH / 3 + 1};
		nx_run_result whole = {0};
		bool have_whole = false;
		for (int v = 0; v < 3; v++) {
			snprintf(what, sizeof what, "%s case %zu, %s%d", table, k,
				 rows[v] ? "tiles of " : "whole", rows[v]);
			char *text = conv_text(c, rows[v]);
			nx_graph *g = tile_graph(what, text);
			free(text);
			CHECK(g != NULL);
			if (!g)
				continue;
			tile_check_runs(what, g, &x, 1, 2, ref_conv, c);
			nx_run_result r;
			if (run1(g, &x, &r)) {
				CHECK(0);
			} else if (!rows[v]) {
				whole = r;
				have_whole = true;
			} else {
				if (needs_v3 && !cpu_v3()) {
					skipped = true;
				} else if (have_whole) {
					bool same = !memcmp(r.outputs[0].data, whole.outputs[0].data,
							    nx_tensor_nbytes(&r.outputs[0]));
					if (!same)
						fprintf(stderr, "%s: tiled differs from whole\n", what);
					CHECK(same);
				}
				nx_run_result_free(&r);
			}
			nx_graph_free(g);
		}
		if (have_whole)
			nx_run_result_free(&whole);
		nx_tensor_free(&x);
	}
}

static void test_pads(void)
{
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++)
		run_case(&cases[k], k, "direct", true);
	for (size_t k = 0; k < sizeof dw_cases / sizeof dw_cases[0]; k++)
		run_case(&dw_cases[k], k, "depthwise", false);
	if (skipped)
		fprintf(stderr, "no AVX2+FMA: the direct kernel's tiled-equals-whole checks "
			"skipped\n");
}

static const check_case tcases[] = {
	{"pads", test_pads},
	{NULL, NULL},
};

int main(int argc, char **argv)
{
	int rc = check_main(tcases, argc, argv);
	return rc == 0 && skipped ? 77 : rc; /* a part did not run: skipped */
}
