/* export_csv.c — the per-op table as CSV, one row per op in schedule order:
 * what `nex sim --csv` writes and spreadsheets read. Costs are the op's own
 * (cost model); start/end/stall come from the timeline. Energies in pJ,
 * times in cycles of the NE clock.
 */
#include <string.h>

#include "nxs.h"

/* RFC 4180 quoting when the field needs it. */
static void field(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\n")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

int nxs_export_csv(const nxs_sim *s, FILE *f)
{
	const nx_graph *g = nxs_sim_graph(s);
	const nxs_cost *c = nxs_sim_costs(s);
	const nxs_timeline *tl = nxs_sim_timeline(s);
	const nx_live *l = nxs_sim_live(s);
	fputs("pos,op,kind,result,device,bound,dtype,macs,elem_ops,sram_bytes,dram_bytes,"
	      "weight_bytes,compute_cycles,memory_cycles,overhead_cycles,cycles,start,end,stall,"
	      "util,mapping,energy_pj,e_mac,e_sram,e_dram,e_static,e_cpu\n", f);
	for (uint32_t p = 0; p < nxs_sim_count(s); p++) {
		uint32_t o = l->op_at[p];
		const nxs_cost *ci = &c[p];
		const nxs_slot *sl = &tl->slots[p];
		fprintf(f, "%u,%u,%s,", p, o, nx_op_name(g, o));
		field(f, nx_opp(g, o)->n_out ? nx_vname(g, nx_result(g, o, 0)) : "");
		fprintf(f, ",%s,%s,%s,%.0f,%.0f,%.0f,%.0f,%.0f,%.1f,%.1f,%.1f,%.1f,%.1f,%.1f,%.1f,"
			   "%.4f,%.4f,%.1f,%.1f,%.1f,%.1f,%.1f,%.1f\n",
			ci->cpu ? "cpu" : "ne", nxs_bound_name(ci->bound), nx_dtype_name(ci->dtype),
			ci->macs, ci->elem_ops, ci->sram_bytes, ci->dram_bytes, ci->weight_bytes,
			ci->compute_cycles, ci->memory_cycles, ci->overhead_cycles, ci->cycles,
			sl->start, sl->end, sl->stall, ci->util, ci->mapping,
			ci->e_mac + ci->e_sram + ci->e_dram + ci->e_static + ci->e_cpu, ci->e_mac,
			ci->e_sram, ci->e_dram, ci->e_static, ci->e_cpu);
	}
	return ferror(f) ? -1 : 0;
}
