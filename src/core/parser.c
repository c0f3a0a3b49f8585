/* parser.c — reads the .nex text form (grammar: docs/ir.md) back into a
 * graph. A hand-written lexer walks the buffer and hands out tokens as
 * (offset, length) pairs, so nothing is allocated per token; names and
 * strings are copied only when the graph interns them, through one scratch
 * buffer reused by every statement. A recursive-descent parser (one function
 * per grammar rule, the rule in the comment above it) builds the graph as it
 * reads, and runs shape inference on each op right after its line, so that a
 * declared result type the registry disagrees with is reported at that line.
 *
 * Every error is one located message: "file:line:col: what", then the source
 * line and a caret under the token. Line and column are computed only when an
 * error is reported; columns count characters (UTF-8 code points), not bytes.
 */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "nx_int.h"

enum {
	T_EOF, T_WORD, T_VNAME, T_GNAME, T_INT, T_FLOAT, T_STRING, T_ARROW, T_PUNCT
};

typedef struct tok {
	int kind;
	bool quoted;       /* %"..." or @"..." */
	size_t pos, len;   /* the whole token, sigil and quotes included */
} tok;

/* A type as written after ':' — '?' leaves it to inference. */
typedef struct decl_type {
	nx_type t;
	bool known;
	size_t pos;
} decl_type;

typedef struct header_out {
	tok name;
	decl_type type;
} header_out;

typedef struct parser {
	const char *s;
	size_t n, pos;        /* the text and the lexer's cursor */
	const char *file;
	nx_fileroot root;      /* where file(...) references resolve */
	nx_err *err;
	tok t;                /* the current token */
	nx_graph *g;
	size_t stmt_pos;      /* where the current statement starts */

	/* Scratch reused by every statement, so that parsing allocates only
	 * when an array must grow. */
	char *buf; uint32_t n_buf, cap_buf;          /* names, strings */
	uint32_t *in; uint32_t cap_in;               /* operands */
	tok *res; uint32_t cap_res;                  /* names being defined */
	uint32_t *res_off; uint32_t cap_res_off;     /* their text in buf */
	const char **res_name; uint32_t cap_res_name;
	decl_type *rtype; uint32_t cap_rtype;        /* declared result types */
	int64_t *ints; uint32_t cap_ints;            /* list literals */
	float *floats; uint32_t cap_floats;
	uint32_t *sids; uint32_t cap_sids;           /* loc(...) strings */
	size_t *def_pos; uint32_t cap_def;           /* by value id: where defined */
	header_out *outs; uint32_t n_outs, cap_outs; /* the header's -> list */
} parser;

#define GROW(P, arr, cap, need) nx_grow((void **)&(P)->arr, &(P)->cap, (need), sizeof *(P)->arr)

/* ---- characters ---- */

/* Character classes, one table lookup per byte in the lexer's loops. */
enum { C_DIGIT = 1, C_ALPHA = 2, C_NAME = 4, C_PUNCT = 8, C_SPACE = 16 };

static const unsigned char cclass[256] = {
	[' '] = C_SPACE, ['\t'] = C_SPACE, ['\r'] = C_SPACE, ['\n'] = C_SPACE,
	['0'] = C_DIGIT | C_NAME, ['1'] = C_DIGIT | C_NAME, ['2'] = C_DIGIT | C_NAME,
	['3'] = C_DIGIT | C_NAME, ['4'] = C_DIGIT | C_NAME, ['5'] = C_DIGIT | C_NAME,
	['6'] = C_DIGIT | C_NAME, ['7'] = C_DIGIT | C_NAME, ['8'] = C_DIGIT | C_NAME,
	['9'] = C_DIGIT | C_NAME,
#define A(c) [c] = C_ALPHA | C_NAME
	A('a'), A('b'), A('c'), A('d'), A('e'), A('f'), A('g'), A('h'), A('i'), A('j'),
	A('k'), A('l'), A('m'), A('n'), A('o'), A('p'), A('q'), A('r'), A('s'), A('t'),
	A('u'), A('v'), A('w'), A('x'), A('y'), A('z'),
	A('A'), A('B'), A('C'), A('D'), A('E'), A('F'), A('G'), A('H'), A('I'), A('J'),
	A('K'), A('L'), A('M'), A('N'), A('O'), A('P'), A('Q'), A('R'), A('S'), A('T'),
	A('U'), A('V'), A('W'), A('X'), A('Y'), A('Z'), A('_'),
#undef A
	/* bare names also take these; printer.c's bare_name() is the same rule */
	['.'] = C_NAME, ['$'] = C_NAME, [':'] = C_NAME | C_PUNCT, ['/'] = C_NAME,
	['-'] = C_NAME,
	['('] = C_PUNCT, [')'] = C_PUNCT, ['{'] = C_PUNCT, ['}'] = C_PUNCT,
	['['] = C_PUNCT, [']'] = C_PUNCT, [','] = C_PUNCT, ['='] = C_PUNCT,
	['#'] = C_PUNCT, ['?'] = C_PUNCT,
};

static bool is_digit(int c)
{
	return cclass[(unsigned char)c] & C_DIGIT;
}

static bool is_alpha(int c)
{
	return cclass[(unsigned char)c] & C_ALPHA;
}

static bool is_word_char(int c)
{
	return cclass[(unsigned char)c] & (C_ALPHA | C_DIGIT);
}

static bool is_name_char(int c)
{
	return cclass[(unsigned char)c] & C_NAME;
}

static int hex_val(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* One display unit at i: a UTF-8 character, or a single bad byte. */
static size_t unit_len(const parser *P, size_t i)
{
	size_t k = nx_utf8_len((const unsigned char *)P->s + i, P->n - i);
	return k ? k : 1;
}

/* ---- errors ---- */

static unsigned line_of(const parser *P, size_t pos)
{
	unsigned line = 1;
	const char *p = P->s, *end = P->s + (pos < P->n ? pos : P->n);
	while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		line++;
		p++;
	}
	return line;
}

/* Appends s[a, b) to out for echoing: tabs and valid UTF-8 kept, anything
 * else that would upset a terminal shown as '?'. */
static size_t echo(const parser *P, size_t a, size_t b, char *out, size_t k, size_t cap)
{
	for (size_t i = a; i < b && k + 5 < cap;) {
		unsigned char c = (unsigned char)P->s[i];
		size_t u = unit_len(P, i);
		if (c >= 0x80 && u > 1)
			memcpy(out + k, P->s + i, u), k += u;
		else
			out[k++] = (c == '\t' || (c >= 0x20 && c < 0x7f)) ? (char)c : '?';
		i += u;
	}
	out[k] = 0;
	return k;
}

