/* verify_inc.c — the verifier after a step (nx_verify_since): every rule of
 * nx_verify, checked only where the step can have broken it.
 *
 * What changed is found by comparing g with prev (the verified snapshot g
 * was cloned from) array by array, bytes first in blocks, so nothing a
 * pass wrote escapes it, whether or not it went through the IR's API: an op,
 * value or use slot whose bytes differ, pool entries (results, origins,
 * attributes, their lists) edited in place, blob slots, name owners. The
 * local rules (an op's ranges, counts, operands and results; a value's
 * name, definition, type and blob; a name's owner; a use list) are then
 * checked on the changed items and their neighbours: the ops of changed use
 * slots, the producers and readers (in prev) of changed values, the results
 * and operands of every op checked, the owners of names and slots that
 * changed. An item none of these reaches reads what it read when prev was
 * verified, so its rules still hold.
 *
 * Two rules are global. The schedule (one list through every live op) is
 * walked in g from first to last, but a run of ops whose records did not
 * change is crossed in one jump: such a run is a stretch of prev's schedule
 * (their links are prev's), ending at the next changed op in prev's order,
 * so it is counted from prev's positions. The walk sees every changed op,
 * counts every live op, and catches dead ops, bad back links and repeats
 * as the full walk does. Definition before use needs an order: an
 * unchanged op's key is its position in prev, a changed op's key falls
 * between the runs around it; with the runs in prev's order (the walk
 * checks that), an unchanged reader of an unchanged producer keeps its
 * order, and only the operands and result readers of the ops checked are
 * compared. A step that reorders runs (the schedule pass), or changes more
 * than one op in eight, or shrinks an array, is verified whole by the
 * caller: 1 is returned (2: string ids below prev's count name other text
 * in g, so prev says nothing about g).
 *
 * Left linear: the byte comparison (memcmp, a fraction of the clone the
 * step already paid), prev's schedule positions (one walk of prev's list),
 * and a scan of op records or values when pool entries or blob slots were
 * edited in place (their owner is not recorded anywhere else).
 */
#include <stdlib.h>
#include <string.h>

#include "verify_int.h"

enum { F_CHANGED = 1, F_CHECK = 2, F_VISITED = 4 };

typedef struct ivec {
	uint32_t *a;
	uint32_t n, cap;
} ivec;

typedef struct ictx {
	vctx c;
	const nx_graph *prev;
	uint8_t *opf, *valf;    /* F_* by op id, by value id (g's ranges) */
	ivec changed;           /* ops whose record differs or is new */
	ivec cvals;             /* values whose record differs or is new */
	ivec uses;              /* use slots that differ or are new */
	ivec names;             /* string ids whose owner differs or is new */
	ivec ops, vals;         /* ops, values to check (F_CHECK) */
	/* entries edited in place in prev's part of a pool (NULL: none) */
	uint8_t *m_u32, *m_attr, *m_int, *m_flt, *m_blob;
	uint32_t *pos;          /* prev's schedule position by op id, or NX_NONE */
	uint32_t *ord;          /* prev's op at each position */
	uint64_t *key;          /* order key of each changed live op */
} ictx;

static void push(ivec *v, uint32_t x)
{
	nx_grow((void **)&v->a, &v->cap, v->n + 1, sizeof *v->a);
	v->a[v->n++] = x;
}

static void mark_op(ictx *x, uint32_t o)
{
	if (o < x->c.g->n_ops && !(x->opf[o] & F_CHECK)) {
		x->opf[o] |= F_CHECK;
		push(&x->ops, o);
	}
}

static void mark_val(ictx *x, uint32_t v)
{
	if (v < x->c.g->n_vals && !(x->valf[v] & F_CHECK)) {
		x->valf[v] |= F_CHECK;
		push(&x->vals, v);
	}
}

static bool live_op(const nx_graph *g, uint32_t o)
{
	return o < g->n_ops && !(g->ops[o].flags & NX_O_DEAD);
}

static bool live_val(const nx_graph *g, uint32_t v)
{
	return v < g->n_vals && !(g->vals[v].flags & NX_V_DEAD);
}

/* ---- what changed ------------------------------------------------------ */

typedef void (*diff_fn)(ictx *x, uint32_t i);

