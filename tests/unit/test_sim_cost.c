/* test_sim_cost.c — per-op costs: CPU fallback decisions and their reasons
 * (NE-MODEL.md §3), the fallback cost formula, the roofline terms and bound,
 * energy bookkeeping, tiling, weight prefetch on the timeline, and the
 * cache that re-costs only what a target change affects.
 */
#include <math.h>
#include <string.h>

#include "check.h"
#include "sim_fixture.h"

static bool supports(nx_graph *g, uint32_t v, const char *preset, char *why, size_t n)
{
	nx_target t;
	nx_err e;
	if (nx_target_preset(preset, &t, &e))
		fx_die(preset, &e);
	return nx_target_supports(g, nx_val(g, v)->producer, &t, why, n);
}

static uint32_t conv(nx_graph *g, uint32_t x, int64_t cout, int64_t k, const char *name)
{
	int64_t cin = nx_vtype(g, x)->dims[1];
	char wn[32];
	snprintf(wn, sizeof wn, "%s_w", name);
	uint32_t w = fx_const(g, wn, NX_F16, 4, (int64_t[]){cout, cin, k, k});
	return fx_op_new(g, NX_OP_CONV, (uint32_t[]){x, w}, 2, name);
}

static void fallback_reasons(void)
{
	char why[256];
	nx_graph *g = nx_graph_new("fb");
	uint32_t x = fx_input(g, "x", NX_F16, 4, (int64_t[]){1, 8, 64, 64}, NX_LAYOUT_PLAIN);
	uint32_t ok = fx_done(g, conv(g, x, 8, 3, "ok"), NX_LAYOUT_PLAIN);
	CHECK(supports(g, ok, "m1", why, sizeof why));
	CHECK_STR(why, "");

	uint32_t o = conv(g, x, 8, 3, "dil");
	nx_attr_set_ints(g, o, "dilations", (int64_t[]){2, 2}, 2);
	uint32_t dil = fx_done(g, o, NX_LAYOUT_PLAIN);
	CHECK(!supports(g, dil, "m1", why, sizeof why));
	CHECK_STR(why, "dilated conv falls back to the CPU");

	uint32_t big = fx_done(g, conv(g, x, 8, 33, "bigk"), NX_LAYOUT_PLAIN);
	CHECK(!supports(g, big, "m1", why, sizeof why));
	CHECK_STR(why, "kernel 33 > max_kernel 31");
	/* ... but a target with a bigger field runs it */
	nx_target t;
	nx_err e;
	CHECK(nx_target_preset("m1", &t, &e) == 0);
	CHECK(nx_target_set(&t, "max_kernel", "63", &e) == 0);
	CHECK(nx_target_supports(g, nx_val(g, big)->producer, &t, why, sizeof why));

	o = conv(g, x, 8, 3, "pad");
	nx_attr_set_ints(g, o, "pads", (int64_t[]){16, 16, 16, 16}, 4);
	uint32_t pad = fx_done(g, o, NX_LAYOUT_PLAIN);
	CHECK(!supports(g, pad, "m1", why, sizeof why));
	CHECK_STR(why, "padding 16 > max_pad 15");

	o = fx_op_new(g, NX_OP_MAX_POOL, &x, 1, "pool");
	nx_attr_set_ints(g, o, "kernel_shape", (int64_t[]){15, 15}, 2);
	uint32_t pool = fx_done(g, o, NX_LAYOUT_PLAIN);
	CHECK(!supports(g, pool, "m1", why, sizeof why));
	CHECK_STR(why, "pool window 15 > max_pool_kernel 13");
	o = fx_op_new(g, NX_OP_AVG_POOL, &x, 1, "pool3");
	nx_attr_set_ints(g, o, "kernel_shape", (int64_t[]){3, 3}, 2);
	nx_attr_set_ints(g, o, "strides", (int64_t[]){3, 3}, 2);
	uint32_t pool3 = fx_done(g, o, NX_LAYOUT_PLAIN);
	CHECK(!supports(g, pool3, "m1", why, sizeof why));
	CHECK_STR(why, "pool stride 3 > max_pool_stride 2");
	uint32_t gp = fx_op(g, NX_OP_GLOBAL_AVG_POOL, &x, 1, "gp", NX_LAYOUT_PLAIN);
	CHECK(supports(g, gp, "m1", why, sizeof why));

	o = fx_op_new(g, NX_OP_RESIZE, &x, 1, "up4");
	nx_attr_set_floats(g, o, "scales", (float[]){1, 1, 4, 4}, 4);
	uint32_t up4 = fx_done(g, o, NX_LAYOUT_PLAIN);
	CHECK(!supports(g, up4, "m1", why, sizeof why));
	CHECK_STR(why, "resize by 4x > max_upsample 2");
	o = fx_op_new(g, NX_OP_RESIZE, &x, 1, "up2");
	nx_attr_set_floats(g, o, "scales", (float[]){1, 1, 2, 2}, 4);
	uint32_t up2 = fx_done(g, o, NX_LAYOUT_PLAIN);
	CHECK(supports(g, up2, "m1", why, sizeof why));

	uint32_t idx = fx_input(g, "idx", NX_I64, 1, (int64_t[]){5}, NX_LAYOUT_PLAIN);
	uint32_t gat = fx_op(g, NX_OP_GATHER, (uint32_t[]){x, idx}, 2, "gat", NX_LAYOUT_PLAIN);
	CHECK(!supports(g, gat, "m1", why, sizeof why));
	CHECK_STR(why, "gather runs on the CPU on m1 (cpu_ops)");

	uint32_t i64 = fx_input(g, "n", NX_I64, 1, (int64_t[]){4}, NX_LAYOUT_PLAIN);
	uint32_t iadd = fx_op(g, NX_OP_ADD, (uint32_t[]){i64, i64}, 2, "iadd", NX_LAYOUT_PLAIN);
	CHECK(!supports(g, iadd, "m1", why, sizeof why));
	CHECK_STR(why, "dtype i64: the NE computes in fp16 and int8 only");

	uint32_t x5 = fx_input(g, "x5", NX_F16, 5, (int64_t[]){2, 3, 4, 5, 6}, NX_LAYOUT_PLAIN);
	uint32_t r5 = fx_op(g, NX_OP_RELU, &x5, 1, "r5", NX_LAYOUT_PLAIN);
	CHECK(!supports(g, r5, "m1", why, sizeof why));
	CHECK_STR(why, "5 non-unit dims > max_rank 4 (an ND op)");
	CHECK(supports(g, r5, "scalesim-32x32-ws", why, sizeof why));

	uint32_t col = fx_input(g, "col", NX_F16, 2, (int64_t[]){64, 1}, NX_LAYOUT_PLAIN);
	uint32_t row = fx_input(g, "row", NX_F16, 2, (int64_t[]){1, 64}, NX_LAYOUT_PLAIN);
	uint32_t outer = fx_op(g, NX_OP_ADD, (uint32_t[]){col, row}, 2, "outer", NX_LAYOUT_PLAIN);
	CHECK(!supports(g, outer, "m1", why, sizeof why));
	CHECK_STR(why, "both operands broadcast (an ND broadcast)");
	uint32_t bias = fx_const(g, "bias", NX_F16, 1, (int64_t[]){64});
	uint32_t badd = fx_op(g, NX_OP_ADD, (uint32_t[]){x, bias}, 2, "badd", NX_LAYOUT_PLAIN);
	CHECK(supports(g, badd, "m1", why, sizeof why));

	uint32_t wide = fx_input(g, "wide", NX_F16, 2, (int64_t[]){2, 40000}, NX_LAYOUT_PLAIN);
	uint32_t rw = fx_op(g, NX_OP_RELU, &wide, 1, "rw", NX_LAYOUT_PLAIN);
	CHECK(!supports(g, rw, "m1", why, sizeof why));
	CHECK_STR(why, "H or W 40000 > max_hw 32767");

	/* The sim costs them all as CPU ops, with the reason it gives. */
	nx_graph_add_output(g, ok);
	nxs_sim *s = fx_sim(g, "m1", NULL);
	uint32_t n_cpu = 0;
	for (uint32_t p = 0; p < nxs_sim_count(s); p++)
		n_cpu += nxs_sim_costs(s)[p].cpu;
	CHECK_EQ_INT(n_cpu, 11);
	nxs_sim_cpu_reason(s, nx_val(g, gat)->producer, why, sizeof why);
	CHECK_STR(why, "gather runs on the CPU on m1 (cpu_ops)");
	nxs_sim_cpu_reason(s, nx_val(g, ok)->producer, why, sizeof why);
	CHECK_STR(why, "");
	nxs_sim_free(s);
	nx_graph_free(g);
}

