/* state.c — one Lua state with the `nex` module: the accounting allocator
 * (memory cap), the count hook (instruction budget), the sandboxed globals,
 * print redirected to the caller, and the one pcall wrapper every entry
 * from C goes through. See nxl.h for the sandbox rules. */
#include <stdlib.h>
#include <string.h>

#include <lualib.h>

#include "nxl_int.h"

const nxl_limits nxl_default_limits = {
	.unsafe = false, .instructions = 1000000000, .memory = (size_t)512 << 20};

enum { HOOK_EVERY = 1000 };
/* Once a limit broke, unwinding (error messages, handlers) may allocate a
 * little more than the cap. */
enum { MEM_SLACK = 4 << 20 };

static void stop_script(nxl_state *st, const char *what);

static void *alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
	nxl_state *st = ud;
	size_t old = ptr ? osize : 0;
	if (nsize == 0) {
		free(ptr);
		st->mem -= old;
		return NULL;
	}
	if (st->lim.memory && nsize > old) {
		size_t cap = st->lim.memory + (st->killed ? MEM_SLACK : 0);
		if (st->mem + (nsize - old) > cap) {
			if (st->L)
				stop_script(st, "memory limit");
			return NULL;
		}
	}
	void *p = realloc(ptr, nsize);
	if (p)
		st->mem = st->mem - old + nsize;
	return p;
}

static void hook(lua_State *L, lua_Debug *ar);

static const char *limit_msg(const nxl_state *st, char *buf, size_t n)
{
	if (!strcmp(st->killed, "memory limit"))
		snprintf(buf, n, "memory limit reached: the script holds more than %.1f MiB "
			 "(--max-memory raises it)", (double)st->lim.memory / (1 << 20));
	else
		snprintf(buf, n, "instruction limit reached: more than %lld instructions "
			 "(--max-instructions raises it)", (long long)st->lim.instructions);
	return buf;
}

/* Once a limit broke, the hook fires on every instruction: the error a
 * pcall caught is raised again at the first instruction after it. */
static void stop_script(nxl_state *st, const char *what)
{
	if (!st->killed)
		st->killed = what;
	lua_sethook(st->L, hook, LUA_MASKCOUNT, 1);
}

static void raise_limit(lua_State *L, nxl_state *st)
{
	char buf[256];
	luaL_error(L, "%s", limit_msg(st, buf, sizeof buf));
}

static void hook(lua_State *L, lua_Debug *ar)
{
	nxl_state *st = nxl_st(L);
	st->count += HOOK_EVERY;
	if (!st->killed && st->lim.instructions && st->count > st->lim.instructions)
		stop_script(st, "instruction limit");
	if (!st->killed)
		return;
	char buf[256];
	limit_msg(st, buf, sizeof buf);
	/* name the line the script was on */
	if (lua_getinfo(L, "Sl", ar) && ar->currentline > 0)
		luaL_error(L, "%s:%d: %s", ar->short_src, ar->currentline, buf);
	luaL_error(L, "%s", buf);
}

void nxl_check_killed(lua_State *L)
{
	nxl_state *st = nxl_st(L);
	if (st->killed)
		raise_limit(L, st);
}

const char *nxl_intern(nxl_state *st, const char *s)
{
	for (uint32_t i = 0; i < st->n_strs; i++)
		if (!strcmp(st->strs[i], s))
			return st->strs[i];
	nx_grow((void **)&st->strs, &st->cap_strs, st->n_strs + 1, sizeof *st->strs);
	return st->strs[st->n_strs++] = nx_xstrdup(s);
}

static int l_print(lua_State *L)
{
	nxl_state *st = nxl_st(L);
	int n = lua_gettop(L);  /* before the buffer pushes its box */
	luaL_Buffer b;
	luaL_buffinit(L, &b);
	for (int i = 1; i <= n; i++) {
		if (i > 1)
			luaL_addchar(&b, '\t');
		luaL_tolstring(L, i, NULL);
		luaL_addvalue(&b);
	}
	luaL_pushresult(&b);
	const char *line = lua_tostring(L, -1);
	if (st->out)
		st->out(st->out_ctx, line);
	else {
		fputs(line, stdout);
		fputc('\n', stdout);
	}
	return 0;
}

/* load with text chunks only; the environment defaults to the globals. */
static int l_load(lua_State *L)
{
	size_t len;
	const char *s = lua_tolstring(L, 1, &len);
	const char *name = luaL_optstring(L, 2, s ? s : "=(load)");
	const char *mode = luaL_optstring(L, 3, "t");
	if (strchr(mode, 'b'))
		return luaL_error(L, "load: binary chunks are refused in the sandbox "
			       "(--unsafe lifts it)");
	if (!s)
		return luaL_error(L, "load: only strings in the sandbox");
	int env = !lua_isnone(L, 4);
	if (luaL_loadbufferx(L, s, len, name, "t") != LUA_OK) {
		lua_pushnil(L);
		lua_insert(L, -2);
		return 2;
	}
	if (env) {
		lua_pushvalue(L, 4);
		if (!lua_setupvalue(L, -2, 1))
			lua_pop(L, 1);
	}
	return 1;
}

