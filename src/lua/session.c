/* session.c — sessions for Lua: nex.open(model, opts) and the session's
 * methods over src/session: the pipeline and its edits, apply / step into /
 * undo / redo / jump, per-step data and metrics, a step's graph (read-only),
 * diffs as data and text, bisection, numeric checks, the target. Steps are
 * numbered as everywhere in nex (0 = the model); pipeline entries from 1,
 * as Lua lists are. Every call that may drop steps bumps the handle's
 * epoch, which makes the graph handles of those steps stale. */
#include <stdlib.h>
#include <string.h>

#include "nxl_int.h"

#define NXL_SESSION "nex.session"

typedef struct lsession {
	nxw_session *s;
	bool owned;
	uint32_t epoch;
	bool has_target;
	nx_target target;        /* the session's target lives here */
} lsession;

static lsession *check_s(lua_State *L)
{
	lsession *ls = luaL_checkudata(L, 1, NXL_SESSION);
	if (!ls->s)
		luaL_error(L, "session is closed");
	return ls;
}

/* For calls that change the history. */
static lsession *check_s_mut(lua_State *L)
{
	lsession *ls = check_s(L);
	if (nxl_st(L)->in_pass)
		luaL_error(L, "a pass cannot change a session (it runs inside one)");
	ls->epoch++;
	return ls;
}

static uint32_t check_step(lua_State *L, lsession *ls, int idx)
{
	lua_Integer k = luaL_optinteger(L, idx, ls->s->cursor);
	if (k < 0 || k >= ls->s->n_steps)
		luaL_error(L, "no step %d: the history has steps 0..%d", (int)k,
			   (int)ls->s->n_steps - 1);
	return (uint32_t)k;
}

/* After a C call that ran passes: a broken limit stops the script. */
static int result(lua_State *L, int rc, const nx_err *err)
{
	nxl_check_killed(L);
	if (rc < 0) {
		lua_pushnil(L);
		lua_pushstring(L, err->msg);
		return 2;
	}
	lua_pushboolean(L, rc > 0);
	return 1;
}

void nxl_push_session(lua_State *L, nxw_session *s)
{
	lsession *ls = lua_newuserdatauv(L, sizeof *ls, 0);
	memset(ls, 0, sizeof *ls);
	ls->s = s;
	luaL_setmetatable(L, NXL_SESSION);
}

static void read_shapes(lua_State *L, int t, nx_shape_bind *b, uint32_t *n, char names[][64])
{
	lua_pushnil(L);
	while (lua_next(L, t)) {
		if (*n == 32)
			luaL_error(L, "nex.open: more than 32 shapes");
		const char *name = luaL_checkstring(L, -2);
		luaL_checktype(L, -1, LUA_TTABLE);
		nx_shape_bind *s = &b[*n];
		snprintf(names[*n], 64, "%s", name);
		s->name = names[*n];
		s->rank = (int)luaL_len(L, -1);
		if (s->rank > NX_MAX_RANK)
			luaL_error(L, "nex.open: shape of %s: rank > %d", name, NX_MAX_RANK);
		for (int i = 0; i < s->rank; i++) {
			lua_geti(L, -1, i + 1);
			s->dims[i] = luaL_checkinteger(L, -1);
			lua_pop(L, 1);
		}
		(*n)++;
		lua_pop(L, 1);
	}
}

/* opts.consts = {sr = 16000, mask = {1, 0, 1}}: each entry as the text of
 * a --const binding into texts[] (read afterwards by nx_const_arg_parse, as
 * the CLI's and session files' are; nothing is allocated here, so a Lua
 * error leaves nothing behind). */
