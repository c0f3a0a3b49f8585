/* test_verify.c — the verifier, rule by rule: each case builds a small valid
 * graph with the nx.h API, breaks one invariant (through the API where it
 * can be broken that way, else by poking the structs as a buggy pass would),
 * and checks that nx_verify fails naming the op (or value) and the rule. */
#include "check.h"
#include "nx.h"

/* %x: f32[1,3,8,8] input; %w const f32[4,3,3,3]; %b const f32[4];
 * %c = conv(%x, %w, %b) {pads}; %a = add(%c, %k) with %k const f32[1,4,1,1];
 * %r = relu(%a); output %r. */
typedef struct fix {
	nx_graph *g;
	uint32_t x, w, b, k;      /* values */
	uint32_t conv, add, relu; /* ops */
} fix;

static uint32_t res(const fix *f, uint32_t op)
{
	return nx_result(f->g, op, 0);
}

static uint32_t konst(nx_graph *g, const char *name, int rank, const int64_t *dims)
{
	nx_type t = nx_type_make(NX_F32, rank, dims);
	return nx_const_new(g, name, nx_blob_new_fill(&t, NX_FILL_ONES, 0), NULL);
}

static fix build(void)
{
	fix f;
	nx_err err;
	f.g = nx_graph_new("t");
	nx_graph *g = f.g;
	static const int64_t xd[] = {1, 3, 8, 8}, wd[] = {4, 3, 3, 3}, bd[] = {4},
			     kd[] = {1, 4, 1, 1};
	nx_type xt = nx_type_make(NX_F32, 4, xd);
	f.x = nx_value_new(g, "x", nx_type_intern(g, &xt), &err);
	nx_graph_add_input(g, f.x);
	f.w = konst(g, "w", 4, wd);
	f.b = konst(g, "b", 1, bd);
	f.k = konst(g, "k", 4, kd);
	const char *cn[] = {"c"}, *an[] = {"a"}, *rn[] = {"r"};
	uint32_t cin[] = {f.x, f.w, f.b};
	f.conv = nx_op_new(g, NX_OP_CONV, cin, 3, 1, cn, NX_NONE, &err);
	static const int64_t pads[] = {1, 1, 1, 1};
	nx_attr_set_ints(g, f.conv, "pads", pads, 4);
	uint32_t ain[] = {res(&f, f.conv), f.k};
	f.add = nx_op_new(g, NX_OP_ADD, ain, 2, 1, an, NX_NONE, &err);
	uint32_t rin[] = {res(&f, f.add)};
	f.relu = nx_op_new(g, NX_OP_RELU, rin, 1, 1, rn, NX_NONE, &err);
	nx_graph_add_output(g, res(&f, f.relu));
	if (nx_infer_graph(g, &err))
		fprintf(stderr, "fixture does not infer: %s\n", err.msg);
	return f;
}

/* Verify must fail with a message containing each of the given parts. */
static void expect_fail(fix *f, const char *part1, const char *part2)
{
	nx_err err;
	err.msg[0] = 0;
	CHECK_EQ_INT(nx_verify(f->g, &err), -1);
	CHECK_CONTAINS(err.msg, part1);
	if (part2)
		CHECK_CONTAINS(err.msg, part2);
	nx_graph_free(f->g);
}

static void t_valid(void)
{
	fix f = build();
	nx_err err;
	err.msg[0] = 0;
	uint32_t n_types = f.g->n_types, t = f.g->vals[res(&f, f.conv)].type;
	CHECK_EQ_INT(nx_verify(f.g, &err), 0);
	CHECK_STR(err.msg, "");
	/* Inference ran on a clone: nothing was interned or reset in g. */
	CHECK_EQ_INT(f.g->n_types, n_types);
	CHECK_EQ_INT(f.g->vals[res(&f, f.conv)].type, t);
	nx_graph_free(f.g);
}

static void t_optional_operand_absent(void)
{
	fix f = build();
	nx_op_set_operand(f.g, f.conv, 2, NX_NONE); /* conv bias is optional */
	nx_err err;
	CHECK_EQ_INT(nx_verify(f.g, &err), 0);
	nx_graph_free(f.g);
}

