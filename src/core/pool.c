/* pool.c — a fixed set of worker threads for the interpreter's kernels. One
 * job at a time: nx_pool_for cuts [0, n) into a few contiguous chunks per
 * thread (CHUNKS), wakes the workers, and every thread, the caller's
 * included, claims the next unclaimed chunk with an atomic counter until
 * none is left; the caller then waits only for chunks already claimed.
 * Kernels hand it loops over rows, channels or output tiles, and compute
 * each index alike whichever thread runs it, so results do not depend on
 * who ran what.
 *
 * Why claiming instead of one fixed chunk per thread: on a loaded machine
 * (the shared build host runs 8 builds on 2 cores) a worker is often not
 * on a core when a job starts, and with fixed chunks the caller finished
 * its half and then waited a whole time slice for the worker's; cls at 2
 * threads took longer than at 1. Now a worker that shows up late finds
 * the work done and the caller never waits for a thread that never
 * started.
 *
 * Sleeping workers are woken only for a job worth it: the caller runs
 * the first chunk itself and wakes them if that chunk's time, times the
 * chunks left, exceeds WAKE_SECONDS; a smaller job runs on the caller
 * alone (the rest in one call) unless a worker still spinning joined it.
 * The pool remembers each job's cost by the op that ran it (the
 * interpreter names it with nx_pool_site), its fn and n, so when a graph
 * runs again a job known to be long wakes the workers before its first
 * chunk: a job of 2 or 4 chunks (some of rec's convs) would otherwise run
 * half or a quarter of itself before anyone was woken. For WARM_SECONDS
 * after a long job small jobs wake the workers as well (see there).
 * Waking for every job made cls (83 ops, 11 pooled jobs of 4 to 60
 * microseconds) slower at 2 threads than at 1 on the loaded build host:
 * the woken worker arrived after the caller had finished and then took a
 * core from it.
 *
 * Between jobs a worker first spins for a short while (1024 pauses, some
 * tens of microseconds, polling the job generation) and only then sleeps
 * on a condition variable; the caller likewise spins briefly before
 * sleeping while it waits for claimed chunks. A model is hundreds of ops
 * of a few hundred microseconds or less each, and a futex wake plus the
 * sleeper's reschedule cost tens of microseconds per op. The spin is short
 * so that a shared machine (and OpenBLAS's own threads) lose little when
 * the interpreter is idle.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "nx_int.h"

/* A job the pool ran before: the same op of the same graph, run again,
 * hands the pool the same fn and n, and costs about the same. */
typedef struct seen_job {
	void (*fn)(void *, int64_t, int64_t);
	int64_t n;
	uint32_t site;
	double work;  /* the caller's first chunk times the chunk count, seconds
		       * (the least over the runs) */
} seen_job;
#define SEEN 256  /* direct-mapped; a collision only costs a first-chunk probe */

struct nx_pool {
	int n;                    /* threads, the caller's included */
	pthread_t *tid;           /* n - 1 workers */
	pthread_mutex_t mu;
	pthread_cond_t wake, done;
	/* Written under mu; read without it while spinning. */
	_Atomic uint64_t gen;     /* job generation; workers join each once */
	_Atomic int active;       /* workers that joined the current job and
				   * have not finished claiming */
	bool open;                /* the job still takes workers (under mu) */
	bool quit;
	/* the current job */
	int64_t total, nchunks;
	_Atomic int64_t next;     /* next unclaimed chunk */
	void (*fn)(void *ctx, int64_t lo, int64_t hi);
	void *ctx;
	/* The caller's alone: the op now running (nx_pool_site) and what the
	 * last job of each (op, fn, n) cost. */
	uint32_t site;
	seen_job seen[SEEN];
	double last_long;  /* when the caller last ran a job worth waking for */
};

/* Chunks per thread: enough that a late or slow thread leaves little for
 * the others to wait on, few enough to keep chunks long and contiguous. */
#define CHUNKS 4

static void chunk(int64_t total, int parts, int i, int64_t *lo, int64_t *hi)
{
	int64_t q = total / parts, r = total % parts;
	*lo = i * q + (i < r ? i : r);
	*hi = *lo + q + (i < r);
}

/* Polls of the spin before sleeping; each is a pause instruction (tens to
 * a hundred cycles; 1024 took 19 us on the build host's EPYC). No
 * sched_yield: on a loaded machine a yield hands the core away for a whole
 * time slice (milliseconds), far worse than the futex wake it was meant to
 * save. */
#define SPIN 1024

/* The work left in a job (the caller's first chunk times the chunks not
 * yet claimed) for which sleeping workers are woken. Below it the caller
 * runs the job alone unless a worker is still spinning: a woken worker
 * reaches a core tens of microseconds later at best (a futex wake, on a
 * virtual machine an interrupt to another virtual CPU), and on a loaded
 * machine it mostly arrived after the caller had finished, then took a
 * core from the caller for its spin. */
#define WAKE_SECONDS 100e-6

/* Within this time of a long job, small jobs wake the workers too. On the
 * loaded build host rec at 2 threads (long convs between runs of small
 * ops) took 63 ms with small jobs never waking them against 28 ms with
 * every job waking them (medians of 9 interleaved processes, load 19):
 * the kernel's scheduler hands a core sooner to a thread that sleeps and
 * wakes often than to one that has slept long. cls, whose jobs are all
 * short, never wakes them. */
