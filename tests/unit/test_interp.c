/* test_interp.c — the reference interpreter, one kernel family per case:
 * small graphs built with the nx.h API, shape-inferred, run with nx_run (two
 * threads, so the pool's splits are exercised), and compared with values
 * worked out by hand or, for conv, conv_transpose, matmul and pooling, with
 * naive loops written here and nowhere else. Also: f16/bf16 emulation,
 * fused activations, buffer reuse, keep, errors, and tensor files. */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "nx.h"

/* ---- helpers ------------------------------------------------------------- */

/* "f32[1,3,224,224]" -> type; "i64[]" is a scalar. */
static nx_type T(const char *s)
{
	const char *br = strchr(s, '[');
	int64_t dims[NX_MAX_RANK];
	int rank = 0;
	int dt = nx_dtype_parse(s, (size_t)(br - s));
	for (const char *p = br + 1; *p && *p != ']';) {
		char *end;
		dims[rank++] = strtoll(p, &end, 10);
		p = *end == ',' ? end + 1 : end;
	}
	return nx_type_make(dt, rank, dims);
}

/* A tensor of type ty holding v (NULL: 0, 1, 2, ...). */
static nx_tensor mk(const char *ty, const double *v)
{
	nx_type t = T(ty);
	nx_tensor x = nx_tensor_alloc(&t);
	for (int64_t i = 0; i < nx_tensor_numel(&x); i++)
		nx_tensor_set(&x, i, v ? v[i] : (double)i);
	return x;
}

static uint64_t rng_state = 88172645463325252ull;
static double rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (double)(rng_state >> 11) / 9007199254740992.0 * 2 - 1; /* [-1, 1) */
}

static nx_tensor mk_rand(const char *ty)
{
	nx_type t = T(ty);
	nx_tensor x = nx_tensor_alloc(&t);
	for (int64_t i = 0; i < nx_tensor_numel(&x); i++)
		nx_tensor_set(&x, i, rnd());
	return x;
}

/* A graph with one op of kind over graph inputs of the given types (NULL
 * entries: absent optional operands), n_out results. Attributes are set
 * on *op by the caller, then run() infers and runs. */
static nx_graph *one_op(int kind, uint32_t *op, uint32_t n_out, int n_in, ...)
{
	nx_graph *g = nx_graph_new("t");
	uint32_t in[16];
	va_list ap;
	va_start(ap, n_in);
	for (int i = 0; i < n_in; i++) {
		const char *ty = va_arg(ap, const char *);
		if (!ty) {
			in[i] = NX_NONE;
			continue;
		}
		char name[16];
		snprintf(name, sizeof name, "x%d", i);
		nx_type t = T(ty);
		in[i] = nx_value_new(g, name, nx_type_intern(g, &t), NULL);
		nx_graph_add_input(g, in[i]);
	}
	va_end(ap);
	*op = nx_op_new(g, kind, in, (uint32_t)n_in, n_out, NULL, NX_NONE, NULL);
	CHECK(*op != NX_NONE);
	return g;
}

/* Infers op, makes every result a graph output and runs on ins (the graph
 * inputs in order). 0 and res filled, or -1 with the message in err. */
static int run(nx_graph *g, uint32_t op, const nx_tensor *ins, nx_run_result *res, nx_err *err)
{
	memset(res, 0, sizeof *res);
	if (nx_infer_op(g, op, err))
		return -1;
	if (!g->n_outputs)
		for (uint32_t i = 0; i < nx_opp(g, op)->n_out; i++)
			nx_graph_add_output(g, nx_result(g, op, i));
	nx_run_opts o = {.threads = 2};
	return nx_run(g, ins, g->n_inputs, &o, res, err);
}

/* Runs and checks result 0 against want (n values) within tol. */
static void expect(nx_graph *g, uint32_t op, const nx_tensor *ins, const char *type,
		   const double *want, double tol)
{
	nx_run_result r;
	nx_err e;
	e.msg[0] = 0;
	int rc = run(g, op, ins, &r, &e);
	if (rc)
		fprintf(stderr, "  run failed: %s\n", e.msg);
	CHECK_EQ_INT(rc, 0);
	if (!rc) {
		char buf[128];
		nx_type_str(&r.outputs[0].type, buf, sizeof buf);
		CHECK_STR(buf, type);
		int64_t n = nx_tensor_numel(&r.outputs[0]);
		for (int64_t i = 0; i < n; i++) {
			double v = nx_tensor_get(&r.outputs[0], i);
			bool ok = fabs(v - want[i]) <= tol || (isnan(v) && isnan(want[i])) ||
				  (isinf(v) && v == want[i]);
			if (!ok) {
				fprintf(stderr, "  element %lld is %.9g, expected %.9g\n", (long long)i,
					v, want[i]);
				CHECK(ok);
				break;
			}
		}
	}
	nx_run_result_free(&r);
}

/* Max abs difference of two f32 tensors of equal size. */
static double maxdiff(const nx_tensor *a, const float *b)
{
	double m = 0;
	for (int64_t i = 0; i < nx_tensor_numel(a); i++) {
		double d = fabs(nx_tensor_get(a, i) - b[i]);
		if (d > m || isnan(d))
			m = isnan(d) ? INFINITY : d;
	}
	return m;
}

static void free_all(nx_tensor *t, int n)
{
	for (int i = 0; i < n; i++)
		nx_tensor_free(&t[i]);
}

#define W(...) ((const double[]){__VA_ARGS__})
#define I64(...) ((const int64_t[]){__VA_ARGS__}), (uint32_t)(sizeof((int64_t[]){__VA_ARGS__}) / 8)
#define F32(...) ((const float[]){__VA_ARGS__}), (uint32_t)(sizeof((float[]){__VA_ARGS__}) / 4)

/* ---- element-wise ----------------------------------------------------------- */

static void test_binary_bcast(void)
{
	uint32_t o;
	nx_graph *g = one_op(NX_OP_ADD, &o, 1, 2, "f32[2,3]", "f32[3]");
	nx_tensor in[2] = {mk("f32[2,3]", NULL), mk("f32[3]", W(10, 20, 30))};
	expect(g, o, in, "f32[2,3]", W(10, 21, 32, 13, 24, 35), 0);
	free_all(in, 2);
	nx_graph_free(g);

	/* per-channel constant on NCHW: rows of H*W */
	g = one_op(NX_OP_MUL, &o, 1, 2, "f32[1,2,2,2]", "f32[1,2,1,1]");
	nx_tensor m[2] = {mk("f32[1,2,2,2]", NULL), mk("f32[1,2,1,1]", W(2, -1))};
	expect(g, o, m, "f32[1,2,2,2]", W(0, 2, 4, 6, -4, -5, -6, -7), 0);
	free_all(m, 2);
	nx_graph_free(g);

	/* both operands broadcast: [2,1] - [1,3] */
	g = one_op(NX_OP_SUB, &o, 1, 2, "f32[2,1]", "f32[1,3]");
	nx_tensor s[2] = {mk("f32[2,1]", W(1, 2)), mk("f32[1,3]", W(10, 20, 30))};
	expect(g, o, s, "f32[2,3]", W(-9, -19, -29, -8, -18, -28), 0);
	free_all(s, 2);
	nx_graph_free(g);

	/* scalar divisor, and pow with an integer exponent */
	g = one_op(NX_OP_DIV, &o, 1, 2, "f32[4]", "f32[]");
	nx_tensor d[2] = {mk("f32[4]", W(1, 2, 3, -4)), mk("f32[]", W(2))};
	expect(g, o, d, "f32[4]", W(0.5, 1, 1.5, -2), 0);
	free_all(d, 2);
	nx_graph_free(g);
	g = one_op(NX_OP_POW, &o, 1, 2, "f32[3]", "i64[1]");
	nx_tensor pw[2] = {mk("f32[3]", W(2, 3, -2)), mk("i64[1]", W(3))};
	expect(g, o, pw, "f32[3]", W(8, 27, -8), 1e-6);
	free_all(pw, 2);
	nx_graph_free(g);

	g = one_op(NX_OP_PRELU, &o, 1, 2, "f32[1,2,2]", "f32[2,1]");
	nx_tensor pr[2] = {mk("f32[1,2,2]", W(-1, 2, -3, 4)), mk("f32[2,1]", W(0.5, 0.25))};
	expect(g, o, pr, "f32[1,2,2]", W(-0.5, 2, -0.75, 4), 0);
	free_all(pr, 2);
	nx_graph_free(g);

	/* a large same-shape add runs over the pool: every element checked */
	g = one_op(NX_OP_ADD, &o, 1, 2, "f32[3,50000]", "f32[3,1]");
	nx_tensor big[2] = {mk("f32[3,50000]", NULL), mk("f32[3,1]", W(1, 2, 3))};
	nx_run_result r;
	nx_err e;
	CHECK_EQ_INT(run(g, o, big, &r, &e), 0);
	bool ok = true;
	for (int64_t i = 0; i < 150000; i++)
		ok &= ((float *)r.outputs[0].data)[i] == (float)(i + 1 + i / 50000);
	CHECK(ok);
	nx_run_result_free(&r);
	free_all(big, 2);
	nx_graph_free(g);
}

static void test_int_ops(void)
{
	uint32_t o;
	nx_graph *g = one_op(NX_OP_ADD, &o, 1, 2, "u8[3]", "u8[3]");
	nx_tensor a[2] = {mk("u8[3]", W(250, 1, 7)), mk("u8[3]", W(10, 2, 8))};
	expect(g, o, a, "u8[3]", W(4, 3, 15), 0); /* wraps like numpy */
	free_all(a, 2);
	nx_graph_free(g);

	g = one_op(NX_OP_DIV, &o, 1, 2, "i32[4]", "i32[]");
	nx_tensor d[2] = {mk("i32[4]", W(7, -7, 6, 0)), mk("i32[]", W(2))};
	expect(g, o, d, "i32[4]", W(3, -3, 3, 0), 0); /* truncates toward zero */
	free_all(d, 2);
	nx_graph_free(g);

	g = one_op(NX_OP_DIV, &o, 1, 2, "i64[2]", "i64[2]");
	nx_tensor z[2] = {mk("i64[2]", W(1, 2)), mk("i64[2]", W(1, 0))};
	nx_run_result r;
	nx_err e;
	CHECK_EQ_INT(run(g, o, z, &r, &e), -1);
	CHECK_CONTAINS(e.msg, "division by zero");
	free_all(z, 2);
	nx_graph_free(g);

	/* i64 beyond 2^53 stays exact */
	g = one_op(NX_OP_MUL, &o, 1, 2, "i64[1]", "i64[1]");
	nx_tensor m[2] = {mk("i64[1]", NULL), mk("i64[1]", W(3))};
	((int64_t *)m[0].data)[0] = (1ll << 60) + 1;
	CHECK_EQ_INT(run(g, o, m, &r, &e), 0);
	CHECK(((int64_t *)r.outputs[0].data)[0] == (int64_t)((3ull << 60) + 3));
	nx_run_result_free(&r);
	free_all(m, 2);
	nx_graph_free(g);

	g = one_op(NX_OP_MAX, &o, 1, 3, "i8[3]", "i8[3]", "i8[1]");
	nx_tensor mx[3] = {mk("i8[3]", W(-5, 3, 0)), mk("i8[3]", W(-7, 9, -1)), mk("i8[1]", W(-2))};
	expect(g, o, mx, "i8[3]", W(-2, 9, 0), 0);
	free_all(mx, 3);
	nx_graph_free(g);

	g = one_op(NX_OP_NEG, &o, 1, 1, "i32[2]");
	nx_tensor ng = mk("i32[2]", W(5, -6));
	expect(g, o, &ng, "i32[2]", W(-5, 6), 0);
	nx_tensor_free(&ng);
	nx_graph_free(g);

	g = one_op(NX_OP_CLIP, &o, 1, 1, "i8[4]");
	nx_attr_set_f(g, o, "min", -3);
	nx_attr_set_f(g, o, "max", 5);
	nx_tensor cl = mk("i8[4]", W(-100, -3, 4, 100));
	expect(g, o, &cl, "i8[4]", W(-3, -3, 4, 5), 0);
	nx_tensor_free(&cl);
	nx_graph_free(g);

	g = one_op(NX_OP_POW, &o, 1, 2, "i32[3]", "f32[3]");
	nx_tensor p[2] = {mk("i32[3]", W(1, 2, 3)), mk("f32[3]", W(4, 5, 6))};
	expect(g, o, p, "i32[3]", W(1, 32, 729), 0);
	free_all(p, 2);
	nx_graph_free(g);
}

