/* memplan_int.h — what memplan.c shares with its helpers inside core: the
 * ordered set (treap.c) and the sweep planner (memplan_sweep.c) that takes
 * over when a plan's overlaps would make the greedy planners quadratic. */
#ifndef NX_MEMPLAN_INT_H
#define NX_MEMPLAN_INT_H

#include "nx.h"

/* ---- treap.c: an ordered set of (a, b) int64 pairs ---- */

typedef struct nx_tnode nx_tnode;
typedef struct nx_treap {
	nx_tnode *nd;      /* slots; caller frees the set with nx_treap_free */
	uint32_t root, free, n, cap;  /* n: slots ever used */
} nx_treap;

void nx_treap_init(nx_treap *t);
void nx_treap_free(nx_treap *t);
/* (a, b) must not be in the set already. */
void nx_treap_insert(nx_treap *t, int64_t a, int64_t b);
/* False when (a, b) was not in the set. */
bool nx_treap_erase(nx_treap *t, int64_t a, int64_t b);
/* The smallest key >= (a, b) / the largest key <= (a, b) into *ra, *rb;
 * false when there is none. */
bool nx_treap_ceil(const nx_treap *t, int64_t a, int64_t b, int64_t *ra, int64_t *rb);
bool nx_treap_floor(const nx_treap *t, int64_t a, int64_t b, int64_t *ra, int64_t *rb);

/* ---- memplan_sweep.c ---- */

/* Pairs of intervals whose live ranges meet: a radix sort, then O(n). */
uint64_t nx_plan_overlap_pairs(const nx_interval *iv, uint32_t n);
/* Best fit in schedule order: one sweep over start and end events with the
 * free blocks in two treaps, O(n log n). capacity < 0: none; a buffer that
 * finds no room below capacity gets offset -1. Returns the heap size. */
int64_t nx_plan_sweep(const nx_interval *iv, uint32_t n, int64_t align, int64_t capacity,
		      int64_t *offset);

#endif
