/* nxw.h — the session (workspace): a model, a pipeline of pass invocations,
 * and the history of steps the pipeline produced, with analyses cached per
 * snapshot. This is the API the TUI and Lua call; the CLI reaches all of it
 * headless (nex run, nex bisect).
 *
 * History: steps[0] is the model as loaded; step i > 0 is the result of one
 * pipeline invocation (steps[i].inv) run on steps[i-1], either complete or
 * stopped after `budget` rewrites (a stepped, partial step). Stepping into a
 * pass makes one step per rewrite: step i then holds rewrite before+1 of
 * the pass, computed by running the pass with budget before+1 on
 * steps[base] (the step before the pass's first rewrite), so that each step
 * is exactly what the pass makes after that many rewrites; its remarks,
 * statistics and drops are those of its own rewrite. A snapshot is a
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
	uint32_t base;           /* the step the pass ran on (i-1 unless stepped) */
	int64_t before;          /* rewrites of this pass in the steps before (stepped) */
	/* origins this step's rewrites removed without an heir (dce, folds,
	 * identities): with the ops' origins, where every step-0 name went */
	nxp_drop *drops; uint32_t n_drops;
	nx_graph *snap;          /* owned */
	bool ok;                 /* verifier passed */
	bool verified_full;      /* checked by the full verifier (not only on what
				  * the step changed): verify_full, the `verify`
				  * pass, nxw_verify_cursor, or step 0 */
	char *error;             /* verifier or pass error (owned), or NULL */
	nxw_metrics m;
	nxw_numcheck num;
	char *text;              /* cached printed IR, or NULL (owned) */
	bool discard;            /* the pass asked for the step to be dropped
				  * (nxp_ctx.discard): never placed in the history */
	struct nxw_analysis *an; /* analysis.c's cache for this snapshot, or NULL (owned) */
	struct nxw_numcache *numc; /* numcache.c's numeric debugger result, or NULL (owned) */
	struct nxw_program *prog; /* program.c's cache (the NE program), or NULL (owned) */
	/* where a resumable pass stopped on its budget (a stepped step), so the
	 * next step continues from there; NULL otherwise (owned) */
	nxp_place *place;
} nxw_step;

/* What a session was opened from (source.c): enough to open it again. */
typedef struct nxw_source {
	char *model;             /* path as given, or "demo" (owned) */
	char sha256[65];         /* of the model file's bytes, hex; "" for demo */
	nx_shape_bind *binds; uint32_t n_binds; /* --shape bindings (names owned) */
	char **consts; uint32_t n_consts;  /* --const NAME=V,... texts (owned) */
	uint32_t unroll_limit;   /* --unroll-limit (0: the importer's default) */
	bool f64_as_f32;         /* --f64-as-f32: an ONNX model's DOUBLE tensors as f32 */
	char *target;            /* preset name or target .json, or NULL (owned) */
	char **sets; uint32_t n_sets; /* FIELD=VALUE overrides in order (owned) */
} nxw_source;

/* A note or bookmark on an op, by stable id (file.c). */
typedef struct nxw_note {
	uint32_t op;             /* stable op id */
	uint32_t step;           /* the step it was written at */
	bool bookmark;           /* a bookmark (text is its name) or a note */
	char *text;              /* owned */
} nxw_note;

typedef struct nxw_journal nxw_journal;

/* Progress of long work (progress.c): what runs, how far it is, and the
 * pass about to run. The hook returns true to cancel. */
