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
	for (int i = 1; i < argc; i++) {
		int used = nxc_shape_opt(argc, argv, i, &shapes);
		if (used < 0)
			goto out;
		if (used > 0) {
			i += used - 1;
		} else if (!strcmp(argv[i], "--ids")) {
			po.show_ids = true;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "nex print: unknown option %s\n%s", argv[i], help);
			goto out;
		} else if (!path) {
			path = argv[i];
		} else {
			fprintf(stderr, "nex print: one MODEL only\n%s", help);
			goto out;
		}
	}
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
