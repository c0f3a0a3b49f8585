/* partition.c — NE or CPU: every op the target cannot run
 * (nx_target_supports, core's one decision, which the sim asks too) gets
 * device = "cpu" and device_reason = why ("dilated conv falls back to the
 * CPU", "gather runs on the CPU on m1 (cpu_ops)", ...). The sim would cost
 * such an op as CPU fallback anyway; the pass makes the placement visible
 * in the IR, a decision later passes read (layout-ne, tile and plan-memory
 * leave CPU ops alone) and a user can override by setting device before it
 * runs: an op that already has a device attribute is left as it is.
 * One op placed = one rewrite. */
#include <string.h>

#include "nxp.h"

static int run(nx_graph *g, nxp_ctx *ctx)
{
	nx_target tb;
	const nx_target *t = nxp_target(ctx, &tb);
	int64_t n_ops = 0, n_cpu = 0;
	NX_FOR_OPS(g, o) {
		n_ops++;
		if (nx_attr_get(g, o, "device")) {
			n_cpu += !strcmp(nx_attr_s(g, o, "device", "ne"), "cpu");
			continue; /* placed already (by a user or an earlier run) */
		}
		char why[256];
		if (nx_target_supports(g, o, t, why, sizeof why))
			continue;
		if (!nxp_rewrite(ctx, o))
			break;
		nx_attr_set_s(g, o, "device", "cpu");
		nx_attr_set_s(g, o, "device_reason", why);
		nxp_remark(ctx, "%%%s (%s) -> cpu: %s",
			   nx_opp(g, o)->n_out ? nx_vname(g, nx_result(g, o, 0)) : "?",
			   nx_op_name(g, o), why);
		nxp_stat_add(ctx, "ops placed on cpu", 1);
		n_cpu++;
	}
	if (!ctx->stopped)
		nxp_remark(ctx, "%lld of %lld ops run on the CPU on %s", (long long)n_cpu,
			   (long long)n_ops, t->name);
	return 0;
}

const nxp_pass nxp_pass_partition = {
	.name = "partition",
	.summary = "place ops the target's NE cannot run on the CPU (attrs device, "
		   "device_reason)",
	.requires = "types",
	.invalidates = "attrs (placement)",
	.run = run,
};
