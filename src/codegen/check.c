/* check.c — what can be known about a program before running it, and the
 * byte-ownership tags that the executor keeps along the order it runs
 * tasks in.
 *
 * Tags: every granule (`align` bytes) of every space records the value whose
 * bytes it holds and the task that wrote them. A write tags the writer's
 * whole buffer; a read checks the reader's whole buffer. So if an allocator
 * puts two buffers that are live at the same time on the same bytes, the
 * first read of the one that was overwritten fails, naming the value, the
 * reader and the task that clobbered it. nxg_check runs the tags in issue
 * order (before anything executes); the executor runs them again, when it
 * opens, in the order its engines will run tasks (exec.c), which is how a
 * missing wait (a DMA overwriting weights an NE task has not yet read) is
 * caught by name.
 */
#include <stdlib.h>
#include <string.h>

#include "nxg.h"

const char *nxg_task_str(const nxg_prog *p, const nx_graph *g, uint32_t task, char *buf,
			 size_t n)
{
	const nxg_task *t = &p->tasks[task];
	const char *v = "?";
	if (t->op < g->n_ops && nx_opp(g, t->op)->n_out)
		v = nx_vname(g, nx_result(g, t->op, 0));
	if (t->engine == NXG_DMA && t->n_in)
		v = nx_vname(g, nxg_task_desc(p, t, 0)->value);
	snprintf(buf, n, "t%u (%s %s %%%s)", task, nxg_engine_name(t->engine),
		 nxg_kind_name(t->kind), v);
	return buf;
}

/* The tags of a space are a segment tree over its granules, so that marking
 * or checking a range costs O(log n) nodes, not one step per granule: a
 * column strip of a matmul's B (one plane whose rows span the whole
 * tensor) was 131,072 granules per tile, and nxg_tags_read 54 % of `nex
 * exec` on a 262,144-tile program. Node i (root 1) covers a power-of-two
 * range; its children are 2i and 2i + 1. A node's val (by) is the value
 * (writer) that every granule under it holds, or MIXED. A write that covers
 * a node whole sets only that node: a node uniform in both fields is the
 * truth for its whole range and its children may be stale, so a write
 * that goes below it first pushes its fields down (push); a write recomputes
 * the nodes it passed on its way back up (pull). A node that is not uniform
 * in both had its children pulled after its last whole write, so they are
 * exact; a read therefore stops at the first uniform node from the top. */
#define MIXED 0xfffffffeu /* no value or task id reaches it (ids < NX_NONE - 1) */

void nxg_tags_init(nxg_tags *tg, const nxg_prog *p, int64_t gran)
{
	memset(tg, 0, sizeof *tg);
	tg->gran = gran < 1 ? 1 : gran;
	for (int s = 0; s < NXG_SPACE_COUNT; s++) {
		tg->n[s] = (p->space[s] + tg->gran - 1) / tg->gran;
		int64_t cap = 1;
		while (cap < tg->n[s])
			cap *= 2;
		tg->cap[s] = cap;
		/* only node 1 is read before a push writes its children (see above),
		 * so calloc's pages stay untouched where no range reaches;
		 * freed with nxg_tags_free */
		tg->val[s] = nx_xcalloc((size_t)(2 * cap), sizeof *tg->val[s]);
		tg->by[s] = nx_xcalloc((size_t)(2 * cap), sizeof *tg->by[s]);
	}
	nxg_tags_reset(tg);
}

void nxg_tags_reset(nxg_tags *tg)
{
	for (int s = 0; s < NXG_SPACE_COUNT; s++)
		tg->val[s][1] = tg->by[s][1] = NX_NONE; /* the root holds it all */
}

void nxg_tags_free(nxg_tags *tg)
{
	for (int s = 0; s < NXG_SPACE_COUNT; s++) {
		free(tg->val[s]);
		free(tg->by[s]);
	}
	memset(tg, 0, sizeof *tg);
}

typedef struct tree {
	uint32_t *val, *by;
} tree;

static void push(tree *t, int64_t i)
{
	if (t->val[i] != MIXED && t->by[i] != MIXED) {
		t->val[2 * i] = t->val[2 * i + 1] = t->val[i];
		t->by[2 * i] = t->by[2 * i + 1] = t->by[i];
	}
}

