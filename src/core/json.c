/* json.c — the JSON form of the IR (docs/ir-json.md): the same content as the
 * .nex text form, laid out as data for tools. cJSON parses and prints every
 * JSON value; this file maps its trees to and from the graph with the checks
 * the text parser makes (names defined once and before use, operand and
 * result counts, attribute kinds, declared types equal to inferred ones).
 * Syntax errors are located by file:line:col with the source line and a
 * caret; schema errors by path ("ops[12] (conv, result "c3"): ...").
 *
 * The printer writes one input, constant or op per line, so a line diff of
 * two JSON files reads like one of the text form. Numbers cJSON would print
 * lossily are written as raw text: a float32 with the fewest digits that read
 * back to the same float (always with a '.' or an exponent), an int64 beyond
 * 2^53 (past which doubles skip integers) as a string of digits.
 */
#include <cJSON.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "nx_int.h"

#define JSON_VERSION 1
/* Doubles hold every integer up to 2^53; past it JSON numbers lose digits. */
#define EXACT_MAX 9007199254740992LL
#define TWO_63 9223372036854775808.0
/* Half-way between FLT_MAX and 2^128: doubles below it round to a finite
 * float, at or above it to infinity. */
#define FLT_ROUND_MAX 3.4028235677973366e38

/* ---- printing ---------------------------------------------------------- */

/* cJSON reports a failed allocation by returning NULL (or false); treat it
 * as nx_xmalloc does, as an internal error, rather than print a JSON file
 * with silently missing items. */
static void *jchk(void *p)
{
	if (!p)
		nx_die("out of memory (cJSON)");
	return p;
}

static cJSON *jobj(void) { return jchk(cJSON_CreateObject()); }
static cJSON *jarr(void) { return jchk(cJSON_CreateArray()); }
static cJSON *jstr(const char *s) { return jchk(cJSON_CreateString(s)); }
static cJSON *jraw(const char *s) { return jchk(cJSON_CreateRaw(s)); }

/* Adds item to an object under key, or to an array when key is NULL. */
static void jput(cJSON *parent, const char *key, cJSON *item)
{
	cJSON_bool ok = key ? cJSON_AddItemToObject(parent, key, item)
			    : cJSON_AddItemToArray(parent, item);
	jchk(ok ? parent : NULL);
}

/* Appends item printed on one line, and frees it. */
static void jb_item(nx_strbuf *b, cJSON *item)
{
	char *s = jchk(cJSON_PrintUnformatted(item));
	nx_strbuf_puts(b, s);
	cJSON_free(s);
	cJSON_Delete(item);
}

static bool int_plain(int64_t v)
{
	/* INT64_MAX/MIN read back exactly through the saturation in get_i64:
	 * they are common (slice ends) and worth keeping readable. */
	return (v >= -EXACT_MAX && v <= EXACT_MAX) || v == INT64_MAX || v == INT64_MIN;
}

static cJSON *jint(int64_t v)
{
	char buf[32];
	snprintf(buf, sizeof buf, "%lld", (long long)v);
	return int_plain(v) ? jraw(buf) : jstr(buf);
}

static cJSON *ju64(uint64_t v)
{
	char buf[32];
	snprintf(buf, sizeof buf, "%llu", (unsigned long long)v);
	return v <= (uint64_t)EXACT_MAX ? jraw(buf) : jstr(buf);
}

/* The fewest "%.*g" digits that read back (through strtod, as cJSON reads
 * them, then rounded to float) to f; ".0" is added to a whole number so that
 * the text says float. f is finite. */
static void fmt_float(char *buf, size_t n, float f)
{
	int k = 0;
	for (int prec = 6; prec <= 17; prec++) {
		k = snprintf(buf, n, "%.*g", prec, (double)f);
		if ((float)strtod(buf, NULL) == f)
			break;
	}
	if (!strpbrk(buf, ".e") && (size_t)k + 2 < n)
		memcpy(buf + k, ".0", 3);
}

static cJSON *jfloat(float f)
{
	if (isnan(f))
		return jstr("nan");
	if (isinf(f))
		return jstr(f < 0 ? "-inf" : "inf");
	char buf[40];
	fmt_float(buf, sizeof buf, f);
	return jraw(buf);
}

/* f64 data: the shortest text strtod (cJSON's reader) gives back exactly. */
static cJSON *jdouble(double f)
{
	if (isnan(f))
		return jstr("nan");
	if (isinf(f))
		return jstr(f < 0 ? "-inf" : "inf");
	char buf[48];
	nx_fmt_double(buf, sizeof buf, f);
	return jraw(buf);
}

static cJSON *jtype(const nx_type *t)
{
	cJSON *o = jobj(), *s = jarr();
	jput(o, "dtype", jstr(nx_dtype_name(t->dtype)));
	for (int i = 0; i < t->rank; i++)
		jput(s, NULL, jint(t->dims[i]));
	jput(o, "shape", s);
	jput(o, "layout", jstr(nx_layout_name(t->layout)));
	return o;
}

static cJSON *jdata(nx_blob *b)
{
	const void *d = nx_blob_data(b);
	int64_t n = nx_type_numel(&b->type);
	cJSON *a = jarr();
	for (int64_t i = 0; i < n; i++) {
		cJSON *e = NULL;
		switch (b->type.dtype) {
		case NX_F32: e = jfloat(((const float *)d)[i]); break;
		case NX_F16: e = jfloat(nx_f16_to_f32(((const uint16_t *)d)[i])); break;
		case NX_BF16: e = jfloat(nx_bf16_to_f32(((const uint16_t *)d)[i])); break;
		case NX_I8: e = jint(((const int8_t *)d)[i]); break;
		case NX_U8: e = jint(((const uint8_t *)d)[i]); break;
		case NX_I32: e = jint(((const int32_t *)d)[i]); break;
		case NX_I64: e = jint(((const int64_t *)d)[i]); break;
		case NX_BOOL: e = jchk(cJSON_CreateBool(((const uint8_t *)d)[i] != 0)); break;
		case NX_F64: e = jdouble(((const double *)d)[i]); break;
		case NX_I16: e = jint(((const int16_t *)d)[i]); break;
		case NX_U16: e = jint(((const uint16_t *)d)[i]); break;
		case NX_U32: e = jint(((const uint32_t *)d)[i]); break;
		case NX_U64: e = ju64(((const uint64_t *)d)[i]); break;
		default: e = jchk(cJSON_CreateNull()); break;
		}
		jput(a, NULL, e);
	}
	return a;
}

/* A float that a bare JSON number would read back as an int (see
 * natural_kind), or that JSON cannot spell as a number. */
static bool float_needs_kind(float f)
{
	return !isfinite(f) || ((double)f == floor((double)f) && fabs((double)f) <= TWO_63);
}

/* An attribute value; wrapped as {"<kind>": value} when the reader would
 * otherwise take it for another kind (docs/ir-json.md, "Attributes"). */
static cJSON *jattr(const nx_graph *g, int opkind, const nx_attr *a)
{
	const nx_attr_spec *spec = nx_attr_spec_find(opkind, nx_cstr(g, a->name));
	bool plain = true; /* what a schema-less reader gets from the bare value */
	cJSON *v = NULL;
	switch (a->kind) {
	case NX_ATTR_INT:
		v = jint(a->u.i);
		plain = int_plain(a->u.i);
		break;
	case NX_ATTR_FLOAT:
		v = jfloat(a->u.f);
		plain = !float_needs_kind(a->u.f);
		break;
	case NX_ATTR_STR:
		v = jstr(nx_cstr(g, a->u.s));
		break;
	case NX_ATTR_INTS:
		v = jarr();
		for (uint32_t i = 0; i < a->n; i++) {
			int64_t x = g->ints[a->u.off + i];
			jput(v, NULL, jint(x));
			plain &= int_plain(x);
		}
		break;
	case NX_ATTR_FLOATS: {
		v = jarr();
		bool any_frac = false;
		for (uint32_t i = 0; i < a->n; i++) {
			float x = g->floats[a->u.off + i];
			jput(v, NULL, jfloat(x));
			plain &= isfinite(x);
			any_frac |= !float_needs_kind(x);
		}
		plain &= any_frac;
		break;
	}
	}
	if (spec ? spec->kind == a->kind : plain)
		return v;
	cJSON *w = jobj();
	jput(w, nx_attr_kind_name(a->kind), v);
	return w;
}

