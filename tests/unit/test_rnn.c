/* test_rnn.c — LSTM, GRU and RNN (lstm, gru, rnn): each variant through
 * the default pipeline with the numeric check after every step; values
 * worked by hand on one-unit cells (where each step is a scalar formula),
 * covering reverse, bidirectional, sequence_lens, initial states,
 * peepholes, input_forget, linear_before_reset, layout 1, clip and named
 * activations; ONNX import of optional inputs and outputs left out in the
 * middle, and export back; the refusals inference gives; the cost (CPU
 * fallback, MACs from the shapes). The ONNX node tests (nex conformance)
 * hold the kernels to onnxruntime's numbers on larger cells. */
#include <math.h>

#include "check.h"
#include "ops_fixture.h"
#include "nxs.h"
#include "nxw.h"
#include "onnx_build.h"

static void test_pipeline(void)
{
	static const char t[] =
		"graph @rec(%x: f32[5,2,3], %len: i32[2]) -> (%y: f32[5,2,2,4], %yh: f32[2,2,4], "
		"%yc: f32[2,2,4], %g: f32[5,1,2,4], %gh: f32[1,2,4], %r: f32[5,1,2,4]) {\n"
		"  %w = const f32[2,16,3] fill(random, seed=1)\n"
		"  %rw = const f32[2,16,4] fill(random, seed=2)\n"
		"  %b = const f32[2,32] fill(random, seed=3)\n"
		"  %h0 = const f32[2,2,4] fill(random, seed=4)\n"
		"  %c0 = const f32[2,2,4] fill(random, seed=5)\n"
		"  %p = const f32[2,12] fill(random, seed=6)\n"
		"  %y, %yh, %yc = lstm(%x, %w, %rw, %b, %len, %h0, %c0, %p) "
		"{direction=\"bidirectional\", hidden_size=4} : f32[5,2,2,4], f32[2,2,4], f32[2,2,4]\n"
		"  %gw = const f32[1,12,3] fill(random, seed=7)\n"
		"  %gr = const f32[1,12,4] fill(random, seed=8)\n"
		"  %gb = const f32[1,24] fill(random, seed=9)\n"
		"  %g, %gh = gru(%x, %gw, %gr, %gb) {linear_before_reset=1} : f32[5,1,2,4], f32[1,2,4]\n"
		"  %rw1 = const f32[1,4,3] fill(random, seed=10)\n"
		"  %rr1 = const f32[1,4,4] fill(random, seed=11)\n"
		"  %r = rnn(%x, %rw1, %rr1) {direction=\"reverse\", activations=\"Relu\"} : "
		"f32[5,1,2,4]\n"
		"  return %y, %yh, %yc, %g, %gh, %r\n"
		"}\n";
	static const int kinds[] = {NX_OP_LSTM, NX_OP_GRU, NX_OP_RNN};
	ops_through_default(t, kinds, (int)(sizeof kinds / sizeof kinds[0]), 1e-6);
}

static double sg(double v)
{
	return 1 / (1 + exp(-v));
}

/* One-unit RNN: h_t = tanh(w x_t + r h_{t-1} + wb + rb); two batch
 * entries with sequence_lens 3 and 1, forward and reverse together
 * (bidirectional), initial state per direction. */
static void test_rnn_values(void)
{
	static const char t[] =
		"graph @v() -> (%y: f32[3,2,2,1], %yh: f32[2,2,1]) {\n"
		"  %x = const f32[3,2,1] dense[1, 2, 3, 4, 5, 6]\n"
		"  %w = const f32[2,1,1] dense[0.5, -0.25]\n"
		"  %r = const f32[2,1,1] dense[0.75, 0.5]\n"
		"  %b = const f32[2,2] dense[0.1, 0.2, -0.3, 0.05]\n"
		"  %l = const i32[2] dense[3, 1]\n"
		"  %h = const f32[2,2,1] dense[0.2, -0.1, 0.3, 0.4]\n"
		"  %y, %yh = rnn(%x, %w, %r, %b, %l, %h) {direction=\"bidirectional\"} : "
		"f32[3,2,2,1], f32[2,2,1]\n"
		"  return %y, %yh\n"
		"}\n";
	double x[3][2] = {{1, 2}, {3, 4}, {5, 6}};
	double y[3][2][2] = {{{0}}}, yh[2][2];
	/* forward: batch 0 runs t = 0, 1, 2; batch 1 runs t = 0 only */
	double h0[2] = {0.2, -0.1}, h1[2] = {0.3, 0.4};
	for (int b = 0; b < 2; b++) {
		double h = h0[b];
		for (int k = 0; k < (b ? 1 : 3); k++)
			y[k][0][b] = h = tanh(0.5 * x[k][b] + 0.75 * h + 0.3);
		yh[0][b] = h;
		h = h1[b];
		for (int k = (b ? 0 : 2); k >= 0; k--)
			y[k][1][b] = h = tanh(-0.25 * x[k][b] + 0.5 * h - 0.25);
		yh[1][b] = h;
	}
	double got[12];
	ops_values(t, 0, got, 12);
	ops_near(got, &y[0][0][0], 12, 1e-6);
	ops_values(t, 1, got, 4);
	ops_near(got, &yh[0][0], 4, 1e-6);
}

