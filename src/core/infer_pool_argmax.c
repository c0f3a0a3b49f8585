/* infer_pool_argmax.c — max_pool_argmax's types: the pooled values as
 * max_pool gives them (float operands only) and i64 indices of the same
 * shape. */
#include "nx_int.h"

int nx_infer_pool_argmax(nx_graph *g, uint32_t o, nx_err *err)
{
	if (nx_infer_pool(g, o, err))
		return -1;
	nx_type r = *nx_vtype(g, nx_result(g, o, 0));
	r.dtype = NX_I64;
	return nx_infer_set(g, o, 1, &r, err);
}
