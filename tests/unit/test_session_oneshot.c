/* test_session_oneshot.c — the session's one-shot mode (nxw_session.one_shot,
 * what `nex opt` runs): the same steps, records and final graph as a
 * session keeping every snapshot, with the snapshots between step 0 and
 * the cursor dropped and their memory reused (nx_graph_clone_reuse), undo
 * and jump refusing a step without one; and the verifier in that mode: a
 * pass that breaks an op is stopped at its step by the incremental check,
 * and --verify-each=full (verify_full) still checks ops no step touched. */
#include <string.h>

#include "check.h"
#include "nx.h"
#include "nxw.h"
#include "session_fixture.h"

static const char pipeline[] = "fold-batchnorm,fuse-activation,canonicalize,dce,cse";

static char *text_of(const nx_graph *g)
{
	return nx_print_str(g, &nx_print_defaults, NULL); /* caller frees */
}

/* The same run with and without one_shot: every step's record equal, the
 * final graph printed the same; in one-shot the middle snapshots are gone. */
static void test_same_result(void)
{
	nxw_session *a = chain_session(5, pipeline), *b = chain_session(5, pipeline);
	if (!a || !b)
		return;
	b->one_shot = true;
	nx_err err;
	CHECK_EQ_INT(nxw_apply_all(a, -1, &err), 0);
	CHECK_EQ_INT(nxw_apply_all(b, -1, &err), 0);
	CHECK_EQ_INT(a->n_steps, b->n_steps);
	CHECK_EQ_INT(b->n_steps, 6);
	for (uint32_t k = 0; k < a->n_steps && k < b->n_steps; k++) {
		CHECK_STR(a->steps[k].pass, b->steps[k].pass);
		CHECK_EQ_INT(a->steps[k].rewrites, b->steps[k].rewrites);
		CHECK_EQ_INT(a->steps[k].m.ops, b->steps[k].m.ops);
		CHECK_EQ_INT((int)a->steps[k].m.weight_bytes, (int)b->steps[k].m.weight_bytes);
		CHECK(b->steps[k].ok);
		CHECK(a->steps[k].snap != NULL);
		/* step 0 and the cursor keep theirs */
		CHECK((b->steps[k].snap != NULL) == (k == 0 || k == b->cursor));
	}
	CHECK(b->spare != NULL); /* a dropped snapshot waits to be reused */
	char *ta = text_of(nxw_cur(a)->snap), *tb = text_of(nxw_cur(b)->snap);
	CHECK_STR(ta, tb);
	/* no step to go back to; step 0 is still there */
	CHECK_EQ_INT(nxw_undo(b), -1);
	CHECK_EQ_INT(nxw_jump(b, 2), -1);
	CHECK_EQ_INT(nxw_jump(b, 0), 0);
	CHECK_EQ_INT(nxw_jump(b, b->n_steps - 1), 0);
	/* the graph handed over is the cursor's, not a copy */
	const nx_graph *cur = nxw_cur(b)->snap;
	nx_graph *g = nxw_take_graph(b);
	CHECK(g == cur);
	CHECK(nxw_cur(b)->snap == NULL);
	char *tg = text_of(g);
	CHECK_STR(tg, ta);
	free(ta);
	free(tb);
	free(tg);
	nx_graph_free(g);
	nxw_session_free(a);
	nxw_session_free(b);
}

/* A pinned step keeps its snapshot; step into (stepped passes run again
 * from their base) drops nothing it may need. */
static void test_pinned_and_stepped_kept(void)
{
	nxw_session *s = chain_session(5, pipeline);
	if (!s)
		return;
	s->one_shot = true;
	nx_err err;
	CHECK_EQ_INT(nxw_apply(s, &err), 1);
	nxw_pin(s, 1);
	CHECK_EQ_INT(nxw_apply(s, &err), 1);
	CHECK_EQ_INT(nxw_apply(s, &err), 1);
	CHECK(s->steps[1].snap != NULL);
	CHECK(s->steps[2].snap == NULL);
	nxw_session_free(s);

	s = chain_session(5, pipeline);
	if (!s)
		return;
	s->one_shot = true;
	s->rerun_steps = true; /* each rewrite runs the pass again from step 0 */
	for (int i = 0; i < 3; i++)
		CHECK_EQ_INT(nxw_step_into(s, &err), 1);
	CHECK_EQ_INT(nxw_apply(s, &err), 1); /* the rest of fold-batchnorm */
	CHECK_EQ_INT(nxw_cur(s)->before + nxw_cur(s)->rewrites, 5);
	for (uint32_t k = 0; k < s->n_steps; k++)
		CHECK(s->steps[k].snap != NULL);
	nxw_session_free(s);
}

