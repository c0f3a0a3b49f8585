/* test_dtypes.c — the dtypes ONNX models bring beyond nex's first eight
 * (f64, u16, u32, u64, i16): exact round trips through the text and JSON
 * forms and through ONNX export and import; f64 kernels computing in double
 * (a sum f32 cannot hold); u64 past INT64_MAX in max, div and mod; i16
 * wrapping; --f64-as-f32 narrowing with its count in the warning; the NE
 * model sending f64 and u32 ops to the CPU; a graph of the new dtypes
 * through the default pipeline with the numeric check after every step.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "ops_fixture.h"
#include "nxw.h"

static const char wide_text[] =
	"graph @wide(%a: f64[3], %u: u64[2], %s: i16[2]) -> (%y: f64[3], %m: u64[2], %d: u64[2], "
	"%r: u64[2], %w: i16[2], %c: u32[3], %h: u16[2]) {\n"
	"  %k = const f64[3] dense[1e-17, 0.1, -3.0000000000000004]\n"
	"  %big = const u64[2] dense[18446744073709551615, 9223372036854775808]\n"
	"  %two = const u64[2] dense[2, 7]\n"
	"  %one = const i16[2] dense[1, -32768]\n"
	"  %h = const u16[2] dense[0, 65535]\n"
	"  %y = add(%a, %k) : f64[3]\n"
	"  %m = max(%u, %big) : u64[2]\n"
	"  %d = div(%big, %two) : u64[2]\n"
	"  %r = mod(%big, %two) : u64[2]\n"
	"  %w = add(%s, %one) : i16[2]\n"
	"  %c = cast(%y) {to=\"u32\"} : u32[3]\n"
	"  return %y, %m, %d, %r, %w, %c, %h\n"
	"}\n";

static nx_graph *parse(const char *text)
{
	nx_err e;
	nx_graph *g = nx_parse(text, strlen(text), "wide.nex", NULL, &e);
	if (!g)
		fprintf(stderr, "parse: %s\n", e.msg);
	return g;
}

static void text_round_trip(void)
{
	nx_graph *g = parse(wide_text);
	CHECK(g != NULL);
	if (!g)
		return;
	char *p1 = nx_print_str(g, NULL, NULL);
	/* u64 past INT64_MAX and f64 digits f32 cannot hold print as written */
	CHECK_CONTAINS(p1, "dense[18446744073709551615, 9223372036854775808]");
	CHECK_CONTAINS(p1, "dense[1e-17, 0.1, -3.0000000000000004]");
	CHECK_CONTAINS(p1, "dense[1, -32768]");
	CHECK_CONTAINS(p1, "dense[0, 65535]");
	nx_graph *g2 = parse(p1);
	CHECK(g2 != NULL);
	if (g2) {
		char *p2 = nx_print_str(g2, NULL, NULL);
		CHECK_STR(p2, p1);
		free(p2);
		nx_graph_free(g2);
	}
	free(p1);
	nx_graph_free(g);
}

static void text_range_errors(void)
{
	nx_err e;
	const char *bad[] = {
		"graph @b() -> (%x: i16[1]) {\n  %x = const i16[1] dense[32768]\n  return %x\n}\n",
		"graph @b() -> (%x: u16[1]) {\n  %x = const u16[1] dense[-1]\n  return %x\n}\n",
		"graph @b() -> (%x: u32[1]) {\n  %x = const u32[1] dense[4294967296]\n  return %x\n}\n",
		"graph @b() -> (%x: u64[1]) {\n  %x = const u64[1] dense[18446744073709551616]\n"
		"  return %x\n}\n",
		"graph @b() -> (%x: f64[1]) {\n  %x = const f64[1] dense[1e400]\n  return %x\n}\n",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		nx_graph *g = nx_parse(bad[i], strlen(bad[i]), "b.nex", NULL, &e);
		CHECK(g == NULL);
		if (g)
			nx_graph_free(g);
		else
			CHECK_CONTAINS(e.msg, "out of range");
	}
}

