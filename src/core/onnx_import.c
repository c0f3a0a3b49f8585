/* onnx_import.c — ONNX model -> nex graph. The model is decoded by the
 * protobuf-c code generated from Debian's onnx.proto at build time; this file
 * walks it: initializers and Constant nodes become blobs, graph inputs get
 * their dynamic dims bound (--shape), and each node becomes a registry op
 * (onnx_opset.c translates the opset differences), a folded constant
 * (shape arithmetic through nx_eval_op; onnx_fold.c), an opaque op, or a refusal
 * naming the node (control flow, sequences, training, functions).
 *
 * Every op is inferred as soon as it is made, so a bad model fails at the
 * node that breaks it, and so the static shapes that shape computations read
 * (Shape -> Gather -> Concat -> Reshape) are known when the next node needs
 * them. nex keeps shape-like parameters as attributes: when ONNX passes them
 * as inputs, those inputs must be constant by then, and this is where the
 * folding makes them so.
 *
 * ONNX value names become nex value names; node names become op origins.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "onnx_int.h"

#define GROW(p, n, cap, need) nx_grow((void **)&(p), &(cap), (need), sizeof *(p))

/* ---- small helpers ---- */

const char *nx_onnx_s(const char *s)
{
	return s ? s : "";
}

int nx_onnx_fail(nx_onnx_imp *im, const char *fmt, ...)
{
	char reason[sizeof im->err->msg];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof reason, fmt, ap);
	va_end(ap);
	nx_err_set(im->err, "node '%s' (%s): %s", im->node_name,
		   nx_onnx_s(im->node->op_type), reason);
	return -1;
}

void nx_onnx_warn(nx_onnx_imp *im, const char *msg)
{
	if (im->opts && im->opts->warn)
		im->opts->warn(im->opts->warn_ctx, msg);
	else
		fprintf(stderr, "nex: warning: %s\n", msg); /* nx_onnx_opts: NULL = stderr */
}

static void count(nx_onnx_count **arr, uint32_t *n, uint32_t *cap, const char *key,
		  const char *first)
{
	for (uint32_t i = 0; i < *n; i++)
		if (!strcmp((*arr)[i].op_type, key)) {
			(*arr)[i].n++;
			return;
		}
	nx_grow((void **)arr, cap, *n + 1, sizeof **arr);
	(*arr)[*n].op_type = nx_xstrdup(key);
	(*arr)[*n].first = nx_xstrdup(first);
	(*arr)[*n].n = 1;
	(*n)++;
}

/* ---- attributes ---- */

const Onnx__AttributeProto *nx_onnx_attr(const Onnx__NodeProto *n, const char *name)
{
	for (size_t i = 0; i < n->n_attribute; i++)
		if (n->attribute[i] && !strcmp(nx_onnx_s(n->attribute[i]->name), name))
			return n->attribute[i];
	return NULL;
}

int nx_onnx_attr_type(const Onnx__AttributeProto *a)
{
	if (a->has_type && a->type != ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__UNDEFINED)
		return a->type;
	if (a->n_floats)
		return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS;
	if (a->n_ints)
		return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS;
	if (a->n_strings)
		return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRINGS;
	if (a->n_tensors)
		return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSORS;
	if (a->n_graphs)
		return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPHS;
	if (a->has_s)
		return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING;
	if (a->has_f)
		return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT;
	if (a->has_i)
		return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT;
	if (a->t)
		return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR;
	if (a->g)
		return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPH;
	if (a->sparse_tensor)
		return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__SPARSE_TENSOR;
	return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__UNDEFINED;
}

int64_t nx_onnx_f2i(double v)
{
	/* out-of-range float -> int conversion is undefined behaviour in C */
	return v != v ? 0 : v >= 9.2e18 ? INT64_MAX : v <= -9.2e18 ? INT64_MIN : (int64_t)v;
}

int64_t nx_onnx_attr_i(const Onnx__NodeProto *n, const char *name, int64_t def)
{
	const Onnx__AttributeProto *a = nx_onnx_attr(n, name);
	if (!a)
		return def;
	int t = nx_onnx_attr_type(a);
	if (t == ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT)
		return nx_onnx_f2i(a->f);
	return t == ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT ? a->i : def;
}

float nx_onnx_attr_f(const Onnx__NodeProto *n, const char *name, float def)
{
	const Onnx__AttributeProto *a = nx_onnx_attr(n, name);
	if (!a)
		return def;
	int t = nx_onnx_attr_type(a);
	if (t == ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT)
		return (float)a->i;
	return t == ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT ? a->f : def;
}

const char *nx_onnx_attr_str(const Onnx__NodeProto *n, const char *name, const char *def,
			     char *buf, size_t cap)
{
	const Onnx__AttributeProto *a = nx_onnx_attr(n, name);
	if (!a || nx_onnx_attr_type(a) != ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING)
		return def;
	size_t k = a->s.len < cap - 1 ? a->s.len : cap - 1;
	if (k)
		memcpy(buf, a->s.data, k);
	buf[k] = 0;
	return buf;
}

static bool str_bytes_ok(const ProtobufCBinaryData *s)
{
	/* nex strings are C strings: an embedded NUL would silently cut one. */
	return !s->len || !memchr(s->data, 0, s->len);
}

static const char *attr_type_name(int t)
{
	switch (t) {
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT: return "float";
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT: return "int";
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING: return "string";
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR: return "tensor";
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPH: return "graph";
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS: return "floats";
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS: return "ints";
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRINGS: return "strings";
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSORS: return "tensors";
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPHS: return "graphs";
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__SPARSE_TENSOR: return "sparse tensor";
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__SPARSE_TENSORS: return "sparse tensors";
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TYPE_PROTO: return "type";
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TYPE_PROTOS: return "types";
	default: return "undefined";
	}
}

/* Sets ONNX attribute a on op under its own name, converted to want (an
 * nx_attr_kind) when it is a numeric widening; -1 + err otherwise. */
static int set_attr(nx_onnx_imp *im, uint32_t op, const Onnx__AttributeProto *a, int want)
{
	nx_graph *g = im->g;
	const char *name = nx_onnx_s(a->name);
	int t = nx_onnx_attr_type(a);
	switch (t) {
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT:
		if (want == NX_ATTR_INT)
			nx_attr_set_i(g, op, name, a->i);
		else if (want == NX_ATTR_FLOAT)
			nx_attr_set_f(g, op, name, (float)a->i);
		else
			break;
		return 0;
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT:
		if (want != NX_ATTR_FLOAT)
			break;
		nx_attr_set_f(g, op, name, a->f);
		return 0;
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING: {
		if (want != NX_ATTR_STR)
			break;
		if (!str_bytes_ok(&a->s))
			return nx_onnx_fail(im, "attribute '%s' holds a NUL byte", name);
		char *s = nx_xmalloc(a->s.len + 1);
		if (a->s.len)
			memcpy(s, a->s.data, a->s.len);
		s[a->s.len] = 0;
		nx_attr_set_s(g, op, name, s);
		free(s);
		return 0;
	}
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS:
		if (want == NX_ATTR_INTS) {
			if (a->n_ints > UINT32_MAX / 2)
				return nx_onnx_fail(im, "attribute '%s' is too long", name);
			nx_attr_set_ints(g, op, name, a->ints, (uint32_t)a->n_ints);
		} else if (want == NX_ATTR_FLOATS) {
			float *f = nx_xmalloc((a->n_ints ? a->n_ints : 1) * sizeof *f);
			for (size_t i = 0; i < a->n_ints; i++)
				f[i] = (float)a->ints[i];
			nx_attr_set_floats(g, op, name, f, (uint32_t)a->n_ints);
			free(f);
		} else {
			break;
		}
		return 0;
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS:
		if (want != NX_ATTR_FLOATS)
			break;
		if (a->n_floats > UINT32_MAX / 2)
			return nx_onnx_fail(im, "attribute '%s' is too long", name);
		nx_attr_set_floats(g, op, name, a->floats, (uint32_t)a->n_floats);
		return 0;
	default:
		break;
	}
	return nx_onnx_fail(im, "attribute '%s' is %s, nex expects %s", name, attr_type_name(t),
			    want >= 0 ? nx_attr_kind_name(want) : "int, float, string, ints or floats");
}

