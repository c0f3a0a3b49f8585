/* kern_pool_argmax.c — max_pool_argmax: MaxPool with its Indices output
 * (ONNX MaxPool's second result), any spatial rank, strides, pads or
 * auto_pad, dilations; output sizes come from the result types (inference
 * applied ceil_mode).
 *
 * ONNX's index rule: the flat offset of the chosen element in the whole
 * input, (n * C + c) * prod(spatial) plus the spatial offset, which is
 * row-major for storage_order 0 and column-major (the first spatial dim
 * fastest) for storage_order 1. The NaN rule is max_pool's (kern_pool.c),
 * which is ONNX's reference and onnxruntime's here: the first tap inside
 * the input starts the maximum, a later tap replaces it only when strictly
 * greater, so the first maximum in window order wins and a NaN wins only
 * as the first tap.
 */
#include <math.h>

#include "nx_int.h"

int nx_kern_max_pool_argmax(nx_kern *k)
{
	nx_graph *gr = k->g;
	const nx_tensor *x = &k->in[0];
	nx_tensor *y = &k->out[0], *ix = &k->out[1];
	int r = x->type.rank, ns = r - 2;
	if (r < 3 || y->type.rank != r || ix->type.dtype != NX_I64)
		return nx_kern_fail(k, "pooling needs (N, C, spatial...) operands and i64 indices");
	uint32_t nk, nst, nd, np;
	const int64_t *ks = nx_attr_ints(gr, k->op, "kernel_shape", &nk);
	const int64_t *st = nx_attr_ints(gr, k->op, "strides", &nst);
	const int64_t *dl = nx_attr_ints(gr, k->op, "dilations", &nd);
	const int64_t *pd = nx_attr_ints(gr, k->op, "pads", &np);
	bool col = nx_attr_i(gr, k->op, "storage_order", 0) != 0;
	if ((int)nk != ns)
		return nx_kern_fail(k, "kernel_shape has %u entries for %d spatial dims", nk, ns);
	const char *ap = nx_attr_s(gr, k->op, "auto_pad", "NOTSET");
	int apk = nx_auto_pad(ap);
	if (apk < 0)
		return nx_kern_fail(k, "unknown auto_pad \"%s\"", ap);
	int64_t in[NX_MAX_RANK], out[NX_MAX_RANK], ker[NX_MAX_RANK], str[NX_MAX_RANK];
	int64_t dil[NX_MAX_RANK], pad[NX_MAX_RANK], mul[NX_MAX_RANK];
	int64_t in_sp = 1, out_sp = 1, taps = 1;
	for (int d = 0; d < ns; d++) {
		in[d] = x->type.dims[d + 2];
		out[d] = y->type.dims[d + 2];
		ker[d] = ks[d];
		str[d] = st && (int)nst == ns ? st[d] : 1;
		dil[d] = dl && (int)nd == ns ? dl[d] : 1;
		if (ker[d] < 1 || str[d] < 1 || dil[d] < 1)
			return nx_kern_fail(k, "kernel_shape, strides and dilations must be >= 1");
		pad[d] = 0;
		if (nx_auto_pad_same(apk)) {
			int64_t keff = (ker[d] - 1) * dil[d] + 1;
			pad[d] = nx_pad_split(nx_same_total(in[d], out[d], str[d], keff),
					      apk == NX_PAD_SAME_LOWER, NULL);
		} else if (pd && (int)np == 2 * ns && apk != NX_PAD_VALID) {
			pad[d] = pd[d];
		}
		in_sp *= in[d];
		out_sp *= out[d];
		taps *= ker[d];
	}
	/* the index multiplier of each spatial dim in the ONNX index */
	for (int d = 0, m = 1; d < ns; d++) {
		int e = col ? d : ns - 1 - d;
		mul[e] = m;
		m *= (int)in[e];
	}
	int64_t planes = x->type.dims[0] * x->type.dims[1];
	const float *xs = x->data;
	float *ys = y->data;
	int64_t *is = ix->data;
	for (int64_t p = 0; p < planes; p++) {
		const float *xp = xs + p * in_sp;
		for (int64_t q = 0; q < out_sp; q++) {
			int64_t o[NX_MAX_RANK], rest = q;
			for (int d = ns - 1; d >= 0; d--) {
				o[d] = rest % out[d];
				rest /= out[d];
			}
			float best = -INFINITY;
			int64_t bi = -1;
			for (int64_t t = 0; t < taps; t++) {
				/* off: row-major offset into the plane; idx: ONNX's */
				int64_t tr = t, off = 0, idx = 0, strd = 1;
				bool inside = true;
				for (int d = ns - 1; d >= 0 && inside; d--) {
					int64_t pos = o[d] * str[d] - pad[d] + (tr % ker[d]) * dil[d];
					tr /= ker[d];
					inside = pos >= 0 && pos < in[d];
					off += pos * strd;
					idx += pos * mul[d];
					strd *= in[d];
				}
				if (inside && (bi < 0 || xp[off] > best)) {
					best = xp[off];
					bi = idx;
				}
			}
			/* a window wholly in the pads: -inf, as max_pool, at the
			 * plane's first element */
			ys[p * out_sp + q] = best;
			is[p * out_sp + q] = p * in_sp + (bi < 0 ? 0 : bi);
		}
	}
	return 0;
}
