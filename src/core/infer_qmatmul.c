/* infer_qmatmul.c — shape inference for MatMulInteger and QLinearMatMul:
 * A [..., M, K] and B [..., K, N] of i8/u8 (rank >= 2; batch dims broadcast
 * as numpy's matmul), zero points and scales per tensor (one element) or,
 * for 2-D operands, per row of A ([M]) and per column of B ([N]).
 * MatMulInteger gives i32; QLinearMatMul the dtype of y_zero_point.
 * Operands: MatMulInteger (a, b, a_zero_point?, b_zero_point?);
 * QLinearMatMul (a, a_scale, a_zero_point, b, b_scale, b_zero_point,
 * y_scale, y_zero_point), ONNX's order.
 */
#include "nx_int.h"

#define Q8 ((1u << NX_I8) | (1u << NX_U8))

/* Operand i (absent: fine) holds one element, or per elements when the
 * operand it qualifies is 2-D (rank2). */
static int param_ok(const nx_graph *g, uint32_t o, uint32_t i, const char *what, int64_t per,
		    bool rank2, nx_err *err)
{
	if (i >= nx_opp(g, o)->n_in || nx_operand(g, o, i) == NX_NONE)
		return 0;
	nx_type t = nx_infer_in(g, o, i);
	int64_t n = nx_type_numel(&t);
	if (n == 1 || (rank2 && t.rank == 1 && n == per))
		return 0;
	return nx_infer_fail(g, o, err, "%s has %lld elements: one (per tensor)%s", what,
			     (long long)n, rank2 ? " or one per row of A / column of B" : "");
}

static int shape(nx_graph *g, uint32_t o, uint32_t ia, uint32_t ib, nx_type *r, nx_err *err)
{
	if (nx_infer_dtype_in(g, o, ia, Q8, err) || nx_infer_dtype_in(g, o, ib, Q8, err))
		return -1;
	nx_type a = nx_infer_in(g, o, ia), b = nx_infer_in(g, o, ib);
	char sa[96], sb[96];
	if (a.rank < 2 || b.rank < 2)
		return nx_infer_fail(g, o, err, "operands %s and %s: nex reads rank >= 2 only",
				     nx_infer_tstr(&a, sa, sizeof sa), nx_infer_tstr(&b, sb, sizeof sb));
	if (a.dims[a.rank - 1] != b.dims[b.rank - 2])
		return nx_infer_fail(g, o, err, "inner dims differ: %s and %s",
				     nx_infer_tstr(&a, sa, sizeof sa), nx_infer_tstr(&b, sb, sizeof sb));
	nx_type ba = nx_type_make(a.dtype, a.rank - 2, a.dims);
	nx_type bb = nx_type_make(a.dtype, b.rank - 2, b.dims);
	nx_err tmp;
	if (nx_broadcast(&ba, &bb, r, &tmp))
		return nx_infer_fail(g, o, err, "batch dims: %s", tmp.msg);
	r->dims[r->rank++] = a.dims[a.rank - 2];
	r->dims[r->rank++] = b.dims[b.rank - 1];
	return 0;
}

int nx_infer_matmul_integer(nx_graph *g, uint32_t o, nx_err *err)
{
	nx_type r;
	if (shape(g, o, 0, 1, &r, err))
		return -1;
	nx_type a = nx_infer_in(g, o, 0), b = nx_infer_in(g, o, 1);
	for (uint32_t i = 2; i < 4 && i < nx_opp(g, o)->n_in; i++)
		if (nx_operand(g, o, i) != NX_NONE && nx_infer_same_dtype(g, o, i - 2, i, err))
			return -1;
	if (param_ok(g, o, 2, "a_zero_point", a.dims[a.rank - 2], a.rank == 2, err) ||
	    param_ok(g, o, 3, "b_zero_point", b.dims[b.rank - 1], b.rank == 2, err))
		return -1;
	r.dtype = NX_I32;
	return nx_infer_set(g, o, 0, &r, err);
}

int nx_infer_qlinear_matmul(nx_graph *g, uint32_t o, nx_err *err)
{
	nx_type r;
	if (shape(g, o, 0, 3, &r, err))
		return -1;
	nx_type a = nx_infer_in(g, o, 0), b = nx_infer_in(g, o, 3);
	if (nx_infer_same_dtype(g, o, 0, 2, err) || nx_infer_same_dtype(g, o, 3, 5, err) ||
	    nx_infer_dtype_in(g, o, 7, Q8, err))
		return -1;
	static const uint32_t scales[] = {1, 4, 6};
	for (int i = 0; i < 3; i++)
		if (nx_infer_dtype_in(g, o, scales[i], 1u << NX_F32, err))
			return -1;
	int64_t m = a.dims[a.rank - 2], n = b.dims[b.rank - 1];
	if (param_ok(g, o, 1, "a_scale", m, a.rank == 2, err) ||
	    param_ok(g, o, 2, "a_zero_point", m, a.rank == 2, err) ||
	    param_ok(g, o, 4, "b_scale", n, b.rank == 2, err) ||
	    param_ok(g, o, 5, "b_zero_point", n, b.rank == 2, err) ||
	    param_ok(g, o, 6, "y_scale", 1, false, err) ||
	    param_ok(g, o, 7, "y_zero_point", 1, false, err))
		return -1;
	r.dtype = nx_infer_in(g, o, 7).dtype;
	return nx_infer_set(g, o, 0, &r, err);
}
