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
 * tile extent per result dim, group 1 or depthwise, explicit pads (no
 * auto_pad, no output_shape, no output_padding). Batch and output-channel
 * tiles are always exact. A row (column) tile of outputs [r0, r0+n) reads
 * input rows i with i s - p + k d in it for some kernel tap k; that window
 * with begin pad p' = p + r0 - i0 s puts its outputs at r0, and the end pad
 * makes the tile n rows. Both pads are >= 0 when the stride is at most the
 * kernel extent (k - 1) d + 1, which the rule requires of a split spatial
 * dim (a larger stride leaves rows no input reaches; not built).
 */
#include <stdlib.h>
#include <string.h>

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

const char *nx_convt_tiling(const nx_graph *g, uint32_t o, int64_t nt[4], int64_t te[4])
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
	uint32_t n;
	const int64_t *ext = nx_attr_ints(g, o, "tile", &n);
	if (!ext)
		return "no tile attribute";
	if (y->rank != 4 || x->rank != 4 || w->rank != 4 || n != 4)
		return "conv_transpose tiles are built for 2-d conv_transpose";
	if (x->dtype != NX_F32 || w->dtype != NX_F32 || y->dtype != NX_F32 ||
	    nx_attr_get(g, o, "w_scale"))
		return "conv_transpose tiles are built for float operands (not int8 weights)";
	if (op->n_in > 2 && nx_operand(g, o, 2) != NX_NONE &&
	    nx_vtype(g, nx_operand(g, o, 2))->dtype != NX_F32)
		return "conv_transpose tiles are built for a float bias";
	if (strcmp(nx_attr_s(g, o, "auto_pad", "NOTSET"), "NOTSET") ||
	    nx_attr_get(g, o, "output_shape"))
		return "conv_transpose tiles are not built for auto_pad or output_shape";
	uint32_t np;
	const int64_t *pd = nx_attr_ints(g, o, "pads", &np);
	if (pd && np != 4)
		return "conv_transpose tiles need 4 pads";
	const int64_t *opd = nx_attr_ints(g, o, "output_padding", &np);
	for (uint32_t i = 0; opd && i < np; i++)
		if (opd[i])
			return "conv_transpose tiles are not built for output_padding";
	int64_t grp = nx_attr_i(g, o, "group", 1);
	if (grp != 1 && !(grp == x->dims[1] && w->dims[1] == 1 && y->dims[1] == grp))
		return "conv_transpose tiles are built for group 1 or depthwise";
	uint32_t ns, nd;
	const int64_t *st = nx_attr_ints(g, o, "strides", &ns);
	const int64_t *dl = nx_attr_ints(g, o, "dilations", &nd);
	for (int q = 0; q < 4; q++) {
		te[q] = ext[q] < 1 || ext[q] > y->dims[q] ? y->dims[q] : ext[q];
		nt[q] = te[q] ? (y->dims[q] + te[q] - 1) / te[q] : 1;
	}
	for (int q = 2; q < 4; q++) {
		int64_t s = at(st, ns, (uint32_t)q - 2, 1), d = at(dl, nd, (uint32_t)q - 2, 1);
		if (nt[q] > 1 && s > (w->dims[q] - 1) * d + 1) {
			for (int r = 0; r < 4; r++)
				nt[r] = 1, te[r] = y->dims[r];
			return "row or column tiles of a conv_transpose whose stride exceeds its "
			       "kernel are not built";
		}
	}
	return NULL;
}

