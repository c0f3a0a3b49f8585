/* exec.c — runs a program on byte arrays, one per memory space (SRAM of
 * the target's size, DRAM with the weight image, the kernel window).
 *
 * Engines: each runs its tasks in issue order; a task starts when every
 * event it waits on has been signalled. The loop lets the DMA engine run
 * ahead as far as its waits allow, then the CPU, then the NE, so a fetch
 * that is not held back by a wait overwrites the kernel window before the
 * NE has read it: a missing wait is a clobbered read (named by the tags,
 * check.c) or a wrong output, not a silent success. When no engine can
 * move, the first stuck task and the task that should signal its event are
 * named.
 *
 * An NE or CPU task gathers its operands from the bytes at its descriptors
 * (window, strides) into dense tensors, calls the reference kernel of its op
 * (nx_eval_op: the interpreter's own code, so the outputs must equal `nex
 * run`'s bit for bit), and scatters the results back. A tile task runs its
 * op on the tile: a one-op scratch graph with the tile's operand shapes (and
 * for a conv the tile's pads and groups), built once per task. A DMA task
 * copies the window of its source descriptor to its destination.
 */
#include <cblas.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nxg.h"

typedef struct exec {
	const nxg_prog *p;
	nx_graph *g;
	uint8_t *mem[NXG_SPACE_COUNT];
	nxg_tags tg;
	nx_graph **scratch;   /* by task: the tile's one-op graph, or NULL */
	uint32_t *sop;        /* by task: its op in scratch */
	nx_pool *pool;        /* the kernels' threads, as many as nx_run's */
	bool check;           /* tags checked on every read (not with no_check) */
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

/* True if d's window is the whole tensor with no padding: its bytes are
 * the dense tensor as they lie. */
static bool packed(const nxg_desc *d)
{
	int64_t elem = (int64_t)nx_dtype_size(d->dtype);
	for (int k = 0; k < 4; k++)
		if (d->w0[k] || d->wn[k] != d->dims[k])
			return false;
	return d->row == d->dims[3] * elem && d->plane == d->row * d->dims[2];
}

static int64_t win_bytes(const nxg_desc *d)
{
	return d->wn[0] * d->wn[1] * d->wn[2] * d->wn[3] * (int64_t)nx_dtype_size(d->dtype);
}

/* The scratch graph of a tile task: operands typed as the windows, the
 * op's attributes with the tile's pads and groups. */
static int build_scratch(exec *x, uint32_t k)
{
	const nxg_prog *p = x->p;
	const nxg_task *t = &p->tasks[k];
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
	if (t->kind == NXG_K_CONV) {
		int64_t pads[4] = {t->f.pt, t->f.pl, t->f.pb, t->f.pr};
		nx_attr_set_ints(s, o, "pads", pads, 4);
		nx_attr_set_i(s, o, "group", t->f.groups);
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

static int run_task(exec *x, uint32_t k, nxg_exec_stats *st)
{
	const nxg_prog *p = x->p;
	const nxg_task *t = &p->tasks[k];
	for (uint32_t i = 0; i < t->n_in; i++) {
		const nxg_desc *d = nxg_task_desc(p, t, i);
		if (x->check && d->space < NXG_SPACE_COUNT &&
		    nxg_tags_read(&x->tg, p, x->g, d, k, x->err))
			return -1;
	}
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
		void *tmp = nx_xmalloc((size_t)(n ? n : 1)); /* freed below */
		move(x, s, tmp, false);
		move(x, d, tmp, true);
		free(tmp);
		nxg_tags_write(&x->tg, d, k);
		st->dma_bytes += n;
		return 0;
	}
	uint32_t n_in = t->n_in, n_out = t->n_out;
	nx_tensor *in = nx_xcalloc(n_in + 1, sizeof *in), *out = nx_xcalloc(n_out + 1, sizeof *out);
	bool *alias = nx_xcalloc(n_in + 1, sizeof *alias);
	for (uint32_t i = 0; i < n_in; i++) {
		const nxg_desc *d = nxg_task_desc(p, t, i);
		if (d->space >= NXG_SPACE_COUNT)
			continue;
		nx_type ty = win_type(x, d);
		if (packed(d)) {
			/* the bytes already are the dense tensor: the kernel reads
			 * them in place (operands are const to it) */
			in[i].type = ty;
			in[i].data = x->mem[d->space] + d->addr;
			alias[i] = true;
			continue;
		}
		in[i] = nx_tensor_empty(&ty);
		move(x, d, in[i].data, false);
	}
	int rc;
	if (x->scratch[k])
		rc = nx_eval_op_pool(x->scratch[k], x->sop[k], in, out, x->pool, x->err);
	else
		rc = nx_eval_op_pool(x->g, t->op, in, out, x->pool, x->err);
	for (uint32_t i = 0; !rc && i < n_out; i++) {
		const nxg_desc *d = nxg_task_desc(p, t, n_in + i);
		if ((int64_t)nx_tensor_nbytes(&out[i]) != win_bytes(d)) {
			char a[160];
			nx_err_set(x->err, "%s: result %u is %zu bytes, its window %lld",
				   nxg_task_str(p, x->g, k, a, sizeof a), i, nx_tensor_nbytes(&out[i]),
				   (long long)win_bytes(d));
			rc = -1;
			break;
		}
		move(x, d, out[i].data, true);
		nxg_tags_write(&x->tg, d, k);
	}
	for (uint32_t i = 0; i < n_out; i++)
		nx_tensor_free(&out[i]); /* NULL after a failed kernel: free(NULL) */
	for (uint32_t i = 0; i < n_in; i++)
		if (!alias[i])
			nx_tensor_free(&in[i]);
	free(alias);
	free(in);
	free(out);
	return rc;
}

/* The error for a program that cannot move on: the first stuck task, an
 * event it waits on and the task that should signal it. */
static void stuck(exec *x, const uint32_t *head, const bool *done_ev)
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
			nx_err_set(x->err, "%s waits on e%u, which no task signals",
				   nxg_task_str(p, x->g, k, a, sizeof a), ev);
		else
			nx_err_set(x->err, "%s waits on e%u, but %s, which signals it, cannot run "
				   "before it (it waits itself, or comes later on its engine)",
				   nxg_task_str(p, x->g, k, a, sizeof a), ev,
				   nxg_task_str(p, x->g, s, b, sizeof b));
		return;
	}
	nx_err_set(x->err, "%s cannot run", nxg_task_str(p, x->g, k, a, sizeof a));
}

