/* bisect.c — which pass, and which single rewrite in it, first breaks a
 * check: the verifier, numeric agreement with step 0, or a metric bound.
 * Steps are scanned in order (a pipeline is tens of steps, and a check that
 * fails and then passes again should still report the first failure); inside
 * the failing pass the rewrite budget is bisected, which is sound because a
 * run with budget k reproduces the first k rewrites of the full run. */
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
	nx_err_set(err, "check '%s': use verify, numeric:TOL or metric:NAME<=X", text);
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

/* 1 pass, 0 fail, -1 error. */
static int check(nxw_session *s, nxw_step *st, uint32_t k, const nxw_check *c, nx_err *err)
{
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

int nxw_bisect(nxw_session *s, const nxw_check *c, nxw_bisect_result *r, nx_err *err)
{
	memset(r, 0, sizeof *r);
	r->op = NX_NONE;
	s->cursor = s->n_steps - 1;
	if (nxw_apply_all(s, -1, err) < 0 && nxw_cur(s)->ok)
		return -1;
	for (uint32_t k = 0; k < s->n_steps; k++) {
		int ok = check(s, &s->steps[k], k, c, err);
		if (ok < 0)
			return -1;
		if (ok)
			continue;
		r->found = true;
		r->step = k;
		snprintf(r->pass, sizeof r->pass, "%s", s->steps[k].pass);
		if (k == 0) /* the model itself fails: nothing to bisect */
			return 0;
		/* budget lo passes (0 rewrites = step k-1, which passed), hi fails */
		int64_t lo = 0, hi = s->steps[k].rewrites;
		if (hi == 0) /* failed without rewriting: the pass as a whole */
			return 0;
		while (hi - lo > 1) {
			int64_t mid = lo + (hi - lo) / 2;
			nxw_step t;
			nxw_run_inv(s, k - 1, s->steps[k].inv, mid, &t);
			r->runs++;
			int tok = check(s, &t, k, c, err);
			nxw_step_free(&t);
			if (tok < 0)
				return -1;
			if (tok)
				lo = mid;
			else
				hi = mid;
		}
		nxw_step t;
		nxw_run_inv(s, k - 1, s->steps[k].inv, hi, &t);
		r->runs++;
		r->rewrite = hi;
		r->op = t.last_op;
		if (t.n_remarks)
			snprintf(r->remark, sizeof r->remark, "%s", t.remarks[t.n_remarks - 1]);
		nxw_step_free(&t);
		return 0;
	}
	return 0;
}
