/* infer_shape.c — shape inference for ops that move or re-view data without
 * arithmetic: reshape, flatten, transpose, squeeze/unsqueeze, concat, split,
 * slice, gather, pad, shape, expand and resize. The shape-like parameters
 * that later ONNX opsets pass as constant inputs are attributes in nex
 * (ops.def header), so every result shape here is computed from attributes;
 * the arithmetic follows the ONNX opset-18 operator specs (Reshape's 0 and
 * -1, Slice's clamping, Shape's start/end, Split's uneven last chunk).
 */
#include <math.h>
#include <string.h>

#include "nx_int.h"

/* "[1,2,3]" into buf (truncated if long), for messages. */
static const char *fmt_ints(const int64_t *v, uint32_t n, char *buf, size_t cap)
{
	size_t k = (size_t)snprintf(buf, cap, "[");
	for (uint32_t i = 0; i < n && k < cap; i++)
		k += (size_t)snprintf(buf + k, cap - k, "%s%lld", i ? "," : "", (long long)v[i]);
	if (k < cap)
		snprintf(buf + k, cap - k, "]");
	return buf;
}

/* Product of dims[lo..hi), -1 on int64 overflow. */
static int64_t dims_prod(const int64_t *dims, int lo, int hi)
{
	int64_t p = 1;
	for (int i = lo; i < hi; i++) {
		if (dims[i] > 0 && p > INT64_MAX / dims[i])
			return -1;
		p *= dims[i];
	}
	return p;
}

static int rank_limit(const nx_graph *g, uint32_t o, nx_err *err, const char *what, uint32_t n)
{
	if (n <= NX_MAX_RANK)
		return 0;
	return nx_infer_fail(g, o, err, "%s has %u entries (nex allows rank <= %d)", what, n,
			     NX_MAX_RANK);
}

int nx_infer_reshape(nx_graph *g, uint32_t o, nx_err *err)
{
	nx_type x = nx_infer_in(g, o, 0), r = x;
	uint32_t n;
	const int64_t *shape = nx_attr_ints(g, o, "shape", &n);
	bool allowzero = nx_attr_i(g, o, "allowzero", 0) != 0;
	char sb[256], xb[160];
	if (rank_limit(g, o, err, "shape", n))
		return -1;
	r.rank = (uint8_t)n;
	int infer_at = -1;
	for (int i = 0; i < (int)n; i++) {
		int64_t v = shape[i];
		if (v == -1) {
			if (infer_at >= 0)
				return nx_infer_fail(g, o, err, "shape %s has more than one -1",
						     fmt_ints(shape, n, sb, sizeof sb));
			infer_at = i;
			r.dims[i] = 1;
		} else if (v == 0 && allowzero) {
			return nx_infer_fail(g, o, err,
					     "shape[%d] is 0 with allowzero=1: a zero-size dim "
					     "(nex dims are static and >= 1)", i);
		} else if (v == 0) {
			if (i >= x.rank)
				return nx_infer_fail(g, o, err, "shape[%d] = 0 copies input "
						     "dim %d, but the input %s has rank %d", i,
						     i, nx_infer_tstr(&x, xb, sizeof xb), x.rank);
			r.dims[i] = x.dims[i];
		} else if (v < 0) {
			return nx_infer_fail(g, o, err, "shape[%d] = %lld is invalid (>= -1)", i,
					     (long long)v);
		} else {
			r.dims[i] = v;
		}
	}
	int64_t have = nx_type_numel(&x), prod = dims_prod(r.dims, 0, r.rank);
	if (prod < 0)
		return nx_infer_fail(g, o, err, "shape %s overflows int64",
				     fmt_ints(shape, n, sb, sizeof sb));
	if (infer_at >= 0) {
		if (have % prod)
			return nx_infer_fail(g, o, err,
					     "cannot reshape %s (%lld elements) to %s: not a "
					     "multiple of %lld", nx_infer_tstr(&x, xb, sizeof xb),
					     (long long)have, fmt_ints(shape, n, sb, sizeof sb),
					     (long long)prod);
		r.dims[infer_at] = have / prod;
	} else if (prod != have) {
		return nx_infer_fail(g, o, err,
				     "cannot reshape %s (%lld elements) to %s (%lld elements)",
				     nx_infer_tstr(&x, xb, sizeof xb), (long long)have,
				     fmt_ints(shape, n, sb, sizeof sb), (long long)prod);
	}
	return nx_infer_set(g, o, 0, &r, err);
}

