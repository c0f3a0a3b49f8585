/* nxw.h — the session (workspace): a model, a pipeline of pass invocations,
 * and the history of steps the pipeline produced, with analyses cached per
 * snapshot. This is the API the TUI and Lua call; the CLI reaches all of it
 * headless (nex run, nex bisect).
 *
 * History: steps[0] is the model as loaded; step i > 0 is the result of one
 * pipeline invocation (steps[i].inv) run on steps[i-1], either complete or
 * stopped after `budget` rewrites (a stepped, partial step). A snapshot is a
 * clone that shares weights with its neighbours. The cursor is the step the
 * user looks at; steps after it are the redo list until something new is
 * applied. Editing the pipeline drops the steps from the first changed
 * invocation on and keeps the prefix, so replay only re-runs what changed.
 */
#ifndef NXW_H
#define NXW_H

#include "nxp.h"

/* ---- session.c ------------------------------------------------------------ */
typedef struct nxw_metrics {
	uint32_t ops;
	uint64_t weight_bytes;   /* each live blob once */
	/* from the simulator when the session has a target (sim layer): */
	bool have_sim;
	int64_t peak_bytes;      /* planned peak of the memory plan */
	double cycles, latency_us, energy_uj;
} nxw_metrics;

typedef struct nxw_numcheck {
	bool done;
	double max_abs, max_rel; /* worst over outputs, vs step 0 */
	char worst[128];         /* output with the worst relative error */
} nxw_numcheck;

typedef struct nxw_step {
	int32_t inv;             /* pipeline index, -1 for step 0 */
	char *pass;              /* pass name (owned); "model" for step 0 */
	char *options;           /* as run (owned) or NULL */
	int64_t budget;          /* -1 = ran to completion */
	bool complete;           /* the pass finished (no rewrite left) */
	int64_t rewrites;
	double seconds;
	char **remarks; uint32_t n_remarks;
	nxp_stat stats[32]; uint32_t n_stats;
	uint32_t last_op;        /* root op of the last rewrite, or NX_NONE */
	nx_graph *snap;          /* owned */
	bool ok;                 /* verifier passed */
	char *error;             /* verifier or pass error (owned), or NULL */
	nxw_metrics m;
	nxw_numcheck num;
	char *text;              /* cached printed IR, or NULL (owned) */
	struct nxw_analysis *an; /* analysis.c's cache for this snapshot, or NULL (owned) */
} nxw_step;

typedef struct nxw_session {
	nxp_pipeline pl;
	nxw_step *steps; uint32_t n_steps, cap_steps;
	uint32_t cursor;
	uint32_t baseline;       /* pinned step for diffs */
	const void *target;      /* nx_target or NULL: passed to passes and sim */
	/* numeric checks: seeded inputs and step 0's outputs, made on demand */
	uint64_t seed;
	nx_tensor *ref_in; uint32_t n_ref_in;
	nx_tensor *ref_out; uint32_t n_ref_out;
	/* after every step: verify (on by default), numeric check (off) */
	bool verify_each, numeric_each;
	/* metrics hook: fills m->have_sim etc. (the sim layer sets it). */
	void (*metrics_hook)(void *ctx, const nx_graph *g, nxw_metrics *m);
	void *metrics_ctx;
} nxw_session;

/* Takes ownership of g (the model, types inferred). Caller frees with
 * nxw_session_free. */
nxw_session *nxw_session_new(nx_graph *g);
void nxw_session_free(nxw_session *s);
/* Replaces the pipeline (drops every step after 0). */
int nxw_set_pipeline(nxw_session *s, const char *text, nx_err *err);
static inline nxw_step *nxw_cur(nxw_session *s) { return &s->steps[s->cursor]; }
/* Index of the next invocation to run after the cursor step, or -1. */
int32_t nxw_next_inv(const nxw_session *s);

/* Applies the next enabled invocation to the cursor step (completing it
 * first if it is a partial step). Returns 1 if a step was made, 0 at the end
 * of the pipeline, -1 on a pass or verifier failure (the failed step is kept
 * in the history with ok = false and its error, so it can be inspected). */
int nxw_apply(nxw_session *s, nx_err *err);
/* Applies everything left (or up to `until` steps in the history if >= 0). */
int nxw_apply_all(nxw_session *s, int32_t until, nx_err *err);
/* Step into: the next single rewrite. 1 made, 0 at the end, -1 failure. */
int nxw_step_into(nxw_session *s, nx_err *err);
int nxw_undo(nxw_session *s);            /* 0, or -1 at step 0 */
int nxw_redo(nxw_session *s);            /* 0, or -1 at the last step */
int nxw_jump(nxw_session *s, uint32_t k); /* 0, or -1 out of range */
void nxw_pin(nxw_session *s, uint32_t k);

/* Pipeline edits; each drops the steps from the first changed invocation on
 * and keeps the prefix (then nxw_replay re-runs to where the cursor was). */
