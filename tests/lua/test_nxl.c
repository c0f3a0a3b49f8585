/* test_nxl.c — the embedding API of src/lua (what the TUI console and the
 * CLI call): chunks run with print sent to a callback, nex.session is the
 * caller's session, Lua passes join its catalogue with their file and
 * source, and a Lua pass that breaks a limit leaves the history exactly as
 * it was (redo list included) while an ordinary error keeps a failed step
 * as C passes do. */
#include "check.h"
#include "nxl.h"

static const char model[] =
	"graph @m(%x: f32[1,4]) -> (%y: f32[1,4]) {\n"
	"  %a = relu(%x) : f32[1,4]\n"
	"  %y = relu(%a) : f32[1,4]\n"
	"  return %y\n"
	"}\n";

typedef struct lines {
	char text[4096];
	int n;
} lines;

static void out(void *ctx, const char *line)
{
	lines *l = ctx;
	size_t len = strlen(l->text);
	snprintf(l->text + len, sizeof l->text - len, "%s|", line);
	l->n++;
}

static nxw_session *session(void)
{
	nx_err err;
	nx_graph *g = nx_parse(model, sizeof model - 1, "m.nex", NULL, &err);
	return g ? nxw_session_new(g) : NULL;
}

static void test_print_and_session(void)
{
	nxw_session *s = session();
	nx_err err;
	nxl_state *st = nxl_open(s, NULL, &err);
	CHECK(st != NULL);
	if (!st)
		return;
	CHECK(s->catalog == nxl_catalog(st));
	CHECK(nxl_session(st) == s);
	lines l = {.n = 0};
	CHECK_EQ_INT(nxl_run_string(st, "print('ops', nex.session:graph():count(), 1.5)",
				    "console", out, &l, &err), 0);
	CHECK_STR(l.text, "ops\t2\t1.5|");
	/* globals stay between chunks, as in a console */
	CHECK_EQ_INT(nxl_run_string(st, "x = 41", "console", out, &l, &err), 0);
	CHECK_EQ_INT(nxl_run_string(st, "print(x + 1)", "console", out, &l, &err), 0);
	CHECK_STR(l.text, "ops\t2\t1.5|42|");
	CHECK_EQ_INT(nxl_run_string(st, "error('boom')", "console", out, &l, &err), -1);
	CHECK_CONTAINS(err.msg, "console:1: boom");
	CHECK_EQ_INT(nxl_run_string(st, "\x1bLua", "console", out, &l, &err), -1);
	CHECK_CONTAINS(err.msg, "binary");
	CHECK_EQ_INT(nxl_run_string(st, "nex.session:pipeline('dce'); assert(nex.session:run())",
				    "console", out, &l, &err), 0);
	CHECK_EQ_INT(s->n_steps, 2);
	/* the caller (the TUI) changes the history from C: a handle on a
	 * dropped step is stale, one on step 0 still reads */
	CHECK_EQ_INT(nxl_run_string(st, "g1 = nex.session:graph(1); g0 = nex.session:graph(0)",
				    "console", out, &l, &err), 0);
	CHECK_EQ_INT(nxw_set_pipeline(s, "cse", &err), 0);
	CHECK_EQ_INT(nxl_run_string(st, "return g0:count()", "console", out, &l, &err), 0);
	CHECK_EQ_INT(nxl_run_string(st, "return g1:count()", "console", out, &l, &err), -1);
	CHECK_CONTAINS(err.msg, "stale graph handle");
	nxw_session_free(s);
	nxl_close(st);
}

static const char passes[] =
	"nex.pass{name='spin', run=function(g, ctx)\n"
	"  ctx:rewrite(g:op_list()[1]); g:op_list()[1]:set_attr('tag', 1)\n"
	"  while true do end end}\n"
	"nex.pass{name='hog', run=function(g, ctx)\n"
	"  ctx:rewrite(g:op_list()[1]); g:op_list()[1]:set_attr('tag', 1)\n"
	"  local t = {} while true do t[#t+1] = string.rep('y', 1000) .. #t end end}\n"
	"nex.pass{name='fails', summary='always fails', run=function(g, ctx)\n"
	"  error('no luck') end}\n";

