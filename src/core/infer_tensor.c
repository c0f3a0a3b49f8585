/* infer_tensor.c — shape inference for the tensor ops of ONNX that move or
 * pick elements: Trilu (result = operand, rank >= 2), Tile, DepthToSpace /
 * SpaceToDepth, GatherElements / GatherND, ScatterElements / ScatterND
 * (result = data), OneHot (depth inserted at axis, the values' dtype) and
 * EyeLike (the operand's 2-D shape, dtype from attr dtype).
 */
#include <string.h>

#include "nx_int.h"

#define DT_IDX ((1u << NX_I32) | (1u << NX_I64))

int nx_infer_same_any(nx_graph *g, uint32_t o, nx_err *err)
{
	if (nx_infer_dtype_in(g, o, 0, NX_DT_ALL, err))
		return -1;
	nx_type x = nx_infer_in(g, o, 0);
	if (x.rank < 2)
		return nx_infer_fail(g, o, err, "needs rank >= 2, the operand has %d", x.rank);
	return nx_infer_set(g, o, 0, &x, err);
}

int nx_infer_tile(nx_graph *g, uint32_t o, nx_err *err)
{
	if (nx_infer_dtype_in(g, o, 0, NX_DT_ALL, err))
		return -1;
	nx_type x = nx_infer_in(g, o, 0);
	uint32_t n;
	const int64_t *rep = nx_attr_ints(g, o, "repeats", &n);
	if ((int)n != x.rank)
		return nx_infer_fail(g, o, err, "repeats has %u entries for rank %d", n, x.rank);
	for (int d = 0; d < x.rank; d++) {
		if (rep[d] < 1)
			return nx_infer_fail(g, o, err, "repeats[%d] = %lld (nex dims are >= 1)", d,
					     (long long)rep[d]);
		if (x.dims[d] > INT64_MAX / rep[d])
			return nx_infer_fail(g, o, err, "dim %d overflows", d);
		x.dims[d] *= rep[d];
	}
	return nx_infer_set(g, o, 0, &x, err);
}

static int block_of(const nx_graph *g, uint32_t o, const nx_type *x, int64_t *b, nx_err *err)
{
	*b = nx_attr_i(g, o, "blocksize", 0);
	if (x->rank != 4)
		return nx_infer_fail(g, o, err, "needs a rank-4 (N,C,H,W) operand, not rank %d",
				     x->rank);
	if (*b < 1 || *b > (1 << 20))
		return nx_infer_fail(g, o, err, "blocksize=%lld", (long long)*b);
	return 0;
}

int nx_infer_depth_to_space(nx_graph *g, uint32_t o, nx_err *err)
{
	if (nx_infer_dtype_in(g, o, 0, NX_DT_ALL, err))
		return -1;
	nx_type x = nx_infer_in(g, o, 0);
	int64_t b;
	if (block_of(g, o, &x, &b, err))
		return -1;
	const char *mode = nx_attr_s(g, o, "mode", "DCR");
	if (strcmp(mode, "DCR") && strcmp(mode, "CRD"))
		return nx_infer_fail(g, o, err, "mode=\"%s\" (expected \"DCR\" or \"CRD\")", mode);
	if (x.dims[1] % (b * b))
		return nx_infer_fail(g, o, err, "channels %lld are not a multiple of blocksize^2 "
				     "= %lld", (long long)x.dims[1], (long long)(b * b));
	x.dims[1] /= b * b;
	x.dims[2] *= b;
	x.dims[3] *= b;
	return nx_infer_set(g, o, 0, &x, err);
}

int nx_infer_space_to_depth(nx_graph *g, uint32_t o, nx_err *err)
{
	if (nx_infer_dtype_in(g, o, 0, NX_DT_ALL, err))
		return -1;
	nx_type x = nx_infer_in(g, o, 0);
	int64_t b;
	if (block_of(g, o, &x, &b, err))
		return -1;
	if (x.dims[2] % b || x.dims[3] % b)
		return nx_infer_fail(g, o, err, "H %lld and W %lld must be multiples of "
				     "blocksize %lld", (long long)x.dims[2], (long long)x.dims[3],
				     (long long)b);
	x.dims[1] *= b * b;
	x.dims[2] /= b;
	x.dims[3] /= b;
	return nx_infer_set(g, o, 0, &x, err);
}

