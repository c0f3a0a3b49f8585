/* test_ops_numeric.c — the ops of issue 18 (comparison and logic, maths,
 * activations, reductions and indices, tensor ops, normalisation,
 * QuantizeLinear/DequantizeLinear, the loss ops, MatMulInteger and
 * QLinearMatMul): each family as a small graph through the default pipeline
 * with the numeric check after every step (outputs within 1e-6 relative of
 * step 0's on seeded inputs, every step verifying), and the values the
 * kernels must give where the ONNX backend tests cannot say (CumSum's tests
 * are all f64, which nex lacks) or where the rule is easy to get wrong
 * (Mod's sign, Round's ties, Hardmax's first maximum, exact int64 compare,
 * broadcasting Where). */
#include <math.h>

#include "check.h"
#include "ops_fixture.h"
#include "nxw.h"

static void test_logic_pipeline(void)
{
	static const char t[] =
		"graph @logic(%x: f32[2,3,4], %y: f32[3,1]) -> (%w: f32[2,3,4], %m: bool[2,3,4], "
		"%s: f32[2,3,4]) {\n"
		"  %lt = less(%x, %y) : bool[2,3,4]\n"
		"  %le = less_equal(%x, %y) : bool[2,3,4]\n"
		"  %gt = greater(%x, %y) : bool[2,3,4]\n"
		"  %ge = greater_equal(%x, %y) : bool[2,3,4]\n"
		"  %eq = equal(%x, %x) : bool[2,3,4]\n"
		"  %a = and(%lt, %eq) : bool[2,3,4]\n"
		"  %o = or(%gt, %le) : bool[2,3,4]\n"
		"  %xo = xor(%a, %o) : bool[2,3,4]\n"
		"  %n = not(%ge) : bool[2,3,4]\n"
		"  %nan = is_nan(%x) : bool[2,3,4]\n"
		"  %inf = is_inf(%x) {detect_negative=0} : bool[2,3,4]\n"
		"  %bad = or(%nan, %inf) : bool[2,3,4]\n"
		"  %ok = not(%bad) : bool[2,3,4]\n"
		"  %k = and(%xo, %n) : bool[2,3,4]\n"
		"  %m = and(%k, %ok) : bool[2,3,4]\n"
		"  %w = where(%lt, %x, %y) : f32[2,3,4]\n"
		"  %s = sign(%x) : f32[2,3,4]\n"
		"  return %w, %m, %s\n"
		"}\n";
	static const int kinds[] = {NX_OP_EQUAL, NX_OP_LESS, NX_OP_LESS_EQUAL, NX_OP_GREATER,
				    NX_OP_GREATER_EQUAL, NX_OP_AND, NX_OP_OR, NX_OP_XOR,
				    NX_OP_NOT, NX_OP_WHERE, NX_OP_IS_NAN, NX_OP_IS_INF,
				    NX_OP_SIGN};
	ops_through_default(t, kinds, (int)(sizeof kinds / sizeof kinds[0]), 1e-6);
}

static void test_math_pipeline(void)
{
	/* x in [-1, 1): every function below is defined there (acosh on
	 * 2 + x, atanh on x / 2). */
	static const char t[] =
		"graph @math(%x: f32[1,4,3,3], %y: f32[1,4,1,1], %i: i32[4]) -> (%a: f32[1,4,3,3], "
		"%b: f32[1,4,3,3], %c: f32[1,4,3,3], %r: i32[4], %u: u8[4]) {\n"
		"  %two = const f32[1] dense[2.0]\n"
		"  %s1 = sin(%x) : f32[1,4,3,3]\n"
		"  %s2 = cos(%s1) : f32[1,4,3,3]\n"
		"  %s3 = tan(%s2) : f32[1,4,3,3]\n"
		"  %s4 = asin(%x) : f32[1,4,3,3]\n"
		"  %s5 = acos(%x) : f32[1,4,3,3]\n"
		"  %s6 = atan(%s5) : f32[1,4,3,3]\n"
		"  %s7 = sinh(%x) : f32[1,4,3,3]\n"
		"  %s8 = cosh(%x) : f32[1,4,3,3]\n"
		"  %s9 = asinh(%s8) : f32[1,4,3,3]\n"
		"  %p2 = add(%x, %two) : f32[1,4,3,3]\n"
		"  %s10 = acosh(%p2) : f32[1,4,3,3]\n"
		"  %h = div(%x, %two) : f32[1,4,3,3]\n"
		"  %s11 = atanh(%h) : f32[1,4,3,3]\n"
		"  %a = sum(%s3, %s4, %s6, %s7, %y) : f32[1,4,3,3]\n"
		"  %b = mean(%s9, %s10, %s11) : f32[1,4,3,3]\n"
		"  %ten = const f32[1] dense[10.0]\n"
		"  %t = mul(%x, %ten) : f32[1,4,3,3]\n"
		"  %f = floor(%t) : f32[1,4,3,3]\n"
		"  %ce = ceil(%t) : f32[1,4,3,3]\n"
		"  %ro = round(%t) : f32[1,4,3,3]\n"
		"  %three = const f32[1] dense[3.0]\n"
		"  %md = mod(%ro, %three) {fmod=1} : f32[1,4,3,3]\n"
		"  %fc = sum(%f, %ce, %md) : f32[1,4,3,3]\n"
		"  %c = cum_sum(%fc) {axis=1, exclusive=1} : f32[1,4,3,3]\n"
		"  %k = const i32[4] dense[-7, 7, -5, 9]\n"
		"  %d = const i32[4] dense[3, -3, 2, 4]\n"
		"  %ik = add(%i, %k) : i32[4]\n"
		"  %r = mod(%ik, %d) : i32[4]\n"
		"  %v = const u8[4] dense[1, 2, 128, 255]\n"
		"  %sh = const u8[4] dense[1, 3, 1, 9]\n"
		"  %iu = cast(%i) {to=\"u8\"} : u8[4]\n"
		"  %vv = add(%v, %iu) : u8[4]\n"
		"  %u = bit_shift(%vv, %sh) {direction=\"LEFT\"} : u8[4]\n"
		"  return %a, %b, %c, %r, %u\n"
		"}\n";
	static const int kinds[] = {NX_OP_SIN, NX_OP_COS, NX_OP_TAN, NX_OP_ASIN, NX_OP_ACOS,
				    NX_OP_ATAN, NX_OP_SINH, NX_OP_COSH, NX_OP_ASINH,
				    NX_OP_ACOSH, NX_OP_ATANH, NX_OP_FLOOR, NX_OP_CEIL,
				    NX_OP_ROUND, NX_OP_MOD, NX_OP_BIT_SHIFT, NX_OP_SUM,
				    NX_OP_MEAN, NX_OP_CUM_SUM};
	ops_through_default(t, kinds, (int)(sizeof kinds / sizeof kinds[0]), 1e-6);
}

