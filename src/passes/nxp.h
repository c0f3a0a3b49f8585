/* nxp.h — the passes layer: pass descriptors, the pass context (options,
 * statistics, remarks, timer, rewrite budget), the greedy pattern-rewrite
 * driver, the pass registry and pipelines. Prototypes grouped by file.
 *
 * The rewrite budget is what makes stepping work: every change a pass makes
 * is one "rewrite" and must be admitted by nxp_rewrite(ctx) before the graph
 * is touched. With a budget of N the pass stops after exactly N rewrites, so
 * running a pass with budget k+1 from the snapshot before it gives "the next
 * single rewrite" (step into), and bisection can find the one rewrite that
 * broke a check (LLVM's -opt-bisect-limit, MLIR's debug counters).
 */
#ifndef NXP_H
#define NXP_H

#include "nx.h"

/* ---- pass.c: descriptors and the context -------------------------------- */
typedef enum nxp_opt_kind { NXP_INT, NXP_FLOAT, NXP_BOOL, NXP_STR } nxp_opt_kind;

typedef struct nxp_option {
	const char *name;
	uint8_t kind;       /* nxp_opt_kind */
	const char *def;    /* default, as text */
	const char *help;
} nxp_option;

typedef struct nxp_ctx nxp_ctx;
/* Where a stepped pattern pass stopped (rewrite.c); opaque. */
typedef struct nxp_place nxp_place;

/* An origin name (source node) a rewrite removed from the graph without
 * handing it to another op: dead code, a folded constant, an identity, a
 * cancelled transpose pair. Blame never disappears silently: every step-0
 * origin is in some op of a later step or in one of its steps' drops. */
typedef struct nxp_drop {
	char *origin;        /* the source node name (owned) */
	uint32_t op;         /* the erased op's id (a tombstone in the new graph) */
	const char *why;     /* static text: "dead", "identity", ... */
} nxp_drop;

/* A pass is data: one descriptor per file, listed in registry.c. */
typedef struct nxp_pass {
	const char *name;
	const char *summary;
	const nxp_option *options;  /* terminated by name == NULL; may be NULL */
	const char *requires;       /* what must hold before, for docs ("shapes") */
	const char *invalidates;    /* what it changes, for docs and caches */
	/* 0 ok, -1 error (message in ctx->err). Stopping on the budget is ok. */
	int (*run)(nx_graph *g, nxp_ctx *ctx);
	/* Script-defined passes (src/lua) only, NULL for built-ins: the file it
	 * came from and its whole source text (so a session can save it), and
	 * the defining layer's own data for the trampoline in run. */
	const char *file;
	const char *source;
	void *user;
	/* run is nxp_apply_patterns and nothing else, so a run stopped on its
	 * budget can leave its place and a later run continue from it */
	bool resumable;
} nxp_pass;

typedef struct nxp_stat {
	const char *name;  /* static string */
	int64_t value;
} nxp_stat;

/* Set by the caller (session, CLI, tests) and read by passes. A ctx lives
 * for one pass run; nxp_ctx_init / nxp_ctx_free. */
struct nxp_ctx {
	const nxp_pass *pass;
	const void *target;       /* nx_target (core/target.c) or NULL */
	int64_t budget;           /* rewrites allowed; -1 = no limit */
	int64_t rewrites;         /* rewrites done so far */
	bool stopped;             /* the budget ran out: passes return at once */
	/* options: name=value pairs as given; read with nxp_opt_* */
	char **opt_names, **opt_values; uint32_t n_opts;
	nxp_stat stats[32]; uint32_t n_stats;
	char **remarks; uint32_t n_remarks, cap_remarks;
	/* the op the last admitted rewrite was rooted at, and its remark; for
	 * "stopped after rewrite N at op %x" */
	uint32_t last_op;
	/* origins removed without an heir (nxp_drop_origin); freed by nxp_ctx_free */
	nxp_drop *drops; uint32_t n_drops, cap_drops;
	double seconds;           /* filled by nxp_run */
	/* Set by a pass that was stopped from outside (a script broke a sandbox
	 * limit): the session must not keep the step, not even as a failure. */
	bool discard;
	/* Stepping without running the pass again (resumable passes only): a
	 * place to continue from, on a clone of the graph it stopped on (the
	 * ctx owns it; the driver takes it), and, with keep_place, the place a
	 * run stopped on its budget leaves (owned; take it before
	 * nxp_ctx_free, which frees what is left). */
	nxp_place *resume;
	bool keep_place;
	nxp_place *place;
	nx_err err;
};

