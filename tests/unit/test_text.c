/* test_text.c — the .nex text form: printer output, exact round trips
 * (print(parse(print(g))) == print(g)) on hand-written text and on graphs
 * built through the API (every attribute kind, dtype, blob source, odd
 * names), and located parse errors (message, line:col, source line, caret).
 */
#include <math.h>
#include <stdint.h>
#include <unistd.h>

#include "check.h"
#include "nx.h"

/* Parses text, prints it, parses and prints again; the two prints must be
 * equal. Returns the first print (caller frees) or NULL with the error on
 * stderr. */
static char *round_trip_opts(const char *text, const char *dir, const nx_print_opts *po)
{
	nx_err e;
	nx_graph *g = nx_parse(text, strlen(text), "t.nex", dir, &e);
	if (!g) {
		fprintf(stderr, "parse failed: %s\n", e.msg);
		return NULL;
	}
	size_t n;
	char *p1 = nx_print_str(g, po, &n);
	CHECK_EQ_INT(strlen(p1), n);
	nx_graph *g2 = nx_parse(p1, n, "printed.nex", dir, &e);
	if (!g2) {
		fprintf(stderr, "reparse failed: %s\n--\n%s--\n", e.msg, p1);
		CHECK(g2 != NULL);
		nx_graph_free(g);
		free(p1);
		return NULL;
	}
	char *p2 = nx_print_str(g2, po, NULL);
	CHECK_STR(p2, p1);
	free(p2);
	nx_graph_free(g);
	nx_graph_free(g2);
	return p1;
}

static char *round_trip(const char *text)
{
	return round_trip_opts(text, NULL, NULL);
}

/* The first line of a parse error ("file:line:col: message"). */
static const char *first_line(nx_err *e)
{
	char *nl = strchr(e->msg, '\n');
	if (nl)
		*nl = 0;
	return e->msg;
}

static const char *parse_error(const char *text, nx_err *e)
{
	nx_graph *g = nx_parse(text, strlen(text), "t.nex", NULL, e);
	if (g) {
		nx_graph_free(g);
		return "(parsed without error)";
	}
	return e->msg;
}

/* ---- printing and round trips ---- */

static const char demo[] =
	"graph @demo(%x: f32[1,3,224,224], %y2: f32[4]#nhwc) -> (%out: f32[1,16,112,112]#nhwc, "
	"%s1: f32[1,8,112,112]) {\n"
	"  %w0 = const f32[16,3,3,3] fill(random, seed=7)\n"
	"  %b0 = const f32[4] dense[0.5, 1.0, -2.0, 3.0]\n"
	"  %c0 = conv(%x, %w0, _) {strides=[2,2], pads=[1,1,1,1], group=1, act=\"relu\", "
	"act_alpha=0.5} : f32[1,16,112,112]  loc(\"Conv_0\", \"Relu_1\") born(2)\n"
	"  %s0, %s1 = split(%c0) {axis=1, split=[8,8]} : f32[1,8,112,112], f32[1,8,112,112]\n"
	"  %out = relu(%c0) : f32[1,16,112,112]#nhwc\n"
	"  return %out, %s1\n"
	"}\n";

static void t_demo_exact(void)
{
	/* Printed form of a file already in printed form is the file itself. */
	char *p = round_trip(demo);
	CHECK(p != NULL);
	CHECK_STR(p, strstr(demo, "graph"));
	free(p);
}

static void t_structure(void)
{
	nx_err e;
	nx_graph *g = nx_parse(demo, strlen(demo), "d.nex", NULL, &e);
	CHECK(g != NULL);
	if (!g)
		return;
	CHECK_STR(nx_cstr(g, g->name), "demo");
	CHECK_EQ_INT(g->n_inputs, 2);
	CHECK_EQ_INT(g->n_outputs, 2);
	CHECK_EQ_INT(g->n_live_ops, 3);
	CHECK_EQ_INT(nx_vtype(g, g->inputs[1])->layout, NX_LAYOUT_NHWC);
	uint32_t c0 = nx_value_by_name(g, "c0", 2);
	CHECK(c0 != NX_NONE);
	uint32_t o = nx_val(g, c0)->producer;
	CHECK_EQ_INT(nx_opp(g, o)->kind, NX_OP_CONV);
	CHECK_EQ_INT(nx_opp(g, o)->born, 2);
	CHECK_EQ_INT(nx_opp(g, o)->n_origin, 2);
	CHECK_STR(nx_cstr(g, nx_op_origin(g, o)[1]), "Relu_1");
	CHECK_EQ_INT(nx_operand(g, o, 2), NX_NONE);
	CHECK_EQ_INT(nx_attr_i(g, o, "group", 0), 1);
	CHECK(nx_attr_f(g, o, "act_alpha", 0) == 0.5f);
	CHECK_STR(nx_attr_s(g, o, "act", ""), "relu");
	uint32_t n;
	const int64_t *pads = nx_attr_ints(g, o, "pads", &n);
	CHECK_EQ_INT(n, 4);
	CHECK(pads && pads[3] == 1);
	/* declared layout tag kept on an inferred result */
	uint32_t out = nx_value_by_name(g, "out", 3);
	CHECK_EQ_INT(nx_vtype(g, out)->layout, NX_LAYOUT_NHWC);
	CHECK_EQ_INT(nx_vtype(g, out)->dims[2], 112);
	/* schedule order = line order */
	const char *kinds[] = {"conv", "split", "relu"};
	int k = 0;
	NX_FOR_OPS(g, op)
		CHECK_STR(nx_op_name(g, op), kinds[k++]);
	/* constants: fill and dense */
	uint32_t w0 = nx_value_by_name(g, "w0", 2), b0 = nx_value_by_name(g, "b0", 2);
	CHECK_EQ_INT(nx_const_blob(g, w0)->src, NX_BLOB_FILL);
	CHECK_EQ_INT(nx_const_blob(g, w0)->seed, 7);
	const float *bd = nx_blob_data(nx_const_blob(g, b0));
	CHECK(bd[2] == -2.0f);
	char *line = nx_print_op(g, o);
	CHECK_STR(line, "%c0 = conv(%x, %w0, _) {strides=[2,2], pads=[1,1,1,1], group=1, "
		  "act=\"relu\", act_alpha=0.5} : f32[1,16,112,112]  loc(\"Conv_0\", \"Relu_1\") "
		  "born(2)");
	free(line);
	nx_graph_free(g);
}

