/* exec.c — runs a program on byte arrays, one per memory space (SRAM of
 * the target's size, DRAM with the weight image, the kernel window).
 *
 * Engines: each runs its tasks in issue order; a task starts when every
 * event it waits on has been signalled. The DMA engine runs ahead as far
 * as its waits allow, then the CPU, then the NE, so a fetch that is not
 * held back by a wait overwrites the kernel window before the NE has read
 * it: a missing wait is a clobbered read (named by the tags, check.c) or a
 * wrong output, not a silent success. That order depends on the program
 * alone, so it is worked out once when the executor opens (plan_order),
 * and the byte-ownership tags are kept along it then (check_order): every
 * run follows the same order and so would find the same tags. A program
 * that cannot move on is refused at open, naming the first stuck task and
 * the task that should signal its event.
 *
 * An NE or CPU task gathers its operands from the bytes at its descriptors
 * (window, strides) into dense tensors, calls the reference kernel of its op
 * (nx_eval_op: the interpreter's own code, so the outputs must equal `nex
 * run`'s bit for bit), and scatters the results back; windows that lie
 * densely are read and written in place, and element-wise ops, conv tiles
 * and concats run in place on windows that do not (the run form, conv
 * windows, concat in place below). A tile task runs its op on the tile: a
 * one-op scratch graph with the tile's operand shapes (and for a conv the
 * tile's pads and groups), built once per task (or shared by the tiles of
 * one op that have the same shape: same_scratch). A DMA task copies the
 * window of its source descriptor to its destination.
 */
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nxg.h"

typedef struct exec {
	const nxg_prog *p;
	nx_graph *g;
	uint8_t *mem[NXG_SPACE_COUNT];
	nx_graph **scratch;   /* by task: the tile's one-op graph, or NULL */
	uint32_t *sop;        /* by task: its op in scratch */
	uint8_t *sborrow;     /* by task: scratch is another task's (same_scratch) */
	nx_graph **runs;      /* by task: the op on one run of its windows (run
			       * form, exec_runs), or NULL */
	uint32_t *rop;        /* by task: its op in runs */
	uint8_t *cat;         /* by task: 1 + the bchw dim a concat in place joins
			       * along (exec_concat), or 0 */
	uint8_t *rlev;        /* by task: the dim its runs start from (bits 0-1),
			       * 4 if they take the row padding in (exec_runs) */
	nx_pool *pool;        /* the kernels' threads, as many as nx_run's */
	bool check;           /* the tags were checked at open (not with no_check) */
	uint32_t *order;      /* the tasks in the order the engines run them */
	uint32_t *step;       /* by step: how many tasks of order run together */
	uint32_t n_steps;
	bool reload;          /* the weight image is loaded every run, not once */
	uint8_t **slot_mem;   /* scratch by slot (scratch_init) */
	int64_t *slot_bytes;
	uint32_t *slot_of;    /* by task: its slot */
	uint32_t n_slots;
	nx_err *err;
} exec;

/* The logical type of desc d's window: d->type_of's type with the dims the
 * window keeps (rank <= 4: bchw are its last dims), layout plain. */
static nx_type win_type(const exec *x, const nxg_desc *d)
{
	nx_type t = *nx_vtype(x->g, d->type_of);
	t.layout = NX_LAYOUT_PLAIN;
	t.dtype = d->dtype;
	if (t.rank <= 4)
		for (int k = 0; k < t.rank; k++)
			t.dims[k] = d->wn[4 - t.rank + k];
	return t;
}

/* Copies the window of d between memory and dense bytes (to_mem: scatter). */
static void move(exec *x, const nxg_desc *d, void *dense, bool to_mem)
{
	uint8_t *base = x->mem[d->space] + d->addr, *q = dense;
	size_t n = (size_t)d->wn[3] * nx_dtype_size(d->dtype);
	int64_t elem = (int64_t)nx_dtype_size(d->dtype);
	for (int64_t b = 0; b < d->wn[0]; b++)
		for (int64_t c = 0; c < d->wn[1]; c++) {
			uint8_t *pl = base + ((d->w0[0] + b) * d->dims[1] + d->w0[1] + c) * d->plane;
			for (int64_t h = 0; h < d->wn[2]; h++, q += n) {
				uint8_t *r = pl + (d->w0[2] + h) * d->row + d->w0[3] * elem;
				if (to_mem)
					memcpy(r, q, n);
				else
					memcpy(q, r, n);
			}
		}
}

/* If the window of d lies in memory as one dense run (no row or plane
 * padding inside it: a whole unpadded tensor, or a tile of whole planes or
 * whole rows), the offset of its first byte from the space's start; else
 * -1. Such a window is read and written in place. */
static int64_t dense_off(const nxg_desc *d)
{
	int64_t elem = (int64_t)nx_dtype_size(d->dtype);
	int64_t stride[4] = {d->dims[1] * d->plane, d->plane, d->row, elem};
	int64_t want = d->wn[3] * elem;
	for (int q = 2; q >= 0; q--) {
		if (d->wn[q] > 1 && stride[q] != want)
			return -1;
		want *= d->wn[q];
	}
	return d->addr + d->w0[0] * stride[0] + d->w0[1] * stride[1] + d->w0[2] * stride[2] +
	       d->w0[3] * elem;
}

static int64_t win_bytes(const nxg_desc *d)
{
	return d->wn[0] * d->wn[1] * d->wn[2] * d->wn[3] * (int64_t)nx_dtype_size(d->dtype);
}

/* Whether tile tasks j and k of one op would build the same scratch
 * graph: the same window types and, for a conv, the same pads and groups.
 * A resize tile carries where it lies (build_scratch), so is never the
 * same. Then k borrows j's graph: one graph per task was most of the open
 * time of a many-tile program (48 % of `nex exec` on 262,144 matmul tiles,
 * malloc in nx_graph_new), while the tiles of an op mostly have one shape.
 * Tasks only read their scratch graph, as they read the whole graph. */
static bool same_scratch(const exec *x, uint32_t j, uint32_t k)
{
	const nxg_prog *p = x->p;
	const nxg_task *a = &p->tasks[j], *b = &p->tasks[k];
	if (a->op != b->op || a->kind != b->kind || a->n_in != b->n_in || a->n_out != b->n_out ||
	    nx_opp(x->g, a->op)->kind == NX_OP_RESIZE)
		return false;
	/* a conv, conv_transpose or pool tile's scratch op takes the tile's
	 * own pads and groups (build_scratch, tile_pool.c) */
	if ((a->kind == NXG_K_CONV || a->kind == NXG_K_POOL) &&
	    (a->f.pt != b->f.pt || a->f.pl != b->f.pl || a->f.pb != b->f.pb ||
	     a->f.pr != b->f.pr || a->f.groups != b->f.groups || a->f.kh != b->f.kh ||
	     a->f.kw != b->f.kw))
		return false;
	for (uint32_t i = 0; i < (uint32_t)a->n_in + a->n_out; i++) {
		const nxg_desc *da = nxg_task_desc(p, a, i), *db = nxg_task_desc(p, b, i);
		if ((da->space < NXG_SPACE_COUNT) != (db->space < NXG_SPACE_COUNT))
			return false;
		if (da->space >= NXG_SPACE_COUNT)
			continue;
		nx_type ta = win_type(x, da), tb = win_type(x, db);
		if (!nx_type_eq(&ta, &tb))
			return false;
	}
	return true;
}

