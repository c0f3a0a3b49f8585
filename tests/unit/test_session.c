/* test_session.c — the history of steps: apply, step into (exact rewrite
 * budgets), undo/redo/jump, pipeline edits that keep the unchanged prefix,
 * diffs between steps, bisection to the first breaking rewrite, and the
 * JSON report. */
#include "check.h"
#include "nxw.h"
#include "session_fixture.h"

/* Five conv + batch_norm pairs: fold-batchnorm makes five rewrites, each
 * removing one op. */
static nxw_session *open_session(const char *pipeline)
{
	return chain_session(5, pipeline);
}

static void test_apply_all(void)
{
	nxw_session *s = open_session("fold-batchnorm,fuse-activation,dce");
	CHECK(s != NULL);
	if (!s)
		return;
	CHECK_EQ_INT(s->steps[0].m.ops, 11);
	nx_err err;
	CHECK_EQ_INT(nxw_apply_all(s, -1, &err), 0);
	CHECK_EQ_INT(s->n_steps, 4);
	CHECK_EQ_INT(s->steps[1].rewrites, 5);
	CHECK_EQ_INT(s->steps[1].m.ops, 6);
	CHECK_EQ_INT(s->steps[2].rewrites, 1); /* relu into the last conv */
	CHECK_EQ_INT(s->steps[2].m.ops, 5);
	for (uint32_t k = 0; k < s->n_steps; k++)
		CHECK(s->steps[k].ok);
	/* the graph output keeps its name through the fusions */
	CHECK_STR(nx_vname(s->steps[3].snap, s->steps[3].snap->outputs[0]), "y");
	nxw_session_free(s);
}

static void test_step_into(void)
{
	nxw_session *s = open_session("fold-batchnorm,fuse-activation");
	if (!s)
		return;
	nx_err err;
	/* one step per rewrite: step i holds fold-batchnorm's rewrite i, with
	 * its own remark, run from step 0 with budget i */
	for (int i = 1; i <= 5; i++) {
		CHECK_EQ_INT(nxw_step_into(s, &err), 1);
		CHECK_EQ_INT(s->cursor, i);
		CHECK_EQ_INT(s->n_steps, i + 1);
		CHECK_EQ_INT(nxw_cur(s)->rewrites, 1);
		CHECK_EQ_INT(nxw_cur(s)->before, i - 1);
		CHECK_EQ_INT(nxw_cur(s)->base, 0);
		CHECK_EQ_INT(nxw_cur(s)->m.ops, 11 - i);
		CHECK_EQ_INT(nxw_cur(s)->n_remarks, 1);
		CHECK(nxw_cur(s)->ok);
		char want[32];
		snprintf(want, sizeof want, "%%n%d (batch_norm)", i);
		CHECK_CONTAINS(nxw_cur(s)->remarks[0], want);
		CHECK_EQ_INT(nxw_cur(s)->n_stats, 1);
		CHECK_EQ_INT(nxw_cur(s)->stats[0].value, 1);
	}
	CHECK(nxw_cur(s)->complete); /* the fifth fold was the last */
	/* the next step finds fold-batchnorm done and makes fuse-activation's
	 * first rewrite */
	CHECK_EQ_INT(nxw_step_into(s, &err), 1);
	CHECK_EQ_INT(s->cursor, 6);
	CHECK_EQ_INT(nxw_cur(s)->rewrites, 1);
	CHECK_EQ_INT(nxw_cur(s)->base, 5);
	CHECK_EQ_INT(nxw_step_into(s, &err), 0); /* nothing left */
	/* undo walks back one rewrite at a time */
	CHECK_EQ_INT(nxw_undo(s), 0);
	CHECK_EQ_INT(nxw_cur(s)->m.ops, 6);
	nxw_session_free(s);

	/* stepping two rewrites, then applying: the rest of the pass is one
	 * more step, and the pass's steps add up to the whole run */
	s = open_session("fold-batchnorm,fuse-activation");
	if (!s)
		return;
	CHECK_EQ_INT(nxw_step_into(s, &err), 1);
	CHECK_EQ_INT(nxw_step_into(s, &err), 1);
	CHECK_EQ_INT(nxw_apply(s, &err), 1);
	CHECK_EQ_INT(s->cursor, 3);
	CHECK(nxw_cur(s)->complete);
	CHECK_EQ_INT(nxw_cur(s)->before, 2);
	CHECK_EQ_INT(nxw_cur(s)->rewrites, 3);
	CHECK_EQ_INT(nxw_cur(s)->n_remarks, 3);
	CHECK_EQ_INT(nxw_cur(s)->m.ops, 6);
	CHECK_EQ_INT(nxw_apply(s, &err), 1);
	CHECK_EQ_INT(s->cursor, 4);
	CHECK_STR(nxw_cur(s)->pass, "fuse-activation");
	nxw_session_free(s);

	/* step into stops where it is told, even across passes with nothing to do */
	s = open_session("dce,cse,fold-batchnorm");
	if (!s)
		return;
	CHECK_EQ_INT(nxw_step_into_until(s, 1, &err), 1); /* dce: nothing, a complete step */
	CHECK_EQ_INT(s->cursor, 1);
	CHECK_EQ_INT(nxw_step_into_until(s, 1, &err), 0);
	CHECK_EQ_INT(s->n_steps, 2);
	nxw_session_free(s);
}

