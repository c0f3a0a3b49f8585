/* bench_tui.c — how fast the TUI draws, measured headless through the same
 * app the terminal and the script mode use (nxt_app_new, nxt_draw, the
 * actions table), against issue 14's targets: on a generated 100k-op graph
 * the first frame after the model is loaded (<= 300 ms: session, first NE
 * model run, row index, frame), one frame of each view (<= 10 ms), a scroll
 * keystroke to a drawn frame (<= 16 ms); on PaddleOCR det one rewrite
 * stepped and redrawn (<= 50 ms; skipped if the model is absent). The views
 * are timed after one rewrite on the big graph, so Diff and Remarks have
 * content. The first frame is also given in process CPU time, which a
 * loaded machine does not inflate. Medians;
 * the canvas is 200x50. Figures only: it fails only if something errs.
 *
 * usage: bench_tui [OPS [RUNS]]   (defaults 100000 and 11)
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nxt.h"

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

/* Process CPU time: on a shared machine the wall clock also counts the
 * time other processes had the cores. */
static double cpu_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static nxt_app *open_app(nx_graph *g, const char *name, const nx_target *t)
{
	nx_err err;
	nxt_open_opts o = {.model_name = name, .target = t, .script = "(bench)"};
	nxt_app *a = nxt_app_new(g, &o, &err);
	if (!a) {
		fprintf(stderr, "bench_tui: %s\n", err.msg);
		exit(1);
	}
	nxt_command(a, "resize 200x50");
	return a;
}

int main(int argc, char **argv)
{
	uint32_t ops = argc > 1 ? (uint32_t)atoi(argv[1]) : 100000;
	int runs = argc > 2 ? atoi(argv[2]) : 11;
	if (runs < 1 || runs > 1000)
		runs = 11;
	nx_err err;
	nx_target t;
	if (nx_target_preset("m1", &t, &err)) {
		fprintf(stderr, "bench_tui: %s\n", err.msg);
		return 1;
	}
	double *tm = nx_xmalloc((size_t)runs * sizeof *tm);

	/* first frame: a fresh app on a fresh graph each run */
	uint32_t n_ops = 0;
	double tc[5];
	for (int r = 0; r < runs && r < 5; r++) {
		nx_gen_opts go = {.kind = NX_GEN_RESNET, .ops = ops, .seed = 1};
		nx_graph *g = nx_gen(&go, &err);
		if (!g) {
			fprintf(stderr, "bench_tui: %s\n", err.msg);
			return 1;
		}
		n_ops = g->n_live_ops;
		double t0 = nx_now(), c0 = cpu_now();
		nxt_app *a = open_app(g, "gen", &t);
		nxt_draw(a);
		tm[r] = nx_now() - t0;
		tc[r] = cpu_now() - c0;
		nxt_app_free(a);
	}
	printf("tui first frame, %u-op resnet, 200x50: %.1f ms wall, %.1f ms cpu (target <= 300 "
	       "ms)\n", n_ops, median(tm, runs < 5 ? runs : 5) * 1e3,
	       median(tc, runs < 5 ? runs : 5) * 1e3);

	nx_gen_opts go = {.kind = NX_GEN_RESNET, .ops = ops, .seed = 1};
	nxt_app *a = open_app(nx_gen(&go, &err), "gen", &t);
	/* one rewrite, so the Diff and Remarks views have something to show */
	double ts = nx_now();
	nxt_command(a, "step");
	nxt_draw(a);
	printf("tui step one rewrite on the %u-op resnet and redraw: %.1f ms (once)\n", n_ops,
	       (nx_now() - ts) * 1e3);
	static const char *const views[] = {"ir", "diff", "cost", "memory", "remarks", "console",
					    "graph", "help"};
	for (size_t v = 0; v < sizeof views / sizeof views[0]; v++) {
		char cmd[64];
		snprintf(cmd, sizeof cmd, "view %s", views[v]);
		nxt_command(a, cmd);
		nxt_draw(a); /* the view's first frame builds its caches */
		for (int r = 0; r < runs; r++) {
			double t0 = nx_now();
			nxt_draw(a);
			tm[r] = nx_now() - t0;
		}
		printf("tui frame, %-8s view: %.3f ms (target <= 10 ms)\n", views[v],
		       median(tm, runs) * 1e3);
	}
	nxt_command(a, "view ir");
	nxt_draw(a);
	for (int r = 0; r < runs; r++) {
		double t0 = nx_now();
		nxt_command(a, "page-down");
		nxt_draw(a);
		tm[r] = nx_now() - t0;
	}
	printf("tui scroll (half a page) to a drawn frame, IR view: %.3f ms (target <= 16 ms)\n",
	       median(tm, runs) * 1e3);
	for (int r = 0; r < runs; r++) {
		double t0 = nx_now();
		nxt_command(a, "down");
		nxt_draw(a);
		tm[r] = nx_now() - t0;
	}
	printf("tui scroll (one line) to a drawn frame, IR view: %.3f ms (target <= 16 ms)\n",
	       median(tm, runs) * 1e3);
	nxt_app_free(a);

	/* one rewrite on det, with the redraw */
	const char *home = getenv("HOME"), *models = getenv("NEX_MODELS");
	char path[1024];
	if (models)
		snprintf(path, sizeof path, "%s/ch_PP-OCRv4_det_infer.onnx", models);
	else
		snprintf(path, sizeof path, "%s/.cache/nex/models/ch_PP-OCRv4_det_infer.onnx",
			 home ? home : ".");
	nx_shape_bind bind = {.name = "x", .dims = {1, 3, 640, 640}, .rank = 4};
	nx_onnx_opts oo = {.binds = &bind, .n_binds = 1};
	nx_graph *det = nx_onnx_import(path, &oo, &err);
	if (!det) {
		printf("tui step on det: skipped (%s)\n", err.msg);
		free(tm);
		return 0;
	}
	a = open_app(det, "det", &t);
	nxt_draw(a);
	int steps = 0;
	for (int r = 0; r < runs; r++) {
		double t0 = nx_now();
		nxt_command(a, "step");
		nxt_draw(a);
		tm[steps++] = nx_now() - t0;
	}
	printf("tui step one rewrite on det and redraw: %.1f ms (target <= 50 ms)\n",
	       median(tm, steps) * 1e3);
	nxt_app_free(a);
	free(tm);
	return 0;
}
