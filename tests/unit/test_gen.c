/* test_gen.c — the synthetic graph generator (core/gen.c) and the built-in
 * demo model (core/demo.c, examples/demo.nex): op counts against the
 * request, determinism of the printed text, that every generated graph
 * verifies and round-trips through the text form, the shapes the recipes
 * promise, origins, option errors, and the demo's contents. */
#include "check.h"
#include "nx.h"

static nx_graph *gen(int kind, uint32_t ops, uint64_t seed)
{
	nx_gen_opts o = {.kind = kind, .ops = ops, .seed = seed};
	nx_err err;
	nx_graph *g = nx_gen(&o, &err);
	if (!g)
		fprintf(stderr, "nx_gen: %s\n", err.msg);
	return g;
}

static char *print(const nx_graph *g)
{
	return nx_print_str(g, &nx_print_defaults, NULL);
}

static uint32_t count_kind(const nx_graph *g, int kind)
{
	uint32_t n = 0;
	NX_FOR_OPS(g, o)
		n += nx_opp(g, o)->kind == kind;
	return n;
}

static const char *type_of(const nx_graph *g, uint32_t v, char *buf, size_t n)
{
	nx_type_str(nx_vtype(g, v), buf, n);
	return buf;
}

/* The smallest graphs are a whole stem, block and head: exact counts. */
static void test_minimum_counts(void)
{
	nx_graph *g = gen(NX_GEN_CHAIN, 1, 1);
	CHECK(g);
	if (g) CHECK_EQ_INT(g->n_live_ops, 3); /* stem conv, bn, relu */
	nx_graph_free(g);
	g = gen(NX_GEN_RESNET, 1, 1);
	CHECK(g);
	if (g) CHECK_EQ_INT(g->n_live_ops, 4 + 12 + 3); /* stem, projected block, head */
	nx_graph_free(g);
	g = gen(NX_GEN_TRANSFORMER, 1, 1);
	CHECK(g);
	if (g) CHECK_EQ_INT(g->n_live_ops, 29 + 1); /* one layer, final layer_norm */
	nx_graph_free(g);
}

/* At least N ops, and less than one block more. */
static void test_counts_track_request(void)
{
	static const struct {
		int kind;
		uint32_t min, block;
	} k[] = {{NX_GEN_CHAIN, 3, 6}, {NX_GEN_RESNET, 19, 12}, {NX_GEN_TRANSFORMER, 30, 29}};
	static const uint32_t sizes[] = {20, 57, 100, 333, 1000, 2500};
	for (int i = 0; i < 3; i++)
		for (size_t j = 0; j < sizeof sizes / sizeof sizes[0]; j++) {
			nx_graph *g = gen(k[i].kind, sizes[j], 7);
			CHECK(g);
			if (!g)
				continue;
			uint32_t n = g->n_live_ops;
			if (sizes[j] >= k[i].min && (n < sizes[j] || n >= sizes[j] + k[i].block)) {
				fprintf(stderr, "%s ops=%u gave %u ops\n", nx_gen_kind_name(k[i].kind),
					sizes[j], n);
				CHECK(0);
			}
			nx_graph_free(g);
		}
}

static void test_deterministic(void)
{
	for (int kind = 0; kind <= NX_GEN_TRANSFORMER; kind++) {
		nx_graph *a = gen(kind, 300, 42), *b = gen(kind, 300, 42), *c = gen(kind, 300, 43);
		CHECK(a && b && c);
		if (!a || !b || !c)
			goto next;
		char *ta = print(a), *tb = print(b), *tc = print(c);
		CHECK(ta && tb && tc);
		if (ta && tb)
			CHECK(!strcmp(ta, tb));
		if (ta && tc) /* another seed: other weights (and, for chain, structure) */
			CHECK(strcmp(ta, tc) != 0);
		free(ta), free(tb), free(tc);
	next:
		nx_graph_free(a), nx_graph_free(b), nx_graph_free(c);
	}
}

/* Every graph verifies, and its text reads back to the same text. */
static void test_verify_and_round_trip(void)
{
	static const uint32_t sizes[] = {1, 150, 1200};
	for (int kind = 0; kind <= NX_GEN_TRANSFORMER; kind++)
		for (size_t j = 0; j < 3; j++) {
			nx_graph *g = gen(kind, sizes[j], 3);
			CHECK(g);
			if (!g)
				continue;
			nx_err err;
			if (nx_verify(g, &err) != 0) {
				fprintf(stderr, "%s ops=%u: %s\n", nx_gen_kind_name(kind), sizes[j],
					err.msg);
				CHECK(0);
			}
			size_t len;
			char *t = nx_print_str(g, &nx_print_defaults, &len);
			nx_graph *h = t ? nx_parse(t, len, "gen.nex", NULL, &err) : NULL;
			if (t && !h)
				fprintf(stderr, "parse: %s\n", err.msg);
			CHECK(h);
			if (h) {
				CHECK_EQ_INT(h->n_live_ops, g->n_live_ops);
				char *t2 = print(h);
				CHECK(t2 && !strcmp(t, t2));
				free(t2);
			}
			nx_graph_free(h);
			free(t);
			nx_graph_free(g);
		}
}

