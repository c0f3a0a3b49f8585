/* fold_qdq.c — QDQ models (QuantizeLinear / DequantizeLinear around float
 * ops, as onnxruntime's quantizer writes them) into nex's int8 weights, the
 * form quantize-int8 makes (an i8 weight and attr w_scale, one scale per
 * output channel), so that the sim costs them as a quantized model. Two
 * rewrites:
 *
 *  - weights: a conv, gemm or matmul whose weight (operand 1) is
 *    dequantize_linear(q, scale, zero_point?) of constants, with q i8 or u8,
 *    the scale per tensor or per the op's output-channel axis (conv W axis
 *    0, gemm N, matmul the last axis of a 2-D W) and every q - zero_point
 *    inside i8, takes the i8 constant q - zero_point and w_scale = scale.
 *    Exact: the interpreter's W = Wq * scale[c] is the dequantized weight.
 *  - activations: dequantize_linear(quantize_linear(x, s, z), s, z) with the
 *    same constant scale, zero point and axis is replaced by x. This drops
 *    the rounding the pair simulates (at most s/2 per element, plus the
 *    clipping to the integer range): nex's int8 ops keep float activations
 *    (the NE runs them in fp16; NE-MODEL.md §1: int8 saves bytes, not
 *    cycles, before A17/M4), so the error is the quantization error the
 *    model was trained to tolerate.
 *
 * A pass and not an import option: the fold is a step of its own in the
 * history, with a diff, remarks and a numeric check against the QDQ graph
 * (which the importer keeps faithful), and it can be toggled in a pipeline.
 * It must run before fold-constants, which would turn a dequantized
 * constant weight into a float one: `fold-qdq,default`.
 * Left alone, with a remark: u8 weights whose zero point leaves q - zp
 * outside i8, scales on another axis, conv_transpose weights, pairs whose
 * scales differ or are not constant. One fold = one rewrite.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nxp.h"

static bool is_kind(const nx_graph *g, uint32_t v, int kind)
{
	uint32_t p = nx_val(g, v)->producer;
	return p != NX_NONE && nx_opp(g, p)->kind == kind;
}

static bool const_or_none(const nx_graph *g, uint32_t o, uint32_t i)
{
	return i >= nx_opp(g, o)->n_in || nx_operand(g, o, i) == NX_NONE ||
	       nx_is_const(g, nx_operand(g, o, i));
}

/* Operand i of o as a tensor (zero-filled default when absent). */
static nx_tensor const_tensor(const nx_graph *g, uint32_t o, uint32_t i)
{
	nx_tensor t = {0};
	if (i < nx_opp(g, o)->n_in && nx_operand(g, o, i) != NX_NONE) {
		nx_blob *b = nx_const_blob(g, nx_operand(g, o, i));
		t.type = b->type;
		t.data = (void *)nx_blob_data(b);
	}
	return t;
}

/* The output-channel axis of op's weight type w, or -1 if nex has no
 * per-channel form for op. */
static int chan_axis(const nx_graph *g, uint32_t op, const nx_type *w)
{
	switch (nx_opp(g, op)->kind) {
	case NX_OP_CONV:
		return w->rank >= 3 ? 0 : -1;
	case NX_OP_GEMM:
		return w->rank == 2 ? (nx_attr_i(g, op, "transB", 0) ? 0 : 1) : -1;
	case NX_OP_MATMUL:
		return w->rank == 2 ? 1 : -1;
	default:
		return -1;
	}
}

/* Erases op o (its results unused) and the constants only it read. */
static void erase_with_consts(nx_graph *g, uint32_t o, nxp_ctx *ctx, const char *why)
{
	uint32_t in[3] = {NX_NONE, NX_NONE, NX_NONE}, n = nx_opp(g, o)->n_in;
	for (uint32_t i = 0; i < n && i < 3; i++)
		in[i] = nx_operand(g, o, i);
	nxp_drop_origin(ctx, g, o, why);
	nx_op_erase(g, o);
	for (uint32_t i = 0; i < 3; i++) {
		bool seen = false; /* one constant may fill two slots (scale of Q and DQ) */
		for (uint32_t j = 0; j < i; j++)
			seen |= in[j] == in[i];
		if (!seen && in[i] != NX_NONE && nx_is_const(g, in[i]) &&
		    !nx_value_nuses(g, in[i]) && !nx_value_is_output(g, in[i]))
			nx_value_erase(g, in[i]);
	}
}