int nx_onnx_copy_attrs(nx_onnx_imp *im, uint32_t op, const char *const *skip)
{
	const Onnx__NodeProto *n = im->node;
	int kind = nx_opp(im->g, op)->kind;
	for (size_t i = 0; i < n->n_attribute; i++) {
		const Onnx__AttributeProto *a = n->attribute[i];
		const char *name = nx_onnx_s(a->name);
		bool skipped = false;
		for (const char *const *s = skip; s && *s && !skipped; s++)
			skipped = !strcmp(*s, name);
		if (skipped)
			continue;
		const nx_attr_spec *spec = nx_attr_spec_find(kind, name);
		/* nex's own attributes (act, device, tile, ...) are not ONNX's. */
		bool common = false;
		for (const nx_attr_spec *c = nx_common_attrs; c->name && spec; c++)
			common |= c == spec;
		if (!spec || common)
			return nx_onnx_fail(im, "attribute '%s' is not supported by nex's %s",
					    name, nx_ops[kind].name);
		if (set_attr(im, op, a, spec->kind))
			return -1;
	}
	return 0;
}

/* ---- values and names ---- */

static bool is_helper(const nx_onnx_imp *im, uint32_t sid)
{
	for (uint32_t i = 0; i < im->n_helpers; i++)
		if (im->helpers[i] == sid)
			return true;
	return false;
}

uint32_t nx_onnx_helper_name(nx_onnx_imp *im, const char *hint)
{
	uint32_t s = nx_fresh_name(im->g, hint);
	GROW(im->helpers, im->n_helpers, im->cap_helpers, im->n_helpers + 1);
	im->helpers[im->n_helpers++] = s;
	return s;
}

/* Makes name free for an ONNX value: a helper holding it moves aside; a
 * real value holding it is a model error (ONNX values are assigned once). */
static int claim_name(nx_onnx_imp *im, const char *name, const char *what)
{
	nx_graph *g = im->g;
	uint32_t v = nx_value_by_name(g, name, strlen(name));
	if (v == NX_NONE)
		return 0;
	if (!is_helper(im, nx_val(g, v)->name)) {
		nx_err_set(im->err, "%s '%s' is already defined (ONNX values are assigned once)",
			   what, name);
		return -1;
	}
	char hint[300];
	snprintf(hint, sizeof hint, "%.280s.1", name);
	uint32_t s = nx_onnx_helper_name(im, hint);
	char *nn = nx_xstrdup(nx_cstr(g, s));
	int r = nx_value_rename(g, v, nn, im->err);
	free(nn);
	return r;
}

const nx_onnx_empty *nx_onnx_find_empty(const nx_onnx_imp *im, const char *name)
{
	for (uint32_t i = 0; i < im->n_empties; i++)
		if (!strcmp(im->empties[i].name, name))
			return &im->empties[i];
	return NULL;
}

static int add_empty(nx_onnx_imp *im, const char *name, const nx_type *t)
{
	if (nx_onnx_find_empty(im, name)) {
		nx_err_set(im->err, "value '%s' is already defined (ONNX values are assigned once)",
			   name);
		return -1;
	}
	GROW(im->empties, im->n_empties, im->cap_empties, im->n_empties + 1);
	im->empties[im->n_empties].name = nx_xstrdup(name);
	im->empties[im->n_empties].type = *t;
	im->n_empties++;
	return 0;
}

/* Defines an ONNX-named (or helper, name NULL) constant; *v = NX_NONE for
 * a zero-element tensor, kept aside as an empty. With take, the constant
 * takes data (nx_xmalloc'd; freed here on every failure path), else it
 * copies it. Initializers are taken: a copy made the import hold each
 * weight three times at once (the decoded message, the decoded tensor and
 * the blob). */
static int def_const_take(nx_onnx_imp *im, const char *name, const nx_type *t, void *data,
			  bool take, uint32_t *v)
{
	nx_graph *g = im->g;
	*v = NX_NONE;
	bool zero = false;
	for (int d = 0; d < t->rank; d++)
		zero |= t->dims[d] == 0;
	if (zero) {
		if (take)
			free(data);
		if (!name)
			return 0;
		if (nx_value_by_name(g, name, strlen(name)) != NX_NONE &&
		    claim_name(im, name, "value"))
			return -1;
		return add_empty(im, name, t);
	}
	char *nm = NULL;
	if (name) {
		if (claim_name(im, name, "value") || nx_onnx_find_empty(im, name)) {
			if (nx_onnx_find_empty(im, name))
				nx_err_set(im->err, "value '%s' is already defined (ONNX values "
					   "are assigned once)", name);
			if (take)
				free(data);
			return -1;
		}
		nm = nx_xstrdup(name);
	} else {
		nm = nx_xstrdup(nx_cstr(g, nx_onnx_helper_name(im, "c")));
	}
	*v = nx_const_new(g, nm, take ? nx_blob_new_data(t, data) : nx_blob_new_copy(t, data),
			  im->err);
	free(nm);
	return *v == NX_NONE ? -1 : 0;
}

static int def_const(nx_onnx_imp *im, const char *name, const nx_type *t, const void *data,
		     uint32_t *v)
{
	return def_const_take(im, name, t, (void *)data, false, v);
}

uint32_t nx_onnx_def_const(nx_onnx_imp *im, const char *name, const nx_type *t,
			   const void *data, bool *ok)
{
	uint32_t v;
	*ok = def_const(im, name, t, data, &v) == 0;
	if (!*ok && im->node)
		nx_err_prefix(im->err, "node '%s' (%s): ", im->node_name,
			      nx_onnx_s(im->node->op_type));
	return v;
}

int nx_onnx_input(nx_onnx_imp *im, uint32_t i, uint32_t *v, bool *empty)
{
	*v = NX_NONE;
	*empty = false;
	const Onnx__NodeProto *n = im->node;
	if (i >= n->n_input || !n->input[i] || !n->input[i][0])
		return 0;
	const char *name = n->input[i];
	uint32_t x = nx_value_by_name(im->g, name, strlen(name));
	if (x != NX_NONE && !is_helper(im, nx_val(im->g, x)->name)) {
		*v = x;
		return 0;
	}
	if (nx_onnx_find_empty(im, name)) {
		*empty = true;
		return 0;
	}
	return nx_onnx_fail(im, "input %u '%s' is not defined (not a graph input, an initializer "
			    "or an output of an earlier node)", i, name);
}

int nx_onnx_operand(nx_onnx_imp *im, uint32_t i, uint32_t *v)
{
	bool empty;
	if (nx_onnx_input(im, i, v, &empty))
		return -1;
	if (empty)
		return nx_onnx_fail(im, "input %u '%s' has zero elements (nex tensors have no "
				    "empty dims)", i, im->node->input[i]);
	return 0;
}

/* Why value v is not a constant, for the error of an attribute slot. */
static void why_not_const(nx_onnx_imp *im, uint32_t v, char *buf, size_t cap)
{
	nx_graph *g = im->g;
	const nx_value *p = nx_val(g, v);
	if (p->flags & NX_V_INPUT) {
		snprintf(buf, cap, "it is a graph input (import it as a constant, or make it an "
			 "initializer)");
		return;
	}
	if (p->producer == NX_NONE) {
		snprintf(buf, cap, "it has no producer");
		return;
	}
	uint32_t o = p->producer;
	const nx_op *op = nx_opp(g, o);
	for (uint32_t i = 0; i < op->n_in; i++) {
		uint32_t x = nx_operand(g, o, i);
		if (x != NX_NONE && !nx_is_const(g, x)) {
			snprintf(buf, cap, "it is computed by %s (origin '%s') from the non-constant "
				 "%%%s", nx_op_name(g, o),
				 op->n_origin ? nx_cstr(g, nx_op_origin(g, o)[0]) : "?",
				 nx_vname(g, x));
			return;
		}
	}
	snprintf(buf, cap, "it is computed by %s (origin '%s') from constants, but too large or "
		 "not evaluable at import", nx_op_name(g, o),
		 op->n_origin ? nx_cstr(g, nx_op_origin(g, o)[0]) : "?");
}

