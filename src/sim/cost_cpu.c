/* cost_cpu.c — ops that run on the CPU: kinds the target lists in cpu_ops,
 * ops over its field limits (core target_support.c), and ops the partition
 * pass placed there (attr device = "cpu").
 *
 * time = FLOPs / cpu_flops + (operand + result + weight bytes) / cpu_bw
 *        + cpu_op_overhead
 * with a MAC counted as 2 FLOPs and an element op as 1. The data crosses
 * DRAM both ways (the memory plan keeps every tensor a CPU op touches in
 * DRAM, so the NE ops around it pay their side of the transfer), and the
 * next NE op starts a new program, which the timeline charges a launch.
 * Energy: FLOPs x e_cpu_flop + bytes x e_dram, plus static power for the
 * time the NE waits.
 */
#include "nxs.h"

void nxs_cost_cpu(const nxs_opinv *inv, const nx_target *t, nxs_cost *c)
{
	double flops = 2 * inv->macs + inv->elem_ops;
	double bytes = inv->in_sram + inv->in_dram + inv->out_sram + inv->out_dram +
		       inv->weight_bytes;
	c->compute_cycles = flops / t->cpu_flops * t->clock;
	c->memory_cycles = bytes / t->cpu_bw * t->clock;
	c->dram_cycles = c->memory_cycles;
	c->overhead_cycles = t->cpu_op_overhead * 1e-6 * t->clock;
	c->cycles = c->compute_cycles + c->memory_cycles + c->overhead_cycles;
	c->dram_bytes = bytes;
	c->weight_bytes = inv->weight_bytes;
	c->e_cpu = flops * t->e_cpu_flop;
	c->e_dram = bytes * t->e_dram;
	c->e_static = t->static_power * (c->cycles / t->clock) * 1e12;
}
