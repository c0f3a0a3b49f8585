/* test_json.c — the JSON form (json.c) and load/save by extension (io.c):
 * the canonical printed form of a graph that exercises every field, exact
 * round trips (JSON -> graph -> JSON, text -> graph -> JSON -> graph -> text,
 * every float32 and float16 bit pattern), weights in a side file through
 * nx_save/nx_load, and one case per class of error with its message. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "nx.h"

#define T(dt, shape, lay) "{\"dtype\":\"" dt "\",\"shape\":" shape ",\"layout\":\"" lay "\"}"

/* Every kind of field, printed the way nx_json_print prints it. */
static const char canonical[] =
	"{\n"
	"  \"format\": \"nex-ir\",\n"
	"  \"version\": 1,\n"
	"  \"name\": \"t\",\n"
	"  \"inputs\": [\n"
	"    {\"name\":\"x\",\"type\":" T("f32", "[1,3,8,8]", "plain") "}\n"
	"  ],\n"
	"  \"outputs\": [\"q\",\"c0\"],\n"
	"  \"consts\": [\n"
	"    {\"name\":\"w0\",\"type\":" T("f32", "[4,3,3,3]", "plain") ",\"fill\":{\"kind\":\"random\",\"seed\":7}},\n"
	"    {\"name\":\"b\",\"type\":" T("f32", "[4]", "plain") ",\"data\":[0.1,-0.0,1.0,1e-05]},\n"
	"    {\"name\":\"z\",\"type\":" T("f32", "[2,2]", "ne") ",\"fill\":{\"kind\":\"zeros\"}},\n"
	"    {\"name\":\"s\",\"type\":" T("u8", "[3]", "plain") ",\"fill\":{\"kind\":\"random\",\"seed\":\"18446744073709551615\"}},\n"
	"    {\"name\":\"h\",\"type\":" T("f16", "[3]", "plain") ",\"data\":[0.5,65504.0,-0.0]},\n"
	"    {\"name\":\"hb\",\"type\":" T("bf16", "[2]", "plain") ",\"data\":[1.5,-2.0]},\n"
	"    {\"name\":\"i8v\",\"type\":" T("i8", "[2]", "plain") ",\"data\":[-128,127]},\n"
	"    {\"name\":\"u8v\",\"type\":" T("u8", "[2]", "plain") ",\"data\":[0,255]},\n"
	"    {\"name\":\"i32v\",\"type\":" T("i32", "[2]", "plain") ",\"data\":[-2147483648,2147483647]},\n"
	"    {\"name\":\"i64v\",\"type\":" T("i64", "[4]", "plain") ",\"data\":[9223372036854775807,-9223372036854775808,\"9007199254740993\",-5]},\n"
	"    {\"name\":\"bv\",\"type\":" T("bool", "[3]", "plain") ",\"data\":[true,false,true]},\n"
	"    {\"name\":\"sc\",\"type\":" T("f32", "[]", "plain") ",\"data\":[2.5]}\n"
	"  ],\n"
	"  \"ops\": [\n"
	"    {\"kind\":\"conv\",\"operands\":[\"x\",\"w0\",null],\"results\":[{\"name\":\"c0\",\"type\":" T("f32", "[1,4,4,4]", "plain") "}],"
	"\"attrs\":{\"strides\":[2,2],\"pads\":[1,1,1,1],\"group\":1,\"act\":\"relu\"},\"origin\":[\"Conv_0\",\"Relu_1\"],\"born\":3},\n"
	"    {\"kind\":\"add\",\"operands\":[\"c0\",\"b\"],\"results\":[{\"name\":\"c1\",\"type\":" T("f32", "[1,4,4,4]", "nhwc") "}],"
	"\"attrs\":{},\"origin\":[],\"born\":0},\n"
	"    {\"kind\":\"clip\",\"operands\":[\"c1\"],\"results\":[{\"name\":\"c2\",\"type\":" T("f32", "[1,4,4,4]", "plain") "}],"
	"\"attrs\":{\"min\":\"-inf\",\"max\":6.0},\"origin\":[],\"born\":0},\n"
	"    {\"kind\":\"opaque\",\"operands\":[\"c2\",null],\"results\":[{\"name\":\"q\",\"type\":" T("f16", "[1,4,4,4]", "ne") "},"
	"{\"name\":\"q2\",\"type\":" T("i64", "[2]", "plain") "}],"
	"\"attrs\":{\"op_type\":\"MyOp\",\"domain\":\"com.example\",\"alpha\":{\"float\":1.0},\"beta\":2.5,\"n\":3,"
	"\"big\":{\"int\":\"9007199254740993\"},\"mx\":9223372036854775807,\"s\":\"h\\u00e9 \\\"q\\\"\",\"e\":[],"
	"\"fe\":{\"floats\":[]},\"fl\":{\"floats\":[1.0,2.0]},\"fm\":[1.0,2.5],\"il\":[1,-2],"
	"\"inf\":{\"float\":\"inf\"},\"nan\":{\"floats\":[\"nan\",0.5]}},\"origin\":[\"my_op\"],\"born\":12}\n"
	"  ]\n"
	"}\n";

static char *replace(const char *s, const char *from, const char *to)
{
	size_t n = 0, fl = strlen(from), tl = strlen(to);
	for (const char *p = s; (p = strstr(p, from)); p += fl)
		n++;
	char *out = nx_xmalloc(strlen(s) + n * tl + 1), *o = out;
	for (const char *p = s, *q; ; p = q + fl) {
		q = strstr(p, from);
		size_t k = q ? (size_t)(q - p) : strlen(p);
		memcpy(o, p, k), o += k;
		if (!q)
			break;
		memcpy(o, to, tl), o += tl;
	}
	*o = 0;
	return out;
}

static nx_graph *parse(const char *text, nx_err *err)
{
	return nx_json_parse(text, strlen(text), "m.json", NULL, err);
}

static uint32_t op_of(const nx_graph *g, const char *result)
{
	return nx_val(g, nx_value_by_name(g, result, strlen(result)))->producer;
}

static nx_blob *blob_of(const nx_graph *g, const char *name)
{
	uint32_t v = nx_value_by_name(g, name, strlen(name));
	return v != NX_NONE && nx_is_const(g, v) ? nx_const_blob(g, v) : NULL;
}

/* Strings may hold escapes cJSON prints back in UTF-8; the canonical text
 * spells é as \u00e9, which reads the same. */
