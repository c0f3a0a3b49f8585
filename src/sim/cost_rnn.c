/* cost_rnn.c — the work of LSTM, GRU and RNN, which always run on the CPU
 * (core target_support.c: no NE task loops over time steps), so only the
 * invariants matter; cost_cpu.c turns them into time and energy.
 *
 * From the types alone, with W [D, G*H, I] and Y [T, D, B, H] (or [B, T, D,
 * H]): every step of every direction multiplies x_t [B, I] by W^T and
 * h_{t-1} [B, H] by R^T, so MACs = T x D x B x G x H x (I + H). The gates'
 * elementwise work is counted as 4 operations per gate element (bias,
 * activation, the products and sums of the state update): T x D x B x G x H
 * x 4. sequence_lens shorter than T are not known statically; the cost
 * takes every sequence at full length, an upper bound.
 */
#include "nxs.h"

void nxs_prep_rnn(const nx_graph *g, uint32_t op, nxs_opinv *inv)
{
	const nx_type *w = nx_vtype(g, nx_operand(g, op, 1));
	const nx_type *r = nx_vtype(g, nx_operand(g, op, 2));
	const nx_type *y = nx_vtype(g, nx_result(g, op, 0));
	if (w->rank != 3 || r->rank != 3 || y->rank != 4)
		return; /* the verifier refuses such an op; cost.c counts it elementwise */
	double D = (double)w->dims[0], GH = (double)w->dims[1];
	double I = (double)w->dims[2], H = (double)r->dims[2];
	double steps = (double)nx_type_numel(y) / (D * H); /* T x B */
	inv->macs = steps * D * GH * (I + H);
	inv->elem_ops = steps * D * GH * 4;
	inv->passes = 1;
}
