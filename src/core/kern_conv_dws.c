/* kern_conv_dws.c — 2-d depthwise convs with a stride other than 1x1 (rec's
 * 3x3 stride (2,1) and (1,2) and 5x5 stride (2,1) convs), with the sums of
 * kern_conv.c's general depthwise road (dw_part), bit for bit, so that
 * routing them here changed no output.
 *
 * dw_part adds each kernel row into the output row in memory (KH
 * read-modify-writes of every row) and, at stride 2 across, reads every
 * other float. Here each output column keeps its sum in a register over
 * all kernel rows and is stored once; a stride sx across is taken away by
 * splitting each input row once per channel into sx phase rows (phase p
 * holds columns p, p + sx, ...), so every tap is a contiguous load.
 *
 * Sums (dw_part's, per output column): bias, then for each kernel row over
 * the input, in ky order: in the interior (columns whose KW taps are all
 * inside the row) of a 3-wide kernel, or a 5-wide one at stride 1 across,
 * the row's sum w0*x0 + w1*x1 + ... (left to right) added at once; in the
 * interior of the others, and at the edge columns, each tap inside the row
 * added on its own, in kx order. Multiplies and adds are rounded apart
 * (no FMA) in every copy.
 *
 * Three copies of the interior: AVX-512 (interiors of 17+ columns two
 * output rows at a time in up to four registers a row, narrower ones by
 * dws_row_v4; tails masked), AVX2+FMA and the baseline (16 columns in two
 * 8-float vectors, a scalar tail); all give the same bits. The edge
 * columns (a few per row) are scalar: an edge column's taps are one chain
 * of adds, and vector edges (masked lanes, several rows at once) measured
 * slower on rec's shapes; beside the two-row interior the edges of both
 * rows run together (dws_edges2), two chains at once.
 */
#include <stdlib.h>
#include <string.h>

#include "kern_conv.h"
#include "nx_int.h"
#include "simd.h"

/* dw_part's own limit on the kernel's width */
#define KW_MAX 16
/* the widest stride across split into phases here */
#define SX_MAX 4
#define BLK 16
#define BLK4 32
typedef float v8f __attribute__((vector_size(32)));

bool nx_conv_dws_fits(const conv_geom *g)
{
	return g->ns == 2 && g->cg == 1 && g->ker_sp > 1 && g->ker[1] <= KW_MAX &&
	       g->stride[1] <= SX_MAX && (g->stride[0] != 1 || g->stride[1] != 1) &&
	       g->out[0] > 0 && g->out[1] > 0;
}

typedef struct dws_job {
	const conv_geom *g;
	const float *x, *w, *b;
	const nx_act *act;
	float *y;
	int64_t wq;      /* floats per phase row (sx 1: the input row itself) */
	bool rowsum;     /* interior rows summed first (dw_row: 3 wide, or 5 wide
			  * at stride 1 across) */
	int64_t lo, hi;  /* interior output columns */
	/* per kx: the tap's float offset in the phase planes from
	 * (row iy, output column ox) = iy * wq + ox, and the output columns
	 * whose tap is inside the input row (the edge columns' test) */
	int64_t off[KW_MAX], olo[KW_MAX], ohi[KW_MAX];
} dws_job;

static int64_t floor_div(int64_t a, int64_t b)
{
	return a >= 0 ? a / b : -((-a + b - 1) / b);
}

static int64_t ceil_div(int64_t a, int64_t b)
{
	return -floor_div(-a, b);
}

/* The interior [lo, hi) of output row yr (from input rows at phase planes
 * xp), 16 columns a step in two 8-float vectors, then scalar: the AVX2
 * and baseline copies. */
