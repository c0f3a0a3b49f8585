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

#include "nxw.h"

const nxw_num_limits nxw_num_defaults = {
	.cos_fail = 0.99, .abs_with_cos = 1e-3, .cos_hard = 0.9, .abs_hard = 1.0,
	.rel_floor = 1e-3,
};

const char *nxw_match_name(int m)
{
	static const char *const n[] = {"none", "name", "origin", "around", "input"};
	return m >= 0 && m < (int)(sizeof n / sizeof n[0]) ? n[m] : "?";
}

/* ---- metrics --------------------------------------------------------------- */

/* Element i as a double: f32 read directly (the common case, and the hot
 * loop over every value of a model), anything else through the accessor. */
static inline double elem(const nx_tensor *t, const float *f, int64_t i)
{
	return f ? (double)f[i] : nx_tensor_get(t, i);
}

void nxw_num_metrics(const nx_tensor *a, const nx_tensor *b, double rel_floor, nxw_opnum *m)
{
	int64_t n = nx_tensor_numel(b);
	const float *fa = a->type.dtype == NX_F32 ? a->data : NULL;
	const float *fb = b->type.dtype == NX_F32 ? b->data : NULL;
	double sab = 0, saa = 0, sbb = 0, se = 0, sae = 0, bmax = 0, emax = 0;
	int64_t nan = 0, inf = 0, ovf = 0, flush = 0;
	bool nan_b = false;
	for (int64_t i = 0; i < n; i++) {
		double x = elem(a, fa, i), y = elem(b, fb, i);
		nan += isnan(x);
		inf += isinf(x);
		nan_b |= isnan(y);
		double ay = fabs(y);
		/* what step 0's values would do in fp16: overflow past the largest
		 * half, or flush below its smallest subnormal */
		ovf += ay > 65504.0 && isfinite(ay);
		flush += ay > 0 && ay < 5.960464477539063e-08;
		if (!isfinite(x) || !isfinite(y))
			continue;
		double e = fabs(x - y);
		emax = e > emax ? e : emax;
		bmax = ay > bmax ? ay : bmax;
		sab += x * y;
		saa += x * x;
		sbb += y * y;
		se += e * e;
		sae += e;
	}
	/* relative errors divide by max(|b|, rel_floor x max|b|): values near
	 * zero in a tensor of ones do not read as 100 % off */
	double floor_abs = rel_floor * bmax > 1e-30 ? rel_floor * bmax : 1e-30, rmax = 0;
	int64_t w01 = 0, w05 = 0;
	for (int64_t i = 0; i < n; i++) {
		double x = elem(a, fa, i), y = elem(b, fb, i);
		if (!isfinite(x) || !isfinite(y))
			continue;
		double ay = fabs(y), rel = fabs(x - y) / (ay > floor_abs ? ay : floor_abs);
		rmax = rel > rmax ? rel : rmax;
		w01 += rel <= 1e-3;
		w05 += rel <= 5e-3;
	}
	m->n = n;
	m->nan = nan;
	m->inf = inf;
	m->overflow_f16 = ovf;
	m->flushed_f16 = flush;
	m->max_abs = emax;
	m->max_rel = rmax;
	double na = sqrt(saa), nb = sqrt(sbb);
	m->cosine = na == 0 && nb == 0 ? 1.0 : (na == 0 || nb == 0 ? 0.0 : sab / (na * nb));
	m->mean_abs = n ? sae / (double)n : 0;
	m->rmse = n ? sqrt(se / (double)n) : 0;
	m->snr_db = se == 0 ? INFINITY : (sbb == 0 ? -INFINITY : 10 * log10(sbb / se));
	m->within_01 = n ? (double)w01 / (double)n : 1;
	m->within_05 = n ? (double)w05 / (double)n : 1;
	/* NaN or inf in step k where step 0 is finite: as bad as it gets */
	if ((nan || inf) && !nan_b)
		m->max_abs = INFINITY;
}

