/* kern_window.c — the window ops (ONNX HannWindow, HammingWindow,
 * BlackmanWindow, opset 17): a cosine-sum window of `size` points,
 *   w[n] = a0 - a1 cos(2 pi n / N) + a2 cos(4 pi n / N),
 * N = size when periodic (the default: the window of an FFT frame), size - 1
 * when symmetric; a symmetric window of size 1 is [1] (its N of 0 has no
 * meaning), a periodic one the formula's w[0] = a0 - a1 + a2.
 * Coefficients: Hann 0.5/0.5/0, Hamming 25/46, 21/46, 0 (ONNX's exact ones),
 * Blackman 0.42/0.5/0.08. Computed in double, stored in the result dtype.
 *
 * The length is the size operand's value, which a static-shape IR can only
 * hold as part of the result type (as kern_range.c does for Range): with a
 * constant size inference computes it; otherwise the result keeps the type
 * it was declared (the ONNX model's value_info or output), and the kernel
 * refuses a size that would give another length. Attribute `dtype` (ONNX's
 * output_datatype) gives the dtype when inference computes the length.
 */
#include <math.h>

#include "nx_int.h"

/* pi to double precision (PI is not C11) */
#define PI 3.14159265358979323846

static void coeffs(int kind, double *a0, double *a1, double *a2)
{
	*a2 = 0;
	switch (kind) {
	case NX_OP_HANN_WINDOW: *a0 = 0.5; *a1 = 0.5; break;
	case NX_OP_HAMMING_WINDOW: *a0 = 25.0 / 46.0; *a1 = 21.0 / 46.0; break;
	default: *a0 = 0.42; *a1 = 0.5; *a2 = 0.08; break; /* blackman */
	}
}

int nx_infer_window(nx_graph *g, uint32_t o, nx_err *err)
{
	if (nx_infer_dtype_in(g, o, 0, (1u << NX_I32) | (1u << NX_I64), err))
		return -1;
	nx_type s = nx_infer_in(g, o, 0);
	if (nx_type_numel(&s) != 1)
		return nx_infer_fail(g, o, err, "size must be a scalar (one element)");
	int dt = nx_infer_float_dtype_attr(g, o, err);
	if (dt < 0)
		return -1;
	uint32_t v = nx_operand(g, o, 0);
	if (nx_is_const(g, v)) {
		nx_tensor t = {*nx_vtype(g, v), (void *)nx_blob_data(nx_const_blob(g, v))};
		int64_t n = nx_tensor_get_int(&t, 0);
		if (n < 1)
			return nx_infer_fail(g, o, err, "size is %lld; nex has no zero-element "
					     "tensors", (long long)n);
		nx_type r = nx_type_make(dt, 1, &n);
		return nx_infer_set(g, o, 0, &r, err);
	}
	/* A run-time size: the length is what the result was declared. */
	const nx_type *have = nx_vtype(g, nx_result(g, o, 0));
	if (have->dtype == dt && have->rank == 1 && have->dims[0] >= 1)
		return 0;
	return nx_infer_fail(g, o, err, "size is not a constant, so the length is unknown: "
			     "declare the result as %s[N]", nx_dtype_name(dt));
}

int nx_kern_window(nx_kern *k)
{
	nx_tensor *y = &k->out[0];
	int64_t size = nx_tensor_get_int(&k->in[0], 0), n = nx_tensor_numel(y);
	if (size != n)
		return nx_kern_fail(k, "size is %lld, the result holds %lld elements",
				    (long long)size, (long long)n);
	double a0, a1, a2;
	coeffs(nx_opp(k->g, k->op)->kind, &a0, &a1, &a2);
	bool periodic = nx_attr_i(k->g, k->op, "periodic", 1) != 0;
	double N = (double)(periodic ? n : n - 1);
	for (int64_t i = 0; i < n; i++) {
		double w = 1;
		if (N > 0) {
			double x = 2 * PI * (double)i / N;
			w = a0 - a1 * cos(x) + a2 * cos(2 * x);
		}
		nx_tensor_set(y, i, w);
	}
	return 0;
}
