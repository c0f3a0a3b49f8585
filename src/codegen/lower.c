/* lower.c — a planned graph becomes a program (DESIGN.md §9).
 *
 * Memory: the SRAM/DRAM placement of every activation buffer comes from an
 * allocator (nxg_alloc: the plan-memory pass's recorded attrs, or core's
 * best fit, plain or with search), over core's liveness (liveness.c): views
 * own no buffer and address their source's; graph inputs and outputs and
 * the tensors of CPU ops are in DRAM. DRAM holds the activation arena
 * first, then every constant (packed, 64-byte aligned): the program's
 * weight image, which the executor loads from the graph's blobs.
 *
 * Tasks, in schedule order:
 *  - an op the target cannot run (nx_target_on_cpu) is one CPU host task;
 *  - an NE op is one task, or one per tile when it carries attr `tile` and
 *    its kind can be split here: element-wise kinds (any axis, broadcast
 *    operands windowed along the axes they share), pools by batch and
 *    channels, and 2-d max/avg pools by rows and columns with each tile's
 *    own pads (core's pool_tile.c, tile_pool.c),
 *    concat along any axis (along its own, each operand's overlap with
 *    the tile: tile_concat.c), softmax, the norms,
 *    keepdims reductions and arg max/min along the dims they keep
 *    independent, resize along any dim (tile_kinds.c), 2-d conv by output
 *    channels (group 1 or depthwise) and output rows, the halo and each
 *    tile's pads worked out by core (conv_tile.c), 2-d conv_transpose by
 *    batch, output channels, rows and columns (convt_tile.c), matmul and gemm
 *    along any dim of the result (batch, M, N; core's matmul_tile.c), and
 *    transpose and reshape-family tiles that are one operand window, a
 *    move task each (tile_move.c);
 *    for conv, conv_transpose, matmul and gemm the interpreter computes the op by the same
 *    tiles, so the outputs stay equal bit for bit. A tiled op of another
 *    kind stays one task and the listing says why;
 *  - weight fetch: an NE op's constants go by DMA into the kernel window
 *    when together they fit half of it (`kmem`/2): the two halves alternate
 *    (double buffering), and each fetch is issued before the previous NE
 *    op's compute, so it runs while that op computes. Larger constants are
 *    read from DRAM by the NE task itself (streamed).
 * Events: each engine runs its tasks in order; a task waits on the latest
 * task of every other engine that touched overlapping bytes in a
 * conflicting way (read after write, write after read or write), found
 * from per-engine access logs, which are scanned only back to the last task
 * of that engine already waited on.
 */
#include <stdlib.h>
#include <string.h>

#include "nxg.h"

static const char *const alloc_names[NXG_ALLOC_COUNT] = {
	"recorded", "bestfit", "search", "firstfit", "hillclimb", "belady", "sxd", "split"};

const char *nxg_alloc_name(int a)
{
	return a >= 0 && a < NXG_ALLOC_COUNT ? alloc_names[a] : "?";
}

int nxg_alloc_parse(const char *s)
{
	for (int i = 0; i < NXG_ALLOC_COUNT; i++)
		if (!strcmp(s, alloc_names[i]))
			return i;
	return -1;
}

static int64_t roundup(int64_t x, int64_t a)
{
	return a <= 1 ? x : (x + a - 1) / a * a;
}

typedef struct lowering {
	const nx_graph *g;
	const nx_target *t;
	nxg_prog *p;
	nx_live l;
	int64_t *caddr;       /* by value id: a constant's DRAM address, -1 */
	int64_t dram_top;
	uint8_t *flags;       /* by position: NX_LIVE_VIEW / NX_LIVE_CPU */
	int64_t *kslot;       /* by position: KMEM base of its fetched constants, -1 */
	uint32_t n_fetch;
	nxg_split sp;         /* live-range pieces (allocator split) */
	nx_err *err;
} lowering;

static const char *res_name(const nx_graph *g, uint32_t o)
{
	return o != NX_NONE && nx_opp(g, o)->n_out ? nx_vname(g, nx_result(g, o, 0)) : "?";
}

static const char *op_name(const nx_graph *g, uint32_t o)
{
	return o != NX_NONE ? nx_op_name(g, o) : "graph input/output";
}