typedef struct nxw_progress {
	const char *what;        /* "apply", "replay", "bisect", "load" */
	uint32_t done, total;    /* units done and expected; total 0 = unknown */
	const char *pass;        /* the pass about to run, or NULL */
} nxw_progress;
typedef bool (*nxw_progress_fn)(void *ctx, const nxw_progress *p);

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
	/* verify_each in full after every step; else incrementally (only the
	 * ops and values a step changed and their neighbours are checked and
	 * its changed ops inferred again, nx_verify_since; a step whose
	 * graph is the one it ran on, nx_graph_same, not again at all) and in
	 * full where the steps stop (nxw_apply_all, nxw_verify_cursor) */
	bool verify_full;
	/* metrics hook: fills m->have_sim etc. (the sim layer sets it). */
	void (*metrics_hook)(void *ctx, const nx_graph *g, nxw_metrics *m);
	void *metrics_ctx;
	/* session files (source.c, file.c, journal.c) */
	nxw_source src;          /* how it was opened (empty if built from a graph) */
	nx_target own_target;    /* the target when the session owns it */
	nxw_note *notes; uint32_t n_notes;
	char *view_json;         /* the TUI's view state, a JSON object, or NULL (owned) */
	char *path;              /* the session file it was saved to / loaded from, or NULL */
	nxw_journal *journal;    /* append-only journal of the session's states, or NULL */
	char check_detail[256];  /* the op the last failing op check named */
	/* passes beyond the built-ins (Lua) that pipelines may name; borrowed,
	 * NULL = built-ins only. Set it before nxw_set_pipeline. */
	const nxp_catalog *catalog;
	/* long work asks it between pass runs whether to go on (progress.c);
	 * NULL = never cancelled */
	nxw_progress_fn progress;
	void *progress_ctx;
	/* stepping runs the pass again from its base for every rewrite instead
	 * of continuing from the place the step before stopped (tests and
	 * benchmarks compare the two; false by default) */
	bool rerun_steps;
	/* A headless run that reads only where the steps stop (nex opt, nex run
	 * without --report, --save-session or --into): once a complete step is
	 * made on the step before it, that step's snapshot is dropped (step 0,
	 * the pinned step and any step another still runs from are kept) and
	 * its memory is reused for the next step's clone. The history keeps
	 * every step's record (pass, rewrites, remarks, metrics, verifier
	 * result); nxw_undo and nxw_jump refuse a step without a snapshot, and
	 * nothing else may read one (its snap is NULL). false by default. */
	bool one_shot;
	nx_graph *spare;         /* a dropped snapshot kept for its memory, or NULL (owned) */
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
 * in the history with ok = false and its error, so it can be inspected,
 * unless the pass set ctx->discard: then the history is left exactly as it
 * was and err says why). The same holds for nxw_step_into. */
int nxw_apply(nxw_session *s, nx_err *err);
/* Applies everything left (or up to `until` steps in the history if >= 0),
 * then verifies the cursor step in full (nxw_verify_cursor). Refuses (-1,
 * nothing applied) a run whose history cannot fit in memory
 * (nxw_mem_check_run). */
int nxw_apply_all(nxw_session *s, int32_t until, nx_err *err);
/* With verify_each and not verify_full: the full verifier on the cursor
 * step, which incremental per-step verification does not replace. A failure
 * marks the step failed (ok = false, error) and returns -1 + err. */
int nxw_verify_cursor(nxw_session *s, nx_err *err);

/* memcheck.c: what the history will hold after applying the rest of the
 * pipeline (up to `until` as above), estimated before running it. */
typedef struct nxw_mem_run {
	uint64_t weights;      /* bytes of the current step's weights in memory */
	uint64_t snapshot;     /* one snapshot's structure (the current one) */
	uint32_t steps, weight_steps;  /* steps to come; of them, writing weights */
	uint64_t total;        /* the estimate of what the run adds */
} nxw_mem_run;
void nxw_mem_need_run(const nxw_session *s, int32_t until, nxw_mem_run *m);
/* 0 if it fits (nx_mem_fits), else -1 + err with the figures. */
int nxw_mem_check_run(const nxw_session *s, int32_t until, nx_err *err);
/* Step into: the next single rewrite, as a new step. A pass with nothing to
 * do still leaves its (complete) step. 1 made, 0 at the end, -1 failure. */
int nxw_step_into(nxw_session *s, nx_err *err);
/* The same, but makes no step past index until (>= 0): returns 0 when the
 * cursor is already there, 1 if it made steps of passes with nothing to do
 * and stopped there. */
