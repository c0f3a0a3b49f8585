/* onnx_opset.c — one ONNX node -> registry op(s), across opsets 6 to 20.
 *
 * Most ops map one to one: data inputs become operands and ONNX attributes
 * become nex attributes of the same name (checked against ops.c's schema).
 * The work here is in the version differences, and in the shape-like
 * parameters that later opsets pass as inputs while nex keeps them as
 * attributes (ops.def header): those inputs must be constant by the time
 * the node is read (onnx_import.c folds shape arithmetic to make them so).
 *
 *   Reshape, Expand           shape input -> attr shape
 *   Squeeze, Unsqueeze        axes attr (< 13) or input (>= 13)
 *   Split                     split attr (< 13) or input (>= 13); num_outputs (18)
 *   Slice                     starts/ends/axes attrs (< 10) or inputs (>= 10)
 *   Pad                       pads/value attrs (< 11) or inputs; axes input (18)
 *   Clip                      min/max attrs (< 11) or inputs (>= 11)
 *   ReduceSum                 axes attr (< 13) or input (>= 13)
 *   the other Reduce*         axes attr (< 18) or input (>= 18)
 *   Resize                    10: scales input, asymmetric coordinates;
 *                             11+: roi/scales/sizes inputs; 18: axes
 *   Upsample (7..9)           resize, asymmetric, nearest_mode floor
 *   Softmax, LogSoftmax,
 *   Hardmax                   < 13: coerced to 2-D at axis; unless axis is
 *                             the last one, flatten -> softmax -> reshape
 *   BatchNormalization        training mode (extra outputs,
 *                             training_mode=1) refused
 *   Dropout                   identity (inference, or training with ratio 0);
 *                             the mask output an all-true constant
 *   Cast                      to = ONNX type number -> nex dtype name
 *   CumSum                    axis input -> attr axis
 *   TopK                      k attr (< 10) or input (>= 10) -> attr k
 *   Trilu, Tile               k, repeats inputs -> attrs
 *   OneHot                    depth input -> attr depth
 *   EyeLike                   dtype (type number) -> nex dtype name
 *   CastLike                  cast to the second input's dtype
 *   Scatter (9, 10)           scatter_elements
 *   PRelu (6)                 a [C] slope is per channel: unsqueezed to
 *                             [C, 1, ...] so opset 7's broadcast agrees
 */
#include <stdlib.h>
#include <string.h>

#include "onnx_int.h"

/* Output names for an op with at most max results: unnamed optional
 * outputs at the end are dropped; a named one past max is refused with
 * why (training outputs and the like). names[i] is NULL for "". */
static int out_names(nx_onnx_imp *im, uint32_t max, const char *why, const char **names,
		     uint32_t *n)
{
	const Onnx__NodeProto *nd = im->node;
	uint32_t k = (uint32_t)(nd->n_output > 256 ? 256 : nd->n_output);
	while (k && (!nd->output[k - 1] || !nd->output[k - 1][0]))
		k--;
	if (!k)
		return nx_onnx_fail(im, "has no outputs");
	if (k > max)
		return nx_onnx_fail(im, "output %u '%s' is not supported: %s", k - 1,
				    nd->output[k - 1], why ? why : "nex's op has fewer results");
	for (uint32_t i = 0; i < k; i++)
		names[i] = nd->output[i] && nd->output[i][0] ? nd->output[i] : NULL;
	*n = k;
	return 0;
}

/* Inputs [0, n) as data operands; inputs past n must be absent unless the
 * caller reads them (extra = how many more it reads). */
static int operands(nx_onnx_imp *im, uint32_t n, uint32_t extra, uint32_t *in)
{
	const Onnx__NodeProto *nd = im->node;
	for (uint32_t i = 0; i < n; i++)
		if (nx_onnx_operand(im, i, &in[i]))
			return -1;
	/* Callers pass the inputs they need; nex's optional operands are all
	 * at the tail (Conv's bias, Gemm's C), which tr_generic trims before
	 * asking: an absent one here has no meaning. */
	for (uint32_t i = 0; i < n; i++)
		if (in[i] == NX_NONE)
			return nx_onnx_fail(im, "input %u is %s but nex's op needs it", i,
					    i < nd->n_input ? "empty" : "missing");
	for (size_t i = n + extra; i < nd->n_input; i++)
		if (nd->input[i] && nd->input[i][0])
			return nx_onnx_fail(im, "input %zu '%s' is not supported (nex reads %u)", i,
					    nd->input[i], n + extra);
	return 0;
}

/* A one-op translation: data operands, results named after the node's
 * outputs, attributes copied (except skip). NX_NONE + err on failure. */
static uint32_t start(nx_onnx_imp *im, int kind, const uint32_t *in, uint32_t n_in,
		      const char *const *skip, const char *why_out)
{
	const char *names[256];
	uint32_t n_out;
	uint32_t max = nx_ops[kind].out_max == NX_VARIADIC ? 255 : nx_ops[kind].out_max;
	if (out_names(im, max, why_out, names, &n_out))
		return NX_NONE;
	if (n_out < nx_ops[kind].out_min) {
		nx_onnx_fail(im, "has %u outputs, nex's %s gives %u", n_out, nx_ops[kind].name,
			     nx_ops[kind].out_min);
		return NX_NONE;
	}
	uint32_t op = nx_onnx_op_new(im, kind, in, n_in, n_out, names);
	if (op == NX_NONE)
		return NX_NONE;
	if (nx_onnx_copy_attrs(im, op, skip))
		return NX_NONE;
	return op;
}

