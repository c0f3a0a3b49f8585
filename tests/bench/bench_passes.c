/* bench_passes.c — figures for the passes issue:
 *  - the default pipeline on PaddleOCR det (1x3x640x640): median of 5
 *    (target <= 100 ms), when the model is in $NEX_MODELS (default
 *    ~/.cache/nex/models; scripts/fetch-models.sh puts it there);
 *  - the default pipeline on `nex gen --kind resnet --ops 100000`: median of
 *    5 (target <= 1 s), and RSS; and the same without the verifier after
 *    each step, so the verifier's share shows;
 *  - a history of 50 steps on det, every one of which rewrites something
 *    (a step that rewrites nothing shares everything with the one before
 *    and would flatter the figure): the default pipeline's rewriting passes
 *    stepped one rewrite at a time as `nex opt --into` does; memory of the
 *    whole session against one snapshot (target <= 3x), blobs shared.
 *  - stepping one rewrite at a time through the default pipeline's pattern
 *    passes (fold-constants ... fuse-activation) on det and on the 100k
 *    resnet, as `nex opt --into` steps: the median CPU time of a step that
 *    continues the stepped pass from where the step before stopped, and of
 *    one that runs the pass again from its base with one more rewrite of
 *    budget (the session's rerun_steps), the two sessions interleaved step
 *    by step on the same history.
 * Pipelines run as `nex opt` runs them: a session with the verifier after
 * every step. Prints one line per figure; never fails on a figure. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nxw.h"
#include "../unit/paddleocr.h"

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static long rss_kib(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long v = -1;
	while (f && fgets(line, sizeof line, f))
		if (!strncmp(line, "VmRSS:", 6))
			v = strtol(line + 6, NULL, 10);
	if (f)
		fclose(f);
	return v;
}

/* CPU seconds of this process: on a shared machine the wall clock also
 * counts other processes' time slices. */
static double cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Median seconds (wall) of 5 runs of the default pipeline on clones of g,
 * with the verifier after every step (as nex opt runs) or not; *cpu gets
 * the median CPU seconds. */
static double pipeline_median(const nx_graph *g, uint32_t *ops_after, bool verify,
			      double *cpu)
{
	double t[5], c[5];
	for (int r = 0; r < 5; r++) {
		nxw_session *s = nxw_session_new(nx_graph_clone(g)); /* verify_each, as nex opt */
		s->verify_each = verify;
		nx_err err;
		nxw_set_pipeline(s, "default", &err);
		double t0 = nx_now(), c0 = cpu_now();
		if (nxw_apply_all(s, -1, &err) < 0)
			fprintf(stderr, "bench: pipeline failed: %s\n", err.msg);
		t[r] = nx_now() - t0;
		c[r] = cpu_now() - c0;
		*ops_after = nxw_cur(s)->m.ops;
		nxw_session_free(s);
	}
	qsort(t, 5, sizeof t[0], cmp);
	qsort(c, 5, sizeof c[0], cmp);
	*cpu = c[2];
	return t[2];
}

/* Bytes a blob really holds now: its data once materialized (a lazy fill or
 * scaled blob holds none until read), plus a scaled blob's scales. */
static size_t held(const nx_blob *b)
{
	return (b->data ? nx_blob_nbytes(b) : 0) + (size_t)b->n_scale * sizeof(float);
}

static size_t weights(const nx_graph *g)
{
	size_t n = 0;
	for (uint32_t i = 0; i < g->n_blobs; i++)
		if (g->blobs[i])
			n += held(g->blobs[i]);
	return n;
}

/* Appends pass (with options) to the pipeline and applies it; keeps the
 * step if it rewrote something, else takes the invocation out again. 1
 * kept, 0 not, -1 error. */
static int try_step(nxw_session *s, const char *pass)
{
	nx_err err;
	if (nxw_insert(s, s->pl.n, pass, &err)) {
		fprintf(stderr, "bench: %s: %s\n", pass, err.msg);
		return -1;
	}
	if (nxw_apply(s, &err) < 0) {
		fprintf(stderr, "bench: %s: %s\n", pass, err.msg);
		return -1;
	}
	if (nxw_cur(s)->rewrites > 0)
		return 1;
	nxw_remove(s, s->pl.n - 1, &err);
	return 0;
}

