/* onnx_einsum.c — an ONNX Einsum node lowered at import to registry ops:
 * transpose, reshape, matmul, reduce_sum and (for a diagonal) gather.
 *
 * Why lowered and not an op of its own: every contraction a model writes
 * (matmul-like, batched, transposed, a label summed away) is a batched
 * matmul between transposes and reshapes, which nex already has with
 * kernels, NE costs (a matmul is a MAC op, an einsum op would be CPU
 * fallback), passes that know them (cancel-transposes, fuse-patterns) and
 * every dtype those ops take. Export writes the lowered ops, not Einsum.
 *
 * The equation is parsed into one label per axis; "..." stands for the
 * leading axes of the operand not named by letters, aligned from the right
 * as numpy broadcasts them. Without "->" the output is the ellipsis axes,
 * then the letters used once, in ASCII order (ONNX's implicit mode). Then,
 * per operand: a label repeated inside one operand takes the diagonal
 * (the two axes moved last, merged, and every (n+1)th element gathered);
 * a label in no other operand and not in the output is summed
 * (reduce_sum). Operands are contracted left to right: each pair is
 * transposed to [batch, kept, summed] and [batch, summed, kept], reshaped
 * to 3-D, multiplied (matmul) and reshaped back; a last transpose puts the
 * output's order. A label must have the same size everywhere it appears
 * (broadcasting a size-1 ellipsis axis against a larger one is refused).
 */
#include <stdlib.h>
#include <string.h>

#include "onnx_int.h"

enum { N_LETTERS = 52, N_LABELS = N_LETTERS + NX_MAX_RANK };

typedef struct term {
	int rank;
	int lab[NX_MAX_RANK];
} term;

typedef struct einsum {
	nx_onnx_imp *im;
	int64_t dim[N_LABELS];      /* size of each label, -1 unseen */
	uint32_t made;              /* ops made so far */
} einsum;

static int letter(char c)
{
	if (c >= 'a' && c <= 'z')
		return c - 'a';
	if (c >= 'A' && c <= 'Z')
		return 26 + c - 'A';
	return -1;
}

/* Label of the ASCII-order position k (uppercase before lowercase). */
static int ascii_label(int k)
{
	return k < 26 ? 26 + k : k - 26;
}

/* Counts the labelled axes of a term's text and whether it has "...". */
static int scan(nx_onnx_imp *im, const char *s, size_t n, int *letters, bool *ell)
{
	*letters = 0;
	*ell = false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == ' ')
			continue;
		if (s[i] == '.') {
			if (*ell || i + 2 >= n + 0 || s[i + 1] != '.' || s[i + 2] != '.')
				return nx_onnx_fail(im, "equation: a lone '.' or a second \"...\" in "
						    "one term");
			*ell = true;
			i += 2;
			continue;
		}
		if (letter(s[i]) < 0)
			return nx_onnx_fail(im, "equation: '%c' is not a letter", s[i]);
		++*letters;
	}
	return 0;
}

/* Fills t from the term's text; the ellipsis covers e of e_max axes. */
static void fill(const char *s, size_t n, int e, int e_max, term *t)
{
	t->rank = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == ' ')
			continue;
		if (s[i] == '.') {
			for (int j = 0; j < e; j++)
				t->lab[t->rank++] = N_LETTERS + e_max - e + j;
			i += 2;
			continue;
		}
		t->lab[t->rank++] = letter(s[i]);
	}
}

static int find(const term *t, int lab, int from)
{
	for (int i = from; i < t->rank; i++)
		if (t->lab[i] == lab)
			return i;
	return -1;
}

/* One op of the lowering on operand values in; *v = its result. */
static uint32_t begin(einsum *e, int kind, const uint32_t *in, uint32_t n_in)
{
	e->made++;
	return nx_onnx_op_new(e->im, kind, in, n_in, 1, (const char *const[]){NULL});
}

static int transpose(einsum *e, uint32_t *v, term *t, const int *perm)
{
	bool id = true;
	for (int i = 0; i < t->rank; i++)
		id &= perm[i] == i;
	if (id)
		return 0;
	uint32_t op = begin(e, NX_OP_TRANSPOSE, v, 1);
	if (op == NX_NONE)
		return -1;
	int64_t p[NX_MAX_RANK];
	term nt = {.rank = t->rank};
	for (int i = 0; i < t->rank; i++) {
		p[i] = perm[i];
		nt.lab[i] = t->lab[perm[i]];
	}
	nx_attr_set_ints(e->im->g, op, "perm", p, (uint32_t)t->rank);
	*t = nt;
	return nx_onnx_op_done(e->im, op, v);
}

