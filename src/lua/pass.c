/* pass.c — Lua passes: nex.pass{...} makes an nxp_pass whose run is a
 * trampoline into the Lua function, registered in the state's catalogue,
 * so pipelines, stepping (--into, --until), bisection and the history treat
 * it as a C pass. The run function gets the step's graph and a context
 * whose rewrite(op) is the C budget (nxp_rewrite); both handles go stale
 * when the pass returns. A broken sandbox limit marks the step to be
 * discarded (nxp_ctx.discard). */
#include <stdlib.h>
#include <string.h>

#include "nxl_int.h"

#define NXL_CTX "nex.ctx"

void nxl_pass_free(nxl_pass *p)
{
	for (uint32_t i = 0; i < p->n_opts; i++) {
		free((char *)p->opts[i].name);
		free((char *)p->opts[i].def);
		free((char *)p->opts[i].help);
	}
	free(p->opts);
	free((char *)p->p.name);
	free((char *)p->p.summary);
	free(p);
}

static int trampoline(nx_graph *g, nxp_ctx *ctx)
{
	nxl_pass *lp = ctx->pass->user;
	nxl_state *st = lp->st;
	lua_State *L = st->L;
	int top = lua_gettop(L);
	lua_rawgeti(L, LUA_REGISTRYINDEX, lp->fn_ref);
	nxl_graph *gr = nxl_push_graph(L, g, false, false, NULL, 0);
	nxl_ctx *c = lua_newuserdatauv(L, sizeof *c, 1);
	c->ctx = ctx;
	c->gr = gr;
	gr->ctx = c;
	lua_pushvalue(L, -2);
	lua_setiuservalue(L, -2, 1);
	luaL_setmetatable(L, NXL_CTX);
	st->in_pass++;
	nx_err err;
	int rc = nxl_pcall(st, 2, 0, &err);
	st->in_pass--;
	/* the handles die with the pass */
	c->ctx = NULL;
	gr->own++;
	gr->g = NULL;
	lua_settop(L, top);
	if (rc != LUA_OK) {
		/* the step's error is one line (file:line: op ...: why); the
		 * traceback stays out of the history and reports */
		char *tb = strstr(err.msg, "\nstack traceback:");
		if (tb)
			*tb = 0;
		memcpy(ctx->err.msg, err.msg, sizeof ctx->err.msg);
		if (st->killed)
			ctx->discard = true;
		return -1;
	}
	return 0;
}

static nxl_ctx *check_ctx(lua_State *L)
{
	nxl_ctx *c = luaL_checkudata(L, 1, NXL_CTX);
	if (!c->ctx)
		luaL_error(L, "stale pass context: its pass returned");
	return c;
}

/* ctx:rewrite(op): admit one change rooted at op; false when the budget is
 * spent (then return from the pass). */
static int c_rewrite(lua_State *L)
{
	nxl_ctx *c = check_ctx(L);
	uint32_t root = NX_NONE;
	if (!lua_isnoneornil(L, 2)) {
		nxl_ref *r = nxl_check_op(L, 2);
		if (r->gr != c->gr)
			return luaL_error(L, "ctx:rewrite: the op is not in the pass's graph");
		root = r->id;
	}
	lua_pushboolean(L, nxp_rewrite(c->ctx, root));
	return 1;
}

static int c_remark(lua_State *L)
{
	nxl_ctx *c = check_ctx(L);
	int n = lua_gettop(L);
	const char *s;
	if (n > 2) {  /* ctx:remark(fmt, ...) as string.format */
		lua_getglobal(L, "string");
		lua_getfield(L, -1, "format");
		for (int i = 2; i <= n; i++)
			lua_pushvalue(L, i);
		lua_call(L, n - 1, 1);
		s = lua_tostring(L, -1);
	} else
		s = luaL_checkstring(L, 2);
	nxp_remark(c->ctx, "%s", s);
	return 0;
}

static int c_stat(lua_State *L)
{
	nxl_ctx *c = check_ctx(L);
	const char *name = luaL_checkstring(L, 2);
	lua_Integer n = luaL_optinteger(L, 3, 1);
	nxp_stat_add(c->ctx, nxl_intern(nxl_st(L), name), n);
	return 0;
}

static int c_option(lua_State *L)
{
	nxl_ctx *c = check_ctx(L);
	const char *name = luaL_checkstring(L, 2);
	const nxp_option *o = c->ctx->pass->options;
	while (o && o->name && strcmp(o->name, name))
		o++;
	if (!o || !o->name)
		return luaL_error(L, "pass %s has no option '%s'", c->ctx->pass->name, name);
	switch (o->kind) {
	case NXP_INT: lua_pushinteger(L, nxp_opt_int(c->ctx, name)); break;
	case NXP_FLOAT: lua_pushnumber(L, nxp_opt_float(c->ctx, name)); break;
	case NXP_BOOL: lua_pushboolean(L, nxp_opt_bool(c->ctx, name)); break;
	default: lua_pushstring(L, nxp_opt_str(c->ctx, name));
	}
	return 1;
}

static int c_target(lua_State *L)
{
	nxl_ctx *c = check_ctx(L);
	if (c->ctx->target)
		nxl_push_target(L, c->ctx->target);
	else
		lua_pushnil(L);
	return 1;
}

static int c_rewrites(lua_State *L)
{
	nxl_ctx *c = check_ctx(L);
	lua_pushinteger(L, c->ctx->rewrites);
	return 1;
}

static int c_stopped(lua_State *L)
{
	nxl_ctx *c = check_ctx(L);
	lua_pushboolean(L, c->ctx->stopped);
	return 1;
}

