/* bench_lua.c — figures for the Lua issue, each with the C figure measured
 * in the same run:
 *  - a Lua pass that visits every op of `nex gen --kind resnet --ops 100000`
 *    reading its kind and shape (op:kind(), op:shape(): a new table of the
 *    dims) (target <= 150 ms), against the same visit written in C; median
 *    of 5 pass runs (nxp_run: the pass alone);
 *  - scripts/passes/fuse_hardswish.lua on PaddleOCR det (after
 *    canonicalize) against the C pass fuse-patterns (whose only fusions on
 *    det are the same 24 HardSwish ones): median of 5 (target: within 5x);
 *  - stepping one rewrite of that Lua pass on det with the session (clone,
 *    pass with a budget, verifier, as `s:step()` and `--into` do): median
 *    over its 24 rewrites (target <= 20 ms), against fuse-patterns.
 * det comes from $NEX_MODELS (default ~/.cache/nex/models); without it those
 * figures say "skipped". Never fails on a figure.
 * Each figure is the process CPU time (passes run on one thread), with the
 * wall time after it: on a shared, loaded machine wall time mostly measures
 * the other processes. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nxl.h"

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double median(double *t, int n)
{
	qsort(t, (size_t)n, sizeof *t, cmp);
	return t[n / 2];
}

/* The C twin of the Lua visit: kind name and dims of every op. */
static int visit_c(nx_graph *g, nxp_ctx *ctx)
{
	int64_t sum = 0;
	NX_FOR_OPS(g, o) {
		sum += (int64_t)strlen(nx_op_name(g, o));
		if (g->ops[o].n_out) {
			const nx_type *t = nx_vtype(g, nx_result(g, o, 0));
			sum += t->rank + (t->rank ? t->dims[0] : 0);
		}
	}
	nxp_stat_add(ctx, "sum", sum);
	return 0;
}
static const nxp_pass visit_c_pass = {.name = "visit-c", .summary = "bench", .run = visit_c};

static const char visit_lua[] =
	"nex.pass{name='visit-lua', run=function(g, ctx)\n"
	"  local sum = 0\n"
	"  for op in g:ops() do\n"
	"    local shape = op:shape()\n"
	"    sum = sum + #op:kind() + #shape + (shape[1] or 0)\n"
	"  end\n"
	"  ctx:stat('sum', sum)\n"
	"end}\n";

/* Median CPU seconds of 5 runs of p on clones of g (*wall: median wall
 * seconds); *stat gets the first stat. */
static double run_median(const nxp_pass *p, const nx_graph *g, int64_t *stat, double *wall)
{
	double t[5], w[5];
	for (int r = 0; r < 5; r++) {
		nx_graph *c = nx_graph_clone(g);
		nxp_ctx ctx;
		nxp_ctx_init(&ctx, p, -1);
		double c0 = cpu_now();
		if (nxp_run(p, c, &ctx) != 0)
			fprintf(stderr, "bench: %s failed: %s\n", p->name, ctx.err.msg);
		t[r] = cpu_now() - c0;
		w[r] = ctx.seconds;
		*stat = ctx.n_stats ? ctx.stats[0].value : 0;
		nxp_ctx_free(&ctx);
		nx_graph_free(c);
	}
	*wall = median(w, 5);
	return median(t, 5);
}

/* Median CPU seconds of one nxw_step_into over the pass after
 * canonicalize (*wall: the median wall seconds). */
static double step_median(const nx_graph *det, const nxp_catalog *cat, const char *pass,
			  int *steps, double *wall)
{
	double w[256];
	nxw_session *s = nxw_session_new(nx_graph_clone(det));
	s->catalog = cat;
	nx_err err;
	char pl[128];
	snprintf(pl, sizeof pl, "canonicalize,%s", pass);
	double t[256];
	int n = 0;
	if (nxw_set_pipeline(s, pl, &err) == 0 && nxw_apply(s, &err) == 1) {
		while (n < 256) {
			double t0 = nx_now(), c0 = cpu_now();
			int rc = nxw_step_into(s, &err);
			double dc = cpu_now() - c0, dt = nx_now() - t0;
			if (rc <= 0)
				break;
			w[n] = dt;
			t[n++] = dc;
			if (nxw_cur(s)->complete)
				break;
		}
	}
	nxw_session_free(s);
	*steps = n;
	*wall = n ? median(w, n) : 0;
	return n ? median(t, n) : 0;
}

