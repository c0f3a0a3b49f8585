/* liveness.c — the buffers of a graph and when each is live, in schedule
 * order (DESIGN.md §5: the simulator and the memory planner follow the
 * schedule, which passes may reorder). The one liveness of nex: the sim
 * builds it from its caches (nx_live_positions + nx_live_build), passes ask
 * for a whole graph on a target (nx_live_graph) or for the peak of an order
 * they consider (nx_peak_live_bytes: the schedule pass).
 *
 * Time is the position of an op in the order. A value produced at position
 * p and last read at q holds its buffer over [p, q], both ends included: an
 * op's operands and results are live together while it runs, so a result
 * never shares memory with an operand, and a result nobody reads still
 * holds memory while its op runs. Graph inputs are live from position 0,
 * graph outputs to the end. Constants are not buffers: weights stay in DRAM
 * and reach the array through the kernel DMA. A view (nx_target_op_is_view)
 * owns no buffer: its result reads its source's, whose live range grows to
 * the view's last use. Ops that run on the CPU force their tensors to DRAM
 * (why = NX_WHY_CPU), graph inputs and outputs too (NX_WHY_IO).
 */
#include <stdlib.h>
#include <string.h>

#include "nx.h"

void nx_live_positions(const nx_graph *g, const uint32_t *order, uint32_t n, nx_live *l)
{
	memset(l, 0, sizeof *l);
	l->n_vals = g->n_vals;
	l->pos_of = nx_xmalloc((size_t)(g->n_ops ? g->n_ops : 1) * sizeof *l->pos_of);
	memset(l->pos_of, 0xff, (size_t)g->n_ops * sizeof *l->pos_of);
	if (!order) {
		n = 0;
		NX_FOR_OPS(g, o)
			n++;
	}
	l->op_at = nx_xmalloc((size_t)(n ? n : 1) * sizeof *l->op_at);
	if (order) {
		memcpy(l->op_at, order, (size_t)n * sizeof *l->op_at);
	} else {
		n = 0;
		NX_FOR_OPS(g, o)
			l->op_at[n++] = o;
	}
	for (uint32_t p = 0; p < n; p++)
		l->pos_of[l->op_at[p]] = p;
	l->n_pos = n;
}

static uint8_t stronger(uint8_t a, uint8_t b)
{
	/* IO beats CPU beats the rest: the reason shown is the one that forces. */
	if (a == NX_WHY_IO || b == NX_WHY_IO)
		return NX_WHY_IO;
	if (a == NX_WHY_CPU || b == NX_WHY_CPU)
		return NX_WHY_CPU;
	return a;
}

static uint32_t new_buf(nx_live *l, uint32_t v, uint32_t pos, int64_t size, uint8_t why)
{
	uint32_t b = l->n_bufs++;
	l->bufs[b] = (nx_buf){.value = v, .start = pos, .end = pos, .size = size,
			      .level = NX_SRAM, .why = why};
	l->buf_of[v] = b;
	return b;
}

void nx_live_build(const nx_graph *g, const uint8_t *flags, const int64_t *talloc, nx_live *l)
{
	free(l->buf_of);
	free(l->bufs);
	l->n_vals = g->n_vals;
	l->buf_of = nx_xmalloc((size_t)(g->n_vals ? g->n_vals : 1) * sizeof *l->buf_of);
	memset(l->buf_of, 0xff, (size_t)g->n_vals * sizeof *l->buf_of);
	uint32_t cap = g->n_inputs;
	for (uint32_t p = 0; p < l->n_pos; p++)
		cap += nx_opp(g, l->op_at[p])->n_out;
	l->bufs = nx_xmalloc((size_t)(cap ? cap : 1) * sizeof *l->bufs);
	l->n_bufs = 0;
	uint32_t last = l->n_pos ? l->n_pos - 1 : 0;
	for (uint32_t i = 0; i < g->n_inputs; i++) {
		uint32_t v = g->inputs[i];
		if (!nx_is_const(g, v) && l->buf_of[v] == NX_NONE)
			new_buf(l, v, 0, talloc[g->vals[v].type], NX_WHY_IO);
	}
	for (uint32_t p = 0; p < l->n_pos; p++) {
		uint32_t o = l->op_at[p];
		const nx_op *op = nx_opp(g, o);
		uint8_t f = flags ? flags[p] : 0;
		uint8_t why = (f & NX_LIVE_CPU) ? NX_WHY_CPU : NX_WHY_FITS;
		for (uint32_t i = 0; i < op->n_in; i++) {
			uint32_t v = nx_operand(g, o, i);
			if (v == NX_NONE || l->buf_of[v] == NX_NONE)
				continue;
			nx_buf *b = &l->bufs[l->buf_of[v]];
			if (b->end < p)
				b->end = p;
			b->why = stronger(b->why, why);
		}
		if ((f & NX_LIVE_VIEW) && !(f & NX_LIVE_CPU)) {
			uint32_t src = nx_operand(g, o, 0);
			l->buf_of[nx_result(g, o, 0)] = src == NX_NONE ? NX_NONE : l->buf_of[src];
			continue;
		}
		for (uint32_t i = 0; i < op->n_out; i++) {
			uint32_t v = nx_result(g, o, i);
			new_buf(l, v, p, talloc[g->vals[v].type], why);
		}
	}
	for (uint32_t i = 0; i < g->n_outputs; i++) {
		uint32_t b = l->buf_of[g->outputs[i]];
		if (b == NX_NONE)
			continue;
		l->bufs[b].end = last;
		l->bufs[b].why = NX_WHY_IO;
	}
}

