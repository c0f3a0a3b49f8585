/* codegen_cli.h — what `nex codegen`, `nex exec` and `nex alloc` share
 * (codegen_build.c): their model and back-end options, the graph a program
 * is lowered from, and reading a .neasm program back with its graph. */
#ifndef NXC_CODEGEN_CLI_H
#define NXC_CODEGEN_CLI_H
#include "cli.h"
#include "nxg.h"

typedef struct nxc_cg_args {
	nxc_shapes shapes;
	nxc_pipeline_args pa;   /* pipeline, target, sets */
	int alloc;              /* nxg_alloc */
	bool overlap_bug;       /* --test-overlap-bug: the allocator test hook */
} nxc_cg_args;
void nxc_cg_init(nxc_cg_args *a);
void nxc_cg_free(nxc_cg_args *a);
/* NXC_CALL parser of --alloc NAME into an int nxg_alloc field. */
int nxc_arg_alloc(void *field, const char *cmd, const char *val);
/* The model and back-end option rows (option table, cli.h) into the
 * nxc_cg_args field f of T. */
#define NXC_OPT_CG(T, f) \
	NXC_OPT_SHAPE(T, f.shapes), \
	{"--pipeline", NULL, "P", NXC_STR, offsetof(T, f.pa.pipeline), 0, NULL, \
	 "the passes before lowering (default `default`)"}, \
	NXC_OPT_TARGET(T, f.pa), \
	{"--alloc", NULL, "A", NXC_CALL, offsetof(T, f.alloc), 0, nxc_arg_alloc, \
	 "SRAM allocator: recorded (plan-memory's attrs, the default),\n" \
	 "bestfit, search, firstfit, hillclimb (Vela-style), belady or\n" \
	 "sxd (linear scan spilling the furthest next use, or the\n" \
	 "largest size x distance), split (belady, then live-range\n" \
	 "splitting: spill and fill DMA around short SRAM stays);\n" \
	 "see `nex alloc`"}, \
	{"--test-overlap-bug", NULL, NULL, NXC_FLAG, offsetof(T, f.overlap_bug), 0, NULL, \
	 "test hook: the allocator puts two live buffers on the\n" \
	 "same bytes (the checker of `nex exec` must catch it)"}
/* The model through the pipeline (default: `default`) on the target
 * (default m1): *g (caller frees), *t. Prints errors; returns an exit code. */
int nxc_cg_graph(const char *cmd, const char *model, nxc_cg_args *a, nx_graph **g, nx_target *t);
/* Lowers g and records where it came from in the program's directives. */
int nxc_cg_lower(const char *cmd, const char *model, const nxc_cg_args *a, const nx_graph *g,
		 const nx_target *t, nxg_prog **p);
/* True if path names a program: a .neasm file, or the binary form (by its
 * magic). */
bool nxc_cg_is_program(const char *path);
/* A .neasm or binary program: its directives rebuild the graph (and target), then the
 * tasks are read against it. Caller frees *g and *p. */
int nxc_cg_load_program(const char *cmd, const char *path, nx_graph **g, nx_target *t,
			nxg_prog **p);
/* `nex diff A B` on two programs (codegen_diff.c): an exit code. */
int nxc_cg_diff(const char *a, const char *b, int ctx);
#endif