static void t_normalises(void)
{
	/* Comments, spacing, CRLF, int literals where floats are wanted, plain
	 * layout spelled out, '?' types: all print in the one canonical way. */
	const char *text =
		"// a comment before the graph\r\n"
		"graph   @g ( %x :f32[ 2 , 4 ] ) -> ( %y : ? ) {   // header\r\n"
		"  %y = layer_norm(%x, %s) {epsilon=1, axis=-1} : f32[2,4]#plain // tail\r\n"
		"  return %y // done\r\n"
		"}  // trailing comment\r\n";
	/* %s is used before it is defined: fix that first, and check the error
	 * names the line of the definition. */
	nx_err e;
	CHECK(nx_parse(text, strlen(text), "t.nex", NULL, &e) == NULL);
	CHECK_STR(first_line(&e), "t.nex:3:23: use of undefined value %s");
	const char *fixed =
		"// a comment before the graph\r\n"
		"graph   @g ( %x :f32[ 2 , 4 ] ) -> ( %y : ? ) {   // header\r\n"
		"  %s = const f32[4] fill(ones)\r\n"
		"  %y = layer_norm(%x, %s) {epsilon=1, axis=-1} : ?\r\n"
		"  return %y // done\r\n"
		"}  // trailing comment\r\n";
	char *p = round_trip(fixed);
	CHECK_STR(p, "graph @g(%x: f32[2,4]) -> (%y: f32[2,4]) {\n"
		     "  %s = const f32[4] fill(ones)\n"
		     "  %y = layer_norm(%x, %s) {epsilon=1.0, axis=-1} : f32[2,4]\n"
		     "  return %y\n"
		     "}\n");
	free(p);
}

static void t_names(void)
{
	/* Bare names take [A-Za-z0-9_.$:/-]; everything else is quoted, and a
	 * name ending in ':' or holding "//" must be quoted to read back. */
	const char *text =
		"graph @\"my graph\"(%\"in put\": f32[1], %a.b$c:d/e-f: f32[1]) -> "
		"(%\"x:\": f32[1], %\"p//q\": f32[1], %\"\xc3\xa9t\xc3\xa9\": f32[1], "
		"%\"tab\\there\\\"q\\\\\": f32[1], %\"\\x01\\xff\": f32[1], %_: f32[1]) {\n"
		"  %\"x:\" = relu(%\"in put\") : f32[1]\n"
		"  %\"p//q\" = add(%\"x:\", %a.b$c:d/e-f) : f32[1]\n"
		"  %\"\xc3\xa9t\xc3\xa9\" = neg(%\"p//q\") : f32[1]\n"
		"  %\"tab\\there\\\"q\\\\\" = neg(%\"p//q\") : f32[1]\n"
		"  %\"\\x01\\xff\" = neg(%\"p//q\") : f32[1]\n"
		"  %_ = neg(%\"p//q\") : f32[1]\n"
		"  return %\"x:\", %\"p//q\", %\"\xc3\xa9t\xc3\xa9\", %\"tab\\there\\\"q\\\\\", "
		"%\"\\x01\\xff\", %_\n"
		"}\n";
	char *p = round_trip(text);
	CHECK_STR(p, text);
	free(p);
	nx_err e;
	nx_graph *g = nx_parse(text, strlen(text), "t.nex", NULL, &e);
	CHECK(g != NULL);
	if (!g)
		return;
	CHECK_STR(nx_cstr(g, g->name), "my graph");
	CHECK(nx_value_by_name(g, "tab\there\"q\\", 11) != NX_NONE);
	CHECK(nx_value_by_name(g, "\x01\xff", 2) != NX_NONE);
	CHECK(nx_value_by_name(g, "a.b$c:d/e-f", 11) != NX_NONE);
	nx_graph_free(g);
}

static void t_dense_dtypes(void)
{
	const char *text =
		"graph @g() -> (%a: f32[3], %b: f16[2,2], %c: bf16[2], %d: i8[3], %e: u8[2], "
		"%f: i32[2], %h: i64[2], %k: bool[3], %s: f32[]) {\n"
		"  %a = const f32[3] dense[0.1, -inf, nan]\n"
		"  %b = const f16[2,2] dense[0.099975586, 65504.0, -6.1035156e-05, 1.0]\n"
		"  %c = const bf16[2] dense[3.140625, -1.0e+10]\n"
		"  %d = const i8[3] dense[-128, 0, 127]\n"
		"  %e = const u8[2] dense[0, 255]\n"
		"  %f = const i32[2] dense[-2147483648, 2147483647]\n"
		"  %h = const i64[2] dense[-9223372036854775808, 9223372036854775807]\n"
		"  %k = const bool[3] dense[1, 0, 1]\n"
		"  %s = const f32[] dense[2]\n"
		"  return %a, %b, %c, %d, %e, %f, %h, %k, %s\n"
		"}\n";
	char *p = round_trip(text);
	CHECK_CONTAINS(p, "%a = const f32[3] dense[0.1, -inf, nan]");
	CHECK_CONTAINS(p, "%b = const f16[2,2] dense[0.099975586, 65504.0, -6.1035156e-05, 1.0]");
	CHECK_CONTAINS(p, "%c = const bf16[2] dense[3.140625, -9.999221e+09]");
	CHECK_CONTAINS(p, "%h = const i64[2] dense[-9223372036854775808, 9223372036854775807]");
	CHECK_CONTAINS(p, "%s = const f32[] dense[2.0]");
	free(p);
	nx_err e;
	nx_graph *g = nx_parse(text, strlen(text), "t.nex", NULL, &e);
	CHECK(g != NULL);
	if (!g)
		return;
	const uint16_t *b = nx_blob_data(nx_const_blob(g, nx_value_by_name(g, "b", 1)));
	CHECK_EQ_INT(b[1], 0x7bff); /* 65504 = largest f16 */
	CHECK_EQ_INT(b[3], 0x3c00);
	const int8_t *d = nx_blob_data(nx_const_blob(g, nx_value_by_name(g, "d", 1)));
	CHECK_EQ_INT(d[0], -128);
	nx_graph_free(g);
}