/* Walks back from v through non-constant values to the graph inputs it is
 * computed from: each is told to opts->need_const (so a caller that has
 * data for them can bind just those and keep every other input live) and
 * listed in buf. */
uint32_t nx_onnx_upstream_inputs(nx_onnx_imp *im, uint32_t v, char *buf, size_t cap)
{
	const nx_onnx_opts *o = im->opts;
	nx_graph *g = im->g;
	uint32_t found = 0;
	if (buf && cap)
		buf[0] = 0;
	/* each value is pushed at most once: the stack never outgrows n_vals */
	bool *seen = nx_xcalloc(g->n_vals, sizeof *seen);  /* freed below */
	uint32_t *stack = nx_xmalloc(g->n_vals * sizeof *stack); /* freed below */
	uint32_t n = 0;
	stack[n++] = v;
	seen[v] = true;
	while (n) {
		uint32_t x = stack[--n];
		const nx_value *p = nx_val(g, x);
		if (p->flags & NX_V_INPUT) {
			if (o && o->need_const)
				o->need_const(o->need_const_ctx, nx_vname(g, x));
			if (buf && cap) {
				size_t k = strlen(buf);
				snprintf(buf + k, cap - k, "%s'%s'", found ? ", " : "", nx_vname(g, x));
			}
			found++;
			continue;
		}
		if (p->producer == NX_NONE)
			continue;
		const nx_op *op = nx_opp(g, p->producer);
		for (uint32_t i = 0; i < op->n_in; i++) {
			uint32_t y = nx_operand(g, p->producer, i);
			if (y != NX_NONE && !seen[y] && !nx_is_const(g, y)) {
				seen[y] = true;
				stack[n++] = y;
			}
		}
	}
	free(stack);
	free(seen);
	return found;
}

int nx_onnx_const_list(nx_onnx_imp *im, uint32_t i, const char *what, bool want_int,
		       nx_onnx_list *list)
{
	uint32_t v;
	bool empty;
	list->present = false;
	list->n = 0;
	if (nx_onnx_input(im, i, &v, &empty))
		return -1;
	if (empty) {
		list->present = true;
		return 0;
	}
	if (v == NX_NONE)
		return 0;
	nx_graph *g = im->g;
	if (!nx_is_const(g, v)) {
		char why[600];
		why_not_const(im, v, why, sizeof why);
		nx_onnx_upstream_inputs(im, v, NULL, 0);
		return nx_onnx_fail(im, "input %u '%s' (%s) must be constant: nex keeps %s as an "
				    "attribute; %s", i, im->node->input[i], what, what, why);
	}
	nx_blob *b = nx_const_blob(g, v);
	int d = b->type.dtype;
	if (want_int && nx_dtype_is_float(d))
		return nx_onnx_fail(im, "input %u '%s' (%s) is %s, expected an integer tensor", i,
				    im->node->input[i], what, nx_dtype_name(d));
	int64_t n = nx_type_numel(&b->type);
	if (n > NX_ONNX_MAX_LIST)
		return nx_onnx_fail(im, "input %u '%s' (%s) has %lld elements; nex reads at most %d",
				    i, im->node->input[i], what, (long long)n, NX_ONNX_MAX_LIST);
	const void *data = nx_blob_data(b);
	for (int64_t k = 0; k < n; k++) {
		int64_t iv = 0;
		double fv = 0;
		switch (d) {
		case NX_F32: fv = ((const float *)data)[k]; break;
		case NX_F16: fv = nx_f16_to_f32(((const uint16_t *)data)[k]); break;
		case NX_BF16: fv = nx_bf16_to_f32(((const uint16_t *)data)[k]); break;
		case NX_I8: iv = ((const int8_t *)data)[k]; break;
		case NX_U8: case NX_BOOL: iv = ((const uint8_t *)data)[k]; break;
		case NX_I32: iv = ((const int32_t *)data)[k]; break;
		case NX_I64: iv = ((const int64_t *)data)[k]; break;
		case NX_F64: fv = ((const double *)data)[k]; break;
		case NX_I16: iv = ((const int16_t *)data)[k]; break;
		case NX_U16: iv = ((const uint16_t *)data)[k]; break;
		case NX_U32: iv = ((const uint32_t *)data)[k]; break;
		case NX_U64: iv = (int64_t)((const uint64_t *)data)[k]; break;
		}
		if (nx_dtype_is_float(d))
			iv = nx_onnx_f2i(fv);
		else
			fv = (double)iv;
		list->i[k] = iv;
		list->f[k] = fv;
	}
	list->n = (uint32_t)n;
	list->present = true;
	return 0;
}

/* ---- ops ---- */

uint32_t nx_onnx_op_new(nx_onnx_imp *im, int kind, const uint32_t *in, uint32_t n_in,
			uint32_t n_out, const char *const *names)
{
	nx_graph *g = im->g;
	if (n_out > NX_VARIADIC) {
		nx_onnx_fail(im, "has %u outputs; nex allows at most %d", n_out, NX_VARIADIC);
		return NX_NONE;
	}
	char **nm = nx_xcalloc(n_out ? n_out : 1, sizeof *nm);
	uint32_t op = NX_NONE;
	for (uint32_t i = 0; i < n_out; i++) {
		if (names && names[i]) {
			if (claim_name(im, names[i], "output"))
				goto out;
			nm[i] = nx_xstrdup(names[i]);
		} else {
			char hint[300];
			const char *base = n_out && names && names[n_out - 1] ? names[n_out - 1] : "t";
			snprintf(hint, sizeof hint, "%.280s.%s", base, nx_ops[kind].name);
			nm[i] = nx_xstrdup(nx_cstr(g, nx_onnx_helper_name(im, hint)));
		}
	}
	op = nx_op_new(g, kind, in, n_in, n_out, (const char *const *)nm, NX_NONE, im->err);
	if (op == NX_NONE)
		nx_err_prefix(im->err, "node '%s' (%s): ", im->node_name,
			      nx_onnx_s(im->node->op_type));
	else
		nx_op_set_origin(g, op, &im->origin, 1);
out:
	for (uint32_t i = 0; i < n_out; i++)
		free(nm[i]);
	free(nm);
	return op;
}

/* Cheap enough to evaluate while importing: integer results (shape
 * arithmetic) of moderate size, or small float results. */
static bool cheap(nx_graph *g, uint32_t op)
{
	const nx_op *p = nx_opp(g, op);
	int64_t in = 0;
	for (uint32_t i = 0; i < p->n_in; i++) {
		uint32_t v = nx_operand(g, op, i);
		if (v != NX_NONE)
			in += nx_type_numel(nx_vtype(g, v));
	}
	if (in > (1 << 24))
		return false;
	int64_t fl = 0;
	for (uint32_t i = 0; i < p->n_out; i++) {
		const nx_type *t = nx_vtype(g, nx_result(g, op, i));
		int64_t n = nx_type_numel(t);
		if (n < 0 || n > NX_ONNX_FOLD_MAX)
			return false;
		if (nx_dtype_is_float(t->dtype))
			fl += n;
	}
	return fl <= 4096;
}

/* Replaces op by constants holding its results when every operand is a
 * constant: shape computations become the constants that attribute slots
 * read. 1 if folded, 0 if not (not an error: the op stays). */
