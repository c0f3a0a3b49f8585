/* cancel_transposes.c — transposes that cancel across element-wise ops:
 *   transpose(u(transpose(x, p1)), p2)  ->  u(x)                when p2∘p1 = id
 *                                       ->  transpose(u(x), p1[p2])  otherwise
 * where u is a chain of element-wise ops, each unary (relu, clip, cast, ...)
 * or with every other operand a one-element constant (add of a scalar bias,
 * mul by a scale), so that u commutes with any permutation of the axes.
 * Exporters leave such pairs around layout changes (NCHW <-> NHWC around an
 * activation); canonicalize only sees adjacent pairs.
 *
 * Rewrites: the upper transpose T1 moves one op down at a time ("push": u
 * now reads x and T1 transposes u's result), and when it reaches T2 the two
 * are composed into one (T2 now reads x with the composed permutation) or,
 * when they cancel, both are removed. Each step is a complete, valid graph.
 * A transpose moves only when the walk below it, through ops that each feed
 * only the next, ends at another transpose: moving it anywhere else would be
 * churn. T1 must feed only that chain (else it would have to stay for its
 * other users, and nothing would be saved). */
#include <string.h>

#include "nxp.h"

static void perm_of(const nx_graph *g, uint32_t op, int64_t *perm, uint32_t rank)
{
	uint32_t n;
	const int64_t *p = nx_attr_ints(g, op, "perm", &n);
	for (uint32_t i = 0; i < rank; i++)
		perm[i] = p && n == rank ? p[i] : (int64_t)(rank - 1 - i);
}

/* The one op reading v (through one or more operand slots), NX_NONE if v
 * is a graph output, unused, or read by several ops. */
static uint32_t sole_user(const nx_graph *g, uint32_t v)
{
	uint32_t u = g->vals[v].first_use, op = NX_NONE;
	if (u == NX_NONE || nx_value_is_output(g, v))
		return NX_NONE;
	for (; u != NX_NONE; u = g->uses[u].next) {
		if (op != NX_NONE && g->uses[u].op != op)
			return NX_NONE;
		op = g->uses[u].op;
	}
	return op;
}

/* u, reading v, is element-wise with one result of v's dims, and its every
 * other operand is a one-element constant of rank <= v's (so broadcasting
 * keeps the shape whatever the axis order). */
static bool commutes(const nx_graph *g, uint32_t u, uint32_t v)
{
	const nx_op *p = &g->ops[u];
	if (!(nx_ops[p->kind].flags & NX_F_ELEMWISE) || p->n_out != 1)
		return false;
	const nx_type *vt = nx_vtype(g, v), *rt = nx_vtype(g, nx_result(g, u, 0));
	if (rt->rank != vt->rank || memcmp(rt->dims, vt->dims, vt->rank * sizeof vt->dims[0]))
		return false;
	for (uint32_t i = 0; i < p->n_in; i++) {
		uint32_t w = nx_operand(g, u, i);
		if (w == v)
			continue;
		if (w == NX_NONE || !nx_is_const(g, w) || nx_type_numel(nx_vtype(g, w)) != 1 ||
		    nx_vtype(g, w)->rank > vt->rank)
			return false;
	}
	return true;
}

/* The transpose the chain below v ends at, or NX_NONE. */
static uint32_t chain_end(const nx_graph *g, uint32_t v)
{
	for (;;) {
		uint32_t u = sole_user(g, v);
		if (u == NX_NONE)
			return NX_NONE;
		if (g->ops[u].kind == NX_OP_TRANSPOSE)
			return u;
		if (!commutes(g, u, v))
			return NX_NONE;
		v = nx_result(g, u, 0);
	}
}

