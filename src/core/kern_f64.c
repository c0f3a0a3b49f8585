/* kern_f64.c — f64 (ONNX DOUBLE) in double precision: the element-wise
 * arithmetic (add sub mul div pow, variadic max min sum mean), the unary
 * maths (sqrt exp log neg abs reciprocal erf, the trigonometric and
 * hyperbolic functions, floor ceil round, relu sigmoid tanh softplus), and
 * the kinds whose regular kernel already reads and writes any dtype through
 * double (cast, the reductions) taken as they are.
 *
 * The interpreter asks nx_kern_f64_for when an op has an f64 operand or
 * result: a kernel from here gets the f64 data unconverted. A kind with no
 * entry computes f64 in f32 (the driver narrows its operands and widens the
 * result, as it widens half floats), the rule docs/ir.md states. The
 * f32 kernels stay free of a second dtype this way; these loops are plain
 * (no pool, no SIMD): f64 models are rare and small on this path.
 */
#include <math.h>
#include <string.h>

#include "nx_int.h"

static bool f64_in(const nx_tensor *t)
{
	return t->data && t->type.dtype == NX_F64;
}

static int check_bcast(nx_kern *k)
{
	const nx_type *out = &k->out[0].type;
	if (out->dtype != NX_F64)
		return nx_kern_fail(k, "the f64 kernel got a %s result", nx_dtype_name(out->dtype));
	for (uint32_t i = 0; i < k->n_in; i++)
		if (nx_bc_check(out, &k->in[i].type))
			return nx_kern_fail(k, "operand %u does not broadcast to the result", i);
	return 0;
}

static double bin(int kind, double a, double b)
{
	switch (kind) {
	case NX_OP_ADD: case NX_OP_SUM: case NX_OP_MEAN: return a + b;
	case NX_OP_SUB: return a - b;
	case NX_OP_MUL: return a * b;
	case NX_OP_DIV: return a / b;
	case NX_OP_POW: return pow(a, b);
	/* NaN sticks, as in numpy and onnxruntime */
	case NX_OP_MAX: return a != a || a > b ? a : b;
	case NX_OP_MIN: return a != a || a < b ? a : b;
	default: return NAN;
	}
}

/* y = op(in0, in1), folded left over further operands; Mean divides the
 * sum by the count. Operands may be any dtype (Pow's exponent, say): they
 * are read as double. */
static int k_binary(nx_kern *k)
{
	int kind = nx_opp(k->g, k->op)->kind;
	nx_tensor *y = &k->out[0];
	if (check_bcast(k))
		return -1;
	double *py = y->data;
	int64_t n = nx_tensor_numel(y);
	const nx_type *ops[1] = {&k->in[0].type};
	nx_bc_iter it;
	nx_bc_init(&it, &y->type, ops, 1);
	for (int64_t i = 0; i < n; i++, nx_bc_next(&it))
		py[i] = nx_tensor_get(&k->in[0], it.off[0]);
	for (uint32_t j = 1; j < k->n_in; j++) {
		const nx_tensor *b = &k->in[j];
		if (!b->data)
			continue;
		const nx_type *ob[1] = {&b->type};
		nx_bc_init(&it, &y->type, ob, 1);
		for (int64_t i = 0; i < n; i++, nx_bc_next(&it))
			py[i] = bin(kind, py[i], nx_tensor_get(b, it.off[0]));
	}
	if (kind == NX_OP_MEAN)
		for (int64_t i = 0; i < n; i++)
			py[i] /= (double)k->n_in;
	/* A fused activation (attr act) runs through f32: the activations are
	 * written for floats, and fusing one into f64 arithmetic is rare. */
	nx_act a;
	if (nx_act_get(k->g, k->op, &a, k->err))
		return -1;
	if (a.kind) {
		nx_tensor f = nx_tensor_convert(y, NX_F32);
		nx_act_apply(&a, f.data, n);
		for (int64_t i = 0; i < n; i++)
			py[i] = ((const float *)f.data)[i];
		nx_tensor_free(&f);
	}
	k->act_done = true;
	return 0;
}