static void test_act_pipeline(void)
{
	/* A conv in front, so fuse-activation and layout-ne have something
	 * to consider next to the new activations. */
	static const char t[] =
		"graph @act(%x: f32[1,2,4,4]) -> (%y: f32[1,2,4,4], %h: f32[1,2,4,4]) {\n"
		"  %w = const f32[2,2,1,1] dense[0.5, -1.0, 2.0, 0.25]\n"
		"  %c = conv(%x, %w) : f32[1,2,4,4]\n"
		"  %e1 = elu(%c) {alpha=0.5} : f32[1,2,4,4]\n"
		"  %e2 = selu(%e1) : f32[1,2,4,4]\n"
		"  %e3 = celu(%e2) {alpha=2.0} : f32[1,2,4,4]\n"
		"  %e4 = thresholded_relu(%c) {alpha=0.1} : f32[1,2,4,4]\n"
		"  %e5 = shrink(%c) {bias=0.1, lambd=0.2} : f32[1,2,4,4]\n"
		"  %e6 = softsign(%e5) : f32[1,2,4,4]\n"
		"  %e7 = mish(%e3) : f32[1,2,4,4]\n"
		"  %y = sum(%e4, %e6, %e7) : f32[1,2,4,4]\n"
		"  %h = hardmax(%c) {axis=1} : f32[1,2,4,4]\n"
		"  return %y, %h\n"
		"}\n";
	static const int kinds[] = {NX_OP_ELU, NX_OP_SELU, NX_OP_CELU, NX_OP_THRESHOLDED_RELU,
				    NX_OP_SHRINK, NX_OP_SOFTSIGN, NX_OP_MISH, NX_OP_HARDMAX};
	ops_through_default(t, kinds, (int)(sizeof kinds / sizeof kinds[0]), 1e-6);
}

static void test_reduce_pipeline(void)
{
	/* Reductions after a conv (so tile and layout-ne see them), and the
	 * index ops on its result. */
	static const char t[] =
		"graph @red(%x: f32[1,3,4,5]) -> (%a: f32[1,3,1,1], %b: f32[1,1,4,5], %c: f32[3,5], "
		"%d: f32[1,3,4,1], %e: f32[1,3,1,5], %f: f32[1,3,4,1], %g: f32[1,1,1,1], "
		"%i: i64[1,3,5], %j: i64[1,3,4,1], %v: f32[1,3,4,2], %k: i64[1,3,4,2]) {\n"
		"  %w = const f32[3,3,1,1] dense[0.5, -1.0, 2.0, 0.25, 1.0, -0.5, 1.5, 0.5, -2.0]\n"
		"  %y = conv(%x, %w) : f32[1,3,4,5]\n"
		"  %a = reduce_min(%y) {axes=[2,3]} : f32[1,3,1,1]\n"
		"  %b = reduce_prod(%y) {axes=[1]} : f32[1,1,4,5]\n"
		"  %c = reduce_l1(%y) {axes=[0,2], keepdims=0} : f32[3,5]\n"
		"  %d = reduce_l2(%y) {axes=[-1]} : f32[1,3,4,1]\n"
		"  %sq = reduce_sum_square(%y) {axes=[2]} : f32[1,3,1,5]\n"
		"  %e = reduce_log_sum(%sq) {axes=[0]} : f32[1,3,1,5]\n"
		"  %f = reduce_log_sum_exp(%y) {axes=[3]} : f32[1,3,4,1]\n"
		"  %g = reduce_min(%y) : f32[1,1,1,1]\n"
		"  %i = arg_max(%y) {axis=2, keepdims=0} : i64[1,3,5]\n"
		"  %j = arg_min(%y) {axis=-1, select_last_index=1} : i64[1,3,4,1]\n"
		"  %v, %k = top_k(%y) {k=2} : f32[1,3,4,2], i64[1,3,4,2]\n"
		"  return %a, %b, %c, %d, %e, %f, %g, %i, %j, %v, %k\n"
		"}\n";
	static const int kinds[] = {NX_OP_REDUCE_MIN, NX_OP_REDUCE_PROD, NX_OP_REDUCE_L1,
				    NX_OP_REDUCE_L2, NX_OP_REDUCE_LOG_SUM,
				    NX_OP_REDUCE_LOG_SUM_EXP, NX_OP_REDUCE_SUM_SQUARE,
				    NX_OP_ARG_MAX, NX_OP_ARG_MIN, NX_OP_TOP_K};
	ops_through_default(t, kinds, (int)(sizeof kinds / sizeof kinds[0]), 1e-6);
}

