/* ir.c — the graph: interned strings and types, values, ops, use lists and
 * the schedule order, and cloning. See nx.h for the representation and the
 * rules (ids are indices, never reused; pointers die when arrays grow). */
#include <stdlib.h>
#include <string.h>

#include "nx.h"

#define GROW(g, arr, n, cap, need) nx_grow((void **)&(g)->arr, &(g)->cap, (need), sizeof *(g)->arr)

/* The tables keep 32 bits of nx_hash: enough with the full-key compare. */
static uint32_t hash_bytes(const void *p, size_t n)
{
	return (uint32_t)nx_hash(p, n);
}

/* ---- strings ---- */

static nx_strtab *strtab_new(void)
{
	nx_strtab *t = nx_xcalloc(1, sizeof *t);
	t->refs = 1;
	return t;
}

static void strtab_release(nx_strtab *t)
{
	if (!t || --t->refs > 0)
		return;
	free(t->chars);
	free(t->off);
	free(t->h);
	free(t->hash);
	free(t);
}

static void str_rehash(nx_strtab *t, uint32_t n)
{
	uint32_t cap = t->cap_hash ? t->cap_hash * 2 : 64;
	while ((uint64_t)cap * 3 < (uint64_t)n * 4 + 4)
		cap *= 2;
	free(t->hash);
	t->hash = nx_xcalloc(cap, sizeof *t->hash);
	t->cap_hash = cap;
	for (uint32_t id = 0; id < n; id++) {
		uint32_t h = t->h[id] & (cap - 1);
		while (t->hash[h])
			h = (h + 1) & (cap - 1);
		t->hash[h] = (uint64_t)t->h[id] << 32 | (id + 1);
	}
}

/* g's own copy of the first g->n_strs strings, for a graph that is not at
 * its shared table's end and wants to append. */
static void str_own(nx_graph *g)
{
	nx_strtab *o = g->st, *t = strtab_new();
	uint32_t n = g->n_strs;
	t->n_chars = n ? o->off[n - 1] + (uint32_t)strlen(o->chars + o->off[n - 1]) + 1 : 0;
	t->cap_chars = t->n_chars + 64;
	t->chars = nx_xmalloc(t->cap_chars);
	memcpy(t->chars, o->chars, t->n_chars);
	t->cap = n + 16;
	t->off = nx_xmalloc((size_t)t->cap * sizeof *t->off);
	t->h = nx_xmalloc((size_t)t->cap * sizeof *t->h);
	memcpy(t->off, o->off, (size_t)n * sizeof *t->off);
	memcpy(t->h, o->h, (size_t)n * sizeof *t->h);
	t->n = n;
	str_rehash(t, n);
	strtab_release(o);
	g->st = t;
}

static uint32_t str_lookup(const nx_graph *g, const char *s, size_t len, uint32_t full,
			   uint32_t *slot)
{
	const nx_strtab *t = g->st;
	if (!t->cap_hash) {
		if (slot)
			*slot = NX_NONE;
		return NX_NONE;
	}
	uint32_t mask = t->cap_hash - 1;
	uint32_t h = full & mask;
	/* a slot keeps its string's hash next to its id: most probes then touch
	 * neither the per-string arrays nor the text (a cache miss each on a
	 * 100k-op graph); ids past n_strs belong to other graphs sharing it */
	for (; t->hash[h]; h = (h + 1) & mask) {
		uint64_t e = t->hash[h];
		uint32_t id = (uint32_t)e - 1;
		if ((uint32_t)(e >> 32) != full || id >= g->n_strs)
			continue;
		const char *c = t->chars + t->off[id];
		if (!memcmp(c, s, len) && c[len] == 0)
			return id;
	}
	if (slot)
		*slot = h;
	return NX_NONE;
}

uint32_t nx_str_find(const nx_graph *g, const char *s, size_t len)
{
	return str_lookup(g, s, len, hash_bytes(s, len), NULL);
}

