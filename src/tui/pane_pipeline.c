/* pane_pipeline.c — the left pane: the pipeline with each entry's state
 * (applied, current, partial, failed, pending, disabled), then the history
 * as a sparkline of simulated cycles per step on the current target, with
 * the cursor step and the pinned step marked. */
#include <string.h>

#include "nxt.h"

enum { ST_PENDING, ST_APPLIED, ST_CURRENT, ST_PARTIAL, ST_FAILED, ST_DISABLED };

static int inv_state(nxt_app *a, uint32_t i)
{
	const nxw_session *s = a->s;
	if (!s->pl.inv[i].enabled)
		return ST_DISABLED;
	for (uint32_t k = s->cursor + 1; k-- > 1;) {
		const nxw_step *st = &s->steps[k];
		if (st->inv != (int32_t)i)
			continue;
		if (!st->ok)
			return ST_FAILED;
		if (k == s->cursor)
			return st->complete ? ST_CURRENT : ST_PARTIAL;
		return ST_APPLIED;
	}
	return ST_PENDING;
}

void nxt_pane_pipeline(nxt_app *a, nxt_rect r)
{
	static const struct { const char *mark; int color; } look[] = {
		[ST_PENDING] = {"\u00B7", NXT_C_DIM},   [ST_APPLIED] = {"\u2713", NXT_C_OK},
		[ST_CURRENT] = {"\u25B6", NXT_C_MARK},  [ST_PARTIAL] = {"\u25D0", NXT_C_MARK},
		[ST_FAILED] = {"!", NXT_C_ERROR},       [ST_DISABLED] = {"\u2717", NXT_C_DIM},
	};
	nxt_canvas *c = &a->cv;
	int list_h = r.h;
	int y = r.y;
	bool at0 = a->s->cursor == 0;
	nxt_putf(c, y++, r.x, r.w, at0 ? NXT_C_MARK : NXT_C_DIM, "%s model as loaded",
		 at0 ? "\u25B6" : " ");
	uint32_t n = a->s->pl.n;
	int room = list_h - 1;
	int first = 0;
	if ((int)a->sel_inv >= room)
		first = (int)a->sel_inv - room + 1;
	a->pipe_first = first;
	for (uint32_t i = (uint32_t)first; i < n && y < r.y + list_h; i++, y++) {
		int st = inv_state(a, i);
		const nxp_invocation *v = &a->s->pl.inv[i];
		bool sel = a->focus == NXT_FOCUS_PIPELINE && i == a->sel_inv;
		if (sel)
			nxt_fill(c, y, r.x, r.w, ' ', NXT_C_SEL);
		nxt_put(c, y, r.x, 1, sel ? NXT_C_SEL : look[st].color, look[st].mark);
		char name[96];
		snprintf(name, sizeof name, "%s%s%s%s", v->pass->name, v->options ? "{" : "",
			 v->options ? v->options : "", v->options ? "}" : "");
		nxt_putf(c, y, r.x + 2, r.w - 2, sel ? NXT_C_SEL : st == ST_PENDING ||
			 st == ST_DISABLED ? NXT_C_DIM : st == ST_CURRENT || st == ST_PARTIAL
			 ? NXT_C_MARK : NXT_C_TEXT, "%2u %s", i, name);
	}
	/* history on the box's bottom edge: one column per step, simulated
	 * cycles as bar heights, the cursor step highlighted */
	y = r.y + r.h;
	uint32_t ns = a->s->n_steps;
	int lw = nxt_put(c, y, r.x, r.w, NXT_C_TITLE, "cycles ");
	static const uint32_t spark[8] = {0x2581, 0x2582, 0x2583, 0x2584, 0x2585, 0x2586, 0x2587,
					  0x2588};
	double maxc = 0, v[512];
	int room_w = r.w - lw;
	uint32_t from = ns > (uint32_t)room_w ? ns - (uint32_t)room_w : 0;
	nx_err err;
	for (uint32_t k = from; k < ns && k - from < 512; k++) {
		const nxs_sim *sim = nxw_sim(a->s, k, &err);
		v[k - from] = sim ? nxs_sim_timeline(sim)->cycles : -1;
		if (v[k - from] > maxc)
			maxc = v[k - from];
	}
	for (uint32_t k = from; k < ns && k - from < 512; k++) {
		int x = r.x + lw + (int)(k - from);
		const nxw_step *st = &a->s->steps[k];
		if (!st->ok || v[k - from] < 0) {
			nxt_put(c, y, x, 1, NXT_C_ERROR, "!");
		} else {
			int lvl = maxc > 0 ? (int)(v[k - from] * 7 / maxc) : 0;
			nxt_cell_set(c, y, x, spark[lvl], k == a->s->cursor ? NXT_C_MARK
				     : k == a->s->baseline && k ? NXT_C_DIM : NXT_C_BAR);
		}
	}
}
