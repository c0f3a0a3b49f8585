/* util.c — small graph helpers the passes share: single users, constant
 * tests, creating ops that inherit origin, replacing and erasing ops. The
 * replacing helpers keep the two promises the numeric debugger and the TUI
 * stand on: graph outputs keep their names and order, and every erased op's
 * origin either goes to an heir op or is recorded as dropped (nxp_drop). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nxp.h"

uint32_t nxp_single_user(const nx_graph *g, uint32_t v)
{
	uint32_t u = g->vals[v].first_use;
	if (u == NX_NONE || g->uses[u].next != NX_NONE || nx_value_is_output(g, v))
		return NX_NONE;
	return g->uses[u].op;
}

uint32_t nxp_producer_of(const nx_graph *g, uint32_t v, int kind)
{
	if (v == NX_NONE)
		return NX_NONE;
	uint32_t p = g->vals[v].producer;
	if (p == NX_NONE || (g->ops[p].flags & NX_O_DEAD) || (kind >= 0 && g->ops[p].kind != kind))
		return NX_NONE;
	return p;
}

/* A lazy constant (a fill, or weights times scales) bigger than this is
 * never generated just to look at its values: a 200-byte model naming
 * f32[65536,65536] fill(ones) would otherwise cost 16 GiB in canonicalize.
 * zeros and ones fills are answered from the fill itself. */
#define LAZY_LOOK_MAX ((int64_t)1 << 20) /* elements */

static bool const_tensor(const nx_graph *g, uint32_t v, nx_tensor *t)
{
	if (!nx_is_const(g, v))
		return false;
	nx_blob *b = nx_const_blob(g, v);
	if (!b->data && b->src != NX_BLOB_DATA && nx_type_numel(&b->type) > LAZY_LOOK_MAX)
		return false;
	t->type = b->type;
	t->data = (void *)nx_blob_data(b);
	return t->data != NULL;
}

/* For a zeros or ones fill not yet generated: its value in *x. */
static bool fill_splat(const nx_graph *g, uint32_t v, double *x)
{
	if (!nx_is_const(g, v))
		return false;
	const nx_blob *b = nx_const_blob(g, v);
	if (b->data || b->src != NX_BLOB_FILL || b->fill == NX_FILL_RANDOM)
		return false;
	*x = b->fill == NX_FILL_ONES ? 1.0 : 0.0;
	return true;
}

bool nxp_const_is_splat(const nx_graph *g, uint32_t v, double x)
{
	double f;
	if (fill_splat(g, v, &f))
		return f == x;
	nx_tensor t;
	if (!const_tensor(g, v, &t))
		return false;
	int64_t n = nx_type_numel(&t.type);
	for (int64_t i = 0; i < n; i++)
		if (nx_tensor_get(&t, i) != x)
			return false;
	return n > 0;
}

bool nxp_const_near(const nx_graph *g, uint32_t v, double x, double rel)
{
	double f;
	if (fill_splat(g, v, &f))
		return fabs(f - x) <= rel * fmax(1.0, fabs(x));
	nx_tensor t;
	if (!const_tensor(g, v, &t))
		return false;
	int64_t n = nx_type_numel(&t.type);
	for (int64_t i = 0; i < n; i++)
		if (!(fabs(nx_tensor_get(&t, i) - x) <= rel * fmax(1.0, fabs(x))))
			return false;
	return n > 0;
}

bool nxp_const_scalar(const nx_graph *g, uint32_t v, double *x)
{
	nx_tensor t;
	if (!const_tensor(g, v, &t) || nx_type_numel(&t.type) != 1)
		return false;
	*x = nx_tensor_get(&t, 0);
	return true;
}

uint32_t nxp_op_new(nx_graph *g, nxp_ctx *ctx, int kind, const uint32_t *in, uint32_t n_in,
		    uint32_t n_out, const char *name_hint, uint32_t before,
		    const uint32_t *from, uint32_t n_from)
{
	/* Fresh names from the hint; a later result's name is reserved by
	 * nothing until nx_op_new, so clashes among them fall back to "t" names. */
	const char *names[NX_VARIADIC];
	char buf[NX_VARIADIC][128];
	const char *hint = name_hint ? name_hint : nx_ops[kind].name;
	for (uint32_t i = 0; i < n_out && i < NX_VARIADIC; i++) {
		char h[128];
		if (i == 0)
			snprintf(h, sizeof h, "%s", hint);
		else
			snprintf(h, sizeof h, "%s_r%u", hint, i);
		snprintf(buf[i], sizeof buf[i], "%s", nx_cstr(g, nx_fresh_name(g, h)));
		names[i] = buf[i];
		for (uint32_t j = 0; j < i; j++)
			if (names[j] && !strcmp(buf[j], buf[i]))
				names[i] = NULL;
	}
	uint32_t o = nx_op_new(g, kind, in, n_in, n_out, names, before, &ctx->err);
	if (o == NX_NONE)
		return NX_NONE;
	for (uint32_t i = 0; i < n_from; i++)
		nx_op_merge_origin(g, o, from[i]);
	return o;
}

bool nxp_can_take_name(const nx_graph *g, uint32_t v)
{
	return v != NX_NONE && !(g->vals[v].flags & NX_V_INPUT) && !nx_value_is_output(g, v);
}

/* Erases op and the producers it leaves unused. Origins go to heir (for the
 * producers too if heir_all, else they are dropped), or are dropped for why. */
