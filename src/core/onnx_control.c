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
 * Scan is refused: nex does not unroll it.
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

int nx_onnx_control(nx_onnx_imp *im)
{
	const char *t = im->node->op_type;
	if (!strcmp(t, "If"))
		return import_if(im);
	if (!strcmp(t, "Loop"))
		return import_loop(im);
	return nx_onnx_fail(im, "nex does not unroll Scan (only If with a constant condition "
			    "and Loop with a constant trip count fold at import)");
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
