/* test_diff.c — the IR diff by stable id on hand-made clones (an attribute
 * changed, ops added, erased, moved, renamed, retyped), and the unified line
 * diff: exact output on small cases (as GNU diff -u prints them), minimality
 * against a brute-force LCS on random inputs, and 100k-line texts, each
 * result checked by applying it back as a patch. */
#include <stdint.h>

#include "check.h"
#include "nx.h"

/* ---- IR diff ---- */

/* %x: f32[1,3,8,8]; %c = conv(%x, %w) {pads}; %a = add(%c, %k); %r = relu(%a). */
typedef struct fix {
	nx_graph *g;
	uint32_t x, w, k;
	uint32_t conv, add, relu;
} fix;

static uint32_t res(const nx_graph *g, uint32_t op)
{
	return nx_result(g, op, 0);
}

static uint32_t konst(nx_graph *g, const char *name, int rank, const int64_t *dims)
{
	nx_type t = nx_type_make(NX_F32, rank, dims);
	return nx_const_new(g, name, nx_blob_new_fill(&t, NX_FILL_ONES, 0), NULL);
}

static fix build(void)
{
	fix f;
	nx_err err;
	nx_graph *g = f.g = nx_graph_new("t");
	static const int64_t xd[] = {1, 3, 8, 8}, wd[] = {4, 3, 3, 3}, kd[] = {1, 4, 1, 1};
	nx_type xt = nx_type_make(NX_F32, 4, xd);
	f.x = nx_value_new(g, "x", nx_type_intern(g, &xt), &err);
	nx_graph_add_input(g, f.x);
	f.w = konst(g, "w", 4, wd);
	f.k = konst(g, "k", 4, kd);
	const char *cn[] = {"c"}, *an[] = {"a"}, *rn[] = {"r"};
	uint32_t cin[] = {f.x, f.w};
	f.conv = nx_op_new(g, NX_OP_CONV, cin, 2, 1, cn, NX_NONE, &err);
	static const int64_t pads[] = {1, 1, 1, 1};
	nx_attr_set_ints(g, f.conv, "pads", pads, 4);
	nx_attr_set_i(g, f.conv, "group", 1);
	uint32_t ain[] = {res(g, f.conv), f.k};
	f.add = nx_op_new(g, NX_OP_ADD, ain, 2, 1, an, NX_NONE, &err);
	uint32_t rin[] = {res(g, f.add)};
	f.relu = nx_op_new(g, NX_OP_RELU, rin, 1, 1, rn, NX_NONE, &err);
	nx_graph_add_output(g, res(g, f.relu));
	if (nx_infer_graph(g, &err))
		fprintf(stderr, "fixture does not infer: %s\n", err.msg);
	return f;
}

static void check_entry(const nx_diff *d, uint32_t i, uint32_t op, int change, uint32_t what)
{
	CHECK(i < d->n);
	if (i >= d->n)
		return;
	CHECK_EQ_INT(d->e[i].op, op);
	CHECK_EQ_INT(d->e[i].change, change);
	CHECK_EQ_INT(d->e[i].what, what);
}

static void t_identical(void)
{
	fix f = build();
	nx_graph *b = nx_graph_clone(f.g);
	nx_diff *d = nx_diff_graphs(f.g, b);
	CHECK_EQ_INT(d->n, 0);
	CHECK_EQ_INT(d->added + d->removed + d->changed, 0);
	nx_diff_free(d);
	nx_graph_free(b);
	nx_graph_free(f.g);
}

static void t_attr_changed(void)
{
	fix f = build();
	nx_graph *b = nx_graph_clone(f.g);
	nx_attr_set_i(b, f.conv, "group", 3);
	nx_diff *d = nx_diff_graphs(f.g, b);
	CHECK_EQ_INT(d->n, 1);
	CHECK_EQ_INT(d->changed, 1);
	check_entry(d, 0, f.conv, NX_DIFF_CHANGED, NX_DIFF_ATTRS);
	nx_diff_free(d);
	nx_graph_free(b);
	nx_graph_free(f.g);
}

