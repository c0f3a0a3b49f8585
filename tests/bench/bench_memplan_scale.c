/* bench_memplan_scale.c — the memory planners (memplan.c) and liveness
 * (liveness.c) at scale, the cases issue 21 named:
 *   - 20,000 unused graph inputs: 20,000 buffers live at the same position
 *     (24 s in `nex sim` before runs sharing a live range were planned as
 *     one buffer);
 *   - 20,000 inputs each read by a different op: live ranges [0, i], all
 *     overlapping, none equal (grouping does not apply; 8.3 s cpu per best
 *     fit plan before the sweep planner took over past 2M overlapping pairs);
 *   - the same with 1,000,000 inputs, and 1,000,000 random live ranges
 *     (length up to 1,000, sizes 64 B to 64 KiB): O(n log n) now;
 *   - a 1M-op chain: liveness of a generated 1M-op graph (nx_gen chain) and
 *     the three planners on its buffers.
 * Figures are medians of RUNS runs, wall and CPU seconds. The program fails
 * only if something errs (or a plan overlaps), never on a slow figure.
 *
 * usage: bench_memplan_scale [OPS [RUNS]]   (defaults 1000000 and 3)
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nx.h"

static double cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
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

/* Buffers live at one time must not share bytes: checked on a sample of
 * positions (every buffer against the others live at its start). */
static int check_plan(const nx_interval *iv, uint32_t n, const int64_t *off)
{
	uint32_t sample = n > 50000 ? 200000000u / n : 4000;
	for (uint32_t i = 0; i < n && i < sample; i++)
		for (uint32_t j = 0; j < n; j++) {
			if (i == j || off[i] < 0 || off[j] < 0)
				continue;
			bool live = iv[i].start <= iv[j].end && iv[j].start <= iv[i].end;
			bool meet = off[i] < off[j] + iv[j].size && off[j] < off[i] + iv[i].size;
			if (live && meet) {
				fprintf(stderr, "bench: buffers %u and %u overlap\n", i, j);
				return -1;
			}
		}
	return 0;
}

static int run_planners(const char *name, const nx_interval *iv, uint32_t n, int runs)
{
	int64_t *off = nx_xmalloc((size_t)n * sizeof *off);
	const char *algo[3] = {"best fit", "first fit", "best fit + search"};
	int rc = 0;
	for (int a = 0; a < 3; a++) {
		double w[16], c[16];
		int64_t heap = 0;
		for (int r = 0; r < runs; r++) {
			double w0 = nx_now(), c0 = cpu_now();
			heap = a == 0 ? nx_plan_bestfit(iv, n, 64, -1, off)
			     : a == 1 ? nx_plan_firstfit(iv, n, 64, off)
				      : nx_plan_bestfit_search(iv, n, 64, -1, off, NULL);
			w[r] = nx_now() - w0;
			c[r] = cpu_now() - c0;
		}
		if (check_plan(iv, n, off))
			rc = -1;
		printf("  %-28s %-18s %9.3f s wall %9.3f s cpu   heap %lld, lower bound %lld\n",
		       name, algo[a], median(w, runs), median(c, runs), (long long)heap,
		       (long long)nx_plan_lower_bound(iv, n));
	}
	free(off);
	return rc;
}

int main(int argc, char **argv)
{
	nx_process_init();
	long ops = argc > 1 ? atol(argv[1]) : 1000000;
	int runs = argc > 2 ? atoi(argv[2]) : 3;
	if (runs < 1 || runs > 16)
		runs = 3;
	enum { K = 20000 };
	nx_interval *iv = nx_xmalloc((size_t)(ops > K ? ops : K) * 2 * sizeof *iv);
	int rc = 0;
	printf("bench_memplan_scale: medians of %d runs\n", runs);

	for (uint32_t i = 0; i < K; i++)
		iv[i] = (nx_interval){0, 0, 64};
	rc |= run_planners("20k unused inputs", iv, K, runs);
	for (uint32_t i = 0; i < K; i++)
		iv[i] = (nx_interval){0, i, 64};
	rc |= run_planners("20k inputs read in turn", iv, K, runs);
	enum { M = 1000000 };
	nx_interval *big = nx_xmalloc((size_t)M * sizeof *big);
	for (uint32_t i = 0; i < M; i++)
		big[i] = (nx_interval){0, i, 64};
	rc |= run_planners("1M inputs read in turn", big, M, runs);
	uint64_t st = 1;
	for (uint32_t i = 0; i < M; i++) {
		st = st * 6364136223846793005ull + 1442695040888963407ull;
		int64_t s0 = (int64_t)(st >> 33) % M, len = (int64_t)(st >> 13) % 1000;
		big[i] = (nx_interval){s0, s0 + len, 64 << ((st >> 5) % 11)};
	}
	rc |= run_planners("1M random live ranges", big, M, runs);
	free(big);

	nx_err err;
	double t0 = nx_now();
	nx_gen_opts go = {.kind = NX_GEN_CHAIN, .ops = (uint32_t)ops, .seed = 1};
	nx_graph *g = nx_gen(&go, &err);
	if (!g) {
		fprintf(stderr, "bench: %s\n", err.msg);
		return 1;
	}
	printf("  generated a %ld-op chain in %.2f s\n", ops, nx_now() - t0);
	double w[16], c[16];
	nx_live l;
	for (int r = 0; r < runs; r++) {
		double w0 = nx_now(), c0 = cpu_now();
		nx_live_graph(g, NULL, 0, NULL, &l);
		w[r] = nx_now() - w0;
		c[r] = cpu_now() - c0;
		if (r + 1 < runs)
			nx_live_free(&l);
	}
	char chain[64];
	snprintf(chain, sizeof chain, "%ld-op chain", ops);
	printf("  %-28s %-18s %9.3f s wall %9.3f s cpu   %u buffers\n", chain, "liveness",
	       median(w, runs), median(c, runs), l.n_bufs);
	uint32_t n = l.n_bufs;
	for (uint32_t i = 0; i < n; i++)
		iv[i] = (nx_interval){l.bufs[i].start, l.bufs[i].end, l.bufs[i].size};
	nx_live_free(&l);
	nx_graph_free(g);
	rc |= run_planners(chain, iv, n, runs);
	free(iv);
	return rc ? 1 : 0;
}
