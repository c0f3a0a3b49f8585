/* cost_matmul.c — matmul and gemm as GEMMs on the MAC array.
 *
 * A [..., M, K] x B [..., K, N]: the M rows stream through the array
 * (SCALE-Sim's N_ofmap), K is the window and N the filters; every batch
 * index (the broadcast leading dims of the result) is a GEMM of its own.
 * A constant B is weights: DRAM, through the kernel buffer. A B computed by
 * the graph (attention's K^T and V) is an activation and is read from where
 * the memory plan put it. gemm reads transA/transB; alpha, beta and C fold
 * into the output stage.
 *
 * Tiling (attr tile, per result dim): the last dim tiles N (the output
 * channels), the others rows and batches.
 */
#include <math.h>

#include "nxs.h"

void nxs_prep_matmul(const nx_graph *g, uint32_t op, nxs_opinv *inv)
{
	const nx_type *a = nx_vtype(g, nx_operand(g, op, 0));
	uint32_t bi = nx_mac_weight_operand(nx_opp(g, op)->kind);
	const nx_type *b = nx_vtype(g, nx_operand(g, op, bi));
	const nx_type *y = nx_vtype(g, nx_result(g, op, 0));
	int64_t m, k, n;
	if (nx_opp(g, op)->kind == NX_OP_GEMM) {
		bool ta = nx_attr_i(g, op, "transA", 0), tb = nx_attr_i(g, op, "transB", 0);
		m = a->dims[ta ? 1 : 0];
		k = a->dims[ta ? 0 : 1];
		n = b->dims[tb ? 0 : 1];
	} else {
		m = a->rank >= 2 ? a->dims[a->rank - 2] : 1;
		k = a->dims[a->rank - 1];
		n = b->rank >= 2 ? b->dims[b->rank - 1] : 1;
	}
	int64_t batch = 1;
	for (int i = 0; i + 2 < y->rank; i++)
		batch *= y->dims[i];
	inv->n_ofmap = m;
	inv->window = k;
	inv->filters = n;
	inv->batch = batch;
	inv->macs = (double)batch * (double)m * (double)k * (double)n;
	if (nx_attr_get(g, op, "act"))
		inv->elem_ops = (double)nx_type_numel(y);
	inv->passes = 1;
	inv->nt_c = y->rank ? nxs_tiles_dim(g, op, y->rank - 1) : 1;
	for (int d = 0; d + 1 < y->rank; d++)
		inv->nt_sp *= nxs_tiles_dim(g, op, d);
	inv->nt_pix = y->rank >= 2 ? nxs_tiles_dim(g, op, y->rank - 2) : 1;
}

void nxs_cost_matmul(const nxs_opinv *inv, const nx_target *t, nxs_cost *c)
{
	int64_t rows = (int64_t)ceil((double)inv->n_ofmap / inv->nt_pix);
	int64_t filt = (int64_t)ceil((double)inv->filters / inv->nt_c);
	int64_t batch = inv->batch * (int64_t)(inv->nt_pix * inv->nt_c);
	if (rows < 1)
		rows = 1;
	c->compute_cycles = nxs_array_cycles(t, inv->dtype, batch, rows, inv->window, filt,
					     &c->mapping);
	nxs_mac_traffic(inv, t, c);
}
