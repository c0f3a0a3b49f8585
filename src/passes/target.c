/* target.c — the target a target-aware pass (partition, layout-ne, tile,
 * plan-memory) works for: the context's (the session's, set with --target
 * and --set), or the preset m1 when the context has none, which the pass
 * says in a remark so that a result is never silently tied to a default. */
#include "nxp.h"

const nx_target *nxp_target(nxp_ctx *ctx, nx_target *buf)
{
	if (ctx->target)
		return ctx->target;
	nx_err err;
	if (nx_target_preset("m1", buf, &err) != 0) /* m1 is compiled in: a broken build */
		nx_die("internal error: %s", err.msg);
	nxp_remark(ctx, "no target given: using the preset m1");
	return buf;
}