int nxg_exec(const nxg_prog *p, nx_graph *g, const nx_target *t, const nx_tensor *inputs,
	     uint32_t n_inputs, const nxg_exec_opts *o, nx_tensor **outputs,
	     nxg_exec_stats *st, nx_err *err)
{
	nxg_exec_opts def = {0};
	nxg_exec_stats st0;
	if (!o)
		o = &def;
	if (!st)
		st = &st0;
	memset(st, 0, sizeof *st);
	*outputs = NULL;
	double t0 = nx_now();
	if (n_inputs != p->n_in) {
		nx_err_set(err, "the program takes %u inputs, %u given", p->n_in, n_inputs);
		return -1;
	}
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
	/* As nx_run does: OpenBLAS single-threaded, so that sgemm sums in the
	 * same order as under the interpreter (its blocking follows its
	 * thread count). */
	openblas_set_num_threads(1);
	exec x;
	memset(&x, 0, sizeof x);
	int threads = o->threads;
	if (threads <= 0) {
		long c = sysconf(_SC_NPROCESSORS_ONLN);
		threads = c > 0 ? (int)(c > 64 ? 64 : c) : 1;
	}
	x.pool = threads > 1 ? nx_pool_new(threads) : NULL;
	x.p = p;
	x.g = g;
	x.err = err;
	x.check = !o->no_check;
	int rc = 0;
	for (int s = 0; s < NXG_SPACE_COUNT; s++)
		x.mem[s] = nx_xcalloc((size_t)(p->space[s] ? p->space[s] : 1), 1);
	nxg_tags_init(&x.tg, p, t->align);
	x.scratch = nx_xcalloc(p->n_tasks + 1, sizeof *x.scratch);
	x.sop = nx_xcalloc(p->n_tasks + 1, sizeof *x.sop);
	for (uint32_t k = 0; k < p->n_tasks && !rc; k++)
		if (p->tasks[k].split)
			rc = build_scratch(&x, k);
	/* the weight image and the inputs */
	for (uint32_t c = 0; c < p->n_consts && !rc; c++) {
		const nxg_const *cn = &p->consts[c];
		if (cn->value >= g->n_vals || !nx_is_const(g, cn->value) ||
		    (int64_t)nx_blob_nbytes(nx_const_blob(g, cn->value)) != cn->bytes ||
		    cn->addr < 0 || cn->addr > p->space[NXG_DRAM] - cn->bytes) {
			nx_err_set(err, "constant #%u does not match a constant of the graph or lies "
				   "outside DRAM", c);
			rc = -1;
			break;
		}
		const void *data = nx_blob_data(nx_const_blob(g, cn->value));
		if (!data) {
			nx_err_set(err, "constant %%%s has no data", nx_vname(g, cn->value));
			rc = -1;
			break;
		}
		memcpy(x.mem[NXG_DRAM] + cn->addr, data, (size_t)cn->bytes);
		nxg_desc d = {.space = NXG_DRAM, .value = cn->value, .addr = cn->addr,
			      .dims = {1, 1, 1, 1}, .row = cn->bytes, .plane = cn->bytes};
		nxg_tags_write(&x.tg, &d, NX_NONE);
	}
	for (uint32_t i = 0; i < p->n_in && !rc; i++) {
		const nxg_desc *d = &p->io[i];
		if ((int64_t)nx_tensor_nbytes(&inputs[i]) != win_bytes(d) ||
		    inputs[i].type.dtype != d->dtype) {
			nx_err_set(err, "input %u (%%%s): %zu bytes of %s given, %lld bytes of %s wanted",
				   i, nx_vname(g, d->type_of), nx_tensor_nbytes(&inputs[i]),
				   nx_dtype_name(inputs[i].type.dtype), (long long)win_bytes(d),
				   nx_dtype_name(d->dtype));
			rc = -1;
			break;
		}
		move(&x, d, inputs[i].data, true);
		nxg_tags_write(&x.tg, d, NX_NONE);
	}
	/* the engines */
	uint32_t *queue = nx_xmalloc((p->n_tasks + 1) * sizeof *queue), qn[NXG_ENGINE_COUNT] = {0};
	uint32_t q0[NXG_ENGINE_COUNT], qi[NXG_ENGINE_COUNT] = {0};
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
	bool *done_ev = nx_xcalloc(p->n_events + 1, sizeof *done_ev);
	static const int order[NXG_ENGINE_COUNT] = {NXG_DMA, NXG_CPU, NXG_NE};
	uint32_t left = p->n_tasks;
	while (left && !rc) {
		bool moved = false;
		for (int oi = 0; oi < NXG_ENGINE_COUNT && !rc; oi++) {
			int e = order[oi];
			while (qi[e] < qn[e] && !rc) {
				uint32_t k = queue[q0[e] + qi[e]];
				const nxg_task *tk = &p->tasks[k];
				bool ready = true;
				for (uint32_t i = 0; i < tk->n_wait && ready; i++) {
					uint32_t ev = p->waits[tk->w0 + i];
					ready = ev < p->n_events && done_ev[ev];
				}
				if (!ready)
					break;
				rc = run_task(&x, k, st);
				if (tk->signal != NX_NONE && tk->signal < p->n_events)
					done_ev[tk->signal] = true;
				st->tasks[e]++;
				qi[e]++;
				left--;
				moved = true;
			}
		}
		if (!moved && !rc) {
			uint32_t head[NXG_ENGINE_COUNT];
			for (int e = 0; e < NXG_ENGINE_COUNT; e++)
				head[e] = qi[e] < qn[e] ? queue[q0[e] + qi[e]] : NX_NONE;
			stuck(&x, head, done_ev);
			rc = -1;
		}
	}
	free(done_ev);
	free(queue);
	/* the outputs */
	if (!rc) {
		nx_tensor *out = nx_xcalloc(p->n_out + 1, sizeof *out);
		for (uint32_t i = 0; i < p->n_out && !rc; i++) {
			const nxg_desc *d = &p->io[p->n_in + i];
			if (!o->no_check && nxg_tags_read(&x.tg, p, g, d, NX_NONE, err)) {
				rc = -1;
				break;
			}
			nx_type ty = win_type(&x, d);
			out[i] = nx_tensor_empty(&ty);
			move(&x, d, out[i].data, false);
		}
		if (rc) {
			for (uint32_t i = 0; i < p->n_out; i++)
				nx_tensor_free(&out[i]);
			free(out);
		} else {
			*outputs = out;
		}
	}
	for (uint32_t k = 0; k < p->n_tasks; k++)
		nx_graph_free(x.scratch[k]);
	free(x.scratch);
	free(x.sop);
	nxg_tags_free(&x.tg);
	nx_pool_free(x.pool);
	for (int s = 0; s < NXG_SPACE_COUNT; s++)
		free(x.mem[s]);
	st->seconds = nx_now() - t0;
	return rc;
}
