/* conv_tile.c — a conv that carries attr `tile` is computed tile by tile,
 * by the interpreter here and by the NE back end (one task per tile), so
 * the two agree bit for bit.
 *
 * Why the interpreter follows the tiles: OpenBLAS's sgemm does not give an
 * element of C the same bits when C is computed in smaller blocks; on the
 * build machine (OpenBLAS 0.3.21, AMD EPYC) a row or column block of C
 * differed from the same block of the whole product in about half of the
 * cases tried, even at K = 9. So a tile cannot be checked against the whole
 * conv; both sides instead compute each tile as a conv of its own: the
 * input window the tile reads (the halo rows, and for a depthwise conv its
 * channels), with the tile's own pads, the weights and bias of its output
 * channels. The kernel then sees the same operands and attributes on
 * both sides, and its work split depends only on them (never on the
 * thread count), so the tiles may run on any threads: here they run in
 * parallel, one tile per pool job piece, each on one thread, except the
 * tiles left over when the threads cannot all get as many, which run one
 * by one split over the pool by their kernel.
 *
 * Which convs split (nx_conv_tiling) is decided here once for both: 2-d,
 * explicit pads, group 1 or depthwise, not dilated, float weights, tiles by
 * output channels and rows only. Any other conv with a tile attr is
 * computed whole by both.
 */
#include <stdlib.h>
#include <string.h>

#include "kern_conv.h"
#include "nx_int.h"

const char *nx_conv_tiling(const nx_graph *g, uint32_t o, int64_t nt[4], int64_t te[4])
{
	uint32_t n = 0;
	const int64_t *ext = nx_attr_ints(g, o, "tile", &n);
	return nx_conv_tiling_ext(g, o, ext, n, nt, te);
}

const char *nx_conv_tiling_ext(const nx_graph *g, uint32_t o, const int64_t *ext, uint32_t n,
			       int64_t nt[4], int64_t te[4])
{
	const nx_op *op = nx_opp(g, o);
	for (int k = 0; k < 4; k++)
		nt[k] = 1, te[k] = 0;
	if (op->kind != NX_OP_CONV || op->n_out != 1 || op->n_in < 2)
		return "not a conv";
	const nx_type *y = nx_vtype(g, nx_result(g, o, 0));
	const nx_type *x = nx_vtype(g, nx_operand(g, o, 0));
	const nx_type *w = nx_vtype(g, nx_operand(g, o, 1));
	for (int k = 0; k < 4 && y->rank == 4; k++)
		te[k] = y->dims[k];
	if (!ext)
		return "no tile attribute";
	if (y->rank != 4 || x->rank != 4 || w->rank != 4 || n != 4)
		return "not a 2-d conv";
	uint32_t np;
	nx_attr_ints(g, o, "pads", &np);
	if (strcmp(nx_attr_s(g, o, "auto_pad", "NOTSET"), "NOTSET") || (np && np != 4))
		return "not built for auto_pad";
	int64_t grp = nx_attr_i(g, o, "group", 1);
	if (grp != 1 && !(grp == x->dims[1] && grp == y->dims[1]))
		return "not built for grouped (not depthwise) conv";
	if (nx_attr_get(g, o, "w_scale") || w->dtype != NX_F32)
		return "not built for int8 weights";
	const int64_t *dl = nx_attr_ints(g, o, "dilations", &np);
	if (dl && np == 2 && (dl[0] != 1 || dl[1] != 1))
		return "not built for dilated conv";
	int64_t cnt[4], ex[4];
	for (int k = 0; k < 4; k++) {
		ex[k] = ext[k] < 1 || ext[k] > y->dims[k] ? y->dims[k] : ext[k];
		cnt[k] = ex[k] ? (y->dims[k] + ex[k] - 1) / ex[k] : 1;
	}
	if (cnt[0] > 1 || cnt[3] > 1)
		return "batch or column tiles of conv are not built";
	for (int k = 0; k < 4; k++)
		nt[k] = cnt[k], te[k] = ex[k];
	return NULL;
}