static void test_minmax(void)
{
	uint32_t o;
	nx_graph *g = one_op(NX_OP_MIN, &o, 1, 3, "f32[2,2]", "f32[2]", "f32[]");
	nx_tensor in[3] = {mk("f32[2,2]", W(1, 5, -2, 8)), mk("f32[2]", W(3, 4)), mk("f32[]", W(2))};
	expect(g, o, in, "f32[2,2]", W(1, 2, -2, 2), 0);
	free_all(in, 3);
	nx_graph_free(g);
	g = one_op(NX_OP_MAX, &o, 1, 1, "f32[3]");
	nx_tensor one = mk("f32[3]", W(1, -1, 2));
	expect(g, o, &one, "f32[3]", W(1, -1, 2), 0);
	nx_tensor_free(&one);
	nx_graph_free(g);
}

static void test_unary(void)
{
	static const struct {
		int kind;
		double want[4];
	} cases[] = {
		{NX_OP_SQRT, {NAN, 0, 0.70710678, 2}},
		{NX_OP_EXP, {0.36787944, 1, 1.64872127, 54.59815}},
		{NX_OP_LOG, {NAN, -INFINITY, -0.69314718, 1.38629436}},
		{NX_OP_NEG, {1, 0, -0.5, -4}},
		{NX_OP_ABS, {1, 0, 0.5, 4}},
		{NX_OP_RECIPROCAL, {-1, INFINITY, 2, 0.25}},
		{NX_OP_RELU, {0, 0, 0.5, 4}},
		{NX_OP_SIGMOID, {0.26894142, 0.5, 0.62245933, 0.98201379}},
		{NX_OP_TANH, {-0.76159416, 0, 0.46211716, 0.99932930}},
		{NX_OP_ERF, {-0.84270079, 0, 0.52049988, 1}},
		{NX_OP_SOFTPLUS, {0.31326169, 0.69314718, 0.97407698, 4.01814993}},
		{NX_OP_HARD_SWISH, {-0.33333333, 0, 0.29166667, 4}},
		{NX_OP_HARD_SIGMOID, {0.3, 0.5, 0.6, 1}},
		{NX_OP_LEAKY_RELU, {-0.01, 0, 0.5, 4}},
		{NX_OP_GELU, {-0.15865525, 0, 0.34573123, 3.99987332}},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		uint32_t o;
		nx_graph *g = one_op(cases[i].kind, &o, 1, 1, "f32[4]");
		nx_tensor x = mk("f32[4]", W(-1, 0, 0.5, 4));
		expect(g, o, &x, "f32[4]", cases[i].want, 1e-5);
		nx_tensor_free(&x);
		nx_graph_free(g);
	}
	uint32_t o;
	nx_graph *g = one_op(NX_OP_GELU, &o, 1, 1, "f32[3]");
	nx_attr_set_s(g, o, "approximate", "tanh");
	nx_tensor x = mk("f32[3]", W(-1, 0.5, 2));
	expect(g, o, &x, "f32[3]", W(-0.15880801, 0.34571401, 1.95459769), 1e-6);
	nx_tensor_free(&x);
	nx_graph_free(g);
	g = one_op(NX_OP_CLIP, &o, 1, 1, "f32[4]");
	nx_attr_set_f(g, o, "min", -0.5f);
	nx_tensor c = mk("f32[4]", W(-1, 0, 0.5, 4));
	expect(g, o, &c, "f32[4]", W(-0.5, 0, 0.5, 4), 0);
	nx_tensor_free(&c);
	nx_graph_free(g);
}

static void test_fused_act(void)
{
	static const struct {
		const char *act;
		float alpha, beta;
		double want[4];
	} cases[] = {
		{"relu", 0, 0, {0, 0, 1, 5}},
		{"clip", 0, 2, {0, 0, 1, 2}},
		{"leaky_relu", 0.1f, 0, {-0.3, 0, 1, 5}},
		{"hard_sigmoid", 0.25f, 0.5f, {0, 0.5, 0.75, 1}},
		{"hard_swish", 0, 0, {0, 0, 0.66666667, 5}},
		{"sigmoid", 0, 0, {0.04742587, 0.5, 0.73105858, 0.99330715}},
		{"tanh", 0, 0, {-0.99505475, 0, 0.76159416, 0.99990920}},
		{"gelu", 0, 0, {-0.00404969, 0, 0.84134475, 4.99999928}},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		uint32_t o;
		nx_graph *g = one_op(NX_OP_ADD, &o, 1, 2, "f32[4]", "f32[]");
		nx_attr_set_s(g, o, "act", cases[i].act);
		if (strcmp(cases[i].act, "relu") && strcmp(cases[i].act, "hard_swish") &&
		    strcmp(cases[i].act, "sigmoid") && strcmp(cases[i].act, "tanh") &&
		    strcmp(cases[i].act, "gelu")) {
			nx_attr_set_f(g, o, "act_alpha", cases[i].alpha);
			nx_attr_set_f(g, o, "act_beta", cases[i].beta);
		}
		nx_tensor in[2] = {mk("f32[4]", W(-4, -1, 0, 4)), mk("f32[]", W(1))};
		expect(g, o, in, "f32[4]", cases[i].want, 1e-6);
		free_all(in, 2);
		nx_graph_free(g);
	}
}

static void test_cast(void)
{
	uint32_t o;
	nx_graph *g = one_op(NX_OP_CAST, &o, 1, 1, "f32[5]");
	nx_attr_set_s(g, o, "to", "i32");
	nx_tensor x = mk("f32[5]", W(1.9, -1.9, 0, 1e3, -0.5));
	expect(g, o, &x, "i32[5]", W(1, -1, 0, 1000, 0), 0);
	nx_graph_free(g);
	g = one_op(NX_OP_CAST, &o, 1, 1, "f32[5]");
	nx_attr_set_s(g, o, "to", "bool");
	expect(g, o, &x, "bool[5]", W(1, 1, 0, 1, 1), 0);
	nx_graph_free(g);
	g = one_op(NX_OP_CAST, &o, 1, 1, "f32[5]");
	nx_attr_set_s(g, o, "to", "u8");
	expect(g, o, &x, "u8[5]", W(1, 255, 0, 232, 0), 0); /* -1 and 1000 wrap */
	nx_tensor_free(&x);
	nx_graph_free(g);

	/* f32 -> f16 rounds to nearest even; f16 -> f32 is exact */
	g = one_op(NX_OP_CAST, &o, 1, 1, "f32[3]");
	nx_attr_set_s(g, o, "to", "f16");
	nx_tensor h = mk("f32[3]", W(1 + 1.0 / 2048, 1 + 3.0 / 2048, 70000));
	expect(g, o, &h, "f16[3]", W(1, 1 + 2.0 / 1024, INFINITY), 0);
	nx_tensor_free(&h);
	nx_graph_free(g);
	g = one_op(NX_OP_CAST, &o, 1, 1, "i64[2]");
	nx_attr_set_s(g, o, "to", "f32");
	nx_tensor l = mk("i64[2]", W(-3, 16777217));
	expect(g, o, &l, "f32[2]", W(-3, 16777216), 0);
	nx_tensor_free(&l);
	nx_graph_free(g);
}

/* f16 and bf16 graphs: each op rounds its result back, so (a + b) - a in
 * f16 loses what f32 would keep. */
static void test_half_emulation(void)
{
	nx_graph *g = nx_graph_new("h");
	nx_type t = T("f16[2]");
	uint32_t a = nx_value_new(g, "a", nx_type_intern(g, &t), NULL);
	uint32_t b = nx_value_new(g, "b", nx_type_intern(g, &t), NULL);
	nx_graph_add_input(g, a);
	nx_graph_add_input(g, b);
	uint32_t ins[2] = {a, b};
	uint32_t s = nx_op_new(g, NX_OP_ADD, ins, 2, 1, NULL, NX_NONE, NULL);
	uint32_t ins2[2] = {nx_result(g, s, 0), a};
	uint32_t d = nx_op_new(g, NX_OP_SUB, ins2, 2, 1, NULL, NX_NONE, NULL);
	nx_err e;
	CHECK_EQ_INT(nx_infer_graph(g, &e), 0);
	nx_graph_add_output(g, nx_result(g, d, 0));
	nx_graph_add_output(g, nx_result(g, s, 0));
	nx_tensor in[2] = {mk("f16[2]", W(1, 1000)), mk("f16[2]", W(1.0 / 4096, 0.25))};
	nx_run_result r;
	nx_run_opts o = {.threads = 1};
	CHECK_EQ_INT(nx_run(g, in, 2, &o, &r, &e), 0);
	CHECK_EQ_INT(r.outputs[0].type.dtype, NX_F16);
	/* 1 + 2^-12 rounds to 1 in f16; 1000.25 rounds to 1000 (spacing 0.5,
	 * ties to even) */
	CHECK(nx_tensor_get(&r.outputs[0], 0) == 0);
	CHECK(nx_tensor_get(&r.outputs[0], 1) == 0);
	CHECK(nx_tensor_get(&r.outputs[1], 1) == 1000);
	nx_run_result_free(&r);
	free_all(in, 2);
	nx_graph_free(g);

	/* bf16 conv: f32 compute on widened operands, result rounded to bf16 */
	uint32_t op;
	g = one_op(NX_OP_CONV, &op, 1, 2, "bf16[1,1,1,3]", "bf16[1,1,1,1]");
	nx_tensor c[2] = {mk("bf16[1,1,1,3]", W(1, 2, 3)), mk("bf16[1,1,1,1]", W(1.0078125))};
	expect(g, op, c, "bf16[1,1,1,3]", W(1.0078125, 2.015625, 3.03125), 0);
	free_all(c, 2);
	nx_graph_free(g);

	/* softmax in f16 */
	g = one_op(NX_OP_SOFTMAX, &op, 1, 1, "f16[3]");
	nx_tensor sm = mk("f16[3]", W(0, 1, 2));
	expect(g, op, &sm, "f16[3]", W(0.0900269, 0.2447510, 0.6650391), 1e-7);
	nx_tensor_free(&sm);
	nx_graph_free(g);
}

