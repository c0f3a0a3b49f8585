/* cost.c — the cost of one op: dispatch to its family (cost_conv.c, ...),
 * then what every family shares.
 *
 * Each family fills two things from the op's invariants: the compute term
 * (array or vector-unit cycles) and the traffic per memory level. This file
 * turns them into the model of DESIGN.md §5 and NE-MODEL.md §5:
 *     memory   = max(DRAM bytes / (dram_bw x dram_share), on-chip bytes / sram_bw)
 *     overhead = task_overhead x tiles
 *     cycles   = max(compute, memory) + overhead
 *     bound    = the term that wins (overhead when it exceeds the other two)
 *     energy   = MACs x e_mac + element ops x e_mac + on-chip bytes x e_sram
 *              + DRAM bytes x e_dram + static_power x time
 * (roofline, Williams et al. 2009; energy terms NE-MODEL.md §4). Ops that
 * run on the CPU go to cost_cpu.c instead.
 */
#include <math.h>
#include <string.h>

#include "nxs.h"

const char *nxs_bound_name(int b)
{
	static const char *names[NXS_BOUND_COUNT] = {"free", "compute", "memory", "overhead",
						     "fallback"};
	return b >= 0 && b < NXS_BOUND_COUNT ? names[b] : "?";
}

int nxs_family_of(int kind)
{
	uint32_t f = nx_ops[kind].flags;
	if (f & NX_F_MAC)
		return kind == NX_OP_CONV || kind == NX_OP_CONV_TRANSPOSE ? NXS_FAM_CONV
									   : NXS_FAM_MATMUL;
	if (f & NX_F_SHAPEOF)
		return NXS_FAM_FREE;
	if (f & NX_F_NORM)
		return NXS_FAM_NORM;
	if (f & NX_F_POOL)
		return NXS_FAM_POOL;
	if (f & (NX_F_ELEMWISE | NX_F_REDUCE))
		return NXS_FAM_ELEM;
	if (f & (NX_F_MOVE | NX_F_VIEW))
		return NXS_FAM_MOVE;
	return NXS_FAM_OTHER;
}

static double numel_out(const nx_graph *g, uint32_t op)
{
	double n = 0;
	for (uint32_t i = 0; i < nx_opp(g, op)->n_out; i++)
		n += (double)nx_type_numel(nx_vtype(g, nx_result(g, op, i)));
	return n;
}

void nxs_prep_op(const nx_graph *g, uint32_t op, const int64_t *plain, nxs_opinv *inv)
{
	memset(inv, 0, sizeof *inv);
	const nx_op *p = nx_opp(g, op);
	inv->op = op;
	inv->family = (uint8_t)nxs_family_of(p->kind);
	inv->dtype = NX_F16;
	if (p->n_out)
		inv->dtype = nx_vtype(g, nx_result(g, op, 0))->dtype;
	for (uint32_t i = 0; i < p->n_in; i++) {
		uint32_t v = nx_operand(g, op, i);
		if (v == NX_NONE)
			continue;
		if (nx_is_const(g, v)) {
			int64_t b = plain ? plain[g->vals[v].type] : nx_type_bytes(nx_vtype(g, v));
			inv->weight_bytes += b > 0 ? (double)b : 0;
		}
	}
	if (p->n_in && nx_operand(g, op, 0) != NX_NONE)
		inv->dtype = nx_vtype(g, nx_operand(g, op, 0))->dtype;
	const char *dev = nx_attr_s(g, op, "device", "ne");
	inv->device_cpu = !strcmp(dev, "cpu");
	inv->nt_sp = inv->nt_c = inv->nt_pix = inv->halo = 1;
	nx_limits_of(g, op, &inv->lim);
	switch (inv->family) {
	case NXS_FAM_CONV: nxs_prep_conv(g, op, inv); break;
	case NXS_FAM_MATMUL: nxs_prep_matmul(g, op, inv); break;
	case NXS_FAM_ELEM: nxs_prep_elem(g, op, inv); break;
	case NXS_FAM_POOL: nxs_prep_pool(g, op, inv); break;
	case NXS_FAM_NORM: nxs_prep_norm(g, op, inv); break;
	case NXS_FAM_MOVE: nxs_prep_move(g, op, inv); break;
	case NXS_FAM_OTHER:
		if (p->kind == NX_OP_LSTM || p->kind == NX_OP_GRU || p->kind == NX_OP_RNN) {
			nxs_prep_rnn(g, op, inv);
			if (inv->macs > 0)
				break;
		}
		/* Unknown work: one operation per result element, so that the CPU
		 * term is not zero (documented as a guess). */
		inv->elem_ops = numel_out(g, op);
		inv->passes = 1;
		break;
	default:
		break;
	}
	if (inv->elem_ops == 0 && inv->macs == 0 && inv->family != NXS_FAM_FREE &&
	    inv->family != NXS_FAM_MOVE)
		inv->elem_ops = numel_out(g, op);
}

double nxs_tiles_dim(const nx_graph *g, uint32_t op, int d)
{
	uint32_t n;
	const int64_t *tile = nx_attr_ints(g, op, "tile", &n);
	if (!tile || d < 0 || (uint32_t)d >= n || tile[d] <= 0 || !nx_opp(g, op)->n_out)
		return 1;
	const nx_type *y = nx_vtype(g, nx_result(g, op, 0));
	if (d >= y->rank)
		return 1;
	return ceil((double)y->dims[d] / (double)tile[d]);
}

