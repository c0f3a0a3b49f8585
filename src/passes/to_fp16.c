/* to_fp16.c — f32 compute becomes f16, the NE's native float. Graph inputs
 * and outputs keep their f32 types: a cast to f16 follows an input, a cast
 * back to f32 precedes an output.
 *
 * Rewrites: one op converted = one rewrite, in schedule order, and the graph
 * is valid after each. Converting op X:
 *  - an f32 constant operand is replaced by an f16 copy (one copy per
 *    constant, shared by every op converted in the run; the f32 original is
 *    erased when nothing reads it any more);
 *  - an operand that is cast(h){to=f32} of an f16 value h (what an earlier
 *    conversion left for X) is replaced by h itself, and the cast erased
 *    once unused;
 *  - any other f32 operand (a graph input, a result of an op that stays
 *    f32) is read through a cast to f16 placed before X, shared by the
 *    later ops that read the same value;
 *  - X's results become f16 (inferred again), and whatever reads them (ops
 *    not converted yet, graph outputs) reads a cast back to f32 placed right
 *    after X. A graph output's cast takes over the output's name.
 *
 * Ops that stay f32: opaque (unknown semantics), shape (reads the type
 * only), cast (its result dtype is its attribute), ops with a non-f32
 * result (integers, or already half), ops reading a half or bf16 value
 * already, the kinds named in keep=, and ops with an f32 constant operand
 * whose finite values exceed the f16 range (|x| > 65504 would become inf).
 * No attribute is known to make f16 unsafe: the interpreter computes the
 * kernels of half ops in f32 and rounds each result (epsilons, clip bounds
 * and alpha/beta stay f32 attributes), which is what the NE does too. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nxp.h"

static const nxp_option options[] = {
	{"keep", NXP_STR, "", "op kinds to leave in f32, separated by | (e.g. softmax|layer_norm)"},
	{NULL, 0, NULL, NULL},
};

typedef struct conv16 {
	bool keep[NX_OP_COUNT];
	uint32_t *copy; uint32_t cap_copy;   /* f32 constant id -> its f16 copy (NX_NONE) */
	uint8_t *seen; uint32_t cap_seen;    /* op ids placed before the op being converted */
	uint32_t *slots; uint32_t cap_slots; /* scratch: use slots */
} conv16;

static int parse_keep(conv16 *c, nxp_ctx *ctx)
{
	const char *s = nxp_opt_str(ctx, "keep");
	while (*s) {
		size_t n = strcspn(s, "|");
		const char *t = s;
		size_t tn = n;
		while (tn && *t == ' ')
			t++, tn--;
		while (tn && t[tn - 1] == ' ')
			tn--;
		if (tn) {
			int k = nx_op_lookup(t, tn);
			if (k < 0) {
				nx_err_set(&ctx->err, "pass to-fp16: keep: unknown op kind '%.*s'",
					   (int)tn, t);
				return -1;
			}
			c->keep[k] = true;
		}
		s += n;
		if (*s == '|')
			s++;
	}
	return 0;
}

static void mark_seen(conv16 *c, uint32_t op)
{
	if (op >= c->cap_seen) {
		uint32_t old = c->cap_seen;
		nx_grow((void **)&c->seen, &c->cap_seen, op + 1, 1);
		memset(c->seen + old, 0, c->cap_seen - old);
	}
	c->seen[op] = 1;
}

static bool seen(const conv16 *c, uint32_t op)
{
	return op < c->cap_seen && c->seen[op];
}

static bool is_half(int dt)
{
	return dt == NX_F16 || dt == NX_BF16;
}

/* An f32 constant whose finite values all fit in f16. */
static bool fits_f16(const nx_graph *g, uint32_t v)
{
	nx_blob *b = nx_const_blob(g, v);
	const float *d = nx_blob_data(b);
	if (!d || b->type.dtype != NX_F32)
		return false;
	int64_t n = nx_type_numel(&b->type);
	for (int64_t i = 0; i < n; i++)
		if (isfinite(d[i]) && fabsf(d[i]) > 65504.0f)
			return false;
	return true;
}

/* Why op stays f32, or NULL if it converts. */
static const char *stays(const nx_graph *g, const conv16 *c, uint32_t op)
{
	const nx_op *p = &g->ops[op];
	if (p->kind == NX_OP_OPAQUE || p->kind == NX_OP_CAST ||
	    (nx_ops[p->kind].flags & NX_F_SHAPEOF))
		return "kind";
	if (c->keep[p->kind])
		return "keep";
	for (uint32_t i = 0; i < p->n_out; i++)
		if (nx_vtype(g, nx_result(g, op, i))->dtype != NX_F32)
			return "result";
	for (uint32_t i = 0; i < p->n_in; i++) {
		uint32_t v = nx_operand(g, op, i);
		if (v == NX_NONE)
			continue;
		int dt = nx_vtype(g, v)->dtype;
		if (is_half(dt))
			return "operand";
		if (dt == NX_F32 && nx_is_const(g, v) && !fits_f16(g, v))
			return "range";
	}
	return NULL;
}

