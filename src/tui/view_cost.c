/* view_cost.c — the Cost view: the NE model's per-op costs of the cursor
 * step (nxw_sim, on the current target) as a table sortable by cycles,
 * energy, DRAM bytes, utilisation, bound or schedule order (S), with bars,
 * the share of the total, a delta against the pinned step by op id, and
 * totals; w groups the rows by op kind. The sorted order is kept until the
 * session, the target or the sort changes; a frame draws only visible rows. */
#include <stdlib.h>
#include <string.h>

#include "nxt.h"

typedef struct group_row {
	int kind;
	uint32_t n;
	double cycles, energy, dram, macs;
} group_row;

/* sort context: qsort has none, and the table is the TUI's own */
static const nxs_cost *sort_costs;
static int sort_col;

static double key_of(const nxs_cost *c, int col)
{
	switch (col) {
	case NXT_SORT_CYCLES: return c->cycles;
	case NXT_SORT_ENERGY: return c->e_mac + c->e_sram + c->e_dram + c->e_static + c->e_cpu;
	case NXT_SORT_DRAM: return c->dram_bytes;
	case NXT_SORT_UTIL: return c->util;
	case NXT_SORT_BOUND: return c->bound * 1e30 + c->cycles; /* by bound, then cycles */
	default: return 0;
	}
}

static int by_key(const void *x, const void *y)
{
	uint32_t i = *(const uint32_t *)x, j = *(const uint32_t *)y;
	if (sort_col == NXT_SORT_SCHEDULE)
		return (i > j) - (i < j);
	double a = key_of(&sort_costs[i], sort_col), b = key_of(&sort_costs[j], sort_col);
	if (a != b)
		return a < b ? 1 : -1;
	return (i > j) - (i < j);
}

void nxt_cost_reset(nxt_app *a)
{
	free(a->cost_rows);
	a->cost_rows = NULL;
	a->n_cost_rows = 0;
}

static const nxs_sim *ensure(nxt_app *a, nx_err *err)
{
	const nxs_sim *sim = nxw_sim(a->s, a->s->cursor, err);
	if (!sim)
		return NULL;
	if (a->cost_rows && a->cost_gen == a->gen && a->cost_gen_sort == a->cost_sort &&
	    a->cost_step == a->s->cursor && !memcmp(&a->cost_target, &a->target, sizeof a->target))
		return sim;
	nxt_cost_reset(a);
	uint32_t n = nxs_sim_count(sim);
	/* owned by the app until nxt_cost_reset */
	a->cost_rows = nx_xmalloc(((size_t)n + 1) * sizeof *a->cost_rows);
	for (uint32_t i = 0; i < n; i++)
		a->cost_rows[i] = i;
	a->n_cost_rows = n;
	sort_costs = nxs_sim_costs(sim);
	sort_col = a->cost_sort;
	qsort(a->cost_rows, n, sizeof *a->cost_rows, by_key);
	a->cost_gen = a->gen;
	a->cost_gen_sort = a->cost_sort;
	a->cost_step = a->s->cursor;
	a->cost_target = a->target;
	return sim;
}

static double energy(const nxs_cost *c)
{
	return c->e_mac + c->e_sram + c->e_dram + c->e_static + c->e_cpu;
}

static void bar(nxt_canvas *cv, int y, int x, int w, double frac, int color)
{
	static const uint32_t part[8] = {0x258F, 0x258E, 0x258D, 0x258C, 0x258B, 0x258A, 0x2589,
					 0x2588};
	double cells = frac * w;
	int full = (int)cells;
	for (int i = 0; i < full && i < w; i++)
		nxt_cell_set(cv, y, x + i, 0x2588, color);
	int eighth = (int)((cells - full) * 8);
	if (full < w && eighth > 0)
		nxt_cell_set(cv, y, x + full, part[eighth - 1], color);
}

