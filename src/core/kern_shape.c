/* kern_shape.c — data movement kernels: views (identity, reshape, flatten,
 * squeeze, unsqueeze), transpose, concat, split, slice, gather, pad, shape
 * and expand. They move bytes and never look at values (but gather's
 * indices), so they work on every dtype by element size, and half floats go
 * through untouched.
 *
 * The N-d loops share one idea: walk the output in order, keep per-axis
 * counters and the matching input offset, and hand the innermost axis to a
 * copy of a whole row where the input is contiguous along it.
 */
#include <stdlib.h>
#include <string.h>

#include "nx_int.h"

#define PAR_MIN (1 << 16)

static size_t esize(const nx_tensor *t)
{
	return nx_dtype_size(t->type.dtype);
}

/* Row-major strides in elements. */
static void strides_of(const nx_type *t, int64_t *st)
{
	int64_t s = 1;
	for (int d = t->rank - 1; d >= 0; d--) {
		st[d] = s;
		s *= t->dims[d];
	}
}

int nx_kern_copy(nx_kern *k)
{
	if (nx_tensor_nbytes(&k->out[0]) != nx_tensor_nbytes(&k->in[0]))
		return nx_kern_fail(k, "the result type holds %zu bytes, the operand %zu",
				    nx_tensor_nbytes(&k->out[0]), nx_tensor_nbytes(&k->in[0]));
	if (k->out[0].data != k->in[0].data)
		memcpy(k->out[0].data, k->in[0].data, nx_tensor_nbytes(&k->out[0]));
	return 0;
}

/* ---- strided gather: the workhorse of transpose, slice and expand ------------
 * out[i0..ir] = in[base + sum(i_d * st[d])] over the output's dims. */
typedef struct gjob {
	int rank;
	int64_t dims[NX_MAX_RANK];  /* output dims */
	int64_t st[NX_MAX_RANK];    /* input stride per output dim (elements) */
	int64_t base;
	size_t es;
	const char *in;
	char *out;
} gjob;

static void gather_rows(void *ctx, int64_t lo, int64_t hi)
{
	/* lo, hi count rows: all output dims but the last. */
	gjob *j = ctx;
	int r = j->rank;
	int64_t n = j->dims[r - 1], s = j->st[r - 1];
	size_t es = j->es;
	int64_t idx[NX_MAX_RANK] = {0}, rem = lo;
	for (int d = r - 2; d >= 0; d--) {
		idx[d] = rem % j->dims[d];
		rem /= j->dims[d];
	}
	for (int64_t row = lo; row < hi; row++) {
		int64_t off = j->base;
		for (int d = 0; d < r - 1; d++)
			off += idx[d] * j->st[d];
		char *o = j->out + (size_t)(row * n) * es;
		const char *src = j->in + (size_t)off * es;
		if (s == 1) {
			memcpy(o, src, (size_t)n * es);
		} else if (es == 4) {
			const uint32_t *p = (const uint32_t *)(const void *)src;
			uint32_t *q = (uint32_t *)(void *)o;
			for (int64_t i = 0; i < n; i++)
				q[i] = p[i * s];
		} else if (es == 2) {
			const uint16_t *p = (const uint16_t *)(const void *)src;
			uint16_t *q = (uint16_t *)(void *)o;
			for (int64_t i = 0; i < n; i++)
				q[i] = p[i * s];
		} else if (es == 8) {
			const uint64_t *p = (const uint64_t *)(const void *)src;
			uint64_t *q = (uint64_t *)(void *)o;
			for (int64_t i = 0; i < n; i++)
				q[i] = p[i * s];
		} else {
			for (int64_t i = 0; i < n; i++)
				o[i] = src[i * s];
		}
		for (int d = r - 2; d >= 0; d--) {
			if (++idx[d] < j->dims[d])
				break;
			idx[d] = 0;
		}
	}
}

/* Merges output dims that the input walks as one run, then runs the rows
 * over the pool. */
