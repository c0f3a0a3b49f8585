/* cmd_verify.c — `nex verify MODEL`: loads a model and runs the IR verifier
 * (core/verify.c) on it, printing a one-line summary or the first broken
 * rule. Passes run the same verifier after every step. */
#include <string.h>

#include "cli.h"

typedef struct verify_opts {
	nxc_shapes shapes;
} verify_opts;

static const nxc_option options[] = {
	NXC_OPT_SHAPE(verify_opts, shapes),
	{0},
};

static const nxc_command command = {
	.name = "verify",
	.args = "MODEL",
	.min_args = 1,
	.max_args = 1,
	.opts = options,
	.about =
		"Loads MODEL (.nex, .json, .onnx, or `demo`) and checks it against the IR\n"
		"rules: the schedule holds every live op once, in an order where each value\n"
		"is defined before it is used; use lists, result links and names are\n"
		"consistent; operand counts and attributes fit the op registry; every type\n"
		"is known and equal to what shape inference gives; constants match their\n"
		"data.\n\n"
		"Prints \"MODEL: ok (N ops, M values)\" and exits 0, or prints the first\n"
		"broken rule, naming the op, and exits 1.\n",
};

int nxc_verify(int argc, char **argv)
{
	verify_opts o = {.shapes.n = 0};
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
	nx_err err;
	if (nx_verify(g, &err)) {
		fprintf(stderr, "nex: %s: %s\n", path, err.msg);
	} else {
		uint32_t nv = 0;
		for (uint32_t v = 0; v < g->n_vals; v++)
			nv += !(g->vals[v].flags & NX_V_DEAD);
		printf("%s: ok (%u ops, %u values)\n", path, g->n_live_ops, nv);
		rc = NXC_OK;
	}
	nx_graph_free(g);
out:
	nxc_shapes_free(&o.shapes);
	return rc;
}
