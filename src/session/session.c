/* session.c — history of steps over a pipeline: apply, step into, undo,
 * redo, jump, pipeline edits with prefix reuse, replay, per-step metrics and
 * cached text, and diffs between steps. See nxw.h for the model. */
#include <stdlib.h>
#include <string.h>

#include "nxw.h"

/* Frees what a step derived from its graph (analysis, numeric cache,
 * lowered program), leaving the graph: they are rebuilt on demand. */
static void drop_caches(nxw_step *st)
{
	nxw_analysis_free(st->an);
	nxw_numcache_free(st->numc);
	nxw_program_free(st->prog);
	st->an = NULL;
	st->numc = NULL;
	st->prog = NULL;
}

void nxw_step_free(nxw_step *st)
{
	free(st->pass);
	free(st->options);
	for (uint32_t i = 0; i < st->n_remarks; i++)
		free(st->remarks[i]);
	free(st->remarks);
	for (uint32_t i = 0; i < st->n_drops; i++)
		free(st->drops[i].origin);
	free(st->drops);
	free(st->error);
	free(st->text);
	drop_caches(st);
	nxp_place_free(st->place);
	nx_graph_free(st->snap);
	memset(st, 0, sizeof *st);
}

static void truncate_at(nxw_session *s, uint32_t n)
{
	while (s->n_steps > n)
		nxw_step_free(&s->steps[--s->n_steps]);
	if (s->cursor >= s->n_steps)
		s->cursor = s->n_steps - 1;
	if (s->baseline >= s->n_steps)
		s->baseline = 0;
}

/* Bytes of the blobs g's live constants hold, a blob shared by several
 * constants (or table slots) once: slots marked by value, then the
 * marked blobs put in a pointer set. O(values + blobs); a sort of the
 * pointers was 7 % of `nex opt` at 100k ops. */
static uint64_t weight_bytes(const nx_graph *g)
{
	uint8_t *used = nx_xcalloc(g->n_blobs + 1, 1); /* freed below */
	uint32_t n = 0;
	for (uint32_t v = 0; v < g->n_vals; v++) {
		uint32_t b = g->vals[v].blob;
		if (b != NX_NONE && b < g->n_blobs && !(g->vals[v].flags & NX_V_DEAD) &&
		    g->blobs[b] && !used[b]) {
			used[b] = 1;
			n++;
		}
	}
	uint32_t cap = 16;
	while (cap < 2 * n)
		cap *= 2;
	const nx_blob **set = nx_xcalloc(cap, sizeof *set); /* freed below */
	uint64_t bytes = 0;
	for (uint32_t b = 0; b < g->n_blobs; b++) {
		if (!used[b])
			continue;
		const nx_blob *p = g->blobs[b];
		uint64_t h = (uint64_t)(uintptr_t)p * 0x9e3779b97f4a7c15ull;
		uint32_t i = (uint32_t)(h >> 32) & (cap - 1);
		while (set[i] && set[i] != p)
			i = (i + 1) & (cap - 1);
		if (!set[i]) {
			set[i] = p;
			bytes += nx_blob_nbytes(p);
		}
	}
	free(set);
	free(used);
	return bytes;
}

static void metrics(nxw_session *s, nxw_step *st)
{
	const nx_graph *g = st->snap;
	memset(&st->m, 0, sizeof st->m);
	st->m.ops = g->n_live_ops;
	st->m.weight_bytes = weight_bytes(g);
	/* the sim hook on the session's own target costs through the step's
	 * analysis cache: the face that shows the step next reads it as is */
	if (s->metrics_hook == nxw_sim_metrics && s->target && s->metrics_ctx == s->target)
		nxw_sim_metrics_step(s, st);
	else if (s->metrics_hook)
		s->metrics_hook(s->metrics_ctx, g, &st->m);
}