uint32_t nx_strn(nx_graph *g, const char *s, size_t len)
{
	uint32_t full = hash_bytes(s, len), slot;
	uint32_t id = str_lookup(g, s, len, full, &slot);
	if (id != NX_NONE)
		return id;
	/* Only the graph at the table's end appends in place; the others that
	 * share it see ids below their n_strs and copy once they append. */
	bool moved = false;
	if (g->n_strs != g->st->n) {
		str_own(g);
		moved = true;
	}
	nx_strtab *t = g->st;
	if ((uint64_t)(t->n + 1) * 4 > (uint64_t)t->cap_hash * 3) {
		str_rehash(t, t->n);
		moved = true;
	}
	if (moved)
		str_lookup(g, s, len, full, &slot);
	nx_grow((void **)&t->chars, &t->cap_chars, t->n_chars + (uint32_t)len + 1, 1);
	uint32_t cap = t->cap;
	nx_grow((void **)&t->off, &t->cap, t->n + 1, sizeof *t->off);
	if (cap != t->cap)
		t->h = nx_xrealloc(t->h, (size_t)t->cap * sizeof *t->h);
	nx_grow((void **)&g->str_owner, &g->cap_owner, g->n_strs + 1, sizeof *g->str_owner);
	id = t->n++;
	g->n_strs = t->n;
	t->h[id] = full;
	t->off[id] = t->n_chars;
	memcpy(t->chars + t->n_chars, s, len);
	t->chars[t->n_chars + len] = 0;
	t->n_chars += (uint32_t)len + 1;
	t->hash[slot] = (uint64_t)full << 32 | (id + 1);
	g->str_owner[id] = NX_NONE;
	return id;
}

uint32_t nx_str(nx_graph *g, const char *s)
{
	return nx_strn(g, s, strlen(s));
}

size_t nx_strtab_mem(const nx_strtab *t)
{
	/* per string an offset and a hash; per slot a 64-bit hash << 32 | id */
	return sizeof *t + t->cap_chars + (size_t)t->cap * (sizeof *t->off + sizeof *t->h) +
	       (size_t)t->cap_hash * sizeof *t->hash;
}

/* ---- types ---- */

static uint32_t type_hash(const nx_type *t)
{
	return hash_bytes(t, offsetof(nx_type, dims) + (size_t)t->rank * sizeof t->dims[0]);
}

static void type_rehash(nx_graph *g)
{
	uint32_t cap = g->cap_type_hash ? g->cap_type_hash * 2 : 64;
	free(g->type_hash);
	g->type_hash = nx_xcalloc(cap, sizeof *g->type_hash);
	g->cap_type_hash = cap;
	for (uint32_t id = 0; id < g->n_types; id++) {
		uint32_t h = type_hash(&g->types[id]) & (cap - 1);
		while (g->type_hash[h])
			h = (h + 1) & (cap - 1);
		g->type_hash[h] = id + 1;
	}
}

uint32_t nx_type_intern(nx_graph *g, const nx_type *t)
{
	nx_type k;
	memset(&k, 0, sizeof k);
	k.dtype = t->dtype;
	k.rank = t->rank;
	k.layout = t->layout;
	memcpy(k.dims, t->dims, (size_t)t->rank * sizeof t->dims[0]);
	if ((g->n_types + 1) * 2 > g->cap_type_hash)
		type_rehash(g);
	uint32_t mask = g->cap_type_hash - 1;
	uint32_t h = type_hash(&k) & mask;
	for (; g->type_hash[h]; h = (h + 1) & mask) {
		uint32_t id = g->type_hash[h] - 1;
		if (nx_type_eq(&g->types[id], &k))
			return id;
	}
	GROW(g, types, n_types, cap_types, g->n_types + 1);
	uint32_t id = g->n_types++;
	g->types[id] = k;
	g->type_hash[h] = id + 1;
	return id;
}

/* ---- graph ---- */

nx_graph *nx_graph_new(const char *name)
{
	nx_graph *g = nx_xcalloc(1, sizeof *g);
	g->first = g->last = NX_NONE;
	g->st = strtab_new();
	g->name = nx_str(g, name ? name : "main");
	nx_type unknown;
	memset(&unknown, 0, sizeof unknown);
	unknown.dtype = NX_DTYPE_UNKNOWN;
	nx_type_intern(g, &unknown); /* id 0 */
	return g;
}

static void blobs_release(nx_graph *g)
{
	if (g->blob_refs && --*g->blob_refs > 0)
		return;
	for (uint32_t i = 0; i < g->n_blobs; i++)
		nx_blob_unref(g->blobs[i]);
	free(g->blobs);
	free(g->blob_refs);
}

