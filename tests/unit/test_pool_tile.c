/* test_pool_tile.c — the row/column tiles of 2-d pools (core's
 * pool_tile.c): each tile, pooled on its own input window with the pads
 * nx_pool_tile_geom gives it (auto_pad resolved, ceil_mode kept), as the
 * executor's scratch op does (codegen tile_pool.c), must give the whole
 * op's bytes at the tile's place, for max and average pools with pads,
 * asymmetric pads, auto_pad SAME_UPPER/LOWER, dilations, ceil_mode and
 * both count_include_pad, with ragged last tiles; and nx_pool_tile_ok must
 * refuse, with its reason, the tiling it cannot make exact. */
#include <string.h>

#include "check.h"
#include "nx.h"
#include "tile_fixture.h"

/* One graph of a single pool %y = OP(%x) {attrs, tile=...}; NULL + message. */
static nx_graph *build(const char *text)
{
	return tile_graph("pool", text);
}

static uint32_t the_op(const nx_graph *g)
{
	return g->vals[g->outputs[0]].producer;
}

/* Tile (r0, rn) of op o on input x: the tile's result, computed as the
 * executor computes a pool tile. Caller frees *y. */
static int run_tile(nx_graph *g, uint32_t o, const nx_tensor *x, const int64_t *r0,
		    const int64_t *rn, nx_tensor *y)
{
	int64_t in0[4], inn[4], pads[4];
	nx_pool_tile_geom(g, o, r0, rn, in0, inn, pads);
	nx_type wt = x->type;
	for (int k = 0; k < 4; k++)
		wt.dims[k] = inn[k];
	nx_tensor w = nx_tensor_empty(&wt);
	const float *xs = x->data;
	float *wd = w.data;
	const int64_t *X = x->type.dims;
	for (int64_t b = 0; b < inn[0]; b++)
		for (int64_t c = 0; c < inn[1]; c++)
			for (int64_t h = 0; h < inn[2]; h++)
				memcpy(wd + ((b * inn[1] + c) * inn[2] + h) * inn[3],
				       xs + (((in0[0] + b) * X[1] + in0[1] + c) * X[2] + in0[2] + h) * X[3] +
					       in0[3],
				       (size_t)inn[3] * sizeof *wd);
	nx_err e;
	nx_graph *s = nx_graph_new("tile");
	uint32_t v = nx_value_new(s, NULL, nx_type_intern(s, &wt), &e);
	nx_graph_add_input(s, v);
	uint32_t so = nx_op_new(s, nx_opp(g, o)->kind, &v, 1, 1, NULL, NX_NONE, &e);
	nx_attr_copy_all(s, so, g, o);
	nx_attr_del(s, so, "tile");
	nx_attr_set_ints(s, so, "pads", pads, 4);
	nx_attr_set_s(s, so, "auto_pad", "NOTSET");
	int rc = nx_infer_op(s, so, &e);
	const nx_type *yt = rc ? NULL : nx_vtype(s, nx_result(s, so, 0));
	for (int k = 0; yt && k < 4; k++)
		if (yt->dims[k] != rn[k]) {
			fprintf(stderr, "tile at %lld,%lld: result dim %d is %lld, want %lld\n",
				(long long)r0[2], (long long)r0[3], k, (long long)yt->dims[k],
				(long long)rn[k]);
			rc = -1;
		}
	if (rc && !yt)
		fprintf(stderr, "tile at %lld,%lld: %s\n", (long long)r0[2], (long long)r0[3], e.msg);
	if (!rc && nx_eval_op(s, so, &w, y, &e)) {
		fprintf(stderr, "tile: %s\n", e.msg);
		rc = -1;
	}
	nx_graph_free(s);
	nx_tensor_free(&w);
	return rc;
}

/* Every tile of pool text's op against the whole op, byte for byte. */
static void tiled(const char *text)
{
	nx_graph *g = build(text);
	CHECK(g != NULL);
	if (!g)
		return;
	uint32_t o = the_op(g), ne;
	const int64_t *ext = nx_attr_ints(g, o, "tile", &ne);
	const char *why = nx_pool_tile_ok(g, o, ext);
	CHECK(why == NULL);
	if (why)
		fprintf(stderr, "%s: %s\n", text, why);
	nx_tensor x = nx_tensor_empty(nx_vtype(g, nx_operand(g, o, 0))), y;
	float *xd = x.data;
	uint32_t s = 12345;
	for (int64_t i = 0; i < nx_tensor_numel(&x); i++) {
		s = s * 1664525u + 1013904223u;
		xd[i] = -1 + 2 * (float)(s >> 8) / (float)(1u << 24);
	}
	nx_err e;
	CHECK_EQ_INT(nx_eval_op(g, o, &x, &y, &e), 0);
	const int64_t *Y = y.type.dims;
	int tiles = 0, bad = 0;
	for (int64_t h = 0; h < Y[2]; h += ext[2])
		for (int64_t w = 0; w < Y[3]; w += ext[3]) {
			int64_t r0[4] = {0, 0, h, w}, rn[4] = {Y[0], Y[1], ext[2], ext[3]};
			for (int q = 2; q < 4; q++)
				if (r0[q] + rn[q] > Y[q])
					rn[q] = Y[q] - r0[q];
			nx_tensor t;
			tiles++;
			if (run_tile(g, o, &x, r0, rn, &t)) {
				bad++;
				continue;
			}
			const float *yd = y.data, *td = t.data;
			for (int64_t b = 0; b < Y[0] * Y[1]; b++)
				for (int64_t r = 0; r < rn[2]; r++)
					bad += memcmp(td + (b * rn[2] + r) * rn[3],
						      yd + (b * Y[2] + h + r) * Y[3] + w,
						      (size_t)rn[3] * sizeof *td) != 0;
			nx_tensor_free(&t);
		}
	if (bad)
		fprintf(stderr, "%d of %d tiles differ from the whole op:\n%s", bad, tiles, text);
	CHECK_EQ_INT(bad, 0);
	CHECK(tiles > 1);
	nx_tensor_free(&x);
	nx_tensor_free(&y);
	nx_graph_free(g);
}

