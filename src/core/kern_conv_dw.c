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
 *
 * Three copies of the sums: AVX-512 (two output rows at a time, up to four
 * 16-float registers a row, for dilation 1 down; 32 columns in two
 * registers otherwise; the last store masked), AVX2+FMA and the baseline
 * (both from the 8-float vector type below). Each output column is bias, then + w * x per
 * tap in the same order with the multiply and the add rounded apart (no
 * FMA) in every copy, so all three give the same bits.
 */
#include <stdlib.h>
#include <string.h>

#include "kern_conv.h"
#include "nx_int.h"
#include "simd.h"

/* Columns summed together: two vectors of 8 (two AVX2 registers, or four
 * SSE ones in the baseline copy: GCC and clang lower the vector type). */
#define BLK 16
/* The AVX-512 copy's block: two 16-float registers. */
#define BLK4 32
typedef float v8f __attribute__((vector_size(32)));

/* Strided depthwise convs go to kern_conv_dws.c (kern_conv.c asks this
 * file only). */
bool nx_conv_dw_fits(const conv_geom *g)
{
	return (g->ns == 2 && g->cg == 1 && g->stride[0] == 1 && g->stride[1] == 1 &&
		g->ker_sp > 1 && g->out[1] > 0) ||
	       nx_conv_dws_fits(g);
}

typedef struct dw_job {
	const conv_geom *g;
	const float *x, *w, *b;
	const nx_act *act;
	float *y;
	int64_t hp, wp; /* padded plane */
} dw_job;

/* Copies channel plane x (H x W) into the zeroed padded plane xp (hp x wp);
 * columns [xlo, xhi) of xp hold the input. */
static void pad_plane(const dw_job *j, const float *x, float *xp, int64_t xlo, int64_t xhi)
{
	const conv_geom *g = j->g;
	int64_t H = g->in[0], W = g->in[1], pt = g->pad[0], pl = g->pad[1];
	int64_t hp = j->hp, wp = j->wp;
	/* rows of top and bottom padding are never read (the taps skip
	 * them) and stay zero from calloc */
	for (int64_t yp = 0; yp < hp; yp++) {
		float *d = xp + yp * wp;
		int64_t iy = yp - pt;
		if (iy < 0 || iy >= H)
			continue;
		memset(d, 0, (size_t)xlo * sizeof *d);
		memcpy(d + xlo, x + iy * W + xlo - pl, (size_t)(xhi - xlo) * sizeof *d);
		memset(d + xhi, 0, (size_t)(wp - xhi) * sizeof *d);
	}
}

/* The sums of one output plane y from the padded plane xp, 16 columns a
 * step in two 8-float vectors (the AVX2 and baseline copies). */