void nxp_ctx_init(nxp_ctx *ctx, const nxp_pass *p, int64_t budget);
void nxp_ctx_free(nxp_ctx *ctx);
/* "k=v,k2=v2" (as in a pipeline string): validated against the pass's
 * options. -1 + ctx->err on an unknown option or a bad value. */
int nxp_ctx_set_options(nxp_ctx *ctx, const char *text);
int64_t nxp_opt_int(const nxp_ctx *ctx, const char *name);
double nxp_opt_float(const nxp_ctx *ctx, const char *name);
bool nxp_opt_bool(const nxp_ctx *ctx, const char *name);
const char *nxp_opt_str(const nxp_ctx *ctx, const char *name);
/* Admit one rewrite: false (and ctx->stopped) when the budget is spent. Call
 * it after matching and before changing anything. */
bool nxp_rewrite(nxp_ctx *ctx, uint32_t root_op);
void nxp_stat_add(nxp_ctx *ctx, const char *name, int64_t n);
/* Records every origin name of op (erased, or about to be) as dropped for
 * the reason why (a static string). */
/* ctx NULL (an edit outside any pass): nothing is recorded. */
void nxp_drop_origin(nxp_ctx *ctx, const nx_graph *g, uint32_t op, const char *why);
/* One line naming ops, e.g. "folded %bn3 into %c3". */
void nxp_remark(nxp_ctx *ctx, const char *fmt, ...) NX_PRINTF(2, 3);
/* Runs the pass on g with ctx, timing it, with g->step as the born stamp of
 * new ops (set it before). Does not verify: the caller decides. */
int nxp_run(const nxp_pass *p, nx_graph *g, nxp_ctx *ctx);

/* ---- rewrite.c: the greedy pattern-rewrite driver ----------------------- */
/* A pattern: tried on ops of root_kind (-1 = every op). It returns 1 if it
 * rewrote (having called nxp_rewrite first), 0 if it did not match or the
 * budget said no, -1 on error (ctx->err). One call = at most one rewrite. */
typedef struct nxp_pattern {
	const char *name;
	int root_kind;
	int (*apply)(nx_graph *g, uint32_t op, nxp_ctx *ctx);
} nxp_pattern;

/* Worklist driver: visits ops in schedule order; after a rewrite, re-queues
 * new ops, the users of their results and the producers of their operands,
 * until nothing matches or the budget is spent. Then erases ops left dead
 * by rewrites only if erase_dead (their results unused and side-effect free). */
int nxp_apply_patterns(nx_graph *g, nxp_ctx *ctx, const nxp_pattern *pats, uint32_t n);
void nxp_place_free(nxp_place *p);  /* NULL is fine */

/* ---- util.c: helpers passes share ---------------------------------------- */
/* The single user op of v, or NX_NONE if v has zero or several uses or is a
 * graph output. */
uint32_t nxp_single_user(const nx_graph *g, uint32_t v);
/* Producer op of v if it is of kind k (and live), else NX_NONE. */
uint32_t nxp_producer_of(const nx_graph *g, uint32_t v, int kind);
/* If v is a constant whose every element equals x (within 0), true. */
bool nxp_const_is_splat(const nx_graph *g, uint32_t v, double x);
/* v is a constant whose every element is within rel of x. */
bool nxp_const_near(const nx_graph *g, uint32_t v, double x, double rel);
/* Scalar value of a one-element constant; false if v is not one. */
bool nxp_const_scalar(const nx_graph *g, uint32_t v, double *x);
/* New op placed before `before`, with origin = the union of the origins of
 * from[0..n_from); result types are left to infer (set attributes first,
 * then nx_infer_op). NX_NONE + ctx->err on failure. */
uint32_t nxp_op_new(nx_graph *g, nxp_ctx *ctx, int kind, const uint32_t *in, uint32_t n_in,
		    uint32_t n_out, const char *name_hint, uint32_t before,
		    const uint32_t *from, uint32_t n_from);
