/* test_pool_wake.c — the pool's wake policy (src/core/pool.c): a job whose
 * first chunk says little work is left runs on the caller (in one call for
 * the rest when no worker joined), a long one wakes the sleeping workers.
 * Either way every index runs exactly once, small and long jobs
 * interleaved at 2 and 3 threads, after the workers have gone to sleep and
 * while they still spin; and the long jobs do get a worker's help (a pool
 * that never woke its workers would run them all on the caller). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "check.h"
#include "nx.h"

typedef struct job {
	_Atomic int *hits;
	double spin;            /* seconds of busy work per index */
	pthread_t caller;
	_Atomic int by_worker;  /* indices run on another thread */
	_Atomic int calls;
} job;

static void part(void *ctx, int64_t lo, int64_t hi)
{
	job *j = ctx;
	atomic_fetch_add(&j->calls, 1);
	for (int64_t i = lo; i < hi; i++) {
		double t0 = nx_now();
		while (nx_now() - t0 < j->spin)
			;
		j->hits[i]++;
		if (!pthread_equal(pthread_self(), j->caller))
			atomic_fetch_add(&j->by_worker, 1);
	}
}

/* Runs one job of n indices; returns how many ran on a worker. */
static int run(nx_pool *p, int64_t n, double spin, int *calls)
{
	_Atomic int *hits = calloc((size_t)n, sizeof *hits); /* freed below */
	job j = {hits, spin, pthread_self(), 0, 0};
	nx_pool_for(p, n, part, &j);
	int bad = 0;
	for (int64_t i = 0; i < n; i++)
		bad += hits[i] != 1;
	CHECK_EQ_INT(bad, 0);
	free(hits);
	if (calls)
		*calls = atomic_load(&j.calls);
	return atomic_load(&j.by_worker);
}

static void test_exactly_once(void)
{
	for (int threads = 2; threads <= 3; threads++) {
		nx_pool *p = nx_pool_new(threads);
		for (int rep = 0; rep < 40; rep++) {
			if (rep % 8 == 0) {
				/* long enough for the workers' spin to end */
				struct timespec ts = {0, 5000000};
				nanosleep(&ts, NULL);
			}
			for (int64_t n = 1; n <= 20; n += 3) {
				int calls;
				run(p, n, 0, &calls);
				CHECK(calls >= 1 && calls <= n);
				run(p, n, rep % 2 ? 20e-6 : 0, NULL);
			}
		}
		nx_pool_free(p);
	}
}

static void test_long_jobs_get_help(void)
{
	nx_pool *p = nx_pool_new(2);
	int helped = 0;
	/* 16 indices of 50 us: 800 us a job, 8 times the wake threshold. On
	 * a loaded machine a woken worker may miss a few jobs, not 200. */
	for (int rep = 0; rep < 200 && helped < 5; rep++)
		helped += run(p, 16, 50e-6, NULL) > 0;
	CHECK(helped >= 5);
	nx_pool_free(p);
}

static const check_case cases[] = {
	{"exactly_once", test_exactly_once},
	{"long_jobs_get_help", test_long_jobs_get_help},
	{NULL, NULL},
};

int main(int argc, char **argv)
{
	return check_main(cases, argc, argv);
}
