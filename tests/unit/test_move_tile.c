/* test_move_tile.c — core's move_tile.c against brute force. For reshapes
 * between small shapes of the same element count and every tile of
 * several tilings, nx_reshape_tile_window must answer true exactly when
 * some box of the operand lists the tile's elements in the same row-major
 * order (every box of the operand is tried), and then return that box.
 * Then nx_move_tiling on parsed ops: the transformer's head split and
 * merge (a column tile crossing a head is refused, whole heads are not),
 * and a transpose's window follows its perm (the default one reversed). */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "nx.h"

static nx_type ty(int rank, const int64_t *d)
{
	nx_type t;
	memset(&t, 0, sizeof t);
	t.dtype = NX_F32;
	t.rank = (uint8_t)rank;
	for (int k = 0; k < rank; k++)
		t.dims[k] = d[k];
	return t;
}

/* Flat indices of box (w0, wn) of t, row-major, into out; their count. */
static int64_t box_flats(const nx_type *t, const int64_t *w0, const int64_t *wn, int64_t *out)
{
	int64_t idx[NX_MAX_RANK] = {0}, n = 0;
	for (;;) {
		int64_t f = 0;
		for (int k = 0; k < t->rank; k++)
			f = f * t->dims[k] + w0[k] + idx[k];
		out[n++] = f;
		int k = t->rank - 1;
		for (; k >= 0; k--) {
			if (++idx[k] < wn[k])
				break;
			idx[k] = 0;
		}
		if (k < 0)
			return n;
	}
}

/* Whether some box of x lists flats f[0..n) in order (every box tried). */
static bool some_box(const nx_type *x, const int64_t *f, int64_t n)
{
	int r = x->rank;
	int64_t w0[NX_MAX_RANK] = {0}, wn[NX_MAX_RANK], g[256];
	for (int k = 0; k < r; k++)
		wn[k] = 1;
	for (;;) {
		if (box_flats(x, w0, wn, g) == n && !memcmp(g, f, (size_t)n * sizeof *f))
			return true;
		/* next box: odometer over (w0[k], wn[k]) pairs */
		int k = r - 1;
		for (; k >= 0; k--) {
			if (w0[k] + wn[k] < x->dims[k]) {
				wn[k]++;
				break;
			}
			if (w0[k] + 1 < x->dims[k]) {
				w0[k]++, wn[k] = 1;
				break;
			}
			w0[k] = 0, wn[k] = 1;
		}
		if (k < 0)
			return false;
	}
}

static void test_reshape_brute(void)
{
	static const struct {
		int rx, ry;
		int64_t x[4], y[4];
	} cs[] = {
		{2, 3, {4, 12}, {4, 3, 4}},       /* split the last dim */
		{3, 2, {4, 3, 4}, {4, 12}},       /* merge */
		{3, 3, {2, 6, 4}, {3, 4, 4}},     /* regroup across dims */
		{2, 2, {6, 8}, {8, 6}},           /* no shared factor boundary */
		{4, 2, {2, 3, 2, 4}, {6, 8}},     /* flatten at axis 2 */
		{3, 4, {4, 6, 1}, {1, 4, 6, 1}},  /* unsqueeze-like */
		{4, 3, {2, 2, 3, 4}, {4, 12, 1}},
	};
	int64_t tiles[][4] = {{1, 1, 1, 1}, {2, 2, 2, 2}, {1, 3, 2, 4}, {3, 4, 1, 2},
			      {2, 5, 3, 1}, {4, 1, 4, 3}, {1, 12, 6, 4}};
	int n_true = 0, n_false = 0;
	for (size_t c = 0; c < sizeof cs / sizeof cs[0]; c++) {
		nx_type x = ty(cs[c].rx, cs[c].x), y = ty(cs[c].ry, cs[c].y);
		for (size_t t = 0; t < sizeof tiles / sizeof tiles[0]; t++) {
			int64_t te[4], r0[4] = {0}, rn[4], x0[NX_MAX_RANK], xn[NX_MAX_RANK];
			int64_t fy[256], fx[256];
			for (int k = 0; k < y.rank; k++)
				te[k] = tiles[t][k] < y.dims[k] ? tiles[t][k] : y.dims[k];
			for (;;) { /* every tile of the grid, ragged ones too */
				for (int k = 0; k < y.rank; k++)
					rn[k] = r0[k] + te[k] > y.dims[k] ? y.dims[k] - r0[k] : te[k];
				int64_t n = box_flats(&y, r0, rn, fy);
				bool got = nx_reshape_tile_window(&x, &y, r0, rn, x0, xn);
				bool want = some_box(&x, fy, n);
				CHECK(got == want);
				if (got && want) {
					CHECK_EQ_INT(box_flats(&x, x0, xn, fx), n);
					CHECK(!memcmp(fx, fy, (size_t)n * sizeof *fy));
				}
				n_true += got, n_false += !got;
				int k = y.rank - 1;
				for (; k >= 0; k--) {
					r0[k] += te[k];
					if (r0[k] < y.dims[k])
						break;
					r0[k] = 0;
				}
				if (k < 0)
					break;
			}
		}
	}
	/* both answers occur, or the cases test nothing */
	CHECK(n_true > 20);
	CHECK(n_false > 20);
}

