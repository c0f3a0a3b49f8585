/* kern_scatter.c — index-driven gathers and scatters: GatherElements,
 * GatherND (with batch_dims), ScatterElements and ScatterND (reduction
 * none, add, mul, max, min).
 *
 * Indices are i32 or i64, negative ones counting from the end of their
 * axis; one out of range is an error naming the op, the position and the
 * bound (onnxruntime refuses them too). Plain gathers and scatters copy
 * elements by their bytes (any dtype); a scatter with a reduction combines
 * as doubles (exact for integers below 2^53). Scatters with repeated
 * indices apply the updates in order, as the ONNX reference does.
 */
#include <string.h>

#include "nx_int.h"

/* Index element i, brought into [0, dim); -1 + err when out of range. */
static int index_at(nx_kern *k, const nx_tensor *ix, int64_t i, int64_t dim, int64_t *out)
{
	int64_t v = nx_tensor_get_int(ix, i);
	int64_t w = v < 0 ? v + dim : v;
	if (w < 0 || w >= dim)
		return nx_kern_fail(k, "index %lld at position %lld is out of range for a dim of "
				    "%lld", (long long)v, (long long)i, (long long)dim);
	*out = w;
	return 0;
}

static void strides(const nx_type *t, int64_t *st)
{
	int64_t s = 1;
	for (int d = t->rank - 1; d >= 0; d--) {
		st[d] = s;
		s *= t->dims[d];
	}
}

int nx_kern_gather_elements(nx_kern *k)
{
	const nx_tensor *x = &k->in[0], *ix = &k->in[1];
	nx_tensor *y = &k->out[0];
	const nx_type *t = &x->type, *it = &ix->type;
	int64_t axis = nx_attr_i(k->g, k->op, "axis", 0);
	if (axis < 0)
		axis += t->rank;
	if (axis < 0 || axis >= t->rank || it->rank != t->rank ||
	    nx_tensor_numel(y) != nx_tensor_numel(ix))
		return nx_kern_fail(k, "operands do not match the result type");
	int64_t xs[NX_MAX_RANK], idx[NX_MAX_RANK] = {0};
	strides(t, xs);
	size_t es = nx_dtype_size(t->dtype);
	int64_t n = nx_tensor_numel(ix);
	for (int64_t i = 0; i < n; i++) {
		int64_t a = 0, src = 0;
		if (index_at(k, ix, i, t->dims[axis], &a))
			return -1;
		for (int d = 0; d < t->rank; d++) {
			int64_t c = d == axis ? a : idx[d];
			if (c >= t->dims[d])
				return nx_kern_fail(k, "indices dim %d exceeds the data's", d);
			src += c * xs[d];
		}
		memcpy((char *)y->data + i * es, (const char *)x->data + src * es, es);
		for (int d = it->rank - 1; d >= 0; d--) {
			if (++idx[d] < it->dims[d])
				break;
			idx[d] = 0;
		}
	}
	return 0;
}

/* GatherND: for each index tuple (after the batch dims), copy the slice of
 * data it names. */
int nx_kern_gather_nd(nx_kern *k)
{
	const nx_tensor *x = &k->in[0], *ix = &k->in[1];
	nx_tensor *y = &k->out[0];
	const nx_type *t = &x->type, *it = &ix->type;
	int64_t b = nx_attr_i(k->g, k->op, "batch_dims", 0);
	int64_t m = it->rank ? it->dims[it->rank - 1] : 0;
	if (b < 0 || m < 1 || b + m > t->rank)
		return nx_kern_fail(k, "operands do not match the result type");
	int64_t xs[NX_MAX_RANK];
	strides(t, xs);
	int64_t batch = 1, slice = 1;
	for (int d = 0; d < b; d++)
		batch *= t->dims[d];
	for (int d = (int)(b + m); d < t->rank; d++)
		slice *= t->dims[d];
	int64_t tuples = nx_tensor_numel(ix) / m, per_batch = tuples / batch;
	if (nx_tensor_numel(y) != tuples * slice)
		return nx_kern_fail(k, "the result type does not hold %lld slices of %lld",
				    (long long)tuples, (long long)slice);
	size_t es = nx_dtype_size(t->dtype);
	for (int64_t q = 0; q < tuples; q++) {
		int64_t bi = q / per_batch, src = bi * (b ? xs[b - 1] : 0);
		for (int64_t j = 0; j < m; j++) {
			int64_t a = 0;
			if (index_at(k, ix, q * m + j, t->dims[b + j], &a))
				return -1;
			src += a * xs[b + j];
		}
		memcpy((char *)y->data + q * slice * (int64_t)es, (const char *)x->data + src * es,
		       (size_t)slice * es);
	}
	return 0;
}

enum { R_NONE, R_ADD, R_MUL, R_MAX, R_MIN };

static int reduction(nx_kern *k)
{
	const char *r = nx_attr_s(k->g, k->op, "reduction", "none");
	return !strcmp(r, "add") ? R_ADD : !strcmp(r, "mul") ? R_MUL : !strcmp(r, "max") ? R_MAX
	       : !strcmp(r, "min") ? R_MIN : R_NONE;
}

