/* test_onnx.c — ONNX import and export: each case builds the exact model it
 * needs with onnx_build.h (opset, attribute vs input forms, broken fields)
 * and checks the graph the importer makes, the error it gives, or what the
 * exporter writes. Real models and the ONNX node tests are covered by
 * tests/onnx/ (they need files that may be absent). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "nx.h"
#include "onnx_build.h"

/* ---- helpers ---- */

typedef struct warns {
	int n;
	char all[4096];
} warns;

static void on_warn(void *ctx, const char *msg)
{
	warns *w = ctx;
	w->n++;
	size_t k = strlen(w->all);
	snprintf(w->all + k, sizeof w->all - k, "%s\n", msg);
}

static nx_graph *imp_opts(ob *b, nx_onnx_opts *o, nx_err *err)
{
	size_t len;
	void *buf = ob_pack(b, &len);
	nx_graph *g = nx_onnx_import_mem(buf, len, "t.onnx", "/tmp", o, err);
	free(buf);
	return g;
}

static nx_graph *imp(ob *b, nx_err *err)
{
	return imp_opts(b, NULL, err);
}

/* Imports b, expecting failure; returns the message (static buffer). */
static const char *imp_err(ob *b)
{
	static nx_err err;
	warns w = {0};
	nx_onnx_opts o = {0};
	o.warn = on_warn;
	o.warn_ctx = &w;
	nx_graph *g = imp_opts(b, &o, &err);
	if (g) {
		nx_graph_free(g);
		return "(imported)";
	}
	return err.msg;
}

static uint32_t producer(const nx_graph *g, const char *name)
{
	uint32_t v = nx_value_by_name(g, name, strlen(name));
	return v == NX_NONE ? NX_NONE : nx_val(g, v)->producer;
}

static int count_kind(const nx_graph *g, int kind)
{
	int n = 0;
	NX_FOR_OPS(g, o)
		n += nx_opp(g, o)->kind == kind;
	return n;
}

static bool ints_eq(const nx_graph *g, uint32_t o, const char *name, const int64_t *want,
		    uint32_t n)
{
	uint32_t k;
	const int64_t *v = nx_attr_ints(g, o, name, &k);
	if (!v || k != n)
		return false;
	return !memcmp(v, want, n * 8);
}

static const nx_type *vtype(const nx_graph *g, const char *name)
{
	uint32_t v = nx_value_by_name(g, name, strlen(name));
	return v == NX_NONE ? NULL : nx_vtype(g, v);
}

static bool dims_are(const nx_graph *g, const char *name, int rank, const int64_t *d)
{
	const nx_type *t = vtype(g, name);
	if (!t || t->rank != rank)
		return false;
	for (int i = 0; i < rank; i++)
		if (t->dims[i] != d[i])
			return false;
	return true;
}

static const float W4[4 * 3] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};

/* ---- import: basics ---- */

static void test_import_conv_relu(void)
{
	ob *b = ob_new(13);
	ob_input(b, "x", OB_F32, "1,3,8,8");
	ob_init_f32(b, "w", "4,3,1,1", W4, 12);
	Onnx__NodeProto *n = ob_node(b, "Conv", "x,w", "c");
	n->name = ob_str(b, "conv0");
	ob_ints(b, n, "strides", 2, (int64_t[]){2, 2});
	ob_ints(b, n, "kernel_shape", 2, (int64_t[]){1, 1});
	ob_node(b, "Relu", "c", "y");
	ob_output(b, "y", OB_F32, "1,4,4,4");
	nx_err err;
	nx_graph *g = imp(b, &err);
	CHECK(g);
	if (!g) {
		fprintf(stderr, "%s\n", err.msg);
		ob_free(b);
		return;
	}
	uint32_t c = producer(g, "c"), y = producer(g, "y");
	CHECK_EQ_INT(nx_opp(g, c)->kind, NX_OP_CONV);
	CHECK_EQ_INT(nx_opp(g, y)->kind, NX_OP_RELU);
	CHECK(ints_eq(g, c, "strides", (int64_t[]){2, 2}, 2));
	CHECK(dims_are(g, "c", 4, (int64_t[]){1, 4, 4, 4}));
	/* origins: node name, or op_type + index when unnamed */
	CHECK_STR(nx_cstr(g, nx_op_origin(g, c)[0]), "conv0");
	CHECK_STR(nx_cstr(g, nx_op_origin(g, y)[0]), "Relu_1");
	/* the weight is a constant with the initializer's bytes */
	uint32_t w = nx_operand(g, c, 1);
	CHECK(nx_is_const(g, w));
	CHECK_STR(nx_vname(g, w), "w");
	CHECK(!memcmp(nx_blob_data(nx_const_blob(g, w)), W4, sizeof W4));
	CHECK_EQ_INT(g->n_inputs, 1);
	CHECK_EQ_INT(g->n_outputs, 1);
	CHECK_STR(nx_vname(g, g->outputs[0]), "y");
	CHECK(nx_verify(g, &err) == 0);
	nx_graph_free(g);
	ob_free(b);
}

static void test_import_binds(void)
{
	ob *b = ob_new(13);
	ob_input(b, "x", OB_F32, "N,3,H,8");
	ob_node(b, "Relu", "x", "y");
	ob_output(b, "y", OB_F32, "N,3,H,8");
	/* unbound: names the input, the dim, the dim_param, and a --shape hint */
	const char *e = imp_err(b);
	CHECK_CONTAINS(e, "input 'x' dim 0 ('N') is dynamic");
	CHECK_CONTAINS(e, "--shape x=N,3,N,8");
	nx_shape_bind bind = {"x", 4, {2, 3, 5, 8}};
	nx_onnx_opts o = {0};
	o.binds = &bind;
	o.n_binds = 1;
	nx_err err;
	nx_graph *g = imp_opts(b, &o, &err);
	CHECK(g && dims_are(g, "y", 4, (int64_t[]){2, 3, 5, 8}));
	nx_graph_free(g);
	/* a bind that contradicts a static dim */
	bind.dims[1] = 4;
	g = imp_opts(b, &o, &err);
	CHECK(!g);
	CHECK_CONTAINS(err.msg, "dim 1 is 3 in the model, --shape says 4");
	/* wrong rank, unknown name */
	bind.dims[1] = 3;
	bind.rank = 3;
	CHECK(!imp_opts(b, &o, &err));
	CHECK_CONTAINS(err.msg, "gives 3 dims");
	bind.rank = 4;
	bind.name = "z";
	CHECK(!imp_opts(b, &o, &err));
	CHECK_CONTAINS(err.msg, "--shape names 'z', which is not a graph input of this model "
		       "(inputs: x)");
	ob_free(b);
}

/* Shape -> Gather -> Unsqueeze -> Concat -> Reshape folds: the reshape gets
 * a shape attribute and no shape-computing op survives. */