static void test_tensor_pipeline(void)
{
	/* The index inputs are seeded 0 by the session: constant indices
	 * next to them make the gathers and scatters pick real positions. */
	static const char t[] =
		"graph @ten(%x: f32[1,8,2,3], %i: i64[2,3]) -> (%a: f32[1,8,2,3], %b: f32[1,2,4,6], "
		"%c: f32[1,8,2,3], %d: f32[2,2,3], %e: f32[1,8,2,3], %f: f32[2,3,4], %g: f32[4,6], "
		"%h: f32[1,8,4,9]) {\n"
		"  %w = const f32[8,8,1,1] fill(random, seed=3)\n"
		"  %y = conv(%x, %w) : f32[1,8,2,3]\n"
		"  %a = trilu(%y) {upper=0, k=1} : f32[1,8,2,3]\n"
		"  %b = depth_to_space(%y) {blocksize=2, mode=\"CRD\"} : f32[1,2,4,6]\n"
		"  %s = space_to_depth(%b) {blocksize=2} : f32[1,8,2,3]\n"
		"  %gi = const i64[1,8,2,3] dense[0, 1, 1, 0, 1, 0, 1, 1, 0, 0, 1, 1, 0, 1, 0, 1, 0, "
		"1, 1, 1, 0, 0, 0, 1, 0, 1, 1, 0, 1, 0, 1, 1, 0, 0, 1, 1, 0, 1, 0, 1, 0, 1, 1, 1, 0, 0, "
		"0, 1]\n"
		"  %c = gather_elements(%s, %gi) {axis=2} : f32[1,8,2,3]\n"
		"  %ni = const i64[2,2] dense[0, 3, 0, 5]\n"
		"  %d = gather_nd(%y, %ni) : f32[2,2,3]\n"
		"  %u = const f32[2,2,3] dense[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]\n"
		"  %e0 = scatter_nd(%y, %ni, %u) {reduction=\"add\"} : f32[1,8,2,3]\n"
		"  %e = scatter_elements(%e0, %gi, %c) {axis=2, reduction=\"max\"} : f32[1,8,2,3]\n"
		"  %ii = add(%i, %i) : i64[2,3]\n"
		"  %oh = const i64[2,3] dense[0, 3, -1, 2, 7, 1]\n"
		"  %hot = add(%ii, %oh) : i64[2,3]\n"
		"  %vals = const f32[2] dense[-1.0, 2.0]\n"
		"  %f = one_hot(%hot, %vals) {depth=4} : f32[2,3,4]\n"
		"  %g0 = squeeze(%b) {axes=[0]} : f32[2,4,6]\n"
		"  %g1 = reduce_sum(%g0) {axes=[0], keepdims=0} : f32[4,6]\n"
		"  %ey = eye_like(%g1) {k=1} : f32[4,6]\n"
		"  %g = mul(%g1, %ey) : f32[4,6]\n"
		"  %rl = const i64[8] dense[1, 2, 1, 2, 2, 1, 2, 2]\n"
		"  %r0 = squeeze(%y) {axes=[0]} : f32[8,2,3]\n"
		"  %r1 = reverse_sequence(%r0, %rl) {batch_axis=0, time_axis=1} : f32[8,2,3]\n"
		"  %r2 = unsqueeze(%r1) {axes=[0]} : f32[1,8,2,3]\n"
		"  %h = tile(%r2) {repeats=[1,1,2,3]} : f32[1,8,4,9]\n"
		"  return %a, %b, %c, %d, %e, %f, %g, %h\n"
		"}\n";
	static const int kinds[] = {NX_OP_TRILU, NX_OP_DEPTH_TO_SPACE, NX_OP_SPACE_TO_DEPTH,
				    NX_OP_GATHER_ELEMENTS, NX_OP_GATHER_ND, NX_OP_SCATTER_ND,
				    NX_OP_SCATTER_ELEMENTS, NX_OP_ONE_HOT, NX_OP_EYE_LIKE,
				    NX_OP_TILE, NX_OP_REVERSE_SEQUENCE};
	ops_through_default(t, kinds, (int)(sizeof kinds / sizeof kinds[0]), 1e-6);
}