/* nx_graph_clone_reuse into a spare smaller and larger than the graph:
 * the same text as a fresh clone, and every array usable (ASan checks). */
static void test_clone_reuse(void)
{
	nx_graph *small = chain_graph(1), *big = chain_graph(8);
	if (!small || !big)
		return;
	char *want_big = text_of(big), *want_small = text_of(small);
	nx_graph *c = nx_graph_clone_reuse(big, nx_graph_clone(small));
	char *t = text_of(c);
	CHECK_STR(t, want_big);
	free(t);
	nx_graph *d = nx_graph_clone_reuse(small, c); /* c's arrays are large enough */
	t = text_of(d);
	CHECK_STR(t, want_small);
	free(t);
	nx_err err;
	CHECK(nx_verify(d, &err) == 0);
	/* the reused clone grows like any graph */
	uint32_t x = d->inputs[0];
	uint32_t r = nx_op_new(d, NX_OP_RELU, &x, 1, 1, NULL, NX_NONE, &err);
	CHECK(r != NX_NONE);
	nx_graph_free(d);
	free(want_big);
	free(want_small);
	nx_graph_free(small);
	nx_graph_free(big);
}

/* A deliberately bad rewrite: the first conv gets strides 2 and keeps its
 * declared f32[1,4,8,8] result. */
static int break_conv(nx_graph *g, nxp_ctx *ctx)
{
	NX_FOR_OPS(g, o) {
		if (g->ops[o].kind != NX_OP_CONV)
			continue;
		if (!nxp_rewrite(ctx, o))
			return 0;
		nx_attr_set_ints(g, o, "strides", (int64_t[]){2, 2}, 2);
		return 0;
	}
	return 0;
}

static const nxp_pass bad_pass = {
	.name = "break-conv",
	.summary = "test: sets a conv's strides without inferring its type again",
	.run = break_conv,
};

static nxw_session *bad_session(const nxp_catalog *cat, bool one_shot, bool full)
{
	nx_graph *g = chain_graph(3);
	if (!g)
		return NULL;
	nxw_session *s = nxw_session_new(g);
	nx_err err;
	s->catalog = cat;
	s->one_shot = one_shot;
	s->verify_full = full;
	CHECK(nxw_set_pipeline(s, "fold-batchnorm,break-conv,dce", &err) == 0);
	return s;
}

/* The broken op is caught at the step that broke it, incremental or full,
 * one-shot or not; the step is kept, failed, with the op named. */
static void test_bad_rewrite_caught(void)
{
	nxp_catalog cat = {0};
	nx_err err;
	CHECK(nxp_catalog_add(&cat, &bad_pass, &err) == 0);
	for (int mode = 0; mode < 4; mode++) {
		nxw_session *s = bad_session(&cat, mode & 1, mode & 2);
		if (!s)
			break;
		CHECK_EQ_INT(nxw_apply_all(s, -1, &err), -1);
		CHECK_EQ_INT(s->n_steps, 3);
		CHECK_STR(nxw_cur(s)->pass, "break-conv");
		CHECK(!nxw_cur(s)->ok);
		CHECK_CONTAINS(err.msg, "step 2");
		CHECK_CONTAINS(err.msg, "(conv)");
		CHECK_CONTAINS(err.msg, "rooted at op #");
		CHECK_CONTAINS(err.msg, "declared f32[1,4,8,8], inferred f32[1,4,4,4]");
		nxw_session_free(s);
	}
	nxp_catalog_free(&cat);
}

/* A fault in an op no step touches (put into step 0 after it was
 * verified): one-shot incremental steps pass it and the full verifier
 * where the steps stop fails the last step; with verify_full the first
 * step fails. */
static void test_full_checks_untouched(void)
{
	for (int full = 0; full < 2; full++) {
		nxw_session *s = chain_session(2, "canonicalize,dce,cse");
		if (!s)
			return;
		s->one_shot = true;
		s->verify_full = full;
		nx_graph *g0 = s->steps[0].snap;
		uint32_t y = g0->outputs[0];
		nx_type t = nx_type_make(NX_F32, 2, (int64_t[]){4, 64});
		nx_value_set_type(g0, y, &t); /* relu of f32[1,4,8,8] */
		nx_err err;
		CHECK_EQ_INT(nxw_apply_all(s, -1, &err), -1);
		CHECK_CONTAINS(err.msg, "(relu)");
		if (full) {
			CHECK_EQ_INT(s->n_steps, 2);
		} else {
			CHECK_EQ_INT(s->n_steps, 4);
			CHECK_CONTAINS(err.msg, "in full, where the steps stop");
		}
		nxw_session_free(s);
	}
}