static cJSON *jop(const nx_graph *g, uint32_t o, bool show_ids)
{
	const nx_op *p = nx_opp(g, o);
	cJSON *j = jobj(), *ins = jarr(), *outs = jarr(), *attrs = jobj(), *orig = jarr();
	jput(j, "kind", jstr(nx_op_name(g, o)));
	for (uint32_t i = 0; i < p->n_in; i++) {
		uint32_t v = nx_operand(g, o, i);
		jput(ins, NULL, v == NX_NONE ? jchk(cJSON_CreateNull()) : jstr(nx_vname(g, v)));
	}
	jput(j, "operands", ins);
	for (uint32_t i = 0; i < p->n_out; i++) {
		uint32_t v = nx_result(g, o, i);
		cJSON *r = jobj();
		jput(r, "name", jstr(nx_vname(g, v)));
		if (nx_vtype(g, v)->dtype != NX_DTYPE_UNKNOWN)
			jput(r, "type", jtype(nx_vtype(g, v)));
		jput(outs, NULL, r);
	}
	jput(j, "results", outs);
	for (uint32_t i = 0; i < p->n_attr; i++) {
		const nx_attr *a = &g->attrs[p->attr + i];
		jput(attrs, nx_cstr(g, a->name), jattr(g, p->kind, a));
	}
	jput(j, "attrs", attrs);
	for (uint32_t i = 0; i < p->n_origin; i++)
		jput(orig, NULL, jstr(nx_cstr(g, nx_op_origin(g, o)[i])));
	jput(j, "origin", orig);
	jput(j, "born", ju64(p->born));
	if (show_ids)
		jput(j, "id", ju64(o));
	return j;
}

/* The recipe of b (nx_blob_is_recipe) as a source object, {"fill": {...}}
 * or {"scaled": {"base": SOURCE, "mode": M, ["group": G,] "scale": {"data"
 * or "file"/"offset"}}}; scales inline up to inline_max unless one is a NaN
 * (its payload would not read back). NULL when the writer fails. */
static cJSON *jrecipe(const nx_blob *b, const nx_print_opts *o)
{
	cJSON *j = jobj();
	if (b->src == NX_BLOB_FILL) {
		cJSON *f = jobj();
		jput(f, "kind", jstr(nx_fill_name(b->fill)));
		if (b->fill == NX_FILL_RANDOM || b->seed)
			jput(f, "seed", ju64(b->seed));
		jput(j, "fill", f);
		return j;
	}
	cJSON *base = jrecipe(b->base, o);
	if (!base) {
		cJSON_Delete(j);
		return NULL;
	}
	cJSON *s = jobj(), *sc = jobj();
	jput(s, "base", base);
	jput(s, "mode", jstr(nx_scale_mode_name(b->mode)));
	if (b->mode == NX_SCALE_CONVT)
		jput(s, "group", ju64((uint64_t)b->group));
	jput(j, "scaled", s);
	nx_type st = {.dtype = NX_F32, .rank = 1, .dims = {b->n_scale}};
	nx_blob *tmp = nx_blob_new_copy(&st, b->scale); /* dropped below */
	const char *file;
	uint64_t off;
	if (nx_blob_scales_inline(b, o->inline_max)) {
		jput(sc, "data", jdata(tmp));
	} else if (o->store_blob(o->store_ctx, tmp, &file, &off) == 0) {
		jput(sc, "file", jstr(file));
		jput(sc, "offset", ju64(off));
	} else {
		cJSON_Delete(sc);
		cJSON_Delete(j);
		j = sc = NULL;
	}
	nx_blob_unref(tmp);
	if (sc)
		jput(s, "scale", sc);
	return j;
}

/* A constant: fill, inline data, a (file, offset) reference, or — for display
 * only, when there is no writer — a blob slot reference. NULL when the
 * writer fails. */
static cJSON *jconst(const nx_graph *g, uint32_t v, const nx_print_opts *o)
{
	nx_blob *b = nx_const_blob(g, v);
	cJSON *j = jobj();
	jput(j, "name", jstr(nx_vname(g, v)));
	jput(j, "type", jtype(nx_vtype(g, v)));
	int64_t n = nx_type_numel(&b->type);
	if (b->src == NX_BLOB_FILL) {
		cJSON *f = jobj();
		jput(f, "kind", jstr(nx_fill_name(b->fill)));
		if (b->fill == NX_FILL_RANDOM || b->seed)
			jput(f, "seed", ju64(b->seed));
		jput(j, "fill", f);
	} else if ((b->src == NX_BLOB_DATA || b->src == NX_BLOB_SCALED) && n >= 0 &&
		   n <= (int64_t)o->inline_max && nx_blob_data(b)) {
		jput(j, "data", jdata(b));
	} else if (o->store_blob && nx_blob_is_recipe(b)) {
		/* only when saving, as in the text form */
		cJSON *r = jrecipe(b, o);
		if (!r) {
			cJSON_Delete(j);
			return NULL;
		}
		cJSON *s = cJSON_DetachItemFromObject(r, "scaled");
		cJSON_Delete(r);
		jput(j, "scaled", s);
	} else if (b->src == NX_BLOB_FILE && !o->store_blob) {
		/* Keep the reference the model was read with. */
		jput(j, "file", jstr(b->path));
		jput(j, "offset", ju64(b->offset));
	} else if (o->store_blob) {
		const char *file;
		uint64_t off;
		if (o->store_blob(o->store_ctx, b, &file, &off) != 0) {
			cJSON_Delete(j);
			return NULL;
		}
		jput(j, "file", jstr(file));
		jput(j, "offset", ju64(off));
	} else {
		jput(j, "blob", ju64(g->vals[v].blob));
	}
	return j;
}

static void jb_key(nx_strbuf *b, const char *key, bool first)
{
	nx_strbuf_puts(b, first ? "\n  \"" : ",\n  \"");
	nx_strbuf_puts(b, key);
	nx_strbuf_puts(b, "\": ");
}

char *nx_json_print(const nx_graph *g, const nx_print_opts *o)
{
	if (!o)
		o = &nx_print_defaults;
	nx_strbuf b = {0};
	nx_strbuf_puts(&b, "{");
	jb_key(&b, "format", true);
	nx_strbuf_puts(&b, "\"nex-ir\"");
	jb_key(&b, "version", false);
	jb_item(&b, jint(JSON_VERSION));
	jb_key(&b, "name", false);
	jb_item(&b, jstr(nx_cstr(g, g->name)));

	jb_key(&b, "inputs", false);
	nx_strbuf_puts(&b, "[");
	for (uint32_t i = 0; i < g->n_inputs; i++) {
		uint32_t v = g->inputs[i];
		cJSON *j = jobj();
		jput(j, "name", jstr(nx_vname(g, v)));
		jput(j, "type", jtype(nx_vtype(g, v)));
		nx_strbuf_puts(&b, i ? ",\n    " : "\n    ");
		jb_item(&b, j);
	}
	nx_strbuf_puts(&b, g->n_inputs ? "\n  ]" : "]");

	jb_key(&b, "outputs", false);
	cJSON *outs = jarr();
	for (uint32_t i = 0; i < g->n_outputs; i++)
		jput(outs, NULL, jstr(nx_vname(g, g->outputs[i])));
	jb_item(&b, outs);

	/* Constants in value order: the order they were created in, which a
	 * reload keeps. */
	jb_key(&b, "consts", false);
	nx_strbuf_puts(&b, "[");
	bool any = false;
	for (uint32_t v = 0; v < g->n_vals; v++) {
		if ((g->vals[v].flags & NX_V_DEAD) || !nx_is_const(g, v) || !nx_const_blob(g, v))
			continue;
		cJSON *j = jconst(g, v, o);
		if (!j) {
			free(b.s);
			return NULL;
		}
		nx_strbuf_puts(&b, any ? ",\n    " : "\n    ");
		jb_item(&b, j);
		any = true;
	}
	nx_strbuf_puts(&b, any ? "\n  ]" : "]");

	jb_key(&b, "ops", false);
	nx_strbuf_puts(&b, "[");
	any = false;
	NX_FOR_OPS(g, op) {
		nx_strbuf_puts(&b, any ? ",\n    " : "\n    ");
		jb_item(&b, jop(g, op, o->show_ids));
		any = true;
	}
	nx_strbuf_puts(&b, any ? "\n  ]" : "]");
	nx_strbuf_puts(&b, "\n}\n");
	return b.s;
}

