/* test_onnx_fold.c — import-time folding goes through the interpreter's
 * kernels, not an evaluator of its own (issue 20): Range is a registry op
 * whose kernel folds constant operands exactly in int64 and runs run-time
 * ones, ConstantOfShape imports as expand of its value, zero-element results
 * stay empties, and the values the importer folds are the kernel's bits. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "nx.h"
#include "onnx_build.h"

static nx_graph *imp(ob *b, nx_err *err)
{
	size_t len;
	void *buf = ob_pack(b, &len);
	nx_graph *g = nx_onnx_import_mem(buf, len, "t.onnx", "/tmp", NULL, err);
	free(buf);
	if (!g)
		fprintf(stderr, "import: %s\n", err->msg);
	return g;
}

static uint32_t val(const nx_graph *g, const char *name)
{
	return nx_value_by_name(g, name, strlen(name));
}

static const void *const_data(const nx_graph *g, const char *name)
{
	uint32_t v = val(g, name);
	CHECK(v != NX_NONE && nx_is_const(g, v));
	if (v == NX_NONE || !nx_is_const(g, v))
		return NULL;
	return nx_blob_data(nx_const_blob(g, v));
}

/* An int64 Range near 2^53 has 3 elements; counting in double (as the old
 * import-time evaluator did) gives 4. */
static void test_range_exact_int64(void)
{
	int64_t a = (1LL << 53) + 1, l = a + 3, d = 1;
	ob *b = ob_new(13);
	ob_init_i64(b, "s", "", &a, 1);
	ob_init_i64(b, "l", "", &l, 1);
	ob_init_i64(b, "d", "", &d, 1);
	ob_node(b, "Range", "s,l,d", "r");
	ob_output(b, "r", OB_I64, NULL);
	nx_err err;
	nx_graph *g = imp(b, &err);
	CHECK(g != NULL);
	if (g) {
		const nx_type *t = nx_vtype(g, val(g, "r"));
		CHECK_EQ_INT(t->rank, 1);
		CHECK_EQ_INT((int)t->dims[0], 3);
		const int64_t *r = const_data(g, "r");
		CHECK(r && r[0] == a && r[1] == a + 1 && r[2] == a + 2);
	}
	nx_graph_free(g);
	ob_free(b);
}

/* A Range whose limit is a run-time input stays a `range` op typed as the
 * model declares it, and runs through its kernel; operands that give
 * another length are refused at run time. */
static void test_range_runtime(void)
{
	ob *b = ob_new(13);
	ob_input(b, "lim", OB_F32, "");
	float s = 1.0f, d = 0.5f;
	ob_init(b, "s", OB_F32, "", &s, 4);
	ob_init(b, "d", OB_F32, "", &d, 4);
	ob_node(b, "Range", "s,lim,d", "r");
	ob_output(b, "r", OB_F32, "4");
	nx_err err;
	nx_graph *g = imp(b, &err);
	CHECK(g != NULL);
	if (g) {
		uint32_t p = nx_val(g, val(g, "r"))->producer;
		CHECK(p != NX_NONE && nx_opp(g, p)->kind == NX_OP_RANGE);
		CHECK(nx_verify(g, &err) == 0);
		float limv = 3.0f;
		nx_tensor in = {nx_type_make(NX_F32, 0, NULL), &limv};
		nx_run_result res;
		CHECK(nx_run(g, &in, 1, NULL, &res, &err) == 0);
		const float *y = res.outputs ? res.outputs[0].data : NULL;
		CHECK(y && y[0] == 1.0f && y[1] == 1.5f && y[2] == 2.0f && y[3] == 2.5f);
		nx_run_result_free(&res);
		limv = 5.0f; /* 8 elements into a result of 4 */
		CHECK(nx_run(g, &in, 1, NULL, &res, &err) != 0);
		CHECK_CONTAINS(err.msg, "give 8 elements, the result holds 4");
	}
	nx_graph_free(g);
	ob_free(b);
	/* without a declared type the length is unknown: a clear error */
	b = ob_new(13);
	ob_input(b, "lim", OB_F32, "");
	ob_init(b, "s", OB_F32, "", &s, 4);
	ob_init(b, "d", OB_F32, "", &d, 4);
	ob_node(b, "Range", "s,lim,d", "r");
	ob_output(b, "r", OB_F32, NULL);
	g = imp(b, &err);
	CHECK(g == NULL);
	CHECK_CONTAINS(err.msg, "Range");
	CHECK_CONTAINS(err.msg, "length of output 'r' must be declared");
	nx_graph_free(g);
	ob_free(b);
}

/* ConstantOfShape is expand of its value: a small one folds (through the
 * expand kernel), a large float one stays an expand that runs. */
static void test_constant_of_shape(void)
{
	ob *b = ob_new(13);
	ob_init_i64(b, "small", "2", (int64_t[]){2, 3}, 2);
	ob_init_i64(b, "big", "2", (int64_t[]){64, 128}, 2);
	Onnx__NodeProto *n = ob_node(b, "ConstantOfShape", "small", "c1");
	int64_t seven = 7;
	ob_tensor_attr(b, n, "value", ob_tensor(b, "value", OB_I64, "1", &seven, 8));
	n = ob_node(b, "ConstantOfShape", "big", "c2");
	float half = 2.5f;
	ob_tensor_attr(b, n, "value", ob_tensor(b, "value", OB_F32, "1", &half, 4));
	ob_output(b, "c1", OB_I64, NULL);
	ob_output(b, "c2", OB_F32, NULL);
	nx_err err;
	nx_graph *g = imp(b, &err);
	CHECK(g != NULL);
	if (g) {
		const int64_t *c1 = const_data(g, "c1");
		CHECK(c1 && c1[0] == 7 && c1[5] == 7);
		uint32_t p = nx_val(g, val(g, "c2"))->producer;
		CHECK(p != NX_NONE && nx_opp(g, p)->kind == NX_OP_EXPAND);
		nx_run_result res;
		CHECK(nx_run(g, NULL, 0, NULL, &res, &err) == 0);
		const float *y = res.n_outputs == 2 ? res.outputs[1].data : NULL;
		CHECK(y && y[0] == 2.5f && y[64 * 128 - 1] == 2.5f);
		nx_run_result_free(&res);
	}
	nx_graph_free(g);
	ob_free(b);
}