static void t_required_operand_absent(void)
{
	fix f = build();
	nx_op_set_operand(f.g, f.add, 1, NX_NONE);
	expect_fail(&f, "op %a (add): operand 1 of add is required, but absent", NULL);
}

static void t_operand_dead(void)
{
	fix f = build();
	f.g->vals[f.k].flags |= NX_V_DEAD; /* erased while still read */
	expect_fail(&f, "op %a (add): operand 1 (%k) is an erased value", NULL);
}

static void t_operand_out_of_range(void)
{
	fix f = build();
	f.g->uses[f.g->ops[f.relu].in].value = 12345;
	expect_fail(&f, "op %r (relu): operand 0 is value #12345, which does not exist", NULL);
}

static void t_arity(void)
{
	fix f = build();
	f.g->ops[f.add].n_in = 1;
	expect_fail(&f, "op %a (add): add takes 2 operands, got 1", NULL);
}

static void t_kind(void)
{
	fix f = build();
	f.g->ops[f.relu].kind = 999;
	expect_fail(&f, "op %r (?): kind 999 is not in the op registry", NULL);
}

static void t_use_before_def(void)
{
	fix f = build();
	nx_op_move_before(f.g, f.relu, f.add);
	expect_fail(&f, "op %r (relu): operand 0 (%a) is used before its definition by op %a (add)",
		    NULL);
}

static void t_cycle(void)
{
	fix f = build();
	/* add now reads relu's result and relu reads add's: a cycle. */
	nx_op_set_operand(f.g, f.add, 1, res(&f, f.relu));
	expect_fail(&f, "op %a (add): operand 1 (%r) is used before its definition by op %r (relu)",
		    NULL);
}

static void t_self_cycle(void)
{
	fix f = build();
	nx_op_set_operand(f.g, f.relu, 0, res(&f, f.relu));
	expect_fail(&f, "op %r (relu): operand 0 (%r) is its own result", NULL);
}

static void t_not_scheduled(void)
{
	fix f = build();
	/* Unlink relu from the end of the schedule by hand. */
	f.g->ops[f.add].next = NX_NONE;
	f.g->last = f.add;
	expect_fail(&f, "op %r (relu): live op is not in the schedule", NULL);
}

static void t_schedule_cycle(void)
{
	fix f = build();
	f.g->ops[f.relu].next = f.add;
	expect_fail(&f, "op %a (add): appears twice in the schedule", NULL);
}

static void t_schedule_back_link(void)
{
	fix f = build();
	f.g->ops[f.relu].prev = f.conv;
	expect_fail(&f, "op %r (relu): schedule back link is #0, expected %a (add)", NULL);
}

static void t_schedule_last(void)
{
	fix f = build();
	f.g->last = f.add;
	expect_fail(&f, "graph @t: schedule ends at op #2 but its last link is op #1", NULL);
}

static void t_schedule_count(void)
{
	fix f = build();
	f.g->n_live_ops++;
	expect_fail(&f, "graph @t: schedule holds 3 ops but n_live_ops says 4", NULL);
}

static void t_dead_op_scheduled(void)
{
	fix f = build();
	f.g->ops[f.add].flags |= NX_O_DEAD;
	expect_fail(&f, "op %a (add): erased op is still in the schedule", NULL);
}

static void t_use_list_missing(void)
{
	fix f = build();
	f.g->vals[f.x].first_use = NX_NONE; /* conv's operand 0 off the list */
	expect_fail(&f, "op %c (conv): operand 0 (%x) is missing from the value's use list", NULL);
}

static void t_use_list_stale(void)
{
	fix f = build();
	/* Rewire add's operand 1 without moving the slot between lists. */
	f.g->uses[f.g->ops[f.add].in + 1].value = f.b;
	expect_fail(&f, "value %k: its use list holds slot #", "which reads %b");
}

static void t_use_list_back_link(void)
{
	fix f = build();
	uint32_t u = f.g->vals[f.x].first_use;
	f.g->uses[u].prev = 7;
	expect_fail(&f, "value %x: use slot #", "has back link #7, expected none");
}