int nxw_step_into_until(nxw_session *s, int32_t until, nx_err *err);
/* Each is 0, or -1 at step 0 / at the last step / out of range, or when the
 * step it would move to has no snapshot (one_shot). */
int nxw_undo(nxw_session *s);
int nxw_redo(nxw_session *s);
int nxw_jump(nxw_session *s, uint32_t k);
/* Hands the cursor step's graph to the caller (caller frees with
 * nx_graph_free) without a copy; the step keeps its record and no snapshot.
 * For a one-shot run that is done with the session. */
nx_graph *nxw_take_graph(nxw_session *s);
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
/* Makes step n_steps again from how it was made: invocation inv run on
 * steps[base] with a rewrite budget (session files replay with it); a step
 * of a stepped pass keeps only its own rewrites, as nxw_step_into does.
 * 0, or -1 + err if the step fails (it is kept, with ok false). */
int nxw_push_step(nxw_session *s, int32_t inv, uint32_t base, int64_t budget, nx_err *err);
void nxw_step_free(nxw_step *st);

/* ---- sim_metrics.c: per-step metrics from the NE model ------------------- */
/* The metrics hook: costs g on the target ctx (a const nx_target *) and
 * fills m's sim fields (peak_bytes of the memory plan, cycles, latency_us,
 * energy_uj; have_sim true), or leaves have_sim false if the sim cannot
 * read g. */
void nxw_sim_metrics(void *ctx, const nx_graph *g, nxw_metrics *m);
/* The same for step st of s when the hook's target is the session's: the
 * sim it runs becomes the step's analysis cache (nxw_sim), so a step is
 * costed once however many faces read it. */
void nxw_sim_metrics_step(nxw_session *s, nxw_step *st);
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
/* The same cache for a step not (yet) in the history: it lives in st. */
const struct nxs_sim *nxw_step_sim(nxw_session *s, nxw_step *st, nx_err *err);
/* Drops step k's cache (long work keeps only the steps a face shows). */
void nxw_analysis_drop(nxw_session *s, uint32_t k);

/* ---- program.c: the NE program of a step, cached ------------------------ */
/* Step k's snapshot lowered by the back end (nxg_lower) on the session's
 * current target: with plan-memory's recorded plan when the snapshot has
 * one, else core's best fit (p->alloc says which). Made on first request,
 * kept in the step, lowered again when the target has changed. The step
 * owns it (valid until the step is dropped or the next call re-lowers).
 * NULL + err if the session has no target or the snapshot cannot be
 * lowered (the back end's reason). */
struct nxg_prog;
const struct nxg_prog *nxw_program(nxw_session *s, uint32_t k, nx_err *err);
/* The first task of p from index `from` on that computes (or fetches
 * weights for) op, or NX_NONE. */
uint32_t nxw_program_task_of(const struct nxg_prog *p, uint32_t op, uint32_t from);
void nxw_program_free(struct nxw_program *pc);  /* nxw_step_free calls it */

/* ---- numeric.c: numeric check against step 0 ---------------------------- */
/* Runs step k on the session's seeded inputs and compares every output with
 * step 0's (computed once). Fills steps[k].num. -1 + err if a run fails. */
int nxw_numeric(nxw_session *s, uint32_t k, nx_err *err);
/* The same for a step outside the history (k only names it in messages). */
int nxw_numeric_step(nxw_session *s, nxw_step *st, uint32_t k, nx_err *err);

/* ---- source.c: what a session was opened from ---------------------------- */
void nxw_source_free(nxw_source *src);
void nxw_source_copy(nxw_source *dst, const nxw_source *src);
/* Records FIELD=VALUE (replacing an earlier edit of the same field). */
void nxw_source_add_set(nxw_source *src, const char *kv);
/* Loads src->model ("demo", .onnx with src's bindings, .nex, .json) and
 * fills src->sha256. Caller frees the graph. */