int main(void)
{
	nx_process_init();
	nx_err err;
	nxl_state *st = nxl_open(NULL, NULL, &err);
	if (!st || nxl_run_string(st, visit_lua, "bench", NULL, NULL, &err) != 0) {
		fprintf(stderr, "bench_lua: %s\n", err.msg);
		return 1;
	}
	/* the source tree, from this file's path */
	char root[1024];
	snprintf(root, sizeof root, "%s", __FILE__);
	char *cut = strstr(root, "/tests/bench/");
	if (cut)
		*cut = 0;
	char script[1200];
	snprintf(script, sizeof script, "%s/scripts/passes/fuse_hardswish.lua", root);
	if (nxl_run_file(st, script, 0, NULL, NULL, NULL, &err) != 0) {
		fprintf(stderr, "bench_lua: %s\n", err.msg);
		return 1;
	}
	const nxp_catalog *cat = nxl_catalog(st);

	nx_gen_opts go = {.kind = NX_GEN_RESNET, .ops = 100000, .seed = 1};
	nx_graph *g = nx_gen(&go, &err);
	if (!g) {
		fprintf(stderr, "bench_lua: %s\n", err.msg);
		return 1;
	}
	int64_t sl, sc;
	double wl, wc;
	double tl = run_median(nxp_catalog_find(cat, "visit-lua"), g, &sl, &wl);
	double tc = run_median(&visit_c_pass, g, &sc, &wc);
	printf("lua visit of %u ops (kind + shape): %.1f ms CPU median of 5 (wall %.1f ms; "
	       "target <= 150 ms); C: %.2f ms CPU (wall %.2f ms)%s\n", g->n_live_ops, tl * 1e3,
	       wl * 1e3, tc * 1e3, wc * 1e3, sl == sc ? "" : "  [MISMATCH: the visits disagree]");
	/* the suite's line format (tests/bench/suite.sh): CPU medians */
	printf("BENCH name=lua-visit median_ms=%.4f\nBENCH name=c-visit median_ms=%.4f\n",
	       tl * 1e3, tc * 1e3);
	nx_graph_free(g);

	const char *dir = getenv("NEX_MODELS");
	char path[1200];
	if (dir)
		snprintf(path, sizeof path, "%s/ch_PP-OCRv4_det_infer.onnx", dir);
	else
		snprintf(path, sizeof path, "%s/.cache/nex/models/ch_PP-OCRv4_det_infer.onnx",
			 getenv("HOME") ? getenv("HOME") : ".");
	nx_shape_bind b = {.name = "x", .rank = 4, .dims = {1, 3, 640, 640}};
	nx_onnx_opts oo = {.binds = &b, .n_binds = 1};
	nx_graph *det = nx_onnx_import(path, &oo, &err);
	if (!det) {
		printf("lua hard_swish on det: skipped (%s)\n", err.msg);
		printf("lua step one rewrite on det: skipped\n");
		nxl_close(st);
		return 0;
	}
	/* canonical operands first, as the pipelines run it */
	nxp_ctx cctx;
	nxp_ctx_init(&cctx, nxp_find("canonicalize"), -1);
	nxp_run(nxp_find("canonicalize"), det, &cctx);
	nxp_ctx_free(&cctx);
	int64_t nl, nc;
	double whl, whc;
	double hl = run_median(nxp_catalog_find(cat, "fuse-hardswish"), det, &nl, &whl);
	double hc = run_median(nxp_find("fuse-patterns"), det, &nc, &whc);
	printf("lua hard_swish on det: %.3f ms CPU median of 5 (wall %.3f), %lld fusions; "
	       "C fuse-patterns: %.3f ms CPU (wall %.3f), %lld fusions: %.1fx CPU "
	       "(target <= 5x)\n", hl * 1e3, whl * 1e3, (long long)nl, hc * 1e3, whc * 1e3,
	       (long long)nc, hl / hc);
	printf("BENCH name=lua-hardswish median_ms=%.4f\nBENCH name=c-fuse-patterns median_ms=%.4f\n",
	       hl * 1e3, hc * 1e3);
	int kl, kc;
	double wsl, wsc;
	double sl1 = step_median(det, cat, "fuse-hardswish", &kl, &wsl);
	double sc1 = step_median(det, cat, "fuse-patterns", &kc, &wsc);
	printf("lua step one rewrite on det: %.2f ms CPU median of %d steps (wall %.2f ms; "
	       "target <= 20 ms); C fuse-patterns: %.2f ms CPU (wall %.2f ms) median of %d\n",
	       sl1 * 1e3, kl, wsl * 1e3, sc1 * 1e3, wsc * 1e3, kc);
	printf("BENCH name=lua-step median_ms=%.4f\nBENCH name=c-step median_ms=%.4f\n",
	       sl1 * 1e3, sc1 * 1e3);
	nx_graph_free(det);
	nxl_close(st);
	return 0;
}
