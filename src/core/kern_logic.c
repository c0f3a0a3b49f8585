/* kern_logic.c — comparisons, logic ops, Where, IsNaN/IsInf and Sign.
 *
 * Operands may be of any nex dtype and broadcast (numpy rules), so the
 * kernels walk the result with nx_bc_iter and read elements by dtype:
 * integers and bools exactly as int64 (an int64 Equal on shape values near
 * INT64_MAX must not go through double), floats as double (exact for f32
 * and the half types, which this driver row does not widen: Where copies
 * elements by their bytes, whatever the dtype). NaN compares false with
 * everything, Equal included, as IEEE and ONNX say.
 */
#include <math.h>
#include <string.h>

#include "nx_int.h"

static bool is_float(int dt)
{
	return nx_dtype_is_float(dt);
}

/* Each operand broadcasts to the result, or the kernel refuses. */
static int check_bcast(nx_kern *k)
{
	const nx_type *out = &k->out[0].type;
	for (uint32_t i = 0; i < k->n_in; i++)
		if (nx_bc_check(out, &k->in[i].type)) {
			char a[128], b[128];
			nx_type_str(&k->in[i].type, a, sizeof a);
			nx_type_str(out, b, sizeof b);
			return nx_kern_fail(k, "operand %u (%s) does not broadcast to the result "
					    "type %s", i, a, b);
		}
	return 0;
}

static bool cmp_int(int kind, int64_t a, int64_t b)
{
	switch (kind) {
	case NX_OP_EQUAL: return a == b;
	case NX_OP_LESS: return a < b;
	case NX_OP_LESS_EQUAL: return a <= b;
	case NX_OP_GREATER: return a > b;
	default: return a >= b;
	}
}

static bool cmp_float(int kind, double a, double b)
{
	switch (kind) {
	case NX_OP_EQUAL: return a == b;
	case NX_OP_LESS: return a < b;
	case NX_OP_LESS_EQUAL: return a <= b;
	case NX_OP_GREATER: return a > b;
	default: return a >= b;
	}
}

int nx_kern_compare(nx_kern *k)
{
	int kind = nx_opp(k->g, k->op)->kind;
	const nx_tensor *a = &k->in[0], *b = &k->in[1];
	nx_tensor *y = &k->out[0];
	if (check_bcast(k))
		return -1;
	if (a->type.dtype != b->type.dtype)
		return nx_kern_fail(k, "operands are %s and %s", nx_dtype_name(a->type.dtype),
				    nx_dtype_name(b->type.dtype));
	const nx_type *ops[2] = {&a->type, &b->type};
	nx_bc_iter it;
	nx_bc_init(&it, &y->type, ops, 2);
	int64_t n = nx_tensor_numel(y);
	uint8_t *out = y->data;
	bool fl = is_float(a->type.dtype);
	if (a->type.dtype == NX_F32) {
		const float *pa = a->data, *pb = b->data;
		for (int64_t i = 0; i < n; i++, nx_bc_next(&it))
			out[i] = cmp_float(kind, pa[it.off[0]], pb[it.off[1]]);
		return 0;
	}
	for (int64_t i = 0; i < n; i++, nx_bc_next(&it))
		out[i] = fl ? cmp_float(kind, nx_tensor_get(a, it.off[0]), nx_tensor_get(b, it.off[1]))
			    : cmp_int(kind, nx_tensor_get_int(a, it.off[0]),
				      nx_tensor_get_int(b, it.off[1]));
	return 0;
}