/* The scratch graph of a tile task: operands typed as the windows, the
 * op's attributes with the tile's pads and groups; borrowed from task
 * `last` (the last task that built or borrowed one, NX_NONE) when they
 * are the same. */
static int build_scratch(exec *x, uint32_t k, uint32_t last)
{
	const nxg_prog *p = x->p;
	const nxg_task *t = &p->tasks[k];
	if (last != NX_NONE && same_scratch(x, last, k)) {
		x->scratch[k] = x->scratch[last];
		x->sop[k] = x->sop[last];
		x->sborrow[k] = 1;
		return 0;
	}
	nx_graph *g = x->g, *s = nx_graph_new("tile");
	uint32_t in[64];
	if (t->n_in > 64) {
		nx_graph_free(s);
		nx_err_set(x->err, "t%u: more than 64 operands", k);
		return -1;
	}
	for (uint32_t i = 0; i < t->n_in; i++) {
		const nxg_desc *d = nxg_task_desc(p, t, i);
		in[i] = NX_NONE;
		if (d->space >= NXG_SPACE_COUNT)
			continue;
		nx_type ty = win_type(x, d);
		in[i] = nx_value_new(s, NULL, nx_type_intern(s, &ty), x->err);
		nx_graph_add_input(s, in[i]);
	}
	uint32_t o = nx_op_new(s, nx_opp(g, t->op)->kind, in, t->n_in, t->n_out, NULL, NX_NONE,
			       x->err);
	nx_attr_copy_all(s, o, g, t->op);
	nx_attr_del(s, o, "tile");
	if (nxg_tile_move_kind(g, t->op) && t->n_out == 1) { /* tile_move.c */
		nx_type yt = win_type(x, nxg_task_desc(p, t, t->n_in));
		nxg_tile_move_scratch(g, t->op, s, o, &yt);
	}
	if (t->kind == NXG_K_CONV) {
		int64_t pads[4] = {t->f.pt, t->f.pl, t->f.pb, t->f.pr};
		const nxg_desc *r = nxg_task_desc(p, t, t->n_in);
		if (nx_opp(g, t->op)->kind == NX_OP_CONV_TRANSPOSE && t->n_in >= 2)
			nx_convt_tile_attrs(s, o, pads, t->f.groups, r->wn + 2);
		nx_attr_set_ints(s, o, "pads", pads, 4);
		nx_attr_set_i(s, o, "group", t->f.groups);
	}
	if (t->kind == NXG_K_POOL)
		nxg_tile_pool_scratch(s, o, t); /* the tile's pads: tile_pool.c */
	/* a resize tile (tile_kinds.c): where it lies in the whole op's
	 * output along the dims whose input it reads whole (kern_resize.c) */
	if (nx_opp(g, t->op)->kind == NX_OP_RESIZE && t->n_in >= 1) {
		const nxg_desc *xd = nxg_task_desc(p, t, 0), *r = nxg_task_desc(p, t, t->n_in);
		int rank = nx_vtype(g, nx_result(g, t->op, 0))->rank;
		int64_t from[4], of[4], n[4];
		for (int j = 0; j < rank && rank <= 4; j++) {
			int q = 4 - rank + j;
			bool win = xd->wn[q] != xd->dims[q]; /* its own input window */
			from[j] = win ? 0 : r->w0[q];
			of[j] = win ? r->wn[q] : r->dims[q];
			n[j] = r->wn[q];
		}
		if (rank <= 4) {
			nx_attr_set_ints(s, o, "tile_from", from, (uint32_t)rank);
			nx_attr_set_ints(s, o, "tile_of", of, (uint32_t)rank);
			nx_attr_set_ints(s, o, "tile_n", n, (uint32_t)rank);
		}
	}
	char a[160];
	if (nx_infer_op(s, o, x->err)) {
		nx_err_prefix(x->err, "%s tile %u: ", nxg_task_str(p, g, k, a, sizeof a), t->tile);
		nx_graph_free(s);
		return -1;
	}
	for (uint32_t i = 0; i < t->n_out; i++) {
		const nxg_desc *d = nxg_task_desc(p, t, t->n_in + i);
		nx_type want = win_type(x, d), got = *nx_vtype(s, nx_result(s, o, i));
		got.layout = want.layout;
		if (!nx_type_eq(&want, &got)) {
			char w[128], h[128];
			nx_type_str(&want, w, sizeof w);
			nx_type_str(&got, h, sizeof h);
			nx_err_set(x->err, "%s tile %u: the tile's operands give %s, its result "
				   "window is %s", nxg_task_str(p, g, k, a, sizeof a), t->tile, h, w);
			nx_graph_free(s);
			return -1;
		}
	}
	x->scratch[k] = s;
	x->sop[k] = o;
	return 0;
}

/* ---- run form: an element-wise op in place, run by run ------------------
 *
 * A row tile of a [1,C,H,W] tensor is C runs of rows, one per channel,
 * a plane apart. The gather and scatter of such windows were most of the
 * executor's time on det (its element-wise adds and muls go by row tiles,
 * 325 MB of windows; the interpreter computes those ops whole). For a
 * per-element op whose operands either have the result's window or are
 * one element per run (a per-channel scale [1,C,1,1] beside a row tile,
 * or a scalar), the op is applied run by run, each run read and written
 * in place: the same elements and the same per-element arithmetic, so the
 * same bits.
 *
 * A run is the window's dense part from dim lev on (whole planes, whole
 * rows). When that is short (rows of 40 floats padded to 48: the 64-byte
 * rule), a run is instead one plane's rows with the row padding between
 * them (`padded`): every operand that follows the result has the result's
 * row stride, so element (h, w) is at the same index of every run, and the
 * padding the kernel computes over lies in the result's own rows (the
 * window spans whole rows), bytes no reader takes as data. */

/* Runs shorter than this are gathered instead (a padded row of 40 floats
 * would be one kernel call per row). */
#define RUN_MIN 256

static void desc_strides(const nxg_desc *d, int64_t st[4])
{
	st[3] = (int64_t)nx_dtype_size(d->dtype);
	st[2] = d->row;
	st[1] = d->plane;
	st[0] = d->dims[1] * d->plane;
}

/* The first dim of d's window from which on the window is dense (3: not
 * even two rows are one run). */
static int dense_from(const nxg_desc *d)
{
	int64_t st[4];
	desc_strides(d, st);
	int64_t want = st[3] * d->wn[3];
	int lev = 3;
	for (int q = 2; q >= 0; q--) {
		if (d->wn[q] > 1 && st[q] != want)
			break;
		want *= d->wn[q];
		lev = q;
	}
	return lev;
}

/* Byte offset of run r of d's window, runs from dim lev, r counted over
 * the result's window rn: dims below lev where d's window has the
 * result's extent follow r, the others (an operand broadcast there) stay
 * at d's window start; from lev on, the run starts at the window start. */
static int64_t run_off(const nxg_desc *d, int lev, int64_t r, const int64_t *rn)
{
	int64_t st[4], off = d->addr;
	desc_strides(d, st);
	for (int q = 3; q >= 0; q--) {
		int64_t i = d->w0[q];
		if (q < lev) {
			if (d->wn[q] == rn[q])
				i += r % rn[q];
			r /= rn[q];
		}
		off += i * st[q];
	}
	return off;
}

