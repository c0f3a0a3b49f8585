/* graph.c — graph, op and value handles for Lua: walk the schedule, read
 * kinds, operands, results, attributes, types, origin and born; edit (new
 * ops and constants, replace uses, erase, move, set attributes and types);
 * clone and print. Handles carry ids, never pointers into the graph's
 * arrays, and every use checks the graph handle's generation (nxl_int.h),
 * so an old handle is a clean "stale op handle" error. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nxl_int.h"

/* ---- handles --------------------------------------------------------------- */

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

static bool graph_ok(const nxl_graph *gr)
{
	if (!gr->g || *gr->live != gr->gen)
		return false;
	return !gr->sess ||
	       (gr->step < gr->sess->n_steps && gr->sess->steps[gr->step].snap == gr->g);
}

nxl_graph *nxl_check_graph(lua_State *L, int idx)
{
	nxl_graph *gr = luaL_checkudata(L, idx, NXL_GRAPH);
	if (!graph_ok(gr))
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
	if (!graph_ok(r->gr))
		luaL_error(L, "stale op handle: its graph is gone (the pass returned or the "
			   "session changed since)");
	if (r->gr->g->ops[r->id].flags & NX_O_DEAD)
		luaL_error(L, "op #%d was erased", (int)r->id);
	return r;
}