static void gather_run(gjob *j, nx_pool *pool)
{
	int r = 0;
	int64_t dims[NX_MAX_RANK], st[NX_MAX_RANK];
	for (int d = 0; d < j->rank; d++) {
		if (j->dims[d] == 1)
			continue;
		if (r > 0 && st[r - 1] == j->st[d] * j->dims[d]) {
			dims[r - 1] *= j->dims[d];
			st[r - 1] = j->st[d];
			continue;
		}
		dims[r] = j->dims[d];
		st[r] = j->st[d];
		r++;
	}
	if (r == 0) {
		dims[0] = 1;
		st[0] = 1;
		r = 1;
	}
	j->rank = r;
	memcpy(j->dims, dims, sizeof dims);
	memcpy(j->st, st, sizeof st);
	int64_t rows = 1, total = 1;
	for (int d = 0; d < r - 1; d++)
		rows *= dims[d];
	total = rows * dims[r - 1];
	nx_pool_for(total >= PAR_MIN ? pool : NULL, rows, gather_rows, j);
}

int nx_kern_transpose(nx_kern *k)
{
	const nx_tensor *x = &k->in[0];
	nx_tensor *y = &k->out[0];
	int r = x->type.rank;
	uint32_t np;
	const int64_t *perm = nx_attr_ints(k->g, k->op, "perm", &np);
	int64_t ist[NX_MAX_RANK];
	strides_of(&x->type, ist);
	gjob j = {r, {0}, {0}, 0, esize(x), x->data, y->data};
	for (int d = 0; d < r; d++) {
		int64_t p = perm && (int)np == r ? perm[d] : r - 1 - d;
		if (p < 0)
			p += r;
		if (p < 0 || p >= r)
			return nx_kern_fail(k, "perm[%d] = %lld is out of range", d,
					    (long long)(perm ? perm[d] : p));
		j.dims[d] = x->type.dims[p];
		j.st[d] = ist[p];
	}
	if (nx_tensor_numel(y) != nx_tensor_numel(x))
		return nx_kern_fail(k, "the result type does not hold the operand's elements");
	if (r == 0) {
		memcpy(y->data, x->data, esize(x));
		return 0;
	}
	gather_run(&j, k->pool);
	return 0;
}

/* Operand dims equal to the result's but along axis (concat, split). */
static int check_dims_but(nx_kern *k, const nx_tensor *a, const nx_tensor *b, int axis)
{
	bool ok = a->type.rank == b->type.rank && a->type.dtype == b->type.dtype;
	for (int d = 0; ok && d < a->type.rank; d++)
		ok = d == axis || a->type.dims[d] == b->type.dims[d];
	if (ok)
		return 0;
	char sa[128], sb[128];
	nx_type_str(&a->type, sa, sizeof sa);
	nx_type_str(&b->type, sb, sizeof sb);
	return nx_kern_fail(k, "%s and %s differ off axis %d", sa, sb, axis);
}

static int get_axis(nx_kern *k, int64_t axis, int rank, int *out)
{
	if (axis < -rank || axis >= rank)
		return nx_kern_fail(k, "axis %lld is out of range for rank %d", (long long)axis, rank);
	*out = (int)(axis < 0 ? axis + rank : axis);
	return 0;
}

int nx_kern_concat(nx_kern *k)
{
	nx_tensor *y = &k->out[0];
	int r = y->type.rank, axis = 0;
	if (get_axis(k, nx_attr_i(k->g, k->op, "axis", 0), r, &axis))
		return -1;
	size_t es = esize(y);
	int64_t outer = 1, inner = 1;
	for (int d = 0; d < axis; d++)
		outer *= y->type.dims[d];
	for (int d = axis + 1; d < r; d++)
		inner *= y->type.dims[d];
	size_t orow = (size_t)(y->type.dims[axis] * inner) * es;
	size_t at = 0;
	int64_t total = 0;
	for (uint32_t i = 0; i < k->n_in; i++) {
		if (check_dims_but(k, &k->in[i], y, axis))
			return -1;
		total += k->in[i].type.dims[axis];
	}
	if (total != y->type.dims[axis])
		return nx_kern_fail(k, "operands sum to %lld along axis %d, the result type has %lld",
				    (long long)total, axis, (long long)y->type.dims[axis]);
	for (uint32_t i = 0; i < k->n_in; i++) {
		const nx_tensor *x = &k->in[i];
		size_t row = (size_t)(x->type.dims[axis] * inner) * es;
		for (int64_t o = 0; o < outer; o++)
			memcpy((char *)y->data + (size_t)o * orow + at,
			       (const char *)x->data + (size_t)o * row, row);
		at += row;
	}
	return 0;
}

