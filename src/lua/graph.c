/* graph.c — graph handles for Lua: walk the schedule (all ops or some
 * kinds), values, inputs and outputs, look ops and values up, add ops and
 * constants (inside a pass placed and stamped as the C driver does), clone,
 * print, verify, save. */
#include <stdlib.h>
#include <string.h>

#include "nxl_int.h"

/* ---- graph methods ---------------------------------------------------------- */

static int g_gc(lua_State *L)
{
	nxl_graph *gr = lua_touserdata(L, 1);
	if (gr->owned && gr->g) {
		nx_graph_free(gr->g);
		gr->g = NULL;
		gr->own++;
	}
	return 0;
}

static int g_name(lua_State *L)
{
	nxl_graph *gr = nxl_check_graph(L, 1);
	lua_pushstring(L, nx_cstr(gr->g, gr->g->name));
	return 1;
}

/* The iterator keeps the op it returned and where the schedule went on
 * after it, so erasing or replacing the current op does not end the walk.
 * Upvalues: graph, current op, the op after it, the kind filter (a
 * userdata of NX_OP_COUNT flags, or nil). */
static int ops_next(lua_State *L)
{
	nxl_graph *gr = nxl_check_graph(L, lua_upvalueindex(1));
	const nx_graph *g = gr->g;
	lua_Integer cur = lua_tointeger(L, lua_upvalueindex(2));
	lua_Integer after = lua_tointeger(L, lua_upvalueindex(3));
	const uint8_t *want = lua_touserdata(L, lua_upvalueindex(4));
	uint32_t o;
	if (cur < 0)
		o = g->first;
	else if (!(g->ops[cur].flags & NX_O_DEAD))
		o = g->ops[cur].next;
	else {
		o = after < 0 ? NX_NONE : (uint32_t)after;
		for (uint32_t guard = 0; o != NX_NONE && (g->ops[o].flags & NX_O_DEAD) &&
		     guard < g->n_ops; guard++)
			o = g->ops[o].next;
	}
	while (want && o != NX_NONE && !want[g->ops[o].kind])
		o = g->ops[o].next;
	if (o == NX_NONE)
		return 0;
	lua_pushinteger(L, o);
	lua_replace(L, lua_upvalueindex(2));
	lua_pushinteger(L, g->ops[o].next == NX_NONE ? -1 : (lua_Integer)g->ops[o].next);
	lua_replace(L, lua_upvalueindex(3));
	nxl_push_op(L, lua_upvalueindex(1), o);
	return 1;
}

/* g:ops([kind, ...]): every op, or only those of the kinds named (cheaper
 * than filtering in Lua: no handle is made for the others). */
static int g_ops(lua_State *L)
{
	nxl_check_graph(L, 1);
	int n = lua_gettop(L);
	lua_pushvalue(L, 1);
	lua_pushinteger(L, -1);
	lua_pushinteger(L, -1);
	if (n > 1) {
		uint8_t *want = lua_newuserdatauv(L, NX_OP_COUNT, 0);
		memset(want, 0, NX_OP_COUNT);
		for (int i = 2; i <= n; i++) {
			size_t len;
			const char *k = luaL_checklstring(L, i, &len);
			int kind = nx_op_lookup(k, len);
			if (kind < 0)
				return luaL_error(L, "ops: unknown op kind '%s'", k);
			want[kind] = 1;
		}
	} else
		lua_pushnil(L);
	lua_pushcclosure(L, ops_next, 4);
	return 1;
}

static int g_op_list(lua_State *L)
{
	nxl_graph *gr = nxl_check_graph(L, 1);
	lua_createtable(L, (int)gr->g->n_live_ops, 0);
	lua_Integer i = 1;
	NX_FOR_OPS(gr->g, o) {
		nxl_push_op(L, 1, o);
		lua_rawseti(L, -2, i++);
	}
	return 1;
}