nxl_ref *nxl_check_value(lua_State *L, int idx)
{
	nxl_ref *r = luaL_checkudata(L, idx, NXL_VALUE);
	if (!graph_ok(r->gr))
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
static int op_error(lua_State *L, const nx_graph *g, uint32_t op, const char *msg)
{
	char lab[160];
	return luaL_error(L, "%s: %s", nxl_op_label(g, op, lab, sizeof lab), msg);
}

/* ---- types -------------------------------------------------------------------- */

static void push_shape(lua_State *L, const nx_type *t)
{
	lua_createtable(L, t->rank, 0);
	for (int i = 0; i < t->rank; i++) {
		lua_pushinteger(L, t->dims[i]);
		lua_rawseti(L, -2, i + 1);
	}
}

static void push_type_str(lua_State *L, const nx_type *t)
{
	char buf[160];
	nx_type_str(t, buf, sizeof buf);
	lua_pushstring(L, buf);
}

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

static int push_vlist(lua_State *L, int gidx, const uint32_t *v, uint32_t n)
{
	lua_createtable(L, (int)n, 0);
	for (uint32_t i = 0; i < n; i++) {
		nxl_push_value(L, gidx, v[i]);
		lua_rawseti(L, -2, i + 1);
	}
	return 1;
}

static int g_inputs(lua_State *L)
{
	nxl_graph *gr = nxl_check_graph(L, 1);
	return push_vlist(L, 1, gr->g->inputs, gr->g->n_inputs);
}

static int g_outputs(lua_State *L)
{
	nxl_graph *gr = nxl_check_graph(L, 1);
	return push_vlist(L, 1, gr->g->outputs, gr->g->n_outputs);
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
	if (!graph_ok(gr))
		lua_pushstring(L, "graph (stale)");
	else
		lua_pushfstring(L, "graph @%s (%d ops)", nx_cstr(gr->g, gr->g->name),
				(int)gr->g->n_live_ops);
	return 1;
}

/* Attribute value at idx into op o, typed by the kind's schema when it
 * names the attribute, else by the Lua value. */
static void set_attr(lua_State *L, nx_graph *g, uint32_t o, const char *name, int idx)
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
				set_attr(L, g, o, lua_tostring(L, -2), lua_gettop(L));
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

static int parse_dtype(lua_State *L, int idx)
{
	size_t len;
	const char *s = luaL_checklstring(L, idx, &len);
	int dt = nx_dtype_parse(s, len);
	if (dt < 0)
		luaL_error(L, "unknown dtype '%s' (f32, f16, bf16, i8, u8, i32, i64, bool)", s);
	return dt;
}

static nx_type check_type(lua_State *L, int dt_idx, int shape_idx)
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

/* g:const(dtype, shape, data[, name]): data a number (splat) or a list. */
static int g_const(lua_State *L)
{
	nxl_graph *gr = nxl_check_graph(L, 1);
	nxl_check_mut(L, gr);
	nx_type t = check_type(L, 2, 3);
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

/* ---- op methods ------------------------------------------------------------- */

#define OP(L) nxl_ref *r = nxl_check_op(L, 1); nx_graph *g = r->gr->g; uint32_t o = r->id

static int op_id(lua_State *L) { OP(L); (void)g; lua_pushinteger(L, o); return 1; }

static int op_kind(lua_State *L)
{
	OP(L);
	lua_pushstring(L, nx_op_name(g, o));
	return 1;
}

static int op_name(lua_State *L)
{
	OP(L);
	if (g->ops[o].n_out)
		lua_pushstring(L, nx_vname(g, nx_result(g, o, 0)));
	else
		lua_pushfstring(L, "#%d", (int)o);
	return 1;
}

static int op_operands(lua_State *L)
{
	OP(L);
	uint32_t n = g->ops[o].n_in;
	lua_createtable(L, (int)n, 0);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t v = nx_operand(g, o, i);
		if (v == NX_NONE)
			lua_pushboolean(L, 0);
		else
			nxl_push_value(L, 1, v);
		lua_rawseti(L, -2, i + 1);
	}
	return 1;
}

static int op_operand(lua_State *L)
{
	OP(L);
	lua_Integer i = luaL_checkinteger(L, 2);
	if (i < 1 || i > g->ops[o].n_in)
		lua_pushnil(L);
	else
		nxl_push_value(L, 1, nx_operand(g, o, (uint32_t)i - 1));
	return 1;
}

static int op_results(lua_State *L)
{
	OP(L);
	return push_vlist(L, 1, g->u32 + g->ops[o].out, g->ops[o].n_out);
}

static int op_result(lua_State *L)
{
	OP(L);
	lua_Integer i = luaL_optinteger(L, 2, 1);
	if (i < 1 || i > g->ops[o].n_out)
		lua_pushnil(L);
	else
		nxl_push_value(L, 1, nx_result(g, o, (uint32_t)i - 1));
	return 1;
}

static int op_count_in(lua_State *L)
{
	OP(L);
	lua_pushinteger(L, g->ops[o].n_in);
	return 1;
}

static void push_attr(lua_State *L, const nx_graph *g, const nx_attr *a)
{
	switch (a->kind) {
	case NX_ATTR_INT: lua_pushinteger(L, a->u.i); break;
	case NX_ATTR_FLOAT: lua_pushnumber(L, a->u.f); break;
	case NX_ATTR_STR: lua_pushstring(L, nx_cstr(g, a->u.s)); break;
	case NX_ATTR_INTS:
		lua_createtable(L, (int)a->n, 0);
		for (uint32_t i = 0; i < a->n; i++) {
			lua_pushinteger(L, g->ints[a->u.off + i]);
			lua_rawseti(L, -2, i + 1);
		}
		break;
	default:
		lua_createtable(L, (int)a->n, 0);
		for (uint32_t i = 0; i < a->n; i++) {
			lua_pushnumber(L, g->floats[a->u.off + i]);
			lua_rawseti(L, -2, i + 1);
		}
	}
}

static int op_attr(lua_State *L)
{
	OP(L);
	const char *name = luaL_checkstring(L, 2);
	const nx_attr *a = nx_attr_get(g, o, name);
	if (a)
		push_attr(L, g, a);
	else
		lua_pushnil(L);
	return 1;
}

static int op_attrs(lua_State *L)
{
	OP(L);
	lua_newtable(L);
	for (uint32_t i = 0; i < g->ops[o].n_attr; i++) {
		const nx_attr *a = &g->attrs[g->ops[o].attr + i];
		push_attr(L, g, a);
		lua_setfield(L, -2, nx_cstr(g, a->name));
	}
	return 1;
}

static int op_set_attr(lua_State *L)
{
	OP(L);
	nxl_check_mut(L, r->gr);
	const char *name = luaL_checkstring(L, 2);
	luaL_checkany(L, 3);
	set_attr(L, g, o, name, 3);
	return 0;
}

static int op_origin(lua_State *L)
{
	OP(L);
	uint32_t n = g->ops[o].n_origin;
	lua_createtable(L, (int)n, 0);
	const uint32_t *s = nx_op_origin(g, o);
	for (uint32_t i = 0; i < n; i++) {
		lua_pushstring(L, nx_cstr(g, s[i]));
		lua_rawseti(L, -2, i + 1);
	}
	return 1;
}

static int op_born(lua_State *L)
{
	OP(L);
	lua_pushinteger(L, g->ops[o].born);
	return 1;
}

static int op_users(lua_State *L)
{
	OP(L);
	lua_newtable(L);
	lua_Integer n = 1;
	uint32_t last = NX_NONE;
	for (uint32_t i = 0; i < g->ops[o].n_out; i++)
		for (uint32_t u = g->vals[nx_result(g, o, i)].first_use; u != NX_NONE;
		     u = g->uses[u].next) {
			uint32_t user = g->uses[u].op;
			if (user == last)
				continue;
			last = user;
			nxl_push_op(L, 1, user);
			lua_rawseti(L, -2, n++);
		}
	return 1;
}

static const nx_type *result_type(lua_State *L, const nx_graph *g, uint32_t o, int arg)
{
	lua_Integer i = luaL_optinteger(L, arg, 1);
	if (i < 1 || i > g->ops[o].n_out)
		luaL_error(L, "op has %d results", (int)g->ops[o].n_out);
	return nx_vtype(g, nx_result(g, o, (uint32_t)i - 1));
}

static int op_shape(lua_State *L)
{
	OP(L);
	push_shape(L, result_type(L, g, o, 2));
	return 1;
}

static int op_type(lua_State *L)
{
	OP(L);
	push_type_str(L, result_type(L, g, o, 2));
	return 1;
}

static int op_dtype(lua_State *L)
{
	OP(L);
	lua_pushstring(L, nx_dtype_name(result_type(L, g, o, 2)->dtype));
	return 1;
}

static int op_set_operand(lua_State *L)
{
	OP(L);
	nxl_check_mut(L, r->gr);
	lua_Integer i = luaL_checkinteger(L, 2);
	nxl_ref *v = nxl_check_value(L, 3);
	if (i < 1 || i > g->ops[o].n_in)
		return op_error(L, g, o, "no such operand");
	if (v->gr->g != g)
		return op_error(L, g, o, "set_operand: the value is in another graph");
	nx_op_set_operand(g, o, (uint32_t)i - 1, v->id);
	return 0;
}

static int op_erase(lua_State *L)
{
	OP(L);
	nxl_check_mut(L, r->gr);
	if (nx_op_erase(g, o) != 0)
		return op_error(L, g, o, "cannot erase: its results still have users "
				"(replace them first)");
	return 0;
}

static int op_erase_tree(lua_State *L)
{
	OP(L);
	nxl_check_mut(L, r->gr);
	for (uint32_t i = 0; i < g->ops[o].n_out; i++)
		if (nx_value_nuses(g, nx_result(g, o, i)))
			return op_error(L, g, o, "cannot erase: its results still have users");
	nxp_erase_tree(g, o);
	return 0;
}

/* op:replace_by(new_op): new_op's results take over op's uses and names,
 * then op and the producers left unused are erased. */
static int op_replace_by(lua_State *L)
{
	OP(L);
	nxl_check_mut(L, r->gr);
	nxl_ref *n = nxl_check_op(L, 2);
	if (n->gr->g != g)
		return op_error(L, g, o, "replace_by: the new op is in another graph");
	if (g->ops[n->id].n_out != g->ops[o].n_out)
		return op_error(L, g, o, "replace_by: the new op has a different result count");
	if (n->id == o)
		return op_error(L, g, o, "replace_by: an op cannot replace itself");
	nxp_replace_op_by(g, o, n->id);
	return 0;
}

static int op_move(lua_State *L, bool after)
{
	OP(L);
	nxl_check_mut(L, r->gr);
	nxl_ref *w = nxl_check_op(L, 2);
	if (w->gr->g != g)
		return op_error(L, g, o, "move: the other op is in another graph");
	nx_op_move_before(g, o, after ? g->ops[w->id].next : w->id);
	return 0;
}

static int op_move_before(lua_State *L) { return op_move(L, false); }
static int op_move_after(lua_State *L) { return op_move(L, true); }

static int op_next(lua_State *L)
{
	OP(L);
	nxl_push_op(L, 1, g->ops[o].next);
	return 1;
}

static int op_prev(lua_State *L)
{
	OP(L);
	nxl_push_op(L, 1, g->ops[o].prev);
	return 1;
}

static int op_infer(lua_State *L)
{
	OP(L);
	nxl_check_mut(L, r->gr);
	nx_err err;
	if (nx_infer_op(g, o, &err) != 0)
		return luaL_error(L, "%s", err.msg);
	return 0;
}

static int op_text(lua_State *L)
{
	OP(L);
	char *s = nx_print_op(g, o);
	lua_pushstring(L, s);
	free(s);
	return 1;
}

static int op_graph(lua_State *L)
{
	nxl_check_op(L, 1);
	lua_getiuservalue(L, 1, 1);
	return 1;
}

static int ref_eq(lua_State *L)
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

static int op_tostring(lua_State *L)
{
	nxl_ref *r = luaL_checkudata(L, 1, NXL_OP);
	if (!graph_ok(r->gr) || (r->gr->g->ops[r->id].flags & NX_O_DEAD)) {
		lua_pushfstring(L, "op #%d (stale)", (int)r->id);
		return 1;
	}
	char lab[160];
	lua_pushstring(L, nxl_op_label(r->gr->g, r->id, lab, sizeof lab));
	return 1;
}

/* ---- value methods ------------------------------------------------------------ */

#define VAL(L) nxl_ref *r = nxl_check_value(L, 1); nx_graph *g = r->gr->g; uint32_t v = r->id

static int v_id(lua_State *L) { VAL(L); (void)g; lua_pushinteger(L, v); return 1; }

static int v_name(lua_State *L)
{
	VAL(L);
	lua_pushstring(L, nx_vname(g, v));
	return 1;
}

static int v_type(lua_State *L)
{
	VAL(L);
	push_type_str(L, nx_vtype(g, v));
	return 1;
}

static int v_shape(lua_State *L)
{
	VAL(L);
	push_shape(L, nx_vtype(g, v));
	return 1;
}

static int v_dtype(lua_State *L)
{
	VAL(L);
	lua_pushstring(L, nx_dtype_name(nx_vtype(g, v)->dtype));
	return 1;
}

static int v_layout(lua_State *L)
{
	VAL(L);
	lua_pushstring(L, nx_layout_name(nx_vtype(g, v)->layout));
	return 1;
}

static int v_producer(lua_State *L)
{
	VAL(L);
	nxl_push_op(L, 1, g->vals[v].producer);
	return 1;
}

static int v_users(lua_State *L)
{
	VAL(L);
	lua_newtable(L);
	lua_Integer n = 1;
	for (uint32_t u = g->vals[v].first_use; u != NX_NONE; u = g->uses[u].next) {
		nxl_push_op(L, 1, g->uses[u].op);
		lua_rawseti(L, -2, n++);
	}
	return 1;
}

static int v_nuses(lua_State *L)
{
	VAL(L);
	lua_pushinteger(L, nx_value_nuses(g, v));
	return 1;
}

static int v_is_const(lua_State *L)
{
	VAL(L);
	lua_pushboolean(L, nx_is_const(g, v));
	return 1;
}

static int v_is_input(lua_State *L)
{
	VAL(L);
	lua_pushboolean(L, (g->vals[v].flags & NX_V_INPUT) != 0);
	return 1;
}

static int v_is_output(lua_State *L)
{
	VAL(L);
	lua_pushboolean(L, nx_value_is_output(g, v));
	return 1;
}

/* The one number of a one-element constant (else nil). */
static int v_scalar(lua_State *L)
{
	VAL(L);
	double x;
	if (nxp_const_scalar(g, v, &x))
		lua_pushnumber(L, x);
	else
		lua_pushnil(L);
	return 1;
}

static int v_data(lua_State *L)
{
	VAL(L);
	if (!nx_is_const(g, v))
		return luaL_error(L, "value %%%s is not a constant", nx_vname(g, v));
	nx_blob *b = nx_const_blob(g, v);
	int64_t n = nx_type_numel(&b->type);
	if (n > (1 << 22))
		return luaL_error(L, "value %%%s: %f elements is more than Lua reads (4M)",
				  nx_vname(g, v), (double)n);
	nx_tensor t = {.type = b->type, .data = (void *)nx_blob_data(b)};
	if (!t.data)
		return luaL_error(L, "value %%%s: no data", nx_vname(g, v));
	lua_createtable(L, (int)n, 0);
	for (int64_t i = 0; i < n; i++) {
		lua_pushnumber(L, nx_tensor_get(&t, i));
		lua_rawseti(L, -2, i + 1);
	}
	return 1;
}

static int v_replace_uses(lua_State *L)
{
	VAL(L);
	nxl_check_mut(L, r->gr);
	nxl_ref *n = nxl_check_value(L, 2);
	if (n->gr->g != g)
		return luaL_error(L, "replace_uses: the new value is in another graph");
	nx_value_replace_uses(g, v, n->id);
	return 0;
}

static int v_set_type(lua_State *L)
{
	VAL(L);
	nxl_check_mut(L, r->gr);
	nx_type t = check_type(L, 2, 3);
	if (!lua_isnoneornil(L, 4)) {
		size_t len;
		const char *s = luaL_checklstring(L, 4, &len);
		int lay = nx_layout_parse(s, len);
		if (lay < 0)
			return luaL_error(L, "unknown layout '%s' (plain, nhwc, ne)", s);
		t.layout = (uint8_t)lay;
	} else
		t.layout = nx_vtype(g, v)->layout;
	nx_value_set_type(g, v, &t);
	return 0;
}

static int v_rename(lua_State *L)
{
	VAL(L);
	nxl_check_mut(L, r->gr);
	nx_err err;
	if (nx_value_rename(g, v, luaL_checkstring(L, 2), &err) != 0)
		return luaL_error(L, "%s", err.msg);
	return 0;
}

static int v_tostring(lua_State *L)
{
	nxl_ref *r = luaL_checkudata(L, 1, NXL_VALUE);
	if (!graph_ok(r->gr) || (r->gr->g->vals[r->id].flags & NX_V_DEAD)) {
		lua_pushfstring(L, "value #%d (stale)", (int)r->id);
		return 1;
	}
	char t[160];
	nx_type_str(nx_vtype(r->gr->g, r->id), t, sizeof t);
	lua_pushfstring(L, "%%%s: %s", nx_vname(r->gr->g, r->id), t);
	return 1;
}

static const luaL_Reg graph_m[] = {
	{"name", g_name}, {"ops", g_ops}, {"op_list", g_op_list}, {"values", g_values},
	{"inputs", g_inputs}, {"outputs", g_outputs}, {"count", g_count}, {"op", g_op},
	{"value", g_value}, {"print", g_print}, {"clone", g_clone}, {"verify", g_verify},
	{"save", g_save}, {"add_op", g_add_op}, {"const", g_const},
	{"set_output", g_set_output}, {NULL, NULL}};

static const luaL_Reg op_m[] = {
	{"id", op_id}, {"kind", op_kind}, {"name", op_name}, {"operands", op_operands},
	{"operand", op_operand}, {"results", op_results}, {"result", op_result},
	{"count_operands", op_count_in}, {"attr", op_attr}, {"attrs", op_attrs},
	{"set_attr", op_set_attr}, {"origin", op_origin}, {"born", op_born},
	{"users", op_users}, {"shape", op_shape}, {"type", op_type}, {"dtype", op_dtype},
	{"set_operand", op_set_operand}, {"erase", op_erase}, {"erase_tree", op_erase_tree},
	{"replace_by", op_replace_by}, {"move_before", op_move_before},
	{"move_after", op_move_after}, {"next", op_next}, {"prev", op_prev},
	{"infer", op_infer}, {"text", op_text}, {"graph", op_graph}, {NULL, NULL}};

static const luaL_Reg value_m[] = {
	{"id", v_id}, {"name", v_name}, {"type", v_type}, {"shape", v_shape},
	{"dtype", v_dtype}, {"layout", v_layout}, {"producer", v_producer},
	{"users", v_users}, {"nuses", v_nuses}, {"is_const", v_is_const},
	{"is_input", v_is_input}, {"is_output", v_is_output}, {"scalar", v_scalar},
	{"data", v_data}, {"replace_uses", v_replace_uses}, {"set_type", v_set_type},
	{"rename", v_rename}, {NULL, NULL}};

static void new_class(lua_State *L, const char *name, const luaL_Reg *methods,
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

void nxl_open_graph(lua_State *L)
{
	new_class(L, NXL_GRAPH, graph_m, g_tostring, g_gc, NULL);
	new_class(L, NXL_OP, op_m, op_tostring, NULL, ref_eq);
	new_class(L, NXL_VALUE, value_m, v_tostring, NULL, ref_eq);
}
