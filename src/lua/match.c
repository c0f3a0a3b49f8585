/* match.c — nex.match(op, pattern) and nex.pattern(table): a small tree
 * matcher for fusions. A pattern is {kind, operand patterns..., attr=value}:
 * an operand pattern is a name (binds the value; the same name must bind the
 * same value; "_" matches anything), a number (a constant whose every
 * element is within 1e-5 relative of it) or a nested pattern (the operand's
 * producer, which must feed only this op and carry no fused activation, as
 * the C fusions require). Operands of commutative kinds are tried in both
 * orders; an absent attribute reads as its schema default. A match returns
 * the bindings and the matched ops (root first, then operands depth first:
 * the order the C driver merges origins in), or nil. A list of patterns
 * ({{...}, {...}}) is a set of alternatives tried in order; the third
 * result says which matched.
 * Patterns are compiled to a flat node array (nex.pattern does it once;
 * nex.match compiles a table on each call), so matching is C only. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nxl_int.h"

#define NXL_PATTERN "nex.pattern"
#define TOL 1e-5
#define MAX_BIND 32
#define MAX_OPS 64

enum { P_OP, P_NAME, P_ANY, P_NUM };

typedef struct pnode {
	uint8_t type;
	int16_t kind;            /* P_OP: op kind, -1 = any ("*") */
	uint16_t n_in;           /* P_OP: operand count */
	uint32_t first;          /* P_OP: its operands are nodes first.. */
	uint32_t attr0, n_attr;  /* P_OP: attrs[attr0 ..] */
	int slot;                /* P_NAME: binding slot */
	double num;              /* P_NUM */
} pnode;

typedef struct pattr {
	char *name;
	char *str;               /* a string value, or NULL for a number */
	double num;
} pattr;

typedef struct pattern {
	uint32_t roots[32]; int n_roots;   /* alternatives, tried in order */
	pnode *nodes; uint32_t n, cap;
	pattr *attrs; uint32_t n_attr, cap_attr;
	char *names[MAX_BIND]; int n_names;
} pattern;

static int pat_gc(lua_State *L)
{
	pattern *p = lua_touserdata(L, 1);
	for (uint32_t i = 0; i < p->n_attr; i++) {
		free(p->attrs[i].name);
		free(p->attrs[i].str);
	}
	for (int i = 0; i < p->n_names; i++)
		free(p->names[i]);
	free(p->nodes);
	free(p->attrs);
	memset(p, 0, sizeof *p);
	return 0;
}

static uint32_t new_nodes(pattern *p, uint32_t n)
{
	nx_grow((void **)&p->nodes, &p->cap, p->n + n, sizeof *p->nodes);
	memset(p->nodes + p->n, 0, n * sizeof *p->nodes);
	p->n += n;
	return p->n - n;
}

static void compile_into(lua_State *L, pattern *p, int idx, uint32_t at, int depth);

static void compile_op(lua_State *L, pattern *p, int idx, uint32_t at, int depth)
{
	idx = lua_absindex(L, idx);
	if (depth > 32 || p->n > 4096)
		luaL_error(L, "nex.pattern: pattern too deep or too large");
	lua_geti(L, idx, 1);
	size_t len;
	const char *kind = lua_tolstring(L, -1, &len);
	if (!kind)
		luaL_error(L, "nex.pattern: a pattern starts with an op kind");
	int k = -1;
	if (strcmp(kind, "*") && (k = nx_op_lookup(kind, len)) < 0)
		luaL_error(L, "nex.pattern: unknown op kind '%s'", kind);
	lua_pop(L, 1);
	lua_Integer n = luaL_len(L, idx) - 1;
	if (n < 0 || n > 64)
		luaL_error(L, "nex.pattern: %d operands", (int)n);
	uint32_t first = new_nodes(p, (uint32_t)n);
	pnode *nd = &p->nodes[at];
	nd->type = P_OP;
	nd->kind = (int16_t)k;
	nd->n_in = (uint16_t)n;
	nd->first = first;
	nd->attr0 = p->n_attr;
	lua_pushnil(L);
	while (lua_next(L, idx)) {
		if (lua_type(L, -2) == LUA_TSTRING) {
			nx_grow((void **)&p->attrs, &p->cap_attr, p->n_attr + 1, sizeof *p->attrs);
			pattr *a = &p->attrs[p->n_attr++];
			memset(a, 0, sizeof *a);
			a->name = nx_xstrdup(lua_tostring(L, -2));
			if (lua_type(L, -1) == LUA_TSTRING)
				a->str = nx_xstrdup(lua_tostring(L, -1));
			else if (lua_type(L, -1) == LUA_TNUMBER)
				a->num = lua_tonumber(L, -1);
			else
				luaL_error(L, "nex.pattern: attribute %s: a number or a string",
					   a->name);
			p->nodes[at].n_attr++;
		}
		lua_pop(L, 1);
	}
	for (lua_Integer i = 0; i < n; i++) {
		lua_geti(L, idx, i + 2);
		compile_into(L, p, lua_gettop(L), first + (uint32_t)i, depth + 1);
		lua_pop(L, 1);
	}
}

