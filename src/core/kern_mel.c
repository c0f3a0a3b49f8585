/* kern_mel.c — the mel_weight_matrix op (ONNX MelWeightMatrix, opset 17) and
 * its inference: the [dft_length / 2 + 1, num_mel_bins] matrix that maps a
 * onesided DFT's magnitudes to mel bands, as ONNX's reference computes it.
 *
 * num_mel_bins + 2 points are spaced evenly on the mel scale
 * (mel = 2595 log10(1 + hz / 700)) from lower_edge_hertz up, with a step of
 * (high - low) / (num_mel_bins + 2) in mel (ONNX's reference: the last
 * point stops one step short of upper_edge_hertz, where a textbook divides
 * by num_mel_bins + 1 and ends on it), and each is taken back to a DFT bin
 * floor((dft_length + 1) hz / sample_rate). Band i is the triangle from
 * point i through point i + 1 (weight 1) to point i + 2, bins linear in
 * between; a band whose rising side is no bin wide is 1 at its centre.
 *
 * Operands: num_mel_bins, dft_length, sample_rate (integer scalars),
 * lower_edge_hertz, upper_edge_hertz (float scalars), in ONNX's order. The
 * result's shape comes from the first two: from constants inference
 * computes it, otherwise the result keeps the type it was declared and the
 * kernel refuses values that would give another shape (as kern_window.c
 * does with its size). Attribute `dtype` (ONNX's output_datatype) is the
 * result's float dtype. Computed in double.
 */
#include <math.h>
#include <stdlib.h>

#include "nx_int.h"

#define INTS ((1u << NX_I32) | (1u << NX_I64))
#define FLOATS ((1u << NX_F32) | (1u << NX_F16) | (1u << NX_BF16) | (1u << NX_F64))

/* Operand i's only element, when it is a constant. */
static bool const_int(const nx_graph *g, uint32_t o, uint32_t i, int64_t *v)
{
	uint32_t c = nx_operand(g, o, i);
	if (!nx_is_const(g, c))
		return false;
	nx_tensor t = {*nx_vtype(g, c), (void *)nx_blob_data(nx_const_blob(g, c))};
	*v = nx_tensor_get_int(&t, 0);
	return true;
}

int nx_infer_mel_weight_matrix(nx_graph *g, uint32_t o, nx_err *err)
{
	static const char *const names[5] = {"num_mel_bins", "dft_length", "sample_rate",
					     "lower_edge_hertz", "upper_edge_hertz"};
	for (uint32_t i = 0; i < 5; i++) {
		if (nx_infer_dtype_in(g, o, i, i < 3 ? INTS : FLOATS, err))
			return -1;
		nx_type t = nx_infer_in(g, o, i);
		if (nx_type_numel(&t) != 1)
			return nx_infer_fail(g, o, err, "%s must be a scalar (one element)",
					     names[i]);
	}
	/* ONNX's T1 and T2: one integer dtype for the sizes and the rate, one
	 * float dtype for the edges (an exported model must type-check) */
	for (uint32_t i = 1; i < 5; i++)
		if (i != 3 && nx_infer_in(g, o, i).dtype != nx_infer_in(g, o, i < 3 ? 0 : 3).dtype)
			return nx_infer_fail(g, o, err, "%s is %s, %s %s: ONNX has one dtype for "
					     "%s", names[i], nx_dtype_name(nx_infer_in(g, o, i).dtype),
					     names[i < 3 ? 0 : 3],
					     nx_dtype_name(nx_infer_in(g, o, i < 3 ? 0 : 3).dtype),
					     i < 3 ? "num_mel_bins, dft_length and sample_rate"
						   : "the two edges");
	int dt = nx_infer_float_dtype_attr(g, o, err);
	if (dt < 0)
		return -1;
	int64_t bins, len;
	if (const_int(g, o, 0, &bins) && const_int(g, o, 1, &len)) {
		if (bins < 1 || len < 1)
			return nx_infer_fail(g, o, err, "num_mel_bins %lld and dft_length %lld must "
					     "be >= 1", (long long)bins, (long long)len);
		int64_t dims[2] = {len / 2 + 1, bins};
		nx_type r = nx_type_make(dt, 2, dims);
		return nx_infer_set(g, o, 0, &r, err);
	}
	/* run-time sizes: the shape is what the result was declared */
	const nx_type *have = nx_vtype(g, nx_result(g, o, 0));
	if (have->dtype == dt && have->rank == 2 && have->dims[0] >= 1 && have->dims[1] >= 1)
		return 0;
	return nx_infer_fail(g, o, err, "num_mel_bins or dft_length is not a constant, so the "
			     "shape is unknown: declare the result as %s[dft_length/2+1, "
			     "num_mel_bins]", nx_dtype_name(dt));
}

