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
		int64_t aoff = 0, boff = 0, rem = bi;
		for (int d = j->rank - 1; d >= 0; d--) {
			int64_t c = rem % j->bdims[d];
			rem /= j->bdims[d];
			aoff += c * j->ast[d];
			boff += c * j->bst[d];
		}
		int64_t full = j->by_cols ? j->n : j->m, r0 = blk * j->mblock;
		int64_t cnt = full - r0 < j->mblock ? full - r0 : j->mblock;
		int64_t rows = j->by_cols ? j->m : cnt, cols = j->by_cols ? cnt : j->n;
		/* Row block r0 of op(A): rows of A, or columns when transposed;
		 * column block r0 of op(B): columns of B, or rows when transposed. */
		const float *a = j->a + aoff, *b = j->b + boff;
		float *y = j->y + bi * j->m * j->n;
		if (j->by_cols)
			b += j->tb ? r0 * j->ldb : r0, y += r0;
		else
			a += j->ta ? r0 : r0 * j->lda, y += r0 * j->n;
		cblas_sgemm(CblasRowMajor, j->ta ? CblasTrans : CblasNoTrans,
			    j->tb ? CblasTrans : CblasNoTrans, (int)rows, (int)cols, (int)j->k,
			    j->alpha, a, (int)j->lda, b, (int)j->ldb, j->beta, y, (int)j->n);
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
		    {0}, {0}, {0}, 0, 0, false};
	int64_t sa = m * ka, sb = ka * n, nbatch = 1;
	for (int d = br - 1; d >= 0; d--) {
		int da = d - (br - bra), db = d - (br - brb);
		int64_t na = da >= 0 ? a->type.dims[da] : 1, nb = db >= 0 ? b->type.dims[db] : 1;
		if (na != nb && na != 1 && nb != 1)
			return nx_kern_fail(k, "batch dims %lld and %lld do not broadcast",
					    (long long)na, (long long)nb);
		j.bdims[d] = na > nb ? na : nb;
		j.ast[d] = na == 1 ? 0 : sa;
		j.bst[d] = nb == 1 ? 0 : sb;
		sa *= na;
		sb *= nb;
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
		    a->type.dims[1], b->type.dims[1], 0, {0}, {0}, {0}, 0, 0, false};
	mm_run(&j, 1, k->pool);
	return 0;
}
