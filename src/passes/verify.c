/* verify.c — the verifier as a pass, for pipelines that want a check at a
 * chosen point (the session verifies after every step anyway). */
#include "nxp.h"

static int run(nx_graph *g, nxp_ctx *ctx)
{
	return nx_verify(g, &ctx->err);
}

const nxp_pass nxp_pass_verify = {
	.name = "verify",
	.summary = "check the IR rules (docs/ir.md); fails naming the op and rule",
	.requires = "",
	.invalidates = "",
	.run = run,
};
