/* dot_export.c — nex graph -> Graphviz DOT, for `dot -Tsvg`.
 *
 * One box per op, labelled with its kind (the ONNX op_type for opaque ops),
 * result type(s) and fused activation; a graph input or output is an
 * ellipse. Edges carry the type of the value they move. Constants do not
 * clutter the picture: each is listed in the label of the op that reads it
 * ("w: f32[16,3,3,3]"), except tiny ones (at most const_nodes_max elements),
 * which get a small node showing their value. The tooltip of each op (shown
 * by SVG viewers) is its full text-form line. An optional heat callback
 * colours ops from pale to red: the hook for cost and error overlays.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "nx.h"

/* put: append printf-style; on nearly every line of this file */
typedef nx_strbuf dbuf;
#define put nx_strbuf_printf

/* s inside a DOT "..." string: quotes and backslashes escaped, control
 * characters dropped. */
static void put_esc(dbuf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			put(b, "\\%c", *s);
		else if ((unsigned char)*s >= 0x20)
			put(b, "%c", *s);
	}
}

static void put_type(dbuf *b, const nx_type *t)
{
	char tb[160];
	nx_type_str(t, tb, sizeof tb);
	put(b, "%s", tb);
}

static bool small_const(const nx_graph *g, uint32_t v, uint32_t max)
{
	return nx_is_const(g, v) && nx_type_numel(nx_vtype(g, v)) <= (int64_t)max;
}

/* The value of a tiny constant, "[1, 2.5]" style. */
static void put_const_value(dbuf *b, const nx_graph *g, uint32_t v)
{
	nx_blob *bl = nx_const_blob(g, v);
	const void *d = nx_blob_data(bl);
	int64_t n = nx_type_numel(&bl->type);
	char fb[32];
	put(b, n == 1 ? "" : "[");
	for (int64_t i = 0; i < n && i < 16; i++) {
		put(b, "%s", i ? ", " : "");
		switch (bl->type.dtype) {
		case NX_F32: nx_fmt_float(fb, sizeof fb, ((const float *)d)[i]); put(b, "%s", fb); break;
		case NX_F16: nx_fmt_float(fb, sizeof fb, nx_f16_to_f32(((const uint16_t *)d)[i]));
			put(b, "%s", fb); break;
		case NX_BF16: nx_fmt_float(fb, sizeof fb, nx_bf16_to_f32(((const uint16_t *)d)[i]));
			put(b, "%s", fb); break;
		case NX_I8: put(b, "%d", ((const int8_t *)d)[i]); break;
		case NX_U8: put(b, "%u", ((const uint8_t *)d)[i]); break;
		case NX_BOOL: put(b, "%s", ((const uint8_t *)d)[i] ? "true" : "false"); break;
		case NX_I32: put(b, "%d", ((const int32_t *)d)[i]); break;
		case NX_I64: put(b, "%lld", (long long)((const int64_t *)d)[i]); break;
		case NX_F64: nx_fmt_double(fb, sizeof fb, ((const double *)d)[i]); put(b, "%s", fb);
			break;
		case NX_I16: put(b, "%d", ((const int16_t *)d)[i]); break;
		case NX_U16: put(b, "%u", ((const uint16_t *)d)[i]); break;
		case NX_U32: put(b, "%u", ((const uint32_t *)d)[i]); break;
		case NX_U64: put(b, "%llu", (unsigned long long)((const uint64_t *)d)[i]); break;
		}
	}
	put(b, n > 16 ? ", ...]" : n == 1 ? "" : "]");
}

/* Pale yellow (0) to red (1). */
static void put_heat(dbuf *b, double h)
{
	if (!(h >= 0))
		h = 0;
	if (h > 1)
		h = 1;
	int g = (int)(250 - 190 * h), bl = (int)(220 - 200 * h);
	put(b, ", fillcolor=\"#ff%02x%02x\"", g, bl);
}

/* The DOT node id of the producer of v ("o12", "i0", "k7"). */
static void put_src(dbuf *b, const nx_graph *g, uint32_t v)
{
	const nx_value *p = nx_val(g, v);
	if (p->producer != NX_NONE) {
		put(b, "o%u", p->producer);
		return;
	}
	if (p->flags & NX_V_INPUT)
		for (uint32_t i = 0; i < g->n_inputs; i++)
			if (g->inputs[i] == v) {
				put(b, "i%u", i);
				return;
			}
	put(b, "k%u", v);
}

