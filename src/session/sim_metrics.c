/* sim_metrics.c — the session's metrics from the NE model: when a session
 * has a target, every step's snapshot is costed once, as it is made (the
 * session keeps the figures in the step, so history, report, --stats and
 * bisection read them without costing again): planned peak bytes of the
 * memory plan (plan-memory's when the snapshot records one), cycles,
 * latency and energy of the timeline. One nxs_sim_new + nxs_sim_run per
 * snapshot; a snapshot the sim cannot read (types not inferred) gets no sim
 * metrics (have_sim stays false), which the metric check reports. The sim
 * of a session's own target is kept as the step's analysis cache
 * (analysis.c), which the faces read next. */
#include "nxs.h"
#include "nxw.h"

static void fill(const nxs_sim *s, nxw_metrics *m)
{
	const nxs_timeline *tl = nxs_sim_timeline(s);
	m->have_sim = true;
	m->peak_bytes = nxs_sim_memplan(s)->peak;
	m->cycles = tl->cycles;
	m->latency_us = tl->seconds * 1e6;
	m->energy_uj = tl->energy * 1e-6; /* pJ -> uJ */
}

void nxw_sim_metrics(void *ctx, const nx_graph *g, nxw_metrics *m)
{
	const nx_target *t = ctx;
	nx_err err;
	m->have_sim = false;
	nxs_sim *s = nxs_sim_new(g, &err);
	if (!s)
		return;
	if (nxs_sim_run(s, t, &err) == 0)
		fill(s, m);
	nxs_sim_free(s);
}

void nxw_sim_metrics_step(nxw_session *s, nxw_step *st)
{
	nx_err err;
	st->m.have_sim = false;
	const nxs_sim *sim = nxw_step_sim(s, st, &err);
	if (sim)
		fill(sim, &st->m);
}

void nxw_set_target(nxw_session *s, const nx_target *t)
{
	/* The steps after the model were made by passes that read the old
	 * target: they go, as after a pipeline edit (nxw_replay re-runs them). */
	while (s->n_steps > 1)
		nxw_step_free(&s->steps[--s->n_steps]);
	s->cursor = 0;
	s->baseline = 0;
	s->target = t;
	s->metrics_hook = t ? nxw_sim_metrics : NULL;
	s->metrics_ctx = (void *)t;
	nxw_metrics *m = &s->steps[0].m;
	m->have_sim = false;
	m->peak_bytes = 0;
	m->cycles = m->latency_us = m->energy_uj = 0;
	if (t)
		nxw_sim_metrics_step(s, &s->steps[0]);
}
