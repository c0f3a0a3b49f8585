/* gen.c — synthetic graphs for tests, benchmarks and demos: a straight conv
 * chain, a ResNet-like CNN and a transformer encoder, of any size. Graphs are
 * built through the public IR calls (nx_op_new, attributes, nx_infer_op)
 * exactly as an importer would, so what they exercise is the real IR; weights
 * are fill blobs, which cost nothing until someone reads them.
 *
 * The same options give the same graph, byte for byte once printed: every
 * structural choice comes from the seed, and the k-th random constant gets
 * the fill seed seed * 1000000 + k. Values are named after the block they
 * belong to (%blk3_conv1) and each op's origin is the matching dotted source
 * name (blk3.conv1), as an ONNX export would have it, so blame has something
 * to show.
 */
#include <math.h>
#include <stdarg.h>
#include <string.h>

#include "nx.h"

static const char *kind_names[] = {"chain", "resnet", "transformer"};

const char *nx_gen_kind_name(int kind)
{
	return kind >= 0 && kind <= NX_GEN_TRANSFORMER ? kind_names[kind] : "?";
}

int nx_gen_kind_parse(const char *s)
{
	for (int k = 0; k <= NX_GEN_TRANSFORMER; k++)
		if (!strcmp(kind_names[k], s))
			return k;
	return -1;
}

/* One generation in progress. After the first failure every builder call
 * does nothing and returns NX_NONE, so the recipes below read straight and
 * check once per block. */
typedef struct gen {
	nx_graph *g;
	nx_err *err;
	uint64_t seed;
	uint64_t n_const;  /* random constants made so far (k of their seed) */
	uint64_t rng;      /* structural choices (chain) */
	uint32_t n_ops;
	uint32_t target;   /* the requested op count */
	bool failed;
	char pre[32];      /* current block: prefix of names and origins */
	uint32_t three, six; /* shared scalar constants, NX_NONE until needed */
} gen;

static void block(gen *s, const char *fmt, ...) NX_PRINTF(2, 3);
static void block(gen *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->pre, sizeof s->pre, fmt, ap);
	va_end(ap);
}

/* "%<pre>_<suffix>" for values; dots in the suffix become underscores. */
static void name_of(const gen *s, const char *suffix, char *buf, size_t n)
{
	int k = snprintf(buf, n, "%s%s%s", s->pre, *s->pre ? "_" : "", suffix);
	for (int i = 0; i < k && (size_t)i < n; i++)
		if (buf[i] == '.')
			buf[i] = '_';
}

/* A constant of the given shape filled with fill; name is a suffix. */
static uint32_t cst(gen *s, const char *suffix, int fill, int rank, const int64_t *dims)
{
	if (s->failed)
		return NX_NONE;
	char name[96];
	name_of(s, suffix, name, sizeof name);
	nx_type t = nx_type_make(NX_F32, rank, dims);
	/* zeros and ones need no seed (the printer then leaves it out) */
	uint64_t seed = fill == NX_FILL_RANDOM ? s->seed * 1000000u + ++s->n_const : 0;
	uint32_t v = nx_const_new(s->g, name, nx_blob_new_fill(&t, fill, seed), s->err);
	if (v == NX_NONE)
		s->failed = true;
	return v;
}

#define CST(s, suffix, fill, ...) \
	cst((s), (suffix), (fill), (int)(sizeof((int64_t[]){__VA_ARGS__}) / sizeof(int64_t)), \
	    (int64_t[]){__VA_ARGS__})

/* A rank-0 f32 constant holding x: data, as no fill gives 3.0 or 6.0. */
static uint32_t scalar(gen *s, const char *name, float x)
{
	if (s->failed)
		return NX_NONE;
	nx_type t = nx_type_make(NX_F32, 0, NULL);
	uint32_t v = nx_const_new(s->g, name, nx_blob_new_copy(&t, &x), s->err);
	if (v == NX_NONE)
		s->failed = true;
	return v;
}

/* A new op of kind on ins, result named <pre>_<suffix>, origin <pre>.<loc>
 * (loc NULL: the suffix). Set attributes on the returned op, then call done. */
