/* test_passes.c — the pass catalogue, pass by pass: small graphs in .nex
 * text, each run through nxp_run, checked for the ops it should leave, for
 * the verifier, and for numerics (nx_run on seeded inputs before vs after:
 * max error relative to the output's range <= 1e-5 for exact passes, f16
 * and int8 tolerances for to-fp16 and quantize-int8). The budget sweep runs
 * the pass again with budgets 0..N (N = rewrites of the full run) and checks
 * that each run stops after exactly k rewrites with a graph that verifies and
 * computes the same thing: that is what "step into" relies on. */
#include <math.h>

#include "check.h"
#include "nxp.h"

#define EXACT 1e-5
#define HALF 1e-2
#define INT8 3e-2

static nx_graph *parse(const char *text)
{
	nx_err e;
	nx_graph *g = nx_parse(text, strlen(text), "t.nex", NULL, &e);
	if (!g)
		fprintf(stderr, "parse failed: %s\n", e.msg);
	return g;
}

/* Runs pass `name` with options (or NULL) and budget; returns the rewrites,
 * or -1 if the pass failed (its error in *msg if msg). */
static int64_t run_pass_ex(nx_graph *g, const char *name, const char *opts, int64_t budget,
			   bool *stopped, char *msg, size_t n_msg)
{
	const nxp_pass *p = nxp_find(name);
	if (!p) {
		fprintf(stderr, "no pass %s\n", name);
		return -1;
	}
	nxp_ctx ctx;
	nxp_ctx_init(&ctx, p, budget);
	int rc = opts ? nxp_ctx_set_options(&ctx, opts) : 0;
	if (rc == 0)
		rc = nxp_run(p, g, &ctx);
	if (rc != 0 && msg)
		snprintf(msg, n_msg, "%s", ctx.err.msg);
	else if (rc != 0)
		fprintf(stderr, "pass %s failed: %s\n", name, ctx.err.msg);
	if (stopped)
		*stopped = ctx.stopped;
	int64_t r = rc ? -1 : ctx.rewrites;
	nxp_ctx_free(&ctx);
	return r;
}

static int64_t run_pass(nx_graph *g, const char *name, const char *opts)
{
	return run_pass_ex(g, name, opts, -1, NULL, NULL, 0);
}

static bool verifies(nx_graph *g)
{
	nx_err e;
	if (nx_verify(g, &e) == 0)
		return true;
	fprintf(stderr, "verify failed: %s\n", e.msg);
	char *t = nx_print_str(g, NULL, NULL);
	fprintf(stderr, "%s", t);
	free(t);
	return false;
}

static uint32_t count_kind(const nx_graph *g, int kind)
{
	uint32_t n = 0;
	NX_FOR_OPS(g, o)
		n += g->ops[o].kind == kind;
	return n;
}

static uint32_t count_ops(const nx_graph *g)
{
	uint32_t n = 0;
	NX_FOR_OPS(g, o)
		n++;
	return n;
}

/* The first live op of kind, or NX_NONE. */
static uint32_t find_kind(const nx_graph *g, int kind)
{
	NX_FOR_OPS(g, o)
		if (g->ops[o].kind == kind)
			return o;
	return NX_NONE;
}

static uint32_t val(const nx_graph *g, const char *name)
{
	return nx_value_by_name(g, name, strlen(name));
}

/* Seeded inputs in [-1, 1) (xorshift), one per graph input. */
static nx_tensor *inputs_for(const nx_graph *g, uint64_t seed)
{
	nx_tensor *in = calloc(g->n_inputs + 1, sizeof *in);
	uint64_t s = seed * 2654435761u + 88172645463325252ull;
	for (uint32_t i = 0; i < g->n_inputs; i++) {
		nx_type t = *nx_vtype(g, g->inputs[i]);
		t.layout = NX_LAYOUT_PLAIN;
		in[i] = nx_tensor_alloc(&t);
		for (int64_t k = 0; k < nx_tensor_numel(&in[i]); k++) {
			s ^= s << 13;
			s ^= s >> 7;
			s ^= s << 17;
			nx_tensor_set(&in[i], k, (double)(s >> 11) / (double)(1ull << 53) * 2.0 - 1.0);
		}
	}
	return in;
}

static void free_inputs(nx_tensor *in, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		nx_tensor_free(&in[i]);
	free(in);
}

/* Runs g on in; false (error printed) on failure. */
static bool run_graph(nx_graph *g, const nx_tensor *in, nx_run_result *r, char *msg, size_t n)
{
	nx_err e;
	nx_run_opts o = {.threads = 1};
	if (nx_run(g, in, g->n_inputs, &o, r, &e) == 0)
		return true;
	if (msg)
		snprintf(msg, n, "%s", e.msg);
	else
		fprintf(stderr, "run failed: %s\n", e.msg);
	return false;
}

/* max |a - b| over every output, relative to max |b| (the output's range). */
static double max_err(const nx_run_result *a, const nx_run_result *b)
{
	double worst = 0;
	if (a->n_outputs != b->n_outputs)
		return INFINITY;
	for (uint32_t i = 0; i < a->n_outputs; i++) {
		int64_t n = nx_tensor_numel(&b->outputs[i]);
		if (nx_tensor_numel(&a->outputs[i]) != n)
			return INFINITY;
		double d = 0, m = 0;
		for (int64_t k = 0; k < n; k++) {
			double x = nx_tensor_get(&a->outputs[i], k), y = nx_tensor_get(&b->outputs[i], k);
			if (!isfinite(x) || !isfinite(y))
				return INFINITY;
			d = fmax(d, fabs(x - y));
			m = fmax(m, fabs(y));
		}
		worst = fmax(worst, d / fmax(m, 1e-30));
	}
	return worst;
}

/* The error of g on in against ref (infinite if g does not run). */
static double numerics_err(nx_graph *g, const nx_tensor *in, const nx_run_result *ref)
{
	nx_run_result r;
	if (!run_graph(g, in, &r, NULL, 0))
		return INFINITY;
	double e = max_err(&r, ref);
	nx_run_result_free(&r);
	return e;
}

/* g computes what ref computed on in, within tol. */
static bool same_numerics(nx_graph *g, const nx_tensor *in, const nx_run_result *ref, double tol)
{
	double e = numerics_err(g, in, ref);
	if (e <= tol)
		return true;
	fprintf(stderr, "numerics differ: max error %g > %g\n", e, tol);
	return false;
}

/* Runs the pass on text to completion and then with every budget 0..N,
 * checking rewrites, stopping, the verifier and numerics at each. Returns
 * the fully rewritten graph (caller frees) and its rewrites in *n. */