/* Placement of every buffer in l by the chosen allocator. */
static int place(lowering *L, const nxg_opts *o)
{
	const nx_graph *g = L->g;
	nx_live *l = &L->l;
	nx_memplan mp;
	memset(&mp, 0, sizeof mp);
	int rc = 0;
	if (o->alloc == NXG_ALLOC_RECORDED) {
		size_t nv = g->n_vals ? g->n_vals : 1, nb = l->n_bufs ? l->n_bufs : 1;
		int64_t *roff = nx_xmalloc(nv * sizeof *roff);
		uint8_t *rsp = nx_xcalloc(nv, 1);
		for (uint32_t p = 0; p < l->n_pos && !rc; p++) {
			uint32_t op = l->op_at[p], na, ns, n = nx_opp(g, op)->n_out;
			const int64_t *a = nx_attr_ints(g, op, "arena", &na);
			const int64_t *s = nx_attr_ints(g, op, "spill", &ns);
			if (!a || na != n || ns != n) {
				nx_err_set(L->err, "op %%%s (%s) has no recorded memory plan (attrs "
					   "arena, spill): run plan-memory last (the default "
					   "pipeline with --target does), or choose --alloc bestfit",
					   res_name(g, op), nx_op_name(g, op));
				rc = -1;
				break;
			}
			for (uint32_t i = 0; i < n; i++) {
				roff[nx_result(g, op, i)] = a[i];
				rsp[nx_result(g, op, i)] = s[i] != 0;
			}
		}
		uint8_t *spill = nx_xmalloc(nb);
		int64_t *off = nx_xmalloc(nb * sizeof *off);
		for (uint32_t b = 0; b < l->n_bufs && !rc; b++) {
			uint32_t v = l->bufs[b].value;
			bool rec = g->vals[v].producer != NX_NONE;
			spill[b] = rec ? rsp[v] : 1;
			off[b] = rec ? roff[v] : -1;
		}
		if (!rc && nx_memplan_apply(g, l, L->t, spill, off, &mp, L->err)) {
			nx_err_prefix(L->err, "the recorded plan does not hold on %s: ", L->t->name);
			rc = -1;
		}
		free(spill);
		free(off);
		free(roff);
		free(rsp);
	} else if (o->alloc == NXG_ALLOC_SEARCH) {
		/* plan-memory's own placement: search first, best fit if it
		 * does not fit */
		nx_memplan_arena(l, L->t, &mp);
		nx_memplan_place_search(l, L->t, &mp);
	} else if (o->alloc == NXG_ALLOC_SPLIT) {
		nxg_split_place(g, l, L->t, L->flags, &L->sp, &mp.sram_peak);
	} else if (o->alloc > NXG_ALLOC_RECORDED && o->alloc < NXG_ALLOC_COUNT) {
		nxg_place(l, L->t, o->alloc, &mp.sram_peak);
	} else {
		nx_err_set(L->err, "unknown allocator %d", o->alloc);
		rc = -1;
	}
	L->p->lower_bound = nx_live_peak(l, NULL);
	L->p->sram_peak = mp.sram_peak;
	nx_memplan_free(&mp);
	return rc;
}

/* The test hook: the first on-chip buffer gets the offset of an on-chip
 * buffer live at the same time (one whose bytes are still to be read). */
static void overlap_bug(lowering *L)
{
	nx_live *l = &L->l;
	for (uint32_t a = 0; a < l->n_bufs; a++) {
		nx_buf *x = &l->bufs[a];
		if (x->level != NX_SRAM)
			continue;
		for (uint32_t b = a + 1; b < l->n_bufs; b++) {
			nx_buf *y = &l->bufs[b];
			if (y->level != NX_SRAM || y->start > x->end || y->start <= x->start ||
			    x->offset + y->size > L->t->sram || y->offset == x->offset)
				continue;
			y->offset = x->offset;
			return;
		}
	}
}

static int64_t const_addr(lowering *L, uint32_t v)
{
	if (L->caddr[v] >= 0)
		return L->caddr[v];
	int64_t bytes = (int64_t)nx_blob_nbytes(nx_const_blob(L->g, v));
	int64_t a = L->dram_top;
	L->caddr[v] = a;
	L->dram_top = roundup(a + bytes, L->t->align);
	nxg_prog *p = L->p;
	nx_grow((void **)&p->consts, &p->cap_consts, p->n_consts + 1, sizeof *p->consts);
	p->consts[p->n_consts++] = (nxg_const){v, a, bytes};
	return a;
}

/* The descriptor of value v as op operand/result; -1 + err if it has no
 * place in memory. */