/* 1 folded, 0 left alone (with a remark when it was a near miss), -1 error. */
static int fold_weight(nx_graph *g, uint32_t op, nxp_ctx *ctx)
{
	const nx_op *p = nx_opp(g, op);
	if (p->n_in < 2 || nx_attr_get(g, op, "w_scale") ||
	    !nx_dtype_is_float(nx_vtype(g, nx_operand(g, op, 0))->dtype))
		return 0;
	uint32_t w = nx_operand(g, op, 1);
	if (!is_kind(g, w, NX_OP_DEQUANTIZE_LINEAR))
		return 0;
	uint32_t dq = nx_val(g, w)->producer;
	if (!const_or_none(g, dq, 0) || !const_or_none(g, dq, 1) || !const_or_none(g, dq, 2))
		return 0;
	const char *why = NULL;
	nx_tensor q = const_tensor(g, dq, 0), s = const_tensor(g, dq, 1), z = const_tensor(g, dq, 2);
	const nx_type *wt = &q.type;
	int axis = chan_axis(g, op, wt);
	int64_t ns = nx_tensor_numel(&s), n = nx_tensor_numel(&q);
	int64_t dqa = nx_attr_i(g, dq, "axis", 1);
	if (dqa < 0)
		dqa += wt->rank;
	if (wt->dtype != NX_I8 && wt->dtype != NX_U8)
		why = "its quantized weight is not i8/u8";
	else if (axis < 0)
		why = "nex keeps per-channel int8 weights for conv, gemm and 2-D matmul only";
	else if (ns != 1 && (dqa != axis || wt->dims[axis] != ns))
		why = "its scales are not per tensor nor per output channel";
	if (why) {
		nxp_remark(ctx, "left %%%s (%s): %s", nx_vname(g, nx_result(g, op, 0)),
			   nx_op_name(g, op), why);
		return 0;
	}
	int64_t nch = wt->dims[axis], inner = 1;
	for (int d = axis + 1; d < wt->rank; d++)
		inner *= wt->dims[d];
	int8_t *v = nx_xmalloc((size_t)n); /* the blob takes it */
	for (int64_t i = 0; i < n; i++) {
		int64_t c = ns == 1 ? 0 : (i / inner) % nch;
		int64_t x = nx_tensor_get_int(&q, i) - (z.data ? nx_tensor_get_int(&z, c) : 0);
		if (x < -128 || x > 127) {
			free(v);
			nxp_remark(ctx, "left %%%s (%s): weight %%%s minus its zero point leaves i8",
				   nx_vname(g, nx_result(g, op, 0)), nx_op_name(g, op),
				   nx_vname(g, w));
			return 0;
		}
		v[i] = (int8_t)x;
	}
	if (!nxp_rewrite(ctx, op)) {
		free(v);
		return 0;
	}
	float *scale = nx_xmalloc((size_t)nch * sizeof *scale); /* freed below */
	for (int64_t c = 0; c < nch; c++)
		scale[c] = (float)nx_tensor_get(&s, ns == 1 ? 0 : c);
	nx_type it = *wt;
	it.dtype = NX_I8;
	it.layout = NX_LAYOUT_PLAIN;
	char hint[256];
	snprintf(hint, sizeof hint, "%s.q", nx_vname(g, w));
	snprintf(hint, sizeof hint, "%s", nx_cstr(g, nx_fresh_name(g, hint)));
	uint32_t qv = nx_const_new(g, hint, nx_blob_new_data(&it, v), NULL);
	nx_op_set_operand(g, op, 1, qv);
	nx_attr_set_floats(g, op, "w_scale", scale, (uint32_t)nch);
	free(scale);
	nx_op_merge_origin(g, op, dq);
	if (nx_infer_op(g, op, &ctx->err))
		return -1;
	nxp_remark(ctx, "folded %%%s (dequantize_linear, %s) into %%%s (%s): i8 weight, "
		   "%lld scale%s", nx_vname(g, w), nx_dtype_name(wt->dtype),
		   nx_vname(g, nx_result(g, op, 0)), nx_op_name(g, op), (long long)nch,
		   nch == 1 ? "" : "s");
	nxp_stat_add(ctx, "weights folded", 1);
	if (!nx_value_nuses(g, w) && !nx_value_is_output(g, w))
		erase_with_consts(g, dq, ctx, "folded into its consumer's int8 weight");
	return 1;
}

