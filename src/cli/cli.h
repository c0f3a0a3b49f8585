/* cli.h — what the subcommands share: the command table, option parsing
 * helpers and model loading with the CLI's error conventions (message on
 * stderr naming file/line/op, exit 1 for user errors, 2 for internal ones). */
#ifndef NXC_CLI_H
#define NXC_CLI_H
#include <stdbool.h>
#include <stddef.h>

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

/* --shape NAME=1,3,640,640 options (NXC_OPT_SHAPE rows). */
typedef struct nxc_shapes {
	nx_shape_bind b[32];
	uint32_t n;
	bool allow_outside;  /* --allow-outside (rides along: every loader takes it) */
	/* --const NAME=VALUE (const_opt.c): names and values owned, freed by
	 * nxc_shapes_free */
	char *const_names[16];
	nx_tensor const_values[16];
	const char *const_args[16];  /* the texts as given (argv), for sessions */
	uint32_t n_consts;
	long long unroll_limit;  /* --unroll-limit N (0: the importer's 64) */
	bool f64_as_f32;     /* --f64-as-f32 (rides along like allow_outside) */
} nxc_shapes;
void nxc_shapes_free(nxc_shapes *s);

/* ONNX options holding s's bindings (s must outlive the result). */
nx_onnx_opts nxc_onnx_opts(const nxc_shapes *s);
/* Parse a whole non-negative number; -1 on garbage. */
long long nxc_num(const char *s);

/* --set options a command takes (more is an error). */
#define NXC_MAX_SETS 64
/* The target of --target spec (NULL: m1) with the --set edits applied, into
 * *t; prints the error (prefixed with "nex CMD: ", or "nex: " if cmd is
 * NULL) and returns -1 on a bad one. */
int nxc_target_args(const char *cmd, const char *spec, const char *const *sets, uint32_t n,
		    nx_target *t);

/* cmd_run.c: graph input k from dir (NAME.npy, NAME.pb, input_K.pb,
 * input_K.npy), checked against its type; prints "nex CMD: ..." and returns
 * -1 on failure. Caller frees *t. */
int nxc_load_input(const char *cmd, const nx_graph *g, uint32_t k, const char *dir, nx_tensor *t);
/* lua_load.c: --load FILE.lua (Lua passes join the catalogue) and --unsafe
 * (no sandbox), for every command that takes a pipeline. */
typedef struct nxc_lua_args {
	const char *load[16]; uint32_t n;
	bool unsafe;
	bool set_instructions, set_memory;  /* else nxl_default_limits' */
	int64_t instructions;               /* --max-instructions N */
	long long memory;                   /* --max-memory BYTES */
} nxc_lua_args;
struct nxl_state;
struct nxw_session;
/* With --load files: a Lua state on s (may be NULL) with the files run, in
 * *out (NULL when there is nothing to load). -1 after printing the error
 * (prefixed "nex CMD: ", or "nex: " if cmd is NULL). Close it with nxc_lua_close after the session. */
int nxc_lua_load(const char *cmd, const nxc_lua_args *a, struct nxw_session *s,
		 struct nxl_state **out);
void nxc_lua_close(struct nxl_state *st);
/* The Lua passes a session file carries (lua_passes), run sandboxed into a
 * state whose catalogue nxw_load then takes (*out NULL when there are none).
 * -1 after printing the error. Close it after the session. */
int nxc_lua_for_session(const char *cmd, const char *path, struct nxl_state **out);
/* The limits the options give (nxl_default_limits otherwise). */
struct nxl_limits nxc_lua_limits(const nxc_lua_args *a);
/* options.c: a command's options as one table that drives both parsing and
 * --help (docs/hacking.md, "A command"). A row: */
typedef enum nxc_optkind {
	NXC_FLAG,  /* bool: set to true */
	NXC_STR,   /* const char *: the value as given */
	NXC_NUM,   /* long long: a whole number in [0, max] */
	NXC_LIST,  /* nxc_list: one more value each time (--set F=V ...) */
	NXC_CALL,  /* call(field, cmd, value): the command's own parsing; 0 or -1
		    * after printing "nex CMD: ..." */
} nxc_optkind;
typedef struct nxc_option {
	const char *name;   /* "--context", "-o" */
	const char *alias;  /* a second spelling ("--output"), or NULL */
	const char *arg;    /* the value's name in help ("N"); NULL for a flag */
	nxc_optkind kind;
	size_t off;         /* offsetof(the command's options struct, field) */
	long long max;      /* NXC_NUM: the largest value taken */
	int (*call)(void *field, const char *cmd, const char *val);
	const char *help;   /* '\n' starts a continuation line */
} nxc_option;
typedef struct nxc_command {
	const char *name;        /* "diff" */
	const char *args;        /* the positionals, for usage: "A B" */
	int min_args, max_args;
	const nxc_option *opts;  /* ends with a row of zeros */
	const char *about;       /* between the usage line and the options */
	const char *notes;       /* after the options, or NULL */
	const char *also;        /* more usage lines ("nex sim --targets\n"), or NULL */
	bool stop_at_arg;        /* options end at the first positional: the words
				  * after it are its own (nex script FILE args...) */
} nxc_command;
/* The values of a repeatable option, in order. */
typedef struct nxc_list {
	const char *v[NXC_MAX_SETS];
	uint32_t n;
} nxc_list;
/* Table rows every model-loading command shares: --shape and --allow-outside
 * into an nxc_shapes field named f of struct type T. */
