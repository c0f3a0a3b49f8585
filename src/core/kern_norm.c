/* kern_norm.c — softmax and log_softmax along one axis (ONNX 13+), layer
 * normalization over the trailing axes from `axis`, and inference-mode batch
 * normalization (training mode is refused at import).
 *
 * Softmax subtracts the running max before exponentiating, so large inputs
 * do not overflow; along the last axis it runs in vector lanes (sm_row,
 * nx_vexpf: within 2 ulp of expf per element); layer_norm takes mean and variance in double. Both view
 * the tensor as [outer, n, inner] and split the outer rows over the pool.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nx_int.h"
#include "simd.h"
#include "vexp.h"

/* As in kern_elem.c: nex never reads the floating-point exception flags,
 * and with them observable GCC keeps nx_vexpf's clamps (selects feeding a
 * multiply) scalar. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-trapping-math")
#endif

/* Softmax of one contiguous row (the usual case: the last axis): the max
 * in 8 lanes, then e^(x - max) with nx_vexpf, the sum in lanes
 * (nx_sum_f32) and the scaling, each loop in vector registers. */
NX_BODY void sm_row_body(const float *x, float *y, int64_t n)
{
	float l[8];
	for (int k = 0; k < 8; k++)
		l[k] = -INFINITY;
	int64_t i = 0;
	for (; i + 8 <= n; i += 8)
		for (int k = 0; k < 8; k++)
			l[k] = x[i + k] > l[k] ? x[i + k] : l[k];
	float mx = -INFINITY;
	for (int k = 0; k < 8; k++)
		mx = l[k] > mx ? l[k] : mx;
	for (; i < n; i++)
		mx = x[i] > mx ? x[i] : mx;
	for (i = 0; i < n; i++)
		y[i] = nx_vexpf(x[i] - mx);
	float inv = (float)(1 / nx_sum_f32(y, n));
	for (i = 0; i < n; i++)
		y[i] *= inv;
}

NX_SIMD_FN_V4(static, sm_row, (const float *x, float *y, int64_t n), (x, y, n))

typedef struct sm_job {
	bool log;
	const float *x;
	float *y;
	int64_t n, inner;
} sm_job;

static void sm_part(void *ctx, int64_t lo, int64_t hi)
{
	sm_job *j = ctx;
	int64_t n = j->n, in = j->inner;
	for (int64_t row = lo; row < hi; row++) {
		/* row = outer * inner + i: the i-th strided line of block outer */
		int64_t o = row / in, i = row % in;
		const float *x = j->x + o * n * in + i;
		float *y = j->y + o * n * in + i;
		if (in == 1 && !j->log) {
			sm_row(x, y, n);
			continue;
		}
		float mx = -INFINITY;
		for (int64_t e = 0; e < n; e++)
			mx = x[e * in] > mx ? x[e * in] : mx;
		double sum = 0;
		if (j->log) {
			for (int64_t e = 0; e < n; e++)
				sum += exp((double)x[e * in] - mx);
			float ls = (float)log(sum);
			for (int64_t e = 0; e < n; e++)
				y[e * in] = x[e * in] - mx - ls;
		} else {
			for (int64_t e = 0; e < n; e++) {
				float v = expf(x[e * in] - mx);
				y[e * in] = v;
				sum += v;
			}
			float inv = (float)(1 / sum);
			for (int64_t e = 0; e < n; e++)
				y[e * in] *= inv;
		}
	}
}

/* These kinds give a result of the operand's shape. */
static int same_shape(nx_kern *k)
{
	if (nx_tensor_numel(&k->in[0]) == nx_tensor_numel(&k->out[0]))
		return 0;
	return nx_kern_fail(k, "the result type's element count differs from the operand's");
}

