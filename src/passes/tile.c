/* tile.c — ops whose working set does not fit the on-chip memory get a
 * `tile` attribute: the extent of one tile along each dim of result 0, so
 * that one tile's working set fits `sram`.
 *
 * Working set: every operand and result of the op (weights included) in
 * the bytes its layout takes on the target (nx_target_type_bytes: ne rows
 * padded to `align`). For a tile, each tensor shrinks to the part the tile
 * touches: result dims to the tile's extents; a conv's or pool's input to
 * the rows its windows read, (t - 1) x stride + (k - 1) x dilation + 1 for an
 * output tile of t rows (halo included); a conv's weights and bias to the
 * tile's output channels; matmul's A to the tile's rows and B to its
 * columns; broadcast operands in proportion along the dims they share with
 * the result. That is how the sim reads the attribute (cost.c
 * nxs_tiles_dim: ceil(dim / extent) tiles per dim; conv: dim 1 tiles output
 * channels and the others pixels, with that halo; matmul: the last dim tiles
 * N; everything else: tiles of the data), so a tiling chosen here is the one
 * it costs: task overhead per tile, halo re-reads, weights per channel tile.
 *
 * Which axis: the result's H (dim rank-2), else C (rank-3), else the last
 * axis, taking the first that can make a tile fit alone, with the largest
 * extent that fits, then evened out (80 rows in 3 tiles are 27+27+26, not
 * 30+30+20). If no single axis can, H and C are split together, with the
 * fewest tiles. A resize tries C before H: a channel tile reads only its
 * own channels, where a tile of resampled rows reads a band of input rows
 * (codegen lowers both tile by tile: tile_kinds.c). Axes the op reduces over (softmax, layer norm, instance
 * norm, MVN, LRN's channel window, reductions)
 * or concatenates/splits/gathers along are never split, nor a
 * conv_transpose or pool other than codegen splits (convt_split_ok,
 * pool_split_ok); a conv_transpose's input and weight windows are its
 * tiles' own (core's nx_convt_tile_geom, the largest over the tiles). Data
 * movement is tiled only as codegen lowers it tile by tile
 * (move_unlowered): a transpose, and a slice with steps 1, any way; a
 * reshape, flatten, squeeze or unsqueeze only so that each tile is one
 * window of its operand (move_fit, core move_tile.c); strided slices, pad,
 * gather, expand and the other moves not at all. An op no tiling
 * makes fit (its weights for one output channel exceed the SRAM, say) is
 * left as it is, with a remark. Ops on the CPU, views and shape queries are
 * not tiled, nor ops that have a tile attribute already.
 *
 * The minimum tile: a tile whose result takes fewer bytes on the target
 * than the task descriptor that commands it (628 B of configuration per
 * task, NE-MODEL.md §3 [RE]) spends more on being described than it
 * writes. At 16 KiB of SRAM a [1,256,1024] x [1024,2048] matmul would be
 * 262,144 such tasks of two elements each (the sim: 263 ms against 0.24 ms
 * untiled, its operands in DRAM either way). An op whose fitting tiles fall
 * under the minimum is left untiled, with a remark: the allocator then puts
 * what does not fit in DRAM and the NE streams it from there, which is
 * what a tiling that small would have come to anyway (below_minimum).
 *
 * The cost bound: tiles above the minimum can still cost more than they
 * save. Each tile is a task (task_overhead cycles), so a tiling pays
 *     tiled    = tiles x task_overhead + tiles x tile working set / sram_bw
 * (the tiles staged on chip, halo and weights re-read per tile included),
 * where the op left whole, its working set over the SRAM, pays one task and
 * streams its operands and result from DRAM:
 *     streamed = task_overhead + working set / (dram_bw x dram_share).
 * The cheaper wins (tiled on a tie), with the target's own figures
 * (NE-MODEL.md §3, docs/ne-model.md; cost_of). The case that called for
 * it: the 2000-op transformer at 64 KiB was 524,070 tiles, 509,013 of them
 * matmul tasks of about 64 KiB, 3,640 per MLP matmul: 3.64 M cycles of task
 * overhead against 0.32 M for streaming its 11.4 MB whole.
 *
 * One op tiled = one rewrite. */
#include <stdlib.h>
#include <string.h>

#include "nxp.h"

typedef struct tiler {
	const nx_graph *g;
	uint32_t op;
	const nx_target *t;
	nx_type y;            /* result 0 */
} tiler;

static int64_t bytes(const nx_type *ty, const nx_target *t)
{
	int64_t b = nx_target_type_bytes(ty, t);
	return b > 0 ? b : 0;
}