/* The pipeline of the default pipeline's invocations that rewrite g (a
 * probe run, since passes are deterministic), into pl; their rewrite
 * counts into rw. Returns how many. */
static uint32_t rewriting_passes(const nx_graph *g, char *pl, size_t cap, int64_t *rw,
				 uint32_t max)
{
	nxw_session *p = nxw_session_new(nx_graph_clone(g));
	nx_err err;
	uint32_t n = 0;
	size_t len = 0;
	pl[0] = 0;
	if (nxw_set_pipeline(p, "default", &err) || nxw_apply_all(p, -1, &err) < 0)
		fprintf(stderr, "bench: probe: %s\n", err.msg);
	for (uint32_t k = 1; k < p->n_steps && n < max; k++) {
		const nxw_step *st = &p->steps[k];
		if (st->rewrites <= 0)
			continue;
		len += (size_t)snprintf(pl + len, cap - len, "%s%s%s%s%s", n ? "," : "", st->pass,
					st->options ? "{" : "", st->options ? st->options : "",
					st->options ? "}" : "");
		rw[n++] = st->rewrites;
	}
	nxw_session_free(p);
	return n;
}

/* The history: the default pipeline's passes that rewrite this model,
 * stepped as `nex opt --into` steps them (one rewrite per step, a budget of
 * one more each time), each pass given its share of the `want` steps: the
 * first share-1 rewrites one by one, the rest of the pass in one step. If
 * the model offers fewer rewrites, to-fp16 one op kind at a time (keep=
 * every kind not converted yet) and quantize-int8 follow, keeping only the
 * steps that rewrite. Every step of the history rewrites something. */
static void rewriting_history(nxw_session *s, uint32_t want)
{
	char pl[8192];
	int64_t rw[64];
	uint32_t n = rewriting_passes(s->steps[0].snap, pl, sizeof pl, rw, 64);
	nx_err err;
	if (n && nxw_set_pipeline(s, pl, &err)) {
		fprintf(stderr, "bench: %s: %s\n", pl, err.msg);
		return;
	}
	for (uint32_t i = 0; i < n && s->n_steps <= want; i++) {
		uint32_t left = want + 1 - s->n_steps, share = left / (n - i);
		if (share < 1)
			share = 1;
		int64_t stepped = rw[i] <= share ? rw[i] : share - 1;
		for (int64_t j = 0; j < stepped; j++)
			if (nxw_step_into(s, &err) < 0) {
				fprintf(stderr, "bench: step into: %s\n", err.msg);
				return;
			}
		if (rw[i] > stepped && nxw_apply(s, &err) < 0) {
			fprintf(stderr, "bench: apply: %s\n", err.msg);
			return;
		}
	}
	bool kinds[NX_OP_COUNT] = {false};
	const nx_graph *g0 = s->steps[0].snap;
	NX_FOR_OPS(g0, o)
		kinds[g0->ops[o].kind] = true;
	for (int round = 0; s->n_steps <= want; round++) {
		uint32_t before = s->n_steps;
		char pass[4096];
		for (int k = 0; k < NX_OP_COUNT && s->n_steps <= want; k++) {
			if (!kinds[k])
				continue;
			/* convert kind k and those before it; keep the rest */
			size_t len = (size_t)snprintf(pass, sizeof pass, "to-fp16{keep=");
			for (int j = k + 1; j < NX_OP_COUNT; j++)
				if (kinds[j])
					len += (size_t)snprintf(pass + len, sizeof pass - len, "%s%s",
								pass[len - 1] == '=' ? "" : "|",
								nx_ops[j].name);
			snprintf(pass + len, sizeof pass - len, "}");
			if (try_step(s, pass) < 0)
				return;
		}
		if (s->n_steps <= want && try_step(s, "quantize-int8") < 0)
			return;
		if (s->n_steps == before)
			break; /* nothing left that rewrites */
	}
}