/* A long ResNet keeps its maps at 7x7 and at most 256 channels, with
 * stage transitions strided and projected; the head gives 1000 logits. */
static void test_resnet_shapes(void)
{
	nx_graph *g = gen(NX_GEN_RESNET, 3000, 1);
	CHECK(g);
	if (!g)
		return;
	int64_t min_hw = 1000, max_c = 0;
	uint32_t strided = 0;
	NX_FOR_OPS(g, o) {
		if (nx_opp(g, o)->kind != NX_OP_CONV)
			continue;
		const nx_type *t = nx_vtype(g, nx_result(g, o, 0));
		CHECK_EQ_INT(t->rank, 4);
		if (t->dims[2] < min_hw)
			min_hw = t->dims[2];
		if (t->dims[1] > max_c)
			max_c = t->dims[1];
		uint32_t n;
		const int64_t *s = nx_attr_ints(g, o, "strides", &n);
		strided += s && n == 2 && s[0] == 2;
	}
	CHECK_EQ_INT(min_hw, 7);
	CHECK_EQ_INT(max_c, 256);
	CHECK_EQ_INT(strided, 1 + 3 * 2); /* stem, and conv2 + projection of 3 stages */
	CHECK_EQ_INT(count_kind(g, NX_OP_GEMM), 1);
	CHECK_EQ_INT(count_kind(g, NX_OP_MAX_POOL), 1);
	/* blocks = adds; convs = stem + 3 per block + 4 projections (stage 0
	 * widens 64 -> 128, stages 1-3 stride) */
	CHECK_EQ_INT(count_kind(g, NX_OP_CONV), 1 + 3 * count_kind(g, NX_OP_ADD) + 4);
	char buf[128];
	CHECK_EQ_INT(g->n_outputs, 1);
	CHECK_STR(type_of(g, g->outputs[0], buf, sizeof buf), "f32[1,1000]");
	CHECK_STR(type_of(g, g->inputs[0], buf, sizeof buf), "f32[1,3,224,224]");
	nx_graph_free(g);
}

static void test_transformer_shapes(void)
{
	nx_gen_opts o = {.kind = NX_GEN_TRANSFORMER, .ops = 60, .seed = 5, .seq = 16,
			 .dmodel = 64, .heads = 4};
	nx_err err;
	nx_graph *g = nx_gen(&o, &err);
	CHECK(g);
	if (!g)
		return;
	char buf[128];
	CHECK_EQ_INT(g->n_live_ops, 3 * 29 + 1); /* 58 + ln_f < 60: a third layer */
	CHECK_STR(type_of(g, g->outputs[0], buf, sizeof buf), "f32[1,16,64]");
	uint32_t v = nx_value_by_name(g, "l1_attn_scores", strlen("l1_attn_scores"));
	CHECK(v != NX_NONE);
	if (v != NX_NONE)
		CHECK_STR(type_of(g, v, buf, sizeof buf), "f32[1,4,16,16]");
	v = nx_value_by_name(g, "l2_mlp_fc1", strlen("l2_mlp_fc1"));
	CHECK(v != NX_NONE);
	if (v != NX_NONE)
		CHECK_STR(type_of(g, v, buf, sizeof buf), "f32[1,16,256]");
	CHECK_EQ_INT(count_kind(g, NX_OP_SOFTMAX), 3);
	CHECK_EQ_INT(count_kind(g, NX_OP_LAYER_NORM), 3 * 2 + 1);
	CHECK_EQ_INT(count_kind(g, NX_OP_GELU), 3);
	nx_graph_free(g);

	o.dmodel = 102; /* not a multiple of 4 heads */
	g = nx_gen(&o, &err);
	CHECK(!g);
	if (!g)
		CHECK_CONTAINS(err.msg, "not a multiple of 4 heads");
	nx_graph_free(g);
}