static void read_consts(lua_State *L, int t, char texts[][2048], uint32_t *n)
{
	lua_pushnil(L);
	while (lua_next(L, t)) {
		if (*n == 16)
			luaL_error(L, "nex.open: more than 16 consts");
		const char *name = luaL_checkstring(L, -2);
		char *text = texts[*n];
		size_t cap = sizeof texts[0];
		size_t k = (size_t)snprintf(text, cap, "%s=", name);
		int idx = lua_gettop(L);
		int len = lua_istable(L, idx) ? (int)luaL_len(L, idx) : 1;
		for (int i = 0; i < len && k < cap; i++) {
			if (lua_istable(L, idx))
				lua_geti(L, idx, i + 1);
			else
				lua_pushvalue(L, idx);
			if (lua_isboolean(L, -1))
				k += (size_t)snprintf(text + k, cap - k, "%s%d", i ? "," : "",
						      lua_toboolean(L, -1));
			else if (lua_isinteger(L, -1))
				k += (size_t)snprintf(text + k, cap - k, "%s%lld", i ? "," : "",
						      (long long)lua_tointeger(L, -1));
			else
				k += (size_t)snprintf(text + k, cap - k, "%s%.9g", i ? "," : "",
						      luaL_checknumber(L, -1));
			lua_pop(L, 1);
		}
		if (k >= cap)
			luaL_error(L, "nex.open: consts.%s: too many values", name);
		(*n)++;
		lua_pop(L, 1);
	}
}

/* nex.open(path | "demo", {shapes={x={1,3,640,640}}, consts={sr=16000},
 * unroll_limit=, target=, pipeline=});
 * without shapes, ONNX inputs take those of `nex script --shape`. */
int nxl_session_open(lua_State *L)
{
	const char *path = luaL_checkstring(L, 1);
	nx_shape_bind binds[32];
	char names[32][64];
	uint32_t n = 0;
	char texts[16][2048];
	char *cnames[16];
	nx_tensor cvals[16];
	uint32_t n_consts = 0;
	lua_Integer unroll = 0;
	if (lua_istable(L, 2)) {
		lua_getfield(L, 2, "shapes");
		if (lua_istable(L, -1))
			read_shapes(L, lua_gettop(L), binds, &n, names);
		lua_pop(L, 1);
		lua_getfield(L, 2, "unroll_limit");
		unroll = lua_isnil(L, -1) ? 0 : luaL_checkinteger(L, -1);
		lua_pop(L, 1);
		if (unroll < 0 || unroll > 1000000)
			return luaL_error(L, "nex.open: unroll_limit: 1 to 1000000");
		lua_getfield(L, 2, "consts");
		if (lua_istable(L, -1))
			read_consts(L, lua_gettop(L), texts, &n_consts);
		lua_pop(L, 1);
	}
	nx_err err;
	for (uint32_t i = 0; i < n_consts; i++)
		if (nx_const_arg_parse(texts[i], &cnames[i], &cvals[i], &err)) {
			while (i--) {
				free(cnames[i]);
				nx_tensor_free(&cvals[i]);
			}
			return luaL_error(L, "nex.open: consts: %s", err.msg);
		}
	nx_graph *g;
	size_t len = strlen(path);
	if (!strcmp(path, "demo"))
		g = nx_demo(&err);
	else if (len > 5 && !strcmp(path + len - 5, ".onnx")) {
		nxl_state *st = nxl_st(L);
		nx_onnx_opts o = {.binds = binds, .n_binds = n};
		if (!n) {  /* nex script --shape */
			o.binds = st->shapes;
			o.n_binds = st->n_shapes;
		}
		o.const_names = (const char *const *)cnames;
		o.const_values = cvals;
		o.n_consts = n_consts;
		o.unroll_limit = (uint32_t)unroll;
		g = nx_onnx_import(path, &o, &err);
	} else
		g = nx_load(path, &err);
	for (uint32_t i = 0; i < n_consts; i++) {
		free(cnames[i]);
		nx_tensor_free(&cvals[i]);
	}
	if (!g)
		return luaL_error(L, "nex.open: %s", err.msg);
	lsession *ls = lua_newuserdatauv(L, sizeof *ls, 0);
	memset(ls, 0, sizeof *ls);
	luaL_setmetatable(L, NXL_SESSION);
	ls->s = nxw_session_new(g);
	ls->owned = true;
	ls->s->catalog = &nxl_st(L)->cat;
	int sidx = lua_gettop(L);
	if (lua_istable(L, 2)) {
		lua_getfield(L, 2, "target");
		if (!lua_isnil(L, -1)) {
			nxl_to_target(L, -1, &ls->target);
			ls->has_target = true;
			nxw_set_target(ls->s, &ls->target);
		}
		lua_pop(L, 1);
		lua_getfield(L, 2, "pipeline");
		if (!lua_isnil(L, -1) &&
		    nxw_set_pipeline(ls->s, luaL_checkstring(L, -1), &err) != 0)
			return luaL_error(L, "nex.open: %s", err.msg);
		lua_pop(L, 1);
	}
	lua_settop(L, sidx);
	return 1;
}

