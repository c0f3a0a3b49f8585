/* bisect.c — which pass, and which single rewrite in it, first breaks a
 * check: the verifier, numeric agreement with step 0, or a metric bound.
 * Steps are scanned in order (a pipeline is tens of steps, and a check that
 * fails and then passes again should still report the first failure). Inside
 * the failing pass a run with budget b reproduces the first b rewrites of the
 * full run, so budgets can be probed; but a check need not be monotone in b
 * (numeric error goes up and down as rewrites land: to-fp16 on the demo is
 * 1.7e-5 after one rewrite and 8.6e-6 after two), so binary search only
 * proposes a candidate: fresh runs confirm it and its predecessor, and the
 * budgets below it that the search did not see pass are checked one by one,
 * so the answer is the first failing rewrite whatever the check does. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nxw.h"

static const char *metrics[] = {"ops", "weight_bytes", "peak", "cycles", "latency_us",
				"energy_uj", NULL};

int nxw_check_parse(nxw_check *c, const char *text, nx_err *err)
{
	memset(c, 0, sizeof *c);
	if (!strcmp(text, "verify")) {
		c->kind = NXW_CHECK_VERIFY;
		return 0;
	}
	if (!strncmp(text, "numeric:", 8)) {
		char *end;
		c->kind = NXW_CHECK_NUMERIC;
		c->limit = strtod(text + 8, &end);
		if (end == text + 8 || *end || !(c->limit >= 0)) {
			nx_err_set(err, "check '%s': numeric:TOL wants a tolerance like 1e-3", text);
			return -1;
		}
		return 0;
	}
	if (!strncmp(text, "metric:", 7)) {
		const char *m = text + 7;
		const char *op = strpbrk(m, "<>");
		if (!op || op[1] != '=' || (size_t)(op - m) >= sizeof c->metric) {
			nx_err_set(err, "check '%s': metric:NAME<=X or metric:NAME>=X", text);
			return -1;
		}
		c->kind = NXW_CHECK_METRIC;
		memcpy(c->metric, m, (size_t)(op - m));
		c->metric[op - m] = 0;
		c->at_most = *op == '<';
		char *end;
		c->limit = strtod(op + 2, &end);
		bool known = false;
		for (int i = 0; metrics[i]; i++)
			known |= !strcmp(metrics[i], c->metric);
		if (end == op + 2 || *end || !known) {
			nx_err_set(err, "check '%s': metrics are ops, weight_bytes, peak, cycles, "
				   "latency_us, energy_uj, with a number after <= or >=", text);
			return -1;
		}
		return 0;
	}
	if (!strcmp(text, "op:nan")) {
		c->kind = NXW_CHECK_OP_NAN;
		return 0;
	}
	if (!strcmp(text, "op:fp16-overflow")) {
		c->kind = NXW_CHECK_OP_F16;
		return 0;
	}
	if (!strncmp(text, "op:cosine>=", 11)) {
		char *end;
		c->kind = NXW_CHECK_OP_COSINE;
		c->limit = strtod(text + 11, &end);
		if (end == text + 11 || *end || !(c->limit >= -1 && c->limit <= 1)) {
			nx_err_set(err, "check '%s': op:cosine>=X wants X in [-1, 1]", text);
			return -1;
		}
		return 0;
	}
	nx_err_set(err, "check '%s': use verify, numeric:TOL, metric:NAME<=X, op:cosine>=X, "
		   "op:nan or op:fp16-overflow", text);
	return -1;
}

static int metric_of(const nxw_step *st, const char *name, double *v, nx_err *err)
{
	const nxw_metrics *m = &st->m;
	if (!strcmp(name, "ops"))
		*v = m->ops;
	else if (!strcmp(name, "weight_bytes"))
		*v = (double)m->weight_bytes;
	else if (!m->have_sim) {
		nx_err_set(err, "metric %s needs the simulator: give the session a target "
			   "(nxw_set_target; --target on the command line)", name);
		return -1;
	} else if (!strcmp(name, "peak"))
		*v = (double)m->peak_bytes;
	else if (!strcmp(name, "cycles"))
		*v = m->cycles;
	else if (!strcmp(name, "latency_us"))
		*v = m->latency_us;
	else
		*v = m->energy_uj;
	return 0;
}

/* Per-op checks (numdebug.c) against step 0: 1 pass, 0 fail (the op named
 * in s->check_detail), -1 error. */