static void test_import_shape_folding(void)
{
	ob *b = ob_new(13);
	ob_input(b, "x", OB_F32, "N,4,6");
	ob_init_i64(b, "i0", "", (int64_t[]){0}, 1);
	ob_init_i64(b, "ax", "1", (int64_t[]){0}, 1);
	ob_init_i64(b, "m1", "1", (int64_t[]){-1}, 1);
	ob_node(b, "Shape", "x", "s");
	ob_node(b, "Gather", "s,i0", "n");
	ob_node(b, "Unsqueeze", "n,ax", "n1");
	ob_node(b, "Concat", "n1,m1", "shp");
	ob_i(b, b->g.node[3], "axis", 0);
	ob_node(b, "Reshape", "x,shp", "y");
	ob_output(b, "y", OB_F32, NULL);
	nx_shape_bind bind = {"x", 3, {2, 4, 6}};
	nx_onnx_opts o = {0};
	o.binds = &bind;
	o.n_binds = 1;
	nx_err err;
	nx_graph *g = imp_opts(b, &o, &err);
	CHECK(g);
	if (g) {
		CHECK_EQ_INT(g->n_live_ops, 1);
		CHECK_EQ_INT(count_kind(g, NX_OP_RESHAPE), 1);
		uint32_t r = producer(g, "y");
		CHECK_EQ_INT(nx_opp(g, r)->kind, NX_OP_RESHAPE);
		CHECK(ints_eq(g, r, "shape", (int64_t[]){2, -1}, 2));
		CHECK(dims_are(g, "y", 2, (int64_t[]){2, 24}));
		/* folded and attribute-only constants are gone */
		CHECK_EQ_INT(nx_value_by_name(g, "shp", 3), NX_NONE);
		CHECK(nx_verify(g, &err) == 0);
	} else {
		fprintf(stderr, "%s\n", err.msg);
	}
	nx_graph_free(g);
	ob_free(b);
}

/* ConstantOfShape, Range, Equal and Where outside the registry fold when
 * their inputs are constant. */
static void test_import_fold_extra(void)
{
	ob *b = ob_new(13);
	ob_input(b, "x", OB_F32, "2,6");
	ob_init_i64(b, "two", "1", (int64_t[]){2}, 1);
	ob_init_i64(b, "z", "", (int64_t[]){0}, 1);
	ob_init_i64(b, "l", "", (int64_t[]){3}, 1);
	ob_init_i64(b, "d", "", (int64_t[]){1}, 1);
	ob_node(b, "ConstantOfShape", "two", "ones");      /* f32 [0,0] by default */
	ob_node(b, "Range", "z,l,d", "r");                  /* [0,1,2] */
	ob_node(b, "Equal", "r,d", "eq");                   /* [F,T,F] */
	ob_init_i64(b, "a", "3", (int64_t[]){2, 3, 6}, 3);
	ob_init_i64(b, "c", "3", (int64_t[]){9, 2, 9}, 3);
	ob_node(b, "Where", "eq,a,c", "wh");                /* [9,3,9] */
	ob_init_i64(b, "s", "1", (int64_t[]){1}, 1);
	ob_init_i64(b, "e", "1", (int64_t[]){2}, 1);
	ob_node(b, "Slice", "wh,s,e", "shp0");              /* wh[1:2] = [3] */
	ob_init_i64(b, "m1", "1", (int64_t[]){-1}, 1);
	ob_node(b, "Concat", "shp0,m1", "shp");
	ob_i(b, b->g.node[b->g.n_node - 1], "axis", 0);
	ob_node(b, "Reshape", "x,shp", "y");
	ob_node(b, "Add", "ones,ones", "ones2");
	ob_output(b, "y", OB_F32, "3,4");
	ob_output(b, "ones2", OB_F32, "2");
	nx_err err;
	nx_graph *g = imp(b, &err);
	CHECK(g);
	if (g) {
		CHECK(ints_eq(g, producer(g, "y"), "shape", (int64_t[]){3, -1}, 2));
		/* ones + ones is small and constant: folded too */
		uint32_t v = nx_value_by_name(g, "ones2", 5);
		CHECK(nx_is_const(g, v));
		CHECK(((const float *)nx_blob_data(nx_const_blob(g, v)))[1] == 0.0f);
	} else {
		fprintf(stderr, "%s\n", err.msg);
	}
	nx_graph_free(g);
	ob_free(b);
}

static void test_import_not_constant(void)
{
	ob *b = ob_new(13);
	ob_input(b, "x", OB_F32, "2,6");
	ob_input(b, "shape", OB_I64, "2");
	Onnx__NodeProto *n = ob_node(b, "Reshape", "x,shape", "y");
	n->name = ob_str(b, "rs");
	ob_output(b, "y", OB_F32, NULL);
	const char *e = imp_err(b);
	CHECK_CONTAINS(e, "node 'rs' (Reshape): input 1 'shape' (shape) must be constant");
	CHECK_CONTAINS(e, "graph input");
	/* const_names turns the input into a constant */
	int64_t sv[2] = {3, 4};
	nx_tensor t = {nx_type_make(NX_I64, 1, (int64_t[]){2}), sv};
	const char *names[1] = {"shape"};
	nx_onnx_opts o = {0};
	o.const_names = names;
	o.const_values = &t;
	o.n_consts = 1;
	nx_err err;
	nx_graph *g = imp_opts(b, &o, &err);
	CHECK(g && ints_eq(g, producer(g, "y"), "shape", sv, 2));
	CHECK(g && g->n_inputs == 1);
	nx_graph_free(g);
	ob_free(b);
}

/* ---- import: opset differences ---- */

/* Clip: min/max attributes before 11, constant inputs from 11. */
static void test_opset_clip(void)
{
	for (int opset = 9; opset <= 13; opset += 4) {
		ob *b = ob_new(opset);
		ob_input(b, "x", OB_F32, "4");
		Onnx__NodeProto *n;
		if (opset < 11) {
			n = ob_node(b, "Clip", "x", "y");
			ob_f(b, n, "min", 0.0f);
			ob_f(b, n, "max", 6.0f);
		} else {
			ob_init_f32(b, "lo", "", (float[]){0.0f}, 1);
			ob_init_f32(b, "hi", "", (float[]){6.0f}, 1);
			ob_node(b, "Clip", "x,lo,hi", "y");
		}
		ob_output(b, "y", OB_F32, "4");
		nx_err err;
		nx_graph *g = imp(b, &err);
		CHECK(g);
		if (g) {
			uint32_t c = producer(g, "y");
			CHECK(nx_attr_f(g, c, "min", -1) == 0.0f);
			CHECK(nx_attr_f(g, c, "max", -1) == 6.0f);
			CHECK_EQ_INT(g->n_live_ops, 1);
		}
		nx_graph_free(g);
		ob_free(b);
	}
	/* max only: min stays absent */
	ob *b = ob_new(13);
	ob_input(b, "x", OB_F32, "4");
	ob_init_f32(b, "hi", "", (float[]){1.0f}, 1);
	ob_node(b, "Clip", "x,,hi", "y");
	ob_output(b, "y", OB_F32, "4");
	nx_err err;
	nx_graph *g = imp(b, &err);
	CHECK(g && !nx_attr_get(g, producer(g, "y"), "min"));
	CHECK(g && nx_attr_f(g, producer(g, "y"), "max", 0) == 1.0f);
	nx_graph_free(g);
	ob_free(b);
}

/* Opsets before 7: `broadcast`=1 aligns B with A from `axis`, which may
 * leave A dims after B's (numpy would align B right); broadcast=0 wants one
 * shape. */