static int fail_at(parser *P, size_t pos, const char *fmt, ...) NX_PRINTF(3, 4);
static int fail_at(parser *P, size_t pos, const char *fmt, ...)
{
	char msg[1200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	const char *s = P->s;
	if (pos >= P->n) {
		/* At end of file: point just after the last thing written. */
		pos = P->n;
		while (pos > 0 && (s[pos - 1] == ' ' || s[pos - 1] == '\t' ||
				   s[pos - 1] == '\r' || s[pos - 1] == '\n'))
			pos--;
	}
	size_t ls = pos, le = pos;
	while (ls > 0 && s[ls - 1] != '\n')
		ls--;
	while (le < P->n && s[le] != '\n')
		le++;
	if (le > ls && s[le - 1] == '\r')
		le--;
	if (pos > le)
		pos = le;
	unsigned col = 1;
	for (size_t i = ls; i < pos; i += unit_len(P, i))
		col++;
	if (ls == le) { /* an empty file: no line to show */
		nx_err_set(P->err, "%s:%u:%u: %s", P->file, line_of(P, pos), col, msg);
		return -1;
	}
	/* Long lines (a header with many inputs) show a window around pos. */
	size_t ws = ls, we = le;
	bool cut_l = false, cut_r = false;
	if (pos - ws > 100) {
		ws = pos - 70;
		while (ws < pos && ((unsigned char)s[ws] & 0xc0) == 0x80)
			ws++;
		cut_l = true;
	}
	if (we - ws > 200) {
		we = (pos > ws + 130 ? pos : ws + 130) + 40;
		if (we > le)
			we = le;
		while (we > pos && we < le && ((unsigned char)s[we] & 0xc0) == 0x80)
			we--;
		cut_r = we < le;
	}
	char src[1024], caret[400];
	size_t k = 0, c = 0;
	if (cut_l) {
		memcpy(src, "...", 3), k = 3;
		memcpy(caret, "   ", 3), c = 3;
	}
	k = echo(P, ws, we, src, k, sizeof src - 4);
	if (cut_r)
		memcpy(src + k, "...", 4);
	for (size_t i = ws; i < pos && c + 2 < sizeof caret; i += unit_len(P, i))
		caret[c++] = s[i] == '\t' ? '\t' : ' ';
	caret[c] = 0;
	nx_err_set(P->err, "%s:%u:%u: %s\n%s\n%s^", P->file, line_of(P, pos), col, msg, src,
		   caret);
	return -1;
}

/* "'text'" of a token for messages, cut at 40 bytes on a character edge. */
static const char *tok_desc(const parser *P, const tok *t, char *buf, size_t n)
{
	if (t->kind == T_EOF)
		return "end of file";
	size_t len = t->len;
	if (len > 40) {
		len = 40;
		while (len > 0 && ((unsigned char)P->s[t->pos + len] & 0xc0) == 0x80)
			len--;
	}
	char tmp[64];
	echo(P, t->pos, t->pos + len, tmp, 0, sizeof tmp);
	snprintf(buf, n, "'%s%s'", tmp, len < t->len ? "..." : "");
	return buf;
}

static int unexpected(parser *P, const char *what)
{
	if (P->t.kind == T_EOF && P->g)
		return fail_at(P, P->t.pos, "the file ends inside graph @%s (truncated?): expected %s",
			       nx_cstr(P->g, P->g->name), what);
	char d[80];
	return fail_at(P, P->t.pos, "expected %s, got %s", what, tok_desc(P, &P->t, d, sizeof d));
}

/* ---- lexer ---- */

/* A string body from the '"' at i; validates escapes and UTF-8 now so that
 * unescaping later cannot fail. *end = just past the closing quote. */
static int lex_string(parser *P, size_t i, size_t *end)
{
	const char *s = P->s;
	size_t j = i + 1;
	for (;;) {
		if (j >= P->n || s[j] == '\n')
			return fail_at(P, i, "unterminated string (strings end on the same line)");
		unsigned char c = (unsigned char)s[j];
		if (c == '"')
			break;
		if (c == '\\') {
			char e = j + 1 < P->n ? s[j + 1] : 0;
			if (e == '\\' || e == '"' || e == 'n' || e == 't' || e == 'r') {
				j += 2;
				continue;
			}
			if (e == 'x') {
				int hi = j + 2 < P->n ? hex_val(s[j + 2]) : -1;
				int lo = j + 3 < P->n ? hex_val(s[j + 3]) : -1;
				if (hi < 0 || lo < 0)
					return fail_at(P, j, "\\x needs two hex digits");
				if (hi == 0 && lo == 0)
					return fail_at(P, j, "\\x00: strings cannot hold a NUL byte");
				j += 4;
				continue;
			}
			return fail_at(P, j, "unknown escape '\\%c' (use \\\\ \\\" \\n \\t \\r or \\xHH)",
				       e >= 0x20 && e < 0x7f ? e : '?');
		}
		if (c >= 0x80) {
			size_t k = nx_utf8_len((const unsigned char *)s + j, P->n - j);
			if (!k)
				return fail_at(P, j, "invalid UTF-8 byte 0x%02x", c);
			j += k;
			continue;
		}
		if (c < 0x20 && c != '\t')
			return fail_at(P, j, "control character 0x%02x in a string (write it as \\x%02x)",
				       c, c);
		j++;
	}
	*end = j + 1;
	return 0;
}

static int lex_number(parser *P, size_t i, size_t *end, int *kind)
{
	const char *s = P->s;
	size_t n = P->n, j = i;
	if (s[j] == '-')
		j++;
	while (j < n && is_digit(s[j]))
		j++;
	*kind = T_INT;
	if (j < n && s[j] == '.') {
		*kind = T_FLOAT;
		j++;
		while (j < n && is_digit(s[j]))
			j++;
	}
	if (j < n && (s[j] == 'e' || s[j] == 'E')) {
		size_t k = j + 1;
		if (k < n && (s[k] == '+' || s[k] == '-'))
			k++;
		if (k >= n || !is_digit(s[k]))
			return fail_at(P, j, "malformed number: exponent without digits");
		*kind = T_FLOAT;
		j = k;
		while (j < n && is_digit(s[j]))
			j++;
	}
	if (j < n && (is_word_char(s[j]) || s[j] == '.')) {
		size_t k = j;
		while (k < n && (is_word_char(s[k]) || s[k] == '.') && k - i < 40)
			k++;
		return fail_at(P, i, "malformed number '%.*s'", (int)(k - i), s + i);
	}
	*end = j;
	return 0;
}

/* Skips blanks and // comments, then reads one token into P->t. */
static int lex(parser *P)
{
	const char *s = P->s;
	size_t n = P->n, i = P->pos;
	for (;;) {
		while (i < n && (cclass[(unsigned char)s[i]] & C_SPACE))
			i++;
		if (i + 1 < n && s[i] == '/' && s[i + 1] == '/') {
			for (i += 2; i < n && s[i] != '\n';) {
				unsigned char c = (unsigned char)s[i];
				size_t k = c < 0x80 ? 1 : nx_utf8_len((const unsigned char *)s + i, n - i);
				if (!k)
					return fail_at(P, i, "invalid UTF-8 byte 0x%02x (in a comment)", c);
				i += k;
			}
			continue;
		}
		break;
	}
	tok *t = &P->t;
	t->pos = i;
	t->quoted = false;
	if (i >= n) {
		t->kind = T_EOF;
		t->len = 0;
		P->pos = i;
		return 0;
	}
	unsigned char c = (unsigned char)s[i];
	size_t j = i + 1;
	if (c == '%' || c == '@') {
		t->kind = c == '%' ? T_VNAME : T_GNAME;
		if (j < n && s[j] == '"') {
			if (lex_string(P, j, &j))
				return -1;
			t->quoted = true;
		} else {
			/* "//" starts a comment and a name never ends with ':', so
			 * that "%x: f32[1]" reads as the name x. */
			while (j < n && is_name_char(s[j]) &&
			       !(s[j] == '/' && j + 1 < n && s[j + 1] == '/'))
				j++;
			while (j > i + 1 && s[j - 1] == ':')
				j--;
			if (j == i + 1)
				return fail_at(P, i, "expected a name after '%c' (other names are quoted: "
					       "%c\"any name\")", c, c);
		}
	} else if (is_alpha(c)) {
		while (j < n && is_word_char(s[j]))
			j++;
		t->kind = T_WORD;
	} else if (is_digit(c) || (c == '-' && j < n && is_digit(s[j]))) {
		if (lex_number(P, i, &j, &t->kind))
			return -1;
	} else if (c == '-' && j < n && s[j] == '>') {
		t->kind = T_ARROW;
		j++;
	} else if (c == '-' && n - j >= 3 && !memcmp(s + j, "inf", 3) &&
		   !(j + 3 < n && is_word_char(s[j + 3]))) {
		t->kind = T_FLOAT;
		j += 3;
	} else if (c == '"') {
		if (lex_string(P, i, &j))
			return -1;
		t->kind = T_STRING;
	} else if (cclass[c] & C_PUNCT) {
		t->kind = T_PUNCT;
	} else if (c >= 0x80) {
		size_t k = nx_utf8_len((const unsigned char *)s + i, n - i);
		if (!k)
			return fail_at(P, i, "invalid UTF-8 byte 0x%02x", c);
		return fail_at(P, i, "unexpected character '%.*s'", (int)k, s + i);
	} else if (c < 0x20 || c == 0x7f) {
		return fail_at(P, i, "unexpected control character 0x%02x", c);
	} else {
		return fail_at(P, i, "unexpected character '%c'", c);
	}
	t->len = j - i;
	P->pos = j;
	return 0;
}

static bool is_punct(const parser *P, char c)
{
	return P->t.kind == T_PUNCT && P->s[P->t.pos] == c;
}

/* After a list item: 1 if a ',' follows (and the token after it is read),
 * 0 if the list ends here (the current token is what follows it), -1 on a
 * lexing error. */
static int list_next(parser *P)
{
	if (lex(P))
		return -1;
	if (!is_punct(P, ','))
		return 0;
	return lex(P) ? -1 : 1;
}

static bool tok_is(const parser *P, const tok *t, const char *w)
{
	size_t n = strlen(w);
	return t->kind == T_WORD && t->len == n && !memcmp(P->s + t->pos, w, n);
}

static bool is_kw(const parser *P, const char *w)
{
	return tok_is(P, &P->t, w);
}

static bool is_number(const parser *P, const tok *t)
{
	return t->kind == T_INT || t->kind == T_FLOAT || tok_is(P, t, "inf") ||
	       tok_is(P, t, "nan");
}

static int expect(parser *P, char c, const char *what)
{
	if (!is_punct(P, c))
		return unexpected(P, what);
	return lex(P);
}

/* ---- token values ---- */

/* Appends the text of a name, string or word token to the scratch buffer,
 * unescaped and NUL-terminated; returns its offset (pointers into buf die at
 * the next append). */
static uint32_t scratch_tok(parser *P, const tok *t)
{
	size_t a = t->pos, b = t->pos + t->len;
	bool esc = false;
	if (t->kind == T_VNAME || t->kind == T_GNAME) {
		a++;
		if (t->quoted)
			a++, b--, esc = true;
	} else if (t->kind == T_STRING) {
		a++, b--, esc = true;
	}
	GROW(P, buf, cap_buf, P->n_buf + (uint32_t)(b - a) + 1);
	uint32_t off = P->n_buf;
	char *o = P->buf + off;
	if (!esc) {
		memcpy(o, P->s + a, b - a);
		o += b - a;
	} else {
		for (size_t i = a; i < b; i++) {
			char c = P->s[i];
			if (c != '\\') {
				*o++ = c;
				continue;
			}
			c = P->s[++i];
			switch (c) {
			case 'n': *o++ = '\n'; break;
			case 't': *o++ = '\t'; break;
			case 'r': *o++ = '\r'; break;
			case 'x':
				*o++ = (char)(hex_val(P->s[i + 1]) << 4 | hex_val(P->s[i + 2]));
				i += 2;
				break;
			default: *o++ = c; break; /* \\ and \" */
			}
		}
	}
	*o = 0;
	P->n_buf = (uint32_t)(o - P->buf) + 1;
	return off;
}

static int tok_u64(parser *P, const tok *t, uint64_t *v, const char *what)
{
	const char *p = P->s + t->pos, *e = p + t->len;
	if (t->kind != T_INT || *p == '-')
		return fail_at(P, t->pos, "%s must be a non-negative integer", what);
	uint64_t x = 0;
	for (; p < e; p++) {
		unsigned d = (unsigned)(*p - '0');
		if (x > (UINT64_MAX - d) / 10)
			return fail_at(P, t->pos, "%s %.*s is out of range", what, (int)t->len,
				       P->s + t->pos);
		x = x * 10 + d;
	}
	*v = x;
	return 0;
}

static int tok_i64(parser *P, const tok *t, int64_t *v)
{
	const char *p = P->s + t->pos, *e = p + t->len;
	bool neg = *p == '-';
	uint64_t x = 0;
	for (p += neg; p < e; p++) {
		unsigned d = (unsigned)(*p - '0');
		if (x > (UINT64_MAX - d) / 10)
			goto range;
		x = x * 10 + d;
	}
	if (x > (uint64_t)INT64_MAX + neg)
		goto range;
	*v = !neg ? (int64_t)x : x == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)x;
	return 0;
range:
	return fail_at(P, t->pos, "integer %.*s is out of range (int64)", (int)t->len,
		       P->s + t->pos);
}