static int desc_of(lowering *L, uint32_t op, uint32_t v, nxg_desc *d)
{
	const nx_graph *g = L->g;
	const nx_type *ty = nx_vtype(g, v);
	if (ty->layout == NX_LAYOUT_NHWC) {
		nx_err_set(L->err, "op %%%s (%s): value %%%s has the nhwc layout, which codegen "
			   "does not lower (not built)", res_name(g, op), op_name(g, op),
			   nx_vname(g, v));
		return -1;
	}
	if (nx_is_const(g, v)) {
		nx_type pt = *ty;
		pt.layout = NX_LAYOUT_PLAIN; /* blobs hold packed bytes */
		*d = nxg_desc_make(NXG_DRAM, const_addr(L, v), v, v, &pt, L->t);
		return 0;
	}
	uint32_t b = L->l.buf_of[v];
	if (b == NX_NONE) {
		nx_err_set(L->err, "op %%%s (%s): value %%%s has no buffer", res_name(g, op),
			   op_name(g, op), nx_vname(g, v));
		return -1;
	}
	const nx_buf *bf = &L->l.bufs[b];
	*d = nxg_desc_make(bf->level == NX_SRAM ? NXG_SRAM : NXG_DRAM, bf->offset, bf->value, v,
			   ty, L->t);
	return 0;
}

static int kind_of(const nx_graph *g, uint32_t o, bool cpu)
{
	if (cpu)
		return NXG_K_HOST;
	int k = nx_opp(g, o)->kind;
	uint32_t f = nx_ops[k].flags;
	if (k == NX_OP_MATMUL || k == NX_OP_GEMM)
		return NXG_K_MATMUL;
	if (f & NX_F_MAC)
		return NXG_K_CONV;
	if (f & NX_F_POOL)
		return NXG_K_POOL;
	if (f & NX_F_NORM)
		return NXG_K_NORM;
	if (f & NX_F_REDUCE)
		return NXG_K_REDUCE;
	if (f & (NX_F_MOVE | NX_F_VIEW | NX_F_SHAPEOF))
		return NXG_K_MOVE;
	return NXG_K_ELEM;
}

/* Bytes an op's constants take in the kernel window, 64-aligned each. */
static int64_t const_bytes(const lowering *L, uint32_t o)
{
	const nx_graph *g = L->g;
	int64_t n = 0;
	for (uint32_t i = 0; i < nx_opp(g, o)->n_in; i++) {
		uint32_t v = nx_operand(g, o, i);
		if (nx_is_const(g, v))
			n += roundup((int64_t)nx_blob_nbytes(nx_const_blob(g, v)), L->t->align);
	}
	return n;
}

static bool makes_task(const lowering *L, uint32_t p)
{
	return !(L->flags[p] & NX_LIVE_VIEW) || (L->flags[p] & NX_LIVE_CPU);
}

static bool fetches(const lowering *L, uint32_t p)
{
	if (!makes_task(L, p) || (L->flags[p] & NX_LIVE_CPU))
		return false;
	int64_t n = const_bytes(L, L->l.op_at[p]);
	return n > 0 && n <= L->t->kmem / 2;
}

/* DMA tasks that copy op p's constants into the next half of the window. */
static void fetch(lowering *L, uint32_t p)
{
	if (L->kslot[p] >= 0)
		return;
	const nx_graph *g = L->g;
	uint32_t o = L->l.op_at[p];
	int64_t base = (int64_t)(L->n_fetch++ % 2) * (L->t->kmem / 2), at = base;
	L->kslot[p] = base;
	for (uint32_t i = 0; i < nx_opp(g, o)->n_in; i++) {
		uint32_t v = nx_operand(g, o, i);
		if (!nx_is_const(g, v))
			continue;
		nxg_desc src;
		desc_of(L, o, v, &src); /* constants always have one */
		nxg_desc dst = src;
		dst.space = NXG_KMEM;
		dst.addr = at;
		at += roundup((int64_t)nx_blob_nbytes(nx_const_blob(g, v)), L->t->align);
		uint32_t k = nxg_task_add(L->p, NXG_DMA, NXG_K_WEIGHTS, o, 1, 1);
		*nxg_task_desc(L->p, &L->p->tasks[k], 0) = src;
		*nxg_task_desc(L->p, &L->p->tasks[k], 1) = dst;
	}
}

/* Operand descriptors of op p (constants in the window if fetched). */
static int operands(lowering *L, uint32_t p, nxg_desc *d)
{
	const nx_graph *g = L->g;
	uint32_t o = L->l.op_at[p];
	int64_t at = L->kslot[p];
	for (uint32_t i = 0; i < nx_opp(g, o)->n_in; i++) {
		uint32_t v = nx_operand(g, o, i);
		if (v == NX_NONE) {
			memset(&d[i], 0, sizeof d[i]);
			d[i].space = NXG_SPACE_COUNT;
			d[i].value = d[i].type_of = NX_NONE;
			continue;
		}
		if (desc_of(L, o, v, &d[i]))
			return -1;
		if (at >= 0 && nx_is_const(g, v)) {
			d[i].space = NXG_KMEM;
			d[i].addr = at;
			at += roundup((int64_t)nx_blob_nbytes(nx_const_blob(g, v)), L->t->align);
		}
	}
	return 0;
}

