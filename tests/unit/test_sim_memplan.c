/* test_sim_memplan.c — the memory planner: XLA's heap-simulator vectors for
 * GlobalDecreasingSizeBestFitHeap (NE-MODEL.md §6.2, from XLA's
 * heap_simulator_test.cc: exact heap sizes and offsets), first fit, the
 * lower bound, and SRAM/DRAM placement on graphs.
 */
#include <string.h>

#include "check.h"
#include "sim_fixture.h"

enum { A, B, C, D, E_ };

static void xla_decreasing_size(void)
{
	nx_heap *h = nx_heap_new(1);
	nx_heap_alloc(h, A, 10);
	nx_heap_alloc(h, B, 30);
	nx_heap_alloc(h, C, 20);
	nx_heap_alloc(h, D, 40);
	for (uint32_t id = A; id <= D; id++)
		nx_heap_free_buf(h, id);
	int64_t off[4];
	CHECK_EQ_INT(nx_heap_finish(h, NX_ALGO_BESTFIT, off, 4), 100);
	CHECK_EQ_INT(off[A], 90);
	CHECK_EQ_INT(off[B], 40);
	CHECK_EQ_INT(off[C], 70);
	CHECK_EQ_INT(off[D], 0);
	nx_heap_free(h);
}

static void xla_alignment(void)
{
	nx_heap *h = nx_heap_new(20);
	nx_heap_alloc(h, A, 10);
	nx_heap_alloc(h, B, 20);
	nx_heap_alloc(h, C, 50);
	nx_heap_free_buf(h, A);
	nx_heap_alloc(h, D, 40);
	nx_heap_free_buf(h, B);
	nx_heap_free_buf(h, C);
	nx_heap_free_buf(h, D);
	int64_t off[4];
	CHECK_EQ_INT(nx_heap_finish(h, NX_ALGO_BESTFIT, off, 4), 120);
	CHECK_EQ_INT(off[A], 60);
	CHECK_EQ_INT(off[B], 100);
	CHECK_EQ_INT(off[C], 0);
	CHECK_EQ_INT(off[D], 60);
	nx_heap_free(h);
}

static void xla_best_fit(void)
{
	nx_heap *h = nx_heap_new(1);
	nx_heap_alloc(h, A, 10);
	nx_heap_alloc(h, B, 20);
	nx_heap_alloc(h, C, 40);
	nx_heap_free_buf(h, A);
	nx_heap_alloc(h, D, 30);
	nx_heap_alloc(h, E_, 50);
	nx_heap_free_buf(h, B);
	nx_heap_free_buf(h, C);
	nx_heap_free_buf(h, D);
	nx_heap_free_buf(h, E_);
	int64_t off[5];
	CHECK_EQ_INT(nx_heap_finish(h, NX_ALGO_BESTFIT, off, 5), 140);
	CHECK_EQ_INT(off[A], 90);
	CHECK_EQ_INT(off[B], 120);
	CHECK_EQ_INT(off[C], 50);
	CHECK_EQ_INT(off[D], 90);
	CHECK_EQ_INT(off[E_], 0);
	/* First fit in allocation order packs the same events worse. */
	CHECK_EQ_INT(nx_heap_finish(h, NX_ALGO_FIRSTFIT, off, 5), 150);
	CHECK_EQ_INT(off[A], 0);
	CHECK_EQ_INT(off[B], 10);
	CHECK_EQ_INT(off[C], 30);
	CHECK_EQ_INT(off[D], 70);
	CHECK_EQ_INT(off[E_], 100);
	nx_heap_free(h);
}

static void xla_empty_and_zero(void)
{
	nx_heap *h = nx_heap_new(1);
	int64_t off[2] = {7, 7};
	CHECK_EQ_INT(nx_heap_finish(h, NX_ALGO_BESTFIT, off, 2), 0);
	CHECK_EQ_INT(off[0], -1);
	nx_heap_alloc(h, 1, 0);
	CHECK_EQ_INT(nx_heap_finish(h, NX_ALGO_BESTFIT, off, 2), 0);
	CHECK_EQ_INT(off[1], 0);
	nx_heap_free(h);
}

/* Every buffer's chunk lies inside the heap and no two buffers live at the
 * same time share a byte; the heap is at least the lower bound. */
static int valid_plan(const nx_interval *iv, uint32_t n, const int64_t *off, int64_t heap)
{
	for (uint32_t i = 0; i < n; i++) {
		if (off[i] < 0 || off[i] + iv[i].size > heap)
			return 0;
		for (uint32_t j = i + 1; j < n; j++) {
			bool t = iv[i].start <= iv[j].end && iv[j].start <= iv[i].end;
			bool s = off[i] < off[j] + iv[j].size && off[j] < off[i] + iv[i].size;
			if (t && s)
				return 0;
		}
	}
	return 1;
}

