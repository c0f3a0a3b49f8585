/* view_diff.c — the Diff view: the cursor step against the step before it
 * or the pinned step (P), from nxw_diff: an op-level summary (added,
 * removed, changed and what changed, by stable id) over the unified text
 * diff, which shows unified or side by side (v), hunk by hunk (] and [).
 * A click selects a summary entry's op, or scrolls to the hunk clicked.
 * The diff is computed once per (step, base) and kept until the session
 * changes. */
#include <stdlib.h>
#include <string.h>

#include "nxt.h"

void nxt_diff_reset(nxt_app *a)
{
	free(a->diff_text);
	free(a->diff_lines);
	nx_diff_free(a->diff);
	a->diff_text = NULL;
	a->diff_lines = NULL;
	a->n_diff_lines = 0;
	a->diff = NULL;
	a->diff_ok = false;
}

static uint32_t base_step(nxt_app *a)
{
	uint32_t k = a->s->cursor;
	if (a->diff_pinned)
		return a->s->baseline;
	return k ? k - 1 : 0;
}

static void ensure(nxt_app *a)
{
	uint32_t b = base_step(a), k = a->s->cursor;
	if (a->diff_ok && a->diff_gen == a->gen && a->diff_a == b && a->diff_b == k)
		return;
	nxt_diff_reset(a);
	a->diff_ok = true;
	a->diff_gen = a->gen;
	a->diff_a = b;
	a->diff_b = k;
	a->diff_top = 0;
	/* both owned by the app until nxt_diff_reset */
	a->diff = nxw_diff(a->s, b, k, &a->diff_text);
	uint32_t cap = 0;
	for (char *p = a->diff_text; p && *p;) {
		nx_grow((void **)&a->diff_lines, &cap, a->n_diff_lines + 1, sizeof *a->diff_lines);
		a->diff_lines[a->n_diff_lines++] = p;
		char *nl = strchr(p, '\n');
		if (!nl)
			break;
		*nl = 0;
		p = nl + 1;
	}
}

static int line_color(const char *l)
{
	if (!strncmp(l, "@@", 2))
		return NXT_C_HUNK;
	if (!strncmp(l, "+++", 3) || !strncmp(l, "---", 3))
		return NXT_C_DIM;
	if (l[0] == '+')
		return NXT_C_ADDED;
	if (l[0] == '-')
		return NXT_C_REMOVED;
	return NXT_C_TEXT;
}

/* Entries the summary lists under its counts. */
static int summary_room(nxt_rect r)
{
	return r.h >= 14 ? 4 : 2;
}

/* The summary's rows: counts, entries, "more", the rule. */
static int summary_rows(const nxt_app *a, nxt_rect r)
{
	int room = summary_room(r), shown = (int)a->diff->n < room ? (int)a->diff->n : room;
	return 1 + shown + (a->diff->n > (uint32_t)shown) + 1;
}

/* One line of the op-level summary: counts and the kinds of change. */
static int summary(nxt_app *a, nxt_rect r)
{
	const nx_diff *d = a->diff;
	const nx_graph *gb = a->s->steps[a->diff_b].snap, *ga = a->s->steps[a->diff_a].snap;
	int y = r.y, x = r.x;
	x += nxt_putf(&a->cv, y, x, r.w, NXT_C_TITLE, "step %u %s vs step %u %s%s: ", a->diff_b,
		      a->s->steps[a->diff_b].pass, a->diff_a, a->s->steps[a->diff_a].pass,
		      a->diff_pinned ? " (pinned)" : "");
	x += nxt_putf(&a->cv, y, x, r.x + r.w - x, NXT_C_ADDED, "+%u added ", d->added);
	x += nxt_putf(&a->cv, y, x, r.x + r.w - x, NXT_C_REMOVED, "-%u removed ", d->removed);
	nxt_putf(&a->cv, y, x, r.x + r.w - x, NXT_C_CHANGED, "~%u changed", d->changed);
	y++;
	/* the first entries by id, with what changed: enough to read the step */
	int shown = 0, room = summary_room(r);
	for (uint32_t i = 0; i < d->n && shown < room; i++, shown++) {
		const nx_diff_entry *e = &d->e[i];
		const nx_graph *g = e->change == NX_DIFF_REMOVED ? ga : gb;
		char what[128] = "";
		size_t n = 0;
		for (uint32_t bit = 1; bit <= NX_DIFF_NAMES; bit <<= 1)
			if ((e->what & bit) && n < sizeof what - 16)
				n += (size_t)snprintf(what + n, sizeof what - n, "%s%s", n ? "," : "",
						      nx_diff_what_name(bit));
		int c = e->change == NX_DIFF_ADDED ? NXT_C_ADDED
			: e->change == NX_DIFF_REMOVED ? NXT_C_REMOVED : NXT_C_CHANGED;
		nxt_putf(&a->cv, y++, r.x, r.w, c, " %-7s #%-5u %-14s %%%-18s %s",
			 nx_diff_change_name(e->change), e->op, nx_ops[nx_opp(g, e->op)->kind].name,
			 nx_vname(g, nx_result(g, e->op, 0)), what);
	}
	if (d->n > (uint32_t)shown)
		nxt_putf(&a->cv, y++, r.x, r.w, NXT_C_DIM, " ... %u more ops in the text below", d->n -
			 (uint32_t)shown);
	nxt_fill(&a->cv, y++, r.x, r.w, 0x2500, NXT_C_BORDER);
	return y - r.y;
}

