/* kern_conv_shift.c — 2-d stride-1 convs with a kernel larger than 1x1 as
 * one GEMM per kernel tap over a zero-padded copy of the input, no im2col.
 *
 * With stride 1, output position (oy, ox) reads input (oy + ky*dy - pt,
 * ox + kx*dx - pl). Pad the input once to Hp x Wp (Hp = OH + (KH-1)*dy,
 * Wp = OW + (KW-1)*dx) and index outputs on a "wide" grid q = oy*Wp + ox:
 * tap (ky, kx) then reads padded element q + ky*dy*Wp + kx*dx, so for
 * every tap the operand is the padded image itself shifted by a constant,
 * a plain row-major [cg x N] matrix with leading dimension Hp*Wp. Each tap
 * is one cblas_sgemm, Y_wide += W_tap x Xp_shifted, accumulating in a tile
 * of the wide grid; the columns ox >= OW of each row are junk and are not
 * copied out. This skips writing and re-reading the im2col matrix (K = cg
 * * KH * KW rows: for det's 96->24 3x3 convs, 864 floats per output
 * position copied to do 24 multiply-adds per float), at the price of the
 * Wp/OW - 1 junk columns (1 % at 160 wide).
 *
 * Sums: each output is the bias plus, tap after tap (in ky, kx order),
 * the sgemm's sum over input channels, where im2col summed all cg*KH*KW
 * products in one sgemm: the same products, grouped differently (float
 * reassociation).
 *
 * Work is split over the pool by tiles of the wide grid of one (image,
 * group); each tile stays in L2 while its KH*KW sgemms add into it. The
 * tiles follow the shapes only, not the thread count, so the bits are the
 * same on any number of threads.
 */
#include <cblas.h>
#include <stdlib.h>
#include <string.h>

#include "kern_conv.h"
#include "nx_int.h"

/* Floats of the padded input a tile's sgemms read (its columns plus the
 * kernel's reach, times cg): about half an L2, the tile of Y the rest. */
#define TILE_BUDGET (1 << 17)

/* Below this many input channels per group each sgemm is too thin (K =
 * cg) to beat one im2col sgemm with K = cg*KH*KW. */
#define MIN_CG 16

/* Tiles of the wide grid at least (when each keeps 64 columns): enough
 * for the pool to balance up to 4 threads at two tiles each. */
#define MIN_TILES 8

bool nx_conv_shift_fits(const conv_geom *g)
{
	return g->ns == 2 && g->stride[0] == 1 && g->stride[1] == 1 && g->ker_sp > 1 &&
	       g->cg >= MIN_CG && g->out_sp > 0;
}

typedef struct shift_job {
	const conv_geom *g;
	const float *x;  /* this (image, group)'s cg input channels */
	float *xp;       /* [cg][Hp][Wp], zero-padded copy */
	const float *wk; /* [tap][mg][cg], this group's weights by tap */
	const float *b;  /* this group's mg biases, or NULL */
	const nx_act *act;
	float *y;        /* this (image, group)'s mg output channels */
	int64_t hp, wp, n, tile; /* padded sizes, wide-grid columns, per task */
} shift_job;

static void pad_part(void *ctx, int64_t lo, int64_t hi)
{
	shift_job *j = ctx;
	nx_conv_pad_planes(j->g, j->x, j->xp, j->hp, j->wp, lo, hi);
}