static int check_ops(nxw_session *s, nxw_step *st, uint32_t k, const nxw_check *c,
		     nx_err *err)
{
	nxw_debug_opts o = {.shadow = false};
	nxw_numdebug d;
	if (nxw_numdebug_graph(s, st->snap, k, 0, &o, &d, err))
		return -1;
	int ok = 1;
	for (uint32_t i = 0; i < d.n && ok; i++) {
		const nxw_opnum *m = &d.ops[i];
		bool bad = false;
		const char *why = "";
		if (c->kind == NXW_CHECK_OP_COSINE) {
			bad = m->match != NXW_MATCH_NONE && m->cosine < c->limit;
			why = "cosine";
		} else if (c->kind == NXW_CHECK_OP_NAN) {
			bad = (m->nan || m->inf) && (m->match == NXW_MATCH_NONE ||
						     m->max_abs == INFINITY);
			why = "NaN/inf";
		} else {
			bool f16 = nx_vtype(st->snap, m->value)->dtype == NX_F16;
			bad = f16 && (m->overflow_f16 > 0 || (m->inf && m->max_abs == INFINITY));
			why = "fp16 overflow";
		}
		if (!bad)
			continue;
		ok = 0;
		snprintf(s->check_detail, sizeof s->check_detail,
			 "%s at %%%s (%s, op #%u): cosine %.7f, max abs %.3g, %lld over 65504, "
			 "%lld NaN/inf", why, nx_vname(st->snap, m->value),
			 nx_op_name(st->snap, m->op), m->op, m->cosine, m->max_abs,
			 (long long)m->overflow_f16, (long long)(m->nan + m->inf));
	}
	nxw_numdebug_free(&d);
	return ok;
}

/* 1 pass, 0 fail, -1 error. */
static int check(nxw_session *s, nxw_step *st, uint32_t k, const nxw_check *c, nx_err *err)
{
	if (c->kind >= NXW_CHECK_OP_COSINE)
		return st->ok && st->snap ? check_ops(s, st, k, c, err) : 0;
	if (!st->ok && (c->kind == NXW_CHECK_VERIFY || !st->snap))
		return 0;
	switch (c->kind) {
	case NXW_CHECK_VERIFY: {
		if (s->verify_each)
			return st->ok;
		nx_err e;
		return nx_verify(st->snap, &e) == 0;
	}
	case NXW_CHECK_NUMERIC:
		if (!st->ok)
			return 0;
		if (nxw_numeric_step(s, st, k, err) != 0)
			return -1;
		return st->num.max_rel <= c->limit;
	default: {
		double v;
		if (metric_of(st, c->metric, &v, err) != 0)
			return -1;
		return c->at_most ? v <= c->limit : v >= c->limit;
	}
	}
}

int nxw_check_step(nxw_session *s, uint32_t k, const nxw_check *c, nx_err *err)
{
	return check(s, &s->steps[k], k, c, err);
}

/* Runs step k's pass from its base with budget b and checks the result:
 * 1 pass, 0 fail, -1 error. Keeps the run's root op and last remark in r
 * when keep. */
static int probe(nxw_session *s, uint32_t k, int64_t b, const nxw_check *c,
		 nxw_bisect_result *r, bool keep, nx_err *err)
{
	const nxw_step *st = &s->steps[k];
	int cancel = nxw_progress_tick(s, "bisect", r->runs, 0, st->pass, err);
	if (cancel)
		return cancel;
	nxw_step t;
	nxw_run_inv(s, st->base, st->inv, b, &t);
	r->runs++;
	int ok = check(s, &t, k, c, err);
	if (keep && ok == 0) {
		snprintf(r->detail, sizeof r->detail, "%s",
			 c->kind >= NXW_CHECK_OP_COSINE ? s->check_detail : "");
		r->op = t.last_op;
		r->num = t.num;
		r->remark[0] = 0;
		if (t.n_remarks)
			snprintf(r->remark, sizeof r->remark, "%s", t.remarks[t.n_remarks - 1]);
	}
	nxw_step_free(&t);
	return ok;
}

