/* fold_batchnorm.c — batch_norm(conv(x, W, b)) -> conv(x, W', b') with
 *   a = scale / sqrt(var + eps),  W'[c] = W[c] * a[c],
 *   b'[c] = (b[c] - mean[c]) * a[c] + bias[c]
 * per output channel c; likewise after conv_transpose (whose weights hold
 * the output channel on axis 1, per group), gemm and a 2-D matmul with a
 * constant right-hand side (which becomes a gemm carrying the bias). The
 * producer must feed only the batch_norm and have no fused activation, and
 * every parameter must be an f32 constant. An int8 weight (i8 with w_scale:
 * quantize-int8, fold-qdq) keeps its bytes and its w_scale[c] takes a[c]. A
 * mul or add by a constant that is
 * a scalar or per output channel after a conv, conv_transpose or gemm folds
 * the same way (onnxruntime's ConvMulFusion and ConvAddFusion): exporters
 * emit those for learnable affine blocks. One fold = one rewrite. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nxp.h"

static const float *f32_const(const nx_graph *g, uint32_t v, int64_t want)
{
	if (!nx_is_const(g, v))
		return NULL;
	nx_blob *b = nx_const_blob(g, v);
	if (b->type.dtype != NX_F32 || (want >= 0 && nx_type_numel(&b->type) != want))
		return NULL;
	return nx_blob_data(b);
}

typedef struct bn {
	float *a, *shift; /* y = x * a + shift, per channel */
	int64_t c;
} bn;

/* The batch norm's four parameters are read once and dropped with it, so a
 * fill parameter is generated into tmp (4 * c floats) rather than cached on
 * its blob: one allocation per fold instead of four that outlive it. */
static const float *bn_param(const nx_graph *g, uint32_t v, int64_t c, float *tmp)
{
	if (!nx_is_const(g, v))
		return NULL;
	nx_blob *b = nx_const_blob(g, v);
	if (b->type.dtype != NX_F32 || nx_type_numel(&b->type) != c)
		return NULL;
	return nx_blob_read(b, tmp);
}

static bool read_bn(const nx_graph *g, uint32_t op, bn *out)
{
	const nx_type *t = nx_vtype(g, nx_result(g, op, 0));
	if (t->rank < 2 || t->dims[1] < 0)
		return false;
	int64_t c = t->dims[1];
	float *tmp = nx_xmalloc((size_t)(4 * c + 1) * sizeof(float)); /* freed below */
	const float *s = bn_param(g, nx_operand(g, op, 1), c, tmp);
	const float *bb = bn_param(g, nx_operand(g, op, 2), c, tmp + c);
	const float *m = bn_param(g, nx_operand(g, op, 3), c, tmp + 2 * c);
	const float *v = bn_param(g, nx_operand(g, op, 4), c, tmp + 3 * c);
	if (!s || !bb || !m || !v) {
		free(tmp);
		return false;
	}
	float eps = nx_attr_f(g, op, "epsilon", 1e-5f);
	out->c = c;
	out->a = nx_xmalloc((size_t)c * sizeof(float));
	out->shift = nx_xmalloc((size_t)c * sizeof(float));
	for (int64_t i = 0; i < c; i++) {
		out->a[i] = s[i] / sqrtf(v[i] + eps);
		out->shift[i] = bb[i] - m[i] * out->a[i];
	}
	free(tmp);
	return true;
}

/* New weights (a lazily scaled blob: the weights themselves are not read
 * here) and bias for producer p (conv, conv_transpose, gemm, matmul);
 * false when the shapes do not allow the fold. An int8 weight (i8 with
 * w_scale, from quantize-int8 or fold-qdq) stays as it is and its scales
 * take the factor instead (*ws_out, n->c of them; else NULL): w_scale is
 * per output channel, the channel the batch norm scales. */