void nxs_mac_traffic(const nxs_opinv *inv, const nx_target *t, nxs_cost *c)
{
	double a = inv->in_sram + inv->in_dram, w = inv->weight_bytes;
	double out = inv->out_sram + inv->out_dram;
	double kmem = t->kmem > 0 ? (double)t->kmem : 1;
	double tiles = inv->nt_sp * inv->nt_c;
	double w_reads, a_dram, a_sram;
	if (tiles > 1) {
		/* The tile pass decided: channel tiles outer, spatial tiles inner;
		 * a channel tile's weights stay in the kernel buffer across the
		 * spatial tiles if they fit, else they are fetched per tile. Inputs
		 * are read once per channel tile, with the halo rows twice. */
		w_reads = w / inv->nt_c <= kmem ? w : w * inv->nt_sp;
		a_dram = inv->in_dram * inv->halo * inv->nt_c;
		a_sram = a * inv->halo * inv->nt_c;
	} else {
		/* The hardware tiles by itself ("it tiles and streams" [RE, 3P]):
		 * weights pass through the kernel buffer in nw chunks. Either every
		 * chunk re-reads the input (input re-streamed from DRAM nw times),
		 * or the input is staged in slices of half the SRAM and the
		 * weights re-streamed per slice; the cheaper in DRAM bytes wins. */
		double nw = w > kmem ? ceil(w / kmem) : 1;
		double half = t->sram > 1 ? (double)t->sram / 2 : 1;
		double ni = inv->in_dram > half ? ceil(inv->in_dram / half) : 1;
		double dram_a = inv->in_dram * nw + w, dram_b = inv->in_dram + w * ni;
		if (dram_b < dram_a) {
			w_reads = w * ni;
			a_dram = inv->in_dram;
		} else {
			w_reads = w;
			a_dram = inv->in_dram * nw;
		}
		a_sram = a * nw;
	}
	c->weight_bytes = w_reads;
	c->prefetch_bytes = w < kmem ? w : kmem;
	c->dram_bytes = a_dram + w_reads + inv->out_dram;
	c->sram_bytes = a_sram + out + w_reads;
}

void nxs_vec_traffic(const nxs_opinv *inv, const nx_target *t, double sram_passes, nxs_cost *c)
{
	double a = inv->in_sram + inv->in_dram, out = inv->out_sram + inv->out_dram;
	double w = inv->weight_bytes;
	/* The first read and the last write touch the tensor where it lives;
	 * further passes run over tiles staged on chip. */
	c->dram_bytes = inv->in_dram * inv->halo + inv->out_dram + w;
	c->sram_bytes = a * inv->halo * sram_passes + out + w;
	c->weight_bytes = w;
	c->prefetch_bytes = w < (double)t->kmem ? w : (double)t->kmem;
	c->compute_cycles = inv->elem_ops / ((double)t->cores * (double)t->vec_elems);
}

static double e_mac_of(const nx_target *t, int dtype)
{
	return dtype == NX_I8 || dtype == NX_U8 ? t->e_mac_int8 : t->e_mac_fp16;
}

void nxs_cost_op(const nxs_opinv *inv, const nx_target *t, nxs_cost *c)
{
	memset(c, 0, sizeof *c);
	c->op = inv->op;
	c->dtype = inv->dtype;
	c->macs = inv->macs;
	c->elem_ops = inv->elem_ops;
	if (inv->cpu) {
		nxs_cost_cpu(inv, t, c);
		c->cpu = 1;
		c->bound = NXS_BOUND_FALLBACK;
		return;
	}
	if (inv->family == NXS_FAM_FREE || inv->view) {
		c->bound = NXS_BOUND_FREE;
		c->macs = c->elem_ops = 0;
		return;
	}
	switch (inv->family) {
	case NXS_FAM_CONV: nxs_cost_conv(inv, t, c); break;
	case NXS_FAM_MATMUL: nxs_cost_matmul(inv, t, c); break;
	case NXS_FAM_POOL: nxs_cost_pool(inv, t, c); break;
	case NXS_FAM_NORM: nxs_cost_norm(inv, t, c); break;
	case NXS_FAM_MOVE: nxs_cost_move(inv, t, c); break;
	default: nxs_cost_elem(inv, t, c); break;
	}
	c->dram_cycles = c->dram_bytes / nx_target_ne_dram_bw(t);
	double sram_cycles = c->sram_bytes / t->sram_bw;
	c->memory_cycles = c->dram_cycles > sram_cycles ? c->dram_cycles : sram_cycles;
	c->overhead_cycles = t->task_overhead * inv->nt_sp * inv->nt_c;
	double body = c->compute_cycles > c->memory_cycles ? c->compute_cycles : c->memory_cycles;
	c->cycles = body + c->overhead_cycles;
	if (c->overhead_cycles > body)
		c->bound = NXS_BOUND_OVERHEAD;
	else
		c->bound = c->compute_cycles >= c->memory_cycles ? NXS_BOUND_COMPUTE
								 : NXS_BOUND_MEMORY;
	c->util = c->cycles > 0 ? c->macs / (c->cycles * nx_target_peak_macs(t, inv->dtype)) : 0;
	double em = e_mac_of(t, inv->dtype);
	c->e_mac = (c->macs + c->elem_ops) * em;
	c->e_sram = c->sram_bytes * t->e_sram;
	c->e_dram = c->dram_bytes * t->e_dram;
	c->e_static = t->static_power * (c->cycles / t->clock) * 1e12;
}
