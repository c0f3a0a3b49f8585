/* cse.c — common subexpression elimination: an op with the same kind,
 * operands, attributes (in any order) and result types as an earlier op is
 * replaced by it; identical constants (same type and bytes) are merged
 * first, so that ops reading copies of one weight become equal too. Opaque
 * ops are left alone (effects unknown). One merge = one rewrite. */
#include <stdlib.h>
#include <string.h>

#include "nxp.h"

static uint64_t mix(uint64_t h, uint64_t x)
{
	h ^= x + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
	return h;
}

static bool same_attrs(const nx_graph *g, uint32_t a, uint32_t b)
{
	const nx_op *pa = &g->ops[a], *pb = &g->ops[b];
	if (pa->n_attr != pb->n_attr)
		return false;
	for (uint32_t i = 0; i < pa->n_attr; i++) {
		const nx_attr *x = &g->attrs[pa->attr + i];
		const nx_attr *y = nx_attr_get(g, b, nx_cstr(g, x->name));
		if (!y || !nx_attr_eq(g, x, g, y))
			return false;
	}
	return true;
}

static bool same_op(const nx_graph *g, uint32_t a, uint32_t b)
{
	const nx_op *pa = &g->ops[a], *pb = &g->ops[b];
	if (pa->kind != pb->kind || pa->n_in != pb->n_in || pa->n_out != pb->n_out)
		return false;
	for (uint32_t i = 0; i < pa->n_in; i++)
		if (nx_operand(g, a, i) != nx_operand(g, b, i))
			return false;
	for (uint32_t i = 0; i < pa->n_out; i++)
		if (g->vals[nx_result(g, a, i)].type != g->vals[nx_result(g, b, i)].type)
			return false;
	return same_attrs(g, a, b);
}

static uint64_t op_hash(const nx_graph *g, uint32_t o)
{
	const nx_op *p = &g->ops[o];
	uint64_t h = mix(p->kind, p->n_in);
	for (uint32_t i = 0; i < p->n_in; i++)
		h = mix(h, nx_operand(g, o, i));
	/* attribute names only: order-insensitive, values compared on a hit */
	for (uint32_t i = 0; i < p->n_attr; i++)
		h ^= nx_hash(nx_cstr(g, g->attrs[p->attr + i].name),
				strlen(nx_cstr(g, g->attrs[p->attr + i].name)));
	return h;
}

static bool same_const(const nx_graph *g, uint32_t a, uint32_t b)
{
	nx_blob *x = nx_const_blob(g, a), *y = nx_const_blob(g, b);
	if (x == y)
		return true;
	if (!nx_type_eq(&x->type, &y->type) || g->vals[a].type != g->vals[b].type)
		return false;
	if (x->src == NX_BLOB_FILL && y->src == NX_BLOB_FILL)
		return x->fill == y->fill && (x->fill != NX_FILL_RANDOM || x->seed == y->seed);
	/* lazily derived data is compared by identity: reading it would cost
	 * what deriving it lazily saved */
	if (x->src == NX_BLOB_SCALED || y->src == NX_BLOB_SCALED)
		return false;
	const void *dx = nx_blob_data(x), *dy = nx_blob_data(y);
	return dx && dy && !memcmp(dx, dy, nx_blob_nbytes(x));
}

static uint64_t const_hash(const nx_graph *g, uint32_t v)
{
	nx_blob *b = nx_const_blob(g, v);
	uint64_t h = mix(g->vals[v].type, b->src);
	if (b->src == NX_BLOB_FILL)
		return mix(mix(h, b->fill), b->fill == NX_FILL_RANDOM ? b->seed : 0);
	if (b->src == NX_BLOB_SCALED)
		return mix(h, (uint64_t)(uintptr_t)b);
	/* cached on the blob: the second cse of a pipeline, and every later
	 * snapshot sharing the blob, hashes no weight byte again */
	return mix(h, nx_blob_hash(b));
}

/* Open-addressing table of ids keyed by a 64-bit hash. */
typedef struct table {
	uint64_t *h; uint32_t *id; uint32_t cap;
} table;

static void table_init(table *t, uint32_t n)
{
	t->cap = 16;
	while (t->cap < n * 2 + 2)
		t->cap *= 2;
	t->h = nx_xcalloc(t->cap, sizeof *t->h);
	t->id = nx_xmalloc((size_t)t->cap * sizeof *t->id);
	memset(t->id, 0xff, (size_t)t->cap * sizeof *t->id);
}

static void table_free(table *t)
{
	free(t->h);
	free(t->id);
}

/* Finds an equal entry (eq) or inserts id; returns the equal id or NX_NONE. */
static uint32_t table_find_or_add(table *t, uint64_t h, uint32_t id, const nx_graph *g,
				  bool (*eq)(const nx_graph *, uint32_t, uint32_t))
{
	uint32_t i = (uint32_t)h & (t->cap - 1);
	for (; t->id[i] != NX_NONE; i = (i + 1) & (t->cap - 1))
		if (t->h[i] == h && eq(g, t->id[i], id))
			return t->id[i];
	t->h[i] = h;
	t->id[i] = id;
	return NX_NONE;
}

static int run(nx_graph *g, nxp_ctx *ctx)
{
	table t;
	table_init(&t, g->n_vals);
	for (uint32_t v = 0; v < g->n_vals && !ctx->stopped; v++) {
		/* a constant that is a graph output keeps its name: not merged */
		if (!nx_is_const(g, v) || (g->vals[v].flags & NX_V_DEAD) || nx_value_is_output(g, v))
			continue;
		uint32_t same = table_find_or_add(&t, const_hash(g, v), v, g, same_const);
		if (same == NX_NONE || !nxp_rewrite(ctx, NX_NONE))
			continue;
		nxp_remark(ctx, "merged constant %%%s into %%%s", nx_vname(g, v), nx_vname(g, same));
		nx_value_replace_uses(g, v, same);
		nx_value_erase(g, v);
		nxp_stat_add(ctx, "constants merged", 1);
	}
	table_free(&t);
	table_init(&t, g->n_live_ops);
	NX_FOR_OPS(g, o) {
		if (ctx->stopped)
			break;
		if (g->ops[o].kind == NX_OP_OPAQUE)
			continue;
		uint32_t same = table_find_or_add(&t, op_hash(g, o), o, g, same_op);
		if (same == NX_NONE || !nxp_rewrite(ctx, o))
			continue;
		nxp_remark(ctx, "replaced %%%s (%s) by the equal %%%s",
			   nx_vname(g, nx_result(g, o, 0)), nx_op_name(g, o),
			   nx_vname(g, nx_result(g, same, 0)));
		uint32_t vals[NX_VARIADIC];
		for (uint32_t i = 0; i < g->ops[o].n_out; i++)
			vals[i] = nx_result(g, same, i);
		/* NX_FOR_OPS reads o's next link after the body: erasing clears
		 * it, so step back first by continuing from the predecessor. */
		uint32_t prev = g->ops[o].prev;
		/* same inherits o's origin; a graph output of o keeps its name */
		nxp_replace_op(g, ctx, o, vals, same, NULL);
		nxp_stat_add(ctx, "ops merged", 1);
		o = prev; /* prev exists: `same` precedes o */
	}
	table_free(&t);
	return 0;
}

const nxp_pass nxp_pass_cse = {
	.name = "cse",
	.summary = "merge identical constants and ops computing the same value",
	.requires = "",
	.invalidates = "ops",
	.run = run,
};