/* fn(i) for every i < n whose element (sz bytes) differs between a and b;
 * equal blocks cost one memcmp. */
static void diff(ictx *x, const void *a, const void *b, uint32_t n, size_t sz, diff_fn fn)
{
	const char *p = a, *q = b;
	for (uint32_t i = 0; i < n; i += 64) {
		uint32_t m = n - i < 64 ? n - i : 64;
		if (!memcmp(p + (size_t)i * sz, q + (size_t)i * sz, (size_t)m * sz))
			continue;
		for (uint32_t j = i; j < i + m; j++)
			if (memcmp(p + (size_t)j * sz, q + (size_t)j * sz, sz))
				fn(x, j);
	}
}

static void on_op(ictx *x, uint32_t o)
{
	x->opf[o] |= F_CHANGED;
	push(&x->changed, o);
}

static void on_val(ictx *x, uint32_t v)
{
	x->valf[v] |= F_CHANGED;
	push(&x->cvals, v);
}

static void on_use(ictx *x, uint32_t u) { push(&x->uses, u); }
static void on_name(ictx *x, uint32_t s) { push(&x->names, s); }

/* A byte per entry of prev's part of a pool, allocated on the first hit
 * (freed in nx_verify_inc). */
static void hit(uint8_t **m, uint32_t n, uint32_t i)
{
	if (!*m)
		*m = nx_xcalloc(n + 1, 1);
	(*m)[i] = 1;
}

static void on_u32(ictx *x, uint32_t i) { hit(&x->m_u32, x->prev->n_u32, i); }
static void on_attr(ictx *x, uint32_t i) { hit(&x->m_attr, x->prev->n_attrs, i); }
static void on_int(ictx *x, uint32_t i) { hit(&x->m_int, x->prev->n_ints, i); }
static void on_flt(ictx *x, uint32_t i) { hit(&x->m_flt, x->prev->n_floats, i); }
static void on_blob(ictx *x, uint32_t i) { hit(&x->m_blob, x->prev->n_blobs, i); }

static bool any(const uint8_t *m, uint32_t off, uint32_t n)
{
	for (uint32_t i = 0; m && i < n; i++)
		if (m[off + i])
			return true;
	return false;
}

/* String ids below prev's count name the same text in g: true when the
 * table is shared; a graph that appended while another clone had (its own
 * copy of the prefix) is compared text for text. */
static bool same_strings(const nx_graph *g, const nx_graph *p)
{
	const nx_strtab *a = p->st, *b = g->st;
	uint32_t n = p->n_strs;
	if (a == b || n == 0)
		return true;
	if (b->n < n || memcmp(a->off, b->off, (size_t)n * sizeof *a->off))
		return false;
	size_t len = a->off[n - 1] + strlen(a->chars + a->off[n - 1]) + 1;
	return !memcmp(a->chars, b->chars, len);
}

/* Finds the changes; false when they are not bounded (the caller verifies
 * the whole graph). */
static bool find_changes(ictx *x)
{
	const nx_graph *g = x->c.g, *p = x->prev;
	if (g->n_ops < p->n_ops || g->n_vals < p->n_vals || g->n_uses < p->n_uses ||
	    g->n_u32 < p->n_u32 || g->n_attrs < p->n_attrs || g->n_ints < p->n_ints ||
	    g->n_floats < p->n_floats || g->n_strs < p->n_strs || g->n_types < p->n_types ||
	    g->n_blobs < p->n_blobs || g->name != p->name)
		return false;
	/* interned types only grow: one edited in place retypes values unseen */
	if (p->n_types && memcmp(g->types, p->types, (size_t)p->n_types * sizeof *g->types))
		return false;
	diff(x, g->ops, p->ops, p->n_ops, sizeof *g->ops, on_op);
	for (uint32_t o = p->n_ops; o < g->n_ops; o++)
		on_op(x, o);
	if (x->changed.n > 1024 && (uint64_t)x->changed.n * 8 > g->n_ops)
		return false;
	diff(x, g->vals, p->vals, p->n_vals, sizeof *g->vals, on_val);
	for (uint32_t v = p->n_vals; v < g->n_vals; v++)
		on_val(x, v);
	diff(x, g->uses, p->uses, p->n_uses, sizeof *g->uses, on_use);
	for (uint32_t u = p->n_uses; u < g->n_uses; u++)
		on_use(x, u);
	diff(x, g->str_owner, p->str_owner, p->n_strs, sizeof *g->str_owner, on_name);
	for (uint32_t s = p->n_strs; s < g->n_strs; s++)
		on_name(x, s);
	/* entries past prev's length belong to changed or new ops only: an
	 * unchanged op's ranges lie where prev's verifier saw them */
	diff(x, g->u32, p->u32, p->n_u32, sizeof *g->u32, on_u32);
	diff(x, g->attrs, p->attrs, p->n_attrs, sizeof *g->attrs, on_attr);
	diff(x, g->ints, p->ints, p->n_ints, sizeof *g->ints, on_int);
	diff(x, g->floats, p->floats, p->n_floats, sizeof *g->floats, on_flt);
	diff(x, g->blobs, p->blobs, p->n_blobs, sizeof *g->blobs, on_blob);
	return true;
}

