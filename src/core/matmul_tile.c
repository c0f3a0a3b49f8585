/* matmul_tile.c — a matmul or gemm that carries attr `tile` is computed
 * tile by tile, by the interpreter here and by the NE back end (one task
 * per tile, tile_kinds.c), so the two agree bit for bit.
 *
 * Why: OpenBLAS's sgemm does not give a block of C the bits the same block
 * has in the whole product (conv_tile.c says how often), so a tile task
 * cannot be checked against the whole op. Both sides instead run the
 * kernel on each tile as a product of its own: the tile's rows of op(A),
 * its columns of op(B), all of K, and for gemm the part of C that
 * broadcasts onto the tile. The kernel's work split depends on shapes only
 * (kern_matmul.c), so the tile has the same bits whatever threads either
 * side runs.
 *
 * The interpreter reads those operands where they lie and writes the
 * tile's result in place (nx_kern_matmul_tile_at: the job the kernel
 * builds for the gathered tile, with the whole tensors' leading dims and
 * batch strides): cblas_sgemm packs its operands from any stride into the
 * same panels, so the bits are those of the gathered tile, and the copies
 * in and out (1.5 % of PaddleOCR rec's samples) are gone. A tile whose
 * gathered product is one tall GEMM over batches whose rows do not lie one
 * stride apart in the whole tensors is gathered, as before
 * (nx_kern_matmul_tiles_how).
 *
 * The split rule (nx_matmul_tiling) depends on the shapes and attrs only:
 * the tile attr's extents per dim of the result (< 1 or >= the dim: whole),
 * any dim of a result of rank <= 4 (batch dims, M, N), float operands of
 * rank >= 2 and no int8 weights. Tiles are visited in row-major order of
 * their (b, c, h, w) index, each whole, one after the other; each uses the
 * pool inside.
 */
#include <stdlib.h>
#include <string.h>

#include "nx_int.h"

/* dims of t as (b, c, h, w): right-aligned, 1 in front */
static void bchw(const nx_type *t, int64_t d[4])
{
	for (int q = 0; q < 4; q++)
		d[q] = 1;
	for (int k = 0; k < t->rank && t->rank <= 4; k++)
		d[4 - t->rank + k] = t->dims[k];
}

const char *nx_matmul_tiling(const nx_graph *g, uint32_t o, int64_t nt[4], int64_t te[4])
{
	const nx_op *op = nx_opp(g, o);
	for (int q = 0; q < 4; q++)
		nt[q] = 1, te[q] = 0;
	if ((op->kind != NX_OP_MATMUL && op->kind != NX_OP_GEMM) || op->n_out != 1 ||
	    op->n_in < 2)
		return "not a matmul or gemm";
	const nx_type *y = nx_vtype(g, nx_result(g, o, 0));
	int64_t yd[4];
	bchw(y, yd);
	for (int q = 0; q < 4; q++)
		te[q] = yd[q];
	uint32_t n;
	const int64_t *ext = nx_attr_ints(g, o, "tile", &n);
	if (!ext)
		return "no tile attribute";
	if (y->rank > 4 || y->rank < 2 || n != (uint32_t)y->rank)
		return "matmul tiles are built for results of rank 2 to 4, one extent per dim";
	for (uint32_t i = 0; i < op->n_in; i++) {
		uint32_t v = nx_operand(g, o, i);
		if (v == NX_NONE)
			continue;
		const nx_type *t = nx_vtype(g, v);
		if (t->dtype != NX_F32)
			return "matmul tiles are built for float operands";
		if (i < 2 && (t->rank < 2 || t->rank > 4))
			return "matmul tiles are built for operands of rank 2 to 4";
	}
	if (y->dtype != NX_F32 || nx_attr_get(g, o, "w_scale"))
		return "matmul tiles are not built for int8 weights";
	for (int k = 0; k < y->rank; k++) {
		int q = 4 - y->rank + k;
		te[q] = ext[k] < 1 || ext[k] > yd[q] ? yd[q] : ext[k];
		nt[q] = te[q] ? (yd[q] + te[q] - 1) / te[q] : 1;
	}
	return NULL;
}

