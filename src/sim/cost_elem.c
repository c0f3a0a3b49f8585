/* cost_elem.c — pointwise ops, casts and reductions on the vector unit.
 *
 * The NE runs them as passes over the data (NE-MODEL.md §5): one read of
 * every operand and one write of the result, at the bandwidth of where each
 * lives; the vector unit's rate (vec_elems per core per cycle) bounds the
 * compute side. An operation per result element (per input element for a
 * reduction), plus one for a fused activation. Transcendentals (exp, erf,
 * tanh, ...) count as one: the NE evaluates activations through lookup
 * tables [RE], which the model takes as one pass.
 */
#include "nxs.h"

void nxs_prep_elem(const nx_graph *g, uint32_t op, nxs_opinv *inv)
{
	const nx_op *p = nx_opp(g, op);
	const nx_type *y = nx_vtype(g, nx_result(g, op, 0));
	double n = (double)nx_type_numel(y);
	if (nx_ops[p->kind].flags & NX_F_REDUCE)
		n = (double)nx_type_numel(nx_vtype(g, nx_operand(g, op, 0)));
	inv->elem_ops = n * (nx_attr_get(g, op, "act") ? 2 : 1);
	inv->passes = 1;
	for (int d = 0; d < y->rank; d++)
		inv->nt_sp *= nxs_tiles_dim(g, op, d);
}

void nxs_cost_elem(const nxs_opinv *inv, const nx_target *t, nxs_cost *c)
{
	nxs_vec_traffic(inv, t, 1, c);
}