int nx_infer_flatten(nx_graph *g, uint32_t o, nx_err *err)
{
	nx_type x = nx_infer_in(g, o, 0), r = x;
	int64_t axis = nx_attr_i(g, o, "axis", 1);
	/* Unlike most axes, Flatten's may equal the rank: [numel, 1]. */
	if (axis < -(int64_t)x.rank || axis > x.rank)
		return nx_infer_fail(g, o, err,
				     "axis %lld is out of range for rank %d (valid: %d..%d)",
				     (long long)axis, x.rank, -x.rank, x.rank);
	int a = (int)(axis < 0 ? axis + x.rank : axis);
	r.rank = 2;
	r.dims[0] = dims_prod(x.dims, 0, a);
	r.dims[1] = dims_prod(x.dims, a, x.rank);
	return nx_infer_set(g, o, 0, &r, err);
}

int nx_infer_transpose(nx_graph *g, uint32_t o, nx_err *err)
{
	nx_type x = nx_infer_in(g, o, 0), r = x;
	uint32_t n;
	const int64_t *perm = nx_attr_ints(g, o, "perm", &n);
	char pb[256];
	if (!perm) {
		for (int i = 0; i < x.rank; i++)
			r.dims[i] = x.dims[x.rank - 1 - i];
		return nx_infer_set(g, o, 0, &r, err);
	}
	if (n != x.rank)
		return nx_infer_fail(g, o, err, "perm %s has %u entries, the input has rank %d",
				     fmt_ints(perm, n, pb, sizeof pb), n, x.rank);
	bool seen[NX_MAX_RANK] = {false};
	for (uint32_t i = 0; i < n; i++) {
		if (perm[i] < 0 || perm[i] >= x.rank || seen[perm[i]])
			return nx_infer_fail(g, o, err, "perm %s is not a permutation of 0..%d",
					     fmt_ints(perm, n, pb, sizeof pb), x.rank - 1);
		seen[perm[i]] = true;
		r.dims[i] = x.dims[perm[i]];
	}
	return nx_infer_set(g, o, 0, &r, err);
}

int nx_infer_squeeze(nx_graph *g, uint32_t o, nx_err *err)
{
	nx_type x = nx_infer_in(g, o, 0), r = x;
	uint32_t n;
	const int64_t *axes = nx_attr_ints(g, o, "axes", &n);
	bool mark[NX_MAX_RANK];
	if (n) {
		if (nx_infer_axes(g, o, err, axes, n, x.rank, mark))
			return -1;
		for (int i = 0; i < x.rank; i++)
			if (mark[i] && x.dims[i] != 1)
				return nx_infer_fail(g, o, err,
						     "cannot squeeze axis %d of size %lld", i,
						     (long long)x.dims[i]);
	} else {
		for (int i = 0; i < x.rank; i++)
			mark[i] = x.dims[i] == 1;
	}
	r.rank = 0;
	for (int i = 0; i < x.rank; i++)
		if (!mark[i])
			r.dims[r.rank++] = x.dims[i];
	return nx_infer_set(g, o, 0, &r, err);
}

