/* view_graph.c — the Graph view: the selected op in the middle, what feeds
 * it on the left (producer ops, constants, graph inputs; one box per
 * operand) and what reads it on the right (one box per use), joined by line
 * characters. j/k move a cursor over the neighbours, Enter makes the
 * neighbour under it the selected op and the neighbourhood follows (a click
 * on a box puts the cursor there, a second click goes there). Boxes
 * carry the op kind on the top edge, the value name inside, the type on the
 * bottom edge; under an overlay (o) the kind is drawn in its colour. Only
 * the selected op's operands and uses are read: a frame costs the same on
 * any graph size. */
#include <string.h>

#include "nxt.h"

enum { MAX_SIDE = 64 };

typedef struct side {
	uint32_t op[MAX_SIDE];     /* op id, or NX_NONE for a constant/input */
	uint32_t val[MAX_SIDE];    /* the value on the edge */
	uint32_t n, more;          /* shown, and left out */
} side;

static void neighbours(const nx_graph *g, uint32_t o, side *in, side *out)
{
	memset(in, 0, sizeof *in);
	memset(out, 0, sizeof *out);
	const nx_op *p = nx_opp(g, o);
	for (uint32_t i = 0; i < p->n_in; i++) {
		uint32_t v = nx_operand(g, o, i);
		if (v == NX_NONE)
			continue;
		if (in->n == MAX_SIDE) {
			in->more++;
			continue;
		}
		in->op[in->n] = nx_val(g, v)->producer;
		in->val[in->n++] = v;
	}
	for (uint32_t r = 0; r < p->n_out; r++) {
		uint32_t v = nx_result(g, o, r);
		for (uint32_t u = nx_val(g, v)->first_use; u != NX_NONE; u = g->uses[u].next) {
			if (out->n == MAX_SIDE) {
				out->more++;
				continue;
			}
			out->op[out->n] = g->uses[u].op;
			out->val[out->n++] = v;
		}
		if (nx_value_is_output(g, v) && out->n < MAX_SIDE) {
			out->op[out->n] = NX_NONE; /* the graph's return */
			out->val[out->n++] = v;
		}
	}
}

static bool alive(const nx_graph *g, uint32_t o)
{
	return o < g->n_ops && !(g->ops[o].flags & NX_O_DEAD);
}

/* One box: kind on the top edge, %name inside, type on the bottom edge. */
static void box(nxt_app *a, int y, int x, int w, const nx_graph *g, uint32_t op, uint32_t v,
		bool is_out, int color, int kind_color)
{
	nxt_canvas *c = &a->cv;
	nxt_box(c, y, x, 3, w, color, NULL);
	char kind[64], type[96];
	if (op != NX_NONE)
		snprintf(kind, sizeof kind, "%s", nx_ops[nx_opp(g, op)->kind].name);
	else
		snprintf(kind, sizeof kind, "%s", is_out ? "return" : nx_is_const(g, v) ? "const"
			 : "input");
	nxt_putf(c, y, x + 1, w - 2, kind_color, " %s ", kind);
	/* a use box names what the user makes; the others the value itself */
	if (is_out && op != NX_NONE)
		v = nx_result(g, op, 0);
	nxt_putf(c, y + 1, x + 1, w - 2, color == NXT_C_SEL ? NXT_C_SEL : NXT_C_VALUE, "%%%s",
		 nx_vname(g, v));
	if (color == NXT_C_SEL)
		nxt_recolor(c, y + 1, x + 1, w - 2, NXT_C_SEL);
	nx_type_str(nx_vtype(g, v), type, sizeof type);
	nxt_putf(c, y + 2, x + 1, w - 2, NXT_C_TYPE, " %s ", type);
}

/* Where the boxes go in r: draw and mouse clicks share it. */
typedef struct geom {
	int h, gap, bw, lx, cx, rx, rows, mid;
	int first[2], n[2], top[2];  /* per side (0 operands, 1 uses): window */
} geom;

