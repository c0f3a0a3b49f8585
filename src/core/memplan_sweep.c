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
 * nx_plan_overlap_pairs counts the overlaps in O(n) after a radix sort so
 * that memplan.c
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

/* Sorts a[0..n) (keys less lo, so unsigned) by LSD radix, a byte per
 * pass and only as many passes as the largest key needs; tmp holds n. */
static void radix(uint64_t *a, uint64_t *tmp, uint32_t n)
{
	uint64_t max = 0;
	for (uint32_t i = 0; i < n; i++)
		if (a[i] > max)
			max = a[i];
	for (int shift = 0; shift < 64 && (max >> shift); shift += 8) {
		uint32_t count[257] = {0};
		for (uint32_t i = 0; i < n; i++)
			count[((a[i] >> shift) & 0xff) + 1]++;
		for (int d = 0; d < 256; d++)
			count[d + 1] += count[d];
		for (uint32_t i = 0; i < n; i++)
			tmp[count[(a[i] >> shift) & 0xff]++] = a[i];
		memcpy(a, tmp, (size_t)n * sizeof *a);
	}
}

uint64_t nx_plan_overlap_pairs(const nx_interval *iv, uint32_t n)
{
	if (n < 2)
		return 0;
	/* Sweep the starts and the ends (end + 1: the first time a buffer is
	 * free) in time order, frees first at equal times: each start meets
	 * the buffers live at that moment, which counts every pair once. */
	int64_t lo = INT64_MAX;
	for (uint32_t i = 0; i < n; i++)
		if (iv[i].start < lo)
			lo = iv[i].start;
	uint64_t *s = nx_xmalloc((size_t)n * sizeof *s), *e = nx_xmalloc((size_t)n * sizeof *e);
	uint64_t *tmp = nx_xmalloc((size_t)n * sizeof *tmp); /* the three freed below */
	for (uint32_t i = 0; i < n; i++) {
		s[i] = (uint64_t)(iv[i].start - lo);
		e[i] = (uint64_t)(iv[i].end - lo) + 1;
	}
	radix(s, tmp, n);
	radix(e, tmp, n);
	uint64_t pairs = 0, live = 0;
	for (uint32_t i = 0, j = 0; i < n;) {
		if (j < n && e[j] <= s[i]) {
			live--, j++;
		} else {
			pairs += live++;
			i++;
		}
	}
	free(s);
	free(e);
	free(tmp);
	return pairs;
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
	tk *s = sorted(iv, n, false), *e = sorted(iv, n, true); /* freed below */
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