NX_BODY void dws_row_body(const dws_job *j, const float *xp, const float *w, float bias,
			  int64_t oy, float *yr)
{
	const conv_geom *g = j->g;
	int64_t H = g->in[0], KH = g->ker[0], KW = g->ker[1], wq = j->wq;
	int64_t iy0 = oy * g->stride[0] - g->pad[0], dy = g->dil[0];
	const int64_t *off = j->off;
	int64_t ox = j->lo;
	for (; ox + BLK <= j->hi; ox += BLK) {
		v8f a0 = {bias, bias, bias, bias, bias, bias, bias, bias}, a1 = a0;
		for (int64_t ky = 0; ky < KH; ky++) {
			int64_t iy = iy0 + ky * dy;
			if (iy < 0 || iy >= H)
				continue;
			const float *xr = xp + iy * wq + ox;
			const float *wr = w + ky * KW;
			v8f s0, s1;
			if (j->rowsum) {
				memcpy(&s0, xr + off[0], sizeof s0);
				memcpy(&s1, xr + off[0] + 8, sizeof s1);
				v8f r0 = wr[0] * s0, r1 = wr[0] * s1;
				for (int64_t kx = 1; kx < KW; kx++) {
					memcpy(&s0, xr + off[kx], sizeof s0);
					memcpy(&s1, xr + off[kx] + 8, sizeof s1);
					r0 += wr[kx] * s0;
					r1 += wr[kx] * s1;
				}
				a0 += r0;
				a1 += r1;
			} else {
				for (int64_t kx = 0; kx < KW; kx++) {
					memcpy(&s0, xr + off[kx], sizeof s0);
					memcpy(&s1, xr + off[kx] + 8, sizeof s1);
					a0 += wr[kx] * s0;
					a1 += wr[kx] * s1;
				}
			}
		}
		memcpy(yr + ox, &a0, sizeof a0);
		memcpy(yr + ox + 8, &a1, sizeof a1);
	}
	for (; ox < j->hi; ox++) {
		float a = bias;
		for (int64_t ky = 0; ky < KH; ky++) {
			int64_t iy = iy0 + ky * dy;
			if (iy < 0 || iy >= H)
				continue;
			const float *xr = xp + iy * wq + ox;
			const float *wr = w + ky * KW;
			if (j->rowsum) {
				float r = wr[0] * xr[off[0]];
				for (int64_t kx = 1; kx < KW; kx++)
					r += wr[kx] * xr[off[kx]];
				a += r;
			} else {
				for (int64_t kx = 0; kx < KW; kx++)
					a += wr[kx] * xr[off[kx]];
			}
		}
		yr[ox] = a;
	}
}

#ifdef NX_SIMD_X86
#include <immintrin.h>
/* Loads 16 floats at p, the lanes of mask k only (the others read as 0
 * and never touch memory). */
#define LOADK(k, p) _mm512_maskz_loadu_ps((k), (p))

/* The AVX-512 copy of dws_row_body: 32 columns a step in two registers,
 * the last step's loads and stores masked to the interior. Per column the
 * body's roundings in the body's order. */
