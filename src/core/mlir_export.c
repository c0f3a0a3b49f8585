/* mlir_export.c — nex graph -> MLIR text in the TOSA dialect, as MLIR 14's
 * mlir-opt parses it (`func @main`, generic op syntax, I64 array attributes).
 *
 * Each nex op is lowered on its own, in schedule order, to one or more TOSA
 * ops; every emitted op carries loc("<origin>") so the text traces back to
 * the source node. nex's tensors are logically NCHW (ONNX order) while
 * TOSA's convolutions and pools are NHWC: those ops get a tosa.transpose on
 * each side, and constant weights are permuted here (to OHWI, or HWCM for
 * depthwise) and emitted as tosa.const with the bytes in MLIR's hex form,
 * so the weights are real. Ops without a TOSA counterpart are composed from
 * ones that have one (softmax = exp(x - max) / sum, layer_norm, hard_swish,
 * conv_transpose as zero-insertion + conv2d with the flipped kernel, erf as
 * a rational approximation, ...). An op that cannot be expressed (opaque
 * ops, cubic resize, grouped transposed convolutions, strided slices, ...)
 * is an error naming it, not a silent gap.
 */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "nx_int.h"

/* put: append printf-style; on nearly every line of this file */
typedef nx_strbuf buf;
#define put nx_strbuf_printf

/* A lowered value: its SSA name and type. */
typedef struct lv {
	char name[24];
	nx_type t;
} lv;

typedef struct emitter {
	const nx_graph *g;
	nx_err *err;
	buf out;
	char loc[600];     /* loc(...) suffix of the op being lowered */
	uint32_t tmp;      /* next %t number */
	lv *vals;          /* by value id; name[0] == 0 until emitted */
	uint32_t op;       /* the op being lowered, for errors */
	/* quantization_info of the integer conv or matmul being lowered
	 * ("input_zp = 0 : i32, weight_zp = 0 : i32"), or "" */
	char qinfo[96];
} emitter;