/* Each op's origin is its dotted source name; blame needs it. */
static void test_origins(void)
{
	nx_graph *g = gen(NX_GEN_RESNET, 40, 1);
	CHECK(g);
	if (!g)
		return;
	NX_FOR_OPS(g, o)
		CHECK_EQ_INT(nx_opp(g, o)->n_origin, 1);
	uint32_t v = nx_value_by_name(g, "blk1_conv2", strlen("blk1_conv2"));
	CHECK(v != NX_NONE);
	if (v != NX_NONE) {
		uint32_t o = nx_val(g, v)->producer;
		CHECK_STR(nx_cstr(g, nx_op_origin(g, o)[0]), "blk1.conv2");
		CHECK_STR(nx_op_name(g, o), "conv");
	}
	nx_graph_free(g);
}

static void test_chain_mix(void)
{
	nx_graph *g = gen(NX_GEN_CHAIN, 600, 9);
	CHECK(g);
	if (!g)
		return;
	uint32_t depthwise = 0;
	NX_FOR_OPS(g, o)
		if (nx_opp(g, o)->kind == NX_OP_CONV && nx_attr_i(g, o, "group", 1) == 32)
			depthwise++;
	CHECK(depthwise > 10);                  /* about a quarter of ~150 units */
	CHECK(count_kind(g, NX_OP_CLIP) > 10);  /* decomposed HardSwish units */
	CHECK_EQ_INT(count_kind(g, NX_OP_CLIP), count_kind(g, NX_OP_DIV));
	CHECK_EQ_INT(count_kind(g, NX_OP_CONV), count_kind(g, NX_OP_BATCH_NORM));
	nx_graph_free(g);
}

static void test_bad_options(void)
{
	nx_err err;
	nx_gen_opts o = {.kind = NX_GEN_RESNET, .ops = 0};
	CHECK(!nx_gen(&o, &err));
	CHECK_CONTAINS(err.msg, "op count 0 is out of range");
	o.ops = 1000001;
	CHECK(!nx_gen(&o, &err));
	CHECK_CONTAINS(err.msg, "gen resnet: op count 1000001 is out of range (1..1000000)");
	o = (nx_gen_opts){.kind = 7, .ops = 10};
	CHECK(!nx_gen(&o, &err));
	CHECK_CONTAINS(err.msg, "unknown kind 7");
	CHECK_EQ_INT(nx_gen_kind_parse("resnet"), NX_GEN_RESNET);
	CHECK_EQ_INT(nx_gen_kind_parse("vgg"), -1);
}

/* The demo parses, verifies (nx_demo checks) and holds what every pass of
 * the catalogue needs. Counts are those of examples/demo.nex. */
static void test_demo(void)
{
	nx_err err;
	nx_graph *g = nx_demo(&err);
	if (!g)
		fprintf(stderr, "nx_demo: %s\n", err.msg);
	CHECK(g);
	if (!g)
		return;
	CHECK_EQ_INT(g->n_live_ops, 107);
	CHECK_EQ_INT(count_kind(g, NX_OP_CONV), 24);
	CHECK_EQ_INT(count_kind(g, NX_OP_BATCH_NORM), 22);
	CHECK_EQ_INT(count_kind(g, NX_OP_CLIP), 14);
	CHECK_EQ_INT(count_kind(g, NX_OP_HARD_SIGMOID), 2);
	CHECK_EQ_INT(count_kind(g, NX_OP_TRANSPOSE), 2);
	CHECK_EQ_INT(count_kind(g, NX_OP_RESHAPE), 2);
	CHECK_EQ_INT(count_kind(g, NX_OP_IDENTITY), 1);
	CHECK_EQ_INT(count_kind(g, NX_OP_FLATTEN), 2);
	CHECK_EQ_INT(count_kind(g, NX_OP_GEMM), 1);
	CHECK_EQ_INT(count_kind(g, NX_OP_MATMUL), 1);
	CHECK_EQ_INT(count_kind(g, NX_OP_ERF), 1);
	CHECK_EQ_INT(count_kind(g, NX_OP_REDUCE_MEAN), 2);
	CHECK_EQ_INT(count_kind(g, NX_OP_SOFTMAX), 1);
	uint32_t depthwise = 0, residual = 0;
	NX_FOR_OPS(g, o) {
		CHECK(nx_opp(g, o)->n_origin == 1);
		int k = nx_opp(g, o)->kind;
		if (k == NX_OP_CONV && nx_attr_i(g, o, "group", 1) > 1 &&
		    nx_attr_i(g, o, "group", 1) == nx_vtype(g, nx_operand(g, o, 0))->dims[1])
			depthwise++;
		/* an add of two non-constant values of the same 4-d shape */
		if (k == NX_OP_ADD && !nx_is_const(g, nx_operand(g, o, 1)) &&
		    nx_vtype(g, nx_operand(g, o, 0))->rank == 4)
			residual++;
	}
	CHECK_EQ_INT(depthwise, 7);
	CHECK_EQ_INT(residual, 4);
	char buf[128];
	CHECK_EQ_INT(g->n_inputs, 1);
	CHECK_STR(type_of(g, g->inputs[0], buf, sizeof buf), "f32[1,3,224,224]");
	CHECK_EQ_INT(g->n_outputs, 2);
	CHECK_STR(nx_vname(g, g->outputs[0]), "probs");
	CHECK_STR(type_of(g, g->outputs[0], buf, sizeof buf), "f32[1,1000]");
	CHECK_STR(type_of(g, g->outputs[1], buf, sizeof buf), "f32[1,128]");
	/* the batch-norm variances must be valid ones once materialized */
	uint32_t v = nx_value_by_name(g, "b3_dw_bn_var", strlen("b3_dw_bn_var"));
	CHECK(v != NX_NONE && nx_is_const(g, v));
	if (v != NX_NONE && nx_is_const(g, v)) {
		const float *var = nx_blob_data(nx_const_blob(g, v));
		for (int i = 0; i < 72; i++)
			CHECK(var[i] >= 0.5f && var[i] < 1.5f);
	}
	nx_graph_free(g);
}

