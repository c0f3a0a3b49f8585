/* infer_roialign.c — roi_align's types: X [N, C, H, W] (float), rois
 * [R, 4] of X's dtype, batch_indices [R] (integer) give [R, C,
 * output_height, output_width] in X's dtype. */
#include "nx_int.h"

int nx_infer_roi_align(nx_graph *g, uint32_t o, nx_err *err)
{
	if (nx_infer_dtype_in(g, o, 0, NX_DT_FLOAT, err))
		return -1;
	nx_type x = nx_infer_in(g, o, 0), r = nx_infer_in(g, o, 1), b = nx_infer_in(g, o, 2);
	char xb[160], rb[160], bb[160];
	if (x.rank != 4 || r.rank != 2 || r.dims[1] != 4 || r.dtype != x.dtype || b.rank != 1 ||
	    b.dims[0] != r.dims[0] || !nx_dtype_is_int(b.dtype))
		return nx_infer_fail(g, o, err, "operands %s, %s, %s: want X [N, C, H, W], rois "
				     "[R, 4] of X's dtype and integer batch_indices [R]",
				     nx_infer_tstr(&x, xb, sizeof xb), nx_infer_tstr(&r, rb, sizeof rb),
				     nx_infer_tstr(&b, bb, sizeof bb));
	int64_t oh = nx_attr_i(g, o, "output_height", 1), ow = nx_attr_i(g, o, "output_width", 1);
	if (oh < 1 || ow < 1)
		return nx_infer_fail(g, o, err, "output_height %lld and output_width %lld must be "
				     ">= 1", (long long)oh, (long long)ow);
	nx_type y = nx_type_make(x.dtype, 4, (int64_t[]){r.dims[0], x.dims[1], oh, ow});
	return nx_infer_set(g, o, 0, &y, err);
}
