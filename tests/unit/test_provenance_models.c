/* test_provenance_models.c — provenance.h's checks (graph outputs keep their
 * names and order; no step-0 op name disappears without a pass saying so)
 * for every pass, the default pipeline and the lossy passes after it, on
 * the PaddleOCR det, rec and cls models ($NEX_MODELS or ~/.cache/nex/models,
 * fetched by scripts/fetch-models.sh). Exits 77 (ctest: skipped) when a
 * model is missing, saying so. */
#include "check.h"
#include "provenance.h"

typedef struct model {
	const char *file;
	int64_t h, w;
} model;

static const model models[] = {
	{"ch_PP-OCRv4_det_infer.onnx", 640, 640},
	{"ch_PP-OCRv4_rec_infer.onnx", 48, 320},
	{"ch_ppocr_mobile_v2.0_cls_infer.onnx", 48, 192},
};

static char dir[1024];
static prov_tally tally;

static void run_model(const model *m)
{
	char path[1200];
	snprintf(path, sizeof path, "%s/%s", dir, m->file);
	nx_shape_bind b = {.name = "x", .rank = 4, .dims = {1, 3, m->h, m->w}};
	nx_onnx_opts o = {.binds = &b, .n_binds = 1};
	nx_err err;
	nx_graph *g = nx_onnx_import(path, &o, &err);
	CHECK(g != NULL);
	if (!g) {
		fprintf(stderr, "%s\n", err.msg);
		return;
	}
	prov_check_all(m->file, g, &tally);
	nx_graph_free(g);
}

static void test_det(void) { run_model(&models[0]); }
static void test_rec(void) { run_model(&models[1]); }
static void test_cls(void) { run_model(&models[2]); }

int main(int argc, char **argv)
{
	const char *env = getenv("NEX_MODELS"), *home = getenv("HOME");
	if (env)
		snprintf(dir, sizeof dir, "%s", env);
	else
		snprintf(dir, sizeof dir, "%s/.cache/nex/models", home ? home : ".");
	for (size_t i = 0; i < sizeof models / sizeof models[0]; i++) {
		char path[1200];
		snprintf(path, sizeof path, "%s/%s", dir, models[i].file);
		FILE *f = fopen(path, "rb");
		if (!f) {
			printf("skipped: %s not found (scripts/fetch-models.sh fetches it)\n", path);
			return 77;
		}
		fclose(f);
	}
	static const check_case cases[] = {
		{"det", test_det},
		{"rec", test_rec},
		{"cls", test_cls},
		{NULL, NULL},
	};
	int rc = check_main(cases, argc, argv);
	printf("%u runs (%u stopped by a pass or verifier error), %u steps, %u step-0 names "
	       "followed\n", tally.runs, tally.failed_runs, tally.steps, tally.names);
	return rc;
}