static void random_plans(void)
{
	uint64_t rng = 12345;
	for (int round = 0; round < 50; round++) {
		nx_interval iv[60];
		uint32_t n = 10 + round;
		for (uint32_t i = 0; i < n; i++) {
			rng = rng * 6364136223846793005ull + 1442695040888963407ull;
			int64_t s = (int64_t)(rng >> 33) % 100;
			int64_t len = (int64_t)(rng >> 20) % 30;
			iv[i] = (nx_interval){s, s + len, 64 * (1 + (int64_t)(rng >> 45) % 50)};
		}
		int64_t off[60];
		int64_t lb = nx_plan_lower_bound(iv, n);
		int64_t bf = nx_plan_bestfit(iv, n, 64, -1, off);
		CHECK(valid_plan(iv, n, off, bf));
		CHECK(bf >= lb);
		int64_t ff = nx_plan_firstfit(iv, n, 64, off);
		CHECK(valid_plan(iv, n, off, ff));
		CHECK(ff >= lb);
		/* capacity: what is placed stays under it and stays valid */
		int64_t cap = lb / 2;
		nx_plan_bestfit(iv, n, 64, cap, off);
		for (uint32_t i = 0; i < n; i++)
			CHECK(off[i] == -1 || off[i] + iv[i].size <= cap);
	}
}

/* Plain best fit by size leaves a hole here; the search finds the lower
 * bound (and keeps plain best fit's figure in *first). */
static void search_beats_bestfit(void)
{
	nx_interval iv[] = {{7, 10, 10}, {2, 3, 30}, {2, 6, 30}, {6, 7, 10}, {4, 8, 20}};
	int64_t off[5], first = 0;
	CHECK_EQ_INT(nx_plan_lower_bound(iv, 5), 60);
	CHECK_EQ_INT(nx_plan_bestfit(iv, 5, 1, -1, off), 70);
	CHECK(valid_plan(iv, 5, off, 70));
	CHECK_EQ_INT(nx_plan_bestfit_search(iv, 5, 1, -1, off, &first), 60);
	CHECK_EQ_INT(first, 70);
	CHECK(valid_plan(iv, 5, off, 60));
	/* deterministic: the same plan again */
	int64_t off2[5];
	CHECK_EQ_INT(nx_plan_bestfit_search(iv, 5, 1, -1, off2, NULL), 60);
	CHECK(!memcmp(off, off2, sizeof off));
	/* random sets: the search never loses to plain best fit */
	uint64_t rng = 99;
	for (int round = 0; round < 40; round++) {
		nx_interval r[40];
		for (int i = 0; i < 40; i++) {
			rng = rng * 6364136223846793005ull + 1442695040888963407ull;
			int64_t st = (int64_t)(rng >> 33) % 60, len = (int64_t)(rng >> 20) % 12;
			r[i] = (nx_interval){st, st + len, 64 * (1 + (int64_t)(rng >> 45) % 9)};
		}
		int64_t o[40], f;
		int64_t h = nx_plan_bestfit_search(r, 40, 64, -1, o, &f);
		CHECK(h <= f);
		CHECK(h >= nx_plan_lower_bound(r, 40));
		CHECK(valid_plan(r, 40, o, h));
	}
}

static void lower_bound(void)
{
	nx_interval iv[] = {{0, 2, 10}, {1, 3, 20}, {3, 4, 5}, {5, 5, 100}};
	CHECK_EQ_INT(nx_plan_lower_bound(iv, 4), 100);
	iv[3].size = 1;
	CHECK_EQ_INT(nx_plan_lower_bound(iv, 4), 30); /* t=1,2: 10+20; t=3: 20+5 */
}

/* conv chain x -> c1 -> c2 -> c3 with ne-layout tensors of 1 MiB each on a
 * target whose SRAM holds two of them: input and output go to DRAM (the
 * host's), the middle ones fit. With 1 MiB of SRAM, one does and the
 * other spills. */
static nx_graph *chain(int n, int64_t hw)
{
	nx_graph *g = nx_graph_new("chain");
	uint32_t x = fx_input(g, "x", NX_F16, 4, (int64_t[]){1, 32, hw, hw}, NX_LAYOUT_NE);
	for (int i = 0; i < n; i++) {
		char name[16];
		snprintf(name, sizeof name, "w%d", i);
		uint32_t w = fx_const(g, name, NX_F16, 4, (int64_t[]){32, 32, 1, 1});
		snprintf(name, sizeof name, "c%d", i);
		x = fx_op(g, NX_OP_CONV, (uint32_t[]){x, w}, 2, name, NX_LAYOUT_NE);
	}
	nx_graph_add_output(g, x);
	return g;
}

