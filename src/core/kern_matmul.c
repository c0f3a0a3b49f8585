/* kern_matmul.c — matmul (numpy semantics: 1-d operands, broadcast batch
 * dims) and gemm (transA/transB, alpha, beta, C broadcast to [M, N]), both on
 * cblas_sgemm. The work is split by shapes only, never by the thread count
 * (sgemm gives a block of C other bits than the whole product, so a split
 * that followed --threads would change the bits with it): one piece per
 * batch, or with fewer than MM_PIECES batches, each batch's rows (or
 * columns, when there are more of them) in blocks making about MM_PIECES
 * pieces; the pool runs the pieces, OpenBLAS single-threaded inside each
 * (interp.c). A matmul or gemm with attr `tile` goes tile by tile
 * (matmul_tile.c).
 */
#include <cblas.h>
#include <stdlib.h>
#include <string.h>

#include "nx_int.h"

typedef struct mm_job {
	const float *a, *b;
	float *y;
	int64_t m, n, k;
	bool ta, tb;
	float alpha, beta;
	int64_t lda, ldb;
	/* batches */
	int rank;                      /* batch rank of the output */
	int64_t bdims[NX_MAX_RANK];
	int64_t ast[NX_MAX_RANK], bst[NX_MAX_RANK]; /* batch strides in elements (0: broadcast) */
	int64_t yst[NX_MAX_RANK], ldc; /* C's batch strides and row stride (a tile: its whole's) */
	int64_t mblock, nblocks;       /* rows (cols) per task, tasks per batch */
	bool by_cols;                  /* blocks of columns of C, not rows */
} mm_job;

/* Pieces a product is split into when it has fewer batches (see above). */
#define MM_PIECES 4

static void mm_part(void *ctx, int64_t lo, int64_t hi)
{
	mm_job *j = ctx;
	for (int64_t task = lo; task < hi; task++) {
		int64_t blk = task % j->nblocks, bi = task / j->nblocks;
		int64_t aoff = 0, boff = 0, yoff = 0, rem = bi;
		for (int d = j->rank - 1; d >= 0; d--) {
			int64_t c = rem % j->bdims[d];
			rem /= j->bdims[d];
			aoff += c * j->ast[d];
			boff += c * j->bst[d];
			yoff += c * j->yst[d];
		}
		int64_t full = j->by_cols ? j->n : j->m, r0 = blk * j->mblock;
		int64_t cnt = full - r0 < j->mblock ? full - r0 : j->mblock;
		int64_t rows = j->by_cols ? j->m : cnt, cols = j->by_cols ? cnt : j->n;
		/* Row block r0 of op(A): rows of A, or columns when transposed;
		 * column block r0 of op(B): columns of B, or rows when transposed. */
		const float *a = j->a + aoff, *b = j->b + boff;
		float *y = j->y + yoff;
		if (j->by_cols)
			b += j->tb ? r0 * j->ldb : r0, y += r0;
		else
			a += j->ta ? r0 : r0 * j->lda, y += r0 * j->ldc;
		cblas_sgemm(CblasRowMajor, j->ta ? CblasTrans : CblasNoTrans,
			    j->tb ? CblasTrans : CblasNoTrans, (int)rows, (int)cols, (int)j->k,
			    j->alpha, a, (int)j->lda, b, (int)j->ldb, j->beta, y, (int)j->ldc);
	}
}

/* Tasks: one per batch when there are enough, else blocks (see above). */
static void mm_run(mm_job *j, int64_t nbatch, nx_pool *pool)
{
	bool small = j->m * j->n * j->k * nbatch < (1 << 19); /* as PAR_MACS in kern_conv.c */
	if (small)
		pool = NULL;
	j->by_cols = j->n > j->m;
	int64_t full = j->by_cols ? j->n : j->m;
	j->mblock = full;
	if (!small && nbatch < MM_PIECES && full >= 2 * MM_PIECES) {
		int64_t per = (MM_PIECES + nbatch - 1) / nbatch;
		j->mblock = (full + per - 1) / per;
	}
	j->nblocks = (full + j->mblock - 1) / j->mblock;
	nx_pool_for(pool, nbatch * j->nblocks, mm_part, j);
}