static void test_opset_legacy_broadcast(void)
{
	ob *b = ob_new(6);
	ob_input(b, "a", OB_F32, "2,3,4,5");
	ob_input(b, "b", OB_F32, "3,4");
	Onnx__NodeProto *n = ob_node(b, "Add", "a,b", "y");
	ob_i(b, n, "broadcast", 1);
	ob_i(b, n, "axis", 1);
	ob_output(b, "y", OB_F32, "2,3,4,5");
	nx_err err;
	nx_graph *g = imp(b, &err);
	CHECK(g);
	if (g) {
		nx_tensor in[2];
		uint64_t st = 7;
		for (int k = 0; k < 2; k++)
			in[k] = nx_tensor_random(nx_vtype(g, g->inputs[k]), &st, -1, 1);
		nx_run_opts ro = {.threads = 1};
		nx_run_result r = {0};
		CHECK(nx_run(g, in, 2, &ro, &r, &err) == 0);
		bool ok = r.n_outputs == 1;
		for (int64_t i = 0; ok && i < 120; i++) {
			int64_t c = i / 20 % 3, h = i / 5 % 4;
			ok = nx_tensor_get(&r.outputs[0], i) ==
			     (float)(nx_tensor_get(&in[0], i) + nx_tensor_get(&in[1], c * 4 + h));
		}
		CHECK(ok);
		nx_run_result_free(&r);
		for (int k = 0; k < 2; k++)
			nx_tensor_free(&in[k]);
	}
	nx_graph_free(g);
	ob_free(b);
	/* B past A's end, and unequal shapes without broadcast: refused */
	for (int k = 0; k < 2; k++) {
		b = ob_new(6);
		ob_input(b, "a", OB_F32, "2,3,4,5");
		ob_input(b, "b", OB_F32, "3,4");
		n = ob_node(b, "Mul", "a,b", "y");
		ob_i(b, n, "broadcast", k);
		if (k)
			ob_i(b, n, "axis", 3);
		ob_output(b, "y", OB_F32, "2,3,4,5");
		g = imp(b, &err);
		CHECK(!g);
		CHECK_CONTAINS(err.msg, k ? "does not fit A (rank 4) from axis 3" : "broadcast is 0");
		nx_graph_free(g);
		ob_free(b);
	}
}

/* Squeeze/Unsqueeze axes: attribute before 13, input from 13. */
static void test_opset_squeeze(void)
{
	for (int opset = 11; opset <= 13; opset += 2) {
		ob *b = ob_new(opset);
		ob_input(b, "x", OB_F32, "1,4,1");
		if (opset < 13) {
			ob_ints(b, ob_node(b, "Squeeze", "x", "s"), "axes", 1, (int64_t[]){2});
			ob_ints(b, ob_node(b, "Unsqueeze", "s", "y"), "axes", 1, (int64_t[]){0});
		} else {
			ob_init_i64(b, "a2", "1", (int64_t[]){2}, 1);
			ob_init_i64(b, "a0", "1", (int64_t[]){0}, 1);
			ob_node(b, "Squeeze", "x,a2", "s");
			ob_node(b, "Unsqueeze", "s,a0", "y");
		}
		ob_output(b, "y", OB_F32, "1,1,4");
		nx_err err;
		nx_graph *g = imp(b, &err);
		CHECK(g);
		if (g) {
			CHECK(ints_eq(g, producer(g, "s"), "axes", (int64_t[]){2}, 1));
			CHECK(ints_eq(g, producer(g, "y"), "axes", (int64_t[]){0}, 1));
			CHECK(dims_are(g, "s", 2, (int64_t[]){1, 4}));
		} else {
			fprintf(stderr, "opset %d: %s\n", opset, err.msg);
		}
		nx_graph_free(g);
		ob_free(b);
	}
}

/* Split: attribute (< 13), input (>= 13), num_outputs (18, uneven). */
static void test_opset_split(void)
{
	static const int opsets[3] = {11, 13, 18};
	for (int k = 0; k < 3; k++) {
		ob *b = ob_new(opsets[k]);
		ob_input(b, "x", OB_F32, "7,2");
		Onnx__NodeProto *n;
		if (k == 0) {
			n = ob_node(b, "Split", "x", "a,b");
			ob_ints(b, n, "split", 2, (int64_t[]){3, 4});
		} else if (k == 1) {
			ob_init_i64(b, "sp", "2", (int64_t[]){3, 4}, 2);
			n = ob_node(b, "Split", "x,sp", "a,b");
		} else {
			n = ob_node(b, "Split", "x", "a,b");
			ob_i(b, n, "num_outputs", 2);
		}
		ob_i(b, n, "axis", 0);
		ob_output(b, "a", OB_F32, NULL);
		ob_output(b, "b", OB_F32, NULL);
		nx_err err;
		nx_graph *g = imp(b, &err);
		CHECK(g);
		if (g) {
			/* 7 in two: 3+4 as given, or 4+3 by opset 18's ceil rule */
			int64_t a = k < 2 ? 3 : 4, bb = k < 2 ? 4 : 3;
			CHECK(dims_are(g, "a", 2, (int64_t[]){a, 2}));
			CHECK(dims_are(g, "b", 2, (int64_t[]){bb, 2}));
			CHECK_EQ_INT(!!nx_attr_get(g, producer(g, "a"), "split"), k < 2);
		} else {
			fprintf(stderr, "opset %d: %s\n", opsets[k], err.msg);
		}
		nx_graph_free(g);
		ob_free(b);
	}
}

/* Pad: attrs (< 11), inputs (>= 11), axes input (18). */
static void test_opset_pad(void)
{
	static const int opsets[3] = {10, 13, 18};
	for (int k = 0; k < 3; k++) {
		ob *b = ob_new(opsets[k]);
		ob_input(b, "x", OB_F32, "2,3");
		Onnx__NodeProto *n;
		if (k == 0) {
			n = ob_node(b, "Pad", "x", "y");
			ob_ints(b, n, "pads", 4, (int64_t[]){0, 1, 0, 2});
			ob_f(b, n, "value", 5.0f);
		} else if (k == 1) {
			ob_init_i64(b, "p", "4", (int64_t[]){0, 1, 0, 2}, 4);
			ob_init_f32(b, "v", "", (float[]){5.0f}, 1);
			n = ob_node(b, "Pad", "x,p,v", "y");
		} else {
			ob_init_i64(b, "p", "2", (int64_t[]){1, 2}, 2);
			ob_init_f32(b, "v", "", (float[]){5.0f}, 1);
			ob_init_i64(b, "ax", "1", (int64_t[]){-1}, 1);
			n = ob_node(b, "Pad", "x,p,v,ax", "y");
		}
		ob_s(b, n, "mode", "constant");
		ob_output(b, "y", OB_F32, "2,6");
		nx_err err;
		nx_graph *g = imp(b, &err);
		CHECK(g);
		if (g) {
			uint32_t p = producer(g, "y");
			CHECK(ints_eq(g, p, "pads", (int64_t[]){0, 1, 0, 2}, 4));
			CHECK(nx_attr_f(g, p, "value", 0) == 5.0f);
		} else {
			fprintf(stderr, "opset %d: %s\n", opsets[k], err.msg);
		}
		nx_graph_free(g);
		ob_free(b);
	}
}

/* Softmax before 13 coerces to 2-D at axis: the last axis maps to one op,
 * another axis to flatten -> softmax -> reshape. */