static void pull(tree *t, int64_t i)
{
	t->val[i] = t->val[2 * i] == t->val[2 * i + 1] ? t->val[2 * i] : MIXED;
	t->by[i] = t->by[2 * i] == t->by[2 * i + 1] ? t->by[2 * i] : MIXED;
}

/* Granules [a, b) of node i's range [lo, hi) now hold v, written by w. */
static void assign(tree *t, int64_t i, int64_t lo, int64_t hi, int64_t a, int64_t b, uint32_t v,
		   uint32_t w)
{
	if (b <= lo || hi <= a)
		return;
	if (a <= lo && hi <= b) {
		t->val[i] = v;
		t->by[i] = w;
		return;
	}
	int64_t mid = lo + (hi - lo) / 2;
	push(t, i);
	assign(t, 2 * i, lo, mid, a, b, v, w);
	assign(t, 2 * i + 1, mid, hi, a, b, v, w);
	pull(t, i);
}

/* The first granule of [a, b) (inside node i's [lo, hi)) that does not
 * hold v, or -1. */
static int64_t first_other(const tree *t, int64_t i, int64_t lo, int64_t hi, int64_t a, int64_t b,
			   uint32_t v)
{
	if (b <= lo || hi <= a)
		return -1;
	if (t->val[i] != MIXED)
		return t->val[i] == v ? -1 : (a > lo ? a : lo);
	int64_t mid = lo + (hi - lo) / 2, r = first_other(t, 2 * i, lo, mid, a, b, v);
	return r >= 0 ? r : first_other(t, 2 * i + 1, mid, hi, a, b, v);
}

/* What granule g holds and who wrote it: the first uniform node of each
 * field on the way down. */
static void at_granule(const tree *t, int64_t cap, int64_t g, uint32_t *v, uint32_t *w)
{
	int64_t i = 1, lo = 0, hi = cap;
	*v = *w = MIXED;
	for (;;) {
		if (*v == MIXED && t->val[i] != MIXED)
			*v = t->val[i];
		if (*w == MIXED && t->by[i] != MIXED)
			*w = t->by[i];
		if ((*v != MIXED && *w != MIXED) || hi - lo == 1)
			return;
		int64_t mid = lo + (hi - lo) / 2;
		if (g < mid)
			i = 2 * i, hi = mid;
		else
			i = 2 * i + 1, lo = mid;
	}
}

/* The granules of d's window are one range [a, b) per plane (channel of a
 * batch), or the whole buffer when d has no window (wn all zero: the
 * loader's descriptors). A row tile of a 96-channel tensor is 96 such
 * ranges; the whole buffer per tile made every tile of an op check and mark
 * the whole tensor (15 tiles: 15 times the bytes), most of the executor's
 * checking time on det, and let a half-written buffer pass as written.
 * The walk steps plane by plane without a division per plane (the
 * divisions were 8 % of `nex exec` on det). */
typedef struct plane_walk {
	int64_t np0, np1;       /* planes: batch x channel of the window, or 1 x 1 */
	int64_t base, step0;    /* byte offset of plane (0, 0); per batch */
	int64_t step1;          /* per channel */
	int64_t lo, hi;         /* a plane's bytes from its offset: [lo, hi) */
} plane_walk;

static void walk_init(const nxg_desc *d, plane_walk *w)
{
	if (!(d->wn[0] && d->wn[1] && d->wn[2] && d->wn[3])) {
		*w = (plane_walk){1, 1, d->addr, 0, 0, 0, nxg_desc_extent(d)};
		return;
	}
	int64_t elem = (int64_t)nx_dtype_size(d->dtype);
	w->np0 = d->wn[0];
	w->np1 = d->wn[1];
	w->base = d->addr + (d->w0[0] * d->dims[1] + d->w0[1]) * d->plane;
	w->step0 = d->dims[1] * d->plane;
	w->step1 = d->plane;
	w->lo = d->w0[2] * d->row + d->w0[3] * elem;
	w->hi = (d->w0[2] + d->wn[2] - 1) * d->row + (d->w0[3] + d->wn[3]) * elem;
}

static void granules(const nxg_tags *tg, int space, int64_t lo, int64_t hi, int64_t *a, int64_t *b)
{
	*a = lo / tg->gran;
	*b = (hi + tg->gran - 1) / tg->gran;
	if (*b > tg->n[space])
		*b = tg->n[space];
}