static int list_attr(nx_onnx_imp *im, uint32_t op, const char *name, const nx_onnx_list *l)
{
	if (l->n > UINT32_MAX / 2)
		return nx_onnx_fail(im, "%s is too long", name);
	nx_attr_set_ints(im->g, op, name, l->i, l->n);
	return 0;
}

/* Data input 0, then attribute slot `slot` read into attr `name` (absent
 * slot: no attribute, or an error when required). */
static int one_slot(nx_onnx_imp *im, int kind, uint32_t slot, const char *name, bool required,
		    const char *const *skip)
{
	uint32_t in[1];
	nx_onnx_list l;
	if (operands(im, 1, slot, in) || nx_onnx_const_list(im, slot, name, true, &l))
		return -1;
	if (required && !l.present)
		return nx_onnx_fail(im, "needs input %u (%s)", slot, name);
	uint32_t op = start(im, kind, in, 1, skip, NULL);
	if (op == NX_NONE)
		return -1;
	if (l.present && l.n && list_attr(im, op, name, &l))
		return -1;
	if (required && l.present && !l.n)
		nx_attr_set_ints(im->g, op, name, l.i, 0); /* Reshape to a scalar */
	return nx_onnx_op_done(im, op, NULL);
}

static int tr_generic(nx_onnx_imp *im, int kind)
{
	const Onnx__NodeProto *nd = im->node;
	uint32_t max = nx_ops[kind].in_max;
	uint32_t n = (uint32_t)(nd->n_input > UINT16_MAX ? UINT16_MAX : nd->n_input);
	/* Trailing absent inputs are just unwritten optional ones. */
	while (n && (!nd->input[n - 1] || !nd->input[n - 1][0]))
		n--;
	if (max != NX_VARIADIC && n > max)
		return nx_onnx_fail(im, "has %u inputs, nex's %s takes at most %u", n,
				    nx_ops[kind].name, max);
	if (n < nx_ops[kind].in_min)
		return nx_onnx_fail(im, "has %u inputs, nex's %s takes at least %u", n,
				    nx_ops[kind].name, nx_ops[kind].in_min);
	uint32_t *in = nx_xmalloc((n ? n : 1) * sizeof *in);
	int rc = -1;
	if (operands(im, n, 0, in) == 0) {
		uint32_t op = start(im, kind, in, n, NULL, NULL);
		if (op != NX_NONE)
			rc = nx_onnx_op_done(im, op, NULL);
	}
	free(in);
	return rc;
}

/* Concat drops zero-element inputs (they add nothing along the axis); all
 * of them empty makes an empty. */
static int tr_concat(nx_onnx_imp *im)
{
	const Onnx__NodeProto *nd = im->node;
	uint32_t n = (uint32_t)(nd->n_input > UINT16_MAX ? UINT16_MAX : nd->n_input), k = 0;
	uint32_t *in = nx_xmalloc((n ? n : 1) * sizeof *in);
	const char *first_empty = NULL;
	int rc = -1;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t v;
		bool empty;
		if (nx_onnx_input(im, i, &v, &empty))
			goto out;
		if (empty && !first_empty)
			first_empty = nd->input[i];
		if (v != NX_NONE)
			in[k++] = v;
	}
	if (!k && first_empty) {
		if (nd->n_output < 1 || !nd->output[0] || !nd->output[0][0]) {
			nx_onnx_fail(im, "has no output");
			goto out;
		}
		bool ok;
		nx_type t = nx_onnx_find_empty(im, first_empty)->type; /* copy: the list grows */
		nx_onnx_def_const(im, nd->output[0], &t, NULL, &ok);
		rc = ok ? 0 : -1;
		goto out;
	}
	uint32_t op = start(im, NX_OP_CONCAT, in, k, NULL, NULL);
	if (op != NX_NONE)
		rc = nx_onnx_op_done(im, op, NULL);
out:
	free(in);
	return rc;
}

static int tr_cast(nx_onnx_imp *im)
{
	static const char *const skip[] = {"to", "saturate", NULL};
	const Onnx__AttributeProto *a = nx_onnx_attr(im->node, "to");
	if (!a)
		return nx_onnx_fail(im, "has no 'to' attribute");
	int64_t to = nx_onnx_attr_i(im->node, "to", -1);
	int d = to >= 0 && to < 64 ? nx_onnx_dtype_in(im, (int)to) : -1;
	if (d < 0)
		return nx_onnx_fail(im, "casts to %s, which nex does not have",
				    nx_onnx_type_name((int)to));
	uint32_t in[1];
	if (operands(im, 1, 0, in))
		return -1;
	uint32_t op = start(im, NX_OP_CAST, in, 1, skip, NULL);
	if (op == NX_NONE)
		return -1;
	nx_attr_set_s(im->g, op, "to", nx_dtype_name(d));
	return nx_onnx_op_done(im, op, NULL);
}

