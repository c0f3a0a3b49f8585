/* infer_qconv.c — shape inference for ConvInteger and QLinearConv: the
 * window and channel rules of conv (nx_infer_conv_shape), on i8/u8 input
 * and weights. Zero points and scales of the input and output are per
 * tensor; those of the weights per tensor or one per output channel ([M]).
 * Operands, in ONNX's order:
 *   conv_integer (x, w, x_zero_point?, w_zero_point?)           -> i32
 *   qlinear_conv (x, x_scale, x_zero_point, w, w_scale, w_zero_point,
 *                 y_scale, y_zero_point, B?)    -> y_zero_point's dtype
 * QLinearConv's bias B is i32 [M], already in the scale x_scale * w_scale.
 */
#include "nx_int.h"

#define Q8 ((1u << NX_I8) | (1u << NX_U8))

static bool present(const nx_graph *g, uint32_t o, uint32_t i)
{
	return i < nx_opp(g, o)->n_in && nx_operand(g, o, i) != NX_NONE;
}

/* Operand i (absent: fine) holds one element, or m of them (per output
 * channel) when m > 0. */
static int param_ok(const nx_graph *g, uint32_t o, uint32_t i, const char *what, int64_t m,
		    nx_err *err)
{
	if (!present(g, o, i))
		return 0;
	nx_type t = nx_infer_in(g, o, i);
	int64_t n = nx_type_numel(&t);
	if (n == 1 && t.rank <= 1)
		return 0;
	if (m > 0 && t.rank == 1 && n == m)
		return 0;
	char tb[96];
	return nx_infer_fail(g, o, err, "%s is %s: expected one element (per tensor)%s", what,
			     nx_infer_tstr(&t, tb, sizeof tb),
			     m > 0 ? " or one per output channel" : "");
}

/* The zero point at operand zi (if present) has the dtype of operand di. */
static int zp_dtype(const nx_graph *g, uint32_t o, uint32_t zi, uint32_t di, nx_err *err)
{
	return present(g, o, zi) ? nx_infer_same_dtype(g, o, di, zi, err) : 0;
}

int nx_infer_conv_integer(nx_graph *g, uint32_t o, nx_err *err)
{
	nx_type r;
	if (nx_infer_dtype_in(g, o, 0, Q8, err) || nx_infer_dtype_in(g, o, 1, Q8, err) ||
	    nx_infer_conv_shape(g, o, 0, 1, &r, err) || zp_dtype(g, o, 2, 0, err) ||
	    zp_dtype(g, o, 3, 1, err) || param_ok(g, o, 2, "x_zero_point", 0, err) ||
	    param_ok(g, o, 3, "w_zero_point", r.dims[1], err))
		return -1;
	r.dtype = NX_I32;
	return nx_infer_set(g, o, 0, &r, err);
}

int nx_infer_qlinear_conv(nx_graph *g, uint32_t o, nx_err *err)
{
	nx_type r;
	if (nx_infer_dtype_in(g, o, 0, Q8, err) || nx_infer_dtype_in(g, o, 3, Q8, err) ||
	    nx_infer_dtype_in(g, o, 7, Q8, err) || nx_infer_conv_shape(g, o, 0, 3, &r, err) ||
	    zp_dtype(g, o, 2, 0, err) || zp_dtype(g, o, 5, 3, err))
		return -1;
	static const uint32_t scales[] = {1, 4, 6};
	for (int i = 0; i < 3; i++)
		if (nx_infer_dtype_in(g, o, scales[i], 1u << NX_F32, err))
			return -1;
	int64_t m = r.dims[1];
	if (param_ok(g, o, 1, "x_scale", 0, err) || param_ok(g, o, 2, "x_zero_point", 0, err) ||
	    param_ok(g, o, 4, "w_scale", m, err) || param_ok(g, o, 5, "w_zero_point", m, err) ||
	    param_ok(g, o, 6, "y_scale", 0, err) || param_ok(g, o, 7, "y_zero_point", 0, err))
		return -1;
	if (present(g, o, 8)) {
		nx_type b = nx_infer_in(g, o, 8);
		char bb[96];
		if (b.dtype != NX_I32 || b.rank != 1 || b.dims[0] != m)
			return nx_infer_fail(g, o, err, "bias is %s, expected i32[%lld] (one per "
					     "output channel)", nx_infer_tstr(&b, bb, sizeof bb),
					     (long long)m);
	}
	r.dtype = nx_infer_in(g, o, 7).dtype;
	return nx_infer_set(g, o, 0, &r, err);
}