/* dim x e / full, rounded up: the part of a dim a tile of e (of full) covers. */
static int64_t scale(int64_t dim, int64_t e, int64_t full)
{
	if (full <= 0 || e >= full)
		return dim;
	int64_t r = (int64_t)(((double)dim * (double)e + (double)full - 1) / (double)full);
	return r < 1 ? 1 : r > dim ? dim : r;
}

/* Input rows an output tile of e rows reads through a window. */
static int64_t window_rows(int64_t e, int64_t in, int64_t stride, int64_t k, int64_t dil)
{
	int64_t r = (e - 1) * stride + (k - 1) * dil + 1;
	return r < in ? r : in;
}

static int64_t at(const int64_t *v, uint32_t n, int64_t i, int64_t def)
{
	return i >= 0 && (uint64_t)i < n ? v[i] : def;
}

/* numpy broadcasting: a aligned with y from the right; dims of 1 stay. */
static void bcast_tile(nx_type *a, const nx_type *y, const int64_t *ext)
{
	int off = y->rank - a->rank;
	for (int i = 0; i < a->rank; i++) {
		int d = i + off;
		if (d >= 0 && a->dims[i] != 1)
			a->dims[i] = scale(a->dims[i], ext[d], y->dims[d]);
	}
}

/* A conv's or pool's window input: batch, channels (only for grouped
 * convs and pools, whose input channels follow the output's), rows. */
static void window_tile(const tiler *tl, nx_type *a, const int64_t *ext, bool chans,
			bool transpose)
{
	const nx_graph *g = tl->g;
	const nx_type *y = &tl->y;
	uint32_t nk, ns, nd;
	const int64_t *k = nx_attr_ints(g, tl->op, "kernel_shape", &nk);
	const int64_t *st = nx_attr_ints(g, tl->op, "strides", &ns);
	const int64_t *dl = nx_attr_ints(g, tl->op, "dilations", &nd);
	const nx_type *w = NULL;
	if (nx_opp(g, tl->op)->n_in > 1 && nx_operand(g, tl->op, 1) != NX_NONE &&
	    nx_ops[nx_opp(g, tl->op)->kind].flags & NX_F_MAC)
		w = nx_vtype(g, nx_operand(g, tl->op, 1));
	a->dims[0] = scale(a->dims[0], ext[0], y->dims[0]);
	if (chans && a->rank > 1 && y->rank > 1)
		a->dims[1] = scale(a->dims[1], ext[1], y->dims[1]);
	for (int d = 2; d < a->rank && d < y->rank; d++) {
		if (ext[d] >= y->dims[d])
			continue;
		int64_t kd = at(k, nk, d - 2, w && d < w->rank ? w->dims[d] : 1);
		if (transpose)
			a->dims[d] = scale(a->dims[d], ext[d], y->dims[d]) + kd - 1;
		else
			a->dims[d] = window_rows(ext[d], a->dims[d], at(st, ns, d - 2, 1), kd,
						 at(dl, nd, d - 2, 1));
		if (a->dims[d] > nx_vtype(g, nx_operand(g, tl->op, 0))->dims[d])
			a->dims[d] = nx_vtype(g, nx_operand(g, tl->op, 0))->dims[d];
	}
}

/* The largest input (xn) and weight (wn) windows of a conv_transpose's
 * tiles with extents ext, by core's tile geometry (nx_convt_tile_geom),
 * which is what the program's tiles read. The geometry is separable, so
 * each dim is walked alone; along a dim the window depends on the tile's
 * start modulo the stride and on the clipping at the ends, so past
 * kernel + stride + 2 tiles only the last two are looked at. */
static void convt_windows(const tiler *tl, const int64_t *ext, int64_t xn[4], int64_t wn[4])
{
	const int64_t *yd = tl->y.dims;
	int64_t e[4], xw0[4], xwn[4], ww0[4], wwn[4], pads[4], grp;
	for (int q = 0; q < 4; q++)
		e[q] = ext[q] < 1 || ext[q] > yd[q] ? yd[q] : ext[q];
	const nx_type *w = nx_vtype(tl->g, nx_operand(tl->g, tl->op, 1));
	int64_t near = w->dims[2] + w->dims[3] + 8;
	uint32_t ns;
	const int64_t *st = nx_attr_ints(tl->g, tl->op, "strides", &ns);
	for (uint32_t i = 0; st && i < ns; i++)
		near += st[i];
	for (int q = 0; q < 4; q++)
		xn[q] = wn[q] = 0;
	xn[0] = e[0], wn[2] = w->dims[2], wn[3] = w->dims[3];
	for (int q = 1; q < 4; q++) {
		int64_t nt = (yd[q] + e[q] - 1) / e[q];
		for (int64_t i = 0; i < nt; i++) {
			if (i == near && nt - 2 > i)
				i = nt - 2;
			int64_t r0[4] = {0, 0, 0, 0}, rn[4];
			for (int j = 0; j < 4; j++)
				rn[j] = e[j];
			r0[q] = i * e[q];
			rn[q] = r0[q] + e[q] > yd[q] ? yd[q] - r0[q] : e[q];
			nx_convt_tile_geom(tl->g, tl->op, r0, rn, xw0, xwn, ww0, wwn, pads, &grp);
			xn[q] = xwn[q] > xn[q] ? xwn[q] : xn[q];
			if (q == 1) {
				wn[0] = wwn[0] > wn[0] ? wwn[0] : wn[0];
				wn[1] = wwn[1] > wn[1] ? wwn[1] : wn[1];
			}
		}
	}
}