/* Makes g's blob table its own before a change (copy on write). */
static void blobs_own(nx_graph *g)
{
	if (!g->blob_refs) {
		g->blob_refs = nx_xmalloc(sizeof *g->blob_refs);
		*g->blob_refs = 1;
	}
	if (*g->blob_refs == 1)
		return;
	nx_blob **b = nx_xmalloc((size_t)(g->n_blobs + 1) * sizeof *b);
	for (uint32_t i = 0; i < g->n_blobs; i++)
		b[i] = g->blobs[i] ? nx_blob_ref(g->blobs[i]) : NULL;
	--*g->blob_refs;
	g->blobs = b;
	g->cap_blobs = g->n_blobs + 1;
	g->blob_refs = nx_xmalloc(sizeof *g->blob_refs);
	*g->blob_refs = 1;
}

void nx_graph_free(nx_graph *g)
{
	if (!g)
		return;
	blobs_release(g);
	free(g->vals); free(g->ops); free(g->uses); free(g->u32);
	free(g->attrs); free(g->ints); free(g->floats);
	strtab_release(g->st);
	free(g->str_owner);
	free(g->types); free(g->type_hash);
	free(g->inputs); free(g->outputs);
	free(g);
}

/* Room for n elements of a clone: the spare graph's array (*sp, capacity
 * *sp_cap) when it is large enough, else a fresh one (the spare's freed).
 * The spare's array is taken either way; *cap gets the room's capacity. */
static void *room(void **sp, uint32_t *sp_cap, uint32_t n, size_t elem, uint32_t *cap)
{
	void *p = *sp;
	uint32_t have = *sp_cap;
	*sp = NULL;
	*sp_cap = 0;
	if (!n) {
		free(p);
		*cap = 0;
		return NULL;
	}
	if (!p || have < n) {
		free(p);
		p = nx_xmalloc((size_t)n * elem); /* the clone owns it */
		have = n;
	}
	*cap = have;
	return p;
}

static void *copy_arr(void **sp, uint32_t *sp_cap, const void *src, uint32_t n, size_t elem,
		      uint32_t *cap)
{
	void *p = room(sp, sp_cap, src ? n : 0, elem, cap);
	return p ? memcpy(p, src, (size_t)n * elem) : NULL;
}

#define DUP(field, n, cap) \
	(c->field = copy_arr((void **)&sp->field, &sp->cap, g->field, g->n, sizeof *g->field, \
			     &c->cap))

/* Copies the live ops' attributes (and their list data) into tight pools:
 * setting attributes one at a time leaves superseded blocks behind, and a
 * snapshot should not carry them through the whole history. */
static void compact_attrs(nx_graph *c, const nx_graph *g, nx_graph *sp)
{
	uint32_t na = 0, ni = 0, nf = 0;
	for (uint32_t o = 0; o < g->n_ops; o++) {
		if (g->ops[o].flags & NX_O_DEAD)
			continue;
		na += g->ops[o].n_attr;
		for (uint32_t i = 0; i < g->ops[o].n_attr; i++) {
			const nx_attr *a = &g->attrs[g->ops[o].attr + i];
			ni += a->kind == NX_ATTR_INTS ? a->n : 0;
			nf += a->kind == NX_ATTR_FLOATS ? a->n : 0;
		}
	}
	if ((uint64_t)na * 2 >= g->n_attrs) { /* little garbage: one memcpy is cheaper */
		DUP(attrs, n_attrs, cap_attrs);
		DUP(ints, n_ints, cap_ints);
		DUP(floats, n_floats, cap_floats);
		return;
	}
	c->attrs = room((void **)&sp->attrs, &sp->cap_attrs, na, sizeof *c->attrs, &c->cap_attrs);
	c->ints = room((void **)&sp->ints, &sp->cap_ints, ni, sizeof *c->ints, &c->cap_ints);
	c->floats = room((void **)&sp->floats, &sp->cap_floats, nf, sizeof *c->floats,
			 &c->cap_floats);
	c->n_attrs = c->n_ints = c->n_floats = 0;
	for (uint32_t o = 0; o < g->n_ops; o++) {
		nx_op *p = &c->ops[o];
		if (p->flags & NX_O_DEAD) {
			p->n_attr = 0;
			p->attr = 0;
			continue;
		}
		const nx_attr *src = &g->attrs[p->attr];
		p->attr = c->n_attrs;
		for (uint32_t i = 0; i < p->n_attr; i++) {
			nx_attr a = src[i];
			if (a.kind == NX_ATTR_INTS && a.n) {
				memcpy(c->ints + c->n_ints, g->ints + a.u.off, (size_t)a.n * 8);
				a.u.off = c->n_ints;
				c->n_ints += a.n;
			} else if (a.kind == NX_ATTR_FLOATS && a.n) {
				memcpy(c->floats + c->n_floats, g->floats + a.u.off, (size_t)a.n * 4);
				a.u.off = c->n_floats;
				c->n_floats += a.n;
			}
			c->attrs[c->n_attrs++] = a;
		}
	}
}

