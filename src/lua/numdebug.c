/* numdebug.c — the per-op numeric debugger for Lua: s:op_numeric([k],
 * [opts]) returns one row per op result of step k against the step-0 value
 * it stands for, with the conclusions (root cause, first NaN, worst op)
 * as row indexes. The result comes from the session's per-step cache
 * (nxw_step_numeric), so asking again costs nothing until the step, the
 * inputs, the limits or the target change. */
#include <math.h>
#include <string.h>

#include "nxl_int.h"

static void put_num(lua_State *L, const char *k, double v)
{
	if (isnan(v))
		return; /* not measured: the field is absent (nil) */
	lua_pushnumber(L, v);
	lua_setfield(L, -2, k);
}

static void put_int(lua_State *L, const char *k, lua_Integer v)
{
	lua_pushinteger(L, v);
	lua_setfield(L, -2, k);
}

static void put_str(lua_State *L, const char *k, const char *v)
{
	lua_pushstring(L, v);
	lua_setfield(L, -2, k);
}

/* opts.limits = {cos_fail=, abs_with_cos=, cos_hard=, abs_hard=, rel_floor=,
 * cos_warn=}: each field overrides the default */
static void read_limits(lua_State *L, int idx, nxw_num_limits *l)
{
	static const struct {
		const char *name;
		size_t off;
	} f[] = {
		{"cos_fail", offsetof(nxw_num_limits, cos_fail)},
		{"abs_with_cos", offsetof(nxw_num_limits, abs_with_cos)},
		{"cos_hard", offsetof(nxw_num_limits, cos_hard)},
		{"abs_hard", offsetof(nxw_num_limits, abs_hard)},
		{"rel_floor", offsetof(nxw_num_limits, rel_floor)},
		{"cos_warn", offsetof(nxw_num_limits, cos_warn)},
	};
	luaL_checktype(L, idx, LUA_TTABLE);
	lua_pushnil(L);
	while (lua_next(L, idx)) {
		const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "?";
		size_t i = 0;
		while (i < sizeof f / sizeof f[0] && strcmp(f[i].name, k))
			i++;
		if (i == sizeof f / sizeof f[0])
			luaL_error(L, "op_numeric: no limit '%s' (cos_fail, abs_with_cos, cos_hard, "
				   "abs_hard, rel_floor, cos_warn)", k);
		*(double *)((char *)l + f[i].off) = luaL_checknumber(L, -1);
		lua_pop(L, 1);
	}
}

static void push_row(lua_State *L, const nxw_session *s, const nxw_numdebug *d, uint32_t i)
{
	const nx_graph *gk = s->steps[d->step].snap, *g0 = s->steps[d->against].snap;
	const nxw_opnum *m = &d->ops[i];
	lua_createtable(L, 0, 24);
	put_int(L, "op", m->op);
	put_str(L, "result", nx_vname(gk, m->value));
	put_str(L, "kind", nx_op_name(gk, m->op));
	put_str(L, "match", nxw_match_name(m->match));
	put_str(L, "verdict", nxw_verdict_name(nxw_num_verdict(m, &d->limits)));
	lua_pushboolean(L, m->fails);
	lua_setfield(L, -2, "fails");
	if (m->ref_value != NX_NONE) {
		put_str(L, "ref", nx_vname(g0, m->ref_value));
		if (m->ref_op != NX_NONE) {
			put_int(L, "ref_op", m->ref_op);
			put_str(L, "ref_kind", nx_op_name(g0, m->ref_op));
		}
		put_num(L, "cosine", m->cosine);
		put_num(L, "max_abs", m->max_abs);
		put_num(L, "max_rel", m->max_rel);
		put_num(L, "mean_abs", m->mean_abs);
		put_num(L, "rmse", m->rmse);
		put_num(L, "snr_db", m->snr_db);
		put_num(L, "within_01", m->within_01);
		put_num(L, "within_05", m->within_05);
		put_int(L, "fp16_overflow", m->overflow_f16);
		put_int(L, "fp16_flushed", m->flushed_f16);
		put_num(L, "sqnr_db", m->sqnr_db);
		put_num(L, "shadow_cosine", m->shadow_cosine);
		put_num(L, "shadow_max_abs", m->shadow_max_abs);
		put_num(L, "shadow_snr_db", m->shadow_snr_db);
		if (!isnan(m->shadow_cosine)) {
			lua_pushboolean(L, m->shadow_fails);
			lua_setfield(L, -2, "shadow_fails");
		}
	}
	put_int(L, "nan", m->nan);
	put_int(L, "inf", m->inf);
}

int nxl_op_numeric(lua_State *L, nxw_session *s, uint32_t k, int opts)
{
	nxw_debug_opts o = {.shadow = true};
	nxw_num_limits lim = nxw_num_defaults;
	uint32_t against = 0;
	if (!lua_isnoneornil(L, opts)) {
		luaL_checktype(L, opts, LUA_TTABLE);
		lua_getfield(L, opts, "against");
		if (!lua_isnil(L, -1)) {
			lua_Integer j = luaL_checkinteger(L, -1);
			if (j < 0 || j >= s->n_steps)
				return luaL_error(L, "op_numeric: no step %d to compare against (the "
						  "history has steps 0..%d)", (int)j, (int)s->n_steps - 1);
			against = (uint32_t)j;
		}
		lua_pop(L, 1);
		lua_getfield(L, opts, "shadow");
		if (!lua_isnil(L, -1))
			o.shadow = lua_toboolean(L, -1);
		lua_pop(L, 1);
		lua_getfield(L, opts, "limits");
		if (!lua_isnil(L, -1))
			read_limits(L, lua_gettop(L), &lim);
		lua_pop(L, 1);
	}
	o.limits = &lim;
	nx_err err;
	const nxw_numdebug *d = nxw_step_numeric(s, k, against, &o, &err);
	if (!d)
		return luaL_error(L, "op_numeric: %s", err.msg);
	lua_createtable(L, 0, 10);
	put_int(L, "step", d->step);
	put_int(L, "against", d->against);
	put_int(L, "unmatched", d->unmatched);
	lua_createtable(L, (int)d->n, 0);
	for (uint32_t i = 0; i < d->n; i++) {
		push_row(L, s, d, i);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	lua_setfield(L, -2, "rows");
	/* conclusions as 1-based row indexes; absent when there is none */
	const struct {
		const char *name;
		uint32_t at;
	} c[] = {{"root", d->root}, {"first_fail", d->first_fail}, {"first_nan", d->first_nan},
		 {"worst", d->worst}, {"lowest_snr", d->lowest_snr},
		 {"worst_shadow", d->worst_shadow}};
	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++)
		if (c[i].at != UINT32_MAX)
			put_int(L, c[i].name, (lua_Integer)c[i].at + 1);
	return 1;
}