static uint32_t op(gen *s, int kind, const uint32_t *ins, uint32_t n_in, const char *suffix,
		   const char *loc)
{
	if (s->failed)
		return NX_NONE;
	for (uint32_t i = 0; i < n_in; i++)
		if (ins[i] == NX_NONE) {
			nx_err_set(s->err, "internal error: operand %u of %s.%s missing", i,
				   s->pre, suffix);
			s->failed = true;
			return NX_NONE;
		}
	char name[96], origin[96];
	name_of(s, suffix, name, sizeof name);
	snprintf(origin, sizeof origin, "%s%s%s", s->pre, *s->pre ? "." : "", loc ? loc : suffix);
	const char *names[1] = {name};
	uint32_t o = nx_op_new(s->g, kind, ins, n_in, 1, names, NX_NONE, s->err);
	if (o == NX_NONE) {
		s->failed = true;
		return NX_NONE;
	}
	uint32_t sid = nx_str(s->g, origin);
	nx_op_set_origin(s->g, o, &sid, 1);
	s->n_ops++;
	return o;
}

/* Infers o's result type; returns the result value. */
static uint32_t done(gen *s, uint32_t o)
{
	if (s->failed || o == NX_NONE)
		return NX_NONE;
	if (nx_infer_op(s->g, o, s->err) != 0) {
		s->failed = true;
		return NX_NONE;
	}
	return nx_result(s->g, o, 0);
}

static void set_ints(gen *s, uint32_t o, const char *name, const int64_t *v, uint32_t n)
{
	if (o != NX_NONE)
		nx_attr_set_ints(s->g, o, name, v, n);
}

#define INTS(s, o, name, ...) \
	set_ints((s), (o), (name), (int64_t[]){__VA_ARGS__}, \
		 (uint32_t)(sizeof((int64_t[]){__VA_ARGS__}) / sizeof(int64_t)))

static void set_i(gen *s, uint32_t o, const char *name, int64_t v)
{
	if (o != NX_NONE)
		nx_attr_set_i(s->g, o, name, v);
}

static void set_f(gen *s, uint32_t o, const char *name, float v)
{
	if (o != NX_NONE)
		nx_attr_set_f(s->g, o, name, v);
}

static uint32_t unary(gen *s, int kind, uint32_t x, const char *suffix)
{
	return done(s, op(s, kind, &x, 1, suffix, NULL));
}

static uint32_t binary(gen *s, int kind, uint32_t a, uint32_t b, const char *suffix,
		       const char *loc)
{
	uint32_t in[2] = {a, b};
	return done(s, op(s, kind, in, 2, suffix, loc));
}

static int64_t channels(const gen *s, uint32_t v)
{
	return v == NX_NONE ? 1 : nx_vtype(s->g, v)->dims[1];
}

/* A bias-free k x k convolution to cout channels (group 0 = depthwise), as
 * networks followed by batch norm are exported. */
static uint32_t conv(gen *s, uint32_t x, const char *suffix, int64_t cout, int64_t k,
		     int64_t stride, int64_t group)
{
	if (s->failed)
		return NX_NONE;
	int64_t cin = channels(s, x);
	if (group == 0)
		group = cout = cin;
	char wname[64];
	snprintf(wname, sizeof wname, "%s.w", suffix);
	uint32_t in[2] = {x, CST(s, wname, NX_FILL_RANDOM, cout, cin / group, k, k)};
	uint32_t o = op(s, NX_OP_CONV, in, 2, suffix, NULL);
	int64_t p = k / 2;
	if (stride != 1)
		INTS(s, o, "strides", stride, stride);
	if (p)
		INTS(s, o, "pads", p, p, p, p);
	if (group != 1)
		set_i(s, o, "group", group);
	return done(s, o);
}

static uint32_t bn(gen *s, uint32_t x, const char *suffix)
{
	if (s->failed)
		return NX_NONE;
	int64_t c = channels(s, x);
	char n[4][64];
	static const char *parts[4] = {"scale", "bias", "mean", "var"};
	uint32_t in[5] = {x};
	for (int i = 0; i < 4; i++) {
		snprintf(n[i], sizeof n[i], "%s.%s", suffix, parts[i]);
		in[i + 1] = CST(s, n[i], NX_FILL_RANDOM, c);
	}
	uint32_t o = op(s, NX_OP_BATCH_NORM, in, 5, suffix, NULL);
	set_f(s, o, "epsilon", 1e-5f);
	return done(s, o);
}

static uint32_t clip(gen *s, uint32_t x, const char *suffix, float lo, float hi)
{
	uint32_t o = op(s, NX_OP_CLIP, &x, 1, suffix, NULL);
	set_f(s, o, "min", lo);
	set_f(s, o, "max", hi);
	return done(s, o);
}

