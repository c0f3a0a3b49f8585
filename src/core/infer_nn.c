/* infer_nn.c — shape inference for the network ops: reductions, layer and
 * batch norm, the MAC ops (conv, conv_transpose, matmul, gemm), pools, and
 * opaque ops (which keep the result types the importer gave them).
 *
 * Conv and the pools share one reading of the window attributes (kernel,
 * strides, dilations, pads, auto_pad) and the ONNX output-size formulas;
 * conv_transpose runs them backwards. MAC ops accept i8 weights next to a
 * float input when the op carries per-output-channel w_scale: that is what
 * quantize-int8 leaves behind.
 */
#include <string.h>

#include "nx_int.h"

/* ---- reductions and norms ---- */

int nx_infer_reduce(nx_graph *g, uint32_t o, nx_err *err)
{
	if (nx_infer_dtype_in(g, o, 0, NX_DT_NUM, err))
		return -1;
	nx_type x = nx_infer_in(g, o, 0), r = x;
	uint32_t n;
	const int64_t *axes = nx_attr_ints(g, o, "axes", &n);
	bool keep = nx_attr_i(g, o, "keepdims", 1) != 0;
	bool mark[NX_MAX_RANK];
	if (!n) {
		/* No axes: everything, unless noop_with_empty_axes asks for the
		 * identity. */
		if (nx_attr_i(g, o, "noop_with_empty_axes", 0))
			return nx_infer_set(g, o, 0, &x, err);
		for (int i = 0; i < NX_MAX_RANK; i++)
			mark[i] = true;
	} else if (nx_infer_axes(g, o, err, axes, n, x.rank, mark)) {
		return -1;
	}
	r.rank = 0;
	for (int i = 0; i < x.rank; i++) {
		if (!mark[i])
			r.dims[r.rank++] = x.dims[i];
		else if (keep)
			r.dims[r.rank++] = 1;
	}
	return nx_infer_set(g, o, 0, &r, err);
}

/* Operand i must broadcast to dims (rank n) without changing them. */
static int check_unidir(const nx_graph *g, uint32_t o, nx_err *err, uint32_t i, const char *what,
			const int64_t *dims, int n)
{
	nx_type t = nx_infer_in(g, o, i);
	bool ok = t.rank <= n;
	for (int d = 0; ok && d < t.rank; d++) {
		int64_t want = dims[n - t.rank + d];
		ok = t.dims[d] == 1 || t.dims[d] == want;
	}
	if (ok)
		return 0;
	nx_type target = nx_type_make(t.dtype, n, dims);
	char tb[160], wb[160];
	return nx_infer_fail(g, o, err, "%s %%%s %s does not broadcast to %s", what,
			     nx_vname(g, nx_operand(g, o, i)), nx_infer_tstr(&t, tb, sizeof tb),
			     nx_infer_tstr(&target, wb, sizeof wb));
}

int nx_infer_layer_norm(nx_graph *g, uint32_t o, nx_err *err)
{
	if (nx_infer_dtype_in(g, o, 0, NX_DT_FLOAT, err))
		return -1;
	nx_type x = nx_infer_in(g, o, 0);
	int axis;
	if (nx_infer_axis(g, o, err, "axis", nx_attr_i(g, o, "axis", -1), x.rank, &axis))
		return -1;
	/* Scale and bias cover the normalized dims X.shape[axis:]. */
	const char *what[] = {"", "scale", "bias"};
	for (uint32_t i = 1; i < nx_opp(g, o)->n_in; i++) {
		if (nx_operand(g, o, i) == NX_NONE)
			continue;
		if (nx_infer_same_dtype(g, o, 0, i, err) ||
		    check_unidir(g, o, err, i, what[i], x.dims + axis, x.rank - axis))
			return -1;
	}
	/* Mean and InvStdDev (ONNX's optional outputs): X's dims with the
	 * normalized ones 1, in X's dtype (nex computes them in f32 and
	 * rounds, as it does Y). */
	nx_type st = x;
	for (int d = axis; d < x.rank; d++)
		st.dims[d] = 1;
	for (uint32_t i = 1; i < nx_opp(g, o)->n_out; i++)
		if (nx_infer_set(g, o, i, &st, err))
			return -1;
	return nx_infer_set(g, o, 0, &x, err);
}

