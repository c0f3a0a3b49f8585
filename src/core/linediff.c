/* linediff.c — unified line diff of two texts (the Diff view's unified mode
 * and `nex diff`): a minimal edit script by Myers' O(ND) algorithm in its
 * linear-space form (E. Myers, "An O(ND) Difference Algorithm and Its
 * Variations", 1986, section 4b: find the middle snake of an optimal path,
 * recurse on both sides), printed as `diff -u` prints it.
 *
 * Lines are interned first (hash, then bytes on a hash match), so the
 * algorithm compares integers. Exact reductions keep big inputs fast without
 * giving up minimality: the common prefix and suffix are stripped (before
 * hashing, and again at every level of the recursion), and a line that never
 * occurs in the other text cannot be in any common subsequence, so it is
 * marked changed up front and left out of the search (a pass that renames
 * every value then costs O(N), not O(N^2)).
 * What remains costs O((N+M) D) time and O(N+M) space, D the number of
 * changed lines left.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nx.h"

typedef struct text {
	const char **p;   /* line starts */
	uint32_t *len;    /* line lengths, '\n' included when present */
	uint32_t *id;     /* interned line ids */
	uint8_t *chg;     /* 1 = deleted (in a) / inserted (in b) */
	uint32_t n;
} text;

static void split_lines(text *t, const char *s, size_t n)
{
	uint32_t cnt = 0;
	for (const char *q = s, *end = s + n; q < end; cnt++) {
		const char *nl = memchr(q, '\n', (size_t)(end - q));
		q = nl ? nl + 1 : end;
	}
	t->n = cnt;
	t->p = nx_xmalloc((size_t)(cnt + 1) * sizeof *t->p);
	t->len = nx_xmalloc((size_t)(cnt + 1) * sizeof *t->len);
	t->id = nx_xmalloc((size_t)(cnt + 1) * sizeof *t->id);
	t->chg = nx_xcalloc(cnt + 1, 1);
	uint32_t k = 0;
	for (const char *q = s, *end = s + n; q < end; k++) {
		const char *nl = memchr(q, '\n', (size_t)(end - q));
		const char *next = nl ? nl + 1 : end;
		t->p[k] = q;
		t->len[k] = (uint32_t)(next - q);
		q = next;
	}
}

static bool same_line(const text *a, uint32_t i, const text *b, uint32_t j)
{
	return a->len[i] == b->len[j] && !memcmp(a->p[i], b->p[j], a->len[i]);
}

static void free_text(text *t)
{
	free(t->p);
	free(t->len);
	free(t->id);
	free(t->chg);
}

/* Gives every distinct line one id (equal lines, equal ids) and counts how
 * often each id occurs in a and in b. */
typedef struct interner {
	uint32_t *slot;     /* open addressing: id + 1, 0 = empty */
	uint32_t mask;
	uint64_t *hash;     /* by id */
	const char **p;     /* by id: a representative line */
	uint32_t *len;
	uint32_t *in_a, *in_b;
	uint32_t n;
} interner;

static void intern_text(interner *in, text *t, uint32_t from, uint32_t to, bool is_a)
{
	for (uint32_t i = from; i < to; i++) {
		uint64_t h = nx_hash(t->p[i], t->len[i]);
		uint32_t s = (uint32_t)(h ^ h >> 32) & in->mask;
		uint32_t id;
		for (;; s = (s + 1) & in->mask) {
			if (!in->slot[s]) {
				id = in->n++;
				in->slot[s] = id + 1;
				in->hash[id] = h;
				in->p[id] = t->p[i];
				in->len[id] = t->len[i];
				in->in_a[id] = in->in_b[id] = 0;
				break;
			}
			id = in->slot[s] - 1;
			if (in->hash[id] == h && in->len[id] == t->len[i] &&
			    !memcmp(in->p[id], t->p[i], t->len[i]))
				break;
		}
		t->id[i] = id;
		if (is_a)
			in->in_a[id]++;
		else
			in->in_b[id]++;
	}
}

/* The search state: the sequences left after the unique lines went out, the
 * maps back to line numbers, and the two furthest-reaching arrays. */
