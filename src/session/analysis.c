/* analysis.c — the per-step analyses the faces show (TUI cost, memory and
 * header views; Lua later): one NE model sim per snapshot, made on first
 * request and kept in the step, re-costed when the session's target has been
 * edited since. The step's own metrics (nxw_metrics) stay what was measured
 * when the step was made; this cache always answers for the current target,
 * which is what "change the SRAM size and see the cost change" needs without
 * re-running the passes. */
#include <stdlib.h>
#include <string.h>

#include "nxs.h"
#include "nxw.h"

struct nxw_analysis {
	nxs_sim *sim;            /* owned; built on the step's snapshot */
	nx_target costed_on;     /* the target of the last nxs_sim_run */
	bool ran;                /* costed_on is valid */
	char error[2048];        /* why the snapshot cannot be costed, or "" */
};

void nxw_analysis_free(struct nxw_analysis *an)
{
	if (!an)
		return;
	nxs_sim_free(an->sim);
	free(an);
}

const struct nxs_sim *nxw_sim(nxw_session *s, uint32_t k, nx_err *err)
{
	if (k >= s->n_steps) {
		nx_err_set(err, "no step %u (the history has %u)", k, s->n_steps);
		return NULL;
	}
	return nxw_step_sim(s, &s->steps[k], err);
}

void nxw_analysis_drop(nxw_session *s, uint32_t k)
{
	if (k < s->n_steps) {
		nxw_analysis_free(s->steps[k].an);
		s->steps[k].an = NULL;
	}
}

const struct nxs_sim *nxw_step_sim(nxw_session *s, nxw_step *st, nx_err *err)
{
	if (!s->target) {
		nx_err_set(err, "the session has no target: set one to cost the model");
		return NULL;
	}
	const nx_target *t = s->target;
	if (!st->an) {
		/* owned by the step; freed by nxw_step_free */
		st->an = nx_xcalloc(1, sizeof *st->an);
		st->an->sim = nxs_sim_new(st->snap, err);
		if (!st->an->sim) {
			snprintf(st->an->error, sizeof st->an->error, "%s", err->msg);
			return NULL;
		}
	}
	struct nxw_analysis *an = st->an;
	if (!an->sim) {
		nx_err_set(err, "%s", an->error);
		return NULL;
	}
	/* memcmp is right here: nx_target is plain data copied by value, and
	 * every edit goes through nx_target_set on a copy that started equal */
	if (!an->ran || memcmp(&an->costed_on, t, sizeof *t)) {
		if (nxs_sim_run(an->sim, t, err) != 0) {
			an->ran = false;
			return NULL;
		}
		an->costed_on = *t;
		an->ran = true;
	}
	return an->sim;
}
