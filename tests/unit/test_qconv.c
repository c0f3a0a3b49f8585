/* test_qconv.c — ConvInteger and QLinearConv (issue 18, quantization):
 * through the default pipeline with a numeric check per step, values worked
 * by hand (zero points per tensor and per output channel, pads, groups,
 * QLinearConv's bias, rounding half to even and saturation), refusals by
 * name, the sim costing them as convs on the MAC array at the int8 rate,
 * and the fold-qdq pass on small graphs (weights folded exactly, activation
 * pairs removed, near misses left with a remark). The real-model case is
 * test_fold_qdq_model.c. */
#include <math.h>

#include "check.h"
#include "ops_fixture.h"
#include "nxp.h"
#include "nxs.h"
#include "nxw.h"

/* The default pipeline, each step's outputs within 1e-6 of step 0's. */
static void test_through_default(void)
{
	static const char t[] =
		"graph @qc(%x: u8[1,4,6,6]) -> (%y: i32[1,6,3,3], %q: i8[1,6,6,6]) {\n"
		"  %w = const u8[6,2,3,3] fill(random, seed=3)\n"
		"  %xz = const u8[] dense[7]\n"
		"  %wz = const u8[6] dense[1, 2, 3, 4, 5, 6]\n"
		"  %y = conv_integer(%x, %w, %xz, %wz) {group=2, pads=[1,1,1,1], strides=[2,2]} "
		": i32[1,6,3,3]\n"
		"  %xs = const f32[] dense[0.02]\n"
		"  %wi = const i8[6,4,1,1] fill(random, seed=4)\n"
		"  %ws = const f32[6] dense[0.01, 0.02, 0.03, 0.04, 0.05, 0.06]\n"
		"  %wiz = const i8[] dense[0]\n"
		"  %ys = const f32[] dense[0.5]\n"
		"  %yz = const i8[] dense[-3]\n"
		"  %b = const i32[6] dense[100, -100, 0, 7, 1000, -1000]\n"
		"  %q = qlinear_conv(%x, %xs, %xz, %wi, %ws, %wiz, %ys, %yz, %b) : i8[1,6,6,6]\n"
		"  return %y, %q\n"
		"}\n";
	static const int kinds[] = {NX_OP_CONV_INTEGER, NX_OP_QLINEAR_CONV};
	ops_through_default(t, kinds, (int)(sizeof kinds / sizeof kinds[0]), 1e-6);
}

/* x = [1 2 3; 4 5 6; 7 8 9] - 1 (x_zero_point), one channel; two 2x2
 * filters with zero points 1 and 0:
 *   w0 = [2 1; 1 1] - 1 = [1 0; 0 0]  picks the top-left of each window
 *   w1 = [1 1; 1 1] - 0               sums the window
 * pads [0,0,1,1] (end only): windows at rows/cols 0,1,2, the last ones
 * reading the zero pad (x - x_zp is 0 there: padding is x_zero_point). */
static void test_values(void)
{
	static const char ci[] =
		"graph @v() -> (%y: i32[1,2,3,3]) {\n"
		"  %x = const u8[1,1,3,3] dense[1, 2, 3, 4, 5, 6, 7, 8, 9]\n"
		"  %w = const u8[2,1,2,2] dense[2, 1, 1, 1, 1, 1, 1, 1]\n"
		"  %xz = const u8[] dense[1]\n"
		"  %wz = const u8[2] dense[1, 0]\n"
		"  %y = conv_integer(%x, %w, %xz, %wz) {pads=[0,0,1,1]} : i32[1,2,3,3]\n"
		"  return %y\n"
		"}\n";
	double got[18];
	ops_values(ci, 0, got, 18);
	/* x' = [0 1 2; 3 4 5; 6 7 8] */
	ops_near(got, (const double[]){0, 1, 2, 3, 4, 5, 6, 7, 8,
					   8, 12, 7, 20, 24, 13, 13, 15, 8}, 18, 0);
	/* QLinearConv, 1x1: y = sat(rint((x - 1) * 3 * 0.5 / 1 + bias) + yz).
	 * x' = 0..3 -> 1.5 x' (+ bias 0 or 1 as i32 in the acc's scale):
	 * channel 0 bias 0: 0, 1.5, 3, 4.5 -> 0, 2, 3, 4 (halves to even);
	 * channel 1, w' = 4 - 1 = 3, bias 240: (240 + 3 x') * 0.5 = 120, 121.5,
	 * 123, 124.5 -> 120, 122, 123, 124, + yz 5 -> 125, 127, 128 -> 127,
	 * 129 -> 127. */
	static const char ql[] =
		"graph @v() -> (%y: i8[1,2,2,2]) {\n"
		"  %x = const u8[1,1,2,2] dense[1, 2, 3, 4]\n"
		"  %xs = const f32[] dense[0.5]\n"
		"  %xz = const u8[] dense[1]\n"
		"  %w = const i8[2,1,1,1] dense[3, 4]\n"
		"  %ws = const f32[] dense[1.0]\n"
		"  %wz = const i8[2] dense[0, 1]\n"
		"  %ys = const f32[] dense[1.0]\n"
		"  %yz = const i8[] dense[5]\n"
		"  %b = const i32[2] dense[0, 240]\n"
		"  %y = qlinear_conv(%x, %xs, %xz, %w, %ws, %wz, %ys, %yz, %b) : i8[1,2,2,2]\n"
		"  return %y\n"
		"}\n";
	ops_values(ql, 0, got, 8);
	ops_near(got, (const double[]){5, 7, 8, 9, 125, 127, 127, 127}, 8, 0);
}