static bool scaled_params(const nx_graph *g, uint32_t p, const bn *n, nx_blob **w_out,
			  float **b_out, float **ws_out)
{
	int k = g->ops[p].kind;
	uint32_t wv = nx_operand(g, p, 1);
	uint32_t nws = 0;
	const float *ws = nx_attr_floats(g, p, "w_scale", &nws);
	*ws_out = NULL;
	if (!nx_is_const(g, wv))
		return false;
	int wdt = nx_const_blob(g, wv)->type.dtype;
	if (!(wdt == NX_F32 && !ws) && !(wdt == NX_I8 && ws && nws == n->c))
		return false;
	nx_blob *w = nx_const_blob(g, wv);
	const nx_type *wt = &w->type;
	int mode;
	int64_t group = 1;
	if (k == NX_OP_CONV) {
		if (wt->dims[0] != n->c)
			return false;
		mode = NX_SCALE_OUTER;
	} else if (k == NX_OP_CONV_TRANSPOSE) {
		group = nx_attr_i(g, p, "group", 1);
		if (wt->rank < 2 || wt->dims[1] * group != n->c || wt->dims[0] % group)
			return false;
		mode = NX_SCALE_CONVT;
	} else { /* gemm or matmul: output column = channel */
		bool tb = k == NX_OP_GEMM && nx_attr_i(g, p, "transB", 0);
		if (wt->rank != 2 || (tb ? wt->dims[0] : wt->dims[1]) != n->c)
			return false;
		mode = tb ? NX_SCALE_OUTER : NX_SCALE_INNER;
	}
	const float *b = NULL;
	uint32_t bv = g->ops[p].n_in > 2 ? nx_operand(g, p, 2) : NX_NONE;
	if (bv != NX_NONE && !(b = f32_const(g, bv, n->c)))
		return false;
	float beta = k == NX_OP_GEMM ? nx_attr_f(g, p, "beta", 1.0f) : 1.0f;
	float *nb = nx_xmalloc((size_t)n->c * sizeof(float));
	for (int64_t c = 0; c < n->c; c++)
		nb[c] = (b ? b[c] * beta : 0.0f) * n->a[c] + n->shift[c];
	if (ws) {
		float *sc = nx_xmalloc((size_t)n->c * sizeof(float)); /* the caller frees */
		for (int64_t c = 0; c < n->c; c++)
			sc[c] = ws[c] * n->a[c];
		*ws_out = sc;
		*w_out = nx_blob_ref(w);
	} else {
		*w_out = nx_blob_new_scaled(w, n->a, n->c, mode, group);
	}
	*b_out = nb;
	return true;
}

/* Replace op (reading x = the result of p) by p with weights and bias
 * scaled per channel by n (freed here). 1 done, 0 no fold, -1 error. */
static int rebuild(nx_graph *g, uint32_t op, uint32_t p, uint32_t x, bn *n, nxp_ctx *ctx,
		   const char *what)
{
	int k = g->ops[p].kind;
	nx_blob *w;
	float *b;
	float *ws;
	bool ok = scaled_params(g, p, n, &w, &b, &ws);
	int64_t c = n->c;
	free(n->a);
	free(n->shift);
	if (!ok)
		return 0;
	if (!nxp_rewrite(ctx, op)) {
		nx_blob_unref(w);
		free(b);
		free(ws);
		return 0;
	}
	char hint[200];
	snprintf(hint, sizeof hint, "%s.w", nx_vname(g, nx_result(g, op, 0)));
	uint32_t wv = nx_const_new(g, NULL, w, NULL);
	nx_value_rename(g, wv, nx_cstr(g, nx_fresh_name(g, hint)), NULL);
	snprintf(hint, sizeof hint, "%s.b", nx_vname(g, nx_result(g, op, 0)));
	nx_type bt = nx_type_make(NX_F32, 1, &c);
	uint32_t bv = nx_const_new(g, NULL, nx_blob_new_data(&bt, b), NULL);
	nx_value_rename(g, bv, nx_cstr(g, nx_fresh_name(g, hint)), NULL);
	int nk = k == NX_OP_MATMUL ? NX_OP_GEMM : k;
	uint32_t in[3] = {nx_operand(g, p, 0), wv, bv};
	uint32_t from[2] = {p, op};
	uint32_t f = nxp_op_new(g, ctx, nk, in, 3, 1, NULL, p, from, 2);
	if (f == NX_NONE) {
		free(ws);
		return -1;
	}
	nx_attr_copy_all(g, f, g, p);
	if (ws)
		nx_attr_set_floats(g, f, "w_scale", ws, (uint32_t)c);
	free(ws);
	/* a batch_norm may carry a fused activation: the folded op takes it */
	nxp_copy_act(g, f, op);
	if (nk == NX_OP_GEMM)
		nx_attr_set_f(g, f, "beta", 1.0f);
	if (nx_infer_op(g, f, &ctx->err) != 0)
		return -1;
	nxp_remark(ctx, "folded %%%s (%s) into %%%s (%s)", nx_vname(g, nx_result(g, op, 0)),
		   what, nx_vname(g, x), nx_op_name(g, p));
	nxp_replace_op_by(g, op, f);
	nxp_stat_add(ctx, "scales folded into weights", 1);
	return 1;
}

