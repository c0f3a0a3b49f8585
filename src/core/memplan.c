/* memplan.c — arena offsets for buffers with known live ranges, and the
 * SRAM/DRAM placement of the graph's tensors. In core because two layers
 * plan: the sim plans every snapshot it costs, and the plan-memory pass
 * records its plan in the graph (attrs arena, spill) for the sim to follow
 * (nx_memplan_apply checks and applies such a plan).
 *
 * Three planners over the same input (intervals of schedule time, inclusive,
 * with sizes):
 *   - best fit by decreasing size, XLA's GlobalDecreasingSizeBestFitHeap
 *     (xla/service/heap_simulator.cc, "spatial" order): buffers sorted by
 *     size, then longer live range, then index; each takes the smallest free
 *     gap among the already placed buffers whose live ranges overlap its own
 *     (the gap above the last of them up to the current heap size counts),
 *     else goes right above them. Gap starts are aligned, as XLA's are.
 *   - first fit in schedule order: buffers by start time, each in the lowest
 *     gap among the buffers live at that moment. Apple's allocator was seen
 *     with first-fit reuse (`--fdram-allocator=ffreuse` [RE]); it is the
 *     baseline.
 *   - best fit with search (nex's addition): greedy best fit fails when
 *     equal large buffers, placed first, leave no room for a smaller buffer
 *     that lives across them (squeeze-excite blocks, FPN skips). So, while
 *     the heap is above the lower bound: best fit in order of live area
 *     (size x live range, the other common greedy order), a few rounds that
 *     move every buffer
 *     that ended above it to the front of the order ("boosting"), then
 *     restarts whose order is the size jittered by a random factor (a fixed
 *     seed: the same plan every run), within a budget of about a million
 *     placements; the smallest heap is kept. On the PaddleOCR models, raw
 *     and after the default pipeline, this reaches the lower bound where
 *     plain best fit is 5-8 % above it.
 * The plan kept is the smallest heap of these, as XLA's
 * ChooseBestHeapAlgorithm keeps the best of its candidates; so the plan is
 * never worse than first fit. None beats the lower bound: the most bytes
 * live at one time.
 *
 * Placement ("what fits on chip stays there, the rest spills"): graph inputs
 * and outputs, tensors a CPU op touches and tensors larger than the SRAM go
 * to DRAM; the rest are planned best-fit into an arena of `sram` bytes, and
 * whatever finds no room while it is live spills to DRAM. The DRAM arena is
 * planned the same way without a limit. The cost model then reads each
 * operand from the level its buffer got. nx_memplan_place_search (the
 * plan-memory pass's) first plans the on-chip candidates with search and
 * keeps that plan when it fits the SRAM, so fewer buffers spill.
 *
 * Overlap queries use an interval tree over the buffers sorted by start
 * (static shape, built once; a node's subtree max end counts only placed
 * buffers), so a plan costs O(n log n + overlaps).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "memplan_int.h"

/* Re-plans best fit search tries after the first (each costs one plan;
 * they run only while the heap is above the lower bound). */
enum { BOOST_ROUNDS = 4, SEARCH_TRIES = 64 };

static int64_t align_up(int64_t x, int64_t a)
{
	return a <= 1 ? x : (x + a - 1) / a * a;
}

/* ---- ordering ---- */

/* Stable LSD radix sort of idx[0..n) by key[idx[i]] (unsigned), one byte
 * per pass and only as many passes as the largest key needs: the planners
 * sort 100k buffers several times per plan, where qsort's comparator calls
 * were a third of the time. tmp holds n entries. */
typedef struct kv {
	uint64_t k;
	uint32_t idx;
} kv;

static void radix_sort(kv *a, kv *tmp, uint32_t n)
{
	uint64_t max = 0;
	for (uint32_t i = 0; i < n; i++)
		if (a[i].k > max)
			max = a[i].k;
	for (int shift = 0; shift < 64 && (max >> shift); shift += 8) {
		uint32_t count[257] = {0};
		for (uint32_t i = 0; i < n; i++)
			count[((a[i].k >> shift) & 0xff) + 1]++;
		for (int d = 0; d < 256; d++)
			count[d + 1] += count[d];
		for (uint32_t i = 0; i < n; i++)
			tmp[count[(a[i].k >> shift) & 0xff]++] = a[i];
		memcpy(a, tmp, (size_t)n * sizeof *a);
	}
}

enum { BY_START, BY_SIZE_DESC };

/* idx[0..n) = the buffers in the chosen order: by start (then index), or
 * XLA's spatial order, size then live range length, both decreasing (then
 * index). Stable sorts, the tie-breaks come from sorting the least
 * significant key first. */
static void order_by(uint32_t *idx, uint32_t n, const nx_interval *iv, int how)
{
	size_t nn = n ? n : 1;
	kv *a = nx_xmalloc(nn * sizeof *a), *tmp = nx_xmalloc(nn * sizeof *tmp);
	if (how == BY_START) {
		int64_t lo = INT64_MAX;
		for (uint32_t i = 0; i < n; i++)
			if (iv[i].start < lo)
				lo = iv[i].start;
		for (uint32_t i = 0; i < n; i++)
			a[i] = (kv){(uint64_t)(iv[i].start - lo), i};
		radix_sort(a, tmp, n);
	} else {
		int64_t maxlen = 0, maxsize = 0;
		for (uint32_t i = 0; i < n; i++) {
			if (iv[i].end - iv[i].start > maxlen)
				maxlen = iv[i].end - iv[i].start;
			if (iv[i].size > maxsize)
				maxsize = iv[i].size;
		}
		for (uint32_t i = 0; i < n; i++)
			a[i] = (kv){(uint64_t)(maxlen - (iv[i].end - iv[i].start)), i};
		radix_sort(a, tmp, n);
		for (uint32_t i = 0; i < n; i++)
			a[i].k = (uint64_t)(maxsize - iv[a[i].idx].size);
		radix_sort(a, tmp, n);
	}
	for (uint32_t i = 0; i < n; i++)
		idx[i] = a[i].idx;
	free(a);
	free(tmp);
}