static int c_tostring(lua_State *L)
{
	nxl_ctx *c = luaL_checkudata(L, 1, NXL_CTX);
	if (c->ctx)
		lua_pushfstring(L, "pass context (%s)", c->ctx->pass->name);
	else
		lua_pushstring(L, "pass context (stale)");
	return 1;
}

static const luaL_Reg ctx_m[] = {
	{"rewrite", c_rewrite}, {"remark", c_remark}, {"stat", c_stat},
	{"option", c_option}, {"target", c_target}, {"rewrites", c_rewrites},
	{"stopped", c_stopped}, {NULL, NULL}};

static const char *field_str(lua_State *L, int t, const char *k, bool required)
{
	lua_getfield(L, t, k);
	const char *s = NULL;
	if (lua_isnil(L, -1)) {
		if (required)
			luaL_error(L, "nex.pass: field '%s' is required", k);
	} else if (lua_type(L, -1) == LUA_TSTRING || lua_type(L, -1) == LUA_TNUMBER ||
		   lua_type(L, -1) == LUA_TBOOLEAN) {
		s = luaL_tolstring(L, -1, NULL);
		lua_remove(L, -2);
	} else
		luaL_error(L, "nex.pass: field '%s' must be a string", k);
	return s; /* left on the stack */
}

/* options = { {name=, type="int"|"float"|"bool"|"string", default=, help=}, ... } */
static void read_options(lua_State *L, nxl_pass *lp)
{
	lua_getfield(L, 1, "options");
	if (lua_isnil(L, -1)) {
		lua_pop(L, 1);
		return;
	}
	luaL_checktype(L, -1, LUA_TTABLE);
	int t = lua_gettop(L);
	lua_Integer n = luaL_len(L, t);
	lp->opts = nx_xcalloc((size_t)n + 1, sizeof *lp->opts);
	for (lua_Integer i = 1; i <= n; i++) {
		lua_geti(L, t, i);
		int o = lua_gettop(L);
		luaL_checktype(L, o, LUA_TTABLE);
		const char *name = field_str(L, o, "name", true);
		const char *type = field_str(L, o, "type", false);
		const char *def = field_str(L, o, "default", true);
		const char *help = field_str(L, o, "help", false);
		int kind = NXP_STR;
		if (type && !strcmp(type, "int"))
			kind = NXP_INT;
		else if (type && !strcmp(type, "float"))
			kind = NXP_FLOAT;
		else if (type && !strcmp(type, "bool"))
			kind = NXP_BOOL;
		else if (type && strcmp(type, "string"))
			luaL_error(L, "nex.pass: option %s: type '%s' (int, float, bool, string)",
				   name, type);
		nxp_option *op = &lp->opts[lp->n_opts++];
		op->name = nx_xstrdup(name);
		op->kind = (uint8_t)kind;
		op->def = nx_xstrdup(def);
		op->help = nx_xstrdup(help ? help : "");
		lua_settop(L, t);
	}
	lua_pop(L, 1);
}

/* nex.pass{name=, summary=, options=, run=function(g, ctx) end} */
int nxl_pass_define(lua_State *L)
{
	nxl_state *st = nxl_st(L);
	luaL_checktype(L, 1, LUA_TTABLE);
	lua_settop(L, 1);
	const char *name = field_str(L, 1, "name", true);
	for (const char *p = name; *p; p++)
		if (!(*p == '-' || *p == '_' || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')))
			return luaL_error(L, "nex.pass: name '%s': use a-z, 0-9, - and _", name);
	const char *summary = field_str(L, 1, "summary", false);
	lua_getfield(L, 1, "run");
	luaL_checktype(L, -1, LUA_TFUNCTION);
	lua_pop(L, 1);
	if (nxp_catalog_find(&st->cat, name)) {
		nx_err err;
		nxp_pass probe = {.name = name};
		nxp_catalog_add(&st->cat, &probe, &err);
		return luaL_error(L, "nex.pass: %s", err.msg);
	}
	nxl_pass *lp = nx_xcalloc(1, sizeof *lp);
	/* owned by the state from here on, so an error below frees it at close */
	nx_grow((void **)&st->passes, &st->cap_passes, st->n_passes + 1, sizeof *st->passes);
	st->passes[st->n_passes++] = lp;
	lp->st = st;
	lp->fn_ref = LUA_NOREF;
	lp->p.name = nx_xstrdup(name);
	lp->p.summary = nx_xstrdup(summary ? summary : "(Lua pass)");
	read_options(L, lp);
	lp->p.options = lp->opts;
	lp->p.requires = "";
	lp->p.invalidates = "ops";
	lp->p.run = trampoline;
	lp->p.file = nxl_intern(st, st->cur_file ? st->cur_file : "(lua)");
	lp->p.source = st->cur_source ? nxl_intern(st, st->cur_source) : NULL;
	lp->p.user = lp;
	lua_getfield(L, 1, "run");
	lp->fn_ref = luaL_ref(L, LUA_REGISTRYINDEX);
	nx_err err;
	if (nxp_catalog_add(&st->cat, &lp->p, &err) != 0)
		return luaL_error(L, "nex.pass: %s", err.msg);
	return 0;
}

void nxl_open_pass(lua_State *L)
{
	luaL_newmetatable(L, NXL_CTX);
	luaL_newlib(L, ctx_m);
	lua_setfield(L, -2, "__index");
	lua_pushcfunction(L, c_tostring);
	lua_setfield(L, -2, "__tostring");
	lua_pop(L, 1);
}
