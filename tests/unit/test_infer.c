/* test_infer.c — shape inference: one small graph per case, built with the
 * nx.h API, inferred with nx_infer_op, and the result type (or the error
 * message) compared with the ONNX spec's answer worked out by hand. */
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "nx.h"

/* "f32[1,3,224,224]" -> type; "i64[]" is a scalar. */
static nx_type parse_type(const char *s)
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

/* A graph input named name of type ty. */
static uint32_t in(nx_graph *g, const char *name, const char *ty)
{
	nx_type t = parse_type(ty);
	uint32_t v = nx_value_new(g, name, nx_type_intern(g, &t), NULL);
	nx_graph_add_input(g, v);
	return v;
}

/* A constant of i64 data. */
static uint32_t const_i64(nx_graph *g, const char *name, const char *ty, const int64_t *data)
{
	nx_type t = parse_type(ty);
	return nx_const_new(g, name, nx_blob_new_copy(&t, data), NULL);
}

/* An op with one result named res (kind, operands). */
static uint32_t op1(nx_graph *g, int kind, const char *res, const uint32_t *ins, uint32_t n)
{
	const char *names[1] = {res};
	uint32_t o = nx_op_new(g, kind, ins, n, 1, names, NX_NONE, NULL);
	CHECK(o != NX_NONE);
	return o;
}

static void ints(nx_graph *g, uint32_t o, const char *name, int n, ...)
{
	int64_t v[32];
	va_list ap;
	va_start(ap, n);
	for (int i = 0; i < n; i++)
		v[i] = va_arg(ap, int64_t);
	va_end(ap);
	nx_attr_set_ints(g, o, name, v, (uint32_t)n);
}
#define INTS(g, o, name, ...) ints(g, o, name, NARGS(__VA_ARGS__), __VA_ARGS__)
#define NARGS(...) (int)(sizeof((int64_t[]){__VA_ARGS__}) / sizeof(int64_t))
/* va_arg reads int64_t: promote every literal. */
#define L(x) ((int64_t)(x))

static const char *rtype(nx_graph *g, uint32_t o, uint32_t i)
{
	static char buf[4][128];
	static int k;
	k = (k + 1) % 4;
	nx_type_str(nx_vtype(g, nx_result(g, o, i)), buf[k], sizeof buf[k]);
	return buf[k];
}

/* Infers o; expects success and result 0 of type want. */
#define OK(g, o, want) do { nx_err e_; e_.msg[0] = 0; uint32_t o_ = (o); \
	int rc_ = nx_infer_op(g, o_, &e_); \
	if (rc_) fprintf(stderr, "  unexpected error: %s\n", e_.msg); \
	CHECK_EQ_INT(rc_, 0); CHECK_STR(rtype(g, o_, 0), want); } while (0)
/* Infers o; expects failure with a message containing want. */
#define FAILS(g, o, want) do { nx_err e_; e_.msg[0] = 0; \
	CHECK_EQ_INT(nx_infer_op(g, (o), &e_), -1); CHECK_CONTAINS(e_.msg, want); } while (0)

/* ---- the driver: arity, attribute schema, operand types ---- */

static void test_arity(void)
{
	nx_graph *g = nx_graph_new("t");
	uint32_t x = in(g, "x", "f32[2,3]");
	uint32_t o = op1(g, NX_OP_ADD, "y", &x, 1);
	FAILS(g, o, "op %y (add): add takes 2 operands, got 1");
	uint32_t three[3] = {x, x, x};
	o = op1(g, NX_OP_RELU, "r", three, 3);
	FAILS(g, o, "op %r (relu): relu takes 1 operand, got 3");
	o = op1(g, NX_OP_CONV, "c", three, 1);
	FAILS(g, o, "conv takes 2 to 3 operands, got 1");
	o = nx_op_new(g, NX_OP_SPLIT, &x, 1, 0, NULL, NX_NONE, NULL);
	FAILS(g, o, "(split): split gives at least 1 result, got 0");
	uint32_t two_out = nx_op_new(g, NX_OP_RELU, &x, 1, 2, NULL, NX_NONE, NULL);
	FAILS(g, two_out, "relu gives 1 result, got 2");
	/* a required operand left absent */
	uint32_t xw[2] = {x, NX_NONE};
	o = op1(g, NX_OP_MATMUL, "m", xw, 2);
	FAILS(g, o, "op %m (matmul): operand 1 of matmul is required, but absent");
	/* operand without a type */
	uint32_t u = nx_value_new(g, "u", 0, NULL);
	o = op1(g, NX_OP_RELU, "ru", &u, 1);
	FAILS(g, o, "operand 0 (%u) has no type yet");
	nx_graph_free(g);
}

static void test_attr_schema(void)
{
	nx_graph *g = nx_graph_new("t");
	uint32_t x = in(g, "x", "f32[2,3]");
	uint32_t o = op1(g, NX_OP_RELU, "r", &x, 1);
	nx_attr_set_f(g, o, "alpha", 0.1f);
	FAILS(g, o, "op %r (relu): unknown attribute 'alpha'");

	o = op1(g, NX_OP_RESHAPE, "rs", &x, 1);
	FAILS(g, o, "op %rs (reshape): missing required attribute 'shape'");
	nx_attr_set_i(g, o, "shape", 6);
	FAILS(g, o, "attribute 'shape' must be ints, not int");
	INTS(g, o, "shape", L(6));
	OK(g, o, "f32[6]");

	/* act only on NX_F_ACT kinds, and only a known one */
	o = op1(g, NX_OP_SIGMOID, "s", &x, 1);
	nx_attr_set_s(g, o, "act", "relu");
	FAILS(g, o, "attribute 'act': sigmoid takes no fused activation");
	uint32_t xx[2] = {x, x};
	o = op1(g, NX_OP_ADD, "a", xx, 2);
	nx_attr_set_s(g, o, "act", "swish");
	FAILS(g, o, "op %a (add): unknown fused activation act=\"swish\"");
	nx_attr_set_s(g, o, "act", "hard_swish");
	nx_attr_set_s(g, o, "device", "cpu");
	OK(g, o, "f32[2,3]");

	/* common attributes are known to every kind, with their kinds */
	o = op1(g, NX_OP_RELU, "r2", &x, 1);
	INTS(g, o, "tile", L(1), L(3));
	OK(g, o, "f32[2,3]");
	nx_attr_set_s(g, o, "tile", "big");
	FAILS(g, o, "attribute 'tile' must be ints, not string");
	nx_graph_free(g);
}

