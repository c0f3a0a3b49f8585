/* bench_sim.c — how fast the NE model is on a big graph: what a new
 * snapshot pays, set-up included (nxs_sim_new reading the graph's per-op
 * invariants, then the first full run on a target: sizes, support,
 * liveness, three memory plans, placement, costs, timeline) of a generated
 * 100k-op ResNet (nx_gen) against the 50 ms target, with its two parts
 * shown apart; and re-costing after one target field changes against the
 * 20 ms target the TUI needs to update live: a field that only changes the
 * arithmetic (dram_share), one that moves the SRAM/DRAM placement (sram),
 * one that changes every tensor's size (align). Every timing is the median
 * of several runs. The program fails only if something errs, never on a
 * slow figure.
 *
 * usage: bench_sim [OPS [RUNS]]   (defaults 100000 and 7)
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nxs.h"

/* Process CPU seconds: on the shared machine, wall time also counts the
 * other engineers' builds; CPU time is printed next to it. */
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

static void report(const char *what, double ms, double cpu_ms, double target)
{
	printf("%-26s median %7.2f ms (cpu %7.2f ms)", what, ms, cpu_ms);
	if (target > 0)
		printf("  (target <= %g ms)  %s", target, ms <= target ? "ok" : "OVER");
	printf("\n");
}

int main(int argc, char **argv)
{
	nx_process_init(); /* as nex's main does */
	long ops = argc > 1 ? strtol(argv[1], NULL, 10) : 100000;
	int runs = argc > 2 ? atoi(argv[2]) : 7;
	if (ops < 1 || ops > 10000000 || runs < 1 || runs > 1000) {
		fprintf(stderr, "usage: bench_sim [OPS [RUNS]]  (OPS 1..10000000, RUNS 1..1000)\n");
		return 2;
	}
	nx_err err;
	nx_gen_opts o = {.kind = NX_GEN_RESNET, .ops = (uint32_t)ops, .seed = 1};
	nx_graph *g = nx_gen(&o, &err);
	if (!g) {
		fprintf(stderr, "bench_sim: %s\n", err.msg);
		return 1;
	}
	nx_target base;
	if (nx_target_preset("m1", &base, &err)) {
		fprintf(stderr, "bench_sim: %s\n", err.msg);
		return 1;
	}
	double *t = calloc((size_t)runs, sizeof *t);
	nxs_sim *s = NULL;

	/* cold: a new sim each time. nxs_sim_new reads the graph once (the
	 * per-op invariants the cache keeps); the first nxs_sim_run computes
	 * everything that depends on the target: sizes, support, liveness,
	 * three memory plans, placement, costs, timeline. */
	double *tn = calloc((size_t)runs, sizeof *tn), *tt = calloc((size_t)runs, sizeof *tt);
	double *c = calloc((size_t)runs, sizeof *c), *cn = calloc((size_t)runs, sizeof *cn);
	double *ct = calloc((size_t)runs, sizeof *ct);
	for (int r = 0; r < runs; r++) {
		nxs_sim_free(s);
		double t0 = nx_now(), c0 = cpu_now();
		s = nxs_sim_new(g, &err);
		double t1 = nx_now(), c1 = cpu_now();
		if (!s || nxs_sim_run(s, &base, &err)) {
			fprintf(stderr, "bench_sim: %s\n", err.msg);
			return 1;
		}
		double t2 = nx_now(), c2 = cpu_now();
		tn[r] = (t1 - t0) * 1e3, cn[r] = (c1 - c0) * 1e3;
		t[r] = (t2 - t1) * 1e3, c[r] = (c2 - c1) * 1e3;
		tt[r] = (t2 - t0) * 1e3, ct[r] = (c2 - c0) * 1e3;
	}
	printf("graph: generated resnet, %u ops in schedule, %u buffers\n", nxs_sim_count(s),
	       nxs_sim_live(s)->n_bufs);
	/* a new snapshot pays both parts: the target is on their sum */
	report("new snapshot (new + run)", median(tt, runs), median(ct, runs), 50);
	report("  invariants (nxs_sim_new)", median(tn, runs), median(cn, runs), 0);
	report("  first run (cost+tl+plan)", median(t, runs), median(c, runs), 0);

	/* warm: alternate one field between two values so each run is a change */
	static const struct {
		const char *field, *a, *b, *what;
		double target;
	} fields[] = {
		{"dram_share", "0.5", "0.7", "re-cost (dram_share)", 20},
		{"clock", "1GHz", "1.3GHz", "re-cost (clock)", 20},
		{"sram", "4MiB", "2MiB", "re-cost (sram: re-place)", 20},
		{"align", "128", "64", "re-cost (align: re-size)", 0},
	};
	for (size_t k = 0; k < sizeof fields / sizeof fields[0]; k++) {
		nx_target tg = base;
		for (int r = 0; r < runs; r++) {
			if (nx_target_set(&tg, fields[k].field, r % 2 ? fields[k].b : fields[k].a,
					  &err)) {
				fprintf(stderr, "bench_sim: %s\n", err.msg);
				return 1;
			}
			double t0 = nx_now(), c0 = cpu_now();
			if (nxs_sim_run(s, &tg, &err)) {
				fprintf(stderr, "bench_sim: %s\n", err.msg);
				return 1;
			}
			t[r] = (nx_now() - t0) * 1e3;
			c[r] = (cpu_now() - c0) * 1e3;
		}
		report(fields[k].what, median(t, runs), median(c, runs), fields[k].target);
	}
	const nxs_timeline *tl = nxs_sim_timeline(s);
	const nx_memplan *mp = nxs_sim_memplan(s);
	printf("model: latency %.3f ms, energy %.3f mJ, peak %.2f MiB (lower bound %.2f, %s)\n",
	       tl->seconds * 1e3, tl->energy * 1e-9, mp->peak / 1048576.0,
	       mp->lower_bound / 1048576.0, nx_algo_name(mp->algo));
	nxs_sim_free(s);
	nx_graph_free(g);
	free(t);
	free(tn);
	free(tt);
	free(c);
	free(cn);
	free(ct);
	return 0;
}