int nx_kern_matmul(nx_kern *k)
{
	int tiled = nx_attr_get(k->g, k->op, "tile") ? nx_kern_matmul_tiles(k) : 1;
	if (tiled <= 0)
		return tiled;
	const nx_tensor *a = &k->in[0], *b = &k->in[1];
	nx_tensor *y = &k->out[0];
	if (a->type.dtype != NX_F32 || b->type.dtype != NX_F32)
		return nx_kern_fail(k, "operands are %s and %s; the interpreter multiplies floats",
				    nx_dtype_name(a->type.dtype), nx_dtype_name(b->type.dtype));
	int ra = a->type.rank, rb = b->type.rank;
	if (ra < 1 || rb < 1)
		return nx_kern_fail(k, "matmul of a scalar");
	int64_t m = ra == 1 ? 1 : a->type.dims[ra - 2], ka = a->type.dims[ra - 1];
	int64_t kb = rb == 1 ? b->type.dims[0] : b->type.dims[rb - 2];
	int64_t n = rb == 1 ? 1 : b->type.dims[rb - 1];
	if (ka != kb)
		return nx_kern_fail(k, "inner dims differ: %lld and %lld", (long long)ka, (long long)kb);
	int bra = ra > 2 ? ra - 2 : 0, brb = rb > 2 ? rb - 2 : 0;
	int br = bra > brb ? bra : brb;
	mm_job j = {a->data, b->data, y->data, m, n, ka, false, false, 1.0f, 0.0f, ka, n, br,
		    {0}, {0}, {0}, {0}, n, 0, 0, false};
	int64_t sa = m * ka, sb = ka * n, sy = m * n, nbatch = 1;
	for (int d = br - 1; d >= 0; d--) {
		int da = d - (br - bra), db = d - (br - brb);
		int64_t na = da >= 0 ? a->type.dims[da] : 1, nb = db >= 0 ? b->type.dims[db] : 1;
		if (na != nb && na != 1 && nb != 1)
			return nx_kern_fail(k, "batch dims %lld and %lld do not broadcast",
					    (long long)na, (long long)nb);
		j.bdims[d] = na > nb ? na : nb;
		j.ast[d] = na == 1 ? 0 : sa;
		j.bst[d] = nb == 1 ? 0 : sb;
		j.yst[d] = sy;
		sa *= na;
		sb *= nb;
		sy *= j.bdims[d];
		nbatch *= j.bdims[d];
	}
	if (nbatch * m * n != nx_tensor_numel(y))
		return nx_kern_fail(k, "the result type does not hold %lld x %lld x %lld elements",
				    (long long)nbatch, (long long)m, (long long)n);
	/* A shared B and a batch of A that is contiguous: one tall GEMM. */
	bool a_full = true;
	for (int d = 0; d < br; d++)
		a_full &= j.ast[d] != 0 || j.bdims[d] == 1;
	if (brb == 0 && a_full && nbatch > 1) {
		j.m = nbatch * m;
		j.rank = 0;
		nbatch = 1;
	}
	mm_run(&j, nbatch, k->pool);
	return 0;
}

