/* cli.h — what the subcommands share: the command table, option parsing
 * helpers and model loading with the CLI's error conventions (message on
 * stderr naming file/line/op, exit 1 for user errors, 2 for internal ones). */
#ifndef NXC_CLI_H
#define NXC_CLI_H
#include <stdbool.h>

#include "nx.h"

enum { NXC_OK = 0, NXC_USER = 1, NXC_INTERNAL = 2 };

#define X(name, fn, summary) int fn(int argc, char **argv);
#include "commands.def"
#undef X

/* cmd_tui.c: `nex [MODEL] [options]`, the terminal UI (not a subcommand). */
int nxc_tui(int argc, char **argv);

/* Loads MODEL: a file path (.nex, .json, .onnx) or "demo" for the built-in
 * model. Prints the error and returns NULL on failure. Caller frees. */
nx_graph *nxc_load(const char *path);
/* The same with ONNX options (--shape bindings); o may be NULL. */
nx_graph *nxc_load_opts(const char *path, const nx_onnx_opts *o);

/* --shape NAME=1,3,640,640 options, collected while scanning argv. */
typedef struct nxc_shapes {
	nx_shape_bind b[32];
	uint32_t n;
} nxc_shapes;
/* If argv[i] is --shape, records it: returns argv slots used (1 or 2), 0 if
 * not --shape, -1 on a malformed value (error printed). */
int nxc_shape_opt(int argc, char **argv, int i, nxc_shapes *s);
void nxc_shapes_free(nxc_shapes *s);

/* A command's own options: argv slots argv[i] uses (0: not one of them, -1:
 * an error it printed). */
typedef int (*nxc_optfn)(void *ctx, int argc, char **argv, int i);
/* The argument loop every command runs: --shape into s, the command's options
 * through opt (may be NULL), up to max positionals into paths. An unknown
 * option or a positional too many prints the error (too_many says what the
 * command takes, e.g. "one MODEL only") and help, and returns -1; else the
 * number of positionals. */
int nxc_scan(int argc, char **argv, nxc_shapes *s, nxc_optfn opt, void *ctx,
	     const char **paths, int max, const char *too_many, const char *help);
/* ONNX options holding s's bindings (s must outlive the result). */
nx_onnx_opts nxc_onnx_opts(const nxc_shapes *s);
/* True if argv[i] is --help or -h. */
int nxc_wants_help(int argc, char **argv);
/* "--name=value" or "--name value": value and how many argv slots it used, 0
 * if argv[i] is not that option. Missing value -> prints an error, returns -1. */
int nxc_opt(int argc, char **argv, int i, const char *name, const char **val);
/* Parse a whole non-negative number; -1 on garbage. */
long long nxc_num(const char *s);

/* --set options a command takes (more is an error). */
#define NXC_MAX_SETS 64
/* The target of --target spec (NULL: m1) with the --set edits applied, into
 * *t; prints the error (prefixed with "nex CMD: ", or "nex: " if cmd is
 * NULL) and returns -1 on a bad one. */
int nxc_target_args(const char *cmd, const char *spec, const char *const *sets, uint32_t n,
		    nx_target *t);
/* If argv[i] is --target or --set, records it in *spec / sets; slots used,
 * 0 if neither, -1 on error (printed). */
int nxc_target_opt(int argc, char **argv, int i, const char **spec, const char **sets,
		   uint32_t *n);

/* pipeline_run.c: the compiler half of `nex run`. */
typedef struct nxc_pipeline_args {
	const char *pipeline;       /* "default" or "a,b{k=v},c" */
	int32_t until;              /* stop when the cursor reaches this step; -1 = end */
	bool into;                  /* step one rewrite at a time instead of whole passes */
	const char *print_after;    /* pass name or "all", or NULL */
	bool print_after_change;    /* print after every step that rewrote something */
	bool stats;                 /* per-step table on stderr */
	bool numeric;               /* numeric check of every step vs step 0 */
	const char *report;         /* JSON report path, or NULL */
	/* --target T and --set FIELD=VALUE: the session's target (passes read
	 * it; every step is costed on it: --stats gains peak and cycles) */
	const char *target;         /* preset or .json, or NULL */
	const char *sets[NXC_MAX_SETS]; uint32_t n_sets;
} nxc_pipeline_args;
/* Takes ownership of g. *out (if not NULL) receives the final graph on
 * success (caller frees). Returns an exit code. */
int nxc_run_pipeline(nx_graph *g, const nxc_pipeline_args *a, nx_graph **out);
/* cmd_opt.c: if argv[i] is a pipeline option, records it in a; returns argv
 * slots used, 0 if not one, -1 on error (printed). */
int nxc_pipeline_opt(int argc, char **argv, int i, nxc_pipeline_args *a);
#endif
