/* test_ops_signal.c — the signal lane's ops of issue 18 (HannWindow,
 * HammingWindow, BlackmanWindow, DFT, STFT, Det, GridSample, a run-time
 * ConstantOfShape, TfIdfVectorizer and MaxUnpool): all of them in one graph
 * through the default pipeline with the numeric check after every step (outputs within
 * 1e-6 relative of step 0's on seeded inputs), values worked by hand where
 * the ONNX tests leave a rule open (a symmetric window of one point, a cut
 * or padded DFT, Det's row swaps, GridSample at pixel centres, TfIdf's skips
 * and modes), and the run-time checks of declared lengths. */
#include <math.h>

#include "check.h"
#include "ops_fixture.h"
#include "nxw.h"

static void test_signal_pipeline(void)
{
	static const char t[] =
		"graph @sig(%x: f32[1,8,1], %c: f32[2,6,3,2], %m: f32[2,3,3], %img: f32[1,2,4,5], "
		"%grid: f32[1,3,2,2], %ids: i64[2,6], %px: f32[1,2,2,3]) -> (%t: f32[2,3], "
		"%u: f32[1,2,5,6], %s: f32[1,3,3,2], %d: f32[2,6,3,2], %r: f32[1,5,2], "
		"%det: f32[2], %gs: f32[1,2,3,2], %gc: f32[1,2,3,2], %gn: f32[1,2,3,2], "
		"%k: f32[2,3]) {\n"
		"  %n = const i64[] dense[4]\n"
		"  %w = hann_window(%n) : f32[4]\n"
		"  %hm = hamming_window(%n) {periodic=0} : f32[4]\n"
		"  %bw = blackman_window(%n) : f32[4]\n"
		"  %w2 = add(%w, %hm) : f32[4]\n"
		"  %w3 = add(%w2, %bw) : f32[4]\n"
		"  %s = stft(%x, %w3) {frame_step=2} : f32[1,3,3,2]\n"
		"  %d = dft(%c) {axis=-3, inverse=1, dft_length=6} : f32[2,6,3,2]\n"
		"  %r = dft(%x) {onesided=1, dft_length=9} : f32[1,5,2]\n"
		"  %det = det(%m) : f32[2]\n"
		"  %gs = grid_sample(%img, %grid) : f32[1,2,3,2]\n"
		"  %gc = grid_sample(%img, %grid) {mode=\"bicubic\", padding_mode=\"reflection\"} : "
		"f32[1,2,3,2]\n"
		"  %gn = grid_sample(%img, %grid) {mode=\"nearest\", padding_mode=\"border\", "
		"align_corners=1} : f32[1,2,3,2]\n"
		"  %shp = const i64[2] dense[2, 3]\n"
		"  %k = constant_of_shape(%shp) {value=2.5} : f32[2,3]\n"
		"  %t = tf_idf_vectorizer(%ids) {mode=\"TFIDF\", min_gram_length=1, "
		"max_gram_length=2, max_skip_count=1, ngram_counts=[0, 2], ngram_indexes=[0, 1, 2], "
		"pool_int64s=[0, 1, 1, 0], weights=[0.5, 2.0, 1.0]} : f32[2,3]\n"
		"  %ui = const i64[1,2,2,3] dense[0, 3, 10, 13, 20, 23, 24, 27, 34, 37, 44, 47]\n"
		"  %u = max_unpool(%px, %ui) {kernel_shape=[2, 2], strides=[2, 2], "
		"output_shape=[1, 2, 5, 6]} : f32[1,2,5,6]\n"
		"  return %t, %u, %s, %d, %r, %det, %gs, %gc, %gn, %k\n"
		"}\n";
	static const int kinds[] = {NX_OP_HANN_WINDOW, NX_OP_HAMMING_WINDOW, NX_OP_BLACKMAN_WINDOW,
				    NX_OP_DFT, NX_OP_STFT, NX_OP_DET, NX_OP_GRID_SAMPLE,
				    NX_OP_CONSTANT_OF_SHAPE, NX_OP_TF_IDF_VECTORIZER, NX_OP_MAX_UNPOOL};
	ops_through_default(t, kinds, (int)(sizeof kinds / sizeof kinds[0]), 1e-6);
}

