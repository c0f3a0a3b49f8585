/* stats.c — what `nex codegen --stats` and `nex alloc --compare` report
 * about a program: tasks by engine and kind, DMA bytes by purpose,
 * descriptors, events and waits. */
#include <string.h>

#include "nxg.h"

void nxg_stats_of(const nxg_prog *p, nxg_stats *s)
{
	memset(s, 0, sizeof *s);
	for (uint32_t k = 0; k < p->n_tasks; k++) {
		const nxg_task *t = &p->tasks[k];
		s->by_kind[t->kind]++;
		s->by_engine[t->engine]++;
		s->descs += (uint32_t)t->n_in + t->n_out;
		s->waits += t->n_wait;
		if (t->engine == NXG_DMA && t->n_in) {
			const nxg_desc *d = nxg_task_desc(p, t, 0);
			s->dma_bytes[t->kind] += d->wn[0] * d->wn[1] * d->wn[2] * d->wn[3] *
						 (int64_t)nx_dtype_size(d->dtype);
		}
	}
	s->events = p->n_events;
}