void nx_matmul_tile_windows(const nx_graph *g, uint32_t o, const int64_t r0[4],
			    const int64_t rn[4], int64_t w0[][4], int64_t wn[][4])
{
	const nx_op *op = nx_opp(g, o);
	int64_t yd[4];
	bchw(nx_vtype(g, nx_result(g, o, 0)), yd);
	bool gemm = op->kind == NX_OP_GEMM;
	bool ta = gemm && nx_attr_i(g, o, "transA", 0), tb = gemm && nx_attr_i(g, o, "transB", 0);
	for (uint32_t i = 0; i < op->n_in && i < 3; i++) {
		uint32_t v = nx_operand(g, o, i);
		int64_t d[4] = {1, 1, 1, 1};
		if (v != NX_NONE)
			bchw(nx_vtype(g, v), d);
		for (int q = 0; q < 4; q++)
			w0[i][q] = 0, wn[i][q] = d[q];
		if (v == NX_NONE)
			continue;
		/* batch dims: the tile's own, unless broadcast (1 in the operand) */
		for (int q = 0; q < 2; q++)
			if (d[q] == yd[q])
				w0[i][q] = r0[q], wn[i][q] = rn[q];
		/* which operand dim holds the result's rows (M) and columns (N) */
		int mq = -1, nq = -1;
		if (i == 0)
			mq = ta ? 3 : 2;
		else if (i == 1)
			nq = tb ? 2 : 3;
		else if (d[2] == yd[2] || d[3] == yd[3]) /* gemm's C where it is not broadcast */
			mq = d[2] == yd[2] ? 2 : -1, nq = d[3] == yd[3] ? 3 : -1;
		if (mq >= 0)
			w0[i][mq] = r0[2], wn[i][mq] = rn[2];
		if (nq >= 0)
			w0[i][nq] = r0[3], wn[i][nq] = rn[3];
	}
}

/* Copies window (w0, wn) of dense float tensor d at full to dense (to_win)
 * or back (!to_win). */
static void window(float *full, const int64_t d[4], const int64_t w0[4], const int64_t wn[4],
		   float *dense, bool to_win)
{
	size_t row = (size_t)wn[3] * sizeof(float);
	for (int64_t b = 0; b < wn[0]; b++)
		for (int64_t c = 0; c < wn[1]; c++)
			for (int64_t h = 0; h < wn[2]; h++) {
				float *f = full + (((w0[0] + b) * d[1] + w0[1] + c) * d[2] + w0[2] + h) *
							  d[3] + w0[3];
				float *q = dense + ((b * wn[1] + c) * wn[2] + h) * wn[3];
				if (to_win)
					memcpy(q, f, row);
				else
					memcpy(f, q, row);
			}
}

static bool whole(const int64_t d[4], const int64_t w0[4], const int64_t wn[4])
{
	for (int q = 0; q < 4; q++)
		if (w0[q] || wn[q] != d[q])
			return false;
	return true;
}

int nx_kern_matmul_tiles(nx_kern *k)
{
	return nx_kern_matmul_tiles_how(k, false, NULL);
}

