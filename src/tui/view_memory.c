/* view_memory.c — the Memory view: the memory plan of the cursor step on
 * the current target (nxw_sim's nx_live and nx_memplan). Buffers are drawn
 * over the schedule (x = schedule position, y = offset in the single-arena
 * plan), coloured by where the placement put them: SRAM, DRAM (graph I/O,
 * CPU, too big) or spilled; the selected op's operands and results stand
 * out, with a column at its position. A line marks the on-chip capacity, a
 * mark the peak, and the bottom row is the live-bytes curve. j/k move the
 * selection along the schedule; a click selects the op making the buffer
 * under the pointer. */
#include <stdlib.h>
#include <string.h>

#include "nxt.h"

static bool touches(const nx_graph *g, uint32_t op, uint32_t v)
{
	if (op >= g->n_ops || (g->ops[op].flags & NX_O_DEAD))
		return false;
	const nx_op *p = nx_opp(g, op);
	for (uint32_t i = 0; i < p->n_in; i++)
		if (nx_operand(g, op, i) == v)
			return true;
	for (uint32_t i = 0; i < p->n_out; i++)
		if (nx_result(g, op, i) == v)
			return true;
	return false;
}

static void draw(nxt_app *a, nxt_rect r)
{
	nx_err err;
	const nxs_sim *sim = nxw_sim(a->s, a->s->cursor, &err);
	if (!sim) {
		nxt_putf(&a->cv, r.y, r.x, r.w, NXT_C_ERROR, "no memory plan: %s", err.msg);
		return;
	}
	const nx_memplan *mp = nxs_sim_memplan(sim);
	const nx_live *l = nxs_sim_live(sim);
	const nx_graph *g = nxs_sim_graph(sim);
	char b0[32], b1[32], b2[32], b3[32];
	nxt_putf(&a->cv, r.y, r.x, r.w, NXT_C_TITLE, "peak %s (lower bound %s, %s)  SRAM %s",
		 nxt_bytes((double)mp->peak, b0, sizeof b0),
		 nxt_bytes((double)mp->lower_bound, b1, sizeof b1), nx_algo_name(mp->algo),
		 nxt_bytes((double)a->target.sram, b2, sizeof b2));
	int x = r.x;
	x += nxt_putf(&a->cv, r.y + 1, x, r.w, NXT_C_SRAM, "\u2588SRAM %u (%s) ", mp->n_sram,
		      nxt_bytes((double)mp->sram_peak, b0, sizeof b0));
	x += nxt_putf(&a->cv, r.y + 1, x, r.x + r.w - x, NXT_C_DRAM, "\u2593DRAM %u (%s) ",
		      mp->n_dram, nxt_bytes((double)mp->dram_peak, b1, sizeof b1));
	x += nxt_putf(&a->cv, r.y + 1, x, r.x + r.w - x, NXT_C_SPILL, "\u2592spilled %u (%s) ",
		      mp->n_spilled, nxt_bytes((double)mp->spilled_bytes, b3, sizeof b3));
	nxt_put(&a->cv, r.y + 1, x, r.x + r.w - x, NXT_C_MARK, "\u2588selected op");

	int axis = 10, cw = r.w - axis, ch = r.h - 4;
	int top = r.y + 2;
	if (cw < 8 || ch < 3 || !l->n_pos) {
		nxt_put(&a->cv, top, r.x, r.w, NXT_C_DIM, "too small to draw the plan");
		return;
	}
	double scale = (double)mp->peak * 1.05;
	bool sram_line = (double)a->target.sram <= scale;
	if (scale <= 0)
		scale = 1;
	/* y axis: offsets, top is the highest */
	for (int i = 0; i < ch; i += ch > 6 ? 3 : 1)
		nxt_put(&a->cv, top + i, r.x, axis - 1, NXT_C_DIM,
			nxt_bytes(scale * (ch - i) / ch, b0, sizeof b0));
	for (int i = 0; i < ch; i++)
		nxt_cell_set(&a->cv, top + i, r.x + axis - 1, 0x2502, NXT_C_BORDER);
	uint32_t sel_pos = a->sel_op < g->n_ops ? l->pos_of[a->sel_op] : UINT32_MAX;
	/* buffers: columns [start, end] x rows [offset, offset + size) */
	for (uint32_t b = 0; b < l->n_bufs; b++) {
		const nx_buf *bf = &l->bufs[b];
		if (bf->size <= 0)
			continue;
		int x0 = (int)((double)bf->start * cw / l->n_pos);
		int x1 = (int)((double)(bf->end + 1) * cw / l->n_pos);
		if (x1 <= x0)
			x1 = x0 + 1;
		int y1 = ch - 1 - (int)((double)bf->arena_off * ch / scale);
		int y0 = ch - 1 - (int)((double)(bf->arena_off + bf->size - 1) * ch / scale);
		int color = bf->level == NX_SRAM ? NXT_C_SRAM : bf->why == NX_WHY_SPILL ? NXT_C_SPILL
			: NXT_C_DRAM;
		/* the shade tells the place apart without colour (NO_COLOR, 8
		 * colours on a dim terminal): solid SRAM, dense DRAM, light spilled */
		uint32_t fill = color == NXT_C_SRAM ? 0x2588 : color == NXT_C_DRAM ? 0x2593 : 0x2592;
		if (touches(g, a->sel_op, bf->value))
			color = NXT_C_MARK;
		for (int yy = y0 < 0 ? 0 : y0; yy <= y1 && yy < ch; yy++)
			for (int xx = x0; xx < x1 && xx < cw; xx++) {
				/* an SRAM buffer's first column reads as its edge */
				uint32_t glyph = fill == 0x2588 && xx == x0 && x1 - x0 > 2 ? 0x258C : fill;
				nxt_cell_set(&a->cv, top + yy, r.x + axis + xx, glyph, color);
			}
	}
	if (sram_line) {
		int y = ch - 1 - (int)((double)a->target.sram * ch / scale);
		if (y >= 0 && y < ch) {
			for (int xx = 0; xx < cw; xx++) {
				nxt_cell *cell = &a->cv.cells[(top + y) * a->cv.w + r.x + axis + xx];
				if (cell->ch == ' ')
					nxt_cell_set(&a->cv, top + y, r.x + axis + xx, 0x2500, NXT_C_PEAK);
			}
			nxt_fill(&a->cv, top + y, r.x, axis - 1, ' ', NXT_C_TEXT);
			nxt_put(&a->cv, top + y, r.x, axis - 1, NXT_C_PEAK, "SRAM");
		}
	} else {
		nxt_putf(&a->cv, top, r.x + axis + 1, cw - 1, NXT_C_DIM, "SRAM (%s) is above the "
			 "plan's peak", nxt_bytes((double)a->target.sram, b0, sizeof b0));
	}
	uint32_t peak_pos = 0;
	nx_live_peak(l, &peak_pos);
	int px = (int)((double)peak_pos * cw / l->n_pos);
	/* the peak's position, on the top row of the chart */
	nxt_put(&a->cv, top, r.x + axis + (px < cw ? px : cw - 1), 1, NXT_C_PEAK, "\u25BC");
	if (sel_pos != UINT32_MAX) {
		int sx = (int)((double)sel_pos * cw / l->n_pos);
		for (int i = 0; i < ch; i++) {
			nxt_cell *cell = &a->cv.cells[(top + i) * a->cv.w + r.x + axis + sx];
			if (cell->ch == ' ')
				nxt_cell_set(&a->cv, top + i, r.x + axis + sx, 0x2502, NXT_C_MARK);
		}
	}
	/* live bytes per column (max over the positions it covers) */
	int yb = top + ch;
	nxt_put(&a->cv, yb, r.x, axis - 1, NXT_C_DIM, "live");
	static const uint32_t spark[8] = {0x2581, 0x2582, 0x2583, 0x2584, 0x2585, 0x2586, 0x2587,
					  0x2588};
	for (int xx = 0; xx < cw; xx++) {
		uint32_t p0 = (uint32_t)((double)xx * l->n_pos / cw);
		uint32_t p1 = (uint32_t)((double)(xx + 1) * l->n_pos / cw);
		if (p1 <= p0)
			p1 = p0 + 1;
		double m = 0;
		for (uint32_t p = p0; p < p1 && p < l->n_pos; p++) {
			double v = (double)(mp->live_sram ? mp->live_sram[p] : 0) +
				   (double)(mp->live_dram ? mp->live_dram[p] : 0);
			if (v > m)
				m = v;
		}
		int lvl = (int)(m * 7 / scale);
		nxt_cell_set(&a->cv, yb, r.x + axis + xx, spark[lvl < 0 ? 0 : lvl > 7 ? 7 : lvl],
			     NXT_C_BAR);
	}
	nxt_putf(&a->cv, yb + 1, r.x, r.w, NXT_C_DIM, "x: schedule position 0..%u  j/k: select the "
		 "next op, its tensors in yellow%s", l->n_pos - 1,
		 mp->recorded ? "  (plan-memory's recorded placement)" : "");
}

