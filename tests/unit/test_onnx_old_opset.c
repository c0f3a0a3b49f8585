/* test_onnx_old_opset.c — models of opset 1 to 5 (src/core/onnx_old_opset.c):
 * an op whose definition did not change up to opset 6 imports as it would at
 * opset 6; one that changed is refused naming the node and the op, and so is
 * an op that did not exist at the model's opset. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "nx.h"
#include "onnx_build.h"

static nx_graph *imp(ob *b, nx_err *err)
{
	size_t len;
	void *buf = ob_pack(b, &len);
	nx_onnx_opts o = {0};
	nx_graph *g = nx_onnx_import_mem(buf, len, "t.onnx", "/tmp", &o, err);
	free(buf);
	return g;
}

/* the printed IR of op_type on x at opset v, or the error */
static char *one(const char *op_type, int v, nx_err *err)
{
	ob *b = ob_new(v);
	ob_input(b, "x", OB_F32, "2,3,4,4");
	ob_node(b, op_type, "x", "y");
	ob_output(b, "y", OB_F32, NULL);
	nx_graph *g = imp(b, err);
	ob_free(b);
	if (!g)
		return NULL;
	size_t len;
	char *text = nx_print_str(g, NULL, &len);
	nx_graph_free(g);
	return text;
}

/* Softplus, Softsign and GlobalAveragePool are unchanged since opset 1. */
static void test_unchanged_ops_import(void)
{
	static const char *const ops[] = {"Softplus", "Softsign", "GlobalAveragePool"};
	for (int i = 0; i < 3; i++) {
		nx_err err;
		char *at6 = one(ops[i], 6, &err);
		CHECK(at6 != NULL);
		for (int v = 1; v <= 5; v++) {
			char *old = one(ops[i], v, &err);
			CHECK(old != NULL);
			if (!old)
				fprintf(stderr, "%s at opset %d: %s\n", ops[i], v, err.msg);
			if (old && at6)
				CHECK_STR(old, at6);
			free(old);
		}
		free(at6);
	}
}

/* Relu, Sigmoid and Neg changed at opset 6 (consumed_inputs dropped). */
static void test_changed_ops_refused(void)
{
	static const char *const ops[] = {"Relu", "Sigmoid", "Neg"};
	for (int i = 0; i < 3; i++) {
		nx_err err;
		char *t = one(ops[i], 5, &err);
		CHECK(t == NULL);
		free(t);
		char want[200];
		snprintf(want, sizeof want, "node '%s_0' (%s): the model's opset 5 defines %s "
			 "differently from opset 6", ops[i], ops[i], ops[i]);
		CHECK_CONTAINS(err.msg, want);
		CHECK_CONTAINS(err.msg, "onnx.version_converter");
	}
}

/* Concat's opset-6 definition dates from opset 4: 4 and 5 read, 3 not. */
static void test_since_between(void)
{
	for (int v = 3; v <= 5; v++) {
		ob *b = ob_new(v);
		ob_input(b, "a", OB_F32, "2,3");
		ob_input(b, "c", OB_F32, "2,3");
		Onnx__NodeProto *n = ob_node(b, "Concat", "a,c", "y");
		ob_i(b, n, "axis", 1);
		ob_output(b, "y", OB_F32, NULL);
		nx_err err;
		nx_graph *g = imp(b, &err);
		if (v >= 4)
			CHECK(g != NULL);
		else {
			CHECK(g == NULL);
			CHECK_CONTAINS(err.msg, "(Concat): the model's opset 3 defines Concat "
				       "differently from opset 6, the oldest nex reads (it changed "
				       "at opset 4)");
		}
		nx_graph_free(g);
		ob_free(b);
	}
}

/* An op born after opset 5 is not read in an opset-5 model; opset 0 is no
 * opset at all. */
static void test_not_yet_and_zero(void)
{
	nx_err err;
	char *t = one("Mish", 5, &err);
	CHECK(t == NULL);
	free(t);
	CHECK_CONTAINS(err.msg, "(Mish): Mish is not an op of opset 5 as nex reads it");
	t = one("Softplus", 0, &err);
	CHECK(t == NULL);
	free(t);
	CHECK_CONTAINS(err.msg, "opset 0 is not an ONNX opset");
}

/* One changed op refuses the whole model, naming that node only. */
static void test_mixed_graph(void)
{
	ob *b = ob_new(1);
	ob_input(b, "x", OB_F32, "2,3");
	ob_node(b, "Softplus", "x", "s");
	ob_node(b, "Relu", "s", "y");
	ob_output(b, "y", OB_F32, NULL);
	nx_err err;
	nx_graph *g = imp(b, &err);
	CHECK(g == NULL);
	CHECK_CONTAINS(err.msg, "node 'Relu_1' (Relu)");
	nx_graph_free(g);
	ob_free(b);
}

int main(int argc, char **argv)
{
	static const check_case cases[] = {
		{"unchanged_ops_import", test_unchanged_ops_import},
		{"changed_ops_refused", test_changed_ops_refused},
		{"since_between", test_since_between},
		{"not_yet_and_zero", test_not_yet_and_zero},
		{"mixed_graph", test_mixed_graph},
		{NULL, NULL},
	};
	return check_main(cases, argc, argv);
}
