/* layout_ne.c — the values the NE computes get the NE layout tag: results
 * of ops that do not run on the CPU (nx_target_on_cpu: attr device, else
 * the target's support rules), float tensors of rank 1 to 4 (the NE works on
 * (B,C,H,W) in fp16; integer index math runs on the CPU). The tag changes no
 * dims, only how the sim and the planner size the tensor
 * (nx_target_type_bytes: every row of the last axis padded to `align`
 * bytes), and it decides which reshapes stay free (a reshape of an ne
 * tensor is a view only when the last axis is unchanged). Shape inference
 * keeps layout tags, so a later infer-shapes does not undo the pass. Graph
 * inputs are left as the host hands them over (plain); the first op that
 * reads one converts.
 *
 * The NE layout wastes memory and bandwidth when the last axis is short: a
 * (1,C,H,1) fp16 tensor takes 32x its packed size (NE-MODEL.md §3). The pass
 * reports each such value in a remark (option `waste`: the padded/packed
 * ratio from which it does) and counts the bytes in its statistics. Then,
 * where such (B,C,H,1) values flow through a run of two or more elementwise
 * ops, each op of the run is rewritten to compute on (B,C,1,H) - the same
 * element order, so the reshapes are views of the data but the NE rows are
 * full - with a reshape in front and one behind; a reshape behind meeting a
 * reshape in front cancels at once, so only the run's ends keep them
 * (option `reshape`). Values with a short last axis outside such runs (conv
 * and pool operands, rank-3 activations) keep their form.
 *
 * With option `linear` (off by default: see docs/passes.md), rank-3 linear
 * layers first move to the channels-first (B,C,1,S) form (ne_linear.c).
 *
 * One op (all its eligible results) tagged = one rewrite; one op moved to
 * the cheap form = one rewrite. */
#include <stdlib.h>
#include <string.h>

#include "nxp.h"

static const nxp_option options[] = {
	{"waste", NXP_FLOAT, "4", "remark values whose ne bytes exceed their packed bytes "
				   "by this factor"},
	{"reshape", NXP_BOOL, "true", "move runs of elementwise ops on such values into "
				      "the cheap (B,C,1,H) form"},
	{"linear", NXP_BOOL, "false", "run rank-3 linear layers as 1x1 convs on (B,C,1,S) "
				     "between transposes that cancel"},
	{NULL, 0, NULL, NULL},
};

static bool eligible(const nx_graph *g, uint32_t v)
{
	const nx_type *ty = nx_vtype(g, v);
	return g->vals[v].type && nx_dtype_is_float(ty->dtype) && ty->rank >= 1 &&
	       ty->rank <= 4 && ty->layout != NX_LAYOUT_NE;
}

/* An elementwise NE op whose result is (B,C,H,1) with H > 1, padded by at
 * least `waste`, and whose other operands are scalars or broadcast along H
 * and W (so they read the same in the (B,C,1,H) form). */
static bool run_op(const nx_graph *g, uint32_t o, const nx_target *t, double waste)
{
	const nx_op *p = nx_opp(g, o);
	if (!(nx_ops[p->kind].flags & NX_F_ELEMWISE) || p->n_out != 1 ||
	    (nx_ops[p->kind].flags & NX_F_OPAQUE) || nx_target_on_cpu(g, o, t))
		return false;
	const nx_type *r = nx_vtype(g, nx_result(g, o, 0));
	if (r->rank != 4 || r->dims[3] != 1 || r->dims[2] <= 1 || !nx_dtype_is_float(r->dtype))
		return false;
	nx_type ne = *r;
	ne.layout = NX_LAYOUT_NE;
	int64_t packed = nx_type_bytes(r), padded = nx_target_type_bytes(&ne, t);
	if (packed <= 0 || (double)padded < waste * (double)packed)
		return false;
	for (uint32_t i = 0; i < p->n_in; i++) {
		uint32_t v = nx_operand(g, o, i);
		if (v == NX_NONE)
			continue;
		const nx_type *x = nx_vtype(g, v);
		bool same = x->rank == 4 && !memcmp(x->dims, r->dims, sizeof x->dims[0] * 4);
		bool flat = x->rank < 2 || (x->dims[x->rank - 1] == 1 && x->dims[x->rank - 2] == 1);
		if (!same && !flat && nx_type_numel(x) != 1)
			return false;
	}
	return true;
}

