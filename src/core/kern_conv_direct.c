/* kern_conv_direct.c — dense 2-d stride-1 convs (3x3 and the like, group 1
 * or wide groups) by a direct AVX2+FMA micro-kernel: no GEMM, no packing
 * of the input, the sums held in registers from the bias to the store.
 *
 * Why: det's 96->24 3x3 convs at 160x160 and 80x80 went through the
 * shifted GEMM (kern_conv_shift.c): one cblas_sgemm per tap, each packing
 * its [cg x tile] operand again and reading and writing the [mg x tile]
 * accumulator tile again, nine times. Here each output is read from the
 * input where it lies (a zero-padded copy, made once per conv) and summed
 * over every (channel, tap) before it is stored once.
 *
 * The register tile is MB output channels x V vectors of 8 consecutive
 * output columns of one output row (6 x 2: 12 accumulators, 16 columns;
 * det's 160- and 80-wide rows split into 16-column strips exactly, and
 * its 24 output channels into 6-channel blocks). For each (input channel,
 * tap) the kernel loads V vectors of input and broadcasts MB weights from
 * a packed copy [block][c][tap][MB], then does MB x V fused multiply-adds.
 * The input stays in the model's NCHW layout (a channel-blocked layout
 * would have to be converted at each op's edge: the surrounding ops are
 * NCHW); the output rows are stored straight into NCHW. A strip past the
 * row's end computes junk columns over the next padded row (never
 * stored), and a block past the last channel computes with zero weights
 * (never stored).
 *
 * Sums: bias, then over input channels, for each the taps in (ky, kx)
 * order, each product added with one rounding (FMA). Every output's sum
 * is formed in one register in that order whatever the split of the work,
 * so the bits do not depend on the thread count or on how rows are split
 * into tasks; the interpreter's tile-by-tile conv (conv_tile.c) and the
 * executor take this road for the same tile geometry alike.
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

#define MB 6          /* output channels per register tile */
#define V 2           /* vectors of 8 columns per register tile */
#define STRIP (V * 8) /* output columns per register tile */
/* Input channels per chunk (row_part): chunks of 16 or 32, to keep a
 * strip's input in L1 while the blocks read it, measured no faster on
 * det's convs than one chunk, so every conv up to 1024 channels is one. */
#define CB 1024

/* Which stride-1 convs take this road, measured against the shifted GEMM
 * on single convs (min of 20 runs, interleaved): 96->24 3x3 at 160x160
 * and 80x80, 16->16 at 80x80 faster; 96->24 at 40x40 even and at 20x20
 * slower (a 16-column strip computes 20 % and 60 % junk columns there);
 * 8->32 at 80x80 even (below 16 channels the old road is im2col); 96->64
 * at 80x80 no slower. With many output channels OpenBLAS's blocking is
 * left to do its work. */
#define MIN_CG 16
#define MIN_OW 64
#define MAX_MG 64
#define MAX_TAPS 49

bool nx_conv_direct_fits(const conv_geom *g)
{
#ifdef NX_SIMD_X86
	return nx_cpu_v3() && g->ns == 2 && g->stride[0] == 1 && g->stride[1] == 1 &&
	       g->ker_sp > 1 && g->ker_sp <= MAX_TAPS && g->cg >= MIN_CG && g->mg <= MAX_MG &&
	       g->out[1] >= MIN_OW && g->out_sp > 0;
#else
	(void)g;
	return false;
#endif
}

#ifdef NX_SIMD_X86

typedef struct direct_job {
	const conv_geom *g;
	const float *x;  /* this image's input, first channel of the group */
	float *xp;       /* [cg][hp][wp] zero-padded copy, plus slack */
	const float *wk; /* [group][block][c][tap][MB] packed weights */
	const float *b;  /* cout biases, or NULL */
	const nx_act *act;
	float *y;        /* this image's output */
	int64_t hp, wp, nblk, rows_per_task;
} direct_job;

/* Channels [lo, hi) of the (image, group) input into the padded planes. */
static void pad_part(void *ctx, int64_t lo, int64_t hi)
{
	direct_job *j = ctx;
	nx_conv_pad_planes(j->g, j->x, j->xp, j->hp, j->wp, lo, hi);
}

/* One register tile: out[m][0 .. STRIP) = bias[m] + sum over c, taps of
 * w * x, for MB channels, from padded input xs (the strip's first column
 * on output row oy's first padded row, channel 0). */
