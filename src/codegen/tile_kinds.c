/* tile_kinds.c — which tilings of the row-independent kinds (softmax, the
 * norms, keepdims reductions, arg max/min, resize) lower to one task per
 * tile, and each tile's operand windows; also the windows of a matmul or
 * gemm tile, which core decides (matmul_tile.c: its interpreter computes
 * the op by the same tiles, as OpenBLAS's bits depend on the block).
 *
 * A tile is exact when every element of the tile's result reads only the
 * tile's own part of the operands along the split dims and the kernel
 * does the same arithmetic on the window as on the whole: a softmax row
 * is the same row in a tile of rows; a norm's statistics cover the axes
 * it normalizes, which stay whole. So each kind may split exactly the
 * result dims its kernel keeps independent: the others must be whole in
 * the tile (extent < 1 or >= the dim). The interpreter is unchanged: it
 * computes these ops whole and the executor's tiles give its bits.
 *
 * Resize splits any dim. Along a dim it copies (scale 1) the tile reads
 * its own window; along a resampled dim it reads the whole input dim and
 * the executor tells the kernel where the tile starts in the whole op's
 * output (attrs tile_from, tile_of, tile_n on its scratch op:
 * kern_resize.c), so the tile's coordinates, taps and pass order are the
 * whole op's and its bits too.
 */
#include <string.h>

#include "nxg.h"

/* Whether dim k of result 0 is split by extents ext. */
static bool cut(const nx_type *y, const int64_t *ext, int k)
{
	return ext[k] >= 1 && ext[k] < y->dims[k];
}

static int64_t norm_axis(int64_t ax, int r)
{
	return ax < 0 ? ax + r : ax;
}

/* Marks in keep[] the result dims a tile must leave whole; returns a
 * reason when the kind has no per-tile lowering at all. */
static const char *kept_dims(const nx_graph *g, uint32_t o, const nx_type *y, bool *keep)
{
	int kind = nx_opp(g, o)->kind, r = y->rank;
	uint32_t n;
	memset(keep, 0, NX_MAX_RANK * sizeof *keep);
	if (nx_ops[kind].flags & NX_F_AXES) { /* reduce_* */
		const int64_t *axes = nx_attr_ints(g, o, "axes", &n);
		if (!nx_attr_i(g, o, "keepdims", 1) || !axes)
			return "reductions without keepdims or without axes are not split";
		for (uint32_t i = 0; i < n; i++) {
			int64_t ax = norm_axis(axes[i], r);
			if (ax >= 0 && ax < r)
				keep[ax] = true;
		}
		return NULL;
	}
	switch (kind) {
	case NX_OP_SOFTMAX:
	case NX_OP_LOG_SOFTMAX:
	case NX_OP_HARDMAX: {
		int64_t ax = norm_axis(nx_attr_i(g, o, "axis", -1), r);
		if (ax < 0 || ax >= r)
			return "softmax axis out of range";
		keep[ax] = true;
		return NULL;
	}
	case NX_OP_LAYER_NORM: {
		int64_t ax = norm_axis(nx_attr_i(g, o, "axis", -1), r);
		for (int k = ax < 0 ? 0 : (int)ax; k < r; k++)
			keep[k] = true;
		return NULL;
	}
	case NX_OP_BATCH_NORM: /* per channel: every element on its own */
		return r >= 2 ? NULL : "batch norm of rank < 2";
	case NX_OP_INSTANCE_NORM: /* statistics over the spatial dims */
		for (int k = 2; k < r; k++)
			keep[k] = true;
		return r >= 2 ? NULL : "instance norm of rank < 2";
	case NX_OP_LRN: /* a window across channels */
		if (r >= 2)
			keep[1] = true;
		return NULL;
	case NX_OP_MVN: {
		const int64_t *axes = nx_attr_ints(g, o, "axes", &n);
		static const int64_t def[3] = {0, 2, 3};
		if (!axes)
			axes = def, n = 3;
		for (uint32_t i = 0; i < n; i++) {
			int64_t ax = norm_axis(axes[i], r);
			if (ax >= 0 && ax < r)
				keep[ax] = true;
		}
		return NULL;
	}
	case NX_OP_ARG_MAX:
	case NX_OP_ARG_MIN: {
		if (!nx_attr_i(g, o, "keepdims", 1))
			return "arg max/min without keepdims are not split";
		int64_t ax = norm_axis(nx_attr_i(g, o, "axis", 0), r);
		if (ax >= 0 && ax < r)
			keep[ax] = true;
		return NULL;
	}
	case NX_OP_RESIZE: /* any dim: see the head of this file */
		return nx_vtype(g, nx_operand(g, o, 0))->rank == r ? NULL : "resize of another rank";
	default:
		return "per-tile lowering of this kind is not built (docs/backend.md lists "
		       "the kinds that split)";
	}
}