static void erase_rec(nx_graph *g, nxp_ctx *ctx, uint32_t op, uint32_t heir, bool heir_all,
		      const char *why)
{
	if (op == NX_NONE || (g->ops[op].flags & NX_O_DEAD))
		return;
	for (uint32_t i = 0; i < g->ops[op].n_out; i++)
		if (nx_value_nuses(g, nx_result(g, op, i)))
			return;
	if (heir != NX_NONE)
		nx_op_merge_origin(g, heir, op);
	else
		nxp_drop_origin(ctx, g, op, why);
	uint32_t n_in = g->ops[op].n_in;
	uint32_t *in = nx_xmalloc((size_t)(n_in + 1) * sizeof *in);
	for (uint32_t i = 0; i < n_in; i++)
		in[i] = nx_operand(g, op, i);
	nx_op_erase(g, op);
	for (uint32_t i = 0; i < n_in; i++) {
		uint32_t v = in[i];
		if (v == NX_NONE || (g->vals[v].flags & NX_V_DEAD) || nx_value_nuses(g, v))
			continue;
		if (g->vals[v].producer != NX_NONE)
			erase_rec(g, ctx, g->vals[v].producer, heir_all ? heir : NX_NONE, heir_all,
				  why);
		else if (g->vals[v].blob != NX_NONE)
			nx_value_erase(g, v); /* an unused constant */
	}
	free(in);
}

void nxp_replace_op(nx_graph *g, nxp_ctx *ctx, uint32_t op, const uint32_t *vals,
		    uint32_t heir, const char *why)
{
	uint32_t n = g->ops[op].n_out;
	uint32_t keep[NX_VARIADIC];  /* value taking result i's output name, or NX_NONE */
	char *names[NX_VARIADIC];
	uint32_t carrier = NX_NONE;  /* an identity made to carry an output name */
	for (uint32_t i = 0; i < n; i++) {
		uint32_t r = nx_result(g, op, i), v = vals[i];
		keep[i] = NX_NONE;
		names[i] = NULL;
		if (r != v && nx_value_is_output(g, r)) {
			if (!nxp_can_take_name(g, v)) {
				nx_err e;
				uint32_t id = nx_op_new(g, NX_OP_IDENTITY, &v, 1, 1, NULL, op, &e);
				if (id == NX_NONE) { /* defensive: a fresh name cannot clash */
					fprintf(stderr, "nex: internal error: %s\n", e.msg);
					abort();
				}
				nx_type t = *nx_vtype(g, v);
				nx_value_set_type(g, nx_result(g, id, 0), &t);
				nx_op_merge_origin(g, id, op);
				carrier = carrier == NX_NONE ? id : carrier;
				v = nx_result(g, id, 0);
			}
			keep[i] = v;
			names[i] = nx_xstrdup(nx_vname(g, r));
		}
		nx_value_replace_uses(g, r, v);
	}
	if (heir != NX_NONE)
		erase_rec(g, ctx, op, heir, true, why);
	else
		erase_rec(g, ctx, op, carrier, false, why);
	for (uint32_t i = 0; i < n; i++)
		if (names[i]) {
			nx_value_rename(g, keep[i], names[i], NULL); /* free: op's result is gone */
			free(names[i]);
		}
}

void nxp_replace_op_by(nx_graph *g, uint32_t op, uint32_t new_op)
{
	uint32_t n = g->ops[op].n_out;
	char *names[NX_VARIADIC];
	for (uint32_t i = 0; i < n; i++) {
		names[i] = nx_xstrdup(nx_vname(g, nx_result(g, op, i)));
		nx_value_replace_uses(g, nx_result(g, op, i), nx_result(g, new_op, i));
	}
	erase_rec(g, NULL, op, new_op, true, NULL);
	for (uint32_t i = 0; i < n; i++) {
		nx_value_rename(g, nx_result(g, new_op, i), names[i], NULL); /* free once op is gone */
		free(names[i]);
	}
}

void nxp_copy_act(nx_graph *g, uint32_t dst, uint32_t src)
{
	static const char *acts[] = {"act", "act_alpha", "act_beta"};
	for (int i = 0; i < 3; i++) {
		const nx_attr *a = nx_attr_get(g, src, acts[i]);
		if (a && a->kind == NX_ATTR_STR) {
			char *v = nx_xstrdup(nx_attr_s(g, src, acts[i], ""));
			nx_attr_set_s(g, dst, acts[i], v);
			free(v);
		} else if (a) {
			nx_attr_set_f(g, dst, acts[i], nx_attr_f(g, src, acts[i], 0));
		}
	}
}

void nxp_erase_tree(nx_graph *g, nxp_ctx *ctx, uint32_t op, uint32_t heir, const char *why)
{
	erase_rec(g, ctx, op, heir, heir != NX_NONE, why);
}

uint32_t nxp_const_f32(nx_graph *g, const char *hint, const nx_type *t, const float *data)
{
	nx_type ct = *t;
	ct.dtype = NX_F32;
	ct.layout = NX_LAYOUT_PLAIN;
	nx_blob *b = nx_blob_new_copy(&ct, data);
	uint32_t name = nx_fresh_name(g, hint);
	char buf[256];
	snprintf(buf, sizeof buf, "%s", nx_cstr(g, name));
	return nx_const_new(g, buf, b, NULL);
}