static void test_norm_pipeline(void)
{
	static const char t[] =
		"graph @norm(%x: f32[2,4,3,3]) -> (%a: f32[2,4,3,3], %b: f32[2,4,3,3], %c: f32[2,4,3,3], "
		"%q2: f32[2,4,3,3], %m: f32[2,4,1,1], %s: f32[2,4,1,1]) {\n"
		"  %w = const f32[4,4,1,1] fill(random, seed=5)\n"
		"  %h = conv(%x, %w) : f32[2,4,3,3]\n"
		"  %sc = const f32[4] dense[1.0, 0.5, 2.0, -1.0]\n"
		"  %bi = const f32[4] dense[0.0, 0.1, -0.2, 0.3]\n"
		"  %a = instance_norm(%h, %sc, %bi) {epsilon=0.001} : f32[2,4,3,3]\n"
		"  %b = lrn(%h) {size=3, alpha=0.01} : f32[2,4,3,3]\n"
		"  %c = mvn(%h) : f32[2,4,3,3]\n"
		"  %g = const f32[3,3] fill(ones)\n"
		"  %y, %m, %s = layer_norm(%h, %g) {axis=2} : f32[2,4,3,3], f32[2,4,1,1], f32[2,4,1,1]\n"
		"  %qs = const f32[4] dense[0.01, 0.02, 0.05, 0.1]\n"
		"  %qz = const i8[4] dense[0, 3, -5, 10]\n"
		"  %q = quantize_linear(%y, %qs, %qz) : i8[2,4,3,3]\n"
		"  %d = dequantize_linear(%q, %qs, %qz) : f32[2,4,3,3]\n"
		"  %ts = const f32[1] dense[0.05]\n"
		"  %tq = quantize_linear(%d, %ts) : u8[2,4,3,3]\n"
		"  %q1 = dequantize_linear(%tq, %ts) : f32[2,4,3,3]\n"
		"  %dq, %dqs, %dqz = dynamic_quantize_linear(%q1) : u8[2,4,3,3], f32[], u8[]\n"
		"  %q2 = dequantize_linear(%dq, %dqs, %dqz) : f32[2,4,3,3]\n"
		"  return %a, %b, %c, %q2, %m, %s\n"
		"}\n";
	static const int kinds[] = {NX_OP_INSTANCE_NORM, NX_OP_LRN, NX_OP_MVN, NX_OP_LAYER_NORM,
				    NX_OP_QUANTIZE_LINEAR, NX_OP_DEQUANTIZE_LINEAR,
				    NX_OP_DYNAMIC_QUANTIZE_LINEAR};
	ops_through_default(t, kinds, (int)(sizeof kinds / sizeof kinds[0]), 1e-6);
}

