/* cost_pool.c — max and average pooling, local and global, on the vector
 * unit: one pass over the input and one write of the output (NE-MODEL.md
 * §5), window x output elements of work (input elements for a global pool).
 * Overlapping windows are re-read from the on-chip copy, not from DRAM.
 */
#include "nxs.h"

void nxs_prep_pool(const nx_graph *g, uint32_t op, nxs_opinv *inv)
{
	const nx_type *x = nx_vtype(g, nx_operand(g, op, 0));
	const nx_type *y = nx_vtype(g, nx_result(g, op, 0));
	int kind = nx_opp(g, op)->kind;
	if (kind == NX_OP_GLOBAL_AVG_POOL || kind == NX_OP_GLOBAL_MAX_POOL) {
		inv->elem_ops = (double)nx_type_numel(x);
	} else {
		uint32_t n;
		const int64_t *k = nx_attr_ints(g, op, "kernel_shape", &n);
		double win = 1;
		for (uint32_t i = 0; i < n; i++)
			win *= (double)k[i];
		inv->elem_ops = (double)nx_type_numel(y) * win;
	}
	inv->passes = 1;
	for (int d = 0; d < y->rank; d++)
		inv->nt_sp *= nxs_tiles_dim(g, op, d);
}

void nxs_cost_pool(const nxs_opinv *inv, const nx_target *t, nxs_cost *c)
{
	nxs_vec_traffic(inv, t, 1, c);
}
