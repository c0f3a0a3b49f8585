/* move_tile.c — which tiles of a data-movement op (transpose, slice, and
 * the reshape family: reshape, flatten, squeeze, unsqueeze) are one window of
 * the operand, and that window. The NE back end lowers such a tile to one
 * move task that copies the window (codegen tile_move.c), and the tile
 * pass makes only tilings whose every tile is one (passes/tile.c), so the
 * sim costs the tasks the program runs.
 *
 * A transpose tile reads the window the permutation gives: result dim d is
 * operand dim perm[d], so the window along perm[d] is the tile's along d.
 * Every tile is one. So is every tile of a slice with steps 1: its window
 * is the tile's, moved by the slice's (clamped) starts.
 *
 * A reshape-family op keeps the elements in row-major order and relabels
 * the dims; a result tile is one operand window only when the tile's
 * elements, in row-major order, are that window's in row-major order
 * (then the op's own kernel on the window gives the tile, a copy). The
 * test is exact: both boxes are written as a base flat index and a list
 * of (stride, count) levels, innermost first, with count-1 levels dropped
 * and a level merged into the one inside it when it continues it (stride
 * = inner stride x inner count). That form is unique for an ordered set
 * of flat indices, so two boxes list the same elements in the same order
 * iff their forms are equal. The only candidate operand window is the one
 * spanned by the tile's first and last elements (a window starts at its
 * first element and ends at its last), so it is checked and nothing is
 * searched. Splitting [1,128,768] to [1,128,12,64] by heads gives windows
 * (64 columns of the operand); a tile of 100 of the 768 columns of the
 * reverse reshape crosses a head and is not one.
 */
#include <string.h>

#include "nx.h"

bool nx_reshape_kind(int kind)
{
	return kind == NX_OP_RESHAPE || kind == NX_OP_FLATTEN || kind == NX_OP_SQUEEZE ||
	       kind == NX_OP_UNSQUEEZE;
}

typedef struct levels {
	int64_t base;
	int n;
	int64_t stride[NX_MAX_RANK], count[NX_MAX_RANK];
} levels;

/* The canonical form of the box [w0, w0+wn) of a row-major tensor of dims. */
static void canon(const int64_t *dims, int rank, const int64_t *w0, const int64_t *wn,
		  levels *lv)
{
	int64_t s = 1;
	memset(lv, 0, sizeof *lv);
	for (int k = rank - 1; k >= 0; k--) {
		lv->base += w0[k] * s;
		if (wn[k] > 1) {
			int i = lv->n - 1;
			if (i >= 0 && lv->stride[i] * lv->count[i] == s) {
				lv->count[i] *= wn[k];
			} else {
				lv->stride[lv->n] = s;
				lv->count[lv->n++] = wn[k];
			}
		}
		s *= dims[k];
	}
}

static void unflatten(int64_t f, const int64_t *dims, int rank, int64_t *idx)
{
	for (int k = rank - 1; k >= 0; k--) {
		idx[k] = f % dims[k];
		f /= dims[k];
	}
}

bool nx_reshape_tile_window(const nx_type *x, const nx_type *y, const int64_t *r0,
			    const int64_t *rn, int64_t *x0, int64_t *xn)
{
	levels ly, lx;
	canon(y->dims, y->rank, r0, rn, &ly);
	int64_t last = ly.base, hi[NX_MAX_RANK];
	for (int i = 0; i < ly.n; i++)
		last += (ly.count[i] - 1) * ly.stride[i];
	unflatten(ly.base, x->dims, x->rank, x0);
	unflatten(last, x->dims, x->rank, hi);
	for (int k = 0; k < x->rank; k++) {
		xn[k] = hi[k] - x0[k] + 1;
		if (xn[k] < 1)
			return false;
	}
	canon(x->dims, x->rank, x0, xn, &lx);
	if (lx.base != ly.base || lx.n != ly.n)
		return false;
	for (int i = 0; i < lx.n; i++)
		if (lx.stride[i] != ly.stride[i] || lx.count[i] != ly.count[i])
			return false;
	return true;
}