static void test_refusals(void)
{
	ops_refused("graph @b(%x: f32[1,2,3,3], %w: u8[2,2,1,1]) -> (%y: i32[1,2,3,3]) {\n"
		"  %y = conv_integer(%x, %w) : i32[1,2,3,3]\n  return %y\n}\n",
		"op %y (conv_integer): operand 0");
	ops_refused("graph @b(%x: u8[1,2,3,3], %w: u8[2,2,1,1], %z: u8[3]) -> (%y: i32[1,2,3,3]) {\n"
		"  %y = conv_integer(%x, %w, %z) : i32[1,2,3,3]\n  return %y\n}\n",
		"op %y (conv_integer): x_zero_point is u8[3]: expected one element");
	ops_refused("graph @b(%x: u8[1,2,3,3], %s: f32[], %z: u8[], %w: i8[2,2,1,1], %ws: f32[3], "
		"%wz: i8[]) -> (%y: u8[1,2,3,3]) {\n"
		"  %y = qlinear_conv(%x, %s, %z, %w, %ws, %wz, %s, %z) : u8[1,2,3,3]\n"
		"  return %y\n}\n",
		"op %y (qlinear_conv): w_scale is f32[3]: expected one element (per tensor) or "
		"one per output channel");
	ops_refused("graph @b(%x: u8[1,2,3,3], %s: f32[], %z: u8[], %w: i8[2,2,1,1], %wz: i8[], "
		"%b: f32[2]) -> (%y: u8[1,2,3,3]) {\n"
		"  %y = qlinear_conv(%x, %s, %z, %w, %s, %wz, %s, %z, %b) : u8[1,2,3,3]\n"
		"  return %y\n}\n",
		"op %y (qlinear_conv): bias is f32[2], expected i32[2]");
	ops_refused("graph @b(%x: u8[1,2,3,3], %w: u8[2,2,5,5]) -> (%y: i32[1,2,3,3]) {\n"
		"  %y = conv_integer(%x, %w) : i32[1,2,3,3]\n  return %y\n}\n",
		"op %y (conv_integer): kernel extent 5");
}

/* The cost of the one op of kind in g on target t. */
static nxs_cost cost_of(nx_graph *g, int kind, const nx_target *t)
{
	nxs_cost c = {0};
	NX_FOR_OPS(g, o)
		if (g->ops[o].kind == kind) {
			nxs_opinv inv;
			nxs_prep_op(g, o, NULL, &inv);
			inv.cpu = nx_target_on_cpu(g, o, t);
			nxs_cost_op(&inv, t, &c);
		}
	return c;
}

/* qlinear_conv and qlinear_matmul: the MACs of the conv / GEMM they are,
 * at the int8 rate (on a17pro twice the fp16 rate: fewer cycles than the
 * same conv in f16), on the NE. conv_integer's i32 result is not an NE
 * dtype: CPU fallback, with its MACs. */