static void test_window_values(void)
{
	double got[8];
	/* periodic Hann of 4: 0.5 - 0.5 cos(pi n / 2); symmetric Hamming of 3;
	 * a symmetric window of 1 point is [1], a periodic one the formula's
	 * w[0] = a0 - a1 + a2 (0 for Blackman) */
	static const char w[] =
		"graph @w() -> (%a: f32[4], %b: f32[3], %c: f32[1], %e: f32[1]) {\n"
		"  %four = const i32[] dense[4]\n"
		"  %three = const i64[] dense[3]\n"
		"  %one = const i64[] dense[1]\n"
		"  %a = hann_window(%four) : f32[4]\n"
		"  %b = hamming_window(%three) {periodic=0} : f32[3]\n"
		"  %c = blackman_window(%one) {periodic=0} : f32[1]\n"
		"  %e = blackman_window(%one) : f32[1]\n"
		"  return %a, %b, %c, %e\n"
		"}\n";
	ops_values(w, 0, got, 4);
	ops_near(got, (const double[]){0, 0.5, 1, 0.5}, 4, 1e-6);
	ops_values(w, 1, got, 3);
	ops_near(got, (const double[]){4.0 / 46, 1, 4.0 / 46}, 3, 1e-6);
	ops_values(w, 2, got, 1);
	ops_near(got, (const double[]){1}, 1, 1e-6);
	ops_values(w, 3, got, 1);
	ops_near(got, (const double[]){0}, 1, 1e-6);
}

static void test_dft_values(void)
{
	double got[16];
	/* DFT of [1,2,3,4]: [10, -2+2i, -2, -2-2i]; cut to 2: [3, -1]; padded
	 * to 5 onesided: bins 0..2; inverse of the spectrum gives the signal */
	static const char d[] =
		"graph @d() -> (%f: f32[1,4,2], %c: f32[1,2,2], %i: f32[1,4,2]) {\n"
		"  %x = const f32[1,4,1] dense[1, 2, 3, 4]\n"
		"  %f = dft(%x) : f32[1,4,2]\n"
		"  %c = dft(%x) {dft_length=2} : f32[1,2,2]\n"
		"  %i = dft(%f) {inverse=1} : f32[1,4,2]\n"
		"  return %f, %c, %i\n"
		"}\n";
	ops_values(d, 0, got, 8);
	ops_near(got, (const double[]){10, 0, -2, 2, -2, 0, -2, -2}, 8, 1e-6);
	ops_values(d, 1, got, 4);
	ops_near(got, (const double[]){3, 0, -1, 0}, 4, 1e-6);
	ops_values(d, 2, got, 8);
	ops_near(got, (const double[]){1, 0, 2, 0, 3, 0, 4, 0}, 8, 1e-6);
	/* STFT of [1..6] in frames of 4 every 2, no window, two-sided:
	 * frame 0 is the DFT above; frame 1 = [3,4,5,6] -> 18, -2+2i, -2, -2-2i */
	static const char s[] =
		"graph @s() -> (%y: f32[1,2,4,2]) {\n"
		"  %x = const f32[1,6,1] dense[1, 2, 3, 4, 5, 6]\n"
		"  %y = stft(%x) {frame_step=2, frame_length=4, onesided=0} : f32[1,2,4,2]\n"
		"  return %y\n"
		"}\n";
	ops_values(s, 0, got, 16);
	ops_near(got, (const double[]){10, 0, -2, 2, -2, 0, -2, -2, 18, 0, -2, 2, -2, 0, -2, -2},
		     16, 1e-6);
}

static void test_det_values(void)
{
	double got[3];
	/* [[1,2],[3,4]] = -2; a row swap first ([[0,1],[1,0]] = -1); singular = 0 */
	static const char d[] =
		"graph @d() -> (%y: f32[3]) {\n"
		"  %x = const f32[3,2,2] dense[1, 2, 3, 4, 0, 1, 1, 0, 1, 2, 2, 4]\n"
		"  %y = det(%x) : f32[3]\n"
		"  return %y\n"
		"}\n";
	ops_values(d, 0, got, 3);
	ops_near(got, (const double[]){-2, -1, 0}, 3, 1e-6);
	static const char d3[] =
		"graph @d() -> (%y: f32[]) {\n"
		"  %x = const f32[3,3] dense[2, -3, 1, 2, 0, -1, 1, 4, 5]\n"
		"  %y = det(%x) : f32[]\n"
		"  return %y\n"
		"}\n";
	ops_values(d3, 0, got, 1);
	ops_near(got, (const double[]){49}, 1, 1e-6);
}

/* At pixel centres (align_corners=1, grid on the corner pixels) bilinear,
 * nearest and bicubic all give the pixels themselves; outside the image,
 * zeros padding gives 0 and border the edge pixel. */
