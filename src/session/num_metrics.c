/* num_metrics.c — the numeric debugger's metrics of one value against its
 * reference (formulas in docs/numeric-debugging.md) and the pass/fail rule.
 *
 * This loop reads every element of every value of a model (a det run at
 * 640x640 compares some hundred million elements), so the common case,
 * two f32 tensors with no NaN or inf, has its own path: one pass over both
 * in core (nx_f32_cmp_run, cmp_f32.c: sums in two double lanes, with an
 * AVX-512 copy), no branch per element. Any other
 * dtype, or a non-finite element, takes the general path, which skips
 * non-finite pairs and counts them.
 */
#include <math.h>
#include <string.h>

#include "numdebug_int.h"
#include "nx_cmp.h"

/* Element i as a double: f32 read directly, anything else through the
 * accessor. */
static inline double elem(const nx_tensor *t, const float *f, int64_t i)
{
	return f ? (double)f[i] : nx_tensor_get(t, i);
}

/* Two double lanes (one SSE2 register: the baseline nex builds for) as
 * GCC's and clang's vector extension: comparisons give all-ones masks,
 * which the selects and counts below use. */
typedef double v2d __attribute__((vector_size(16)));
typedef float v2f __attribute__((vector_size(8)));
typedef int64_t v2l __attribute__((vector_size(16)));

static inline v2d load2(const float *p)
{
	v2f f;
	memcpy(&f, p, sizeof f);
	return __builtin_convertvector(f, v2d);
}

static inline v2d vabs(v2d x)
{
	return (v2d)((v2l)x & (v2l){INT64_MAX, INT64_MAX});
}

static inline v2d vmax(v2d a, v2d b)
{
	v2l m = a > b;
	return (v2d)(((v2l)a & m) | ((v2l)b & ~m));
}

static inline double hmax(v2d x)
{
	return x[0] > x[1] ? x[0] : x[1];
}

/* sums over finite pairs: what both paths produce */
typedef struct sums {
	double sab, saa, sbb, se, sae, bmax, emax;
	int64_t nan, inf, ovf, flush;
	bool nan_b;
} sums;

static void sums_any(const nx_tensor *a, const nx_tensor *b, int64_t n, sums *s)
{
	const float *fa = a->type.dtype == NX_F32 ? a->data : NULL;
	const float *fb = b->type.dtype == NX_F32 ? b->data : NULL;
	for (int64_t i = 0; i < n; i++) {
		double x = elem(a, fa, i), y = elem(b, fb, i);
		s->nan += isnan(x);
		s->inf += isinf(x);
		s->nan_b |= isnan(y);
		double ay = fabs(y);
		/* what step 0's values would do in fp16: overflow past the largest
		 * half, or flush below its smallest subnormal */
		s->ovf += ay > 65504.0 && isfinite(ay);
		s->flush += ay > 0 && ay < 5.960464477539063e-08;
		if (!isfinite(x) || !isfinite(y))
			continue;
		double e = fabs(x - y);
		s->emax = e > s->emax ? e : s->emax;
		s->bmax = ay > s->bmax ? ay : s->bmax;
		s->sab += x * y;
		s->saa += x * x;
		s->sbb += y * y;
		s->se += e * e;
		s->sae += e;
	}
}

/* max relative error and the within-0.1 %/0.5 % counts, relative to
 * max(|b|, floor) */
static void rel_f32(const float *a, const float *b, int64_t n, double floor_abs, double *rmax,
		    int64_t *w01, int64_t *w05)
{
	const v2d fl = {floor_abs, floor_abs};
	const v2d t1 = {1e-3, 1e-3}, t5 = {5e-3, 5e-3};
	v2d rm = {0, 0};
	v2l c1 = {0, 0}, c5 = {0, 0};
	int64_t i = 0;
	for (; i + 2 <= n; i += 2) {
		v2d x = load2(a + i), y = load2(b + i), e = vabs(x - y), ay = vabs(y);
		v2d rel = e / vmax(ay, fl);
		rm = vmax(rel, rm);
		c1 -= rel <= t1;
		c5 -= rel <= t5;
	}
	*rmax = hmax(rm);
	*w01 = c1[0] + c1[1];
	*w05 = c5[0] + c5[1];
	for (; i < n; i++) {
		double y = b[i], e = fabs((double)a[i] - y), ay = fabs(y);
		double den = ay > floor_abs ? ay : floor_abs, rel = e / den;
		*rmax = rel > *rmax ? rel : *rmax;
		*w01 += rel <= 1e-3;
		*w05 += rel <= 5e-3;
	}
}

static void rel_any(const nx_tensor *a, const nx_tensor *b, int64_t n, double floor_abs,
		    double *rmax, int64_t *w01, int64_t *w05)
{
	const float *fa = a->type.dtype == NX_F32 ? a->data : NULL;
	const float *fb = b->type.dtype == NX_F32 ? b->data : NULL;
	for (int64_t i = 0; i < n; i++) {
		double x = elem(a, fa, i), y = elem(b, fb, i);
		if (!isfinite(x) || !isfinite(y))
			continue;
		double ay = fabs(y), rel = fabs(x - y) / (ay > floor_abs ? ay : floor_abs);
		*rmax = rel > *rmax ? rel : *rmax;
		*w01 += rel <= 1e-3;
		*w05 += rel <= 5e-3;
	}
}

