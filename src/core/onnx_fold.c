/* onnx_fold.c — the import cases of shape-computing ONNX ops that a plain
 * registry translation cannot take. Exported models (PyTorch, Paddle) build
 * Reshape and Resize parameters with ConstantOfShape, Range, comparisons,
 * Where, Tile, Mod ...; once every input dim is bound their inputs are
 * constants, and the importer folds them through the interpreter's kernels
 * (nx_onnx_op_done -> nx_eval_op), the one implementation of each op.
 *
 * This file computes no element values of its own. It handles:
 * - ConstantOfShape, which nex imports as `expand` of its one-element value
 *   to the shape (the expand kernel then fills it: no op kind of its own,
 *   as TOSA and StableHLO have none);
 * - a Range with run-time operands, whose length only the model's declared
 *   type (value_info) can give in a static-shape IR;
 * - zero-element results (an empty input, a 0 in ConstantOfShape's shape, a
 *   Range of length 0): nex tensors have no zero dims, so the importer keeps
 *   these as empties, and only their shape is computed here.
 */
#include <stdlib.h>
#include <string.h>

#include "nx_int.h"
#include "onnx_int.h"

/* The ONNX ops whose zero-element cases this file shapes, with the dtype
 * rule of their result. */
enum { R_BOOL, R_IN0, R_IN1 };
static const struct {
	const char *name;
	uint8_t n_in, dtype;
} shaped[] = {
	{"Equal", 2, R_BOOL}, {"Less", 2, R_BOOL}, {"Greater", 2, R_BOOL},
	{"LessOrEqual", 2, R_BOOL}, {"GreaterOrEqual", 2, R_BOOL}, {"And", 2, R_BOOL},
	{"Or", 2, R_BOOL}, {"Xor", 2, R_BOOL}, {"Not", 1, R_BOOL}, {"Where", 3, R_IN1},
	{"Floor", 1, R_IN0}, {"Ceil", 1, R_IN0}, {"Round", 1, R_IN0}, {"Mod", 2, R_IN0},
};

/* Input i's type, empty or not; 1 if it is an empty, 0 if a value, -1 + err. */
static int in_type(nx_onnx_imp *im, uint32_t i, nx_type *t)
{
	uint32_t v;
	bool empty;
	if (nx_onnx_input(im, i, &v, &empty))
		return -1;
	if (empty) {
		*t = nx_onnx_find_empty(im, im->node->input[i])->type;
		return 1;
	}
	if (v == NX_NONE)
		return nx_onnx_fail(im, "input %u is missing", i);
	*t = *nx_vtype(im->g, v);
	return 0;
}

/* Output 0 := an empty of type t (some dim 0). */
static int def_empty(nx_onnx_imp *im, const nx_type *t)
{
	const Onnx__NodeProto *nd = im->node;
	if (nd->n_output < 1 || !nd->output[0] || !nd->output[0][0])
		return nx_onnx_fail(im, "has no output");
	bool ok;
	int64_t dummy = 0;
	nx_onnx_def_const(im, nd->output[0], t, &dummy, &ok);
	return ok ? 1 : -1;
}

/* Elementwise ops with an empty input: the numpy broadcast of the shapes,
 * where a 0 meets 0 or 1. 0 if no input is empty (the kernel path runs). */
static int empty_elementwise(nx_onnx_imp *im, uint32_t n_in, int rule)
{
	nx_type t[3], r;
	bool any = false;
	if (im->node->n_input < n_in)
		return 0; /* the translation names the missing input */
	for (uint32_t i = 0; i < n_in; i++) {
		int e = in_type(im, i, &t[i]);
		if (e < 0)
			return -1;
		any |= e == 1;
	}
	if (!any)
		return 0;
	memset(&r, 0, sizeof r);
	for (uint32_t i = 0; i < n_in; i++)
		if (t[i].rank > r.rank)
			r.rank = t[i].rank;
	for (int d = 0; d < r.rank; d++) {
		int64_t dim = 1;
		for (uint32_t i = 0; i < n_in; i++) {
			int off = r.rank - t[i].rank;
			if (d < off)
				continue;
			int64_t e = t[i].dims[d - off];
			if (e == dim || e == 1)
				continue;
			if (dim != 1)
				return nx_onnx_fail(im, "input shapes do not broadcast (dim %d: %lld "
						    "vs %lld)", d, (long long)dim, (long long)e);
			dim = e;
		}
		r.dims[d] = dim;
	}
	r.dtype = rule == R_BOOL ? NX_BOOL : rule == R_IN1 ? t[1].dtype : t[0].dtype;
	return def_empty(im, &r);
}

/* Tile of an empty X: X's dims times the (constant) repeats. */
static int empty_tile(nx_onnx_imp *im)
{
	nx_type x;
	int e = in_type(im, 0, &x);
	if (e <= 0)
		return e;
	nx_onnx_list rep;
	if (nx_onnx_const_list(im, 1, "repeats", true, &rep))
		return -1;
	if (!rep.present || rep.n != (uint32_t)x.rank)
		return nx_onnx_fail(im, "repeats must be %d integers", x.rank);
	for (int d = 0; d < x.rank; d++) {
		if (rep.i[d] < 0)
			return nx_onnx_fail(im, "repeats[%d] is negative", d);
		x.dims[d] *= rep.i[d]; /* one dim is 0 already: no element count */
	}
	return def_empty(im, &x);
}