static void t_attr_order_ignored(void)
{
	fix f = build();
	nx_graph *b = nx_graph_clone(f.g);
	/* Same attributes, stored as {group, pads} instead of {pads, group}. */
	nx_attr_del(b, f.conv, "pads");
	static const int64_t pads[] = {1, 1, 1, 1};
	nx_attr_set_ints(b, f.conv, "pads", pads, 4);
	CHECK_STR(nx_cstr(b, b->attrs[b->ops[f.conv].attr].name), "group");
	nx_diff *d = nx_diff_graphs(f.g, b);
	CHECK_EQ_INT(d->n, 0);
	nx_diff_free(d);
	/* An attribute added is a change even when the others match. */
	nx_attr_set_ints(b, f.conv, "strides", (const int64_t[]){1, 1}, 2);
	d = nx_diff_graphs(f.g, b);
	CHECK_EQ_INT(d->n, 1);
	check_entry(d, 0, f.conv, NX_DIFF_CHANGED, NX_DIFF_ATTRS);
	nx_diff_free(d);
	nx_graph_free(b);
	nx_graph_free(f.g);
}

static void t_added_at_end(void)
{
	fix f = build();
	nx_graph *b = nx_graph_clone(f.g);
	nx_err err;
	uint32_t in[] = {res(b, f.relu)};
	uint32_t s = nx_op_new(b, NX_OP_SIGMOID, in, 1, 1, NULL, NX_NONE, &err);
	nx_graph_set_output(b, 0, res(b, s));
	nx_diff *d = nx_diff_graphs(f.g, b);
	CHECK_EQ_INT(d->n, 1);
	CHECK_EQ_INT(d->added, 1);
	check_entry(d, 0, s, NX_DIFF_ADDED, 0);
	nx_diff_free(d);
	/* Reversed: the same op reads as removed. */
	d = nx_diff_graphs(b, f.g);
	CHECK_EQ_INT(d->n, 1);
	CHECK_EQ_INT(d->removed, 1);
	check_entry(d, 0, s, NX_DIFF_REMOVED, 0);
	nx_diff_free(d);
	nx_graph_free(b);
	nx_graph_free(f.g);
}

static void t_inserted_middle(void)
{
	/* neg inserted between add and relu: relu reads it (operands), but its
	 * predecessor among the common ops is still add, so no order change. */
	fix f = build();
	nx_graph *b = nx_graph_clone(f.g);
	nx_err err;
	uint32_t in[] = {res(b, f.add)};
	const char *nn[] = {"n"};
	uint32_t n = nx_op_new(b, NX_OP_NEG, in, 1, 1, nn, f.relu, &err);
	nx_op_set_operand(b, f.relu, 0, res(b, n));
	nx_diff *d = nx_diff_graphs(f.g, b);
	CHECK_EQ_INT(d->n, 2);
	check_entry(d, 0, n, NX_DIFF_ADDED, 0);
	check_entry(d, 1, f.relu, NX_DIFF_CHANGED, NX_DIFF_OPERANDS);
	nx_diff_free(d);
	nx_graph_free(b);
	nx_graph_free(f.g);
}

static void t_erased(void)
{
	fix f = build();
	nx_graph *b = nx_graph_clone(f.g);
	nx_value_replace_uses(b, res(b, f.relu), res(b, f.add));
	CHECK_EQ_INT(nx_op_erase(b, f.relu), 0);
	nx_diff *d = nx_diff_graphs(f.g, b);
	CHECK_EQ_INT(d->n, 1);
	CHECK_EQ_INT(d->removed, 1);
	check_entry(d, 0, f.relu, NX_DIFF_REMOVED, 0);
	nx_diff_free(d);
	nx_graph_free(b);
	nx_graph_free(f.g);
}