static void t_attrs_by_schema(void)
{
	/* Empty lists follow the schema (w_scale is floats, pads ints); int
	 * literals become floats where the schema wants floats; opaque ops
	 * keep whatever attributes they carry, typed by their literals. */
	const char *text =
		"graph @g(%x: f32[1,3,8,8]) -> (%y: f32[1,3,8,8], %z: f32[1,3,8,8], %q: i64[2]) {\n"
		"  %y = pad(%x) {pads=[0,0,0,0,0,0,0,0], value=2, w_scale=[], tile=[]} : f32[1,3,8,8]\n"
		"  %z = clip(%y) {min=0, max=inf, w_scale=[1, 2.5, -3]} : f32[1,3,8,8]\n"
		"  %q = opaque(%z) {op_type=\"Foo\", domain=\"com.x\", i=-3, f=1e-05, s=\"\", "
		"e=[], fl=[1.5, 2], il=[1,2], \"odd name\"=1} : i64[2]\n"
		"  return %y, %z, %q\n"
		"}\n";
	char *p = round_trip(text);
	CHECK_CONTAINS(p, "{pads=[0,0,0,0,0,0,0,0], value=2.0, w_scale=[], tile=[]}");
	CHECK_CONTAINS(p, "{min=0.0, max=inf, w_scale=[1.0, 2.5, -3.0]}");
	CHECK_CONTAINS(p, "{op_type=\"Foo\", domain=\"com.x\", i=-3, f=1e-05, s=\"\", e=[], "
		       "fl=[1.5, 2.0], il=[1,2], \"odd name\"=1} : i64[2]");
	free(p);
	nx_err e;
	nx_graph *g = nx_parse(text, strlen(text), "t.nex", NULL, &e);
	CHECK(g != NULL);
	if (!g)
		return;
	uint32_t y = nx_val(g, nx_value_by_name(g, "y", 1))->producer;
	CHECK_EQ_INT(nx_attr_get(g, y, "w_scale")->kind, NX_ATTR_FLOATS);
	CHECK_EQ_INT(nx_attr_get(g, y, "tile")->kind, NX_ATTR_INTS);
	CHECK_EQ_INT(nx_attr_get(g, y, "value")->kind, NX_ATTR_FLOAT);
	uint32_t q = nx_val(g, nx_value_by_name(g, "q", 1))->producer;
	CHECK_EQ_INT(nx_attr_get(g, q, "i")->kind, NX_ATTR_INT);
	CHECK_EQ_INT(nx_attr_get(g, q, "fl")->kind, NX_ATTR_FLOATS);
	CHECK_EQ_INT(nx_attr_get(g, q, "odd name")->kind, NX_ATTR_INT);
	nx_graph_free(g);
}

/* A blob store for the printer: appends to one file, as nx_save would. */
typedef struct store {
	FILE *f;
	const char *name;
	int calls;
} store;

static int store_blob(void *ctx, nx_blob *b, const char **file, uint64_t *offset)
{
	store *s = ctx;
	long at = ftell(s->f);
	size_t n = nx_blob_nbytes(b);
	if (at < 0 || fwrite(nx_blob_data(b), 1, n, s->f) != n || fflush(s->f))
		return -1;
	s->calls++;
	*file = s->name;
	*offset = (uint64_t)at;
	return 0;
}

static int store_fail(void *ctx, nx_blob *b, const char **file, uint64_t *offset)
{
	(void)ctx, (void)b, (void)file, (void)offset;
	return -1;
}

/* Builds a graph through the API: the printer must handle what passes and
 * importers make, not only what the parser makes. */