/* ---- locating errors in the text ---------------------------------------- */

/* Sets err to "file:line:col: msg" and the source line with a caret under
 * byte pos (pos == len: the end of the text). Columns count characters;
 * long lines are cut to a window around the column. */
static void err_at(nx_err *err, const char *file, const char *text, size_t len, size_t pos,
		   const char *msg)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t ls = 0;
	unsigned line = 1;
	for (size_t i = 0; i < pos; i++)
		if (s[i] == '\n')
			line++, ls = i + 1;
	size_t le = pos;
	while (le < len && s[le] != '\n')
		le++;
	if (le > ls && s[le - 1] == '\r' && le - 1 >= pos)
		le--;
	unsigned col = 1;
	for (size_t i = ls; i < pos; i++)
		col += (s[i] & 0xc0) != 0x80;
	/* A long line (a whole model on one) shows a window around pos, as the
	 * text parser's messages do. */
	size_t from = ls, to = le;
	if (pos - ls > 100) {
		from = pos - 70;
		while (from < pos && (s[from] & 0xc0) == 0x80)
			from++;
	}
	if (to - from > 200) {
		to = (pos > from + 130 ? pos : from + 130) + 40;
		if (to > le)
			to = le;
		while (to > pos && to < le && (s[to] & 0xc0) == 0x80)
			to--;
	}
	char src[1024], caret[400];
	size_t k = 0, c = 0;
	if (from > ls) {
		memcpy(src, "...", 3), k = 3;
		memcpy(caret, "   ", 3), c = 3;
	}
	for (size_t i = from; i < to && k + 8 < sizeof src;) {
		size_t n = nx_utf8_len(s + i, len - i);
		bool here = i < pos;
		if (n == 0 || s[i] < 0x20 || s[i] == 0x7f) {
			/* Control and invalid bytes would garble the message. */
			src[k++] = s[i] == '\t' ? '\t' : '?';
			n = 1;
		} else {
			memcpy(src + k, s + i, n);
			k += n;
		}
		if (here && c + 1 < sizeof caret)
			caret[c++] = s[i] == '\t' ? '\t' : ' ';
		i += n;
	}
	if (to < le)
		memcpy(src + k, "...", 3), k += 3;
	src[k] = 0;
	caret[c++] = '^';
	caret[c] = 0;
	nx_err_set(err, "%s:%u:%u: %s\n%s\n%s", file, line, col, msg, src, caret);
}

/* ---- loading ----------------------------------------------------------- */

typedef struct jload {
	const char *file;
	nx_fileroot root; /* where "file" references resolve */
	nx_err *err;
	nx_graph *g;
	char where[384]; /* the element being read, "ops[12] (conv, result "c3")" */
} jload;

static int fail(jload *c, const char *fmt, ...) NX_PRINTF(2, 3);

static int fail(jload *c, const char *fmt, ...)
{
	char msg[1536];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (c->where[0])
		nx_err_set(c->err, "%s: %s: %s", c->file, c->where, msg);
	else
		nx_err_set(c->err, "%s: %s", c->file, msg);
	return -1;
}

/* Bytes of s to show in a message: at most max, cut on a character edge. */
static int clip(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n <= max)
		return (int)n;
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	return (int)max;
}

/* What a JSON value is, for "expected X, got Y". */
static const char *desc(const cJSON *v, char *buf, size_t n)
{
	if (!v)
		return "nothing";
	if (cJSON_IsNumber(v))
		snprintf(buf, n, "%.15g", v->valuedouble);
	else if (cJSON_IsString(v))
		snprintf(buf, n, "\"%.*s\"%s", clip(v->valuestring, 40), v->valuestring,
			 strlen(v->valuestring) > 40 ? "..." : "");
	else
		snprintf(buf, n, "%s", cJSON_IsArray(v) ? "an array" : cJSON_IsObject(v) ? "an object"
				       : cJSON_IsTrue(v) ? "true" : cJSON_IsFalse(v) ? "false"
				       : "null");
	return buf;
}

static const cJSON *member(const cJSON *o, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(o, key);
}

/* Every key of o must be one of keys (NULL-terminated), once. */
static int check_keys(jload *c, const cJSON *o, const char *const *keys)
{
	for (const cJSON *m = o->child; m; m = m->next) {
		bool known = false;
		for (int i = 0; keys[i]; i++)
			known |= !strcmp(keys[i], m->string);
		if (!known) {
			char list[256];
			size_t k = 0;
			for (int i = 0; keys[i] && k < sizeof list; i++)
				k += (size_t)snprintf(list + k, sizeof list - k, "%s%s", i ? ", " : "",
						      keys[i]);
			return fail(c, "unknown key \"%s\" (expected %s)", m->string, list);
		}
		for (const cJSON *p = o->child; p != m; p = p->next)
			if (!strcmp(p->string, m->string))
				return fail(c, "key \"%s\" appears twice", m->string);
	}
	return 0;
}

/* An integer: a JSON number with no fraction (exact up to 2^53; 2^63, which
 * 9223372036854775807 rounds to, reads as INT64_MAX) or a string of decimal
 * digits, the form the printer uses past 2^53. */
static int get_i64(jload *c, const cJSON *v, const char *what, int64_t *out)
{
	char buf[64];
	if (cJSON_IsNumber(v)) {
		double d = v->valuedouble;
		if (!isfinite(d) || d != floor(d))
			return fail(c, "%s: expected an integer, got %s", what, desc(v, buf, sizeof buf));
		if (d > TWO_63 || d < -TWO_63)
			return fail(c, "%s: integer %s is out of range (int64)", what,
				    desc(v, buf, sizeof buf));
		*out = d == TWO_63 ? INT64_MAX : (int64_t)d;
		return 0;
	}
	if (cJSON_IsString(v)) {
		const char *s = v->valuestring;
		const char *q = s + (*s == '-');
		bool digits = *q != 0;
		for (; *q; q++)
			digits &= *q >= '0' && *q <= '9';
		if (digits) {
			errno = 0;
			long long x = strtoll(s, NULL, 10);
			if (errno == ERANGE)
				return fail(c, "%s: integer %s is out of range (int64)", what, s);
			*out = x;
			return 0;
		}
	}
	return fail(c, "%s: expected an integer, got %s", what, desc(v, buf, sizeof buf));
}

static int get_range(jload *c, const cJSON *v, const char *what, int64_t lo, int64_t hi,
		     int64_t *out)
{
	if (get_i64(c, v, what, out))
		return -1;
	if (*out < lo || *out > hi)
		return fail(c, "%s: %lld is out of range (%lld to %lld)", what, (long long)*out,
			    (long long)lo, (long long)hi);
	return 0;
}

static int get_u64(jload *c, const cJSON *v, const char *what, uint64_t *out)
{
	if (cJSON_IsString(v) && v->valuestring[0] >= '0' && v->valuestring[0] <= '9') {
		/* Seeds use the whole 64 bits: past INT64_MAX as unsigned. */
		const char *s = v->valuestring, *q = s;
		while (*q >= '0' && *q <= '9')
			q++;
		errno = 0;
		unsigned long long x = strtoull(s, NULL, 10);
		if (!*q && errno != ERANGE) {
			*out = x;
			return 0;
		}
	}
	int64_t x;
	if (get_range(c, v, what, 0, INT64_MAX, &x))
		return -1;
	*out = (uint64_t)x;
	return 0;
}

/* A float: a JSON number (rounded to float32; out of its range is an error)
 * or one of the strings "inf", "-inf", "nan". */