void nxg_tags_write(nxg_tags *tg, const nxg_desc *d, uint32_t task)
{
	plane_walk w;
	walk_init(d, &w);
	tree t = {tg->val[d->space], tg->by[d->space]};
	for (int64_t p0 = 0; p0 < w.np0; p0++)
		for (int64_t p1 = 0; p1 < w.np1; p1++) {
			int64_t off = w.base + p0 * w.step0 + p1 * w.step1, a, b;
			granules(tg, d->space, off + w.lo, off + w.hi, &a, &b);
			if (a < b)
				assign(&t, 1, 0, tg->cap[d->space], a, b, d->value, task);
		}
}

/* Checks granules [a, b) of d's space hold d's value (see nxg_tags_read). */
static int read_range(const nxg_tags *tg, const nxg_prog *p, const nx_graph *g,
		      const nxg_desc *d, uint32_t task, int64_t a, int64_t b, nx_err *err)
{
	tree t = {tg->val[d->space], tg->by[d->space]};
	int64_t i = a < b ? first_other(&t, 1, 0, tg->cap[d->space], a, b, d->value) : -1;
	if (i < 0)
		return 0;
	uint32_t v, by;
	at_granule(&t, tg->cap[d->space], i, &v, &by);
	char r[160], w[160];
	if (task == NX_NONE)
		snprintf(r, sizeof r, "the graph output");
	else
		nxg_task_str(p, g, task, r, sizeof r);
	if (v == NX_NONE) {
		nx_err_set(err, "%s reads %%%s at %s 0x%llx, but nothing wrote byte "
			   "0x%llx before", r, nx_vname(g, d->value),
			   nxg_space_name(d->space), (unsigned long long)d->addr,
			   (unsigned long long)(i * tg->gran));
		return -1;
	}
	if (by == NX_NONE)
		snprintf(w, sizeof w, "the loader");
	else
		nxg_task_str(p, g, by, w, sizeof w);
	nx_err_set(err, "%s reads %%%s at %s 0x%llx, but byte 0x%llx holds %%%s, "
		   "written by %s: two buffers live at once share bytes, or a wait "
		   "is missing", r, nx_vname(g, d->value), nxg_space_name(d->space),
		   (unsigned long long)d->addr, (unsigned long long)(i * tg->gran),
		   nx_vname(g, v), w);
	return -1;
}

int nxg_tags_read(const nxg_tags *tg, const nxg_prog *p, const nx_graph *g, const nxg_desc *d,
		  uint32_t task, nx_err *err)
{
	plane_walk pw;
	walk_init(d, &pw);
	for (int64_t p0 = 0; p0 < pw.np0; p0++)
		for (int64_t p1 = 0; p1 < pw.np1; p1++) {
			int64_t off = pw.base + p0 * pw.step0 + p1 * pw.step1, a, b;
			granules(tg, d->space, off + pw.lo, off + pw.hi, &a, &b);
			if (read_range(tg, p, g, d, task, a, b, err))
				return -1;
		}
	return 0;
}

int nxg_desc_check(const nxg_prog *p, const nx_graph *g, const nxg_desc *d, uint32_t task,
		   int64_t gran, nx_err *err)
{
	char r[160];
	int64_t ext = nxg_desc_extent(d);
	const char *bad = NULL;
	if (d->value >= g->n_vals || d->type_of >= g->n_vals)
		bad = "names no value of the graph";
	else if (d->dtype >= NX_DTYPE_COUNT)
		bad = "has no dtype";
	else if (d->row < d->dims[3] * (int64_t)nx_dtype_size(d->dtype) ||
		 d->plane / (d->dims[2] > 0 ? d->dims[2] : 1) < d->row)
		bad = "has strides smaller than its rows";
	else if (d->addr < 0 || ext < 0 || d->addr > p->space[d->space] - ext)
		bad = "lies outside its memory space";
	else if (gran > 1 && d->addr % gran)
		bad = "is not aligned";
	for (int k = 0; k < 4 && !bad; k++)
		if (d->dims[k] < 1 || d->w0[k] < 0 || d->wn[k] < 1 || d->w0[k] + d->wn[k] > d->dims[k])
			bad = "has a window outside its dims";
	if (!bad)
		return 0;
	if (task == NX_NONE)
		snprintf(r, sizeof r, "an input/output descriptor");
	else
		nxg_task_str(p, g, task, r, sizeof r);
	nx_err_set(err, "%s: descriptor at %s 0x%llx (%lld bytes) %s (space %lld bytes)", r,
		   nxg_space_name(d->space), (unsigned long long)d->addr, (long long)ext, bad,
		   (long long)p->space[d->space < NXG_SPACE_COUNT ? d->space : 0]);
	return -1;
}

