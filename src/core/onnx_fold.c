/* onnx_fold.c — import-time evaluation of ONNX ops that exist only to
 * compute shapes and are not in nex's registry: ConstantOfShape, Range,
 * comparisons, logic, Where, Tile, Floor/Ceil/Round, Mod. Exported models
 * (PyTorch, Paddle) build Reshape and Resize parameters with them; once every
 * input dim is bound their inputs are constants, and folding them here is
 * what turns the chain into the constant a nex attribute needs.
 *
 * Values are held as int64 (integer and bool dtypes, exactly: Slice ends of
 * INT64_MAX must survive) or double (float dtypes). An op whose inputs are
 * not all constant, or whose result is large, is left to the caller, which
 * imports it as an opaque op.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "onnx_int.h"

typedef struct ft {
	nx_type t;       /* dtype and dims; dims may hold 0 (empty) */
	int64_t n;
	int64_t *i;      /* integer and bool dtypes */
	double *f;       /* float dtypes */
} ft;

static bool ft_float(const ft *x)
{
	return nx_dtype_is_float(x->t.dtype);
}

static void ft_free(ft *x)
{
	free(x->i);
	free(x->f);
	x->i = NULL;
	x->f = NULL;
}

static int64_t dims_numel(const nx_type *t)
{
	int64_t n = 1;
	for (int d = 0; d < t->rank; d++)
		n *= t->dims[d]; /* bounded: the tensors exist */
	return n;
}

static void ft_alloc(ft *x, int dtype, int rank, const int64_t *dims)
{
	memset(x, 0, sizeof *x);
	x->t.dtype = (uint8_t)dtype;
	x->t.rank = (uint8_t)rank;
	if (rank)
		memcpy(x->t.dims, dims, (size_t)rank * sizeof dims[0]);
	x->n = dims_numel(&x->t);
	if (ft_float(x))
		x->f = nx_xcalloc((size_t)(x->n ? x->n : 1), sizeof *x->f);
	else
		x->i = nx_xcalloc((size_t)(x->n ? x->n : 1), sizeof *x->i);
}

static double ft_getf(const ft *x, int64_t k)
{
	return x->f ? x->f[k] : (double)x->i[k];
}

static void ft_set(ft *x, int64_t k, int64_t iv, double fv, bool from_float)
{
	if (x->f)
		x->f[k] = from_float ? fv : (double)iv;
	else if (x->t.dtype == NX_BOOL)
		x->i[k] = from_float ? fv != 0 : iv != 0;
	else
		x->i[k] = from_float ? nx_onnx_f2i(fv) : iv;
}

/* Input i: 1 loaded, 0 not a constant (the node stays an op), -1 error. */
static int ft_load(nx_onnx_imp *im, uint32_t i, ft *x)
{
	uint32_t v;
	bool empty;
	memset(x, 0, sizeof *x);
	if (nx_onnx_input(im, i, &v, &empty))
		return -1;
	if (empty) {
		const nx_onnx_empty *e = nx_onnx_find_empty(im, im->node->input[i]);
		ft_alloc(x, e->type.dtype, e->type.rank, e->type.dims);
		return 1;
	}
	if (v == NX_NONE || !nx_is_const(im->g, v))
		return 0;
	nx_blob *b = nx_const_blob(im->g, v);
	if (nx_type_numel(&b->type) > NX_ONNX_FOLD_MAX)
		return 0;
	ft_alloc(x, b->type.dtype, b->type.rank, b->type.dims);
	const void *d = nx_blob_data(b);
	for (int64_t k = 0; k < x->n; k++) {
		switch (x->t.dtype) {
		case NX_F32: x->f[k] = ((const float *)d)[k]; break;
		case NX_F16: x->f[k] = nx_f16_to_f32(((const uint16_t *)d)[k]); break;
		case NX_BF16: x->f[k] = nx_bf16_to_f32(((const uint16_t *)d)[k]); break;
		case NX_I8: x->i[k] = ((const int8_t *)d)[k]; break;
		case NX_U8: case NX_BOOL: x->i[k] = ((const uint8_t *)d)[k]; break;
		case NX_I32: x->i[k] = ((const int32_t *)d)[k]; break;
		case NX_I64: x->i[k] = ((const int64_t *)d)[k]; break;
		}
	}
	return 1;
}