/* ---- the interval tree ---- */

/* A static, implicitly balanced search tree over the buffers sorted by
 * start: node k is position k of that order, the root of [lo, hi) is its
 * middle. maxend is the latest end among the placed buffers of a subtree
 * (INT64_MIN while none is), so a query skips unplaced regions. */
typedef struct node {
	int64_t start, end, size, off, maxend;
	uint32_t parent;
	uint8_t placed;
} node;

typedef struct itree {
	node *nd;
	uint32_t *node_of;  /* buffer index -> node */
	uint32_t n;
} itree;

static void build(node *nd, uint32_t lo, uint32_t hi, uint32_t par)
{
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		nd[mid].parent = par;
		build(nd, lo, mid, mid);
		par = mid;
		lo = mid + 1;
	}
}

/* The tree over the buffers with keep[i] set (all when keep is NULL);
 * node_of is indexed by buffer for all n. */
static void itree_init(itree *t, const nx_interval *iv, uint32_t n, const uint8_t *keep)
{
	size_t nn = n ? n : 1;
	uint32_t *sel = nx_xmalloc(nn * sizeof *sel), m = 0;
	for (uint32_t i = 0; i < n; i++)
		if (!keep || keep[i])
			sel[m++] = i;
	nx_interval *sub = nx_xmalloc((m ? m : 1) * sizeof *sub);
	for (uint32_t k = 0; k < m; k++)
		sub[k] = iv[sel[k]];
	uint32_t *order = nx_xmalloc((m ? m : 1) * sizeof *order);
	order_by(order, m, sub, BY_START);
	t->n = m;
	t->nd = nx_xmalloc((m ? m : 1) * sizeof *t->nd);
	t->node_of = nx_xmalloc(nn * sizeof *t->node_of);
	for (uint32_t k = 0; k < m; k++) {
		const nx_interval *b = &sub[order[k]];
		t->nd[k] = (node){b->start, b->end, b->size, 0, INT64_MIN, UINT32_MAX, 0};
		t->node_of[sel[order[k]]] = k;
	}
	free(order);
	free(sub);
	free(sel);
	build(t->nd, 0, m, UINT32_MAX);
}

static void itree_free(itree *t)
{
	free(t->nd);
	free(t->node_of);
}

static void itree_place(itree *t, uint32_t b, int64_t off)
{
	node *nd = t->nd;
	uint32_t k = t->node_of[b];
	nd[k].off = off;
	nd[k].placed = 1;
	int64_t e = nd[k].end;
	for (; k != UINT32_MAX && nd[k].maxend < e; k = nd[k].parent)
		nd[k].maxend = e;
}

typedef struct chunk {
	int64_t off, size;
} chunk;

typedef struct chunks {
	chunk *c;
	uint32_t n, cap;
} chunks;

/* The placed buffers whose live ranges meet [qs, qe]. */
static void query(const itree *t, int64_t qs, int64_t qe, chunks *out)
{
	uint32_t stack[2 * 64][2], sp = 0;
	const node *nd = t->nd;
	stack[sp][0] = 0, stack[sp][1] = t->n, sp++;
	while (sp) {
		sp--;
		uint32_t lo = stack[sp][0], hi = stack[sp][1];
		while (lo < hi) {
			uint32_t mid = lo + (hi - lo) / 2;
			const node *m = &nd[mid];
			if (m->maxend < qs)
				break;
			if (lo < mid)
				stack[sp][0] = lo, stack[sp][1] = mid, sp++;
			if (m->start > qe)
				break;
			if (m->placed && m->end >= qs) {
				if (out->n == out->cap)
					nx_grow((void **)&out->c, &out->cap, out->n + 1, sizeof *out->c);
				out->c[out->n++] = (chunk){m->off, m->size};
			}
			lo = mid + 1;
		}
	}
}

static void sort_chunks(chunk *c, uint32_t n)
{
	for (uint32_t i = 1; i < n; i++) {
		chunk x = c[i];
		uint32_t j = i;
		while (j > 0 && c[j - 1].off > x.off) {
			c[j] = c[j - 1];
			j--;
		}
		c[j] = x;
	}
}

static int cmp_chunk(const void *a, const void *b)
{
	const chunk *x = a, *y = b;
	return x->off < y->off ? -1 : x->off > y->off;
}

/* ---- best fit, decreasing size ---- */

/* Intervals no longer than this are found through buckets by start time
 * (a query scans the buckets from qs minus the longest such interval to qe),
 * longer ones through the interval tree. Graph buffers are mostly short-lived, and a scan of nearby
 * buckets beats a tree walk of random nodes by a wide margin. */
enum { SHORT = 64 };

