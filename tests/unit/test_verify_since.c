/* test_verify_since.c — the incremental verifier (nx_verify_since), which
 * `nex opt` runs after every step: a broken rewrite is still caught when it
 * changes an op's attributes, operands or result types; every structural
 * rule is caught at the step that breaks it, through the IR's API or by a
 * raw write (schedule links, order, results, operands, use lists, names,
 * inputs and outputs, pool entries and blob slots edited in place), with
 * the pass/fail verdict of the full verifier on thousands of random
 * corruptions of a generated graph; the untouched ops are taken as verified
 * (so the full verifier, which the session runs where the steps stop, is
 * still needed), and a session with a broken step stops with the step
 * named. */
#include <stdlib.h>
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

/* ---- structural faults, one per rule ---------------------------------- */

static const char src2[] =
	"graph @t(%x: f32[2,3]) -> (%y: f32[3,2], %z: f32[2,3]) {\n"
	"  %c = const f32[2,3] dense[1, 2, 3, 4, 5, 6]\n"
	"  %a = add(%x, %c) : f32[2,3]\n"
	"  %r = relu(%a) : f32[2,3]\n"
	"  %s = sigmoid(%r) : f32[2,3]\n"
	"  %n = neg(%s) : f32[2,3]\n"
	"  %u = abs(%x) : f32[2,3]\n"
	"  %e = exp(%n) : f32[2,3]\n"
	"  %t = tanh(%e) : f32[2,3]\n"
	"  %y = reshape(%t) {shape=[3,2]} : f32[3,2]\n"
	"  %z = add(%u, %t) : f32[2,3]\n"
	"  %d = neg(%x) : f32[2,3]\n"
	"  %q = abs(%x) : f32[2,3]\n"
	"  return %y, %z\n"
	"}\n";

static nx_graph *base2(void)
{
	nx_err err;
	nx_graph *g = nx_parse(src2, strlen(src2), "t2.nex", NULL, &err);
	CHECK(g != NULL);
	if (!g)
		return NULL;
	/* an origin list to edit in place */
	nx_op_add_origin(g, prod(g, "s"), nx_str(g, "node_s"));
	/* an erased op and value, as a pass leaves them */
	CHECK(nx_op_erase(g, prod(g, "d")) == 0);
	CHECK(nx_verify(g, &err) == 0);
	return g;
}

/* the use slot of operand i of the producer of name */
static uint32_t slot(const nx_graph *g, const char *name, uint32_t i)
{
	return g->ops[prod(g, name)].in + i;
}

static void unlink_use(nx_graph *g, uint32_t u)
{
	nx_use *p = &g->uses[u];
	if (p->prev != NX_NONE)
		g->uses[p->prev].next = p->next;
	else
		g->vals[p->value].first_use = p->next;
	if (p->next != NX_NONE)
		g->uses[p->next].prev = p->prev;
	p->prev = p->next = NX_NONE;
}

