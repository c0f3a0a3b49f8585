/* kern_conv_dw.c — 2-d depthwise convs with stride 1 (one input channel
 * per group: the 3x3 and 5x5 convs of MobileNet-style models such as the
 * PaddleOCR det, rec and cls): every output is summed from all KH*KW taps
 * in registers, 16 (AVX-512: 32) columns at a time, and stored once. A
 * block of columns whose taps all fall inside the input row reads the
 * input plane where it lies; the edge blocks read a zero-padded scratch
 * plane, of which only the columns they reach are copied (det's 320-wide
 * planes: 68 of 322 columns a row; a tile of a tiled conv copied its
 * whole window before).
 *
 * kern_conv.c's general depthwise road adds one kernel row at a time into
 * the output row and handles the edge columns tap by tap; on rec's 80-wide
 * planes the edge loops and the KH read-modify-writes of each output row
 * were most of its instructions. Reading the edge blocks from a padded
 * copy takes every edge case away.
 *
 * Sums: bias, then the taps in (ky, kx) order, one after another (the
 * general road summed each kernel row first, then added the row sums):
 * float reassociation. Kernel rows over top or bottom padding are skipped
 * (cls's planes are 2 or 3 rows under a 5x5 kernel: most rows would be
 * padding); taps over left or right padding add zero.
 *
 * Three copies of the sums: AVX-512 (32 columns in two 16-float registers,
 * the last block's store masked), AVX2+FMA and the baseline (both from the
 * 8-float vector type below). Each output column is bias, then + w * x per
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

/* Where a plane's blocks of blk output columns read: blocks starting at
 * ox in [in_lo, in_hi) (multiples of blk) read only input columns inside
 * the row, so they read the input plane where it lies; the others (the
 * edge blocks) read the padded plane, of which only columns [0, cl) and
 * [cr, wp) are ever read and filled. Same for every plane of a conv. */
typedef struct dw_edges {
	int64_t in_lo, in_hi, cl, cr;
} dw_edges;

static dw_edges dw_edges_of(const conv_geom *g, int64_t wp, int64_t blk)
{
	int64_t W = g->in[1], OW = g->out[1], pl = g->pad[1];
	int64_t span = (g->ker[1] - 1) * g->dil[1] + blk; /* padded columns a block reads */
	dw_edges e = {0, 0, wp, wp};
	/* inside: ox - pl >= 0 and ox - pl + span <= W */
	int64_t lo = (pl + blk - 1) / blk * blk, last = W - span + pl;
	if (last < lo || lo >= OW)
		return e; /* no block inside: every column is read from the copy */
	int64_t hi = (last / blk + 1) * blk;
	e.in_lo = lo;
	e.in_hi = hi < OW ? hi : (OW + blk - 1) / blk * blk;
	e.cl = lo > 0 ? lo - blk + span : 0;
	e.cl = e.cl < wp ? e.cl : wp;
	e.cr = e.in_hi < OW ? e.in_hi : wp;
	return e;
}

/* Padded columns [p0, p1) of one padded row d from input row r (W wide,
 * begin pad pl): zero outside the row. */
static void pad_cols(float *d, const float *r, int64_t p0, int64_t p1, int64_t W, int64_t pl)
{
	int64_t a = pl > p0 ? pl : p0, b = W + pl < p1 ? W + pl : p1;
	if (b < a)
		a = b = p1 < a ? p1 : a;
	if (a > p0)
		memset(d + p0, 0, (size_t)(a - p0) * sizeof *d);
	if (b > a)
		memcpy(d + a, r + a - pl, (size_t)(b - a) * sizeof *d);
	if (p1 > b)
		memset(d + b, 0, (size_t)(p1 - b) * sizeof *d);
}

/* The columns of the padded plane xp (hp x wp) that edge blocks read, from
 * channel plane x (H x W). */
static void pad_plane(const dw_job *j, const float *x, float *xp, const dw_edges *e)
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
		int64_t r0 = e->cr > e->cl ? e->cr : e->cl;
		pad_cols(d, x + iy * W, 0, e->cl, W, pl);
		if (r0 < wp)
			pad_cols(d, x + iy * W, r0, wp, W, pl);
	}
}

/* The sums of one output plane y from the padded plane xp, 16 columns a
 * step in two 8-float vectors (the AVX2 and baseline copies). */