static int get_float(jload *c, const cJSON *v, const char *what, float *out)
{
	char buf[64];
	if (cJSON_IsNumber(v)) {
		double d = v->valuedouble;
		if (!isfinite(d) || fabs(d) >= FLT_ROUND_MAX)
			return fail(c, "%s: %s is out of range for a float32", what,
				    desc(v, buf, sizeof buf));
		/* Between FLT_MAX and the rounding limit C leaves the cast
		 * undefined; IEEE rounds to FLT_MAX, so say it. */
		if (fabs(d) > FLT_MAX)
			*out = d > 0 ? FLT_MAX : -FLT_MAX;
		else
			*out = (float)d;
		return 0;
	}
	if (cJSON_IsString(v)) {
		const char *s = v->valuestring;
		if (!strcmp(s, "inf") || !strcmp(s, "-inf")) {
			*out = s[0] == '-' ? -INFINITY : INFINITY;
			return 0;
		}
		if (!strcmp(s, "nan")) {
			*out = NAN;
			return 0;
		}
	}
	return fail(c, "%s: expected a number (or \"inf\", \"-inf\", \"nan\"), got %s", what,
		    desc(v, buf, sizeof buf));
}

static int get_double(jload *c, const cJSON *v, const char *what, double *out)
{
	char buf[64];
	if (cJSON_IsNumber(v)) {
		*out = v->valuedouble;
		return 0;
	}
	if (cJSON_IsString(v)) {
		const char *s = v->valuestring;
		if (!strcmp(s, "inf") || !strcmp(s, "-inf") || !strcmp(s, "nan")) {
			*out = s[0] == 'n' ? NAN : s[0] == '-' ? -INFINITY : INFINITY;
			return 0;
		}
	}
	return fail(c, "%s: expected a number (or \"inf\", \"-inf\", \"nan\"), got %s", what,
		    desc(v, buf, sizeof buf));
}

static int get_type(jload *c, const cJSON *v, const char *what, nx_type *t)
{
	static const char *const keys[] = {"dtype", "shape", "layout", NULL};
	char buf[64], sub[64];
	if (!cJSON_IsObject(v))
		return fail(c, "%s: expected an object {\"dtype\", \"shape\", \"layout\"}, got %s",
			    what, desc(v, buf, sizeof buf));
	size_t wl = strlen(c->where);
	snprintf(c->where + wl, sizeof c->where - wl, "%s%s", wl ? ": " : "", what);
	int rc = -1;
	if (check_keys(c, v, keys))
		goto out;
	const cJSON *dt = member(v, "dtype"), *sh = member(v, "shape"), *lay = member(v, "layout");
	memset(t, 0, sizeof *t);
	int d = cJSON_IsString(dt) ? nx_dtype_parse(dt->valuestring, strlen(dt->valuestring)) : -1;
	if (d < 0) {
		char list[128];
		size_t k = 0;
		for (int i = 0; i < NX_DTYPE_COUNT; i++)
			k += (size_t)snprintf(list + k, sizeof list - k, "%s%s", i ? ", " : "",
					      nx_dtype_name(i));
		if (!dt)
			fail(c, "missing \"dtype\" (%s)", list);
		else
			fail(c, "dtype: %s is not one of %s", desc(dt, buf, sizeof buf), list);
		goto out;
	}
	t->dtype = (uint8_t)d;
	if (!cJSON_IsArray(sh)) {
		fail(c, "shape: expected an array of dims, got %s", desc(sh, buf, sizeof buf));
		goto out;
	}
	int rank = cJSON_GetArraySize(sh);
	if (rank > NX_MAX_RANK) {
		fail(c, "shape: rank %d is more than nex allows (%d)", rank, NX_MAX_RANK);
		goto out;
	}
	t->rank = (uint8_t)rank;
	int i = 0;
	for (const cJSON *e = sh->child; e; e = e->next, i++) {
		snprintf(sub, sizeof sub, "shape[%d]", i);
		if (get_i64(c, e, sub, &t->dims[i]))
			goto out;
		if (t->dims[i] <= 0) {
			fail(c, "%s: dim %lld must be at least 1 (nex shapes are static)", sub,
			     (long long)t->dims[i]);
			goto out;
		}
	}
	if (nx_type_bytes(t) < 0) {
		char ts[160];
		nx_type_str(t, ts, sizeof ts);
		fail(c, "shape: %s has more bytes than fit in 64 bits", ts);
		goto out;
	}
	if (lay) {
		int l = cJSON_IsString(lay) ? nx_layout_parse(lay->valuestring, strlen(lay->valuestring))
					    : -1;
		if (l < 0) {
			fail(c, "layout: %s is not one of plain, nhwc, ne", desc(lay, buf, sizeof buf));
			goto out;
		}
		t->layout = (uint8_t)l;
	}
	rc = 0;
out:
	c->where[wl] = 0;
	return rc;
}

/* Where a name is defined, for "already defined" messages. */
static const char *defined_as(const nx_graph *g, uint32_t v, char *buf, size_t n)
{
	const nx_value *p = nx_val(g, v);
	if (p->flags & NX_V_INPUT)
		return "a graph input";
	if (p->blob != NX_NONE)
		return "a constant";
	if (p->producer != NX_NONE) {
		snprintf(buf, n, "a result of a %s op", nx_op_name(g, p->producer));
		return buf;
	}
	return "a value";
}

/* A new value's name: a non-empty string not yet taken. */
static int get_name(jload *c, const cJSON *v, const char *what, const char **out)
{
	char buf[64];
	if (!v)
		return fail(c, "missing \"%s\"", what);
	if (!cJSON_IsString(v))
		return fail(c, "%s: expected a string, got %s", what, desc(v, buf, sizeof buf));
	if (!v->valuestring[0])
		return fail(c, "%s: empty name", what);
	uint32_t old = nx_value_by_name(c->g, v->valuestring, strlen(v->valuestring));
	if (old != NX_NONE)
		return fail(c, "%s: \"%s\" is already defined (as %s)", what, v->valuestring,
			    defined_as(c->g, old, buf, sizeof buf));
	*out = v->valuestring;
	return 0;
}

/* Sets c->where for element i of array `what`, naming it by its "name". */
static void where_named(jload *c, const char *what, int i, const cJSON *e)
{
	const cJSON *n = cJSON_IsObject(e) ? member(e, "name") : NULL;
	if (cJSON_IsString(n))
		snprintf(c->where, sizeof c->where, "%s[%d] (\"%.*s\")", what, i,
			 clip(n->valuestring, 200), n->valuestring);
	else
		snprintf(c->where, sizeof c->where, "%s[%d]", what, i);
}

static int load_input(jload *c, const cJSON *e)
{
	static const char *const keys[] = {"name", "type", NULL};
	char buf[64];
	if (!cJSON_IsObject(e))
		return fail(c, "expected an object {\"name\", \"type\"}, got %s", desc(e, buf, sizeof buf));
	if (check_keys(c, e, keys))
		return -1;
	const char *name;
	nx_type t;
	if (get_name(c, member(e, "name"), "name", &name))
		return -1;
	if (!member(e, "type"))
		return fail(c, "missing \"type\"");
	if (get_type(c, member(e, "type"), "type", &t))
		return -1;
	uint32_t v = nx_value_new(c->g, name, nx_type_intern(c->g, &t), c->err);
	if (v == NX_NONE)
		return fail(c, "%s", c->err->msg);
	nx_graph_add_input(c->g, v);
	return 0;
}

