/* plan_memory.c — the memory plan, decided once and written into the graph:
 * every op gets `arena` (one int per result: its offset in the arena of the
 * level it lives in) and `spill` (one int per result: 1 if it lives in DRAM,
 * 0 if on chip). The sim follows a recorded plan when every op carries one
 * (and it holds on the target costed), so `nex sim --pipeline ...,plan-memory`
 * costs what this pass decided; before, the sim planned each snapshot on its
 * own.
 *
 * The plan is core's (liveness.c, memplan.c), over the schedule as it is, on
 * the context's target: buffers sized as stored (layout-ne's padding, in
 * buf_gran units), views sharing their source's buffer, graph inputs and
 * outputs and the tensors of CPU ops (partition) forced to DRAM. The single-
 * arena plan is best fit with search (the peak statistic, against the lower
 * bound: the most bytes live at once); the on-chip candidates are planned
 * with search too and stay on chip when that plan fits `sram`, else best fit
 * within `sram` decides what spills (nx_memplan_place_search). The DRAM arena
 * is planned with search. A view's result records its source's buffer; a
 * value with no buffer (a view of nothing) records arena -1, spill 1.
 *
 * One op whose record changes = one rewrite, in schedule order, so that a
 * second run (or a run after nothing moved) changes nothing. A partial run
 * (a rewrite budget) leaves some ops without a record: the sim then plans on
 * its own and says so. */
#include <stdlib.h>
#include <string.h>

#include "nxp.h"

/* True if op o already records exactly these n entries. */
static bool same(const nx_graph *g, uint32_t o, const char *name, const int64_t *v,
		 uint32_t n)
{
	uint32_t m;
	const int64_t *a = nx_attr_ints(g, o, name, &m);
	return a && m == n && !memcmp(a, v, n * sizeof *v);
}

static const char *why_name(int why)
{
	switch (why) {
	case NX_WHY_IO: return "a graph input or output";
	case NX_WHY_CPU: return "touched by a CPU op";
	case NX_WHY_BIG: return "larger than the SRAM";
	case NX_WHY_SPILL: return "no room on chip while live";
	default: return "on chip";
	}
}

static int run(nx_graph *g, nxp_ctx *ctx)
{
	nx_target tb;
	const nx_target *t = nxp_target(ctx, &tb);
	nx_live l;
	nx_live_graph(g, NULL, 0, t, &l);
	nx_memplan mp;
	memset(&mp, 0, sizeof mp);
	nx_memplan_arena(&l, t, &mp);
	nx_memplan_place_search(&l, t, &mp);
	nxp_stat_add(ctx, "peak bytes", mp.peak);
	nxp_stat_add(ctx, "lower bound bytes", mp.lower_bound);
	nxp_stat_add(ctx, "sram bytes", mp.sram_peak);
	nxp_stat_add(ctx, "dram bytes", mp.dram_peak);
	nxp_stat_add(ctx, "values on chip", mp.n_sram);
	nxp_stat_add(ctx, "values in dram", mp.n_dram);
	nxp_stat_add(ctx, "values spilled", mp.n_spilled);
	int64_t *arena = NULL, *spill = NULL;
	uint32_t cap = 0, changed = 0;
	for (uint32_t p = 0; p < l.n_pos; p++) {
		uint32_t o = l.op_at[p], n = nx_opp(g, o)->n_out;
		if (n > cap) {
			cap = n;
			arena = nx_xrealloc(arena, cap * sizeof *arena);
			spill = nx_xrealloc(spill, cap * sizeof *spill);
		}
		for (uint32_t i = 0; i < n; i++) {
			uint32_t b = l.buf_of[nx_result(g, o, i)];
			arena[i] = b == NX_NONE ? -1 : l.bufs[b].offset;
			spill[i] = b == NX_NONE || l.bufs[b].level == NX_DRAM;
		}
		if (same(g, o, "arena", arena, n) && same(g, o, "spill", spill, n))
			continue;
		if (!nxp_rewrite(ctx, o))
			break;
		nx_attr_set_ints(g, o, "arena", arena, n);
		nx_attr_set_ints(g, o, "spill", spill, n);
		changed++;
		for (uint32_t i = 0; i < n; i++) {
			uint32_t v = nx_result(g, o, i), b = l.buf_of[v];
			if (b == NX_NONE || l.bufs[b].value != v)
				continue; /* a view: its source's buffer is reported there */
			const nx_buf *bf = &l.bufs[b];
			if (bf->why == NX_WHY_SPILL || bf->why == NX_WHY_BIG)
				nxp_remark(ctx, "%%%s (%lld bytes, live %u..%u): dram at %lld, %s",
					   nx_vname(g, v), (long long)bf->size, bf->start, bf->end,
					   (long long)bf->offset, why_name(bf->why));
		}
	}
	if (!ctx->stopped)
		nxp_remark(ctx, "planned %u buffers on %s: peak %lld bytes (lower bound %lld, %s); "
			   "on chip %u in %lld of %lld bytes; dram %u in %lld bytes (%u spilled); "
			   "%u ops recorded", l.n_bufs, t->name, (long long)mp.peak,
			   (long long)mp.lower_bound, nx_algo_name(mp.algo), mp.n_sram,
			   (long long)mp.sram_peak, (long long)t->sram, mp.n_dram,
			   (long long)mp.dram_peak, mp.n_spilled, changed);
	free(arena);
	free(spill);
	nx_memplan_free(&mp);
	nx_live_free(&l);
	return 0;
}

const nxp_pass nxp_pass_plan_memory = {
	.name = "plan-memory",
	.summary = "plan arena offsets and SRAM/DRAM placement over the schedule; record them "
		   "(attrs arena, spill) for the sim",
	.requires = "types, the final schedule and layouts (run it last)",
	.invalidates = "attrs (memory plan)",
	.run = run,
};
