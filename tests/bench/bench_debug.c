/* bench_debug.c — the per-op numeric debugger against plain runs: debugging
 * the last step of the default pipeline against step 0 (two runs keeping
 * every value, matching, metrics; with and without shadow mode) next to two
 * plain runs of the same two graphs, on the demo (target: <= 50 ms) and on
 * PaddleOCR det 1x3x640x640 (target: <= 2.5x the two plain runs) when the
 * model is in $NEX_MODELS or ~/.cache/nex/models. Medians; the most step-0
 * bytes the debugger held at once and the peak RSS of the process are
 * printed. The plain runs use the
 * default threads (one per core) each; the debugger runs its two graphs
 * side by side with the cores split between them. Fails only on an error.
 *
 * usage: bench_debug [RUNS]   (default 5)
 */
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "nxw.h"
#include "../unit/paddleocr.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *t, int n)
{
	qsort(t, (size_t)n, sizeof *t, cmp_double);
	return n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
}

static int plain_runs(nxw_session *s, uint32_t k)
{
	nx_err err;
	for (uint32_t j = 0; j <= k; j += k) {
		nx_graph *g = s->steps[j].snap;
		uint64_t st = 1;
		nx_tensor *in = calloc(g->n_inputs + 1, sizeof *in);
		for (uint32_t i = 0; i < g->n_inputs; i++)
			in[i] = nx_tensor_random(nx_vtype(g, g->inputs[i]), &st, -1, 1);
		nx_run_result r;
		nx_run_opts o = {0};
		int rc = nx_run(g, in, g->n_inputs, &o, &r, &err);
		for (uint32_t i = 0; i < g->n_inputs; i++)
			nx_tensor_free(&in[i]);
		free(in);
		if (rc) {
			fprintf(stderr, "bench_debug: %s\n", err.msg);
			return -1;
		}
		nx_run_result_free(&r);
		if (k == 0)
			break;
	}
	return 0;
}

static int bench(const char *name, nx_graph *g, int runs, double target_ms, double target_x)
{
	nx_err err;
	nxw_session *s = nxw_session_new(g);
	if (nxw_set_pipeline(s, "default", &err) || nxw_apply_all(s, -1, &err) < 0) {
		fprintf(stderr, "bench_debug: %s: %s\n", name, err.msg);
		nxw_session_free(s);
		return -1;
	}
	uint32_t k = s->n_steps - 1;
	double *tp = calloc((size_t)runs, sizeof *tp), *td = calloc((size_t)runs, sizeof *td),
	       *ts = calloc((size_t)runs, sizeof *ts);
	int rc = 0;
	size_t held = 0;
	for (int r = 0; r < runs && !rc; r++) {
		double t0 = nx_now();
		rc = plain_runs(s, k);
		double t1 = nx_now();
		nxw_numdebug d;
		nxw_debug_opts o = {.shadow = false};
		rc = rc ? rc : nxw_numdebug_run(s, k, 0, &o, &d, &err);
		double t2 = nx_now();
		if (!rc) {
			held = d.ref_peak_bytes;
			nxw_numdebug_free(&d);
		}
		o.shadow = true;
		rc = rc ? rc : nxw_numdebug_run(s, k, 0, &o, &d, &err);
		double t3 = nx_now();
		if (!rc)
			nxw_numdebug_free(&d);
		tp[r] = (t1 - t0) * 1e3;
		td[r] = (t2 - t1) * 1e3;
		ts[r] = (t3 - t2) * 1e3;
	}
	if (rc) {
		fprintf(stderr, "bench_debug: %s: %s\n", name, err.msg);
	} else {
		double p = median(tp, runs), d = median(td, runs), sh = median(ts, runs);
		printf("%-5s two plain runs %8.1f ms | debug %8.1f ms = %.2fx", name, p, d, d / p);
		if (target_x > 0)
			printf(" (target <= %.1fx) %s", target_x, d / p <= target_x ? "ok" : "OVER");
		if (target_ms > 0)
			printf(" (target <= %.0f ms) %s", target_ms, d <= target_ms ? "ok" : "OVER");
		printf(" | with shadow %8.1f ms = %.2fx | step-0 values held at most %.1f MiB\n", sh,
		       sh / p, held / 1048576.0);
		/* the suite's line format (tests/bench/suite.sh); median sorted
		 * the arrays, so their ends are min and max */
		printf("BENCH name=debug-%s runs=%d median_ms=%.4f min_ms=%.4f max_ms=%.4f\n", name,
		       runs, d, td[0], td[runs - 1]);
		printf("BENCH name=plain-%s runs=%d median_ms=%.4f min_ms=%.4f max_ms=%.4f\n", name,
		       runs, p, tp[0], tp[runs - 1]);
	}
	free(tp);
	free(td);
	free(ts);
	nxw_session_free(s);
	return rc;
}

int main(int argc, char **argv)
{
	nx_process_init();
	int runs = argc > 1 ? atoi(argv[1]) : 5;
	if (runs < 1)
		runs = 1;
	nx_err err;
	printf("median of %d; step = the last of the default pipeline, against step 0\n", runs);
	if (bench("demo", nx_demo(&err), runs, 50, 0))
		return 1;
	/* $NEX_MODELS, else ~/.cache/nex/models, as the model tests find it */
	nx_graph *g = paddle_import(&paddle_models[PADDLE_DET], &err);
	if (!g)
		printf("det   skipped: %s\n", err.msg);
	else if (bench("det", g, runs, 0, 2.5))
		return 1;
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("peak RSS of the process %.0f MiB (the kept values of both runs at their largest)\n",
	       ru.ru_maxrss / 1024.0);
	return 0;
}
