/* infer_math.c — shape inference for Mod (fmod=0 is the integer,
 * sign-of-divisor form, so float operands need fmod=1 as ONNX says),
 * BitShift (unsigned integers; nex has u8), variadic Sum/Mean (floats,
 * all operands broadcast together) and CumSum (result = operand; the axis
 * must name one of its dims).
 */
#include <string.h>

#include "nx_int.h"

static int bcast_all(const nx_graph *g, uint32_t o, uint32_t n, nx_type *r, nx_err *err)
{
	*r = nx_infer_in(g, o, 0);
	for (uint32_t i = 1; i < n; i++) {
		if (nx_infer_same_dtype(g, o, 0, i, err))
			return -1;
		nx_type b = nx_infer_in(g, o, i);
		nx_err tmp;
		if (nx_broadcast(r, &b, r, &tmp))
			return nx_infer_fail(g, o, err, "%s", tmp.msg);
	}
	return 0;
}

int nx_infer_mod(nx_graph *g, uint32_t o, nx_err *err)
{
	if (nx_infer_dtype_in(g, o, 0, NX_DT_NUM, err))
		return -1;
	int64_t fmod = nx_attr_i(g, o, "fmod", 0);
	if (fmod != 0 && fmod != 1)
		return nx_infer_fail(g, o, err, "fmod=%lld (expected 0 or 1)", (long long)fmod);
	int dt = nx_infer_in(g, o, 0).dtype;
	if (nx_dtype_is_float(dt) && !fmod)
		return nx_infer_fail(g, o, err, "fmod=0 on %s: ONNX defines the integer modulus "
				     "on integers only (set fmod=1 for floats)", nx_dtype_name(dt));
	nx_type r;
	if (bcast_all(g, o, 2, &r, err))
		return -1;
	return nx_infer_set(g, o, 0, &r, err);
}

int nx_infer_bit_shift(nx_graph *g, uint32_t o, nx_err *err)
{
	if (nx_infer_dtype_in(g, o, 0, NX_DT_UINT, err))
		return -1;
	const char *d = nx_attr_s(g, o, "direction", "");
	if (strcmp(d, "LEFT") && strcmp(d, "RIGHT"))
		return nx_infer_fail(g, o, err, "direction=\"%s\" (expected \"LEFT\" or \"RIGHT\")",
				     d);
	nx_type r;
	if (bcast_all(g, o, 2, &r, err))
		return -1;
	return nx_infer_set(g, o, 0, &r, err);
}

int nx_infer_sum(nx_graph *g, uint32_t o, nx_err *err)
{
	if (nx_infer_dtype_in(g, o, 0, NX_DT_FLOAT, err))
		return -1;
	nx_type r;
	if (bcast_all(g, o, nx_opp(g, o)->n_in, &r, err))
		return -1;
	return nx_infer_set(g, o, 0, &r, err);
}

int nx_infer_cum_sum(nx_graph *g, uint32_t o, nx_err *err)
{
	unsigned ok = NX_DT_FLOAT | (1u << NX_I32) | (1u << NX_I64) | (1u << NX_U32) |
		      (1u << NX_U64);
	if (nx_infer_dtype_in(g, o, 0, ok, err))
		return -1;
	nx_type r = nx_infer_in(g, o, 0);
	int axis;
	if (nx_infer_axis(g, o, err, "axis", nx_attr_i(g, o, "axis", 0), r.rank, &axis))
		return -1;
	return nx_infer_set(g, o, 0, &r, err);
}
