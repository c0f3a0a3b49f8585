/* test_catalog.c — passes defined at run time (the Lua layer's way in):
 * a catalog extends pipeline parsing and the session without touching the
 * built-in table, refuses taken names, and a pass that sets ctx->discard
 * leaves the session's history exactly as it was. */
#include "check.h"
#include "nxw.h"

static const char model[] =
	"graph @m(%x: f32[1,4]) -> (%y: f32[1,4]) {\n"
	"  %a = relu(%x) : f32[1,4]\n"
	"  %y = relu(%a) : f32[1,4]\n"
	"  return %y\n"
	"}\n";

/* Erases the first of two stacked relus, one rewrite per call. */
static int run_dedup(nx_graph *g, nxp_ctx *ctx)
{
	NX_FOR_OPS(g, o) {
		if (g->ops[o].kind != NX_OP_RELU)
			continue;
		uint32_t p = nxp_producer_of(g, nx_operand(g, o, 0), NX_OP_RELU);
		if (p == NX_NONE || !nxp_rewrite(ctx, o))
			continue;
		nx_op_set_operand(g, o, 0, nx_operand(g, p, 0));
		nxp_erase_tree(g, ctx, p, o, NULL); /* the relu kept computes what p did */
		return 0;
	}
	return 0;
}

/* Changes the graph, then asks to be discarded (as a Lua pass stopped by a
 * sandbox limit does). */
static int run_discard(nx_graph *g, nxp_ctx *ctx)
{
	run_dedup(g, ctx);
	ctx->discard = true;
	nx_err_set(&ctx->err, "instruction limit reached");
	return -1;
}

static const nxp_pass dedup = {.name = "dedup-relu", .summary = "test", .run = run_dedup,
			       .file = "test.lua", .source = "-- test"};
static const nxp_pass discard = {.name = "discard", .summary = "test", .run = run_discard};
static const nxp_pass clash = {.name = "dce", .summary = "test", .run = run_dedup};

static void test_find_and_parse(void)
{
	nxp_catalog c = {0};
	nx_err err;
	CHECK(nxp_catalog_find(&c, "dce") == nxp_find("dce"));
	CHECK(nxp_catalog_find(&c, "dedup-relu") == NULL);
	CHECK_EQ_INT(nxp_catalog_add(&c, &dedup, &err), 0);
	CHECK(nxp_catalog_find(&c, "dedup-relu") == &dedup);
	CHECK_EQ_INT(nxp_catalog_add(&c, &dedup, &err), -1);
	CHECK_CONTAINS(err.msg, "already defined (in test.lua)");
	CHECK_EQ_INT(nxp_catalog_add(&c, &clash, &err), -1);
	CHECK_CONTAINS(err.msg, "built-in");
	nxp_pipeline pl = {0};
	CHECK_EQ_INT(nxp_pipeline_parse(&pl, "dce,dedup-relu", &err), -1);
	CHECK_CONTAINS(err.msg, "unknown pass 'dedup-relu'");
	nxp_pipeline_free(&pl);
	CHECK_EQ_INT(nxp_pipeline_parse_in(&pl, "dce,dedup-relu", &c, &err), 0);
	CHECK_EQ_INT(pl.n, 2);
	CHECK(pl.inv[1].pass == &dedup);
	nxp_pipeline_free(&pl);
	CHECK_EQ_INT(nxp_pipeline_parse_in(&pl, "nope", &c, &err), -1);
	CHECK_CONTAINS(err.msg, "dedup-relu");  /* listed among the known passes */
	nxp_pipeline_free(&pl);
	nxp_catalog_free(&c);
}

static nxw_session *open_session(nxp_catalog *c, const char *pipeline)
{
	nx_err err;
	nx_graph *g = nx_parse(model, sizeof model - 1, "m.nex", NULL, &err);
	if (!g)
		return NULL;
	nxw_session *s = nxw_session_new(g);
	s->catalog = c;
	if (nxw_set_pipeline(s, pipeline, &err) != 0) {
		fprintf(stderr, "%s\n", err.msg);
		nxw_session_free(s);
		return NULL;
	}
	return s;
}

static void test_session_runs_extra_pass(void)
{
	nxp_catalog c = {0};
	nx_err err;
	nxp_catalog_add(&c, &dedup, &err);
	nxw_session *s = open_session(&c, "dedup-relu");
	CHECK(s != NULL);
	if (!s)
		return;
	CHECK_EQ_INT(nxw_step_into(s, &err), 1);
	CHECK_EQ_INT(s->steps[1].rewrites, 1);
	CHECK_EQ_INT(s->steps[1].m.ops, 1);
	CHECK_EQ_INT(nxw_insert(s, 1, "dedup-relu", &err), 0);
	nxw_session_free(s);
	nxp_catalog_free(&c);
}

static void test_discard_leaves_history(void)
{
	nxp_catalog c = {0};
	nx_err err;
	nxp_catalog_add(&c, &dedup, &err);
	nxp_catalog_add(&c, &discard, &err);
	nxw_session *s = open_session(&c, "verify,discard");
	if (!s)
		return;
	CHECK_EQ_INT(nxw_apply(s, &err), 1);
	CHECK_EQ_INT(nxw_undo(s), 0);  /* step 1 stays as the redo list */
	CHECK_EQ_INT(s->n_steps, 2);
	CHECK_EQ_INT(nxw_redo(s), 0);
	CHECK_EQ_INT(nxw_apply(s, &err), -1);
	CHECK_CONTAINS(err.msg, "instruction limit reached");
	CHECK_EQ_INT(s->n_steps, 2);
	CHECK_EQ_INT(s->cursor, 1);
	CHECK(s->steps[1].ok);
	CHECK_EQ_INT(nxw_step_into(s, &err), -1);
	CHECK_EQ_INT(s->n_steps, 2);
	CHECK_EQ_INT(s->steps[1].snap->n_live_ops, 2);
	nxw_session_free(s);
	nxp_catalog_free(&c);
}

int main(int argc, char **argv)
{
	static const check_case cases[] = {
		{"catalog find and parse", test_find_and_parse},
		{"session runs a catalog pass", test_session_runs_extra_pass},
		{"discarded step leaves the history", test_discard_leaves_history},
		{NULL, NULL},
	};
	return check_main(cases, argc, argv);
}
