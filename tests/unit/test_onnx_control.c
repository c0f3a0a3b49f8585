/* test_onnx_control.c — If, Loop and Scan at import (onnx_control.c): an If
 * whose condition is bound (nx_onnx_opts const values, what --const gives)
 * or folds from shapes becomes its taken branch, nested Ifs too, with
 * outer-scope values wired through; a Loop with a constant trip count (or a
 * condition that folds) unrolls, its loop-carried values threaded through
 * the iterations and its scan outputs stacked, and is refused above the
 * unroll limit; a Scan unrolls over its scan axes and directions, refused
 * above the unroll limit; anything else is refused naming the node and the
 * input to bind. Numbers are checked by running the imported graph. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "nx.h"
#include "onnx_build.h"

/* Moves the nodes made since mark into a new subgraph with the given
 * inputs and outputs (ValueInfoProtos), for a graph attribute. */
static Onnx__GraphProto *sub(ob *b, size_t mark, Onnx__ValueInfoProto **in, size_t n_in,
			     Onnx__ValueInfoProto **out, size_t n_out)
{
	Onnx__GraphProto *s = ob_alloc(b, sizeof *s);
	onnx__graph_proto__init(s);
	s->name = ob_str(b, "body");
	for (size_t i = mark; i < b->g.n_node; i++)
		OB_PUSH(b, s->n_node, s->node, b->g.node[i]);
	b->g.n_node = mark;
	for (size_t i = 0; i < n_in; i++)
		OB_PUSH(b, s->n_input, s->input, in[i]);
	for (size_t i = 0; i < n_out; i++)
		OB_PUSH(b, s->n_output, s->output, out[i]);
	return s;
}

static void graph_attr(ob *b, Onnx__NodeProto *n, const char *name, Onnx__GraphProto *g)
{
	Onnx__AttributeProto *a = ob_attr(b, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPH);
	a->g = g;
}

static nx_graph *imp(ob *b, const nx_onnx_opts *o, nx_err *err)
{
	size_t len;
	void *buf = ob_pack(b, &len);
	nx_graph *g = nx_onnx_import_mem(buf, len, "t.onnx", "/tmp", o, err);
	free(buf);
	return g;
}

/* The import every accepted case starts from: b packed and imported with
 * opts o; a refusal fails the case and prints why. Caller frees the graph
 * with nx_graph_free (NULL-safe) and still owns b. */
static nx_graph *accepted(ob *b, const nx_onnx_opts *o)
{
	nx_err err;
	nx_graph *g = imp(b, o, &err);
	CHECK(g != NULL);
	if (!g)
		fprintf(stderr, "%s\n", err.msg);
	return g;
}

/* The import every refused case checks: b with opts o must be refused
 * with a message holding want and, if not NULL, also. */
static void refused(ob *b, const nx_onnx_opts *o, const char *want, const char *also)
{
	nx_err err;
	nx_graph *g = imp(b, o, &err);
	CHECK(g == NULL);
	CHECK_CONTAINS(err.msg, want);
	if (also)
		CHECK_CONTAINS(err.msg, also);
	nx_graph_free(g);
}

/* Import options binding one graph input (what --const name=... gives);
 * they point at name and t, which must outlive them. */
static nx_onnx_opts bound(const char *const *name, const nx_tensor *t)
{
	nx_onnx_opts o = {0};
	o.const_names = name;
	o.const_values = t;
	o.n_consts = 1;
	return o;
}

static int count_ops(const nx_graph *g, int kind)
{
	int n = 0;
	NX_FOR_OPS(g, o)
		n += g->ops[o].kind == kind;
	return n;
}

/* Runs g (one f32 input x holding 0..n-1) and returns output k's element i. */
static double run1(nx_graph *g, uint32_t k, int64_t i)
{
	nx_tensor x = nx_tensor_alloc(nx_vtype(g, g->inputs[0]));
	for (int64_t j = 0; j < nx_tensor_numel(&x); j++)
		nx_tensor_set(&x, j, (double)j);
	nx_run_result r;
	nx_err e;
	double v = NAN;
	if (nx_run(g, &x, 1, NULL, &r, &e) == 0) {
		v = nx_tensor_get(&r.outputs[k], i);
		nx_run_result_free(&r);
	} else {
		fprintf(stderr, "run: %s\n", e.msg);
	}
	nx_tensor_free(&x);
	return v;
}

/* y = If(c) then { If(Shape(x)[0] == 2) { x + w } else { x - w } }
 *            else { x * k }, with w an outer initializer and k a branch
 * initializer; c a graph input. */