static nx_graph *sweep(const char *text, const char *pass, const char *opts, double tol,
		       int64_t *n)
{
	nx_graph *g0 = parse(text);
	CHECK(g0 != NULL);
	if (!g0)
		return NULL;
	CHECK(verifies(g0));
	nx_tensor *in = inputs_for(g0, 7);
	nx_run_result ref;
	bool ran = run_graph(g0, in, &ref, NULL, 0);
	CHECK(ran);
	nx_graph *full = nx_graph_clone(g0);
	bool stopped = true;
	int64_t total = run_pass_ex(full, pass, opts, -1, &stopped, NULL, 0);
	CHECK(total >= 0);
	CHECK(!stopped);
	CHECK(verifies(full));
	if (ran)
		CHECK(same_numerics(full, in, &ref, tol));
	for (int64_t k = 0; k <= total; k++) {
		nx_graph *g = nx_graph_clone(g0);
		int64_t r = run_pass_ex(g, pass, opts, k, &stopped, NULL, 0);
		CHECK_EQ_INT(r, k);
		CHECK_EQ_INT(stopped, k < total);
		if (!verifies(g) || (ran && !same_numerics(g, in, &ref, tol))) {
			fprintf(stderr, "  ... at budget %lld of %lld (%s)\n", (long long)k,
				(long long)total, pass);
			CHECK(0);
		}
		/* the run with budget N is the full run */
		if (k == total) {
			char *a = nx_print_str(g, NULL, NULL), *b = nx_print_str(full, NULL, NULL);
			CHECK_STR(a, b);
			free(a);
			free(b);
		}
		nx_graph_free(g);
	}
	if (ran)
		nx_run_result_free(&ref);
	free_inputs(in, g0->n_inputs);
	nx_graph_free(g0);
	*n = total;
	return full;
}

/* ---- canonicalize ---- */

static void test_canonicalize(void)
{
	static const char t[] =
		"graph @t(%x: f32[2,3,4]) -> (%y: f32[4,2,3], %z: f32[2,12]) {\n"
		"  %one = const f32[1] dense[1.0]\n"
		"  %zero = const f32[1] dense[0.0]\n"
		"  %a = mul(%one, %x) : f32[2,3,4]\n"
		"  %b = add(%a, %zero) : f32[2,3,4]\n"
		"  %c = identity(%b) : f32[2,3,4]\n"
		"  %d = cast(%c) {to=\"f32\"} : f32[2,3,4]\n"
		"  %e = transpose(%d) {perm=[1,0,2]} : f32[3,2,4]\n"
		"  %f = transpose(%e) {perm=[1,0,2]} : f32[2,3,4]\n"
		"  %g = transpose(%f) {perm=[0,2,1]} : f32[2,4,3]\n"
		"  %y = transpose(%g) {perm=[1,0,2]} : f32[4,2,3]\n"
		"  %r1 = reshape(%f) {shape=[6,4]} : f32[6,4]\n"
		"  %z = reshape(%r1) {shape=[2,12]} : f32[2,12]\n"
		"  return %y, %z\n"
		"}\n";
	int64_t n;
	nx_graph *g = sweep(t, "canonicalize", NULL, EXACT, &n);
	if (!g)
		return;
	CHECK_EQ_INT(count_kind(g, NX_OP_MUL), 0);
	CHECK_EQ_INT(count_kind(g, NX_OP_ADD), 0);
	CHECK_EQ_INT(count_kind(g, NX_OP_IDENTITY), 0);
	CHECK_EQ_INT(count_kind(g, NX_OP_CAST), 0);
	/* e,f cancel; g,y compose into one; the reshape chain becomes one */
	CHECK_EQ_INT(count_kind(g, NX_OP_TRANSPOSE), 1);
	CHECK_EQ_INT(count_kind(g, NX_OP_RESHAPE), 1);
	uint32_t tr = find_kind(g, NX_OP_TRANSPOSE);
	uint32_t np;
	const int64_t *perm = nx_attr_ints(g, tr, "perm", &np);
	CHECK_EQ_INT(np, 3);
	if (np == 3) {
		CHECK_EQ_INT(perm[0], 2);
		CHECK_EQ_INT(perm[1], 0);
		CHECK_EQ_INT(perm[2], 1);
	}
	CHECK_EQ_INT(nx_operand(g, tr, 0), g->inputs[0]);
	CHECK(n >= 7);
	nx_graph_free(g);
}

static void test_canonicalize_const_right(void)
{
	static const char t[] =
		"graph @t(%x: f32[4]) -> (%y: f32[4]) {\n"
		"  %k = const f32[4] dense[1.0, 2.0, 3.0, 4.0]\n"
		"  %y = mul(%k, %x) : f32[4]\n"
		"  return %y\n"
		"}\n";
	int64_t n;
	nx_graph *g = sweep(t, "canonicalize", NULL, EXACT, &n);
	if (!g)
		return;
	CHECK_EQ_INT(n, 1);
	uint32_t m = find_kind(g, NX_OP_MUL);
	CHECK_EQ_INT(nx_operand(g, m, 0), g->inputs[0]);
	CHECK(nx_is_const(g, nx_operand(g, m, 1)));
	nx_graph_free(g);
}

/* ---- cse, dce, fold-constants ---- */

static void test_cse(void)
{
	static const char t[] =
		"graph @t(%x: f32[4]) -> (%y: f32[4]) {\n"
		"  %k1 = const f32[4] dense[1.0, 2.0, 3.0, 4.0]\n"
		"  %k2 = const f32[4] dense[1.0, 2.0, 3.0, 4.0]\n"
		"  %a = mul(%x, %k1) : f32[4]\n"
		"  %b = mul(%x, %k2) : f32[4]\n"
		"  %c = relu(%a) : f32[4]\n"
		"  %d = relu(%b) : f32[4]\n"
		"  %y = add(%c, %d) : f32[4]\n"
		"  return %y\n"
		"}\n";
	int64_t n;
	nx_graph *g = sweep(t, "cse", NULL, EXACT, &n);
	if (!g)
		return;
	CHECK_EQ_INT(n, 3); /* one constant, one mul, one relu */
	CHECK_EQ_INT(count_kind(g, NX_OP_MUL), 1);
	CHECK_EQ_INT(count_kind(g, NX_OP_RELU), 1);
	uint32_t a = find_kind(g, NX_OP_ADD);
	CHECK_EQ_INT(nx_operand(g, a, 0), nx_operand(g, a, 1));
	nx_graph_free(g);
}

static void test_dce(void)
{
	static const char t[] =
		"graph @t(%x: f32[4]) -> (%y: f32[4]) {\n"
		"  %k = const f32[4] dense[1.0, 2.0, 3.0, 4.0]\n"
		"  %a = mul(%x, %k) : f32[4]\n"
		"  %b = relu(%a) : f32[4]\n"
		"  %y = neg(%x) : f32[4]\n"
		"  return %y\n"
		"}\n";
	int64_t n;
	nx_graph *g = sweep(t, "dce", NULL, EXACT, &n);
	if (!g)
		return;
	CHECK_EQ_INT(n, 3); /* relu, mul, then the constant */
	CHECK_EQ_INT(count_ops(g), 1);
	CHECK(val(g, "k") == NX_NONE);
	nx_graph_free(g);
}

static void test_fold_constants(void)
{
	static const char t[] =
		"graph @t(%x: f32[2,3]) -> (%y: f32[3,2]) {\n"
		"  %a = const f32[2,3] dense[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]\n"
		"  %b = const f32[1] dense[10.0]\n"
		"  %c = add(%a, %b) : f32[2,3]\n"
		"  %s = shape(%x) : i64[2]\n"
		"  %d = mul(%x, %c) : f32[2,3]\n"
		"  %y = reshape(%d) {shape=[3,2]} : f32[3,2]\n"
		"  return %y\n"
		"}\n";
	int64_t n;
	nx_graph *g = sweep(t, "fold-constants", NULL, EXACT, &n);
	if (!g)
		return;
	CHECK_EQ_INT(n, 2);
	CHECK_EQ_INT(count_kind(g, NX_OP_ADD), 0);
	CHECK_EQ_INT(count_kind(g, NX_OP_SHAPE), 0);
	uint32_t c = val(g, "c");
	CHECK(nx_is_const(g, c));
	if (nx_is_const(g, c)) {
		const float *d = nx_blob_data(nx_const_blob(g, c));
		CHECK(d[0] == 11.0f && d[5] == 16.0f);
	}
	uint32_t s = val(g, "s");
	CHECK(nx_is_const(g, s));
	if (nx_is_const(g, s)) {
		const int64_t *d = nx_blob_data(nx_const_blob(g, s));
		CHECK(d[0] == 2 && d[1] == 3);
	}
	nx_graph_free(g);
}