/* reshape(x) to dims, placed before `before`, tagged ne. */
static uint32_t reshape_to(nx_graph *g, nxp_ctx *ctx, uint32_t x, const int64_t *dims,
			   uint32_t before, uint32_t from, const char *hint)
{
	uint32_t r = nxp_op_new(g, ctx, NX_OP_RESHAPE, &x, 1, 1, hint, before, &from, 1);
	if (r == NX_NONE)
		return NX_NONE;
	nx_attr_set_ints(g, r, "shape", dims, 4);
	if (nx_infer_op(g, r, &ctx->err) != 0)
		return NX_NONE;
	nx_type ty = *nx_vtype(g, nx_result(g, r, 0));
	ty.layout = NX_LAYOUT_NE;
	nx_value_set_type(g, nx_result(g, r, 0), &ty);
	return nx_result(g, r, 0);
}

/* Moves op o (a run_op) to the (B,C,1,H) form: one rewrite. Ops with ids
 * from first_new on were made by this pass. */
static int to_cheap(nx_graph *g, nxp_ctx *ctx, uint32_t o, uint32_t first_new)
{
	const nx_type *r = nx_vtype(g, nx_result(g, o, 0));
	int64_t tall[4] = {r->dims[0], r->dims[1], r->dims[2], 1};
	int64_t flat[4] = {r->dims[0], r->dims[1], 1, r->dims[2]};
	uint32_t n_in = nx_opp(g, o)->n_in;
	uint32_t in[NX_VARIADIC];
	for (uint32_t i = 0; i < n_in && i < NX_VARIADIC; i++) {
		uint32_t v = nx_operand(g, o, i);
		in[i] = v;
		if (v == NX_NONE)
			continue;
		const nx_type *x = nx_vtype(g, v);
		if (x->rank != 4 || memcmp(x->dims, tall, sizeof tall))
			continue;
		/* the reshape behind an earlier op of the run: read what it reads */
		uint32_t p = nxp_producer_of(g, v, NX_OP_RESHAPE);
		const nx_type *px = p != NX_NONE ? nx_vtype(g, nx_operand(g, p, 0)) : NULL;
		if (px && px->rank == 4 && !memcmp(px->dims, flat, sizeof flat)) {
			in[i] = nx_operand(g, p, 0);
			nxp_stat_add(ctx, "reshape pairs cancelled", 1);
			continue;
		}
		/* a reshape in front this pass made for an earlier op of the run */
		uint32_t made = NX_NONE;
		for (uint32_t u = g->vals[v].first_use; u != NX_NONE; u = g->uses[u].next) {
			uint32_t q = g->uses[u].op;
			const nx_type *qt = nx_vtype(g, nx_result(g, q, 0));
			if (q >= first_new && g->ops[q].kind == NX_OP_RESHAPE && qt->rank == 4 &&
			    !memcmp(qt->dims, flat, sizeof flat))
				made = nx_result(g, q, 0);
		}
		if (made != NX_NONE) {
			in[i] = made;
			continue;
		}
		in[i] = reshape_to(g, ctx, v, flat, o, o, "ne_flat");
		if (in[i] == NX_NONE)
			return -1;
		nxp_stat_add(ctx, "reshapes inserted", 1);
	}
	uint32_t c = nxp_op_new(g, ctx, nx_opp(g, o)->kind, in, n_in, 1, "ne_run", o, &o, 1);
	if (c == NX_NONE)
		return -1;
	nx_attr_copy_all(g, c, g, o);
	if (nx_infer_op(g, c, &ctx->err) != 0)
		return -1;
	nx_type ty = *nx_vtype(g, nx_result(g, c, 0));
	ty.layout = NX_LAYOUT_NE;
	nx_value_set_type(g, nx_result(g, c, 0), &ty);
	uint32_t back = reshape_to(g, ctx, nx_result(g, c, 0), tall, o, o, "ne_tall");
	if (back == NX_NONE)
		return -1;
	nxp_stat_add(ctx, "reshapes inserted", 1);
	nxp_remark(ctx, "%%%s (%s) computes on (%lld,%lld,1,%lld) instead of (...,%lld,1)",
		   nx_vname(g, nx_result(g, o, 0)), nx_op_name(g, o), (long long)flat[0],
		   (long long)flat[1], (long long)flat[3], (long long)tall[2]);
	nxp_replace_op_by(g, o, g->vals[back].producer);
	nxp_stat_add(ctx, "ops moved to the cheap form", 1);
	return 0;
}

/* Runs of two or more run_ops (linked producer -> user) move to the cheap
 * form op by op, in schedule order, so each finds its producer's reshape
 * behind and cancels it. */
