/* onnx_signal.c — importing the signal lane's ONNX ops whose translation
 * is more than a one-to-one copy: the windows and a ConstantOfShape whose
 * result length comes from a run-time operand (typed from the model's
 * declared type, as a run-time Range is in onnx_fold.c), DFT's and STFT's
 * scalar inputs that nex keeps as attributes (dft_length, frame_step,
 * frame_length: they fix the result's shape), MaxUnpool's output_shape
 * input, MelWeightMatrix (typed as the windows are). Det, GridSample and TfIdfVectorizer import
 * through the generic translation (onnx_opset.c).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nx_int.h"
#include "onnx_int.h"

/* Input i as a data operand that must be there. */
static int need_operand(nx_onnx_imp *im, uint32_t i, const char *what, uint32_t *v)
{
	if (nx_onnx_operand(im, i, v))
		return -1;
	if (*v == NX_NONE)
		return nx_onnx_fail(im, "needs input %u (%s)", i, what);
	return 0;
}

/* Inputs past the last one nex reads must be absent. */
static int no_more_inputs(nx_onnx_imp *im, uint32_t n)
{
	const Onnx__NodeProto *nd = im->node;
	for (size_t i = n; i < nd->n_input; i++)
		if (nd->input[i] && nd->input[i][0])
			return nx_onnx_fail(im, "input %zu '%s' is not supported (nex reads %u)", i,
					    nd->input[i], n);
	return 0;
}

/* An op of kind on in[0..n_in) for the node's one output, its attributes
 * copied but skip; NX_NONE + err. */
static uint32_t one_out(nx_onnx_imp *im, int kind, const uint32_t *in, uint32_t n_in,
			const char *const *skip)
{
	const Onnx__NodeProto *nd = im->node;
	if (nd->n_output != 1 || !nd->output[0] || !nd->output[0][0]) {
		nx_onnx_fail(im, "must have exactly one output");
		return NX_NONE;
	}
	uint32_t op = nx_onnx_op_new(im, kind, in, n_in, 1, (const char *const *)nd->output);
	if (op != NX_NONE && nx_onnx_copy_attrs(im, op, skip))
		return NX_NONE;
	return op;
}

/* A result whose shape a run-time operand decides: typed as declared. */
static int declare_result(nx_onnx_imp *im, uint32_t op, const char *operand)
{
	nx_type t;
	nx_err keep = *im->err;
	if (nx_onnx_declared_type(im, im->node->output[0], &t)) {
		/* the declared type's own fault (absent, dynamic, a 0 dim) */
		const char *why = strstr(im->err->msg, "value_info: ");
		char msg[512];
		snprintf(msg, sizeof msg, "%s", why ? why + 12 : "it has no static type");
		*im->err = keep;
		return nx_onnx_fail(im, "%s is not a constant, so output '%s' needs a declared "
				    "static shape (value_info or a graph output), or %s must be "
				    "constant: %s", operand, im->node->output[0], operand, msg);
	}
	nx_value_set_type(im->g, nx_result(im->g, op, 0), &t);
	return 0;
}

static bool is_const_input(nx_onnx_imp *im, uint32_t v)
{
	return v != NX_NONE && nx_is_const(im->g, v);
}

/* The op of kind over in[0..n_in) whose dtype attribute is ONNX's
 * output_datatype (default float); what names the result in the refusal of
 * a type that is not a float. NX_NONE after a failure. */
static uint32_t float_out_op(nx_onnx_imp *im, int kind, const uint32_t *in, uint32_t n_in,
			     const char *what)
{
	static const char *const skip[] = {"output_datatype", NULL};
	int64_t to = nx_onnx_attr_i(im->node, "output_datatype", 1);
	int dt = to >= 0 && to < 64 ? nx_onnx_dtype((int)to) : -1;
	if (dt < 0 || !nx_dtype_is_float(dt)) {
		nx_onnx_fail(im, "output_datatype %s: nex computes %s in f32, f16 or bf16",
			     nx_onnx_type_name((int)to), what);
		return NX_NONE;
	}
	uint32_t op = one_out(im, kind, in, n_in, skip);
	if (op != NX_NONE && dt != NX_F32)
		nx_attr_set_s(im->g, op, "dtype", nx_dtype_name(dt));
	return op;
}

static int import_window(nx_onnx_imp *im, int kind)
{
	uint32_t in;
	if (need_operand(im, 0, "size", &in) || no_more_inputs(im, 1))
		return -1;
	uint32_t op = float_out_op(im, kind, &in, 1, "windows");
	if (op == NX_NONE)
		return -1;
	if (!is_const_input(im, in) && declare_result(im, op, "size"))
		return -1;
	return nx_onnx_op_done(im, op, NULL) ? -1 : 1;
}

/* A one-element integer slot (DFT's dft_length, STFT's frame_step and
 * frame_length) -> attribute name; absent leaves it unset. */
static int int_slot(nx_onnx_imp *im, uint32_t op, uint32_t i, const char *name, bool required)
{
	nx_onnx_list l;
	if (nx_onnx_const_list(im, i, name, true, &l))
		return -1;
	if (!l.present)
		return required ? nx_onnx_fail(im, "needs input %u (%s)", i, name) : 0;
	if (l.n != 1)
		return nx_onnx_fail(im, "%s has %u elements, expected one", name, l.n);
	nx_attr_set_i(im->g, op, name, l.i[0]);
	return 0;
}

/* MelWeightMatrix: its five inputs are operands; the shape needs
 * num_mel_bins and dft_length constant, or the output's declared type. */