/* ---- fold-batchnorm ---- */

static void test_fold_batchnorm(void)
{
	static const char t[] =
		"graph @t(%x: f32[1,3,6,6]) -> (%y: f32[1,4,6,6]) {\n"
		"  %w = const f32[4,3,3,3] fill(random, seed=3)\n"
		"  %b = const f32[4] dense[0.1, -0.2, 0.3, 0.0]\n"
		"  %s = const f32[4] dense[1.5, 0.5, 2.0, 1.0]\n"
		"  %bb = const f32[4] dense[0.0, 1.0, -1.0, 0.25]\n"
		"  %m = const f32[4] dense[0.2, 0.1, -0.3, 0.0]\n"
		"  %v = const f32[4] dense[1.0, 2.0, 0.5, 4.0]\n"
		"  %c = conv(%x, %w, %b) {pads=[1,1,1,1]} : f32[1,4,6,6]\n"
		"  %y = batch_norm(%c, %s, %bb, %m, %v) {epsilon=0.001} : f32[1,4,6,6]\n"
		"  return %y\n"
		"}\n";
	int64_t n;
	nx_graph *g = sweep(t, "fold-batchnorm", NULL, EXACT, &n);
	if (!g)
		return;
	CHECK_EQ_INT(n, 1);
	CHECK_EQ_INT(count_kind(g, NX_OP_BATCH_NORM), 0);
	CHECK_EQ_INT(count_kind(g, NX_OP_CONV), 1);
	CHECK(nx_value_is_output(g, nx_result(g, find_kind(g, NX_OP_CONV), 0)));
	nx_graph_free(g);
}

static void test_fold_scale_shift(void)
{
	/* conv, then mul by a per-channel constant, then add of a scalar; and
	 * a gemm with a mul by a per-column constant */
	static const char t[] =
		"graph @t(%x: f32[1,2,5,5], %a: f32[3,4]) -> (%y: f32[1,3,5,5], %z: f32[3,5]) {\n"
		"  %w = const f32[3,2,1,1] fill(random, seed=5)\n"
		"  %k = const f32[1,3,1,1] dense[2.0, -1.0, 0.5]\n"
		"  %h = const f32[1] dense[0.75]\n"
		"  %c = conv(%x, %w) : f32[1,3,5,5]\n"
		"  %m = mul(%c, %k) : f32[1,3,5,5]\n"
		"  %y = add(%m, %h) : f32[1,3,5,5]\n"
		"  %gw = const f32[4,5] fill(random, seed=6)\n"
		"  %gs = const f32[5] dense[1.0, 2.0, 3.0, 4.0, 5.0]\n"
		"  %gm = gemm(%a, %gw) : f32[3,5]\n"
		"  %z = mul(%gm, %gs) : f32[3,5]\n"
		"  return %y, %z\n"
		"}\n";
	int64_t n;
	nx_graph *g = sweep(t, "fold-batchnorm", NULL, EXACT, &n);
	if (!g)
		return;
	CHECK_EQ_INT(n, 3);
	CHECK_EQ_INT(count_kind(g, NX_OP_MUL), 0);
	CHECK_EQ_INT(count_kind(g, NX_OP_ADD), 0);
	CHECK_EQ_INT(count_ops(g), 2);
	nx_graph_free(g);
}

static void test_fold_batchnorm_matmul(void)
{
	static const char t[] =
		"graph @t(%a: f32[2,3]) -> (%y: f32[2,4]) {\n"
		"  %w = const f32[3,4] fill(random, seed=9)\n"
		"  %s = const f32[4] dense[1.5, 0.5, 2.0, 1.0]\n"
		"  %bb = const f32[4] dense[0.0, 1.0, -1.0, 0.25]\n"
		"  %m = const f32[4] dense[0.2, 0.1, -0.3, 0.0]\n"
		"  %v = const f32[4] dense[1.0, 2.0, 0.5, 4.0]\n"
		"  %c = matmul(%a, %w) : f32[2,4]\n"
		"  %y = batch_norm(%c, %s, %bb, %m, %v) : f32[2,4]\n"
		"  return %y\n"
		"}\n";
	int64_t n;
	nx_graph *g = sweep(t, "fold-batchnorm", NULL, EXACT, &n);
	if (!g)
		return;
	CHECK_EQ_INT(n, 1);
	CHECK_EQ_INT(count_kind(g, NX_OP_GEMM), 1);
	CHECK_EQ_INT(count_ops(g), 1);
	nx_graph_free(g);
}

/* ---- fuse-patterns ---- */

static const char hs_head[] =
	"graph @t(%x: f32[2,8]) -> (%y: f32[2,8]) {\n"
	"  %three = const f32[1] dense[3.0]\n"
	"  %six = const f32[1] dense[6.0]\n"
	"  %sixth = const f32[1] dense[0.16666667]\n"
	"  %p = add(%x, %three) : f32[2,8]\n"
	"  %r = clip(%p) {min=0.0, max=6.0} : f32[2,8]\n";

static void check_hard_swish(const char *body)
{
	char t[2048];
	snprintf(t, sizeof t, "%s%s  return %%y\n}\n", hs_head, body);
	int64_t n;
	nx_graph *g = sweep(t, "fuse-patterns", NULL, EXACT, &n);
	if (!g)
		return;
	CHECK_EQ_INT(n, 1);
	CHECK_EQ_INT(count_ops(g), 1);
	uint32_t h = find_kind(g, NX_OP_HARD_SWISH);
	CHECK(h != NX_NONE);
	if (h != NX_NONE) {
		CHECK_EQ_INT(nx_operand(g, h, 0), g->inputs[0]);
		CHECK_STR(nx_vname(g, nx_result(g, h, 0)), "y");
	}
	nx_graph_free(g);
}

static void test_fuse_hard_swish(void)
{
	/* x * relu6(x+3) / 6 */
	check_hard_swish("  %m = mul(%x, %r) : f32[2,8]\n"
			 "  %y = div(%m, %six) : f32[2,8]\n");
	/* x * relu6(x+3) * 1/6 */
	check_hard_swish("  %m = mul(%r, %x) : f32[2,8]\n"
			 "  %y = mul(%m, %sixth) : f32[2,8]\n");
	/* x * (relu6(x+3) / 6) */
	check_hard_swish("  %d = div(%r, %six) : f32[2,8]\n"
			 "  %y = mul(%x, %d) : f32[2,8]\n");
	/* x * (relu6(x+3) * 1/6) */
	check_hard_swish("  %d = mul(%r, %sixth) : f32[2,8]\n"
			 "  %y = mul(%d, %x) : f32[2,8]\n");
}