static nx_graph *api_graph(void)
{
	nx_err e;
	nx_graph *g = nx_graph_new("api");
	int64_t d4[] = {2, 8};
	nx_type t = nx_type_make(NX_F32, 2, d4);
	uint32_t x = nx_value_new(g, "x", nx_type_intern(g, &t), &e);
	nx_graph_add_input(g, x);
	float big[8 * 4];
	for (int i = 0; i < 32; i++)
		big[i] = (float)i / 8 - 3;
	int64_t dw[] = {8, 4};
	nx_type tw = nx_type_make(NX_F32, 2, dw);
	uint32_t w = nx_const_new(g, "w", nx_blob_new_copy(&tw, big), &e);
	int64_t d8[] = {8};
	nx_type tb = nx_type_make(NX_F16, 1, d8);
	uint16_t hb[8];
	for (int i = 0; i < 8; i++)
		hb[i] = nx_f32_to_f16((float)i * 0.3f);
	uint32_t bias = nx_const_new(g, "bias", nx_blob_new_copy(&tb, hb), &e);
	(void)bias;
	nx_type tz = nx_type_make(NX_F32, 1, d8);
	uint32_t z = nx_const_new(g, "zero seed 5", nx_blob_new_fill(&tz, NX_FILL_ZEROS, 5), &e);
	uint32_t o1 = nx_op_new(g, NX_OP_ADD, (uint32_t[]){x, z}, 2, 1, (const char *[]){"s"},
				NX_NONE, &e);
	nx_attr_set_s(g, o1, "act", "leaky_relu");
	nx_attr_set_f(g, o1, "act_alpha", 0.01f);
	nx_attr_set_floats(g, o1, "w_scale", (float[]){-0.0f, INFINITY, 1e-30f, 3.0f}, 4);
	nx_attr_set_s(g, o1, "device_reason", "quote \" backslash \\ newline \n \x01 \xc3\xa9");
	nx_op_add_origin(g, o1, nx_str(g, "Add_0"));
	uint32_t o2 = nx_op_new(g, NX_OP_MATMUL, (uint32_t[]){nx_result(g, o1, 0), w}, 2, 1,
				NULL, NX_NONE, &e);
	nx_attr_set_ints(g, o2, "tile", (int64_t[]){INT64_MIN, INT64_MAX}, 2);
	g->ops[o2].born = 7;
	/* inserted before o2 in the schedule: order is not id order */
	uint32_t o3 = nx_op_new(g, NX_OP_RELU, (uint32_t[]){nx_result(g, o1, 0)}, 1, 1,
				(const char *[]){"r"}, o2, &e);
	(void)o3;
	if (nx_infer_graph(g, &e)) {
		fprintf(stderr, "api graph: %s\n", e.msg);
		nx_graph_free(g);
		return NULL;
	}
	nx_graph_add_output(g, nx_result(g, o2, 0));
	nx_graph_add_output(g, nx_result(g, o3, 0));
	return g;
}

static void t_api_graph(void)
{
	nx_graph *g = api_graph();
	CHECK(g != NULL);
	if (!g)
		return;
	/* Default options: the 64-element weight is too big to inline and there
	 * is no store, so it prints as blob(#k), which the parser refuses. */
	char *p = nx_print_str(g, NULL, NULL);
	CHECK_STR(p,
		  "graph @api(%x: f32[2,8]) -> (%t: f32[2,4], %r: f32[2,8]) {\n"
		  "  %w = const f32[8,4] blob(#0)\n"
		  "  %bias = const f16[8] dense[0.0, 0.30004883, 0.60009766, 0.89990234, 1.2001953, "
		  "1.5, 1.7998047, 2.0996094]\n"
		  "  %\"zero seed 5\" = const f32[8] fill(zeros, seed=5)\n"
		  "  %s = add(%x, %\"zero seed 5\") {act=\"leaky_relu\", act_alpha=0.01, "
		  "w_scale=[-0.0, inf, 1e-30, 3.0], device_reason=\"quote \\\" backslash \\\\ newline "
		  "\\n \\x01 \xc3\xa9\"} : f32[2,8]  loc(\"Add_0\")\n"
		  "  %r = relu(%s) : f32[2,8]\n"
		  "  %t = matmul(%s, %w) {tile=[-9223372036854775808,9223372036854775807]} : f32[2,4]"
		  "  born(7)\n"
		  "  return %t, %r\n"
		  "}\n");
	nx_err e;
	CHECK(nx_parse(p, strlen(p), "p.nex", NULL, &e) == NULL);
	CHECK_CONTAINS(e.msg, "p.nex:2:23: blob(#k) names data held in the memory");

	/* show_ids: the op ids, in schedule order (2 was inserted before 1) */
	nx_print_opts po = nx_print_defaults;
	po.show_ids = true;
	char *ids = nx_print_str(g, &po, NULL);
	CHECK_CONTAINS(ids, "  %r = relu(%s) : f32[2,8]  // #2\n  %t = matmul(");
	CHECK_CONTAINS(ids, "born(7)  // #1\n");
	free(ids);

	/* With a store the weight goes to a file, and the text round-trips
	 * through it. */
	char dir[] = "/tmp/nex-text-XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	char path[256];
	snprintf(path, sizeof path, "%s/w.bin", dir);
	store st = {fopen(path, "wb"), "w.bin", 0};
	CHECK(st.f != NULL);
	po = nx_print_defaults;
	po.store_blob = store_blob;
	po.store_ctx = &st;
	char *stored = nx_print_str(g, &po, NULL);
	fclose(st.f);
	CHECK_EQ_INT(st.calls, 1);
	CHECK_CONTAINS(stored, "%w = const f32[8,4] file(\"w.bin\", offset=0)\n");
	/* A file blob prints as file(...) again, with no store. */
	char *p2 = round_trip_opts(stored, dir, NULL);
	CHECK_STR(p2, stored);
	nx_graph *g2 = nx_parse(stored, strlen(stored), "s.nex", dir, &e);
	CHECK(g2 != NULL);
	if (g2) {
		const float *wd = nx_blob_data(nx_const_blob(g2, nx_value_by_name(g2, "w", 1)));
		CHECK(wd[31] == 31.0f / 8 - 3);
		nx_graph_free(g2);
	}
	/* A failing store makes the print fail rather than write a lie. */
	po.store_blob = store_fail;
	CHECK(nx_print_str(g, &po, NULL) == NULL);
	unlink(path);
	rmdir(dir);
	free(p2);
	free(stored);
	free(p);
	nx_graph_free(g);
}