int nx_kern_softmax(nx_kern *k)
{
	const nx_tensor *x = &k->in[0];
	nx_tensor *y = &k->out[0];
	if (same_shape(k))
		return -1;
	int r = x->type.rank;
	int64_t axis = nx_attr_i(k->g, k->op, "axis", -1);
	if (r == 0)
		return nx_kern_fail(k, "softmax of a scalar");
	if (axis < -r || axis >= r)
		return nx_kern_fail(k, "axis %lld is out of range for rank %d", (long long)axis, r);
	if (axis < 0)
		axis += r;
	int64_t outer = 1, inner = 1;
	for (int d = 0; d < axis; d++)
		outer *= x->type.dims[d];
	for (int d = (int)axis + 1; d < r; d++)
		inner *= x->type.dims[d];
	sm_job j = {nx_opp(k->g, k->op)->kind == NX_OP_LOG_SOFTMAX, x->data, y->data,
		    x->type.dims[axis], inner};
	int64_t rows = outer * inner;
	nx_pool_for(nx_tensor_numel(x) >= (1 << 14) ? k->pool : NULL, rows, sm_part, &j);
	return 0;
}

/* Expands a per-element parameter (scale, bias) that broadcasts to the
 * trailing shape dims[0..rank) into a flat array of n floats. Caller frees. */
static float *expand_param(const nx_tensor *p, const int64_t *dims, int rank, int64_t n)
{
	float *out = nx_xmalloc((size_t)n * sizeof *out);
	const float *s = p->data;
	for (int64_t i = 0; i < n; i++) {
		int64_t rem = i, si = 0, st = 1;
		for (int d = rank - 1, pd = p->type.rank - 1; d >= 0 && pd >= 0; d--, pd--) {
			int64_t c = rem % dims[d];
			rem /= dims[d];
			if (p->type.dims[pd] != 1)
				si += c * st;
			st *= p->type.dims[pd];
		}
		out[i] = s[si];
	}
	return out;
}

typedef struct ln_job {
	const float *x, *scale, *bias;
	float *y;
	int64_t n;
	float eps;
	float *mean, *inv; /* per row, or NULL when the op has no such result */
} ln_job;

static void ln_part(void *ctx, int64_t lo, int64_t hi)
{
	ln_job *j = ctx;
	int64_t n = j->n;
	for (int64_t row = lo; row < hi; row++) {
		const float *x = j->x + row * n;
		float *y = j->y + row * n;
		double mean = nx_sum_f32(x, n) / (double)n, var = 0;
		for (int64_t i = 0; i < n; i++) {
			double d = x[i] - mean;
			var += d * d;
		}
		var /= (double)n;
		float inv = (float)(1 / sqrt(var + j->eps)), m = (float)mean;
		if (j->mean)
			j->mean[row] = m;
		if (j->inv)
			j->inv[row] = inv;
		for (int64_t i = 0; i < n; i++) {
			float v = (x[i] - m) * inv * j->scale[i];
			y[i] = j->bias ? v + j->bias[i] : v;
		}
	}
}

