/* view_ir.c — the IR view: the cursor step's text form, one op per row, a
 * screen at a time. Rows are indexed once per step (header, constants or one
 * folded line, ops in schedule order, return); only the visible ops are
 * printed (nx_print_op), so a frame costs the same on 100 ops or 100k. The
 * selection is an op id, followed across steps (ids are stable); ops the
 * step added or changed (nx_diff_graphs against the step before) carry a
 * mark in the left gutter. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "nxt.h"

static int isalnum_c(char c) { return isalnum((unsigned char)c); }

void nxt_ir_free(nxt_irrows *r)
{
	free(r->what);
	free(r->row_of);
	free(r->changed);
	memset(r, 0, sizeof *r);
}

void nxt_ir_rows(nxt_app *a)
{
	nxt_irrows *r = &a->ir;
	uint32_t k = a->s->cursor;
	if (r->what && r->step == k && r->gen == a->gen && r->fold == a->ir_fold)
		return;
	nxt_ir_free(r);
	const nx_graph *g = a->s->steps[k].snap;
	r->step = k;
	r->gen = a->gen;
	r->fold = a->ir_fold;
	uint32_t n_const = 0;
	for (uint32_t v = 0; v < g->n_vals; v++)
		if (!(g->vals[v].flags & NX_V_DEAD) && nx_is_const(g, v))
			n_const++;
	r->n_const = n_const;
	/* owned by the app's row index; nxt_ir_free frees them */
	r->what = nx_xmalloc(((size_t)g->n_live_ops + n_const + 4) * sizeof *r->what);
	r->n_row_of = g->n_ops;
	r->row_of = nx_xmalloc(((size_t)g->n_ops + 1) * sizeof *r->row_of);
	memset(r->row_of, 0xff, ((size_t)g->n_ops + 1) * sizeof *r->row_of);
	r->what[r->n++] = NXT_ROW_HEADER;
	if (r->fold && n_const)
		r->what[r->n++] = NXT_ROW_FOLDED;
	else
		for (uint32_t v = 0; v < g->n_vals; v++)
			if (!(g->vals[v].flags & NX_V_DEAD) && nx_is_const(g, v))
				r->what[r->n++] = NXT_ROW_CONST | v;
	NX_FOR_OPS(g, o) {
		r->row_of[o] = r->n;
		r->what[r->n++] = o;
	}
	r->what[r->n++] = NXT_ROW_RETURN;
	r->what[r->n++] = NXT_ROW_CLOSE;
	/* what the step changed: 1 added, 2 changed */
	r->n_changed = g->n_ops;
	r->changed = nx_xcalloc((size_t)g->n_ops + 1, 1);
	if (k > 0) {
		nx_diff *d = nx_diff_graphs(a->s->steps[k - 1].snap, g);
		for (uint32_t i = 0; i < d->n; i++)
			if (d->e[i].op < g->n_ops && d->e[i].change != NX_DIFF_REMOVED)
				r->changed[d->e[i].op] = d->e[i].change == NX_DIFF_ADDED ? 1 : 2;
		nx_diff_free(d);
	}
}

static uint32_t sel_row(nxt_app *a)
{
	nxt_irrows *r = &a->ir;
	if (a->sel_op < r->n_row_of && r->row_of[a->sel_op] != UINT32_MAX)
		return r->row_of[a->sel_op];
	return 0;
}

static void scroll_to(nxt_app *a, uint32_t row)
{
	int h = a->r_view.h > 0 ? a->r_view.h : 10;
	if ((int)row < a->ir_top)
		a->ir_top = (int)row;
	if ((int)row >= a->ir_top + h)
		a->ir_top = (int)row - h + 1;
	if (a->ir_top < 0)
		a->ir_top = 0;
}

void nxt_select_op(nxt_app *a, uint32_t o)
{
	nxt_ir_rows(a);
	if (o < a->ir.n_row_of && a->ir.row_of[o] != UINT32_MAX) {
		if (o != a->sel_op)
			a->use_i = 0;
		a->sel_op = o;
		int h = a->r_view.h > 0 ? a->r_view.h : 10;
		uint32_t row = a->ir.row_of[o];
		/* keep the selection off the edges when it jumps */
		if ((int)row < a->ir_top || (int)row >= a->ir_top + h)
			a->ir_top = (int)row - h / 3;
		scroll_to(a, row);
	}
}