/* Zero-element results keep their shape: Range of length 0, a 0 in
 * ConstantOfShape's shape, Equal of an empty; a Concat then drops them. */
static void test_empties(void)
{
	ob *b = ob_new(13);
	ob_init_i64(b, "z", "", (int64_t[]){0}, 1);
	ob_init_i64(b, "one", "", (int64_t[]){1}, 1);
	ob_init_i64(b, "zs", "1", (int64_t[]){0}, 1);
	ob_node(b, "Range", "z,z,one", "r0");             /* [] */
	ob_node(b, "ConstantOfShape", "zs", "c0");         /* f32[0] */
	ob_node(b, "Equal", "r0,r0", "e0");                /* bool[0] */
	ob_node(b, "Cast", "e0", "e1");
	ob_i(b, b->g.node[b->g.n_node - 1], "to", OB_I64);
	ob_init_i64(b, "tail", "2", (int64_t[]){4, 5}, 2);
	ob_node(b, "Concat", "r0,tail", "shp");
	ob_i(b, b->g.node[b->g.n_node - 1], "axis", 0);
	ob_input(b, "x", OB_F32, "20");
	ob_node(b, "Reshape", "x,shp", "y");
	ob_output(b, "y", OB_F32, "4,5");
	nx_err err;
	nx_graph *g = imp(b, &err);
	/* Cast of an empty is an error the importer words; without it the
	 * model imports */
	CHECK(g == NULL);
	nx_graph_free(g);
	b->g.n_node = 3; /* Range, ConstantOfShape, Equal */
	ob_node(b, "Concat", "r0,tail", "shp");
	ob_i(b, b->g.node[b->g.n_node - 1], "axis", 0);
	ob_node(b, "Reshape", "x,shp", "y");
	g = imp(b, &err);
	CHECK(g != NULL);
	if (g) {
		uint32_t p = nx_val(g, val(g, "y"))->producer;
		uint32_t n;
		const int64_t *s = p != NX_NONE ? nx_attr_ints(g, p, "shape", &n) : NULL;
		CHECK(s && n == 2 && s[0] == 4 && s[1] == 5);
	}
	nx_graph_free(g);
	ob_free(b);
}

/* What the importer folds equals what nx_eval_op gives for the same op in
 * a .nex graph: the same kernel, the same bits (Mod and Where on floats). */
static void test_fold_is_kernel(void)
{
	float xa[4] = {-7.5f, 7.5f, 1e-8f, -0.0f}, xb[4] = {2.25f, -2.25f, 3.0f, 1.5f};
	ob *b = ob_new(13);
	ob_init(b, "a", OB_F32, "4", xa, sizeof xa);
	ob_init(b, "b", OB_F32, "4", xb, sizeof xb);
	ob_node(b, "Mod", "a,b", "m");
	ob_i(b, b->g.node[b->g.n_node - 1], "fmod", 1);
	ob_node(b, "Less", "a,b", "lt");
	ob_node(b, "Where", "lt,m,b", "w");
	ob_output(b, "w", OB_F32, NULL);
	nx_err err;
	nx_graph *g = imp(b, &err);
	CHECK(g != NULL);
	const float *w = g ? const_data(g, "w") : NULL;
	/* the same ops from .nex text, run by the interpreter */
	const char *src =
		"graph @t(%a: f32[4], %b: f32[4]) -> (%w: f32[4]) {\n"
		"  %m = mod(%a, %b) {fmod=1} : f32[4]\n"
		"  %lt = less(%a, %b) : bool[4]\n"
		"  %w = where(%lt, %m, %b) : f32[4]\n"
		"  return %w\n"
		"}\n";
	nx_graph *h = nx_parse(src, strlen(src), "t.nex", NULL, &err);
	CHECK(h != NULL);
	if (h && w) {
		nx_tensor in[2] = {{nx_type_make(NX_F32, 1, (int64_t[]){4}), xa},
				   {nx_type_make(NX_F32, 1, (int64_t[]){4}), xb}};
		nx_run_result res;
		CHECK(nx_run(h, in, 2, NULL, &res, &err) == 0);
		CHECK(res.n_outputs == 1 && !memcmp(res.outputs[0].data, w, sizeof xa));
		nx_run_result_free(&res);
	}
	nx_graph_free(h);
	nx_graph_free(g);
	ob_free(b);
}

int main(int argc, char **argv)
{
	static const check_case cases[] = {
		{"range_exact_int64", test_range_exact_int64},
		{"range_runtime", test_range_runtime},
		{"constant_of_shape", test_constant_of_shape},
		{"empties", test_empties},
		{"fold_is_kernel", test_fold_is_kernel},
		{NULL, NULL},
	};
	return check_main(cases, argc, argv);
}