static int tok_f32(parser *P, const tok *t, float *v);

/* A number token as f64 (f64 constants), correctly rounded; a finite
 * literal beyond the double range is an error. */
static int tok_f64(parser *P, const tok *t, double *v)
{
	if (tok_is(P, t, "inf") || tok_is(P, t, "nan") ||
	    (t->len == 4 && !memcmp(P->s + t->pos, "-inf", 4))) {
		float f;
		int rc = tok_f32(P, t, &f);
		*v = f;
		return rc;
	}
	char tmp[72];
	if (t->len >= sizeof tmp)
		return fail_at(P, t->pos, "number too long");
	memcpy(tmp, P->s + t->pos, t->len);
	tmp[t->len] = 0;
	char *end;
	double d = strtod(tmp, &end);
	if (end != tmp + t->len)
		return fail_at(P, t->pos, "cannot read '%s' as a number (C locale expected)", tmp);
	if (isinf(d))
		return fail_at(P, t->pos, "%s is out of range for f64", tmp);
	*v = d;
	return 0;
}

/* A number token as f32, correctly rounded; a finite literal that rounds to
 * infinity is an error. */
static int tok_f32(parser *P, const tok *t, float *v)
{
	if (tok_is(P, t, "inf")) {
		*v = INFINITY;
		return 0;
	}
	if (tok_is(P, t, "nan")) {
		*v = NAN;
		return 0;
	}
	if (t->len == 4 && !memcmp(P->s + t->pos, "-inf", 4)) {
		*v = -INFINITY;
		return 0;
	}
	char tmp[72];
	if (t->len >= sizeof tmp)
		return fail_at(P, t->pos, "number too long");
	memcpy(tmp, P->s + t->pos, t->len);
	tmp[t->len] = 0;
	char *end;
	float f = strtof(tmp, &end);
	if (end != tmp + t->len)
		return fail_at(P, t->pos, "cannot read '%s' as a number (C locale expected)", tmp);
	if (isinf(f))
		return fail_at(P, t->pos, "%s is out of range for f32", tmp);
	*v = f;
	return 0;
}

/* ---- suggestions ---- */

