/* kern_elem.c — element-wise kernels: unary maths and activations, the
 * broadcasting binary ops (add sub mul div pow prelu), variadic max/min,
 * clip, cast, and the fused activations (attr act) that interp.c applies
 * after MAC and binary ops.
 *
 * Float work is f32 (interp.c widens half floats). Integer tensors take a
 * separate exact path where ONNX defines the op for them (add sub mul div
 * max min abs neg relu clip pow): computed in int64 and wrapped to the width,
 * as numpy and onnxruntime do.
 *
 * Broadcasting: the output's dims are walked with per-operand strides (0 on
 * a broadcast dim) after merging dims that are contiguous for every operand,
 * so that the inner loop runs over the longest possible row with each
 * operand either streaming (stride 1) or fixed (stride 0); per-channel
 * constants on NCHW tensors become rows of H*W. Work is split over the pool
 * by flat output ranges.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nx_int.h"
#include "run_fuse.h"
#include "simd.h"
#include "vexp.h"

/* nex never reads the floating-point exception flags, and with them
 * "observable" (GCC's default -ftrapping-math) GCC refuses to if-convert a
 * clamp that feeds a multiply (hard_swish, leaky_relu), leaving those loops
 * scalar. Results are unchanged: only the flags could differ. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-trapping-math")
#endif

/* Below this many elements the pool's wake-up costs more than it saves. */
#define PAR_MIN (1 << 15)

enum {
	A_NONE, A_RELU, A_CLIP, A_LEAKY, A_HSIG, A_HSWISH, A_SIGMOID, A_TANH, A_GELU,
	A_GELU_TANH
};

int nx_act_get(const nx_graph *g, uint32_t op, nx_act *a, nx_err *err)
{
	static const struct {
		const char *name;
		int kind;
		float alpha, beta;
	} acts[] = {
		{"relu", A_RELU, 0, 0}, {"clip", A_CLIP, -INFINITY, INFINITY},
		{"leaky_relu", A_LEAKY, 0.01f, 0}, {"hard_sigmoid", A_HSIG, 0.2f, 0.5f},
		{"hard_swish", A_HSWISH, 0, 0}, {"sigmoid", A_SIGMOID, 0, 0},
		{"tanh", A_TANH, 0, 0}, {"gelu", A_GELU, 0, 0},
	};
	memset(a, 0, sizeof *a);
	const char *name = nx_attr_s(g, op, "act", NULL);
	if (!name)
		return 0;
	for (size_t i = 0; i < sizeof acts / sizeof acts[0]; i++)
		if (!strcmp(acts[i].name, name)) {
			a->kind = acts[i].kind;
			a->alpha = nx_attr_f(g, op, "act_alpha", acts[i].alpha);
			a->beta = nx_attr_f(g, op, "act_beta", acts[i].beta);
			return 0;
		}
	return nx_infer_fail(g, op, err, "unknown fused activation act=\"%s\"", name);
}

/* Each case is written so that the compiler vectorizes it (one clamp per
 * statement: a nested ?: on floats defeats GCC's if-conversion), and
 * NX_SIMD_FN_V4 builds AVX-512 and AVX2+FMA copies picked at run time
 * (docs/speed.md has what the AVX-512 one gains). sigmoid takes nx_vexpf
 * (vexp.h), so it vectorizes too; tanh and gelu stay scalar libm calls. */