/* The ops and values to check: see the file comment. */
static void gather(ictx *x)
{
	nx_graph *g = x->c.g;
	const nx_graph *p = x->prev;
	if (x->m_u32 || x->m_attr || x->m_int || x->m_flt) {
		/* pool entries edited in place: their owners, by a scan of the
		 * records (an unchanged op's ranges are prev's, in bounds) */
		for (uint32_t o = 0; o < p->n_ops; o++) {
			const nx_op *q = &g->ops[o];
			if ((x->opf[o] & F_CHANGED) || (q->flags & NX_O_DEAD))
				continue;
			bool hit = any(x->m_u32, q->out, q->n_out) ||
				   any(x->m_u32, q->origin, q->n_origin) ||
				   any(x->m_attr, q->attr, q->n_attr);
			for (uint32_t i = 0; !hit && (x->m_int || x->m_flt) && i < q->n_attr; i++) {
				const nx_attr *a = &g->attrs[q->attr + i];
				hit = (a->kind == NX_ATTR_INTS && any(x->m_int, a->u.off, a->n)) ||
				      (a->kind == NX_ATTR_FLOATS && any(x->m_flt, a->u.off, a->n));
			}
			if (hit)
				mark_op(x, o);
		}
	}
	if (x->m_blob) {
		/* a slot refilled or emptied under a value that still names it */
		for (uint32_t v = 0; v < p->n_vals; v++) {
			const nx_value *q = &g->vals[v];
			if (!(x->valf[v] & F_CHANGED) && !(q->flags & NX_V_DEAD) &&
			    q->blob < p->n_blobs && x->m_blob[q->blob])
				on_val(x, v);
		}
	}
	for (uint32_t i = 0; i < x->changed.n; i++)
		mark_op(x, x->changed.a[i]);
	for (uint32_t i = 0; i < x->uses.n; i++) {
		uint32_t u = x->uses.a[i];
		mark_op(x, g->uses[u].op);
		if (g->uses[u].value != NX_NONE)
			mark_val(x, g->uses[u].value);
		if (u < p->n_uses) {
			mark_op(x, p->uses[u].op);
			if (p->uses[u].value != NX_NONE)
				mark_val(x, p->uses[u].value);
		}
	}
	for (uint32_t i = 0; i < x->names.n; i++) {
		uint32_t s = x->names.a[i];
		mark_val(x, g->str_owner[s]);
		if (s < p->n_strs)
			mark_val(x, p->str_owner[s]);
	}
	/* a value's definition and readers: its producer both sides, and the
	 * readers prev listed (a reader whose slot changed was marked above) */
	for (uint32_t i = 0; i < x->cvals.n; i++) {
		uint32_t v = x->cvals.a[i];
		mark_val(x, v);
		mark_op(x, g->vals[v].producer);
		if (v < p->n_vals && !(p->vals[v].flags & NX_V_DEAD)) {
			mark_op(x, p->vals[v].producer);
			for (uint32_t u = p->vals[v].first_use; u != NX_NONE; u = p->uses[u].next)
				mark_op(x, p->uses[u].op);
		}
	}
	/* the input list: values that joined or left it */
	if (g->n_inputs != p->n_inputs ||
	    memcmp(g->inputs, p->inputs, (size_t)p->n_inputs * sizeof *g->inputs)) {
		for (uint32_t i = 0; i < g->n_inputs; i++)
			mark_val(x, g->inputs[i]);
		for (uint32_t i = 0; i < p->n_inputs; i++)
			mark_val(x, p->inputs[i]);
	}
	/* prev's results and operands of every op checked (g's are added once
	 * their ranges are checked) */
	for (uint32_t i = 0; i < x->ops.n; i++) {
		uint32_t o = x->ops.a[i];
		if (!live_op(p, o))
			continue;
		const nx_op *q = &p->ops[o];
		for (uint32_t k = 0; k < q->n_out; k++)
			mark_val(x, p->u32[q->out + k]);
		for (uint32_t k = 0; k < q->n_in; k++)
			if (p->uses[q->in + k].value != NX_NONE)
				mark_val(x, p->uses[q->in + k].value);
	}
}