static void f_unlinked(nx_graph *g)      /* a live op taken out of the list */
{
	nx_op *p = &g->ops[prod(g, "s")];
	g->ops[p->prev].next = p->next;
	g->ops[p->next].prev = p->prev;
}
static void f_cycle(nx_graph *g)         /* two new live ops linked to each other */
{
	nx_err err;
	uint32_t a = nx_op_new(g, NX_OP_RELU, (uint32_t[]){val(g, "x")}, 1, 1, NULL, NX_NONE, &err);
	uint32_t b = nx_op_new(g, NX_OP_RELU, (uint32_t[]){val(g, "x")}, 1, 1, NULL, NX_NONE, &err);
	nx_infer_op(g, a, &err);
	nx_infer_op(g, b, &err);
	uint32_t before = g->ops[a].prev;
	g->ops[before].next = NX_NONE;
	g->last = before;
	g->ops[a].prev = b;
	g->ops[b].next = a;
}
static void f_dead_listed(nx_graph *g)   { g->ops[prod(g, "u")].flags |= NX_O_DEAD; }
static void f_back_link(nx_graph *g)     { g->ops[prod(g, "e")].prev = prod(g, "r"); }
static void f_live_count(nx_graph *g)    { g->n_live_ops++; }
static void f_last(nx_graph *g)          { g->last = prod(g, "t"); }
static void f_order(nx_graph *g)         { nx_op_move_before(g, prod(g, "n"), prod(g, "r")); }
static void f_order_far(nx_graph *g)     { nx_op_move_before(g, prod(g, "a"), NX_NONE); }
static void f_result_back(nx_graph *g)   { g->vals[val(g, "n")].producer = prod(g, "s"); }
static void f_no_producer(nx_graph *g)   { g->vals[val(g, "u")].producer = NX_NONE; }
static void f_operand_erased(nx_graph *g) { g->vals[val(g, "e")].flags |= NX_V_DEAD; }
static void f_slot_owner(nx_graph *g)    { g->uses[slot(g, "t", 0)].op = prod(g, "n"); }
static void f_use_missing(nx_graph *g)   { unlink_use(g, slot(g, "z", 0)); }
static void f_use_value(nx_graph *g)     { g->uses[slot(g, "z", 0)].value = val(g, "a"); }
static void f_dup_name(nx_graph *g)      { g->vals[val(g, "u")].name = g->vals[val(g, "e")].name; }
static void f_owner_lost(nx_graph *g)    { g->str_owner[g->vals[val(g, "n")].name] = NX_NONE; }
static void f_owner_stale(nx_graph *g)   { g->str_owner[nx_str(g, "node_s")] = val(g, "n"); }
static void f_input_flag(nx_graph *g)    { g->vals[val(g, "x")].flags &= (uint8_t)~NX_V_INPUT; }
static void f_input_list(nx_graph *g)    { g->n_inputs = 0; }
static void f_output(nx_graph *g)        { g->outputs[1] = (uint32_t)g->n_vals + 5; }
static void f_origin(nx_graph *g)        { g->u32[g->ops[prod(g, "s")].origin] = 0x7fffffff; }
static void f_result_entry(nx_graph *g)  { g->u32[g->ops[prod(g, "e")].out] = val(g, "n"); }
static void f_ints(nx_graph *g)
{
	const nx_attr *a = nx_attr_get(g, prod(g, "y"), "shape");
	g->ints[a->u.off] = 6;
}
static void f_order_reader(nx_graph *g) /* after its only reader, neither next to it */
{
	nx_op_move_before(g, prod(g, "u"), NX_NONE);
}
static void f_rename_stale(nx_graph *g)  /* new name owned, the old one still names it */
{
	uint32_t v = val(g, "n"), s = nx_str(g, "node_s");
	g->vals[v].name = s;
	g->str_owner[s] = v;
}
static void f_use_skipped(nx_graph *g)   /* a list bypasses a slot left as it was */
{
	uint32_t v = val(g, "t"), a = g->vals[v].first_use, b = g->uses[a].next;
	g->uses[a].next = g->uses[b].next;
	if (g->uses[b].next != NX_NONE)
		g->uses[g->uses[b].next].prev = a;
}
static void f_result_swapped(nx_graph *g) /* op e gives a revived value; %e still says e */
{
	uint32_t e = prod(g, "e"), v = val(g, "e"), w = NX_NONE;
	for (uint32_t i = 0; i < g->n_vals; i++)
		if ((g->vals[i].flags & NX_V_DEAD) && g->vals[i].producer != NX_NONE)
			w = i;
	if (w == NX_NONE)
		return;
	g->vals[w].flags &= (uint8_t)~NX_V_DEAD;
	g->vals[w].producer = e;
	g->vals[w].result_no = 0;
	g->vals[w].type = g->vals[v].type;
	g->str_owner[g->vals[w].name] = w;
	g->u32[g->ops[e].out] = w;
}
static void f_const_erased(nx_graph *g) { nx_value_erase(g, val(g, "c")); }
static void f_blob(nx_graph *g)          /* a slot emptied under a live constant */
{
	uint32_t c = val(g, "c");
	uint32_t name = g->vals[c].name;
	nx_value_erase(g, c);
	g->vals[c].flags &= (uint8_t)~NX_V_DEAD;
	g->str_owner[name] = c;
}