static int try_fold(nx_onnx_imp *im, uint32_t op, uint32_t *res)
{
	nx_graph *g = im->g;
	const nx_op *p = nx_opp(g, op);
	if (nx_ops[p->kind].flags & NX_F_OPAQUE)
		return 0;
	/* A dequantized constant is a QDQ model's int8 weight: folding it here
	 * would hand fold-qdq an f32 weight (fold-constants folds it later if
	 * fold-qdq does not take it). */
	if (p->kind == NX_OP_DEQUANTIZE_LINEAR)
		return 0;
	uint32_t n_in = p->n_in, n_out = p->n_out;
	for (uint32_t i = 0; i < n_in; i++) {
		uint32_t v = nx_operand(g, op, i);
		if (v != NX_NONE && !nx_is_const(g, v))
			return 0;
	}
	if (!n_in || !cheap(g, op))
		return 0;
	nx_tensor *in = nx_xcalloc(n_in, sizeof *in);
	nx_tensor *out = nx_xcalloc(n_out, sizeof *out);
	for (uint32_t i = 0; i < n_in; i++) {
		uint32_t v = nx_operand(g, op, i);
		if (v == NX_NONE)
			continue;
		nx_blob *b = nx_const_blob(g, v);
		in[i].type = *nx_vtype(g, v);
		in[i].data = (void *)nx_blob_data(b); /* read only, for the kernel */
	}
	nx_err e;
	int folded = 0;
	if (nx_eval_op(g, op, in, out, &e) == 0) {
		uint32_t *names = nx_xmalloc(n_out * sizeof *names);
		nx_type *types = nx_xmalloc(n_out * sizeof *types);
		for (uint32_t i = 0; i < n_out; i++) {
			uint32_t r = nx_result(g, op, i);
			names[i] = nx_val(g, r)->name;
			types[i] = *nx_vtype(g, r);
			types[i].layout = NX_LAYOUT_PLAIN;
		}
		if (nx_op_erase(g, op) == 0) {
			folded = 1;
			for (uint32_t i = 0; i < n_out; i++) {
				char *nm = nx_xstrdup(nx_cstr(g, names[i]));
				nx_blob *b = nx_blob_new_data(&types[i], out[i].data);
				out[i].data = NULL;
				uint32_t v = nx_const_new(g, nm, b, im->err);
				free(nm);
				if (v == NX_NONE) {
					folded = -1;
					break;
				}
				if (res)
					res[i] = v;
			}
		}
		free(names);
		free(types);
	}
	for (uint32_t i = 0; i < n_out; i++)
		nx_tensor_free(&out[i]);
	free(in);
	free(out);
	return folded;
}

/* Where attribute name sorts on op: schema order, then nex's common
 * attributes, then the rest (opaque ops' own) in their given order. */
static int attr_rank(const nx_graph *g, uint32_t op, const char *name, uint32_t given)
{
	int r = 0;
	for (const nx_attr_spec *s = nx_ops[nx_opp(g, op)->kind].attrs; s->name; s++, r++)
		if (!strcmp(s->name, name))
			return r;
	for (const nx_attr_spec *s = nx_common_attrs; s->name; s++, r++)
		if (!strcmp(s->name, name))
			return 100 + r;
	return 1000 + (int)given;
}

static void move_attr_last(nx_graph *g, uint32_t op, uint32_t i)
{
	nx_attr a = g->attrs[nx_opp(g, op)->attr + i];
	char *name = nx_xstrdup(nx_cstr(g, a.name));
	switch (a.kind) {
	case NX_ATTR_INT:
		nx_attr_del(g, op, name);
		nx_attr_set_i(g, op, name, a.u.i);
		break;
	case NX_ATTR_FLOAT:
		nx_attr_del(g, op, name);
		nx_attr_set_f(g, op, name, a.u.f);
		break;
	case NX_ATTR_STR: {
		char *s = nx_xstrdup(nx_cstr(g, a.u.s));
		nx_attr_del(g, op, name);
		nx_attr_set_s(g, op, name, s);
		free(s);
		break;
	}
	case NX_ATTR_INTS: {
		int64_t *v = nx_xmalloc(((size_t)a.n + 1) * sizeof *v);
		if (a.n) /* an empty list may sit on a NULL pool */
			memcpy(v, g->ints + a.u.off, (size_t)a.n * sizeof *v);
		nx_attr_del(g, op, name);
		nx_attr_set_ints(g, op, name, v, a.n);
		free(v);
		break;
	}
	case NX_ATTR_FLOATS: {
		float *v = nx_xmalloc(((size_t)a.n + 1) * sizeof *v);
		if (a.n)
			memcpy(v, g->floats + a.u.off, (size_t)a.n * sizeof *v);
		nx_attr_del(g, op, name);
		nx_attr_set_floats(g, op, name, v, a.n);
		free(v);
		break;
	}
	}
	free(name);
}

/* Attributes in one canonical order, whatever order the ONNX writer used,
 * so that the text form of an imported op does not depend on the tool that
 * wrote the model (and import -> export -> import prints the same). */
static void canon_attrs(nx_graph *g, uint32_t op)
{
	uint32_t n = nx_opp(g, op)->n_attr;
	if (n < 2 || n > 64)
		return;
	int rank[64];
	bool sorted = true;
	for (uint32_t i = 0; i < n; i++) {
		const nx_attr *a = &g->attrs[nx_opp(g, op)->attr + i];
		rank[i] = attr_rank(g, op, nx_cstr(g, a->name), i);
		sorted &= !i || rank[i - 1] < rank[i];
	}
	if (sorted)
		return;
	/* Selection by repeated "move the smallest remaining to the end". */
	for (uint32_t k = 0; k < n; k++) {
		uint32_t best = 0;
		for (uint32_t i = 1; i < n - k; i++)
			if (rank[i] < rank[best])
				best = i;
		int r = rank[best];
		memmove(rank + best, rank + best + 1, (n - best - 1) * sizeof rank[0]);
		rank[n - 1] = r;
		move_attr_last(g, op, best);
	}
}

int nx_onnx_op_done(nx_onnx_imp *im, uint32_t op, uint32_t *res)
{
	nx_graph *g = im->g;
	nx_err e;
	canon_attrs(g, op);
	if (nx_infer_op(g, op, &e))
		return nx_onnx_fail(im, "%s", e.msg);
	int f = try_fold(im, op, res);
	if (f < 0)
		return -1;
	if (!f && res)
		for (uint32_t i = 0; i < nx_opp(g, op)->n_out; i++)
			res[i] = nx_result(g, op, i);
	return 0;
}

/* ---- value types ---- */

/* A static type from an ONNX TypeProto; what names it in errors. Binds
 * apply (graph inputs). -1 + err if not a static tensor type. */
