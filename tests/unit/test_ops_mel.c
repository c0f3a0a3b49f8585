/* test_ops_mel.c — mel_weight_matrix (ONNX MelWeightMatrix): through the
 * default pipeline with the numeric check after every step (the edges come
 * from a graph input, so the op is still there to run after
 * fold-constants), a matrix worked by hand, its run-time checks (sizes
 * against the declared shape, an upper edge past the last DFT bin, edges
 * out of order), the refusals of inference and its CPU fallback on the NE
 * targets. The ONNX node test
 * (test_melweightmatrix, nex conformance) and onnx/export-vs-ort hold it to
 * ONNX's and onnxruntime's numbers. */
#include <math.h>

#include "check.h"
#include "ops_fixture.h"

static void test_mel_pipeline(void)
{
	/* lower edge |x| * 100 Hz (seeded x), upper 7000 Hz: below 8000,
	 * half of the 16 kHz rate */
	static const char t[] =
		"graph @mel(%x: f32[1], %spec: f32[4,33]) -> (%y: f32[4,6], %m: f32[33,6]) {\n"
		"  %n = const i32[] dense[6]\n"
		"  %len = const i32[] dense[64]\n"
		"  %sr = const i32[] dense[16000]\n"
		"  %hundred = const f32[1] dense[100.0]\n"
		"  %a = abs(%x) : f32[1]\n"
		"  %lo1 = mul(%a, %hundred) : f32[1]\n"
		"  %lo = reshape(%lo1) {shape=[]} : f32[]\n"
		"  %hi = const f32[] dense[7000.0]\n"
		"  %m = mel_weight_matrix(%n, %len, %sr, %lo, %hi) : f32[33,6]\n"
		"  %y = matmul(%spec, %m) : f32[4,6]\n"
		"  return %y, %m\n"
		"}\n";
	static const int kinds[] = {NX_OP_MEL_WEIGHT_MATRIX};
	ops_through_default(t, kinds, 1, 1e-6);
}

/* 4 bands, dft_length 32, 16 kHz, 100 to 8000 Hz: mel points 2595
 * log10(1 + hz / 700) from 150.5 to 2840.0 in steps of 448.3 give 100,
 * 490.8, 1072.4, 1938.2, 3226.8, 5145.0 Hz, DFT bins floor(33 hz / 16000)
 * = 0, 1, 2, 3, 6, 10. Band i rises from bin p[i] to p[i+1] and falls to
 * p[i+2]: band 0 is 1 at bin 1 (and 0 at bin 0, falling to 0 at 2),
 * band 1 is 1 at bin 2, band 2 rises 0, 1 over bins 2, 3 and falls 1, 2/3,
 * 1/3 over 3..5, band 3 rises 0, 1/3, 2/3, 1 over 3..6 and falls 1, 3/4,
 * 1/2, 1/4 over 6..9. Rows 10 to 16 are zero. */
static void test_mel_values(void)
{
	static const char t[] =
		"graph @m() -> (%m: f32[17,4], %h: f16[17,4]) {\n"
		"  %n = const i32[] dense[4]\n"
		"  %len = const i32[] dense[32]\n"
		"  %sr = const i32[] dense[16000]\n"
		"  %lo = const f32[] dense[100.0]\n"
		"  %hi = const f32[] dense[8000.0]\n"
		"  %m = mel_weight_matrix(%n, %len, %sr, %lo, %hi) : f32[17,4]\n"
		"  %h = mel_weight_matrix(%n, %len, %sr, %lo, %hi) {dtype=\"f16\"} : f16[17,4]\n"
		"  return %m, %h\n"
		"}\n";
	double want[17 * 4] = {0};
	static const struct {
		int row, band;
		double w;
	} nz[] = {{1, 0, 1},	   {2, 1, 1},	     {3, 2, 1},	       {4, 2, 2.0 / 3},
		  {5, 2, 1.0 / 3}, {4, 3, 1.0 / 3}, {5, 3, 2.0 / 3}, {6, 3, 1},
		  {7, 3, 0.75},	   {8, 3, 0.5},	     {9, 3, 0.25}};
	for (size_t i = 0; i < sizeof nz / sizeof nz[0]; i++)
		want[nz[i].row * 4 + nz[i].band] = nz[i].w;
	double got[17 * 4];
	ops_values(t, 0, got, 17 * 4);
	ops_near(got, want, 17 * 4, 1e-6);
	ops_values(t, 1, got, 17 * 4);
	ops_near(got, want, 17 * 4, 1e-3); /* f16's rounding of 1/3 */
}