static void test_layout_kept(void)
{
	nx_graph *g = nx_graph_new("t");
	uint32_t x = in(g, "x", "f32[1,8,4,4]");
	uint32_t o = op1(g, NX_OP_RELU, "r", &x, 1);
	/* a layout pass tagged the result; inference must not drop the tag */
	nx_type t = parse_type("f16[9]");
	t.layout = NX_LAYOUT_NHWC;
	nx_value_set_type(g, nx_result(g, o, 0), &t);
	OK(g, o, "f32[1,8,4,4]#nhwc");
	/* unknown result type: plain */
	o = op1(g, NX_OP_RELU, "r2", &x, 1);
	OK(g, o, "f32[1,8,4,4]");
	nx_graph_free(g);
}

/* ---- infer_elem.c ---- */

static void test_same(void)
{
	nx_graph *g = nx_graph_new("t");
	uint32_t x = in(g, "x", "f16[2,3]"), i = in(g, "i", "i32[4]"), b = in(g, "b", "bool[4]");
	OK(g, op1(g, NX_OP_TANH, "t", &x, 1), "f16[2,3]");
	OK(g, op1(g, NX_OP_IDENTITY, "id", &b, 1), "bool[4]");
	OK(g, op1(g, NX_OP_RELU, "ri", &i, 1), "i32[4]");
	OK(g, op1(g, NX_OP_ABS, "ai", &i, 1), "i32[4]");
	FAILS(g, op1(g, NX_OP_SQRT, "sq", &i, 1),
	      "op %sq (sqrt): operand 0 (%i) is i32; sqrt takes f32, f16, bf16");
	FAILS(g, op1(g, NX_OP_NEG, "nb", &b, 1), "is bool; neg takes f32, f16, bf16, i8, i32, i64");
	uint32_t o = op1(g, NX_OP_SOFTMAX, "sm", &x, 1);
	OK(g, o, "f16[2,3]");
	nx_attr_set_i(g, o, "axis", 2);
	FAILS(g, o, "op %sm (softmax): axis 2 is out of range for rank 2 (valid: -2..1)");
	nx_attr_set_i(g, o, "axis", -2);
	OK(g, o, "f16[2,3]");
	o = op1(g, NX_OP_GELU, "ge", &x, 1);
	nx_attr_set_s(g, o, "approximate", "erf");
	FAILS(g, o, "approximate=\"erf\"");
	nx_attr_set_s(g, o, "approximate", "tanh");
	OK(g, o, "f16[2,3]");
	o = op1(g, NX_OP_CLIP, "cl", &x, 1);
	nx_attr_set_f(g, o, "min", 0.0f);
	nx_attr_set_f(g, o, "max", 6.0f);
	OK(g, o, "f16[2,3]");
	nx_graph_free(g);
}

static void test_broadcast_fn(void)
{
	nx_type a = parse_type("f32[2,1,4]"), b = parse_type("f32[3,1]"), r;
	nx_err e;
	CHECK_EQ_INT(nx_broadcast(&a, &b, &r, &e), 0);
	char buf[64];
	nx_type_str(&r, buf, sizeof buf);
	CHECK_STR(buf, "f32[2,3,4]");
	nx_type s = parse_type("f32[]");
	CHECK_EQ_INT(nx_broadcast(&s, &a, &r, &e), 0);
	nx_type_str(&r, buf, sizeof buf);
	CHECK_STR(buf, "f32[2,1,4]");
	nx_type c = parse_type("f32[5]");
	CHECK_EQ_INT(nx_broadcast(&a, &c, &r, &e), -1);
	CHECK_STR(e.msg, "cannot broadcast f32[2,1,4] with f32[5] (dim 2: 4 vs 5)");
	/* out may alias an operand */
	CHECK_EQ_INT(nx_broadcast(&a, &b, &a, &e), 0);
	nx_type_str(&a, buf, sizeof buf);
	CHECK_STR(buf, "f32[2,3,4]");
}

static void test_bcast(void)
{
	nx_graph *g = nx_graph_new("t");
	uint32_t a = in(g, "a", "f32[2,1,4]"), b = in(g, "b", "f32[3,1]");
	uint32_t c = in(g, "c", "f32[5]"), h = in(g, "h", "f16[3,1]"), s = in(g, "s", "f32[]");
	uint32_t ab[2] = {a, b}, ac[2] = {a, c}, ah[2] = {a, h}, sa[2] = {s, a};
	OK(g, op1(g, NX_OP_ADD, "y", ab, 2), "f32[2,3,4]");
	OK(g, op1(g, NX_OP_DIV, "y2", sa, 2), "f32[2,1,4]");
	FAILS(g, op1(g, NX_OP_MUL, "y3", ac, 2),
	      "op %y3 (mul): cannot broadcast f32[2,1,4] with f32[5] (dim 2: 4 vs 5)");
	FAILS(g, op1(g, NX_OP_SUB, "y4", ah, 2),
	      "op %y4 (sub): operand dtypes differ: %a is f32, %h is f16");
	uint32_t abs3[3] = {a, b, s};
	OK(g, op1(g, NX_OP_MAX, "mx", abs3, 3), "f32[2,3,4]");
	OK(g, op1(g, NX_OP_MIN, "mn", &c, 1), "f32[5]");
	uint32_t bo = in(g, "bo", "bool[2]");
	uint32_t bb[2] = {bo, bo};
	FAILS(g, op1(g, NX_OP_ADD, "yb", bb, 2), "is bool; add takes");
	nx_graph_free(g);
}

static void test_pow_prelu_cast(void)
{
	nx_graph *g = nx_graph_new("t");
	uint32_t x = in(g, "x", "f32[1,4,2,2]"), e = in(g, "e", "i64[2]");
	uint32_t xe[2] = {x, e};
	OK(g, op1(g, NX_OP_POW, "p", xe, 2), "f32[1,4,2,2]");
	uint32_t u = in(g, "u", "u8[2]"), ue[2] = {u, e};
	FAILS(g, op1(g, NX_OP_POW, "pu", ue, 2), "operand 0 (%u) is u8");

	uint32_t s1 = in(g, "s1", "f32[4,1,1]"), s2 = in(g, "s2", "f32[4]");
	uint32_t s3 = in(g, "s3", "f32[1,1,4,2,2]");
	uint32_t a1[2] = {x, s1}, a2[2] = {x, s2}, a3[2] = {x, s3};
	OK(g, op1(g, NX_OP_PRELU, "pr", a1, 2), "f32[1,4,2,2]");
	/* numpy alignment puts [4] on W (2): not broadcastable */
	FAILS(g, op1(g, NX_OP_PRELU, "pr2", a2, 2), "cannot broadcast");
	/* the slope may not grow the input */
	FAILS(g, op1(g, NX_OP_PRELU, "pr3", a3, 2),
	      "slope f32[1,1,4,2,2] does not broadcast to input f32[1,4,2,2]");

	uint32_t o = op1(g, NX_OP_CAST, "c", &x, 1);
	nx_attr_set_s(g, o, "to", "f16");
	OK(g, o, "f16[1,4,2,2]");
	nx_attr_set_s(g, o, "to", "float");
	FAILS(g, o, "op %c (cast): to=\"float\" is not a dtype");
	nx_graph_free(g);
}