static void t_use_list_cycle(void)
{
	fix f = build();
	uint32_t u = f.g->vals[f.x].first_use;
	f.g->uses[u].next = u;
	expect_fail(&f, "value %x: use slot #", "is listed twice");
}

static void t_use_of_dead_op(void)
{
	fix f = build();
	/* A new op reading %x, erased, but its slot left on %x's list. */
	nx_err err;
	uint32_t in[] = {f.x};
	uint32_t o = nx_op_new(f.g, NX_OP_RELU, in, 1, 1, NULL, NX_NONE, &err);
	uint32_t u = f.g->ops[o].in;
	nx_op_erase(f.g, o);
	/* Put the slot back on the list as a buggy pass might. */
	f.g->uses[u].value = f.x;
	f.g->uses[u].prev = NX_NONE;
	f.g->uses[u].next = f.g->vals[f.x].first_use;
	f.g->uses[f.g->vals[f.x].first_use].prev = u;
	f.g->vals[f.x].first_use = u;
	expect_fail(&f, "value %x: its use list holds slot #", "not an operand of a live op");
}

static void t_result_back_link(void)
{
	fix f = build();
	f.g->vals[res(&f, f.add)].result_no = 1;
	expect_fail(&f, "op %a (add): result 0 (%a) points back to op #1 result 1", NULL);
}

static void t_result_wrong_producer(void)
{
	fix f = build();
	f.g->vals[res(&f, f.add)].producer = f.relu;
	expect_fail(&f, "op %a (add): result 0 (%a) points back to op #2 result 0", NULL);
}

static void t_result_no_type(void)
{
	fix f = build();
	f.g->vals[res(&f, f.add)].type = 0;
	expect_fail(&f, "op %a (add): result 0 (%a) has no type", NULL);
}

static void t_result_wrong_type(void)
{
	fix f = build();
	static const int64_t d[] = {1, 4, 8, 9};
	nx_type t = nx_type_make(NX_F32, 4, d);
	nx_value_set_type(f.g, res(&f, f.conv), &t);
	uint32_t before = f.g->vals[res(&f, f.conv)].type;
	nx_err err;
	CHECK_EQ_INT(nx_verify(f.g, &err), -1);
	CHECK_STR(err.msg, "op %c (conv): result %c: declared f32[1,4,8,9], inferred "
		  "f32[1,4,8,8]");
	/* The stale type stays: verify reports, it does not repair. */
	CHECK_EQ_INT(f.g->vals[res(&f, f.conv)].type, before);
	nx_graph_free(f.g);
}

static void t_result_wrong_dtype(void)
{
	fix f = build();
	nx_type t = *nx_vtype(f.g, res(&f, f.relu));
	t.dtype = NX_F16;
	nx_value_set_type(f.g, res(&f, f.relu), &t);
	expect_fail(&f, "op %r (relu): result %r: declared f16[1,4,8,8], inferred f32[1,4,8,8]",
		    NULL);
}

static void t_layout_not_compared(void)
{
	fix f = build();
	nx_type t = *nx_vtype(f.g, res(&f, f.relu));
	t.layout = NX_LAYOUT_NHWC; /* a layout pass's decision, not inferred */
	nx_value_set_type(f.g, res(&f, f.relu), &t);
	nx_err err;
	CHECK_EQ_INT(nx_verify(f.g, &err), 0);
	nx_graph_free(f.g);
}

static void t_infer_failure(void)
{
	fix f = build();
	static const int64_t d[] = {1, 5, 1, 1};
	uint32_t k2 = konst(f.g, "k2", 4, d);
	nx_op_set_operand(f.g, f.add, 1, k2); /* [1,4,8,8] + [1,5,1,1] */
	expect_fail(&f, "op %a (add): ", "f32[1,5,1,1]");
}

static void t_input_type_unknown(void)
{
	fix f = build();
	f.g->vals[f.x].type = 0;
	expect_fail(&f, "value %x: has no type", NULL);
}