static int groups(const nxs_sim *sim, group_row *g)
{
	const nxs_cost *c = nxs_sim_costs(sim);
	const nx_graph *gr = nxs_sim_graph(sim);
	const nx_live *l = nxs_sim_live(sim);
	group_row by[NX_OP_COUNT];
	memset(by, 0, sizeof by);
	for (uint32_t i = 0; i < nxs_sim_count(sim); i++) {
		int k = nx_opp(gr, l->op_at[i])->kind;
		by[k].kind = k;
		by[k].n++;
		by[k].cycles += c[i].cycles;
		by[k].energy += energy(&c[i]);
		by[k].dram += c[i].dram_bytes;
		by[k].macs += c[i].macs;
	}
	int n = 0;
	for (int k = 0; k < NX_OP_COUNT; k++)
		if (by[k].n)
			g[n++] = by[k];
	for (int i = 1; i < n; i++) /* few kinds: insertion sort by cycles */
		for (int j = i; j > 0 && g[j].cycles > g[j - 1].cycles; j--) {
			group_row t = g[j];
			g[j] = g[j - 1];
			g[j - 1] = t;
		}
	return n;
}

static void draw(nxt_app *a, nxt_rect r)
{
	nx_err err;
	const nxs_sim *sim = ensure(a, &err);
	if (!sim) {
		nxt_putf(&a->cv, r.y, r.x, r.w, NXT_C_ERROR, "no costs: %s", err.msg);
		return;
	}
	if (a->cost_roof) {
		nxt_roofline(a, r, sim);
		return;
	}
	const nxs_timeline *tl = nxs_sim_timeline(sim);
	const nxs_cost *c = nxs_sim_costs(sim);
	const nx_graph *g = nxs_sim_graph(sim);
	const nx_live *l = nxs_sim_live(sim);
	char b0[32], b1[32], b2[32], b3[32];
	nxt_putf(&a->cv, r.y, r.x, r.w, NXT_C_TITLE, "%u ops on %s: %s, %s cycles, %s uJ, DRAM %s, "
		 "util %.0f%%", nxs_sim_count(sim), a->target.name, nxt_time(tl->seconds, b0, sizeof b0),
		 nxt_count(tl->cycles, b1, sizeof b1), nxt_count(tl->energy * 1e-6, b2, sizeof b2),
		 nxt_bytes(tl->dram_bytes, b3, sizeof b3), tl->util * 100);
	/* the pinned step, for deltas by op id */
	const nxs_sim *pin = NULL;
	if (a->s->baseline != a->s->cursor)
		pin = nxw_sim(a->s, a->s->baseline, &err);
	bool wide = r.w >= 100;
	int y = r.y + 1, h = r.h - 2;
	double total = tl->cycles > 0 ? tl->cycles : 1;
	if (a->cost_group) {
		group_row gr[NX_OP_COUNT];
		int n = groups(sim, gr);
		nxt_putf(&a->cv, y++, r.x, r.w, NXT_C_HEADER, "%-16s %5s %10s %6s  %-*s%s", "kind", "ops",
			 "cycles", "%", wide ? 30 : 12, "", wide ? "      energy        DRAM" : "");
		if (a->cost_top > n - 1)
			a->cost_top = n > 0 ? n - 1 : 0;
		if (a->cost_cur > n - 1)
			a->cost_cur = n > 0 ? n - 1 : 0;
		for (int i = a->cost_top; i < n && y < r.y + r.h; i++, y++) {
			bool sel = i == a->cost_cur;
			int col = sel ? NXT_C_SEL : NXT_C_TEXT;
			int x = r.x;
			x += nxt_putf(&a->cv, y, x, r.w, sel ? NXT_C_SEL : NXT_C_OPKIND, "%-16s",
				      nx_ops[gr[i].kind].name);
			x += nxt_putf(&a->cv, y, x, r.x + r.w - x, col, " %5u %10s %5.1f%%  ", gr[i].n,
				      nxt_count(gr[i].cycles, b0, sizeof b0),
				      100 * gr[i].cycles / total);
			int bw = wide ? 30 : 12;
			if (sel)
				nxt_fill(&a->cv, y, x, r.x + r.w - x, ' ', NXT_C_SEL);
			bar(&a->cv, y, x, bw, gr[i].cycles / (gr[0].cycles > 0 ? gr[0].cycles : 1),
			    sel ? NXT_C_SEL : NXT_C_BAR);
			x += bw;
			if (wide)
				nxt_putf(&a->cv, y, x, r.x + r.w - x, col, " %9s uJ %11s",
					 nxt_count(gr[i].energy * 1e-6, b1, sizeof b1),
					 nxt_bytes(gr[i].dram, b2, sizeof b2));
		}
		return;
	}
	static const char *const sort_title[NXT_SORT_COUNT] = {
		"cycles", "energy", "DRAM", "util", "bound", "schedule"
	};
	/* name, kind, cycles, %, bar, bound: the bar takes what is left */
	int namew = wide ? 20 : 12, barw = r.w - namew - 11 - 10 - 7 - 10 - (wide ? 44 : 0);
	if (barw < 4)
		barw = 4;
	int x = r.x;
	x += nxt_putf(&a->cv, y, x, r.w, NXT_C_HEADER, "%-*s %-10s %9s %6s %-*s %-8s ", namew, "op",
		      "kind", "cycles", "%", barw, "", "bound");
	if (wide)
		nxt_putf(&a->cv, y, x, r.x + r.w - x, NXT_C_HEADER, " %9s %10s %5s %-6s %9s",
			 "energy uJ", "DRAM", "util", "place", pin ? "d cycles" : "");
	nxt_recolor(&a->cv, y, r.x, r.w, NXT_C_HEADER);
	nxt_putf(&a->cv, r.y + r.h - 1, r.x, r.w, NXT_C_DIM, "sorted by %s (S: next column, w: group "
		 "by kind, R: roofline, Enter: IR)%s", sort_title[a->cost_sort],
		 pin ? "" : "; p pins a step for deltas");
	y++;
	h = r.h - 3;
	int n = (int)a->n_cost_rows;
	if (a->cost_cur >= n)
		a->cost_cur = n - 1;
	if (a->cost_cur < 0)
		a->cost_cur = 0;
	if (a->cost_cur < a->cost_top)
		a->cost_top = a->cost_cur;
	if (a->cost_cur >= a->cost_top + h)
		a->cost_top = a->cost_cur - h + 1;
	/* bars scale to the costliest op: the first row when sorted by cycles */
	double maxc = n ? c[a->cost_rows[0]].cycles : 1;
	if (a->cost_sort != NXT_SORT_CYCLES) {
		maxc = 0;
		for (uint32_t i = 0; i < nxs_sim_count(sim) && i < 1u << 20; i++)
			if (c[i].cycles > maxc)
				maxc = c[i].cycles;
	}
	if (maxc <= 0)
		maxc = 1;
	const nxs_cost *pc = pin ? nxs_sim_costs(pin) : NULL;
	const nx_live *pl = pin ? nxs_sim_live(pin) : NULL;
	for (int i = 0; i < h && a->cost_top + i < n; i++, y++) {
		int row = a->cost_top + i;
		uint32_t pos = a->cost_rows[row], op = l->op_at[pos];
		const nxs_cost *e = &c[pos];
		bool sel = row == a->cost_cur;
		int col = sel ? NXT_C_SEL : NXT_C_TEXT;
		if (sel)
			nxt_fill(&a->cv, y, r.x, r.w, ' ', NXT_C_SEL);
		x = r.x;
		char name[64];
		snprintf(name, sizeof name, "%%%s", nx_vname(g, nx_result(g, op, 0)));
		x += nxt_putf(&a->cv, y, x, namew, sel ? NXT_C_SEL : NXT_C_VALUE, "%-*s", namew, name);
		x += nxt_putf(&a->cv, y, x, 11, sel ? NXT_C_SEL : NXT_C_OPKIND, " %-10s",
			      nx_ops[nx_opp(g, op)->kind].name);
		x += nxt_putf(&a->cv, y, x, r.x + r.w - x, col, " %9s %5.1f%% ",
			      nxt_count(e->cycles, b0, sizeof b0), 100 * e->cycles / total);
		bar(&a->cv, y, x, barw, e->cycles / maxc, sel ? NXT_C_SEL
		    : e->bound == NXS_BOUND_MEMORY ? NXT_C_DRAM : e->cpu ? NXT_C_CPU : NXT_C_BAR);
		x += barw;
		int bc = e->bound == NXS_BOUND_MEMORY ? NXT_C_WARN : e->bound == NXS_BOUND_FALLBACK
			? NXT_C_CPU : NXT_C_TEXT;
		x += nxt_putf(&a->cv, y, x, r.x + r.w - x, sel ? NXT_C_SEL : bc, " %-8s",
			      nxs_bound_name(e->bound));
		if (!wide)
			continue;
		const char *place = e->cpu ? "CPU" : e->dram_bytes > e->weight_bytes ? "DRAM" : "SRAM";
		x += nxt_putf(&a->cv, y, x, r.x + r.w - x, col, " %9s %10s %4.0f%% %-6s",
			      nxt_count(energy(e) * 1e-6, b1, sizeof b1),
			      nxt_bytes(e->dram_bytes, b2, sizeof b2), e->util * 100, place);
		if (pc) {
			uint32_t pp = op < nxs_sim_graph(pin)->n_ops ? pl->pos_of[op] : UINT32_MAX;
			if (pp == UINT32_MAX || pp >= nxs_sim_count(pin))
				nxt_put(&a->cv, y, x, r.x + r.w - x, sel ? NXT_C_SEL : NXT_C_ADDED,
					"       new");
			else {
				double d = e->cycles - pc[pp].cycles;
				nxt_putf(&a->cv, y, x, r.x + r.w - x, sel ? NXT_C_SEL : d > 0 ?
					 NXT_C_REMOVED : d < 0 ? NXT_C_ADDED : NXT_C_DIM, " %s%9s",
					 d > 0 ? "+" : d < 0 ? "-" : " ",
					 d == 0 ? "=" : nxt_count(d < 0 ? -d : d, b3, sizeof b3));
			}
		}
	}
}

