/* nxl_int.h — what the files of src/lua share: the state, the handle types
 * (graph, op, value, session, pass context, target, sim) and the helpers
 * that check them. One file per noun registers its methods (luaL_Reg):
 * graph.c, op.c, value.c (over handle.c), pass.c, match.c, session.c,
 * sim.c, write.c; state.c opens the state and the `nex` table. */
#ifndef NXL_INT_H
#define NXL_INT_H

#include <lauxlib.h>
#include <lua.h>

#include "nxl.h"
#include "nxs.h"

/* A pass defined by nex.pass{...}: the descriptor the catalogue holds, and
 * the strings and Lua function behind it (owned by the state). */
typedef struct nxl_pass {
	nxp_pass p;
	nxp_option *opts;       /* NULL-name terminated; strings owned */
	uint32_t n_opts;
	int fn_ref;             /* the run function, in the registry */
	struct nxl_state *st;
} nxl_pass;

struct nxl_state {
	lua_State *L;
	nxl_limits lim;
	size_t mem;              /* bytes the Lua heap holds */
	int64_t count;           /* instructions this top-level run */
	const char *killed;      /* the limit broken in this run, or NULL */
	int depth;               /* nested entries from C (runs, pass trampolines) */
	int in_pass;             /* Lua passes running now */
	nxw_session *session;    /* the caller's (borrowed) or NULL */
	nxp_catalog cat;
	nxl_pass **passes; uint32_t n_passes, cap_passes;
	char **strs; uint32_t n_strs, cap_strs;  /* interned stat names, sources */
	const char *cur_file, *cur_source;       /* of the chunk being run (borrowed) */
	nxl_out_fn out; void *out_ctx;
	nx_shape_bind shapes[32]; uint32_t n_shapes;  /* nex.open's default */
};

/* The state of L (kept in the extra space of the main thread). */
static inline nxl_state *nxl_st(lua_State *L)
{
	return *(nxl_state **)lua_getextraspace(L);
}
/* A string owned by the state until nxl_close (stat names must outlive the
 * steps that keep them). */
const char *nxl_intern(nxl_state *st, const char *s);

/* ---- handle.c, graph.c, op.c, value.c: graph, op and value handles ------ */
/* A graph handle. It is valid while *live == gen: the graph of a session
 * step lives until the session changes (live points to the session's
 * epoch), a pass's graph until the pass returns, an owned graph until it
 * is collected. Op and value handles keep their graph handle alive (user
 * value 1) and check it on every use: "stale op handle" then, never a
 * dangling pointer. */
typedef struct nxl_graph {
	nx_graph *g;
	uint32_t gen;
	const uint32_t *live;
	uint32_t own;            /* live source of pass and owned graphs */
	bool owned;              /* freed with the handle */
	bool readonly;           /* a session snapshot */
	struct nxl_ctx *ctx;     /* the pass context, for pass graphs */
	/* a session step's graph: also checked against the session itself, so a
	 * history changed from C (the TUI) cannot leave a dangling handle */
	const nxw_session *sess;
	uint32_t step;
} nxl_graph;

typedef struct nxl_ref {
	nxl_graph *gr;
	uint32_t id;
} nxl_ref;

#define NXL_GRAPH "nex.graph"
#define NXL_OP "nex.op"
#define NXL_VALUE "nex.value"

/* Pushes a new graph handle (user value 1 = the value at keep, if keep != 0,
 * to keep a session alive). */
nxl_graph *nxl_push_graph(lua_State *L, nx_graph *g, bool owned, bool readonly,
			  const uint32_t *live, int keep);
void nxl_push_op(lua_State *L, int graph_idx, uint32_t op);
void nxl_push_value(lua_State *L, int graph_idx, uint32_t v);
/* Checked handles: raise "stale ... handle" or "op ... was erased". */
nxl_graph *nxl_check_graph(lua_State *L, int idx);
nxl_ref *nxl_check_op(lua_State *L, int idx);
nxl_ref *nxl_check_value(lua_State *L, int idx);
/* A graph that may be changed here: not a snapshot, and inside a pass only
 * after ctx:rewrite admitted a change. */
