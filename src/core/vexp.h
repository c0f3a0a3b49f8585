/* vexp.h — exp(x) for float written so that a loop calling it vectorizes
 * (core-internal; included by the kernels that exponentiate whole rows:
 * softmax and sigmoid). libm's expf is a call per element, which keeps
 * those loops scalar: softmax over rec's 40 x 6625 head was 2.9 % of the
 * model's instructions in expf alone.
 *
 * Method (Cody-Waite range reduction with a minimax polynomial, the one
 * Cephes' expf uses): x = n ln2 + r with n = round(x / ln2) and |r| <=
 * ln2 / 2, ln2 split in two parts so that n ln2 is exact; e^r from a
 * degree-6 polynomial; 2^n built in the exponent field. Every step is
 * plain float arithmetic, compares and selects, with no branch and no
 * table, so GCC turns the loop into vector code in both NX_SIMD_FN
 * copies. Accuracy: within 2 ulp of the correctly rounded result on
 * [-87.3, 88.7] (tests/unit/test_speed_ops.c checks it against double exp);
 * below -87.3 (where e^x is subnormal) it gives 0, above 88.72 +inf, and
 * NaN stays NaN. */
#ifndef NX_VEXP_H
#define NX_VEXP_H

#include <stdint.h>
#include <string.h>

static inline __attribute__((always_inline)) float nx_vexpf(float x)
{
	const float hi = 88.7228f, lo = -87.3365f;
	/* written so that a NaN clamps to hi: the conversion to int below
	 * must see a number (the NaN is returned at the end) */
	float c = x < hi ? x : hi;
	c = c > lo ? c : lo;
	/* n = round(c / ln2) by the 1.5 * 2^23 trick (exact for |n| < 2^22,
	 * round to nearest even, as the FPU's default mode) */
	float t = c * 1.44269504088896341f;
	float n = (t + 12582912.0f) - 12582912.0f;
	float r = c - n * 0.693359375f;
	r = r - n * -2.12194440e-4f;
	float p = 1.9875691500e-4f;
	p = p * r + 1.3981999507e-3f;
	p = p * r + 8.3334519073e-3f;
	p = p * r + 4.1665795894e-2f;
	p = p * r + 1.6666665459e-1f;
	p = p * r + 5.0000001201e-1f;
	float e = p * (r * r) + r + 1.0f;
	/* 2^n in the exponent field; n = 128 (x near the top) as 2 * 2^127 */
	float n2 = n > 127.0f ? 127.0f : n;
	float two = n > 127.0f ? 2.0f : 1.0f;
	uint32_t bits = (uint32_t)((int32_t)n2 + 127) << 23;
	float s;
	memcpy(&s, &bits, sizeof s);
	e = e * s * two;
	e = x < lo ? 0.0f : e;
	e = x > hi ? __builtin_inff() : e;
	return x != x ? x : e;
}

#endif