static void place(const nxt_app *a, nxt_rect r, const side *in, const side *out, geom *q)
{
	q->h = r.h - 1; /* the last row: help or legend */
	q->gap = 4;
	q->bw = (r.w - 2 * q->gap) / 3;
	q->lx = r.x;
	q->cx = r.x + q->bw + q->gap;
	q->rx = r.x + 2 * (q->bw + q->gap);
	q->rows = q->h / 4 > 0 ? q->h / 4 : 1; /* boxes per column */
	/* the window of neighbours per side keeps the cursor visible */
	q->first[0] = q->first[1] = 0;
	if (a->graph_cur < (int)in->n && a->graph_cur >= q->rows)
		q->first[0] = a->graph_cur - q->rows + 1;
	if (a->graph_cur >= (int)in->n && a->graph_cur - (int)in->n >= q->rows)
		q->first[1] = a->graph_cur - (int)in->n - q->rows + 1;
	q->mid = r.y + (q->h - 3) / 2;
	for (int s = 0; s < 2; s++) {
		const side *sd = s ? out : in;
		int left = (int)sd->n - q->first[s];
		q->n[s] = left < q->rows ? left : q->rows;
		q->top[s] = r.y + (q->h - q->n[s] * 4 + 1) / 2;
	}
}

static void draw(nxt_app *a, nxt_rect r)
{
	const nx_graph *g = nxw_cur(a->s)->snap;
	if (!alive(g, a->sel_op)) {
		nxt_put(&a->cv, r.y, r.x, r.w, NXT_C_DIM, "no op selected: pick one in the IR view");
		return;
	}
	side in, out;
	neighbours(g, a->sel_op, &in, &out);
	uint32_t total = in.n + out.n;
	if (a->graph_cur >= (int)total)
		a->graph_cur = total ? (int)total - 1 : 0;
	nx_err err;
	bool numeric = a->overlay == NXT_OVL_NUMERIC;
	const nxs_sim *sim = a->overlay && !numeric ? nxw_sim(a->s, a->s->cursor, &err) : NULL;
	const nxw_numdebug *nd = numeric ? nxt_numeric(a, &err) : NULL;
	uint32_t glyph;
	double omax = 0;
	if (sim)
		nxt_overlay_max(a, sim, &omax);
	geom q;
	place(a, r, &in, &out, &q);
	int h = q.h, gap = q.gap, bw = q.bw, lx = q.lx, cx = q.cx, rx = q.rx, mid = q.mid;
	int kc = NXT_C_OPKIND;
	if (sim) {
		int oc = nxt_overlay_color(a, sim, a->sel_op, omax);
		kc = oc >= 0 ? oc : kc;
	} else if (nd) {
		int oc = nxt_numeric_color(nd, a->sel_op, &glyph);
		kc = oc >= 0 ? oc : kc;
	}
	box(a, mid, cx, bw, g, a->sel_op, nx_result(g, a->sel_op, 0), false, NXT_C_FOCUS, kc);
	for (int s = 0; s < 2; s++) {
		const side *sd = s ? &out : &in;
		int first = q.first[s], n = q.n[s], top = q.top[s];
		int bx = s ? rx : lx;
		int join = s ? cx + bw + gap / 2 : cx - gap / 2 - 1; /* the vertical bus */
		for (int i = 0; i < n; i++) {
			int k = first + i, y = top + i * 4;
			bool cur = (s ? (int)in.n + k : k) == a->graph_cur;
			int kcol = NXT_C_OPKIND;
			if (sim && sd->op[k] != NX_NONE) {
				int oc = nxt_overlay_color(a, sim, sd->op[k], omax);
				kcol = oc >= 0 ? oc : kcol;
			} else if (nd && sd->op[k] != NX_NONE) {
				int oc = nxt_numeric_color(nd, sd->op[k], &glyph);
				kcol = oc >= 0 ? oc : kcol;
			}
			box(a, y, bx, bw, g, sd->op[k], sd->val[k], s == 1, cur ? NXT_C_SEL
			    : NXT_C_BORDER, cur ? NXT_C_SEL : kcol);
			/* the edge: box side to the bus */
			int x0 = s ? join + 1 : bx + bw, x1 = s ? bx - 1 : join - 1;
			for (int x = x0; x <= x1; x++)
				nxt_cell_set(&a->cv, y + 1, x, 0x2500, NXT_C_BORDER);
			if (s)
				nxt_cell_set(&a->cv, y + 1, x1, 0x25B6, NXT_C_BORDER);
			/* the bus from this box's row to the centre box's row */
			int ya = y + 1 < mid + 1 ? y + 1 : mid + 1, yb = y + 1 < mid + 1 ? mid + 1 : y + 1;
			for (int yy = ya; yy <= yb; yy++)
				nxt_cell_set(&a->cv, yy, join, 0x2502, NXT_C_BORDER);
		}
		if (n > 0) {
			/* the bus meets the centre box */
			int x0 = s ? cx + bw : join + 1, x1 = s ? join - 1 : cx - 1;
			for (int x = x0; x <= x1; x++)
				nxt_cell_set(&a->cv, mid + 1, x, 0x2500, NXT_C_BORDER);
			if (!s)
				nxt_cell_set(&a->cv, mid + 1, x1, 0x25B6, NXT_C_BORDER);
			nxt_cell_set(&a->cv, mid + 1, join, s ? 0x251C : 0x2524, NXT_C_BORDER);
		}
		uint32_t hidden = sd->more + (uint32_t)((int)sd->n - n);
		if (hidden)
			nxt_putf(&a->cv, r.y + h - 1, bx, bw, NXT_C_DIM, "%u more (j/k)", hidden);
	}
	if (!in.n)
		nxt_put(&a->cv, mid + 1, lx, bw, NXT_C_DIM, "(no operands)");
	if (!out.n)
		nxt_put(&a->cv, mid + 1, rx, bw, NXT_C_DIM, "(no uses)");
	if (sim)
		nxt_overlay_legend(a, r.y + r.h - 1, r.x, r.w);
	else if (nd)
		nxt_numeric_legend(a, nd, r.y + r.h - 1, r.x, r.w);
	else if (numeric)
		nxt_putf(&a->cv, r.y + r.h - 1, r.x, r.w, NXT_C_ERROR, "no overlay: %s", err.msg);
	else
		nxt_put(&a->cv, r.y + r.h - 1, r.x, r.w, NXT_C_DIM, "operands on the left, uses on "
			"the right; j/k pick one, Enter goes there, o colours by cost");
}