/* Conv fields from the op's attributes (whole-op pads). */
static void conv_fields(const nx_graph *g, uint32_t o, nxg_fields *f)
{
	uint32_t n;
	const int64_t *s = nx_attr_ints(g, o, "strides", &n);
	const nx_type *w = nx_vtype(g, nx_operand(g, o, 1));
	f->kh = w->rank == 4 ? (int32_t)w->dims[2] : 1;
	f->kw = w->rank == 4 ? (int32_t)w->dims[3] : w->rank == 3 ? (int32_t)w->dims[2] : 1;
	f->sh = s && n == 2 ? (int32_t)s[0] : 1;
	f->sw = s && n == 2 ? (int32_t)s[1] : 1;
	const int64_t *pd = nx_attr_ints(g, o, "pads", &n);
	if (pd && n == 4)
		f->pt = (int32_t)pd[0], f->pl = (int32_t)pd[1], f->pb = (int32_t)pd[2],
		f->pr = (int32_t)pd[3];
	f->groups = (int32_t)nx_attr_i(g, o, "group", 1);
}

/* Why op o's tiles cannot be split here (NULL if they can). Convs split as
 * core's nx_conv_tiling says, which the interpreter follows too. */
const char *nxg_no_split(const nx_graph *g, uint32_t o)
{
	const nx_op *op = nx_opp(g, o);
	if (op->kind == NX_OP_CONV) {
		int64_t nt[4], te[4];
		return nx_conv_tiling(g, o, nt, te);
	}
	if (op->kind == NX_OP_MATMUL || op->kind == NX_OP_GEMM) {
		int64_t nt[4], te[4];
		return nx_matmul_tiling(g, o, nt, te);
	}
	if (op->kind == NX_OP_CONV_TRANSPOSE) {
		int64_t nt[4], te[4];
		return nx_convt_tiling(g, o, nt, te);
	}
	const nx_type *y = nx_vtype(g, nx_result(g, o, 0));
	if (op->n_out != 1 || y->rank > 4)
		return "per-tile lowering of ops with several results or rank > 4 is not built";
	if (nx_ops[op->kind].flags & NX_F_ELEMWISE)
		return NULL;
	uint32_t ne;
	const int64_t *ext = nx_attr_ints(g, o, "tile", &ne);
	if (!ext || ne != (uint32_t)y->rank)
		return "the tile attr does not have one extent per dim of the result";
	/* whole along dim k: the tile's extent covers it */
#define WHOLE(k) (ext[k] < 1 || ext[k] >= y->dims[k])
	if ((nx_ops[op->kind].flags & NX_F_POOL) && y->rank == 4) {
		/* by batch and channels: each plane pools on its own, so a
		 * tile's planes are the whole op's bits; rows and columns with
		 * pads of the tile's own: core's pool_tile.c, tile_pool.c */
		return WHOLE(2) && WHOLE(3) ? NULL : nx_pool_tile_ok(g, o, ext);
	}
	if (op->kind == NX_OP_CONCAT) {
		/* along any axis: each operand's window is the same rows of it,
		 * and along the concat axis its overlap with the tile
		 * (tile_concat.c); a copy, so bit-exact */
		int64_t ax = nx_attr_i(g, o, "axis", 0);
		if (ax < 0)
			ax += y->rank;
		if (ax < 0 || ax >= y->rank)
			return "concat axis out of range";
		return NULL;
	}
#undef WHOLE
	return nxg_tile_kind_ok(g, o, ext);
}

/* Windows of one conv tile: result window r (bchw); operand windows into
 * d[0..2] and the tile's pads into f (core's nx_conv_tile_geom). */
static void conv_tile(const nx_graph *g, uint32_t o, const int64_t *r0, const int64_t *rn,
		      nxg_desc *d, uint32_t n_in, nxg_fields *f)
{
	int64_t in0[4], inn[4], pads[4], grp;
	nx_conv_tile_geom(g, o, r0, rn, in0, inn, pads, &grp);
	for (int k = 0; k < 4; k++)
		d[0].w0[k] = in0[k], d[0].wn[k] = inn[k];
	/* weights: [Cout, Cin/g, kh, kw] = (b,c,h,w); bias [Cout] = w */
	d[1].w0[0] = r0[1], d[1].wn[0] = rn[1];
	if (n_in > 2 && d[2].space != NXG_SPACE_COUNT)
		d[2].w0[3] = r0[1], d[2].wn[3] = rn[1];
	f->pt = (int32_t)pads[0], f->pl = (int32_t)pads[1];
	f->pb = (int32_t)pads[2], f->pr = (int32_t)pads[3];
	f->groups = (int32_t)grp;
}