int nx_infer_batch_norm(nx_graph *g, uint32_t o, nx_err *err)
{
	static const char *const what[] = {"", "scale", "bias", "mean", "var"};
	if (nx_infer_dtype_in(g, o, 0, NX_DT_FLOAT, err))
		return -1;
	nx_type x = nx_infer_in(g, o, 0);
	char xb[160], tb[160];
	if (x.rank < 2)
		return nx_infer_fail(g, o, err, "input %s needs rank >= 2 (N, C, ...)",
				     nx_infer_tstr(&x, xb, sizeof xb));
	for (uint32_t i = 1; i < 5; i++) {
		/* ONNX lets scale/bias and mean/var have their own float types. */
		if (nx_infer_dtype_in(g, o, i, NX_DT_FLOAT, err))
			return -1;
		nx_type t = nx_infer_in(g, o, i);
		if (t.rank != 1 || t.dims[0] != x.dims[1])
			return nx_infer_fail(g, o, err,
					     "%s %%%s is %s, expected [%lld] (the channels of %s)",
					     what[i], nx_vname(g, nx_operand(g, o, i)),
					     nx_infer_tstr(&t, tb, sizeof tb), (long long)x.dims[1],
					     nx_infer_tstr(&x, xb, sizeof xb));
	}
	return nx_infer_set(g, o, 0, &x, err);
}

/* ---- weights of MAC ops ---- */

/* Operand wi's dtype must be operand 0's, or i8 with a w_scale of one
 * scale per output channel (quantize-int8). */
static int check_weight(const nx_graph *g, uint32_t o, nx_err *err, uint32_t wi, int64_t out_ch)
{
	uint32_t n;
	const float *ws = nx_attr_floats(g, o, "w_scale", &n);
	int wdt = nx_vtype(g, nx_operand(g, o, wi))->dtype;
	if (!ws)
		return nx_infer_same_dtype(g, o, 0, wi, err);
	if (wdt != NX_I8)
		return nx_infer_fail(g, o, err, "w_scale is set but weight %%%s is %s, not i8",
				     nx_vname(g, nx_operand(g, o, wi)), nx_dtype_name(wdt));
	if (n != out_ch)
		return nx_infer_fail(g, o, err,
				     "w_scale has %u entries, the op has %lld output channels", n,
				     (long long)out_ch);
	return 0;
}

/* Optional bias operand bi: [m], operand 0's dtype. */
static int check_bias(const nx_graph *g, uint32_t o, nx_err *err, uint32_t bi, int64_t m)
{
	if (nx_opp(g, o)->n_in <= bi || nx_operand(g, o, bi) == NX_NONE)
		return 0;
	if (nx_infer_same_dtype(g, o, 0, bi, err))
		return -1;
	nx_type b = nx_infer_in(g, o, bi);
	char bb[160];
	if (b.rank != 1 || b.dims[0] != m)
		return nx_infer_fail(g, o, err,
				     "bias %%%s is %s, expected [%lld] (one per output channel)",
				     nx_vname(g, nx_operand(g, o, bi)),
				     nx_infer_tstr(&b, bb, sizeof bb), (long long)m);
	return 0;
}

/* ---- sliding windows: conv, conv_transpose, pools ---- */

/* A window op's spatial parameters, one entry per spatial axis. */
typedef struct window {
	int ns;
	int auto_pad; /* NX_PAD_* (auto_pad.c) */
	int64_t k[NX_MAX_RANK], s[NX_MAX_RANK], d[NX_MAX_RANK];
	int64_t pb[NX_MAX_RANK], pe[NX_MAX_RANK]; /* pads at the begin, end */
	int64_t ek[NX_MAX_RANK];                  /* extent: (k - 1) * d + 1 */
} window;

/* Window parameters above 2^31 are nonsense and would let the output-size
 * arithmetic overflow; refusing them keeps every formula below in range. */
#define WIN_MAX INT32_MAX

/* An ints attribute of n entries in [lo, WIN_MAX], or def everywhere if
 * absent (or empty). */