NX_BODY void act_apply_body(const nx_act *a, float *x, int64_t n)
{
	float al = a->alpha, be = a->beta;
	switch (a->kind) {
	case A_RELU:
		for (int64_t i = 0; i < n; i++)
			x[i] = x[i] > 0 ? x[i] : 0;
		break;
	case A_CLIP:
		for (int64_t i = 0; i < n; i++) {
			float v = x[i] < al ? al : x[i];
			x[i] = v > be ? be : v;
		}
		break;
	case A_LEAKY:
		for (int64_t i = 0; i < n; i++) {
			float v = x[i], s = al * v;
			x[i] = v < 0 ? s : v;
		}
		break;
	case A_HSIG:
		for (int64_t i = 0; i < n; i++) {
			float y = al * x[i] + be;
			y = y < 0 ? 0 : y;
			x[i] = y > 1 ? 1 : y;
		}
		break;
	case A_HSWISH:
		for (int64_t i = 0; i < n; i++) {
			float y = x[i] * (1.0f / 6) + 0.5f;
			y = y < 0 ? 0 : y;
			y = y > 1 ? 1 : y;
			x[i] *= y;
		}
		break;
	case A_SIGMOID:
		for (int64_t i = 0; i < n; i++)
			x[i] = 1 / (1 + nx_vexpf(-x[i]));
		break;
	case A_TANH:
		for (int64_t i = 0; i < n; i++)
			x[i] = tanhf(x[i]);
		break;
	case A_GELU:
		for (int64_t i = 0; i < n; i++)
			x[i] = 0.5f * x[i] * (1 + erff(x[i] * 0.70710678118654752f));
		break;
	case A_GELU_TANH:
		for (int64_t i = 0; i < n; i++) {
			float v = x[i];
			x[i] = 0.5f * v * (1 + tanhf(0.7978845608f * (v + 0.044715f * v * v * v)));
		}
		break;
	default:
		break;
	}
}

NX_SIMD_FN_V4(static, act_apply, (const nx_act *a, float *x, int64_t n), (a, x, n))

#ifdef NX_SIMD_X86
#include <immintrin.h>
/* hard_swish and hard_sigmoid clamps in AVX2, 8 floats a step; returns how
 * many leading elements it did (a multiple of 8), the rest goes to the
 * body. Why not the body: GCC if-converts each clamp there into two
 * compares, an and and a blend (17 instructions per 8 floats for
 * hard_swish, 10 % of cls's instructions) because it cannot tell that the
 * selects are maxps/minps. They are, operand for operand: maxps(a, b) is
 * a > b ? a : b and gives b on a NaN, so `y < 0 ? 0 : y` is maxps(0, y)
 * and `y > 1 ? 1 : y` is minps(1, y), -0 and NaN included; the multiply
 * and add are separate roundings as in the body (no FMA). Same bits as the
 * body, in 6 instructions. An AVX-512 copy (16 floats a step, the tail
 * masked) was no clear gain on det (slower in one run, faster in another:
 * docs/speed.md), so there is none.
 * The act's post steps (run-time fusion, run_fuse.c) follow in registers,
 * each its own rounding in the op's operand order, as nx_fuse_scalar
 * would give them. */
NX_TARGET_V3 static inline __m256 post_v3(int kind, bool rev, __m256 y, __m256 c)
{
	switch (kind) {
	case NX_OP_ADD: return rev ? _mm256_add_ps(c, y) : _mm256_add_ps(y, c);
	case NX_OP_SUB: return rev ? _mm256_sub_ps(c, y) : _mm256_sub_ps(y, c);
	case NX_OP_MUL: return rev ? _mm256_mul_ps(c, y) : _mm256_mul_ps(y, c);
	default: return rev ? _mm256_div_ps(c, y) : _mm256_div_ps(y, c);
	}
}

NX_TARGET_V3 static int64_t hard_v3(const nx_act *a, float *x, int64_t n)
{
	bool swish = a->kind == A_HSWISH;
	__m256 al = _mm256_set1_ps(swish ? 1.0f / 6 : a->alpha);
	__m256 be = _mm256_set1_ps(swish ? 0.5f : a->beta);
	__m256 zero = _mm256_setzero_ps(), one = _mm256_set1_ps(1.0f);
	__m256 c[NX_ACT_POST];
	int np = a->n_post;
	for (int s = 0; s < np; s++)
		c[s] = _mm256_set1_ps(a->post[s].c);
	/* PPLCNetV3's learnable affine: x * s + b */
	bool affine = np == 2 && a->post[0].kind == NX_OP_MUL && !a->post[0].rev &&
		      a->post[1].kind == NX_OP_ADD && !a->post[1].rev;
	int64_t i = 0;
	for (; i + 8 <= n; i += 8) {
		__m256 v = _mm256_loadu_ps(x + i);
		__m256 y = _mm256_add_ps(_mm256_mul_ps(v, al), be);
		y = _mm256_min_ps(one, _mm256_max_ps(zero, y));
		if (swish)
			y = _mm256_mul_ps(v, y);
		if (affine)
			y = _mm256_add_ps(_mm256_mul_ps(y, c[0]), c[1]);
		else
			for (int s = 0; s < np; s++)
				y = post_v3(a->post[s].kind, a->post[s].rev, y, c[s]);
		_mm256_storeu_ps(x + i, y);
	}
	return i;
}
#endif