nxw_session *nxw_session_new(nx_graph *g)
{
	nxw_session *s = nx_xcalloc(1, sizeof *s);
	s->verify_each = true;
	s->seed = 1;
	nx_grow((void **)&s->steps, &s->cap_steps, 1, sizeof *s->steps);
	nxw_step *st = &s->steps[0];
	memset(st, 0, sizeof *st);
	st->inv = -1;
	st->pass = nx_xstrdup("model");
	st->budget = -1;
	st->complete = true;
	st->last_op = NX_NONE;
	st->snap = g;
	nx_err err;
	st->ok = nx_verify(g, &err) == 0;
	st->verified_full = st->ok;
	if (!st->ok)
		st->error = nx_xstrdup(err.msg);
	s->n_steps = 1;
	metrics(s, st);
	return s;
}

void nxw_session_free(nxw_session *s)
{
	if (!s)
		return;
	truncate_at(s, 0);
	free(s->steps);
	nx_graph_free(s->spare);
	nxp_pipeline_free(&s->pl);
	for (uint32_t i = 0; i < s->n_ref_in; i++)
		nx_tensor_free(&s->ref_in[i]);
	for (uint32_t i = 0; i < s->n_ref_out; i++)
		nx_tensor_free(&s->ref_out[i]);
	free(s->ref_in);
	free(s->ref_out);
	nxw_journal_close(s);
	nxw_source_free(&s->src);
	for (uint32_t i = 0; i < s->n_notes; i++)
		free(s->notes[i].text);
	free(s->notes);
	free(s->view_json);
	free(s->path);
	free(s);
}

int nxw_set_pipeline(nxw_session *s, const char *text, nx_err *err)
{
	nxp_pipeline pl = {0};
	if (nxp_pipeline_parse_in(&pl, text, s->catalog, err) != 0) {
		nxp_pipeline_free(&pl);
		return -1;
	}
	nxp_pipeline_free(&s->pl);
	s->pl = pl;
	truncate_at(s, 1);
	return 0;
}

int32_t nxw_next_inv(const nxw_session *s)
{
	for (int32_t i = s->steps[s->cursor].inv + 1; i < (int32_t)s->pl.n; i++)
		if (s->pl.inv[i].enabled)
			return i;
	return -1;
}

/* Runs invocation inv of a step based on steps[base] with a budget into
 * *st (fresh), on a clone of steps[from].snap: from == base, or the stepped
 * step of the same pass whose place `resume` is (taken over), after `done`
 * rewrites of the pass. */