/* y[dst] = update u[src] combined by red. */
static void put(nx_tensor *y, int64_t dst, const nx_tensor *u, int64_t src, int red, size_t es)
{
	if (red == R_NONE) {
		memcpy((char *)y->data + dst * es, (const char *)u->data + src * es, es);
		return;
	}
	double a = nx_tensor_get(y, dst), v = nx_tensor_get(u, src);
	double r = red == R_ADD ? a + v : red == R_MUL ? a * v : red == R_MAX ? (v > a ? v : a)
									: (v < a ? v : a);
	nx_tensor_set(y, dst, r);
}

int nx_kern_scatter_elements(nx_kern *k)
{
	const nx_tensor *x = &k->in[0], *ix = &k->in[1], *u = &k->in[2];
	nx_tensor *y = &k->out[0];
	const nx_type *t = &x->type, *it = &ix->type;
	int64_t axis = nx_attr_i(k->g, k->op, "axis", 0);
	if (axis < 0)
		axis += t->rank;
	if (axis < 0 || axis >= t->rank || it->rank != t->rank ||
	    nx_tensor_numel(u) != nx_tensor_numel(ix) || nx_tensor_numel(y) != nx_tensor_numel(x))
		return nx_kern_fail(k, "operands do not match the result type");
	size_t es = nx_dtype_size(t->dtype);
	memcpy(y->data, x->data, nx_tensor_nbytes(y));
	int red = reduction(k);
	int64_t ys[NX_MAX_RANK], idx[NX_MAX_RANK] = {0};
	strides(t, ys);
	int64_t n = nx_tensor_numel(ix);
	for (int64_t i = 0; i < n; i++) {
		int64_t a = 0, dst = 0;
		if (index_at(k, ix, i, t->dims[axis], &a))
			return -1;
		for (int d = 0; d < t->rank; d++) {
			int64_t c = d == axis ? a : idx[d];
			if (c >= t->dims[d])
				return nx_kern_fail(k, "indices dim %d exceeds the data's", d);
			dst += c * ys[d];
		}
		put(y, dst, u, i, red, es);
		for (int d = it->rank - 1; d >= 0; d--) {
			if (++idx[d] < it->dims[d])
				break;
			idx[d] = 0;
		}
	}
	return 0;
}

int nx_kern_scatter_nd(nx_kern *k)
{
	const nx_tensor *x = &k->in[0], *ix = &k->in[1], *u = &k->in[2];
	nx_tensor *y = &k->out[0];
	const nx_type *t = &x->type, *it = &ix->type;
	int64_t m = it->rank ? it->dims[it->rank - 1] : 0;
	if (m < 1 || m > t->rank || nx_tensor_numel(y) != nx_tensor_numel(x))
		return nx_kern_fail(k, "operands do not match the result type");
	int64_t ys[NX_MAX_RANK];
	strides(t, ys);
	int64_t slice = 1;
	for (int d = (int)m; d < t->rank; d++)
		slice *= t->dims[d];
	int64_t tuples = nx_tensor_numel(ix) / m;
	if (nx_tensor_numel(u) != tuples * slice)
		return nx_kern_fail(k, "updates do not hold %lld slices of %lld", (long long)tuples,
				    (long long)slice);
	size_t es = nx_dtype_size(t->dtype);
	memcpy(y->data, x->data, nx_tensor_nbytes(y));
	int red = reduction(k);
	for (int64_t q = 0; q < tuples; q++) {
		int64_t dst = 0;
		for (int64_t j = 0; j < m; j++) {
			int64_t a = 0;
			if (index_at(k, ix, q * m + j, t->dims[j], &a))
				return -1;
			dst += a * ys[j];
		}
		for (int64_t e = 0; e < slice; e++)
			put(y, dst + e, u, q * slice + e, red, es);
	}
	return 0;
}

/* ReverseSequence: in batch b the first sequence_lens[b] steps along
 * time_axis are reversed, the rest copied. */
int nx_kern_reverse_sequence(nx_kern *k)
{
	const nx_tensor *x = &k->in[0], *l = &k->in[1];
	nx_tensor *y = &k->out[0];
	const nx_type *t = &x->type;
	int64_t ba = nx_attr_i(k->g, k->op, "batch_axis", 1);
	int64_t ta = nx_attr_i(k->g, k->op, "time_axis", 0);
	if (t->rank < 2 || ba == ta || ba < 0 || ba > 1 || ta < 0 || ta > 1 ||
	    nx_tensor_numel(l) != t->dims[ba])
		return nx_kern_fail(k, "operands do not match the result type");
	int64_t T = t->dims[ta], B = t->dims[ba], inner = nx_tensor_numel(x) / (T * B);
	size_t es = nx_dtype_size(t->dtype);
	for (int64_t b = 0; b < B; b++) {
		int64_t len = nx_tensor_get_int(l, b);
		if (len < 0 || len > T)
			return nx_kern_fail(k, "sequence_lens[%lld] = %lld is out of range 0..%lld",
					    (long long)b, (long long)len, (long long)T);
		for (int64_t s = 0; s < T; s++) {
			int64_t from = s < len ? len - 1 - s : s;
			/* dims 0 and 1 are time and batch in some order */
			int64_t to_at = ta == 0 ? s * B + b : b * T + s;
			int64_t from_at = ta == 0 ? from * B + b : b * T + from;
			memcpy((char *)y->data + to_at * inner * (int64_t)es,
			       (const char *)x->data + from_at * inner * (int64_t)es,
			       (size_t)inner * es);
		}
	}
	return 0;
}