nx_graph *nxw_source_load(nxw_source *src, nx_err *err);
/* The target src names (m1 if none) with its overrides applied. */
int nxw_source_target(const nxw_source *src, nx_target *t, nx_err *err);
/* A session on src's model, with its target (if src names one or sets a
 * field) owned by the session, and the pipeline (NULL: none yet). Caller
 * frees with nxw_session_free. */
nxw_session *nxw_open(const nxw_source *src, const char *pipeline, nx_err *err);
/* Sets one target field (as `--set FIELD=VALUE`), records it in s->src and
 * re-makes the history on the new target, keeping the cursor. */
int nxw_set_target_field(nxw_session *s, const char *field, const char *value, nx_err *err);
/* SHA-256 as 64 hex digits (nettle). */
int nxw_sha256_file(const char *path, char hex[65], nx_err *err);
void nxw_sha256_text(const char *text, size_t len, char hex[65]);

/* ---- file.c: session files (docs/sessions.md) ------------------------------ */
#define NXW_FILE_VERSION 1
/* How each step was made, enough to make it again. */
typedef struct nxw_step_spec {
	int32_t inv;             /* pipeline index, -1 for step 0 */
	int64_t budget;          /* -1 = to completion */
	uint32_t base;           /* the step it was run from */
	char pass[64];           /* for messages */
	char ir_sha256[65];      /* of the printed IR, "" if unknown */
	uint32_t *line_hash; uint32_t n_lines; /* per printed line, or NULL */
} nxw_step_spec;
/* The session as a session file's JSON text; caller frees. */
char *nxw_session_json(nxw_session *s, bool with_hashes);
/* Saves atomically (temp file, fsync, rename, fsync of the directory) and
 * clears the journal. The model path is stored relative to the session
 * file's directory when it can be. */
int nxw_save(nxw_session *s, const char *path, nx_err *err);

typedef struct nxw_load_opts {
	const char *model;       /* use this model file instead of the saved path */
	bool from_journal;       /* open the journal's last state instead */
	bool keep_going;         /* replay every step even after a hash differs */
	/* passes beyond the built-ins the pipeline may name (Lua passes, made
	 * from the file's lua_passes by a face that embeds Lua); borrowed */
	const nxp_catalog *catalog;
	/* progress while the steps replay (progress.c), or NULL; a cancel
	 * makes the load fail and nothing is opened */
	nxw_progress_fn progress;
	void *progress_ctx;
} nxw_load_opts;
/* A Lua pass a session file carries (its name, the file it came from and
 * its source text). */
typedef struct nxw_lua_source {
	char *name, *file, *source;
} nxw_lua_source;
/* The lua_passes of a session file's text; free with nxw_lua_sources_free.
 * A text that does not parse gives none (nxw_load says why). */
int nxw_file_lua_passes(const char *text, size_t len, nxw_lua_source **out, uint32_t *n);
void nxw_lua_sources_free(nxw_lua_source *l, uint32_t n);
/* One replayed step whose IR differs from the saved hash. */
typedef struct nxw_mismatch {
	uint32_t step;
	char pass[64];
	char first_line[256];    /* the first printed line that differs, or "" */
	uint32_t line;           /* its 1-based line number, 0 if unknown */
} nxw_mismatch;
typedef struct nxw_load_report {
	nxw_mismatch *m; uint32_t n;  /* owned: free(m) */
	uint32_t steps;               /* steps replayed */
	char warning[512];            /* e.g. the model changed and --model was given */
} nxw_load_report;
/* Opens a session file: loads the model (checking its sha256), the target
 * and pipeline, replays every step exactly (pass, options, budget) and
 * compares each step's IR with the saved hash (report may be NULL). Returns
 * the session at the saved cursor, or NULL + err (a bad file, an older or
 * newer format version, a model that moved or changed). */
nxw_session *nxw_load(const char *path, const nxw_load_opts *o, nxw_load_report *rep,
		      nx_err *err);
/* The same from a session file's text (len bytes; path names it in
 * messages and relative model paths are resolved from its directory). */