nx_graph *nx_graph_clone_reuse(const nx_graph *g, nx_graph *spare)
{
	nx_graph fresh;
	memset(&fresh, 0, sizeof fresh);
	nx_graph *sp = spare ? spare : &fresh;
	if (spare) { /* its tables go; its arrays are taken below */
		blobs_release(spare);
		strtab_release(spare->st);
	}
	nx_graph *c = nx_xmalloc(sizeof *c); /* caller frees with nx_graph_free */
	*c = *g;
	DUP(vals, n_vals, cap_vals);
	DUP(ops, n_ops, cap_ops);
	DUP(uses, n_uses, cap_uses);
	DUP(u32, n_u32, cap_u32);
	compact_attrs(c, g, sp);
	g->st->refs++;
	DUP(str_owner, n_strs, cap_owner);
	DUP(types, n_types, cap_types);
	/* the hash table's size is its capacity: a larger spare array is only room */
	uint32_t room_hash;
	c->type_hash = copy_arr((void **)&sp->type_hash, &sp->cap_type_hash, g->type_hash,
				g->cap_type_hash, sizeof *g->type_hash, &room_hash);
	c->cap_type_hash = g->cap_type_hash;
	DUP(inputs, n_inputs, cap_inputs);
	DUP(outputs, n_outputs, cap_outputs);
	if (g->blob_refs)
		++*g->blob_refs;
	free(spare);
	return c;
}

nx_graph *nx_graph_clone(const nx_graph *g)
{
	return nx_graph_clone_reuse(g, NULL);
}

static bool same_arr(const void *a, const void *b, uint32_t na, uint32_t nb, size_t elem)
{
	return na == nb && (!na || !memcmp(a, b, (size_t)na * elem));
}

#define SAME(field, n) same_arr(a->field, b->field, a->n, b->n, sizeof *a->field)

bool nx_graph_same(const nx_graph *a, const nx_graph *b)
{
	/* strings: one shared table seen to the same length holds the same
	 * text (it only grows); a graph that appended elsewhere differs */
	if (a->name != b->name || a->first != b->first || a->last != b->last ||
	    a->n_live_ops != b->n_live_ops || a->st != b->st || a->n_strs != b->n_strs)
		return false;
	return SAME(vals, n_vals) && SAME(ops, n_ops) && SAME(uses, n_uses) &&
	       SAME(u32, n_u32) && SAME(attrs, n_attrs) && SAME(ints, n_ints) &&
	       SAME(floats, n_floats) && SAME(str_owner, n_strs) && SAME(types, n_types) &&
	       SAME(blobs, n_blobs) && SAME(inputs, n_inputs) && SAME(outputs, n_outputs);
}

#define TRIM(arr, n, cap) do { \
	if (g->cap > g->n && g->n) { \
		g->arr = nx_xrealloc(g->arr, (size_t)g->n * sizeof *g->arr); \
		g->cap = g->n; \
	} \
} while (0)

