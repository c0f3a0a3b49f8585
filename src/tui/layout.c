/* layout.c — the frame: header (model, step k/n and its pass, ops, peak
 * memory, latency, energy, target), the pipeline pane on the left, the
 * current view in the centre, the selected op's details on the right (below
 * the view when the terminal is narrower than 120 columns), and the status
 * line and command line at the bottom. Below 80x24 only a one-line notice. */
#include <string.h>

#include "nxt.h"

enum { MIN_W = 80, MIN_H = 24, WIDE = 120 };

static const nxt_view_ops *const views[NXT_V_COUNT] = {
	[NXT_V_IR] = &nxt_view_ir, [NXT_V_DIFF] = &nxt_view_diff, [NXT_V_COST] = &nxt_view_cost,
	[NXT_V_MEMORY] = &nxt_view_memory, [NXT_V_REMARKS] = &nxt_view_remarks,
	[NXT_V_CONSOLE] = &nxt_view_console, [NXT_V_GRAPH] = &nxt_view_graph,
	[NXT_V_HELP] = &nxt_view_help,
	[NXT_V_CODE] = &nxt_view_code,
};

const nxt_view_ops *nxt_view(int id)
{
	return views[id >= 0 && id < NXT_V_COUNT ? id : 0];
}

static void header(nxt_app *a)
{
	nxt_canvas *c = &a->cv;
	nxt_fill(c, 0, 0, c->w, ' ', NXT_C_HEADER);
	const nxw_step *st = nxw_cur(a->s);
	char b0[32], b1[32], b2[32];
	int x = nxt_putf(c, 0, 0, c->w, NXT_C_HEADER, " nex  %s  step %u/%u %s%s  %u ops", a->model,
			 a->s->cursor, a->s->n_steps - 1, st->pass, st->complete ? "" : " (partial)",
			 st->snap->n_live_ops);
	nx_err err;
	const nxs_sim *sim = nxw_sim(a->s, a->s->cursor, &err);
	if (sim) {
		const nxs_timeline *tl = nxs_sim_timeline(sim);
		x += nxt_putf(c, 0, x, c->w - x, NXT_C_HEADER, "  peak %s  %s  %s uJ",
			      nxt_bytes((double)nxs_sim_memplan(sim)->peak, b0, sizeof b0),
			      nxt_time(tl->seconds, b1, sizeof b1),
			      nxt_count(tl->energy * 1e-6, b2, sizeof b2));
	}
	char tgt[64];
	snprintf(tgt, sizeof tgt, "%s%s ", c->w >= WIDE ? "target " : "", a->target.name);
	int tw = (int)strlen(tgt);
	if (c->w - x > tw)
		nxt_put(c, 0, c->w - tw, tw, NXT_C_HEADER, tgt);
}

/* The bottom two rows: status (or what the view's keys are) and the prompt
 * or the key reminder. */
void nxt_draw_footer(nxt_app *a)
{
	nxt_canvas *c = &a->cv;
	if (c->w < MIN_W || c->h < MIN_H)
		return;
	int ys = c->h - 2, yc = c->h - 1;
	nxt_fill(c, ys, 0, c->w, ' ', NXT_C_STATUS);
	if (a->status[0])
		nxt_put(c, ys, 1, c->w - 2, a->status_color == NXT_C_TEXT ? NXT_C_STATUS
			: a->status_color, a->status);
	if (a->prompt != NXT_PROMPT_NONE) {
		int x = nxt_put(c, yc, 0, c->w, NXT_C_KEY, a->prompt_text);
		/* keep the point visible on long lines */
		int room = c->w - x - 1, start = 0;
		if (a->prompt_point > room)
			start = a->prompt_point - room;
		nxt_put(c, yc, x, c->w - x, NXT_C_TEXT, a->prompt_line + start);
		nxt_cell_set(c, yc, x + a->prompt_point - start,
			     a->prompt_line[a->prompt_point] ? (uint32_t)(unsigned char)
			     a->prompt_line[a->prompt_point] : ' ', NXT_C_SEL);
		return;
	}
	static const struct { const char *k, *what; } hints[] = {
		{"?", "help"}, {"a", "apply"}, {"s", "step"}, {"u", "undo"}, {"1-8", "views"},
		{"Tab", "pane"}, {"/", "search"}, {"t", "target"}, {":", "command"}, {"q", "quit"},
	};
	int x = 0;
	for (size_t i = 0; i < sizeof hints / sizeof hints[0]; i++) {
		/* a hint shows whole or not at all */
		if (x + (int)(strlen(hints[i].k) + strlen(hints[i].what)) + 2 > c->w)
			break;
		x += nxt_put(c, yc, x, c->w - x, NXT_C_KEY, hints[i].k);
		x += nxt_putf(c, yc, x, c->w - x, NXT_C_DIM, " %s  ", hints[i].what);
	}
}

/* The views with a number key, in key order (Help has `?`). */
static const int tab_views[] = {NXT_V_IR, NXT_V_DIFF, NXT_V_COST, NXT_V_MEMORY, NXT_V_REMARKS,
				NXT_V_CONSOLE, NXT_V_GRAPH, NXT_V_CODE};

