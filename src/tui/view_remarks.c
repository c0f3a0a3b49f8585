/* view_remarks.c — the Remarks view: what each pass said it did, step by
 * step up to the cursor (the session keeps every step's remarks). Enter on
 * a remark selects the first op it names (%value) in the IR. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "nxt.h"

/* Rows are (step, remark) pairs up to the cursor, counted on the fly: the
 * history is short, remarks are few per step. */
static uint32_t n_rows(nxt_app *a)
{
	uint32_t n = 0;
	for (uint32_t k = 1; k <= a->s->cursor; k++)
		n += a->s->steps[k].n_remarks ? a->s->steps[k].n_remarks : 1;
	return n;
}

static const char *row_at(nxt_app *a, uint32_t row, uint32_t *step)
{
	for (uint32_t k = 1; k <= a->s->cursor; k++) {
		uint32_t n = a->s->steps[k].n_remarks;
		if (row < (n ? n : 1)) {
			*step = k;
			return n ? a->s->steps[k].remarks[row] : NULL;
		}
		row -= n ? n : 1;
	}
	*step = 0;
	return NULL;
}

static void draw(nxt_app *a, nxt_rect r)
{
	uint32_t n = n_rows(a);
	if (!n) {
		nxt_put(&a->cv, r.y, r.x, r.w, NXT_C_DIM,
			"no steps yet: a applies the next pass, s one rewrite; remarks appear here");
		return;
	}
	if (a->remarks_cur >= (int)n)
		a->remarks_cur = (int)n - 1;
	if (a->remarks_cur < a->remarks_top)
		a->remarks_top = a->remarks_cur;
	if (a->remarks_cur >= a->remarks_top + r.h)
		a->remarks_top = a->remarks_cur - r.h + 1;
	for (int i = 0; i < r.h && (uint32_t)(a->remarks_top + i) < n; i++) {
		uint32_t k, row = (uint32_t)(a->remarks_top + i);
		const char *rem = row_at(a, row, &k);
		const nxw_step *st = &a->s->steps[k];
		bool sel = (int)row == a->remarks_cur;
		if (sel)
			nxt_fill(&a->cv, r.y + i, r.x, r.w, ' ', NXT_C_SEL);
		int x = r.x;
		x += nxt_putf(&a->cv, r.y + i, x, r.w, sel ? NXT_C_SEL : NXT_C_DIM, "%3u ", k);
		x += nxt_putf(&a->cv, r.y + i, x, r.x + r.w - x, sel ? NXT_C_SEL : NXT_C_OPKIND,
			      "%-18s ", st->pass);
		if (rem)
			nxt_put(&a->cv, r.y + i, x, r.x + r.w - x, sel ? NXT_C_SEL : NXT_C_TEXT, rem);
		else
			nxt_putf(&a->cv, r.y + i, x, r.x + r.w - x, sel ? NXT_C_SEL : NXT_C_DIM,
				 "(no remarks, %lld rewrites)", (long long)st->rewrites);
	}
}

static int move(nxt_app *a, int d)
{
	long n = n_rows(a);
	long t = d == INT32_MIN ? 0 : d == INT32_MAX ? n - 1 : (long)a->remarks_cur + d;
	if (t >= n)
		t = n - 1;
	if (t < 0)
		t = 0;
	a->remarks_cur = (int)t;
	return NXT_REDRAW;
}

static int enter(nxt_app *a)
{
	uint32_t k;
	const char *rem = row_at(a, (uint32_t)a->remarks_cur, &k);
	const nx_graph *g = nxw_cur(a->s)->snap;
	for (const char *p = rem ? strchr(rem, '%') : NULL; p; p = strchr(p + 1, '%')) {
		size_t n = 1;
		while (isalnum((unsigned char)p[n]) || p[n] == '_' || p[n] == '.')
			n++;
		uint32_t v = nx_value_by_name(g, p + 1, n - 1);
		if (v != NX_NONE && nx_val(g, v)->producer != NX_NONE) {
			a->prev_view = a->view;
			a->view = NXT_V_IR;
			nxt_select_op(a, nx_val(g, v)->producer);
			nxt_status(a, NXT_C_TEXT, "%%%.*s in step %u", (int)(n - 1), p + 1, a->s->cursor);
			return NXT_REDRAW;
		}
	}
	/* remarks may name ops by their source names instead */
	nxt_status(a, NXT_C_WARN, "this remark names no op that is in step %u", a->s->cursor);
	return NXT_REDRAW;
}

const nxt_view_ops nxt_view_remarks = {"remarks", "Remarks", draw, move, enter, NULL};
