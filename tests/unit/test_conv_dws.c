/* test_conv_dws.c — strided depthwise convs (core's kern_conv_dws.c):
 * strides (2,1), (1,2), (2,2), (3,3) and 4 across, 3x3, 5x5, 7x7, 3x5
 * and 3x1 kernels, dilation 2, uneven pads, channel multiplier 2, widths
 * whose 16- and 32-column blocks end inside or at the interior's end and
 * planes too narrow for any interior. Each conv must give, bit for bit,
 * the sums of kern_conv.c's general depthwise road that these convs took
 * before (worked out here in float in that road's order: bias, then per
 * kernel row over the input either the row's sum (interior columns of
 * 3-wide kernels, and of 5-wide ones at stride 1 across) or each tap on
 * its own), be within 1e-5 of a double sum's sum of |terms|, give the
 * same bytes at 1 and 2 threads, and the same bytes tiled by rows (the
 * executor's windows) as whole. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "nx.h"
#include "tile_fixture.h"

typedef struct dcase {
	int C, mult, H, W, KH, KW, sy, sx, dy, dx, pad[4]; /* pads: top, left, bottom, right */
} dcase;

static const dcase cases[] = {
	/* rec's: 3x3 (2,1) and (1,2) at 160 wide, 5x5 (2,1) at 80 wide */
	{3, 1, 24, 160, 3, 3, 2, 1, 1, 1, {1, 1, 1, 1}},
	{3, 1, 12, 160, 3, 3, 1, 2, 1, 1, {1, 1, 1, 1}},
	{2, 1, 12, 80, 5, 5, 2, 1, 1, 1, {2, 2, 2, 2}},
	{2, 1, 6, 80, 5, 5, 2, 1, 1, 1, {2, 2, 2, 2}},
	/* det's: 3x3 and 5x5 at (2,2) (5 wide at stride 2: taps one by one) */
	{2, 1, 20, 64, 3, 3, 2, 2, 1, 1, {1, 1, 1, 1}},
	{2, 1, 20, 45, 5, 5, 2, 2, 1, 1, {2, 2, 2, 2}},
	/* odd widths, uneven pads, interiors ending inside a block */
	{2, 1, 9, 37, 3, 3, 1, 2, 1, 1, {0, 1, 2, 0}},
	{2, 1, 11, 67, 3, 3, 2, 1, 1, 1, {2, 0, 0, 2}},
	{2, 1, 13, 35, 5, 5, 2, 1, 1, 1, {1, 2, 2, 1}},
	/* dilation 2, stride 3, stride 4 across, a 7x7 and a 3x5 kernel */
	{2, 1, 17, 71, 3, 3, 2, 2, 2, 2, {2, 2, 2, 2}},
	{2, 1, 17, 50, 3, 3, 3, 3, 1, 1, {1, 1, 1, 1}},
	{2, 1, 9, 130, 3, 3, 1, 4, 1, 1, {1, 1, 1, 1}},
	{2, 1, 15, 90, 7, 7, 2, 1, 1, 1, {3, 3, 3, 3}},
	{2, 1, 10, 41, 3, 5, 2, 1, 1, 1, {1, 2, 1, 2}},
	/* a 3x1 kernel (taps one by one), channel multiplier 2 */
	{2, 1, 10, 33, 3, 1, 2, 1, 1, 1, {1, 0, 1, 0}},
	{2, 2, 10, 48, 3, 3, 2, 1, 1, 1, {1, 1, 1, 1}},
	/* too narrow for any interior, and a single output column */
	{2, 1, 7, 3, 5, 5, 1, 2, 1, 1, {2, 2, 2, 2}},
	{2, 1, 7, 2, 3, 3, 2, 2, 1, 1, {1, 1, 0, 0}},
};

static int oh(const dcase *c)
{
	return (c->H + c->pad[0] + c->pad[2] - (c->KH - 1) * c->dy - 1) / c->sy + 1;
}

static int ow(const dcase *c)
{
	return (c->W + c->pad[1] + c->pad[3] - (c->KW - 1) * c->dx - 1) / c->sx + 1;
}

/* Weights and biases with full mantissas (the summation order shows in
 * the bits), printed with %.9g so the graph text holds them exactly. */
static float wv(int i)
{
	uint32_t s = (uint32_t)i * 2654435761u + 12345;
	s ^= s >> 13;
	s *= 1274126177u;
	return -1 + 2 * (float)(s >> 8) / (float)(1u << 24);
}

static float bv(int m)
{
	return wv(100000 + m);
}

static void ref_conv(const void *ctx, const nx_tensor *in, double *ref, double *mag)
{
	const dcase *c = ctx;
	const float *x = in[0].data;
	int OH = oh(c), OW = ow(c), M = c->C * c->mult;
	for (int m = 0; m < M; m++)
		for (int oy = 0; oy < OH; oy++)
			for (int ox = 0; ox < OW; ox++) {
				double s = bv(m), a = fabs(bv(m));
				for (int ky = 0; ky < c->KH; ky++)
					for (int kx = 0; kx < c->KW; kx++) {
						int iy = oy * c->sy - c->pad[0] + ky * c->dy;
						int ix = ox * c->sx - c->pad[1] + kx * c->dx;
						if (iy < 0 || iy >= c->H || ix < 0 || ix >= c->W)
							continue;
						double p = (double)x[((m / c->mult) * c->H + iy) * c->W + ix] *
							   wv((m * c->KH + ky) * c->KW + kx);
						s += p;
						a += fabs(p);
					}
				ref[(m * OH + oy) * OW + ox] = s;
				mag[(m * OH + oy) * OW + ox] = a;
			}
}

