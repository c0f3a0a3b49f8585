/* alloc.c — SRAM allocation as register allocation: allocators over live
 * intervals (start, end inclusive, size), side by side, and the placement
 * of a graph's buffers with any of them.
 *
 *  - bestfit, firstfit, search: core's planners (memplan.c: XLA's
 *    GlobalDecreasingSizeBestFitHeap, first fit in start order, best fit
 *    with search);
 *  - hillclimb, after the hill-climbing allocator of Arm's Vela
 *    (ethos-u-vela, live range allocation): ranges ordered by urgency (size
 *    x length, larger first), each put at the lowest address free for its
 *    whole life; then, repeatedly, the range that sets the heap size (the
 *    bottleneck) is moved in the order in front of an earlier range that
 *    overlaps it in time, chosen by a seeded generator (deterministic), and
 *    the new order is kept if the heap got smaller; it stops at the lower
 *    bound or after an iteration budget;
 *  - linear scan (Poletto and Sarkar, "Linear scan register allocation",
 *    TOPLAS 1999) with a capacity: ranges by start; expired ones leave the
 *    active set; a range takes the lowest free address below the capacity,
 *    else one range is spilled (to DRAM, for its whole life): by Belady's
 *    rule the one whose next use is furthest (the latest end, the range
 *    itself included), or the one with the largest size x remaining
 *    distance; spilling repeats until the range fits or is itself chosen.
 * Live-range splitting (spill between two uses and fill before the next)
 * is not built: a spilled value lives in DRAM for its whole life, and the
 * NE task reads it there.
 */
#include <stdlib.h>
#include <string.h>

#include "nxg.h"

static int64_t up(int64_t x, int64_t a)
{
	return a <= 1 ? x : (x + a - 1) / a * a;
}

static bool overlap(const nx_interval *a, const nx_interval *b)
{
	return a->start <= b->end && b->start <= a->end;
}

/* Lowest aligned address where iv[i] fits between placed (offset >= 0)
 * ranges overlapping it in time, below cap (cap < 0: no limit); -1 if none.
 * scratch holds n entries. */
static int64_t lowest(const nx_interval *iv, const uint32_t *placed, uint32_t np, uint32_t i,
		      const int64_t *off, int64_t align, int64_t cap, uint32_t *scratch)
{
	uint32_t m = 0;
	for (uint32_t k = 0; k < np; k++) {
		uint32_t j = placed[k];
		if (off[j] >= 0 && overlap(&iv[i], &iv[j]))
			scratch[m++] = j;
	}
	/* insertion sort by offset: m is small (the ranges live at once) */
	for (uint32_t a = 1; a < m; a++) {
		uint32_t x = scratch[a], b = a;
		while (b > 0 && off[scratch[b - 1]] > off[x]) {
			scratch[b] = scratch[b - 1];
			b--;
		}
		scratch[b] = x;
	}
	int64_t at = 0;
	for (uint32_t a = 0; a < m; a++) {
		uint32_t j = scratch[a];
		if (at + iv[i].size <= off[j])
			break;
		int64_t e = up(off[j] + iv[j].size, align);
		if (e > at)
			at = e;
	}
	if (cap >= 0 && at + iv[i].size > cap)
		return -1;
	return at;
}

static int64_t heap_of(const nx_interval *iv, uint32_t n, const int64_t *off)
{
	int64_t h = 0;
	for (uint32_t i = 0; i < n; i++)
		if (off[i] >= 0 && off[i] + iv[i].size > h)
			h = off[i] + iv[i].size;
	return h;
}

/* Places in `order`; returns the heap and the first range that reaches it. */
static int64_t place_order(const nx_interval *iv, uint32_t n, const uint32_t *order,
			   int64_t align, int64_t *off, uint32_t *scratch, uint32_t *bottleneck)
{
	int64_t h = 0;
	*bottleneck = 0;
	for (uint32_t i = 0; i < n; i++)
		off[i] = -1;
	for (uint32_t k = 0; k < n; k++) {
		uint32_t i = order[k];
		off[i] = lowest(iv, order, k, i, off, align, -1, scratch);
		if (off[i] + iv[i].size > h) {
			h = off[i] + iv[i].size;
			*bottleneck = k;
		}
	}
	return h;
}