static int tr_split(nx_onnx_imp *im)
{
	static const char *const skip[] = {"num_outputs", NULL};
	uint32_t in[1];
	nx_onnx_list l;
	l.present = false;
	if (operands(im, 1, im->opset >= 13, in))
		return -1;
	if (im->opset >= 13 && nx_onnx_const_list(im, 1, "split", true, &l))
		return -1;
	const Onnx__NodeProto *nd = im->node;
	const char *names[256];
	if (nd->n_output > 255)
		return nx_onnx_fail(im, "has %zu outputs; nex allows at most 255", nd->n_output);
	uint32_t n_out = (uint32_t)nd->n_output;
	if (!n_out)
		return nx_onnx_fail(im, "has no outputs");
	for (uint32_t i = 0; i < n_out; i++)
		names[i] = nd->output[i] && nd->output[i][0] ? nd->output[i] : NULL;
	int64_t num = nx_onnx_attr_i(nd, "num_outputs", 0);
	if (nx_onnx_attr(nd, "num_outputs") && num != n_out)
		return nx_onnx_fail(im, "num_outputs=%lld but the node has %u outputs",
				    (long long)num, n_out);
	uint32_t op = nx_onnx_op_new(im, NX_OP_SPLIT, in, 1, n_out, names);
	if (op == NX_NONE || nx_onnx_copy_attrs(im, op, skip))
		return -1;
	if (l.present && l.n && list_attr(im, op, "split", &l))
		return -1;
	return nx_onnx_op_done(im, op, NULL);
}

/* Elements ONNX's Slice keeps of an axis of size dim (starts/ends clamped
 * as the opset-13 spec says). */
static int64_t slice_len(int64_t dim, int64_t s, int64_t e, int64_t step)
{
	if (s < 0)
		s = s < -dim ? 0 : s + dim;
	if (e < 0)
		e = e < -dim ? (step > 0 ? 0 : -1) : e + dim;
	if (step > 0) {
		s = s > dim ? dim : s;
		e = e > dim ? dim : e;
		return e > s ? (e - s - 1) / step + 1 : 0;
	}
	s = s > dim - 1 ? dim - 1 : s;
	e = e > dim - 1 ? dim - 1 : e;
	int64_t back = step == INT64_MIN ? INT64_MAX : -step;
	return s > e ? (s - e - 1) / back + 1 : 0;
}

/* A Slice of a constant that selects nothing: shape arithmetic in
 * function-expanded models does that (the prefix of a shape before axis 0);
 * the result is an empty, which Concat then drops. 1 if made. */
static int slice_empty(nx_onnx_imp *im, uint32_t x, const nx_onnx_list *l)
{
	if (x == NX_NONE || !nx_is_const(im->g, x))
		return 0;
	nx_type t = *nx_vtype(im->g, x);
	bool empty = false;
	for (uint32_t i = 0; i < l[0].n && i < l[1].n; i++) {
		int64_t a = l[2].present && i < l[2].n ? l[2].i[i] : (int64_t)i;
		int64_t step = l[3].present && i < l[3].n ? l[3].i[i] : 1;
		if (a < 0)
			a += t.rank;
		if (a < 0 || a >= t.rank || step == 0)
			return 0; /* let inference report it */
		t.dims[a] = slice_len(t.dims[a], l[0].i[i], l[1].i[i], step);
		empty |= t.dims[a] == 0;
	}
	if (!empty)
		return 0;
	bool ok;
	nx_onnx_def_const(im, im->node->output[0], &t, NULL, &ok);
	return ok ? 1 : -1;
}

static int tr_slice(nx_onnx_imp *im)
{
	if (im->opset < 10)
		return tr_generic(im, NX_OP_SLICE);
	static const char *const what[4] = {"starts", "ends", "axes", "steps"};
	uint32_t in[1];
	nx_onnx_list l[4];
	if (operands(im, 1, 4, in))
		return -1;
	for (int i = 0; i < 4; i++)
		if (nx_onnx_const_list(im, (uint32_t)i + 1, what[i], true, &l[i]))
			return -1;
	if (!l[0].present || !l[1].present)
		return nx_onnx_fail(im, "needs inputs 1 (starts) and 2 (ends)");
	if (im->node->n_output >= 1 && im->node->output[0] && im->node->output[0][0]) {
		int e = slice_empty(im, in[0], l);
		if (e)
			return e < 0 ? -1 : 0;
	}
	uint32_t op = start(im, NX_OP_SLICE, in, 1, NULL, NULL);
	if (op == NX_NONE)
		return -1;
	for (int i = 0; i < 4; i++)
		if ((i < 2 || (l[i].present && l[i].n)) && list_attr(im, op, what[i], &l[i]))
			return -1;
	return nx_onnx_op_done(im, op, NULL);
}

static int tr_pad(nx_onnx_imp *im)
{
	if (im->opset < 11)
		return tr_generic(im, NX_OP_PAD);
	uint32_t in[1];
	nx_onnx_list pads, value, axes;
	axes.present = false;
	if (operands(im, 1, im->opset >= 18 ? 3 : 2, in) ||
	    nx_onnx_const_list(im, 1, "pads", true, &pads) ||
	    nx_onnx_const_list(im, 2, "constant_value", false, &value) ||
	    (im->opset >= 18 && nx_onnx_const_list(im, 3, "axes", true, &axes)))
		return -1;
	if (!pads.present)
		return nx_onnx_fail(im, "needs input 1 (pads)");
	if (value.present && value.n > 1)
		return nx_onnx_fail(im, "constant_value has %u elements, expected one", value.n);
	int rank = nx_vtype(im->g, in[0])->rank;
	if (axes.present && axes.n) {
		/* Opset 18: pads for the listed axes only; widen to every axis. */
		if (pads.n != 2 * axes.n)
			return nx_onnx_fail(im, "pads has %u entries for %u axes (expected %u)",
					    pads.n, axes.n, 2 * axes.n);
		int64_t full[2 * NX_MAX_RANK] = {0};
		bool seen[NX_MAX_RANK] = {false};
		for (uint32_t i = 0; i < axes.n; i++) {
			int64_t a = axes.i[i] < 0 ? axes.i[i] + rank : axes.i[i];
			if (a < 0 || a >= rank || seen[a])
				return nx_onnx_fail(im, "axes[%u] = %lld is out of range or repeated "
						    "for rank %d", i, (long long)axes.i[i], rank);
			seen[a] = true;
			full[a] = pads.i[i];
			full[a + rank] = pads.i[i + axes.n];
		}
		pads.n = 2u * (uint32_t)rank;
		memcpy(pads.i, full, pads.n * sizeof full[0]);
	}
	uint32_t op = start(im, NX_OP_PAD, in, 1, NULL, NULL);
	if (op == NX_NONE || list_attr(im, op, "pads", &pads))
		return -1;
	if (value.present && value.n == 1)
		nx_attr_set_f(im->g, op, "value", (float)value.f[0]);
	return nx_onnx_op_done(im, op, NULL);
}

