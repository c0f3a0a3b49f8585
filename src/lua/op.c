/* op.c — op handles for Lua: kind, operands, results, attributes, types,
 * origin and born, users, neighbours in the schedule; and the edits (set
 * attributes and operands, erase, replace, move, re-infer), each checked
 * against the pass's rewrite budget. */
#include <stdlib.h>
#include <string.h>

#include "nxl_int.h"

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
	return nxl_push_vlist(L, 1, g->u32 + g->ops[o].out, g->ops[o].n_out);
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
	nxl_set_attr(L, g, o, name, 3);
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
	nxl_push_shape(L, result_type(L, g, o, 2));
	return 1;
}

static int op_type(lua_State *L)
{
	OP(L);
	nxl_push_type(L, result_type(L, g, o, 2));
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
		return nxl_op_error(L, g, o, "no such operand");
	if (v->gr->g != g)
		return nxl_op_error(L, g, o, "set_operand: the value is in another graph");
	nx_op_set_operand(g, o, (uint32_t)i - 1, v->id);
	return 0;
}

static int op_erase(lua_State *L)
{
	OP(L);
	nxl_check_mut(L, r->gr);
	if (nx_op_erase(g, o) != 0)
		return nxl_op_error(L, g, o, "cannot erase: its results still have users "
				"(replace them first)");
	return 0;
}

static int op_erase_tree(lua_State *L)
{
	OP(L);
	nxl_check_mut(L, r->gr);
	for (uint32_t i = 0; i < g->ops[o].n_out; i++)
		if (nx_value_nuses(g, nx_result(g, o, i)))
			return nxl_op_error(L, g, o, "cannot erase: its results still have users");
	/* nothing computes what the tree did: its origins are recorded as
	 * dropped in the pass's step */
	nxp_erase_tree(g, r->gr->ctx ? r->gr->ctx->ctx : NULL, o, NX_NONE, "erased by a Lua pass");
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
		return nxl_op_error(L, g, o, "replace_by: the new op is in another graph");
	if (g->ops[n->id].n_out != g->ops[o].n_out)
		return nxl_op_error(L, g, o, "replace_by: the new op has a different result count");
	if (n->id == o)
		return nxl_op_error(L, g, o, "replace_by: an op cannot replace itself");
	nxp_replace_op_by(g, o, n->id);
	return 0;
}

static int op_move(lua_State *L, bool after)
{
	OP(L);
	nxl_check_mut(L, r->gr);
	nxl_ref *w = nxl_check_op(L, 2);
	if (w->gr->g != g)
		return nxl_op_error(L, g, o, "move: the other op is in another graph");
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

static int op_tostring(lua_State *L)
{
	nxl_ref *r = luaL_checkudata(L, 1, NXL_OP);
	if (!nxl_graph_ok(r->gr) || (r->gr->g->ops[r->id].flags & NX_O_DEAD)) {
		lua_pushfstring(L, "op #%d (stale)", (int)r->id);
		return 1;
	}
	char lab[160];
	lua_pushstring(L, nxl_op_label(r->gr->g, r->id, lab, sizeof lab));
	return 1;
}

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

void nxl_open_op(lua_State *L)
{
	nxl_new_class(L, NXL_OP, op_m, op_tostring, NULL, nxl_ref_eq);
}
