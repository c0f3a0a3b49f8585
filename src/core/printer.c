/* printer.c — writes a graph in the .nex text form (docs/ir.md): the header
 * with inputs and outputs, the constants in value id order, then one op per
 * line in schedule order, then return. The output is deterministic and is
 * what parser.c reads back: print(parse(print(g))) == print(g).
 *
 * Everything goes into one growable buffer with hand-rolled integer
 * formatting; the text of each interned type is built once per print. A
 * 100k-op graph prints in tens of milliseconds that way, where stdio calls
 * per token would dominate.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nx.h"

const nx_print_opts nx_print_defaults = {
	.store_blob = NULL,
	.store_ctx = NULL,
	.inline_max = 16,
	.show_ids = false,
};

static void sb_u64(nx_strbuf *b, uint64_t v)
{
	char tmp[24];
	int k = sizeof tmp;
	do {
		tmp[--k] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	nx_strbuf_put(b, tmp + k, sizeof tmp - (size_t)k);
}

static void sb_i64(nx_strbuf *b, int64_t v)
{
	if (v < 0) {
		nx_strbuf_putc(b, '-');
		sb_u64(b, 0 - (uint64_t)v);
	} else {
		sb_u64(b, (uint64_t)v);
	}
}

static void sb_float(nx_strbuf *b, float f)
{
	char tmp[48];
	int k = nx_fmt_float(tmp, sizeof tmp, f);
	nx_strbuf_put(b, tmp, (size_t)k);
}

/* "..." with C escapes; valid UTF-8 is written as is, stray bytes as \xHH,
 * so the file stays UTF-8 whatever the graph holds. */
static void sb_quoted(nx_strbuf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = strlen(s);
	nx_strbuf_reserve(b, n + 2);
	nx_strbuf_putc(b, '"');
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x80) {
			size_t k = nx_utf8_len((const unsigned char *)s + i, n - i);
			if (k) {
				nx_strbuf_put(b, s + i, k);
				i += k;
				continue;
			}
		}
		i++;
		switch (c) {
		case '"': nx_strbuf_put(b, "\\\"", 2); break;
		case '\\': nx_strbuf_put(b, "\\\\", 2); break;
		case '\n': nx_strbuf_put(b, "\\n", 2); break;
		case '\t': nx_strbuf_put(b, "\\t", 2); break;
		case '\r': nx_strbuf_put(b, "\\r", 2); break;
		default:
			if (c < 0x20 || c >= 0x7f) {
				char e[4] = {'\\', 'x', hex[c >> 4], hex[c & 15]};
				nx_strbuf_put(b, e, 4);
			} else {
				nx_strbuf_putc(b, (char)c);
			}
		}
	}
	nx_strbuf_putc(b, '"');
}

/* The lexer's rule for bare names (parser.c, lex): [A-Za-z0-9_.$:/-]+, no
 * "//" (a comment), not ending in ':' (so "%x: f32" reads as x). */
static bool bare_name(const char *s)
{
	if (!*s)
		return false;
	for (const char *p = s; *p; p++) {
		char c = *p;
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '$' ||
			  c == ':' || c == '/' || c == '-';
		if (!ok || (c == '/' && p[1] == '/'))
			return false;
	}
	return s[strlen(s) - 1] != ':';
}