static ob *if_model(void)
{
	ob *b = ob_new(13);
	ob_input(b, "x", OB_F32, "2,3");
	ob_input(b, "c", OB_BOOL, "");
	ob_init_f32(b, "w", "3", (float[]){10, 20, 30}, 3);
	ob_init_i64(b, "zero", "", (int64_t[]){0}, 1);
	ob_init_i64(b, "two", "", (int64_t[]){2}, 1);
	/* then: the nested If on a shape */
	size_t m = b->g.n_node;
	ob_node(b, "Add", "x,w", "t_add");
	Onnx__ValueInfoProto *o1 = ob_vi(b, "t_add", OB_F32, NULL);
	Onnx__GraphProto *inner_then = sub(b, m, NULL, 0, &o1, 1);
	m = b->g.n_node;
	ob_node(b, "Sub", "x,w", "t_sub");
	Onnx__ValueInfoProto *o2 = ob_vi(b, "t_sub", OB_F32, NULL);
	Onnx__GraphProto *inner_else = sub(b, m, NULL, 0, &o2, 1);
	m = b->g.n_node;
	ob_node(b, "Shape", "x", "t_shape");
	Onnx__NodeProto *ga = ob_node(b, "Gather", "t_shape,zero", "t_d0");
	ob_i(b, ga, "axis", 0);
	ob_node(b, "Equal", "t_d0,two", "t_c");
	Onnx__NodeProto *in_if = ob_node(b, "If", "t_c", "t_y");
	in_if->name = ob_str(b, "inner_if");
	graph_attr(b, in_if, "then_branch", inner_then);
	graph_attr(b, in_if, "else_branch", inner_else);
	Onnx__ValueInfoProto *o3 = ob_vi(b, "t_y", OB_F32, NULL);
	Onnx__GraphProto *then_b = sub(b, m, NULL, 0, &o3, 1);
	/* else: x * k, k a branch initializer */
	m = b->g.n_node;
	ob_node(b, "Mul", "x,k", "e_y");
	Onnx__ValueInfoProto *o4 = ob_vi(b, "e_y", OB_F32, NULL);
	Onnx__GraphProto *else_b = sub(b, m, NULL, 0, &o4, 1);
	Onnx__TensorProto *k = ob_tensor(b, "k", OB_F32, "", (float[]){3}, 4);
	OB_PUSH(b, else_b->n_initializer, else_b->initializer, k);
	Onnx__NodeProto *n = ob_node(b, "If", "c", "y");
	n->name = ob_str(b, "outer_if");
	graph_attr(b, n, "then_branch", then_b);
	graph_attr(b, n, "else_branch", else_b);
	ob_output(b, "y", OB_F32, "2,3");
	return b;
}

/* if_model with its condition c bound; NULL (the case failed) if refused. */
static nx_graph *bind_c(ob *b, bool c)
{
	uint8_t cv = c;
	nx_tensor t = {nx_type_make(NX_BOOL, 0, NULL), &cv};
	static const char *const names[1] = {"c"};
	nx_onnx_opts o = bound(names, &t);
	return accepted(b, &o);
}

static void test_if_refused(void)
{
	ob *b = if_model();
	refused(b, NULL, "node 'outer_if' (If): condition 'c'", "graph input 'c'");
	refused(b, NULL, "--const c=VALUE", NULL);
	ob_free(b);
}

static void test_if_then_nested(void)
{
	ob *b = if_model();
	nx_graph *g = bind_c(b, true);
	if (g) {
		/* the nested If folded on Shape(x)[0] == 2: one add, no sub */
		CHECK_EQ_INT(count_ops(g, NX_OP_ADD), 1);
		CHECK_EQ_INT(count_ops(g, NX_OP_SUB), 0);
		CHECK_EQ_INT(count_ops(g, NX_OP_MUL), 0);
		CHECK_STR(nx_vname(g, g->outputs[0]), "y");
		CHECK(fabs(run1(g, 0, 4) - (4 + 20)) < 1e-6);
		nx_err ve;
		CHECK_EQ_INT(nx_verify(g, &ve), 0);
	}
	nx_graph_free(g);
	ob_free(b);
}

static void test_if_else(void)
{
	ob *b = if_model();
	nx_graph *g = bind_c(b, false);
	if (g) {
		CHECK_EQ_INT(count_ops(g, NX_OP_MUL), 1);
		CHECK_EQ_INT(count_ops(g, NX_OP_ADD), 0);
		CHECK(fabs(run1(g, 0, 5) - 15) < 1e-6);
	}
	nx_graph_free(g);
	ob_free(b);
}

