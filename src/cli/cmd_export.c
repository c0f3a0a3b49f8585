/* cmd_export.c — `nex export MODEL --mlir FILE | --dot FILE`: the graph as
 * TOSA MLIR text (mlir_export.c) or Graphviz DOT (dot_export.c). ONNX (and
 * .nex/.json) writing is `nex convert`; this command is for the forms nex
 * writes but does not read back. Both options may be given at once. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char help[] =
	"usage: nex export MODEL [--mlir FILE] [--dot FILE] [--shape NAME=d,d,...]...\n\n"
	"Writes MODEL (.nex, .json, .onnx, or \"demo\") as:\n"
	"  --mlir FILE   MLIR text in the TOSA dialect, as mlir-opt-14 parses it\n"
	"                (convolutions and pools in NHWC between transposes,\n"
	"                weights as tosa.const); an op with no TOSA form is an\n"
	"                error naming it\n"
	"  --dot FILE    a Graphviz digraph: one box per op (kind, result type,\n"
	"                fused activation, weights), edges labelled with types\n"
	"--shape binds dynamic dims of an ONNX input. FILE \"-\" is stdout.\n";

static int write_out(const char *path, const char *s, nx_err *err)
{
	if (!strcmp(path, "-"))
		return fputs(s, stdout) < 0 ? -1 : 0;
	return nx_write_file_atomic(path, s, strlen(s), err);
}

struct targets {
	const char **mlir, **dot;
};

static int targets_opt(void *ctx, int argc, char **argv, int i)
{
	struct targets *t = ctx;
	int used = nxc_opt(argc, argv, i, "--mlir", t->mlir);
	return used ? used : nxc_opt(argc, argv, i, "--dot", t->dot);
}

int nxc_export(int argc, char **argv)
{
	if (nxc_wants_help(argc, argv)) {
		fputs(help, stdout);
		return NXC_OK;
	}
	nxc_shapes shapes = {.n = 0};
	const char *model = NULL, *mlir = NULL, *dot = NULL;
	int rc = NXC_USER;
	struct targets t = {&mlir, &dot};
	if (nxc_scan(argc, argv, &shapes, targets_opt, &t, &model, 1, "one MODEL only", help) < 0)
		goto out;
	if (!model || (!mlir && !dot)) {
		fprintf(stderr, "nex export: needs MODEL and --mlir or --dot\n%s", help);
		goto out;
	}
	nx_onnx_opts oo = nxc_onnx_opts(&shapes);
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
	nxc_shapes_free(&shapes);
	return rc;
}