/* time = FLOPs / cpu_flops + bytes / cpu_bw + cpu_op_overhead */
static void cpu_formula(void)
{
	nx_graph *g = nx_graph_new("cpu");
	uint32_t x = fx_input(g, "x", NX_F16, 4, (int64_t[]){1, 16, 32, 32}, NX_LAYOUT_PLAIN);
	uint32_t o = conv(g, x, 32, 3, "c");
	nx_attr_set_ints(g, o, "pads", (int64_t[]){1, 1, 1, 1}, 4);
	nx_attr_set_s(g, o, "device", "cpu");
	nx_attr_set_s(g, o, "device_reason", "test");
	uint32_t y = fx_done(g, o, NX_LAYOUT_PLAIN);
	nx_graph_add_output(g, y);
	nxs_sim *s = fx_sim(g, "m1", NULL);
	const nxs_cost *c = &nxs_sim_costs(s)[0];
	const nx_target *t = nxs_sim_target(s);
	double macs = 32.0 * 16 * 9 * 32 * 32;
	double bytes = 16 * 32 * 32 * 2 + 32 * 32 * 32 * 2 + 32 * 16 * 9 * 2;
	double want = (2 * macs / t->cpu_flops + bytes / t->cpu_bw + t->cpu_op_overhead * 1e-6) *
		      t->clock;
	CHECK_EQ_INT(c->macs, macs);
	CHECK(c->cpu);
	CHECK_EQ_INT(c->bound, NXS_BOUND_FALLBACK);
	CHECK(fx_near(c->cycles, want, 1e-12));
	CHECK(fx_near(c->e_cpu, 2 * macs * t->e_cpu_flop, 1e-12));
	CHECK(fx_near(c->dram_bytes, bytes, 1e-12));
	char why[128];
	nxs_sim_cpu_reason(s, nx_val(g, y)->producer, why, sizeof why);
	CHECK_STR(why, "placed on the CPU: test");
	/* no NE op: no launch */
	CHECK_EQ_INT(nxs_sim_timeline(s)->launches, 0);
	CHECK(fx_near(nxs_sim_timeline(s)->cycles, want, 1e-12));
	nxs_sim_free(s);
	nx_graph_free(g);
}