NX_TARGET_V4 static void dws_row_v4(const dws_job *j, const float *xp, const float *w,
				    float bias, int64_t oy, float *yr)
{
	const conv_geom *g = j->g;
	int64_t H = g->in[0], KH = g->ker[0], KW = g->ker[1], wq = j->wq;
	int64_t iy0 = oy * g->stride[0] - g->pad[0], dy = g->dil[0];
	const int64_t *off = j->off;
	__m512 vb = _mm512_set1_ps(bias);
	for (int64_t ox = j->lo; ox < j->hi; ox += BLK4) {
		int64_t len = j->hi - ox;
		__mmask16 k0 = len >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << len) - 1);
		__mmask16 k1 = len >= BLK4 ? (__mmask16)0xffff
			       : len > 16  ? (__mmask16)((1u << (len - 16)) - 1)
					   : (__mmask16)0;
		__m512 a0 = vb, a1 = vb;
		for (int64_t ky = 0; ky < KH; ky++) {
			int64_t iy = iy0 + ky * dy;
			if (iy < 0 || iy >= H)
				continue;
			const float *xr = xp + iy * wq + ox;
			const float *wr = w + ky * KW;
			if (j->rowsum) {
				__m512 wv = _mm512_set1_ps(wr[0]);
				__m512 r0 = _mm512_mul_ps(wv, LOADK(k0, xr + off[0]));
				__m512 r1 = _mm512_mul_ps(wv, LOADK(k1, xr + off[0] + 16));
				for (int64_t kx = 1; kx < KW; kx++) {
					wv = _mm512_set1_ps(wr[kx]);
					r0 = _mm512_add_ps(r0,
							   _mm512_mul_ps(wv, LOADK(k0, xr + off[kx])));
					r1 = _mm512_add_ps(
						r1, _mm512_mul_ps(wv, LOADK(k1, xr + off[kx] + 16)));
				}
				a0 = _mm512_add_ps(a0, r0);
				a1 = _mm512_add_ps(a1, r1);
			} else {
				for (int64_t kx = 0; kx < KW; kx++) {
					__m512 wv = _mm512_set1_ps(wr[kx]);
					a0 = _mm512_add_ps(a0,
							   _mm512_mul_ps(wv, LOADK(k0, xr + off[kx])));
					a1 = _mm512_add_ps(
						a1, _mm512_mul_ps(wv, LOADK(k1, xr + off[kx] + 16)));
				}
			}
		}
		_mm512_mask_storeu_ps(yr + ox, k0, a0);
		_mm512_mask_storeu_ps(yr + ox + 16, k1, a1);
	}
}

/* Interior columns ox .. ox + 16 * NV - 1 of output rows oy .. oy + R - 1
 * (R 1 or 2), the last vector's loads and stores masked to kl: the
 * AVX-512 copy for rows of 17+ interior columns. The R * NV sums are
 * independent chains (two registers a row left the adds waiting on one
 * another); each column's sums are dws_row_body's in its order. */
NX_TARGET_V4 static inline __attribute__((always_inline)) void
dws_blk_v4(const dws_job *j, const float *xp, const float *w, float bias, float *y, int64_t oy,
	   int R, int64_t ox, int NV, __mmask16 kl)
{
	const conv_geom *g = j->g;
	int64_t H = g->in[0], OW = g->out[1], KH = g->ker[0], KW = g->ker[1], wq = j->wq;
	int64_t sy = g->stride[0], dy = g->dil[0], pt = g->pad[0];
	const int64_t *off = j->off;
	__m512 a[2][4];
#pragma GCC unroll 4
	for (int v = 0; v < NV; v++)
		a[0][v] = a[1][v] = _mm512_set1_ps(bias);
	for (int64_t ky = 0; ky < KH; ky++) {
		const float *wr = w + ky * KW;
#pragma GCC unroll 2
		for (int r = 0; r < 2; r++) {
			int64_t iy = (oy + r) * sy - pt + ky * dy;
			if (r >= R || iy < 0 || iy >= H)
				continue;
			const float *xr = xp + iy * wq + ox;
			__m512 s[4], q[4];
			if (j->rowsum) {
				__m512 wv = _mm512_set1_ps(wr[0]);
#pragma GCC unroll 4
				for (int v = 0; v < NV; v++) {
					s[v] = v == NV - 1 ? LOADK(kl, xr + off[0] + 16 * v)
							   : _mm512_loadu_ps(xr + off[0] + 16 * v);
					q[v] = _mm512_mul_ps(wv, s[v]);
				}
				for (int64_t kx = 1; kx < KW; kx++) {
					wv = _mm512_set1_ps(wr[kx]);
#pragma GCC unroll 4
					for (int v = 0; v < NV; v++) {
						s[v] = v == NV - 1 ? LOADK(kl, xr + off[kx] + 16 * v)
								   : _mm512_loadu_ps(xr + off[kx] + 16 * v);
						q[v] = _mm512_add_ps(q[v], _mm512_mul_ps(wv, s[v]));
					}
				}
#pragma GCC unroll 4
				for (int v = 0; v < NV; v++)
					a[r][v] = _mm512_add_ps(a[r][v], q[v]);
			} else {
				for (int64_t kx = 0; kx < KW; kx++) {
					__m512 wv = _mm512_set1_ps(wr[kx]);
#pragma GCC unroll 4
					for (int v = 0; v < NV; v++) {
						s[v] = v == NV - 1 ? LOADK(kl, xr + off[kx] + 16 * v)
								   : _mm512_loadu_ps(xr + off[kx] + 16 * v);
						a[r][v] = _mm512_add_ps(a[r][v], _mm512_mul_ps(wv, s[v]));
					}
				}
			}
		}
	}
#pragma GCC unroll 2
	for (int r = 0; r < R; r++) {
		float *yr = y + (oy + r) * OW + ox;
#pragma GCC unroll 4
		for (int v = 0; v < NV - 1; v++)
			_mm512_storeu_ps(yr + 16 * v, a[r][v]);
		_mm512_mask_storeu_ps(yr + 16 * (NV - 1), kl, a[r][NV - 1]);
	}
}