static nx_blob *load_data(jload *c, const cJSON *d, const nx_type *t)
{
	char buf[64], sub[48];
	if (!cJSON_IsArray(d)) {
		fail(c, "data: expected an array of numbers, got %s", desc(d, buf, sizeof buf));
		return NULL;
	}
	int64_t n = nx_type_numel(t);
	int64_t got = cJSON_GetArraySize(d);
	if (got != n) {
		nx_type_str(t, buf, sizeof buf);
		fail(c, "data: %lld element%s for %s, which holds %lld", (long long)got,
		     got == 1 ? "" : "s", buf, (long long)n);
		return NULL;
	}
	void *p = nx_xcalloc((size_t)n, nx_dtype_size(t->dtype));
	int64_t i = 0;
	for (const cJSON *e = d->child; e; e = e->next, i++) {
		snprintf(sub, sizeof sub, "data[%lld]", (long long)i);
		float f;
		int64_t x;
		switch (t->dtype) {
		case NX_F32:
		case NX_F16:
		case NX_BF16:
			if (get_float(c, e, sub, &f))
				goto bad;
			if (t->dtype == NX_F32)
				((float *)p)[i] = f;
			else if (t->dtype == NX_F16)
				((uint16_t *)p)[i] = nx_f32_to_f16(f);
			else
				((uint16_t *)p)[i] = nx_f32_to_bf16(f);
			break;
		case NX_I8:
			if (get_range(c, e, sub, INT8_MIN, INT8_MAX, &x))
				goto bad;
			((int8_t *)p)[i] = (int8_t)x;
			break;
		case NX_U8:
			if (get_range(c, e, sub, 0, UINT8_MAX, &x))
				goto bad;
			((uint8_t *)p)[i] = (uint8_t)x;
			break;
		case NX_I32:
			if (get_range(c, e, sub, INT32_MIN, INT32_MAX, &x))
				goto bad;
			((int32_t *)p)[i] = (int32_t)x;
			break;
		case NX_I64:
			if (get_i64(c, e, sub, &x))
				goto bad;
			((int64_t *)p)[i] = x;
			break;
		case NX_F64:
			if (get_double(c, e, sub, &((double *)p)[i]))
				goto bad;
			break;
		case NX_I16:
			if (get_range(c, e, sub, INT16_MIN, INT16_MAX, &x))
				goto bad;
			((int16_t *)p)[i] = (int16_t)x;
			break;
		case NX_U16:
			if (get_range(c, e, sub, 0, UINT16_MAX, &x))
				goto bad;
			((uint16_t *)p)[i] = (uint16_t)x;
			break;
		case NX_U32:
			if (get_range(c, e, sub, 0, UINT32_MAX, &x))
				goto bad;
			((uint32_t *)p)[i] = (uint32_t)x;
			break;
		case NX_U64:
			if (get_u64(c, e, sub, &((uint64_t *)p)[i]))
				goto bad;
			break;
		case NX_BOOL:
			if (cJSON_IsBool(e)) {
				x = cJSON_IsTrue(e);
			} else if (!cJSON_IsNumber(e) || get_range(c, e, sub, 0, 1, &x)) {
				fail(c, "%s: expected true or false, got %s", sub, desc(e, buf, sizeof buf));
				goto bad;
			}
			((uint8_t *)p)[i] = (uint8_t)x;
			break;
		}
	}
	return nx_blob_new_data(t, p);
bad:
	free(p);
	return NULL;
}

static nx_blob *load_fill(jload *c, const cJSON *f, const nx_type *t)
{
	static const char *const keys[] = {"kind", "seed", NULL};
	char buf[64];
	if (!cJSON_IsObject(f)) {
		fail(c, "fill: expected an object {\"kind\", \"seed\"}, got %s", desc(f, buf, sizeof buf));
		return NULL;
	}
	size_t wl = strlen(c->where);
	snprintf(c->where + wl, sizeof c->where - wl, ": fill");
	nx_blob *b = NULL;
	const cJSON *k = member(f, "kind"), *s = member(f, "seed");
	int kind = cJSON_IsString(k) ? nx_fill_parse(k->valuestring, strlen(k->valuestring)) : -1;
	uint64_t seed = 0;
	if (check_keys(c, f, keys))
		goto out;
	if (kind < 0) {
		fail(c, "kind: %s is not one of random, zeros, ones", desc(k, buf, sizeof buf));
		goto out;
	}
	if (s && get_u64(c, s, "seed", &seed))
		goto out;
	b = nx_blob_new_fill(t, kind, seed);
out:
	c->where[wl] = 0;
	return b;
}

static nx_blob *load_source(jload *c, const cJSON *e, const nx_type *t, int depth);

/* "scaled": {"base": SOURCE, "mode": M, ["group": G,] "scale": {"data" or
 * "file"/"offset"}}: base has the constant's type (f32), the scales are
 * f32[c], c from the mode (nx_scale_count). */
static nx_blob *load_scaled(jload *c, const cJSON *s, const nx_type *t, int depth)
{
	static const char *const keys[] = {"base", "mode", "group", "scale", NULL};
	static const char *const base_keys[] = {"fill", "data", "file", "offset", "scaled", NULL};
	static const char *const scale_keys[] = {"data", "file", "offset", NULL};
	char buf[64], tdesc[160];
	if (!cJSON_IsObject(s)) {
		fail(c, "scaled: expected an object {\"base\", \"mode\", \"scale\"}, got %s",
		     desc(s, buf, sizeof buf));
		return NULL;
	}
	size_t wl = strlen(c->where);
	snprintf(c->where + wl, sizeof c->where - wl, ": scaled");
	nx_blob *b = NULL, *base = NULL, *sc = NULL;
	const cJSON *bs = member(s, "base"), *m = member(s, "mode"), *gr = member(s, "group");
	const cJSON *so = member(s, "scale");
	int mode = cJSON_IsString(m) ? nx_scale_mode_parse(m->valuestring, strlen(m->valuestring))
				      : -1;
	uint64_t group = 1;
	if (check_keys(c, s, keys))
		goto out;
	if (depth >= NX_SCALED_DEPTH) {
		fail(c, "nested more than %d deep", NX_SCALED_DEPTH);
		goto out;
	}
	nx_type_str(t, tdesc, sizeof tdesc);
	if (t->dtype != NX_F32) {
		fail(c, "holds f32 data, not %s", tdesc);
		goto out;
	}
	if (!cJSON_IsObject(bs) || !cJSON_IsObject(so)) {
		fail(c, "needs \"base\" and \"scale\", each an object");
		goto out;
	}
	if (mode < 0) {
		fail(c, "mode: %s is not one of outer, inner, convt", desc(m, buf, sizeof buf));
		goto out;
	}
	if (gr && get_u64(c, gr, "group", &group))
		goto out;
	if (gr && mode != NX_SCALE_CONVT) {
		fail(c, "\"group\" goes with mode \"convt\" only");
		goto out;
	}
	int64_t n = group <= INT64_MAX ? nx_scale_count(t, mode, (int64_t)group) : -1;
	if (n < 0) {
		fail(c, "mode %s%s does not fit %s", nx_scale_mode_name(mode),
		     mode == NX_SCALE_CONVT ? " with this group" : "", tdesc);
		goto out;
	}
	if (check_keys(c, bs, base_keys) || !(base = load_source(c, bs, t, depth + 1)))
		goto out;
	nx_type st = {.dtype = NX_F32, .rank = 1, .dims = {n}};
	if (check_keys(c, so, scale_keys) || !(sc = load_source(c, so, &st, depth + 1)))
		goto out;
	b = nx_blob_new_scaled(base, nx_blob_data(sc), n, mode, (int64_t)group);
out:
	nx_blob_unref(base); /* b holds its own reference */
	nx_blob_unref(sc);
	c->where[wl] = 0;
	return b;
}

/* One of "fill", "data", "file" (+ "offset"), "scaled" in e, read for type
 * t. NULL with the error set. */
static nx_blob *load_source(jload *c, const cJSON *e, const nx_type *t, int depth)
{
	char buf[64];
	const cJSON *fill = member(e, "fill"), *data = member(e, "data"), *file = member(e, "file");
	const cJSON *off = member(e, "offset"), *scaled = member(e, "scaled");
	if ((fill != NULL) + (data != NULL) + (file != NULL) + (scaled != NULL) != 1) {
		fail(c, "needs exactly one of \"fill\", \"data\", \"file\", \"scaled\"");
		return NULL;
	}
	if (off && !file) {
		fail(c, "\"offset\" goes with \"file\"");
		return NULL;
	}
	if (fill)
		return load_fill(c, fill, t);
	if (data)
		return load_data(c, data, t);
	if (scaled)
		return load_scaled(c, scaled, t, depth);
	uint64_t o = 0;
	if (!cJSON_IsString(file) || !file->valuestring[0]) {
		fail(c, "file: expected a file name, got %s", desc(file, buf, sizeof buf));
		return NULL;
	}
	if (off && get_u64(c, off, "offset", &o))
		return NULL;
	/* fail() names the constant already */
	nx_blob *b = nx_blob_new_file(t, &c->root, file->valuestring, o, "", c->err);
	if (!b)
		fail(c, "%s", c->err->msg);
	return b;
}