static char *canonical_printed(void)
{
	char *s = nx_xstrdup(canonical);
	char *p = strstr(s, "\\u00e9");
	memcpy(p, "\xc3\xa9", 2);
	memmove(p + 2, p + 6, strlen(p + 6) + 1);
	return s;
}

static void test_canonical(void)
{
	nx_err err = {""};
	nx_graph *g = parse(canonical, &err);
	CHECK_STR(err.msg, "");
	if (!g)
		return;
	char *want = canonical_printed();
	char *s = nx_json_print(g, NULL);
	CHECK_STR(s, want);

	/* What the fields became. */
	uint32_t conv = op_of(g, "c0"), opq = op_of(g, "q");
	CHECK_EQ_INT(nx_opp(g, conv)->born, 3);
	CHECK_EQ_INT(nx_opp(g, conv)->n_origin, 2);
	CHECK_STR(nx_cstr(g, nx_op_origin(g, conv)[1]), "Relu_1");
	CHECK_EQ_INT(nx_operand(g, conv, 2), NX_NONE);
	CHECK_EQ_INT(nx_attr_get(g, conv, "group")->kind, NX_ATTR_INT);
	CHECK(isinf(nx_attr_f(g, op_of(g, "c2"), "min", 0)) && nx_attr_f(g, op_of(g, "c2"), "min", 0) < 0);
	CHECK_EQ_INT(nx_attr_get(g, opq, "alpha")->kind, NX_ATTR_FLOAT);
	CHECK(nx_attr_f(g, opq, "alpha", 0) == 1.0f);
	CHECK_EQ_INT(nx_attr_get(g, opq, "n")->kind, NX_ATTR_INT);
	CHECK_EQ_INT(nx_attr_get(g, opq, "beta")->kind, NX_ATTR_FLOAT);
	CHECK_EQ_INT(nx_attr_i(g, opq, "big", 0), 9007199254740993LL);
	CHECK(nx_attr_i(g, opq, "mx", 0) == INT64_MAX);
	CHECK_STR(nx_attr_s(g, opq, "s", NULL), "h\xc3\xa9 \"q\"");
	CHECK_EQ_INT(nx_attr_get(g, opq, "e")->kind, NX_ATTR_INTS);
	CHECK_EQ_INT(nx_attr_get(g, opq, "fe")->kind, NX_ATTR_FLOATS);
	CHECK_EQ_INT(nx_attr_get(g, opq, "fl")->kind, NX_ATTR_FLOATS);
	CHECK_EQ_INT(nx_attr_get(g, opq, "il")->kind, NX_ATTR_INTS);
	CHECK(isinf(nx_attr_f(g, opq, "inf", 0)));
	CHECK_EQ_INT(nx_opp(g, opq)->born, 12);
	CHECK_EQ_INT(nx_vtype(g, nx_value_by_name(g, "q", 1))->layout, NX_LAYOUT_NE);
	CHECK_EQ_INT(nx_vtype(g, nx_value_by_name(g, "c1", 2))->layout, NX_LAYOUT_NHWC);
	CHECK_EQ_INT(nx_vtype(g, nx_value_by_name(g, "z", 1))->layout, NX_LAYOUT_NE);
	CHECK_EQ_INT(blob_of(g, "s")->seed, UINT64_MAX);
	CHECK_EQ_INT(g->n_outputs, 2);
	CHECK_EQ_INT(g->n_live_ops, 4);

	/* And again from the printed text. */
	nx_graph *g2 = parse(s, &err);
	CHECK(g2 != NULL);
	if (g2) {
		char *s2 = nx_json_print(g2, NULL);
		CHECK_STR(s2, want);
		free(s2);
		nx_graph_free(g2);
	}
	free(s);
	free(want);
	nx_graph_free(g);
}

static void test_inline_data(void)
{
	nx_err err = {""};
	nx_graph *g = parse(canonical, &err);
	CHECK_STR(err.msg, "");
	if (!g)
		return;
	const float *b = nx_blob_data(blob_of(g, "b"));
	CHECK(b[0] == 0.1f && b[2] == 1.0f && b[3] == 1e-05f);
	CHECK(b[1] == 0 && signbit(b[1]));
	const uint16_t *h = nx_blob_data(blob_of(g, "h"));
	CHECK_EQ_INT(h[0], 0x3800);
	CHECK_EQ_INT(h[1], 0x7bff);
	CHECK_EQ_INT(h[2], 0x8000);
	const uint16_t *hb = nx_blob_data(blob_of(g, "hb"));
	CHECK_EQ_INT(hb[0], 0x3fc0);
	CHECK_EQ_INT(hb[1], 0xc000);
	const int8_t *i8 = nx_blob_data(blob_of(g, "i8v"));
	CHECK(i8[0] == -128 && i8[1] == 127);
	const uint8_t *u8 = nx_blob_data(blob_of(g, "u8v"));
	CHECK(u8[0] == 0 && u8[1] == 255);
	const int32_t *i32 = nx_blob_data(blob_of(g, "i32v"));
	CHECK(i32[0] == INT32_MIN && i32[1] == INT32_MAX);
	const int64_t *i64 = nx_blob_data(blob_of(g, "i64v"));
	CHECK(i64[0] == INT64_MAX);
	CHECK(i64[1] == INT64_MIN);
	CHECK_EQ_INT(i64[2], 9007199254740993LL);
	CHECK_EQ_INT(i64[3], -5);
	const uint8_t *bv = nx_blob_data(blob_of(g, "bv"));
	CHECK(bv[0] == 1 && bv[1] == 0 && bv[2] == 1);
	CHECK_EQ_INT(blob_of(g, "sc")->type.rank, 0);
	CHECK(*(const float *)nx_blob_data(blob_of(g, "sc")) == 2.5f);
	CHECK_EQ_INT(blob_of(g, "w0")->src, NX_BLOB_FILL);
	nx_graph_free(g);
}

/* Hand-written JSON is read by value: 1 is a float where the schema says
 * float, 0/1 are booleans, and a type may be left to inference. */