static int reshape(einsum *e, uint32_t *v, const int64_t *dims, int rank)
{
	const nx_type *x = nx_vtype(e->im->g, *v);
	if (x->rank == rank && !memcmp(x->dims, dims, (size_t)rank * sizeof *dims))
		return 0;
	uint32_t op = begin(e, NX_OP_RESHAPE, v, 1);
	if (op == NX_NONE)
		return -1;
	nx_attr_set_ints(e->im->g, op, "shape", dims, (uint32_t)rank);
	return nx_onnx_op_done(e->im, op, v);
}

/* The diagonal of the axes a < b (same label): moved last, merged, every
 * (n+1)th element gathered; the label stays once, last. */
static int diagonal(einsum *e, uint32_t *v, term *t, int a, int b)
{
	int perm[NX_MAX_RANK], k = 0;
	for (int i = 0; i < t->rank; i++)
		if (i != a && i != b)
			perm[k++] = i;
	perm[k++] = a;
	perm[k++] = b;
	if (transpose(e, v, t, perm))
		return -1;
	int64_t n = e->dim[t->lab[t->rank - 1]], dims[NX_MAX_RANK];
	for (int i = 0; i < t->rank - 2; i++)
		dims[i] = e->dim[t->lab[i]];
	dims[t->rank - 2] = n * n;
	if (reshape(e, v, dims, t->rank - 1))
		return -1;
	int64_t *idx = nx_xmalloc((size_t)n * sizeof *idx); /* freed below */
	for (int64_t i = 0; i < n; i++)
		idx[i] = i * (n + 1);
	nx_type it = {.dtype = NX_I64, .rank = 1, .dims = {n}};
	bool ok;
	uint32_t iv = nx_onnx_def_const(e->im, NULL, &it, idx, &ok);
	free(idx);
	if (!ok)
		return -1;
	uint32_t in[2] = {*v, iv};
	uint32_t op = begin(e, NX_OP_GATHER, in, 2);
	if (op == NX_NONE)
		return -1;
	nx_attr_set_i(e->im->g, op, "axis", t->rank - 2);
	t->rank--;
	return nx_onnx_op_done(e->im, op, v);
}

/* Sums the axes whose labels keep[] does not hold. */
static int reduce(einsum *e, uint32_t *v, term *t, const bool *keep)
{
	int64_t axes[NX_MAX_RANK];
	int n = 0;
	term nt = {0};
	for (int i = 0; i < t->rank; i++) {
		if (keep[t->lab[i]])
			nt.lab[nt.rank++] = t->lab[i];
		else
			axes[n++] = i;
	}
	if (!n)
		return 0;
	uint32_t op = begin(e, NX_OP_REDUCE_SUM, v, 1);
	if (op == NX_NONE)
		return -1;
	nx_attr_set_ints(e->im->g, op, "axes", axes, (uint32_t)n);
	nx_attr_set_i(e->im->g, op, "keepdims", 0);
	*t = nt;
	return nx_onnx_op_done(e->im, op, v);
}

/* Diagonals, then the sums of labels that keep[] does not hold. */
static int prepare(einsum *e, uint32_t *v, term *t, const bool *keep)
{
	for (int a = 0; a < t->rank; a++) {
		int b = find(t, t->lab[a], a + 1);
		if (b >= 0) {
			if (diagonal(e, v, t, a, b))
				return -1;
			a = -1; /* the axes moved: look again */
		}
	}
	return reduce(e, v, t, keep);
}

/* Appends to order the labels of t that pick() accepts, with perm and
 * the product of their sizes. */
static int64_t group(const einsum *e, const term *t, const term *o, bool in_other, bool kept,
		     const bool *keep, int *perm, int *k, term *res)
{
	int64_t p = 1;
	for (int i = 0; i < t->rank; i++) {
		int l = t->lab[i];
		if ((find(o, l, 0) >= 0) != in_other || keep[l] != kept)
			continue;
		perm[(*k)++] = i;
		p *= e->dim[l];
		if (res)
			res->lab[res->rank++] = l;
	}
	return p;
}

