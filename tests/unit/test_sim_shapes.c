/* test_sim_shapes.c — the model's results have the right shape
 * (NE-MODEL.md §6.3-6.4):
 *   - the NE layout pads a singleton last axis to 64 bytes: exactly 32x in
 *     fp16 and 64x in int8, for bytes and for the traffic an op is costed;
 *   - a DistilBERT-shaped encoder (6 layers, d 768, 12 heads, fp16) on a15 is
 *     weight-bandwidth-bound, its latency nearly flat from seq 32 to 128
 *     (within 20 %), and near Apple's 3.47 ms on iPhone 13;
 *   - a 128-deep chain of 1x1 convs (512 channels, 64x64) reaches >= 80 % of
 *     peak on the Mac presets;
 *   - a tiny op is dominated by its fixed overhead.
 */
#include <math.h>

#include "check.h"
#include "sim_fixture.h"

static void padding_exact(void)
{
	nx_target t;
	nx_err e;
	CHECK(nx_target_preset("m1", &t, &e) == 0);
	nx_type a = fx_type(NX_F16, 4, (int64_t[]){1, 768, 1, 128}, NX_LAYOUT_NE);
	nx_type b = fx_type(NX_F16, 4, (int64_t[]){1, 768, 128, 1}, NX_LAYOUT_NE);
	CHECK_EQ_INT(nx_target_type_bytes(&a, &t), 196608);
	CHECK_EQ_INT(nx_target_type_bytes(&b, &t), 6291456);
	CHECK_EQ_INT(nx_target_type_bytes(&b, &t), 32 * nx_target_type_bytes(&a, &t));
	a.dtype = b.dtype = NX_I8;
	CHECK_EQ_INT(nx_target_type_bytes(&b, &t), 64 * nx_target_type_bytes(&a, &t));
	CHECK_EQ_INT(nx_target_type_bytes(&a, &t), 98304);
	/* plain and nhwc are packed */
	b.layout = NX_LAYOUT_PLAIN;
	CHECK_EQ_INT(nx_target_type_bytes(&b, &t), 98304);
	b.layout = NX_LAYOUT_NHWC;
	CHECK_EQ_INT(nx_target_type_bytes(&b, &t), 98304);
	/* buffers in 16 KiB units */
	nx_type c = fx_type(NX_F16, 4, (int64_t[]){1, 3, 5, 7}, NX_LAYOUT_NE);
	CHECK_EQ_INT(nx_target_type_bytes(&c, &t), 3 * 5 * 64);
	CHECK_EQ_INT(nx_target_alloc_bytes(&c, &t), 16384);
	/* rank < 4 reads as (1, .., H, W); rank > 4 folds into B */
	nx_type d = fx_type(NX_F16, 2, (int64_t[]){10, 3}, NX_LAYOUT_NE);
	CHECK_EQ_INT(nx_target_type_bytes(&d, &t), 10 * 64);
	nx_type f = fx_type(NX_F16, 5, (int64_t[]){2, 3, 4, 5, 6}, NX_LAYOUT_NE);
	nx_bchw v = nx_bchw_of(&f);
	CHECK(v.b == 6 && v.c == 4 && v.h == 5 && v.w == 6);
	/* a changed alignment field is what the bytes follow */
	CHECK(nx_target_set(&t, "align", "128", &e) == 0);
	a.dtype = NX_F16;
	CHECK_EQ_INT(nx_target_type_bytes(&b, &t), 98304);
	b.layout = NX_LAYOUT_NE;
	b.dtype = NX_F16;
	CHECK_EQ_INT(nx_target_type_bytes(&b, &t), 768 * 128 * 128);
}

/* The same relu on the two layouts: its traffic differs by exactly 32x. */
static void padding_in_cost(void)
{
	double bytes[2];
	for (int i = 0; i < 2; i++) {
		nx_graph *g = nx_graph_new("pad");
		int64_t dims[2][4] = {{1, 768, 1, 128}, {1, 768, 128, 1}};
		uint32_t x = fx_input(g, "x", NX_F16, 4, dims[i], NX_LAYOUT_NE);
		uint32_t y = fx_op(g, NX_OP_RELU, &x, 1, "y", NX_LAYOUT_NE);
		nx_graph_add_output(g, y);
		nxs_sim *s = fx_sim(g, "m1", NULL);
		bytes[i] = nxs_sim_costs(s)[0].dram_bytes;
		nxs_sim_free(s);
		nx_graph_free(g);
	}
	CHECK_EQ_INT(bytes[0], 2 * 196608);
	CHECK_EQ_INT(bytes[1], 32 * bytes[0]);
}