/* ---- infer_shape.c ---- */

static void test_reshape(void)
{
	nx_graph *g = nx_graph_new("t");
	uint32_t x = in(g, "x", "f32[2,3,4]");
	uint32_t o = op1(g, NX_OP_RESHAPE, "r", &x, 1);
	INTS(g, o, "shape", L(0), L(-1));
	OK(g, o, "f32[2,12]");
	INTS(g, o, "shape", L(-1));
	OK(g, o, "f32[24]");
	INTS(g, o, "shape", L(4), L(0), L(2));
	OK(g, o, "f32[4,3,2]");
	INTS(g, o, "shape", L(4), L(2));
	FAILS(g, o, "op %r (reshape): cannot reshape f32[2,3,4] (24 elements) to [4,2] "
	      "(8 elements)");
	INTS(g, o, "shape", L(5), L(-1));
	FAILS(g, o, "to [5,-1]: not a multiple of 5");
	INTS(g, o, "shape", L(-1), L(-1));
	FAILS(g, o, "more than one -1");
	INTS(g, o, "shape", L(2), L(3), L(4), L(0));
	FAILS(g, o, "shape[3] = 0 copies input dim 3, but the input f32[2,3,4] has rank 3");
	INTS(g, o, "shape", L(-2), L(12));
	FAILS(g, o, "shape[0] = -2 is invalid");
	INTS(g, o, "shape", L(0), L(12));
	nx_attr_set_i(g, o, "allowzero", 1);
	FAILS(g, o, "shape[0] is 0 with allowzero=1");
	nx_attr_set_i(g, o, "allowzero", 0);
	OK(g, o, "f32[2,12]");
	/* to a scalar */
	uint32_t one = in(g, "one", "i64[1,1]");
	o = op1(g, NX_OP_RESHAPE, "sc", &one, 1);
	int64_t none = 0;
	nx_attr_set_ints(g, o, "shape", &none, 0);
	OK(g, o, "i64[]");
	nx_graph_free(g);
}

static void test_flatten_transpose(void)
{
	nx_graph *g = nx_graph_new("t");
	uint32_t x = in(g, "x", "f32[2,3,4,5]");
	uint32_t o = op1(g, NX_OP_FLATTEN, "f", &x, 1);
	OK(g, o, "f32[2,60]");
	nx_attr_set_i(g, o, "axis", 0);
	OK(g, o, "f32[1,120]");
	nx_attr_set_i(g, o, "axis", 4);
	OK(g, o, "f32[120,1]");
	nx_attr_set_i(g, o, "axis", -1);
	OK(g, o, "f32[24,5]");
	nx_attr_set_i(g, o, "axis", 5);
	FAILS(g, o, "axis 5 is out of range for rank 4");

	o = op1(g, NX_OP_TRANSPOSE, "t", &x, 1);
	OK(g, o, "f32[5,4,3,2]");
	INTS(g, o, "perm", L(0), L(2), L(3), L(1));
	OK(g, o, "f32[2,4,5,3]");
	INTS(g, o, "perm", L(0), L(2), L(2), L(1));
	FAILS(g, o, "perm [0,2,2,1] is not a permutation of 0..3");
	INTS(g, o, "perm", L(1), L(0));
	FAILS(g, o, "perm [1,0] has 2 entries, the input has rank 4");
	nx_graph_free(g);
}

static void test_squeeze_unsqueeze(void)
{
	nx_graph *g = nx_graph_new("t");
	uint32_t x = in(g, "x", "f32[1,3,1,5]");
	uint32_t o = op1(g, NX_OP_SQUEEZE, "s", &x, 1);
	OK(g, o, "f32[3,5]");
	INTS(g, o, "axes", L(-2));
	OK(g, o, "f32[1,3,5]");
	INTS(g, o, "axes", L(1));
	FAILS(g, o, "op %s (squeeze): cannot squeeze axis 1 of size 3");
	INTS(g, o, "axes", L(4));
	FAILS(g, o, "axis 4 is out of range for rank 4");
	INTS(g, o, "axes", L(0), L(-4));
	FAILS(g, o, "axis 0 is listed twice in axes");

	o = op1(g, NX_OP_UNSQUEEZE, "u", &x, 1);
	INTS(g, o, "axes", L(0), L(-1));
	OK(g, o, "f32[1,1,3,1,5,1]");
	INTS(g, o, "axes", L(2));
	OK(g, o, "f32[1,3,1,1,5]");
	INTS(g, o, "axes", L(6));
	FAILS(g, o, "axis 6 is out of range for rank 5");
	INTS(g, o, "axes", L(0), L(1), L(2), L(3), L(4));
	FAILS(g, o, "result would have rank 9 (nex allows at most 8)");
	nx_graph_free(g);
}

static void test_concat_split(void)
{
	nx_graph *g = nx_graph_new("t");
	uint32_t a = in(g, "a", "f32[2,3]"), b = in(g, "b", "f32[2,5]"), c = in(g, "c", "f32[3,5]");
	uint32_t h = in(g, "h", "f16[2,5]");
	uint32_t ab[3] = {a, b, b}, ac[2] = {a, c}, ah[2] = {a, h};
	uint32_t o = op1(g, NX_OP_CONCAT, "k", ab, 3);
	nx_attr_set_i(g, o, "axis", -1);
	OK(g, o, "f32[2,13]");
	o = op1(g, NX_OP_CONCAT, "k2", ac, 2);
	nx_attr_set_i(g, o, "axis", 1);
	FAILS(g, o, "operand 1 f32[3,5] does not match operand 0 f32[2,3] outside axis 1");
	o = op1(g, NX_OP_CONCAT, "k3", ah, 2);
	nx_attr_set_i(g, o, "axis", 1);
	FAILS(g, o, "operand dtypes differ: %a is f32, %h is f16");

	uint32_t x = in(g, "x", "f32[7,4]");
	const char *names[3] = {"s0", "s1", "s2"};
	o = nx_op_new(g, NX_OP_SPLIT, &x, 1, 3, names, NX_NONE, NULL);
	OK(g, o, "f32[3,4]"); /* ceil(7/3) = 3, 3, then the rest: 1 */
	CHECK_STR(rtype(g, o, 1), "f32[3,4]");
	CHECK_STR(rtype(g, o, 2), "f32[1,4]");
	nx_attr_set_i(g, o, "axis", 1);
	FAILS(g, o, "op %s0 (split): cannot split dim 1 of size 4 into 3 non-empty parts");
	INTS(g, o, "split", L(1), L(1), L(2));
	OK(g, o, "f32[7,1]");
	CHECK_STR(rtype(g, o, 2), "f32[7,2]");
	INTS(g, o, "split", L(1), L(1), L(1));
	FAILS(g, o, "split [1,1,1] does not add up to dim 1 of size 4");
	INTS(g, o, "split", L(2), L(2));
	FAILS(g, o, "split [2,2] has 2 parts, the op has 3 results");
	nx_graph_free(g);
}

