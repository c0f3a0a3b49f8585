/* treap.c — an ordered set of (a, b) pairs of int64, compared a first then
 * b, with insert, erase and the nearest key at or above / at or below a
 * given one, each O(log n) expected. The memory planners' sweep
 * (memplan_sweep.c) keeps its free blocks in two of these, one keyed by
 * (size, offset) for best fit and one by (offset, size) for merging
 * neighbours, and nx_memplan_apply's check keeps the live buffers by offset.
 *
 * Nodes live in one array and are reused through a free list, so a set of n
 * keys costs n nodes however many inserts and erases it saw. Priorities are
 * a hash of the node's slot, not a random generator: the same operations
 * give the same tree on every run (no global state either).
 */
#include <stdlib.h>

#include "memplan_int.h"

struct nx_tnode {
	int64_t a, b;
	uint64_t pri;
	uint32_t l, r;  /* children, NIL when none; r is the free list's link */
};

#define NIL UINT32_MAX

static uint64_t prio(uint32_t slot)
{
	uint64_t z = (uint64_t)slot * 0x9e3779b97f4a7c15ull + 0x7265617053ull;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void nx_treap_init(nx_treap *t)
{
	t->nd = NULL;
	t->root = t->free = NIL;
	t->n = t->cap = 0;
}

void nx_treap_free(nx_treap *t)
{
	free(t->nd);
	nx_treap_init(t);
}

static int cmp(int64_t a, int64_t b, int64_t c, int64_t d)
{
	return a != c ? (a < c ? -1 : 1) : b != d ? (b < d ? -1 : 1) : 0;
}

/* Splits tree x into keys below (a, b) (or at or below, when incl) and the
 * rest. Recursion depth is the tree's height, O(log n) expected. */
static void split(nx_tnode *nd, uint32_t x, int64_t a, int64_t b, int incl, uint32_t *lo,
		  uint32_t *hi)
{
	if (x == NIL) {
		*lo = *hi = NIL;
		return;
	}
	int c = cmp(nd[x].a, nd[x].b, a, b);
	if (c < 0 || (incl && c == 0)) {
		split(nd, nd[x].r, a, b, incl, &nd[x].r, hi);
		*lo = x;
	} else {
		split(nd, nd[x].l, a, b, incl, lo, &nd[x].l);
		*hi = x;
	}
}

/* Joins two trees, every key of x below every key of y. */
static uint32_t merge(nx_tnode *nd, uint32_t x, uint32_t y)
{
	if (x == NIL)
		return y;
	if (y == NIL)
		return x;
	if (nd[x].pri > nd[y].pri) {
		nd[x].r = merge(nd, nd[x].r, y);
		return x;
	}
	nd[y].l = merge(nd, x, nd[y].l);
	return y;
}

void nx_treap_insert(nx_treap *t, int64_t a, int64_t b)
{
	uint32_t k;
	if (t->free != NIL) {
		k = t->free;
		t->free = t->nd[k].r;
	} else {
		nx_grow((void **)&t->nd, &t->cap, t->n + 1, sizeof *t->nd);
		k = t->n++;
	}
	t->nd[k] = (nx_tnode){a, b, prio(k), NIL, NIL};
	uint32_t lo, hi;
	split(t->nd, t->root, a, b, 0, &lo, &hi);
	t->root = merge(t->nd, merge(t->nd, lo, k), hi);
}

bool nx_treap_erase(nx_treap *t, int64_t a, int64_t b)
{
	uint32_t lo, mid, hi;
	split(t->nd, t->root, a, b, 0, &lo, &hi);
	split(t->nd, hi, a, b, 1, &mid, &hi);
	t->root = merge(t->nd, lo, hi);
	if (mid == NIL)
		return false;
	/* keys are unique, so mid is one node */
	t->nd[mid].r = t->free;
	t->free = mid;
	return true;
}

bool nx_treap_ceil(const nx_treap *t, int64_t a, int64_t b, int64_t *ra, int64_t *rb)
{
	bool found = false;
	for (uint32_t x = t->root; x != NIL;) {
		if (cmp(t->nd[x].a, t->nd[x].b, a, b) >= 0) {
			*ra = t->nd[x].a, *rb = t->nd[x].b, found = true;
			x = t->nd[x].l;
		} else {
			x = t->nd[x].r;
		}
	}
	return found;
}

bool nx_treap_floor(const nx_treap *t, int64_t a, int64_t b, int64_t *ra, int64_t *rb)
{
	bool found = false;
	for (uint32_t x = t->root; x != NIL;) {
		if (cmp(t->nd[x].a, t->nd[x].b, a, b) <= 0) {
			*ra = t->nd[x].a, *rb = t->nd[x].b, found = true;
			x = t->nd[x].r;
		} else {
			x = t->nd[x].l;
		}
	}
	return found;
}