int nx_infer_gather_elements(nx_graph *g, uint32_t o, nx_err *err)
{
	if (nx_infer_dtype_in(g, o, 0, NX_DT_ALL, err) || nx_infer_dtype_in(g, o, 1, DT_IDX, err))
		return -1;
	nx_type x = nx_infer_in(g, o, 0), ix = nx_infer_in(g, o, 1);
	int axis;
	if (nx_infer_axis(g, o, err, "axis", nx_attr_i(g, o, "axis", 0), x.rank, &axis))
		return -1;
	if (ix.rank != x.rank)
		return nx_infer_fail(g, o, err, "indices have rank %d, data rank %d", ix.rank,
				     x.rank);
	ix.dtype = x.dtype;
	return nx_infer_set(g, o, 0, &ix, err);
}

int nx_infer_gather_nd(nx_graph *g, uint32_t o, nx_err *err)
{
	if (nx_infer_dtype_in(g, o, 0, NX_DT_ALL, err) || nx_infer_dtype_in(g, o, 1, DT_IDX, err))
		return -1;
	nx_type x = nx_infer_in(g, o, 0), ix = nx_infer_in(g, o, 1);
	int64_t b = nx_attr_i(g, o, "batch_dims", 0);
	if (ix.rank < 1 || b < 0 || b >= ix.rank || b >= x.rank)
		return nx_infer_fail(g, o, err, "batch_dims=%lld for indices of rank %d and data "
				     "of rank %d", (long long)b, ix.rank, x.rank);
	int64_t m = ix.dims[ix.rank - 1];
	if (m < 1 || b + m > x.rank)
		return nx_infer_fail(g, o, err, "index tuples of %lld for data of rank %d after "
				     "%lld batch dims", (long long)m, x.rank, (long long)b);
	for (int d = 0; d < b; d++)
		if (ix.dims[d] != x.dims[d])
			return nx_infer_fail(g, o, err, "batch dim %d: indices %lld, data %lld", d,
					     (long long)ix.dims[d], (long long)x.dims[d]);
	nx_type r = x;
	r.rank = 0;
	for (int d = 0; d < ix.rank - 1; d++)
		r.dims[r.rank++] = ix.dims[d];
	for (int d = (int)(b + m); d < x.rank; d++) {
		if (r.rank >= NX_MAX_RANK)
			return nx_infer_fail(g, o, err, "the result has rank > %d", NX_MAX_RANK);
		r.dims[r.rank++] = x.dims[d];
	}
	return nx_infer_set(g, o, 0, &r, err);
}

static int reduction_ok(const nx_graph *g, uint32_t o, nx_err *err)
{
	const char *r = nx_attr_s(g, o, "reduction", "none");
	if (strcmp(r, "none") && strcmp(r, "add") && strcmp(r, "mul") && strcmp(r, "max") &&
	    strcmp(r, "min"))
		return nx_infer_fail(g, o, err, "reduction=\"%s\" (none, add, mul, max, min)", r);
	return 0;
}

int nx_infer_scatter_elements(nx_graph *g, uint32_t o, nx_err *err)
{
	if (nx_infer_dtype_in(g, o, 0, NX_DT_ALL, err) || nx_infer_dtype_in(g, o, 1, DT_IDX, err) ||
	    nx_infer_same_dtype(g, o, 0, 2, err) || reduction_ok(g, o, err))
		return -1;
	nx_type x = nx_infer_in(g, o, 0), ix = nx_infer_in(g, o, 1), u = nx_infer_in(g, o, 2);
	int axis;
	if (nx_infer_axis(g, o, err, "axis", nx_attr_i(g, o, "axis", 0), x.rank, &axis))
		return -1;
	if (ix.rank != x.rank || u.rank != ix.rank ||
	    memcmp(ix.dims, u.dims, (size_t)ix.rank * sizeof ix.dims[0]))
		return nx_infer_fail(g, o, err, "indices and updates must have the same dims and "
				     "the data's rank");
	return nx_infer_set(g, o, 0, &x, err);
}

