/* cmp_f32.c — the numeric debugger's pass over two f32 arrays (sums,
 * maxima and counts for its metrics, nx_cmp.h) and the copy that takes a
 * value's largest magnitude on the way.
 *
 * The sums are defined in two double lanes (nx_cmp.h). The baseline and
 * AVX2 copies take two elements a step in one SSE2 register, written with
 * vector extensions (GCC does not reorder a double sum on its own, so it
 * would not vectorize the plain loop), no branch per element. The AVX-512
 * copy takes eight a step (cmp_f32_body.h): the products, the divide, the
 * maxima and the counts go eight wide, and each block adds its four pairs
 * into the two lane accumulators one after another, which is the order the
 * two-lane loop takes. Measured on 64k elements in cache, 1000 passes:
 * baseline 180 ms, the two-lane loop in AVX2 encoding 127 ms, the eight-
 * wide AVX-512 copy 89 ms. The eight-wide loop is not used for AVX2: there
 * GCC splits each 8-double comparison into scalar ones and it took 430 ms;
 * a version running two arrays in one loop gained nothing (the moves of
 * pairs out of the wide registers, not the adds, bound it). The copy with
 * the largest magnitude vectorizes in its AVX2 and AVX-512 copies (SSE2
 * has no unsigned 32-bit max, so the baseline copy is scalar).
 *
 * Maxima of non-NaN doubles and integer counts do not depend on order, and
 * each copy computes the same expressions, each rounded once (no FMA
 * contraction: -ffp-contract=off), so every copy gives the same bits
 * (tests/unit/test_cmp_f32.c checks them against a plain loop).
 */
#include <string.h>

#include "nx_cmp.h"
#include "simd.h"

typedef double v8d __attribute__((vector_size(64)));
typedef float v8f __attribute__((vector_size(32)));
typedef int64_t v8l __attribute__((vector_size(64)));
typedef double v2d __attribute__((vector_size(16)));
typedef float v2f __attribute__((vector_size(8)));
typedef int64_t v2l __attribute__((vector_size(16)));

#define HALF_MAX 65504.0
#define HALF_TINY 5.960464477539063e-08   /* fp16's smallest subnormal, 2^-24 */

NX_BODY v2d load2(const float *p)
{
	v2f f;
	memcpy(&f, p, sizeof f);
	return __builtin_convertvector(f, v2d);
}

NX_BODY v2d vabs(v2d x)
{
	return (v2d)((v2l)x & (v2l){INT64_MAX, INT64_MAX});
}

/* a > b ? a : b per lane (what maxpd computes), as masks: C has no vector
 * ?: */
NX_BODY v2d vmax(v2d a, v2d b)
{
	v2l m = a > b;
	return (v2d)(((v2l)a & m) | ((v2l)b & ~m));
}

NX_BODY double hmax(v2d x)
{
	return x[0] > x[1] ? x[0] : x[1];
}

NX_BODY double max_of(double a, double b)
{
	return a > b ? a : b;
}

/* Elements [i, n) one at a time, after the lanes are folded into *s:
 * what every copy does with the elements its vectors leave. */
NX_BODY void cmp_tail(const float *a, const float *b, int64_t i, int64_t n, double floor_abs,
		      nx_f32_cmp *s)
{
	for (; i < n; i++) {
		double x = a[i], y = b[i], e = __builtin_fabs(x - y), ay = __builtin_fabs(y);
		s->sab += x * y;
		s->saa += x * x;
		s->sbb += y * y;
		s->se += e * e;
		s->sae += e;
		s->bmax = max_of(ay, s->bmax);
		s->emax = max_of(e, s->emax);
		s->ovf += ay > HALF_MAX;
		s->flush += ay > 0 && ay < HALF_TINY;
		double rel = e / max_of(ay, floor_abs);
		s->rmax = max_of(rel, s->rmax);
		s->w01 += rel <= 1e-3;
		s->w05 += rel <= 5e-3;
	}
}