static void t_sorted_removed_last(void)
{
	/* conv's consumer chain replaced: erase add and relu, add a new relu
	 * straight on conv. Entries: changes and additions in b's schedule
	 * order, then removals in a's order. */
	fix f = build();
	nx_graph *b = nx_graph_clone(f.g);
	nx_err err;
	uint32_t in[] = {res(b, f.conv)};
	const char *nn[] = {"r2"};
	uint32_t r2 = nx_op_new(b, NX_OP_RELU, in, 1, 1, nn, NX_NONE, &err);
	nx_value_replace_uses(b, res(b, f.relu), res(b, r2));
	CHECK_EQ_INT(nx_op_erase(b, f.relu), 0);
	CHECK_EQ_INT(nx_op_erase(b, f.add), 0);
	nx_attr_set_i(b, f.conv, "group", 3);
	nx_diff *d = nx_diff_graphs(f.g, b);
	CHECK_EQ_INT(d->n, 4);
	CHECK_EQ_INT(d->added, 1);
	CHECK_EQ_INT(d->removed, 2);
	CHECK_EQ_INT(d->changed, 1);
	check_entry(d, 0, f.conv, NX_DIFF_CHANGED, NX_DIFF_ATTRS);
	check_entry(d, 1, r2, NX_DIFF_ADDED, 0);
	check_entry(d, 2, f.add, NX_DIFF_REMOVED, 0);
	check_entry(d, 3, f.relu, NX_DIFF_REMOVED, 0);
	nx_diff_free(d);
	nx_graph_free(b);
	nx_graph_free(f.g);
}

static void t_moved(void)
{
	/* Six independent ops p0..p5 on %x; p1 moves to the end. Only p1 and
	 * p2 (whose common predecessor was p1) change order. */
	nx_graph *a = nx_graph_new("m");
	static const int64_t xd[] = {1, 4};
	nx_type xt = nx_type_make(NX_F32, 2, xd);
	nx_err err;
	uint32_t x = nx_value_new(a, "x", nx_type_intern(a, &xt), &err);
	nx_graph_add_input(a, x);
	uint32_t p[6];
	for (int i = 0; i < 6; i++) {
		p[i] = nx_op_new(a, NX_OP_RELU, &x, 1, 1, NULL, NX_NONE, &err);
		nx_graph_add_output(a, res(a, p[i]));
	}
	CHECK_EQ_INT(nx_infer_graph(a, &err), 0);
	nx_graph *b = nx_graph_clone(a);
	nx_op_move_before(b, p[1], NX_NONE);
	nx_diff *d = nx_diff_graphs(a, b);
	CHECK_EQ_INT(d->n, 2);
	check_entry(d, 0, p[2], NX_DIFF_CHANGED, NX_DIFF_ORDER);
	check_entry(d, 1, p[1], NX_DIFF_CHANGED, NX_DIFF_ORDER);
	nx_diff_free(d);
	/* Erasing p3 does not reorder anyone: p4's common predecessor is p2
	 * in both (p3 is not common). */
	nx_graph *c = nx_graph_clone(a);
	nx_graph_set_output(c, 3, x);
	CHECK_EQ_INT(nx_op_erase(c, p[3]), 0);
	d = nx_diff_graphs(a, c);
	CHECK_EQ_INT(d->n, 1);
	check_entry(d, 0, p[3], NX_DIFF_REMOVED, 0);
	nx_diff_free(d);
	nx_graph_free(c);
	nx_graph_free(b);
	nx_graph_free(a);
}

static void t_types_names_kind(void)
{
	fix f = build();
	nx_graph *b = nx_graph_clone(f.g);
	nx_type t = *nx_vtype(b, res(b, f.conv));
	t.layout = NX_LAYOUT_NHWC;
	nx_value_set_type(b, res(b, f.conv), &t);
	nx_err err;
	CHECK_EQ_INT(nx_value_rename(b, res(b, f.add), "sum", &err), 0);
	b->ops[f.relu].kind = NX_OP_SIGMOID;
	nx_diff *d = nx_diff_graphs(f.g, b);
	CHECK_EQ_INT(d->n, 3);
	check_entry(d, 0, f.conv, NX_DIFF_CHANGED, NX_DIFF_TYPES);
	check_entry(d, 1, f.add, NX_DIFF_CHANGED, NX_DIFF_NAMES);
	/* relu reads %sum now: the text reads differently, so operands too. */
	check_entry(d, 2, f.relu, NX_DIFF_CHANGED, NX_DIFF_KIND | NX_DIFF_OPERANDS);
	nx_diff_free(d);
	nx_graph_free(b);
	nx_graph_free(f.g);
}