static void placement(void)
{
	nx_graph *g = chain(4, 128); /* 32 x 128 x 256 B = 1 MiB per tensor */
	nxs_sim *s = fx_sim(g, "m1", "sram=3MiB", NULL);
	const nx_live *l = nxs_sim_live(s);
	const nx_memplan *mp = nxs_sim_memplan(s);
	CHECK_EQ_INT(l->n_bufs, 5);
	CHECK_EQ_INT(l->bufs[0].why, NX_WHY_IO);
	CHECK_EQ_INT(l->bufs[0].level, NX_DRAM);
	CHECK_EQ_INT(l->bufs[4].why, NX_WHY_IO);
	for (int i = 1; i < 4; i++)
		CHECK_EQ_INT(l->bufs[i].level, NX_SRAM);
	CHECK_EQ_INT(mp->lower_bound, 2 << 20);
	CHECK_EQ_INT(mp->peak, 2 << 20);
	CHECK_EQ_INT(mp->sram_peak, 2 << 20);
	/* the second conv reads and writes SRAM only */
	const nxs_opinv *iv = nxs_sim_invariants(s);
	CHECK_EQ_INT(iv[1].in_sram, 1 << 20);
	CHECK_EQ_INT(iv[1].out_sram, 1 << 20);
	CHECK_EQ_INT(iv[1].in_dram, 0);
	CHECK_EQ_INT(iv[0].in_dram, 1 << 20);
	CHECK_EQ_INT(nxs_sim_costs(s)[1].dram_bytes, 32 * 32 * 2); /* weights only */
	nxs_sim_free(s);

	s = fx_sim(g, "m1", "sram=1MiB", NULL);
	l = nxs_sim_live(s);
	mp = nxs_sim_memplan(s);
	CHECK_EQ_INT(mp->n_spilled, 1);
	int in_sram = 0;
	for (int i = 1; i < 4; i++)
		in_sram += l->bufs[i].level == NX_SRAM;
	CHECK_EQ_INT(in_sram, 2); /* c0 and c2 (not live together), c1 spills, or the like */
	CHECK(nxs_sim_timeline(s)->dram_bytes > 4.0 * (1 << 20));
	nxs_sim_free(s);

	/* 512 KiB of SRAM: every tensor is too big. */
	s = fx_sim(g, "m1", "sram=512KiB", NULL);
	l = nxs_sim_live(s);
	for (int i = 1; i < 4; i++)
		CHECK_EQ_INT(l->bufs[i].why, NX_WHY_BIG);
	nxs_sim_free(s);
	nx_graph_free(g);
}

/* A view shares its source's buffer and stretches its live range; a
 * CPU op's tensors go to DRAM. */
static void views_and_cpu(void)
{
	nx_graph *g = nx_graph_new("v");
	uint32_t x = fx_input(g, "x", NX_F16, 2, (int64_t[]){64, 64}, NX_LAYOUT_PLAIN);
	uint32_t a = fx_op(g, NX_OP_RELU, &x, 1, "a", NX_LAYOUT_PLAIN);
	uint32_t o = fx_op_new(g, NX_OP_RESHAPE, &a, 1, "r");
	nx_attr_set_ints(g, o, "shape", (int64_t[]){4096}, 1);
	uint32_t r = fx_done(g, o, NX_LAYOUT_PLAIN);
	uint32_t b = fx_op(g, NX_OP_SIGMOID, &r, 1, "b", NX_LAYOUT_PLAIN);
	uint32_t c = fx_op(g, NX_OP_RELU, &b, 1, "c", NX_LAYOUT_PLAIN);
	nx_attr_set_s(g, nx_val(g, c)->producer, "device", "cpu");
	uint32_t d = fx_op(g, NX_OP_TANH, &c, 1, "d", NX_LAYOUT_PLAIN);
	nx_graph_add_output(g, d);
	nxs_sim *s = fx_sim(g, "m1", NULL);
	const nx_live *l = nxs_sim_live(s);
	CHECK_EQ_INT(l->buf_of[r], l->buf_of[a]);
	const nx_buf *ba = &l->bufs[l->buf_of[a]];
	CHECK_EQ_INT(ba->start, 0);
	CHECK_EQ_INT(ba->end, 2); /* read by the sigmoid through the view */
	CHECK_EQ_INT(nxs_sim_costs(s)[1].bound, NXS_BOUND_FREE);
	CHECK_EQ_INT(l->bufs[l->buf_of[b]].why, NX_WHY_CPU);
	CHECK_EQ_INT(l->bufs[l->buf_of[c]].why, NX_WHY_CPU);
	CHECK_EQ_INT(l->bufs[l->buf_of[c]].level, NX_DRAM);
	CHECK_EQ_INT(l->bufs[l->buf_of[a]].level, NX_SRAM);
	CHECK_EQ_INT(nxs_sim_costs(s)[3].bound, NXS_BOUND_FALLBACK);
	char why[128];
	nxs_sim_cpu_reason(s, nx_val(g, c)->producer, why, sizeof why);
	CHECK_STR(why, "placed on the CPU");
	/* the NE ops after the CPU op are a second program */
	CHECK_EQ_INT(nxs_sim_timeline(s)->launches, 2);
	nxs_sim_free(s);
	nx_graph_free(g);
}

int main(int argc, char **argv)
{
	static const check_case cases[] = {
		{"xla_decreasing_size", xla_decreasing_size},
		{"xla_alignment", xla_alignment},
		{"xla_best_fit", xla_best_fit},
		{"xla_empty_and_zero", xla_empty_and_zero},
		{"random_plans", random_plans},
		{"search_beats_bestfit", search_beats_bestfit},
		{"lower_bound", lower_bound},
		{"placement", placement},
		{"views_and_cpu", views_and_cpu},
		{NULL, NULL},
	};
	return check_main(cases, argc, argv);
}