static double un(int kind, double x, float alpha)
{
	switch (kind) {
	case NX_OP_SQRT: return sqrt(x);
	case NX_OP_EXP: return exp(x);
	case NX_OP_LOG: return log(x);
	case NX_OP_NEG: return -x;
	case NX_OP_ABS: return fabs(x);
	case NX_OP_RECIPROCAL: return 1 / x;
	case NX_OP_ERF: return erf(x);
	case NX_OP_RELU: return x > 0 ? x : 0;
	case NX_OP_LEAKY_RELU: return x < 0 ? alpha * x : x;
	case NX_OP_SIGMOID: return 1 / (1 + exp(-x));
	case NX_OP_TANH: return tanh(x);
	case NX_OP_SOFTPLUS: return x > 0 ? x + log1p(exp(-x)) : log1p(exp(x));
	case NX_OP_SIN: return sin(x);
	case NX_OP_COS: return cos(x);
	case NX_OP_TAN: return tan(x);
	case NX_OP_ASIN: return asin(x);
	case NX_OP_ACOS: return acos(x);
	case NX_OP_ATAN: return atan(x);
	case NX_OP_SINH: return sinh(x);
	case NX_OP_COSH: return cosh(x);
	case NX_OP_ASINH: return asinh(x);
	case NX_OP_ACOSH: return acosh(x);
	case NX_OP_ATANH: return atanh(x);
	case NX_OP_FLOOR: return floor(x);
	case NX_OP_CEIL: return ceil(x);
	case NX_OP_ROUND: return rint(x); /* half to even in the default mode */
	default: return NAN;
	}
}

static int k_unary(nx_kern *k)
{
	int kind = nx_opp(k->g, k->op)->kind;
	const nx_tensor *x = &k->in[0];
	nx_tensor *y = &k->out[0];
	int64_t n = nx_tensor_numel(y);
	if (!f64_in(x) || y->type.dtype != NX_F64 || nx_tensor_numel(x) != n)
		return nx_kern_fail(k, "the f64 kernel takes an f64 operand of the result's size");
	float alpha = nx_attr_f(k->g, k->op, "alpha", 0.01f);
	const double *px = x->data;
	double *py = y->data;
	for (int64_t i = 0; i < n; i++)
		py[i] = un(kind, px[i], alpha);
	return 0;
}

nx_kern_fn nx_kern_f64_for(int kind)
{
	if (nx_ops[kind].flags & NX_F_AXES) /* reduce_* read f64 through double */
		return nx_kern_reduce;
	switch (kind) {
	case NX_OP_ADD: case NX_OP_SUB: case NX_OP_MUL: case NX_OP_DIV: case NX_OP_POW:
	case NX_OP_MAX: case NX_OP_MIN: case NX_OP_SUM: case NX_OP_MEAN:
		return k_binary;
	case NX_OP_SQRT: case NX_OP_EXP: case NX_OP_LOG: case NX_OP_NEG: case NX_OP_ABS:
	case NX_OP_RECIPROCAL: case NX_OP_ERF: case NX_OP_RELU: case NX_OP_LEAKY_RELU:
	case NX_OP_SIGMOID: case NX_OP_TANH: case NX_OP_SOFTPLUS: case NX_OP_SIN:
	case NX_OP_COS: case NX_OP_TAN: case NX_OP_ASIN: case NX_OP_ACOS: case NX_OP_ATAN:
	case NX_OP_SINH: case NX_OP_COSH: case NX_OP_ASINH: case NX_OP_ACOSH: case NX_OP_ATANH:
	case NX_OP_FLOOR: case NX_OP_CEIL: case NX_OP_ROUND:
		return k_unary;
	/* these read and write every dtype through double already */
	case NX_OP_CAST:
		return nx_kern_cast;
	default:
		return NULL;
	}
}