static void json_round_trip(void)
{
	nx_graph *g = parse(wide_text);
	CHECK(g != NULL);
	if (!g)
		return;
	char *j1 = nx_json_print(g, NULL);
	CHECK_CONTAINS(j1, "\"f64\"");
	CHECK_CONTAINS(j1, "18446744073709551615");
	nx_err e;
	nx_graph *g2 = nx_json_parse(j1, strlen(j1), "wide.json", NULL, &e);
	if (!g2)
		fprintf(stderr, "json: %s\n", e.msg);
	CHECK(g2 != NULL);
	if (g2) {
		char *t1 = nx_print_str(g, NULL, NULL), *t2 = nx_print_str(g2, NULL, NULL);
		CHECK_STR(t2, t1);
		free(t1);
		free(t2);
		nx_graph_free(g2);
	}
	free(j1);
	nx_graph_free(g);
}

/* Runs wide_text on fixed inputs; res holds the outputs in order. */
static int run_wide(nx_graph *g, nx_run_result *res)
{
	nx_type ta = nx_type_make(NX_F64, 1, (int64_t[]){3});
	nx_type tu = nx_type_make(NX_U64, 1, (int64_t[]){2});
	nx_type ts = nx_type_make(NX_I16, 1, (int64_t[]){2});
	nx_tensor in[3] = {nx_tensor_alloc(&ta), nx_tensor_alloc(&tu), nx_tensor_alloc(&ts)};
	double *a = in[0].data;
	a[0] = 1;
	a[1] = 0.2;
	a[2] = 4e9;
	uint64_t *u = in[1].data;
	u[0] = 5;
	u[1] = UINT64_MAX - 1;
	int16_t *s = in[2].data;
	s[0] = INT16_MAX;
	s[1] = -1;
	nx_run_opts o = {.threads = 1};
	nx_err e;
	int rc = nx_run(g, in, 3, &o, res, &e);
	if (rc)
		fprintf(stderr, "run: %s\n", e.msg);
	for (int i = 0; i < 3; i++)
		nx_tensor_free(&in[i]);
	return rc;
}

static void kernels(void)
{
	nx_graph *g = parse(wide_text);
	CHECK(g != NULL);
	if (!g)
		return;
	nx_run_result r;
	CHECK_EQ_INT(run_wide(g, &r), 0);
	CHECK_EQ_INT(r.n_outputs, 7);
	if (r.n_outputs == 7) {
		/* f64 add in double: 1 + 1e-17 is 1 in double, 0.2 + 0.1 is
		 * 0.30000000000000004, which no f32 computation gives */
		const double *y = r.outputs[0].data;
		CHECK_EQ_INT(r.outputs[0].type.dtype, NX_F64);
		CHECK(y[0] == 1.0 + 1e-17);
		CHECK(y[1] == 0.2 + 0.1);
		CHECK(y[2] == 4e9 + -3.0000000000000004);
		const uint64_t *m = r.outputs[1].data, *d = r.outputs[2].data,
			       *md = r.outputs[3].data;
		CHECK(m[0] == UINT64_MAX);                  /* max(5, 2^64-1) */
		CHECK(m[1] == UINT64_MAX - 1);              /* max(2^64-2, 2^63) */
		CHECK(d[0] == UINT64_MAX / 2);
		CHECK(d[1] == (1ull << 63) / 7);
		CHECK(md[0] == 1);
		CHECK(md[1] == (1ull << 63) % 7);
		const int16_t *w = r.outputs[4].data;
		CHECK_EQ_INT(w[0], INT16_MIN);              /* 32767 + 1 wraps */
		CHECK_EQ_INT(w[1], INT16_MAX);              /* -1 + -32768 wraps */
		const uint32_t *c = r.outputs[5].data;
		CHECK_EQ_INT(c[0], 1);
		CHECK_EQ_INT(c[2], 3999999997u);            /* past INT32_MAX; 4e9 - 3 rounds so */
		nx_run_result_free(&r);
	}
	nx_graph_free(g);
}