static void test_lenient_input(void)
{
	static const char text[] =
		"{\"format\":\"nex-ir\",\"version\":1,\"outputs\":[\"y\"],\n"
		" \"inputs\":[{\"name\":\"x\",\"type\":{\"dtype\":\"f32\",\"shape\":[2,3]}}],\n"
		" \"consts\":[{\"name\":\"m\",\"type\":{\"dtype\":\"bool\",\"shape\":[2]},\"data\":[1,0]}],\n"
		" \"ops\":[{\"kind\":\"leaky_relu\",\"operands\":[\"x\"],\"results\":[{\"name\":\"y\"}],\n"
		"          \"attrs\":{\"alpha\":1}}]}";
	nx_err err = {""};
	nx_graph *g = parse(text, &err);
	CHECK_STR(err.msg, "");
	if (!g)
		return;
	uint32_t o = op_of(g, "y");
	CHECK_EQ_INT(nx_attr_get(g, o, "alpha")->kind, NX_ATTR_FLOAT);
	char ts[64];
	nx_type_str(nx_vtype(g, nx_value_by_name(g, "y", 1)), ts, sizeof ts);
	CHECK_STR(ts, "f32[2,3]");
	CHECK_STR(nx_cstr(g, g->name), "main");
	/* A byte-order mark is skipped. */
	char *bom = nx_xmalloc(sizeof text + 3);
	memcpy(bom, "\xef\xbb\xbf", 3);
	memcpy(bom + 3, text, sizeof text);
	nx_graph *g2 = parse(bom, &err);
	CHECK(g2 != NULL);
	nx_graph_free(g2);
	free(bom);
	const uint8_t *m = nx_blob_data(blob_of(g, "m"));
	CHECK(m[0] == 1 && m[1] == 0);
	nx_graph_free(g);
}

/* A graph whose one output is a constant of n elements, data given (JSON
 * refuses a graph with no outputs). */
static nx_graph *one_const(int dtype, int64_t n, void *data)
{
	nx_graph *g = nx_graph_new("c");
	nx_type t = nx_type_make(dtype, 1, &n);
	nx_graph_add_output(g, nx_const_new(g, "k", nx_blob_new_data(&t, data), NULL));
	return g;
}

/* Prints g with every constant inline, reads it back, compares the bytes;
 * frees g. */
static bool roundtrip_bytes(nx_graph *g, uint32_t inline_max)
{
	nx_print_opts o = nx_print_defaults;
	o.inline_max = inline_max;
	char *s = nx_json_print(g, &o);
	nx_err err = {""};
	nx_graph *h = parse(s, &err);
	bool ok = h != NULL;
	CHECK_STR(err.msg, "");
	if (h) {
		nx_blob *a = blob_of(g, "k"), *b = blob_of(h, "k");
		ok = nx_blob_nbytes(a) == nx_blob_nbytes(b) &&
		     !memcmp(nx_blob_data(a), nx_blob_data(b), nx_blob_nbytes(a));
		char *s2 = nx_json_print(h, &o);
		CHECK_STR(s2, s);
		free(s2);
	}
	nx_graph_free(h);
	nx_graph_free(g);
	free(s);
	return ok;
}

/* Every float16 (and bfloat16) bit pattern but NaNs, and a spread of
 * float32 patterns with the hard cases (denormals, FLT_MAX, -0), read back
 * bit for bit: the printer's digits must be enough and no more. */
static void test_float_bits(void)
{
	int64_t n = 0;
	uint16_t *h = nx_xmalloc(65536 * 2), *bh = nx_xmalloc(65536 * 2);
	int64_t nb = 0;
	for (uint32_t i = 0; i < 65536; i++) {
		if (!isnan(nx_f16_to_f32((uint16_t)i)))
			h[n++] = (uint16_t)i;
		if (!isnan(nx_bf16_to_f32((uint16_t)i)))
			bh[nb++] = (uint16_t)i;
	}
	CHECK(roundtrip_bytes(one_const(NX_F16, n, h), 70000));
	CHECK(roundtrip_bytes(one_const(NX_BF16, nb, bh), 70000));

	int64_t nf = 20000;
	uint32_t *f = nx_xmalloc((size_t)nf * 4);
	uint64_t s = 12345;
	for (int64_t i = 0; i < nf; i++) {
		uint32_t bits;
		do {
			s = s * 6364136223846793005ull + 1442695040888963407ull;
			bits = (uint32_t)(s >> 32);
		} while ((bits & 0x7f800000u) == 0x7f800000u && (bits & 0x7fffffu));
		f[i] = bits;
	}
	const float special[] = {0x1p-149f, 0x1p-126f, 0x1.fffffep127f, -0.0f, 0.1f, 1.0f / 3,
				 16777217.0f, 1e-45f, 3.4028235e38f, INFINITY, -INFINITY};
	memcpy(f, special, sizeof special);
	CHECK(roundtrip_bytes(one_const(NX_F32, nf, f), 20000));
}

