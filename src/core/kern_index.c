/* kern_index.c — ArgMax and ArgMin: the index of the first (or, with
 * select_last_index, the last) extreme element along axis; TopK: the k
 * largest (or smallest) along axis with their indices, equal values in
 * index order as ONNX asks (and sorted even with sorted=0, which leaves the
 * order open). Values compare as doubles (exact for every nex dtype below
 * 2^53); a NaN is the extreme of its row, as numpy's argmax/argmin give.
 */
#include <math.h>
#include <stdlib.h>

#include "nx_int.h"

int nx_kern_arg(nx_kern *k)
{
	const nx_tensor *x = &k->in[0];
	nx_tensor *y = &k->out[0];
	const nx_type *t = &x->type;
	bool is_max = nx_opp(k->g, k->op)->kind == NX_OP_ARG_MAX;
	int64_t axis = nx_attr_i(k->g, k->op, "axis", 0);
	if (axis < -t->rank || axis >= t->rank)
		return nx_kern_fail(k, "axis %lld is out of range for rank %d", (long long)axis,
				    t->rank);
	if (axis < 0)
		axis += t->rank;
	bool last = nx_attr_i(k->g, k->op, "select_last_index", 0) != 0;
	int64_t outer = 1, len = t->dims[axis], inner = 1;
	for (int d = 0; d < axis; d++)
		outer *= t->dims[d];
	for (int d = (int)axis + 1; d < t->rank; d++)
		inner *= t->dims[d];
	if (y->type.dtype != NX_I64 || nx_tensor_numel(y) != outer * inner)
		return nx_kern_fail(k, "the result type does not hold %lld indices",
				    (long long)(outer * inner));
	int64_t *out = y->data;
	for (int64_t o = 0; o < outer; o++)
		for (int64_t in = 0; in < inner; in++) {
			int64_t base = o * len * inner + in, best = 0;
			double bv = nx_tensor_get(x, base);
			for (int64_t s = 1; s < len && !isnan(bv); s++) {
				double v = nx_tensor_get(x, base + s * inner);
				bool better = isnan(v) || (is_max ? v > bv : v < bv) ||
					      (last && v == bv);
				if (better) {
					best = s;
					bv = v;
				}
			}
			out[o * inner + in] = best;
		}
	return 0;
}

typedef struct vi {
	double v;
	int64_t i;
} vi;

/* A total order for qsort: NaN above every number (numpy's sort). */
static int cmp_v(double a, double b)
{
	if (isnan(a) || isnan(b))
		return (isnan(a) != 0) - (isnan(b) != 0);
	return a < b ? -1 : a > b;
}

static int by_desc(const void *pa, const void *pb)
{
	const vi *a = pa, *b = pb;
	int c = cmp_v(b->v, a->v);
	return c ? c : a->i < b->i ? -1 : a->i > b->i;
}

static int by_asc(const void *pa, const void *pb)
{
	const vi *a = pa, *b = pb;
	int c = cmp_v(a->v, b->v);
	return c ? c : a->i < b->i ? -1 : a->i > b->i;
}

int nx_kern_top_k(nx_kern *k)
{
	const nx_tensor *x = &k->in[0];
	nx_tensor *yv = &k->out[0], *yi = &k->out[1];
	const nx_type *t = &x->type;
	int64_t axis = nx_attr_i(k->g, k->op, "axis", -1);
	int64_t kk = nx_attr_i(k->g, k->op, "k", 0);
	if (axis < -t->rank || axis >= t->rank)
		return nx_kern_fail(k, "axis %lld is out of range for rank %d", (long long)axis,
				    t->rank);
	if (axis < 0)
		axis += t->rank;
	int64_t outer = 1, len = t->dims[axis], inner = 1;
	for (int d = 0; d < axis; d++)
		outer *= t->dims[d];
	for (int d = (int)axis + 1; d < t->rank; d++)
		inner *= t->dims[d];
	if (kk < 1 || kk > len || yi->type.dtype != NX_I64 ||
	    nx_tensor_numel(yv) != outer * kk * inner || nx_tensor_numel(yi) != outer * kk * inner)
		return nx_kern_fail(k, "k=%lld does not fit axis %lld of size %lld and the result "
				    "types", (long long)kk, (long long)axis, (long long)len);
	bool largest = nx_attr_i(k->g, k->op, "largest", 1) != 0;
	vi *row = nx_xmalloc((size_t)len * sizeof *row); /* freed below */
	int64_t *idx = yi->data;
	for (int64_t o = 0; o < outer; o++)
		for (int64_t in = 0; in < inner; in++) {
			int64_t base = o * len * inner + in;
			for (int64_t s = 0; s < len; s++) {
				row[s].v = nx_tensor_get(x, base + s * inner);
				row[s].i = s;
			}
			qsort(row, (size_t)len, sizeof *row, largest ? by_desc : by_asc);
			for (int64_t s = 0; s < kk; s++) {
				int64_t at = (o * kk + s) * inner + in;
				nx_tensor_set(yv, at, row[s].v);
				idx[at] = row[s].i;
			}
		}
	free(row);
	return 0;
}