/* ---- data movement ------------------------------------------------------------ */

static void test_views_and_transpose(void)
{
	uint32_t o;
	nx_graph *g = one_op(NX_OP_TRANSPOSE, &o, 1, 1, "f32[2,3,4]");
	nx_attr_set_ints(g, o, "perm", I64(2, 0, 1));
	nx_tensor x = mk("f32[2,3,4]", NULL);
	double want[24];
	for (int c = 0; c < 4; c++)
		for (int a = 0; a < 2; a++)
			for (int b = 0; b < 3; b++)
				want[(c * 2 + a) * 3 + b] = a * 12 + b * 4 + c;
	expect(g, o, &x, "f32[4,2,3]", want, 0);
	nx_graph_free(g);
	g = one_op(NX_OP_TRANSPOSE, &o, 1, 1, "f32[2,3,4]"); /* default: reversed */
	for (int c = 0; c < 4; c++)
		for (int b = 0; b < 3; b++)
			for (int a = 0; a < 2; a++)
				want[(c * 3 + b) * 2 + a] = a * 12 + b * 4 + c;
	expect(g, o, &x, "f32[4,3,2]", want, 0);
	nx_graph_free(g);
	g = one_op(NX_OP_RESHAPE, &o, 1, 1, "f32[2,3,4]");
	nx_attr_set_ints(g, o, "shape", I64(4, -1));
	for (int i = 0; i < 24; i++)
		want[i] = i;
	expect(g, o, &x, "f32[4,6]", want, 0);
	nx_graph_free(g);
	g = one_op(NX_OP_UNSQUEEZE, &o, 1, 1, "f32[2,3,4]");
	nx_attr_set_ints(g, o, "axes", I64(0, 4));
	expect(g, o, &x, "f32[1,2,3,4,1]", want, 0);
	nx_tensor_free(&x);
	nx_graph_free(g);

	/* f16 data moves as bits */
	g = one_op(NX_OP_TRANSPOSE, &o, 1, 1, "f16[2,2]");
	nx_tensor h = mk("f16[2,2]", W(0.1, 0.2, 0.3, 0.4));
	expect(g, o, &h, "f16[2,2]", W(nx_f16_to_f32(nx_f32_to_f16(0.1f)),
					 nx_f16_to_f32(nx_f32_to_f16(0.3f)),
					 nx_f16_to_f32(nx_f32_to_f16(0.2f)),
					 nx_f16_to_f32(nx_f32_to_f16(0.4f))), 0);
	nx_tensor_free(&h);
	nx_graph_free(g);
}

static void test_concat_split(void)
{
	uint32_t o;
	nx_graph *g = one_op(NX_OP_CONCAT, &o, 1, 3, "i64[2,1]", "i64[2,2]", "i64[2,1]");
	nx_attr_set_i(g, o, "axis", -1);
	nx_tensor in[3] = {mk("i64[2,1]", W(1, 2)), mk("i64[2,2]", W(3, 4, 5, 6)),
			   mk("i64[2,1]", W(7, 8))};
	expect(g, o, in, "i64[2,4]", W(1, 3, 4, 7, 2, 5, 6, 8), 0);
	free_all(in, 3);
	nx_graph_free(g);

	g = one_op(NX_OP_SPLIT, &o, 2, 1, "f32[2,5]");
	nx_attr_set_i(g, o, "axis", 1);
	nx_attr_set_ints(g, o, "split", I64(2, 3));
	nx_tensor x = mk("f32[2,5]", NULL);
	nx_run_result r;
	nx_err e;
	CHECK_EQ_INT(run(g, o, &x, &r, &e), 0);
	CHECK_EQ_INT(r.n_outputs, 2);
	float w0[] = {0, 1, 5, 6}, w1[] = {2, 3, 4, 7, 8, 9};
	CHECK(maxdiff(&r.outputs[0], w0) == 0);
	CHECK(maxdiff(&r.outputs[1], w1) == 0);
	nx_run_result_free(&r);
	nx_tensor_free(&x);
	nx_graph_free(g);
}

static void test_slice_gather(void)
{
	uint32_t o;
	nx_graph *g = one_op(NX_OP_SLICE, &o, 1, 1, "f32[3,4]");
	nx_attr_set_ints(g, o, "starts", I64(-1, 0));
	nx_attr_set_ints(g, o, "ends", I64(INT64_MIN, 100));
	nx_attr_set_ints(g, o, "axes", I64(0, 1));
	nx_attr_set_ints(g, o, "steps", I64(-2, 3));
	nx_tensor x = mk("f32[3,4]", NULL);
	/* rows 2, 0; columns 0, 3 */
	expect(g, o, &x, "f32[2,2]", W(8, 11, 0, 3), 0);
	nx_graph_free(g);
	g = one_op(NX_OP_SLICE, &o, 1, 1, "f32[3,4]");
	nx_attr_set_ints(g, o, "starts", I64(1));
	nx_attr_set_ints(g, o, "ends", I64(-1));
	nx_attr_set_ints(g, o, "axes", I64(-1));
	expect(g, o, &x, "f32[3,2]", W(1, 2, 5, 6, 9, 10), 0);
	nx_graph_free(g);

	g = one_op(NX_OP_GATHER, &o, 1, 2, "f32[3,4]", "i64[2,2]");
	nx_attr_set_i(g, o, "axis", 1);
	nx_tensor gi[2] = {mk("f32[3,4]", NULL), mk("i64[2,2]", W(0, -1, 2, 2))};
	expect(g, o, gi, "f32[3,2,2]", W(0, 3, 2, 2, 4, 7, 6, 6, 8, 11, 10, 10), 0);
	nx_graph_free(g);
	g = one_op(NX_OP_GATHER, &o, 1, 2, "f32[3,4]", "i32[1]");
	nx_tensor bad[2] = {mk("f32[3,4]", NULL), mk("i32[1]", W(3))};
	nx_run_result r;
	nx_err e;
	CHECK_EQ_INT(run(g, o, bad, &r, &e), -1);
	CHECK_CONTAINS(e.msg, "index 3 is out of range for axis 0 of size 3");
	free_all(bad, 2);
	free_all(gi, 2);
	nx_tensor_free(&x);
	nx_graph_free(g);
}

static void test_pad_shape_expand(void)
{
	static const struct {
		const char *mode;
		double want[7];
	} cases[] = {
		{"constant", {9, 9, 0, 1, 2, 9, 9}},
		{"reflect", {2, 1, 0, 1, 2, 1, 0}},
		{"edge", {0, 0, 0, 1, 2, 2, 2}},
		{"wrap", {1, 2, 0, 1, 2, 0, 1}},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		uint32_t o;
		nx_graph *g = one_op(NX_OP_PAD, &o, 1, 1, "f32[3]");
		nx_attr_set_ints(g, o, "pads", I64(2, 2));
		nx_attr_set_s(g, o, "mode", cases[i].mode);
		nx_attr_set_f(g, o, "value", 9);
		nx_tensor x = mk("f32[3]", NULL);
		expect(g, o, &x, "f32[7]", cases[i].want, 0);
		nx_tensor_free(&x);
		nx_graph_free(g);
	}
	/* 2-d, negative pad crops */
	uint32_t o;
	nx_graph *g = one_op(NX_OP_PAD, &o, 1, 1, "i32[2,3]");
	nx_attr_set_ints(g, o, "pads", I64(1, -1, 0, 0));
	nx_tensor x = mk("i32[2,3]", NULL);
	expect(g, o, &x, "i32[3,2]", W(0, 0, 1, 2, 4, 5), 0);
	nx_graph_free(g);

	g = one_op(NX_OP_SHAPE, &o, 1, 1, "i32[2,3]");
	nx_attr_set_i(g, o, "start", -1);
	expect(g, o, &x, "i64[1]", W(3), 0);
	nx_graph_free(g);

	g = one_op(NX_OP_EXPAND, &o, 1, 1, "i32[2,3]");
	nx_attr_set_ints(g, o, "shape", I64(2, 1, 1));
	expect(g, o, &x, "i32[2,2,3]", W(0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5), 0);
	nx_tensor_free(&x);
	nx_graph_free(g);
}

/* ---- resize ------------------------------------------------------------------------ */

static void test_resize(void)
{
	uint32_t o;
	/* nearest, asymmetric, floor: the PaddleOCR upsampling */
	nx_graph *g = one_op(NX_OP_RESIZE, &o, 1, 1, "f32[1,1,2,2]");
	nx_attr_set_floats(g, o, "scales", F32(1, 1, 2, 2));
	nx_attr_set_s(g, o, "coordinate_transformation_mode", "asymmetric");
	nx_attr_set_s(g, o, "nearest_mode", "floor");
	nx_tensor x = mk("f32[1,1,2,2]", W(1, 2, 3, 4));
	expect(g, o, &x, "f32[1,1,4,4]", W(1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4), 0);
	nx_graph_free(g);

	/* linear, half_pixel, 2x: (x + 0.5) / 2 - 0.5 clamped at the edges */
	g = one_op(NX_OP_RESIZE, &o, 1, 1, "f32[1,1,2,2]");
	nx_attr_set_floats(g, o, "scales", F32(1, 1, 1, 2));
	nx_attr_set_s(g, o, "mode", "linear");
	expect(g, o, &x, "f32[1,1,2,4]", W(1, 1.25, 1.75, 2, 3, 3.25, 3.75, 4), 1e-6);
	nx_graph_free(g);

	/* linear, align_corners, sizes */
	g = one_op(NX_OP_RESIZE, &o, 1, 1, "f32[1,1,2,2]");
	nx_attr_set_ints(g, o, "sizes", I64(1, 1, 3, 3));
	nx_attr_set_s(g, o, "mode", "linear");
	nx_attr_set_s(g, o, "coordinate_transformation_mode", "align_corners");
	expect(g, o, &x, "f32[1,1,3,3]", W(1, 1.5, 2, 2, 2.5, 3, 3, 3.5, 4), 1e-6);
	nx_graph_free(g);
	nx_tensor_free(&x);

	/* cubic, asymmetric, 1-d: output 1 is at xo = 0.5 between 1 and 2,
	 * taps -1..2 clamped: A = -0.75 gives weights (-0.09375, 0.59375,
	 * 0.59375, -0.09375) over values (0, 0, 1, 2); output 5 over (1, 2, 3,
	 * 3) */
	g = one_op(NX_OP_RESIZE, &o, 1, 1, "f32[4]");
	nx_attr_set_floats(g, o, "scales", F32(2));
	nx_attr_set_s(g, o, "mode", "cubic");
	nx_attr_set_s(g, o, "coordinate_transformation_mode", "asymmetric");
	nx_tensor c = mk("f32[4]", NULL);
	expect(g, o, &c, "f32[8]", W(0, 0.40625, 1, 1.5, 2, 2.59375, 3, 3.09375), 1e-6);
	nx_graph_free(g);
	/* same with exclude_outside: out-of-range taps get weight 0 */
	g = one_op(NX_OP_RESIZE, &o, 1, 1, "f32[4]");
	nx_attr_set_floats(g, o, "scales", F32(2));
	nx_attr_set_s(g, o, "mode", "cubic");
	nx_attr_set_s(g, o, "coordinate_transformation_mode", "asymmetric");
	nx_attr_set_i(g, o, "exclude_outside", 1);
	/* output 1: taps 0..2 with (0.59375, 0.59375, -0.09375) / 1.09375 */
	double w1 = (0.59375 * 1 - 0.09375 * 2) / 1.09375;
	double w5 = (-0.09375 * 1 + 0.59375 * 2 + 0.59375 * 3) / 1.09375;
	double w7 = (-0.09375 * 2 + 0.59375 * 3) / 0.5;
	expect(g, o, &c, "f32[8]", W(0, w1, 1, 1.5, 2, w5, 3, w7), 1e-6);
	nx_tensor_free(&c);
	nx_graph_free(g);

	/* nearest modes, 3 -> 6 asymmetric: xo = 0, .5, 1, 1.5, 2, 2.5 */
	static const struct {
		const char *nm;
		double want[6];
	} nm[] = {
		{"round_prefer_floor", {0, 0, 1, 1, 2, 2}},
		{"round_prefer_ceil", {0, 1, 1, 2, 2, 2}},
		{"floor", {0, 0, 1, 1, 2, 2}},
		{"ceil", {0, 1, 1, 2, 2, 2}},
	};
	for (size_t i = 0; i < sizeof nm / sizeof nm[0]; i++) {
		g = one_op(NX_OP_RESIZE, &o, 1, 1, "f32[3]");
		nx_attr_set_ints(g, o, "sizes", I64(6));
		nx_attr_set_s(g, o, "nearest_mode", nm[i].nm);
		nx_attr_set_s(g, o, "coordinate_transformation_mode", "asymmetric");
		nx_tensor v = mk("f32[3]", NULL);
		expect(g, o, &v, "f32[6]", nm[i].want, 0);
		nx_tensor_free(&v);
		nx_graph_free(g);
	}
}