/* HardSwish as older exporters write it: x * clip(x + 3, 0, 6) / 6. */
static uint32_t hard_swish_decomposed(gen *s, uint32_t x, const char *suffix)
{
	if (s->failed)
		return NX_NONE;
	if (s->three == NX_NONE) {
		s->three = scalar(s, "three", 3.0f);
		s->six = scalar(s, "six", 6.0f);
	}
	char a[64], c[64], m[64];
	snprintf(a, sizeof a, "%s.add", suffix);
	snprintf(c, sizeof c, "%s.clip", suffix);
	snprintf(m, sizeof m, "%s.mul", suffix);
	uint32_t t = binary(s, NX_OP_ADD, x, s->three, a, NULL);
	t = clip(s, t, c, 0.0f, 6.0f);
	t = binary(s, NX_OP_MUL, x, t, m, NULL);
	return binary(s, NX_OP_DIV, t, s->six, suffix, NULL);
}

static uint32_t input(gen *s, const char *name, int rank, const int64_t *dims)
{
	nx_type t = nx_type_make(NX_F32, rank, dims);
	uint32_t v = nx_value_new(s->g, name, nx_type_intern(s->g, &t), s->err);
	if (v == NX_NONE)
		s->failed = true;
	else
		nx_graph_add_input(s->g, v);
	return v;
}

/* ---- chain: conv units in a straight line ---- */

static uint32_t chain_unit(gen *s, uint32_t x, int64_t c)
{
	uint64_t r = nx_rand_u64(&s->rng) % 4;
	if (r == 3) {  /* pointwise conv with a decomposed HardSwish */
		x = conv(s, x, "conv", c, 1, 1, 1);
		x = bn(s, x, "bn");
		return hard_swish_decomposed(s, x, "hswish");
	}
	x = conv(s, x, "conv", c, 3, 1, r == 2 ? 0 : 1);  /* r == 2: depthwise */
	x = bn(s, x, "bn");
	return unary(s, NX_OP_RELU, x, "relu");
}

static uint32_t gen_chain(gen *s)
{
	const int64_t c = 32;
	uint32_t x = input(s, "x", 4, (int64_t[]){1, 3, 64, 64});
	block(s, "stem");
	x = conv(s, x, "conv", c, 3, 1, 1);
	x = bn(s, x, "bn");
	x = unary(s, NX_OP_RELU, x, "relu");
	for (uint32_t u = 0; !s->failed && s->n_ops < s->target; u++) {
		block(s, "u%u", u);
		x = chain_unit(s, x, c);
	}
	return x;
}

/* ---- resnet: bottleneck residual blocks ---- */

/* conv1x1-bn-relu, conv3x3-bn-relu (strided on a stage's first block, as
 * ResNet v1.5), conv1x1-bn, plus the shortcut, relu. The shortcut is a 1x1
 * projection (strided as needed) when the shape changes. */
static uint32_t bottleneck(gen *s, uint32_t x, int64_t mid, int64_t out, int64_t stride)
{
	uint32_t y = conv(s, x, "conv1", mid, 1, 1, 1);
	y = bn(s, y, "bn1");
	y = unary(s, NX_OP_RELU, y, "relu1");
	y = conv(s, y, "conv2", mid, 3, stride, 1);
	y = bn(s, y, "bn2");
	y = unary(s, NX_OP_RELU, y, "relu2");
	y = conv(s, y, "conv3", out, 1, 1, 1);
	y = bn(s, y, "bn3");
	uint32_t sc = x;
	if (stride != 1 || channels(s, x) != out) {
		sc = conv(s, x, "proj", out, 1, stride, 1);
		sc = bn(s, sc, "proj_bn");
	}
	y = binary(s, NX_OP_ADD, y, sc, "add", NULL);
	return unary(s, NX_OP_RELU, y, "relu");
}

/* A 224x224 input, a stem down to 56x56, then stages of 128, 256, 256 and
 * 256 output channels; stages 1-3 open with a stride-2 block (56 -> 28 ->
 * 14 -> 7). Stages 0-2 have ResNet-50's 3, 4 and 6 blocks and every further
 * block goes into stage 3, so a 100k-op graph neither shrinks its maps to
 * nothing nor grows its channels past 256. */
