/* test_provenance_models.c — provenance.h's checks (graph outputs keep their
 * names and order; no step-0 op name disappears without a pass saying so)
 * for every pass, the default pipeline and the lossy passes after it, on
 * the PaddleOCR det, rec and cls models ($NEX_MODELS or ~/.cache/nex/models,
 * fetched by scripts/fetch-models.sh). Exits 77 (ctest: skipped) when a
 * model is missing, saying so. */
#include "check.h"
#include "paddleocr.h"
#include "provenance.h"

static prov_tally tally;

static void run_model(const paddle_model *m)
{
	nx_err err;
	nx_graph *g = paddle_import(m, &err);
	CHECK(g != NULL);
	if (!g) {
		fprintf(stderr, "%s: %s\n", m->file, err.msg);
		return;
	}
	prov_check_all(m->file, g, &tally);
	nx_graph_free(g);
}

static void test_det(void) { run_model(&paddle_models[PADDLE_DET]); }
static void test_rec(void) { run_model(&paddle_models[PADDLE_REC]); }
static void test_cls(void) { run_model(&paddle_models[PADDLE_CLS]); }

int main(int argc, char **argv)
{
	int skip = paddle_require_all();
	if (skip)
		return skip;
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