void nx_graph_trim(nx_graph *g)
{
	TRIM(vals, n_vals, cap_vals);
	TRIM(ops, n_ops, cap_ops);
	TRIM(uses, n_uses, cap_uses);
	TRIM(u32, n_u32, cap_u32);
	TRIM(attrs, n_attrs, cap_attrs);
	TRIM(ints, n_ints, cap_ints);
	TRIM(floats, n_floats, cap_floats);
	TRIM(str_owner, n_strs, cap_owner);
	TRIM(types, n_types, cap_types);
	TRIM(inputs, n_inputs, cap_inputs);
	TRIM(outputs, n_outputs, cap_outputs);
	nx_strtab *t = g->st;
	if (t->refs == 1 && t->n == g->n_strs) {
		if (t->cap_chars > t->n_chars && t->n_chars) {
			t->chars = nx_xrealloc(t->chars, t->n_chars);
			t->cap_chars = t->n_chars;
		}
		if (t->cap > t->n && t->n) {
			t->off = nx_xrealloc(t->off, (size_t)t->n * sizeof *t->off);
			t->h = nx_xrealloc(t->h, (size_t)t->n * sizeof *t->h);
			t->cap = t->n;
		}
	}
}

size_t nx_graph_mem(const nx_graph *g)
{
	return sizeof *g + (size_t)g->cap_vals * sizeof *g->vals +
	       (size_t)g->cap_ops * sizeof *g->ops + (size_t)g->cap_uses * sizeof *g->uses +
	       (size_t)g->cap_u32 * 4 + (size_t)g->cap_attrs * sizeof *g->attrs +
	       (size_t)g->cap_ints * 8 + (size_t)g->cap_floats * 4 +
	       (size_t)g->cap_owner * 4 + nx_strtab_mem(g->st) +
	       (size_t)g->cap_types * sizeof *g->types + (size_t)g->cap_type_hash * 4 +
	       (size_t)g->cap_blobs * sizeof(void *) +
	       (size_t)(g->cap_inputs + g->cap_outputs) * 4;
}

/* ---- values ---- */

uint32_t nx_value_by_name(const nx_graph *g, const char *name, size_t len)
{
	uint32_t s = nx_str_find(g, name, len);
	return s == NX_NONE ? NX_NONE : g->str_owner[s];
}

uint32_t nx_fresh_name(nx_graph *g, const char *hint)
{
	char buf[256];
	if (!hint || !*hint)
		hint = "t";
	size_t hl = strlen(hint);
	if (hl > 200)
		hl = 200;
	uint32_t s = nx_str_find(g, hint, hl);
	if (s == NX_NONE || g->str_owner[s] == NX_NONE)
		return nx_strn(g, hint, hl);
	/* Start at the value count so that a pass naming many values after one
	 * hint does not probe 1, 2, 3, ... each time. */
	for (uint32_t k = g->n_vals;; k++) {
		int n = snprintf(buf, sizeof buf, "%.*s_%u", (int)hl, hint, k);
		s = nx_str_find(g, buf, (size_t)n);
		if (s == NX_NONE || g->str_owner[s] == NX_NONE)
			return nx_strn(g, buf, (size_t)n);
	}
}

static uint32_t value_alloc(nx_graph *g, uint32_t name, uint32_t type)
{
	GROW(g, vals, n_vals, cap_vals, g->n_vals + 1);
	uint32_t v = g->n_vals++;
	nx_value *p = &g->vals[v];
	memset(p, 0, sizeof *p);
	p->name = name;
	p->type = type;
	p->producer = NX_NONE;
	p->blob = NX_NONE;
	p->first_use = NX_NONE;
	g->str_owner[name] = v;
	return v;
}

static uint32_t name_for(nx_graph *g, const char *name, nx_err *err)
{
	if (!name)
		return nx_fresh_name(g, NULL);
	uint32_t s = nx_str(g, name);
	if (g->str_owner[s] != NX_NONE) {
		nx_err_set(err, "value %%%s is already defined", name);
		return NX_NONE;
	}
	return s;
}

uint32_t nx_value_new(nx_graph *g, const char *name, uint32_t type_id, nx_err *err)
{
	uint32_t s = name_for(g, name, err);
	return s == NX_NONE ? NX_NONE : value_alloc(g, s, type_id);
}

int nx_value_rename(nx_graph *g, uint32_t v, const char *name, nx_err *err)
{
	uint32_t s = nx_str(g, name);
	if (g->str_owner[s] == v)
		return 0;
	if (g->str_owner[s] != NX_NONE) {
		nx_err_set(err, "value %%%s is already defined", name);
		return -1;
	}
	g->str_owner[g->vals[v].name] = NX_NONE;
	g->vals[v].name = s;
	g->str_owner[s] = v;
	return 0;
}

