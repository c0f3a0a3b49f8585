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

static const char help[] =
	"usage: nex [MODEL] [--shape NAME=DIMS]... [--target T] [--set FIELD=VALUE]...\n"
	"           [--pipeline P] [--script ACTIONS]\n"
	"       nex SESSION.nex.json [--recover] [--model PATH] [--script ACTIONS]\n\n"
	"Opens the terminal UI on MODEL (.nex, .json, .onnx; default: the built-in demo):\n"
	"the IR after every pass or rewrite, the diff, the memory plan and the simulated\n"
	"per-op cost. Press ? inside for every key; docs/tui.md has the tour.\n\n"
	"  --shape N=D       bind a dynamic ONNX input dim: x=1,3,640,640\n"
	"  --target T        a target preset or .json file (default m1)\n"
	"  --set F=V         override one target field (sram=4MiB, clock=1.5GHz, ...)\n"
	"  --pipeline P      the pipeline to step through (default: \"default\")\n"
	"  --script FILE     no display: run the actions in FILE (lines of :commands or\n"
	"                    keys) and write screens with :save-screen, for tests\n"
	"A session file (:save-session, nex opt --save-session; docs/sessions.md) reopens\n"
	"at its saved cursor, every step replayed:\n"
	"  --recover         open the journal's last state (after a crash) instead\n"
	"  --model PATH      the model moved or changed: use PATH\n";

typedef struct tui_args {
	const char *pipeline, *script, *target, *model;
	bool recover;
	const char *sets[NXC_MAX_SETS];
	uint32_t n_sets;
} tui_args;

static int opt(void *ctx, int argc, char **argv, int i)
{
	tui_args *t = ctx;
	int used;
	if ((used = nxc_opt(argc, argv, i, "--pipeline", &t->pipeline)) != 0)
		return used;
	if ((used = nxc_opt(argc, argv, i, "--script", &t->script)) != 0)
		return used;
	if ((used = nxc_opt(argc, argv, i, "--model", &t->model)) != 0)
		return used;
	if (!strcmp(argv[i], "--recover"))
		return t->recover = true, 1;
	return nxc_target_opt(argc, argv, i, &t->target, t->sets, &t->n_sets);
}

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
	if (nxc_wants_help(argc, argv)) {
		fputs(help, stdout);
		return NXC_OK;
	}
	tui_args t = {0};
	nxc_shapes shapes = {0};
	const char *paths[1] = {NULL};
	int np = nxc_scan(argc, argv, &shapes, opt, &t, paths, 1, "one MODEL only", help);
	if (np < 0) {
		nxc_shapes_free(&shapes);
		return NXC_USER;
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
	if (nxc_target_args(NULL, t.target, t.sets, t.n_sets, &target)) {
		nxc_shapes_free(&shapes);
		return NXC_USER;
	}
	nx_onnx_opts oo = nxc_onnx_opts(&shapes);
	nx_graph *g = nxc_load_opts(model, &oo);
	/* what was opened, for :save-session */
	nxw_source src = {.model = (char *)model, .binds = shapes.b, .n_binds = shapes.n,
			  .target = (char *)(t.target ? t.target : "m1"),
			  .sets = (char **)t.sets, .n_sets = t.n_sets};
	nx_err err;
	if (g && strcmp(model, "demo") && nxw_sha256_file(model, src.sha256, &err))
		src.sha256[0] = 0;
	const char *base = strrchr(model, '/');
	nxt_open_opts o = {
		.model_name = base ? base + 1 : model,
		.pipeline = t.pipeline,
		.target = &target,
		.script = t.script,
		.source = &src,
	};
	int rc = g ? nxt_open(g, &o) : NXC_USER;
	nxc_shapes_free(&shapes);
	return rc;
}