static void test_fuse_hard_sigmoid(void)
{
	static const char t[] =
		"graph @t(%x: f32[2,8]) -> (%y: f32[2,8]) {\n"
		"  %h = hard_sigmoid(%x) {alpha=0.16666667, beta=0.5} : f32[2,8]\n"
		"  %y = mul(%x, %h) : f32[2,8]\n"
		"  return %y\n"
		"}\n";
	int64_t n;
	nx_graph *g = sweep(t, "fuse-patterns", NULL, EXACT, &n);
	if (!g)
		return;
	CHECK_EQ_INT(n, 1);
	CHECK_EQ_INT(count_kind(g, NX_OP_HARD_SWISH), 1);
	CHECK_EQ_INT(count_ops(g), 1);
	nx_graph_free(g);
	/* the default hard_sigmoid (alpha 0.2) is not x * hard_sigmoid(x)/6 */
	static const char u[] =
		"graph @t(%x: f32[2,8]) -> (%y: f32[2,8]) {\n"
		"  %h = hard_sigmoid(%x) : f32[2,8]\n"
		"  %y = mul(%x, %h) : f32[2,8]\n"
		"  return %y\n"
		"}\n";
	g = parse(u);
	CHECK_EQ_INT(run_pass(g, "fuse-patterns", NULL), 0);
	nx_graph_free(g);
}

static void test_fuse_layer_norm(void)
{
	static const char t[] =
		"graph @t(%x: f32[2,3,8]) -> (%y: f32[2,3,8]) {\n"
		"  %two = const f32[1] dense[2.0]\n"
		"  %eps = const f32[1] dense[0.00001]\n"
		"  %gamma = const f32[8] fill(random, seed=4)\n"
		"  %beta = const f32[8] fill(random, seed=5)\n"
		"  %m = reduce_mean(%x) {axes=[-1], keepdims=1} : f32[2,3,1]\n"
		"  %d = sub(%x, %m) : f32[2,3,8]\n"
		"  %p = pow(%d, %two) : f32[2,3,8]\n"
		"  %v = reduce_mean(%p) {axes=[-1], keepdims=1} : f32[2,3,1]\n"
		"  %e = add(%v, %eps) : f32[2,3,1]\n"
		"  %s = sqrt(%e) : f32[2,3,1]\n"
		"  %n = div(%d, %s) : f32[2,3,8]\n"
		"  %g = mul(%n, %gamma) : f32[2,3,8]\n"
		"  %y = add(%g, %beta) : f32[2,3,8]\n"
		"  return %y\n"
		"}\n";
	int64_t n;
	nx_graph *g = sweep(t, "fuse-patterns", NULL, EXACT, &n);
	if (!g)
		return;
	CHECK_EQ_INT(n, 1);
	CHECK_EQ_INT(count_ops(g), 1);
	uint32_t l = find_kind(g, NX_OP_LAYER_NORM);
	CHECK(l != NX_NONE);
	if (l != NX_NONE)
		CHECK(fabsf(nx_attr_f(g, l, "epsilon", 0) - 1e-5f) < 1e-9f);
	nx_graph_free(g);
}

static void test_fuse_gelu(void)
{
	static const char t[] =
		"graph @t(%x: f32[4,6]) -> (%y: f32[4,6]) {\n"
		"  %sq2 = const f32[1] dense[1.4142135]\n"
		"  %one = const f32[1] dense[1.0]\n"
		"  %half = const f32[1] dense[0.5]\n"
		"  %d = div(%x, %sq2) : f32[4,6]\n"
		"  %e = erf(%d) : f32[4,6]\n"
		"  %a = add(%e, %one) : f32[4,6]\n"
		"  %m = mul(%x, %a) : f32[4,6]\n"
		"  %y = mul(%m, %half) : f32[4,6]\n"
		"  return %y\n"
		"}\n";
	int64_t n;
	nx_graph *g = sweep(t, "fuse-patterns", NULL, EXACT, &n);
	if (!g)
		return;
	CHECK_EQ_INT(n, 1);
	CHECK_EQ_INT(count_ops(g), 1);
	CHECK_EQ_INT(count_kind(g, NX_OP_GELU), 1);
	nx_graph_free(g);
}

static void test_fuse_matmul_add(void)
{
	static const char t[] =
		"graph @t(%a: f32[3,4]) -> (%y: f32[3,5]) {\n"
		"  %w = const f32[4,5] fill(random, seed=2)\n"
		"  %c = const f32[5] dense[1.0, 2.0, 3.0, 4.0, 5.0]\n"
		"  %m = matmul(%a, %w) : f32[3,5]\n"
		"  %y = add(%m, %c) : f32[3,5]\n"
		"  return %y\n"
		"}\n";
	int64_t n;
	nx_graph *g = sweep(t, "fuse-patterns", NULL, EXACT, &n);
	if (!g)
		return;
	CHECK_EQ_INT(n, 1);
	CHECK_EQ_INT(count_ops(g), 1);
	uint32_t o = find_kind(g, NX_OP_GEMM);
	CHECK(o != NX_NONE);
	if (o != NX_NONE)
		CHECK_EQ_INT(g->ops[o].n_in, 3);
	nx_graph_free(g);
}

/* an intermediate with a second user blocks the fusion */
static void test_fuse_needs_single_use(void)
{
	static const char t[] =
		"graph @t(%a: f32[3,4]) -> (%y: f32[3,5], %m: f32[3,5]) {\n"
		"  %w = const f32[4,5] fill(random, seed=2)\n"
		"  %c = const f32[5] dense[1.0, 2.0, 3.0, 4.0, 5.0]\n"
		"  %m = matmul(%a, %w) : f32[3,5]\n"
		"  %y = add(%m, %c) : f32[3,5]\n"
		"  return %y, %m\n"
		"}\n";
	nx_graph *g = parse(t);
	CHECK_EQ_INT(run_pass(g, "fuse-patterns", NULL), 0);
	nx_graph_free(g);
}

/* ---- fuse-activation ---- */

static void test_fuse_activation(void)
{
	static const char t[] =
		"graph @t(%x: f32[1,2,4,4]) -> (%y: f32[1,3,4,4], %z: f32[1,3,4,4]) {\n"
		"  %w = const f32[3,2,1,1] fill(random, seed=8)\n"
		"  %c = conv(%x, %w) : f32[1,3,4,4]\n"
		"  %y = relu(%c) : f32[1,3,4,4]\n"
		"  %w2 = const f32[3,2,1,1] fill(random, seed=9)\n"
		"  %c2 = conv(%x, %w2) : f32[1,3,4,4]\n"
		"  %z = clip(%c2) {min=-0.1, max=0.2} : f32[1,3,4,4]\n"
		"  return %y, %z\n"
		"}\n";
	int64_t n;
	nx_graph *g = sweep(t, "fuse-activation", NULL, EXACT, &n);
	if (!g)
		return;
	CHECK_EQ_INT(n, 2);
	CHECK_EQ_INT(count_ops(g), 2);
	uint32_t y = val(g, "y"), z = val(g, "z");
	CHECK(y != NX_NONE && z != NX_NONE);
	if (y != NX_NONE && z != NX_NONE) {
		uint32_t cy = g->vals[y].producer, cz = g->vals[z].producer;
		CHECK_STR(nx_attr_s(g, cy, "act", ""), "relu");
		CHECK_STR(nx_attr_s(g, cz, "act", ""), "clip");
		CHECK(nx_attr_f(g, cz, "act_alpha", 0) == -0.1f);
		CHECK(nx_attr_f(g, cz, "act_beta", 0) == 0.2f);
	}
	nx_graph_free(g);
}

