/* fuse_patterns.c — recognises decomposed forms that exporters emit and
 * replaces each by the one op the NE runs well:
 *   x * clip(x + 3, 0, 6) / 6 (and its mul-by-1/6 and re-associated forms)
 *                                                   -> hard_swish(x)
 *   x * hard_sigmoid(x){alpha=1/6, beta=0.5}        -> hard_swish(x)
 *   (x - mean(x)) / sqrt(mean((x - mean(x))^2) + eps) * gamma + beta, means
 *   over the last axis                              -> layer_norm(x, gamma, beta)
 *   x * 0.5 * (1 + erf(x / sqrt(2))) in any grouping -> gelu(x)
 *   add(matmul(A, B), c) with 2-D A and c of shape [N] -> gemm(A, B, c)
 * Intermediate values must feed only the pattern (else the fused op would
 * have to recompute them). One fusion = one rewrite. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nxp.h"

#define TOL 1e-5

/* Producer of v of kind k whose result feeds only `user`. */
static uint32_t inner(const nx_graph *g, uint32_t v, int k, uint32_t user)
{
	uint32_t p = nxp_producer_of(g, v, k);
	if (p == NX_NONE || nxp_single_user(g, v) != user || nx_attr_get(g, p, "act"))
		return NX_NONE;
	return p;
}

static int emit_op(nx_graph *g, nxp_ctx *ctx, uint32_t root, int kind, const uint32_t *in,
		   uint32_t n_in, const char *what, uint32_t *made, uint32_t wq)
{
	if (!nxp_rewrite(ctx, root))
		return 0;
	uint32_t f = nxp_op_new(g, ctx, kind, in, n_in, 1, NULL, root, NULL, 0);
	if (f == NX_NONE)
		return -1;
	if (kind == NX_OP_LAYER_NORM)
		nx_attr_set_i(g, f, "axis", -1);
	/* an int8 weight (quantize-int8, fold-qdq) keeps its scales: matmul's
	 * output column is gemm's N, the same channel */
	uint32_t nws;
	const float *ws = wq != NX_NONE ? nx_attr_floats(g, wq, "w_scale", &nws) : NULL;
	if (ws) {
		/* a copy: setting an attribute may move the graph's float store */
		float *c = nx_xmalloc((size_t)nws * sizeof *c); /* freed below */
		memcpy(c, ws, (size_t)nws * sizeof *c);
		nx_attr_set_floats(g, f, "w_scale", c, nws);
		free(c);
	}
	if (nx_infer_op(g, f, &ctx->err) != 0)
		return -1;
	nxp_remark(ctx, "fused %s into %%%s (%s)", what, nx_vname(g, nx_result(g, root, 0)),
		   nx_ops[kind].name);
	/* f's origin: root's and that of every op the replacement leaves unused,
	 * i.e. exactly the matched ops (LayerNorm's shared x - mean(x) included) */
	nxp_replace_op_by(g, root, f);
	nxp_stat_add(ctx, what, 1);
	if (made)
		*made = f;
	return 1;
}

static int emit(nx_graph *g, nxp_ctx *ctx, uint32_t root, int kind, const uint32_t *in,
		uint32_t n_in, const char *what)
{
	return emit_op(g, ctx, root, kind, in, n_in, what, NULL, NX_NONE);
}

/* clip(add(x, 3), 0, 6) feeding only `user`: returns x. */
static uint32_t relu6_of_x_plus_3(const nx_graph *g, uint32_t v, uint32_t user)
{
	uint32_t c = inner(g, v, NX_OP_CLIP, user);
	if (c == NX_NONE || nx_attr_f(g, c, "min", -1) != 0.0f || nx_attr_f(g, c, "max", -1) != 6.0f)
		return NX_NONE;
	uint32_t a = inner(g, nx_operand(g, c, 0), NX_OP_ADD, c);
	if (a == NX_NONE)
		return NX_NONE;
	uint32_t x = nx_operand(g, a, 0), k = nx_operand(g, a, 1);
	if (!nxp_const_near(g, k, 3.0, TOL))
		x = k, k = nx_operand(g, a, 0);
	return nxp_const_near(g, k, 3.0, TOL) ? x : NX_NONE;
}