static void test_limits_leave_history(void)
{
	nxw_session *s = session();
	nx_err err;
	nxl_limits lim = {.instructions = 1000000, .memory = 8 << 20};
	nxl_state *st = nxl_open(s, &lim, &err);
	if (!st) {
		CHECK(st != NULL);
		return;
	}
	CHECK_EQ_INT(nxl_run_string(st, passes, "passes.lua", NULL, NULL, &err), 0);
	const nxp_pass *p = nxp_catalog_find(nxl_catalog(st), "fails");
	CHECK(p && p->file && !strcmp(p->file, "passes.lua"));
	CHECK(p && p->source && strstr(p->source, "no luck"));
	CHECK(p && !strcmp(p->summary, "always fails"));
	CHECK_EQ_INT(nxw_set_pipeline(s, "verify,spin,hog,fails", &err), 0);
	CHECK_EQ_INT(nxw_apply(s, &err), 1);
	CHECK_EQ_INT(nxw_undo(s), 0);   /* step 1 stays as the redo list */
	char *before = nx_print_str(s->steps[0].snap, NULL, NULL);
	CHECK_EQ_INT(nxw_apply(s, &err), 1); /* verify again: step 1 */
	CHECK_EQ_INT(nxw_apply(s, &err), -1);
	CHECK_CONTAINS(err.msg, "instruction limit reached");
	CHECK_EQ_INT(s->n_steps, 2);
	CHECK_EQ_INT(s->cursor, 1);
	CHECK(s->steps[1].ok);
	CHECK_EQ_INT(nxw_step_into(s, &err), -1);
	CHECK_CONTAINS(err.msg, "instruction limit reached");
	CHECK_EQ_INT(s->n_steps, 2);
	/* the memory cap: the same */
	CHECK_EQ_INT(nxw_toggle(s, 1, &err), 0);
	CHECK_EQ_INT(s->n_steps, 2);
	CHECK_EQ_INT(nxw_apply(s, &err), -1);
	CHECK_CONTAINS(err.msg, "memory limit reached");
	CHECK_EQ_INT(s->n_steps, 2);
	char *after = nx_print_str(s->steps[1].snap, NULL, NULL);
	CHECK_STR(after, before);
	free(before);
	free(after);
	/* an ordinary error keeps the failed step, as for a C pass */
	CHECK_EQ_INT(nxw_toggle(s, 2, &err), 0);
	CHECK_EQ_INT(nxw_apply(s, &err), -1);
	CHECK_CONTAINS(err.msg, "passes.lua:8: no luck");
	CHECK_EQ_INT(s->n_steps, 3);
	CHECK(!s->steps[2].ok);
	/* after a broken limit the state still runs the next chunk */
	lines l = {.n = 0};
	CHECK_EQ_INT(nxl_run_string(st, "print(1 + 1)", "console", out, &l, &err), 0);
	CHECK_STR(l.text, "2|");
	nxw_session_free(s);
	nxl_close(st);
}

static void test_unsafe(void)
{
	nx_err err;
	nxl_limits lim = {.unsafe = true};
	nxl_state *st = nxl_open(NULL, &lim, &err);
	if (!st) {
		CHECK(st != NULL);
		return;
	}
	lines l = {.n = 0};
	CHECK_EQ_INT(nxl_run_string(st, "print(io ~= nil, os.getenv ~= nil, require('nex') == nex)",
				    "u", out, &l, &err), 0);
	CHECK_STR(l.text, "true\ttrue\ttrue|");
	nxl_close(st);
}

int main(int argc, char **argv)
{
	static const check_case cases[] = {
		{"print to a callback, nex.session", test_print_and_session},
		{"limits leave the history as it was", test_limits_leave_history},
		{"--unsafe opens every library", test_unsafe},
		{NULL, NULL},
	};
	return check_main(cases, argc, argv);
}