static int l_require(lua_State *L)
{
	const char *name = luaL_checkstring(L, 1);
	if (strcmp(name, "nex"))
		return luaL_error(L, "require '%s': only 'nex' is available in the sandbox "
			       "(--unsafe lifts it)", name);
	lua_getglobal(L, "nex");
	return 1;
}

static int l_version(lua_State *L)
{
	lua_pushstring(L, NX_VERSION);
	return 1;
}

static const luaL_Reg nex_funcs[] = {
	{"open", nxl_session_open},
	{"pass", nxl_pass_define},
	{"match", nxl_match},
	{"pattern", nxl_pattern},
	{"write", nxl_write},
	{"version", l_version},
	{NULL, NULL},
};

static void sandbox(lua_State *L)
{
	static const luaL_Reg libs[] = {
		{LUA_GNAME, luaopen_base}, {LUA_TABLIBNAME, luaopen_table},
		{LUA_STRLIBNAME, luaopen_string}, {LUA_MATHLIBNAME, luaopen_math},
		{LUA_UTF8LIBNAME, luaopen_utf8}, {LUA_COLIBNAME, luaopen_coroutine},
		{NULL, NULL}};
	for (const luaL_Reg *l = libs; l->name; l++) {
		luaL_requiref(L, l->name, l->func, 1);
		lua_pop(L, 1);
	}
	/* os cut to clock, time and date */
	luaL_requiref(L, "os_full", luaopen_os, 0);
	lua_newtable(L);
	static const char *const keep_os[] = {"clock", "time", "date", NULL};
	for (int i = 0; keep_os[i]; i++) {
		lua_getfield(L, -2, keep_os[i]);
		lua_setfield(L, -2, keep_os[i]);
	}
	lua_setglobal(L, "os");
	lua_pop(L, 1);
	static const char *const drop[] = {"dofile", "loadfile", NULL};
	for (int i = 0; drop[i]; i++) {
		lua_pushnil(L);
		lua_setglobal(L, drop[i]);
	}
	lua_getglobal(L, "string");
	lua_pushnil(L);
	lua_setfield(L, -2, "dump");
	lua_pop(L, 1);
	lua_pushcfunction(L, l_load);
	lua_setglobal(L, "load");
	lua_pushcfunction(L, l_require);
	lua_setglobal(L, "require");
}

static int open_module(lua_State *L)
{
	nxl_state *st = lua_touserdata(L, 1);
	*(nxl_state **)lua_getextraspace(L) = st;
	if (st->lim.unsafe)
		luaL_openlibs(L);
	else
		sandbox(L);
	lua_pushcfunction(L, l_print);
	lua_setglobal(L, "print");
	nxl_open_graph(L);
	nxl_open_op(L);
	nxl_open_value(L);
	nxl_open_pass(L);
	nxl_open_match(L);
	nxl_open_session(L);
	luaL_newlib(L, nex_funcs);
	nxl_open_sim(L);  /* adds nex.target, nex.targets, nex.sim */
	if (st->session) {
		nxl_push_session(L, st->session);
		lua_setfield(L, -2, "session");
	}
	lua_pushvalue(L, -1);
	lua_setglobal(L, "nex");
	if (st->lim.unsafe) {  /* require "nex" through package.loaded */
		lua_getglobal(L, "package");
		lua_getfield(L, -1, "loaded");
		lua_pushvalue(L, -3);
		lua_setfield(L, -2, "nex");
		lua_pop(L, 2);
	}
	lua_pop(L, 1);
	return 0;
}

nxl_state *nxl_open(nxw_session *s, const nxl_limits *lim, nx_err *err)
{
	nxl_state *st = nx_xcalloc(1, sizeof *st);
	st->lim = lim ? *lim : nxl_default_limits;
	st->session = s;
	st->L = lua_newstate(alloc, st);
	if (!st->L) {
		nx_err_set(err, "lua: cannot create a state");
		free(st);
		return NULL;
	}
	*(nxl_state **)lua_getextraspace(st->L) = st;
	if (s)
		s->catalog = &st->cat;
	lua_pushcfunction(st->L, open_module);
	lua_pushlightuserdata(st->L, st);
	if (nxl_pcall(st, 1, 0, err) != 0) {
		nxl_close(st);
		return NULL;
	}
	return st;
}

void nxl_close(nxl_state *st)
{
	if (!st)
		return;
	lua_close(st->L);
	for (uint32_t i = 0; i < st->n_passes; i++)
		nxl_pass_free(st->passes[i]);
	free(st->passes);
	nxp_catalog_free(&st->cat);
	nxl_set_shapes(st, NULL, 0);
	for (uint32_t i = 0; i < st->n_strs; i++)
		free(st->strs[i]);
	free(st->strs);
	free(st);
}

