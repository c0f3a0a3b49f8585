/* ne_linear.c — layout-ne's rewrite of rank-3 linear layers into the NE's
 * channels-first form, as Apple's ml-ane-transformers does by hand: a
 * matmul of x (B,S,C) by a constant W (C,N) becomes a 1x1 conv on
 * (B,C,1,S), with a transpose and a reshape in front and behind:
 *
 *   x -> transpose(0,2,1) -> reshape(B,C,1,S) -> conv(W^T as N,C,1,1)
 *     -> reshape(B,N,S) -> transpose(0,2,1) -> (B,S,N)
 *
 * Elementwise ops that read such a result (bias adds, activations; other
 * operands scalars or per-channel vectors) move behind the transposes too,
 * so the transpose pair behind one linear layer and the one in front of the
 * next meet and cancel: an MLP keeps one pair at each end. Layer norms,
 * softmaxes and residual adds with other values stay where they are. One
 * op moved = one rewrite; every intermediate graph verifies. */
#include <stdlib.h>
#include <string.h>

#include "nxp.h"

static const int64_t swap12[3] = {0, 2, 1};

/* v = transpose(reshape(y)) as this rewrite makes it (ops made since
 * first_new): y, the (B,N,1,S) value, or NX_NONE. */
static uint32_t behind(const nx_graph *g, uint32_t v, uint32_t first_new)
{
	uint32_t t = nxp_producer_of(g, v, NX_OP_TRANSPOSE);
	if (t == NX_NONE || t < first_new)
		return NX_NONE;
	uint32_t r = nxp_producer_of(g, nx_operand(g, t, 0), NX_OP_RESHAPE);
	if (r == NX_NONE || r < first_new)
		return NX_NONE;
	uint32_t y = nx_operand(g, r, 0);
	return nx_vtype(g, y)->rank == 4 ? y : NX_NONE;
}

static uint32_t view(nx_graph *g, nxp_ctx *ctx, int kind, uint32_t x, const int64_t *v,
		     uint32_t n, uint32_t before, uint32_t from, const char *hint)
{
	uint32_t o = nxp_op_new(g, ctx, kind, &x, 1, 1, hint, before, &from, 1);
	if (o == NX_NONE)
		return NX_NONE;
	nx_attr_set_ints(g, o, kind == NX_OP_TRANSPOSE ? "perm" : "shape", v, n);
	if (nx_infer_op(g, o, &ctx->err) != 0)
		return NX_NONE;
	return o;
}

/* Reads y (B,N,1,S) back as (B,S,N) in place of op o's result. */
static int back_to_bsn(nx_graph *g, nxp_ctx *ctx, uint32_t o, uint32_t y)
{
	const nx_type *ty = nx_vtype(g, y);
	int64_t bns[3] = {ty->dims[0], ty->dims[1], ty->dims[3]};
	uint32_t r = view(g, ctx, NX_OP_RESHAPE, y, bns, 3, o, o, "ne_bns");
	if (r == NX_NONE)
		return -1;
	uint32_t t = view(g, ctx, NX_OP_TRANSPOSE, nx_result(g, r, 0), swap12, 3, o, o, "ne_bsn");
	if (t == NX_NONE)
		return -1;
	nxp_replace_op_by(g, o, t);
	return 0;
}

/* matmul(x (B,S,C), W const f32 (C,N)) -> conv 1x1 on (B,C,1,S). */
static int linear(nx_graph *g, nxp_ctx *ctx, uint32_t o, uint32_t first_new)
{
	uint32_t x = nx_operand(g, o, 0), w = nx_operand(g, o, 1);
	const nx_type *tx = nx_vtype(g, x);
	if (tx->rank != 3 || tx->dtype != NX_F32 || !nx_is_const(g, w))
		return 0;
	nx_blob *wb = nx_const_blob(g, w);
	if (wb->type.rank != 2 || wb->type.dtype != NX_F32 || wb->type.dims[0] != tx->dims[2])
		return 0;
	const float *wd = nx_blob_data(wb);
	if (!wd || !nxp_rewrite(ctx, o))
		return 0;
	int64_t b = tx->dims[0], s = tx->dims[1], c = tx->dims[2], n = wb->type.dims[1];
	uint32_t in = behind(g, x, first_new);
	if (in != NX_NONE) {
		nxp_stat_add(ctx, "transpose pairs cancelled", 1);
	} else {
		int64_t bc1s[4] = {b, c, 1, s};
		uint32_t t = view(g, ctx, NX_OP_TRANSPOSE, x, swap12, 3, o, o, "ne_bcs");
		uint32_t r = t == NX_NONE ? NX_NONE :
			     view(g, ctx, NX_OP_RESHAPE, nx_result(g, t, 0), bc1s, 4, o, o, "ne_bc1s");
		if (r == NX_NONE)
			return -1;
		in = nx_result(g, r, 0);
		nxp_stat_add(ctx, "transposes inserted", 2);
	}
	/* W (C,N) -> W^T as conv weights (N,C,1,1) */
	float *wt = nx_xmalloc((size_t)(n * c) * sizeof *wt);
	for (int64_t i = 0; i < c; i++)
		for (int64_t j = 0; j < n; j++)
			wt[j * c + i] = wd[i * n + j];
	int64_t wdims[4] = {n, c, 1, 1};
	nx_type wtt = nx_type_make(NX_F32, 4, wdims);
	char hint[200];
	snprintf(hint, sizeof hint, "%s.conv_w", nx_vname(g, w));
	uint32_t wv = nx_const_new(g, NULL, nx_blob_new_data(&wtt, wt), NULL);
	nx_value_rename(g, wv, nx_cstr(g, nx_fresh_name(g, hint)), NULL);
	uint32_t ops[2] = {in, wv};
	uint32_t cv = nxp_op_new(g, ctx, NX_OP_CONV, ops, 2, 1, "ne_linear", o, &o, 1);
	if (cv == NX_NONE)
		return -1;
	nxp_copy_act(g, cv, o);
	if (nx_infer_op(g, cv, &ctx->err) != 0)
		return -1;
	nxp_remark(ctx, "%%%s (matmul %lldx%lld) runs as a 1x1 conv on (%lld,%lld,1,%lld)",
		   nx_vname(g, nx_result(g, o, 0)), (long long)c, (long long)n, (long long)b,
		   (long long)c, (long long)s);
	nxp_stat_add(ctx, "linear layers as 1x1 convs", 1);
	return back_to_bsn(g, ctx, o, nx_result(g, cv, 0)) == 0 ? 1 : -1;
}

