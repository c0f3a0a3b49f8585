/* timeline.c — the schedule played out in time: ops one after another on
 * the NE (or the CPU, for fallbacks), with the weight DMA of each op
 * overlapping the op before it (DESIGN.md §5).
 *
 * Each NE op's first kernel-buffer load (its prefetch bytes, at most kmem)
 * may be fetched while the previous op runs, but only with the DRAM
 * bandwidth that op leaves idle: if the previous op keeps DRAM busy a
 * fraction u of its time, the prefetch proceeds at (1 - u) of the NE's DRAM
 * bandwidth until that op ends and at full rate after. The op starts when
 * both the previous op and its prefetch are done (the wait is its stall),
 * and then runs for max(compute, DRAM time less the prefetched part, on-chip
 * time) + overhead. An op that is weight-bandwidth-bound therefore stays
 * so on the timeline: there is no idle bandwidth to hide its weights in.
 *
 * Programs: a run of NE ops is one compiled program; it costs a dispatch
 * (launch_overhead, 70-100 us measured [3P]) before its first op. A CPU
 * fallback ends the program, so the NE ops after it pay a new dispatch.
 * Free ops (views, shape queries) take no time and do not split programs.
 */
#include <stdlib.h>
#include <string.h>

#include "nxs.h"

void nxs_timeline_free(nxs_timeline *tl)
{
	free(tl->slots);
	memset(tl, 0, sizeof *tl);
}

void nxs_timeline_run(const nxs_cost *c, uint32_t n, const nx_target *t, nxs_timeline *tl)
{
	/* a run again on the same schedule (a target edit) writes over the
	 * slots it has: no fresh pages for a 1M-op timeline on every edit */
	nxs_slot *slots = tl->slots && tl->n == n ? tl->slots : NULL;
	if (!slots)
		nxs_timeline_free(tl);
	memset(tl, 0, sizeof *tl);
	tl->slots = slots ? slots : nx_xmalloc((n ? n : 1) * sizeof *tl->slots);
	memset(tl->slots, 0, (n ? n : 1) * sizeof *tl->slots);
	tl->n = n;
	double bw = nx_target_ne_dram_bw(t);
	double launch = t->launch_overhead * 1e-6 * t->clock;
	double now = 0, dma_free = 0;
	double win_start = 0, win_idle = 0; /* previous NE op: start, idle DRAM share */
	bool in_program = false;
	double peak_cycles = 0; /* sum of MACs / peak MACs per cycle */
	for (uint32_t i = 0; i < n; i++) {
		const nxs_cost *ci = &c[i];
		nxs_slot *s = &tl->slots[i];
		tl->n_bound[ci->bound]++;
		tl->macs += ci->macs;
		tl->dram_bytes += ci->dram_bytes;
		tl->sram_bytes += ci->sram_bytes;
		tl->weight_bytes += ci->weight_bytes;
		tl->e_mac += ci->e_mac;
		tl->e_sram += ci->e_sram;
		tl->e_dram += ci->e_dram;
		tl->e_cpu += ci->e_cpu;
		if (ci->bound == NXS_BOUND_FREE) {
			s->start = s->end = s->dma_start = s->dma_end = now;
			continue;
		}
		if (ci->cpu) {
			s->start = s->dma_start = s->dma_end = now;
			s->end = now + ci->cycles;
			tl->cpu_cycles += ci->cycles;
			now = s->end;
			in_program = false;
			continue;
		}
		peak_cycles += ci->macs / nx_target_peak_macs(t, ci->dtype);
		if (!in_program) {
			s->launch = launch;
			now += launch;
			tl->launch_cycles += launch;
			tl->launches++;
			in_program = true;
			win_start = now;
			win_idle = 0; /* nothing ran before the first op of a program */
			if (dma_free < now)
				dma_free = now;
		}
		double pre = ci->prefetch_bytes / bw;
		double t0 = dma_free > win_start ? dma_free : win_start;
		double dma_end;
		if (pre <= 0) {
			t0 = dma_end = now;
		} else if (t0 < now && win_idle > 0) {
			double room = (now - t0) * win_idle;
			dma_end = pre <= room ? t0 + pre / win_idle : now + (pre - room);
		} else {
			dma_end = (t0 > now ? t0 : now) + pre;
		}
		s->dma_start = t0;
		s->dma_end = dma_end;
		s->stall = dma_end > now ? dma_end - now : 0;
		s->start = now + s->stall;
		double dram_left = ci->dram_cycles - pre;
		if (dram_left < 0)
			dram_left = 0;
		double sram = ci->sram_bytes / t->sram_bw;
		double mem = dram_left > sram ? dram_left : sram;
		double body = ci->compute_cycles > mem ? ci->compute_cycles : mem;
		double dur = body + ci->overhead_cycles;
		s->end = s->start + dur;
		tl->stall_cycles += s->stall;
		dma_free = dma_end;
		win_start = s->start;
		win_idle = dur > 0 ? 1 - dram_left / dur : 1;
		if (win_idle < 0)
			win_idle = 0;
		now = s->end;
	}
	tl->cycles = now;
	tl->seconds = now / t->clock;
	tl->e_static = t->static_power * tl->seconds * 1e12;
	tl->energy = tl->e_mac + tl->e_sram + tl->e_dram + tl->e_cpu + tl->e_static;
	tl->power = tl->seconds > 0 ? tl->energy * 1e-12 / tl->seconds : 0;
	tl->util = now > 0 ? peak_cycles / now : 0;
}
