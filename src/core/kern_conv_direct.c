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
 * channels x 2 vectors of 8 consecutive output positions (12
 * accumulators, 16-column strips); on AVX-512 (nx_cpu_v4), MB4 = 8
 * channels x 3 vectors of 16 (24 of the 32 zmm registers, 48-column
 * strips, with 2- and 1-vector copies for a run's last strip). For each
 * (input channel, tap) the tile loads its vectors of input and broadcasts
 * its weights from a packed copy [block][c][tap][mb], then does mb x
 * vectors fused multiply-adds. 8 x 3 is measured: on this Zen 5 a 12 x 2
 * zmm tile ran no faster than the AVX2 one (12 broadcasts per 24 FMAs
 * held it to half the FMA rate), 8 x 3 and 6 x 4 reach the FMA peak on
 * L1-resident data, and 8 splits det's 24 channels into whole blocks. The
 * input stays in the model's NCHW layout (a channel-blocked layout would
 * have to be converted at each op's edge: the surrounding ops are NCHW);
 * the output rows are stored straight into NCHW.
 *
 * Junk: a stride-1 task walks its rows as one run of the padded plane,
 * so a strip goes on from one row's end into the next row past the KW - 1
 * columns between them (computed, never stored: the tile's stores are
 * masked per row piece, AVX-512 masks or AVX2 maskstore); only a run's
 * last strip computes columns past its end. Before, each row ended in a
 * strip of its own (det's 20-column rows in 32-column strips). A block
 * past the last channel computes with zero weights (never stored).
 *
 * The copy stays: reading the interior in place and copying only the
 * border rows and columns was measured slower on det (docs/speed.md,
 * eighth session): the tiles ran about 30 % slower on the input's own
 * planes (det's 160x160, 25 pages apart) than on the fresh copy, and the
 * border columns' copy, two cache lines per input row, cost most of
 * what it saved.
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
 * the older roads (the shifted GEMM; im2col under 16 input channels). A baseline copy of this kernel would be
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
/* A tile sums over all of a group's input channels in one pass.
 * Chunks of 16-96 channels (to keep a strip's input and a block's
 * weights in L1 while the blocks read them, the sums waiting in memory
 * between chunks) were slower on det's 96->24 convs with the AVX2 tile and
 * with the AVX-512 one (docs/speed.md, seventh session). */

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
 * 0.23 ms, 480->60 even.
 *
 * MIN_CG and MAX_MG, re-measured in the seventh session with both tiles
 * (masked stores, spans across rows) against the older roads under
 * OpenBLAS's Haswell core (minimum of 3 interleaved processes of 40 runs
 * each, docs/speed.md): the direct kernel was faster or even on every
 * conv tried, AVX2 tile included, from 8->24 3x3 at 80x80 (im2col 0.29
 * ms, AVX2 tile 0.21, AVX-512 0.11) to 96->128 at 80x80 (shifted GEMM
 * 38.5, 19.0, 9.9) and 256->256 at 20x20 (9.8, 9.5, 2.8). So the road
 * takes 8+ input and up to 256 output channels per group. Fewer input
 * channels and more output channels were not measured and keep the
 * older roads; with an AVX-512 sgemm (OPENBLAS_CORETYPE unpinned) the
 * many-channel end may favour OpenBLAS again: not measured here.
 *
 * The rule is the same on AVX2 and AVX-512 CPUs, rows of 16 and more for
 * both, although the AVX2 tile alone was measured even at 40x40 and
 * slower at 20x20 (before the spans across rows): a conv's road decides
 * its bits (the shifted GEMM's are OpenBLAS's), and with one rule `nex
 * run` gives the same bits on every AVX2 machine whatever its vector
 * width (given OpenBLAS's core), as the golden tests and a result handed
 * from one machine to another expect. */
#define MIN_CG 8
#define MIN_OW 16
#define MAX_MG 256
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
	const float *bk; /* [group][block][mb] biases, zero where none */
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

/* A strip's columns lie in up to MAX_PIECES output rows (a 48-column
 * strip over rows of 16 plus junk spans at most four), a piece each. */
#define MAX_PIECES 6

/* One piece of a strip: its columns [lo, hi) go to the output at
 * channel plane + off + column (off folds in the row's place and the
 * junk columns the strip skipped before it). */
typedef struct piece {
	int64_t off;
	int lo, hi;
} piece;

/* What a register tile computes and where it stores it. */
typedef struct tile_args {
	const float *xs;     /* the strip's first input, channel 0 */
	int64_t plane;       /* floats per padded input channel */
	const int64_t *toff; /* [taps] tap offsets */
	int taps;
	int64_t cg;
	const float *wk;     /* the block's packed weights [c][tap][mb] */
	const float *bias;   /* [mb] the block's biases (zero where none) */
	float *y;            /* the block's first output channel plane */
	int64_t ycs;         /* floats per output channel plane */
	int mcount;          /* output channels of the block that exist */
	const piece *pc;
	int npc;
} tile_args;

/* One AVX2 register tile: for MB3 channels, the bias plus the sum over
 * c < cg, then taps, of w * x, over 16 columns from the padded input at
 * t->xs; stored by masked stores piece by piece, channels past mcount
 * and columns outside the pieces (junk) never. */
NX_TARGET_V3 static void tile_v3(const tile_args *t)
{
	const float *xs = t->xs, *wk = t->wk;
	const int64_t *toff = t->toff;
	int64_t plane = t->plane, cg = t->cg;
	int taps = t->taps;
	/* named accumulators, not an array: GCC kept an array on the stack
	 * and stored all twelve back after every tap */
#define ACC_INIT(m)                                                    \
	__m256 a##m##0 = _mm256_broadcast_ss(t->bias + m), a##m##1 = a##m##0;
#define ACC_FMA(m)                                                     \
	{                                                              \
		__m256 w = _mm256_broadcast_ss(wk + m);               \
		a##m##0 = _mm256_fmadd_ps(w, x0, a##m##0);             \
		a##m##1 = _mm256_fmadd_ps(w, x1, a##m##1);             \
	}
#define ACC_STORE(m)                                                   \
	if (m < t->mcount)                                             \
		for (int k = 0; k < t->npc; k++) {                     \
			float *o = t->y + m * t->ycs + t->pc[k].off;   \
			if (any[k][0])                                 \
				_mm256_maskstore_ps(o, mk[k][0], a##m##0); \
			if (any[k][1])                                 \
				_mm256_maskstore_ps(o + 8, mk[k][1], a##m##1); \
		}
	ACC_INIT(0) ACC_INIT(1) ACC_INIT(2) ACC_INIT(3) ACC_INIT(4) ACC_INIT(5)
	for (int64_t c = 0; c < cg; c++) {
		const float *xc = xs + c * plane;
		for (int tp = 0; tp < taps; tp++) {
			const float *p = xc + toff[tp];
			__m256 x0 = _mm256_loadu_ps(p), x1 = _mm256_loadu_ps(p + 8);
			ACC_FMA(0) ACC_FMA(1) ACC_FMA(2) ACC_FMA(3) ACC_FMA(4) ACC_FMA(5)
			wk += MB3;
		}
	}
	/* lane i of vector v is column 8 v + i: stored where lo <= it < hi */
	__m256i mk[MAX_PIECES][2];
	bool any[MAX_PIECES][2];
	for (int k = 0; k < t->npc; k++)
		for (int v = 0; v < 2; v++) {
			__m256i col = _mm256_add_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7),
						       _mm256_set1_epi32(8 * v));
			mk[k][v] = _mm256_and_si256(
				_mm256_cmpgt_epi32(col, _mm256_set1_epi32(t->pc[k].lo - 1)),
				_mm256_cmpgt_epi32(_mm256_set1_epi32(t->pc[k].hi), col));
			any[k][v] = t->pc[k].lo < 8 * v + 8 && t->pc[k].hi > 8 * v;
		}
	ACC_STORE(0) ACC_STORE(1) ACC_STORE(2) ACC_STORE(3) ACC_STORE(4) ACC_STORE(5)
#undef ACC_INIT
#undef ACC_FMA
#undef ACC_STORE
}

/* Lanes [lo, hi) of a 16-lane vector, clipped to it. */
static inline uint32_t lanes16(int lo, int hi)
{
	lo = lo < 0 ? 0 : lo > 16 ? 16 : lo;
	hi = hi < 0 ? 0 : hi > 16 ? 16 : hi;
	return hi > lo ? ((1u << hi) - 1) & ~((1u << lo) - 1) : 0;
}

/* The AVX-512 tile: as tile_v3 for MB4 channels and NV vectors of 16
 * columns. Each column's sum takes the same FMAs in the same order as in
 * tile_v3 (a lane of a 16-float FMA rounds as a lane of an 8-float one),
 * and a masked store writes the lanes it keeps as they are, so both give
 * the same bits. NV is a constant in each copy below: the loops unroll and
 * the MB4 x NV sums stay in registers. */
NX_TARGET_V4 static inline __attribute__((always_inline)) void
tile_v4_body(const tile_args *t, const int NV)
{
	const float *xs = t->xs, *wk = t->wk;
	const int64_t *toff = t->toff;
	int64_t plane = t->plane, cg = t->cg;
	int taps = t->taps;
	__m512 a[MB4][3], x[3];
#pragma GCC unroll 8
	for (int m = 0; m < MB4; m++)
#pragma GCC unroll 3
		for (int v = 0; v < NV; v++)
			a[m][v] = _mm512_set1_ps(t->bias[m]);
	for (int64_t c = 0; c < cg; c++) {
		const float *xc = xs + c * plane;
		for (int tp = 0; tp < taps; tp++) {
			const float *p = xc + toff[tp];
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
	__mmask16 mk[MAX_PIECES][3];
	for (int k = 0; k < t->npc; k++)
#pragma GCC unroll 3
		for (int v = 0; v < NV; v++)
			mk[k][v] = (__mmask16)lanes16(t->pc[k].lo - 16 * v, t->pc[k].hi - 16 * v);
#pragma GCC unroll 8
	for (int m = 0; m < MB4; m++)
		if (m < t->mcount)
			for (int k = 0; k < t->npc; k++) {
				float *o = t->y + m * t->ycs + t->pc[k].off;
#pragma GCC unroll 3
				for (int v = 0; v < NV; v++)
					if (mk[k][v])
						_mm512_mask_storeu_ps(o + 16 * v, mk[k][v], a[m][v]);
			}
}

NX_TARGET_V4 static void tile_v4_3(const tile_args *t)
{
	tile_v4_body(t, 3);
}

NX_TARGET_V4 static void tile_v4_2(const tile_args *t)
{
	tile_v4_body(t, 2);
}

NX_TARGET_V4 static void tile_v4_1(const tile_args *t)
{
	tile_v4_body(t, 1);
}

/* Columns of the next strip, rem columns of the run left: a whole strip,
 * or what is left; for the AVX-512 tile, a run that would end in a strip
 * of 16 or fewer columns after a whole one (a stride-2 row of 160: 48 48
 * 48 16) ends in two of up to 32 instead (48 48 32 32): the 16-column
 * tile runs at about two thirds of the speed of the wider ones (one
 * broadcast weight per FMA). Junk columns past the run are never
 * stored. */
static int64_t strip_len(int64_t rem, int strip)
{
	if (strip == STRIP4 && rem > STRIP4 && rem <= STRIP4 + 16)
		return 32;
	return rem < strip ? rem : strip;
}

/* Tasks [lo, hi): each a group, rows_per_task output rows and
 * blocks_per_task blocks of output channels. A task's positions are
 * walked as one run of the padded plane (see rows_per_task), strip after
 * strip; for each strip, each block of j->mb output channels: the blocks
 * read the strip's input one after the other while it is in cache. Each
 * tile stores its sums straight into the output rows the strip crosses,
 * one masked store per vector and row piece, the junk columns between
 * rows and past the run's end left out; a row's activation runs once the
 * strip that ends it is stored, over the whole row. */
static void row_part(void *ctx, int64_t lo, int64_t hi)
{
	direct_job *j = ctx;
	const conv_geom *g = j->g;
	int64_t OH = g->out[0], OW = g->out[1], KW = g->ker[1], cg = g->cg, mg = g->mg;
	int64_t nblk = j->nblk, per = (OH + j->rows_per_task - 1) / j->rows_per_task;
	int64_t bpt = j->blocks_per_task, nbt = (nblk + bpt - 1) / bpt;
	int taps = (int)g->ker_sp, mb = j->mb, strip = j->strip;
	int64_t s = j->s, wq = j->wq, plane = s * j->hp * wq, toff[MAX_TAPS];
	/* an output row's first position in the padded plane is oy * pitch */
	int64_t pitch = s * wq;
	for (int t = 0; t < taps; t++) {
		int64_t qx = (t % KW) * g->dil[1];
		toff[t] = qx % s * j->hp * wq + (t / KW) * g->dil[0] * wq + qx / s;
	}
	piece pc[MAX_PIECES];
	for (int64_t task = lo; task < hi; task++) {
		int64_t gi = task / (per * nbt), r0 = task / nbt % per * j->rows_per_task;
		int64_t r1 = r0 + j->rows_per_task < OH ? r0 + j->rows_per_task : OH;
		int64_t b0 = task % nbt * bpt, b1 = b0 + bpt < nblk ? b0 + bpt : nblk;
		int64_t m0 = b0 * mb, m1 = b1 * mb < mg ? b1 * mb : mg;
		const float *xg = j->xp + gi * cg * plane;
		const float *wg = j->wk + gi * nblk * cg * taps * mb;
		const float *bg = j->bk + gi * nblk * mb;
		float *yg = j->y + gi * mg * g->ycs;
		/* stride 1: rows [r0, r1) as one run; stride 2 (pitch two
		 * padded rows, half of it junk): a run per row */
		int64_t run_rows = s == 1 ? r1 - r0 : 1;
		for (int64_t ra = r0; ra < r1; ra += run_rows) {
			int64_t rb = ra + run_rows, end = (rb - 1) * pitch + OW;
			for (int64_t p = ra * pitch, len; p < end; p += len) {
				len = strip_len(end - p, strip);
				/* strip column i is row oy's column p + i - oy * pitch */
				int npc = 0;
				for (int64_t oy = p / pitch; oy * pitch < p + len; oy++) {
					int64_t x0 = p > oy * pitch ? p - oy * pitch : 0;
					int64_t x1 = p + len - oy * pitch < OW ? p + len - oy * pitch : OW;
					if (x0 < x1)
						pc[npc++] = (piece){oy * OW + p - oy * pitch,
								    (int)(oy * pitch + x0 - p),
								    (int)(oy * pitch + x1 - p)};
				}
				for (int64_t bl = b0; bl < b1; bl++) {
					int64_t mc = mg - bl * mb < mb ? mg - bl * mb : mb;
					tile_args t = {xg + p, plane, toff, taps, cg,
						       wg + bl * cg * taps * mb, bg + bl * mb,
						       yg + bl * mb * g->ycs, g->ycs, (int)mc, pc, npc};
					if (!j->v4)
						tile_v3(&t);
					else if (len > 32)
						tile_v4_3(&t);
					else if (len > 16)
						tile_v4_2(&t);
					else
						tile_v4_1(&t);
				}
				if (j->act->kind)
					for (int k = 0; k < npc; k++) {
						int64_t oy = (pc[k].off + pc[k].hi - 1) / OW;
						if (pc[k].off + pc[k].hi - oy * OW == OW)
							for (int64_t m = m0; m < m1; m++)
								nx_act_apply(j->act,
									     yg + m * g->ycs + oy * OW, OW);
					}
			}
		}
	}
}

/* Relative cost of the tiles a run of n positions takes, strip after
 * strip: the AVX2 tile 1 per strip; the AVX-512 copies of 3, 2 and 1
 * vectors 3, 2.15 and 1.5 (vectors over the GFLOP/s measured for each on
 * L1-resident data, 200, 186 and 133: the narrow copies broadcast more
 * weights per FMA). */
static double span_cost(int64_t n, int strip, bool v4)
{
	double c = 0;
	for (int64_t len; n > 0; n -= len) {
		len = strip_len(n, strip);
		c += !v4 ? 1 : len > 32 ? 3 : len > 16 ? 2.15 : 1.5;
	}
	return c;
}

/* Output rows per task. Stride 1: a task's rows are one run of the padded
 * plane (row pitch wq), so a strip carries on into the next row past the
 * KW - 1 junk columns between rows instead of ending each row in a short
 * strip (det's 20x20: a 32-column strip per 20-column row before, one
 * 48-column strip per two rows now). Of the row counts that leave 8 or
 * more tasks (for two threads to balance), the one whose tiles cost the
 * least (span_cost) per row; ties to the fewest rows. Stride 2: two rows,
 * each its own run (a stride-2 row pitch is two padded rows, half of it
 * junk). */
static int64_t rows_per_task(const conv_geom *g, int64_t wq, int strip, bool v4)
{
	int64_t OH = g->out[0], OW = g->out[1];
	if (g->stride[0] != 1)
		return 2;
	int64_t best = 1;
	double best_cost = 0;
	for (int64_t r = 1; r <= OH; r++) {
		int64_t tasks = g->group * ((OH + r - 1) / r);
		if (r > 1 && tasks < 8)
			break;
		/* whole tasks of r rows, and the last of what is left */
		int64_t whole = OH / r, rest = OH % r;
		double c = whole * span_cost((r - 1) * wq + OW, strip, v4);
		if (rest)
			c += span_cost((rest - 1) * wq + OW, strip, v4);
		if (r == 1 || c < best_cost * (1 - 1e-9))
			best = r, best_cost = c;
	}
	return best;
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
	/* bk[gi][bl][m]: the tiles start from the bias; zero past mg */
	float *bk = nx_xcalloc((size_t)(G * nblk * mb), sizeof *bk); /* freed below */
	for (int64_t gi = 0; gi < G && b; gi++)
		for (int64_t m = 0; m < mg; m++)
			bk[gi * nblk * mb + m] = b[gi * mg + m];
	/* rows per task: see rows_per_task; a conv of fewer than 4 row
	 * pieces (rec's 1x3 convs on one row) splits by blocks of output
	 * channels instead. The split depends on the geometry only and changes
	 * no bits. */
	int64_t rpt = rows_per_task(g, wq, strip, v4), rows = G * ((g->out[0] + rpt - 1) / rpt);
	int64_t bpt = rows < 4 ? 1 : nblk;
	for (int64_t img = 0; img < g->batch; img++) {
		direct_job j = {g, x + img * g->xns, xp, wk, bk, act, y + img * g->yns,
				hp, wp, nblk, rpt, bpt, s, wq, v4, mb, strip};
		nx_pool_for(pool, g->cin, pad_part, &j);
		nx_pool_for(pool, rows * ((nblk + bpt - 1) / bpt), row_part, &j);
	}
	free(bk);
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