/* Bytes [lo, hi) that d's window spans. */
static void span(const nxg_desc *d, int64_t *lo, int64_t *hi)
{
	int64_t st[4];
	desc_strides(d, st);
	*lo = *hi = d->addr;
	for (int q = 0; q < 4; q++) {
		*lo += d->w0[q] * st[q];
		*hi += (d->w0[q] + d->wn[q] - 1) * st[q];
	}
	*hi += st[3];
}

/* Whether d's window is one element per run from dim lev on, against the
 * result's window rn: extent 1 from lev on, and below lev either rn's
 * extent or 1 (broadcast). */
static bool per_run(const nxg_desc *d, int lev, const int64_t *rn)
{
	for (int q = 0; q < 4; q++)
		if (q >= lev ? d->wn[q] != 1 : d->wn[q] != rn[q] && d->wn[q] != 1)
			return false;
	return true;
}

/* The runs of task t's windows, dense ones or (padded) a plane's rows
 * with their padding: 0 and *lev, *len (elements a run, the padding
 * included); -1 if they are not all runs of at least RUN_MIN elements in
 * place (see above). */
static int plan_runs(const nxg_prog *p, const nxg_task *t, bool padded, int *lev, int64_t *len)
{
	const nxg_desc *r = nxg_task_desc(p, t, t->n_in);
	int64_t elem = (int64_t)nx_dtype_size(r->dtype), rowe = r->row / elem;
	int l;
	if (padded) {
		/* one plane's rows; the gaps between them the result's padding */
		if (r->w0[3] || r->wn[3] != r->dims[3] || r->row % elem || r->wn[2] < 2 ||
		    2 * r->wn[3] < rowe)
			return -1; /* (nor rows more padding than data: [C,H,1]) */
		l = 2;
		*len = (r->wn[2] - 1) * rowe + r->wn[3];
	} else {
		l = dense_from(r);
	}
	for (uint32_t i = 0; i < t->n_in; i++) {
		const nxg_desc *d = nxg_task_desc(p, t, i);
		if (d->space >= NXG_SPACE_COUNT || per_run(d, l, r->wn))
			continue;
		if (memcmp(d->wn, r->wn, sizeof d->wn))
			return -1;
		if (padded) {
			int64_t e = (int64_t)nx_dtype_size(d->dtype);
			if (d->row % e || d->row / e != rowe)
				return -1;
		} else {
			int dl = dense_from(d);
			l = dl > l ? dl : l;
		}
	}
	if (!padded) {
		*len = 1;
		for (int q = l; q < 4; q++)
			*len *= r->wn[q];
	}
	*lev = l;
	return *len >= RUN_MIN ? 0 : -1;
}

/* Builds the run form of task k when it has one (else leaves it NULL): a
 * per-element op whose windows make runs (plan_runs), the result's bytes
 * clear of the operands'. */
static void build_runs(exec *x, uint32_t k)
{
	const nxg_prog *p = x->p;
	const nxg_task *t = &p->tasks[k];
	nx_graph *g = x->g;
	if (!(nx_ops[nx_opp(g, t->op)->kind].flags & NX_F_ELEMWISE) || t->n_out != 1 ||
	    t->n_in > 64)
		return;
	const nxg_desc *r = nxg_task_desc(p, t, t->n_in);
	if (r->space >= NXG_SPACE_COUNT || dense_off(r) >= 0)
		return; /* a dense result: the task runs in place already */
	int64_t rlo, rhi, len;
	span(r, &rlo, &rhi);
	for (uint32_t i = 0; i < t->n_in; i++) {
		const nxg_desc *d = nxg_task_desc(p, t, i);
		int64_t lo, hi;
		if (d->space >= NXG_SPACE_COUNT)
			continue;
		span(d, &lo, &hi);
		if (d->space == r->space && lo < rhi && rlo < hi)
			return;
	}
	int lev;
	bool padded = false;
	if (plan_runs(p, t, false, &lev, &len)) {
		padded = true;
		if (plan_runs(p, t, true, &lev, &len))
			return;
	}
	nx_graph *s = nx_graph_new("run");
	uint32_t in[64];
	for (uint32_t i = 0; i < t->n_in; i++) {
		const nxg_desc *d = nxg_task_desc(p, t, i);
		in[i] = NX_NONE;
		if (d->space >= NXG_SPACE_COUNT)
			continue;
		nx_type ty = win_type(x, d);
		ty.rank = 1;
		ty.dims[0] = per_run(d, lev, r->wn) ? 1 : len;
		in[i] = nx_value_new(s, NULL, nx_type_intern(s, &ty), x->err);
		nx_graph_add_input(s, in[i]);
	}
	uint32_t o = nx_op_new(s, nx_opp(g, t->op)->kind, in, t->n_in, 1, NULL, NX_NONE, x->err);
	nx_attr_copy_all(s, o, g, t->op);
	nx_attr_del(s, o, "tile");
	nx_err e;
	const nx_type *rt = nx_infer_op(s, o, &e) ? NULL : nx_vtype(s, nx_result(s, o, 0));
	if (!rt || rt->rank != 1 || rt->dims[0] != len || rt->dtype != r->dtype) {
		nx_graph_free(s); /* not per element after all: the gathering form runs */
		return;
	}
	x->runs[k] = s;
	x->rop[k] = o;
	x->rlev[k] = (uint8_t)(lev | (padded ? 4 : 0));
}

/* Runs [lo, hi) of task k in its run form, each on this thread (pool
 * NULL) or split by the kernel over pool. */
typedef struct runs_job {
	exec *x;
	uint32_t k;
	nx_pool *pool;
	int rc;
	nx_err err;
	atomic_int failed;
} runs_job;

static void runs_part(void *ctx, int64_t lo, int64_t hi)
{
	runs_job *jb = ctx;
	exec *x = jb->x;
	const nxg_prog *p = x->p;
	const nxg_task *t = &p->tasks[jb->k];
	nx_graph *s = x->runs[jb->k];
	uint32_t o = x->rop[jb->k], n_in = t->n_in;
	int lev = x->rlev[jb->k] & 3;
	const nxg_desc *r = nxg_task_desc(p, t, n_in);
	nx_tensor in[65], out;
	for (uint32_t i = 0; i < n_in; i++) {
		in[i].data = NULL;
		if (nxg_task_desc(p, t, i)->space < NXG_SPACE_COUNT)
			in[i].type = *nx_vtype(s, nx_operand(s, o, i));
	}
	for (int64_t j = lo; j < hi; j++) {
		for (uint32_t i = 0; i < n_in; i++) {
			const nxg_desc *d = nxg_task_desc(p, t, i);
			if (d->space < NXG_SPACE_COUNT)
				in[i].data = x->mem[d->space] + run_off(d, lev, j, r->wn);
		}
		void *dest = x->mem[r->space] + run_off(r, lev, j, r->wn);
		nx_err e;
		if (nx_eval_op_into(s, o, in, &out, &dest, jb->pool, &e)) {
			/* the first failure is kept: one writer */
			if (!atomic_exchange(&jb->failed, 1)) {
				jb->err = e;
				jb->rc = -1;
			}
			return;
		}
	}
}

/* Task k in its run form (build_runs). On a pool, many runs are spread
 * over its threads, each run whole on one (the kernels split by shapes
 * only, so the bits are those of one thread); a few runs each take the
 * pool. A row tile of a 20x20 op has a run per channel (a few hundred
 * elements, too few for the kernel to split), so without the spread an
 * element-wise op ran on one thread of two. */
