/* onnx_control.c — ONNX control flow (If, Loop, Scan) at import. nex graphs
 * are straight-line with static shapes, so control flow is only taken in
 * when it resolves at compile time:
 * - If whose condition is a constant once shapes and --const values are
 *   bound (the importer folds the condition's ops through the kernels as it
 *   goes) becomes the nodes of the taken branch, inlined in place; nested
 *   Ifs fold the same way as they are reached;
 * - Loop whose trip count (or condition, for a while loop) is constant is
 *   unrolled, each iteration a fresh copy of the body, up to
 *   opts->unroll_limit iterations (--unroll-limit, default 64); the
 *   condition the body computes must fold at each iteration;
 * - anything else is refused naming the node, the input that would have to
 *   be constant, and the graph inputs it is computed from (--const NAME=V).
 * - Scan always unrolls, its trip count being the scan axis length of a
 *   static-shaped input: each step slices the scan inputs, threads the
 *   state values and stacks the scan outputs (on their axes, in their
 *   directions), up to the same unroll limit.
 *
 * Inlining renames: a subgraph's values get new names in the main graph
 * (the original name, plus "@i" for Loop iteration i, plus "~k" if still
 * taken), held in a scope chain so that a nested body sees its own values
 * first and the enclosing scopes' after (outer-scope captures wire through
 * unchanged). Each subgraph node is imported by the ordinary node importer
 * from a copy of its NodeProto with renamed inputs and outputs, so the
 * branches get the same translation, inference and folding as the main
 * graph. The values a branch or the last iteration yields take the If's or
 * Loop's output names (renamed when made inside, else through an identity).
 * This file also fits --const values to their input's declared type.
 */
#include <stdlib.h>
#include <string.h>

#include "onnx_int.h"

#define DEFAULT_UNROLL 64

/* One inlined subgraph instance: original name -> name in the main graph. */
typedef struct nx_onnx_scope {
	struct nx_onnx_scope *up;
	char **from, **to;  /* owned */
	uint32_t n, cap;
	char suffix[96];    /* appended to the names defined here ("@2") */
} nx_onnx_scope;

static void scope_free(nx_onnx_scope *s)
{
	for (uint32_t i = 0; i < s->n; i++) {
		free(s->from[i]);
		free(s->to[i]);
	}
	free(s->from);
	free(s->to);
}

/* The main-graph name of name as seen from scope s (unchanged if no scope
 * defines it: a main-graph value). */
static const char *resolve(const nx_onnx_scope *s, const char *name)
{
	for (; s; s = s->up)
		for (uint32_t i = s->n; i-- > 0;)
			if (!strcmp(s->from[i], name))
				return s->to[i];
	return name;
}

static bool taken(nx_onnx_imp *im, const char *name)
{
	return nx_value_by_name(im->g, name, strlen(name)) != NX_NONE ||
	       nx_onnx_find_empty(im, name);
}

/* Defines name in scope s: a main-graph name not yet used (and not used by
 * another definition of s), returned (owned by s). */
static const char *define(nx_onnx_imp *im, nx_onnx_scope *s, const char *name)
{
	size_t cap = strlen(name) + strlen(s->suffix) + 24;
	char *nm = nx_xmalloc(cap); /* owned by s->to */
	snprintf(nm, cap, "%s%s", name, s->suffix);
	for (unsigned k = 1;; k++) {
		bool clash = taken(im, nm);
		for (uint32_t i = 0; i < s->n && !clash; i++)
			clash = !strcmp(s->to[i], nm);
		if (!clash)
			break;
		snprintf(nm, cap, "%s%s~%u", name, s->suffix, k);
	}
	if (s->n == s->cap) {
		nx_grow((void **)&s->from, &s->cap, s->n + 1, sizeof *s->from);
		s->to = nx_xrealloc(s->to, s->cap * sizeof *s->to);
	}
	s->from[s->n] = nx_xstrdup(name);
	s->to[s->n] = nm;
	return s->n++, nm;
}

/* The node's input i as a value (NX_NONE if absent; empties refused). */
static int in_value(nx_onnx_imp *im, uint32_t i, uint32_t *v)
{
	return nx_onnx_operand(im, i, v);
}

/* The one element of constant v as an integer. */
static int64_t const_int(nx_onnx_imp *im, uint32_t v)
{
	nx_tensor t = {.type = *nx_vtype(im->g, v),
		       .data = (void *)nx_blob_data(nx_const_blob(im->g, v))};
	return nx_tensor_get_int(&t, 0);
}

/* Refuses the node because its input i ('what') is not constant, naming the
 * graph inputs it comes from (told to opts->need_const too). */