/* Attribute values whose kind a bare JSON value would not say. */
static void test_attr_kinds(void)
{
	nx_graph *g = nx_graph_new("a");
	int64_t dims[] = {2};
	nx_type t = nx_type_make(NX_F32, 1, dims);
	uint32_t x = nx_value_new(g, "x", nx_type_intern(g, &t), NULL);
	nx_graph_add_input(g, x);
	const char *names[] = {"y"};
	uint32_t o = nx_op_new(g, NX_OP_OPAQUE, &x, 1, 1, names, NX_NONE, NULL);
	nx_value_set_type(g, nx_result(g, o, 0), &t);
	nx_graph_add_output(g, nx_result(g, o, 0));
	nx_attr_set_s(g, o, "op_type", "K");
	nx_attr_set_i(g, o, "i_big", INT64_MAX - 1);
	nx_attr_set_i(g, o, "i_min", INT64_MIN);
	nx_attr_set_i(g, o, "i_neg_big", -(1LL << 60));
	nx_attr_set_f(g, o, "f_whole", 3.0f);
	nx_attr_set_f(g, o, "f_huge", 1e30f);
	nx_attr_set_f(g, o, "f_nan", NAN);
	nx_attr_set_f(g, o, "f_ninf", -INFINITY);
	nx_attr_set_f(g, o, "f_neg0", -0.0f);
	nx_attr_set_f(g, o, "f_tiny", 0x1p-149f);
	int64_t iv[] = {1, INT64_MIN + 1, 7};
	nx_attr_set_ints(g, o, "ints_big", iv, 3);
	float fv[] = {1.0f, 2.0f}, fv2[] = {0.5f, -INFINITY};
	nx_attr_set_floats(g, o, "floats_whole", fv, 2);
	nx_attr_set_floats(g, o, "floats_inf", fv2, 2);
	nx_attr_set_s(g, o, "s_num", "12");
	nx_attr_set_s(g, o, "s_ctl", "a\tb\n\x01");
	/* A schema'd attribute holding the wrong kind (a broken pass) still
	 * prints what it holds, and reads back the same. */
	uint32_t o2 = nx_op_new(g, NX_OP_OPAQUE, &x, 1, 1, (const char *[]){"y2"}, NX_NONE, NULL);
	nx_value_set_type(g, nx_result(g, o2, 0), &t);
	nx_attr_set_i(g, o2, "op_type", 5);

	char *s = nx_json_print(g, NULL);
	CHECK_CONTAINS(s, "\"i_big\":{\"int\":\"9223372036854775806\"}");
	CHECK_CONTAINS(s, "\"i_min\":-9223372036854775808");
	CHECK_CONTAINS(s, "\"f_whole\":{\"float\":3.0}");
	CHECK_CONTAINS(s, "\"f_huge\":1e+30");
	CHECK_CONTAINS(s, "\"f_nan\":{\"float\":\"nan\"}");
	CHECK_CONTAINS(s, "\"f_neg0\":{\"float\":-0.0}");
	CHECK_CONTAINS(s, "\"ints_big\":{\"ints\":[1,\"-9223372036854775807\",7]}");
	CHECK_CONTAINS(s, "\"floats_whole\":{\"floats\":[1.0,2.0]}");
	CHECK_CONTAINS(s, "\"floats_inf\":{\"floats\":[0.5,\"-inf\"]}");
	CHECK_CONTAINS(s, "\"s_num\":\"12\"");
	CHECK_CONTAINS(s, "\"op_type\":{\"int\":5}");

	/* The second op fails inference (op_type must be a string): read back
	 * the first alone. */
	nx_err err = {""};
	nx_graph *h = parse(s, &err);
	CHECK(h == NULL);
	CHECK_CONTAINS(err.msg, "m.json: ops[1] (opaque, result \"y2\"): op %y2 (opaque): attribute 'op_type'");
	nx_graph_free(h);
	nx_op_erase(g, o2);
	free(s);
	s = nx_json_print(g, NULL);
	h = parse(s, &err);
	CHECK(h != NULL);
	if (h) {
		uint32_t p = op_of(h, "y");
		CHECK_EQ_INT(nx_opp(h, p)->n_attr, nx_opp(g, o)->n_attr);
		for (uint32_t i = 0; i < nx_opp(g, o)->n_attr; i++) {
			const nx_attr *a = &g->attrs[nx_opp(g, o)->attr + i];
			const nx_attr *b = &h->attrs[nx_opp(h, p)->attr + i];
			if (!nx_attr_eq(g, a, h, b)) {
				fprintf(stderr, "attribute %s differs\n", nx_cstr(g, a->name));
				check_failed_ = 1;
			}
		}
		CHECK(signbit(nx_attr_f(h, p, "f_neg0", 1)));
		char *s2 = nx_json_print(h, NULL);
		CHECK_STR(s2, s);
		free(s2);
	}
	nx_graph_free(h);
	free(s);
	nx_graph_free(g);
}

/* text -> graph -> JSON -> graph -> text, and JSON -> graph -> text ->
 * graph -> JSON: the two forms hold the same content. */
static void test_text_roundtrip(void)
{
	/* The text form cannot tell an empty float list from an empty int list
	 * on an opaque op (both print as []): leave that attribute out. */
	char *want = canonical_printed(), *cut = replace(want, ",\"fe\":{\"floats\":[]}", "");
	free(want);
	want = cut;
	CHECK(!strstr(want, "\"fe\""));
	nx_err err = {""};
	nx_graph *g = parse(want, &err);
	CHECK_STR(err.msg, "");
	if (!g)
		return;
	size_t len;
	char *text = nx_print_str(g, NULL, &len);
	nx_graph *g1 = nx_parse(text, len, "t.nex", NULL, &err);
	CHECK_STR(err.msg, "");
	char *j = g1 ? nx_json_print(g1, NULL) : NULL;
	CHECK_STR(j, want);
	nx_graph *g2 = j ? parse(j, &err) : NULL;
	CHECK(g2 != NULL);
	char *text2 = g2 ? nx_print_str(g2, NULL, &len) : NULL;
	CHECK_STR(text2, text);
	free(text2);
	free(want);
	free(j);
	free(text);
	nx_graph_free(g2);
	nx_graph_free(g1);
	nx_graph_free(g);
}

/* ---- nx_save / nx_load ---- */

static char *path_in(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = nx_xmalloc(n);
	snprintf(p, n, "%s/%s", dir, name);
	return p;
}

static long file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) ? -1 : (long)st.st_size;
}

static char *slurp(const char *path)
{
	nx_err err;
	return nx_read_file(path, NULL, &err);
}

/* x[1,64] @ w[64,32] + b[32], with constants of several sizes and dtypes. */
static nx_graph *saved_graph(void)
{
	nx_graph *g = nx_graph_new("s");
	int64_t xd[] = {1, 64}, wd[] = {64, 32}, bd[] = {32}, sd[] = {20}, qd[] = {4};
	nx_type xt = nx_type_make(NX_F32, 2, xd), wt = nx_type_make(NX_F32, 2, wd);
	nx_type bt = nx_type_make(NX_F32, 1, bd), st = nx_type_make(NX_I64, 1, sd);
	nx_type qt = nx_type_make(NX_F32, 1, qd);
	uint32_t x = nx_value_new(g, "x", nx_type_intern(g, &xt), NULL);
	nx_graph_add_input(g, x);
	float *w = nx_xmalloc(64 * 32 * 4), *b = nx_xmalloc(32 * 4), *q = nx_xmalloc(16);
	int64_t *s = nx_xmalloc(20 * 8);
	for (int i = 0; i < 64 * 32; i++)
		w[i] = (float)((i * 7919) % 1000) / 1000.0f - 0.5f;
	for (int i = 0; i < 32; i++)
		b[i] = (float)i * 0.25f;
	for (int i = 0; i < 20; i++)
		s[i] = (int64_t)i * 1000000007LL - 3;
	for (int i = 0; i < 4; i++)
		q[i] = (float)i + 0.5f;
	uint32_t wv = nx_const_new(g, "w", nx_blob_new_data(&wt, w), NULL);
	uint32_t bv = nx_const_new(g, "b", nx_blob_new_data(&bt, b), NULL);
	nx_const_new(g, "s", nx_blob_new_data(&st, s), NULL);
	nx_const_new(g, "q", nx_blob_new_data(&qt, q), NULL);
	nx_const_new(g, "r", nx_blob_new_fill(&bt, NX_FILL_RANDOM, 9), NULL);
	uint32_t in[] = {x, wv};
	uint32_t mm = nx_op_new(g, NX_OP_MATMUL, in, 2, 1, (const char *[]){"m"}, NX_NONE, NULL);
	uint32_t in2[] = {nx_result(g, mm, 0), bv};
	uint32_t add = nx_op_new(g, NX_OP_ADD, in2, 2, 1, (const char *[]){"y"}, NX_NONE, NULL);
	nx_graph_add_output(g, nx_result(g, add, 0));
	nx_err err;
	if (nx_infer_graph(g, &err)) {
		fprintf(stderr, "%s\n", err.msg);
		check_failed_ = 1;
	}
	return g;
}

