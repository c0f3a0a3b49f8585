/* convt_tile.c — a conv_transpose that carries attr `tile` is computed tile
 * by tile, by the interpreter here and by the NE back end (one task per
 * tile, codegen lower.c), so the two agree bit for bit.
 *
 * Why not compare a tile with the whole op: the kernel computes W^T x X by
 * cblas_sgemm, and OpenBLAS gives a block of that product other bits than
 * the whole product has (conv_tile.c). So both sides run the kernel on each
 * tile as a conv_transpose of its own, with the same operands and attrs:
 * the input window the tile's outputs read, the weights and bias of its
 * output channels, and pads of its own that place the window's outputs on
 * the tile. The kernel's work split depends on shapes only, so the tile
 * has the same bits whatever threads either side runs.
 *
 * The rule (nx_convt_tiling), shapes and attrs only: 2-d float operands, a
 * tile extent per result dim. auto_pad, output_shape and output_padding are
 * resolved to the begin pad the kernel uses (kern_conv.c geom_attrs), so a
 * tile sees the geometry the whole op has; the tile's own op then has
 * explicit pads and no auto_pad or output_shape. Batch tiles are always
 * exact; output-channel tiles when each lies in one group or holds whole
 * groups (group 1, depthwise, and any group count whose per-group output
 * channels the extent divides or is a multiple of). A row (column) tile of
 * outputs [r0, r0+n) reads input rows i with i s - p + k d in it for some
 * tap k, and at least the row whose first output is at or before r0 (with
 * a stride above the kernel extent no input may reach r0): the begin pad
 * p' = p + r0 - i0 s >= 0 then puts the window's outputs at r0. The rows
 * the window's last taps do not reach (a stride above the kernel extent,
 * output_padding, an output_shape past the full output) are the tile's
 * own output_padding; only bias reaches them, as in the whole op. ONNX
 * allows output_padding below the stride or dilation, so a tile that lies
 * that far past the input's reach (an output_shape larger than the full
 * output by a stride or more) is not built.
 */
#include <stdlib.h>
#include <string.h>

#include "kern_conv.h"
#include "nx_int.h"