static void test_undo_redo_jump(void)
{
	nxw_session *s = open_session("fold-batchnorm,fuse-activation,dce");
	if (!s)
		return;
	nx_err err;
	nxw_apply_all(s, -1, &err);
	CHECK_EQ_INT(s->cursor, 3);
	CHECK_EQ_INT(nxw_undo(s), 0);
	CHECK_EQ_INT(nxw_undo(s), 0);
	CHECK_EQ_INT(s->cursor, 1);
	CHECK_EQ_INT(nxw_redo(s), 0);
	CHECK_EQ_INT(s->cursor, 2);
	CHECK_EQ_INT(nxw_jump(s, 0), 0);
	CHECK_EQ_INT(nxw_undo(s), -1);
	CHECK_EQ_INT(nxw_jump(s, 9), -1);
	CHECK_EQ_INT(nxw_jump(s, 3), 0);
	CHECK_EQ_INT(nxw_redo(s), -1);
	/* applying from an earlier cursor drops the redo list */
	nxw_jump(s, 1);
	CHECK_EQ_INT(nxw_apply(s, &err), 1);
	CHECK_EQ_INT(s->n_steps, 3);
	nxw_session_free(s);
}

static void test_edit_keeps_prefix(void)
{
	nxw_session *s = open_session("fold-batchnorm,fuse-activation,dce");
	if (!s)
		return;
	nx_err err;
	nxw_apply_all(s, -1, &err);
	nx_graph *first = s->steps[1].snap;
	/* toggling fuse-activation (index 1) keeps step 1 and re-runs the rest */
	CHECK_EQ_INT(nxw_toggle(s, 1, &err), 0);
	CHECK_EQ_INT(s->n_steps, 2);
	CHECK(s->steps[1].snap == first);
	CHECK_EQ_INT(nxw_replay(s, 10, &err), 0);
	CHECK_EQ_INT(s->n_steps, 3); /* model, fold-batchnorm, dce */
	CHECK_STR(s->steps[2].pass, "dce");
	CHECK_EQ_INT(s->steps[2].m.ops, 6); /* the relu stays unfused */
	/* insert, move, set option, remove */
	CHECK_EQ_INT(nxw_insert(s, 0, "canonicalize", &err), 0);
	CHECK_EQ_INT(s->n_steps, 1);
	CHECK_EQ_INT(nxw_move(s, 0, 3, &err), 0);
	char *pl = nxp_pipeline_str(&s->pl);
	CHECK_STR(pl, "fold-batchnorm,-fuse-activation,dce,canonicalize");
	free(pl);
	CHECK_EQ_INT(nxw_set_option(s, 0, "bogus=1", &err), -1);
	CHECK_CONTAINS(err.msg, "no option 'bogus'");
	CHECK_EQ_INT(nxw_remove(s, 3, &err), 0);
	CHECK_EQ_INT(nxw_remove(s, 7, &err), -1);
	CHECK_EQ_INT(nxw_insert(s, 0, "no-such-pass", &err), -1);
	CHECK_CONTAINS(err.msg, "unknown pass 'no-such-pass'");
	nxw_session_free(s);
}

static void test_diff(void)
{
	nxw_session *s = open_session("fold-batchnorm");
	if (!s)
		return;
	nx_err err;
	nxw_apply_all(s, -1, &err);
	char *u = NULL;
	nx_diff *d = nxw_diff(s, 0, 1, &u);
	CHECK(d != NULL);
	if (d) {
		CHECK_EQ_INT(d->removed, 10); /* five convs and five batch norms */
		CHECK_EQ_INT(d->added, 5);    /* five folded convs */
		nx_diff_free(d);
	}
	CHECK_CONTAINS(u, "-  %n1 = batch_norm(");
	CHECK_CONTAINS(u, "+++ step 1 (fold-batchnorm)");
	free(u);
	nxw_session_free(s);
}

