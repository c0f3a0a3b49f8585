/* numdebug_fixture.h — what the numeric-debugger tests share: a session run
 * through a pipeline, and a deliberate error (one op's weight scaled) that
 * the debugger must name as the root cause. Include after check.h. */
#ifndef NUMDEBUG_FIXTURE_H
#define NUMDEBUG_FIXTURE_H
#include "nxw.h"

/* Scales the weight (operand 1) of the op producing `result` in step k's
 * snapshot by f: the deliberate error the debugger must find. */
static inline uint32_t sabotage(nxw_session *s, uint32_t k, const char *result, float f)
{
	nx_graph *g = s->steps[k].snap;
	uint32_t v = nx_value_by_name(g, result, strlen(result));
	if (v == NX_NONE)
		return NX_NONE;
	uint32_t op = g->vals[v].producer, w = nx_operand(g, op, 1);
	nx_type t = *nx_vtype(g, w);
	int64_t n = nx_type_numel(&t);
	const float *src = nx_blob_data(nx_const_blob(g, w));
	float *data = nx_xmalloc((size_t)n * sizeof *data);
	for (int64_t i = 0; i < n; i++)
		data[i] = src[i] * f;
	nx_err err;
	uint32_t nv = nx_const_new(g, NULL, nx_blob_new_data(&t, data), &err);
	nx_op_set_operand(g, op, 1, nv);
	free(s->steps[k].text);
	s->steps[k].text = NULL;
	return op;
}

static inline nxw_session *session_on(nx_graph *g, const char *pipeline)
{
	nx_err err;
	nxw_session *s = nxw_session_new(g);
	if (nxw_set_pipeline(s, pipeline, &err) || nxw_apply_all(s, -1, &err) < 0) {
		fprintf(stderr, "%s\n", err.msg);
		nxw_session_free(s);
		return NULL;
	}
	return s;
}

static inline void finds_sabotage(nx_graph *g, const char *pipeline, const char *victim)
{
	nxw_session *s = session_on(g, pipeline);
	CHECK(s != NULL);
	if (!s)
		return;
	uint32_t k = s->n_steps - 1;
	uint32_t op = sabotage(s, k, victim, 1.01f);
	CHECK(op != NX_NONE);
	/* a 1 % weight error keeps cosine near 1: Ascend's defaults are for fp16
	 * and int8 error levels, so this check sets an absolute bound */
	nxw_num_limits lim = nxw_num_defaults;
	lim.abs_hard = 1e-3;
	nxw_debug_opts o = {.limits = &lim, .shadow = true};
	nxw_numdebug d;
	nx_err err;
	CHECK(nxw_numdebug_run(s, k, 0, &o, &d, &err) == 0);
	CHECK(d.root != UINT32_MAX);
	if (d.root != UINT32_MAX) {
		CHECK_EQ_INT(d.ops[d.root].op, op);
		CHECK(d.ops[d.root].shadow_fails);
		/* the ops after it fail in propagated mode, but pass in shadow mode:
		 * they add no error of their own */
		uint32_t later_ok = 0, later_fail = 0;
		for (uint32_t i = d.root + 1; i < d.n; i++)
			if (d.ops[i].fails) {
				later_fail++;
				later_ok += !d.ops[i].shadow_fails;
			}
		CHECK(later_fail > 0);
		CHECK(later_ok == later_fail);
	}
	nxw_numdebug_free(&d);
	nxw_session_free(s);
}

#endif