static int g_values(lua_State *L)
{
	nxl_graph *gr = nxl_check_graph(L, 1);
	const nx_graph *g = gr->g;
	lua_newtable(L);
	lua_Integer n = 1;
	for (uint32_t i = 0; i < g->n_inputs; i++) {
		nxl_push_value(L, 1, g->inputs[i]);
		lua_rawseti(L, -2, n++);
	}
	for (uint32_t v = 0; v < g->n_vals; v++)
		if (!(g->vals[v].flags & NX_V_DEAD) && g->vals[v].blob != NX_NONE) {
			nxl_push_value(L, 1, v);
			lua_rawseti(L, -2, n++);
		}
	NX_FOR_OPS(g, o) {
		for (uint32_t i = 0; i < g->ops[o].n_out; i++) {
			nxl_push_value(L, 1, nx_result(g, o, i));
			lua_rawseti(L, -2, n++);
		}
	}
	return 1;
}

static int g_inputs(lua_State *L)
{
	nxl_graph *gr = nxl_check_graph(L, 1);
	return nxl_push_vlist(L, 1, gr->g->inputs, gr->g->n_inputs);
}

static int g_outputs(lua_State *L)
{
	nxl_graph *gr = nxl_check_graph(L, 1);
	return nxl_push_vlist(L, 1, gr->g->outputs, gr->g->n_outputs);
}

static int g_count(lua_State *L)
{
	nxl_graph *gr = nxl_check_graph(L, 1);
	lua_pushinteger(L, gr->g->n_live_ops);
	return 1;
}

static int g_op(lua_State *L)
{
	nxl_graph *gr = nxl_check_graph(L, 1);
	lua_Integer id = luaL_checkinteger(L, 2);
	if (id < 0 || id >= gr->g->n_ops || (gr->g->ops[id].flags & NX_O_DEAD))
		lua_pushnil(L);
	else
		nxl_push_op(L, 1, (uint32_t)id);
	return 1;
}

static int g_value(lua_State *L)
{
	nxl_graph *gr = nxl_check_graph(L, 1);
	uint32_t v = NX_NONE;
	if (lua_type(L, 2) == LUA_TNUMBER) {
		lua_Integer id = luaL_checkinteger(L, 2);
		if (id >= 0 && id < gr->g->n_vals)
			v = (uint32_t)id;
	} else {
		size_t len;
		const char *name = luaL_checklstring(L, 2, &len);
		if (name[0] == '%')
			name++, len--;
		v = nx_value_by_name(gr->g, name, len);
	}
	if (v != NX_NONE && (gr->g->vals[v].flags & NX_V_DEAD))
		v = NX_NONE;
	nxl_push_value(L, 1, v);
	return 1;
}

static int g_print(lua_State *L)
{
	nxl_graph *gr = nxl_check_graph(L, 1);
	size_t len;
	char *s = nx_print_str(gr->g, &nx_print_defaults, &len);
	lua_pushlstring(L, s, len);
	free(s);
	return 1;
}

static int g_clone(lua_State *L)
{
	nxl_graph *gr = nxl_check_graph(L, 1);
	nxl_push_graph(L, nx_graph_clone(gr->g), true, false, NULL, 0);
	return 1;
}

static int g_verify(lua_State *L)
{
	nxl_graph *gr = nxl_check_graph(L, 1);
	nx_err err;
	if (nx_verify(gr->g, &err) != 0) {
		lua_pushnil(L);
		lua_pushstring(L, err.msg);
		return 2;
	}
	lua_pushboolean(L, 1);
	return 1;
}

static int g_save(lua_State *L)
{
	nxl_graph *gr = nxl_check_graph(L, 1);
	const char *path = luaL_checkstring(L, 2);
	nxl_check_write_path(L, path);
	nx_err err;
	if (nx_save(gr->g, path, &err) != 0)
		return luaL_error(L, "%s", err.msg);
	return 0;
}