int nx_infer_unsqueeze(nx_graph *g, uint32_t o, nx_err *err)
{
	nx_type x = nx_infer_in(g, o, 0), r = x;
	uint32_t n;
	const int64_t *axes = nx_attr_ints(g, o, "axes", &n);
	if (!n)
		return nx_infer_fail(g, o, err, "axes is empty");
	if (x.rank + n > NX_MAX_RANK)
		return nx_infer_fail(g, o, err, "result would have rank %u (nex allows at most %d)",
				     x.rank + n, NX_MAX_RANK);
	bool mark[NX_MAX_RANK];
	r.rank = (uint8_t)(x.rank + n);
	if (nx_infer_axes(g, o, err, axes, n, r.rank, mark))
		return -1;
	for (int i = 0, k = 0; i < r.rank; i++)
		r.dims[i] = mark[i] ? 1 : x.dims[k++];
	return nx_infer_set(g, o, 0, &r, err);
}

int nx_infer_concat(nx_graph *g, uint32_t o, nx_err *err)
{
	uint32_t n = nx_opp(g, o)->n_in;
	nx_type r = nx_infer_in(g, o, 0);
	int axis;
	char ab[160], bb[160];
	if (nx_infer_axis(g, o, err, "axis", nx_attr_i(g, o, "axis", 0), r.rank, &axis))
		return -1;
	for (uint32_t i = 1; i < n; i++) {
		if (nx_infer_same_dtype(g, o, 0, i, err))
			return -1;
		nx_type b = nx_infer_in(g, o, i);
		nx_type a = nx_infer_in(g, o, 0);
		bool ok = b.rank == r.rank;
		for (int d = 0; ok && d < r.rank; d++)
			ok = d == axis || b.dims[d] == r.dims[d];
		if (!ok)
			return nx_infer_fail(g, o, err,
					     "operand %u %s does not match operand 0 %s outside "
					     "axis %d", i, nx_infer_tstr(&b, bb, sizeof bb),
					     nx_infer_tstr(&a, ab, sizeof ab), axis);
		if (r.dims[axis] > INT64_MAX - b.dims[axis])
			return nx_infer_fail(g, o, err, "axis %d length overflows int64", axis);
		r.dims[axis] += b.dims[axis];
	}
	return nx_infer_set(g, o, 0, &r, err);
}

int nx_infer_split(nx_graph *g, uint32_t o, nx_err *err)
{
	nx_type x = nx_infer_in(g, o, 0);
	uint32_t nout = nx_opp(g, o)->n_out, n;
	int axis;
	if (nx_infer_axis(g, o, err, "axis", nx_attr_i(g, o, "axis", 0), x.rank, &axis))
		return -1;
	const int64_t *split = nx_attr_ints(g, o, "split", &n);
	int64_t dim = x.dims[axis], part[NX_VARIADIC];
	char sb[256];
	if (n) {
		if (n != nout)
			return nx_infer_fail(g, o, err,
					     "split %s has %u parts, the op has %u results",
					     fmt_ints(split, n, sb, sizeof sb), n, nout);
		/* Every part >= 1 and the parts sum to dim, without overflow. */
		int64_t left = dim;
		bool ok = true;
		for (uint32_t i = 0; i < n && ok; i++) {
			ok = split[i] >= 1 && split[i] <= left;
			left -= ok ? split[i] : 0;
			part[i] = split[i];
		}
		if (!ok || left)
			return nx_infer_fail(g, o, err,
					     "split %s does not add up to dim %d of size %lld",
					     fmt_ints(split, n, sb, sizeof sb), axis,
					     (long long)dim);
	} else {
		/* Equal chunks of ceil(dim / n), the last one smaller: opset 18's
		 * num_outputs rule, a superset of opset 13's even split. */
		int64_t chunk = (dim - 1) / nout + 1;
		if (chunk * (int64_t)(nout - 1) >= dim)
			return nx_infer_fail(g, o, err, "cannot split dim %d of size %lld "
					     "into %u non-empty parts", axis, (long long)dim, nout);
		for (uint32_t i = 0; i < nout; i++)
			part[i] = i + 1 < nout ? chunk : dim - chunk * (nout - 1);
	}
	for (uint32_t i = 0; i < nout; i++) {
		nx_type r = x;
		r.dims[axis] = part[i];
		if (nx_infer_set(g, o, i, &r, err))
			return -1;
	}
	return 0;
}