static int static_type(nx_onnx_imp *im, const Onnx__TypeProto *tp, const char *what,
		       const char *name, const nx_shape_bind *bind, nx_type *out)
{
	if (!tp || tp->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE || !tp->tensor_type) {
		nx_err_set(im->err, "%s '%s' is not a tensor (sequence, map, optional and sparse "
			   "values have no nex form)", what, name);
		return -1;
	}
	const Onnx__TypeProto__Tensor *tt = tp->tensor_type;
	int et = tt->has_elem_type ? tt->elem_type : 0;
	int d = nx_onnx_dtype_in(im, et);
	if (d < 0) {
		nx_err_set(im->err, "%s '%s' has element type %s, which nex does not have", what,
			   name, nx_onnx_type_name(et));
		return -1;
	}
	const Onnx__TensorShapeProto *sh = tt->shape;
	memset(out, 0, sizeof *out);
	out->dtype = (uint8_t)d;
	if (!sh && !bind) {
		nx_err_set(im->err, "%s '%s' has no shape in the model: bind it with --shape "
			   "%s=d0,d1,...", what, name, name);
		return -1;
	}
	int rank = sh ? (int)(sh->n_dim > 255 ? 255 : sh->n_dim) : bind->rank;
	if (rank > NX_MAX_RANK) {
		nx_err_set(im->err, "%s '%s' has rank %d; nex allows at most %d", what, name, rank,
			   NX_MAX_RANK);
		return -1;
	}
	if (bind && bind->rank != rank) {
		nx_err_set(im->err, "--shape %s gives %d dims, the model's %s has rank %d", name,
			   bind->rank, what, rank);
		return -1;
	}
	out->rank = (uint8_t)rank;
	for (int i = 0; i < rank; i++) {
		const Onnx__TensorShapeProto__Dimension *dm = sh ? sh->dim[i] : NULL;
		bool known = dm && dm->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
		if (known && dm->dim_value < 0) {
			nx_err_set(im->err, "%s '%s' dim %d is negative (%lld)", what, name, i,
				   (long long)dm->dim_value);
			return -1;
		}
		if (bind) {
			if (bind->dims[i] < 1) {
				nx_err_set(im->err, "--shape %s: dim %d is %lld (dims are >= 1)",
					   name, i, (long long)bind->dims[i]);
				return -1;
			}
			if (known && dm->dim_value != bind->dims[i]) {
				nx_err_set(im->err, "--shape %s: dim %d is %lld in the model, --shape "
					   "says %lld", name, i, (long long)dm->dim_value,
					   (long long)bind->dims[i]);
				return -1;
			}
			out->dims[i] = bind->dims[i];
			continue;
		}
		if (known && dm->dim_value == 0) {
			nx_err_set(im->err, "%s '%s' dim %d is 0 (nex tensors have no empty dims)",
				   what, name, i);
			return -1;
		}
		if (!known) {
			/* Suggest a complete --shape with the known dims filled in. */
			char hint[200] = "";
			size_t k = 0;
			for (int j = 0; j < rank && k < sizeof hint - 24; j++) {
				const Onnx__TensorShapeProto__Dimension *dj = sh->dim[j];
				bool kj = dj && dj->value_case ==
					ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
				if (kj)
					k += (size_t)snprintf(hint + k, sizeof hint - k, "%s%lld",
							      j ? "," : "", (long long)dj->dim_value);
				else
					k += (size_t)snprintf(hint + k, sizeof hint - k, "%sN",
							      j ? "," : "");
			}
			const char *param = dm && dm->value_case ==
				ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM ? dm->dim_param : NULL;
			nx_err_set(im->err, "%s '%s' dim %d%s%s%s is dynamic: bind it with --shape "
				   "%s=%s", what, name, i, param ? " ('" : "", param ? param : "",
				   param ? "')" : "", name, hint);
			return -1;
		}
		out->dims[i] = dm->dim_value;
	}
	if (nx_type_numel(out) < 0) {
		nx_err_set(im->err, "%s '%s': its element count overflows int64", what, name);
		return -1;
	}
	return 0;
}

/* onnx_int.h */
int nx_onnx_declared_type(nx_onnx_imp *im, const char *name, nx_type *out)
{
	const Onnx__GraphProto *gp = im->gp;
	const Onnx__ValueInfoProto *vi = NULL;
	for (size_t i = 0; i < gp->n_value_info && !vi; i++)
		if (gp->value_info[i] && !strcmp(nx_onnx_s(gp->value_info[i]->name), name))
			vi = gp->value_info[i];
	for (size_t i = 0; i < gp->n_output && !vi; i++)
		if (gp->output[i] && !strcmp(nx_onnx_s(gp->output[i]->name), name))
			vi = gp->output[i];
	if (!vi || !vi->type)
		return nx_onnx_fail(im, "nex does not know this op, and its output '%s' has no "
				    "type in the model's value_info, so its shape is unknown", name);
	nx_err keep = *im->err;
	if (static_type(im, vi->type, "output", name, NULL, out)) {
		char why[sizeof im->err->msg];
		snprintf(why, sizeof why, "%s", im->err->msg);
		*im->err = keep;
		return nx_onnx_fail(im, "nex does not know this op and needs a static type for its "
				    "outputs from value_info: %s", why);
	}
	return 0;
}

/* ---- nodes ---- */

static int import_constant(nx_onnx_imp *im)
{
	const Onnx__NodeProto *n = im->node;
	if (n->n_output < 1 || !n->output[0] || !n->output[0][0])
		return nx_onnx_fail(im, "has no output");
	if (n->n_attribute != 1)
		return nx_onnx_fail(im, "needs exactly one value attribute, has %zu",
				    n->n_attribute);
	const Onnx__AttributeProto *a = n->attribute[0];
	const char *an = nx_onnx_s(a->name);
	int at = nx_onnx_attr_type(a);
	nx_type t;
	memset(&t, 0, sizeof t);
	void *data = NULL;
	if (!strcmp(an, "value") && at == ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR && a->t) {
		nx_err e;
		char what[300];
		snprintf(what, sizeof what, "node '%.200s' (Constant)", im->node_name);
		if (nx_onnx_tensor(im, a->t, what, &t, &data, &e)) {
			*im->err = e;
			return -1;
		}
	} else if (!strcmp(an, "value_float") || !strcmp(an, "value_floats")) {
		bool list = an[11] == 's';
		size_t k = list ? a->n_floats : 1;
		t = nx_type_make(NX_F32, list, (int64_t[]){(int64_t)k});
		data = nx_xmalloc((k ? k : 1) * sizeof(float));
		if (list && k)
			memcpy(data, a->floats, k * sizeof(float));
		else if (!list)
			*(float *)data = a->f;
	} else if (!strcmp(an, "value_int") || !strcmp(an, "value_ints")) {
		bool list = an[9] == 's';
		size_t k = list ? a->n_ints : 1;
		t = nx_type_make(NX_I64, list, (int64_t[]){(int64_t)k});
		data = nx_xmalloc((k ? k : 1) * sizeof(int64_t));
		if (list && k)
			memcpy(data, a->ints, k * sizeof(int64_t));
		else if (!list)
			*(int64_t *)data = a->i;
	} else if (!strncmp(an, "value_string", 12)) {
		return nx_onnx_fail(im, "string constants have no nex form");
	} else if (!strcmp(an, "sparse_value")) {
		return nx_onnx_fail(im, "sparse constants are not supported");
	} else {
		return nx_onnx_fail(im, "unknown attribute '%s' (expected value, value_float(s) or "
				    "value_int(s))", an);
	}
	bool ok;
	nx_onnx_def_const(im, n->output[0], &t, data, &ok);
	free(data);
	return ok ? 0 : -1;
}

/* Shape (and Size) read the static type only, so they fold whatever their
 * input is: after binding, every shape is known. */
static int import_shape(nx_onnx_imp *im, bool size)
{
	const Onnx__NodeProto *n = im->node;
	uint32_t v;
	bool empty;
	if (nx_onnx_input(im, 0, &v, &empty))
		return -1;
	if (n->n_output < 1 || !n->output[0] || !n->output[0][0])
		return nx_onnx_fail(im, "has no output");
	nx_type x;
	if (empty) {
		return nx_onnx_fail(im, "input '%s' has zero elements", n->input[0]);
	} else if (v == NX_NONE) {
		return nx_onnx_fail(im, "has no input");
	}
	x = *nx_vtype(im->g, v);
	int64_t dims[NX_MAX_RANK];
	int64_t k = 0;
	if (size) {
		dims[0] = nx_type_numel(&x);
		nx_type t = nx_type_make(NX_I64, 0, NULL);
		bool ok;
		nx_onnx_def_const(im, n->output[0], &t, dims, &ok);
		return ok ? 0 : -1;
	}
	int64_t r = x.rank, s = nx_onnx_attr_i(n, "start", 0), e = nx_onnx_attr_i(n, "end", r);
	if (s < 0)
		s += r;
	if (e < 0)
		e += r;
	s = s < 0 ? 0 : s > r ? r : s;
	e = e < 0 ? 0 : e > r ? r : e;
	for (int64_t i = s; i < e; i++)
		dims[k++] = x.dims[i];
	nx_type t = nx_type_make(NX_I64, 1, &k);
	bool ok;
	nx_onnx_def_const(im, n->output[0], &t, dims, &ok);
	return ok ? 0 : -1;
}

