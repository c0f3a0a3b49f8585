/* cmd_opt.c — `nex opt MODEL --pipeline P`: apply passes and print (or
 * save) the result, as mlir-opt does; with --print-after, --stats and
 * --report for the steps on the way. `nex run --pipeline` shares the same
 * code (pipeline_run.c) and then executes the model. */
#include <string.h>

#include "cli.h"

static const char help[] =
	"usage: nex opt MODEL [--pipeline P] [--until N] [--into] [-o OUT]\n"
	"               [--print-after PASS|all] [--print-after-change] [--stats]\n"
	"               [--numeric] [--report R.json] [--save-session S.nex.json]\n"
	"               [--shape NAME=d,..]... [--target T] [--set FIELD=VALUE]...\n"
	"               [--load F.lua]... [--unsafe] [--max-instructions N]\n"
	"               [--max-memory BYTES]\n\n"
	"Applies the pipeline P (default: `default`; see `nex passes`) to MODEL and\n"
	"prints the result as .nex text (or saves it to OUT, by extension).\n"
	"  --until N             stop after step N (step 0 = the model)\n"
	"  --into                one rewrite per step instead of one pass per step\n"
	"  --print-after P|all   print the IR after each step of pass P (or all)\n"
	"  --print-after-change  print the IR after every step that rewrote something\n"
	"  --stats               per-step table: rewrites, time, ops, pass statistics\n"
	"  --numeric             check every step's outputs against step 0's\n"
	"  --report R.json       every step as JSON (remarks, metrics, checks)\n"
	"  --save-session S      save the session (model, target, pipeline, every\n"
	"                        step) as S.nex.json; `nex replay S` re-runs it\n"
	"  --note VALUE=TEXT     with --save-session: a note on the op producing VALUE\n"
	"  --pin K               with --save-session: the pinned baseline step\n"
	"  --target T            the target passes read (a preset or a .json file; see\n"
	"                        `nex sim --targets`); every step is then costed on it\n"
	"                        and --stats shows peak memory and cycles per step\n"
	"  --set F=V             override one target field (sram=1MiB, ...; implies\n"
	"                        --target m1 when no --target is given)\n"
	"  --load F.lua          run F.lua first: the passes it defines (nex.pass) can\n"
	"                        be named in P (docs/lua-api.md); sandboxed unless\n"
	"                        --unsafe; --max-instructions and --max-memory set its\n"
	"                        limits (defaults 1e9 and 512MiB)\n"
	"Target-aware passes (partition, layout-ne, tile, plan-memory) use m1 when\n"
	"no target is given, and say so in a remark.\n"
	"The verifier runs after every step; a failure stops at that step.\n";

/* Shared by opt and run: pipeline options in argv[i]; slots used, 0 if not
 * one, -1 on error. */
int nxc_pipeline_opt(int argc, char **argv, int i, nxc_pipeline_args *a)
{
	const char *v;
	int used;
	if ((used = nxc_opt(argc, argv, i, "--pipeline", &v)) != 0) {
		if (used > 0)
			a->pipeline = v;
		return used;
	}
	if ((used = nxc_opt(argc, argv, i, "--until", &v)) != 0) {
		if (used > 0 && (a->until = (int32_t)nxc_num(v)) < 0) {
			fprintf(stderr, "nex %s: --until wants a step number\n", argv[0]);
			return -1;
		}
		return used;
	}
	if ((used = nxc_opt(argc, argv, i, "--print-after", &v)) != 0) {
		if (used > 0)
			a->print_after = v;
		return used;
	}
	if ((used = nxc_opt(argc, argv, i, "--report", &v)) != 0) {
		if (used > 0)
			a->report = v;
		return used;
	}
	if ((used = nxc_opt(argc, argv, i, "--save-session", &v)) != 0) {
		if (used > 0)
			a->save_session = v;
		return used;
	}
	if ((used = nxc_opt(argc, argv, i, "--note", &v)) != 0) {
		if (used > 0 && a->n_notes < NXC_MAX_SETS)
			a->notes[a->n_notes++] = v;
		return used;
	}
	if ((used = nxc_opt(argc, argv, i, "--pin", &v)) != 0) {
		if (used > 0 && (a->pin = (int32_t)nxc_num(v)) < 0) {
			fprintf(stderr, "nex %s: --pin wants a step number\n", argv[0]);
			return -1;
		}
		return used;
	}
	if ((used = nxc_target_opt(argc, argv, i, &a->target, a->sets, &a->n_sets)) != 0)
		return used;
	if ((used = nxc_lua_opt(argc, argv, i, &a->lua)) != 0)
		return used;
	if (!strcmp(argv[i], "--into"))
		return a->into = true, 1;
	if (!strcmp(argv[i], "--print-after-change"))
		return a->print_after_change = true, 1;
	if (!strcmp(argv[i], "--stats"))
		return a->stats = true, 1;
	if (!strcmp(argv[i], "--numeric"))
		return a->numeric = true, 1;
	return 0;
}

struct opt_args {
	nxc_pipeline_args *a;
	const char **out;
};

static int opt_opt(void *p, int argc, char **argv, int i)
{
	struct opt_args *o = p;
	int used = nxc_pipeline_opt(argc, argv, i, o->a);
	return used ? used : nxc_opt(argc, argv, i, "-o", o->out);
}

int nxc_opt_cmd(int argc, char **argv)
{
	if (nxc_wants_help(argc, argv)) {
		fputs(help, stdout);
		return NXC_OK;
	}
	nxc_shapes shapes = {.n = 0};
	nxc_pipeline_args a = {.cmd = "opt", .pipeline = "default", .until = -1, .pin = -1};
	const char *path = NULL, *out_path = NULL;
	int rc = NXC_USER;
	struct opt_args oa = {&a, &out_path};
	if (nxc_scan(argc, argv, &shapes, opt_opt, &oa, &path, 1, "one MODEL only", help) < 0)
		goto out;
	if (!path) {
		fputs(help, stderr);
		goto out;
	}
	a.model = path;
	a.shapes = &shapes;
	nx_onnx_opts oo = nxc_onnx_opts(&shapes);
	nx_graph *g = nxc_load_opts(path, &oo);
	if (!g)
		goto out;
	nx_graph *res = NULL;
	rc = nxc_run_pipeline(g, &a, &res);
	if (rc == NXC_OK && res) {
		nx_err err;
		if (out_path) {
			if (nx_save(res, out_path, &err) != 0) {
				fprintf(stderr, "nex opt: %s\n", err.msg);
				rc = NXC_USER;
			}
		} else if (!a.print_after && !a.print_after_change) {
			nx_print(res, stdout, &nx_print_defaults);
		}
	}
	nx_graph_free(res);
out:
	nxc_shapes_free(&shapes);
	return rc;
}