/* One-unit LSTM with peepholes, layout 1 (batch first), one batch entry:
 * gates i, o, f, c in W, R, B; peepholes i, o, f. Then input_forget
 * (f = 1 - i) and clip on the same cell. */
static void test_lstm_values(void)
{
	static const char t[] =
		"graph @v() -> (%y: f32[1,2,1,1], %yh: f32[1,1,1], %yc: f32[1,1,1], "
		"%cf: f32[1,1,1], %cl: f32[1,1,1]) {\n"
		"  %x = const f32[1,2,1] dense[0.5, -1.5]\n"
		"  %w = const f32[1,4,1] dense[0.3, -0.2, 0.6, 0.9]\n"
		"  %r = const f32[1,4,1] dense[0.1, 0.4, -0.5, 0.2]\n"
		"  %b = const f32[1,8] dense[0.05, 0.1, 0.15, 0.2, 0.0, -0.1, 0.1, 0.3]\n"
		"  %h = const f32[1,1,1] dense[0.25]\n"
		"  %c = const f32[1,1,1] dense[-0.5]\n"
		"  %p = const f32[1,3] dense[0.7, -0.3, 0.2]\n"
		"  %y, %yh, %yc = lstm(%x, %w, %r, %b, _, %h, %c, %p) {layout=1} : "
		"f32[1,2,1,1], f32[1,1,1], f32[1,1,1]\n"
		"  %_y, %_h, %cf = lstm(%x, %w, %r, %b, _, %h, %c, %p) {layout=1, input_forget=1} : "
		"f32[1,2,1,1], f32[1,1,1], f32[1,1,1]\n"
		"  %_y2, %_h2, %cl = lstm(%x, %w, %r, %b, _, %h, %c, %p) {layout=1, clip=0.3} : "
		"f32[1,2,1,1], f32[1,1,1], f32[1,1,1]\n"
		"  return %y, %yh, %yc, %cf, %cl\n"
		"}\n";
	static const double W[4] = {0.3, -0.2, 0.6, 0.9}, R[4] = {0.1, 0.4, -0.5, 0.2};
	static const double B[4] = {0.05, 0.0, 0.25, 0.5}, P[3] = {0.7, -0.3, 0.2};
	double xs[2] = {0.5, -1.5}, want_c[3], ys[2];
	for (int v = 0; v < 3; v++) {
		double h = 0.25, c = -0.5;
		for (int st = 0; st < 2; st++) {
			double a[4];
			for (int k = 0; k < 4; k++)
				a[k] = W[k] * xs[st] + R[k] * h + B[k];
			a[0] += P[0] * c;  /* i */
			a[2] += P[2] * c;  /* f */
			if (v == 2)
				for (int k = 0; k < 4; k++)
					a[k] = fmax(-0.3, fmin(0.3, a[k]));
			double i = sg(a[0]), f = v == 1 ? 1 - i : sg(a[2]), g = tanh(a[3]);
			c = f * c + i * g;
			double ao = a[1] + P[1] * c;
			if (v == 2)
				ao = fmax(-0.3, fmin(0.3, ao));
			h = sg(ao) * tanh(c);
			if (v == 0)
				ys[st] = h;
		}
		want_c[v] = c;
	}
	double got[2];
	ops_values(t, 0, got, 2);
	ops_near(got, ys, 2, 1e-6);
	ops_values(t, 1, got, 1);
	ops_near(got, &ys[1], 1, 1e-6);
	for (int v = 0; v < 3; v++) {
		ops_values(t, v == 0 ? 2 : v + 2, got, 1);
		ops_near(got, &want_c[v], 1, 1e-6);
	}
}

/* One-unit GRU, both linear_before_reset settings, reverse, with named
 * activations that take alpha and beta (HardSigmoid for the gates,
 * ScaledTanh for the candidate). */