static void t_inline_max(void)
{
	nx_graph *g = api_graph();
	CHECK(g != NULL);
	if (!g)
		return;
	nx_print_opts po = nx_print_defaults;
	po.inline_max = 64;
	char *in = nx_print_str(g, &po, NULL);
	char *p = round_trip_opts(in, NULL, &po);
	CHECK_STR(p, in);
	CHECK_CONTAINS(p, "%w = const f32[8,4] dense[-3.0, -2.875, -2.75,");
	CHECK_CONTAINS(p, "0.75, 0.875]\n");
	po.inline_max = 7;
	char *q = nx_print_str(g, &po, NULL);
	CHECK_CONTAINS(q, "%bias = const f16[8] blob(#1)");
	free(q);
	nx_graph_free(g);
	free(in);
	free(p);
}

static void t_no_io(void)
{
	/* No inputs, no outputs: the smallest graphs print and read back. */
	char *p = round_trip("graph @e() -> () {\n  return\n}\n");
	CHECK_STR(p, "graph @e() -> () {\n  return\n}\n");
	free(p);
	p = round_trip("graph @e(%x: f32[1]) -> (%x: f32[1]) { return %x }");
	CHECK_STR(p, "graph @e(%x: f32[1]) -> (%x: f32[1]) {\n  return %x\n}\n");
	free(p);
}

/* ---- errors ---- */

typedef struct err_case {
	const char *text;
	const char *first_line; /* the whole first line of the message */
} err_case;

#define HDR "graph @g(%x: f32[1,4]) -> (%y: f32[1,4]) {\n"

