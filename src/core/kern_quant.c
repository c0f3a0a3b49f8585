/* kern_quant.c — QuantizeLinear and DequantizeLinear, per tensor or per
 * axis: q = saturate(round_half_even(x / scale) + zero_point) to the
 * result's integer range, x = (q - zero_point) * scale. The quotient in
 * f32 (as ONNX's reference computes it), the rest in double; rint rounds
 * half to even in the default rounding mode, as ONNX asks.
 */
#include <math.h>

#include "nx_int.h"

int nx_kern_quantize(nx_kern *k)
{
	const nx_tensor *x = &k->in[0], *s = &k->in[1];
	const nx_tensor *z = k->n_in > 2 && k->in[2].data ? &k->in[2] : NULL;
	nx_tensor *y = &k->out[0];
	bool quant = nx_opp(k->g, k->op)->kind == NX_OP_QUANTIZE_LINEAR;
	const nx_type *t = &x->type;
	int64_t n = nx_tensor_numel(x), ns = nx_tensor_numel(s), inner = 1;
	if (n != nx_tensor_numel(y) || (z && nx_tensor_numel(z) != ns))
		return nx_kern_fail(k, "operands do not match the result type");
	if (ns != 1) {
		int64_t axis = nx_attr_i(k->g, k->op, "axis", 1);
		if (axis < 0)
			axis += t->rank;
		if (axis < 0 || axis >= t->rank || t->dims[axis] != ns)
			return nx_kern_fail(k, "scale of %lld does not fit axis %lld", (long long)ns,
					    (long long)axis);
		for (int d = (int)axis + 1; d < t->rank; d++)
			inner *= t->dims[d];
	}
	double lo = y->type.dtype == NX_I8 ? -128 : 0, hi = y->type.dtype == NX_I8 ? 127 : 255;
	for (int64_t i = 0; i < n; i++) {
		int64_t c = ns == 1 ? 0 : (i / inner) % ns;
		double sc = nx_tensor_get(s, c), zp = z ? nx_tensor_get(z, c) : 0;
		if (quant) {
			/* the division in f32, as the ONNX reference and onnxruntime
			 * do it: in double, a quotient just under .5 can round the
			 * other way */
			double q = rint((float)nx_tensor_get(x, i) / (float)sc) + zp;
			q = q < lo ? lo : q > hi ? hi : q; /* NaN: 0 after the set */
			nx_tensor_set(y, i, isnan(q) ? 0 : q);
		} else {
			nx_tensor_set(y, i, (nx_tensor_get(x, i) - zp) * sc);
		}
	}
	return 0;
}

/* DynamicQuantizeLinear: the u8 range over [min(0, min x), max(0, max x)]:
 * scale = range / 255, zero point = saturate(round(-min / scale)), then
 * QuantizeLinear with them (the ONNX definition). */
int nx_kern_dynamic_quantize(nx_kern *k)
{
	const nx_tensor *x = &k->in[0];
	int64_t n = nx_tensor_numel(x);
	if (x->type.dtype != NX_F32 || k->n_out != 3 || nx_tensor_numel(&k->out[0]) != n)
		return nx_kern_fail(k, "operand does not match the result types");
	const float *px = x->data;
	float lo = 0, hi = 0;
	for (int64_t i = 0; i < n; i++) {
		lo = px[i] < lo ? px[i] : lo;
		hi = px[i] > hi ? px[i] : hi;
	}
	float scale = (hi - lo) / 255.0f;
	float zpf = scale != 0 ? rintf(-lo / scale) : 0;
	zpf = zpf < 0 ? 0 : zpf > 255 ? 255 : zpf;
	uint8_t *y = k->out[0].data;
	for (int64_t i = 0; i < n; i++) {
		float q = scale != 0 ? rintf(px[i] / scale) + zpf : zpf;
		y[i] = (uint8_t)(q < 0 ? 0 : q > 255 ? 255 : q);
	}
	*(float *)k->out[1].data = scale;
	*(uint8_t *)k->out[2].data = (uint8_t)zpf;
	return 0;
}