/* ---- to-fp16 ---- */

static const char fp16_graph[] =
	"graph @t(%x: f32[1,4,3,3]) -> (%y: f32[1,4,3,3], %n: i64[4]) {\n"
	"  %w = const f32[4,4,1,1] fill(random, seed=1)\n"
	"  %b = const f32[4] dense[0.1, 0.2, 0.3, 0.4]\n"
	"  %k = const f32[1] dense[0.5]\n"
	"  %c = conv(%x, %w, %b) : f32[1,4,3,3]\n"
	"  %r = relu(%c) : f32[1,4,3,3]\n"
	"  %n = shape(%r) : i64[4]\n"
	"  %m = mul(%r, %k) : f32[1,4,3,3]\n"
	"  %s = sigmoid(%x) : f32[1,4,3,3]\n"
	"  %a = add(%m, %s) : f32[1,4,3,3]\n"
	"  %y = mul(%a, %k) : f32[1,4,3,3]\n"
	"  return %y, %n\n"
	"}\n";

static void test_to_fp16(void)
{
	int64_t n;
	nx_graph *g = sweep(fp16_graph, "to-fp16", NULL, HALF, &n);
	if (!g)
		return;
	CHECK_EQ_INT(n, 6); /* conv relu mul sigmoid add mul */
	/* interface unchanged */
	CHECK_EQ_INT(nx_vtype(g, g->inputs[0])->dtype, NX_F32);
	CHECK_EQ_INT(nx_vtype(g, g->outputs[0])->dtype, NX_F32);
	CHECK_STR(nx_vname(g, g->outputs[0]), "y");
	CHECK_EQ_INT(nx_vtype(g, g->outputs[1])->dtype, NX_I64);
	/* compute in f16; casts: x in (shared by conv and sigmoid), relu's
	 * result out for shape, y out */
	NX_FOR_OPS(g, o) {
		int k = g->ops[o].kind;
		if (k == NX_OP_CAST || k == NX_OP_SHAPE)
			continue;
		CHECK_EQ_INT(nx_vtype(g, nx_result(g, o, 0))->dtype, NX_F16);
		for (uint32_t i = 0; i < g->ops[o].n_in; i++)
			CHECK_EQ_INT(nx_vtype(g, nx_operand(g, o, i))->dtype, NX_F16);
	}
	CHECK_EQ_INT(count_kind(g, NX_OP_CAST), 3);
	uint32_t sh = find_kind(g, NX_OP_SHAPE);
	CHECK_EQ_INT(nx_vtype(g, nx_operand(g, sh, 0))->dtype, NX_F32);
	/* %k is shared by two muls: one f16 copy, the f32 original gone */
	CHECK(val(g, "k") == NX_NONE);
	CHECK(val(g, "k.f16") != NX_NONE);
	CHECK(val(g, "k.f16_1") == NX_NONE);
	uint32_t consts = 0;
	for (uint32_t v = 0; v < g->n_vals; v++)
		if (nx_is_const(g, v) && !(g->vals[v].flags & NX_V_DEAD)) {
			consts++;
			CHECK_EQ_INT(nx_vtype(g, v)->dtype, NX_F16);
		}
	CHECK_EQ_INT(consts, 3);
	/* running it again finds nothing to do */
	CHECK_EQ_INT(run_pass(g, "to-fp16", NULL), 0);
	nx_graph_free(g);
}

static void test_to_fp16_keep(void)
{
	int64_t n;
	nx_graph *g = sweep(fp16_graph, "to-fp16", "keep=sigmoid|add", HALF, &n);
	if (!g)
		return;
	CHECK_EQ_INT(n, 4);
	uint32_t s = find_kind(g, NX_OP_SIGMOID), a = find_kind(g, NX_OP_ADD);
	CHECK_EQ_INT(nx_vtype(g, nx_result(g, s, 0))->dtype, NX_F32);
	CHECK_EQ_INT(nx_vtype(g, nx_result(g, a, 0))->dtype, NX_F32);
	/* the kept add reads the f16 mul through a cast back */
	uint32_t p = g->vals[nx_operand(g, a, 0)].producer;
	CHECK_EQ_INT(g->ops[p].kind, NX_OP_CAST);
	nx_graph_free(g);

	g = parse(fp16_graph);
	char msg[2048] = "";
	CHECK_EQ_INT(run_pass_ex(g, "to-fp16", "keep=relu|frob", -1, NULL, msg, sizeof msg), -1);
	CHECK_CONTAINS(msg, "unknown op kind 'frob'");
	nx_graph_free(g);
}

static void test_to_fp16_range(void)
{
	static const char t[] =
		"graph @t(%x: f32[4]) -> (%y: f32[4]) {\n"
		"  %big = const f32[4] dense[1.0, 100000.0, 3.0, 4.0]\n"
		"  %a = mul(%x, %big) : f32[4]\n"
		"  %b = div(%a, %big) : f32[4]\n"
		"  %y = relu(%b) : f32[4]\n"
		"  return %y\n"
		"}\n";
	int64_t n;
	nx_graph *g = sweep(t, "to-fp16", NULL, HALF, &n);
	if (!g)
		return;
	CHECK_EQ_INT(n, 1); /* the relu only: 1e5 does not fit f16 (the mul's
			     * result would not either: div brings it back) */
	CHECK_EQ_INT(nx_vtype(g, nx_result(g, find_kind(g, NX_OP_MUL), 0))->dtype, NX_F32);
	CHECK_EQ_INT(nx_vtype(g, nx_result(g, find_kind(g, NX_OP_DIV), 0))->dtype, NX_F32);
	CHECK_EQ_INT(nx_vtype(g, nx_result(g, find_kind(g, NX_OP_RELU), 0))->dtype, NX_F16);
	nx_graph_free(g);
}

/* ---- quantize-int8 ---- */

static void test_quantize_values(void)
{
	/* channel 0: max 2 -> scale 2/127; channel 1 all zero -> scale 1;
	 * channel 2: max 0.5 */
	static const char t[] =
		"graph @t(%x: f32[1,2,3,3]) -> (%y: f32[1,3,3,3]) {\n"
		"  %w = const f32[3,2,1,1] dense[2.0, -1.0, 0.0, 0.0, 0.25, -0.5]\n"
		"  %y = conv(%x, %w) : f32[1,3,3,3]\n"
		"  return %y\n"
		"}\n";
	nx_graph *g = parse(t);
	bool stopped;
	CHECK_EQ_INT(run_pass_ex(g, "quantize-int8", NULL, -1, &stopped, NULL, 0), 1);
	CHECK(verifies(g));
	uint32_t c = find_kind(g, NX_OP_CONV);
	uint32_t q = nx_operand(g, c, 1);
	CHECK_EQ_INT(nx_vtype(g, q)->dtype, NX_I8);
	CHECK_STR(nx_vname(g, q), "w.q");
	CHECK(val(g, "w") == NX_NONE);
	uint32_t ns;
	const float *s = nx_attr_floats(g, c, "w_scale", &ns);
	CHECK_EQ_INT(ns, 3);
	if (ns == 3) {
		CHECK(s[0] == 2.0f / 127.0f);
		CHECK(s[1] == 1.0f);
		CHECK(s[2] == 0.5f / 127.0f);
	}
	const int8_t *d = nx_blob_data(nx_const_blob(g, q));
	static const int8_t want[] = {127, -64, 0, 0, 64, -127};
	for (int i = 0; i < 6; i++)
		CHECK_EQ_INT(d[i], want[i]);
	nx_graph_free(g);
}