/* The text of one row; caller frees. */
static char *row_text(nxt_app *a, uint32_t what)
{
	const nx_graph *g = a->s->steps[a->ir.step].snap;
	nx_strbuf b = {0};
	if (what == NXT_ROW_HEADER) {
		nx_strbuf_printf(&b, "graph @%s(", nx_cstr(g, g->name));
		for (uint32_t i = 0; i < g->n_inputs; i++) {
			char t[128];
			nx_type_str(nx_vtype(g, g->inputs[i]), t, sizeof t);
			nx_strbuf_printf(&b, "%s%%%s: %s", i ? ", " : "", nx_vname(g, g->inputs[i]), t);
		}
		nx_strbuf_printf(&b, ") -> (");
		for (uint32_t i = 0; i < g->n_outputs; i++) {
			char t[128];
			nx_type_str(nx_vtype(g, g->outputs[i]), t, sizeof t);
			nx_strbuf_printf(&b, "%s%%%s: %s", i ? ", " : "", nx_vname(g, g->outputs[i]), t);
		}
		nx_strbuf_printf(&b, ") {");
	} else if (what == NXT_ROW_FOLDED) {
		/* counted once with the row index: a frame must not walk the graph */
		nx_strbuf_printf(&b, "  // %u constants folded (f shows them)", a->ir.n_const);
	} else if (what == NXT_ROW_RETURN) {
		nx_strbuf_printf(&b, "  return ");
		for (uint32_t i = 0; i < g->n_outputs; i++)
			nx_strbuf_printf(&b, "%s%%%s", i ? ", " : "", nx_vname(g, g->outputs[i]));
	} else if (what == NXT_ROW_CLOSE) {
		nx_strbuf_printf(&b, "}");
	} else if (what & NXT_ROW_CONST) {
		uint32_t v = what & ~NXT_ROW_CONST;
		char t[128], sz[32];
		nx_type_str(nx_vtype(g, v), t, sizeof t);
		nx_strbuf_printf(&b, "  %%%s = const %s  // %s", nx_vname(g, v), t,
				 nxt_bytes((double)nx_blob_nbytes(nx_const_blob(g, v)), sz, sizeof sz));
	} else {
		char *line = nx_print_op(g, what);
		nx_strbuf_printf(&b, "  %s", line);
		free(line);
	}
	if (!b.s)
		nx_strbuf_printf(&b, "%s", "");
	return b.s;
}

/* Colours one printed row: %values, the op kind after "= ", {attributes},
 * the type after " : ", // comments. */
static void draw_highlighted(nxt_canvas *c, int y, int x, int w, const char *s, bool sel)
{
	int col = 0, color = NXT_C_TEXT;
	bool seen_eq = false, in_type = false;
	int brace = 0;
	for (const char *p = s; *p && col < w; p++) {
		if (!sel) {
			if (p[0] == '/' && p[1] == '/')
				color = NXT_C_COMMENT, in_type = false;
			else if (color == NXT_C_COMMENT)
				;
			else if (*p == '{' && seen_eq && !in_type)
				brace++, color = NXT_C_ATTR;
			else if (brace) {
				color = NXT_C_ATTR;
				if (*p == '}')
					brace--;
			} else if (*p == '%' || (color == NXT_C_VALUE &&
						 (isalnum_c(*p) || *p == '_' || *p == '.')))
				color = NXT_C_VALUE;
			else if (p[0] == ' ' && p[1] == ':' && p[2] == ' ' && seen_eq)
				in_type = true, color = NXT_C_TEXT;
			else if (in_type)
				color = NXT_C_TYPE;
			else if (seen_eq && color != NXT_C_OPKIND && p[-1] == ' ' && p[-2] == '=' &&
				 *p != '%')
				color = NXT_C_OPKIND;
			else if (color == NXT_C_OPKIND && (isalnum_c(*p) || *p == '_'))
				;
			else
				color = NXT_C_TEXT;
			if (*p == '=' && !seen_eq && p > s && p[-1] == ' ')
				seen_eq = true;
		}
		char one[2] = {*p, 0};
		/* multi-byte characters go through nxt_put whole */
		if ((unsigned char)*p >= 0x80) {
			const char *q = p + 1;
			while ((*q & 0xC0) == 0x80)
				q++;
			char buf[8] = {0};
			memcpy(buf, p, (size_t)(q - p) < 7 ? (size_t)(q - p) : 7);
			col += nxt_put(c, y, x + col, 1, sel ? NXT_C_SEL : color, buf);
			p = q - 1;
			continue;
		}
		col += nxt_put(c, y, x + col, 1, sel ? NXT_C_SEL : color, one);
	}
	if (sel)
		nxt_fill(c, y, x + col, w - col, ' ', NXT_C_SEL);
}

