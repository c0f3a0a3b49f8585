/* kern_conv.c — conv and conv_transpose, any spatial rank, groups, strides,
 * dilations, explicit or automatic pads.
 *
 * conv takes one of five roads:
 *  - 1x1, stride 1, no pads: the image already is the GEMM operand, so
 *    Y_g = W_g x X_g goes straight to cblas_sgemm;
 *  - depthwise (one input channel per group), 2-d: a direct kernel over
 *    output rows (im2col would copy each input nine times to do nine
 *    multiply-adds per output); with stride 1 over a padded copy of each
 *    plane (kern_conv_dw.c);
 *  - 2-d, stride 1, wider than 1x1, few output channels per group, wide
 *    rows, on an AVX2+FMA CPU: a direct register-tiled kernel
 *    (kern_conv_direct.c);
 *  - 2-d, stride 1, wider than 1x1, at least 16 channels per group: one
 *    sgemm per kernel tap over a padded copy of the input
 *    (kern_conv_shift.c);
 *  - everything else: im2col by tiles of output positions, each tile small
 *    enough to stay in cache, then cblas_sgemm into that slice of Y.
 * The GEMM roads write the bias (or zero) into Y first and call sgemm with
 * beta = 1, so OpenBLAS neither zeroes C nor needs a bias pass after.
 * The work is split over the pool by (image, group, tile of output
 * positions) and OpenBLAS runs single-threaded inside each piece (interp.c
 * sets that), so the two never compete for the cores. The pieces follow
 * the shapes only, never the thread count: sgemm gives a block of C other
 * bits than the whole product, and the bits must not change with
 * --threads (nor between a tile the interpreter runs on one thread and
 * the executor on two). x and y may be windows of larger tensors (the
 * tiles of conv_tile.c): channels and images are xcs/xns and ycs/yns
 * floats apart.
 *
 * conv_transpose is the adjoint: col = W_g^T x X_g by cblas_sgemm, then
 * col2im scatters (adds) col into Y. Pieces go by output channel, or by
 * input tile when strides keep the kernel footprints from overlapping.
 */
#include <cblas.h>
#include <stdlib.h>
#include <string.h>

#include "kern_conv.h"
#include "nx_int.h"
#include "simd.h"

/* Floats of im2col buffer per tile (1 MB, about an L2): bigger tiles mean
 * fewer sgemm calls, each of which repacks the weights. */
#define COL_BUDGET (1 << 18)

/* Below this many multiply-adds (about 50-100 us on one core) a conv runs
 * on the calling thread: splitting it costs a wake-up and a join per op
 * and gains less than that (cls has ~50 convs this small). */
#define PAR_MACS (1 << 19)

/* The fixed split of a 1x1 conv (the GEMM Y = W x X read in place):
 * images below UNIT_SMALL positions go by UNIT_BLOCKS blocks of output
 * channels (a multiple of 16) when there are at least UNIT_MIN_CH, others
 * by UNIT_PIECES pieces of positions. Fixed by the shapes, so that the
 * bits do not follow the threads. Each block's sgemm packs all of X again
 * (OpenBLAS has no pack-once API), so the blocks are few: 8 blocks, as
 * until the eighth session, packed rec's inputs 8 times per conv
 * (sgemm_itcopy was 7.3 % of rec's samples at 1 thread), and 2 blocks
 * took about 1 ms off rec's 18 at 1 thread and 0.6 ms at 2. The price:
 * these convs use at most 2 threads on any machine. Splitting such a conv
 * by positions instead (each piece packs W again) measured as fast at 1
 * thread and slower at 2 (docs/speed.md). */
#define UNIT_SMALL 1024
#define UNIT_MIN_CH 64
#define UNIT_BLOCKS 2
#define UNIT_PIECES 8

typedef conv_geom geom;

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int64_t ceil_div(int64_t a, int64_t b)
{
	return -floor_div(-a, b);
}

/* Reads strides, dilations, kernel and pads (explicit or auto_pad) into g,
 * whose batch/channel/spatial sizes are set. transpose: the pads of
 * conv_transpose, where SAME means out = in * stride. */