#define POOL(X, Y, OP, ATTRS)                                                              \
	"graph @t(%x: f32[" X "]) -> (%y: f32[" Y "]) {\n  %y = " OP "(%x) {" ATTRS        \
	"} : f32[" Y "]\n  return %y\n}\n"

static void test_tiles(void)
{
	tiled(POOL("1,2,17,19", "1,2,9,10", "max_pool",
		   "kernel_shape=[3,3], strides=[2,2], pads=[1,1,1,1], tile=[1,2,4,3]"));
	tiled(POOL("1,2,16,16", "1,2,16,16", "avg_pool",
		   "kernel_shape=[3,3], pads=[1,1,1,1], tile=[1,2,5,7]"));
	tiled(POOL("2,2,20,21", "2,2,10,10", "avg_pool",
		   "kernel_shape=[5,5], strides=[2,2], pads=[2,1,1,2], count_include_pad=1, "
		   "tile=[2,2,4,3]"));
	tiled(POOL("1,3,15,15", "1,3,8,8", "max_pool",
		   "kernel_shape=[3,3], strides=[2,2], auto_pad=\"SAME_UPPER\", tile=[1,3,3,5]"));
	tiled(POOL("1,3,15,14", "1,3,15,14", "avg_pool",
		   "kernel_shape=[4,4], auto_pad=\"SAME_LOWER\", count_include_pad=1, "
		   "tile=[1,3,4,6]"));
	tiled(POOL("1,3,15,14", "1,3,15,14", "avg_pool",
		   "kernel_shape=[4,2], auto_pad=\"SAME_UPPER\", tile=[1,3,6,4]"));
	tiled(POOL("1,2,15,15", "1,2,15,15", "max_pool",
		   "kernel_shape=[3,3], dilations=[2,2], pads=[2,2,2,2], tile=[1,2,4,6]"));
	tiled(POOL("1,2,15,16", "1,2,13,15", "avg_pool",
		   "kernel_shape=[3,2], dilations=[2,3], pads=[2,1,0,1], count_include_pad=1, "
		   "tile=[1,2,5,4]"));
	/* ceil_mode: %y rows 9 (the 9th window past floor_mode's 8) */
	tiled(POOL("1,2,16,16", "1,2,9,9", "avg_pool",
		   "kernel_shape=[3,3], strides=[2,2], pads=[1,1,1,1], ceil_mode=1, "
		   "count_include_pad=1, tile=[1,2,3,5]"));
	tiled(POOL("1,2,16,16", "1,2,9,9", "avg_pool",
		   "kernel_shape=[3,3], strides=[2,2], pads=[1,1,1,1], ceil_mode=1, tile=[1,2,4,4]"));
	tiled(POOL("1,2,16,16", "1,2,9,9", "max_pool",
		   "kernel_shape=[3,3], strides=[2,2], pads=[1,1,1,1], ceil_mode=1, tile=[1,2,4,2]"));
	tiled(POOL("1,2,14,14", "1,2,5,5", "max_pool",
		   "kernel_shape=[2,2], strides=[3,3], dilations=[2,2], ceil_mode=1, tile=[1,2,2,3]"));
}

static void refused(const char *text, const char *phrase)
{
	nx_graph *g = build(text);
	CHECK(g != NULL);
	if (!g)
		return;
	uint32_t o = the_op(g), ne;
	const char *why = nx_pool_tile_ok(g, o, nx_attr_ints(g, o, "tile", &ne));
	CHECK(why != NULL && strstr(why, phrase));
	if (why && !strstr(why, phrase))
		fprintf(stderr, "reason \"%s\" lacks \"%s\"\n", why, phrase);
	nx_graph_free(g);
}

static void test_refused(void)
{
	refused(POOL("1,2,16,16", "1,2,9,9", "avg_pool",
		     "kernel_shape=[3,3], strides=[2,2], pads=[1,1,1,1], ceil_mode=1, "
		     "count_include_pad=1, tile=[1,2,4,9]"),
		"only the window ceil_mode adds");
	refused(POOL("1,2,16,16", "1,2,19,19", "max_pool",
		     "kernel_shape=[3,3], pads=[3,3,2,2], tile=[1,2,4,19]"),
		"pads reach a whole window");
	refused(POOL("1,2,16", "1,2,8", "max_pool", "kernel_shape=[2], strides=[2], tile=[1,2,4]"),
		"2-d pools");
}

static const check_case cases[] = {
	{"tiles", test_tiles},
	{"refused", test_refused},
	{NULL, NULL},
};

int main(int argc, char **argv)
{
	return check_main(cases, argc, argv);
}
