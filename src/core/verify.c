/* verify.c — the IR verifier (DESIGN.md §2): checks that a graph keeps every
 * invariant the rest of nex relies on, and reports the first broken one
 * naming the op ("op %c3 (conv): ...") or the value and the rule.
 *
 * It runs after every pass, so it must survive a graph that a buggy pass has
 * corrupted in any way: the checks go from the raw structure (ids in range,
 * schedule links, result back-pointers) up to the meaning (use lists,
 * definition before use, types against shape inference), and each stage only
 * reads what the earlier ones proved sound. Nothing is ever dereferenced
 * before its id has been range-checked.
 *
 * Types are compared with what nx_infer_op computes; inference writes result
 * types, so each result's type is put back as soon as it is compared and g's
 * IR is left exactly as it was. Attribute schemas are checked by nx_infer_op too
 * and are not repeated here. Everything else is O(ops + values + uses).
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "verify_int.h"

static bool str_ok(const nx_graph *g, uint32_t s)
{
	return s < g->n_strs;
}

static bool op_live(const nx_graph *g, uint32_t o)
{
	return o < g->n_ops && !(g->ops[o].flags & NX_O_DEAD);
}

static bool val_live(const nx_graph *g, uint32_t v)
{
	return v < g->n_vals && !(g->vals[v].flags & NX_V_DEAD);
}

/* "%c3 (conv)" for messages, readable even when the op is corrupt: the first
 * result's name when it can be trusted, else the op id. */
void nx_vop_label(const nx_graph *g, uint32_t o, char *buf, size_t n)
{
	const nx_op *p = &g->ops[o];
	const char *kind = p->kind < NX_OP_COUNT ? nx_ops[p->kind].name : "?";
	if (p->n_out && p->out < g->n_u32) {
		uint32_t v = g->u32[p->out];
		if (v < g->n_vals && str_ok(g, g->vals[v].name)) {
			snprintf(buf, n, "%%%s (%s)", nx_vname(g, v), kind);
			return;
		}
	}
	snprintf(buf, n, "#%u (%s)", o, kind);
}

/* "#7", or "none" for NX_NONE. */
const char *nx_vlink_str(uint32_t id, char *buf, size_t n)
{
	if (id == NX_NONE)
		snprintf(buf, n, "none");
	else
		snprintf(buf, n, "#%u", id);
	return buf;
}

const char *nx_vvname(const nx_graph *g, uint32_t v)
{
	return v < g->n_vals && str_ok(g, g->vals[v].name) ? nx_vname(g, v) : "?";
}

int nx_vfail_op(vctx *c, uint32_t o, const char *fmt, ...)
{
	char what[1024], label[300];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	nx_vop_label(c->g, o, label, sizeof label);
	nx_err_set(c->err, "op %s: %s", label, what);
	return -1;
}

