/* kern_conv_dw.c — 2-d depthwise convs with stride 1 (one input channel
 * per group: the 3x3 and 5x5 convs of MobileNet-style models such as the
 * PaddleOCR det, rec and cls): each channel plane is copied once into a
 * zero-padded scratch plane, then every output is summed from all KH*KW
 * taps in registers, 16 columns at a time, and stored once.
 *
 * kern_conv.c's general depthwise road adds one kernel row at a time into
 * the output row and handles the edge columns tap by tap; on rec's 80-wide
 * planes the edge loops and the KH read-modify-writes of each output row
 * were most of its instructions. The padded copy costs one pass over the
 * input and takes every edge case away.
 *
 * Sums: bias, then the taps in (ky, kx) order, one after another (the
 * general road summed each kernel row first, then added the row sums):
 * float reassociation. Kernel rows over top or bottom padding are skipped
 * (cls's planes are 2 or 3 rows under a 5x5 kernel: most rows would be
 * padding); taps over left or right padding add zero.
 */
#include <stdlib.h>
#include <string.h>

#include "kern_conv.h"
#include "nx_int.h"
#include "simd.h"

/* Columns summed together: two vectors of 8 (two AVX2 registers, or four
 * SSE ones in the baseline copy: GCC and clang lower the vector type). */
#define BLK 16
typedef float v8f __attribute__((vector_size(32)));

bool nx_conv_dw_fits(const conv_geom *g)
{
	return g->ns == 2 && g->cg == 1 && g->stride[0] == 1 && g->stride[1] == 1 &&
	       g->ker_sp > 1 && g->out[1] > 0;
}

typedef struct dw_job {
	const conv_geom *g;
	const float *x, *w, *b;
	const nx_act *act;
	float *y;
	int64_t hp, wp; /* padded plane */
} dw_job;

NX_BODY void dw1_part_body(void *ctx, int64_t lo, int64_t hi)
{
	dw_job *j = ctx;
	const conv_geom *g = j->g;
	int64_t H = g->in[0], W = g->in[1], OH = g->out[0], OW = g->out[1];
	int64_t KH = g->ker[0], KW = g->ker[1], dy = g->dil[0], dx = g->dil[1];
	int64_t pt = g->pad[0], pl = g->pad[1], hp = j->hp, wp = j->wp;
	/* BLK floats of slack: the last block of the last row reads past it */
	float *xp = nx_xcalloc((size_t)(hp * wp + BLK), sizeof *xp); /* freed below */
	int64_t xlo = pl > 0 ? pl : 0, xhi = W + pl < wp ? W + pl : wp;
	if (xhi < xlo)
		xhi = xlo;
	for (int64_t task = lo; task < hi; task++) {
		int64_t m = task % g->cout, n = task / g->cout;
		int64_t c = m / g->mg;
		const float *x = j->x + n * g->xns + c * g->xcs;
		const float *w = j->w + m * KH * KW;
		float *y = j->y + n * g->yns + m * g->ycs;
		float bias = j->b ? j->b[m] : 0;
		/* rows of top and bottom padding are never read (the taps
		 * below skip them) and stay zero from calloc */
		for (int64_t yp = 0; yp < hp; yp++) {
			float *d = xp + yp * wp;
			int64_t iy = yp - pt;
			if (iy < 0 || iy >= H)
				continue;
			memset(d, 0, (size_t)xlo * sizeof *d);
			memcpy(d + xlo, x + iy * W + xlo - pl, (size_t)(xhi - xlo) * sizeof *d);
			memset(d + xhi, 0, (size_t)(wp - xhi) * sizeof *d);
		}
		for (int64_t oy = 0; oy < OH; oy++) {
			float *yr = y + oy * OW;
			for (int64_t ox = 0; ox < OW; ox += BLK) {
				v8f a0 = {bias, bias, bias, bias, bias, bias, bias, bias}, a1 = a0;
				for (int64_t ky = 0; ky < KH; ky++) {
					int64_t iy = oy + ky * dy - pt;
					if (iy < 0 || iy >= H)
						continue; /* a padding row: its taps add zero */
					const float *xr = xp + (oy + ky * dy) * wp + ox;
					const float *wr = w + ky * KW;
					for (int64_t kx = 0; kx < KW; kx++) {
						v8f s0, s1;
						memcpy(&s0, xr + kx * dx, sizeof s0);
						memcpy(&s1, xr + kx * dx + 8, sizeof s1);
						a0 += wr[kx] * s0;
						a1 += wr[kx] * s1;
					}
				}
				float acc[BLK];
				memcpy(acc, &a0, sizeof a0);
				memcpy(acc + 8, &a1, sizeof a1);
				int64_t len = OW - ox < BLK ? OW - ox : BLK;
				memcpy(yr + ox, acc, (size_t)len * sizeof *yr);
			}
			if (j->act->kind)
				nx_act_apply(j->act, yr, OW);
		}
	}
	free(xp);
}

NX_SIMD_FN(static, dw1_part, (void *ctx, int64_t lo, int64_t hi), (ctx, lo, hi))

void nx_conv_dw(const conv_geom *g, const float *x, const float *w, const float *b,
		const nx_act *act, float *y, nx_pool *pool)
{
	dw_job j = {g, x, w, b, act, y, g->out[0] + (g->ker[0] - 1) * g->dil[0],
		    g->out[1] + (g->ker[1] - 1) * g->dil[1]};
	nx_pool_for(pool, g->batch * g->cout, dw1_part, &j);
}