/* ---- reductions and norms ------------------------------------------------------------ */

static void test_reduce(void)
{
	uint32_t o;
	nx_tensor x = mk("f32[2,3,2]", NULL);
	nx_graph *g = one_op(NX_OP_REDUCE_MEAN, &o, 1, 1, "f32[2,3,2]");
	nx_attr_set_ints(g, o, "axes", I64(1));
	expect(g, o, &x, "f32[2,1,2]", W(2, 3, 8, 9), 1e-6);
	nx_graph_free(g);
	g = one_op(NX_OP_REDUCE_SUM, &o, 1, 1, "f32[2,3,2]");
	nx_attr_set_ints(g, o, "axes", I64(0, -1));
	nx_attr_set_i(g, o, "keepdims", 0);
	expect(g, o, &x, "f32[3]", W(14, 22, 30), 1e-6);
	nx_graph_free(g);
	g = one_op(NX_OP_REDUCE_MAX, &o, 1, 1, "f32[2,3,2]");
	expect(g, o, &x, "f32[1,1,1]", W(11), 0);
	nx_graph_free(g);
	g = one_op(NX_OP_REDUCE_SUM, &o, 1, 1, "f32[2,3,2]");
	nx_attr_set_i(g, o, "noop_with_empty_axes", 1);
	double id[12];
	for (int i = 0; i < 12; i++)
		id[i] = i;
	expect(g, o, &x, "f32[2,3,2]", id, 0);
	nx_tensor_free(&x);
	nx_graph_free(g);
	/* long rows take the blocked float-lane sum: still exact here */
	g = one_op(NX_OP_REDUCE_MEAN, &o, 1, 1, "f32[2,1000]");
	nx_attr_set_ints(g, o, "axes", I64(1));
	nx_tensor big = mk("f32[2,1000]", NULL);
	expect(g, o, &big, "f32[2,1]", W(499.5, 1499.5), 1e-9);
	nx_graph_free(g);
	nx_tensor_free(&big);
	g = one_op(NX_OP_GLOBAL_AVG_POOL, &o, 1, 1, "f32[1,2,1000]");
	big = mk("f32[1,2,1000]", NULL);
	expect(g, o, &big, "f32[1,2,1]", W(499.5, 1499.5), 1e-9);
	nx_tensor_free(&big);
	nx_graph_free(g);
	g = one_op(NX_OP_REDUCE_SUM, &o, 1, 1, "i64[3]");
	nx_tensor l = mk("i64[3]", W(1, 2, 3));
	expect(g, o, &l, "i64[1]", W(6), 0);
	nx_tensor_free(&l);
	nx_graph_free(g);
}

static void test_softmax_norms(void)
{
	uint32_t o;
	nx_graph *g = one_op(NX_OP_SOFTMAX, &o, 1, 1, "f32[2,3]");
	nx_attr_set_i(g, o, "axis", 0);
	nx_tensor x = mk("f32[2,3]", W(0, 1, 1000, 1, 1, 1001));
	double e1 = 1 / (1 + exp(1.0));
	expect(g, o, &x, "f32[2,3]", W(e1, 0.5, e1, 1 - e1, 0.5, 1 - e1), 1e-6);
	nx_graph_free(g);
	g = one_op(NX_OP_LOG_SOFTMAX, &o, 1, 1, "f32[2,3]");
	double l0 = log(1 + exp(1.0) + exp(1000.0 - 1000.0) * 0);
	(void)l0;
	double a = log(exp(-1000.0) + exp(1 - 1000.0) + 1);
	expect(g, o, &x, "f32[2,3]", W(-1000 - a, 1 - 1000 - a, -a, -1000 - a, -1000 - a, -a), 1e-3);
	nx_tensor_free(&x);
	nx_graph_free(g);

	g = one_op(NX_OP_LAYER_NORM, &o, 1, 3, "f32[2,2,2]", "f32[2]", "f32[2,2]");
	nx_attr_set_i(g, o, "axis", 1);
	nx_attr_set_f(g, o, "epsilon", 0);
	nx_tensor ln[3] = {mk("f32[2,2,2]", W(1, 2, 3, 4, 0, 0, 0, 8)), mk("f32[2]", W(1, 2)),
			   mk("f32[2,2]", W(0, 0, 0, 10))};
	/* block 0: mean 2.5, sd sqrt(1.25); block 1: mean 2, sd sqrt(12) */
	double s0 = 1 / sqrt(1.25), s1 = 1 / sqrt(12.0);
	expect(g, o, ln, "f32[2,2,2]", W(-1.5 * s0, 2 * -0.5 * s0, 0.5 * s0, 2 * 1.5 * s0 + 10,
					 -2 * s1, 2 * -2 * s1, -2 * s1, 2 * 6 * s1 + 10), 1e-5);
	free_all(ln, 3);
	nx_graph_free(g);

	g = one_op(NX_OP_BATCH_NORM, &o, 1, 5, "f32[1,2,1,2]", "f32[2]", "f32[2]", "f32[2]",
		   "f32[2]");
	nx_attr_set_f(g, o, "epsilon", 0);
	nx_tensor bn[5] = {mk("f32[1,2,1,2]", W(1, 2, 3, 4)), mk("f32[2]", W(2, 1)),
			   mk("f32[2]", W(0, 1)), mk("f32[2]", W(1, 3)), mk("f32[2]", W(4, 0.25))};
	expect(g, o, bn, "f32[1,2,1,2]", W(0, 1, 1, 3), 1e-6);
	free_all(bn, 5);
	nx_graph_free(g);
}

/* ---- conv ------------------------------------------------------------------------------ */

typedef struct convp {
	int ns;
	int64_t n, c, m, group;
	int64_t in[3], ker[3], stride[3], dil[3], pads[6];
	const char *act;
} convp;

/* Naive N-d conv, for checking only. y is [n, m, out...] with out given. */
static void ref_conv(const convp *p, const int64_t *out, const float *x, const float *w,
		     const float *b, float *y)
{
	int ns = p->ns;
	int64_t cg = p->c / p->group, mg = p->m / p->group, osp = 1, isp = 1, ksp = 1;
	for (int d = 0; d < ns; d++) {
		osp *= out[d];
		isp *= p->in[d];
		ksp *= p->ker[d];
	}
	for (int64_t n = 0; n < p->n; n++)
		for (int64_t m = 0; m < p->m; m++)
			for (int64_t q = 0; q < osp; q++) {
				int64_t o[3], r = q;
				for (int d = ns - 1; d >= 0; d--) {
					o[d] = r % out[d];
					r /= out[d];
				}
				double s = b ? b[m] : 0;
				int64_t gi = m / mg;
				for (int64_t c = 0; c < cg; c++)
					for (int64_t kk = 0; kk < ksp; kk++) {
						int64_t kr = kk, off = 0, mul = 1;
						bool in = true;
						for (int d = ns - 1; d >= 0; d--) {
							int64_t kd = kr % p->ker[d];
							kr /= p->ker[d];
							int64_t i = o[d] * p->stride[d] - p->pads[d] +
								    kd * p->dil[d];
							in &= i >= 0 && i < p->in[d];
							off += i * mul;
							mul *= p->in[d];
						}
						if (in)
							s += (double)x[(n * p->c + gi * cg + c) * isp + off] *
							     w[(m * cg + c) * ksp + kk];
					}
				y[(n * p->m + m) * osp + q] = (float)s;
			}
}

static void check_conv(const convp *p, bool bias)
{
	char xt[96], wt[96], bt[32];
	int64_t out[3];
	int n = snprintf(xt, sizeof xt, "f32[%lld,%lld", (long long)p->n, (long long)p->c);
	int m = snprintf(wt, sizeof wt, "f32[%lld,%lld", (long long)p->m,
			 (long long)(p->c / p->group));
	for (int d = 0; d < p->ns; d++) {
		n += snprintf(xt + n, sizeof xt - (size_t)n, ",%lld", (long long)p->in[d]);
		m += snprintf(wt + m, sizeof wt - (size_t)m, ",%lld", (long long)p->ker[d]);
		int64_t keff = (p->ker[d] - 1) * p->dil[d] + 1;
		out[d] = (p->in[d] + p->pads[d] + p->pads[d + p->ns] - keff) / p->stride[d] + 1;
	}
	snprintf(xt + n, sizeof xt - (size_t)n, "]");
	snprintf(wt + m, sizeof wt - (size_t)m, "]");
	snprintf(bt, sizeof bt, "f32[%lld]", (long long)p->m);
	uint32_t o;
	nx_graph *g = bias ? one_op(NX_OP_CONV, &o, 1, 3, xt, wt, bt)
			   : one_op(NX_OP_CONV, &o, 1, 2, xt, wt);
	nx_attr_set_i(g, o, "group", p->group);
	nx_attr_set_ints(g, o, "strides", p->stride, (uint32_t)p->ns);
	nx_attr_set_ints(g, o, "dilations", p->dil, (uint32_t)p->ns);
	nx_attr_set_ints(g, o, "pads", p->pads, (uint32_t)(2 * p->ns));
	if (p->act)
		nx_attr_set_s(g, o, "act", p->act);
	nx_tensor in[3] = {mk_rand(xt), mk_rand(wt), mk_rand(bt)};
	nx_run_result r;
	nx_err e;
	int rc = run(g, o, in, &r, &e);
	if (rc)
		fprintf(stderr, "  conv %s * %s: %s\n", xt, wt, e.msg);
	CHECK_EQ_INT(rc, 0);
	if (!rc) {
		int64_t total = nx_tensor_numel(&r.outputs[0]);
		float *want = malloc((size_t)total * sizeof *want);
		ref_conv(p, out, in[0].data, in[1].data, bias ? in[2].data : NULL, want);
		if (p->act)
			for (int64_t i = 0; i < total; i++)
				want[i] = want[i] > 0 ? want[i] : 0;
		double d = maxdiff(&r.outputs[0], want);
		if (d > 1e-4)
			fprintf(stderr, "  conv %s * %s: max diff %g\n", xt, wt, d);
		CHECK(d <= 1e-4);
		free(want);
		nx_run_result_free(&r);
	}
	free_all(in, 3);
	nx_graph_free(g);
}