static int geom_attrs(nx_kern *k, geom *g, bool transpose)
{
	nx_graph *gr = k->g;
	uint32_t n;
	const int64_t *v;
	int ns = g->ns;
	v = nx_attr_ints(gr, k->op, "strides", &n);
	for (int d = 0; d < ns; d++)
		g->stride[d] = v && (int)n == ns ? v[d] : 1;
	v = nx_attr_ints(gr, k->op, "dilations", &n);
	for (int d = 0; d < ns; d++)
		g->dil[d] = v && (int)n == ns ? v[d] : 1;
	for (int d = 0; d < ns; d++)
		if (g->stride[d] < 1 || g->dil[d] < 1)
			return nx_kern_fail(k, "strides and dilations must be >= 1");
	const char *ap = nx_attr_s(gr, k->op, "auto_pad", "NOTSET");
	v = nx_attr_ints(gr, k->op, "pads", &n);
	if (v && (int)n != 2 * ns)
		return nx_kern_fail(k, "pads has %u entries, %d spatial dims need %d", n, ns, 2 * ns);
	int apk = nx_auto_pad(ap);
	bool same = nx_auto_pad_same(apk);
	uint32_t nos;
	const int64_t *os = transpose ? nx_attr_ints(gr, k->op, "output_shape", &nos) : NULL;
	for (int d = 0; d < ns; d++) {
		int64_t keff = (g->ker[d] - 1) * g->dil[d] + 1, total, opad = 0;
		if (!transpose) {
			total = nx_same_total(g->in[d], g->out[d], g->stride[d], keff);
		} else {
			/* out = stride*(in-1) + output_padding + keff - pads */
			uint32_t nop;
			const int64_t *op = nx_attr_ints(gr, k->op, "output_padding", &nop);
			opad = op && (int)nop == ns ? op[d] : 0;
			total = g->stride[d] * (g->in[d] - 1) + opad + keff - g->out[d];
		}
		if (transpose && apk >= 0) {
			g->pad[d] = nx_convt_pad_begin(apk, total, opad, os != NULL, v != NULL,
						       v ? v[d] : 0);
		} else if (same) {
			g->pad[d] = nx_pad_split(total, apk == NX_PAD_SAME_LOWER, NULL);
		} else if (apk == NX_PAD_VALID) {
			g->pad[d] = 0;
		} else if (apk == NX_PAD_NOTSET) {
			g->pad[d] = v ? v[d] : 0;
		} else {
			return nx_kern_fail(k, "unknown auto_pad \"%s\"", ap);
		}
	}
	return 0;
}

/* Shared sizes of conv and conv_transpose. For conv, w is [M, C/g, k...];
 * for conv_transpose [C, M/g, k...]. */
static int geom_init(nx_kern *k, geom *g, bool transpose)
{
	const nx_tensor *x = &k->in[0], *w = &k->in[1];
	const nx_tensor *y = &k->out[0];
	memset(g, 0, sizeof *g);
	int r = x->type.rank;
	if (r < 3 || w->type.rank != r || y->type.rank != r)
		return nx_kern_fail(k, "operand, weights and result need the same rank >= 3");
	if (x->type.dtype != NX_F32 || w->type.dtype != NX_F32)
		return nx_kern_fail(k, "operands are %s and %s; the interpreter convolves floats",
				    nx_dtype_name(x->type.dtype), nx_dtype_name(w->type.dtype));
	g->ns = r - 2;
	g->batch = x->type.dims[0];
	g->cin = x->type.dims[1];
	g->cout = y->type.dims[1];
	g->group = nx_attr_i(k->g, k->op, "group", 1);
	if (g->group < 1 || g->cin % g->group || g->cout % g->group)
		return nx_kern_fail(k, "group %lld does not divide %lld input and %lld output "
				    "channels", (long long)g->group, (long long)g->cin,
				    (long long)g->cout);
	g->cg = g->cin / g->group;
	g->mg = g->cout / g->group;
	if (!transpose && (w->type.dims[0] != g->cout || w->type.dims[1] != g->cg))
		return nx_kern_fail(k, "weights [%lld, %lld, ...] do not match %lld output and "
				    "%lld/%lld input channels", (long long)w->type.dims[0],
				    (long long)w->type.dims[1], (long long)g->cout,
				    (long long)g->cin, (long long)g->group);
	if (transpose && (w->type.dims[0] != g->cin || w->type.dims[1] != g->mg))
		return nx_kern_fail(k, "weights [%lld, %lld, ...] do not match %lld input and "
				    "%lld/%lld output channels", (long long)w->type.dims[0],
				    (long long)w->type.dims[1], (long long)g->cin,
				    (long long)g->cout, (long long)g->group);
	g->in_sp = g->out_sp = g->ker_sp = 1;
	for (int d = 0; d < g->ns; d++) {
		g->in[d] = x->type.dims[d + 2];
		g->out[d] = y->type.dims[d + 2];
		g->ker[d] = w->type.dims[d + 2];
		g->in_sp *= g->in[d];
		g->out_sp *= g->out[d];
		g->ker_sp *= g->ker[d];
	}
	g->xcs = g->in_sp, g->xns = g->cin * g->in_sp;
	g->ycs = g->out_sp, g->yns = g->cout * g->out_sp;
	const nx_tensor *b = k->n_in > 2 ? &k->in[2] : NULL;
	if (b && b->data && (b->type.dtype != NX_F32 || nx_tensor_numel(b) != g->cout))
		return nx_kern_fail(k, "bias must hold %lld floats", (long long)g->cout);
	return geom_attrs(k, g, transpose);
}