static int read_list(const nx_graph *g, uint32_t o, nx_err *err, const char *name, uint32_t n,
		     int64_t def, int64_t lo, int64_t *out)
{
	uint32_t have;
	const int64_t *v = nx_attr_ints(g, o, name, &have);
	if (!have) {
		for (uint32_t i = 0; i < n; i++)
			out[i] = def;
		return 0;
	}
	if (have != n)
		return nx_infer_fail(g, o, err, "%s has %u entries, expected %u", name, have, n);
	for (uint32_t i = 0; i < n; i++) {
		if (v[i] < lo || v[i] > WIN_MAX)
			return nx_infer_fail(g, o, err, "%s[%u] = %lld is out of range (%lld..%d)",
					     name, i, (long long)v[i], (long long)lo, WIN_MAX);
		out[i] = v[i];
	}
	return 0;
}

/* Reads auto_pad, kernel_shape, strides, dilations and pads. wk is the
 * kernel that the weights give (NULL for pools, whose kernel_shape is
 * required); kernel_shape, if present, must agree with it. */
static int read_window(const nx_graph *g, uint32_t o, nx_err *err, int ns, const int64_t *wk,
		       window *w)
{
	const char *ap = nx_attr_s(g, o, "auto_pad", "NOTSET");
	memset(w, 0, sizeof *w);
	w->ns = ns;
	w->auto_pad = nx_auto_pad(ap);
	if (w->auto_pad < 0)
		return nx_infer_fail(g, o, err,
				     "auto_pad=\"%s\" (expected NOTSET, SAME_UPPER, SAME_LOWER or "
				     "VALID)", ap);
	int64_t pads[2 * NX_MAX_RANK];
	if (read_list(g, o, err, "kernel_shape", (uint32_t)ns, 0, 1, w->k) ||
	    read_list(g, o, err, "strides", (uint32_t)ns, 1, 1, w->s) ||
	    read_list(g, o, err, "dilations", (uint32_t)ns, 1, 1, w->d) ||
	    read_list(g, o, err, "pads", 2u * (uint32_t)ns, 0, 0, pads))
		return -1;
	for (int i = 0; i < ns; i++) {
		if (wk && w->k[i] && w->k[i] != wk[i])
			return nx_infer_fail(g, o, err, "kernel_shape[%d] = %lld, but the "
					     "weight's kernel is %lld", i, (long long)w->k[i],
					     (long long)wk[i]);
		if (wk)
			w->k[i] = wk[i];
		if (w->k[i] > WIN_MAX)
			return nx_infer_fail(g, o, err, "kernel dim %d = %lld is too large", i,
					     (long long)w->k[i]);
		w->pb[i] = pads[i];
		w->pe[i] = pads[ns + i];
		if (w->auto_pad != NX_PAD_NOTSET && (w->pb[i] || w->pe[i]))
			return nx_infer_fail(g, o, err,
					     "pads and auto_pad=\"%s\" are both given", ap);
		w->ek[i] = (w->k[i] - 1) * w->d[i] + 1;
	}
	return 0;
}

/* Output size of spatial axis i for an input of size in (conv and pools). */
static int window_out(const nx_graph *g, uint32_t o, nx_err *err, const window *w, int i,
		      int64_t in, bool ceil_mode, int64_t *out)
{
	int64_t s = w->s[i], ek = w->ek[i];
	if (nx_auto_pad_same(w->auto_pad)) {
		*out = (in - 1) / s + 1;
		return 0;
	}
	if (in > INT64_MAX - 2 * (int64_t)WIN_MAX)
		return nx_infer_fail(g, o, err, "spatial dim %d = %lld is too large", i,
				     (long long)in);
	int64_t padded = in + w->pb[i] + w->pe[i];
	if (padded < ek)
		return nx_infer_fail(g, o, err,
				     "kernel extent %lld (kernel %lld, dilation %lld) exceeds the "
				     "padded input %lld on spatial axis %d", (long long)ek,
				     (long long)w->k[i], (long long)w->d[i], (long long)padded, i);
	if (!ceil_mode) {
		*out = (padded - ek) / s + 1;
		return 0;
	}
	*out = (padded - ek + s - 1) / s + 1;
	/* The last window must start inside the input or its left padding
	 * (ONNX, PyTorch and onnxruntime agree). */
	if ((*out - 1) * s >= in + w->pb[i])
		(*out)--;
	return 0;
}