nxw_session *nxw_load_mem(const char *path, const char *text, size_t len,
			  const nxw_load_opts *o, nxw_load_report *rep, nx_err *err);
/* Runs the steps of specs[1..n) on s (which holds step 0 only). */
int nxw_replay_specs(nxw_session *s, const nxw_step_spec *specs, uint32_t n, nx_err *err);
/* The specs of s's history; caller frees with nxw_specs_free. */
nxw_step_spec *nxw_specs(nxw_session *s, bool with_hashes, uint32_t *n);
void nxw_specs_free(nxw_step_spec *sp, uint32_t n);
/* Notes and bookmarks on ops, by stable id. */
void nxw_note_add(nxw_session *s, uint32_t op, bool bookmark, const char *text);
int nxw_note_remove(nxw_session *s, uint32_t i);
void nxw_set_view(nxw_session *s, const char *view_json);

/* ---- progress.c: progress and cancel for long work ------------------------ */
/* Returned by work the progress hook cancelled (apply all, replay, bisect,
 * step into until): the steps made before the cancel stay in the history,
 * the cursor on the last of them, and err says how far it got. A session
 * file's load (nxw_load_opts.progress) cancelled opens nothing. */
#define NXW_CANCELLED (-2)
void nxw_set_progress(nxw_session *s, nxw_progress_fn fn, void *ctx);
/* Reports progress to s's hook: 0 to go on, NXW_CANCELLED + err if the hook
 * cancelled. The session's loops call it before each pass run. */
int nxw_progress_tick(nxw_session *s, const char *what, uint32_t done, uint32_t total,
		      const char *pass, nx_err *err);
/* Enabled invocations left after the cursor step (a total for apply all). */
uint32_t nxw_invs_left(const nxw_session *s);

/* ---- report_doc.c: the session as a Markdown or HTML document ------------- */
/* Per-step table, top ops by cycles, memory timeline and per-op cycles
 * (inline SVG in HTML, text bars in Markdown), notes, and the diff from the
 * pinned step to the cursor; costed on the session's target (m1 if none).
 * Caller frees. */
char *nxw_report_doc(nxw_session *s, bool html, nx_err *err);

/* ---- journal.c: crash recovery --------------------------------------------- */
/* The journal of a session file is PATH.journal: one line per state the
 * session went through since the last save (the session file's JSON without
 * the hashes), each written and fsync'd as the action happens. */
int nxw_journal_open(nxw_session *s, const char *session_path, nx_err *err);
/* Appends s's state if it changed since the last record; faces call it after
 * every action. */
int nxw_journal_record(nxw_session *s, nx_err *err);
void nxw_journal_close(nxw_session *s);
/* True if session_path has a journal holding a state newer than the file. */
bool nxw_journal_pending(const char *session_path);
/* The journal's last complete state (a torn last line is ignored); caller
 * frees. NULL if none. */
char *nxw_journal_last(const char *session_path);
/* ---- numdebug.c: per-op numeric debugging (docs/numeric-debugging.md) ---- */
enum { NXW_MATCH_NONE, NXW_MATCH_NAME, NXW_MATCH_ORIGIN, NXW_MATCH_AROUND };
const char *nxw_match_name(int m);  /* "none", "name", "origin", "around" */

/* Pass/fail thresholds; the defaults are Ascend's published ones: fail when
 * cosine < 0.99 and max abs > 1e-3, or cosine < 0.9, or max abs > 1. */
typedef struct nxw_num_limits {
	double cos_fail, abs_with_cos;  /* fail if cosine < cos_fail and max abs > abs_with_cos */
	double cos_hard, abs_hard;      /* fail if cosine < cos_hard, or max abs > abs_hard */
	double rel_floor;               /* relative errors divide by max(|b|, rel_floor x max|b|) */
	double cos_warn;                /* passes, but cosine below this: "warn" (0.9999) */
} nxw_num_limits;
extern const nxw_num_limits nxw_num_defaults;