/* v, s = Loop(M, cond, v0) { v = v + float(i); s = v }: v0 = x. */
static ob *loop_model(bool m_input, bool with_cond, int64_t trips)
{
	ob *b = ob_new(13);
	ob_input(b, "x", OB_F32, "2");
	if (m_input)
		ob_input(b, "M", OB_I64, "");
	else
		ob_init_i64(b, "M", "", &trips, 1);
	uint8_t t = 1;
	OB_PUSH(b, b->g.n_initializer, b->g.initializer, ob_tensor(b, "go", OB_BOOL, "", &t, 1));
	ob_init_i64(b, "four", "", (int64_t[]){4}, 1);
	size_t m = b->g.n_node;
	Onnx__NodeProto *c = ob_node(b, "Cast", "i", "fi");
	ob_i(b, c, "to", OB_F32);
	ob_node(b, "Add", "v_in,fi", "v_out");
	ob_node(b, "Identity", "v_out", "s_out");
	if (with_cond)
		ob_node(b, "Less", "i,four", "c_out");
	else
		ob_node(b, "Identity", "c_in", "c_out");
	Onnx__ValueInfoProto *in[3] = {ob_vi(b, "i", OB_I64, ""), ob_vi(b, "c_in", OB_BOOL, ""),
				       ob_vi(b, "v_in", OB_F32, "2")};
	Onnx__ValueInfoProto *out[3] = {ob_vi(b, "c_out", OB_BOOL, ""),
					ob_vi(b, "v_out", OB_F32, "2"),
					ob_vi(b, "s_out", OB_F32, "2")};
	Onnx__GraphProto *body = sub(b, m, in, 3, out, 3);
	Onnx__NodeProto *n = ob_node(b, "Loop", with_cond ? ",go,x" : "M,,x", "v,s");
	n->name = ob_str(b, "the_loop");
	graph_attr(b, n, "body", body);
	ob_output(b, "v", OB_F32, "2");
	ob_output(b, "s", OB_F32, NULL);
	return b;
}

static void test_loop_unrolled(void)
{
	ob *b = loop_model(false, false, 3);
	nx_graph *g = accepted(b, NULL);
	if (g) {
		CHECK_EQ_INT(count_ops(g, NX_OP_ADD), 3);
		CHECK_EQ_INT(count_ops(g, NX_OP_CONCAT), 1);
		/* v = x + 0 + 1 + 2; s[k] = x + 0 + .. + k */
		CHECK(fabs(run1(g, 0, 1) - (1 + 3)) < 1e-6);
		const nx_type *st = nx_vtype(g, g->outputs[1]);
		CHECK_EQ_INT(st->rank, 2);
		CHECK_EQ_INT(st->dims[0], 3);
		CHECK(fabs(run1(g, 1, 2 * 1 + 0) - (0 + 0 + 1)) < 1e-6);
		CHECK(fabs(run1(g, 1, 2 * 2 + 1) - (1 + 3)) < 1e-6);
		nx_err ve;
		CHECK_EQ_INT(nx_verify(g, &ve), 0);
	}
	nx_graph_free(g);
	ob_free(b);
}

static void test_loop_limit(void)
{
	ob *b = loop_model(false, false, 3);
	nx_onnx_opts o = {0};
	o.unroll_limit = 2;
	refused(b, &o, "node 'the_loop' (Loop): trip count M = 3 is above the unroll limit 2",
		NULL);
	ob_free(b);
	/* 0 means the default, 64 */
	b = loop_model(false, false, 65);
	refused(b, NULL, "above the unroll limit 64", NULL);
	ob_free(b);
}

/* A while loop (no M): the body's condition i < 4 folds each time, so it
 * runs 5 iterations. */
static void test_loop_while(void)
{
	ob *b = loop_model(false, true, 0);
	nx_graph *g = accepted(b, NULL);
	if (g) {
		CHECK_EQ_INT(count_ops(g, NX_OP_ADD), 5);
		CHECK(fabs(run1(g, 0, 0) - (0 + 1 + 2 + 3 + 4)) < 1e-6);
		CHECK_EQ_INT(nx_vtype(g, g->outputs[1])->dims[0], 5);
	}
	nx_graph_free(g);
	ob_free(b);
}