/* cycles = max(compute, memory) + overhead, with the bound and the energy
 * split adding up. */
static void roofline_and_energy(void)
{
	nx_graph *g = nx_graph_new("roof");
	uint32_t x = fx_input(g, "x", NX_F16, 4, (int64_t[]){1, 256, 28, 28}, NX_LAYOUT_NE);
	uint32_t o = conv(g, x, 256, 3, "c1");
	nx_attr_set_ints(g, o, "pads", (int64_t[]){1, 1, 1, 1}, 4);
	uint32_t y = fx_done(g, o, NX_LAYOUT_NE);
	uint32_t z = fx_op(g, NX_OP_RELU, &y, 1, "r", NX_LAYOUT_NE);
	nx_graph_add_output(g, z);
	nxs_sim *s = fx_sim(g, "m1", NULL);
	const nx_target *t = nxs_sim_target(s);
	const nxs_cost *c = nxs_sim_costs(s);
	double e_sum = 0;
	for (int i = 0; i < 2; i++) {
		double body = fmax(c[i].compute_cycles, c[i].memory_cycles);
		CHECK(fx_near(c[i].cycles, body + c[i].overhead_cycles, 1e-12));
		CHECK(fx_near(c[i].memory_cycles,
			      fmax(c[i].dram_bytes / nx_target_ne_dram_bw(t), c[i].sram_bytes / t->sram_bw),
			      1e-12));
		CHECK(fx_near(c[i].e_dram, c[i].dram_bytes * t->e_dram, 1e-12));
		CHECK(fx_near(c[i].e_sram, c[i].sram_bytes * t->e_sram, 1e-12));
		e_sum += c[i].e_mac + c[i].e_sram + c[i].e_dram;
	}
	/* the conv: 256 x 256 x 9 x 28 x 28 MACs, compute-bound on the array */
	CHECK_EQ_INT(c[0].macs, 256.0 * 256 * 9 * 784);
	CHECK_EQ_INT(c[0].bound, NXS_BOUND_COMPUTE);
	CHECK(fx_near(c[0].e_mac, c[0].macs * t->e_mac_fp16, 1e-12));
	CHECK(c[0].util > 0.5 && c[0].util <= 1);
	/* the relu: one pass, memory-bound */
	CHECK_EQ_INT(c[1].bound, NXS_BOUND_MEMORY);
	const nxs_timeline *tl = nxs_sim_timeline(s);
	CHECK(fx_near(tl->energy, e_sum + t->static_power * tl->seconds * 1e12, 1e-9));
	CHECK(fx_near(tl->power, tl->energy * 1e-12 / tl->seconds, 1e-12));
	CHECK_EQ_INT(tl->n_bound[NXS_BOUND_COMPUTE], 1);
	CHECK_EQ_INT(tl->n_bound[NXS_BOUND_MEMORY], 1);
	nxs_sim_free(s);
	nx_graph_free(g);
}