static void compile_into(lua_State *L, pattern *p, int idx, uint32_t at, int depth)
{
	switch (lua_type(L, idx)) {
	case LUA_TSTRING: {
		const char *name = lua_tostring(L, idx);
		if (!strcmp(name, "_")) {
			p->nodes[at].type = P_ANY;
			return;
		}
		int slot = -1;
		for (int i = 0; i < p->n_names; i++)
			if (!strcmp(p->names[i], name))
				slot = i;
		if (slot < 0) {
			if (p->n_names == MAX_BIND)
				luaL_error(L, "nex.pattern: more than %d names", MAX_BIND);
			slot = p->n_names;
			p->names[p->n_names++] = nx_xstrdup(name);
		}
		p->nodes[at].type = P_NAME;
		p->nodes[at].slot = slot;
		return;
	}
	case LUA_TNUMBER:
		p->nodes[at].type = P_NUM;
		p->nodes[at].num = lua_tonumber(L, idx);
		return;
	case LUA_TTABLE:
		compile_op(L, p, idx, at, depth);
		return;
	default:
		luaL_error(L, "nex.pattern: an operand pattern is a name, a number or a table");
	}
}

/* Pushes a compiled pattern of the table at idx: one pattern, or a list
 * of alternatives (a table whose first element is a table). */
static pattern *compile(lua_State *L, int idx)
{
	luaL_checktype(L, idx, LUA_TTABLE);
	idx = lua_absindex(L, idx);
	pattern *p = lua_newuserdatauv(L, sizeof *p, 0);
	memset(p, 0, sizeof *p);
	luaL_setmetatable(L, NXL_PATTERN);
	lua_geti(L, idx, 1);
	bool alts = lua_istable(L, -1);
	lua_pop(L, 1);
	if (!alts) {
		p->roots[p->n_roots++] = new_nodes(p, 1);
		compile_op(L, p, idx, 0, 0);
		return p;
	}
	lua_Integer n = luaL_len(L, idx);
	if (n > 32)
		luaL_error(L, "nex.pattern: more than 32 alternatives");
	for (lua_Integer i = 1; i <= n; i++) {
		lua_geti(L, idx, i);
		luaL_checktype(L, -1, LUA_TTABLE);
		uint32_t root = new_nodes(p, 1);
		p->roots[p->n_roots++] = root;
		compile_op(L, p, lua_gettop(L), root, 0);
		lua_pop(L, 1);
	}
	return p;
}

int nxl_pattern(lua_State *L)
{
	compile(L, 1);
	return 1;
}

/* ---- matching ---------------------------------------------------------------- */

typedef struct mstate {
	const pattern *p;
	const nx_graph *g;
	uint32_t vals[MAX_BIND];
	uint32_t ops[MAX_OPS];
	int n_ops;
} mstate;

static bool attr_eq(const nx_graph *g, uint32_t op, const pattr *pa)
{
	const nx_attr *a = nx_attr_get(g, op, pa->name);
	const nx_attr_spec *sp = a ? NULL : nx_attr_spec_find(g->ops[op].kind, pa->name);
	if (pa->str) {
		if (a)
			return a->kind == NX_ATTR_STR && !strcmp(nx_cstr(g, a->u.s), pa->str);
		return sp && sp->def && !strcmp(sp->def, pa->str);
	}
	double got;
	if (a && a->kind == NX_ATTR_INT)
		got = (double)a->u.i;
	else if (a && a->kind == NX_ATTR_FLOAT)
		got = a->u.f;
	else if (a || !sp || !sp->def)
		return false;
	else
		got = strtod(sp->def, NULL);
	return fabs(got - pa->num) <= TOL * fmax(1.0, fabs(pa->num));
}