/* Replace the results of op with vals (one per result, none NX_NONE), then
 * erase op and the producers left unused. Their origins go to heir (an op
 * that now computes what they did, e.g. cse's equal op), or, with heir =
 * NX_NONE, are recorded as dropped for why (an identity, a folded constant:
 * nothing inherits them). A graph output keeps its name and position: the
 * replacement value takes the name over, or, when it cannot (a graph input,
 * or already another output), an identity op with op's origin carries it. */
void nxp_replace_op(nx_graph *g, nxp_ctx *ctx, uint32_t op, const uint32_t *vals,
		    uint32_t heir, const char *why);
/* Replace op by new_op (same result count), which takes over the result
 * names (a graph output or a value the user follows keeps its name) and the
 * origin of op and of every producer the replacement left unused: a fused
 * op's origin is the union of the ops it replaced. */
void nxp_replace_op_by(nx_graph *g, uint32_t op, uint32_t new_op);
/* True if v can take over a graph output's name: an op's result or a
 * constant that is not already an output (graph inputs keep theirs). */
bool nxp_can_take_name(const nx_graph *g, uint32_t v);
/* Copy src's fused activation (act, act_alpha, act_beta) onto dst. */
void nxp_copy_act(nx_graph *g, uint32_t dst, uint32_t src);
/* Erase op and, recursively, producers left without users; their origins
 * go to heir, or (heir = NX_NONE) are recorded as dropped for why. Does
 * nothing if op's results are still used. */
void nxp_erase_tree(nx_graph *g, nxp_ctx *ctx, uint32_t op, uint32_t heir, const char *why);
/* A new f32 constant with the given type and data (copied). */
uint32_t nxp_const_f32(nx_graph *g, const char *hint, const nx_type *t, const float *data);

/* ---- target.c: the target of target-aware passes ------------------------ */
/* ctx->target, or the preset m1 copied into *buf (with a remark saying so)
 * when the context has none. */
const nx_target *nxp_target(nxp_ctx *ctx, nx_target *buf);

/* ---- ne_linear.c: layout-ne's channels-first linear layers --------------- */
/* Rank-3 matmuls by constant weights become 1x1 convs on (B,C,1,S) between
 * transposes, and elementwise ops move behind them so that pairs cancel. */
int nxp_ne_linears(nx_graph *g, nxp_ctx *ctx, const nx_target *t);

/* ---- registry.c: the catalogue and pipelines ---------------------------- */
extern const nxp_pass *const nxp_passes[];  /* NULL-terminated */
const nxp_pass *nxp_find(const char *name);

typedef struct nxp_invocation {
	const nxp_pass *pass;
	char *options;   /* "k=v,..." or NULL; owned */
	bool enabled;
} nxp_invocation;

typedef struct nxp_pipeline {
	nxp_invocation *inv; uint32_t n, cap;
} nxp_pipeline;

/* "default", or "a,b{k=v,k2=v2},c" (a leading - disables an entry): -1 +
 * err naming an unknown pass or option. */
int nxp_pipeline_parse(nxp_pipeline *pl, const char *text, nx_err *err);

/* ---- catalog.c: passes beyond the built-in table (Lua passes) ------------ */
/* The built-in table is static and read-only; passes defined at run time
 * live in a catalog owned by whoever defined them (a Lua state), handed to
 * pipeline parsing and to the session. Entries are borrowed: they must
 * outlive every pipeline parsed with the catalog. */
typedef struct nxp_catalog {
	const nxp_pass **extra; uint32_t n, cap;
} nxp_catalog;
/* Built-ins first, then c's passes (c may be NULL); NULL if unknown. */
const nxp_pass *nxp_catalog_find(const nxp_catalog *c, const char *name);
/* -1 + err if the name is taken (built-ins cannot be redefined). */
int nxp_catalog_add(nxp_catalog *c, const nxp_pass *p, nx_err *err);
void nxp_catalog_free(nxp_catalog *c);  /* the array, not the passes */
/* nxp_pipeline_parse that also knows c's passes. */
int nxp_pipeline_parse_in(nxp_pipeline *pl, const char *text, const nxp_catalog *c,
			  nx_err *err);
/* "a,b{k=v},c" (disabled entries prefixed with '-'); caller frees. */
char *nxp_pipeline_str(const nxp_pipeline *pl);
void nxp_pipeline_free(nxp_pipeline *pl);
extern const char nxp_default_pipeline[];

#endif