/* relative errors divide by max(|b|, rel_floor x max|b|): values near zero
 * in a tensor of ones do not read as 100 % off */
static double floor_of(double rel_floor, double bmax)
{
	return rel_floor * bmax > 1e-30 ? rel_floor * bmax : 1e-30;
}

void nxw_num_metrics_hint(const nx_tensor *a, const nx_tensor *b, double rel_floor,
			  double b_absmax, nxw_opnum *m)
{
	int64_t n = nx_tensor_numel(b);
	bool fast = a->type.dtype == NX_F32 && b->type.dtype == NX_F32;
	sums s;
	memset(&s, 0, sizeof s);
	double rmax = 0;
	int64_t w01 = 0, w05 = 0;
	bool done = false;
	if (fast) {
		/* with max|b| known beforehand both tensors are read once; without
		 * it the relative figures wait for a second pass (rel_f32) */
		bool hinted = b_absmax >= 0;
		nx_f32_cmp c;
		nx_f32_cmp_run(a->data, b->data, n, floor_of(rel_floor, hinted ? b_absmax : 0), &c);
		s.sab = c.sab;
		s.saa = c.saa;
		s.sbb = c.sbb;
		s.se = c.se;
		s.sae = c.sae;
		s.bmax = c.bmax;
		s.emax = c.emax;
		s.ovf = c.ovf;
		s.flush = c.flush;
		rmax = c.rmax;
		w01 = c.w01;
		w05 = c.w05;
		done = hinted;
	}
	/* a NaN or inf anywhere makes these sums non-finite (squares of floats
	 * cannot overflow a double): then the general path, which counts and
	 * skips them */
	if (fast && !(isfinite(s.saa) && isfinite(s.sbb) && isfinite(s.se))) {
		fast = done = false;
		rmax = 0;
		w01 = w05 = 0;
	}
	if (!fast) {
		memset(&s, 0, sizeof s);
		sums_any(a, b, n, &s);
	}
	double floor_abs = floor_of(rel_floor, s.bmax);
	/* (the fused pass used this same floor: max|b| is exact either way) */
	if (!done && fast)
		rel_f32(a->data, b->data, n, floor_abs, &rmax, &w01, &w05);
	else if (!done)
		rel_any(a, b, n, floor_abs, &rmax, &w01, &w05);
	m->n = n;
	m->nan = s.nan;
	m->inf = s.inf;
	m->overflow_f16 = s.ovf;
	m->flushed_f16 = s.flush;
	m->max_abs = s.emax;
	m->max_rel = rmax;
	double na = sqrt(s.saa), nb = sqrt(s.sbb);
	m->cosine = na == 0 && nb == 0 ? 1.0 : (na == 0 || nb == 0 ? 0.0 : s.sab / (na * nb));
	m->mean_abs = n ? s.sae / (double)n : 0;
	m->rmse = n ? sqrt(s.se / (double)n) : 0;
	m->snr_db = s.se == 0 ? INFINITY : (s.sbb == 0 ? -INFINITY : 10 * log10(s.sbb / s.se));
	m->within_01 = n ? (double)w01 / (double)n : 1;
	m->within_05 = n ? (double)w05 / (double)n : 1;
	/* NaN or inf in step k where step 0 is finite: as bad as it gets */
	if ((s.nan || s.inf) && !s.nan_b)
		m->max_abs = INFINITY;
}

void nxw_num_metrics(const nx_tensor *a, const nx_tensor *b, double rel_floor, nxw_opnum *m)
{
	nxw_num_metrics_hint(a, b, rel_floor, -1, m);
}

bool nxw_num_fails(const nxw_opnum *m, const nxw_num_limits *l)
{
	if (m->match == NXW_MATCH_NONE)
		return false;
	return (m->cosine < l->cos_fail && m->max_abs > l->abs_with_cos) || m->cosine < l->cos_hard ||
	       m->max_abs > l->abs_hard || isnan(m->cosine);
}

int nxw_num_verdict(const nxw_opnum *m, const nxw_num_limits *l)
{
	if (m->match == NXW_MATCH_NONE)
		return NXW_VERDICT_UNMATCHED;
	if (m->fails)
		return NXW_VERDICT_FAIL;
	if (m->cosine < l->cos_warn || m->overflow_f16 || m->nan || m->inf)
		return NXW_VERDICT_WARN;
	return NXW_VERDICT_PASS;
}

const char *nxw_verdict_name(int v)
{
	static const char *const n[] = {"pass", "warn", "fail", "unmatched"};
	return v >= 0 && v < 4 ? n[v] : "?";
}
