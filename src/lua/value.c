/* value.c — value handles for Lua: name, type, shape, dtype, layout,
 * producer and users, constants' data; and the edits (replace uses, set
 * the type, rename). */
#include <stdlib.h>
#include <string.h>

#include "nxl_int.h"

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
	nxl_push_type(L, nx_vtype(g, v));
	return 1;
}

static int v_shape(lua_State *L)
{
	VAL(L);
	nxl_push_shape(L, nx_vtype(g, v));
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
	nx_type t = nxl_check_type(L, 2, 3);
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
	if (!nxl_graph_ok(r->gr) || (r->gr->g->vals[r->id].flags & NX_V_DEAD)) {
		lua_pushfstring(L, "value #%d (stale)", (int)r->id);
		return 1;
	}
	char t[160];
	nx_type_str(nx_vtype(r->gr->g, r->id), t, sizeof t);
	lua_pushfstring(L, "%%%s: %s", nx_vname(r->gr->g, r->id), t);
	return 1;
}

static const luaL_Reg value_m[] = {
	{"id", v_id}, {"name", v_name}, {"type", v_type}, {"shape", v_shape},
	{"dtype", v_dtype}, {"layout", v_layout}, {"producer", v_producer},
	{"users", v_users}, {"nuses", v_nuses}, {"is_const", v_is_const},
	{"is_input", v_is_input}, {"is_output", v_is_output}, {"scalar", v_scalar},
	{"data", v_data}, {"replace_uses", v_replace_uses}, {"set_type", v_set_type},
	{"rename", v_rename}, {NULL, NULL}};

void nxl_open_value(lua_State *L)
{
	nxl_new_class(L, NXL_VALUE, value_m, v_tostring, NULL, nxl_ref_eq);
}