/* Views: a reshape that keeps the NE rows is free, one that moves the last
 * axis is a copy. */
static void reshape_views(void)
{
	nx_graph *g = nx_graph_new("views");
	uint32_t x = fx_input(g, "x", NX_F16, 4, (int64_t[]){1, 768, 1, 128}, NX_LAYOUT_NE);
	uint32_t o = fx_op_new(g, NX_OP_RESHAPE, &x, 1, "a");
	nx_attr_set_ints(g, o, "shape", (int64_t[]){1, 768, 128}, 3);
	uint32_t a = fx_done(g, o, NX_LAYOUT_NE);
	o = fx_op_new(g, NX_OP_RESHAPE, &a, 1, "b");
	nx_attr_set_ints(g, o, "shape", (int64_t[]){1, 768, 128, 1}, 4);
	uint32_t b = fx_done(g, o, NX_LAYOUT_NE);
	nx_graph_add_output(g, b);
	nxs_sim *s = fx_sim(g, "m1", NULL);
	const nxs_cost *c = nxs_sim_costs(s);
	CHECK_EQ_INT(c[0].bound, NXS_BOUND_FREE);
	CHECK_EQ_INT(c[0].cycles, 0);
	CHECK(c[1].bound != NXS_BOUND_FREE);
	CHECK_EQ_INT(c[1].dram_bytes, 196608 + 6291456);
	nxs_sim_free(s);
	nx_graph_free(g);
}

/* nx_gen's transformer encoder as DistilBERT: 6 layers, d 768, 12 heads,
 * converted to fp16 (weights 84.9 MB, as NE-MODEL.md §6.4 has it). */
static nx_graph *distilbert(uint32_t seq)
{
	/* One layer first, to learn its op count: nx_gen adds whole layers
	 * until the count is reached, so 5 layers and a bit asks for 6. */
	nx_gen_opts o = {.kind = NX_GEN_TRANSFORMER, .ops = 1, .seed = 1, .seq = seq,
			 .dmodel = 768};
	nx_err e;
	nx_graph *g = nx_gen(&o, &e);
	if (!g)
		fx_die("gen", &e);
	uint32_t per_layer = g->n_live_ops - 1; /* less the final layer norm */
	nx_graph_free(g);
	o.ops = 5 * per_layer + 2;
	g = nx_gen(&o, &e);
	if (!g)
		fx_die("gen", &e);
	for (uint32_t v = 0; v < g->n_vals; v++) {
		if ((g->vals[v].flags & NX_V_DEAD) || !g->vals[v].type)
			continue;
		nx_type t = *nx_vtype(g, v);
		if (t.dtype == NX_F32) {
			t.dtype = NX_F16;
			nx_value_set_type(g, v, &t);
		}
	}
	return g;
}

static void distilbert_weight_bound(void)
{
	double lat[3];
	uint32_t seqs[3] = {32, 64, 128};
	for (int i = 0; i < 3; i++) {
		nx_graph *g = distilbert(seqs[i]);
		nxs_sim *s = fx_sim(g, "a15", NULL);
		const nxs_timeline *tl = nxs_sim_timeline(s);
		const nxs_cost *c = nxs_sim_costs(s);
		const nxs_opinv *iv = nxs_sim_invariants(s);
		double wbytes = 0;
		int linears = 0, linear_mem = 0;
		for (uint32_t p = 0; p < nxs_sim_count(s); p++) {
			if (iv[p].family == NXS_FAM_MATMUL && iv[p].weight_bytes > 1e6) {
				linears++;
				linear_mem += c[p].bound == NXS_BOUND_MEMORY;
				wbytes += iv[p].weight_bytes;
			}
		}
		CHECK_EQ_INT(linears, 36); /* 6 layers x (q, k, v, out, fc1, fc2) */
		CHECK_EQ_INT(linear_mem, 36);
		CHECK(fabs(wbytes - 84.9e6) < 0.1e6);
		/* Weight-bandwidth-bound: the weights' DRAM time is most of the
		 * latency, and no op is compute-bound for long. */
		const nx_target *t = nxs_sim_target(s);
		double wtime = tl->weight_bytes / nx_target_ne_dram_bw(t);
		CHECK(wtime / tl->cycles > 0.8);
		CHECK(wtime <= tl->cycles);
		lat[i] = tl->seconds;
		if (seqs[i] == 128) {
			/* Apple: 3.47 ms on iPhone 13 (A15) */
			CHECK(tl->seconds > 3.0e-3 && tl->seconds < 4.5e-3);
			printf("distilbert seq 128 on a15: %.3f ms, %.3f W\n", tl->seconds * 1e3,
			       tl->power);
		}
		nxs_sim_free(s);
		nx_graph_free(g);
	}
	double lo = fmin(lat[0], fmin(lat[1], lat[2])), hi = fmax(lat[0], fmax(lat[1], lat[2]));
	printf("distilbert latency seq 32/64/128: %.3f %.3f %.3f ms\n", lat[0] * 1e3, lat[1] * 1e3,
	       lat[2] * 1e3);
	CHECK(hi <= 1.2 * lo);
}