static int import_opaque(nx_onnx_imp *im)
{
	const Onnx__NodeProto *n = im->node;
	nx_graph *g = im->g;
	if (n->n_input > UINT16_MAX)
		return nx_onnx_fail(im, "has too many inputs");
	uint32_t n_in = (uint32_t)n->n_input;
	uint32_t *in = nx_xmalloc((n_in ? n_in : 1) * sizeof *in);
	int rc = -1;
	uint32_t n_out = (uint32_t)(n->n_output > 255 ? 256 : n->n_output);
	while (n_out && (!n->output[n_out - 1] || !n->output[n_out - 1][0]))
		n_out--;
	nx_type *types = NULL;
	for (uint32_t i = 0; i < n_in; i++)
		if (nx_onnx_operand(im, i, &in[i]))
			goto out;
	if (!n_out) {
		nx_onnx_fail(im, "has no outputs");
		goto out;
	}
	types = nx_xmalloc(n_out * sizeof *types);
	for (uint32_t i = 0; i < n_out; i++) {
		if (!n->output[i] || !n->output[i][0]) {
			nx_onnx_fail(im, "output %u is unnamed between named outputs: nex cannot keep "
				     "its position in an opaque op", i);
			goto out;
		}
		if (nx_onnx_declared_type(im, n->output[i], &types[i]))
			goto out;
	}
	/* Attributes first, so that a bad one leaves no half-made op. */
	for (size_t i = 0; i < n->n_attribute; i++) {
		const Onnx__AttributeProto *a = n->attribute[i];
		const char *an = nx_onnx_s(a->name);
		int t = nx_onnx_attr_type(a);
		if (t == ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPH ||
		    t == ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPHS) {
			nx_onnx_fail(im, "attribute '%s' is a subgraph: control flow has no nex form "
				     "(every nex graph is straight-line with static shapes)", an);
			goto out;
		}
		if (!strcmp(an, "op_type") || !strcmp(an, "domain")) {
			nx_onnx_fail(im, "has an attribute named '%s', which nex's opaque op uses "
				     "for itself", an);
			goto out;
		}
	}
	uint32_t op = nx_onnx_op_new(im, NX_OP_OPAQUE, in, n_in, n_out,
				     (const char *const *)n->output);
	if (op == NX_NONE)
		goto out;
	nx_attr_set_s(g, op, "op_type", nx_onnx_s(n->op_type));
	if (n->domain && n->domain[0])
		nx_attr_set_s(g, op, "domain", n->domain);
	for (size_t i = 0; i < n->n_attribute; i++) {
		const Onnx__AttributeProto *a = n->attribute[i];
		int t = nx_onnx_attr_type(a);
		int want = t == ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT ? NX_ATTR_INT
			 : t == ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT ? NX_ATTR_FLOAT
			 : t == ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING ? NX_ATTR_STR
			 : t == ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS ? NX_ATTR_INTS
			 : t == ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS ? NX_ATTR_FLOATS : -1;
		if (want < 0) {
			char key[300];
			snprintf(key, sizeof key, "%s attribute '%s' (%s)", nx_onnx_s(n->op_type),
				 nx_onnx_s(a->name), attr_type_name(t));
			count(&im->dropped, &im->n_dropped, &im->cap_dropped, key, im->node_name);
			continue;
		}
		if (set_attr(im, op, a, want))
			goto out;
	}
	for (uint32_t i = 0; i < n_out; i++)
		nx_value_set_type(g, nx_result(g, op, i), &types[i]);
	char key[300];
	snprintf(key, sizeof key, "%s%s%s", n->domain && n->domain[0] ? n->domain : "",
		 n->domain && n->domain[0] ? "." : "", nx_onnx_s(n->op_type));
	count(&im->opaque, &im->n_opaque, &im->cap_opaque, key, im->node_name);
	rc = nx_onnx_op_done(im, op, NULL);
out:
	free(in);
	free(types);
	return rc;
}

static bool default_domain(const char *d)
{
	return !d || !*d || !strcmp(d, "ai.onnx");
}

static const char *refusal(const Onnx__NodeProto *n)
{
	const char *t = nx_onnx_s(n->op_type);
	if (!default_domain(n->domain)) {
		if (!strcmp(n->domain, "ai.onnx.preview.training"))
			return "training ops have no nex form (nex compiles inference graphs)";
		return NULL;
	}
	if (!strncmp(t, "Sequence", 8) || !strcmp(t, "SplitToSequence") ||
	    !strcmp(t, "ConcatFromSequence") || !strncmp(t, "Optional", 8))
		return "sequence and optional values have no nex form (nex values are tensors)";
	if (!strcmp(t, "Gradient") || !strcmp(t, "Momentum") || !strcmp(t, "Adagrad") ||
	    !strcmp(t, "Adam"))
		return "training ops have no nex form (nex compiles inference graphs)";
	if (!strcmp(t, "NonZero") || !strcmp(t, "NonMaxSuppression") || !strcmp(t, "Unique") ||
	    !strcmp(t, "Compress"))
		return "its output shape depends on the input values (a data-dependent shape), "
		       "which nex's static shapes cannot hold";
	return NULL;
}

int nx_onnx_import_node(nx_onnx_imp *im)
{
	const Onnx__ModelProto *m = im->model;
	const Onnx__NodeProto *n = im->node;
	const char *t = nx_onnx_s(n->op_type);
	/* If/Loop/Scan fold or unroll when their controls are constant
	 * (onnx_control.c), and are refused there otherwise. */
	if (default_domain(n->domain) &&
	    (!strcmp(t, "If") || !strcmp(t, "Loop") || !strcmp(t, "Scan")))
		return nx_onnx_control(im);
	const char *why = refusal(n);
	if (why)
		return nx_onnx_fail(im, "%s", why);
	for (size_t i = 0; i < m->n_functions; i++) {
		const Onnx__FunctionProto *f = m->functions[i];
		if (f && !strcmp(nx_onnx_s(f->name), t) &&
		    !strcmp(nx_onnx_s(f->domain), nx_onnx_s(n->domain)))
			return nx_onnx_fail(im, "calls the model-local function '%s' (FunctionProto); "
					    "nex does not expand functions: inline them first "
					    "(onnx.inliner)", t);
	}
	for (size_t i = 0; i < n->n_attribute; i++) {
		int at = nx_onnx_attr_type(n->attribute[i]);
		if (at == ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPH ||
		    at == ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPHS)
			return nx_onnx_fail(im, "attribute '%s' is a subgraph: control flow has no "
					    "nex form", nx_onnx_s(n->attribute[i]->name));
	}
	if (default_domain(n->domain)) {
		if (!im->opset)
			return nx_onnx_fail(im, "the model imports no opset of the default ONNX "
					    "domain, so this node's version is unknown");
		if (nx_onnx_old_opset_check(im, t))
			return -1;
		if (!strcmp(t, "Constant"))
			return import_constant(im);
		if (!strcmp(t, "Shape"))
			return import_shape(im, false);
		if (!strcmp(t, "Size"))
			return import_shape(im, true);
		if (!strcmp(t, "Einsum"))
			return nx_onnx_tr_einsum(im);
		int kind = nx_op_lookup_onnx(t);
		if (!strcmp(t, "Upsample"))
			kind = NX_OP_RESIZE;
		else if (!strcmp(t, "Dropout"))
			kind = NX_OP_IDENTITY;
		else if (!strcmp(t, "CastLike"))
			kind = NX_OP_CAST;
		else if (!strcmp(t, "Scatter"))
			kind = NX_OP_SCATTER_ELEMENTS;
		/* Cases a translation cannot take first (onnx_fold.c):
		 * ConstantOfShape, a run-time Range, zero-element values. */
		int f = nx_onnx_fold_extra(im);
		if (f)
			return f < 0 ? -1 : 0;
		f = nx_onnx_signal(im);
		if (f)
			return f < 0 ? -1 : 0;
		if (kind >= 0 && kind != NX_OP_OPAQUE)
			return nx_onnx_translate(im, kind);
	}
	return import_opaque(im);
}