/* The stepping figure on g: up to max steps of the default pipeline's
 * pattern passes, stepped in two sessions (continuing, running again) in
 * turn; the median CPU ms of the steps that rewrote, each way. */
static void stepping(const nx_graph *g, const char *name, int max)
{
	static const char front[] = "infer-shapes,fold-constants,canonicalize,cse,"
				    "cancel-transposes,fold-batchnorm,fuse-patterns,"
				    "fuse-activation,canonicalize";
	nxw_session *s[2];
	double *t[2];
	int n = 0;
	nx_err err;
	for (int i = 0; i < 2; i++) {
		s[i] = nxw_session_new(nx_graph_clone(g));
		s[i]->rerun_steps = i == 1;
		t[i] = malloc((size_t)max * sizeof *t[i]);
		if (nxw_set_pipeline(s[i], front, &err))
			fprintf(stderr, "bench: %s\n", err.msg);
	}
	while (n < max) {
		int rc[2];
		bool stepped = false;
		for (int i = 0; i < 2; i++) {
			/* only steps inside a stepped pass: a pass's first step runs
			 * it from its base either way */
			nxw_step *cur = nxw_cur(s[i]);
			stepped = cur->inv >= 0 && !cur->complete && cur->ok;
			double c0 = cpu_now();
			rc[i] = nxw_step_into(s[i], &err);
			t[i][n] = cpu_now() - c0;
		}
		if (rc[0] <= 0 || rc[1] <= 0)
			break;
		if (stepped)
			n++;
	}
	if (n) {
		qsort(t[0], (size_t)n, sizeof t[0][0], cmp);
		qsort(t[1], (size_t)n, sizeof t[1][0], cmp);
		printf("%s stepping    median of %d steps (CPU, one rewrite each, verify and "
		       "metrics included): continuing the stepped pass %.3f ms, running it again "
		       "from its base %.3f ms (%.1fx)\n",
		       name, n, t[0][n / 2] * 1e3, t[1][n / 2] * 1e3, t[1][n / 2] / t[0][n / 2]);
		printf("BENCH name=step-continue-%s runs=%d median_ms=%.4f\n"
		       "BENCH name=step-rerun-%s runs=%d median_ms=%.4f\n",
		       name, n, t[0][n / 2] * 1e3, name, n, t[1][n / 2] * 1e3);
	}
	for (int i = 0; i < 2; i++) {
		nxw_session_free(s[i]);
		free(t[i]);
	}
}

static void det(void)
{
	nx_err err;
	nx_graph *g = paddle_import(&paddle_models[PADDLE_DET], &err);
	if (!g) {
		printf("det pipeline   skipped: %s (run scripts/fetch-models.sh)\n", err.msg);
		return;
	}
	uint32_t ops;
	double cpu;
	double t = pipeline_median(g, &ops, true, &cpu);
	printf("det pipeline   median %8.1f ms  (target <= 100 ms)  %s   %u -> %u ops\n",
	       t * 1e3, t <= 0.1 ? "ok" : "OVER", g->n_live_ops, ops);

	stepping(g, "det", 400);

	size_t one = nx_graph_mem(g) + weights(g);
	nxw_session *s = nxw_session_new(g);
	rewriting_history(s, 50);
	uint32_t rewriting = 0;
	for (uint32_t k = 1; k < s->n_steps; k++)
		rewriting += s->steps[k].rewrites > 0;
	/* distinct blobs over the history, and every snapshot's structure */
	size_t total = 0, cap = 1024, nb = 0;
	nx_blob **seen = malloc(cap * sizeof *seen);
	const nx_strtab *tabs[256];
	uint32_t n_tabs = 0;
	for (uint32_t k = 0; k < s->n_steps; k++) {
		const nx_graph *h = s->steps[k].snap;
		/* string tables are shared by clones: count each once */
		total += nx_graph_mem(h) - nx_strtab_mem(h->st);
		bool seen_tab = false;
		for (uint32_t i = 0; i < n_tabs; i++)
			seen_tab |= tabs[i] == h->st;
		if (!seen_tab && n_tabs < 256) {
			tabs[n_tabs++] = h->st;
			total += nx_strtab_mem(h->st);
		}
		for (uint32_t i = 0; i < h->n_blobs; i++) {
			nx_blob *bl = h->blobs[i];
			bool dup = !bl;
			for (size_t j = 0; j < nb && !dup; j++)
				dup = seen[j] == bl;
			if (dup)
				continue;
			if (nb == cap)
				seen = realloc(seen, (cap *= 2) * sizeof *seen);
			seen[nb++] = bl;
			total += held(bl);
		}
	}
	free(seen);
	printf("det history    %u steps after step 0, %u of them rewrite (one rewrite per "
	       "step where stepped)%s: %.2f MB vs one snapshot %.2f MB = %.2fx  (target <= 3x)  "
	       "%s\n", s->n_steps - 1, rewriting, s->n_steps - 1 < 50 ? "; det offers no more" : "", total / 1e6, one / 1e6,
	       (double)total / (double)one, total <= 3 * one ? "ok" : "OVER");
	nxw_session_free(s);
}

