/* test_numdebug_models.c — the numeric debugger on the PaddleOCR models
 * (exit 77 when they are not fetched: `make models`): a weight scaled by
 * 1.01 in det is named as the root cause; quantize-int8 on cls gives every
 * quantized conv a weight SQNR and names the op with the lowest SNR;
 * to-fp16 on rec keeps every matched value's direction; layout-ne's
 * channels-first linears on rec leave values unmatched, never compared. */
#include <math.h>

#include "check.h"
#include "numdebug_fixture.h"

static char dir[512];

static nx_graph *model(const char *file, const char *input, int64_t h, int64_t w)
{
	char path[700];
	snprintf(path, sizeof path, "%s/%s", dir, file);
	nx_shape_bind b = {input, 4, {1, 3, h, w}};
	nx_onnx_opts oo = {.binds = &b, .n_binds = 1};
	nx_err err;
	nx_graph *g = nx_onnx_import(path, &oo, &err);
	if (!g)
		fprintf(stderr, "%s\n", err.msg);
	return g;
}

static void sabotage_det(void)
{
	nx_graph *g = model("ch_PP-OCRv4_det_infer.onnx", "x", 1 * 160, 160);
	CHECK(g != NULL);
	if (g)
		finds_sabotage(g, "infer-shapes,fold-constants,canonicalize,fold-batchnorm,"
			       "fuse-activation", "p2o.Add.187");
}

static void int8_cls(void)
{
	nx_graph *g = model("ch_ppocr_mobile_v2.0_cls_infer.onnx", "x", 48, 192);
	CHECK(g != NULL);
	if (!g)
		return;
	nxw_session *s = session_on(g, "infer-shapes,fold-constants,canonicalize,fold-batchnorm,"
				    "fuse-activation,quantize-int8");
	if (!s)
		return;
	nxw_numdebug d;
	nx_err err;
	CHECK(nxw_numdebug_run(s, s->n_steps - 1, 0, NULL, &d, &err) == 0);
	uint32_t with_sqnr = 0;
	double lowest = INFINITY;
	for (uint32_t i = 0; i < d.n; i++) {
		if (!isnan(d.ops[i].sqnr_db)) {
			with_sqnr++;
			/* 8-bit symmetric per-channel weights: 6 dB a bit, less the range lost */
			CHECK(d.ops[i].sqnr_db > 25 && d.ops[i].sqnr_db < 60);
		}
		if (d.ops[i].match != NXW_MATCH_NONE)
			lowest = fmin(lowest, d.ops[i].snr_db);
	}
	CHECK(with_sqnr > 10);
	CHECK(d.lowest_snr != UINT32_MAX);
	if (d.lowest_snr != UINT32_MAX)
		CHECK(d.ops[d.lowest_snr].snr_db == lowest);
	nxw_numdebug_free(&d);
	nxw_session_free(s);
}

static void fp16_rec_and_unmatched(void)
{
	nx_graph *g = model("ch_PP-OCRv4_rec_infer.onnx", "x", 48, 320);
	CHECK(g != NULL);
	if (!g)
		return;
	nxw_session *s = session_on(g, "infer-shapes,fold-constants,canonicalize,cse,"
				    "cancel-transposes,fold-batchnorm,fuse-patterns,fuse-activation,"
				    "dce,layout-ne{linear=true},to-fp16");
	if (!s)
		return;
	nxw_numdebug d;
	nx_err err;
	nxw_debug_opts o = {.shadow = false};
	CHECK(nxw_numdebug_run(s, s->n_steps - 1, 0, &o, &d, &err) == 0);
	uint32_t transposes_unmatched = 0;
	const nx_graph *gk = s->steps[s->n_steps - 1].snap;
	for (uint32_t i = 0; i < d.n; i++) {
		const nxw_opnum *m = &d.ops[i];
		if (m->match == NXW_MATCH_NONE) {
			transposes_unmatched += !strcmp(nx_op_name(gk, m->op), "transpose");
			CHECK(isnan(m->cosine)); /* listed, never compared */
		} else {
			CHECK(m->cosine > 0.99);
		}
	}
	CHECK(d.unmatched > 0);
	CHECK(transposes_unmatched > 0);
	CHECK(d.worst != UINT32_MAX);
	nxw_numdebug_free(&d);
	nxw_session_free(s);
}

int main(int argc, char **argv)
{
	const char *home = getenv("HOME");
	snprintf(dir, sizeof dir, "%s/.cache/nex/models", home ? home : "/root");
	char probe[600];
	snprintf(probe, sizeof probe, "%s/ch_PP-OCRv4_det_infer.onnx", dir);
	FILE *f = fopen(probe, "rb");
	if (!f) {
		printf("skipped: %s missing (make models fetches it)\n", probe);
		return 77;
	}
	fclose(f);
	static const check_case cases[] = {
		{"sabotage_det", sabotage_det},
		{"int8_cls", int8_cls},
		{"fp16_rec_and_unmatched", fp16_rec_and_unmatched},
		{NULL, NULL},
	};
	return check_main(cases, argc, argv);
}