static void test_slice(void)
{
	nx_graph *g = nx_graph_new("t");
	uint32_t x = in(g, "x", "f32[10,20]");
	uint32_t o = op1(g, NX_OP_SLICE, "s", &x, 1);
	INTS(g, o, "starts", L(1), L(-5));
	INTS(g, o, "ends", L(INT64_MAX), L(1000));
	OK(g, o, "f32[9,5]");
	/* reverse the whole axis 1 */
	INTS(g, o, "starts", L(-1));
	INTS(g, o, "ends", L(INT64_MIN));
	INTS(g, o, "axes", L(-1));
	INTS(g, o, "steps", L(-1));
	OK(g, o, "f32[10,20]");
	/* 9, 6, 3, 0 */
	INTS(g, o, "starts", L(9));
	INTS(g, o, "ends", L(-100));
	INTS(g, o, "axes", L(0));
	INTS(g, o, "steps", L(-3));
	OK(g, o, "f32[4,20]");
	/* 0, 3, 6, 9, 12, 15, 18 */
	INTS(g, o, "starts", L(0));
	INTS(g, o, "ends", L(19));
	INTS(g, o, "axes", L(1));
	INTS(g, o, "steps", L(3));
	OK(g, o, "f32[10,7]");
	INTS(g, o, "steps", L(INT64_MIN));
	INTS(g, o, "starts", L(5));
	INTS(g, o, "ends", L(0));
	OK(g, o, "f32[10,1]");
	INTS(g, o, "steps", L(0));
	FAILS(g, o, "steps[0] is 0");
	INTS(g, o, "steps", L(1));
	INTS(g, o, "starts", L(5));
	INTS(g, o, "ends", L(5));
	FAILS(g, o, "op %s (slice): slice of axis 1 (size 20) from 5 to 5 step 1 is empty");
	INTS(g, o, "axes", L(2));
	FAILS(g, o, "axis 2 is out of range for rank 2");
	INTS(g, o, "axes", L(0), L(1));
	FAILS(g, o, "differ in length");
	nx_graph_free(g);
}

static void test_gather(void)
{
	nx_graph *g = nx_graph_new("t");
	uint32_t x = in(g, "x", "f32[5,4]"), i = in(g, "i", "i64[2,3]");
	uint32_t f = in(g, "f", "f32[2]"), s = in(g, "s", "i32[]");
	uint32_t xi[2] = {x, i}, xf[2] = {x, f}, xs[2] = {x, s};
	uint32_t o = op1(g, NX_OP_GATHER, "g", xi, 2);
	OK(g, o, "f32[2,3,4]");
	nx_attr_set_i(g, o, "axis", 1);
	OK(g, o, "f32[5,2,3]");
	nx_attr_set_i(g, o, "axis", -3);
	FAILS(g, o, "axis -3 is out of range for rank 2");
	OK(g, op1(g, NX_OP_GATHER, "g2", xs, 2), "f32[4]");
	FAILS(g, op1(g, NX_OP_GATHER, "g3", xf, 2), "operand 1 (%f) is f32; gather takes i32, i64");
	int64_t good[3] = {0, -5, 4}, bad[3] = {0, 5, 1};
	uint32_t cg = const_i64(g, "cg", "i64[3]", good), cb = const_i64(g, "cb", "i64[3]", bad);
	uint32_t xcg[2] = {x, cg}, xcb[2] = {x, cb};
	OK(g, op1(g, NX_OP_GATHER, "g4", xcg, 2), "f32[3,4]");
	FAILS(g, op1(g, NX_OP_GATHER, "g5", xcb, 2),
	      "op %g5 (gather): index 5 (element 1 of %cb) is out of range for axis 0 of size 5");
	nx_graph_free(g);
}

static void test_pad_shape_expand(void)
{
	nx_graph *g = nx_graph_new("t");
	uint32_t x = in(g, "x", "f32[1,3,4,4]");
	uint32_t o = op1(g, NX_OP_PAD, "p", &x, 1);
	INTS(g, o, "pads", L(0), L(0), L(1), L(2), L(0), L(0), L(3), L(-1));
	OK(g, o, "f32[1,3,8,5]");
	INTS(g, o, "pads", L(0), L(0), L(1), L(1));
	FAILS(g, o, "pads [0,0,1,1] has 4 entries, expected 8");
	INTS(g, o, "pads", L(0), L(0), L(0), L(-2), L(0), L(0), L(0), L(-2));
	FAILS(g, o, "pads -2,-2 on axis 3 of size 4 leave 0 elements");
	INTS(g, o, "pads", L(0), L(0), L(3), L(1), L(0), L(0), L(1), L(1));
	nx_attr_set_s(g, o, "mode", "reflect");
	OK(g, o, "f32[1,3,8,6]");
	INTS(g, o, "pads", L(0), L(0), L(4), L(1), L(0), L(0), L(1), L(1));
	FAILS(g, o, "reflect pads 4,1 on axis 2 need a size above them, the axis has 4");
	nx_attr_set_s(g, o, "mode", "mirror");
	FAILS(g, o, "mode=\"mirror\"");

	uint32_t y = in(g, "y", "f16[2,3,4]");
	o = op1(g, NX_OP_SHAPE, "sh", &y, 1);
	OK(g, o, "i64[3]");
	nx_attr_set_i(g, o, "start", -1);
	OK(g, o, "i64[1]");
	nx_attr_set_i(g, o, "start", -100);
	nx_attr_set_i(g, o, "end", 100);
	OK(g, o, "i64[3]");
	nx_attr_set_i(g, o, "start", 1);
	nx_attr_set_i(g, o, "end", -1);
	OK(g, o, "i64[1]");
	nx_attr_set_i(g, o, "start", 2);
	nx_attr_set_i(g, o, "end", 1);
	FAILS(g, o, "op %sh (shape): start=2 end=1 select no axis");

	uint32_t z = in(g, "z", "i32[3,1]");
	o = op1(g, NX_OP_EXPAND, "e", &z, 1);
	INTS(g, o, "shape", L(2), L(1), L(6));
	OK(g, o, "i32[2,3,6]");
	INTS(g, o, "shape", L(1));
	OK(g, o, "i32[3,1]");
	INTS(g, o, "shape", L(2), L(6));
	FAILS(g, o, "op %e (expand): cannot broadcast i32[3,1] with i32[2,6] (dim 0: 3 vs 2)");
	INTS(g, o, "shape", L(0), L(6));
	FAILS(g, o, "shape [0,6] has a dim < 1");
	nx_graph_free(g);
}