static void onnx_round_trip(void)
{
	nx_graph *g = parse(wide_text);
	CHECK(g != NULL);
	if (!g)
		return;
	nx_err e;
	size_t len;
	void *buf = nx_onnx_export_mem(g, &len, &e);
	CHECK(buf != NULL);
	if (!buf) {
		fprintf(stderr, "export: %s\n", e.msg);
		nx_graph_free(g);
		return;
	}
	nx_graph *g2 = nx_onnx_import_mem(buf, len, "wide.onnx", NULL, NULL, &e);
	if (!g2)
		fprintf(stderr, "import: %s\n", e.msg);
	CHECK(g2 != NULL);
	if (g2) {
		nx_run_result a, b;
		CHECK_EQ_INT(run_wide(g, &a), 0);
		CHECK_EQ_INT(run_wide(g2, &b), 0);
		CHECK_EQ_INT(a.n_outputs, b.n_outputs);
		for (uint32_t i = 0; i < a.n_outputs && i < b.n_outputs; i++) {
			CHECK_EQ_INT(a.outputs[i].type.dtype, b.outputs[i].type.dtype);
			CHECK(!memcmp(a.outputs[i].data, b.outputs[i].data,
				      nx_tensor_nbytes(&a.outputs[i])));
		}
		nx_run_result_free(&a);
		nx_run_result_free(&b);
		nx_graph_free(g2);
	}
	free(buf);
	nx_graph_free(g);
}

static void warn_keep(void *ctx, const char *msg)
{
	snprintf(ctx, 256, "%s", msg);
}

/* --f64-as-f32: the f64 input, output and constant become f32. */
static void f64_as_f32(void)
{
	static const char text[] =
		"graph @d(%a: f64[2]) -> (%y: f64[2]) {\n"
		"  %k = const f64[2] dense[0.5, 0.25]\n"
		"  %y = mul(%a, %k) : f64[2]\n"
		"  return %y\n"
		"}\n";
	nx_graph *g = parse(text);
	CHECK(g != NULL);
	if (!g)
		return;
	nx_err e;
	size_t len;
	void *buf = nx_onnx_export_mem(g, &len, &e);
	CHECK(buf != NULL);
	char warned[256] = "";
	nx_onnx_opts o = {0};
	o.f64_as_f32 = true;
	o.warn = warn_keep;
	o.warn_ctx = warned;
	nx_graph *g2 = buf ? nx_onnx_import_mem(buf, len, "d.onnx", NULL, &o, &e) : NULL;
	CHECK(g2 != NULL);
	if (g2) {
		CHECK_EQ_INT(nx_vtype(g2, g2->inputs[0])->dtype, NX_F32);
		CHECK_EQ_INT(nx_vtype(g2, g2->outputs[0])->dtype, NX_F32);
		CHECK_CONTAINS(warned, "--f64-as-f32: 3 f64 tensors");
		nx_graph_free(g2);
	}
	/* without the option the model stays f64 */
	nx_graph *g3 = buf ? nx_onnx_import_mem(buf, len, "d.onnx", NULL, NULL, &e) : NULL;
	CHECK(g3 != NULL);
	if (g3) {
		CHECK_EQ_INT(nx_vtype(g3, g3->inputs[0])->dtype, NX_F64);
		nx_graph_free(g3);
	}
	free(buf);
	nx_graph_free(g);
}

/* A session opened with --f64-as-f32 records it, and replays the model as
 * f32 (a replay in f64 would differ from every saved hash). */
static void session_f64_as_f32(void)
{
	static const char text[] =
		"graph @d(%a: f64[2]) -> (%y: f64[2]) {\n"
		"  %k = const f64[2] dense[0.5, 0.25]\n"
		"  %y = mul(%a, %k) : f64[2]\n"
		"  return %y\n"
		"}\n";
	char dir[] = "/tmp/nex_dtypes_XXXXXX", model[64], sess[64];
	CHECK(mkdtemp(dir) != NULL);
	snprintf(model, sizeof model, "%s/d.onnx", dir);
	snprintf(sess, sizeof sess, "%s/d.nex.json", dir);
	nx_graph *g = parse(text);
	nx_err e;
	CHECK(g && nx_onnx_export(g, model, &e) == 0);
	if (g)
		nx_graph_free(g);
	nxw_source src = {0};
	src.model = model;
	src.f64_as_f32 = true;
	nxw_session *s = nxw_open(&src, "default", &e);
	if (!s)
		fprintf(stderr, "open: %s\n", e.msg);
	CHECK(s != NULL);
	if (!s)
		return;
	CHECK_EQ_INT(nx_vtype(s->steps[0].snap, s->steps[0].snap->inputs[0])->dtype, NX_F32);
	CHECK_EQ_INT(nxw_apply_all(s, -1, &e), 0);
	CHECK_EQ_INT(nxw_save(s, sess, &e), 0);
	nxw_session_free(s);
	nxw_load_report rep = {0};
	nxw_session *t = nxw_load(sess, NULL, &rep, &e);
	if (!t)
		fprintf(stderr, "load: %s\n", e.msg);
	CHECK(t != NULL);
	if (t) {
		CHECK(t->src.f64_as_f32);
		CHECK_EQ_INT(rep.n, 0); /* every step's hash matches */
		CHECK_EQ_INT(nx_vtype(t->steps[0].snap, t->steps[0].snap->inputs[0])->dtype,
			     NX_F32);
		free(rep.m);
		nxw_session_free(t);
	}
	remove(sess);
	remove(model);
	rmdir(dir);
}