void nx_conv_tile_geom(const nx_graph *g, uint32_t o, const int64_t r0[4], const int64_t rn[4],
		       int64_t in0[4], int64_t inn[4], int64_t pads[4], int64_t *group)
{
	const nx_type *x = nx_vtype(g, nx_operand(g, o, 0));
	uint32_t n;
	const int64_t *st = nx_attr_ints(g, o, "strides", &n);
	int64_t sh = st && n == 2 ? st[0] : 1;
	const int64_t *pd = nx_attr_ints(g, o, "pads", &n);
	int64_t pt = pd && n == 4 ? pd[0] : 0, pl = pd && n == 4 ? pd[1] : 0;
	int64_t pr = pd && n == 4 ? pd[3] : 0;
	int64_t kh = nx_vtype(g, nx_operand(g, o, 1))->dims[2];
	int64_t grp = nx_attr_i(g, o, "group", 1), H = x->dims[2];
	/* input rows the output rows [r0, r0+rn) read, clipped to the image;
	 * what is clipped becomes the tile's own pad */
	int64_t lo = r0[2] * sh - pt, hi = (r0[2] + rn[2] - 1) * sh - pt + kh;
	int64_t clo = lo < 0 ? 0 : lo, chi = hi > H ? H : hi;
	for (int k = 0; k < 4; k++)
		in0[k] = 0, inn[k] = x->dims[k];
	in0[2] = clo, inn[2] = chi - clo;
	*group = 1;
	if (grp != 1) {
		in0[1] = r0[1], inn[1] = rn[1];
		*group = rn[1];
	}
	pads[0] = clo - lo, pads[1] = pl, pads[2] = hi - chi, pads[3] = pr;
}

/* Copies the window (w0, wn) of dense float tensor [d0,d1,d2,d3] at full to
 * dense (to_win) or back (!to_win), on the calling thread: the tiles run
 * in parallel, each copies its own window. */
static void window(float *full, const int64_t *dims, const int64_t *w0, const int64_t *wn,
		   float *dense, bool to_win)
{
	size_t row = (size_t)wn[3] * sizeof(float);
	for (int64_t b = 0; b < wn[0]; b++)
		for (int64_t c = 0; c < wn[1]; c++)
			for (int64_t h = 0; h < wn[2]; h++) {
				float *f = full + (((w0[0] + b) * dims[1] + w0[1] + c) * dims[2] +
						   w0[2] + h) * dims[3] + w0[3];
				float *d = dense + ((b * wn[1] + c) * wn[2] + h) * wn[3];
				if (to_win)
					memcpy(d, f, row);
				else
					memcpy(f, d, row);
			}
}

/* One tiled conv: the tiles' scratch ops (a graph each, the op's
 * attributes without the tile, pads and group set per tile, as the
 * executor's tile tasks; tiles with equal pads and group share one),
 * their errors and whether each applied the act. */
typedef struct tile_job {
	nx_kern *k;
	const int64_t *nt, *te;
	nx_graph **s;  /* by tile */
	uint32_t *so;
	nx_err *err;   /* by tile */
	int *rc;
	bool *act;
} tile_job;

static void tile_origin(const tile_job *j, int64_t i, int64_t r0[4], int64_t rn[4])
{
	const int64_t *yd = j->k->out[0].type.dims;
	int64_t tc = i / j->nt[2], th = i % j->nt[2];
	r0[0] = 0, r0[1] = tc * j->te[1], r0[2] = th * j->te[2], r0[3] = 0;
	for (int q = 0; q < 4; q++)
		rn[q] = q == 0 || q == 3 ? yd[q] : r0[q] + j->te[q] > yd[q] ? yd[q] - r0[q] : j->te[q];
}