static int fold(nx_graph *g, uint32_t op, nxp_ctx *ctx)
{
	uint32_t x = nx_operand(g, op, 0);
	uint32_t p = nxp_producer_of(g, x, -1);
	if (p == NX_NONE || nxp_single_user(g, x) != op || nx_attr_get(g, p, "act"))
		return 0;
	int k = g->ops[p].kind;
	if (k != NX_OP_CONV && k != NX_OP_CONV_TRANSPOSE && k != NX_OP_GEMM && k != NX_OP_MATMUL)
		return 0;
	if (nx_vtype(g, x)->dtype != NX_F32)
		return 0;
	if (k == NX_OP_MATMUL && nx_vtype(g, x)->rank != 2)
		return 0;
	bn n;
	if (!read_bn(g, op, &n))
		return 0;
	return rebuild(g, op, p, x, &n, ctx, "batch_norm");
}

/* Values of constant v as one per channel of an output of type t (channel
 * axis 1): v must be a scalar, or broadcast only along axis 1 ([C,1,1] or
 * [1,C,1,1] for a 4-D output). Caller frees. */
static float *per_channel(const nx_graph *g, uint32_t v, const nx_type *t)
{
	const float *d = f32_const(g, v, -1);
	if (!d || t->rank < 2)
		return NULL;
	const nx_type *ct = nx_vtype(g, v);
	int64_t c = t->dims[1], n = nx_type_numel(ct);
	if (n != 1) {
		if (n != c || ct->rank > t->rank)
			return NULL;
		/* aligned from the right: axis 1 of t is axis ct->rank-(t->rank-1) */
		int ax = (int)ct->rank - (int)(t->rank - 1);
		if (ax < 0 || ct->dims[ax] != c)
			return NULL;
	}
	float *out = nx_xmalloc((size_t)c * sizeof *out);
	for (int64_t i = 0; i < c; i++)
		out[i] = d[n == 1 ? 0 : i];
	return out;
}

/* mul(y, s) or add(y, s) with y from a conv-like op and s constant per
 * channel: the same fold as batch_norm with (a, shift) = (s, 0) or (1, s). */
static int fold_affine(nx_graph *g, uint32_t op, nxp_ctx *ctx)
{
	bool is_mul = g->ops[op].kind == NX_OP_MUL;
	if (nx_attr_get(g, op, "act"))
		return 0;
	for (uint32_t i = 0; i < 2; i++) {
		uint32_t x = nx_operand(g, op, i), c = nx_operand(g, op, 1 - i);
		uint32_t p = nxp_producer_of(g, x, -1);
		if (p == NX_NONE || nxp_single_user(g, x) != op || nx_attr_get(g, p, "act"))
			continue;
		int k = g->ops[p].kind;
		if (k != NX_OP_CONV && k != NX_OP_CONV_TRANSPOSE && k != NX_OP_GEMM)
			continue;
		const nx_type *t = nx_vtype(g, x);
		if (t->dtype != NX_F32 || g->vals[x].type != g->vals[nx_result(g, op, 0)].type)
			continue;
		float *s = per_channel(g, c, t);
		if (!s)
			continue;
		bn n = {.c = t->dims[1]};
		n.a = nx_xmalloc((size_t)n.c * sizeof(float));
		n.shift = nx_xmalloc((size_t)n.c * sizeof(float));
		for (int64_t j = 0; j < n.c; j++) {
			n.a[j] = is_mul ? s[j] : 1.0f;
			n.shift[j] = is_mul ? 0.0f : s[j];
		}
		free(s);
		int r = rebuild(g, op, p, x, &n, ctx, is_mul ? "mul" : "add");
		if (r != 0)
			return r;
	}
	return 0;
}

static const nxp_pattern patterns[] = {
	{"fold-batchnorm", NX_OP_BATCH_NORM, fold},
	{"fold-scale", NX_OP_MUL, fold_affine},
	{"fold-shift", NX_OP_ADD, fold_affine},
};

static int run(nx_graph *g, nxp_ctx *ctx)
{
	return nxp_apply_patterns(g, ctx, patterns, sizeof patterns / sizeof patterns[0]);
}

const nxp_pass nxp_pass_fold_batchnorm = {
	.name = "fold-batchnorm",
	.summary = "fold batch_norm into the conv, conv_transpose, gemm or matmul before it",
	.requires = "constant weights",
	.invalidates = "ops, weights",
	.run = run,
	.resumable = true,
};