static bool m_op(mstate *m, uint32_t ni, uint32_t op);

static bool m_operand(mstate *m, uint32_t ni, uint32_t v, uint32_t user)
{
	const pnode *nd = &m->p->nodes[ni];
	const nx_graph *g = m->g;
	switch (nd->type) {
	case P_ANY:
		return true;
	case P_NAME:
		if (v == NX_NONE)
			return false;
		if (m->vals[nd->slot] == NX_NONE) {
			m->vals[nd->slot] = v;
			return true;
		}
		return m->vals[nd->slot] == v;
	case P_NUM:
		return v != NX_NONE && nxp_const_near(g, v, nd->num, TOL);
	default: {
		if (v == NX_NONE)
			return false;
		uint32_t p = g->vals[v].producer;
		if (p == NX_NONE || nxp_single_user(g, v) != user || nx_attr_get(g, p, "act"))
			return false;
		return m_op(m, ni, p);
	}
	}
}

static bool m_operands(mstate *m, const pnode *nd, uint32_t op, bool swap)
{
	for (uint32_t i = 0; i < nd->n_in; i++) {
		uint32_t k = swap ? 1 - i : i;
		if (!m_operand(m, nd->first + i, nx_operand(m->g, op, k), op))
			return false;
	}
	return true;
}

static bool m_op(mstate *m, uint32_t ni, uint32_t op)
{
	const pnode *nd = &m->p->nodes[ni];
	const nx_graph *g = m->g;
	if ((nd->kind >= 0 && nd->kind != g->ops[op].kind) || nd->n_in != g->ops[op].n_in)
		return false;
	for (uint32_t i = 0; i < nd->n_attr; i++)
		if (!attr_eq(g, op, &m->p->attrs[nd->attr0 + i]))
			return false;
	if (m->n_ops == MAX_OPS)
		return false;
	uint32_t saved[MAX_BIND];
	int n_saved = m->n_ops;
	memcpy(saved, m->vals, sizeof saved);
	m->ops[m->n_ops++] = op;
	if (m_operands(m, nd, op, false))
		return true;
	if (nd->n_in == 2 && (nx_ops[g->ops[op].kind].flags & NX_F_COMMUTE)) {
		memcpy(m->vals, saved, sizeof saved);
		m->n_ops = n_saved + 1;
		if (m_operands(m, nd, op, true))
			return true;
	}
	memcpy(m->vals, saved, sizeof saved);
	m->n_ops = n_saved;
	return false;
}

int nxl_match(lua_State *L)
{
	nxl_ref *r = nxl_check_op(L, 1);
	const pattern *p = luaL_testudata(L, 2, NXL_PATTERN);
	if (!p)
		p = compile(L, 2);
	mstate m = {.p = p, .g = r->gr->g};
	int alt = 0;
	for (; alt < p->n_roots; alt++) {
		for (int i = 0; i < MAX_BIND; i++)
			m.vals[i] = NX_NONE;
		m.n_ops = 0;
		if (m_op(&m, p->roots[alt], r->id))
			break;
	}
	if (alt == p->n_roots) {
		lua_pushnil(L);
		return 1;
	}
	lua_getiuservalue(L, 1, 1);  /* the graph handle */
	int gi = lua_gettop(L);
	lua_createtable(L, 0, p->n_names);
	for (int i = 0; i < p->n_names; i++)
		if (m.vals[i] != NX_NONE) {  /* names of other alternatives stay unbound */
			nxl_push_value(L, gi, m.vals[i]);
			lua_setfield(L, -2, p->names[i]);
		}
	lua_createtable(L, m.n_ops, 0);
	for (int i = 0; i < m.n_ops; i++) {
		nxl_push_op(L, gi, m.ops[i]);
		lua_rawseti(L, -2, i + 1);
	}
	lua_pushinteger(L, alt + 1);
	return 3;
}

static int pat_tostring(lua_State *L)
{
	pattern *p = luaL_checkudata(L, 1, NXL_PATTERN);
	lua_pushfstring(L, "pattern (%d nodes, %d names)", (int)p->n, p->n_names);
	return 1;
}

void nxl_open_match(lua_State *L)
{
	luaL_newmetatable(L, NXL_PATTERN);
	lua_pushcfunction(L, pat_gc);
	lua_setfield(L, -2, "__gc");
	lua_pushcfunction(L, pat_tostring);
	lua_setfield(L, -2, "__tostring");
	lua_pop(L, 1);
}
