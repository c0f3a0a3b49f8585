/* numdebug_refs.c — the step-0 reference values of the numeric debugger,
 * handed from the step-0 run to the step-k run as the two advance side by
 * side (numdebug_int.h says how). Keeping only the values step k compares
 * with, and only until it has, replaced a run that kept every value of
 * step 0 to the end: that took 9.4 s where a plain run of det takes 1.4 s,
 * most of it in page faults of buffers never reused. */
#include <stdlib.h>
#include <string.h>

#include "numdebug_int.h"
#include "nx_cmp.h"

/* buffers kept for reuse at most; a pooled buffer serves a request of up to
 * its size and down to two thirds of it */
enum { POOL_MAX = 64 };

/* bytes of step-0 values held before the step-0 run waits for the step-k
 * run to catch up (see nd_refs.cap): det's largest values are 26 MiB */
#define REFS_CAP ((size_t)64 << 20)

void nd_refs_init(nd_refs *r, uint32_t n_vals)
{
	memset(r, 0, sizeof *r);
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->cv, NULL);
	r->n = n_vals;
	r->cap = REFS_CAP;
	r->val = nx_xcalloc(n_vals + 1u, sizeof *r->val);  /* freed by nd_refs_destroy */
	r->need = nx_xcalloc(n_vals + 1u, sizeof *r->need);
	r->ready = nx_xcalloc(n_vals + 1u, sizeof *r->ready);
	r->absmax = nx_xcalloc(n_vals + 1u, sizeof *r->absmax);
	r->pool = nx_xcalloc(POOL_MAX, sizeof *r->pool);
}

void nd_refs_destroy(nd_refs *r)
{
	for (uint32_t v = 0; v < r->n; v++)
		free(r->val[v].data);
	for (uint32_t i = 0; i < r->n_pool; i++)
		free(r->pool[i].p);
	free(r->val);
	free(r->need);
	free(r->ready);
	free(r->absmax);
	free(r->pool);
	pthread_mutex_destroy(&r->mu);
	pthread_cond_destroy(&r->cv);
	memset(r, 0, sizeof *r);
}

void nd_refs_want(nd_refs *r, uint32_t v)
{
	if (v < r->n)
		r->need[v]++;
}

bool nd_refs_wanted(nd_refs *r, uint32_t v)
{
	pthread_mutex_lock(&r->mu);
	bool w = v < r->n && r->need[v] && !r->cancel;
	pthread_mutex_unlock(&r->mu);
	return w;
}

/* A buffer of at least n bytes from the pool (best fit), or NULL. Locked. */
static void *pool_take(nd_refs *r, size_t n)
{
	uint32_t best = UINT32_MAX;
	for (uint32_t i = 0; i < r->n_pool; i++)
		if (r->pool[i].cap >= n && r->pool[i].cap / 3 * 2 <= n &&
		    (best == UINT32_MAX || r->pool[i].cap < r->pool[best].cap))
			best = i;
	if (best == UINT32_MAX)
		return NULL;
	void *p = r->pool[best].p;
	r->pool[best] = r->pool[--r->n_pool];
	return p;
}

/* Gives buffer p (of cap bytes) back: pooled, or freed when the pool is
 * full (then the smallest goes, as large buffers are the ones that fault). */
static void pool_put(nd_refs *r, void *p, size_t cap)
{
	if (r->n_pool < POOL_MAX) {
		r->pool[r->n_pool++] = (struct nd_buf){p, cap};
		return;
	}
	uint32_t small = 0;
	for (uint32_t i = 1; i < r->n_pool; i++)
		if (r->pool[i].cap < r->pool[small].cap)
			small = i;
	if (r->pool[small].cap < cap) {
		free(r->pool[small].p);
		r->pool[small] = (struct nd_buf){p, cap};
	} else {
		free(p);
	}
}

