/* infer_shapes.c — re-derives every result type from the operands, in
 * schedule order. Changes types only (no rewrites), so it never spends
 * budget; a failure names the op. */
#include "nxp.h"

static int run(nx_graph *g, nxp_ctx *ctx)
{
	return nx_infer_graph(g, &ctx->err);
}

const nxp_pass nxp_pass_infer_shapes = {
	.name = "infer-shapes",
	.summary = "re-infer every result type from operands and attributes",
	.requires = "",
	.invalidates = "types",
	.run = run,
};
