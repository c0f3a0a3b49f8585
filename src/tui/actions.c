/* actions.c — the one actions table (tig's idea): each row is a `:` command
 * with its keys, argument synopsis, help line and handler. Keys, `:`
 * commands, the help view, docs/tui.md (a test compares them) and the
 * no-display script mode all read this table. A handler returns loop flags
 * (NXT_REDRAW, NXT_QUIT, ...) and says what happened in the status line;
 * every change to the session goes through nxw_* calls. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curses.h>

#include "nxl.h"
#include "nxt.h"

#define CTRL(c) ((c) & 0x1f)

void nxt_status(nxt_app *a, int color, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(a->status, sizeof a->status, fmt, ap);
	va_end(ap);
	a->status_color = color;
	if (color == NXT_C_ERROR)
		a->n_errors++;
	/* what happened (not where the cursor went) stays readable in the
	 * console */
	if (color == NXT_C_OK || color == NXT_C_WARN || color == NXT_C_ERROR)
		nxt_log(a, color, "%s", a->status);
}

void nxt_log(nxt_app *a, int color, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	/* one allocation per line, owned by the log: the first byte is the
	 * colour, freed in app.c's teardown */
	char *line = nx_xmalloc(strlen(buf) + 2);
	line[0] = (char)(color + 1);
	strcpy(line + 1, buf);
	nx_grow((void **)&a->log, &a->cap_log, a->n_log + 1, sizeof *a->log);
	a->log[a->n_log++] = line;
}

const nxs_sim *nxt_sim(nxt_app *a, uint32_t k)
{
	nx_err err;
	return nxw_sim(a->s, k, &err);
}

static bool op_alive(const nx_graph *g, uint32_t o)
{
	return o < g->n_ops && !(g->ops[o].flags & NX_O_DEAD);
}

void nxt_session_changed(nxt_app *a)
{
	a->gen++;
	/* the journal keeps every state the session goes through (a no-op
	 * when the state is the one recorded last, or without a journal) */
	nx_err jerr;
	if (nxw_journal_record(a->s, &jerr))
		nxt_status(a, NXT_C_ERROR, "%s", jerr.msg);
	nxt_diff_reset(a);
	nxt_cost_reset(a);
	const nxw_step *st = nxw_cur(a->s);
	/* follow the selected op by its stable id; if the step removed it,
	 * select what the step's last rewrite was rooted at, else the first op */
	if (!op_alive(st->snap, a->sel_op)) {
		if (op_alive(st->snap, st->last_op))
			a->sel_op = st->last_op;
		else
			a->sel_op = st->snap->first;
	}
	if (a->s->pl.n && a->sel_inv >= a->s->pl.n)
		a->sel_inv = a->s->pl.n - 1;
	nxt_ir_rows(a);
	nxt_select_op(a, a->sel_op);
}

static void step_status(nxt_app *a, const char *verb)
{
	uint32_t k = a->s->cursor;
	const nxw_step *st = nxw_cur(a->s);
	char c0[32] = "", c1[32] = "";
	const nxs_sim *now = nxt_sim(a, k), *before = k ? nxt_sim(a, k - 1) : NULL;
	if (now && before) {
		nxt_count(nxs_sim_timeline(before)->cycles, c0, sizeof c0);
		nxt_count(nxs_sim_timeline(now)->cycles, c1, sizeof c1);
	}
	const char *remark = st->n_remarks ? st->remarks[st->n_remarks - 1] : "";
	if (!st->ok)
		nxt_status(a, NXT_C_ERROR, "step %u %s FAILED: %s", k, st->pass,
			   st->error ? st->error : "");
	else
		nxt_status(a, NXT_C_OK, "%s: step %u/%u %s%s, %lld rewrite%s%s%s%s%s%s%s", verb, k,
			   a->s->n_steps - 1, st->pass, st->complete ? "" : " (partial)",
			   (long long)st->rewrites, st->rewrites == 1 ? "" : "s",
			   *c0 ? ", cycles " : "", c0, *c0 ? " -> " : "", c1,
			   *remark ? ": " : "", remark);
}

static int after_step(nxt_app *a, int r, nx_err *err, const char *verb)
{
	nxt_session_changed(a);
	if (r < 0) {
		nxt_status(a, r == NXW_CANCELLED ? NXT_C_WARN : NXT_C_ERROR, "%s", err->msg);
	} else if (r == 0) {
		nxt_status(a, NXT_C_WARN, "end of the pipeline: nothing left to %s (u undoes)", verb);
	} else {
		step_status(a, verb);
	}
	return NXT_REDRAW;
}

/* ---- stepping ------------------------------------------------------------- */
static int act_apply(nxt_app *a, const char *arg)
{
	nx_err err;
	return after_step(a, nxw_apply(a->s, &err), &err, "apply");
}

static int act_step(nxt_app *a, const char *arg)
{
	nx_err err;
	return after_step(a, nxw_step_into(a->s, &err), &err, "step");
}

static int act_apply_all(nxt_app *a, const char *arg)
{
	nx_err err;
	uint32_t before = a->s->cursor;
	int r = nxw_apply_all(a->s, -1, &err);
	after_step(a, r < 0 ? r : 1, &err, "apply");
	if (r >= 0)
		nxt_status(a, NXT_C_OK, "applied %u step%s: now at step %u/%u (%s)",
			   a->s->cursor - before, a->s->cursor - before == 1 ? "" : "s",
			   a->s->cursor, a->s->n_steps - 1, nxw_cur(a->s)->pass);
	return NXT_REDRAW;
}