static nx_graph *conv_chain(int depth, int64_t ch, int64_t hw)
{
	nx_graph *g = nx_graph_new("chain1x1");
	uint32_t x = fx_input(g, "x", NX_F16, 4, (int64_t[]){1, ch, hw, hw}, NX_LAYOUT_NE);
	for (int i = 0; i < depth; i++) {
		char name[16];
		snprintf(name, sizeof name, "w%d", i);
		uint32_t w = fx_const(g, name, NX_F16, 4, (int64_t[]){ch, ch, 1, 1});
		snprintf(name, sizeof name, "c%d", i);
		x = fx_op(g, NX_OP_CONV, (uint32_t[]){x, w}, 2, name, NX_LAYOUT_NE);
	}
	nx_graph_add_output(g, x);
	return g;
}

static void conv_chain_peak(void)
{
	nx_graph *g = conv_chain(128, 512, 64);
	const char *presets[] = {"m1", "m2", "m4"};
	for (int i = 0; i < 3; i++) {
		nxs_sim *s = fx_sim(g, presets[i], NULL);
		const nxs_timeline *tl = nxs_sim_timeline(s);
		printf("1x1 chain on %s: %.1f %% of peak\n", presets[i], 100 * tl->util);
		CHECK(tl->util >= 0.80);
		CHECK(tl->util <= 1.0);
		CHECK_EQ_INT(tl->macs, 128.0 * 512 * 512 * 64 * 64);
		nxs_sim_free(s);
	}
	/* With activations on chip (a big SRAM) every conv is compute-bound
	 * and the array's mapping of 512 channels is perfect. */
	nxs_sim *s = fx_sim(g, "m1", "sram=16MiB", NULL);
	CHECK(nxs_sim_timeline(s)->util >= 0.9);
	CHECK_EQ_INT(nxs_sim_costs(s)[5].bound, NXS_BOUND_COMPUTE);
	CHECK(fabs(nxs_sim_costs(s)[5].mapping - 1) < 1e-12);
	nxs_sim_free(s);
	nx_graph_free(g);
}

static void tiny_op_overhead(void)
{
	nx_graph *g = nx_graph_new("tiny");
	uint32_t x = fx_input(g, "x", NX_F16, 2, (int64_t[]){1, 4}, NX_LAYOUT_PLAIN);
	uint32_t y = fx_op(g, NX_OP_RELU, &x, 1, "y", NX_LAYOUT_PLAIN);
	nx_graph_add_output(g, y);
	const char *presets[] = {"a11", "a12", "a14", "m1", "a15", "m2", "a16", "a17pro", "m4"};
	for (int i = 0; i < 9; i++) {
		nxs_sim *s = fx_sim(g, presets[i], NULL);
		const nxs_cost *c = &nxs_sim_costs(s)[0];
		CHECK_EQ_INT(c->bound, NXS_BOUND_OVERHEAD);
		CHECK(c->overhead_cycles > 10 * (c->compute_cycles + c->memory_cycles));
		/* and the program launch dwarfs even that */
		CHECK(nxs_sim_timeline(s)->launch_cycles > 0.9 * nxs_sim_timeline(s)->cycles);
		nxs_sim_free(s);
	}
	nx_graph_free(g);
}

int main(int argc, char **argv)
{
	static const check_case cases[] = {
		{"padding_exact", padding_exact},
		{"padding_in_cost", padding_in_cost},
		{"reshape_views", reshape_views},
		{"distilbert_weight_bound", distilbert_weight_bound},
		{"conv_chain_peak", conv_chain_peak},
		{"tiny_op_overhead", tiny_op_overhead},
		{NULL, NULL},
	};
	return check_main(cases, argc, argv);
}
