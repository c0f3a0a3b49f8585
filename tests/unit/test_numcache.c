/* test_numcache.c — the per-step numeric cache (src/session/numcache.c):
 * a second request on the same step answers from the cache, and a change
 * of seed, limits, mode, target or inputs computes it again; the cached
 * result is the debugger's own (same root cause as a direct run). */
#include <math.h>

#include "check.h"
#include "numdebug_fixture.h"

static void cache(void)
{
	nx_err err;
	nxw_session *s = session_on(nx_demo(&err), "infer-shapes,canonicalize,fold-batchnorm,"
				    "fuse-activation,dce");
	CHECK(s != NULL);
	if (!s)
		return;
	/* the target is the session's before the steps are made (setting one
	 * drops the steps); edited in place below */
	nx_target t = *nx_target_preset_at(0);
	nxw_set_target(s, &t);
	CHECK(nxw_apply_all(s, -1, &err) >= 0);
	uint32_t k = s->n_steps - 1;
	CHECK(sabotage(s, k, "b3_exp_relu6", 1.01f) != NX_NONE);
	nxw_num_limits lim = nxw_num_defaults;
	lim.abs_hard = 1e-3;
	nxw_debug_opts o = {.limits = &lim, .shadow = false};
	CHECK_EQ_INT(nxw_step_numeric_runs(s, k), 0);
	const nxw_numdebug *d = nxw_step_numeric(s, k, 0, &o, &err);
	CHECK(d != NULL);
	if (!d) {
		nxw_session_free(s);
		return;
	}
	CHECK_EQ_INT(nxw_step_numeric_runs(s, k), 1);
	/* the same answer as the debugger run directly */
	nxw_numdebug direct;
	CHECK(nxw_numdebug_run(s, k, 0, &o, &direct, &err) == 0);
	CHECK(d->root != UINT32_MAX);
	CHECK_EQ_INT(d->root, direct.root);
	CHECK_EQ_INT(d->n, direct.n);
	if (d->root != UINT32_MAX)
		CHECK_STR(nx_vname(s->steps[k].snap, d->ops[d->root].value), "b3_exp_relu6");
	nxw_numdebug_free(&direct);

	/* asked again: from the cache */
	CHECK(nxw_step_numeric(s, k, 0, &o, &err) == d);
	CHECK_EQ_INT(nxw_step_numeric_runs(s, k), 1);
	/* another seed: other inputs, other figures */
	double cos0 = d->ops[0].cosine;
	s->seed = 7;
	d = nxw_step_numeric(s, k, 0, &o, &err);
	CHECK(d != NULL);
	CHECK_EQ_INT(nxw_step_numeric_runs(s, k), 2);
	if (d)
		CHECK(d->ops[0].cosine != cos0 || d->ops[0].max_abs > 0);
	/* other limits, another mode */
	lim.abs_hard = 1.0;
	CHECK(nxw_step_numeric(s, k, 0, &o, &err) != NULL);
	CHECK_EQ_INT(nxw_step_numeric_runs(s, k), 3);
	o.shadow = true;
	d = nxw_step_numeric(s, k, 0, &o, &err);
	CHECK_EQ_INT(nxw_step_numeric_runs(s, k), 4);
	CHECK(d && !isnan(d->ops[d->n - 1].shadow_cosine));
	/* a target field edited in place */
	t.clock *= 2;
	CHECK(nxw_step_numeric(s, k, 0, &o, &err) != NULL);
	CHECK_EQ_INT(nxw_step_numeric_runs(s, k), 5);
	CHECK(nxw_step_numeric(s, k, 0, &o, &err) != NULL);
	CHECK_EQ_INT(nxw_step_numeric_runs(s, k), 5);
	/* real inputs instead of the seeded ones, then the same bytes again */
	nx_graph *g0 = s->steps[0].snap;
	uint64_t st = 99;
	nx_tensor in = nx_tensor_random(nx_vtype(g0, g0->inputs[0]), &st, -1, 1);
	o.inputs = &in;
	o.n_inputs = 1;
	CHECK(nxw_step_numeric(s, k, 0, &o, &err) != NULL);
	CHECK_EQ_INT(nxw_step_numeric_runs(s, k), 6);
	CHECK(nxw_step_numeric(s, k, 0, &o, &err) != NULL);
	CHECK_EQ_INT(nxw_step_numeric_runs(s, k), 6);
	((float *)in.data)[0] += 0.5f;
	CHECK(nxw_step_numeric(s, k, 0, &o, &err) != NULL);
	CHECK_EQ_INT(nxw_step_numeric_runs(s, k), 7);
	/* no such step */
	CHECK(nxw_step_numeric(s, s->n_steps, 0, &o, &err) == NULL);
	nx_tensor_free(&in);
	nxw_session_free(s);
}

int main(int argc, char **argv)
{
	static const check_case cases[] = {
		{"cache", cache},
		{NULL, NULL},
	};
	return check_main(cases, argc, argv);
}