static bool ident(const char *s)
{
	if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_'))
		return false;
	for (s++; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	return true;
}

static void sb_name(nx_strbuf *b, char sigil, const char *s)
{
	nx_strbuf_putc(b, sigil);
	if (bare_name(s))
		nx_strbuf_puts(b, s);
	else
		sb_quoted(b, s);
}

/* ---- printer state: the output and the text of each type id ---- */

typedef struct printer {
	const nx_graph *g;
	const nx_print_opts *o;
	nx_strbuf out;
	nx_strbuf tt;          /* type texts, back to back */
	uint32_t *t_off;  /* by type id: offset in tt, UINT32_MAX = not built yet */
	uint32_t *t_len;
} printer;

static void put_type(printer *P, uint32_t id)
{
	if (P->t_off[id] == UINT32_MAX) {
		char tmp[256];
		int k = nx_type_str(nx_type_at(P->g, id), tmp, sizeof tmp);
		P->t_off[id] = (uint32_t)P->tt.n;
		P->t_len[id] = (uint32_t)k;
		nx_strbuf_put(&P->tt, tmp, (size_t)k);
	}
	nx_strbuf_put(&P->out, P->tt.s + P->t_off[id], P->t_len[id]);
}

static void put_vname(nx_strbuf *b, const nx_graph *g, uint32_t v)
{
	sb_name(b, '%', nx_vname(g, v));
}

static void put_attr(nx_strbuf *b, const nx_graph *g, const nx_attr *a)
{
	const char *name = nx_cstr(g, a->name);
	if (ident(name))
		nx_strbuf_puts(b, name);
	else
		sb_quoted(b, name);
	nx_strbuf_putc(b, '=');
	switch (a->kind) {
	case NX_ATTR_INT:
		sb_i64(b, a->u.i);
		break;
	case NX_ATTR_FLOAT:
		sb_float(b, a->u.f);
		break;
	case NX_ATTR_STR:
		sb_quoted(b, nx_cstr(g, a->u.s));
		break;
	case NX_ATTR_INTS:
		nx_strbuf_putc(b, '[');
		for (uint32_t i = 0; i < a->n; i++) {
			if (i)
				nx_strbuf_putc(b, ',');
			sb_i64(b, g->ints[a->u.off + i]);
		}
		nx_strbuf_putc(b, ']');
		break;
	case NX_ATTR_FLOATS:
		nx_strbuf_putc(b, '[');
		for (uint32_t i = 0; i < a->n; i++) {
			if (i)
				nx_strbuf_put(b, ", ", 2);
			sb_float(b, g->floats[a->u.off + i]);
		}
		nx_strbuf_putc(b, ']');
		break;
	}
}

/* results "=" kind "(" operands ")" [{attrs}] ":" types [loc(...)] [born(N)] */
static void put_op(printer *P, uint32_t o)
{
	const nx_graph *g = P->g;
	const nx_op *p = nx_opp(g, o);
	nx_strbuf *b = &P->out;
	for (uint32_t i = 0; i < p->n_out; i++) {
		if (i)
			nx_strbuf_put(b, ", ", 2);
		put_vname(b, g, nx_result(g, o, i));
	}
	nx_strbuf_put(b, " = ", 3);
	nx_strbuf_puts(b, nx_op_name(g, o));
	nx_strbuf_putc(b, '(');
	for (uint32_t i = 0; i < p->n_in; i++) {
		uint32_t v = nx_operand(g, o, i);
		if (i)
			nx_strbuf_put(b, ", ", 2);
		if (v == NX_NONE)
			nx_strbuf_putc(b, '_');
		else
			put_vname(b, g, v);
	}
	nx_strbuf_putc(b, ')');
	if (p->n_attr) {
		nx_strbuf_put(b, " {", 2);
		for (uint32_t i = 0; i < p->n_attr; i++) {
			if (i)
				nx_strbuf_put(b, ", ", 2);
			put_attr(b, g, &g->attrs[p->attr + i]);
		}
		nx_strbuf_putc(b, '}');
	}
	nx_strbuf_put(b, " : ", 3);
	for (uint32_t i = 0; i < p->n_out; i++) {
		if (i)
			nx_strbuf_put(b, ", ", 2);
		put_type(P, nx_val(g, nx_result(g, o, i))->type);
	}
	if (p->n_origin) {
		nx_strbuf_put(b, "  loc(", 6);
		for (uint32_t i = 0; i < p->n_origin; i++) {
			if (i)
				nx_strbuf_put(b, ", ", 2);
			sb_quoted(b, nx_cstr(g, nx_op_origin(g, o)[i]));
		}
		nx_strbuf_putc(b, ')');
	}
	if (p->born) {
		nx_strbuf_puts(b, p->n_origin ? " born(" : "  born(");
		sb_u64(b, p->born);
		nx_strbuf_putc(b, ')');
	}
}

/* One element of blob data as the text reads it back: floats through f32,
 * f16 and bf16 bits converted. */
static void put_elem(nx_strbuf *b, int dtype, const void *data, int64_t i)
{
	switch (dtype) {
	case NX_F32: sb_float(b, ((const float *)data)[i]); break;
	case NX_F16: sb_float(b, nx_f16_to_f32(((const uint16_t *)data)[i])); break;
	case NX_BF16: sb_float(b, nx_bf16_to_f32(((const uint16_t *)data)[i])); break;
	case NX_I8: sb_i64(b, ((const int8_t *)data)[i]); break;
	case NX_U8: sb_i64(b, ((const uint8_t *)data)[i]); break;
	case NX_BOOL: sb_i64(b, ((const uint8_t *)data)[i] != 0); break;
	case NX_I32: sb_i64(b, ((const int32_t *)data)[i]); break;
	case NX_I64: sb_i64(b, ((const int64_t *)data)[i]); break;
	case NX_F64: {
		char tmp[48];
		int k = nx_fmt_double(tmp, sizeof tmp, ((const double *)data)[i]);
		nx_strbuf_put(b, tmp, (size_t)k);
		break;
	}
	case NX_I16: sb_i64(b, ((const int16_t *)data)[i]); break;
	case NX_U16: sb_i64(b, ((const uint16_t *)data)[i]); break;
	case NX_U32: sb_i64(b, ((const uint32_t *)data)[i]); break;
	case NX_U64: sb_u64(b, ((const uint64_t *)data)[i]); break;
	}
}

static void put_file(nx_strbuf *b, const char *path, uint64_t off)
{
	nx_strbuf_put(b, "file(", 5);
	sb_quoted(b, path);
	nx_strbuf_put(b, ", offset=", 9);
	sb_u64(b, off);
	nx_strbuf_putc(b, ')');
}

static void put_fill(nx_strbuf *b, const nx_blob *bl)
{
	nx_strbuf_put(b, "fill(", 5);
	nx_strbuf_puts(b, nx_fill_name(bl->fill));
	if (bl->fill == NX_FILL_RANDOM || bl->seed) {
		nx_strbuf_put(b, ", seed=", 7);
		sb_u64(b, bl->seed);
	}
	nx_strbuf_putc(b, ')');
}

/* A recipe blob (nx_blob_is_recipe) as its recipe:
 * scaled(BASE, mode=M[, group=G], scale=dense[...] or file(...)). Scales
 * print inline up to inline_max unless one is a NaN (its payload would not
 * print back); otherwise they go through the store as an f32[c] blob, so
 * the file holds their exact bits. -1 if the store failed. */
static int put_recipe(printer *P, const nx_blob *bl)
{
	nx_strbuf *b = &P->out;
	if (bl->src == NX_BLOB_FILL) {
		put_fill(b, bl);
		return 0;
	}
	nx_strbuf_put(b, "scaled(", 7);
	if (put_recipe(P, bl->base))
		return -1;
	nx_strbuf_put(b, ", mode=", 7);
	nx_strbuf_puts(b, nx_scale_mode_name(bl->mode));
	if (bl->mode == NX_SCALE_CONVT) {
		nx_strbuf_put(b, ", group=", 8);
		sb_i64(b, bl->group);
	}
	nx_strbuf_put(b, ", scale=", 8);
	if (nx_blob_scales_inline(bl, P->o->inline_max)) {
		nx_strbuf_put(b, "dense[", 6);
		for (int64_t i = 0; i < bl->n_scale; i++) {
			if (i)
				nx_strbuf_put(b, ", ", 2);
			sb_float(b, bl->scale[i]);
		}
		nx_strbuf_putc(b, ']');
	} else {
		nx_type st = {.dtype = NX_F32, .rank = 1, .dims = {bl->n_scale}};
		nx_blob *sb = nx_blob_new_copy(&st, bl->scale); /* dropped below */
		const char *file = NULL;
		uint64_t off = 0;
		int rc = P->o->store_blob(P->o->store_ctx, sb, &file, &off);
		nx_blob_unref(sb);
		if (rc || !file)
			return -1;
		put_file(b, file, off);
	}
	nx_strbuf_putc(b, ')');
	return 0;
}

/* %name = const TYPE SOURCE. -1 if the blob store failed. */
static int put_const(printer *P, uint32_t v)
{
	const nx_graph *g = P->g;
	nx_strbuf *b = &P->out;
	nx_blob *bl = nx_const_blob(g, v);
	nx_strbuf_put(b, "  ", 2);
	put_vname(b, g, v);
	nx_strbuf_put(b, " = const ", 9);
	put_type(P, nx_val(g, v)->type);
	nx_strbuf_putc(b, ' ');
	int64_t numel = nx_type_numel(&bl->type);
	if (bl->src == NX_BLOB_FILL) {
		put_fill(b, bl);
	} else if ((bl->src == NX_BLOB_DATA || bl->src == NX_BLOB_SCALED) && numel >= 0 &&
		   (uint64_t)numel <= P->o->inline_max && nx_blob_data(bl)) {
		nx_strbuf_put(b, "dense[", 6);
		for (int64_t i = 0; i < numel; i++) {
			if (i)
				nx_strbuf_put(b, ", ", 2);
			put_elem(b, bl->type.dtype, bl->data, i);
		}
		nx_strbuf_putc(b, ']');
	} else if (P->o->store_blob && nx_blob_is_recipe(bl)) {
		/* Only when saving: a display print keeps blob(#k), one short
		 * token, where the recipe would list every scale. */
		if (put_recipe(P, bl))
			return -1;
	} else if (P->o->store_blob) {
		const char *file = NULL;
		uint64_t off = 0;
		if (P->o->store_blob(P->o->store_ctx, bl, &file, &off) || !file)
			return -1;
		put_file(b, file, off);
	} else if (bl->src == NX_BLOB_FILE) {
		put_file(b, bl->path, bl->offset);
	} else {
		nx_strbuf_put(b, "blob(#", 6);
		sb_u64(b, nx_val(g, v)->blob);
		nx_strbuf_putc(b, ')');
	}
	nx_strbuf_putc(b, '\n');
	return 0;
}

static void put_params(printer *P, const uint32_t *vs, uint32_t n)
{
	nx_strbuf *b = &P->out;
	nx_strbuf_putc(b, '(');
	for (uint32_t i = 0; i < n; i++) {
		if (i)
			nx_strbuf_put(b, ", ", 2);
		put_vname(b, P->g, vs[i]);
		nx_strbuf_put(b, ": ", 2);
		put_type(P, nx_val(P->g, vs[i])->type);
	}
	nx_strbuf_putc(b, ')');
}

static void printer_init(printer *P, const nx_graph *g, const nx_print_opts *o)
{
	memset(P, 0, sizeof *P);
	P->g = g;
	P->o = o ? o : &nx_print_defaults;
	size_t nt = g->n_types ? g->n_types : 1;
	P->t_off = nx_xmalloc(nt * sizeof *P->t_off);
	P->t_len = nx_xmalloc(nt * sizeof *P->t_len);
	memset(P->t_off, 0xff, nt * sizeof *P->t_off);
}

static void printer_done(printer *P)
{
	free(P->tt.s);
	free(P->t_off);
	free(P->t_len);
}

char *nx_print_str(const nx_graph *g, const nx_print_opts *o, size_t *len)
{
	printer P;
	printer_init(&P, g, o);
	nx_strbuf *b = &P.out;
	/* A rough size up front saves most of the doublings. */
	nx_strbuf_reserve(b, (size_t)g->n_live_ops * 96 + 256);
	nx_strbuf_put(b, "graph ", 6);
	sb_name(b, '@', nx_cstr(g, g->name));
	put_params(&P, g->inputs, g->n_inputs);
	nx_strbuf_put(b, " -> ", 4);
	put_params(&P, g->outputs, g->n_outputs);
	nx_strbuf_put(b, " {\n", 3);
	for (uint32_t v = 0; v < g->n_vals; v++) {
		const nx_value *val = nx_val(g, v);
		if ((val->flags & NX_V_DEAD) || val->blob == NX_NONE || !g->blobs[val->blob])
			continue;
		if (put_const(&P, v)) {
			free(b->s);
			printer_done(&P);
			return NULL;
		}
	}
	NX_FOR_OPS(g, op) {
		nx_strbuf_put(b, "  ", 2);
		put_op(&P, op);
		if (P.o->show_ids) {
			nx_strbuf_put(b, "  // #", 6);
			sb_u64(b, op);
		}
		nx_strbuf_putc(b, '\n');
	}
	nx_strbuf_put(b, "  return", 8);
	for (uint32_t i = 0; i < g->n_outputs; i++) {
		nx_strbuf_put(b, i ? ", " : " ", i ? 2 : 1);
		put_vname(b, g, g->outputs[i]);
	}
	nx_strbuf_put(b, "\n}\n", 3);
	printer_done(&P);
	b->s[b->n] = 0;
	if (len)
		*len = b->n;
	return b->s;
}

int nx_print(const nx_graph *g, FILE *f, const nx_print_opts *o)
{
	size_t n;
	char *s = nx_print_str(g, o, &n);
	if (!s)
		return -1;
	size_t w = fwrite(s, 1, n, f);
	free(s);
	return w == n && fflush(f) == 0 ? 0 : -1;
}

char *nx_print_op(const nx_graph *g, uint32_t o)
{
	printer P;
	printer_init(&P, g, NULL);
	put_op(&P, o);
	printer_done(&P);
	nx_strbuf_reserve(&P.out, 0);
	P.out.s[P.out.n] = 0;
	return P.out.s;
}
