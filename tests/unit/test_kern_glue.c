/* test_kern_glue.c — the interpreter's glue around its kernels:
 *  - a tiled conv whose tiles do not split evenly over the threads runs
 *    the tiles left over one by one with the pool inside the kernel
 *    (conv_tile.c): at 1 to 4 threads it must be the conv within float
 *    rounding and the same bytes at every thread count (a tile run twice,
 *    skipped, or given the act twice would not be);
 *  - nearest resize by a whole factor repeats inputs instead of gathering
 *    (kern_resize.c): the same bytes as the index rule, for factors 2, 3
 *    and a width-1 input, with a column tile starting inside a run of
 *    equal indices (which must gather) and one starting on a run;
 *  - conv_transpose with a fused act, whole and tiled (with stride =
 *    kernel, tiles whose own pads make their footprints start mid-way),
 *    must give the bytes of the op without the act followed by the act
 *    op, at 1 and 2 threads: the act is applied once to every element
 *    however the tiles and pieces fall (a road that fused it into some
 *    tiles and not others would apply it twice or not at all). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "nx.h"
#include "tile_fixture.h"

/* ---- tiled conv at 1..4 threads ------------------------------------------------ */

typedef struct conv_case {
	const char *what;
	int64_t x[4], w[4], y[4];
	int64_t s, p;           /* stride and pad, both axes */
	const char *tile, *act; /* act: NULL or "relu" */
} conv_case;

static void conv_ref(const void *ctx, const nx_tensor *in, double *ref, double *mag)
{
	const conv_case *t = ctx;
	const float *x = in[0].data, *w = in[1].data, *b = in[2].data;
	const int64_t *X = t->x, *W = t->w, *Y = t->y;
	for (int64_t m = 0; m < Y[1]; m++)
		for (int64_t oy = 0; oy < Y[2]; oy++)
			for (int64_t ox = 0; ox < Y[3]; ox++) {
				int64_t o = (m * Y[2] + oy) * Y[3] + ox;
				double v = b[m], a = fabs(b[m]);
				for (int64_t c = 0; c < X[1]; c++)
					for (int64_t ky = 0; ky < W[2]; ky++)
						for (int64_t kx = 0; kx < W[3]; kx++) {
							int64_t iy = oy * t->s - t->p + ky;
							int64_t ix = ox * t->s - t->p + kx;
							if (iy < 0 || iy >= X[2] || ix < 0 || ix >= X[3])
								continue;
							double q = (double)x[(c * X[2] + iy) * X[3] + ix] *
								   w[((m * W[1] + c) * W[2] + ky) * W[3] + kx];
							v += q;
							a += fabs(q);
						}
				ref[o] = t->act && v < 0 ? 0 : v;
				mag[o] = a;
			}
}

static void conv_tiles(const conv_case *t)
{
	char text[1024], act[64] = "";
	if (t->act)
		snprintf(act, sizeof act, ", act=\"%s\"", t->act);
	snprintf(text, sizeof text,
		 "graph @t(%%x: f32[1,%lld,%lld,%lld], %%w: f32[%lld,%lld,%lld,%lld], "
		 "%%b: f32[%lld]) -> (%%y: f32[1,%lld,%lld,%lld]) {\n"
		 "  %%y = conv(%%x, %%w, %%b) {strides=[%lld,%lld], pads=[%lld,%lld,%lld,%lld], "
		 "group=1, tile=%s%s} : f32[1,%lld,%lld,%lld]\n"
		 "  return %%y\n}\n",
		 (long long)t->x[1], (long long)t->x[2], (long long)t->x[3], (long long)t->w[0],
		 (long long)t->w[1], (long long)t->w[2], (long long)t->w[3], (long long)t->w[0],
		 (long long)t->y[1], (long long)t->y[2], (long long)t->y[3], (long long)t->s,
		 (long long)t->s, (long long)t->p, (long long)t->p, (long long)t->p,
		 (long long)t->p, t->tile, act, (long long)t->y[1], (long long)t->y[2],
		 (long long)t->y[3]);
	nx_graph *g = tile_graph(t->what, text);
	CHECK(g != NULL);
	if (!g)
		return;
	nx_type ty[3] = {{.dtype = NX_F32, .rank = 4}, {.dtype = NX_F32, .rank = 4},
			 {.dtype = NX_F32, .rank = 1, .dims = {t->w[0]}}};
	memcpy(ty[0].dims, t->x, sizeof t->x);
	memcpy(ty[1].dims, t->w, sizeof t->w);
	nx_tensor in[3];
	for (int i = 0; i < 3; i++)
		in[i] = tile_input(&ty[i], (uint32_t)i + 7);
	tile_check_runs(t->what, g, in, 3, 4, conv_ref, t);
	for (int i = 0; i < 3; i++)
		nx_tensor_free(&in[i]);
	nx_graph_free(g);
}