static void test_opset_softmax(void)
{
	ob *b = ob_new(11);
	ob_input(b, "x", OB_F32, "2,3,4");
	ob_i(b, ob_node(b, "Softmax", "x", "last"), "axis", 2);
	ob_node(b, "LogSoftmax", "x", "mid"); /* axis 1 by default before 13 */
	ob_output(b, "last", OB_F32, "2,3,4");
	ob_output(b, "mid", OB_F32, "2,3,4");
	nx_err err;
	nx_graph *g = imp(b, &err);
	CHECK(g);
	if (g) {
		uint32_t l = producer(g, "last"), m = producer(g, "mid");
		CHECK_EQ_INT(nx_opp(g, l)->kind, NX_OP_SOFTMAX);
		CHECK_EQ_INT(nx_attr_i(g, l, "axis", -9), 2);
		CHECK_EQ_INT(nx_opp(g, m)->kind, NX_OP_RESHAPE);
		CHECK(ints_eq(g, m, "shape", (int64_t[]){2, 3, 4}, 3));
		uint32_t sm = nx_val(g, nx_operand(g, m, 0))->producer;
		CHECK_EQ_INT(nx_opp(g, sm)->kind, NX_OP_LOG_SOFTMAX);
		uint32_t fl = nx_val(g, nx_operand(g, sm, 0))->producer;
		CHECK_EQ_INT(nx_opp(g, fl)->kind, NX_OP_FLATTEN);
		CHECK_EQ_INT(nx_attr_i(g, fl, "axis", -9), 1);
		CHECK(dims_are(g, nx_vname(g, nx_result(g, fl, 0)), 2, (int64_t[]){2, 12}));
		/* all three carry the node's name as origin */
		CHECK_STR(nx_cstr(g, nx_op_origin(g, fl)[0]), "LogSoftmax_1");
		CHECK(nx_verify(g, &err) == 0);
	}
	nx_graph_free(g);
	ob_free(b);
	/* opset 13: axis semantics are per-axis already, one op */
	b = ob_new(13);
	ob_input(b, "x", OB_F32, "2,3,4");
	ob_i(b, ob_node(b, "Softmax", "x", "y"), "axis", 1);
	ob_output(b, "y", OB_F32, "2,3,4");
	g = imp(b, &err);
	CHECK(g && g->n_live_ops == 1 && nx_attr_i(g, producer(g, "y"), "axis", 0) == 1);
	nx_graph_free(g);
	ob_free(b);
}

/* Reduce axes: attribute (ReduceMean < 18, ReduceSum < 13), else input. */
static void test_opset_reduce(void)
{
	static const int opsets[3] = {12, 13, 18};
	for (int k = 0; k < 3; k++) {
		ob *b = ob_new(opsets[k]);
		ob_input(b, "x", OB_F32, "2,3,4");
		ob_init_i64(b, "ax", "1", (int64_t[]){1}, 1);
		Onnx__NodeProto *m = ob_node(b, "ReduceMean", opsets[k] >= 18 ? "x,ax" : "x", "m");
		Onnx__NodeProto *s = ob_node(b, "ReduceSum", opsets[k] >= 13 ? "x,ax" : "x", "s");
		if (opsets[k] < 18)
			ob_ints(b, m, "axes", 1, (int64_t[]){1});
		if (opsets[k] < 13)
			ob_ints(b, s, "axes", 1, (int64_t[]){1});
		ob_i(b, s, "keepdims", 0);
		ob_output(b, "m", OB_F32, "2,1,4");
		ob_output(b, "s", OB_F32, "2,4");
		nx_err err;
		nx_graph *g = imp(b, &err);
		CHECK(g);
		if (g) {
			CHECK(ints_eq(g, producer(g, "m"), "axes", (int64_t[]){1}, 1));
			CHECK(ints_eq(g, producer(g, "s"), "axes", (int64_t[]){1}, 1));
		} else {
			fprintf(stderr, "opset %d: %s\n", opsets[k], err.msg);
		}
		nx_graph_free(g);
		ob_free(b);
	}
}

/* Resize 10 (scales input, asymmetric), 13 (sizes), 18 (axes); Upsample. */
static void test_opset_resize(void)
{
	nx_err err;
	ob *b = ob_new(10);
	ob_input(b, "x", OB_F32, "1,1,2,3");
	ob_init_f32(b, "sc", "4", (float[]){1, 1, 2, 2}, 4);
	ob_node(b, "Resize", "x,sc", "y");
	ob_output(b, "y", OB_F32, "1,1,4,6");
	nx_graph *g = imp(b, &err);
	CHECK(g);
	if (g) {
		uint32_t r = producer(g, "y");
		CHECK_STR(nx_attr_s(g, r, "coordinate_transformation_mode", ""), "asymmetric");
		CHECK_STR(nx_attr_s(g, r, "nearest_mode", ""), "floor");
		uint32_t n;
		const float *sc = nx_attr_floats(g, r, "scales", &n);
		CHECK(n == 4 && sc[2] == 2.0f);
	}
	nx_graph_free(g);
	ob_free(b);

	b = ob_new(13);
	ob_input(b, "x", OB_F32, "1,1,2,3");
	ob_init_i64(b, "sz", "4", (int64_t[]){1, 1, 5, 7}, 4);
	ob_s(b, ob_node(b, "Resize", "x,,,sz", "y"), "mode", "linear");
	ob_output(b, "y", OB_F32, "1,1,5,7");
	g = imp(b, &err);
	CHECK(g && ints_eq(g, producer(g, "y"), "sizes", (int64_t[]){1, 1, 5, 7}, 4));
	CHECK(g && !strcmp(nx_attr_s(g, producer(g, "y"), "mode", ""), "linear"));
	nx_graph_free(g);
	ob_free(b);

	b = ob_new(18);
	ob_input(b, "x", OB_F32, "1,1,2,3");
	ob_init_f32(b, "sc", "2", (float[]){2, 3}, 2);
	ob_ints(b, ob_node(b, "Resize", "x,,sc", "y"), "axes", 2, (int64_t[]){2, 3});
	ob_output(b, "y", OB_F32, "1,1,4,9");
	g = imp(b, &err);
	CHECK(g);
	if (g) {
		uint32_t n;
		const float *sc = nx_attr_floats(g, producer(g, "y"), "scales", &n);
		CHECK(n == 4 && sc[0] == 1.0f && sc[1] == 1.0f && sc[2] == 2.0f && sc[3] == 3.0f);
	}
	nx_graph_free(g);
	ob_free(b);

	/* Upsample (opset 9, scales input) maps to resize */
	b = ob_new(9);
	ob_input(b, "x", OB_F32, "1,1,2,2");
	ob_init_f32(b, "sc", "4", (float[]){1, 1, 2, 2}, 4);
	ob_node(b, "Upsample", "x,sc", "y");
	ob_output(b, "y", OB_F32, "1,1,4,4");
	g = imp(b, &err);
	CHECK(g && nx_opp(g, producer(g, "y"))->kind == NX_OP_RESIZE);
	CHECK(g && !strcmp(nx_attr_s(g, producer(g, "y"), "mode", ""), "nearest"));
	nx_graph_free(g);
	ob_free(b);

	/* Upsample 7..8: scales attribute */
	b = ob_new(8);
	ob_input(b, "x", OB_F32, "1,1,2,2");
	Onnx__NodeProto *up = ob_node(b, "Upsample", "x", "y");
	ob_floats(b, up, "scales", 4, (float[]){1, 1, 2, 3});
	ob_s(b, up, "mode", "linear");
	ob_output(b, "y", OB_F32, "1,1,4,6");
	g = imp(b, &err);
	CHECK(g && !strcmp(nx_attr_s(g, producer(g, "y"), "mode", ""), "linear"));
	CHECK(g && !strcmp(nx_attr_s(g, producer(g, "y"), "coordinate_transformation_mode", ""),
			   "asymmetric"));
	nx_graph_free(g);
	ob_free(b);

	/* antialias is refused with the node named */
	b = ob_new(18);
	ob_input(b, "x", OB_F32, "1,1,2,2");
	ob_init_f32(b, "sc", "4", (float[]){1, 1, 2, 2}, 4);
	ob_i(b, ob_node(b, "Resize", "x,,sc", "y"), "antialias", 1);
	ob_output(b, "y", OB_F32, NULL);
	CHECK_CONTAINS(imp_err(b), "node 'Resize_0' (Resize): antialias=1 is not supported");
	ob_free(b);
}