void nx_act_apply(const nx_act *a, float *x, int64_t n)
{
#ifdef NX_SIMD_X86
	if ((a->kind == A_HSWISH || a->kind == A_HSIG) && nx_cpu_v3()) {
		int64_t done = hard_v3(a, x, n); /* post steps included */
		x += done;
		n -= done;
	}
#endif
	if (!a->n_post) {
		act_apply(a, x, n);
		return;
	}
	/* the fused steps (run_fuse.c) on each block while it is in L1 */
	for (int64_t b = 0; b < n; b += 2048) {
		int64_t m = n - b < 2048 ? n - b : 2048;
		act_apply(a, x + b, m);
		for (int s = 0; s < a->n_post; s++)
			nx_fuse_scalar(a->post[s].kind, a->post[s].rev, a->post[s].c, x + b, m);
	}
}

void nx_act_take_post(nx_kern *k, nx_act *a)
{
	if (!k->n_post || !a->kind)
		return;
	for (int s = 0; s < k->n_post; s++)
		a->post[s] = k->post[s];
	a->n_post = k->n_post;
	k->post_done = true;
}

/* ---- integer element access (exact, wrapping on store) ------------------ */

static bool is_int(int dtype)
{
	return nx_dtype_is_int(dtype);
}

/* ---- unary ---------------------------------------------------------------- */

/* Element-wise ops with one operand map element i to element i. */
static int same_count(nx_kern *k)
{
	if (nx_tensor_numel(&k->in[0]) == nx_tensor_numel(&k->out[0]))
		return 0;
	return nx_kern_fail(k, "operand has %lld elements, the result type %lld",
			    (long long)nx_tensor_numel(&k->in[0]),
			    (long long)nx_tensor_numel(&k->out[0]));
}

typedef struct un_job {
	int kind;
	float alpha, beta;
	const float *x;
	float *y;
} un_job;

NX_BODY void un_part_body(void *ctx, int64_t lo, int64_t hi)
{
	un_job *j = ctx;
	const float *x = j->x;
	float *y = j->y;
	nx_act a = {A_NONE, j->alpha, j->beta, 0, {{0}}};
	switch (j->kind) {
	case NX_OP_SQRT:
		for (int64_t i = lo; i < hi; i++)
			y[i] = sqrtf(x[i]);
		return;
	case NX_OP_EXP:
		for (int64_t i = lo; i < hi; i++)
			y[i] = expf(x[i]);
		return;
	case NX_OP_LOG:
		for (int64_t i = lo; i < hi; i++)
			y[i] = logf(x[i]);
		return;
	case NX_OP_NEG:
		for (int64_t i = lo; i < hi; i++)
			y[i] = -x[i];
		return;
	case NX_OP_ABS:
		for (int64_t i = lo; i < hi; i++)
			y[i] = fabsf(x[i]);
		return;
	case NX_OP_RECIPROCAL:
		for (int64_t i = lo; i < hi; i++)
			y[i] = 1 / x[i];
		return;
	case NX_OP_ERF:
		for (int64_t i = lo; i < hi; i++)
			y[i] = erff(x[i]);
		return;
	case NX_OP_SOFTPLUS:
		for (int64_t i = lo; i < hi; i++) {
			float v = x[i];
			y[i] = v > 0 ? v + log1pf(expf(-v)) : log1pf(expf(v));
		}
		return;
	case NX_OP_RELU: a.kind = A_RELU; break;
	case NX_OP_LEAKY_RELU: a.kind = A_LEAKY; break;
	case NX_OP_SIGMOID: a.kind = A_SIGMOID; break;
	case NX_OP_HARD_SIGMOID: a.kind = A_HSIG; break;
	case NX_OP_HARD_SWISH: a.kind = A_HSWISH; break;
	case NX_OP_TANH: a.kind = A_TANH; break;
	case NX_OP_GELU: a.kind = j->alpha != 0 ? A_GELU_TANH : A_GELU; break;
	default: return;
	}
	if (y != x)
		memcpy(y + lo, x + lo, (size_t)(hi - lo) * sizeof *y);
	nx_act_apply(&a, y + lo, hi - lo);
}

