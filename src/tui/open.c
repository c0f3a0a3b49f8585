/* open.c — the session on screen can be replaced without leaving the TUI:
 * `:open FILE` (a model, .nex, .json or .onnx with NAME=DIMS bindings, or a
 * session file NAME.nex.json) and the recovery question asked when a
 * session file has a journal newer than the file (a crash): y opens the
 * journal's last state, n the saved one. A new session takes the old one's
 * place only once it has loaded: a file that fails leaves the screen, the
 * session and its journal as they were. */
#include <stdlib.h>
#include <string.h>

#include "nxl.h"
#include "nxt.h"

static const char *base_name(const char *path)
{
	const char *b = strrchr(path, '/');
	return b ? b + 1 : path;
}

/* The journal next to a session file records every action from now on;
 * one holding a state newer than the file (a crash) is not overwritten:
 * the user is asked first. */
static void open_journal(nxt_app *a, const char *path, bool recovered)
{
	nx_err err;
	if (!recovered && nxw_journal_pending(path)) {
		a->ask = NXT_ASK_RECOVER;
		snprintf(a->ask_path, sizeof a->ask_path, "%s", path);
		nxt_status(a, NXT_C_WARN, "unsaved actions in %s.journal (a crash?): y recovers "
			   "them, n opens the saved state", base_name(path));
		return;
	}
	if (nxw_journal_open(a->s, path, &err))
		nxt_status(a, NXT_C_WARN, "%s", err.msg);
	else
		nxt_status(a, NXT_C_TEXT, "session %s at step %u; every action is journaled", path,
			   a->s->cursor);
}

void nxt_adopt_session(nxt_app *a, nxw_session *s, const char *session_path, bool recovered)
{
	nxw_session *old = a->s;
	/* the saved history stays as it is: the app's target takes the
	 * session's place without re-running anything */
	if (s->target)
		a->target = *(const nx_target *)s->target;
	s->target = &a->target;
	s->metrics_hook = nxw_sim_metrics;
	s->metrics_ctx = &a->target;
	if (a->lua)
		s->catalog = nxl_catalog(a->lua);
	if (old)
		nxw_set_progress(s, old->progress, old->progress_ctx);
	a->s = s;
	nxw_session_free(old);
	/* the old session's rows, scroll positions and selection mean nothing
	 * in the new one */
	nxt_ir_free(&a->ir);
	a->sel_op = NX_NONE;
	a->sel_inv = 0;
	a->ir_top = a->diff_top = a->cost_top = a->cost_cur = a->mem_top = 0;
	a->remarks_top = a->remarks_cur = a->graph_cur = a->pipe_first = 0;
	a->ask = NXT_ASK_NONE;
	if (session_path)
		open_journal(a, session_path, recovered);
	nxt_session_changed(a);
}

/* Runs a session file's Lua passes (sandboxed: a session file is input,
 * not trusted code) in a fresh state; *out stays NULL if it has none. */
static int lua_for_file(const char *path, nxl_state **out, nx_err *err)
{
	*out = NULL;
	size_t len;
	char *text = nx_read_file(path, &len, err);
	if (!text)
		return -1;
	nxw_lua_source *src;
	uint32_t n;
	nxw_file_lua_passes(text, len, &src, &n);
	free(text);
	if (!n)
		return 0;
	nxl_state *st = nxl_open(NULL, &nxl_default_limits, err);
	int rc = st ? 0 : -1;
	for (uint32_t i = 0; st && i < n && !rc; i++)
		if (nxl_run_string(st, src[i].source, *src[i].file ? src[i].file : src[i].name, NULL,
				   NULL, err)) {
			nx_err_prefix(err, "%s: lua_passes[%u] (%s): ", path, i, src[i].name);
			rc = -1;
		}
	nxw_lua_sources_free(src, n);
	if (rc) {
		nxl_close(st);
		return -1;
	}
	*out = st;
	return 0;
}

/* The Lua state of the new session replaces the old one's, after the old
 * session (which may use its passes) is gone. */
static void adopt_with_lua(nxt_app *a, nxw_session *s, nxl_state *lua, const char *path,
			   bool recovered)
{
	nxl_state *old_lua = a->lua;
	a->lua = lua;
	nxt_adopt_session(a, s, path, recovered);
	if (old_lua != lua)
		nxl_close(old_lua);
}