static int s_gc(lua_State *L)
{
	lsession *ls = lua_touserdata(L, 1);
	if (ls->owned)
		nxw_session_free(ls->s);
	ls->s = NULL;
	ls->epoch++;
	return 0;
}

static int s_pipeline(lua_State *L)
{
	lsession *ls = check_s(L);
	if (!lua_isnoneornil(L, 2)) {
		check_s_mut(L);
		nx_err err;
		if (nxw_set_pipeline(ls->s, luaL_checkstring(L, 2), &err) != 0)
			return luaL_error(L, "%s", err.msg);
	}
	char *p = nxp_pipeline_str(&ls->s->pl);
	lua_pushstring(L, p);
	free(p);
	return 1;
}

static int s_apply(lua_State *L)
{
	lsession *ls = check_s_mut(L);
	nx_err err;
	int rc = nxw_apply(ls->s, &err);
	return result(L, rc, &err);
}

static int s_run(lua_State *L)
{
	lsession *ls = check_s_mut(L);
	lua_Integer until = luaL_optinteger(L, 2, -1);
	nx_err err;
	int rc = nxw_apply_all(ls->s, (int32_t)until, &err);
	return result(L, rc < 0 ? rc : 1, &err);
}

static int s_step(lua_State *L)
{
	lsession *ls = check_s_mut(L);
	nx_err err;
	int rc = nxw_step_into(ls->s, &err);
	return result(L, rc, &err);
}

static int s_undo(lua_State *L)
{
	lsession *ls = check_s(L);
	lua_pushboolean(L, nxw_undo(ls->s) == 0);
	return 1;
}

static int s_redo(lua_State *L)
{
	lsession *ls = check_s(L);
	lua_pushboolean(L, nxw_redo(ls->s) == 0);
	return 1;
}

static int s_jump(lua_State *L)
{
	lsession *ls = check_s(L);
	uint32_t k = check_step(L, ls, 2);
	nxw_jump(ls->s, k);
	return 0;
}

static int s_cursor(lua_State *L)
{
	lsession *ls = check_s(L);
	lua_pushinteger(L, ls->s->cursor);
	return 1;
}

static int s_count(lua_State *L)
{
	lsession *ls = check_s(L);
	lua_pushinteger(L, ls->s->n_steps);
	return 1;
}

static int s_pin(lua_State *L)
{
	lsession *ls = check_s(L);
	nxw_pin(ls->s, check_step(L, ls, 2));
	return 0;
}

static uint32_t check_entry(lua_State *L, lsession *ls, int idx, bool insert)
{
	lua_Integer i = luaL_checkinteger(L, idx);
	lua_Integer max = ls->s->pl.n + (insert ? 1 : 0);
	if (i < 1 || i > max)
		luaL_error(L, "pipeline entry %d: the pipeline has entries 1..%d", (int)i,
			   (int)ls->s->pl.n);
	return (uint32_t)i - 1;
}

static int edit_result(lua_State *L, int rc, const nx_err *err)
{
	if (rc != 0)
		return luaL_error(L, "%s", err->msg);
	return 0;
}