static int act_undo(nxt_app *a, const char *arg)
{
	if (nxw_undo(a->s) != 0) {
		nxt_status(a, NXT_C_WARN, "at step 0: nothing to undo");
		return NXT_REDRAW;
	}
	nxt_session_changed(a);
	nxt_status(a, NXT_C_OK, "undo: at step %u/%u (%s); Ctrl-r redoes", a->s->cursor,
		   a->s->n_steps - 1, nxw_cur(a->s)->pass);
	return NXT_REDRAW;
}

static int act_redo(nxt_app *a, const char *arg)
{
	if (nxw_redo(a->s) != 0) {
		nxt_status(a, NXT_C_WARN, "at the last step: nothing to redo (a applies the next pass)");
		return NXT_REDRAW;
	}
	nxt_session_changed(a);
	step_status(a, "redo");
	return NXT_REDRAW;
}

static int parse_index(nxt_app *a, const char *arg, uint32_t *out, const char *what)
{
	char *end;
	if (!arg || !*arg) {
		nxt_status(a, NXT_C_ERROR, "%s: needs a number", what);
		return -1;
	}
	long v = strtol(arg, &end, 10);
	while (*end == ' ')
		end++;
	if (v < 0 || *end) {
		nxt_status(a, NXT_C_ERROR, "%s: '%s' is not a step or pipeline index", what, arg);
		return -1;
	}
	*out = (uint32_t)v;
	return 0;
}

static int act_jump(nxt_app *a, const char *arg)
{
	uint32_t k;
	if (parse_index(a, arg, &k, "jump"))
		return NXT_REDRAW;
	if (nxw_jump(a->s, k) != 0) {
		nxt_status(a, NXT_C_ERROR, "jump: no step %u (the history has steps 0..%u)", k,
			   a->s->n_steps - 1);
		return NXT_REDRAW;
	}
	nxt_session_changed(a);
	step_status(a, "jump to");
	return NXT_REDRAW;
}

/* Enter on the pipeline pane: go to the step of the selected pass, applying
 * up to it if it has not run yet. */
static int run_to(nxt_app *a, uint32_t inv)
{
	for (uint32_t k = a->s->n_steps; k-- > 1;)
		if (a->s->steps[k].inv == (int32_t)inv) {
			char buf[16];
			snprintf(buf, sizeof buf, "%u", k);
			return act_jump(a, buf);
		}
	if (!a->s->pl.inv[inv].enabled) {
		nxt_status(a, NXT_C_WARN, "%s is disabled (space enables it)",
			   a->s->pl.inv[inv].pass->name);
		return NXT_REDRAW;
	}
	nx_err err;
	int r = 1;
	for (uint32_t done = 0; r > 0 && nxw_cur(a->s)->inv < (int32_t)inv; done++) {
		r = nxw_progress_tick(a->s, "apply", done, 0, NULL, &err);
		if (r == 0)
			r = nxw_apply(a->s, &err);
	}
	return after_step(a, r, &err, "apply");
}

/* ---- pipeline edits --------------------------------------------------------- */
/* After an edit the history from the changed invocation on is gone: re-run
 * to as many steps as the cursor had. */
static int replay_after_edit(nxt_app *a, uint32_t had, const char *what)
{
	nx_err err;
	int r = nxw_replay(a->s, had, &err);
	nxt_session_changed(a);
	if (r == NXW_CANCELLED)
		nxt_status(a, NXT_C_WARN, "%s; %s", what, err.msg);
	else if (r < 0)
		nxt_status(a, NXT_C_ERROR, "%s; replay failed: %s", what, err.msg);
	else
		nxt_status(a, NXT_C_OK, "%s; replayed to step %u", what, a->s->cursor);
	return NXT_REDRAW;
}

static int edit_index(nxt_app *a, const char *arg, uint32_t *at, const char *what)
{
	if (arg && *arg)
		return parse_index(a, arg, at, what);
	if (!a->s->pl.n) {
		nxt_status(a, NXT_C_ERROR, "%s: the pipeline is empty", what);
		return -1;
	}
	*at = a->sel_inv;
	return 0;
}

static int move_by(nxt_app *a, int d)
{
	uint32_t at = a->sel_inv, had = a->s->cursor + 1;
	nx_err err;
	if (!a->s->pl.n || (d < 0 && at == 0) || (d > 0 && at + 1 >= a->s->pl.n)) {
		nxt_status(a, NXT_C_WARN, "cannot move the pass %s", d < 0 ? "up" : "down");
		return NXT_REDRAW;
	}
	if (nxw_move(a->s, at, at + d, &err)) {
		nxt_status(a, NXT_C_ERROR, "%s", err.msg);
		return NXT_REDRAW;
	}
	a->sel_inv = at + d;
	char what[128];
	snprintf(what, sizeof what, "moved %s %s", a->s->pl.inv[at + d].pass->name,
		 d < 0 ? "up" : "down");
	return replay_after_edit(a, had, what);
}

static int act_move_down(nxt_app *a, const char *arg) { return move_by(a, 1); }
static int act_move_up(nxt_app *a, const char *arg) { return move_by(a, -1); }

static int act_move(nxt_app *a, const char *arg)
{
	unsigned from, to;
	nx_err err;
	uint32_t had = a->s->cursor + 1;
	if (!arg || sscanf(arg, "%u %u", &from, &to) != 2) {
		nxt_status(a, NXT_C_ERROR, "move: usage :move FROM TO (pipeline indexes)");
		return NXT_REDRAW;
	}
	if (nxw_move(a->s, from, to, &err)) {
		nxt_status(a, NXT_C_ERROR, "move: %s", err.msg);
		return NXT_REDRAW;
	}
	a->sel_inv = to;
	return replay_after_edit(a, had, "moved");
}