static int need_const(nx_onnx_imp *im, uint32_t i, uint32_t v, const char *what,
		      const char *rule)
{
	char ins[400];
	uint32_t n = nx_onnx_upstream_inputs(im, v, ins, sizeof ins);
	char one[300] = "NAME";
	if (n == 1) /* ins is "'name'" */
		snprintf(one, sizeof one, "%.*s", (int)strlen(ins) - 2, ins + 1);
	if (n)
		return nx_onnx_fail(im, "%s '%s' is not constant at import, and %s; it is computed "
				    "from graph input%s %s: bind %s with --const %s=VALUE",
				    what, im->node->input[i], rule, n > 1 ? "s" : "", ins,
				    n > 1 ? "them" : "it", one);
	return nx_onnx_fail(im, "%s '%s' is not constant at import, and %s; it depends on no "
			    "graph input nex could bind", what, im->node->input[i], rule);
}

/* Imports node n of a subgraph in scope s: a copy whose inputs are resolved
 * and whose outputs are defined in s. */
static int import_sub_node(nx_onnx_imp *im, nx_onnx_scope *s, const Onnx__NodeProto *n,
			   size_t idx)
{
	Onnx__NodeProto c = *n;
	char **in = nx_xcalloc(n->n_input + 1, sizeof *in);   /* freed below */
	char **out = nx_xcalloc(n->n_output + 1, sizeof *out); /* freed below */
	for (size_t i = 0; i < n->n_input; i++)
		in[i] = nx_xstrdup(n->input[i] && n->input[i][0] ? resolve(s, n->input[i]) : "");
	for (size_t i = 0; i < n->n_output; i++)
		out[i] = nx_xstrdup(n->output[i] && n->output[i][0] ? define(im, s, n->output[i])
								    : "");
	c.input = in;
	c.output = out;
	const Onnx__NodeProto *keep_node = im->node;
	char keep_name[sizeof im->node_name];
	memcpy(keep_name, im->node_name, sizeof keep_name);
	uint32_t keep_origin = im->origin;
	nx_onnx_scope *keep_scope = im->scope;
	im->node = &c;
	im->scope = s;
	if (n->name && n->name[0])
		snprintf(im->node_name, sizeof im->node_name, "%.150s%s", n->name, s->suffix);
	else
		snprintf(im->node_name, sizeof im->node_name, "%.100s_%zu%s", nx_onnx_s(n->op_type),
			 idx, s->suffix);
	im->origin = nx_str(im->g, im->node_name);
	int rc = n->op_type && n->op_type[0] ? nx_onnx_import_node(im)
					     : nx_onnx_fail(im, "has no op_type");
	im->node = keep_node;
	memcpy(im->node_name, keep_name, sizeof keep_name);
	im->origin = keep_origin;
	im->scope = keep_scope;
	for (size_t i = 0; i < n->n_input; i++)
		free(in[i]);
	for (size_t i = 0; i < n->n_output; i++)
		free(out[i]);
	free(in);
	free(out);
	return rc;
}

/* Imports subgraph body's initializers and nodes in scope s. */
static int import_body(nx_onnx_imp *im, nx_onnx_scope *s, const Onnx__GraphProto *body)
{
	if (body->n_sparse_initializer)
		return nx_onnx_fail(im, "a subgraph has sparse initializers (not supported)");
	for (size_t i = 0; i < body->n_initializer; i++) {
		const Onnx__TensorProto *t = body->initializer[i];
		const char *name = nx_onnx_s(t->name);
		char what[300];
		snprintf(what, sizeof what, "subgraph initializer '%.200s'", name);
		nx_type ty;
		void *data;
		nx_err e;
		if (!*name)
			return nx_onnx_fail(im, "subgraph initializer %zu has no name", i);
		if (nx_onnx_tensor(im, t, what, &ty, &data, &e))
			return nx_onnx_fail(im, "%s", e.msg);
		bool ok;
		nx_onnx_def_const(im, define(im, s, name), &ty, data, &ok);
		free(data);
		if (!ok)
			return -1;
	}
	for (size_t i = 0; i < body->n_node; i++)
		if (import_sub_node(im, s, body->node[i], i))
			return -1;
	return 0;
}

/* Makes the value called src (a main-graph name) the node's output called
 * dst: a value made since first_val is renamed, anything else (an outer
 * value, one already yielded) goes through an identity. */