/* mul(x, clip(x+3,0,6)) feeding only `user`: returns x. */
static uint32_t x_times_relu6(const nx_graph *g, uint32_t v, uint32_t user)
{
	uint32_t m = inner(g, v, NX_OP_MUL, user);
	if (m == NX_NONE)
		return NX_NONE;
	for (int i = 0; i < 2; i++) {
		uint32_t x = nx_operand(g, m, (uint32_t)i), c = nx_operand(g, m, 1 - (uint32_t)i);
		if (relu6_of_x_plus_3(g, c, m) == x && x != NX_NONE)
			return x;
	}
	return NX_NONE;
}

static int hard_swish_div(nx_graph *g, uint32_t op, nxp_ctx *ctx)
{
	/* div(mul(x, relu6(x+3)), 6) */
	if (!nxp_const_near(g, nx_operand(g, op, 1), 6.0, TOL))
		return 0;
	uint32_t x = x_times_relu6(g, nx_operand(g, op, 0), op);
	return x == NX_NONE ? 0 : emit(g, ctx, op, NX_OP_HARD_SWISH, &x, 1, "hard_swish");
}

static int hard_swish_mul(nx_graph *g, uint32_t op, nxp_ctx *ctx)
{
	for (uint32_t i = 0; i < 2; i++) {
		uint32_t a = nx_operand(g, op, i), b = nx_operand(g, op, 1 - i);
		/* mul(mul(x, relu6(x+3)), 1/6) */
		if (nxp_const_near(g, b, 1.0 / 6.0, TOL)) {
			uint32_t x = x_times_relu6(g, a, op);
			if (x != NX_NONE)
				return emit(g, ctx, op, NX_OP_HARD_SWISH, &x, 1, "hard_swish");
		}
		/* mul(x, div(relu6(x+3), 6)) and mul(x, mul(relu6(x+3), 1/6)) */
		uint32_t d = inner(g, b, NX_OP_DIV, op);
		if (d != NX_NONE && nxp_const_near(g, nx_operand(g, d, 1), 6.0, TOL) &&
		    relu6_of_x_plus_3(g, nx_operand(g, d, 0), d) == a)
			return emit(g, ctx, op, NX_OP_HARD_SWISH, &a, 1, "hard_swish");
		uint32_t m = inner(g, b, NX_OP_MUL, op);
		if (m != NX_NONE) {
			for (uint32_t j = 0; j < 2; j++)
				if (nxp_const_near(g, nx_operand(g, m, 1 - j), 1.0 / 6.0, TOL) &&
				    relu6_of_x_plus_3(g, nx_operand(g, m, j), m) == a)
					return emit(g, ctx, op, NX_OP_HARD_SWISH, &a, 1, "hard_swish");
		}
		/* mul(x, hard_sigmoid(x){1/6, 0.5}) */
		uint32_t h = inner(g, b, NX_OP_HARD_SIGMOID, op);
		if (h != NX_NONE && nx_operand(g, h, 0) == a &&
		    fabs(nx_attr_f(g, h, "alpha", 0.2f) - 1.0 / 6.0) < TOL &&
		    fabs(nx_attr_f(g, h, "beta", 0.5f) - 0.5) < TOL)
			return emit(g, ctx, op, NX_OP_HARD_SWISH, &a, 1, "hard_swish");
	}
	return 0;
}

/* reduce_mean over the last axis only, keepdims. */
static bool mean_last(const nx_graph *g, uint32_t o, uint32_t rank)
{
	uint32_t n;
	const int64_t *ax = nx_attr_ints(g, o, "axes", &n);
	return n == 1 && (ax[0] == -1 || ax[0] == (int64_t)rank - 1) &&
	       nx_attr_i(g, o, "keepdims", 1) == 1;
}