static nx_graph *parse(const char *text)
{
	nx_err e;
	nx_graph *g = nx_parse(text, strlen(text), "t.nex", NULL, &e);
	if (!g)
		fprintf(stderr, "parse: %s\n%s", e.msg, text);
	return g;
}

static uint32_t op_of(const nx_graph *g, const char *res)
{
	uint32_t v = nx_value_by_name(g, res, strlen(res));
	return v == NX_NONE ? NX_NONE : g->vals[v].producer;
}

static void test_tilings(void)
{
	nx_graph *g = parse(
		"graph @m(%x: f32[1,128,768]#ne) -> (%m: f32[1,128,768]#ne, %t: f32[1,64,128,12]) {\n"
		"  %h = reshape(%x) {shape=[1,128,12,64]} : f32[1,128,12,64]#ne\n"
		"  %m = reshape(%h) {shape=[1,128,768]} : f32[1,128,768]#ne\n"
		"  %t = transpose(%h) {perm=[0,3,1,2]} : f32[1,64,128,12]\n"
		"  %d = transpose(%h) : f32[64,12,128,1]\n"
		"  return %m, %t\n"
		"}\n");
	CHECK(g != NULL);
	if (!g)
		return;
	uint32_t h = op_of(g, "h"), m = op_of(g, "m"), t = op_of(g, "t"), d = op_of(g, "d");
	CHECK(h != NX_NONE && m != NX_NONE && t != NX_NONE && d != NX_NONE);
	const int64_t heads[4] = {1, 64, 1, 64}, rows[3] = {1, 10, 768}, cross[3] = {1, 128, 100},
		      two[3] = {1, 128, 128}, part[4] = {1, 128, 12, 32},
		      six[4] = {1, 128, 6, 64};
	CHECK(nx_move_tiling(g, h, heads) == NULL);
	CHECK(nx_move_tiling(g, h, six) == NULL); /* six whole heads: 384 columns */
	/* half of every head: columns 0-31, 64-95, ... of the operand */
	CHECK_CONTAINS(nx_move_tiling(g, h, part), "not one window");
	CHECK(nx_move_tiling(g, m, rows) == NULL);
	CHECK(nx_move_tiling(g, m, two) == NULL);
	CHECK_CONTAINS(nx_move_tiling(g, m, cross), "not one window");
	CHECK(nx_move_tiling(g, t, rows) == NULL); /* transposes: every tile */
	/* result [1,64,128,12] dims 1,2,3 are operand dims 3,1,2 */
	int64_t r0[4] = {0, 8, 32, 4}, rn[4] = {1, 16, 10, 3}, x0[4], xn[4];
	nx_transpose_tile_window(g, t, r0, rn, x0, xn);
	CHECK(x0[0] == 0 && xn[0] == 1 && x0[1] == 32 && xn[1] == 10);
	CHECK(x0[2] == 4 && xn[2] == 3 && x0[3] == 8 && xn[3] == 16);
	/* no perm: reversed, result dim d is operand dim 3 - d */
	int64_t s0[4] = {8, 2, 100, 0}, sn[4] = {4, 3, 28, 1};
	nx_transpose_tile_window(g, d, s0, sn, x0, xn);
	CHECK(x0[0] == 0 && xn[0] == 1 && x0[1] == 100 && xn[1] == 28);
	CHECK(x0[2] == 2 && xn[2] == 3 && x0[3] == 8 && xn[3] == 4);
	CHECK(nx_reshape_kind(NX_OP_FLATTEN) && !nx_reshape_kind(NX_OP_TRANSPOSE));
	nx_graph_free(g);
}

static const check_case cases[] = {
	{"reshape_brute", test_reshape_brute},
	{"tilings", test_tilings},
	{NULL, NULL},
};

int main(int argc, char **argv)
{
	return check_main(cases, argc, argv);
}
