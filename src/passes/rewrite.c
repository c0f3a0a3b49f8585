/* rewrite.c — the greedy pattern-rewrite driver. Every pattern-based pass
 * goes through it, so the budget in nxp_ctx counts each rewrite and
 * "step into" is exactly one application of one pattern.
 *
 * Order is deterministic: the worklist starts as the schedule, and after a
 * rewrite the ops it may have enabled (new ops, their users, the users and
 * producers of the old root's operands) are queued at the back. Running the
 * same pass with budget k therefore reproduces the first k rewrites of the
 * full run, which is what stepping and bisection rely on.
 *
 * Stopped on its budget, the driver can also leave its place (nxp_place:
 * the worklist, and the op and pattern the budget refused) for the caller
 * to keep. A pattern asks for its rewrite before it changes anything, so
 * the graph at the refusal is the graph the budget-k run returns; continuing
 * from the place on a clone of that graph retries the refused pattern and
 * goes on exactly as the full run went on. That makes a step cost one
 * rewrite instead of a run of the pass up to it (docs/passes.md, "Stepping"). */
#include <stdlib.h>
#include <string.h>

#include "nxp.h"

typedef struct worklist {
	uint32_t *q; uint32_t head, n, cap;
	uint8_t *in; uint32_t cap_in;
} worklist;

/* The driver's state when the budget stopped it; ids only, so it holds for
 * any clone of the graph it stopped on. */
struct nxp_place {
	worklist w;
	uint32_t op;       /* the op whose pattern was refused */
	uint32_t pat;      /* that pattern's index: patterns before it did not match */
};

void nxp_place_free(nxp_place *p)
{
	if (!p)
		return;
	free(p->w.q);
	free(p->w.in);
	free(p);
}

static void push(worklist *w, const nx_graph *g, uint32_t o)
{
	if (o == NX_NONE || (g->ops[o].flags & NX_O_DEAD))
		return;
	if (o >= w->cap_in) {
		uint32_t old = w->cap_in;
		nx_grow((void **)&w->in, &w->cap_in, o + 1, 1);
		memset(w->in + old, 0, w->cap_in - old);
	}
	if (w->in[o])
		return;
	w->in[o] = 1;
	if (w->head > 0 && w->n == w->cap) { /* reuse the consumed front */
		memmove(w->q, w->q + w->head, (size_t)(w->n - w->head) * sizeof *w->q);
		w->n -= w->head;
		w->head = 0;
	}
	nx_grow((void **)&w->q, &w->cap, w->n + 1, sizeof *w->q);
	w->q[w->n++] = o;
}

static void push_users(worklist *w, const nx_graph *g, uint32_t v)
{
	if (v == NX_NONE)
		return;
	for (uint32_t u = g->vals[v].first_use; u != NX_NONE; u = g->uses[u].next)
		push(w, g, g->uses[u].op);
}

int nxp_apply_patterns(nx_graph *g, nxp_ctx *ctx, const nxp_pattern *pats, uint32_t n)
{
	worklist w = {0};
	uint32_t o = NX_NONE, first_pat = 0;
	if (ctx->resume) { /* take the place over: its arrays become ours */
		w = ctx->resume->w;
		o = ctx->resume->op;
		first_pat = ctx->resume->pat;
		free(ctx->resume);
		ctx->resume = NULL;
	} else {
		NX_FOR_OPS(g, x)
			push(&w, g, x);
	}
	uint32_t *ops_in = NULL, cap_in = 0;
	int rc = 0;
	for (;;) {
		if (o == NX_NONE) { /* the next op off the worklist */
			if (w.head >= w.n || ctx->stopped)
				break;
			o = w.q[w.head++];
			w.in[o] = 0;
			first_pat = 0;
			if (g->ops[o].flags & NX_O_DEAD) {
				o = NX_NONE;
				continue;
			}
		}
		for (uint32_t k = first_pat; k < n; k++) {
			if (pats[k].root_kind >= 0 && pats[k].root_kind != g->ops[o].kind)
				continue;
			uint32_t n_in = g->ops[o].n_in;
			nx_grow((void **)&ops_in, &cap_in, n_in + 1, sizeof *ops_in);
			for (uint32_t i = 0; i < n_in; i++)
				ops_in[i] = nx_operand(g, o, i);
			uint32_t first_new = g->n_ops;
			int r = pats[k].apply(g, o, ctx);
			if (r < 0) {
				rc = -1;
				goto out;
			}
			if (r == 0) {
				if (ctx->stopped) {
					if (ctx->keep_place) {
						nxp_place *p = nx_xmalloc(sizeof *p);
						*p = (nxp_place){w, o, k};
						memset(&w, 0, sizeof w);
						nxp_place_free(ctx->place);
						ctx->place = p;
					}
					goto out;
				}
				continue;
			}
			for (uint32_t i = 0; i < n_in; i++) {
				push_users(&w, g, ops_in[i]);
				if (ops_in[i] != NX_NONE)
					push(&w, g, g->vals[ops_in[i]].producer);
			}
			for (uint32_t no = first_new; no < g->n_ops; no++) {
				push(&w, g, no);
				for (uint32_t i = 0; i < g->ops[no].n_out; i++)
					push_users(&w, g, nx_result(g, no, i));
			}
			push(&w, g, o);
			break;
		}
		o = NX_NONE;
	}
out:
	free(w.q);
	free(w.in);
	free(ops_in);
	return rc;
}