static void tile_part(void *ctx, int64_t lo, int64_t hi)
{
	shift_job *j = ctx;
	const conv_geom *g = j->g;
	int64_t mg = g->mg, cg = g->cg, KW = g->ker[1], OW = g->out[1];
	int64_t plane = j->hp * j->wp;
	float *c = nx_xmalloc((size_t)(mg * j->tile) * sizeof *c); /* freed below */
	for (int64_t task = lo; task < hi; task++) {
		int64_t q0 = task * j->tile, t = j->n - q0 < j->tile ? j->n - q0 : j->tile;
		/* the bias first, then every tap adds (beta = 1): no pass of
		 * OpenBLAS's own to zero C, none of ours to add the bias */
		for (int64_t m = 0; m < mg; m++) {
			float v = j->b ? j->b[m] : 0, *r = c + m * t;
			for (int64_t i = 0; i < t; i++)
				r[i] = v;
		}
		for (int64_t k = 0; k < g->ker_sp; k++) {
			int64_t off = (k / KW) * g->dil[0] * j->wp + (k % KW) * g->dil[1];
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)mg, (int)t,
				    (int)cg, 1.0f, j->wk + k * mg * cg, (int)cg, j->xp + q0 + off,
				    (int)plane, 1.0f, c, (int)t);
		}
		if (j->act->kind)
			for (int64_t m = 0; m < mg; m++)
				nx_act_apply(j->act, c + m * t, t);
		/* copy the wide rows' first OW columns out */
		for (int64_t q = q0; q < q0 + t;) {
			int64_t oy = q / j->wp, ox = q % j->wp;
			int64_t n = j->wp - ox < q0 + t - q ? j->wp - ox : q0 + t - q;
			if (ox < OW) {
				int64_t len = OW - ox < n ? OW - ox : n;
				for (int64_t m = 0; m < mg; m++)
					memcpy(j->y + m * g->ycs + oy * OW + ox, c + m * t + (q - q0),
					       (size_t)len * sizeof *c);
			}
			q += n;
		}
	}
	free(c);
}

void nx_conv_shift(const conv_geom *g, const float *x, const float *w, const float *b,
		   const nx_act *act, float *y, nx_pool *pool)
{
	int64_t mg = g->mg, cg = g->cg, ksp = g->ker_sp;
	int64_t hp = g->out[0] + (g->ker[0] - 1) * g->dil[0];
	int64_t wp = g->out[1] + (g->ker[1] - 1) * g->dil[1];
	int64_t n = (g->out[0] - 1) * wp + g->out[1];
	/* one tile's reads: cg rows of its columns plus the kernel's reach */
	int64_t reach = (g->ker[0] - 1) * g->dil[0] * wp + (g->ker[1] - 1) * g->dil[1];
	int64_t tile = TILE_BUDGET / cg - reach;
	/* at least MIN_TILES tiles, whatever the thread count: the tiles are
	 * the sgemm's blocks of C, and the bits must not follow the threads */
	if (tile > (n + MIN_TILES - 1) / MIN_TILES)
		tile = (n + MIN_TILES - 1) / MIN_TILES;
	if (tile < 64)
		tile = 64;
	if (tile > n)
		tile = n;
	float *xp = nx_xmalloc((size_t)(cg * hp * wp) * sizeof *xp);       /* freed below */
	float *wk = nx_xmalloc((size_t)(g->cout * cg * ksp) * sizeof *wk); /* freed below */
	/* wk[group][tap][m][c] from w[group*mg + m][c][tap] */
	for (int64_t gi = 0; gi < g->group; gi++)
		for (int64_t m = 0; m < mg; m++)
			for (int64_t ci = 0; ci < cg; ci++)
				for (int64_t k = 0; k < ksp; k++)
					wk[((gi * ksp + k) * mg + m) * cg + ci] =
						w[((gi * mg + m) * cg + ci) * ksp + k];
	for (int64_t img = 0; img < g->batch; img++)
		for (int64_t gi = 0; gi < g->group; gi++) {
			shift_job j = {g, x + img * g->xns + gi * cg * g->xcs, xp,
				       wk + gi * ksp * mg * cg, b ? b + gi * mg : NULL, act,
				       y + img * g->yns + gi * mg * g->ycs, hp, wp, n, tile};
			nx_pool_for(pool, cg, pad_part, &j);
			nx_pool_for(pool, (n + tile - 1) / tile, tile_part, &j);
		}
	free(wk);
	free(xp);
}
