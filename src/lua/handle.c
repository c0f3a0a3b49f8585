/* handle.c — what the graph, op and value handles share: making and
 * checking them (ids, never pointers into the graph's arrays, and a
 * generation check on every use, so an old handle is a clean "stale op
 * handle" error), the budget rule for changes inside a pass, and the
 * conversions the three classes all use (types, shapes, attributes). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nxl_int.h"

nxl_graph *nxl_push_graph(lua_State *L, nx_graph *g, bool owned, bool readonly,
			  const uint32_t *live, int keep)
{
	if (keep)
		keep = lua_absindex(L, keep);
	nxl_graph *gr = lua_newuserdatauv(L, sizeof *gr, 1);
	memset(gr, 0, sizeof *gr);
	gr->g = g;
	gr->owned = owned;
	gr->readonly = readonly;
	gr->live = live ? live : &gr->own;
	gr->gen = *gr->live;
	if (keep) {
		lua_pushvalue(L, keep);
		lua_setiuservalue(L, -2, 1);
	}
	luaL_setmetatable(L, NXL_GRAPH);
	return gr;
}

bool nxl_graph_ok(const nxl_graph *gr)
{
	if (!gr->g || *gr->live != gr->gen)
		return false;
	return !gr->sess ||
	       (gr->step < gr->sess->n_steps && gr->sess->steps[gr->step].snap == gr->g);
}

nxl_graph *nxl_check_graph(lua_State *L, int idx)
{
	nxl_graph *gr = luaL_checkudata(L, idx, NXL_GRAPH);
	if (!nxl_graph_ok(gr))
		luaL_error(L, "stale graph handle: its pass returned or its session changed since");
	return gr;
}

/* graph_idx holds the graph handle, or an op or value handle of it (whose
 * user value is the graph handle). */
static void push_ref(lua_State *L, int graph_idx, uint32_t id, const char *mt)
{
	graph_idx = lua_absindex(L, graph_idx);
	bool via = !luaL_testudata(L, graph_idx, NXL_GRAPH);
	if (via) {
		lua_getiuservalue(L, graph_idx, 1);
		graph_idx = lua_gettop(L);
	}
	nxl_ref *r = lua_newuserdatauv(L, sizeof *r, 1);
	r->gr = lua_touserdata(L, graph_idx);
	r->id = id;
	lua_pushvalue(L, graph_idx);
	lua_setiuservalue(L, -2, 1);
	luaL_setmetatable(L, mt);
	if (via)
		lua_remove(L, graph_idx);
}

void nxl_push_op(lua_State *L, int graph_idx, uint32_t op)
{
	if (op == NX_NONE)
		lua_pushnil(L);
	else
		push_ref(L, graph_idx, op, NXL_OP);
}

void nxl_push_value(lua_State *L, int graph_idx, uint32_t v)
{
	if (v == NX_NONE)
		lua_pushnil(L);
	else
		push_ref(L, graph_idx, v, NXL_VALUE);
}

const char *nxl_op_label(const nx_graph *g, uint32_t op, char *buf, size_t n)
{
	const nx_op *o = &g->ops[op];
	if (o->n_out)
		snprintf(buf, n, "op %%%s (%s)", nx_vname(g, nx_result(g, op, 0)),
			 nx_ops[o->kind].name);
	else
		snprintf(buf, n, "op #%u (%s)", op, nx_ops[o->kind].name);
	return buf;
}

nxl_ref *nxl_check_op(lua_State *L, int idx)
{
	nxl_ref *r = luaL_checkudata(L, idx, NXL_OP);
	if (!nxl_graph_ok(r->gr))
		luaL_error(L, "stale op handle: its graph is gone (the pass returned or the "
			   "session changed since)");
	if (r->gr->g->ops[r->id].flags & NX_O_DEAD)
		luaL_error(L, "op #%d was erased", (int)r->id);
	return r;
}