int nxg_check(const nxg_prog *p, const nx_graph *g, const nx_target *t, nx_err *err)
{
	/* events: signalled once; waited ones signalled by some task, which is
	 * not later on the waiter's own engine (that could never run first) */
	uint32_t *sig = nx_xmalloc((size_t)(p->n_events ? p->n_events : 1) * sizeof *sig);
	memset(sig, 0xff, (size_t)p->n_events * sizeof *sig);
	int rc = 0;
	char a[160], b[160];
	for (uint32_t k = 0; k < p->n_tasks && !rc; k++) {
		uint32_t e = p->tasks[k].signal;
		if (e == NX_NONE)
			continue;
		if (e >= p->n_events || sig[e] != NX_NONE) {
			nx_err_set(err, "%s signals e%u, %s", nxg_task_str(p, g, k, a, sizeof a), e,
				   e >= p->n_events ? "beyond the program's events" : "signalled twice");
			rc = -1;
		} else {
			sig[e] = k;
		}
	}
	for (uint32_t k = 0; k < p->n_tasks && !rc; k++) {
		const nxg_task *x = &p->tasks[k];
		for (uint32_t i = 0; i < x->n_wait && !rc; i++) {
			uint32_t e = p->waits[x->w0 + i], s = e < p->n_events ? sig[e] : NX_NONE;
			if (s == NX_NONE) {
				nx_err_set(err, "%s waits on e%u, which no task signals",
					   nxg_task_str(p, g, k, a, sizeof a), e);
				rc = -1;
			} else if (s >= k && p->tasks[s].engine == x->engine) {
				nx_err_set(err, "%s waits on e%u, signalled by %s after it on the same "
					   "engine: it would wait forever", nxg_task_str(p, g, k, a, sizeof a),
					   e, nxg_task_str(p, g, s, b, sizeof b));
				rc = -1;
			}
		}
	}
	free(sig);
	if (rc)
		return -1;
	for (uint32_t i = 0; i < p->n_in + p->n_out; i++)
		if (nxg_desc_check(p, g, &p->io[i], NX_NONE, t->align, err))
			return -1;
	for (uint32_t k = 0; k < p->n_tasks; k++) {
		const nxg_task *x = &p->tasks[k];
		for (uint32_t i = 0; i < (uint32_t)x->n_in + x->n_out; i++) {
			const nxg_desc *d = nxg_task_desc(p, x, i);
			if (d->space < NXG_SPACE_COUNT && nxg_desc_check(p, g, d, k, t->align, err))
				return -1;
		}
	}
	/* ownership in issue order */
	nxg_tags tg;
	nxg_tags_init(&tg, p, t->align);
	for (uint32_t c = 0; c < p->n_consts; c++) {
		nxg_desc d = {.space = NXG_DRAM, .value = p->consts[c].value, .addr = p->consts[c].addr,
			      .dims = {1, 1, 1, 1}, .row = p->consts[c].bytes, .plane = p->consts[c].bytes};
		nxg_tags_write(&tg, &d, NX_NONE);
	}
	for (uint32_t i = 0; i < p->n_in; i++)
		nxg_tags_write(&tg, &p->io[i], NX_NONE);
	for (uint32_t k = 0; k < p->n_tasks && !rc; k++) {
		const nxg_task *x = &p->tasks[k];
		for (uint32_t i = 0; i < x->n_in && !rc; i++) {
			const nxg_desc *d = nxg_task_desc(p, x, i);
			if (d->space < NXG_SPACE_COUNT)
				rc = nxg_tags_read(&tg, p, g, d, k, err);
		}
		for (uint32_t i = x->n_in; i < (uint32_t)x->n_in + x->n_out && !rc; i++)
			nxg_tags_write(&tg, nxg_task_desc(p, x, i), k);
	}
	for (uint32_t i = p->n_in; i < p->n_in + p->n_out && !rc; i++)
		if (nxg_tags_read(&tg, p, g, &p->io[i], NX_NONE, err))
			rc = -1;
	nxg_tags_free(&tg);
	return rc;
}
