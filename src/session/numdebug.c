/* numdebug.c — the per-op numeric debugger: every value of step k against
 * the step-0 value it stands for, on the same inputs, so the op that lost
 * the accuracy is named, not only the output that shows it.
 *
 * Matching (docs/numeric-debugging.md): a result keeps its name through
 * passes, so the same name first; then origin (the step-0 ops named in the
 * op's origin form a group, and the group's one result used outside it is
 * what the fused op computes); then through a value-preserving op inserted
 * around a matched value (cast, reshape and the like: a dtype or layout
 * change). Anything else is unmatched and listed as such, never compared
 * with a guess. Values compare by element in their logical order: a match
 * by name or origin needs the same dims up to size-1 dims (so the same
 * element order); a value made by a reshape of a matched value needs the
 * same element count.
 *
 * Modes, as PyTorch's numeric suite has them: propagated (step k runs on
 * its own, errors accumulate) and shadow (each op of step k is fed step 0's
 * values for its matched operands, so only the error it adds shows). The
 * root cause is the first op in schedule order whose operands pass and whose
 * result fails (the rule coremltools' comparator and Ascend's analyser use).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "numdebug_int.h"

const nxw_num_limits nxw_num_defaults = {
	.cos_fail = 0.99, .abs_with_cos = 1e-3, .cos_hard = 0.9, .abs_hard = 1.0,
	.rel_floor = 1e-3, .cos_warn = 0.9999,
};

const char *nxw_match_name(int m)
{
	static const char *const n[] = {"none", "name", "origin", "around", "input"};
	return m >= 0 && m < (int)(sizeof n / sizeof n[0]) ? n[m] : "?";
}

/* ---- matching -------------------------------------------------------------- */

/* step-0 ops by origin name: a small open-addressing table of string ids of
 * step 0's string table (clones share it, so a name has one id in both) */
typedef struct origin_map {
	const char **key;
	uint32_t *op;
	uint32_t cap;
} origin_map;

static uint32_t hash_str(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static void map_build(origin_map *m, const nx_graph *g0)
{
	uint32_t need = 16;
	while (need < 2 * g0->n_ops + 2)
		need *= 2;
	m->cap = need;
	m->key = nx_xcalloc(need, sizeof *m->key);
	m->op = nx_xmalloc(need * sizeof *m->op);
	for (uint32_t o = g0->first; o != NX_NONE; o = g0->ops[o].next) {
		const uint32_t *org = nx_op_origin(g0, o);
		for (uint32_t i = 0; i < g0->ops[o].n_origin; i++) {
			const char *k = nx_cstr(g0, org[i]);
			uint32_t h = hash_str(k) & (need - 1);
			while (m->key[h] && strcmp(m->key[h], k))
				h = (h + 1) & (need - 1);
			if (!m->key[h]) {
				m->key[h] = k;
				m->op[h] = o;
			}
		}
	}
}

static uint32_t map_get(const origin_map *m, const char *k)
{
	uint32_t h = hash_str(k) & (m->cap - 1);
	while (m->key[h]) {
		if (!strcmp(m->key[h], k))
			return m->op[h];
		h = (h + 1) & (m->cap - 1);
	}
	return NX_NONE;
}

static void map_free(origin_map *m)
{
	free(m->key);
	free(m->op);
}

static int64_t numel(const nx_graph *g, uint32_t v)
{
	return nx_type_numel(nx_vtype(g, v));
}

/* Same elements in the same order: the dims agree once size-1 dims are
 * dropped (a reshape (B,C,H,1) -> (B,C,1,H) keeps the order; a layout
 * change to channels-first does not, and is not compared). */
static bool same_order(const nx_graph *ga, uint32_t a, const nx_graph *gb, uint32_t b)
{
	const nx_type *x = nx_vtype(ga, a), *y = nx_vtype(gb, b);
	int i = 0, j = 0;
	for (;;) {
		while (i < x->rank && x->dims[i] == 1)
			i++;
		while (j < y->rank && y->dims[j] == 1)
			j++;
		if (i == x->rank || j == y->rank)
			return i == x->rank && j == y->rank;
		if (x->dims[i++] != y->dims[j++])
			return false;
	}
}

/* A value of step 0 that stands for something: an op result or an input. */
static bool computed(const nx_graph *g0, uint32_t v)
{
	return v != NX_NONE && !nx_is_const(g0, v) && !(g0->vals[v].flags & NX_V_DEAD);
}

static bool in_group(const nx_graph *g0, uint32_t op0, const uint32_t *grp, uint32_t n)
{
	(void)g0;
	for (uint32_t i = 0; i < n; i++)
		if (grp[i] == op0)
			return true;
	return false;
}

/* Origin rule: the group's single result (with r's element count) that is
 * read outside the group or is a graph output. */
static uint32_t by_origin(const nx_graph *gk, uint32_t o, uint32_t r, const nx_graph *g0,
			  const origin_map *map)
{
	uint32_t n = gk->ops[o].n_origin;
	if (!n)
		return NX_NONE;
	uint32_t *grp = nx_xmalloc(n * sizeof *grp);
	uint32_t ng = 0;
	const uint32_t *org = nx_op_origin(gk, o);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t op0 = map_get(map, nx_cstr(gk, org[i]));
		if (op0 != NX_NONE && !in_group(g0, op0, grp, ng))
			grp[ng++] = op0;
	}
	uint32_t found = NX_NONE, count = 0;
	for (uint32_t i = 0; i < ng; i++) {
		const nx_op *p = &g0->ops[grp[i]];
		for (uint32_t j = 0; j < p->n_out; j++) {
			uint32_t v = nx_result(g0, grp[i], j);
			if (!same_order(g0, v, gk, r))
				continue;
			bool outside = nx_value_is_output(g0, v);
			for (uint32_t u = g0->vals[v].first_use; u != NX_NONE && !outside;
			     u = g0->uses[u].next)
				outside = !in_group(g0, g0->uses[u].op, grp, ng);
			if (outside) {
				found = v;
				count++;
			}
		}
	}
	free(grp);
	return count == 1 ? found : NX_NONE;
}