static bool same_blobs(const nx_graph *a, const nx_graph *b)
{
	static const char *names[] = {"w", "b", "s", "q", "r"};
	for (int i = 0; i < 5; i++) {
		nx_blob *x = blob_of(a, names[i]), *y = blob_of(b, names[i]);
		if (!x || !y || nx_blob_nbytes(x) != nx_blob_nbytes(y) ||
		    memcmp(nx_blob_data(x), nx_blob_data(y), nx_blob_nbytes(x))) {
			fprintf(stderr, "constant %s differs\n", names[i]);
			return false;
		}
	}
	return true;
}

static void test_save_load(void)
{
	char dir[] = "/tmp/nex-json-XXXXXX";
	if (!mkdtemp(dir)) {
		CHECK(!"mkdtemp");
		return;
	}
	char *mj = path_in(dir, "m.json"), *mjb = path_in(dir, "m.json.bin");
	char *sub = path_in(dir, "sub"), *sj = path_in(sub, "m.json"), *sjb = path_in(sub, "m.json.bin");
	char *m2 = path_in(dir, "m2.json"), *m2b = path_in(dir, "m2.json.bin");
	char *mn = path_in(dir, "m.nex"), *mnb = path_in(dir, "m.nex.bin");
	char *c3 = path_in(dir, "c.json"), *c3b = path_in(dir, "c.json.bin");
	char *bad = path_in(dir, "m.txt");
	nx_err err = {""};
	nx_graph *g = saved_graph();

	CHECK_EQ_INT(nx_save(g, mj, &err), 0);
	CHECK_STR(err.msg, "");
	/* w (8192 bytes) at 0, b (128) at 8192, s (160) at 8320: 64-aligned. */
	CHECK_EQ_INT(file_size(mjb), 8320 + 160);
	char *text = slurp(mj);
	CHECK_CONTAINS(text, "\"name\":\"w\",\"type\":{\"dtype\":\"f32\",\"shape\":[64,32],"
		       "\"layout\":\"plain\"},\"file\":\"m.json.bin\",\"offset\":0}");
	CHECK_CONTAINS(text, "\"file\":\"m.json.bin\",\"offset\":8192}");
	CHECK_CONTAINS(text, "\"name\":\"s\",\"type\":{\"dtype\":\"i64\",\"shape\":[20],"
		       "\"layout\":\"plain\"},\"file\":\"m.json.bin\",\"offset\":8320}");
	CHECK_CONTAINS(text, "\"data\":[0.5,1.5,2.5,3.5]");
	CHECK_CONTAINS(text, "\"fill\":{\"kind\":\"random\",\"seed\":9}");

	nx_graph *h = nx_load(mj, &err);
	CHECK(h && same_blobs(g, h));
	nx_graph_free(h);

	/* The pair moves together: the model names the side file by base name. */
	CHECK_EQ_INT(mkdir(sub, 0755), 0);
	CHECK_EQ_INT(rename(mj, sj), 0);
	CHECK_EQ_INT(rename(mjb, sjb), 0);
	h = nx_load(sj, &err);
	CHECK(h && same_blobs(g, h));
	/* Weights read from a side file are written to the new one. */
	if (h) {
		CHECK_EQ_INT(nx_save(h, m2, &err), 0);
		char *t2 = slurp(m2), *want = text ? replace(text, "m.json.bin", "m2.json.bin") : NULL;
		CHECK_STR(t2, want);
		CHECK_EQ_INT(file_size(m2b), 8320 + 160);
		free(t2);
		free(want);
	}
	nx_graph_free(h);

	/* The text form shares the writer. */
	CHECK_EQ_INT(nx_save(g, mn, &err), 0);
	CHECK_EQ_INT(file_size(mnb), 8320 + 160);
	char *nt = slurp(mn);
	CHECK_CONTAINS(nt, "file(\"m.nex.bin\", offset=8320)");
	free(nt);
	h = nx_load(mn, &err);
	CHECK_STR(err.msg, "");
	CHECK(h && same_blobs(g, h));
	nx_graph_free(h);

	/* No weights to keep out: no side file. */
	nx_graph *c = parse(canonical, &err);
	CHECK_EQ_INT(c ? nx_save(c, c3, &err) : -1, 0);
	CHECK_EQ_INT(file_size(c3b), -1);
	char *ct = slurp(c3), *want = canonical_printed();
	CHECK_STR(ct, want);
	free(ct);
	free(want);
	nx_graph_free(c);

	/* A side file too short for the type (a corrupt shape must not try to
	 * allocate terabytes), then a missing one. */
	CHECK_EQ_INT(truncate(sjb, 100), 0);
	CHECK(nx_load(sj, &err) == NULL);
	char expect[512];
	snprintf(expect, sizeof expect, "%s: consts[0] (\"w\"): file \"m.json.bin\" is too short: "
		 "it holds 100 bytes, and 8192 are needed at offset 0", sj);
	CHECK_STR(err.msg, expect);
	char *big = text ? replace(text, "\"shape\":[64,32]", "\"shape\":[65536,65536,65536]") : NULL;
	nx_graph *bg = big ? nx_json_parse(big, strlen(big), "big.json", sub, &err) : NULL;
	CHECK(bg == NULL);
	snprintf(expect, sizeof expect, "big.json: consts[0] (\"w\"): file \"m.json.bin\" is too "
		 "short: it holds 100 bytes, and 1125899906842624 are needed at offset 0");
	CHECK_STR(err.msg, expect);
	free(big);
	unlink(sjb);
	CHECK(nx_load(sj, &err) == NULL);
	snprintf(expect, sizeof expect, "%s: consts[0] (\"w\"): file \"m.json.bin\" (%s/m.json.bin): "
		 "No such file or directory", sj, sub);
	CHECK_STR(err.msg, expect);
	CHECK_EQ_INT(nx_save(g, bad, &err), -1);
	snprintf(expect, sizeof expect, "%s: unknown model file extension (nex reads and writes "
		 ".nex, .json and .onnx)", bad);
	CHECK_STR(err.msg, expect);
	CHECK(nx_load(bad, &err) == NULL);
	CHECK_STR(err.msg, expect);
	CHECK_EQ_INT(file_size(bad), -1);

	const char *files[] = {sj, m2, m2b, mn, mnb, c3};
	for (int i = 0; i < 6; i++)
		unlink(files[i]);
	rmdir(sub);
	CHECK_EQ_INT(rmdir(dir), 0); /* nothing left behind, temp files included */
	free(text);
	nx_graph_free(g);
	free(mj), free(mjb), free(sub), free(sj), free(sjb), free(m2), free(m2b);
	free(mn), free(mnb), free(c3), free(c3b), free(bad);
}