static void t_operands_by_name(void)
{
	/* %k replaced by a new constant of the same name: a new value id, the
	 * same text, so add is unchanged. Another name is a change. */
	fix f = build();
	nx_graph *b = nx_graph_clone(f.g);
	static const int64_t kd[] = {1, 4, 1, 1};
	nx_op_set_operand(b, f.add, 1, NX_NONE);
	nx_value_erase(b, f.k);
	uint32_t k2 = konst(b, "k", 4, kd);
	CHECK(k2 != f.k);
	nx_op_set_operand(b, f.add, 1, k2);
	nx_diff *d = nx_diff_graphs(f.g, b);
	CHECK_EQ_INT(d->n, 0);
	nx_diff_free(d);
	uint32_t k3 = konst(b, "k3", 4, kd);
	nx_op_set_operand(b, f.add, 1, k3);
	d = nx_diff_graphs(f.g, b);
	CHECK_EQ_INT(d->n, 1);
	check_entry(d, 0, f.add, NX_DIFF_CHANGED, NX_DIFF_OPERANDS);
	nx_diff_free(d);
	nx_graph_free(b);
	nx_graph_free(f.g);
}

static void t_names_of_bits(void)
{
	CHECK_STR(nx_diff_what_name(NX_DIFF_ATTRS), "attrs");
	CHECK_STR(nx_diff_what_name(NX_DIFF_ORDER), "order");
	CHECK(nx_diff_what_name(3) == NULL);
	CHECK_STR(nx_diff_change_name(NX_DIFF_REMOVED), "removed");
}

/* ---- unified line diff ---- */

typedef struct rng {
	uint64_t s;
} rng;

static uint32_t rnd(rng *r, uint32_t n)
{
	r->s ^= r->s << 13;
	r->s ^= r->s >> 7;
	r->s ^= r->s << 17;
	return (uint32_t)(r->s % n);
}

typedef struct lines {
	const char **p;
	size_t *len;
	size_t n;
} lines;

static lines split(const char *s, size_t n)
{
	lines l = {malloc((n + 1) * sizeof(char *)), malloc((n + 1) * sizeof(size_t)), 0};
	size_t start = 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] == '\n') {
			l.p[l.n] = s + start;
			l.len[l.n++] = i + 1 - start;
			start = i + 1;
		}
	if (start < n) {
		l.p[l.n] = s + start;
		l.len[l.n++] = n - start;
	}
	return l;
}

static void free_lines(lines *l)
{
	free(l->p);
	free(l->len);
}

typedef struct sbuf {
	char *s;
	size_t n, cap;
} sbuf;

static void sput(sbuf *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		b->cap = (b->n + n + 1) * 2;
		b->s = realloc(b->s, b->cap);
	}
	memcpy(b->s + b->n, s, n);
	b->n += n;
	b->s[b->n] = 0;
}

/* "s,l" or "s" (l = 1). */
static const char *range(const char *p, long *s, long *l)
{
	char *e;
	*s = strtol(p, &e, 10);
	*l = 1;
	if (*e == ',')
		*l = strtol(e + 1, &e, 10);
	return e;
}

/* Applies unified diff u to a, strictly: headers, hunk positions and
 * counts, context and removed lines must all match a. Returns the result
 * (caller frees) or NULL if u is malformed; counts the +/- lines. */
