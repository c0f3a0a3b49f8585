/* bench_onnx_import.c — ONNX import time of the three PaddleOCR models,
 * against Python's onnx package doing what a Python tool would do first:
 *   nex:    nx_onnx_import (read, decode, bind --shape, infer every op,
 *           fold shape arithmetic) + nx_verify
 *   python: onnx.load + onnx.checker.check_model + onnx.shape_inference.
 *           infer_shapes (timed inside one python3 process, so interpreter
 *           start-up and `import onnx` are not counted)
 * Each figure is the median of 5 runs. Models come from $NEX_MODELS
 * (default ~/.cache/nex/models; scripts/fetch-models.sh); a missing model
 * or a python3 without onnx is reported and skipped. Never fails on a
 * figure.
 *
 * usage: bench_onnx_import [RUNS]   (default 5)
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "nx.h"

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(double *t, int n)
{
	qsort(t, (size_t)n, sizeof *t, cmp);
	return n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
}

static void quiet(void *ctx, const char *msg)
{
	(void)ctx;
	(void)msg;
}

/* Median seconds of runs under python (a python3 with the onnx package);
 * -1 if it is unusable. */
static double python_run(const char *python, const char *path, int runs)
{
	char cmd[2048];
	snprintf(cmd, sizeof cmd,
		 "%s -c 'import sys, time, statistics\n"
		 "try:\n import onnx\nexcept ImportError:\n print(-1); sys.exit(0)\n"
		 "t = []\n"
		 "for _ in range(%d):\n"
		 " s = time.perf_counter()\n"
		 " m = onnx.load(sys.argv[1]); onnx.checker.check_model(m)\n"
		 " onnx.shape_inference.infer_shapes(m)\n"
		 " t.append(time.perf_counter() - s)\n"
		 "print(statistics.median(t))' '%s' 2>/dev/null", python, runs, path);
	FILE *p = popen(cmd, "r");
	if (!p)
		return -1;
	double v = -1;
	if (fscanf(p, "%lf", &v) != 1)
		v = -1;
	pclose(p);
	return v;
}

/* The first python3 on PATH may lack onnx (pyenv): try Debian's too. */
static double python_median(const char *path, int runs)
{
	double v = python_run("python3", path, runs);
	return v > 0 ? v : python_run("/usr/bin/python3", path, runs);
}

int main(int argc, char **argv)
{
	nx_process_init(); /* as nex's main does */
	int runs = argc > 1 ? atoi(argv[1]) : 5;
	if (runs < 1 || runs > 100)
		runs = 5;
	const char *env = getenv("NEX_MODELS");
	char dir[1024];
	if (env && *env)
		snprintf(dir, sizeof dir, "%s", env);
	else
		snprintf(dir, sizeof dir, "%s/.cache/nex/models", getenv("HOME") ? getenv("HOME") : ".");
	static const struct {
		const char *file, *input;
		int64_t dims[4];
	} models[] = {
		{"ch_PP-OCRv4_det_infer.onnx", "x", {1, 3, 640, 640}},
		{"ch_PP-OCRv4_rec_infer.onnx", "x", {1, 3, 48, 320}},
		{"ch_ppocr_mobile_v2.0_cls_infer.onnx", "x", {1, 3, 48, 192}},
	};
	int status = 0;
	for (size_t m = 0; m < sizeof models / sizeof models[0]; m++) {
		char path[1200];
		snprintf(path, sizeof path, "%s/%s", dir, models[m].file);
		struct stat st;
		if (stat(path, &st)) {
			printf("%s: skipped (not in %s; scripts/fetch-models.sh)\n", models[m].file, dir);
			continue;
		}
		nx_shape_bind b = {models[m].input, 4, {0}};
		memcpy(b.dims, models[m].dims, sizeof models[m].dims);
		nx_onnx_opts o = {0};
		o.binds = &b;
		o.n_binds = 1;
		o.warn = quiet;
		double t[100];
		uint32_t ops = 0;
		for (int r = 0; r < runs; r++) {
			nx_err err;
			double t0 = nx_now();
			nx_graph *g = nx_onnx_import(path, &o, &err);
			if (g && nx_verify(g, &err)) {
				nx_graph_free(g);
				g = NULL;
			}
			t[r] = nx_now() - t0;
			if (!g) {
				printf("%s: FAILED: %s\n", models[m].file, err.msg);
				status = 1;
				break;
			}
			ops = g->n_live_ops;
			nx_graph_free(g);
		}
		if (status)
			continue;
		double nex = median(t, runs), py = python_median(path, runs);
		printf("%s (%.1f MB, %u ops): nex import+verify %.1f ms", models[m].file,
		       (double)st.st_size / 1e6, ops, nex * 1e3);
		if (py > 0)
			printf(", python onnx load+check+infer_shapes %.1f ms (%.1fx)\n", py * 1e3,
			       py / nex);
		else
			printf(", python: skipped (python3 with the onnx package not found)\n");
	}
	return status;
}