static int act_toggle(nxt_app *a, const char *arg)
{
	uint32_t at, had = a->s->cursor + 1;
	nx_err err;
	if (edit_index(a, arg, &at, "toggle"))
		return NXT_REDRAW;
	if (nxw_toggle(a->s, at, &err)) {
		nxt_status(a, NXT_C_ERROR, "toggle: %s", err.msg);
		return NXT_REDRAW;
	}
	char what[128];
	snprintf(what, sizeof what, "%s %s", a->s->pl.inv[at].enabled ? "enabled" : "disabled",
		 a->s->pl.inv[at].pass->name);
	return replay_after_edit(a, had, what);
}

static int act_insert(nxt_app *a, const char *arg)
{
	unsigned at;
	int used = 0;
	nx_err err;
	uint32_t had = a->s->cursor + 1;
	if (!arg || sscanf(arg, "%u %n", &at, &used) != 1 || !arg[used]) {
		nxt_status(a, NXT_C_ERROR, "insert: usage :insert AT PASS[{k=v}]");
		return NXT_REDRAW;
	}
	if (nxw_insert(a->s, at, arg + used, &err)) {
		nxt_status(a, NXT_C_ERROR, "insert: %s", err.msg);
		return NXT_REDRAW;
	}
	a->sel_inv = at;
	return replay_after_edit(a, had, "inserted");
}

static int act_remove(nxt_app *a, const char *arg)
{
	uint32_t at, had = a->s->cursor + 1;
	nx_err err;
	if (parse_index(a, arg, &at, "remove"))
		return NXT_REDRAW;
	if (nxw_remove(a->s, at, &err)) {
		nxt_status(a, NXT_C_ERROR, "remove: %s", err.msg);
		return NXT_REDRAW;
	}
	return replay_after_edit(a, had, "removed");
}

static int act_set(nxt_app *a, const char *arg)
{
	unsigned at;
	int used = 0;
	nx_err err;
	uint32_t had = a->s->cursor + 1;
	if (!arg || sscanf(arg, "%u %n", &at, &used) != 1) {
		nxt_status(a, NXT_C_ERROR, "set: usage :set AT k=v,k2=v2 (empty clears)");
		return NXT_REDRAW;
	}
	if (nxw_set_option(a->s, at, arg[used] ? arg + used : NULL, &err)) {
		nxt_status(a, NXT_C_ERROR, "set: %s", err.msg);
		return NXT_REDRAW;
	}
	return replay_after_edit(a, had, "options set");
}

static int act_pin(nxt_app *a, const char *arg)
{
	uint32_t k = a->s->cursor;
	if (arg && *arg && parse_index(a, arg, &k, "pin"))
		return NXT_REDRAW;
	if (k >= a->s->n_steps) {
		nxt_status(a, NXT_C_ERROR, "pin: no step %u", k);
		return NXT_REDRAW;
	}
	nxw_pin(a->s, k);
	nxt_diff_reset(a);
	nxt_cost_reset(a);
	nxt_status(a, NXT_C_OK, "pinned step %u (%s) as the baseline: P diffs against it, the "
		   "cost view shows deltas", k, a->s->steps[k].pass);
	return NXT_REDRAW;
}

static int act_bisect(nxt_app *a, const char *arg)
{
	nxw_check c;
	nxw_bisect_result r;
	nx_err err;
	if (!arg || !*arg) {
		nxt_status(a, NXT_C_ERROR, "bisect: usage :bisect CHECK, e.g. verify, numeric:1e-3, "
			   "metric:cycles<=2e6");
		return NXT_REDRAW;
	}
	if (nxw_check_parse(&c, arg, &err)) {
		nxt_status(a, NXT_C_ERROR, "bisect: %s", err.msg);
		return NXT_REDRAW;
	}
	int rc = nxw_bisect(a->s, &c, false, &r, &err);
	if (rc) {
		nxt_session_changed(a);
		nxt_status(a, rc == NXW_CANCELLED ? NXT_C_WARN : NXT_C_ERROR, "bisect: %s", err.msg);
		return NXT_REDRAW;
	}
	if (r.found && r.step < a->s->n_steps)
		nxw_jump(a->s, r.step);
	nxt_session_changed(a);
	if (!r.found) {
		nxt_status(a, NXT_C_OK, "bisect: every step passes %s (%u pass runs)", arg, r.runs);
	} else {
		if (r.op != NX_NONE && op_alive(nxw_cur(a->s)->snap, r.op))
			nxt_select_op(a, r.op);
		nxt_status(a, NXT_C_WARN, "bisect: step %u (%s) breaks %s at rewrite %lld%s%s", r.step,
			   r.pass, arg, (long long)r.rewrite, *r.remark ? ": " : "", r.remark);
	}
	return NXT_REDRAW;
}

/* ---- target ------------------------------------------------------------------ */
static int recosted(nxt_app *a, double before, const char *what)
{
	nxt_session_changed(a);
	const nxs_sim *sim = nxt_sim(a, a->s->cursor);
	char t0[32], t1[32];
	if (!sim) {
		nxt_status(a, NXT_C_ERROR, "%s; the step cannot be costed", what);
		return NXT_REDRAW;
	}
	nxt_time(before, t0, sizeof t0);
	nxt_time(nxs_sim_timeline(sim)->seconds, t1, sizeof t1);
	nxt_status(a, NXT_C_OK, "%s: latency %s -> %s (re-costed; :rerun re-runs the passes "
		   "on it)", what, t0, t1);
	return NXT_REDRAW;
}