static void draw(nxt_app *a, nxt_rect r)
{
	nxt_ir_rows(a);
	nxt_irrows *ir = &a->ir;
	if (a->ir_top > (int)ir->n - 1)
		a->ir_top = ir->n ? (int)ir->n - 1 : 0;
	uint32_t sel = sel_row(a);
	/* an overlay takes a second gutter column and the last row (legend) */
	nx_err err;
	bool numeric = a->overlay == NXT_OVL_NUMERIC;
	const nxs_sim *sim = a->overlay && !numeric ? nxw_sim(a->s, a->s->cursor, &err) : NULL;
	const nxw_numdebug *nd = numeric ? nxt_numeric(a, &err) : NULL;
	double omax = 0;
	int gut = 1;
	if (nd) {
		nxt_numeric_legend(a, nd, r.y + r.h - 1, r.x, r.w);
		r.h--;
		gut = 2;
	} else if (a->overlay && !sim) {
		nxt_putf(&a->cv, r.y + r.h - 1, r.x, r.w, NXT_C_ERROR, "no overlay: %s", err.msg);
		r.h--;
	} else if (sim) {
		nxt_overlay_max(a, sim, &omax);
		nxt_overlay_legend(a, r.y + r.h - 1, r.x, r.w);
		r.h--;
		gut = 2;
	}
	for (int i = 0; i < r.h; i++) {
		uint32_t row = (uint32_t)a->ir_top + (uint32_t)i;
		if (row >= ir->n)
			break;
		uint32_t what = ir->what[row];
		char *text = row_text(a, what);
		bool is_op = !(what & NXT_ROW_CONST) && what < NXT_ROW_HEADER;
		if (is_op && what < ir->n_changed && ir->changed[what])
			nxt_put(&a->cv, r.y + i, r.x, 1, ir->changed[what] == 1 ? NXT_C_ADDED
				: NXT_C_CHANGED, ir->changed[what] == 1 ? "+" : "~");
		if (sim && is_op) {
			int oc = nxt_overlay_color(a, sim, what, omax);
			if (oc >= 0)
				nxt_cell_set(&a->cv, r.y + i, r.x + 1, 0x2588, oc);
		}
		uint32_t glyph;
		int nc = nd && is_op ? nxt_numeric_color(nd, what, &glyph) : -1;
		if (nc >= 0)
			nxt_cell_set(&a->cv, r.y + i, r.x + 1, glyph, nc);
		draw_highlighted(&a->cv, r.y + i, r.x + gut, r.w - gut, text, row == sel && is_op);
		free(text);
	}
}

static int move(nxt_app *a, int d)
{
	nxt_ir_rows(a);
	nxt_irrows *ir = &a->ir;
	long row = sel_row(a);
	long target = d == INT32_MIN ? 0 : d == INT32_MAX ? (long)ir->n - 1 : row + d;
	if (target < 0)
		target = 0;
	if (target >= (long)ir->n)
		target = (long)ir->n - 1;
	/* land on an op row, searching in the direction of travel */
	int dir = target >= row ? 1 : -1;
	for (long t = target; t >= 0 && t < (long)ir->n; t += dir) {
		uint32_t w = ir->what[t];
		if (!(w & NXT_ROW_CONST) && w < NXT_ROW_HEADER) {
			a->sel_op = w;
			a->use_i = 0;
			scroll_to(a, (uint32_t)t);
			if (d == INT32_MIN)
				a->ir_top = 0;
			return NXT_REDRAW;
		}
	}
	if (d == INT32_MIN || dir < 0)
		a->ir_top = 0;
	else if (ir->n > (uint32_t)a->r_view.h)
		a->ir_top = (int)ir->n - a->r_view.h;
	return NXT_REDRAW;
}

int nxt_ir_search(nxt_app *a, const char *text, int dir)
{
	if (!text || !*text) {
		nxt_status(a, NXT_C_WARN, "no search yet: / searches");
		return NXT_REDRAW;
	}
	nxt_ir_rows(a);
	nxt_irrows *ir = &a->ir;
	uint32_t start = sel_row(a);
	for (uint32_t i = 1; i <= ir->n; i++) {
		uint32_t row = (uint32_t)(((int64_t)start + (int64_t)dir * i + ir->n) % ir->n);
		uint32_t w = ir->what[row];
		if ((w & NXT_ROW_CONST) || w >= NXT_ROW_HEADER)
			continue;
		char *t = row_text(a, w);
		bool hit = strstr(t, text) != NULL;
		free(t);
		if (hit) {
			nxt_select_op(a, w);
			nxt_status(a, NXT_C_TEXT, "/%s: row %u%s (n next, N previous)", text, row,
				   (dir > 0 ? row <= start : row >= start) ? ", wrapped" : "");
			return NXT_REDRAW;
		}
	}
	nxt_status(a, NXT_C_WARN, "/%s: not found in the ops of step %u", text, a->s->cursor);
	return NXT_REDRAW;
}

static int enter(nxt_app *a)
{
	nxt_status(a, NXT_C_TEXT, "d: definition of an operand, r: uses of the result, "
		   "4: its buffers, 3: its cost");
	return NXT_REDRAW;
}

const nxt_view_ops nxt_view_ir = {"ir", "IR", draw, move, enter, NULL};
