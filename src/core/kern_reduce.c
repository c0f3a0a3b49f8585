/* kern_reduce.c — the Reduce* kinds (mean, sum, max, min, prod, l1, l2,
 * log_sum, log_sum_exp, sum_square) over the axes attribute (keepdims and
 * noop_with_empty_axes as in ONNX 13+).
 *
 * The input is walked once in memory order after merging neighbouring axes
 * that are both reduced or both kept; each run of the innermost group either
 * folds into one accumulator (reduced) or adds element-wise onto a row of
 * accumulators (kept). Each kind is a map of the element (|v|, v*v, exp v
 * or v itself), a combine (+, *, max, min) and a finish (divide, sqrt,
 * log). Accumulators are double, so a mean over a million f32 values does
 * not drift; integer inputs go through double too, exact below 2^53.
 * log_sum_exp exponentiates in double: inputs above ~709 give inf.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nx_int.h"
#include "simd.h"

/* 8 independent lanes break the add-latency chain; blocks of at most 256
 * elements keep the float partial sums short, and the last, shorter block
 * takes the lanes too (global average pools and layer norms are mostly
 * rows of a few dozen to a few hundred elements, where a scalar tail in
 * double was the whole cost). An AVX2 copy holds the 8 lanes in one
 * register; both copies add in the same order, so give the same bits. */
NX_BODY double sum_f32_body(const float *x, int64_t n)
{
	double total = 0;
	int64_t i = 0;
	while (i + 8 <= n) {
		int64_t end = n - i < 256 ? i + ((n - i) & ~(int64_t)7) : i + 256;
		float l[8] = {0};
		for (; i < end; i += 8)
			for (int k = 0; k < 8; k++)
				l[k] += x[i + k];
		total += ((l[0] + l[1]) + (l[2] + l[3])) + ((l[4] + l[5]) + (l[6] + l[7]));
	}
	for (; i < n; i++)
		total += x[i];
	return total;
}

NX_TARGET_V3 static double sum_f32_v3(const float *x, int64_t n)
{
	return sum_f32_body(x, n);
}

static double sum_f32_v0(const float *x, int64_t n)
{
	return sum_f32_body(x, n);
}

double nx_sum_f32(const float *x, int64_t n)
{
	return nx_cpu_v3() ? sum_f32_v3(x, n) : sum_f32_v0(x, n);
}

enum { C_ADD, C_MUL, C_MAX, C_MIN };
enum { M_ID, M_ABS, M_SQ, M_EXP };

static double mapped(int map, double v)
{
	switch (map) {
	case M_ABS: return fabs(v);
	case M_SQ: return v * v;
	case M_EXP: return exp(v);
	default: return v;
	}
}

/* NaN sticks in max and min, as in numpy and onnxruntime. */
static double combine(int comb, double a, double v)
{
	switch (comb) {
	case C_MUL: return a * v;
	case C_MAX: return v > a || v != v ? v : a;
	case C_MIN: return v < a || v != v ? v : a;
	default: return a + v;
	}
}

typedef struct rd_plan {
	int rank;
	int64_t dims[NX_MAX_RANK];
	bool red[NX_MAX_RANK];
	int64_t ost[NX_MAX_RANK]; /* accumulator stride per merged axis (0 if reduced) */
} rd_plan;