/* Sizes from graph inputs: the declared shape holds, the kernel checks
 * the values against it; a top band edge past the last DFT bin and edges
 * out of order are run-time errors that say which. */
static void test_mel_runtime(void)
{
	static const char t[] =
		"graph @r(%n: i64[], %len: i64[], %sr: i64[], %lo: f32[], %hi: f32[]) -> "
		"(%m: f32[9,8]) {\n"
		"  %m = mel_weight_matrix(%n, %len, %sr, %lo, %hi) : f32[9,8]\n"
		"  return %m\n"
		"}\n";
	nx_graph *g = ops_parse(t);
	if (!g)
		return;
	nx_tensor in[5];
	for (int i = 0; i < 5; i++)
		in[i] = nx_tensor_alloc(nx_vtype(g, g->inputs[i]));
	/* ONNX's node test: 8 bands of a 16-point DFT at 8192 Hz, 0 to
	 * 4096 Hz; its expected matrix starts [1 1 0 ...; 0 0 1 1 0 ...] */
	const double ok[5] = {8, 16, 8192, 0, 4096};
	for (int i = 0; i < 5; i++)
		nx_tensor_set(&in[i], 0, ok[i]);
	nx_err e;
	nx_run_result r;
	int rc = nx_run(g, in, 5, NULL, &r, &e);
	if (rc)
		fprintf(stderr, "%s\n", e.msg);
	CHECK_EQ_INT(rc, 0);
	if (!rc) {
		CHECK(nx_tensor_get(&r.outputs[0], 0) == 1 && nx_tensor_get(&r.outputs[0], 1) == 1);
		CHECK(nx_tensor_get(&r.outputs[0], 8 + 2) == 1 &&
		      nx_tensor_get(&r.outputs[0], 8 + 3) == 1);
		nx_run_result_free(&r);
	}
	static const struct {
		int input;
		double v;
		const char *msg;
	} bad[] = {
		{1, 18, "op %m (mel_weight_matrix): num_mel_bins 8 and dft_length 18 give [10, 8], "
			"the result is [9, 8]"},
		/* the top point is 9/10 of the way up in mel: 14053 Hz, bin
		 * floor(17 * 14053 / 8192) = 29 */
		{4, 20000, "the top band edge, 14053.1 Hz (upper_edge_hertz 20000), falls in DFT "
			   "bin 29, past the last of 8"},
		{3, 5000, "the edges 5000 and 4096 Hz are not 0 <= lower <= upper"},
		{2, 0, "sample_rate is 0"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		for (int j = 0; j < 5; j++)
			nx_tensor_set(&in[j], 0, ok[j]);
		nx_tensor_set(&in[bad[i].input], 0, bad[i].v);
		ops_run_fails(g, in, 5, bad[i].msg);
	}
	for (int i = 0; i < 5; i++)
		nx_tensor_free(&in[i]);
	nx_graph_free(g);
}

static void test_mel_refusals(void)
{
	static const struct {
		const char *text, *msg;
	} cases[] = {
		{"graph @t(%n: i64[], %len: i64[], %sr: i64[], %lo: f32[], %hi: f32[]) -> "
		 "(%m: f32[9]) {\n  %m = mel_weight_matrix(%n, %len, %sr, %lo, %hi) : f32[9]\n"
		 "  return %m\n}\n",
		 "op %m (mel_weight_matrix): num_mel_bins or dft_length is not a constant, so the "
		 "shape is unknown: declare the result as f32[dft_length/2+1, num_mel_bins]"},
		{"graph @t(%n: i64[2], %len: i64[], %sr: i64[], %lo: f32[], %hi: f32[]) -> "
		 "(%m: f32[9,8]) {\n  %m = mel_weight_matrix(%n, %len, %sr, %lo, %hi) : f32[9,8]\n"
		 "  return %m\n}\n",
		 "op %m (mel_weight_matrix): num_mel_bins must be a scalar (one element)"},
		{"graph @t(%n: i64[], %len: i64[], %sr: i64[], %lo: i32[], %hi: f32[]) -> "
		 "(%m: f32[9,8]) {\n  %m = mel_weight_matrix(%n, %len, %sr, %lo, %hi) : f32[9,8]\n"
		 "  return %m\n}\n",
		 "op %m (mel_weight_matrix):"},
		{"graph @t() -> (%m: f32[9,8]) {\n  %n = const i64[] dense[0]\n"
		 "  %len = const i64[] dense[16]\n  %sr = const i64[] dense[8000]\n"
		 "  %lo = const f32[] dense[0.0]\n  %hi = const f32[] dense[4000.0]\n"
		 "  %m = mel_weight_matrix(%n, %len, %sr, %lo, %hi) : f32[9,8]\n  return %m\n}\n",
		 "op %m (mel_weight_matrix): num_mel_bins 0 and dft_length 16 must be >= 1"},
		{"graph @t() -> (%m: i32[9,8]) {\n  %n = const i64[] dense[8]\n"
		 "  %len = const i64[] dense[16]\n  %sr = const i64[] dense[8000]\n"
		 "  %lo = const f32[] dense[0.0]\n  %hi = const f32[] dense[4000.0]\n"
		 "  %m = mel_weight_matrix(%n, %len, %sr, %lo, %hi) {dtype=\"i32\"} : i32[9,8]\n"
		 "  return %m\n}\n",
		 "op %m (mel_weight_matrix): dtype \"i32\" is not a float dtype"},
		{"graph @t(%n: i64[], %len: i64[], %sr: i32[], %lo: f32[], %hi: f32[]) -> "
		 "(%m: f32[9,8]) {\n  %m = mel_weight_matrix(%n, %len, %sr, %lo, %hi) : f32[9,8]\n"
		 "  return %m\n}\n",
		 "op %m (mel_weight_matrix): sample_rate is i32, num_mel_bins i64: ONNX has one "
		 "dtype for num_mel_bins, dft_length and sample_rate"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		ops_refused(cases[i].text, cases[i].msg);
}

/* The NE targets run it on the CPU, whatever its operands (a constant one
 * is folded by the default pipeline before the sim sees it). */
static void test_mel_cpu(void)
{
	static const char t[] =
		"graph @c(%lo: f32[]) -> (%m: f32[129,10]) {\n"
		"  %n = const i64[] dense[10]\n"
		"  %len = const i64[] dense[256]\n"
		"  %sr = const i64[] dense[22050]\n"
		"  %hi = const f32[] dense[11025.0]\n"
		"  %m = mel_weight_matrix(%n, %len, %sr, %lo, %hi) : f32[129,10]\n"
		"  return %m\n"
		"}\n";
	nx_graph *g = ops_parse(t);
	if (!g)
		return;
	nx_err e;
	nx_target tg;
	CHECK_EQ_INT(nx_target_preset("m1", &tg, &e), 0);
	int seen = 0;
	NX_FOR_OPS(g, o)
		if (g->ops[o].kind == NX_OP_MEL_WEIGHT_MATRIX) {
			char why[256];
			CHECK(!nx_target_supports(g, o, &tg, why, sizeof why));
			CHECK_CONTAINS(why, "mel_weight_matrix builds a table");
			CHECK(nx_target_on_cpu(g, o, &tg));
			seen++;
		}
	CHECK_EQ_INT(seen, 1);
	nx_graph_free(g);
}

int main(int argc, char **argv)
{
	static const check_case cases[] = {
		{"mel_pipeline", test_mel_pipeline},
		{"mel_values", test_mel_values},
		{"mel_runtime", test_mel_runtime},
		{"mel_refusals", test_mel_refusals},
		{"mel_cpu", test_mel_cpu},
		{NULL, NULL},
	};
	return check_main(cases, argc, argv);
}