static void test_loop_refused(void)
{
	ob *b = loop_model(true, false, 0);
	refused(b, NULL, "node 'the_loop' (Loop): trip count M 'M' is not constant",
		"--const M=VALUE");
	/* bound: unrolled */
	int64_t two = 2;
	nx_tensor t = {nx_type_make(NX_I64, 0, NULL), &two};
	static const char *const names[1] = {"M"};
	nx_onnx_opts o = bound(names, &t);
	nx_graph *g = accepted(b, &o);
	if (g)
		CHECK(fabs(run1(g, 0, 1) - (1 + 1)) < 1e-6);
	nx_graph_free(g);
	ob_free(b);
}

/* s, y = Scan(s0, x) over x's axis 1 backwards { s = s + xi; y = s },
 * y stacked on axis 1 backwards: x = [[0,1],[2,3],[4,5]] gives steps
 * [1,3,5] then [1,5,9], so s = [1,5,9] and y = [[1,1],[5,3],[9,5]]. */
static ob *scan_model(void)
{
	ob *b = ob_new(13);
	ob_input(b, "x", OB_F32, "3,2");
	ob_init_f32(b, "s0", "3", (float[]){0, 0, 0}, 3);
	size_t m = b->g.n_node;
	ob_node(b, "Add", "si,xi", "so");
	ob_node(b, "Identity", "so", "yo");
	Onnx__ValueInfoProto *in[2] = {ob_vi(b, "si", OB_F32, "3"), ob_vi(b, "xi", OB_F32, "3")};
	Onnx__ValueInfoProto *out[2] = {ob_vi(b, "so", OB_F32, "3"), ob_vi(b, "yo", OB_F32, "3")};
	Onnx__GraphProto *body = sub(b, m, in, 2, out, 2);
	Onnx__NodeProto *n = ob_node(b, "Scan", "s0,x", "s,y");
	n->name = ob_str(b, "sc");
	ob_i(b, n, "num_scan_inputs", 1);
	ob_ints(b, n, "scan_input_axes", 1, (int64_t[]){1});
	ob_ints(b, n, "scan_input_directions", 1, (int64_t[]){1});
	ob_ints(b, n, "scan_output_axes", 1, (int64_t[]){-1});
	ob_ints(b, n, "scan_output_directions", 1, (int64_t[]){1});
	graph_attr(b, n, "body", body);
	ob_output(b, "s", OB_F32, "3");
	ob_output(b, "y", OB_F32, NULL);
	return b;
}

static void test_scan_unrolled(void)
{
	ob *b = scan_model();
	nx_graph *g = accepted(b, NULL);
	if (g) {
		CHECK_EQ_INT(count_ops(g, NX_OP_ADD), 2);
		const nx_type *yt = nx_vtype(g, g->outputs[1]);
		CHECK_EQ_INT(yt->rank, 2);
		CHECK_EQ_INT(yt->dims[0], 3);
		CHECK_EQ_INT(yt->dims[1], 2);
		CHECK(fabs(run1(g, 0, 0) - 1) < 1e-6);
		CHECK(fabs(run1(g, 0, 1) - 5) < 1e-6);
		CHECK(fabs(run1(g, 0, 2) - 9) < 1e-6);
		const double want[6] = {1, 1, 5, 3, 9, 5};
		for (int i = 0; i < 6; i++)
			CHECK(fabs(run1(g, 1, i) - want[i]) < 1e-6);
		nx_err ve;
		CHECK_EQ_INT(nx_verify(g, &ve), 0);
	}
	nx_graph_free(g);
	ob_free(b);
}

static void test_scan_limit(void)
{
	ob *b = scan_model();
	nx_onnx_opts o = {0};
	o.unroll_limit = 1;
	refused(b, &o, "node 'sc' (Scan): scans 2 steps, above the unroll limit 1",
		"--unroll-limit 2");
	ob_free(b);
}

/* --const values take the input's declared dtype and shape; inexact
 * conversions and wrong counts are refused naming the input. */
static void test_const_fit(void)
{
	ob *b = ob_new(13);
	ob_input(b, "x", OB_F32, "2");
	ob_input(b, "s", OB_I32, "1,2");
	ob_node(b, "Cast", "s", "sf");
	b->g.node[0]->n_attribute = 0;
	ob_i(b, b->g.node[0], "to", OB_F32);
	ob_node(b, "Add", "x,sf", "y");
	ob_output(b, "y", OB_F32, NULL);
	int64_t v[2] = {5, 7};
	nx_tensor t = {nx_type_make(NX_I64, 1, (int64_t[]){2}), v};
	static const char *const names[1] = {"s"};
	nx_onnx_opts o = bound(names, &t);
	nx_graph *g = accepted(b, &o);
	if (g) {
		CHECK_EQ_INT(g->n_inputs, 1);
		CHECK(fabs(run1(g, 0, 1) - (1 + 7)) < 1e-6);
	}
	nx_graph_free(g);
	float f[2] = {1.5f, 2};
	nx_tensor tf = {nx_type_make(NX_F32, 1, (int64_t[]){2}), f};
	o.const_values = &tf;
	refused(b, &o, "--const s: element 0 (1.5) is not exact in the input's dtype", NULL);
	int64_t three[3] = {1, 2, 3};
	nx_tensor t3 = {nx_type_make(NX_I64, 1, (int64_t[]){3}), three};
	o.const_values = &t3;
	refused(b, &o, "--const s: 3 values given, the input holds 2", NULL);
	ob_free(b);
}