/* Which steps were checked in full: step 0, the `verify` pass's step
 * (the pass is the full verifier, so the end of the run does not repeat
 * it), the last step of a run ending elsewhere (nxw_verify_cursor), every
 * step under verify_full; and a fault no step touches is still found by
 * the verify pass at the end. */
static void test_verified_full(void)
{
	nxw_session *s = chain_session(2, "canonicalize,dce,cse");
	if (!s)
		return;
	s->one_shot = true;
	nx_err err;
	CHECK_EQ_INT(nxw_apply_all(s, -1, &err), 0);
	CHECK(s->steps[0].verified_full);
	CHECK(!s->steps[1].verified_full);
	CHECK(!s->steps[2].verified_full);
	CHECK(s->steps[3].verified_full);
	nxw_session_free(s);

	for (int full = 0; full < 2; full++) {
		s = chain_session(2, "canonicalize,verify");
		if (!s)
			return;
		s->verify_full = full;
		CHECK_EQ_INT(nxw_apply_all(s, -1, &err), 0);
		CHECK_EQ_INT(s->steps[1].verified_full, full);
		CHECK(s->steps[2].verified_full);
		nxw_session_free(s);
	}

	s = chain_session(2, "canonicalize,verify");
	if (!s)
		return;
	nx_graph *g0 = s->steps[0].snap;
	nx_type t = nx_type_make(NX_F32, 2, (int64_t[]){4, 64});
	nx_value_set_type(g0, g0->outputs[0], &t);
	CHECK_EQ_INT(nxw_apply_all(s, -1, &err), -1);
	CHECK_EQ_INT(s->n_steps, 3);
	CHECK_CONTAINS(err.msg, "pass verify");
	CHECK_CONTAINS(err.msg, "(relu)");
	nxw_session_free(s);
}

/* nx_graph_same: a clone is the same graph; an attribute, a type or a new
 * string makes it differ. A step that changed nothing is not verified
 * again (its record says so: not full) and the end is still verified in
 * full. */
static void test_same_graph(void)
{
	nx_graph *g = chain_graph(2);
	if (!g)
		return;
	nx_graph *c = nx_graph_clone(g);
	CHECK(nx_graph_same(c, g));
	uint32_t conv = g->first;
	while (conv != NX_NONE && g->ops[conv].kind != NX_OP_CONV)
		conv = g->ops[conv].next;
	nx_attr_set_ints(c, conv, "strides", (int64_t[]){1, 1}, 2);
	CHECK(!nx_graph_same(c, g));
	nx_graph_free(c);
	c = nx_graph_clone(g);
	nx_type t = nx_type_make(NX_F32, 2, (int64_t[]){4, 64});
	nx_value_set_type(c, c->outputs[0], &t);
	CHECK(!nx_graph_same(c, g));
	nx_graph_free(c);
	c = nx_graph_clone(g);
	nx_str(c, "a string no graph had");
	CHECK(!nx_graph_same(c, g));
	nx_graph_free(c);
	nx_graph_free(g);

	nxw_session *s = chain_session(2, "dce,cse");
	if (!s)
		return;
	nx_err err;
	CHECK_EQ_INT(nxw_apply(s, &err), 1); /* dce: nothing dead */
	CHECK(nx_graph_same(s->steps[1].snap, s->steps[0].snap));
	CHECK(!s->steps[1].verified_full);
	CHECK_EQ_INT(s->steps[1].m.ops, s->steps[0].m.ops);
	CHECK_EQ_INT(nxw_apply_all(s, -1, &err), 0);
	CHECK(nxw_cur(s)->verified_full);
	nxw_session_free(s);
}

/* The memory check before a run counts two snapshots in one-shot mode,
 * one per step otherwise. */
static void test_mem_estimate(void)
{
	nxw_session *s = chain_session(5, pipeline);
	if (!s)
		return;
	nxw_mem_run a, b;
	nxw_mem_need_run(s, -1, &a);
	s->one_shot = true;
	nxw_mem_need_run(s, -1, &b);
	CHECK_EQ_INT(a.steps, 5);
	CHECK_EQ_INT(b.steps, 5);
	CHECK(b.total < a.total);
	CHECK_EQ_INT((int)b.total, (int)(2 * b.snapshot / 4 * 5));
	nxw_session_free(s);
}

int main(int argc, char **argv)
{
	static const check_case cases[] = {
		{"same_result", test_same_result},
		{"pinned_and_stepped_kept", test_pinned_and_stepped_kept},
		{"clone_reuse", test_clone_reuse},
		{"bad_rewrite_caught", test_bad_rewrite_caught},
		{"full_checks_untouched", test_full_checks_untouched},
		{"verified_full", test_verified_full},
		{"same_graph", test_same_graph},
		{"mem_estimate", test_mem_estimate},
		{NULL, NULL},
	};
	return check_main(cases, argc, argv);
}