static void put_op(dbuf *b, const nx_graph *g, uint32_t o, const nx_dot_opts *opt)
{
	const nx_op *p = nx_opp(g, o);
	put(b, "  o%u [label=\"", o);
	if (p->kind == NX_OP_OPAQUE) {
		put(b, "opaque ");
		put_esc(b, nx_attr_s(g, o, "op_type", "?"));
	} else {
		put(b, "%s", nx_op_name(g, o));
	}
	for (uint32_t i = 0; i < p->n_out; i++) {
		put(b, "\\n");
		if (p->n_out > 1)
			put(b, "#%u ", i);
		put_type(b, nx_vtype(g, nx_result(g, o, i)));
	}
	const char *act = nx_attr_s(g, o, "act", NULL);
	if (act) {
		put(b, "\\nact=");
		put_esc(b, act);
	}
	/* weights and other large constants, folded into the label */
	for (uint32_t i = 0; i < p->n_in; i++) {
		uint32_t v = nx_operand(g, o, i);
		if (v == NX_NONE || !nx_is_const(g, v) || small_const(g, v, opt->const_nodes_max))
			continue;
		put(b, "\\n");
		put_esc(b, nx_vname(g, v));
		put(b, ": ");
		put_type(b, nx_vtype(g, v));
	}
	put(b, "\", tooltip=\"");
	char *line = nx_print_op(g, o);
	put_esc(b, line);
	free(line);
	put(b, "\"");
	if (opt->heat)
		put_heat(b, opt->heat(opt->heat_ctx, g, o));
	else if (p->kind == NX_OP_OPAQUE)
		put(b, ", fillcolor=\"#eeeeee\", style=\"rounded,filled,dashed\"");
	put(b, "];\n");
	for (uint32_t i = 0; i < p->n_in; i++) {
		uint32_t v = nx_operand(g, o, i);
		if (v == NX_NONE || (nx_is_const(g, v) && !small_const(g, v, opt->const_nodes_max)))
			continue;
		put(b, "  ");
		put_src(b, g, v);
		put(b, " -> o%u [label=\"", o);
		put_type(b, nx_vtype(g, v));
		put(b, "\"];\n");
	}
}

char *nx_dot_export_str(const nx_graph *g, const nx_dot_opts *o)
{
	nx_dot_opts def = {NULL, NULL, 1};
	const nx_dot_opts *opt = o ? o : &def;
	dbuf b = {NULL, 0, 0};
	put(&b, "digraph \"");
	put_esc(&b, nx_cstr(g, g->name));
	put(&b, "\" {\n  graph [rankdir=TB, fontname=\"Helvetica\"];\n"
	    "  node [shape=box, style=\"rounded,filled\", fillcolor=\"#ffffff\", "
	    "fontname=\"Helvetica\", fontsize=10];\n"
	    "  edge [fontname=\"Helvetica\", fontsize=8, color=\"#555555\"];\n");
	for (uint32_t i = 0; i < g->n_inputs; i++) {
		uint32_t v = g->inputs[i];
		put(&b, "  i%u [shape=ellipse, fillcolor=\"#dbe8fb\", label=\"", i);
		put_esc(&b, nx_vname(g, v));
		put(&b, "\\n");
		put_type(&b, nx_vtype(g, v));
		put(&b, "\"];\n");
	}
	/* tiny constants: one node each, where some op reads them */
	for (uint32_t v = 0; v < g->n_vals; v++) {
		if ((nx_val(g, v)->flags & NX_V_DEAD) || !nx_is_const(g, v))
			continue;
		bool small = small_const(g, v, opt->const_nodes_max);
		/* a large constant gets a node only when it is a graph output */
		if (!(small && nx_value_nuses(g, v)) && !nx_value_is_output(g, v))
			continue;
		put(&b, "  k%u [shape=note, fillcolor=\"#f4f4f4\", fontsize=8, label=\"", v);
		put_esc(&b, nx_vname(g, v));
		if (small) {
			put(&b, " = ");
			put_const_value(&b, g, v);
		} else {
			put(&b, ": ");
			put_type(&b, nx_vtype(g, v));
		}
		put(&b, "\"];\n");
	}
	NX_FOR_OPS(g, op)
		put_op(&b, g, op, opt);
	for (uint32_t i = 0; i < g->n_outputs; i++) {
		uint32_t v = g->outputs[i];
		put(&b, "  r%u [shape=ellipse, fillcolor=\"#dcf5dc\", label=\"", i);
		put_esc(&b, nx_vname(g, v));
		put(&b, "\\n");
		put_type(&b, nx_vtype(g, v));
		put(&b, "\"];\n  ");
		put_src(&b, g, v);
		put(&b, " -> r%u;\n", i);
	}
	put(&b, "}\n");
	return b.s;
}

int nx_dot_export(const nx_graph *g, const char *path, const nx_dot_opts *o, nx_err *err)
{
	char *s = nx_dot_export_str(g, o);
	int r = nx_write_file_atomic(path, s, strlen(s), err);
	free(s);
	return r;
}