static int64_t hillclimb(const nx_interval *iv, uint32_t n, int64_t align, int64_t *best_off)
{
	uint32_t *order = nx_xmalloc((n + 1) * sizeof *order), *trial = nx_xmalloc((n + 1) * sizeof *trial);
	uint32_t *scratch = nx_xmalloc((n + 1) * sizeof *scratch);
	int64_t *off = nx_xmalloc((n + 1) * sizeof *off);
	for (uint32_t i = 0; i < n; i++)
		order[i] = i;
	/* urgency: size x length, larger first (stable by index) */
	for (uint32_t a = 1; a < n; a++) {
		uint32_t x = order[a], b = a;
		double kx = (double)iv[x].size * (double)(iv[x].end - iv[x].start + 1);
		while (b > 0) {
			uint32_t y = order[b - 1];
			double ky = (double)iv[y].size * (double)(iv[y].end - iv[y].start + 1);
			if (ky >= kx)
				break;
			order[b] = y;
			b--;
		}
		order[b] = x;
	}
	uint32_t bn;
	int64_t best = place_order(iv, n, order, align, best_off, scratch, &bn);
	int64_t lb = nx_plan_lower_bound(iv, n);
	/* Each try re-places everything (about n x live ranges): the budget
	 * keeps big graphs to a bounded number of tries. */
	double per = (double)n * (double)n + 1;
	uint32_t iters = per > 5e7 ? 0 : (uint32_t)(5e7 / per);
	if (iters > 2000)
		iters = 2000;
	uint64_t seed = 0x5eedu;
	for (uint32_t it = 0; it < iters && best > lb; it++) {
		/* earlier ranges overlapping the bottleneck in time */
		uint32_t cand = 0, pick = NX_NONE;
		for (uint32_t k = 0; k < bn; k++)
			if (overlap(&iv[order[k]], &iv[order[bn]]))
				cand++;
		if (!cand)
			break;
		uint32_t r = (uint32_t)(nx_rand_u64(&seed) % cand);
		for (uint32_t k = 0; k < bn && pick == NX_NONE; k++)
			if (overlap(&iv[order[k]], &iv[order[bn]]) && r-- == 0)
				pick = k;
		memcpy(trial, order, n * sizeof *trial);
		uint32_t x = trial[bn];
		memmove(trial + pick + 1, trial + pick, (bn - pick) * sizeof *trial);
		trial[pick] = x;
		uint32_t tbn;
		int64_t h = place_order(iv, n, trial, align, off, scratch, &tbn);
		if (h < best) {
			best = h;
			memcpy(order, trial, n * sizeof *order);
			memcpy(best_off, off, n * sizeof *off);
			bn = tbn;
		} else {
			/* keep the order, try another earlier range next time */
			place_order(iv, n, order, align, off, scratch, &bn);
		}
	}
	free(order);
	free(trial);
	free(scratch);
	free(off);
	return best;
}

static int64_t linscan(const nx_interval *iv, uint32_t n, int64_t align, int64_t cap, bool belady,
		       int64_t *off)
{
	uint32_t *by_start = nx_xmalloc((n + 1) * sizeof *by_start);
	uint32_t *active = nx_xmalloc((n + 1) * sizeof *active), na = 0;
	uint32_t *scratch = nx_xmalloc((n + 1) * sizeof *scratch);
	for (uint32_t i = 0; i < n; i++)
		by_start[i] = i, off[i] = -1;
	for (uint32_t a = 1; a < n; a++) { /* insertion sort by start: input is mostly sorted */
		uint32_t x = by_start[a], b = a;
		while (b > 0 && iv[by_start[b - 1]].start > iv[x].start) {
			by_start[b] = by_start[b - 1];
			b--;
		}
		by_start[b] = x;
	}
	for (uint32_t k = 0; k < n; k++) {
		uint32_t i = by_start[k];
		uint32_t w = 0;
		for (uint32_t a = 0; a < na; a++)
			if (iv[active[a]].end >= iv[i].start)
				active[w++] = active[a];
		na = w;
		for (;;) {
			int64_t at = lowest(iv, active, na, i, off, align, cap, scratch);
			if (at >= 0) {
				off[i] = at;
				active[na++] = i;
				break;
			}
			/* spill: the victim among the active ranges and i itself */
			uint32_t v = i;
			double vk = belady ? (double)iv[i].end
				   : (double)iv[i].size * (double)(iv[i].end - iv[i].start + 1);
			uint32_t va = NX_NONE;
			for (uint32_t a = 0; a < na; a++) {
				uint32_t j = active[a];
				double kj = belady ? (double)iv[j].end
					    : (double)iv[j].size * (double)(iv[j].end - iv[i].start + 1);
				if (kj > vk)
					v = j, vk = kj, va = a;
			}
			if (v == i)
				break; /* i lives in DRAM */
			off[v] = -1;
			active[va] = active[--na];
		}
	}
	free(by_start);
	free(active);
	free(scratch);
	return heap_of(iv, n, off);
}

