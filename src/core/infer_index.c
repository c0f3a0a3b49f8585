/* infer_index.c — shape inference for the index-producing reductions:
 * ArgMax and ArgMin (the operand's dims with axis removed, or kept as 1
 * with keepdims; i64 indices) and TopK (values and indices, axis cut to k).
 */
#include "nx_int.h"

int nx_infer_arg(nx_graph *g, uint32_t o, nx_err *err)
{
	if (nx_infer_dtype_in(g, o, 0, NX_DT_NUM, err))
		return -1;
	nx_type x = nx_infer_in(g, o, 0), r = x;
	int axis;
	if (nx_infer_axis(g, o, err, "axis", nx_attr_i(g, o, "axis", 0), x.rank, &axis))
		return -1;
	bool keep = nx_attr_i(g, o, "keepdims", 1) != 0;
	r.dtype = NX_I64;
	r.rank = 0;
	for (int d = 0; d < x.rank; d++)
		if (d != axis)
			r.dims[r.rank++] = x.dims[d];
		else if (keep)
			r.dims[r.rank++] = 1;
	return nx_infer_set(g, o, 0, &r, err);
}

/* TopK: values (the operand's dtype) and i64 indices, both with axis cut
 * to k. */
int nx_infer_top_k(nx_graph *g, uint32_t o, nx_err *err)
{
	if (nx_infer_dtype_in(g, o, 0, NX_DT_NUM, err))
		return -1;
	nx_type x = nx_infer_in(g, o, 0);
	int axis;
	if (nx_infer_axis(g, o, err, "axis", nx_attr_i(g, o, "axis", -1), x.rank, &axis))
		return -1;
	int64_t k = nx_attr_i(g, o, "k", 0);
	if (k < 1 || k > x.dims[axis])
		return nx_infer_fail(g, o, err, "k=%lld is out of range for axis %d of size %lld "
				     "(1..%lld)", (long long)k, axis, (long long)x.dims[axis],
				     (long long)x.dims[axis]);
	nx_type v = x;
	v.dims[axis] = k;
	nx_type ix = v;
	ix.dtype = NX_I64;
	if (nx_infer_set(g, o, 0, &v, err))
		return -1;
	return nx_infer_set(g, o, 1, &ix, err);
}