/* ---- the schedule ------------------------------------------------------ */

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

static uint64_t key_of(const ictx *x, uint32_t o)
{
	return (x->opf[o] & F_CHANGED) ? x->key[o] : (uint64_t)(x->pos[o] + 1) << 32;
}

/* 0, -1 (err), or 1: runs out of prev's order. See the file comment. */
static int check_schedule_inc(ictx *x)
{
	const nx_graph *g = x->c.g, *p = x->prev;
	vctx *c = &x->c;
	x->pos = nx_xmalloc(((size_t)p->n_ops + 1) * sizeof *x->pos);   /* freed in nx_verify_inc */
	x->ord = nx_xmalloc(((size_t)p->n_live_ops + 1) * sizeof *x->ord);
	x->key = nx_xcalloc((size_t)g->n_ops + 1, sizeof *x->key);
	memset(x->pos, 0xff, (size_t)p->n_ops * sizeof *x->pos);
	uint32_t n_pos = 0;
	NX_FOR_OPS(p, o) {
		x->pos[o] = n_pos;
		x->ord[n_pos++] = o;
	}
	/* prev's positions of the changed ops that were live there, in order;
	 * the number of live ops g should have */
	uint32_t *r = nx_xmalloc(((size_t)x->changed.n + 1) * sizeof *r); /* freed below */
	uint32_t n_r = 0;
	int64_t live = p->n_live_ops;
	for (uint32_t i = 0; i < x->changed.n; i++) {
		uint32_t o = x->changed.a[i];
		bool was = o < p->n_ops && x->pos[o] != NX_NONE;
		if (was)
			r[n_r++] = x->pos[o];
		live += (int64_t)!(g->ops[o].flags & NX_O_DEAD) - was;
	}
	qsort(r, n_r, sizeof *r, cmp_u32);
	int rc = 0;
	int64_t hi = -1, count = 0;
	uint64_t base = 0, sub = 0;
	uint32_t expect = NX_NONE, o = g->first;
	while (o != NX_NONE && !rc) {
		if ((rc = nx_vcheck_sched_step(c, o, expect, x->opf, F_VISITED)))
			break;
		if (x->opf[o] & F_CHANGED) {
			x->opf[o] |= F_VISITED;
			x->key[o] = base | ++sub;
			count++;
			expect = o;
			o = g->ops[o].next;
			continue;
		}
		/* unchanged and live: live in prev with the same links; its run
		 * goes on to the next changed op in prev's order */
		uint32_t at = x->pos[o];
		if ((int64_t)at <= hi) {
			rc = 1;
			break;
		}
		uint32_t lo = 0, up = n_r;
		while (lo < up) {
			uint32_t mid = lo + (up - lo) / 2;
			if (r[mid] <= at)
				lo = mid + 1;
			else
				up = mid;
		}
		uint32_t end = lo < n_r ? r[lo] - 1 : n_pos - 1;
		count += end - at + 1;
		hi = end;
		base = (uint64_t)(end + 1) << 32;
		sub = 0;
		expect = x->ord[end];
		o = g->ops[expect].next;
	}
	free(r);
	if (rc)
		return rc;
	if (g->last != expect) {
		char have[16], want[16];
		return nx_vfail_graph(c, "schedule ends at op %s but its last link is op %s",
				      nx_vlink_str(expect, want, sizeof want),
				      nx_vlink_str(g->last, have, sizeof have));
	}
	for (uint32_t i = 0; i < x->changed.n; i++) {
		uint32_t q = x->changed.a[i];
		if (!(g->ops[q].flags & NX_O_DEAD) && !(x->opf[q] & F_VISITED))
			return nx_vfail_op(c, q, "live op is not in the schedule");
	}
	if (count != live)
		return nx_vfail_graph(c, "schedule holds %lld ops but the graph has %lld live ops",
				      (long long)count, (long long)live);
	if ((int64_t)g->n_live_ops != live)
		return nx_vfail_graph(c, "schedule holds %lld ops but n_live_ops says %u",
				      (long long)count, g->n_live_ops);
	return 0;
}