static const err_case err_cases[] = {
	{"", "t.nex:1:1: empty file: expected 'graph @name(...) -> (...) {'"},
	{"graf @g() -> () {}", "t.nex:1:1: expected 'graph @name(...) -> (...) {', got 'graf'"},
	{HDR "  %y = convv(%x) : f32[1,4]\n  return %y\n}\n",
	 "t.nex:2:8: unknown op 'convv'; did you mean 'conv'?"},
	{HDR "  %y = Relu(%x) : f32[1,4]\n  return %y\n}\n",
	 "t.nex:2:8: unknown op 'Relu'; did you mean 'relu'?"},
	{HDR "  %y = frobnicate(%x) : f32[1,4]\n  return %y\n}\n",
	 "t.nex:2:8: unknown op 'frobnicate' (docs/ir.md lists the op kinds; ops nex does not "
	 "know are written opaque(...) {op_type=\"...\"})"},
	{HDR "  %y = relu(%x, %x) : f32[1,4]\n  return %y\n}\n",
	 "t.nex:2:17: relu takes 1 operand, got 2"},
	{HDR "  %y = add(%x) : f32[1,4]\n  return %y\n}\n",
	 "t.nex:2:14: add takes 2 operands, got 1"},
	{HDR "  %y, %z = relu(%x) : f32[1,4], f32[1,4]\n  return %y\n}\n",
	 "t.nex:2:7: relu gives 1 result, got 2"},
	{HDR "  %y = layer_norm(%x, _) : f32[1,4]\n  return %y\n}\n",
	 "t.nex:2:23: operand 1 of layer_norm is required, but absent"},
	{HDR "  %y = relu(%z) : f32[1,4]\n  return %y\n}\n",
	 "t.nex:2:13: use of undefined value %z"},
	{HDR "  %y = relu(%z) : f32[1,4]\n  %z = relu(%x) : f32[1,4]\n  return %y\n}\n",
	 "t.nex:2:13: use of %z before its definition at line 3 (operands must be defined "
	 "earlier in schedule order)"},
	{HDR "  %a = relu(%b) : f32[1,4]\n  %b = relu(%a) : f32[1,4]\n  %y = relu(%a) : f32[1,4]\n"
	 "  return %y\n}\n",
	 "t.nex:2:13: use of %b before its definition at line 3 (operands must be defined "
	 "earlier in schedule order)"},
	{HDR "  %x = relu(%x) : f32[1,4]\n  return %y\n}\n",
	 "t.nex:2:3: value %x is already defined at line 1"},
	{HDR "  %y = relu(%x) : f32[1,4]\n  %y = relu(%x) : f32[1,4]\n  return %y\n}\n",
	 "t.nex:3:3: value %y is already defined at line 2"},
	{HDR "  %a, %a = split(%x) {axis=1} : f32[1,2], f32[1,2]\n  return %y\n}\n",
	 "t.nex:2:7: value %a is defined twice on this line"},
	{"graph @g(%x: f32[1], %x: f32[1]) -> () {\n",
	 "t.nex:1:22: value %x is already defined at line 1"},
	{HDR "  %c = const f32[1] dense[1]\n\n  %c = const f32[1] dense[1]\n",
	 "t.nex:4:3: value %c is already defined at line 2"},
	{"graph @g(%x: f32[1,0]) -> () {\n", "t.nex:1:20: dim must be >= 1, got 0 (nex shapes are static)"},
	{"graph @g(%x: f32[-3]) -> () {\n", "t.nex:1:18: dim must be >= 1, got -3 (nex shapes are static)"},
	{"graph @g(%x: f32[1,2,3,4,5,6,7,8,9]) -> () {\n",
	 "t.nex:1:34: rank exceeds 8 (nex tensors have at most 8 dims)"},
	{"graph @g(%x: f32[4294967296,4294967296,4]) -> () {\n",
	 "t.nex:1:14: f32 tensor too large: the element count overflows int64"},
	{"graph @g(%x: f32[99999999999999999999]) -> () {\n",
	 "t.nex:1:18: integer 99999999999999999999 is out of range (int64)"},
	{"graph @g(%x: f33[1]) -> () {\n",
	 "t.nex:1:14: unknown dtype 'f33' (f32, f16, bf16, i8, u8, i32, i64, bool, f64, u16, u32, u64, i16)"},
	{"graph @g(%x: f32[1]#nchw) -> () {\n",
	 "t.nex:1:21: expected a layout after '#' (nhwc, ne), got 'nchw'"},
	{"graph @g(%x: ?) -> () {\n", "t.nex:1:14: expected a type such as f32[1,3,224,224], got '?'"},
	{HDR "  %y = relu(%x) : f32[1,4]\n",
	 "t.nex:2:27: the file ends inside graph @g (truncated?): expected an op or 'return'"},
	{HDR "  %y = relu(%x",
	 "t.nex:2:15: the file ends inside graph @g (truncated?): expected ',' or ')' after an "
	 "operand"},
	{HDR "  %y = relu(%x) : f32[1,4]\n  return %y\n}\n%junk\n",
	 "t.nex:5:1: unexpected '%junk' after the end of graph @g (one graph per file)"},
	{HDR "  %y = relu(%x) : f32[1,4]\n  return %y\n}\ngraph @h() -> () {}\n",
	 "t.nex:5:1: unexpected 'graph' after the end of graph @g (one graph per file)"},
	{HDR "  %y = relu(%x) : f32[1,4] // \xc3\xa9 \xff\n  return %y\n}\n",
	 "t.nex:2:33: invalid UTF-8 byte 0xff (in a comment)"},
	{HDR "  %y = relu(%\"a\xc0\xaf\") : f32[1,4]\n  return %y\n}\n",
	 "t.nex:2:16: invalid UTF-8 byte 0xc0"},
	{HDR "  %y = relu(%x) : f32[1,4] \xe2\x82\xac\n  return %y\n}\n",
	 "t.nex:2:28: unexpected character '\xe2\x82\xac'"},
	{HDR "  %c = const f32[4] dense[1.0, 2.0, 3.0]\n  return %y\n}\n",
	 "t.nex:2:21: dense[...] has 3 values, f32[4] needs 4"},
	{HDR "  %c = const f32[2] dense[1.0, 2.0, 3.0]\n  return %y\n}\n",
	 "t.nex:2:37: too many values in dense[...]: f32[2] holds 2"},
	{HDR "  %c = const i8[2] dense[1, 200]\n  return %y\n}\n",
	 "t.nex:2:29: 200 is out of range for i8 (-128..127)"},
	{HDR "  %c = const i32[2] dense[1, 2.5]\n  return %y\n}\n",
	 "t.nex:2:30: i32 data takes integers, got 2.5"},
	{HDR "  %c = const f16[1] dense[70000]\n  return %y\n}\n",
	 "t.nex:2:27: 70000 is out of range for f16"},
	{HDR "  %c = const f32[1] dense[1e39]\n  return %y\n}\n",
	 "t.nex:2:27: 1e39 is out of range for f32"},
	{HDR "  %c = const f32[1] fill(rand, seed=1)\n  return %y\n}\n",
	 "t.nex:2:26: expected a fill kind (random, zeros, ones), got 'rand'"},
	{HDR "  %c = const f32[1] file(\"/nonexistent/w.bin\", offset=0)\n  return %y\n}\n",
	 "t.nex:2:26: %c: file \"/nonexistent/w.bin\": No such file or directory"},
	{HDR "  %y = relu(%x) {stride=1} : f32[1,4]\n  return %y\n}\n",
	 "t.nex:2:18: unknown attribute 'stride' for relu (it has none of its own; the common "
	 "attributes are listed in docs/ir.md)"},
	{HDR "  %y = softmax(%x) {axes=1} : f32[1,4]\n  return %y\n}\n",
	 "t.nex:2:21: unknown attribute 'axes' for softmax; did you mean 'axis'?"},
	{HDR "  %y = softmax(%x) {foo=1} : f32[1,4]\n  return %y\n}\n",
	 "t.nex:2:21: unknown attribute 'foo' for softmax (it takes axis, and the common "
	 "attributes listed in docs/ir.md)"},
	{HDR "  %y = relu(%x) {act=\"relu\"} : f32[1,4]\n  return %y\n}\n",
	 "t.nex:2:18: relu takes no fused activation (attribute 'act')"},
	{HDR "  %y = softmax(%x) {axis=1, axis=1} : f32[1,4]\n  return %y\n}\n",
	 "t.nex:2:29: duplicate attribute 'axis'"},
	{HDR "  %y = softmax(%x) {axis=1.5} : f32[1,4]\n  return %y\n}\n",
	 "t.nex:2:26: attribute 'axis' of softmax is an int, got 1.5"},
	{HDR "  %y = softmax(%x) {axis=\"1\"} : f32[1,4]\n  return %y\n}\n",
	 "t.nex:2:26: attribute 'axis' of softmax is an int, got a string"},
	{HDR "  %y = softmax(%x) {axis=[1]} : f32[1,4]\n  return %y\n}\n",
	 "t.nex:2:26: attribute 'axis' of softmax is an int, got a list"},
	{HDR "  %y = reduce_sum(%x) {axes=[1, 2.0]} : f32[1]\n  return %y\n}\n",
	 "t.nex:2:33: attribute 'axes' of reduce_sum is a list of ints, got a list holding 2.0"},
	{HDR "  %y = relu(%x) : f32[1,5]\n  return %y\n}\n",
	 "t.nex:2:19: result %y: declared f32[1,5], inferred f32[1,4]"},
	{HDR "  %y = relu(%x) : f16[1,4]\n  return %y\n}\n",
	 "t.nex:2:19: result %y: declared f16[1,4], inferred f32[1,4]"},
	{HDR "  %y = reshape(%x) : f32[4]\n  return %y\n}\n",
	 "t.nex:2:8: op %y (reshape): missing required attribute 'shape'"},
	{HDR "  %y = opaque(%x) {op_type=\"Foo\"} : ?\n  return %y\n}\n",
	 "t.nex:2:8: op %y (opaque): result 0 (%y) of opaque op Foo has no type, and nex cannot "
	 "infer one for an op it does not know"},
	{HDR "  %y = relu(%x) : f32[1,4]\n  return %x\n}\n",
	 "t.nex:3:10: return lists %x where the header declares output 0 as %y"},
	{HDR "  %y = relu(%x) : f32[1,4]\n  return\n}\n",
	 "t.nex:4:1: return lists 0 values, the header declares 1 output"},
	{HDR "  %y = relu(%x) : f32[1,4]\n  return %y, %x\n}\n",
	 "t.nex:3:14: return lists more values than the 1 output the header declares"},
	{"graph @g(%x: f32[1,4]) -> (%y: f32[1,4]#nhwc) {\n  %y = relu(%x) : f32[1,4]\n"
	 "  return %y\n}\n",
	 "t.nex:1:32: output %y is declared f32[1,4]#nhwc, but the value is f32[1,4]"},
	{HDR "  %y = relu(%x) : f32[1,4]\n  %w = const f32[1] blob(#3)\n  return %y\n}\n",
	 "t.nex:3:21: blob(#k) names data held in the memory of the program that printed it and "
	 "cannot be read back; save the model with its weights instead (nex opt/convert -o "
	 "OUT.nex writes them to OUT.nex.bin)"},
	{HDR "  %y = relu(%x) {device=\"a\\qb\"} : f32[1,4]\n  return %y\n}\n",
	 "t.nex:2:27: unknown escape '\\q' (use \\\\ \\\" \\n \\t \\r or \\xHH)"},
	{HDR "  %y = relu(%x) {device=\"a\\x00\"} : f32[1,4]\n  return %y\n}\n",
	 "t.nex:2:27: \\x00: strings cannot hold a NUL byte"},
	{HDR "  %y = relu(%x) {device=\"abc} : f32[1,4]\n  return %y\n}\n",
	 "t.nex:2:25: unterminated string (strings end on the same line)"},
	{HDR "  % = relu(%x) : f32[1,4]\n",
	 "t.nex:2:3: expected a name after '%' (other names are quoted: %\"any name\")"},
	{HDR "  %y = relu(%x) : f32[1,4] born(-1)\n  return %y\n}\n",
	 "t.nex:2:33: born step must be a non-negative integer"},
	{HDR "  %y = relu(%x) : f32[1,4] loc()\n  return %y\n}\n",
	 "t.nex:2:32: expected a source node name as a \"string\", got ')'"},
	{HDR "  %y = relu(%x) : f32[1,4] 12abc\n",
	 "t.nex:2:28: malformed number '12abc'"},
	{HDR "\t%y = relu(%x) : f32[1,4]\n\treturn %y %y\n}\n",
	 "t.nex:3:12: expected '}' to close the graph, got '%y'"},
	{NULL, NULL},
};