static int64_t clamp64(int64_t v, int64_t lo, int64_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

int nx_infer_slice(nx_graph *g, uint32_t o, nx_err *err)
{
	nx_type x = nx_infer_in(g, o, 0), r = x;
	uint32_t ns, ne, na, nst;
	const int64_t *starts = nx_attr_ints(g, o, "starts", &ns);
	const int64_t *ends = nx_attr_ints(g, o, "ends", &ne);
	const int64_t *axes = nx_attr_ints(g, o, "axes", &na);
	const int64_t *steps = nx_attr_ints(g, o, "steps", &nst);
	if (ne != ns || (axes && na != ns) || (steps && nst != ns))
		return nx_infer_fail(g, o, err, "starts, ends, axes and steps differ in "
				     "length (%u, %u, %u, %u)", ns, ne, axes ? na : ns,
				     steps ? nst : ns);
	if (!ns)
		return nx_infer_fail(g, o, err, "starts is empty");
	bool seen[NX_MAX_RANK] = {false};
	for (uint32_t i = 0; i < ns; i++) {
		int a;
		if (nx_infer_axis(g, o, err, "axis", axes ? axes[i] : (int64_t)i, x.rank, &a))
			return -1;
		if (seen[a])
			return nx_infer_fail(g, o, err, "axis %d is sliced twice", a);
		seen[a] = true;
		int64_t step = steps ? steps[i] : 1, dim = x.dims[a];
		if (step == 0)
			return nx_infer_fail(g, o, err, "steps[%u] is 0", i);
		int64_t s = starts[i], e = ends[i];
		/* INT64_MIN + dim cannot overflow: dim >= 1. */
		if (s < 0)
			s += dim;
		if (e < 0)
			e += dim;
		int64_t len;
		if (step > 0) {
			s = clamp64(s, 0, dim);
			e = clamp64(e, 0, dim);
			len = e > s ? (e - s - 1) / step + 1 : 0;
		} else {
			s = clamp64(s, 0, dim - 1);
			e = clamp64(e, -1, dim - 1);
			/* -INT64_MIN overflows; any step that large takes one element */
			int64_t back = step == INT64_MIN ? INT64_MAX : -step;
			len = s > e ? (s - e - 1) / back + 1 : 0;
		}
		if (len < 1)
			return nx_infer_fail(g, o, err, "slice of axis %d (size %lld) from "
					     "%lld to %lld step %lld is empty", a,
					     (long long)dim, (long long)starts[i],
					     (long long)ends[i], (long long)step);
		r.dims[a] = len;
	}
	return nx_infer_set(g, o, 0, &r, err);
}

int nx_infer_gather(nx_graph *g, uint32_t o, nx_err *err)
{
	if (nx_infer_dtype_in(g, o, 1, (1u << NX_I32) | (1u << NX_I64), err))
		return -1;
	nx_type x = nx_infer_in(g, o, 0), idx = nx_infer_in(g, o, 1), r = x;
	int axis;
	if (nx_infer_axis(g, o, err, "axis", nx_attr_i(g, o, "axis", 0), x.rank, &axis))
		return -1;
	if (x.rank - 1 + idx.rank > NX_MAX_RANK)
		return nx_infer_fail(g, o, err, "result would have rank %d (nex allows at most %d)",
				     x.rank - 1 + idx.rank, NX_MAX_RANK);
	/* Constant indices are checked here, where the message can name the
	 * op; random-fill blobs are left to the interpreter's own check. */
	uint32_t iv = nx_operand(g, o, 1);
	if (nx_is_const(g, iv) && nx_const_blob(g, iv)->src != NX_BLOB_FILL) {
		nx_blob *b = nx_const_blob(g, iv);
		const void *data = nx_blob_data(b);
		int64_t cnt = nx_type_numel(&b->type), dim = x.dims[axis];
		for (int64_t i = 0; data && i < cnt; i++) {
			int64_t k = b->type.dtype == NX_I64 ? ((const int64_t *)data)[i]
							    : ((const int32_t *)data)[i];
			if (k < -dim || k >= dim)
				return nx_infer_fail(g, o, err, "index %lld (element %lld "
						     "of %%%s) is out of range for axis %d of "
						     "size %lld", (long long)k, (long long)i,
						     nx_vname(g, iv), axis, (long long)dim);
		}
	}
	r.rank = 0;
	for (int i = 0; i < axis; i++)
		r.dims[r.rank++] = x.dims[i];
	for (int i = 0; i < idx.rank; i++)
		r.dims[r.rank++] = idx.dims[i];
	for (int i = axis + 1; i < x.rank; i++)
		r.dims[r.rank++] = x.dims[i];
	return nx_infer_set(g, o, 0, &r, err);
}

int nx_infer_pad(nx_graph *g, uint32_t o, nx_err *err)
{
	nx_type x = nx_infer_in(g, o, 0), r = x;
	uint32_t n;
	const int64_t *pads = nx_attr_ints(g, o, "pads", &n);
	const char *mode = nx_attr_s(g, o, "mode", "constant");
	char pb[256];
	bool reflect = !strcmp(mode, "reflect");
	if (!reflect && strcmp(mode, "constant") && strcmp(mode, "edge") && strcmp(mode, "wrap"))
		return nx_infer_fail(g, o, err, "mode=\"%s\" (expected constant, reflect, "
				     "edge or wrap)", mode);
	if (n != 2u * x.rank)
		return nx_infer_fail(g, o, err,
				     "pads %s has %u entries, expected %d (begins then ends of "
				     "each of the %d axes)", fmt_ints(pads, n, pb, sizeof pb), n,
				     2 * x.rank, x.rank);
	for (int i = 0; i < x.rank; i++) {
		int64_t b = pads[i], e = pads[i + x.rank], d = x.dims[i];
		/* Mirroring needs a source element past the edge for every pad. */
		if (reflect && (b >= d || e >= d))
			return nx_infer_fail(g, o, err, "reflect pads %lld,%lld on axis %d "
					     "need a size above them, the axis has %lld",
					     (long long)b, (long long)e, i, (long long)d);
		if (b > INT64_MAX / 4 || b < -INT64_MAX / 4 || e > INT64_MAX / 4 ||
		    e < -INT64_MAX / 4 || d > INT64_MAX / 4)
			return nx_infer_fail(g, o, err, "pads on axis %d overflow int64", i);
		r.dims[i] = d + b + e;
		if (r.dims[i] < 1)
			return nx_infer_fail(g, o, err, "pads %lld,%lld on axis %d of size "
					     "%lld leave %lld elements", (long long)b,
					     (long long)e, i, (long long)d, (long long)r.dims[i]);
	}
	return nx_infer_set(g, o, 0, &r, err);
}

int nx_infer_shape(nx_graph *g, uint32_t o, nx_err *err)
{
	nx_type x = nx_infer_in(g, o, 0), r;
	int64_t rank = x.rank;
	int64_t s = nx_attr_i(g, o, "start", 0), e = nx_attr_i(g, o, "end", rank);
	int64_t s0 = s, e0 = e;
	if (s < 0)
		s += rank;
	if (e < 0)
		e += rank;
	s = clamp64(s, 0, rank);
	e = clamp64(e, 0, rank);
	if (e <= s)
		return nx_infer_fail(g, o, err,
				     "start=%lld end=%lld select no axis of a rank-%d input "
				     "(the result would be empty)", (long long)s0, (long long)e0,
				     x.rank);
	int64_t len = e - s;
	r = nx_type_make(NX_I64, 1, &len);
	return nx_infer_set(g, o, 0, &r, err);
}

int nx_infer_expand(nx_graph *g, uint32_t o, nx_err *err)
{
	nx_type x = nx_infer_in(g, o, 0), r;
	uint32_t n;
	const int64_t *shape = nx_attr_ints(g, o, "shape", &n);
	char sb[256];
	if (rank_limit(g, o, err, "shape", n))
		return -1;
	for (uint32_t i = 0; i < n; i++)
		if (shape[i] < 1)
			return nx_infer_fail(g, o, err, "shape %s has a dim < 1",
					     fmt_ints(shape, n, sb, sizeof sb));
	nx_type s = nx_type_make(x.dtype, (int)n, shape);
	nx_err tmp;
	/* Bidirectional: a 1 in shape keeps the input's dim. */
	if (nx_broadcast(&x, &s, &r, &tmp))
		return nx_infer_fail(g, o, err, "%s", tmp.msg);
	return nx_infer_set(g, o, 0, &r, err);
}

static bool one_of(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(s, *list))
			return true;
	return false;
}

