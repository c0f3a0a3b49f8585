/* kern_qconv.c — ConvInteger and QLinearConv, exactly: the products of
 * (x - x_zero_point) and (w - w_zero_point) summed in int64 over the window
 * of every output element, with the geometry (strides, dilations, pads,
 * auto_pad, groups) of the float conv (kern_conv.c reads the attributes).
 * ConvInteger stores the sum as i32, ONNX's result type. QLinearConv adds
 * the i32 bias, scales by x_scale * w_scale / y_scale in double, rounds half
 * to even, adds y_zero_point and saturates to i8/u8, as QLinearMatMul does
 * (kern_qmatmul.c). Weight zero points and scales are per tensor or per
 * output channel (infer_qconv.c checks which).
 *
 * A direct loop, not a GEMM: these ops come from quantized ONNX files and
 * the node tests; nex's own int8 path (quantize-int8, fold-qdq) keeps a
 * float conv with i8 weights, which the fast float kernels run.
 */
#include <math.h>
#include <stdlib.h>

#include "kern_conv.h"

/* Element i of optional operand idx, or def when it is absent; one-element
 * operands broadcast. */
static double param(const nx_kern *k, uint32_t idx, int64_t i, double def)
{
	if (idx >= k->n_in || !k->in[idx].data)
		return def;
	const nx_tensor *t = &k->in[idx];
	return nx_tensor_get(t, nx_tensor_numel(t) == 1 ? 0 : i);
}

int nx_kern_qconv(nx_kern *k)
{
	bool ql = nx_opp(k->g, k->op)->kind == NX_OP_QLINEAR_CONV;
	uint32_t wi = ql ? 3 : 1, xzi = 2, wzi = ql ? 5 : 3;
	const nx_tensor *x = &k->in[0], *w = &k->in[wi];
	nx_tensor *y = &k->out[0];
	int r = x->type.rank;
	if (r < 3 || w->type.rank != r || y->type.rank != r)
		return nx_kern_fail(k, "operand, weights and result need the same rank >= 3");
	conv_geom g = {0};
	g.ns = r - 2;
	g.batch = x->type.dims[0];
	g.cin = x->type.dims[1];
	g.cout = y->type.dims[1];
	g.group = nx_attr_i(k->g, k->op, "group", 1);
	if (g.group < 1 || g.cin % g.group || g.cout % g.group)
		return nx_kern_fail(k, "group %lld does not divide %lld input and %lld output "
				    "channels", (long long)g.group, (long long)g.cin,
				    (long long)g.cout);
	g.cg = g.cin / g.group;
	g.mg = g.cout / g.group;
	if (w->type.dims[0] != g.cout || w->type.dims[1] != g.cg)
		return nx_kern_fail(k, "weights do not match the channels of input and result");
	g.in_sp = g.out_sp = g.ker_sp = 1;
	for (int d = 0; d < g.ns; d++) {
		g.in[d] = x->type.dims[d + 2];
		g.out[d] = y->type.dims[d + 2];
		g.ker[d] = w->type.dims[d + 2];
		g.in_sp *= g.in[d];
		g.out_sp *= g.out[d];
		g.ker_sp *= g.ker[d];
	}
	if (nx_conv_geom_attrs(k, &g))
		return -1;

	/* Zero points subtracted once, up front: the loop below is then a
	 * plain integer dot product. Both arrays freed below. */
	int64_t nx = nx_tensor_numel(x), nw = nx_tensor_numel(w);
	int32_t *xs = malloc((size_t)nx * sizeof *xs);
	int32_t *ws = malloc((size_t)nw * sizeof *ws);
	/* Kernel offset q -> its coordinate per spatial axis, times dilation. */
	int64_t *koff = malloc((size_t)(g.ker_sp * g.ns) * sizeof *koff);
	if (!xs || !ws || !koff) {
		free(xs);
		free(ws);
		free(koff);
		return nx_kern_fail(k, "out of memory");
	}
	int64_t xz = (int64_t)param(k, xzi, 0, 0);
	for (int64_t i = 0; i < nx; i++)
		xs[i] = (int32_t)(nx_tensor_get_int(x, i) - xz);
	int64_t per_m = nw / g.cout;
	for (int64_t i = 0; i < nw; i++)
		ws[i] = (int32_t)(nx_tensor_get_int(w, i) - (int64_t)param(k, wzi, i / per_m, 0));
	for (int64_t q = 0; q < g.ker_sp; q++)
		for (int64_t d = g.ns - 1, div = 1; d >= 0; div *= g.ker[d--])
			koff[q * g.ns + d] = (q / div) % g.ker[d] * g.dil[d];

	double lo = y->type.dtype == NX_I8 ? -128 : 0, hi = y->type.dtype == NX_I8 ? 127 : 255;
	double ysc = ql ? param(k, 6, 0, 1) : 1, yz = ql ? param(k, 7, 0, 0) : 0;
	double xsc = ql ? param(k, 1, 0, 1) : 1;
	for (int64_t n = 0; n < g.batch; n++)
		for (int64_t m = 0; m < g.cout; m++) {
			int64_t grp = m / g.mg;
			const int32_t *wm = ws + m * g.cg * g.ker_sp;
			const int32_t *xn = xs + (n * g.cin + grp * g.cg) * g.in_sp;
			double scale = ql ? xsc * param(k, 4, m, 1) / ysc : 1;
			int64_t bias = ql ? (int64_t)param(k, 8, m, 0) : 0;
			for (int64_t p = 0; p < g.out_sp; p++) {
				int64_t base[NX_MAX_RANK], div = 1;
				for (int d = g.ns - 1; d >= 0; div *= g.out[d--])
					base[d] = (p / div) % g.out[d] * g.stride[d] - g.pad[d];
				int64_t s = bias;
				for (int64_t q = 0; q < g.ker_sp; q++) {
					int64_t off = 0;
					bool inside = true;
					for (int d = 0; d < g.ns; d++) {
						int64_t c = base[d] + koff[q * g.ns + d];
						if (c < 0 || c >= g.in[d]) {
							inside = false;
							break;
						}
						off = off * g.in[d] + c;
					}
					if (!inside)
						continue;
					for (int64_t c = 0; c < g.cg; c++)
						s += (int64_t)xn[c * g.in_sp + off] *
						     wm[c * g.ker_sp + q];
				}
				int64_t yi = (n * g.cout + m) * g.out_sp + p;
				if (!ql) {
					nx_tensor_set_int(y, yi, s);
					continue;
				}
				double v = rint((double)s * scale) + yz;
				nx_tensor_set(y, yi, v < lo ? lo : v > hi ? hi : v);
			}
		}
	free(xs);
	free(ws);
	free(koff);
	return 0;
}
