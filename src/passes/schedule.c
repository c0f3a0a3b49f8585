/* schedule.c — reorders the schedule for a lower peak of live memory
 * (core liveness.c's model: activations only, inputs from the start,
 * outputs to the end; sizes as the target stores them when the context has
 * a target — NE padding, views sharing their source's buffer — and plain
 * bytes otherwise). Memory-aware greedy list scheduling: among the ops whose
 * operands are all computed, take the one that frees the most bytes net of
 * what it allocates (operands it is the last reader of, minus its results),
 * ties by the original order. The new order is kept only if its peak is
 * strictly lower than the original's, so running the pass twice is a no-op.
 *
 * Rewrites: one op moved = one rewrite. The new order is applied from the
 * front: op i of the new order is placed right after op i-1 (ops already in
 * place cost nothing). After k moves the schedule is the new order's first
 * ops followed by the rest in their original relative order; since the new
 * order is topological, every operand of a placed op is in the placed
 * prefix and every user comes later, so each intermediate schedule is valid.
 * Opaque ops keep their relative order (their effects are unknown). */
#include <stdlib.h>
#include <string.h>

#include "nxp.h"

typedef struct sched {
	const nx_target *t;   /* sizes as stored on it; NULL: plain bytes */
	uint32_t n;           /* live ops */
	uint32_t *orig;       /* schedule order */
	uint32_t *pos;        /* original position by op id */
	uint32_t *deps;       /* unscheduled producer slots (+ opaque predecessor), by op id */
	uint32_t *left;       /* unexecuted use slots, by value id */
	uint8_t *out;         /* graph output, by value id */
	uint32_t *next_opq;   /* the next opaque op in the original order, by op id */
	uint32_t *ready; uint32_t n_ready;
} sched;

/* Net bytes freed by running o now: operands whose remaining reads are all
 * in o, minus o's results (results nobody reads are freed again at once,
 * but they count toward the peak while o runs). */
static int64_t net_freed(const nx_graph *g, const sched *s, uint32_t o)
{
	const nx_op *p = &g->ops[o];
	int64_t freed = 0;
	for (uint32_t i = 0; i < p->n_in; i++) {
		uint32_t v = nx_operand(g, o, i), mine = 0;
		bool first = true;
		if (v == NX_NONE || s->out[v])
			continue;
		for (uint32_t j = 0; j < p->n_in; j++) {
			if (nx_operand(g, o, j) != v)
				continue;
			first &= j >= i;
			mine++;
		}
		if (first && mine == s->left[v])
			freed += nx_live_value_bytes(g, v, s->t);
	}
	for (uint32_t r = 0; r < p->n_out; r++)
		freed -= nx_live_value_bytes(g, nx_result(g, o, r), s->t);
	return freed;
}

static void dep_done(sched *s, uint32_t o)
{
	if (--s->deps[o] == 0)
		s->ready[s->n_ready++] = o;
}

/* The greedy order into order[0..s->n); false if some op never became ready
 * (a use before its definition: the graph does not verify). */
static bool greedy(const nx_graph *g, sched *s, uint32_t *order)
{
	for (uint32_t i = 0; i < s->n; i++) {
		uint32_t o = s->orig[i];
		if (s->deps[o] == 0)
			s->ready[s->n_ready++] = o;
	}
	for (uint32_t k = 0; k < s->n; k++) {
		if (!s->n_ready)
			return false;
		/* the ready op with the best net, earliest on ties */
		uint32_t best = 0;
		int64_t best_net = 0;
		for (uint32_t i = 0; i < s->n_ready; i++) {
			int64_t net = net_freed(g, s, s->ready[i]);
			if (i == 0 || net > best_net ||
			    (net == best_net && s->pos[s->ready[i]] < s->pos[s->ready[best]])) {
				best = i;
				best_net = net;
			}
		}
		uint32_t o = s->ready[best];
		s->ready[best] = s->ready[--s->n_ready];
		order[k] = o;
		const nx_op *p = &g->ops[o];
		for (uint32_t i = 0; i < p->n_in; i++) {
			uint32_t v = nx_operand(g, o, i);
			if (v != NX_NONE)
				s->left[v]--;
		}
		for (uint32_t r = 0; r < p->n_out; r++) {
			uint32_t v = nx_result(g, o, r);
			for (uint32_t u = g->vals[v].first_use; u != NX_NONE; u = g->uses[u].next)
				dep_done(s, g->uses[u].op);
		}
		if (s->next_opq[o] != NX_NONE)
			dep_done(s, s->next_opq[o]);
	}
	return true;
}

