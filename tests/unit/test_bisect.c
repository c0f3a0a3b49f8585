/* test_bisect.c — bisection to the first failing rewrite when the check is
 * not monotone in the rewrite budget. to-fp16 on the demo model converts one
 * op per rewrite, and the relative error of the outputs goes up and down as
 * they land; for a range of tolerances the first failing rewrite found by
 * brute force (every budget checked) must be what nxw_bisect reports, and at
 * least one tolerance must be one where binary search alone lands on a later
 * rewrite (so the scan below the candidate is what makes it right). The
 * command line (nex bisect) is checked on one of them too. */
#include "check.h"
#include "nxw.h"

static nxw_session *open_demo(const char *pipeline)
{
	nx_err err;
	nx_graph *g = nx_demo(&err);
	if (!g) {
		fprintf(stderr, "%s\n", err.msg);
		return NULL;
	}
	nxw_session *s = nxw_session_new(g);
	if (nxw_set_pipeline(s, pipeline, &err) != 0) {
		fprintf(stderr, "%s\n", err.msg);
		nxw_session_free(s);
		return NULL;
	}
	return s;
}

/* err[b] = max relative output error after b rewrites of to-fp16; returns
 * the number of rewrites of the whole pass, -1 on failure. Caller frees *err. */
static int64_t errors_by_budget(double **out)
{
	nxw_session *s = open_demo("to-fp16");
	if (!s)
		return -1;
	nx_err err;
	int64_t n = -1;
	if (nxw_apply_all(s, -1, &err) != 0) {
		fprintf(stderr, "%s\n", err.msg);
		goto done;
	}
	n = s->steps[1].rewrites;
	double *e = calloc((size_t)n + 1, sizeof *e);
	for (int64_t b = 0; b <= n; b++) {
		nxw_step t;
		nxw_run_inv(s, 0, 0, b, &t);
		if (nxw_numeric_step(s, &t, 1, &err) != 0) {
			fprintf(stderr, "budget %lld: %s\n", (long long)b, err.msg);
			nxw_step_free(&t);
			free(e);
			n = -1;
			goto done;
		}
		e[b] = t.num.max_rel;
		nxw_step_free(&t);
	}
	*out = e;
done:
	nxw_session_free(s);
	return n;
}

static void test_non_monotone(void)
{
	double *e = NULL;
	int64_t n = errors_by_budget(&e);
	CHECK(n > 2);
	if (n <= 2)
		return;
	/* the premise: error falls again after a later rewrite somewhere */
	bool falls = false;
	for (int64_t b = 2; b <= n; b++)
		falls |= e[b] < e[b - 1];
	CHECK(falls);
	/* tolerances just below each error seen: the check "max rel <= tol"
	 * then fails first at the smallest b with e[b] > tol. Binary search
	 * is simulated on e[] to pick the interesting ones (each bisection
	 * runs the interpreter tens of times): one where it alone would land
	 * past the first failure, and one where it would not. */
	uint32_t past = 0, at = 0, bad = 0;
	for (int64_t k = 1; k <= n && (past < 1 || at < 1); k++) {
		if (e[k] <= e[k - 1])
			continue;
		double tol = e[k] * (1 - 1e-9);
		int64_t first = -1;
		for (int64_t b = 1; b <= n && first < 0; b++)
			if (e[b] > tol)
				first = b;
		if (first < 0 || e[n] <= tol)
			continue; /* the whole pass passes: nothing to bisect */
		int64_t lo = 0, hi = n;
		while (hi - lo > 1) {
			int64_t mid = lo + (hi - lo) / 2;
			if (e[mid] <= tol)
				lo = mid;
			else
				hi = mid;
		}
		bool is_past = hi != first;
		if (is_past ? past >= 1 : at >= 1)
			continue;
		past += is_past;
		at += !is_past;
		char text[64];
		snprintf(text, sizeof text, "numeric:%.17g", tol);
		nxw_check c;
		nx_err err;
		CHECK_EQ_INT(nxw_check_parse(&c, text, &err), 0);
		nxw_session *s = open_demo("to-fp16");
		if (!s)
			break;
		nxw_bisect_result r;
		CHECK_EQ_INT(nxw_bisect(s, &c, false, &r, &err), 0);
		CHECK(r.found);
		CHECK_EQ_INT(r.step, 1);
		CHECK(r.confirmed && r.scanned);
		CHECK_EQ_INT(r.candidate, hi);
		CHECK_EQ_INT(r.earlier, is_past);
		CHECK(r.num.done && r.num.max_rel > tol); /* the reported rewrite's own error */
		if (r.rewrite != first) {
			fprintf(stderr, "tol %.3g: bisect says rewrite %lld, brute force %lld\n",
				tol, (long long)r.rewrite, (long long)first);
			bad++;
		}
		if (is_past && past == 1 && getenv("NEX_BIN")) {
			/* the command says what it found and how */
			char args[160], want[96];
			int rc;
			snprintf(args, sizeof args, "bisect demo --pipeline to-fp16 --check %s", text);
			char *out = check_nex(args, 1, &rc);
			CHECK_EQ_INT(rc, 0);
			snprintf(want, sizeof want, "first failing rewrite: %lld of %lld in to-fp16",
				 (long long)first, (long long)n);
			CHECK_CONTAINS(out, want);
			snprintf(want, sizeof want, "binary search proposed rewrite %lld", (long long)hi);
			CHECK_CONTAINS(out, want);
			CHECK_CONTAINS(out, "is not monotone in this pass");
			free(out);
			snprintf(args, sizeof args,
				 "bisect demo --pipeline to-fp16 --check %s --assume-monotone", text);
			out = check_nex(args, 1, &rc);
			CHECK_EQ_INT(rc, 0);
			snprintf(want, sizeof want, "a failing rewrite: %lld of", (long long)hi);
			CHECK_CONTAINS(out, want);
			CHECK_CONTAINS(out, "not scanned (--assume-monotone)");
			free(out);
		}
		if (is_past && past == 1) {
			/* binary search alone (--assume-monotone) gives a rewrite that
			 * breaks the check, past the first failure */
			CHECK_EQ_INT(nxw_bisect(s, &c, true, &r, &err), 0);
			CHECK(!r.scanned);
			CHECK_EQ_INT(r.rewrite, hi);
			CHECK(e[r.rewrite - 1] <= tol && e[r.rewrite] > tol);
		}
		nxw_session_free(s);
	}
	printf("errors after 0..3 rewrites: %.3g %.3g %.3g %.3g; %u tolerance(s) where binary "
	       "search alone lands past the first failure, %u where it does not\n",
	       e[0], e[1], e[2], e[3], past, at);
	CHECK(past > 0);
	CHECK(at > 0);
	CHECK_EQ_INT(bad, 0);
	free(e);
}

int main(int argc, char **argv)
{
	static const check_case cases[] = {
		{"non_monotone", test_non_monotone},
		{NULL, NULL},
	};
	return check_main(cases, argc, argv);
}