/* Each fault on a clone of a verified graph: nx_verify_since catches it
 * (the whole-graph verifier too), naming the broken rule. */
static void test_structural_caught(void)
{
	static const struct {
		const char *name;
		void (*apply)(nx_graph *g);
		const char *want;
	} faults[] = {
		{"unlinked", f_unlinked, "live ops"},
		{"cycle", f_cycle, "live op is not in the schedule"},
		{"dead_listed", f_dead_listed, "erased op is still in the schedule"},
		{"back_link", f_back_link, "schedule back link"},
		{"live_count", f_live_count, "n_live_ops says"},
		{"last", f_last, "schedule ends at"},
		{"order", f_order, "used before its definition"},
		{"order_far", f_order_far, "used before its definition"},
		{"result_back", f_result_back, "points back to op"},
		{"no_producer", f_no_producer, "says it has no producer"},
		{"operand_erased", f_operand_erased, "is an erased value"},
		{"slot_owner", f_slot_owner, "belongs to op"},
		{"use_missing", f_use_missing, "missing from the value's use list"},
		{"use_value", f_use_value, "its use list holds slot"},
		{"dup_name", f_dup_name, "same name"},
		{"owner_lost", f_owner_lost, "not recorded as its own"},
		{"owner_stale", f_owner_stale, "is recorded as owned by value"},
		{"input_flag", f_input_flag, "not flagged as an input"},
		{"input_list", f_input_list, "not in the input list"},
		{"output", f_output, "output 1 is value"},
		{"origin", f_origin, "origin entry 0 is not a string id"},
		{"result_entry", f_result_entry, "points back to op"},
		{"ints", f_ints, "(reshape)"},
		{"blob", f_blob, "holds no blob"},
		{"const_erased", f_const_erased, "operand 1 (%c) is an erased value"},
		{"order_reader", f_order_reader, "used before its definition"},
		{"rename_stale", f_rename_stale, "recorded as owned by value"},
		{"use_skipped", f_use_skipped, "missing from the value's use list"},
		{"result_swapped", f_result_swapped, "which does not list it there"},
	};
	nx_graph *prev = base2();
	if (!prev)
		return;
	for (size_t i = 0; i < sizeof faults / sizeof faults[0]; i++) {
		nx_graph *g = nx_graph_clone(prev);
		nx_err err, full;
		faults[i].apply(g);
		int rc = nx_verify_since(g, prev, &err);
		if (rc == 0)
			fprintf(stderr, "fault %s passed nx_verify_since\n", faults[i].name);
		CHECK(rc != 0);
		if (rc != 0 && !strstr(err.msg, faults[i].want))
			fprintf(stderr, "fault %s: %s\n", faults[i].name, err.msg);
		CHECK(rc == 0 || strstr(err.msg, faults[i].want));
		CHECK(nx_verify(g, &full) != 0);
		nx_graph_free(g);
	}
	/* and rewrites that keep every rule pass: ops moved where their
	 * operands are still defined, an op added and one erased */
	nx_graph *g = nx_graph_clone(prev);
	nx_err err;
	nx_op_move_before(g, prod(g, "u"), prod(g, "a"));
	nx_op_move_before(g, prod(g, "s"), prod(g, "u"));
	CHECK(nx_verify_since(g, prev, &err) != 0); /* s before its operand r */
	nx_op_move_before(g, prod(g, "s"), prod(g, "n"));
	CHECK(nx_verify_since(g, prev, &err) == 0);
	uint32_t o = nx_op_new(g, NX_OP_NEG, (uint32_t[]){val(g, "e")}, 1, 1, NULL,
			       prod(g, "t"), &err);
	CHECK(o != NX_NONE && nx_infer_op(g, o, &err) == 0);
	CHECK(nx_verify_since(g, prev, &err) == 0);
	CHECK(nx_op_erase(g, o) == 0);
	CHECK(nx_op_erase(g, prod(g, "q")) == 0);
	CHECK(nx_verify_since(g, prev, &err) == 0);
	CHECK(nx_verify(g, &err) == 0);
	nx_graph_free(g);
	nx_graph_free(prev);
}