/* The part of operand i a tile with extents ext touches. */
static nx_type operand_tile(const tiler *tl, uint32_t i, const int64_t *ext)
{
	const nx_graph *g = tl->g;
	uint32_t o = tl->op;
	const nx_type *y = &tl->y;
	nx_type a = *nx_vtype(g, nx_operand(g, o, i));
	int kind = nx_opp(g, o)->kind;
	int R = y->rank, r = a.rank;
	if (kind == NX_OP_CONV_TRANSPOSE && R == 4 && r == 4 && i < 2 &&
	    nx_vtype(g, nx_operand(g, o, 1))->rank == 4) {
		int64_t xn[4], wn[4];
		convt_windows(tl, ext, xn, wn);
		memcpy(a.dims, i == 0 ? xn : wn, sizeof xn);
		return a;
	}
	switch (kind) {
	case NX_OP_CONV:
	case NX_OP_CONV_TRANSPOSE: {
		bool grouped = nx_attr_i(g, o, "group", 1) > 1;
		if (i == 0)
			window_tile(tl, &a, ext, grouped, kind == NX_OP_CONV_TRANSPOSE);
		else if (i == 1 && kind == NX_OP_CONV && r >= 1)
			a.dims[0] = scale(a.dims[0], ext[1], y->dims[1]);  /* [M, C/g, k..] */
		else if (i == 1 && r >= 2)
			a.dims[1] = scale(a.dims[1], ext[1], y->dims[1]);  /* [C, M/g, k..] */
		else if (r >= 1)
			a.dims[0] = scale(a.dims[0], ext[1], y->dims[1]);  /* bias [M] */
		return a;
	}
	case NX_OP_MAX_POOL:
	case NX_OP_AVG_POOL:
		window_tile(tl, &a, ext, true, false);
		return a;
	case NX_OP_MATMUL:
		if (r < 2 || R < 2) {
			bcast_tile(&a, y, ext);
			return a;
		}
		if (i == 0)
			a.dims[r - 2] = scale(a.dims[r - 2], ext[R - 2], y->dims[R - 2]);
		else
			a.dims[r - 1] = scale(a.dims[r - 1], ext[R - 1], y->dims[R - 1]);
		for (int j = 0; j < r - 2; j++) {   /* batch dims, broadcast */
			int d = j + (R - r);
			if (d >= 0 && a.dims[j] != 1)
				a.dims[j] = scale(a.dims[j], ext[d], y->dims[d]);
		}
		return a;
	case NX_OP_GEMM:
		if (i == 0 && r == 2) {
			int m = nx_attr_i(g, o, "transA", 0) ? 1 : 0;
			a.dims[m] = scale(a.dims[m], ext[0], y->dims[0]);
		} else if (i == 1 && r == 2) {
			int n = nx_attr_i(g, o, "transB", 0) ? 0 : 1;
			a.dims[n] = scale(a.dims[n], ext[1], y->dims[1]);
		} else {
			bcast_tile(&a, y, ext);
		}
		return a;
	case NX_OP_TRANSPOSE: {
		uint32_t np;
		const int64_t *perm = nx_attr_ints(g, o, "perm", &np);
		for (int d = 0; d < R && d < r; d++) {
			int64_t s = perm && (uint32_t)d < np ? perm[d] : R - 1 - d;
			if (s >= 0 && s < r)
				a.dims[s] = scale(a.dims[s], ext[d], y->dims[d]);
		}
		return a;
	}
	case NX_OP_SLICE: /* its window is the tile's, moved by the starts */
		for (int d = 0; d < R && d < r; d++)
			a.dims[d] = scale(y->dims[d], ext[d], y->dims[d]);
		return a;
	case NX_OP_RESHAPE:
	case NX_OP_FLATTEN:
	case NX_OP_SQUEEZE:
	case NX_OP_UNSQUEEZE: {
		/* the operand window of the first tile (core move_tile.c); the
		 * whole operand if it is no window (move_fit then refuses) */
		int64_t r0[NX_MAX_RANK] = {0}, rn[NX_MAX_RANK], x0[NX_MAX_RANK], xn[NX_MAX_RANK];
		for (int d = 0; d < R; d++)
			rn[d] = ext[d] < 1 || ext[d] > y->dims[d] ? y->dims[d] : ext[d];
		if (i == 0 && nx_reshape_tile_window(&a, y, r0, rn, x0, xn))
			for (int d = 0; d < r; d++)
				a.dims[d] = xn[d];
		return a;
	}
	case NX_OP_BATCH_NORM:
		if (i == 0)
			bcast_tile(&a, y, ext);
		else if (r >= 1 && R >= 2)
			a.dims[0] = scale(a.dims[0], ext[1], y->dims[1]); /* per channel */
		return a;
	default:
		bcast_tile(&a, y, ext);
		return a;
	}
}