int nxw_bisect(nxw_session *s, const nxw_check *c, bool assume_monotone,
	       nxw_bisect_result *r, nx_err *err)
{
	memset(r, 0, sizeof *r);
	r->op = NX_NONE;
	s->cursor = s->n_steps - 1;
	int rc = nxw_apply_all(s, -1, err);
	if (rc == NXW_CANCELLED)
		return rc;
	if (rc < 0 && nxw_cur(s)->ok)
		return -1;
	for (uint32_t k = 0; k < s->n_steps; k++) {
		rc = nxw_progress_tick(s, "check", k, s->n_steps, s->steps[k].pass, err);
		if (rc)
			return rc;
		int ok = check(s, &s->steps[k], k, c, err);
		if (ok < 0)
			return -1;
		if (ok)
			continue;
		r->found = true;
		r->step = k;
		snprintf(r->pass, sizeof r->pass, "%s", s->steps[k].pass);
		if (c->kind >= NXW_CHECK_OP_COSINE) /* the op that breaks it, until a
						     * rewrite narrows it down */
			snprintf(r->detail, sizeof r->detail, "%s", s->check_detail);
		if (k == 0) /* the model itself fails: nothing to bisect */
			return 0;
		/* Budgets count from the pass's start (steps[k].base): `before`
		 * passes (it is step k-1, which passed), before + rewrites fails
		 * (step k). A stepped step holds one rewrite: nothing to search. */
		const nxw_step *st = &s->steps[k];
		int64_t first = st->before + 1, lo = st->before, hi = st->before + st->rewrites;
		if (st->rewrites == 0) /* failed without rewriting: the pass as a whole */
			return 0;
		/* the budgets the search saw pass, so the scan need not rerun them */
		int64_t *seen = nx_xmalloc((size_t)(hi - lo + 1) * sizeof *seen);
		uint32_t n_seen = 0;
		while (hi - lo > 1) {
			int64_t mid = lo + (hi - lo) / 2;
			int tok = probe(s, k, mid, c, r, false, err);
			if (tok < 0) {
				rc = tok;
				goto fail;
			}
			if (tok) {
				lo = mid;
				seen[n_seen++] = mid;
			} else {
				hi = mid;
			}
		}
		r->candidate = hi;
		/* confirm the pair with fresh runs rather than trust the search */
		int before_ok = probe(s, k, hi - 1, c, r, false, err);
		int at_ok = before_ok < 0 ? -1 : probe(s, k, hi, c, r, true, err);
		if (before_ok < 0 || at_ok < 0) {
			rc = before_ok < 0 ? before_ok : at_ok;
			goto fail;
		}
		r->confirmed = before_ok == 1 && at_ok == 0;
		r->rewrite = hi;
		int64_t from = first, to = hi - 1;
		if (!r->confirmed) { /* not deterministic: scan the last interval */
			from = lo + 1 > first ? lo + 1 : first;
			to = hi;
		} else if (assume_monotone) {
			free(seen);
			return 0;
		}
		r->scanned = true;
		r->scan_from = from;
		int64_t f = -1;
		for (int64_t b = from; b <= to && f < 0; b++) {
			bool known = false;
			for (uint32_t i = 0; i < n_seen && !known; i++)
				known = seen[i] == b;
			if (known)
				continue;
			int bok = probe(s, k, b, c, r, true, err);
			if (bok < 0) {
				rc = bok;
				goto fail;
			}
			if (!bok)
				f = b;
		}
		/* else the candidate stands (its root op and remark are from the
		 * confirming run; unconfirmed, the report says so) */
		if (f >= 0) {
			r->earlier = f < hi;
			r->rewrite = f;
		}
		free(seen);
		return 0;
	fail:
		free(seen);
		return rc == NXW_CANCELLED ? rc : -1;
	}
	return 0;
}
