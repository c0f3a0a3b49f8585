/* kern_math.c — the maths ops outside kern_elem.c: trigonometric and
 * hyperbolic functions, Floor/Ceil/Round, Mod, BitShift, variadic Sum and
 * Mean, and CumSum.
 *
 * The unary functions and Sum/Mean compute in f32 (the interpreter widens
 * half floats for them and rounds back); Round is half-to-even (rintf in
 * the default rounding mode), as ONNX says. Mod and CumSum keep integers
 * exact in int64. Mod's two forms: fmod=1 takes the sign of the dividend
 * (C's fmod and %), fmod=0 the sign of the divisor (Python's %, integers
 * only). An integer division by zero is an error naming the op, as for Div.
 */
#include <math.h>
#include <string.h>

#include "nx_int.h"

typedef struct math_job {
	int kind;
	const float *x;
	float *y;
} math_job;

static void math_part(void *ctx, int64_t lo, int64_t hi)
{
	math_job *j = ctx;
	const float *x = j->x;
	float *y = j->y;
#define LOOP(F) for (int64_t i = lo; i < hi; i++) y[i] = F(x[i]); break
	switch (j->kind) {
	case NX_OP_SIN: LOOP(sinf);
	case NX_OP_COS: LOOP(cosf);
	case NX_OP_TAN: LOOP(tanf);
	case NX_OP_ASIN: LOOP(asinf);
	case NX_OP_ACOS: LOOP(acosf);
	case NX_OP_ATAN: LOOP(atanf);
	case NX_OP_SINH: LOOP(sinhf);
	case NX_OP_COSH: LOOP(coshf);
	case NX_OP_ASINH: LOOP(asinhf);
	case NX_OP_ACOSH: LOOP(acoshf);
	case NX_OP_ATANH: LOOP(atanhf);
	case NX_OP_FLOOR: LOOP(floorf);
	case NX_OP_CEIL: LOOP(ceilf);
	case NX_OP_ROUND: LOOP(rintf);
	default: break;
	}
#undef LOOP
}

int nx_kern_math(nx_kern *k)
{
	const nx_tensor *x = &k->in[0];
	nx_tensor *y = &k->out[0];
	int64_t n = nx_tensor_numel(y);
	if (x->type.dtype != NX_F32 || y->type.dtype != NX_F32 || nx_tensor_numel(x) != n)
		return nx_kern_fail(k, "%s is defined on floats only (operand %s)",
				    nx_op_name(k->g, k->op), nx_dtype_name(x->type.dtype));
	math_job j = {nx_opp(k->g, k->op)->kind, x->data, y->data};
	nx_pool_for(n >= (1 << 15) ? k->pool : NULL, n, math_part, &j);
	return 0;
}

static int check_bcast(nx_kern *k)
{
	const nx_type *out = &k->out[0].type;
	for (uint32_t i = 0; i < k->n_in; i++) {
		if (nx_bc_check(out, &k->in[i].type) == 0)
			continue;
		char a[128], b[128];
		nx_type_str(&k->in[i].type, a, sizeof a);
		nx_type_str(out, b, sizeof b);
		return nx_kern_fail(k, "operand %u (%s) does not broadcast to the result type %s",
				    i, a, b);
	}
	return 0;
}

int nx_kern_mod(nx_kern *k)
{
	const nx_tensor *a = &k->in[0], *b = &k->in[1];
	nx_tensor *y = &k->out[0];
	if (check_bcast(k))
		return -1;
	bool fm = nx_attr_i(k->g, k->op, "fmod", 0) != 0;
	const nx_type *ops[2] = {&a->type, &b->type};
	nx_bc_iter it;
	nx_bc_init(&it, &y->type, ops, 2);
	int64_t n = nx_tensor_numel(y);
	if (nx_dtype_is_float(y->type.dtype)) {
		for (int64_t i = 0; i < n; i++, nx_bc_next(&it))
			nx_tensor_set(y, i, fmod(nx_tensor_get(a, it.off[0]),
						 nx_tensor_get(b, it.off[1])));
		return 0;
	}
	bool u64 = y->type.dtype == NX_U64;
	for (int64_t i = 0; i < n; i++, nx_bc_next(&it)) {
		int64_t x = nx_tensor_get_int(a, it.off[0]), w = nx_tensor_get_int(b, it.off[1]);
		if (w == 0)
			return nx_kern_fail(k, "integer modulus by zero");
		if (u64) { /* the bits of values past INT64_MAX read negative as int64 */
			nx_tensor_set_int(y, i, (int64_t)((uint64_t)x % (uint64_t)w));
			continue;
		}
		int64_t r = w == -1 ? 0 : x % w; /* INT64_MIN % -1 overflows in C */
		if (!fm && r != 0 && ((r < 0) != (w < 0)))
			r += w;
		nx_tensor_set_int(y, i, r);
	}
	return 0;
}

