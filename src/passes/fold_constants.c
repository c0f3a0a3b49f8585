/* fold_constants.c — evaluates ops whose operands are all constants with the
 * reference interpreter and replaces their results by constants; `shape`
 * folds whenever its operand's type is known (every shape in nex is static),
 * which turns shape-computing subgraphs (shape -> gather -> concat ->
 * reshape) into constants. Opaque ops are never evaluated. Results and
 * operands larger than the max-elements option stay unfolded, so a
 * broadcast of a constant does not become a giant weight, and a huge lazy
 * fill is not generated to be reduced. One folded op = one rewrite. */
#include <stdlib.h>
#include <string.h>

#include "nxp.h"

static const nxp_option options[] = {
	{"max-elements", NXP_INT, "16777216", "largest result (elements) to fold"},
	{NULL, 0, NULL, NULL},
};

static bool foldable(const nx_graph *g, uint32_t op, int64_t max_elems)
{
	const nx_op *p = &g->ops[op];
	if (p->kind == NX_OP_OPAQUE)
		return false;
	if (!(nx_ops[p->kind].flags & NX_F_SHAPEOF)) {
		bool any = false;
		for (uint32_t i = 0; i < p->n_in; i++) {
			uint32_t v = nx_operand(g, op, i);
			if (v == NX_NONE)
				continue;
			if (!nx_is_const(g, v))
				return false;
			/* nor an operand: reading it would generate a lazy fill */
			int64_t n = nx_type_numel(nx_vtype(g, v));
			if (n < 0 || n > max_elems)
				return false;
			any = true;
		}
		if (!any)
			return false;
	}
	for (uint32_t i = 0; i < p->n_out; i++) {
		int64_t n = nx_type_numel(nx_vtype(g, nx_result(g, op, i)));
		if (n < 0 || n > max_elems)
			return false;
	}
	return true;
}

static int fold(nx_graph *g, uint32_t op, nxp_ctx *ctx)
{
	if (!foldable(g, op, nxp_opt_int(ctx, "max-elements")))
		return 0;
	if (!nxp_rewrite(ctx, op))
		return 0;
	uint32_t n_in = g->ops[op].n_in, n_out = g->ops[op].n_out;
	nx_tensor *in = nx_xcalloc(n_in + 1, sizeof *in);
	nx_tensor *out = nx_xcalloc(n_out + 1, sizeof *out);
	for (uint32_t i = 0; i < n_in; i++) {
		uint32_t v = nx_operand(g, op, i);
		if (v == NX_NONE)
			continue;
		in[i].type = *nx_vtype(g, v);
		/* shape reads only the type: a non-constant operand has no data */
		in[i].data = nx_is_const(g, v) ? (void *)nx_blob_data(nx_const_blob(g, v)) : NULL;
	}
	int rc = nx_eval_op(g, op, in, out, &ctx->err);
	free(in);
	if (rc != 0) {
		nx_err_prefix(&ctx->err, "folding %%%s (%s): ", nx_vname(g, nx_result(g, op, 0)),
			      nx_op_name(g, op));
		for (uint32_t i = 0; i < n_out; i++)
			nx_tensor_free(&out[i]);
		free(out);
		return -1;
	}
	nxp_remark(ctx, "folded %%%s (%s) to a constant", nx_vname(g, nx_result(g, op, 0)),
		   nx_op_name(g, op));
	uint32_t *vals = nx_xmalloc((size_t)n_out * sizeof *vals);
	char **names = nx_xmalloc((size_t)n_out * sizeof *names);
	for (uint32_t i = 0; i < n_out; i++) {
		uint32_t r = nx_result(g, op, i);
		names[i] = nx_xstrdup(nx_vname(g, r));
		nx_type t = out[i].type;
		t.layout = NX_LAYOUT_PLAIN;
		vals[i] = nx_const_new(g, NULL, nx_blob_new_data(&t, out[i].data), NULL);
		g->vals[vals[i]].type = g->vals[r].type; /* keep the layout tag */
	}
	free(out);
	nxp_replace_op(g, ctx, op, vals, NX_NONE, "folded to a constant");
	for (uint32_t i = 0; i < n_out; i++) {
		nx_value_rename(g, vals[i], names[i], NULL);
		free(names[i]);
	}
	free(names);
	free(vals);
	nxp_stat_add(ctx, "ops folded", 1);
	return 1;
}

static const nxp_pattern patterns[] = {{"fold-constant", -1, fold}};

static int run(nx_graph *g, nxp_ctx *ctx)
{
	return nxp_apply_patterns(g, ctx, patterns, 1);
}

const nxp_pass nxp_pass_fold_constants = {
	.name = "fold-constants",
	.summary = "evaluate ops on constants (and shape on static types) into constants",
	.options = options,
	.requires = "the interpreter's kernels",
	.invalidates = "ops, weights",
	.run = run,
	.resumable = true,
};