int nxw_insert(nxw_session *s, uint32_t at, const char *pass_with_opts, nx_err *err);
int nxw_remove(nxw_session *s, uint32_t at, nx_err *err);
int nxw_move(nxw_session *s, uint32_t from, uint32_t to, nx_err *err);
int nxw_toggle(nxw_session *s, uint32_t at, nx_err *err);
int nxw_set_option(nxw_session *s, uint32_t at, const char *options, nx_err *err);
/* Re-runs until the history holds `steps` steps (or the pipeline ends). */
int nxw_replay(nxw_session *s, uint32_t steps, nx_err *err);

/* The step's printed IR, cached. */
const char *nxw_text(nxw_session *s, uint32_t k);
/* Diff of two steps: by id, and unified text; caller frees both. */
nx_diff *nxw_diff(nxw_session *s, uint32_t a, uint32_t b, char **unified);

/* For the session layer's own files (bisect): run invocation inv on
 * steps[prev] with a budget into a fresh *st (not placed in the history),
 * and free such a step. */
int nxw_run_inv(nxw_session *s, uint32_t prev, int32_t inv, int64_t budget, nxw_step *st);
void nxw_step_free(nxw_step *st);

/* ---- sim_metrics.c: per-step metrics from the NE model ------------------- */
/* The metrics hook: costs g on the target ctx (a const nx_target *) and
 * fills m's sim fields (peak_bytes of the memory plan, cycles, latency_us,
 * energy_uj; have_sim true), or leaves have_sim false if the sim cannot
 * read g. */
void nxw_sim_metrics(void *ctx, const nx_graph *g, nxw_metrics *m);
/* Gives the session a target (NULL: none): passes read it, and the hook
 * above measures every step made from now on. t must outlive the session
 * (or the next call). Drops the steps after step 0, whose passes read the
 * old target (nxw_replay re-runs them), and re-measures step 0. */
void nxw_set_target(nxw_session *s, const nx_target *t);

/* ---- analysis.c: per-step NE model analyses, cached ------------------- */
/* The sim of step k's snapshot on the session's current target (per-op
 * costs by schedule position, timeline, memory plan; read them with the
 * nxs_sim_* calls). Computed on first request and kept in the step; when
 * the target differs from the one it was costed on (a field edited in
 * place), it is re-costed incrementally (nxs_sim_run redoes only what the
 * changed fields affect). The step owns it: it lives until the step is
 * dropped or the next call re-costs it. NULL + err if the session has no
 * target or the snapshot cannot be costed. */
struct nxs_sim;
const struct nxs_sim *nxw_sim(nxw_session *s, uint32_t k, nx_err *err);
/* Frees a step's cache (nxw_step_free calls it). */
void nxw_analysis_free(struct nxw_analysis *an);

/* ---- numeric.c: numeric check against step 0 ---------------------------- */
/* Runs step k on the session's seeded inputs and compares every output with
 * step 0's (computed once). Fills steps[k].num. -1 + err if a run fails. */
int nxw_numeric(nxw_session *s, uint32_t k, nx_err *err);
/* The same for a step outside the history (k only names it in messages). */
int nxw_numeric_step(nxw_session *s, nxw_step *st, uint32_t k, nx_err *err);

/* ---- bisect.c -------------------------------------------------------------- */
typedef enum nxw_check_kind {
	NXW_CHECK_VERIFY,        /* the verifier passes */
	NXW_CHECK_NUMERIC,       /* max relative error vs step 0 <= limit */
	NXW_CHECK_METRIC         /* metric <= or >= limit */
} nxw_check_kind;

typedef struct nxw_check {
	int kind;                /* nxw_check_kind */
	char metric[32];         /* ops, weight_bytes, peak, cycles, latency_us, energy_uj */
	bool at_most;            /* metric <= limit (else >=) */
	double limit;
} nxw_check;

/* "verify", "numeric:1e-3", "metric:cycles<=1e6", "metric:peak>=..." */
int nxw_check_parse(nxw_check *c, const char *text, nx_err *err);
/* True if step k passes c (computes what it needs). -1 on error. */
int nxw_check_step(nxw_session *s, uint32_t k, const nxw_check *c, nx_err *err);

typedef struct nxw_bisect_result {
	bool found;              /* some step breaks the check */
	uint32_t step;           /* first failing step */
	char pass[64];
	int64_t rewrite;         /* 1-based index of the breaking rewrite */
	uint32_t op;             /* its root op (in the failing snapshot) */
	char remark[512];        /* the remark of that rewrite, if any */
	uint32_t runs;           /* pass runs bisection needed */
} nxw_bisect_result;

/* Applies the whole pipeline, finds the first failing step, then the first
 * failing rewrite inside it by running that pass with budgets. */
int nxw_bisect(nxw_session *s, const nxw_check *c, nxw_bisect_result *r, nx_err *err);

/* ---- report.c: the session as JSON --------------------------------------- */
/* Every step (pass, budget, rewrites, time, remarks, stats, verifier, metrics,
 * numeric check) and the pipeline; caller frees. */
char *nxw_report_json(nxw_session *s);

#endif