/* Ops that keep every element and its order: a value made by one of them
 * from a matched value stands for the same step-0 value. */
static bool preserves(int kind)
{
	static const char *const names[] = {"cast", "reshape", "flatten", "squeeze", "unsqueeze",
					    "identity", NULL};
	for (int i = 0; names[i]; i++)
		if (kind == nx_op_lookup(names[i], strlen(names[i])))
			return true;
	return false;
}

static void match_all(const nx_graph *gk, const nx_graph *g0, nxw_numdebug *d)
{
	origin_map map;
	map_build(&map, g0);
	/* value id of step k -> matched step-0 value, filled in schedule order so
	 * the "around" rule sees its operand's match */
	uint32_t *mv = nx_xmalloc((gk->n_vals + 1) * sizeof *mv);
	for (uint32_t v = 0; v < gk->n_vals; v++)
		mv[v] = NX_NONE;
	for (uint32_t i = 0; i < gk->n_inputs; i++) {
		uint32_t v = gk->inputs[i];
		if (i < g0->n_inputs && numel(gk, v) == numel(g0, g0->inputs[i]))
			mv[v] = g0->inputs[i];
	}
	for (uint32_t o = gk->first; o != NX_NONE; o = gk->ops[o].next) {
		const nx_op *p = &gk->ops[o];
		for (uint32_t j = 0; j < p->n_out; j++) {
			uint32_t r = nx_result(gk, o, j);
			const char *name = nx_vname(gk, r);
			uint32_t v0 = nx_value_by_name(g0, name, strlen(name));
			int how = NXW_MATCH_NONE;
			if (computed(g0, v0) && same_order(g0, v0, gk, r)) {
				how = NXW_MATCH_NAME;
			} else if ((v0 = by_origin(gk, o, r, g0, &map)) != NX_NONE) {
				how = NXW_MATCH_ORIGIN;
			} else if (preserves(p->kind) && p->n_in >= 1 && j == 0) {
				uint32_t x = nx_operand(gk, o, 0);
				if (x != NX_NONE && mv[x] != NX_NONE && numel(g0, mv[x]) == numel(gk, r)) {
					v0 = mv[x];
					how = NXW_MATCH_AROUND;
				}
			}
			if (how == NXW_MATCH_NONE)
				v0 = NX_NONE;
			mv[r] = v0;
			nx_grow((void **)&d->ops, &d->cap, d->n + 1, sizeof *d->ops);
			nxw_opnum *m = &d->ops[d->n++];
			memset(m, 0, sizeof *m);
			m->op = o;
			m->value = r;
			m->ref_value = v0;
			m->match = (uint8_t)how;
			m->ref_op = v0 != NX_NONE ? g0->vals[v0].producer : NX_NONE;
			m->cosine = m->sqnr_db = NAN;
			m->shadow_cosine = m->shadow_max_abs = m->shadow_snr_db = NAN;
		}
	}
	d->match_of = mv;
	map_free(&map);
}

