/* test_session_analysis.c — the per-step analysis cache (session/analysis.c):
 * nxw_sim answers for the session's current target, computes once per
 * snapshot, re-costs when a target field is edited in place (the SRAM size
 * moves buffers to DRAM and the cycles with them), is dropped with its step,
 * and says what is missing when there is no target. */
#include "check.h"
#include "nxs.h"
#include "nxw.h"

static nxw_session *open_demo(void)
{
	nx_err err;
	nx_graph *g = nx_demo(&err);
	if (!g) {
		fprintf(stderr, "%s\n", err.msg);
		return NULL;
	}
	return nxw_session_new(g);
}

static void no_target(void)
{
	nxw_session *s = open_demo();
	CHECK(s);
	nx_err err;
	CHECK(nxw_sim(s, 0, &err) == NULL);
	CHECK_CONTAINS(err.msg, "no target");
	CHECK(nxw_sim(s, 5, &err) == NULL);
	CHECK_CONTAINS(err.msg, "no step 5");
	nxw_session_free(s);
}

static void cached_and_recosted(void)
{
	nxw_session *s = open_demo();
	nx_target t;
	nx_err err;
	CHECK(nx_target_preset("m1", &t, &err) == 0);
	nxw_set_target(s, &t);
	const nxs_sim *a = nxw_sim(s, 0, &err);
	CHECK(a);
	if (!a) {
		nxw_session_free(s);
		return;
	}
	double cycles = nxs_sim_timeline(a)->cycles;
	/* the step's own metrics came from the same model on the same target */
	CHECK(s->steps[0].m.have_sim);
	CHECK(cycles == s->steps[0].m.cycles);
	CHECK(nxw_sim(s, 0, &err) == a);
	CHECK(nxs_sim_timeline(a)->cycles == cycles);

	/* edit the target in place: 64 KiB of SRAM cannot hold the demo's
	 * activations, so buffers go to DRAM and the model gets slower */
	int64_t dram_before = nxs_sim_memplan(a)->n_dram;
	CHECK(nx_target_set(&t, "sram", "64KiB", &err) == 0);
	const nxs_sim *b = nxw_sim(s, 0, &err);
	CHECK(b == a);
	CHECK(nxs_sim_last_redo(b) & NXS_REDO_PLAN);
	CHECK(nxs_sim_memplan(b)->n_dram > dram_before);
	CHECK(nxs_sim_timeline(b)->cycles > cycles);
	/* the step keeps what was measured when it was made */
	CHECK(s->steps[0].m.cycles == cycles);
	nxw_session_free(s);
}

static void per_step_and_dropped(void)
{
	nxw_session *s = open_demo();
	nx_target t;
	nx_err err;
	CHECK(nx_target_preset("m1", &t, &err) == 0);
	nxw_set_target(s, &t);
	CHECK(nxw_set_pipeline(s, "fold-batchnorm,fuse-activation", &err) == 0);
	CHECK(nxw_apply(s, &err) == 1);
	const nxs_sim *s0 = nxw_sim(s, 0, &err), *s1 = nxw_sim(s, 1, &err);
	CHECK(s0 && s1 && s0 != s1);
	if (s0 && s1) {
		CHECK(nxs_sim_graph(s1) == s->steps[1].snap);
		CHECK(nxs_sim_count(s1) == s->steps[1].snap->n_live_ops);
	}
	/* undo, then a different edit drops step 1 and its cache (ASan sees a
	 * leak or a use after free if the step does not own it) */
	CHECK(nxw_undo(s) == 0);
	CHECK(nxw_toggle(s, 0, &err) == 0);
	CHECK(s->n_steps == 1);
	CHECK(nxw_apply(s, &err) == 1);
	const nxs_sim *s1b = nxw_sim(s, 1, &err);
	CHECK(s1b && nxs_sim_graph(s1b) == s->steps[1].snap);
	nxw_session_free(s);
}

int main(int argc, char **argv)
{
	static const check_case cases[] = {
		{"no_target", no_target},
		{"cached_and_recosted", cached_and_recosted},
		{"per_step_and_dropped", per_step_and_dropped},
		{0, 0},
	};
	return check_main(cases, argc, argv);
}