/* Slice: attributes before 10, inputs from 10 (INT64_MAX ends kept). */
static void test_opset_slice(void)
{
	for (int opset = 9; opset <= 10; opset++) {
		ob *b = ob_new(opset);
		ob_input(b, "x", OB_F32, "4,5");
		if (opset == 9) {
			Onnx__NodeProto *n = ob_node(b, "Slice", "x", "y");
			ob_ints(b, n, "starts", 1, (int64_t[]){1});
			ob_ints(b, n, "ends", 1, (int64_t[]){INT64_MAX});
			ob_ints(b, n, "axes", 1, (int64_t[]){1});
		} else {
			ob_init_i64(b, "s", "1", (int64_t[]){1}, 1);
			ob_init_i64(b, "e", "1", (int64_t[]){INT64_MAX}, 1);
			ob_init_i64(b, "a", "1", (int64_t[]){1}, 1);
			ob_node(b, "Slice", "x,s,e,a", "y");
		}
		ob_output(b, "y", OB_F32, "4,4");
		nx_err err;
		nx_graph *g = imp(b, &err);
		CHECK(g);
		if (g) {
			uint32_t s = producer(g, "y");
			CHECK(ints_eq(g, s, "ends", (int64_t[]){INT64_MAX}, 1));
			CHECK(ints_eq(g, s, "axes", (int64_t[]){1}, 1));
		}
		nx_graph_free(g);
		ob_free(b);
	}
}

static void test_opset_batchnorm_and_dropout(void)
{
	static const float one[2] = {1, 1};
	ob *b = ob_new(15);
	ob_input(b, "x", OB_F32, "1,2,3");
	ob_init_f32(b, "s", "2", one, 2);
	ob_init_f32(b, "bb", "2", one, 2);
	ob_init_f32(b, "m", "2", one, 2);
	ob_init_f32(b, "v", "2", one, 2);
	Onnx__NodeProto *n = ob_node(b, "BatchNormalization", "x,s,bb,m,v", "y,rm,rv");
	n->name = ob_str(b, "bn");
	ob_i(b, n, "training_mode", 1);
	ob_output(b, "y", OB_F32, NULL);
	CHECK_CONTAINS(imp_err(b), "node 'bn' (BatchNormalization): training_mode=1");
	n->n_attribute = 0;
	CHECK_CONTAINS(imp_err(b), "node 'bn' (BatchNormalization): output 2 'rv' is not "
		       "supported: running mean/variance outputs exist in training mode only");
	n->n_output = 1;
	nx_err err;
	nx_graph *g = imp(b, &err);
	CHECK(g && nx_opp(g, producer(g, "y"))->kind == NX_OP_BATCH_NORM);
	nx_graph_free(g);
	/* Dropout is identity; its mask (inference: nothing dropped) is an
	 * all-true constant of X's shape */
	ob_node(b, "Dropout", "y,,", "d");
	ob_output(b, "d", OB_F32, NULL);
	g = imp(b, &err);
	CHECK(g && nx_opp(g, producer(g, "d"))->kind == NX_OP_IDENTITY);
	nx_graph_free(g);
	ob_names(b, "mask", &b->g.node[1]->n_output, &b->g.node[1]->output);
	ob_output(b, "mask", OB_BOOL, NULL);
	g = imp(b, &err);
	CHECK(g != NULL);
	if (!g)
		fprintf(stderr, "%s\n", err.msg);
	if (g) {
		uint32_t m = nx_value_by_name(g, "mask", 4);
		CHECK(m != NX_NONE && nx_is_const(g, m));
		if (m != NX_NONE && nx_is_const(g, m)) {
			const nx_type *t = nx_vtype(g, m);
			CHECK_EQ_INT(t->dtype, NX_BOOL);
			const nx_type *ty = nx_vtype(g, nx_value_by_name(g, "y", 1));
			CHECK(t->rank == ty->rank && !memcmp(t->dims, ty->dims, sizeof t->dims));
			const unsigned char *p = nx_blob_data(nx_const_blob(g, m));
			int64_t ne = nx_type_numel(t), ones = 0;
			for (int64_t i = 0; i < ne; i++)
				ones += p[i] == 1;
			CHECK_EQ_INT(ones, ne);
		}
		nx_graph_free(g);
	}
	ob_free(b);
}

static void test_import_cast_and_constants(void)
{
	ob *b = ob_new(13);
	ob_input(b, "x", OB_F32, "3");
	ob_i(b, ob_node(b, "Cast", "x", "h"), "to", OB_F16);
	/* Constant with a float16 tensor (kept as bits), an int16 tensor given
	 * in int32_data (an i16 constant), and value_ints */
	Onnx__NodeProto *c1 = ob_node(b, "Constant", "", "k16");
	uint16_t bits[3] = {0x3c00, 0x4000, 0xc000}; /* 1, 2, -2 */
	ob_tensor_attr(b, c1, "value", ob_tensor(b, "", OB_F16, "3", bits, sizeof bits));
	Onnx__NodeProto *c2 = ob_node(b, "Constant", "", "ki");
	Onnx__TensorProto *t = ob_tensor(b, "", OB_I16, "2", NULL, 0);
	t->n_int32_data = 2;
	t->int32_data = ob_alloc(b, 8);
	t->int32_data[0] = -3;
	t->int32_data[1] = 30000;
	ob_tensor_attr(b, c2, "value", t);
	Onnx__NodeProto *c3 = ob_node(b, "Constant", "", "kv");
	ob_ints(b, c3, "value_ints", 2, (int64_t[]){7, 8});
	ob_node(b, "Add", "h,k16", "y");
	ob_output(b, "y", OB_F16, "3");
	ob_output(b, "ki", OB_I16, "2");
	ob_output(b, "kv", OB_I64, "2");
	nx_err err;
	nx_graph *g = imp(b, &err);
	CHECK(g);
	if (g) {
		CHECK_STR(nx_attr_s(g, producer(g, "h"), "to", ""), "f16");
		uint32_t k = nx_value_by_name(g, "k16", 3);
		CHECK(nx_vtype(g, k)->dtype == NX_F16);
		CHECK(!memcmp(nx_blob_data(nx_const_blob(g, k)), bits, sizeof bits));
		uint32_t ki = nx_value_by_name(g, "ki", 2);
		CHECK(nx_vtype(g, ki)->dtype == NX_I16);
		CHECK(((const int16_t *)nx_blob_data(nx_const_blob(g, ki)))[0] == -3);
		CHECK(((const int16_t *)nx_blob_data(nx_const_blob(g, ki)))[1] == 30000);
		uint32_t kv = nx_value_by_name(g, "kv", 2);
		CHECK(((const int64_t *)nx_blob_data(nx_const_blob(g, kv)))[0] == 7);
	} else {
		fprintf(stderr, "%s\n", err.msg);
	}
	nx_graph_free(g);
	ob_free(b);
	/* casting to a type nex lacks names it */
	b = ob_new(13);
	ob_input(b, "x", OB_F32, "3");
	ob_i(b, ob_node(b, "Cast", "x", "y"), "to", 14); /* COMPLEX64 */
	ob_output(b, "y", OB_F32, "3");
	CHECK_CONTAINS(imp_err(b),
		       "node 'Cast_0' (Cast): casts to COMPLEX64, which nex does not have");
	ob_free(b);
}