int nx_kern_reduce(nx_kern *k)
{
	nx_graph *g = k->g;
	int kind = nx_opp(g, k->op)->kind;
	const nx_tensor *x = &k->in[0];
	nx_tensor *y = &k->out[0];
	int r = x->type.rank;
	uint32_t na;
	const int64_t *axes = nx_attr_ints(g, k->op, "axes", &na);
	bool red[NX_MAX_RANK] = {0};
	if (na == 0) {
		bool noop = nx_attr_i(g, k->op, "noop_with_empty_axes", 0) != 0;
		for (int d = 0; d < r; d++)
			red[d] = !noop;
	}
	for (uint32_t i = 0; i < na; i++) {
		int64_t a = axes[i];
		if (a < -r || a >= r)
			return nx_kern_fail(k, "axis %lld is out of range for rank %d",
					    (long long)a, r);
		red[a < 0 ? a + r : a] = true;
	}
	int64_t n_out = nx_tensor_numel(y), n_in = nx_tensor_numel(x);
	/* Merge axes, dropping unit ones. */
	rd_plan p = {0};
	for (int d = 0; d < r; d++) {
		if (x->type.dims[d] == 1)
			continue;
		if (p.rank > 0 && p.red[p.rank - 1] == red[d]) {
			p.dims[p.rank - 1] *= x->type.dims[d];
			continue;
		}
		p.dims[p.rank] = x->type.dims[d];
		p.red[p.rank] = red[d];
		p.rank++;
	}
	if (p.rank == 0) {
		p.rank = 1;
		p.dims[0] = 1;
		p.red[0] = true;
	}
	int64_t s = 1, kept = 1;
	for (int d = p.rank - 1; d >= 0; d--) {
		p.ost[d] = p.red[d] ? 0 : s;
		if (!p.red[d]) {
			s *= p.dims[d];
			kept *= p.dims[d];
		}
	}
	if (kept != n_out)
		return nx_kern_fail(k, "the result type holds %lld elements, the reduction gives %lld",
				    (long long)n_out, (long long)kept);

	int comb = kind == NX_OP_REDUCE_MAX ? C_MAX : kind == NX_OP_REDUCE_MIN ? C_MIN
		   : kind == NX_OP_REDUCE_PROD ? C_MUL : C_ADD;
	int map = kind == NX_OP_REDUCE_L1 ? M_ABS
		  : kind == NX_OP_REDUCE_L2 || kind == NX_OP_REDUCE_SUM_SQUARE ? M_SQ
		  : kind == NX_OP_REDUCE_LOG_SUM_EXP ? M_EXP : M_ID;
	double init = comb == C_MAX ? -INFINITY : comb == C_MIN ? INFINITY : comb == C_MUL ? 1 : 0;
	double *acc = nx_xmalloc((size_t)n_out * sizeof *acc); /* freed below */
	for (int64_t i = 0; i < n_out; i++)
		acc[i] = init;
	const float *xf = x->type.dtype == NX_F32 ? x->data : NULL;
	int64_t n = p.dims[p.rank - 1], rows = n_in / n;
	bool inner_red = p.red[p.rank - 1];
	int64_t idx[NX_MAX_RANK] = {0};
	for (int64_t row = 0; row < rows; row++) {
		int64_t o = 0;
		for (int d = 0; d < p.rank - 1; d++)
			o += idx[d] * p.ost[d];
		int64_t base = row * n;
		if (inner_red && xf && comb == C_ADD && map == M_ID) {
			acc[o] += nx_sum_f32(xf + base, n);
		} else if (inner_red) {
			double a = acc[o];
			for (int64_t i = 0; i < n; i++)
				a = combine(comb, a, mapped(map, xf ? xf[base + i]
								   : nx_tensor_get(x, base + i)));
			acc[o] = a;
		} else {
			double *ap = acc + o;
			for (int64_t i = 0; i < n; i++)
				ap[i] = combine(comb, ap[i], mapped(map, xf ? xf[base + i]
									  : nx_tensor_get(x, base + i)));
		}
		for (int d = p.rank - 2; d >= 0; d--) {
			if (++idx[d] < p.dims[d])
				break;
			idx[d] = 0;
		}
	}
	double cnt = (double)n_in / (double)n_out;
	for (int64_t i = 0; i < n_out; i++) {
		double v = acc[i];
		if (kind == NX_OP_REDUCE_MEAN)
			v /= cnt;
		else if (kind == NX_OP_REDUCE_L2)
			v = sqrt(v);
		else if (kind == NX_OP_REDUCE_LOG_SUM || kind == NX_OP_REDUCE_LOG_SUM_EXP)
			v = log(v);
		nx_tensor_set(y, i, v);
	}
	free(acc);
	return 0;
}
