/* infer_elem.c — shape inference for pointwise ops: unary ops and softmax
 * (result = operand), numpy-broadcasting binary and variadic ops, Pow (base
 * and exponent may differ in dtype), PRelu (slope broadcasts to the input
 * only), and Cast. nx_broadcast is the numpy rule that Expand, MatMul's batch
 * dims and Gemm's C reuse. Dtype sets follow the ONNX type constraints,
 * restricted to nex's dtypes.
 */
#include <string.h>

#include "nx_int.h"

int nx_broadcast(const nx_type *a, const nx_type *b, nx_type *out, nx_err *err)
{
	nx_type r;
	memset(&r, 0, sizeof r);
	r.dtype = a->dtype;
	r.rank = a->rank > b->rank ? a->rank : b->rank;
	for (int i = 0; i < r.rank; i++) {
		/* Align from the right; a missing leading dim acts as 1. */
		int ia = i - (r.rank - a->rank), ib = i - (r.rank - b->rank);
		int64_t da = ia >= 0 ? a->dims[ia] : 1, db = ib >= 0 ? b->dims[ib] : 1;
		if (da != db && da != 1 && db != 1) {
			char sa[160], sb[160];
			nx_err_set(err, "cannot broadcast %s with %s (dim %d: %lld vs %lld)",
				   nx_infer_tstr(a, sa, sizeof sa), nx_infer_tstr(b, sb, sizeof sb),
				   i, (long long)da, (long long)db);
			return -1;
		}
		r.dims[i] = da == 1 ? db : da;
	}
	*out = r;
	return 0;
}

/* nx_broadcast with the op's prefix on the message. */
static int broadcast_op(const nx_graph *g, uint32_t o, const nx_type *a, const nx_type *b,
			nx_type *out, nx_err *err)
{
	nx_err tmp;
	if (!nx_broadcast(a, b, out, &tmp))
		return 0;
	return nx_infer_fail(g, o, err, "%s", tmp.msg);
}

static unsigned same_dtypes(int kind)
{
	switch (kind) {
	case NX_OP_IDENTITY:
		return NX_DT_ALL;
	case NX_OP_NEG:
	case NX_OP_RELU:
		return NX_DT_FLOAT | NX_DT_SINT;
	case NX_OP_ABS:
	case NX_OP_ERF:
	case NX_OP_CLIP:
		return NX_DT_NUM;
	default: /* transcendental ops, activations, softmax */
		return NX_DT_FLOAT;
	}
}

int nx_infer_same(nx_graph *g, uint32_t o, nx_err *err)
{
	int kind = nx_opp(g, o)->kind;
	if (nx_infer_dtype_in(g, o, 0, same_dtypes(kind), err))
		return -1;
	nx_type t = nx_infer_in(g, o, 0);
	if (kind == NX_OP_SOFTMAX || kind == NX_OP_LOG_SOFTMAX || kind == NX_OP_HARDMAX) {
		int axis;
		if (nx_infer_axis(g, o, err, "axis", nx_attr_i(g, o, "axis", -1), t.rank, &axis))
			return -1;
	}
	if (kind == NX_OP_GELU) {
		const char *ap = nx_attr_s(g, o, "approximate", "none");
		if (strcmp(ap, "none") && strcmp(ap, "tanh"))
			return nx_infer_fail(g, o, err, "approximate=\"%s\" "
					     "(expected \"none\" or \"tanh\")", ap);
	}
	return nx_infer_set(g, o, 0, &t, err);
}

int nx_infer_bcast(nx_graph *g, uint32_t o, nx_err *err)
{
	uint32_t n = nx_opp(g, o)->n_in;
	if (nx_infer_dtype_in(g, o, 0, NX_DT_NUM, err))
		return -1;
	nx_type r = nx_infer_in(g, o, 0);
	for (uint32_t i = 1; i < n; i++) {
		if (nx_infer_same_dtype(g, o, 0, i, err))
			return -1;
		nx_type b = nx_infer_in(g, o, i);
		if (broadcast_op(g, o, &r, &b, &r, err))
			return -1;
	}
	return nx_infer_set(g, o, 0, &r, err);
}

int nx_infer_pow(nx_graph *g, uint32_t o, nx_err *err)
{
	unsigned base = NX_DT_FLOAT | (1u << NX_I32) | (1u << NX_I64);
	if (nx_infer_dtype_in(g, o, 0, base, err) || nx_infer_dtype_in(g, o, 1, NX_DT_NUM, err))
		return -1;
	nx_type a = nx_infer_in(g, o, 0), b = nx_infer_in(g, o, 1), r;
	if (broadcast_op(g, o, &a, &b, &r, err))
		return -1;
	r.dtype = a.dtype; /* the base's, whatever the exponent's */
	return nx_infer_set(g, o, 0, &r, err);
}

int nx_infer_prelu(nx_graph *g, uint32_t o, nx_err *err)
{
	unsigned ok = NX_DT_FLOAT | (1u << NX_I32) | (1u << NX_I64);
	if (nx_infer_dtype_in(g, o, 0, ok, err) || nx_infer_same_dtype(g, o, 0, 1, err))
		return -1;
	nx_type x = nx_infer_in(g, o, 0), s = nx_infer_in(g, o, 1), r;
	/* Unidirectional: the slope stretches to X, never X to the slope. */
	if (broadcast_op(g, o, &x, &s, &r, err))
		return -1;
	if (r.rank != x.rank || memcmp(r.dims, x.dims, (size_t)x.rank * sizeof x.dims[0])) {
		char sx[160], ss[160];
		return nx_infer_fail(g, o, err, "slope %s does not broadcast to input %s",
				     nx_infer_tstr(&s, ss, sizeof ss),
				     nx_infer_tstr(&x, sx, sizeof sx));
	}
	return nx_infer_set(g, o, 0, &x, err);
}

int nx_infer_cast(nx_graph *g, uint32_t o, nx_err *err)
{
	const char *to = nx_attr_s(g, o, "to", "");
	int dt = nx_dtype_parse(to, strlen(to));
	if (dt < 0)
		return nx_infer_fail(g, o, err, "to=\"%s\" is not a dtype "
				     "(f32, f16, bf16, i8, u8, i32, i64, bool)", to);
	nx_type t = nx_infer_in(g, o, 0);
	t.dtype = (uint8_t)dt;
	return nx_infer_set(g, o, 0, &t, err);
}
