/* cmp_f32.c — the numeric debugger's pass over two f32 arrays (sums,
 * maxima and counts for its metrics, nx_cmp.h) and the copy that takes a
 * value's largest magnitude on the way.
 *
 * A det run at 640x640 compares some hundred million elements, and this
 * pass was a third of the debugger's time: two double lanes of SSE2 did
 * everything, the divide and the maxima included. Now eight elements go
 * through each step: the products, the divide, the maxima and the counts
 * are per element and take the widest vector the CPU has (AVX-512, AVX2,
 * or four SSE2 registers in the baseline copy, from one 8-double vector
 * type). The sums keep the two lanes the metrics were defined with: each
 * block of eight adds its pairs (0,1), (2,3), (4,5), (6,7) into the lane
 * accumulators one after another, which is the order the two-lane loop
 * took, so the sums, and every figure made from them, keep their bits.
 * Maxima of non-NaN doubles and integer counts do not depend on order.
 * The copies compute the same expressions, each rounded once (no FMA
 * contraction: -ffp-contract=off), so all copies give the same bits
 * (tests/unit/test_cmp_f32.c checks them against a plain loop).
 */
#include <string.h>

#include "nx_cmp.h"
#include "simd.h"

/* GCC warns that an 8-double vector passed by value changes the ABI where
 * AVX-512 is off; the helpers below are always inlined, so no call made
 * here passes one */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wpsabi"
#endif

typedef double v8d __attribute__((vector_size(64)));
typedef float v8f __attribute__((vector_size(32)));
typedef int64_t v8l __attribute__((vector_size(64)));
typedef double v2d __attribute__((vector_size(16)));
typedef float v2f __attribute__((vector_size(8)));
typedef int64_t v2l __attribute__((vector_size(16)));

#define HALF_MAX 65504.0
#define HALF_TINY 5.960464477539063e-08   /* fp16's smallest subnormal, 2^-24 */

NX_BODY v8d load8(const float *p)
{
	v8f f;
	memcpy(&f, p, sizeof f);
	return __builtin_convertvector(f, v8d);
}

NX_BODY v2d load2(const float *p)
{
	v2f f;
	memcpy(&f, p, sizeof f);
	return __builtin_convertvector(f, v2d);
}

NX_BODY v8d abs8(v8d x)
{
	return (v8d)((v8l)x & INT64_MAX);
}

NX_BODY v2d abs2(v2d x)
{
	return (v2d)((v2l)x & INT64_MAX);
}

/* The pairs of a block, in order, into the two lanes of acc. */
NX_BODY v2d add_pairs(v2d acc, v8d p)
{
	acc += __builtin_shufflevector(p, p, 0, 1);
	acc += __builtin_shufflevector(p, p, 2, 3);
	acc += __builtin_shufflevector(p, p, 4, 5);
	acc += __builtin_shufflevector(p, p, 6, 7);
	return acc;
}

NX_BODY double max_of(double a, double b)
{
	return a > b ? a : b;
}

/* a > b ? a : b per lane (what maxpd computes), as masks (C has no
 * vector ?:); macros, not functions, for the reason cmp_f32_body.h gives */
#define MAX8(a, b) ((v8d)(((v8l)(a) & ((a) > (b))) | ((v8l)(b) & ~((a) > (b)))))
#define MAX2(a, b) ((v2d)(((v2l)(a) & ((a) > (b))) | ((v2l)(b) & ~((a) > (b)))))

#define CMP_NAME cmp_run_v0
#define CMP_TARGET
#include "cmp_f32_body.h"
#undef CMP_NAME
#undef CMP_TARGET
#ifdef NX_SIMD_X86
#define CMP_NAME cmp_run_v3
#define CMP_TARGET NX_TARGET_V3
#include "cmp_f32_body.h"
#undef CMP_NAME
#undef CMP_TARGET
#define CMP_NAME cmp_run_v4
#define CMP_TARGET NX_TARGET_V4_WIDE
#include "cmp_f32_body.h"
#undef CMP_NAME
#undef CMP_TARGET
#endif

void nx_f32_cmp_run(const float *a, const float *b, int64_t n, double floor_abs, nx_f32_cmp *s)
{
#ifdef NX_SIMD_X86
	if (nx_cpu_v4())
		cmp_run_v4(a, b, n, floor_abs, s);
	else if (nx_cpu_v3())
		cmp_run_v3(a, b, n, floor_abs, s);
	else
#endif
		cmp_run_v0(a, b, n, floor_abs, s);
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

/* SSE2 has no unsigned 32-bit max (pmaxud is SSE4.1): the baseline copy
 * is scalar, the others vectorize */
NX_SIMD_FN_V4(static, absbits, (uint32_t *dst, const uint32_t *src, size_t n, uint32_t *out),
	      (dst, src, n, out))

uint32_t nx_f32_copy_absbits(void *dst, const void *src, size_t n)
{
	uint32_t mx;
	absbits(dst, src, n, &mx);
	return mx;
}
