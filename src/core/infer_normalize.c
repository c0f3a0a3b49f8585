/* infer_normalize.c — shape inference for InstanceNormalization (X of
 * rank >= 3, scale and bias of [C]), LRN (rank >= 3) and
 * MeanVarianceNormalization (axes in range): the result is X's type.
 */
#include "nx_int.h"

int nx_infer_instance_norm(nx_graph *g, uint32_t o, nx_err *err)
{
	if (nx_infer_dtype_in(g, o, 0, NX_DT_FLOAT, err))
		return -1;
	nx_type x = nx_infer_in(g, o, 0);
	if (x.rank < 3)
		return nx_infer_fail(g, o, err, "needs rank >= 3 (N, C, D...), not %d", x.rank);
	for (uint32_t i = 1; i < 3; i++) {
		nx_type t = nx_infer_in(g, o, i);
		if (nx_infer_same_dtype(g, o, 0, i, err))
			return -1;
		if (t.rank != 1 || t.dims[0] != x.dims[1])
			return nx_infer_fail(g, o, err, "%s must be [%lld]", i == 1 ? "scale" : "bias",
					     (long long)x.dims[1]);
	}
	return nx_infer_set(g, o, 0, &x, err);
}

int nx_infer_lrn(nx_graph *g, uint32_t o, nx_err *err)
{
	if (nx_infer_dtype_in(g, o, 0, NX_DT_FLOAT, err))
		return -1;
	nx_type x = nx_infer_in(g, o, 0);
	if (x.rank < 3)
		return nx_infer_fail(g, o, err, "needs rank >= 3 (N, C, D...), not %d", x.rank);
	if (nx_attr_i(g, o, "size", 0) < 1)
		return nx_infer_fail(g, o, err, "size=%lld (must be >= 1)",
				     (long long)nx_attr_i(g, o, "size", 0));
	return nx_infer_set(g, o, 0, &x, err);
}

int nx_infer_mvn(nx_graph *g, uint32_t o, nx_err *err)
{
	if (nx_infer_dtype_in(g, o, 0, NX_DT_FLOAT, err))
		return -1;
	nx_type x = nx_infer_in(g, o, 0);
	uint32_t n;
	const int64_t *axes = nx_attr_ints(g, o, "axes", &n);
	bool mark[NX_MAX_RANK];
	if (axes && nx_infer_axes(g, o, err, axes, n, x.rank, mark))
		return -1;
	if (!axes && x.rank != 4)
		return nx_infer_fail(g, o, err, "the default axes [0,2,3] need rank 4, not %d "
				     "(give axes)", x.rank);
	return nx_infer_set(g, o, 0, &x, err);
}
