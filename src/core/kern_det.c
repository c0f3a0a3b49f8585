/* kern_det.c — the det op (ONNX Det): the determinant of each square
 * matrix in the last two axes, [..., M, M] -> [...]. Gaussian elimination
 * with partial pivoting in double per matrix (the product of the pivots,
 * sign flipped per row swap); a singular matrix gives 0.
 */
#include <math.h>
#include <stdlib.h>

#include "nx_int.h"

int nx_infer_det(nx_graph *g, uint32_t o, nx_err *err)
{
	if (nx_infer_dtype_in(g, o, 0, NX_DT_FLOAT, err))
		return -1;
	nx_type x = nx_infer_in(g, o, 0);
	if (x.rank < 2 || x.dims[x.rank - 1] != x.dims[x.rank - 2])
		return nx_infer_fail(g, o, err, "input must be [..., M, M] (square matrices in "
				     "the last two axes)");
	nx_type y = nx_type_make(x.dtype, x.rank - 2, x.dims);
	return nx_infer_set(g, o, 0, &y, err);
}

int nx_kern_det(nx_kern *k)
{
	const nx_tensor *x = &k->in[0];
	nx_tensor *y = &k->out[0];
	int64_t m = x->type.dims[x->type.rank - 1], count = nx_tensor_numel(y);
	double *a = nx_xmalloc((size_t)(m * m) * sizeof *a);
	for (int64_t b = 0; b < count; b++) {
		for (int64_t i = 0; i < m * m; i++)
			a[i] = nx_tensor_get(x, b * m * m + i);
		double det = 1;
		for (int64_t c = 0; c < m && det != 0; c++) {
			int64_t p = c;
			for (int64_t r = c + 1; r < m; r++)
				if (fabs(a[r * m + c]) > fabs(a[p * m + c]))
					p = r;
			if (a[p * m + c] == 0) {
				det = 0;
				break;
			}
			if (p != c) {
				for (int64_t j = 0; j < m; j++) {
					double t = a[c * m + j];
					a[c * m + j] = a[p * m + j];
					a[p * m + j] = t;
				}
				det = -det;
			}
			double piv = a[c * m + c];
			det *= piv;
			for (int64_t r = c + 1; r < m; r++) {
				double f = a[r * m + c] / piv;
				for (int64_t j = c; j < m; j++)
					a[r * m + j] -= f * a[c * m + j];
			}
		}
		nx_tensor_set(y, b, det);
	}
	free(a);
	return 0;
}