static int exec_runs(exec *x, uint32_t k, nx_pool *pool, nx_err *err)
{
	const nxg_prog *p = x->p;
	const nxg_task *t = &p->tasks[k];
	int lev = x->rlev[k] & 3;
	const nxg_desc *r = nxg_task_desc(p, t, t->n_in);
	int64_t nrun = 1;
	for (int q = 0; q < lev; q++)
		nrun *= r->wn[q];
	runs_job jb = {.x = x, .k = k};
	atomic_init(&jb.failed, 0);
	if (pool && nrun >= 8) {
		nx_pool_for(pool, nrun, runs_part, &jb);
	} else {
		jb.pool = pool;
		runs_part(&jb, 0, nrun);
	}
	if (jb.rc)
		*err = jb.err;
	return jb.rc;
}

/* Runs NE or CPU task k's kernel on pool (NULL: this thread), errors into
 * err. Operands whose windows lie densely in memory are read in place, the
 * others gathered. A result whose window lies densely, of the bytes the
 * kernel gives and clear of the operands read in place, is written by the
 * kernel straight into memory; the others are computed into a tensor and
 * scattered. Touches memory only inside the task's windows and no tags, so
 * tasks with disjoint results (the tiles of one op) may run at once. */
/* Whether d's window is whole rows of float planes of one image, each
 * channel's rows one dense run: a conv reads or writes it in place with
 * channel stride plane (nx_eval_conv_window). */
static bool conv_window(const nxg_desc *d)
{
	return d->space < NXG_SPACE_COUNT && d->dtype == NX_F32 && d->wn[0] == 1 &&
	       d->w0[3] == 0 && d->wn[3] == d->dims[3] && d->row == d->dims[3] * 4 &&
	       d->plane % 4 == 0;
}

/* Conv or conv_transpose tile task k run in place: its operand and result
 * windows are read and written where they lie, as the interpreter's tiles
 * are (conv_tile.c, convt_tile.c);
 * 1 if the task is not such a tile (the caller runs it by gathering). */
static int exec_conv_window(exec *x, uint32_t k, nx_err *err)
{
	const nxg_prog *p = x->p;
	const nxg_task *t = &p->tasks[k];
	int kind = nx_opp(x->g, t->op)->kind;
	if (t->kind != NXG_K_CONV || !x->scratch[k] || t->n_out != 1 || t->n_in < 2 ||
	    t->n_in > 3 || (kind != NX_OP_CONV && kind != NX_OP_CONV_TRANSPOSE))
		return 1;
	const nxg_desc *xd = nxg_task_desc(p, t, 0), *yd = nxg_task_desc(p, t, t->n_in);
	if (!conv_window(xd) || !conv_window(yd))
		return 1;
	int64_t xlo, xhi, ylo, yhi;
	span(xd, &xlo, &xhi);
	span(yd, &ylo, &yhi);
	if (xd->space == yd->space && xlo < yhi && ylo < xhi)
		return 1;
	nx_tensor in[3], y;
	memset(in, 0, sizeof in);
	for (uint32_t i = 1; i < t->n_in; i++) {
		const nxg_desc *d = nxg_task_desc(p, t, i);
		if (d->space >= NXG_SPACE_COUNT)
			continue;
		int64_t off = dense_off(d);
		if (off < 0 || d->dtype != NX_F32)
			return 1;
		int64_t lo, hi;
		span(d, &lo, &hi);
		if (d->space == yd->space && lo < yhi && ylo < hi)
			return 1;
		in[i].type = win_type(x, d);
		in[i].data = x->mem[d->space] + off;
	}
	in[0].type = win_type(x, xd);
	in[0].data = x->mem[xd->space] + run_off(xd, 2, 0, xd->wn);
	y.type = win_type(x, yd);
	y.data = x->mem[yd->space] + run_off(yd, 2, 0, yd->wn);
	int64_t st[4] = {xd->plane / 4, xd->dims[1] * xd->plane / 4, yd->plane / 4,
			 yd->dims[1] * yd->plane / 4};
	int rc = kind == NX_OP_CONV_TRANSPOSE /* core convt_tile.c */
			 ? nx_eval_convt_window(x->scratch[k], x->sop[k], in, t->n_in, &y, st, err)
			 : nx_eval_conv_window(x->scratch[k], x->sop[k], in, t->n_in, &y, st, err);
	return rc ? -1 : 0;
}

/* ---- concat in place -----------------------------------------------------
 *
 * A concat (a row tile of one, or whole) whose operands each hold the whole
 * concat axis is its operands' windows copied, row by row, into the
 * stretches of the result's window they fill: the bytes the kernel would
 * copy, without gathering the operands and scattering the result. */

/* Copies the window of s onto the window of d (same extents and element
 * size), one memcpy per row. */
static void copy_win(exec *x, const nxg_desc *d, const nxg_desc *s)
{
	int64_t dst[4], sst[4];
	desc_strides(d, dst);
	desc_strides(s, sst);
	size_t n = (size_t)(s->wn[3] * sst[3]);
	for (int64_t b = 0; b < s->wn[0]; b++)
		for (int64_t c = 0; c < s->wn[1]; c++)
			for (int64_t h = 0; h < s->wn[2]; h++) {
				int64_t i[3] = {b, c, h}, so = s->addr + s->w0[3] * sst[3],
					dof = d->addr + d->w0[3] * dst[3];
				for (int q = 0; q < 3; q++) {
					so += (s->w0[q] + i[q]) * sst[q];
					dof += (d->w0[q] + i[q]) * dst[q];
				}
				memcpy(x->mem[d->space] + dof, x->mem[s->space] + so, n);
			}
}

/* The bchw dim task k's concat joins along, if it runs in place (else -1):
 * operands of the result's dtype and window but along that dim, each
 * whole along it, together the result's whole extent, clear of the
 * result's bytes. */
static int concat_dim(const exec *x, uint32_t k)
{
	const nxg_prog *p = x->p;
	const nxg_task *t = &p->tasks[k];
	const nx_graph *g = x->g;
	if (nx_opp(g, t->op)->kind != NX_OP_CONCAT || t->n_out != 1 || !t->n_in)
		return -1;
	const nxg_desc *r = nxg_task_desc(p, t, t->n_in);
	int rank = nx_vtype(g, nx_result(g, t->op, 0))->rank;
	int64_t axis = nx_attr_i(g, t->op, "axis", 0);
	if (axis < 0)
		axis += rank;
	if (r->space >= NXG_SPACE_COUNT || rank > 4 || axis < 0 || axis >= rank)
		return -1;
	int q = 4 - rank + (int)axis;
	int64_t rlo, rhi, sum = 0;
	span(r, &rlo, &rhi);
	if (r->wn[q] != r->dims[q])
		return -1;
	for (uint32_t i = 0; i < t->n_in; i++) {
		const nxg_desc *d = nxg_task_desc(p, t, i);
		int64_t lo, hi;
		if (d->space >= NXG_SPACE_COUNT || d->dtype != r->dtype || d->wn[q] != d->dims[q])
			return -1;
		for (int j = 0; j < 4; j++)
			if (j != q && d->wn[j] != r->wn[j])
				return -1;
		span(d, &lo, &hi);
		if (d->space == r->space && lo < rhi && rlo < hi)
			return -1;
		sum += d->wn[q];
	}
	return sum == r->wn[q] ? q : -1;
}