static void test_grid_sample_values(void)
{
	double got[4];
	static const char g[] =
		"graph @g() -> (%a: f32[1,1,1,4], %b: f32[1,1,1,4], %c: f32[1,1,1,4], "
		"%z: f32[1,1,1,2], %e: f32[1,1,1,2], %h: f32[1,1,1,1]) {\n"
		"  %x = const f32[1,1,2,2] dense[1, 2, 3, 4]\n"
		"  %p = const f32[1,1,4,2] dense[-1, -1, 1, -1, -1, 1, 1, 1]\n"
		"  %a = grid_sample(%x, %p) {align_corners=1} : f32[1,1,1,4]\n"
		"  %b = grid_sample(%x, %p) {align_corners=1, mode=\"nearest\"} : f32[1,1,1,4]\n"
		"  %c = grid_sample(%x, %p) {align_corners=1, mode=\"bicubic\"} : f32[1,1,1,4]\n"
		"  %q = const f32[1,1,2,2] dense[-3, -1, 3, 1]\n"
		"  %z = grid_sample(%x, %q) {align_corners=1} : f32[1,1,1,2]\n"
		"  %e = grid_sample(%x, %q) {align_corners=1, padding_mode=\"border\"} : f32[1,1,1,2]\n"
		"  %mid = const f32[1,1,1,2] dense[0, 0]\n"
		"  %h = grid_sample(%x, %mid) : f32[1,1,1,1]\n"
		"  return %a, %b, %c, %z, %e, %h\n"
		"}\n";
	for (uint32_t i = 0; i < 3; i++) {
		ops_values(g, i, got, 4);
		ops_near(got, (const double[]){1, 2, 3, 4}, 4, 1e-6);
	}
	ops_values(g, 3, got, 2);
	ops_near(got, (const double[]){0, 0}, 2, 1e-6);
	ops_values(g, 4, got, 2);
	ops_near(got, (const double[]){1, 4}, 2, 1e-6);
	ops_values(g, 5, got, 1);
	ops_near(got, (const double[]){2.5}, 1, 1e-6);
}

/* X = [1,2,1,2,3]; pool: unigrams 1 and 3, bigram (1,2); skips 0 and 1.
 * Unigrams count once per position (1: twice, 3: once); (1,2) is found at
 * distance 1 twice and never at distance 2. */
static void test_tfidf_values(void)
{
	double got[3];
	static const char t[] =
		"graph @t() -> (%tf: f32[3], %idf: f32[3], %both: f32[1,3]) {\n"
		"  %x = const i32[5] dense[1, 2, 1, 2, 3]\n"
		"  %tf = tf_idf_vectorizer(%x) {mode=\"TF\", min_gram_length=1, max_gram_length=2, "
		"max_skip_count=1, ngram_counts=[0, 2], ngram_indexes=[0, 1, 2], "
		"pool_int64s=[1, 3, 1, 2]} : f32[3]\n"
		"  %idf = tf_idf_vectorizer(%x) {mode=\"IDF\", min_gram_length=1, max_gram_length=2, "
		"max_skip_count=1, ngram_counts=[0, 2], ngram_indexes=[0, 1, 2], "
		"pool_int64s=[1, 3, 1, 2], weights=[0.5, 2.0, 1.0]} : f32[3]\n"
		"  %x2 = const i64[1,5] dense[1, 2, 1, 2, 3]\n"
		"  %both = tf_idf_vectorizer(%x2) {mode=\"TFIDF\", min_gram_length=2, "
		"max_gram_length=2, max_skip_count=0, ngram_counts=[0, 2], ngram_indexes=[2, 0, 1], "
		"pool_int64s=[1, 3, 1, 2], weights=[0.5, 2.0, 1.5]} : f32[1,3]\n"
		"  return %tf, %idf, %both\n"
		"}\n";
	ops_values(t, 0, got, 3);
	ops_near(got, (const double[]){2, 1, 2}, 3, 1e-6);
	ops_values(t, 1, got, 3);
	ops_near(got, (const double[]){0.5, 2, 1}, 3, 1e-6);
	/* only bigrams, written to column 1 with weight 1.5 */
	ops_values(t, 2, got, 3);
	ops_near(got, (const double[]){0, 3, 0}, 3, 1e-6);
}

/* MaxUnpool: indices are flat offsets into the pooled-from [1,1,4,4];
 * output_shape [1,1,5,5] keeps them there, the extra row and column 0. */
static void test_unpool_values(void)
{
	double got[25];
	static const char u[] =
		"graph @u() -> (%y: f32[1,1,5,5]) {\n"
		"  %x = const f32[1,1,2,2] dense[5, 6, 7, 8]\n"
		"  %i = const i64[1,1,2,2] dense[5, 7, 13, 15]\n"
		"  %y = max_unpool(%x, %i) {kernel_shape=[2, 2], strides=[2, 2], "
		"output_shape=[1, 1, 5, 5]} : f32[1,1,5,5]\n"
		"  return %y\n"
		"}\n";
	ops_values(u, 0, got, 25);
	ops_near(got, (const double[]){0, 0, 0, 0, 0, 0, 5, 0, 6, 0, 0, 0, 0, 0, 0,
					   0, 7, 0, 8, 0, 0, 0, 0, 0, 0}, 25, 0);
	static const char bad[] =
		"graph @u() -> (%y: f32[1,1,4,4]) {\n"
		"  %x = const f32[1,1,2,2] dense[5, 6, 7, 8]\n"
		"  %i = const i64[1,1,2,2] dense[5, 7, 13, 16]\n"
		"  %y = max_unpool(%x, %i) {kernel_shape=[2, 2], strides=[2, 2]} : f32[1,1,4,4]\n"
		"  return %y\n"
		"}\n";
	ops_run_refused(bad, "op %y (max_unpool): index 16 at position 3 is outside the 16 "
			"elements");
}

