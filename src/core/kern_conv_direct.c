/* kern_conv_direct.c — dense 2-d stride-1 convs (3x3 and the like, group 1
 * or wide groups), and the stride-2 stems (2-8 input channels), by a
 * direct AVX2+FMA or AVX-512 micro-kernel: no GEMM, no
 * packing of the input, the sums held in registers from the bias to the
 * store.
 *
 * Why: det's 96->24 3x3 convs at 160x160 and 80x80 went through the
 * shifted GEMM (kern_conv_shift.c): one cblas_sgemm per tap, each packing
 * its [cg x tile] operand again and reading and writing the [mg x tile]
 * accumulator tile again, nine times. Here each output is read from the
 * input where it lies (a zero-padded copy, made once per conv) and summed
 * over every (channel, tap) before it is stored once.
 *
 * Two register tiles, chosen by the CPU: on AVX2+FMA, MB3 = 6 output
 * channels x 2 vectors of 8 consecutive output columns of one output row
 * (12 accumulators, 16-column strips); on AVX-512 (nx_cpu_v4), MB4 = 8
 * channels x 3 vectors of 16 (24 of the 32 zmm registers, 48-column
 * strips, with 2- and 1-vector copies for a row's last strip). For each
 * (input channel, tap) the tile loads its vectors of input and broadcasts
 * its weights from a packed copy [block][c][tap][mb], then does mb x
 * vectors fused multiply-adds. 8 x 3 is measured: on this Zen 5 a 12 x 2
 * zmm tile ran no faster than the AVX2 one (12 broadcasts per 24 FMAs
 * held it to half the FMA rate), 8 x 3 and 6 x 4 reach the FMA peak on
 * L1-resident data, and 8 splits det's 24 channels into whole blocks. The
 * input stays in the model's NCHW layout (a channel-blocked layout would
 * have to be converted at each op's edge: the surrounding ops are NCHW);
 * the output rows are stored straight into NCHW. A strip past the row's
 * end computes junk columns over the next padded row (never stored), and
 * a block past the last channel computes with zero weights (never
 * stored).
 *
 * Stride 2 (both axes): the padded copy's columns are split into an even
 * and an odd phase plane per row, once per conv, so that the 16 columns
 * of a vector that a stride-2 tap reads lie next to each other; the tap
 * offsets point into the phase planes and output rows are two padded
 * rows apart; the tiles are the same.
 *
 * Sums: bias, then over input channels, for each the taps in (ky, kx)
 * order, each product added with one rounding (FMA). Every output's sum
 * is formed in one register lane in that order whatever the tile, the
 * vector width or the split of the work, so the bits depend neither on
 * the thread count, nor on how rows are split into tasks, nor on whether
 * the CPU has AVX-512 (test_conv_direct calls both tiles); the
 * interpreter's tile-by-tile conv (conv_tile.c) and the executor take
 * this road for the same tile geometry alike.
 *
 * Only on CPUs with AVX2 and FMA (nx_cpu_v3); elsewhere, and in builds
 * with -DNEX_NO_CLONES, nx_conv_direct_fits says no and the conv takes
 * the shifted GEMM as before. A baseline copy of this kernel would be
 * slower than OpenBLAS's SSE sgemm, so there is none.
 */
#include <stdlib.h>
#include <string.h>

#include "kern_conv.h"
#include "nx_int.h"
#include "simd.h"

#ifdef NX_SIMD_X86
#include <immintrin.h>
#endif

/* The AVX2 register tile: MB3 output channels x 2 vectors of 8 columns
 * (12 accumulators of the 16 ymm registers). */
#define MB3 6
#define STRIP3 16
/* The AVX-512 register tile: MB4 output channels x up to 3 vectors of 16
 * columns (24 accumulators of the 32 zmm registers). */
#define MB4 8
#define STRIP4 48
/* Input channels per chunk (row_part): chunks of 16 or 32, to keep a
 * strip's input in L1 while the blocks read it, measured no faster on
 * det's convs than one chunk, so every conv up to 1024 channels is one. */
#define CB 1024