/* The interior of output rows oy .. oy + R - 1 in blocks of up to four
 * vectors a row (76 columns: 3 + 2). */
NX_TARGET_V4 static void dws_rows_v4(const dws_job *j, const float *xp, const float *w,
				     float bias, int64_t oy, int R, float *y)
{
	int64_t n = j->hi - j->lo, nvec = (n + 15) / 16, tail = n - (nvec - 1) * 16;
	for (int64_t v0 = 0, left = nvec; left > 0;) {
		int nv = left <= 4 ? (int)left : left <= 8 ? (int)(left + 1) / 2 : 4;
		__mmask16 kl = left == nv && tail < 16 ? (__mmask16)((1u << tail) - 1)
						       : (__mmask16)0xffff;
		int64_t ox = j->lo + v0 * 16;
		switch (nv) {
		case 1:
			dws_blk_v4(j, xp, w, bias, y, oy, R, ox, 1, kl);
			break;
		case 2:
			dws_blk_v4(j, xp, w, bias, y, oy, R, ox, 2, kl);
			break;
		case 3:
			dws_blk_v4(j, xp, w, bias, y, oy, R, ox, 3, kl);
			break;
		default:
			dws_blk_v4(j, xp, w, bias, y, oy, R, ox, 4, kl);
			break;
		}
		v0 += nv;
		left -= nv;
	}
}

NX_TARGET_V3 static void dws_row_v3(const dws_job *j, const float *xp, const float *w,
				    float bias, int64_t oy, float *yr)
{
	dws_row_body(j, xp, w, bias, oy, yr);
}
#endif

static void dws_row_v0(const dws_job *j, const float *xp, const float *w, float bias,
		       int64_t oy, float *yr)
{
	dws_row_body(j, xp, w, bias, oy, yr);
}

/* The edge columns of output row yr ([0, lo) and [hi, OW)) from the input
 * plane x itself: each tap inside the row on its own, as dw_part's edges. */
static void dws_edges(const dws_job *j, const float *x, const float *w, float bias, int64_t oy,
		      float *yr)
{
	const conv_geom *g = j->g;
	int64_t H = g->in[0], W = g->in[1], OW = g->out[1], KH = g->ker[0], KW = g->ker[1];
	int64_t sx = g->stride[1], dx = g->dil[1], px = g->pad[1];
	int64_t iy0 = oy * g->stride[0] - g->pad[0], dy = g->dil[0];
	for (int64_t ox = 0; ox < OW; ox++) {
		if (ox == j->lo && j->hi > j->lo)
			ox = j->hi;
		if (ox >= OW)
			break;
		float a = bias;
		for (int64_t ky = 0; ky < KH; ky++) {
			int64_t iy = iy0 + ky * dy;
			if (iy < 0 || iy >= H)
				continue;
			const float *xr = x + iy * W;
			const float *wr = w + ky * KW;
			for (int64_t kx = 0; kx < KW; kx++)
				if (ox >= j->olo[kx] && ox < j->ohi[kx])
					a += wr[kx] * xr[ox * sx + kx * dx - px];
		}
		yr[ox] = a;
	}
}