static void test_resize(void)
{
	nx_graph *g = nx_graph_new("t");
	uint32_t x = in(g, "x", "f32[1,3,5,4]");
	uint32_t o = op1(g, NX_OP_RESIZE, "r", &x, 1);
	float sc[4] = {1, 1, 1.5f, 2};
	nx_attr_set_floats(g, o, "scales", sc, 4);
	OK(g, o, "f32[1,3,7,8]"); /* floor(7.5) */
	INTS(g, o, "sizes", L(1), L(3), L(10), L(10));
	FAILS(g, o, "needs exactly one of scales and sizes, has both");
	nx_attr_del(g, o, "scales");
	OK(g, o, "f32[1,3,10,10]");
	INTS(g, o, "sizes", L(10), L(10));
	FAILS(g, o, "sizes has 2 entries, the input has rank 4");
	nx_attr_del(g, o, "sizes");
	FAILS(g, o, "has neither");
	float down[4] = {1, 1, 0.1f, 1};
	nx_attr_set_floats(g, o, "scales", down, 4);
	FAILS(g, o, "result dim 2 would be 0");
	nx_attr_set_floats(g, o, "scales", sc, 4);
	nx_attr_set_s(g, o, "mode", "linear");
	nx_attr_set_s(g, o, "coordinate_transformation_mode", "align_corners");
	OK(g, o, "f32[1,3,7,8]");
	nx_attr_set_s(g, o, "coordinate_transformation_mode", "tf_crop_and_resize");
	FAILS(g, o, "tf_crop_and_resize\" is not supported");
	nx_attr_set_s(g, o, "coordinate_transformation_mode", "asymmetric");
	nx_attr_set_s(g, o, "mode", "area");
	FAILS(g, o, "mode=\"area\"");
	nx_graph_free(g);
}

/* ---- infer_nn.c ---- */

static void test_reduce(void)
{
	nx_graph *g = nx_graph_new("t");
	uint32_t x = in(g, "x", "f32[2,3,4]");
	uint32_t o = op1(g, NX_OP_REDUCE_MEAN, "m", &x, 1);
	INTS(g, o, "axes", L(1));
	OK(g, o, "f32[2,1,4]");
	INTS(g, o, "axes", L(-1), L(0));
	nx_attr_set_i(g, o, "keepdims", 0);
	OK(g, o, "f32[3]");
	nx_attr_del(g, o, "axes");
	OK(g, o, "f32[]");
	nx_attr_set_i(g, o, "keepdims", 1);
	OK(g, o, "f32[1,1,1]");
	nx_attr_set_i(g, o, "noop_with_empty_axes", 1);
	OK(g, o, "f32[2,3,4]");
	INTS(g, o, "axes", L(1), L(-2));
	FAILS(g, o, "op %m (reduce_mean): axis 1 is listed twice in axes");
	INTS(g, o, "axes", L(3));
	FAILS(g, o, "axis 3 is out of range for rank 3");
	uint32_t b = in(g, "b", "bool[2]");
	FAILS(g, op1(g, NX_OP_REDUCE_MAX, "mb", &b, 1), "is bool; reduce_max takes");
	nx_graph_free(g);
}

static void test_norms(void)
{
	nx_graph *g = nx_graph_new("t");
	uint32_t x = in(g, "x", "f32[2,5,8]"), s8 = in(g, "s8", "f32[8]");
	uint32_t s58 = in(g, "s58", "f32[5,8]"), s5 = in(g, "s5", "f32[5]");
	uint32_t h8 = in(g, "h8", "f16[8]");
	uint32_t a[3] = {x, s8, s8};
	OK(g, op1(g, NX_OP_LAYER_NORM, "ln", a, 3), "f32[2,5,8]");
	uint32_t a2[3] = {x, s58, NX_NONE};
	uint32_t o = op1(g, NX_OP_LAYER_NORM, "ln2", a2, 3);
	nx_attr_set_i(g, o, "axis", 1);
	OK(g, o, "f32[2,5,8]");
	nx_attr_set_i(g, o, "axis", -1);
	FAILS(g, o, "scale %s58 f32[5,8] does not broadcast to f32[8]");
	uint32_t a3[2] = {x, s5};
	FAILS(g, op1(g, NX_OP_LAYER_NORM, "ln3", a3, 2),
	      "scale %s5 f32[5] does not broadcast to f32[8]");
	uint32_t a4[3] = {x, s8, h8};
	FAILS(g, op1(g, NX_OP_LAYER_NORM, "ln4", a4, 3), "%x is f32, %h8 is f16");

	uint32_t y = in(g, "y", "f32[1,5,4,4]");
	uint32_t bn[5] = {y, s5, s5, s5, s5};
	OK(g, op1(g, NX_OP_BATCH_NORM, "bn", bn, 5), "f32[1,5,4,4]");
	uint32_t bn2[5] = {y, s5, s5, s8, s5};
	FAILS(g, op1(g, NX_OP_BATCH_NORM, "bn2", bn2, 5),
	      "op %bn2 (batch_norm): mean %s8 is f32[8], expected [5] "
	      "(the channels of f32[1,5,4,4])");
	nx_graph_free(g);
}

