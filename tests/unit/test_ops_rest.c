/* test_ops_rest.c — the last node-test gaps of issue 18 (rest lane):
 * max_pool_argmax (MaxPool with its Indices output) through the default
 * pipeline with the numeric check after every step (outputs within 1e-6
 * relative of step 0's on seeded inputs), its values and ONNX flat indices
 * worked by hand (row- and column-major storage_order, pads, a second
 * channel's offset), and its NaN rule, onnxruntime's, which max_pool
 * shares on each of its paths; roi_align through the same pipeline, its avg, max and
 * half-pixel values worked by hand and its batch index check;
 * conv_transpose's output_shape past the full output; the ONNX round trip
 * of both ops. */
#include <math.h>
#include <stdlib.h>

#include "check.h"
#include "ops_fixture.h"
#include "nxw.h"

static const char pool_fixture[] =
	"graph @p(%x: f32[1,2,5,6]) -> (%y: f32[1,2,3,3], %i: i64[1,2,3,3], %z: f32[1,2,2,3], "
	"%j: i64[1,2,2,3], %ra: f32[3,2,2,3], %rb: f32[3,2,2,2]) {\n"
	"  %r = relu(%x) : f32[1,2,5,6]\n"
	"  %y, %i = max_pool_argmax(%r) {kernel_shape=[3, 2], strides=[2, 2], "
	"pads=[1, 0, 1, 0]} : f32[1,2,3,3], i64[1,2,3,3]\n"
	"  %z, %j = max_pool_argmax(%x) {kernel_shape=[2, 2], strides=[2, 2], "
	"storage_order=1} : f32[1,2,2,3], i64[1,2,2,3]\n"
	"  %rois = const f32[3,4] dense[0, 0, 4, 3, 1.5, 0.5, 5.5, 4, -1, 2, 3, 6]\n"
	"  %bi = const i64[3] dense[0, 0, 0]\n"
	"  %ra = roi_align(%r, %rois, %bi) {output_height=2, output_width=3} : f32[3,2,2,3]\n"
	"  %rb = roi_align(%x, %rois, %bi) {output_height=2, output_width=2, mode=\"max\", "
	"sampling_ratio=2, spatial_scale=0.5, coordinate_transformation_mode="
	"\"output_half_pixel\"} : f32[3,2,2,2]\n"
	"  return %y, %i, %z, %j, %ra, %rb\n"
	"}\n";

static void test_pool_pipeline(void)
{
	static const int kinds[] = {NX_OP_MAX_POOL_ARGMAX, NX_OP_ROI_ALIGN};
	ops_through_default(pool_fixture, kinds, 2, 1e-6);
}

/* x = [[1,9,3],[4,5,6],[7,8,2]] in two channels: 2x2 windows at stride 1
 * take 9, 9, 8, 8 at (0,1), (0,1), (2,1), (2,1): row-major 1, 1, 7, 7,
 * column-major (h + w * H) 3, 3, 5, 5, the second channel 9 further on.
 * With pads [1,1,0,0] at stride 2 the windows hold {1}, {9,3}, {4,7},
 * {5,6,8,2}: indices 0, 1, 6, 7. */
static void test_pool_values(void)
{
	static const char t[] =
		"graph @m() -> (%y: f32[1,2,2,2], %i: i64[1,2,2,2], %c: i64[1,2,2,2], "
		"%p: i64[1,2,2,2]) {\n"
		"  %x = const f32[1,2,3,3] dense[1, 9, 3, 4, 5, 6, 7, 8, 2, "
		"1, 9, 3, 4, 5, 6, 7, 8, 2]\n"
		"  %y, %i = max_pool_argmax(%x) {kernel_shape=[2, 2]} : f32[1,2,2,2], "
		"i64[1,2,2,2]\n"
		"  %z, %c = max_pool_argmax(%x) {kernel_shape=[2, 2], storage_order=1} : "
		"f32[1,2,2,2], i64[1,2,2,2]\n"
		"  %w, %p = max_pool_argmax(%x) {kernel_shape=[2, 2], strides=[2, 2], "
		"pads=[1, 1, 0, 0]} : f32[1,2,2,2], i64[1,2,2,2]\n"
		"  return %y, %i, %c, %p\n"
		"}\n";
	double got[8];
	ops_values(t, 0, got, 8);
	ops_near(got, (const double[]){9, 9, 8, 8, 9, 9, 8, 8}, 8, 1e-6);
	ops_values(t, 1, got, 8);
	ops_near(got, (const double[]){1, 1, 7, 7, 10, 10, 16, 16}, 8, 1e-6);
	ops_values(t, 2, got, 8);
	ops_near(got, (const double[]){3, 3, 5, 5, 12, 12, 14, 14}, 8, 1e-6);
	ops_values(t, 3, got, 8);
	ops_near(got, (const double[]){0, 1, 6, 7, 9, 10, 15, 16}, 8, 1e-6);
}