/* ---- im2col --------------------------------------------------------------------- */

/* Rows (c, kernel offset) x columns (output positions p0 .. p0+t) of one
 * group of one image, x = [cg][in...]. 2-d fast path. */
static void im2col_2d(const geom *g, const float *x, int64_t p0, int64_t t, float *col)
{
	int64_t H = g->in[0], W = g->in[1], OW = g->out[1];
	int64_t KH = g->ker[0], KW = g->ker[1];
	int64_t sy = g->stride[0], sx = g->stride[1], dy = g->dil[0], dx = g->dil[1];
	int64_t py = g->pad[0], px = g->pad[1];
	for (int64_t c = 0; c < g->cg; c++)
		for (int64_t ky = 0; ky < KH; ky++)
			for (int64_t kx = 0; kx < KW; kx++) {
				float *row = col + ((c * KH + ky) * KW + kx) * t;
				int64_t off = kx * dx - px;
				for (int64_t j = 0, p = p0; j < t;) {
					int64_t oy = p / OW, ox = p % OW;
					int64_t n = OW - ox < t - j ? OW - ox : t - j;
					int64_t iy = oy * sy - py + ky * dy;
					float *dst = row + j;
					if (iy < 0 || iy >= H) {
						memset(dst, 0, (size_t)n * sizeof *dst);
					} else {
						const float *src = x + c * g->xcs + iy * W;
						/* columns whose ix = (ox+i)*sx + off is inside */
						int64_t lo = ceil_div(-off, sx) - ox;
						int64_t hi = floor_div(W - 1 - off, sx) - ox + 1;
						lo = lo < 0 ? 0 : lo > n ? n : lo;
						hi = hi > n ? n : hi < lo ? lo : hi;
						for (int64_t i = 0; i < lo; i++)
							dst[i] = 0;
						if (sx == 1)
							memcpy(dst + lo, src + ox + lo + off,
							       (size_t)(hi - lo) * sizeof *dst);
						else
							for (int64_t i = lo; i < hi; i++)
								dst[i] = src[(ox + i) * sx + off];
						for (int64_t i = hi; i < n; i++)
							dst[i] = 0;
					}
					j += n;
					p += n;
				}
			}
}

/* Any spatial rank: per element, with counters. */
static void im2col_nd(const geom *g, const float *x, int64_t p0, int64_t t, float *col)
{
	int ns = g->ns;
	for (int64_t r = 0; r < g->cg * g->ker_sp; r++) {
		int64_t c = r / g->ker_sp, kk = r % g->ker_sp;
		int64_t kidx[NX_MAX_RANK];
		for (int d = ns - 1; d >= 0; d--) {
			kidx[d] = kk % g->ker[d];
			kk /= g->ker[d];
		}
		const float *xc = x + c * g->xcs;
		float *row = col + r * t;
		for (int64_t j = 0; j < t; j++) {
			int64_t p = p0 + j, off = 0, mul = 1;
			bool inside = true;
			for (int d = ns - 1; d >= 0; d--) {
				int64_t o = p % g->out[d];
				p /= g->out[d];
				int64_t i = o * g->stride[d] - g->pad[d] + kidx[d] * g->dil[d];
				if (i < 0 || i >= g->in[d])
					inside = false;
				off += i * mul;
				mul *= g->in[d];
			}
			row[j] = inside ? xc[off] : 0;
		}
	}
}