static void test_conv(void)
{
	nx_graph *g = nx_graph_new("t");
	uint32_t x = in(g, "x", "f32[1,3,224,224]"), w = in(g, "w", "f32[16,3,3,3]");
	uint32_t b = in(g, "b", "f32[16]"), b8 = in(g, "b8", "f32[8]");
	uint32_t xwb[3] = {x, w, b};
	uint32_t o = op1(g, NX_OP_CONV, "c", xwb, 3);
	INTS(g, o, "strides", L(2), L(2));
	INTS(g, o, "pads", L(1), L(1), L(1), L(1));
	nx_attr_set_s(g, o, "act", "relu");
	OK(g, o, "f32[1,16,112,112]");
	/* dilation 2: extent 5; (224 + 2 - 5) / 2 + 1 = 111 */
	INTS(g, o, "dilations", L(2), L(2));
	OK(g, o, "f32[1,16,111,111]");
	INTS(g, o, "kernel_shape", L(3), L(3));
	OK(g, o, "f32[1,16,111,111]");
	INTS(g, o, "kernel_shape", L(5), L(5));
	FAILS(g, o, "kernel_shape[0] = 5, but the weight's kernel is 3");
	nx_attr_del(g, o, "kernel_shape");
	INTS(g, o, "strides", L(2));
	FAILS(g, o, "strides has 1 entries, expected 2");
	INTS(g, o, "strides", L(0), L(1));
	FAILS(g, o, "strides[0] = 0 is out of range");
	INTS(g, o, "strides", L(2), L(2));
	nx_attr_set_s(g, o, "auto_pad", "SAME_UPPER");
	FAILS(g, o, "pads and auto_pad=\"SAME_UPPER\" are both given");
	nx_attr_del(g, o, "pads");
	OK(g, o, "f32[1,16,112,112]"); /* ceil(224 / 2) */
	nx_attr_set_s(g, o, "auto_pad", "VALID");
	nx_attr_del(g, o, "dilations");
	OK(g, o, "f32[1,16,111,111]"); /* (224 - 3) / 2 + 1 */
	nx_attr_set_s(g, o, "auto_pad", "SAME");
	FAILS(g, o, "auto_pad=\"SAME\"");

	/* the brief's example, and the other channel rules */
	uint32_t x8 = in(g, "x8", "f32[1,8,10,10]"), w4 = in(g, "w4", "f32[16,4,3,3]");
	uint32_t x8w4[2] = {x8, w4};
	o = op1(g, NX_OP_CONV, "c3", x8w4, 2);
	FAILS(g, o, "op %c3 (conv): weight has 4 input channels per group, input has 8 (group=1)");
	nx_attr_set_i(g, o, "group", 2);
	OK(g, o, "f32[1,16,8,8]");
	nx_attr_set_i(g, o, "group", 3);
	FAILS(g, o, "group=3 does not divide 8 input channels");
	uint32_t wd = in(g, "wd", "f32[8,1,3,3]"), x8wd[2] = {x8, wd};
	o = op1(g, NX_OP_CONV, "dw", x8wd, 2);
	nx_attr_set_i(g, o, "group", 8);
	OK(g, o, "f32[1,8,8,8]");
	uint32_t w6 = in(g, "w6", "f32[6,2,3,3]"), x8w6[2] = {x8, w6};
	o = op1(g, NX_OP_CONV, "c6", x8w6, 2);
	nx_attr_set_i(g, o, "group", 4);
	FAILS(g, o, "weight has 6 output channels, not a multiple of group=4");
	uint32_t xwb8[3] = {x, w, b8};
	FAILS(g, op1(g, NX_OP_CONV, "cb", xwb8, 3),
	      "bias %b8 is f32[8], expected [16] (one per output channel)");
	uint32_t wbig = in(g, "wbig", "f32[4,8,11,11]"), xbig[2] = {x8, wbig};
	FAILS(g, op1(g, NX_OP_CONV, "cbig", xbig, 2),
	      "kernel extent 11 (kernel 11, dilation 1) exceeds the padded input 10 "
	      "on spatial axis 0");
	uint32_t w3 = in(g, "w3", "f32[16,3,3]"), xw3[2] = {x, w3};
	FAILS(g, op1(g, NX_OP_CONV, "cr", xw3, 2),
	      "weight f32[16,3,3] and input f32[1,3,224,224] differ in rank");

	/* 1-D conv */
	uint32_t x1 = in(g, "x1", "f32[1,2,10]"), w1 = in(g, "w1", "f32[4,2,3]");
	uint32_t x1w1[2] = {x1, w1};
	OK(g, op1(g, NX_OP_CONV, "c1d", x1w1, 2), "f32[1,4,8]");

	/* int8 weights: only with per-output-channel w_scale */
	uint32_t wq = in(g, "wq", "i8[16,3,3,3]"), xwq[2] = {x, wq};
	o = op1(g, NX_OP_CONV, "cq", xwq, 2);
	FAILS(g, o, "operand dtypes differ: %x is f32, %wq is i8");
	float scales[16] = {0};
	nx_attr_set_floats(g, o, "w_scale", scales, 16);
	OK(g, o, "f32[1,16,222,222]");
	nx_attr_set_floats(g, o, "w_scale", scales, 3);
	FAILS(g, o, "w_scale has 3 entries, the op has 16 output channels");
	nx_graph_free(g);
}

static void test_conv_transpose(void)
{
	nx_graph *g = nx_graph_new("t");
	uint32_t x = in(g, "x", "f32[1,4,5,5]"), w = in(g, "w", "f32[4,2,3,3]");
	uint32_t xw[2] = {x, w};
	uint32_t o = op1(g, NX_OP_CONV_TRANSPOSE, "ct", xw, 2);
	OK(g, o, "f32[1,2,7,7]");
	INTS(g, o, "strides", L(2), L(2));
	OK(g, o, "f32[1,2,11,11]"); /* 2 * 4 + 3 */
	INTS(g, o, "pads", L(1), L(1), L(1), L(1));
	INTS(g, o, "output_padding", L(1), L(0));
	OK(g, o, "f32[1,2,10,9]"); /* 2 * 4 + 1 + 3 - 2 */
	INTS(g, o, "output_padding", L(2), L(0));
	FAILS(g, o, "output_padding[0] = 2 must be smaller than the stride or the dilation");
	nx_attr_del(g, o, "output_padding");
	nx_attr_del(g, o, "pads");
	INTS(g, o, "output_shape", L(10), L(11));
	OK(g, o, "f32[1,2,10,11]");
	INTS(g, o, "output_shape", L(1), L(2), L(10), L(11));
	OK(g, o, "f32[1,2,10,11]");
	/* above the full 11: ONNX's negative total padding, bias-only rows */
	INTS(g, o, "output_shape", L(12), L(11));
	OK(g, o, "f32[1,2,12,11]");
	INTS(g, o, "output_shape", L(0), L(11));
	FAILS(g, o, "output_shape[0] = 0 is not a size");
	nx_attr_del(g, o, "output_shape");
	nx_attr_set_s(g, o, "auto_pad", "SAME_LOWER");
	OK(g, o, "f32[1,2,10,10]");
	/* groups: W is [C, M/group, k...] */
	uint32_t w3 = in(g, "w3", "f32[4,3,3,3]"), xw3[2] = {x, w3};
	o = op1(g, NX_OP_CONV_TRANSPOSE, "ctg", xw3, 2);
	nx_attr_set_i(g, o, "group", 2);
	OK(g, o, "f32[1,6,7,7]");
	uint32_t wc = in(g, "wc", "f32[3,2,3,3]"), xwc[2] = {x, wc};
	FAILS(g, op1(g, NX_OP_CONV_TRANSPOSE, "ctc", xwc, 2),
	      "op %ctc (conv_transpose): weight has 3 input channels, input has 4");
	uint32_t bb = in(g, "bb", "f32[2]"), xwb[3] = {x, w, bb};
	OK(g, op1(g, NX_OP_CONV_TRANSPOSE, "ctb", xwb, 3), "f32[1,2,7,7]");
	nx_graph_free(g);
}

