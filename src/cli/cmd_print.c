/* cmd_print.c — `nex print MODEL`: the model as .nex text on stdout. Weights
 * too large to inline print as blob(#k) references (display form); `nex
 * convert` writes a file that keeps them. */
#include <string.h>

#include "cli.h"

static const char help[] =
	"usage: nex print MODEL [--shape NAME=d,d,...]... [--ids]\n\n"
	"Prints MODEL (.nex, .json, .onnx, or `demo`) in the .nex text form.\n"
	"Large weights print as blob(#k) references; use `nex convert` to save a\n"
	"model with its weights. --ids appends each op's stable id.\n";

static int ids_opt(void *ctx, int argc, char **argv, int i)
{
	nx_print_opts *po = ctx;
	if (strcmp(argv[i], "--ids"))
		return 0;
	po->show_ids = true;
	return 1;
}

int nxc_print(int argc, char **argv)
{
	if (nxc_wants_help(argc, argv)) {
		fputs(help, stdout);
		return NXC_OK;
	}
	nxc_shapes shapes = {.n = 0};
	nx_print_opts po = nx_print_defaults;
	const char *path = NULL;
	int rc = NXC_USER;
	int n = nxc_scan(argc, argv, &shapes, ids_opt, &po, &path, 1, "one MODEL only", help);
	if (n < 0)
		goto out;
	if (!path) {
		fputs(help, stderr);
		goto out;
	}
	nx_onnx_opts oo = nxc_onnx_opts(&shapes);
	nx_graph *g = nxc_load_opts(path, &oo);
	if (!g)
		goto out;
	rc = nx_print(g, stdout, &po) == 0 ? NXC_OK : NXC_INTERNAL;
	nx_graph_free(g);
out:
	nxc_shapes_free(&shapes);
	return rc;
}