static void test_values(void)
{
	double got[16];
	/* Mod: fmod=0 takes the divisor's sign, fmod=1 the dividend's. */
	static const char mod[] =
		"graph @m() -> (%a: i64[4], %b: i64[4]) {\n"
		"  %x = const i64[4] dense[-7, 7, -7, 9223372036854775807]\n"
		"  %d = const i64[4] dense[3, -3, -3, 10]\n"
		"  %a = mod(%x, %d) : i64[4]\n"
		"  %b = mod(%x, %d) {fmod=1} : i64[4]\n"
		"  return %a, %b\n"
		"}\n";
	ops_values(mod, 0, got, 4);
	ops_near(got, (const double[]){2, -2, -1, 7}, 4, 1e-6);
	ops_values(mod, 1, got, 4);
	ops_near(got, (const double[]){-1, 1, -1, 7}, 4, 1e-6);
	/* Round: halves to even; Floor/Ceil on negatives. */
	static const char rnd[] =
		"graph @r() -> (%a: f32[6], %b: f32[6], %c: f32[6]) {\n"
		"  %x = const f32[6] dense[0.5, 1.5, 2.5, -0.5, -1.5, 2.6]\n"
		"  %a = round(%x) : f32[6]\n"
		"  %b = floor(%x) : f32[6]\n"
		"  %c = ceil(%x) : f32[6]\n"
		"  return %a, %b, %c\n"
		"}\n";
	ops_values(rnd, 0, got, 6);
	ops_near(got, (const double[]){0, 2, 2, -0.0, -2, 3}, 6, 1e-6);
	ops_values(rnd, 1, got, 6);
	ops_near(got, (const double[]){0, 1, 2, -1, -2, 2}, 6, 1e-6);
	ops_values(rnd, 2, got, 6);
	ops_near(got, (const double[]){1, 2, 3, -0.0, -1, 3}, 6, 1e-6);
	/* CumSum on axis 1 of [2,3]: plain, exclusive, reverse, both; int64
	 * exact beyond 2^53. */
	static const char cs[] =
		"graph @c() -> (%a: f32[2,3], %b: f32[2,3], %c: f32[2,3], %d: f32[2,3], %e: i64[3]) {\n"
		"  %x = const f32[2,3] dense[1, 2, 3, 4, 5, 6]\n"
		"  %a = cum_sum(%x) {axis=1} : f32[2,3]\n"
		"  %b = cum_sum(%x) {axis=-1, exclusive=1} : f32[2,3]\n"
		"  %c = cum_sum(%x) {axis=1, reverse=1} : f32[2,3]\n"
		"  %d = cum_sum(%x) {axis=0, exclusive=1, reverse=1} : f32[2,3]\n"
		"  %i = const i64[3] dense[9007199254740993, 1, -1]\n"
		"  %e = cum_sum(%i) {axis=0} : i64[3]\n"
		"  return %a, %b, %c, %d, %e\n"
		"}\n";
	ops_values(cs, 0, got, 6);
	ops_near(got, (const double[]){1, 3, 6, 4, 9, 15}, 6, 1e-6);
	ops_values(cs, 1, got, 6);
	ops_near(got, (const double[]){0, 1, 3, 0, 4, 9}, 6, 1e-6);
	ops_values(cs, 2, got, 6);
	ops_near(got, (const double[]){6, 5, 3, 15, 11, 6}, 6, 1e-6);
	ops_values(cs, 3, got, 6);
	ops_near(got, (const double[]){4, 5, 6, 0, 0, 0}, 6, 1e-6);
	{
		nx_err e;
		nx_graph *g = ops_parse(cs);
		nx_run_result r = {0};
		CHECK(g && nx_run(g, NULL, 0, NULL, &r, &e) == 0);
		if (r.outputs) {
			CHECK(nx_tensor_get_int(&r.outputs[4], 1) == 9007199254740994LL);
			CHECK(nx_tensor_get_int(&r.outputs[4], 2) == 9007199254740993LL);
			nx_run_result_free(&r);
		}
		nx_graph_free(g);
	}
	/* Hardmax: the first of equal maxima; Where broadcasting all three;
	 * int64 Equal exact where doubles would merge. */
	static const char hw[] =
		"graph @h() -> (%h: f32[2,3], %w: f32[2,3], %q: bool[2]) {\n"
		"  %x = const f32[2,3] dense[1, 3, 3, -1, -2, -1]\n"
		"  %h = hardmax(%x) : f32[2,3]\n"
		"  %c = const bool[2,1] dense[1, 0]\n"
		"  %a = const f32[3] dense[10, 20, 30]\n"
		"  %b = const f32[1] dense[-5]\n"
		"  %w = where(%c, %a, %b) : f32[2,3]\n"
		"  %i = const i64[2] dense[9007199254740993, 5]\n"
		"  %j = const i64[2] dense[9007199254740992, 5]\n"
		"  %q = equal(%i, %j) : bool[2]\n"
		"  return %h, %w, %q\n"
		"}\n";
	ops_values(hw, 0, got, 6);
	ops_near(got, (const double[]){0, 1, 0, 1, 0, 0}, 6, 1e-6);
	ops_values(hw, 1, got, 6);
	ops_near(got, (const double[]){10, 20, 30, -5, -5, -5}, 6, 1e-6);
	ops_values(hw, 2, got, 2);
	ops_near(got, (const double[]){0, 1}, 2, 1e-6);
	/* Index ops: ties go to the first index (the last with
	 * select_last_index); TopK orders equal values by index. */
	static const char ix[] =
		"graph @i() -> (%a: i64[2], %b: i64[2], %v: f32[2,2], %k: i64[2,2], %s: f32[2,2]) {\n"
		"  %x = const f32[2,4] dense[1, 7, 7, 3, 5, 2, 2, 5]\n"
		"  %a = arg_max(%x) {axis=1, keepdims=0} : i64[2]\n"
		"  %b = arg_min(%x) {axis=1, keepdims=0, select_last_index=1} : i64[2]\n"
		"  %v, %k = top_k(%x) {k=2} : f32[2,2], i64[2,2]\n"
		"  %s, %t = top_k(%x) {k=2, largest=0} : f32[2,2], i64[2,2]\n"
		"  return %a, %b, %v, %k, %s\n"
		"}\n";
	ops_values(ix, 0, got, 2);
	ops_near(got, (const double[]){1, 0}, 2, 1e-6);
	ops_values(ix, 1, got, 2);
	ops_near(got, (const double[]){0, 2}, 2, 1e-6);
	ops_values(ix, 2, got, 4);
	ops_near(got, (const double[]){7, 7, 5, 5}, 4, 1e-6);
	ops_values(ix, 3, got, 4);
	ops_near(got, (const double[]){1, 2, 0, 3}, 4, 1e-6);
	ops_values(ix, 4, got, 4);
	ops_near(got, (const double[]){1, 3, 2, 2}, 4, 1e-6);
	/* Reductions of [[1, -2], [3, 4]] over axis 1. */
	static const char rd[] =
		"graph @r() -> (%a: f32[2], %b: f32[2], %c: f32[2], %d: f32[2], %e: f32[2], "
		"%f: f32[2], %g: f32[2]) {\n"
		"  %x = const f32[2,2] dense[1, -2, 3, 4]\n"
		"  %a = reduce_min(%x) {axes=[1], keepdims=0} : f32[2]\n"
		"  %b = reduce_prod(%x) {axes=[1], keepdims=0} : f32[2]\n"
		"  %c = reduce_l1(%x) {axes=[1], keepdims=0} : f32[2]\n"
		"  %d = reduce_l2(%x) {axes=[1], keepdims=0} : f32[2]\n"
		"  %e = reduce_sum_square(%x) {axes=[1], keepdims=0} : f32[2]\n"
		"  %f = reduce_log_sum_exp(%x) {axes=[1], keepdims=0} : f32[2]\n"
		"  %p = abs(%x) : f32[2,2]\n"
		"  %g = reduce_log_sum(%p) {axes=[1], keepdims=0} : f32[2]\n"
		"  return %a, %b, %c, %d, %e, %f, %g\n"
		"}\n";
	ops_values(rd, 0, got, 2);
	ops_near(got, (const double[]){-2, 3}, 2, 1e-6);
	ops_values(rd, 1, got, 2);
	ops_near(got, (const double[]){-2, 12}, 2, 1e-6);
	ops_values(rd, 2, got, 2);
	ops_near(got, (const double[]){3, 7}, 2, 1e-6);
	ops_values(rd, 3, got, 2);
	ops_near(got, (const double[]){sqrt(5.0), 5}, 2, 1e-6);
	ops_values(rd, 4, got, 2);
	ops_near(got, (const double[]){5, 25}, 2, 1e-6);
	ops_values(rd, 5, got, 2);
	ops_near(got, (const double[]){log(exp(1.0) + exp(-2.0)), log(exp(3.0) + exp(4.0))}, 2, 1e-6);
	ops_values(rd, 6, got, 2);
	ops_near(got, (const double[]){log(3.0), log(7.0)}, 2, 1e-6);
	/* OneHot: negative indices count from depth, out-of-range ones give
	 * no hot element; EyeLike's k shifts the diagonal. */
	static const char oh[] =
		"graph @o() -> (%y: i32[4,3], %e: f32[2,3]) {\n"
		"  %i = const i64[4] dense[0, -1, 5, 1]\n"
		"  %v = const i32[2] dense[7, 9]\n"
		"  %y = one_hot(%i, %v) {depth=3} : i32[4,3]\n"
		"  %z = const f32[2,3] fill(zeros)\n"
		"  %e = eye_like(%z) {k=-1} : f32[2,3]\n"
		"  return %y, %e\n"
		"}\n";
	ops_values(oh, 0, got, 12);
	ops_near(got, (const double[]){9, 7, 7, 7, 7, 9, 7, 7, 7, 7, 9, 7}, 12, 1e-6);
	ops_values(oh, 1, got, 6);
	ops_near(got, (const double[]){0, 0, 0, 1, 0, 0}, 6, 1e-6);
	/* LayerNorm's Mean and InvStdDev of the rows [1, 3] and [2, 2]. */
	static const char ln[] =
		"graph @l() -> (%m: f32[2,1], %s: f32[2,1]) {\n"
		"  %x = const f32[2,2] dense[1, 3, 2, 2]\n"
		"  %g = const f32[2] fill(ones)\n"
		"  %y, %m, %s = layer_norm(%x, %g) {epsilon=0.0} : f32[2,2], f32[2,1], f32[2,1]\n"
		"  return %m, %s\n"
		"}\n";
	ops_values(ln, 0, got, 2);
	ops_near(got, (const double[]){2, 2}, 2, 1e-6);
	ops_values(ln, 1, got, 2);
	CHECK(fabs(got[0] - 1.0) < 1e-6 && isinf(got[1]));
	/* Quantize: halves to even, saturation; per axis 0. */
	static const char qt[] =
		"graph @q() -> (%q: u8[2,3], %d: f32[2,3]) {\n"
		"  %x = const f32[2,3] dense[0.5, 1.5, 300.0, 2.5, -1.0, 3.4]\n"
		"  %s = const f32[2] dense[1.0, 0.5]\n"
		"  %z = const u8[2] dense[0, 10]\n"
		"  %q = quantize_linear(%x, %s, %z) {axis=0} : u8[2,3]\n"
		"  %d = dequantize_linear(%q, %s, %z) {axis=0} : f32[2,3]\n"
		"  return %q, %d\n"
		"}\n";
	ops_values(qt, 0, got, 6);
	ops_near(got, (const double[]){0, 2, 255, 15, 8, 17}, 6, 1e-6);
	ops_values(qt, 1, got, 6);
	ops_near(got, (const double[]){0, 2, 255, 2.5, -1, 3.5}, 6, 1e-6);
	/* Activations at a few points (ONNX formulas). */
	static const char act[] =
		"graph @a() -> (%e: f32[3], %s: f32[3], %t: f32[3], %k: f32[3], %m: f32[3]) {\n"
		"  %x = const f32[3] dense[-1.0, 0.3, 2.0]\n"
		"  %e = elu(%x) {alpha=2.0} : f32[3]\n"
		"  %s = selu(%x) : f32[3]\n"
		"  %t = thresholded_relu(%x) {alpha=0.3} : f32[3]\n"
		"  %k = shrink(%x) {bias=0.5, lambd=0.5} : f32[3]\n"
		"  %m = mish(%x) : f32[3]\n"
		"  return %e, %s, %t, %k, %m\n"
		"}\n";
	ops_values(act, 0, got, 3);
	ops_near(got, (const double[]){2 * (exp(-1.0) - 1), 0.3, 2.0}, 3, 1e-6);
	ops_values(act, 1, got, 3);
	ops_near(got, (const double[]){1.0507009873554805 * 1.6732632423543772 *
					   (exp(-1.0) - 1), 1.0507009873554805 * 0.3,
					   1.0507009873554805 * 2.0}, 3, 1e-6);
	ops_values(act, 2, got, 3);
	ops_near(got, (const double[]){0, 0, 2.0}, 3, 1e-6);
	ops_values(act, 3, got, 3);
	ops_near(got, (const double[]){-0.5, 0, 1.5}, 3, 1e-6);
	ops_values(act, 4, got, 3);
	ops_near(got, (const double[]){-1.0 * tanh(log1p(exp(-1.0))),
					   0.3 * tanh(log1p(exp(0.3))), 2.0 * tanh(log1p(exp(2.0)))},
		     3, 1e-6);
}

/* NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss: through the
 * default pipeline, then values worked by hand: weights and ignore_index
 * enter "mean" as ONNX's reference does (sum of w * loss over sum of w),
 * an all-ignored mean is 0/0 = NaN, a label out of range is a run-time
 * error and labels of the wrong shape are refused by inference. */
static void test_loss(void)
{
	static const char t[] =
		"graph @loss(%x: f32[2,3,4]) -> (%a: f32[], %b: f32[2,4], %c: f32[], %lp: f32[2,3,4]) {\n"
		"  %h = add(%x, %x) : f32[2,3,4]\n"
		"  %t = const i64[2,4] dense[0, 1, 2, -1, 2, 2, 0, 1]\n"
		"  %w = const f32[3] dense[1.0, 0.5, 2.0]\n"
		"  %a = nll_loss(%h, %t, %w) {ignore_index=-1} : f32[]\n"
		"  %b = nll_loss(%h, %t) {reduction=\"none\", ignore_index=-1} : f32[2,4]\n"
		"  %c, %lp = sce_loss(%h, %t, %w) {reduction=\"sum\", ignore_index=-1} : f32[], f32[2,3,4]\n"
		"  return %a, %b, %c, %lp\n"
		"}\n";
	static const int kinds[] = {NX_OP_NLL_LOSS, NX_OP_SCE_LOSS};
	ops_through_default(t, kinds, (int)(sizeof kinds / sizeof kinds[0]), 1e-6);

	double got[4];
	/* scores [[1,2],[3,4]], labels [1,0]: -(2+3)/2; weights [1,3]:
	 * -(3*2 + 1*3)/(3+1); ignore_index=0: only the first, -2/1. */
	static const char v[] =
		"graph @v() -> (%m: f32[], %w: f32[], %i: f32[], %s: f32[], %n: f32[], %e: f32[2]) {\n"
		"  %x = const f32[2,2] dense[1, 2, 3, 4]\n"
		"  %t = const i32[2] dense[1, 0]\n"
		"  %k = const f32[2] dense[1, 3]\n"
		"  %m = nll_loss(%x, %t) : f32[]\n"
		"  %w = nll_loss(%x, %t, %k) : f32[]\n"
		"  %i = nll_loss(%x, %t) {ignore_index=0} : f32[]\n"
		"  %s = sce_loss(%x, %t) {reduction=\"sum\"} : f32[]\n"
		"  %z = const i32[2] dense[7, 7]\n"
		"  %n = nll_loss(%x, %z) {ignore_index=7} : f32[]\n"
		"  %e = sce_loss(%x, %t) {reduction=\"none\"} : f32[2]\n"
		"  return %m, %w, %i, %s, %n, %e\n"
		"}\n";
	ops_values(v, 0, got, 1);
	ops_near(got, (const double[]){-2.5}, 1, 1e-6);
	ops_values(v, 1, got, 1);
	ops_near(got, (const double[]){-2.25}, 1, 1e-6);
	ops_values(v, 2, got, 1);
	ops_near(got, (const double[]){-2}, 1, 1e-6);
	/* log-softmax of [1,2] at 1 and of [3,4] at 0: both rows differ by 1 */
	double l1 = log1p(exp(-1.0)), l0 = 1 + log1p(exp(-1.0));
	ops_values(v, 3, got, 1);
	ops_near(got, (const double[]){l1 + l0}, 1, 1e-6);
	ops_values(v, 4, got, 1);
	CHECK(isnan(got[0]));
	ops_values(v, 5, got, 2);
	ops_near(got, (const double[]){l1, l0}, 2, 1e-6);

	static const char bad[] =
		"graph @b() -> (%y: f32[]) {\n"
		"  %x = const f32[1,2] dense[1, 2]\n"
		"  %t = const i64[1] dense[2]\n"
		"  %y = nll_loss(%x, %t) : f32[]\n"
		"  return %y\n"
		"}\n";
	ops_run_refused(bad, "op %y (nll_loss): label 2 at position 0 is outside [0, 2)");
	static const char shape[] =
		"graph @s(%x: f32[2,3,4], %t: i64[2,3]) -> (%y: f32[]) {\n"
		"  %y = nll_loss(%x, %t) : f32[]\n  return %y\n}\n";
	ops_refused(shape, "op %y (nll_loss): labels i64[2,3] do not match scores f32[2,3,4]");
}