static void test_matmul_gemm(void)
{
	nx_graph *g = nx_graph_new("t");
	uint32_t a = in(g, "a", "f32[2,3]"), b = in(g, "b", "f32[3,4]");
	uint32_t v = in(g, "v", "f32[3]"), c = in(g, "c", "f32[4,5]");
	uint32_t a4 = in(g, "a4", "f32[5,1,2,3]"), b3 = in(g, "b3", "f32[4,3,6]");
	uint32_t a5 = in(g, "a5", "f32[5,2,2,3]"), bb = in(g, "bb", "f32[3,3,6]");
	uint32_t ab[2] = {a, b}, vb[2] = {v, b}, av[2] = {a, v}, vv[2] = {v, v}, ac[2] = {a, c};
	uint32_t a4b3[2] = {a4, b3}, a5bb[2] = {a5, bb};
	OK(g, op1(g, NX_OP_MATMUL, "m", ab, 2), "f32[2,4]");
	OK(g, op1(g, NX_OP_MATMUL, "m1", vb, 2), "f32[4]");
	OK(g, op1(g, NX_OP_MATMUL, "m2", av, 2), "f32[2]");
	OK(g, op1(g, NX_OP_MATMUL, "m3", vv, 2), "f32[]");
	OK(g, op1(g, NX_OP_MATMUL, "m4", a4b3, 2), "f32[5,4,2,6]");
	FAILS(g, op1(g, NX_OP_MATMUL, "m5", ac, 2),
	      "op %m5 (matmul): inner dims differ: f32[2,3] has K=3, f32[4,5] has K=4");
	FAILS(g, op1(g, NX_OP_MATMUL, "m6", a5bb, 2),
	      "op %m6 (matmul): batch dims: cannot broadcast f32[5,2] with f32[3] (dim 1: 2 vs 3)");
	nx_graph_free(g);
}

static void test_gemm(void)
{
	nx_graph *g = nx_graph_new("t");
	uint32_t a = in(g, "a", "f32[3,4]"), b = in(g, "b", "f32[5,3]");
	uint32_t c5 = in(g, "c5", "f32[5]"), c4 = in(g, "c4", "f32[4]");
	uint32_t c41 = in(g, "c41", "f32[4,1]");
	uint32_t abc[3] = {a, b, c5};
	uint32_t o = op1(g, NX_OP_GEMM, "y", abc, 3);
	nx_attr_set_i(g, o, "transA", 1);
	nx_attr_set_i(g, o, "transB", 1);
	OK(g, o, "f32[4,5]");
	nx_op_set_operand(g, o, 2, c4);
	FAILS(g, o, "op %y (gemm): C %c4 f32[4] does not broadcast to f32[4,5]");
	nx_op_set_operand(g, o, 2, c41);
	OK(g, o, "f32[4,5]");
	nx_op_set_operand(g, o, 2, NX_NONE);
	OK(g, o, "f32[4,5]");
	nx_attr_set_i(g, o, "transB", 0);
	FAILS(g, o, "inner dims differ: A f32[3,4] (transA) has K=3, B f32[5,3] has K=5");
	uint32_t v = in(g, "v", "f32[3]"), vb[2] = {v, b};
	FAILS(g, op1(g, NX_OP_GEMM, "y2", vb, 2), "operands f32[3] and f32[5,3] must be 2-D");
	nx_graph_free(g);
}

static void test_pool(void)
{
	nx_graph *g = nx_graph_new("t");
	uint32_t x = in(g, "x", "f32[1,3,32,32]");
	uint32_t o = op1(g, NX_OP_MAX_POOL, "p", &x, 1);
	FAILS(g, o, "missing required attribute 'kernel_shape'");
	INTS(g, o, "kernel_shape", L(3), L(3));
	INTS(g, o, "strides", L(2), L(2));
	INTS(g, o, "pads", L(1), L(1), L(1), L(1));
	OK(g, o, "f32[1,3,16,16]");
	/* ceil_mode: (32 + 2 - 3) / 2 = 15.5 -> 16 + 1 */
	nx_attr_set_i(g, o, "ceil_mode", 1);
	OK(g, o, "f32[1,3,17,17]");
	INTS(g, o, "dilations", L(2), L(1));
	nx_attr_set_i(g, o, "ceil_mode", 0);
	OK(g, o, "f32[1,3,15,16]");
	INTS(g, o, "kernel_shape", L(40), L(3));
	FAILS(g, o, "kernel extent 79 (kernel 40, dilation 2) exceeds the padded input 34");

	/* ceil_mode may not add a window that starts in the end padding:
	 * in 4, k 2, s 3, pads 1+1: ceil(4 / 3) + 1 = 3, but window 2 would
	 * start at 6 >= 4 + 1, so 2 (as onnxruntime and PyTorch give). */
	uint32_t y = in(g, "y", "f32[1,1,4]");
	o = op1(g, NX_OP_AVG_POOL, "ap", &y, 1);
	INTS(g, o, "kernel_shape", L(2));
	INTS(g, o, "strides", L(3));
	INTS(g, o, "pads", L(1), L(1));
	nx_attr_set_i(g, o, "ceil_mode", 1);
	OK(g, o, "f32[1,1,2]");
	nx_attr_del(g, o, "pads");
	OK(g, o, "f32[1,1,2]"); /* ceil(2 / 3) + 1 = 2, second window starts at 3 */
	nx_attr_set_s(g, o, "auto_pad", "SAME_UPPER");
	OK(g, o, "f32[1,1,2]");
	uint32_t i8 = in(g, "i8", "i8[1,1,4]");
	o = op1(g, NX_OP_AVG_POOL, "ap8", &i8, 1);
	INTS(g, o, "kernel_shape", L(2));
	FAILS(g, o, "operand 0 (%i8) is i8; avg_pool takes f32, f16, bf16");
	o = op1(g, NX_OP_MAX_POOL, "mp8", &i8, 1);
	INTS(g, o, "kernel_shape", L(2));
	OK(g, o, "i8[1,1,3]");
	uint32_t z = in(g, "z", "f32[4,4]");
	o = op1(g, NX_OP_MAX_POOL, "p2", &z, 1);
	INTS(g, o, "kernel_shape", L(2));
	FAILS(g, o, "input f32[4,4] needs rank >= 3");

	OK(g, op1(g, NX_OP_GLOBAL_AVG_POOL, "gp", &x, 1), "f32[1,3,1,1]");
	OK(g, op1(g, NX_OP_GLOBAL_MAX_POOL, "gm", &y, 1), "f32[1,1,1]");
	FAILS(g, op1(g, NX_OP_GLOBAL_MAX_POOL, "gz", &z, 1), "needs rank >= 3");
	nx_graph_free(g);
}