NX_SIMD_FN(static, un_part, (void *ctx, int64_t lo, int64_t hi), (ctx, lo, hi))

int nx_kern_unary(nx_kern *k)
{
	int kind = nx_opp(k->g, k->op)->kind;
	const nx_tensor *x = &k->in[0];
	nx_tensor *y = &k->out[0];
	int64_t n = nx_tensor_numel(y);
	int dt = x->type.dtype;
	if (same_count(k))
		return -1;
	if (is_int(dt)) {
		if (kind != NX_OP_NEG && kind != NX_OP_ABS && kind != NX_OP_RELU)
			return nx_kern_fail(k, "%s is not defined on %s", nx_op_name(k->g, k->op),
					    nx_dtype_name(dt));
		for (int64_t i = 0; i < n; i++) {
			int64_t v = nx_tensor_get_int(x, i);
			if (kind == NX_OP_NEG || (kind == NX_OP_ABS && v < 0))
				v = (int64_t)(0 - (uint64_t)v);
			else if (kind == NX_OP_RELU && v < 0)
				v = 0;
			nx_tensor_set_int(y, i, v);
		}
		return 0;
	}
	if (dt != NX_F32)
		return nx_kern_fail(k, "%s is not defined on %s", nx_op_name(k->g, k->op),
				    nx_dtype_name(dt));
	un_job j = {kind, 0, 0, x->data, y->data};
	switch (kind) {
	case NX_OP_LEAKY_RELU:
		j.alpha = nx_attr_f(k->g, k->op, "alpha", 0.01f);
		break;
	case NX_OP_HARD_SIGMOID:
		j.alpha = nx_attr_f(k->g, k->op, "alpha", 0.2f);
		j.beta = nx_attr_f(k->g, k->op, "beta", 0.5f);
		break;
	case NX_OP_GELU: {
		const char *ap = nx_attr_s(k->g, k->op, "approximate", "none");
		if (strcmp(ap, "none") && strcmp(ap, "tanh"))
			return nx_kern_fail(k, "unknown approximate=\"%s\" (none, tanh)", ap);
		j.alpha = !strcmp(ap, "tanh");
		break;
	}
	default:
		break;
	}
	nx_pool_for(n >= PAR_MIN ? k->pool : NULL, n, un_part, &j);
	return 0;
}

/* ---- broadcasting ---------------------------------------------------------- */

/* Iteration plan over the output of a broadcasting op with up to BC_MAX
 * operands: merged dims and per-operand element strides. */
#define BC_MAX 2
typedef struct bcast {
	int rank, nops;
	int64_t dims[NX_MAX_RANK];
	int64_t st[BC_MAX][NX_MAX_RANK];
} bcast;