/* Input i as a tensor over its constant's data, if it is a constant. */
static bool const_in(nx_onnx_imp *im, uint32_t i, nx_tensor *t)
{
	uint32_t v;
	bool empty;
	if (i >= im->node->n_input || nx_onnx_input(im, i, &v, &empty) || empty ||
	    v == NX_NONE || !nx_is_const(im->g, v))
		return false;
	t->type = *nx_vtype(im->g, v);
	t->data = (void *)nx_blob_data(nx_const_blob(im->g, v)); /* read only */
	return true;
}

static int import_range(nx_onnx_imp *im)
{
	const Onnx__NodeProto *nd = im->node;
	nx_tensor s, l, d;
	if (nd->n_input != 3 || nd->n_output != 1)
		return 0; /* the translation words the arity fault */
	if (const_in(im, 0, &s) && const_in(im, 1, &l) && const_in(im, 2, &d)) {
		int64_t n;
		nx_err why;
		if (s.type.dtype != l.type.dtype || s.type.dtype != d.type.dtype ||
		    nx_type_numel(&s.type) != 1 || nx_type_numel(&l.type) != 1 ||
		    nx_type_numel(&d.type) != 1)
			return 0; /* inference words it */
		if (nx_range_count(&s, &l, &d, &n, &why))
			return nx_onnx_fail(im, "%s", why.msg);
		if (n)
			return 0; /* the range kernel folds it */
		nx_type t = nx_type_make(s.type.dtype, 1, &n);
		return def_empty(im, &t);
	}
	/* Run-time operands: the op stays, typed as the model declares. */
	uint32_t in[3];
	for (uint32_t i = 0; i < 3; i++)
		if (nx_onnx_operand(im, i, &in[i]))
			return -1;
	nx_type t;
	nx_err keep = *im->err;
	if (nx_onnx_declared_type(im, nd->output[0], &t)) {
		*im->err = keep;
		return nx_onnx_fail(im, "start, limit and delta are not all constants, so the "
				    "length of output '%s' must be declared: give it a static "
				    "shape in value_info or bind it with --shape", nd->output[0]);
	}
	uint32_t op = nx_onnx_op_new(im, NX_OP_RANGE, in, 3, 1, (const char *const *)nd->output);
	if (op == NX_NONE)
		return -1;
	nx_value_set_type(im->g, nx_result(im->g, op, 0), &t);
	return nx_onnx_op_done(im, op, NULL) ? -1 : 1;
}

static int import_constant_of_shape(nx_onnx_imp *im)
{
	const Onnx__NodeProto *nd = im->node;
	nx_tensor shp;
	uint32_t v;
	bool empty;
	if (nd->n_input != 1 || nd->n_output != 1)
		return nx_onnx_fail(im, "takes 1 input and gives 1 output");
	if (nx_onnx_input(im, 0, &v, &empty))
		return -1;
	if (!empty && !const_in(im, 0, &shp))
		return 0; /* a run-time shape: nex can only keep it opaque */
	nx_onnx_list l;
	if (nx_onnx_const_list(im, 0, "shape", true, &l))
		return -1;
	if (l.n > NX_MAX_RANK)
		return nx_onnx_fail(im, "shape has %u dims; nex allows at most %d", l.n,
				    NX_MAX_RANK);
	nx_type val = nx_type_make(NX_F32, 0, NULL);
	void *data = NULL;
	const Onnx__AttributeProto *a = nx_onnx_attr(nd, "value");
	if (a && a->t) {
		nx_err e;
		if (nx_onnx_tensor(im, a->t, "value", &val, &data, &e))
			return nx_onnx_fail(im, "%s", e.msg);
		if (nx_type_numel(&val) != 1) {
			free(data);
			return nx_onnx_fail(im, "value must hold one element");
		}
	} else {
		data = nx_xcalloc(1, sizeof(float)); /* ONNX's default: f32 0 */
	}
	nx_type r = nx_type_make(val.dtype, (int)l.n, l.i);
	int rc;
	bool zero = false;
	for (uint32_t d = 0; d < l.n; d++) {
		if (l.i[d] < 0) {
			free(data);
			return nx_onnx_fail(im, "shape[%u] is negative", d);
		}
		zero |= l.i[d] == 0;
	}
	if (zero) {
		rc = def_empty(im, &r);
	} else {
		/* The value as a one-element constant, expanded to the shape. */
		nx_type one = nx_type_make(val.dtype, 0, NULL);
		bool ok;
		uint32_t c = nx_onnx_def_const(im, NULL, &one, data, &ok);
		uint32_t op = ok ? nx_onnx_op_new(im, NX_OP_EXPAND, &c, 1, 1,
						  (const char *const *)nd->output) : NX_NONE;
		if (op != NX_NONE)
			nx_attr_set_ints(im->g, op, "shape", l.i, l.n);
		rc = op == NX_NONE || nx_onnx_op_done(im, op, NULL) ? -1 : 1;
	}
	free(data);
	return rc;
}

int nx_onnx_fold_extra(nx_onnx_imp *im)
{
	const char *t = im->node->op_type;
	if (!strcmp(t, "ConstantOfShape"))
		return import_constant_of_shape(im);
	if (!strcmp(t, "Range"))
		return import_range(im);
	if (!strcmp(t, "Tile"))
		return im->node->n_input == 2 ? empty_tile(im) : 0;
	for (size_t i = 0; i < sizeof shaped / sizeof shaped[0]; i++)
		if (!strcmp(shaped[i].name, t))
			return empty_elementwise(im, shaped[i].n_in, shaped[i].dtype);
	return 0;
}
