/* diff.c — the IR diff by stable id (DESIGN.md §2): which ops a step added,
 * removed or changed, and what changed in each. The TUI's diff view, `nex
 * diff` and Lua read the result as data.
 *
 * Ids are indices that clones keep, so op k of a and op k of b are the same
 * op. Values are compared by name, not id: a pass that rewires an operand to
 * a new value gives it a new id but the diff should say "operands" only when
 * the text would read differently. Schedule order is compared through each
 * common op's predecessor among the common ops, so inserting or erasing ops
 * around an op does not flag it, while moving it does (and, as in a text
 * diff, the op that now follows its old place is flagged too).
 */
#include <stdlib.h>
#include <string.h>

#include "nx.h"

static bool live(const nx_graph *g, uint32_t o)
{
	return o < g->n_ops && !(g->ops[o].flags & NX_O_DEAD);
}

static bool operands_eq(const nx_graph *a, const nx_graph *b, uint32_t o)
{
	const nx_op *pa = &a->ops[o], *pb = &b->ops[o];
	if (pa->n_in != pb->n_in)
		return false;
	for (uint32_t i = 0; i < pa->n_in; i++) {
		uint32_t va = nx_operand(a, o, i), vb = nx_operand(b, o, i);
		if ((va == NX_NONE) != (vb == NX_NONE))
			return false;
		if (va != NX_NONE && strcmp(nx_vname(a, va), nx_vname(b, vb)))
			return false;
	}
	return true;
}

/* Order-insensitive: same count and every attribute of a has an equal one
 * in b (names are unique per op, so that is a bijection). */
static bool attrs_eq(const nx_graph *a, const nx_graph *b, uint32_t o)
{
	const nx_op *pa = &a->ops[o], *pb = &b->ops[o];
	if (pa->n_attr != pb->n_attr)
		return false;
	for (uint32_t i = 0; i < pa->n_attr; i++) {
		const nx_attr *x = &a->attrs[pa->attr + i];
		const nx_attr *y = nx_attr_get(b, o, nx_cstr(a, x->name));
		if (!y || !nx_attr_eq(a, x, b, y))
			return false;
	}
	return true;
}

static uint32_t results_diff(const nx_graph *a, const nx_graph *b, uint32_t o)
{
	const nx_op *pa = &a->ops[o], *pb = &b->ops[o];
	if (pa->n_out != pb->n_out)
		return NX_DIFF_TYPES | NX_DIFF_NAMES;
	uint32_t w = 0;
	for (uint32_t i = 0; i < pa->n_out; i++) {
		uint32_t va = nx_result(a, o, i), vb = nx_result(b, o, i);
		if (!nx_type_eq(nx_vtype(a, va), nx_vtype(b, vb)))
			w |= NX_DIFF_TYPES;
		if (strcmp(nx_vname(a, va), nx_vname(b, vb)))
			w |= NX_DIFF_NAMES;
	}
	return w;
}

/* For each op live in both graphs, the nearest earlier op in g's schedule
 * that is also live in both (NX_NONE at the start). */
static void common_preds(const nx_graph *g, const nx_graph *other, uint32_t *pred)
{
	uint32_t last = NX_NONE;
	NX_FOR_OPS(g, o) {
		if (!live(other, o))
			continue;
		pred[o] = last;
		last = o;
	}
}

static void push(nx_diff *d, uint32_t op, int change, uint32_t what)
{
	nx_diff_entry *e = &d->e[d->n++];
	e->op = op;
	e->change = (uint8_t)change;
	e->what = what;
}

nx_diff *nx_diff_graphs(const nx_graph *a, const nx_graph *b)
{
	uint32_t n = a->n_ops > b->n_ops ? a->n_ops : b->n_ops;
	nx_diff *d = nx_xcalloc(1, sizeof *d); /* caller frees with nx_diff_free */
	d->e = nx_xmalloc((size_t)(n ? n : 1) * sizeof *d->e);
	uint32_t *pa = nx_xmalloc((size_t)(n ? n : 1) * sizeof *pa);
	uint32_t *pb = nx_xmalloc((size_t)(n ? n : 1) * sizeof *pb);
	common_preds(a, b, pa);
	common_preds(b, a, pb);

	/* b's schedule order: added and changed ops. */
	NX_FOR_OPS(b, o) {
		if (!live(a, o)) {
			push(d, o, NX_DIFF_ADDED, 0);
			d->added++;
			continue;
		}
		uint32_t w = 0;
		if (a->ops[o].kind != b->ops[o].kind)
			w |= NX_DIFF_KIND;
		if (!operands_eq(a, b, o))
			w |= NX_DIFF_OPERANDS;
		if (!attrs_eq(a, b, o))
			w |= NX_DIFF_ATTRS;
		w |= results_diff(a, b, o);
		if (pa[o] != pb[o])
			w |= NX_DIFF_ORDER;
		if (w) {
			push(d, o, NX_DIFF_CHANGED, w);
			d->changed++;
		}
	}
	/* Then what only a had, in a's order. */
	NX_FOR_OPS(a, o)
		if (!live(b, o)) {
			push(d, o, NX_DIFF_REMOVED, 0);
			d->removed++;
		}
	free(pa);
	free(pb);
	return d;
}

void nx_diff_free(nx_diff *d)
{
	if (!d)
		return;
	free(d->e);
	free(d);
}

const char *nx_diff_what_name(uint32_t bit)
{
	switch (bit) {
	case NX_DIFF_KIND: return "kind";
	case NX_DIFF_OPERANDS: return "operands";
	case NX_DIFF_ATTRS: return "attrs";
	case NX_DIFF_TYPES: return "types";
	case NX_DIFF_ORDER: return "order";
	case NX_DIFF_NAMES: return "names";
	}
	return NULL;
}

const char *nx_diff_change_name(int change)
{
	switch (change) {
	case NX_DIFF_ADDED: return "added";
	case NX_DIFF_REMOVED: return "removed";
	case NX_DIFF_CHANGED: return "changed";
	}
	return NULL;
}