bool nxw_num_fails(const nxw_opnum *m, const nxw_num_limits *l)
{
	if (m->match == NXW_MATCH_NONE)
		return false;
	return (m->cosine < l->cos_fail && m->max_abs > l->abs_with_cos) || m->cosine < l->cos_hard ||
	       m->max_abs > l->abs_hard || isnan(m->cosine);
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

/* Step 0's value v0 in the dtype and dims of step k's value v. Caller frees. */
static nx_tensor as_step_k(const nx_graph *gk, uint32_t v, const nx_tensor *ref)
{
	nx_tensor t = nx_tensor_convert(ref, nx_vtype(gk, v)->dtype);
	t.type = *nx_vtype(gk, v);
	return t;
}

/* The debugger streams: step 0 runs first keeping its values (the
 * references); step k then runs with observers that compare each result as
 * it is made (propagated mode) and, before each op, evaluate it once more
 * on step 0's values for its matched operands (shadow mode). Only step 0's
 * values are kept. */
typedef struct stream {
	nxw_numdebug *d;
	const nx_run_result *r0;
	nxw_num_limits lim;
	uint32_t *first;   /* op id of step k -> index of its first result in d->ops */
	bool shadow;
} stream;

static bool any_matched(const stream *st, uint32_t o, uint32_t n_out)
{
	for (uint32_t j = 0; j < n_out; j++)
		if (st->d->ops[st->first[o] + j].match != NXW_MATCH_NONE)
			return true;
	return false;
}

static int shadow_op(void *ctx, nx_graph *gk, uint32_t o, const nx_tensor *in, nx_err *err)
{
	stream *st = ctx;
	const nx_op *p = &gk->ops[o];
	if (!st->shadow || st->first[o] == UINT32_MAX || !any_matched(st, o, p->n_out))
		return 0;
	nxw_numdebug *d = st->d;
	const nx_run_result *r0 = st->r0;
	nx_tensor *sin = nx_xcalloc(p->n_in + 1u, sizeof *sin);
	bool *own = nx_xcalloc(p->n_in + 1u, sizeof *own);
	for (uint32_t i = 0; i < p->n_in; i++) {
		uint32_t v = nx_operand(gk, o, i);
		uint32_t v0 = v == NX_NONE ? NX_NONE : d->match_of[v];
		if (v != NX_NONE && !nx_is_const(gk, v) && v0 != NX_NONE && r0->values[v0].data) {
			sin[i] = as_step_k(gk, v, &r0->values[v0]);
			own[i] = true;
		} else {
			sin[i] = in[i];
		}
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
		if (x->match != NXW_MATCH_NONE && r0->values[x->ref_value].data) {
			nxw_opnum sh = *x;
			nxw_num_metrics(&out[j], &r0->values[x->ref_value], st->lim.rel_floor, &sh);
			x->shadow_cosine = sh.cosine;
			x->shadow_max_abs = sh.max_abs;
			x->shadow_snr_db = sh.snr_db;
			x->shadow_fails = nxw_num_fails(&sh, &st->lim);
		}
	}
	free_tensors(out, p->n_out);
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
		if (!x->data)
			continue;
		if (m->match == NXW_MATCH_NONE) {
			/* not compared, but a NaN it makes is still the first NaN */
			for (int64_t e = 0, n = nx_tensor_numel(x); e < n; e++) {
				double y = nx_tensor_get(x, e);
				m->nan += isnan(y);
				m->inf += isinf(y);
			}
			continue;
		}
		const nx_tensor *ref = &st->r0->values[m->ref_value];
		if (!ref->data)
			continue;
		nxw_num_metrics(x, ref, st->lim.rel_floor, m);
		m->fails = nxw_num_fails(m, &st->lim);
	}
	return 0;
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
	nx_run_opts ro = {.keep = true, .threads = o ? o->threads : 0};
	nx_run_result r0 = {0}, rk = {0};
	nx_tensor *ina = inputs_for(g0, in0, g0->n_inputs);
	nx_tensor *ink = inputs_for(gk, in0, gk->n_inputs);
	if (own_in0)
		free_tensors(in0, g0->n_inputs);
	stream st = {d, &r0, lim, NULL, !o || o->shadow};
	int rc = nx_run(g0, ina, g0->n_inputs, &ro, &r0, err);
	if (rc) {
		nx_err_prefix(err, "running step %u: ", against);
		goto done;
	}
	match_all(gk, g0, d);
	st.first = nx_xmalloc((gk->n_ops + 1) * sizeof *st.first);
	for (uint32_t i = 0; i < gk->n_ops; i++)
		st.first[i] = UINT32_MAX;
	for (uint32_t i = d->n; i-- > 0;)
		st.first[d->ops[i].op] = i;
	nx_run_opts rs = {.threads = ro.threads, .before = shadow_op, .after = compare_op,
			  .observer = &st};
	if ((rc = nx_run(gk, ink, gk->n_inputs, &rs, &rk, err)) != 0) {
		nx_err_prefix(err, "running step %u: ", k);
		goto done;
	}
	for (uint32_t i = 0; in_history && i < d->n; i++)
		if (d->ops[i].match != NXW_MATCH_NONE)
			d->ops[i].sqnr_db = weight_sqnr(s, k, d->ops[i].op);
	conclude(gk, d);
done:
	free_tensors(ina, g0->n_inputs);
	free_tensors(ink, gk->n_inputs);
	free(st.first);
	nx_run_result_free(&r0);
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