typedef struct myers {
	const uint32_t *A, *B;
	uint8_t *da, *ib;        /* changed flags, indexed like A and B */
	int32_t *vf, *vb;        /* by diagonal + off */
	int32_t off;
} myers;

#define UNREACHED_F (-1)
#define UNREACHED_B INT32_MAX

/* Finds a point (*mx, *my) on an optimal path from (0,0) to (n,m) through
 * a[0..n) x b[0..m), which both are non-empty and differ in their first and
 * last elements (so the edit distance is at least 2 and the point is neither
 * corner). Diagonal k holds the points with x - y = k; vf[k] is the largest
 * x a forward path of the current cost reaches on it, vb[k] the smallest x
 * a backward path from (n,m) reaches. Only moves that stay in the grid are
 * taken, and the active diagonals grow by one per round until they meet the
 * grid's edges, as in GNU diff's diag(). */
static void middle(myers *s, const uint32_t *a, int32_t n, const uint32_t *b, int32_t m,
		   int32_t *mx, int32_t *my)
{
	int32_t *vf = s->vf + s->off, *vb = s->vb + s->off;
	int32_t delta = n - m;
	bool odd = delta & 1;
	int32_t fmin = 0, fmax = 0, bmin = delta, bmax = delta;
	int32_t x = 0;
	while (x < n && x < m && a[x] == b[x])
		x++;
	vf[0] = x;
	x = n;
	while (x > 0 && x - delta > 0 && a[x - 1] == b[x - 1 - delta])
		x--;
	vb[delta] = x;
	for (;;) {
		/* Forward round. */
		if (fmin > -m)
			vf[--fmin - 1] = UNREACHED_F;
		else
			fmin++;
		if (fmax < n)
			vf[++fmax + 1] = UNREACHED_F;
		else
			fmax--;
		for (int32_t d = fmax; d >= fmin; d -= 2) {
			int32_t lo = vf[d - 1], hi = vf[d + 1];
			x = UNREACHED_F;
			if (lo != UNREACHED_F && lo + 1 <= n)
				x = lo + 1;             /* right from diagonal d-1 */
			if (hi != UNREACHED_F && hi - d <= m && hi > x)
				x = hi;                 /* down from diagonal d+1 */
			if (x == UNREACHED_F) {
				vf[d] = x;
				continue;
			}
			int32_t y = x - d;
			while (x < n && y < m && a[x] == b[y])
				x++, y++;
			vf[d] = x;
			if (odd && bmin <= d && d <= bmax && vb[d] != UNREACHED_B && vb[d] <= x) {
				*mx = x;
				*my = y;
				return;
			}
		}
		/* Backward round. */
		if (bmin > -m)
			vb[--bmin - 1] = UNREACHED_B;
		else
			bmin++;
		if (bmax < n)
			vb[++bmax + 1] = UNREACHED_B;
		else
			bmax--;
		for (int32_t d = bmax; d >= bmin; d -= 2) {
			int32_t lo = vb[d - 1], hi = vb[d + 1];
			x = UNREACHED_B;
			if (hi != UNREACHED_B && hi - 1 >= 0)
				x = hi - 1;             /* left from diagonal d+1 */
			if (lo != UNREACHED_B && lo - d >= 0 && lo < x)
				x = lo;                 /* up from diagonal d-1 */
			if (x == UNREACHED_B) {
				vb[d] = x;
				continue;
			}
			int32_t y = x - d;
			while (x > 0 && y > 0 && a[x - 1] == b[y - 1])
				x--, y--;
			vb[d] = x;
			if (!odd && fmin <= d && d <= fmax && vf[d] != UNREACHED_F && x <= vf[d]) {
				*mx = x;
				*my = y;
				return;
			}
		}
	}
}

