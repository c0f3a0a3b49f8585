/* cmd_convert.c — `nex convert IN OUT`: between .nex, .json and .onnx, by
 * extension. Weights go to OUT.bin for the text and JSON forms; every file is
 * written atomically (nx_save), so a failed convert leaves nothing behind. */
#include <string.h>

#include "cli.h"

static const char help[] =
	"usage: nex convert IN OUT [--shape NAME=d,d,...]...\n\n"
	"Converts IN to OUT; the forms are picked by extension (.nex, .json,\n"
	".onnx). For .nex and .json, weights larger than 16 elements go to a side\n"
	"file OUT.bin that OUT references by name. --shape binds dynamic dims of\n"
	"an ONNX input.\n";

int nxc_convert(int argc, char **argv)
{
	if (nxc_wants_help(argc, argv)) {
		fputs(help, stdout);
		return NXC_OK;
	}
	nxc_shapes shapes = {.n = 0};
	const char *paths[2] = {NULL, NULL};
	int rc = NXC_USER;
	int np = nxc_scan(argc, argv, &shapes, NULL, NULL, paths, 2, "IN and OUT only", help);
	if (np < 0)
		goto out;
	if (np != 2) {
		fputs(help, stderr);
		goto out;
	}
	nx_onnx_opts oo = nxc_onnx_opts(&shapes);
	nx_graph *g = nxc_load_opts(paths[0], &oo);
	if (!g)
		goto out;
	nx_err err;
	if (nx_save(g, paths[1], &err) != 0)
		fprintf(stderr, "nex: %s\n", err.msg);
	else
		rc = NXC_OK;
	nx_graph_free(g);
out:
	nxc_shapes_free(&shapes);
	return rc;
}