static int tr_clip(nx_onnx_imp *im)
{
	if (im->opset < 11)
		return tr_generic(im, NX_OP_CLIP);
	uint32_t in[1];
	nx_onnx_list lo, hi;
	if (operands(im, 1, 2, in) || nx_onnx_const_list(im, 1, "min", false, &lo) ||
	    nx_onnx_const_list(im, 2, "max", false, &hi))
		return -1;
	if ((lo.present && lo.n != 1) || (hi.present && hi.n != 1))
		return nx_onnx_fail(im, "min and max must be scalars");
	uint32_t op = start(im, NX_OP_CLIP, in, 1, NULL, NULL);
	if (op == NX_NONE)
		return -1;
	if (lo.present)
		nx_attr_set_f(im->g, op, "min", (float)lo.f[0]);
	if (hi.present)
		nx_attr_set_f(im->g, op, "max", (float)hi.f[0]);
	return nx_onnx_op_done(im, op, NULL);
}

static int tr_reduce(nx_onnx_imp *im, int kind)
{
	/* Axes moved from attribute to input in 13 for ReduceSum, in 18 for
	 * the others. */
	int since = kind == NX_OP_REDUCE_SUM ? 13 : 18;
	if (im->opset < since)
		return tr_generic(im, kind);
	return one_slot(im, kind, 1, "axes", false, NULL);
}

/* Opsets before 13 coerce the input to 2-D at axis ([prod(dims[:axis]),
 * prod(dims[axis:])]) and normalize each row: the same as opset 13's
 * single-axis form only when axis is the last one. Otherwise the coercion
 * is spelled out: flatten, softmax over the last axis, reshape back. */
static int tr_softmax(nx_onnx_imp *im, int kind)
{
	uint32_t in[1];
	if (operands(im, 1, 0, in))
		return -1;
	if (im->opset >= 13)
		return tr_generic(im, kind);
	const nx_type x = *nx_vtype(im->g, in[0]);
	const Onnx__AttributeProto *a = nx_onnx_attr(im->node, "axis");
	int64_t axis = nx_onnx_attr_i(im->node, "axis", 1);
	int64_t ax = axis < 0 ? axis + x.rank : axis;
	if (ax < 0 || ax >= x.rank)
		return nx_onnx_fail(im, "axis %lld is out of range for rank %d", (long long)axis,
				    x.rank);
	if (ax == x.rank - 1) {
		static const char *const skip[] = {"axis", NULL};
		uint32_t op = start(im, kind, in, 1, skip, NULL);
		if (op == NX_NONE)
			return -1;
		if (a) /* absent: 1, the last axis of a 2-D input, as nex's -1 */
			nx_attr_set_i(im->g, op, "axis", axis);
		return nx_onnx_op_done(im, op, NULL);
	}
	const char *names[256];
	uint32_t n_out;
	if (out_names(im, 1, NULL, names, &n_out))
		return -1;
	uint32_t mid[1], sm[1];
	uint32_t op = nx_onnx_op_new(im, NX_OP_FLATTEN, in, 1, 1, (const char *const[]){NULL});
	if (op == NX_NONE)
		return -1;
	nx_attr_set_i(im->g, op, "axis", ax);
	if (nx_onnx_op_done(im, op, mid))
		return -1;
	op = nx_onnx_op_new(im, kind, mid, 1, 1, (const char *const[]){NULL});
	if (op == NX_NONE || nx_onnx_op_done(im, op, sm))
		return -1;
	op = nx_onnx_op_new(im, NX_OP_RESHAPE, sm, 1, 1, names);
	if (op == NX_NONE)
		return -1;
	nx_attr_set_ints(im->g, op, "shape", x.dims, x.rank);
	return nx_onnx_op_done(im, op, NULL);
}

static int tr_batch_norm(nx_onnx_imp *im)
{
	static const char *const skip[] = {"spatial", "training_mode", "is_test",
					   "consumed_inputs", NULL};
	const Onnx__NodeProto *nd = im->node;
	if (nx_onnx_attr_i(nd, "training_mode", 0))
		return nx_onnx_fail(im, "training_mode=1 is training; nex imports inference "
				    "graphs");
	if (!nx_onnx_attr_i(nd, "spatial", 1))
		return nx_onnx_fail(im, "spatial=0 (per-element statistics) is not supported");
	uint32_t in[5];
	if (operands(im, 5, 0, in))
		return -1;
	uint32_t op = start(im, NX_OP_BATCH_NORM, in, 5, skip,
			    "running mean/variance outputs exist in training mode only, "
			    "which nex does not import");
	return op == NX_NONE ? -1 : nx_onnx_op_done(im, op, NULL);
}