static const char quant_graph[] =
	"graph @t(%x: f32[1,4,5,5], %a: f32[3,6]) -> (%y: f32[1,3,6,6], %z: f32[3,5], "
	"%u: f32[3,7]) {\n"
	"  %w = const f32[5,4,3,3] fill(random, seed=11)\n"
	"  %b = const f32[5] fill(random, seed=12)\n"
	"  %c = conv(%x, %w, %b) {pads=[1,1,1,1]} : f32[1,5,5,5]\n"
	"  %wt = const f32[5,3,2,2] fill(random, seed=13)\n"
	"  %y = conv_transpose(%c, %wt) {group=1} : f32[1,3,6,6]\n"
	"  %gw = const f32[5,6] fill(random, seed=14)\n"
	"  %z = gemm(%a, %gw) {transB=1} : f32[3,5]\n"
	"  %mw = const f32[6,7] fill(random, seed=15)\n"
	"  %u = matmul(%a, %mw) : f32[3,7]\n"
	"  return %y, %z, %u\n"
	"}\n";

static void test_quantize_channels(void)
{
	nx_graph *g = parse(quant_graph);
	CHECK(g != NULL);
	if (!g)
		return;
	CHECK(verifies(g));
	CHECK_EQ_INT(run_pass(g, "quantize-int8", NULL), 4);
	CHECK(verifies(g));
	static const struct {
		int kind;
		uint32_t nch;
	} want[] = {{NX_OP_CONV, 5}, {NX_OP_CONV_TRANSPOSE, 3}, {NX_OP_GEMM, 5}, {NX_OP_MATMUL, 7}};
	for (int i = 0; i < 4; i++) {
		uint32_t o = find_kind(g, want[i].kind), n;
		nx_attr_floats(g, o, "w_scale", &n);
		CHECK_EQ_INT(n, want[i].nch);
		CHECK_EQ_INT(nx_vtype(g, nx_operand(g, o, 1))->dtype, NX_I8);
		CHECK_EQ_INT(nx_vtype(g, nx_operand(g, o, 0))->dtype, NX_F32);
	}
	/* the bias stays f32; nothing left to quantize */
	CHECK_EQ_INT(nx_vtype(g, val(g, "b"))->dtype, NX_F32);
	CHECK_EQ_INT(run_pass(g, "quantize-int8", NULL), 0);
	nx_graph_free(g);

	/* grouped conv_transpose: W [4, 2, k, k], group 2 -> 4 channels */
	static const char u[] =
		"graph @t(%x: f32[1,4,3,3]) -> (%y: f32[1,4,4,4]) {\n"
		"  %w = const f32[4,2,2,2] fill(random, seed=3)\n"
		"  %y = conv_transpose(%x, %w) {group=2} : f32[1,4,4,4]\n"
		"  return %y\n"
		"}\n";
	g = parse(u);
	CHECK(g != NULL);
	if (!g)
		return;
	CHECK_EQ_INT(run_pass(g, "quantize-int8", NULL), 1);
	CHECK(verifies(g));
	uint32_t n;
	nx_attr_floats(g, find_kind(g, NX_OP_CONV_TRANSPOSE), "w_scale", &n);
	CHECK_EQ_INT(n, 4);
	nx_graph_free(g);
}

static void test_quantize_shared(void)
{
	/* one weight read the same way by two matmuls: one i8 copy; read by a
	 * gemm with transB too: a second copy with other channels */
	static const char t[] =
		"graph @t(%a: f32[2,4], %b: f32[3,4]) -> (%y: f32[2,4], %z: f32[3,4], "
		"%u: f32[2,4]) {\n"
		"  %w = const f32[4,4] fill(random, seed=21)\n"
		"  %y = matmul(%a, %w) : f32[2,4]\n"
		"  %z = matmul(%b, %w) : f32[3,4]\n"
		"  %u = gemm(%a, %w) {transB=1} : f32[2,4]\n"
		"  return %y, %z, %u\n"
		"}\n";
	nx_graph *g = parse(t);
	if (!g)
		return;
	CHECK_EQ_INT(run_pass(g, "quantize-int8", NULL), 3);
	CHECK(verifies(g));
	uint32_t y = g->vals[val(g, "y")].producer, z = g->vals[val(g, "z")].producer;
	uint32_t u = g->vals[val(g, "u")].producer;
	CHECK_EQ_INT(nx_operand(g, y, 1), nx_operand(g, z, 1));
	CHECK(nx_operand(g, u, 1) != nx_operand(g, y, 1));
	CHECK(val(g, "w") == NX_NONE);
	nx_graph_free(g);
}

/* Whether the interpreter runs i8 weights with w_scale (W = Wq * scale):
 * NULL if so, else why not. */
static const char *interp_dequantizes(char *why, size_t n)
{
	static const char t[] =
		"graph @t(%a: f32[1,1]) -> (%y: f32[1,1]) {\n"
		"  %w = const i8[1,1] dense[2]\n"
		"  %y = gemm(%a, %w) {w_scale=[0.5]} : f32[1,1]\n"
		"  return %y\n"
		"}\n";
	nx_graph *g = parse(t);
	if (!g)
		return "the probe graph does not parse";
	nx_tensor *in = inputs_for(g, 1);
	nx_tensor_set(&in[0], 0, 3.0);
	nx_run_result r;
	const char *res = NULL;
	if (!run_graph(g, in, &r, why, n)) {
		res = why;
	} else {
		double y = nx_tensor_get(&r.outputs[0], 0);
		if (y != 3.0) {
			snprintf(why, n, "gemm(3, i8 2 x w_scale 0.5) gave %g, not 3", y);
			res = why;
		}
		nx_run_result_free(&r);
	}
	free_inputs(in, g->n_inputs);
	nx_graph_free(g);
	return res;
}

static void test_quantize_numerics(void)
{
	const char *t = quant_graph;
	char why[2048];
	/* the interpreter runs i8 weights with w_scale: the sweep below checks
	 * every budget's numerics against int8 error through it */
	const char *no = interp_dequantizes(why, sizeof why);
	if (no)
		fprintf(stderr, "interpreter on i8 weights with w_scale: %s\n", no);
	CHECK(no == NULL);
	int64_t n;
	nx_graph *g = sweep(t, "quantize-int8", NULL, INT8, &n);
	CHECK_EQ_INT(n, 4);
	nx_graph_free(g);
}

/* ---- cancel-transposes ---- */

static void test_cancel_transposes(void)
{
	static const char t[] =
		"graph @t(%x: f32[1,3,4,5]) -> (%y: f32[1,3,4,5]) {\n"
		"  %s = const f32[1] dense[2.0]\n"
		"  %a = transpose(%x) {perm=[0,2,3,1]} : f32[1,4,5,3]\n"
		"  %b = relu(%a) : f32[1,4,5,3]\n"
		"  %c = mul(%b, %s) : f32[1,4,5,3]\n"
		"  %d = clip(%c) {min=-1.0, max=1.5} : f32[1,4,5,3]\n"
		"  %y = transpose(%d) {perm=[0,3,1,2]} : f32[1,3,4,5]\n"
		"  return %y\n"
		"}\n";
	int64_t n;
	nx_graph *g = sweep(t, "cancel-transposes", NULL, EXACT, &n);
	if (!g)
		return;
	CHECK_EQ_INT(n, 4); /* three pushes, one cancellation */
	CHECK_EQ_INT(count_kind(g, NX_OP_TRANSPOSE), 0);
	CHECK_EQ_INT(count_ops(g), 3);
	CHECK_STR(nx_vname(g, g->outputs[0]), "y");
	CHECK_EQ_INT(g->ops[g->vals[g->outputs[0]].producer].kind, NX_OP_CLIP);
	nx_graph_free(g);
}