/* The whole tensor of buffer b at its DRAM home, and a copy at SRAM off. */
static void piece_descs(lowering *L, uint32_t b, int64_t off, nxg_desc *home, nxg_desc *sram)
{
	const nx_buf *x = &L->l.bufs[b];
	*home = nxg_desc_make(NXG_DRAM, x->offset, x->value, x->value, nx_vtype(L->g, x->value),
			      L->t);
	*sram = *home;
	sram->space = NXG_SRAM;
	sram->addr = off;
}

static void dma(lowering *L, int kind, uint32_t op, const nxg_desc *src, const nxg_desc *dst)
{
	uint32_t k = nxg_task_add(L->p, NXG_DMA, kind, op, 1, 1);
	*nxg_task_desc(L->p, &L->p->tasks[k], 0) = *src;
	*nxg_task_desc(L->p, &L->p->tasks[k], 1) = *dst;
}

/* Fill DMA for every use piece at position u (the consumer at u reads it). */
static void fills(lowering *L, uint32_t u)
{
	if (u >= L->l.n_pos)
		return;
	const nx_graph *g = L->g;
	uint32_t o = L->l.op_at[u];
	for (uint32_t i = 0; i < nx_opp(g, o)->n_in; i++) {
		uint32_t v = nx_operand(g, o, i);
		if (v == NX_NONE || L->l.buf_of[v] == NX_NONE)
			continue;
		uint32_t b = L->l.buf_of[v];
		bool dup = false; /* the same buffer read twice by this op */
		for (uint32_t j = 0; j < i && !dup; j++) {
			uint32_t w = nx_operand(g, o, j);
			dup = w != NX_NONE && L->l.buf_of[w] == b;
		}
		const nxg_piece *pc = dup ? NULL : nxg_split_find(&L->sp, b, u, false);
		if (!pc)
			continue;
		nxg_desc home, sram;
		piece_descs(L, b, pc->off, &home, &sram);
		dma(L, NXG_K_FILL, o, &home, &sram);
	}
}

/* Spill DMA home for every def piece at p that a later use reads from home. */
static void spills(lowering *L, uint32_t p)
{
	const nx_graph *g = L->g;
	uint32_t o = L->l.op_at[p];
	for (uint32_t i = 0; i < nx_opp(g, o)->n_out; i++) {
		uint32_t b = L->l.buf_of[nx_result(g, o, i)];
		const nxg_piece *pc = b == NX_NONE ? NULL : nxg_split_find(&L->sp, b, p, true);
		if (!pc || L->l.bufs[b].end <= p + 1)
			continue; /* nobody reads it after the def piece */
		nxg_desc home, sram;
		piece_descs(L, b, pc->off, &home, &sram);
		dma(L, NXG_K_SPILL, o, &sram, &home);
	}
}