/* Constant operands i of a and j of b hold the same values (or both absent). */
static bool same_const(const nx_graph *g, uint32_t a, uint32_t i, uint32_t b, uint32_t j)
{
	nx_tensor x = const_tensor(g, a, i), y = const_tensor(g, b, j);
	if (!x.data || !y.data)
		return !x.data && !y.data;
	int64_t n = nx_tensor_numel(&x);
	if (x.type.dtype != y.type.dtype || n != nx_tensor_numel(&y))
		return false;
	for (int64_t k = 0; k < n; k++)
		if (nx_tensor_get(&x, k) != nx_tensor_get(&y, k))
			return false;
	return true;
}

static int fold_pair(nx_graph *g, uint32_t dq, nxp_ctx *ctx)
{
	uint32_t qv = nx_operand(g, dq, 0);
	if (!is_kind(g, qv, NX_OP_QUANTIZE_LINEAR))
		return 0;
	uint32_t qo = nx_val(g, qv)->producer;
	uint32_t x = nx_operand(g, qo, 0), y = nx_result(g, dq, 0);
	if (nx_is_const(g, x))
		return 0; /* a constant pair is fold-constants' (or the weight rule's) */
	bool ok = const_or_none(g, qo, 1) && const_or_none(g, qo, 2) &&
		  const_or_none(g, dq, 1) && const_or_none(g, dq, 2) &&
		  same_const(g, qo, 1, dq, 1) && same_const(g, qo, 2, dq, 2) &&
		  nx_attr_i(g, qo, "axis", 1) == nx_attr_i(g, dq, "axis", 1) &&
		  nx_vtype(g, x)->dtype == nx_vtype(g, y)->dtype;
	if (!ok) {
		nxp_remark(ctx, "left %%%s: its quantize_linear %%%s has other or non-constant "
			   "scales", nx_vname(g, y), nx_vname(g, qv));
		return 0;
	}
	if (nx_value_is_output(g, y) || !nxp_rewrite(ctx, dq))
		return 0;
	nx_value_replace_uses(g, y, x);
	erase_with_consts(g, dq, ctx, "activation quantize/dequantize pair folded away");
	if (!nx_value_nuses(g, qv) && !nx_value_is_output(g, qv))
		erase_with_consts(g, qo, ctx, "activation quantize/dequantize pair folded away");
	nxp_remark(ctx, "folded the activation pair %%%s -> %%%s away: %%%s reads %%%s",
		   nx_vname(g, qv), nx_vname(g, y), nx_vname(g, y), nx_vname(g, x));
	nxp_stat_add(ctx, "activation pairs folded", 1);
	return 1;
}

static int run(nx_graph *g, nxp_ctx *ctx)
{
	bool acts = nxp_opt_bool(ctx, "activations");
	/* Weights first: a weight's DQ(Q(const)) would otherwise look like an
	 * activation pair. The next op is read before a fold erases anything. */
	for (uint32_t o = g->first, next; o != NX_NONE && !ctx->stopped; o = next) {
		next = g->ops[o].next;
		int k = nx_opp(g, o)->kind;
		if ((k == NX_OP_CONV || k == NX_OP_GEMM || k == NX_OP_MATMUL) &&
		    fold_weight(g, o, ctx) < 0)
			return -1;
	}
	if (!acts)
		return 0;
	for (uint32_t o = g->first, next; o != NX_NONE && !ctx->stopped; o = next) {
		next = g->ops[o].next;
		if (nx_opp(g, o)->kind != NX_OP_DEQUANTIZE_LINEAR)
			continue;
		/* fold_pair may erase the quantize_linear before it, never the op
		 * after, so next stays valid. */
		if (fold_pair(g, o, ctx) < 0)
			return -1;
	}
	return 0;
}

static const nxp_option options[] = {
	{"activations", NXP_BOOL, "true", "also fold quantize/dequantize pairs on activations away"},
	{NULL, 0, NULL, NULL},
};

const nxp_pass nxp_pass_fold_qdq = {
	.name = "fold-qdq",
	.summary = "fold a QDQ model's dequantized i8/u8 weights into nex's int8 weights "
		   "(w_scale) and its activation quantize/dequantize pairs away",
	.options = options,
	.requires = "constant quantized weights; run before fold-constants",
	.invalidates = "ops, weights, attrs",
	.run = run,
};