static void test_conv_tiles(void)
{
	/* 3x3 on 128-wide rows, 32 -> 16 channels (the direct road where the
	 * CPU has it, else the shifted GEMM): 7 row tiles of 4 (the last 2),
	 * each above the kernels' single-thread size, so a left-over tile
	 * is split over the pool */
	static const conv_case c3 = {"3x3, 7 tiles", {1, 32, 26, 128}, {16, 32, 3, 3},
				     {1, 16, 26, 128}, 1, 1, "[1,16,4,128]", "relu"};
	/* 1x1 (sgemm in place), 5 tiles; stride 2 (im2col), 3 tiles */
	static const conv_case c1 = {"1x1, 5 tiles", {1, 48, 20, 96}, {64, 48, 1, 1},
				     {1, 64, 20, 96}, 1, 0, "[1,64,4,96]", NULL};
	static const conv_case c2 = {"3x3 stride 2, 3 tiles", {1, 24, 30, 80}, {32, 24, 3, 3},
				     {1, 32, 15, 40}, 2, 1, "[1,32,6,40]", "relu"};
	conv_tiles(&c3);
	conv_tiles(&c1);
	conv_tiles(&c2);
}

/* ---- nearest resize by whole factors --------------------------------------------- */

/* Runs text (one resize of %x [1,C,H,W] to the whole [1,C,OH,OW]) on a
 * seeded x and compares with y[c][o][q] = x[c][o / sh][(q + from_w) / sw];
 * tile_w > 0: only output columns [from_w, from_w + tile_w), as the
 * executor's tile task asks for them (attrs tile_from, tile_of, tile_n,
 * which a .nex file cannot set, on the parsed op). */
static void resize_case(const char *what, const char *text, const int64_t xd[4],
			const int64_t full[4], int64_t sh, int64_t sw, int64_t from_w, int64_t tile_w)
{
	nx_graph *g = tile_graph(what, text);
	CHECK(g != NULL);
	if (!g)
		return;
	uint32_t o = NX_NONE;
	NX_FOR_OPS(g, op)
		o = op;
	int64_t yd[4] = {full[0], full[1], full[2], tile_w > 0 ? tile_w : full[3]};
	nx_err e;
	if (tile_w > 0) {
		int64_t from[4] = {0, 0, 0, from_w};
		nx_attr_set_ints(g, o, "tile_from", from, 4);
		nx_attr_set_ints(g, o, "tile_of", full, 4);
		nx_attr_set_ints(g, o, "tile_n", yd, 4);
		int rc = nx_infer_op(g, o, &e);
		if (rc)
			fprintf(stderr, "%s: infer: %s\n", what, e.msg);
		CHECK_EQ_INT(rc, 0);
	}
	nx_type ty = {.dtype = NX_F32, .rank = 4};
	memcpy(ty.dims, xd, 4 * sizeof *xd);
	nx_tensor x = tile_input(&ty, 3), y;
	int rc = nx_eval_op(g, o, &x, &y, &e);
	if (rc)
		fprintf(stderr, "%s: %s\n", what, e.msg);
	CHECK_EQ_INT(rc, 0);
	if (!rc) {
		CHECK_EQ_INT(nx_tensor_numel(&y), yd[0] * yd[1] * yd[2] * yd[3]);
		const float *yv = y.data, *xv = x.data;
		int64_t bad = 0;
		for (int64_t c = 0; c < yd[1] && nx_tensor_numel(&y) == yd[1] * yd[2] * yd[3]; c++)
			for (int64_t r = 0; r < yd[2]; r++)
				for (int64_t q = 0; q < yd[3]; q++) {
					float want = xv[(c * xd[2] + r / sh) * xd[3] + (q + from_w) / sw];
					float got = yv[(c * yd[2] + r) * yd[3] + q];
					bad += memcmp(&want, &got, sizeof got) != 0;
				}
		if (bad)
			fprintf(stderr, "%s: %lld elements differ\n", what, (long long)bad);
		CHECK(bad == 0);
		nx_tensor_free(&y);
	}
	nx_tensor_free(&x);
	nx_graph_free(g);
}