static int s_insert(lua_State *L)
{
	lsession *ls = check_s_mut(L);
	uint32_t at = check_entry(L, ls, 2, true);
	nx_err err;
	return edit_result(L, nxw_insert(ls->s, at, luaL_checkstring(L, 3), &err), &err);
}

static int s_remove(lua_State *L)
{
	lsession *ls = check_s_mut(L);
	nx_err err;
	return edit_result(L, nxw_remove(ls->s, check_entry(L, ls, 2, false), &err), &err);
}

static int s_move(lua_State *L)
{
	lsession *ls = check_s_mut(L);
	nx_err err;
	uint32_t from = check_entry(L, ls, 2, false), to = check_entry(L, ls, 3, false);
	return edit_result(L, nxw_move(ls->s, from, to, &err), &err);
}

static int s_toggle(lua_State *L)
{
	lsession *ls = check_s_mut(L);
	nx_err err;
	return edit_result(L, nxw_toggle(ls->s, check_entry(L, ls, 2, false), &err), &err);
}

static int s_set_option(lua_State *L)
{
	lsession *ls = check_s_mut(L);
	nx_err err;
	uint32_t at = check_entry(L, ls, 2, false);
	return edit_result(L, nxw_set_option(ls->s, at, luaL_checkstring(L, 3), &err), &err);
}

static int s_replay(lua_State *L)
{
	lsession *ls = check_s_mut(L);
	lua_Integer n = luaL_checkinteger(L, 2);
	nx_err err;
	int rc = nxw_replay(ls->s, (uint32_t)(n < 0 ? 0 : n), &err);
	return result(L, rc < 0 ? rc : 1, &err);
}

static void set_num(lua_State *L, const char *k, double v)
{
	lua_pushnumber(L, v);
	lua_setfield(L, -2, k);
}

static void set_int(lua_State *L, const char *k, lua_Integer v)
{
	lua_pushinteger(L, v);
	lua_setfield(L, -2, k);
}

static void set_str(lua_State *L, const char *k, const char *v)
{
	if (!v)
		return;
	lua_pushstring(L, v);
	lua_setfield(L, -2, k);
}

static void push_step(lua_State *L, const nxw_session *s, uint32_t k)
{
	const nxw_step *st = &s->steps[k];
	lua_createtable(L, 0, 24);
	set_int(L, "step", k);
	set_str(L, "pass", st->pass);
	set_str(L, "options", st->options);
	set_int(L, "budget", st->budget);
	lua_pushboolean(L, st->complete);
	lua_setfield(L, -2, "complete");
	set_int(L, "rewrites", st->rewrites);
	set_num(L, "seconds", st->seconds);
	lua_pushboolean(L, st->ok);
	lua_setfield(L, -2, "ok");
	set_str(L, "error", st->error);
	if (st->last_op != NX_NONE)
		set_int(L, "last_op", st->last_op);
	lua_createtable(L, (int)st->n_remarks, 0);
	for (uint32_t i = 0; i < st->n_remarks; i++) {
		lua_pushstring(L, st->remarks[i]);
		lua_rawseti(L, -2, i + 1);
	}
	lua_setfield(L, -2, "remarks");
	lua_createtable(L, 0, (int)st->n_stats);
	for (uint32_t i = 0; i < st->n_stats; i++)
		set_int(L, st->stats[i].name, st->stats[i].value);
	lua_setfield(L, -2, "stats");
	set_int(L, "ops", st->m.ops);
	set_int(L, "weight_bytes", (lua_Integer)st->m.weight_bytes);
	if (st->m.have_sim) {
		set_int(L, "peak", st->m.peak_bytes);
		set_num(L, "cycles", st->m.cycles);
		set_num(L, "latency_us", st->m.latency_us);
		set_num(L, "energy_uj", st->m.energy_uj);
	}
	if (st->num.done) {
		set_num(L, "max_abs", st->num.max_abs);
		set_num(L, "max_rel", st->num.max_rel);
	}
}