static int msgh(lua_State *L)
{
	const char *msg = lua_tostring(L, 1);
	if (!msg)
		msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
	luaL_traceback(L, L, msg, 1);
	return 1;
}

int nxl_pcall(nxl_state *st, int nargs, int nres, nx_err *err)
{
	lua_State *L = st->L;
	if (st->depth++ == 0) {
		st->count = 0;
		st->killed = NULL;
		lua_sethook(L, hook, LUA_MASKCOUNT, HOOK_EVERY);
	}
	int base = lua_gettop(L) - nargs;
	lua_pushcfunction(L, msgh);
	lua_insert(L, base);
	int rc = lua_pcall(L, nargs, nres, base);
	lua_remove(L, base);
	if (rc != LUA_OK) {
		const char *msg = lua_tostring(L, -1) ? lua_tostring(L, -1) : "lua error";
		char buf[256];
		if (st->killed && !strstr(msg, "limit reached"))  /* Lua's "not enough memory" */
			msg = limit_msg(st, buf, sizeof buf);
		nx_err_set(err, "%s", msg);
		lua_pop(L, 1);
	} else if (st->killed) {
		/* the script swallowed the error and ended anyway: still a failure */
		char buf[256];
		nx_err_set(err, "%s", limit_msg(st, buf, sizeof buf));
		lua_pop(L, nres);
		rc = LUA_ERRRUN;
	}
	st->depth--;
	return rc;
}

static int run_chunk(nxl_state *st, const char *text, size_t len, const char *name,
		     const char *file, int argc, char **argv, nxl_out_fn out, void *out_ctx,
		     nx_err *err)
{
	lua_State *L = st->L;
	nxl_out_fn old_out = st->out;
	void *old_ctx = st->out_ctx;
	const char *old_file = st->cur_file, *old_src = st->cur_source;
	st->out = out;
	st->out_ctx = out_ctx;
	/* borrowed for the run; nex.pass interns them when a pass needs them */
	st->cur_file = file;
	st->cur_source = text;
	int rc = -1;
	if (luaL_loadbufferx(L, text, len, name, "t") != LUA_OK) {
		nx_err_set(err, "%s", lua_tostring(L, -1));
		lua_pop(L, 1);
		goto out;
	}
	if (argv) {
		lua_createtable(L, argc, 1);
		lua_pushstring(L, file);
		lua_rawseti(L, -2, 0);
		for (int i = 0; i < argc; i++) {
			lua_pushstring(L, argv[i]);
			lua_rawseti(L, -2, i + 1);
		}
		lua_setglobal(L, "arg");
	}
	rc = nxl_pcall(st, 0, 0, err) == LUA_OK ? 0 : -1;
out:
	st->out = old_out;
	st->out_ctx = old_ctx;
	st->cur_file = old_file;
	st->cur_source = old_src;
	return rc;
}

int nxl_run_string(nxl_state *st, const char *chunk, const char *chunkname, nxl_out_fn out,
		   void *out_ctx, nx_err *err)
{
	/* "=name" makes Lua say "name:1:" rather than [string "name"]:1: */
	char name[256];
	snprintf(name, sizeof name, "%s%s", chunkname && (chunkname[0] == '=' ||
		 chunkname[0] == '@') ? "" : "=", chunkname ? chunkname : "chunk");
	return run_chunk(st, chunk, strlen(chunk), name, name + 1, 0, NULL, out, out_ctx, err);
}

int nxl_run_file(nxl_state *st, const char *path, int argc, char **argv, nxl_out_fn out,
		 void *out_ctx, nx_err *err)
{
	size_t len;
	char *text = nx_read_file(path, &len, err);
	if (!text)
		return -1;
	if (len && text[0] == LUA_SIGNATURE[0]) {
		nx_err_set(err, "%s: binary (precompiled) chunks are refused: give Lua source",
			   path);
		free(text);
		return -1;
	}
	char *name = nx_xmalloc(strlen(path) + 2);
	name[0] = '@';
	strcpy(name + 1, path);
	char *noargv[1] = {NULL};
	int rc = run_chunk(st, text, len, name, path, argc, argv ? argv : noargv, out, out_ctx,
			   err);
	free(name);
	free(text);
	return rc;
}

void nxl_set_shapes(nxl_state *st, const nx_shape_bind *b, uint32_t n)
{
	for (uint32_t i = 0; i < st->n_shapes; i++)
		free((char *)st->shapes[i].name);
	st->n_shapes = 0;
	for (uint32_t i = 0; i < n && i < 32; i++) {
		st->shapes[i] = b[i];
		st->shapes[i].name = nx_xstrdup(b[i].name);
		st->n_shapes++;
	}
}

const nxp_catalog *nxl_catalog(const nxl_state *st)
{
	return &st->cat;
}

nxw_session *nxl_session(const nxl_state *st)
{
	return st->session;
}