static void resnet(void)
{
	nx_gen_opts o = {.kind = NX_GEN_RESNET, .ops = 100000, .seed = 1};
	nx_err err;
	long r0 = rss_kib();
	nx_graph *g = nx_gen(&o, &err);
	if (!g) {
		printf("resnet         failed: %s\n", err.msg);
		return;
	}
	stepping(g, "resnet100k", 60);
	uint32_t ops;
	double cpu, cpu_nov, cpu_full;
	double t = pipeline_median(g, &ops, true, &cpu);
	long r1 = rss_kib();
	double t_nov = pipeline_median(g, &ops, false, &cpu_nov);
	double t_full;
	{
		/* --verify-each=full: the verifier in full after every step */
		double tt[5], cc[5];
		for (int r = 0; r < 5; r++) {
			nxw_session *s = nxw_session_new(nx_graph_clone(g));
			s->verify_full = true;
			nx_err e;
			nxw_set_pipeline(s, "default", &e);
			double t0 = nx_now(), c0 = cpu_now();
			if (nxw_apply_all(s, -1, &e) < 0)
				fprintf(stderr, "bench: pipeline failed: %s\n", e.msg);
			tt[r] = nx_now() - t0;
			cc[r] = cpu_now() - c0;
			nxw_session_free(s);
		}
		qsort(tt, 5, sizeof tt[0], cmp);
		qsort(cc, 5, sizeof cc[0], cmp);
		t_full = tt[2];
		cpu_full = cc[2];
	}
	printf("resnet100k pipeline median %6.1f ms wall, %6.1f ms CPU  (target <= 1000 ms)  %s   %u -> %u ops, "
	       "RSS %.1f MB (+%.1f MB over start)\n",
	       t * 1e3, cpu * 1e3, cpu <= 1.0 ? "ok" : "OVER", g->n_live_ops, ops, r1 / 1024.0,
	       (r1 - r0) / 1024.0);
	printf("resnet100k pipeline CPU median: verify each step incrementally (nex opt's "
	       "default) %.1f ms, in full (--verify-each=full) %.1f ms, not at all %.1f ms; "
	       "wall %.1f / %.1f / %.1f ms\n", cpu * 1e3, cpu_full * 1e3, cpu_nov * 1e3,
	       t * 1e3, t_full * 1e3, t_nov * 1e3);
	nx_graph_free(g);
}

/* usage: bench_passes [stepping]   (stepping: only the stepping figures) */
int main(int argc, char **argv)
{
	nx_process_init(); /* as nex's main does */
	if (argc > 1 && !strcmp(argv[1], "stepping")) {
		nx_err err;
		nx_graph *g = paddle_import(&paddle_models[PADDLE_DET], &err);
		if (g)
			stepping(g, "det", 400);
		else
			printf("det stepping   skipped: %s\n", err.msg);
		nx_graph_free(g);
		nx_gen_opts o = {.kind = NX_GEN_RESNET, .ops = 100000, .seed = 1};
		g = nx_gen(&o, &err);
		if (g)
			stepping(g, "resnet100k", 60);
		nx_graph_free(g);
		return 0;
	}
	det();
	resnet();
	return 0;
}