static void bcast_plan(bcast *b, const nx_type *out, const nx_type *const *ops, int nops)
{
	int r = out->rank;
	int64_t st[BC_MAX][NX_MAX_RANK];
	for (int k = 0; k < nops; k++) {
		const nx_type *t = ops[k];
		int64_t s = 1;
		for (int d = r - 1; d >= 0; d--) {
			int td = d - (r - t->rank);
			int64_t dim = td >= 0 ? t->dims[td] : 1;
			st[k][d] = dim == 1 ? 0 : s;
			s *= dim;
		}
	}
	/* Drop unit dims, then merge a dim into the next when every operand
	 * walks the pair as one run. */
	b->nops = nops;
	b->rank = 0;
	for (int d = 0; d < r; d++) {
		if (out->dims[d] == 1)
			continue;
		int m = b->rank;
		if (m > 0) {
			bool merge = true;
			for (int k = 0; k < nops; k++)
				merge &= b->st[k][m - 1] == st[k][d] * out->dims[d];
			if (merge) {
				b->dims[m - 1] *= out->dims[d];
				for (int k = 0; k < nops; k++)
					b->st[k][m - 1] = st[k][d];
				continue;
			}
		}
		b->dims[m] = out->dims[d];
		for (int k = 0; k < nops; k++)
			b->st[k][m] = st[k][d];
		b->rank++;
	}
	if (b->rank == 0) {
		b->rank = 1;
		b->dims[0] = 1;
		for (int k = 0; k < nops; k++)
			b->st[k][0] = 0;
	}
}

/* The result type is trusted, but a wrong one must not read out of
 * bounds: every operand dim is 1 or the result's, right-aligned. */
static int bcast_check(nx_kern *k, const nx_type *out)
{
	for (uint32_t i = 0; i < k->n_in; i++) {
		const nx_type *t = &k->in[i].type;
		bool ok = t->rank <= out->rank;
		for (int d = 0; ok && d < t->rank; d++) {
			int64_t od = out->dims[out->rank - t->rank + d];
			ok = t->dims[d] == 1 || t->dims[d] == od;
		}
		if (!ok) {
			char a[128], b[128];
			nx_type_str(t, a, sizeof a);
			nx_type_str(out, b, sizeof b);
			return nx_kern_fail(k, "operand %u (%s) does not broadcast to the result "
					    "type %s", i, a, b);
		}
	}
	return 0;
}

/* Calls row(ctx, out_offset, operand offsets, inner strides, len) for the
 * runs of output elements [lo, hi). */
typedef void (*bc_row_fn)(void *ctx, int64_t o, const int64_t *off, const int64_t *st,
			  int64_t len);

static void bcast_walk(const bcast *b, int64_t lo, int64_t hi, bc_row_fn row, void *ctx)
{
	int r = b->rank;
	int64_t idx[NX_MAX_RANK], off[BC_MAX] = {0}, inner[BC_MAX];
	int64_t rem = lo;
	for (int d = r - 1; d >= 0; d--) {
		idx[d] = rem % b->dims[d];
		rem /= b->dims[d];
	}
	for (int k = 0; k < b->nops; k++) {
		inner[k] = b->st[k][r - 1];
		for (int d = 0; d < r; d++)
			off[k] += idx[d] * b->st[k][d];
	}
	int64_t pos = lo;
	while (pos < hi) {
		int64_t len = b->dims[r - 1] - idx[r - 1];
		if (len > hi - pos)
			len = hi - pos;
		row(ctx, pos, off, inner, len);
		pos += len;
		/* Advance the counters past the run. */
		idx[r - 1] += len;
		for (int k = 0; k < b->nops; k++)
			off[k] += len * inner[k];
		for (int d = r - 1; d > 0 && idx[d] == b->dims[d]; d--) {
			idx[d] = 0;
			idx[d - 1]++;
			for (int k = 0; k < b->nops; k++)
				off[k] += b->st[k][d - 1] - b->dims[d] * b->st[k][d];
		}
	}
}

/* ---- binary, f32 ------------------------------------------------------------ */

typedef struct bin_job {
	int kind;
	const float *a, *b;
	float *y;
	bcast plan;
} bin_job;

/* One loop per (op, a streams?, b streams?) so each inner loop is a plain
 * vectorizable one. */