/* dws_edges for output rows oy and oy + 1 together: the two rows' sums of
 * a column are independent chains of adds, so they overlap, and the taps
 * inside the row, a run of kx the same for both rows, are looped without
 * a test per tap. Each column's sums and order are dws_edges'. */
static void dws_edges2(const dws_job *j, const float *x, const float *w, float bias, int64_t oy,
		       float *y)
{
	const conv_geom *g = j->g;
	int64_t H = g->in[0], W = g->in[1], OW = g->out[1], KH = g->ker[0], KW = g->ker[1];
	int64_t sx = g->stride[1], dx = g->dil[1], px = g->pad[1];
	int64_t iy0 = oy * g->stride[0] - g->pad[0], iy1 = iy0 + g->stride[0], dy = g->dil[0];
	float *y0 = y + oy * OW, *y1 = y0 + OW;
	for (int64_t ox = 0; ox < OW; ox++) {
		if (ox == j->lo && j->hi > j->lo)
			ox = j->hi;
		if (ox >= OW)
			break;
		int64_t k0 = 0, k1 = KW; /* the taps inside the row: [k0, k1) */
		while (k0 < KW && !(ox >= j->olo[k0] && ox < j->ohi[k0]))
			k0++;
		k1 = k0;
		while (k1 < KW && ox >= j->olo[k1] && ox < j->ohi[k1])
			k1++;
		const float *xc = x + ox * sx - px;
		float a0 = bias, a1 = bias;
		for (int64_t ky = 0; ky < KH; ky++) {
			int64_t r0 = iy0 + ky * dy, r1 = iy1 + ky * dy;
			const float *wr = w + ky * KW;
			bool v0 = r0 >= 0 && r0 < H, v1 = r1 >= 0 && r1 < H;
			if (v0 && v1) {
				for (int64_t kx = k0; kx < k1; kx++) {
					a0 += wr[kx] * xc[r0 * W + kx * dx];
					a1 += wr[kx] * xc[r1 * W + kx * dx];
				}
			} else if (v0) {
				for (int64_t kx = k0; kx < k1; kx++)
					a0 += wr[kx] * xc[r0 * W + kx * dx];
			} else if (v1) {
				for (int64_t kx = k0; kx < k1; kx++)
					a1 += wr[kx] * xc[r1 * W + kx * dx];
			}
		}
		y0[ox] = a0;
		y1[ox] = a1;
	}
}

/* Splits channel plane x (H x W) into sx phase planes at xp, laid out
 * [phase][H][wq]: phase p's row iy holds x[iy][p], x[iy][p + sx], ...
 * A copy, so its SIMD copies (stride 2 vectorized with permutes) cannot
 * change a bit; scalar, it cost about what the phases saved on det's
 * 320x320 planes. */
NX_BODY void dws_phases_body(const dws_job *j, const float *x, float *xp)
{
	const conv_geom *g = j->g;
	int64_t H = g->in[0], W = g->in[1], sx = g->stride[1], wq = j->wq;
	for (int64_t p = 0; p < sx; p++)
		for (int64_t iy = 0; iy < H; iy++) {
			const float *s = x + iy * W + p;
			float *d = xp + (p * H + iy) * wq;
			int64_t n = (W - p + sx - 1) / sx;
			if (sx == 2) /* a constant stride the vectorizer takes */
				for (int64_t i = 0; i < n; i++)
					d[i] = s[2 * i];
			else
				for (int64_t i = 0; i < n; i++)
					d[i] = s[i * sx];
		}
}

NX_SIMD_FN_V4(static, dws_phases, (const dws_job *j, const float *x, float *xp), (j, x, xp))

