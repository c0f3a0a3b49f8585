/* infer.c — shape inference driver. nx_infer_op checks what every kind has in
 * common (operand and result counts against the registry row, the attribute
 * schema, a valid fused activation, operand types present) and then calls the
 * kind's infer function from ops.def; nx_infer_graph does that in schedule
 * order. The per-kind functions live in infer_elem.c (pointwise), infer_shape.c
 * (data movement) and infer_nn.c (reductions, norms, MAC ops, pools, opaque),
 * and share the small helpers at the end of this file.
 *
 * An infer function only sets dtype and dims: the layout tag is a decision of
 * the layout passes, so nx_infer_set keeps the one the result already has.
 */
#include <stdarg.h>
#include <string.h>

#include "nx_int.h"

int nx_infer_fail(const nx_graph *g, uint32_t o, nx_err *err, const char *fmt, ...)
{
	if (!err)
		return -1;
	char reason[sizeof err->msg];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof reason, fmt, ap);
	va_end(ap);
	const nx_op *p = nx_opp(g, o);
	if (p->n_out)
		nx_err_set(err, "op %%%s (%s): %s", nx_vname(g, nx_result(g, o, 0)),
			   nx_op_name(g, o), reason);
	else
		nx_err_set(err, "op #%u (%s): %s", o, nx_op_name(g, o), reason);
	return -1;
}

nx_type nx_infer_in(const nx_graph *g, uint32_t o, uint32_t i)
{
	return *nx_vtype(g, nx_operand(g, o, i));
}

int nx_infer_set(nx_graph *g, uint32_t o, uint32_t i, const nx_type *t, nx_err *err)
{
	if (t->rank > NX_MAX_RANK)
		return nx_infer_fail(g, o, err, "result would have rank %d (nex allows at most %d)",
				     t->rank, NX_MAX_RANK);
	for (int d = 0; d < t->rank; d++)
		if (t->dims[d] <= 0)
			return nx_infer_fail(g, o, err, "result dim %d would be %lld "
					     "(nex dims are static and >= 1)", d,
					     (long long)t->dims[d]);
	if (nx_type_numel(t) < 0)
		return nx_infer_fail(g, o, err, "result element count overflows int64");
	uint32_t v = nx_result(g, o, i);
	const nx_type *cur = nx_vtype(g, v);
	nx_type r = *t;
	r.layout = cur->dtype != NX_DTYPE_UNKNOWN ? cur->layout : NX_LAYOUT_PLAIN;
	nx_value_set_type(g, v, &r);
	return 0;
}

int nx_infer_axis(const nx_graph *g, uint32_t o, nx_err *err, const char *what, int64_t axis,
		  int rank, int *out)
{
	if (axis < -rank || axis >= rank)
		return nx_infer_fail(g, o, err,
				     "%s %lld is out of range for rank %d (valid: %d..%d)", what,
				     (long long)axis, rank, -rank, rank - 1);
	*out = (int)(axis < 0 ? axis + rank : axis);
	return 0;
}

int nx_infer_axes(const nx_graph *g, uint32_t o, nx_err *err, const int64_t *axes, uint32_t n,
		  int rank, bool *mark)
{
	memset(mark, 0, NX_MAX_RANK * sizeof *mark);
	for (uint32_t i = 0; i < n; i++) {
		int a = 0;
		if (nx_infer_axis(g, o, err, "axis", axes[i], rank, &a))
			return -1;
		if (mark[a])
			return nx_infer_fail(g, o, err, "axis %d is listed twice in axes", a);
		mark[a] = true;
	}
	return 0;
}

int nx_infer_same_dtype(const nx_graph *g, uint32_t o, uint32_t i, uint32_t j, nx_err *err)
{
	uint32_t a = nx_operand(g, o, i), b = nx_operand(g, o, j);
	int da = nx_vtype(g, a)->dtype, db = nx_vtype(g, b)->dtype;
	if (da == db)
		return 0;
	return nx_infer_fail(g, o, err, "operand dtypes differ: %%%s is %s, %%%s is %s",
			     nx_vname(g, a), nx_dtype_name(da), nx_vname(g, b), nx_dtype_name(db));
}

char *nx_infer_tstr(const nx_type *t, char *buf, size_t n)
{
	nx_type_str(t, buf, n);
	return buf;
}