/* ---- conv --------------------------------------------------------------------- */

typedef struct conv_job {
	const geom *g;
	const float *x, *w, *b;
	float *y;
	int64_t tile, ntiles; /* output positions per task, tiles per (image, group) */
	int64_t mblock, nmblk; /* output channels per task, blocks per group */
	bool direct;          /* 1x1 / stride 1 / no pad: no im2col */
	nx_act act;           /* fused activation, applied per tile (kind 0: none) */
} conv_job;

/* C's start before the sgemm adds W x X into it with beta = 1: the bias
 * of each row, or zero. With beta = 0 OpenBLAS zeroes C in a pass of its
 * own (sgemm_beta: 11.6 % of cls's instructions), and the bias then took
 * another pass; writing the bias first makes both one pass and the add
 * free. */
NX_BODY void fill_bias_body(float *y, int64_t rows, int64_t ld, int64_t n, const float *b)
{
	for (int64_t m = 0; m < rows; m++) {
		float *r = y + m * ld;
		if (!b) {
			memset(r, 0, (size_t)n * sizeof *r);
			continue;
		}
		float v = b[m];
		for (int64_t i = 0; i < n; i++)
			r[i] = v;
	}
}

NX_SIMD_FN(static, fill_bias, (float *y, int64_t rows, int64_t ld, int64_t n, const float *b),
	   (y, rows, ld, n, b))

/* The fused activation of a tile, while the tile is still in cache (a
 * separate pass over Y afterwards reads it all back from memory). */
static void epilogue(float *y, int64_t rows, int64_t ld, int64_t n, const nx_act *a)
{
	if (a->kind)
		for (int64_t m = 0; m < rows; m++)
			nx_act_apply(a, y + m * ld, n);
}

static void conv_part(void *ctx, int64_t lo, int64_t hi)
{
	conv_job *j = ctx;
	const geom *g = j->g;
	int64_t K = g->cg * g->ker_sp;
	float *col = j->direct ? NULL : nx_xmalloc((size_t)(K * j->tile) * sizeof *col);
	for (int64_t task = lo; task < hi; task++) {
		int64_t mb = task % j->nmblk, rest = task / j->nmblk;
		int64_t tile = rest % j->ntiles, ng = rest / j->ntiles;
		int64_t gi = ng % g->group, n = ng / g->group;
		int64_t p0 = tile * j->tile, m0 = mb * j->mblock;
		int64_t t = g->out_sp - p0 < j->tile ? g->out_sp - p0 : j->tile;
		int64_t rows = g->mg - m0 < j->mblock ? g->mg - m0 : j->mblock;
		const float *x = j->x + n * g->xns + gi * g->cg * g->xcs;
		const float *w = j->w + (gi * g->mg + m0) * K;
		float *y = j->y + n * g->yns + (gi * g->mg + m0) * g->ycs + p0;
		const float *b = j->b ? j->b + gi * g->mg + m0 : NULL;
		fill_bias(y, rows, g->ycs, t, b);
		if (j->direct) {
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)rows, (int)t,
				    (int)K, 1.0f, w, (int)K, x + p0, (int)g->xcs, 1.0f, y,
				    (int)g->ycs);
		} else {
			if (g->ns == 2)
				im2col_2d(g, x, p0, t, col);
			else
				im2col_nd(g, x, p0, t, col);
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)rows, (int)t,
				    (int)K, 1.0f, w, (int)K, col, (int)t, 1.0f, y, (int)g->ycs);
		}
		epilogue(y, rows, g->ycs, t, &j->act);
	}
	free(col);
}

/* The output columns each kernel column kx reads inside the input row
 * ([olo, ohi)), and the interior where all of them do: the same for every
 * row and channel of a depthwise conv, so computed once. */
typedef struct dw_cols {
	int64_t olo[16], ohi[16], in_lo, in_hi;
} dw_cols;

static void dw_cols_init(dw_cols *c, int64_t W, int64_t OW, int64_t KW, int64_t sx, int64_t dx,
			 int64_t px)
{
	c->in_lo = 0;
	c->in_hi = OW;
	for (int64_t kx = 0; kx < KW; kx++) {
		int64_t off = kx * dx - px;
		int64_t lo = ceil_div(-off, sx), hi = floor_div(W - 1 - off, sx) + 1;
		c->olo[kx] = lo < 0 ? 0 : lo;
		c->ohi[kx] = hi > OW ? OW : hi;
		c->in_lo = c->olo[kx] > c->in_lo ? c->olo[kx] : c->in_lo;
		c->in_hi = c->ohi[kx] < c->in_hi ? c->ohi[kx] : c->in_hi;
	}
	if (c->in_hi < c->in_lo)
		c->in_hi = c->in_lo;
}