/* ---- errors ---- */

#define HEAD "{\"format\":\"nex-ir\",\"version\":1,\"name\":\"e\"," \
	"\"inputs\":[{\"name\":\"x\",\"type\":{\"dtype\":\"f32\",\"shape\":[1,4]}}],"
#define OPS(ops) HEAD "\"outputs\":[\"y\"],\"consts\":[],\"ops\":[" ops "]}"
#define RELU(res) "{\"kind\":\"relu\",\"operands\":[\"x\"],\"results\":[{\"name\":\"" res "\"}]}"

static const struct {
	const char *text, *msg;
} errors[] = {
	/* syntax, located with the line and a caret */
	{"{\n  \"format\": \"nex-ir\",\n  \"ops\": [conv]\n}\n",
	 "m.json:3:11: invalid JSON (unexpected 'c')\n  \"ops\": [conv]\n          ^"},
	{"{\"format\": \"nex-ir\" \"version\": 1}",
	 "m.json:1:21: invalid JSON (unexpected '\"')\n{\"format\": \"nex-ir\" \"version\": 1}\n                    ^"},
	{"{\n  \"format\": \"nex-ir\",\n  \"ops\": [{\"kind\": \"relu\"\n",
	 "m.json:3:26: unexpected end of input (truncated file?)\n  \"ops\": [{\"kind\": \"relu\"\n                         ^"},
	{"{\"format\": \"nex-i",
	 "m.json:1:12: string never closes (truncated file?)\n{\"format\": \"nex-i\n           ^"},
	{"{\"a\": [1,2,]}", "m.json:1:12: invalid JSON (unexpected ']' after a trailing comma)\n{\"a\": [1,2,]}\n           ^"},
	{"{\"format\": \"nex-ir\"} x", "m.json:1:22: unexpected text after the JSON object\n"
	 "{\"format\": \"nex-ir\"} x\n                     ^"},
	{OPS(RELU("a") ",{\"kind\": relu}"),
	 "m.json:1:206: invalid JSON (unexpected 'r')\n"
	 "...\":[{\"kind\":\"relu\",\"operands\":[\"x\"],\"results\":[{\"name\":\"a\"}]},{\"kind\": relu}]}\n"
	 "                                                                         ^"},
	{"", "m.json: empty file (expected a JSON object)"},
	{" \n\t", "m.json: empty file (expected a JSON object)"},
	/* bytes */
	{"{\"name\": \"caf\xc3\xa9\", \"x\": \"\xff\"}",
	 "m.json:1:24: invalid UTF-8 (byte 0xff)\n{\"name\": \"caf\xc3\xa9\", \"x\": \"?\"}\n                       ^"},
	{"{\"x\": \"\xc0\xaf\"}", "m.json:1:8: invalid UTF-8 (byte 0xc0)\n{\"x\": \"??\"}\n       ^"},
	{"{\"x\": \"\xed\xa0\x80\"}", "m.json:1:8: invalid UTF-8 (byte 0xed)\n{\"x\": \"???\"}\n       ^"},
	/* top level */
	{"[1]", "m.json: expected a JSON object {\"format\": \"nex-ir\", ...} at the top, got an array"},
	{"{\"format\":\"onnx\",\"version\":1,\"outputs\":[],\"ops\":[]}",
	 "m.json: format: expected \"nex-ir\", got \"onnx\""},
	{"{\"format\":\"nex-ir\",\"version\":2,\"outputs\":[],\"ops\":[]}",
	 "m.json: version 2 is not supported (this nex reads version 1)"},
	{"{\"format\":\"nex-ir\",\"version\":1,\"outputs\":[],\"opps\":[]}",
	 "m.json: unknown key \"opps\" (expected format, version, name, inputs, outputs, consts, ops)"},
	{"{\"format\":\"nex-ir\",\"version\":1,\"outputs\":[],\"ops\":[],\"ops\":[]}",
	 "m.json: key \"ops\" appears twice"},
	{"{\"format\":\"nex-ir\",\"version\":1,\"outputs\":[]}", "m.json: missing \"ops\""},
	/* types */
	{HEAD "\"outputs\":[],\"consts\":[{\"name\":\"k\",\"type\":{\"dtype\":\"f31\",\"shape\":[1]},\"fill\":{\"kind\":\"zeros\"}}],\"ops\":[]}",
	 "m.json: consts[0] (\"k\"): type: dtype: \"f31\" is not one of f32, f16, bf16, i8, u8, i32, i64, bool, f64, u16, u32, u64, i16"},
	{HEAD "\"outputs\":[],\"consts\":[{\"name\":\"k\",\"type\":{\"dtype\":\"f32\",\"shape\":[2,0]},\"fill\":{\"kind\":\"zeros\"}}],\"ops\":[]}",
	 "m.json: consts[0] (\"k\"): type: shape[1]: dim 0 must be at least 1 (nex shapes are static)"},
	{HEAD "\"outputs\":[],\"consts\":[{\"name\":\"k\",\"type\":{\"dtype\":\"f32\",\"shape\":[-3]},\"fill\":{\"kind\":\"zeros\"}}],\"ops\":[]}",
	 "m.json: consts[0] (\"k\"): type: shape[0]: dim -3 must be at least 1 (nex shapes are static)"},
	{HEAD "\"outputs\":[],\"consts\":[{\"name\":\"k\",\"type\":{\"dtype\":\"f32\",\"shape\":[4294967296,4294967296]},\"fill\":{\"kind\":\"zeros\"}}],\"ops\":[]}",
	 "m.json: consts[0] (\"k\"): type: shape: f32[4294967296,4294967296] has more bytes than fit in 64 bits"},
	{HEAD "\"outputs\":[],\"consts\":[{\"name\":\"k\",\"type\":{\"dtype\":\"f32\",\"shape\":[1e30]},\"fill\":{\"kind\":\"zeros\"}}],\"ops\":[]}",
	 "m.json: consts[0] (\"k\"): type: shape[0]: integer 1e+30 is out of range (int64)"},
	{HEAD "\"outputs\":[],\"consts\":[{\"name\":\"k\",\"type\":{\"dtype\":\"f32\",\"shape\":[1,1,1,1,1,1,1,1,1]},\"fill\":{\"kind\":\"zeros\"}}],\"ops\":[]}",
	 "m.json: consts[0] (\"k\"): type: shape: rank 9 is more than nex allows (8)"},
	{HEAD "\"outputs\":[],\"consts\":[{\"name\":\"k\",\"type\":{\"dtype\":\"f32\",\"shape\":[2],\"layout\":\"nchw\"},\"fill\":{\"kind\":\"zeros\"}}],\"ops\":[]}",
	 "m.json: consts[0] (\"k\"): type: layout: \"nchw\" is not one of plain, nhwc, ne"},
	/* constants */
	{HEAD "\"outputs\":[],\"consts\":[{\"name\":\"k\",\"type\":{\"dtype\":\"f32\",\"shape\":[2,3]},\"data\":[1,2,3,4,5]}],\"ops\":[]}",
	 "m.json: consts[0] (\"k\"): data: 5 elements for f32[2,3], which holds 6"},
	{HEAD "\"outputs\":[],\"consts\":[{\"name\":\"k\",\"type\":{\"dtype\":\"u8\",\"shape\":[2]},\"data\":[1,256]}],\"ops\":[]}",
	 "m.json: consts[0] (\"k\"): data[1]: 256 is out of range (0 to 255)"},
	{HEAD "\"outputs\":[],\"consts\":[{\"name\":\"k\",\"type\":{\"dtype\":\"f32\",\"shape\":[2]},\"data\":[1,1e39]}],\"ops\":[]}",
	 "m.json: consts[0] (\"k\"): data[1]: 1e+39 is out of range for a float32"},
	{HEAD "\"outputs\":[],\"consts\":[{\"name\":\"k\",\"type\":{\"dtype\":\"i32\",\"shape\":[2]},\"data\":[1,\"two\"]}],\"ops\":[]}",
	 "m.json: consts[0] (\"k\"): data[1]: expected an integer, got \"two\""},
	{HEAD "\"outputs\":[],\"consts\":[{\"name\":\"k\",\"type\":{\"dtype\":\"f32\",\"shape\":[2]},\"fill\":{\"kind\":\"zeros\"},\"data\":[1,2]}],\"ops\":[]}",
	 "m.json: consts[0] (\"k\"): needs exactly one of \"fill\", \"data\", \"file\", \"scaled\""},
	{HEAD "\"outputs\":[],\"consts\":[{\"name\":\"k\",\"type\":{\"dtype\":\"f32\",\"shape\":[2]},\"fill\":{\"kind\":\"gauss\"}}],\"ops\":[]}",
	 "m.json: consts[0] (\"k\"): fill: kind: \"gauss\" is not one of random, zeros, ones"},
	{HEAD "\"outputs\":[],\"consts\":[{\"name\":\"k\",\"type\":{\"dtype\":\"f32\",\"shape\":[40]},\"blob\":3}],\"ops\":[]}",
	 "m.json: consts[0] (\"k\"): blob: a reference to blob #3 of a graph in memory (display form); "
	 "this file does not hold the data: write models with nx_save or `nex convert`"},
	{HEAD "\"outputs\":[],\"consts\":[{\"name\":\"x\",\"type\":{\"dtype\":\"f32\",\"shape\":[2]},\"fill\":{\"kind\":\"ones\"}}],\"ops\":[]}",
	 "m.json: consts[0] (\"x\"): name: \"x\" is already defined (as a graph input)"},
	/* ops */
	{OPS("{\"kind\":\"convv\",\"operands\":[\"x\"],\"results\":[{\"name\":\"y\"}]}"),
	 "m.json: ops[0] (convv, result \"y\"): unknown op kind \"convv\""},
	{OPS(RELU("a") "," "{\"kind\":\"relu\",\"operands\":[\"w9\"],\"results\":[{\"name\":\"y\"}]}"),
	 "m.json: ops[1] (relu, result \"y\"): operands[0]: undefined value \"w9\""},
	{OPS("{\"kind\":\"relu\",\"operands\":[\"a\"],\"results\":[{\"name\":\"y\"}]}," RELU("a")),
	 "m.json: ops[0] (relu, result \"y\"): operands[0]: \"a\" is used before its definition "
	 "(ops must be listed in schedule order)"},
	{OPS(RELU("y") "," RELU("y")),
	 "m.json: ops[1] (relu, result \"y\"): results[0]: name: \"y\" is already defined (as a result of a relu op)"},
	{OPS(RELU("x")), "m.json: ops[0] (relu, result \"x\"): results[0]: name: \"x\" is already defined (as a graph input)"},
	{OPS("{\"kind\":\"split\",\"operands\":[\"x\"],\"results\":[{\"name\":\"y\"},{\"name\":\"y\"}]}"),
	 "m.json: ops[0] (split, result \"y\"): results[1]: name: \"y\" is already defined (as results[0])"},
	{OPS("{\"kind\":\"relu\",\"operands\":[\"x\",\"x\"],\"results\":[{\"name\":\"y\"}]}"),
	 "m.json: ops[0] (relu, result \"y\"): relu takes 1 operand, got 2"},
	{OPS("{\"kind\":\"conv\",\"operands\":[\"x\"],\"results\":[{\"name\":\"y\"}]}"),
	 "m.json: ops[0] (conv, result \"y\"): conv takes 2 to 3 operands, got 1"},
	{OPS("{\"kind\":\"add\",\"operands\":[\"x\",null],\"results\":[{\"name\":\"y\"}]}"),
	 "m.json: ops[0] (add, result \"y\"): operands[1]: operand 1 of add is required, but absent"},
	{OPS("{\"kind\":\"relu\",\"operands\":[\"x\"],\"results\":[]}"),
	 "m.json: ops[0] (relu): relu gives 1 result, got 0"},
	{OPS("{\"kind\":\"relu\",\"operands\":[\"x\"],\"results\":[{\"name\":\"y\"}],\"attr\":{}}"),
	 "m.json: ops[0] (relu, result \"y\"): unknown key \"attr\" (expected kind, operands, results, attrs, origin, born, id)"},
	{OPS("{\"kind\":\"conv\",\"operands\":[\"x\",\"x\"],\"results\":[{\"name\":\"y\"}],\"attrs\":{\"group\":1.5}}"),
	 "m.json: ops[0] (conv, result \"y\"): attribute \"group\": expected an integer, got 1.5"},
	{OPS("{\"kind\":\"conv\",\"operands\":[\"x\",\"x\"],\"results\":[{\"name\":\"y\"}],\"attrs\":{\"strides\":[1,\"a\"]}}"),
	 "m.json: ops[0] (conv, result \"y\"): attribute \"strides\"[1]: expected an integer, got \"a\""},
	{OPS("{\"kind\":\"conv\",\"operands\":[\"x\",\"x\"],\"results\":[{\"name\":\"y\"}],\"attrs\":{\"auto_pad\":3}}"),
	 "m.json: ops[0] (conv, result \"y\"): attribute \"auto_pad\": expected a string, got 3"},
	{OPS("{\"kind\":\"opaque\",\"operands\":[\"x\"],\"results\":[{\"name\":\"y\"}],\"attrs\":{\"op_type\":\"K\",\"v\":{\"tensor\":1}}}"),
	 "m.json: ops[0] (opaque, result \"y\"): attribute \"v\": an object must be {\"<kind>\": value} "
	 "with kind one of int, float, string, ints, floats"},
	{OPS("{\"kind\":\"relu\",\"operands\":[\"x\"],\"results\":[{\"name\":\"y\",\"type\":{\"dtype\":\"f32\",\"shape\":[1,5]}}]}"),
	 "m.json: ops[0] (relu, result \"y\"): result %y: declared f32[1,5], inferred f32[1,4]"},
	{OPS("{\"kind\":\"relu\",\"operands\":[\"x\"],\"results\":[{\"name\":\"y\"}],\"born\":-1}"),
	 "m.json: ops[0] (relu, result \"y\"): born: -1 is out of range (0 to 4294967295)"},
	{OPS("{\"kind\":\"opaque\",\"operands\":[\"x\"],\"results\":[{\"name\":\"y\"}],\"attrs\":{\"op_type\":\"K\"}}"),
	 "m.json: ops[0] (opaque, result \"y\"): op %y (opaque): result 0 (%y) of opaque op K has no "
	 "type, and nex cannot infer one for an op it does not know"},
	/* outputs */
	{HEAD "\"outputs\":[\"zz\"],\"consts\":[],\"ops\":[]}", "m.json: outputs[0]: undefined value \"zz\""},
	{HEAD "\"outputs\":\"x\",\"consts\":[],\"ops\":[]}",
	 "m.json: outputs: expected an array of value names, got \"x\""},
};