/* Two blocks of three ops swapped by moving each op of the second: the
 * middle ops keep their links, and the second block's middle reads the
 * first's. Unchanged runs out of prev's order: the step is verified whole. */
static void test_blocks_swapped(void)
{
	static const char src3[] =
		"graph @t(%x: f32[4]) -> (%o: f32[4]) {\n"
		"  %a1 = relu(%x) : f32[4]\n"
		"  %a2 = neg(%x) : f32[4]\n"
		"  %a3 = abs(%x) : f32[4]\n"
		"  %b1 = exp(%x) : f32[4]\n"
		"  %b2 = add(%a2, %x) : f32[4]\n"
		"  %b3 = tanh(%x) : f32[4]\n"
		"  %o1 = add(%a1, %a3) : f32[4]\n"
		"  %o2 = add(%b1, %b2) : f32[4]\n"
		"  %o3 = add(%o1, %o2) : f32[4]\n"
		"  %o = add(%o3, %b3) : f32[4]\n"
		"  return %o\n"
		"}\n";
	nx_err err;
	nx_graph *prev = nx_parse(src3, strlen(src3), "t3.nex", NULL, &err);
	CHECK(prev != NULL);
	if (!prev)
		return;
	CHECK(nx_verify(prev, &err) == 0);
	nx_graph *g = nx_graph_clone(prev);
	const char *b[] = {"b1", "b2", "b3"};
	for (int i = 0; i < 3; i++)
		nx_op_move_before(g, prod(g, b[i]), prod(g, "a1"));
	CHECK(nx_verify_since(g, prev, &err) != 0);
	CHECK_CONTAINS(err.msg, "(add): operand 0 (%a2) is used before its definition");
	nx_graph_free(g);
	nx_graph_free(prev);
}

/* A prev that g was not cloned from (its own string table, other names by
 * the same ids): the verdict is still the full verifier's. */
static void test_unrelated_prev(void)
{
	nx_graph *prev = base2(), *g = base();
	if (!prev || !g) {
		nx_graph_free(prev);
		nx_graph_free(g);
		return;
	}
	nx_err err;
	CHECK(nx_verify_since(g, prev, &err) == 0);
	nx_type t = nx_type_make(NX_F32, 2, (int64_t[]){3, 2});
	nx_value_set_type(g, val(g, "s"), &t);
	CHECK(nx_verify_since(g, prev, &err) != 0);
	CHECK_CONTAINS(err.msg, "(sigmoid)");
	nx_graph_free(g);
	nx_graph_free(prev);
}

/* ---- random faults: the same verdict as the whole-graph verifier ------- */