/* Adds one kernel row (KW taps wr) applied to input row xr into output row
 * yr. In the interior the taps are summed in registers in one pass,
 * unrolled for the common 3 and 5 wide kernels; at the edges each tap adds
 * on its own. */
NX_BODY void dw_row(float *yr, const float *xr, const float *wr, const dw_cols *c, int64_t KW,
		   int64_t sx, int64_t dx, int64_t px)
{
	const int64_t *olo = c->olo, *ohi = c->ohi;
	int64_t in_lo = c->in_lo, in_hi = c->in_hi;
	for (int64_t kx = 0; kx < KW; kx++) {
		float wv = wr[kx];
		int64_t off = kx * dx - px;
		int64_t e = ohi[kx] < in_lo ? ohi[kx] : in_lo;
		for (int64_t ox = olo[kx]; ox < e; ox++)
			yr[ox] += wv * xr[ox * sx + off];
		for (int64_t ox = olo[kx] > in_hi ? olo[kx] : in_hi; ox < ohi[kx]; ox++)
			yr[ox] += wv * xr[ox * sx + off];
	}
	if (KW == 3 && sx == 1) {
		float w0 = wr[0], w1 = wr[1], w2 = wr[2];
		int64_t o0 = -px, o1 = dx - px, o2 = 2 * dx - px;
		for (int64_t ox = in_lo; ox < in_hi; ox++)
			yr[ox] += w0 * xr[ox + o0] + w1 * xr[ox + o1] + w2 * xr[ox + o2];
	} else if (KW == 3) {
		float w0 = wr[0], w1 = wr[1], w2 = wr[2];
		int64_t o0 = -px, o1 = dx - px, o2 = 2 * dx - px;
		for (int64_t ox = in_lo; ox < in_hi; ox++)
			yr[ox] += w0 * xr[ox * sx + o0] + w1 * xr[ox * sx + o1] +
				  w2 * xr[ox * sx + o2];
	} else if (KW == 5 && sx == 1) {
		float w0 = wr[0], w1 = wr[1], w2 = wr[2], w3 = wr[3], w4 = wr[4];
		int64_t o0 = -px, o1 = dx - px, o2 = 2 * dx - px, o3 = 3 * dx - px, o4 = 4 * dx - px;
		for (int64_t ox = in_lo; ox < in_hi; ox++)
			yr[ox] += w0 * xr[ox + o0] + w1 * xr[ox + o1] + w2 * xr[ox + o2] +
				  w3 * xr[ox + o3] + w4 * xr[ox + o4];
	} else {
		for (int64_t kx = 0; kx < KW; kx++) {
			float wv = wr[kx];
			int64_t off = kx * dx - px;
			for (int64_t ox = in_lo; ox < in_hi; ox++)
				yr[ox] += wv * xr[ox * sx + off];
		}
	}
}

/* Depthwise 2-d: each output channel m reads input channel m / mg, one
 * output row at a time (it stays in L1 while the kernel rows add in). */
NX_BODY void dw_part_body(void *ctx, int64_t lo, int64_t hi)
{
	conv_job *j = ctx;
	const geom *g = j->g;
	int64_t H = g->in[0], W = g->in[1], OH = g->out[0], OW = g->out[1];
	int64_t KH = g->ker[0], KW = g->ker[1];
	int64_t sy = g->stride[0], sx = g->stride[1], dy = g->dil[0], dx = g->dil[1];
	int64_t py = g->pad[0], px = g->pad[1];
	dw_cols cols;
	dw_cols_init(&cols, W, OW, KW, sx, dx, px);
	for (int64_t task = lo; task < hi; task++) {
		int64_t m = task % g->cout, n = task / g->cout;
		int64_t c = m / g->mg;
		const float *x = j->x + n * g->xns + c * g->xcs;
		const float *w = j->w + m * KH * KW;
		float *y = j->y + n * g->yns + m * g->ycs;
		float bias = j->b ? j->b[m] : 0;
		for (int64_t oy = 0; oy < OH; oy++) {
			float *yr = y + oy * OW;
			for (int64_t ox = 0; ox < OW; ox++)
				yr[ox] = bias;
			for (int64_t ky = 0; ky < KH; ky++) {
				int64_t iy = oy * sy - py + ky * dy;
				if (iy < 0 || iy >= H)
					continue;
				dw_row(yr, x + iy * W, w + ky * KW, &cols, KW, sx, dx, px);
			}
			if (j->act.kind)
				nx_act_apply(&j->act, yr, OW);
		}
	}
}