static void exec_concat(exec *x, uint32_t k)
{
	const nxg_prog *p = x->p;
	const nxg_task *t = &p->tasks[k];
	int q = x->cat[k] - 1;
	nxg_desc part = *nxg_task_desc(p, t, t->n_in);
	for (uint32_t i = 0; i < t->n_in; i++) {
		const nxg_desc *d = nxg_task_desc(p, t, i);
		if (d->space >= NXG_SPACE_COUNT)
			continue; /* a concat tile's operand it does not reach */
		part.wn[q] = d->wn[q];
		copy_win(x, &part, d);
		part.w0[q] += d->wn[q];
	}
}

/* ---- scratch: the gathered windows' bytes, kept between runs --------------
 *
 * A window that is not dense is gathered into scratch bytes (an operand) or
 * computed there and scattered (a result). Fresh buffers of a few MB each
 * time cost page faults on every run (a tenth of a det run); the scratch is
 * made once per slot instead: the tasks of one step run at once, the i-th
 * on slot i, so slot i holds the most any step's i-th task needs. */

#define SCRATCH_ALIGN 64

static int64_t round_up(int64_t n)
{
	return (n + SCRATCH_ALIGN - 1) / SCRATCH_ALIGN * SCRATCH_ALIGN;
}

/* Scratch bytes task k takes at most: its windows that are not dense
 * (a DMA's both, when one is not). */
static int64_t scratch_need(const exec *x, uint32_t k)
{
	const nxg_prog *p = x->p;
	const nxg_task *t = &p->tasks[k];
	if (t->engine == NXG_DMA) {
		const nxg_desc *s = nxg_task_desc(p, t, 0), *d = nxg_task_desc(p, t, 1);
		return dense_off(s) >= 0 && dense_off(d) >= 0 ? 0 : round_up(win_bytes(s));
	}
	if (x->runs[k] || x->cat[k])
		return 0;
	int64_t n = 0;
	for (uint32_t i = 0; i < (uint32_t)t->n_in + t->n_out; i++) {
		const nxg_desc *d = nxg_task_desc(p, t, i);
		/* a dense result clashing with an operand read in place is
		 * computed in scratch too */
		if (d->space < NXG_SPACE_COUNT && (i >= t->n_in || dense_off(d) < 0))
			n += round_up(win_bytes(d));
	}
	return n;
}

/* Makes the slots' scratch (after plan_order). */
static void scratch_init(exec *x)
{
	const nxg_prog *p = x->p;
	uint32_t most = 0;
	for (uint32_t s = 0; s < x->n_steps; s++)
		most = x->step[s] > most ? x->step[s] : most;
	x->n_slots = most;
	x->slot_bytes = nx_xcalloc(most + 1, sizeof *x->slot_bytes);
	x->slot_mem = nx_xcalloc(most + 1, sizeof *x->slot_mem);
	x->slot_of = nx_xcalloc(p->n_tasks + 1, sizeof *x->slot_of);
	for (uint32_t s = 0, at = 0; s < x->n_steps; at += x->step[s++])
		for (uint32_t i = 0; i < x->step[s]; i++) {
			uint32_t k = x->order[at + i];
			int64_t n = scratch_need(x, k);
			x->slot_of[k] = i;
			if (n > x->slot_bytes[i])
				x->slot_bytes[i] = n;
		}
	for (uint32_t i = 0; i < most; i++) /* all freed by nxg_exec_close */
		x->slot_mem[i] = nx_xmalloc((size_t)(x->slot_bytes[i] ? x->slot_bytes[i] : 1));
}

/* n bytes of task k's slot after *used, or NULL when they do not fit. */
static void *scratch_take(exec *x, uint32_t k, int64_t *used, int64_t n)
{
	uint32_t i = x->slot_of[k];
	n = round_up(n ? n : 1);
	if (i >= x->n_slots || *used + n > x->slot_bytes[i])
		return NULL;
	void *m = x->slot_mem[i] + *used;
	*used += n;
	return m;
}

static int task_compute(exec *x, uint32_t k, nx_pool *pool, nx_err *err)
{
	if (x->runs[k])
		return exec_runs(x, k, pool, err);
	if (x->cat[k]) {
		exec_concat(x, k);
		return 0;
	}
	int cw = exec_conv_window(x, k, err);
	if (cw <= 0)
		return cw;
	const nxg_prog *p = x->p;
	const nxg_task *t = &p->tasks[k];
	nx_graph *g = x->scratch[k] ? x->scratch[k] : x->g;
	uint32_t op = x->scratch[k] ? x->sop[k] : t->op;
	uint32_t n_in = t->n_in, n_out = t->n_out;
	/* all freed below */
	nx_tensor *in = nx_xcalloc(n_in + 1, sizeof *in), *out = nx_xcalloc(n_out + 1, sizeof *out);
	bool *alias = nx_xcalloc(n_in + 1, sizeof *alias);
	int64_t *at = nx_xcalloc(n_in + 1, sizeof *at);
	void **dest = nx_xcalloc(n_out + 1, sizeof *dest);
	bool *inner = nx_xcalloc(n_out + 1, sizeof *inner); /* dest[i] is scratch */
	bool *scr = nx_xcalloc(n_in + 1, sizeof *scr); /* in[i] is scratch */
	int64_t used = 0; /* of the slot's scratch */
	for (uint32_t i = 0; i < n_in; i++) {
		const nxg_desc *d = nxg_task_desc(p, t, i);
		if (d->space >= NXG_SPACE_COUNT)
			continue;
		nx_type ty = win_type(x, d);
		int64_t off = dense_off(d);
		if (off >= 0) {
			/* operands are const to the kernel */
			in[i].type = ty;
			in[i].data = x->mem[d->space] + off;
			alias[i] = true;
			at[i] = off;
			continue;
		}
		in[i].type = ty;
		in[i].data = scratch_take(x, k, &used, win_bytes(d));
		if (!in[i].data)
			in[i] = nx_tensor_empty(&ty);
		else
			scr[i] = true; /* the slot's: not freed */
		move(x, d, in[i].data, false);
	}
	for (uint32_t i = 0; i < n_out; i++) {
		const nxg_desc *d = nxg_task_desc(p, t, n_in + i);
		const nx_type *rt = nx_vtype(g, nx_result(g, op, i));
		int64_t off = dense_off(d), n = win_bytes(d);
		if (off < 0 || rt->dtype != d->dtype || nx_type_bytes(rt) != n)
			continue;
		bool clear = true;
		for (uint32_t q = 0; q < n_in && clear; q++) {
			const nxg_desc *s = nxg_task_desc(p, t, q);
			clear = !alias[q] || s->space != d->space || at[q] + win_bytes(s) <= off ||
				off + n <= at[q];
		}
		if (clear)
			dest[i] = x->mem[d->space] + off;
	}
	/* the others into scratch, scattered after */
	for (uint32_t i = 0; i < n_out; i++) {
		const nxg_desc *d = nxg_task_desc(p, t, n_in + i);
		const nx_type *rt = nx_vtype(g, nx_result(g, op, i));
		if (dest[i] || rt->dtype != d->dtype || nx_type_bytes(rt) != win_bytes(d))
			continue;
		dest[i] = scratch_take(x, k, &used, win_bytes(d));
		inner[i] = dest[i] != NULL;
	}
	int rc = nx_eval_op_into(g, op, in, out, dest, pool, err);
	for (uint32_t i = 0; !rc && i < n_out; i++) {
		if (dest[i] && !inner[i])
			continue;
		const nxg_desc *d = nxg_task_desc(p, t, n_in + i);
		if ((int64_t)nx_tensor_nbytes(&out[i]) != win_bytes(d)) {
			char a[160];
			nx_err_set(err, "%s: result %u is %zu bytes, its window %lld",
				   nxg_task_str(p, x->g, k, a, sizeof a), i, nx_tensor_nbytes(&out[i]),
				   (long long)win_bytes(d));
			rc = -1;
			break;
		}
		move(x, d, out[i].data, true);
	}
	for (uint32_t i = 0; i < n_out; i++)
		if (!dest[i] || out[i].data != dest[i])
			nx_tensor_free(&out[i]); /* NULL after a failed kernel: free(NULL) */
	for (uint32_t i = 0; i < n_in; i++)
		if (!alias[i] && !scr[i])
			nx_tensor_free(&in[i]);
	free(dest);
	free(inner);
	free(scr);
	free(at);
	free(alias);
	free(in);
	free(out);
	return rc;
}

