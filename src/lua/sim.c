/* sim.c — targets and the NE model for Lua: nex.targets(), nex.target(spec)
 * (a copy of a preset or a .json file whose fields scripts read and set),
 * and nex.sim(g, target): per-op costs, totals, the timeline and the memory
 * plan as tables, and the CSV / JSON / trace exports as strings. A sim
 * owns a clone of its graph, so it outlives the step or pass it came from. */
#include <stdlib.h>
#include <string.h>

#include "nxl_int.h"

#define NXL_SIM "nex.sim"

typedef struct lsim {
	nx_graph *g;
	nxs_sim *sim;
} lsim;

void nxl_push_target(lua_State *L, const nx_target *t)
{
	nx_target *u = lua_newuserdatauv(L, sizeof *u, 0);
	*u = *t;
	luaL_setmetatable(L, NXL_TARGET);
}

void nxl_to_target(lua_State *L, int idx, nx_target *t)
{
	nx_target *u = luaL_testudata(L, idx, NXL_TARGET);
	if (u) {
		*t = *u;
		return;
	}
	const char *spec = luaL_checkstring(L, idx);
	nx_err err;
	if (nx_target_resolve(spec, t, &err) != 0)
		luaL_error(L, "target: %s", err.msg);
}

static int l_targets(lua_State *L)
{
	size_t n = nx_target_preset_count();
	lua_createtable(L, (int)n, 0);
	for (size_t i = 0; i < n; i++) {
		lua_pushstring(L, nx_target_preset_at(i)->name);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	return 1;
}

static int l_target(lua_State *L)
{
	nx_target t;
	nxl_to_target(L, 1, &t);
	nxl_push_target(L, &t);
	return 1;
}

static int t_get(lua_State *L)
{
	nx_target *t = luaL_checkudata(L, 1, NXL_TARGET);
	const char *f = luaL_checkstring(L, 2);
	char buf[256];
	if (nx_target_get(t, f, buf, sizeof buf) < 0)
		return luaL_error(L, "target has no field '%s' (t:fields() lists them)", f);
	/* numbers as numbers, so scripts can compute with them */
	char *end;
	double x = strtod(buf, &end);
	if (*buf && !*end)
		lua_pushnumber(L, x);
	else
		lua_pushstring(L, buf);
	return 1;
}

static int t_set(lua_State *L)
{
	nx_target *t = luaL_checkudata(L, 1, NXL_TARGET);
	const char *f = luaL_checkstring(L, 2);
	const char *v;
	if (lua_isinteger(L, 3))
		v = lua_pushfstring(L, "%I", (LUAI_UACINT)lua_tointeger(L, 3));
	else
		v = luaL_tolstring(L, 3, NULL);
	nx_err err;
	if (nx_target_set(t, f, v, &err) != 0)
		return luaL_error(L, "target: %s", err.msg);
	lua_settop(L, 1);
	return 1;
}

static int t_clone(lua_State *L)
{
	nx_target *t = luaL_checkudata(L, 1, NXL_TARGET);
	nxl_push_target(L, t);
	return 1;
}

static int t_name(lua_State *L)
{
	nx_target *t = luaL_checkudata(L, 1, NXL_TARGET);
	lua_pushstring(L, t->name);
	return 1;
}

static int t_fields(lua_State *L)
{
	size_t n;
	const nx_target_field *f = nx_target_fields(&n);
	lua_createtable(L, (int)n, 0);
	for (size_t i = 0; i < n; i++) {
		lua_createtable(L, 0, 3);
		lua_pushstring(L, f[i].name);
		lua_setfield(L, -2, "name");
		lua_pushstring(L, f[i].unit ? f[i].unit : "");
		lua_setfield(L, -2, "unit");
		lua_pushstring(L, f[i].doc ? f[i].doc : "");
		lua_setfield(L, -2, "doc");
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	return 1;
}

static int t_json(lua_State *L)
{
	nx_target *t = luaL_checkudata(L, 1, NXL_TARGET);
	char *j = nx_target_to_json(t);
	lua_pushstring(L, j);
	free(j);
	return 1;
}

static int t_tostring(lua_State *L)
{
	nx_target *t = luaL_checkudata(L, 1, NXL_TARGET);
	lua_pushfstring(L, "target %s", t->name);
	return 1;
}

/* ---- sims ------------------------------------------------------------------- */

static lsim *check_sim(lua_State *L)
{
	return luaL_checkudata(L, 1, NXL_SIM);
}

static int l_sim(lua_State *L)
{
	nxl_graph *gr = nxl_check_graph(L, 1);
	nx_target t;
	if (lua_isnoneornil(L, 2))
		nx_target_preset("m1", &t, NULL);
	else
		nxl_to_target(L, 2, &t);
	lsim *s = lua_newuserdatauv(L, sizeof *s, 0);
	memset(s, 0, sizeof *s);
	luaL_setmetatable(L, NXL_SIM);
	s->g = nx_graph_clone(gr->g);
	nx_err err;
	s->sim = nxs_sim_new(s->g, &err);
	if (!s->sim || nxs_sim_run(s->sim, &t, &err) != 0)
		return luaL_error(L, "nex.sim: %s", err.msg);
	return 1;
}

static int sim_gc(lua_State *L)
{
	lsim *s = lua_touserdata(L, 1);
	nxs_sim_free(s->sim);
	nx_graph_free(s->g);
	s->sim = NULL;
	s->g = NULL;
	return 0;
}

static int sim_set_target(lua_State *L)
{
	lsim *s = check_sim(L);
	nx_target t;
	nxl_to_target(L, 2, &t);
	nx_err err;
	if (nxs_sim_run(s->sim, &t, &err) != 0)
		return luaL_error(L, "sim: %s", err.msg);
	return 0;
}

static void set_num(lua_State *L, const char *k, double v)
{
	lua_pushnumber(L, v);
	lua_setfield(L, -2, k);
}

static int sim_totals(lua_State *L)
{
	lsim *s = check_sim(L);
	const nxs_timeline *tl = nxs_sim_timeline(s->sim);
	const nx_memplan *mp = nxs_sim_memplan(s->sim);
	const nx_target *t = nxs_sim_target(s->sim);
	lua_createtable(L, 0, 16);
	set_num(L, "cycles", tl->cycles);
	set_num(L, "latency_us", tl->seconds * 1e6);
	set_num(L, "energy_uj", tl->energy * 1e-6);
	set_num(L, "power_w", tl->power);
	set_num(L, "util", tl->util);
	set_num(L, "macs", tl->macs);
	set_num(L, "dram_bytes", tl->dram_bytes);
	set_num(L, "sram_bytes", tl->sram_bytes);
	set_num(L, "weight_bytes", tl->weight_bytes);
	set_num(L, "stall_cycles", tl->stall_cycles);
	set_num(L, "cpu_cycles", tl->cpu_cycles);
	set_num(L, "peak_bytes", (double)mp->peak);
	set_num(L, "lower_bound_bytes", (double)mp->lower_bound);
	set_num(L, "sram_peak", (double)mp->sram_peak);
	set_num(L, "dram_peak", (double)mp->dram_peak);
	set_num(L, "spilled_bytes", (double)mp->spilled_bytes);
	set_num(L, "ops", nxs_sim_count(s->sim));
	lua_pushstring(L, t->name);
	lua_setfield(L, -2, "target");
	return 1;
}

/* Where op's result lives: "cpu" for fallback ops, else the level of its
 * first result's buffer ("sram" / "dram"), "-" if it has none. */
static const char *placement(lsim *s, uint32_t op, const nxs_cost *c)
{
	if (c->cpu)
		return "cpu";
	const nx_live *l = nxs_sim_live(s->sim);
	if (!s->g->ops[op].n_out)
		return "-";
	uint32_t b = l->buf_of[nx_result(s->g, op, 0)];
	if (b == NX_NONE)
		return "-";
	return l->bufs[b].level == NX_SRAM ? "sram" : "dram";
}

static int sim_costs(lua_State *L)
{
	lsim *s = check_sim(L);
	uint32_t n = nxs_sim_count(s->sim);
	const nxs_cost *c = nxs_sim_costs(s->sim);
	lua_createtable(L, (int)n, 0);
	for (uint32_t i = 0; i < n; i++) {
		const nxs_cost *k = &c[i];
		lua_createtable(L, 0, 16);
		lua_pushinteger(L, k->op);
		lua_setfield(L, -2, "op");
		lua_pushstring(L, s->g->ops[k->op].n_out ? nx_vname(s->g, nx_result(s->g, k->op, 0)) : "");
		lua_setfield(L, -2, "name");
		lua_pushstring(L, nx_op_name(s->g, k->op));
		lua_setfield(L, -2, "kind");
		set_num(L, "cycles", k->cycles);
		set_num(L, "compute_cycles", k->compute_cycles);
		set_num(L, "memory_cycles", k->memory_cycles);
		set_num(L, "energy_pj", k->e_mac + k->e_sram + k->e_dram + k->e_static + k->e_cpu);
		lua_pushstring(L, nxs_bound_name(k->bound));
		lua_setfield(L, -2, "bound");
		set_num(L, "macs", k->macs);
		set_num(L, "dram_bytes", k->dram_bytes);
		set_num(L, "sram_bytes", k->sram_bytes);
		set_num(L, "weight_bytes", k->weight_bytes);
		set_num(L, "util", k->util);
		lua_pushstring(L, placement(s, k->op, k));
		lua_setfield(L, -2, "placement");
		lua_rawseti(L, -2, i + 1);
	}
	return 1;
}

static int sim_timeline(lua_State *L)
{
	lsim *s = check_sim(L);
	const nxs_timeline *tl = nxs_sim_timeline(s->sim);
	const nxs_cost *c = nxs_sim_costs(s->sim);
	lua_createtable(L, (int)tl->n, 0);
	for (uint32_t i = 0; i < tl->n; i++) {
		const nxs_slot *sl = &tl->slots[i];
		lua_createtable(L, 0, 6);
		lua_pushinteger(L, c[i].op);
		lua_setfield(L, -2, "op");
		set_num(L, "start", sl->start);
		set_num(L, "finish", sl->end);
		set_num(L, "stall", sl->stall);
		set_num(L, "dma_start", sl->dma_start);
		set_num(L, "dma_end", sl->dma_end);
		lua_rawseti(L, -2, i + 1);
	}
	return 1;
}

static int sim_memory(lua_State *L)
{
	lsim *s = check_sim(L);
	const nx_memplan *mp = nxs_sim_memplan(s->sim);
	const nx_live *l = nxs_sim_live(s->sim);
	lua_createtable(L, 0, 8);
	set_num(L, "peak", (double)mp->peak);
	set_num(L, "lower_bound", (double)mp->lower_bound);
	set_num(L, "sram_peak", (double)mp->sram_peak);
	set_num(L, "dram_peak", (double)mp->dram_peak);
	set_num(L, "spilled_bytes", (double)mp->spilled_bytes);
	lua_createtable(L, (int)l->n_bufs, 0);
	for (uint32_t i = 0; i < l->n_bufs; i++) {
		const nx_buf *b = &l->bufs[i];
		lua_createtable(L, 0, 6);
		lua_pushstring(L, nx_vname(s->g, b->value));
		lua_setfield(L, -2, "value");
		lua_pushinteger(L, b->start);
		lua_setfield(L, -2, "first");
		lua_pushinteger(L, b->end);
		lua_setfield(L, -2, "last");
		set_num(L, "size", (double)b->size);
		set_num(L, "offset", (double)b->offset);
		lua_pushstring(L, b->level == NX_SRAM ? "sram" : "dram");
		lua_setfield(L, -2, "level");
		lua_rawseti(L, -2, i + 1);
	}
	lua_setfield(L, -2, "buffers");
	return 1;
}

static int sim_csv(lua_State *L)
{
	lsim *s = check_sim(L);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return luaL_error(L, "sim:csv: out of memory");
	nxs_export_csv(s->sim, f);
	fclose(f);
	lua_pushlstring(L, buf, len);
	free(buf);
	return 1;
}

static int sim_json(lua_State *L)
{
	lsim *s = check_sim(L);
	char *j = nxs_export_json(s->sim);
	lua_pushstring(L, j);
	free(j);
	return 1;
}

static int sim_trace(lua_State *L)
{
	lsim *s = check_sim(L);
	char *j = nxs_export_trace(s->sim);
	lua_pushstring(L, j);
	free(j);
	return 1;
}

static const luaL_Reg target_m[] = {
	{"get", t_get}, {"set", t_set}, {"clone", t_clone}, {"name", t_name},
	{"fields", t_fields}, {"json", t_json}, {NULL, NULL}};

static const luaL_Reg sim_m[] = {
	{"totals", sim_totals}, {"costs", sim_costs}, {"timeline", sim_timeline},
	{"memory", sim_memory}, {"csv", sim_csv}, {"json", sim_json}, {"trace", sim_trace},
	{"set_target", sim_set_target}, {NULL, NULL}};

void nxl_open_sim(lua_State *L)
{
	luaL_newmetatable(L, NXL_TARGET);
	luaL_newlib(L, target_m);
	lua_setfield(L, -2, "__index");
	lua_pushcfunction(L, t_tostring);
	lua_setfield(L, -2, "__tostring");
	lua_pop(L, 1);
	luaL_newmetatable(L, NXL_SIM);
	luaL_newlib(L, sim_m);
	lua_setfield(L, -2, "__index");
	lua_pushcfunction(L, sim_gc);
	lua_setfield(L, -2, "__gc");
	lua_pop(L, 1);
	/* the module table is on top */
	lua_pushcfunction(L, l_targets);
	lua_setfield(L, -2, "targets");
	lua_pushcfunction(L, l_target);
	lua_setfield(L, -2, "target");
	lua_pushcfunction(L, l_sim);
	lua_setfield(L, -2, "sim");
}
