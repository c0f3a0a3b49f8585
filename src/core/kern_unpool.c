/* kern_unpool.c — the max_unpool op (ONNX MaxUnpool): the partial inverse
 * of max_pool with indices. X [N, C, D...] and the indices I (i64, X's
 * shape) scatter into a zero tensor of the pooled-from shape, each spatial
 * dim (in - 1) * stride + kernel - pad_begin - pad_end; I holds flat
 * offsets into that whole tensor (N and C included), as MaxPool's Indices
 * output gives them. With `output_shape` (ONNX's optional input, constant)
 * the result has that shape instead, at least as large in every dim, and
 * the scattered tensor sits at its start (the ONNX tests' reading: indices
 * stay offsets into the pooled-from shape). An index outside it is a
 * run-time error naming the position.
 */
#include <string.h>

#include "nx_int.h"

/* The pooled-from shape into d (X's rank); -1 + err. */
static int base_shape(const nx_graph *g, uint32_t o, const nx_type *x, int64_t *d, nx_err *err)
{
	int sp = x->rank - 2;
	uint32_t nk, ns, np;
	const int64_t *k = nx_attr_ints(g, o, "kernel_shape", &nk);
	const int64_t *s = nx_attr_ints(g, o, "strides", &ns);
	const int64_t *p = nx_attr_ints(g, o, "pads", &np);
	if (x->rank < 3)
		return nx_infer_fail(g, o, err, "X must be [N, C, D...] (rank 3 or more)");
	if ((int)nk != sp || (s && (int)ns != sp) || (p && (int)np != 2 * sp))
		return nx_infer_fail(g, o, err, "kernel_shape, strides and pads must have %d, %d "
				     "and %d entries for %d spatial dims", sp, sp, 2 * sp, sp);
	d[0] = x->dims[0];
	d[1] = x->dims[1];
	for (int i = 0; i < sp; i++) {
		int64_t st = s ? s[i] : 1, pb = p ? p[i] : 0, pe = p ? p[sp + i] : 0;
		if (k[i] < 1 || st < 1 || pb < 0 || pe < 0)
			return nx_infer_fail(g, o, err, "kernel_shape and strides must be >= 1, pads "
					     ">= 0");
		d[2 + i] = (x->dims[2 + i] - 1) * st + k[i] - pb - pe;
		if (d[2 + i] < 1)
			return nx_infer_fail(g, o, err, "spatial dim %d of the result is %lld", i,
					     (long long)d[2 + i]);
	}
	return 0;
}

int nx_infer_max_unpool(nx_graph *g, uint32_t o, nx_err *err)
{
	if (nx_infer_dtype_in(g, o, 0, NX_DT_NUM, err) ||
	    nx_infer_dtype_in(g, o, 1, 1u << NX_I64, err))
		return -1;
	nx_type x = nx_infer_in(g, o, 0), ix = nx_infer_in(g, o, 1);
	if (ix.rank != x.rank || memcmp(x.dims, ix.dims, (size_t)x.rank * sizeof x.dims[0]))
		return nx_infer_fail(g, o, err, "the indices must have X's shape");
	int64_t d[NX_MAX_RANK];
	if (base_shape(g, o, &x, d, err))
		return -1;
	uint32_t n;
	const int64_t *os = nx_attr_ints(g, o, "output_shape", &n);
	if (os) {
		if ((int)n != x.rank)
			return nx_infer_fail(g, o, err, "output_shape has %u dims, X %d", n, x.rank);
		for (int i = 0; i < x.rank; i++)
			if (os[i] < d[i])
				return nx_infer_fail(g, o, err, "output_shape[%d] = %lld is smaller "
						     "than the pooled-from dim %lld", i,
						     (long long)os[i], (long long)d[i]);
		memcpy(d, os, (size_t)x.rank * sizeof *d);
	}
	nx_type y = nx_type_make(x.dtype, x.rank, d);
	return nx_infer_set(g, o, 0, &y, err);
}

int nx_kern_max_unpool(nx_kern *k)
{
	const nx_tensor *x = &k->in[0], *ix = &k->in[1];
	nx_tensor *y = &k->out[0];
	int r = x->type.rank;
	int64_t b[NX_MAX_RANK];
	if (base_shape(k->g, k->op, &x->type, b, k->err))
		return -1;
	int64_t total = 1;
	for (int i = 0; i < r; i++)
		total *= b[i];
	memset(y->data, 0, nx_tensor_nbytes(y));
	int64_t n = nx_tensor_numel(x);
	size_t es = nx_dtype_size(x->type.dtype); /* elements copied by their bytes */
	for (int64_t i = 0; i < n; i++) {
		int64_t at = nx_tensor_get_int(ix, i);
		if (at < 0 || at >= total)
			return nx_kern_fail(k, "index %lld at position %lld is outside the %lld "
					    "elements of the pooled-from shape", (long long)at,
					    (long long)i, (long long)total);
		/* the flat offset in the base shape, re-laid into the result's */
		int64_t off = 0, rem = at;
		int64_t coord[NX_MAX_RANK];
		for (int d = r - 1; d >= 0; d--) {
			coord[d] = rem % b[d];
			rem /= b[d];
		}
		for (int d = 0; d < r; d++)
			off = off * y->type.dims[d] + coord[d];
		memcpy((char *)y->data + off * es, (const char *)x->data + i * es, es);
	}
	return 0;
}