static void t_const_blob_mismatch(void)
{
	fix f = build();
	static const int64_t d[] = {4, 1};
	nx_type t = nx_type_make(NX_F32, 2, d);
	f.g->vals[f.b].type = nx_type_intern(f.g, &t);
	expect_fail(&f, "value %b: constant's blob holds f32[4] but the value's type is f32[4,1]",
		    NULL);
}

static void t_const_blob_missing(void)
{
	fix f = build();
	uint32_t s = f.g->vals[f.k].blob;
	nx_blob_unref(f.g->blobs[s]);
	f.g->blobs[s] = NULL;
	expect_fail(&f, "value %k: constant refers to blob slot", "holds no blob");
}

static void t_output_dead(void)
{
	fix f = build();
	static const int64_t d[] = {2};
	uint32_t c = konst(f.g, "extra", 1, d);
	nx_graph_add_output(f.g, c);
	nx_value_erase(f.g, c);
	expect_fail(&f, "value %extra: graph output 1 is an erased value", NULL);
}

static void t_input_not_flagged(void)
{
	fix f = build();
	f.g->vals[f.x].flags &= (uint8_t)~NX_V_INPUT;
	expect_fail(&f, "value %x: graph input 0 is not flagged as an input", NULL);
}

static void t_input_flag_unlisted(void)
{
	fix f = build();
	nx_type t = *nx_vtype(f.g, f.x);
	uint32_t v = nx_value_new(f.g, "stray", nx_type_intern(f.g, &t), NULL);
	f.g->vals[v].flags |= NX_V_INPUT;
	expect_fail(&f, "value %stray: flagged as a graph input but not in the input list", NULL);
}

static void t_input_with_producer(void)
{
	fix f = build();
	nx_graph_add_input(f.g, res(&f, f.add));
	expect_fail(&f, "value %a: has more than one definition (op result, graph input)", NULL);
}

static void t_orphan_value(void)
{
	fix f = build();
	nx_value_new(f.g, "orphan", 0, NULL);
	expect_fail(&f, "value %orphan: is defined by nothing", NULL);
}

static void t_duplicate_name(void)
{
	fix f = build();
	f.g->vals[f.b].name = f.g->vals[f.w].name; /* two values named %w */
	expect_fail(&f, "value %w: value #1 has the same name (names must be unique)", NULL);
}

static void t_renamed_by_hand(void)
{
	fix f = build();
	f.g->vals[f.x].name = nx_str(f.g, "y"); /* not through nx_value_rename */
	expect_fail(&f, "value %y: its name is not recorded as its own", NULL);
}

/* split gives two results, concat takes them back: valid; then the two
 * results swap their result numbers. */
static void t_multi_result(void)
{
	fix f = build();
	nx_err err;
	uint32_t in[] = {res(&f, f.relu)};
	uint32_t sp = nx_op_new(f.g, NX_OP_SPLIT, in, 1, 2, NULL, NX_NONE, &err);
	nx_attr_set_i(f.g, sp, "axis", 2);
	uint32_t cin[] = {nx_result(f.g, sp, 1), nx_result(f.g, sp, 0)};
	uint32_t cc = nx_op_new(f.g, NX_OP_CONCAT, cin, 2, 1, NULL, NX_NONE, &err);
	nx_attr_set_i(f.g, cc, "axis", 2);
	nx_graph_set_output(f.g, 0, nx_result(f.g, cc, 0));
	CHECK_EQ_INT(nx_infer_graph(f.g, &err), 0);
	CHECK_EQ_INT(nx_verify(f.g, &err), 0);
	f.g->vals[nx_result(f.g, sp, 0)].result_no = 1;
	f.g->vals[nx_result(f.g, sp, 1)].result_no = 0;
	expect_fail(&f, "(split): result 0 (", "points back to op #3 result 1");
}

static void t_name_owner_dead(void)
{
	fix f = build();
	static const int64_t d[] = {2};
	uint32_t c = konst(f.g, "gone", 1, d);
	f.g->vals[c].flags |= NX_V_DEAD; /* erased without nx_value_erase */
	expect_fail(&f, "graph @t: name 'gone' is recorded as owned by value #", "is erased");
}