static void test_conv(void)
{
	static const convp cases[] = {
		/* 1x1 straight to GEMM, big enough to split over the pool */
		{2, 1, 16, 24, 1, {40, 40}, {1, 1}, {1, 1}, {1, 1}, {0, 0, 0, 0}, NULL},
		/* 1x1 on a small image with many channels: split by channels */
		{2, 1, 64, 50, 1, {10, 10}, {1, 1}, {1, 1}, {1, 1}, {0, 0, 0, 0}, "relu"},
		{2, 1, 24, 200, 1, {10, 10}, {1, 1}, {1, 1}, {1, 1}, {0, 0, 0, 0}, "relu"},
		/* 3x3, pad 1: im2col */
		{2, 2, 5, 7, 1, {9, 11}, {3, 3}, {1, 1}, {1, 1}, {1, 1, 1, 1}, "relu"},
		/* groups, dilations, strides, asymmetric pads */
		{2, 1, 6, 4, 2, {13, 10}, {3, 2}, {2, 3}, {2, 1}, {0, 2, 1, 1}, NULL},
		/* depthwise 3x3, stride 2, and with a multiplier, and 5x5 dilated */
		{2, 1, 8, 8, 8, {17, 19}, {3, 3}, {2, 2}, {1, 1}, {1, 1, 1, 1}, NULL},
		{2, 2, 3, 6, 3, {8, 7}, {3, 3}, {1, 1}, {1, 1}, {1, 0, 2, 1}, NULL},
		{2, 1, 4, 4, 4, {20, 20}, {5, 5}, {1, 2}, {2, 1}, {2, 2, 2, 2}, NULL},
		/* depthwise with strides [2,1] and [1,2] as rec's, 3 with a
		 * multiplier and uneven pads, dilated and strided */
		{1, 1, 16, 16, 16, {12, 40}, {3, 3}, {2, 1}, {1, 1}, {1, 1, 1, 1}, "relu"},
		{1, 1, 16, 16, 16, {11, 37}, {5, 5}, {1, 2}, {1, 1}, {2, 2, 2, 2}, NULL},
		{2, 1, 3, 6, 3, {14, 29}, {3, 4}, {3, 3}, {1, 1}, {0, 1, 2, 0}, "relu"},
		{1, 1, 5, 5, 5, {19, 23}, {3, 3}, {2, 3}, {2, 2}, {2, 1, 0, 2}, NULL},
		/* 1x1 with stride: the im2col road */
		{2, 1, 4, 3, 1, {7, 7}, {1, 1}, {2, 2}, {1, 1}, {0, 0, 0, 0}, NULL},
		/* big 3x3: several im2col tiles per image, over the pool */
		{2, 1, 96, 24, 1, {40, 40}, {3, 3}, {1, 1}, {1, 1}, {1, 1, 1, 1}, NULL},
		/* 1-d and 3-d */
		{1, 2, 4, 6, 2, {15}, {3}, {2}, {2}, {1, 2}, NULL},
		{3, 1, 3, 4, 1, {5, 6, 4}, {2, 3, 2}, {1, 2, 1}, {2, 1, 1}, {1, 0, 1, 0, 1, 1}, NULL},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		check_conv(&cases[i], true);
		check_conv(&cases[i], false);
	}
}

static void test_conv_auto_pad(void)
{
	/* SAME_UPPER, kernel 3, stride 2, 4 -> 2: the one pad goes at the end
	 * (SAME_LOWER: at the start) */
	uint32_t o;
	nx_graph *g = one_op(NX_OP_CONV, &o, 1, 2, "f32[1,1,1,4]", "f32[1,1,1,3]");
	nx_attr_set_s(g, o, "auto_pad", "SAME_UPPER");
	nx_attr_set_ints(g, o, "strides", I64(1, 2));
	nx_tensor in[2] = {mk("f32[1,1,1,4]", W(1, 2, 3, 4)), mk("f32[1,1,1,3]", W(1, 10, 100))};
	expect(g, o, in, "f32[1,1,1,2]", W(321, 43), 0);
	nx_graph_free(g);
	g = one_op(NX_OP_CONV, &o, 1, 2, "f32[1,1,1,4]", "f32[1,1,1,3]");
	nx_attr_set_s(g, o, "auto_pad", "SAME_LOWER");
	nx_attr_set_ints(g, o, "strides", I64(1, 2));
	expect(g, o, in, "f32[1,1,1,2]", W(210, 432), 0);
	free_all(in, 2);
	nx_graph_free(g);
}

/* Naive 2-d conv_transpose: scatter every input through the kernel. */
static void ref_convt(int64_t n_, int64_t c, int64_t m, int64_t group, const int64_t *in,
		      const int64_t *ker, const int64_t *st, const int64_t *dil, const int64_t *pad,
		      const int64_t *out, const float *x, const float *w, const float *b, float *y)
{
	int64_t cg = c / group, mg = m / group;
	for (int64_t i = 0; i < n_ * m * out[0] * out[1]; i++)
		y[i] = b ? b[(i / (out[0] * out[1])) % m] : 0;
	for (int64_t n = 0; n < n_; n++)
		for (int64_t ci = 0; ci < c; ci++)
			for (int64_t iy = 0; iy < in[0]; iy++)
				for (int64_t ix = 0; ix < in[1]; ix++) {
					float v = x[((n * c + ci) * in[0] + iy) * in[1] + ix];
					int64_t gi = ci / cg;
					for (int64_t mm = 0; mm < mg; mm++)
						for (int64_t ky = 0; ky < ker[0]; ky++)
							for (int64_t kx = 0; kx < ker[1]; kx++) {
								int64_t oy = iy * st[0] - pad[0] + ky * dil[0];
								int64_t ox = ix * st[1] - pad[1] + kx * dil[1];
								if (oy < 0 || oy >= out[0] || ox < 0 ||
								    ox >= out[1])
									continue;
								int64_t om = gi * mg + mm;
								y[((n * m + om) * out[0] + oy) * out[1] + ox] +=
									v * w[((ci * mg + mm) * ker[0] + ky) *
										      ker[1] + kx];
							}
				}
}

static void test_conv_transpose(void)
{
	static const struct {
		int64_t n, c, m, group, in[2], ker[2], st[2], dil[2], pads[4], opad[2];
	} cases[] = {
		{1, 24, 24, 1, {20, 20}, {2, 2}, {2, 2}, {1, 1}, {0, 0, 0, 0}, {0, 0}},
		{1, 4, 1, 1, {9, 9}, {2, 2}, {2, 2}, {1, 1}, {0, 0, 0, 0}, {0, 0}},
		{2, 4, 6, 2, {5, 6}, {3, 3}, {2, 1}, {1, 2}, {1, 0, 0, 2}, {1, 0}},
		{1, 3, 2, 1, {4, 4}, {3, 3}, {1, 1}, {1, 1}, {1, 1, 1, 1}, {0, 0}},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int64_t out[2];
		for (int d = 0; d < 2; d++)
			out[d] = cases[i].st[d] * (cases[i].in[d] - 1) + cases[i].opad[d] +
				 (cases[i].ker[d] - 1) * cases[i].dil[d] + 1 - cases[i].pads[d] -
				 cases[i].pads[d + 2];
		char xt[64], wt[64], bt[32];
		snprintf(xt, sizeof xt, "f32[%lld,%lld,%lld,%lld]", (long long)cases[i].n,
			 (long long)cases[i].c, (long long)cases[i].in[0], (long long)cases[i].in[1]);
		snprintf(wt, sizeof wt, "f32[%lld,%lld,%lld,%lld]", (long long)cases[i].c,
			 (long long)(cases[i].m / cases[i].group), (long long)cases[i].ker[0],
			 (long long)cases[i].ker[1]);
		snprintf(bt, sizeof bt, "f32[%lld]", (long long)cases[i].m);
		uint32_t o;
		nx_graph *g = one_op(NX_OP_CONV_TRANSPOSE, &o, 1, 3, xt, wt, bt);
		nx_attr_set_i(g, o, "group", cases[i].group);
		nx_attr_set_ints(g, o, "strides", cases[i].st, 2);
		nx_attr_set_ints(g, o, "dilations", cases[i].dil, 2);
		nx_attr_set_ints(g, o, "pads", cases[i].pads, 4);
		nx_attr_set_ints(g, o, "output_padding", cases[i].opad, 2);
		nx_tensor in[3] = {mk_rand(xt), mk_rand(wt), mk_rand(bt)};
		nx_run_result r;
		nx_err e;
		int rc = run(g, o, in, &r, &e);
		if (rc)
			fprintf(stderr, "  conv_transpose %zu: %s\n", i, e.msg);
		CHECK_EQ_INT(rc, 0);
		if (!rc) {
			CHECK_EQ_INT(r.outputs[0].type.dims[2], out[0]);
			CHECK_EQ_INT(r.outputs[0].type.dims[3], out[1]);
			int64_t total = nx_tensor_numel(&r.outputs[0]);
			float *want = malloc((size_t)total * sizeof *want);
			ref_convt(cases[i].n, cases[i].c, cases[i].m, cases[i].group, cases[i].in,
				  cases[i].ker, cases[i].st, cases[i].dil, cases[i].pads, out,
				  in[0].data, in[1].data, in[2].data, want);
			double d = maxdiff(&r.outputs[0], want);
			if (d > 1e-4)
				fprintf(stderr, "  conv_transpose %zu: max diff %g\n", i, d);
			CHECK(d <= 1e-4);
			free(want);
			nx_run_result_free(&r);
		}
		free_all(in, 3);
		nx_graph_free(g);
	}
}

/* ---- matmul, gemm ------------------------------------------------------------------ */