/* Copies t's data to p; for f32, the largest |x| on the way (the metrics
 * then need one pass, not two): on the bits, as the largest magnitude of
 * finite floats is the largest of their bits without the sign. -1 when
 * not f32 or not all finite. */
static double copy_absmax(void *p, const nx_tensor *t)
{
	size_t n = nx_tensor_nbytes(t);
	if (t->type.dtype != NX_F32) {
		memcpy(p, t->data, n);
		return -1;
	}
	uint32_t mx = nx_f32_copy_absbits(p, t->data, n / 4);
	if (mx >= 0x7f800000u)
		return -1;
	float f;
	memcpy(&f, &mx, sizeof f);
	return f;
}

void nd_refs_publish(nd_refs *r, uint32_t v, const nx_tensor *t)
{
	if (v >= r->n || !t->data)
		return;
	size_t n = nx_tensor_nbytes(t);
	pthread_mutex_lock(&r->mu);
	while (r->held && r->held + n > r->cap && !r->k_waiting && !r->k_done && !r->cancel &&
	       r->need[v])
		pthread_cond_wait(&r->cv, &r->mu);
	if (!r->need[v] || r->ready[v] || r->cancel) {
		pthread_mutex_unlock(&r->mu);
		return;
	}
	void *p = pool_take(r, n ? n : 1);
	pthread_mutex_unlock(&r->mu);
	/* released by nd_refs_release into the pool, else by nd_refs_destroy;
	 * the pooled buffer may be larger: nx_tensor_nbytes(t) is its use */
	size_t cap = n ? n : 1;
	if (!p)
		p = nx_xmalloc(cap);
	double mx = copy_absmax(p, t);
	pthread_mutex_lock(&r->mu);
	r->absmax[v] = mx;
	r->val[v].type = t->type;
	r->val[v].data = p;
	r->ready[v] = 1;
	r->held += n;
	if (r->held > r->peak)
		r->peak = r->held;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
}

void nd_refs_finish(nd_refs *r)
{
	pthread_mutex_lock(&r->mu);
	r->done = true;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
}

void nd_refs_consumer_done(nd_refs *r)
{
	pthread_mutex_lock(&r->mu);
	r->k_done = true;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
}

const nx_tensor *nd_refs_wait(nd_refs *r, uint32_t v)
{
	if (v >= r->n)
		return NULL;
	pthread_mutex_lock(&r->mu);
	if (!r->ready[v] && !r->done) {
		r->k_waiting++;
		pthread_cond_broadcast(&r->cv);  /* step 0 may be waiting for room */
		while (!r->ready[v] && !r->done)
			pthread_cond_wait(&r->cv, &r->mu);
		r->k_waiting--;
	}
	const nx_tensor *t = r->val[v].data ? &r->val[v] : NULL;
	pthread_mutex_unlock(&r->mu);
	return t;
}

void nd_refs_release(nd_refs *r, uint32_t v)
{
	if (v >= r->n)
		return;
	pthread_mutex_lock(&r->mu);
	if (r->need[v] && --r->need[v] == 0 && r->val[v].data) {
		size_t n = nx_tensor_nbytes(&r->val[v]);
		r->held -= n;
		pool_put(r, r->val[v].data, n ? n : 1);
		r->val[v].data = NULL;
		pthread_cond_broadcast(&r->cv);  /* room for step 0 */
	}
	pthread_mutex_unlock(&r->mu);
}

double nd_refs_absmax(nd_refs *r, uint32_t v)
{
	if (v >= r->n)
		return -1;
	pthread_mutex_lock(&r->mu);
	double m = r->ready[v] ? r->absmax[v] : -1;
	pthread_mutex_unlock(&r->mu);
	return m;
}

void nd_refs_cancel(nd_refs *r)
{
	pthread_mutex_lock(&r->mu);
	r->cancel = true;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
}

bool nd_refs_cancelled(nd_refs *r)
{
	pthread_mutex_lock(&r->mu);
	bool c = r->cancel;
	pthread_mutex_unlock(&r->mu);
	return c;
}