static int open_session_file(nxt_app *a, const char *path, bool from_journal)
{
	nx_err err;
	nxl_state *lua;
	/* recovering the file on screen keeps its passes' state */
	bool same = from_journal && a->s->path && !strcmp(a->s->path, path);
	if (same)
		lua = a->lua;
	else if (lua_for_file(path, &lua, &err)) {
		nxt_status(a, NXT_C_ERROR, "open: %s", err.msg);
		return NXT_REDRAW;
	}
	nxw_load_opts lo = {.from_journal = from_journal, .catalog = lua ? nxl_catalog(lua) : NULL,
			    .progress = a->s->progress, .progress_ctx = a->s->progress_ctx};
	nxw_load_report rep;
	nxw_session *s = nxw_load(path, &lo, &rep, &err);
	if (!s) {
		if (!same)
			nxl_close(lua);
		nxt_status(a, NXT_C_ERROR, "open: %s", err.msg);
		return NXT_REDRAW;
	}
	nxw_set_progress(s, a->s->progress, a->s->progress_ctx);
	snprintf(a->model, sizeof a->model, "%s",
		 base_name(s->src.model ? s->src.model : path));
	adopt_with_lua(a, s, lua, path, from_journal);
	if (rep.n)
		nxt_status(a, NXT_C_WARN, "%s: step %u (%s) and %u more differ from the saved "
			   "session (replayed as they are now)", path, rep.m[0].step, rep.m[0].pass,
			   rep.n - 1);
	else if (rep.warning[0])
		nxt_status(a, NXT_C_WARN, "%s: %s", path, rep.warning);
	else if (a->ask == NXT_ASK_NONE && from_journal)
		nxt_status(a, NXT_C_OK, "recovered %s from its journal: step %u/%u; "
			   ":save-session keeps it", path, a->s->cursor, a->s->n_steps - 1);
	else if (a->ask == NXT_ASK_NONE)
		nxt_status(a, NXT_C_OK, "opened session %s at step %u/%u", path, a->s->cursor,
			   a->s->n_steps - 1);
	free(rep.m);
	return NXT_REDRAW | NXT_RELAYOUT;
}

/* NAME=D,D,... bindings for an ONNX model's dynamic inputs. */
static int parse_binds(char *words, nxw_source *src, nx_err *err)
{
	uint32_t cap = 0;
	for (char *w = strtok(words, " "); w; w = strtok(NULL, " ")) {
		char *eq = strchr(w, '=');
		if (!eq || eq == w) {
			nx_err_set(err, "'%s' is not NAME=DIMS (x=1,3,640,640)", w);
			return -1;
		}
		nx_shape_bind b = {0};
		char *p = eq + 1, *end;
		while (*p) {
			long long d = strtoll(p, &end, 10);
			if (end == p || d < 1 || b.rank == NX_MAX_RANK || (*end && *end != ',')) {
				nx_err_set(err, "'%s': DIMS are positive numbers separated by commas",
					   w);
				return -1;
			}
			b.dims[b.rank++] = d;
			p = *end ? end + 1 : end;
		}
		*eq = 0;
		b.name = nx_xstrdup(w); /* owned by src: nxw_source_free frees it */
		nx_grow((void **)&src->binds, &cap, src->n_binds + 1, sizeof *src->binds);
		src->binds[src->n_binds++] = b;
	}
	return 0;
}