static int go(nxt_app *a, int d)
{
	const nx_graph *g = nxw_cur(a->s)->snap;
	if (!alive(g, a->sel_op))
		return NXT_REDRAW;
	side in, out;
	neighbours(g, a->sel_op, &in, &out);
	long n = in.n + out.n;
	long t = d == INT32_MIN ? 0 : d == INT32_MAX ? n - 1 : (long)a->graph_cur + d;
	a->graph_cur = (int)(t < 0 ? 0 : t >= n ? (n ? n - 1 : 0) : t);
	return NXT_REDRAW;
}

static int enter(nxt_app *a)
{
	const nx_graph *g = nxw_cur(a->s)->snap;
	if (!alive(g, a->sel_op))
		return NXT_REDRAW;
	side in, out;
	neighbours(g, a->sel_op, &in, &out);
	int k = a->graph_cur;
	uint32_t op = k < (int)in.n ? in.op[k] : k - (int)in.n < (int)out.n ? out.op[k - in.n]
		: NX_NONE;
	if (op == NX_NONE) {
		nxt_status(a, NXT_C_WARN, "a constant, graph input or the return: no op to go to");
		return NXT_REDRAW;
	}
	uint32_t from = a->sel_op;
	nxt_select_op(a, op);
	/* put the cursor on the op we came from, so Enter goes back */
	neighbours(g, op, &in, &out);
	a->graph_cur = 0;
	for (uint32_t i = 0; i < in.n + out.n; i++)
		if ((i < in.n ? in.op[i] : out.op[i - in.n]) == from) {
			a->graph_cur = (int)i;
			break;
		}
	return NXT_REDRAW;
}

/* A click on a neighbour's box puts the cursor there; on the box under
 * the cursor it goes there, as Enter does. */
static int click(nxt_app *a, int y, int x)
{
	const nx_graph *g = nxw_cur(a->s)->snap;
	if (!alive(g, a->sel_op))
		return NXT_REDRAW;
	side in, out;
	neighbours(g, a->sel_op, &in, &out);
	geom q;
	place(a, a->r_view, &in, &out, &q);
	for (int s = 0; s < 2; s++) {
		int bx = s ? q.rx : q.lx;
		if (x < bx || x >= bx + q.bw || y < q.top[s])
			continue;
		int i = (y - q.top[s]) / 4;
		if (i >= q.n[s] || (y - q.top[s]) % 4 == 3) /* the gap between boxes */
			continue;
		int k = (s ? (int)in.n : 0) + q.first[s] + i;
		if (k == a->graph_cur)
			return enter(a);
		a->graph_cur = k;
		return NXT_REDRAW;
	}
	return NXT_REDRAW;
}

const nxt_view_ops nxt_view_graph = {"graph", "Graph", draw, go, enter, click};