static int cheap_runs(nx_graph *g, nxp_ctx *ctx, const nx_target *t, double waste)
{
	uint32_t n = g->n_ops, k = 0;
	uint8_t *is = calloc(n + 1, 1);
	uint32_t *order = malloc((n + 1) * sizeof *order);
	NX_FOR_OPS(g, o) {
		is[o] = run_op(g, o, t, waste);
		order[k++] = o;
	}
	int rc = 0;
	for (uint32_t i = 0; i < k && !ctx->stopped; i++) {
		uint32_t o = order[i];
		if (!is[o] || (g->ops[o].flags & NX_O_DEAD))
			continue;
		bool linked = false;
		for (uint32_t j = 0; j < g->ops[o].n_in && !linked; j++) {
			uint32_t v = nx_operand(g, o, j);
			uint32_t p = v == NX_NONE ? NX_NONE : g->vals[v].producer;
			/* a producer already moved reads through its reshape behind */
			if (p != NX_NONE && g->ops[p].kind == NX_OP_RESHAPE && p >= n)
				linked = true;
			else if (p != NX_NONE && p < n && is[p])
				linked = true;
		}
		uint32_t r = nx_result(g, o, 0);
		for (uint32_t u = g->vals[r].first_use; u != NX_NONE && !linked; u = g->uses[u].next)
			linked = g->uses[u].op < n && is[g->uses[u].op];
		if (!linked || !nxp_rewrite(ctx, o))
			continue;
		if (to_cheap(g, ctx, o, n) != 0) {
			rc = -1;
			break;
		}
	}
	free(is);
	free(order);
	return rc;
}

static int run(nx_graph *g, nxp_ctx *ctx)
{
	nx_target tb;
	const nx_target *t = nxp_target(ctx, &tb);
	double waste = nxp_opt_float(ctx, "waste");
	int64_t packed = 0, padded = 0;
	if (nxp_opt_bool(ctx, "linear") && nxp_ne_linears(g, ctx, t) != 0)
		return -1;
	if (ctx->stopped)
		return 0;
	NX_FOR_OPS(g, o) {
		const nx_op *p = nx_opp(g, o);
		if (nx_ops[p->kind].flags & NX_F_SHAPEOF)
			continue;
		uint32_t n = 0;
		for (uint32_t i = 0; i < p->n_out; i++)
			n += eligible(g, nx_result(g, o, i));
		if (!n || nx_target_on_cpu(g, o, t))
			continue;
		if (!nxp_rewrite(ctx, o))
			break;
		char note[512] = "";
		size_t len = 0;
		for (uint32_t i = 0; i < nx_opp(g, o)->n_out; i++) {
			uint32_t v = nx_result(g, o, i);
			if (!eligible(g, v))
				continue;
			nx_type ty = *nx_vtype(g, v);
			int64_t before = nx_type_bytes(&ty);
			ty.layout = NX_LAYOUT_NE;
			nx_value_set_type(g, v, &ty);
			int64_t after = nx_target_type_bytes(&ty, t);
			packed += before > 0 ? before : 0;
			padded += after > 0 ? after : 0;
			nxp_stat_add(ctx, "values tagged ne", 1);
			double f = before > 0 ? (double)after / (double)before : 1;
			if (f >= waste && len < sizeof note) {
				char ts[128];
				nx_type_str(&ty, ts, sizeof ts);
				len += (size_t)snprintf(note + len, sizeof note - len,
							"; %%%s %s pads %.1fx (%lld -> %lld bytes)",
							nx_vname(g, v), ts, f, (long long)before,
							(long long)after);
				nxp_stat_add(ctx, "values padded >= waste", 1);
			}
		}
		nxp_remark(ctx, "%%%s (%s): ne%s",
			   nx_opp(g, o)->n_out ? nx_vname(g, nx_result(g, o, 0)) : "?",
			   nx_op_name(g, o), note);
	}
	if (!ctx->stopped && nxp_opt_bool(ctx, "reshape") && cheap_runs(g, ctx, t, waste) != 0)
		return -1;
	nxp_stat_add(ctx, "packed bytes", packed);
	nxp_stat_add(ctx, "ne bytes", padded);
	if (packed && !ctx->stopped)
		nxp_remark(ctx, "tagged values take %lld bytes in the ne layout, %lld packed "
			   "(%.2fx, align %lld)", (long long)padded, (long long)packed,
			   (double)padded / (double)packed, (long long)t->align);
	return 0;
}

const nxp_pass nxp_pass_layout_ne = {
	.name = "layout-ne",
	.summary = "tag the float values the NE computes with the ne layout (rows padded to "
		   "align); report padding waste",
	.options = options,
	.requires = "types, placement (partition, or the target's support rules)",
	.invalidates = "layouts (sizes, views, memory plan)",
	.run = run,
};
