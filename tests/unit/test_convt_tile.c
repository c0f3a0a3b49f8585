/* test_convt_tile.c — conv_transpose with attr `tile` (convt_tile.c)
 * through nx_run against a double reference: tiles by batch, output
 * channels, rows and columns, ragged last tiles, padded, strided 2x1,
 * dilated, depthwise, with and without bias, must be the op within float
 * rounding (a tile reading the wrong input rows or placed with the wrong
 * pads would not be) and give the same bytes at 1 and 2 threads; so must
 * grouped ones (tiles in one group, of whole groups), strides above the
 * kernel extent, output_padding, auto_pad SAME_UPPER/LOWER and
 * output_shape (inside and past the full output, within output_padding,
 * beside pads: begin pads as ONNX's reference); and nx_convt_tiling's
 * counts and its reasons for leaving an op whole. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "nx.h"
#include "tile_fixture.h"

typedef struct ct_case {
	const char *what;
	int64_t x[4], w[4], y[4];
	int64_t s[2], d[2], p[4], group;
	bool bias;
	const char *tile;
	int64_t tiles;   /* tiles nx_convt_tiling must give */
	const char *attrs; /* more attributes, ", name=v" (NULL: none) */
	bool nopads;       /* no pads attr: p holds the begin pads the kernel
			    * resolves (auto_pad, output_shape), for the reference */
	const char *dtype; /* NULL: f32 */
} ct_case;

static nx_graph *build(const ct_case *t, const char *extra)
{
	char text[1024], pads[64] = "", bias[64] = "", biasin[64] = "";
	const char *dt = t->dtype ? t->dtype : "f32";
	if (!t->nopads)
		snprintf(pads, sizeof pads, "pads=[%lld,%lld,%lld,%lld], ", (long long)t->p[0],
			 (long long)t->p[1], (long long)t->p[2], (long long)t->p[3]);
	if (t->bias) {
		snprintf(bias, sizeof bias, ", %%b: %s[%lld]", dt, (long long)t->y[1]);
		snprintf(biasin, sizeof biasin, ", %%b");
	}
	snprintf(text, sizeof text,
		 "graph @t(%%x: %s[%lld,%lld,%lld,%lld], %%w: %s[%lld,%lld,%lld,%lld]%s) -> "
		 "(%%y: %s[%lld,%lld,%lld,%lld]) {\n"
		 "  %%y = conv_transpose(%%x, %%w%s) {strides=[%lld,%lld], dilations=[%lld,%lld], "
		 "%sgroup=%lld, tile=%s%s%s} : %s[%lld,%lld,%lld,%lld]\n"
		 "  return %%y\n}\n",
		 dt, (long long)t->x[0], (long long)t->x[1], (long long)t->x[2], (long long)t->x[3],
		 dt, (long long)t->w[0], (long long)t->w[1], (long long)t->w[2], (long long)t->w[3],
		 bias, dt, (long long)t->y[0], (long long)t->y[1], (long long)t->y[2],
		 (long long)t->y[3], biasin, (long long)t->s[0], (long long)t->s[1],
		 (long long)t->d[0], (long long)t->d[1], pads, (long long)t->group, t->tile,
		 t->attrs ? t->attrs : "", extra, dt, (long long)t->y[0], (long long)t->y[1],
		 (long long)t->y[2], (long long)t->y[3]);
	return tile_graph(t->what, text);
}

/* The double-precision conv_transpose of in[] (x, w and the bias if any),
 * bias included in each element and its sum of |terms|: a tile_ref_fn. */
static void reference(const void *ctx, const nx_tensor *in, double *ref, double *mag)
{
	const ct_case *t = ctx;
	const float *x = in[0].data, *w = in[1].data, *b = t->bias ? in[2].data : NULL;
	const int64_t *X = t->x, *W = t->w, *Y = t->y;
	int64_t n = Y[0] * Y[1] * Y[2] * Y[3], cg = X[1] / t->group, mg = W[1];
	for (int64_t bn = 0; bn < X[0]; bn++)
		for (int64_t c = 0; c < X[1]; c++)
			for (int64_t iy = 0; iy < X[2]; iy++)
				for (int64_t ix = 0; ix < X[3]; ix++)
					for (int64_t m = 0; m < mg; m++)
						for (int64_t ky = 0; ky < W[2]; ky++)
							for (int64_t kx = 0; kx < W[3]; kx++) {
								int64_t oy = iy * t->s[0] - t->p[0] + ky * t->d[0];
								int64_t ox = ix * t->s[1] - t->p[1] + kx * t->d[1];
								if (oy < 0 || oy >= Y[2] || ox < 0 || ox >= Y[3])
									continue;
								int64_t oc = c / cg * mg + m;
								double v = (double)x[((bn * X[1] + c) * X[2] + iy) * X[3] + ix] *
									   w[((c * W[1] + m) * W[2] + ky) * W[3] + kx];
								int64_t at = ((bn * Y[1] + oc) * Y[2] + oy) * Y[3] + ox;
								ref[at] += v;
								mag[at] += fabs(v);
							}
	if (b)
		for (int64_t i = 0; i < n; i++) {
			int64_t oc = i / (Y[2] * Y[3]) % Y[1];
			ref[i] += b[oc];
			mag[i] += fabs(b[oc]);
		}
}