static int fail(emitter *e, const char *fmt, ...) NX_PRINTF(2, 3);
static int fail(emitter *e, const char *fmt, ...)
{
	char why[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	const nx_graph *g = e->g;
	nx_err_set(e->err, "op %%%s (%s): no TOSA form: %s",
		   nx_vname(g, nx_result(g, e->op, 0)), nx_op_name(g, e->op), why);
	return -1;
}

static const char *elem(int dtype)
{
	switch (dtype) {
	case NX_F32: return "f32";
	case NX_F16: return "f16";
	case NX_BF16: return "bf16";
	case NX_I8: return "i8";
	case NX_U8: return "ui8";
	case NX_I32: return "i32";
	case NX_I64: return "i64";
	case NX_BOOL: return "i1";
	case NX_F64: return "f64";
	case NX_U16: return "ui16";
	case NX_U32: return "ui32";
	case NX_U64: return "ui64";
	case NX_I16: return "i16";
	default: return "f32";
	}
}

/* "tensor<1x3x8x8xf32>". Returned by value: C11 keeps such a temporary
 * alive to the end of the full expression, so ts(&t).s can go straight
 * into a printf argument list. */
typedef struct tstr {
	char s[160];
} tstr;

static tstr ts(const nx_type *t)
{
	tstr b;
	size_t n = (size_t)snprintf(b.s, sizeof b.s, "tensor<");
	for (int i = 0; i < t->rank; i++)
		n += (size_t)snprintf(b.s + n, sizeof b.s - n, "%lldx", (long long)t->dims[i]);
	snprintf(b.s + n, sizeof b.s - n, "%s>", elem(t->dtype));
	return b;
}

/* A float attribute literal MLIR reads back exactly (hex for inf/nan). */
static const char *ff(double v, char *b, size_t n)
{
	float f = (float)v;
	if (isnan(f) || isinf(f)) {
		uint32_t bits;
		memcpy(&bits, &f, 4);
		snprintf(b, n, "0x%08X", bits);
	} else {
		snprintf(b, n, "%.9e", (double)f);
	}
	return b;
}

static void ints(buf *b, const int64_t *v, int n)
{
	put(b, "[");
	for (int i = 0; i < n; i++)
		put(b, "%s%lld", i ? ", " : "", (long long)v[i]);
	put(b, "]");
}

static lv fresh(emitter *e, const nx_type *t)
{
	lv r;
	snprintf(r.name, sizeof r.name, "%%t%u", e->tmp++);
	r.t = *t;
	r.t.layout = NX_LAYOUT_PLAIN;
	return r;
}

static void end_op(emitter *e)
{
	put(&e->out, "%s\n", e->loc);
}

/* ---- constants ---- */

static lv const_bytes(emitter *e, const nx_type *t, const void *data)
{
	lv r = fresh(e, t);
	int64_t n = nx_type_numel(t);
	size_t es = nx_dtype_size(t->dtype);
	const uint8_t *p = data;
	put(&e->out, "    %s = \"tosa.const\"() {value = dense<", r.name);
	if (t->dtype == NX_BOOL) {
		/* i1 has no byte-per-element hex form: a literal list */
		put(&e->out, "[");
		for (int64_t i = 0; i < n; i++)
			put(&e->out, "%s%s", i ? ", " : "", p[i] ? "true" : "false");
		put(&e->out, "]");
	} else {
		put(&e->out, "\"0x");
		for (int64_t i = 0; i < n * (int64_t)es; i++)
			put(&e->out, "%02X", p[i]);
		put(&e->out, "\"");
	}
	put(&e->out, "> : %s} : () -> %s", ts(t).s, ts(t).s);
	end_op(e);
	return r;
}

/* A constant of dtype with every element v (a splat). */
static lv const_splat(emitter *e, int dtype, int rank, const int64_t *dims, double v)
{
	nx_type t = nx_type_make(dtype, rank, dims);
	lv r = fresh(e, &t);
	char fb[40];
	put(&e->out, "    %s = \"tosa.const\"() {value = dense<", r.name);
	if (nx_dtype_is_float(dtype))
		put(&e->out, "%s", ff(v, fb, sizeof fb));
	else if (dtype == NX_BOOL)
		put(&e->out, "%s", v != 0 ? "true" : "false");
	else
		put(&e->out, "%lld", v != v ? 0LL : v >= 9.2e18 ? (long long)INT64_MAX
			 : v <= -9.2e18 ? (long long)INT64_MIN : (long long)v);
	put(&e->out, "> : %s} : () -> %s", ts(&t).s, ts(&t).s);
	end_op(e);
	return r;
}

/* A scalar-like constant shaped [1,...,1] of rank, for broadcasting. */
static lv const_scalar(emitter *e, int dtype, int rank, double v)
{
	int64_t ones[NX_MAX_RANK] = {1, 1, 1, 1, 1, 1, 1, 1};
	return const_splat(e, dtype, rank, ones, v);
}

static lv const_i32(emitter *e, int rank, const int64_t *dims, const int64_t *v)
{
	nx_type t = nx_type_make(NX_I32, rank, dims);
	int64_t n = nx_type_numel(&t);
	int32_t *d = nx_xmalloc((size_t)(n > 0 ? n : 1) * 4);
	for (int64_t i = 0; i < n; i++)
		d[i] = (int32_t)v[i];
	lv r = const_bytes(e, &t, d);
	free(d);
	return r;
}

/* f32 data of dims (computed here, e.g. folded batch-norm factors). */
static lv const_f32(emitter *e, int rank, const int64_t *dims, const float *v)
{
	nx_type t = nx_type_make(NX_F32, rank, dims);
	return const_bytes(e, &t, v);
}

/* ---- values ---- */

static lv val(emitter *e, uint32_t v)
{
	lv *p = &e->vals[v];
	if (!p->name[0]) {
		/* constants are emitted where first used */
		nx_blob *b = nx_const_blob(e->g, v);
		*p = const_bytes(e, &b->type, nx_blob_data(b));
	}
	return *p;
}

static lv operand(emitter *e, uint32_t i)
{
	return val(e, nx_operand(e->g, e->op, i));
}

/* ---- generic op emitters ---- */

static lv op1(emitter *e, const char *op, lv x, const nx_type *rt)
{
	lv r = fresh(e, rt);
	put(&e->out, "    %s = \"%s\"(%s) : (%s) -> %s", r.name, op, x.name, ts(&x.t).s, ts(rt).s);
	end_op(e);
	return r;
}

/* r = op(x, y) with no attributes and a result type the caller gives
 * (op2 below is the broadcasting elementwise form). */
static lv op2_as(emitter *e, const char *op, lv x, lv y, const nx_type *rt)
{
	lv r = fresh(e, rt);
	put(&e->out, "    %s = \"%s\"(%s, %s)", r.name, op, x.name, y.name);
	if (e->qinfo[0] && !strcmp(op, "tosa.matmul"))
		put(&e->out, " {quantization_info = {%s}}", e->qinfo);
	put(&e->out, " : (%s, %s) -> %s", ts(&x.t).s, ts(&y.t).s, ts(rt).s);
	end_op(e);
	return r;
}

static lv reshape(emitter *e, lv x, int rank, const int64_t *dims)
{
	nx_type t = x.t;
	t.rank = (uint8_t)rank;
	memcpy(t.dims, dims, (size_t)rank * sizeof dims[0]);
	if (nx_type_eq(&t, &x.t))
		return x;
	lv r = fresh(e, &t);
	put(&e->out, "    %s = \"tosa.reshape\"(%s) {new_shape = ", r.name, x.name);
	ints(&e->out, dims, rank);
	put(&e->out, "} : (%s) -> %s", ts(&x.t).s, ts(&t).s);
	end_op(e);
	return r;
}

/* x with leading 1s up to rank (TOSA broadcasts equal ranks only). */
static lv to_rank(emitter *e, lv x, int rank)
{
	if (x.t.rank >= rank)
		return x;
	int64_t d[NX_MAX_RANK];
	int k = rank - x.t.rank;
	for (int i = 0; i < rank; i++)
		d[i] = i < k ? 1 : x.t.dims[i - k];
	return reshape(e, x, rank, d);
}

static nx_type bcast_type(const nx_type *a, const nx_type *b, int dtype)
{
	nx_type r = a->rank >= b->rank ? *a : *b;
	int ra = a->rank, rb = b->rank;
	for (int i = 0; i < r.rank; i++) {
		int64_t x = i - (r.rank - ra) >= 0 ? a->dims[i - (r.rank - ra)] : 1;
		int64_t y = i - (r.rank - rb) >= 0 ? b->dims[i - (r.rank - rb)] : 1;
		r.dims[i] = x > y ? x : y;
	}
	r.dtype = (uint8_t)dtype;
	return r;
}

static lv op2(emitter *e, const char *op, lv a, lv b)
{
	int rank = a.t.rank > b.t.rank ? a.t.rank : b.t.rank;
	a = to_rank(e, a, rank);
	b = to_rank(e, b, rank);
	bool cmp = !strcmp(op, "tosa.greater_equal") || !strcmp(op, "tosa.greater") ||
		   !strcmp(op, "tosa.equal");
	nx_type rt = bcast_type(&a.t, &b.t, cmp ? NX_BOOL : a.t.dtype);
	lv r = fresh(e, &rt);
	put(&e->out, "    %s = \"%s\"(%s, %s)", r.name, op, a.name, b.name);
	if (!strcmp(op, "tosa.mul"))
		put(&e->out, " {shift = 0 : i32}");
	put(&e->out, " : (%s, %s) -> %s", ts(&a.t).s, ts(&b.t).s, ts(&rt).s);
	end_op(e);
	return r;
}

static lv mul_scalar(emitter *e, lv x, double v)
{
	return op2(e, "tosa.mul", x, const_scalar(e, x.t.dtype, x.t.rank, v));
}

static lv add_scalar(emitter *e, lv x, double v)
{
	return op2(e, "tosa.add", x, const_scalar(e, x.t.dtype, x.t.rank, v));
}

static lv clamp(emitter *e, lv x, double lo, double hi)
{
	lv r = fresh(e, &x.t);
	char a[40], b[40];
	if (lo != lo)
		lo = -INFINITY;
	if (hi != hi)
		hi = INFINITY;
	double flo = lo < -3.40282347e38 ? -3.40282347e38 : lo > 3.40282347e38 ? 3.40282347e38 : lo;
	double fhi = hi > 3.40282347e38 ? 3.40282347e38 : hi < -3.40282347e38 ? -3.40282347e38 : hi;
	long long ilo = lo < -9e18 ? INT64_MIN : lo > 9e18 ? INT64_MAX : (long long)ceil(lo);
	long long ihi = hi > 9e18 ? INT64_MAX : hi < -9e18 ? INT64_MIN : (long long)floor(hi);
	put(&e->out, "    %s = \"tosa.clamp\"(%s) {min_int = %lld : i64, max_int = %lld : i64, "
	    "min_fp = %s : f32, max_fp = %s : f32} : (%s) -> %s", r.name, x.name, ilo, ihi,
	    ff(flo, a, sizeof a), ff(fhi, b, sizeof b), ts(&x.t).s, ts(&x.t).s);
	end_op(e);
	return r;
}

static lv transpose(emitter *e, lv x, const int64_t *perm)
{
	int n = x.t.rank;
	int64_t pd[1] = {n};
	lv p = const_i32(e, 1, pd, perm);
	nx_type t = x.t;
	for (int i = 0; i < n; i++)
		t.dims[i] = x.t.dims[perm[i]];
	return op2_as(e, "tosa.transpose", x, p, &t);
}

static const int64_t TO_NHWC[4] = {0, 2, 3, 1}, TO_NCHW[4] = {0, 3, 1, 2};

/* reduce over one axis, dim kept */
static lv reduce(emitter *e, const char *op, lv x, int axis)
{
	nx_type t = x.t;
	t.dims[axis] = 1;
	lv r = fresh(e, &t);
	put(&e->out, "    %s = \"%s\"(%s) {axis = %d : i64} : (%s) -> %s", r.name, op, x.name,
	    axis, ts(&x.t).s, ts(&t).s);
	end_op(e);
	return r;
}

static lv slice(emitter *e, lv x, const int64_t *start, const int64_t *size)
{
	nx_type t = x.t;
	memcpy(t.dims, size, (size_t)t.rank * sizeof size[0]);
	lv r = fresh(e, &t);
	put(&e->out, "    %s = \"tosa.slice\"(%s) {start = ", r.name, x.name);
	ints(&e->out, start, t.rank);
	put(&e->out, ", size = ");
	ints(&e->out, size, t.rank);
	put(&e->out, "} : (%s) -> %s", ts(&x.t).s, ts(&t).s);
	end_op(e);
	return r;
}

static lv concat(emitter *e, const lv *xs, int n, int axis, const nx_type *rt)
{
	lv r = fresh(e, rt);
	put(&e->out, "    %s = \"tosa.concat\"(", r.name);
	for (int i = 0; i < n; i++)
		put(&e->out, "%s%s", i ? ", " : "", xs[i].name);
	put(&e->out, ") {axis = %d : i64} : (", axis);
	for (int i = 0; i < n; i++)
		put(&e->out, "%s%s", i ? ", " : "", ts(&xs[i].t).s);
	put(&e->out, ") -> %s", ts(rt).s);
	end_op(e);
	return r;
}

/* tosa.pad with per-axis (before, after) and an optional pad value. */
static lv pad(emitter *e, lv x, const int64_t *before, const int64_t *after, double value)
{
	int n = x.t.rank;
	int64_t pp[2 * NX_MAX_RANK], pd[2] = {n, 2};
	nx_type t = x.t;
	for (int i = 0; i < n; i++) {
		pp[2 * i] = before[i];
		pp[2 * i + 1] = after[i];
		t.dims[i] += before[i] + after[i];
	}
	lv p = const_i32(e, 2, pd, pp);
	lv c = {{0}, {0}};
	if (value != 0)
		c = const_splat(e, x.t.dtype, 0, NULL, value);
	lv r = fresh(e, &t);
	put(&e->out, "    %s = \"tosa.pad\"(%s, %s%s%s) : (%s, %s%s%s) -> %s", r.name, x.name,
	    p.name, c.name[0] ? ", " : "", c.name, ts(&x.t).s, ts(&p.t).s, c.name[0] ? ", " : "",
	    c.name[0] ? ts(&c.t).s : "", ts(&t).s);
	end_op(e);
	return r;
}

/* ---- activations (also the fused act attribute) ---- */

static lv leaky(emitter *e, lv x, lv slope)
{
	lv zero = const_scalar(e, x.t.dtype, x.t.rank, 0);
	lv ge = op2(e, "tosa.greater_equal", x, zero);
	lv neg = op2(e, "tosa.mul", x, slope);
	lv r = fresh(e, &neg.t);
	lv xx = to_rank(e, x, neg.t.rank);
	ge = to_rank(e, ge, neg.t.rank);
	put(&e->out, "    %s = \"tosa.select\"(%s, %s, %s) : (%s, %s, %s) -> %s", r.name, ge.name,
	    xx.name, neg.name, ts(&ge.t).s, ts(&xx.t).s, ts(&neg.t).s, ts(&neg.t).s);
	end_op(e);
	return r;
}

static lv hard_sigmoid(emitter *e, lv x, double alpha, double beta)
{
	return clamp(e, add_scalar(e, mul_scalar(e, x, alpha), beta), 0, 1);
}

/* erf(x) = sign(x) (1 - poly(t) exp(-x^2)), t = 1 / (1 + p |x|): Abramowitz
 * and Stegun 7.1.26, |error| < 1.5e-7, below f32 precision near 1. */
static lv erf_approx(emitter *e, lv x)
{
	static const double a[5] = {0.254829592, -0.284496736, 1.421413741, -1.453152027,
				    1.061405429};
	lv ax = op1(e, "tosa.abs", x, &x.t);
	lv t = op1(e, "tosa.reciprocal", add_scalar(e, mul_scalar(e, ax, 0.3275911), 1.0), &x.t);
	lv poly = mul_scalar(e, t, a[4]);
	for (int i = 3; i >= 0; i--)
		poly = op2(e, "tosa.mul", add_scalar(e, poly, a[i]), t);
	lv ex = op1(e, "tosa.exp", op1(e, "tosa.negate", op2(e, "tosa.mul", ax, ax), &x.t), &x.t);
	lv y = op1(e, "tosa.negate", add_scalar(e, op2(e, "tosa.mul", poly, ex), -1.0), &x.t);
	lv ge = op2(e, "tosa.greater_equal", x, const_scalar(e, x.t.dtype, x.t.rank, 0));
	lv ny = op1(e, "tosa.negate", y, &y.t);
	lv r = fresh(e, &x.t);
	put(&e->out, "    %s = \"tosa.select\"(%s, %s, %s) : (%s, %s, %s) -> %s", r.name, ge.name,
	    y.name, ny.name, ts(&ge.t).s, ts(&y.t).s, ts(&ny.t).s, ts(&x.t).s);
	end_op(e);
	return r;
}

/* 0.5 x (1 + erf(x / sqrt 2)) */
static lv gelu_erf(emitter *e, lv x)
{
	lv er = erf_approx(e, mul_scalar(e, x, 0.7071067811865476));
	return op2(e, "tosa.mul", mul_scalar(e, x, 0.5), add_scalar(e, er, 1.0));
}

static int gelu_tanh(emitter *e, lv x, lv *out)
{
	/* 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) */
	lv x3 = op2(e, "tosa.mul", op2(e, "tosa.mul", x, x), x);
	lv in = op2(e, "tosa.add", x, mul_scalar(e, x3, 0.044715));
	lv th = op1(e, "tosa.tanh", mul_scalar(e, in, 0.7978845608028654), &x.t);
	*out = op2(e, "tosa.mul", mul_scalar(e, x, 0.5), add_scalar(e, th, 1.0));
	return 0;
}

static int act(emitter *e, const char *name, double alpha, double beta, bool ha, bool hb,
	       lv x, lv *out)
{
	if (!strcmp(name, "relu"))
		*out = clamp(e, x, 0, INFINITY);
	else if (!strcmp(name, "clip"))
		*out = clamp(e, x, ha ? alpha : -INFINITY, hb ? beta : INFINITY);
	else if (!strcmp(name, "leaky_relu"))
		*out = leaky(e, x, const_scalar(e, x.t.dtype, x.t.rank, ha ? alpha : 0.01));
	else if (!strcmp(name, "hard_sigmoid"))
		*out = hard_sigmoid(e, x, ha ? alpha : 0.2, hb ? beta : 0.5);
	else if (!strcmp(name, "hard_swish"))
		*out = op2(e, "tosa.mul", x, hard_sigmoid(e, x, 1.0 / 6, 0.5));
	else if (!strcmp(name, "sigmoid"))
		*out = op1(e, "tosa.sigmoid", x, &x.t);
	else if (!strcmp(name, "tanh"))
		*out = op1(e, "tosa.tanh", x, &x.t);
	else if (!strcmp(name, "gelu"))
		*out = gelu_erf(e, x);
	else
		return fail(e, "unknown activation %s", name);
	return 0;
}

/* ---- per-kind lowerings ---- */

static const nx_type *rtype(emitter *e, uint32_t i)
{
	return nx_vtype(e->g, nx_result(e->g, e->op, i));
}

/* Pads [begin, end] of one spatial axis for auto_pad / explicit pads. */
static void conv_pads(const char *auto_pad, const int64_t *pads, int np, int axis, int naxes,
		      int64_t in, int64_t out, int64_t k, int64_t s, int64_t d, int64_t *b,
		      int64_t *en)
{
	int ap = nx_auto_pad(auto_pad);
	if (nx_auto_pad_same(ap)) {
		*b = nx_pad_split(nx_same_total(in, out, s, (k - 1) * d + 1),
				  ap == NX_PAD_SAME_LOWER, en);
	} else if (ap == NX_PAD_VALID || np < 2 * naxes) {
		*b = *en = 0;
	} else {
		*b = pads[axis];
		*en = pads[axis + naxes];
	}
}

/* Permuted copy of a 4-D constant (element size es): out[i0,i1,i2,i3] =
 * in[...] with in dims d and out axis j taken from in axis perm[j]. */
static void *permute4(const void *in, const int64_t *d, const int64_t *perm, size_t es)
{
	int64_t od[4], st[4] = {d[1] * d[2] * d[3], d[2] * d[3], d[3], 1};
	for (int j = 0; j < 4; j++)
		od[j] = d[perm[j]];
	uint8_t *out = nx_xmalloc((size_t)(od[0] * od[1] * od[2] * od[3]) * es + 1);
	const uint8_t *p = in;
	size_t k = 0;
	for (int64_t a = 0; a < od[0]; a++)
		for (int64_t b = 0; b < od[1]; b++)
			for (int64_t c = 0; c < od[2]; c++)
				for (int64_t x = 0; x < od[3]; x++) {
					int64_t idx = a * st[perm[0]] + b * st[perm[1]] +
						      c * st[perm[2]] + x * st[perm[3]];
					memcpy(out + k * es, p + idx * (int64_t)es, es);
					k++;
				}
	return out;
}

/* The weight operand (OIHW) as a TOSA weight: constant data permuted by
 * perm (after reshaping to rdims when given), or transpose ops. */
static lv weight(emitter *e, uint32_t wv, const int64_t *rdims, const int64_t *perm, bool flip)
{
	const nx_graph *g = e->g;
	const nx_type *wt = nx_vtype(g, wv);
	int64_t d[4];
	memcpy(d, rdims ? rdims : wt->dims, sizeof d);
	if (nx_is_const(g, wv)) {
		nx_blob *b = nx_const_blob(g, wv);
		size_t es = nx_dtype_size(wt->dtype);
		const uint8_t *src = nx_blob_data(b);
		uint8_t *flipped = NULL;
		if (flip) {
			/* reverse the two spatial axes (2, 3 of d) */
			flipped = nx_xmalloc(nx_blob_nbytes(b) + 1);
			for (int64_t a = 0; a < d[0] * d[1]; a++)
				for (int64_t h = 0; h < d[2]; h++)
					for (int64_t w = 0; w < d[3]; w++)
						memcpy(flipped + ((a * d[2] + h) * d[3] + w) * es,
						       src + ((a * d[2] + d[2] - 1 - h) * d[3] + d[3] - 1 - w) * es,
						       es);
			src = flipped;
		}
		void *p = permute4(src, d, perm, es);
		nx_type t = *wt;
		t.rank = 4;
		for (int j = 0; j < 4; j++)
			t.dims[j] = d[perm[j]];
		lv r = const_bytes(e, &t, p);
		free(p);
		free(flipped);
		return r;
	}
	lv w = val(e, wv);
	if (rdims)
		w = reshape(e, w, 4, rdims);
	return transpose(e, w, perm);
}

static lv bias_or_zero(emitter *e, uint32_t idx, int64_t oc, int dtype)
{
	const nx_op *p = nx_opp(e->g, e->op);
	if (p->n_in > idx && nx_operand(e->g, e->op, idx) != NX_NONE)
		return operand(e, idx);
	return const_splat(e, dtype, 1, &oc, 0);
}

/* conv2d / depthwise_conv2d on NHWC input xh; returns NHWC. */
static int conv_core(emitter *e, lv xh, uint32_t wv, lv bias, int64_t group, const int64_t *pad4,
		     const int64_t *st, const int64_t *dil, const nx_type *out_nchw, bool flip,
		     lv *out)
{
	const nx_type *wt = nx_vtype(e->g, wv);
	int64_t oc = wt->dims[0], icg = wt->dims[1], cin = xh.t.dims[3];
	nx_type ot = *out_nchw;
	ot.dims[1] = out_nchw->dims[2];
	ot.dims[2] = out_nchw->dims[3];
	ot.dims[3] = out_nchw->dims[1];
	if (group == 1) {
		static const int64_t OHWI[4] = {0, 2, 3, 1};
		lv w = weight(e, wv, NULL, OHWI, flip);
		*out = fresh(e, &ot);
		put(&e->out, "    %s = \"tosa.conv2d\"(%s, %s, %s) {pad = ", out->name, xh.name,
		    w.name, bias.name);
		ints(&e->out, pad4, 4);
		put(&e->out, ", stride = ");
		ints(&e->out, st, 2);
		put(&e->out, ", dilation = ");
		ints(&e->out, dil, 2);
		if (e->qinfo[0])
			put(&e->out, ", quantization_info = {%s}", e->qinfo);
		put(&e->out, "} : (%s, %s, %s) -> %s", ts(&xh.t).s, ts(&w.t).s, ts(&bias.t).s, ts(&ot).s);
		end_op(e);
		return 0;
	}
	if (group == cin && icg == 1 && oc % cin == 0) {
		/* OIHW [C*M,1,KH,KW] -> [C,M,KH,KW] -> HWCM */
		static const int64_t HWCM[4] = {2, 3, 0, 1};
		int64_t rd[4] = {cin, oc / cin, wt->dims[2], wt->dims[3]};
		lv w = weight(e, wv, rd, HWCM, flip);
		*out = fresh(e, &ot);
		put(&e->out, "    %s = \"tosa.depthwise_conv2d\"(%s, %s, %s) {pad = ", out->name,
		    xh.name, w.name, bias.name);
		ints(&e->out, pad4, 4);
		put(&e->out, ", stride = ");
		ints(&e->out, st, 2);
		put(&e->out, ", dilation = ");
		ints(&e->out, dil, 2);
		if (e->qinfo[0])
			put(&e->out, ", quantization_info = {%s}", e->qinfo);
		put(&e->out, "} : (%s, %s, %s) -> %s", ts(&xh.t).s, ts(&w.t).s, ts(&bias.t).s, ts(&ot).s);
		end_op(e);
		return 0;
	}
	return fail(e, "grouped convolution (group=%lld, not 1 or depthwise) is not lowered",
		    (long long)group);
}

static int lower_conv(emitter *e, lv *out)
{
	const nx_graph *g = e->g;
	uint32_t o = e->op;
	lv x = operand(e, 0);
	uint32_t wv = nx_operand(g, o, 1);
	if (x.t.rank != 4)
		return fail(e, "only 2-D convolutions (rank-4 input) are lowered");
	uint32_t n;
	const int64_t *strides = nx_attr_ints(g, o, "strides", &n);
	int64_t st[2] = {n == 2 ? strides[0] : 1, n == 2 ? strides[1] : 1};
	const int64_t *dl = nx_attr_ints(g, o, "dilations", &n);
	int64_t dil[2] = {n == 2 ? dl[0] : 1, n == 2 ? dl[1] : 1};
	uint32_t np;
	const int64_t *pads = nx_attr_ints(g, o, "pads", &np);
	const char *ap = nx_attr_s(g, o, "auto_pad", "NOTSET");
	const nx_type *wt = nx_vtype(g, wv), *rt = rtype(e, 0);
	int64_t pad4[4];
	for (int a = 0; a < 2; a++)
		conv_pads(ap, pads, (int)np, a, 2, x.t.dims[2 + a], rt->dims[2 + a],
			  wt->dims[2 + a], st[a], dil[a], &pad4[2 * a], &pad4[2 * a + 1]);
	/* conv_integer's operand 2 is x_zero_point: it has no bias (an i32 zero) */
	bool ci = nx_opp(g, o)->kind == NX_OP_CONV_INTEGER;
	lv bias = bias_or_zero(e, ci ? UINT32_MAX : 2, wt->dims[0], rt->dtype);
	lv xh = transpose(e, x, TO_NHWC);
	lv yh;
	if (conv_core(e, xh, wv, bias, nx_attr_i(g, o, "group", 1), pad4, st, dil, rt, false, &yh))
		return -1;
	*out = transpose(e, yh, TO_NCHW);
	return 0;
}

/* ConvTranspose = insert (stride - 1) zeros between input pixels, pad by
 * dilation * (k - 1) - pad, and correlate with the spatially flipped,
 * in/out-swapped kernel at stride 1. */
static int lower_conv_transpose(emitter *e, lv *out)
{
	const nx_graph *g = e->g;
	uint32_t o = e->op;
	lv x = operand(e, 0);
	uint32_t wv = nx_operand(g, o, 1);
	if (x.t.rank != 4)
		return fail(e, "only 2-D transposed convolutions are lowered");
	if (nx_attr_i(g, o, "group", 1) != 1)
		return fail(e, "grouped transposed convolution is not lowered");
	uint32_t n;
	const int64_t *strides = nx_attr_ints(g, o, "strides", &n);
	int64_t st[2] = {n == 2 ? strides[0] : 1, n == 2 ? strides[1] : 1};
	const int64_t *dl = nx_attr_ints(g, o, "dilations", &n);
	int64_t dil[2] = {n == 2 ? dl[0] : 1, n == 2 ? dl[1] : 1};
	uint32_t np;
	const int64_t *pads = nx_attr_ints(g, o, "pads", &np);
	const char *ap = nx_attr_s(g, o, "auto_pad", "NOTSET");
	const nx_type *wt = nx_vtype(g, wv), *rt = rtype(e, 0);
	int64_t k[2] = {wt->dims[2], wt->dims[3]};
	int64_t oc = wt->dims[1];
	/* begin pad of the output as the kernel takes it (nx_convt_pad_begin);
	 * the end follows from the output size, which covers output_padding
	 * and output_shape */
	uint32_t nop;
	const int64_t *opd = nx_attr_ints(g, o, "output_padding", &nop);
	bool has_os = nx_attr_get(g, o, "output_shape") != NULL;
	int64_t pb[2];
	for (int a = 0; a < 2; a++) {
		int64_t opad = nop == 2 ? opd[a] : 0;
		int64_t full = (x.t.dims[2 + a] - 1) * st[a] + (k[a] - 1) * dil[a] + 1 + opad;
		int64_t total = full - rt->dims[2 + a];
		pb[a] = nx_convt_pad_begin(nx_auto_pad(ap), total, opad, has_os, np == 4,
					   np == 4 ? pads[a] : 0);
	}
	lv xh = transpose(e, x, TO_NHWC);
	/* zero insertion: [N,H,W,C] -> [N,H,1,W,1,C] -> pad -> [N,H*s,W*s,C] */
	if (st[0] > 1 || st[1] > 1) {
		int64_t d6[6] = {xh.t.dims[0], xh.t.dims[1], 1, xh.t.dims[2], 1, xh.t.dims[3]};
		lv x6 = reshape(e, xh, 6, d6);
		int64_t bz[6] = {0}, az[6] = {0, 0, st[0] - 1, 0, st[1] - 1, 0};
		x6 = pad(e, x6, bz, az, 0);
		int64_t d4[4] = {d6[0], d6[1] * st[0], d6[3] * st[1], d6[5]};
		xh = reshape(e, x6, 4, d4);
	}
	/* xh holds the dilated input plus (s - 1) trailing zeros per axis */
	int64_t pad4[4], lo[4] = {0}, size[4];
	bool cut = false;
	memcpy(size, xh.t.dims, sizeof size);
	for (int a = 0; a < 2; a++) {
		int64_t b = (k[a] - 1) * dil[a] - pb[a];
		int64_t have = xh.t.dims[1 + a];
		/* conv output = have + b + en - (k-1)*d = out */
		int64_t en = rt->dims[2 + a] + (k[a] - 1) * dil[a] - have - b;
		if (b < 0) {
			lo[1 + a] = -b;
			size[1 + a] -= -b;
			b = 0;
			cut = true;
		}
		if (en < 0) {
			size[1 + a] -= -en;
			en = 0;
			cut = true;
		}
		if (size[1 + a] < 1)
			return fail(e, "pads leave no input");
		pad4[2 * a] = b;
		pad4[2 * a + 1] = en;
	}
	if (cut)
		xh = slice(e, xh, lo, size);
	/* weight [IC, OC, KH, KW] -> as OIHW [OC, IC, ...] flipped */
	lv bias = bias_or_zero(e, 2, oc, rt->dtype);
	int64_t one[2] = {1, 1};
	lv yh;
	static const int64_t OHWI_FROM_IOHW[4] = {1, 2, 3, 0};
	nx_type ot = *rt;
	ot.dims[1] = rt->dims[2];
	ot.dims[2] = rt->dims[3];
	ot.dims[3] = rt->dims[1];
	lv w = weight(e, wv, NULL, OHWI_FROM_IOHW, true);
	yh = fresh(e, &ot);
	put(&e->out, "    %s = \"tosa.conv2d\"(%s, %s, %s) {pad = ", yh.name, xh.name, w.name,
	    bias.name);
	ints(&e->out, pad4, 4);
	put(&e->out, ", stride = ");
	ints(&e->out, one, 2);
	put(&e->out, ", dilation = ");
	ints(&e->out, dil, 2);
	put(&e->out, "} : (%s, %s, %s) -> %s", ts(&xh.t).s, ts(&w.t).s, ts(&bias.t).s, ts(&ot).s);
	end_op(e);
	*out = transpose(e, yh, TO_NCHW);
	return 0;
}

static int lower_pool(emitter *e, bool avg, lv *out)
{
	const nx_graph *g = e->g;
	uint32_t o = e->op;
	lv x = operand(e, 0);
	if (x.t.rank != 4)
		return fail(e, "only 2-D pools (rank-4 input) are lowered");
	uint32_t n, np;
	const int64_t *ks = nx_attr_ints(g, o, "kernel_shape", &n);
	if (n != 2)
		return fail(e, "kernel_shape must have 2 entries");
	int64_t k[2] = {ks[0], ks[1]};
	const int64_t *strides = nx_attr_ints(g, o, "strides", &n);
	int64_t st[2] = {n == 2 ? strides[0] : 1, n == 2 ? strides[1] : 1};
	const int64_t *dl = nx_attr_ints(g, o, "dilations", &n);
	if (n && (dl[0] != 1 || dl[1] != 1))
		return fail(e, "dilated pooling is not lowered");
	const int64_t *pads = nx_attr_ints(g, o, "pads", &np);
	const char *ap = nx_attr_s(g, o, "auto_pad", "NOTSET");
	const nx_type *rt = rtype(e, 0);
	int64_t pad4[4];
	for (int a = 0; a < 2; a++) {
		conv_pads(ap, pads, (int)np, a, 2, x.t.dims[2 + a], rt->dims[2 + a], k[a], st[a], 1,
			  &pad4[2 * a], &pad4[2 * a + 1]);
		/* ceil_mode: pad the end until the last window exists */
		int64_t need = (rt->dims[2 + a] - 1) * st[a] + k[a] - x.t.dims[2 + a] -
			       pad4[2 * a] - pad4[2 * a + 1];
		if (need > 0)
			pad4[2 * a + 1] += need;
	}
	lv xh = transpose(e, x, TO_NHWC);
	if (avg && nx_attr_i(g, o, "count_include_pad", 0) &&
	    (pad4[0] || pad4[1] || pad4[2] || pad4[3])) {
		/* TOSA's average excludes padding: make it real zeros */
		int64_t b[4] = {0, pad4[0], pad4[2], 0}, a[4] = {0, pad4[1], pad4[3], 0};
		xh = pad(e, xh, b, a, 0);
		memset(pad4, 0, sizeof pad4);
	}
	nx_type ot = *rt;
	ot.dims[1] = rt->dims[2];
	ot.dims[2] = rt->dims[3];
	ot.dims[3] = rt->dims[1];
	lv yh = fresh(e, &ot);
	put(&e->out, "    %s = \"%s\"(%s) {kernel = ", yh.name, avg ? "tosa.avg_pool2d"
							  : "tosa.max_pool2d", xh.name);
	ints(&e->out, k, 2);
	put(&e->out, ", stride = ");
	ints(&e->out, st, 2);
	put(&e->out, ", pad = ");
	ints(&e->out, pad4, 4);
	put(&e->out, "} : (%s) -> %s", ts(&xh.t).s, ts(&ot).s);
	end_op(e);
	*out = transpose(e, yh, TO_NCHW);
	return 0;
}

/* Sum (or max) over the axes in mark, dims kept. */
static lv reduce_axes(emitter *e, const char *op, lv x, const bool *mark)
{
	for (int a = 0; a < x.t.rank; a++)
		if (mark[a])
			x = reduce(e, op, x, a);
	return x;
}

static int lower_reduce(emitter *e, lv *out)
{
	const nx_graph *g = e->g;
	uint32_t o = e->op;
	int kind = nx_opp(g, o)->kind;
	lv x = operand(e, 0);
	uint32_t n;
	const int64_t *axes = nx_attr_ints(g, o, "axes", &n);
	bool mark[NX_MAX_RANK] = {false};
	if (!n && nx_attr_i(g, o, "noop_with_empty_axes", 0)) {
		*out = op1(e, "tosa.identity", x, &x.t);
		return 0;
	}
	int64_t count = 1;
	for (int a = 0; a < x.t.rank; a++) {
		bool m = !n;
		for (uint32_t i = 0; i < n; i++)
			m |= axes[i] == a || axes[i] + x.t.rank == a;
		mark[a] = m;
		if (m)
			count *= x.t.dims[a];
	}
	lv r = reduce_axes(e, kind == NX_OP_REDUCE_MAX ? "tosa.reduce_max" : "tosa.reduce_sum",
			   x, mark);
	if (kind == NX_OP_REDUCE_MEAN)
		r = mul_scalar(e, r, 1.0 / (double)count);
	const nx_type *rt = rtype(e, 0);
	*out = reshape(e, r, rt->rank, rt->dims);
	return 0;
}

static int lower_softmax(emitter *e, bool log_, lv *out)
{
	lv x = operand(e, 0);
	int64_t axis = nx_attr_i(e->g, e->op, "axis", -1);
	int a = (int)(axis < 0 ? axis + x.t.rank : axis);
	lv m = reduce(e, "tosa.reduce_max", x, a);
	lv d = op2(e, "tosa.sub", x, m);
	lv ex = op1(e, "tosa.exp", d, &d.t);
	lv s = reduce(e, "tosa.reduce_sum", ex, a);
	if (log_)
		*out = op2(e, "tosa.sub", d, op1(e, "tosa.log", s, &s.t));
	else
		*out = op2(e, "tosa.mul", ex, op1(e, "tosa.reciprocal", s, &s.t));
	return 0;
}

static int lower_layer_norm(emitter *e, lv *out)
{
	const nx_graph *g = e->g;
	lv x = operand(e, 0);
	int64_t axis = nx_attr_i(g, e->op, "axis", -1);
	int a = (int)(axis < 0 ? axis + x.t.rank : axis);
	double eps = nx_attr_f(g, e->op, "epsilon", 1e-5f);
	bool mark[NX_MAX_RANK] = {false};
	int64_t count = 1;
	for (int i = a; i < x.t.rank; i++) {
		mark[i] = true;
		count *= x.t.dims[i];
	}
	lv mean = mul_scalar(e, reduce_axes(e, "tosa.reduce_sum", x, mark), 1.0 / (double)count);
	lv d = op2(e, "tosa.sub", x, mean);
	lv var = mul_scalar(e, reduce_axes(e, "tosa.reduce_sum", op2(e, "tosa.mul", d, d), mark),
			    1.0 / (double)count);
	lv inv = op1(e, "tosa.rsqrt", add_scalar(e, var, eps), &var.t);
	lv y = op2(e, "tosa.mul", op2(e, "tosa.mul", d, inv), operand(e, 1));
	if (nx_opp(g, e->op)->n_in > 2 && nx_operand(g, e->op, 2) != NX_NONE)
		y = op2(e, "tosa.add", y, operand(e, 2));
	*out = y;
	return 0;
}

/* Inference batch norm: y = x * a + b with a = scale / sqrt(var + eps) and
 * b = bias - mean * a, computed here when the four are f32 constants. */
static int lower_batch_norm(emitter *e, lv *out)
{
	const nx_graph *g = e->g;
	uint32_t o = e->op;
	lv x = operand(e, 0);
	double eps = nx_attr_f(g, o, "epsilon", 1e-5f);
	int64_t c = x.t.rank > 1 ? x.t.dims[1] : 1;
	int64_t pd[NX_MAX_RANK];
	for (int i = 0; i < x.t.rank; i++)
		pd[i] = i == 1 ? c : 1;
	bool fold = x.t.dtype == NX_F32;
	for (uint32_t i = 1; i < 5; i++) {
		uint32_t v = nx_operand(g, o, i);
		fold &= nx_is_const(g, v) && nx_vtype(g, v)->dtype == NX_F32 &&
			nx_type_numel(nx_vtype(g, v)) == c;
	}
	if (fold) {
		const float *s = nx_blob_data(nx_const_blob(g, nx_operand(g, o, 1)));
		const float *b = nx_blob_data(nx_const_blob(g, nx_operand(g, o, 2)));
		const float *m = nx_blob_data(nx_const_blob(g, nx_operand(g, o, 3)));
		const float *v = nx_blob_data(nx_const_blob(g, nx_operand(g, o, 4)));
		float *fa = nx_xmalloc((size_t)c * 4), *fb = nx_xmalloc((size_t)c * 4);
		for (int64_t i = 0; i < c; i++) {
			fa[i] = (float)(s[i] / sqrt((double)v[i] + eps));
			fb[i] = (float)(b[i] - m[i] * (double)fa[i]);
		}
		lv A = const_f32(e, x.t.rank, pd, fa), B = const_f32(e, x.t.rank, pd, fb);
		free(fa);
		free(fb);
		*out = op2(e, "tosa.add", op2(e, "tosa.mul", x, A), B);
		return 0;
	}
	lv sc = reshape(e, operand(e, 1), x.t.rank, pd), bi = reshape(e, operand(e, 2), x.t.rank, pd);
	lv mn = reshape(e, operand(e, 3), x.t.rank, pd), vr = reshape(e, operand(e, 4), x.t.rank, pd);
	lv inv = op1(e, "tosa.rsqrt", add_scalar(e, vr, eps), &vr.t);
	lv a = op2(e, "tosa.mul", sc, inv);
	*out = op2(e, "tosa.add", op2(e, "tosa.mul", op2(e, "tosa.sub", x, mn), a), bi);
	return 0;
}

static int lower_matmul(emitter *e, lv a, lv b, const nx_type *rt, lv *out)
{
	if (a.t.rank < 2 || b.t.rank < 2)
		return fail(e, "matmul of a vector is not lowered");
	int64_t m = a.t.dims[a.t.rank - 2], k = a.t.dims[a.t.rank - 1], nn = b.t.dims[b.t.rank - 1];
	int64_t ba = nx_type_numel(&a.t) / (m * k), bb = nx_type_numel(&b.t) / (k * nn);
	lv a3, b3;
	if (bb == 1) {
		/* shared weights: fold the batch into the rows */
		int64_t da[3] = {1, ba * m, k}, db[3] = {1, k, nn};
		a3 = reshape(e, a, 3, da);
		b3 = reshape(e, b, 3, db);
	} else if (ba == bb) {
		int64_t da[3] = {ba, m, k}, db[3] = {bb, k, nn};
		a3 = reshape(e, a, 3, da);
		b3 = reshape(e, b, 3, db);
	} else {
		return fail(e, "batch dims that broadcast are not lowered");
	}
	nx_type t3 = *rt;
	t3.rank = 3;
	t3.dims[0] = a3.t.dims[0];
	t3.dims[1] = a3.t.dims[1];
	t3.dims[2] = nn;
	lv r = op2_as(e, "tosa.matmul", a3, b3, &t3);
	*out = reshape(e, r, rt->rank, rt->dims);
	return 0;
}

/* Gemm with constant B: tosa.fully_connected (weights [OC, IC], alpha and
 * beta folded); otherwise matmul + scale + add. */
static int lower_gemm(emitter *e, lv *out)
{
	const nx_graph *g = e->g;
	uint32_t o = e->op;
	lv a = operand(e, 0);
	uint32_t bv = nx_operand(g, o, 1);
	const nx_type *rt = rtype(e, 0);
	double alpha = nx_attr_f(g, o, "alpha", 1), beta = nx_attr_f(g, o, "beta", 1);
	bool ta = nx_attr_i(g, o, "transA", 0), tb = nx_attr_i(g, o, "transB", 0);
	static const int64_t T2[2] = {1, 0};
	if (ta)
		a = transpose(e, a, T2);
	uint32_t cv = nx_opp(g, o)->n_in > 2 ? nx_operand(g, o, 2) : NX_NONE;
	const nx_type *bt = nx_vtype(g, bv);
	int64_t oc = rt->dims[1], ic = a.t.dims[1];
	if (nx_is_const(g, bv) && bt->dtype == NX_F32 &&
	    (cv == NX_NONE || (nx_is_const(g, cv) && nx_vtype(g, cv)->dtype == NX_F32 &&
			       nx_type_numel(nx_vtype(g, cv)) <= oc))) {
		const float *bd = nx_blob_data(nx_const_blob(g, bv));
		float *w = nx_xmalloc((size_t)(oc * ic) * 4), *bias = nx_xcalloc((size_t)oc, 4);
		for (int64_t r = 0; r < oc; r++)
			for (int64_t c = 0; c < ic; c++)
				w[r * ic + c] = (float)(alpha * (tb ? bd[r * ic + c] : bd[c * oc + r]));
		if (cv != NX_NONE) {
			const float *cd = nx_blob_data(nx_const_blob(g, cv));
			int64_t nc = nx_type_numel(nx_vtype(g, cv));
			for (int64_t r = 0; r < oc; r++)
				bias[r] = (float)(beta * cd[nc == 1 ? 0 : r]);
		}
		int64_t wd[2] = {oc, ic};
		lv W = const_f32(e, 2, wd, w), B = const_f32(e, 1, &oc, bias);
		free(w);
		free(bias);
		*out = fresh(e, rt);
		put(&e->out, "    %s = \"tosa.fully_connected\"(%s, %s, %s) : (%s, %s, %s) -> %s",
		    out->name, a.name, W.name, B.name, ts(&a.t).s, ts(&W.t).s, ts(&B.t).s, ts(rt).s);
		end_op(e);
		return 0;
	}
	lv b = val(e, bv);
	if (tb)
		b = transpose(e, b, T2);
	lv r;
	if (lower_matmul(e, a, b, rt, &r))
		return -1;
	if (alpha != 1)
		r = mul_scalar(e, r, alpha);
	if (cv != NX_NONE) {
		lv c = val(e, cv);
		if (beta != 1)
			c = mul_scalar(e, c, beta);
		r = op2(e, "tosa.add", r, c);
	}
	*out = r;
	return 0;
}

static int lower_resize(emitter *e, lv *out)
{
	const nx_graph *g = e->g;
	uint32_t o = e->op;
	lv x = operand(e, 0);
	const nx_type *rt = rtype(e, 0);
	const char *mode = nx_attr_s(g, o, "mode", "nearest");
	const char *ctm = nx_attr_s(g, o, "coordinate_transformation_mode", "half_pixel");
	const char *nm = nx_attr_s(g, o, "nearest_mode", "round_prefer_floor");
	if (x.t.rank != 4 || rt->dims[0] != x.t.dims[0] || rt->dims[1] != x.t.dims[1])
		return fail(e, "only resizes of the two spatial axes of a rank-4 tensor are lowered");
	if (strcmp(mode, "nearest") && strcmp(mode, "linear"))
		return fail(e, "mode=\"%s\" (TOSA resizes nearest or bilinear)", mode);
	uint32_t ns;
	const float *scales = nx_attr_floats(g, o, "scales", &ns);
	char sf[2][40], of[2][40];
	int64_t osz[2] = {rt->dims[2], rt->dims[3]}, zero2[2] = {0, 0};
	for (int a = 0; a < 2; a++) {
		int64_t in = x.t.dims[2 + a], on = rt->dims[2 + a];
		double s = ns == 4 ? scales[2 + a] : (double)on / (double)in;
		double stride, off;
		if (!strcmp(ctm, "asymmetric")) {
			stride = 1 / s;
			off = 0;
		} else if (!strcmp(ctm, "half_pixel") || !strcmp(ctm, "pytorch_half_pixel")) {
			stride = 1 / s;
			off = 0.5 / s - 0.5;
			if (!strcmp(ctm, "pytorch_half_pixel") && on == 1)
				stride = off = 0;
		} else if (!strcmp(ctm, "align_corners")) {
			stride = on > 1 ? (double)(in - 1) / (double)(on - 1) : 0;
			off = 0;
		} else {
			return fail(e, "coordinate_transformation_mode=\"%s\"", ctm);
		}
		/* TOSA's nearest rounds half up: shift to get floor or ceil
		 * (round_prefer_floor differs only on exact ties) */
		if (!strcmp(mode, "nearest")) {
			if (!strcmp(nm, "floor"))
				off -= 0.5;
			else if (!strcmp(nm, "ceil"))
				off += 0.5 - 1.0 / 1024;
		}
		ff(stride, sf[a], sizeof sf[a]);
		ff(off, of[a], sizeof of[a]);
	}
	lv xh = transpose(e, x, TO_NHWC);
	nx_type ot = *rt;
	ot.dims[1] = rt->dims[2];
	ot.dims[2] = rt->dims[3];
	ot.dims[3] = rt->dims[1];
	lv yh = fresh(e, &ot);
	put(&e->out, "    %s = \"tosa.resize\"(%s) {output_size = ", yh.name, xh.name);
	ints(&e->out, osz, 2);
	put(&e->out, ", stride = ");
	ints(&e->out, zero2, 2);
	put(&e->out, ", offset = ");
	ints(&e->out, zero2, 2);
	put(&e->out, ", shift = 0 : i32, stride_fp = [%s : f32, %s : f32], offset_fp = [%s : f32, "
	    "%s : f32], mode = \"%s\"} : (%s) -> %s", sf[0], sf[1], of[0], of[1],
	    !strcmp(mode, "nearest") ? "NEAREST_NEIGHBOR" : "BILINEAR", ts(&xh.t).s, ts(&ot).s);
	end_op(e);
	*out = transpose(e, yh, TO_NCHW);
	return 0;
}

/* Gather along axis: data as [N, K, C] (K the gathered axis), indices as
 * [N, W] (i32; one copy per N). */
static int lower_gather(emitter *e, lv *out)
{
	const nx_graph *g = e->g;
	uint32_t o = e->op;
	lv x = operand(e, 0);
	uint32_t iv = nx_operand(g, o, 1);
	const nx_type *it = nx_vtype(g, iv), *rt = rtype(e, 0);
	int64_t axis = nx_attr_i(g, o, "axis", 0);
	int a = (int)(axis < 0 ? axis + x.t.rank : axis);
	int64_t n = 1, k = x.t.dims[a], c = 1, w = nx_type_numel(it);
	for (int i = 0; i < a; i++)
		n *= x.t.dims[i];
	for (int i = a + 1; i < x.t.rank; i++)
		c *= x.t.dims[i];
	int64_t d3[3] = {n, k, c}, d2[2] = {n, w};
	lv x3 = reshape(e, x, 3, d3);
	lv idx;
	if (nx_is_const(g, iv)) {
		const void *id = nx_blob_data(nx_const_blob(g, iv));
		int64_t *v = nx_xmalloc((size_t)(n * w) * 8);
		for (int64_t j = 0; j < w; j++) {
			int64_t q = it->dtype == NX_I64 ? ((const int64_t *)id)[j]
							: ((const int32_t *)id)[j];
			if (q < 0)
				q += k;
			for (int64_t r = 0; r < n; r++)
				v[r * w + j] = q;
		}
		idx = const_i32(e, 2, d2, v);
		free(v);
	} else {
		if (n != 1)
			return fail(e, "gather with non-constant indices after a leading axis");
		idx = val(e, iv);
		if (it->dtype != NX_I32) {
			nx_type t = *it;
			t.dtype = NX_I32;
			idx = op1(e, "tosa.cast", idx, &t);
		}
		idx = reshape(e, idx, 2, d2);
	}
	nx_type t3 = x3.t;
	t3.dims[1] = w;
	lv r = op2_as(e, "tosa.gather", x3, idx, &t3);
	*out = reshape(e, r, rt->rank, rt->dims);
	return 0;
}

static int lower_slice(emitter *e, lv *out)
{
	const nx_graph *g = e->g;
	uint32_t o = e->op;
	lv x = operand(e, 0);
	const nx_type *rt = rtype(e, 0);
	uint32_t ns, na, nst, ne;
	const int64_t *starts = nx_attr_ints(g, o, "starts", &ns);
	nx_attr_ints(g, o, "ends", &ne);
	const int64_t *axes = nx_attr_ints(g, o, "axes", &na);
	const int64_t *steps = nx_attr_ints(g, o, "steps", &nst);
	int64_t start[NX_MAX_RANK] = {0};
	for (uint32_t i = 0; i < ns; i++) {
		int64_t a = axes ? axes[i] : (int64_t)i;
		if (a < 0)
			a += x.t.rank;
		if (steps && steps[i] != 1)
			return fail(e, "slices with step %lld (TOSA slices are contiguous)",
				    (long long)steps[i]);
		int64_t s = starts[i], dim = x.t.dims[a];
		if (s < 0)
			s += dim;
		start[a] = s < 0 ? 0 : s > dim ? dim : s;
	}
	*out = slice(e, x, start, rt->dims);
	return 0;
}

static int lower_pad(emitter *e, lv *out)
{
	const nx_graph *g = e->g;
	lv x = operand(e, 0);
	const char *mode = nx_attr_s(g, e->op, "mode", "constant");
	if (strcmp(mode, "constant"))
		return fail(e, "mode=\"%s\" (TOSA pads with a constant)", mode);
	uint32_t n;
	const int64_t *p = nx_attr_ints(g, e->op, "pads", &n);
	for (uint32_t i = 0; i < n; i++)
		if (p[i] < 0)
			return fail(e, "negative pads");
	*out = pad(e, x, p, p + x.t.rank, nx_attr_f(g, e->op, "value", 0));
	return 0;
}

static int lower_expand(emitter *e, lv *out)
{
	lv x = operand(e, 0);
	const nx_type *rt = rtype(e, 0);
	x = to_rank(e, x, rt->rank);
	int64_t mult[NX_MAX_RANK];
	bool any = false;
	for (int i = 0; i < rt->rank; i++) {
		mult[i] = rt->dims[i] / x.t.dims[i];
		any |= mult[i] != 1;
	}
	if (!any) {
		*out = op1(e, "tosa.identity", x, rt);
		return 0;
	}
	lv r = fresh(e, rt);
	put(&e->out, "    %s = \"tosa.tile\"(%s) {multiples = ", r.name, x.name);
	ints(&e->out, mult, rt->rank);
	put(&e->out, "} : (%s) -> %s", ts(&x.t).s, ts(rt).s);
	end_op(e);
	*out = r;
	return 0;
}

static int lower_split(emitter *e)
{
	const nx_graph *g = e->g;
	uint32_t o = e->op;
	lv x = operand(e, 0);
	int64_t axis = nx_attr_i(g, o, "axis", 0);
	int a = (int)(axis < 0 ? axis + x.t.rank : axis);
	int64_t start[NX_MAX_RANK] = {0};
	for (uint32_t i = 0; i < nx_opp(g, o)->n_out; i++) {
		const nx_type *rt = rtype(e, i);
		e->vals[nx_result(g, o, i)] = slice(e, x, start, rt->dims);
		start[a] += rt->dims[a];
	}
	return 0;
}

static int lower_binary(emitter *e, const char *op, lv *out)
{
	lv a = operand(e, 0), b = operand(e, 1);
	const nx_type *rt = rtype(e, 0);
	if (!strcmp(op, "tosa.div")) {
		if (nx_dtype_is_float(rt->dtype)) {
			*out = op2(e, "tosa.mul", a, op1(e, "tosa.reciprocal", b, &b.t));
			return 0;
		}
		if (rt->dtype != NX_I32)
			return fail(e, "integer division is lowered for i32 only");
	}
	*out = op2(e, op, a, b);
	return 0;
}

/* ---- conv_integer, matmul_integer: TOSA's quantized conv2d / matmul,
 * i8 operands, i32 result, zero points as quantization_info (constants, per
 * tensor). ---- */

/* The per-tensor constant zero point at operand i (absent: 0) in *zp. */
static int int_zp(emitter *e, uint32_t i, const char *what, int64_t *zp)
{
	const nx_graph *g = e->g;
	*zp = 0;
	if (i >= nx_opp(g, e->op)->n_in || nx_operand(g, e->op, i) == NX_NONE)
		return 0;
	uint32_t v = nx_operand(g, e->op, i);
	if (!nx_is_const(g, v) || nx_type_numel(nx_vtype(g, v)) != 1)
		return fail(e, "%s must be one constant (TOSA's quantization_info)", what);
	nx_blob *b = nx_const_blob(g, v);
	nx_tensor t = {b->type, (void *)nx_blob_data(b)};
	*zp = nx_tensor_get_int(&t, 0);
	return 0;
}

static int lower_int_mac(emitter *e, lv *out)
{
	const nx_graph *g = e->g;
	bool conv = nx_opp(g, e->op)->kind == NX_OP_CONV_INTEGER;
	for (uint32_t i = 0; i < 2; i++)
		if (nx_vtype(g, nx_operand(g, e->op, i))->dtype != NX_I8)
			return fail(e, "TOSA's quantized %s takes i8 operands (u8 is not lowered)",
				    conv ? "conv2d" : "matmul");
	int64_t za, zb;
	if (int_zp(e, 2, conv ? "x_zero_point" : "a_zero_point", &za) ||
	    int_zp(e, 3, conv ? "w_zero_point" : "b_zero_point", &zb))
		return -1;
	snprintf(e->qinfo, sizeof e->qinfo, conv ? "input_zp = %lld : i32, weight_zp = %lld : i32"
		 : "a_zp = %lld : i32, b_zp = %lld : i32", (long long)za, (long long)zb);
	int rc = conv ? lower_conv(e, out)
		      : lower_matmul(e, operand(e, 0), operand(e, 1), rtype(e, 0), out);
	e->qinfo[0] = 0;
	return rc;
}

/* ---- quantize_linear, dequantize_linear (issue 18, quantization) ----
 * ONNX's formulas composed in f32, the scale and zero point reshaped to
 * broadcast along `axis` (per axis) or everywhere (per tensor):
 *   q = clamp(round_half_even(x * (1 / s)) + zp, -128, 127), cast to i8
 *   x = (cast(q) - zp) * s
 * TOSA 14 has no float division and its float-to-int cast rounds ties away
 * from zero, so the quotient is a product with the reciprocal (it may differ
 * from nex's f32 division in the last bit) and ties go to even by
 * r = floor(t + 0.5) - 1 where r - t = 0.5 and r is odd. */

/* Operand i (absent: the constant 0) as f32, shaped to broadcast over a
 * rank-rank operand along axis (per axis) or over all of it. */
static lv qparam(emitter *e, uint32_t i, int rank, int axis)
{
	const nx_graph *g = e->g;
	int64_t d[NX_MAX_RANK];
	for (int k = 0; k < rank; k++)
		d[k] = 1;
	if (i >= nx_opp(g, e->op)->n_in || nx_operand(g, e->op, i) == NX_NONE)
		return const_splat(e, NX_F32, rank, d, 0);
	lv p = operand(e, i);
	int64_t n = nx_type_numel(&p.t);
	if (n > 1)
		d[axis] = n;
	p = reshape(e, p, rank, d);
	if (p.t.dtype != NX_F32) {
		nx_type t = p.t;
		t.dtype = NX_F32;
		p = op1(e, "tosa.cast", p, &t);
	}
	return p;
}

static int lower_quant(emitter *e, bool quant, const nx_type *rt, lv *out)
{
	const nx_graph *g = e->g;
	lv x = operand(e, 0);
	int rank = x.t.rank;
	int64_t axis = nx_attr_i(g, e->op, "axis", 1);
	if (axis < 0)
		axis += rank;
	if (rank == 0) {
		int64_t one = 1;
		x = reshape(e, x, 1, &one);
		rank = 1;
		axis = 0;
	}
	if (axis < 0 || axis >= rank)
		return fail(e, "axis %lld is outside the operand", (long long)axis);
	if (quant && x.t.dtype != NX_F32)
		return fail(e, "quantizes f32 only (the operand is %s)", nx_dtype_name(x.t.dtype));
	/* MLIR 14's tosa-to-linalg casts floats to signless integers only */
	if (quant && rt->dtype != NX_I8)
		return fail(e, "quantizes to i8 only (MLIR 14 lowers no float-to-ui8 cast)");
	if (!quant && x.t.dtype != NX_I8 && x.t.dtype != NX_I32)
		return fail(e, "dequantizes i8 and i32 only (MLIR 14 lowers no ui8-to-float "
			    "cast)");
	if (!quant && rt->dtype != NX_F32)
		return fail(e, "dequantizes to f32 only");
	lv s = qparam(e, 1, rank, (int)axis), z = qparam(e, 2, rank, (int)axis);
	nx_type ft = x.t;
	ft.dtype = NX_F32;
	lv r;
	if (quant) {
		lv t = op2(e, "tosa.mul", x, op1(e, "tosa.reciprocal", s, &s.t));
		lv fl = op1(e, "tosa.floor", add_scalar(e, t, 0.5), &t.t);
		lv tie = op2(e, "tosa.equal", op2(e, "tosa.sub", fl, t),
			     const_scalar(e, NX_F32, rank, 0.5));
		lv half = op1(e, "tosa.floor", mul_scalar(e, fl, 0.5), &t.t);
		lv odd = op2(e, "tosa.equal", op2(e, "tosa.sub", fl, mul_scalar(e, half, 2)),
			     const_scalar(e, NX_F32, rank, 1));
		lv both = op2_as(e, "tosa.logical_and", tie, odd, &tie.t);
		lv down = add_scalar(e, fl, -1);
		lv rn = fresh(e, &t.t);
		put(&e->out, "    %s = \"tosa.select\"(%s, %s, %s) : (%s, %s, %s) -> %s", rn.name,
		    both.name, down.name, fl.name, ts(&both.t).s, ts(&down.t).s, ts(&fl.t).s,
		    ts(&t.t).s);
		end_op(e);
		lv q = clamp(e, op2(e, "tosa.add", rn, z), -128, 127);
		nx_type it = q.t;
		it.dtype = rt->dtype;
		r = op1(e, "tosa.cast", q, &it);
	} else {
		lv xf = x.t.dtype == NX_F32 ? x : op1(e, "tosa.cast", x, &ft);
		r = op2(e, "tosa.mul", op2(e, "tosa.sub", xf, z), s);
	}
	*out = reshape(e, r, rt->rank, rt->dims);
	return 0;
}

static int lower_op(emitter *e, lv *out)
{
	const nx_graph *g = e->g;
	uint32_t o = e->op;
	const nx_op *p = nx_opp(g, o);
	const nx_type *rt = rtype(e, 0);
	switch (p->kind) {
	case NX_OP_IDENTITY:
		*out = op1(e, "tosa.identity", operand(e, 0), rt);
		return 0;
	case NX_OP_RESHAPE:
	case NX_OP_FLATTEN:
	case NX_OP_SQUEEZE:
	case NX_OP_UNSQUEEZE:
		*out = reshape(e, operand(e, 0), rt->rank, rt->dims);
		return 0;
	case NX_OP_TRANSPOSE: {
		lv x = operand(e, 0);
		uint32_t n;
		const int64_t *perm = nx_attr_ints(g, o, "perm", &n);
		int64_t rev[NX_MAX_RANK];
		for (int i = 0; i < x.t.rank; i++)
			rev[i] = x.t.rank - 1 - i;
		*out = transpose(e, x, n ? perm : rev);
		return 0;
	}
	case NX_OP_CONCAT: {
		lv xs[NX_VARIADIC];
		for (uint32_t i = 0; i < p->n_in; i++)
			xs[i] = operand(e, i);
		int64_t axis = nx_attr_i(g, o, "axis", 0);
		*out = concat(e, xs, p->n_in, (int)(axis < 0 ? axis + rt->rank : axis), rt);
		return 0;
	}
	case NX_OP_SPLIT:
		return lower_split(e);
	case NX_OP_SLICE:
		return lower_slice(e, out);
	case NX_OP_GATHER:
		return lower_gather(e, out);
	case NX_OP_PAD:
		return lower_pad(e, out);
	case NX_OP_CAST:
		*out = op1(e, "tosa.cast", operand(e, 0), rt);
		return 0;
	case NX_OP_CONV_INTEGER:
	case NX_OP_MATMUL_INTEGER:
		return lower_int_mac(e, out);
	case NX_OP_QLINEAR_CONV:
	case NX_OP_QLINEAR_MATMUL:
	case NX_OP_DYNAMIC_QUANTIZE_LINEAR:
		return fail(e, "its requantization needs TOSA's integer rescale (tosa.rescale), "
			    "which nex does not write yet");
	case NX_OP_QUANTIZE_LINEAR:
	case NX_OP_DEQUANTIZE_LINEAR:
		return lower_quant(e, p->kind == NX_OP_QUANTIZE_LINEAR, rt, out);
	case NX_OP_SHAPE: {
		const nx_type *xt = nx_vtype(g, nx_operand(g, o, 0));
		/* the shape is static: its values are a constant */
		int64_t r = xt->rank, s = nx_attr_i(g, o, "start", 0);
		s = s < 0 ? s + r : s;
		s = s < 0 ? 0 : s > r ? r : s;
		*out = const_bytes(e, rt, xt->dims + s);
		return 0;
	}
	case NX_OP_EXPAND:
		return lower_expand(e, out);
	case NX_OP_RESIZE:
		return lower_resize(e, out);
	case NX_OP_ADD:
		return lower_binary(e, "tosa.add", out);
	case NX_OP_SUB:
		return lower_binary(e, "tosa.sub", out);
	case NX_OP_MUL:
		return lower_binary(e, "tosa.mul", out);
	case NX_OP_DIV:
		return lower_binary(e, "tosa.div", out);
	case NX_OP_POW:
		return lower_binary(e, "tosa.pow", out);
	case NX_OP_MAX:
	case NX_OP_MIN: {
		lv r = operand(e, 0);
		for (uint32_t i = 1; i < p->n_in; i++)
			r = op2(e, p->kind == NX_OP_MAX ? "tosa.maximum" : "tosa.minimum", r,
				operand(e, i));
		*out = p->n_in == 1 ? op1(e, "tosa.identity", r, rt) : r;
		return 0;
	}
	case NX_OP_SQRT: {
		lv x = operand(e, 0);
		*out = op1(e, "tosa.reciprocal", op1(e, "tosa.rsqrt", x, rt), rt);
		return 0;
	}
	case NX_OP_EXP:
		*out = op1(e, "tosa.exp", operand(e, 0), rt);
		return 0;
	case NX_OP_LOG:
		*out = op1(e, "tosa.log", operand(e, 0), rt);
		return 0;
	case NX_OP_NEG:
		*out = op1(e, "tosa.negate", operand(e, 0), rt);
		return 0;
	case NX_OP_ABS:
		*out = op1(e, "tosa.abs", operand(e, 0), rt);
		return 0;
	case NX_OP_RECIPROCAL:
		*out = op1(e, "tosa.reciprocal", operand(e, 0), rt);
		return 0;
	case NX_OP_CLIP:
		*out = clamp(e, operand(e, 0), nx_attr_f(g, o, "min", -INFINITY),
			     nx_attr_f(g, o, "max", INFINITY));
		return 0;
	case NX_OP_RELU:
		*out = clamp(e, operand(e, 0), 0, INFINITY);
		return 0;
	case NX_OP_LEAKY_RELU: {
		lv x = operand(e, 0);
		*out = leaky(e, x, const_scalar(e, x.t.dtype, x.t.rank,
						 nx_attr_f(g, o, "alpha", 0.01f)));
		return 0;
	}
	case NX_OP_PRELU:
		*out = leaky(e, operand(e, 0), operand(e, 1));
		return 0;
	case NX_OP_SIGMOID:
		*out = op1(e, "tosa.sigmoid", operand(e, 0), rt);
		return 0;
	case NX_OP_HARD_SIGMOID:
		*out = hard_sigmoid(e, operand(e, 0), nx_attr_f(g, o, "alpha", 0.2f),
				    nx_attr_f(g, o, "beta", 0.5f));
		return 0;
	case NX_OP_HARD_SWISH: {
		lv x = operand(e, 0);
		*out = op2(e, "tosa.mul", x, hard_sigmoid(e, x, 1.0 / 6, 0.5));
		return 0;
	}
	case NX_OP_TANH:
		*out = op1(e, "tosa.tanh", operand(e, 0), rt);
		return 0;
	case NX_OP_ERF:
		*out = erf_approx(e, operand(e, 0));
		return 0;
	case NX_OP_GELU:
		if (strcmp(nx_attr_s(g, o, "approximate", "none"), "tanh")) {
			*out = gelu_erf(e, operand(e, 0));
			return 0;
		}
		return gelu_tanh(e, operand(e, 0), out);
	case NX_OP_SOFTPLUS: {
		lv x = operand(e, 0);
		*out = op1(e, "tosa.log", add_scalar(e, op1(e, "tosa.exp", x, rt), 1.0), rt);
		return 0;
	}
	case NX_OP_REDUCE_MEAN:
	case NX_OP_REDUCE_SUM:
	case NX_OP_REDUCE_MAX:
		return lower_reduce(e, out);
	case NX_OP_SOFTMAX:
		return lower_softmax(e, false, out);
	case NX_OP_LOG_SOFTMAX:
		return lower_softmax(e, true, out);
	case NX_OP_LAYER_NORM:
		if (nx_opp(e->g, e->op)->n_out > 1)
			return fail(e, "layer_norm's Mean and InvStdDev results are not lowered");
		return lower_layer_norm(e, out);
	case NX_OP_BATCH_NORM:
		return lower_batch_norm(e, out);
	case NX_OP_CONV:
		return lower_conv(e, out);
	case NX_OP_CONV_TRANSPOSE:
		return lower_conv_transpose(e, out);
	case NX_OP_MATMUL:
		return lower_matmul(e, operand(e, 0), operand(e, 1), rt, out);
	case NX_OP_GEMM:
		return lower_gemm(e, out);
	case NX_OP_MAX_POOL:
		return lower_pool(e, false, out);
	case NX_OP_AVG_POOL:
		return lower_pool(e, true, out);
	case NX_OP_GLOBAL_AVG_POOL:
	case NX_OP_GLOBAL_MAX_POOL: {
		lv x = operand(e, 0);
		bool mark[NX_MAX_RANK] = {false};
		int64_t count = 1;
		for (int a = 2; a < x.t.rank; a++) {
			mark[a] = true;
			count *= x.t.dims[a];
		}
		bool avg = p->kind == NX_OP_GLOBAL_AVG_POOL;
		lv r = reduce_axes(e, avg ? "tosa.reduce_sum" : "tosa.reduce_max", x, mark);
		*out = avg ? mul_scalar(e, r, 1.0 / (double)count) : r;
		return 0;
	}
	case NX_OP_OPAQUE:
		return fail(e, "opaque op '%s' is unknown to nex", nx_attr_s(g, o, "op_type", "?"));
	default:
		return fail(e, "not lowered");
	}
}

static void set_loc(emitter *e, uint32_t o)
{
	const nx_graph *g = e->g;
	const char *s = nx_op_origin(g, o) && nx_opp(g, o)->n_origin
		? nx_cstr(g, nx_op_origin(g, o)[0]) : nx_vname(g, nx_result(g, o, 0));
	size_t k = (size_t)snprintf(e->loc, sizeof e->loc, " loc(\"");
	for (; *s && k < sizeof e->loc - 8; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			e->loc[k++] = '\\', e->loc[k++] = (char)c;
		else if (c >= 0x20 && c < 0x7f)
			e->loc[k++] = (char)c;
		else
			k += (size_t)snprintf(e->loc + k, sizeof e->loc - k, "\\%02X", c);
	}
	snprintf(e->loc + k, sizeof e->loc - k, "\")");
}

char *nx_mlir_export_str(const nx_graph *g, nx_err *err)
{
	emitter e;
	memset(&e, 0, sizeof e);
	e.g = g;
	e.err = err;
	e.vals = nx_xcalloc(g->n_vals ? g->n_vals : 1, sizeof *e.vals);
	put(&e.out, "// nex graph @%s, TOSA for MLIR 14 (mlir-opt-14 parses it)\n",
	    nx_cstr(g, g->name));
	put(&e.out, "func @main(");
	for (uint32_t i = 0; i < g->n_inputs; i++) {
		uint32_t v = g->inputs[i];
		snprintf(e.vals[v].name, sizeof e.vals[v].name, "%%arg%u", i);
		e.vals[v].t = *nx_vtype(g, v);
		e.vals[v].t.layout = NX_LAYOUT_PLAIN;
		put(&e.out, "%s%s: %s", i ? ", " : "", e.vals[v].name, ts(&e.vals[v].t).s);
	}
	put(&e.out, ") -> (");
	for (uint32_t i = 0; i < g->n_outputs; i++) {
		nx_type t = *nx_vtype(g, g->outputs[i]);
		put(&e.out, "%s%s", i ? ", " : "", ts(&t).s);
	}
	put(&e.out, ") {\n");
	int rc = 0;
	NX_FOR_OPS(g, o) {
		e.op = o;
		set_loc(&e, o);
		lv r;
		memset(&r, 0, sizeof r);
		if (lower_op(&e, &r)) {
			rc = -1;
			break;
		}
		const char *an = nx_attr_s(g, o, "act", NULL);
		if (an && r.name[0] &&
		    act(&e, an, nx_attr_f(g, o, "act_alpha", 0), nx_attr_f(g, o, "act_beta", 0),
			nx_attr_get(g, o, "act_alpha"), nx_attr_get(g, o, "act_beta"), r, &r)) {
			rc = -1;
			break;
		}
		if (r.name[0])
			e.vals[nx_result(g, o, 0)] = r;
	}
	if (!rc) {
		snprintf(e.loc, sizeof e.loc, " loc(\"outputs\")");
		lv *outs = nx_xmalloc((g->n_outputs ? g->n_outputs : 1) * sizeof *outs);
		for (uint32_t i = 0; i < g->n_outputs; i++)
			outs[i] = val(&e, g->outputs[i]);
		put(&e.out, "    return");
		for (uint32_t i = 0; i < g->n_outputs; i++)
			put(&e.out, "%s %s", i ? "," : "", outs[i].name);
		put(&e.out, " :");
		for (uint32_t i = 0; i < g->n_outputs; i++)
			put(&e.out, "%s %s", i ? "," : "", ts(&outs[i].t).s);
		put(&e.out, "\n}\n");
		free(outs);
	}
	free(e.vals);
	if (rc) {
		free(e.out.s);
		return NULL;
	}
	return e.out.s;
}

int nx_mlir_export(const nx_graph *g, const char *path, nx_err *err)
{
	char *s = nx_mlir_export_str(g, err);
	if (!s)
		return -1;
	int r = nx_write_file_atomic(path, s, strlen(s), err);
	free(s);
	return r;
}
