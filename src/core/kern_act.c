/* kern_act.c — the activations ONNX has beyond the fusable ones of
 * kern_elem.c: Elu, Selu, Celu, ThresholdedRelu, Shrink, Softsign, Mish,
 * and Hardmax (one-hot of the first maximum along an axis).
 *
 * f32 only (the interpreter widens half floats and rounds back). Defaults
 * are ONNX's and the registry's (ops.c); the formulas are the ONNX
 * definitions, with Mish's softplus written so that it cannot overflow for
 * large inputs.
 */
#include <math.h>
#include <string.h>

#include "nx_int.h"

typedef struct act_job {
	int kind;
	float alpha, beta;
	const float *x;
	float *y;
} act_job;

static float softplus(float v)
{
	return v > 0 ? v + log1pf(expf(-v)) : log1pf(expf(v));
}

static void act_part(void *ctx, int64_t lo, int64_t hi)
{
	act_job *j = ctx;
	const float *x = j->x;
	float *y = j->y;
	float al = j->alpha, be = j->beta;
	for (int64_t i = lo; i < hi; i++) {
		float v = x[i];
		switch (j->kind) {
		case NX_OP_ELU: y[i] = v < 0 ? al * expm1f(v) : v; break;
		case NX_OP_SELU: y[i] = be * (v > 0 ? v : al * expm1f(v)); break;
		case NX_OP_CELU: y[i] = fmaxf(0, v) + fminf(0, al * expm1f(v / al)); break;
		case NX_OP_THRESHOLDED_RELU: y[i] = v > al ? v : 0; break;
		/* alpha = lambd, beta = bias */
		case NX_OP_SHRINK: y[i] = v < -al ? v + be : v > al ? v - be : 0; break;
		case NX_OP_SOFTSIGN: y[i] = v / (1 + fabsf(v)); break;
		case NX_OP_MISH: y[i] = v * tanhf(softplus(v)); break;
		default: break;
		}
	}
}

int nx_kern_act(nx_kern *k)
{
	const nx_tensor *x = &k->in[0];
	nx_tensor *y = &k->out[0];
	int64_t n = nx_tensor_numel(y);
	if (x->type.dtype != NX_F32 || y->type.dtype != NX_F32 || nx_tensor_numel(x) != n)
		return nx_kern_fail(k, "%s is defined on floats only (operand %s)",
				    nx_op_name(k->g, k->op), nx_dtype_name(x->type.dtype));
	int kind = nx_opp(k->g, k->op)->kind;
	act_job j = {kind, 0, 0, x->data, y->data};
	switch (kind) {
	case NX_OP_ELU:
	case NX_OP_CELU:
	case NX_OP_THRESHOLDED_RELU:
		j.alpha = nx_attr_f(k->g, k->op, "alpha", 1.0f);
		break;
	case NX_OP_SELU:
		j.alpha = nx_attr_f(k->g, k->op, "alpha", 1.67326319217681884765625f);
		j.beta = nx_attr_f(k->g, k->op, "gamma", 1.05070102214813232421875f);
		break;
	case NX_OP_SHRINK:
		j.alpha = nx_attr_f(k->g, k->op, "lambd", 0.5f);
		j.beta = nx_attr_f(k->g, k->op, "bias", 0.0f);
		break;
	default:
		break;
	}
	if (kind == NX_OP_CELU && j.alpha == 0)
		return nx_kern_fail(k, "alpha=0 divides by zero");
	nx_pool_for(n >= (1 << 15) ? k->pool : NULL, n, act_part, &j);
	return 0;
}

int nx_kern_hardmax(nx_kern *k)
{
	const nx_tensor *x = &k->in[0];
	nx_tensor *y = &k->out[0];
	const nx_type *t = &x->type;
	if (x->type.dtype != NX_F32 || nx_tensor_numel(x) != nx_tensor_numel(y))
		return nx_kern_fail(k, "operand does not match the result type");
	int64_t axis = nx_attr_i(k->g, k->op, "axis", -1);
	if (axis < -t->rank || axis >= t->rank)
		return nx_kern_fail(k, "axis %lld is out of range for rank %d", (long long)axis,
				    t->rank);
	if (axis < 0)
		axis += t->rank;
	int64_t outer = 1, len = t->dims[axis], inner = 1;
	for (int d = 0; d < axis; d++)
		outer *= t->dims[d];
	for (int d = (int)axis + 1; d < t->rank; d++)
		inner *= t->dims[d];
	const float *px = x->data;
	float *py = y->data;
	memset(py, 0, (size_t)nx_tensor_numel(y) * sizeof *py);
	for (int64_t o = 0; o < outer; o++)
		for (int64_t in = 0; in < inner; in++) {
			int64_t base = o * len * inner + in, best = 0;
			for (int64_t s = 1; s < len; s++)
				if (px[base + s * inner] > px[base + best * inner])
					best = s;
			py[base + best * inner] = 1;
		}
	return 0;
}
