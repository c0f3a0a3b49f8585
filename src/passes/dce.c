/* dce.c — dead code elimination: ops none of whose results is used (and
 * which are not opaque: an unknown op may have effects nex cannot see), then
 * constants nobody reads. One erased op or constant = one rewrite. */
#include "nxp.h"

static int run(nx_graph *g, nxp_ctx *ctx)
{
	/* Reverse schedule order: users go before their producers, so one sweep
	 * removes whole dead chains. */
	uint32_t o = g->last;
	while (o != NX_NONE) {
		uint32_t prev = g->ops[o].prev;
		bool used = g->ops[o].kind == NX_OP_OPAQUE;
		for (uint32_t i = 0; i < g->ops[o].n_out && !used; i++)
			used = nx_value_nuses(g, nx_result(g, o, i)) > 0;
		if (!used) {
			if (!nxp_rewrite(ctx, o))
				return 0;
			nxp_remark(ctx, "erased dead %%%s (%s)", nx_vname(g, nx_result(g, o, 0)),
				   nx_op_name(g, o));
			nxp_drop_origin(ctx, g, o, "dead");
			nx_op_erase(g, o);
			nxp_stat_add(ctx, "ops erased", 1);
		}
		o = prev;
	}
	for (uint32_t v = 0; v < g->n_vals; v++) {
		nx_value *p = &g->vals[v];
		if (p->blob == NX_NONE || (p->flags & NX_V_DEAD) || nx_value_nuses(g, v))
			continue;
		if (!nxp_rewrite(ctx, NX_NONE))
			return 0;
		nxp_remark(ctx, "erased unused constant %%%s", nx_vname(g, v));
		nx_value_erase(g, v);
		nxp_stat_add(ctx, "constants erased", 1);
	}
	return 0;
}

const nxp_pass nxp_pass_dce = {
	.name = "dce",
	.summary = "erase ops whose results are unused, and unused constants",
	.requires = "",
	.invalidates = "ops",
	.run = run,
};