static int yield(nx_onnx_imp *im, const char *src, const char *dst, uint32_t first_val)
{
	nx_graph *g = im->g;
	if (!dst || !dst[0])
		return 0;
	const nx_onnx_empty *e = nx_onnx_find_empty(im, src);
	if (e) {
		nx_type t = e->type;
		bool ok;
		int64_t dummy = 0;
		nx_onnx_def_const(im, dst, &t, &dummy, &ok);
		return ok ? 0 : -1;
	}
	uint32_t v = nx_value_by_name(g, src, strlen(src));
	if (v == NX_NONE)
		return nx_onnx_fail(im, "subgraph output '%s' is not computed by the subgraph", src);
	bool yielded = false;
	for (size_t i = 0; i < im->node->n_output && !yielded; i++)
		yielded = im->node->output[i] && !strcmp(nx_vname(g, v), im->node->output[i]);
	if (v >= first_val && !(nx_val(g, v)->flags & NX_V_INPUT) && !yielded) {
		if (taken(im, dst))
			return nx_onnx_fail(im, "output '%s' is already defined (ONNX values are "
					    "assigned once)", dst);
		return nx_value_rename(g, v, dst, im->err);
	}
	const char *names[1] = {dst};
	uint32_t op = nx_onnx_op_new(im, NX_OP_IDENTITY, &v, 1, 1, names);
	return op == NX_NONE ? -1 : nx_onnx_op_done(im, op, NULL);
}

static const Onnx__GraphProto *graph_attr(const Onnx__NodeProto *n, const char *name)
{
	const Onnx__AttributeProto *a = nx_onnx_attr(n, name);
	return a && nx_onnx_attr_type(a) == ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPH ? a->g
											   : NULL;
}

static void scope_init(nx_onnx_scope *s, nx_onnx_imp *im, const char *more)
{
	memset(s, 0, sizeof *s);
	s->up = im->scope;
	snprintf(s->suffix, sizeof s->suffix, "%.64s%.24s", im->scope ? im->scope->suffix : "", more);
}

static int import_if(nx_onnx_imp *im)
{
	const Onnx__NodeProto *n = im->node;
	uint32_t c;
	if (n->n_input != 1)
		return nx_onnx_fail(im, "takes one input, the condition");
	if (in_value(im, 0, &c))
		return -1;
	if (c == NX_NONE)
		return nx_onnx_fail(im, "has no condition");
	if (!nx_is_const(im->g, c))
		return need_const(im, 0, c, "condition", "nex keeps only the branch an If takes");
	if (nx_type_numel(nx_vtype(im->g, c)) != 1)
		return nx_onnx_fail(im, "condition '%s' has %lld elements, not one", n->input[0],
				    (long long)nx_type_numel(nx_vtype(im->g, c)));
	bool take = const_int(im, c) != 0;
	const Onnx__GraphProto *b = graph_attr(n, take ? "then_branch" : "else_branch");
	if (!b)
		return nx_onnx_fail(im, "has no %s graph", take ? "then_branch" : "else_branch");
	if (b->n_output != n->n_output)
		return nx_onnx_fail(im, "%s yields %zu values for %zu outputs",
				    take ? "then_branch" : "else_branch", b->n_output, n->n_output);
	nx_onnx_scope s;
	scope_init(&s, im, "");
	uint32_t first = im->g->n_vals;
	int rc = import_body(im, &s, b);
	for (size_t i = 0; !rc && i < n->n_output; i++)
		rc = yield(im, resolve(&s, nx_onnx_s(b->output[i]->name)), n->output[i], first);
	scope_free(&s);
	return rc;
}

/* A constant scalar of dtype d holding x, with a fresh name in s for
 * orig. */
static int scalar(nx_onnx_imp *im, nx_onnx_scope *s, const char *orig, int d, int64_t x)
{
	nx_type t = nx_type_make(d, 0, NULL);
	nx_tensor tt = nx_tensor_alloc(&t);
	nx_tensor_set_int(&tt, 0, x);
	bool ok;
	nx_onnx_def_const(im, define(im, s, orig), &t, tt.data, &ok);
	nx_tensor_free(&tt);
	return ok ? 0 : -1;
}

/* The values of scan output k over the iterations, stacked on a new axis 0
 * into the node output called dst. */