/* got[k] == want[k], or both NaN. */
static void same_or_nan(const double *got, const double *want, int n)
{
	for (int k = 0; k < n; k++)
		if (!(got[k] == want[k] || (isnan(got[k]) && isnan(want[k])))) {
			fprintf(stderr, "element %d: got %.9g, want %.9g\n", k, got[k], want[k]);
			CHECK(0);
		}
}

/* The NaN rule of max_pool and max_pool_argmax, onnxruntime-node 1.31's
 * MaxPool with Indices figures (graph optimizations on or off; ONNX's
 * reference MaxPool keeps the same rule): the first tap inside the input
 * starts the maximum and only a strictly greater one replaces it, so a
 * NaN wins as a window's first tap and is passed over elsewhere. 2x2
 * windows at stride 1 on 3x3 planes:
 *   [1 N 3; 4 5 6; 7 8 2]  -> 5 N 8 8 at 4 1 7 7
 *   [N 1 3; 4 5 6; 7 8 2]  -> N 6 8 8 at 0 5 7 7
 *   [1 9 3; 4 N 6; 7 8 2]  -> 9 9 8 N at 1 1 7 4
 *   all N                  -> N N N N at 0 1 3 4
 * max_pool must give the same values down each of its paths: the 2-d
 * rows of interior windows (here), windows clipped by pads (pool_window)
 * and the n-d loop (one more spatial dim of 1). */
static void test_pool_nan(void)
{
	static const char t[] =
		"graph @n() -> (%y: f32[4,1,2,2], %i: i64[4,1,2,2], %m: f32[4,1,2,2], "
		"%p: f32[4,1,3,3], %q: f32[4,1,3,3], %r: f32[4,1,1,2,2]) {\n"
		"  %x = const f32[4,1,3,3] dense[1, nan, 3, 4, 5, 6, 7, 8, 2, "
		"nan, 1, 3, 4, 5, 6, 7, 8, 2, 1, 9, 3, 4, nan, 6, 7, 8, 2, "
		"nan, nan, nan, nan, nan, nan, nan, nan, nan]\n"
		"  %y, %i = max_pool_argmax(%x) {kernel_shape=[2, 2]} : f32[4,1,2,2], "
		"i64[4,1,2,2]\n"
		"  %m = max_pool(%x) {kernel_shape=[2, 2]} : f32[4,1,2,2]\n"
		"  %p, %pi = max_pool_argmax(%x) {kernel_shape=[2, 2], pads=[1, 1, 0, 0]} : "
		"f32[4,1,3,3], i64[4,1,3,3]\n"
		"  %q = max_pool(%x) {kernel_shape=[2, 2], pads=[1, 1, 0, 0]} : f32[4,1,3,3]\n"
		"  %x5 = reshape(%x) {shape=[4, 1, 1, 3, 3]} : f32[4,1,1,3,3]\n"
		"  %r = max_pool(%x5) {kernel_shape=[1, 2, 2]} : f32[4,1,1,2,2]\n"
		"  return %y, %i, %m, %p, %q, %r\n"
		"}\n";
	const double N = NAN;
	const double want_y[16] = {5, N, 8, 8, N, 6, 8, 8, 9, 9, 8, N, N, N, N, N};
	const double want_i[16] = {4, 1, 7, 7, 9, 14, 16, 16, 19, 19, 25, 22, 27, 28, 30, 31};
	double got[36], other[36];
	ops_values(t, 0, got, 16);
	same_or_nan(got, want_y, 16);
	ops_values(t, 1, got, 16);
	same_or_nan(got, want_i, 16);
	ops_values(t, 2, got, 16);
	same_or_nan(got, want_y, 16);
	ops_values(t, 5, got, 16);
	same_or_nan(got, want_y, 16);
	/* padded: max_pool's clipped windows against max_pool_argmax */
	ops_values(t, 3, other, 36);
	ops_values(t, 4, got, 36);
	same_or_nan(got, other, 36);
	/* the first plane's first window holds only x[0,0] = 1; its second
	 * {1, N}: 1 first, N passed over */
	CHECK(got[0] == 1 && got[1] == 1);
}

/* x = [[1,2],[3,4]], roi (0,0)-(2,2), one bin of 2x2 samples. Output
 * half pixel: samples at 0.5 and 1.5 on each axis (1.5 clamps to the
 * border row/column): 2.5, 3, 3.5, 4, average 3.25; max mode takes each
 * sample's largest weighted tap: 1, 2, 2, 4 -> 4. Half pixel shifts the
 * region by -0.5: samples at 0 and 1, the pixels themselves, average 2.5. */