/* Bytes one tile with extents ext holds on chip: operands and results. */
static int64_t working_set(const tiler *tl, const int64_t *ext)
{
	const nx_graph *g = tl->g;
	const nx_op *p = nx_opp(g, tl->op);
	int64_t ws = 0;
	for (uint32_t i = 0; i < p->n_in; i++) {
		if (nx_operand(g, tl->op, i) == NX_NONE)
			continue;
		nx_type a = operand_tile(tl, i, ext);
		ws += bytes(&a, tl->t);
	}
	for (uint32_t i = 0; i < p->n_out; i++) {
		nx_type r = *nx_vtype(g, nx_result(g, tl->op, i));
		if (r.rank == tl->y.rank)
			for (int d = 0; d < r.rank; d++)
				r.dims[d] = scale(r.dims[d], ext[d], tl->y.dims[d]);
		ws += bytes(&r, tl->t);
	}
	return ws;
}

/* A conv_transpose is split only the way codegen runs it tile by tile
 * (core's nx_convt_tiling), so the sim costs the tiles the program has:
 * ops the rule leaves whole are not tiled, and output-channel extents of a
 * grouped one are kept to what the rule splits (convt_chan_extent). */
static bool convt_split_ok(const nx_graph *g, uint32_t o, int R, bool *no)
{
	(void)no;
	int64_t whole[4], nt[4], te[4];
	const nx_type *y = nx_vtype(g, nx_result(g, o, 0));
	if (R != 4)
		return false;
	memcpy(whole, y->dims, sizeof whole);
	return nx_convt_tiling_ext(g, o, whole, 4, nt, te) == NULL;
}

/* Whether e output channels per tile is an extent nx_convt_tiling splits
 * op o by (a grouped conv_transpose's tiles lie in one group or hold whole
 * groups). */
static bool convt_chan_ok(const tiler *tl, int d, int64_t e)
{
	const nx_graph *g = tl->g;
	if (d != 1 || nx_opp(g, tl->op)->kind != NX_OP_CONV_TRANSPOSE || e >= tl->y.dims[1])
		return true;
	int64_t grp = nx_attr_i(g, tl->op, "group", 1);
	int64_t mg = grp > 0 ? tl->y.dims[1] / grp : 0;
	return grp <= 1 || !mg || mg % e == 0 || e % mg == 0;
}

/* The largest extent <= e of output channels the rule splits by, evened
 * out by whole groups or divisors of a group. */
static int64_t convt_chan_extent(const tiler *tl, int64_t e)
{
	while (e > 1 && !convt_chan_ok(tl, 1, e))
		e--;
	return e;
}

/* A max or average pool is split only as codegen lowers it tile by tile
 * (each tile the whole op's bits), so the sim costs the tiles the program
 * has: 2-d pools with one result by batch and channels, and by rows and
 * columns where core's nx_pool_tile_ok finds each tile's own pads exact. */
static bool pool_split_ok(const nx_graph *g, uint32_t o, int R, bool *no)
{
	if (R != 4 || nx_opp(g, o)->n_out != 1)
		return false;
	if (nx_pool_tile_ok(g, o, NULL))
		no[2] = no[3] = true;
	return true;
}

/* Marks the axes of result 0 a tile must not split; false if the op is
 * not tileable at all. */