/* T2 reads T1's result directly, and T1 feeds nothing else. */
static int compose(nx_graph *g, uint32_t t1, uint32_t t2, nxp_ctx *ctx)
{
	uint32_t x = nx_operand(g, t1, 0);
	uint32_t rank = nx_vtype(g, x)->rank;
	int64_t p1[NX_MAX_RANK], p2[NX_MAX_RANK], c[NX_MAX_RANK];
	perm_of(g, t1, p1, rank);
	perm_of(g, t2, p2, rank);
	bool ident = true;
	for (uint32_t i = 0; i < rank; i++) {
		c[i] = p1[p2[i]];
		ident &= c[i] == (int64_t)i;
	}
	if (!nxp_rewrite(ctx, t2))
		return 0;
	const char *a = nx_vname(g, nx_result(g, t1, 0)), *b = nx_vname(g, nx_result(g, t2, 0));
	if (ident) {
		nxp_remark(ctx, "cancelled transposes %%%s and %%%s", a, b);
		/* erases t2, then t1 (now unused); a graph output keeps its name */
		nxp_replace_op(g, ctx, t2, &x, NX_NONE, "transposes cancel");
		nxp_stat_add(ctx, "transposes cancelled", 2);
		return 1;
	}
	nxp_remark(ctx, "composed transposes %%%s and %%%s into one", a, b);
	nx_op_set_operand(g, t2, 0, x);
	nx_attr_set_ints(g, t2, "perm", c, rank);
	nxp_erase_tree(g, ctx, t1, t2, NULL); /* t2 inherits t1's origin */
	if (nx_infer_op(g, t2, &ctx->err) != 0)
		return -1;
	nxp_stat_add(ctx, "transposes composed", 1);
	return 1;
}

/* T1 = transpose(x) feeding only u, which commutes: u reads x, and T1
 * moves below u to transpose u's result for u's user. */
static int push(nx_graph *g, uint32_t t1, uint32_t u, uint32_t t2, nxp_ctx *ctx)
{
	if (!nxp_rewrite(ctx, t1))
		return 0;
	uint32_t x = nx_operand(g, t1, 0), t = nx_result(g, t1, 0), y = nx_result(g, u, 0);
	nxp_remark(ctx, "moved transpose %%%s below %%%s (%s), towards %%%s", nx_vname(g, t),
		   nx_vname(g, y), nx_op_name(g, u), nx_vname(g, nx_result(g, t2, 0)));
	for (uint32_t i = 0; i < g->ops[u].n_in; i++)
		if (nx_operand(g, u, i) == t)
			nx_op_set_operand(g, u, i, x);
	if (nx_infer_op(g, u, &ctx->err) != 0)
		return -1;
	/* u's one user now reads the transposed value; t1 sits right after u */
	nx_value_replace_uses(g, y, t);
	nx_op_set_operand(g, t1, 0, y);
	nx_op_move_before(g, t1, g->ops[u].next);
	if (nx_infer_op(g, t1, &ctx->err) != 0)
		return -1;
	nxp_stat_add(ctx, "transposes pushed", 1);
	return 1;
}

static int cancel(nx_graph *g, uint32_t t1, nxp_ctx *ctx)
{
	uint32_t t = nx_result(g, t1, 0);
	uint32_t u = sole_user(g, t);
	if (u == NX_NONE)
		return 0;
	if (g->ops[u].kind == NX_OP_TRANSPOSE)
		return compose(g, t1, u, ctx);
	if (!commutes(g, u, t))
		return 0;
	uint32_t t2 = chain_end(g, nx_result(g, u, 0));
	if (t2 == NX_NONE)
		return 0;
	return push(g, t1, u, t2, ctx);
}

static const nxp_pattern patterns[] = {
	{"cancel-transposes", NX_OP_TRANSPOSE, cancel},
};

static int run(nx_graph *g, nxp_ctx *ctx)
{
	return nxp_apply_patterns(g, ctx, patterns, sizeof patterns / sizeof patterns[0]);
}

const nxp_pass nxp_pass_cancel_transposes = {
	.name = "cancel-transposes",
	.summary = "move transposes through element-wise ops to cancel or compose them "
		   "with another transpose",
	.requires = "types",
	.invalidates = "ops, order",
	.run = run,
	.resumable = true,
};
