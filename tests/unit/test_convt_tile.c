/* test_convt_tile.c — conv_transpose with attr `tile` (convt_tile.c)
 * through nx_run against a double reference: tiles by batch, output
 * channels, rows and columns, ragged last tiles, padded, strided 2x1,
 * dilated, depthwise, with and without bias, must be the op within float
 * rounding (a tile reading the wrong input rows or placed with the wrong
 * pads would not be) and give the same bytes at 1 and 2 threads; and
 * nx_convt_tiling's counts and its reasons for leaving an op whole. */
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
} ct_case;

static nx_graph *build(const ct_case *t, const char *extra)
{
	char text[1024];
	snprintf(text, sizeof text,
		 "graph @t(%%x: f32[%lld,%lld,%lld,%lld], %%w: f32[%lld,%lld,%lld,%lld]%s) -> "
		 "(%%y: f32[%lld,%lld,%lld,%lld]) {\n"
		 "  %%y = conv_transpose(%%x, %%w%s) {strides=[%lld,%lld], dilations=[%lld,%lld], "
		 "pads=[%lld,%lld,%lld,%lld], group=%lld, tile=%s%s} : f32[%lld,%lld,%lld,%lld]\n"
		 "  return %%y\n}\n",
		 (long long)t->x[0], (long long)t->x[1], (long long)t->x[2], (long long)t->x[3],
		 (long long)t->w[0], (long long)t->w[1], (long long)t->w[2], (long long)t->w[3],
		 t->bias ? ", %b: f32[" : "", (long long)t->y[0], (long long)t->y[1],
		 (long long)t->y[2], (long long)t->y[3], t->bias ? ", %b" : "", (long long)t->s[0],
		 (long long)t->s[1], (long long)t->d[0], (long long)t->d[1], (long long)t->p[0],
		 (long long)t->p[1], (long long)t->p[2], (long long)t->p[3], (long long)t->group,
		 t->tile, extra, (long long)t->y[0], (long long)t->y[1], (long long)t->y[2],
		 (long long)t->y[3]);
	if (t->bias) { /* the bias input's dims: "%b: f32[" + C_out + "]" */
		char *at = strstr(text, "%b: f32[");
		char tail[1024];
		snprintf(tail, sizeof tail, "%s", at + 8);
		snprintf(at + 8, sizeof text - (size_t)(at + 8 - text), "%lld]%s", (long long)t->y[1],
			 tail);
	}
	return tile_graph(t->what, text);
}

/* The double-precision conv_transpose of in[] (x, w and the bias if any):
 * a tile_ref_fn. */
static void reference(const void *ctx, const nx_tensor *in, double *ref, double *mag)
{
	const ct_case *t = ctx;
	const float *x = in[0].data, *w = in[1].data, *b = t->bias ? in[2].data : NULL;
	const int64_t *X = t->x, *W = t->w, *Y = t->y;
	int64_t cg = X[1] / t->group, mg = W[1];
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
	for (int64_t i = 0; b && i < Y[0] * Y[1] * Y[2] * Y[3]; i++) {
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
	 {1, 1, 1, 1}, 1, true, "[1,5,8,31]", 12},
	{"det-like rows k=s=2", {1, 6, 20, 20}, {6, 4, 2, 2}, {1, 4, 40, 40}, {2, 2}, {1, 1},
	 {0, 0, 0, 0}, 1, true, "[1,4,7,40]", 6},
	{"depthwise rows cols", {1, 8, 8, 12}, {8, 1, 4, 4}, {1, 8, 16, 24}, {2, 2}, {1, 1},
	 {1, 1, 1, 1}, 8, false, "[1,3,5,10]", 36},
	{"batch cols, strides 2x1", {2, 4, 10, 10}, {4, 6, 3, 3}, {2, 6, 18, 10}, {2, 1}, {1, 1},
	 {2, 0, 1, 2}, 1, false, "[1,6,18,4]", 6},
	{"dilated, uneven pads", {1, 3, 9, 7}, {3, 5, 3, 3}, {1, 5, 19, 15}, {2, 2}, {2, 2},
	 {0, 1, 2, 1}, 1, true, "[1,5,4,6]", 15},
	{"stride 1, big pads", {1, 4, 12, 12}, {4, 4, 5, 5}, {1, 4, 8, 8}, {1, 1}, {1, 1},
	 {4, 4, 4, 4}, 1, true, "[1,4,3,3]", 9},
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
	const ct_case wide = {"stride 3 rows", {1, 8, 16, 16}, {8, 4, 2, 2}, {1, 4, 47, 47},
			      {3, 3}, {1, 1}, {0, 0, 0, 0}, 1, false, "[1,4,20,47]", 1};
	whole_case(&wide, "", "stride exceeds its kernel");
	const ct_case grouped = {"group 2", {1, 8, 8, 8}, {8, 3, 2, 2}, {1, 6, 16, 16},
				 {2, 2}, {1, 1}, {0, 0, 0, 0}, 2, false, "[1,3,16,16]", 1};
	whole_case(&grouped, "", "group 1 or depthwise");
	const ct_case opad = {"output_padding", {1, 4, 8, 8}, {4, 4, 3, 3}, {1, 4, 18, 18},
			      {2, 2}, {1, 1}, {0, 0, 0, 0}, 1, false, "[1,4,9,18]", 1};
	whole_case(&opad, ", output_padding=[1,1]", "output_padding");
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