#define BIN_LOOPS(EXPR)                                                               \
	do {                                                                          \
		if (sa && sb)                                                         \
			for (int64_t i = 0; i < n; i++) {                             \
				float x = a[i], w = b[i];                             \
				y[i] = EXPR;                                          \
			}                                                             \
		else if (sa) {                                                        \
			float w = b[0];                                               \
			for (int64_t i = 0; i < n; i++) {                             \
				float x = a[i];                                       \
				y[i] = EXPR;                                          \
			}                                                             \
		} else if (sb) {                                                      \
			float x = a[0];                                               \
			for (int64_t i = 0; i < n; i++) {                             \
				float w = b[i];                                       \
				y[i] = EXPR;                                          \
			}                                                             \
		} else {                                                              \
			float x = a[0], w = b[0], v = EXPR;                           \
			for (int64_t i = 0; i < n; i++)                               \
				y[i] = v;                                             \
		}                                                                     \
	} while (0)

NX_BODY void bin_row_body(void *ctx, int64_t o, const int64_t *off, const int64_t *st,
			  int64_t n)
{
	bin_job *j = ctx;
	const float *a = j->a + off[0], *b = j->b + off[1];
	float *y = j->y + o;
	bool sa = st[0] != 0, sb = st[1] != 0;
	switch (j->kind) {
	case NX_OP_ADD: BIN_LOOPS(x + w); break;
	case NX_OP_SUB: BIN_LOOPS(x - w); break;
	case NX_OP_MUL: BIN_LOOPS(x * w); break;
	case NX_OP_DIV: BIN_LOOPS(x / w); break;
	case NX_OP_POW: BIN_LOOPS(powf(x, w)); break;
	case NX_OP_PRELU: BIN_LOOPS(x < 0 ? x * w : x); break;
	case NX_OP_MAX: BIN_LOOPS(x > w || x != x ? x : w); break;
	case NX_OP_MIN: BIN_LOOPS(x < w || x != x ? x : w); break;
	default: break;
	}
}

/* The rows are SE-block scales, residual adds and biases on every model:
 * an AVX2 copy, as for the activations (same expressions, same bits). */
NX_SIMD_FN(static, bin_row, (void *ctx, int64_t o, const int64_t *off, const int64_t *st,
			     int64_t n), (ctx, o, off, st, n))

static void bin_part(void *ctx, int64_t lo, int64_t hi)
{
	bin_job *j = ctx;
	bcast_walk(&j->plan, lo, hi, bin_row, j);
}

static void bin_f32(int kind, const nx_tensor *a, const nx_tensor *b, nx_tensor *y,
		    nx_pool *pool)
{
	bin_job j = {kind, a->data, b->data, y->data, {0}};
	const nx_type *ops[2] = {&a->type, &b->type};
	bcast_plan(&j.plan, &y->type, ops, 2);
	int64_t n = nx_tensor_numel(y);
	nx_pool_for(n >= PAR_MIN ? pool : NULL, n, bin_part, &j);
}

/* ---- binary, integers (exact, element by element) ----------------------------- */

typedef struct ibin_job {
	int kind;
	const nx_tensor *a, *b;
	nx_tensor *y;
	bool divzero;
} ibin_job;

static int64_t ipow(int64_t base, int64_t e)
{
	uint64_t r = 1, b = (uint64_t)base;
	if (e < 0)
		return base == 1 ? 1 : base == -1 ? (e & 1 ? -1 : 1) : 0;
	while (e) {
		if (e & 1)
			r *= b;
		b *= b;
		e >>= 1;
	}
	return (int64_t)r;
}