/* The NE has fp16 and int8 datapaths: f64 and u32 ops fall back to the CPU,
 * and their tensors count 8 and 4 bytes an element. */
static void ne_fallback(void)
{
	nx_graph *g = parse(wide_text);
	CHECK(g != NULL);
	if (!g)
		return;
	nx_target t;
	nx_err e;
	CHECK_EQ_INT(nx_target_preset("m1", &t, &e), 0);
	uint32_t y = nx_value_by_name(g, "y", 1), c = nx_value_by_name(g, "c", 1);
	CHECK(y != NX_NONE && c != NX_NONE);
	if (y != NX_NONE && c != NX_NONE) {
		char why[128] = "";
		CHECK(!nx_target_supports(g, nx_val(g, y)->producer, &t, why, sizeof why));
		CHECK_CONTAINS(why, "f64");
		CHECK(nx_target_on_cpu(g, nx_val(g, c)->producer, &t));
		CHECK_EQ_INT(nx_type_bytes(nx_vtype(g, y)), 24);
		CHECK_EQ_INT(nx_type_bytes(nx_vtype(g, c)), 12);
	}
	nx_graph_free(g);
}

/* The default pipeline leaves the numbers of an f64/i16/u32 graph alone
 * (each step checked against step 0 on seeded inputs). */
static void pipeline(void)
{
	static const char text[] =
		"graph @p(%a: f64[2,8], %s: i16[2,8], %u: u32[8]) -> (%y: f64[2,1], %z: i16[2,8], "
		"%c: f64[2,8], %v: u32[2,8]) {\n"
		"  %k = const f64[8] dense[0.5, 0.25, 1e-9, 2, 3, -1, 0.1, 7]\n"
		"  %m = mul(%a, %k) : f64[2,8]\n"
		"  %e = exp(%m) : f64[2,8]\n"
		"  %y = reduce_sum(%e) {axes=[1]} : f64[2,1]\n"
		"  %z = add(%s, %s) : i16[2,8]\n"
		"  %c = cast(%z) {to=\"f64\"} : f64[2,8]\n"
		"  %w = cast(%s) {to=\"u32\"} : u32[2,8]\n"
		"  %v = max(%w, %u) : u32[2,8]\n"
		"  return %y, %z, %c, %v\n"
		"}\n";
	ops_through_default(text, NULL, 0, 0);
}

/* One op at a time on seeded inputs: the graph in dtype `dt` must give
 * what the same graph in `ref` gives (f64 against f32 within 1e-5
 * relative; the integer types against i32, exactly, on values 1..9 where
 * none of them wraps). Catches a kernel that reads the new dtypes as
 * another's bytes. %a, %b: T[2,3]; %c: bool[2,3]. */
