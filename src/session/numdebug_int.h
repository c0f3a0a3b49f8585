/* numdebug_int.h — session-internal: the store of step-0 reference values
 * the numeric debugger shares between its two runs (numdebug_refs.c). */
#ifndef NUMDEBUG_INT_H
#define NUMDEBUG_INT_H
#include <pthread.h>

#include "nxw.h"

/* Step 0's values that step k compares with, by step-0 value id. The step-0
 * run publishes a copy of each wanted value as it is made; the step-k run
 * waits for the ones it needs and releases each use, and a value whose
 * uses are all released goes back to a pool of buffers that the next
 * published value reuses (fresh pages fault, and in a VM a fault costs
 * more than the copy). Thread-safe: one publisher (the step-0 run); on
 * the consumer side the step-k run (shadow operands) and the metrics
 * worker (numdebug_async.c) both wait and release. */
typedef struct nd_refs {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	uint32_t n;
	nx_tensor *val;         /* data NULL until published, or once released */
	uint32_t *need;         /* uses not yet released */
	uint8_t *ready;         /* published (and perhaps released since) */
	double *absmax;         /* max |x| of a published f32 value, -1 if not known */
	bool done;              /* the step-0 run has ended */
	bool cancel;            /* the step-k run has stopped: publish nothing more */
	struct nd_buf { void *p; size_t cap; } *pool;
	uint32_t n_pool;
	size_t held, peak;      /* bytes of published, unreleased values */
	/* Back-pressure: the step-0 run waits before publishing past cap bytes
	 * held, unless a step-k side thread waits on it or step k has ended
	 * (so the sides cannot wait on each other). Without it the bytes held depended on
	 * how far step 0 ran ahead: 80 or 147 MiB on det by machine load. */
	size_t cap;
	uint32_t k_waiting;     /* step-k side threads waiting for a value */
	bool k_done;
} nd_refs;

void nd_refs_init(nd_refs *r, uint32_t n_vals);
/* The step-k run has ended (either way): step 0 stops waiting for room. */
void nd_refs_consumer_done(nd_refs *r);
void nd_refs_destroy(nd_refs *r);   /* frees every value and the pool */
/* Before the runs start: one more use of step-0 value v. */
void nd_refs_want(nd_refs *r, uint32_t v);
bool nd_refs_wanted(nd_refs *r, uint32_t v);
/* Step-0 side: copies t as value v if it is wanted. */
void nd_refs_publish(nd_refs *r, uint32_t v, const nx_tensor *t);
/* Step-0 side: no more values come (its run ended, well or not). */
void nd_refs_finish(nd_refs *r);
/* Step-k side: value v once published; NULL if the step-0 run ended
 * without it. Valid until the matching nd_refs_release. */
const nx_tensor *nd_refs_wait(nd_refs *r, uint32_t v);
void nd_refs_release(nd_refs *r, uint32_t v);
/* Step-k side, after nd_refs_wait: max |x| of value v, -1 if not known. */
double nd_refs_absmax(nd_refs *r, uint32_t v);
/* Step-k side: stop the step-0 run early (step k failed). */
void nd_refs_cancel(nd_refs *r);
bool nd_refs_cancelled(nd_refs *r);
/* nxw_num_metrics with max|b| known beforehand (b_absmax >= 0; -1: not
 * known): then one pass over the two tensors instead of two. */
void nxw_num_metrics_hint(const nx_tensor *a, const nx_tensor *b, double rel_floor,
			  double b_absmax, nxw_opnum *m);

/* The metrics worker (numdebug_async.c): the step-k run queues each result
 * it compares and goes on; one thread computes the metrics in the order
 * queued. */
typedef struct nd_worker {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t th;
	bool running;           /* the thread started (else jobs run in place) */
	bool stop;              /* no more jobs: drain and end */
	nd_refs *refs;
	nxw_num_limits lim;
	struct nd_job *head, *tail;
	size_t queued, peak;    /* bytes of queued results */
	struct nd_buf *pool;
	uint32_t n_pool;
	size_t pooled;          /* bytes in the pool */
} nd_worker;

void nd_worker_start(nd_worker *w, nd_refs *refs, const nxw_num_limits *lim);
/* Queues the propagated metrics of m's result x (copied: x may go once
 * this returns); also releases that use of m->ref_value. */
void nd_worker_compare(nd_worker *w, nxw_opnum *m, const nx_tensor *x);
/* Queues the shadow metrics of m's shadow result, taking own's data (own
 * is cleared); also releases that use of m->ref_value. */
void nd_worker_shadow(nd_worker *w, nxw_opnum *m, nx_tensor *own);
/* Runs every queued job, ends the thread, frees the buffers. */
void nd_worker_finish(nd_worker *w);
#endif