static int run_on(nxw_session *s, uint32_t base, uint32_t from, int32_t inv, int64_t budget,
		  nxp_place *resume, int64_t done, nxw_step *st)
{
	const nxp_invocation *v = &s->pl.inv[inv];
	memset(st, 0, sizeof *st);
	st->inv = inv;
	st->pass = nx_xstrdup(v->pass->name);
	st->options = v->options ? nx_xstrdup(v->options) : NULL;
	st->budget = budget;
	st->base = base;
	st->before = done;
	/* a one-shot run's spare is a dropped snapshot: its memory is mapped */
	st->snap = nx_graph_clone_reuse(s->steps[from].snap, s->spare);
	s->spare = NULL;
	st->snap->step = base + 1; /* every step of a stepped pass stamps ops as its first */
	nxp_ctx ctx;
	nxp_ctx_init(&ctx, v->pass, budget);
	ctx.target = s->target;
	ctx.resume = resume;
	ctx.rewrites = done;
	ctx.keep_place = v->pass->resumable && !s->rerun_steps && budget >= 0;
	int rc = v->options ? nxp_ctx_set_options(&ctx, v->options) : 0;
	if (rc == 0)
		rc = nxp_run(v->pass, st->snap, &ctx);
	st->complete = !ctx.stopped;
	st->rewrites = ctx.rewrites - done;
	if (ctx.stopped && rc == 0) {
		st->place = ctx.place;
		ctx.place = NULL;
	}
	st->seconds = ctx.seconds;
	st->remarks = ctx.remarks;
	st->n_remarks = ctx.n_remarks;
	ctx.remarks = NULL;
	ctx.n_remarks = 0;
	st->drops = ctx.drops;
	st->n_drops = ctx.n_drops;
	ctx.drops = NULL;
	ctx.n_drops = 0;
	/* a continued step counts only its own work, as after_step leaves a
	 * step run again from its base: no zero counters */
	for (uint32_t i = 0; i < ctx.n_stats; i++)
		if (from == base || ctx.stats[i].value != 0)
			st->stats[st->n_stats++] = ctx.stats[i];
	st->last_op = ctx.last_op;
	st->discard = ctx.discard;
	st->ok = rc == 0;
	/* a step that changed nothing (infer-shapes, cse, dce... with nothing
	 * to do) is the graph of the step it ran on, which passed its checks */
	const nxw_step *was = &s->steps[from];
	bool same = st->ok && was->ok && !s->verify_full && nx_graph_same(st->snap, was->snap);
	char buf[sizeof ctx.err.msg + 256];
	if (!st->ok) {
		snprintf(buf, sizeof buf, "pass %s: %s", v->pass->name, ctx.err.msg);
		st->error = nx_xstrdup(buf);
	} else if (v->pass == nxp_find("verify")) {
		/* the pass was the full verifier, run on this very snapshot, which
		 * it leaves as it found it: checking again would repeat it */
		st->verified_full = true;
	} else if (s->verify_each && !same) {
		st->verified_full = s->verify_full;
		nx_err verr;
		/* only what the step changed is checked and inferred again
		 * (nx_verify_since), unless verify_full; nxw_verify_cursor
		 * checks in full at the end */
		if ((s->verify_full ? nx_verify(st->snap, &verr)
				    : nx_verify_since(st->snap, s->steps[from].snap, &verr)) != 0) {
			st->ok = false;
			if (st->last_op != NX_NONE)
				snprintf(buf, sizeof buf, "verifier failed after pass %s (rewrite %lld, "
					 "rooted at op #%u): %s", v->pass->name,
					 (long long)st->rewrites, st->last_op, verr.msg);
			else
				snprintf(buf, sizeof buf, "verifier failed after pass %s: %s",
					 v->pass->name, verr.msg);
			st->error = nx_xstrdup(buf);
		}
	}
	nxp_ctx_free(&ctx);
	if (same && !s->metrics_hook)
		st->m = was->m;
	else
		metrics(s, st);
	return st->ok ? 0 : -1;
}

/* Runs invocation inv on steps[prev].snap with a budget into *st (fresh). */
int nxw_run_inv(nxw_session *s, uint32_t prev, int32_t inv, int64_t budget, nxw_step *st)
{
	return run_on(s, prev, prev, inv, budget, NULL, 0, st);
}

/* A step whose pass asked to be discarded leaves the history untouched:
 * true (and err) if st was such a step, which is then freed. */
static bool dropped(nxw_step *st, nx_err *err)
{
	if (!st->discard)
		return false;
	nx_err_set(err, "%s", st->error ? st->error : "the pass was stopped");
	nxw_step_free(st);
	return true;
}

/* One-shot: step k was made complete on step k - 1 (its base), which
 * nothing reads any more unless it is step 0 or pinned; a step continuing
 * a stepped pass has an older base and drops nothing. The snapshot
 * becomes the spare the next clone is built in. */
static void recycle(nxw_session *s, uint32_t k)
{
	const nxw_step *st = &s->steps[k];
	uint32_t j = k - 1;
	if (!s->one_shot || k < 2 || j == s->baseline || !st->complete || st->base != j ||
	    !s->steps[j].snap)
		return;
	nxw_step *p = &s->steps[j];
	/* its caches were built on the snapshot */
	drop_caches(p);
	free(p->text);
	p->text = NULL;
	nx_graph_free(s->spare);
	s->spare = p->snap;
	p->snap = NULL;
}