static int load_const(jload *c, const cJSON *e)
{
	static const char *const keys[] = {"name", "type", "fill", "data", "file", "offset",
					   "scaled", "blob", NULL};
	char buf[64];
	if (!cJSON_IsObject(e))
		return fail(c, "expected an object {\"name\", \"type\", ...}, got %s",
			    desc(e, buf, sizeof buf));
	if (check_keys(c, e, keys))
		return -1;
	const char *name;
	nx_type t;
	if (get_name(c, member(e, "name"), "name", &name))
		return -1;
	if (!member(e, "type"))
		return fail(c, "missing \"type\"");
	if (get_type(c, member(e, "type"), "type", &t))
		return -1;
	const cJSON *blob = member(e, "blob");
	if (blob)
		return fail(c, "blob: a reference to blob #%s of a graph in memory (display form); "
			    "this file does not hold the data: write models with nx_save or "
			    "`nex convert`", desc(blob, buf, sizeof buf));
	nx_blob *b = load_source(c, e, &t, 0);
	if (!b)
		return -1;
	uint32_t v = nx_const_new(c->g, name, b, c->err);
	if (v == NX_NONE)
		return fail(c, "%s", c->err->msg);
	if (t.layout != NX_LAYOUT_PLAIN)
		nx_value_set_type(c->g, v, &t); /* blobs are plain; the value keeps its tag */
	return 0;
}

/* The kind a bare attribute value reads as when no schema names it: a
 * string, a whole number (int), any other number (float), an array of whole
 * numbers (ints, also the empty array) or of numbers (floats). -1: none. */
static int natural_kind(const cJSON *v)
{
	if (cJSON_IsString(v))
		return NX_ATTR_STR;
	if (cJSON_IsNumber(v))
		return v->valuedouble == floor(v->valuedouble) && fabs(v->valuedouble) <= TWO_63
			       ? NX_ATTR_INT : NX_ATTR_FLOAT;
	if (!cJSON_IsArray(v))
		return -1;
	int kind = NX_ATTR_INTS;
	for (const cJSON *e = v->child; e; e = e->next) {
		int k = natural_kind(e);
		if (k == NX_ATTR_FLOAT)
			kind = NX_ATTR_FLOATS;
		else if (k != NX_ATTR_INT)
			return -1;
	}
	return kind;
}

static int load_attr(jload *c, uint32_t o, int opkind, const cJSON *a)
{
	char what[300], buf[64];
	const char *name = a->string;
	snprintf(what, sizeof what, "attribute \"%.*s\"", clip(name, 200), name);
	if (!name[0])
		return fail(c, "attribute with an empty name");
	const nx_attr_spec *spec = nx_attr_spec_find(opkind, name);
	int kind = spec ? spec->kind : -1;
	const cJSON *v = a;
	if (cJSON_IsObject(a)) {
		/* {"<kind>": value}: the kind written out (docs/ir-json.md). */
		const cJSON *m = a->child;
		kind = -1;
		for (int k = 0; m && !m->next && k < NX_ATTR_KIND_COUNT; k++)
			if (!strcmp(m->string, nx_attr_kind_name(k)))
				kind = k;
		if (kind < 0)
			return fail(c, "%s: an object must be {\"<kind>\": value} with kind one of "
				    "int, float, string, ints, floats", what);
		v = m;
	} else if (kind < 0) {
		kind = natural_kind(v);
		if (kind < 0)
			return fail(c, "%s: expected a number, string or array of numbers, got %s",
				    what, desc(v, buf, sizeof buf));
	}
	switch (kind) {
	case NX_ATTR_INT: {
		int64_t x;
		if (get_i64(c, v, what, &x))
			return -1;
		nx_attr_set_i(c->g, o, name, x);
		return 0;
	}
	case NX_ATTR_FLOAT: {
		float f;
		if (get_float(c, v, what, &f))
			return -1;
		nx_attr_set_f(c->g, o, name, f);
		return 0;
	}
	case NX_ATTR_STR:
		if (!cJSON_IsString(v))
			return fail(c, "%s: expected a string, got %s", what, desc(v, buf, sizeof buf));
		nx_attr_set_s(c->g, o, name, v->valuestring);
		return 0;
	}
	/* Lists. */
	const char *noun = kind == NX_ATTR_INTS ? "integers" : "numbers";
	if (!cJSON_IsArray(v))
		return fail(c, "%s: expected an array of %s, got %s", what, noun,
			    desc(v, buf, sizeof buf));
	int n = cJSON_GetArraySize(v), i = 0;
	int64_t *iv = kind == NX_ATTR_INTS ? nx_xmalloc((size_t)n * sizeof *iv + 1) : NULL;
	float *fv = kind == NX_ATTR_FLOATS ? nx_xmalloc((size_t)n * sizeof *fv + 1) : NULL;
	int rc = 0;
	for (const cJSON *e = v->child; e && !rc; e = e->next, i++) {
		char sub[340];
		snprintf(sub, sizeof sub, "%s[%d]", what, i);
		rc = iv ? get_i64(c, e, sub, &iv[i]) : get_float(c, e, sub, &fv[i]);
	}
	if (!rc && iv)
		nx_attr_set_ints(c->g, o, name, iv, (uint32_t)n);
	else if (!rc)
		nx_attr_set_floats(c->g, o, name, fv, (uint32_t)n);
	free(iv);
	free(fv);
	return rc;
}

/* Is name a result of this op or one listed after it? Tells "used before
 * its definition" (ops out of schedule order) from "undefined". */
static bool defined_later(const cJSON *op, const char *name)
{
	for (; op; op = op->next) {
		const cJSON *rs = cJSON_IsObject(op) ? member(op, "results") : NULL;
		for (const cJSON *r = cJSON_IsArray(rs) ? rs->child : NULL; r; r = r->next) {
			const cJSON *n = cJSON_IsObject(r) ? member(r, "name") : NULL;
			if (cJSON_IsString(n) && !strcmp(n->valuestring, name))
				return true;
		}
	}
	return false;
}

/* Names the op as the text form would, by kind and first result, for every
 * message about it: "ops[12] (conv, result "c3")". */
static void where_op(jload *c, const cJSON *e, int idx)
{
	const cJSON *jk = cJSON_IsObject(e) ? member(e, "kind") : NULL;
	const cJSON *jr = cJSON_IsObject(e) ? member(e, "results") : NULL;
	const cJSON *r0 = cJSON_IsArray(jr) && cJSON_IsObject(jr->child) ? member(jr->child, "name")
									  : NULL;
	int n = snprintf(c->where, sizeof c->where, "ops[%d]", idx);
	char *w = c->where + n;
	size_t left = sizeof c->where - (size_t)n;
	if (cJSON_IsString(jk) && cJSON_IsString(r0))
		snprintf(w, left, " (%.*s, result \"%.*s\")", clip(jk->valuestring, 60),
			 jk->valuestring, clip(r0->valuestring, 200), r0->valuestring);
	else if (cJSON_IsString(jk))
		snprintf(w, left, " (%.*s)", clip(jk->valuestring, 60), jk->valuestring);
	else if (cJSON_IsString(r0))
		snprintf(w, left, " (result \"%.*s\")", clip(r0->valuestring, 200), r0->valuestring);
}

/* The operand list into in[] (info->in_max entries at most, checked). e is
 * the op, for telling a forward reference from an undefined name. */