/* One result of one op of step k against the step-0 value it stands for. */
typedef struct nxw_opnum {
	uint32_t op, value;       /* in step k */
	uint32_t ref_value;       /* matched step-0 value, NX_NONE if unmatched */
	uint32_t ref_op;          /* its producer in step 0 (NX_NONE for an input) */
	uint8_t match;            /* NXW_MATCH_* */
	bool fails;               /* propagated metrics break the limits */
	/* propagated mode (step k on its own) */
	int64_t n;
	double cosine, max_abs, max_rel, mean_abs, rmse, snr_db;
	double within_01, within_05;  /* fraction of elements within 0.1 % / 0.5 % */
	int64_t overflow_f16;     /* step 0's |x| > 65504: would overflow fp16 */
	int64_t flushed_f16;      /* step 0's 0 < |x| < 2^-24: would flush to zero */
	int64_t nan, inf;         /* in step k's value */
	double sqnr_db;           /* weight quantization SQNR (int8 weights), else NaN */
	/* shadow mode (the op fed step 0's values): the error it adds alone */
	double shadow_cosine, shadow_max_abs, shadow_snr_db;
	bool shadow_fails;
} nxw_opnum;

typedef struct nxw_numdebug {
	uint32_t step, against;
	nxw_num_limits limits;
	nxw_opnum *ops; uint32_t n, cap;   /* one per op result, schedule order */
	uint32_t *match_of;       /* step-k value id -> step-0 value or NX_NONE */
	/* indexes into ops, UINT32_MAX if none */
	uint32_t root;            /* first op whose operands pass and result fails */
	uint32_t first_fail, first_nan, worst, lowest_snr;
	uint32_t worst_shadow;    /* lowest shadow cosine: the op adding most error alone */
	uint32_t unmatched;
	size_t ref_peak_bytes;    /* step-0 values held at once, at the most */
} nxw_numdebug;

typedef struct nxw_debug_opts {
	const nx_tensor *inputs; uint32_t n_inputs; /* real inputs, or NULL: seeded */
	const nxw_num_limits *limits;               /* NULL: nxw_num_defaults */
	bool shadow;                                /* also run shadow mode */
	int threads;
} nxw_debug_opts;

/* Runs step `against` (usually 0) and step k side by side on the same
 * inputs (two threads; o->threads each, 0 = the cores split between them),
 * compares each value of step k with the step-0 value it matches as soon as
 * both exist, and fills d (free with
 * nxw_numdebug_free). o may be NULL (seeded inputs, defaults, shadow on). */
int nxw_numdebug_run(nxw_session *s, uint32_t k, uint32_t against, const nxw_debug_opts *o,
		     nxw_numdebug *d, nx_err *err);
void nxw_numdebug_free(nxw_numdebug *d);
/* The same for a graph outside the history (a bisection's partial run): gk
 * stands for step k (k only names it, and weight SQNR is left out unless
 * gk is steps[k].snap). */
int nxw_numdebug_graph(nxw_session *s, nx_graph *gk, uint32_t k, uint32_t against,
		       const nxw_debug_opts *o, nxw_numdebug *d, nx_err *err);
/* numcache.c: the same per step, cached in the step (for the faces): step
 * k against step `against` on o's inputs (NULL: the session's seeded ones),
 * computed again when the snapshots, inputs, seed, limits, mode or the
 * session's target changed since. The step owns the result: valid until
 * the step is dropped or the next call on step k. NULL + err on failure. */
const nxw_numdebug *nxw_step_numeric(nxw_session *s, uint32_t k, uint32_t against,
				     const nxw_debug_opts *o, nx_err *err);
/* How many times step k's cached result was computed (0 if never). */
uint32_t nxw_step_numeric_runs(const nxw_session *s, uint32_t k);
void nxw_numcache_free(struct nxw_numcache *c);  /* nxw_step_free calls it */
/* The metrics of a against reference b (same element count). */
void nxw_num_metrics(const nx_tensor *a, const nx_tensor *b, double rel_floor, nxw_opnum *m);
bool nxw_num_fails(const nxw_opnum *m, const nxw_num_limits *l);
/* The verdict the faces colour by: "fail" (nxw_num_fails), "warn" (passes
 * but cosine < l->cos_warn, or step 0's value would overflow fp16, or the
 * value holds a NaN/inf), "pass", or "unmatched" (not compared). */
