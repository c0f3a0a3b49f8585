/* canonicalize.c — local simplifications that leave a graph the other passes
 * can match on: identities away (x*1, x+0, x-0, x/1, identity, a no-op cast,
 * a reshape/flatten/squeeze/unsqueeze/expand to the same type), chains of
 * reshape-like ops collapsed into one reshape, transpose pairs composed (and
 * dropped when they cancel), and constants moved to the right of commutative
 * binary ops. Each pattern is one rewrite through the driver. */
#include <string.h>

#include "nxp.h"

static bool same_type(const nx_graph *g, uint32_t a, uint32_t b)
{
	const nx_type *x = nx_vtype(g, a), *y = nx_vtype(g, b);
	return x->dtype == y->dtype && x->rank == y->rank &&
	       !memcmp(x->dims, y->dims, (size_t)x->rank * sizeof x->dims[0]);
}

/* Replace op (one result) by value v, admitting the rewrite first. */
static int forward(nx_graph *g, uint32_t op, uint32_t v, nxp_ctx *ctx, const char *why)
{
	/* an identity that carries a graph output's name (its operand cannot
	 * take it over) is as simple as it gets: removing it would only make
	 * nxp_replace_op put it back */
	if (g->ops[op].kind == NX_OP_IDENTITY && nx_value_is_output(g, nx_result(g, op, 0)) &&
	    !nxp_can_take_name(g, v))
		return 0;
	if (!nxp_rewrite(ctx, op))
		return 0;
	nxp_remark(ctx, "removed %%%s (%s): %s", nx_vname(g, nx_result(g, op, 0)),
		   nx_op_name(g, op), why);
	nxp_replace_op(g, ctx, op, &v, NX_NONE, why);
	nxp_stat_add(ctx, "identities removed", 1);
	return 1;
}

/* x op c where c is a splat of the identity element and the result has x's
 * type (so no broadcasting widens it). */
static int identity_operand(nx_graph *g, uint32_t op, nxp_ctx *ctx)
{
	if (nx_attr_get(g, op, "act"))
		return 0;
	int k = g->ops[op].kind;
	uint32_t a = nx_operand(g, op, 0), b = nx_operand(g, op, 1);
	uint32_t r = nx_result(g, op, 0);
	double unit = (k == NX_OP_MUL || k == NX_OP_DIV) ? 1.0 : 0.0;
	if (nxp_const_is_splat(g, b, unit) && same_type(g, a, r))
		return forward(g, op, a, ctx, unit == 1.0 ? "operand times one" : "operand plus zero");
	bool commute = k == NX_OP_MUL || k == NX_OP_ADD;
	if (commute && nxp_const_is_splat(g, a, unit) && same_type(g, b, r))
		return forward(g, op, b, ctx, unit == 1.0 ? "operand times one" : "operand plus zero");
	return 0;
}

static int const_to_right(nx_graph *g, uint32_t op, nxp_ctx *ctx)
{
	if (!(nx_ops[g->ops[op].kind].flags & NX_F_COMMUTE) || g->ops[op].n_in != 2)
		return 0;
	uint32_t a = nx_operand(g, op, 0), b = nx_operand(g, op, 1);
	if (!nx_is_const(g, a) || nx_is_const(g, b))
		return 0;
	if (!nxp_rewrite(ctx, op))
		return 0;
	uint32_t in[2] = {b, a};
	nx_op_set_operands(g, op, in, 2);
	nxp_stat_add(ctx, "operands swapped", 1);
	return 1;
}

static int drop_identity(nx_graph *g, uint32_t op, nxp_ctx *ctx)
{
	return forward(g, op, nx_operand(g, op, 0), ctx, "identity");
}

/* cast, reshape, flatten, squeeze, unsqueeze, expand to the same type */
static int noop_same_type(nx_graph *g, uint32_t op, nxp_ctx *ctx)
{
	uint32_t x = nx_operand(g, op, 0);
	if (!same_type(g, x, nx_result(g, op, 0)))
		return 0;
	return forward(g, op, x, ctx, "result type equals operand type");
}

static bool reshape_like(int k)
{
	return k == NX_OP_RESHAPE || k == NX_OP_FLATTEN || k == NX_OP_SQUEEZE ||
	       k == NX_OP_UNSQUEEZE;
}

/* reshape-like(reshape-like(x)) -> reshape(x) to the outer type. */
static int reshape_chain(nx_graph *g, uint32_t op, nxp_ctx *ctx)
{
	if (!reshape_like(g->ops[op].kind))
		return 0;
	uint32_t in = nx_operand(g, op, 0);
	uint32_t p = nxp_producer_of(g, in, -1);
	if (p == NX_NONE || !reshape_like(g->ops[p].kind))
		return 0;
	if (!nxp_rewrite(ctx, op))
		return 0;
	uint32_t x = nx_operand(g, p, 0);
	const nx_type *t = nx_vtype(g, nx_result(g, op, 0));
	int64_t shape[NX_MAX_RANK];
	uint32_t rank = t->rank;
	memcpy(shape, t->dims, rank * sizeof shape[0]);
	uint32_t from[2] = {p, op};
	uint32_t r = nxp_op_new(g, ctx, NX_OP_RESHAPE, &x, 1, 1,
				nx_vname(g, nx_result(g, op, 0)), op, from, 2);
	if (r == NX_NONE)
		return -1;
	nx_attr_set_ints(g, r, "shape", shape, rank);
	if (nx_infer_op(g, r, &ctx->err) != 0)
		return -1;
	nxp_remark(ctx, "collapsed %%%s (%s) and %%%s (%s) into one reshape",
		   nx_vname(g, in), nx_op_name(g, p), nx_vname(g, nx_result(g, op, 0)),
		   nx_op_name(g, op));
	nxp_replace_op_by(g, op, r);
	nxp_stat_add(ctx, "reshape chains collapsed", 1);
	return 1;
}

