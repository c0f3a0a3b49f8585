/* test_verify_since.c — the incremental verifier (nx_verify_since), which
 * `nex opt` runs after every step: a broken rewrite is still caught when it
 * changes an op's attributes, operands or result types, the untouched ops
 * are taken as verified (so the full verifier, which the session runs where
 * the steps stop, is still needed), and a session with a broken step stops
 * with the step named. */
#include <string.h>

#include "check.h"
#include "nx.h"
#include "nxw.h"

static const char src[] =
	"graph @t(%x: f32[2,3]) -> (%y: f32[3,2]) {\n"
	"  %r = relu(%x) : f32[2,3]\n"
	"  %s = sigmoid(%r) : f32[2,3]\n"
	"  %y = reshape(%s) {shape=[3,2]} : f32[3,2]\n"
	"  return %y\n"
	"}\n";

static nx_graph *base(void)
{
	nx_err err;
	nx_graph *g = nx_parse(src, strlen(src), "t.nex", NULL, &err);
	CHECK(g != NULL);
	if (g)
		CHECK(nx_verify(g, &err) == 0);
	return g;
}

static uint32_t prod(const nx_graph *g, const char *name)
{
	return nx_val(g, nx_value_by_name(g, name, strlen(name)))->producer;
}

static uint32_t val(const nx_graph *g, const char *name)
{
	return nx_value_by_name(g, name, strlen(name));
}

/* A rewrite that edits an attribute and leaves the result type stale. */
static void test_attr_change_caught(void)
{
	nx_graph *prev = base();
	if (!prev)
		return;
	nx_graph *g = nx_graph_clone(prev);
	nx_err err;
	CHECK(nx_verify_since(g, prev, &err) == 0); /* nothing changed */
	nx_attr_set_ints(g, prod(g, "y"), "shape", (int64_t[]){6}, 1);
	CHECK(nx_verify_since(g, prev, &err) != 0);
	CHECK_CONTAINS(err.msg, "(reshape)");
	CHECK_CONTAINS(err.msg, "declared f32[3,2], inferred f32[6]");
	nx_graph_free(g);
	nx_graph_free(prev);
}

/* A rewrite that retypes a producer (relu now says f32[3,2]) without
 * making the op give it: the changed op is inferred again. And one that
 * rewires an operand to a value of another shape. */
static void test_types_and_operands_caught(void)
{
	nx_graph *prev = base();
	if (!prev)
		return;
	nx_graph *g = nx_graph_clone(prev);
	nx_type t = nx_type_make(NX_F32, 2, (int64_t[]){3, 2});
	nx_value_set_type(g, val(g, "r"), &t);
	nx_err err;
	CHECK(nx_verify_since(g, prev, &err) != 0);
	CHECK_CONTAINS(err.msg, "(relu)");
	nx_graph_free(g);

	g = nx_graph_clone(prev);
	nx_op_set_operand(g, prod(g, "s"), 0, val(g, "y")); /* f32[3,2], and a cycle */
	CHECK(nx_verify_since(g, prev, &err) != 0);
	nx_graph_free(g);
	nx_graph_free(prev);
}

/* What the incremental verifier does not do: an op no step touched is not
 * inferred again, so a fault already in prev passes; the full verifier
 * finds it (the session runs it where the steps stop). */
static void test_untouched_not_inferred(void)
{
	nx_graph *prev = base();
	if (!prev)
		return;
	nx_type t = nx_type_make(NX_F32, 2, (int64_t[]){3, 2});
	nx_value_set_type(prev, val(prev, "s"), &t); /* sigmoid of f32[2,3] */
	nx_graph *g = nx_graph_clone(prev);
	nx_err err;
	CHECK(nx_verify_since(g, prev, &err) == 0);
	CHECK(nx_verify(g, &err) != 0);
	CHECK_CONTAINS(err.msg, "(sigmoid)");
	nx_graph_free(g);
	nx_graph_free(prev);
}

/* The session: step 0 is verified when the session opens; a fault put
 * into its snapshot afterwards (standing for one an earlier step left in an
 * op no later pass touches) passes each incremental step, and the full
 * verifier at the end of nxw_apply_all fails the last step; with
 * verify_full the first step fails. */
static void test_session_end_is_full(void)
{
	for (int full = 0; full < 2; full++) {
		nx_graph *g = base();
		if (!g)
			return;
		nxw_session *s = nxw_session_new(g);
		nx_type t = nx_type_make(NX_F32, 2, (int64_t[]){3, 2});
		nx_graph *g0 = s->steps[0].snap;
		nx_value_set_type(g0, val(g0, "s"), &t);
		s->verify_full = full;
		nx_err err;
		CHECK(nxw_set_pipeline(s, "dce,cse", &err) == 0);
		CHECK(nxw_apply_all(s, -1, &err) < 0);
		CHECK_CONTAINS(err.msg, "(sigmoid)");
		if (!full) {
			CHECK_EQ_INT((int)s->n_steps, 3);
			CHECK_CONTAINS(err.msg, "in full, where the steps stop");
		} else {
			CHECK_EQ_INT((int)s->n_steps, 2);
		}
		CHECK(!nxw_cur(s)->ok);
		nxw_session_free(s);
	}
}

int main(int argc, char **argv)
{
	static const check_case cases[] = {
		{"attr_change_caught", test_attr_change_caught},
		{"types_and_operands_caught", test_types_and_operands_caught},
		{"untouched_not_inferred", test_untouched_not_inferred},
		{"session_end_is_full", test_session_end_is_full},
		{NULL, NULL},
	};
	return check_main(cases, argc, argv);
}