static int compute(lowering *L, uint32_t p)
{
	const nx_graph *g = L->g;
	uint32_t o = L->l.op_at[p];
	const nx_op *op = nx_opp(g, o);
	bool cpu = L->flags[p] & NX_LIVE_CPU;
	int kind = kind_of(g, o, cpu);
	uint32_t n_in = op->n_in, n_out = op->n_out;
	nxg_desc *d = nx_xmalloc((n_in + n_out) * sizeof *d); /* freed below */
	if (operands(L, p, d))
		goto fail;
	for (uint32_t i = 0; i < n_out; i++)
		if (desc_of(L, o, nx_result(g, o, i), &d[n_in + i]))
			goto fail;
	/* live-range pieces: this position's accesses go to their SRAM copy */
	for (uint32_t i = 0; i < n_in + n_out && L->sp.n; i++) {
		if (d[i].space != NXG_DRAM || nx_is_const(g, d[i].value))
			continue;
		const nxg_piece *pc = nxg_split_find(&L->sp, L->l.buf_of[d[i].value], p, i >= n_in);
		if (!pc && i < n_in && p > 0) /* the op right after the def reads the def piece */
			pc = nxg_split_find(&L->sp, L->l.buf_of[d[i].value], p - 1, true);
		if (pc)
			d[i].space = NXG_SRAM, d[i].addr = pc->off;
	}
	nxg_fields f;
	memset(&f, 0, sizeof f);
	f.act = NX_NONE;
	const nx_attr *act = nx_attr_get(g, o, "act");
	if (act && act->kind == NX_ATTR_STR)
		f.act = act->u.s;
	if (op->kind == NX_OP_CONV && nx_vtype(g, nx_operand(g, o, 1))->rank == 4)
		conv_fields(g, o, &f);
	/* tiles: extents per dim of result 0 */
	uint32_t ne;
	const int64_t *ext = nx_attr_ints(g, o, "tile", &ne);
	const nx_type *y = nx_vtype(g, nx_result(g, o, 0));
	bool split = !cpu && ext && ne == y->rank && !nxg_no_split(g, o);
	int64_t nt[4] = {1, 1, 1, 1}, te[4], yd[4];
	for (int k = 0; k < 4; k++)
		te[k] = yd[k] = d[n_in].dims[k];
	if (split && op->kind == NX_OP_CONV)
		nx_conv_tiling(g, o, nt, te);
	else if (split && (op->kind == NX_OP_MATMUL || op->kind == NX_OP_GEMM))
		nx_matmul_tiling(g, o, nt, te);
	else if (split && op->kind == NX_OP_CONV_TRANSPOSE)
		nx_convt_tiling(g, o, nt, te);
	else if (split)
		for (int k = 0; k < y->rank; k++) {
			int bk = 4 - y->rank + k; /* bchw index of dim k */
			te[bk] = ext[k] < 1 ? yd[bk] : ext[k] > yd[bk] ? yd[bk] : ext[k];
			nt[bk] = (yd[bk] + te[bk] - 1) / te[bk];
		}
	uint32_t total = (uint32_t)(nt[0] * nt[1] * nt[2] * nt[3]), idx = 0;
	for (int64_t a = 0; a < nt[0]; a++)
		for (int64_t b = 0; b < nt[1]; b++)
			for (int64_t c = 0; c < nt[2]; c++)
				for (int64_t e = 0; e < nt[3]; e++, idx++) {
					uint32_t k = nxg_task_add(L->p, cpu ? NXG_CPU : NXG_NE, kind,
								  o, n_in, n_out);
					nxg_task *t = &L->p->tasks[k];
					nxg_desc *td = nxg_task_desc(L->p, t, 0);
					memcpy(td, d, (n_in + n_out) * sizeof *d);
					t->f = f;
					t->tile = idx;
					t->n_tiles = total;
					if (!split || total == 1)
						continue;
					t->split = 1;
					int64_t r0[4] = {a * te[0], b * te[1], c * te[2], e * te[3]};
					int64_t rn[4];
					for (int q = 0; q < 4; q++)
						rn[q] = r0[q] + te[q] > yd[q] ? yd[q] - r0[q] : te[q];
					for (int q = 0; q < 4; q++)
						td[n_in].w0[q] = r0[q], td[n_in].wn[q] = rn[q];
					if (op->kind == NX_OP_CONV) {
						conv_tile(g, o, r0, rn, td, n_in, &t->f);
						continue;
					}
					if (op->kind == NX_OP_CONV_TRANSPOSE) {
						nxg_tile_convt(g, o, td, n_in, r0, rn, &t->f);
						continue;
					}
					if (!(nx_ops[op->kind].flags & NX_F_ELEMWISE) &&
					    !(nx_ops[op->kind].flags & NX_F_POOL) &&
					    op->kind != NX_OP_CONCAT) {
						nxg_tile_kind_windows(g, o, td, n_in, r0, rn);
						continue;
					}
					for (uint32_t i = 0; i < n_in; i++)
						for (int q = 0; q < 4 && td[i].space != NXG_SPACE_COUNT; q++)
							if (td[i].dims[q] == yd[q])
								td[i].w0[q] = r0[q], td[i].wn[q] = rn[q];
					if ((nx_ops[op->kind].flags & NX_F_POOL) && (nt[2] > 1 || nt[3] > 1))
						nxg_tile_pool(g, o, td, r0, rn, &t->f);
					if (op->kind == NX_OP_CONCAT)
						nxg_tile_concat(g, o, td, n_in, r0, rn);
				}
	free(d);
	return 0;
fail:
	free(d);
	return -1;
}

/* ---- events ---- */
typedef struct access {
	int64_t lo, hi;
	uint32_t task;
} access;
typedef struct alog {
	access *a;
	uint32_t n, cap;
} alog;

