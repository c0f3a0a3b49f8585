/* fuse_activation.c — an activation whose operand comes from an op that
 * accepts a fused activation (attr act: conv, gemm, matmul, add, ...) and
 * feeds nothing else is folded into that op: conv + relu -> conv{act=relu}.
 * The activation's result name moves to the fused op, so users and graph
 * outputs keep reading the same name. One fusion = one rewrite. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nxp.h"

static int fuse(nx_graph *g, uint32_t op, nxp_ctx *ctx)
{
	int k = g->ops[op].kind;
	uint32_t x = nx_operand(g, op, 0);
	uint32_t p = nxp_producer_of(g, x, -1);
	if (p == NX_NONE || !(nx_ops[g->ops[p].kind].flags & NX_F_ACT) ||
	    g->ops[p].n_out != 1 || nx_attr_get(g, p, "act") || nxp_single_user(g, x) != op)
		return 0;
	if (g->vals[x].type != g->vals[nx_result(g, op, 0)].type)
		return 0;
	if (k == NX_OP_GELU && strcmp(nx_attr_s(g, op, "approximate", "none"), "none"))
		return 0; /* act=gelu is the exact (erf) form */
	if (!nxp_rewrite(ctx, op))
		return 0;
	nx_attr_set_s(g, p, "act", nx_ops[k].name);
	switch (k) {
	case NX_OP_CLIP:
		nx_attr_set_f(g, p, "act_alpha", nx_attr_f(g, op, "min", -INFINITY));
		nx_attr_set_f(g, p, "act_beta", nx_attr_f(g, op, "max", INFINITY));
		break;
	case NX_OP_LEAKY_RELU:
		nx_attr_set_f(g, p, "act_alpha", nx_attr_f(g, op, "alpha", 0.01f));
		break;
	case NX_OP_HARD_SIGMOID:
		nx_attr_set_f(g, p, "act_alpha", nx_attr_f(g, op, "alpha", 0.2f));
		nx_attr_set_f(g, p, "act_beta", nx_attr_f(g, op, "beta", 0.5f));
		break;
	}
	nx_op_merge_origin(g, p, op);
	uint32_t r = nx_result(g, op, 0);
	char *name = nx_xstrdup(nx_vname(g, r));
	nxp_remark(ctx, "fused %%%s (%s) into %%%s (%s)", name, nx_op_name(g, op),
		   nx_vname(g, x), nx_op_name(g, p));
	nx_value_replace_uses(g, r, x);
	nx_op_erase(g, op);
	nx_value_rename(g, x, name, NULL);
	free(name);
	nxp_stat_add(ctx, "activations fused", 1);
	return 1;
}

static const nxp_pattern patterns[] = {
	{"fuse-relu", NX_OP_RELU, fuse},
	{"fuse-clip", NX_OP_CLIP, fuse},
	{"fuse-leaky-relu", NX_OP_LEAKY_RELU, fuse},
	{"fuse-hard-sigmoid", NX_OP_HARD_SIGMOID, fuse},
	{"fuse-hard-swish", NX_OP_HARD_SWISH, fuse},
	{"fuse-sigmoid", NX_OP_SIGMOID, fuse},
	{"fuse-tanh", NX_OP_TANH, fuse},
	{"fuse-gelu", NX_OP_GELU, fuse},
};

static int run(nx_graph *g, nxp_ctx *ctx)
{
	return nxp_apply_patterns(g, ctx, patterns, sizeof patterns / sizeof patterns[0]);
}

const nxp_pass nxp_pass_fuse_activation = {
	.name = "fuse-activation",
	.summary = "fold relu, clip, hard_swish, hard_sigmoid, sigmoid, tanh, gelu, "
		   "leaky_relu into the producer's act attribute",
	.requires = "",
	.invalidates = "ops",
	.run = run,
	.resumable = true,
};