static double cur_seconds(nxt_app *a)
{
	const nxs_sim *sim = nxt_sim(a, a->s->cursor);
	return sim ? nxs_sim_timeline(sim)->seconds : 0;
}

static int act_target(nxt_app *a, const char *arg)
{
	nx_target t;
	nx_err err;
	if (!arg || !*arg) {
		nxt_status(a, NXT_C_ERROR, "target: usage :target PRESET|FILE.json (nex sim --targets "
			   "lists the presets)");
		return NXT_REDRAW;
	}
	if (nx_target_resolve(arg, &t, &err)) {
		nxt_status(a, NXT_C_ERROR, "target: %s", err.msg);
		return NXT_REDRAW;
	}
	double before = cur_seconds(a);
	a->target = t;
	free(a->s->src.target);
	a->s->src.target = nx_xstrdup(arg);
	for (uint32_t i = 0; i < a->s->src.n_sets; i++)
		free(a->s->src.sets[i]);
	a->s->src.n_sets = 0;
	char what[96];
	snprintf(what, sizeof what, "target %s", t.name);
	return recosted(a, before, what);
}

static int act_target_set(nxt_app *a, const char *arg)
{
	nx_target t = a->target;
	nx_err err;
	if (!arg || !*arg) {
		nxt_prompt_open(a, NXT_PROMPT_TARGET, "target field=value: ", "sram=");
		nxt_status(a, NXT_C_TEXT, "a target field: sram=4MiB, clock=1.5GHz, dram_bw=68GB/s, "
			   "dram_share=0.5, cores=8 (nex sim --fields lists them)");
		return NXT_REDRAW;
	}
	if (nx_target_set_kv(&t, arg, &err)) {
		nxt_status(a, NXT_C_ERROR, "target-set: %s", err.msg);
		return NXT_REDRAW;
	}
	double before = cur_seconds(a);
	a->target = t;
	nxw_source_add_set(&a->s->src, arg); /* a saved session keeps the edit */
	return recosted(a, before, arg);
}

static int act_rerun(nxt_app *a, const char *arg)
{
	uint32_t had = a->s->cursor + 1;
	nxw_set_target(a->s, &a->target);
	return replay_after_edit(a, had, "passes re-run on the current target");
}

/* ---- navigation -------------------------------------------------------------- */
static int pane_move(nxt_app *a, int d)
{
	if (a->focus == NXT_FOCUS_PIPELINE) {
		int n = (int)a->s->pl.n;
		long v = (long)a->sel_inv + d;
		if (d == INT32_MIN)
			v = 0;
		if (d == INT32_MAX)
			v = n - 1;
		a->sel_inv = (uint32_t)(v < 0 ? 0 : v >= n ? (n > 0 ? n - 1 : 0) : v);
		return NXT_REDRAW;
	}
	return nxt_view(a->view)->go(a, d);
}

static int half_page(nxt_app *a)
{
	int h = a->r_view.h / 2;
	return h > 1 ? h : 1;
}

static int act_down(nxt_app *a, const char *arg) { return pane_move(a, 1); }
static int act_up(nxt_app *a, const char *arg) { return pane_move(a, -1); }
static int act_page_down(nxt_app *a, const char *arg) { return pane_move(a, half_page(a)); }
static int act_page_up(nxt_app *a, const char *arg) { return pane_move(a, -half_page(a)); }
static int act_top(nxt_app *a, const char *arg) { return pane_move(a, INT32_MIN); }
static int act_bottom(nxt_app *a, const char *arg) { return pane_move(a, INT32_MAX); }

static int act_focus(nxt_app *a, const char *arg)
{
	a->focus = a->focus == NXT_FOCUS_VIEW ? NXT_FOCUS_PIPELINE : NXT_FOCUS_VIEW;
	nxt_status(a, NXT_C_TEXT, a->focus == NXT_FOCUS_PIPELINE
		   ? "pipeline pane: j/k select a pass, Enter runs to it, J/K move it, space toggles"
		   : "view pane: j/k move, Enter opens");
	return NXT_REDRAW;
}

static int act_open(nxt_app *a, const char *arg)
{
	if (arg && *arg)
		return nxt_open_file(a, arg);
	if (a->focus == NXT_FOCUS_PIPELINE)
		return a->s->pl.n ? run_to(a, a->sel_inv) : NXT_REDRAW;
	const nxt_view_ops *v = nxt_view(a->view);
	return v->enter ? v->enter(a) : NXT_REDRAW;
}

static int act_view(nxt_app *a, const char *arg)
{
	for (int i = 0; i < NXT_V_COUNT; i++)
		if (arg && !strcmp(arg, nxt_view(i)->name)) {
			/* leaving help does not make help the view to go back to:
			 * back from the view help was opened over then returns
			 * further, never into a help <-> console loop (found by the
			 * tmux monkey test: q and Esc bounced between the two) */
			if (a->view != i && a->view != NXT_V_HELP)
				a->prev_view = a->view;
			a->view = i;
			a->focus = NXT_FOCUS_VIEW;
			/* the view's cursor and the selected op agree from the start */
			if (i == NXT_V_COST)
				nxt_view(i)->go(a, 0);
			if (i == NXT_V_CONSOLE && !a->script)
				nxt_prompt_open(a, NXT_PROMPT_CONSOLE, "> ", "");
			return NXT_REDRAW;
		}
	nxt_status(a, NXT_C_ERROR, "view: no view '%s' (ir, diff, cost, memory, remarks, console, "
		   "graph, help, code)", arg ? arg : "");
	return NXT_REDRAW;
}

