/* test_session_program.c — the NE program per history step
 * (session/program.c): nxw_program lowers a step's snapshot once and keeps
 * it, answers for the session's current target (a smaller SRAM re-lowers
 * and the program changes), uses the recorded plan once plan-memory ran and
 * best fit before, runs on the executor to the interpreter's outputs, and
 * says what is missing without a target. */
#include "check.h"
#include "nxg.h"
#include "nxw.h"

static nxw_session *open_demo(nx_target *t)
{
	nx_err err;
	nx_graph *g = nx_demo(&err);
	if (!g || nx_target_preset("m1", t, &err)) {
		fprintf(stderr, "%s\n", err.msg);
		return NULL;
	}
	return nxw_session_new(g);
}

static void no_target(void)
{
	nx_target t;
	nxw_session *s = open_demo(&t);
	CHECK(s);
	nx_err err;
	CHECK(nxw_program(s, 0, &err) == NULL);
	CHECK_CONTAINS(err.msg, "no target");
	nxw_set_target(s, &t);
	CHECK(nxw_program(s, 9, &err) == NULL);
	CHECK_CONTAINS(err.msg, "no step 9");
	nxw_session_free(s);
}

static void per_step_cached(void)
{
	nx_target t;
	nxw_session *s = open_demo(&t);
	nx_err err;
	nxw_set_target(s, &t);
	CHECK(nxw_set_pipeline(s, "default", &err) == 0);
	CHECK(nxw_apply_all(s, -1, &err) == 0);
	uint32_t last = s->n_steps - 1;
	const nxg_prog *p0 = nxw_program(s, 0, &err), *pl = nxw_program(s, last, &err);
	CHECK(p0 && pl);
	if (!p0 || !pl) {
		nxw_session_free(s);
		return;
	}
	/* step 0 has no plan: best fit; the last step has plan-memory's */
	CHECK_STR(p0->alloc, "bestfit");
	CHECK_STR(pl->alloc, "recorded");
	CHECK(nxw_program(s, last, &err) == pl); /* cached */
	/* the tile pass made conv tiles: more NE tasks than at step 0 */
	nxg_stats a, b;
	nxg_stats_of(p0, &a);
	nxg_stats_of(pl, &b);
	CHECK(b.by_kind[NXG_K_CONV] > a.by_kind[NXG_K_CONV]);
	/* the selected op's first task */
	uint32_t op = pl->tasks[pl->n_tasks - 1].op;
	uint32_t k = nxw_program_task_of(pl, op, 0);
	CHECK(k != NX_NONE && pl->tasks[k].op == op);
	CHECK(nxw_program_task_of(pl, NX_NONE - 1, 0) == NX_NONE);
	/* it runs to the interpreter's outputs */
	nx_graph *g = s->steps[last].snap;
	uint64_t seed = 1;
	nx_tensor in = nx_tensor_random(nx_vtype(g, g->inputs[0]), &seed, -1, 1);
	nx_tensor *outs = NULL;
	nx_run_result ref = {0};
	CHECK(nxg_exec(pl, g, &t, &in, 1, NULL, &outs, NULL, &err) == 0);
	CHECK(nx_run(g, &in, 1, NULL, &ref, &err) == 0);
	for (uint32_t i = 0; outs && ref.outputs && i < g->n_outputs; i++) {
		CHECK(nx_tensor_nbytes(&outs[i]) == nx_tensor_nbytes(&ref.outputs[i]));
		CHECK(!memcmp(outs[i].data, ref.outputs[i].data, nx_tensor_nbytes(&outs[i])));
	}
	for (uint32_t i = 0; outs && i < g->n_outputs; i++)
		nx_tensor_free(&outs[i]);
	free(outs);
	nx_run_result_free(&ref);
	nx_tensor_free(&in);
	/* a smaller SRAM in place: lowered again, for the new target */
	int64_t sram = pl->space[NXG_SRAM];
	CHECK(nx_target_set(&t, "sram", "256KiB", &err) == 0); /* s borrows t */
	const nxg_prog *q = nxw_program(s, last, &err);
	CHECK(q);
	CHECK(q && q->space[NXG_SRAM] < sram);
	nxw_session_free(s);
}

int main(int argc, char **argv)
{
	static const check_case cases[] = {
		{"no_target", no_target},
		{"per_step_cached", per_step_cached},
		{0, 0},
	};
	return check_main(cases, argc, argv);
}
