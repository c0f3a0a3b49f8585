/* conv_pad.c — the zero-padded copies of a conv's input that the shifted
 * GEMM (kern_conv_shift.c) and the direct kernel (kern_conv_direct.c) read
 * instead of the input itself: one plane per channel, the conv's pads
 * around the image, so that every tap reads a plain shifted window and no
 * kernel needs an edge case. For the direct kernel's stride-2 convs each
 * padded row is also split into its even and odd columns (phase planes),
 * so that a stride-2 tap reads consecutive floats.
 *
 * A copy gives the kernels the same values wherever it is made, so these
 * routines change no bits; they decide only how fast the copy runs. The
 * phase split was a scalar loop testing every column against the image
 * edges (det's stem conv, 3 channels of 640 x 640, tile by tile): here the
 * edges are worked out once per row and the interior is a strided copy the
 * vectorizer turns into shuffles (AVX-512 and AVX2 copies picked at run
 * time; a copy, so every copy gives the same bytes).
 */
#include <string.h>

#include "kern_conv.h"
#include "nx_int.h"
#include "simd.h"

/* GCC would turn phase_row's short zero loops back into memset calls (loop
 * distribution), one call per pad of one float */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-tree-loop-distribute-patterns")
#endif

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

void nx_conv_pad_planes(const conv_geom *g, const float *x, float *xp, int64_t hp, int64_t wp,
			int64_t lo, int64_t hi)
{
	int64_t H = g->in[0], W = g->in[1], pt = g->pad[0], pl = g->pad[1];
	/* padded columns [xlo, xhi) hold input columns [xlo - pl, xhi - pl).
	 * libc's memcpy, not an inline loop: an AVX-512 loop without the
	 * calls measured slower on det (4.3 % of samples against 2.4-2.9 %
	 * for the calls) */
	int64_t xlo = pl > 0 ? pl : 0, xhi = W + pl < wp ? W + pl : wp;
	if (xlo > wp)
		xlo = wp;
	if (xhi < xlo)
		xhi = xlo;
	for (int64_t c = lo; c < hi; c++)
		for (int64_t yp = 0; yp < hp; yp++) {
			float *d = xp + (c * hp + yp) * wp;
			int64_t iy = yp - pt;
			if (iy < 0 || iy >= H) {
				memset(d, 0, (size_t)wp * sizeof *d);
				continue;
			}
			memset(d, 0, (size_t)xlo * sizeof *d);
			memcpy(d + xlo, x + c * g->xcs + iy * W + xlo - pl,
			       (size_t)(xhi - xlo) * sizeof *d);
			memset(d + xhi, 0, (size_t)(wp - xhi) * sizeof *d);
		}
}

/* One padded row r (input row, or NULL for a row of padding) into the s
 * phase rows of wq columns at d, hpwq floats apart: phase ph, index q
 * holds input column q*s + ph - pl, zero outside [0, W). */
NX_BODY void phase_row_body(const float *r, float *d, int64_t W, int64_t pl, int64_t s,
			    int64_t wq, int64_t hpwq)
{
	for (int64_t ph = 0; ph < s; ph++, d += hpwq) {
		if (!r) {
			for (int64_t q = 0; q < wq; q++)
				d[q] = 0;
			continue;
		}
		/* q in [qlo, qhi) reads inside the row: 0 <= q*s + off < W */
		int64_t off = ph - pl;
		int64_t qlo = -floor_div(off, s), qhi = floor_div(W - 1 - off, s) + 1;
		qlo = qlo < 0 ? 0 : qlo > wq ? wq : qlo;
		qhi = qhi > wq ? wq : qhi < qlo ? qlo : qhi;
		for (int64_t q = 0; q < qlo; q++)
			d[q] = 0;
		if (s == 2)
			for (int64_t q = qlo; q < qhi; q++)
				d[q] = r[2 * q + off];
		else
			for (int64_t q = qlo; q < qhi; q++)
				d[q] = r[q * s + off];
		for (int64_t q = qhi; q < wq; q++)
			d[q] = 0;
	}
}

NX_SIMD_FN_V4(static, phase_row,
	   (const float *r, float *d, int64_t W, int64_t pl, int64_t s, int64_t wq, int64_t hpwq),
	   (r, d, W, pl, s, wq, hpwq))

void nx_conv_pad_phases(const conv_geom *g, const float *x, float *xp, int64_t s, int64_t hp,
			int64_t wq, int64_t lo, int64_t hi)
{
	int64_t H = g->in[0], W = g->in[1], pt = g->pad[0], pl = g->pad[1];
	for (int64_t c = lo; c < hi; c++)
		for (int64_t yp = 0; yp < hp; yp++) {
			int64_t iy = yp - pt;
			const float *r = iy < 0 || iy >= H ? NULL : x + c * g->xcs + iy * W;
			phase_row(r, xp + (c * s * hp + yp) * wq, W, pl, s, wq, hp * wq);
		}
}
