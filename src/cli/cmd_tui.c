/* cmd_tui.c — `nex [MODEL] [options]`: opens the terminal UI (src/tui) on
 * MODEL, or on the built-in demo without one. The CLI side only parses the
 * arguments, loads the model and resolves the target; the TUI does the
 * rest. When stdin or stdout is not a terminal (pipes, CI) and no --script
 * is given, nex does not wait for keys that never come: without a MODEL it
 * prints the demo summary as `nex demo` does, with one it says a terminal
 * is needed. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "nxl.h"
#include "nxt.h"
#include "nxw.h"

typedef struct tui_args {
	nxc_shapes shapes;
	nxc_pipeline_args pa;  /* pipeline, target, sets */
	const char *script, *model;
	bool recover;
} tui_args;

static const nxc_option options[] = {
	NXC_OPT_SHAPE(tui_args, shapes),
	NXC_OPT_TARGET(tui_args, pa),
	{"--pipeline", NULL, "P", NXC_STR, offsetof(tui_args, pa.pipeline), 0, NULL,
	 "the pipeline to step through (default: \"default\")"},
	{"--script", NULL, "FILE", NXC_STR, offsetof(tui_args, script), 0, NULL,
	 "no display: run the actions in FILE (lines of :commands or\n"
	 "keys) and write screens with :save-screen, for tests"},
	{"--recover", NULL, NULL, NXC_FLAG, offsetof(tui_args, recover), 0, NULL,
	 "a SESSION: open the journal's last state (after a crash)"},
	{"--model", NULL, "PATH", NXC_STR, offsetof(tui_args, model), 0, NULL,
	 "a SESSION whose model moved or changed: use PATH"},
	{0},
};

/* Named "" so that messages say "nex: ..." and usage "nex [MODEL]". */
static const nxc_command command = {
	.name = "",
	.args = "[MODEL | SESSION.nex.json]",
	.min_args = 0,
	.max_args = 1,
	.opts = options,
	.about =
		"Opens the terminal UI on MODEL (.nex, .json, .onnx; default: the built-in demo):\n"
		"the IR after every pass or rewrite, the diff, the memory plan and the simulated\n"
		"per-op cost. Press ? inside for every key; docs/tui.md has the tour.\n"
		"A session file (:save-session, nex opt --save-session; docs/sessions.md)\n"
		"reopens at its saved cursor, every step replayed.\n",
};

/* A session file: its Lua passes run (sandboxed) first, then every step is
 * replayed; differences from the saved hashes are reported before the
 * screen opens, and the TUI opens at the saved cursor. */
static int open_session(const char *path, const tui_args *t)
{
	nxl_state *lua = NULL;
	if (nxc_lua_for_session("", path, &lua))
		return NXC_USER;
	nxw_load_opts lo = {.model = t->model, .from_journal = t->recover,
			    .catalog = lua ? nxl_catalog(lua) : NULL};
	nxw_load_report rep;
	nx_err err;
	nxw_session *s = nxw_load(path, &lo, &rep, &err);
	if (!s) {
		fprintf(stderr, "nex: %s\n", err.msg);
		nxl_close(lua);
		return NXC_USER;
	}
	if (rep.warning[0])
		fprintf(stderr, "nex: warning: %s\n", rep.warning);
	for (uint32_t i = 0; i < rep.n; i++)
		fprintf(stderr, "nex: warning: step %u (%s) differs from the saved session%s%s\n",
			rep.m[i].step, rep.m[i].pass, rep.m[i].line ? ", first at: " : "",
			rep.m[i].first_line);
	free(rep.m);
	nx_target m1;
	nx_target_preset("m1", &m1, &err);
	const char *base = strrchr(s->src.model ? s->src.model : path, '/');
	nxt_open_opts o = {
		.model_name = base ? base + 1 : (s->src.model ? s->src.model : path),
		.target = &m1,
		.script = t->script,
		.session = s,
		.session_path = path,
		.lua = lua,
		.recovered = t->recover,
	};
	return nxt_open(NULL, &o);
}

int nxc_tui(int argc, char **argv)
{
	tui_args t;
	memset(&t, 0, sizeof t);
	const char *paths[1] = {NULL};
	int np = nxc_parse(&command, argc, argv, &t, paths);
	nxc_shapes shapes = t.shapes; /* freed on every return below */
	if (np < 0) {
		nxc_shapes_free(&shapes);
		return np == NXC_PARSE_HELP ? NXC_OK : NXC_USER;
	}
	if (!t.script && (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))) {
		nxc_shapes_free(&shapes);
		if (!np) {
			char *demo_argv[] = {"demo", NULL};
			return nxc_demo(1, demo_argv);
		}
		fprintf(stderr, "nex: the TUI needs a terminal (stdin and stdout); for headless "
			"work use nex print, sim, run or opt, or nex --script ACTIONS %s\n", paths[0]);
		return NXC_USER;
	}
	const char *model = np ? paths[0] : "demo";
	size_t ml = strlen(model);
	if (ml > 9 && !strcmp(model + ml - 9, ".nex.json")) {
		nxc_shapes_free(&shapes);
		return open_session(model, &t);
	}
	if (t.recover || t.model) {
		fprintf(stderr, "nex: --recover and --model are for a SESSION.nex.json\n");
		nxc_shapes_free(&shapes);
		return NXC_USER;
	}
	nx_target target;
	if (nxc_target_args(NULL, t.pa.target, t.pa.sets, t.pa.n_sets, &target)) {
		nxc_shapes_free(&shapes);
		return NXC_USER;
	}
	nx_onnx_opts oo = nxc_onnx_opts(&shapes);
	nx_graph *g = nxc_load_opts(model, &oo);
	/* what was opened, for :save-session */
	nxw_source src = {.model = (char *)model, .binds = shapes.b, .n_binds = shapes.n,
			  .consts = (char **)shapes.const_args, .n_consts = shapes.n_consts,
			  .unroll_limit = (uint32_t)shapes.unroll_limit,
			  .f64_as_f32 = shapes.f64_as_f32,
			  .target = (char *)(t.pa.target ? t.pa.target : "m1"),
			  .sets = (char **)t.pa.sets, .n_sets = t.pa.n_sets};
	nx_err err;
	if (g && strcmp(model, "demo") && nxw_sha256_file(model, src.sha256, &err))
		src.sha256[0] = 0;
	const char *base = strrchr(model, '/');
	nxt_open_opts o = {
		.model_name = base ? base + 1 : model,
		.pipeline = t.pa.pipeline,
		.target = &target,
		.script = t.script,
		.source = &src,
	};
	int rc = g ? nxt_open(g, &o) : NXC_USER;
	nxc_shapes_free(&shapes);
	return rc;
}