/* The node's output 0 := x (converted to x's dtype). */
static int ft_def(nx_onnx_imp *im, const ft *x)
{
	const Onnx__NodeProto *nd = im->node;
	if (nd->n_output < 1 || !nd->output[0] || !nd->output[0][0])
		return nx_onnx_fail(im, "has no output");
	size_t es = nx_dtype_size(x->t.dtype);
	void *data = nx_xmalloc((size_t)(x->n ? x->n : 1) * es);
	for (int64_t k = 0; k < x->n; k++) {
		switch (x->t.dtype) {
		case NX_F32: ((float *)data)[k] = (float)x->f[k]; break;
		case NX_F16: ((uint16_t *)data)[k] = nx_f32_to_f16((float)x->f[k]); break;
		case NX_BF16: ((uint16_t *)data)[k] = nx_f32_to_bf16((float)x->f[k]); break;
		case NX_I8: ((int8_t *)data)[k] = (int8_t)x->i[k]; break;
		case NX_U8: ((uint8_t *)data)[k] = (uint8_t)x->i[k]; break;
		case NX_BOOL: ((uint8_t *)data)[k] = x->i[k] != 0; break;
		case NX_I32: ((int32_t *)data)[k] = (int32_t)x->i[k]; break;
		case NX_I64: ((int64_t *)data)[k] = x->i[k]; break;
		}
	}
	bool ok;
	nx_onnx_def_const(im, nd->output[0], &x->t, data, &ok);
	free(data);
	return ok ? 1 : -1;
}

/* numpy broadcast of the shapes of in[0..k); -1 + err if incompatible, 1
 * if the result has more than NX_ONNX_FOLD_MAX elements. */
static int bcast_shape(nx_onnx_imp *im, ft *const *in, int k, nx_type *out)
{
	memset(out, 0, sizeof *out);
	for (int j = 0; j < k; j++)
		if (in[j]->t.rank > out->rank)
			out->rank = in[j]->t.rank;
	for (int d = 0; d < out->rank; d++) {
		int64_t dim = 1;
		for (int j = 0; j < k; j++) {
			int off = out->rank - in[j]->t.rank;
			if (d < off)
				continue;
			int64_t e = in[j]->t.dims[d - off];
			if (e == dim || e == 1)
				continue;
			if (dim != 1)
				return nx_onnx_fail(im, "input shapes do not broadcast (dim %d: %lld "
						    "vs %lld)", d, (long long)dim, (long long)e);
			dim = e;
		}
		out->dims[d] = dim;
	}
	int64_t n = 1;
	for (int d = 0; d < out->rank; d++) {
		if (out->dims[d] && n > NX_ONNX_FOLD_MAX / out->dims[d])
			return 1;
		n *= out->dims[d];
	}
	return 0;
}

/* Index into x of output element k of shape out (x broadcast to it). */
static int64_t bcast_index(const ft *x, const nx_type *out, int64_t k)
{
	int64_t idx = 0, stride = 1;
	int off = out->rank - x->t.rank;
	for (int d = out->rank - 1; d >= 0; d--) {
		int64_t c = k % out->dims[d];
		k /= out->dims[d];
		if (d >= off) {
			int64_t e = x->t.dims[d - off];
			idx += (e == 1 ? 0 : c) * stride;
			stride *= e;
		}
	}
	return idx;
}

typedef enum { B_EQ, B_LT, B_GT, B_LE, B_GE, B_AND, B_OR, B_XOR, B_MOD } binop;

static bool cmp(binop op, const ft *a, int64_t ia, const ft *b, int64_t ib)
{
	if (!ft_float(a) && !ft_float(b)) {
		int64_t x = a->i[ia], y = b->i[ib];
		switch (op) {
		case B_EQ: return x == y;
		case B_LT: return x < y;
		case B_GT: return x > y;
		case B_LE: return x <= y;
		case B_GE: return x >= y;
		case B_AND: return x && y;
		case B_OR: return x || y;
		default: return (x != 0) != (y != 0);
		}
	}
	double x = ft_getf(a, ia), y = ft_getf(b, ib);
	switch (op) {
	case B_EQ: return x == y;
	case B_LT: return x < y;
	case B_GT: return x > y;
	case B_LE: return x <= y;
	case B_GE: return x >= y;
	default: return false;
	}
}

static int fold_binary(nx_onnx_imp *im, binop op, ft *a, ft *b, ft *r)
{
	nx_type s;
	ft *in[2] = {a, b};
	int bs = bcast_shape(im, in, 2, &s);
	if (bs)
		return bs < 0 ? -1 : 0;
	if (op != B_MOD)
		ft_alloc(r, NX_BOOL, s.rank, s.dims);
	else
		ft_alloc(r, a->t.dtype, s.rank, s.dims);
	bool fmod_ = nx_onnx_attr_i(im->node, "fmod", 0) != 0;
	if (op == B_MOD && ft_float(a) != ft_float(b))
		return nx_onnx_fail(im, "A and B differ in dtype");
	for (int64_t k = 0; k < r->n; k++) {
		int64_t ia = bcast_index(a, &s, k), ib = bcast_index(b, &s, k);
		if (op != B_MOD) {
			r->i[k] = cmp(op, a, ia, b, ib);
		} else if (ft_float(r)) {
			double x = ft_getf(a, ia), y = ft_getf(b, ib), m = fmod(x, y);
			if (!fmod_ && m != 0 && ((m < 0) != (y < 0)))
				m += y;
			r->f[k] = m;
		} else {
			int64_t x = a->i[ia], y = b->i[ib];
			if (y == 0 || (y == -1 && x == INT64_MIN))
				return nx_onnx_fail(im, "integer Mod by %lld", (long long)y);
			int64_t m = x % y;
			if (!fmod_ && m != 0 && ((m < 0) != (y < 0)))
				m += y;
			r->i[k] = m;
		}
	}
	return 1;
}

