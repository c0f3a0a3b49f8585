/* bench_codegen.c — the back end's speed (issue 17's targets): nxg_lower
 * (allocation from the recorded plan, tasks, weight DMA, events) on
 * generated ResNets of 1k, 10k and 100k ops after the default pipeline on
 * m1 (target <= 500 ms at 100k; the figures show how it grows), and on
 * PaddleOCR det at 1x3x640x640 (target <= 20 ms); then the executor
 * against the interpreter on det, same inputs and thread count (target:
 * within 1.5x of nx_run), interleaved: cold (nxg_exec, which checks the
 * program and faults in a new 37 MB memory image every call) and warm
 * (nxg_exec_run on one open executor, as nx_run runs on a warm heap).
 * Last, the tile pass's cost in the interpreter: nx_run on det after the
 * default pipeline and after it without `tile`, at 2 and 1 threads,
 * interleaved (wall and CPU medians). Medians; det is skipped, and says so, when the
 * model is missing. Fails only if something errs.
 *
 * usage: bench_codegen [RUNS]   (default 5)
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nxg.h"
#include "nxp.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* CPU seconds of the process, all threads. */
static double cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double median(double *t, int n)
{
	qsort(t, (size_t)n, sizeof *t, cmp_double);
	return n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
}

/* The default pipeline; without_tile: the same without the tile pass. */
static int pipeline_of(nx_graph *g, const nx_target *t, bool without_tile, nx_err *err)
{
	nxp_pipeline pl = {0};
	if (nxp_pipeline_parse(&pl, "default", err))
		return -1;
	if (without_tile) {
		uint32_t n = 0;
		for (uint32_t i = 0; i < pl.n; i++)
			if (strcmp(pl.inv[i].pass->name, "tile"))
				pl.inv[n++] = pl.inv[i];
			else
				free(pl.inv[i].options);
		pl.n = n;
	}
	int rc = 0;
	for (uint32_t i = 0; i < pl.n && !rc; i++) {
		nxp_ctx ctx;
		nxp_ctx_init(&ctx, pl.inv[i].pass, -1);
		ctx.target = t;
		if (pl.inv[i].options && nxp_ctx_set_options(&ctx, pl.inv[i].options))
			rc = -1;
		if (!rc && nxp_run(pl.inv[i].pass, g, &ctx)) {
			*err = ctx.err;
			rc = -1;
		}
		nxp_ctx_free(&ctx);
	}
	nxp_pipeline_free(&pl);
	return rc;
}

static int pipeline(nx_graph *g, const nx_target *t, nx_err *err)
{
	return pipeline_of(g, t, false, err);
}

/* Median ms of nxg_lower on g; tasks into *n_tasks. */
static double lower_ms(const nx_graph *g, const nx_target *t, int runs, uint32_t *n_tasks)
{
	double *ts = calloc((size_t)runs, sizeof *ts);
	for (int r = 0; r < runs; r++) {
		nxg_prog *p;
		nx_err err;
		double t0 = nx_now();
		if (nxg_lower(g, t, NULL, &p, &err)) {
			fprintf(stderr, "bench_codegen: %s\n", err.msg);
			exit(1);
		}
		ts[r] = (nx_now() - t0) * 1e3;
		*n_tasks = p->n_tasks;
		nxg_prog_free(p);
	}
	double m = median(ts, runs);
	free(ts);
	return m;
}

