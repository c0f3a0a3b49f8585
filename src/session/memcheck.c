/* memcheck.c — before a pipeline runs, what its history will hold, so that
 * a run that cannot fit is refused at once with the figure (exit 1) rather
 * than dying in the middle with "out of memory" (memneed.c does the same for
 * the interpreter and for saves).
 *
 * Every step keeps a snapshot (a one-shot session only two at a time,
 * nxw_session.one_shot): a clone of the graph's structure (ops,
 * values, attributes; the string table and the blobs are shared). A pass
 * that writes weights (its `invalidates` names them: fold-constants,
 * fold-batchnorm, to-fp16, quantize-int8) makes new blobs while the earlier
 * snapshots keep the old ones. The estimate is what the process holds now
 * (the current snapshot's weights in memory and the history's structures)
 * plus, per step to come, one structure of the current size and, per
 * weight-writing step, a copy of the weights now in memory (an upper bound
 * for fold-batchnorm, to-fp16 and quantize-int8, which write at most what
 * they replace; what fold-constants folds is not predicted). Lazy weights
 * (fill constants not generated yet) are not counted: passes fold them
 * without generating them.
 */
#include <stdio.h>
#include <string.h>

#include "nxw.h"

static uint64_t structure(const nx_graph *g)
{
	size_t all = nx_graph_mem(g), st = nx_strtab_mem(g->st);
	return all > st ? all - st : 0;
}

void nxw_mem_need_run(const nxw_session *s, int32_t until, nxw_mem_run *m)
{
	memset(m, 0, sizeof *m);
	const nxw_step *cur = &s->steps[s->cursor];
	nx_mem_estimate w;
	nx_mem_need(cur->snap, false, &w);
	m->weights = w.weights - w.lazy_weights;
	m->snapshot = structure(cur->snap);
	int32_t left = until >= 0 ? until - (int32_t)s->cursor : INT32_MAX;
	for (int32_t i = cur->inv + 1; i < (int32_t)s->pl.n && left > 0; i++) {
		const nxp_invocation *v = &s->pl.inv[i];
		if (!v->enabled)
			continue;
		left--;
		m->steps++;
		if (v->pass->invalidates && strstr(v->pass->invalidates, "weights"))
			m->weight_steps++;
	}
	/* A step holds more than its snapshot: remarks, metrics, the text and
	 * diff caches, the pass's working memory while it runs; a quarter of a
	 * snapshot more covers what was measured (100k-op chain, default
	 * pipeline: 376 MB over 16 steps of 19.2 MiB snapshots). */
	/* A one-shot session keeps step 0 and the cursor step, one step being
	 * made and one spare; what the steps in between wrote is freed with
	 * their snapshots. */
	uint32_t live = s->one_shot && m->steps > 2 ? 2 : m->steps;
	uint32_t wlive = s->one_shot && m->weight_steps > 2 ? 2 : m->weight_steps;
	m->total = (live * m->snapshot) / 4 * 5 + wlive * m->weights;
}

static double mib(uint64_t n)
{
	return (double)n / (1024.0 * 1024.0);
}

int nxw_mem_check_run(const nxw_session *s, int32_t until, nx_err *err)
{
	nxw_mem_run m;
	nxw_mem_need_run(s, until, &m);
	char detail[320];
	if (s->one_shot)
		snprintf(detail, sizeof detail,
			 "%u steps to come keeping two %.1f MiB snapshots at a time (one-shot), "
			 "%u of them writing new weights, up to %.1f MiB each",
			 m.steps, mib(m.snapshot), m.weight_steps, mib(m.weights));
	else
		snprintf(detail, sizeof detail,
			 "%u steps to come keeping a %.1f MiB snapshot each, %u of them writing "
			 "new weights, up to %.1f MiB each",
			 m.steps, mib(m.snapshot), m.weight_steps, mib(m.weights));
	return nx_mem_fits("running the pipeline", m.total, detail, err);
}
