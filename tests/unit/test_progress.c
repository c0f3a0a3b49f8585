/* test_progress.c — progress and cancel for long work (progress.c): the
 * hook sees every pass run of apply all, replay and bisection with how far
 * the work is, and a cancel stops cleanly: NXW_CANCELLED, the steps made
 * before it kept whole and verified, the cursor on the last of them, and
 * the work can be resumed to the same result as an uncancelled run; a
 * session file's load cancelled opens nothing. */
#include "check.h"
#include "nxw.h"
#include "session_fixture.h"

static const char pipeline[] = "fold-batchnorm,fuse-activation,dce,canonicalize";

/* Three conv + batch_norm pairs and a relu. */
static nxw_session *open_session(void)
{
	return chain_session(3, pipeline);
}

/* Records what the hook saw and cancels at call number cancel_at (0 never). */
typedef struct seen {
	uint32_t calls, cancel_at;
	char what[8][16], pass[8][32];
	uint32_t done[8], total[8];
} seen;

static bool hook(void *ctx, const nxw_progress *p)
{
	seen *sn = ctx;
	uint32_t i = sn->calls++;
	if (i < 8) {
		snprintf(sn->what[i], sizeof sn->what[i], "%s", p->what);
		snprintf(sn->pass[i], sizeof sn->pass[i], "%s", p->pass ? p->pass : "");
		sn->done[i] = p->done;
		sn->total[i] = p->total;
	}
	return sn->cancel_at && sn->calls == sn->cancel_at;
}

/* The last step's IR of an uncancelled run, for comparison; caller frees. */
static char *full_run_text(uint32_t *n_steps)
{
	nxw_session *s = open_session();
	if (!s)
		return NULL;
	nx_err err;
	CHECK_EQ_INT(nxw_apply_all(s, -1, &err), 0);
	*n_steps = s->n_steps;
	char *t = strdup(nxw_text(s, s->cursor));
	nxw_session_free(s);
	return t;
}

static void test_apply_all_reports(void)
{
	nxw_session *s = open_session();
	if (!s)
		return;
	seen sn = {0};
	nxw_set_progress(s, hook, &sn);
	nx_err err;
	CHECK_EQ_INT(nxw_apply_all(s, -1, &err), 0);
	CHECK_EQ_INT(sn.calls, 4); /* once before each of the four passes */
	for (uint32_t i = 0; i < 4; i++) {
		CHECK_STR(sn.what[i], "apply");
		CHECK_EQ_INT(sn.done[i], i);
		CHECK_EQ_INT(sn.total[i], 4);
	}
	CHECK_STR(sn.pass[0], "fold-batchnorm");
	CHECK_STR(sn.pass[3], "canonicalize");
	nxw_session_free(s);
}

static void test_apply_all_cancel(void)
{
	uint32_t n_full = 0;
	char *want = full_run_text(&n_full);
	nxw_session *s = open_session();
	if (!s || !want) {
		free(want);
		nxw_session_free(s);
		return;
	}
	seen sn = {.cancel_at = 3}; /* two passes run, the third is cancelled */
	nxw_set_progress(s, hook, &sn);
	nx_err err;
	CHECK_EQ_INT(nxw_apply_all(s, -1, &err), NXW_CANCELLED);
	CHECK_CONTAINS(err.msg, "apply cancelled after 2 of 4");
	CHECK_CONTAINS(err.msg, "at step 2");
	CHECK_EQ_INT(s->n_steps, 3);
	CHECK_EQ_INT(s->cursor, 2);
	for (uint32_t k = 0; k < s->n_steps; k++) {
		CHECK(s->steps[k].ok);
		CHECK(s->steps[k].complete);
		CHECK_EQ_INT(nx_verify(s->steps[k].snap, &err), 0);
	}
	CHECK_STR(s->steps[2].pass, "fuse-activation");
	/* resumed without the hook's cancel, it ends where a whole run ends */
	sn.cancel_at = 0;
	CHECK_EQ_INT(nxw_apply_all(s, -1, &err), 0);
	CHECK_EQ_INT(s->n_steps, n_full);
	CHECK_STR(nxw_text(s, s->cursor), want);
	free(want);
	nxw_session_free(s);
}