/* Puts a freshly run step at index k (replacing what is there and dropping
 * the steps after it) and moves the cursor to it. */
static void place(nxw_session *s, uint32_t k, nxw_step *st)
{
	truncate_at(s, k);
	nx_grow((void **)&s->steps, &s->cap_steps, k + 1, sizeof *s->steps);
	s->steps[k] = *st;
	s->n_steps = k + 1;
	s->cursor = k;
	recycle(s, k);
}

static int finish(nxw_session *s, int rc, nx_err *err)
{
	if (rc != 0)
		nx_err_set(err, "step %u: %s", s->cursor, s->steps[s->cursor].error);
	else if (s->numeric_each)
		return nxw_numeric(s, s->cursor, err) == 0 ? 1 : -1;
	return rc == 0 ? 1 : -1;
}

static bool partial(const nxw_step *st)
{
	return st->inv >= 0 && !st->complete;
}

/* st is the pass of stepped step k run again from steps[k].base with a
 * larger budget: keep only what it did after step k (rewrites, remarks,
 * drops, statistics), so that the steps of one pass add up to one run. */
static void after_step(nxw_session *s, uint32_t k, nxw_step *st)
{
	const nxw_step *cur = &s->steps[k];
	int64_t done = cur->before + cur->rewrites;
	uint32_t n_rem = 0, n_drop = 0;
	nxp_stat sum[32];
	uint32_t n_sum = 0;
	for (uint32_t j = cur->base + 1; j <= k; j++) {
		const nxw_step *p = &s->steps[j];
		n_rem += p->n_remarks;
		n_drop += p->n_drops;
		for (uint32_t i = 0; i < p->n_stats; i++) {
			uint32_t m = 0;
			while (m < n_sum && strcmp(sum[m].name, p->stats[i].name))
				m++;
			if (m == n_sum && n_sum < 32)
				sum[n_sum++] = (nxp_stat){p->stats[i].name, 0};
			if (m < n_sum)
				sum[m].value += p->stats[i].value;
		}
	}
	st->before = done;
	st->rewrites -= done;
	n_rem = n_rem < st->n_remarks ? n_rem : st->n_remarks;
	for (uint32_t i = 0; i < n_rem; i++)
		free(st->remarks[i]);
	if (n_rem) /* remarks may be NULL when there are none */
		memmove(st->remarks, st->remarks + n_rem,
			(st->n_remarks - n_rem) * sizeof *st->remarks);
	st->n_remarks -= n_rem;
	n_drop = n_drop < st->n_drops ? n_drop : st->n_drops;
	for (uint32_t i = 0; i < n_drop; i++)
		free(st->drops[i].origin);
	if (n_drop)
		memmove(st->drops, st->drops + n_drop, (st->n_drops - n_drop) * sizeof *st->drops);
	st->n_drops -= n_drop;
	uint32_t n = 0;
	for (uint32_t i = 0; i < st->n_stats; i++) {
		nxp_stat x = st->stats[i];
		for (uint32_t m = 0; m < n_sum; m++)
			if (!strcmp(sum[m].name, x.name))
				x.value -= sum[m].value;
		if (x.value)
			st->stats[n++] = x;
	}
	st->n_stats = n;
}

/* The pass of stepped step k (partial) run on to budget (-1: to its end)
 * into *st, holding only what it did after step k: continued from the place
 * step k kept, which the new step takes over (a step costs one rewrite), or
 * run again from the base when there is none (a pass that cannot continue,
 * or rerun_steps) and cut by after_step. */
static int continue_step(nxw_session *s, uint32_t k, int64_t budget, nxw_step *st)
{
	nxw_step *cur = &s->steps[k];
	int64_t done = cur->before + cur->rewrites;
	if (cur->place && !s->rerun_steps) {
		nxp_place *p = cur->place;
		cur->place = NULL;
		return run_on(s, cur->base, k, cur->inv, budget, p, done, st);
	}
	int rc = nxw_run_inv(s, cur->base, cur->inv, budget, st);
	after_step(s, k, st);
	return rc;
}