static int s_info(lua_State *L)
{
	lsession *ls = check_s(L);
	push_step(L, ls->s, check_step(L, ls, 2));
	return 1;
}

static int s_steps(lua_State *L)
{
	lsession *ls = check_s(L);
	lua_createtable(L, (int)ls->s->n_steps, 0);
	for (uint32_t k = 0; k < ls->s->n_steps; k++) {
		push_step(L, ls->s, k);
		lua_rawseti(L, -2, k + 1);
	}
	return 1;
}

static int s_graph(lua_State *L)
{
	lsession *ls = check_s(L);
	uint32_t k = check_step(L, ls, 2);
	nxl_graph *gr = nxl_push_graph(L, ls->s->steps[k].snap, false, true, &ls->epoch, 1);
	gr->sess = ls->s;
	gr->step = k;
	return 1;
}

static int s_text(lua_State *L)
{
	lsession *ls = check_s(L);
	lua_pushstring(L, nxw_text(ls->s, check_step(L, ls, 2)));
	return 1;
}

/* s:diff(a, b) -> {added={ids}, removed={ids}, changed={{op=, what={...}}},
 * unified=text} */
static int s_diff(lua_State *L)
{
	lsession *ls = check_s(L);
	uint32_t a = check_step(L, ls, 2), b = check_step(L, ls, 3);
	char *uni = NULL;
	nx_diff *d = nxw_diff(ls->s, a, b, &uni);
	lua_createtable(L, 0, 4);
	lua_pushstring(L, uni);
	free(uni);
	lua_setfield(L, -2, "unified");
	lua_newtable(L);
	lua_newtable(L);
	lua_newtable(L);
	lua_Integer na = 1, nr = 1, nc = 1;
	for (uint32_t i = 0; i < d->n; i++) {
		const nx_diff_entry *e = &d->e[i];
		if (e->change == NX_DIFF_ADDED) {
			lua_pushinteger(L, e->op);
			lua_rawseti(L, -4, na++);
		} else if (e->change == NX_DIFF_REMOVED) {
			lua_pushinteger(L, e->op);
			lua_rawseti(L, -3, nr++);
		} else {
			lua_createtable(L, 0, 2);
			set_int(L, "op", e->op);
			lua_newtable(L);
			lua_Integer nw = 1;
			for (uint32_t bit = 1; bit <= NX_DIFF_NAMES; bit <<= 1)
				if (e->what & bit) {
					lua_pushstring(L, nx_diff_what_name(bit));
					lua_rawseti(L, -2, nw++);
				}
			lua_setfield(L, -2, "what");
			lua_rawseti(L, -2, nc++);
		}
	}
	nx_diff_free(d);
	lua_setfield(L, -4, "changed");
	lua_setfield(L, -3, "removed");
	lua_setfield(L, -2, "added");
	return 1;
}

static int s_bisect(lua_State *L)
{
	lsession *ls = check_s_mut(L);
	nxw_check c;
	nx_err err;
	if (nxw_check_parse(&c, luaL_checkstring(L, 2), &err) != 0)
		return luaL_error(L, "%s", err.msg);
	nxw_bisect_result r;
	/* s:bisect(check [, assume_monotone]) */
	int rc = nxw_bisect(ls->s, &c, lua_toboolean(L, 3), &r, &err);
	nxl_check_killed(L);
	if (rc != 0)
		return luaL_error(L, "bisect: %s", err.msg);
	lua_createtable(L, 0, 8);
	lua_pushboolean(L, r.found);
	lua_setfield(L, -2, "found");
	if (r.found) {
		set_int(L, "step", r.step);
		set_str(L, "pass", r.pass);
		set_int(L, "rewrite", r.rewrite);
		if (r.op != NX_NONE)
			set_int(L, "op", r.op);
		set_str(L, "remark", r.remark);
		set_int(L, "candidate", r.candidate);
		lua_pushboolean(L, r.scanned);
		lua_setfield(L, -2, "scanned");
		lua_pushboolean(L, r.earlier);
		lua_setfield(L, -2, "earlier");
	}
	set_int(L, "runs", r.runs);
	return 1;
}

