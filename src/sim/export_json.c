/* export_json.c — everything `nex sim --json` reports, as data: the target
 * (every field), the totals of the timeline, the memory plan's figures and
 * one object per op. Tools and tests read it with any JSON parser.
 */
#include <stdlib.h>

#include <cJSON.h>

#include "nxs.h"

static cJSON *totals(const nxs_sim *s)
{
	const nxs_timeline *tl = nxs_sim_timeline(s);
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "ops", nxs_sim_count(s));
	cJSON_AddNumberToObject(o, "cycles", tl->cycles);
	cJSON_AddNumberToObject(o, "latency_s", tl->seconds);
	cJSON_AddNumberToObject(o, "energy_pj", tl->energy);
	cJSON_AddNumberToObject(o, "power_w", tl->power);
	cJSON_AddNumberToObject(o, "utilization", tl->util);
	cJSON_AddNumberToObject(o, "macs", tl->macs);
	cJSON_AddNumberToObject(o, "dram_bytes", tl->dram_bytes);
	cJSON_AddNumberToObject(o, "sram_bytes", tl->sram_bytes);
	cJSON_AddNumberToObject(o, "weight_bytes", tl->weight_bytes);
	cJSON_AddNumberToObject(o, "stall_cycles", tl->stall_cycles);
	cJSON_AddNumberToObject(o, "launch_cycles", tl->launch_cycles);
	cJSON_AddNumberToObject(o, "launches", tl->launches);
	cJSON_AddNumberToObject(o, "cpu_cycles", tl->cpu_cycles);
	cJSON *e = cJSON_AddObjectToObject(o, "energy_split_pj");
	cJSON_AddNumberToObject(e, "mac", tl->e_mac);
	cJSON_AddNumberToObject(e, "sram", tl->e_sram);
	cJSON_AddNumberToObject(e, "dram", tl->e_dram);
	cJSON_AddNumberToObject(e, "static", tl->e_static);
	cJSON_AddNumberToObject(e, "cpu", tl->e_cpu);
	cJSON *b = cJSON_AddObjectToObject(o, "ops_per_bound");
	for (int k = 0; k < NXS_BOUND_COUNT; k++)
		cJSON_AddNumberToObject(b, nxs_bound_name(k), tl->n_bound[k]);
	return o;
}

static cJSON *memory(const nxs_sim *s)
{
	const nx_memplan *mp = nxs_sim_memplan(s);
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "lower_bound", (double)mp->lower_bound);
	cJSON_AddNumberToObject(o, "peak", (double)mp->peak);
	cJSON_AddStringToObject(o, "algorithm", nx_algo_name(mp->algo));
	cJSON_AddNumberToObject(o, "peak_bestfit", (double)mp->peak_algo[NX_ALGO_BESTFIT]);
	cJSON_AddNumberToObject(o, "peak_firstfit", (double)mp->peak_algo[NX_ALGO_FIRSTFIT]);
	cJSON_AddNumberToObject(o, "sram_peak", (double)mp->sram_peak);
	cJSON_AddNumberToObject(o, "dram_peak", (double)mp->dram_peak);
	cJSON_AddNumberToObject(o, "buffers_sram", mp->n_sram);
	cJSON_AddNumberToObject(o, "buffers_dram", mp->n_dram);
	cJSON_AddNumberToObject(o, "spilled", mp->n_spilled);
	cJSON_AddNumberToObject(o, "spilled_bytes", (double)mp->spilled_bytes);
	cJSON_AddBoolToObject(o, "recorded", mp->recorded); /* plan-memory's placement */
	if (nxs_sim_plan_note(s)[0])
		cJSON_AddStringToObject(o, "plan_note", nxs_sim_plan_note(s));
	return o;
}

char *nxs_export_json(const nxs_sim *s)
{
	const nx_graph *g = nxs_sim_graph(s);
	const nxs_cost *c = nxs_sim_costs(s);
	const nxs_timeline *tl = nxs_sim_timeline(s);
	const nx_live *l = nxs_sim_live(s);
	cJSON *root = cJSON_CreateObject();
	cJSON_AddStringToObject(root, "model", nx_cstr(g, g->name));
	char *tj = nx_target_to_json(nxs_sim_target(s));
	cJSON_AddItemToObject(root, "target", cJSON_Parse(tj));
	free(tj);
	cJSON_AddItemToObject(root, "totals", totals(s));
	cJSON_AddItemToObject(root, "memory", memory(s));
	cJSON *ops = cJSON_AddArrayToObject(root, "ops");
	for (uint32_t p = 0; p < nxs_sim_count(s); p++) {
		uint32_t o = l->op_at[p];
		const nxs_cost *ci = &c[p];
		cJSON *r = cJSON_CreateObject();
		cJSON_AddNumberToObject(r, "op", o);
		cJSON_AddStringToObject(r, "kind", nx_op_name(g, o));
		cJSON_AddStringToObject(r, "result", nx_opp(g, o)->n_out ?
					nx_vname(g, nx_result(g, o, 0)) : "");
		cJSON_AddStringToObject(r, "device", ci->cpu ? "cpu" : "ne");
		if (ci->cpu) {
			char why[256];
			nxs_sim_cpu_reason(s, o, why, sizeof why);
			cJSON_AddStringToObject(r, "cpu_reason", why);
		}
		cJSON_AddStringToObject(r, "bound", nxs_bound_name(ci->bound));
		cJSON_AddNumberToObject(r, "macs", ci->macs);
		cJSON_AddNumberToObject(r, "elem_ops", ci->elem_ops);
		cJSON_AddNumberToObject(r, "sram_bytes", ci->sram_bytes);
		cJSON_AddNumberToObject(r, "dram_bytes", ci->dram_bytes);
		cJSON_AddNumberToObject(r, "weight_bytes", ci->weight_bytes);
		cJSON_AddNumberToObject(r, "compute_cycles", ci->compute_cycles);
		cJSON_AddNumberToObject(r, "memory_cycles", ci->memory_cycles);
		cJSON_AddNumberToObject(r, "overhead_cycles", ci->overhead_cycles);
		cJSON_AddNumberToObject(r, "cycles", ci->cycles);
		cJSON_AddNumberToObject(r, "start", tl->slots[p].start);
		cJSON_AddNumberToObject(r, "end", tl->slots[p].end);
		cJSON_AddNumberToObject(r, "stall", tl->slots[p].stall);
		cJSON_AddNumberToObject(r, "util", ci->util);
		cJSON_AddNumberToObject(r, "mapping", ci->mapping);
		cJSON *e = cJSON_AddObjectToObject(r, "energy_pj");
		cJSON_AddNumberToObject(e, "mac", ci->e_mac);
		cJSON_AddNumberToObject(e, "sram", ci->e_sram);
		cJSON_AddNumberToObject(e, "dram", ci->e_dram);
		cJSON_AddNumberToObject(e, "static", ci->e_static);
		cJSON_AddNumberToObject(e, "cpu", ci->e_cpu);
		cJSON_AddItemToArray(ops, r);
	}
	char *out = cJSON_Print(root);
	cJSON_Delete(root);
	if (!out)
		nx_die("out of memory writing the sim report");
	return out; /* malloc'd by cJSON: the caller frees */
}