/* What conv and conv_transpose ask alike of input x and weight w: rank >=
 * 3, the same rank, and an attribute group (into *group) that divides the
 * input channels. 0, or -1 + err. */
static int conv_operands(const nx_graph *g, uint32_t o, nx_err *err, const nx_type *x,
			 const nx_type *w, int64_t *group)
{
	char xb[160], wb[160];
	if (x->rank < 3)
		return nx_infer_fail(g, o, err, "input %s needs rank >= 3 (N, C, spatial...)",
				     nx_infer_tstr(x, xb, sizeof xb));
	if (w->rank != x->rank)
		return nx_infer_fail(g, o, err, "weight %s and input %s differ in rank",
				     nx_infer_tstr(w, wb, sizeof wb),
				     nx_infer_tstr(x, xb, sizeof xb));
	*group = nx_attr_i(g, o, "group", 1);
	if (*group < 1 || *group > x->dims[1] || x->dims[1] % *group)
		return nx_infer_fail(g, o, err, "group=%lld does not divide %lld input channels",
				     (long long)*group, (long long)x->dims[1]);
	return 0;
}

int nx_infer_conv(nx_graph *g, uint32_t o, nx_err *err)
{
	if (nx_infer_dtype_in(g, o, 0, NX_DT_FLOAT, err))
		return -1;
	nx_type r;
	if (nx_infer_conv_shape(g, o, 0, 1, &r, err) ||
	    check_weight(g, o, err, 1, r.dims[1]) || check_bias(g, o, err, 2, r.dims[1]))
		return -1;
	return nx_infer_set(g, o, 0, &r, err);
}

int nx_infer_conv_shape(nx_graph *g, uint32_t o, uint32_t xi, uint32_t wi, nx_type *out,
			nx_err *err)
{
	nx_type x = nx_infer_in(g, o, xi), w = nx_infer_in(g, o, wi), r = x;
	int64_t group;
	if (conv_operands(g, o, err, &x, &w, &group))
		return -1;
	int64_t m = w.dims[0];
	if (w.dims[1] != x.dims[1] / group)
		return nx_infer_fail(g, o, err,
				     "weight has %lld input channels per group, input has %lld "
				     "(group=%lld)", (long long)w.dims[1], (long long)x.dims[1],
				     (long long)group);
	if (m % group)
		return nx_infer_fail(g, o, err, "weight has %lld output channels, "
				     "not a multiple of group=%lld", (long long)m,
				     (long long)group);
	window win;
	int ns = x.rank - 2;
	if (read_window(g, o, err, ns, w.dims + 2, &win))
		return -1;
	r.dims[1] = m;
	for (int i = 0; i < ns; i++)
		if (window_out(g, o, err, &win, i, x.dims[2 + i], false, &r.dims[2 + i]))
			return -1;
	*out = r;
	return 0;
}