static void test_import_external_data(void)
{
	char dir[] = "/tmp/nex_onnx_extXXXXXX";
	CHECK(mkdtemp(dir));
	char path[128];
	snprintf(path, sizeof path, "%s/w.bin", dir);
	FILE *f = fopen(path, "wb");
	float junk = 99;
	fwrite(&junk, 4, 1, f);
	fwrite(W4, 4, 12, f);
	fclose(f);
	ob *b = ob_new(13);
	ob_input(b, "x", OB_F32, "3,4");
	Onnx__TensorProto *t = ob_init(b, "w", OB_F32, "3,4", NULL, 0);
	t->has_data_location = 1;
	t->data_location = ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL;
	static const char *kv[3][2] = {{"location", "w.bin"}, {"offset", "4"}, {"length", "48"}};
	for (int i = 0; i < 3; i++) {
		Onnx__StringStringEntryProto *e = ob_alloc(b, sizeof *e);
		onnx__string_string_entry_proto__init(e);
		e->key = ob_str(b, kv[i][0]);
		e->value = ob_str(b, kv[i][1]);
		OB_PUSH(b, t->n_external_data, t->external_data, e);
	}
	ob_node(b, "Add", "x,w", "y");
	ob_output(b, "y", OB_F32, "3,4");
	size_t len;
	void *buf = ob_pack(b, &len);
	nx_err err;
	nx_graph *g = nx_onnx_import_mem(buf, len, "m.onnx", dir, NULL, &err);
	CHECK(g);
	if (g) {
		uint32_t w = nx_value_by_name(g, "w", 1);
		CHECK(!memcmp(nx_blob_data(nx_const_blob(g, w)), W4, sizeof W4));
	} else {
		fprintf(stderr, "%s\n", err.msg);
	}
	nx_graph_free(g);
	free(buf);
	/* a file too short for the declared size, and an escaping path */
	t->external_data[1]->value = ob_str(b, "8");
	buf = ob_pack(b, &len);
	CHECK(!nx_onnx_import_mem(buf, len, "m.onnx", dir, NULL, &err));
	CHECK_CONTAINS(err.msg, "initializer 'w': file \"w.bin\" is too short");
	CHECK_CONTAINS(err.msg, "48 are needed at offset 8");
	free(buf);
	t->external_data[0]->value = ob_str(b, "../../../../../../etc/passwd");
	buf = ob_pack(b, &len);
	CHECK(!nx_onnx_import_mem(buf, len, "m.onnx", dir, NULL, &err));
	CHECK_CONTAINS(err.msg, "outside the model's directory");
	free(buf);
	ob_free(b);
	unlink(path);
	rmdir(dir);
}

/* Unknown ops are opaque (types from value_info), warned once per type. */
static void test_import_opaque(void)
{
	ob *b = ob_new(13);
	ob_input(b, "x", OB_F32, "2,3");
	Onnx__NodeProto *n = ob_node(b, "LpNormalization", "x", "e1");
	ob_f(b, n, "alpha", 0.5f);
	ob_node(b, "LpNormalization", "e1", "e2");
	n = ob_node(b, "MyOp", "e2", "y");
	n->domain = ob_str(b, "com.example");
	ob_s(b, n, "flavour", "mint");
	ob_value_info(b, "e1", OB_F32, "2,3");
	ob_value_info(b, "e2", OB_F32, "2,3");
	ob_output(b, "y", OB_F32, "2,3");
	warns w = {0};
	nx_onnx_opts o = {0};
	o.warn = on_warn;
	o.warn_ctx = &w;
	nx_err err;
	nx_graph *g = imp_opts(b, &o, &err);
	CHECK(g);
	if (g) {
		uint32_t e = producer(g, "e1");
		CHECK_EQ_INT(nx_opp(g, e)->kind, NX_OP_OPAQUE);
		CHECK_STR(nx_attr_s(g, e, "op_type", ""), "LpNormalization");
		CHECK(nx_attr_f(g, e, "alpha", 0) == 0.5f);
		uint32_t y = producer(g, "y");
		CHECK_STR(nx_attr_s(g, y, "domain", ""), "com.example");
		CHECK_STR(nx_attr_s(g, y, "flavour", ""), "mint");
		CHECK_EQ_INT(w.n, 2);
		CHECK_CONTAINS(w.all, "2 nodes of op type 'LpNormalization' imported as opaque (first: 'LpNormalization_0')");
		CHECK_CONTAINS(w.all, "1 node of op type 'com.example.MyOp'");
	}
	nx_graph_free(g);
	/* without a type for its output, an unknown op is an error */
	b->g.n_value_info = 1;
	CHECK_CONTAINS(imp_err(b), "node 'LpNormalization_1' (LpNormalization): nex does not know this op, and its "
		       "output 'e2' has no type");
	ob_free(b);
}