static const char *const float_ops[] = {
	"add(%a, %b) : T[2,3]", "sub(%a, %b) : T[2,3]", "mul(%a, %b) : T[2,3]",
	"div(%a, %b) : T[2,3]", "pow(%a, %b) : T[2,3]", "max(%a, %b) : T[2,3]",
	"min(%a, %b) : T[2,3]", "sum(%a, %b) : T[2,3]", "mean(%a, %b) : T[2,3]",
	"sqrt(%a) : T[2,3]", "exp(%a) : T[2,3]", "log(%a) : T[2,3]", "neg(%a) : T[2,3]",
	"abs(%a) : T[2,3]", "reciprocal(%a) : T[2,3]", "erf(%a) : T[2,3]",
	"relu(%a) : T[2,3]", "sigmoid(%a) : T[2,3]", "tanh(%a) : T[2,3]",
	"softplus(%a) : T[2,3]", "sin(%a) : T[2,3]", "atan(%a) : T[2,3]",
	"floor(%a) : T[2,3]", "ceil(%a) : T[2,3]", "round(%a) : T[2,3]",
	"mod(%a, %b) {fmod=1} : T[2,3]", "cum_sum(%a) {axis=1} : T[2,3]",
	"clip(%a) {min=0.7, max=1.5} : T[2,3]", "softmax(%a) {axis=1} : T[2,3]",
	"elu(%a) : T[2,3]", "sign(%a) : T[2,3]",
	"reduce_sum(%a) {axes=[1]} : T[2,1]", "reduce_mean(%a) {axes=[0]} : T[1,3]",
	"reduce_max(%a) {axes=[1]} : T[2,1]", "reduce_prod(%a) {axes=[1]} : T[2,1]",
	"reduce_l2(%a) {axes=[1]} : T[2,1]", "reduce_log_sum_exp(%a) {axes=[1]} : T[2,1]",
	"transpose(%a) {perm=[1,0]} : T[3,2]", "concat(%a, %b) {axis=0} : T[4,3]",
	"where(%c, %a, %b) : T[2,3]", "less(%a, %b) : bool[2,3]",
	"equal(%a, %a) : bool[2,3]", "is_nan(%a) : bool[2,3]",
	"arg_max(%a) {axis=1} : i64[2,1]", "cast(%a) {to=\"i32\"} : i32[2,3]",
	"cast(%a) {to=\"f16\"} : f16[2,3]",
	NULL,
};
static const char *const int_ops[] = {
	"add(%a, %b) : T[2,3]", "mul(%a, %b) : T[2,3]", "div(%a, %b) : T[2,3]",
	"max(%a, %b) : T[2,3]", "min(%a, %b) : T[2,3]", "mod(%a, %b) : T[2,3]",
	"abs(%a) : T[2,3]", "clip(%a) {min=3.0, max=6.0} : T[2,3]",
	"reduce_sum(%a) {axes=[1]} : T[2,1]",
	"reduce_max(%a) {axes=[0]} : T[1,3]", "arg_max(%a) {axis=1} : i64[2,1]",
	"transpose(%a) {perm=[1,0]} : T[3,2]", "concat(%a, %b) {axis=1} : T[2,6]",
	"where(%c, %a, %b) : T[2,3]", "less(%a, %b) : bool[2,3]",
	"equal(%a, %b) : bool[2,3]", "cast(%a) {to=\"f32\"} : f32[2,3]",
	NULL,
};
/* ONNX defines CumSum on u32 and u64 but not on the 16-bit types */
static const char *const wide_int_ops[] = {"cum_sum(%a) {axis=1} : T[2,3]", NULL};

/* op with T replaced by the dtype name dt, as a one-op graph; NULL if it
 * does not parse (the error on stderr). */
static nx_graph *one_op(const char *op, const char *dt)
{
	char body[256], text[1024];
	size_t k = 0;
	for (const char *p = op; *p && k + 8 < sizeof body; p++) {
		if (*p == 'T' && p[1] == '[') {
			k += (size_t)snprintf(body + k, sizeof body - k, "%s", dt);
		} else {
			body[k++] = *p;
		}
	}
	body[k] = 0;
	const char *colon = strrchr(body, ':');
	snprintf(text, sizeof text,
		 "graph @o(%%a: %s[2,3], %%b: %s[2,3], %%c: bool[2,3]) -> (%%y: %s) {\n"
		 "  %%y = %s\n  return %%y\n}\n", dt, dt, colon + 2, body);
	nx_err e;
	nx_graph *g = nx_parse(text, strlen(text), "op.nex", NULL, &e);
	if (!g)
		fprintf(stderr, "%s: %s\n", op, e.msg);
	return g;
}

static int run_one(nx_graph *g, int dt, const double *a, const double *b, nx_tensor *out)
{
	nx_type t = nx_type_make(dt, 2, (int64_t[]){2, 3});
	nx_type tc = nx_type_make(NX_BOOL, 2, (int64_t[]){2, 3});
	nx_tensor in[3] = {nx_tensor_alloc(&t), nx_tensor_alloc(&t), nx_tensor_alloc(&tc)};
	for (int i = 0; i < 6; i++) {
		nx_tensor_set(&in[0], i, a[i]);
		nx_tensor_set(&in[1], i, b[i]);
		nx_tensor_set(&in[2], i, i % 2);
	}
	nx_run_opts o = {.threads = 1};
	nx_run_result r;
	nx_err e;
	int rc = nx_run(g, in, 3, &o, &r, &e);
	if (rc) {
		fprintf(stderr, "run: %s\n", e.msg);
	} else {
		*out = nx_tensor_copy(&r.outputs[0]);
		nx_run_result_free(&r);
	}
	for (int i = 0; i < 3; i++)
		nx_tensor_free(&in[i]);
	return rc;
}