static int s_check(lua_State *L)
{
	lsession *ls = check_s(L);
	uint32_t k = check_step(L, ls, 2);
	nxw_check c;
	nx_err err;
	if (nxw_check_parse(&c, luaL_checkstring(L, 3), &err) != 0)
		return luaL_error(L, "%s", err.msg);
	int rc = nxw_check_step(ls->s, k, &c, &err);
	if (rc < 0)
		return luaL_error(L, "check: %s", err.msg);
	lua_pushboolean(L, rc > 0);
	return 1;
}

static int s_numeric(lua_State *L)
{
	lsession *ls = check_s(L);
	uint32_t k = check_step(L, ls, 2);
	nx_err err;
	if (nxw_numeric(ls->s, k, &err) != 0)
		return luaL_error(L, "numeric: %s", err.msg);
	const nxw_numcheck *n = &ls->s->steps[k].num;
	lua_createtable(L, 0, 3);
	set_num(L, "max_abs", n->max_abs);
	set_num(L, "max_rel", n->max_rel);
	set_str(L, "worst", n->worst);
	return 1;
}

static int s_op_numeric(lua_State *L)
{
	lsession *ls = check_s(L);
	return nxl_op_numeric(L, ls->s, check_step(L, ls, 2), 3);
}

static int s_set_target(lua_State *L)
{
	lsession *ls = check_s_mut(L);
	if (lua_isnil(L, 2)) {
		ls->has_target = false;
		nxw_set_target(ls->s, NULL);
		return 0;
	}
	nx_target t;
	nxl_to_target(L, 2, &t);
	ls->target = t;
	ls->has_target = true;
	nxw_set_target(ls->s, &ls->target);
	return 0;
}

static int s_target(lua_State *L)
{
	lsession *ls = check_s(L);
	if (ls->s->target)
		nxl_push_target(L, ls->s->target);
	else
		lua_pushnil(L);
	return 1;
}

static int s_report(lua_State *L)
{
	lsession *ls = check_s(L);
	char *j = nxw_report_json(ls->s);
	lua_pushstring(L, j);
	free(j);
	return 1;
}

static int s_tostring(lua_State *L)
{
	lsession *ls = luaL_checkudata(L, 1, NXL_SESSION);
	if (!ls->s)
		lua_pushstring(L, "session (closed)");
	else
		lua_pushfstring(L, "session (%d steps, at step %d)", (int)ls->s->n_steps,
				(int)ls->s->cursor);
	return 1;
}

static const luaL_Reg session_m[] = {
	{"pipeline", s_pipeline}, {"apply", s_apply}, {"run", s_run}, {"step", s_step},
	{"undo", s_undo}, {"redo", s_redo}, {"jump", s_jump}, {"cursor", s_cursor},
	{"count", s_count}, {"pin", s_pin}, {"insert", s_insert}, {"remove", s_remove},
	{"move", s_move}, {"toggle", s_toggle}, {"set_option", s_set_option},
	{"replay", s_replay}, {"info", s_info}, {"steps", s_steps}, {"graph", s_graph},
	{"text", s_text}, {"diff", s_diff}, {"bisect", s_bisect}, {"check", s_check},
	{"numeric", s_numeric}, {"op_numeric", s_op_numeric}, {"set_target", s_set_target}, {"target", s_target},
	{"report", s_report}, {NULL, NULL}};

void nxl_open_session(lua_State *L)
{
	luaL_newmetatable(L, NXL_SESSION);
	luaL_newlib(L, session_m);
	lua_setfield(L, -2, "__index");
	lua_pushcfunction(L, s_tostring);
	lua_setfield(L, -2, "__tostring");
	lua_pushcfunction(L, s_gc);
	lua_setfield(L, -2, "__gc");
	lua_pop(L, 1);
}