static void test_replay_cancel(void)
{
	nxw_session *s = open_session();
	if (!s)
		return;
	nx_err err;
	CHECK_EQ_INT(nxw_apply_all(s, -1, &err), 0);
	char *before1 = strdup(nxw_text(s, 1));
	/* toggling dce drops steps 3.. and keeps the prefix */
	CHECK_EQ_INT(nxw_toggle(s, 2, &err), 0);
	CHECK_EQ_INT(s->n_steps, 3);
	seen sn = {.cancel_at = 1};
	nxw_set_progress(s, hook, &sn);
	CHECK_EQ_INT(nxw_replay(s, 5, &err), NXW_CANCELLED);
	CHECK_STR(sn.what[0], "replay");
	CHECK_EQ_INT(sn.total[0], 2);
	CHECK_STR(sn.pass[0], "canonicalize"); /* dce is disabled now */
	CHECK_CONTAINS(err.msg, "replay cancelled after 0 of 2");
	CHECK_EQ_INT(s->n_steps, 3);
	CHECK_EQ_INT(s->cursor, 2);
	CHECK_STR(nxw_text(s, 1), before1);
	/* the same replay, not cancelled, goes on from there */
	sn.cancel_at = 0;
	CHECK_EQ_INT(nxw_replay(s, 5, &err), 0);
	CHECK_EQ_INT(s->n_steps, 4);
	CHECK_STR(s->steps[3].pass, "canonicalize");
	free(before1);
	nxw_session_free(s);
}

static void test_bisect_cancel(void)
{
	nxw_session *s = open_session();
	if (!s)
		return;
	nx_err err;
	nxw_check c;
	/* 8 ops; each batch_norm fold removes one: the second fold breaks it */
	CHECK_EQ_INT(nxw_check_parse(&c, "metric:ops>=7", &err), 0);
	nxw_bisect_result r;
	seen sn = {0};
	nxw_set_progress(s, hook, &sn);
	CHECK_EQ_INT(nxw_bisect(s, &c, false, &r, &err), 0);
	CHECK(r.found);
	uint32_t all = sn.calls; /* apply x4, check per step, then probes */
	CHECK(all > 4 + 2);
	uint32_t want_rewrite = (uint32_t)r.rewrite;
	nxw_session_free(s);
	/* cancel at every call in turn: each stops cleanly with whole steps */
	for (uint32_t at = 1; at <= all; at++) {
		s = open_session();
		if (!s)
			return;
		seen c2 = {.cancel_at = at};
		nxw_set_progress(s, hook, &c2);
		int rc = nxw_bisect(s, &c, false, &r, &err);
		CHECK_EQ_INT(rc, NXW_CANCELLED);
		CHECK_CONTAINS(err.msg, "cancelled");
		CHECK(s->cursor == s->n_steps - 1);
		for (uint32_t k = 0; k < s->n_steps; k++)
			CHECK(s->steps[k].ok);
		/* and the bisection run again without a cancel finds the same */
		c2.cancel_at = 0;
		CHECK_EQ_INT(nxw_bisect(s, &c, false, &r, &err), 0);
		CHECK(r.found);
		CHECK_EQ_INT(r.rewrite, want_rewrite);
		nxw_session_free(s);
	}
}

/* Loading a session file replays its steps with progress; cancelled, the
 * load opens nothing and says so. */
static void load_cancel(void)
{
	nx_err err;
	nxw_source src = {.model = "demo"};
	nxw_session *s = nxw_open(&src, "fold-batchnorm,fuse-activation,dce", &err);
	CHECK(s != NULL);
	if (!s)
		return;
	CHECK_EQ_INT(nxw_apply_all(s, -1, &err), 0);
	uint32_t n = s->n_steps;
	char *text = nxw_session_json(s, true);
	nxw_session_free(s);
	seen sn = {0};
	nxw_load_opts lo = {.progress = hook, .progress_ctx = &sn};
	nxw_session *b = nxw_load_mem("mem.nex.json", text, strlen(text), &lo, NULL, &err);
	CHECK(b != NULL);
	CHECK_EQ_INT(sn.calls, n - 1);
	CHECK_STR(sn.what[0], "load");
	CHECK_EQ_INT(sn.total[0], n - 1);
	CHECK_STR(sn.pass[0], "fold-batchnorm");
	if (b)
		CHECK_EQ_INT(b->n_steps, n);
	nxw_session_free(b);
	seen c2 = {.cancel_at = 2};
	lo.progress_ctx = &c2;
	b = nxw_load_mem("mem.nex.json", text, strlen(text), &lo, NULL, &err);
	CHECK(b == NULL);
	CHECK_CONTAINS(err.msg, "loading cancelled after 1 of");
	nxw_session_free(b);
	free(text);
}

int main(int argc, char **argv)
{
	static const check_case cases[] = {
		{"apply_all_reports", test_apply_all_reports},
		{"apply_all_cancel", test_apply_all_cancel},
		{"replay_cancel", test_replay_cancel},
		{"bisect_cancel", test_bisect_cancel},
		{"load_cancel", load_cancel},
		{NULL, NULL},
	};
	return check_main(cases, argc, argv);
}