nxl_ref *nxl_check_value(lua_State *L, int idx)
{
	nxl_ref *r = luaL_checkudata(L, idx, NXL_VALUE);
	if (!nxl_graph_ok(r->gr))
		luaL_error(L, "stale value handle: its graph is gone (the pass returned or the "
			   "session changed since)");
	if (r->gr->g->vals[r->id].flags & NX_V_DEAD)
		luaL_error(L, "value #%d was erased", (int)r->id);
	return r;
}

void nxl_check_mut(lua_State *L, nxl_graph *gr)
{
	if (gr->readonly)
		luaL_error(L, "the graph of a session step is read-only: edit a copy "
			   "(g:clone()) or write a pass");
	if (gr->ctx && gr->ctx->ctx) {
		nxp_ctx *c = gr->ctx->ctx;
		if (c->stopped)
			luaL_error(L, "the rewrite budget is spent: return from the pass when "
				   "ctx:rewrite(op) returns false");
		if (c->rewrites == 0)
			luaL_error(L, "a pass changes the graph only after ctx:rewrite(op) "
				   "admitted the change (the rewrite budget)");
	}
}

/* Raise "file:line: op %x (kind): msg". */
int nxl_op_error(lua_State *L, const nx_graph *g, uint32_t op, const char *msg)
{
	char lab[160];
	return luaL_error(L, "%s: %s", nxl_op_label(g, op, lab, sizeof lab), msg);
}

/* ---- types -------------------------------------------------------------------- */

void nxl_push_shape(lua_State *L, const nx_type *t)
{
	lua_createtable(L, t->rank, 0);
	for (int i = 0; i < t->rank; i++) {
		lua_pushinteger(L, t->dims[i]);
		lua_rawseti(L, -2, i + 1);
	}
}

void nxl_push_type(lua_State *L, const nx_type *t)
{
	char buf[160];
	nx_type_str(t, buf, sizeof buf);
	lua_pushstring(L, buf);
}

int nxl_push_vlist(lua_State *L, int gidx, const uint32_t *v, uint32_t n)
{
	lua_createtable(L, (int)n, 0);
	for (uint32_t i = 0; i < n; i++) {
		nxl_push_value(L, gidx, v[i]);
		lua_rawseti(L, -2, i + 1);
	}
	return 1;
}

/* Attribute value at idx into op o, typed by the kind's schema when it
 * names the attribute, else by the Lua value. */
void nxl_set_attr(lua_State *L, nx_graph *g, uint32_t o, const char *name, int idx)
{
	const nx_attr_spec *sp = nx_attr_spec_find(g->ops[o].kind, name);
	int kind = sp ? sp->kind : -1;
	int t = lua_type(L, idx);
	if (t == LUA_TNIL) {
		nx_attr_del(g, o, name);
		return;
	}
	if (kind < 0) {
		if (t == LUA_TSTRING)
			kind = NX_ATTR_STR;
		else if (t == LUA_TNUMBER)
			kind = lua_isinteger(L, idx) ? NX_ATTR_INT : NX_ATTR_FLOAT;
		else if (t == LUA_TTABLE) {
			kind = NX_ATTR_INTS;
			lua_Integer n = luaL_len(L, idx);
			for (lua_Integer i = 1; i <= n; i++) {
				lua_geti(L, idx, i);
				if (!lua_isinteger(L, -1))
					kind = NX_ATTR_FLOATS;
				lua_pop(L, 1);
			}
		}
	}
	char lab[160];
	switch (kind) {
	case NX_ATTR_INT:
		if (!lua_isinteger(L, idx) && !(t == LUA_TNUMBER && lua_tonumber(L, idx) ==
						 floor(lua_tonumber(L, idx))))
			luaL_error(L, "%s: attribute %s wants an integer",
				   nxl_op_label(g, o, lab, sizeof lab), name);
		nx_attr_set_i(g, o, name, (int64_t)lua_tonumber(L, idx));
		break;
	case NX_ATTR_FLOAT:
		nx_attr_set_f(g, o, name, (float)luaL_checknumber(L, idx));
		break;
	case NX_ATTR_STR:
		nx_attr_set_s(g, o, name, luaL_checkstring(L, idx));
		break;
	case NX_ATTR_INTS:
	case NX_ATTR_FLOATS: {
		luaL_checktype(L, idx, LUA_TTABLE);
		lua_Integer n = luaL_len(L, idx);
		if (n > 4096)
			luaL_error(L, "attribute %s: more than 4096 elements", name);
		int64_t iv[4096];
		float fv[4096];
		for (lua_Integer i = 1; i <= n; i++) {
			lua_geti(L, idx, i);
			if (kind == NX_ATTR_INTS)
				iv[i - 1] = (int64_t)luaL_checknumber(L, -1);
			else
				fv[i - 1] = (float)luaL_checknumber(L, -1);
			lua_pop(L, 1);
		}
		if (kind == NX_ATTR_INTS)
			nx_attr_set_ints(g, o, name, iv, (uint32_t)n);
		else
			nx_attr_set_floats(g, o, name, fv, (uint32_t)n);
		break;
	}
	default:
		luaL_error(L, "%s: attribute %s: give a number, string or list",
			   nxl_op_label(g, o, lab, sizeof lab), name);
	}
}