int nx_kern_matmul_tiles_how(nx_kern *k, bool gather, int64_t *n_inplace)
{
	nx_graph *g = k->g;
	int64_t nt[4], te[4];
	if (nx_matmul_tiling(g, k->op, nt, te) || nt[0] * nt[1] * nt[2] * nt[3] <= 1)
		return 1;
	uint32_t nin = k->n_in < 3 ? k->n_in : 3;
	/* the gathered tiles' op: the attributes without the tile, as the
	 * executor's tile tasks; built at the first tile that needs it, once
	 * for all tiles (the kernels read shapes from the tensors), freed
	 * below */
	uint32_t so = 0;
	nx_graph *s = NULL;
	if (n_inplace)
		*n_inplace = 0;
	nx_tensor *y = &k->out[0];
	int64_t yd[4], od[3][4];
	bchw(&y->type, yd);
	for (uint32_t i = 0; i < nin; i++)
		bchw(&k->in[i].type, od[i]);
	int rc = 0;
	for (int64_t a = 0; a < nt[0] && !rc; a++)
		for (int64_t b = 0; b < nt[1] && !rc; b++)
			for (int64_t c = 0; c < nt[2] && !rc; c++)
				for (int64_t e = 0; e < nt[3] && !rc; e++) {
					int64_t r0[4] = {a * te[0], b * te[1], c * te[2], e * te[3]}, rn[4];
					for (int q = 0; q < 4; q++)
						rn[q] = r0[q] + te[q] > yd[q] ? yd[q] - r0[q] : te[q];
					int64_t w0[3][4], wn[3][4];
					nx_matmul_tile_windows(g, k->op, r0, rn, w0, wn);
					/* in place: sgemm reads the tile's rows and
					 * columns at the whole tensors' strides and
					 * writes its result there, packing them into
					 * the panels it packs the gathered tile into */
					rc = gather ? 1 : nx_kern_matmul_tile_at(k, r0, rn, (const int64_t(*)[4])w0,
									    (const int64_t(*)[4])wn);
					if (rc == 0 && n_inplace)
						++*n_inplace;
					if (rc <= 0)
						continue;
					rc = 0;
					if (!s && !(s = nx_tile_graph(g, k->op, k->in, nin, k->err, &so)))
						return -1;
					nx_tensor tin[3], tout;
					float *buf[4] = {NULL, NULL, NULL, NULL}; /* freed below */
					memset(tin, 0, sizeof tin);
					for (uint32_t i = 0; i < nin; i++) {
						if (!k->in[i].data)
							continue;
						tin[i].type = k->in[i].type;
						tin[i].type.layout = NX_LAYOUT_PLAIN;
						int r = tin[i].type.rank;
						for (int q = 4 - r; q < 4; q++)
							tin[i].type.dims[q - (4 - r)] = wn[i][q];
						if (whole(od[i], w0[i], wn[i])) {
							tin[i].data = k->in[i].data;
							continue;
						}
						buf[i] = nx_xmalloc((size_t)(wn[i][0] * wn[i][1] * wn[i][2] *
									     wn[i][3]) * sizeof(float));
						window(k->in[i].data, od[i], w0[i], wn[i], buf[i], true);
						tin[i].data = buf[i];
					}
					tout.type = y->type;
					tout.type.layout = NX_LAYOUT_PLAIN;
					for (int q = 4 - y->type.rank; q < 4; q++)
						tout.type.dims[q - (4 - y->type.rank)] = rn[q];
					buf[3] = nx_xmalloc((size_t)(rn[0] * rn[1] * rn[2] * rn[3]) *
							    sizeof(float));
					tout.data = buf[3];
					nx_kern sub = {s, so, tin, nin, &tout, 1, k->pool, k->err, false, NULL, 0, false};
					rc = nx_opp(g, k->op)->kind == NX_OP_GEMM ? nx_kern_gemm(&sub)
										  : nx_kern_matmul(&sub);
					if (!rc)
						window(y->data, yd, r0, rn, buf[3], false);
					for (int i = 0; i < 4; i++)
						free(buf[i]);
				}
	/* neither kernel applies a fused act itself: the driver does */
	k->act_done = false;
	nx_graph_free(s);
	return rc;
}

int nx_eval_matmul_tiles(nx_graph *g, uint32_t o, const nx_tensor *in, uint32_t n_in,
			 nx_tensor *y, nx_pool *pool, bool gather, int64_t *n_inplace, nx_err *err)
{
	int kind = nx_opp(g, o)->kind;
	if ((kind != NX_OP_MATMUL && kind != NX_OP_GEMM) || n_in < 2)
		return nx_infer_fail(g, o, err, "not a matmul or gemm");
	/* OpenBLAS at one thread, as nx_run keeps it: at more, its own split
	 * of a tile's product gives other bits */
	nx_blas_one_thread();
	nx_kern k = {g, o, in, n_in, y, 1, pool, err, false, NULL, 0, false};
	int rc = nx_kern_matmul_tiles_how(&k, gather, n_inplace);
	if (rc > 0) {
		int64_t nt[4], te[4];
		const char *why = nx_matmul_tiling(g, o, nt, te);
		return nx_infer_fail(g, o, err, "not split by tiles: %s", why ? why : "one tile");
	}
	return rc;
}