/* Definition before use for the ops checked: their operands' producers
 * come before them, their results' readers after. */
static int check_order_inc(ictx *x)
{
	const nx_graph *g = x->c.g;
	vctx *c = &x->c;
	for (uint32_t k = 0; k < x->ops.n; k++) {
		uint32_t o = x->ops.a[k];
		if (g->ops[o].flags & NX_O_DEAD)
			continue;
		const nx_op *q = &g->ops[o];
		uint64_t ko = key_of(x, o);
		for (uint32_t i = 0; i < q->n_in; i++) {
			uint32_t v = g->uses[q->in + i].value;
			uint32_t d = v == NX_NONE ? NX_NONE : g->vals[v].producer;
			if (d == NX_NONE)
				continue;
			if (d == o)
				return nx_vfail_op(c, o, "operand %u (%%%s) is its own result", i,
						   nx_vvname(g, v));
			if (key_of(x, d) > ko) {
				char def[300];
				nx_vop_label(g, d, def, sizeof def);
				return nx_vfail_op(c, o, "operand %u (%%%s) is used before its "
						   "definition by op %s in schedule order", i,
						   nx_vvname(g, v), def);
			}
		}
		for (uint32_t i = 0; i < q->n_out; i++) {
			uint32_t v = g->u32[q->out + i];
			for (uint32_t u = g->vals[v].first_use; u != NX_NONE; u = g->uses[u].next) {
				uint32_t r = g->uses[u].op;
				if (r != o && key_of(x, r) < ko) {
					char def[300];
					nx_vop_label(g, o, def, sizeof def);
					return nx_vfail_op(c, r, "operand %u (%%%s) is used before its "
							   "definition by op %s in schedule order",
							   u - g->ops[r].in, nx_vvname(g, v), def);
				}
			}
		}
	}
	return 0;
}

/* ---- the local rules ---------------------------------------------------- */

