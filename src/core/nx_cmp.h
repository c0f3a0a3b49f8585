/* nx_cmp.h — the element passes of comparing two f32 arrays, for the
 * numeric debugger (session/num_metrics.c turns them into its metrics) and
 * for copying a value while taking its largest magnitude
 * (session/numdebug_refs.c). They live in core because core owns the
 * run-time SIMD dispatch (simd.h) their speed comes from; cmp_f32.c says
 * why the results do not depend on the copy that runs. */
#ifndef NX_CMP_H
#define NX_CMP_H
#include <stddef.h>
#include <stdint.h>

/* With e = |a - b| and rel = e / max(|b|, floor_abs), all in double. */
typedef struct nx_f32_cmp {
	/* sums of a*b, a*a, b*b, e*e and e, in a fixed order: two lanes, lane
	 * 0 summing elements 0, 2, 4, ... and lane 1 elements 1, 3, 5, ... of
	 * the first n - n % 2 elements one after another, then lane 0 + lane
	 * 1, then the last element when n is odd */
	double sab, saa, sbb, se, sae;
	double bmax, emax, rmax;   /* max |b|, max e, max rel (from 0) */
	int64_t ovf, flush;        /* |b| > 65504; 0 < |b| < 2^-24 (fp16's ends) */
	int64_t w01, w05;          /* rel <= 1e-3; rel <= 5e-3 */
} nx_f32_cmp;

/* Fills *s from a[0..n) and b[0..n). Meant for finite data: a NaN or inf
 * makes saa, sbb or se non-finite, and then the other fields mean nothing
 * (the caller takes a slower road that skips such pairs). */
void nx_f32_cmp_run(const float *a, const float *b, int64_t n, double floor_abs, nx_f32_cmp *s);

/* Copies n floats (as bits) from src to dst and returns the largest of
 * their bits without the sign: for finite floats, the bits of the largest
 * magnitude; >= 0x7f800000 when one is inf or NaN. */
uint32_t nx_f32_copy_absbits(void *dst, const void *src, size_t n);
#endif