int64_t nxg_alloc_intervals(int algo, const nx_interval *iv, uint32_t n, int64_t align,
			    int64_t cap, int64_t *off)
{
	int64_t h, first;
	if (align < 1)
		align = 1;
	switch (algo) {
	case NXG_ALLOC_BESTFIT:
		return nx_plan_bestfit(iv, n, align, cap, off);
	case NXG_ALLOC_FIRSTFIT:
		h = nx_plan_firstfit(iv, n, align, off);
		break;
	case NXG_ALLOC_SEARCH:
		h = nx_plan_bestfit_search(iv, n, align, -1, off, &first);
		break;
	case NXG_ALLOC_HILLCLIMB:
		h = hillclimb(iv, n, align, off);
		break;
	case NXG_ALLOC_BELADY:
	case NXG_ALLOC_SXD:
		return linscan(iv, n, align, cap, algo == NXG_ALLOC_BELADY, off);
	default:
		return -1;
	}
	/* planners without a capacity: what ends above it spills */
	if (cap >= 0) {
		for (uint32_t i = 0; i < n; i++)
			if (off[i] + iv[i].size > cap)
				off[i] = -1;
		h = heap_of(iv, n, off);
	}
	return h;
}

void nxg_place(nx_live *l, const nx_target *t, int algo, int64_t *sram_peak)
{
	uint32_t n = l->n_bufs;
	uint32_t *sel = nx_xmalloc((n + 1) * sizeof *sel), m = 0;
	nx_interval *iv = nx_xmalloc((n + 1) * sizeof *iv);
	int64_t *off = nx_xmalloc((n + 1) * sizeof *off);
	for (uint32_t b = 0; b < n; b++) {
		nx_buf *x = &l->bufs[b];
		x->level = NX_DRAM;
		if (x->why == NX_WHY_FITS && x->size > t->sram)
			x->why = NX_WHY_BIG;
		if (x->why != NX_WHY_FITS)
			continue;
		iv[m] = (nx_interval){x->start, x->end, x->size};
		sel[m++] = b;
	}
	nxg_alloc_intervals(algo, iv, m, t->align, t->sram, off);
	int64_t peak = 0;
	for (uint32_t k = 0; k < m; k++) {
		nx_buf *x = &l->bufs[sel[k]];
		if (off[k] < 0) {
			x->why = NX_WHY_SPILL;
			continue;
		}
		x->level = NX_SRAM;
		x->offset = off[k];
		if (off[k] + x->size > peak)
			peak = off[k] + x->size;
	}
	*sram_peak = peak;
	/* DRAM: best fit, no limit */
	m = 0;
	for (uint32_t b = 0; b < n; b++)
		if (l->bufs[b].level == NX_DRAM) {
			iv[m] = (nx_interval){l->bufs[b].start, l->bufs[b].end, l->bufs[b].size};
			sel[m++] = b;
		}
	nx_plan_bestfit(iv, m, t->align, -1, off);
	for (uint32_t k = 0; k < m; k++)
		l->bufs[sel[k]].offset = off[k];
	free(sel);
	free(iv);
	free(off);
}