/* Which stride-1 convs take this road, measured against the shifted GEMM
 * on single convs (min of 20 runs, interleaved), for the AVX2 tile against
 * OpenBLAS's Haswell sgemm: 96->24 3x3 at 160x160 and 80x80, 16->16 at
 * 80x80 faster; 96->24 at 40x40 even and at 20x20 slower (a 16-column
 * strip computes 20 % and 60 % junk columns there); 8->32 at 80x80 even
 * (below 16 channels the old road is im2col); 96->64 at 80x80 no slower.
 * With many output channels OpenBLAS's blocking is left to do its work.
 * The AVX-512 tile, whose 1- and 2-vector copies end a row with at most
 * 15 junk columns, is faster down to rows of 16 (CPU time of 200-500
 * runs, min of 5, interleaved, docs/speed.md): 96->24 3x3 at 40x40 0.47
 * vs 0.82 ms, at 20x20 0.15 vs 0.24 ms, rec's 960->60 1x3 at 1x40 0.19 vs
 * 0.23 ms, 480->60 even. MIN_CG and MAX_MG stay as measured for AVX2:
 * det and rec have no stride-1 dense conv outside them to measure.
 *
 * The rule is the same on AVX2 and AVX-512 CPUs, rows of 16 and more for
 * both, although the AVX2 tile alone was measured even at 40x40 and
 * slower at 20x20: a conv's road decides its bits (the shifted GEMM's are
 * OpenBLAS's), and with one rule `nex run` gives the same bits on every
 * AVX2 machine whatever its vector width (given OpenBLAS's core), as the
 * golden tests and a result handed from one machine to another expect. */
#define MIN_CG 16
#define MIN_OW 16
#define MAX_MG 64
/* Stride 2: the stems of det, rec and cls (3 -> 16 or 8 channels, 3x3),
 * measured on AVX-512 against im2col + sgemm; wider stride-2 dense convs
 * (none in those models) keep im2col. */
#define MAX_CG_S2 8
#define MAX_TAPS 49

bool nx_conv_direct_fits(const conv_geom *g)
{
#ifdef NX_SIMD_X86
	if (!nx_cpu_v3() || g->ns != 2 || g->ker_sp <= 1 || g->ker_sp > MAX_TAPS ||
	    g->mg > MAX_MG || g->out_sp <= 0)
		return false;
	if (g->stride[0] == 2 && g->stride[1] == 2)
		return g->cg >= 2 && g->cg <= MAX_CG_S2 && g->out[1] >= MIN_OW;
	return g->stride[0] == 1 && g->stride[1] == 1 && g->cg >= MIN_CG && g->out[1] >= MIN_OW;
#else
	(void)g;
	return false;
#endif
}

#ifdef NX_SIMD_X86

typedef struct direct_job {
	const conv_geom *g;
	const float *x;  /* this image's input, first channel of the group */
	float *xp;       /* [cg][s][hp][wq] zero-padded copy, plus slack */
	const float *wk; /* [group][block][c][tap][mb] packed weights */
	const float *b;  /* cout biases, or NULL */
	const nx_act *act;
	float *y;        /* this image's output */
	int64_t hp, wp, nblk, rows_per_task;
	int64_t blocks_per_task; /* of output channels, for convs of few rows */
	/* stride s (1 or 2, both axes): each padded row's columns split into
	 * s phase planes of wq columns (column q at phase q % s, index
	 * q / s), so a stride-2 strip reads consecutive floats */
	int64_t s, wq;
	bool v4;         /* the AVX-512 tile (mb MB4, strip STRIP4) */
	int mb, strip;
} direct_job;

/* Channels [lo, hi) of the (image, group) input into the padded planes. */
static void pad_part(void *ctx, int64_t lo, int64_t hi)
{
	direct_job *j = ctx;
	const conv_geom *g = j->g;
	if (j->s == 1)
		nx_conv_pad_planes(g, j->x, j->xp, j->hp, j->wp, lo, hi);
	else
		nx_conv_pad_phases(g, j->x, j->xp, j->s, j->hp, j->wq, lo, hi);
}

/* One AVX2 register tile: out[m][0 .. STRIP3) = acc[m][...] + the sum
 * over c < cg, then taps, of w * x, for MB3 channels, from padded input
 * xs (the strip's first column on output row oy's first padded row,
 * channel 0). acc and out are [MB3][STRIP3], and may be the same. */