void nx_value_set_type(nx_graph *g, uint32_t v, const nx_type *t)
{
	g->vals[v].type = nx_type_intern(g, t);
}

uint32_t nx_graph_add_blob(nx_graph *g, nx_blob *b)
{
	blobs_own(g);
	GROW(g, blobs, n_blobs, cap_blobs, g->n_blobs + 1);
	g->blobs[g->n_blobs] = b;
	return g->n_blobs++;
}

uint32_t nx_const_new(nx_graph *g, const char *name, nx_blob *b, nx_err *err)
{
	uint32_t s = name_for(g, name, err);
	if (s == NX_NONE) {
		nx_blob_unref(b);
		return NX_NONE;
	}
	uint32_t v = value_alloc(g, s, nx_type_intern(g, &b->type));
	g->vals[v].blob = nx_graph_add_blob(g, b);
	return v;
}

void nx_graph_add_input(nx_graph *g, uint32_t v)
{
	GROW(g, inputs, n_inputs, cap_inputs, g->n_inputs + 1);
	g->inputs[g->n_inputs++] = v;
	g->vals[v].flags |= NX_V_INPUT;
}

void nx_graph_add_output(nx_graph *g, uint32_t v)
{
	GROW(g, outputs, n_outputs, cap_outputs, g->n_outputs + 1);
	g->outputs[g->n_outputs++] = v;
}

void nx_graph_set_output(nx_graph *g, uint32_t i, uint32_t v)
{
	g->outputs[i] = v;
}

bool nx_value_is_output(const nx_graph *g, uint32_t v)
{
	for (uint32_t i = 0; i < g->n_outputs; i++)
		if (g->outputs[i] == v)
			return true;
	return false;
}

uint32_t nx_value_nuses(const nx_graph *g, uint32_t v)
{
	uint32_t n = 0;
	for (uint32_t u = g->vals[v].first_use; u != NX_NONE; u = g->uses[u].next)
		n++;
	for (uint32_t i = 0; i < g->n_outputs; i++)
		n += g->outputs[i] == v;
	return n;
}

static void use_link(nx_graph *g, uint32_t u)
{
	nx_use *p = &g->uses[u];
	p->prev = p->next = NX_NONE;
	if (p->value == NX_NONE)
		return;
	nx_value *v = &g->vals[p->value];
	p->next = v->first_use;
	if (p->next != NX_NONE)
		g->uses[p->next].prev = u;
	v->first_use = u;
}

static void use_unlink(nx_graph *g, uint32_t u)
{
	nx_use *p = &g->uses[u];
	if (p->value == NX_NONE)
		return;
	if (p->prev != NX_NONE)
		g->uses[p->prev].next = p->next;
	else
		g->vals[p->value].first_use = p->next;
	if (p->next != NX_NONE)
		g->uses[p->next].prev = p->prev;
	p->prev = p->next = NX_NONE;
}

void nx_value_replace_uses(nx_graph *g, uint32_t old, uint32_t new_v)
{
	if (old == new_v)
		return;
	while (g->vals[old].first_use != NX_NONE) {
		uint32_t u = g->vals[old].first_use;
		use_unlink(g, u);
		g->uses[u].value = new_v;
		use_link(g, u);
	}
	for (uint32_t i = 0; i < g->n_outputs; i++)
		if (g->outputs[i] == old)
			g->outputs[i] = new_v;
}

void nx_value_erase(nx_graph *g, uint32_t v)
{
	nx_value *p = &g->vals[v];
	if (p->flags & NX_V_DEAD)
		return;
	p->flags |= NX_V_DEAD;
	if (g->str_owner[p->name] == v)
		g->str_owner[p->name] = NX_NONE;
	if (p->blob != NX_NONE && g->blobs[p->blob]) {
		blobs_own(g);
		nx_blob_unref(g->blobs[p->blob]);
		g->blobs[p->blob] = NULL;
	}
	if (p->flags & NX_V_INPUT) {
		uint32_t k = 0;
		for (uint32_t i = 0; i < g->n_inputs; i++)
			if (g->inputs[i] != v)
				g->inputs[k++] = g->inputs[i];
		g->n_inputs = k;
	}
}