/* Width of one tab in each form of the strip, roomiest first: " k:Title ",
 * " k:Title", titles past five letters cut to three ("4:Mem"), and the key
 * alone (" 4"); the current view's title is never cut. The strip takes the
 * first form that fits, so every view's key shows at any width nex runs at. */
enum { TAB_FORMS = 4 };

static int tab_title_len(const nxt_app *a, int v, int form)
{
	int n = (int)strlen(nxt_view(v)->title);
	if (v == a->view || form < 2)
		return n;
	return form == 3 ? -1 : n > 5 ? 3 : n;
}

static int tab_w(const nxt_app *a, int v, int form)
{
	int n = tab_title_len(a, v, form);
	return n < 0 ? 2 : 3 + n + (form == 0);
}

static void tabs(nxt_app *a, int y, int x, int w)
{
	const size_t nt = sizeof tab_views / sizeof tab_views[0];
	int form = 0;
	for (; form < TAB_FORMS - 1; form++) {
		int need = 0;
		for (size_t k = 0; k < nt; k++)
			need += tab_w(a, tab_views[k], form);
		if (need <= w)
			break;
	}
	int cx = x;
	a->tab_y = y;
	for (int i = 0; i < NXT_V_COUNT; i++)
		a->tab_x[i] = a->tab_end[i] = -1;
	for (size_t k = 0; k < nt && cx < x + w; k++) {
		int v = tab_views[k];
		const char *t = nxt_view(v)->title;
		int tl = tab_title_len(a, v, form);
		int c = a->view == v ? NXT_C_FOCUS : NXT_C_DIM;
		a->tab_x[v] = cx;
		if (tl < 0)
			cx += nxt_putf(&a->cv, y, cx, x + w - cx, c, " %zu", k + 1);
		else
			cx += nxt_putf(&a->cv, y, cx, x + w - cx, c,
				       form == 0 ? " %zu:%.*s " : " %zu:%.*s", k + 1, tl, t);
		a->tab_end[v] = cx < x + w ? cx : x + w;
	}
}

void nxt_draw(nxt_app *a)
{
	nxt_canvas *c = &a->cv;
	nxt_canvas_clear(c);
	if (c->w < MIN_W || c->h < MIN_H) {
		nxt_putf(c, 0, 0, c->w, NXT_C_WARN, "terminal too small: %dx%d, nex needs %dx%d", c->w,
			 c->h, MIN_W, MIN_H);
		return;
	}
	header(a);
	int body_y = 1, body_h = c->h - 3;
	bool wide = c->w >= WIDE;
	/* on a narrow terminal help takes the whole width: its lines are long */
	int left_w = wide ? 30 : a->view == NXT_V_HELP ? 0 : 22;
	int right_w = wide ? (c->w >= 180 ? 48 : 40) : 0;
	int centre_x = left_w, centre_w = c->w - left_w - right_w;
	/* help and console read better tall: the op pane makes room */
	bool tall = a->view == NXT_V_HELP || a->view == NXT_V_CONSOLE;
	int detail_h = wide || tall ? 0 : 8;
	int view_h = body_h - detail_h;

	a->r_pipe = (nxt_rect){body_y + 1, 1, body_h - 2, left_w ? left_w - 2 : 0};
	if (left_w) {
		nxt_box(c, body_y, 0, body_h, left_w,
			a->focus == NXT_FOCUS_PIPELINE ? NXT_C_FOCUS : NXT_C_BORDER, "Pipeline");
		nxt_pane_pipeline(a, (nxt_rect){body_y + 1, 1, body_h - 2, left_w - 2});
	}

	const nxt_view_ops *v = nxt_view(a->view);
	nxt_box(c, body_y, centre_x, view_h, centre_w,
		a->focus == NXT_FOCUS_VIEW ? NXT_C_FOCUS : NXT_C_BORDER, NULL);
	a->tab_y = -1;
	if (a->view == NXT_V_HELP)
		nxt_put(c, body_y, centre_x + 2, centre_w - 4, NXT_C_FOCUS,
			" Help: every key and :command (q or ? returns) ");
	else
		tabs(a, body_y, centre_x + 1, centre_w - 2);
	a->r_view = (nxt_rect){body_y + 1, centre_x + 1, view_h - 2, centre_w - 2};
	v->draw(a, a->r_view);

	nxt_rect dr;
	if (!wide && tall) {
		nxt_draw_footer(a);
		nxt_draw_ask(a);
		return;
	}
	if (wide) {
		nxt_box(c, body_y, c->w - right_w, body_h, right_w, NXT_C_BORDER, "Op");
		dr = (nxt_rect){body_y + 1, c->w - right_w + 1, body_h - 2, right_w - 2};
	} else {
		nxt_box(c, body_y + view_h, centre_x, detail_h, centre_w, NXT_C_BORDER, "Op");
		dr = (nxt_rect){body_y + view_h + 1, centre_x + 1, detail_h - 2, centre_w - 2};
	}
	nxt_pane_detail(a, dr);
	nxt_draw_footer(a);
	nxt_draw_ask(a);
}