static int stack(nx_onnx_imp *im, char **names, uint32_t n_iter, const char *dst)
{
	nx_graph *g = im->g;
	uint32_t *parts = nx_xmalloc(n_iter * sizeof *parts); /* freed below */
	int rc = 0;
	int64_t axis0 = 0;
	for (uint32_t i = 0; i < n_iter && !rc; i++) {
		uint32_t v = nx_value_by_name(g, names[i], strlen(names[i]));
		if (v == NX_NONE) {
			rc = nx_onnx_fail(im, "scan output '%s' of iteration %u has zero elements or "
					  "is not computed (nex tensors have no empty dims)",
					  names[i], i);
			break;
		}
		const char *nm[1] = {n_iter == 1 ? dst : NULL};
		uint32_t op = nx_onnx_op_new(im, NX_OP_UNSQUEEZE, &v, 1, 1, nm);
		if (op == NX_NONE) {
			rc = -1;
			break;
		}
		nx_attr_set_ints(g, op, "axes", &axis0, 1);
		rc = nx_onnx_op_done(im, op, &parts[i]);
	}
	if (!rc && n_iter > 1) {
		const char *nm[1] = {dst};
		uint32_t op = nx_onnx_op_new(im, NX_OP_CONCAT, parts, n_iter, 1, nm);
		if (op == NX_NONE)
			rc = -1;
		else {
			nx_attr_set_i(g, op, "axis", 0);
			rc = nx_onnx_op_done(im, op, NULL);
		}
	}
	free(parts);
	return rc;
}

static int import_loop(nx_onnx_imp *im)
{
	const Onnx__NodeProto *n = im->node;
	nx_graph *g = im->g;
	const Onnx__GraphProto *body = graph_attr(n, "body");
	if (!body)
		return nx_onnx_fail(im, "has no body graph");
	if (n->n_input < 2)
		return nx_onnx_fail(im, "takes at least 2 inputs (M, cond)");
	size_t n_carried = n->n_input - 2;
	if (body->n_input != n_carried + 2 || body->n_output < n_carried + 1 ||
	    n->n_output != body->n_output - 1)
		return nx_onnx_fail(im, "body takes %zu inputs and yields %zu values: with %zu "
				    "loop-carried values it should take %zu and yield %zu or more, "
				    "and the Loop give one output fewer", body->n_input,
				    body->n_output, n_carried, n_carried + 2, n_carried + 1);
	size_t n_scan = body->n_output - 1 - n_carried;
	uint32_t limit = im->opts && im->opts->unroll_limit ? im->opts->unroll_limit
							    : DEFAULT_UNROLL;
	uint32_t mv, cv;
	if (in_value(im, 0, &mv) || in_value(im, 1, &cv))
		return -1;
	if (mv == NX_NONE && cv == NX_NONE)
		return nx_onnx_fail(im, "has neither a trip count M nor a condition: it never "
				    "ends");
	int64_t trips = -1; /* unknown: a while loop */
	if (mv != NX_NONE) {
		if (!nx_is_const(g, mv))
			return need_const(im, 0, mv, "trip count M",
					  "nex unrolls only a Loop whose trip count is known");
		trips = const_int(im, mv);
		if (trips < 0)
			trips = 0;
		if (trips > limit)
			return nx_onnx_fail(im, "trip count M = %lld is above the unroll limit %u: "
					    "nex unrolls Loops at import; raise it with "
					    "--unroll-limit %lld", (long long)trips, limit,
					    (long long)trips);
	}
	bool go = true;
	if (cv != NX_NONE) {
		if (!nx_is_const(g, cv))
			return need_const(im, 1, cv, "condition",
					  "nex unrolls only a Loop whose condition folds");
		go = const_int(im, cv) != 0;
	}
	/* the loop-carried values, by main-graph name (owned) */
	char **cur = nx_xcalloc(n_carried + 1, sizeof *cur);
	char **scan = nx_xcalloc(n_scan * (size_t)(limit + 1) + 1, sizeof *scan);
	for (size_t j = 0; j < n_carried; j++)
		cur[j] = nx_xstrdup(nx_onnx_s(n->input[2 + j]));
	uint32_t first = g->n_vals;
	uint32_t it = 0;
	int rc = 0;
	for (; go && (trips < 0 || it < trips); it++) {
		if (it == limit) {
			rc = nx_onnx_fail(im, "its condition still holds after %u iterations, the "
					  "unroll limit: raise it with --unroll-limit N", limit);
			break;
		}
		nx_onnx_scope s;
		char sfx[24];
		snprintf(sfx, sizeof sfx, "@%u", it);
		scope_init(&s, im, sfx);
		rc = scalar(im, &s, nx_onnx_s(body->input[0]->name), NX_I64, it) ||
		     scalar(im, &s, nx_onnx_s(body->input[1]->name), NX_BOOL, 1);
		/* loop-carried inputs: the previous iteration's values */
		for (size_t j = 0; !rc && j < n_carried; j++) {
			if (!cur[j][0]) {
				rc = nx_onnx_fail(im, "loop-carried input %zu is absent", j);
				break;
			}
			if (s.n == s.cap) {
				nx_grow((void **)&s.from, &s.cap, s.n + 1, sizeof *s.from);
				s.to = nx_xrealloc(s.to, s.cap * sizeof *s.to);
			}
			s.from[s.n] = nx_xstrdup(nx_onnx_s(body->input[2 + j]->name));
			s.to[s.n++] = nx_xstrdup(cur[j]);
		}
		if (!rc)
			rc = import_body(im, &s, body);
		if (!rc && cv != NX_NONE) {
			const char *cn = resolve(&s, nx_onnx_s(body->output[0]->name));
			uint32_t c = nx_value_by_name(g, cn, strlen(cn));
			if (c == NX_NONE || !nx_is_const(g, c))
				rc = nx_onnx_fail(im, "the condition the body computes ('%s') is not "
						  "constant at iteration %u: nex unrolls only a Loop "
						  "whose condition folds at every step",
						  nx_onnx_s(body->output[0]->name), it);
			else
				go = const_int(im, c) != 0;
		}
		for (size_t j = 0; !rc && j < n_carried; j++) {
			free(cur[j]);
			cur[j] = nx_xstrdup(resolve(&s, nx_onnx_s(body->output[1 + j]->name)));
		}
		for (size_t k = 0; !rc && k < n_scan; k++)
			scan[k * (limit + 1) + it] = nx_xstrdup(
				resolve(&s, nx_onnx_s(body->output[1 + n_carried + k]->name)));
		scope_free(&s);
		if (rc)
			break;
	}
	if (!rc && n_scan && !it)
		rc = nx_onnx_fail(im, "runs no iteration, so its scan outputs would have zero "
				  "elements (nex tensors have no empty dims)");
	for (size_t j = 0; !rc && j < n_carried; j++)
		rc = yield(im, cur[j], n->output[j], first);
	for (size_t k = 0; !rc && k < n_scan; k++)
		if (n->output[n_carried + k] && n->output[n_carried + k][0])
			rc = stack(im, &scan[k * (limit + 1)], it, n->output[n_carried + k]);
	for (size_t j = 0; j < n_carried; j++)
		free(cur[j]);
	for (size_t k = 0; k < n_scan * (size_t)(limit + 1); k++)
		free(scan[k]);
	free(cur);
	free(scan);
	return rc;
}