static double to_mel(double hz)
{
	return 2595.0 * log10(1.0 + hz / 700.0);
}

static double to_hz(double mel)
{
	return 700.0 * (pow(10.0, mel / 2595.0) - 1.0);
}

int nx_kern_mel_weight_matrix(nx_kern *k)
{
	int64_t bins = nx_tensor_get_int(&k->in[0], 0), len = nx_tensor_get_int(&k->in[1], 0);
	int64_t rate = nx_tensor_get_int(&k->in[2], 0);
	double lo = nx_tensor_get(&k->in[3], 0), hi = nx_tensor_get(&k->in[4], 0);
	nx_tensor *y = &k->out[0];
	int64_t rows = y->type.dims[0];
	if (bins < 1 || len < 1 || rows != len / 2 + 1 || y->type.dims[1] != bins)
		return nx_kern_fail(k, "num_mel_bins %lld and dft_length %lld give [%lld, %lld], "
				    "the result is [%lld, %lld]", (long long)bins, (long long)len,
				    (long long)(len / 2 + 1), (long long)bins, (long long)rows,
				    (long long)y->type.dims[1]);
	if (rate < 1)
		return nx_kern_fail(k, "sample_rate is %lld", (long long)rate);
	if (!(lo >= 0 && lo <= hi))
		return nx_kern_fail(k, "the edges %g and %g Hz are not 0 <= lower <= upper", lo, hi);
	/* the band edges as DFT bins; freed below */
	int64_t *at = nx_xmalloc((size_t)(bins + 2) * sizeof *at);
	double mlo = to_mel(lo), step = (to_mel(hi) - mlo) / (double)(bins + 2);
	for (int64_t p = 0; p < bins + 2; p++) {
		double b = floor((double)(len + 1) * to_hz(mlo + step * (double)p) / (double)rate);
		at[p] = (int64_t)b;
	}
	/* the last point is the highest; past the last row (an upper edge
	 * well above the Nyquist frequency) it has no bin to fall in */
	int64_t top = at[bins + 1];
	if (top >= rows) {
		double top_hz = to_hz(mlo + step * (double)(bins + 1));
		free(at);
		return nx_kern_fail(k, "the top band edge, %g Hz (upper_edge_hertz %g), falls in "
				    "DFT bin %lld, past the last of %lld: sample_rate %lld is too "
				    "low for it", top_hz, hi, (long long)top, (long long)(rows - 1),
				    (long long)rate);
	}
	int64_t n = rows * bins;
	for (int64_t e = 0; e < n; e++)
		nx_tensor_set(y, e, 0);
	for (int64_t i = 0; i < bins; i++) {
		int64_t l = at[i], c = at[i + 1], h = at[i + 2];
		if (c == l)
			nx_tensor_set(y, c * bins + i, 1);
		for (int64_t j = l; c > l && j <= c; j++)
			nx_tensor_set(y, j * bins + i, (double)(j - l) / (double)(c - l));
		for (int64_t j = c; j < h; j++)
			nx_tensor_set(y, j * bins + i, (double)(h - j) / (double)(h - c));
	}
	free(at);
	return 0;
}