static char *apply(const char *a, size_t na, const char *u, size_t *out_n, long *plus,
		   long *minus)
{
	lines la = split(a, na), lu = split(u, strlen(u));
	sbuf out = {0};
	sput(&out, "", 0);
	size_t cur = 0, k = 0;
	bool ok = true;
	*plus = *minus = 0;
	if (lu.n) {
		ok = lu.n >= 3 && !strncmp(lu.p[0], "--- ", 4) && !strncmp(lu.p[1], "+++ ", 4);
		k = 2;
	}
	while (ok && k < lu.n) {
		long s1, l1, s2, l2;
		if (strncmp(lu.p[k], "@@ -", 4)) {
			ok = false;
			break;
		}
		const char *e = range(lu.p[k] + 4, &s1, &l1);
		if (strncmp(e, " +", 2)) {
			ok = false;
			break;
		}
		e = range(e + 2, &s2, &l2);
		if (strncmp(e, " @@\n", 4)) {
			ok = false;
			break;
		}
		k++;
		size_t start = (size_t)(l1 == 0 ? s1 : s1 - 1);
		if (start < cur || start > la.n) {
			ok = false;
			break;
		}
		for (; cur < start; cur++)
			sput(&out, la.p[cur], la.len[cur]);
		/* The new side must start where the output stands. */
		size_t out_lines = 0;
		for (size_t i = 0; i < out.n; i++)
			out_lines += out.s[i] == '\n';
		if ((long)(l2 == 0 ? out_lines : out_lines + 1) != (l2 == 0 ? s2 : s2))
			ok = false;
		long o = 0, n = 0;
		while (ok && (o < l1 || n < l2) && k < lu.n) {
			char tag = lu.p[k][0];
			const char *txt = lu.p[k] + 1;
			size_t tl = lu.len[k] - 1;
			k++;
			if (k < lu.n && !strncmp(lu.p[k], "\\ No newline at end of file\n", 28)) {
				tl--; /* the line had no '\n' */
				k++;
			}
			if (tag == ' ' || tag == '-') {
				if (cur >= la.n || la.len[cur] != tl || memcmp(la.p[cur], txt, tl)) {
					ok = false;
					break;
				}
				cur++;
				o++;
			}
			if (tag == ' ' || tag == '+') {
				sput(&out, txt, tl);
				n++;
			}
			if (tag == '-')
				++*minus;
			else if (tag == '+')
				++*plus;
			else if (tag != ' ')
				ok = false;
		}
		if (o != l1 || n != l2)
			ok = false;
	}
	for (; ok && cur < la.n; cur++)
		sput(&out, la.p[cur], la.len[cur]);
	free_lines(&la);
	free_lines(&lu);
	if (!ok) {
		free(out.s);
		return NULL;
	}
	*out_n = out.n;
	return out.s;
}

/* LCS length of the line sequences, by the quadratic DP (two rows). */
static long lcs(const lines *a, const lines *b)
{
	long *prev = calloc(b->n + 1, sizeof(long)), *row = calloc(b->n + 1, sizeof(long));
	for (size_t i = 1; i <= a->n; i++) {
		for (size_t j = 1; j <= b->n; j++) {
			bool eq = a->len[i - 1] == b->len[j - 1] &&
				  !memcmp(a->p[i - 1], b->p[j - 1], a->len[i - 1]);
			long best = prev[j] > row[j - 1] ? prev[j] : row[j - 1];
			row[j] = eq ? prev[j - 1] + 1 : best;
		}
		long *t = prev;
		prev = row;
		row = t;
	}
	long r = prev[b->n];
	free(prev);
	free(row);
	return r;
}

/* The diff of a and b applies back to b and is minimal (+/- lines =
 * n + m - 2 LCS); with want_lcs < 0 the LCS is computed here. */