static bool split_ok(const nx_graph *g, uint32_t o, int R, bool *no)
{
	memset(no, 0, NX_MAX_RANK * sizeof *no);
	int kind = nx_opp(g, o)->kind;
	uint32_t n;
	/* codegen lowers tiles of one result of rank <= 4 (nxg_no_split) */
	if (nx_opp(g, o)->n_out != 1 || R > 4)
		return false;
	if (nx_ops[kind].flags & NX_F_AXES) { /* reduce_*: the reduced dims */
		if (!nx_attr_i(g, o, "keepdims", 1))
			return false; /* the result's dims no longer line up */
		const int64_t *axes = nx_attr_ints(g, o, "axes", &n);
		for (int d = 0; d < R; d++)
			no[d] = !axes;
		for (uint32_t i = 0; axes && i < n; i++) {
			int64_t ax = axes[i] < 0 ? axes[i] + R : axes[i];
			if (ax >= 0 && ax < R)
				no[ax] = true;
		}
		return true;
	}
	switch (kind) {
	case NX_OP_SOFTMAX:
	case NX_OP_LOG_SOFTMAX:
	case NX_OP_HARDMAX:
	case NX_OP_CUM_SUM:
	case NX_OP_CONCAT:
	case NX_OP_SPLIT:
	case NX_OP_GATHER: {
		int64_t ax = nx_attr_i(g, o, "axis", kind == NX_OP_SOFTMAX ||
				       kind == NX_OP_LOG_SOFTMAX || kind == NX_OP_HARDMAX ? -1 : 0);
		if (ax < 0)
			ax += R;
		if (ax >= 0 && ax < R)
			no[ax] = true;
		return kind != NX_OP_GATHER || nx_opp(g, o)->n_in < 2 ||
		       nx_vtype(g, nx_operand(g, o, 1))->rank == 1; /* rank kept */
	}
	case NX_OP_LAYER_NORM: {
		int64_t ax = nx_attr_i(g, o, "axis", -1);
		if (ax < 0)
			ax += R;
		for (int d = ax < 0 ? 0 : (int)ax; d < R; d++)
			no[d] = true;
		return true;
	}
	case NX_OP_ARG_MAX:
	case NX_OP_ARG_MIN:
	case NX_OP_TOP_K: {
		if (!nx_attr_i(g, o, "keepdims", 1))
			return false;
		int64_t ax = nx_attr_i(g, o, "axis", kind == NX_OP_TOP_K ? -1 : 0);
		if (ax < 0)
			ax += R;
		if (ax >= 0 && ax < R)
			no[ax] = true;
		return true;
	}
	case NX_OP_GLOBAL_AVG_POOL:
	case NX_OP_GLOBAL_MAX_POOL:
	case NX_OP_INSTANCE_NORM: /* statistics over the spatial dims */
		for (int d = 2; d < R; d++)
			no[d] = true;
		return true;
	case NX_OP_LRN: /* a window across channels */
		if (R >= 2)
			no[1] = true;
		return true;
	case NX_OP_MVN: {
		static const int64_t def[3] = {0, 2, 3};
		const int64_t *axes = nx_attr_ints(g, o, "axes", &n);
		if (!axes)
			axes = def, n = 3;
		for (uint32_t i = 0; i < n; i++) {
			int64_t ax = axes[i] < 0 ? axes[i] + R : axes[i];
			if (ax >= 0 && ax < R)
				no[ax] = true;
		}
		return true;
	}
	case NX_OP_CONV: /* output channels and rows, as core's nx_conv_tiling */
		if (R != 4)
			return false;
		no[0] = no[3] = true;
		return true;
	case NX_OP_CONV_TRANSPOSE:
		return convt_split_ok(g, o, R, no);
	case NX_OP_MAX_POOL:
	case NX_OP_AVG_POOL:
		return pool_split_ok(g, o, R, no);
	case NX_OP_OPAQUE:
		return false;
	default:
		return true;
	}
}

/* Data movement is tiled only as the NE back end lowers it tile by tile,
 * so that the sim costs the tasks the program runs: transpose, slice with
 * steps 1, concat (not along its axis), resize, and the reshape family when every tile is
 * one window of the operand (move_fit). Strided slices, pad, gather, expand, split
 * and the other moves have no per-tile lowering (codegen would run them
 * as one task): NULL for those, naming the kind's reason. */
static const char *move_unlowered(const nx_graph *g, uint32_t o)
{
	int kind = nx_opp(g, o)->kind;
	if (!(nx_ops[kind].flags & NX_F_MOVE) || kind == NX_OP_TRANSPOSE ||
	    kind == NX_OP_CONCAT || kind == NX_OP_RESIZE)
		return NULL;
	if (kind == NX_OP_SLICE) /* steps 1: every tile is a window */
		return nx_move_tiling(g, o, NULL); /* NULL: steps 1, rank <= 4 */
	return "codegen has no per-tile lowering of this kind";
}