int nx_kern_split(nx_kern *k)
{
	const nx_tensor *x = &k->in[0];
	int r = x->type.rank, axis = 0;
	if (get_axis(k, nx_attr_i(k->g, k->op, "axis", 0), r, &axis))
		return -1;
	size_t es = esize(x);
	int64_t outer = 1, inner = 1;
	for (int d = 0; d < axis; d++)
		outer *= x->type.dims[d];
	for (int d = axis + 1; d < r; d++)
		inner *= x->type.dims[d];
	size_t irow = (size_t)(x->type.dims[axis] * inner) * es;
	size_t at = 0;
	for (uint32_t i = 0; i < k->n_out; i++) {
		nx_tensor *y = &k->out[i];
		if (check_dims_but(k, x, y, axis))
			return -1;
		size_t row = (size_t)(y->type.dims[axis] * inner) * es;
		if (at + row > irow)
			return nx_kern_fail(k, "results cover more than the operand along axis %d",
					    axis);
		for (int64_t o = 0; o < outer; o++)
			memcpy((char *)y->data + (size_t)o * row,
			       (const char *)x->data + (size_t)o * irow + at, row);
		at += row;
	}
	return 0;
}

/* ONNX Slice's clamping of one axis: start, step and the element count. */
static int64_t clamp64(int64_t v, int64_t lo, int64_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

int nx_kern_slice(nx_kern *k)
{
	const nx_tensor *x = &k->in[0];
	nx_tensor *y = &k->out[0];
	int r = x->type.rank;
	uint32_t ns, ne, na, nst;
	const int64_t *starts = nx_attr_ints(k->g, k->op, "starts", &ns);
	const int64_t *ends = nx_attr_ints(k->g, k->op, "ends", &ne);
	const int64_t *axes = nx_attr_ints(k->g, k->op, "axes", &na);
	const int64_t *steps = nx_attr_ints(k->g, k->op, "steps", &nst);
	if (ns != ne || (axes && na != ns) || (steps && nst != ns))
		return nx_kern_fail(k, "starts, ends, axes and steps differ in length");
	int64_t ist[NX_MAX_RANK];
	strides_of(&x->type, ist);
	gjob j = {r, {0}, {0}, 0, esize(x), x->data, y->data};
	for (int d = 0; d < r; d++) {
		j.dims[d] = x->type.dims[d];
		j.st[d] = ist[d];
	}
	for (uint32_t i = 0; i < ns; i++) {
		int a = 0;
		if (get_axis(k, axes ? axes[i] : (int64_t)i, r, &a))
			return -1;
		int64_t dim = x->type.dims[a], step = steps ? steps[i] : 1;
		if (step == 0)
			return nx_kern_fail(k, "steps[%u] is 0", i);
		int64_t s = starts[i], e = ends[i];
		/* Negative counts from the end; anything before the start
		 * clamps below (no overflow on INT64_MIN). */
		if (s < 0)
			s = s < -dim ? -1 : s + dim;
		if (e < 0)
			e = e < -dim ? -1 : e + dim;
		int64_t cnt;
		if (step > 0) {
			s = clamp64(s, 0, dim);
			e = clamp64(e, 0, dim);
			cnt = e > s ? (e - s + step - 1) / step : 0;
		} else {
			s = clamp64(s, 0, dim - 1);
			e = clamp64(e, -1, dim - 1);
			cnt = s > e ? (s - e + (-step) - 1) / (-step) : 0;
		}
		if (cnt != y->type.dims[a])
			return nx_kern_fail(k, "axis %d: the slice has %lld elements, the result "
					    "type says %lld", a, (long long)cnt,
					    (long long)y->type.dims[a]);
		j.base += s * ist[a];
		j.st[a] = step * ist[a];
		j.dims[a] = cnt;
	}
	if (r == 0) {
		memcpy(y->data, x->data, esize(x));
		return 0;
	}
	gather_run(&j, k->pool);
	return 0;
}

int nx_kern_gather(nx_kern *k)
{
	const nx_tensor *x = &k->in[0], *ix = &k->in[1];
	nx_tensor *y = &k->out[0];
	int r = x->type.rank, axis = 0;
	if (get_axis(k, nx_attr_i(k->g, k->op, "axis", 0), r, &axis))
		return -1;
	int idt = ix->type.dtype;
	if (idt != NX_I32 && idt != NX_I64)
		return nx_kern_fail(k, "indices must be i32 or i64, not %s", nx_dtype_name(idt));
	size_t es = esize(x);
	int64_t outer = 1, inner = 1, dim = x->type.dims[axis];
	for (int d = 0; d < axis; d++)
		outer *= x->type.dims[d];
	for (int d = axis + 1; d < r; d++)
		inner *= x->type.dims[d];
	int64_t ni = nx_tensor_numel(ix);
	size_t row = (size_t)inner * es;
	if (nx_tensor_numel(y) != outer * ni * inner || y->type.dtype != x->type.dtype)
		return nx_kern_fail(k, "the result type does not hold the gathered elements");
	char *o = y->data;
	for (int64_t a = 0; a < outer; a++)
		for (int64_t i = 0; i < ni; i++) {
			int64_t v = idt == NX_I32 ? ((const int32_t *)ix->data)[i]
						  : ((const int64_t *)ix->data)[i];
			if (v < -dim || v >= dim)
				return nx_kern_fail(k, "index %lld is out of range for axis %d of "
						    "size %lld", (long long)v, axis, (long long)dim);
			if (v < 0)
				v += dim;
			memcpy(o, (const char *)x->data + (size_t)((a * dim + v) * inner) * es, row);
			o += row;
		}
	return 0;
}

/* Source index along one axis of pad, or -1 for "the constant". */
static int64_t pad_src(int mode, int64_t i, int64_t n)
{
	if (i >= 0 && i < n)
		return i;
	switch (mode) {
	case 1: /* reflect: mirror without repeating the edge */
		if (n == 1)
			return 0;
		for (;;) {
			if (i < 0)
				i = -i;
			else if (i >= n)
				i = 2 * (n - 1) - i;
			else
				return i;
		}
	case 2: /* edge */
		return i < 0 ? 0 : n - 1;
	case 3: /* wrap */
		return ((i % n) + n) % n;
	default:
		return -1;
	}
}

int nx_kern_pad(nx_kern *k)
{
	const nx_tensor *x = &k->in[0];
	nx_tensor *y = &k->out[0];
	int r = x->type.rank;
	uint32_t np;
	const int64_t *pads = nx_attr_ints(k->g, k->op, "pads", &np);
	if ((int)np != 2 * r)
		return nx_kern_fail(k, "pads has %u entries, rank %d needs %d", np, r, 2 * r);
	const char *ms = nx_attr_s(k->g, k->op, "mode", "constant");
	int mode = !strcmp(ms, "constant") ? 0 : !strcmp(ms, "reflect") ? 1
		 : !strcmp(ms, "edge") ? 2 : !strcmp(ms, "wrap") ? 3 : -1;
	if (mode < 0)
		return nx_kern_fail(k, "unknown mode \"%s\" (constant, reflect, edge, wrap)", ms);
	for (int d = 0; d < r; d++)
		if (y->type.rank != r || y->type.dims[d] != x->type.dims[d] + pads[d] + pads[d + r])
			return nx_kern_fail(k, "the result type does not match the pads");
	for (int d = 0; d < r; d++)
		if (mode && x->type.dims[d] + (pads[d] < 0 ? pads[d] : 0) +
				    (pads[d + r] < 0 ? pads[d + r] : 0) <= 0)
			return nx_kern_fail(k, "%s padding of an empty axis %d", ms, d);
	size_t es = esize(x);
	/* The constant in the tensor's dtype, as bytes. */
	nx_tensor cv = nx_tensor_alloc(&(nx_type){.dtype = y->type.dtype, .rank = 0});
	nx_tensor_set(&cv, 0, nx_attr_f(k->g, k->op, "value", 0));
	int64_t ist[NX_MAX_RANK];
	strides_of(&x->type, ist);
	int64_t total = nx_tensor_numel(y);
	if (r == 0) {
		memcpy(y->data, x->data, es);
		nx_tensor_free(&cv);
		return 0;
	}
	int64_t n = y->type.dims[r - 1], in_n = x->type.dims[r - 1];
	int64_t rows = total / n, idx[NX_MAX_RANK] = {0};
	char *o = y->data;
	for (int64_t row = 0; row < rows; row++) {
		int64_t off = 0;
		bool outside = false;
		for (int d = 0; d < r - 1; d++) {
			int64_t s = pad_src(mode, idx[d] - pads[d], x->type.dims[d]);
			if (s < 0)
				outside = true;
			else
				off += s * ist[d];
		}
		for (int64_t i = 0; i < n; i++) {
			int64_t s = outside ? -1 : pad_src(mode, i - pads[r - 1], in_n);
			memcpy(o + (size_t)i * es,
			       s < 0 ? (const char *)cv.data
				     : (const char *)x->data + (size_t)(off + s) * es, es);
		}
		o += (size_t)n * es;
		for (int d = r - 2; d >= 0; d--) {
			if (++idx[d] < y->type.dims[d])
				break;
			idx[d] = 0;
		}
	}
	nx_tensor_free(&cv);
	return 0;
}

int nx_kern_shape(nx_kern *k)
{
	const nx_tensor *x = &k->in[0];
	nx_tensor *y = &k->out[0];
	int r = x->type.rank;
	int64_t s = nx_attr_i(k->g, k->op, "start", 0), e = nx_attr_i(k->g, k->op, "end", r);
	if (s < 0)
		s += r;
	if (e < 0)
		e += r;
	s = clamp64(s, 0, r);
	e = clamp64(e, 0, r);
	int64_t n = e > s ? e - s : 0;
	if (y->type.dtype != NX_I64 || nx_tensor_numel(y) != n)
		return nx_kern_fail(k, "the result type does not hold %lld i64 dims", (long long)n);
	for (int64_t i = 0; i < n; i++)
		((int64_t *)y->data)[i] = x->type.dims[s + i];
	return 0;
}

int nx_kern_expand(nx_kern *k)
{
	const nx_tensor *x = &k->in[0];
	nx_tensor *y = &k->out[0];
	int r = y->type.rank;
	if (x->type.rank > r)
		return nx_kern_fail(k, "operand rank %d exceeds the result's %d", x->type.rank, r);
	int64_t ist[NX_MAX_RANK];
	strides_of(&x->type, ist);
	gjob j = {r, {0}, {0}, 0, esize(x), x->data, y->data};
	for (int d = 0; d < r; d++) {
		int xd = d - (r - x->type.rank);
		int64_t dim = xd >= 0 ? x->type.dims[xd] : 1;
		if (dim != 1 && dim != y->type.dims[d])
			return nx_kern_fail(k, "operand dim %d (%lld) does not broadcast to %lld", xd,
					    (long long)dim, (long long)y->type.dims[d]);
		j.dims[d] = y->type.dims[d];
		j.st[d] = dim == 1 ? 0 : ist[xd];
	}
	if (r == 0) {
		memcpy(y->data, x->data, esize(x));
		return 0;
	}
	gather_run(&j, k->pool);
	return 0;
}
