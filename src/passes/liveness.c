/* liveness.c — live bytes of a schedule: how much activation memory running
 * the ops in a given order needs at its worst point. The schedule pass uses
 * it to score orders, and anything else in the passes layer that wants "peak
 * memory" of a graph can call it (the simulator's memory plan in src/sim has
 * its own, richer liveness with arena offsets and padding; passes do not
 * depend on sim, DESIGN.md §1).
 *
 * The model: a value occupies nx_type_bytes (plain layout) from the op that
 * defines it until its last user has run; graph inputs are live from the
 * start, graph outputs to the end, constants are not counted (weights live
 * in their own memory). While an op runs, its operands and all its results
 * are live together, so the op's results count before its dying operands
 * are released; a result nobody reads still counts during its op.
 */
#include <stdlib.h>
#include <string.h>

#include "nxp.h"

int64_t nxp_live_bytes(const nx_graph *g, uint32_t v)
{
	if (v == NX_NONE || nx_is_const(g, v) || (g->vals[v].flags & NX_V_DEAD) ||
	    !g->vals[v].type)
		return 0;
	int64_t b = nx_type_bytes(nx_vtype(g, v));
	return b > 0 ? b : 0;
}

int64_t nxp_peak_live_bytes(const nx_graph *g, const uint32_t *order, uint32_t n,
			    uint32_t *peak_op)
{
	/* pos[op]: index in the order; last[v]: index of v's last user (or
	 * UINT32_MAX for none). Both freed below. */
	uint32_t *pos = nx_xmalloc((size_t)(g->n_ops + 1) * sizeof *pos);
	memset(pos, 0xff, (size_t)(g->n_ops + 1) * sizeof *pos);
	uint32_t *own = NULL; /* the schedule as an array when order is NULL */
	if (!order) {
		n = 0;
		NX_FOR_OPS(g, o)
			n++;
		own = nx_xmalloc((size_t)(n + 1) * sizeof *own);
		n = 0;
		NX_FOR_OPS(g, o)
			own[n++] = o;
		order = own;
	}
	for (uint32_t i = 0; i < n; i++)
		pos[order[i]] = i;
	uint32_t *last = nx_xmalloc((size_t)(g->n_vals + 1) * sizeof *last);
	uint8_t *keep = nx_xcalloc((size_t)g->n_vals + 1, 1); /* graph outputs */
	for (uint32_t v = 0; v < g->n_vals; v++) {
		last[v] = UINT32_MAX;
		for (uint32_t u = g->vals[v].first_use; u != NX_NONE; u = g->uses[u].next) {
			uint32_t p = pos[g->uses[u].op];
			if (p != UINT32_MAX && (last[v] == UINT32_MAX || p > last[v]))
				last[v] = p;
		}
	}
	for (uint32_t i = 0; i < g->n_outputs; i++)
		keep[g->outputs[i]] = 1;

	int64_t mem = 0;
	for (uint32_t i = 0; i < g->n_inputs; i++)
		mem += nxp_live_bytes(g, g->inputs[i]);
	int64_t peak = mem;
	uint32_t at = NX_NONE;
	/* inputs nobody reads are live at the start only */
	for (uint32_t i = 0; i < g->n_inputs; i++) {
		uint32_t v = g->inputs[i];
		if (last[v] == UINT32_MAX && !keep[v])
			mem -= nxp_live_bytes(g, v);
	}
	for (uint32_t i = 0; i < n; i++) {
		uint32_t o = order[i];
		const nx_op *p = &g->ops[o];
		for (uint32_t r = 0; r < p->n_out; r++)
			mem += nxp_live_bytes(g, nx_result(g, o, r));
		if (mem > peak) {
			peak = mem;
			at = o;
		}
		for (uint32_t j = 0; j < p->n_in; j++) {
			uint32_t v = nx_operand(g, o, j);
			if (v == NX_NONE || keep[v] || last[v] != i)
				continue;
			mem -= nxp_live_bytes(g, v);
			last[v] = UINT32_MAX - 1; /* released: a repeated operand counts once */
		}
		for (uint32_t r = 0; r < p->n_out; r++) {
			uint32_t v = nx_result(g, o, r);
			if (last[v] == UINT32_MAX && !keep[v])
				mem -= nxp_live_bytes(g, v);
		}
	}
	free(own);
	free(pos);
	free(last);
	free(keep);
	if (peak_op)
		*peak_op = at;
	return peak;
}