/* The f16 copy of f32 constant v (made on first use). */
static uint32_t const_f16(nx_graph *g, conv16 *c, uint32_t v, nxp_ctx *ctx)
{
	if (v < c->cap_copy && c->copy[v] != NX_NONE)
		return c->copy[v];
	nx_blob *b = nx_const_blob(g, v);
	const float *d = nx_blob_data(b);
	int64_t n = nx_type_numel(&b->type);
	nx_type t = b->type;
	t.dtype = NX_F16;
	uint16_t *h = nx_xmalloc((size_t)(n > 0 ? n : 1) * sizeof *h); /* the blob takes it */
	for (int64_t i = 0; i < n; i++)
		h[i] = nx_f32_to_f16(d[i]);
	char hint[272];
	snprintf(hint, sizeof hint, "%s.f16", nx_vname(g, v));
	snprintf(hint, sizeof hint, "%s", nx_cstr(g, nx_fresh_name(g, hint)));
	uint32_t cv = nx_const_new(g, hint, nx_blob_new_data(&t, h), NULL);
	/* keep the layout tag the f32 constant carried */
	nx_type vt = *nx_vtype(g, v);
	vt.dtype = NX_F16;
	nx_value_set_type(g, cv, &vt);
	if (v >= c->cap_copy) {
		uint32_t old = c->cap_copy;
		nx_grow((void **)&c->copy, &c->cap_copy, v + 1, sizeof *c->copy);
		memset(c->copy + old, 0xff, (size_t)(c->cap_copy - old) * sizeof *c->copy);
	}
	c->copy[v] = cv;
	nxp_stat_add(ctx, "constants converted", 1);
	return cv;
}

/* A cast of v to dtype `to`, placed before op `before`, with op `from`'s
 * origin. NX_NONE + ctx->err on failure. */
static uint32_t new_cast(nx_graph *g, nxp_ctx *ctx, uint32_t v, int to, const char *name,
			 uint32_t before, uint32_t from)
{
	uint32_t o = nxp_op_new(g, ctx, NX_OP_CAST, &v, 1, 1, name, before, &from, 1);
	if (o == NX_NONE)
		return NX_NONE;
	nx_attr_set_s(g, o, "to", nx_dtype_name(to));
	if (nx_infer_op(g, o, &ctx->err) != 0)
		return NX_NONE;
	nxp_stat_add(ctx, "casts inserted", 1);
	return o;
}

/* v read as f16 by op X: an existing cast of v to f16 placed before X, or
 * a new one right before X. */
static uint32_t cast_in(nx_graph *g, conv16 *c, nxp_ctx *ctx, uint32_t v, uint32_t x)
{
	for (uint32_t u = g->vals[v].first_use; u != NX_NONE; u = g->uses[u].next) {
		uint32_t o = g->uses[u].op;
		if (g->ops[o].kind == NX_OP_CAST && seen(c, o) &&
		    nx_vtype(g, nx_result(g, o, 0))->dtype == NX_F16)
			return nx_result(g, o, 0);
	}
	char hint[272];
	snprintf(hint, sizeof hint, "%s.f16", nx_vname(g, v));
	uint32_t o = new_cast(g, ctx, v, NX_F16, hint, x, x);
	if (o == NX_NONE)
		return NX_NONE;
	mark_seen(c, o);
	return nx_result(g, o, 0);
}

/* Everything that reads result r of X (now f16) reads a cast back to f32
 * placed right after X. */
static int cast_out(nx_graph *g, conv16 *c, nxp_ctx *ctx, uint32_t x, uint32_t r)
{
	if (!nx_value_nuses(g, r))
		return 0;
	uint32_t n = 0;
	for (uint32_t u = g->vals[r].first_use; u != NX_NONE; u = g->uses[u].next) {
		nx_grow((void **)&c->slots, &c->cap_slots, n + 1, sizeof *c->slots);
		c->slots[n++] = u;
	}
	bool output = nx_value_is_output(g, r);
	char name[256], hint[272];
	snprintf(name, sizeof name, "%s", nx_vname(g, r));
	snprintf(hint, sizeof hint, "%s.%s", name, output ? "f16" : "f32");
	if (output) {
		/* the output keeps its name: the f16 value takes a new one, and
		 * the cast the old one */
		snprintf(hint, sizeof hint, "%s", nx_cstr(g, nx_fresh_name(g, hint)));
		nx_value_rename(g, r, hint, NULL); /* free: a fresh name */
		snprintf(hint, sizeof hint, "%s", name);
	}
	uint32_t o = new_cast(g, ctx, r, NX_F32, hint, g->ops[x].next, x);
	if (o == NX_NONE)
		return -1;
	uint32_t b = nx_result(g, o, 0);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t u = c->slots[i], user = g->uses[u].op;
		nx_op_set_operand(g, user, u - g->ops[user].in, b);
	}
	for (uint32_t i = 0; i < g->n_outputs; i++)
		if (g->outputs[i] == r)
			nx_graph_set_output(g, i, b);
	return 0;
}