#define NXC_OPT_SHAPE(T, f) \
	{"--shape", NULL, "NAME=d,d,...", NXC_CALL, offsetof(T, f), 0, nxc_shapes_add, \
	 "bind the dims of an ONNX input (repeatable)"}, \
	{"--allow-outside", NULL, NULL, NXC_FLAG, offsetof(T, f.allow_outside), 0, NULL, \
	 "let files the model names (weights, external data) leave its folder"}, \
	{"--const", NULL, "NAME=V,...", NXC_CALL, offsetof(T, f), 0, nxc_consts_add, \
	 "import an ONNX input as a constant: a number or a list laid out\n" \
	 "in its declared shape (repeatable; folds If/Loop on it)"}, \
	{"--unroll-limit", NULL, "N", NXC_NUM, offsetof(T, f.unroll_limit), 1000000, NULL, \
	 "unroll ONNX Loops and Scans of at most N steps (default 64)"}, \
	{"--f64-as-f32", NULL, NULL, NXC_FLAG, offsetof(T, f.f64_as_f32), 0, NULL, \
	 "import an ONNX model's DOUBLE tensors as f32 (a warning counts them)"}
/* NXC_CALL parser for --shape: adds one binding to the nxc_shapes at field. */
int nxc_shapes_add(void *field, const char *cmd, const char *val);
/* NXC_CALL parser for --const (const_opt.c): adds one value to the nxc_shapes
 * at field. */
int nxc_consts_add(void *field, const char *cmd, const char *val);
/* The two printf arguments of "nex%s%s: ...": " CMD", or nothing for the
 * TUI's own command line (name ""), whose messages say "nex: ...". */
#define NXC_WHO(cmd) ((cmd)[0] ? " " : ""), (cmd)
/* What nxc_parse returns after printing --help (the command exits 0). */
#define NXC_PARSE_HELP (-2)
/* Parses argv[1..] by c's table into opts (fields at each row's off) and
 * the positionals into args (max_args slots): the number of positionals,
 * NXC_PARSE_HELP, or -1 after printing the error (unknown option, missing
 * value, bad number, too many or too few positionals). */
int nxc_parse(const nxc_command *c, int argc, char **argv, void *opts, const char **args);
/* The help text, from the table: usage, about, one line per option, notes. */
void nxc_help(const nxc_command *c, FILE *f);

/* option_rows.c: rows several commands share (opt, run, bisect, ...),
 * with the NXC_CALL parsers behind them. Each parser's field is named in
 * its comment. */
int nxc_arg_set(void *field, const char *cmd, const char *val);   /* nxc_pipeline_args: --set */
int nxc_arg_note(void *field, const char *cmd, const char *val);  /* nxc_pipeline_args: --note */
int nxc_arg_until(void *field, const char *cmd, const char *val); /* int32_t step: --until */
int nxc_arg_pin(void *field, const char *cmd, const char *val);   /* int32_t step: --pin */
int nxc_arg_verify_each(void *field, const char *cmd, const char *val); /* bool: --verify-each */
int nxc_arg_load(void *field, const char *cmd, const char *val);  /* nxc_lua_args: --load */
int nxc_arg_max_instructions(void *field, const char *cmd, const char *val); /* nxc_lua_args */
int nxc_arg_max_memory(void *field, const char *cmd, const char *val);       /* nxc_lua_args */
/* --target and --set into the nxc_pipeline_args field pa of T. */
#define NXC_OPT_TARGET(T, pa) \
	{"--target", NULL, "T", NXC_STR, offsetof(T, pa.target), 0, NULL, \
	 "the target passes read (a preset or a .json file; see\n`nex sim --targets`)"}, \
	{"--set", NULL, "F=V", NXC_CALL, offsetof(T, pa), 0, nxc_arg_set, \
	 "override one target field (sram=1MiB, ...; implies\n--target m1 when no --target is given)"}
/* --load, --unsafe, --max-instructions, --max-memory into the nxc_lua_args
 * field f of T. */