static int tr_layer_norm(nx_onnx_imp *im)
{
	static const char *const skip[] = {"stash_type", NULL};
	uint32_t in[3];
	const Onnx__NodeProto *nd = im->node;
	uint32_t n = nd->n_input >= 3 && nd->input[2] && nd->input[2][0] ? 3 : 2;
	if (operands(im, n, 0, in))
		return -1;
	uint32_t op = start(im, NX_OP_LAYER_NORM, in, n, skip, NULL);
	return op == NX_NONE ? -1 : nx_onnx_op_done(im, op, NULL);
}

static int tr_max_pool(nx_onnx_imp *im)
{
	uint32_t in[1];
	if (operands(im, 1, 0, in))
		return -1;
	const Onnx__NodeProto *nd = im->node;
	bool idx = nd->n_output > 1 && nd->output[1] && nd->output[1][0];
	uint32_t op = start(im, idx ? NX_OP_MAX_POOL_ARGMAX : NX_OP_MAX_POOL, in, 1, NULL, NULL);
	return op == NX_NONE ? -1 : nx_onnx_op_done(im, op, NULL);
}

/* RoiAlign-10 has no coordinate_transformation_mode: it behaves as 16's
 * "output_half_pixel", which 16's default ("half_pixel") is not. */
static int tr_roi_align(nx_onnx_imp *im)
{
	uint32_t in[3];
	if (operands(im, 3, 0, in))
		return -1;
	uint32_t op = start(im, NX_OP_ROI_ALIGN, in, 3, NULL, NULL);
	if (op == NX_NONE)
		return -1;
	if (im->opset < 16 && !nx_onnx_attr(im->node, "coordinate_transformation_mode"))
		nx_attr_set_s(im->g, op, "coordinate_transformation_mode", "output_half_pixel");
	return nx_onnx_op_done(im, op, NULL);
}

static int tr_dropout(nx_onnx_imp *im)
{
	static const char *const skip[] = {"ratio", "seed", "is_test", NULL};
	const Onnx__NodeProto *nd = im->node;
	uint32_t in[1];
	nx_onnx_list ratio, training;
	if (operands(im, 1, 2, in) || nx_onnx_const_list(im, 1, "ratio", false, &ratio))
		return -1;
	if (nx_onnx_const_list(im, 2, "training_mode", false, &training))
		return -1;
	/* Training mode drops at random unless the ratio is 0 (then it is
	 * the identity, as in inference); the default ratio is 0.5. */
	double r = ratio.present && ratio.n ? ratio.f[0] : 0.5;
	if (training.present && training.n && training.f[0] != 0 && r != 0)
		return nx_onnx_fail(im, "training_mode is true with ratio %g: it drops at random; "
				    "nex imports inference graphs", r);
	/* The mask (output 1) is then all true: a constant of X's shape. */
	const char *mask = nd->n_output > 1 && nd->output[1] && nd->output[1][0] ? nd->output[1]
										   : NULL;
	if (!nd->n_output || !nd->output[0] || !nd->output[0][0] || nd->n_output > 2)
		return nx_onnx_fail(im, "has %zu outputs: Dropout has output and an optional mask",
				    nd->n_output);
	const char *names[1] = {nd->output[0]};
	uint32_t op = nx_onnx_op_new(im, NX_OP_IDENTITY, in, 1, 1, names);
	if (op == NX_NONE || nx_onnx_copy_attrs(im, op, skip))
		return -1;
	if (mask) {
		nx_type t = *nx_vtype(im->g, in[0]);
		t.dtype = NX_BOOL;
		size_t n = (size_t)nx_type_numel(&t);
		unsigned char *ones = nx_xmalloc(n ? n : 1); /* freed below; def_const copies */
		memset(ones, 1, n);
		bool ok = true;
		nx_onnx_def_const(im, mask, &t, ones, &ok);
		free(ones);
		if (!ok)
			return -1;
	}
	return nx_onnx_op_done(im, op, NULL);
}

/* Resize 10 and Upsample: the "asymmetric" coordinates ONNX's own version
 * converter assigns them (x_in = x_out / scale), floor for nearest. */
static int tr_resize_old(nx_onnx_imp *im, bool upsample)
{
	static const char *const skip[] = {"mode", "scales", NULL};
	char mbuf[64];
	const char *mode = nx_onnx_attr_str(im->node, "mode", "nearest", mbuf, sizeof mbuf);
	if (!strcmp(mode, "bilinear"))
		mode = "linear";
	if (strcmp(mode, "nearest") && strcmp(mode, "linear"))
		return nx_onnx_fail(im, "mode=\"%s\" (expected nearest or linear)", mode);
	uint32_t in[1];
	nx_onnx_list sc;
	bool attr = upsample && im->opset < 9;
	if (operands(im, 1, attr ? 0 : 1, in))
		return -1;
	if (attr) {
		const Onnx__AttributeProto *a = nx_onnx_attr(im->node, "scales");
		if (!a || !a->n_floats || a->n_floats > NX_ONNX_MAX_LIST)
			return nx_onnx_fail(im, "needs the scales attribute");
		sc.present = true;
		sc.n = (uint32_t)a->n_floats;
		for (uint32_t i = 0; i < sc.n; i++)
			sc.f[i] = a->floats[i];
	} else if (nx_onnx_const_list(im, 1, "scales", false, &sc)) {
		return -1;
	}
	if (!sc.present || !sc.n)
		return nx_onnx_fail(im, "needs input 1 (scales)");
	char keep[64];
	snprintf(keep, sizeof keep, "%s", mode);
	uint32_t op = start(im, NX_OP_RESIZE, in, 1, skip, NULL);
	if (op == NX_NONE)
		return -1;
	float f[NX_ONNX_MAX_LIST];
	for (uint32_t i = 0; i < sc.n; i++)
		f[i] = (float)sc.f[i];
	nx_attr_set_floats(im->g, op, "scales", f, sc.n);
	nx_attr_set_s(im->g, op, "mode", keep);
	nx_attr_set_s(im->g, op, "coordinate_transformation_mode", "asymmetric");
	if (!strcmp(keep, "nearest"))
		nx_attr_set_s(im->g, op, "nearest_mode", "floor");
	return nx_onnx_op_done(im, op, NULL);
}