NX_TARGET_V3 static void tile_v3(const float *xs, int64_t plane, const int64_t *toff, int taps,
				 int64_t cg, const float *wk, const float *acc, float *out)
{
	/* named accumulators, not an array: GCC kept an array on the stack
	 * and stored all twelve back after every tap */
#define ACC_INIT(m)                                                    \
	__m256 a##m##0 = _mm256_loadu_ps(acc + m * STRIP3),            \
	       a##m##1 = _mm256_loadu_ps(acc + m * STRIP3 + 8);
#define ACC_FMA(m)                                                     \
	{                                                              \
		__m256 w = _mm256_broadcast_ss(wk + m);               \
		a##m##0 = _mm256_fmadd_ps(w, x0, a##m##0);             \
		a##m##1 = _mm256_fmadd_ps(w, x1, a##m##1);             \
	}
#define ACC_STORE(m)                                                   \
	_mm256_storeu_ps(out + m * STRIP3, a##m##0);                   \
	_mm256_storeu_ps(out + m * STRIP3 + 8, a##m##1);
	ACC_INIT(0) ACC_INIT(1) ACC_INIT(2) ACC_INIT(3) ACC_INIT(4) ACC_INIT(5)
	for (int64_t c = 0; c < cg; c++) {
		const float *xc = xs + c * plane;
		for (int t = 0; t < taps; t++) {
			const float *p = xc + toff[t];
			__m256 x0 = _mm256_loadu_ps(p), x1 = _mm256_loadu_ps(p + 8);
			ACC_FMA(0) ACC_FMA(1) ACC_FMA(2) ACC_FMA(3) ACC_FMA(4) ACC_FMA(5)
			wk += MB3;
		}
	}
	ACC_STORE(0) ACC_STORE(1) ACC_STORE(2) ACC_STORE(3) ACC_STORE(4) ACC_STORE(5)
#undef ACC_INIT
#undef ACC_FMA
#undef ACC_STORE
}

/* The AVX-512 tile: as tile_v3 for MB4 channels and NV vectors of 16
 * columns (acc and out are [MB4][STRIP4]; columns [0, 16 NV) are
 * computed). Each column's sum takes the same FMAs in the same order as
 * in tile_v3 (a lane of a 16-float FMA rounds as a lane of an 8-float
 * one), so both give the same bits. NV is a constant in each copy below:
 * the loops unroll and the MB4 x NV sums stay in registers. */
NX_TARGET_V4 static inline __attribute__((always_inline)) void
tile_v4_body(const float *xs, int64_t plane, const int64_t *toff, int taps, int64_t cg,
	     const float *wk, const float *acc, float *out, const int NV)
{
	__m512 a[MB4][3], x[3];
#pragma GCC unroll 8
	for (int m = 0; m < MB4; m++)
#pragma GCC unroll 3
		for (int v = 0; v < NV; v++)
			a[m][v] = _mm512_loadu_ps(acc + m * STRIP4 + 16 * v);
	for (int64_t c = 0; c < cg; c++) {
		const float *xc = xs + c * plane;
		for (int t = 0; t < taps; t++) {
			const float *p = xc + toff[t];
#pragma GCC unroll 3
			for (int v = 0; v < NV; v++)
				x[v] = _mm512_loadu_ps(p + 16 * v);
#pragma GCC unroll 8
			for (int m = 0; m < MB4; m++) {
				__m512 w = _mm512_set1_ps(wk[m]);
#pragma GCC unroll 3
				for (int v = 0; v < NV; v++)
					a[m][v] = _mm512_fmadd_ps(w, x[v], a[m][v]);
			}
			wk += MB4;
		}
	}
#pragma GCC unroll 8
	for (int m = 0; m < MB4; m++)
#pragma GCC unroll 3
		for (int v = 0; v < NV; v++)
			_mm512_storeu_ps(out + m * STRIP4 + 16 * v, a[m][v]);
}

NX_TARGET_V4 static void tile_v4_3(const float *xs, int64_t plane, const int64_t *toff, int taps,
				   int64_t cg, const float *wk, const float *acc, float *out)
{
	tile_v4_body(xs, plane, toff, taps, cg, wk, acc, out, 3);
}

NX_TARGET_V4 static void tile_v4_2(const float *xs, int64_t plane, const int64_t *toff, int taps,
				   int64_t cg, const float *wk, const float *acc, float *out)
{
	tile_v4_body(xs, plane, toff, taps, cg, wk, acc, out, 2);
}

NX_TARGET_V4 static void tile_v4_1(const float *xs, int64_t plane, const int64_t *toff, int taps,
				   int64_t cg, const float *wk, const float *acc, float *out)
{
	tile_v4_body(xs, plane, toff, taps, cg, wk, acc, out, 1);
}

/* Columns of the next strip, rem columns of the row left: a whole strip,
 * or what is left; for the AVX-512 tile, a row that would end in a strip
 * of 16 or fewer columns after a whole one (det's 160: 48 48 48 16) ends
 * in two of up to 32 instead (48 48 32 32): the 16-column tile runs at
 * about two thirds of the speed of the wider ones (one broadcast weight
 * per FMA). Junk columns past the row are never stored. */
static int64_t strip_len(int64_t rem, int strip)
{
	if (strip == STRIP4 && rem > STRIP4 && rem <= STRIP4 + 16)
		return 32;
	return rem < strip ? rem : strip;
}

/* Tasks [lo, hi): each a group, rows_per_task output rows and
 * blocks_per_task blocks of output channels: for each row, each strip of
 * j->strip columns, each chunk of CB input channels, each block of j->mb
 * output channels: the blocks read the strip's input one after the other
 * while it is in cache. Between chunks the sums wait in
 * acc (a float stored and loaded back is the same float: the bits are
 * those of one pass over all channels). */
static void row_part(void *ctx, int64_t lo, int64_t hi)
{
	direct_job *j = ctx;
	const conv_geom *g = j->g;
	int64_t OH = g->out[0], OW = g->out[1], KW = g->ker[1], cg = g->cg, mg = g->mg;
	int64_t nblk = j->nblk, per = (OH + j->rows_per_task - 1) / j->rows_per_task;
	int64_t bpt = j->blocks_per_task, nbt = (nblk + bpt - 1) / bpt;
	int taps = (int)g->ker_sp, mb = j->mb, strip = j->strip;
	int64_t s = j->s, wq = j->wq, plane = s * j->hp * wq, toff[MAX_TAPS];
	for (int t = 0; t < taps; t++) {
		int64_t qx = (t % KW) * g->dil[1];
		toff[t] = qx % s * j->hp * wq + (t / KW) * g->dil[0] * wq + qx / s;
	}
	/* [block][m][column]: mb x strip floats per block */
	float acc[(MAX_MG / MB3 + 1) * MB3 * STRIP3 > (MAX_MG / MB4 + 1) * MB4 * STRIP4
			  ? (MAX_MG / MB3 + 1) * MB3 * STRIP3
			  : (MAX_MG / MB4 + 1) * MB4 * STRIP4];
	for (int64_t task = lo; task < hi; task++) {
		int64_t gi = task / (per * nbt), r0 = task / nbt % per * j->rows_per_task;
		int64_t r1 = r0 + j->rows_per_task < OH ? r0 + j->rows_per_task : OH;
		int64_t b0 = task % nbt * bpt, b1 = b0 + bpt < nblk ? b0 + bpt : nblk;
		int64_t m0 = b0 * mb, m1 = b1 * mb < mg ? b1 * mb : mg;
		const float *xg = j->xp + gi * cg * plane;
		const float *wg = j->wk + gi * nblk * cg * taps * mb;
		float *yg = j->y + gi * mg * g->ycs;
		for (int64_t oy = r0; oy < r1; oy++) {
			for (int64_t ox = 0, len; ox < OW; ox += len) {
				len = strip_len(OW - ox, strip);
				for (int64_t bl = b0; bl < b1; bl++)
					for (int m = 0; m < mb; m++) {
						int64_t mm = bl * mb + m;
						float v = j->b && mm < mg ? j->b[gi * mg + mm] : 0;
						float *a = acc + (bl * mb + m) * strip;
						for (int i = 0; i < strip; i++)
							a[i] = v;
					}
				for (int64_t c0 = 0; c0 < cg; c0 += CB) {
					int64_t nc = cg - c0 < CB ? cg - c0 : CB;
					const float *xs = xg + c0 * plane + oy * s * wq + ox;
					for (int64_t bl = b0; bl < b1; bl++) {
						const float *wb = wg + (bl * cg + c0) * taps * mb;
						float *a = acc + bl * mb * strip;
						if (!j->v4)
							tile_v3(xs, plane, toff, taps, nc, wb, a, a);
						else if (len > 32)
							tile_v4_3(xs, plane, toff, taps, nc, wb, a, a);
						else if (len > 16)
							tile_v4_2(xs, plane, toff, taps, nc, wb, a, a);
						else
							tile_v4_1(xs, plane, toff, taps, nc, wb, a, a);
					}
				}
				for (int64_t m = m0; m < m1; m++)
					memcpy(yg + m * g->ycs + oy * OW + ox, acc + m * strip,
					       (size_t)len * sizeof(float));
			}
			if (j->act->kind)
				for (int64_t m = m0; m < m1; m++)
					nx_act_apply(j->act, yg + m * g->ycs + oy * OW, OW);
		}
	}
}

#endif

/* nx_conv_direct on the AVX-512 tile (v4) or the AVX2 one; the CPU has
 * it. */
static void direct_run(const conv_geom *g, const float *x, const float *w, const float *b,
		       const nx_act *act, float *y, nx_pool *pool, bool v4)
{
#ifdef NX_SIMD_X86
	int mb = v4 ? MB4 : MB3, strip = v4 ? STRIP4 : STRIP3;
	int64_t cg = g->cg, mg = g->mg, taps = g->ker_sp, G = g->group;
	int64_t s = g->stride[0];
	int64_t hp = (g->out[0] - 1) * s + (g->ker[0] - 1) * g->dil[0] + 1;
	int64_t wp = (g->out[1] - 1) * s + (g->ker[1] - 1) * g->dil[1] + 1;
	int64_t wq = (wp + s - 1) / s;
	int64_t nblk = (mg + mb - 1) / mb;
	/* slack: the last strip of the last row reads up to strip - 1 columns
	 * past the plane's end */
	size_t nxp = (size_t)(g->cin * s * hp * wq + strip);
	float *xp = nx_xmalloc(nxp * sizeof *xp); /* freed below */
	memset(xp + nxp - strip, 0, (size_t)strip * sizeof *xp);
	/* wk[gi][bl][c][tap][m]; channels past mg get zero weights */
	float *wk = nx_xcalloc((size_t)(G * nblk * cg * taps * mb), sizeof *wk); /* freed below */
	for (int64_t gi = 0; gi < G; gi++)
		for (int64_t m = 0; m < mg; m++)
			for (int64_t c = 0; c < cg; c++)
				for (int64_t t = 0; t < taps; t++)
					wk[((((gi * nblk + m / mb) * cg + c) * taps + t) * mb) + m % mb] =
						w[((gi * mg + m) * cg + c) * taps + t];
	/* two output rows per task: 80 pieces for det's 160-row convs, for the
	 * pool to balance; a conv of fewer than 4 such pieces (rec's 1x3
	 * convs on one row) splits by blocks of output channels instead. The
	 * split depends on the geometry only and changes no bits. */
	int64_t rpt = 2, rows = G * ((g->out[0] + rpt - 1) / rpt);
	int64_t bpt = rows < 4 ? 1 : nblk;
	for (int64_t img = 0; img < g->batch; img++) {
		direct_job j = {g, x + img * g->xns, xp, wk, b, act, y + img * g->yns,
				hp, wp, nblk, rpt, bpt, s, wq, v4, mb, strip};
		nx_pool_for(pool, g->cin, pad_part, &j);
		nx_pool_for(pool, rows * ((nblk + bpt - 1) / bpt), row_part, &j);
	}
	free(wk);
	free(xp);
#else
	(void)g, (void)x, (void)w, (void)b, (void)act, (void)y, (void)pool, (void)v4;
	nx_die("nx_conv_direct: no AVX2 build; nx_conv_direct_fits said no");
#endif
}

void nx_conv_direct(const conv_geom *g, const float *x, const float *w, const float *b,
		    const nx_act *act, float *y, nx_pool *pool)
{
	direct_run(g, x, w, b, act, y, pool, nx_cpu_v4());
}

int nx_conv_direct_probe(const int64_t xd[4], const int64_t wd[4], int64_t group, int64_t stride,
			 int64_t dil, int64_t pt, int64_t pl, int64_t oh, int64_t ow, const float *x,
			 const float *w, const float *b, bool v4, float *y)
{
	if (v4 ? !nx_cpu_v4() : !nx_cpu_v3())
		return -1;
	conv_geom g = {0};
	g.ns = 2;
	g.batch = xd[0], g.cin = xd[1], g.cout = wd[0], g.group = group;
	if (group < 1 || xd[1] % group || wd[0] % group || wd[1] != xd[1] / group)
		return -1;
	g.cg = wd[1], g.mg = wd[0] / group;
	g.in[0] = xd[2], g.in[1] = xd[3], g.out[0] = oh, g.out[1] = ow;
	g.ker[0] = wd[2], g.ker[1] = wd[3];
	for (int d = 0; d < 2; d++)
		g.stride[d] = stride, g.dil[d] = dil;
	g.pad[0] = pt, g.pad[1] = pl;
	g.in_sp = xd[2] * xd[3], g.out_sp = oh * ow, g.ker_sp = wd[2] * wd[3];
	g.xcs = g.in_sp, g.xns = g.cin * g.in_sp, g.ycs = g.out_sp, g.yns = g.cout * g.out_sp;
	if (!nx_conv_direct_fits(&g))
		return -1;
	nx_act act = {0};
	direct_run(&g, x, w, b, &act, y, NULL, v4);
	return 0;
}