/* MatMulInteger and QLinearMatMul: through the default pipeline, then
 * values worked by hand (zero points per tensor and per row/column, the
 * rounding half to even and the saturation of QLinearMatMul). */
static void test_qmatmul(void)
{
	static const char t[] =
		"graph @qmm(%a: u8[2,3,4], %b: u8[4,5]) -> (%y: i32[2,3,5], %q: u8[2,3,5]) {\n"
		"  %az = const u8[] dense[3]\n"
		"  %bz = const u8[5] dense[1, 2, 3, 4, 5]\n"
		"  %y = matmul_integer(%a, %b, %az, %bz) : i32[2,3,5]\n"
		"  %as = const f32[] dense[0.02]\n"
		"  %bs = const f32[] dense[0.5]\n"
		"  %ys = const f32[] dense[0.25]\n"
		"  %yz = const u8[] dense[10]\n"
		"  %q = qlinear_matmul(%a, %as, %az, %b, %bs, %bz, %ys, %yz) : u8[2,3,5]\n"
		"  return %y, %q\n"
		"}\n";
	static const int kinds[] = {NX_OP_MATMUL_INTEGER, NX_OP_QLINEAR_MATMUL};
	ops_through_default(t, kinds, (int)(sizeof kinds / sizeof kinds[0]), 1e-6);

	/* A = [[1,2],[3,4]] - per-row zp [1,2] = [[0,1],[1,2]];
	 * B = [[5,6],[7,8]] - per-column zp [5,0] = [[0,6],[2,8]];
	 * A'B' = [[2,8],[4,22]]. QLinearMatMul with scale 1*1/4: [0.5, 2, 1, 5.5]
	 * rounds half to even to [0, 2, 1, 6], + 126 saturates i8 at 127. */
	static const char v[] =
		"graph @v() -> (%y: i32[2,2], %q: i8[2,2]) {\n"
		"  %a = const u8[2,2] dense[1, 2, 3, 4]\n"
		"  %b = const u8[2,2] dense[5, 6, 7, 8]\n"
		"  %az = const u8[2] dense[1, 2]\n"
		"  %bz = const u8[2] dense[5, 0]\n"
		"  %y = matmul_integer(%a, %b, %az, %bz) : i32[2,2]\n"
		"  %one = const f32[] dense[1.0]\n"
		"  %ys = const f32[] dense[4.0]\n"
		"  %yz = const i8[] dense[126]\n"
		"  %q = qlinear_matmul(%a, %one, %az, %b, %one, %bz, %ys, %yz) : i8[2,2]\n"
		"  return %y, %q\n"
		"}\n";
	double got[4];
	ops_values(v, 0, got, 4);
	ops_near(got, (const double[]){2, 8, 4, 22}, 4, 1e-6);
	ops_values(v, 1, got, 4);
	ops_near(got, (const double[]){126, 127, 127, 127}, 4, 1e-6);
	static const char bad[] =
		"graph @b(%a: u8[2,3], %b: u8[3,2], %z: u8[3]) -> (%y: i32[2,2]) {\n"
		"  %y = matmul_integer(%a, %b, %z) : i32[2,2]\n  return %y\n}\n";
	ops_refused(bad, "op %y (matmul_integer): a_zero_point has 3 elements");
}