int nx_kern_logic(nx_kern *k)
{
	int kind = nx_opp(k->g, k->op)->kind;
	nx_tensor *y = &k->out[0];
	if (check_bcast(k))
		return -1;
	for (uint32_t i = 0; i < k->n_in; i++)
		if (k->in[i].type.dtype != NX_BOOL)
			return nx_kern_fail(k, "operand %u is %s, not bool", i,
					    nx_dtype_name(k->in[i].type.dtype));
	int64_t n = nx_tensor_numel(y);
	uint8_t *out = y->data;
	const uint8_t *pa = k->in[0].data;
	if (kind == NX_OP_NOT) {
		for (int64_t i = 0; i < n; i++)
			out[i] = !pa[i];
		return 0;
	}
	const uint8_t *pb = k->in[1].data;
	const nx_type *ops[2] = {&k->in[0].type, &k->in[1].type};
	nx_bc_iter it;
	nx_bc_init(&it, &y->type, ops, 2);
	for (int64_t i = 0; i < n; i++, nx_bc_next(&it)) {
		bool x = pa[it.off[0]] != 0, w = pb[it.off[1]] != 0;
		out[i] = kind == NX_OP_AND ? x && w : kind == NX_OP_OR ? x || w : x != w;
	}
	return 0;
}

int nx_kern_where(nx_kern *k)
{
	const nx_tensor *c = &k->in[0], *a = &k->in[1], *b = &k->in[2];
	nx_tensor *y = &k->out[0];
	if (check_bcast(k))
		return -1;
	if (c->type.dtype != NX_BOOL || a->type.dtype != y->type.dtype ||
	    b->type.dtype != y->type.dtype)
		return nx_kern_fail(k, "operands are %s, %s and %s for a %s result",
				    nx_dtype_name(c->type.dtype), nx_dtype_name(a->type.dtype),
				    nx_dtype_name(b->type.dtype), nx_dtype_name(y->type.dtype));
	const nx_type *ops[3] = {&c->type, &a->type, &b->type};
	nx_bc_iter it;
	nx_bc_init(&it, &y->type, ops, 3);
	int64_t n = nx_tensor_numel(y);
	size_t es = nx_dtype_size(y->type.dtype);
	const uint8_t *pc = c->data;
	const char *pa = a->data, *pb = b->data;
	char *out = y->data;
	for (int64_t i = 0; i < n; i++, nx_bc_next(&it)) {
		const char *src = pc[it.off[0]] ? pa + it.off[1] * es : pb + it.off[2] * es;
		memcpy(out + i * es, src, es);
	}
	return 0;
}

int nx_kern_classify(nx_kern *k)
{
	int kind = nx_opp(k->g, k->op)->kind;
	const nx_tensor *x = &k->in[0];
	nx_tensor *y = &k->out[0];
	int64_t n = nx_tensor_numel(y);
	if (nx_tensor_numel(x) != n || !is_float(x->type.dtype))
		return nx_kern_fail(k, "operand is %s with %lld elements for %lld results",
				    nx_dtype_name(x->type.dtype), (long long)nx_tensor_numel(x),
				    (long long)n);
	bool neg = nx_attr_i(k->g, k->op, "detect_negative", 1) != 0;
	bool pos = nx_attr_i(k->g, k->op, "detect_positive", 1) != 0;
	uint8_t *out = y->data;
	for (int64_t i = 0; i < n; i++) {
		double v = nx_tensor_get(x, i);
		if (kind == NX_OP_IS_NAN)
			out[i] = isnan(v) != 0;
		else
			out[i] = isinf(v) && ((v > 0 && pos) || (v < 0 && neg));
	}
	return 0;
}

int nx_kern_sign(nx_kern *k)
{
	const nx_tensor *x = &k->in[0];
	nx_tensor *y = &k->out[0];
	int64_t n = nx_tensor_numel(y);
	if (nx_tensor_numel(x) != n || x->type.dtype != y->type.dtype)
		return nx_kern_fail(k, "operand does not match the result type");
	if (is_float(x->type.dtype)) {
		for (int64_t i = 0; i < n; i++) {
			double v = nx_tensor_get(x, i);
			/* NaN stays NaN (numpy's sign; ONNX leaves it open) */
			nx_tensor_set(y, i, v > 0 ? 1.0 : v < 0 ? -1.0 : v);
		}
		return 0;
	}
	for (int64_t i = 0; i < n; i++) {
		int64_t v = nx_tensor_get_int(x, i);
		nx_tensor_set_int(y, i, (v > 0) - (v < 0));
	}
	return 0;
}