int nxw_apply(nxw_session *s, nx_err *err)
{
	nxw_step *cur = nxw_cur(s);
	if (!cur->ok) {
		nx_err_set(err, "step %u failed (%s): undo, or change the pipeline, first",
			   s->cursor, cur->error ? cur->error : "?");
		return -1;
	}
	nxw_step st;
	if (partial(cur)) { /* the rest of a stepped pass, as one more step */
		uint32_t k = s->cursor;
		int rc = continue_step(s, k, -1, &st);
		if (dropped(&st, err))
			return -1;
		place(s, k + 1, &st);
		return finish(s, rc, err);
	}
	int32_t inv = nxw_next_inv(s);
	if (inv < 0)
		return 0;
	uint32_t k = s->cursor + 1;
	int rc = nxw_run_inv(s, s->cursor, inv, -1, &st);
	if (dropped(&st, err))
		return -1;
	place(s, k, &st);
	return finish(s, rc, err);
}

int nxw_push_step(nxw_session *s, int32_t inv, uint32_t base, int64_t budget, nx_err *err)
{
	nxw_step st;
	uint32_t k = s->n_steps;
	const nxw_step *prev = &s->steps[k - 1];
	/* a later step of a stepped pass keeps only its own rewrites, as
	 * nxw_step_into made it */
	int rc = k - 1 > base && prev->inv == inv && prev->base == base
			 ? continue_step(s, k - 1, budget, &st)
			 : nxw_run_inv(s, base, inv, budget, &st);
	place(s, k, &st);
	if (rc)
		nx_err_set(err, "step %u: %s", k, st.error ? st.error : "failed");
	return rc;
}

/* Long work goes through steps nobody looks at: their sims (kept by the
 * metrics, one per snapshot) go, except step 0's and the pinned step's,
 * which the faces compare with. */
static void drop_passed(nxw_session *s, uint32_t k)
{
	if (k != 0 && k != s->baseline && k != s->cursor)
		nxw_analysis_drop(s, k);
}

/* The pass the next nxw_apply runs, for progress lines. */
static const char *next_pass(const nxw_session *s)
{
	const nxw_step *cur = &s->steps[s->cursor];
	if (partial(cur))
		return cur->pass;
	int32_t inv = nxw_next_inv(s);
	return inv >= 0 ? s->pl.inv[inv].pass->name : NULL;
}

int nxw_verify_cursor(nxw_session *s, nx_err *err)
{
	nxw_step *st = nxw_cur(s);
	if (!s->verify_each || st->verified_full || !st->ok || s->cursor == 0)
		return 0;
	nx_err verr;
	if (nx_verify(st->snap, &verr) == 0) {
		st->verified_full = true;
		return 0;
	}
	char buf[sizeof verr.msg + 256];
	snprintf(buf, sizeof buf, "verifier (in full, where the steps stop) failed after pass "
		 "%s: %s", st->pass, verr.msg);
	st->ok = false;
	free(st->error);
	st->error = nx_xstrdup(buf);
	nx_err_set(err, "%s", buf);
	return -1;
}

int nxw_apply_all(nxw_session *s, int32_t until, nx_err *err)
{
	if (nxw_cur(s)->ok && nxw_mem_check_run(s, until, err))
		return -1;
	uint32_t done = 0, total = nxw_invs_left(s);
	for (;; done++) {
		if (until >= 0 && s->n_steps >= (uint32_t)until + 1 && s->cursor + 1 >= s->n_steps)
			return nxw_verify_cursor(s, err);
		if (nxw_next_inv(s) >= 0 || partial(nxw_cur(s))) {
			int c = nxw_progress_tick(s, "apply", done, total, next_pass(s), err);
			if (c)
				return c;
		}
		uint32_t was = s->cursor;
		int rc = nxw_apply(s, err);
		if (rc < 0)
			return rc;
		if (rc == 0)
			return nxw_verify_cursor(s, err);
		drop_passed(s, was);
	}
}