int nx_infer_conv_transpose(nx_graph *g, uint32_t o, nx_err *err)
{
	if (nx_infer_dtype_in(g, o, 0, NX_DT_FLOAT, err))
		return -1;
	nx_type x = nx_infer_in(g, o, 0), w = nx_infer_in(g, o, 1), r = x;
	int64_t group;
	if (conv_operands(g, o, err, &x, &w, &group))
		return -1;
	/* Weights are [C, M/group, k...]: the input channels come first. */
	if (w.dims[0] != x.dims[1])
		return nx_infer_fail(g, o, err, "weight has %lld input channels, input has %lld",
				     (long long)w.dims[0], (long long)x.dims[1]);
	if (w.dims[1] > INT64_MAX / group)
		return nx_infer_fail(g, o, err, "output channel count overflows int64");
	int64_t m = w.dims[1] * group;
	if (check_weight(g, o, err, 1, m) || check_bias(g, o, err, 2, m))
		return -1;
	window win;
	int ns = x.rank - 2;
	int64_t opad[NX_MAX_RANK];
	if (read_window(g, o, err, ns, w.dims + 2, &win) ||
	    read_list(g, o, err, "output_padding", (uint32_t)ns, 0, 0, opad))
		return -1;
	uint32_t nos;
	const int64_t *os = nx_attr_ints(g, o, "output_shape", &nos);
	if (nos == (uint32_t)x.rank)
		os += 2; /* a full shape: the spatial part is what counts */
	else if (nos && nos != (uint32_t)ns)
		return nx_infer_fail(g, o, err,
				     "output_shape has %u entries, expected %d (the spatial dims)",
				     nos, ns);
	r.dims[1] = m;
	for (int i = 0; i < ns; i++) {
		int64_t in = x.dims[2 + i], s = win.s[i];
		if (opad[i] >= s && opad[i] >= win.d[i])
			return nx_infer_fail(g, o, err, "output_padding[%d] = %lld must be "
					     "smaller than the stride or the dilation", i,
					     (long long)opad[i]);
		if (in > INT64_MAX / 4 / s)
			return nx_infer_fail(g, o, err, "spatial dim %d = %lld is too large", i,
					     (long long)in);
		/* The full output before pads are cut: stride*(in-1) + opad + ek. */
		int64_t full = s * (in - 1) + opad[i] + win.ek[i];
		int64_t out;
		if (nos) {
			/* Above full, ONNX's total padding is negative: the
			 * positions past the full output take only the bias
			 * (the reference and onnxruntime agree). */
			out = os[i];
			if (out < 1)
				return nx_infer_fail(g, o, err, "output_shape[%d] = %lld is "
						     "not a size", i, (long long)out);
		} else if (nx_auto_pad_same(win.auto_pad)) {
			out = in * s;
		} else {
			out = full - win.pb[i] - win.pe[i];
		}
		r.dims[2 + i] = out;
	}
	return nx_infer_set(g, o, 0, &r, err);
}

int nx_infer_pool(nx_graph *g, uint32_t o, nx_err *err)
{
	unsigned ok = NX_DT_FLOAT;
	if (nx_opp(g, o)->kind == NX_OP_MAX_POOL)
		ok |= (1u << NX_I8) | (1u << NX_U8);
	if (nx_infer_dtype_in(g, o, 0, ok, err))
		return -1;
	nx_type x = nx_infer_in(g, o, 0), r = x;
	char xb[160];
	if (x.rank < 3)
		return nx_infer_fail(g, o, err, "input %s needs rank >= 3 (N, C, spatial...)",
				     nx_infer_tstr(&x, xb, sizeof xb));
	window win;
	int ns = x.rank - 2;
	if (read_window(g, o, err, ns, NULL, &win))
		return -1;
	int64_t ceil_mode = nx_attr_i(g, o, "ceil_mode", 0);
	for (int i = 0; i < ns; i++)
		if (window_out(g, o, err, &win, i, x.dims[2 + i], ceil_mode != 0, &r.dims[2 + i]))
			return -1;
	return nx_infer_set(g, o, 0, &r, err);
}

int nx_infer_global_pool(nx_graph *g, uint32_t o, nx_err *err)
{
	if (nx_infer_dtype_in(g, o, 0, NX_DT_FLOAT, err))
		return -1;
	nx_type x = nx_infer_in(g, o, 0), r = x;
	char xb[160];
	if (x.rank < 3)
		return nx_infer_fail(g, o, err, "input %s needs rank >= 3 (N, C, spatial...)",
				     nx_infer_tstr(&x, xb, sizeof xb));
	for (int i = 2; i < x.rank; i++)
		r.dims[i] = 1;
	return nx_infer_set(g, o, 0, &r, err);
}

/* ---- matrix products ---- */