static void check_minimal(const char *a, const char *b, int ctx, long want_lcs)
{
	size_t na = strlen(a), nb = strlen(b);
	char *u = nx_unified_diff(a, na, b, nb, "A", "B", ctx);
	size_t n;
	long plus, minus;
	char *back = apply(a, na, u, &n, &plus, &minus);
	CHECK(back != NULL);
	if (back) {
		CHECK(n == nb && !memcmp(back, b, nb));
		lines la = split(a, na), lb = split(b, nb);
		long l = want_lcs >= 0 ? want_lcs : lcs(&la, &lb);
		CHECK_EQ_INT(plus + minus, (long)la.n + (long)lb.n - 2 * l);
		CHECK_EQ_INT(minus, (long)la.n - l);
		if (plus + minus != (long)la.n + (long)lb.n - 2 * l)
			fprintf(stderr, "a:\n%s\nb:\n%s\ndiff:\n%s\n", a, b, u);
		free_lines(&la);
		free_lines(&lb);
	}
	if ((na == nb && !memcmp(a, b, na)))
		CHECK_STR(u, "");
	free(back);
	free(u);
}

static void t_unified_exact(void)
{
	const char *a = "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n", *b = "a\nb\nX\nd\ne\nf\ng\nh\nY\nj\n";
	char *u = nx_unified_diff(a, strlen(a), b, strlen(b), "A", "B", 3);
	CHECK_STR(u, "--- A\n+++ B\n@@ -1,10 +1,10 @@\n a\n b\n-c\n+X\n d\n e\n f\n g\n h\n"
		  "-i\n+Y\n j\n");
	free(u);
	u = nx_unified_diff(a, strlen(a), b, strlen(b), "A", "B", 1);
	CHECK_STR(u, "--- A\n+++ B\n@@ -2,3 +2,3 @@\n b\n-c\n+X\n d\n@@ -8,3 +8,3 @@\n h\n-i\n"
		  "+Y\n j\n");
	free(u);
	u = nx_unified_diff(a, strlen(a), a, strlen(a), "A", "B", 3);
	CHECK_STR(u, "");
	free(u);
}

/* Lines "01".."20" with line x and line y replaced by X and Y. */
static size_t numbered(char *buf, size_t n, int x, int y)
{
	size_t k = 0;
	for (int i = 1; i <= 20; i++) {
		if (i == x || i == y)
			k += (size_t)snprintf(buf + k, n - k, "%c\n", i == x ? 'X' : 'Y');
		else
			k += (size_t)snprintf(buf + k, n - k, "%02d\n", i);
	}
	return k;
}

static void t_unified_hunk_split(void)
{
	/* GNU diff -u merges hunks whose gap is at most 2 x context: a gap of
	 * 6 merges, a gap of 7 splits. */
	char a[128], b[128], c[128];
	size_t ka = numbered(a, sizeof a, 0, 0);
	size_t kb = numbered(b, sizeof b, 3, 11), kc = numbered(c, sizeof c, 3, 10);
	char *u = nx_unified_diff(a, ka, b, kb, "A", "B", 3);
	CHECK_STR(u, "--- A\n+++ B\n@@ -1,6 +1,6 @@\n 01\n 02\n-03\n+X\n 04\n 05\n 06\n"
		  "@@ -8,7 +8,7 @@\n 08\n 09\n 10\n-11\n+Y\n 12\n 13\n 14\n");
	free(u);
	u = nx_unified_diff(a, ka, c, kc, "A", "B", 3);
	CHECK_CONTAINS(u, "@@ -1,13 +1,13 @@\n");
	CHECK(strstr(u, "@@ -8") == NULL);
	free(u);
}