static void test_cancel_transposes_square(void)
{
	/* the transposed value read twice by one op: both slots move */
	static const char t[] =
		"graph @t(%x: f32[2,3]) -> (%y: f32[2,3]) {\n"
		"  %a = transpose(%x) : f32[3,2]\n"
		"  %b = mul(%a, %a) : f32[3,2]\n"
		"  %y = transpose(%b) : f32[2,3]\n"
		"  return %y\n"
		"}\n";
	int64_t n;
	nx_graph *g = sweep(t, "cancel-transposes", NULL, EXACT, &n);
	if (!g)
		return;
	CHECK_EQ_INT(n, 2);
	CHECK_EQ_INT(count_ops(g), 1);
	uint32_t m = find_kind(g, NX_OP_MUL);
	CHECK_EQ_INT(nx_operand(g, m, 0), g->inputs[0]);
	CHECK_EQ_INT(nx_operand(g, m, 1), g->inputs[0]);
	nx_graph_free(g);
}

static void test_compose_transposes(void)
{
	/* p2∘p1 is not the identity: one transpose remains */
	static const char t[] =
		"graph @t(%x: f32[2,3,4]) -> (%y: f32[4,2,3]) {\n"
		"  %a = transpose(%x) {perm=[1,0,2]} : f32[3,2,4]\n"
		"  %b = cast(%a) {to=\"f16\"} : f16[3,2,4]\n"
		"  %c = cast(%b) {to=\"f32\"} : f32[3,2,4]\n"
		"  %y = transpose(%c) {perm=[2,1,0]} : f32[4,2,3]\n"
		"  return %y\n"
		"}\n";
	int64_t n;
	nx_graph *g = sweep(t, "cancel-transposes", NULL, 1e-3, &n);
	if (!g)
		return;
	CHECK_EQ_INT(n, 3);
	CHECK_EQ_INT(count_kind(g, NX_OP_TRANSPOSE), 1);
	uint32_t tr = find_kind(g, NX_OP_TRANSPOSE);
	uint32_t np;
	const int64_t *perm = nx_attr_ints(g, tr, "perm", &np);
	CHECK_EQ_INT(np, 3);
	if (np == 3) { /* p1[p2[i]] = [2, 0, 1] */
		CHECK_EQ_INT(perm[0], 2);
		CHECK_EQ_INT(perm[1], 0);
		CHECK_EQ_INT(perm[2], 1);
	}
	CHECK(nx_value_is_output(g, nx_result(g, tr, 0)));
	nx_graph_free(g);
}

static void test_cancel_transposes_no_churn(void)
{
	/* no second transpose; a transpose with two users; a non-scalar
	 * operand; an intermediate that is also an output */
	static const char *const cases[] = {
		"graph @t(%x: f32[2,3]) -> (%y: f32[3,2]) {\n"
		"  %a = transpose(%x) : f32[3,2]\n"
		"  %y = relu(%a) : f32[3,2]\n"
		"  return %y\n"
		"}\n",
		"graph @t(%x: f32[2,3]) -> (%y: f32[2,3], %a: f32[3,2]) {\n"
		"  %a = transpose(%x) : f32[3,2]\n"
		"  %b = relu(%a) : f32[3,2]\n"
		"  %y = transpose(%b) : f32[2,3]\n"
		"  return %y, %a\n"
		"}\n",
		"graph @t(%x: f32[2,3]) -> (%y: f32[2,3]) {\n"
		"  %k = const f32[2] dense[1.0, 2.0]\n"
		"  %a = transpose(%x) : f32[3,2]\n"
		"  %b = add(%a, %k) : f32[3,2]\n"
		"  %y = transpose(%b) : f32[2,3]\n"
		"  return %y\n"
		"}\n",
		"graph @t(%x: f32[2,3]) -> (%y: f32[2,3], %b: f32[3,2]) {\n"
		"  %a = transpose(%x) : f32[3,2]\n"
		"  %b = relu(%a) : f32[3,2]\n"
		"  %y = transpose(%b) : f32[2,3]\n"
		"  return %y, %b\n"
		"}\n",
		/* a reduction is not element-wise */
		"graph @t(%x: f32[2,3]) -> (%y: f32[1,2]) {\n"
		"  %a = transpose(%x) : f32[3,2]\n"
		"  %b = reduce_sum(%a) {axes=[0]} : f32[1,2]\n"
		"  %y = transpose(%b) {perm=[0,1]} : f32[1,2]\n"
		"  return %y\n"
		"}\n",
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		nx_graph *g = parse(cases[i]);
		CHECK(g != NULL);
		if (!g)
			continue;
		int64_t r = run_pass(g, "cancel-transposes", NULL);
		if (r != 0)
			fprintf(stderr, "  case %zu\n", i);
		CHECK_EQ_INT(r, 0);
		nx_graph_free(g);
	}
}

/* ---- schedule and liveness ---- */

/* Three branches off %x, each reduced to a scalar at once if scheduled
 * depth first; the given order computes all three wide values first. */
static const char sched_graph[] =
	"graph @t(%x: f32[1,64]) -> (%y: f32[1,64], %z: f32[1,1]) {\n"
	"  %a = relu(%x) : f32[1,64]\n"
	"  %b = neg(%x) : f32[1,64]\n"
	"  %c = exp(%x) : f32[1,64]\n"
	"  %ra = reduce_sum(%a) {axes=[1]} : f32[1,1]\n"
	"  %rb = reduce_sum(%b) {axes=[1]} : f32[1,1]\n"
	"  %rc = reduce_sum(%c) {axes=[1]} : f32[1,1]\n"
	"  %s1 = add(%ra, %rb) : f32[1,1]\n"
	"  %z = add(%s1, %rc) : f32[1,1]\n"
	"  %y = relu(%x) : f32[1,64]\n"
	"  return %y, %z\n"
	"}\n";

static void test_liveness(void)
{
	nx_graph *g = parse(sched_graph);
	if (!g)
		return;
	/* x (256) lives to the end (read by %y); a, b, c (256 each) all live
	 * when %ra runs (+4): 1028 at %ra */
	uint32_t at;
	CHECK_EQ_INT(nx_peak_live_bytes(g, NULL, 0, NULL, &at), 1028);
	CHECK_STR(nx_vname(g, nx_result(g, at, 0)), "ra");
	CHECK_EQ_INT(nx_live_value_bytes(g, val(g, "a"), NULL), 256);
	/* an explicit order: depth first */
	const char *names[] = {"a", "ra", "b", "rb", "s1", "c", "rc", "z", "y"};
	uint32_t order[9];
	for (int i = 0; i < 9; i++)
		order[i] = g->vals[val(g, names[i])].producer;
	CHECK_EQ_INT(nx_peak_live_bytes(g, order, 9, NULL, NULL), 256 + 256 + 4 + 4);
	nx_graph_free(g);
	/* constants are not counted; inputs are */
	static const char t[] =
		"graph @t(%x: f32[8]) -> (%y: f32[8]) {\n"
		"  %k = const f32[1000] fill(zeros)\n"
		"  %s = reduce_sum(%k) {axes=[0], keepdims=1} : f32[1]\n"
		"  %y = add(%x, %s) : f32[8]\n"
		"  return %y\n"
		"}\n";
	g = parse(t);
	if (!g)
		return;
	CHECK_EQ_INT(nx_peak_live_bytes(g, NULL, 0, NULL, NULL), 32 + 4 + 32);
	nx_graph_free(g);
}