NX_BODY void dw1_plane_body(const dw_job *j, const float *x, const float *xp, const dw_edges *e,
			    const float *w, float bias, float *y)
{
	const conv_geom *g = j->g;
	int64_t H = g->in[0], W = g->in[1], OH = g->out[0], OW = g->out[1];
	int64_t KH = g->ker[0], KW = g->ker[1], dy = g->dil[0], dx = g->dil[1];
	int64_t pt = g->pad[0], pl = g->pad[1], wp = j->wp;
	for (int64_t oy = 0; oy < OH; oy++) {
		float *yr = y + oy * OW;
		for (int64_t ox = 0; ox < OW; ox += BLK) {
			v8f a0 = {bias, bias, bias, bias, bias, bias, bias, bias}, a1 = a0;
			for (int64_t ky = 0; ky < KH; ky++) {
				int64_t iy = oy + ky * dy - pt;
				if (iy < 0 || iy >= H)
					continue; /* a padding row: its taps add zero */
				const float *xr = ox >= e->in_lo && ox < e->in_hi
							  ? x + iy * W + ox - pl
							  : xp + (oy + ky * dy) * wp + ox;
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
NX_TARGET_V4 static void dw1_plane_v4(const dw_job *j, const float *x, const float *xp,
				      const dw_edges *e, const float *w, float bias, float *y)
{
	const conv_geom *g = j->g;
	int64_t H = g->in[0], W = g->in[1], OH = g->out[0], OW = g->out[1];
	int64_t KH = g->ker[0], KW = g->ker[1], dy = g->dil[0], dx = g->dil[1];
	int64_t pt = g->pad[0], pl = g->pad[1], wp = j->wp;
	__m512 vb = _mm512_set1_ps(bias);
	for (int64_t oy = 0; oy < OH; oy++) {
		float *yr = y + oy * OW;
		for (int64_t ox = 0; ox < OW; ox += BLK4) {
			__m512 a0 = vb, a1 = vb;
			for (int64_t ky = 0; ky < KH; ky++) {
				int64_t iy = oy + ky * dy - pt;
				if (iy < 0 || iy >= H)
					continue;
				const float *xr = ox >= e->in_lo && ox < e->in_hi
							  ? x + iy * W + ox - pl
							  : xp + (oy + ky * dy) * wp + ox;
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

NX_TARGET_V3 static void dw1_plane_v3(const dw_job *j, const float *x, const float *xp,
				      const dw_edges *e, const float *w, float bias, float *y)
{
	dw1_plane_body(j, x, xp, e, w, bias, y);
}
#endif

static void dw1_plane_v0(const dw_job *j, const float *x, const float *xp, const dw_edges *e,
			 const float *w, float bias, float *y)
{
	dw1_plane_body(j, x, xp, e, w, bias, y);
}

static void dw1_part(void *ctx, int64_t lo, int64_t hi)
{
	dw_job *j = ctx;
	const conv_geom *g = j->g;
	int64_t KH = g->ker[0], KW = g->ker[1];
	int64_t hp = j->hp, wp = j->wp, blk = BLK;
	/* BLK4 floats of slack: the last block of the last row reads past it */
	float *xp = nx_xcalloc((size_t)(hp * wp + BLK4), sizeof *xp); /* freed below */
	void (*plane)(const dw_job *, const float *, const float *, const dw_edges *, const float *,
		      float, float *) = dw1_plane_v0;
#ifdef NX_SIMD_X86
	if (nx_cpu_v4())
		plane = dw1_plane_v4, blk = BLK4;
	else if (nx_cpu_v3())
		plane = dw1_plane_v3;
#endif
	dw_edges e = dw_edges_of(g, wp, blk);
	for (int64_t task = lo; task < hi; task++) {
		int64_t m = task % g->cout, n = task / g->cout;
		const float *x = j->x + n * g->xns + m / g->mg * g->xcs;
		pad_plane(j, x, xp, &e);
		plane(j, x, xp, &e, j->w + m * KH * KW, j->b ? j->b[m] : 0,
		      j->y + n * g->yns + m * g->ycs);
	}
	free(xp);
}

void nx_conv_dw(const conv_geom *g, const float *x, const float *w, const float *b,
		const nx_act *act, float *y, nx_pool *pool)
{
	dw_job j = {g, x, w, b, act, y, g->out[0] + (g->ker[0] - 1) * g->dil[0],
		    g->out[1] + (g->ker[1] - 1) * g->dil[1]};
	nx_pool_for(pool, g->batch * g->cout, dw1_part, &j);
}