static void t_unified_no_newline(void)
{
	char *u = nx_unified_diff("a\nb", 3, "a\nc", 3, "E", "F", 3);
	CHECK_STR(u, "--- E\n+++ F\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n"
		  "+c\n\\ No newline at end of file\n");
	free(u);
	u = nx_unified_diff("", 0, "a\nb", 3, "G", "E", 3);
	CHECK_STR(u, "--- G\n+++ E\n@@ -0,0 +1,2 @@\n+a\n+b\n\\ No newline at end of file\n");
	free(u);
	u = nx_unified_diff("a\nb", 3, "", 0, "E", "G", 3);
	CHECK_STR(u, "--- E\n+++ G\n@@ -1,2 +0,0 @@\n-a\n-b\n\\ No newline at end of file\n");
	free(u);
	/* "b" and "b\n" are different lines. */
	u = nx_unified_diff("a\nb", 3, "a\nb\n", 4, "E", "H", 0);
	CHECK_STR(u, "--- E\n+++ H\n@@ -2 +2 @@\n-b\n\\ No newline at end of file\n+b\n");
	free(u);
	/* An insertion with no context: the old range is the line before. */
	u = nx_unified_diff("a\nb\nc\n", 6, "a\nb\nN\nc\n", 8, "A", "B", 0);
	CHECK_STR(u, "--- A\n+++ B\n@@ -2,0 +3 @@\n+N\n");
	free(u);
}

static char *random_text(rng *r, int max_lines, int alphabet, bool nl_end)
{
	int n = (int)rnd(r, (uint32_t)max_lines + 1);
	char *s = malloc((size_t)n * 2 + 2);
	int k = 0;
	for (int i = 0; i < n; i++) {
		s[k++] = (char)('a' + rnd(r, (uint32_t)alphabet));
		s[k++] = '\n';
	}
	if (!nl_end && k)
		k--;
	s[k] = 0;
	return s;
}

static void t_random_minimal(void)
{
	rng r = {88172645463325252ull};
	for (int it = 0; it < 4000; it++) {
		int alpha = 2 + (int)rnd(&r, 4);
		char *a = random_text(&r, 14, alpha, rnd(&r, 8) != 0);
		char *b;
		if (rnd(&r, 2)) {
			b = random_text(&r, 14, alpha, rnd(&r, 8) != 0);
		} else {
			/* b as a few edits of a, to get long common runs. */
			size_t na = strlen(a);
			b = malloc(na + 64);
			size_t k = 0;
			for (size_t i = 0; i < na; i += 2) {
				uint32_t op = rnd(&r, 10);
				if (op == 0)
					continue;
				if (op == 1) {
					b[k++] = (char)('a' + rnd(&r, (uint32_t)alpha));
					b[k++] = '\n';
				}
				b[k++] = a[i];
				if (i + 1 < na)
					b[k++] = '\n';
			}
			b[k] = 0;
		}
		check_minimal(a, b, (int)rnd(&r, 4), -1);
		free(a);
		free(b);
	}
}

static void t_medium_minimal(void)
{
	/* 2000 lines from five, about one in ten edited: enough that the
	 * divide and conquer recurses many levels. */
	rng r = {12345};
	for (int it = 0; it < 3; it++) {
		int n = 2000;
		char *a = malloc((size_t)n * 2 + 1), *b = malloc((size_t)n * 4 + 1);
		size_t ka = 0, kb = 0;
		for (int i = 0; i < n; i++) {
			char c = (char)('a' + rnd(&r, 5));
			a[ka++] = c;
			a[ka++] = '\n';
			uint32_t op = rnd(&r, 20);
			if (op == 0)
				continue;
			if (op == 1) {
				b[kb++] = (char)('a' + rnd(&r, 5));
				b[kb++] = '\n';
			}
			b[kb++] = op == 2 ? (char)('a' + rnd(&r, 5)) : c;
			b[kb++] = '\n';
		}
		a[ka] = b[kb] = 0;
		check_minimal(a, b, 3, -1);
		free(a);
		free(b);
	}
}

/* 100k lines of printer-like text; `repeats` makes most lines one of a few
 * (so the search, not the unique-line shortcut, does the work). Edits at
 * spread-out places: changed, deleted, inserted lines. */
