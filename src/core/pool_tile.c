/* pool_tile.c — the geometry of one row/column tile of a 2-d max or
 * average pool, such that the tile, pooled on its own input window with
 * pads of its own, gives the whole op's bits (kern_pool.c).
 *
 * A tile of output rows [r0, r0+n) has windows starting at r s - p
 * (r in the tile, p the begin pad) and ending, the last one, at
 * e = (r0+n-1) s - p + K (K the dilated kernel extent). It reads the input
 * rows [i0, i1) = [max(0, r0 s - p), min(H, e)): every tap inside the
 * input of every window of the tile, so the kernel's clipping to the
 * tile's input keeps the same taps, in the same order, as clipping to the
 * whole input; a max and an average without count_include_pad are then the
 * whole op's. Its begin pad is i0 - (r0 s - p), so its windows start where
 * the whole op's do. Its end pad is e - i1: the tile's padded rows hold
 * exactly its n windows. That end also matters for count_include_pad,
 * whose divisor clips each window to the padded input: the whole op clips
 * at H + p_end, the tile at e, and no window of the tile ends past either
 * (a window ends at most at H + p_end without ceil_mode). With ceil_mode
 * the op's last window may end past H + p_end: with count_include_pad the
 * last tile, when it reads up to H, keeps the op's end pad (so its padded
 * end is the op's), and its count of windows comes out the op's last n,
 * by the same rounding and the same "last window starts inside" rule,
 * shifted by r0 s. (When it stops short of H, the rule took the extra
 * window back and the op's windows are floor_mode's: e - i1 serves.) A
 * last tile holding only that extra window would have fewer padded rows
 * than K: such a tiling is refused (ceil_tail).
 *
 * auto_pad SAME_UPPER/SAME_LOWER is resolved as kern_pool.c does
 * (auto_pad.c's split of (out - 1) s + K - in), VALID as no pads. A pad
 * as large as K would give windows with no input tap, which a tile window
 * cannot hold: such a pool is not split by rows or columns.
 */
#include <string.h>

#include "nx_int.h"

/* The op's resolved begin/end pads, kernel extents (dilated) and strides
 * for its two spatial dims; NULL, or why the pool has no row/column tiles. */
static const char *pool_geom(const nx_graph *g, uint32_t o, int64_t pb[2], int64_t pe[2],
			     int64_t ek[2], int64_t st[2])
{
	int kind = nx_opp(g, o)->kind;
	if (kind != NX_OP_MAX_POOL && kind != NX_OP_AVG_POOL)
		return "global pools have no row or column tiles";
	if (nx_opp(g, o)->n_out != 1)
		return "pool tiles of a max pool with indices are not built";
	const nx_type *x = nx_vtype(g, nx_operand(g, o, 0)), *y = nx_vtype(g, nx_result(g, o, 0));
	uint32_t nk, ns, nd, np;
	const int64_t *ks = nx_attr_ints(g, o, "kernel_shape", &nk);
	const int64_t *ss = nx_attr_ints(g, o, "strides", &ns);
	const int64_t *dl = nx_attr_ints(g, o, "dilations", &nd);
	const int64_t *pd = nx_attr_ints(g, o, "pads", &np);
	if (!ks || nk != 2 || x->rank != 4 || y->rank != 4)
		return "pool tiles by rows or columns are built for 2-d pools";
	if ((pd && np != 4) || (ss && ns != 2) || (dl && nd != 2))
		return "the pool's pads, strides or dilations do not have one entry per dim";
	const char *ap = nx_attr_s(g, o, "auto_pad", "NOTSET");
	int apk = nx_auto_pad(ap);
	if (apk < 0)
		return "unknown auto_pad";
	for (int d = 0; d < 2; d++) {
		int64_t k = ks[d], dil = dl ? dl[d] : 1;
		st[d] = ss ? ss[d] : 1;
		if (k < 1 || dil < 1 || st[d] < 1)
			return "kernel_shape, strides and dilations must be >= 1";
		ek[d] = (k - 1) * dil + 1;
		pb[d] = pe[d] = 0;
		if (nx_auto_pad_same(apk)) {
			pb[d] = nx_pad_split(nx_same_total(x->dims[2 + d], y->dims[2 + d], st[d], ek[d]),
					     apk == NX_PAD_SAME_LOWER, &pe[d]);
		} else if (pd && apk != NX_PAD_VALID) {
			pb[d] = pd[d];
			pe[d] = pd[d + 2];
		}
		if (pb[d] < 0 || pe[d] < 0 || pb[d] >= ek[d] || pe[d] >= ek[d])
			return "pool tiles by rows or columns of a pool whose pads reach a whole "
			       "window are not built";
	}
	return NULL;
}