static void test_gru_values(void)
{
	static const char t[] =
		"graph @v() -> (%a: f32[1,1,1], %b: f32[1,1,1], %c: f32[1,1,1]) {\n"
		"  %x = const f32[2,1,1] dense[0.8, -0.4]\n"
		"  %w = const f32[1,3,1] dense[0.5, -0.6, 0.7]\n"
		"  %r = const f32[1,3,1] dense[0.3, 0.2, -0.9]\n"
		"  %bb = const f32[1,6] dense[0.1, -0.1, 0.2, 0.05, 0.15, -0.25]\n"
		"  %h = const f32[1,1,1] dense[0.6]\n"
		"  %_a, %a = gru(%x, %w, %r, %bb, _, %h) {direction=\"reverse\"} : f32[2,1,1,1], "
		"f32[1,1,1]\n"
		"  %_b, %b = gru(%x, %w, %r, %bb, _, %h) {direction=\"reverse\", linear_before_reset=1} "
		": f32[2,1,1,1], f32[1,1,1]\n"
		"  %_c, %c = gru(%x, %w, %r, %bb, _, %h) {activations=\"HardSigmoid,ScaledTanh\", "
		"activation_alpha=[0.3, 0.9], activation_beta=[0.4, 1.1]} : f32[2,1,1,1], f32[1,1,1]\n"
		"  return %a, %b, %c\n"
		"}\n";
	static const double W[3] = {0.5, -0.6, 0.7}, R[3] = {0.3, 0.2, -0.9};
	static const double Wb[3] = {0.1, -0.1, 0.2}, Rb[3] = {0.05, 0.15, -0.25};
	double xs[2] = {0.8, -0.4}, want[3];
	for (int v = 0; v < 3; v++) {
		double h = 0.6;
		for (int s = 0; s < 2; s++) {
			double x = xs[v == 2 ? s : 1 - s];
			double az = W[0] * x + R[0] * h + Wb[0] + Rb[0];
			double ar = W[1] * x + R[1] * h + Wb[1] + Rb[1];
			double z = v == 2 ? fmax(0, fmin(1, 0.3 * az + 0.4)) : sg(az);
			double r = v == 2 ? fmax(0, fmin(1, 0.3 * ar + 0.4)) : sg(ar);
			double an = v == 1 ? W[2] * x + Wb[2] + r * (R[2] * h + Rb[2])
					   : W[2] * x + R[2] * (r * h) + Rb[2] + Wb[2];
			double n = v == 2 ? 0.9 * tanh(1.1 * an) : tanh(an);
			h = (1 - z) * n + z * h;
		}
		want[v] = h;
	}
	double got[1];
	for (int v = 0; v < 3; v++) {
		ops_values(t, (uint32_t)v, got, 1);
		ops_near(got, &want[v], 1, 1e-6);
	}
}