int nxw_step_into_until(nxw_session *s, int32_t until, nx_err *err)
{
	bool made = false; /* steps of passes with nothing to do */
	for (uint32_t runs = 0;; runs++) {
		if (until >= 0 && s->cursor >= (uint32_t)until)
			return made;
		if (runs) { /* a pass with nothing to do went by: long on a big model */
			int c = nxw_progress_tick(s, "step", runs, 0, next_pass(s), err);
			if (c)
				return c;
		}
		nxw_step *cur = nxw_cur(s);
		if (!cur->ok) {
			nx_err_set(err, "step %u failed: undo, or change the pipeline, first",
				   s->cursor);
			return -1;
		}
		nxw_step st;
		if (partial(cur)) {
			uint32_t k = s->cursor;
			int64_t done = cur->before + cur->rewrites;
			int rc = continue_step(s, k, done + 1, &st);
			if (dropped(&st, err))
				return -1;
			if (rc != 0 || st.rewrites > 0) {
				place(s, k + 1, &st);
				return finish(s, rc, err);
			}
			/* defensive: the pass stopped on its budget but has no rewrite
			 * left; the step was complete after all */
			nxw_step_free(&st);
			cur->complete = true;
			continue;
		}
		int32_t inv = nxw_next_inv(s);
		if (inv < 0)
			return made;
		uint32_t k = s->cursor + 1;
		int rc = nxw_run_inv(s, s->cursor, inv, 1, &st);
		if (dropped(&st, err))
			return -1;
		bool any = st.rewrites > 0;
		place(s, k, &st);
		if (runs) /* the step of a pass with nothing to do that went by */
			drop_passed(s, k - 1);
		if (rc != 0 || any)
			return finish(s, rc, err);
		/* a pass with nothing to do stays in the history as a complete step */
		made = true;
	}
}

int nxw_step_into(nxw_session *s, nx_err *err)
{
	return nxw_step_into_until(s, -1, err);
}

int nxw_undo(nxw_session *s)
{
	if (s->cursor == 0 || !s->steps[s->cursor - 1].snap)
		return -1;
	s->cursor--;
	return 0;
}

int nxw_redo(nxw_session *s)
{
	if (s->cursor + 1 >= s->n_steps || !s->steps[s->cursor + 1].snap)
		return -1;
	s->cursor++;
	return 0;
}

int nxw_jump(nxw_session *s, uint32_t k)
{
	if (k >= s->n_steps || !s->steps[k].snap)
		return -1;
	s->cursor = k;
	return 0;
}

nx_graph *nxw_take_graph(nxw_session *s)
{
	nxw_step *st = nxw_cur(s);
	nx_graph *g = st->snap;
	drop_caches(st);
	st->snap = NULL;
	return g;
}

void nxw_pin(nxw_session *s, uint32_t k)
{
	if (k < s->n_steps)
		s->baseline = k;
}

/* Drops the steps made by invocations >= j (the prefix stays). */
static void invalidate_from(nxw_session *s, uint32_t j)
{
	uint32_t t = 1;
	while (t < s->n_steps && s->steps[t].inv < (int32_t)j)
		t++;
	truncate_at(s, t);
}

static int check_index(const nxw_session *s, uint32_t at, bool insert, nx_err *err)
{
	if (at < s->pl.n || (insert && at == s->pl.n))
		return 0;
	nx_err_set(err, "pipeline has %u entries: no index %u", s->pl.n, at);
	return -1;
}