static void t_attr_unknown(void)
{
	fix f = build();
	nx_attr_set_i(f.g, f.relu, "bogus", 1);
	expect_fail(&f, "op %r (relu): unknown attribute 'bogus'", NULL);
}

static void t_attr_wrong_kind(void)
{
	fix f = build();
	nx_attr_set_i(f.g, f.conv, "strides", 2);
	expect_fail(&f, "op %c (conv): attribute 'strides' must be ints, not int", NULL);
}

static void t_attr_bad_value(void)
{
	fix f = build();
	nx_attr_set_s(f.g, f.conv, "act", "wiggle");
	expect_fail(&f, "op %c (conv): unknown fused activation act=\"wiggle\"", NULL);
}

static void t_attr_pool_range(void)
{
	fix f = build();
	f.g->attrs[f.g->ops[f.conv].attr].u.off = 1u << 30;
	expect_fail(&f, "op %c (conv): attribute 'pads' holds an invalid kind or pool range",
		    NULL);
}

static void t_erase_keeps_valid(void)
{
	/* The API's own edits keep a graph valid: erase relu, output add. */
	fix f = build();
	nx_value_replace_uses(f.g, res(&f, f.relu), res(&f, f.add));
	CHECK_EQ_INT(nx_op_erase(f.g, f.relu), 0);
	nx_err err;
	err.msg[0] = 0;
	CHECK_EQ_INT(nx_verify(f.g, &err), 0);
	CHECK_STR(err.msg, "");
	nx_graph_free(f.g);
}

int main(int argc, char **argv)
{
	static const check_case cases[] = {
		{"valid", t_valid},
		{"optional_operand_absent", t_optional_operand_absent},
		{"required_operand_absent", t_required_operand_absent},
		{"operand_dead", t_operand_dead},
		{"operand_out_of_range", t_operand_out_of_range},
		{"arity", t_arity},
		{"kind", t_kind},
		{"use_before_def", t_use_before_def},
		{"cycle", t_cycle},
		{"self_cycle", t_self_cycle},
		{"not_scheduled", t_not_scheduled},
		{"schedule_cycle", t_schedule_cycle},
		{"schedule_back_link", t_schedule_back_link},
		{"schedule_last", t_schedule_last},
		{"schedule_count", t_schedule_count},
		{"dead_op_scheduled", t_dead_op_scheduled},
		{"use_list_missing", t_use_list_missing},
		{"use_list_stale", t_use_list_stale},
		{"use_list_back_link", t_use_list_back_link},
		{"use_list_cycle", t_use_list_cycle},
		{"use_of_dead_op", t_use_of_dead_op},
		{"result_back_link", t_result_back_link},
		{"result_wrong_producer", t_result_wrong_producer},
		{"result_no_type", t_result_no_type},
		{"result_wrong_type", t_result_wrong_type},
		{"result_wrong_dtype", t_result_wrong_dtype},
		{"layout_not_compared", t_layout_not_compared},
		{"infer_failure", t_infer_failure},
		{"input_type_unknown", t_input_type_unknown},
		{"const_blob_mismatch", t_const_blob_mismatch},
		{"const_blob_missing", t_const_blob_missing},
		{"output_dead", t_output_dead},
		{"input_not_flagged", t_input_not_flagged},
		{"input_flag_unlisted", t_input_flag_unlisted},
		{"input_with_producer", t_input_with_producer},
		{"orphan_value", t_orphan_value},
		{"duplicate_name", t_duplicate_name},
		{"renamed_by_hand", t_renamed_by_hand},
		{"multi_result", t_multi_result},
		{"name_owner_dead", t_name_owner_dead},
		{"attr_unknown", t_attr_unknown},
		{"attr_wrong_kind", t_attr_wrong_kind},
		{"attr_bad_value", t_attr_bad_value},
		{"attr_pool_range", t_attr_pool_range},
		{"erase_keeps_valid", t_erase_keeps_valid},
		{NULL, NULL},
	};
	return check_main(cases, argc, argv);
}