int nx_infer_scatter_nd(nx_graph *g, uint32_t o, nx_err *err)
{
	if (nx_infer_dtype_in(g, o, 0, NX_DT_ALL, err) || nx_infer_dtype_in(g, o, 1, DT_IDX, err) ||
	    nx_infer_same_dtype(g, o, 0, 2, err) || reduction_ok(g, o, err))
		return -1;
	nx_type x = nx_infer_in(g, o, 0), ix = nx_infer_in(g, o, 1), u = nx_infer_in(g, o, 2);
	int64_t m = ix.rank ? ix.dims[ix.rank - 1] : 0;
	if (ix.rank < 1 || m < 1 || m > x.rank)
		return nx_infer_fail(g, o, err, "index tuples of %lld for data of rank %d",
				     (long long)m, x.rank);
	/* updates = indices.shape[:-1] + data.shape[m:] */
	int want = ix.rank - 1 + x.rank - (int)m;
	bool ok = u.rank == want;
	for (int d = 0; ok && d < ix.rank - 1; d++)
		ok = u.dims[d] == ix.dims[d];
	for (int d = 0; ok && d < x.rank - (int)m; d++)
		ok = u.dims[ix.rank - 1 + d] == x.dims[m + d];
	if (!ok)
		return nx_infer_fail(g, o, err, "updates must have dims indices[:-1] + data[%lld:]",
				     (long long)m);
	return nx_infer_set(g, o, 0, &x, err);
}

int nx_infer_one_hot(nx_graph *g, uint32_t o, nx_err *err)
{
	if (nx_infer_dtype_in(g, o, 0, NX_DT_NUM, err) || nx_infer_dtype_in(g, o, 1, NX_DT_ALL, err))
		return -1;
	nx_type ix = nx_infer_in(g, o, 0), v = nx_infer_in(g, o, 1);
	if (nx_type_numel(&v) != 2)
		return nx_infer_fail(g, o, err, "values must hold two elements (off, on), not %lld",
				     (long long)nx_type_numel(&v));
	int64_t depth = nx_attr_i(g, o, "depth", 0);
	if (depth < 1)
		return nx_infer_fail(g, o, err, "depth=%lld (must be >= 1)", (long long)depth);
	if (ix.rank + 1 > NX_MAX_RANK)
		return nx_infer_fail(g, o, err, "the result has rank > %d", NX_MAX_RANK);
	int axis;
	if (nx_infer_axis(g, o, err, "axis", nx_attr_i(g, o, "axis", -1), ix.rank + 1, &axis))
		return -1;
	nx_type r = ix;
	r.dtype = v.dtype;
	r.rank = (uint8_t)(ix.rank + 1);
	for (int d = 0, s = 0; d < r.rank; d++)
		r.dims[d] = d == axis ? depth : ix.dims[s++];
	return nx_infer_set(g, o, 0, &r, err);
}

int nx_infer_eye_like(nx_graph *g, uint32_t o, nx_err *err)
{
	nx_type x = nx_infer_in(g, o, 0);
	if (x.rank != 2)
		return nx_infer_fail(g, o, err, "needs a rank-2 operand, not rank %d", x.rank);
	const char *dt = nx_attr_s(g, o, "dtype", NULL);
	if (dt) {
		int d = nx_dtype_parse(dt, strlen(dt));
		if (d < 0)
			return nx_infer_fail(g, o, err, "dtype=\"%s\" is not a nex dtype", dt);
		x.dtype = (uint8_t)d;
	}
	return nx_infer_set(g, o, 0, &x, err);
}

/* ReverseSequence: the result is the input; sequence_lens is [batch]. */
int nx_infer_reverse_sequence(nx_graph *g, uint32_t o, nx_err *err)
{
	if (nx_infer_dtype_in(g, o, 0, NX_DT_ALL, err) || nx_infer_dtype_in(g, o, 1, DT_IDX, err))
		return -1;
	nx_type x = nx_infer_in(g, o, 0), l = nx_infer_in(g, o, 1);
	int64_t ba = nx_attr_i(g, o, "batch_axis", 1), ta = nx_attr_i(g, o, "time_axis", 0);
	if (x.rank < 2 || (ba != 0 && ba != 1) || (ta != 0 && ta != 1) || ba == ta)
		return nx_infer_fail(g, o, err, "batch_axis=%lld and time_axis=%lld must be 0 and 1 "
				     "in some order, on rank >= 2", (long long)ba, (long long)ta);
	if (l.rank != 1 || l.dims[0] != x.dims[ba])
		return nx_infer_fail(g, o, err, "sequence_lens must be [%lld]",
				     (long long)x.dims[ba]);
	return nx_infer_set(g, o, 0, &x, err);
}