/* Depthwise maps one filter per group: far worse utilisation than a dense
 * conv of the same output. */
static void depthwise(void)
{
	nx_graph *g = nx_graph_new("dw");
	uint32_t x = fx_input(g, "x", NX_F16, 4, (int64_t[]){1, 64, 56, 56}, NX_LAYOUT_NE);
	uint32_t w = fx_const(g, "w", NX_F16, 4, (int64_t[]){64, 1, 3, 3});
	uint32_t o = fx_op_new(g, NX_OP_CONV, (uint32_t[]){x, w}, 2, "dw");
	nx_attr_set_i(g, o, "group", 64);
	nx_attr_set_ints(g, o, "pads", (int64_t[]){1, 1, 1, 1}, 4);
	uint32_t d = fx_done(g, o, NX_LAYOUT_NE);
	o = conv(g, d, 64, 1, "pw");
	uint32_t pw = fx_done(g, o, NX_LAYOUT_NE);
	nx_graph_add_output(g, pw);
	nxs_sim *s = fx_sim(g, "m1", "sram=8MiB", NULL);
	const nxs_cost *c = nxs_sim_costs(s);
	CHECK(fx_near(c[0].mapping, 9.0 / 256, 1e-12));
	CHECK(fx_near(c[1].mapping, 1.0, 1e-12));
	CHECK(c[0].compute_cycles / c[0].macs > 10 * c[1].compute_cycles / c[1].macs);
	nxs_sim_free(s);
	nx_graph_free(g);
}

/* A conv whose weights exceed the kernel buffer: tiling it spatially
 * re-fetches the weights per tile and pays the task overhead per tile. */