static int check_local(ictx *x)
{
	nx_graph *g = x->c.g;
	const nx_graph *p = x->prev;
	vctx *c = &x->c;
	int rc = 0;
	uint32_t n_ops = x->ops.n;
	for (uint32_t k = 0; !rc && k < n_ops; k++)
		if (live_op(g, x->ops.a[k]))
			rc = nx_vcheck_op_ranges(c, x->ops.a[k]);
	/* g's results and operands of the ops checked, in range now */
	for (uint32_t k = 0; !rc && k < n_ops; k++) {
		uint32_t o = x->ops.a[k];
		if (!live_op(g, o))
			continue;
		const nx_op *q = &g->ops[o];
		for (uint32_t i = 0; i < q->n_out; i++)
			mark_val(x, g->u32[q->out + i]);
		for (uint32_t i = 0; i < q->n_in; i++)
			if (g->uses[q->in + i].value != NX_NONE)
				mark_val(x, g->uses[q->in + i].value);
	}
	for (uint32_t k = 0; !rc && k < n_ops; k++)
		if (live_op(g, x->ops.a[k]))
			rc = nx_vcheck_op(c, x->ops.a[k]);
	if (!rc)
		rc = nx_vcheck_inputs(c);
	for (uint32_t k = 0; !rc && k < x->vals.n; k++)
		if (live_val(g, x->vals.a[k]))
			rc = nx_vcheck_value(c, x->vals.a[k]);
	for (uint32_t k = 0; !rc && k < x->names.n; k++)
		rc = nx_vcheck_name(c, x->names.a[k]);
	/* a value checked may have left a name whose entry still names it */
	for (uint32_t k = 0; !rc && k < x->vals.n; k++) {
		uint32_t v = x->vals.a[k];
		if (live_val(p, v) && p->vals[v].name < g->n_strs)
			rc = nx_vcheck_name(c, p->vals[v].name);
	}
	if (!rc)
		rc = nx_vcheck_outputs(c);
	for (uint32_t k = 0; !rc && k < x->vals.n; k++)
		if (live_val(g, x->vals.a[k]))
			rc = nx_vcheck_use_list(c, x->vals.a[k]);
	/* every live operand slot reading a value checked is on its list: the
	 * ops checked, and prev's readers that still read it */
	for (uint32_t k = 0; !rc && k < n_ops; k++) {
		uint32_t o = x->ops.a[k];
		for (uint32_t i = 0; live_op(g, o) && !rc && i < g->ops[o].n_in; i++)
			rc = nx_vcheck_listed(c, o, i);
	}
	for (uint32_t k = 0; !rc && k < x->vals.n; k++) {
		uint32_t v = x->vals.a[k];
		if (!live_val(p, v) || !live_val(g, v))
			continue;
		for (uint32_t u = p->vals[v].first_use; !rc && u != NX_NONE; u = p->uses[u].next) {
			uint32_t o = g->uses[u].op;
			if (g->uses[u].value == v && live_op(g, o) && u >= g->ops[o].in &&
			    u < g->ops[o].in + g->ops[o].n_in)
				rc = nx_vcheck_listed(c, o, u - g->ops[o].in);
		}
	}
	return rc;
}

static int cmp_pair(const void *a, const void *b)
{
	const uint64_t *x = a, *y = b;
	return (x[0] > y[0]) - (x[0] < y[0]);
}

/* Types: the ops checked that read, for inference, something else than in
 * prev, in schedule order (the first mismatch is the one nx_verify names). */
static int check_types_inc(ictx *x)
{
	nx_graph *g = x->c.g;
	uint64_t *t = nx_xmalloc(((size_t)x->ops.n + 1) * 2 * sizeof *t); /* freed below */
	uint32_t n = 0;
	for (uint32_t k = 0; k < x->ops.n; k++) {
		uint32_t o = x->ops.a[k];
		if (live_op(g, o) && !nx_vop_same(g, x->prev, o)) {
			t[2 * n] = key_of(x, o);
			t[2 * n++ + 1] = o;
		}
	}
	qsort(t, n, 2 * sizeof *t, cmp_pair);
	int rc = 0;
	for (uint32_t k = 0; !rc && k < n; k++)
		rc = nx_vcheck_type(&x->c, (uint32_t)t[2 * k + 1]);
	free(t);
	return rc;
}

int nx_verify_inc(nx_graph *g, const nx_graph *prev, nx_err *err)
{
	ictx x = {
		.c = {
			.g = g,
			.err = err,
			.val_mark = nx_xcalloc((size_t)g->n_vals + 1, 1),
			.use_seen = nx_xcalloc((size_t)g->n_uses + 1, 1),
		},
		.prev = prev,
		.opf = nx_xcalloc((size_t)g->n_ops + 1, 1),
		.valf = nx_xcalloc((size_t)g->n_vals + 1, 1),
	};
	/* all freed below */
	/* ids of strings are compared, not their text */
	int rc = same_strings(g, prev) ? 1 : 2;
	if (rc == 1 && find_changes(&x)) {
		gather(&x);
		rc = check_schedule_inc(&x);
		if (!rc)
			rc = check_local(&x);
		if (!rc)
			rc = check_order_inc(&x);
		if (!rc)
			rc = check_types_inc(&x);
	}
	free(x.c.val_mark);
	free(x.c.use_seen);
	free(x.opf);
	free(x.valf);
	free(x.changed.a);
	free(x.cvals.a);
	free(x.uses.a);
	free(x.names.a);
	free(x.ops.a);
	free(x.vals.a);
	free(x.m_u32);
	free(x.m_attr);
	free(x.m_int);
	free(x.m_flt);
	free(x.m_blob);
	free(x.pos);
	free(x.ord);
	free(x.key);
	return rc;
}
