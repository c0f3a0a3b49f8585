/* mouse.c — the mouse where it helps: a click on a pipeline entry selects
 * it (on the "model" line: step 0), a click on a view tab opens the view, a
 * click on an IR line selects that op, on a cost row that row; the Graph,
 * Memory and Diff views take their own clicks (view_ops.click: a box, a
 * buffer, a hunk); the wheel scrolls the pane under it. Positions come
 * from the last frame's layout (app.r_pipe, r_view, tab_x). */
#include <stdio.h>

#include "nxt.h"

static bool inside(nxt_rect r, int y, int x)
{
	return y >= r.y && y < r.y + r.h && x >= r.x && x < r.x + r.w;
}

int nxt_click(nxt_app *a, int y, int x)
{
	if (a->ask) /* a question is up: only its keys answer */
		return NXT_REDRAW;
	if (y == a->tab_y)
		for (int i = 0; i < NXT_V_COUNT; i++)
			if (a->tab_x[i] >= 0 && x >= a->tab_x[i] && x < a->tab_end[i]) {
				char cmd[32];
				snprintf(cmd, sizeof cmd, "view %s", nxt_view(i)->name);
				return nxt_command(a, cmd);
			}
	if (a->r_pipe.w && inside(a->r_pipe, y, x)) {
		a->focus = NXT_FOCUS_PIPELINE;
		int row = y - a->r_pipe.y;
		if (row == 0)
			return nxt_command(a, "jump 0");
		long inv = (long)a->pipe_first + row - 1;
		if (inv >= 0 && inv < (long)a->s->pl.n)
			a->sel_inv = (uint32_t)inv;
		return NXT_REDRAW;
	}
	if (!inside(a->r_view, y, x))
		return NXT_REDRAW;
	a->focus = NXT_FOCUS_VIEW;
	int row = y - a->r_view.y;
	switch (a->view) {
	case NXT_V_IR: {
		nxt_ir_rows(a);
		long r = (long)a->ir_top + row;
		if (r >= 0 && r < (long)a->ir.n) {
			uint32_t w = a->ir.what[r];
			if (!(w & NXT_ROW_CONST) && w < NXT_ROW_HEADER)
				nxt_select_op(a, w);
		}
		return NXT_REDRAW;
	}
	case NXT_V_COST:
		/* title and header rows sit above the table */
		if (!a->cost_group && row >= 2) {
			int d = a->cost_top + row - 2 - a->cost_cur;
			return nxt_view(NXT_V_COST)->go(a, d);
		}
		return NXT_REDRAW;
	case NXT_V_REMARKS:
		return nxt_view(NXT_V_REMARKS)->go(a, a->remarks_top + row - a->remarks_cur);
	default: {
		const nxt_view_ops *v = nxt_view(a->view);
		return v->click ? v->click(a, y, x) : NXT_REDRAW;
	}
	}
}

int nxt_wheel(nxt_app *a, int y, int x, int rows)
{
	if (a->ask)
		return NXT_REDRAW;
	if (a->r_pipe.w && inside(a->r_pipe, y, x))
		a->focus = NXT_FOCUS_PIPELINE;
	else if (inside(a->r_view, y, x))
		a->focus = NXT_FOCUS_VIEW;
	int flags = NXT_REDRAW;
	for (int i = 0; i < (rows < 0 ? -rows : rows); i++)
		flags |= nxt_command(a, rows > 0 ? "down" : "up");
	return flags;
}
