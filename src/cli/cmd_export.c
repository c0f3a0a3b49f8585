/* cmd_export.c — `nex export MODEL --mlir FILE | --dot FILE`: the graph as
 * TOSA MLIR text (mlir_export.c) or Graphviz DOT (dot_export.c). ONNX (and
 * .nex/.json) writing is `nex convert`; this command is for the forms nex
 * writes but does not read back. Both options may be given at once. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

typedef struct export_opts {
	nxc_shapes shapes;
	const char *mlir, *dot;
} export_opts;

static const nxc_option options[] = {
	{"--mlir", NULL, "FILE", NXC_STR, offsetof(export_opts, mlir), 0, NULL,
	 "MLIR text in the TOSA dialect, as mlir-opt-14 parses it\n"
	 "(convolutions and pools in NHWC between transposes,\n"
	 "weights as tosa.const); an op with no TOSA form is an\n"
	 "error naming it"},
	{"--dot", NULL, "FILE", NXC_STR, offsetof(export_opts, dot), 0, NULL,
	 "a Graphviz digraph: one box per op (kind, result type,\n"
	 "fused activation, weights), edges labelled with types"},
	NXC_OPT_SHAPE(export_opts, shapes),
	{0},
};

static const nxc_command command = {
	.name = "export",
	.args = "MODEL",
	.min_args = 1,
	.max_args = 1,
	.opts = options,
	.about =
		"Writes MODEL (.nex, .json, .onnx, or \"demo\") as MLIR (--mlir), DOT (--dot)\n"
		"or both. FILE \"-\" is stdout.\n",
};

static int write_out(const char *path, const char *s, nx_err *err)
{
	if (!strcmp(path, "-"))
		return fputs(s, stdout) < 0 ? -1 : 0;
	return nx_write_file_atomic(path, s, strlen(s), err);
}

int nxc_export(int argc, char **argv)
{
	export_opts o = {.mlir = NULL, .dot = NULL};
	const char *model = NULL;
	int rc = NXC_USER;
	int n = nxc_parse(&command, argc, argv, &o, &model);
	if (n < 0) {
		rc = n == NXC_PARSE_HELP ? NXC_OK : NXC_USER;
		goto out;
	}
	const char *mlir = o.mlir, *dot = o.dot;
	if (!mlir && !dot) {
		fprintf(stderr, "nex export: needs --mlir or --dot (see nex export --help)\n");
		goto out;
	}
	nx_onnx_opts oo = nxc_onnx_opts(&o.shapes);
	nx_graph *g = nxc_load_opts(model, &oo);
	if (!g)
		goto out;
	nx_err err;
	rc = NXC_OK;
	if (mlir) {
		char *s = nx_mlir_export_str(g, &err);
		if (!s || write_out(mlir, s, &err)) {
			fprintf(stderr, "nex: %s: %s\n", model, err.msg);
			rc = NXC_USER;
		}
		free(s);
	}
	if (dot && rc == NXC_OK) {
		char *s = nx_dot_export_str(g, NULL);
		if (write_out(dot, s, &err)) {
			fprintf(stderr, "nex: %s\n", err.msg);
			rc = NXC_USER;
		}
		free(s);
	}
	nx_graph_free(g);
out:
	nxc_shapes_free(&o.shapes);
	return rc;
}
