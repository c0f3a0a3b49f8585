/* test_sim_scalesim.c — the MAC array model against SCALE-Sim v2
 * (NE-MODEL.md §6.1): AlexNet conv1 (11x11, 3 -> 96, stride 4, 55x55
 * outputs) on a 32x32 array. WS is the tool's golden trace (112,283 cycles,
 * 91.68 % utilisation, 94.53 % mapping efficiency, 3,294,225 input reads,
 * 34,848 filter reads, 3,484,800 output writes); OS and IS are the same
 * layer as the tool ran it. Checked both on the array model alone and
 * through a graph costed on the scalesim-32x32-* presets.
 */
#include <math.h>

#include "check.h"
#include "sim_fixture.h"

/* AlexNet conv1 as a graph: 227x227 input (SCALE-Sim's 224 with its ofmap
 * formula, see NE-MODEL.md §6.1). */
static nx_graph *alexnet_conv1(void)
{
	nx_graph *g = nx_graph_new("alexnet_conv1");
	uint32_t x = fx_input(g, "x", NX_F16, 4, (int64_t[]){1, 3, 227, 227}, NX_LAYOUT_PLAIN);
	uint32_t w = fx_const(g, "w", NX_F16, 4, (int64_t[]){96, 3, 11, 11});
	uint32_t o = fx_op_new(g, NX_OP_CONV, (uint32_t[]){x, w}, 2, "y");
	nx_attr_set_ints(g, o, "strides", (int64_t[]){4, 4}, 2);
	uint32_t y = fx_done(g, o, NX_LAYOUT_PLAIN);
	nx_graph_add_output(g, y);
	return g;
}

static void ws_golden(void)
{
	nxs_systolic s;
	nxs_systolic_gemm(NX_DF_WS, 32, 32, 55 * 55, 11 * 11 * 3, 96, &s);
	CHECK_EQ_INT(s.cycles, 112283);
	CHECK(fabs(s.util * 100 - 91.68) < 0.01);
	CHECK(fabs(s.mapping_eff * 100 - 94.53) < 0.01);
	CHECK_EQ_INT(s.ifmap_reads, 3294225);
	CHECK_EQ_INT(s.filter_reads, 34848);
	CHECK_EQ_INT(s.ofmap_writes, 3484800);
	CHECK_EQ_INT(s.row_folds, 12);
	CHECK_EQ_INT(s.col_folds, 3);
}

static void os_tool(void)
{
	nxs_systolic s;
	nxs_systolic_gemm(NX_DF_OS, 32, 32, 55 * 55, 11 * 11 * 3, 96, &s);
	CHECK_EQ_INT(s.cycles, 121124);
	CHECK(fabs(s.util * 100 - 84.99) < 0.01);
	CHECK(fabs(s.mapping_eff * 100 - 99.51) < 0.01);
	/* The counts systolic_compute_os.py accumulates: inputs per column
	 * fold, filters per row fold, outputs once plus rows + cols per fold. */
	CHECK_EQ_INT(s.ifmap_reads, 3025LL * 363 * 3);
	CHECK_EQ_INT(s.filter_reads, 363LL * 96 * 95);
	CHECK_EQ_INT(s.ofmap_writes, 3025LL * 96 + 95 * 3 * 64);
}

static void is_tool(void)
{
	nxs_systolic s;
	nxs_systolic_gemm(NX_DF_IS, 32, 32, 55 * 55, 11 * 11 * 3, 96, &s);
	CHECK_EQ_INT(s.cycles, 216599);
	CHECK(fabs(s.util * 100 - 47.53) < 0.01);
	CHECK(fabs(s.mapping_eff * 100 - 94.06) < 0.01);
	CHECK_EQ_INT(s.ifmap_reads, 363LL * 3025);
	CHECK_EQ_INT(s.filter_reads, 363LL * 96 * 95);
	CHECK_EQ_INT(s.ofmap_writes, 3025LL * 96 * 12);
}

