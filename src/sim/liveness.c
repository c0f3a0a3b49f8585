/* liveness.c — the buffers of a graph and when each is live, in schedule
 * order (DESIGN.md §5: the simulator and the memory planner follow the
 * schedule, which passes may reorder).
 *
 * Time is the position of an op in the schedule. A value produced at
 * position p and last read at q holds its buffer over [p, q], both ends
 * included: an op's operands and results are live together while it runs,
 * so a result never shares memory with an operand. Graph inputs are live
 * from position 0, graph outputs to the end. Constants are not buffers:
 * weights stay in DRAM and reach the array through the kernel DMA. A view
 * (layout.c) owns no buffer: its result reads its source's, whose live
 * range grows to the view's last use.
 */
#include <stdlib.h>
#include <string.h>

#include "nxs.h"

void nxs_live_positions(const nx_graph *g, nxs_live *l)
{
	memset(l, 0, sizeof *l);
	l->n_vals = g->n_vals;
	l->pos_of = nx_xmalloc((size_t)(g->n_ops ? g->n_ops : 1) * sizeof *l->pos_of);
	memset(l->pos_of, 0xff, (size_t)g->n_ops * sizeof *l->pos_of);
	uint32_t n = 0;
	NX_FOR_OPS(g, o)
		n++;
	l->op_at = nx_xmalloc((size_t)(n ? n : 1) * sizeof *l->op_at);
	n = 0;
	NX_FOR_OPS(g, o) {
		l->op_at[n] = o;
		l->pos_of[o] = n++;
	}
	l->n_pos = n;
}

static uint8_t stronger(uint8_t a, uint8_t b)
{
	/* IO beats CPU beats the rest: the reason shown is the one that forces. */
	if (a == NXS_WHY_IO || b == NXS_WHY_IO)
		return NXS_WHY_IO;
	if (a == NXS_WHY_CPU || b == NXS_WHY_CPU)
		return NXS_WHY_CPU;
	return a;
}

static uint32_t new_buf(nxs_live *l, uint32_t v, uint32_t pos, int64_t size, uint8_t why)
{
	uint32_t b = l->n_bufs++;
	l->bufs[b] = (nxs_buf){.value = v, .start = pos, .end = pos, .size = size,
			       .level = NXS_SRAM, .why = why};
	l->buf_of[v] = b;
	return b;
}

void nxs_live_build(const nx_graph *g, const nxs_opinv *inv, const int64_t *talloc,
		    nxs_live *l)
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
			new_buf(l, v, 0, talloc[g->vals[v].type], NXS_WHY_IO);
	}
	for (uint32_t p = 0; p < l->n_pos; p++) {
		uint32_t o = l->op_at[p];
		const nx_op *op = nx_opp(g, o);
		uint8_t why = inv[p].cpu ? NXS_WHY_CPU : NXS_WHY_FITS;
		for (uint32_t i = 0; i < op->n_in; i++) {
			uint32_t v = nx_operand(g, o, i);
			if (v == NX_NONE || l->buf_of[v] == NX_NONE)
				continue;
			nxs_buf *b = &l->bufs[l->buf_of[v]];
			if (b->end < p)
				b->end = p;
			b->why = stronger(b->why, why);
		}
		if (inv[p].view && !inv[p].cpu) {
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
		l->bufs[b].why = NXS_WHY_IO;
	}
}

void nxs_live_free(nxs_live *l)
{
	free(l->op_at);
	free(l->pos_of);
	free(l->buf_of);
	free(l->bufs);
	memset(l, 0, sizeof *l);
}
