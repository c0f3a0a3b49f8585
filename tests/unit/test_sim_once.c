/* test_sim_once.c — a step is costed once: the sim the metrics hook runs
 * when a step is made becomes the step's analysis cache, so the first
 * nxw_sim a face asks for is the very same object (no second costing), and
 * its figures are the step's metrics. Long work keeps the caches of the
 * steps a face shows (step 0, the pinned step, the cursor) and drops the
 * ones it went through. */
#include "check.h"
#include "nxs.h"
#include "nxw.h"

static void costed_once(void)
{
	nx_err err;
	nx_graph *g = nx_demo(&err);
	CHECK(g);
	if (!g)
		return;
	nxw_session *s = nxw_session_new(g);
	nx_target t;
	CHECK(nx_target_preset("m1", &t, &err) == 0);
	CHECK(s->steps[0].an == NULL); /* no target yet: nothing costed */
	nxw_set_target(s, &t);
	CHECK(s->steps[0].an != NULL);  /* the metrics' sim, kept */
	const struct nxw_analysis *kept = s->steps[0].an;
	const nxs_sim *sim = nxw_sim(s, 0, &err);
	CHECK(sim != NULL);
	CHECK(s->steps[0].an == kept);
	if (sim) {
		CHECK(nxs_sim_timeline(sim)->cycles == s->steps[0].m.cycles);
		CHECK(nxs_sim_memplan(sim)->peak == s->steps[0].m.peak_bytes);
	}
	CHECK_EQ_INT(nxw_set_pipeline(s, "fold-batchnorm,fuse-activation,dce,canonicalize", &err),
		     0);
	CHECK_EQ_INT(nxw_apply_all(s, -1, &err), 0);
	CHECK_EQ_INT(s->n_steps, 5);
	CHECK(s->steps[0].an != NULL);
	CHECK(s->steps[1].an == NULL && s->steps[2].an == NULL && s->steps[3].an == NULL);
	CHECK(s->steps[4].an != NULL); /* the cursor's: the face draws it next */
	const nxs_sim *last = nxw_sim(s, 4, &err);
	CHECK(last && nxs_sim_timeline(last)->cycles == s->steps[4].m.cycles);
	/* a dropped cache comes back on request, with the same figures */
	const nxs_sim *mid = nxw_sim(s, 2, &err);
	CHECK(mid && nxs_sim_timeline(mid)->cycles == s->steps[2].m.cycles);
	nxw_session_free(s);
}

int main(int argc, char **argv)
{
	static const check_case cases[] = {
		{"costed_once", costed_once},
		{NULL, NULL},
	};
	return check_main(cases, argc, argv);
}