/* ---- runs ------------------------------------------------------------------ */

/* step 0's inputs for graph g: converted to g's input dtypes. */
static nx_tensor *inputs_for(const nx_graph *g, const nx_tensor *in0, uint32_t n)
{
	nx_tensor *in = nx_xcalloc(n + 1, sizeof *in);
	for (uint32_t i = 0; i < n; i++)
		in[i] = nx_tensor_convert(&in0[i], nx_vtype(g, g->inputs[i])->dtype);
	return in;
}

static void free_tensors(nx_tensor *t, uint32_t n)
{
	for (uint32_t i = 0; t && i < n; i++)
		nx_tensor_free(&t[i]);
	free(t);
}

/* A constant's data as a tensor (a view of its blob: not to be freed). */
static nx_tensor const_value(nx_graph *g, uint32_t v)
{
	return (nx_tensor){*nx_vtype(g, v), (void *)nx_blob_data(nx_const_blob(g, v))};
}

/* The debugger streams: step 0 and step k run side by side, step 0 on a
 * thread of its own. Step 0's run publishes a copy of each value step k
 * compares with (numdebug_refs.c); step k's observers queue each result
 * as it is made for a worker thread that compares it (propagated mode,
 * numdebug_async.c) and, before each op, evaluate it once more on step 0's
 * values for its matched operands and queue those results too (shadow
 * mode), waiting for those values and releasing each use, so a reference
 * lives only from the op that makes it in step 0 to its last comparison in
 * step k. */
typedef struct stream {
	nxw_numdebug *d;
	nd_refs *refs;
	nxw_num_limits lim;
	uint32_t *first;   /* op id of step k -> index of its first result in d->ops */
	bool shadow;
	nd_worker *work;   /* computes the metrics of what step k queues */
} stream;

static bool any_matched(const stream *st, uint32_t o, uint32_t n_out)
{
	for (uint32_t j = 0; j < n_out; j++)
		if (st->d->ops[st->first[o] + j].match != NXW_MATCH_NONE)
			return true;
	return false;
}

/* Does op o of step k get a shadow run? (also what counts the uses) */
static bool shadowed(const stream *st, const nx_graph *gk, uint32_t o)
{
	return st->shadow && st->first[o] != UINT32_MAX && any_matched(st, o, gk->ops[o].n_out);
}

/* The step-0 value operand i of op o is fed in shadow mode, or NX_NONE. */
static uint32_t shadow_operand(const stream *st, const nx_graph *gk, uint32_t o, uint32_t i)
{
	uint32_t v = nx_operand(gk, o, i);
	if (v == NX_NONE || nx_is_const(gk, v))
		return NX_NONE;
	return st->d->match_of[v];
}

/* Every use step k will make of a step-0 value, counted before the runs
 * start: each matched result is compared once per mode, each matched
 * operand of a shadowed op is read once. */
static void count_uses(const stream *st, const nx_graph *gk)
{
	const nxw_numdebug *d = st->d;
	for (uint32_t i = 0; i < d->n; i++) {
		const nxw_opnum *m = &d->ops[i];
		if (m->match == NXW_MATCH_NONE)
			continue;
		nd_refs_want(st->refs, m->ref_value);
		if (shadowed(st, gk, m->op))
			nd_refs_want(st->refs, m->ref_value);
	}
	for (uint32_t o = gk->first; o != NX_NONE; o = gk->ops[o].next) {
		if (!shadowed(st, gk, o))
			continue;
		for (uint32_t i = 0; i < gk->ops[o].n_in; i++) {
			uint32_t v0 = shadow_operand(st, gk, o, i);
			if (v0 != NX_NONE)
				nd_refs_want(st->refs, v0);
		}
	}
}