int nx_infer_dtype_in(const nx_graph *g, uint32_t o, uint32_t i, unsigned mask, nx_err *err)
{
	uint32_t v = nx_operand(g, o, i);
	int dt = nx_vtype(g, v)->dtype;
	if (dt < NX_DTYPE_COUNT && (mask >> dt & 1))
		return 0;
	char list[128];
	size_t k = 0;
	list[0] = 0;
	for (int d = 0; d < NX_DTYPE_COUNT; d++)
		if (mask >> d & 1)
			k += (size_t)snprintf(list + k, sizeof list - k, "%s%s", k ? ", " : "",
					      nx_dtype_name(d));
	return nx_infer_fail(g, o, err, "operand %u (%%%s) is %s; %s takes %s", i, nx_vname(g, v),
			     nx_dtype_name(dt), nx_op_name(g, o), list);
}

int nx_infer_float_dtype_attr(const nx_graph *g, uint32_t o, nx_err *err)
{
	const char *s = nx_attr_s(g, o, "dtype", "f32");
	int d = nx_dtype_parse(s, strlen(s));
	if (d < 0 || !nx_dtype_is_float(d))
		return nx_infer_fail(g, o, err, "dtype \"%s\" is not a float dtype (f32, f16, bf16)",
				     s);
	return d;
}

static int check_arity(const nx_graph *g, uint32_t o, nx_err *err)
{
	const nx_op *p = nx_opp(g, o);
	nx_err e;
	if (nx_check_count(p->kind, false, p->n_in, &e) ||
	    nx_check_count(p->kind, true, p->n_out, &e))
		return nx_infer_fail(g, o, err, "%s", e.msg);
	for (uint32_t i = 0; i < p->n_in; i++) {
		uint32_t v = nx_operand(g, o, i);
		if (v == NX_NONE) {
			if (nx_check_absent(p->kind, i, &e))
				return nx_infer_fail(g, o, err, "%s", e.msg);
			continue;
		}
		if (nx_val(g, v)->flags & NX_V_DEAD)
			return nx_infer_fail(g, o, err, "operand %u (%%%s) is an erased value", i,
					     nx_vname(g, v));
		if (nx_vtype(g, v)->dtype == NX_DTYPE_UNKNOWN)
			return nx_infer_fail(g, o, err, "operand %u (%%%s) has no type yet", i,
					     nx_vname(g, v));
	}
	return 0;
}

static int check_attrs(const nx_graph *g, uint32_t o, nx_err *err)
{
	const nx_op *p = nx_opp(g, o);
	bool opaque = nx_ops[p->kind].flags & NX_F_OPAQUE;
	for (uint32_t i = 0; i < p->n_attr; i++) {
		const nx_attr *a = &g->attrs[p->attr + i];
		const char *name = nx_cstr(g, a->name);
		const nx_attr_spec *s = nx_attr_spec_find(p->kind, name);
		if (!s) {
			/* Opaque ops carry the source node's attributes as they were. */
			if (opaque)
				continue;
			if (!strncmp(name, "act", 3) && nx_attr_spec_find(NX_OP_CONV, name))
				return nx_infer_fail(g, o, err,
						     "attribute '%s': %s takes no fused activation",
						     name, nx_op_name(g, o));
			return nx_infer_fail(g, o, err, "unknown attribute '%s'", name);
		}
		if (a->kind != s->kind)
			return nx_infer_fail(g, o, err, "attribute '%s' must be %s, not %s",
					     name, nx_attr_kind_name(s->kind),
					     nx_attr_kind_name(a->kind));
	}
	for (const nx_attr_spec *s = nx_ops[p->kind].attrs; s->name; s++)
		if (s->required && !nx_attr_get(g, o, s->name))
			return nx_infer_fail(g, o, err, "missing required attribute '%s'", s->name);
	const char *act = nx_attr_s(g, o, "act", NULL);
	if (act && !nx_act_valid(act))
		return nx_infer_fail(g, o, err,
				     "unknown fused activation act=\"%s\" (relu, clip, leaky_relu, "
				     "hard_sigmoid, hard_swish, sigmoid, tanh, gelu)", act);
	return 0;
}

int nx_infer_op(nx_graph *g, uint32_t o, nx_err *err)
{
	const nx_op *p = nx_opp(g, o);
	if (p->flags & NX_O_DEAD)
		return nx_infer_fail(g, o, err, "op is erased");
	if (p->kind >= NX_OP_COUNT) {
		nx_err_set(err, "op #%u: kind %u is not in the registry", o, p->kind);
		return -1;
	}
	if (check_arity(g, o, err) || check_attrs(g, o, err))
		return -1;
	return nx_ops[p->kind].infer(g, o, err);
}

int nx_infer_graph(nx_graph *g, nx_err *err)
{
	NX_FOR_OPS(g, o)
		if (nx_infer_op(g, o, err))
			return -1;
	return 0;
}