static void perm_of(const nx_graph *g, uint32_t op, int64_t *perm, uint32_t rank)
{
	uint32_t n;
	const int64_t *p = nx_attr_ints(g, op, "perm", &n);
	for (uint32_t i = 0; i < rank; i++)
		perm[i] = p && n == rank ? p[i] : (int64_t)(rank - 1 - i);
}

/* transpose(transpose(x, p1), p2) = transpose(x, p1[p2[i]]); dropped when
 * that is the identity. */
static int transpose_pair(nx_graph *g, uint32_t op, nxp_ctx *ctx)
{
	uint32_t in = nx_operand(g, op, 0);
	uint32_t p = nxp_producer_of(g, in, NX_OP_TRANSPOSE);
	if (p == NX_NONE)
		return 0;
	uint32_t rank = nx_vtype(g, in)->rank;
	int64_t p1[NX_MAX_RANK], p2[NX_MAX_RANK], c[NX_MAX_RANK];
	perm_of(g, p, p1, rank);
	perm_of(g, op, p2, rank);
	bool ident = true;
	for (uint32_t i = 0; i < rank; i++) {
		c[i] = p1[p2[i]];
		ident &= c[i] == (int64_t)i;
	}
	uint32_t x = nx_operand(g, p, 0);
	if (ident) {
		if (!nxp_rewrite(ctx, op))
			return 0;
		nxp_remark(ctx, "cancelled transposes %%%s and %%%s", nx_vname(g, in),
			   nx_vname(g, nx_result(g, op, 0)));
		nxp_replace_op(g, ctx, op, &x, NX_NONE, "transposes cancel");
		nxp_stat_add(ctx, "transposes cancelled", 2);
		return 1;
	}
	if (!nxp_rewrite(ctx, op))
		return 0;
	uint32_t from[2] = {p, op};
	uint32_t t = nxp_op_new(g, ctx, NX_OP_TRANSPOSE, &x, 1, 1,
				nx_vname(g, nx_result(g, op, 0)), op, from, 2);
	if (t == NX_NONE)
		return -1;
	nx_attr_set_ints(g, t, "perm", c, rank);
	if (nx_infer_op(g, t, &ctx->err) != 0)
		return -1;
	nxp_remark(ctx, "composed transposes %%%s and %%%s", nx_vname(g, in),
		   nx_vname(g, nx_result(g, op, 0)));
	nxp_replace_op_by(g, op, t);
	nxp_stat_add(ctx, "transposes composed", 1);
	return 1;
}

static int transpose_identity(nx_graph *g, uint32_t op, nxp_ctx *ctx)
{
	uint32_t rank = nx_vtype(g, nx_operand(g, op, 0))->rank;
	int64_t perm[NX_MAX_RANK];
	perm_of(g, op, perm, rank);
	for (uint32_t i = 0; i < rank; i++)
		if (perm[i] != (int64_t)i)
			return 0;
	return forward(g, op, nx_operand(g, op, 0), ctx, "identity permutation");
}

const nxp_pattern nxp_canonical_patterns[] = {
	{"const-to-right", -1, const_to_right},
	{"mul-one", NX_OP_MUL, identity_operand},
	{"div-one", NX_OP_DIV, identity_operand},
	{"add-zero", NX_OP_ADD, identity_operand},
	{"sub-zero", NX_OP_SUB, identity_operand},
	{"identity", NX_OP_IDENTITY, drop_identity},
	{"noop-cast", NX_OP_CAST, noop_same_type},
	{"noop-reshape", NX_OP_RESHAPE, noop_same_type},
	{"noop-flatten", NX_OP_FLATTEN, noop_same_type},
	{"noop-squeeze", NX_OP_SQUEEZE, noop_same_type},
	{"noop-unsqueeze", NX_OP_UNSQUEEZE, noop_same_type},
	{"noop-expand", NX_OP_EXPAND, noop_same_type},
	{"reshape-chain", -1, reshape_chain},
	{"transpose-identity", NX_OP_TRANSPOSE, transpose_identity},
	{"transpose-pair", NX_OP_TRANSPOSE, transpose_pair},
};

static int run(nx_graph *g, nxp_ctx *ctx)
{
	return nxp_apply_patterns(g, ctx, nxp_canonical_patterns,
				  sizeof nxp_canonical_patterns / sizeof nxp_canonical_patterns[0]);
}

const nxp_pass nxp_pass_canonicalize = {
	.name = "canonicalize",
	.summary = "x*1, x+0, identity, no-op casts and reshapes, reshape chains, "
		   "transpose pairs, constants to the right",
	.requires = "",
	.invalidates = "ops",
	.run = run,
	.resumable = true,
};