static int g_tostring(lua_State *L)
{
	nxl_graph *gr = luaL_checkudata(L, 1, NXL_GRAPH);
	if (!nxl_graph_ok(gr))
		lua_pushstring(L, "graph (stale)");
	else
		lua_pushfstring(L, "graph @%s (%d ops)", nx_cstr(gr->g, gr->g->name),
				(int)gr->g->n_live_ops);
	return 1;
}

static uint32_t opt_op(lua_State *L, int tbl, const char *field, nxl_graph *gr)
{
	lua_getfield(L, tbl, field);
	uint32_t o = NX_NONE;
	if (!lua_isnil(L, -1)) {
		nxl_ref *r = nxl_check_op(L, -1);
		if (r->gr->g != gr->g)
			luaL_error(L, "add_op: %s is an op of another graph", field);
		o = r->id;
	}
	lua_pop(L, 1);
	return o;
}

/* g:add_op{kind=, operands={...}, attrs={...}, name=, results=, before=,
 * after=, from={ops}, infer=true} */
static int g_add_op(lua_State *L)
{
	nxl_graph *gr = nxl_check_graph(L, 1);
	nxl_check_mut(L, gr);
	luaL_checktype(L, 2, LUA_TTABLE);
	nx_graph *g = gr->g;
	lua_getfield(L, 2, "kind");
	size_t kl;
	const char *kname = luaL_checklstring(L, -1, &kl);
	int kind = nx_op_lookup(kname, kl);
	if (kind < 0)
		return luaL_error(L, "add_op: unknown op kind '%s'", kname);
	lua_pop(L, 1);
	uint32_t in[NX_VARIADIC], n_in = 0;
	lua_getfield(L, 2, "operands");
	if (!lua_isnil(L, -1)) {
		luaL_checktype(L, -1, LUA_TTABLE);
		lua_Integer n = luaL_len(L, -1);
		if (n >= NX_VARIADIC)
			return luaL_error(L, "add_op: too many operands");
		for (lua_Integer i = 1; i <= n; i++) {
			lua_geti(L, -1, i);
			if (lua_toboolean(L, -1)) {
				nxl_ref *v = nxl_check_value(L, -1);
				if (v->gr->g != g)
					return luaL_error(L, "add_op: operand %d is a value of another "
						       "graph", (int)i);
				in[n_in++] = v->id;
			} else
				in[n_in++] = NX_NONE;
			lua_pop(L, 1);
		}
	}
	lua_pop(L, 1);
	lua_getfield(L, 2, "results");
	uint32_t n_out = (uint32_t)luaL_optinteger(L, -1, nx_ops[kind].out_min ?
						      nx_ops[kind].out_min : 1);
	lua_pop(L, 1);
	lua_getfield(L, 2, "name");
	const char *hint = lua_tostring(L, -1);
	uint32_t before = opt_op(L, 2, "before", gr);
	uint32_t after = opt_op(L, 2, "after", gr);
	if (after != NX_NONE)
		before = g->ops[after].next;
	else if (before == NX_NONE && gr->ctx && gr->ctx->ctx) {
		before = gr->ctx->ctx->last_op;  /* as the C driver: before the root */
		if (before != NX_NONE && (g->ops[before].flags & NX_O_DEAD))
			return luaL_error(L, "add_op %s: the rewrite's root op was erased: say "
					  "where the op goes (before= or after=)", kname);
	}
	uint32_t from[64], n_from = 0;
	lua_getfield(L, 2, "from");
	if (lua_istable(L, -1)) {
		lua_Integer n = luaL_len(L, -1);
		for (lua_Integer i = 1; i <= n && n_from < 64; i++) {
			lua_geti(L, -1, i);
			from[n_from++] = nxl_check_op(L, -1)->id;
			lua_pop(L, 1);
		}
	} else if (gr->ctx && gr->ctx->ctx && gr->ctx->ctx->last_op != NX_NONE)
		from[n_from++] = gr->ctx->ctx->last_op;
	lua_pop(L, 1);
	nxp_ctx tmp;
	nxp_ctx_init(&tmp, NULL, -1);
	uint32_t o = nxp_op_new(g, &tmp, kind, in, n_in, n_out, hint, before, from, n_from);
	lua_pop(L, 1); /* name */
	if (o == NX_NONE)
		return luaL_error(L, "add_op %s: %s", kname, tmp.err.msg);
	lua_getfield(L, 2, "attrs");
	if (lua_istable(L, -1)) {
		int t = lua_gettop(L);
		lua_pushnil(L);
		while (lua_next(L, t)) {
			if (lua_type(L, -2) == LUA_TSTRING)
				nxl_set_attr(L, g, o, lua_tostring(L, -2), lua_gettop(L));
			lua_pop(L, 1);
		}
	}
	lua_pop(L, 1);
	lua_getfield(L, 2, "infer");
	bool infer = lua_isnil(L, -1) || lua_toboolean(L, -1);
	lua_pop(L, 1);
	nx_err err;
	if (infer && nx_infer_op(g, o, &err) != 0)
		return luaL_error(L, "add_op %s: %s", kname, err.msg);
	nxl_push_op(L, 1, o);
	return 1;
}

