/* numdebug_async.c — the numeric debugger's metrics off the step-k run's
 * thread: each result step k compares is copied and queued, and a worker
 * thread waits for its step-0 value, computes the metrics and releases
 * the value, while the step-k run goes on to its next op.
 *
 * Why: on det the metrics took as long as the step-k run itself (their
 * sums run in a fixed order, two double lanes, one add after another:
 * nx_cmp.h), and the step-0 run waited for both. A worker puts that time
 * beside the two runs, on the core the step-0 run leaves idle. Each value's metrics are computed by the same function on the
 * same data as before, one value at a time, so every figure keeps its
 * bits; jobs run in the order queued, so an op's shadow metrics come
 * before its propagated ones, as they did.
 *
 * Memory: the copies queued are held to NDW_CAP bytes (the step-k run
 * waits for the worker past it), in buffers reused as in numdebug_refs.c
 * (kept for reuse up to NDW_CAP bytes more).
 * When no thread can be started the metrics are computed on the caller's
 * thread, as before. */
#include <stdlib.h>
#include <string.h>

#include "numdebug_int.h"

/* bytes of queued results before the step-k run waits: det's largest
 * values are 26 MiB */
#define NDW_CAP ((size_t)32 << 20)
enum { NDW_POOL = 32 };   /* buffers kept for reuse at most */

struct nd_job {
	struct nd_job *next;
	nxw_opnum *m;
	uint32_t ref;        /* step-0 value */
	bool shadow;         /* shadow metrics (else propagated) */
	nx_tensor t;         /* the result: owned, data NULL when there is none */
	size_t cap;          /* bytes of t's buffer (pooled when the job ends) */
};

/* One job: the metrics of m's result against step-0 value ref. */
static void run_job(nd_worker *w, struct nd_job *j)
{
	const nx_tensor *ref = nd_refs_wait(w->refs, j->ref);
	if (ref && j->t.data) {
		double bmax = nd_refs_absmax(w->refs, j->ref);
		if (j->shadow) {
			nxw_opnum sh = *j->m;
			nxw_num_metrics_hint(&j->t, ref, w->lim.rel_floor, bmax, &sh);
			j->m->shadow_cosine = sh.cosine;
			j->m->shadow_max_abs = sh.max_abs;
			j->m->shadow_snr_db = sh.snr_db;
			j->m->shadow_fails = nxw_num_fails(&sh, &w->lim);
		} else {
			nxw_num_metrics_hint(&j->t, ref, w->lim.rel_floor, bmax, j->m);
			j->m->fails = nxw_num_fails(j->m, &w->lim);
		}
	}
	nd_refs_release(w->refs, j->ref);
}

/* Gives a finished job's buffer back to the pool (or frees it) and the
 * job. Locked. */
static void job_done(nd_worker *w, struct nd_job *j)
{
	w->queued -= j->cap;
	/* the pool holds NDW_CAP bytes at most, so queue and pool together
	 * stay under twice that */
	if (j->t.data && w->n_pool < NDW_POOL && w->pooled + j->cap <= NDW_CAP) {
		w->pool[w->n_pool++] = (struct nd_buf){j->t.data, j->cap};
		w->pooled += j->cap;
	} else {
		free(j->t.data);
	}
	free(j);
}

