/* export_trace.c — the timeline as Chrome trace-event JSON, which Perfetto
 * (ui.perfetto.dev) and chrome://tracing open. One process, three tracks:
 * the NE (program launches, stalls waiting for weights, ops), the weight
 * DMA (each op's prefetch) and the CPU (fallback ops); counters of the live
 * SRAM and DRAM bytes at each op's start. Times are microseconds of the NE
 * clock; each slice carries the op's cost in its args, so selecting it in
 * Perfetto shows cycles, bound, bytes and energy.
 */
#include <stdlib.h>

#include <cJSON.h>

#include "nxs.h"

enum { TID_NE = 1, TID_DMA = 2, TID_CPU = 3 };

static cJSON *event(cJSON *list, const char *name, const char *ph, double ts, int tid)
{
	cJSON *e = cJSON_CreateObject();
	cJSON_AddStringToObject(e, "name", name);
	cJSON_AddStringToObject(e, "ph", ph);
	cJSON_AddNumberToObject(e, "ts", ts);
	cJSON_AddNumberToObject(e, "pid", 1);
	cJSON_AddNumberToObject(e, "tid", tid);
	cJSON_AddItemToArray(list, e);
	return e;
}

static void thread_name(cJSON *list, int tid, const char *name)
{
	cJSON *e = event(list, "thread_name", "M", 0, tid);
	cJSON_AddStringToObject(cJSON_AddObjectToObject(e, "args"), "name", name);
	e = event(list, "thread_sort_index", "M", 0, tid);
	cJSON_AddNumberToObject(cJSON_AddObjectToObject(e, "args"), "sort_index", tid);
}

static cJSON *slice(cJSON *list, const char *name, const char *cat, double t0, double t1,
		    int tid, double us)
{
	cJSON *e = event(list, name, "X", t0 * us, tid);
	cJSON_AddNumberToObject(e, "dur", (t1 - t0) * us);
	cJSON_AddStringToObject(e, "cat", cat);
	return e;
}

char *nxs_export_trace(const nxs_sim *s)
{
	const nx_graph *g = nxs_sim_graph(s);
	const nx_target *t = nxs_sim_target(s);
	const nxs_cost *c = nxs_sim_costs(s);
	const nxs_timeline *tl = nxs_sim_timeline(s);
	const nx_memplan *mp = nxs_sim_memplan(s);
	const nx_live *l = nxs_sim_live(s);
	double us = 1e6 / t->clock;
	cJSON *root = cJSON_CreateObject();
	cJSON *ev = cJSON_AddArrayToObject(root, "traceEvents");
	cJSON_AddStringToObject(root, "displayTimeUnit", "ns");
	char pname[160];
	snprintf(pname, sizeof pname, "nex sim: @%s on %s", nx_cstr(g, g->name), t->name);
	cJSON_AddStringToObject(cJSON_AddObjectToObject(event(ev, "process_name", "M", 0, TID_NE),
							"args"), "name", pname);
	thread_name(ev, TID_NE, "NE");
	thread_name(ev, TID_DMA, "DMA (weights)");
	thread_name(ev, TID_CPU, "CPU fallback");
	for (uint32_t p = 0; p < tl->n; p++) {
		const nxs_cost *ci = &c[p];
		const nxs_slot *sl = &tl->slots[p];
		uint32_t o = l->op_at[p];
		if (ci->bound == NXS_BOUND_FREE)
			continue;
		char name[160];
		snprintf(name, sizeof name, "%s %%%s", nx_op_name(g, o),
			 nx_opp(g, o)->n_out ? nx_vname(g, nx_result(g, o, 0)) : "");
		if (sl->launch > 0)
			slice(ev, "launch", "overhead", sl->start - sl->stall - sl->launch,
			      sl->start - sl->stall, TID_NE, us);
		if (sl->stall > 0)
			slice(ev, "wait for weights", "stall", sl->start - sl->stall, sl->start,
			      TID_NE, us);
		if (sl->dma_end > sl->dma_start) {
			char dn[176];
			snprintf(dn, sizeof dn, "weights %s", name);
			cJSON *e = slice(ev, dn, "dma", sl->dma_start, sl->dma_end, TID_DMA, us);
			cJSON_AddNumberToObject(cJSON_AddObjectToObject(e, "args"), "bytes",
						ci->prefetch_bytes);
		}
		cJSON *e = slice(ev, name, nxs_bound_name(ci->bound), sl->start, sl->end,
				 ci->cpu ? TID_CPU : TID_NE, us);
		cJSON *a = cJSON_AddObjectToObject(e, "args");
		cJSON_AddNumberToObject(a, "op", o);
		cJSON_AddStringToObject(a, "bound", nxs_bound_name(ci->bound));
		cJSON_AddNumberToObject(a, "cycles", ci->cycles);
		cJSON_AddNumberToObject(a, "compute_cycles", ci->compute_cycles);
		cJSON_AddNumberToObject(a, "memory_cycles", ci->memory_cycles);
		cJSON_AddNumberToObject(a, "macs", ci->macs);
		cJSON_AddNumberToObject(a, "dram_bytes", ci->dram_bytes);
		cJSON_AddNumberToObject(a, "sram_bytes", ci->sram_bytes);
		cJSON_AddNumberToObject(a, "util", ci->util);
		cJSON_AddNumberToObject(a, "energy_pj", ci->e_mac + ci->e_sram + ci->e_dram +
							ci->e_static + ci->e_cpu);
		cJSON *cnt = event(ev, "live memory", "C", sl->start * us, TID_NE);
		cJSON *ca = cJSON_AddObjectToObject(cnt, "args");
		cJSON_AddNumberToObject(ca, "sram_bytes", (double)mp->live_sram[p]);
		cJSON_AddNumberToObject(ca, "dram_bytes", (double)mp->live_dram[p]);
	}
	char *out = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	if (!out)
		nx_die("out of memory writing the trace");
	return out; /* malloc'd by cJSON: the caller frees */
}