/* With count_include_pad, the last tile of a ceil_mode pool keeps the
 * op's end pad; when it holds only the window ceil_mode adds past
 * floor_mode's (r0 s > H + p + p_end - K), its padded rows are fewer than
 * K and no tile expresses it. */
static bool ceil_tail(const nx_graph *g, uint32_t o, const int64_t *pb, const int64_t *pe,
		      const int64_t *ek, const int64_t *st, const int64_t *ext)
{
	if (nx_opp(g, o)->kind != NX_OP_AVG_POOL || !nx_attr_i(g, o, "count_include_pad", 0) ||
	    !nx_attr_i(g, o, "ceil_mode", 0))
		return false;
	const nx_type *x = nx_vtype(g, nx_operand(g, o, 0)), *y = nx_vtype(g, nx_result(g, o, 0));
	for (int d = 0; d < 2; d++) {
		int64_t X = x->dims[2 + d] + pb[d] + pe[d] - ek[d], OH = y->dims[2 + d];
		if (X < 0 || OH <= X / st[d] + 1)
			continue; /* no window past floor_mode's */
		if (!ext)
			return true;
		int64_t e = ext[2 + d];
		if (e >= 1 && e < OH && (OH - 1) / e * e * st[d] > X)
			return true;
	}
	return false;
}

const char *nx_pool_tile_ok(const nx_graph *g, uint32_t o, const int64_t *ext)
{
	int64_t pb[2], pe[2], ek[2], st[2];
	const char *why = pool_geom(g, o, pb, pe, ek, st);
	if (!why && ceil_tail(g, o, pb, pe, ek, st, ext))
		why = "a row or column tile holding only the window ceil_mode adds, of an average "
		      "pool with count_include_pad, is not built";
	return why;
}

void nx_pool_tile_geom(const nx_graph *g, uint32_t o, const int64_t r0[4], const int64_t rn[4],
		       int64_t in0[4], int64_t inn[4], int64_t pads[4])
{
	int64_t pb[2], pe[2], ek[2], st[2];
	const nx_type *x = nx_vtype(g, nx_operand(g, o, 0)), *y = nx_vtype(g, nx_result(g, o, 0));
	memcpy(in0, r0, 4 * sizeof *in0);
	memcpy(inn, rn, 4 * sizeof *inn);
	if (pool_geom(g, o, pb, pe, ek, st)) {
		/* no row/column tiles: the whole input and the op's pads */
		for (int d = 0; d < 2; d++)
			in0[2 + d] = 0, inn[2 + d] = x->rank == 4 ? x->dims[2 + d] : 1;
		memset(pads, 0, 4 * sizeof *pads);
		return;
	}
	bool ceil = nx_attr_i(g, o, "ceil_mode", 0) && nx_attr_i(g, o, "count_include_pad", 0) &&
		    nx_opp(g, o)->kind == NX_OP_AVG_POOL;
	for (int d = 0; d < 2; d++) {
		int64_t H = x->dims[2 + d], a = r0[2 + d], n = rn[2 + d];
		int64_t s0 = a * st[d] - pb[d], e = (a + n - 1) * st[d] - pb[d] + ek[d];
		int64_t i0 = s0 > 0 ? s0 : 0, i1 = e < H ? e : H;
		in0[2 + d] = i0;
		inn[2 + d] = i1 - i0;
		pads[d] = i0 - s0;
		pads[2 + d] = ceil && a + n == y->dims[2 + d] && i1 == H ? pe[d] : e - i1;
	}
}