/* ---- the graph ---- */

static const nx_shape_bind *find_bind(const nx_onnx_opts *o, const char *name)
{
	for (uint32_t i = 0; o && i < o->n_binds; i++)
		if (o->binds[i].name && !strcmp(o->binds[i].name, name))
			return &o->binds[i];
	return NULL;
}

static int find_const_input(const nx_onnx_opts *o, const char *name)
{
	for (uint32_t i = 0; o && i < o->n_consts; i++)
		if (o->const_names[i] && !strcmp(o->const_names[i], name))
			return (int)i;
	return -1;
}

static bool is_initializer(const Onnx__GraphProto *gp, const char *name)
{
	for (size_t i = 0; i < gp->n_initializer; i++)
		if (gp->initializer[i] && !strcmp(nx_onnx_s(gp->initializer[i]->name), name))
			return true;
	return false;
}

static int import_initializers(nx_onnx_imp *im)
{
	const Onnx__GraphProto *gp = im->gp;
	if (gp->n_sparse_initializer) {
		nx_err_set(im->err, "sparse initializers are not supported");
		return -1;
	}
	for (size_t i = 0; i < gp->n_initializer; i++) {
		const Onnx__TensorProto *t = gp->initializer[i];
		const char *name = nx_onnx_s(t->name);
		char what[300];
		snprintf(what, sizeof what, "initializer '%.200s'", name);
		if (!*name) {
			nx_err_set(im->err, "initializer %zu has no name", i);
			return -1;
		}
		nx_type ty;
		void *data;
		if (nx_onnx_tensor(im, t, what, &ty, &data, im->err))
			return -1;
		uint32_t v;
		int r = def_const_take(im, name, &ty, data, true, &v); /* takes data */
		if (r) {
			nx_err_prefix(im->err, "initializer: ");
			return -1;
		}
	}
	return 0;
}

static int import_inputs(nx_onnx_imp *im)
{
	const Onnx__GraphProto *gp = im->gp;
	const nx_onnx_opts *o = im->opts;
	nx_graph *g = im->g;
	/* Every bind must name a real input: a typo would otherwise leave the
	 * dim unbound with a confusing message, or silently do nothing. */
	for (uint32_t b = 0; o && b < o->n_binds; b++) {
		const char *bn = nx_onnx_s(o->binds[b].name);
		bool found = false;
		for (size_t i = 0; i < gp->n_input && !found; i++)
			found = gp->input[i] && !strcmp(nx_onnx_s(gp->input[i]->name), bn) &&
				!is_initializer(gp, bn);
		if (!found) {
			char list[512] = "";
			size_t k = 0;
			for (size_t i = 0; i < gp->n_input && k < sizeof list - 64; i++) {
				const char *in = gp->input[i] ? nx_onnx_s(gp->input[i]->name) : "";
				if (!is_initializer(gp, in))
					k += (size_t)snprintf(list + k, sizeof list - k, "%s%.60s",
							      k ? ", " : "", in);
			}
			nx_err_set(im->err, "--shape names '%s', which is not a graph input of this "
				   "model (inputs: %s)", bn, k ? list : "none");
			return -1;
		}
	}
	for (size_t i = 0; i < gp->n_input; i++) {
		const Onnx__ValueInfoProto *vi = gp->input[i];
		const char *name = vi ? nx_onnx_s(vi->name) : "";
		if (!*name) {
			nx_err_set(im->err, "graph input %zu has no name", i);
			return -1;
		}
		/* IR < 4 lists initializers among the inputs: they are constants. */
		if (is_initializer(gp, name))
			continue;
		int c = find_const_input(o, name);
		if (c >= 0) {
			/* Zero-element values (empty axes lists) are fine here:
			 * def_const keeps them aside as empties. */
			const nx_tensor *t = &o->const_values[c];
			uint32_t v;
			bool zero = false;
			for (int d = 0; d < t->type.rank; d++)
				zero |= t->type.dims[d] == 0;
			if (t->type.rank > NX_MAX_RANK || t->type.dtype >= NX_DTYPE_COUNT ||
			    (!zero && (nx_type_numel(&t->type) < 1 || !t->data))) {
				nx_err_set(im->err, "the constant given for input '%s' has no valid "
					   "type or data", name);
				return -1;
			}
			/* --const gives numbers; the input's declaration gives
			 * their dtype and shape (onnx_control.c). */
			nx_tensor fit = {0};
			if (!zero && nx_onnx_fit_const(im, vi, t, &fit))
				return -1;
			int r = def_const(im, name, zero ? &t->type : &fit.type,
					  zero ? t->data : fit.data, &v);
			nx_tensor_free(&fit);
			if (r)
				return -1;
			continue;
		}
		nx_type t;
		if (static_type(im, vi->type, "input", name, find_bind(o, name), &t))
			return -1;
		if (claim_name(im, name, "input"))
			return -1;
		uint32_t v = nx_value_new(g, name, nx_type_intern(g, &t), im->err);
		if (v == NX_NONE)
			return -1;
		nx_graph_add_input(g, v);
	}
	return 0;
}

static int import_outputs(nx_onnx_imp *im)
{
	const Onnx__GraphProto *gp = im->gp;
	nx_graph *g = im->g;
	if (!gp->n_output) {
		nx_err_set(im->err, "the graph has no outputs");
		return -1;
	}
	for (size_t i = 0; i < gp->n_output; i++) {
		const Onnx__ValueInfoProto *vi = gp->output[i];
		const char *name = vi ? nx_onnx_s(vi->name) : "";
		uint32_t v = nx_value_by_name(g, name, strlen(name));
		if (v == NX_NONE || is_helper(im, nx_val(g, v)->name)) {
			nx_err_set(im->err, "graph output '%s' is %s", name,
				   nx_onnx_find_empty(im, name) ? "empty (zero elements)"
							: "not computed by any node");
			return -1;
		}
		/* A declared static shape must agree with inference: a mismatch
		 * means the model and nex disagree on what an op computes. */
		const nx_type *have = nx_vtype(g, v);
		const Onnx__TypeProto *tp = vi->type;
		if (tp && tp->value_case == ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE && tp->tensor_type) {
			const Onnx__TypeProto__Tensor *tt = tp->tensor_type;
			char hb[160];
			nx_type_str(have, hb, sizeof hb);
			int d = tt->has_elem_type ? nx_onnx_dtype_in(im, tt->elem_type) : -1;
			if (tt->has_elem_type && tt->elem_type && d != have->dtype) {
				nx_err_set(im->err, "graph output '%s' is declared %s, nex computes %s",
					   name, nx_onnx_type_name(tt->elem_type), hb);
				return -1;
			}
			const Onnx__TensorShapeProto *sh = tt->shape;
			if (sh && sh->n_dim != have->rank) {
				nx_err_set(im->err, "graph output '%s' is declared with rank %zu, nex "
					   "computes %s", name, sh->n_dim, hb);
				return -1;
			}
			for (size_t k = 0; sh && k < sh->n_dim; k++) {
				const Onnx__TensorShapeProto__Dimension *dm = sh->dim[k];
				if (dm && dm->value_case ==
					ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE &&
				    dm->dim_value != have->dims[k]) {
					nx_err_set(im->err, "graph output '%s' dim %zu is declared %lld, "
						   "nex computes %s", name, k,
						   (long long)dm->dim_value, hb);
					return -1;
				}
			}
		}
		nx_graph_add_output(g, v);
	}
	return 0;
}