int main(int argc, char **argv)
{
	nx_process_init();
	int runs = argc > 1 ? atoi(argv[1]) : 5;
	if (runs < 1 || runs > 1000) {
		fprintf(stderr, "usage: bench_codegen [RUNS]\n");
		return 2;
	}
	nx_err err;
	nx_target t;
	if (nx_target_preset("m1", &t, &err)) {
		fprintf(stderr, "bench_codegen: %s\n", err.msg);
		return 1;
	}
	for (uint32_t ops = 1000; ops <= 100000; ops *= 10) {
		nx_gen_opts o = {.kind = NX_GEN_RESNET, .ops = ops, .seed = 1};
		nx_graph *g = nx_gen(&o, &err);
		if (!g || pipeline(g, &t, &err)) {
			fprintf(stderr, "bench_codegen: %s\n", err.msg);
			return 1;
		}
		uint32_t n;
		double ms = lower_ms(g, &t, runs, &n);
		printf("codegen resnet %6u ops: median %8.2f ms, %u tasks", ops, ms, n);
		if (ops == 100000)
			printf("  (target <= 500 ms)  %s", ms <= 500 ? "ok" : "OVER");
		printf("\n");
		nx_graph_free(g);
	}
	const char *home = getenv("HOME");
	char path[4096];
	snprintf(path, sizeof path, "%s/.cache/nex/models/ch_PP-OCRv4_det_infer.onnx",
		 home ? home : "");
	nx_shape_bind b = {.name = "x", .rank = 4, .dims = {1, 3, 640, 640}};
	nx_onnx_opts oo = {.binds = &b, .n_binds = 1};
	FILE *f = fopen(path, "rb");
	if (!f) {
		printf("det: skipped (%s missing)\n", path);
		return 0;
	}
	fclose(f);
	nx_graph *g = nx_onnx_import(path, &oo, &err);
	if (!g || pipeline(g, &t, &err)) {
		fprintf(stderr, "bench_codegen: %s\n", err.msg);
		return 1;
	}
	uint32_t n;
	double ms = lower_ms(g, &t, runs, &n);
	printf("codegen det: median %.2f ms, %u tasks  (target <= 20 ms)  %s\n", ms, n,
	       ms <= 20 ? "ok" : "OVER");
	nxg_prog *p;
	if (nxg_lower(g, &t, NULL, &p, &err)) {
		fprintf(stderr, "bench_codegen: %s\n", err.msg);
		return 1;
	}
	uint64_t state = 0x9e3779b97f4a7c15ull;
	nx_tensor in = nx_tensor_random(nx_vtype(g, g->inputs[0]), &state, 0, 1);
	int xr = runs < 3 ? 3 : runs;
	/* Interleaved rounds: the executor cold (nxg_exec: check, a new memory
	 * image, run), the executor warm (one nxg_exec_open, then a run per
	 * round on the same image), the interpreter (nx_run, whose heap is
	 * warm after the first round as well). */
	double *te = calloc((size_t)xr, sizeof *te), *ti = calloc((size_t)xr, sizeof *ti);
	double *tw = calloc((size_t)xr, sizeof *tw);
	double *cw = calloc((size_t)xr, sizeof *cw), *ci = calloc((size_t)xr, sizeof *ci);
	nxg_exec_ctx *cx;
	if (nxg_exec_open(p, g, &t, NULL, &cx, &err)) {
		fprintf(stderr, "bench_codegen: %s\n", err.msg);
		return 1;
	}
	for (int r = 0; r < xr; r++) {
		nx_tensor *outs;
		double t0 = nx_now();
		if (nxg_exec(p, g, &t, &in, 1, NULL, &outs, NULL, &err)) {
			fprintf(stderr, "bench_codegen: %s\n", err.msg);
			return 1;
		}
		te[r] = (nx_now() - t0) * 1e3;
		for (uint32_t k = 0; k < p->n_out; k++)
			nx_tensor_free(&outs[k]);
		free(outs);
		t0 = nx_now();
		double c0 = cpu_now();
		if (nxg_exec_run(cx, &in, 1, &outs, NULL, &err)) {
			fprintf(stderr, "bench_codegen: %s\n", err.msg);
			return 1;
		}
		tw[r] = (nx_now() - t0) * 1e3;
		cw[r] = (cpu_now() - c0) * 1e3;
		for (uint32_t k = 0; k < p->n_out; k++)
			nx_tensor_free(&outs[k]);
		free(outs);
		nx_run_result res;
		t0 = nx_now();
		c0 = cpu_now();
		if (nx_run(g, &in, 1, NULL, &res, &err)) {
			fprintf(stderr, "bench_codegen: %s\n", err.msg);
			return 1;
		}
		ti[r] = (nx_now() - t0) * 1e3;
		ci[r] = (cpu_now() - c0) * 1e3;
		nx_run_result_free(&res);
	}
	nxg_exec_close(cx);
	double e = median(te, xr), i = median(ti, xr), w = median(tw, xr);
	printf("exec det: median %.1f ms cold (nxg_exec: check, new image, run), %.1f ms warm "
	       "(nxg_exec_run on an open executor), checks on; nx_run %.1f ms; %d rounds "
	       "interleaved\n", e, w, i, xr);
	printf("exec det: warm %.2fx nx_run (target <= 1.5x)  %s; cold %.2fx; cpu: warm %.1f ms, "
	       "nx_run %.1f ms, %.2fx\n", w / i, w <= 1.5 * i ? "ok" : "OVER", e / i,
	       median(cw, xr), median(ci, xr), median(cw, xr) / median(ci, xr));
	free(tw);
	free(cw);
	free(ci);
	/* The tile pass's cost in the interpreter: det with and without it,
	 * nx_run at 2 and at 1 thread, interleaved round by round; wall and
	 * process CPU milliseconds. */
	nx_graph *gn = nx_onnx_import(path, &oo, &err);
	if (!gn || pipeline_of(gn, &t, true, &err)) {
		fprintf(stderr, "bench_codegen: %s\n", err.msg);
		return 1;
	}
	for (int th = 2; th >= 1; th--) {
		double *wl[2], *c[2];
		for (int v = 0; v < 2; v++) {
			wl[v] = calloc((size_t)xr, sizeof *wl[v]);
			c[v] = calloc((size_t)xr, sizeof *c[v]);
		}
		nx_run_opts ro = {.threads = th};
		for (int r = 0; r < xr; r++)
			for (int v = 0; v < 2; v++) {
				nx_run_result res;
				double t0 = nx_now(), c0 = cpu_now();
				if (nx_run(v ? gn : g, &in, 1, &ro, &res, &err)) {
					fprintf(stderr, "bench_codegen: %s\n", err.msg);
					return 1;
				}
				wl[v][r] = (nx_now() - t0) * 1e3;
				c[v][r] = (cpu_now() - c0) * 1e3;
				nx_run_result_free(&res);
			}
		double w0 = median(wl[0], xr), w1 = median(wl[1], xr);
		double c0 = median(c[0], xr), c1 = median(c[1], xr);
		printf("run det %d thread%s: default pipeline %.1f ms (cpu %.1f), without tile %.1f ms "
		       "(cpu %.1f): tiles cost %+.1f%% wall, %+.1f%% cpu\n", th, th > 1 ? "s" : "",
		       w0, c0, w1, c1, (w0 / w1 - 1) * 100, (c0 / c1 - 1) * 100);
		for (int v = 0; v < 2; v++) {
			free(wl[v]);
			free(c[v]);
		}
	}
	nx_graph_free(gn);
	nx_tensor_free(&in);
	free(te);
	free(ti);
	nxg_prog_free(p);
	nx_graph_free(g);
	return 0;
}
