/* infer_quant.c — shape inference for QuantizeLinear and DequantizeLinear:
 * the result has X's dims; QuantizeLinear's dtype is the zero point's (u8
 * without one), DequantizeLinear's the scale's. Scale and zero point are
 * one element (per tensor) or [dims[axis]] (per axis), the same shape.
 */
#include "nx_int.h"

/* Scale (operand 1) and zero point (operand 2, optional) fit x per tensor
 * or along axis. */
static int params_ok(const nx_graph *g, uint32_t o, const nx_type *x, nx_err *err)
{
	nx_type s = nx_infer_in(g, o, 1);
	int64_t ns = nx_type_numel(&s);
	if (ns != 1) {
		int axis;
		if (nx_infer_axis(g, o, err, "axis", nx_attr_i(g, o, "axis", 1), x->rank, &axis))
			return -1;
		if (s.rank != 1 || s.dims[0] != x->dims[axis])
			return nx_infer_fail(g, o, err, "scale has %lld elements: one (per tensor) or "
					     "%lld along axis %d (per axis)", (long long)ns,
					     (long long)x->dims[axis], axis);
	}
	if (nx_opp(g, o)->n_in > 2 && nx_operand(g, o, 2) != NX_NONE) {
		nx_type z = nx_infer_in(g, o, 2);
		if (nx_type_numel(&z) != ns)
			return nx_infer_fail(g, o, err, "zero point has %lld elements, scale %lld",
					     (long long)nx_type_numel(&z), (long long)ns);
	}
	return 0;
}

int nx_infer_quantize(nx_graph *g, uint32_t o, nx_err *err)
{
	unsigned q = (1u << NX_I8) | (1u << NX_U8);
	if (nx_infer_dtype_in(g, o, 0, NX_DT_FLOAT | (1u << NX_I32), err) ||
	    nx_infer_dtype_in(g, o, 1, NX_DT_FLOAT, err))
		return -1;
	bool zp = nx_opp(g, o)->n_in > 2 && nx_operand(g, o, 2) != NX_NONE;
	if (zp && nx_infer_dtype_in(g, o, 2, q, err))
		return -1;
	nx_type x = nx_infer_in(g, o, 0);
	if (params_ok(g, o, &x, err))
		return -1;
	x.dtype = zp ? nx_infer_in(g, o, 2).dtype : NX_U8;
	return nx_infer_set(g, o, 0, &x, err);
}

int nx_infer_dequantize(nx_graph *g, uint32_t o, nx_err *err)
{
	unsigned q = (1u << NX_I8) | (1u << NX_U8) | (1u << NX_I32);
	if (nx_infer_dtype_in(g, o, 0, q, err) || nx_infer_dtype_in(g, o, 1, NX_DT_FLOAT, err))
		return -1;
	if (nx_opp(g, o)->n_in > 2 && nx_operand(g, o, 2) != NX_NONE &&
	    nx_infer_same_dtype(g, o, 0, 2, err))
		return -1;
	nx_type x = nx_infer_in(g, o, 0);
	if (params_ok(g, o, &x, err))
		return -1;
	x.dtype = nx_infer_in(g, o, 1).dtype;
	return nx_infer_set(g, o, 0, &x, err);
}

/* DynamicQuantizeLinear: y u8 with X's dims, scale f32 and zero point u8
 * as scalars. */
int nx_infer_dynamic_quantize(nx_graph *g, uint32_t o, nx_err *err)
{
	if (nx_infer_dtype_in(g, o, 0, 1u << NX_F32, err))
		return -1;
	nx_type x = nx_infer_in(g, o, 0);
	x.dtype = NX_U8;
	nx_type s = nx_type_make(NX_F32, 0, NULL), z = nx_type_make(NX_U8, 0, NULL);
	if (nx_infer_set(g, o, 0, &x, err) || nx_infer_set(g, o, 1, &s, err))
		return -1;
	return nx_infer_set(g, o, 2, &z, err);
}