/* ---- ops ---- */

static void sched_unlink(nx_graph *g, uint32_t o)
{
	nx_op *p = &g->ops[o];
	if (p->prev != NX_NONE)
		g->ops[p->prev].next = p->next;
	else
		g->first = p->next;
	if (p->next != NX_NONE)
		g->ops[p->next].prev = p->prev;
	else
		g->last = p->prev;
	p->prev = p->next = NX_NONE;
}

static void sched_insert(nx_graph *g, uint32_t o, uint32_t before)
{
	nx_op *p = &g->ops[o];
	if (before == NX_NONE) {
		p->prev = g->last;
		p->next = NX_NONE;
		if (g->last != NX_NONE)
			g->ops[g->last].next = o;
		else
			g->first = o;
		g->last = o;
		return;
	}
	nx_op *b = &g->ops[before];
	p->next = before;
	p->prev = b->prev;
	if (b->prev != NX_NONE)
		g->ops[b->prev].next = o;
	else
		g->first = o;
	b->prev = o;
}

static uint32_t alloc_uses(nx_graph *g, uint32_t o, const uint32_t *in, uint32_t n)
{
	GROW(g, uses, n_uses, cap_uses, g->n_uses + n);
	uint32_t base = g->n_uses;
	g->n_uses += n;
	for (uint32_t i = 0; i < n; i++) {
		g->uses[base + i].value = in ? in[i] : NX_NONE;
		g->uses[base + i].op = o;
		use_link(g, base + i);
	}
	return base;
}

uint32_t nx_op_new(nx_graph *g, int kind, const uint32_t *in, uint32_t n_in,
		   uint32_t n_out, const char *const *out_names, uint32_t before,
		   nx_err *err)
{
	/* Names first, so that a taken name leaves the graph untouched. */
	uint32_t names[NX_VARIADIC];
	if (n_out > NX_VARIADIC || n_in > UINT16_MAX) {
		nx_err_set(err, "%s: too many results or operands", nx_ops[kind].name);
		return NX_NONE;
	}
	for (uint32_t i = 0; i < n_out; i++) {
		const char *nm = out_names ? out_names[i] : NULL;
		names[i] = nm ? nx_str(g, nm) : NX_NONE;
		if (names[i] != NX_NONE) {
			bool dup = g->str_owner[names[i]] != NX_NONE;
			for (uint32_t j = 0; j < i; j++)
				dup |= names[j] == names[i];
			if (dup) {
				nx_err_set(err, "value %%%s is already defined", nm);
				return NX_NONE;
			}
		}
	}
	GROW(g, ops, n_ops, cap_ops, g->n_ops + 1);
	uint32_t o = g->n_ops++;
	nx_op *p = &g->ops[o];
	memset(p, 0, sizeof *p);
	p->kind = (uint16_t)kind;
	p->n_in = (uint16_t)n_in;
	p->n_out = (uint8_t)n_out;
	p->born = g->step;
	p->in = alloc_uses(g, o, in, n_in);
	GROW(g, u32, n_u32, cap_u32, g->n_u32 + n_out);
	uint32_t out = g->n_u32;
	g->n_u32 += n_out;
	for (uint32_t i = 0; i < n_out; i++) {
		uint32_t s = names[i] != NX_NONE ? names[i] : nx_fresh_name(g, NULL);
		uint32_t v = value_alloc(g, s, 0);
		g->vals[v].producer = o;
		g->vals[v].result_no = (uint16_t)i;
		g->u32[out + i] = v;
	}
	p = &g->ops[o];
	p->out = out;
	p->origin = g->n_u32;
	p->attr = g->n_attrs;
	sched_insert(g, o, before);
	g->n_live_ops++;
	return o;
}

void nx_op_set_operand(nx_graph *g, uint32_t o, uint32_t i, uint32_t v)
{
	uint32_t u = g->ops[o].in + i;
	use_unlink(g, u);
	g->uses[u].value = v;
	use_link(g, u);
}