NX_SIMD_FN(static, dw_part, (void *ctx, int64_t lo, int64_t hi), (ctx, lo, hi))

static int conv_run(nx_kern *k, const int64_t *st);

int nx_kern_conv(nx_kern *k)
{
	/* a tiled conv as the NE back end computes it (conv_tile.c) */
	int64_t nt[4], te[4];
	if (nx_attr_get(k->g, k->op, "tile") && !nx_conv_tiling(k->g, k->op, nt, te) &&
	    nt[1] * nt[2] > 1)
		return nx_kern_conv_tiles(k, nt, te);
	return conv_run(k, NULL);
}

int nx_kern_conv_strided(nx_kern *k, int64_t xcs, int64_t xns, int64_t ycs, int64_t yns)
{
	if (k->in[0].type.rank != 4)
		return nx_kern_fail(k, "a conv on a window of a larger tensor is built for 2-d "
				    "convs only");
	int64_t st[4] = {xcs, xns, ycs, yns};
	return conv_run(k, st);
}

/* conv k, strides st (xcs, xns, ycs, yns; NULL: dense) */
static int conv_run(nx_kern *k, const int64_t *st)
{
	geom g;
	if (geom_init(k, &g, false))
		return -1;
	if (st)
		g.xcs = st[0], g.xns = st[1], g.ycs = st[2], g.yns = st[3];
	const nx_tensor *b = k->n_in > 2 && k->in[2].data ? &k->in[2] : NULL;
	conv_job j = {&g, k->in[0].data, k->in[1].data, b ? b->data : NULL, k->out[0].data, 0, 0,
		      0, 1, false, {0}};
	if (k->out[0].type.dtype == NX_F32 && (nx_ops[nx_opp(k->g, k->op)->kind].flags & NX_F_ACT)) {
		if (nx_act_get(k->g, k->op, &j.act, k->err))
			return -1;
		k->act_done = true;
		/* every road below applies j.act through nx_act_apply */
		nx_act_take_post(k, &j.act);
	}
	nx_pool *pool = g.batch * g.cout * g.out_sp * g.cg * g.ker_sp >= PAR_MACS ? k->pool : NULL;
	if (nx_conv_dw_fits(&g)) {
		nx_conv_dw(&g, j.x, j.w, j.b, &j.act, j.y, pool);
		return 0;
	}
	if (g.cg == 1 && g.ns == 2 && g.ker_sp > 1 && g.ker[1] <= 16) {
		nx_pool_for(pool, g.batch * g.cout, dw_part, &j);
		return 0;
	}
	if (nx_conv_direct_fits(&g)) {
		nx_conv_direct(&g, j.x, j.w, j.b, &j.act, j.y, pool);
		return 0;
	}
	if (nx_conv_shift_fits(&g)) {
		nx_conv_shift(&g, j.x, j.w, j.b, &j.act, j.y, pool);
		return 0;
	}
	bool unit = true;
	for (int d = 0; d < g.ns; d++)
		unit &= g.ker[d] == 1 && g.stride[d] == 1 && g.pad[d] == 0 && g.in[d] == g.out[d];
	int64_t K = g.cg * g.ker_sp;
	j.direct = unit;
	j.mblock = g.mg;
	/* The pieces depend on the shapes only, never on the thread count:
	 * sgemm gives a block of C other bits than the whole product, so a
	 * split that followed the threads made `nex run --threads 1` and
	 * `--threads 2` differ (and the executor, whose tile tasks run with
	 * other threads than the interpreter's tiles, could not match). */
	if (unit && g.out_sp < UNIT_SMALL && g.mg >= UNIT_MIN_CH) {
		/* Small images, many channels: blocks of output channels. */
		j.tile = g.out_sp;
		j.mblock = ((g.mg + UNIT_BLOCKS - 1) / UNIT_BLOCKS + 15) / 16 * 16;
		j.nmblk = (g.mg + j.mblock - 1) / j.mblock;
	} else if (unit) {
		/* UNIT_PIECES pieces per (image, group), at least
		 * UNIT_SMALL / 4 wide: enough for the pool to balance. */
		int64_t per = (g.out_sp + UNIT_PIECES - 1) / UNIT_PIECES;
		j.tile = per < UNIT_SMALL / 4 ? UNIT_SMALL / 4 : per;
	} else {
		j.tile = COL_BUDGET / K;
		if (j.tile < 64)
			j.tile = 64;
	}
	if (j.tile > g.out_sp)
		j.tile = g.out_sp;
	j.ntiles = (g.out_sp + j.tile - 1) / j.tile;
	nx_pool_for(pool, g.batch * g.group * j.ntiles * j.nmblk, conv_part, &j);
	return 0;
}