void nx_convt_tile_geom(const nx_graph *g, uint32_t o, const int64_t r0[4], const int64_t rn[4],
			int64_t xw0[4], int64_t xwn[4], int64_t ww0[4], int64_t wwn[4],
			int64_t pads[4], int64_t *group)
{
	const nx_type *x = nx_vtype(g, nx_operand(g, o, 0));
	const nx_type *w = nx_vtype(g, nx_operand(g, o, 1));
	uint32_t ns, nd, np;
	const int64_t *st = nx_attr_ints(g, o, "strides", &ns);
	const int64_t *dl = nx_attr_ints(g, o, "dilations", &nd);
	const int64_t *pd = nx_attr_ints(g, o, "pads", &np);
	bool dw = nx_attr_i(g, o, "group", 1) != 1;
	for (int q = 0; q < 4; q++)
		xw0[q] = 0, xwn[q] = x->dims[q], ww0[q] = 0, wwn[q] = w->dims[q];
	xw0[0] = r0[0], xwn[0] = rn[0];
	/* weights [C_in, C_out/group, kh, kw] */
	if (dw)
		xw0[1] = r0[1], xwn[1] = rn[1], ww0[0] = r0[1], wwn[0] = rn[1];
	else
		ww0[1] = r0[1], wwn[1] = rn[1];
	*group = dw ? rn[1] : 1;
	for (int q = 2; q < 4; q++) {
		uint32_t a = (uint32_t)q - 2;
		int64_t s = at(st, ns, a, 1), d = at(dl, nd, a, 1);
		int64_t p = np == 4 ? at(pd, np, a, 0) : 0, kext = (w->dims[q] - 1) * d + 1;
		/* input rows i whose taps i s - p + t d (t < k) reach [r0, r0 + n) */
		int64_t lo = fdiv(r0[q] + p - kext + 1 + s - 1, s), hi = fdiv(r0[q] + rn[q] - 1 + p, s);
		lo = lo < 0 ? 0 : lo;
		hi = hi > x->dims[q] - 1 ? x->dims[q] - 1 : hi;
		if (hi < lo)
			hi = lo; /* no input reaches the tile (not with the rule's strides) */
		xw0[q] = lo, xwn[q] = hi - lo + 1;
		pads[a] = p + r0[q] - lo * s;
		pads[a + 2] = (hi - lo) * s + kext - pads[a] - rn[q];
	}
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
	/* tiles in row-major order of (b, c, h, w), each whole, the kernel
	 * using the pool inside */
	for (int64_t i = 0; i < nt[0] * nt[1] * nt[2] * nt[3] && !rc; i++) {
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
		/* all freed below */
		float *xb = nx_xmalloc((size_t)numel(xwn) * sizeof(float));
		float *wb = nx_xmalloc((size_t)numel(wwn) * sizeof(float));
		float *yb = nx_xmalloc((size_t)numel(rn) * sizeof(float));
		gather(x->data, x->type.dims, xw0, xwn, xb);
		gather(w->data, w->type.dims, ww0, wwn, wb);
		tin[0].type = x->type, tin[1].type = w->type, tout.type = y->type;
		memcpy(tin[0].type.dims, xwn, sizeof xwn);
		memcpy(tin[1].type.dims, wwn, sizeof wwn);
		memcpy(tout.type.dims, rn, sizeof rn);
		tin[0].type.layout = tin[1].type.layout = tout.type.layout = NX_LAYOUT_PLAIN;
		tin[0].data = xb, tin[1].data = wb, tout.data = yb;
		if (bias) {
			tin[2].type = bias->type;
			tin[2].type.layout = NX_LAYOUT_PLAIN;
			tin[2].type.dims[0] = rn[1];
			tin[2].data = (float *)bias->data + r0[1];
		}
		/* the tile's op: the attributes without the tile, with its own
		 * pads and group, as the executor's tile task (freed below) */
		nx_graph *s = nx_graph_new("tile");
		uint32_t in[3] = {NX_NONE, NX_NONE, NX_NONE};
		uint32_t nin = bias ? 3 : 2;
		for (uint32_t q = 0; q < nin; q++) {
			in[q] = nx_value_new(s, NULL, nx_type_intern(s, &tin[q].type), k->err);
			nx_graph_add_input(s, in[q]);
		}
		uint32_t so = nx_op_new(s, NX_OP_CONV_TRANSPOSE, in, nin, 1, NULL, NX_NONE, k->err);
		nx_attr_copy_all(s, so, g, k->op);
		nx_attr_del(s, so, "tile");
		nx_attr_set_ints(s, so, "pads", pads, 4);
		nx_attr_set_i(s, so, "group", grp);
		nx_kern sub = {s, so, tin, nin, &tout, 1, k->pool, k->err, false};
		rc = nx_kern_conv_transpose(&sub);
		if (!rc)
			scatter(y->data, yd, r0, rn, yb);
		act = sub.act_done;
		nx_graph_free(s);
		free(xb);
		free(wb);
		free(yb);
	}
	k->act_done = act;
	return rc;
}