static void run_case(const ct_case *t)
{
	nx_graph *g = build(t, "");
	CHECK(g != NULL);
	if (!g)
		return;
	int64_t nt[4], te[4];
	const char *why = nx_convt_tiling(g, g->n_ops - 1, nt, te);
	if (why)
		fprintf(stderr, "%s: not split: %s\n", t->what, why);
	CHECK(why == NULL);
	CHECK_EQ_INT(nt[0] * nt[1] * nt[2] * nt[3], t->tiles);
	uint32_t n = t->bias ? 3 : 2;
	nx_tensor in[3];
	for (uint32_t i = 0; i < n; i++)
		in[i] = tile_input(nx_vtype(g, g->inputs[i]), i + 7);
	tile_check_runs(t->what, g, in, n, 2, reference, t);
	for (uint32_t i = 0; i < n; i++)
		nx_tensor_free(&in[i]);
	nx_graph_free(g);
}

static const ct_case tiled_cases[] = {
	/* what, x, w, y, strides, dilations, pads, group, bias, tile, tiles */
	{"channels rows, padded", {1, 8, 16, 16}, {8, 12, 3, 3}, {1, 12, 31, 31}, {2, 2}, {1, 1},
	 {1, 1, 1, 1}, 1, true, "[1,5,8,31]", 12, NULL, false, NULL},
	{"det-like rows k=s=2", {1, 6, 20, 20}, {6, 4, 2, 2}, {1, 4, 40, 40}, {2, 2}, {1, 1},
	 {0, 0, 0, 0}, 1, true, "[1,4,7,40]", 6, NULL, false, NULL},
	{"depthwise rows cols", {1, 8, 8, 12}, {8, 1, 4, 4}, {1, 8, 16, 24}, {2, 2}, {1, 1},
	 {1, 1, 1, 1}, 8, false, "[1,3,5,10]", 36, NULL, false, NULL},
	{"batch cols, strides 2x1", {2, 4, 10, 10}, {4, 6, 3, 3}, {2, 6, 18, 10}, {2, 1}, {1, 1},
	 {2, 0, 1, 2}, 1, false, "[1,6,18,4]", 6, NULL, false, NULL},
	{"dilated, uneven pads", {1, 3, 9, 7}, {3, 5, 3, 3}, {1, 5, 19, 15}, {2, 2}, {2, 2},
	 {0, 1, 2, 1}, 1, true, "[1,5,4,6]", 15, NULL, false, NULL},
	{"stride 1, big pads", {1, 4, 12, 12}, {4, 4, 5, 5}, {1, 4, 8, 8}, {1, 1}, {1, 1},
	 {4, 4, 4, 4}, 1, true, "[1,4,3,3]", 9, NULL, false, NULL},
	/* group 2, 3 output channels a group: tiles in one group (1 channel)
	 * and of whole groups (3 of 6: one group each) */
	{"group 2, in-group channel tiles", {1, 8, 8, 8}, {8, 3, 2, 2}, {1, 6, 16, 16}, {2, 2},
	 {1, 1}, {0, 0, 0, 0}, 2, true, "[1,1,6,16]", 18, NULL, false, NULL},
	{"group 3, whole-group tiles", {1, 6, 7, 7}, {6, 4, 3, 3}, {1, 12, 13, 13}, {2, 2},
	 {1, 1}, {1, 1, 1, 1}, 3, true, "[1,8,4,13]", 8, NULL, false, NULL},
	{"group 2, depth multiplier 2", {1, 4, 9, 9}, {4, 4, 3, 3}, {1, 8, 19, 19}, {2, 2},
	 {1, 1}, {0, 0, 0, 0}, 2, false, "[1,2,19,7]", 12, NULL, false, NULL},
	/* rows no input reaches inside a tile: output_padding of its own */
	{"stride 3 over a 2x2 kernel", {1, 8, 16, 16}, {8, 4, 2, 2}, {1, 4, 47, 47}, {3, 3},
	 {1, 1}, {0, 0, 0, 0}, 1, true, "[1,4,5,7]", 70, NULL, false, NULL},
	{"stride 4 over 3x3, dilation 1, pads", {1, 3, 6, 5}, {3, 2, 3, 3}, {1, 2, 21, 17}, {4, 4},
	 {1, 1}, {1, 0, 1, 2}, 1, true, "[1,2,2,3]", 66, NULL, false, NULL},
	/* output_padding: the last rows take only the bias */
	{"output_padding", {1, 4, 8, 8}, {4, 4, 3, 3}, {1, 4, 18, 18}, {2, 2}, {1, 1},
	 {0, 0, 0, 0}, 1, true, "[1,4,4,5]", 20, ", output_padding=[1,1]", false, NULL},
	/* auto_pad SAME_UPPER: out = in x stride, total pad 1, begin 0 */
	{"auto_pad SAME_UPPER", {1, 3, 7, 7}, {3, 5, 3, 3}, {1, 5, 14, 14}, {2, 2}, {1, 1},
	 {0, 0, 0, 0}, 1, true, "[1,5,3,5]", 15, ", auto_pad=\"SAME_UPPER\"", true, NULL},
	/* SAME_LOWER: total 1, the odd pad at the start */
	{"auto_pad SAME_LOWER", {1, 3, 7, 7}, {3, 5, 3, 3}, {1, 5, 14, 14}, {2, 2}, {1, 1},
	 {1, 1, 0, 0}, 1, false, "[1,5,5,4]", 12, ", auto_pad=\"SAME_LOWER\"", true, NULL},
	/* output_shape 20 of full 19: total -1 -> 0, begin 0; row 19 bias only */
	{"output_shape past the full output", {1, 4, 9, 9}, {4, 3, 3, 3}, {1, 3, 20, 20}, {2, 2},
	 {1, 1}, {0, 0, 0, 0}, 1, true, "[1,3,6,20]", 4, ", output_shape=[20,20]", true, NULL},
	/* output_shape 15 of full 19: total 4, begin 2 */
	{"output_shape inside the full output", {1, 4, 9, 9}, {4, 3, 3, 3}, {1, 3, 15, 15},
	 {2, 2}, {1, 1}, {2, 2, 2, 2}, 1, true, "[1,3,4,6]", 12, ", output_shape=[15,15]", true, NULL},
	/* begin pads as ONNX's reference evaluator gives them (checked with
	 * onnx/reference/ops/op_conv_transpose.py): output_shape cutting no
	 * more than output_padding keeps pads 0 (full 20, out 18, total 2:
	 * begin 0, not 1), and given pads count beside output_shape (total 3,
	 * pads 2 and 1: begin 2, not 1) */
	{"output_shape within output_padding", {1, 2, 6, 6}, {2, 2, 3, 3}, {1, 2, 18, 18}, {3, 3},
	 {1, 1}, {0, 0, 0, 0}, 1, true, "[1,2,6,18]", 3,
	 ", output_padding=[2,2], output_shape=[18,18]", true, NULL},
	{"pads and output_shape", {1, 4, 9, 9}, {4, 3, 3, 3}, {1, 3, 16, 16}, {2, 2}, {1, 1},
	 {2, 2, 1, 1}, 1, true, "[1,3,4,16]", 4, ", output_shape=[16,16]", false, NULL},
};

