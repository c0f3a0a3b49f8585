/* ops_fixture.h — what the op tests share (test_ops_numeric, test_ops_signal,
 * test_ops_rest, test_qconv, test_rnn, test_dtypes, test_speed_act,
 * test_simd_v4): a small graph through
 * the default pipeline with the numeric check after every step, one output
 * of a graph without inputs read back as doubles, the element-wise
 * comparison against values worked by hand, and the refusals: text the
 * parser (inference) must refuse, and a graph whose run must fail, each
 * with the words its message must hold. Include after check.h. */
#ifndef OPS_FIXTURE_H
#define OPS_FIXTURE_H
#include <math.h>

#include "nxw.h"

/* Parses text, checks that each of kinds[0..n_kinds) occurs in it (so a
 * fixture cannot silently lose the op it is there for), then runs the
 * default pipeline with the numeric check on: every step must verify and
 * stay within max_rel of step 0's outputs on the session's seeded inputs
 * (0 asks for the same numbers bit for bit). */
static inline void ops_through_default(const char *text, const int *kinds, int n_kinds,
				       double max_rel)
{
	nx_err e;
	nx_graph *g = nx_parse(text, strlen(text), "fixture.nex", NULL, &e);
	CHECK(g != NULL);
	if (!g) {
		fprintf(stderr, "%s\n", e.msg);
		return;
	}
	for (int i = 0; i < n_kinds; i++) {
		bool seen = false;
		NX_FOR_OPS(g, o)
			seen |= g->ops[o].kind == kinds[i];
		if (!seen)
			fprintf(stderr, "fixture lacks %s\n", nx_ops[kinds[i]].name);
		CHECK(seen);
	}
	nxw_session *s = nxw_session_new(g); /* takes g; freed with the session */
	s->numeric_each = true;
	CHECK(s->steps[0].ok);
	CHECK_EQ_INT(nxw_set_pipeline(s, "default", &e), 0);
	int rc = nxw_apply_all(s, -1, &e);
	if (rc)
		fprintf(stderr, "%s\n", e.msg);
	CHECK_EQ_INT(rc, 0);
	/* Fewer steps would mean the pipeline stopped early without saying so. */
	CHECK(s->n_steps > 10);
	for (uint32_t k = 1; k < s->n_steps; k++) {
		const nxw_step *st = &s->steps[k];
		CHECK(st->ok);
		CHECK(st->num.done);
		if (!(st->num.max_rel <= max_rel))
			fprintf(stderr, "step %u (%s): max rel %.3g at %s\n", k, st->pass,
				st->num.max_rel, st->num.worst);
		CHECK(st->num.max_rel <= max_rel);
	}
	nxw_session_free(s);
}

/* Parses and runs text (a graph without inputs) and writes output i's n
 * elements as doubles to out[0..n); a parse or run error, or another
 * element count, fails the case and leaves NaNs, which no comparison
 * takes for a value. */
static inline void ops_values(const char *text, uint32_t i, double *out, int64_t n)
{
	for (int64_t k = 0; k < n; k++)
		out[k] = NAN;
	nx_err e;
	nx_graph *g = nx_parse(text, strlen(text), "t.nex", NULL, &e);
	CHECK(g != NULL);
	if (!g) {
		fprintf(stderr, "%s\n", e.msg);
		return;
	}
	nx_run_result r;
	int rc = nx_run(g, NULL, 0, NULL, &r, &e);
	if (rc)
		fprintf(stderr, "%s\n", e.msg);
	CHECK_EQ_INT(rc, 0);
	if (!rc) {
		CHECK_EQ_INT(nx_tensor_numel(&r.outputs[i]), n);
		for (int64_t k = 0; k < n && k < nx_tensor_numel(&r.outputs[i]); k++)
			out[k] = nx_tensor_get(&r.outputs[i], k);
		nx_run_result_free(&r);
	}
	nx_graph_free(g);
}

/* Parses text, which must parse (else the case fails with the reason on
 * stderr): NULL or a graph the caller frees with nx_graph_free. */
static inline nx_graph *ops_parse(const char *text)
{
	nx_err e;
	nx_graph *g = nx_parse(text, strlen(text), "t.nex", NULL, &e);
	CHECK(g != NULL);
	if (!g)
		fprintf(stderr, "%s\n", e.msg);
	return g;
}

/* The same float, or both NaN: what the SIMD copies of a kernel must
 * agree on. */
static inline bool ops_same_bits(float a, float b)
{
	return !memcmp(&a, &b, sizeof a) || (isnan(a) && isnan(b));
}

/* text must not parse, and the message must contain msg. */
static inline void ops_refused(const char *text, const char *msg)
{
	nx_err e;
	nx_graph *g = nx_parse(text, strlen(text), "t.nex", NULL, &e);
	CHECK(g == NULL);
	if (!g)
		CHECK_CONTAINS(e.msg, msg);
	nx_graph_free(g);
}

/* g run on in[0..n) must fail, and the message must contain msg. */
static inline void ops_run_fails(nx_graph *g, const nx_tensor *in, uint32_t n, const char *msg)
{
	nx_err e;
	nx_run_result r;
	int rc = nx_run(g, in, n, NULL, &r, &e);
	CHECK_EQ_INT(rc, -1);
	if (rc)
		CHECK_CONTAINS(e.msg, msg);
	else
		nx_run_result_free(&r);
}

/* text (a graph without inputs) parses, and its run fails with msg. */
static inline void ops_run_refused(const char *text, const char *msg)
{
	nx_graph *g = ops_parse(text);
	if (g)
		ops_run_fails(g, NULL, 0, msg);
	nx_graph_free(g);
}

/* got[k] within tol relative of want[k] (absolute below 1; tol 0 asks for
 * equality); a NaN in got never matches. */
static inline void ops_near(const double *got, const double *want, int n, double tol)
{
	for (int k = 0; k < n; k++)
		if (!(fabs(got[k] - want[k]) <= tol * fmax(1, fabs(want[k])))) {
			fprintf(stderr, "element %d: got %.9g, want %.9g\n", k, got[k], want[k]);
			CHECK(0);
		}
}
#endif
