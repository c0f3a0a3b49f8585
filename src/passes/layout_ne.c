/* layout_ne.c — the values the NE computes get the NE layout tag: results
 * of ops that do not run on the CPU (nx_target_on_cpu: attr device, else
 * the target's support rules), float tensors of rank 1 to 4 (the NE works on
 * (B,C,H,W) in fp16; integer index math runs on the CPU). The tag changes no
 * dims, only how the sim and the planner size the tensor
 * (nx_target_type_bytes: every row of the last axis padded to `align`
 * bytes), and it decides which reshapes stay free (a reshape of an ne
 * tensor is a view only when the last axis is unchanged). Shape inference
 * keeps layout tags, so a later infer-shapes does not undo the pass. Graph
 * inputs are left as the host hands them over (plain); the first op that
 * reads one converts.
 *
 * The NE layout wastes memory and bandwidth when the last axis is short: a
 * (1,C,H,1) fp16 tensor takes 32x its packed size (NE-MODEL.md §3). The pass
 * reports each such value in a remark (option `waste`: the padded/packed
 * ratio from which it does) and counts the bytes in its statistics; it does
 * not yet rewrite elementwise runs into the cheap (1,C,1,H) form
 * (docs/passes.md says what that would take).
 *
 * One op (all its eligible results) tagged = one rewrite. */
#include <stdlib.h>

#include "nxp.h"

static const nxp_option options[] = {
	{"waste", NXP_FLOAT, "4", "remark values whose ne bytes exceed their packed bytes "
				   "by this factor"},
	{NULL, 0, NULL, NULL},
};

static bool eligible(const nx_graph *g, uint32_t v)
{
	const nx_type *ty = nx_vtype(g, v);
	return g->vals[v].type && nx_dtype_is_float(ty->dtype) && ty->rank >= 1 &&
	       ty->rank <= 4 && ty->layout != NX_LAYOUT_NE;
}

static int run(nx_graph *g, nxp_ctx *ctx)
{
	nx_target tb;
	const nx_target *t = nxp_target(ctx, &tb);
	double waste = nxp_opt_float(ctx, "waste");
	int64_t packed = 0, padded = 0;
	NX_FOR_OPS(g, o) {
		const nx_op *p = nx_opp(g, o);
		if (nx_ops[p->kind].flags & NX_F_SHAPEOF)
			continue;
		uint32_t n = 0;
		for (uint32_t i = 0; i < p->n_out; i++)
			n += eligible(g, nx_result(g, o, i));
		if (!n || nx_target_on_cpu(g, o, t))
			continue;
		if (!nxp_rewrite(ctx, o))
			break;
		char note[512] = "";
		size_t len = 0;
		for (uint32_t i = 0; i < nx_opp(g, o)->n_out; i++) {
			uint32_t v = nx_result(g, o, i);
			if (!eligible(g, v))
				continue;
			nx_type ty = *nx_vtype(g, v);
			int64_t before = nx_type_bytes(&ty);
			ty.layout = NX_LAYOUT_NE;
			nx_value_set_type(g, v, &ty);
			int64_t after = nx_target_type_bytes(&ty, t);
			packed += before > 0 ? before : 0;
			padded += after > 0 ? after : 0;
			nxp_stat_add(ctx, "values tagged ne", 1);
			double f = before > 0 ? (double)after / (double)before : 1;
			if (f >= waste && len < sizeof note) {
				char ts[128];
				nx_type_str(&ty, ts, sizeof ts);
				len += (size_t)snprintf(note + len, sizeof note - len,
							"; %%%s %s pads %.1fx (%lld -> %lld bytes)",
							nx_vname(g, v), ts, f, (long long)before,
							(long long)after);
				nxp_stat_add(ctx, "values padded >= waste", 1);
				/* said where the user sees it: the cure is not built */
				if (len < sizeof note)
					len += (size_t)snprintf(note + len, sizeof note - len,
								" (layout-ne does not yet reshape such "
								"values into the cheap (B,C,1,S) form)");
			}
		}
		nxp_remark(ctx, "%%%s (%s): ne%s",
			   nx_opp(g, o)->n_out ? nx_vname(g, nx_result(g, o, 0)) : "?",
			   nx_op_name(g, o), note);
	}
	nxp_stat_add(ctx, "packed bytes", packed);
	nxp_stat_add(ctx, "ne bytes", padded);
	if (packed && !ctx->stopped)
		nxp_remark(ctx, "tagged values take %lld bytes in the ne layout, %lld packed "
			   "(%.2fx, align %lld)", (long long)padded, (long long)packed,
			   (double)padded / (double)packed, (long long)t->align);
	return 0;
}

const nxp_pass nxp_pass_layout_ne = {
	.name = "layout-ne",
	.summary = "tag the float values the NE computes with the ne layout (rows padded to "
		   "align); report padding waste",
	.options = options,
	.requires = "types, placement (partition, or the target's support rules)",
	.invalidates = "layouts (sizes, views, memory plan)",
	.run = run,
};