static int load_operands(jload *c, const cJSON *e, const nx_opinfo *info, uint32_t **in,
			 int *n_in)
{
	char buf[64], sub[48];
	const cJSON *jin = member(e, "operands");
	if (!cJSON_IsArray(jin))
		return fail(c, "operands: expected an array of value names, got %s",
			    desc(jin, buf, sizeof buf));
	int n = cJSON_GetArraySize(jin);
	nx_err ce;
	if (n > UINT16_MAX) /* what an op's 16-bit operand count holds */
		return fail(c, "%d operands: an op takes at most %d", n, UINT16_MAX);
	if (nx_check_count((int)(info - nx_ops), false, (uint32_t)n, &ce))
		return fail(c, "%s", ce.msg);
	uint32_t *v = nx_xmalloc((size_t)n * sizeof *v + 1);
	int i = 0;
	for (const cJSON *x = jin->child; x; x = x->next, i++) {
		snprintf(sub, sizeof sub, "operands[%d]", i);
		if (cJSON_IsNull(x)) {
			if (!nx_check_absent((int)(info - nx_ops), (uint32_t)i, &ce)) {
				v[i] = NX_NONE;
				continue;
			}
			fail(c, "%s: %s", sub, ce.msg);
			goto bad;
		}
		if (!cJSON_IsString(x)) {
			fail(c, "%s: expected a value name or null, got %s", sub,
			     desc(x, buf, sizeof buf));
			goto bad;
		}
		v[i] = nx_value_by_name(c->g, x->valuestring, strlen(x->valuestring));
		if (v[i] != NX_NONE)
			continue;
		if (defined_later(e, x->valuestring))
			fail(c, "%s: \"%s\" is used before its definition (ops must be listed in "
			     "schedule order)", sub, x->valuestring);
		else
			fail(c, "%s: undefined value \"%s\"", sub, x->valuestring);
		goto bad;
	}
	*in = v;
	*n_in = n;
	return 0;
bad:
	free(v);
	return -1;
}

/* What an op's "results" declare: names, and types where given. */
typedef struct jresults {
	int n;
	const char *names[NX_VARIADIC];
	nx_type types[NX_VARIADIC];
	bool typed[NX_VARIADIC];
} jresults;

static int load_results(jload *c, const cJSON *e, const nx_opinfo *info, jresults *r)
{
	static const char *const keys[] = {"name", "type", NULL};
	char buf[64], sub[48];
	const cJSON *jr = member(e, "results");
	if (!cJSON_IsArray(jr))
		return fail(c, "results: expected an array of {\"name\", \"type\"}, got %s",
			    desc(jr, buf, sizeof buf));
	r->n = cJSON_GetArraySize(jr);
	if (r->n > NX_VARIADIC) /* what an op's 8-bit result count holds */
		return fail(c, "%d results: an op gives at most %d", r->n, NX_VARIADIC);
	nx_err ce;
	if (nx_check_count((int)(info - nx_ops), true, (uint32_t)r->n, &ce))
		return fail(c, "%s", ce.msg);
	int i = 0;
	for (const cJSON *x = jr->child; x; x = x->next, i++) {
		snprintf(sub, sizeof sub, "results[%d]", i);
		if (!cJSON_IsObject(x))
			return fail(c, "%s: expected an object {\"name\", \"type\"}, got %s", sub,
				    desc(x, buf, sizeof buf));
		size_t wl = strlen(c->where);
		snprintf(c->where + wl, sizeof c->where - wl, ": %s", sub);
		const cJSON *t = member(x, "type");
		int bad = check_keys(c, x, keys) || get_name(c, member(x, "name"), "name", &r->names[i]);
		r->typed[i] = t != NULL;
		if (!bad && t)
			bad = get_type(c, t, "type", &r->types[i]);
		for (int j = 0; !bad && j < i; j++)
			if (!strcmp(r->names[j], r->names[i]))
				bad = fail(c, "name: \"%s\" is already defined (as results[%d])",
					   r->names[i], j);
		c->where[wl] = 0;
		if (bad)
			return -1;
	}
	return 0;
}

static int load_origin(jload *c, uint32_t o, const cJSON *jo)
{
	char buf[64];
	if (!cJSON_IsArray(jo)) /* any length: origins have no cap (nx_op.n_origin) */
		return fail(c, "origin: expected an array of source node names, got %s",
			    desc(jo, buf, sizeof buf));
	uint32_t n = 0, *sids = nx_xmalloc((size_t)cJSON_GetArraySize(jo) * 4 + 4);
	for (const cJSON *x = jo->child; x; x = x->next) {
		if (!cJSON_IsString(x)) {
			free(sids);
			return fail(c, "origin[%u]: expected a string, got %s", n,
				    desc(x, buf, sizeof buf));
		}
		sids[n++] = nx_str(c->g, x->valuestring);
	}
	nx_op_set_origin(c->g, o, sids, n);
	free(sids);
	return 0;
}

/* Types come from inference; declared ones must agree with it in dtype and
 * dims (the layout tag is a pass's decision, kept as declared). */
static int infer_types(jload *c, uint32_t o, const jresults *r)
{
	nx_graph *g = c->g;
	for (int i = 0; i < r->n; i++)
		if (r->typed[i])
			nx_value_set_type(g, nx_result(g, o, i), &r->types[i]);
	if (nx_infer_op(g, o, c->err)) {
		nx_err_prefix(c->err, "%s: %s: ", c->file, c->where);
		return -1;
	}
	for (int i = 0; i < r->n; i++) {
		uint32_t v = nx_result(g, o, i);
		const nx_type *got = nx_vtype(g, v);
		if (got->dtype == NX_DTYPE_UNKNOWN)
			return fail(c, "result \"%s\" has no type and none was inferred", r->names[i]);
		if (!r->typed[i])
			continue;
		nx_err e;
		if (nx_check_declared(r->names[i], &r->types[i], got, &e))
			return fail(c, "%s", e.msg);
		nx_value_set_type(g, v, &r->types[i]);
	}
	return 0;
}

static int load_op(jload *c, const cJSON *e, int idx)
{
	static const char *const keys[] = {"kind", "operands", "results", "attrs", "origin",
					   "born", "id", NULL};
	char buf[64];
	where_op(c, e, idx);
	if (!cJSON_IsObject(e))
		return fail(c, "expected an object {\"kind\", \"operands\", \"results\", ...}, got %s",
			    desc(e, buf, sizeof buf));
	if (check_keys(c, e, keys))
		return -1;
	const cJSON *jk = member(e, "kind");
	if (!jk)
		return fail(c, "missing \"kind\"");
	if (!cJSON_IsString(jk))
		return fail(c, "kind: expected a string, got %s", desc(jk, buf, sizeof buf));
	int kind = nx_op_lookup(jk->valuestring, strlen(jk->valuestring));
	if (kind < 0)
		return fail(c, "unknown op kind \"%s\"", jk->valuestring);
	const cJSON *ja = member(e, "attrs"), *jo = member(e, "origin"), *jb = member(e, "born");
	if (ja && !cJSON_IsObject(ja))
		return fail(c, "attrs: expected an object, got %s", desc(ja, buf, sizeof buf));

	uint32_t *in = NULL;
	int n_in = 0, rc = -1;
	jresults *r = nx_xmalloc(sizeof *r); /* ~20 KB: not on the stack */
	if (load_operands(c, e, &nx_ops[kind], &in, &n_in))
		goto out;
	if (load_results(c, e, &nx_ops[kind], r))
		goto out;
	uint32_t o = nx_op_new(c->g, kind, in, (uint32_t)n_in, (uint32_t)r->n, r->names, NX_NONE,
			       c->err);
	if (o == NX_NONE) {
		fail(c, "%s", c->err->msg);
		goto out;
	}
	for (const cJSON *a = ja ? ja->child : NULL; a; a = a->next) {
		for (const cJSON *p = ja->child; p != a; p = p->next)
			if (!strcmp(p->string, a->string)) {
				fail(c, "attribute \"%s\" appears twice", a->string);
				goto out;
			}
		if (load_attr(c, o, kind, a))
			goto out;
	}
	if (jo && load_origin(c, o, jo))
		goto out;
	if (jb) {
		int64_t born = 0;
		if (get_range(c, jb, "born", 0, UINT32_MAX, &born))
			goto out;
		c->g->ops[o].born = (uint32_t)born;
	}
	rc = infer_types(c, o, r);
out:
	free(in);
	free(r);
	return rc;
}