static void tiling(void)
{
	nx_graph *g = nx_graph_new("tile");
	uint32_t x = fx_input(g, "x", NX_F16, 4, (int64_t[]){1, 256, 32, 32}, NX_LAYOUT_NE);
	uint32_t o = conv(g, x, 256, 3, "c");
	nx_attr_set_ints(g, o, "pads", (int64_t[]){1, 1, 1, 1}, 4);
	uint32_t y = fx_done(g, o, NX_LAYOUT_NE);
	nx_graph_add_output(g, y);
	nxs_sim *s = fx_sim(g, "m1", NULL);
	nxs_cost whole = nxs_sim_costs(s)[0];
	nxs_sim_free(s);
	double w = 256.0 * 256 * 9 * 2;
	CHECK_EQ_INT(whole.weight_bytes, w); /* input in DRAM (an input): weights once */
	CHECK_EQ_INT(whole.prefetch_bytes, 65536);
	nx_attr_set_ints(g, o, "tile", (int64_t[]){1, 256, 8, 32}, 4);
	s = fx_sim(g, "m1", NULL);
	const nxs_cost *c = &nxs_sim_costs(s)[0];
	const nx_target *t = nxs_sim_target(s);
	CHECK_EQ_INT(c->weight_bytes, 4 * w);
	CHECK(fx_near(c->overhead_cycles, 4 * t->task_overhead, 1e-12));
	/* 8-row tiles of a 3x3 conv read 10 input rows each: halo 40/32 */
	const nxs_opinv *iv = &nxs_sim_invariants(s)[0];
	CHECK(fx_near(iv->halo, 40.0 / 32, 1e-12));
	CHECK(c->dram_bytes > whole.dram_bytes);
	CHECK(c->compute_cycles >= whole.compute_cycles);
	nxs_sim_free(s);
	/* channel tiles that let the weights fit the kernel buffer: read once */
	nx_attr_set_ints(g, o, "tile", (int64_t[]){1, 8, 32, 32}, 4);
	s = fx_sim(g, "m1", NULL);
	c = &nxs_sim_costs(s)[0];
	CHECK_EQ_INT(c->weight_bytes, w);
	iv = &nxs_sim_invariants(s)[0];
	CHECK_EQ_INT(iv->nt_c, 32);
	nxs_sim_free(s);
	nx_graph_free(g);
}

/* A tiled conv_transpose pays its halo like a conv: stride 2, 3x3, 16
 * input rows to 33 output rows in 3 tiles of 11, each reading 6 input
 * rows (taps 2i + k in [0,11): i 0..5; [11,22): 5..10; [22,33): 10..15),
 * 18 rows for 16: halo 18/16 per axis, rows and columns alike. */
static void tiling_convt(void)
{
	nx_graph *g = nx_graph_new("tct");
	uint32_t x = fx_input(g, "x", NX_F16, 4, (int64_t[]){1, 16, 16, 16}, NX_LAYOUT_NE);
	uint32_t w = fx_const(g, "w", NX_F16, 4, (int64_t[]){16, 8, 3, 3});
	uint32_t o = fx_op_new(g, NX_OP_CONV_TRANSPOSE, (uint32_t[]){x, w}, 2, "ct");
	nx_attr_set_ints(g, o, "strides", (int64_t[]){2, 2}, 2);
	uint32_t y = fx_done(g, o, NX_LAYOUT_NE);
	nx_graph_add_output(g, y);
	CHECK_EQ_INT(nx_vtype(g, y)->dims[2], 33);
	nxs_sim *s = fx_sim(g, "m1", NULL);
	nxs_cost whole = nxs_sim_costs(s)[0];
	CHECK(fx_near(nxs_sim_invariants(s)[0].halo, 1, 1e-12));
	nxs_sim_free(s);
	nx_attr_set_ints(g, o, "tile", (int64_t[]){1, 8, 11, 11}, 4);
	s = fx_sim(g, "m1", NULL);
	const nxs_opinv *iv = &nxs_sim_invariants(s)[0];
	CHECK(fx_near(iv->halo, (18.0 / 16) * (18.0 / 16), 1e-12));
	CHECK(nxs_sim_costs(s)[0].dram_bytes > whole.dram_bytes);
	nxs_sim_free(s);
	/* channel tiles alone read no rows twice */
	nx_attr_set_ints(g, o, "tile", (int64_t[]){1, 4, 33, 33}, 4);
	s = fx_sim(g, "m1", NULL);
	CHECK(fx_near(nxs_sim_invariants(s)[0].halo, 1, 1e-12));
	nxs_sim_free(s);
	nx_graph_free(g);
}