static void test_matmul(void)
{
	static const struct {
		const char *a, *b, *y;
	} cases[] = {
		{"f32[3,4]", "f32[4,5]", "f32[3,5]"},
		{"f32[2,3,4]", "f32[4,5]", "f32[2,3,5]"},     /* folded into one GEMM */
		{"f32[2,1,3,4]", "f32[3,4,2]", "f32[2,3,3,2]"}, /* broadcast batches */
		{"f32[4]", "f32[2,4,3]", "f32[2,3]"},          /* 1-d A */
		{"f32[2,3,4]", "f32[4]", "f32[2,3]"},          /* 1-d B */
		{"f32[1,200,64]", "f32[1,64,100]", "f32[1,200,100]"}, /* row blocks */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		uint32_t o;
		nx_graph *g = one_op(NX_OP_MATMUL, &o, 1, 2, cases[i].a, cases[i].b);
		nx_tensor in[2] = {mk_rand(cases[i].a), mk_rand(cases[i].b)};
		nx_run_result r;
		nx_err e;
		int rc = run(g, o, in, &r, &e);
		if (rc)
			fprintf(stderr, "  matmul %s x %s: %s\n", cases[i].a, cases[i].b, e.msg);
		CHECK_EQ_INT(rc, 0);
		if (rc) {
			free_all(in, 2);
			nx_graph_free(g);
			continue;
		}
		char buf[64];
		nx_type_str(&r.outputs[0].type, buf, sizeof buf);
		CHECK_STR(buf, cases[i].y);
		/* naive numpy matmul */
		nx_type ta = in[0].type, tb = in[1].type, ty = r.outputs[0].type;
		int ra = ta.rank, rb = tb.rank;
		int64_t m = ra == 1 ? 1 : ta.dims[ra - 2], k = ta.dims[ra - 1];
		int64_t n = rb == 1 ? 1 : tb.dims[rb - 1];
		int64_t total = nx_tensor_numel(&r.outputs[0]);
		float *want = malloc((size_t)total * sizeof *want);
		int yb = ty.rank - (ra == 1 ? 0 : 1) - (rb == 1 ? 0 : 1); /* batch rank */
		for (int64_t q = 0; q < total; q++) {
			int64_t col = q % n, row = (q / n) % m, bi = q / (n * m);
			int64_t bidx[8], rem = bi;
			for (int d = yb - 1; d >= 0; d--) {
				bidx[d] = rem % ty.dims[d];
				rem /= ty.dims[d];
			}
			int64_t aoff = 0, boff = 0, s = m * k;
			for (int d = ra - 3, yd = yb - 1; d >= 0; d--, yd--) {
				aoff += (ta.dims[d] == 1 ? 0 : bidx[yd]) * s;
				s *= ta.dims[d];
			}
			s = k * n;
			for (int d = rb - 3, yd = yb - 1; d >= 0; d--, yd--) {
				boff += (tb.dims[d] == 1 ? 0 : bidx[yd]) * s;
				s *= tb.dims[d];
			}
			double acc = 0;
			for (int64_t j = 0; j < k; j++)
				acc += (double)((float *)in[0].data)[aoff + row * k + j] *
				       ((float *)in[1].data)[boff + j * n + col];
			want[q] = (float)acc;
		}
		CHECK(maxdiff(&r.outputs[0], want) < 1e-4);
		free(want);
		nx_run_result_free(&r);
		free_all(in, 2);
		nx_graph_free(g);
	}
}

static void test_gemm(void)
{
	uint32_t o;
	nx_graph *g = one_op(NX_OP_GEMM, &o, 1, 3, "f32[3,2]", "f32[4,3]", "f32[4]");
	nx_attr_set_i(g, o, "transA", 1);
	nx_attr_set_i(g, o, "transB", 1);
	nx_attr_set_f(g, o, "alpha", 2);
	nx_attr_set_f(g, o, "beta", 0.5f);
	nx_tensor in[3] = {mk_rand("f32[3,2]"), mk_rand("f32[4,3]"), mk_rand("f32[4]")};
	double want[8];
	const float *a = in[0].data, *b = in[1].data, *c = in[2].data;
	for (int i = 0; i < 2; i++)
		for (int j = 0; j < 4; j++) {
			double s = 0;
			for (int k = 0; k < 3; k++)
				s += (double)a[k * 2 + i] * b[j * 3 + k];
			want[i * 4 + j] = 2 * s + 0.5 * c[j];
		}
	expect(g, o, in, "f32[2,4]", want, 1e-5);
	free_all(in, 3);
	nx_graph_free(g);

	g = one_op(NX_OP_GEMM, &o, 1, 3, "f32[2,2]", "f32[2,2]", "f32[2,1]");
	nx_attr_set_s(g, o, "act", "relu");
	nx_tensor s[3] = {mk("f32[2,2]", W(1, 2, 3, 4)), mk("f32[2,2]", W(1, 0, 0, -1)),
			  mk("f32[2,1]", W(10, -10))};
	expect(g, o, s, "f32[2,2]", W(11, 8, 0, 0), 0);
	free_all(s, 3);
	nx_graph_free(g);
}

/* ---- int8 weights (quantize-int8's w_scale) ------------------------------------------ */

/* Each MAC kind with an i8 weight and w_scale must equal the same op on
 * the f32 weight Wq * scale[channel], the channel laid out as
 * quantize-int8 does. */
static void test_quantized(void)
{
	static const struct {
		int kind;
		const char *x, *w;
		int64_t nch, group;
		bool transb;
	} cases[] = {
		{NX_OP_CONV, "f32[1,4,5,5]", "i8[6,2,3,3]", 6, 2, false},
		{NX_OP_CONV_TRANSPOSE, "f32[1,4,3,3]", "i8[4,3,2,2]", 6, 2, false},
		{NX_OP_GEMM, "f32[2,5]", "i8[3,5]", 3, 1, true},
		{NX_OP_GEMM, "f32[2,5]", "i8[5,3]", 3, 1, false},
		{NX_OP_MATMUL, "f32[2,3,5]", "i8[5,4]", 4, 1, false},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char wf[64];
		snprintf(wf, sizeof wf, "f32%s", strchr(cases[i].w, '['));
		nx_tensor x = mk_rand(cases[i].x), q = mk_rand(cases[i].w), f = mk_rand(wf);
		float scale[8];
		for (int c = 0; c < cases[i].nch; c++)
			scale[c] = 0.01f * (float)(c + 1);
		int64_t n = nx_tensor_numel(&q);
		const nx_type *t = &q.type;
		for (int64_t e = 0; e < n; e++) {
			int8_t v = (int8_t)((e * 37) % 255 - 127);
			((int8_t *)q.data)[e] = v;
			int64_t c;
			if (cases[i].kind == NX_OP_CONV) {
				c = e / (n / t->dims[0]);
			} else if (cases[i].kind == NX_OP_CONV_TRANSPOSE) {
				int64_t per = n / (t->dims[0] * t->dims[1]);
				int64_t ci = e / (t->dims[1] * per), j = (e / per) % t->dims[1];
				c = ci / (t->dims[0] / cases[i].group) * t->dims[1] + j;
			} else {
				c = cases[i].transb ? e / t->dims[1] : e % t->dims[t->rank - 1];
			}
			((float *)f.data)[e] = v * scale[c];
		}
		nx_tensor outs[2];
		for (int quant = 0; quant < 2; quant++) {
			uint32_t o;
			nx_graph *g = one_op(cases[i].kind, &o, 1, 1, cases[i].x);
			nx_tensor *w = quant ? &q : &f;
			uint32_t wc = nx_const_new(g, "w", nx_blob_new_copy(&w->type, w->data), NULL);
			nx_op_set_operands(g, o, (uint32_t[]){g->inputs[0], wc}, 2);
			if (cases[i].group > 1)
				nx_attr_set_i(g, o, "group", cases[i].group);
			if (cases[i].transb)
				nx_attr_set_i(g, o, "transB", 1);
			if (quant)
				nx_attr_set_floats(g, o, "w_scale", scale, (uint32_t)cases[i].nch);
			nx_run_result r;
			nx_err e;
			int rc = run(g, o, &x, &r, &e);
			if (rc)
				fprintf(stderr, "  case %zu (%s): %s\n", i, quant ? "i8" : "f32", e.msg);
			CHECK_EQ_INT(rc, 0);
			outs[quant] = rc ? nx_tensor_alloc(&(nx_type){.dtype = NX_F32}) : r.outputs[0];
			if (!rc) {
				r.outputs[0].data = NULL;
				nx_run_result_free(&r);
			}
			nx_graph_free(g);
		}
		bool same = nx_tensor_numel(&outs[0]) == nx_tensor_numel(&outs[1]) &&
			    maxdiff(&outs[1], outs[0].data) == 0;
		if (!same)
			fprintf(stderr, "  case %zu: i8 result differs\n", i);
		CHECK(same);
		free_all(outs, 2);
		nx_tensor_free(&x);
		nx_tensor_free(&q);
		nx_tensor_free(&f);
	}
}

/* ---- pooling ------------------------------------------------------------------------ */

static void test_pool(void)
{
	uint32_t o;
	/* 4x4 max pool 3x3 stride 2, ceil_mode: 2x2 outputs, the last window
	 * hangs over the edge */
	nx_graph *g = one_op(NX_OP_MAX_POOL, &o, 1, 1, "f32[1,1,4,4]");
	nx_attr_set_ints(g, o, "kernel_shape", I64(3, 3));
	nx_attr_set_ints(g, o, "strides", I64(2, 2));
	nx_attr_set_i(g, o, "ceil_mode", 1);
	nx_tensor x = mk("f32[1,1,4,4]", NULL);
	expect(g, o, &x, "f32[1,1,2,2]", W(10, 11, 14, 15), 0);
	nx_graph_free(g);
	g = one_op(NX_OP_AVG_POOL, &o, 1, 1, "f32[1,1,4,4]");
	nx_attr_set_ints(g, o, "kernel_shape", I64(3, 3));
	nx_attr_set_ints(g, o, "strides", I64(2, 2));
	nx_attr_set_i(g, o, "ceil_mode", 1);
	/* windows: rows 0-2 x cols 0-2 -> mean 5; cols 2-3 -> (2+3+6+7+10+11)/6 */
	expect(g, o, &x, "f32[1,1,2,2]", W(5, 6.5, 11, 12.5), 1e-6);
	nx_graph_free(g);
	/* pads, with and without counting them */
	g = one_op(NX_OP_AVG_POOL, &o, 1, 1, "f32[1,1,4,4]");
	nx_attr_set_ints(g, o, "kernel_shape", I64(2, 2));
	nx_attr_set_ints(g, o, "strides", I64(2, 2));
	nx_attr_set_ints(g, o, "pads", I64(1, 1, 1, 1));
	expect(g, o, &x, "f32[1,1,3,3]", W(0, 1.5, 3, 6, 7.5, 9, 12, 13.5, 15), 1e-6);
	nx_graph_free(g);
	g = one_op(NX_OP_AVG_POOL, &o, 1, 1, "f32[1,1,4,4]");
	nx_attr_set_ints(g, o, "kernel_shape", I64(2, 2));
	nx_attr_set_ints(g, o, "strides", I64(2, 2));
	nx_attr_set_ints(g, o, "pads", I64(1, 1, 1, 1));
	nx_attr_set_i(g, o, "count_include_pad", 1);
	expect(g, o, &x, "f32[1,1,3,3]", W(0, 0.75, 0.75, 3, 7.5, 4.5, 3, 6.75, 3.75), 1e-6);
	nx_graph_free(g);
	/* dilated max pool with SAME_UPPER: pads 1 and 1, window {i-1, i+1} */
	g = one_op(NX_OP_MAX_POOL, &o, 1, 1, "f32[1,1,4,4]");
	nx_attr_set_ints(g, o, "kernel_shape", I64(2, 2));
	nx_attr_set_ints(g, o, "dilations", I64(2, 2));
	nx_attr_set_s(g, o, "auto_pad", "SAME_UPPER");
	expect(g, o, &x, "f32[1,1,4,4]", W(5, 6, 7, 6, 9, 10, 11, 10, 13, 14, 15, 14, 9, 10, 11,
					   10), 0);
	nx_graph_free(g);
	g = one_op(NX_OP_GLOBAL_AVG_POOL, &o, 1, 1, "f32[1,1,4,4]");
	expect(g, o, &x, "f32[1,1,1,1]", W(7.5), 1e-6);
	nx_graph_free(g);
	g = one_op(NX_OP_GLOBAL_MAX_POOL, &o, 1, 1, "f32[1,1,4,4]");
	expect(g, o, &x, "f32[1,1,1,1]", W(15), 0);
	nx_tensor_free(&x);
	nx_graph_free(g);

	/* 1-d max pool on u8 (widened to f32 and back, exact) */
	g = one_op(NX_OP_MAX_POOL, &o, 1, 1, "u8[1,1,5]");
	nx_attr_set_ints(g, o, "kernel_shape", I64(2));
	nx_tensor u = mk("u8[1,1,5]", W(3, 200, 7, 9, 255));
	expect(g, o, &u, "u8[1,1,4]", W(200, 200, 9, 255), 0);
	nx_tensor_free(&u);
	nx_graph_free(g);

	/* 3-d avg pool against the mean worked out by hand */
	g = one_op(NX_OP_AVG_POOL, &o, 1, 1, "f32[1,1,2,2,2]");
	nx_attr_set_ints(g, o, "kernel_shape", I64(2, 2, 2));
	nx_tensor v = mk("f32[1,1,2,2,2]", NULL);
	expect(g, o, &v, "f32[1,1,1,1,1]", W(3.5), 1e-6);
	nx_tensor_free(&v);
	nx_graph_free(g);
}