static void test_sim(void)
{
	static const char q[] =
		"graph @s(%x: u8[1,64,32,32], %a: u8[64,256]) -> (%y: u8[1,64,32,32], "
		"%z: i32[1,64,32,32], %m: u8[64,128]) {\n"
		"  %s = const f32[] dense[0.1]\n"
		"  %xz = const u8[] dense[128]\n"
		"  %w = const i8[64,64,3,3] fill(random, seed=1)\n"
		"  %wz = const i8[] dense[0]\n"
		"  %y = qlinear_conv(%x, %s, %xz, %w, %s, %wz, %s, %xz) {pads=[1,1,1,1]} "
		": u8[1,64,32,32]\n"
		"  %z = conv_integer(%x, %w, %xz, %wz) {pads=[1,1,1,1]} : i32[1,64,32,32]\n"
		"  %b = const u8[256,128] fill(random, seed=2)\n"
		"  %m = qlinear_matmul(%a, %s, %xz, %b, %s, %xz, %s, %xz) : u8[64,128]\n"
		"  return %y, %z, %m\n"
		"}\n";
	static const char f[] =
		"graph @s(%x: f16[1,64,32,32]) -> (%y: f16[1,64,32,32]) {\n"
		"  %w = const f16[64,64,3,3] fill(random, seed=1)\n"
		"  %y = conv(%x, %w) {pads=[1,1,1,1]} : f16[1,64,32,32]\n"
		"  return %y\n"
		"}\n";
	nx_graph *gq = ops_parse(q), *gf = ops_parse(f);
	nx_target tt;
	nx_err e;
	CHECK_EQ_INT(nx_target_preset("a17pro", &tt, &e), 0);
	const nx_target *t = &tt;
	if (!gq || !gf)
		goto out;
	double macs = 32.0 * 32 * 64 * 64 * 9;
	nxs_cost cq = cost_of(gq, NX_OP_QLINEAR_CONV, t), cf = cost_of(gf, NX_OP_CONV, t);
	CHECK(!cq.cpu);
	CHECK(cq.macs == macs);
	CHECK(cf.macs == macs);
	CHECK(cq.compute_cycles > 0 && cq.compute_cycles < cf.compute_cycles);
	nxs_cost ci = cost_of(gq, NX_OP_CONV_INTEGER, t);
	CHECK(ci.cpu);
	CHECK(ci.macs == macs);
	nxs_cost cm = cost_of(gq, NX_OP_QLINEAR_MATMUL, t);
	CHECK(!cm.cpu);
	CHECK(cm.macs == 64.0 * 256 * 128);
out:
	nx_graph_free(gq);
	nx_graph_free(gf);
}

/* Runs pass name (with options) on g; returns its remarks joined. */
static void run_pass(nx_graph *g, const char *name, const char *opts, char *remarks, size_t n)
{
	const nxp_pass *p = nxp_find(name);
	CHECK(p != NULL);
	nxp_ctx ctx;
	nxp_ctx_init(&ctx, p, -1);
	if (opts)
		CHECK_EQ_INT(nxp_ctx_set_options(&ctx, opts), 0);
	int rc = nxp_run(p, g, &ctx);
	if (rc)
		fprintf(stderr, "%s\n", ctx.err.msg);
	CHECK_EQ_INT(rc, 0);
	nx_err e;
	CHECK_EQ_INT(nx_verify(g, &e), 0);
	size_t k = 0;
	remarks[0] = 0;
	for (uint32_t i = 0; i < ctx.n_remarks && k + 2 < n; i++)
		k += (size_t)snprintf(remarks + k, n - k, "%s\n", ctx.remarks[i]);
	nxp_ctx_free(&ctx);
}

static int count_kind(const nx_graph *g, int kind)
{
	int n = 0;
	NX_FOR_OPS(g, o)
		n += g->ops[o].kind == kind;
	return n;
}