static void test_refusals(void)
{
	static const struct {
		const char *text, *msg;
	} cases[] = {
		{"graph @t(%x: f32[2,1,3]) -> (%y: f32[2,1,1,4]) {\n"
		 "  %w = const f32[1,16,3] fill(zeros)\n  %r = const f32[1,16,4] fill(zeros)\n"
		 "  %y = lstm(%x, %w, %r) {direction=\"sideways\"} : f32[2,1,1,4]\n  return %y\n}\n",
		 "op %y (lstm): direction \"sideways\" is not forward, reverse or bidirectional"},
		{"graph @t(%x: f32[2,1,3]) -> (%y: f32[2,1,1,4]) {\n"
		 "  %w = const f32[1,16,3] fill(zeros)\n  %r = const f32[1,16,4] fill(zeros)\n"
		 "  %y = lstm(%x, %w, %r) {hidden_size=5} : f32[2,1,1,4]\n  return %y\n}\n",
		 "hidden_size 5 does not match W (16 rows = 4 gates x 4)"},
		{"graph @t(%x: f32[2,1,3]) -> (%y: f32[2,1,1,4]) {\n"
		 "  %w = const f32[1,12,3] fill(zeros)\n  %r = const f32[1,12,5] fill(zeros)\n"
		 "  %y = gru(%x, %w, %r) : f32[2,1,1,4]\n  return %y\n}\n",
		 "R is f32[1,12,5], expected f32[1,12,4]"},
		{"graph @t(%x: f32[2,1,3]) -> (%y: f32[2,1,1,4]) {\n"
		 "  %w = const f32[1,4,3] fill(zeros)\n  %r = const f32[1,4,4] fill(zeros)\n"
		 "  %y = rnn(%x, %w, %r) {activations=\"Tanh,Relu\"} : f32[2,1,1,4]\n"
		 "  return %y\n}\n",
		 "activations \"Tanh,Relu\" should name 1 functions (1 per direction)"},
		{"graph @t(%x: f32[2,1,3]) -> (%y: f32[2,1,1,4]) {\n"
		 "  %w = const f32[1,4,3] fill(zeros)\n  %r = const f32[1,4,4] fill(zeros)\n"
		 "  %y = rnn(%x, %w, %r) {activations=\"Swish\"} : f32[2,1,1,4]\n  return %y\n}\n",
		 "activation \"Swish\" is not one ONNX defines for recurrent ops"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		ops_refused(cases[i].text, cases[i].msg);
}

/* Import of an ONNX LSTM node whose Y is unnamed and whose B is left out
 * before a given initial_h (written by nex's own exporter from a graph
 * with those holes, then re-read), and the export of activations. */
static void test_onnx_round_trip(void)
{
	static const char t[] =
		"graph @rt(%x: f32[3,1,2]) -> (%yh: f32[1,1,2]) {\n"
		"  %w = const f32[1,8,2] fill(random, seed=1)\n"
		"  %r = const f32[1,8,2] fill(random, seed=2)\n"
		"  %h = const f32[1,1,2] fill(random, seed=3)\n"
		"  %y, %yh = lstm(%x, %w, %r, _, _, %h) {activations=\"Sigmoid,Tanh,Relu\"} : "
		"f32[3,1,1,2], f32[1,1,2]\n"
		"  return %yh\n"
		"}\n";
	nx_graph *g = ops_parse(t);
	if (!g)
		return;
	nx_err e;
	const char *path = "test_rnn_rt.onnx";
	int rc = nx_onnx_export(g, path, &e);
	if (rc)
		fprintf(stderr, "%s\n", e.msg);
	CHECK_EQ_INT(rc, 0);
	nx_graph *h = rc ? NULL : nx_onnx_import(path, NULL, &e);
	if (!rc && !h)
		fprintf(stderr, "%s\n", e.msg);
	CHECK(rc || h != NULL);
	if (h) {
		uint32_t op = NX_NONE;
		NX_FOR_OPS(h, o)
			if (h->ops[o].kind == NX_OP_LSTM)
				op = o;
		CHECK(op != NX_NONE);
		if (op != NX_NONE) {
			CHECK_STR(nx_attr_s(h, op, "activations", ""), "Sigmoid,Tanh,Relu");
			/* written for onnxruntime, which needs it */
			CHECK_EQ_INT(nx_attr_i(h, op, "hidden_size", 0), 2);
			CHECK(nx_operand(h, op, 3) == NX_NONE);
			CHECK(nx_operand(h, op, 5) != NX_NONE);
		}
		uint64_t seed = 5;
		nx_tensor in = nx_tensor_random(nx_vtype(g, g->inputs[0]), &seed, -1, 1);
		nx_run_result ra, rb;
		CHECK_EQ_INT(nx_run(g, &in, 1, NULL, &ra, &e), 0);
		CHECK_EQ_INT(nx_run(h, &in, 1, NULL, &rb, &e), 0);
		for (int64_t k = 0; k < 2; k++)
			CHECK(nx_tensor_get(&ra.outputs[0], k) == nx_tensor_get(&rb.outputs[0], k));
		nx_run_result_free(&ra);
		nx_run_result_free(&rb);
		nx_tensor_free(&in);
		nx_graph_free(h);
	}
	remove(path);
	nx_graph_free(g);
}

/* An ONNX GRU whose Y is unnamed and whose B is left out before a given
 * sequence_lens and initial_h: positions hold (operand 3 absent, Y a
 * helper result); a too-long Y_h list or a non-string activations list is
 * refused with the node named. */
static void test_onnx_holes(void)
{
	ob *b = ob_new(14);
	ob_input(b, "x", OB_F32, "3,2,2");
	ob_input(b, "len", OB_I32, "2");
	float w[6 * 2], r[6 * 1], h[2];
	for (int i = 0; i < 12; i++)
		w[i] = 0.1f * (float)(i - 6);
	for (int i = 0; i < 6; i++)
		r[i] = 0.2f * (float)(i - 3);
	h[0] = 0.5f;
	h[1] = -0.5f;
	ob_init_f32(b, "w", "1,3,2", w, 6);
	ob_init_f32(b, "r", "1,3,1", r, 3);
	ob_init_f32(b, "h0", "1,2,1", h, 2);
	Onnx__NodeProto *n = ob_node(b, "GRU", "x,w,r,,len,h0", ",yh");
	ob_i(b, n, "hidden_size", 1);
	ob_output(b, "yh", OB_F32, "1,2,1");
	size_t len;
	void *buf = ob_pack(b, &len);
	nx_err e;
	nx_graph *g = nx_onnx_import_mem(buf, len, "gru.onnx", "/tmp", NULL, &e);
	free(buf);
	ob_free(b);
	if (!g)
		fprintf(stderr, "%s\n", e.msg);
	CHECK(g != NULL);
	if (!g)
		return;
	uint32_t op = NX_NONE;
	NX_FOR_OPS(g, o)
		if (g->ops[o].kind == NX_OP_GRU)
			op = o;
	CHECK(op != NX_NONE);
	if (op != NX_NONE) {
		CHECK_EQ_INT(nx_opp(g, op)->n_in, 6);
		CHECK_EQ_INT(nx_opp(g, op)->n_out, 2);
		CHECK(nx_operand(g, op, 3) == NX_NONE);
		CHECK(nx_operand(g, op, 4) == g->inputs[1]);
		CHECK_STR(nx_vname(g, nx_result(g, op, 1)), "yh");
	}
	/* lengths 3 and 0: batch 1 keeps its initial state */
	nx_tensor in[2];
	uint64_t seed = 3;
	in[0] = nx_tensor_random(nx_vtype(g, g->inputs[0]), &seed, -1, 1);
	in[1] = nx_tensor_alloc(nx_vtype(g, g->inputs[1]));
	((int32_t *)in[1].data)[0] = 3;
	nx_run_result res;
	CHECK_EQ_INT(nx_run(g, in, 2, NULL, &res, &e), 0);
	CHECK(nx_tensor_get(&res.outputs[0], 1) == -0.5);
	CHECK(nx_tensor_get(&res.outputs[0], 0) != 0.5);
	nx_run_result_free(&res);
	nx_tensor_free(&in[0]);
	nx_tensor_free(&in[1]);
	nx_graph_free(g);

	b = ob_new(14);
	ob_input(b, "x", OB_F32, "3,2,2");
	ob_init_f32(b, "w", "1,3,2", w, 6);
	ob_init_f32(b, "r", "1,3,1", r, 3);
	n = ob_node(b, "GRU", "x,w,r", "y,yh,extra");
	ob_output(b, "extra", OB_F32, "1,2,1");
	buf = ob_pack(b, &len);
	g = nx_onnx_import_mem(buf, len, "gru.onnx", "/tmp", NULL, &e);
	free(buf);
	ob_free(b);
	CHECK(g == NULL);
	if (!g)
		CHECK_CONTAINS(e.msg, "has 3 outputs; GRU gives at most 2");
	nx_graph_free(g);
}

/* Recurrent ops run on the CPU on every preset, costed with the MACs of
 * their gate products: T x D x B x G x H x (I + H). */
static void test_cost(void)
{
	static const char t[] =
		"graph @c(%x: f32[7,3,5]) -> (%y: f32[7,2,3,4]) {\n"
		"  %w = const f32[2,12,5] fill(zeros)\n  %r = const f32[2,12,4] fill(zeros)\n"
		"  %y = gru(%x, %w, %r) {direction=\"bidirectional\"} : f32[7,2,3,4]\n"
		"  return %y\n}\n";
	nx_graph *g = ops_parse(t);
	if (!g)
		return;
	nx_target tg;
	nx_err e;
	CHECK_EQ_INT(nx_target_preset("m1", &tg, &e), 0);
	const nx_target *m1 = &tg;
	uint32_t op = NX_NONE;
	NX_FOR_OPS(g, o)
		op = o;
	char why[200];
	CHECK(!nx_target_supports(g, op, m1, why, sizeof why));
	CHECK_CONTAINS(why, "gru is a recurrence over time steps");
	nxs_opinv inv;
	nxs_prep_op(g, op, NULL, &inv);
	CHECK(inv.macs == 7.0 * 2 * 3 * 12 * (5 + 4));
	nx_graph_free(g);
}

int main(int argc, char **argv)
{
	static const check_case cases[] = {
		{"pipeline", test_pipeline},
		{"rnn_values", test_rnn_values},
		{"lstm_values", test_lstm_values},
		{"gru_values", test_gru_values},
		{"refusals", test_refusals},
		{"onnx_round_trip", test_onnx_round_trip},
		{"onnx_holes", test_onnx_holes},
		{"cost", test_cost},
		{NULL, NULL},
	};
	return check_main(cases, argc, argv);
}