/* The same layer as a graph on each preset: the op's compute term and its
 * total are the tool's cycles (the presets have no overhead and memory that
 * never stalls), its utilisation the tool's. */
static void through_graph(void)
{
	static const struct {
		const char *preset;
		double cycles, util;
	} want[] = {
		{"scalesim-32x32-ws", 112283, 0.9168},
		{"scalesim-32x32-os", 121124, 0.8499},
		{"scalesim-32x32-is", 216599, 0.4753},
	};
	nx_graph *g = alexnet_conv1();
	for (int i = 0; i < 3; i++) {
		nxs_sim *s = fx_sim(g, want[i].preset, NULL);
		CHECK_EQ_INT(nxs_sim_count(s), 1);
		const nxs_cost *c = &nxs_sim_costs(s)[0];
		CHECK(fabs(c->compute_cycles - want[i].cycles) <= 1);
		CHECK(fabs(c->cycles - want[i].cycles) <= 1);
		CHECK(fabs(c->util - want[i].util) < 0.001);
		CHECK_EQ_INT(c->bound, NXS_BOUND_COMPUTE);
		CHECK_EQ_INT(c->macs, 105415200);
		CHECK(fabs(nxs_sim_timeline(s)->cycles - want[i].cycles) <= 1);
		nxs_sim_free(s);
	}
	nx_graph_free(g);
}

/* The formula (2R + C + T - 2) x folds - 1 on other shapes, and a layer that
 * fits in one fold. */
static void other_layers(void)
{
	nxs_systolic s;
	nxs_systolic_gemm(NX_DF_WS, 32, 32, 13 * 13, 3 * 3 * 256, 384, &s); /* AlexNet conv3 */
	CHECK_EQ_INT(s.row_folds, 72);
	CHECK_EQ_INT(s.col_folds, 12);
	CHECK_EQ_INT(s.cycles, (64 + 32 + 169 - 2) * 72 * 12 - 1);
	nxs_systolic_gemm(NX_DF_WS, 32, 32, 10, 8, 4, &s);
	CHECK_EQ_INT(s.cycles, 64 + 32 + 10 - 2 - 1);
	CHECK(fabs(s.mapping_eff - 32.0 / 1024) < 1e-12);
	nxs_systolic_gemm(NX_DF_OS, 8, 8, 100, 50, 20, &s);
	CHECK_EQ_INT(s.cycles, (8 + 8 + 50 - 2) * 13 * 3 - 1);
}

/* On a multi-core NE preset, splitting work over cores must never be slower
 * than one core doing it all, and a 16-core array of 16x16 reaches the
 * single-array rate on a big GEMM. */
static void multicore(void)
{
	nx_target t;
	nx_err e;
	CHECK(nx_target_preset("m1", &t, &e) == 0);
	double map;
	double c16 = nxs_array_cycles(&t, NX_F16, 1, 4096, 512, 512, &map);
	nxs_systolic one;
	nxs_systolic_gemm(NX_DF_WS, 16, 16, 4096, 512, 512, &one);
	CHECK(c16 <= one.cycles / 16 * 1.01);
	CHECK(c16 >= one.cycles / 16 * 0.99);
	CHECK(fabs(map - 1.0) < 1e-12);
	/* Few folds, many pixels: the pixels are split across cores. */
	double small = nxs_array_cycles(&t, NX_F16, 1, 100000, 16, 16, NULL);
	nxs_systolic s1;
	nxs_systolic_gemm(NX_DF_WS, 16, 16, 100000, 16, 16, &s1);
	CHECK(small < s1.cycles / 8);
}

int main(int argc, char **argv)
{
	static const check_case cases[] = {
		{"ws_golden", ws_golden},
		{"os_tool", os_tool},
		{"is_tool", is_tool},
		{"through_graph", through_graph},
		{"other_layers", other_layers},
		{"multicore", multicore},
		{NULL, NULL},
	};
	return check_main(cases, argc, argv);
}
