/* cost_norm.c — softmax, log-softmax, layer norm and batch norm on the
 * vector unit, as passes over the data (NE-MODEL.md §5): softmax ~4 (max,
 * exp, sum, divide), layer norm ~5 (following Apple's LayerNormANE
 * decomposition: mean, centre, square-mean, normalise, affine), batch norm
 * 1 (a per-channel affine at inference). The reduction axis is short next to
 * the on-chip memory, so rows are staged on chip: the first read and the
 * last write go to where the tensor lives, the other passes to SRAM.
 */
#include "nxs.h"

static double passes_of(int kind)
{
	switch (kind) {
	case NX_OP_SOFTMAX:
	case NX_OP_LOG_SOFTMAX:
		return 4;
	case NX_OP_LAYER_NORM:
		return 5;
	default:
		return 1;
	}
}

void nxs_prep_norm(const nx_graph *g, uint32_t op, nxs_opinv *inv)
{
	const nx_type *y = nx_vtype(g, nx_result(g, op, 0));
	inv->passes = passes_of(nx_opp(g, op)->kind);
	inv->elem_ops = (double)nx_type_numel(y) * (inv->passes > 1 ? inv->passes : 2);
	for (int d = 0; d < y->rank; d++)
		inv->nt_sp *= nxs_tiles_dim(g, op, d);
}

void nxs_cost_norm(const nxs_opinv *inv, const nx_target *t, nxs_cost *c)
{
	nxs_vec_traffic(inv, t, inv->passes, c);
}