/* What inference refuses, by name. */
static void test_refusals(void)
{
	static const struct {
		const char *text, *msg;
	} cases[] = {
		{"graph @t(%x: f32[2]) -> (%y: f32[2]) {\n  %y = mod(%x, %x) : f32[2]\n  return %y\n}\n",
		 "op %y (mod): fmod=0 on f32: ONNX defines the integer modulus on integers only"},
		{"graph @t(%x: f32[2]) -> (%y: bool[2]) {\n  %y = and(%x, %x) : bool[2]\n  return %y\n}\n",
		 "op %y (and)"},
		{"graph @t(%x: f32[2], %c: f32[2]) -> (%y: f32[2]) {\n  %y = where(%c, %x, %x) : f32[2]\n  return %y\n}\n",
		 "op %y (where)"},
		{"graph @t(%x: u8[2]) -> (%y: u8[2]) {\n  %y = bit_shift(%x, %x) {direction=\"UP\"} : u8[2]\n  return %y\n}\n",
		 "direction=\"UP\" (expected \"LEFT\" or \"RIGHT\")"},
		{"graph @t(%x: f32[2]) -> (%y: f32[2]) {\n  %y = cum_sum(%x) {axis=1} : f32[2]\n  return %y\n}\n",
		 "op %y (cum_sum): axis 1 is out of range for rank 1"},
		{"graph @t(%x: i32[2]) -> (%y: bool[2]) {\n  %y = is_nan(%x) : bool[2]\n  return %y\n}\n",
		 "op %y (is_nan)"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		ops_refused(cases[i].text, cases[i].msg);
	/* an integer modulus by zero is an error at run time */
	static const char z[] =
		"graph @z(%x: i32[2]) -> (%y: i32[2]) {\n  %y = mod(%x, %x) : i32[2]\n  return %y\n}\n";
	nx_graph *g = ops_parse(z);
	if (g) {
		nx_tensor in = nx_tensor_alloc(nx_vtype(g, g->inputs[0]));
		ops_run_fails(g, &in, 1, "op %y (mod): integer modulus by zero");
		nx_tensor_free(&in);
		nx_graph_free(g);
	}
}

int main(int argc, char **argv)
{
	static const check_case cases[] = {
		{"logic_pipeline", test_logic_pipeline},
		{"math_pipeline", test_math_pipeline},
		{"act_pipeline", test_act_pipeline},
		{"reduce_pipeline", test_reduce_pipeline},
		{"tensor_pipeline", test_tensor_pipeline},
		{"norm_pipeline", test_norm_pipeline},
		{"values", test_values},
		{"loss", test_loss},
		{"qmatmul", test_qmatmul},
		{"refusals", test_refusals},
		{NULL, NULL},
	};
	return check_main(cases, argc, argv);
}