/* Fills s from g's schedule; every array is freed by sched_free. */
static void sched_init(const nx_graph *g, sched *s)
{
	memset(s, 0, sizeof *s);
	NX_FOR_OPS(g, o)
		s->n++;
	size_t nops = (size_t)g->n_ops + 1, nvals = (size_t)g->n_vals + 1;
	s->orig = nx_xmalloc(((size_t)s->n + 1) * sizeof *s->orig);
	s->pos = nx_xcalloc(nops, sizeof *s->pos);
	s->deps = nx_xcalloc(nops, sizeof *s->deps);
	s->next_opq = nx_xmalloc(nops * sizeof *s->next_opq);
	memset(s->next_opq, 0xff, nops * sizeof *s->next_opq);
	s->left = nx_xcalloc(nvals, sizeof *s->left);
	s->out = nx_xcalloc(nvals, 1);
	s->ready = nx_xmalloc(((size_t)s->n + 1) * sizeof *s->ready);
	uint32_t k = 0, prev_opq = NX_NONE;
	NX_FOR_OPS(g, o) {
		s->orig[k] = o;
		s->pos[o] = k++;
		const nx_op *p = &g->ops[o];
		for (uint32_t i = 0; i < p->n_in; i++) {
			uint32_t v = nx_operand(g, o, i);
			if (v == NX_NONE)
				continue;
			s->left[v]++;
			if (nxp_producer_of(g, v, -1) != NX_NONE)
				s->deps[o]++;
		}
		if (p->kind == NX_OP_OPAQUE) {
			if (prev_opq != NX_NONE) {
				s->next_opq[prev_opq] = o;
				s->deps[o]++;
			}
			prev_opq = o;
		}
	}
	for (uint32_t i = 0; i < g->n_outputs; i++)
		s->out[g->outputs[i]] = 1;
}

static void sched_free(sched *s)
{
	free(s->orig);
	free(s->pos);
	free(s->deps);
	free(s->next_opq);
	free(s->left);
	free(s->out);
	free(s->ready);
}

static int run(nx_graph *g, nxp_ctx *ctx)
{
	sched s;
	sched_init(g, &s);
	s.t = ctx->target;
	uint32_t *order = nx_xmalloc(((size_t)s.n + 1) * sizeof *order); /* freed below */
	int rc = 0;
	if (!greedy(g, &s, order)) {
		nx_err_set(&ctx->err, "schedule: an op reads a value defined after it (the "
			   "graph does not verify)");
		rc = -1;
		goto out;
	}
	int64_t before = nx_peak_live_bytes(g, NULL, 0, s.t, NULL);
	int64_t after = nx_peak_live_bytes(g, order, s.n, s.t, NULL);
	nxp_stat_add(ctx, "peak bytes before", before);
	if (after >= before) {
		nxp_remark(ctx, "kept the schedule: peak %lld bytes (the greedy order "
			   "peaks at %lld)", (long long)before, (long long)after);
		nxp_stat_add(ctx, "peak bytes after", before);
		goto out;
	}
	int64_t moved = 0;
	for (uint32_t i = 0; i < s.n; i++) {
		uint32_t o = order[i];
		uint32_t prev = i ? order[i - 1] : NX_NONE;
		if (g->ops[o].prev == prev)
			continue; /* already in place */
		if (!nxp_rewrite(ctx, o))
			break;
		uint32_t before_op = prev == NX_NONE ? g->first : g->ops[prev].next;
		nx_op_move_before(g, o, before_op);
		if (prev == NX_NONE)
			nxp_remark(ctx, "moved %%%s (%s) to the front", nx_vname(g, nx_result(g, o, 0)),
				   nx_op_name(g, o));
		else
			nxp_remark(ctx, "moved %%%s (%s) after %%%s (%s)",
				   nx_vname(g, nx_result(g, o, 0)), nx_op_name(g, o),
				   nx_vname(g, nx_result(g, prev, 0)), nx_op_name(g, prev));
		moved++;
	}
	int64_t now = nx_peak_live_bytes(g, NULL, 0, s.t, NULL);
	nxp_stat_add(ctx, "ops moved", moved);
	nxp_stat_add(ctx, "peak bytes after", now);
	nxp_remark(ctx, "peak live memory %lld -> %lld bytes (%lld ops moved%s)",
		   (long long)before, (long long)now, (long long)moved,
		   ctx->stopped ? ", stopped by the rewrite budget" : "");
out:
	free(order);
	sched_free(&s);
	return rc;
}

const nxp_pass nxp_pass_schedule = {
	.name = "schedule",
	.summary = "reorder ops (topologically) for a lower peak of live activation memory",
	.requires = "types (sizes)",
	.invalidates = "order",
	.run = run,
};