static void t_errors(void)
{
	for (const err_case *c = err_cases; c->text; c++) {
		nx_err e;
		parse_error(c->text, &e);
		CHECK_STR(first_line(&e), c->first_line);
	}
}

static void t_error_format(void)
{
	/* The whole message: location, source line, caret under the token;
	 * tabs in the source line are kept so the caret lines up. */
	nx_err e;
	parse_error("graph @g(%x: f32[1,3,8,8], %w: f32[4,3,3,3]) -> (%y: f32[1,4,6,6]) {\n"
		    "\t%y = conv(%x, %w) {strides=[1,1]} : f32[1,4,7,6]\n"
		    "  return %y\n}\n", &e);
	CHECK_STR(e.msg, "t.nex:2:38: result %y: declared f32[1,4,7,6], inferred "
		  "f32[1,4,6,6]\n"
		  "\t%y = conv(%x, %w) {strides=[1,1]} : f32[1,4,7,6]\n"
		  "\t                                    ^");
	/* columns count characters, not bytes */
	parse_error("graph @g(%\"\xc3\xa9\xc3\xa9\": f32[1]) -> () {\n  %z = relu(%\"\xc3\xa9\xc3\xa9\") "
		    ": f32[2]\n", &e);
	CHECK_STR(e.msg, "t.nex:2:22: result %z: declared f32[2], inferred f32[1]\n"
		  "  %z = relu(%\"\xc3\xa9\xc3\xa9\") : f32[2]\n"
		  "                     ^");
	/* a truncated file points just past the last token */
	parse_error(HDR "  %y = relu(%x) : f32[1,4]\n\n\n", &e);
	CHECK_STR(e.msg, "t.nex:2:27: the file ends inside graph @g (truncated?): expected an op "
		  "or 'return'\n"
		  "  %y = relu(%x) : f32[1,4]\n"
		  "                          ^");
	/* a file name is optional */
	nx_graph *g = nx_parse("x", 1, NULL, NULL, &e);
	CHECK(g == NULL);
	CHECK_CONTAINS(e.msg, "<input>:1:1: expected 'graph");
}

static void t_long_line_window(void)
{
	/* A header with many inputs: the echoed line is cut around the error
	 * and the caret still points at the token. */
	char text[8192];
	size_t k = (size_t)snprintf(text, sizeof text, "graph @g(");
	for (int i = 0; i < 100; i++)
		k += (size_t)snprintf(text + k, sizeof text - k, "%s%%in%d: f32[1]", i ? ", " : "", i);
	snprintf(text + k, sizeof text - k, ", %%bad: f32[0]) -> () {\n  return\n}\n");
	nx_err e;
	parse_error(text, &e);
	CHECK_CONTAINS(e.msg, ": dim must be >= 1, got 0");
	char *l2 = strchr(e.msg, '\n');
	CHECK(l2 != NULL);
	if (!l2)
		return;
	char *l3 = strchr(l2 + 1, '\n');
	CHECK(l3 != NULL);
	if (!l3)
		return;
	CHECK(l3 - l2 < 260);
	CHECK(!strncmp(l2 + 1, "...", 3));
	/* the caret's column in the echo holds the '0' */
	size_t caret = strlen(l3 + 1) - 1;
	CHECK_EQ_INT(l2[1 + caret], '0');
}