/* Loads the elements of the (optional) array under key with fn. */
static int load_list(jload *c, const cJSON *root, const char *key,
		     int (*fn)(jload *, const cJSON *))
{
	char buf[64];
	const cJSON *a = member(root, key);
	c->where[0] = 0;
	if (!a)
		return 0;
	if (!cJSON_IsArray(a))
		return fail(c, "%s: expected an array, got %s", key, desc(a, buf, sizeof buf));
	int i = 0;
	for (const cJSON *e = a->child; e; e = e->next, i++) {
		where_named(c, key, i, e);
		if (fn(c, e))
			return -1;
	}
	c->where[0] = 0;
	return 0;
}

static int load_graph(jload *c, const cJSON *root)
{
	static const char *const keys[] = {"format", "version", "name", "inputs", "outputs",
					   "consts", "ops", NULL};
	char buf[64];
	if (!cJSON_IsObject(root))
		return fail(c, "expected a JSON object {\"format\": \"nex-ir\", ...} at the top, got %s",
			    desc(root, buf, sizeof buf));
	if (check_keys(c, root, keys))
		return -1;
	const cJSON *f = member(root, "format"), *ver = member(root, "version");
	if (!cJSON_IsString(f) || strcmp(f->valuestring, "nex-ir"))
		return fail(c, "format: expected \"nex-ir\", got %s", desc(f, buf, sizeof buf));
	int64_t version;
	if (!ver)
		return fail(c, "missing \"version\"");
	if (get_i64(c, ver, "version", &version))
		return -1;
	if (version != JSON_VERSION)
		return fail(c, "version %lld is not supported (this nex reads version %d)",
			    (long long)version, JSON_VERSION);
	const cJSON *name = member(root, "name");
	if (name && (!cJSON_IsString(name) || !name->valuestring[0]))
		return fail(c, "name: expected a non-empty string, got %s", desc(name, buf, sizeof buf));
	c->g = nx_graph_new(name ? name->valuestring : NULL);
	if (load_list(c, root, "inputs", load_input) || load_list(c, root, "consts", load_const))
		return -1;
	const cJSON *ops = member(root, "ops");
	if (!ops)
		return fail(c, "missing \"ops\"");
	if (!cJSON_IsArray(ops))
		return fail(c, "ops: expected an array, got %s", desc(ops, buf, sizeof buf));
	int i = 0;
	for (const cJSON *e = ops->child; e; e = e->next, i++)
		if (load_op(c, e, i))
			return -1;
	c->where[0] = 0;
	const cJSON *outs = member(root, "outputs");
	if (!outs)
		return fail(c, "missing \"outputs\"");
	if (!cJSON_IsArray(outs))
		return fail(c, "outputs: expected an array of value names, got %s",
			    desc(outs, buf, sizeof buf));
	i = 0;
	for (const cJSON *e = outs->child; e; e = e->next, i++) {
		if (!cJSON_IsString(e))
			return fail(c, "outputs[%d]: expected a value name, got %s", i,
				    desc(e, buf, sizeof buf));
		uint32_t v = nx_value_by_name(c->g, e->valuestring, strlen(e->valuestring));
		if (v == NX_NONE)
			return fail(c, "outputs[%d]: undefined value \"%s\"", i, e->valuestring);
		nx_graph_add_output(c->g, v);
	}
	if (i == 0)
		return fail(c, "outputs: empty; a graph needs at least one output (nothing else "
			    "would be computed)");
	return 0;
}

static bool is_ws(unsigned char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

/* cJSON says where it stopped, but when the text ends early it clamps that
 * to the last byte, which reads the same as an error at the last byte.
 * Parsing again with one byte that no JSON can hold appended tells them
 * apart: a parse that stops at that byte ran out of text. Only error paths
 * pay for the copy. */
static void syntax_error(nx_err *err, const char *file, const char *text, size_t len,
			 size_t start)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t n = len - start;
	char *copy = nx_xmalloc(n + 1);
	memcpy(copy, text + start, n);
	copy[n] = '\x01';
	const char *end = NULL;
	cJSON_Delete(cJSON_ParseWithLengthOpts(copy, n + 1, &end, false));
	size_t pos = start + (end ? (size_t)(end - copy) : 0);
	free(copy);
	char msg[80];
	if (pos >= len) {
		/* Point just after the last thing the file holds. */
		pos = len;
		while (pos > start && is_ws(s[pos - 1]))
			pos--;
		snprintf(msg, sizeof msg, "unexpected end of input (truncated file?)");
	} else if (pos > start && s[pos - 1] == '"' && !memchr(s + pos, '"', len - pos)) {
		/* cJSON points just inside a string that never closes. */
		pos--;
		snprintf(msg, sizeof msg, "string never closes (truncated file?)");
	} else if (s[pos] == ']' || s[pos] == '}') {
		size_t q = pos;
		while (q > start && is_ws(s[q - 1]))
			q--;
		snprintf(msg, sizeof msg, "invalid JSON (unexpected '%c'%s)", s[pos],
			 q > start && s[q - 1] == ',' ? " after a trailing comma" : "");
	} else if (s[pos] > 0x20 && s[pos] < 0x7f) {
		snprintf(msg, sizeof msg, "invalid JSON (unexpected '%c')", s[pos]);
	} else {
		snprintf(msg, sizeof msg, "invalid JSON");
	}
	err_at(err, file, text, len, pos, msg);
}

nx_graph *nx_json_parse(const char *text, size_t len, const char *file, const char *dir,
			nx_err *err)
{
	nx_fileroot root = {dir, false};
	return nx_json_parse_in(text, len, file, &root, err);
}

nx_graph *nx_json_parse_in(const char *text, size_t len, const char *file,
			   const nx_fileroot *where, nx_err *err)
{
	jload c = {.file = file ? file : "<json>", .root = {NULL, false}, .err = err};
	if (where)
		c.root = *where;
	const unsigned char *s = (const unsigned char *)text;
	/* cJSON takes any bytes; the IR's strings must be UTF-8. */
	for (size_t i = 0; i < len;) {
		size_t n = s[i] ? nx_utf8_len(s + i, len - i) : 0;
		if (!n) {
			char msg[64];
			snprintf(msg, sizeof msg, s[i] ? "invalid UTF-8 (byte 0x%02x)" : "NUL byte",
				 s[i]);
			err_at(err, c.file, text, len, i, msg);
			return NULL;
		}
		i += n;
	}
	/* cJSON turns \u0000 into a NUL that would cut the string short
	 * (a name "a\u0000b" would read as "a"): refused. An escape is a
	 * backslash preceded by an even number of backslashes. */
	for (size_t i = 0; i + 6 <= len; i++) {
		if (s[i] != '\\' || (s[i + 1] != 'u' && s[i + 1] != 'U') ||
		    memcmp(s + i + 2, "0000", 4))
			continue;
		size_t k = 0;
		while (k < i && s[i - 1 - k] == '\\')
			k++;
		if (k % 2 == 0) {
			err_at(err, c.file, text, len, i, "\\u0000 (a NUL character) in a string: "
			       "names and strings in nex cannot hold NUL");
			return NULL;
		}
	}
	size_t start = nx_bom_len(text, len); /* one rule for .nex and JSON */
	size_t k = start;
	while (k < len && is_ws(s[k]))
		k++;
	if (k == len) {
		nx_err_set(err, "%s: empty file (expected a JSON object)", c.file);
		return NULL;
	}
	const char *end = NULL;
	cJSON *root = cJSON_ParseWithLengthOpts(text + start, len - start, &end, false);
	if (!root) {
		syntax_error(err, c.file, text, len, start);
		return NULL;
	}
	k = (size_t)(end - text);
	while (k < len && is_ws(s[k]))
		k++;
	if (k < len) {
		cJSON_Delete(root);
		err_at(err, c.file, text, len, k, "unexpected text after the JSON object");
		return NULL;
	}
	int rc = load_graph(&c, root);
	cJSON_Delete(root);
	if (rc) {
		nx_graph_free(c.g);
		return NULL;
	}
	nx_graph_trim(c.g);
	return c.g;
}