/* Slice index i of value v on axis, the axis dropped, into the value called
 * name (a helper name would not resolve as an ONNX operand): its id. */
static int take_slice(nx_onnx_imp *im, uint32_t v, int64_t axis, int64_t i, const char *name,
		      uint32_t *out)
{
	nx_graph *g = im->g;
	int64_t st = i, en = i + 1;
	uint32_t op = nx_onnx_op_new(im, NX_OP_SLICE, &v, 1, 1, NULL);
	if (op == NX_NONE)
		return -1;
	nx_attr_set_ints(g, op, "starts", &st, 1);
	nx_attr_set_ints(g, op, "ends", &en, 1);
	nx_attr_set_ints(g, op, "axes", &axis, 1);
	uint32_t s;
	if (nx_onnx_op_done(im, op, &s))
		return -1;
	const char *nm[1] = {name};
	op = nx_onnx_op_new(im, NX_OP_SQUEEZE, &s, 1, 1, nm);
	if (op == NX_NONE)
		return -1;
	nx_attr_set_ints(g, op, "axes", &axis, 1);
	return nx_onnx_op_done(im, op, out);
}

/* vals[0..n) stacked on a new axis into the value called dst (NULL: a
 * helper name); *out (may be NULL) gets it. */
static int stack_on(nx_onnx_imp *im, const uint32_t *vals, uint32_t n, int64_t axis,
		    const char *dst, uint32_t *out)
{
	nx_graph *g = im->g;
	uint32_t *parts = nx_xmalloc(n * sizeof *parts); /* freed below */
	int rc = 0;
	for (uint32_t i = 0; i < n && !rc; i++) {
		const char *nm[1] = {n == 1 ? dst : NULL};
		uint32_t v = vals[i];
		uint32_t op = nx_onnx_op_new(im, NX_OP_UNSQUEEZE, &v, 1, 1, nm);
		if (op == NX_NONE) {
			rc = -1;
			break;
		}
		nx_attr_set_ints(g, op, "axes", &axis, 1);
		rc = nx_onnx_op_done(im, op, &parts[i]);
	}
	if (!rc && n == 1 && out)
		*out = parts[0];
	if (!rc && n > 1) {
		const char *nm[1] = {dst};
		uint32_t op = nx_onnx_op_new(im, NX_OP_CONCAT, parts, n, 1, nm);
		if (op == NX_NONE)
			rc = -1;
		else {
			nx_attr_set_i(g, op, "axis", axis);
			rc = nx_onnx_op_done(im, op, out);
		}
	}
	free(parts);
	return rc;
}