/* ---- the driver -------------------------------------------------------------------------- */

/* x -> relu -> add(relu, x) -> mul(add, add): in-place reuse must not
 * clobber a value that is still needed; keep returns every value. */
static void test_run_memory(void)
{
	for (int keep = 0; keep < 2; keep++) {
		nx_graph *g = nx_graph_new("m");
		nx_type t = T("f32[4]");
		uint32_t x = nx_value_new(g, "x", nx_type_intern(g, &t), NULL);
		nx_graph_add_input(g, x);
		uint32_t r = nx_op_new(g, NX_OP_RELU, &x, 1, 1, NULL, NX_NONE, NULL);
		uint32_t ain[2] = {nx_result(g, r, 0), x};
		uint32_t a = nx_op_new(g, NX_OP_ADD, ain, 2, 1, NULL, NX_NONE, NULL);
		uint32_t min[2] = {nx_result(g, a, 0), nx_result(g, a, 0)};
		uint32_t m = nx_op_new(g, NX_OP_MUL, min, 2, 1, NULL, NX_NONE, NULL);
		uint32_t rs = nx_op_new(g, NX_OP_RESHAPE, (uint32_t[]){nx_result(g, m, 0)}, 1, 1,
					NULL, NX_NONE, NULL);
		nx_attr_set_ints(g, rs, "shape", I64(2, 2));
		nx_err e;
		CHECK_EQ_INT(nx_infer_graph(g, &e), 0);
		nx_graph_add_output(g, nx_result(g, rs, 0));
		nx_graph_add_output(g, nx_result(g, r, 0));
		nx_tensor in = mk("f32[4]", W(-1, 2, -3, 4));
		nx_run_result res;
		nx_run_opts o = {.threads = 2, .keep = keep != 0};
		CHECK_EQ_INT(nx_run(g, &in, 1, &o, &res, &e), 0);
		float w0[] = {1, 16, 9, 64}, w1[] = {0, 2, 0, 4};
		CHECK(maxdiff(&res.outputs[0], w0) == 0);
		CHECK(maxdiff(&res.outputs[1], w1) == 0);
		CHECK_EQ_INT(res.outputs[0].type.rank, 2);
		/* the caller's input is never written */
		CHECK(((float *)in.data)[0] == -1);
		if (keep) {
			CHECK(res.values != NULL);
			float wa[] = {-1, 4, -3, 8};
			CHECK(maxdiff(&res.values[nx_result(g, a, 0)], wa) == 0);
			CHECK(maxdiff(&res.values[x], (float[]){-1, 2, -3, 4}) == 0);
		} else {
			CHECK(res.values == NULL);
		}
		nx_run_result_free(&res);
		nx_tensor_free(&in);
		nx_graph_free(g);
	}
}

static void test_run_errors(void)
{
	uint32_t o;
	nx_graph *g = one_op(NX_OP_RELU, &o, 1, 1, "f32[2]");
	nx_tensor wrong = mk("f32[3]", NULL);
	nx_run_result r;
	nx_err e;
	CHECK_EQ_INT(run(g, o, &wrong, &r, &e), -1);
	CHECK_CONTAINS(e.msg, "input %x0 is f32[2], the tensor given is f32[3]");
	nx_tensor_free(&wrong);
	nx_graph_free(g);

	g = one_op(NX_OP_OPAQUE, &o, 1, 1, "f32[2]");
	nx_attr_set_s(g, o, "op_type", "Acos");
	nx_value_set_type(g, nx_result(g, o, 0), &(nx_type){.dtype = NX_F32, .rank = 1,
							     .dims = {2}});
	nx_graph_add_output(g, nx_result(g, o, 0));
	nx_tensor x = mk("f32[2]", NULL);
	nx_run_opts opts = {.threads = 1};
	CHECK_EQ_INT(nx_run(g, &x, 1, &opts, &r, &e), -1);
	CHECK_CONTAINS(e.msg, "opaque op 'Acos'");
	nx_tensor_free(&x);
	nx_graph_free(g);
}

/* nx_eval_op on constants, as constant folding calls it. */
static void test_eval_op(void)
{
	nx_graph *g = nx_graph_new("f");
	nx_type t = T("i64[3]");
	int64_t d[3] = {1, 2, 3};
	uint32_t c = nx_const_new(g, "c", nx_blob_new_copy(&t, d), NULL);
	uint32_t ins[2] = {c, c};
	uint32_t o = nx_op_new(g, NX_OP_MUL, ins, 2, 1, NULL, NX_NONE, NULL);
	nx_err e;
	CHECK_EQ_INT(nx_infer_op(g, o, &e), 0);
	nx_tensor in[2] = {{t, d}, {t, d}};
	nx_tensor out;
	CHECK_EQ_INT(nx_eval_op(g, o, in, &out, &e), 0);
	CHECK(((int64_t *)out.data)[2] == 9);
	CHECK(d[2] == 3);
	nx_tensor_free(&out);
	nx_graph_free(g);
}

static void test_tensor_files(void)
{
	char dir[] = "/tmp/nex-test-interp-XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	static const char *types[] = {"f32[2,3]", "f16[4]", "bf16[2]", "i8[3]", "u8[1]", "i32[2,2]",
				      "i64[3]", "bool[2]", "f32[]"};
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
		for (int npy = 0; npy < 2; npy++) {
			if (npy && !strncmp(types[i], "bf16", 4))
				continue;
			char path[128];
			snprintf(path, sizeof path, "%s/t%zu.%s", dir, i, npy ? "npy" : "pb");
			nx_tensor t = mk_rand(types[i]), back;
			nx_err e;
			char *name = NULL;
			CHECK_EQ_INT(nx_tensor_write(path, &t, "x", &e), 0);
			CHECK_EQ_INT(nx_tensor_read(path, &back, &name, &e), 0);
			CHECK(nx_type_eq(&t.type, &back.type));
			CHECK(!memcmp(t.data, back.data, nx_tensor_nbytes(&t)));
			if (!npy)
				CHECK_STR(name, "x");
			free(name);
			nx_tensor_free(&t);
			nx_tensor_free(&back);
			unlink(path);
		}
	char path[128];
	snprintf(path, sizeof path, "%s/bf.npy", dir);
	nx_tensor b = mk("bf16[1]", NULL);
	nx_err e;
	CHECK_EQ_INT(nx_tensor_write(path, &b, NULL, &e), -1);
	CHECK_CONTAINS(e.msg, "bf16 has no .npy dtype");
	nx_tensor_free(&b);
	snprintf(path, sizeof path, "%s/junk.pb", dir);
	CHECK_EQ_INT(nx_write_file_atomic(path, "\xff\xff\xff", 3, &e), 0);
	nx_tensor j;
	CHECK_EQ_INT(nx_tensor_read(path, &j, NULL, &e), -1);
	CHECK_CONTAINS(e.msg, "junk.pb: not a serialized ONNX TensorProto");
	unlink(path);
	rmdir(dir);
}

/* Every registry kind has a kernel: run each on a tiny case, accepting only
 * success or opaque's refusal. Kinds needing attributes get them. */
