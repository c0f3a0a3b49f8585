/* cost_move.c — data movement: transpose, concat, split, slice, pad,
 * expand, resize, gather, and reshapes that are not views. Each is a copy
 * by DMA: the bytes read plus the bytes written, at the bandwidth of where
 * they live; no arithmetic except resize's interpolation on the vector unit.
 * [Apple] reshape and transpose likely trigger memory copies: a full read and
 * write unless the change is only a view (core target_layout.c decides
 * that, and views never get here). Slice and split read only what they
 * keep; a smarter compiler could make concat free by writing its inputs in
 * place, which the model does not assume.
 */
#include "nxs.h"

void nxs_prep_move(const nx_graph *g, uint32_t op, nxs_opinv *inv)
{
	const nx_op *p = nx_opp(g, op);
	const nx_type *y = nx_vtype(g, nx_result(g, op, 0));
	inv->passes = 1;
	if (p->kind == NX_OP_RESIZE) {
		const char *mode = nx_attr_s(g, op, "mode", "nearest");
		double per = mode[0] == 'n' ? 1 : mode[0] == 'l' ? 4 : 16;
		inv->elem_ops = (double)nx_type_numel(y) * per;
	}
	for (int d = 0; d < y->rank; d++)
		inv->nt_sp *= nxs_tiles_dim(g, op, d);
	/* halo doubles as the read fraction: slice and split read what they keep. */
	if ((p->kind == NX_OP_SLICE || p->kind == NX_OP_SPLIT || p->kind == NX_OP_GATHER)) {
		double in = 0, out = 0;
		for (uint32_t i = 0; i < p->n_out; i++)
			out += (double)nx_type_numel(nx_vtype(g, nx_result(g, op, i)));
		in = (double)nx_type_numel(nx_vtype(g, nx_operand(g, op, 0)));
		if (in > 0 && out < in)
			inv->halo = out / in;
	}
}

void nxs_cost_move(const nxs_opinv *inv, const nx_target *t, nxs_cost *c)
{
	nxs_vec_traffic(inv, t, 1, c);
}
