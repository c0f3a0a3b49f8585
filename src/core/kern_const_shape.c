/* kern_const_shape.c — the constant_of_shape op (ONNX ConstantOfShape with
 * a shape computed at run time): a tensor of the shape operand's dims, every
 * element `value`. A constant shape never reaches this op: the importer
 * writes that as `expand` of the value (onnx_fold.c).
 *
 * The dims are the shape operand's values, which a static-shape IR can only
 * hold in the result type: with a constant operand inference computes them,
 * otherwise the result keeps the type it was declared (the ONNX model's
 * value_info or output) and the kernel refuses a shape that differs. Attr
 * `dtype` is the result's dtype, `value` its element (ONNX's one-element
 * tensor attribute; the importer refuses an integer a float cannot hold).
 */
#include <string.h>

#include "nx_int.h"

static int out_dtype(const nx_graph *g, uint32_t o, nx_err *err)
{
	const char *s = nx_attr_s(g, o, "dtype", "f32");
	int d = nx_dtype_parse(s, strlen(s));
	if (d < 0)
		return nx_infer_fail(g, o, err, "dtype \"%s\" is not a nex dtype", s);
	return d;
}

int nx_infer_constant_of_shape(nx_graph *g, uint32_t o, nx_err *err)
{
	if (nx_infer_dtype_in(g, o, 0, 1u << NX_I64, err))
		return -1;
	nx_type s = nx_infer_in(g, o, 0);
	if (s.rank != 1 || s.dims[0] > NX_MAX_RANK)
		return nx_infer_fail(g, o, err, "shape must be 1-D with at most %d elements",
				     NX_MAX_RANK);
	int dt = out_dtype(g, o, err);
	if (dt < 0)
		return -1;
	uint32_t v = nx_operand(g, o, 0);
	if (nx_is_const(g, v)) {
		const int64_t *d = nx_blob_data(nx_const_blob(g, v));
		nx_type r = nx_type_make(dt, (int)s.dims[0], d);
		return nx_infer_set(g, o, 0, &r, err);
	}
	const nx_type *have = nx_vtype(g, nx_result(g, o, 0));
	if (have->dtype == dt && have->rank == s.dims[0])
		return 0;
	return nx_infer_fail(g, o, err, "shape is not a constant, so the dims are unknown: "
			     "declare the result as %s with %lld dims", nx_dtype_name(dt),
			     (long long)s.dims[0]);
}

int nx_kern_constant_of_shape(nx_kern *k)
{
	const nx_tensor *s = &k->in[0];
	nx_tensor *y = &k->out[0];
	for (int i = 0; i < y->type.rank; i++) {
		int64_t want = nx_tensor_get_int(s, i);
		if (want != y->type.dims[i])
			return nx_kern_fail(k, "shape[%d] is %lld, the result's dim is %lld", i,
					    (long long)want, (long long)y->type.dims[i]);
	}
	double v = nx_attr_f(k->g, k->op, "value", 0);
	int64_t n = nx_tensor_numel(y);
	for (int64_t i = 0; i < n; i++)
		nx_tensor_set(y, i, v);
	return 0;
}