/* Weight prefetch: an op's first kernel-buffer load overlaps the op before
 * it when that op leaves DRAM idle. */
static void prefetch(void)
{
	nx_graph *g = nx_graph_new("pf");
	uint32_t x = fx_input(g, "x", NX_F16, 4, (int64_t[]){1, 128, 32, 32}, NX_LAYOUT_NE);
	uint32_t a = fx_op(g, NX_OP_RELU, &x, 1, "a", NX_LAYOUT_NE);
	uint32_t o = conv(g, a, 128, 3, "c");
	nx_attr_set_ints(g, o, "pads", (int64_t[]){1, 1, 1, 1}, 4);
	uint32_t y = fx_done(g, o, NX_LAYOUT_NE);
	nx_graph_add_output(g, y);
	nxs_sim *s = fx_sim(g, "m1", NULL);
	const nxs_timeline *tl = nxs_sim_timeline(s);
	const nxs_slot *sl = tl->slots;
	/* the conv's DMA starts with the relu and the conv starts when both end */
	CHECK(sl[1].dma_start == sl[0].start);
	CHECK(sl[1].start == fmax(sl[0].end, sl[1].dma_end));
	CHECK(sl[1].stall == sl[1].start - sl[0].end);
	CHECK(sl[0].launch > 0 && sl[1].launch == 0);
	/* latency: launch + both ops, plus at most the first kernel-buffer load
	 * (what the relu's DRAM traffic left no room to hide) */
	const nxs_cost *c = nxs_sim_costs(s);
	double pre = c[1].prefetch_bytes / nx_target_ne_dram_bw(nxs_sim_target(s));
	CHECK(pre > 0);
	CHECK(tl->cycles <= sl[0].launch + c[0].cycles + c[1].cycles + pre + 1e-6);
	CHECK(tl->cycles >= sl[0].launch + c[0].cycles);
	CHECK(fx_near(tl->cycles, sl[1].end, 1e-12));
	nxs_sim_free(s);
	nx_graph_free(g);

	/* after a compute-bound conv (DRAM idle) the next weights are hidden;
	 * only the program's first load is waited for */
	g = nx_graph_new("pf2");
	x = fx_input(g, "x", NX_F16, 4, (int64_t[]){1, 256, 28, 28}, NX_LAYOUT_NE);
	o = conv(g, x, 256, 3, "c1");
	nx_attr_set_ints(g, o, "pads", (int64_t[]){1, 1, 1, 1}, 4);
	y = fx_done(g, o, NX_LAYOUT_NE);
	o = conv(g, y, 256, 1, "c2");
	uint32_t z = fx_done(g, o, NX_LAYOUT_NE);
	nx_graph_add_output(g, z);
	s = fx_sim(g, "m1", NULL);
	tl = nxs_sim_timeline(s);
	c = nxs_sim_costs(s);
	pre = c[0].prefetch_bytes / nx_target_ne_dram_bw(nxs_sim_target(s));
	CHECK_EQ_INT(c[0].bound, NXS_BOUND_COMPUTE);
	CHECK(fx_near(tl->slots[0].stall, pre, 1e-12));
	CHECK(tl->slots[1].dma_end < tl->slots[0].end);
	CHECK_EQ_INT(tl->slots[1].stall, 0);
	CHECK(tl->slots[1].end - tl->slots[1].start <= c[1].cycles);
	CHECK(fx_near(tl->stall_cycles, pre, 1e-12));
	nxs_sim_free(s);
	nx_graph_free(g);
}

/* Re-costing after a field change redoes only the layers it affects, and
 * gives the same numbers as a fresh sim. */