static void big_case(bool repeats)
{
	enum { N = 100000, EDITS = 40 };
	rng r = {repeats ? 7u : 3u};
	sbuf a = {0}, b = {0};
	sput(&a, "", 0);
	sput(&b, "", 0);
	long kept = 0;
	for (int i = 0; i < N; i++) {
		char line[96];
		int k = repeats ? snprintf(line, sizeof line, "  %%t = %s(%%u) : f32[1,%u]\n",
					   i % 3 ? "relu" : "add", rnd(&r, 4))
				: snprintf(line, sizeof line, "  %%v%d = relu(%%v%d) : f32[1,%d]\n",
					   i, i - 1, i % 17);
		sput(&a, line, (size_t)k);
		uint32_t e = (i % (N / EDITS) == 1234) ? rnd(&r, 3) : 3;
		if (e == 0) /* changed */
			sput(&b, "  %new = sigmoid(%q) : f16[9]\n", 30);
		else if (e == 1) /* deleted */
			;
		else if (e == 2) { /* inserted before, kept */
			sput(&b, "  %ins = neg(%q) : f16[9]\n", 26);
			sput(&b, line, (size_t)k);
			kept++;
		} else {
			sput(&b, line, (size_t)k);
			kept++;
		}
	}
	/* With unique lines the LCS is the kept lines; with repeats it can
	 * only be longer, and the +/- count is checked against the DP-free
	 * bound below. */
	char *u = nx_unified_diff(a.s, a.n, b.s, b.n, "a.nex", "b.nex", 3);
	size_t n;
	long plus, minus;
	char *back = apply(a.s, a.n, u, &n, &plus, &minus);
	CHECK(back != NULL);
	CHECK(back && n == b.n && !memcmp(back, b.s, n));
	lines la = split(a.s, a.n), lb = split(b.s, b.n);
	if (!repeats)
		CHECK_EQ_INT(plus + minus, (long)la.n + (long)lb.n - 2 * kept);
	else
		CHECK(plus + minus <= (long)la.n + (long)lb.n - 2 * kept);
	CHECK(plus + minus > 0);
	free_lines(&la);
	free_lines(&lb);
	free(back);
	free(u);
	free(a.s);
	free(b.s);
}

static void t_big_unique(void)
{
	big_case(false);
}

static void t_big_repeats(void)
{
	big_case(true);
}

static void t_big_all_different(void)
{
	/* Every line renamed: no line in common, so no search at all. */
	sbuf a = {0}, b = {0};
	sput(&a, "", 0);
	sput(&b, "", 0);
	for (int i = 0; i < 100000; i++) {
		char line[64];
		int k = snprintf(line, sizeof line, "%%a%d = relu\n", i);
		sput(&a, line, (size_t)k);
		k = snprintf(line, sizeof line, "%%b%d = relu\n", i);
		sput(&b, line, (size_t)k);
	}
	char *u = nx_unified_diff(a.s, a.n, b.s, b.n, "a", "b", 3);
	size_t n;
	long plus, minus;
	char *back = apply(a.s, a.n, u, &n, &plus, &minus);
	CHECK(back && n == b.n && !memcmp(back, b.s, n));
	CHECK_EQ_INT(plus, 100000);
	CHECK_EQ_INT(minus, 100000);
	free(back);
	free(u);
	free(a.s);
	free(b.s);
}

int main(int argc, char **argv)
{
	static const check_case cases[] = {
		{"identical", t_identical},
		{"attr_changed", t_attr_changed},
		{"attr_order_ignored", t_attr_order_ignored},
		{"added_at_end", t_added_at_end},
		{"inserted_middle", t_inserted_middle},
		{"erased", t_erased},
		{"sorted_removed_last", t_sorted_removed_last},
		{"moved", t_moved},
		{"types_names_kind", t_types_names_kind},
		{"operands_by_name", t_operands_by_name},
		{"names_of_bits", t_names_of_bits},
		{"unified_exact", t_unified_exact},
		{"unified_hunk_split", t_unified_hunk_split},
		{"unified_no_newline", t_unified_no_newline},
		{"random_minimal", t_random_minimal},
		{"medium_minimal", t_medium_minimal},
		{"big_unique", t_big_unique},
		{"big_repeats", t_big_repeats},
		{"big_all_different", t_big_all_different},
		{NULL, NULL},
	};
	return check_main(cases, argc, argv);
}