static int tr_resize(nx_onnx_imp *im)
{
	static const char *const skip[] = {"antialias", "axes", "keep_aspect_ratio_policy", NULL};
	const Onnx__NodeProto *nd = im->node;
	if (im->opset < 11)
		return tr_resize_old(im, false);
	if (nx_onnx_attr_i(nd, "antialias", 0))
		return nx_onnx_fail(im, "antialias=1 is not supported");
	char pbuf[64];
	const char *pol = nx_onnx_attr_str(nd, "keep_aspect_ratio_policy", "stretch", pbuf,
					   sizeof pbuf);
	if (strcmp(pol, "stretch"))
		return nx_onnx_fail(im, "keep_aspect_ratio_policy=\"%s\" is not supported "
				    "(stretch only)", pol);
	uint32_t in[1];
	nx_onnx_list sc, sz;
	if (operands(im, 1, 3, in) || nx_onnx_const_list(im, 2, "scales", false, &sc) ||
	    nx_onnx_const_list(im, 3, "sizes", true, &sz))
		return -1;
	/* Input 1 (roi) matters to tf_crop_and_resize only, which nex refuses. */
	bool use_sizes = sz.present && sz.n;
	if (!use_sizes && !(sc.present && sc.n))
		return nx_onnx_fail(im, "needs non-empty scales or sizes");
	const nx_type x = *nx_vtype(im->g, in[0]);
	const Onnx__AttributeProto *ax = nx_onnx_attr(nd, "axes");
	uint32_t n = use_sizes ? sz.n : sc.n;
	if (ax && ax->n_ints) {
		/* Opset 18: values for the listed axes only; the rest keep
		 * their size (scale 1). */
		if (ax->n_ints != n)
			return nx_onnx_fail(im, "axes has %zu entries, %s has %u", ax->n_ints,
					    use_sizes ? "sizes" : "scales", n);
		nx_onnx_list full;
		for (int i = 0; i < x.rank; i++) {
			full.i[i] = x.dims[i];
			full.f[i] = 1.0;
		}
		bool seen[NX_MAX_RANK] = {false};
		for (uint32_t i = 0; i < n; i++) {
			int64_t a = ax->ints[i] < 0 ? ax->ints[i] + x.rank : ax->ints[i];
			if (a < 0 || a >= x.rank || seen[a])
				return nx_onnx_fail(im, "axes[%u] = %lld is out of range or repeated",
						    i, (long long)ax->ints[i]);
			seen[a] = true;
			if (use_sizes)
				full.i[a] = sz.i[i];
			else
				full.f[a] = sc.f[i];
		}
		n = x.rank;
		for (uint32_t i = 0; i < n; i++) {
			sz.i[i] = full.i[i];
			sc.f[i] = full.f[i];
		}
	}
	uint32_t op = start(im, NX_OP_RESIZE, in, 1, skip, NULL);
	if (op == NX_NONE)
		return -1;
	if (use_sizes) {
		nx_attr_set_ints(im->g, op, "sizes", sz.i, n);
	} else {
		float f[NX_ONNX_MAX_LIST];
		for (uint32_t i = 0; i < n; i++)
			f[i] = (float)sc.f[i];
		nx_attr_set_floats(im->g, op, "scales", f, n);
	}
	return nx_onnx_op_done(im, op, NULL);
}

/* Before opset 7 PRelu's slope was per channel: a [C] slope on an
 * [N, C, ...] input meant channel c's slope, which 7's unidirectional
 * broadcast would align with the last axis instead. The slope gets the
 * trailing unit dims that make both rules agree. */
static int tr_prelu(nx_onnx_imp *im)
{
	uint32_t in[2];
	if (operands(im, 2, 0, in))
		return -1;
	const nx_type x = *nx_vtype(im->g, in[0]), sl = *nx_vtype(im->g, in[1]);
	if (im->opset < 7 && x.rank > 2 && sl.rank == 1 && sl.dims[0] > 1 &&
	    sl.dims[0] == x.dims[1]) {
		int64_t axes[NX_MAX_RANK];
		for (int i = 0; i < x.rank - 2; i++)
			axes[i] = i + 1;
		uint32_t op = nx_onnx_op_new(im, NX_OP_UNSQUEEZE, &in[1], 1, 1,
					     (const char *const[]){NULL});
		if (op == NX_NONE)
			return -1;
		nx_attr_set_ints(im->g, op, "axes", axes, (uint32_t)(x.rank - 2));
		if (nx_onnx_op_done(im, op, &in[1]))
			return -1;
	}
	uint32_t op = start(im, NX_OP_PRELU, in, 2, NULL, NULL);
	return op == NX_NONE ? -1 : nx_onnx_op_done(im, op, NULL);
}