static void recost_cache(void)
{
	nx_gen_opts go = {.kind = NX_GEN_RESNET, .ops = 200, .seed = 3};
	nx_err e;
	nx_graph *g = nx_gen(&go, &e);
	CHECK(g != NULL);
	nx_target t;
	CHECK(nx_target_preset("m1", &t, &e) == 0);
	nxs_sim *s = nxs_sim_new(g, &e);
	CHECK(s && nxs_sim_run(s, &t, &e) == 0);
	CHECK_EQ_INT(nxs_sim_last_redo(s), NXS_REDO_SIZES | NXS_REDO_SUPPORT | NXS_REDO_PLAN |
						   NXS_REDO_COST);
	static const struct {
		const char *kv;
		unsigned redo;
	} steps[] = {
		{"dram_share=0.5", NXS_REDO_COST},
		{"clock=2GHz", NXS_REDO_COST},
		{"sram=1MiB", NXS_REDO_PLAN | NXS_REDO_COST},
		{"align=128", NXS_REDO_SIZES | NXS_REDO_PLAN | NXS_REDO_COST},
		{"cpu_ops=+relu", NXS_REDO_SUPPORT | NXS_REDO_PLAN | NXS_REDO_COST},
		{"max_kernel=2", NXS_REDO_SUPPORT | NXS_REDO_PLAN | NXS_REDO_COST},
		{"e_dram=10", NXS_REDO_COST},
	};
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		CHECK(nx_target_set_kv(&t, steps[i].kv, &e) == 0);
		CHECK(nxs_sim_run(s, &t, &e) == 0);
		CHECK_EQ_INT(nxs_sim_last_redo(s), steps[i].redo);
		nxs_sim *f = nxs_sim_new(g, &e);
		CHECK(f && nxs_sim_run(f, &t, &e) == 0);
		CHECK(nxs_sim_timeline(f)->cycles == nxs_sim_timeline(s)->cycles);
		CHECK(nxs_sim_timeline(f)->energy == nxs_sim_timeline(s)->energy);
		CHECK(nxs_sim_memplan(f)->peak == nxs_sim_memplan(s)->peak);
		CHECK(!memcmp(nxs_sim_costs(f), nxs_sim_costs(s),
			      nxs_sim_count(s) * sizeof(nxs_cost)));
		/* the timeline written over its slots of the run before */
		CHECK(!memcmp(nxs_sim_timeline(f)->slots, nxs_sim_timeline(s)->slots,
			      nxs_sim_count(s) * sizeof(nxs_slot)));
		CHECK(!memcmp(nxs_sim_invariants(f), nxs_sim_invariants(s),
			      nxs_sim_count(s) * sizeof(nxs_opinv)));
		nxs_sim_free(f);
	}
	/* relu and 3x3 convs now fall back; a bad target is refused */
	CHECK(nxs_sim_timeline(s)->n_bound[NXS_BOUND_FALLBACK] > 0);
	t.dram_share = 0;
	CHECK(nxs_sim_run(s, &t, &e) == -1);
	CHECK_CONTAINS(e.msg, "dram_share");
	nxs_sim_free(s);
	nx_graph_free(g);
}

static void unknown_types(void)
{
	nx_graph *g = nx_graph_new("u");
	uint32_t x = fx_input(g, "x", NX_F16, 2, (int64_t[]){4, 4}, NX_LAYOUT_PLAIN);
	nx_err e;
	uint32_t o = nx_op_new(g, NX_OP_RELU, &x, 1, 1, (const char *const[]){"y"}, NX_NONE, &e);
	CHECK(o != NX_NONE);
	nxs_sim *s = nxs_sim_new(g, &e);
	CHECK(s == NULL);
	CHECK_STR(e.msg, "op %y (relu): the type of %y is not known (run shape inference first)");
	nx_graph_free(g);
}

int main(int argc, char **argv)
{
	static const check_case cases[] = {
		{"fallback_reasons", fallback_reasons},
		{"cpu_formula", cpu_formula},
		{"roofline_and_energy", roofline_and_energy},
		{"depthwise", depthwise},
		{"tiling", tiling},
		{"tiling_convt", tiling_convt},
		{"prefetch", prefetch},
		{"recost_cache", recost_cache},
		{"unknown_types", unknown_types},
		{NULL, NULL},
	};
	return check_main(cases, argc, argv);
}