static void test_every_kind(void)
{
	for (int kind = 0; kind < NX_OP_COUNT; kind++) {
		if (kind == NX_OP_OPAQUE)
			continue;
		const nx_opinfo *info = &nx_ops[kind];
		uint32_t o;
		nx_graph *g;
		bool mac = info->flags & (NX_F_MAC | NX_F_POOL);
		if (kind == NX_OP_GATHER)
			g = one_op(kind, &o, 1, 2, "f32[1,2,2,2]", "i64[1]");
		else if (kind == NX_OP_BATCH_NORM)
			g = one_op(kind, &o, 1, 5, "f32[1,2,2,2]", "f32[2]", "f32[2]", "f32[2]",
				   "f32[2]");
		else if (kind == NX_OP_LAYER_NORM)
			g = one_op(kind, &o, 1, 2, "f32[1,2,2,2]", "f32[2]");
		else if (kind == NX_OP_MATMUL || kind == NX_OP_GEMM)
			g = one_op(kind, &o, 1, 2, "f32[2,2]", "f32[2,2]");
		else if (kind == NX_OP_CONV || kind == NX_OP_CONV_TRANSPOSE)
			g = one_op(kind, &o, 1, 2, "f32[1,2,2,2]", "f32[2,2,1,1]");
		else if (kind == NX_OP_AND || kind == NX_OP_OR || kind == NX_OP_XOR)
			g = one_op(kind, &o, 1, 2, "bool[1,2,2,2]", "bool[2,1]");
		else if (kind == NX_OP_NOT)
			g = one_op(kind, &o, 1, 1, "bool[1,2,2,2]");
		else if (kind == NX_OP_WHERE)
			g = one_op(kind, &o, 1, 3, "bool[2,1]", "f32[1,2,2,2]", "f32[2]");
		else if (kind == NX_OP_BIT_SHIFT)
			g = one_op(kind, &o, 1, 2, "u8[1,2,2,2]", "u8[1,2,2,2]");
		else if (kind == NX_OP_MOD)
			g = one_op(kind, &o, 1, 2, "i32[1,2,2,2]", "i32[1,2,2,2]");
		else if (kind == NX_OP_GATHER_ELEMENTS)
			g = one_op(kind, &o, 1, 2, "f32[1,2,2,2]", "i64[1,2,2,2]");
		else if (kind == NX_OP_GATHER_ND)
			g = one_op(kind, &o, 1, 2, "f32[1,2,2,2]", "i64[3,2]");
		else if (kind == NX_OP_SCATTER_ELEMENTS)
			g = one_op(kind, &o, 1, 3, "f32[1,2,2,2]", "i64[1,2,2,2]", "f32[1,2,2,2]");
		else if (kind == NX_OP_SCATTER_ND)
			g = one_op(kind, &o, 1, 3, "f32[1,2,2,2]", "i64[3,2]", "f32[3,2,2]");
		else if (kind == NX_OP_ONE_HOT)
			g = one_op(kind, &o, 1, 2, "i64[1,2,2,2]", "f32[2]");
		else if (kind == NX_OP_EYE_LIKE)
			g = one_op(kind, &o, 1, 1, "f32[3,4]");
		else if (kind == NX_OP_QUANTIZE_LINEAR)
			g = one_op(kind, &o, 1, 2, "f32[1,2,2,2]", "f32[2]");
		else if (kind == NX_OP_DEQUANTIZE_LINEAR)
			g = one_op(kind, &o, 1, 3, "u8[1,2,2,2]", "f32[1]", "u8[1]");
		else if (kind == NX_OP_REVERSE_SEQUENCE)
			g = one_op(kind, &o, 1, 2, "f32[2,2,2]", "i64[2]");
		else if (kind == NX_OP_RANGE)
			g = one_op(kind, &o, 1, 3, "f32[]", "f32[]", "f32[]");
		else if (kind == NX_OP_INSTANCE_NORM)
			g = one_op(kind, &o, 1, 3, "f32[1,2,2,2]", "f32[2]", "f32[2]");
		else if (kind == NX_OP_NLL_LOSS || kind == NX_OP_SCE_LOSS)
			g = one_op(kind, &o, 1, 3, "f32[2,3,2]", "i64[2,2]", "f32[3]");
		else if (kind == NX_OP_MATMUL_INTEGER)
			g = one_op(kind, &o, 1, 4, "u8[2,2,3]", "u8[3,2]", "u8[1]", "u8[1]");
		else if (kind == NX_OP_QLINEAR_MATMUL)
			g = one_op(kind, &o, 1, 8, "i8[2,3]", "f32[1]", "i8[1]", "u8[2,3,2]", "f32[1]",
				   "u8[1]", "f32[1]", "u8[1]");
		else if (kind == NX_OP_CONV_INTEGER)
			g = one_op(kind, &o, 1, 4, "u8[1,2,2,2]", "u8[2,2,1,1]", "u8[1]", "u8[2]");
		else if (kind == NX_OP_QLINEAR_CONV)
			g = one_op(kind, &o, 1, 9, "u8[1,2,2,2]", "f32[1]", "u8[1]", "i8[2,2,1,1]",
				   "f32[2]", "i8[2]", "f32[1]", "u8[1]", "i32[2]");
		else if (kind == NX_OP_LSTM)
			g = one_op(kind, &o, 3, 3, "f32[2,1,3]", "f32[1,8,3]", "f32[1,8,2]");
		else if (kind == NX_OP_GRU)
			g = one_op(kind, &o, 2, 3, "f32[2,1,3]", "f32[1,6,3]", "f32[1,6,2]");
		else if (kind == NX_OP_RNN)
			g = one_op(kind, &o, 2, 3, "f32[2,1,3]", "f32[1,2,3]", "f32[1,2,2]");
		else if (kind == NX_OP_HANN_WINDOW || kind == NX_OP_HAMMING_WINDOW ||
			 kind == NX_OP_BLACKMAN_WINDOW)
			g = one_op(kind, &o, 1, 1, "i64[]");
		else if (kind == NX_OP_STFT)
			g = one_op(kind, &o, 1, 1, "f32[1,8,1]");
		else if (kind == NX_OP_CONSTANT_OF_SHAPE)
			g = one_op(kind, &o, 1, 1, "i64[2]");
		else if (kind == NX_OP_MAX_UNPOOL)
			g = one_op(kind, &o, 1, 2, "f32[1,2,2,2]", "i64[1,2,2,2]");
		else if (kind == NX_OP_ROI_ALIGN)
			g = one_op(kind, &o, 1, 3, "f32[1,2,2,2]", "f32[1,4]", "i64[1]");
		else if (kind == NX_OP_TF_IDF_VECTORIZER)
			g = one_op(kind, &o, 1, 1, "i64[2,3]");
		else if (kind == NX_OP_MEL_WEIGHT_MATRIX)
			g = one_op(kind, &o, 1, 5, "i64[]", "i64[]", "i64[]", "f32[]", "f32[]");
		else if (info->in_min == 2)
			g = one_op(kind, &o, 1, 2, "f32[1,2,2,2]", "f32[1,2,2,2]");
		else
			g = one_op(kind, &o, kind == NX_OP_SPLIT || kind == NX_OP_TOP_K ||
					     kind == NX_OP_MAX_POOL_ARGMAX ? 2
					     : kind == NX_OP_DYNAMIC_QUANTIZE_LINEAR ? 3 : 1, 1,
				   "f32[1,2,2,2]");
		switch (kind) {
		case NX_OP_RESHAPE: nx_attr_set_ints(g, o, "shape", I64(8)); break;
		case NX_OP_UNSQUEEZE: nx_attr_set_ints(g, o, "axes", I64(0)); break;
		case NX_OP_CONCAT: nx_attr_set_i(g, o, "axis", 1); break;
		case NX_OP_SPLIT: nx_attr_set_i(g, o, "axis", 1); break;
		case NX_OP_SLICE:
			nx_attr_set_ints(g, o, "starts", I64(0));
			nx_attr_set_ints(g, o, "ends", I64(1));
			break;
		case NX_OP_PAD: nx_attr_set_ints(g, o, "pads", I64(0, 0, 0, 1, 0, 0, 0, 1)); break;
		case NX_OP_CAST: nx_attr_set_s(g, o, "to", "f16"); break;
		case NX_OP_EXPAND: nx_attr_set_ints(g, o, "shape", I64(2, 1, 1, 1, 1)); break;
		case NX_OP_RESIZE: nx_attr_set_floats(g, o, "scales", F32(1, 1, 2, 2)); break;
		case NX_OP_BIT_SHIFT: nx_attr_set_s(g, o, "direction", "LEFT"); break;
		case NX_OP_CUM_SUM: nx_attr_set_i(g, o, "axis", 1); break;
		case NX_OP_TOP_K: nx_attr_set_i(g, o, "k", 2); break;
		case NX_OP_TILE: nx_attr_set_ints(g, o, "repeats", I64(1, 2, 1, 3)); break;
		case NX_OP_DEPTH_TO_SPACE:
		case NX_OP_SPACE_TO_DEPTH: nx_attr_set_i(g, o, "blocksize", 1); break;
		case NX_OP_ONE_HOT: nx_attr_set_i(g, o, "depth", 3); break;
		case NX_OP_LRN: nx_attr_set_i(g, o, "size", 3); break;
		case NX_OP_MAX_UNPOOL:
		case NX_OP_MAX_POOL_ARGMAX: nx_attr_set_ints(g, o, "kernel_shape", I64(2, 2)); break;
		case NX_OP_TF_IDF_VECTORIZER:
			nx_attr_set_s(g, o, "mode", "TF");
			nx_attr_set_i(g, o, "min_gram_length", 1);
			nx_attr_set_i(g, o, "max_gram_length", 1);
			nx_attr_set_i(g, o, "max_skip_count", 0);
			nx_attr_set_ints(g, o, "ngram_counts", I64(0));
			nx_attr_set_ints(g, o, "ngram_indexes", I64(0, 1));
			nx_attr_set_ints(g, o, "pool_int64s", I64(0, 1));
			break;
		case NX_OP_STFT: nx_attr_set_i(g, o, "frame_step", 2);
			nx_attr_set_i(g, o, "frame_length", 4);
			break;
		default: break;
		}
		if (mac && info->flags & NX_F_POOL && kind != NX_OP_GLOBAL_AVG_POOL &&
		    kind != NX_OP_GLOBAL_MAX_POOL)
			nx_attr_set_ints(g, o, "kernel_shape", I64(2, 2));
		nx_tensor in[9]; /* qlinear_conv has 9 operands */
		for (uint32_t i = 0; i < g->n_inputs; i++) {
			in[i] = nx_tensor_alloc(nx_vtype(g, g->inputs[i]));
			for (int64_t q = 0; q < nx_tensor_numel(&in[i]); q++)
				nx_tensor_set(&in[i], q, in[i].type.dtype == NX_I64 ? 0
							 : in[i].type.dtype == NX_F32 ? 0.5 + q
							 : 1 + q % 3);
		}
		if (kind == NX_OP_HANN_WINDOW || kind == NX_OP_HAMMING_WINDOW ||
		    kind == NX_OP_BLACKMAN_WINDOW) {
			/* a run-time size of 4, declared */
			nx_tensor_set_int(&in[0], 0, 4);
			nx_type t = nx_type_make(NX_F32, 1, (int64_t[]){4});
			nx_value_set_type(g, nx_result(g, o, 0), &t);
		}
		if (kind == NX_OP_CONSTANT_OF_SHAPE) {
			nx_tensor_set_int(&in[0], 0, 2);
			nx_tensor_set_int(&in[0], 1, 3);
			nx_type t = nx_type_make(NX_F32, 2, (int64_t[]){2, 3});
			nx_value_set_type(g, nx_result(g, o, 0), &t);
		}
		if (kind == NX_OP_MEL_WEIGHT_MATRIX) {
			/* ONNX's node test: 8 bands, 16-point DFT, 8192 Hz, 0 to
			 * 4096 Hz, the [9, 8] result declared */
			const double v[5] = {8, 16, 8192, 0, 4096};
			for (int i = 0; i < 5; i++)
				nx_tensor_set(&in[i], 0, v[i]);
			nx_type t = nx_type_make(NX_F32, 2, (int64_t[]){9, 8});
			nx_value_set_type(g, nx_result(g, o, 0), &t);
		}
		if (kind == NX_OP_RANGE) {
			/* 0.5 to 2.5 by 0.5: a run-time length, declared */
			nx_tensor_set(&in[1], 0, 2.5);
			nx_type t = nx_type_make(NX_F32, 1, (int64_t[]){4});
			nx_value_set_type(g, nx_result(g, o, 0), &t);
		}
		nx_run_result r;
		nx_err e;
		int rc = run(g, o, in, &r, &e);
		if (rc)
			fprintf(stderr, "  %s: %s\n", info->name, e.msg);
		CHECK_EQ_INT(rc, 0);
		if (!rc)
			nx_run_result_free(&r);
		free_all(in, (int)g->n_inputs);
		nx_graph_free(g);
	}
}

static const check_case cases[] = {
	{"binary_bcast", test_binary_bcast},
	{"int_ops", test_int_ops},
	{"minmax", test_minmax},
	{"unary", test_unary},
	{"fused_act", test_fused_act},
	{"cast", test_cast},
	{"half_emulation", test_half_emulation},
	{"views_and_transpose", test_views_and_transpose},
	{"concat_split", test_concat_split},
	{"slice_gather", test_slice_gather},
	{"pad_shape_expand", test_pad_shape_expand},
	{"resize", test_resize},
	{"reduce", test_reduce},
	{"softmax_norms", test_softmax_norms},
	{"conv", test_conv},
	{"conv_auto_pad", test_conv_auto_pad},
	{"conv_transpose", test_conv_transpose},
	{"matmul", test_matmul},
	{"gemm", test_gemm},
	{"quantized", test_quantized},
	{"pool", test_pool},
	{"run_memory", test_run_memory},
	{"run_errors", test_run_errors},
	{"eval_op", test_eval_op},
	{"tensor_files", test_tensor_files},
	{"every_kind", test_every_kind},
	{NULL, NULL},
};

int main(int argc, char **argv)
{
	return check_main(cases, argc, argv);
}