/* Operand v of an elementwise op moving to (B,N,1,S): a scalar as is, a
 * constant vector along N as (1,N,1,1); else NX_NONE (the op stays). */
static uint32_t channel_operand(nx_graph *g, uint32_t v, int64_t nch)
{
	const nx_type *t = nx_vtype(g, v);
	int64_t numel = nx_type_numel(t);
	if (numel == 1)
		return v;
	if (!nx_is_const(g, v) || numel != nch || t->dims[t->rank - 1] != nch)
		return NX_NONE;
	nx_blob *b = nx_const_blob(g, v);
	if (!nx_blob_data(b))
		return NX_NONE;
	int64_t d[4] = {1, nch, 1, 1};
	nx_type ct = nx_type_make(b->type.dtype, 4, d);
	uint32_t c = nx_const_new(g, NULL, nx_blob_new_copy(&ct, nx_blob_data(b)), NULL);
	char hint[200];
	snprintf(hint, sizeof hint, "%s.nchw", nx_vname(g, v));
	nx_value_rename(g, c, nx_cstr(g, nx_fresh_name(g, hint)), NULL);
	return c;
}

/* elementwise(transpose(reshape(y)), ...) -> transpose(reshape(op(y, ...))) */
static int elementwise(nx_graph *g, nxp_ctx *ctx, uint32_t o, uint32_t first_new)
{
	const nx_op *p = nx_opp(g, o);
	if (!(nx_ops[p->kind].flags & NX_F_ELEMWISE) || p->n_out != 1 || p->n_in > 8)
		return 0;
	const nx_type *rt = nx_vtype(g, nx_result(g, o, 0));
	if (rt->rank != 3)
		return 0;
	int64_t nch = rt->dims[2];
	uint32_t n_in = p->n_in, in[8];
	bool any = false;
	for (uint32_t i = 0; i < n_in; i++) {
		uint32_t v = nx_operand(g, o, i);
		uint32_t y = v == NX_NONE ? NX_NONE : behind(g, v, first_new);
		in[i] = y;
		any |= y != NX_NONE;
		if (y == NX_NONE && v != NX_NONE) {
			const nx_type *t = nx_vtype(g, v);
			bool ok = nx_type_numel(t) == 1 ||
				  (nx_is_const(g, v) && nx_type_numel(t) == nch &&
				   t->dims[t->rank - 1] == nch);
			if (!ok)
				return 0;
		}
	}
	if (!any || !nxp_rewrite(ctx, o))
		return 0;
	for (uint32_t i = 0; i < n_in; i++) {
		uint32_t v = nx_operand(g, o, i);
		if (in[i] == NX_NONE && v != NX_NONE)
			in[i] = channel_operand(g, v, nch);
	}
	uint32_t e = nxp_op_new(g, ctx, g->ops[o].kind, in, n_in, 1, "ne_elem", o, &o, 1);
	if (e == NX_NONE)
		return -1;
	nx_attr_copy_all(g, e, g, o);
	if (nx_infer_op(g, e, &ctx->err) != 0)
		return -1;
	nxp_stat_add(ctx, "elementwise ops moved behind transposes", 1);
	return back_to_bsn(g, ctx, o, nx_result(g, e, 0)) == 0 ? 1 : -1;
}

int nxp_ne_linears(nx_graph *g, nxp_ctx *ctx, const nx_target *t)
{
	uint32_t first_new = g->n_ops, k = 0;
	uint32_t *order = nx_xmalloc((size_t)(g->n_ops + 1) * sizeof *order);
	NX_FOR_OPS(g, o)
		order[k++] = o;
	int rc = 0;
	for (uint32_t i = 0; i < k && !ctx->stopped && rc >= 0; i++) {
		uint32_t o = order[i];
		if ((g->ops[o].flags & NX_O_DEAD) || nx_target_on_cpu(g, o, t))
			continue;
		if (g->ops[o].kind == NX_OP_MATMUL)
			rc = linear(g, ctx, o, first_new);
		else
			rc = elementwise(g, ctx, o, first_new);
	}
	free(order);
	return rc < 0 ? -1 : 0;
}