static void draw(nxt_app *a, nxt_rect r)
{
	ensure(a);
	if (a->diff_a == a->diff_b) {
		nxt_put(&a->cv, r.y, r.x, r.w, NXT_C_DIM, a->diff_pinned
			? "this is the pinned step: nothing to compare (p pins another, P diffs "
			  "against the previous)"
			: "step 0 is the model as loaded: apply a pass (a) or step (s) to see a diff");
		return;
	}
	int top = summary(a, r);
	if (!a->n_diff_lines) {
		nxt_put(&a->cv, r.y + top, r.x, r.w, NXT_C_DIM, "the text is the same");
		return;
	}
	int h = r.h - top;
	if (a->diff_top > (int)a->n_diff_lines - 1)
		a->diff_top = (int)a->n_diff_lines - 1;
	if (!a->diff_side) {
		for (int i = 0; i < h && a->diff_top + i < (int)a->n_diff_lines; i++) {
			const char *l = a->diff_lines[a->diff_top + i];
			nxt_put(&a->cv, r.y + top + i, r.x, r.w, line_color(l), l);
		}
		return;
	}
	/* side by side: removed lines on the left, added on the right, paired
	 * in order within a run; context on both */
	int half = (r.w - 1) / 2, y = r.y + top;
	int i = a->diff_top;
	while (y < r.y + r.h && i < (int)a->n_diff_lines) {
		const char *l = a->diff_lines[i];
		if (l[0] == '-' && strncmp(l, "---", 3)) {
			int j = i;
			while (j < (int)a->n_diff_lines && a->diff_lines[j][0] == '-')
				j++;
			int k = j;
			while (k < (int)a->n_diff_lines && a->diff_lines[k][0] == '+')
				k++;
			int nl = j - i, nr = k - j, n = nl > nr ? nl : nr;
			for (int t = 0; t < n && y < r.y + r.h; t++, y++) {
				if (t < nl)
					nxt_put(&a->cv, y, r.x, half, NXT_C_REMOVED, a->diff_lines[i + t] + 1);
				nxt_cell_set(&a->cv, y, r.x + half, 0x2502, NXT_C_BORDER);
				if (t < nr)
					nxt_put(&a->cv, y, r.x + half + 1, half, NXT_C_ADDED,
						a->diff_lines[j + t] + 1);
			}
			i = k;
			continue;
		}
		int c = line_color(l);
		if (c == NXT_C_ADDED) {
			nxt_put(&a->cv, y, r.x + half + 1, half, c, l + 1);
		} else if (c == NXT_C_HUNK || c == NXT_C_DIM) {
			nxt_put(&a->cv, y, r.x, r.w, c, l);
			i++;
			y++;
			continue;
		} else {
			nxt_put(&a->cv, y, r.x, half, c, l + (l[0] == ' '));
			nxt_put(&a->cv, y, r.x + half + 1, half, c, l + (l[0] == ' '));
		}
		nxt_cell_set(&a->cv, y, r.x + half, 0x2502, NXT_C_BORDER);
		i++;
		y++;
	}
}

static int move(nxt_app *a, int d)
{
	ensure(a);
	long n = a->n_diff_lines, t = d == INT32_MIN ? 0 : d == INT32_MAX ? n - 1 : a->diff_top + d;
	if (t > n - 1)
		t = n - 1;
	if (t < 0)
		t = 0;
	a->diff_top = (int)t;
	return NXT_REDRAW;
}

/* A click on a summary entry selects its op (if this step has it); on the
 * text (unified), the hunk under the pointer scrolls to the top. */
static int click(nxt_app *a, int y, int x)
{
	(void)x;
	ensure(a);
	nxt_rect r = a->r_view;
	if (a->diff_a == a->diff_b || !a->diff)
		return NXT_REDRAW;
	int row = y - r.y, top = summary_rows(a, r);
	if (row >= 1 && row < top - 1) {
		uint32_t i = (uint32_t)row - 1;
		int room = summary_room(r);
		if ((int)i >= room || i >= a->diff->n)
			return NXT_REDRAW; /* the "more" line */
		const nx_diff_entry *e = &a->diff->e[i];
		if (e->change == NX_DIFF_REMOVED) {
			nxt_status(a, NXT_C_WARN, "op #%u was removed by this step: nothing to select",
				   e->op);
			return NXT_REDRAW;
		}
		nxt_select_op(a, e->op);
		nxt_status(a, NXT_C_TEXT, "op #%u (%s) selected", e->op,
			   nx_diff_change_name(e->change));
		return NXT_REDRAW;
	}
	if (row < top || a->diff_side) {
		if (a->diff_side && row >= top)
			nxt_status(a, NXT_C_TEXT, "side by side: ] and [ move by hunk (v: unified, "
				   "where a click picks the hunk)");
		return NXT_REDRAW;
	}
	long line = (long)a->diff_top + row - top;
	if (line >= (long)a->n_diff_lines)
		return NXT_REDRAW;
	/* the hunk holding the line: its @@ header at or above it */
	long h = line;
	while (h > 0 && strncmp(a->diff_lines[h], "@@", 2))
		h--;
	if (strncmp(a->diff_lines[h], "@@", 2))
		return NXT_REDRAW; /* the file header lines */
	uint32_t k = 0, n = 0;
	for (uint32_t i = 0; i < a->n_diff_lines; i++)
		if (!strncmp(a->diff_lines[i], "@@", 2)) {
			n++;
			if ((long)i <= h)
				k = n;
		}
	a->diff_top = (int)h;
	nxt_status(a, NXT_C_TEXT, "hunk %u of %u", k, n);
	return NXT_REDRAW;
}

const nxt_view_ops nxt_view_diff = {"diff", "Diff", draw, move, NULL, click};