static void test_bisect_metric(void)
{
	nxw_session *s = open_session("fuse-activation,fold-batchnorm,dce");
	if (!s)
		return;
	nx_err err;
	nxw_check c;
	CHECK_EQ_INT(nxw_check_parse(&c, "metric:ops>=8", &err), 0);
	nxw_bisect_result r;
	CHECK_EQ_INT(nxw_bisect(s, &c, false, &r, &err), 0);
	CHECK(r.found);
	CHECK_EQ_INT(r.step, 2);
	CHECK_STR(r.pass, "fold-batchnorm");
	/* 11 ops; fuse-activation folds the relu into the last batch_norm (10),
	 * then each batch_norm fold removes one: 9, 8, 7 -> the third fails */
	CHECK_EQ_INT(r.rewrite, 3);
	CHECK_CONTAINS(r.remark, "folded");
	CHECK_EQ_INT(nxw_check_parse(&c, "numeric:abc", &err), -1);
	CHECK_EQ_INT(nxw_check_parse(&c, "metric:nope<=3", &err), -1);
	nxw_session_free(s);
}

static void test_report(void)
{
	nxw_session *s = open_session("fold-batchnorm");
	if (!s)
		return;
	nx_err err;
	nxw_apply_all(s, -1, &err);
	char *j = nxw_report_json(s);
	CHECK_CONTAINS(j, "\"pipeline\":\t\"fold-batchnorm\"");
	CHECK_CONTAINS(j, "\"rewrites\":\t5");
	CHECK_CONTAINS(j, "folded %n1 (batch_norm) into %c1 (conv)");
	free(j);
	nxw_session_free(s);
}

/* layout-ne{linear=true}, one rewrite at a time: every intermediate graph
 * verifies and computes what the model does. */
static void test_step_into_ne_linear(void)
{
	static const char mlp[] =
		"graph @mlp(%x: f32[1,8,12]) -> (%y: f32[1,8,12]) {\n"
		"  %w1 = const f32[12,24] fill(random, seed=1)\n"
		"  %b1 = const f32[24] fill(random, seed=2)\n"
		"  %w2 = const f32[24,12] fill(random, seed=3)\n"
		"  %h = matmul(%x, %w1) : f32[1,8,24]\n"
		"  %hb = add(%h, %b1) : f32[1,8,24]\n"
		"  %g = gelu(%hb) : f32[1,8,24]\n"
		"  %o = matmul(%g, %w2) : f32[1,8,12]\n"
		"  %y = add(%o, %x) : f32[1,8,12]\n"
		"  return %y\n"
		"}\n";
	nx_err err;
	nx_graph *g = nx_parse(mlp, sizeof mlp - 1, "mlp.nex", NULL, &err);
	CHECK(g != NULL);
	if (!g)
		return;
	nxw_session *s = nxw_session_new(g);
	s->numeric_each = true;
	CHECK_EQ_INT(nxw_set_pipeline(s, "layout-ne{linear=true}", &err), 0);
	int steps = 0, rc;
	while ((rc = nxw_step_into(s, &err)) == 1 && steps < 100) {
		steps++;
		CHECK(nxw_cur(s)->ok);
		CHECK(nxw_cur(s)->num.done && nxw_cur(s)->num.max_rel < 1e-5);
	}
	CHECK_EQ_INT(rc, 0);
	CHECK(steps >= 6); /* 2 linears, add, gelu moved, then the tags */
	/* the second linear reads the first's result without a transpose pair */
	uint32_t transposes = 0;
	NX_FOR_OPS(nxw_cur(s)->snap, o)
		transposes += nxw_cur(s)->snap->ops[o].kind == NX_OP_TRANSPOSE;
	CHECK_EQ_INT(transposes, 2);
	nxw_session_free(s);
}

int main(int argc, char **argv)
{
	static const check_case cases[] = {
		{"apply_all", test_apply_all},
		{"step_into", test_step_into},
		{"undo_redo_jump", test_undo_redo_jump},
		{"edit_keeps_prefix", test_edit_keeps_prefix},
		{"diff", test_diff},
		{"bisect_metric", test_bisect_metric},
		{"report", test_report},
		{"step_into_ne_linear", test_step_into_ne_linear},
		{NULL, NULL},
	};
	return check_main(cases, argc, argv);
}
