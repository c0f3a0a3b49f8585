/* test_run_plan.c — nx_run_plan (run_plan.c): runs sharing one plan give
 * the bytes of runs that make their own, keep included; a plan is refused,
 * by name, for another graph, for the same graph after an edit that
 * changes its counts, for another keep, and for more threads than its
 * memory check allowed for. */
#include <string.h>

#include "check.h"
#include "ops_fixture.h"

static const char text[] =
	"graph @p(%x: f32[4,8]) -> (%y: f32[4,8], %z: f32[4,8]) {\n"
	"  %w = const f32[8,8] fill(random, seed=4)\n"
	"  %m = matmul(%x, %w) : f32[4,8]\n"
	"  %r = relu(%m) : f32[4,8]\n"
	"  %y = add(%r, %x) : f32[4,8]\n"
	"  %z = mul(%r, %r) : f32[4,8]\n"
	"  return %y, %z\n"
	"}\n";

static void test_same_bytes(void)
{
	nx_graph *g = ops_parse(text);
	if (!g)
		return;
	nx_tensor x = nx_tensor_alloc(nx_vtype(g, g->inputs[0]));
	for (int64_t i = 0; i < 32; i++)
		nx_tensor_set(&x, i, (double)(i % 7) - 3);
	nx_err e;
	for (int keep = 0; keep <= 1; keep++) {
		nx_run_plan *p = nx_run_plan_new(g, keep, 1, &e); /* freed below */
		CHECK(p != NULL);
		if (!p)
			continue;
		nx_run_result own, planned[2];
		nx_run_opts o = {.threads = 1, .keep = keep};
		CHECK_EQ_INT(nx_run(g, &x, 1, &o, &own, &e), 0);
		o.plan = p;
		for (int k = 0; k < 2; k++) { /* a plan serves run after run */
			CHECK_EQ_INT(nx_run(g, &x, 1, &o, &planned[k], &e), 0);
			for (uint32_t i = 0; i < 2; i++)
				CHECK(!memcmp(own.outputs[i].data, planned[k].outputs[i].data,
					      nx_tensor_nbytes(&own.outputs[i])));
			CHECK_EQ_INT(planned[k].n_values, keep ? g->n_vals : 0);
			nx_run_result_free(&planned[k]);
		}
		nx_run_result_free(&own);
		nx_run_plan_free(p);
	}
	nx_tensor_free(&x);
	nx_graph_free(g);
}

static void test_refused(void)
{
	nx_graph *g = ops_parse(text), *h = ops_parse(text);
	if (!g || !h) {
		nx_graph_free(g);
		nx_graph_free(h);
		return;
	}
	nx_err e;
	nx_run_plan *p = nx_run_plan_new(g, false, 1, &e); /* freed below */
	CHECK(p != NULL);
	nx_tensor x = nx_tensor_alloc(nx_vtype(g, g->inputs[0]));
	nx_run_opts o = {.threads = 1, .plan = p};
	nx_run_result r;
	CHECK_EQ_INT(nx_run(h, &x, 1, &o, &r, &e), -1);
	CHECK_CONTAINS(e.msg, "the run plan was made for another graph");
	o.keep = true;
	CHECK_EQ_INT(nx_run(g, &x, 1, &o, &r, &e), -1);
	CHECK_CONTAINS(e.msg, "the run plan was made with keep off, the run asks for keep on");
	/* its memory check allowed OpenBLAS's buffers for one thread only */
	o.keep = false;
	o.threads = 2;
	CHECK_EQ_INT(nx_run(g, &x, 1, &o, &r, &e), -1);
	CHECK_CONTAINS(e.msg, "the run plan was made for 1 thread, the run asks for 2");
	o.threads = 1;
	/* an op added after the plan was made */
	nx_graph *k = ops_parse("graph @q(%x: f32[4,8]) -> (%y: f32[4,8]) {\n"
				"  %y = relu(%x) : f32[4,8]\n  return %y\n}\n");
	if (k) {
		nx_run_plan *q = nx_run_plan_new(k, false, 1, &e); /* freed below */
		CHECK(q != NULL);
		uint32_t v = nx_result(k, k->first, 0);
		uint32_t op = nx_op_new(k, NX_OP_NEG, &v, 1, 1, NULL, NX_NONE, &e);
		CHECK(op != NX_NONE);
		o = (nx_run_opts){.threads = 1, .plan = q};
		CHECK_EQ_INT(nx_run(k, &x, 1, &o, &r, &e), -1);
		CHECK_CONTAINS(e.msg, "before this one changed");
		nx_run_plan_free(q);
		nx_graph_free(k);
	}
	nx_tensor_free(&x);
	nx_run_plan_free(p);
	nx_graph_free(g);
	nx_graph_free(h);
}

int main(int argc, char **argv)
{
	static const check_case cases[] = {
		{"same_bytes", test_same_bytes},
		{"refused", test_refused},
		{NULL, NULL},
	};
	return check_main(cases, argc, argv);
}
