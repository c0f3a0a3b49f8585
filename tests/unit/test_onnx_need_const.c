/* test_onnx_need_const.c — nx_onnx_opts.need_const: when an attribute slot
 * (Reshape's shape, Clip's min/max) is not constant, the importer names the
 * graph inputs upstream of it, and only those; binding them makes the import
 * succeed with the data inputs still live, so the op stays an op (what the
 * conformance runner relies on to run ops through their kernels). */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "nx.h"
#include "onnx_build.h"

typedef struct named {
	int n;
	char all[512];
} named;

static void on_need(void *ctx, const char *input)
{
	named *w = ctx;
	w->n++;
	size_t k = strlen(w->all);
	snprintf(w->all + k, sizeof w->all - k, "%s;", input);
}

static nx_graph *imp(ob *b, nx_onnx_opts *o, nx_err *err)
{
	size_t len;
	void *buf = ob_pack(b, &len);
	nx_graph *g = nx_onnx_import_mem(buf, len, "t.onnx", "/tmp", o, err);
	free(buf);
	return g;
}

static int count_ops(const nx_graph *g, int kind)
{
	int n = 0;
	NX_FOR_OPS(g, o)
		n += g->ops[o].kind == kind;
	return n;
}

/* Reshape(x, shape), shape a graph input: only "shape" is named. */
static void test_direct(void)
{
	ob *b = ob_new(13);
	ob_input(b, "x", OB_F32, "2,6");
	ob_input(b, "shape", OB_I64, "2");
	ob_node(b, "Reshape", "x,shape", "y");
	ob_output(b, "y", OB_F32, NULL);
	named w = {0};
	nx_onnx_opts o = {0};
	o.need_const = on_need;
	o.need_const_ctx = &w;
	nx_err err;
	nx_graph *g = imp(b, &o, &err);
	CHECK(g == NULL);
	CHECK_STR(w.all, "shape;");
	nx_graph_free(g);

	/* bound: the import succeeds, x stays a live input, reshape an op */
	int64_t sv[2] = {3, 4};
	nx_tensor t = {nx_type_make(NX_I64, 1, (int64_t[]){2}), sv};
	const char *names[1] = {"shape"};
	o.const_names = names;
	o.const_values = &t;
	o.n_consts = 1;
	w.n = 0;
	w.all[0] = 0;
	g = imp(b, &o, &err);
	CHECK(g != NULL);
	CHECK_EQ_INT(w.n, 0);
	if (g) {
		CHECK_EQ_INT(g->n_inputs, 1);
		CHECK_STR(nx_vname(g, g->inputs[0]), "x");
		CHECK_EQ_INT(count_ops(g, NX_OP_RESHAPE), 1);
	}
	nx_graph_free(g);
	ob_free(b);
}

/* Reshape(x, Concat(a, b)): the slot's value is computed, so the inputs it
 * is computed from are named (a and b), and x is not. */
static void test_upstream(void)
{
	ob *b = ob_new(13);
	ob_input(b, "x", OB_F32, "2,6");
	ob_input(b, "a", OB_I64, "1");
	ob_input(b, "b", OB_I64, "1");
	Onnx__NodeProto *c = ob_node(b, "Concat", "a,b", "s");
	ob_i(b, c, "axis", 0);
	ob_node(b, "Reshape", "x,s", "y");
	ob_output(b, "y", OB_F32, NULL);
	named w = {0};
	nx_onnx_opts o = {0};
	o.need_const = on_need;
	o.need_const_ctx = &w;
	nx_err err;
	nx_graph *g = imp(b, &o, &err);
	CHECK(g == NULL);
	CHECK_EQ_INT(w.n, 2);
	CHECK_CONTAINS(w.all, "a;");
	CHECK_CONTAINS(w.all, "b;");
	CHECK(strstr(w.all, "x;") == NULL);
	nx_graph_free(g);
	ob_free(b);
}

/* Clip(x, lo, hi) at opset 13: both bounds named, x not; without the hook
 * the import fails with the same message and nothing is called. */
static void test_clip_and_no_hook(void)
{
	ob *b = ob_new(13);
	ob_input(b, "x", OB_F32, "4");
	ob_input(b, "lo", OB_F32, "");
	ob_input(b, "hi", OB_F32, "");
	Onnx__NodeProto *n = ob_node(b, "Clip", "x,lo,hi", "y");
	n->name = ob_str(b, "clip");
	ob_output(b, "y", OB_F32, NULL);
	named w = {0};
	nx_onnx_opts o = {0};
	o.need_const = on_need;
	o.need_const_ctx = &w;
	nx_err err, err2;
	nx_graph *g = imp(b, &o, &err);
	CHECK(g == NULL);
	/* the importer stops at the first slot it cannot read */
	CHECK_STR(w.all, "lo;");
	nx_graph_free(g);
	g = imp(b, NULL, &err2);
	CHECK(g == NULL);
	CHECK_STR(err2.msg, err.msg);
	nx_graph_free(g);
	ob_free(b);
}

int main(int argc, char **argv)
{
	static const check_case cases[] = {
		{"direct", test_direct},
		{"upstream", test_upstream},
		{"clip_and_no_hook", test_clip_and_no_hook},
		{NULL, NULL},
	};
	return check_main(cases, argc, argv);
}