static int act_help(nxt_app *a, const char *arg)
{
	if (a->view == NXT_V_HELP)
		return act_view(a, nxt_view(a->prev_view)->name);
	return act_view(a, "help");
}

static int act_back(nxt_app *a, const char *arg)
{
	if (a->view != NXT_V_IR)
		return act_view(a, a->prev_view != a->view ? nxt_view(a->prev_view)->name : "ir");
	return NXT_REDRAW;
}

static int act_quit(nxt_app *a, const char *arg)
{
	if (a->view == NXT_V_HELP)
		return act_back(a, NULL);
	a->quit = true;
	return NXT_QUIT;
}

static int act_command(nxt_app *a, const char *arg)
{
	nxt_prompt_open(a, NXT_PROMPT_COMMAND, ":", arg ? arg : "");
	return NXT_REDRAW;
}

/* ---- IR ------------------------------------------------------------------------ */
static int act_search(nxt_app *a, const char *arg)
{
	if (!arg || !*arg) {
		nxt_prompt_open(a, NXT_PROMPT_SEARCH, "/", "");
		return NXT_REDRAW;
	}
	snprintf(a->search, sizeof a->search, "%s", arg);
	if (a->view != NXT_V_IR)
		act_view(a, "ir");
	return nxt_ir_search(a, a->search, 1);
}

static int act_search_next(nxt_app *a, const char *arg) { return nxt_ir_search(a, a->search, 1); }
static int act_search_prev(nxt_app *a, const char *arg) { return nxt_ir_search(a, a->search, -1); }

static int act_def(nxt_app *a, const char *arg)
{
	const nx_graph *g = nxw_cur(a->s)->snap;
	if (!op_alive(g, a->sel_op))
		return NXT_REDRAW;
	const nx_op *p = nx_opp(g, a->sel_op);
	uint32_t i = 0;
	if (arg && *arg)
		i = (uint32_t)atoi(arg);
	for (; i < p->n_in; i++) {
		uint32_t v = nx_operand(g, a->sel_op, i);
		if (v == NX_NONE)
			continue;
		uint32_t prod = nx_val(g, v)->producer;
		if (prod == NX_NONE)
			continue;
		nxt_select_op(a, prod);
		nxt_status(a, NXT_C_TEXT, "definition of %%%s (operand %u); r goes to its uses",
			   nx_vname(g, v), i);
		return NXT_REDRAW;
	}
	nxt_status(a, NXT_C_WARN, "the operands of this op are graph inputs or constants");
	return NXT_REDRAW;
}

static int act_uses(nxt_app *a, const char *arg)
{
	const nx_graph *g = nxw_cur(a->s)->snap;
	if (!op_alive(g, a->sel_op))
		return NXT_REDRAW;
	/* the users of every result, in use-list order; repeated presses go
	 * round them */
	uint32_t users[64], n = 0, from = a->sel_op;
	const nx_op *p = nx_opp(g, from);
	for (uint32_t r = 0; r < p->n_out && n < 64; r++)
		for (uint32_t u = nx_val(g, nx_result(g, from, r))->first_use; u != NX_NONE && n < 64;
		     u = g->uses[u].next)
			users[n++] = g->uses[u].op;
	if (!n) {
		nxt_status(a, NXT_C_WARN, "%%%s has no uses%s", nx_vname(g, nx_result(g, from, 0)),
			   nx_value_is_output(g, nx_result(g, from, 0)) ? " (a graph output)" : "");
		return NXT_REDRAW;
	}
	uint32_t i = a->use_i++ % n;
	nxt_select_op(a, users[i]);
	/* keep counting from the op we left, so r r r walks the users of it */
	a->sel_op = users[i];
	nxt_status(a, NXT_C_TEXT, "use %u of %u of %%%s (d goes back to a definition)", i + 1, n,
		   nx_vname(g, nx_result(g, from, 0)));
	return NXT_REDRAW;
}

static int act_overlay(nxt_app *a, const char *arg)
{
	if (arg && *arg) {
		int i = 0;
		while (i < NXT_OVL_COUNT && strcmp(arg, nxt_overlay_name(i)))
			i++;
		if (i == NXT_OVL_COUNT) {
			nxt_status(a, NXT_C_ERROR, "overlay: no overlay '%s' (none, cycles, energy, "
				   "bound, placement, numeric)", arg);
			return NXT_REDRAW;
		}
		a->overlay = i;
	} else {
		a->overlay = (a->overlay + 1) % NXT_OVL_COUNT;
	}
	if (a->view != NXT_V_IR && a->view != NXT_V_GRAPH)
		act_view(a, "ir");
	nxt_status(a, NXT_C_TEXT, "overlay: %s", nxt_overlay_name(a->overlay));
	return NXT_REDRAW;
}

static int act_fold(nxt_app *a, const char *arg)
{
	a->ir_fold = !a->ir_fold;
	nxt_ir_rows(a);
	nxt_select_op(a, a->sel_op);
	nxt_status(a, NXT_C_TEXT, "constants %s", a->ir_fold ? "folded into one line" : "shown");
	return NXT_REDRAW;
}