int nx_kern_gemm(nx_kern *k)
{
	int tiled = nx_attr_get(k->g, k->op, "tile") ? nx_kern_matmul_tiles(k) : 1;
	if (tiled <= 0)
		return tiled;
	nx_graph *g = k->g;
	const nx_tensor *a = &k->in[0], *b = &k->in[1];
	const nx_tensor *c = k->n_in > 2 && k->in[2].data ? &k->in[2] : NULL;
	nx_tensor *y = &k->out[0];
	if (a->type.rank != 2 || b->type.rank != 2)
		return nx_kern_fail(k, "gemm takes 2-d operands");
	if (a->type.dtype != NX_F32 || b->type.dtype != NX_F32 || (c && c->type.dtype != NX_F32))
		return nx_kern_fail(k, "the interpreter's gemm takes floats");
	bool ta = nx_attr_i(g, k->op, "transA", 0) != 0, tb = nx_attr_i(g, k->op, "transB", 0) != 0;
	float alpha = nx_attr_f(g, k->op, "alpha", 1.0f), beta = nx_attr_f(g, k->op, "beta", 1.0f);
	int64_t m = a->type.dims[ta ? 1 : 0], ka = a->type.dims[ta ? 0 : 1];
	int64_t kb = b->type.dims[tb ? 1 : 0], n = b->type.dims[tb ? 0 : 1];
	if (ka != kb)
		return nx_kern_fail(k, "inner dims differ: %lld and %lld", (long long)ka, (long long)kb);
	if (nx_tensor_numel(y) != m * n)
		return nx_kern_fail(k, "the result type does not hold %lld x %lld", (long long)m,
				    (long long)n);
	float *yd = y->data;
	if (c && beta != 0) {
		/* Y = beta * C broadcast to [M, N]; sgemm then adds A x B. */
		int rc = c->type.rank;
		int64_t cm = rc == 2 ? c->type.dims[0] : 1;
		int64_t cn = rc >= 1 ? c->type.dims[rc - 1] : 1;
		if (rc > 2 || (cm != 1 && cm != m) || (cn != 1 && cn != n))
			return nx_kern_fail(k, "C does not broadcast to [%lld, %lld]", (long long)m,
					    (long long)n);
		const float *cd = c->data;
		for (int64_t i = 0; i < m; i++)
			for (int64_t q = 0; q < n; q++)
				yd[i * n + q] = beta * cd[(cm == 1 ? 0 : i) * cn + (cn == 1 ? 0 : q)];
	}
	mm_job j = {a->data, b->data, yd, m, n, ka, ta, tb, alpha, c && beta != 0 ? 1.0f : 0.0f,
		    a->type.dims[1], b->type.dims[1], 0, {0}, {0}, {0}, {0}, n, 0, 0, false};
	mm_run(&j, 1, k->pool);
	return 0;
}

/* dims of t as (b, c, h, w): right-aligned, 1 in front */
static void mm_bchw(const nx_type *t, int64_t d[4])
{
	for (int q = 0; q < 4; q++)
		d[q] = q < 4 - t->rank ? 1 : t->dims[q - (4 - t->rank)];
}

/* elements between steps of bchw dim q of dense dims d */
static int64_t mm_stride(const int64_t d[4], int q)
{
	int64_t s = 1;
	for (int r = q + 1; r < 4; r++)
		s *= d[r];
	return s;
}

static int64_t mm_at(const int64_t d[4], const int64_t p[4])
{
	return ((p[0] * d[1] + p[1]) * d[2] + p[2]) * d[3] + p[3];
}