static int64_t fdiv(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int64_t at(const int64_t *v, uint32_t n, uint32_t i, int64_t def)
{
	return v && i < n ? v[i] : def;
}

/* Spatial dim a of conv_transpose o: stride, dilation, kernel extent and
 * the begin pad as the kernel resolves it (nx_convt_pad_begin, as
 * kern_conv.c geom_attrs). NULL, or why the pad cannot be told. */
typedef struct ct_dim {
	int64_t s, d, kext, p, in, out;
} ct_dim;

static const char *ct_dim_of(const nx_graph *g, uint32_t o, int a, ct_dim *c)
{
	const nx_type *x = nx_vtype(g, nx_operand(g, o, 0));
	const nx_type *w = nx_vtype(g, nx_operand(g, o, 1));
	const nx_type *y = nx_vtype(g, nx_result(g, o, 0));
	uint32_t ns, nd, np, nop, nos;
	const int64_t *st = nx_attr_ints(g, o, "strides", &ns);
	const int64_t *dl = nx_attr_ints(g, o, "dilations", &nd);
	const int64_t *pd = nx_attr_ints(g, o, "pads", &np);
	const int64_t *opd = nx_attr_ints(g, o, "output_padding", &nop);
	const int64_t *os = nx_attr_ints(g, o, "output_shape", &nos);
	const char *ap = nx_attr_s(g, o, "auto_pad", "NOTSET");
	c->s = ns == 2 ? at(st, ns, (uint32_t)a, 1) : 1;
	c->d = nd == 2 ? at(dl, nd, (uint32_t)a, 1) : 1;
	c->kext = (w->dims[a + 2] - 1) * c->d + 1;
	c->in = x->dims[a + 2], c->out = y->dims[a + 2];
	int apk = nx_auto_pad(ap);
	if (apk < 0)
		return "conv_transpose tiles: unknown auto_pad";
	int64_t opad = nop == 2 ? at(opd, nop, (uint32_t)a, 0) : 0;
	int64_t total = c->s * (c->in - 1) + opad + c->kext - c->out;
	c->p = nx_convt_pad_begin(apk, total, opad, os != NULL, np == 4, np == 4 ? pd[a] : 0);
	if (c->s < 1 || c->d < 1 || c->p < 0)
		return "conv_transpose tiles are not built for negative pads or strides below 1";
	return NULL;
}

/* The input rows [lo, lo + n) tile rows [r0, r0 + rn) of dim c read, and
 * the tile's begin pad, end pad and output_padding (file comment). */
static void ct_span(const ct_dim *c, int64_t r0, int64_t rn, int64_t *lo, int64_t *n,
		    int64_t *pb, int64_t *pe, int64_t *opad)
{
	int64_t l = fdiv(r0 + c->p - c->kext + 1 + c->s - 1, c->s), l0 = fdiv(r0 + c->p, c->s);
	int64_t hi = fdiv(r0 + rn - 1 + c->p, c->s);
	l = l0 < l ? l0 : l;
	l = l < 0 ? 0 : l > c->in - 1 ? c->in - 1 : l;
	hi = hi > c->in - 1 ? c->in - 1 : hi;
	hi = hi < l ? l : hi;
	*lo = l, *n = hi - l + 1;
	*pb = c->p + r0 - l * c->s;
	int64_t e = (hi - l) * c->s + c->kext - *pb - rn;
	*pe = e > 0 ? e : 0;
	*opad = e < 0 ? -e : 0;
}

const char *nx_convt_tiling(const nx_graph *g, uint32_t o, int64_t nt[4], int64_t te[4])
{
	uint32_t n = 0;
	const int64_t *ext = nx_attr_ints(g, o, "tile", &n);
	return nx_convt_tiling_ext(g, o, ext, n, nt, te);
}

const char *nx_convt_tiling_ext(const nx_graph *g, uint32_t o, const int64_t *ext, uint32_t n,
				int64_t nt[4], int64_t te[4])
{
	const nx_op *op = nx_opp(g, o);
	for (int q = 0; q < 4; q++)
		nt[q] = 1, te[q] = 0;
	if (op->kind != NX_OP_CONV_TRANSPOSE || op->n_out != 1 || op->n_in < 2)
		return "not a conv_transpose";
	const nx_type *y = nx_vtype(g, nx_result(g, o, 0));
	const nx_type *x = nx_vtype(g, nx_operand(g, o, 0));
	const nx_type *w = nx_vtype(g, nx_operand(g, o, 1));
	for (int q = 0; q < 4 && y->rank == 4; q++)
		te[q] = y->dims[q];
	if (!ext)
		return "no tile attribute";
	if (y->rank != 4 || x->rank != 4 || w->rank != 4 || n != 4)
		return "conv_transpose tiles are built for 2-d conv_transpose";
	if (nx_attr_get(g, o, "w_scale"))
		return "conv_transpose tiles of int8 weights (w_scale) are not built: a tile "
		       "would need its channels' slice of w_scale";
	/* f16 and bf16 reach the kernel widened to f32 and are rounded back
	 * element by element after it (interp.c), on both sides */
	int dt = x->dtype;
	if ((dt != NX_F32 && dt != NX_F16 && dt != NX_BF16) || w->dtype != dt || y->dtype != dt ||
	    (op->n_in > 2 && nx_operand(g, o, 2) != NX_NONE &&
	     nx_vtype(g, nx_operand(g, o, 2))->dtype != dt))
		return "conv_transpose tiles are built for f32, f16 or bf16 operands of one dtype";
	uint32_t np;
	const int64_t *pd = nx_attr_ints(g, o, "pads", &np);
	if (pd && np != 4)
		return "conv_transpose tiles need 4 pads";
	int64_t grp = nx_attr_i(g, o, "group", 1);
	if (grp < 1 || x->dims[1] % grp || y->dims[1] % grp || w->dims[1] * grp != y->dims[1])
		return "conv_transpose tiles: the group does not divide the channels";
	ct_dim cd[2];
	for (int a = 0; a < 2; a++) {
		const char *why = ct_dim_of(g, o, a, &cd[a]);
		if (why)
			return why;
	}
	for (int q = 0; q < 4; q++) {
		te[q] = ext[q] < 1 || ext[q] > y->dims[q] ? y->dims[q] : ext[q];
		nt[q] = te[q] ? (y->dims[q] + te[q] - 1) / te[q] : 1;
	}
	const char *why = NULL;
	int64_t mg = y->dims[1] / grp;
	if (nt[1] > 1 && grp > 1 && mg % te[1] && te[1] % mg)
		why = "output-channel tiles of a grouped conv_transpose must lie in one group "
		      "or hold whole groups";
	/* every row (column) tile's output_padding must be one ONNX allows */
	for (int a = 0; a < 2 && !why; a++)
		for (int64_t i = 0; i < nt[a + 2] && nt[a + 2] > 1 && !why; i++) {
			int64_t r0 = i * te[a + 2], rn = te[a + 2], lo, xn, pb, pe, opad;
			rn = r0 + rn > y->dims[a + 2] ? y->dims[a + 2] - r0 : rn;
			ct_span(&cd[a], r0, rn, &lo, &xn, &pb, &pe, &opad);
			if (opad >= cd[a].s && opad >= cd[a].d)
				why = "row or column tiles a stride or more past the input's reach "
				      "(output_shape above the full output) are not built";
		}
	if (why) {
		for (int r = 0; r < 4; r++)
			nt[r] = 1, te[r] = y->dims[r];
	}
	return why;
}

void nx_convt_tile_geom(const nx_graph *g, uint32_t o, const int64_t r0[4], const int64_t rn[4],
			int64_t xw0[4], int64_t xwn[4], int64_t ww0[4], int64_t wwn[4],
			int64_t pads[4], int64_t *group)
{
	const nx_type *x = nx_vtype(g, nx_operand(g, o, 0));
	const nx_type *w = nx_vtype(g, nx_operand(g, o, 1));
	int64_t grp = nx_attr_i(g, o, "group", 1);
	grp = grp < 1 ? 1 : grp;
	for (int q = 0; q < 4; q++)
		xw0[q] = 0, xwn[q] = x->dims[q], ww0[q] = 0, wwn[q] = w->dims[q];
	xw0[0] = r0[0], xwn[0] = rn[0];
	/* weights [C_in, C_out/group, kh, kw]: a tile in one group reads that
	 * group's input channels and its own columns of the group's weights;
	 * a tile of whole groups their channels and all their weights */
	int64_t cg = x->dims[1] / grp, mg = w->dims[1];
	int64_t g0 = r0[1] / mg, g1 = (r0[1] + rn[1] - 1) / mg;
	xw0[1] = ww0[0] = g0 * cg;
	xwn[1] = wwn[0] = (g1 - g0 + 1) * cg;
	if (g0 == g1)
		ww0[1] = r0[1] - g0 * mg, wwn[1] = rn[1];
	*group = g1 - g0 + 1;
	for (int a = 0; a < 2; a++) {
		ct_dim c;
		int64_t pe, opad;
		if (ct_dim_of(g, o, a, &c))
			c.p = 0; /* nx_convt_tiling refuses such an op */
		ct_span(&c, r0[a + 2], rn[a + 2], &xw0[a + 2], &xwn[a + 2], &pads[a], &pe, &opad);
		pads[a + 2] = pe;
	}
}

void nx_convt_tile_attrs(nx_graph *s, uint32_t so, const int64_t pads[4], int64_t group,
			 const int64_t out_hw[2])
{
	nx_attr_del(s, so, "tile");
	nx_attr_del(s, so, "auto_pad");
	nx_attr_del(s, so, "output_shape");
	nx_attr_del(s, so, "output_padding");
	nx_attr_set_ints(s, so, "pads", pads, 4);
	nx_attr_set_i(s, so, "group", group);
	const nx_type *x = nx_vtype(s, nx_operand(s, so, 0));
	const nx_type *w = nx_vtype(s, nx_operand(s, so, 1));
	uint32_t ns, nd;
	const int64_t *st = nx_attr_ints(s, so, "strides", &ns);
	const int64_t *dl = nx_attr_ints(s, so, "dilations", &nd);
	int64_t opad[2] = {0, 0};
	for (int a = 0; a < 2 && x->rank == 4 && w->rank == 4; a++) {
		int64_t st_a = ns == 2 ? st[a] : 1, d = nd == 2 ? dl[a] : 1;
		int64_t full = st_a * (x->dims[a + 2] - 1) + (w->dims[a + 2] - 1) * d + 1;
		int64_t e = out_hw[a] - (full - pads[a] - pads[a + 2]);
		opad[a] = e > 0 ? e : 0;
	}
	if (opad[0] || opad[1])
		nx_attr_set_ints(s, so, "output_padding", opad, 2);
}

/* Copies window (w0, wn) of dense float tensor [d0..d3] at full to dense. */
static void gather(const float *full, const int64_t *d, const int64_t w0[4], const int64_t wn[4],
		   float *dense)
{
	size_t row = (size_t)wn[3] * sizeof(float);
	for (int64_t b = 0; b < wn[0]; b++)
		for (int64_t c = 0; c < wn[1]; c++)
			for (int64_t h = 0; h < wn[2]; h++)
				memcpy(dense + ((b * wn[1] + c) * wn[2] + h) * wn[3],
				       full + (((w0[0] + b) * d[1] + w0[1] + c) * d[2] + w0[2] + h) * d[3] +
					       w0[3],
				       row);
}

static void scatter(float *full, const int64_t *d, const int64_t w0[4], const int64_t wn[4],
		    const float *dense)
{
	size_t row = (size_t)wn[3] * sizeof(float);
	for (int64_t b = 0; b < wn[0]; b++)
		for (int64_t c = 0; c < wn[1]; c++)
			for (int64_t h = 0; h < wn[2]; h++)
				memcpy(full + (((w0[0] + b) * d[1] + w0[1] + c) * d[2] + w0[2] + h) * d[3] +
					       w0[3],
				       dense + ((b * wn[1] + c) * wn[2] + h) * wn[3], row);
}

static int64_t numel(const int64_t d[4])
{
	return d[0] * d[1] * d[2] * d[3];
}

int nx_kern_convt_tiles(nx_kern *k)
{
	nx_graph *g = k->g;
	int64_t nt[4], te[4];
	if (nx_convt_tiling(g, k->op, nt, te) || nt[0] * nt[1] * nt[2] * nt[3] <= 1)
		return 1;
	const nx_tensor *x = &k->in[0], *w = &k->in[1];
	const nx_tensor *bias = k->n_in > 2 && k->in[2].data ? &k->in[2] : NULL;
	nx_tensor *y = &k->out[0];
	const int64_t *yd = y->type.dims;
	int rc = 0;
	bool act = false;
	/* The tiles' scratch ops (the kernel reads only their attributes, and
	 * shapes from the tensors): tiles whose pads, group, window rows and
	 * columns and result rows and columns are equal get equal attributes
	 * (nx_convt_tile_attrs) and share one. A band of row tiles has at
	 * most three (top, inner, bottom). All freed below. */
	int64_t ntile = nt[0] * nt[1] * nt[2] * nt[3], nshare = 0;
	int64_t (*key)[9] = nx_xcalloc((size_t)ntile, sizeof *key);
	nx_graph **sg = nx_xcalloc((size_t)ntile, sizeof *sg);
	uint32_t *sgo = nx_xcalloc((size_t)ntile, sizeof *sgo);
	/* tiles in row-major order of (b, c, h, w), each whole, the kernel
	 * using the pool inside */
	for (int64_t i = 0; i < ntile && !rc; i++) {
		int64_t idx[4] = {i / (nt[1] * nt[2] * nt[3]), i / (nt[2] * nt[3]) % nt[1],
				  i / nt[3] % nt[2], i % nt[3]};
		int64_t r0[4], rn[4], xw0[4], xwn[4], ww0[4], wwn[4], pads[4], grp;
		for (int q = 0; q < 4; q++) {
			r0[q] = idx[q] * te[q];
			rn[q] = r0[q] + te[q] > yd[q] ? yd[q] - r0[q] : te[q];
		}
		nx_convt_tile_geom(g, k->op, r0, rn, xw0, xwn, ww0, wwn, pads, &grp);
		nx_tensor tin[3], tout;
		memset(tin, 0, sizeof tin);
		const int64_t *xd = x->type.dims, *wd = w->type.dims;
		/* one image, whole rows of input and result: read and written
		 * where they lie (the executor's tile does the same,
		 * nx_eval_convt_window; the strides change no sum); weights of
		 * whole groups' columns are dense too */
		bool inplace = yd[0] == 1 && xwn[3] == xd[3] && rn[3] == yd[3];
		bool wdense = ww0[1] == 0 && wwn[1] == wd[1];
		/* all freed below (NULL: read in place) */
		float *xb = inplace ? NULL : nx_xmalloc((size_t)numel(xwn) * sizeof(float));
		float *wb = wdense ? NULL : nx_xmalloc((size_t)numel(wwn) * sizeof(float));
		float *yb = inplace ? NULL : nx_xmalloc((size_t)numel(rn) * sizeof(float));
		if (xb)
			gather(x->data, xd, xw0, xwn, xb);
		if (wb)
			gather(w->data, wd, ww0, wwn, wb);
		tin[0].type = x->type, tin[1].type = w->type, tout.type = y->type;
		memcpy(tin[0].type.dims, xwn, sizeof xwn);
		memcpy(tin[1].type.dims, wwn, sizeof wwn);
		memcpy(tout.type.dims, rn, sizeof rn);
		tin[0].type.layout = tin[1].type.layout = tout.type.layout = NX_LAYOUT_PLAIN;
		tin[0].data = xb ? xb : (float *)x->data + (xw0[1] * xd[2] + xw0[2]) * xd[3];
		tin[1].data = wb ? wb : (float *)w->data + ww0[0] * wd[1] * wd[2] * wd[3];
		tout.data = yb ? yb : (float *)y->data + (r0[1] * yd[2] + r0[2]) * yd[3];
		if (bias) {
			tin[2].type = bias->type;
			tin[2].type.layout = NX_LAYOUT_PLAIN;
			tin[2].type.dims[0] = rn[1];
			tin[2].data = (float *)bias->data + r0[1];
		}
		/* the tile's op: the attributes without the tile, with its own
		 * pads and group, as the executor's tile task (shared, above) */
		uint32_t nin = bias ? 3 : 2;
		int64_t ki[9] = {pads[0], pads[1], pads[2], pads[3], grp, xwn[2], xwn[3], rn[2], rn[3]};
		int64_t e = 0;
		while (e < nshare && memcmp(key[e], ki, sizeof ki))
			e++;
		if (e == nshare) {
			memcpy(key[e], ki, sizeof ki);
			sg[e] = nx_tile_graph(g, k->op, tin, nin, k->err, &sgo[e]);
			nx_convt_tile_attrs(sg[e], sgo[e], pads, grp, rn + 2);
			nshare++;
		}
		nx_graph *s = sg[e];
		uint32_t so = sgo[e];
		nx_kern sub = {s, so, tin, nin, &tout, 1, k->pool, k->err, false, NULL, 0, false};
		if (inplace)
			rc = nx_kern_convt_strided(&sub, xd[2] * xd[3], xd[1] * xd[2] * xd[3],
						   yd[2] * yd[3], yd[1] * yd[2] * yd[3]);
		else
			rc = nx_kern_conv_transpose(&sub);
		if (!rc && yb)
			scatter(y->data, yd, r0, rn, yb);
		act = sub.act_done;
		free(xb);
		free(wb);
		free(yb);
	}
	for (int64_t e = 0; e < nshare; e++)
		nx_graph_free(sg[e]);
	free(key);
	free(sg);
	free(sgo);
	k->act_done = act;
	return rc;
}

int nx_eval_convt_window(nx_graph *g, uint32_t op, const nx_tensor *in, uint32_t n_in,
			 nx_tensor *y, const int64_t st[4], nx_err *err)
{
	for (uint32_t i = 0; i < n_in; i++)
		if (in[i].data && in[i].type.dtype != NX_F32)
			return nx_infer_fail(g, op, err, "operand %u is %s; a conv_transpose on a "
					     "window runs on floats", i, nx_dtype_name(in[i].type.dtype));
	if (nx_opp(g, op)->kind != NX_OP_CONV_TRANSPOSE || y->type.dtype != NX_F32 || n_in < 2 ||
	    nx_attr_get(g, op, "tile"))
		return nx_infer_fail(g, op, err, "not a float conv_transpose without tiles");
	nx_kern k = {g, op, in, n_in, y, 1, NULL, err, false, NULL, 0, false};
	if (nx_kern_convt_strided(&k, st[0], st[1], st[2], st[3]))
		return -1;
	if (!k.act_done && nx_attr_get(g, op, "act")) {
		/* the act the interpreter applies after the op, element by
		 * element: here channel by channel of the window */
		nx_act a;
		if (nx_act_get(g, op, &a, err))
			return -1;
		const int64_t *d = y->type.dims;
		for (int64_t b = 0; b < d[0]; b++)
			for (int64_t c = 0; c < d[1]; c++)
				nx_act_apply(&a, (float *)y->data + b * st[3] + c * st[2], d[2] * d[3]);
	}
	return 0;
}