static void follow(nxt_app *a)
{
	nx_err err;
	const nxs_sim *sim = ensure(a, &err);
	if (!sim || a->cost_group || !a->n_cost_rows)
		return;
	nxt_select_op(a, nxs_sim_live(sim)->op_at[a->cost_rows[a->cost_cur]]);
}

static int move(nxt_app *a, int d)
{
	nx_err err;
	if (!ensure(a, &err))
		return NXT_REDRAW;
	int n = a->cost_group ? NX_OP_COUNT : (int)a->n_cost_rows;
	long t = d == INT32_MIN ? 0 : d == INT32_MAX ? n - 1 : (long)a->cost_cur + d;
	if (t >= n)
		t = n - 1;
	if (t < 0)
		t = 0;
	a->cost_cur = (int)t;
	follow(a);
	return NXT_REDRAW;
}

static int enter(nxt_app *a)
{
	if (a->cost_group) {
		nxt_status(a, NXT_C_TEXT, "w ungroups; then Enter shows an op in the IR");
		return NXT_REDRAW;
	}
	follow(a);
	a->prev_view = a->view;
	a->view = NXT_V_IR;
	nxt_select_op(a, a->sel_op);
	return NXT_REDRAW;
}

const nxt_view_ops nxt_view_cost = {"cost", "Cost", draw, move, enter, NULL};