static uint32_t by_name(nx_onnx_imp *im, const char *name)
{
	return nx_value_by_name(im->g, name, strlen(name));
}

/* An ints attribute's element i (def when absent or short). */
static int64_t attr_ints_at(const Onnx__NodeProto *n, const char *name, size_t i, int64_t def)
{
	const Onnx__AttributeProto *a = nx_onnx_attr(n, name);
	return a && i < a->n_ints ? a->ints[i] : def;
}

/* One run of a Scan body over the scan inputs scan_in (of the same length
 * on their axes), starting from the states state[]: final states go to
 * state[] (values), scan output k's stack to outs[k] (named dst[k], or a
 * helper name when dst[k] is NULL). */
static int scan_run(nx_onnx_imp *im, const Onnx__GraphProto *body, uint32_t *state,
		    size_t n_state, const uint32_t *scan_in, size_t m, int64_t len,
		    const int64_t *in_axis, const bool *in_rev, const int64_t *out_axis,
		    const bool *out_rev, const char *const *dst, uint32_t *outs, const char *tag)
{
	nx_graph *g = im->g;
	size_t k_out = body->n_output - n_state;
	uint32_t *per = nx_xcalloc(k_out * (size_t)len + 1, sizeof *per); /* freed below */
	int rc = 0;
	for (int64_t t = 0; t < len && !rc; t++) {
		nx_onnx_scope s;
		char sfx[40];
		snprintf(sfx, sizeof sfx, "@%s%lld", tag, (long long)t);
		scope_init(&s, im, sfx);
		for (size_t j = 0; j < n_state + m && !rc; j++) {
			const char *bin = nx_onnx_s(body->input[j]->name);
			if (j >= n_state) {
				size_t q = j - n_state;
				uint32_t v;
				rc = take_slice(im, scan_in[q], in_axis[q],
						in_rev[q] ? len - 1 - t : t, define(im, &s, bin), &v);
				continue;
			}
			if (s.n == s.cap) {
				nx_grow((void **)&s.from, &s.cap, s.n + 1, sizeof *s.from);
				s.to = nx_xrealloc(s.to, s.cap * sizeof *s.to);
			}
			s.from[s.n] = nx_xstrdup(bin);
			s.to[s.n++] = nx_xstrdup(nx_vname(g, state[j]));
		}
		if (!rc)
			rc = import_body(im, &s, body);
		for (size_t j = 0; !rc && j < body->n_output; j++) {
			const char *nm = resolve(&s, nx_onnx_s(body->output[j]->name));
			uint32_t v = by_name(im, nm);
			if (v == NX_NONE)
				rc = nx_onnx_fail(im, "body output '%s' is not computed, or has zero "
						  "elements (nex tensors have no empty dims)", nm);
			else if (j < n_state)
				state[j] = v;
			else
				per[(j - n_state) * (size_t)len + (size_t)t] = v;
		}
		scope_free(&s);
	}
	for (size_t k = 0; !rc && k < k_out; k++) {
		uint32_t *row = &per[k * (size_t)len];
		if (out_rev[k])
			for (int64_t a = 0, b = len - 1; a < b; a++, b--) {
				uint32_t x = row[a];
				row[a] = row[b];
				row[b] = x;
			}
		rc = stack_on(im, row, (uint32_t)len, out_axis[k], dst[k], &outs[k]);
	}
	free(per);
	return rc;
}

/* Scan: its trip count is the scan axis length of static-shaped inputs, so
 * it always unrolls (up to the unroll limit). Scan-8 has a leading
 * sequence_lens input and a batch axis 0 (each batch entry scanned on its
 * own, axis 1); Scan-9 and later have per-input/output axes. */