static int import_mel(nx_onnx_imp *im)
{
	static const char *const names[5] = {"num_mel_bins", "dft_length", "sample_rate",
					     "lower_edge_hertz", "upper_edge_hertz"};
	uint32_t in[5];
	for (uint32_t i = 0; i < 5; i++)
		if (need_operand(im, i, names[i], &in[i]))
			return -1;
	if (no_more_inputs(im, 5))
		return -1;
	uint32_t op = float_out_op(im, NX_OP_MEL_WEIGHT_MATRIX, in, 5, "the matrix");
	if (op == NX_NONE)
		return -1;
	if (!(is_const_input(im, in[0]) && is_const_input(im, in[1])) &&
	    declare_result(im, op, is_const_input(im, in[0]) ? "dft_length" : "num_mel_bins"))
		return -1;
	return nx_onnx_op_done(im, op, NULL) ? -1 : 1;
}

static int import_dft(nx_onnx_imp *im)
{
	/* opset 20 moved axis to input 2 (default -2, the last signal axis) */
	bool axis_in = im->opset >= 20;
	uint32_t in;
	if (need_operand(im, 0, "input", &in) || no_more_inputs(im, axis_in ? 3 : 2))
		return -1;
	uint32_t op = one_out(im, NX_OP_DFT, &in, 1, NULL);
	if (op == NX_NONE || int_slot(im, op, 1, "dft_length", false))
		return -1;
	if (axis_in) {
		nx_attr_set_i(im->g, op, "axis", -2);
		if (int_slot(im, op, 2, "axis", false))
			return -1;
	}
	return nx_onnx_op_done(im, op, NULL) ? -1 : 1;
}

static int import_stft(nx_onnx_imp *im)
{
	uint32_t in[2];
	if (need_operand(im, 0, "signal", &in[0]) || no_more_inputs(im, 4) ||
	    nx_onnx_operand(im, 2, &in[1]))
		return -1;
	uint32_t op = one_out(im, NX_OP_STFT, in, in[1] == NX_NONE ? 1 : 2, NULL);
	if (op == NX_NONE || int_slot(im, op, 1, "frame_step", true) ||
	    int_slot(im, op, 3, "frame_length", false))
		return -1;
	return nx_onnx_op_done(im, op, NULL) ? -1 : 1;
}

/* ConstantOfShape whose shape is not constant (onnx_fold.c took the rest). */
static int import_constant_of_shape(nx_onnx_imp *im)
{
	static const char *const skip[] = {"value", NULL};
	uint32_t in;
	if (need_operand(im, 0, "shape", &in) || no_more_inputs(im, 1))
		return -1;
	int dt = NX_F32;
	double value = 0;
	const Onnx__AttributeProto *a = nx_onnx_attr(im->node, "value");
	if (a && a->t) {
		nx_type vt;
		void *data;
		nx_err e;
		if (nx_onnx_tensor(im, a->t, "value", &vt, &data, &e))
			return nx_onnx_fail(im, "%s", e.msg);
		if (nx_type_numel(&vt) != 1) {
			free(data);
			return nx_onnx_fail(im, "value must hold one element");
		}
		nx_tensor t = {vt, data};
		value = nx_tensor_get(&t, 0);
		dt = vt.dtype;
		free(data);
		/* the op keeps the value as a float attribute */
		if ((double)(float)value != value && !isnan(value))
			return nx_onnx_fail(im, "value %.17g is not exact as f32, which nex's "
					    "constant_of_shape keeps it in", value);
	}
	uint32_t op = one_out(im, NX_OP_CONSTANT_OF_SHAPE, &in, 1, skip);
	if (op == NX_NONE)
		return -1;
	nx_attr_set_f(im->g, op, "value", (float)value);
	nx_attr_set_s(im->g, op, "dtype", nx_dtype_name(dt));
	if (declare_result(im, op, "shape"))
		return -1;
	return nx_onnx_op_done(im, op, NULL) ? -1 : 1;
}

/* MaxUnpool's optional output_shape input (constant) -> attribute. */
static int import_max_unpool(nx_onnx_imp *im)
{
	uint32_t in[2];
	if (need_operand(im, 0, "X", &in[0]) || need_operand(im, 1, "I", &in[1]) ||
	    no_more_inputs(im, 3))
		return -1;
	nx_onnx_list l;
	if (nx_onnx_const_list(im, 2, "output_shape", true, &l))
		return -1;
	uint32_t op = one_out(im, NX_OP_MAX_UNPOOL, in, 2, NULL);
	if (op == NX_NONE)
		return -1;
	if (l.present)
		nx_attr_set_ints(im->g, op, "output_shape", l.i, l.n);
	return nx_onnx_op_done(im, op, NULL) ? -1 : 1;
}

int nx_onnx_signal(nx_onnx_imp *im)
{
	const char *t = im->node->op_type;
	if (!strcmp(t, "HannWindow"))
		return import_window(im, NX_OP_HANN_WINDOW);
	if (!strcmp(t, "HammingWindow"))
		return import_window(im, NX_OP_HAMMING_WINDOW);
	if (!strcmp(t, "BlackmanWindow"))
		return import_window(im, NX_OP_BLACKMAN_WINDOW);
	if (!strcmp(t, "DFT"))
		return import_dft(im);
	if (!strcmp(t, "MelWeightMatrix"))
		return import_mel(im);
	if (!strcmp(t, "STFT"))
		return import_stft(im);
	if (!strcmp(t, "ConstantOfShape"))
		return import_constant_of_shape(im);
	if (!strcmp(t, "MaxUnpool"))
		return import_max_unpool(im);
	return 0;
}