static int64_t bestfit_in(const nx_interval *iv, uint32_t n, int64_t align, int64_t capacity,
			  const uint32_t *order, int64_t *offset)
{
	size_t nn = n ? n : 1;
	int64_t lo = INT64_MAX, hi = INT64_MIN, win = 0;
	for (uint32_t i = 0; i < n; i++) {
		int64_t len = iv[i].end - iv[i].start;
		if (iv[i].start < lo)
			lo = iv[i].start;
		if (iv[i].start > hi)
			hi = iv[i].start;
		if (len <= SHORT && len > win)
			win = len; /* the longest short one: how far back a query looks */
	}
	/* Buckets only when the time range is not much wider than the buffer
	 * count (true of schedule positions); else everything goes in the tree. */
	bool buckets = n && hi - lo < 4 * (int64_t)n + 1024;
	int32_t *head = NULL, *next = NULL;
	uint8_t *is_long = NULL;
	if (buckets) {
		head = nx_xmalloc((size_t)(hi - lo + 1) * sizeof *head);
		memset(head, 0xff, (size_t)(hi - lo + 1) * sizeof *head);
		next = nx_xmalloc(nn * sizeof *next);
		is_long = nx_xmalloc(nn);
		for (uint32_t i = 0; i < n; i++)
			is_long[i] = iv[i].end - iv[i].start > SHORT;
	}
	itree t;
	itree_init(&t, iv, n, is_long);
	chunks ch = {NULL, 0, 0};
	int64_t heap = 0;
	for (uint32_t k = 0; k < n; k++) {
		uint32_t b = order[k];
		int64_t size = iv[b].size, qs = iv[b].start, qe = iv[b].end;
		ch.n = 0;
		query(&t, qs, qe, &ch);
		if (buckets) {
			int64_t p0 = qs - win > lo ? qs - win : lo, p1 = qe < hi ? qe : hi;
			for (int64_t p = p0; p <= p1; p++)
				for (int32_t j = head[p - lo]; j >= 0; j = next[j])
					if (iv[j].end >= qs) {
						if (ch.n == ch.cap)
							nx_grow((void **)&ch.c, &ch.cap, ch.n + 1, sizeof *ch.c);
						ch.c[ch.n++] = (chunk){offset[j], iv[j].size};
					}
		}
		if (ch.n < 32)
			sort_chunks(ch.c, ch.n);
		else
			qsort(ch.c, ch.n, sizeof *ch.c, cmp_chunk);
		int64_t best = -1, best_size = INT64_MAX, cur = 0;
		for (uint32_t i = 0; i <= ch.n; i++) {
			/* The free space before chunk i; after the last one, up to the
			 * heap size reached so far (XLA's last free chunk). */
			int64_t gap_end = i < ch.n ? ch.c[i].off : heap;
			if (cur < gap_end) {
				int64_t free_size = gap_end - cur;
				bool room = capacity < 0 || cur + size <= capacity;
				if (free_size >= size && free_size < best_size && room) {
					best = cur;
					best_size = free_size;
				}
			}
			if (i < ch.n) {
				int64_t e = align_up(ch.c[i].off + ch.c[i].size, align);
				if (e > cur)
					cur = e;
			}
		}
		if (best < 0 && (capacity < 0 || cur + size <= capacity))
			best = cur;
		offset[b] = best;
		if (best < 0)
			continue;
		if (best + size > heap)
			heap = best + size;
		if (buckets && qe - qs <= SHORT) {
			next[b] = head[qs - lo];
			head[qs - lo] = (int32_t)b;
		} else {
			itree_place(&t, b, best);
		}
	}
	free(ch.c);
	free(head);
	free(next);
	free(is_long);
	itree_free(&t);
	return heap;
}

static int64_t bestfit(const nx_interval *iv, uint32_t n, int64_t align, int64_t capacity,
		       int how, int64_t *offset)
{
	uint32_t *order = nx_xmalloc((size_t)(n ? n : 1) * sizeof *order);
	order_by(order, n, iv, how);
	int64_t heap = bestfit_in(iv, n, align, capacity, order, offset);
	free(order);
	return heap;
}

/* splitmix64: the restarts' randomness, seeded from the input so that a
 * plan is the same on every run. */