static void test_import_refusals(void)
{
	static const struct {
		const char *op, *domain, *want;
	} cases[] = {
		{"If", "", "condition 'x' is not constant at import"},
		{"Loop", "", "has no body graph"},
		{"SequenceConstruct", "", "sequence and optional values have no nex form"},
		{"SplitToSequence", "", "sequence and optional values have no nex form"},
		{"Adam", "ai.onnx.preview.training", "training ops have no nex form"},
		{"Scan", "", "has no body graph"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		ob *b = ob_new(13);
		ob_input(b, "x", OB_F32, "2");
		Onnx__NodeProto *n = ob_node(b, cases[i].op, "x", "y");
		n->name = ob_str(b, "the_node");
		if (*cases[i].domain)
			n->domain = ob_str(b, cases[i].domain);
		ob_output(b, "y", OB_F32, "2");
		const char *e = imp_err(b);
		CHECK_CONTAINS(e, "node 'the_node'");
		CHECK_CONTAINS(e, cases[i].want);
		ob_free(b);
	}
	/* a call of a model-local function */
	ob *b = ob_new(13);
	ob_input(b, "x", OB_F32, "2");
	Onnx__NodeProto *n = ob_node(b, "Twice", "x", "y");
	n->domain = ob_str(b, "local");
	ob_output(b, "y", OB_F32, "2");
	Onnx__FunctionProto *f = ob_alloc(b, sizeof *f);
	onnx__function_proto__init(f);
	f->name = ob_str(b, "Twice");
	f->domain = ob_str(b, "local");
	OB_PUSH(b, b->m.n_functions, b->m.functions, f);
	CHECK_CONTAINS(imp_err(b), "node 'Twice_0' (Twice): calls the model-local function "
		       "'Twice' (FunctionProto)");
	ob_free(b);
}

/* Broken files: a located message, never a crash (ASan checks the rest). */
static void test_import_bad_input(void)
{
	nx_err err;
	CHECK(!nx_onnx_import_mem("", 0, "e.onnx", NULL, NULL, &err));
	CHECK_CONTAINS(err.msg, "e.onnx: not an ONNX model (no graph)");
	static const unsigned char junk[] = {0xff, 0xff, 0xff, 0xff, 0x0f, 0x22};
	CHECK(!nx_onnx_import_mem(junk, sizeof junk, "j.onnx", NULL, NULL, &err));
	CHECK_CONTAINS(err.msg, "j.onnx: not an ONNX model (the protobuf does not decode");

	ob *b = ob_new(13);
	ob_input(b, "x", OB_F32, "2,3");
	ob_init_f32(b, "w", "2,3", W4, 6);
	ob_node(b, "Add", "x,w", "y");
	ob_output(b, "y", OB_F32, "2,3");
	size_t len;
	void *buf = ob_pack(b, &len);
	/* every truncation fails cleanly (or, rarely, decodes as a valid prefix) */
	for (size_t k = 1; k < len; k++) {
		nx_graph *g = nx_onnx_import_mem(buf, k, "t.onnx", NULL, NULL, &err);
		nx_graph_free(g);
	}
	free(buf);
	b->m.ir_version = 0;
	CHECK_CONTAINS(imp_err(b), "not an ONNX model (no ir_version)");
	b->m.ir_version = 8;
	/* raw_data shorter than the dims say */
	b->g.initializer[0]->raw_data.len = 20;
	CHECK_CONTAINS(imp_err(b), "initializer 'w': raw_data holds 20 bytes, its dims and type "
		       "need 24");
	b->g.initializer[0]->raw_data.len = 24;
	/* giant and negative dims */
	b->g.initializer[0]->dims[0] = INT64_MAX / 2;
	CHECK_CONTAINS(imp_err(b), "initializer 'w': its dims overflow int64");
	b->g.initializer[0]->dims[0] = 1 << 30;
	CHECK_CONTAINS(imp_err(b), "initializer 'w': raw_data holds 24 bytes");
	b->g.initializer[0]->dims[0] = -2;
	CHECK_CONTAINS(imp_err(b), "initializer 'w': dim 0 is negative (-2)");
	b->g.initializer[0]->dims[0] = 2;
	/* an input nobody defines */
	b->g.node[0]->input[1] = ob_str(b, "nowhere");
	CHECK_CONTAINS(imp_err(b), "node 'Add_0' (Add): input 1 'nowhere' is not defined");
	b->g.node[0]->input[1] = ob_str(b, "w");
	/* an output nobody computes */
	b->g.output[0]->name = ob_str(b, "ghost");
	CHECK_CONTAINS(imp_err(b), "graph output 'ghost' is not computed by any node");
	b->g.output[0]->name = ob_str(b, "y");
	/* inference failure names the node */
	b->g.initializer[0]->dims[1] = 3;
	b->g.initializer[0]->dims[0] = 2;
	b->g.input[0]->type->tensor_type->shape->dim[1]->dim_value = 5;
	CHECK_CONTAINS(imp_err(b), "node 'Add_0' (Add): op %y (add)");
	b->g.input[0]->type->tensor_type->shape->dim[1]->dim_value = 3;
	/* a declared output shape that disagrees with inference */
	b->g.output[0]->type->tensor_type->shape->dim[0]->dim_value = 7;
	CHECK_CONTAINS(imp_err(b), "graph output 'y' dim 0 is declared 7, nex computes f32[2,3]");
	b->g.output[0]->type->tensor_type->shape->dim[0]->dim_value = 2;
	/* a value assigned twice */
	ob_node(b, "Relu", "x", "y");
	CHECK_CONTAINS(imp_err(b), "output 'y' is already defined");
	b->g.n_node = 1;
	/* opsets */
	b->os.version = 5;
	CHECK_CONTAINS(imp_err(b), "node 'Add_0' (Add): the model's opset 5 defines Add "
		       "differently from opset 6");
	b->os.version = 13;
	nx_graph *g = imp(b, &err);
	CHECK(g);
	nx_graph_free(g);
	ob_free(b);
}

/* Helper values (between the ops one node expands to) give way to a later
 * ONNX value of the same name. */
static void test_import_helper_names(void)
{
	ob *b = ob_new(11);
	ob_input(b, "x", OB_F32, "2,3,4");
	ob_i(b, ob_node(b, "Softmax", "x", "y"), "axis", 0);
	/* the helper between flatten and softmax is "y.flatten"; take it */
	ob_node(b, "Relu", "y", "y.flatten");
	ob_output(b, "y.flatten", OB_F32, "2,3,4");
	nx_err err;
	nx_graph *g = imp(b, &err);
	CHECK(g);
	if (g) {
		CHECK_EQ_INT(nx_opp(g, producer(g, "y.flatten"))->kind, NX_OP_RELU);
		CHECK(nx_verify(g, &err) == 0);
	} else {
		fprintf(stderr, "%s\n", err.msg);
	}
	nx_graph_free(g);
	ob_free(b);
}

/* The function-expanded LayerNormalization pattern: Slice of a shape that
 * selects nothing, then Concat with it. */
static void test_import_empty_shape_pieces(void)
{
	ob *b = ob_new(17);
	ob_input(b, "x", OB_F32, "2,3");
	ob_init_i64(b, "z", "1", (int64_t[]){0}, 1);
	ob_node(b, "Shape", "x", "s");
	ob_node(b, "Slice", "s,z,z", "prefix");            /* empty */
	ob_init_i64(b, "m1", "1", (int64_t[]){-1}, 1);
	ob_i(b, ob_node(b, "Concat", "prefix,m1", "shp"), "axis", 0);
	ob_node(b, "Reshape", "x,shp", "y");
	ob_output(b, "y", OB_F32, "6");
	nx_err err;
	nx_graph *g = imp(b, &err);
	CHECK(g && ints_eq(g, producer(g, "y"), "shape", (int64_t[]){-1}, 1));
	if (!g)
		fprintf(stderr, "%s\n", err.msg);
	nx_graph_free(g);
	ob_free(b);
	/* Reshape to a scalar: an empty shape tensor is an empty list */
	b = ob_new(13);
	ob_input(b, "x", OB_F32, "1,1");
	ob_init(b, "s", OB_I64, "0", "", 0);
	ob_node(b, "Reshape", "x,s", "y");
	ob_output(b, "y", OB_F32, "");
	g = imp(b, &err);
	CHECK(g && vtype(g, "y")->rank == 0);
	CHECK(g && nx_attr_get(g, producer(g, "y"), "shape")->n == 0);
	nx_graph_free(g);
	ob_free(b);
}

/* ---- export ---- */

static Onnx__ModelProto *unpack(const void *buf, size_t len)
{
	return onnx__model_proto__unpack(NULL, len, buf);
}

static const Onnx__NodeProto *find_node(const Onnx__ModelProto *m, const char *op_type)
{
	for (size_t i = 0; i < m->graph->n_node; i++)
		if (!strcmp(m->graph->node[i]->op_type, op_type))
			return m->graph->node[i];
	return NULL;
}

static const Onnx__TensorProto *find_init(const Onnx__ModelProto *m, const char *name)
{
	for (size_t i = 0; i < m->graph->n_initializer; i++)
		if (!strcmp(m->graph->initializer[i]->name, name))
			return m->graph->initializer[i];
	return NULL;
}

/* Attributes go back to opset-18 inputs; act expands to its own node. */
static void test_export_forms(void)
{
	nx_err err;
	nx_graph *g = nx_graph_new("t");
	uint32_t x = nx_value_new(g, "x", 0, &err);
	nx_type tx = nx_type_make(NX_F32, 4, (int64_t[]){1, 3, 4, 4});
	nx_value_set_type(g, x, &tx);
	nx_graph_add_input(g, x);
	nx_type tw = nx_type_make(NX_F32, 4, (int64_t[]){2, 3, 1, 1});
	float wd[6] = {1, 2, 3, 4, 5, 6};
	uint32_t w = nx_const_new(g, "w", nx_blob_new_copy(&tw, wd), &err);
	uint32_t c = nx_op_new(g, NX_OP_CONV, (uint32_t[]){x, w}, 2, 1,
			       (const char *const[]){"c"}, NX_NONE, &err);
	nx_attr_set_s(g, c, "act", "clip");
	nx_attr_set_f(g, c, "act_alpha", 0.0f);
	nx_attr_set_f(g, c, "act_beta", 6.0f);
	nx_attr_set_s(g, c, "device", "ne");
	CHECK(nx_infer_op(g, c, &err) == 0);
	uint32_t r = nx_op_new(g, NX_OP_RESHAPE, (uint32_t[]){nx_result(g, c, 0)}, 1, 1,
			       (const char *const[]){"y"}, NX_NONE, &err);
	nx_attr_set_ints(g, r, "shape", (int64_t[]){1, -1}, 2);
	CHECK(nx_infer_op(g, r, &err) == 0);
	nx_graph_add_output(g, nx_result(g, r, 0));
	size_t len;
	void *buf = nx_onnx_export_mem(g, &len, &err);
	CHECK(buf);
	Onnx__ModelProto *m = buf ? unpack(buf, len) : NULL;
	CHECK(m);
	if (m) {
		CHECK_EQ_INT(m->ir_version, 8);
		CHECK_EQ_INT(m->opset_import[0]->version, 18);
		const Onnx__NodeProto *conv = find_node(m, "Conv");
		const Onnx__NodeProto *clip = find_node(m, "Clip");
		const Onnx__NodeProto *rs = find_node(m, "Reshape");
		CHECK(conv && clip && rs);
		if (conv && clip && rs) {
			/* conv -> clip(min, max inputs) -> c; device dropped */
			CHECK_EQ_INT(conv->n_attribute, 0);
			CHECK_STR(clip->output[0], "c");
			CHECK_STR(clip->input[0], conv->output[0]);
			CHECK_EQ_INT(clip->n_input, 3);
			const Onnx__TensorProto *mx = find_init(m, clip->input[2]);
			CHECK(mx && mx->raw_data.len == 4 && *(float *)mx->raw_data.data == 6.0f);
			/* reshape's shape is an int64 initializer input */
			CHECK_EQ_INT(rs->n_input, 2);
			const Onnx__TensorProto *sh = find_init(m, rs->input[1]);
			CHECK(sh && sh->data_type == OB_I64 && sh->raw_data.len == 16);
			CHECK(sh && ((int64_t *)sh->raw_data.data)[1] == -1);
			/* the weight is an initializer with its bytes */
			const Onnx__TensorProto *wi = find_init(m, "w");
			CHECK(wi && wi->raw_data.len == 24 && !memcmp(wi->raw_data.data, wd, 24));
		}
		onnx__model_proto__free_unpacked(m, NULL);
	}
	/* re-import: conv and a separate clip */
	nx_graph *g2 = buf ? nx_onnx_import_mem(buf, len, "rt", NULL, NULL, &err) : NULL;
	CHECK(g2);
	if (g2) {
		CHECK_EQ_INT(nx_opp(g2, producer(g2, "c"))->kind, NX_OP_CLIP);
		CHECK(nx_attr_f(g2, producer(g2, "c"), "max", 0) == 6.0f);
		CHECK(ints_eq(g2, producer(g2, "y"), "shape", (int64_t[]){1, -1}, 2));
	} else {
		fprintf(stderr, "%s\n", err.msg);
	}
	nx_graph_free(g2);
	free(buf);
	/* quantization scales are refused rather than dropped */
	nx_attr_set_floats(g, c, "w_scale", (float[]){1, 1}, 2);
	CHECK(!nx_onnx_export_mem(g, &len, &err));
	CHECK_CONTAINS(err.msg, "op %c (conv): quantization scales (w_scale)");
	nx_graph_free(g);
}

/* import -> export -> import prints the same, for a model using the
 * attribute-slot ops in their old forms. */
static void test_roundtrip_text(void)
{
	ob *b = ob_new(11);
	ob_input(b, "x", OB_F32, "2,3,4");
	ob_init_f32(b, "lo", "", (float[]){0.0f}, 1);
	ob_node(b, "Clip", "x,lo", "c");
	ob_ints(b, ob_node(b, "Unsqueeze", "c", "u"), "axes", 1, (int64_t[]){0});
	ob_ints(b, ob_node(b, "Squeeze", "u", "s"), "axes", 1, (int64_t[]){0});
	Onnx__NodeProto *sp = ob_node(b, "Split", "s", "a,bb");
	ob_i(b, sp, "axis", 2);
	ob_node(b, "Softmax", "a", "sm");
	ob_ints(b, ob_node(b, "ReduceSum", "bb", "rs"), "axes", 1, (int64_t[]){1});
	ob_init_i64(b, "pads", "6", (int64_t[]){0, 0, 1, 0, 0, 1}, 6);
	ob_s(b, ob_node(b, "Pad", "rs,pads", "p"), "mode", "edge");
	ob_i(b, ob_node(b, "Cast", "p", "ci"), "to", OB_I32);
	ob_output(b, "sm", OB_F32, NULL);
	ob_output(b, "ci", OB_I32, NULL);
	nx_err err;
	nx_graph *g = imp(b, &err);
	CHECK(g);
	if (!g) {
		fprintf(stderr, "%s\n", err.msg);
		ob_free(b);
		return;
	}
	char *t1 = nx_print_str(g, NULL, NULL);
	size_t len;
	void *buf = nx_onnx_export_mem(g, &len, &err);
	nx_graph *g2 = buf ? nx_onnx_import_mem(buf, len, "rt", NULL, NULL, &err) : NULL;
	CHECK(g2);
	char *t2 = g2 ? nx_print_str(g2, NULL, NULL) : NULL;
	CHECK_STR(t2, t1);
	free(t1);
	free(t2);
	free(buf);
	nx_graph_free(g);
	nx_graph_free(g2);
	ob_free(b);
}

static void test_export_file(void)
{
	nx_err err;
	ob *b = ob_new(13);
	ob_input(b, "x", OB_F32, "2");
	ob_node(b, "Relu", "x", "y");
	ob_output(b, "y", OB_F32, "2");
	nx_graph *g = imp(b, &err);
	char path[] = "/tmp/nex_onnx_exportXXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	close(fd);
	CHECK(g && nx_onnx_export(g, path, &err) == 0);
	nx_graph *g2 = nx_onnx_import(path, NULL, &err);
	CHECK(g2 && nx_opp(g2, producer(g2, "y"))->kind == NX_OP_RELU);
	CHECK(nx_onnx_export(g, "/nonexistent/dir/m.onnx", &err) == -1);
	CHECK_CONTAINS(err.msg, "/nonexistent/dir/m.onnx");
	unlink(path);
	nx_graph_free(g);
	nx_graph_free(g2);
	ob_free(b);
}

int main(int argc, char **argv)
{
	static const check_case cases[] = {
		{"import_conv_relu", test_import_conv_relu},
		{"import_binds", test_import_binds},
		{"import_shape_folding", test_import_shape_folding},
		{"import_fold_extra", test_import_fold_extra},
		{"import_not_constant", test_import_not_constant},
		{"opset_clip", test_opset_clip},
		{"opset_squeeze", test_opset_squeeze},
		{"opset_legacy_broadcast", test_opset_legacy_broadcast},
		{"opset_split", test_opset_split},
		{"opset_pad", test_opset_pad},
		{"opset_softmax", test_opset_softmax},
		{"opset_reduce", test_opset_reduce},
		{"opset_resize", test_opset_resize},
		{"opset_slice", test_opset_slice},
		{"opset_batchnorm_and_dropout", test_opset_batchnorm_and_dropout},
		{"import_cast_and_constants", test_import_cast_and_constants},
		{"import_external_data", test_import_external_data},
		{"import_opaque", test_import_opaque},
		{"import_refusals", test_import_refusals},
		{"import_bad_input", test_import_bad_input},
		{"import_helper_names", test_import_helper_names},
		{"import_empty_shape_pieces", test_import_empty_shape_pieces},
		{"export_forms", test_export_forms},
		{"roundtrip_text", test_roundtrip_text},
		{"export_file", test_export_file},
		{NULL, NULL},
	};
	return check_main(cases, argc, argv);
}