int nx_kern_layer_norm(nx_kern *k)
{
	const nx_tensor *x = &k->in[0];
	nx_tensor *y = &k->out[0];
	if (same_shape(k))
		return -1;
	int r = x->type.rank;
	int64_t axis = nx_attr_i(k->g, k->op, "axis", -1);
	if (axis < -r || axis >= r)
		return nx_kern_fail(k, "axis %lld is out of range for rank %d", (long long)axis, r);
	if (axis < 0)
		axis += r;
	int64_t outer = 1, n = 1;
	for (int d = 0; d < axis; d++)
		outer *= x->type.dims[d];
	for (int d = (int)axis; d < r; d++)
		n *= x->type.dims[d];
	const int64_t *nd = x->type.dims + axis;
	int nr = r - (int)axis;
	for (uint32_t i = 1; i < k->n_in; i++) {
		const nx_tensor *p = &k->in[i];
		if (!p->data)
			continue;
		if (p->type.dtype != NX_F32)
			return nx_kern_fail(k, "operand %u is %s, not a float", i,
					    nx_dtype_name(p->type.dtype));
		if (p->type.rank > nr)
			return nx_kern_fail(k, "operand %u has rank %d, the normalized shape %d", i,
					    p->type.rank, nr);
		for (int d = 0; d < p->type.rank; d++) {
			int64_t pd = p->type.dims[p->type.rank - 1 - d], xd = nd[nr - 1 - d];
			if (pd != 1 && pd != xd)
				return nx_kern_fail(k, "operand %u does not broadcast to the "
						    "normalized shape", i);
		}
	}
	float *scale = expand_param(&k->in[1], nd, nr, n); /* freed below */
	float *bias = k->n_in > 2 && k->in[2].data ? expand_param(&k->in[2], nd, nr, n) : NULL;
	ln_job j = {x->data, scale, bias, y->data, n, nx_attr_f(k->g, k->op, "epsilon", 1e-5f),
		    NULL, NULL};
	for (uint32_t i = 1; i < k->n_out && i < 3; i++) {
		if (k->out[i].type.dtype != NX_F32 || nx_tensor_numel(&k->out[i]) != outer) {
			free(scale);
			free(bias);
			return nx_kern_fail(k, "result %u does not hold %lld f32 row statistics", i,
					    (long long)outer);
		}
		if (i == 1)
			j.mean = k->out[1].data;
		else
			j.inv = k->out[2].data;
	}
	nx_pool_for(nx_tensor_numel(x) >= (1 << 14) ? k->pool : NULL, outer, ln_part, &j);
	free(scale);
	free(bias);
	return 0;
}

typedef struct bn_job {
	const float *x, *a, *b;
	float *y;
	int64_t c, inner;
} bn_job;

static void bn_part(void *ctx, int64_t lo, int64_t hi)
{
	bn_job *j = ctx;
	for (int64_t row = lo; row < hi; row++) {
		int64_t c = row % j->c;
		float a = j->a[c], b = j->b[c];
		const float *x = j->x + row * j->inner;
		float *y = j->y + row * j->inner;
		for (int64_t i = 0; i < j->inner; i++)
			y[i] = x[i] * a + b;
	}
}

int nx_kern_batch_norm(nx_kern *k)
{
	const nx_tensor *x = &k->in[0];
	nx_tensor *y = &k->out[0];
	if (same_shape(k))
		return -1;
	if (x->type.rank < 2)
		return nx_kern_fail(k, "operand has rank %d, needs (N, C, ...)", x->type.rank);
	int64_t c = x->type.dims[1], inner = 1;
	for (int d = 2; d < x->type.rank; d++)
		inner *= x->type.dims[d];
	for (int i = 1; i < 5; i++)
		if (nx_tensor_numel(&k->in[i]) != c || k->in[i].type.dtype != NX_F32)
			return nx_kern_fail(k, "operand %d must hold %lld floats (one per channel)", i,
					    (long long)c);
	const float *scale = k->in[1].data, *bias = k->in[2].data;
	const float *mean = k->in[3].data, *var = k->in[4].data;
	float eps = nx_attr_f(k->g, k->op, "epsilon", 1e-5f);
	/* y = (x - mean) / sqrt(var + eps) * scale + bias = x * a + b */
	float *ab = nx_xmalloc((size_t)(2 * c) * sizeof *ab); /* freed below */
	for (int64_t i = 0; i < c; i++) {
		float a = scale[i] / sqrtf(var[i] + eps);
		ab[i] = a;
		ab[c + i] = bias[i] - mean[i] * a;
	}
	bn_job j = {x->data, ab, ab + c, y->data, c, inner};
	int64_t rows = x->type.dims[0] * c;
	nx_pool_for(nx_tensor_numel(x) >= (1 << 15) ? k->pool : NULL, rows, bn_part, &j);
	free(ab);
	return 0;
}