/* ---- diff and cost ------------------------------------------------------------- */
static int act_side(nxt_app *a, const char *arg)
{
	a->diff_side = !a->diff_side;
	return NXT_REDRAW;
}

static int act_diff_base(nxt_app *a, const char *arg)
{
	a->diff_pinned = !a->diff_pinned;
	nxt_diff_reset(a);
	nxt_status(a, NXT_C_TEXT, "diff against %s", a->diff_pinned ? "the pinned step (p pins)"
		   : "the previous step");
	if (a->view != NXT_V_DIFF)
		act_view(a, "diff");
	return NXT_REDRAW;
}

static int hunk(nxt_app *a, int dir)
{
	if (a->view != NXT_V_DIFF)
		act_view(a, "diff");
	nxt_view(NXT_V_DIFF)->go(a, 0); /* makes sure the lines exist */
	for (int i = a->diff_top + dir; i >= 0 && i < (int)a->n_diff_lines; i += dir)
		if (!strncmp(a->diff_lines[i], "@@", 2)) {
			a->diff_top = i;
			return NXT_REDRAW;
		}
	nxt_status(a, NXT_C_WARN, "no %s hunk", dir > 0 ? "next" : "previous");
	return NXT_REDRAW;
}

static int act_hunk_next(nxt_app *a, const char *arg) { return hunk(a, 1); }
static int act_hunk_prev(nxt_app *a, const char *arg) { return hunk(a, -1); }

static const char *const sort_names[NXT_SORT_COUNT] = {
	"cycles", "energy", "dram", "util", "bound", "schedule"
};

static int act_sort(nxt_app *a, const char *arg)
{
	if (arg && *arg) {
		int i = 0;
		while (i < NXT_SORT_COUNT && strcmp(arg, sort_names[i]))
			i++;
		if (i == NXT_SORT_COUNT) {
			nxt_status(a, NXT_C_ERROR, "sort: no column '%s' (cycles, energy, dram, util, "
				   "bound, schedule)", arg);
			return NXT_REDRAW;
		}
		a->cost_sort = i;
	} else {
		a->cost_sort = (a->cost_sort + 1) % NXT_SORT_COUNT;
	}
	if (a->view != NXT_V_COST)
		act_view(a, "cost");
	nxt_status(a, NXT_C_TEXT, "cost table sorted by %s (S for the next column)",
		   sort_names[a->cost_sort]);
	return NXT_REDRAW;
}

static int act_group(nxt_app *a, const char *arg)
{
	a->cost_group = !a->cost_group;
	a->cost_top = a->cost_cur = 0;
	if (a->view != NXT_V_COST)
		act_view(a, "cost");
	return NXT_REDRAW;
}

static int act_roofline(nxt_app *a, const char *arg)
{
	a->cost_roof = !a->cost_roof;
	if (a->view != NXT_V_COST)
		act_view(a, "cost");
	return NXT_REDRAW;
}

/* ---- files ---------------------------------------------------------------------- */
static int act_save_screen(nxt_app *a, const char *arg)
{
	nx_err err;
	if (!arg || !*arg) {
		nxt_status(a, NXT_C_ERROR, "save-screen: needs a FILE");
		return NXT_REDRAW;
	}
	nxt_draw(a);
	char *text = nxt_canvas_text(&a->cv);
	int rc;
	if (!strcmp(arg, "-")) {
		/* stdout belongs to curses outside the script mode */
		if (!a->script) {
			free(text);
			nxt_status(a, NXT_C_ERROR, "save-screen: '-' (stdout) only in the script mode");
			return NXT_REDRAW;
		}
		rc = fputs(text, stdout) < 0 || fputs("\f\n", stdout) < 0;
		free(text);
		if (rc)
			nxt_status(a, NXT_C_ERROR, "save-screen: cannot write to stdout");
		return NXT_REDRAW;
	}
	rc = nx_write_file_atomic(arg, text, strlen(text), &err);
	free(text);
	if (rc)
		nxt_status(a, NXT_C_ERROR, "save-screen: %s", err.msg);
	else
		nxt_status(a, NXT_C_OK, "screen written to %s", arg);
	return NXT_REDRAW;
}

static int act_save(nxt_app *a, const char *arg)
{
	nx_err err;
	if (!arg || !*arg) {
		nxt_status(a, NXT_C_ERROR, "save: needs a FILE (.nex, .json or .onnx)");
		return NXT_REDRAW;
	}
	if (nx_save(nxw_cur(a->s)->snap, arg, &err))
		nxt_status(a, NXT_C_ERROR, "save: %s", err.msg);
	else
		nxt_status(a, NXT_C_OK, "step %u written to %s", a->s->cursor, arg);
	return NXT_REDRAW;
}

static int act_lua(nxt_app *a, const char *arg)
{
	if (!arg || !*arg) {
		nxt_status(a, NXT_C_ERROR, "lua: usage :lua CODE (or type Lua in the console, 6)");
		return NXT_REDRAW;
	}
	return nxt_console_eval(a, arg);
}

static int act_save_session(nxt_app *a, const char *arg)
{
	nx_err err;
	const char *path = arg && *arg ? arg : a->s->path;
	if (!path) {
		nxt_status(a, NXT_C_ERROR, "save-session: needs a FILE (NAME.nex.json) the first time");
		return NXT_REDRAW;
	}
	char *p = nx_xstrdup(path); /* s->path may be replaced by the save */
	if (nxw_save(a->s, p, &err)) {
		nxt_status(a, NXT_C_ERROR, "save-session: %s", err.msg);
	} else {
		if (!a->s->journal && nxw_journal_open(a->s, p, &err))
			nxt_status(a, NXT_C_WARN, "session saved to %s, but %s", p, err.msg);
		else
			nxt_status(a, NXT_C_OK, "session saved to %s (nex %s reopens it at step %u)",
				   p, p, a->s->cursor);
	}
	free(p);
	return NXT_REDRAW;
}