#define NN_ATTRS "mode=\"nearest\", coordinate_transformation_mode=\"asymmetric\", " \
		 "nearest_mode=\"floor\""

static void test_resize_factors(void)
{
	static const char *up2 = "graph @t(%x: f32[1,3,5,7]) -> (%y: f32[1,3,10,14]) {\n"
		"  %y = resize(%x) {scales=[1.0, 1.0, 2.0, 2.0], " NN_ATTRS "} : f32[1,3,10,14]\n"
		"  return %y\n}\n";
	static const int64_t x2[4] = {1, 3, 5, 7}, y2[4] = {1, 3, 10, 14};
	resize_case("2x", up2, x2, y2, 2, 2, 0, 0);
	static const int64_t x3[4] = {1, 2, 4, 5}, y3[4] = {1, 2, 12, 15};
	resize_case("3x", "graph @t(%x: f32[1,2,4,5]) -> (%y: f32[1,2,12,15]) {\n"
		    "  %y = resize(%x) {scales=[1.0, 1.0, 3.0, 3.0], " NN_ATTRS "} : f32[1,2,12,15]\n"
		    "  return %y\n}\n", x3, y3, 3, 3, 0, 0);
	static const int64_t x1[4] = {1, 2, 3, 1}, y1[4] = {1, 2, 6, 4};
	resize_case("width 1 to 4", "graph @t(%x: f32[1,2,3,1]) -> (%y: f32[1,2,6,4]) {\n"
		    "  %y = resize(%x) {scales=[1.0, 1.0, 2.0, 4.0], " NN_ATTRS "} : f32[1,2,6,4]\n"
		    "  return %y\n}\n", x1, y1, 2, 4, 0, 0);
	/* column tiles of the 2x op: from column 3 the first index stands
	 * alone, then pairs (a gather); from column 4 the tile is a 2x
	 * upsample of input columns 2.. */
	resize_case("2x tile from column 3", up2, x2, y2, 2, 2, 3, 6);
	resize_case("2x tile from column 4", up2, x2, y2, 2, 2, 4, 6);
}

/* ---- conv_transpose's fused act -------------------------------------------------- */

/* conv_transpose [1,C,H,W] -> [1,M,OH,OW], kernel k, stride s, pads p, with
 * act (and tile, "" for none) against the same op without the act followed
 * by the act op, at 1 and 2 threads: the same bytes. */