void nx_transpose_tile_window(const nx_graph *g, uint32_t o, const int64_t *r0,
			      const int64_t *rn, int64_t *x0, int64_t *xn)
{
	const nx_type *x = nx_vtype(g, nx_operand(g, o, 0));
	int r = x->rank;
	uint32_t np;
	const int64_t *perm = nx_attr_ints(g, o, "perm", &np);
	for (int k = 0; k < r; k++)
		x0[k] = 0, xn[k] = x->dims[k];
	for (int d = 0; d < r; d++) {
		int64_t s = perm && (uint32_t)d < np ? perm[d] : r - 1 - d; /* default: reversed */
		if (s < 0)
			s += r;
		if (s >= 0 && s < r)
			x0[s] = r0[d], xn[s] = rn[d];
	}
}

bool nx_slice_tile_window(const nx_graph *g, uint32_t o, const int64_t *r0, const int64_t *rn,
			  int64_t *x0, int64_t *xn)
{
	const nx_type *x = nx_vtype(g, nx_operand(g, o, 0));
	uint32_t ns, ne, na, nst;
	const int64_t *starts = nx_attr_ints(g, o, "starts", &ns);
	const int64_t *ends = nx_attr_ints(g, o, "ends", &ne);
	const int64_t *axes = nx_attr_ints(g, o, "axes", &na);
	const int64_t *steps = nx_attr_ints(g, o, "steps", &nst);
	if (!starts || !ends || ne != ns || (axes && na != ns) || (steps && nst != ns))
		return false;
	for (int k = 0; k < x->rank; k++)
		x0[k] = r0[k], xn[k] = rn[k];
	for (uint32_t i = 0; i < ns; i++) {
		int64_t a = axes ? axes[i] : (int64_t)i, s = starts[i], dim;
		if (a < 0)
			a += x->rank;
		if (a < 0 || a >= x->rank || (steps && steps[i] != 1))
			return false;
		dim = x->dims[a];
		if (s < 0) /* as shape inference: from the end, then clamped */
			s += dim;
		s = s < 0 ? 0 : s > dim ? dim : s;
		x0[a] = s + r0[a];
	}
	return true;
}

const char *nx_move_tiling(const nx_graph *g, uint32_t o, const int64_t *ext)
{
	int kind = nx_opp(g, o)->kind;
	if (kind != NX_OP_TRANSPOSE && kind != NX_OP_SLICE && !nx_reshape_kind(kind))
		return "not a transpose, slice or reshape";
	const nx_type *x = nx_vtype(g, nx_operand(g, o, 0));
	const nx_type *y = nx_vtype(g, nx_result(g, o, 0));
	if (x->rank > 4) /* the NE's descriptors have four dims (codegen) */
		return "per-tile lowering of a move whose operand has rank > 4 is not built";
	if (kind == NX_OP_TRANSPOSE)
		return x->rank == y->rank ? NULL : "transpose of another rank";
	if (kind == NX_OP_SLICE) {
		int64_t r0[NX_MAX_RANK] = {0}, x0[NX_MAX_RANK], xn[NX_MAX_RANK];
		return nx_slice_tile_window(g, o, r0, y->dims, x0, xn)
		       ? NULL : "slice tiles with steps other than 1 are not built";
	}
	/* every tile, odometer over the tile grid; the first that is not a
	 * window answers */
	int r = y->rank;
	int64_t r0[NX_MAX_RANK], rn[NX_MAX_RANK], x0[NX_MAX_RANK], xn[NX_MAX_RANK], te[NX_MAX_RANK];
	for (int k = 0; k < r; k++) {
		te[k] = ext[k] < 1 || ext[k] > y->dims[k] ? y->dims[k] : ext[k];
		r0[k] = 0;
	}
	for (;;) {
		for (int k = 0; k < r; k++)
			rn[k] = r0[k] + te[k] > y->dims[k] ? y->dims[k] - r0[k] : te[k];
		if (!nx_reshape_tile_window(x, y, r0, rn, x0, xn))
			return "a tile's elements are not one window of the operand in row-major order";
		int k = r - 1;
		for (; k >= 0; k--) {
			r0[k] += te[k];
			if (r0[k] < y->dims[k])
				break;
			r0[k] = 0;
		}
		if (k < 0)
			return NULL;
	}
}