static int shadow_op(void *ctx, nx_graph *gk, uint32_t o, const nx_tensor *in, nx_err *err)
{
	stream *st = ctx;
	const nx_op *p = &gk->ops[o];
	if (!shadowed(st, gk, o))
		return 0;
	nxw_numdebug *d = st->d;
	nx_tensor *sin = nx_xcalloc(p->n_in + 1u, sizeof *sin);   /* freed below */
	bool *own = nx_xcalloc(p->n_in + 1u, sizeof *own);
	for (uint32_t i = 0; i < p->n_in; i++) {
		uint32_t v0 = shadow_operand(st, gk, o, i);
		const nx_tensor *ref = v0 != NX_NONE ? nd_refs_wait(st->refs, v0) : NULL;
		if (ref) {
			/* step 0's value in the dtype and dims of step k's operand */
			sin[i] = nx_tensor_convert(ref, nx_vtype(gk, nx_operand(gk, o, i))->dtype);
			sin[i].type = *nx_vtype(gk, nx_operand(gk, o, i));
			own[i] = true;
		} else {
			sin[i] = in[i];
		}
		if (v0 != NX_NONE)
			nd_refs_release(st->refs, v0);
	}
	nx_tensor *out = nx_xcalloc(p->n_out + 1u, sizeof *out);
	int rc = nx_eval_op(gk, o, sin, out, err);
	for (uint32_t i = 0; i < p->n_in; i++)
		if (own[i])
			nx_tensor_free(&sin[i]);
	free(sin);
	free(own);
	if (rc) {
		free(out);
		nx_err_prefix(err, "shadow run: ");
		return -1;
	}
	for (uint32_t j = 0; j < p->n_out; j++) {
		nxw_opnum *x = &d->ops[st->first[o] + j];
		if (x->match != NXW_MATCH_NONE)
			nd_worker_shadow(st->work, x, &out[j]);
	}
	for (uint32_t j = 0; j < p->n_out; j++)
		nx_tensor_free(&out[j]);
	free(out);
	return 0;
}

static int compare_op(void *ctx, nx_graph *gk, uint32_t o, const nx_tensor *out, nx_err *err)
{
	stream *st = ctx;
	(void)err;
	if (st->first[o] == UINT32_MAX)
		return 0;
	for (uint32_t j = 0; j < gk->ops[o].n_out; j++) {
		nxw_opnum *m = &st->d->ops[st->first[o] + j];
		const nx_tensor *x = &out[j];
		if (m->match == NXW_MATCH_NONE) {
			/* not compared, but a NaN it makes is still the first NaN */
			for (int64_t e = 0, n = x->data ? nx_tensor_numel(x) : 0; e < n; e++) {
				double y = nx_tensor_get(x, e);
				m->nan += isnan(y);
				m->inf += isinf(y);
			}
			continue;
		}
		nd_worker_compare(st->work, m, x);
	}
	return 0;
}

/* ---- the step-0 side ------------------------------------------------------- */

typedef struct side0 {
	nx_graph *g0;
	nx_tensor *in;
	nx_run_opts ro;
	nd_refs *refs;
	int rc;
	nx_err err;
} side0;

static int publish_op(void *ctx, nx_graph *g0, uint32_t o, const nx_tensor *out, nx_err *err)
{
	side0 *z = ctx;
	if (nd_refs_cancelled(z->refs)) {
		nx_err_set(err, "stopped: the other run failed");
		return -1;
	}
	for (uint32_t j = 0; j < g0->ops[o].n_out; j++)
		nd_refs_publish(z->refs, nx_result(g0, o, j), &out[j]);
	return 0;
}

static void *run_side0(void *arg)
{
	side0 *z = arg;
	nx_run_result r = {0};
	z->rc = nx_run(z->g0, z->in, z->g0->n_inputs, &z->ro, &r, &z->err);
	nx_run_result_free(&r);
	nd_refs_finish(z->refs);
	return NULL;
}

/* Materializes the lazily made weights (generated or rescaled blobs) of g
 * here, before two runs that may share them start on two threads. */
static void touch_constants(nx_graph *g)
{
	for (uint32_t v = 0; v < g->n_vals; v++)
		if (nx_is_const(g, v) && !(g->vals[v].flags & NX_V_DEAD))
			(void)nx_blob_data(nx_const_blob(g, v));
}

/* Threads of each run: the caller's figure each, else the cores split
 * between the two runs, which go side by side. */
static int side_threads(int asked)
{
	if (asked > 0)
		return asked;
	long c = sysconf(_SC_NPROCESSORS_ONLN);
	return c >= 4 ? (int)(c / 2) : 1;
}

/* Weight quantization SQNR of an op whose weight (operand 1) is int8 with a
 * per-channel w_scale: against the float weight the same op (same stable
 * id) had in the latest earlier step, so the figure is the quantization's
 * own, whatever step the values are compared with. NaN when not int8. */