/* Opsets 1 to 6 broadcast only when `broadcast` is 1, and then B against A
 * from dim `axis` of A (default: B's dims are A's last ones), so B may sit
 * in the middle of A's dims, which numpy rules (nex's, and ONNX's from
 * opset 7) would align to the right. B gets trailing unit dims to say the
 * same thing numpy's way. broadcast 0 means equal shapes. Gemm's flag only
 * allowed C to broadcast, which nex's gemm does anyway. */
static int tr_legacy_broadcast(nx_onnx_imp *im, int kind)
{
	static const char *const skip[] = {"broadcast", "axis", NULL};
	const Onnx__NodeProto *nd = im->node;
	if (kind == NX_OP_GEMM) {
		uint32_t n = (uint32_t)(nd->n_input > 3 ? 3 : nd->n_input), in[3];
		if (operands(im, n, 0, in))
			return -1;
		uint32_t op = start(im, kind, in, n, skip, NULL);
		return op == NX_NONE ? -1 : nx_onnx_op_done(im, op, NULL);
	}
	uint32_t in[2];
	if (nx_ops[kind].in_max != 2 || operands(im, 2, 0, in))
		return nx_ops[kind].in_max != 2
			       ? nx_onnx_fail(im, "attribute 'broadcast' is not supported by nex's %s",
					      nx_ops[kind].name)
			       : -1;
	const nx_type a = *nx_vtype(im->g, in[0]), b = *nx_vtype(im->g, in[1]);
	if (!nx_onnx_attr_i(nd, "broadcast", 0)) {
		bool same = a.rank == b.rank;
		for (int i = 0; same && i < a.rank; i++)
			same = a.dims[i] == b.dims[i];
		if (!same)
			return nx_onnx_fail(im, "broadcast is 0 (opset %lld), so A and B must have "
					    "one shape, and they differ", (long long)im->opset);
	} else {
		int64_t axis = nx_onnx_attr_i(nd, "axis", a.rank - b.rank);
		int64_t tail = a.rank - axis - b.rank;
		if (axis < 0 || tail < 0)
			return nx_onnx_fail(im, "B (rank %d) does not fit A (rank %d) from axis "
					    "%lld", b.rank, a.rank, (long long)axis);
		if (tail > 0) {
			int64_t axes[NX_MAX_RANK];
			for (int64_t i = 0; i < tail; i++)
				axes[i] = b.rank + i;
			uint32_t op = nx_onnx_op_new(im, NX_OP_UNSQUEEZE, &in[1], 1, 1,
						     (const char *const[]){NULL});
			if (op == NX_NONE)
				return -1;
			nx_attr_set_ints(im->g, op, "axes", axes, (uint32_t)tail);
			if (nx_onnx_op_done(im, op, &in[1]))
				return -1;
		}
	}
	uint32_t op = start(im, kind, in, 2, skip, NULL);
	return op == NX_NONE ? -1 : nx_onnx_op_done(im, op, NULL);
}

/* TopK's k: attribute before 10, a one-element input from 10. */
static int tr_top_k(nx_onnx_imp *im)
{
	static const char *const skip[] = {"k", NULL};
	uint32_t in[1];
	nx_onnx_list kl;
	kl.present = false;
	if (operands(im, 1, im->opset >= 10, in))
		return -1;
	if (im->opset >= 10 && nx_onnx_const_list(im, 1, "k", true, &kl))
		return -1;
	int64_t k = nx_onnx_attr_i(im->node, "k", -1);
	if (im->opset >= 10) {
		if (!kl.present || kl.n != 1)
			return nx_onnx_fail(im, "needs input 1 (k) with one element");
		k = kl.i[0];
	}
	uint32_t op = start(im, NX_OP_TOP_K, in, 1, skip, NULL);
	if (op == NX_NONE)
		return -1;
	nx_attr_set_i(im->g, op, "k", k);
	return nx_onnx_op_done(im, op, NULL);
}

/* Trilu's optional k input -> attr k. */
static int tr_trilu(nx_onnx_imp *im)
{
	uint32_t in[1];
	nx_onnx_list kl;
	if (operands(im, 1, 1, in) || nx_onnx_const_list(im, 1, "k", true, &kl))
		return -1;
	if (kl.present && kl.n != 1)
		return nx_onnx_fail(im, "k has %u elements, expected one", kl.n);
	uint32_t op = start(im, NX_OP_TRILU, in, 1, NULL, NULL);
	if (op == NX_NONE)
		return -1;
	if (kl.present)
		nx_attr_set_i(im->g, op, "k", kl.i[0]);
	return nx_onnx_op_done(im, op, NULL);
}

/* OneHot(indices, depth, values): depth (one element, any numeric type)
 * -> attr depth; the operands are indices and values. */
static int tr_one_hot(nx_onnx_imp *im)
{
	uint32_t in[3];
	nx_onnx_list dl;
	if (operands(im, 1, 2, in) || nx_onnx_const_list(im, 1, "depth", false, &dl) ||
	    nx_onnx_operand(im, 2, &in[1]))
		return -1;
	if (!dl.present || dl.n != 1 || in[1] == NX_NONE)
		return nx_onnx_fail(im, "needs inputs 1 (depth, one element) and 2 (values)");
	uint32_t op = start(im, NX_OP_ONE_HOT, in, 2, NULL, NULL);
	if (op == NX_NONE)
		return -1;
	nx_attr_set_i(im->g, op, "depth", nx_onnx_f2i(dl.f[0]));
	return nx_onnx_op_done(im, op, NULL);
}