/* Marks the changed elements of A[a0..a1) against B[b0..b1). */
static void compare(myers *s, int32_t a0, int32_t a1, int32_t b0, int32_t b1)
{
	for (;;) {
		while (a0 < a1 && b0 < b1 && s->A[a0] == s->B[b0])
			a0++, b0++;
		while (a0 < a1 && b0 < b1 && s->A[a1 - 1] == s->B[b1 - 1])
			a1--, b1--;
		if (a0 == a1) {
			memset(s->ib + b0, 1, (size_t)(b1 - b0));
			return;
		}
		if (b0 == b1) {
			memset(s->da + a0, 1, (size_t)(a1 - a0));
			return;
		}
		int32_t x, y;
		middle(s, s->A + a0, a1 - a0, s->B + b0, b1 - b0, &x, &y);
		/* Recurse on the smaller side, loop on the other: the stack
		 * stays O(log D) deep whatever the input. */
		if (x + y < (a1 - a0 - x) + (b1 - b0 - y)) {
			compare(s, a0, a0 + x, b0, b0 + y);
			a0 += x;
			b0 += y;
		} else {
			compare(s, a0 + x, a1, b0 + y, b1);
			a1 = a0 + x;
			b1 = b0 + y;
		}
	}
}

/* Sets ta->chg and tb->chg to a minimal edit script. */
static void edit_script(text *ta, text *tb)
{
	/* Equal leading and trailing lines belong to some longest common
	 * subsequence; comparing them directly is much cheaper than hashing
	 * them, and they are most of a typical pass's diff. */
	uint32_t pre = 0, suf = 0;
	while (pre < ta->n && pre < tb->n && same_line(ta, pre, tb, pre))
		pre++;
	while (suf < ta->n - pre && suf < tb->n - pre &&
	       same_line(ta, ta->n - 1 - suf, tb, tb->n - 1 - suf))
		suf++;
	uint32_t na = ta->n - pre - suf, nb = tb->n - pre - suf;
	size_t cap = (size_t)na + nb + 1;
	interner in = {
		.hash = nx_xmalloc(cap * sizeof(uint64_t)),
		.p = nx_xmalloc(cap * sizeof(char *)),
		.len = nx_xmalloc(cap * sizeof(uint32_t)),
		.in_a = nx_xmalloc(cap * sizeof(uint32_t)),
		.in_b = nx_xmalloc(cap * sizeof(uint32_t)),
	};
	uint32_t slots = 16;
	while (slots < cap * 2)
		slots *= 2;
	in.slot = nx_xcalloc(slots, sizeof *in.slot);
	in.mask = slots - 1;
	intern_text(&in, ta, pre, pre + na, true);
	intern_text(&in, tb, pre, pre + nb, false);

	/* Lines absent from the other text are changes whatever the script. */
	uint32_t *A = nx_xmalloc((size_t)(na + 1) * sizeof *A);
	uint32_t *B = nx_xmalloc((size_t)(nb + 1) * sizeof *B);
	uint32_t *amap = nx_xmalloc((size_t)(na + 1) * sizeof *amap);
	uint32_t *bmap = nx_xmalloc((size_t)(nb + 1) * sizeof *bmap);
	uint32_t n = 0, m = 0;
	for (uint32_t i = pre; i < pre + na; i++) {
		if (in.in_b[ta->id[i]]) {
			amap[n] = i;
			A[n++] = ta->id[i];
		} else {
			ta->chg[i] = 1;
		}
	}
	for (uint32_t j = pre; j < pre + nb; j++) {
		if (in.in_a[tb->id[j]]) {
			bmap[m] = j;
			B[m++] = tb->id[j];
		} else {
			tb->chg[j] = 1;
		}
	}
	myers s = {
		.A = A, .B = B,
		.da = nx_xcalloc(n + 1, 1), .ib = nx_xcalloc(m + 1, 1),
		.vf = nx_xmalloc(((size_t)n + m + 5) * sizeof(int32_t)),
		.vb = nx_xmalloc(((size_t)n + m + 5) * sizeof(int32_t)),
		.off = (int32_t)m + 2,
	};
	compare(&s, 0, (int32_t)n, 0, (int32_t)m);
	for (uint32_t i = 0; i < n; i++)
		if (s.da[i])
			ta->chg[amap[i]] = 1;
	for (uint32_t j = 0; j < m; j++)
		if (s.ib[j])
			tb->chg[bmap[j]] = 1;
	free(s.da); free(s.ib); free(s.vf); free(s.vb);
	free(A); free(B); free(amap); free(bmap);
	free(in.slot); free(in.hash); free(in.p); free(in.len); free(in.in_a); free(in.in_b);
}

/* ---- output ---- */