NX_BODY void dw1_plane_body(const dw_job *j, const float *xp, const float *w, float bias,
			    float *y)
{
	const conv_geom *g = j->g;
	int64_t H = g->in[0], OH = g->out[0], OW = g->out[1];
	int64_t KH = g->ker[0], KW = g->ker[1], dy = g->dil[0], dx = g->dil[1];
	int64_t pt = g->pad[0], wp = j->wp;
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

#ifdef NX_SIMD_X86
#include <immintrin.h>
/* The AVX-512 copy of dw1_plane_body: 32 columns a step in two registers
 * (one register a step left each sum waiting on the previous add), the
 * stores of a row's last block masked to the row. Per column the same
 * roundings in the same order as the body: bias, then for each tap a
 * multiply, then an add. */
NX_TARGET_V4 static void dw1_plane_v4(const dw_job *j, const float *xp, const float *w,
				      float bias, float *y)
{
	const conv_geom *g = j->g;
	int64_t H = g->in[0], OH = g->out[0], OW = g->out[1];
	int64_t KH = g->ker[0], KW = g->ker[1], dy = g->dil[0], dx = g->dil[1];
	int64_t pt = g->pad[0], wp = j->wp;
	__m512 vb = _mm512_set1_ps(bias);
	for (int64_t oy = 0; oy < OH; oy++) {
		float *yr = y + oy * OW;
		for (int64_t ox = 0; ox < OW; ox += BLK4) {
			__m512 a0 = vb, a1 = vb;
			for (int64_t ky = 0; ky < KH; ky++) {
				int64_t iy = oy + ky * dy - pt;
				if (iy < 0 || iy >= H)
					continue;
				const float *xr = xp + (oy + ky * dy) * wp + ox;
				const float *wr = w + ky * KW;
				for (int64_t kx = 0; kx < KW; kx++) {
					__m512 wv = _mm512_set1_ps(wr[kx]);
					__m512 s0 = _mm512_loadu_ps(xr + kx * dx);
					__m512 s1 = _mm512_loadu_ps(xr + kx * dx + 16);
					a0 = _mm512_add_ps(a0, _mm512_mul_ps(wv, s0));
					a1 = _mm512_add_ps(a1, _mm512_mul_ps(wv, s1));
				}
			}
			int64_t len = OW - ox;
			if (len >= BLK4) {
				_mm512_storeu_ps(yr + ox, a0);
				_mm512_storeu_ps(yr + ox + 16, a1);
			} else if (len > 16) {
				_mm512_storeu_ps(yr + ox, a0);
				__mmask16 k = (__mmask16)((1u << (len - 16)) - 1);
				_mm512_mask_storeu_ps(yr + ox + 16, k, a1);
			} else {
				_mm512_mask_storeu_ps(yr + ox, (__mmask16)((1u << len) - 1), a0);
			}
		}
		if (j->act->kind)
			nx_act_apply(j->act, yr, OW);
	}
}

/* Output rows oy .. oy + R - 1 (R 1 or 2), columns ox .. ox + 16 * NV - 1
 * of which the last vector stores the columns of mask kl: the AVX-512
 * copy for dilation 1 down. Each input row is loaded once for both output
 * rows (tap ky of row oy is tap ky - 1 of row oy + 1), and the R * NV sums
 * are independent, so the adds do not wait on one another as two chains
 * did. Each output still takes bias, then its taps in (ky, kx) order,
 * each a multiply then an add: the bits of dw1_plane_body. */
NX_TARGET_V4 static inline __attribute__((always_inline)) void
dw1_blk_v4(const dw_job *j, const float *xp, const float *w, float bias, float *y, int64_t oy,
	   int R, int64_t ox, int NV, __mmask16 kl)
{
	const conv_geom *g = j->g;
	int64_t H = g->in[0], OW = g->out[1], KH = g->ker[0], KW = g->ker[1], dx = g->dil[1];
	int64_t pt = g->pad[0], wp = j->wp;
	__m512 a0[4], a1[4];
#pragma GCC unroll 4
	for (int v = 0; v < NV; v++)
		a0[v] = a1[v] = _mm512_set1_ps(bias);
	for (int64_t p = oy; p < oy + R - 1 + KH; p++) {
		int64_t iy = p - pt;
		if (iy < 0 || iy >= H)
			continue; /* a padding row: its taps add zero */
		const float *xr = xp + p * wp + ox;
		int64_t k0 = p - oy, k1 = p - oy - 1; /* the tap rows of oy, oy + 1 */
		bool u0 = k0 < KH, u1 = R > 1 && k1 >= 0;
		const float *w0 = w + k0 * KW, *w1 = w + k1 * KW;
		for (int64_t kx = 0; kx < KW; kx++) {
			__m512 s[4];
#pragma GCC unroll 4
			for (int v = 0; v < NV; v++)
				s[v] = _mm512_loadu_ps(xr + kx * dx + 16 * v);
			if (u0) {
				__m512 wv = _mm512_set1_ps(w0[kx]);
#pragma GCC unroll 4
				for (int v = 0; v < NV; v++)
					a0[v] = _mm512_add_ps(a0[v], _mm512_mul_ps(wv, s[v]));
			}
			if (u1) {
				__m512 wv = _mm512_set1_ps(w1[kx]);
#pragma GCC unroll 4
				for (int v = 0; v < NV; v++)
					a1[v] = _mm512_add_ps(a1[v], _mm512_mul_ps(wv, s[v]));
			}
		}
	}
	float *y0 = y + oy * OW + ox, *y1 = y0 + OW;
#pragma GCC unroll 4
	for (int v = 0; v < NV - 1; v++) {
		_mm512_storeu_ps(y0 + 16 * v, a0[v]);
		if (R > 1)
			_mm512_storeu_ps(y1 + 16 * v, a1[v]);
	}
	_mm512_mask_storeu_ps(y0 + 16 * (NV - 1), kl, a0[NV - 1]);
	if (R > 1)
		_mm512_mask_storeu_ps(y1 + 16 * (NV - 1), kl, a1[NV - 1]);
}

/* The AVX-512 plane for dilation 1 down: two output rows at a time, each
 * row's 16-column vectors in blocks of up to four (80 columns: 3 + 2). */
NX_TARGET_V4 static void dw1_plane_v4r(const dw_job *j, const float *xp, const float *w,
				       float bias, float *y)
{
	const conv_geom *g = j->g;
	int64_t OH = g->out[0], OW = g->out[1];
	int64_t nvec = (OW + 15) / 16, tail = OW - (nvec - 1) * 16;
	for (int64_t oy = 0; oy < OH; oy += 2) {
		int R = oy + 1 < OH ? 2 : 1;
		for (int64_t v0 = 0, left = nvec; left > 0;) {
			int nv = left <= 4 ? (int)left : left <= 8 ? (int)(left + 1) / 2 : 4;
			__mmask16 kl = left == nv ? (__mmask16)((1u << tail) - 1) : (__mmask16)0xffff;
			if (left == nv && tail == 16)
				kl = (__mmask16)0xffff;
			switch (nv) {
			case 1:
				dw1_blk_v4(j, xp, w, bias, y, oy, R, v0 * 16, 1, kl);
				break;
			case 2:
				dw1_blk_v4(j, xp, w, bias, y, oy, R, v0 * 16, 2, kl);
				break;
			case 3:
				dw1_blk_v4(j, xp, w, bias, y, oy, R, v0 * 16, 3, kl);
				break;
			default:
				dw1_blk_v4(j, xp, w, bias, y, oy, R, v0 * 16, 4, kl);
				break;
			}
			v0 += nv;
			left -= nv;
		}
		if (j->act->kind)
			for (int r = 0; r < R; r++)
				nx_act_apply(j->act, y + (oy + r) * OW, OW);
	}
}

NX_TARGET_V3 static void dw1_plane_v3(const dw_job *j, const float *xp, const float *w,
				      float bias, float *y)
{
	dw1_plane_body(j, xp, w, bias, y);
}
#endif

static void dw1_plane_v0(const dw_job *j, const float *xp, const float *w, float bias, float *y)
{
	dw1_plane_body(j, xp, w, bias, y);
}

static void dw1_part(void *ctx, int64_t lo, int64_t hi)
{
	dw_job *j = ctx;
	const conv_geom *g = j->g;
	int64_t W = g->in[1], KH = g->ker[0], KW = g->ker[1], pl = g->pad[1];
	int64_t hp = j->hp, wp = j->wp;
	/* BLK4 floats of slack: the last block of the last row reads past it */
	float *xp = nx_xcalloc((size_t)(hp * wp + BLK4), sizeof *xp); /* freed below */
	int64_t xlo = pl > 0 ? pl : 0, xhi = W + pl < wp ? W + pl : wp;
	if (xhi < xlo)
		xhi = xlo;
	void (*plane)(const dw_job *, const float *, const float *, float, float *) = dw1_plane_v0;
#ifdef NX_SIMD_X86
	if (nx_cpu_v4())
		plane = g->dil[0] == 1 ? dw1_plane_v4r : dw1_plane_v4;
	else if (nx_cpu_v3())
		plane = dw1_plane_v3;
#endif
	for (int64_t task = lo; task < hi; task++) {
		int64_t m = task % g->cout, n = task / g->cout;
		int64_t c = m / g->mg;
		pad_plane(j, j->x + n * g->xns + c * g->xcs, xp, xlo, xhi);
		plane(j, xp, j->w + m * KH * KW, j->b ? j->b[m] : 0,
		      j->y + n * g->yns + m * g->ycs);
	}
	free(xp);
}

void nx_conv_dw(const conv_geom *g, const float *x, const float *w, const float *b,
		const nx_act *act, float *y, nx_pool *pool)
{
	if (g->stride[0] != 1 || g->stride[1] != 1) {
		nx_conv_dws(g, x, w, b, act, y, pool);
		return;
	}
	dw_job j = {g, x, w, b, act, y, g->out[0] + (g->ker[0] - 1) * g->dil[0],
		    g->out[1] + (g->ker[1] - 1) * g->dil[1]};
	nx_pool_for(pool, g->batch * g->cout, dw1_part, &j);
}