static int fold_where(nx_onnx_imp *im, ft *c, ft *x, ft *y, ft *r)
{
	nx_type s;
	ft *in[3] = {c, x, y};
	int bs = bcast_shape(im, in, 3, &s);
	if (bs)
		return bs < 0 ? -1 : 0;
	if (x->t.dtype != y->t.dtype)
		return nx_onnx_fail(im, "X and Y differ in dtype");
	ft_alloc(r, x->t.dtype, s.rank, s.dims);
	for (int64_t k = 0; k < r->n; k++) {
		bool take = ft_getf(c, bcast_index(c, &s, k)) != 0;
		const ft *src = take ? x : y;
		int64_t j = bcast_index(src, &s, k);
		ft_set(r, k, src->i ? src->i[j] : 0, src->f ? src->f[j] : 0, src->f != NULL);
	}
	return 1;
}

static int fold_constant_of_shape(nx_onnx_imp *im, ft *shape, ft *r)
{
	int64_t dims[NX_MAX_RANK];
	if (shape->t.rank != 1 || ft_float(shape))
		return nx_onnx_fail(im, "input must be a 1-D integer tensor");
	if (shape->n > NX_MAX_RANK)
		return nx_onnx_fail(im, "shape has %lld dims; nex allows at most %d",
				    (long long)shape->n, NX_MAX_RANK);
	int64_t n = 1;
	for (int64_t k = 0; k < shape->n; k++) {
		dims[k] = shape->i[k];
		if (dims[k] < 0)
			return nx_onnx_fail(im, "shape[%lld] is negative", (long long)k);
		if (dims[k] && n > NX_ONNX_FOLD_MAX / dims[k])
			return 0;
		n *= dims[k];
	}
	int dtype = NX_F32;
	double fv = 0;
	int64_t iv = 0;
	const Onnx__AttributeProto *a = nx_onnx_attr(im->node, "value");
	if (a && a->t) {
		nx_type t;
		void *data;
		nx_err e;
		if (nx_onnx_tensor(im, a->t, "value", &t, &data, &e))
			return nx_onnx_fail(im, "%s", e.msg);
		if (nx_type_numel(&t) != 1) {
			free(data);
			return nx_onnx_fail(im, "value must hold one element");
		}
		dtype = t.dtype;
		switch (dtype) {
		case NX_F32: fv = *(float *)data; break;
		case NX_F16: fv = nx_f16_to_f32(*(uint16_t *)data); break;
		case NX_BF16: fv = nx_bf16_to_f32(*(uint16_t *)data); break;
		case NX_I8: iv = *(int8_t *)data; break;
		case NX_U8: case NX_BOOL: iv = *(uint8_t *)data; break;
		case NX_I32: iv = *(int32_t *)data; break;
		case NX_I64: iv = *(int64_t *)data; break;
		}
		free(data);
	}
	ft_alloc(r, dtype, (int)shape->n, dims);
	for (int64_t k = 0; k < r->n; k++)
		ft_set(r, k, iv, fv, nx_dtype_is_float(dtype));
	return 1;
}

static int fold_range(nx_onnx_imp *im, ft *s, ft *l, ft *d, ft *r)
{
	if (s->n != 1 || l->n != 1 || d->n != 1)
		return nx_onnx_fail(im, "start, limit and delta must be scalars");
	double cnt;
	if (ft_float(s)) {
		double a = ft_getf(s, 0), b = ft_getf(l, 0), c = ft_getf(d, 0);
		if (c == 0)
			return nx_onnx_fail(im, "delta is 0");
		cnt = ceil((b - a) / c);
	} else {
		int64_t a = s->i[0], b = l->i[0], c = d->i[0];
		if (c == 0)
			return nx_onnx_fail(im, "delta is 0");
		cnt = ceil(((double)b - (double)a) / (double)c);
	}
	if (!(cnt >= 0)) /* negative, or NaN from infinite bounds */
		cnt = 0;
	if (cnt > NX_ONNX_FOLD_MAX)
		return 0;
	int64_t n = (int64_t)cnt;
	ft_alloc(r, s->t.dtype, 1, &n);
	for (int64_t k = 0; k < n; k++) {
		if (ft_float(r))
			r->f[k] = ft_getf(s, 0) + (double)k * ft_getf(d, 0);
		else
			r->i[k] = s->i[0] + k * d->i[0];
	}
	return 1;
}