static void put_line(nx_strbuf *b, char tag, const text *t, uint32_t i)
{
	nx_strbuf_put(b, &tag, 1);
	nx_strbuf_put(b, t->p[i], t->len[i]);
	if (!t->len[i] || t->p[i][t->len[i] - 1] != '\n')
		nx_strbuf_puts(b, "\n\\ No newline at end of file\n");
}

/* diff's range: "start,count", "start" alone for one line, and for no lines
 * the line before the gap with count 0. */
static void put_range(nx_strbuf *b, uint32_t start, uint32_t count)
{
	char r[48];
	if (count == 1)
		snprintf(r, sizeof r, "%u", start + 1);
	else if (count == 0)
		snprintf(r, sizeof r, "%u,0", start);
	else
		snprintf(r, sizeof r, "%u,%u", start + 1, count);
	nx_strbuf_puts(b, r);
}

/* One run of changed lines: a[i..i+na) became b[j..j+nb). */
typedef struct change {
	uint32_t i, na, j, nb;
} change;

char *nx_unified_diff(const char *a, size_t na, const char *b, size_t nb,
		      const char *name_a, const char *name_b, int ctx)
{
	text ta, tb;
	split_lines(&ta, a, na);
	split_lines(&tb, b, nb);
	edit_script(&ta, &tb);
	if (ctx < 0)
		ctx = 0;

	/* Runs of changes in order; between them a[i] == b[j] line for line. */
	uint32_t nch = 0, cap = 16;
	change *ch = nx_xmalloc(cap * sizeof *ch);
	for (uint32_t i = 0, j = 0; i < ta.n || j < tb.n;) {
		if ((i < ta.n && ta.chg[i]) || (j < tb.n && tb.chg[j])) {
			change c = {i, 0, j, 0};
			while (i < ta.n && ta.chg[i])
				i++;
			while (j < tb.n && tb.chg[j])
				j++;
			c.na = i - c.i;
			c.nb = j - c.j;
			if (nch == cap)
				ch = nx_xrealloc(ch, (size_t)(cap *= 2) * sizeof *ch);
			ch[nch++] = c;
		} else {
			i++;
			j++;
		}
	}

	nx_strbuf out = {0};
	nx_strbuf_puts(&out, ""); /* "" when equal: still an allocated string */
	if (nch) {
		nx_strbuf_puts(&out, "--- ");
		nx_strbuf_puts(&out, name_a ? name_a : "a");
		nx_strbuf_puts(&out, "\n+++ ");
		nx_strbuf_puts(&out, name_b ? name_b : "b");
		nx_strbuf_puts(&out, "\n");
	}
	uint32_t c = (uint32_t)ctx;
	for (uint32_t h = 0; h < nch;) {
		/* A hunk takes changes while the equal gap between them is at
		 * most twice the context. */
		uint32_t e = h;
		while (e + 1 < nch && ch[e + 1].i - (ch[e].i + ch[e].na) <= 2 * c)
			e++;
		uint32_t a0 = ch[h].i > c ? ch[h].i - c : 0;
		uint32_t b0 = ch[h].j - (ch[h].i - a0);
		uint32_t aend = ch[e].i + ch[e].na, bend = ch[e].j + ch[e].nb;
		uint32_t tail = ta.n - aend < c ? ta.n - aend : c;
		aend += tail;
		bend += tail;
		nx_strbuf_puts(&out, "@@ -");
		put_range(&out, a0, aend - a0);
		nx_strbuf_puts(&out, " +");
		put_range(&out, b0, bend - b0);
		nx_strbuf_puts(&out, " @@\n");
		uint32_t i = a0;
		for (uint32_t k = h; k <= e; k++) {
			for (; i < ch[k].i; i++)
				put_line(&out, ' ', &ta, i);
			for (uint32_t t = 0; t < ch[k].na; t++)
				put_line(&out, '-', &ta, i++);
			for (uint32_t t = 0; t < ch[k].nb; t++)
				put_line(&out, '+', &tb, ch[k].j + t);
		}
		for (; i < aend; i++)
			put_line(&out, ' ', &ta, i);
		h = e + 1;
	}
	free(ch);
	free_text(&ta);
	free_text(&tb);
	return out.s; /* caller frees */
}