static void convt_act(const char *what, const int64_t x[4], int64_t m, int64_t k, int64_t s,
		      int64_t p, const char *act, const char *tile)
{
	int64_t oh = (x[2] - 1) * s + k - 2 * p, ow = (x[3] - 1) * s + k - 2 * p;
	char head[256], op[256], fused[1024], split[1024];
	snprintf(head, sizeof head,
		 "graph @t(%%x: f32[1,%lld,%lld,%lld], %%w: f32[%lld,%lld,%lld,%lld], %%b: f32[%lld]) "
		 "-> (%%y: f32[1,%lld,%lld,%lld]) {\n",
		 (long long)x[1], (long long)x[2], (long long)x[3], (long long)x[1], (long long)m,
		 (long long)k, (long long)k, (long long)m, (long long)m, (long long)oh,
		 (long long)ow);
	snprintf(op, sizeof op, "conv_transpose(%%x, %%w, %%b) {strides=[%lld,%lld], "
		 "pads=[%lld,%lld,%lld,%lld], group=1%s",
		 (long long)s, (long long)s, (long long)p, (long long)p, (long long)p, (long long)p,
		 tile);
	snprintf(fused, sizeof fused, "%s  %%y = %s, act=\"%s\"} : f32[1,%lld,%lld,%lld]\n"
		 "  return %%y\n}\n", head, op, act, (long long)m, (long long)oh, (long long)ow);
	snprintf(split, sizeof split, "%s  %%z = %s} : f32[1,%lld,%lld,%lld]\n"
		 "  %%y = %s(%%z) : f32[1,%lld,%lld,%lld]\n  return %%y\n}\n", head, op,
		 (long long)m, (long long)oh, (long long)ow, act, (long long)m, (long long)oh,
		 (long long)ow);
	nx_graph *gf = tile_graph(what, fused), *gs = tile_graph(what, split);
	CHECK(gf != NULL && gs != NULL);
	nx_type ty[3] = {{.dtype = NX_F32, .rank = 4, .dims = {x[0], x[1], x[2], x[3]}},
			 {.dtype = NX_F32, .rank = 4, .dims = {x[1], m, k, k}},
			 {.dtype = NX_F32, .rank = 1, .dims = {m}}};
	nx_tensor in[3];
	for (int i = 0; i < 3; i++)
		in[i] = tile_input(&ty[i], (uint32_t)i + 11);
	for (int th = 1; th <= 2 && gf && gs; th++) {
		nx_run_opts o = {.threads = th};
		nx_run_result rf, rs;
		nx_err e;
		int a = nx_run(gf, in, 3, &o, &rf, &e);
		if (a)
			fprintf(stderr, "%s: %s\n", what, e.msg);
		int b = nx_run(gs, in, 3, &o, &rs, &e);
		if (b)
			fprintf(stderr, "%s (split): %s\n", what, e.msg);
		CHECK_EQ_INT(a, 0);
		CHECK_EQ_INT(b, 0);
		if (!a && !b) {
			bool same = !memcmp(rf.outputs[0].data, rs.outputs[0].data,
					    nx_tensor_nbytes(&rf.outputs[0]));
			if (!same)
				fprintf(stderr, "%s at %d threads: fused act differs\n", what, th);
			CHECK(same);
		}
		if (!a)
			nx_run_result_free(&rf);
		if (!b)
			nx_run_result_free(&rs);
	}
	for (int i = 0; i < 3; i++)
		nx_tensor_free(&in[i]);
	nx_graph_free(gf);
	nx_graph_free(gs);
}

static void test_convt_act(void)
{
	static const int64_t x[4] = {1, 8, 20, 24};
	/* stride = kernel, no pads: every output one col element */
	convt_act("2x2 s2 sigmoid", x, 6, 2, 2, 0, "sigmoid", "");
	convt_act("2x2 s2 relu", x, 6, 2, 2, 0, "relu", "");
	/* row tiles of 7: odd tiles start mid-footprint and get pads of
	 * their own */
	convt_act("2x2 s2 relu, tiles of 7 rows", x, 6, 2, 2, 0, "relu", ", tile=[1,6,7,48]");
	convt_act("2x2 s2 sigmoid, tiles of 8 rows", x, 6, 2, 2, 0, "sigmoid",
		  ", tile=[1,6,8,48]");
	/* overlapping footprints, pads */
	convt_act("3x3 s2 p1 relu", x, 6, 3, 2, 1, "relu", "");
	convt_act("3x3 s1 p1 sigmoid, tiles", x, 6, 3, 1, 1, "sigmoid", ", tile=[1,6,5,24]");
}

static const check_case cases[] = {
	{"conv_tiles", test_conv_tiles},
	{"resize_factors", test_resize_factors},
	{"convt_act", test_convt_act},
	{NULL, NULL},
};

int main(int argc, char **argv)
{
	return check_main(cases, argc, argv);
}
