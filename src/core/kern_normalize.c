/* kern_normalize.c — InstanceNormalization (per sample and channel, over
 * the spatial dims, then scale and bias per channel), LRN (across
 * channels: x / (bias + alpha/size * sum of squares in the window)^beta,
 * the window [c - floor((size-1)/2), c + ceil((size-1)/2)] as ONNX gives
 * it) and MeanVarianceNormalization ((x - mean) / (std + 1e-9) over axes,
 * the ONNX function's formula).
 *
 * f32 (the interpreter widens half floats); statistics in double.
 */
#include <math.h>
#include <stdlib.h>

#include "nx_int.h"

static int f32_same(nx_kern *k)
{
	if (k->in[0].type.dtype != NX_F32 || k->out[0].type.dtype != NX_F32 ||
	    nx_tensor_numel(&k->in[0]) != nx_tensor_numel(&k->out[0]))
		return nx_kern_fail(k, "operand does not match the result type");
	return 0;
}

int nx_kern_instance_norm(nx_kern *k)
{
	if (f32_same(k))
		return -1;
	const nx_type *t = &k->in[0].type;
	int64_t N = t->dims[0], C = t->dims[1], S = nx_tensor_numel(&k->in[0]) / (N * C);
	if (nx_tensor_numel(&k->in[1]) != C || nx_tensor_numel(&k->in[2]) != C)
		return nx_kern_fail(k, "scale and bias must hold %lld values", (long long)C);
	const float *x = k->in[0].data, *sc = k->in[1].data, *bi = k->in[2].data;
	float *y = k->out[0].data;
	double eps = nx_attr_f(k->g, k->op, "epsilon", 1e-5f);
	for (int64_t r = 0; r < N * C; r++) {
		const float *xr = x + r * S;
		double mean = nx_sum_f32(xr, S) / (double)S, var = 0;
		for (int64_t i = 0; i < S; i++)
			var += (xr[i] - mean) * (xr[i] - mean);
		var /= (double)S;
		double a = sc[r % C] / sqrt(var + eps), b = bi[r % C];
		for (int64_t i = 0; i < S; i++)
			y[r * S + i] = (float)((xr[i] - mean) * a + b);
	}
	return 0;
}

int nx_kern_lrn(nx_kern *k)
{
	if (f32_same(k))
		return -1;
	const nx_type *t = &k->in[0].type;
	int64_t N = t->dims[0], C = t->dims[1], S = nx_tensor_numel(&k->in[0]) / (N * C);
	int64_t size = nx_attr_i(k->g, k->op, "size", 1);
	double alpha = nx_attr_f(k->g, k->op, "alpha", 1e-4f);
	double beta = nx_attr_f(k->g, k->op, "beta", 0.75f);
	double bias = nx_attr_f(k->g, k->op, "bias", 1.0f);
	int64_t lo = (size - 1) / 2, hi = size - 1 - lo;
	const float *x = k->in[0].data;
	float *y = k->out[0].data;
	for (int64_t n = 0; n < N; n++)
		for (int64_t c = 0; c < C; c++)
			for (int64_t i = 0; i < S; i++) {
				double sq = 0;
				for (int64_t cc = c - lo; cc <= c + hi; cc++)
					if (cc >= 0 && cc < C) {
						double v = x[(n * C + cc) * S + i];
						sq += v * v;
					}
				int64_t at = (n * C + c) * S + i;
				y[at] = (float)(x[at] / pow(bias + alpha / (double)size * sq, beta));
			}
	return 0;
}

int nx_kern_mvn(nx_kern *k)
{
	if (f32_same(k))
		return -1;
	const nx_type *t = &k->in[0].type;
	uint32_t na;
	const int64_t *axes = nx_attr_ints(k->g, k->op, "axes", &na);
	static const int64_t def[3] = {0, 2, 3};
	if (!axes) {
		axes = def;
		na = 3;
	}
	bool red[NX_MAX_RANK] = {false};
	for (uint32_t i = 0; i < na; i++) {
		int64_t a = axes[i] < 0 ? axes[i] + t->rank : axes[i];
		if (a < 0 || a >= t->rank)
			return nx_kern_fail(k, "axis %lld is out of range for rank %d",
					    (long long)axes[i], t->rank);
		red[a] = true;
	}
	/* Group index of each element: its position over the kept dims. */
	int64_t n = nx_tensor_numel(&k->in[0]), groups = 1;
	for (int d = 0; d < t->rank; d++)
		if (!red[d])
			groups *= t->dims[d];
	double *sum = nx_xcalloc((size_t)groups, sizeof *sum);   /* freed below */
	double *sq = nx_xcalloc((size_t)groups, sizeof *sq);
	int64_t *gi = nx_xmalloc((size_t)n * sizeof *gi);
	int64_t idx[NX_MAX_RANK] = {0};
	const float *x = k->in[0].data;
	for (int64_t i = 0; i < n; i++) {
		int64_t g = 0;
		for (int d = 0; d < t->rank; d++)
			if (!red[d])
				g = g * t->dims[d] + idx[d];
		gi[i] = g;
		sum[g] += x[i];
		sq[g] += (double)x[i] * x[i];
		for (int d = t->rank - 1; d >= 0; d--) {
			if (++idx[d] < t->dims[d])
				break;
			idx[d] = 0;
		}
	}
	double cnt = (double)n / (double)groups;
	float *y = k->out[0].data;
	for (int64_t i = 0; i < n; i++) {
		double m = sum[gi[i]] / cnt, var = sq[gi[i]] / cnt - m * m;
		y[i] = (float)((x[i] - m) / (sqrt(var > 0 ? var : 0) + 1e-9));
	}
	free(sum);
	free(sq);
	free(gi);
	return 0;
}