static void *worker_main(void *arg)
{
	nd_worker *w = arg;
	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (!w->head && !w->stop)
			pthread_cond_wait(&w->cv, &w->mu);
		struct nd_job *j = w->head;
		if (!j)
			break;
		w->head = j->next;
		if (!w->head)
			w->tail = NULL;
		pthread_mutex_unlock(&w->mu);
		run_job(w, j);
		pthread_mutex_lock(&w->mu);
		job_done(w, j);
		pthread_cond_broadcast(&w->cv);   /* room for the step-k run */
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

void nd_worker_start(nd_worker *w, nd_refs *refs, const nxw_num_limits *lim)
{
	memset(w, 0, sizeof *w);
	w->refs = refs;
	w->lim = *lim;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	w->pool = nx_xcalloc(NDW_POOL, sizeof *w->pool);   /* freed by nd_worker_finish */
	w->running = pthread_create(&w->th, NULL, worker_main, w) == 0;
}

/* Queues job j (or runs it here when there is no worker), waiting for room
 * first. */
static void put(nd_worker *w, struct nd_job *j)
{
	if (!w->running) {
		run_job(w, j);
		pthread_mutex_lock(&w->mu);
		job_done(w, j);
		pthread_mutex_unlock(&w->mu);
		return;
	}
	pthread_mutex_lock(&w->mu);
	j->next = NULL;
	if (w->tail)
		w->tail->next = j;
	else
		w->head = j;
	w->tail = j;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

/* A buffer of at least n bytes from the pool (best fit), else a new one.
 * Waits while the queued bytes are past the cap and the queue is not
 * empty. Returns the buffer; *cap gets its size. */
static void *take(nd_worker *w, size_t n, size_t *cap)
{
	pthread_mutex_lock(&w->mu);
	while (w->running && w->head && w->queued + n > NDW_CAP)
		pthread_cond_wait(&w->cv, &w->mu);
	uint32_t best = UINT32_MAX;
	for (uint32_t i = 0; i < w->n_pool; i++)
		if (w->pool[i].cap >= n && w->pool[i].cap / 3 * 2 <= n &&
		    (best == UINT32_MAX || w->pool[i].cap < w->pool[best].cap))
			best = i;
	void *p = NULL;
	if (best != UINT32_MAX) {
		p = w->pool[best].p;
		*cap = w->pool[best].cap;
		w->pooled -= *cap;
		w->pool[best] = w->pool[--w->n_pool];
	}
	w->queued += p ? *cap : n;
	if (w->queued > w->peak)
		w->peak = w->queued;
	pthread_mutex_unlock(&w->mu);
	if (!p) {
		p = nx_xmalloc(n);   /* pooled or freed by job_done, else nd_worker_finish */
		*cap = n;
	}
	return p;
}

void nd_worker_compare(nd_worker *w, nxw_opnum *m, const nx_tensor *x)
{
	struct nd_job *j = nx_xcalloc(1, sizeof *j);   /* freed by job_done */
	j->m = m;
	j->ref = m->ref_value;
	j->t.type = x->type;
	if (x->data) {
		size_t n = nx_tensor_nbytes(x);
		j->t.data = take(w, n ? n : 1, &j->cap);
		memcpy(j->t.data, x->data, n);
	}
	put(w, j);
}

void nd_worker_shadow(nd_worker *w, nxw_opnum *m, nx_tensor *own)
{
	struct nd_job *j = nx_xcalloc(1, sizeof *j);   /* freed by job_done */
	j->m = m;
	j->ref = m->ref_value;
	j->shadow = true;
	j->t = *own;   /* the job owns own's data from here */
	j->cap = own->data ? (nx_tensor_nbytes(own) ? nx_tensor_nbytes(own) : 1) : 0;
	memset(own, 0, sizeof *own);
	pthread_mutex_lock(&w->mu);
	while (w->running && w->head && w->queued + j->cap > NDW_CAP)
		pthread_cond_wait(&w->cv, &w->mu);
	w->queued += j->cap;
	if (w->queued > w->peak)
		w->peak = w->queued;
	pthread_mutex_unlock(&w->mu);
	put(w, j);
}

void nd_worker_finish(nd_worker *w)
{
	if (w->running) {
		pthread_mutex_lock(&w->mu);
		w->stop = true;
		pthread_cond_broadcast(&w->cv);
		pthread_mutex_unlock(&w->mu);
		pthread_join(w->th, NULL);
	}
	for (uint32_t i = 0; i < w->n_pool; i++)
		free(w->pool[i].p);
	free(w->pool);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
}