static int layer_norm(nx_graph *g, uint32_t op, nxp_ctx *ctx)
{
	/* add(mul(div(d, sqrt(add(mean(pow(d,2)), eps))), gamma), beta) with
	 * d = sub(x, mean(x)) */
	for (uint32_t i = 0; i < 2; i++) {
		uint32_t beta = nx_operand(g, op, 1 - i);
		uint32_t mm = inner(g, nx_operand(g, op, i), NX_OP_MUL, op);
		if (!nx_is_const(g, beta) || mm == NX_NONE)
			continue;
		for (uint32_t j = 0; j < 2; j++) {
			uint32_t gamma = nx_operand(g, mm, 1 - j);
			uint32_t dv = inner(g, nx_operand(g, mm, j), NX_OP_DIV, mm);
			if (!nx_is_const(g, gamma) || dv == NX_NONE)
				continue;
			uint32_t d = nx_operand(g, dv, 0);
			uint32_t sq = inner(g, nx_operand(g, dv, 1), NX_OP_SQRT, dv);
			uint32_t ad = sq == NX_NONE ? NX_NONE : inner(g, nx_operand(g, sq, 0), NX_OP_ADD, sq);
			if (ad == NX_NONE)
				continue;
			double eps;
			uint32_t var = nx_operand(g, ad, 0);
			if (!nxp_const_scalar(g, nx_operand(g, ad, 1), &eps))
				continue;
			uint32_t vm = inner(g, var, NX_OP_REDUCE_MEAN, ad);
			uint32_t sb = nxp_producer_of(g, d, NX_OP_SUB);
			if (vm == NX_NONE || sb == NX_NONE || nx_attr_get(g, sb, "act"))
				continue;
			uint32_t rank = nx_vtype(g, d)->rank;
			uint32_t sqr = nx_operand(g, vm, 0);
			uint32_t pw = inner(g, sqr, NX_OP_POW, vm);
			uint32_t ml = inner(g, sqr, NX_OP_MUL, vm);
			bool squares = (pw != NX_NONE && nx_operand(g, pw, 0) == d &&
					nxp_const_near(g, nx_operand(g, pw, 1), 2.0, 0)) ||
				       (ml != NX_NONE && nx_operand(g, ml, 0) == d &&
					nx_operand(g, ml, 1) == d);
			uint32_t x = nx_operand(g, sb, 0);
			uint32_t mean = inner(g, nx_operand(g, sb, 1), NX_OP_REDUCE_MEAN, sb);
			if (!squares || mean == NX_NONE || nx_operand(g, mean, 0) != x ||
			    !mean_last(g, mean, rank) || !mean_last(g, vm, rank))
				continue;
			/* d feeds exactly the square and the div */
			if (nx_value_nuses(g, d) != (pw != NX_NONE ? 2u : 3u))
				continue;
			int64_t last = nx_vtype(g, x)->dims[rank - 1];
			if (nx_type_numel(nx_vtype(g, gamma)) != last ||
			    nx_type_numel(nx_vtype(g, beta)) != last ||
			    nx_vtype(g, gamma)->rank != 1 || nx_vtype(g, beta)->rank != 1)
				continue;
			uint32_t in[3] = {x, gamma, beta};
			uint32_t f;
			int r = emit_op(g, ctx, op, NX_OP_LAYER_NORM, in, 3, "layer_norm", &f, NX_NONE);
			if (r == 1)
				nx_attr_set_f(g, f, "epsilon", (float)eps);
			return r;
		}
	}
	return 0;
}

/* Factors of a product tree of single-use muls rooted at op (depth <= 2). */
static uint32_t factors(const nx_graph *g, uint32_t op, uint32_t *f, uint32_t n, int depth)
{
	for (uint32_t i = 0; i < 2 && n < 8; i++) {
		uint32_t v = nx_operand(g, op, i);
		uint32_t m = depth > 0 ? inner(g, v, NX_OP_MUL, op) : NX_NONE;
		if (m != NX_NONE)
			n = factors(g, m, f, n, depth - 1);
		else
			f[n++] = v;
	}
	return n;
}