/* What nx_convt_tiling leaves whole, and says why (a phrase of it). */
static void whole_case(const ct_case *t, const char *extra, const char *phrase)
{
	nx_graph *g = build(t, extra);
	CHECK(g != NULL);
	if (!g)
		return;
	int64_t nt[4], te[4];
	const char *why = nx_convt_tiling(g, g->n_ops - 1, nt, te);
	CHECK(why != NULL && strstr(why, phrase));
	if (why && !strstr(why, phrase))
		fprintf(stderr, "%s: said \"%s\"\n", t->what, why);
	CHECK_EQ_INT(nt[0] * nt[1] * nt[2] * nt[3], 1);
	nx_graph_free(g);
}

static void test_tiled(void)
{
	for (size_t i = 0; i < sizeof tiled_cases / sizeof *tiled_cases; i++)
		run_case(&tiled_cases[i]);
}

static void test_reasons(void)
{
	/* 2 channels of a group of 3 straddle two groups */
	const ct_case grouped = {"group 2", {1, 8, 8, 8}, {8, 3, 2, 2}, {1, 6, 16, 16},
				 {2, 2}, {1, 1}, {0, 0, 0, 0}, 2, false, "[1,2,16,16]", 1, NULL, false, NULL};
	whole_case(&grouped, "", "lie in one group or hold whole groups");
	/* output_shape 26 of full 19: the last tile is 7 rows past the reach */
	const ct_case far = {"output_shape far past", {1, 4, 9, 9}, {4, 3, 3, 3},
			     {1, 3, 26, 26}, {2, 2}, {1, 1}, {0, 0, 0, 0}, 1, false,
			     "[1,3,13,26]", 1, ", output_shape=[26,26]", true, NULL};
	whole_case(&far, "", "past the input's reach");
	const ct_case half = {"f16 tiles", {1, 4, 8, 8}, {4, 4, 3, 3}, {1, 4, 17, 17},
			      {2, 2}, {1, 1}, {0, 0, 0, 0}, 1, false, "[1,4,5,17]", 1,
			      NULL, false, "f16"};
	nx_graph *g = build(&half, "");
	int64_t nt[4], te[4];
	/* f16 splits (widened to f32 on both sides) */
	CHECK(g && nx_convt_tiling(g, g->n_ops - 1, nt, te) == NULL);
	CHECK_EQ_INT(nt[2], 4);
	nx_graph_free(g);
}

static const check_case cases[] = {
	{"tiled", test_tiled},
	{"reasons", test_reasons},
	{NULL, NULL},
};

int main(int argc, char **argv)
{
	return check_main(cases, argc, argv);
}