/* Constants that ended up unused (read into attributes, folded away, or
 * never used by the model) would be dangling values: drop them. */
static void drop_unused_consts(nx_graph *g)
{
	for (uint32_t v = 0; v < g->n_vals; v++) {
		const nx_value *p = nx_val(g, v);
		if (!(p->flags & NX_V_DEAD) && p->blob != NX_NONE && !nx_value_nuses(g, v))
			nx_value_erase(g, v);
	}
}

static void report(nx_onnx_imp *im)
{
	char msg[1024];
	for (uint32_t i = 0; i < im->n_opaque; i++) {
		const nx_onnx_count *c = &im->opaque[i];
		snprintf(msg, sizeof msg, "%u node%s of op type '%s' imported as opaque (first: "
			 "'%s'): nex cannot run or transform %s", c->n, c->n == 1 ? "" : "s",
			 c->op_type, c->first, c->n == 1 ? "it" : "them");
		nx_onnx_warn(im, msg);
	}
	for (uint32_t i = 0; i < im->n_dropped; i++) {
		const nx_onnx_count *c = &im->dropped[i];
		snprintf(msg, sizeof msg, "%s dropped on %u opaque op%s (first: '%s'): nex "
			 "attributes cannot hold it", c->op_type, c->n, c->n == 1 ? "" : "s",
			 c->first);
		nx_onnx_warn(im, msg);
	}
	if (im->n_narrowed) {
		snprintf(msg, sizeof msg, "--f64-as-f32: %u f64 tensor%s (inputs, outputs, "
			 "value types, constants and cast targets) narrowed to f32", im->n_narrowed,
			 im->n_narrowed == 1 ? "" : "s");
		nx_onnx_warn(im, msg);
	}
}

static void imp_free(nx_onnx_imp *im)
{
	for (uint32_t i = 0; i < im->n_empties; i++)
		free(im->empties[i].name);
	for (uint32_t i = 0; i < im->n_opaque; i++) {
		free(im->opaque[i].op_type);
		free(im->opaque[i].first);
	}
	for (uint32_t i = 0; i < im->n_dropped; i++) {
		free(im->dropped[i].op_type);
		free(im->dropped[i].first);
	}
	free(im->empties);
	free(im->helpers);
	free(im->opaque);
	free(im->dropped);
}

static int64_t default_opset(const Onnx__ModelProto *m, bool *found)
{
	*found = false;
	int64_t v = 0;
	for (size_t i = 0; i < m->n_opset_import; i++) {
		const Onnx__OperatorSetIdProto *o = m->opset_import[i];
		if (o && default_domain(o->domain)) {
			*found = true;
			v = o->has_version ? o->version : 0;
		}
	}
	return v;
}

static nx_graph *import_model(const Onnx__ModelProto *m, const char *dir,
			      const nx_onnx_opts *opts, nx_err *err)
{
	if (!m->has_ir_version || m->ir_version <= 0 || !m->graph) {
		nx_err_set(err, "not an ONNX model (%s)",
			   !m->graph ? "no graph" : "no ir_version");
		return NULL;
	}
	bool found;
	int64_t opset = default_opset(m, &found);
	/* A model with no default-domain opset can still hold only other
	 * domains' nodes: the first default-domain node reports it. */
	/* Opsets 1 to 5 are read by opset 6's rules, node by node where the
	 * op did not change in between (onnx_old_opset.c). */
	if (found && opset < 1) {
		nx_err_set(err, "opset %lld is not an ONNX opset (nex reads 6 to 20, and 1 to 5 "
			   "for ops unchanged since)", (long long)opset);
		return NULL;
	}
	const Onnx__GraphProto *gp = m->graph;
	const char *gname = gp->name && gp->name[0] ? gp->name : "main";
	nx_graph *g = nx_graph_new(gname);
	nx_onnx_imp im;
	memset(&im, 0, sizeof im);
	im.g = g;
	im.opts = opts;
	im.err = err;
	im.root.dir = dir;
	im.root.allow_outside = opts && opts->allow_outside;
	im.gp = gp;
	im.opset = found && opset < 6 ? 6 : opset;
	im.model_opset = opset;
	im.model = m;
	if (opset > 20) {
		char msg[200];
		snprintf(msg, sizeof msg, "opset %lld is newer than nex knows (6 to 20); its ops "
			 "are read with opset 20's rules", (long long)opset);
		nx_onnx_warn(&im, msg);
		im.opset = 20;
	}
	if (import_initializers(&im) || import_inputs(&im))
		goto fail;
	for (size_t i = 0; i < gp->n_node; i++) {
		const Onnx__NodeProto *n = gp->node[i];
		im.node = n;
		if (n->name && n->name[0])
			snprintf(im.node_name, sizeof im.node_name, "%s", n->name);
		else
			snprintf(im.node_name, sizeof im.node_name, "%.200s_%zu",
				 nx_onnx_s(n->op_type), i);
		im.origin = nx_str(g, im.node_name);
		if (!n->op_type || !n->op_type[0]) {
			nx_onnx_fail(&im, "has no op_type");
			goto fail;
		}
		if (nx_onnx_import_node(&im))
			goto fail;
	}
	im.node = NULL;
	if (import_outputs(&im))
		goto fail;
	drop_unused_consts(g);
	report(&im);
	imp_free(&im);
	return g;
fail:
	imp_free(&im);
	nx_graph_free(g);
	return NULL;
}

/* The decoded model, or NULL + err naming nm. Caller frees with
 * onnx__model_proto__free_unpacked. */
static Onnx__ModelProto *unpack(const void *buf, size_t len, const char *nm, nx_err *err)
{
	Onnx__ModelProto *m = onnx__model_proto__unpack(&nx_pb_allocator, len, buf);
	if (!m)
		nx_err_set(err, "%s: not an ONNX model (the protobuf does not decode: truncated "
			   "or corrupt file)", nm);
	return m;
}

static nx_graph *import_unpacked(Onnx__ModelProto *m, const char *nm, const char *dir,
				 const nx_onnx_opts *o, nx_err *err)
{
	nx_graph *g = import_model(m, dir, o, err);
	if (!g)
		nx_err_prefix(err, "%s: ", nm);
	onnx__model_proto__free_unpacked(m, NULL);
	return g;
}

nx_graph *nx_onnx_import_mem(const void *buf, size_t len, const char *name, const char *dir,
			     const nx_onnx_opts *o, nx_err *err)
{
	const char *nm = name ? name : "model.onnx";
	Onnx__ModelProto *m = unpack(buf, len, nm, err);
	return m ? import_unpacked(m, nm, dir, o, err) : NULL;
}

/* The file is mapped rather than read, and unmapped as soon as protobuf-c
 * has copied what it holds: the import then peaks near twice the file's
 * size (the mapping plus the decoded message) instead of four times (a
 * read buffer grown by doubling, the message, the blobs). */
nx_graph *nx_onnx_import(const char *path, const nx_onnx_opts *o, nx_err *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0) {
		nx_err_set(err, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		nx_err_set(err, "%s: not a regular file", path);
		close(fd);
		return NULL;
	}
	size_t len = (size_t)st.st_size;
	void *map = len ? mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0) : NULL;
	close(fd);
	if (map == MAP_FAILED) {
		nx_err_set(err, "%s: cannot map the file: %s", path, strerror(errno));
		return NULL;
	}
	Onnx__ModelProto *m = unpack(map ? map : "", len, path, err);
	if (map)
		munmap(map, len);
	if (!m)
		return NULL;
	char *dir = nx_xstrdup(path);
	char *slash = strrchr(dir, '/');
	if (slash == dir)
		dir[1] = 0; /* "/m.onnx": the root directory */
	else if (slash)
		*slash = 0;
	else
		strcpy(dir, ".");
	nx_graph *g = import_unpacked(m, path, dir, o, err);
	free(dir);
	return g;
}