/* a := a x b over their shared labels that keep[] does not hold. */
static int contract(einsum *e, uint32_t *a, term *ta, uint32_t b, term tb, const bool *keep)
{
	int pa[NX_MAX_RANK], pb[NX_MAX_RANK], ka = 0, kb = 0;
	term res = {0};
	/* A: [batch, kept, summed]; B: [batch, summed, kept] */
	int64_t nb = group(e, ta, &tb, true, true, keep, pa, &ka, &res);
	group(e, &tb, ta, true, true, keep, pb, &kb, NULL);
	int64_t m = group(e, ta, &tb, false, true, keep, pa, &ka, &res);
	int64_t k = group(e, ta, &tb, true, false, keep, pa, &ka, NULL);
	group(e, &tb, ta, true, false, keep, pb, &kb, NULL);
	int64_t n = group(e, &tb, ta, false, true, keep, pb, &kb, &res);
	/* batch labels in B's order must follow A's: sort B's batch part by
	 * A's (both list them in their own axis order) */
	int nbatch = 0;
	for (int i = 0; i < ta->rank; i++)
		nbatch += find(&tb, ta->lab[i], 0) >= 0 && keep[ta->lab[i]];
	for (int i = 0; i < nbatch; i++)
		pb[i] = find(&tb, ta->lab[pa[i]], 0);
	int64_t ksum = 0;
	for (int i = nbatch; i < ka; i++)
		if (!keep[ta->lab[pa[i]]] && find(&tb, ta->lab[pa[i]], 0) >= 0)
			pb[nbatch + ksum++] = find(&tb, ta->lab[pa[i]], 0);
	if (transpose(e, a, ta, pa) || transpose(e, &b, &tb, pb))
		return -1;
	/* Batch labels stay separate axes (matmul batches over them, and an
	 * operand already in order needs no reshape); [B, M, K] merged only
	 * when they would not fit the rank limit. */
	int64_t da[NX_MAX_RANK], db[NX_MAX_RANK];
	int r = nbatch + 2 <= NX_MAX_RANK ? nbatch : 1;
	if (r == nbatch)
		for (int i = 0; i < nbatch; i++)
			da[i] = db[i] = e->dim[res.lab[i]];
	else
		da[0] = db[0] = nb;
	da[r] = m;
	da[r + 1] = k;
	db[r] = k;
	db[r + 1] = n;
	if (reshape(e, a, da, r + 2) || reshape(e, &b, db, r + 2))
		return -1;
	uint32_t in[2] = {*a, b};
	uint32_t op = begin(e, NX_OP_MATMUL, in, 2);
	if (op == NX_NONE || nx_onnx_op_done(e->im, op, a))
		return -1;
	int64_t dims[NX_MAX_RANK];
	for (int i = 0; i < res.rank; i++)
		dims[i] = e->dim[res.lab[i]];
	if (res.rank > NX_MAX_RANK)
		return nx_onnx_fail(e->im, "the contraction has rank above %d", NX_MAX_RANK);
	*ta = res;
	return reshape(e, a, dims, res.rank);
}

