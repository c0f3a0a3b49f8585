/* attr.c — attributes on ops: typed lookups with defaults, and setters that
 * keep each op's attributes contiguous in the graph's pools. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nx.h"

#define GROW(g, arr, n, cap, need) nx_grow((void **)&(g)->arr, &(g)->cap, (need), sizeof *(g)->arr)

const nx_attr *nx_attr_get(const nx_graph *g, uint32_t o, const char *name)
{
	const nx_op *p = &g->ops[o];
	for (uint32_t i = 0; i < p->n_attr; i++) {
		const nx_attr *a = &g->attrs[p->attr + i];
		if (!strcmp(nx_cstr(g, a->name), name))
			return a;
	}
	return NULL;
}

int64_t nx_attr_i(const nx_graph *g, uint32_t o, const char *name, int64_t def)
{
	const nx_attr *a = nx_attr_get(g, o, name);
	if (!a)
		return def;
	if (a->kind == NX_ATTR_INT)
		return a->u.i;
	if (a->kind == NX_ATTR_FLOAT)
		return (int64_t)a->u.f;
	return def;
}

float nx_attr_f(const nx_graph *g, uint32_t o, const char *name, float def)
{
	const nx_attr *a = nx_attr_get(g, o, name);
	if (!a)
		return def;
	if (a->kind == NX_ATTR_FLOAT)
		return a->u.f;
	if (a->kind == NX_ATTR_INT)
		return (float)a->u.i;
	return def;
}

const char *nx_attr_s(const nx_graph *g, uint32_t o, const char *name, const char *def)
{
	const nx_attr *a = nx_attr_get(g, o, name);
	return a && a->kind == NX_ATTR_STR ? nx_cstr(g, a->u.s) : def;
}

const int64_t *nx_attr_ints(const nx_graph *g, uint32_t o, const char *name, uint32_t *n)
{
	const nx_attr *a = nx_attr_get(g, o, name);
	if (!a || a->kind != NX_ATTR_INTS) {
		*n = 0;
		return NULL;
	}
	*n = a->n;
	return a->n ? g->ints + a->u.off : NULL;
}

const float *nx_attr_floats(const nx_graph *g, uint32_t o, const char *name, uint32_t *n)
{
	const nx_attr *a = nx_attr_get(g, o, name);
	if (!a || a->kind != NX_ATTR_FLOATS) {
		*n = 0;
		return NULL;
	}
	*n = a->n;
	return a->n ? g->floats + a->u.off : NULL;
}

/* The slot for name on op o: the existing one, or a new one (the op's block
 * is moved to the end of the pool when it is not there already). */
static nx_attr *slot(nx_graph *g, uint32_t o, const char *name)
{
	uint32_t sid = nx_str(g, name);
	nx_op *p = &g->ops[o];
	for (uint32_t i = 0; i < p->n_attr; i++)
		if (g->attrs[p->attr + i].name == sid)
			return &g->attrs[p->attr + i];
	uint32_t n = p->n_attr;
	if (p->attr + n != g->n_attrs) {
		GROW(g, attrs, n_attrs, cap_attrs, g->n_attrs + n + 1);
		p = &g->ops[o];
		memcpy(g->attrs + g->n_attrs, g->attrs + p->attr, (size_t)n * sizeof *g->attrs);
		p->attr = g->n_attrs;
		g->n_attrs += n;
	} else {
		GROW(g, attrs, n_attrs, cap_attrs, g->n_attrs + 1);
		p = &g->ops[o];
	}
	nx_attr *a = &g->attrs[g->n_attrs++];
	memset(a, 0, sizeof *a);
	a->name = sid;
	p->n_attr++;
	return a;
}

void nx_attr_set_i(nx_graph *g, uint32_t o, const char *name, int64_t v)
{
	nx_attr *a = slot(g, o, name);
	a->kind = NX_ATTR_INT;
	a->n = 0;
	a->u.i = v;
}

void nx_attr_set_f(nx_graph *g, uint32_t o, const char *name, float v)
{
	nx_attr *a = slot(g, o, name);
	a->kind = NX_ATTR_FLOAT;
	a->n = 0;
	a->u.f = v;
}

void nx_attr_set_s(nx_graph *g, uint32_t o, const char *name, const char *v)
{
	uint32_t s = nx_str(g, v);
	nx_attr *a = slot(g, o, name);
	a->kind = NX_ATTR_STR;
	a->n = 0;
	a->u.s = s;
}

void nx_attr_set_ints(nx_graph *g, uint32_t o, const char *name, const int64_t *v, uint32_t n)
{
	GROW(g, ints, n_ints, cap_ints, g->n_ints + n);
	uint32_t off = g->n_ints;
	if (n)
		memmove(g->ints + off, v, (size_t)n * sizeof *v); /* v may point into the pool */
	g->n_ints += n;
	nx_attr *a = slot(g, o, name);
	a->kind = NX_ATTR_INTS;
	a->n = n;
	a->u.off = off;
}