NX_TARGET_V3 static void tile_v3(const float *xs, int64_t plane, const int64_t *toff, int taps,
				 int64_t cg, const float *wk, const float (*acc)[STRIP],
				 float out[MB][STRIP])
{
	/* named accumulators, not an array: GCC kept an array on the stack
	 * and stored all twelve back after every tap */
#define ACC_INIT(m) __m256 a##m##0 = _mm256_loadu_ps(acc[m]), a##m##1 = _mm256_loadu_ps(acc[m] + 8);
#define ACC_FMA(m)                                                     \
	{                                                              \
		__m256 w = _mm256_broadcast_ss(wk + m);               \
		a##m##0 = _mm256_fmadd_ps(w, x0, a##m##0);             \
		a##m##1 = _mm256_fmadd_ps(w, x1, a##m##1);             \
	}
#define ACC_STORE(m)                                                   \
	_mm256_storeu_ps(out[m], a##m##0);                             \
	_mm256_storeu_ps(out[m] + 8, a##m##1);
	ACC_INIT(0) ACC_INIT(1) ACC_INIT(2) ACC_INIT(3) ACC_INIT(4) ACC_INIT(5)
	for (int64_t c = 0; c < cg; c++) {
		const float *xc = xs + c * plane;
		for (int t = 0; t < taps; t++) {
			const float *p = xc + toff[t];
			__m256 x0 = _mm256_loadu_ps(p), x1 = _mm256_loadu_ps(p + 8);
			ACC_FMA(0) ACC_FMA(1) ACC_FMA(2) ACC_FMA(3) ACC_FMA(4) ACC_FMA(5)
			wk += MB;
		}
	}
	ACC_STORE(0) ACC_STORE(1) ACC_STORE(2) ACC_STORE(3) ACC_STORE(4) ACC_STORE(5)
#undef ACC_INIT
#undef ACC_FMA
#undef ACC_STORE
}

/* Output rows [lo * rows_per_task, ...) of every group: for each row,
 * each strip of STRIP columns, each chunk of CB input channels, each block
 * of MB output channels: the blocks read the strip's input one after the
 * other while it is in cache. Between chunks the sums wait in acc (a float
 * stored and loaded back is the same float: the bits are those of one
 * pass over all channels). */
static void row_part(void *ctx, int64_t lo, int64_t hi)
{
	direct_job *j = ctx;
	const conv_geom *g = j->g;
	int64_t OH = g->out[0], OW = g->out[1], KW = g->ker[1], cg = g->cg, mg = g->mg;
	int64_t nblk = j->nblk, per = (OH + j->rows_per_task - 1) / j->rows_per_task;
	int taps = (int)g->ker_sp;
	int64_t plane = j->hp * j->wp, toff[MAX_TAPS];
	for (int t = 0; t < taps; t++)
		toff[t] = (t / KW) * g->dil[0] * j->wp + (t % KW) * g->dil[1];
	float acc[MAX_MG / MB + 1][MB][STRIP];
	for (int64_t task = lo; task < hi; task++) {
		int64_t gi = task / per, r0 = task % per * j->rows_per_task;
		int64_t r1 = r0 + j->rows_per_task < OH ? r0 + j->rows_per_task : OH;
		const float *xg = j->xp + gi * cg * plane;
		const float *wg = j->wk + gi * nblk * cg * taps * MB;
		float *yg = j->y + gi * mg * g->ycs;
		for (int64_t oy = r0; oy < r1; oy++) {
			for (int64_t ox = 0; ox < OW; ox += STRIP) {
				for (int64_t bl = 0; bl < nblk; bl++)
					for (int m = 0; m < MB; m++) {
						int64_t mm = bl * MB + m;
						float v = j->b && mm < mg ? j->b[gi * mg + mm] : 0;
						for (int i = 0; i < STRIP; i++)
							acc[bl][m][i] = v;
					}
				for (int64_t c0 = 0; c0 < cg; c0 += CB) {
					int64_t nc = cg - c0 < CB ? cg - c0 : CB;
					for (int64_t bl = 0; bl < nblk; bl++)
						tile_v3(xg + c0 * plane + oy * j->wp + ox, plane, toff,
							taps, nc, wg + (bl * cg + c0) * taps * MB,
							(const float(*)[STRIP])acc[bl], acc[bl]);
				}
				int64_t len = OW - ox < STRIP ? OW - ox : STRIP;
				for (int64_t m = 0; m < mg; m++)
					memcpy(yg + m * g->ycs + oy * OW + ox, acc[m / MB][m % MB],
					       (size_t)len * sizeof(float));
			}
			if (j->act->kind)
				for (int64_t m = 0; m < mg; m++)
					nx_act_apply(j->act, yg + m * g->ycs + oy * OW, OW);
		}
	}
}

#endif

void nx_conv_direct(const conv_geom *g, const float *x, const float *w, const float *b,
		    const nx_act *act, float *y, nx_pool *pool)
{
#ifdef NX_SIMD_X86
	int64_t cg = g->cg, mg = g->mg, taps = g->ker_sp, G = g->group;
	int64_t hp = g->out[0] + (g->ker[0] - 1) * g->dil[0];
	int64_t wp = g->out[1] + (g->ker[1] - 1) * g->dil[1];
	int64_t nblk = (mg + MB - 1) / MB;
	/* slack: the last strip of the last row reads up to STRIP - 1 columns
	 * past the plane's end */
	size_t nxp = (size_t)(g->cin * hp * wp + STRIP);
	float *xp = nx_xmalloc(nxp * sizeof *xp); /* freed below */
	memset(xp + nxp - STRIP, 0, STRIP * sizeof *xp);
	/* wk[gi][bl][c][tap][m]; channels past mg get zero weights */
	float *wk = nx_xcalloc((size_t)(G * nblk * cg * taps * MB), sizeof *wk); /* freed below */
	for (int64_t gi = 0; gi < G; gi++)
		for (int64_t m = 0; m < mg; m++)
			for (int64_t c = 0; c < cg; c++)
				for (int64_t t = 0; t < taps; t++)
					wk[((((gi * nblk + m / MB) * cg + c) * taps + t) * MB) + m % MB] =
						w[((gi * mg + m) * cg + c) * taps + t];
	/* two output rows per task: 80 pieces for det's 160-row convs, for the
	 * pool to balance; the split changes no bits */
	int64_t rpt = 2;
	for (int64_t img = 0; img < g->batch; img++) {
		direct_job j = {g, x + img * g->xns, xp, wk, b, act, y + img * g->yns,
				hp, wp, nblk, rpt};
		nx_pool_for(pool, g->cin, pad_part, &j);
		nx_pool_for(pool, G * ((g->out[0] + rpt - 1) / rpt), row_part, &j);
	}
	free(wk);
	free(xp);
#else
	(void)g, (void)x, (void)w, (void)b, (void)act, (void)y, (void)pool;
	nx_die("nx_conv_direct: no AVX2 build; nx_conv_direct_fits said no");
#endif
}