/* `nex gen` prints exactly what nx_gen + the printer give; `nex demo`
 * prints the demo and its summary; bad options are user errors (exit 1). */
static void test_cli(void)
{
	/* ctest sets NEX_BIN; run by hand without it, the case fails rather
	 * than passing untested */
	if (!getenv("NEX_BIN")) {
		CHECK(!"the CLI case needs NEX_BIN, the nex binary under test");
		return;
	}
	int rc;
	char *out = check_nex("gen --kind chain --ops 40 --seed 3", 1, &rc);
	CHECK_EQ_INT(rc, 0);
	nx_graph *g = gen(NX_GEN_CHAIN, 40, 3);
	char *want = g ? print(g) : NULL;
	CHECK(out && want && !strcmp(out, want));
	free(out), free(want), nx_graph_free(g);

	out = check_nex("gen --kind=transformer --ops 1 --seq 8 --dmodel 48 --heads 6", 1, &rc);
	CHECK_EQ_INT(rc, 0);
	CHECK_CONTAINS(out, "graph @transformer(%x: f32[1,8,48]) -> (%ln_f: f32[1,8,48])");
	CHECK_CONTAINS(out, ": f32[1,6,8,8]  loc(\"l0.attn.scores\")");
	free(out);

	out = check_nex("gen --kind vgg --ops 10", 1, &rc);
	CHECK_EQ_INT(rc, 1);
	CHECK_CONTAINS(out, "unknown kind 'vgg'");
	free(out);
	out = check_nex("gen --kind resnet", 1, &rc);
	CHECK_EQ_INT(rc, 1);
	CHECK_CONTAINS(out, "--kind and --ops are required");
	free(out);
	out = check_nex("gen --kind resnet --ops 0", 1, &rc);
	CHECK_EQ_INT(rc, 1);
	CHECK_CONTAINS(out, "op count 0 is out of range");
	free(out);

	out = check_nex("demo", 1, &rc);
	CHECK_EQ_INT(rc, 0);
	CHECK_CONTAINS(out, "graph @demo(%x: f32[1,3,224,224])");
	CHECK_CONTAINS(out, "ops        107, 21 kinds:");
	CHECK_CONTAINS(out, "conv             24");
	CHECK_CONTAINS(out, "inputs     %x: f32[1,3,224,224]");
	CHECK_CONTAINS(out, "outputs    %probs: f32[1,1000], %embedding: f32[1,128]");
	CHECK_CONTAINS(out, "opens the TUI on this model");
	free(out);
}

static const check_case cases[] = {
	{"minimum_counts", test_minimum_counts},
	{"counts_track_request", test_counts_track_request},
	{"deterministic", test_deterministic},
	{"verify_and_round_trip", test_verify_and_round_trip},
	{"resnet_shapes", test_resnet_shapes},
	{"transformer_shapes", test_transformer_shapes},
	{"origins", test_origins},
	{"chain_mix", test_chain_mix},
	{"bad_options", test_bad_options},
	{"demo", test_demo},
	{"cli", test_cli},
	{NULL, NULL},
};

int main(int argc, char **argv)
{
	return check_main(cases, argc, argv);
}