static void sweep(const char *const *ops, const char *ref, const char *dt, const double *a,
		  const double *b, double rtol)
{
	int rd = nx_dtype_parse(ref, strlen(ref)), dd = nx_dtype_parse(dt, strlen(dt));
	for (const char *const *op = ops; *op; op++) {
		nx_graph *gr = one_op(*op, ref), *gd = one_op(*op, dt);
		CHECK(gr != NULL && gd != NULL);
		nx_tensor yr = {0}, yd = {0};
		if (gr && gd && !run_one(gr, rd, a, b, &yr) && !run_one(gd, dd, a, b, &yd)) {
			int64_t n = nx_tensor_numel(&yr);
			CHECK_EQ_INT(nx_tensor_numel(&yd), n);
			for (int64_t i = 0; i < n && i < nx_tensor_numel(&yd); i++) {
				double x = nx_tensor_get(&yd, i), w = nx_tensor_get(&yr, i);
				bool ok = fabs(x - w) <= rtol * fabs(w) + (rtol ? 1e-7 : 0);
				if (!ok)
					fprintf(stderr, "%s in %s: [%lld] %.9g, in %s %.9g\n", *op, dt,
						(long long)i, x, ref, w);
				CHECK(ok);
			}
		} else {
			CHECK(!"op did not run");
		}
		nx_tensor_free(&yr);
		nx_tensor_free(&yd);
		if (gr)
			nx_graph_free(gr);
		if (gd)
			nx_graph_free(gd);
	}
}

static void op_sweep(void)
{
	/* f32-exact inputs, positive (sqrt, log, pow) */
	const double fa[6] = {0.5, 1.25, 2.0, 0.75, 1.5, 3.0};
	const double fb[6] = {1.5, 0.5, 2.5, 1.75, 0.25, 2.0};
	sweep(float_ops, "f32", "f64", fa, fb, 1e-5);
	const double ia[6] = {1, 7, 3, 9, 4, 2}, ib[6] = {2, 3, 3, 5, 1, 1};
	const char *ints[] = {"i16", "u16", "u32", "u64"};
	for (int i = 0; i < 4; i++)
		sweep(int_ops, "i32", ints[i], ia, ib, 0);
	sweep(wide_int_ops, "i32", "u32", ia, ib, 0);
	sweep(wide_int_ops, "i32", "u64", ia, ib, 0);
}

static void names(void)
{
	const char *n[] = {"f64", "u16", "u32", "u64", "i16"};
	const size_t sz[] = {8, 2, 4, 8, 2};
	for (int i = 0; i < 5; i++) {
		int d = nx_dtype_parse(n[i], strlen(n[i]));
		CHECK(d >= 0);
		CHECK_STR(nx_dtype_name(d), n[i]);
		CHECK_EQ_INT(nx_dtype_size(d), sz[i]);
		CHECK_EQ_INT(nx_dtype_is_float(d), i == 0);
		CHECK_EQ_INT(nx_dtype_is_int(d), i != 0);
	}
	CHECK(nx_dtype_is_unsigned(NX_U64) && !nx_dtype_is_unsigned(NX_I16));
	CHECK(!nx_dtype_is_int(NX_BOOL));
}

int main(int argc, char **argv)
{
	static const check_case cases[] = {
		{"names", names},
		{"text_round_trip", text_round_trip},
		{"text_range_errors", text_range_errors},
		{"json_round_trip", json_round_trip},
		{"kernels", kernels},
		{"onnx_round_trip", onnx_round_trip},
		{"f64_as_f32", f64_as_f32},
		{"ne_fallback", ne_fallback},
		{"pipeline", pipeline},
		{"op_sweep", op_sweep},
		{"session_f64_as_f32", session_f64_as_f32},
		{NULL, NULL},
	};
	return check_main(cases, argc, argv);
}