/* ---- conv_transpose ------------------------------------------------------------- */

typedef struct ct_job {
	const geom *g;
	const float *x, *w;
	float *y;
	bool by_tile;        /* pieces = input tiles (footprints disjoint), else rows */
	int64_t tile, ntiles;
} ct_job;

/* One col row (kernel offset kidx) of input positions [p0, p0+t) added
 * into the output plane y, 2-d: input row by input row, so the inner loop
 * walks the output with a fixed stride. */
static void col2im_2d(const geom *g, const float *row, const int64_t *kidx, int64_t p0, int64_t t,
		      float *y)
{
	int64_t W = g->in[1], OH = g->out[0], OW = g->out[1];
	int64_t sy = g->stride[0], sx = g->stride[1];
	int64_t oy0 = kidx[0] * g->dil[0] - g->pad[0], ox0 = kidx[1] * g->dil[1] - g->pad[1];
	/* input columns whose ox = ix * sx + ox0 lands inside [0, OW) */
	int64_t xlo = ceil_div(-ox0, sx), xhi = floor_div(OW - 1 - ox0, sx) + 1;
	for (int64_t j = 0; j < t;) {
		int64_t p = p0 + j, iy = p / W, ix = p % W;
		int64_t n = W - ix < t - j ? W - ix : t - j;
		int64_t oy = iy * sy + oy0;
		if (oy >= 0 && oy < OH) {
			int64_t lo = xlo > ix ? xlo : ix, hi = xhi < ix + n ? xhi : ix + n;
			float *yr = y + oy * OW;
			const float *r = row + j;
			for (int64_t x = lo; x < hi; x++)
				yr[x * sx + ox0] += r[x - ix];
		}
		j += n;
	}
}

/* Adds col rows (m, kernel offset) for m in [m0, m1) and input positions
 * [p0, p0+t) into y (the group's output channels). */
static void col2im(const geom *g, const float *col, int64_t m0, int64_t m1, int64_t p0, int64_t t,
		   float *y)
{
	int ns = g->ns;
	for (int64_t m = m0; m < m1; m++)
		for (int64_t kk = 0; kk < g->ker_sp; kk++) {
			const float *row = col + ((m - m0) * g->ker_sp + kk) * t;
			int64_t kidx[NX_MAX_RANK], rem = kk;
			for (int d = ns - 1; d >= 0; d--) {
				kidx[d] = rem % g->ker[d];
				rem /= g->ker[d];
			}
			float *ym = y + m * g->ycs;
			if (ns == 2) {
				col2im_2d(g, row, kidx, p0, t, ym);
				continue;
			}
			for (int64_t j = 0; j < t; j++) {
				int64_t p = p0 + j, off = 0, mul = 1;
				bool inside = true;
				for (int d = ns - 1; d >= 0; d--) {
					int64_t i = p % g->in[d];
					p /= g->in[d];
					int64_t o = i * g->stride[d] - g->pad[d] + kidx[d] * g->dil[d];
					if (o < 0 || o >= g->out[d])
						inside = false;
					off += o * mul;
					mul *= g->out[d];
				}
				if (inside)
					ym[off] += row[j];
			}
		}
}