static size_t edit_distance(const char *a, size_t na, const char *b)
{
	size_t nb = strlen(b), row[64];
	if (na >= 63 || nb >= 63)
		return 99;
	for (size_t j = 0; j <= nb; j++)
		row[j] = j;
	for (size_t i = 1; i <= na; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= nb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[nb];
}

/* Keeps cand in *best if it is closer to s than what *best holds. */
static void consider(const char *s, size_t n, const char *cand, const char **best, size_t *bd)
{
	size_t d = edit_distance(s, n, cand);
	if (d < *bd && d <= 2 && d < n) {
		*best = cand;
		*bd = d;
	}
}

/* ---- types ---- */

/* type = DTYPE "[" [DIM {"," DIM}] "]" ["#" LAYOUT]     rtype = type | "?" */
static int parse_type(parser *P, decl_type *d, bool allow_unknown)
{
	memset(d, 0, sizeof *d);
	d->pos = P->t.pos;
	if (allow_unknown && is_punct(P, '?')) {
		d->t.dtype = NX_DTYPE_UNKNOWN;
		return lex(P);
	}
	if (P->t.kind != T_WORD)
		return unexpected(P, "a type such as f32[1,3,224,224]");
	int dt = nx_dtype_parse(P->s + P->t.pos, P->t.len);
	if (dt < 0)
		return fail_at(P, P->t.pos, "unknown dtype '%.*s' (f32, f16, bf16, i8, u8, i32, "
			       "i64, bool, f64, u16, u32, u64, i16)", (int)P->t.len, P->s + P->t.pos);
	if (lex(P) || expect(P, '[', "'[' and the dims after the dtype"))
		return -1;
	int64_t dims[NX_MAX_RANK];
	int rank = 0;
	while (!is_punct(P, ']')) {
		if (P->t.kind != T_INT)
			return unexpected(P, "a dim (an integer >= 1)");
		if (rank == NX_MAX_RANK)
			return fail_at(P, P->t.pos, "rank exceeds %d (nex tensors have at most %d dims)",
				       NX_MAX_RANK, NX_MAX_RANK);
		int64_t v = 0;
		if (tok_i64(P, &P->t, &v))
			return -1;
		if (v <= 0)
			return fail_at(P, P->t.pos, "dim must be >= 1, got %lld (nex shapes are static)",
				       (long long)v);
		dims[rank++] = v;
		int more = list_next(P);
		if (more < 0)
			return -1;
		if (!more)
			break;
	}
	if (expect(P, ']', "',' or ']' after a dim"))
		return -1;
	d->t = nx_type_make(dt, rank, dims);
	d->known = true;
	if (nx_type_bytes(&d->t) < 0)
		return fail_at(P, d->pos, "%s tensor too large: the element count overflows int64",
			       nx_dtype_name(dt));
	if (is_punct(P, '#')) {
		if (lex(P))
			return -1;
		int l = P->t.kind == T_WORD ? nx_layout_parse(P->s + P->t.pos, P->t.len) : -1;
		if (l < 0)
			return unexpected(P, "a layout after '#' (nhwc, ne)");
		d->t.layout = (uint8_t)l;
		return lex(P);
	}
	return 0;
}

/* ---- values ---- */

static void note_def(parser *P, uint32_t v, size_t pos)
{
	GROW(P, def_pos, cap_def, v + 1);
	P->def_pos[v] = pos;
}

/* The line of a later "%a, %b =" line that defines name, 0 if none. Only
 * the error path runs it, to tell a forward reference from a typo. */
static unsigned later_def_line(parser *P, const char *name, size_t from)
{
	size_t save_pos = P->pos, save_stmt = P->stmt_pos;
	tok save_t = P->t;
	uint32_t save_buf = P->n_buf;
	nx_err *save_err = P->err, junk;
	char *want = nx_xstrdup(name);
	unsigned found = 0;
	P->err = &junk;
	P->pos = from;
	while (!found && !lex(P) && P->t.kind != T_EOF) {
		if (P->t.kind != T_VNAME)
			continue;
		size_t ls = P->t.pos;
		while (ls > 0 && (P->s[ls - 1] == ' ' || P->s[ls - 1] == '\t'))
			ls--;
		if (ls > 0 && P->s[ls - 1] != '\n')
			continue;
		size_t line_pos = P->t.pos;
		bool match = false;
		for (;;) {
			P->n_buf = save_buf;
			/* scratch_tok may move P->buf: take the offset first */
			uint32_t off = scratch_tok(P, &P->t);
			match |= !strcmp(P->buf + off, want);
			if (lex(P) || !is_punct(P, ','))
				break;
			if (lex(P) || P->t.kind != T_VNAME)
				break;
		}
		if (match && is_punct(P, '='))
			found = line_of(P, line_pos);
	}
	free(want);
	P->err = save_err;
	P->pos = save_pos;
	P->stmt_pos = save_stmt;
	P->t = save_t;
	P->n_buf = save_buf;
	return found;
}

/* The value a %name token refers to; an error if it is not defined yet. */
static int resolve(parser *P, const tok *t, uint32_t *v)
{
	if (!t->quoted) {
		*v = nx_value_by_name(P->g, P->s + t->pos + 1, t->len - 1);
	} else {
		uint32_t mark = P->n_buf;
		uint32_t off = scratch_tok(P, t);
		*v = nx_value_by_name(P->g, P->buf + off, strlen(P->buf + off));
		P->n_buf = mark;
	}
	if (*v != NX_NONE)
		return 0;
	uint32_t off = scratch_tok(P, t);
	unsigned later = later_def_line(P, P->buf + off, P->stmt_pos);
	if (later)
		return fail_at(P, t->pos, "use of %%%s before its definition at line %u (operands "
			       "must be defined earlier in schedule order)", P->buf + off, later);
	return fail_at(P, t->pos, "use of undefined value %%%s", P->buf + off);
}

/* After the graph refused new names (nx_op_new and friends check them, so
 * the parser does not look each name up twice): which one, and where it was
 * defined before. */
static int name_taken(parser *P, uint32_t n_res, const char *fallback)
{
	for (uint32_t i = 0; i < n_res; i++) {
		const char *name = P->buf + P->res_off[i];
		uint32_t v = nx_value_by_name(P->g, name, strlen(name));
		if (v != NX_NONE)
			return fail_at(P, P->res[i].pos, "value %%%s is already defined at line %u",
				       name, line_of(P, P->def_pos[v]));
		for (uint32_t j = 0; j < i; j++)
			if (!strcmp(P->buf + P->res_off[j], name))
				return fail_at(P, P->res[i].pos, "value %%%s is defined twice on this "
					       "line", name);
	}
	return fail_at(P, P->res[0].pos, "%s", fallback);
}

/* ---- constants ---- */

static int dense_elem(parser *P, const tok *t, int dtype, void *data, int64_t i)
{
	if (dtype == NX_F64) {
		if (!is_number(P, t))
			return unexpected(P, "a number");
		return tok_f64(P, t, &((double *)data)[i]);
	}
	if (nx_dtype_is_float(dtype)) {
		if (!is_number(P, t))
			return unexpected(P, "a number");
		float f;
		if (tok_f32(P, t, &f))
			return -1;
		if (dtype == NX_F32) {
			((float *)data)[i] = f;
			return 0;
		}
		uint16_t h = dtype == NX_F16 ? nx_f32_to_f16(f) : nx_f32_to_bf16(f);
		float back = dtype == NX_F16 ? nx_f16_to_f32(h) : nx_bf16_to_f32(h);
		if (isinf(back) && !isinf(f))
			return fail_at(P, t->pos, "%.*s is out of range for %s", (int)t->len,
				       P->s + t->pos, nx_dtype_name(dtype));
		((uint16_t *)data)[i] = h;
		return 0;
	}
	if (t->kind != T_INT)
		return is_number(P, t) ?
			fail_at(P, t->pos, "%s data takes integers, got %.*s", nx_dtype_name(dtype),
				(int)t->len, P->s + t->pos) :
			unexpected(P, "an integer");
	if (dtype == NX_U64 && P->s[t->pos] != '-') {
		/* the whole unsigned range: past INT64_MAX too */
		uint64_t x = 0;
		for (size_t k = 0; k < t->len; k++) {
			unsigned d = (unsigned)(P->s[t->pos + k] - '0');
			if (x > (UINT64_MAX - d) / 10)
				return fail_at(P, t->pos, "%.*s is out of range for u64", (int)t->len,
					       P->s + t->pos);
			x = x * 10 + d;
		}
		((uint64_t *)data)[i] = x;
		return 0;
	}
	int64_t v = 0, lo = INT64_MIN, hi = INT64_MAX;
	if (tok_i64(P, t, &v))
		return -1;
	switch (dtype) {
	case NX_I16: lo = INT16_MIN, hi = INT16_MAX; break;
	case NX_U16: lo = 0, hi = UINT16_MAX; break;
	case NX_U32: lo = 0, hi = UINT32_MAX; break;
	case NX_U64: lo = 0; break;
	case NX_I8: lo = INT8_MIN, hi = INT8_MAX; break;
	case NX_U8: lo = 0, hi = UINT8_MAX; break;
	case NX_I32: lo = INT32_MIN, hi = INT32_MAX; break;
	case NX_BOOL: lo = 0, hi = 1; break;
	}
	if (v < lo || v > hi)
		return fail_at(P, t->pos, "%lld is out of range for %s (%lld..%lld)", (long long)v,
			       nx_dtype_name(dtype), (long long)lo, (long long)hi);
	switch (dtype) {
	case NX_I8: ((int8_t *)data)[i] = (int8_t)v; break;
	case NX_U8: ((uint8_t *)data)[i] = (uint8_t)v; break;
	case NX_BOOL: ((uint8_t *)data)[i] = (uint8_t)v; break;
	case NX_I32: ((int32_t *)data)[i] = (int32_t)v; break;
	case NX_I64: ((int64_t *)data)[i] = v; break;
	case NX_I16: ((int16_t *)data)[i] = (int16_t)v; break;
	case NX_U16: ((uint16_t *)data)[i] = (uint16_t)v; break;
	case NX_U32: ((uint32_t *)data)[i] = (uint32_t)v; break;
	case NX_U64: ((uint64_t *)data)[i] = (uint64_t)v; break;
	}
	return 0;
}

/* "dense" "[" [NUMBER {"," NUMBER}] "]" — exactly numel values. */
static nx_blob *parse_dense(parser *P, const decl_type *d)
{
	int64_t numel = nx_type_numel(&d->t);
	size_t esize = nx_dtype_size(d->t.dtype);
	size_t start = P->t.pos;
	if (lex(P) || expect(P, '[', "'[' after dense"))
		return NULL;
	/* Grown as values arrive, so that a huge declared type with a short
	 * list fails on the count, not on a giant allocation. */
	int64_t cap = numel < 1024 ? numel : 1024, cnt = 0;
	char *data = nx_xmalloc((size_t)cap * esize);
	char tdesc[160];
	while (!is_punct(P, ']')) {
		if (cnt == numel) {
			nx_type_str(&d->t, tdesc, sizeof tdesc);
			fail_at(P, P->t.pos, "too many values in dense[...]: %s holds %lld", tdesc,
				(long long)numel);
			goto fail;
		}
		if (cnt == cap) {
			cap = cap * 2 < numel ? cap * 2 : numel;
			data = nx_xrealloc(data, (size_t)cap * esize);
		}
		if (dense_elem(P, &P->t, d->t.dtype, data, cnt) || lex(P))
			goto fail;
		cnt++;
		if (!is_punct(P, ','))
			break;
		if (lex(P))
			goto fail;
	}
	if (!is_punct(P, ']')) {
		unexpected(P, "',' or ']' in dense[...]");
		goto fail;
	}
	if (cnt != numel) {
		nx_type_str(&d->t, tdesc, sizeof tdesc);
		fail_at(P, start, "dense[...] has %lld value%s, %s needs %lld", (long long)cnt,
			cnt == 1 ? "" : "s", tdesc, (long long)numel);
		goto fail;
	}
	if (lex(P))
		goto fail;
	nx_type bt = d->t;
	bt.layout = NX_LAYOUT_PLAIN;
	return nx_blob_new_data(&bt, data);
fail:
	free(data);
	return NULL;
}

/* "fill" "(" FILL ["," "seed" "=" INT] ")" */
static nx_blob *parse_fill(parser *P, const decl_type *d)
{
	if (lex(P) || expect(P, '(', "'(' after fill"))
		return NULL;
	int fill = P->t.kind == T_WORD ? nx_fill_parse(P->s + P->t.pos, P->t.len) : -1;
	if (fill < 0) {
		unexpected(P, "a fill kind (random, zeros, ones)");
		return NULL;
	}
	uint64_t seed = 0;
	if (lex(P))
		return NULL;
	if (is_punct(P, ',')) {
		if (lex(P))
			return NULL;
		if (!is_kw(P, "seed")) {
			unexpected(P, "seed=N");
			return NULL;
		}
		if (lex(P) || expect(P, '=', "'=' after seed") || tok_u64(P, &P->t, &seed, "seed") ||
		    lex(P))
			return NULL;
	}
	if (expect(P, ')', "')' to close fill(...)"))
		return NULL;
	nx_type bt = d->t;
	bt.layout = NX_LAYOUT_PLAIN;
	return nx_blob_new_fill(&bt, fill, seed);
}

/* "file" "(" STRING "," "offset" "=" INT ")" — read now, relative to dir. */
static nx_blob *parse_file(parser *P, const decl_type *d)
{
	if (lex(P) || expect(P, '(', "'(' after file"))
		return NULL;
	if (P->t.kind != T_STRING) {
		unexpected(P, "the weights file name as a \"string\"");
		return NULL;
	}
	tok path_tok = P->t;
	uint64_t off = 0;
	if (lex(P) || expect(P, ',', "',' and offset=N after the file name"))
		return NULL;
	if (!is_kw(P, "offset")) {
		unexpected(P, "offset=N");
		return NULL;
	}
	if (lex(P) || expect(P, '=', "'=' after offset") || tok_u64(P, &P->t, &off, "offset") ||
	    lex(P) || expect(P, ')', "')' to close file(...)"))
		return NULL;
	if (off > INT64_MAX) {
		fail_at(P, path_tok.pos, "offset %llu is out of range", (unsigned long long)off);
		return NULL;
	}
	uint32_t poff = scratch_tok(P, &path_tok);
	nx_type bt = d->t;
	bt.layout = NX_LAYOUT_PLAIN;
	nx_err e;
	char what[160];
	snprintf(what, sizeof what, "%%%.*s", 120, P->buf + P->res_off[0]);
	nx_blob *b = nx_blob_new_file(&bt, &P->root, P->buf + poff, off, what, &e);
	if (!b)
		fail_at(P, path_tok.pos, "%s", e.msg);
	return b;
}

static nx_blob *parse_source(parser *P, const decl_type *d, int depth);

/* "scaled" "(" source "," "mode" "=" MODE ["," "group" "=" INT] ","
 *   "scale" "=" (dense | file) ")"
 * The base has the constant's type; the scales are f32[c], c from the mode
 * (nx_scale_count). */
static nx_blob *parse_scaled(parser *P, const decl_type *d, int depth)
{
	size_t start = P->t.pos;
	char tdesc[160];
	if (depth >= NX_SCALED_DEPTH) {
		fail_at(P, start, "scaled(...) nested more than %d deep", NX_SCALED_DEPTH);
		return NULL;
	}
	if (d->t.dtype != NX_F32) {
		nx_type_str(&d->t, tdesc, sizeof tdesc);
		fail_at(P, start, "scaled(...) holds f32 data, not %s", tdesc);
		return NULL;
	}
	if (lex(P) || expect(P, '(', "'(' after scaled"))
		return NULL;
	nx_blob *base = parse_source(P, d, depth + 1), *b = NULL;
	if (!base)
		return NULL;
	if (expect(P, ',', "',' and mode=M after the base of scaled(...)"))
		goto out;
	if (!is_kw(P, "mode")) {
		unexpected(P, "mode=outer, inner or convt");
		goto out;
	}
	if (lex(P) || expect(P, '=', "'=' after mode"))
		goto out;
	size_t mpos = P->t.pos;
	int mode = P->t.kind == T_WORD ? nx_scale_mode_parse(P->s + P->t.pos, P->t.len) : -1;
	if (mode < 0) {
		unexpected(P, "a scale mode (outer, inner, convt)");
		goto out;
	}
	uint64_t group = 1;
	if (lex(P) || expect(P, ',', "',' after the mode"))
		goto out;
	if (is_kw(P, "group")) {
		if (lex(P) || expect(P, '=', "'=' after group") ||
		    tok_u64(P, &P->t, &group, "group") || lex(P) ||
		    expect(P, ',', "',' and scale=... after the group"))
			goto out;
		if (mode != NX_SCALE_CONVT) {
			fail_at(P, mpos, "group=N is for mode=convt only");
			goto out;
		}
	}
	int64_t c = group <= INT64_MAX ? nx_scale_count(&d->t, mode, (int64_t)group) : -1;
	if (c < 0) {
		nx_type_str(&d->t, tdesc, sizeof tdesc);
		fail_at(P, mpos, "mode=%s%s does not fit %s", nx_scale_mode_name(mode),
			mode == NX_SCALE_CONVT ? " with this group" : "", tdesc);
		goto out;
	}
	if (!is_kw(P, "scale")) {
		unexpected(P, "scale=dense[...] or scale=file(...)");
		goto out;
	}
	if (lex(P) || expect(P, '=', "'=' after scale"))
		goto out;
	decl_type sd = {.t = {.dtype = NX_F32, .rank = 1, .dims = {c}}, .known = true,
			.pos = P->t.pos};
	nx_blob *sc = NULL;
	if (is_kw(P, "dense"))
		sc = parse_dense(P, &sd);
	else if (is_kw(P, "file"))
		sc = parse_file(P, &sd);
	else
		unexpected(P, "the scales: dense[...] or file(...)");
	if (!sc)
		goto out;
	if (expect(P, ')', "')' to close scaled(...)")) {
		nx_blob_unref(sc);
		goto out;
	}
	b = nx_blob_new_scaled(base, sc->data, c, mode, (int64_t)group);
	nx_blob_unref(sc);
out:
	nx_blob_unref(base); /* b holds its own reference */
	return b;
}

/* source = dense | fill | file | scaled; NULL (with the error set) when it is
 * none of them or malformed. */
static nx_blob *parse_source(parser *P, const decl_type *d, int depth)
{
	if (is_kw(P, "dense"))
		return parse_dense(P, d);
	if (is_kw(P, "fill"))
		return parse_fill(P, d);
	if (is_kw(P, "file"))
		return parse_file(P, d);
	if (is_kw(P, "scaled"))
		return parse_scaled(P, d, depth);
	unexpected(P, "the constant's data: dense[...], fill(...), file(...) or scaled(...)");
	return NULL;
}

/* const = VNAME "=" "const" type source
 * source = dense | fill | file | scaled | "blob" "(" "#" INT ")" */
static int parse_const(parser *P)
{
	decl_type d;
	if (lex(P) || parse_type(P, &d, false))
		return -1;
	if (is_kw(P, "blob"))
		return fail_at(P, P->t.pos, "blob(#k) names data held in the memory of the program "
			       "that printed it and cannot be read back; save the model with its "
			       "weights instead (nex opt/convert -o OUT.nex writes them to "
			       "OUT.nex.bin)");
	nx_blob *b = parse_source(P, &d, 0);
	if (!b)
		return -1;
	nx_err e;
	uint32_t v = nx_const_new(P->g, P->buf + P->res_off[0], b, &e);
	if (v == NX_NONE)
		return name_taken(P, 1, e.msg);
	if (d.t.layout != NX_LAYOUT_PLAIN)
		nx_value_set_type(P->g, v, &d.t);
	note_def(P, v, P->res[0].pos);
	return 0;
}

/* ---- ops ---- */

static const char *kind_desc(int k)
{
	switch (k) {
	case NX_ATTR_INT: return "an int";
	case NX_ATTR_FLOAT: return "a float";
	case NX_ATTR_STR: return "a string";
	case NX_ATTR_INTS: return "a list of ints";
	case NX_ATTR_FLOATS: return "a list of floats";
	}
	return "?";
}

static int attr_kind_error(parser *P, size_t pos, const char *name, int kind, int want,
			   const char *got)
{
	return fail_at(P, pos, "attribute '%s' of %s is %s, got %s", name, nx_ops[kind].name,
		       kind_desc(want), got);
}

static int unknown_attr(parser *P, const tok *t, const char *name, int kind)
{
	const nx_opinfo *k = &nx_ops[kind];
	if (!strncmp(name, "act", 3) && nx_attr_spec_find(NX_OP_CONV, name))
		return fail_at(P, t->pos, "%s takes no fused activation (attribute '%s')", k->name,
			       name);
	const char *best = NULL;
	size_t bd = 99, n = strlen(name);
	for (const nx_attr_spec *s = k->attrs; s->name; s++)
		consider(name, n, s->name, &best, &bd);
	for (const nx_attr_spec *s = nx_common_attrs; s->name; s++)
		if (nx_attr_spec_find(kind, s->name))
			consider(name, n, s->name, &best, &bd);
	if (best)
		return fail_at(P, t->pos, "unknown attribute '%s' for %s; did you mean '%s'?", name,
			       k->name, best);
	char list[512];
	size_t m = 0;
	list[0] = 0;
	for (const nx_attr_spec *s = k->attrs; s->name && m < sizeof list - 64; s++)
		m += (size_t)snprintf(list + m, sizeof list - m, "%s%s", m ? ", " : "", s->name);
	if (m)
		return fail_at(P, t->pos, "unknown attribute '%s' for %s (it takes %s, and the "
			       "common attributes listed in docs/ir.md)", name, k->name, list);
	return fail_at(P, t->pos, "unknown attribute '%s' for %s (it has none of its own; the "
		       "common attributes are listed in docs/ir.md)", name, k->name);
}

/* attr = (WORD | STRING) "=" value
 * value = NUMBER | STRING | "[" [NUMBER {"," NUMBER}] "]"
 * The schema decides int vs float: 1 reads as 1.0 where a float is wanted. */
static int parse_attr(parser *P, uint32_t o, int kind)
{
	nx_graph *g = P->g;
	tok nt = P->t;
	if (nt.kind != T_WORD && nt.kind != T_STRING)
		return unexpected(P, "an attribute name");
	uint32_t mark = P->n_buf;
	uint32_t noff = scratch_tok(P, &nt);
	const nx_attr_spec *spec = nx_attr_spec_find(kind, P->buf + noff);
	if (!spec && !(nx_ops[kind].flags & NX_F_OPAQUE))
		return unknown_attr(P, &nt, P->buf + noff, kind);
	/* the executor's own attributes on the resize of one tile: a file
	 * setting them would compute a piece of the op in place of the op */
	if (kind == NX_OP_RESIZE && !strncmp(P->buf + noff, "tile_", 5))
		return fail_at(P, nt.pos, "attribute '%s' of resize is set by the NE executor on "
			       "the ops of its tile tasks only; a .nex file cannot set it (the "
			       "op's tiles are attribute 'tile')", P->buf + noff);
	if (nx_attr_get(g, o, P->buf + noff))
		return fail_at(P, nt.pos, "duplicate attribute '%s'", P->buf + noff);
	if (lex(P) || expect(P, '=', "'=' after the attribute name"))
		return -1;
	int want = spec ? spec->kind : -1;
	tok vt = P->t;
	char got[96];
	if (vt.kind == T_STRING) {
		if (want >= 0 && want != NX_ATTR_STR)
			return attr_kind_error(P, vt.pos, P->buf + noff, kind, want, "a string");
		uint32_t soff = scratch_tok(P, &vt);
		nx_attr_set_s(g, o, P->buf + noff, P->buf + soff);
	} else if (is_number(P, &vt)) {
		bool isf = vt.kind != T_INT;
		snprintf(got, sizeof got, "%.*s", (int)(vt.len < 60 ? vt.len : 60), P->s + vt.pos);
		if (want == NX_ATTR_INT || (want < 0 && !isf)) {
			int64_t v = 0;
			if (isf)
				return attr_kind_error(P, vt.pos, P->buf + noff, kind, want, got);
			if (tok_i64(P, &vt, &v))
				return -1;
			nx_attr_set_i(g, o, P->buf + noff, v);
		} else if (want == NX_ATTR_FLOAT || want < 0) {
			float f;
			if (tok_f32(P, &vt, &f))
				return -1;
			nx_attr_set_f(g, o, P->buf + noff, f);
		} else {
			return attr_kind_error(P, vt.pos, P->buf + noff, kind, want, got);
		}
	} else if (is_punct(P, '[')) {
		if (want == NX_ATTR_INT || want == NX_ATTR_FLOAT || want == NX_ATTR_STR)
			return attr_kind_error(P, vt.pos, P->buf + noff, kind, want, "a list");
		uint32_t cnt = 0;
		bool anyf = false;
		if (lex(P))
			return -1;
		while (!is_punct(P, ']')) {
			tok et = P->t;
			if (!is_number(P, &et))
				return unexpected(P, "a number in the list");
			GROW(P, ints, cap_ints, cnt + 1);
			GROW(P, floats, cap_floats, cnt + 1);
			if (et.kind == T_INT) {
				if (tok_i64(P, &et, &P->ints[cnt]))
					return -1;
				P->floats[cnt] = (float)P->ints[cnt];
			} else {
				if (want == NX_ATTR_INTS) {
					snprintf(got, sizeof got, "a list holding %.*s",
						 (int)(et.len < 60 ? et.len : 60), P->s + et.pos);
					return attr_kind_error(P, et.pos, P->buf + noff, kind, want, got);
				}
				if (tok_f32(P, &et, &P->floats[cnt]))
					return -1;
				anyf = true;
			}
			cnt++;
			int more = list_next(P);
			if (more < 0)
				return -1;
			if (!more)
				break;
		}
		if (!is_punct(P, ']'))
			return unexpected(P, "',' or ']' in the list");
		if (want == NX_ATTR_FLOATS || (want < 0 && anyf))
			nx_attr_set_floats(g, o, P->buf + noff, P->floats, cnt);
		else
			nx_attr_set_ints(g, o, P->buf + noff, P->ints, cnt);
	} else {
		return unexpected(P, "an attribute value (a number, \"string\" or [list])");
	}
	P->n_buf = mark;
	return lex(P);
}

static int unknown_op(parser *P, const tok *t)
{
	const char *s = P->s + t->pos;
	const char *best = NULL;
	size_t bd = 99;
	char tmp[64];
	if (t->len < sizeof tmp) {
		memcpy(tmp, s, t->len);
		tmp[t->len] = 0;
		int k = nx_op_lookup_onnx(tmp);
		if (k >= 0)
			best = nx_ops[k].name, bd = 0;
	}
	for (int k = 0; k < NX_OP_COUNT && bd; k++)
		consider(s, t->len, nx_ops[k].name, &best, &bd);
	if (best)
		return fail_at(P, t->pos, "unknown op '%.*s'; did you mean '%s'?", (int)t->len, s,
			       best);
	return fail_at(P, t->pos, "unknown op '%.*s' (docs/ir.md lists the op kinds; ops nex "
		       "does not know are written opaque(...) {op_type=\"...\"})", (int)t->len, s);
}

/* nx_op_lookup, minus a strlen per registry row: this runs once per op
 * line, and the first character rules out almost every row. */
static int op_lookup(const char *s, size_t len)
{
	for (int k = 0; k < NX_OP_COUNT; k++) {
		const char *nm = nx_ops[k].name;
		if (nm[0] == s[0] && !strncmp(nm, s, len) && nm[len] == 0)
			return k;
	}
	return -1;
}

/* Shape inference on the op just read; declared types must agree with it
 * (dtype and dims; the declared layout tag stands). Opaque ops keep theirs. */
static int check_types(parser *P, uint32_t o, const tok *kind_tok, uint32_t n_out)
{
	nx_graph *g = P->g;
	bool opaque = nx_ops[g->ops[o].kind].flags & NX_F_OPAQUE;
	/* Opaque ops take their declared types as given. Other kinds start
	 * with them too, but inference decides and they are checked after: the
	 * declaration only stands where the length comes from a run-time
	 * operand's value (range, the windows, constant_of_shape), which
	 * inference keeps and the kernel checks. The declared layout is put
	 * back after inference. */
	for (uint32_t i = 0; i < n_out; i++)
		if (P->rtype[i].known)
			nx_value_set_type(g, nx_result(g, o, i), &P->rtype[i].t);
	nx_err e;
	if (nx_infer_op(g, o, &e))
		return fail_at(P, kind_tok->pos, "%s", e.msg);
	for (uint32_t i = 0; i < n_out; i++) {
		const decl_type *d = &P->rtype[i];
		uint32_t v = nx_result(g, o, i);
		if (!d->known)
			continue;
		if (opaque)
			continue;
		if (nx_check_declared(nx_vname(g, v), &d->t, nx_vtype(g, v), &e))
			return fail_at(P, d->pos, "%s", e.msg);
		if (d->t.layout != nx_vtype(g, v)->layout)
			nx_value_set_type(g, v, &d->t);
	}
	return 0;
}

/* op = results "=" KIND "(" [operand {"," operand}] ")" ["{" [attr {"," attr}] "}"]
 *      ":" rtype {"," rtype} ["loc" "(" STRING {"," STRING} ")"] ["born" "(" INT ")"]
 * operand = VNAME | "_" */
static int parse_op(parser *P, uint32_t n_res)
{
	nx_graph *g = P->g;
	tok kt = P->t;
	if (kt.kind != T_WORD)
		return unexpected(P, "an op kind or 'const'");
	int kind = op_lookup(P->s + kt.pos, kt.len);
	if (kind < 0)
		return unknown_op(P, &kt);
	const nx_opinfo *info = &nx_ops[kind];
	nx_err e;
	if (nx_check_count(kind, true, n_res, &e))
		return fail_at(P, n_res > info->out_max ? P->res[info->out_max].pos : kt.pos, "%s",
			       e.msg);
	if (lex(P) || expect(P, '(', "'(' and the operands"))
		return -1;
	uint32_t n_in = 0;
	size_t extra_pos = 0; /* the first operand past in_max */
	while (!is_punct(P, ')')) {
		GROW(P, in, cap_in, n_in + 1);
		if (n_in == info->in_max)
			extra_pos = P->t.pos;
		if (n_in == UINT16_MAX)
			return fail_at(P, P->t.pos, "too many operands (at most %u)", UINT16_MAX);
		if (is_kw(P, "_")) {
			if (nx_check_absent(kind, n_in, &e))
				return fail_at(P, P->t.pos, "%s", e.msg);
			P->in[n_in] = NX_NONE;
		} else if (P->t.kind == T_VNAME) {
			if (resolve(P, &P->t, &P->in[n_in]))
				return -1;
		} else {
			return unexpected(P, "an operand (%name, or _ for an absent one)");
		}
		n_in++;
		int more = list_next(P);
		if (more < 0)
			return -1;
		if (!more)
			break;
	}
	if (!is_punct(P, ')'))
		return unexpected(P, "',' or ')' after an operand");
	if (nx_check_count(kind, false, n_in, &e))
		return fail_at(P, n_in < info->in_min ? P->t.pos : extra_pos, "%s", e.msg);
	if (lex(P))
		return -1;

	GROW(P, res_name, cap_res_name, n_res);
	for (uint32_t i = 0; i < n_res; i++)
		P->res_name[i] = P->buf + P->res_off[i];
	uint32_t o = nx_op_new(g, kind, P->in, n_in, n_res, P->res_name, NX_NONE, &e);
	if (o == NX_NONE)
		return name_taken(P, n_res, e.msg);
	for (uint32_t i = 0; i < n_res; i++)
		note_def(P, nx_result(g, o, i), P->res[i].pos);

	if (is_punct(P, '{')) {
		if (lex(P))
			return -1;
		while (!is_punct(P, '}')) {
			if (parse_attr(P, o, kind))
				return -1;
			if (!is_punct(P, ','))
				break;
			if (lex(P))
				return -1;
		}
		if (expect(P, '}', "',' or '}' after an attribute"))
			return -1;
	}
	if (expect(P, ':', "':' and the result types"))
		return -1;
	GROW(P, rtype, cap_rtype, n_res);
	for (uint32_t i = 0; i < n_res; i++) {
		if (i && expect(P, ',', "',' and the type of the next result"))
			return -1;
		if (parse_type(P, &P->rtype[i], true))
			return -1;
	}
	if (is_kw(P, "loc")) {
		uint32_t n = 0;
		if (lex(P) || expect(P, '(', "'(' after loc"))
			return -1;
		for (;;) {
			if (P->t.kind != T_STRING)
				return unexpected(P, "a source node name as a \"string\"");
			GROW(P, sids, cap_sids, n + 1); /* origins have no cap (nx_op.n_origin) */
			uint32_t mark = P->n_buf, off = scratch_tok(P, &P->t);
			P->sids[n++] = nx_str(g, P->buf + off);
			P->n_buf = mark;
			int more = list_next(P);
			if (more < 0)
				return -1;
			if (!more)
				break;
		}
		if (expect(P, ')', "',' or ')' in loc(...)"))
			return -1;
		nx_op_set_origin(g, o, P->sids, n);
	}
	if (is_kw(P, "born")) {
		uint64_t b = 0;
		if (lex(P) || expect(P, '(', "'(' after born") ||
		    tok_u64(P, &P->t, &b, "born step"))
			return -1;
		if (b > UINT32_MAX)
			return fail_at(P, P->t.pos, "born step %llu is out of range",
				       (unsigned long long)b);
		if (lex(P) || expect(P, ')', "')' to close born(...)"))
			return -1;
		g->ops[o].born = (uint32_t)b;
	}
	return check_types(P, o, &kt, n_res);
}

/* stmt = VNAME {"," VNAME} "=" (const | op) */
static int parse_stmt(parser *P)
{
	uint32_t n_res = 0;
	P->n_buf = 0;
	P->stmt_pos = P->t.pos;
	for (;;) {
		if (P->t.kind != T_VNAME)
			return unexpected(P, "a result name (%name)");
		if (n_res == NX_VARIADIC)
			return fail_at(P, P->t.pos, "too many results (at most %u)", NX_VARIADIC);
		GROW(P, res, cap_res, n_res + 1);
		GROW(P, res_off, cap_res_off, n_res + 1);
		P->res[n_res] = P->t;
		P->res_off[n_res] = scratch_tok(P, &P->t);
		n_res++;
		int more = list_next(P);
		if (more < 0)
			return -1;
		if (!more)
			break;
	}
	if (expect(P, '=', "'=' after the result names"))
		return -1;
	if (is_kw(P, "const")) {
		if (n_res != 1)
			return fail_at(P, P->res[1].pos, "a constant defines one value");
		return parse_const(P);
	}
	return parse_op(P, n_res);
}

/* params = "(" [VNAME ":" type {"," VNAME ":" type}] ")" — graph inputs. */
static int parse_inputs(parser *P)
{
	if (expect(P, '(', "'(' and the graph inputs"))
		return -1;
	while (!is_punct(P, ')')) {
		if (P->t.kind != T_VNAME)
			return unexpected(P, "an input (%name: type)");
		GROW(P, res, cap_res, 1);
		GROW(P, res_off, cap_res_off, 1);
		P->n_buf = 0;
		P->res[0] = P->t;
		P->res_off[0] = scratch_tok(P, &P->t);
		decl_type d;
		if (lex(P) || expect(P, ':', "':' and the input's type") || parse_type(P, &d, false))
			return -1;
		nx_err e;
		uint32_t v = nx_value_new(P->g, P->buf + P->res_off[0], nx_type_intern(P->g, &d.t),
					  &e);
		if (v == NX_NONE)
			return name_taken(P, 1, e.msg);
		nx_graph_add_input(P->g, v);
		note_def(P, v, P->res[0].pos);
		if (!is_punct(P, ','))
			break;
		if (lex(P))
			return -1;
	}
	return expect(P, ')', "',' or ')' after an input");
}

/* outs = "(" [VNAME ":" rtype {"," VNAME ":" rtype}] ")" — checked at return. */
static int parse_outputs(parser *P)
{
	if (expect(P, '(', "'(' and the graph outputs"))
		return -1;
	while (!is_punct(P, ')')) {
		if (P->t.kind != T_VNAME)
			return unexpected(P, "an output (%name: type)");
		GROW(P, outs, cap_outs, P->n_outs + 1);
		header_out *h = &P->outs[P->n_outs++];
		h->name = P->t;
		if (lex(P) || expect(P, ':', "':' and the output's type") ||
		    parse_type(P, &h->type, true))
			return -1;
		if (!is_punct(P, ','))
			break;
		if (lex(P))
			return -1;
	}
	return expect(P, ')', "',' or ')' after an output");
}

/* ret = "return" [VNAME {"," VNAME}] — the header's outputs, in order. */
static int parse_return(parser *P)
{
	nx_graph *g = P->g;
	size_t ret_pos = P->t.pos;
	uint32_t k = 0;
	P->stmt_pos = ret_pos;
	if (lex(P))
		return -1;
	while (P->t.kind == T_VNAME) {
		uint32_t v;
		P->n_buf = 0;
		if (resolve(P, &P->t, &v))
			return -1;
		if (k == P->n_outs)
			return fail_at(P, P->t.pos, "return lists more values than the %u output%s "
				       "the header declares", P->n_outs, P->n_outs == 1 ? "" : "s");
		header_out *h = &P->outs[k];
		uint32_t a = scratch_tok(P, &P->t), b = scratch_tok(P, &h->name);
		if (strcmp(P->buf + a, P->buf + b))
			return fail_at(P, P->t.pos, "return lists %%%s where the header declares "
				       "output %u as %%%s", P->buf + a, k, P->buf + b);
		if (h->type.known && !nx_type_eq(&h->type.t, nx_vtype(g, v))) {
			char da[160], db[160];
			nx_type_str(&h->type.t, da, sizeof da);
			nx_type_str(nx_vtype(g, v), db, sizeof db);
			return fail_at(P, h->type.pos, "output %%%s is declared %s, but the value is %s",
				       P->buf + a, da, db);
		}
		nx_graph_add_output(g, v);
		k++;
		if (lex(P))
			return -1;
		if (!is_punct(P, ','))
			break;
		if (lex(P) || (P->t.kind != T_VNAME && unexpected(P, "a value after ','")))
			return -1;
	}
	if (k < P->n_outs)
		return fail_at(P, P->t.kind == T_PUNCT ? P->t.pos : ret_pos,
			       "return lists %u value%s, the header declares %u output%s", k,
			       k == 1 ? "" : "s", P->n_outs, P->n_outs == 1 ? "" : "s");
	return 0;
}

/* graph = "graph" GNAME params "->" outs "{" {stmt} ret "}" */
static int parse_graph(parser *P)
{
	if (lex(P))
		return -1;
	if (!is_kw(P, "graph")) {
		if (P->t.kind == T_EOF)
			return fail_at(P, 0, "empty file: expected 'graph @name(...) -> (...) {'");
		return unexpected(P, "'graph @name(...) -> (...) {'");
	}
	if (lex(P))
		return -1;
	if (P->t.kind != T_GNAME)
		return unexpected(P, "the graph's name (@name)");
	uint32_t off = scratch_tok(P, &P->t);
	P->g = nx_graph_new(P->buf + off);
	if (lex(P) || parse_inputs(P))
		return -1;
	if (P->t.kind != T_ARROW)
		return unexpected(P, "'->' and the graph outputs");
	if (lex(P) || parse_outputs(P) || expect(P, '{', "'{' to open the graph body"))
		return -1;
	while (!is_kw(P, "return")) {
		if (P->t.kind == T_EOF)
			return unexpected(P, "an op or 'return'");
		if (P->t.kind != T_VNAME)
			return unexpected(P, "an op ('%name = ...') or 'return'");
		if (parse_stmt(P))
			return -1;
	}
	if (parse_return(P) || expect(P, '}', "'}' to close the graph"))
		return -1;
	if (P->t.kind != T_EOF) {
		char d[80];
		return fail_at(P, P->t.pos, "unexpected %s after the end of graph @%s (one graph "
			       "per file)", tok_desc(P, &P->t, d, sizeof d), nx_cstr(P->g, P->g->name));
	}
	return 0;
}

nx_graph *nx_parse(const char *text, size_t len, const char *file, const char *dir,
		   nx_err *err)
{
	nx_fileroot root = {dir, false};
	return nx_parse_in(text, len, file, &root, err);
}

nx_graph *nx_parse_in(const char *text, size_t len, const char *file, const nx_fileroot *root,
		      nx_err *err)
{
	nx_err dummy;
	parser P;
	memset(&P, 0, sizeof P);
	/* A UTF-8 byte-order mark is skipped, as JSON's loader does: editors on
	 * some systems write one. */
	size_t bom = text ? nx_bom_len(text, len) : 0;
	P.s = text ? text + bom : "";
	P.n = text ? len - bom : 0;
	P.file = file ? file : "<input>";
	if (root)
		P.root = *root;
	P.err = err ? err : &dummy;
	/* Scratch arrays start non-NULL: zero-length copies from them are
	 * then well defined. */
	GROW(&P, buf, cap_buf, 256);
	GROW(&P, ints, cap_ints, 16);
	GROW(&P, floats, cap_floats, 16);
	int rc = parse_graph(&P);
	free(P.buf); free(P.in); free(P.res); free(P.res_off); free(P.res_name);
	free(P.rtype); free(P.ints); free(P.floats); free(P.sids); free(P.def_pos);
	free(P.outs);
	if (rc) {
		nx_graph_free(P.g);
		return NULL;
	}
	nx_graph_trim(P.g);
	return P.g;
}