int nx_onnx_tr_einsum(nx_onnx_imp *im)
{
	const Onnx__NodeProto *nd = im->node;
	char eq[512];
	nx_onnx_attr_str(nd, "equation", "", eq, sizeof eq);
	if (!eq[0])
		return nx_onnx_fail(im, "has no equation");
	if (strlen(eq) >= sizeof eq - 1)
		return nx_onnx_fail(im, "equation is longer than %zu characters", sizeof eq - 2);
	size_t n_in = nd->n_input;
	if (!n_in || n_in > 16)
		return nx_onnx_fail(im, "has %zu inputs; nex lowers 1 to 16", n_in);
	if (nd->n_output != 1 || !nd->output[0] || !nd->output[0][0])
		return nx_onnx_fail(im, "needs exactly one named output");
	uint32_t in[16];
	for (size_t i = 0; i < n_in; i++) {
		if (nx_onnx_operand(im, (uint32_t)i, &in[i]))
			return -1;
		if (in[i] == NX_NONE)
			return nx_onnx_fail(im, "input %zu is absent", i);
	}
	/* split into terms */
	const char *arrow = strstr(eq, "->");
	size_t lhs_n = arrow ? (size_t)(arrow - eq) : strlen(eq);
	const char *ts[16];
	size_t tn[16];
	size_t k = 0;
	for (const char *p = eq;;) {
		const char *c = memchr(p, ',', lhs_n - (size_t)(p - eq));
		if (k == 16)
			return nx_onnx_fail(im, "equation has more terms than inputs");
		ts[k] = p;
		tn[k++] = c ? (size_t)(c - p) : lhs_n - (size_t)(p - eq);
		if (!c)
			break;
		p = c + 1;
	}
	if (k != n_in)
		return nx_onnx_fail(im, "equation \"%s\" has %zu terms for %zu inputs", eq, k, n_in);
	einsum e = {.im = im};
	for (int i = 0; i < N_LABELS; i++)
		e.dim[i] = -1;
	term t[16];
	int e_max = 0, ew[16];
	for (size_t i = 0; i < n_in; i++) {
		int letters;
		bool ell;
		if (scan(im, ts[i], tn[i], &letters, &ell))
			return -1;
		const nx_type *x = nx_vtype(im->g, in[i]);
		ew[i] = x->rank - letters;
		if (ew[i] < 0 || (!ell && ew[i]))
			return nx_onnx_fail(im, "term %zu \"%.*s\" does not match input %zu's rank %d",
					    i, (int)tn[i], ts[i], i, x->rank);
		if (ew[i] > e_max)
			e_max = ew[i];
	}
	for (size_t i = 0; i < n_in; i++) {
		fill(ts[i], tn[i], ew[i], e_max, &t[i]);
		const nx_type *x = nx_vtype(im->g, in[i]);
		for (int a = 0; a < t[i].rank; a++) {
			int l = t[i].lab[a];
			if (e.dim[l] >= 0 && e.dim[l] != x->dims[a])
				return nx_onnx_fail(im, "label of axis %d of input %zu has size %lld here "
						    "and %lld elsewhere (nex does not broadcast "
						    "einsum labels)", a, i, (long long)x->dims[a],
						    (long long)e.dim[l]);
			e.dim[l] = x->dims[a];
		}
	}
	term out = {0};
	if (arrow) {
		const char *r = arrow + 2;
		int letters;
		bool ell;
		if (scan(im, r, strlen(r), &letters, &ell))
			return -1;
		if (letters + (ell ? e_max : 0) > NX_MAX_RANK)
			return nx_onnx_fail(im, "output has rank above %d", NX_MAX_RANK);
		fill(r, strlen(r), ell ? e_max : 0, e_max, &out);
		if (!ell && e_max)
			return nx_onnx_fail(im, "the inputs have \"...\" axes but the output omits "
					    "them");
	} else {
		int count[N_LABELS] = {0};
		for (size_t i = 0; i < n_in; i++)
			for (int a = 0; a < t[i].rank; a++)
				count[t[i].lab[a]]++;
		for (int j = 0; j < e_max; j++)
			out.lab[out.rank++] = N_LETTERS + j;
		for (int c = 0; c < N_LETTERS; c++)
			if (count[ascii_label(c)] == 1 && out.rank < NX_MAX_RANK)
				out.lab[out.rank++] = ascii_label(c);
	}
	bool in_out[N_LABELS] = {false};
	for (int a = 0; a < out.rank; a++) {
		int l = out.lab[a];
		if (in_out[l])
			return nx_onnx_fail(im, "equation \"%s\": an output label appears twice", eq);
		if (e.dim[l] < 0)
			return nx_onnx_fail(im, "equation \"%s\": an output label is in no input", eq);
		in_out[l] = true;
	}
	/* left to right: keep what the output or a later operand needs */
	uint32_t acc = in[0];
	term ta = t[0];
	for (size_t i = 0; i < n_in; i++) {
		bool keep[N_LABELS];
		memcpy(keep, in_out, sizeof keep);
		for (size_t j = i + 1; j < n_in; j++)
			for (int a = 0; a < t[j].rank; a++)
				keep[t[j].lab[a]] = true;
		if (i == 0) {
			if (prepare(&e, &acc, &ta, keep))
				return -1;
			continue;
		}
		/* labels of b that a also has stay for the product */
		bool kb[N_LABELS];
		memcpy(kb, keep, sizeof kb);
		for (int a = 0; a < ta.rank; a++)
			kb[ta.lab[a]] = true;
		uint32_t b = in[i];
		term tb = t[i];
		if (prepare(&e, &b, &tb, kb))
			return -1;
		bool ka[N_LABELS];
		memcpy(ka, keep, sizeof ka);
		for (int a = 0; a < tb.rank; a++)
			ka[tb.lab[a]] = true;
		if (reduce(&e, &acc, &ta, ka) || contract(&e, &acc, &ta, b, tb, keep))
			return -1;
	}
	int perm[NX_MAX_RANK];
	for (int a = 0; a < out.rank; a++)
		perm[a] = find(&ta, out.lab[a], 0);
	if (ta.rank != out.rank)
		return nx_onnx_fail(im, "internal: lowered rank %d, output rank %d", ta.rank,
				    out.rank);
	if (transpose(&e, &acc, &ta, perm))
		return -1;
	/* The last value takes the node's output name; an equation that
	 * changes nothing ("ij->ij") is an identity. */
	if (!e.made || acc == in[0]) {
		uint32_t op = nx_onnx_op_new(im, NX_OP_IDENTITY, &acc, 1, 1,
					     (const char *const[]){nd->output[0]});
		return op == NX_NONE ? -1 : nx_onnx_op_done(im, op, NULL);
	}
	return nx_value_rename(im->g, acc, nd->output[0], im->err);
}
