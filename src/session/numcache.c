/* numcache.c — the numeric debugger's results per step, kept in the step so
 * the faces (the TUI's numeric overlay, Lua's step:numeric()) can ask again
 * as the user moves around without running the model twice more each time.
 * The cached result answers for what it was computed on: step `against`'s
 * snapshot, the inputs (the session seed, or a hash of the caller's
 * tensors), the limits, the mode and the session's target; a change to
 * any of them computes it again. */
#include <stdlib.h>
#include <string.h>

#include "nxw.h"

struct nxw_numcache {
	nxw_numdebug d;          /* owned */
	uint32_t runs;           /* times computed */
	/* the key */
	uint32_t against;
	const nx_graph *g0, *gk;
	uint64_t seed, in_hash;
	nxw_num_limits lim;
	bool shadow;
	bool have_target;
	nx_target target;
};

void nxw_numcache_free(struct nxw_numcache *c)
{
	if (!c)
		return;
	nxw_numdebug_free(&c->d);
	free(c);
}

/* A hash of the caller's input tensors (their types and bytes): 0 when the
 * session's seeded inputs are used. */
static uint64_t inputs_hash(const nxw_debug_opts *o)
{
	if (!o || !o->inputs)
		return 0;
	uint64_t h = nx_hash(&o->n_inputs, sizeof o->n_inputs) | 1;
	for (uint32_t i = 0; i < o->n_inputs; i++) {
		const nx_tensor *t = &o->inputs[i];
		h = h * 31 + nx_hash(&t->type, sizeof t->type);
		h = h * 31 + nx_hash(t->data, nx_tensor_nbytes(t));
	}
	return h;
}

static bool same_key(const struct nxw_numcache *c, const nxw_session *s, uint32_t k,
		     uint32_t against, uint64_t in_hash, const nxw_num_limits *lim, bool shadow)
{
	if (c->against != against || c->g0 != s->steps[against].snap || c->gk != s->steps[k].snap ||
	    c->seed != s->seed || c->in_hash != in_hash || c->shadow != shadow ||
	    memcmp(&c->lim, lim, sizeof *lim))
		return false;
	if (c->have_target != (s->target != NULL))
		return false;
	/* nx_target is plain data copied by value (see analysis.c) */
	return !s->target || !memcmp(&c->target, s->target, sizeof c->target);
}

const nxw_numdebug *nxw_step_numeric(nxw_session *s, uint32_t k, uint32_t against,
				     const nxw_debug_opts *o, nx_err *err)
{
	if (k >= s->n_steps || against >= s->n_steps) {
		nx_err_set(err, "no step %u (the history has %u)", k >= s->n_steps ? k : against,
			   s->n_steps);
		return NULL;
	}
	nxw_num_limits lim = o && o->limits ? *o->limits : nxw_num_defaults;
	bool shadow = !o || o->shadow;
	uint64_t h = inputs_hash(o);
	nxw_step *st = &s->steps[k];
	struct nxw_numcache *c = st->numc;
	if (c && same_key(c, s, k, against, h, &lim, shadow))
		return &c->d;
	nxw_numdebug d;
	if (nxw_numdebug_run(s, k, against, o, &d, err))
		return NULL; /* failures are not kept: a retry may succeed */
	if (!c)
		c = st->numc = nx_xcalloc(1, sizeof *c); /* owned by the step: nxw_step_free */
	nxw_numdebug_free(&c->d);
	c->d = d;
	c->runs++;
	c->against = against;
	c->g0 = s->steps[against].snap;
	c->gk = st->snap;
	c->seed = s->seed;
	c->in_hash = h;
	c->lim = lim;
	c->shadow = shadow;
	c->have_target = s->target != NULL;
	if (s->target)
		c->target = *(const nx_target *)s->target;
	return &c->d;
}

uint32_t nxw_step_numeric_runs(const nxw_session *s, uint32_t k)
{
	return k < s->n_steps && s->steps[k].numc ? s->steps[k].numc->runs : 0;
}