static int fold_tile(nx_onnx_imp *im, ft *x, ft *rep, ft *r)
{
	if (ft_float(rep) || rep->n != x->t.rank)
		return nx_onnx_fail(im, "repeats must be %d integers", x->t.rank);
	int64_t dims[NX_MAX_RANK], n = 1;
	for (int d = 0; d < x->t.rank; d++) {
		if (rep->i[d] < 0)
			return nx_onnx_fail(im, "repeats[%d] is negative", d);
		dims[d] = x->t.dims[d] * rep->i[d]; /* x->n <= FOLD_MAX */
		if (rep->i[d] > NX_ONNX_FOLD_MAX || (dims[d] && n > NX_ONNX_FOLD_MAX / dims[d]))
			return 0;
		n *= dims[d];
	}
	ft_alloc(r, x->t.dtype, x->t.rank, dims);
	for (int64_t k = 0; k < r->n; k++) {
		int64_t idx = 0, stride = 1, q = k;
		for (int d = x->t.rank - 1; d >= 0; d--) {
			int64_t c = q % dims[d];
			q /= dims[d];
			idx += (c % x->t.dims[d]) * stride;
			stride *= x->t.dims[d];
		}
		ft_set(r, k, x->i ? x->i[idx] : 0, x->f ? x->f[idx] : 0, x->f != NULL);
	}
	return 1;
}

static int fold_unary(nx_onnx_imp *im, const char *t, ft *x, ft *r)
{
	ft_alloc(r, !strcmp(t, "Not") ? NX_BOOL : x->t.dtype, x->t.rank, x->t.dims);
	for (int64_t k = 0; k < r->n; k++) {
		if (!strcmp(t, "Not")) {
			r->i[k] = ft_getf(x, k) == 0;
		} else if (!ft_float(x)) {
			r->i[k] = x->i[k]; /* floor/ceil/round of an integer */
		} else {
			double v = x->f[k];
			r->f[k] = !strcmp(t, "Floor") ? floor(v) : !strcmp(t, "Ceil") ? ceil(v)
								: nearbyint(v); /* half to even */
		}
	}
	(void)im;
	return 1;
}

static const struct {
	const char *name;
	uint8_t n_in;
} folds[] = {
	{"ConstantOfShape", 1}, {"Range", 3}, {"Equal", 2}, {"Less", 2}, {"Greater", 2},
	{"LessOrEqual", 2}, {"GreaterOrEqual", 2}, {"And", 2}, {"Or", 2}, {"Xor", 2},
	{"Not", 1}, {"Where", 3}, {"Tile", 2}, {"Floor", 1}, {"Ceil", 1}, {"Round", 1},
	{"Mod", 2},
};

int nx_onnx_fold_extra(nx_onnx_imp *im)
{
	const char *t = im->node->op_type;
	int n_in = -1;
	for (size_t i = 0; i < sizeof folds / sizeof folds[0]; i++)
		if (!strcmp(folds[i].name, t))
			n_in = folds[i].n_in;
	if (n_in < 0)
		return 0;
	if (im->node->n_output != 1)
		return 0;
	ft in[3], r;
	memset(in, 0, sizeof in);
	memset(&r, 0, sizeof r);
	int rc = 1;
	for (int i = 0; i < n_in && rc == 1; i++)
		rc = ft_load(im, (uint32_t)i, &in[i]);
	if (rc == 1) {
		if (!strcmp(t, "ConstantOfShape"))
			rc = fold_constant_of_shape(im, &in[0], &r);
		else if (!strcmp(t, "Range"))
			rc = fold_range(im, &in[0], &in[1], &in[2], &r);
		else if (!strcmp(t, "Where"))
			rc = fold_where(im, &in[0], &in[1], &in[2], &r);
		else if (!strcmp(t, "Tile"))
			rc = fold_tile(im, &in[0], &in[1], &r);
		else if (n_in == 1)
			rc = fold_unary(im, t, &in[0], &r);
		else {
			static const char *const names[] = {"Equal", "Less", "Greater",
							    "LessOrEqual", "GreaterOrEqual",
							    "And", "Or", "Xor", "Mod"};
			binop op = B_EQ;
			for (int k = 0; k < 9; k++)
				if (!strcmp(names[k], t))
					op = (binop)k;
			rc = fold_binary(im, op, &in[0], &in[1], &r);
		}
	}
	if (rc == 1 && r.n > NX_ONNX_FOLD_MAX)
		rc = 0;
	if (rc == 1)
		rc = ft_def(im, &r);
	for (int i = 0; i < 3; i++)
		ft_free(&in[i]);
	ft_free(&r);
	return rc;
}
