/* bench_ir.c — how fast the core IR handles a big model: parse, print,
 * clone and verify of a generated 100k-op ResNet (nx_gen), and the IR's
 * memory per op, each against the targets the project set for them. Every
 * timing is the median of several runs. Figures are printed one per line;
 * the program fails only if something errs, never on a slow figure.
 *
 * usage: bench_ir [OPS [RUNS]]   (defaults 100000 and 7)
 */
#include <stdlib.h>
#include <string.h>

#include "nx.h"

/* Resident set size in bytes, from /proc/self/status; -1 if unreadable. */
static long long rss_bytes(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	if (!f)
		return -1;
	char line[256];
	long long kb = -1;
	while (fgets(line, sizeof line, f))
		if (!strncmp(line, "VmRSS:", 6)) {
			kb = strtoll(line + 6, NULL, 10);
			break;
		}
	fclose(f);
	return kb < 0 ? -1 : kb * 1024;
}

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

static void report(const char *what, double ms, double target)
{
	if (target > 0)
		printf("%-9s median %7.1f ms  (target <= %g ms)  %s\n", what, ms, target,
		       ms <= target ? "ok" : "OVER");
	else
		printf("%-9s median %7.1f ms\n", what, ms);
}

int main(int argc, char **argv)
{
	long ops = argc > 1 ? strtol(argv[1], NULL, 10) : 100000;
	int runs = argc > 2 ? atoi(argv[2]) : 7;
	if (ops < 1 || ops > 10000000 || runs < 1 || runs > 1000) {
		fprintf(stderr, "usage: bench_ir [OPS [RUNS]]  (OPS 1..10000000, RUNS 1..1000)\n");
		return 2;
	}
	nx_process_init(); /* as nex's main does */
	double *t = calloc((size_t)runs, sizeof *t);
	nx_err err;
	nx_gen_opts go = {.kind = NX_GEN_RESNET, .ops = (uint32_t)ops, .seed = 1};

	/* Memory first, before any graph has been freed (nex keeps freed
	 * memory for reuse, which would hide what a parse really takes): the
	 * generated graph stays alive until the parse is measured. */
	nx_graph *g0 = nx_gen(&go, &err);
	if (!g0) {
		fprintf(stderr, "bench_ir: %s\n", err.msg);
		return 1;
	}
	size_t len;
	char *text = nx_print_str(g0, &nx_print_defaults, &len);
	if (!text) {
		fprintf(stderr, "bench_ir: printing the generated graph failed\n");
		return 1;
	}

	/* clones on fresh pages: nothing has been freed yet to reuse (a
	 * history that only grows); kept alive until the figure is printed */
	double fresh[64];
	nx_graph *fresh_g[64];
	int n_fresh = runs < 64 ? runs : 64;
	for (int r = 0; r < n_fresh; r++) {
		double t0 = nx_now();
		fresh_g[r] = nx_graph_clone(g0);
		fresh[r] = nx_now() - t0;
	}

	long long rss0 = rss_bytes();
	nx_graph *g = nx_parse(text, len, "bench.nex", NULL, &err);
	long long rss1 = rss_bytes();
	nx_graph_free(g0);
	if (!g) {
		fprintf(stderr, "bench_ir: %s\n", err.msg);
		return 1;
	}
	for (int r = 0; r < runs; r++) {
		double t0 = nx_now();
		nx_graph *tmp = nx_gen(&go, &err);
		t[r] = nx_now() - t0;
		if (!tmp) {
			fprintf(stderr, "bench_ir: %s\n", err.msg);
			return 1;
		}
		nx_graph_free(tmp);
	}
	double gen_ms = median(t, runs) * 1e3;
	uint32_t n_ops = g->n_live_ops;
	printf("bench_ir: resnet from nx_gen, %u ops, %u values, text %.1f MB, %d runs each\n",
	       n_ops, g->n_vals, (double)len / 1e6, runs);
	report("gen", gen_ms, 0);

	for (int r = 0; r < runs; r++) {
		double t0 = nx_now();
		nx_graph *h = nx_parse(text, len, "bench.nex", NULL, &err);
		t[r] = nx_now() - t0;
		if (!h) {
			fprintf(stderr, "bench_ir: %s\n", err.msg);
			return 1;
		}
		nx_graph_free(h);
	}
	report("parse", median(t, runs) * 1e3, 150);

	bool same = true;
	for (int r = 0; r < runs; r++) {
		size_t n2;
		double t0 = nx_now();
		char *again = nx_print_str(g, &nx_print_defaults, &n2);
		t[r] = nx_now() - t0;
		if (!again) {
			fprintf(stderr, "bench_ir: printing the parsed graph failed\n");
			return 1;
		}
		same &= n2 == len && !memcmp(again, text, len);
		free(again);
	}
	report("print", median(t, runs) * 1e3, 100);
	if (!same)
		printf("bench_ir: warning: print(parse(text)) differs from text\n");

	/* fresh pages (measured first, above); reused: each clone freed before
	 * the next (stepping, replay, bisection reuse the memory) */
	report("clone fresh", median(fresh, n_fresh) * 1e3, 5);
	for (int r = 0; r < n_fresh; r++)
		nx_graph_free(fresh_g[r]);
	for (int r = 0; r < runs; r++) {
		double t0 = nx_now();
		nx_graph *c = nx_graph_clone(g);
		t[r] = nx_now() - t0;
		nx_graph_free(c);
	}
	report("clone reuse", median(t, runs) * 1e3, 5);

	for (int r = 0; r < runs; r++) {
		double t0 = nx_now();
		int rc = nx_verify(g, &err);
		t[r] = nx_now() - t0;
		if (rc != 0) {
			fprintf(stderr, "bench_ir: verify: %s\n", err.msg);
			return 1;
		}
	}
	report("verify", median(t, runs) * 1e3, 30);

	double per_op = (double)nx_graph_mem(g) / n_ops;
	printf("%-9s %7.1f bytes/op  (target <= 300 bytes/op)  %s   [nx_graph_mem %.1f MB",
	       "memory", per_op, per_op <= 300 ? "ok" : "OVER", (double)nx_graph_mem(g) / 1e6);
	if (rss0 >= 0 && rss1 >= 0)
		printf("; process RSS +%.1f MB = %.0f bytes/op incl. blobs and malloc overhead",
		       (double)(rss1 - rss0) / 1e6, (double)(rss1 - rss0) / n_ops);
	nx_graph *c = nx_graph_clone(g); /* arrays sized to fit, not doubled */
	printf("; a clone: %.0f bytes/op]\n", (double)nx_graph_mem(c) / n_ops);
	nx_graph_free(c);
	/* Where the bytes go, by array capacity, so that an OVER says what to
	 * shrink; "rest" is whatever else nx_graph_mem counts, so the parts
	 * always add up to it. */
	struct { const char *name; double bytes; } part[] = {
		{"values", (double)g->cap_vals * sizeof *g->vals},
		{"ops", (double)g->cap_ops * sizeof *g->ops},
		{"uses", (double)g->cap_uses * sizeof *g->uses},
		{"chars", (double)g->st->cap_chars},
		{"str_ids", (double)g->st->cap * 8 + (double)g->cap_owner * 4},
		{"str_hash", (double)g->st->cap_hash * 4},
		{"attrs", (double)g->cap_attrs * sizeof *g->attrs + (double)g->cap_ints * 8 +
			  (double)g->cap_floats * 4},
		{"u32", (double)g->cap_u32 * 4},
		{"rest", 0},
	};
	size_t n_part = sizeof part / sizeof part[0];
	double rest = (double)nx_graph_mem(g);
	for (size_t i = 0; i + 1 < n_part; i++)
		rest -= part[i].bytes;
	part[n_part - 1].bytes = rest;
	printf("          per op by array:");
	for (size_t i = 0; i < n_part; i++)
		printf(" %s %.0f", part[i].name, part[i].bytes / n_ops);
	printf(" (%u constants, %.2f per op, their nx_blob structs %.0f bytes/op more)\n",
	       g->n_blobs, (double)g->n_blobs / n_ops,
	       (double)g->n_blobs * sizeof(nx_blob) / n_ops);

	nx_graph_free(g);
	free(text);
	free(t);
	return 0;
}
