/* kern_range.c — the range op (ONNX Range): start, start+delta, ... while
 * below limit (above it for a negative delta). Its length depends on operand
 * values, which a static-shape IR can only hold as part of the result type,
 * so this file keeps the one rule for that length (nx_range_count) that
 * inference, the kernel and the ONNX importer's zero-length case all use.
 *
 * Inference: with constant operands the length is computed; otherwise the
 * result keeps the type it was given (declared in .nex text, or from the
 * ONNX model's value_info), and the kernel refuses operands that would give
 * another length. Integers are computed exactly in int64, floats in double.
 */
#include <math.h>

#include "nx_int.h"

#define DT_RANGE (NX_DT_FLOAT | (1u << NX_I32) | (1u << NX_I64))

int nx_range_count(const nx_tensor *start, const nx_tensor *limit, const nx_tensor *delta,
		   int64_t *n, nx_err *err)
{
	if (!nx_dtype_is_float(start->type.dtype)) {
		int64_t a = nx_tensor_get_int(start, 0), b = nx_tensor_get_int(limit, 0);
		int64_t d = nx_tensor_get_int(delta, 0);
		if (d == 0) {
			nx_err_set(err, "delta is 0");
			return -1;
		}
		/* ceil((b - a) / d) without overflow: the distance in uint64. */
		if ((d > 0 && b <= a) || (d < 0 && b >= a)) {
			*n = 0;
			return 0;
		}
		uint64_t dist = d > 0 ? (uint64_t)b - (uint64_t)a : (uint64_t)a - (uint64_t)b;
		uint64_t step = d > 0 ? (uint64_t)d : 0 - (uint64_t)d;
		uint64_t c = dist / step + (dist % step != 0);
		if (c > (uint64_t)INT64_MAX) {
			nx_err_set(err, "gives more than 2^63 elements");
			return -1;
		}
		*n = (int64_t)c;
		return 0;
	}
	double a = nx_tensor_get(start, 0), b = nx_tensor_get(limit, 0);
	double d = nx_tensor_get(delta, 0);
	if (d == 0) {
		nx_err_set(err, "delta is 0");
		return -1;
	}
	double c = ceil((b - a) / d);
	if (!(c >= 0)) /* negative, or NaN from infinite bounds */
		c = 0;
	if (c > 9.2e18) {
		nx_err_set(err, "gives more than 2^63 elements");
		return -1;
	}
	*n = (int64_t)c;
	return 0;
}

/* Operand i as a tensor over its constant's data, if it is a constant. */
static bool const_operand(const nx_graph *g, uint32_t o, uint32_t i, nx_tensor *t)
{
	uint32_t v = nx_operand(g, o, i);
	if (v == NX_NONE || !nx_is_const(g, v))
		return false;
	t->type = *nx_vtype(g, v);
	t->data = (void *)nx_blob_data(nx_const_blob(g, v)); /* read only */
	return true;
}

int nx_infer_range(nx_graph *g, uint32_t o, nx_err *err)
{
	static const char *const what[3] = {"start", "limit", "delta"};
	for (uint32_t i = 0; i < 3; i++) {
		if (nx_infer_dtype_in(g, o, i, DT_RANGE, err))
			return -1;
		nx_type t = nx_infer_in(g, o, i);
		if (nx_type_numel(&t) != 1)
			return nx_infer_fail(g, o, err, "%s must be a scalar (one element)", what[i]);
	}
	if (nx_infer_same_dtype(g, o, 0, 1, err) || nx_infer_same_dtype(g, o, 0, 2, err))
		return -1;
	int dt = nx_infer_in(g, o, 0).dtype;
	nx_tensor s, l, d;
	if (const_operand(g, o, 0, &s) && const_operand(g, o, 1, &l) &&
	    const_operand(g, o, 2, &d)) {
		int64_t n;
		nx_err why;
		if (nx_range_count(&s, &l, &d, &n, &why))
			return nx_infer_fail(g, o, err, "%s", why.msg);
		if (n == 0)
			return nx_infer_fail(g, o, err, "start, limit and delta give no elements, and "
					     "nex has no zero-element tensors");
		nx_type r = nx_type_make(dt, 1, &n);
		return nx_infer_set(g, o, 0, &r, err);
	}
	/* Run-time operands: the length is what the result was declared. */
	const nx_type *have = nx_vtype(g, nx_result(g, o, 0));
	if (have->dtype == dt && have->rank == 1 && have->dims[0] >= 1)
		return 0;
	return nx_infer_fail(g, o, err, "start, limit and delta are not all constants, so the "
			     "length is unknown: declare the result as %s[N]", nx_dtype_name(dt));
}

int nx_kern_range(nx_kern *k)
{
	const nx_tensor *s = &k->in[0], *l = &k->in[1], *d = &k->in[2];
	nx_tensor *y = &k->out[0];
	int64_t n;
	nx_err why;
	if (nx_range_count(s, l, d, &n, &why))
		return nx_kern_fail(k, "%s", why.msg);
	if (n != nx_tensor_numel(y))
		return nx_kern_fail(k, "start, limit and delta give %lld elements, the result "
				    "holds %lld", (long long)n, (long long)nx_tensor_numel(y));
	if (nx_dtype_is_float(y->type.dtype)) {
		double a = nx_tensor_get(s, 0), st = nx_tensor_get(d, 0);
		for (int64_t i = 0; i < n; i++)
			nx_tensor_set(y, i, a + (double)i * st);
	} else {
		/* Wrapping arithmetic in uint64: every element lies between
		 * start and limit, so no element itself overflows. */
		uint64_t a = (uint64_t)nx_tensor_get_int(s, 0), st = (uint64_t)nx_tensor_get_int(d, 0);
		for (int64_t i = 0; i < n; i++)
			nx_tensor_set_int(y, i, (int64_t)(a + (uint64_t)i * st));
	}
	return 0;
}