static double weight_sqnr(nxw_session *s, uint32_t k, uint32_t o)
{
	nx_graph *gk = s->steps[k].snap;
	const nx_op *p = &gk->ops[o];
	if (p->n_in < 2)
		return NAN;
	uint32_t wq = nx_operand(gk, o, 1);
	uint32_t ns = 0;
	const float *scale = nx_attr_floats(gk, o, "w_scale", &ns);
	if (!nx_is_const(gk, wq) || nx_vtype(gk, wq)->dtype != NX_I8 || !scale || !ns)
		return NAN;
	for (uint32_t j = k; j-- > 0;) {
		nx_graph *gj = s->steps[j].snap;
		if (o >= gj->n_ops || (gj->ops[o].flags & NX_O_DEAD) || gj->ops[o].n_in < 2)
			continue;
		uint32_t w0 = nx_operand(gj, o, 1);
		if (!nx_is_const(gj, w0) || numel(gj, w0) != numel(gk, wq) ||
		    !nx_dtype_is_float(nx_vtype(gj, w0)->dtype))
			continue;
		nx_tensor q = const_value(gk, wq), w = const_value(gj, w0);
		int64_t n = numel(gk, wq), per = n / ns;
		double s2 = 0, e2 = 0;
		for (int64_t i = 0; i < n; i++) {
			int64_t c = per > 0 ? i / per : 0;
			double sc = scale[c < (int64_t)ns ? c : (int64_t)ns - 1];
			double x = nx_tensor_get(&q, i) * sc, y = nx_tensor_get(&w, i);
			s2 += y * y;
			e2 += (x - y) * (x - y);
		}
		return e2 == 0 ? INFINITY : 10 * log10(s2 / e2);
	}
	return NAN;
}

/* Root cause: the first op (schedule order) whose result fails while every
 * operand it reads passes (or stands for nothing that could fail: inputs,
 * constants, unmatched values). */
static void conclude(const nx_graph *gk, nxw_numdebug *d)
{
	d->root = d->first_nan = d->worst = d->first_fail = d->lowest_snr = UINT32_MAX;
	d->worst_shadow = UINT32_MAX;
	double wsh = INFINITY;
	d->unmatched = 0;
	/* value id -> index in d->ops */
	uint32_t *at = nx_xmalloc((gk->n_vals + 1) * sizeof *at);
	for (uint32_t v = 0; v < gk->n_vals; v++)
		at[v] = UINT32_MAX;
	for (uint32_t i = 0; i < d->n; i++)
		at[d->ops[i].value] = i;
	double worst = INFINITY, snr = INFINITY;
	for (uint32_t i = 0; i < d->n; i++) {
		const nxw_opnum *m = &d->ops[i];
		if (d->first_nan == UINT32_MAX && (m->nan || m->inf))
			d->first_nan = i;
		if (m->match == NXW_MATCH_NONE) {
			d->unmatched++;
			continue;
		}
		if (m->snr_db < snr) {
			snr = m->snr_db;
			d->lowest_snr = i;
		}
		if (m->shadow_cosine < wsh) {
			wsh = m->shadow_cosine;
			d->worst_shadow = i;
		}
		if (m->cosine < worst || (isnan(m->cosine) && worst == INFINITY)) {
			worst = m->cosine;
			d->worst = i;
		}
		if (!m->fails)
			continue;
		if (d->first_fail == UINT32_MAX)
			d->first_fail = i;
		if (d->root != UINT32_MAX)
			continue;
		bool inputs_pass = true;
		const nx_op *p = &gk->ops[m->op];
		for (uint32_t k = 0; k < p->n_in && inputs_pass; k++) {
			uint32_t v = nx_operand(gk, m->op, k);
			if (v != NX_NONE && at[v] != UINT32_MAX && d->ops[at[v]].fails)
				inputs_pass = false;
		}
		if (inputs_pass)
			d->root = i;
	}
	free(at);
}

int nxw_numdebug_run(nxw_session *s, uint32_t k, uint32_t against, const nxw_debug_opts *o,
		     nxw_numdebug *d, nx_err *err)
{
	memset(d, 0, sizeof *d);
	if (k >= s->n_steps || against >= s->n_steps) {
		nx_err_set(err, "no step %u (the history has %u)", k >= s->n_steps ? k : against,
			   s->n_steps);
		return -1;
	}
	return nxw_numdebug_graph(s, s->steps[k].snap, k, against, o, d, err);
}

