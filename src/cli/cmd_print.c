/* cmd_print.c — `nex print MODEL`: the model as .nex text on stdout. Weights
 * too large to inline print as blob(#k) references (display form); `nex
 * convert` writes a file that keeps them. */
#include "cli.h"

typedef struct print_opts {
	nxc_shapes shapes;
	bool ids;
} print_opts;

static const nxc_option options[] = {
	{"--ids", NULL, NULL, NXC_FLAG, offsetof(print_opts, ids), 0, NULL,
	 "append each op's stable id"},
	NXC_OPT_SHAPE(print_opts, shapes),
	{0},
};

static const nxc_command command = {
	.name = "print",
	.args = "MODEL",
	.min_args = 1,
	.max_args = 1,
	.opts = options,
	.about =
		"Prints MODEL (.nex, .json, .onnx, or `demo`) in the .nex text form.\n"
		"Large weights print as blob(#k) references; use `nex convert` to save a\n"
		"model with its weights.\n",
};

int nxc_print(int argc, char **argv)
{
	print_opts o = {.ids = false};
	const char *path = NULL;
	int rc = NXC_USER;
	int n = nxc_parse(&command, argc, argv, &o, &path);
	if (n < 0) {
		rc = n == NXC_PARSE_HELP ? NXC_OK : NXC_USER;
		goto out;
	}
	nx_onnx_opts oo = nxc_onnx_opts(&o.shapes);
	nx_graph *g = nxc_load_opts(path, &oo);
	if (!g)
		goto out;
	nx_print_opts po = nx_print_defaults;
	po.show_ids = o.ids;
	rc = nx_print(g, stdout, &po) == 0 ? NXC_OK : NXC_INTERNAL;
	nx_graph_free(g);
out:
	nxc_shapes_free(&o.shapes);
	return rc;
}
