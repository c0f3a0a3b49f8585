/* infer_logic.c — shape inference for comparisons (bool result of two
 * broadcast operands of one dtype), logic ops (bool in, bool out; Not has
 * one operand), Where (condition, then and else broadcast together; the
 * result takes the branches' dtype), the float classifiers IsNaN/IsInf
 * (bool result) and Sign (any numeric dtype, kept). Dtype sets follow the
 * ONNX type constraints, restricted to nex's dtypes.
 */
#include "nx_int.h"

/* The numpy broadcast of operands [0, n) into *r, prefixed with the op. */
static int bcast_all(const nx_graph *g, uint32_t o, uint32_t from, uint32_t n, nx_type *r,
		     nx_err *err)
{
	*r = nx_infer_in(g, o, from);
	for (uint32_t i = from + 1; i < n; i++) {
		nx_type b = nx_infer_in(g, o, i);
		nx_err tmp;
		if (nx_broadcast(r, &b, r, &tmp))
			return nx_infer_fail(g, o, err, "%s", tmp.msg);
	}
	return 0;
}

int nx_infer_compare(nx_graph *g, uint32_t o, nx_err *err)
{
	/* Equal is defined on bool too; the orderings on numbers only. */
	unsigned ok = nx_opp(g, o)->kind == NX_OP_EQUAL ? NX_DT_ALL : NX_DT_NUM;
	if (nx_infer_dtype_in(g, o, 0, ok, err) || nx_infer_same_dtype(g, o, 0, 1, err))
		return -1;
	nx_type r;
	if (bcast_all(g, o, 0, 2, &r, err))
		return -1;
	r.dtype = NX_BOOL;
	return nx_infer_set(g, o, 0, &r, err);
}

int nx_infer_logic(nx_graph *g, uint32_t o, nx_err *err)
{
	uint32_t n = nx_opp(g, o)->n_in;
	for (uint32_t i = 0; i < n; i++)
		if (nx_infer_dtype_in(g, o, i, 1u << NX_BOOL, err))
			return -1;
	nx_type r;
	if (bcast_all(g, o, 0, n, &r, err))
		return -1;
	return nx_infer_set(g, o, 0, &r, err);
}

int nx_infer_where(nx_graph *g, uint32_t o, nx_err *err)
{
	if (nx_infer_dtype_in(g, o, 0, 1u << NX_BOOL, err) ||
	    nx_infer_dtype_in(g, o, 1, NX_DT_ALL, err) || nx_infer_same_dtype(g, o, 1, 2, err))
		return -1;
	nx_type r;
	if (bcast_all(g, o, 0, 3, &r, err))
		return -1;
	r.dtype = nx_infer_in(g, o, 1).dtype;
	return nx_infer_set(g, o, 0, &r, err);
}

int nx_infer_classify(nx_graph *g, uint32_t o, nx_err *err)
{
	if (nx_infer_dtype_in(g, o, 0, NX_DT_FLOAT, err))
		return -1;
	nx_type r = nx_infer_in(g, o, 0);
	r.dtype = NX_BOOL;
	return nx_infer_set(g, o, 0, &r, err);
}

int nx_infer_numeric(nx_graph *g, uint32_t o, nx_err *err)
{
	if (nx_infer_dtype_in(g, o, 0, NX_DT_NUM, err))
		return -1;
	nx_type r = nx_infer_in(g, o, 0);
	return nx_infer_set(g, o, 0, &r, err);
}