static void test_errors(void)
{
	for (size_t i = 0; i < sizeof errors / sizeof errors[0]; i++) {
		nx_err err = {""};
		nx_graph *g = parse(errors[i].text, &err);
		if (g) {
			fprintf(stderr, "case %zu: parsed, expected an error\n", i);
			check_failed_ = 1;
			nx_graph_free(g);
			continue;
		}
		if (strcmp(err.msg, errors[i].msg)) {
			fprintf(stderr, "case %zu:\n  got:      %s\n  expected: %s\n", i, err.msg,
				errors[i].msg);
			check_failed_ = 1;
		}
	}
}

/* Every prefix of a valid file is a clean error, never a crash or a leak. */
/* Bytes changed at random: a clean error or a graph, never a crash or a
 * leak (run under ASan). */
static void test_mutations(void)
{
	size_t n = strlen(canonical);
	char *buf = nx_xmalloc(n + 1);
	uint64_t s = 99;
	int bad = 0, parsed = 0;
	static const char pick[] = "{}[],:\"0123456789.-eE \\ntfaxyz\x80\xff";
	for (int k = 0; k < 3000; k++) {
		memcpy(buf, canonical, n + 1);
		for (int m = 0; m < 1 + k % 3; m++) {
			s = s * 6364136223846793005ull + 1442695040888963407ull;
			buf[(s >> 33) % n] = pick[(s >> 13) % (sizeof pick - 1)];
		}
		nx_err err = {""};
		nx_graph *g = nx_json_parse(buf, n, "m.json", NULL, &err);
		parsed += g != NULL;
		bad += !g && strncmp(err.msg, "m.json", 6);
		nx_graph_free(g);
	}
	CHECK_EQ_INT(bad, 0);
	CHECK(parsed > 0 && parsed < 3000);
	free(buf);
}

static void test_truncations(void)
{
	size_t n = strlen(canonical);
	char *buf = nx_xmalloc(n + 1);
	int bad = 0;
	for (size_t k = 0; k < n; k++) {
		memcpy(buf, canonical, k);
		buf[k] = 0;
		nx_err err = {""};
		nx_graph *g = nx_json_parse(buf, k, "m.json", NULL, &err);
		if (g || strncmp(err.msg, "m.json", 6)) {
			/* Only a cut inside the trailing whitespace still parses. */
			if (!(g && k >= n - 1))
				bad++;
		}
		nx_graph_free(g);
	}
	CHECK_EQ_INT(bad, 0);
	free(buf);
}

int main(int argc, char **argv)
{
	static const check_case cases[] = {
		{"canonical", test_canonical},
		{"inline_data", test_inline_data},
		{"lenient_input", test_lenient_input},
		{"float_bits", test_float_bits},
		{"attr_kinds", test_attr_kinds},
		{"text_roundtrip", test_text_roundtrip},
		{"save_load", test_save_load},
		{"errors", test_errors},
		{"truncations", test_truncations},
		{"mutations", test_mutations},
		{NULL, NULL},
	};
	return check_main(cases, argc, argv);
}