/* 1 + erf(x / sqrt(2)) (or x * 1/sqrt(2)) feeding only user: returns x. */
static uint32_t one_plus_erf(const nx_graph *g, uint32_t v, uint32_t user)
{
	uint32_t a = inner(g, v, NX_OP_ADD, user);
	if (a == NX_NONE)
		return NX_NONE;
	for (uint32_t i = 0; i < 2; i++) {
		if (!nxp_const_near(g, nx_operand(g, a, 1 - i), 1.0, TOL))
			continue;
		uint32_t e = inner(g, nx_operand(g, a, i), NX_OP_ERF, a);
		if (e == NX_NONE)
			continue;
		uint32_t d = inner(g, nx_operand(g, e, 0), NX_OP_DIV, e);
		if (d != NX_NONE && nxp_const_near(g, nx_operand(g, d, 1), 1.41421356237309504880, TOL))
			return nx_operand(g, d, 0);
		uint32_t m = inner(g, nx_operand(g, e, 0), NX_OP_MUL, e);
		for (uint32_t j = 0; m != NX_NONE && j < 2; j++)
			if (nxp_const_near(g, nx_operand(g, m, 1 - j), 0.70710678118654752440, TOL))
				return nx_operand(g, m, j);
	}
	return NX_NONE;
}

static int gelu(nx_graph *g, uint32_t op, nxp_ctx *ctx)
{
	uint32_t f[8];
	uint32_t n = factors(g, op, f, 0, 2);
	if (n != 3)
		return 0;
	for (uint32_t e = 0; e < 3; e++) {
		for (uint32_t h = 0; h < 3; h++) {
			if (h == e || !nxp_const_near(g, f[h], 0.5, TOL))
				continue;
			uint32_t x = f[3 - e - h];
			/* the user of the (1 + erf) value is the mul holding it */
			uint32_t user = nxp_single_user(g, f[e]);
			if (user != NX_NONE && one_plus_erf(g, f[e], user) == x)
				return emit(g, ctx, op, NX_OP_GELU, &x, 1, "gelu");
		}
	}
	return 0;
}

static int matmul_add(nx_graph *g, uint32_t op, nxp_ctx *ctx)
{
	for (uint32_t i = 0; i < 2; i++) {
		uint32_t c = nx_operand(g, op, 1 - i);
		uint32_t mm = inner(g, nx_operand(g, op, i), NX_OP_MATMUL, op);
		if (mm == NX_NONE || !nx_is_const(g, c))
			continue;
		const nx_type *a = nx_vtype(g, nx_operand(g, mm, 0));
		const nx_type *b = nx_vtype(g, nx_operand(g, mm, 1));
		const nx_type *ct = nx_vtype(g, c);
		if (a->rank != 2 || b->rank != 2 || ct->rank > 2 || ct->dtype != a->dtype)
			continue;
		if (nx_type_numel(ct) != b->dims[1] || (ct->rank == 2 && ct->dims[0] != 1))
			continue;
		uint32_t in[3] = {nx_operand(g, mm, 0), nx_operand(g, mm, 1), c};
		return emit_op(g, ctx, op, NX_OP_GEMM, in, 3, "gemm", NULL, mm);
	}
	return 0;
}

static const nxp_pattern patterns[] = {
	{"hard-swish-div", NX_OP_DIV, hard_swish_div},
	{"hard-swish-mul", NX_OP_MUL, hard_swish_mul},
	{"layer-norm", NX_OP_ADD, layer_norm},
	{"gelu-erf", NX_OP_MUL, gelu},
	{"matmul-add", NX_OP_ADD, matmul_add},
};

static int run(nx_graph *g, nxp_ctx *ctx)
{
	return nxp_apply_patterns(g, ctx, patterns, sizeof patterns / sizeof patterns[0]);
}

const nxp_pass nxp_pass_fuse_patterns = {
	.name = "fuse-patterns",
	.summary = "fuse decomposed hard_swish, layer_norm, gelu, and matmul+add into gemm",
	.requires = "canonical constants (fold-constants first)",
	.invalidates = "ops",
	.run = run,
	.resumable = true,
};