int nx_kern_matmul_tile_at(nx_kern *k, const int64_t r0[4], const int64_t rn[4],
			   const int64_t w0[][4], const int64_t wn[][4])
{
	nx_graph *g = k->g;
	bool gemm = nx_opp(g, k->op)->kind == NX_OP_GEMM;
	const nx_tensor *a = &k->in[0], *b = &k->in[1];
	const nx_tensor *c = gemm && k->n_in > 2 && k->in[2].data ? &k->in[2] : NULL;
	nx_tensor *y = &k->out[0];
	int ra = a->type.rank, rb = b->type.rank;
	if (a->type.dtype != NX_F32 || b->type.dtype != NX_F32 || y->type.dtype != NX_F32 ||
	    (c && (c->type.dtype != NX_F32 || c->type.rank > 2)) || ra < 2 || rb < 2 || ra > 4 ||
	    rb > 4 || y->type.rank > 4 || (gemm && (ra != 2 || rb != 2)))
		return 1;
	bool ta = gemm && nx_attr_i(g, k->op, "transA", 0) != 0;
	bool tb = gemm && nx_attr_i(g, k->op, "transB", 0) != 0;
	float alpha = gemm ? nx_attr_f(g, k->op, "alpha", 1.0f) : 1.0f;
	float beta = gemm ? nx_attr_f(g, k->op, "beta", 1.0f) : 0.0f;
	bool prefill = c && beta != 0;
	int64_t ad[4], bd[4], yd[4];
	mm_bchw(&a->type, ad);
	mm_bchw(&b->type, bd);
	mm_bchw(&y->type, yd);
	/* the gathered tile's shapes: its rows and columns, all of K */
	int64_t m = rn[2], n = rn[3], K = wn[0][ta ? 2 : 3];
	if (K != ad[ta ? 2 : 3] || wn[1][tb ? 3 : 2] != K || wn[0][ta ? 3 : 2] != m ||
	    wn[1][tb ? 2 : 3] != n)
		return 1;
	/* the job nx_kern_matmul / nx_kern_gemm builds for the gathered
	 * tile, its strides those of the whole tensors */
	int br = gemm ? 0 : (ra > rb ? ra : rb) - 2;
	mm_job j = {(const float *)a->data + mm_at(ad, w0[0]), (const float *)b->data + mm_at(bd, w0[1]),
		    (float *)y->data + mm_at(yd, r0), m, n, K, ta, tb, alpha, prefill ? 1.0f : 0.0f,
		    ad[3], bd[3], br, {0}, {0}, {0}, {0}, yd[3], 0, 0, false};
	int64_t nbatch = 1;
	bool a_full = true;
	for (int d = 0; d < br; d++) {
		int q = 2 - br + d;
		int64_t na = wn[0][q], nb = wn[1][q];
		if ((na != nb && na != 1 && nb != 1) || (na > nb ? na : nb) != rn[q])
			return 1;
		j.bdims[d] = rn[q];
		j.ast[d] = na == 1 ? 0 : mm_stride(ad, q);
		j.bst[d] = nb == 1 ? 0 : mm_stride(bd, q);
		j.yst[d] = mm_stride(yd, q);
		nbatch *= rn[q];
		a_full &= j.ast[d] != 0 || rn[q] == 1;
	}
	if (rb == 2 && a_full && nbatch > 1) {
		/* the gathered tile's one tall GEMM: in place only where the
		 * tile's rows of A and of the result lie one row stride apart
		 * across its batches */
		int64_t ea = m * j.lda, ey = m * j.ldc;
		for (int d = br - 1; d >= 0; d--) {
			if (j.bdims[d] > 1 && (j.ast[d] != ea || j.yst[d] != ey))
				return 1;
			ea *= j.bdims[d];
			ey *= j.bdims[d];
		}
		j.m = nbatch * m;
		j.rank = 0;
		nbatch = 1;
	}
	if (prefill) {
		/* the tile's part of beta * C broadcast to [M, N], as
		 * nx_kern_gemm fills its result before sgemm adds A x B */
		int64_t cd[4];
		mm_bchw(&c->type, cd);
		int rc = c->type.rank;
		int64_t cm = rc == 2 ? wn[2][2] : 1, cn = rc >= 1 ? wn[2][3] : 1;
		if ((cm != 1 && cm != m) || (cn != 1 && cn != n))
			return 1;
		const float *cw = (const float *)c->data + mm_at(cd, w0[2]);
		for (int64_t i = 0; i < m; i++)
			for (int64_t q = 0; q < n; q++)
				j.y[i * j.ldc + q] = beta * cw[(cm == 1 ? 0 : i) * cd[3] + (cn == 1 ? 0 : q)];
	}
	mm_run(&j, nbatch, k->pool);
	return 0;
}