#define NXC_OPT_LUA(T, f) \
	{"--load", NULL, "F.lua", NXC_CALL, offsetof(T, f), 0, nxc_arg_load, \
	 "run F.lua first: the passes it defines (nex.pass) can\nbe named in P (docs/lua-api.md)"}, \
	{"--unsafe", NULL, NULL, NXC_FLAG, offsetof(T, f.unsafe), 0, NULL, \
	 "run --load files without the sandbox"}, \
	{"--max-instructions", NULL, "N", NXC_CALL, offsetof(T, f), 0, nxc_arg_max_instructions, \
	 "Lua instruction budget (default 1e9)"}, \
	{"--max-memory", NULL, "BYTES", NXC_CALL, offsetof(T, f), 0, nxc_arg_max_memory, \
	 "Lua memory cap (default 512MiB; 64M, 1G)"}
/* The pipeline options of opt and run into the nxc_pipeline_args field pa
 * of T (with --target/--set and the Lua rows). */
#define NXC_OPT_PIPELINE(T, pa) \
	{"--pipeline", NULL, "P", NXC_STR, offsetof(T, pa.pipeline), 0, NULL, \
	 "the passes (\"default\" or \"a,b{k=v},c\"; see `nex passes`)"}, \
	{"--until", NULL, "N", NXC_CALL, offsetof(T, pa.until), 0, nxc_arg_until, \
	 "stop after step N (step 0 = the model)"}, \
	{"--into", NULL, NULL, NXC_FLAG, offsetof(T, pa.into), 0, NULL, \
	 "one rewrite per step instead of one pass per step"}, \
	{"--print-after", NULL, "PASS|all", NXC_STR, offsetof(T, pa.print_after), 0, NULL, \
	 "print the IR after each step of PASS (or all)"}, \
	{"--print-after-change", NULL, NULL, NXC_FLAG, offsetof(T, pa.print_after_change), 0, \
	 NULL, "print the IR after every step that rewrote something"}, \
	{"--stats", NULL, NULL, NXC_FLAG, offsetof(T, pa.stats), 0, NULL, \
	 "per-step table: rewrites, time, ops, pass statistics"}, \
	{"--numeric", NULL, NULL, NXC_FLAG, offsetof(T, pa.numeric), 0, NULL, \
	 "check every step's outputs against step 0's"}, \
	{"--verify-each", NULL, "incremental|full", NXC_CALL, offsetof(T, pa.verify_full), 0, \
	 nxc_arg_verify_each, "the verifier after each step: on the ops the step\n" \
	 "changed (default; in full where the steps stop), or in full"}, \
	{"--report", NULL, "R.json", NXC_STR, offsetof(T, pa.report), 0, NULL, \
	 "every step as JSON (remarks, metrics, checks)"}, \
	{"--save-session", NULL, "S", NXC_STR, offsetof(T, pa.save_session), 0, NULL, \
	 "save the session (model, target, pipeline, every\nstep) as S.nex.json; `nex replay S` re-runs it"}, \
	{"--note", NULL, "VALUE=TEXT", NXC_CALL, offsetof(T, pa), 0, nxc_arg_note, \
	 "with --save-session: a note on the op producing VALUE"}, \
	{"--pin", NULL, "K", NXC_CALL, offsetof(T, pa.pin), 0, nxc_arg_pin, \
	 "with --save-session: the pinned baseline step"}, \
	NXC_OPT_TARGET(T, pa), \
	NXC_OPT_LUA(T, pa.lua)

/* pipeline_run.c: the compiler half of `nex run`. */
typedef struct nxc_pipeline_args {
	const char *cmd;            /* "opt" or "run": messages say "nex CMD: ..." */
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
	/* --save-session S.nex.json: the session (model, target, pipeline,
	 * steps) as a session file; model and shapes say what was opened. */
	const char *save_session;
	const char *model;          /* MODEL as given on the command line */
	const nxc_shapes *shapes;
	const char *notes[NXC_MAX_SETS]; uint32_t n_notes; /* --note VALUE=TEXT */
	int32_t pin;                /* --pin K: the baseline step, or -1 */
	nxc_lua_args lua;           /* --load FILE.lua, --unsafe */
	bool verify_full;           /* --verify-each=full */
} nxc_pipeline_args;
/* Records in s->src what the command line opened (model, shapes, target
 * spec and --set edits), so a session file can open it again. */
struct nxw_session;
int nxc_session_source(struct nxw_session *s, const char *model, const nxc_shapes *shapes,
		       const char *target, const char *const *sets, uint32_t n_sets, nx_err *err);
/* Takes ownership of g. *out (if not NULL) receives the final graph on
 * success (caller frees). Returns an exit code. */
int nxc_run_pipeline(nx_graph *g, const nxc_pipeline_args *a, nx_graph **out);
#endif