static int act_export(nxt_app *a, const char *arg)
{
	nx_err err;
	const char *dot = arg ? strrchr(arg, '.') : NULL;
	const nx_graph *g = nxw_cur(a->s)->snap;
	int rc;
	if (dot && !strcmp(dot, ".mlir"))
		rc = nx_mlir_export(g, arg, &err);
	else if (dot && !strcmp(dot, ".dot"))
		rc = nx_dot_export(g, arg, NULL, &err);
	else if (dot && !strcmp(dot, ".onnx"))
		rc = nx_onnx_export(g, arg, &err);
	else {
		nxt_status(a, NXT_C_ERROR, "export: FILE must end in .mlir (TOSA), .dot or .onnx");
		return NXT_REDRAW;
	}
	if (rc)
		nxt_status(a, NXT_C_ERROR, "export: %s", err.msg);
	else
		nxt_status(a, NXT_C_OK, "step %u exported to %s", a->s->cursor, arg);
	return NXT_REDRAW;
}

static int act_resize(nxt_app *a, const char *arg)
{
	int w, h;
	if (!a->script) {
		nxt_status(a, NXT_C_ERROR, "resize: only in the script mode (resize the terminal)");
		return NXT_REDRAW;
	}
	if (!arg || sscanf(arg, "%dx%d", &w, &h) != 2 || w < 1 || h < 1 || w > 1000 || h > 1000) {
		nxt_status(a, NXT_C_ERROR, "resize: usage :resize WIDTHxHEIGHT");
		return NXT_REDRAW;
	}
	nxt_canvas_resize(&a->cv, w, h);
	return NXT_RELAYOUT | NXT_REDRAW;
}

/* The table. Columns: command, key, second key, keys as help shows them,
 * argument synopsis, help line, handler. Rows with the same command and
 * different keys (view) pass the key's argument in `args` when the row's
 * args starts with '='. */
const nxt_action nxt_actions[] = {
	{"help", '?', KEY_F(1), "?", "", "show every key and command (q or ? returns)", act_help},
	{"quit", 'q', 0, "q", "", "quit (from help: go back)", act_quit},
	{"back", 27, 0, "Esc", "", "back to the previous view", act_back},
	{"command", ':', 0, ":", "", "type a command (Tab completes, Up recalls)", act_command},
	{"apply", 'a', 0, "a", "", "apply the next pass of the pipeline", act_apply},
	{"step", 's', 0, "s", "", "step into: apply one single rewrite", act_step},
	{"apply-all", 'A', 0, "A", "", "apply the rest of the pipeline", act_apply_all},
	{"undo", 'u', 0, "u", "", "go back one step in the history", act_undo},
	{"redo", CTRL('r'), 0, "C-r", "", "go forward one step", act_redo},
	{"jump", 0, 0, "", "K", "go to step K of the history", act_jump},
	{"down", 'j', KEY_DOWN, "j Down", "", "next line", act_down},
	{"up", 'k', KEY_UP, "k Up", "", "previous line", act_up},
	{"page-down", CTRL('d'), KEY_NPAGE, "C-d PgDn", "", "half a page down", act_page_down},
	{"page-up", CTRL('u'), KEY_PPAGE, "C-u PgUp", "", "half a page up", act_page_up},
	{"top", 'g', KEY_HOME, "g Home", "", "first line", act_top},
	{"bottom", 'G', KEY_END, "G End", "", "last line", act_bottom},
	{"focus", '\t', 0, "Tab", "", "switch between the pipeline pane and the view", act_focus},
	{"open", '\n', KEY_ENTER, "Enter", "[FILE]", "pipeline: run to the pass; cost/remarks: show "
	 "the op in the IR; :open FILE opens a model or session", act_open},
	{"view", '1', 0, "1", "=ir", "IR view", act_view},
	{"view", '2', 0, "2", "=diff", "Diff view", act_view},
	{"view", '3', 0, "3", "=cost", "Cost view", act_view},
	{"view", '4', 0, "4", "=memory", "Memory view", act_view},
	{"view", '5', 0, "5", "=remarks", "Remarks view", act_view},
	{"view", '6', 0, "6", "=console", "Console view (command history and output)", act_view},
	{"view", '7', 0, "7", "=graph", "Graph view (operands and uses of the op)", act_view},
	{"view", '8', 0, "8", "=code", "Code view (the step's NE program, .neasm)", act_view},
	{"search", '/', 0, "/", "TEXT", "search the IR", act_search},
	{"search-next", 'n', 0, "n", "", "next match", act_search_next},
	{"search-prev", 'N', 0, "N", "", "previous match", act_search_prev},
	{"def", 'd', 0, "d", "[I]", "go to the op defining the selected op's operand I",
	 act_def},
	{"uses", 'r', 0, "r", "", "go to the next op using the selected op's result", act_uses},
	{"fold", 'f', 0, "f", "", "fold or show the constants in the IR", act_fold},
	{"overlay", 'o', 0, "o", "[NAME]", "colour the IR's ops by cycles, energy, bound, placement, numeric",
	 act_overlay},
	{"move-down", 'J', 0, "J", "", "move the selected pass down and replay", act_move_down},
	{"move-up", 'K', 0, "K", "", "move the selected pass up and replay", act_move_up},
	{"toggle", ' ', 0, "Space", "[AT]", "disable or enable the selected pass and replay",
	 act_toggle},
	{"move", 0, 0, "", "FROM TO", "move pipeline entry FROM to TO and replay", act_move},
	{"insert", 0, 0, "", "AT PASS", "insert PASS{k=v} at pipeline index AT", act_insert},
	{"remove", 0, 0, "", "AT", "remove pipeline entry AT", act_remove},
	{"set", 0, 0, "", "AT OPTS", "set the options of pipeline entry AT (k=v,...)", act_set},
	{"pin", 'p', 0, "p", "[K]", "pin step K (default: this one) as the baseline", act_pin},
	{"diff-base", 'P', 0, "P", "", "diff against the previous or the pinned step",
	 act_diff_base},
	{"side", 'v', 0, "v", "", "diff: unified or side by side", act_side},
	{"hunk-next", ']', 0, "]", "", "diff: next hunk", act_hunk_next},
	{"hunk-prev", '[', 0, "[", "", "diff: previous hunk", act_hunk_prev},
	{"sort", 'S', 0, "S", "[COL]", "cost: sort by cycles, energy, dram, util, bound, schedule",
	 act_sort},
	{"group", 'w', 0, "w", "", "cost: group the ops by kind", act_group},
	{"roofline", 'R', 0, "R", "", "cost: the roofline chart or the table", act_roofline},
	{"target-set", 't', 0, "t", "[F=V]", "edit a target field (sram=4MiB ...); costs update",
	 act_target_set},
	{"target", 0, 0, "", "NAME", "use target preset NAME or a .json file", act_target},
	{"rerun", 0, 0, "", "", "re-run the passes on the current target", act_rerun},
	{"bisect", 'b', 0, "b", "CHECK", "find the pass and rewrite that break CHECK", act_bisect},
	{"save", 0, 0, "", "FILE", "write this step's model (.nex, .json, .onnx)", act_save},
	{"lua", 0, 0, "", "CODE", "run a line of Lua in this session (print goes to the console)",
	 act_lua},
	{"save-session", 0, 0, "", "[FILE]", "save the session (NAME.nex.json; docs/sessions.md): "
	 "model, target, pipeline, every step, cursor; journaled from then on", act_save_session},
	{"export", 0, 0, "", "FILE", "export this step as .mlir (TOSA), .dot or .onnx", act_export},
	{"save-screen", 0, 0, "", "FILE", "write the screen as text (- : stdout, script mode)",
	 act_save_screen},
	{"resize", 0, 0, "", "WxH", "script mode: set the screen size", act_resize},
};
const uint32_t nxt_n_actions = sizeof nxt_actions / sizeof nxt_actions[0];