static void t_parse_own_output_of_every_op_kind(void)
{
	/* A few more kinds through the round trip, with multi-result ops and
	 * variadic operands; the printed text must be stable. */
	const char *text =
		"graph @k(%a: f32[2,6], %b: f32[2,6]) -> (%c: f32[4,6], %p: f32[2,2], %q: f32[2,4], "
		"%m: f32[2,6]) {\n"
		"  %c = concat(%a, %b) {axis=0} : f32[4,6]\n"
		"  %p, %q = split(%a) {axis=1, split=[2,4]} : f32[2,2], f32[2,4]\n"
		"  %m = max(%a, %b, %a) : f32[2,6]\n"
		"  return %c, %p, %q, %m\n"
		"}\n";
	char *p = round_trip(text);
	CHECK_STR(p, text);
	free(p);
}

static void t_robust(void)
{
	/* Every prefix of a valid file, and byte-level mutations of it, must
	 * give a graph or one located error, never a crash (ASan/UBSan build).
	 * The mutations come from a fixed seed so a failure reproduces. */
	const char *src = strstr(demo, "graph");
	size_t n = strlen(src);
	char *buf = malloc(n + 1);
	nx_err e;
	int located = 0, parsed = 0;
	for (size_t k = 0; k < n; k++) {
		memcpy(buf, src, k);
		nx_graph *g = nx_parse(buf, k, "t.nex", NULL, &e);
		if (g)
			parsed++;
		else
			located += !strncmp(e.msg, "t.nex:", 6);
		nx_graph_free(g);
	}
	/* only the prefix that lacks just the final newline is a whole graph */
	CHECK_EQ_INT(parsed, 1);
	CHECK_EQ_INT(located, (long long)n - 1);
	static const char pool[] = "%@\"\\[](){},=:#?_-.e0123456789/ \n\x80\xff\xc3";
	uint64_t s = 12345;
	int errors = 0, ok = 0;
	for (int r = 0; r < 3000; r++) {
		memcpy(buf, src, n);
		for (int m = 0; m < 1 + r % 3; m++) {
			s = s * 6364136223846793005ull + 1442695040888963407ull;
			buf[(s >> 33) % n] = pool[(s >> 20) % (sizeof pool - 1)];
		}
		nx_graph *g = nx_parse(buf, n, "t.nex", NULL, &e);
		if (g) {
			/* whatever parses must print and read back the same */
			char *p = nx_print_str(g, NULL, NULL);
			nx_graph *g2 = nx_parse(p, strlen(p), "p.nex", NULL, &e);
			CHECK(g2 != NULL);
			if (g2) {
				char *p2 = nx_print_str(g2, NULL, NULL);
				CHECK_STR(p2, p);
				free(p2);
			}
			nx_graph_free(g2);
			free(p);
			ok++;
		} else {
			errors += !strncmp(e.msg, "t.nex:", 6) && strchr(e.msg, '^') != NULL;
		}
		nx_graph_free(g);
	}
	CHECK_EQ_INT(errors + ok, 3000);
	CHECK(ok > 0 && errors > 0);
	free(buf);
}

static void t_doc_lists_registry(void)
{
	/* docs/ir.md is the reference for the op kinds and their attributes:
	 * adding a kind or an attribute without documenting it fails here. */
	char path[1024];
	const char *src = getenv("NEX_SRC");
	if (src) {
		snprintf(path, sizeof path, "%s/docs/ir.md", src);
	} else {
		snprintf(path, sizeof path, "%s", __FILE__);
		char *cut = strstr(path, "tests/unit/test_text.c");
		CHECK(cut != NULL);
		if (!cut)
			return;
		snprintf(cut, sizeof path - (size_t)(cut - path), "docs/ir.md");
	}
	nx_err e;
	char *doc = nx_read_file(path, NULL, &e);
	CHECK(doc != NULL);
	if (!doc)
		return;
	for (int k = 0; k < NX_OP_COUNT; k++) {
		char key[96], row[4096];
		snprintf(key, sizeof key, "\n| `%s` |", nx_ops[k].name);
		const char *r = strstr(doc, key);
		CHECK_CONTAINS(doc, key);
		if (!r)
			continue;
		const char *end = strchr(r + 1, '\n');
		snprintf(row, sizeof row, "%.*s", (int)(end ? end - r : 200), r);
		for (const nx_attr_spec *a = nx_ops[k].attrs; a->name; a++) {
			snprintf(key, sizeof key, "`%s`", a->name);
			CHECK_CONTAINS(row, key);
		}
	}
	for (const nx_attr_spec *a = nx_common_attrs; a->name; a++) {
		char key[96];
		snprintf(key, sizeof key, "| `%s` |", a->name);
		CHECK_CONTAINS(doc, key);
	}
	free(doc);
}

static const check_case cases[] = {
	{"demo_exact", t_demo_exact},
	{"structure", t_structure},
	{"normalises", t_normalises},
	{"names", t_names},
	{"dense_dtypes", t_dense_dtypes},
	{"attrs_by_schema", t_attrs_by_schema},
	{"api_graph", t_api_graph},
	{"inline_max", t_inline_max},
	{"no_io", t_no_io},
	{"errors", t_errors},
	{"error_format", t_error_format},
	{"long_line_window", t_long_line_window},
	{"multi_result_variadic", t_parse_own_output_of_every_op_kind},
	{"robust", t_robust},
	{"doc_lists_registry", t_doc_lists_registry},
	{NULL, NULL},
};

int main(int argc, char **argv)
{
	return check_main(cases, argc, argv);
}