int nx_infer_matmul(nx_graph *g, uint32_t o, nx_err *err)
{
	unsigned ok = NX_DT_FLOAT | (1u << NX_I32) | (1u << NX_I64);
	if (nx_infer_dtype_in(g, o, 0, ok, err))
		return -1;
	nx_type a = nx_infer_in(g, o, 0), b = nx_infer_in(g, o, 1), r;
	char ab[160], bb[160];
	if (a.rank < 1 || b.rank < 1)
		return nx_infer_fail(g, o, err, "operands %s and %s must have rank >= 1",
				     nx_infer_tstr(&a, ab, sizeof ab),
				     nx_infer_tstr(&b, bb, sizeof bb));
	/* numpy: a 1-D A is a row [1,K], a 1-D B a column [K,1]; the added
	 * dim is dropped from the result. */
	int64_t ka = a.dims[a.rank - 1], kb = b.rank >= 2 ? b.dims[b.rank - 2] : b.dims[0];
	int64_t n = b.rank >= 2 ? b.dims[b.rank - 1] : 1;
	if (ka != kb)
		return nx_infer_fail(g, o, err, "inner dims differ: %s has K=%lld, %s has K=%lld",
				     nx_infer_tstr(&a, ab, sizeof ab), (long long)ka,
				     nx_infer_tstr(&b, bb, sizeof bb), (long long)kb);
	if (check_weight(g, o, err, 1, n))
		return -1;
	nx_type ba = nx_type_make(a.dtype, a.rank >= 2 ? a.rank - 2 : 0, a.dims);
	nx_type bbt = nx_type_make(a.dtype, b.rank >= 2 ? b.rank - 2 : 0, b.dims);
	nx_err tmp;
	if (nx_broadcast(&ba, &bbt, &r, &tmp))
		return nx_infer_fail(g, o, err, "batch dims: %s", tmp.msg);
	if (a.rank >= 2)
		r.dims[r.rank++] = a.dims[a.rank - 2];
	if (b.rank >= 2)
		r.dims[r.rank++] = n;
	r.dtype = a.dtype;
	return nx_infer_set(g, o, 0, &r, err);
}

int nx_infer_gemm(nx_graph *g, uint32_t o, nx_err *err)
{
	unsigned ok = NX_DT_FLOAT | (1u << NX_I32) | (1u << NX_I64);
	if (nx_infer_dtype_in(g, o, 0, ok, err))
		return -1;
	nx_type a = nx_infer_in(g, o, 0), b = nx_infer_in(g, o, 1);
	char ab[160], bb[160];
	if (a.rank != 2 || b.rank != 2)
		return nx_infer_fail(g, o, err, "operands %s and %s must be 2-D",
				     nx_infer_tstr(&a, ab, sizeof ab),
				     nx_infer_tstr(&b, bb, sizeof bb));
	bool ta = nx_attr_i(g, o, "transA", 0) != 0, tb = nx_attr_i(g, o, "transB", 0) != 0;
	int64_t m = a.dims[ta], ka = a.dims[!ta], kb = b.dims[tb], n = b.dims[!tb];
	if (ka != kb)
		return nx_infer_fail(g, o, err,
				     "inner dims differ: A %s%s has K=%lld, B %s%s has K=%lld",
				     nx_infer_tstr(&a, ab, sizeof ab), ta ? " (transA)" : "",
				     (long long)ka, nx_infer_tstr(&b, bb, sizeof bb),
				     tb ? " (transB)" : "", (long long)kb);
	if (check_weight(g, o, err, 1, n))
		return -1;
	int64_t mn[2] = {m, n};
	if (nx_opp(g, o)->n_in > 2 && nx_operand(g, o, 2) != NX_NONE &&
	    (nx_infer_same_dtype(g, o, 0, 2, err) || check_unidir(g, o, err, 2, "C", mn, 2)))
		return -1;
	nx_type r = nx_type_make(a.dtype, 2, mn);
	return nx_infer_set(g, o, 0, &r, err);
}

/* ---- opaque ---- */

int nx_infer_opaque(nx_graph *g, uint32_t o, nx_err *err)
{
	/* nex cannot know an unknown op's semantics: the importer (or the
	 * .nex source) must have given every result its type. */
	for (uint32_t i = 0; i < nx_opp(g, o)->n_out; i++) {
		uint32_t v = nx_result(g, o, i);
		if (nx_vtype(g, v)->dtype == NX_DTYPE_UNKNOWN) {
			const char *dom = nx_attr_s(g, o, "domain", "");
			return nx_infer_fail(g, o, err, "result %u (%%%s) of opaque op "
					     "%s%s%s has no type, and nex cannot infer one "
					     "for an op it does not know", i, nx_vname(g, v),
					     dom, *dom ? "." : "",
					     nx_attr_s(g, o, "op_type", "?"));
		}
	}
	return 0;
}
