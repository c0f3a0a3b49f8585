/* overlay.c — overlays (Model Explorer's node-data overlays): `o` cycles
 * what colours each op in the IR view: simulated cycles or energy on a
 * five-step heat scale (share of the costliest op), the bound (compute,
 * memory, overhead, CPU fallback), or where the op's result lives (SRAM,
 * DRAM, CPU). The data is the cursor step's NE model (nxw_sim); the view
 * draws one heat cell per op and a legend line. The numeric overlay (error
 * per op against step 0) has its own file, overlay_numeric.c. */
#include <string.h>

#include "nxt.h"

static const char *const names[NXT_OVL_COUNT] = {
	"none", "cycles", "energy", "bound", "placement", "numeric"
};

const char *nxt_overlay_name(int ovl)
{
	return ovl >= 0 && ovl < NXT_OVL_COUNT ? names[ovl] : "?";
}

static double value(const nxs_cost *c, int ovl)
{
	if (ovl == NXT_OVL_ENERGY)
		return c->e_mac + c->e_sram + c->e_dram + c->e_static + c->e_cpu;
	return c->cycles;
}

int nxt_overlay_max(nxt_app *a, const nxs_sim *sim, double *max)
{
	const nxs_cost *c = nxs_sim_costs(sim);
	*max = 0;
	for (uint32_t i = 0; i < nxs_sim_count(sim); i++)
		if (value(&c[i], a->overlay) > *max)
			*max = value(&c[i], a->overlay);
	return 0;
}

int nxt_overlay_color(nxt_app *a, const nxs_sim *sim, uint32_t op, double max)
{
	const nx_live *l = nxs_sim_live(sim);
	if (op >= nxs_sim_graph(sim)->n_ops || l->pos_of[op] == UINT32_MAX)
		return -1;
	const nxs_cost *c = &nxs_sim_costs(sim)[l->pos_of[op]];
	switch (a->overlay) {
	case NXT_OVL_CYCLES:
	case NXT_OVL_ENERGY: {
		double f = max > 0 ? value(c, a->overlay) / max : 0;
		int lvl = f >= 0.5 ? 4 : f >= 0.2 ? 3 : f >= 0.05 ? 2 : f >= 0.01 ? 1 : 0;
		return NXT_C_HEAT0 + lvl;
	}
	case NXT_OVL_BOUND:
		return c->bound == NXS_BOUND_COMPUTE ? NXT_C_BAR : c->bound == NXS_BOUND_MEMORY
			? NXT_C_DRAM : c->bound == NXS_BOUND_FALLBACK ? NXT_C_CPU : NXT_C_DIM;
	case NXT_OVL_PLACE: {
		if (c->cpu)
			return NXT_C_CPU;
		const nx_graph *g = nxs_sim_graph(sim);
		uint32_t v = nx_result(g, op, 0), b = v < l->n_vals ? l->buf_of[v] : NX_NONE;
		if (b == NX_NONE || b >= l->n_bufs)
			return NXT_C_DIM;
		return l->bufs[b].level == NX_SRAM ? NXT_C_SRAM : l->bufs[b].why == NX_WHY_SPILL
			? NXT_C_SPILL : NXT_C_DRAM;
	}
	default:
		return -1;
	}
}

void nxt_overlay_legend(nxt_app *a, int y, int x, int w)
{
	nxt_canvas *c = &a->cv;
	int cx = x + nxt_putf(c, y, x, w, NXT_C_TITLE, "overlay %s: ", names[a->overlay]);
	typedef struct legend_row {
		int color;
		const char *label;
	} legend_row;
	static const legend_row heat[] = {
		{NXT_C_HEAT0, "<1%"}, {NXT_C_HEAT1, "1-5%"}, {NXT_C_HEAT2, "5-20%"},
		{NXT_C_HEAT3, "20-50%"}, {NXT_C_HEAT4, ">=50% of the top op"},
	}, bound[] = {
		{NXT_C_BAR, "compute"}, {NXT_C_DRAM, "memory"}, {NXT_C_DIM, "overhead/free"},
		{NXT_C_CPU, "CPU fallback"},
	}, place[] = {
		{NXT_C_SRAM, "SRAM"}, {NXT_C_DRAM, "DRAM"}, {NXT_C_SPILL, "spilled"},
		{NXT_C_CPU, "CPU"}, {NXT_C_DIM, "no buffer"},
	};
	const legend_row *r = heat;
	size_t n = 5;
	if (a->overlay == NXT_OVL_BOUND)
		r = bound, n = 4;
	else if (a->overlay == NXT_OVL_PLACE)
		r = place, n = 5;
	for (size_t i = 0; i < n && cx < x + w; i++) {
		nxt_cell_set(c, y, cx++, 0x2588, r[i].color);
		cx += nxt_putf(c, y, cx, x + w - cx, NXT_C_DIM, "%s ", r[i].label);
	}
	nxt_put(c, y, cx, x + w - cx, NXT_C_DIM, "(o: next)");
}