static int run_action(nxt_app *a, const nxt_action *ac, const char *arg)
{
	if (!arg && ac->args[0] == '=')
		arg = ac->args + 1;
	if (!arg && ac->fn == act_bisect) {
		/* b asks for the check on the command line */
		nxt_prompt_open(a, NXT_PROMPT_COMMAND, ":", "bisect metric:cycles<=");
		return NXT_REDRAW;
	}
	return ac->fn(a, arg);
}

int nxt_key(nxt_app *a, int key)
{
	if (a->ask)
		return nxt_ask_key(a, key);
	if (key == '\r')
		key = '\n';
	for (uint32_t i = 0; i < nxt_n_actions; i++)
		if (key && (nxt_actions[i].key == key || nxt_actions[i].key2 == key))
			return run_action(a, &nxt_actions[i], NULL);
	return NXT_UNHANDLED;
}

int nxt_command(nxt_app *a, const char *line)
{
	while (*line == ' ' || *line == ':')
		line++;
	char name[64];
	size_t n = strcspn(line, " ");
	if (!n)
		return NXT_REDRAW;
	snprintf(name, sizeof name, "%.*s", (int)n, line);
	const char *arg = line + n;
	while (*arg == ' ')
		arg++;
	for (uint32_t i = 0; i < nxt_n_actions; i++)
		if (!strcmp(nxt_actions[i].name, name))
			return run_action(a, &nxt_actions[i], *arg ? arg : NULL);
	nxt_status(a, NXT_C_ERROR, "unknown command :%s (? lists the commands)", name);
	return NXT_REDRAW;
}

static void console_out(void *ctx, const char *line)
{
	nxt_log(ctx, NXT_C_TEXT, "%s", line);
}

int nxt_console_eval(nxt_app *a, const char *line)
{
	if (line[0] == ':')
		return nxt_command(a, line + 1);
	nx_err err;
	if (!a->lua) {
		/* sandboxed, as nex script; the session is the one on screen
		 * (nex.session), and passes it defines join its catalogue */
		a->lua = nxl_open(a->s, &nxl_default_limits, &err);
		if (!a->lua) {
			nxt_status(a, NXT_C_ERROR, "lua: %s", err.msg);
			return NXT_REDRAW;
		}
		a->s->catalog = nxl_catalog(a->lua);
	}
	/* the line itself is logged where it was typed (prompt.c), or as the
	 * :lua command */
	int rc = nxl_run_string(a->lua, line, "console", console_out, a, &err);
	if (rc)
		nxt_log(a, NXT_C_ERROR, "%s", err.msg);
	/* a line may have stepped, undone or edited the session */
	nxt_session_changed(a);
	return NXT_REDRAW;
}
