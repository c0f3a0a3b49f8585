/* test_opcheck.c — one fault, one wording: a wrong operand count, a required
 * operand left absent and a declared type that inference contradicts read
 * the same through the text parser, the JSON reader, shape inference and the
 * verifier (opcheck.c); only the location in front differs. */
#include "check.h"
#include "nx.h"

/* The message after the location: everything from the first occurrence of
 * what (the shared wording starts with it). */
static const char *tail(const char *msg, const char *what)
{
	const char *p = strstr(msg, what);
	return p ? p : msg;
}

static const char *text_err(const char *text, nx_err *e)
{
	nx_graph *g = nx_parse(text, strlen(text), "t.nex", NULL, e);
	CHECK(g == NULL);
	nx_graph_free(g);
	/* the first line: the caret lines follow */
	char *nl = strchr(e->msg, '\n');
	if (nl)
		*nl = 0;
	return e->msg;
}

static const char *json_err(const char *ops, nx_err *e)
{
	char buf[2048];
	snprintf(buf, sizeof buf,
		 "{\"format\": \"nex-ir\", \"version\": 1, \"name\": \"g\", \"inputs\": "
		 "[{\"name\": \"x\", \"type\": {\"dtype\": \"f32\", \"shape\": [1, 4]}}], "
		 "\"outputs\": [\"y\"], \"ops\": [%s]}", ops);
	nx_graph *g = nx_json_parse(buf, strlen(buf), "t.json", NULL, e);
	CHECK(g == NULL);
	nx_graph_free(g);
	return e->msg;
}

/* A valid graph x -> relu -> y, for breaking by hand afterwards. */
static nx_graph *relu_graph(void)
{
	const char *t = "graph @g(%x: f32[1,4]) -> (%y: f32[1,4]) {\n"
			"  %y = relu(%x) : f32[1,4]\n  return %y\n}\n";
	nx_err e;
	nx_graph *g = nx_parse(t, strlen(t), "t.nex", NULL, &e);
	CHECK(g != NULL);
	return g;
}

static void test_declared_type(void)
{
	const char *want = "result %y: declared f32[1,5], inferred f32[1,4]";
	nx_err e1, e2, e3;
	CHECK_STR(tail(text_err("graph @g(%x: f32[1,4]) -> (%y: f32[1,5]) {\n"
				"  %y = relu(%x) : f32[1,5]\n  return %y\n}\n", &e1), "result %"),
		  want);
	CHECK_STR(tail(json_err("{\"kind\": \"relu\", \"operands\": [\"x\"], \"results\": "
				"[{\"name\": \"y\", \"type\": {\"dtype\": \"f32\", "
				"\"shape\": [1, 5]}}]}", &e2), "result %"),
		  want);
	nx_graph *g = relu_graph();
	if (!g)
		return;
	uint32_t y = nx_value_by_name(g, "y", 1);
	nx_type t = *nx_vtype(g, y);
	t.dims[1] = 5;
	nx_value_set_type(g, y, &t);
	CHECK_EQ_INT(nx_verify(g, &e3), -1);
	CHECK_STR(e3.msg, "op %y (relu): result %y: declared f32[1,5], inferred f32[1,4]");
	nx_graph_free(g);
}

static void test_operand_count(void)
{
	const char *want = "add takes 2 operands, got 1";
	nx_err e1, e2, e3;
	CHECK_STR(tail(text_err("graph @g(%x: f32[1,4]) -> (%y: f32[1,4]) {\n"
				"  %y = add(%x) : f32[1,4]\n  return %y\n}\n", &e1), "add takes"),
		  want);
	CHECK_STR(tail(json_err("{\"kind\": \"add\", \"operands\": [\"x\"], \"results\": "
				"[{\"name\": \"y\"}]}", &e2), "add takes"),
		  want);
	nx_graph *g = nx_graph_new("g");
	nx_type t = nx_type_make(NX_F32, 2, (const int64_t[]){1, 4});
	uint32_t x = nx_value_new(g, "x", 0, NULL);
	nx_value_set_type(g, x, &t);
	nx_graph_add_input(g, x);
	const char *names[] = {"y"};
	uint32_t o = nx_op_new(g, NX_OP_ADD, &x, 1, 1, names, NX_NONE, NULL);
	CHECK_EQ_INT(nx_infer_op(g, o, &e3), -1);
	CHECK_STR(e3.msg, "op %y (add): add takes 2 operands, got 1");
	nx_graph_free(g);
}

static void test_absent_operand(void)
{
	const char *want = "operand 1 of add is required, but absent";
	nx_err e1, e2;
	CHECK_STR(tail(text_err("graph @g(%x: f32[1,4]) -> (%y: f32[1,4]) {\n"
				"  %y = add(%x, _) : f32[1,4]\n  return %y\n}\n", &e1), "operand"),
		  want);
	CHECK_STR(tail(json_err("{\"kind\": \"add\", \"operands\": [\"x\", null], \"results\": "
				"[{\"name\": \"y\"}]}", &e2), "operand 1"),
		  want);
}

int main(int argc, char **argv)
{
	static const check_case cases[] = {
		{"declared_type", test_declared_type},
		{"operand_count", test_operand_count},
		{"absent_operand", test_absent_operand},
		{NULL, NULL},
	};
	return check_main(cases, argc, argv);
}