static uint32_t gen_resnet(gen *s)
{
	static const uint32_t depth[3] = {3, 4, 6};
	const uint32_t head_ops = 3;
	uint32_t x = input(s, "x", 4, (int64_t[]){1, 3, 224, 224});
	block(s, "stem");
	x = conv(s, x, "conv", 64, 7, 2, 1);
	x = bn(s, x, "bn");
	x = unary(s, NX_OP_RELU, x, "relu");
	uint32_t o = op(s, NX_OP_MAX_POOL, &x, 1, "pool", NULL);
	INTS(s, o, "kernel_shape", 3, 3);
	INTS(s, o, "strides", 2, 2);
	INTS(s, o, "pads", 1, 1, 1, 1);
	x = done(s, o);
	uint32_t blk = 0;
#define MORE (!s->failed && (blk == 0 || s->n_ops + head_ops < s->target))
	for (uint32_t st = 0; MORE; st++) {
		int64_t out = st < 2 ? (int64_t)128 << st : 256;
		for (uint32_t b = 0; (st >= 3 || b < depth[st]) && MORE; b++) {
			block(s, "blk%u", blk++);
			x = bottleneck(s, x, out / 4, out, b == 0 && st > 0 ? 2 : 1);
		}
	}
#undef MORE
	block(s, "%s", "");
	x = unary(s, NX_OP_GLOBAL_AVG_POOL, x, "avgpool");
	x = unary(s, NX_OP_FLATTEN, x, "flatten");
	int64_t c = channels(s, x);
	uint32_t in[3] = {x, CST(s, "fc.w", NX_FILL_RANDOM, 1000, c),
			  CST(s, "fc.b", NX_FILL_ZEROS, 1000)};
	o = op(s, NX_OP_GEMM, in, 3, "logits", "fc");
	set_i(s, o, "transB", 1);
	return done(s, o);
}

/* ---- transformer: pre-norm encoder layers ---- */

typedef struct tdims {
	int64_t seq, d, heads, dh;
} tdims;

/* x @ W + b, as an exported nn.Linear: both ops carry the layer's origin. */
static uint32_t linear(gen *s, uint32_t x, const char *suffix, int64_t din, int64_t dout)
{
	char w[64], b[64], mm[64];
	snprintf(w, sizeof w, "%s.w", suffix);
	snprintf(b, sizeof b, "%s.b", suffix);
	snprintf(mm, sizeof mm, "%s.mm", suffix);
	uint32_t y = binary(s, NX_OP_MATMUL, x, CST(s, w, NX_FILL_RANDOM, din, dout), mm, suffix);
	return binary(s, NX_OP_ADD, y, CST(s, b, NX_FILL_ZEROS, dout), suffix, suffix);
}

static uint32_t layer_norm(gen *s, uint32_t x, const char *suffix, int64_t d)
{
	char gn[64], bn_[64];
	snprintf(gn, sizeof gn, "%s.g", suffix);
	snprintf(bn_, sizeof bn_, "%s.b", suffix);
	uint32_t in[3] = {x, CST(s, gn, NX_FILL_ONES, d), CST(s, bn_, NX_FILL_ZEROS, d)};
	uint32_t o = op(s, NX_OP_LAYER_NORM, in, 3, suffix, NULL);
	set_i(s, o, "axis", -1);
	set_f(s, o, "epsilon", 1e-5f);
	return done(s, o);
}

/* [1,seq,d] -> [1,heads,seq,dh], or [1,heads,dh,seq] for keys (so that
 * scores are a plain matmul, as exporters emit K^T). */
static uint32_t split_heads(gen *s, uint32_t x, const char *what, const tdims *t, bool keys)
{
	char r[64], tr[64];
	snprintf(r, sizeof r, "attn.%s_heads", what);
	snprintf(tr, sizeof tr, "attn.%s_t", what);
	uint32_t o = op(s, NX_OP_RESHAPE, &x, 1, r, NULL);
	INTS(s, o, "shape", 1, t->seq, t->heads, t->dh);
	x = done(s, o);
	o = op(s, NX_OP_TRANSPOSE, &x, 1, tr, NULL);
	if (keys)
		INTS(s, o, "perm", 0, 2, 3, 1);
	else
		INTS(s, o, "perm", 0, 2, 1, 3);
	return done(s, o);
}