static int run_task(exec *x, uint32_t k, nxg_exec_stats *st)
{
	const nxg_prog *p = x->p;
	const nxg_task *t = &p->tasks[k];
	if (t->engine == NXG_DMA) {
		const nxg_desc *s = nxg_task_desc(p, t, 0), *d = nxg_task_desc(p, t, 1);
		int64_t n = win_bytes(s);
		if (n != win_bytes(d)) {
			char a[160];
			nx_err_set(x->err, "%s: source window is %lld bytes, destination %lld",
				   nxg_task_str(p, x->g, k, a, sizeof a), (long long)n,
				   (long long)win_bytes(d));
			return -1;
		}
		int64_t so = dense_off(s), dof = dense_off(d);
		if (so >= 0 && dof >= 0) {
			/* both dense: one copy (memmove: a program may move
			 * within a space) */
			memmove(x->mem[d->space] + dof, x->mem[s->space] + so, (size_t)n);
		} else {
			int64_t used = 0;
			void *tmp = scratch_take(x, k, &used, n), *own = NULL;
			if (!tmp)
				tmp = own = nx_xmalloc((size_t)(n ? n : 1)); /* freed below */
			move(x, s, tmp, false);
			move(x, d, tmp, true);
			free(own);
		}
		st->dma_bytes += n;
		return 0;
	}
	return task_compute(x, k, x->pool, x->err);
}

/* Whether tasks ks[0..n) all have a run form: then they run one after
 * another, each spread over the pool by runs (exec_runs), which balances
 * the threads where n tiles on them would not (3 tiles on 2 threads). */
static bool all_runs(const exec *x, const uint32_t *ks, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (!x->runs[ks[i]])
			return false;
	return true;
}

static int run_tasks(exec *x, const uint32_t *ks, uint32_t n, nxg_exec_stats *st)
{
	int rc = 0;
	for (uint32_t i = 0; i < n && !rc; i++)
		rc = run_task(x, ks[i], st);
	return rc;
}

/* The tiles ks[0..n) of one op, ready together: each tile whole on one
 * thread of the pool, the tiles at once. Kernels split their work by
 * shapes only, so a tile has the same bits on one thread as on many. */
typedef struct group_job {
	exec *x;
	const uint32_t *ks;
	nx_err *err;
	int *rc;
} group_job;

static void group_part(void *ctx, int64_t lo, int64_t hi)
{
	group_job *j = ctx;
	for (int64_t i = lo; i < hi; i++)
		j->rc[i] = task_compute(j->x, j->ks[i], NULL, &j->err[i]);
}

static int run_group(exec *x, const uint32_t *ks, uint32_t n)
{
	/* freed below */
	group_job j = {x, ks, nx_xcalloc(n, sizeof *j.err), nx_xcalloc(n, sizeof *j.rc)};
	nx_pool_for(x->pool, n, group_part, &j);
	int rc = 0;
	for (uint32_t i = 0; i < n && !rc; i++)
		if (j.rc[i]) {
			*x->err = j.err[i];
			rc = -1;
		}
	free(j.err);
	free(j.rc);
	return rc;
}

/* Whether task k's waits are all met. */
static bool ready(const nxg_prog *p, uint32_t k, const bool *done_ev)
{
	const nxg_task *tk = &p->tasks[k];
	for (uint32_t i = 0; i < tk->n_wait; i++) {
		uint32_t ev = p->waits[tk->w0 + i];
		if (ev >= p->n_events || !done_ev[ev])
			return false;
	}
	return true;
}

/* The error for a program that cannot move on: the first stuck task, an
 * event it waits on and the task that should signal it. */
static void stuck(exec *x, const uint32_t *head, const bool *done_ev, nx_err *err)
{
	const nxg_prog *p = x->p;
	uint32_t k = NX_NONE;
	for (int e = 0; e < NXG_ENGINE_COUNT; e++)
		if (head[e] != NX_NONE && (k == NX_NONE || head[e] < k))
			k = head[e];
	const nxg_task *t = &p->tasks[k];
	char a[160], b[160];
	for (uint32_t i = 0; i < t->n_wait; i++) {
		uint32_t ev = p->waits[t->w0 + i];
		if (ev < p->n_events && done_ev[ev])
			continue;
		uint32_t s = NX_NONE;
		for (uint32_t j = 0; j < p->n_tasks && s == NX_NONE; j++)
			if (p->tasks[j].signal == ev)
				s = j;
		if (s == NX_NONE)
			nx_err_set(err, "%s waits on e%u, which no task signals",
				   nxg_task_str(p, x->g, k, a, sizeof a), ev);
		else
			nx_err_set(err, "%s waits on e%u, but %s, which signals it, cannot run "
				   "before it (it waits itself, or comes later on its engine)",
				   nxg_task_str(p, x->g, k, a, sizeof a), ev,
				   nxg_task_str(p, x->g, s, b, sizeof b));
		return;
	}
	nx_err_set(err, "%s cannot run", nxg_task_str(p, x->g, k, a, sizeof a));
}

/* The order the engines run the tasks in, worked out once at open: it
 * depends on the program only (the events, the engines' queues, whether
 * there is a pool), never on the data, so every run follows it. Each
 * engine runs its tasks in issue order, a task when the events it waits on
 * are signalled; the DMA engine goes first as far as its waits allow, then
 * the CPU, then the NE, so a fetch that no wait holds back overwrites the
 * kernel window before the NE has read it. With a pool, an op's next
 * tiles on one engine that are ready together form one step (run at once).
 * -1 + err naming the first stuck task and its signaller. */