static void ct_part(void *ctx, int64_t lo, int64_t hi)
{
	ct_job *j = ctx;
	const geom *g = j->g;
	int64_t rows_per_m = g->ker_sp;
	int64_t t = j->by_tile ? j->tile : g->in_sp;
	/* Rows of col this piece computes: all of a group (by tile) or a
	 * range of output channels of one (image, group). */
	int64_t rows_max = j->by_tile ? g->mg * rows_per_m : rows_per_m;
	float *col = nx_xmalloc((size_t)(rows_max * t) * sizeof *col); /* freed below */
	for (int64_t task = lo; task < hi; task++) {
		int64_t n, gi, m0, m1, p0;
		if (j->by_tile) {
			int64_t tile = task % j->ntiles, ng = task / j->ntiles;
			gi = ng % g->group;
			n = ng / g->group;
			m0 = 0;
			m1 = g->mg;
			p0 = tile * j->tile;
			t = g->in_sp - p0 < j->tile ? g->in_sp - p0 : j->tile;
		} else {
			int64_t m = task % g->mg, ng = task / g->mg;
			gi = ng % g->group;
			n = ng / g->group;
			m0 = m;
			m1 = m + 1;
			p0 = 0;
			t = g->in_sp;
		}
		const float *x = j->x + n * g->xns + gi * g->cg * g->xcs + p0;
		/* W_g is [cg][mg * ker_sp]; rows m0..m1 of W_g^T are columns. */
		const float *w = j->w + gi * g->cg * g->mg * g->ker_sp + m0 * g->ker_sp;
		int64_t rows = (m1 - m0) * g->ker_sp;
		cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)rows, (int)t, (int)g->cg,
			    1.0f, w, (int)(g->mg * g->ker_sp), x, (int)g->xcs, 0.0f, col, (int)t);
		float *y = j->y + n * g->yns + gi * g->mg * g->ycs;
		col2im(g, col, m0, m1, p0, t, y);
	}
	free(col);
}

/* conv_transpose k, strides st (xcs, xns, ycs, yns; NULL: dense) */
static int convt_run(nx_kern *k, const int64_t *st)
{
	geom g;
	if (geom_init(k, &g, true))
		return -1;
	if (st)
		g.xcs = st[0], g.xns = st[1], g.ycs = st[2], g.yns = st[3];
	float *y = k->out[0].data;
	const float *b = k->n_in > 2 && k->in[2].data ? k->in[2].data : NULL;
	for (int64_t n = 0; n < g.batch; n++)
		for (int64_t m = 0; m < g.cout; m++) {
			float v = b ? b[m] : 0;
			float *r = y + n * g.yns + m * g.ycs;
			for (int64_t i = 0; i < g.out_sp; i++)
				r[i] = v;
		}
	ct_job j = {&g, k->in[0].data, k->in[1].data, y, true, 0, 0};
	for (int d = 0; d < g.ns; d++)
		if (g.stride[d] < (g.ker[d] - 1) * g.dil[d] + 1)
			j.by_tile = false;
	nx_pool *pool = g.batch * g.cin * g.in_sp * g.mg * g.ker_sp >= (1 << 16) ? k->pool : NULL;
	if (j.by_tile) {
		int64_t rows = g.mg * g.ker_sp;
		j.tile = COL_BUDGET / (rows ? rows : 1);
		if (j.tile < 64)
			j.tile = 64;
		if (j.tile > g.in_sp)
			j.tile = g.in_sp;
		j.ntiles = (g.in_sp + j.tile - 1) / j.tile;
		nx_pool_for(pool, g.batch * g.group * j.ntiles, ct_part, &j);
	} else {
		nx_pool_for(pool, g.batch * g.group * g.mg, ct_part, &j);
	}
	return 0;
}

int nx_kern_conv_transpose(nx_kern *k)
{
	/* a tiled conv_transpose as the NE back end computes it (convt_tile.c) */
	int tiled = nx_attr_get(k->g, k->op, "tile") ? nx_kern_convt_tiles(k) : 1;
	if (tiled <= 0)
		return tiled;
	return convt_run(k, NULL);
}

int nx_kern_convt_strided(nx_kern *k, int64_t xcs, int64_t xns, int64_t ycs, int64_t yns)
{
	if (k->in[0].type.rank != 4)
		return nx_kern_fail(k, "a conv_transpose on a window of a larger tensor is built "
				    "for 2-d conv_transposes only");
	int64_t st[4] = {xcs, xns, ycs, yns};
	return convt_run(k, st);
}

int nx_conv_geom_attrs(nx_kern *k, conv_geom *g)
{
	return geom_attrs(k, g, false);
}