NX_BODY void cmp_run_body(const float *a, const float *b, int64_t n, double floor_abs,
			  nx_f32_cmp *s)
{
	const v2d big = {HALF_MAX, HALF_MAX}, tiny = {HALF_TINY, HALF_TINY};
	const v2d zero = {0, 0}, fl = {floor_abs, floor_abs};
	const v2d t1 = {1e-3, 1e-3}, t5 = {5e-3, 5e-3};
	v2d sab = zero, saa = zero, sbb = zero, se = zero, sae = zero, bmax = zero, emax = zero;
	v2d rm = zero;
	v2l ovf = {0, 0}, flush = {0, 0}, c1 = {0, 0}, c5 = {0, 0};
	int64_t i = 0;
	for (; i + 2 <= n; i += 2) {
		v2d x = load2(a + i), y = load2(b + i), e = vabs(x - y), ay = vabs(y);
		sab += x * y;
		saa += x * x;
		sbb += y * y;
		se += e * e;
		sae += e;
		bmax = vmax(ay, bmax);
		emax = vmax(e, emax);
		ovf -= ay > big;   /* a true comparison is all ones: -1 */
		flush -= (ay > zero) & (ay < tiny);
		v2d rel = e / vmax(ay, fl);
		rm = vmax(rel, rm);
		c1 -= rel <= t1;
		c5 -= rel <= t5;
	}
	s->sab = sab[0] + sab[1];
	s->saa = saa[0] + saa[1];
	s->sbb = sbb[0] + sbb[1];
	s->se = se[0] + se[1];
	s->sae = sae[0] + sae[1];
	s->bmax = hmax(bmax);
	s->emax = hmax(emax);
	s->rmax = hmax(rm);
	s->ovf = ovf[0] + ovf[1];
	s->flush = flush[0] + flush[1];
	s->w01 = c1[0] + c1[1];
	s->w05 = c5[0] + c5[1];
	cmp_tail(a, b, i, n, floor_abs, s);
}

NX_SIMD_FN(static, cmp_run, (const float *a, const float *b, int64_t n, double fl, nx_f32_cmp *s),
	   (a, b, n, fl, s))

#ifdef NX_SIMD_X86
/* The helpers of the eight-wide copy pass no 8-double vector by value:
 * clang refuses that in a function without AVX-512, and GCC warns of the
 * ABI change. */
NX_BODY void load8(v8d *o, const float *p)
{
	v8f f;
	memcpy(&f, p, sizeof f);
	*o = __builtin_convertvector(f, v8d);
}

#define ABS8(x) ((v8d)((v8l)(x) & INT64_MAX))

/* The pairs of block p, in order, into the two lanes of acc. */
NX_BODY void add_pairs(v2d *acc, const v8d *p)
{
	*acc += __builtin_shufflevector(*p, *p, 0, 1);
	*acc += __builtin_shufflevector(*p, *p, 2, 3);
	*acc += __builtin_shufflevector(*p, *p, 4, 5);
	*acc += __builtin_shufflevector(*p, *p, 6, 7);
}

/* vmax eight wide: a macro, not a function, for the reason
 * cmp_f32_body.h gives */
#define MAX8(a, b) ((v8d)(((v8l)(a) & ((a) > (b))) | ((v8l)(b) & ~((a) > (b)))))

#define CMP_NAME cmp_run_v4w
#define CMP_TARGET NX_TARGET_V4_WIDE
#include "cmp_f32_body.h"
#undef CMP_NAME
#undef CMP_TARGET
#endif

void nx_f32_cmp_run(const float *a, const float *b, int64_t n, double floor_abs, nx_f32_cmp *s)
{
#ifdef NX_SIMD_X86
	if (nx_cpu_v4()) {
		cmp_run_v4w(a, b, n, floor_abs, s);
		return;
	}
#endif
	cmp_run(a, b, n, floor_abs, s);
}

NX_BODY void absbits_body(uint32_t *dst, const uint32_t *src, size_t n, uint32_t *out)
{
	uint32_t mx = 0;
	for (size_t i = 0; i < n; i++) {
		uint32_t u = src[i];
		dst[i] = u;
		u &= 0x7fffffffu;
		mx = u > mx ? u : mx;
	}
	*out = mx;
}

NX_SIMD_FN_V4(static, absbits, (uint32_t *dst, const uint32_t *src, size_t n, uint32_t *out),
	      (dst, src, n, out))

uint32_t nx_f32_copy_absbits(void *dst, const void *src, size_t n)
{
	uint32_t mx;
	absbits(dst, src, n, &mx);
	return mx;
}