static void log_add(alog *g, int64_t lo, int64_t hi, uint32_t task)
{
	nx_grow((void **)&g->a, &g->cap, g->n + 1, sizeof *g->a);
	g->a[g->n++] = (access){lo, hi, task};
}

/* The latest entry of lg after task `after` overlapping [lo, hi); NX_NONE. */
static uint32_t log_find(const alog *lg, int64_t lo, int64_t hi, uint32_t after)
{
	for (uint32_t i = lg->n; i-- > 0;) {
		const access *x = &lg->a[i];
		if (after != NX_NONE && x->task <= after)
			break;
		if (x->lo < hi && lo < x->hi)
			return x->task;
	}
	return NX_NONE;
}

static void events(nxg_prog *p)
{
	/* reads and writes by (engine, space) */
	alog rd[NXG_ENGINE_COUNT][NXG_SPACE_COUNT], wr[NXG_ENGINE_COUNT][NXG_SPACE_COUNT];
	memset(rd, 0, sizeof rd);
	memset(wr, 0, sizeof wr);
	uint32_t synced[NXG_ENGINE_COUNT][NXG_ENGINE_COUNT];
	memset(synced, 0xff, sizeof synced);
	/* Waits must stay contiguous per task: gather them first, then rebuild. */
	uint32_t *wait_of = nx_xmalloc((size_t)(p->n_tasks ? p->n_tasks : 1) * 3 * sizeof *wait_of);
	for (uint32_t k = 0; k < p->n_tasks; k++) {
		nxg_task *t = &p->tasks[k];
		uint32_t best[NXG_ENGINE_COUNT];
		for (int e = 0; e < NXG_ENGINE_COUNT; e++)
			best[e] = NX_NONE;
		for (uint32_t i = 0; i < (uint32_t)t->n_in + t->n_out; i++) {
			const nxg_desc *d = nxg_task_desc(p, t, i);
			if (d->space >= NXG_SPACE_COUNT)
				continue;
			bool w = i >= t->n_in;
			int64_t lo = d->addr, hi = d->addr + nxg_desc_extent(d);
			for (int e = 0; e < NXG_ENGINE_COUNT; e++) {
				if (e == t->engine)
					continue;
				uint32_t s = synced[t->engine][e];
				uint32_t x = log_find(&wr[e][d->space], lo, hi, s);
				if (w) {
					uint32_t y = log_find(&rd[e][d->space], lo, hi, s);
					if (y != NX_NONE && (x == NX_NONE || y > x))
						x = y;
				}
				if (x != NX_NONE && (best[e] == NX_NONE || x > best[e]))
					best[e] = x;
			}
		}
		for (int e = 0; e < NXG_ENGINE_COUNT; e++) {
			wait_of[k * 3 + e] = best[e];
			if (best[e] != NX_NONE)
				synced[t->engine][e] = best[e];
		}
		for (uint32_t i = 0; i < (uint32_t)t->n_in + t->n_out; i++) {
			const nxg_desc *d = nxg_task_desc(p, t, i);
			if (d->space >= NXG_SPACE_COUNT)
				continue;
			alog *lg = i >= t->n_in ? &wr[t->engine][d->space] : &rd[t->engine][d->space];
			log_add(lg, d->addr, d->addr + nxg_desc_extent(d), k);
		}
	}
	for (int e = 0; e < NXG_ENGINE_COUNT; e++)
		for (int s = 0; s < NXG_SPACE_COUNT; s++)
			free(rd[e][s].a), free(wr[e][s].a);
	/* Event numbers in issue order of the signalling tasks. */
	uint32_t *ev = nx_xmalloc((size_t)(p->n_tasks ? p->n_tasks : 1) * sizeof *ev);
	memset(ev, 0xff, (size_t)p->n_tasks * sizeof *ev);
	for (uint32_t k = 0; k < p->n_tasks * 3; k++)
		if (wait_of[k] != NX_NONE)
			ev[wait_of[k]] = 0;
	p->n_events = 0;
	for (uint32_t k = 0; k < p->n_tasks; k++)
		if (ev[k] == 0)
			p->tasks[k].signal = ev[k] = p->n_events++;
	p->n_waits = 0;
	for (uint32_t k = 0; k < p->n_tasks; k++) {
		p->tasks[k].w0 = p->n_waits;
		p->tasks[k].n_wait = 0;
		for (int e = 0; e < NXG_ENGINE_COUNT; e++)
			if (wait_of[k * 3 + e] != NX_NONE)
				nxg_task_wait(p, k, ev[wait_of[k * 3 + e]]);
	}
	free(ev);
	free(wait_of);
}