/* The command line: --const through the option table, into a saved
 * session that replays with the same binding (NEX_BIN; skipped without). */
static void test_cli_session(void)
{
	if (!getenv("NEX_BIN"))
		return;
	char dir[] = "/tmp/nex_ctl_XXXXXX";
	if (!mkdtemp(dir)) {
		CHECK(!"mkdtemp");
		return;
	}
	char model[128], sess[128], args[1024];
	snprintf(model, sizeof model, "%s/if.onnx", dir);
	snprintf(sess, sizeof sess, "%s/if.nex.json", dir);
	ob *b = if_model();
	size_t len;
	void *buf = ob_pack(b, &len);
	FILE *f = fopen(model, "wb");
	CHECK(f && fwrite(buf, 1, len, f) == len);
	if (f)
		fclose(f);
	free(buf);
	ob_free(b);
	int rc;
	snprintf(args, sizeof args, "print '%s'", model);
	char *out = check_nex(args, 1, &rc);
	CHECK_EQ_INT(rc, 1);
	CHECK_CONTAINS(out, "--const c=VALUE");
	free(out);
	snprintf(args, sizeof args, "print '%s' --const c=false", model);
	out = check_nex(args, 1, &rc);
	CHECK_EQ_INT(rc, 0);
	CHECK_CONTAINS(out, "mul(");
	free(out);
	snprintf(args, sizeof args, "print '%s' --const c=0.5", model);
	out = check_nex(args, 1, &rc);
	CHECK_EQ_INT(rc, 1);
	CHECK_CONTAINS(out, "--const c: element 0 (0.5) is not exact in the input's dtype");
	free(out);
	snprintf(args, sizeof args, "run '%s' --const c=1 --pipeline default --save-session '%s'",
		 model, sess);
	out = check_nex(args, 1, &rc);
	CHECK_EQ_INT(rc, 0);
	free(out);
	snprintf(args, sizeof args, "replay '%s'", sess);
	out = check_nex(args, 1, &rc);
	CHECK_EQ_INT(rc, 0);
	CHECK_CONTAINS(out, "0 differ");
	free(out);
	/* Lua: nex.open's consts */
	char lua[128];
	snprintf(lua, sizeof lua, "%s/open.lua", dir);
	f = fopen(lua, "w");
	CHECK(f != NULL);
	if (f) {
		fprintf(f, "local s = nex.open('%s', {consts = {c = false}})\n"
			"for op in s:graph():ops() do print('kind', op:kind()) end\n"
			"local ok, e = pcall(nex.open, '%s', {consts = {c = 0.5}})\n"
			"print(ok, e)\n", model, model);
		fclose(f);
	}
	snprintf(args, sizeof args, "script '%s'", lua);
	out = check_nex(args, 1, &rc);
	CHECK_EQ_INT(rc, 0);
	CHECK_CONTAINS(out, "kind\tmul");
	CHECK_CONTAINS(out, "false\tnex.open: ");
	CHECK_CONTAINS(out, "is not exact in the input's dtype bool");
	free(out);
	snprintf(args, sizeof args, "rm -rf '%s'", dir);
	CHECK_EQ_INT(system(args), 0);
}

int main(int argc, char **argv)
{
	static const check_case cases[] = {
		{"if_refused", test_if_refused},
		{"if_then_nested", test_if_then_nested},
		{"if_else", test_if_else},
		{"loop_unrolled", test_loop_unrolled},
		{"loop_limit", test_loop_limit},
		{"loop_while", test_loop_while},
		{"loop_refused", test_loop_refused},
		{"scan_unrolled", test_scan_unrolled},
		{"scan_limit", test_scan_limit},
		{"const_fit", test_const_fit},
		{"cli_session", test_cli_session},
		{NULL, NULL},
	};
	return check_main(cases, argc, argv);
}
