/* test_memplan_sweep.c — the planners' O(n log n) road (memplan_sweep.c,
 * treap.c): the treap against a sorted array, the overlap count against
 * brute force, the sweep's plans sound (no two live buffers share a byte,
 * capacity kept, never below the lower bound), and the public planners
 * handing over to the sweep on many overlapping live ranges with a sound
 * plan. Timing is bench_memplan_scale's business, not this test's. */
#include "check.h"
#include "memplan_int.h"

static uint64_t rnd(uint64_t *s)
{
	*s = *s * 6364136223846793005ull + 1442695040888963407ull;
	return *s >> 33;
}

/* The reference: keys kept sorted in an array. */
typedef struct ref {
	int64_t a[4096][2];
	int n;
} ref;

static int kcmp(int64_t a, int64_t b, const int64_t *k)
{
	return a != k[0] ? (a < k[0] ? -1 : 1) : b != k[1] ? (b < k[1] ? -1 : 1) : 0;
}

static void test_treap(void)
{
	static ref r;
	r.n = 0;
	nx_treap t;
	nx_treap_init(&t);
	uint64_t s = 7;
	for (int step = 0; step < 20000; step++) {
		int64_t a = (int64_t)(rnd(&s) % 50), b = (int64_t)(rnd(&s) % 50) - 25;
		int at = 0, found = 0;
		while (at < r.n && kcmp(a, b, r.a[at]) > 0)
			at++;
		found = at < r.n && kcmp(a, b, r.a[at]) == 0;
		int op = (int)(rnd(&s) % 3);
		if (op == 0 && !found && r.n < 4096) {
			nx_treap_insert(&t, a, b);
			memmove(r.a[at + 1], r.a[at], (size_t)(r.n - at) * sizeof r.a[0]);
			r.a[at][0] = a, r.a[at][1] = b, r.n++;
		} else if (op == 1) {
			CHECK(nx_treap_erase(&t, a, b) == (bool)found);
			if (found) {
				memmove(r.a[at], r.a[at + 1], (size_t)(r.n - at - 1) * sizeof r.a[0]);
				r.n--;
			}
		} else {
			int64_t ra = 0, rb = 0;
			bool c = nx_treap_ceil(&t, a, b, &ra, &rb);
			CHECK(c == (at < r.n));
			if (c && at < r.n)
				CHECK(ra == r.a[at][0] && rb == r.a[at][1]);
			int fl = found ? at : at - 1;
			bool f = nx_treap_floor(&t, a, b, &ra, &rb);
			CHECK(f == (fl >= 0));
			if (f && fl >= 0)
				CHECK(ra == r.a[fl][0] && rb == r.a[fl][1]);
		}
	}
	CHECK(t.n <= 4096); /* slots are reused */
	nx_treap_free(&t);
}

static void random_intervals(nx_interval *iv, uint32_t n, uint64_t seed, int64_t span,
			     int64_t maxlen)
{
	for (uint32_t i = 0; i < n; i++) {
		int64_t s0 = (int64_t)(rnd(&seed) % (uint64_t)span);
		int64_t len = (int64_t)(rnd(&seed) % (uint64_t)maxlen);
		int64_t size = (int64_t)(rnd(&seed) % 5000); /* some zero-sized */
		iv[i] = (nx_interval){s0, s0 + len, size};
	}
}

static bool meets(const nx_interval *x, const nx_interval *y)
{
	return x->start <= y->end && y->start <= x->end;
}

static void test_pairs(void)
{
	nx_interval iv[300];
	for (uint64_t seed = 1; seed < 20; seed++) {
		random_intervals(iv, 300, seed, 200, seed * 10);
		uint64_t brute = 0;
		for (int i = 0; i < 300; i++)
			for (int j = i + 1; j < 300; j++)
				brute += meets(&iv[i], &iv[j]);
		CHECK_EQ_INT(nx_plan_overlap_pairs(iv, 300), brute);
	}
	CHECK_EQ_INT(nx_plan_overlap_pairs(iv, 0), 0);
}

/* No two buffers live at one time share a byte; offsets within capacity. */
static int sound(const nx_interval *iv, uint32_t n, const int64_t *off, int64_t cap,
		 int64_t heap)
{
	int64_t top = 0;
	for (uint32_t i = 0; i < n; i++) {
		if (off[i] < 0)
			continue;
		if (cap >= 0 && off[i] + iv[i].size > cap)
			return 0;
		if (off[i] + iv[i].size > top)
			top = off[i] + iv[i].size;
		for (uint32_t j = i + 1; j < n; j++)
			if (off[j] >= 0 && meets(&iv[i], &iv[j]) && off[i] < off[j] + iv[j].size &&
			    off[j] < off[i] + iv[i].size)
				return 0;
	}
	return top == heap;
}

static void test_sweep(void)
{
	enum { N = 800 };
	static nx_interval iv[N];
	static int64_t off[N];
	for (uint64_t seed = 1; seed < 30; seed++) {
		random_intervals(iv, N, seed, 400, (int64_t)seed * 7 + 1);
		int64_t align = seed % 2 ? 64 : 1;
		int64_t heap = nx_plan_sweep(iv, N, align, -1, off);
		CHECK(sound(iv, N, off, -1, heap));
		CHECK(heap >= nx_plan_lower_bound(iv, N));
		for (uint32_t i = 0; i < N; i++)
			CHECK(off[i] >= 0);
		int64_t cap = heap / 2;
		int64_t h2 = nx_plan_sweep(iv, N, align, cap, off);
		CHECK(sound(iv, N, off, cap, h2));
		uint32_t spilled = 0;
		for (uint32_t i = 0; i < N; i++)
			spilled += off[i] < 0;
		CHECK(spilled > 0);
	}
	/* freed blocks are reused: a chain of equal buffers needs two slots */
	for (uint32_t i = 0; i < N; i++)
		iv[i] = (nx_interval){i, i + 1, 100};
	CHECK_EQ_INT(nx_plan_sweep(iv, N, 64, -1, off), 128 + 100);
}

/* 3,000 live ranges [0, i]: 4.5M overlapping pairs, past the greedy
 * planners' budget, so all three hand over to the sweep; the plans stay
 * sound and here reach the lower bound. */
static void test_handover(void)
{
	enum { N = 3000 };
	static nx_interval iv[N];
	static int64_t off[N];
	for (uint32_t i = 0; i < N; i++)
		iv[i] = (nx_interval){0, i, 64 + (i % 7) * 64};
	CHECK(nx_plan_overlap_pairs(iv, N) > 2000000u);
	int64_t lb = nx_plan_lower_bound(iv, N), first = -1;
	int64_t h = nx_plan_bestfit(iv, N, 64, -1, off);
	CHECK(sound(iv, N, off, -1, h));
	CHECK_EQ_INT(h, lb);
	h = nx_plan_firstfit(iv, N, 64, off);
	CHECK(sound(iv, N, off, -1, h));
	h = nx_plan_bestfit_search(iv, N, 64, -1, off, &first);
	CHECK(sound(iv, N, off, -1, h));
	CHECK_EQ_INT(first, h);
	h = nx_plan_bestfit(iv, N, 64, lb / 2, off);
	CHECK(sound(iv, N, off, lb / 2, h));
}

int main(int argc, char **argv)
{
	nx_process_init();
	static const check_case cases[] = {
		{"treap", test_treap},
		{"overlap_pairs", test_pairs},
		{"sweep", test_sweep},
		{"handover", test_handover},
		{NULL, NULL},
	};
	return check_main(cases, argc, argv);
}