static int plan_order(exec *x, nx_err *err)
{
	const nxg_prog *p = x->p;
	uint32_t *queue = nx_xmalloc((p->n_tasks + 1) * sizeof *queue); /* freed below */
	uint32_t qn[NXG_ENGINE_COUNT] = {0}, q0[NXG_ENGINE_COUNT], qi[NXG_ENGINE_COUNT] = {0};
	for (uint32_t k = 0; k < p->n_tasks; k++)
		qn[p->tasks[k].engine]++;
	q0[0] = 0;
	for (int e = 1; e < NXG_ENGINE_COUNT; e++)
		q0[e] = q0[e - 1] + qn[e - 1];
	{
		uint32_t fill[NXG_ENGINE_COUNT];
		memcpy(fill, q0, sizeof fill);
		for (uint32_t k = 0; k < p->n_tasks; k++)
			queue[fill[p->tasks[k].engine]++] = k;
	}
	bool *done_ev = nx_xcalloc(p->n_events + 1, sizeof *done_ev); /* freed below */
	static const int engines[NXG_ENGINE_COUNT] = {NXG_DMA, NXG_CPU, NXG_NE};
	uint32_t left = p->n_tasks, at = 0;
	x->n_steps = 0;
	int rc = 0;
	while (left && !rc) {
		bool moved = false;
		for (int oi = 0; oi < NXG_ENGINE_COUNT; oi++) {
			int e = engines[oi];
			while (qi[e] < qn[e]) {
				const uint32_t *head = &queue[q0[e] + qi[e]];
				const nxg_task *tk = &p->tasks[*head];
				if (!ready(p, *head, done_ev))
					break;
				/* the op's next tiles on this engine that are ready
				 * now (not waiting on one of these) run together */
				uint32_t n = 1;
				while (x->pool && e != NXG_DMA && tk->split && qi[e] + n < qn[e] &&
				       p->tasks[head[n]].split && p->tasks[head[n]].op == tk->op &&
				       ready(p, head[n], done_ev))
					n++;
				memcpy(&x->order[at], head, n * sizeof *head);
				at += n;
				x->step[x->n_steps++] = n;
				for (uint32_t i = 0; i < n; i++) {
					uint32_t sg = p->tasks[head[i]].signal;
					if (sg != NX_NONE && sg < p->n_events)
						done_ev[sg] = true;
				}
				qi[e] += n;
				left -= n;
				moved = true;
			}
		}
		if (!moved) {
			uint32_t head[NXG_ENGINE_COUNT];
			for (int e = 0; e < NXG_ENGINE_COUNT; e++)
				head[e] = qi[e] < qn[e] ? queue[q0[e] + qi[e]] : NX_NONE;
			stuck(x, head, done_ev, err);
			rc = -1;
		}
	}
	free(done_ev);
	free(queue);
	return rc;
}

/* The byte-ownership tags (check.c) kept in the planned order, once at
 * open: the constants and inputs as the loader writes them, then each
 * step's reads checked before its writes (the tiles of one step do not
 * read each other's results), then the outputs read. The tags depend on
 * the descriptors and that order only, so this is the check every run
 * would make, made once: a read of bytes that another value overwrote (two
 * live buffers on the same bytes, or a missing wait that lets a DMA clobber
 * weights before the NE read them) fails here, naming the reader, the value
 * and the writer, before anything executes. */
static int check_order(exec *x, const nx_target *t, nx_err *err)
{
	const nxg_prog *p = x->p;
	nxg_tags tg;
	nxg_tags_init(&tg, p, t->align);
	for (uint32_t c = 0; c < p->n_consts; c++) {
		const nxg_const *cn = &p->consts[c];
		nxg_desc d = {.space = NXG_DRAM, .value = cn->value, .addr = cn->addr,
			      .dims = {1, 1, 1, 1}, .row = cn->bytes, .plane = cn->bytes};
		nxg_tags_write(&tg, &d, NX_NONE);
	}
	for (uint32_t i = 0; i < p->n_in; i++)
		nxg_tags_write(&tg, &p->io[i], NX_NONE);
	int rc = 0;
	for (uint32_t s = 0, at = 0; s < x->n_steps && !rc; at += x->step[s++]) {
		for (uint32_t j = at; j < at + x->step[s] && !rc; j++) {
			const nxg_task *tk = &p->tasks[x->order[j]];
			for (uint32_t i = 0; i < tk->n_in && !rc; i++) {
				const nxg_desc *d = nxg_task_desc(p, tk, i);
				if (d->space < NXG_SPACE_COUNT)
					rc = nxg_tags_read(&tg, p, x->g, d, x->order[j], err);
			}
		}
		for (uint32_t j = at; j < at + x->step[s] && !rc; j++) {
			const nxg_task *tk = &p->tasks[x->order[j]];
			for (uint32_t i = tk->n_in; i < (uint32_t)tk->n_in + tk->n_out; i++)
				nxg_tags_write(&tg, nxg_task_desc(p, tk, i), x->order[j]);
		}
	}
	for (uint32_t i = 0; i < p->n_out && !rc; i++)
		rc = nxg_tags_read(&tg, p, x->g, &p->io[p->n_in + i], NX_NONE, err);
	nxg_tags_free(&tg);
	return rc;
}

/* Whether some task writes over the weight image (then each run reloads
 * it; else it is loaded once at open). */
static bool writes_weights(const nxg_prog *p)
{
	int64_t lo = INT64_MAX, hi = INT64_MIN;
	for (uint32_t c = 0; c < p->n_consts; c++) {
		lo = p->consts[c].addr < lo ? p->consts[c].addr : lo;
		hi = p->consts[c].addr + p->consts[c].bytes > hi ? p->consts[c].addr + p->consts[c].bytes
								  : hi;
	}
	for (uint32_t k = 0; k < p->n_tasks; k++) {
		const nxg_task *t = &p->tasks[k];
		for (uint32_t i = t->n_in; i < (uint32_t)t->n_in + t->n_out; i++) {
			const nxg_desc *d = nxg_task_desc(p, t, i);
			int64_t a, b;
			if (d->space != NXG_DRAM)
				continue;
			span(d, &a, &b);
			if (a < hi && lo < b)
				return true;
		}
	}
	return false;
}

static void load_weights(exec *x)
{
	const nxg_prog *p = x->p;
	for (uint32_t k = 0; k < p->n_consts; k++) {
		const nxg_const *cn = &p->consts[k];
		memcpy(x->mem[NXG_DRAM] + cn->addr, nx_blob_data(nx_const_blob(x->g, cn->value)),
		       (size_t)cn->bytes);
	}
}

/* An executor loaded with a program: checked once, its run order, memory
 * image and tile graphs kept between runs (nxg_exec_run). */
struct nxg_exec_ctx {
	exec x;
	const nx_target *t;
	uint64_t runs;  /* runs so far */
};

void nxg_exec_close(nxg_exec_ctx *c)
{
	if (!c)
		return;
	exec *x = &c->x;
	for (uint32_t k = 0; x->scratch && k < x->p->n_tasks; k++) {
		if (!x->sborrow[k])
			nx_graph_free(x->scratch[k]);
		nx_graph_free(x->runs[k]);
	}
	free(x->scratch);
	free(x->sop);
	free(x->sborrow);
	free(x->runs);
	free(x->rop);
	free(x->rlev);
	free(x->cat);
	free(x->order);
	free(x->step);
	for (uint32_t i = 0; i < x->n_slots; i++)
		free(x->slot_mem[i]);
	free(x->slot_mem);
	free(x->slot_bytes);
	free(x->slot_of);
	nx_pool_free(x->pool);
	for (int s = 0; s < NXG_SPACE_COUNT; s++)
		free(x->mem[s]);
	free(c);
}