int nxg_lower(const nx_graph *g, const nx_target *t, const nxg_opts *o, nxg_prog **out,
	      nx_err *err)
{
	nxg_opts def = {.alloc = NXG_ALLOC_RECORDED};
	if (!o)
		o = &def;
	*out = NULL;
	NX_FOR_OPS(g, op) {
		const nx_op *x = nx_opp(g, op);
		for (uint32_t i = 0; i < (uint32_t)x->n_in + x->n_out; i++) {
			uint32_t v = i < x->n_in ? nx_operand(g, op, i) : nx_result(g, op, i - x->n_in);
			if (v != NX_NONE && (g->vals[v].type == 0 ||
					     nx_vtype(g, v)->dtype >= NX_DTYPE_COUNT)) {
				nx_err_set(err, "op %%%s (%s): the type of %%%s is not known (run "
					   "shape inference first)", res_name(g, op), nx_op_name(g, op),
					   nx_vname(g, v));
				return -1;
			}
		}
	}
	lowering L;
	memset(&L, 0, sizeof L);
	L.g = g;
	L.t = t;
	L.err = err;
	L.p = nxg_prog_new();
	snprintf(L.p->alloc, sizeof L.p->alloc, "%s", nxg_alloc_name(o->alloc));
	snprintf(L.p->target, sizeof L.p->target, "%s", t->name);
	nx_live_graph(g, NULL, 0, t, &L.l);
	uint32_t np = L.l.n_pos;
	L.flags = nx_xcalloc(np ? np : 1, 1);
	L.kslot = nx_xmalloc((np ? np : 1) * sizeof *L.kslot);
	L.caddr = nx_xmalloc((g->n_vals ? g->n_vals : 1) * sizeof *L.caddr);
	memset(L.caddr, 0xff, (size_t)g->n_vals * sizeof *L.caddr);
	for (uint32_t p = 0; p < np; p++) {
		uint32_t op = L.l.op_at[p];
		L.kslot[p] = -1;
		if (nx_target_on_cpu(g, op, t))
			L.flags[p] |= NX_LIVE_CPU;
		if (nx_target_op_is_view(g, op, t))
			L.flags[p] |= NX_LIVE_VIEW;
	}
	int rc = place(&L, o);
	if (!rc && o->overlap_bug)
		overlap_bug(&L);
	for (uint32_t b = 0; b < L.l.n_bufs && !rc; b++)
		if (L.l.bufs[b].level == NX_DRAM)
			L.dram_top = L.dram_top > L.l.bufs[b].offset + L.l.bufs[b].size
				     ? L.dram_top : L.l.bufs[b].offset + L.l.bufs[b].size;
	L.dram_top = roundup(L.dram_top, t->align);
	/* next_fetch[p]: the first position after p whose op fetches */
	uint32_t *next = nx_xmalloc((np ? np : 1) * sizeof *next);
	for (uint32_t p = np, nf = NX_NONE; p-- > 0;) {
		next[p] = nf;
		if (fetches(&L, p))
			nf = p;
	}
	for (uint32_t p = 0; p < np && !rc; p++) {
		if (L.sp.n)
			fills(&L, p + 1); /* the next op's values, while this one computes */
		if (!makes_task(&L, p))
			continue;
		if (fetches(&L, p))
			fetch(&L, p);
		if (!(L.flags[p] & NX_LIVE_CPU) && next[p] != NX_NONE)
			fetch(&L, next[p]); /* the next op's weights while this one computes */
		rc = compute(&L, p);
		if (!rc && L.sp.n)
			spills(&L, p);
	}
	free(next);
	nxg_prog *p = L.p;
	/* graph inputs and outputs */
	if (!rc) {
		p->n_in = g->n_inputs;
		p->n_out = g->n_outputs;
		p->io = nx_xcalloc(p->n_in + p->n_out + 1, sizeof *p->io);
		for (uint32_t i = 0; i < g->n_inputs + g->n_outputs && !rc; i++) {
			uint32_t v = i < g->n_inputs ? g->inputs[i] : g->outputs[i - g->n_inputs];
			rc = desc_of(&L, g->vals[v].producer, v, &p->io[i]);
		}
	}
	p->space[NXG_SRAM] = t->sram;
	p->space[NXG_KMEM] = t->kmem;
	p->space[NXG_DRAM] = L.dram_top > 0 ? L.dram_top : t->align;
	if (!rc)
		events(p);
	nxg_split_free(&L.sp);
	free(L.flags);
	free(L.kslot);
	free(L.caddr);
	nx_live_free(&L.l);
	if (rc) {
		nxg_prog_free(p);
		return -1;
	}
	*out = p;
	return 0;
}