static uint64_t rng(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* An id near or far from was: a neighbour's, a random one, none, or out of
 * range. */
static uint32_t other(uint64_t *s, uint32_t was, uint32_t n)
{
	switch (rng(s) % 5) {
	case 0: return was + 1;
	case 1: return was - 1;
	case 2: return NX_NONE;
	case 3: return n + (uint32_t)(rng(s) % 3);
	default: return (uint32_t)(rng(s) % n);
	}
}

/* One raw write into a structural field of g. */
static void corrupt(nx_graph *g, uint64_t *s)
{
	uint32_t o = (uint32_t)(rng(s) % g->n_ops), v = (uint32_t)(rng(s) % g->n_vals);
	uint32_t u = (uint32_t)(rng(s) % g->n_uses);
	nx_op *p = &g->ops[o];
	nx_value *q = &g->vals[v];
	switch (rng(s) % 16) {
	case 0: p->prev = other(s, p->prev, g->n_ops); break;
	case 1: p->next = other(s, p->next, g->n_ops); break;
	case 2: p->flags ^= NX_O_DEAD; break;
	case 3: p->in = other(s, p->in, g->n_uses); break;
	case 4: p->out = other(s, p->out, g->n_u32); break;
	case 5: q->producer = other(s, q->producer, g->n_ops); break;
	case 6: q->first_use = other(s, q->first_use, g->n_uses); break;
	case 7: q->flags ^= (uint8_t)(rng(s) % 2 ? NX_V_DEAD : NX_V_INPUT); break;
	case 8: q->name = other(s, q->name, g->n_strs); break;
	case 9: q->result_no = (uint16_t)(q->result_no + 1); break;
	case 10: g->uses[u].value = other(s, g->uses[u].value, g->n_vals); break;
	case 11: g->uses[u].op = other(s, g->uses[u].op, g->n_ops); break;
	case 12: g->uses[u].next = other(s, g->uses[u].next, g->n_uses); break;
	case 13:
		if (q->name < g->n_strs)
			g->str_owner[q->name] = other(s, v, g->n_vals);
		break;
	case 14: {
		/* through the API, on a list still sound around both ops */
		uint32_t b = (uint32_t)(rng(s) % g->n_ops);
		bool ok = true;
		for (uint32_t x = 0; x < 2; x++) {
			const nx_op *r = &g->ops[x ? b : o];
			ok &= !(r->flags & NX_O_DEAD) && (r->prev == NX_NONE || r->prev < g->n_ops) &&
			      (r->next == NX_NONE || r->next < g->n_ops);
		}
		if (ok)
			nx_op_move_before(g, o, b);
		break;
	}
	default:
		if (p->out < g->n_u32)
			g->u32[p->out] = other(s, g->u32[p->out], g->n_vals);
		break;
	}
}

static void test_random_faults_agree(void)
{
	nx_gen_opts o = {.kind = NX_GEN_RESNET, .ops = 300, .seed = 3};
	nx_err err;
	nx_graph *prev = nx_gen(&o, &err);
	CHECK(prev != NULL);
	if (!prev)
		return;
	CHECK(nx_verify(prev, &err) == 0);
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	int caught = 0, disagree = 0, trials = 3000;
	for (int t = 0; t < trials; t++) {
		nx_graph *g = nx_graph_clone(prev);
		int k = 1 + (int)(rng(&seed) % 2);
		for (int i = 0; i < k; i++)
			corrupt(g, &seed);
		nx_err e1, e2;
		int inc = nx_verify_since(g, prev, &e1) != 0;
		int full = nx_verify(g, &e2) != 0;
		if (inc != full && disagree++ < 5)
			fprintf(stderr, "trial %d: incremental %s, full %s\n", t,
				inc ? e1.msg : "passes", full ? e2.msg : "passes");
		caught += full;
		nx_graph_free(g);
	}
	CHECK_EQ_INT(disagree, 0);
	CHECK(caught > trials / 2); /* the faults are mostly real ones */
	nx_graph_free(prev);
}

int main(int argc, char **argv)
{
	static const check_case cases[] = {
		{"attr_change_caught", test_attr_change_caught},
		{"types_and_operands_caught", test_types_and_operands_caught},
		{"untouched_not_inferred", test_untouched_not_inferred},
		{"session_end_is_full", test_session_end_is_full},
		{"structural_caught", test_structural_caught},
		{"blocks_swapped", test_blocks_swapped},
		{"unrelated_prev", test_unrelated_prev},
		{"random_faults_agree", test_random_faults_agree},
		{NULL, NULL},
	};
	return check_main(cases, argc, argv);
}