static uint32_t encoder_layer(gen *s, uint32_t x, const tdims *t, uint32_t scale)
{
	int64_t d = t->d;
	uint32_t h = layer_norm(s, x, "ln1", d);
	uint32_t q = split_heads(s, linear(s, h, "attn.q", d, d), "q", t, false);
	uint32_t k = split_heads(s, linear(s, h, "attn.k", d, d), "k", t, true);
	uint32_t v = split_heads(s, linear(s, h, "attn.v", d, d), "v", t, false);
	uint32_t a = binary(s, NX_OP_MATMUL, q, k, "attn.scores", NULL);
	a = binary(s, NX_OP_MUL, a, scale, "attn.scaled", NULL);
	uint32_t o = op(s, NX_OP_SOFTMAX, &a, 1, "attn.softmax", NULL);
	set_i(s, o, "axis", -1);
	a = done(s, o);
	a = binary(s, NX_OP_MATMUL, a, v, "attn.ctx", NULL);
	o = op(s, NX_OP_TRANSPOSE, &a, 1, "attn.ctx_t", NULL);
	INTS(s, o, "perm", 0, 2, 1, 3);
	a = done(s, o);
	o = op(s, NX_OP_RESHAPE, &a, 1, "attn.merge", NULL);
	INTS(s, o, "shape", 1, t->seq, d);
	a = done(s, o);
	a = linear(s, a, "attn.out", d, d);
	x = binary(s, NX_OP_ADD, x, a, "res1", NULL);
	h = layer_norm(s, x, "ln2", d);
	h = linear(s, h, "mlp.fc1", d, 4 * d);
	h = unary(s, NX_OP_GELU, h, "mlp.gelu");
	h = linear(s, h, "mlp.fc2", 4 * d, d);
	return binary(s, NX_OP_ADD, x, h, "res2", NULL);
}

static uint32_t gen_transformer(gen *s, const tdims *t)
{
	uint32_t x = input(s, "x", 3, (int64_t[]){1, t->seq, t->d});
	uint32_t scale = scalar(s, "attn_scale", (float)(1.0 / sqrt((double)t->dh)));
	for (uint32_t l = 0; !s->failed && (l == 0 || s->n_ops + 1 < s->target); l++) {
		block(s, "l%u", l);
		x = encoder_layer(s, x, t, scale);
	}
	block(s, "%s", "");
	return layer_norm(s, x, "ln_f", t->d);
}

/* ---- entry ---- */

/* A million ops take about 700 MB of IR: far past any real model, and
 * short of what a workstation holds. */
#define GEN_MAX_OPS 1000000u

nx_graph *nx_gen(const nx_gen_opts *o, nx_err *err)
{
	if (o->kind < 0 || o->kind > NX_GEN_TRANSFORMER) {
		nx_err_set(err, "gen: unknown kind %d (chain, resnet or transformer)", o->kind);
		return NULL;
	}
	const char *kname = kind_names[o->kind];
	if (o->ops < 1 || o->ops > GEN_MAX_OPS) {
		nx_err_set(err, "gen %s: op count %u is out of range (1..%u)", kname, o->ops,
			   GEN_MAX_OPS);
		return NULL;
	}
	tdims t = {o->seq ? o->seq : 128, o->dmodel ? o->dmodel : 768, o->heads, 0};
	if (o->kind == NX_GEN_TRANSFORMER) {
		if (!t.heads)
			t.heads = 12;
		if (t.d % t.heads) {
			nx_err_set(err, "gen transformer: dmodel %lld is not a multiple of %lld heads "
				   "(choose the head count so that it divides dmodel)",
				   (long long)t.d, (long long)t.heads);
			return NULL;
		}
		t.dh = t.d / t.heads;
	}
	gen s;
	memset(&s, 0, sizeof s);
	s.g = nx_graph_new(kname);
	s.err = err;
	s.seed = o->seed;
	s.rng = o->seed ^ 0x6e65782d67656eull; /* "nex-gen": chain choices differ from fills */
	s.target = o->ops;
	s.three = s.six = NX_NONE;
	uint32_t y = NX_NONE;
	switch (o->kind) {
	case NX_GEN_CHAIN: y = gen_chain(&s); break;
	case NX_GEN_RESNET: y = gen_resnet(&s); break;
	case NX_GEN_TRANSFORMER: y = gen_transformer(&s, &t); break;
	}
	if (s.failed || y == NX_NONE) {
		nx_err_prefix(err, "gen %s: ", kname);
		nx_graph_free(s.g);
		return NULL;
	}
	nx_graph_add_output(s.g, y);
	nx_graph_trim(s.g);
	return s.g;
}