/* Tile i, its kernel splitting its own work over pool (NULL: all on this
 * thread). The kernel's split depends on the shapes only, never on the
 * pool, so a tile has the same bits here as in the executor's tile task,
 * whatever threads either side runs and whether the tile ran whole on one
 * thread or split over several. */
static void tile_one(tile_job *j, int64_t i, nx_pool *pool)
{
	nx_kern *k = j->k;
	const nx_tensor *x = &k->in[0], *w = &k->in[1];
	const nx_tensor *bias = k->n_in > 2 && k->in[2].data ? &k->in[2] : NULL;
	nx_tensor *y = &k->out[0];
	const int64_t *yd = y->type.dims, *xd = x->type.dims;
	int64_t K = w->type.dims[1] * w->type.dims[2] * w->type.dims[3];
	int64_t r0[4], rn[4], in0[4], inn[4], pads[4], grp;
	tile_origin(j, i, r0, rn);
	nx_conv_tile_geom(k->g, k->op, r0, rn, in0, inn, pads, &grp);
	nx_tensor tin[3], tout;
	memset(tin, 0, sizeof tin);
	tin[0].type = x->type;
	memcpy(tin[0].type.dims, inn, sizeof inn);
	tin[0].type.layout = NX_LAYOUT_PLAIN;
	tin[1].type = w->type;
	tin[1].type.dims[0] = rn[1];
	tin[1].data = (float *)w->data + r0[1] * K;
	if (bias) {
		tin[2].type = bias->type;
		tin[2].type.dims[0] = rn[1];
		tin[2].data = (float *)bias->data + r0[1];
	}
	tout.type = y->type;
	memcpy(tout.type.dims, rn, sizeof rn);
	tout.type.layout = NX_LAYOUT_PLAIN;
	nx_kern sub = {j->s[i], j->so[i], tin, k->n_in < 3 ? k->n_in : 3, &tout, 1, pool,
		       &j->err[i], false, NULL, 0, false};
	float *xwin = NULL, *ywin = NULL; /* freed below */
	if (xd[0] == 1) {
		/* one image: the windows are whole rows of whole planes,
		 * read and written where they lie */
		tin[0].data = (float *)x->data + (in0[1] * xd[2] + in0[2]) * xd[3];
		tout.data = (float *)y->data + (r0[1] * yd[2] + r0[2]) * yd[3];
		j->rc[i] = nx_kern_conv_strided(&sub, xd[2] * xd[3], xd[1] * xd[2] * xd[3],
						yd[2] * yd[3], yd[1] * yd[2] * yd[3]);
	} else {
		xwin = nx_xmalloc((size_t)(inn[0] * inn[1] * inn[2] * inn[3]) * sizeof(float));
		window(x->data, xd, in0, inn, xwin, true);
		tin[0].data = xwin;
		ywin = nx_xmalloc((size_t)(rn[0] * rn[1] * rn[2] * rn[3]) * sizeof(float));
		tout.data = ywin;
		j->rc[i] = nx_kern_conv(&sub);
		if (!j->rc[i])
			window(y->data, yd, r0, rn, ywin, false);
	}
	j->act[i] = sub.act_done;
	free(xwin);
	free(ywin);
}

/* Tiles [lo, hi), each whole on this thread. */
static void tile_part(void *ctx, int64_t lo, int64_t hi)
{
	for (int64_t i = lo; i < hi; i++)
		tile_one(ctx, i, NULL);
}