static void dws_part(void *ctx, int64_t lo, int64_t hi)
{
	const dws_job *j = ctx;
	const conv_geom *g = j->g;
	int64_t KH = g->ker[0], KW = g->ker[1], OH = g->out[0], OW = g->out[1];
	int64_t sx = g->stride[1];
	/* the phase planes (stride 1 across reads the input in place) */
	float *xp = sx > 1 ? nx_xmalloc((size_t)(sx * g->in[0] * j->wq) * sizeof *xp) : NULL;
	/* xp freed below */
	void (*row)(const dws_job *, const float *, const float *, float, int64_t, float *) =
		dws_row_v0;
#ifdef NX_SIMD_X86
	bool v4 = false;
	if (nx_cpu_v4())
		row = dws_row_v4, v4 = true;
	else if (nx_cpu_v3())
		row = dws_row_v3;
#endif
	for (int64_t task = lo; task < hi; task++) {
		int64_t m = task % g->cout, n = task / g->cout;
		const float *x = j->x + n * g->xns + (m / g->mg) * g->xcs;
		const float *w = j->w + m * KH * KW;
		float *y = j->y + n * g->yns + m * g->ycs;
		float bias = j->b ? j->b[m] : 0;
		if (xp)
			dws_phases(j, x, xp);
#ifdef NX_SIMD_X86
		/* wide interiors: two rows at a time in the AVX-512 copy */
		if (v4 && j->hi - j->lo > 16) {
			for (int64_t oy = 0; oy < OH; oy += 2) {
				int R = oy + 1 < OH ? 2 : 1;
				dws_rows_v4(j, xp ? xp : x, w, bias, oy, R, y);
				if (R == 2)
					dws_edges2(j, x, w, bias, oy, y);
				else
					dws_edges(j, x, w, bias, oy, y + oy * OW);
				for (int r = 0; r < R && j->act->kind; r++)
					nx_act_apply(j->act, y + (oy + r) * OW, OW);
			}
			continue;
		}
#endif
		for (int64_t oy = 0; oy < OH; oy++) {
			float *yr = y + oy * OW;
			row(j, xp ? xp : x, w, bias, oy, yr);
			dws_edges(j, x, w, bias, oy, yr);
			if (j->act->kind)
				nx_act_apply(j->act, yr, OW);
		}
	}
	free(xp);
}

void nx_conv_dws(const conv_geom *g, const float *x, const float *w, const float *b,
		 const nx_act *act, float *y, nx_pool *pool)
{
	int64_t W = g->in[1], OW = g->out[1], KW = g->ker[1];
	int64_t sx = g->stride[1], dx = g->dil[1], px = g->pad[1];
	dws_job j = {g, x, w, b, act, y, sx > 1 ? (W + sx - 1) / sx : W,
		     KW == 3 || (KW == 5 && sx == 1),
		     0, OW, {0}, {0}, {0}};
	/* the interior and the edge tests as dw_part's dw_cols_init */
	for (int64_t kx = 0; kx < KW; kx++) {
		int64_t o = kx * dx - px;
		int64_t lo = ceil_div(-o, sx), hi = floor_div(W - 1 - o, sx) + 1;
		j.olo[kx] = lo < 0 ? 0 : lo;
		j.ohi[kx] = hi > OW ? OW : hi;
		j.lo = j.olo[kx] > j.lo ? j.olo[kx] : j.lo;
		j.hi = j.ohi[kx] < j.hi ? j.ohi[kx] : j.hi;
		/* column sx * ox + o of the row: phase o mod sx, index
		 * ox + floor(o / sx) there */
		int64_t q = floor_div(o, sx), p = o - q * sx;
		j.off[kx] = p * g->in[0] * j.wq + q;
	}
	if (j.hi < j.lo)
		j.hi = j.lo;
	nx_pool_for(pool, g->batch * g->cout, dws_part, &j);
}