/* Max |a - b| over output 0 of two graphs run on the same seeded input. */
static double max_diff(nx_graph *a, nx_graph *b)
{
	nx_tensor in = nx_tensor_alloc(nx_vtype(a, a->inputs[0]));
	for (int64_t i = 0; i < nx_tensor_numel(&in); i++)
		nx_tensor_set(&in, i, sin(0.37 * (double)i) * 2.0);
	nx_run_result ra, rb;
	nx_err e;
	double d = INFINITY;
	int rc1 = nx_run(a, &in, 1, NULL, &ra, &e);
	int rc2 = nx_run(b, &in, 1, NULL, &rb, &e);
	CHECK_EQ_INT(rc1, 0);
	CHECK_EQ_INT(rc2, 0);
	if (!rc1 && !rc2) {
		d = 0;
		for (int64_t i = 0; i < nx_tensor_numel(&ra.outputs[0]); i++)
			d = fmax(d, fabs(nx_tensor_get(&ra.outputs[0], i) -
					 nx_tensor_get(&rb.outputs[0], i)));
	}
	if (!rc1)
		nx_run_result_free(&ra);
	if (!rc2)
		nx_run_result_free(&rb);
	nx_tensor_free(&in);
	return d;
}

static const char qdq[] =
	"graph @qdq(%x: f32[1,2,4,4]) -> (%y: f32[1,3,4,4]) {\n"
	"  %s = const f32[] dense[0.02]\n"
	"  %z = const i8[] dense[0]\n"
	"  %xq = quantize_linear(%x, %s, %z) : i8[1,2,4,4]\n"
	"  %xd = dequantize_linear(%xq, %s, %z) : f32[1,2,4,4]\n"
	"  %wq = const i8[3,2,3,3] fill(random, seed=7)\n"
	"  %wsc = const f32[3] dense[0.01, 0.002, 0.03]\n"
	"  %wd = dequantize_linear(%wq, %wsc) {axis=0} : f32[3,2,3,3]\n"
	"  %b = const f32[3] dense[0.1, -0.2, 0.3]\n"
	"  %y = conv(%xd, %wd, %b) {pads=[1,1,1,1]} : f32[1,3,4,4]\n"
	"  return %y\n"
	"}\n";

/* The weight fold alone is exact; the activation pair's removal differs by
 * at most its rounding (s/2 per input element, times sum |w|). */
static void test_fold_qdq(void)
{
	nx_graph *g0 = ops_parse(qdq), *g1 = ops_parse(qdq), *g2 = ops_parse(qdq);
	if (!g0 || !g1 || !g2)
		goto out;
	char rem[2048];
	run_pass(g1, "fold-qdq", "activations=false", rem, sizeof rem);
	CHECK_CONTAINS(rem, "folded %wd (dequantize_linear, i8) into %y (conv): i8 weight, "
		       "3 scales");
	CHECK_EQ_INT(count_kind(g1, NX_OP_DEQUANTIZE_LINEAR), 1);
	NX_FOR_OPS(g1, o)
		if (g1->ops[o].kind == NX_OP_CONV) {
			uint32_t n;
			const float *ws = nx_attr_floats(g1, o, "w_scale", &n);
			CHECK(ws && n == 3 && ws[1] == 0.002f);
			CHECK_EQ_INT(nx_vtype(g1, nx_operand(g1, o, 1))->dtype, NX_I8);
		}
	CHECK(max_diff(g0, g1) == 0);
	run_pass(g2, "fold-qdq", NULL, rem, sizeof rem);
	CHECK_CONTAINS(rem, "folded the activation pair %xq -> %xd away: %xd reads %x");
	CHECK_EQ_INT(count_kind(g2, NX_OP_DEQUANTIZE_LINEAR), 0);
	CHECK_EQ_INT(count_kind(g2, NX_OP_QUANTIZE_LINEAR), 0);
	/* sum |w| per output <= 18 * 127 * 0.03; rounding <= 0.01 per input */
	double d = max_diff(g0, g2);
	CHECK(d > 0 && d <= 0.01 * 18 * 127 * 0.03);
out:
	nx_graph_free(g0);
	nx_graph_free(g1);
	nx_graph_free(g2);
}

/* Near misses stay, each with its reason: a u8 weight whose zero point
 * leaves q - zp outside i8, scales on the wrong axis, a pair whose scales
 * differ. */