#define WARM_SECONDS 5e-3

static void relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

/* Runs the next unclaimed chunk of the current job; false if none was left. */
static bool claim_one(nx_pool *p, void (*fn)(void *, int64_t, int64_t), void *ctx)
{
	int64_t i = atomic_fetch_add(&p->next, 1), lo, hi;
	if (i >= p->nchunks)
		return false;
	chunk(p->total, (int)p->nchunks, (int)i, &lo, &hi);
	if (lo < hi)
		fn(ctx, lo, hi);
	return true;
}

/* Runs chunks of the current job until none is left. */
static void claim(nx_pool *p, void (*fn)(void *, int64_t, int64_t), void *ctx)
{
	while (claim_one(p, fn, ctx))
		;
}

static void *worker(void *arg)
{
	nx_pool *p = arg;
	uint64_t seen = 0;
	for (;;) {
		for (int i = 0; i < SPIN && atomic_load(&p->gen) == seen; i++)
			relax();
		pthread_mutex_lock(&p->mu);
		while (!p->quit && atomic_load(&p->gen) == seen)
			pthread_cond_wait(&p->wake, &p->mu);
		if (p->quit)
			break;
		/* gen, total, fn and ctx change together under mu; a job the
		 * caller has closed (all chunks claimed and waited for) is
		 * not joined: its counter may already belong to the next. */
		seen = atomic_load(&p->gen);
		if (!p->open) {
			pthread_mutex_unlock(&p->mu);
			continue;
		}
		atomic_fetch_add(&p->active, 1);
		void (*fn)(void *, int64_t, int64_t) = p->fn;
		void *ctx = p->ctx;
		pthread_mutex_unlock(&p->mu);
		claim(p, fn, ctx);
		if (atomic_fetch_sub(&p->active, 1) == 1) {
			/* under mu: the caller checks active under it before sleeping */
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
		if (pthread_create(&p->tid[i - 1], NULL, worker, p)) {
			/* Fewer threads than asked is still a working pool. */
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

void nx_pool_site(nx_pool *p, uint32_t site)
{
	if (p)
		p->site = site;
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
	p->nchunks = n < (int64_t)p->n * CHUNKS ? n : (int64_t)p->n * CHUNKS;
	p->fn = fn;
	p->ctx = ctx;
	atomic_store(&p->next, 0);
	p->open = true;
	atomic_fetch_add(&p->gen, 1); /* after the job's fields: a spinning worker reads them next */
	pthread_mutex_unlock(&p->mu);
	/* A worker still spinning from the last job joins now; one asleep is
	 * woken at once if this job was worth it last time, else only once
	 * the first chunk says the rest is. */
	uint64_t h = ((uint64_t)p->site * 0x9e3779b97f4a7c15ull) ^
		     ((uint64_t)(uintptr_t)fn >> 4) ^ ((uint64_t)n * 0xc2b2ae3d27d4eb4full);
	seen_job *sj = &p->seen[(h ^ h >> 29) % SEEN];
	bool known = sj->fn == fn && sj->n == n && sj->site == p->site;
	bool woke = known && sj->work >= WAKE_SECONDS;
	double t0 = nx_now();
	if (!woke && t0 - p->last_long < WARM_SECONDS)
		woke = true;
	if (woke)
		pthread_cond_broadcast(&p->wake);
	if (claim_one(p, fn, ctx)) {
		double t1 = nx_now(), first = t1 - t0, work = first * (double)p->nchunks;
		/* The smallest cost seen: a first chunk the caller was
		 * preempted in (often, on a loaded machine) would otherwise
		 * make a short job look long. */
		if (known && sj->work < work)
			work = sj->work;
		*sj = (seen_job){fn, n, p->site, work};
		if (work >= WAKE_SECONDS)
			p->last_long = t1;
		int64_t left = p->nchunks - atomic_load(&p->next);
		bool joined = atomic_load(&p->active) > 0;
		if (!woke && !known && left > 0 && first * (double)left >= WAKE_SECONDS) {
			if (atomic_load(&p->active) < p->n - 1)
				pthread_cond_broadcast(&p->wake);
			claim(p, fn, ctx);
		} else if (!woke && !joined) {
			/* Alone on a small job: the rest in one call, as with one
			 * thread (each chunk repeats a kernel's setup). */
			int64_t i = atomic_exchange(&p->next, p->nchunks), lo, hi;
			if (i < p->nchunks) {
				chunk(p->total, (int)p->nchunks, (int)i, &lo, &hi);
				fn(ctx, lo, p->total);
			}
		} else {
			claim(p, fn, ctx);
		}
	}
	/* Every chunk is claimed: close the job, then wait for the workers
	 * that joined it to finish theirs. */
	pthread_mutex_lock(&p->mu);
	p->open = false;
	pthread_mutex_unlock(&p->mu);
	for (int i = 0; i < SPIN && atomic_load(&p->active); i++)
		relax();
	pthread_mutex_lock(&p->mu);
	while (atomic_load(&p->active))
		pthread_cond_wait(&p->done, &p->mu);
	pthread_mutex_unlock(&p->mu);
}