void nx_op_set_operands(nx_graph *g, uint32_t o, const uint32_t *in, uint32_t n)
{
	nx_op *p = &g->ops[o];
	if (n == p->n_in) {
		for (uint32_t i = 0; i < n; i++)
			nx_op_set_operand(g, o, i, in[i]);
		return;
	}
	for (uint32_t i = 0; i < p->n_in; i++) {
		use_unlink(g, p->in + i);
		g->uses[p->in + i].value = NX_NONE;
	}
	uint32_t base = alloc_uses(g, o, in, n);
	g->ops[o].in = base;
	g->ops[o].n_in = (uint16_t)n;
}

int nx_op_erase(nx_graph *g, uint32_t o)
{
	nx_op *p = &g->ops[o];
	if (p->flags & NX_O_DEAD)
		return 0;
	for (uint32_t i = 0; i < p->n_out; i++)
		if (nx_value_nuses(g, nx_result(g, o, i)))
			return -1;
	for (uint32_t i = 0; i < p->n_in; i++) {
		use_unlink(g, p->in + i);
		g->uses[p->in + i].value = NX_NONE;
	}
	sched_unlink(g, o);
	g->ops[o].flags |= NX_O_DEAD;
	for (uint32_t i = 0; i < g->ops[o].n_out; i++)
		nx_value_erase(g, nx_result(g, o, i));
	g->n_live_ops--;
	return 0;
}

void nx_op_move_before(nx_graph *g, uint32_t o, uint32_t before)
{
	if (o == before)
		return;
	sched_unlink(g, o);
	sched_insert(g, o, before);
}

uint32_t *nx_schedule_positions(const nx_graph *g)
{
	uint32_t *pos = nx_xmalloc((size_t)(g->n_ops ? g->n_ops : 1) * sizeof *pos);
	memset(pos, 0xff, (size_t)g->n_ops * sizeof *pos);
	uint32_t k = 0;
	NX_FOR_OPS(g, o)
		pos[o] = k++;
	return pos;
}

/* ---- origin ---- */

void nx_op_set_origin(nx_graph *g, uint32_t o, const uint32_t *sids, uint32_t n)
{
	GROW(g, u32, n_u32, cap_u32, g->n_u32 + n);
	uint32_t off = g->n_u32;
	memmove(g->u32 + off, sids, (size_t)n * 4); /* sids may point into u32 */
	g->n_u32 += n;
	g->ops[o].origin = off;
	g->ops[o].n_origin = n;
}

void nx_op_add_origin(nx_graph *g, uint32_t o, uint32_t sid)
{
	nx_op *p = &g->ops[o];
	for (uint32_t i = 0; i < p->n_origin; i++)
		if (g->u32[p->origin + i] == sid)
			return;
	uint32_t n = p->n_origin;
	GROW(g, u32, n_u32, cap_u32, g->n_u32 + n + 1);
	p = &g->ops[o];
	uint32_t off = g->n_u32;
	memcpy(g->u32 + off, g->u32 + p->origin, (size_t)n * 4);
	g->u32[off + n] = sid;
	g->n_u32 += n + 1;
	p->origin = off;
	p->n_origin = n + 1;
}

/* One new list for the union (not one per added name), so merging a long
 * origin costs its length once instead of quadratically in the pool. */
void nx_op_merge_origin(nx_graph *g, uint32_t dst, uint32_t src)
{
	if (dst == src)
		return;
	uint32_t nd = g->ops[dst].n_origin, ns = g->ops[src].n_origin;
	if (ns == 0)
		return;
	GROW(g, u32, n_u32, cap_u32, g->n_u32 + nd + ns);
	uint32_t off = g->n_u32, n = nd;
	const uint32_t *d = g->u32 + g->ops[dst].origin, *sp = g->u32 + g->ops[src].origin;
	memcpy(g->u32 + off, d, (size_t)nd * 4);
	for (uint32_t i = 0; i < ns; i++) {
		bool have = false;
		for (uint32_t j = 0; j < n && !have; j++)
			have = g->u32[off + j] == sp[i];
		if (!have)
			g->u32[off + n++] = sp[i];
	}
	if (n == nd)
		return; /* nothing new: leave the scratch unclaimed */
	g->n_u32 += n;
	g->ops[dst].origin = off;
	g->ops[dst].n_origin = n;
}