int nx_kern_bit_shift(nx_kern *k)
{
	const nx_tensor *a = &k->in[0], *b = &k->in[1];
	nx_tensor *y = &k->out[0];
	if (check_bcast(k))
		return -1;
	bool left = !strcmp(nx_attr_s(k->g, k->op, "direction", ""), "LEFT");
	const nx_type *ops[2] = {&a->type, &b->type};
	nx_bc_iter it;
	nx_bc_init(&it, &y->type, ops, 2);
	int64_t n = nx_tensor_numel(y);
	unsigned bits = (unsigned)nx_dtype_size(y->type.dtype) * 8;
	for (int64_t i = 0; i < n; i++, nx_bc_next(&it)) {
		uint64_t x = (uint64_t)nx_tensor_get_int(a, it.off[0]);
		uint64_t s = (uint64_t)nx_tensor_get_int(b, it.off[1]);
		uint64_t r = s >= bits ? 0 : left ? x << s : x >> s;
		nx_tensor_set_int(y, i, (int64_t)r);
	}
	return 0;
}

int nx_kern_sum(nx_kern *k)
{
	nx_tensor *y = &k->out[0];
	if (check_bcast(k))
		return -1;
	if (y->type.dtype != NX_F32)
		return nx_kern_fail(k, "%s is defined on floats only", nx_op_name(k->g, k->op));
	int64_t n = nx_tensor_numel(y);
	float *out = y->data;
	memset(out, 0, (size_t)n * sizeof *out);
	for (uint32_t i = 0; i < k->n_in; i++) {
		const nx_tensor *x = &k->in[i];
		if (x->type.dtype != NX_F32)
			return nx_kern_fail(k, "operand %u is %s", i, nx_dtype_name(x->type.dtype));
		const float *px = x->data;
		const nx_type *ops[1] = {&x->type};
		nx_bc_iter it;
		nx_bc_init(&it, &y->type, ops, 1);
		for (int64_t e = 0; e < n; e++, nx_bc_next(&it))
			out[e] += px[it.off[0]];
	}
	if (nx_opp(k->g, k->op)->kind == NX_OP_MEAN) {
		float inv = (float)k->n_in;
		for (int64_t e = 0; e < n; e++)
			out[e] /= inv;
	}
	return 0;
}

int nx_kern_cum_sum(nx_kern *k)
{
	const nx_tensor *x = &k->in[0];
	nx_tensor *y = &k->out[0];
	const nx_type *t = &x->type;
	if (x->type.dtype != y->type.dtype || nx_tensor_numel(x) != nx_tensor_numel(y))
		return nx_kern_fail(k, "operand does not match the result type");
	int64_t axis = nx_attr_i(k->g, k->op, "axis", 0);
	if (axis < -t->rank || axis >= t->rank)
		return nx_kern_fail(k, "axis %lld is out of range for rank %d", (long long)axis,
				    t->rank);
	if (axis < 0)
		axis += t->rank;
	bool excl = nx_attr_i(k->g, k->op, "exclusive", 0) != 0;
	bool rev = nx_attr_i(k->g, k->op, "reverse", 0) != 0;
	int64_t outer = 1, len = t->dims[axis], inner = 1;
	for (int d = 0; d < axis; d++)
		outer *= t->dims[d];
	for (int d = (int)axis + 1; d < t->rank; d++)
		inner *= t->dims[d];
	bool fl = nx_dtype_is_float(t->dtype);
	for (int64_t o = 0; o < outer; o++)
		for (int64_t in = 0; in < inner; in++) {
			double accf = 0;
			int64_t acci = 0;
			for (int64_t s = 0; s < len; s++) {
				int64_t j = rev ? len - 1 - s : s;
				int64_t idx = (o * len + j) * inner + in;
				/* read before writing: y may share x's buffer */
				double vf = fl ? nx_tensor_get(x, idx) : 0;
				int64_t vi = fl ? 0 : nx_tensor_get_int(x, idx);
				if (!excl) {
					accf += vf;
					acci = (int64_t)((uint64_t)acci + (uint64_t)vi);
				}
				if (fl)
					nx_tensor_set(y, idx, accf);
				else
					nx_tensor_set_int(y, idx, acci);
				if (excl) {
					accf += vf;
					acci = (int64_t)((uint64_t)acci + (uint64_t)vi);
				}
			}
		}
	return 0;
}