static void test_fold_qdq_left(void)
{
	static const char t[] =
		"graph @l(%x: f32[1,2,4,4]) -> (%y: f32[1,1,4,4], %v: f32[1,3,4,4]) {\n"
		"  %s = const f32[] dense[0.02]\n"
		"  %s2 = const f32[] dense[0.04]\n"
		"  %z = const u8[] dense[0]\n"
		"  %xq = quantize_linear(%x, %s, %z) : u8[1,2,4,4]\n"
		"  %xd = dequantize_linear(%xq, %s2, %z) : f32[1,2,4,4]\n"
		"  %wq = const u8[1,2,1,1] dense[200, 10]\n"
		"  %wd = dequantize_linear(%wq, %s, %z) : f32[1,2,1,1]\n"
		"  %y = conv(%xd, %wd) : f32[1,1,4,4]\n"
		"  %vq = const i8[3,2,3,3] fill(ones)\n"
		"  %vs = const f32[2] dense[0.1, 0.2]\n"
		"  %vd = dequantize_linear(%vq, %vs) {axis=1} : f32[3,2,3,3]\n"
		"  %v = conv(%x, %vd) {pads=[1,1,1,1]} : f32[1,3,4,4]\n"
		"  return %y, %v\n"
		"}\n";
	nx_graph *g = ops_parse(t);
	if (!g)
		return;
	char rem[2048];
	run_pass(g, "fold-qdq", NULL, rem, sizeof rem);
	CHECK_CONTAINS(rem, "left %y (conv): weight %wd minus its zero point leaves i8");
	CHECK_CONTAINS(rem, "left %v (conv): its scales are not per tensor nor per output "
		       "channel");
	CHECK_CONTAINS(rem, "left %xd: its quantize_linear %xq has other or non-constant scales");
	CHECK_EQ_INT(count_kind(g, NX_OP_DEQUANTIZE_LINEAR), 3);
	nx_graph_free(g);
}

/* fold-batchnorm after fold-qdq (a QDQ model exported with its batch
 * norms): the int8 weight's w_scale takes the norm's factor, the outputs
 * stay (float rounding of W * s * a apart). */
static void test_fold_bn_int8(void)
{
	static const char t[] =
		"graph @bn(%x: f32[1,2,4,4]) -> (%y: f32[1,3,4,4]) {\n"
		"  %wq = const i8[3,2,3,3] fill(random, seed=9)\n"
		"  %wsc = const f32[3] dense[0.01, 0.002, 0.03]\n"
		"  %wd = dequantize_linear(%wq, %wsc) {axis=0} : f32[3,2,3,3]\n"
		"  %c = conv(%x, %wd) {pads=[1,1,1,1]} : f32[1,3,4,4]\n"
		"  %s = const f32[3] dense[2.0, 1.0, 0.5]\n"
		"  %b = const f32[3] dense[0.1, 0.2, 0.3]\n"
		"  %m = const f32[3] dense[0.0, 1.0, -1.0]\n"
		"  %v = const f32[3] dense[1.0, 4.0, 0.25]\n"
		"  %y = batch_norm(%c, %s, %b, %m, %v) : f32[1,3,4,4]\n"
		"  return %y\n"
		"}\n";
	nx_graph *g0 = ops_parse(t), *g1 = ops_parse(t);
	if (!g0 || !g1)
		goto out;
	char rem[2048];
	run_pass(g1, "fold-qdq", NULL, rem, sizeof rem);
	run_pass(g1, "fold-batchnorm", NULL, rem, sizeof rem);
	CHECK_CONTAINS(rem, "folded %y (batch_norm) into %c (conv)");
	CHECK_EQ_INT(count_kind(g1, NX_OP_BATCH_NORM), 0);
	NX_FOR_OPS(g1, o)
		if (g1->ops[o].kind == NX_OP_CONV) {
			uint32_t n;
			const float *ws = nx_attr_floats(g1, o, "w_scale", &n);
			CHECK(ws && n == 3 && fabsf(ws[0] - 0.02f) < 1e-6f);
			CHECK_EQ_INT(nx_vtype(g1, nx_operand(g1, o, 1))->dtype, NX_I8);
		}
	double d = max_diff(g0, g1);
	CHECK(d <= 1e-5);
out:
	nx_graph_free(g0);
	nx_graph_free(g1);
}

static const check_case cases[] = {
	{"fold_bn_int8", test_fold_bn_int8},
	{"through_default", test_through_default},
	{"values", test_values},
	{"refusals", test_refusals},
	{"sim", test_sim},
	{"fold_qdq", test_fold_qdq},
	{"fold_qdq_left", test_fold_qdq_left},
	{NULL, NULL},
};

int main(int argc, char **argv)
{
	return check_main(cases, argc, argv);
}