void nxl_check_mut(lua_State *L, nxl_graph *gr);
/* "op %name (kind)" for messages. */
const char *nxl_op_label(const nx_graph *g, uint32_t op, char *buf, size_t n);
void nxl_open_graph(lua_State *L);
void nxl_open_op(lua_State *L);
void nxl_open_value(lua_State *L);
/* Shared by the three classes (handle.c). */
bool nxl_graph_ok(const nxl_graph *gr);  /* the handle's graph is alive */
int nxl_op_error(lua_State *L, const nx_graph *g, uint32_t op, const char *msg);
void nxl_push_shape(lua_State *L, const nx_type *t);
void nxl_push_type(lua_State *L, const nx_type *t);
int nxl_push_vlist(lua_State *L, int gidx, const uint32_t *v, uint32_t n);
/* The Lua value at idx as attribute name of op o, typed by the kind's
 * schema when it names the attribute, else by the Lua type. */
void nxl_set_attr(lua_State *L, nx_graph *g, uint32_t o, const char *name, int idx);
/* dtype string at dt_idx, list of dims at shape_idx. */
nx_type nxl_check_type(lua_State *L, int dt_idx, int shape_idx);
int nxl_ref_eq(lua_State *L);  /* __eq of op and value handles */
void nxl_new_class(lua_State *L, const char *name, const luaL_Reg *methods,
		   lua_CFunction tostring, lua_CFunction gc, lua_CFunction eq);

/* ---- pass.c: nex.pass and the trampoline ------------------------------- */
typedef struct nxl_ctx {
	nxp_ctx *ctx;            /* NULL once the pass returned */
	nxl_graph *gr;
} nxl_ctx;
int nxl_pass_define(lua_State *L);
void nxl_open_pass(lua_State *L);
void nxl_pass_free(nxl_pass *p);

/* ---- match.c: nex.match, nex.pattern ------------------------------------ */
int nxl_match(lua_State *L);
int nxl_pattern(lua_State *L);
void nxl_open_match(lua_State *L);

/* ---- session.c: sessions ------------------------------------------------ */
void nxl_open_session(lua_State *L);
int nxl_session_open(lua_State *L);
/* Pushes a borrowed handle on s (nex.session). */
void nxl_push_session(lua_State *L, nxw_session *s);

/* ---- sim.c: targets and the NE model ------------------------------------ */
#define NXL_TARGET "nex.target"
void nxl_open_sim(lua_State *L);
/* A target from a handle, a preset name or a .json path at idx. */
void nxl_to_target(lua_State *L, int idx, nx_target *t);
void nxl_push_target(lua_State *L, const nx_target *t);

/* ---- write.c: files under the working directory ------------------------- */
/* Raises unless path may be written (sandbox: relative, no "..", inside
 * the working directory once symlinks are resolved). */
void nxl_check_write_path(lua_State *L, const char *path);
int nxl_write(lua_State *L);

/* ---- numdebug.c: s:op_numeric ------------------------------------------ */
/* Pushes step k's per-op numeric table (opts: the Lua stack index of the
 * options table, or none). Raises on error. */
int nxl_op_numeric(lua_State *L, nxw_session *s, uint32_t k, int opts);

/* ---- state.c ------------------------------------------------------------ */
/* Calls the function below nargs arguments on the stack with the traceback
 * handler, counting a top-level entry (limits reset at depth 0). 0 or the
 * lua_pcall status with the message in err. */
int nxl_pcall(nxl_state *st, int nargs, int nres, nx_err *err);
/* Raises a Lua error if a limit was broken (after a C call that ran Lua). */
void nxl_check_killed(lua_State *L);

#endif