int nx_kern_conv_tiles(nx_kern *k, const int64_t nt[4], const int64_t te[4])
{
	const nx_graph *g = k->g;
	const nx_tensor *x = &k->in[0], *w = &k->in[1];
	nx_tensor *y = &k->out[0];
	if (x->type.rank != 4 || w->type.rank != 4 || y->type.rank != 4 ||
	    x->type.dtype != NX_F32 || w->type.dtype != NX_F32 || y->type.dtype != NX_F32)
		return nx_kern_fail(k, "a tiled conv needs float 2-d operands");
	int64_t n = nt[1] * nt[2];
	/* all freed below */
	tile_job j = {k, nt, te, nx_xcalloc((size_t)n, sizeof *j.s), nx_xcalloc((size_t)n, sizeof *j.so),
		      nx_xcalloc((size_t)n, sizeof *j.err), nx_xcalloc((size_t)n, sizeof *j.rc),
		      nx_xcalloc((size_t)n, sizeof *j.act)};
	uint32_t nin = k->n_in < 3 ? k->n_in : 3;
	/* Tiles whose pads and group are equal share one scratch op (the
	 * kernels only read it): a band of row tiles has at most three (top,
	 * inner, bottom), where building one per tile per run cost det about
	 * 1.5 % of its samples. own[i]: tile i built j.s[i] and frees it. */
	int64_t (*key)[5] = nx_xcalloc((size_t)n, sizeof *key); /* freed below */
	bool *own = nx_xcalloc((size_t)n, sizeof *own);          /* freed below */
	for (int64_t i = 0; i < n; i++) {
		int64_t r0[4], rn[4], in0[4], inn[4];
		tile_origin(&j, i, r0, rn);
		nx_conv_tile_geom(g, k->op, r0, rn, in0, inn, key[i], &key[i][4]);
		int64_t e = 0;
		while (e < i && memcmp(key[e], key[i], sizeof key[i]))
			e++;
		if (e < i) {
			j.s[i] = j.s[e];
			j.so[i] = j.so[e];
			continue;
		}
		uint32_t so;
		nx_graph *s = nx_tile_graph(g, k->op, k->in, nin, k->err, &so);
		nx_attr_set_ints(s, so, "pads", key[i], 4);
		nx_attr_set_i(s, so, "group", key[i][4]);
		j.s[i] = s;
		j.so[i] = so;
		own[i] = true;
	}
	free(key);
	/* Tiles go to the threads whole while every thread gets as many; the
	 * n % threads left over then run one after another, each split over
	 * all threads by its kernel. Whole tiles alone left threads idle for
	 * a tile's time: det's two costliest convs have 7 tiles, and at 2
	 * threads one thread ran 4 while the other ran 3 and then waited. */
	int threads = nx_pool_threads(k->pool);
	int64_t whole = n - n % threads;
	nx_pool_for(k->pool, whole, tile_part, &j);
	for (int64_t i = whole; i < n; i++)
		tile_one(&j, i, k->pool);
	int rc = 0;
	for (int64_t i = 0; i < n; i++) {
		if (j.rc[i] && !rc) {
			*k->err = j.err[i];
			rc = -1;
		}
		k->act_done = j.act[i];
		if (own[i])
			nx_graph_free(j.s[i]);
	}
	free(own);
	free(j.s);
	free(j.so);
	free(j.err);
	free(j.rc);
	free(j.act);
	return rc;
}

int nx_eval_conv_window(nx_graph *g, uint32_t op, const nx_tensor *in, uint32_t n_in,
			nx_tensor *y, const int64_t st[4], nx_err *err)
{
	for (uint32_t i = 0; i < n_in; i++)
		if (in[i].data && in[i].type.dtype != NX_F32)
			return nx_infer_fail(g, op, err, "operand %u is %s; a conv on a window "
					     "runs on floats", i, nx_dtype_name(in[i].type.dtype));
	if (nx_opp(g, op)->kind != NX_OP_CONV || y->type.dtype != NX_F32 || n_in < 2)
		return nx_infer_fail(g, op, err, "not a float conv");
	nx_kern k = {g, op, in, n_in, y, 1, NULL, err, false, NULL, 0, false};
	if (nx_kern_conv_strided(&k, st[0], st[1], st[2], st[3]))
		return -1;
	if (!k.act_done && nx_attr_get(g, op, "act"))
		return nx_infer_fail(g, op, err, "the fused activation was not applied");
	return 0;
}