/* Whether extent e along d fits, others as in ext. */
static bool fits_at(const tiler *tl, int64_t *ext, int d, int64_t e)
{
	int64_t keep = ext[d];
	ext[d] = e;
	bool ok = working_set(tl, ext) <= tl->t->sram;
	ext[d] = keep;
	return ok;
}

/* The largest k in [1, n] with fits_at(..., f * k), f * k the extent;
 * 0 if none. Valid when the working set grows with k. */
static int64_t largest_k(const tiler *tl, int64_t *ext, int d, int64_t f, int64_t n)
{
	if (n < 1 || !fits_at(tl, ext, d, f))
		return 0;
	int64_t lo = 1, hi = n;
	while (lo < hi) {
		int64_t mid = lo + (hi - lo + 1) / 2;
		if (fits_at(tl, ext, d, f * mid))
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

/* The output-channel extent of a grouped conv_transpose (mg channels a
 * group, G groups): only divisors of mg (tiles in one group) and whole
 * groups are extents the rule splits by, and over all extents the working
 * set is not monotonic (an extent straddling groups reads the inputs of
 * every group it touches: 4 of 6 channels a group reads two groups, 6
 * reads one), so a bisection over all of them can stop below an extent
 * that fits. Each of the two families alone grows with its extent: the
 * largest whole-group count that fits, else the largest divisor of mg;
 * then the same tile count evened out. 0 if not even 1 channel fits. */
static int64_t largest_convt_chan(const tiler *tl, int64_t *ext, int64_t mg)
{
	int64_t Y = tl->y.dims[1], G = Y / mg;
	int64_t k = largest_k(tl, ext, 1, mg, G);
	if (k > 0) {
		int64_t nt = (G + k - 1) / k;
		return (G + nt - 1) / nt * mg;
	}
	int64_t best = 0; /* divisors of mg below mg, ascending */
	for (int64_t e = 1; e < mg; e++) {
		if (mg % e)
			continue;
		if (!fits_at(tl, ext, 1, e))
			break;
		best = e;
	}
	return best;
}

/* The largest extent along d (others as in ext) whose tile fits; 0 if
 * not even one fits. */
static int64_t largest(const tiler *tl, int64_t *ext, int d)
{
	if (d == 1 && nx_opp(tl->g, tl->op)->kind == NX_OP_CONV_TRANSPOSE && tl->y.rank == 4) {
		int64_t grp = nx_attr_i(tl->g, tl->op, "group", 1);
		int64_t mg = grp > 1 ? tl->y.dims[1] / grp : 0;
		if (mg > 1)
			return largest_convt_chan(tl, ext, mg);
	}
	int64_t sram = tl->t->sram, keep = ext[d], lo = 1, hi = tl->y.dims[d];
	ext[d] = 1;
	bool any = working_set(tl, ext) <= sram;
	while (any && lo < hi) {
		int64_t mid = lo + (hi - lo + 1) / 2;
		ext[d] = mid;
		if (working_set(tl, ext) <= sram)
			lo = mid;
		else
			hi = mid - 1;
	}
	ext[d] = keep;
	if (!any)
		return 0;
	int64_t full = tl->y.dims[d], nt = (full + lo - 1) / lo;
	int64_t e = (full + nt - 1) / nt; /* the same tile count, evened out */
	return convt_chan_ok(tl, d, e) ? e : convt_chan_extent(tl, e);
}

/* A reshape-family op's tiles must each be one window of its operand (core
 * move_tile.c), or codegen runs the op as one task. If the chosen extents
 * do not give that, each splittable axis alone is tried with more tiles,
 * from the fewest that fit; the axis needing the fewest wins. False if
 * none does. */
static bool move_fit(const tiler *tl, const bool *no, int64_t *ext)
{
	const nx_graph *g = tl->g;
	if (!nx_reshape_kind(nx_opp(g, tl->op)->kind) || !nx_move_tiling(g, tl->op, ext))
		return true;
	int R = tl->y.rank, best_d = -1;
	int64_t best_nt = INT64_MAX, best_e = 0;
	for (int d = 0; d < R; d++) {
		if (no[d] || tl->y.dims[d] < 2)
			continue;
		for (int k = 0; k < R; k++)
			ext[k] = tl->y.dims[k];
		int64_t D = tl->y.dims[d], e0 = largest(tl, ext, d), prev = -1;
		if (e0 <= 0)
			continue;
		for (int64_t nt = (D + e0 - 1) / e0; nt <= D && nt < best_nt; nt++) {
			int64_t e = (D + nt - 1) / nt;
			if (e == prev)
				continue;
			prev = e;
			ext[d] = e;
			if (working_set(tl, ext) <= tl->t->sram && !nx_move_tiling(g, tl->op, ext)) {
				best_d = d, best_nt = (D + e - 1) / e, best_e = e;
				break;
			}
		}
	}
	for (int k = 0; k < R; k++)
		ext[k] = tl->y.dims[k];
	if (best_d < 0)
		return false;
	ext[best_d] = best_e;
	return true;
}

/* Chooses ext (extents per dim of result 0); false if no tiling fits. */
static bool choose(const tiler *tl, const bool *no, int64_t *ext)
{
	int R = tl->y.rank, cand[3], nc = 0;
	/* H, C, the last axis; resize C first (see the head of this file) */
	bool c_first = nx_opp(tl->g, tl->op)->kind == NX_OP_RESIZE;
	const int pref[3] = {c_first ? R - 3 : R - 2, c_first ? R - 2 : R - 3, R - 1};
	for (int i = 0; i < 3; i++) {
		int d = pref[i];
		bool dup = false;
		for (int j = 0; j < nc; j++)
			dup |= cand[j] == d;
		if (d >= 0 && !dup && !no[d] && tl->y.dims[d] > 1)
			cand[nc++] = d;
	}
	for (int d = 0; d < R; d++)
		ext[d] = tl->y.dims[d];
	for (int i = 0; i < nc; i++) {
		int64_t e = largest(tl, ext, cand[i]);
		if (e > 0) {
			ext[cand[i]] = e;
			return true;
		}
	}
	if (nc < 2)
		return false;
	/* Two axes: the fewest tiles over the splits of the second. */
	int a = cand[0], b = cand[1];
	int64_t Da = tl->y.dims[a], Db = tl->y.dims[b], best = INT64_MAX, best_a = 0, best_b = 0;
	int64_t prev_eb = -1;
	for (int64_t kb = 1; kb <= Db && kb < best; kb++) {
		int64_t eb = (Db + kb - 1) / kb;
		if (eb == prev_eb)
			continue;
		prev_eb = eb;
		if (!convt_chan_ok(tl, b, eb))
			continue;
		ext[b] = eb;
		int64_t ea = largest(tl, ext, a);
		if (ea <= 0)
			continue;
		int64_t tiles = ((Da + ea - 1) / ea) * ((Db + eb - 1) / eb);
		if (tiles < best) {
			best = tiles;
			best_a = ea;
			best_b = eb;
		}
	}
	ext[b] = tl->y.dims[b];
	if (best == INT64_MAX)
		return false;
	ext[a] = best_a;
	ext[b] = best_b;
	return true;
}

/* Bytes of one task descriptor's configuration (NE-MODEL.md §3 [RE]): the
 * least a tile's result may take (see the head of this file). */
#define NXP_TILE_MIN_BYTES 628

/* Whether the tiles with extents ext write fewer bytes of result 0 (in
 * its layout on the target, row padding included: what the task's DMA
 * moves) than the minimum; *rb gets those bytes. */
static bool below_minimum(const tiler *tl, const int64_t *ext, int64_t *rb)
{
	nx_type r = tl->y;
	for (int d = 0; d < r.rank; d++)
		r.dims[d] = ext[d];
	*rb = bytes(&r, tl->t);
	return *rb < NXP_TILE_MIN_BYTES;
}

/* Cycles of the op run as `tiles` tiles of `one` bytes each and run whole
 * with its working set of ws bytes streamed from DRAM (the cost bound at the
 * head of this file). Edge tiles are counted as whole ones. */
typedef struct tile_cost {
	double tiled, streamed;
} tile_cost;

static tile_cost cost_of(const nx_target *t, int64_t tiles, int64_t one, int64_t ws)
{
	tile_cost c;
	c.tiled = (double)tiles * (t->task_overhead + (double)one / t->sram_bw);
	c.streamed = t->task_overhead + (double)ws / nx_target_ne_dram_bw(t);
	return c;
}

static int run(nx_graph *g, nxp_ctx *ctx)
{
	nx_target tb;
	const nx_target *t = nxp_target(ctx, &tb);
	NX_FOR_OPS(g, o) {
		const nx_op *p = nx_opp(g, o);
		if (!p->n_out || (nx_ops[p->kind].flags & NX_F_SHAPEOF) || nx_attr_get(g, o, "tile") ||
		    nx_target_on_cpu(g, o, t) || nx_target_op_is_view(g, o, t))
			continue;
		tiler tl = {g, o, t, *nx_vtype(g, nx_result(g, o, 0))};
		int R = tl.y.rank;
		if (R < 1)
			continue;
		int64_t full[NX_MAX_RANK], ext[NX_MAX_RANK];
		for (int d = 0; d < R; d++)
			full[d] = tl.y.dims[d];
		int64_t ws = working_set(&tl, full);
		if (ws <= t->sram)
			continue;
		bool no[NX_MAX_RANK];
		const char *res = nx_vname(g, nx_result(g, o, 0));
		const char *unl = move_unlowered(g, o);
		if (unl) {
			nxp_remark(ctx, "%%%s (%s): working set %lld bytes > sram %lld, but %s: "
				   "left untiled", res, nx_op_name(g, o), (long long)ws,
				   (long long)t->sram, unl);
			nxp_stat_add(ctx, "ops too big to tile", 1);
			continue;
		}
		if (!split_ok(g, o, R, no) || !choose(&tl, no, ext) || !move_fit(&tl, no, ext)) {
			nxp_remark(ctx, "%%%s (%s): working set %lld bytes > sram %lld, and no tile "
				   "along a splittable axis fits: left untiled", res, nx_op_name(g, o),
				   (long long)ws, (long long)t->sram);
			nxp_stat_add(ctx, "ops too big to tile", 1);
			continue;
		}
		/* a conv or conv_transpose tiled other than core's rule splits
		 * would run whole on the NE (and in the interpreter) */
		int64_t nt4[4], te4[4];
		const char *why = p->kind == NX_OP_CONV_TRANSPOSE
					  ? nx_convt_tiling_ext(g, o, ext, (uint32_t)R, nt4, te4)
				  : p->kind == NX_OP_CONV
					  ? nx_conv_tiling_ext(g, o, ext, (uint32_t)R, nt4, te4)
					  : NULL;
		if (why) {
			nxp_remark(ctx, "%%%s (%s): working set %lld bytes > sram %lld, but its "
				   "tiles would run whole (%s): left untiled", res, nx_op_name(g, o),
				   (long long)ws, (long long)t->sram, why);
			nxp_stat_add(ctx, "ops too big to tile", 1);
			continue;
		}
		int64_t tiles = 1, rb;
		char ts[256];
		size_t len = 0;
		for (int d = 0; d < R; d++) {
			tiles *= (full[d] + ext[d] - 1) / ext[d];
			len += (size_t)snprintf(ts + len, sizeof ts - len, "%s%lld", d ? "," : "",
						(long long)ext[d]);
			if (len >= sizeof ts)
				len = sizeof ts - 1;
		}
		if (below_minimum(&tl, ext, &rb)) {
			nxp_remark(ctx, "%%%s (%s): working set %lld bytes > sram %lld, and the tiles "
				   "that fit ([%s], %lld tiles) write %lld bytes each, less than one task "
				   "descriptor (%d bytes): left untiled, streamed from DRAM where the "
				   "allocator puts what does not fit", res, nx_op_name(g, o),
				   (long long)ws, (long long)t->sram, ts, (long long)tiles,
				   (long long)rb, NXP_TILE_MIN_BYTES);
			nxp_stat_add(ctx, "ops left to DRAM (tiles under the minimum)", 1);
			continue;
		}
		int64_t one = working_set(&tl, ext);
		tile_cost c = cost_of(t, tiles, one, ws);
		if (c.streamed < c.tiled) {
			nxp_remark(ctx, "%%%s (%s): working set %lld bytes > sram %lld, and its tiles "
				   "([%s], %lld tiles of %lld bytes) cost %.0f cycles against %.0f "
				   "for the op whole, streamed from DRAM: left untiled, streamed from "
				   "DRAM where the allocator puts what does not fit", res,
				   nx_op_name(g, o), (long long)ws, (long long)t->sram, ts,
				   (long long)tiles, (long long)one, c.tiled, c.streamed);
			nxp_stat_add(ctx, "ops left to DRAM (streaming cheaper than tiles)", 1);
			continue;
		}
		if (!nxp_rewrite(ctx, o))
			break;
		nx_attr_set_ints(g, o, "tile", ext, (uint32_t)R);
		nxp_remark(ctx, "%%%s (%s): working set %lld bytes > sram %lld: tile [%s], %lld "
			   "tiles of %lld bytes, %.0f cycles against %.0f for the op whole, streamed "
			   "from DRAM", nx_vname(g, nx_result(g, o, 0)), nx_op_name(g, o),
			   (long long)ws, (long long)t->sram, ts, (long long)tiles, (long long)one,
			   c.tiled, c.streamed);
		nxp_stat_add(ctx, "ops tiled", 1);
		nxp_stat_add(ctx, "tiles", tiles);
	}
	return 0;
}

const nxp_pass nxp_pass_tile = {
	.name = "tile",
	.summary = "tile ops whose working set (operands + results, weights included) exceeds "
		   "the SRAM (attr tile)",
	.requires = "types, layouts (layout-ne), placement (partition)",
	.invalidates = "attrs (tiling)",
	.run = run,
};
