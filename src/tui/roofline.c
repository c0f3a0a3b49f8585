/* roofline.c — the Cost view's roofline chart (R): every op of the cursor
 * step with multiply-accumulates as a point, x = arithmetic intensity
 * (operations per DRAM byte it moves; ops that move none sit at the right
 * edge), y = attained throughput (operations per cycle), both on log scales;
 * the roofs are the target's peak (2 x peak MACs per cycle) and the DRAM and
 * SRAM bandwidth lines, so the ridge points show where an op stops being
 * memory-bound. Points are coloured by the NE model's bound; the selected op
 * is a diamond. Everything comes from nxw_sim and the target. */
#include <math.h>

#include "nxt.h"

static int col_of(double v, double lo, double hi, int w)
{
	double f = (log10(v) - lo) / (hi - lo);
	int c = (int)(f * (w - 1) + 0.5);
	return c < 0 ? 0 : c > w - 1 ? w - 1 : c;
}

void nxt_roofline(nxt_app *a, nxt_rect r, const nxs_sim *sim)
{
	nxt_canvas *cv = &a->cv;
	const nx_target *t = &a->target;
	const nxs_cost *c = nxs_sim_costs(sim);
	const nx_live *l = nxs_sim_live(sim);
	uint32_t n = nxs_sim_count(sim);
	double peak = 2 * nx_target_peak_macs(t, NX_F16);
	double dram = nx_target_ne_dram_bw(t), sram = t->sram_bw;
	/* ranges: decades around the data and the roofs */
	double xlo = 1e9, xhi = 0, ylo = 1e9;
	for (uint32_t i = 0; i < n; i++) {
		if (c[i].macs <= 0 || c[i].cycles <= 0)
			continue;
		double x = c[i].dram_bytes > 0 ? 2 * c[i].macs / c[i].dram_bytes : 0;
		double y = 2 * c[i].macs / c[i].cycles;
		if (x > 0 && x < xlo)
			xlo = x;
		if (x > xhi)
			xhi = x;
		if (y < ylo)
			ylo = y;
	}
	if (xhi <= 0) {
		nxt_put(cv, r.y, r.x, r.w, NXT_C_DIM, "no op with multiply-accumulates: nothing to "
			"place on a roofline");
		return;
	}
	double ridge = peak / dram;
	double lx = floor(log10(xlo < ridge / 10 ? xlo : ridge / 10));
	double hx = ceil(log10(xhi > ridge * 10 ? xhi : ridge * 10));
	double ly = floor(log10(ylo)), hy = ceil(log10(peak * 1.01));
	if (hx <= lx)
		hx = lx + 1;
	if (hy <= ly)
		hy = ly + 1;
	int axis = 7, w = r.w - axis, h = r.h - 3, top = r.y + 1;
	if (w < 10 || h < 4) {
		nxt_put(cv, r.y, r.x, r.w, NXT_C_DIM, "too small for the roofline");
		return;
	}
	char b0[32];
	nxt_putf(cv, r.y, r.x, r.w, NXT_C_TITLE, "roofline on %s: peak %s op/cycle, DRAM %.1f and "
		 "SRAM %.0f B/cycle (ridge at %.0f op/B)", t->name, nxt_count(peak, b0, sizeof b0),
		 dram, sram, ridge);
	for (int i = 0; i < h; i++)
		nxt_cell_set(cv, top + i, r.x + axis - 1, 0x2502, NXT_C_BORDER);
	nxt_fill(cv, top + h, r.x + axis - 1, w + 1, 0x2500, NXT_C_BORDER);
	for (double d = ly; d <= hy; d++) {
		int row = h - 1 - (int)((d - ly) / (hy - ly) * (h - 1) + 0.5);
		nxt_putf(cv, top + row, r.x, axis - 1, NXT_C_DIM, "1e%.0f", d);
	}
	for (double d = lx; d <= hx; d++) {
		int col = col_of(pow(10, d), lx, hx, w);
		nxt_putf(cv, top + h, r.x + axis + col - (col > 2 ? 2 : 0), 5, NXT_C_DIM, "1e%.0f", d);
	}
	/* the roofs, column by column */
	for (int col = 0; col < w; col++) {
		double x = pow(10, lx + (hx - lx) * col / (w - 1));
		const struct { double y; int color; } roof[3] = {
			{peak, NXT_C_PEAK}, {sram * x, NXT_C_SRAM}, {dram * x, NXT_C_DRAM},
		};
		for (int k = 0; k < 3; k++) {
			double y = roof[k].y < peak ? roof[k].y : peak;
			if (k && roof[k].y >= peak)
				continue;
			int row = h - 1 - (int)((log10(y) - ly) / (hy - ly) * (h - 1) + 0.5);
			if (row >= 0 && row < h)
				nxt_cell_set(cv, top + row, r.x + axis + col, k ? 0x2022 : 0x2500,
					     roof[k].color);
		}
	}
	/* the ops; the selected one last, on top */
	uint32_t sel = a->sel_op < nxs_sim_graph(sim)->n_ops ? l->pos_of[a->sel_op] : UINT32_MAX;
	for (int pass = 0; pass < 2; pass++)
		for (uint32_t i = 0; i < n; i++) {
			if (c[i].macs <= 0 || c[i].cycles <= 0 || (pass == 1) != (i == sel))
				continue;
			double x = c[i].dram_bytes > 0 ? 2 * c[i].macs / c[i].dram_bytes : pow(10, hx);
			double y = 2 * c[i].macs / c[i].cycles;
			int col = col_of(x, lx, hx, w);
			int row = h - 1 - (int)((log10(y) - ly) / (hy - ly) * (h - 1) + 0.5);
			if (row < 0 || row >= h)
				continue;
			int color = pass ? NXT_C_MARK : c[i].bound == NXS_BOUND_MEMORY ? NXT_C_WARN
				: c[i].bound == NXS_BOUND_COMPUTE ? NXT_C_BAR : NXT_C_DIM;
			nxt_cell_set(cv, top + row, r.x + axis + col, pass ? 0x25C6 : 0x25CF, color);
		}
	int x = r.x;
	int y = r.y + r.h - 1;
	x += nxt_put(cv, y, x, r.w, NXT_C_DIM, "x: op/DRAM byte, y: op/cycle  ");
	nxt_cell_set(cv, y, x++, 0x25CF, NXT_C_BAR);
	x += nxt_put(cv, y, x, r.x + r.w - x, NXT_C_DIM, "compute ");
	nxt_cell_set(cv, y, x++, 0x25CF, NXT_C_WARN);
	x += nxt_put(cv, y, x, r.x + r.w - x, NXT_C_DIM, "memory ");
	nxt_cell_set(cv, y, x++, 0x25C6, NXT_C_MARK);
	x += nxt_put(cv, y, x, r.x + r.w - x, NXT_C_DIM, "selected ");
	nxt_cell_set(cv, y, x++, 0x2022, NXT_C_DRAM);
	x += nxt_put(cv, y, x, r.x + r.w - x, NXT_C_DIM, "DRAM ");
	nxt_cell_set(cv, y, x++, 0x2022, NXT_C_SRAM);
	nxt_put(cv, y, x, r.x + r.w - x, NXT_C_DIM, "SRAM (R: table)");
}