static int import_scan(nx_onnx_imp *im)
{
	const Onnx__NodeProto *n = im->node;
	nx_graph *g = im->g;
	const Onnx__GraphProto *body = graph_attr(n, "body");
	if (!body)
		return nx_onnx_fail(im, "has no body graph");
	bool v8 = im->opset < 9;
	size_t first_in = v8 ? 1 : 0;
	int64_t m = nx_onnx_attr_i(n, "num_scan_inputs", -1);
	if (m < 1 || n->n_input < first_in + (size_t)m)
		return nx_onnx_fail(im, "num_scan_inputs = %lld does not fit its %zu inputs",
				    (long long)m, n->n_input);
	size_t n_state = n->n_input - first_in - (size_t)m;
	if (body->n_input != n_state + (size_t)m || body->n_output < n_state ||
	    n->n_output != body->n_output)
		return nx_onnx_fail(im, "body takes %zu inputs and yields %zu values: with %zu "
				    "state values and %lld scan inputs it should take %zu, and "
				    "yield as many values as the Scan has outputs (%zu)",
				    body->n_input, body->n_output, n_state, (long long)m,
				    n_state + (size_t)m, n->n_output);
	if (v8 && n->n_input && n->input[0] && n->input[0][0])
		return nx_onnx_fail(im, "has a sequence_lens input: nex unrolls Scan-8 only "
				    "over full sequences (sequence_lens absent)");
	size_t k_out = body->n_output - n_state;
	uint32_t *vals = nx_xcalloc(n->n_input + 1, sizeof *vals); /* freed below */
	int64_t *in_axis = nx_xcalloc((size_t)m + 1, sizeof *in_axis);
	bool *in_rev = nx_xcalloc((size_t)m + 1, sizeof *in_rev);
	int64_t *out_axis = nx_xcalloc(k_out + 1, sizeof *out_axis);
	bool *out_rev = nx_xcalloc(k_out + 1, sizeof *out_rev);
	uint32_t *outs = nx_xcalloc(k_out + 1, sizeof *outs);
	const char **dst = nx_xcalloc(k_out + 1, sizeof *dst);
	int rc = 0;
	for (size_t i = first_in; i < n->n_input && !rc; i++) {
		rc = in_value(im, (uint32_t)i, &vals[i]);
		if (!rc && vals[i] == NX_NONE)
			rc = nx_onnx_fail(im, "input %zu is absent", i);
	}
	int64_t len = -1, batch = 1;
	for (int64_t q = 0; q < m && !rc; q++) {
		const nx_type *t = nx_vtype(g, vals[first_in + n_state + q]);
		int rank = v8 ? t->rank - 1 : t->rank;
		int64_t a = v8 ? 0 : attr_ints_at(n, "scan_input_axes", q, 0);
		if (a < 0)
			a += rank;
		if (a < 0 || a >= rank) {
			rc = nx_onnx_fail(im, "scan input %lld: axis out of range for rank %d",
					  (long long)q, rank);
			break;
		}
		in_axis[q] = a;
		in_rev[q] = attr_ints_at(n, v8 ? "directions" : "scan_input_directions", q, 0);
		int64_t d = t->dims[v8 ? a + 1 : a];
		if (v8)
			batch = t->dims[0];
		if (len >= 0 && d != len)
			rc = nx_onnx_fail(im, "scan inputs have lengths %lld and %lld on their scan "
					  "axes", (long long)len, (long long)d);
		len = d;
	}
	for (size_t k = 0; k < k_out && !rc; k++) {
		int rank = body->output[n_state + k]->type &&
				   body->output[n_state + k]->type->tensor_type &&
				   body->output[n_state + k]->type->tensor_type->shape
			   ? (int)body->output[n_state + k]->type->tensor_type->shape->n_dim
			   : -1;
		int64_t a = v8 ? 0 : attr_ints_at(n, "scan_output_axes", k, 0);
		if (a < 0 && rank < 0)
			rc = nx_onnx_fail(im, "scan output %zu: a negative axis needs the body "
					  "output's rank", k);
		else if (a < 0)
			a += rank + 1;
		out_axis[k] = a;
		out_rev[k] = v8 ? false : attr_ints_at(n, "scan_output_directions", k, 0);
		dst[k] = n->output[n_state + k] && n->output[n_state + k][0]
				 ? n->output[n_state + k] : NULL;
	}
	uint32_t limit = im->opts && im->opts->unroll_limit ? im->opts->unroll_limit
							    : DEFAULT_UNROLL;
	if (!rc && len * batch > limit)
		rc = nx_onnx_fail(im, "scans %lld steps%s, above the unroll limit %u: nex unrolls "
				  "Scans at import; raise it with --unroll-limit %lld",
				  (long long)(len * batch), v8 ? " (batch x sequence)" : "", limit,
				  (long long)(len * batch));
	uint32_t first = g->n_vals;
	if (!rc && !v8) {
		rc = scan_run(im, body, &vals[0], n_state, &vals[n_state], (size_t)m, len, in_axis,
			      in_rev, out_axis, out_rev, dst, outs, "");
		for (size_t j = 0; !rc && j < n_state; j++)
			rc = yield(im, nx_vname(g, vals[j]), n->output[j], first);
	} else if (!rc) {
		/* per batch entry: its states and scan inputs, run, then stacked */
		uint32_t *st = nx_xcalloc((n_state + 1) * (size_t)batch, sizeof *st);
		uint32_t *sc = nx_xcalloc((k_out + 1) * (size_t)batch, sizeof *sc);
		uint32_t *in_b = nx_xcalloc((size_t)m + 1, sizeof *in_b);
		const char **nodst = nx_xcalloc(k_out + 1, sizeof *nodst);
		uint32_t *col = nx_xcalloc((size_t)batch + 1, sizeof *col);
		for (int64_t b = 0; b < batch && !rc; b++) {
			char tag[24];
			snprintf(tag, sizeof tag, "%lld.", (long long)b);
			nx_onnx_scope sb; /* names the batch entry's slices */
			scope_init(&sb, im, tag);
			for (size_t j = 0; j < n_state && !rc; j++)
				rc = take_slice(im, vals[1 + j], 0, b,
						define(im, &sb, n->input[1 + j]),
						&st[b * n_state + j]);
			for (int64_t q = 0; q < m && !rc; q++)
				rc = take_slice(im, vals[1 + n_state + q], 0, b,
						define(im, &sb, n->input[1 + n_state + q]), &in_b[q]);
			scope_free(&sb);
			if (!rc)
				rc = scan_run(im, body, &st[b * n_state], n_state, in_b, (size_t)m,
					      len, in_axis, in_rev, out_axis, out_rev, nodst,
					      &sc[b * k_out], tag);
		}
		for (size_t j = 0; j < n_state && !rc; j++) {
			for (int64_t b = 0; b < batch; b++)
				col[b] = st[b * n_state + j];
			if (n->output[j] && n->output[j][0])
				rc = stack_on(im, col, (uint32_t)batch, 0, n->output[j], NULL);
		}
		for (size_t k = 0; k < k_out && !rc; k++) {
			for (int64_t b = 0; b < batch; b++)
				col[b] = sc[b * k_out + k];
			if (dst[k])
				rc = stack_on(im, col, (uint32_t)batch, 0, dst[k], NULL);
		}
		free(st);
		free(sc);
		free(in_b);
		free(nodst);
		free(col);
	}
	free(vals);
	free(in_axis);
	free(in_rev);
	free(out_axis);
	free(out_rev);
	free(outs);
	free(dst);
	return rc;
}