void nx_live_free(nx_live *l)
{
	free(l->op_at);
	free(l->pos_of);
	free(l->buf_of);
	free(l->bufs);
	memset(l, 0, sizeof *l);
}

static bool typed(const nx_graph *g, uint32_t k)
{
	return k != 0 && nx_type_at(g, k)->dtype < NX_DTYPE_COUNT;
}

void nx_live_graph(const nx_graph *g, const uint32_t *order, uint32_t n, const nx_target *t,
		   nx_live *l)
{
	nx_live_positions(g, order, n, l);
	int64_t *talloc = nx_xmalloc((size_t)(g->n_types ? g->n_types : 1) * sizeof *talloc);
	for (uint32_t k = 0; k < g->n_types; k++) {
		int64_t b = !typed(g, k) ? 0
			    : t ? nx_target_alloc_bytes(nx_type_at(g, k), t)
				: nx_type_bytes(nx_type_at(g, k));
		talloc[k] = b > 0 ? b : 0;
	}
	uint8_t *flags = NULL;
	if (t) {
		flags = nx_xcalloc((size_t)(l->n_pos ? l->n_pos : 1), 1);
		for (uint32_t p = 0; p < l->n_pos; p++) {
			uint32_t o = l->op_at[p];
			if (nx_target_on_cpu(g, o, t))
				flags[p] |= NX_LIVE_CPU;
			if (nx_target_op_is_view(g, o, t))
				flags[p] |= NX_LIVE_VIEW;
		}
	}
	nx_live_build(g, flags, talloc, l);
	free(flags);
	free(talloc);
}

int64_t nx_live_peak(const nx_live *l, uint32_t *peak_pos)
{
	uint32_t np = l->n_pos ? l->n_pos : 1;
	int64_t *d = nx_xcalloc((size_t)np + 1, sizeof *d);
	for (uint32_t i = 0; i < l->n_bufs; i++) {
		d[l->bufs[i].start] += l->bufs[i].size;
		d[l->bufs[i].end + 1] -= l->bufs[i].size;
	}
	int64_t cur = 0, best = 0;
	uint32_t at = 0;
	for (uint32_t p = 0; p < np; p++) {
		cur += d[p];
		if (cur > best) {
			best = cur;
			at = p;
		}
	}
	free(d);
	if (peak_pos)
		*peak_pos = at;
	return best;
}

int64_t nx_live_value_bytes(const nx_graph *g, uint32_t v, const nx_target *t)
{
	if (v == NX_NONE || nx_is_const(g, v) || (g->vals[v].flags & NX_V_DEAD) ||
	    !typed(g, g->vals[v].type))
		return 0;
	int64_t b = t ? nx_target_alloc_bytes(nx_vtype(g, v), t) : nx_type_bytes(nx_vtype(g, v));
	return b > 0 ? b : 0;
}

int64_t nx_peak_live_bytes(const nx_graph *g, const uint32_t *order, uint32_t n,
			   const nx_target *t, uint32_t *peak_op)
{
	nx_live l;
	nx_live_graph(g, order, n, t, &l);
	uint32_t at;
	int64_t peak = nx_live_peak(&l, &at);
	if (peak_op)
		*peak_op = l.n_pos ? l.op_at[at] : NX_NONE;
	nx_live_free(&l);
	return peak;
}