int nxw_insert(nxw_session *s, uint32_t at, const char *pass_with_opts, nx_err *err)
{
	if (check_index(s, at, true, err))
		return -1;
	nxp_pipeline one = {0};
	if (nxp_pipeline_parse_in(&one, pass_with_opts, s->catalog, err) != 0 || one.n != 1) {
		if (one.n > 1)
			nx_err_set(err, "insert one pass at a time");
		nxp_pipeline_free(&one);
		return -1;
	}
	invalidate_from(s, at);
	nx_grow((void **)&s->pl.inv, &s->pl.cap, s->pl.n + 1, sizeof *s->pl.inv);
	memmove(s->pl.inv + at + 1, s->pl.inv + at, (s->pl.n - at) * sizeof *s->pl.inv);
	s->pl.inv[at] = one.inv[0];
	s->pl.n++;
	free(one.inv);
	return 0;
}

int nxw_remove(nxw_session *s, uint32_t at, nx_err *err)
{
	if (check_index(s, at, false, err))
		return -1;
	invalidate_from(s, at);
	free(s->pl.inv[at].options);
	memmove(s->pl.inv + at, s->pl.inv + at + 1, (s->pl.n - at - 1) * sizeof *s->pl.inv);
	s->pl.n--;
	return 0;
}

int nxw_move(nxw_session *s, uint32_t from, uint32_t to, nx_err *err)
{
	if (check_index(s, from, false, err) || check_index(s, to, false, err))
		return -1;
	if (from == to)
		return 0;
	invalidate_from(s, from < to ? from : to);
	nxp_invocation v = s->pl.inv[from];
	if (from < to)
		memmove(s->pl.inv + from, s->pl.inv + from + 1, (to - from) * sizeof v);
	else
		memmove(s->pl.inv + to + 1, s->pl.inv + to, (from - to) * sizeof v);
	s->pl.inv[to] = v;
	return 0;
}

int nxw_toggle(nxw_session *s, uint32_t at, nx_err *err)
{
	if (check_index(s, at, false, err))
		return -1;
	invalidate_from(s, at);
	s->pl.inv[at].enabled = !s->pl.inv[at].enabled;
	return 0;
}

int nxw_set_option(nxw_session *s, uint32_t at, const char *options, nx_err *err)
{
	if (check_index(s, at, false, err))
		return -1;
	nxp_ctx probe;
	nxp_ctx_init(&probe, s->pl.inv[at].pass, -1);
	int rc = nxp_ctx_set_options(&probe, options);
	if (rc)
		*err = probe.err;
	nxp_ctx_free(&probe);
	if (rc)
		return -1;
	invalidate_from(s, at);
	free(s->pl.inv[at].options);
	s->pl.inv[at].options = options && *options ? nx_xstrdup(options) : NULL;
	return 0;
}

int nxw_replay(nxw_session *s, uint32_t steps, nx_err *err)
{
	s->cursor = s->n_steps - 1;
	uint32_t from = s->n_steps;
	while (s->n_steps < steps) {
		int c = nxw_progress_tick(s, "replay", s->n_steps - from, steps - from,
					  next_pass(s), err);
		if (c)
			return c;
		uint32_t was = s->cursor;
		int rc = nxw_apply(s, err);
		if (rc > 0)
			drop_passed(s, was);
		if (rc <= 0)
			return rc;
	}
	return 0;
}

const char *nxw_text(nxw_session *s, uint32_t k)
{
	nxw_step *st = &s->steps[k];
	if (!st->text)
		st->text = nx_print_str(st->snap, &nx_print_defaults, NULL);
	return st->text;
}

nx_diff *nxw_diff(nxw_session *s, uint32_t a, uint32_t b, char **unified)
{
	if (unified) {
		char na[96], nb[96];
		snprintf(na, sizeof na, "step %u (%s)", a, s->steps[a].pass);
		snprintf(nb, sizeof nb, "step %u (%s)", b, s->steps[b].pass);
		const char *ta = nxw_text(s, a), *tb = nxw_text(s, b);
		*unified = nx_unified_diff(ta, strlen(ta), tb, strlen(tb), na, nb, 3);
	}
	return nx_diff_graphs(s->steps[a].snap, s->steps[b].snap);
}