int nxw_numdebug_graph(nxw_session *s, nx_graph *gk, uint32_t k, uint32_t against,
		       const nxw_debug_opts *o, nxw_numdebug *d, nx_err *err)
{
	memset(d, 0, sizeof *d);
	nxw_num_limits lim = o && o->limits ? *o->limits : nxw_num_defaults;
	d->limits = lim;
	d->step = k;
	d->against = against;
	nx_graph *g0 = s->steps[against].snap;
	/* weight SQNR looks back through the history from step k: only when gk
	 * is that step's snapshot */
	bool in_history = k < s->n_steps && s->steps[k].snap == gk;
	if (gk->n_inputs != g0->n_inputs) {
		nx_err_set(err, "step %u has %u inputs, step %u has %u", k, gk->n_inputs, against,
			   g0->n_inputs);
		return -1;
	}
	/* inputs: the caller's (real data), else the session's seeded ones */
	nx_tensor *in0;
	bool own_in0 = false;
	if (o && o->inputs) {
		in0 = (nx_tensor *)o->inputs;
		if (o->n_inputs != g0->n_inputs) {
			nx_err_set(err, "%u inputs given, the model takes %u", o->n_inputs, g0->n_inputs);
			return -1;
		}
	} else {
		uint64_t state = s->seed;
		in0 = nx_xcalloc(g0->n_inputs + 1, sizeof *in0);
		for (uint32_t i = 0; i < g0->n_inputs; i++)
			in0[i] = nx_tensor_random(nx_vtype(g0, g0->inputs[i]), &state, -1.0, 1.0);
		own_in0 = true;
	}
	int threads = side_threads(o ? o->threads : 0);
	nx_tensor *ina = inputs_for(g0, in0, g0->n_inputs);
	nx_tensor *ink = inputs_for(gk, in0, gk->n_inputs);
	if (own_in0)
		free_tensors(in0, g0->n_inputs);
	nd_refs refs;
	nd_refs_init(&refs, g0->n_vals);
	nd_worker work;
	nd_worker_start(&work, &refs, &lim);
	stream st = {d, &refs, lim, NULL, !o || o->shadow, &work};
	match_all(gk, g0, d);
	st.first = nx_xmalloc((gk->n_ops + 1) * sizeof *st.first);  /* freed at done */
	for (uint32_t i = 0; i < gk->n_ops; i++)
		st.first[i] = UINT32_MAX;
	for (uint32_t i = d->n; i-- > 0;)
		st.first[d->ops[i].op] = i;
	count_uses(&st, gk);
	for (uint32_t i = 0; i < g0->n_inputs; i++)
		nd_refs_publish(&refs, g0->inputs[i], &ina[i]);
	touch_constants(g0);
	touch_constants(gk);
	side0 z = {.g0 = g0, .in = ina, .refs = &refs,
		   .ro = {.threads = threads, .after = publish_op}};
	z.ro.observer = &z;
	nx_run_result rk = {0};
	nx_run_opts rs = {.threads = threads, .before = shadow_op, .after = compare_op,
			  .observer = &st};
	pthread_t th;
	int rc = 0;
	if (pthread_create(&th, NULL, run_side0, &z)) {
		nx_err_set(err, "cannot start a thread for step %u's run", against);
		nd_worker_finish(&work);
		rc = -1;
		goto done;
	}
	rc = nx_run(gk, ink, gk->n_inputs, &rs, &rk, err);
	if (rc)
		nd_refs_cancel(&refs);
	/* the queued metrics first: they still take step-0 values */
	nd_worker_finish(&work);
	nd_refs_consumer_done(&refs);
	pthread_join(th, NULL);
	if (rc) {
		nx_err_prefix(err, "running step %u: ", k);
		goto done;
	}
	if (z.rc) {
		*err = z.err;
		nx_err_prefix(err, "running step %u: ", against);
		rc = -1;
		goto done;
	}
	d->ref_peak_bytes = refs.peak;
	for (uint32_t i = 0; in_history && i < d->n; i++)
		if (d->ops[i].match != NXW_MATCH_NONE)
			d->ops[i].sqnr_db = weight_sqnr(s, k, d->ops[i].op);
	conclude(gk, d);
done:
	free_tensors(ina, g0->n_inputs);
	free_tensors(ink, gk->n_inputs);
	free(st.first);
	nd_refs_destroy(&refs);
	nx_run_result_free(&rk);
	if (rc)
		nxw_numdebug_free(d);
	return rc;
}

void nxw_numdebug_free(nxw_numdebug *d)
{
	free(d->ops);
	free(d->match_of);
	memset(d, 0, sizeof *d);
}