static void ibin_row(void *ctx, int64_t o, const int64_t *off, const int64_t *st, int64_t n)
{
	ibin_job *j = ctx;
	/* u64 values past INT64_MAX read back negative: order and divide them
	 * as unsigned (add, sub, mul wrap alike either way). */
	bool u64 = j->y->type.dtype == NX_U64;
	for (int64_t i = 0; i < n; i++) {
		int64_t x = nx_tensor_get_int(j->a, off[0] + i * st[0]);
		int64_t w = nx_tensor_get_int(j->b, off[1] + i * st[1]);
		int64_t v = 0;
		if (u64 && (j->kind == NX_OP_DIV || j->kind == NX_OP_MAX || j->kind == NX_OP_MIN)) {
			uint64_t ux = (uint64_t)x, uw = (uint64_t)w;
			if (j->kind == NX_OP_DIV && uw == 0)
				j->divzero = true;
			else
				v = (int64_t)(j->kind == NX_OP_DIV ? ux / uw
					      : (j->kind == NX_OP_MAX) == (ux > uw) ? ux : uw);
			nx_tensor_set_int(j->y, o + i, v);
			continue;
		}
		switch (j->kind) {
		case NX_OP_ADD: v = (int64_t)((uint64_t)x + (uint64_t)w); break;
		case NX_OP_SUB: v = (int64_t)((uint64_t)x - (uint64_t)w); break;
		case NX_OP_MUL: v = (int64_t)((uint64_t)x * (uint64_t)w); break;
		case NX_OP_DIV:
			if (w == 0 || (w == -1 && x == INT64_MIN))
				j->divzero = true;
			else
				v = x / w;
			break;
		case NX_OP_POW: v = ipow(x, w); break;
		case NX_OP_PRELU: v = x < 0 ? (int64_t)((uint64_t)x * (uint64_t)w) : x; break;
		case NX_OP_MAX: v = x > w ? x : w; break;
		case NX_OP_MIN: v = x < w ? x : w; break;
		default: break;
		}
		nx_tensor_set_int(j->y, o + i, v);
	}
}

/* Flat index into operand t of output element i under broadcasting. */
static int64_t bcast_index(const nx_type *out, const nx_type *t, int64_t i)
{
	int64_t r = 0, s = 1;
	for (int d = out->rank - 1, td = t->rank - 1; td >= 0; d--, td--) {
		int64_t c = i % out->dims[d];
		i /= out->dims[d];
		if (t->dims[td] != 1)
			r += c * s;
		s *= t->dims[td];
	}
	return r;
}

/* Integer binary op. pow with a float exponent (ONNX allows int32 ^ float)
 * goes through double and truncates, as Cast would. */
static int bin_int(nx_kern *k, int kind, const nx_tensor *a, const nx_tensor *b, nx_tensor *y)
{
	if (kind == NX_OP_POW && !is_int(b->type.dtype)) {
		int64_t n = nx_tensor_numel(y);
		for (int64_t i = 0; i < n; i++) {
			double x = (double)nx_tensor_get_int(a, bcast_index(&y->type, &a->type, i));
			double w = nx_tensor_get(b, bcast_index(&y->type, &b->type, i));
			nx_tensor_set(y, i, pow(x, w));
		}
		return 0;
	}
	if (!is_int(b->type.dtype))
		return nx_kern_fail(k, "operands are %s and %s", nx_dtype_name(a->type.dtype),
				    nx_dtype_name(b->type.dtype));
	ibin_job j = {kind, a, b, y, false};
	bcast plan;
	const nx_type *ops[2] = {&a->type, &b->type};
	bcast_plan(&plan, &y->type, ops, 2);
	bcast_walk(&plan, 0, nx_tensor_numel(y), ibin_row, &j);
	if (j.divzero)
		return nx_kern_fail(k, "integer division by zero (or INT64_MIN / -1)");
	return 0;
}

int nx_kern_binary(nx_kern *k)
{
	int kind = nx_opp(k->g, k->op)->kind;
	const nx_tensor *a = &k->in[0], *b = &k->in[1];
	nx_tensor *y = &k->out[0];
	int da = a->type.dtype, db = b->type.dtype;
	if (bcast_check(k, &y->type))
		return -1;
	if (is_int(da) || da == NX_BOOL)
		return bin_int(k, kind, a, b, y);
	if (da != NX_F32)
		return nx_kern_fail(k, "%s is not defined on %s", nx_op_name(k->g, k->op),
				    nx_dtype_name(da));
	if (db == NX_F32) {
		bin_f32(kind, a, b, y, k->pool);
		return 0;
	}
	/* A float base with an integer exponent (pow), or a mixed pair the
	 * graph allowed: widen b. */
	nx_tensor bf = nx_tensor_convert(b, NX_F32);
	bin_f32(kind, a, &bf, y, k->pool);
	nx_tensor_free(&bf);
	return 0;
}