static int move(nxt_app *a, int d)
{
	nx_err err;
	const nxs_sim *sim = nxw_sim(a->s, a->s->cursor, &err);
	if (!sim)
		return NXT_REDRAW;
	const nx_live *l = nxs_sim_live(sim);
	const nx_graph *g = nxs_sim_graph(sim);
	if (!l->n_pos)
		return NXT_REDRAW;
	long pos = a->sel_op < g->n_ops && l->pos_of[a->sel_op] != UINT32_MAX
		? l->pos_of[a->sel_op] : 0;
	pos = d == INT32_MIN ? 0 : d == INT32_MAX ? (long)l->n_pos - 1 : pos + d;
	if (pos < 0)
		pos = 0;
	if (pos >= (long)l->n_pos)
		pos = (long)l->n_pos - 1;
	nxt_select_op(a, l->op_at[pos]);
	return NXT_REDRAW;
}

/* A click on the chart selects the op making the buffer under it (the op
 * at that schedule position when the buffer is a graph input or constant,
 * or there is none), with the same geometry as draw. */
static int click(nxt_app *a, int y, int x)
{
	nx_err err;
	const nxs_sim *sim = nxw_sim(a->s, a->s->cursor, &err);
	if (!sim)
		return NXT_REDRAW;
	const nx_memplan *mp = nxs_sim_memplan(sim);
	const nx_live *l = nxs_sim_live(sim);
	const nx_graph *g = nxs_sim_graph(sim);
	nxt_rect r = a->r_view;
	int axis = 10, cw = r.w - axis, ch = r.h - 4, top = r.y + 2;
	int xx = x - r.x - axis, yy = y - top;
	if (cw < 8 || ch < 3 || !l->n_pos || xx < 0 || xx >= cw || yy < 0 || yy > ch)
		return NXT_REDRAW;
	uint32_t pos = (uint32_t)((double)xx * l->n_pos / cw);
	if (pos >= l->n_pos)
		pos = l->n_pos - 1;
	uint32_t op = l->op_at[pos];
	double scale = (double)mp->peak * 1.05;
	if (scale <= 0)
		scale = 1;
	const char *what = "the op at schedule position";
	for (uint32_t b = 0; yy < ch && b < l->n_bufs; b++) {
		const nx_buf *bf = &l->bufs[b];
		if (bf->size <= 0)
			continue;
		/* the cells draw gave this buffer */
		int x0 = (int)((double)bf->start * cw / l->n_pos);
		int x1 = (int)((double)(bf->end + 1) * cw / l->n_pos);
		if (x1 <= x0)
			x1 = x0 + 1;
		int y1 = ch - 1 - (int)((double)bf->arena_off * ch / scale);
		int y0 = ch - 1 - (int)((double)(bf->arena_off + bf->size - 1) * ch / scale);
		if (xx < x0 || xx >= x1 || yy < y0 || yy > y1)
			continue;
		uint32_t p = nx_val(g, bf->value)->producer;
		if (p != NX_NONE && p < g->n_ops && !(g->ops[p].flags & NX_O_DEAD)) {
			op = p;
			what = "the op making the buffer at position";
		}
		char b0[32], b1[32];
		nxt_select_op(a, op);
		nxt_status(a, NXT_C_TEXT, "buffer %%%s: %s at +%s, positions %u..%u; %s %u "
			   "selected", nx_vname(g, bf->value), nxt_bytes((double)bf->size, b0,
			   sizeof b0), nxt_bytes((double)bf->arena_off, b1, sizeof b1), bf->start,
			   bf->end, what, pos);
		return NXT_REDRAW;
	}
	nxt_select_op(a, op);
	nxt_status(a, NXT_C_TEXT, "%s %u selected", what, pos);
	return NXT_REDRAW;
}

const nxt_view_ops nxt_view_memory = {"memory", "Memory", draw, move, NULL, click};