static void test_opaque(void)
{
	nx_graph *g = nx_graph_new("t");
	uint32_t x = in(g, "x", "f32[1,100,4]");
	const char *names[2] = {"boxes", "scores"};
	uint32_t o = nx_op_new(g, NX_OP_OPAQUE, &x, 1, 2, names, NX_NONE, NULL);
	FAILS(g, o, "missing required attribute 'op_type'");
	nx_attr_set_s(g, o, "op_type", "NonMaxSuppression");
	nx_attr_set_i(g, o, "center_point_box", 1); /* the source's own attribute */
	nx_type t = parse_type("i64[10,3]");
	nx_value_set_type(g, nx_result(g, o, 0), &t);
	FAILS(g, o, "op %boxes (opaque): result 1 (%scores) of opaque op NonMaxSuppression "
	      "has no type");
	nx_value_set_type(g, nx_result(g, o, 1), &t);
	OK(g, o, "i64[10,3]");
	CHECK_STR(rtype(g, o, 1), "i64[10,3]");
	nx_attr_set_i(g, o, "op_type", 3);
	FAILS(g, o, "attribute 'op_type' must be string, not int");
	nx_graph_free(g);
}

static void test_graph(void)
{
	/* conv -> relu -> global pool -> flatten -> gemm, in schedule order */
	nx_graph *g = nx_graph_new("t");
	uint32_t x = in(g, "x", "f32[2,3,16,16]"), w = in(g, "w", "f32[8,3,3,3]");
	uint32_t fw = in(g, "fw", "f32[10,8]"), fb = in(g, "fb", "f32[10]");
	uint32_t xw[2] = {x, w};
	uint32_t c = op1(g, NX_OP_CONV, "c", xw, 2);
	INTS(g, c, "pads", L(1), L(1), L(1), L(1));
	uint32_t cv = nx_result(g, c, 0);
	uint32_t r = op1(g, NX_OP_RELU, "r", &cv, 1);
	uint32_t rv = nx_result(g, r, 0);
	uint32_t p = op1(g, NX_OP_GLOBAL_AVG_POOL, "p", &rv, 1);
	uint32_t pv = nx_result(g, p, 0);
	uint32_t f = op1(g, NX_OP_FLATTEN, "f", &pv, 1);
	uint32_t gin[3] = {nx_result(g, f, 0), fw, fb};
	uint32_t gm = op1(g, NX_OP_GEMM, "y", gin, 3);
	nx_attr_set_i(g, gm, "transB", 1);
	nx_err e;
	e.msg[0] = 0;
	CHECK_EQ_INT(nx_infer_graph(g, &e), 0);
	CHECK_STR(e.msg, "");
	CHECK_STR(rtype(g, c, 0), "f32[2,8,16,16]");
	CHECK_STR(rtype(g, p, 0), "f32[2,8,1,1]");
	CHECK_STR(rtype(g, gm, 0), "f32[2,10]");
	/* a broken op stops the walk with its own name */
	nx_attr_set_i(g, f, "axis", 9);
	CHECK_EQ_INT(nx_infer_graph(g, &e), -1);
	CHECK_STR(e.msg, "op %f (flatten): axis 9 is out of range for rank 4 (valid: -4..4)");
	nx_graph_free(g);
}

/* Every registry row has an infer function that nx_infer_op reaches: a
 * smoke pass over all kinds with a plausible operand list, which must either
 * succeed or fail with a message naming the op. */
static void test_every_kind(void)
{
	for (int k = 0; k < NX_OP_COUNT; k++) {
		nx_graph *g = nx_graph_new("t");
		uint32_t x = in(g, "x", "f32[1,4,6,6]");
		uint32_t ops[8] = {x, x, x, x, x, x, x, x};
		uint32_t n = nx_ops[k].in_min ? nx_ops[k].in_min : 1;
		uint32_t o = op1(g, k, "y", ops, n);
		nx_err e;
		e.msg[0] = 0;
		CHECK(nx_ops[k].infer != NULL);
		if (nx_infer_op(g, o, &e)) {
			char want[64];
			snprintf(want, sizeof want, "op %%y (%s): ", nx_ops[k].name);
			CHECK_CONTAINS(e.msg, want);
		} else {
			CHECK(nx_vtype(g, nx_result(g, o, 0))->dtype != NX_DTYPE_UNKNOWN);
		}
		nx_graph_free(g);
	}
}

int main(int argc, char **argv)
{
	static const check_case cases[] = {
		{"arity", test_arity},
		{"attr_schema", test_attr_schema},
		{"layout_kept", test_layout_kept},
		{"same", test_same},
		{"broadcast_fn", test_broadcast_fn},
		{"bcast", test_bcast},
		{"pow_prelu_cast", test_pow_prelu_cast},
		{"reshape", test_reshape},
		{"flatten_transpose", test_flatten_transpose},
		{"squeeze_unsqueeze", test_squeeze_unsqueeze},
		{"concat_split", test_concat_split},
		{"slice", test_slice},
		{"gather", test_gather},
		{"pad_shape_expand", test_pad_shape_expand},
		{"resize", test_resize},
		{"reduce", test_reduce},
		{"norms", test_norms},
		{"conv", test_conv},
		{"conv_transpose", test_conv_transpose},
		{"matmul", test_matmul_gemm},
		{"gemm", test_gemm},
		{"pool", test_pool},
		{"opaque", test_opaque},
		{"graph", test_graph},
		{"every_kind", test_every_kind},
		{NULL, NULL},
	};
	return check_main(cases, argc, argv);
}