static void test_schedule(void)
{
	int64_t n;
	nx_graph *g = sweep(sched_graph, "schedule", NULL, EXACT, &n);
	if (!g)
		return;
	CHECK(n >= 1);
	CHECK_EQ_INT(nx_peak_live_bytes(g, NULL, 0, NULL, NULL), 520);
	CHECK_EQ_INT(count_ops(g), 9);
	/* a second run keeps the order */
	CHECK_EQ_INT(run_pass(g, "schedule", NULL), 0);
	nx_graph_free(g);
}

static void test_schedule_keeps_good_order(void)
{
	static const char t[] =
		"graph @t(%x: f32[1,64]) -> (%z: f32[1,1]) {\n"
		"  %a = relu(%x) : f32[1,64]\n"
		"  %ra = reduce_sum(%a) {axes=[1]} : f32[1,1]\n"
		"  %b = neg(%x) : f32[1,64]\n"
		"  %rb = reduce_sum(%b) {axes=[1]} : f32[1,1]\n"
		"  %z = add(%ra, %rb) : f32[1,1]\n"
		"  return %z\n"
		"}\n";
	nx_graph *g = parse(t);
	if (!g)
		return;
	char *before = nx_print_str(g, NULL, NULL);
	CHECK_EQ_INT(run_pass(g, "schedule", NULL), 0);
	char *after = nx_print_str(g, NULL, NULL);
	CHECK_STR(after, before);
	free(before);
	free(after);
	nx_graph_free(g);
}

static void test_schedule_opaque_order(void)
{
	/* %c allocates less than %b, so the greedy order would run it first;
	 * both are opaque (effects unknown) and must keep their order */
	static const char t[] =
		"graph @t(%x: f32[1,64]) -> (%y: f32[1,64], %z: f32[1,1]) {\n"
		"  %a = relu(%x) : f32[1,64]\n"
		"  %b = opaque(%x) {op_type=\"B\"} : f32[1,64]\n"
		"  %c = opaque(%x) {op_type=\"C\"} : f32[1,8]\n"
		"  %ra = reduce_sum(%a) {axes=[1]} : f32[1,1]\n"
		"  %rb = reduce_sum(%b) {axes=[1]} : f32[1,1]\n"
		"  %rc = reduce_sum(%c) {axes=[1]} : f32[1,1]\n"
		"  %s1 = add(%ra, %rb) : f32[1,1]\n"
		"  %z = add(%s1, %rc) : f32[1,1]\n"
		"  %y = relu(%x) : f32[1,64]\n"
		"  return %y, %z\n"
		"}\n";
	nx_graph *g = parse(t);
	if (!g)
		return;
	int64_t before = nx_peak_live_bytes(g, NULL, 0, NULL, NULL);
	CHECK(run_pass(g, "schedule", NULL) > 0);
	CHECK(verifies(g));
	CHECK(nx_peak_live_bytes(g, NULL, 0, NULL, NULL) < before);
	uint32_t *pos = nx_schedule_positions(g);
	CHECK(pos[g->vals[val(g, "b")].producer] < pos[g->vals[val(g, "c")].producer]);
	free(pos);
	nx_graph_free(g);
}

/* ---- pipelines through the registry ---- */

static void test_registry(void)
{
	static const char *const mine[] = {"to-fp16", "quantize-int8", "cancel-transposes",
					   "schedule"};
	for (int i = 0; i < 4; i++)
		CHECK(nxp_find(mine[i]) != NULL);
	nxp_pipeline pl = {0};
	nx_err e;
	CHECK_EQ_INT(nxp_pipeline_parse(&pl, "default", &e), 0);
	char *s = nxp_pipeline_str(&pl);
	CHECK_CONTAINS(s, "cancel-transposes");
	CHECK_CONTAINS(s, "schedule");
	free(s);
	nxp_pipeline_free(&pl);
	CHECK_EQ_INT(nxp_pipeline_parse(&pl, "infer-shapes,to-fp16{keep=softmax|gelu}", &e), 0);
	CHECK_EQ_INT(pl.n, 2);
	nxp_pipeline_free(&pl);
	/* default as one member of a list stands for the default pipeline */
	nxp_pipeline d = {0};
	CHECK_EQ_INT(nxp_pipeline_parse(&d, "default", &e), 0);
	CHECK_EQ_INT(nxp_pipeline_parse(&pl, "default,to-fp16", &e), 0);
	CHECK_EQ_INT(pl.n, d.n + 1);
	CHECK(pl.n > 1 && !strcmp(pl.inv[pl.n - 1].pass->name, "to-fp16"));
	nxp_pipeline_free(&pl);
	CHECK_EQ_INT(nxp_pipeline_parse(&pl, "dce,default,dce", &e), 0);
	CHECK_EQ_INT(pl.n, d.n + 2);
	nxp_pipeline_free(&pl);
	nxp_pipeline_free(&d);
	CHECK(nxp_pipeline_parse(&pl, "defaults", &e) != 0); /* only the whole word */
	nxp_pipeline_free(&pl);
}

static const check_case cases[] = {
	{"canonicalize", test_canonicalize},
	{"canonicalize_const_right", test_canonicalize_const_right},
	{"cse", test_cse},
	{"dce", test_dce},
	{"fold_constants", test_fold_constants},
	{"fold_batchnorm", test_fold_batchnorm},
	{"fold_scale_shift", test_fold_scale_shift},
	{"fold_batchnorm_matmul", test_fold_batchnorm_matmul},
	{"fuse_hard_swish", test_fuse_hard_swish},
	{"fuse_hard_sigmoid", test_fuse_hard_sigmoid},
	{"fuse_layer_norm", test_fuse_layer_norm},
	{"fuse_gelu", test_fuse_gelu},
	{"fuse_matmul_add", test_fuse_matmul_add},
	{"fuse_needs_single_use", test_fuse_needs_single_use},
	{"fuse_activation", test_fuse_activation},
	{"to_fp16", test_to_fp16},
	{"to_fp16_keep", test_to_fp16_keep},
	{"to_fp16_range", test_to_fp16_range},
	{"quantize_values", test_quantize_values},
	{"quantize_channels", test_quantize_channels},
	{"quantize_shared", test_quantize_shared},
	{"quantize_numerics", test_quantize_numerics},
	{"cancel_transposes", test_cancel_transposes},
	{"cancel_transposes_square", test_cancel_transposes_square},
	{"compose_transposes", test_compose_transposes},
	{"cancel_transposes_no_churn", test_cancel_transposes_no_churn},
	{"liveness", test_liveness},
	{"schedule", test_schedule},
	{"schedule_keeps_good_order", test_schedule_keeps_good_order},
	{"schedule_opaque_order", test_schedule_opaque_order},
	{"registry", test_registry},
	{NULL, NULL},
};

int main(int argc, char **argv)
{
	return check_main(cases, argc, argv);
}