enum { NXW_VERDICT_PASS, NXW_VERDICT_WARN, NXW_VERDICT_FAIL, NXW_VERDICT_UNMATCHED };
int nxw_num_verdict(const nxw_opnum *m, const nxw_num_limits *l);
const char *nxw_verdict_name(int v);

/* ---- bisect.c -------------------------------------------------------------- */
typedef enum nxw_check_kind {
	NXW_CHECK_VERIFY,        /* the verifier passes */
	NXW_CHECK_NUMERIC,       /* max relative error vs step 0 <= limit */
	NXW_CHECK_METRIC,        /* metric <= or >= limit */
	NXW_CHECK_OP_COSINE,     /* every matched op's cosine vs step 0 >= limit */
	NXW_CHECK_OP_NAN,        /* no op makes a NaN or inf that step 0 does not */
	NXW_CHECK_OP_F16         /* no f16 op result holds a value past fp16's range */
} nxw_check_kind;

typedef struct nxw_check {
	int kind;                /* nxw_check_kind */
	char metric[32];         /* ops, weight_bytes, peak, cycles, latency_us, energy_uj */
	bool at_most;            /* metric <= limit (else >=) */
	double limit;
} nxw_check;

/* "verify", "numeric:1e-3", "metric:cycles<=1e6", "metric:peak>=...", and
 * per op (numdebug.c, against step 0): "op:cosine>=0.9999", "op:nan",
 * "op:fp16-overflow". An op check that fails names the op in
 * s->check_detail. */
int nxw_check_parse(nxw_check *c, const char *text, nx_err *err);
/* True if step k passes c (computes what it needs). -1 on error. */
int nxw_check_step(nxw_session *s, uint32_t k, const nxw_check *c, nx_err *err);

typedef struct nxw_bisect_result {
	bool found;              /* some step breaks the check */
	uint32_t step;           /* first failing step */
	char pass[64];
	int64_t rewrite;         /* 1-based index (in the pass) of the breaking rewrite */
	uint32_t op;             /* its root op (in the failing snapshot) */
	char remark[512];        /* the remark of that rewrite, if any */
	nxw_numcheck num;        /* numeric check after that rewrite (numeric checks) */
	uint32_t runs;           /* pass runs bisection needed */
	/* how it was found: the binary search's candidate (budget candidate-1
	 * passes, candidate fails), whether fresh runs confirmed that pair,
	 * whether the rewrites below it were then checked one by one (scanned
	 * from..candidate-1) and whether one of them failed first (the check is
	 * not monotone in this pass) */
	int64_t candidate;
	bool confirmed, scanned, earlier;
	int64_t scan_from;
	char detail[256];        /* op checks: the op that breaks the bound there */
} nxw_bisect_result;

/* Applies the whole pipeline and finds the first failing step; inside it,
 * the first failing rewrite: a binary search over the rewrite budget finds
 * a candidate, fresh runs confirm it and its predecessor, then the rewrites
 * below it are checked one by one (numeric error is not monotone in the
 * budget: a later rewrite can bring it back under the limit). With
 * assume_monotone that scan is skipped (the answer is then a rewrite that
 * breaks the check, not necessarily the first); if the confirmation fails
 * (a pass or check that is not deterministic) the search's last interval
 * is scanned instead. */
int nxw_bisect(nxw_session *s, const nxw_check *c, bool assume_monotone,
	       nxw_bisect_result *r, nx_err *err);

/* ---- report.c: the session as JSON --------------------------------------- */
/* Every step (pass, budget, rewrites, time, remarks, stats, verifier, metrics,
 * numeric check) and the pipeline; caller frees. */
char *nxw_report_json(nxw_session *s);

#endif
