/* cmd_opt.c — `nex opt MODEL --pipeline P`: apply passes and print (or
 * save) the result, as mlir-opt does; with --print-after, --stats and
 * --report for the steps on the way. `nex run --pipeline` shares the same
 * code (pipeline_run.c) and then executes the model. */
#include <string.h>

#include "cli.h"

typedef struct opt_opts {
	nxc_shapes shapes;
	nxc_pipeline_args pa;
	const char *out;
} opt_opts;

static const nxc_option options[] = {
	NXC_OPT_PIPELINE(opt_opts, pa),
	{"-o", NULL, "OUT", NXC_STR, offsetof(opt_opts, out), 0, NULL,
	 "save the result to OUT (.nex, .json or .onnx, by extension)"},
	NXC_OPT_SHAPE(opt_opts, shapes),
	{0},
};

static const nxc_command command = {
	.name = "opt",
	.args = "MODEL",
	.min_args = 1,
	.max_args = 1,
	.opts = options,
	.about =
		"Applies the pipeline P (default: `default`; see `nex passes`) to MODEL and\n"
		"prints the result as .nex text (or saves it to OUT, by extension).\n",
	.notes =
		"With --target every step is costed on it and --stats shows peak memory and\n"
		"cycles per step. Target-aware passes (partition, layout-ne, tile,\n"
		"plan-memory) use m1 when no target is given, and say so in a remark.\n"
		"--load files run sandboxed unless --unsafe; --max-instructions and\n"
		"--max-memory set their limits.\n"
		"The verifier runs after every step (on what the step changed, unless\n"
		"--verify-each=full) and in full where the steps stop; a failure stops at\n"
		"that step.\n",
};

int nxc_opt_cmd(int argc, char **argv)
{
	opt_opts o;
	memset(&o, 0, sizeof o);
	o.pa = (nxc_pipeline_args){.cmd = "opt", .pipeline = "default", .until = -1, .pin = -1};
	const char *path = NULL;
	int rc = NXC_USER;
	int n = nxc_parse(&command, argc, argv, &o, &path);
	if (n < 0) {
		rc = n == NXC_PARSE_HELP ? NXC_OK : NXC_USER;
		goto out;
	}
	nxc_pipeline_args *a = &o.pa;
	a->model = path;
	a->shapes = &o.shapes;
	nx_onnx_opts oo = nxc_onnx_opts(&o.shapes);
	nx_graph *g = nxc_load_opts(path, &oo);
	if (!g)
		goto out;
	nx_graph *res = NULL;
	rc = nxc_run_pipeline(g, a, &res);
	if (rc == NXC_OK && res) {
		nx_err err;
		if (o.out) {
			if (nx_save(res, o.out, &err) != 0) {
				fprintf(stderr, "nex opt: %s\n", err.msg);
				rc = NXC_USER;
			}
		} else if (!a->print_after && !a->print_after_change) {
			nx_print(res, stdout, &nx_print_defaults);
		}
	}
	nx_graph_free(res);
out:
	nxc_shapes_free(&o.shapes);
	return rc;
}
