/* program_cost.c — the NE model costs a back-end program (DESIGN.md §1: sim
 * may cost a codegen program; so the sim layer links codegen, never the
 * other way). Three engines run concurrently, each its tasks in issue
 * order; a task starts when its engine is free and every event it waits on
 * has been signalled (the end of the signalling task). Durations come from
 * the sim's per-op costs on the same target:
 *  - an NE task: max(compute, memory) + overhead, compute and overhead the
 *    sim's for its op (a tile task takes its share, 1 / tiles), memory from
 *    the task's own descriptors: the bytes of its windows in DRAM at the
 *    NE's DRAM bandwidth, or in SRAM at sram_bw, whichever is longer (the
 *    kernel window is fed by the weight DMA tasks, costed on their own);
 *    so where an allocator puts a tensor shows in the time;
 *  - a CPU task: the op's CPU-fallback cycles;
 *  - a DMA task: its bytes at the NE's DRAM bandwidth.
 * The graph-level timeline (timeline.c) overlaps each op's weight fetch
 * with the op before it in one sequence; the program's figure comes from
 * its own events instead, so it shows where waits serialise what the
 * timeline assumed to overlap (or the reverse). Program dispatch
 * (launch_overhead) is not counted here, and the timeline counts it: the
 * note printed with the two figures says so. */
#include <stdlib.h>
#include <string.h>

#include "nxg.h"
#include "nxs.h"

int nxs_prog_cost(nxs_sim *s, const nxg_prog *p, nxs_prog_time *pt, nx_err *err)
{
	memset(pt, 0, sizeof *pt);
	const nx_target *t = nxs_sim_target(s);
	const nx_live *l = nxs_sim_live(s);
	const nxs_cost *c = nxs_sim_costs(s);
	const nx_graph *g = nxs_sim_graph(s);
	if (!t || !c) {
		nx_err_set(err, "the sim has not run on a target yet");
		return -1;
	}
	double bw = nx_target_ne_dram_bw(t);
	uint32_t n = p->n_tasks;
	pt->start = nx_xcalloc(n + 1, sizeof *pt->start);
	pt->end = nx_xcalloc(n + 1, sizeof *pt->end);
	pt->n = n;
	double *ev = nx_xcalloc(p->n_events + 1, sizeof *ev);
	double free_at[NXG_ENGINE_COUNT] = {0};
	for (uint32_t k = 0; k < n; k++) {
		const nxg_task *x = &p->tasks[k];
		double dur;
		if (x->engine == NXG_DMA) {
			const nxg_desc *d = nxg_task_desc(p, x, 0);
			dur = (double)(d->wn[0] * d->wn[1] * d->wn[2] * d->wn[3]) *
			      (double)nx_dtype_size(d->dtype) / bw;
		} else {
			uint32_t pos = x->op < g->n_ops ? l->pos_of[x->op] : UINT32_MAX;
			if (pos == UINT32_MAX || pos >= nxs_sim_count(s)) {
				nx_err_set(err, "task t%u: its op is not in the costed graph", k);
				free(ev);
				return -1;
			}
			const nxs_cost *ci = &c[pos];
			if (ci->cpu || x->engine == NXG_CPU) {
				dur = ci->cycles;
			} else {
				/* memory time from the task's own descriptors: where this
				 * program put each tensor, not where the graph's plan did */
				double dram = 0, sram = 0;
				for (uint32_t i = 0; i < (uint32_t)x->n_in + x->n_out; i++) {
					const nxg_desc *d = nxg_task_desc(p, x, i);
					double b = (double)(d->wn[0] * d->wn[1] * d->wn[2] * d->wn[3]) *
						   (double)nx_dtype_size(d->dtype);
					if (d->space == NXG_DRAM)
						dram += b;
					else if (d->space == NXG_SRAM)
						sram += b;
				}
				double share = (double)(x->n_tiles ? x->n_tiles : 1);
				double body = ci->compute_cycles / share, mem = dram / bw;
				if (sram / t->sram_bw > mem)
					mem = sram / t->sram_bw;
				dur = (body > mem ? body : mem) + ci->overhead_cycles / share;
			}
		}
		double at = free_at[x->engine];
		for (uint32_t i = 0; i < x->n_wait; i++) {
			uint32_t e = p->waits[x->w0 + i];
			if (e < p->n_events && ev[e] > at)
				at = ev[e];
		}
		pt->start[k] = at;
		pt->end[k] = at + dur;
		free_at[x->engine] = pt->end[k];
		pt->busy[x->engine] += dur;
		if (x->signal != NX_NONE && x->signal < p->n_events)
			ev[x->signal] = pt->end[k];
		if (pt->end[k] > pt->cycles)
			pt->cycles = pt->end[k];
	}
	free(ev);
	return 0;
}

void nxs_prog_time_free(nxs_prog_time *pt)
{
	free(pt->start);
	free(pt->end);
	memset(pt, 0, sizeof *pt);
}

char *nxs_prog_trace(const nxs_sim *s, const nxg_prog *p, const nxs_prog_time *pt)
{
	const nx_graph *g = nxs_sim_graph(s);
	double us = 1e6 / nxs_sim_target(s)->clock;
	nx_strbuf b = {0};
	nx_strbuf_printf(&b, "{\"traceEvents\":[\n");
	for (int e = 0; e < NXG_ENGINE_COUNT; e++)
		nx_strbuf_printf(&b, "{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":%d,"
				 "\"args\":{\"name\":\"%s\"}},\n", e, nxg_engine_name(e));
	for (uint32_t k = 0; k < pt->n; k++) {
		const nxg_task *x = &p->tasks[k];
		char name[200];
		nxg_task_str(p, g, k, name, sizeof name);
		/* names are nex value names: escape the two characters JSON needs */
		nx_strbuf_printf(&b, "{\"name\":\"");
		for (const char *q = name; *q; q++)
			if (*q == '"' || *q == '\\')
				nx_strbuf_printf(&b, "\\%c", *q);
			else if ((unsigned char)*q < 0x20)
				nx_strbuf_printf(&b, "\\u%04x", *q);
			else
				nx_strbuf_printf(&b, "%c", *q);
		nx_strbuf_printf(&b, "\",\"ph\":\"X\",\"pid\":1,\"tid\":%d,\"ts\":%.4f,\"dur\":%.4f}%s\n",
				 x->engine, pt->start[k] * us, (pt->end[k] - pt->start[k]) * us,
				 k + 1 < pt->n ? "," : "");
	}
	nx_strbuf_printf(&b, "]}\n");
	return b.s;
}
