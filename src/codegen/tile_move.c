/* tile_move.c — transpose, slice (steps 1) and reshape-family tiles
 * (reshape, flatten, squeeze, unsqueeze) lowered one move task per tile.
 *
 * A move tile is a copy: the task reads one window of the operand and
 * writes the tile's window of the result, and the executor runs the op's
 * own kernel on the window (a one-op scratch graph, exec.c), so the tile
 * has the whole op's bits once the window is right. Core decides which
 * tiles are one window and which (move_tile.c): for a transpose, the
 * result tile's window permuted; for a slice, moved by its starts; for
 * the reshape family, the operand
 * window holding the tile's elements in row-major order, when one does
 * (the tile pass makes only such tilings; a hand-written tile that is not
 * stays one task and the listing says why).
 *
 * The scratch op of a reshape tile is told the tile's shape (attr `shape`
 * = the result window's dims), since the op's own `shape` is the whole
 * result's; a slice tile's gets starts 0 and ends the tile's dims (its
 * window is the tile); a squeeze without axes gets the axes it squeezes in the whole
 * op, since the window may have other dims of 1. Flatten and unsqueeze
 * give the tile from the window as they are (the window's dims before
 * the flatten axis hold exactly the tile's rows).
 */
#include <string.h>

#include "nxg.h"

bool nxg_tile_move_kind(const nx_graph *g, uint32_t o)
{
	int kind = nx_opp(g, o)->kind;
	return kind == NX_OP_TRANSPOSE || kind == NX_OP_SLICE || nx_reshape_kind(kind);
}

const char *nxg_tile_move_ok(const nx_graph *g, uint32_t o, const int64_t *ext)
{
	if (nx_opp(g, o)->n_in < 1 || nx_operand(g, o, 0) == NX_NONE)
		return "a move without an operand";
	if (nx_vtype(g, nx_operand(g, o, 0))->rank > 4)
		return "per-tile lowering of a move whose operand has rank > 4 is not built";
	uint32_t n;
	if (nx_opp(g, o)->kind == NX_OP_SQUEEZE && !(nx_attr_ints(g, o, "axes", &n) && n)) {
		const nx_type *x = nx_vtype(g, nx_operand(g, o, 0));
		bool one = false;
		for (int k = 0; k < x->rank; k++)
			one |= x->dims[k] == 1;
		if (!one) /* empty axes would squeeze the window's own 1s */
			return "a squeeze that squeezes nothing is not split";
	}
	return nx_move_tiling(g, o, ext);
}

void nxg_tile_move_windows(const nx_graph *g, uint32_t o, nxg_desc *d, const int64_t *r0,
			   const int64_t *rn)
{
	const nx_type *x = nx_vtype(g, nx_operand(g, o, 0));
	const nx_type *y = nx_vtype(g, nx_result(g, o, 0));
	int64_t y0[NX_MAX_RANK], yn[NX_MAX_RANK], x0[NX_MAX_RANK], xn[NX_MAX_RANK];
	for (int k = 0; k < y->rank; k++)
		y0[k] = r0[4 - y->rank + k], yn[k] = rn[4 - y->rank + k];
	if (nx_opp(g, o)->kind == NX_OP_TRANSPOSE)
		nx_transpose_tile_window(g, o, y0, yn, x0, xn);
	else if (nx_opp(g, o)->kind == NX_OP_SLICE) {
		if (!nx_slice_tile_window(g, o, y0, yn, x0, xn))
			return; /* refused by nxg_tile_move_ok: not reached */
	} else if (!nx_reshape_tile_window(x, y, y0, yn, x0, xn))
		return; /* nxg_tile_move_ok refused the tiling: not reached */
	for (int k = 0; k < x->rank; k++)
		d[0].w0[4 - x->rank + k] = x0[k], d[0].wn[4 - x->rank + k] = xn[k];
}

void nxg_tile_move_scratch(const nx_graph *g, uint32_t o, nx_graph *s, uint32_t so,
			   const nx_type *tile)
{
	int kind = nx_opp(g, o)->kind;
	if (kind == NX_OP_RESHAPE) {
		nx_attr_set_ints(s, so, "shape", tile->dims, tile->rank);
		nx_attr_del(s, so, "allowzero");
	} else if (kind == NX_OP_SLICE) {
		/* the window is the tile: the scratch slice takes all of it */
		uint32_t n;
		const int64_t *axes = nx_attr_ints(g, o, "axes", &n);
		nx_attr_ints(g, o, "starts", &n);
		int64_t st[NX_MAX_RANK], en[NX_MAX_RANK];
		for (uint32_t i = 0; i < n && i < NX_MAX_RANK; i++) {
			int64_t a = axes ? axes[i] : (int64_t)i;
			if (a < 0)
				a += tile->rank;
			st[i] = 0, en[i] = a >= 0 && a < tile->rank ? tile->dims[a] : 1;
		}
		nx_attr_set_ints(s, so, "starts", st, n);
		nx_attr_set_ints(s, so, "ends", en, n);
		nx_attr_del(s, so, "steps");
	} else if (kind == NX_OP_SQUEEZE) {
		uint32_t n;
		if (nx_attr_ints(g, o, "axes", &n) && n)
			return;
		const nx_type *x = nx_vtype(g, nx_operand(g, o, 0));
		int64_t axes[NX_MAX_RANK];
		uint32_t na = 0;
		for (int k = 0; k < x->rank; k++)
			if (x->dims[k] == 1)
				axes[na++] = k;
		nx_attr_set_ints(s, so, "axes", axes, na);
	}
}