static int convert(nx_graph *g, conv16 *c, uint32_t x, nxp_ctx *ctx)
{
	uint32_t n_in = g->ops[x].n_in, consts = 0, ins = 0, reused = 0;
	for (uint32_t i = 0; i < n_in; i++) {
		uint32_t v = nx_operand(g, x, i);
		if (v == NX_NONE || nx_vtype(g, v)->dtype != NX_F32)
			continue;
		uint32_t nv;
		uint32_t p = nxp_producer_of(g, v, NX_OP_CAST);
		if (nx_is_const(g, v)) {
			nv = const_f16(g, c, v, ctx);
			consts++;
		} else if (p != NX_NONE &&
			   nx_vtype(g, nx_operand(g, p, 0))->dtype == NX_F16) {
			nv = nx_operand(g, p, 0);
			reused++;
		} else {
			nv = cast_in(g, c, ctx, v, x);
			ins++;
		}
		if (nv == NX_NONE)
			return -1;
		nx_op_set_operand(g, x, i, nv);
		/* what the old operand came from may be unused now */
		if (nx_is_const(g, v) && !nx_value_nuses(g, v)) {
			nx_value_erase(g, v);
		} else if (p != NX_NONE && !nx_value_nuses(g, v)) {
			/* The cast back to f32 carries its producer's origin, and
			 * the producer keeps it: handing it to x as well would make
			 * every converted op inherit the whole chain above it. */
			nxp_erase_tree(g, ctx, p, NX_NONE, "f16 read directly: the producer keeps this cast's origin");
			nxp_stat_add(ctx, "casts removed", 1);
		}
	}
	if (nx_infer_op(g, x, &ctx->err) != 0)
		return -1;
	uint32_t outs = 0;
	for (uint32_t i = 0; i < g->ops[x].n_out; i++) {
		uint32_t r = nx_result(g, x, i);
		if (nx_vtype(g, r)->dtype != NX_F16) {
			/* defensive: every kind not excluded above follows its operands */
			nx_err_set(&ctx->err, "op %%%s (%s): result stays %s with f16 operands",
				   nx_vname(g, r), nx_op_name(g, x),
				   nx_dtype_name(nx_vtype(g, r)->dtype));
			return -1;
		}
		if (nx_value_nuses(g, r)) {
			if (cast_out(g, c, ctx, x, r) != 0)
				return -1;
			outs++;
		}
	}
	nxp_remark(ctx, "converted %%%s (%s) to f16: %u constant%s, %u cast%s in, %u f16 "
		   "value%s read directly, %u cast%s out", nx_vname(g, nx_result(g, x, 0)),
		   nx_op_name(g, x), consts, consts == 1 ? "" : "s", ins, ins == 1 ? "" : "s",
		   reused, reused == 1 ? "" : "s", outs, outs == 1 ? "" : "s");
	nxp_stat_add(ctx, "ops converted", 1);
	return 1;
}

static int run(nx_graph *g, nxp_ctx *ctx)
{
	conv16 c;
	memset(&c, 0, sizeof c);
	if (parse_keep(&c, ctx) != 0)
		return -1;
	/* the schedule as it is now: the casts this run adds are not visited */
	uint32_t n = 0;
	NX_FOR_OPS(g, o)
		n++;
	uint32_t *ops = nx_xmalloc(((size_t)n + 1) * sizeof *ops); /* freed below */
	n = 0;
	NX_FOR_OPS(g, o)
		ops[n++] = o;
	int rc = 0;
	for (uint32_t i = 0; i < n && !ctx->stopped; i++) {
		uint32_t x = ops[i];
		if (g->ops[x].flags & NX_O_DEAD)
			continue;
		mark_seen(&c, x);
		const char *why = stays(g, &c, x);
		if (why) {
			if (!strcmp(why, "range"))
				nxp_remark(ctx, "kept %%%s (%s) in f32: a constant operand exceeds "
					   "the f16 range", nx_vname(g, nx_result(g, x, 0)),
					   nx_op_name(g, x));
			continue;
		}
		if (!nxp_rewrite(ctx, x))
			break;
		if (convert(g, &c, x, ctx) < 0) {
			rc = -1;
			break;
		}
	}
	free(ops);
	free(c.copy);
	free(c.seen);
	free(c.slots);
	return rc;
}

const nxp_pass nxp_pass_to_fp16 = {
	.name = "to-fp16",
	.summary = "compute in f16: convert f32 ops, constants and values, with casts at the "
		   "graph's f32 inputs and outputs",
	.options = options,
	.requires = "types",
	.invalidates = "ops, types, weights",
	.run = run,
};