/* ---- max, min (variadic) ----------------------------------------------------- */

int nx_kern_minmax(nx_kern *k)
{
	int kind = nx_opp(k->g, k->op)->kind;
	nx_tensor *y = &k->out[0];
	int dt = y->type.dtype;
	if (dt != NX_F32 && !is_int(dt))
		return nx_kern_fail(k, "%s is not defined on %s", nx_op_name(k->g, k->op),
				    nx_dtype_name(dt));
	if (bcast_check(k, &y->type))
		return -1;
	/* Fold left: y = op(in0, in1), y = op(y, in2), ... A single operand is
	 * broadcast to y (max with itself). */
	const nx_tensor *acc = &k->in[0];
	for (uint32_t i = k->n_in == 1 ? 0 : 1; i < k->n_in; i++) {
		const nx_tensor *b = &k->in[i];
		if (dt == NX_F32) {
			bin_f32(kind, acc, b, y, k->pool);
		} else if (bin_int(k, kind, acc, b, y)) {
			return -1;
		}
		acc = y;
	}
	return 0;
}

/* ---- clip ------------------------------------------------------------------- */

typedef struct clip_job {
	float lo, hi;
	const float *x;
	float *y;
} clip_job;

/* min(max(x, lo), hi) as ONNX defines Clip (with lo > hi every element is
 * hi, as in onnxruntime and numpy; a NaN stays NaN), one select per
 * statement so that GCC if-converts and vectorizes it. */
NX_BODY void clip_part_body(void *ctx, int64_t lo, int64_t hi)
{
	clip_job *j = ctx;
	float mn = j->lo, mx = j->hi;
	const float *x = j->x;
	float *y = j->y;
	for (int64_t i = lo; i < hi; i++) {
		float v = x[i] < mn ? mn : x[i];
		y[i] = v > mx ? mx : v;
	}
}

NX_SIMD_FN(static, clip_part, (void *ctx, int64_t lo, int64_t hi), (ctx, lo, hi))

int nx_kern_clip(nx_kern *k)
{
	const nx_tensor *x = &k->in[0];
	nx_tensor *y = &k->out[0];
	if (same_count(k))
		return -1;
	float mn = nx_attr_f(k->g, k->op, "min", -INFINITY);
	float mx = nx_attr_f(k->g, k->op, "max", INFINITY);
	int64_t n = nx_tensor_numel(y);
	if (x->type.dtype == NX_F32) {
		clip_job j = {mn, mx, x->data, y->data};
		nx_pool_for(n >= PAR_MIN ? k->pool : NULL, n, clip_part, &j);
		return 0;
	}
	if (!is_int(x->type.dtype))
		return nx_kern_fail(k, "clip is not defined on %s", nx_dtype_name(x->type.dtype));
	for (int64_t i = 0; i < n; i++) {
		int64_t v = nx_tensor_get_int(x, i);
		if ((double)v < mn)
			v = (int64_t)ceil(mn);
		if ((double)v > mx)
			v = (int64_t)floor(mx);
		nx_tensor_set_int(y, i, v);
	}
	return 0;
}

/* ---- cast ---------------------------------------------------------------------- */

int nx_kern_cast(nx_kern *k)
{
	const nx_tensor *x = &k->in[0];
	nx_tensor *y = &k->out[0];
	if (same_count(k))
		return -1;
	if (x->type.dtype == y->type.dtype) {
		if (y->data != x->data)
			memcpy(y->data, x->data, nx_tensor_nbytes(y));
		return 0;
	}
	nx_tensor c = nx_tensor_convert(x, y->type.dtype);
	memcpy(y->data, c.data, nx_tensor_nbytes(y));
	nx_tensor_free(&c);
	return 0;
}