int nx_onnx_control(nx_onnx_imp *im)
{
	const char *t = im->node->op_type;
	if (!strcmp(t, "If"))
		return import_if(im);
	if (!strcmp(t, "Loop"))
		return import_loop(im);
	return import_scan(im);
}

int nx_onnx_fit_const(nx_onnx_imp *im, const Onnx__ValueInfoProto *vi, const nx_tensor *given,
		      nx_tensor *out)
{
	const char *name = nx_onnx_s(vi->name);
	const Onnx__TypeProto *tp = vi->type;
	*out = nx_tensor_copy(given);
	if (!tp || tp->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE || !tp->tensor_type)
		return 0;
	const Onnx__TypeProto__Tensor *tt = tp->tensor_type;
	if (tt->has_elem_type && tt->elem_type) {
		int d = nx_onnx_dtype(tt->elem_type);
		if (d < 0) {
			nx_tensor_free(out);
			nx_err_set(im->err, "--const %s: the input is %s, which nex has no dtype for",
				   name, nx_onnx_type_name(tt->elem_type));
			return -1;
		}
		if (d != given->type.dtype) {
			nx_tensor c = nx_tensor_convert(given, d);
			int64_t n = nx_tensor_numel(given);
			for (int64_t i = 0; i < n; i++)
				if (nx_tensor_get(&c, i) != nx_tensor_get(given, i)) {
					nx_err_set(im->err, "--const %s: element %lld (%g) is not "
						   "exact in the input's dtype %s", name, (long long)i,
						   nx_tensor_get(given, i), nx_dtype_name(d));
					nx_tensor_free(&c);
					nx_tensor_free(out);
					return -1;
				}
			nx_tensor_free(out);
			*out = c;
		}
	}
	/* a declared static shape with as many elements: the values' layout */
	const Onnx__TensorShapeProto *sh = tt->shape;
	if (!sh || sh->n_dim > NX_MAX_RANK)
		return 0;
	int64_t dims[NX_MAX_RANK], numel = 1;
	for (size_t k = 0; k < sh->n_dim; k++) {
		const Onnx__TensorShapeProto__Dimension *dm = sh->dim[k];
		if (!dm || dm->value_case != ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE)
			return 0;
		dims[k] = dm->dim_value;
		numel *= dims[k];
	}
	if (numel != nx_tensor_numel(out)) {
		nx_err_set(im->err, "--const %s: %lld value%s given, the input holds %lld", name,
			   (long long)nx_tensor_numel(out), nx_tensor_numel(out) == 1 ? "" : "s",
			   (long long)numel);
		nx_tensor_free(out);
		return -1;
	}
	out->type = nx_type_make(out->type.dtype, (int)sh->n_dim, dims);
	return 0;
}
