/* cmd_convert.c — `nex convert IN OUT`: between .nex, .json and .onnx, by
 * extension. Weights go to OUT.bin for the text and JSON forms; every file is
 * written atomically (nx_save), so a failed convert leaves nothing behind. */
#include <string.h>

#include "cli.h"

typedef struct convert_opts {
	nxc_shapes shapes;
} convert_opts;

static const nxc_option options[] = {
	NXC_OPT_SHAPE(convert_opts, shapes),
	{0},
};

static const nxc_command command = {
	.name = "convert",
	.args = "IN OUT",
	.min_args = 2,
	.max_args = 2,
	.opts = options,
	.about =
		"Converts IN to OUT; the forms are picked by extension (.nex, .json,\n"
		".onnx). For .nex and .json, weights larger than 16 elements go to a side\n"
		"file OUT.bin that OUT references by name.\n",
};

int nxc_convert(int argc, char **argv)
{
	convert_opts o = {.shapes.n = 0};
	const char *paths[2] = {NULL, NULL};
	int rc = NXC_USER;
	int np = nxc_parse(&command, argc, argv, &o, paths);
	if (np < 0) {
		rc = np == NXC_PARSE_HELP ? NXC_OK : NXC_USER;
		goto out;
	}
	nx_onnx_opts oo = nxc_onnx_opts(&o.shapes);
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
	nxc_shapes_free(&o.shapes);
	return rc;
}
