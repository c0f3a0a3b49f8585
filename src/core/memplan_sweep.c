/* memplan_sweep.c — the planner memplan.c falls back to when many live
 * ranges overlap. The greedy planners (best fit by decreasing size, first
 * fit, the search) look, for each buffer, at every placed buffer whose live
 * range meets its own: O(n log n + overlaps), and the overlaps grow as n^2
 * when thousands of different live ranges cross one point (20,000 inputs
 * each read by a later op: 8 s per plan). This one walks the schedule once,
 * as an allocator would: at each time, buffers whose range ended are freed
 * (merged with free neighbours), then buffers that start are placed in the
 * smallest free block that holds them (lowest offset among equals), else
 * on top of the heap. The free blocks sit in two treaps (treap.c), by
 * (size, offset) for the best fit and by (offset, size) for the merges, so
 * a plan costs O(n log n) whatever the overlaps.
 *
 * nx_plan_overlap_pairs counts the overlaps in O(n log n) so that memplan.c
 * can choose before planning: the greedy planners while their cost is
 * bounded, this sweep beyond.
 */
#include <stdlib.h>
#include <string.h>

#include "memplan_int.h"

typedef struct tk {
	int64_t t;
	uint32_t i;
} tk;

static int by_t(const void *x, const void *y)
{
	const tk *a = x, *b = y;
	if (a->t != b->t)
		return a->t < b->t ? -1 : 1;
	return a->i < b->i ? -1 : a->i > b->i;
}

/* The n buffers by start (then index) or by end (then index); caller
 * frees with free(). */
static tk *sorted(const nx_interval *iv, uint32_t n, bool by_end)
{
	tk *a = nx_xmalloc((size_t)(n ? n : 1) * sizeof *a);
	for (uint32_t i = 0; i < n; i++)
		a[i] = (tk){by_end ? iv[i].end : iv[i].start, i};
	qsort(a, n, sizeof *a, by_t);
	return a;
}

/* The number of entries of a[0..n) with t < x (t <= x when incl). */
static uint32_t count_below(const tk *a, uint32_t n, int64_t x, bool incl)
{
	uint32_t lo = 0, hi = n;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (a[mid].t < x || (incl && a[mid].t == x))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

uint64_t nx_plan_overlap_pairs(const nx_interval *iv, uint32_t n)
{
	/* Buffer i meets every j with start_j <= end_i except those that ended
	 * before it started (end_j < start_i, which implies start_j <= end_i),
	 * and itself; summed over i that counts each pair twice. */
	tk *s = sorted(iv, n, false), *e = sorted(iv, n, true);
	uint64_t sum = 0;
	for (uint32_t i = 0; i < n; i++)
		sum += count_below(s, n, iv[i].end, true) - count_below(e, n, iv[i].start, false) - 1;
	free(s);
	free(e);
	return sum / 2;
}

static int64_t align_up(int64_t x, int64_t a)
{
	return a <= 1 ? x : (x + a - 1) / a * a;
}

typedef struct freelist {
	nx_treap by_size, by_off;
	int64_t top;  /* everything from here up is free */
} freelist;

static void fl_add(freelist *f, int64_t off, int64_t len)
{
	nx_treap_insert(&f->by_size, len, off);
	nx_treap_insert(&f->by_off, off, len);
}

static void fl_del(freelist *f, int64_t off, int64_t len)
{
	nx_treap_erase(&f->by_size, len, off);
	nx_treap_erase(&f->by_off, off, len);
}

/* Gives [off, off + len) back, merged with the free blocks that touch it;
 * a block reaching the top lowers the top instead. */
static void fl_release(freelist *f, int64_t off, int64_t len)
{
	int64_t a = off, e = off + len, o, l;
	if (nx_treap_floor(&f->by_off, a - 1, INT64_MAX, &o, &l) && o + l == a) {
		fl_del(f, o, l);
		a = o;
	}
	if (nx_treap_ceil(&f->by_off, e, INT64_MIN, &o, &l) && o == e) {
		fl_del(f, o, l);
		e = o + l;
	}
	if (e >= f->top)
		f->top = a;
	else
		fl_add(f, a, e - a);
}

int64_t nx_plan_sweep(const nx_interval *iv, uint32_t n, int64_t align, int64_t capacity,
		      int64_t *offset)
{
	tk *s = sorted(iv, n, false), *e = sorted(iv, n, true);
	freelist f = {.top = 0};
	nx_treap_init(&f.by_size);
	nx_treap_init(&f.by_off);
	int64_t heap = 0;
	uint32_t j = 0;
	for (uint32_t k = 0; k < n; k++) {
		uint32_t b = s[k].i;
		/* An end is inclusive: a buffer ending at t - 1 is free at t. Every
		 * buffer freed here started before b, so it was placed already. */
		for (; j < n && e[j].t < iv[b].start; j++) {
			uint32_t d = e[j].i;
			int64_t need = align_up(iv[d].size, align);
			if (offset[d] >= 0 && need > 0)
				fl_release(&f, offset[d], need);
		}
		int64_t size = iv[b].size, need = align_up(size, align), o, len;
		if (need <= 0) {
			offset[b] = 0;  /* nothing to hold: meets no one */
			continue;
		}
		if (nx_treap_ceil(&f.by_size, need, INT64_MIN, &len, &o) &&
		    (capacity < 0 || o + size <= capacity)) {
			fl_del(&f, o, len);
			if (len > need)
				fl_add(&f, o + need, len - need);
		} else if (capacity < 0 || f.top + size <= capacity) {
			o = f.top;
			f.top += need;
		} else {
			offset[b] = -1;  /* spills: no room below capacity */
			continue;
		}
		offset[b] = o;
		if (o + size > heap)
			heap = o + size;
	}
	nx_treap_free(&f.by_size);
	nx_treap_free(&f.by_off);
	free(s);
	free(e);
	return heap;
}