int nxg_exec_open(const nxg_prog *p, nx_graph *g, const nx_target *t, const nxg_exec_opts *o,
		  nxg_exec_ctx **out, nx_err *err)
{
	nxg_exec_opts def = {0};
	if (!o)
		o = &def;
	*out = NULL;
	/* Bounds are checked even when the checker is bypassed: they keep the
	 * executor's own memory safe, the checker is about the program. */
	if (!o->no_check && nxg_check(p, g, t, err))
		return -1;
	for (uint32_t i = 0; i < p->n_in + p->n_out; i++)
		if (nxg_desc_check(p, g, &p->io[i], NX_NONE, 1, err))
			return -1;
	for (uint32_t k = 0; k < p->n_tasks; k++)
		for (uint32_t i = 0; i < (uint32_t)p->tasks[k].n_in + p->tasks[k].n_out; i++) {
			const nxg_desc *d = nxg_task_desc(p, &p->tasks[k], i);
			if (d->space < NXG_SPACE_COUNT && nxg_desc_check(p, g, d, k, 1, err))
				return -1;
		}
	for (uint32_t c = 0; c < p->n_consts; c++) {
		const nxg_const *cn = &p->consts[c];
		if (cn->value >= g->n_vals || !nx_is_const(g, cn->value) ||
		    (int64_t)nx_blob_nbytes(nx_const_blob(g, cn->value)) != cn->bytes ||
		    cn->addr < 0 || cn->addr > p->space[NXG_DRAM] - cn->bytes) {
			nx_err_set(err, "constant #%u does not match a constant of the graph or lies "
				   "outside DRAM", c);
			return -1;
		}
		if (!nx_blob_data(nx_const_blob(g, cn->value))) {
			nx_err_set(err, "constant %%%s has no data", nx_vname(g, cn->value));
			return -1;
		}
	}
	nxg_exec_ctx *c = nx_xcalloc(1, sizeof *c); /* caller frees with nxg_exec_close */
	exec *x = &c->x;
	c->t = t;
	int threads = o->threads;
	if (threads <= 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		threads = n > 0 ? (int)(n > 64 ? 64 : n) : 1;
	}
	x->pool = threads > 1 ? nx_pool_new(threads) : NULL;
	x->p = p;
	x->g = g;
	x->err = err;
	x->check = !o->no_check;
	/* these and the rest below: freed by nxg_exec_close */
	x->order = nx_xcalloc(p->n_tasks + 1, sizeof *x->order);
	x->step = nx_xcalloc(p->n_tasks + 1, sizeof *x->step);
	x->scratch = nx_xcalloc(p->n_tasks + 1, sizeof *x->scratch);
	x->sop = nx_xcalloc(p->n_tasks + 1, sizeof *x->sop);
	x->sborrow = nx_xcalloc(p->n_tasks + 1, sizeof *x->sborrow);
	x->runs = nx_xcalloc(p->n_tasks + 1, sizeof *x->runs);
	x->rop = nx_xcalloc(p->n_tasks + 1, sizeof *x->rop);
	x->rlev = nx_xcalloc(p->n_tasks + 1, sizeof *x->rlev);
	x->cat = nx_xcalloc(p->n_tasks + 1, sizeof *x->cat);
	if (plan_order(x, err) || (x->check && check_order(x, t, err))) {
		nxg_exec_close(c);
		return -1;
	}
	for (uint32_t k = 0, last = NX_NONE; k < p->n_tasks; k++) {
		/* a concat tile along its axis (tile_concat.c) runs in place */
		int cq = nxg_tile_concat_dim(p, g, k, err);
		bool scr = p->tasks[k].split && cq < 0;
		if (cq < -1 || (scr && build_scratch(x, k, last))) {
			nxg_exec_close(c);
			return -1;
		}
		if (scr)
			last = k;
		if (p->tasks[k].engine != NXG_DMA) {
			build_runs(x, k);
			x->cat[k] = (uint8_t)((cq >= 0 ? cq : concat_dim(x, k)) + 1);
		}
	}
	scratch_init(x);
	for (int s = 0; s < NXG_SPACE_COUNT; s++)
		x->mem[s] = nx_xcalloc((size_t)(p->space[s] ? p->space[s] : 1), 1);
	/* Unchecked, every run zeroes the spaces (so that no run reads what
	 * the last one left), and reloads the weights with them. */
	x->reload = !x->check || writes_weights(p);
	if (!x->reload)
		load_weights(x);
	*out = c;
	return 0;
}

int nxg_exec_run(nxg_exec_ctx *c, const nx_tensor *inputs, uint32_t n_inputs,
		 nx_tensor **outputs, nxg_exec_stats *st, nx_err *err)
{
	exec *x = &c->x;
	const nxg_prog *p = x->p;
	nx_graph *g = x->g;
	nxg_exec_stats st0;
	if (!st)
		st = &st0;
	memset(st, 0, sizeof *st);
	*outputs = NULL;
	double t0 = nx_now();
	x->err = err;
	if (n_inputs != p->n_in) {
		nx_err_set(err, "the program takes %u inputs, %u given", p->n_in, n_inputs);
		return -1;
	}
	for (uint32_t i = 0; i < p->n_in; i++) {
		const nxg_desc *d = &p->io[i];
		if ((int64_t)nx_tensor_nbytes(&inputs[i]) != win_bytes(d) ||
		    inputs[i].type.dtype != d->dtype) {
			nx_err_set(err, "input %u (%%%s): %zu bytes of %s given, %lld bytes of %s wanted",
				   i, nx_vname(g, d->type_of), nx_tensor_nbytes(&inputs[i]),
				   nx_dtype_name(inputs[i].type.dtype), (long long)win_bytes(d),
				   nx_dtype_name(d->dtype));
			return -1;
		}
	}
	/* As nx_run does: OpenBLAS single-threaded (the kernels' pieces are
	 * the pool's threads). */
	nx_blas_one_thread();
	/* Checked at open, the program reads only bytes this run wrote (or the
	 * loader did) whatever the last run left, so the spaces are not
	 * cleared between runs. Unchecked, nothing says so: the spaces are
	 * zeroed again (37 MB on det), so that a run never reads what the last
	 * one left. */
	if (!x->check && c->runs)
		for (int s = 0; s < NXG_SPACE_COUNT; s++)
			memset(x->mem[s], 0, (size_t)(p->space[s] ? p->space[s] : 1));
	c->runs++;
	if (x->reload)
		load_weights(x);
	for (uint32_t i = 0; i < p->n_in; i++)
		move(x, &p->io[i], inputs[i].data, true);
	/* the engines, in the order planned at open */
	int rc = 0;
	for (uint32_t s = 0, at = 0; s < x->n_steps && !rc; at += x->step[s++]) {
		uint32_t n = x->step[s];
		rc = n > 1 && !all_runs(x, &x->order[at], n) ? run_group(x, &x->order[at], n)
							     : run_tasks(x, &x->order[at], n, st);
		for (uint32_t i = 0; i < n; i++)
			st->tasks[p->tasks[x->order[at + i]].engine]++;
	}
	/* the outputs */
	if (!rc) {
		nx_tensor *out = nx_xcalloc(p->n_out + 1, sizeof *out);
		for (uint32_t i = 0; i < p->n_out; i++) {
			const nxg_desc *d = &p->io[p->n_in + i];
			nx_type ty = win_type(x, d);
			out[i] = nx_tensor_empty(&ty);
			move(x, d, out[i].data, false);
		}
		*outputs = out;
	}
	st->seconds = nx_now() - t0;
	return rc;
}

int nxg_exec(const nxg_prog *p, nx_graph *g, const nx_target *t, const nx_tensor *inputs,
	     uint32_t n_inputs, const nxg_exec_opts *o, nx_tensor **outputs,
	     nxg_exec_stats *st, nx_err *err)
{
	double t0 = nx_now();
	nxg_exec_ctx *c;
	*outputs = NULL;
	if (st)
		memset(st, 0, sizeof *st);
	if (nxg_exec_open(p, g, t, o, &c, err))
		return -1;
	int rc = nxg_exec_run(c, inputs, n_inputs, outputs, st, err);
	nxg_exec_close(c);
	if (st)
		st->seconds = nx_now() - t0;
	return rc;
}