static void test_roi_align_values(void)
{
	static const char t[] =
		"graph @r() -> (%a: f32[1,1,1,1], %m: f32[1,1,1,1], %h: f32[1,1,1,1]) {\n"
		"  %x = const f32[1,1,2,2] dense[1, 2, 3, 4]\n"
		"  %r = const f32[1,4] dense[0, 0, 2, 2]\n"
		"  %b = const i64[1] dense[0]\n"
		"  %a = roi_align(%x, %r, %b) {sampling_ratio=2, coordinate_transformation_mode="
		"\"output_half_pixel\"} : f32[1,1,1,1]\n"
		"  %m = roi_align(%x, %r, %b) {sampling_ratio=2, mode=\"max\", "
		"coordinate_transformation_mode=\"output_half_pixel\"} : f32[1,1,1,1]\n"
		"  %h = roi_align(%x, %r, %b) {sampling_ratio=2} : f32[1,1,1,1]\n"
		"  return %a, %m, %h\n"
		"}\n";
	double got[1];
	ops_values(t, 0, got, 1);
	ops_near(got, (const double[]){3.25}, 1, 1e-6);
	ops_values(t, 1, got, 1);
	ops_near(got, (const double[]){4}, 1, 1e-6);
	ops_values(t, 2, got, 1);
	ops_near(got, (const double[]){2.5}, 1, 1e-6);
	/* a batch index outside the batch is a run-time error naming the op */
	static const char bad[] =
		"graph @r() -> (%a: f32[1,1,1,1]) {\n"
		"  %x = const f32[1,1,2,2] dense[1, 2, 3, 4]\n"
		"  %r = const f32[1,4] dense[0, 0, 2, 2]\n"
		"  %b = const i64[1] dense[1]\n"
		"  %a = roi_align(%x, %r, %b) : f32[1,1,1,1]\n"
		"  return %a\n"
		"}\n";
	ops_run_refused(bad, "op %a (roi_align): batch_indices[0] = 1 is outside the 1 "
			"images");
}

/* conv_transpose with an output_shape above the full output (ONNX's
 * negative total padding): the extra row and column hold the bias alone. */
static void test_conv_transpose_past_full(void)
{
	static const char t[] =
		"graph @c() -> (%y: f32[1,1,3,3]) {\n"
		"  %x = const f32[1,1,1,1] dense[2]\n"
		"  %w = const f32[1,1,2,2] dense[1, 2, 3, 4]\n"
		"  %b = const f32[1] dense[5]\n"
		"  %y = conv_transpose(%x, %w, %b) {output_shape=[3, 3]} : f32[1,1,3,3]\n"
		"  return %y\n"
		"}\n";
	double got[9];
	ops_values(t, 0, got, 9);
	ops_near(got, (const double[]){7, 9, 5, 11, 13, 5, 5, 5, 5}, 9, 1e-6);
}

/* Exported as MaxPool with two outputs, imported back as max_pool_argmax. */
static void test_pool_onnx_round_trip(void)
{
	nx_graph *g = ops_parse(pool_fixture);
	if (!g)
		return;
	nx_err e;
	size_t len = 0;
	void *buf = nx_onnx_export_mem(g, &len, &e); /* freed below */
	int rc = buf ? 0 : -1;
	if (rc)
		fprintf(stderr, "%s\n", e.msg);
	CHECK_EQ_INT(rc, 0);
	nx_graph *h = rc ? NULL : nx_onnx_import_mem(buf, len, "t.onnx", "/tmp", NULL, &e);
	CHECK(rc || h != NULL);
	if (h) {
		int n = 0;
		NX_FOR_OPS(h, o)
			n += h->ops[o].kind == NX_OP_MAX_POOL_ARGMAX;
		CHECK_EQ_INT(n, 2);
		CHECK_EQ_INT(nx_vtype(h, h->outputs[3])->dtype, NX_I64);
		n = 0;
		NX_FOR_OPS(h, o)
			if (h->ops[o].kind == NX_OP_ROI_ALIGN) {
				n++;
				CHECK_EQ_INT(nx_attr_i(h, o, "output_height", 0), 2);
			}
		CHECK_EQ_INT(n, 2);
	} else if (!rc) {
		fprintf(stderr, "%s\n", e.msg);
	}
	nx_graph_free(h);
	nx_graph_free(g);
	free(buf);
}

int main(int argc, char **argv)
{
	static const check_case cases[] = {
		{"pool_pipeline", test_pool_pipeline},
		{"pool_values", test_pool_values},
		{"pool_nan", test_pool_nan},
		{"roi_align_values", test_roi_align_values},
		{"conv_transpose_past_full", test_conv_transpose_past_full},
		{"onnx_round_trip", test_pool_onnx_round_trip},
		{NULL, NULL},
	};
	return check_main(cases, argc, argv);
}
