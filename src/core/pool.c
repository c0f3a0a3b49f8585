/* pool.c — a fixed set of worker threads for the interpreter's kernels. One
 * job at a time: nx_pool_for cuts [0, n) into one contiguous chunk per
 * thread, wakes the workers, runs the first chunk on the calling thread and
 * waits for the rest. Kernels hand it loops over rows, channels or output
 * tiles; contiguous chunks keep each thread on its own cache lines.
 *
 * Between jobs a worker first spins for a short while (1024 pauses, some
 * tens of microseconds, polling the job generation) and only then sleeps on a condition
 * variable; the caller likewise spins briefly before sleeping while it waits
 * for the workers. A model is hundreds of ops of a few hundred microseconds
 * or less each, and a futex wake plus the sleeper's reschedule cost tens of
 * microseconds per op (cls at 2 threads was slower than at 1 because of
 * it). The spin is short so that a shared machine (and OpenBLAS's own
 * threads) lose little when the interpreter is idle.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "nx_int.h"

struct nx_pool {
	int n;                    /* threads, the caller's included */
	pthread_t *tid;           /* n - 1 workers */
	pthread_mutex_t mu;
	pthread_cond_t wake, done;
	/* Written under mu; read without it while spinning. */
	_Atomic uint64_t gen;     /* job generation; workers run each once */
	_Atomic int pending;      /* workers still on the current job */
	bool quit;
	/* the current job */
	int64_t total;
	void (*fn)(void *ctx, int64_t lo, int64_t hi);
	void *ctx;
};

typedef struct worker_arg {
	nx_pool *p;
	int index;
} worker_arg;

static void chunk(int64_t total, int parts, int i, int64_t *lo, int64_t *hi)
{
	int64_t q = total / parts, r = total % parts;
	*lo = i * q + (i < r ? i : r);
	*hi = *lo + q + (i < r);
}

/* Polls of the spin before sleeping; each is a pause instruction (tens to
 * a hundred cycles). No sched_yield: on a loaded machine a yield hands the
 * core away for a whole time slice (milliseconds), far worse than the
 * futex wake it was meant to save. */
#define SPIN 1024

static void relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

static void *worker(void *arg)
{
	worker_arg a = *(worker_arg *)arg;
	free(arg);
	nx_pool *p = a.p;
	uint64_t seen = 0;
	for (;;) {
		for (int i = 0; i < SPIN && atomic_load(&p->gen) == seen; i++)
			relax();
		pthread_mutex_lock(&p->mu);
		while (!p->quit && atomic_load(&p->gen) == seen)
			pthread_cond_wait(&p->wake, &p->mu);
		if (p->quit)
			break;
		/* gen, total, fn and ctx change together under mu */
		seen = atomic_load(&p->gen);
		int64_t lo, hi;
		chunk(p->total, p->n, a.index, &lo, &hi);
		void (*fn)(void *, int64_t, int64_t) = p->fn;
		void *ctx = p->ctx;
		pthread_mutex_unlock(&p->mu);
		if (lo < hi)
			fn(ctx, lo, hi);
		if (atomic_fetch_sub(&p->pending, 1) == 1) {
			/* under mu: the caller checks pending under it before sleeping */
			pthread_mutex_lock(&p->mu);
			pthread_cond_signal(&p->done);
			pthread_mutex_unlock(&p->mu);
		}
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

nx_pool *nx_pool_new(int threads)
{
	nx_pool *p = nx_xcalloc(1, sizeof *p); /* caller frees with nx_pool_free */
	p->n = threads > 1 ? threads : 1;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->wake, NULL);
	pthread_cond_init(&p->done, NULL);
	p->tid = nx_xcalloc((size_t)p->n, sizeof *p->tid);
	for (int i = 1; i < p->n; i++) {
		worker_arg *a = nx_xmalloc(sizeof *a); /* the worker frees it */
		a->p = p;
		a->index = i;
		if (pthread_create(&p->tid[i - 1], NULL, worker, a)) {
			/* Fewer threads than asked is still a working pool. */
			free(a);
			p->n = i;
			break;
		}
	}
	return p;
}

void nx_pool_free(nx_pool *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->quit = true;
	pthread_cond_broadcast(&p->wake);
	pthread_mutex_unlock(&p->mu);
	for (int i = 1; i < p->n; i++)
		pthread_join(p->tid[i - 1], NULL);
	pthread_cond_destroy(&p->wake);
	pthread_cond_destroy(&p->done);
	pthread_mutex_destroy(&p->mu);
	free(p->tid);
	free(p);
}

int nx_pool_threads(const nx_pool *p)
{
	return p ? p->n : 1;
}

void nx_pool_for(nx_pool *p, int64_t n, void (*fn)(void *ctx, int64_t lo, int64_t hi),
		 void *ctx)
{
	if (n <= 0)
		return;
	if (!p || p->n == 1 || n == 1) {
		fn(ctx, 0, n);
		return;
	}
	pthread_mutex_lock(&p->mu);
	p->total = n;
	p->fn = fn;
	p->ctx = ctx;
	atomic_store(&p->pending, p->n - 1);
	atomic_fetch_add(&p->gen, 1); /* after the job's fields: a spinning worker reads them next */
	pthread_cond_broadcast(&p->wake);
	pthread_mutex_unlock(&p->mu);
	int64_t lo, hi;
	chunk(n, p->n, 0, &lo, &hi);
	if (lo < hi)
		fn(ctx, lo, hi);
	for (int i = 0; i < SPIN && atomic_load(&p->pending); i++)
		relax();
	pthread_mutex_lock(&p->mu);
	while (atomic_load(&p->pending))
		pthread_cond_wait(&p->done, &p->mu);
	pthread_mutex_unlock(&p->mu);
}