int nx_infer_resize(nx_graph *g, uint32_t o, nx_err *err)
{
	static const char *const modes[] = {"nearest", "linear", "cubic", NULL};
	static const char *const ctms[] = {"half_pixel", "half_pixel_symmetric",
					   "pytorch_half_pixel", "align_corners", "asymmetric",
					   "tf_half_pixel_for_nn", NULL};
	static const char *const nmodes[] = {"round_prefer_floor", "round_prefer_ceil", "floor",
					     "ceil", NULL};
	nx_type x = nx_infer_in(g, o, 0), r = x;
	const char *mode = nx_attr_s(g, o, "mode", "nearest");
	const char *ctm = nx_attr_s(g, o, "coordinate_transformation_mode", "half_pixel");
	const char *nm = nx_attr_s(g, o, "nearest_mode", "round_prefer_floor");
	if (!one_of(mode, modes))
		return nx_infer_fail(g, o, err, "mode=\"%s\" (expected nearest, linear or cubic)",
				     mode);
	if (!strcmp(ctm, "tf_crop_and_resize"))
		return nx_infer_fail(g, o, err,
				     "coordinate_transformation_mode=\"tf_crop_and_resize\" is not "
				     "supported (nex has no roi operand)");
	if (!one_of(ctm, ctms))
		return nx_infer_fail(g, o, err, "coordinate_transformation_mode=\"%s\" is unknown",
				     ctm);
	if (!one_of(nm, nmodes))
		return nx_infer_fail(g, o, err, "nearest_mode=\"%s\" is unknown", nm);
	uint32_t nsc, nsz;
	const float *scales = nx_attr_floats(g, o, "scales", &nsc);
	const int64_t *sizes = nx_attr_ints(g, o, "sizes", &nsz);
	if (!nsc == !nsz)
		return nx_infer_fail(g, o, err, "needs exactly one of scales and sizes, has %s",
				     nsc ? "both" : "neither");
	if ((nsc ? nsc : nsz) != x.rank)
		return nx_infer_fail(g, o, err, "%s has %u entries, the input has rank %d",
				     nsc ? "scales" : "sizes", nsc ? nsc : nsz, x.rank);
	for (int i = 0; i < x.rank; i++) {
		if (nsz) {
			r.dims[i] = sizes[i];
			continue;
		}
		/* floor(dim * scale) in double, as the ONNX reference computes it. */
		double d = floor((double)x.dims[i] * (double)scales[i]);
		if (!(scales[i] > 0) || !(d < 9.2e18))
			return nx_infer_fail(g, o, err, "scales[%d] = %g is invalid", i,
					     (double)scales[i]);
		r.dims[i] = (int64_t)d;
	}
	/* a tile of the result (kern_resize.c): tile_n outputs from tile_from */
	uint32_t nt, nf;
	const int64_t *tn = nx_attr_ints(g, o, "tile_n", &nt);
	const int64_t *tf = nx_attr_ints(g, o, "tile_from", &nf);
	if (tn || tf) {
		if (!tn || !tf || nt != (uint32_t)x.rank || nf != (uint32_t)x.rank)
			return nx_infer_fail(g, o, err, "tile_n and tile_from need %d entries each",
					     x.rank);
		for (int i = 0; i < x.rank; i++)
			r.dims[i] = tn[i];
	}
	return nx_infer_set(g, o, 0, &r, err);
}