static uint64_t mix(uint64_t *st)
{
	uint64_t z = (*st += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

typedef struct rkey {
	double k;
	uint32_t idx;
} rkey;

static int by_rkey(const void *a, const void *b)
{
	const rkey *x = a, *y = b;
	if (x->k != y->k)
		return x->k > y->k ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static int64_t search_raw(const nx_interval *iv, uint32_t n, int64_t align, int64_t lb,
			  int64_t *offset, int64_t *first)
{
	if (lb < 0)
		lb = nx_plan_lower_bound(iv, n);
	size_t nn = n ? n : 1;
	uint32_t *base = nx_xmalloc(nn * sizeof *base), *order = nx_xmalloc(nn * sizeof *order);
	int64_t *off = nx_xmalloc(nn * sizeof *off);
	uint8_t *hot = nx_xcalloc(nn, 1);
	order_by(base, n, iv, BY_SIZE_DESC);
	int64_t best = bestfit_in(iv, n, align, -1, base, offset);
	if (first)
		*first = best;
	memcpy(off, offset, n * sizeof *off);
	rkey *rk = nx_xmalloc(nn * sizeof *rk);
	if (best > lb) {
		/* Largest live area (bytes x time) first: the other common greedy
		 * order, which wins when long-lived mid-size buffers are the
		 * problem (transformer residual streams). */
		for (uint32_t i = 0; i < n; i++)
			rk[i] = (rkey){(double)iv[i].size * (double)(iv[i].end - iv[i].start + 1), i};
		qsort(rk, n, sizeof *rk, by_rkey);
		for (uint32_t i = 0; i < n; i++)
			order[i] = rk[i].idx;
		int64_t h = bestfit_in(iv, n, align, -1, order, off);
		if (h < best) {
			best = h;
			memcpy(offset, off, n * sizeof *off);
		} else {
			memcpy(off, offset, n * sizeof *off);
		}
	}
	/* Boosting: what ended above the lower bound goes first next time. */
	for (int r = 0; r < BOOST_ROUNDS && best > lb; r++) {
		for (uint32_t i = 0; i < n; i++)
			if (off[i] + iv[i].size > lb)
				hot[i] = 1;
		uint32_t k = 0;
		for (uint32_t i = 0; i < n; i++)
			if (hot[base[i]])
				order[k++] = base[i];
		for (uint32_t i = 0; i < n; i++)
			if (!hot[base[i]])
				order[k++] = base[i];
		int64_t h = bestfit_in(iv, n, align, -1, order, off);
		if (h < best) {
			best = h;
			memcpy(offset, off, n * sizeof *off);
		}
	}
	/* Restarts: sizes jittered by a random factor in log space, wider each
	 * round, so that buffers of similar size trade places; within a budget
	 * of about a million placements. */
	if (best > lb) {
		uint64_t st = 0x6e65782d706c616eull ^ (uint64_t)n ^ (uint64_t)lb;
		uint32_t tries = n ? 1000000u / n : 0;
		/* and about 20M overlaps visited, which only graphs near
		 * PAIR_BUDGET reach */
		uint64_t pairs = nx_plan_overlap_pairs(iv, n);
		if (pairs && 20000000u / pairs < tries)
			tries = (uint32_t)(20000000u / pairs);
		if (tries > SEARCH_TRIES)
			tries = SEARCH_TRIES;
		if (tries < 2)
			tries = 2;
		static const double spread[] = {0.5, 1, 2, 4};
		for (uint32_t r = 0; r < tries && best > lb; r++) {
			double w = spread[r % 4];
			for (uint32_t i = 0; i < n; i++) {
				double u = (double)(mix(&st) >> 11) * (1.0 / 9007199254740992.0);
				rk[i] = (rkey){log((double)iv[i].size + 1) + w * (2 * u - 1), i};
			}
			qsort(rk, n, sizeof *rk, by_rkey);
			for (uint32_t i = 0; i < n; i++)
				order[i] = rk[i].idx;
			int64_t h = bestfit_in(iv, n, align, -1, order, off);
			if (h < best) {
				best = h;
				memcpy(offset, off, n * sizeof *off);
			}
		}
	}
	free(rk);
	free(base);
	free(order);
	free(off);
	free(hot);
	return best;
}

static int64_t bestfit_raw(const nx_interval *iv, uint32_t n, int64_t align, int64_t capacity,
			   int64_t *offset)
{
	return bestfit(iv, n, align, capacity, BY_SIZE_DESC, offset);
}

/* ---- first fit, schedule order ---- */

typedef struct active {
	int64_t off, size, end;
} active;

static int64_t firstfit_raw(const nx_interval *iv, uint32_t n, int64_t align, int64_t *offset)
{
	uint32_t *order = nx_xmalloc((size_t)(n ? n : 1) * sizeof *order);
	order_by(order, n, iv, BY_START);
	active *act = NULL;
	uint32_t n_act = 0, cap = 0;
	int64_t heap = 0;
	for (uint32_t k = 0; k < n; k++) {
		uint32_t b = order[k];
		int64_t start = iv[b].start, size = iv[b].size;
		uint32_t w = 0;
		for (uint32_t i = 0; i < n_act; i++)
			if (act[i].end >= start)
				act[w++] = act[i];
		n_act = w;
		int64_t cur = 0;
		uint32_t at = n_act;
		for (uint32_t i = 0; i < n_act; i++) {
			if (cur + size <= act[i].off) {
				at = i;
				break;
			}
			int64_t e = align_up(act[i].off + act[i].size, align);
			if (e > cur)
				cur = e;
		}
		nx_grow((void **)&act, &cap, n_act + 1, sizeof *act);
		memmove(act + at + 1, act + at, (n_act - at) * sizeof *act);
		act[at] = (active){cur, size, iv[b].end};
		n_act++;
		offset[b] = cur;
		if (cur + size > heap)
			heap = cur + size;
	}
	free(act);
	free(order);
	return heap;
}

/* ---- lower bound ---- */

/* ---- buffers sharing one live range, planned as one ---- */

/* A placement looks at every placed buffer whose live range meets its own,
 * so k buffers live at the same time cost O(k^2 log k) (each sorts the
 * others by offset): 20,000 unused graph inputs, all live at position 0,
 * took 24 s in `nex sim`. Buffers with the same live range are live
 * together from start to end, so nothing else can use a gap between them:
 * a run of at least GROUP_MIN of them is planned as one buffer of their
 * aligned sizes, side by side, and the planners see one interval instead
 * of k. Smaller runs are left alone, so ordinary graphs plan exactly as
 * before. */
enum { GROUP_MIN = 16 };

typedef struct grouping {
	nx_interval *iv;  /* the reduced set, in the order of first members */
	uint32_t n;
	uint32_t *rep;    /* buffer -> reduced index */
	int64_t *rel;     /* buffer -> offset inside its group */
} grouping;

/* Fills gr (caller frees with ungroup) and returns true when some run is
 * long enough to group; else false and nothing allocated. */
static bool group(const nx_interval *iv, uint32_t n, int64_t align, grouping *gr)
{
	if (n < GROUP_MIN)
		return false;
	/* by start, then end, then index: two stable radix sorts */
	kv *ks = nx_xmalloc((size_t)n * sizeof *ks), *tmp = nx_xmalloc((size_t)n * sizeof *tmp);
	for (uint32_t i = 0; i < n; i++)
		ks[i] = (kv){(uint64_t)iv[i].end, i};
	radix_sort(ks, tmp, n);
	for (uint32_t i = 0; i < n; i++)
		ks[i].k = (uint64_t)iv[ks[i].idx].start;
	radix_sort(ks, tmp, n);
	uint32_t *idx = nx_xmalloc((size_t)n * sizeof *idx); /* freed below */
	for (uint32_t i = 0; i < n; i++)
		idx[i] = ks[i].idx;
	free(ks);
	free(tmp);
	uint32_t *gid = NULL; /* buffer -> group number + 1 (0: alone) */
	int64_t *gsize = NULL;
	uint32_t n_groups = 0;
	for (uint32_t a = 0, b; a < n; a = b) {
		for (b = a + 1; b < n && iv[idx[b]].start == iv[idx[a]].start &&
				iv[idx[b]].end == iv[idx[a]].end; b++)
			;
		if (b - a < GROUP_MIN)
			continue;
		if (!gid) {
			gid = nx_xcalloc(n, sizeof *gid);
			gr->rel = nx_xmalloc((size_t)n * sizeof *gr->rel);
		}
		gsize = nx_xrealloc(gsize, (size_t)(n_groups + 1) * sizeof *gsize);
		int64_t at = 0;
		for (uint32_t k = a; k < b; k++) {
			at = align_up(at, align);
			gid[idx[k]] = n_groups + 1;
			gr->rel[idx[k]] = at;
			at += iv[idx[k]].size;
		}
		gsize[n_groups++] = at;
	}
	free(idx);
	if (!gid)
		return false;
	gr->iv = nx_xmalloc((size_t)n * sizeof *gr->iv);
	gr->rep = nx_xmalloc((size_t)n * sizeof *gr->rep);
	uint32_t *where = nx_xmalloc((size_t)n_groups * sizeof *where);
	memset(where, 0xff, (size_t)n_groups * sizeof *where);
	gr->n = 0;
	for (uint32_t i = 0; i < n; i++) {
		if (!gid[i]) {
			gr->rel[i] = 0;
			gr->rep[i] = gr->n;
			gr->iv[gr->n++] = iv[i];
			continue;
		}
		uint32_t g = gid[i] - 1;
		if (where[g] == UINT32_MAX) {
			where[g] = gr->n;
			gr->iv[gr->n++] = (nx_interval){iv[i].start, iv[i].end, gsize[g]};
		}
		gr->rep[i] = where[g];
	}
	free(where);
	free(gsize);
	free(gid);
	return true;
}

/* Member offsets from the reduced plan goff (-1 stays -1); frees gr. */
static void ungroup(grouping *gr, uint32_t n, const int64_t *goff, int64_t *offset)
{
	for (uint32_t i = 0; i < n; i++) {
		int64_t o = goff[gr->rep[i]];
		offset[i] = o < 0 ? -1 : o + gr->rel[i];
	}
	free(gr->iv);
	free(gr->rep);
	free(gr->rel);
}

enum { PLAN_BESTFIT, PLAN_SEARCH, PLAN_FIRSTFIT };

/* The greedy planners cost O(n log n + overlaps) per plan, where overlaps
 * is the number of pairs of buffers live at the same time (and first fit
 * O(n x live buffers)). Past this many pairs (about a tenth of a second per
 * greedy plan) every planner hands over to the sweep (memplan_sweep.c),
 * O(n log n) whatever the overlaps: ordinary graphs, far below it, plan
 * exactly as before, and no input makes planning quadratic. */
#define PAIR_BUDGET 2000000u

static int64_t plan_grouped(int how, const nx_interval *iv, uint32_t n, int64_t align,
			    int64_t capacity, int64_t lb, int64_t *offset, int64_t *first)
{
	grouping gr;
	bool grouped = group(iv, n, align, &gr);
	const nx_interval *use = grouped ? gr.iv : iv;
	uint32_t m = grouped ? gr.n : n;
	int64_t *off = grouped ? nx_xmalloc((size_t)m * sizeof *off) : offset;
	bool sweep = nx_plan_overlap_pairs(use, m) > PAIR_BUDGET;
	int64_t heap = sweep ? nx_plan_sweep(use, m, align, how == PLAN_BESTFIT ? capacity : -1,
					     off)
		     : how == PLAN_BESTFIT ? bestfit_raw(use, m, align, capacity, off)
		     : how == PLAN_SEARCH ? search_raw(use, m, align, lb, off, first)
		     : firstfit_raw(use, m, align, off);
	if (sweep && first)
		*first = heap;
	if (grouped) {
		ungroup(&gr, n, off, offset);
		free(off);
	}
	return heap;
}

int64_t nx_plan_bestfit(const nx_interval *iv, uint32_t n, int64_t align, int64_t capacity,
			 int64_t *offset)
{
	return plan_grouped(PLAN_BESTFIT, iv, n, align, capacity, -1, offset, NULL);
}

int64_t nx_plan_bestfit_search(const nx_interval *iv, uint32_t n, int64_t align, int64_t lb,
				int64_t *offset, int64_t *first)
{
	return plan_grouped(PLAN_SEARCH, iv, n, align, -1, lb, offset, first);
}

int64_t nx_plan_firstfit(const nx_interval *iv, uint32_t n, int64_t align, int64_t *offset)
{
	return plan_grouped(PLAN_FIRSTFIT, iv, n, align, -1, -1, offset, NULL);
}

int64_t nx_plan_lower_bound(const nx_interval *iv, uint32_t n)
{
	int64_t lo = INT64_MAX, hi = INT64_MIN;
	for (uint32_t i = 0; i < n; i++) {
		if (iv[i].start < lo)
			lo = iv[i].start;
		if (iv[i].end > hi)
			hi = iv[i].end;
	}
	int64_t cur = 0, best = 0;
	if (n && hi - lo < 4 * (int64_t)n + 1024) {
		/* Schedule positions: a difference array over time. */
		int64_t *d = nx_xcalloc((size_t)(hi - lo + 2), sizeof *d);
		for (uint32_t i = 0; i < n; i++) {
			d[iv[i].start - lo] += iv[i].size;
			d[iv[i].end + 1 - lo] -= iv[i].size;
		}
		for (int64_t t = 0; t <= hi - lo; t++) {
			cur += d[t];
			if (cur > best)
				best = cur;
		}
		free(d);
		return best;
	}
	/* Sparse times: starts and ends (end + 1, the first time a buffer is
	 * free) sorted apart, then merged; at equal times frees go first. */
	size_t nn = n ? n : 1;
	uint32_t *by_s = nx_xmalloc(nn * sizeof *by_s), *by_e = nx_xmalloc(nn * sizeof *by_e);
	nx_interval *ends = nx_xmalloc(nn * sizeof *ends);
	for (uint32_t i = 0; i < n; i++)
		ends[i] = (nx_interval){iv[i].end + 1, 0, iv[i].size};
	order_by(by_s, n, iv, BY_START);
	order_by(by_e, n, ends, BY_START);
	uint32_t i = 0, j = 0;
	while (i < n) {
		if (j < n && ends[by_e[j]].start <= iv[by_s[i]].start) {
			cur -= ends[by_e[j++]].size;
		} else {
			cur += iv[by_s[i++]].size;
			if (cur > best)
				best = cur;
		}
	}
	free(by_s);
	free(by_e);
	free(ends);
	return best;
}

/* ---- XLA-style heap simulator ---- */

const char *nx_algo_name(int a)
{
	static const char *names[NX_ALGO_COUNT] = {"bestfit", "firstfit", "bestfit-search"};
	return a >= 0 && a < NX_ALGO_COUNT ? names[a] : "?";
}

struct nx_heap {
	int64_t align, time;
	nx_interval *iv;   /* by id */
	uint8_t *seen;
	uint32_t n, cap;
};

nx_heap *nx_heap_new(int64_t alignment)
{
	nx_heap *h = nx_xcalloc(1, sizeof *h);
	h->align = alignment < 1 ? 1 : alignment;
	return h;
}

static void heap_reserve(nx_heap *h, uint32_t id)
{
	if (id < h->n)
		return;
	uint32_t cap = h->cap;
	nx_grow((void **)&h->iv, &h->cap, id + 1, sizeof *h->iv);
	if (cap != h->cap)
		h->seen = nx_xrealloc(h->seen, h->cap);
	memset(h->seen + h->n, 0, id + 1 - h->n);
	h->n = id + 1;
}

void nx_heap_alloc(nx_heap *h, uint32_t id, int64_t size)
{
	heap_reserve(h, id);
	h->seen[id] = size > 0 ? 1 : 2; /* 2: zero-sized, offset 0, no time step */
	h->iv[id] = (nx_interval){h->time, -1, size};
	if (size > 0)
		h->time++;
}

void nx_heap_free_buf(nx_heap *h, uint32_t id)
{
	if (id >= h->n || h->seen[id] != 1 || h->iv[id].end >= 0)
		return;
	h->iv[id].end = h->time++;
}

int64_t nx_heap_finish(nx_heap *h, int algo, int64_t *offsets, uint32_t n_offsets)
{
	nx_interval *iv = nx_xmalloc((size_t)(h->n ? h->n : 1) * sizeof *iv);
	uint32_t *ids = nx_xmalloc((size_t)(h->n ? h->n : 1) * sizeof *ids);
	int64_t *off = nx_xmalloc((size_t)(h->n ? h->n : 1) * sizeof *off);
	uint32_t m = 0;
	for (uint32_t id = 0; id < h->n; id++)
		if (h->seen[id] == 1) {
			iv[m] = h->iv[id];
			if (iv[m].end < 0)
				iv[m].end = h->time; /* never freed: live to the end */
			ids[m++] = id;
		}
	int64_t heap = algo == NX_ALGO_FIRSTFIT ? nx_plan_firstfit(iv, m, h->align, off)
		       : algo == NX_ALGO_SEARCH ? nx_plan_bestfit_search(iv, m, h->align, -1, off,
									   NULL)
		       : nx_plan_bestfit(iv, m, h->align, -1, off);
	for (uint32_t i = 0; i < n_offsets; i++)
		offsets[i] = i < h->n && h->seen[i] == 2 ? 0 : -1;
	for (uint32_t i = 0; i < m; i++)
		if (ids[i] < n_offsets)
			offsets[ids[i]] = off[i];
	free(iv);
	free(ids);
	free(off);
	return heap;
}

void nx_heap_free(nx_heap *h)
{
	if (!h)
		return;
	free(h->iv);
	free(h->seen);
	free(h);
}

/* ---- the graph's plan ---- */

void nx_memplan_free(nx_memplan *mp)
{
	free(mp->live_sram);
	free(mp->live_dram);
	memset(mp, 0, sizeof *mp);
}

/* Best fit over the subset sel[0..m) of l->bufs; offsets into out[]:
 * within capacity (-1: none), or with search (no capacity). */
static int64_t plan_subset(const nx_live *l, const uint32_t *sel, uint32_t m, int64_t align,
			   int64_t capacity, bool search, int64_t *out)
{
	nx_interval *iv = nx_xmalloc((size_t)(m ? m : 1) * sizeof *iv);
	for (uint32_t i = 0; i < m; i++) {
		const nx_buf *b = &l->bufs[sel[i]];
		iv[i] = (nx_interval){b->start, b->end, b->size};
	}
	int64_t heap = search ? nx_plan_bestfit_search(iv, m, align, -1, out, NULL)
			      : nx_plan_bestfit(iv, m, align, capacity, out);
	free(iv);
	return heap;
}

void nx_memplan_arena(nx_live *l, const nx_target *t, nx_memplan *mp)
{
	uint32_t n = l->n_bufs;
	size_t nn = n ? n : 1;
	nx_interval *iv = nx_xmalloc(nn * sizeof *iv);
	for (uint32_t i = 0; i < n; i++)
		iv[i] = (nx_interval){l->bufs[i].start, l->bufs[i].end, l->bufs[i].size};
	int64_t *off_bf = nx_xmalloc(nn * sizeof *off_bf);
	int64_t *off_ff = nx_xmalloc(nn * sizeof *off_ff);
	mp->lower_bound = nx_plan_lower_bound(iv, n);
	mp->peak_algo[NX_ALGO_SEARCH] =
		nx_plan_bestfit_search(iv, n, t->align, mp->lower_bound, off_bf,
					&mp->peak_algo[NX_ALGO_BESTFIT]);
	mp->peak_algo[NX_ALGO_FIRSTFIT] = nx_plan_firstfit(iv, n, t->align, off_ff);
	/* The search only ever keeps a plan smaller than plain best fit's, so
	 * the choice is between it (or plain best fit when equal) and first fit. */
	mp->algo = mp->peak_algo[NX_ALGO_SEARCH] < mp->peak_algo[NX_ALGO_BESTFIT]
			   ? NX_ALGO_SEARCH : NX_ALGO_BESTFIT;
	if (mp->peak_algo[NX_ALGO_FIRSTFIT] < mp->peak_algo[mp->algo])
		mp->algo = NX_ALGO_FIRSTFIT;
	mp->peak = mp->peak_algo[mp->algo];
	const int64_t *off = mp->algo == NX_ALGO_FIRSTFIT ? off_ff : off_bf;
	for (uint32_t i = 0; i < n; i++)
		l->bufs[i].arena_off = off[i];
	free(iv);
	free(off_ff);
	free(off_bf);
}

/* Arena sizes, counts and live bytes per position and level, from the
 * buffers' levels and offsets. */
static void tally(const nx_live *l, nx_memplan *mp)
{
	free(mp->live_sram);
	free(mp->live_dram);
	mp->sram_peak = mp->dram_peak = mp->spilled_bytes = 0;
	mp->n_sram = mp->n_dram = mp->n_spilled = 0;
	uint32_t np = l->n_pos ? l->n_pos : 1;
	mp->live_sram = nx_xcalloc((size_t)np + 1, sizeof *mp->live_sram);
	mp->live_dram = nx_xcalloc((size_t)np + 1, sizeof *mp->live_dram);
	for (uint32_t i = 0; i < l->n_bufs; i++) {
		const nx_buf *b = &l->bufs[i];
		bool sram = b->level == NX_SRAM;
		int64_t *peak = sram ? &mp->sram_peak : &mp->dram_peak;
		if (b->offset + b->size > *peak)
			*peak = b->offset + b->size;
		if (sram)
			mp->n_sram++;
		else
			mp->n_dram++;
		if (b->why == NX_WHY_SPILL) {
			mp->n_spilled++;
			mp->spilled_bytes += b->size;
		}
		int64_t *a = sram ? mp->live_sram : mp->live_dram;
		a[b->start] += b->size;
		a[b->end + 1] -= b->size;
	}
	for (uint32_t p = 1; p <= np; p++) {
		mp->live_sram[p] += mp->live_sram[p - 1];
		mp->live_dram[p] += mp->live_dram[p - 1];
	}
}

/* Resets the target-dependent reasons and selects the buffers that may go
 * on chip into sel; returns their count. */
static uint32_t eligible(nx_live *l, const nx_target *t, uint32_t *sel)
{
	uint32_t m = 0;
	for (uint32_t i = 0; i < l->n_bufs; i++) {
		nx_buf *b = &l->bufs[i];
		if (b->why == NX_WHY_SPILL || b->why == NX_WHY_BIG)
			b->why = NX_WHY_FITS; /* decided afresh for this target */
		if (b->why == NX_WHY_FITS && b->size > t->sram)
			b->why = NX_WHY_BIG;
		if (b->why == NX_WHY_FITS)
			sel[m++] = i;
	}
	return m;
}

/* Everything not on chip goes to the DRAM arena. */
static void place_dram(nx_live *l, const nx_target *t, bool search, uint32_t *sel, int64_t *so)
{
	uint32_t m = 0;
	for (uint32_t i = 0; i < l->n_bufs; i++)
		if (l->bufs[i].why != NX_WHY_FITS)
			sel[m++] = i;
	plan_subset(l, sel, m, t->align, -1, search, so);
	for (uint32_t k = 0; k < m; k++) {
		nx_buf *b = &l->bufs[sel[k]];
		b->level = NX_DRAM;
		b->offset = so[k];
	}
}

static void place(nx_live *l, const nx_target *t, bool search, nx_memplan *mp)
{
	size_t nn = l->n_bufs ? l->n_bufs : 1;
	uint32_t *sel = nx_xmalloc(nn * sizeof *sel);
	int64_t *so = nx_xmalloc(nn * sizeof *so);
	uint32_t m = eligible(l, t, sel);
	/* With search, the eligible buffers are first planned without a limit:
	 * if that heap fits the SRAM, nothing spills. Else (and without search)
	 * best fit within `sram`, spilling what finds no room. */
	bool fit = search && plan_subset(l, sel, m, t->align, -1, true, so) <= t->sram;
	if (!fit)
		plan_subset(l, sel, m, t->align, t->sram, false, so);
	for (uint32_t k = 0; k < m; k++) {
		nx_buf *b = &l->bufs[sel[k]];
		if (so[k] < 0) {
			b->why = NX_WHY_SPILL;
		} else {
			b->level = NX_SRAM;
			b->offset = so[k];
		}
	}
	place_dram(l, t, search, sel, so);
	free(sel);
	free(so);
	mp->recorded = 0;
	tally(l, mp);
}

void nx_memplan_place(nx_live *l, const nx_target *t, nx_memplan *mp)
{
	place(l, t, false, mp);
}

void nx_memplan_place_search(nx_live *l, const nx_target *t, nx_memplan *mp)
{
	place(l, t, true, mp);
}

/* A recorded SRAM plan is sound if no two buffers live at the same time
 * share a byte: sweep by start time, keeping the live buffers sorted by
 * offset (pairwise disjoint so far, so only the neighbours of a new one can
 * overlap it). sel[0..m) are buffers in start order. On a clash, *a and *b
 * get the two buffers and false is returned. */
static bool disjoint(const nx_live *l, const uint32_t *sel, uint32_t m, uint32_t *a, uint32_t *b)
{
	uint32_t *act = nx_xmalloc((size_t)(m ? m : 1) * sizeof *act), n = 0;
	bool ok = true;
	for (uint32_t k = 0; k < m && ok; k++) {
		const nx_buf *x = &l->bufs[sel[k]];
		uint32_t w = 0;
		for (uint32_t i = 0; i < n; i++)
			if (l->bufs[act[i]].end >= x->start)
				act[w++] = act[i];
		n = w;
		uint32_t lo = 0, hi = n; /* first active buffer at or above x's offset */
		while (lo < hi) {
			uint32_t mid = lo + (hi - lo) / 2;
			if (l->bufs[act[mid]].offset < x->offset)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo > 0) {
			const nx_buf *p = &l->bufs[act[lo - 1]];
			if (p->offset + p->size > x->offset)
				ok = false, *a = act[lo - 1], *b = sel[k];
		}
		if (ok && lo < n && x->offset + x->size > l->bufs[act[lo]].offset)
			ok = false, *a = act[lo], *b = sel[k];
		memmove(act + lo + 1, act + lo, (size_t)(n - lo) * sizeof *act);
		act[lo] = sel[k];
		n++;
	}
	free(act);
	return ok;
}

static const char *why_name(int why)
{
	return why == NX_WHY_IO ? "a graph input or output (the host hands it over in DRAM)"
	       : why == NX_WHY_CPU ? "read or written by a CPU op" : "larger than the SRAM";
}

int nx_memplan_apply(const nx_graph *g, nx_live *l, const nx_target *t, const uint8_t *spill,
		     const int64_t *offset, nx_memplan *mp, nx_err *err)
{
	size_t nn = l->n_bufs ? l->n_bufs : 1;
	uint32_t *sel = nx_xmalloc(nn * sizeof *sel);
	int64_t *so = nx_xmalloc(nn * sizeof *so);
	eligible(l, t, sel);
	uint32_t m = 0;
	int rc = 0;
	for (uint32_t i = 0; i < l->n_bufs && !rc; i++) {
		nx_buf *b = &l->bufs[i];
		const char *name = nx_vname(g, b->value);
		if (spill[i]) {
			if (b->why == NX_WHY_FITS)
				b->why = NX_WHY_SPILL;
			continue;
		}
		if (b->why != NX_WHY_FITS) {
			nx_err_set(err, "value %%%s: the plan keeps it on chip, but it is %s", name,
				   why_name(b->why));
			rc = -1;
		} else if (offset[i] < 0 || offset[i] > t->sram - b->size) {
			nx_err_set(err, "value %%%s: on-chip offset %lld + %lld bytes is outside "
				   "the %lld bytes of SRAM", name, (long long)offset[i],
				   (long long)b->size, (long long)t->sram);
			rc = -1;
		} else {
			b->level = NX_SRAM;
			b->offset = offset[i];
			sel[m++] = i;
		}
	}
	/* sel is in buffer order, which is start order: inputs at 0, then
	 * results by their producer's position. */
	uint32_t x, y;
	if (!rc && !disjoint(l, sel, m, &x, &y)) {
		char a[256];
		snprintf(a, sizeof a, "%s", nx_vname(g, l->bufs[x].value));
		nx_err_set(err, "values %%%s and %%%s are live at the same time and share "
			   "on-chip bytes", a, nx_vname(g, l->bufs[y].value));
		rc = -1;
	}
	if (!rc) {
		place_dram(l, t, true, sel, so);
		mp->recorded = 1;
		tally(l, mp);
	}
	free(sel);
	free(so);
	return rc;
}

void nx_memplan_run(nx_live *l, const nx_target *t, nx_memplan *mp)
{
	nx_memplan_free(mp);
	nx_memplan_arena(l, t, mp);
	nx_memplan_place(l, t, mp);
}