/* The float sums in the general road's order (see the top). */
static void road_conv(const dcase *c, const float *x, float *y)
{
	int OH = oh(c), OW = ow(c), M = c->C * c->mult;
	bool rowsum = c->KW == 3 || (c->KW == 5 && c->sx == 1);
	for (int m = 0; m < M; m++)
		for (int oy = 0; oy < OH; oy++)
			for (int ox = 0; ox < OW; ox++) {
				bool inner = true;
				for (int kx = 0; kx < c->KW; kx++) {
					int ix = ox * c->sx - c->pad[1] + kx * c->dx;
					inner &= ix >= 0 && ix < c->W;
				}
				float a = bv(m);
				for (int ky = 0; ky < c->KH; ky++) {
					int iy = oy * c->sy - c->pad[0] + ky * c->dy;
					if (iy < 0 || iy >= c->H)
						continue;
					const float *xr = x + ((m / c->mult) * c->H + iy) * c->W;
					int w0 = (m * c->KH + ky) * c->KW;
					int ix0 = ox * c->sx - c->pad[1];
					if (inner && rowsum) {
						float r = wv(w0) * xr[ix0];
						for (int kx = 1; kx < c->KW; kx++)
							r += wv(w0 + kx) * xr[ix0 + kx * c->dx];
						a += r;
						continue;
					}
					for (int kx = 0; kx < c->KW; kx++) {
						int ix = ix0 + kx * c->dx;
						if (ix >= 0 && ix < c->W)
							a += wv(w0 + kx) * xr[ix];
					}
				}
				y[(m * OH + oy) * OW + ox] = a;
			}
}

/* The graph text of case c, tiled by rows of `rows` when rows > 0. Caller
 * frees with free. */
static char *conv_text(const dcase *c, int rows)
{
	int OH = oh(c), OW = ow(c), M = c->C * c->mult, nw = M * c->KH * c->KW;
	size_t cap = (size_t)(nw + M) * 20 + 4096, o = 0;
	char *t = malloc(cap);
	o += (size_t)snprintf(t + o, cap - o,
			      "graph @t(%%x: f32[1,%d,%d,%d]) -> (%%y: f32[1,%d,%d,%d]) {\n"
			      "  %%w = const f32[%d,1,%d,%d] dense[",
			      c->C, c->H, c->W, M, OH, OW, M, c->KH, c->KW);
	for (int i = 0; i < nw; i++)
		o += (size_t)snprintf(t + o, cap - o, "%s%.9g", i ? ", " : "", wv(i));
	o += (size_t)snprintf(t + o, cap - o, "]\n  %%b = const f32[%d] dense[", M);
	for (int m = 0; m < M; m++)
		o += (size_t)snprintf(t + o, cap - o, "%s%.9g", m ? ", " : "", bv(m));
	char tile[64] = "";
	if (rows > 0)
		snprintf(tile, sizeof tile, ", tile=[1,%d,%d,%d]", M, rows, OW);
	snprintf(t + o, cap - o,
		 "]\n  %%y = conv(%%x, %%w, %%b) {strides=[%d,%d], dilations=[%d,%d], "
		 "pads=[%d,%d,%d,%d], group=%d%s} : f32[1,%d,%d,%d]\n  return %%y\n}\n",
		 c->sy, c->sx, c->dy, c->dx, c->pad[0], c->pad[1], c->pad[2], c->pad[3], c->C,
		 tile, M, OH, OW);
	return t;
}

static void run_case(const dcase *c, size_t k)
{
	int OH = oh(c), OW = ow(c), M = c->C * c->mult;
	nx_type t = {0};
	t.dtype = NX_F32;
	t.rank = 4;
	t.dims[0] = 1, t.dims[1] = c->C, t.dims[2] = c->H, t.dims[3] = c->W;
	nx_tensor x = tile_input(&t, (uint32_t)k + 1);
	float *road = malloc((size_t)M * OH * OW * sizeof *road); /* freed below */
	road_conv(c, x.data, road);
	/* whole, then tiles of 2 rows and of about half */
	int rows[3] = {0, 2, OH / 2 + 1};
	for (int v = 0; v < 3; v++) {
		if (v && rows[v] >= OH)
			continue; /* one tile: the whole conv again */
		char what[80];
		snprintf(what, sizeof what, "dws case %zu, %s%d", k, rows[v] ? "tiles of " : "whole",
			 rows[v]);
		char *text = conv_text(c, rows[v]);
		nx_graph *g = tile_graph(what, text);
		free(text);
		CHECK(g != NULL);
		if (!g)
			continue;
		tile_check_runs(what, g, &x, 1, 2, ref_conv, c);
		nx_err e;
		nx_run_opts o = {.threads = 1};
		nx_run_result r;
		int rc = nx_run(g, &x, 1, &o, &r, &e);
		if (rc)
			fprintf(stderr, "%s: run: %s\n", what, e.msg);
		CHECK_EQ_INT(rc, 0);
		if (!rc) {
			const float *y = r.outputs[0].data;
			int bad = 0;
			for (int i = 0; i < M * OH * OW; i++)
				if (memcmp(&y[i], &road[i], sizeof *y) && bad++ < 3)
					fprintf(stderr, "%s: [%d] %a, the general road's order %a\n",
						what, i, y[i], road[i]);
			CHECK_EQ_INT(bad, 0);
			nx_run_result_free(&r);
		}
		nx_graph_free(g);
	}
	free(road);
	nx_tensor_free(&x);
}

static void test_strided(void)
{
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++)
		run_case(&cases[k], k);
}

static const check_case tcases[] = {
	{"strided", test_strided},
	{NULL, NULL},
};

int main(int argc, char **argv)
{
	return check_main(tcases, argc, argv);
}