/* Run-time lengths: the declared result type is held against the operand's
 * value by the kernel, naming the op. */
static void test_runtime_lengths(void)
{
	static const char w[] =
		"graph @w(%n: i64[], %s: i64[2]) -> (%y: f32[5], %k: i32[2,3]) {\n"
		"  %y = hann_window(%n) {periodic=0} : f32[5]\n"
		"  %k = constant_of_shape(%s) {value=7.0, dtype=\"i32\"} : i32[2,3]\n"
		"  return %y, %k\n"
		"}\n";
	nx_graph *g = ops_parse(w);
	if (!g)
		return;
	nx_tensor in[2] = {nx_tensor_alloc(nx_vtype(g, g->inputs[0])),
			   nx_tensor_alloc(nx_vtype(g, g->inputs[1]))};
	nx_tensor_set_int(&in[0], 0, 5);
	nx_tensor_set_int(&in[1], 0, 2);
	nx_tensor_set_int(&in[1], 1, 3);
	nx_err e;
	nx_run_result r;
	int rc = nx_run(g, in, 2, NULL, &r, &e);
	CHECK_EQ_INT(rc, 0);
	if (!rc) {
		CHECK(fabs(nx_tensor_get(&r.outputs[0], 2) - 1) < 1e-6);
		CHECK_EQ_INT(nx_tensor_get_int(&r.outputs[1], 5), 7);
		nx_run_result_free(&r);
	}
	nx_tensor_set_int(&in[0], 0, 6);
	ops_run_fails(g, in, 2, "op %y (hann_window): size is 6, the result holds 5 elements");
	nx_tensor_set_int(&in[0], 0, 5);
	nx_tensor_set_int(&in[1], 1, 4);
	ops_run_fails(g, in, 2, "op %k (constant_of_shape): shape[1] is 4, the result's dim "
		      "is 3");
	nx_tensor_free(&in[0]);
	nx_tensor_free(&in[1]);
	nx_graph_free(g);
}

static void test_refusals(void)
{
	static const struct {
		const char *text, *msg;
	} cases[] = {
		{"graph @t(%x: f32[1,4,2]) -> (%y: f32[1,3,2]) {\n  %y = dft(%x) {onesided=1} : f32[1,3,2]\n  return %y\n}\n",
		 "op %y (dft): onesided needs a real input"},
		{"graph @t(%x: f32[1,4,3]) -> (%y: f32[1,4,2]) {\n  %y = dft(%x) : f32[1,4,2]\n  return %y\n}\n",
		 "the last axis holds 3 values"},
		{"graph @t(%x: f32[1,8,1]) -> (%y: f32[1,1,5,2]) {\n  %y = stft(%x) {frame_step=2} : f32[1,1,5,2]\n  return %y\n}\n",
		 "op %y (stft): needs a window operand or frame_length"},
		{"graph @t(%x: f32[2,3]) -> (%y: f32[]) {\n  %y = det(%x) : f32[]\n  return %y\n}\n",
		 "op %y (det): input must be [..., M, M]"},
		{"graph @t(%x: f32[1,1,2,2], %g: f32[1,2,2,2]) -> (%y: f32[1,1,2,2]) {\n  %y = grid_sample(%x, %g) {mode=\"area\"} : f32[1,1,2,2]\n  return %y\n}\n",
		 "op %y (grid_sample): mode \"area\" is unknown"},
		{"graph @t(%n: i64[]) -> (%y: f32[4]) {\n  %y = hann_window(%n) {dtype=\"i32\"} : f32[4]\n  return %y\n}\n",
		 "op %y (hann_window): dtype \"i32\" is not a float dtype"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		ops_refused(cases[i].text, cases[i].msg);
}

int main(int argc, char **argv)
{
	static const check_case cases[] = {
		{"signal_pipeline", test_signal_pipeline},
		{"window_values", test_window_values},
		{"dft_values", test_dft_values},
		{"det_values", test_det_values},
		{"grid_sample_values", test_grid_sample_values},
		{"tfidf_values", test_tfidf_values},
		{"unpool_values", test_unpool_values},
		{"runtime_lengths", test_runtime_lengths},
		{"refusals", test_refusals},
		{NULL, NULL},
	};
	return check_main(cases, argc, argv);
}