int nx_vfail_val(vctx *c, uint32_t v, const char *fmt, ...)
{
	char what[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	if (str_ok(c->g, c->g->vals[v].name))
		nx_err_set(c->err, "value %%%s: %s", nx_vname(c->g, v), what);
	else
		nx_err_set(c->err, "value #%u: %s", v, what);
	return -1;
}

int nx_vfail_graph(vctx *c, const char *fmt, ...)
{
	char what[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	const nx_graph *g = c->g;
	nx_err_set(c->err, "graph @%s: %s", str_ok(g, g->name) ? nx_cstr(g, g->name) : "?",
		   what);
	return -1;
}

int nx_vcheck_sched_step(vctx *c, uint32_t o, uint32_t expect, const uint8_t *flags,
			 uint8_t seen)
{
	const nx_graph *g = c->g;
	if (o >= g->n_ops)
		return expect == NX_NONE
			? nx_vfail_graph(c, "schedule starts at op #%u, which does not exist", o)
			: nx_vfail_op(c, expect, "next op in the schedule is #%u, which does not exist",
				      o);
	if (g->ops[o].flags & NX_O_DEAD)
		return nx_vfail_op(c, o, "erased op is still in the schedule");
	if (flags[o] & seen)
		return nx_vfail_op(c, o, "appears twice in the schedule (its links form a cycle)");
	if (g->ops[o].prev != expect) {
		char want[300], have[16];
		if (expect == NX_NONE)
			snprintf(want, sizeof want, "none (it is first)");
		else
			nx_vop_label(g, expect, want, sizeof want);
		return nx_vfail_op(c, o, "schedule back link is %s, expected %s",
				   nx_vlink_str(g->ops[o].prev, have, sizeof have), want);
	}
	return 0;
}

/* The schedule is a doubly linked list through live ops: walk it once,
 * catching dead or repeated ops (a repeat is also how a cycle in the links
 * shows), bad back links and a wrong end or count. */
static int check_schedule(vctx *c)
{
	const nx_graph *g = c->g;
	uint32_t prev = NX_NONE, n = 0;
	for (uint32_t o = g->first; o != NX_NONE; o = g->ops[o].next) {
		int rc = nx_vcheck_sched_step(c, o, prev, c->op_seen, 1);
		if (rc)
			return rc;
		c->op_seen[o] = 1;
		prev = o;
		n++;
	}
	if (g->last != prev) {
		char have[16], want[16];
		return nx_vfail_graph(c, "schedule ends at op %s but its last link is op %s",
				  nx_vlink_str(prev, want, sizeof want), nx_vlink_str(g->last, have, sizeof have));
	}
	for (uint32_t o = 0; o < g->n_ops; o++)
		if (!(g->ops[o].flags & NX_O_DEAD) && !c->op_seen[o])
			return nx_vfail_op(c, o, "live op is not in the schedule");
	if (n != g->n_live_ops)
		return nx_vfail_graph(c, "schedule holds %u ops but n_live_ops says %u", n,
				  g->n_live_ops);
	return 0;
}

/* Pool ranges of one op: operand slots, results, attributes, origin. */
int nx_vcheck_op_ranges(vctx *c, uint32_t o)
{
	const nx_graph *g = c->g;
	const nx_op *p = &g->ops[o];
	if (p->kind >= NX_OP_COUNT)
		return nx_vfail_op(c, o, "kind %u is not in the op registry", p->kind);
	if ((uint64_t)p->in + p->n_in > g->n_uses)
		return nx_vfail_op(c, o, "operand slots %u..%u lie outside the use pool (%u)", p->in,
			       p->in + p->n_in, g->n_uses);
	if ((uint64_t)p->out + p->n_out > g->n_u32)
		return nx_vfail_op(c, o, "result list lies outside the pool");
	if ((uint64_t)p->attr + p->n_attr > g->n_attrs)
		return nx_vfail_op(c, o, "attributes lie outside the attribute pool");
	if ((uint64_t)p->origin + p->n_origin > g->n_u32)
		return nx_vfail_op(c, o, "origin list lies outside the pool");
	for (uint32_t i = 0; i < p->n_origin; i++)
		if (!str_ok(g, g->u32[p->origin + i]))
			return nx_vfail_op(c, o, "origin entry %u is not a string id", i);
	for (uint32_t i = 0; i < p->n_attr; i++) {
		const nx_attr *a = &g->attrs[p->attr + i];
		if (!str_ok(g, a->name))
			return nx_vfail_op(c, o, "attribute %u has no valid name", i);
		bool ok = true;
		switch (a->kind) {
		case NX_ATTR_INT: case NX_ATTR_FLOAT: break;
		case NX_ATTR_STR: ok = str_ok(g, a->u.s); break;
		case NX_ATTR_INTS: ok = (uint64_t)a->u.off + a->n <= g->n_ints; break;
		case NX_ATTR_FLOATS: ok = (uint64_t)a->u.off + a->n <= g->n_floats; break;
		default: ok = false;
		}
		if (!ok)
			return nx_vfail_op(c, o, "attribute '%s' holds an invalid kind or pool range",
				       nx_cstr(g, a->name));
	}
	return 0;
}

/* Counts against the registry, operands defined and live, results pointing
 * back here. */
int nx_vcheck_op(vctx *c, uint32_t o)
{
	const nx_graph *g = c->g;
	const nx_op *p = &g->ops[o];
	for (uint32_t i = 0; i < p->n_out; i++) {
		uint32_t v = g->u32[p->out + i];
		if (v >= g->n_vals)
			return nx_vfail_op(c, o, "result %u is value #%u, which does not exist", i, v);
		const nx_value *pv = &g->vals[v];
		if (pv->flags & NX_V_DEAD)
			return nx_vfail_op(c, o, "result %u (%%%s) is an erased value", i, nx_vvname(g, v));
		if (pv->producer == NX_NONE)
			return nx_vfail_op(c, o, "result %u (%%%s) says it has no producer", i,
				       nx_vvname(g, v));
		if (pv->producer != o || pv->result_no != i)
			return nx_vfail_op(c, o,
				       "result %u (%%%s) points back to op #%u result %u, not to this "
				       "op's result %u", i, nx_vvname(g, v), pv->producer, pv->result_no, i);
		if (pv->type == 0 || pv->type >= g->n_types ||
		    g->types[pv->type].dtype >= NX_DTYPE_COUNT)
			return nx_vfail_op(c, o, "result %u (%%%s) has no type (shape inference has "
				       "not run)", i, nx_vvname(g, v));
	}
	nx_err e;
	if (nx_check_count(p->kind, true, p->n_out, &e) ||
	    nx_check_count(p->kind, false, p->n_in, &e))
		return nx_vfail_op(c, o, "%s", e.msg);
	for (uint32_t i = 0; i < p->n_in; i++) {
		const nx_use *u = &g->uses[p->in + i];
		if (u->op != o)
			return nx_vfail_op(c, o, "operand slot %u belongs to op #%u", i, u->op);
		if (u->value == NX_NONE) {
			if (nx_check_absent(p->kind, i, &e))
				return nx_vfail_op(c, o, "%s", e.msg);
			continue;
		}
		if (u->value >= g->n_vals)
			return nx_vfail_op(c, o, "operand %u is value #%u, which does not exist", i,
				       u->value);
		if (g->vals[u->value].flags & NX_V_DEAD)
			return nx_vfail_op(c, o, "operand %u (%%%s) is an erased value", i,
				       nx_vvname(g, u->value));
	}
	return 0;
}

/* The input list: each entry a live value flagged as an input, none twice;
 * leaves val_mark set on the inputs for nx_vcheck_value. */
int nx_vcheck_inputs(vctx *c)
{
	const nx_graph *g = c->g;
	for (uint32_t i = 0; i < g->n_inputs; i++) {
		uint32_t v = g->inputs[i];
		if (v >= g->n_vals)
			return nx_vfail_graph(c, "input %u is value #%u, which does not exist", i, v);
		if (g->vals[v].flags & NX_V_DEAD)
			return nx_vfail_val(c, v, "graph input %u is an erased value", i);
		if (!(g->vals[v].flags & NX_V_INPUT))
			return nx_vfail_val(c, v, "graph input %u is not flagged as an input", i);
		if (c->val_mark[v])
			return nx_vfail_val(c, v, "listed twice among the graph inputs");
		c->val_mark[v] = 1;
	}
	return 0;
}

/* One live value: name its own, one definition, producer live and listing
 * it, type known, constant matching its blob. Runs after the live ops'
 * result lists were checked, so a live producer really lists the value. */
int nx_vcheck_value(vctx *c, uint32_t v)
{
	const nx_graph *g = c->g;
	const nx_value *p = &g->vals[v];
	if (!str_ok(g, p->name))
		return nx_vfail_graph(c, "value #%u has no valid name", v);
	uint32_t owner = g->str_owner[p->name];
	if (owner != v) {
		if (val_live(g, owner) && g->vals[owner].name == p->name)
			return nx_vfail_val(c, v, "value #%u has the same name (names must be "
					"unique)", owner);
		return nx_vfail_val(c, v, "its name is not recorded as its own (set without "
				"nx_value_rename?)");
	}
	if ((p->flags & NX_V_INPUT) && !c->val_mark[v])
		return nx_vfail_val(c, v, "flagged as a graph input but not in the input list");
	int defs = (p->producer != NX_NONE) + (p->blob != NX_NONE) + !!(p->flags & NX_V_INPUT);
	if (defs == 0)
		return nx_vfail_val(c, v, "is defined by nothing (not an op result, constant "
				"or graph input)");
	if (defs > 1)
		return nx_vfail_val(c, v, "has more than one definition (%s%s%s)",
				p->producer != NX_NONE ? "op result, " : "",
				p->blob != NX_NONE ? "constant, " : "",
				p->flags & NX_V_INPUT ? "graph input" : "");
	if (p->producer != NX_NONE) {
		if (!op_live(g, p->producer))
			return nx_vfail_val(c, v, "its producer op #%u %s", p->producer,
					p->producer >= g->n_ops ? "does not exist" : "is erased");
		const nx_op *q = &g->ops[p->producer];
		if (p->result_no >= q->n_out || g->u32[q->out + p->result_no] != v)
			return nx_vfail_val(c, v, "says it is result %u of op #%u, which does "
					"not list it there", p->result_no, p->producer);
	}
	if (p->type == 0 || p->type >= g->n_types || g->types[p->type].dtype >= NX_DTYPE_COUNT)
		return nx_vfail_val(c, v, "has no type%s", p->type >= g->n_types
				? " (its type id is out of range)" : "");
	if (p->blob != NX_NONE) {
		if (p->blob >= g->n_blobs || !g->blobs[p->blob])
			return nx_vfail_val(c, v, "constant refers to blob slot %u, which holds "
					"no blob", p->blob);
		const nx_type *bt = &g->blobs[p->blob]->type, *vt = &g->types[p->type];
		bool same = bt->dtype == vt->dtype && bt->rank == vt->rank &&
			    !memcmp(bt->dims, vt->dims, (size_t)vt->rank * sizeof vt->dims[0]);
		if (!same) {
			char sb[128], sv[128];
			nx_type_str(bt, sb, sizeof sb);
			nx_type_str(vt, sv, sizeof sv);
			return nx_vfail_val(c, v, "constant's blob holds %s but the value's type is "
					"%s", sb, sv);
		}
	}
	return 0;
}

/* Name s is owned by nothing, or by a live value of that name. */
int nx_vcheck_name(vctx *c, uint32_t s)
{
	const nx_graph *g = c->g;
	uint32_t v = g->str_owner[s];
	if (v == NX_NONE || (val_live(g, v) && g->vals[v].name == s))
		return 0;
	return nx_vfail_graph(c, "name '%s' is recorded as owned by value #%u, which %s",
			      nx_cstr(g, s), v,
			      v >= g->n_vals ? "does not exist"
			      : g->vals[v].flags & NX_V_DEAD ? "is erased" : "has another name");
}

int nx_vcheck_outputs(vctx *c)
{
	const nx_graph *g = c->g;
	for (uint32_t i = 0; i < g->n_outputs; i++) {
		uint32_t v = g->outputs[i];
		if (v >= g->n_vals)
			return nx_vfail_graph(c, "output %u is value #%u, which does not exist", i, v);
		if (g->vals[v].flags & NX_V_DEAD)
			return nx_vfail_val(c, v, "graph output %u is an erased value", i);
	}
	return 0;
}

/* Names, definitions, constants, types known; every recorded name owner. */
static int check_values(vctx *c)
{
	const nx_graph *g = c->g;
	int rc = nx_vcheck_inputs(c);
	for (uint32_t v = 0; !rc && v < g->n_vals; v++)
		if (!(g->vals[v].flags & NX_V_DEAD))
			rc = nx_vcheck_value(c, v);
	/* Every live value owns its name (above); no name may point elsewhere. */
	for (uint32_t s = 0; !rc && s < g->n_strs; s++)
		rc = nx_vcheck_name(c, s);
	return rc ? rc : nx_vcheck_outputs(c);
}

/* The use list of live value v: each listed slot reads v and is a current
 * operand of a live op; no slot is listed twice (use_seen, shared by every
 * list walked). */
int nx_vcheck_use_list(vctx *c, uint32_t v)
{
	const nx_graph *g = c->g;
	uint32_t prev = NX_NONE;
	for (uint32_t u = g->vals[v].first_use; u != NX_NONE; u = g->uses[u].next) {
		if (u >= g->n_uses)
			return nx_vfail_val(c, v, "use list reaches slot #%u, which does not exist", u);
		if (c->use_seen[u])
			return nx_vfail_val(c, v, "use slot #%u is listed twice (a use list "
					"cycle, or two lists share it)", u);
		c->use_seen[u] = 1;
		const nx_use *p = &g->uses[u];
		if (p->value != v)
			return nx_vfail_val(c, v, "its use list holds slot #%u, which reads %s%s",
					u, p->value == NX_NONE ? "nothing" : "%",
					p->value == NX_NONE ? "" : nx_vvname(g, p->value));
		if (p->prev != prev) {
			char have[16], want[16];
			return nx_vfail_val(c, v, "use slot #%u has back link %s, expected %s", u,
					nx_vlink_str(p->prev, have, sizeof have),
					nx_vlink_str(prev, want, sizeof want));
		}
		if (!op_live(g, p->op) || u < g->ops[p->op].in ||
		    u >= g->ops[p->op].in + g->ops[p->op].n_in)
			return nx_vfail_val(c, v, "its use list holds slot #%u, which is not an "
					"operand of a live op", u);
		prev = u;
	}
	return 0;
}

/* Live op o's operand slot i was met on its value's use list. */
int nx_vcheck_listed(vctx *c, uint32_t o, uint32_t i)
{
	const nx_graph *g = c->g;
	uint32_t u = g->ops[o].in + i;
	if (g->uses[u].value != NX_NONE && !c->use_seen[u])
		return nx_vfail_op(c, o, "operand %u (%%%s) is missing from the value's use list",
				   i, nx_vvname(g, g->uses[u].value));
	return 0;
}

/* Every use list holds exactly the live operand slots that read its value;
 * readers of an erased value were reported as operands. */
static int check_uses(vctx *c)
{
	const nx_graph *g = c->g;
	int rc = 0;
	for (uint32_t v = 0; !rc && v < g->n_vals; v++)
		if (!(g->vals[v].flags & NX_V_DEAD))
			rc = nx_vcheck_use_list(c, v);
	for (uint32_t o = 0; !rc && o < g->n_ops; o++)
		if (!(g->ops[o].flags & NX_O_DEAD))
			for (uint32_t i = 0; !rc && i < g->ops[o].n_in; i++)
				rc = nx_vcheck_listed(c, o, i);
	return rc;
}

/* Walks the schedule with the set of defined values: graph inputs and
 * constants up front, then each op's results after its operands were
 * checked. A dataflow cycle shows as a use before its definition. */
static int check_order(vctx *c)
{
	const nx_graph *g = c->g;
	memset(c->val_mark, 0, g->n_vals);
	for (uint32_t v = 0; v < g->n_vals; v++)
		if (!(g->vals[v].flags & NX_V_DEAD) && g->vals[v].producer == NX_NONE)
			c->val_mark[v] = 1;
	NX_FOR_OPS(g, o) {
		const nx_op *p = &g->ops[o];
		for (uint32_t i = 0; i < p->n_in; i++) {
			uint32_t v = g->uses[p->in + i].value;
			if (v == NX_NONE || c->val_mark[v])
				continue;
			uint32_t d = g->vals[v].producer;
			if (d == o)
				return nx_vfail_op(c, o, "operand %u (%%%s) is its own result", i,
					       nx_vvname(g, v));
			char def[300];
			nx_vop_label(g, d, def, sizeof def);
			return nx_vfail_op(c, o, "operand %u (%%%s) is used before its definition by "
				       "op %s in schedule order", i, nx_vvname(g, v), def);
		}
		for (uint32_t i = 0; i < p->n_out; i++)
			c->val_mark[g->u32[p->out + i]] = 1;
	}
	return 0;
}

/* Result types against shape inference (which also checks attributes).
 * Ops are visited in schedule order and the first mismatch stops the walk,
 * so every op sees its operands' stored types; the layout tag is a pass
 * decision, not inferred, so only dtype and dims are compared. Inference
 * writes result types, so it runs on g itself and each result's type id is
 * put back at once: g's IR is left as it was (inference may intern a type:
 * the type table grows, no value changes), and no clone of a large graph is
 * paid, neither per step nor for the full check. touched (by op id) limits
 * the check to the ops a step changed; NULL checks every op. */
int nx_vcheck_type(vctx *c, uint32_t o)
{
	nx_graph *g = c->g;
	const nx_op *p = &g->ops[o];
	uint32_t keep[256]; /* n_out is 8 bits */
	uint32_t n_out = p->n_out;
	for (uint32_t i = 0; i < n_out; i++)
		keep[i] = g->vals[g->u32[p->out + i]].type;
	int rc = nx_infer_op(g, o, c->err);
	for (uint32_t i = 0; i < n_out && !rc; i++) {
		uint32_t v = g->u32[p->out + i];
		nx_err e;
		if (nx_check_declared(nx_vvname(g, v), nx_type_at(g, keep[i]), nx_vtype(g, v), &e))
			rc = nx_vfail_op(c, o, "%s", e.msg);
	}
	for (uint32_t i = 0; i < n_out; i++)
		g->vals[g->u32[p->out + i]].type = keep[i];
	return rc ? -1 : 0;
}

static int check_types(vctx *c, const uint8_t *touched)
{
	NX_FOR_OPS(c->g, o)
		if ((!touched || touched[o]) && nx_vcheck_type(c, o))
			return -1;
	return 0;
}

/* ---- incremental: only what a step changed is inferred again ----------- */

static bool same_type(const nx_graph *g, const nx_graph *prev, uint32_t v)
{
	uint32_t a = g->vals[v].type, b = prev->vals[v].type;
	if (!a || !b || a >= g->n_types || b >= prev->n_types)
		return a == b;
	return nx_type_eq(nx_type_at(g, a), nx_type_at(prev, b));
}

/* Value v means to inference what it meant in prev: same type, and for a
 * constant the same blob (range reads constant operands). */
static bool same_value(const nx_graph *g, const nx_graph *prev, uint32_t v)
{
	if (v >= prev->n_vals || (prev->vals[v].flags & NX_V_DEAD) || !same_type(g, prev, v))
		return false;
	uint32_t a = g->vals[v].blob, b = prev->vals[v].blob;
	if (a == NX_NONE || b == NX_NONE)
		return a == b;
	return a < g->n_blobs && b < prev->n_blobs && g->blobs[a] == prev->blobs[b];
}

static bool same_attr(const nx_graph *g, const nx_attr *a, const nx_graph *prev,
		      const nx_attr *b)
{
	if (a->name != b->name || a->kind != b->kind || a->n != b->n)
		return false;
	switch (a->kind) {
	case NX_ATTR_INT: return a->u.i == b->u.i;
	case NX_ATTR_FLOAT: return !memcmp(&a->u.f, &b->u.f, sizeof a->u.f);
	case NX_ATTR_STR: return a->u.s == b->u.s;
	case NX_ATTR_INTS:
		return !a->n || !memcmp(g->ints + a->u.off, prev->ints + b->u.off,
					a->n * sizeof *g->ints);
	case NX_ATTR_FLOATS:
		return !a->n || !memcmp(g->floats + a->u.off, prev->floats + b->u.off,
					a->n * sizeof *g->floats);
	}
	return false;
}

/* Op o of g reads, for inference, what op o of prev read: kind, operands
 * (ids, types, blobs), results (ids, stored types) and attributes. Ids are
 * stable across steps (DESIGN.md §2), so a step's untouched op compares
 * equal; strings are shared by clones, so their ids compare too. */
bool nx_vop_same(const nx_graph *g, const nx_graph *prev, uint32_t o)
{
	if (o >= prev->n_ops || (prev->ops[o].flags & NX_O_DEAD))
		return false;
	const nx_op *p = &g->ops[o], *q = &prev->ops[o];
	if (p->kind != q->kind || p->n_in != q->n_in || p->n_out != q->n_out ||
	    p->n_attr != q->n_attr)
		return false;
	for (uint32_t i = 0; i < p->n_in; i++) {
		uint32_t v = g->uses[p->in + i].value;
		if (v != prev->uses[q->in + i].value || (v != NX_NONE && !same_value(g, prev, v)))
			return false;
	}
	for (uint32_t i = 0; i < p->n_out; i++) {
		uint32_t v = g->u32[p->out + i];
		if (v != prev->u32[q->out + i] || !same_value(g, prev, v))
			return false;
	}
	for (uint32_t i = 0; i < p->n_attr; i++)
		if (!same_attr(g, &g->attrs[p->attr + i], prev, &prev->attrs[q->attr + i]))
			return false;
	return true;
}

static int verify(nx_graph *g, const nx_graph *prev, nx_err *err)
{
	vctx c = {
		.g = g,
		.err = err,
		.op_seen = nx_xcalloc(g->n_ops + 1, 1),
		.val_mark = nx_xcalloc(g->n_vals + 1, 1),
		.use_seen = nx_xcalloc(g->n_uses + 1, 1),
	};
	uint8_t *touched = NULL;
	int rc = check_schedule(&c);
	for (uint32_t o = 0; !rc && o < g->n_ops; o++)
		if (!(g->ops[o].flags & NX_O_DEAD))
			rc = nx_vcheck_op_ranges(&c, o);
	for (uint32_t o = 0; !rc && o < g->n_ops; o++)
		if (!(g->ops[o].flags & NX_O_DEAD))
			rc = nx_vcheck_op(&c, o);
	if (!rc)
		rc = check_values(&c);
	if (!rc)
		rc = check_uses(&c);
	if (!rc)
		rc = check_order(&c);
	if (!rc && prev) {
		/* the structure is sound now: op_same may read every id of g */
		touched = nx_xcalloc(g->n_ops + 1, 1);
		NX_FOR_OPS(g, o)
			touched[o] = !nx_vop_same(g, prev, o);
	}
	if (!rc)
		rc = check_types(&c, touched);
	free(touched);
	free(c.op_seen);
	free(c.val_mark);
	free(c.use_seen);
	return rc;
}

int nx_verify(nx_graph *g, nx_err *err)
{
	return verify(g, NULL, err);
}

int nx_verify_since(nx_graph *g, const nx_graph *prev, nx_err *err)
{
	int rc = nx_verify_inc(g, prev, err);
	return rc == 1 ? verify(g, prev, err) : rc == 2 ? verify(g, NULL, err) : rc;
}
