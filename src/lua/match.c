/* match.c — nex.match(op, pattern): a small tree matcher for fusions.
 * A pattern is {kind, operand patterns..., attr=value...}: an operand
 * pattern is a name (binds the value; the same name must bind the same
 * value; "_" matches anything), a number (a constant whose every element is
 * within 1e-5 relative of it) or a nested pattern (the operand's producer,
 * which must feed only this op and carry no fused activation, as the C
 * fusions require). Operands of commutative kinds are tried in both orders.
 * Returns the bindings and the matched ops (root first, then operands
 * depth first: the order the C driver merges origins in), or nil. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nxl_int.h"

#define TOL 1e-5
#define MAX_BIND 32
#define MAX_OPS 64

typedef struct mstate {
	lua_State *L;
	const nx_graph *g;
	const char *names[MAX_BIND];
	uint32_t vals[MAX_BIND];
	int n_bind;
	uint32_t ops[MAX_OPS];
	int n_ops;
} mstate;

static bool match_op(mstate *m, int pat, uint32_t op);

/* Attribute a of op equals the pattern's value at idx (floats within TOL;
 * an absent attribute reads as the schema's default). */
static bool attr_eq(mstate *m, uint32_t op, const char *name, int idx)
{
	lua_State *L = m->L;
	const nx_graph *g = m->g;
	const nx_attr *a = nx_attr_get(g, op, name);
	double want;
	if (lua_type(L, idx) == LUA_TSTRING) {
		if (a)
			return a->kind == NX_ATTR_STR && !strcmp(nx_cstr(g, a->u.s), lua_tostring(L, idx));
		const nx_attr_spec *sp = nx_attr_spec_find(g->ops[op].kind, name);
		return sp && sp->def && !strcmp(sp->def, lua_tostring(L, idx));
	}
	if (lua_type(L, idx) != LUA_TNUMBER)
		luaL_error(L, "nex.match: attribute %s: give a number or a string", name);
	want = lua_tonumber(L, idx);
	double got;
	if (a && a->kind == NX_ATTR_INT)
		got = (double)a->u.i;
	else if (a && a->kind == NX_ATTR_FLOAT)
		got = a->u.f;
	else if (a)
		return false;
	else {
		const nx_attr_spec *sp = nx_attr_spec_find(g->ops[op].kind, name);
		if (!sp || !sp->def)
			return false;
		got = strtod(sp->def, NULL);
	}
	return fabs(got - want) <= TOL * fmax(1.0, fabs(want));
}

static bool match_operand(mstate *m, int pat_idx, uint32_t v, uint32_t user)
{
	lua_State *L = m->L;
	const nx_graph *g = m->g;
	int t = lua_type(L, pat_idx);
	if (t == LUA_TSTRING) {
		const char *name = lua_tostring(L, pat_idx);
		if (!strcmp(name, "_"))
			return true;
		if (v == NX_NONE)
			return false;
		for (int i = 0; i < m->n_bind; i++)
			if (!strcmp(m->names[i], name))
				return m->vals[i] == v;
		if (m->n_bind == MAX_BIND)
			luaL_error(L, "nex.match: more than %d names", MAX_BIND);
		m->names[m->n_bind] = name;
		m->vals[m->n_bind++] = v;
		return true;
	}
	if (v == NX_NONE)
		return false;
	if (t == LUA_TNUMBER)
		return nxp_const_near(g, v, lua_tonumber(L, pat_idx), TOL);
	if (t == LUA_TTABLE) {
		uint32_t p = g->vals[v].producer;
		if (p == NX_NONE || nxp_single_user(g, v) != user || nx_attr_get(g, p, "act"))
			return false;
		return match_op(m, pat_idx, p);
	}
	luaL_error(L, "nex.match: an operand pattern is a name, a number or a table");
	return false;
}

/* Operands in the order perm gives (perm NULL: as they are). */
static bool match_operands(mstate *m, int pat, uint32_t op, const int *perm, int n)
{
	for (int i = 0; i < n; i++) {
		lua_geti(m->L, pat, i + 2);
		int k = perm ? perm[i] : i;
		bool ok = match_operand(m, lua_gettop(m->L), nx_operand(m->g, op, (uint32_t)k), op);
		lua_pop(m->L, 1);
		if (!ok)
			return false;
	}
	return true;
}

static bool match_op(mstate *m, int pat, uint32_t op)
{
	lua_State *L = m->L;
	const nx_graph *g = m->g;
	pat = lua_absindex(L, pat);
	lua_geti(L, pat, 1);
	const char *kind = lua_tostring(L, -1);
	lua_pop(L, 1);
	if (!kind)
		luaL_error(L, "nex.match: a pattern starts with an op kind");
	if (strcmp(kind, "*") && strcmp(kind, nx_op_name(g, op)))
		return false;
	int n = (int)luaL_len(L, pat) - 1;
	if (n != g->ops[op].n_in)
		return false;
	/* attributes: the string keys */
	lua_pushnil(L);
	while (lua_next(L, pat)) {
		if (lua_type(L, -2) == LUA_TSTRING && !attr_eq(m, op, lua_tostring(L, -2), lua_gettop(L))) {
			lua_pop(L, 2);
			return false;
		}
		lua_pop(L, 1);
	}
	if (m->n_ops == MAX_OPS)
		luaL_error(L, "nex.match: pattern larger than %d ops", MAX_OPS);
	int save_b = m->n_bind, save_o = m->n_ops;
	m->ops[m->n_ops++] = op;
	if (match_operands(m, pat, op, NULL, n))
		return true;
	m->n_bind = save_b;
	m->n_ops = save_o + 1;
	if (n == 2 && (nx_ops[g->ops[op].kind].flags & NX_F_COMMUTE)) {
		static const int swap[2] = {1, 0};
		if (match_operands(m, pat, op, swap, n))
			return true;
	}
	m->n_bind = save_b;
	m->n_ops = save_o;
	return false;
}

int nxl_match(lua_State *L)
{
	nxl_ref *r = nxl_check_op(L, 1);
	luaL_checktype(L, 2, LUA_TTABLE);
	mstate m = {.L = L, .g = r->gr->g};
	if (!match_op(&m, 2, r->id)) {
		lua_pushnil(L);
		return 1;
	}
	lua_getiuservalue(L, 1, 1);  /* the graph handle */
	int gi = lua_gettop(L);
	lua_createtable(L, 0, m.n_bind);
	for (int i = 0; i < m.n_bind; i++) {
		nxl_push_value(L, gi, m.vals[i]);
		lua_setfield(L, -2, m.names[i]);
	}
	lua_createtable(L, m.n_ops, 0);
	for (int i = 0; i < m.n_ops; i++) {
		nxl_push_op(L, gi, m.ops[i]);
		lua_rawseti(L, -2, i + 1);
	}
	return 2;
}