/* EyeLike's dtype (an ONNX type number) -> the nex dtype name. */
static int tr_eye_like(nx_onnx_imp *im)
{
	static const char *const skip[] = {"dtype", NULL};
	uint32_t in[1];
	if (operands(im, 1, 0, in))
		return -1;
	uint32_t op = start(im, NX_OP_EYE_LIKE, in, 1, skip, NULL);
	if (op == NX_NONE)
		return -1;
	if (nx_onnx_attr(im->node, "dtype")) {
		int64_t to = nx_onnx_attr_i(im->node, "dtype", -1);
		int d = to >= 0 && to < 64 ? nx_onnx_dtype_in(im, (int)to) : -1;
		if (d < 0)
			return nx_onnx_fail(im, "dtype %s is not a nex dtype",
					    nx_onnx_type_name((int)to));
		nx_attr_set_s(im->g, op, "dtype", nx_dtype_name(d));
	}
	return nx_onnx_op_done(im, op, NULL);
}

/* CastLike(x, like) is a cast to like's dtype; like's values are unused. */
static int tr_cast_like(nx_onnx_imp *im)
{
	static const char *const skip[] = {"saturate", NULL};
	uint32_t in[2];
	if (operands(im, 2, 0, in))
		return -1;
	int d = nx_vtype(im->g, in[1])->dtype;
	uint32_t op = start(im, NX_OP_CAST, in, 1, skip, NULL);
	if (op == NX_NONE)
		return -1;
	nx_attr_set_s(im->g, op, "to", nx_dtype_name(d));
	return nx_onnx_op_done(im, op, NULL);
}

/* CumSum's axis is a (scalar) input; nex keeps it as attribute axis. */
static int tr_cum_sum(nx_onnx_imp *im)
{
	uint32_t in[1];
	nx_onnx_list ax;
	if (operands(im, 1, 1, in) || nx_onnx_const_list(im, 1, "axis", true, &ax))
		return -1;
	if (!ax.present || ax.n != 1)
		return nx_onnx_fail(im, "needs input 1 (axis) with one element");
	uint32_t op = start(im, NX_OP_CUM_SUM, in, 1, NULL, NULL);
	if (op == NX_NONE)
		return -1;
	nx_attr_set_i(im->g, op, "axis", ax.i[0]);
	return nx_onnx_op_done(im, op, NULL);
}

int nx_onnx_translate(nx_onnx_imp *im, int kind)
{
	const char *t = im->node->op_type;
	if (im->opset < 7 && nx_onnx_attr(im->node, "broadcast"))
		return tr_legacy_broadcast(im, kind);
	if (nx_ops[kind].flags & NX_F_AXES) /* reduce_* */
		return tr_reduce(im, kind);
	switch (kind) {
	case NX_OP_RESHAPE:
		return one_slot(im, kind, 1, "shape", true, NULL);
	case NX_OP_EXPAND:
		return one_slot(im, kind, 1, "shape", true, NULL);
	case NX_OP_SQUEEZE:
	case NX_OP_UNSQUEEZE:
		if (im->opset < 13)
			return tr_generic(im, kind);
		return one_slot(im, kind, 1, "axes", kind == NX_OP_UNSQUEEZE, NULL);
	case NX_OP_SPLIT:
		return tr_split(im);
	case NX_OP_SLICE:
		return tr_slice(im);
	case NX_OP_PAD:
		return tr_pad(im);
	case NX_OP_CLIP:
		return tr_clip(im);
	case NX_OP_CAST:
		return !strcmp(t, "CastLike") ? tr_cast_like(im) : tr_cast(im);
	case NX_OP_CONCAT:
		return tr_concat(im);
	case NX_OP_SOFTMAX:
	case NX_OP_LOG_SOFTMAX:
	case NX_OP_HARDMAX:
		return tr_softmax(im, kind);
	case NX_OP_BATCH_NORM:
		return tr_batch_norm(im);
	case NX_OP_LAYER_NORM:
		return tr_layer_norm(im);
	case NX_OP_MAX_POOL:
		return tr_max_pool(im);
	case NX_OP_ROI_ALIGN:
		return tr_roi_align(im);
	case NX_OP_CUM_SUM:
		return tr_cum_sum(im);
	case NX_OP_TOP_K:
		return tr_top_k(im);
	case NX_OP_TRILU:
		return tr_trilu(im);
	case NX_OP_TILE:
		return one_slot(im, kind, 1, "repeats", true, NULL);
	case NX_OP_ONE_HOT:
		return tr_one_hot(im);
	case NX_OP_EYE_LIKE:
		return tr_eye_like(im);
	case NX_OP_PRELU:
		return tr_prelu(im);
	case NX_OP_RESIZE:
		return !strcmp(t, "Upsample") ? tr_resize_old(im, true) : tr_resize(im);
	case NX_OP_LSTM:
	case NX_OP_GRU:
	case NX_OP_RNN:
		return nx_onnx_tr_rnn(im, kind);
	case NX_OP_IDENTITY:
		return !strcmp(t, "Dropout") ? tr_dropout(im) : tr_generic(im, kind);
	default:
		return tr_generic(im, kind);
	}
}
