/* nxl.h — the Lua layer (src/lua): the `nex` module for Lua 5.4, Lua passes
 * that join the pass catalogue, and the sandbox scripts run in. This is what
 * the CLI (nex script, --load) and the TUI console call. docs/lua-api.md
 * documents the module as Lua sees it.
 *
 * One nxl_state is one Lua state with the `nex` module loaded (as a global
 * and through require "nex"), its sandbox and limits, and the catalogue of
 * the passes its scripts defined with nex.pass{...}. Hand nxl_catalog() to a
 * session (s->catalog) so its pipelines can name those passes; the state
 * must outlive every session and pipeline that uses its catalogue.
 *
 * Sandbox (unless lim->unsafe): base (without dofile and loadfile; load
 * refuses binary chunks), table, string (without dump), math, utf8,
 * coroutine, os cut to clock, time and date; no io, no package (require
 * gives only "nex"); files are written only under the working directory
 * through nex.write. Limits: an instruction budget per top-level run (a
 * count hook that raises again on every tick once exceeded, so pcall cannot
 * swallow it) and a cap on the Lua heap (lua_setallocf). A Lua pass that
 * breaks a limit sets ctx->discard, so the session keeps no half-made step.
 */
#ifndef NXL_H
#define NXL_H

#include "nxw.h"

typedef struct nxl_state nxl_state;

typedef struct nxl_limits {
	bool unsafe;            /* lift the sandbox: every standard library */
	int64_t instructions;   /* VM instructions per top-level run; 0 = none */
	size_t memory;          /* bytes the Lua heap may hold; 0 = none */
} nxl_limits;

/* 1e9 instructions (seconds of Lua), 512 MiB, sandboxed. */
extern const nxl_limits nxl_default_limits;

/* Output of print() and of errors the caller wants shown: one call per line
 * (no trailing newline). NULL = stdout. */
typedef void (*nxl_out_fn)(void *ctx, const char *line);

/* Opens a state. s (may be NULL) is the caller's session, reachable from
 * Lua as nex.session (borrowed: Lua never frees it); its catalog is set to
 * the state's. lim NULL = nxl_default_limits. Caller frees with nxl_close.
 * NULL + err on failure. */
nxl_state *nxl_open(nxw_session *s, const nxl_limits *lim, nx_err *err);
/* Closes the Lua state (sessions and graphs Lua owns are freed), then the
 * passes it defined: close it after every session using its catalogue. */
void nxl_close(nxl_state *st);

/* Runs a chunk of Lua text (binary chunks are refused) with print going to
 * out. chunkname names it in messages ("console", "=stdin"). 0, or -1 +
 * err ("console:1: attempt to ..." and a traceback). nex.session and
 * everything the chunk defined stay for the next call. */
int nxl_run_string(nxl_state *st, const char *chunk, const char *chunkname, nxl_out_fn out,
		   void *out_ctx, nx_err *err);
/* Runs a file with the global `arg` = {[0] = path, argv[0], ...}. The file
 * and its text are recorded with every pass it defines. */
int nxl_run_file(nxl_state *st, const char *path, int argc, char **argv, nxl_out_fn out,
		 void *out_ctx, nx_err *err);
/* Shape bindings nex.open uses for ONNX inputs when its opts give none
 * (`nex script --shape x=1,3,640,640`); copied, names included. */
void nxl_set_shapes(nxl_state *st, const nx_shape_bind *b, uint32_t n);
/* The passes the state's scripts defined (borrowed). */
const nxp_catalog *nxl_catalog(const nxl_state *st);
/* The session the state was opened with, or NULL. */
nxw_session *nxl_session(const nxl_state *st);

#endif
