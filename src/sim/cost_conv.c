/* cost_conv.c — conv and conv_transpose as GEMMs on the MAC array.
 *
 * conv (SCALE-Sim's mapping, NE-MODEL.md §5): N_ofmap = batch x output
 * pixels, window = R x S x C/groups, filters = M/groups, one GEMM per group;
 * MACs = N_ofmap x window x filters x groups. Depthwise convs are groups of
 * one filter, which is why they map poorly onto the array (mapping
 * efficiency window x 1 / (rows x cols)): the model shows that rather than
 * assuming a dedicated depthwise datapath no public source describes.
 * conv_transpose is costed input-centric (col2im): every input pixel times
 * C/groups against (M/groups) x R x S, the MACs a transposed conv performs.
 *
 * Tiling (attr tile, per result dim): dim 1 tiles output channels, the
 * others output pixels; an output tile of t rows reads (t-1) x stride +
 * (k-1) x dilation + 1 input rows, so tiles overlap by their halo. A
 * conv_transpose tile reads the input rows whose taps land in it, as
 * core's tile geometry gives them (nx_convt_tile_geom: what the program's
 * tiles read), so its halo is those rows over all tiles.
 */
#include <math.h>
#include <string.h>

#include "nxs.h"

/* The input rows (columns) a tiled conv_transpose's row (column) tiles
 * read together over the input's rows (columns), multiplied over the two
 * axes; 1 when the op is not split as codegen runs it. */
static double convt_halo(const nx_graph *g, uint32_t op)
{
	int64_t nt[4], te[4];
	const nx_type *x = nx_vtype(g, nx_operand(g, op, 0));
	const nx_type *y = nx_vtype(g, nx_result(g, op, 0));
	if (x->rank != 4 || y->rank != 4 || !nx_attr_get(g, op, "tile") ||
	    nx_convt_tiling(g, op, nt, te))
		return 1;
	double halo = 1;
	for (int d = 2; d < 4; d++) {
		if (nt[d] <= 1 || x->dims[d] < 1)
			continue;
		int64_t rows = 0;
		for (int64_t i = 0; i < nt[d]; i++) {
			int64_t r0[4] = {0, 0, 0, 0}, rn[4], xw0[4], xwn[4], ww0[4], wwn[4], pads[4], grp;
			memcpy(rn, y->dims, sizeof rn);
			r0[d] = i * te[d];
			rn[d] = r0[d] + te[d] > y->dims[d] ? y->dims[d] - r0[d] : te[d];
			nx_convt_tile_geom(g, op, r0, rn, xw0, xwn, ww0, wwn, pads, &grp);
			rows += xwn[d];
		}
		double f = (double)rows / (double)x->dims[d];
		if (f > 1)
			halo *= f;
	}
	return halo;
}

void nxs_prep_conv(const nx_graph *g, uint32_t op, nxs_opinv *inv)
{
	const nx_type *x = nx_vtype(g, nx_operand(g, op, 0));
	int kind = nx_opp(g, op)->kind;
	const nx_type *w = nx_vtype(g, nx_operand(g, op, nx_mac_weight_operand(kind)));
	const nx_type *y = nx_vtype(g, nx_result(g, op, 0));
	int64_t groups = nx_attr_i(g, op, "group", 1);
	if (groups < 1)
		groups = 1;
	int64_t kprod = 1;
	for (int i = 2; i < w->rank; i++)
		kprod *= w->dims[i];
	if (kind != NX_OP_CONV_TRANSPOSE) {
		int64_t pix = y->dims[0];
		for (int i = 2; i < y->rank; i++)
			pix *= y->dims[i];
		inv->n_ofmap = pix;
		inv->window = w->dims[1] * kprod;            /* C/groups x R x S */
		inv->filters = y->dims[1] / groups;
	} else {
		int64_t pix = x->dims[0];
		for (int i = 2; i < x->rank; i++)
			pix *= x->dims[i];
		inv->n_ofmap = pix;
		inv->window = x->dims[1] / groups;
		inv->filters = w->dims[1] * kprod;           /* (M/groups) x R x S */
	}
	inv->batch = groups;
	inv->macs = (double)inv->n_ofmap * (double)inv->window * (double)inv->filters *
		    (double)groups;
	if (nx_attr_get(g, op, "act"))
		inv->elem_ops = (double)nx_type_numel(y);
	inv->passes = 1;

	inv->nt_c = nxs_tiles_dim(g, op, 1);
	inv->nt_sp = nxs_tiles_dim(g, op, 0);
	uint32_t ns, nd;
	const int64_t *st = nx_attr_ints(g, op, "strides", &ns);
	const int64_t *dl = nx_attr_ints(g, op, "dilations", &nd);
	uint32_t nt;
	const int64_t *tile = nx_attr_ints(g, op, "tile", &nt);
	for (int d = 2; d < y->rank; d++) {
		double n = nxs_tiles_dim(g, op, d);
		inv->nt_sp *= n;
		if (n <= 1 || kind == NX_OP_CONV_TRANSPOSE || (uint32_t)d >= nt)
			continue;
		int64_t s = (uint32_t)(d - 2) < ns ? st[d - 2] : 1;
		int64_t di = (uint32_t)(d - 2) < nd ? dl[d - 2] : 1;
		int64_t k = d < w->rank ? w->dims[d] : 1;
		double rows = n * (double)((tile[d] - 1) * s + (k - 1) * di + 1);
		double f = rows / (double)x->dims[d];
		if (f > 1)
			inv->halo *= f;
	}
	if (kind == NX_OP_CONV_TRANSPOSE)
		inv->halo = convt_halo(g, op);
	inv->nt_pix = inv->nt_sp;
}

void nxs_cost_conv(const nxs_opinv *inv, const nx_target *t, nxs_cost *c)
{
	/* Tiles cut output pixels and channels; each tile is a GEMM of its own,
	 * so small tiles pay the array's fill and drain more often. */
	int64_t pix = (int64_t)ceil((double)inv->n_ofmap / inv->nt_pix);
	int64_t filt = (int64_t)ceil((double)inv->filters / inv->nt_c);
	int64_t batch = inv->batch * (int64_t)(inv->nt_pix * inv->nt_c);
	c->compute_cycles = nxs_array_cycles(t, inv->dtype, batch, pix, inv->window, filt,
					     &c->mapping);
	/* A fused activation runs in the array's output stage, hidden behind
	 * the MACs (its element ops still cost energy). */
	nxs_mac_traffic(inv, t, c);
}