static int open_model(nxt_app *a, const char *path, char *binds)
{
	nx_err err;
	/* what :save-session writes: the model as given, this target */
	nxw_source src = {.model = nx_xstrdup(path)};
	if (parse_binds(binds, &src, &err)) {
		nxt_status(a, NXT_C_ERROR, "open: %s", err.msg);
		nxw_source_free(&src);
		return NXT_REDRAW;
	}
	nx_graph *g = nxw_source_load(&src, &err);
	if (!g) {
		nxt_status(a, NXT_C_ERROR, "open: %s", err.msg);
		nxw_source_free(&src);
		return NXT_REDRAW;
	}
	/* the target on screen comes along, with the fields edited on it */
	src.target = nx_xstrdup(a->s->src.target ? a->s->src.target : a->target.name);
	for (uint32_t i = 0; i < a->s->src.n_sets; i++)
		nxw_source_add_set(&src, a->s->src.sets[i]);
	nxw_session *s = nxw_session_new(g);
	s->src = src; /* the session owns it now */
	s->target = &a->target;
	nxw_set_target(s, &a->target);
	/* the pipeline on screen, as text, runs on the new model */
	char *pl = nxp_pipeline_str(&a->s->pl);
	if (nxw_set_pipeline(s, pl, &err) && nxw_set_pipeline(s, "default", &err)) {
		nxt_status(a, NXT_C_ERROR, "open: %s", err.msg);
		free(pl);
		nxw_session_free(s);
		return NXT_REDRAW;
	}
	free(pl);
	nxw_set_progress(s, a->s->progress, a->s->progress_ctx);
	snprintf(a->model, sizeof a->model, "%s", base_name(path));
	adopt_with_lua(a, s, NULL, NULL, false);
	if (!s->steps[0].ok)
		nxt_status(a, NXT_C_ERROR, "opened %s: the model does not verify: %s", path,
			   s->steps[0].error);
	else
		nxt_status(a, NXT_C_OK, "opened %s: %u ops, the same pipeline at step 0 (a applies "
			   "the next pass)", path, g->n_live_ops);
	return NXT_REDRAW | NXT_RELAYOUT;
}

int nxt_open_file(nxt_app *a, const char *arg)
{
	char *words = nx_xstrdup(arg);
	char *rest = words + strcspn(words, " ");
	if (*rest)
		*rest++ = 0;
	size_t n = strlen(words);
	int r = n > 9 && !strcmp(words + n - 9, ".nex.json") ? (*rest ? -1 : 0) : 1;
	if (r < 0)
		nxt_status(a, NXT_C_ERROR, "open: a session file takes no NAME=DIMS (its model's "
			   "bindings are saved in it)");
	else
		r = r == 0 ? open_session_file(a, words, false) : open_model(a, words, rest);
	free(words);
	return r < 0 ? NXT_REDRAW : r;
}

int nxt_ask_key(nxt_app *a, int key)
{
	if (a->ask != NXT_ASK_RECOVER)
		return NXT_UNHANDLED;
	char path[sizeof a->ask_path];
	snprintf(path, sizeof path, "%s", a->ask_path);
	if (key == 'y' || key == 'Y') {
		a->ask = NXT_ASK_NONE;
		return open_session_file(a, path, true);
	}
	if (key == 'n' || key == 'N' || key == 27 || key == 'q') {
		a->ask = NXT_ASK_NONE;
		nxt_status(a, NXT_C_WARN, "opened the saved state; %s.journal is left as it was "
			   "(nex %s --recover opens it) and nothing is journaled until "
			   ":save-session, which replaces it", path, path);
		return NXT_REDRAW;
	}
	nxt_status(a, NXT_C_WARN, "unsaved actions in %s.journal: y recovers them, n opens the "
		   "saved state", base_name(path));
	return NXT_REDRAW;
}

void nxt_draw_ask(nxt_app *a)
{
	if (a->ask != NXT_ASK_RECOVER)
		return;
	nxt_canvas *c = &a->cv;
	int w = c->w - 8 < 64 ? c->w - 8 : 64, h = 7;
	int y = (c->h - h) / 2, x = (c->w - w) / 2;
	for (int i = 0; i < h; i++)
		nxt_fill(c, y + i, x, w, ' ', NXT_C_TEXT);
	nxt_box(c, y, x, h, w, NXT_C_WARN, "Recover?");
	nxt_putf(c, y + 1, x + 2, w - 4, NXT_C_TEXT, "%s.journal", base_name(a->ask_path));
	nxt_put(c, y + 2, x + 2, w - 4, NXT_C_TEXT,
		"holds actions newer than the saved session (a crash?).");
	int cx = x + 2;
	cx += nxt_put(c, y + 4, cx, w - 4, NXT_C_KEY, "y");
	cx += nxt_put(c, y + 4, cx, x + w - 2 - cx, NXT_C_TEXT, " recover them   ");
	cx += nxt_put(c, y + 4, cx, x + w - 2 - cx, NXT_C_KEY, "n");
	nxt_put(c, y + 4, cx, x + w - 2 - cx, NXT_C_TEXT, " open the saved state");
}