static int parse_dtype(lua_State *L, int idx)
{
	size_t len;
	const char *s = luaL_checklstring(L, idx, &len);
	int dt = nx_dtype_parse(s, len);
	if (dt < 0)
		luaL_error(L, "unknown dtype '%s' (f32, f16, bf16, i8, u8, i32, i64, bool, f64, "
			   "u16, u32, u64, i16)", s);
	return dt;
}

nx_type nxl_check_type(lua_State *L, int dt_idx, int shape_idx)
{
	int dt = parse_dtype(L, dt_idx);
	luaL_checktype(L, shape_idx, LUA_TTABLE);
	lua_Integer r = luaL_len(L, shape_idx);
	if (r > NX_MAX_RANK)
		luaL_error(L, "rank %d is more than %d", (int)r, NX_MAX_RANK);
	int64_t dims[NX_MAX_RANK];
	for (lua_Integer i = 1; i <= r; i++) {
		lua_geti(L, shape_idx, i);
		dims[i - 1] = luaL_checkinteger(L, -1);
		if (dims[i - 1] < 1)
			luaL_error(L, "dim %d is %d: dims are >= 1", (int)i, (int)dims[i - 1]);
		lua_pop(L, 1);
	}
	return nx_type_make(dt, (int)r, dims);
}

int nxl_ref_eq(lua_State *L)
{
	/* an op and a value may share an id: same class first */
	if (!lua_getmetatable(L, 1) || !lua_getmetatable(L, 2) || !lua_rawequal(L, -1, -2)) {
		lua_pushboolean(L, 0);
		return 1;
	}
	nxl_ref *a = lua_touserdata(L, 1), *b = lua_touserdata(L, 2);
	lua_pushboolean(L, a && b && a->gr->g == b->gr->g && a->id == b->id &&
			     a->gr->g != NULL);
	return 1;
}

void nxl_new_class(lua_State *L, const char *name, const luaL_Reg *methods,
		   lua_CFunction tostring, lua_CFunction gc, lua_CFunction eq)
{
	luaL_newmetatable(L, name);
	lua_newtable(L);
	luaL_setfuncs(L, methods, 0);
	lua_setfield(L, -2, "__index");
	lua_pushcfunction(L, tostring);
	lua_setfield(L, -2, "__tostring");
	if (gc) {
		lua_pushcfunction(L, gc);
		lua_setfield(L, -2, "__gc");
	}
	if (eq) {
		lua_pushcfunction(L, eq);
		lua_setfield(L, -2, "__eq");
	}
	lua_pushstring(L, name);
	lua_setfield(L, -2, "__name");
	lua_pop(L, 1);
}