const char *nxg_tile_kind_ok(const nx_graph *g, uint32_t o, const int64_t *ext)
{
	const nx_type *y = nx_vtype(g, nx_result(g, o, 0));
	if (nxg_tile_move_kind(g, o)) /* transpose, reshape family: tile_move.c */
		return nxg_tile_move_ok(g, o, ext);
	bool keep[NX_MAX_RANK];
	const char *why = kept_dims(g, o, y, keep);
	if (why)
		return why;
	for (int k = 0; k < y->rank; k++)
		if (keep[k] && cut(y, ext, k))
			return "a tile splits a dim the op reduces over";
	return NULL;
}

void nxg_tile_kind_windows(const nx_graph *g, uint32_t o, nxg_desc *d, uint32_t n_in,
			   const int64_t *r0, const int64_t *rn)
{
	int kind = nx_opp(g, o)->kind;
	const nxg_desc *y = &d[n_in];
	if (nxg_tile_move_kind(g, o)) {
		nxg_tile_move_windows(g, o, d, r0, rn);
		return;
	}
	if (kind == NX_OP_MATMUL || kind == NX_OP_GEMM) {
		/* the windows core's interpreter gathers for the same tile */
		int64_t w0[3][4], wn[3][4];
		nx_matmul_tile_windows(g, o, r0, rn, w0, wn);
		for (uint32_t i = 0; i < n_in && i < 3; i++)
			if (d[i].space != NXG_SPACE_COUNT)
				memcpy(d[i].w0, w0[i], sizeof w0[i]), memcpy(d[i].wn, wn[i], sizeof wn[i]);
		return;
	}
	if (kind == NX_OP_RESIZE) {
		/* windowed only along dims it copies (scale 1: output index =
		 * input index); along the others the tile reads the whole dim */
		const nx_type *yt = nx_vtype(g, nx_result(g, o, 0));
		uint32_t n;
		const float *sc = nx_attr_floats(g, o, "scales", &n);
		for (int k = 0; k < yt->rank; k++) {
			int q = 4 - yt->rank + k;
			if (d[0].dims[q] == y->dims[q] && (!sc || (int)n != yt->rank || sc[k] == 1.0f))
				d[0].w0[q] = r0[q], d[0].wn[q] = rn[q];
		}
		return;
	}
	/* the data operand: the tile's window along the dims it shares with
	 * the result (a reduced or resampled dim differs and stays whole; a
	 * kept dim equal to the result's is whole in the tile anyway) */
	for (int q = 0; q < 4 && d[0].space != NXG_SPACE_COUNT; q++)
		if (d[0].dims[q] == y->dims[q])
			d[0].w0[q] = r0[q], d[0].wn[q] = rn[q];
	if (kind != NX_OP_BATCH_NORM && kind != NX_OP_INSTANCE_NORM)
		return; /* layer norm's scale and bias span its whole kept dims */
	/* per-channel parameters [C] (dim w of their desc) follow the result's
	 * channel dim, dim 1 of the result: bchw index 4 - rank + 1 */
	int c = 4 - nx_vtype(g, nx_result(g, o, 0))->rank + 1;
	for (uint32_t i = 1; i < n_in; i++)
		if (d[i].space != NXG_SPACE_COUNT && d[i].dims[3] == y->dims[c] &&
		    d[i].dims[0] * d[i].dims[1] * d[i].dims[2] == 1)
			d[i].w0[3] = r0[c], d[i].wn[3] = rn[c];
}

void nxg_tile_convt(const nx_graph *g, uint32_t o, nxg_desc *d, uint32_t n_in, const int64_t *r0,
		    const int64_t *rn, nxg_fields *f)
{
	int64_t xw0[4], xwn[4], ww0[4], wwn[4], pads[4], grp;
	nx_convt_tile_geom(g, o, r0, rn, xw0, xwn, ww0, wwn, pads, &grp);
	memcpy(d[0].w0, xw0, sizeof xw0), memcpy(d[0].wn, xwn, sizeof xwn);
	memcpy(d[1].w0, ww0, sizeof ww0), memcpy(d[1].wn, wwn, sizeof wwn);
	if (n_in > 2 && d[2].space != NXG_SPACE_COUNT) /* bias [C_out]: dim w of its desc */
		d[2].w0[3] = r0[1], d[2].wn[3] = rn[1];
	uint32_t n;
	const int64_t *st = nx_attr_ints(g, o, "strides", &n);
	const nx_type *w = nx_vtype(g, nx_operand(g, o, 1));
	f->kh = (int32_t)w->dims[2], f->kw = (int32_t)w->dims[3];
	f->sh = st && n == 2 ? (int32_t)st[0] : 1, f->sw = st && n == 2 ? (int32_t)st[1] : 1;
	f->pt = (int32_t)pads[0], f->pl = (int32_t)pads[1];
	f->pb = (int32_t)pads[2], f->pr = (int32_t)pads[3];
	f->groups = (int32_t)grp;
}
