/* pool.c — a fixed set of worker threads for the interpreter's kernels. One
 * job at a time: nx_pool_for cuts [0, n) into one contiguous chunk per
 * thread, wakes the workers, runs the first chunk on the calling thread and
 * waits for the rest. Kernels hand it loops over rows, channels or output
 * tiles; contiguous chunks keep each thread on its own cache lines.
 *
 * Workers sleep on a condition variable between jobs (no spinning: the
 * machine is shared, and OpenBLAS has threads of its own).
 */
#include <pthread.h>
#include <stdlib.h>

#include "nx_int.h"

struct nx_pool {
	int n;                    /* threads, the caller's included */
	pthread_t *tid;           /* n - 1 workers */
	pthread_mutex_t mu;
	pthread_cond_t wake, done;
	uint64_t gen;             /* job generation; workers run each once */
	int pending;              /* workers still on the current job */
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

static void *worker(void *arg)
{
	worker_arg a = *(worker_arg *)arg;
	free(arg);
	nx_pool *p = a.p;
	uint64_t seen = 0;
	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (!p->quit && p->gen == seen)
			pthread_cond_wait(&p->wake, &p->mu);
		if (p->quit)
			break;
		seen = p->gen;
		int64_t lo, hi;
		chunk(p->total, p->n, a.index, &lo, &hi);
		void (*fn)(void *, int64_t, int64_t) = p->fn;
		void *ctx = p->ctx;
		pthread_mutex_unlock(&p->mu);
		if (lo < hi)
			fn(ctx, lo, hi);
		pthread_mutex_lock(&p->mu);
		if (--p->pending == 0)
			pthread_cond_signal(&p->done);
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
	p->pending = p->n - 1;
	p->gen++;
	pthread_cond_broadcast(&p->wake);
	pthread_mutex_unlock(&p->mu);
	int64_t lo, hi;
	chunk(n, p->n, 0, &lo, &hi);
	if (lo < hi)
		fn(ctx, lo, hi);
	pthread_mutex_lock(&p->mu);
	while (p->pending)
		pthread_cond_wait(&p->done, &p->mu);
	pthread_mutex_unlock(&p->mu);
}