void nx_attr_set_floats(nx_graph *g, uint32_t o, const char *name, const float *v, uint32_t n)
{
	GROW(g, floats, n_floats, cap_floats, g->n_floats + n);
	uint32_t off = g->n_floats;
	if (n)
		memmove(g->floats + off, v, (size_t)n * sizeof *v);
	g->n_floats += n;
	nx_attr *a = slot(g, o, name);
	a->kind = NX_ATTR_FLOATS;
	a->n = n;
	a->u.off = off;
}

void nx_attr_del(nx_graph *g, uint32_t o, const char *name)
{
	nx_op *p = &g->ops[o];
	for (uint32_t i = 0; i < p->n_attr; i++) {
		nx_attr *a = &g->attrs[p->attr + i];
		if (!strcmp(nx_cstr(g, a->name), name)) {
			memmove(a, a + 1, (size_t)(p->n_attr - i - 1) * sizeof *a);
			p->n_attr--;
			return;
		}
	}
}

void nx_attr_copy_all(nx_graph *g, uint32_t dst, const nx_graph *gs, uint32_t src)
{
	const nx_op *p = &gs->ops[src];
	for (uint32_t i = 0; i < p->n_attr; i++) {
		nx_attr a = gs->attrs[p->attr + i];
		/* Copy the name out: g may be gs, and the pools may move. */
		char name[256];
		snprintf(name, sizeof name, "%s", nx_cstr(gs, a.name));
		switch (a.kind) {
		case NX_ATTR_INT: nx_attr_set_i(g, dst, name, a.u.i); break;
		case NX_ATTR_FLOAT: nx_attr_set_f(g, dst, name, a.u.f); break;
		case NX_ATTR_STR: {
			char *s = nx_xstrdup(nx_cstr(gs, a.u.s));
			nx_attr_set_s(g, dst, name, s);
			free(s);
			break;
		}
		case NX_ATTR_INTS: {
			int64_t *v = nx_xmalloc((size_t)a.n * 8 + 8);
			memcpy(v, gs->ints + a.u.off, (size_t)a.n * 8);
			nx_attr_set_ints(g, dst, name, v, a.n);
			free(v);
			break;
		}
		case NX_ATTR_FLOATS: {
			float *v = nx_xmalloc((size_t)a.n * 4 + 4);
			memcpy(v, gs->floats + a.u.off, (size_t)a.n * 4);
			nx_attr_set_floats(g, dst, name, v, a.n);
			free(v);
			break;
		}
		}
	}
}

static bool feq(float a, float b)
{
	return a == b || (isnan(a) && isnan(b));
}

bool nx_attr_eq(const nx_graph *ga, const nx_attr *a, const nx_graph *gb, const nx_attr *b)
{
	if (a->kind != b->kind || a->n != b->n ||
	    strcmp(nx_cstr(ga, a->name), nx_cstr(gb, b->name)))
		return false;
	switch (a->kind) {
	case NX_ATTR_INT: return a->u.i == b->u.i;
	case NX_ATTR_FLOAT: return feq(a->u.f, b->u.f);
	case NX_ATTR_STR: return !strcmp(nx_cstr(ga, a->u.s), nx_cstr(gb, b->u.s));
	case NX_ATTR_INTS:
		return !a->n || !memcmp(ga->ints + a->u.off, gb->ints + b->u.off, (size_t)a->n * 8);
	case NX_ATTR_FLOATS:
		for (uint32_t i = 0; i < a->n; i++)
			if (!feq(ga->floats[a->u.off + i], gb->floats[b->u.off + i]))
				return false;
		return true;
	}
	return false;
}

int nx_fmt_float(char *buf, size_t n, float f)
{
	if (isnan(f))
		return snprintf(buf, n, "nan");
	if (isinf(f))
		return snprintf(buf, n, f < 0 ? "-inf" : "inf");
	int k = 0;
	for (int prec = 6; prec <= 9; prec++) {
		k = snprintf(buf, n, "%.*g", prec, (double)f);
		if (strtof(buf, NULL) == f)
			break;
	}
	/* A float must read as a float: "3" would parse as an int. */
	if (!strpbrk(buf, ".eE") && (size_t)k + 2 < n) {
		buf[k++] = '.';
		buf[k++] = '0';
		buf[k] = 0;
	}
	return k;
}

int nx_fmt_double(char *buf, size_t n, double f)
{
	if (isnan(f))
		return snprintf(buf, n, "nan");
	if (isinf(f))
		return snprintf(buf, n, f < 0 ? "-inf" : "inf");
	int k = 0;
	for (int prec = 6; prec <= 17; prec++) {
		k = snprintf(buf, n, "%.*g", prec, f);
		if (strtod(buf, NULL) == f)
			break;
	}
	if (!strpbrk(buf, ".eE") && (size_t)k + 2 < n) {
		buf[k++] = '.';
		buf[k++] = '0';
		buf[k] = 0;
	}
	return k;
}