/* g:const(dtype, shape, data[, name]): data a number (splat) or a list. */
static int g_const(lua_State *L)
{
	nxl_graph *gr = nxl_check_graph(L, 1);
	nxl_check_mut(L, gr);
	nx_type t = nxl_check_type(L, 2, 3);
	const char *name = luaL_optstring(L, 5, NULL);
	int64_t n = nx_type_numel(&t);
	if (n < 0 || n > (1 << 24))
		return luaL_error(L, "const: %f elements: at most 16M from Lua", (double)n);
	bool list = lua_istable(L, 4);
	if (!list)
		luaL_checknumber(L, 4);
	if (list && luaL_len(L, 4) != n)
		return luaL_error(L, "const: %d values for %d elements", (int)luaL_len(L, 4),
				  (int)n);
	nx_tensor tt = nx_tensor_alloc(&t);
	for (int64_t i = 0; i < n; i++) {
		double x;
		if (list) {
			lua_geti(L, 4, i + 1);
			x = lua_tonumber(L, -1);
			lua_pop(L, 1);
		} else
			x = lua_tonumber(L, 4);
		nx_tensor_set(&tt, i, x);
	}
	nx_blob *b = nx_blob_new_data(&t, tt.data);
	nx_err err;
	char hint[128];
	snprintf(hint, sizeof hint, "%s", nx_cstr(gr->g, nx_fresh_name(gr->g, name ? name : "c")));
	uint32_t v = nx_const_new(gr->g, hint, b, &err);
	if (v == NX_NONE)
		return luaL_error(L, "const: %s", err.msg);
	nxl_push_value(L, 1, v);
	return 1;
}

static int g_set_output(lua_State *L)
{
	nxl_graph *gr = nxl_check_graph(L, 1);
	nxl_check_mut(L, gr);
	lua_Integer i = luaL_checkinteger(L, 2);
	nxl_ref *v = nxl_check_value(L, 3);
	if (v->gr->g != gr->g)
		return luaL_error(L, "set_output: the value is in another graph");
	if (i < 1 || i > gr->g->n_outputs)
		return luaL_error(L, "set_output: the graph has %d outputs", (int)gr->g->n_outputs);
	nx_graph_set_output(gr->g, (uint32_t)i - 1, v->id);
	return 0;
}

static const luaL_Reg graph_m[] = {
	{"name", g_name}, {"ops", g_ops}, {"op_list", g_op_list}, {"values", g_values},
	{"inputs", g_inputs}, {"outputs", g_outputs}, {"count", g_count}, {"op", g_op},
	{"value", g_value}, {"print", g_print}, {"clone", g_clone}, {"verify", g_verify},
	{"save", g_save}, {"add_op", g_add_op}, {"const", g_const},
	{"set_output", g_set_output}, {NULL, NULL}};

void nxl_open_graph(lua_State *L)
{
	nxl_new_class(L, NXL_GRAPH, graph_m, g_tostring, g_gc, NULL);
}
