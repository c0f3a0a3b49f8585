/* neasm_parse.c — reads the .neasm text that neasm_print.c writes, against
 * the graph the program was lowered from: op=%name and descriptor %names
 * must name values of that graph, engines, kinds, spaces and dtypes must be
 * known, tasks numbered in order. Every error is located
 * ("file:line:col: ..."). Comments run from ';' to the end of the line. */
#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "nxg.h"

typedef struct rd {
	const char *s, *end, *line;  /* text, its end, start of the current line */
	uint32_t lno;
	const char *file;
	const nx_graph *g;
	nxg_prog *p;
	nx_err *err;
} rd;

static int fail(rd *r, const char *at, const char *fmt, ...) NX_PRINTF(3, 4);
static int fail(rd *r, const char *at, const char *fmt, ...)
{
	char m[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(m, sizeof m, fmt, ap);
	va_end(ap);
	nx_err_set(r->err, "%s:%u:%d: %s", r->file, r->lno, (int)(at - r->line) + 1, m);
	return -1;
}

static void blank(rd *r)
{
	while (r->s < r->end && (*r->s == ' ' || *r->s == '\t'))
		r->s++;
	if (r->s < r->end && *r->s == ';')
		while (r->s < r->end && *r->s != '\n')
			r->s++;
}

static bool at_eol(rd *r)
{
	blank(r);
	return r->s >= r->end || *r->s == '\n';
}

/* A word: up to a space, newline, ';' or one of stop. */
static size_t word(rd *r, const char *stop)
{
	blank(r);
	const char *a = r->s;
	while (r->s < r->end && !strchr(" \t\n;", *r->s) && !(stop && strchr(stop, *r->s)))
		r->s++;
	return (size_t)(r->s - a);
}

static bool lit(rd *r, const char *w)
{
	blank(r);
	size_t n = strlen(w);
	if ((size_t)(r->end - r->s) >= n && !memcmp(r->s, w, n)) {
		r->s += n;
		return true;
	}
	return false;
}

static int expect(rd *r, const char *w)
{
	if (lit(r, w))
		return 0;
	return fail(r, r->s, "expected '%s'", w);
}

/* A decimal or 0x-hex number (non-negative). */
static int num(rd *r, int64_t *v)
{
	blank(r);
	const char *a = r->s;
	bool hex = r->end - r->s > 2 && r->s[0] == '0' && r->s[1] == 'x';
	if (hex)
		r->s += 2;
	uint64_t x = 0;
	const char *d = r->s;
	while (r->s < r->end && (hex ? isxdigit((unsigned char)*r->s) : isdigit((unsigned char)*r->s))) {
		int c = (unsigned char)*r->s;
		int dv = isdigit(c) ? c - '0' : (tolower(c) - 'a' + 10);
		if (x > (uint64_t)INT64_MAX / 16)
			return fail(r, a, "number too large");
		x = x * (hex ? 16 : 10) + (uint64_t)dv;
		r->s++;
	}
	if (r->s == d || x > (uint64_t)INT64_MAX)
		return fail(r, a, "expected a number");
	*v = (int64_t)x;
	return 0;
}

static int str(rd *r, char *out, size_t cap)
{
	blank(r);
	const char *a = r->s;
	if (r->s >= r->end || *r->s != '"')
		return fail(r, a, "expected a quoted string");
	r->s++;
	const char *b = r->s;
	while (r->s < r->end && *r->s != '"' && *r->s != '\n')
		r->s++;
	if (r->s >= r->end || *r->s != '"')
		return fail(r, a, "unterminated string");
	size_t n = (size_t)(r->s - b);
	r->s++;
	if (n >= cap)
		return fail(r, a, "string too long");
	memcpy(out, b, n);
	out[n] = 0;
	return 0;
}

/* %name or %"name" (C escapes \\ \" \xHH \n \t \r). */
static int value(rd *r, uint32_t *v)
{
	blank(r);
	const char *a = r->s;
	if (!lit(r, "%"))
		return fail(r, a, "expected a %%value");
	char name[1024];
	size_t n = 0;
	if (r->s < r->end && *r->s == '"') {
		r->s++;
		while (r->s < r->end && *r->s != '"' && *r->s != '\n') {
			char c = *r->s++;
			if (c == '\\' && r->s < r->end) {
				char e = *r->s++;
				if (e == 'n')
					c = '\n';
				else if (e == 't')
					c = '\t';
				else if (e == 'r')
					c = '\r';
				else if (e == 'x' && r->end - r->s >= 2 && isxdigit((unsigned char)r->s[0]) &&
					 isxdigit((unsigned char)r->s[1])) {
					char hx[3] = {r->s[0], r->s[1], 0};
					c = (char)strtol(hx, NULL, 16);
					r->s += 2;
				} else if (e == '"' || e == '\\')
					c = e;
				else
					return fail(r, r->s - 2, "unknown escape in a name");
			}
			if (n + 1 >= sizeof name)
				return fail(r, a, "name too long");
			name[n++] = c;
		}
		if (r->s >= r->end || *r->s != '"')
			return fail(r, a, "unterminated name");
		r->s++;
	} else {
		const char *b = r->s;
		size_t k = word(r, ",");
		if (k + 1 >= sizeof name)
			return fail(r, a, "name too long");
		memcpy(name, b, k);
		n = k;
	}
	name[n] = 0;
	*v = nx_value_by_name(r->g, name, n);
	if (*v == NX_NONE)
		return fail(r, a, "no value %%%.200s in the graph", name);
	return 0;
}

static int enum_word(rd *r, int (*parse)(const char *, size_t), const char *what, int *out)
{
	blank(r);
	const char *a = r->s;
	size_t n = word(r, NULL);
	*out = parse(a, n);
	if (*out < 0) {
		char m[64];
		snprintf(m, sizeof m, "%.*s", (int)(n < 40 ? n : 40), a);
		return fail(r, a, "unknown %s '%s'", what, m);
	}
	return 0;
}

static int dtype_parse(const char *s, size_t n)
{
	return nx_dtype_parse(s, n);
}

/* A descriptor's number: no address, size or stride can pass the largest
 * space, and the bound keeps the checker's products from overflowing. */
static int dnum(rd *r, int64_t *v)
{
	blank(r);
	const char *a = r->s;
	if (num(r, v))
		return -1;
	if (*v > NXG_SPACE_MAX)
		return fail(r, a, "number above the largest memory space (4 GiB)");
	return 0;
}

/* SPACE ADDR DTYPE [b,c,h,w] row R plane P [win ...] %owner [as %v] | none */
static int desc(rd *r, nxg_desc *d)
{
	memset(d, 0, sizeof *d);
	if (lit(r, "none")) {
		d->space = NXG_SPACE_COUNT;
		d->value = d->type_of = NX_NONE;
		return 0;
	}
	int sp, dt;
	if (enum_word(r, nxg_space_parse, "memory space", &sp) || dnum(r, &d->addr) ||
	    enum_word(r, dtype_parse, "dtype", &dt) || expect(r, "["))
		return -1;
	d->space = (uint8_t)sp;
	d->dtype = (uint8_t)dt;
	for (int k = 0; k < 4; k++)
		if ((k && expect(r, ",")) || dnum(r, &d->dims[k]))
			return -1;
	if (expect(r, "]") || expect(r, "row") || dnum(r, &d->row) || expect(r, "plane") ||
	    dnum(r, &d->plane))
		return -1;
	for (int k = 0; k < 4; k++)
		d->wn[k] = d->dims[k];
	if (lit(r, "win"))
		for (int k = 0; k < 4; k++)
			if ((k && expect(r, ",")) || dnum(r, &d->w0[k]) || expect(r, "+") ||
			    dnum(r, &d->wn[k]))
				return -1;
	if (value(r, &d->value))
		return -1;
	d->type_of = d->value;
	if (lit(r, "as") && value(r, &d->type_of))
		return -1;
	return 0;
}

static int eol(rd *r)
{
	if (!at_eol(r))
		return fail(r, r->s, "unexpected text at the end of the line");
	if (r->s < r->end)
		r->s++;
	r->line = r->s;
	r->lno++;
	return 0;
}

static void append(char **list, const char *s)
{
	size_t a = *list ? strlen(*list) : 0, b = strlen(s);
	*list = nx_xrealloc(*list, a + b + 2);
	if (a)
		(*list)[a++] = ';';
	memcpy(*list + a, s, b + 1);
}

/* One directive line (after '.'); header_only stops at the first that
 * needs the graph. */
static int directive(rd *r, bool header_only, bool *stop)
{
	const char *a = r->s;
	size_t n = word(r, NULL);
	char buf[1024];
	nxg_prog *p = r->p;
#define IS(w) (n == strlen(w) && !memcmp(a, w, n))
	if (IS(".model"))
		return str(r, p->model, sizeof p->model);
	if (IS(".pipeline"))
		return str(r, p->pipeline, sizeof p->pipeline);
	if (IS(".target"))
		return str(r, p->target, sizeof p->target);
	if (IS(".alloc"))
		return str(r, p->alloc, sizeof p->alloc);
	if (IS(".set") || IS(".shape")) {
		if (str(r, buf, sizeof buf))
			return -1;
		append(IS(".set") ? &p->sets : &p->shapes, buf);
		return 0;
	}
	if (header_only) {
		*stop = true;
		return 0;
	}
	if (IS(".space")) {
		int s;
		if (enum_word(r, nxg_space_parse, "memory space", &s))
			return -1;
		const char *at = r->s;
		if (num(r, &p->space[s]))
			return -1;
		if (p->space[s] > NXG_SPACE_MAX)
			return fail(r, at, "space %s of %lld bytes: at most %lld (4 GiB)",
				    nxg_space_name(s), (long long)p->space[s], (long long)NXG_SPACE_MAX);
		return 0;
	}
	if (IS(".events")) {
		int64_t e;
		if (num(r, &e))
			return -1;
		if (e > UINT32_MAX / 2)
			return fail(r, a, "too many events");
		p->n_events = (uint32_t)e;
		return 0;
	}
	if (IS(".const")) {
		nxg_const c;
		if (value(r, &c.value) || expect(r, "dram") || dnum(r, &c.addr) || dnum(r, &c.bytes))
			return -1;
		if (!nx_is_const(r->g, c.value))
			return fail(r, a, "%s is not a constant of the graph", nx_vname(r->g, c.value));
		nx_grow((void **)&p->consts, &p->cap_consts, p->n_consts + 1, sizeof *p->consts);
		p->consts[p->n_consts++] = c;
		return 0;
	}
	if (IS(".input") || IS(".output")) {
		bool in = IS(".input");
		if (in && p->n_out)
			return fail(r, a, "inputs come before outputs");
		p->io = nx_xrealloc(p->io, (p->n_in + p->n_out + 1) * sizeof *p->io);
		if (desc(r, &p->io[p->n_in + p->n_out]))
			return -1;
		if (in)
			p->n_in++;
		else
			p->n_out++;
		return 0;
	}
	char m[64];
	snprintf(m, sizeof m, "%.*s", (int)(n < 40 ? n : 40), a);
	return fail(r, a, "unknown directive '%s'", m);
#undef IS
}

static int event(rd *r, uint32_t *e)
{
	int64_t v;
	if (expect(r, "e") || num(r, &v))
		return -1;
	if (v >= r->p->n_events)
		return fail(r, r->s, "event beyond .events");
	*e = (uint32_t)v;
	return 0;
}

/* Decimal only: op fields print as "k=0x3", which must not read as hex. */
static int i32(rd *r, int32_t *v)
{
	blank(r);
	const char *a = r->s;
	int64_t x = 0;
	while (r->s < r->end && isdigit((unsigned char)*r->s)) {
		x = x * 10 + (*r->s++ - '0');
		if (x > INT32_MAX)
			return fail(r, a, "number too large");
	}
	if (r->s == a)
		return fail(r, a, "expected a number");
	*v = (int32_t)x;
	return 0;
}

/* tN ENGINE KIND op=%v [tile=i/n] [wait=eA,eB] [signal=eC] [k= s= p= g=] [act=] */
static int task(rd *r)
{
	nxg_prog *p = r->p;
	const nx_graph *g = r->g;
	const char *a = r->s;
	int64_t id;
	int eng, kind;
	if (expect(r, "t") || num(r, &id))
		return -1;
	if (id != p->n_tasks) {
		char m[32];
		snprintf(m, sizeof m, "%u", p->n_tasks);
		return fail(r, a, "tasks are numbered in order: t%s expected", m);
	}
	uint32_t v;
	if (enum_word(r, nxg_engine_parse, "engine", &eng) ||
	    enum_word(r, nxg_kind_parse, "task kind", &kind) || expect(r, "op=") || value(r, &v))
		return -1;
	uint32_t op = g->vals[v].producer;
	if (op == NX_NONE || nx_result(g, op, 0) != v)
		return fail(r, a, "%%%s is not the first result of an op", nx_vname(g, v));
	bool dma = eng == NXG_DMA;
	if (dma != (kind >= NXG_K_WEIGHTS))
		return fail(r, a, "%s", dma ? "a dma task moves weights, spills or fills"
				: "weights, spill and fill are dma tasks");
	uint32_t n_in = dma ? 1 : nx_opp(g, op)->n_in, n_out = dma ? 1 : nx_opp(g, op)->n_out;
	nxg_task t;
	memset(&t, 0, sizeof t);
	t.n_tiles = 1;
	t.signal = NX_NONE;
	t.f.act = NX_NONE;
	uint32_t waits[NXG_MAX_WAITS], nw = 0;
	for (;;) {
		if (lit(r, "tile=")) {
			int64_t i, n;
			if (num(r, &i) || expect(r, "/") || num(r, &n))
				return -1;
			if (n < 2 || i >= n || n > UINT32_MAX / 2)
				return fail(r, r->s, "tile index out of range");
			t.tile = (uint32_t)i, t.n_tiles = (uint32_t)n, t.split = 1;
		} else if (lit(r, "wait=")) {
			do {
				if (nw == sizeof waits / sizeof *waits)
					return fail(r, r->s, "too many waits");
				if (event(r, &waits[nw++]))
					return -1;
			} while (lit(r, ","));
		} else if (lit(r, "signal=")) {
			if (event(r, &t.signal))
				return -1;
		} else if (lit(r, "k=")) {
			if (i32(r, &t.f.kh) || expect(r, "x") || i32(r, &t.f.kw) || expect(r, "s=") ||
			    i32(r, &t.f.sh) || expect(r, "x") || i32(r, &t.f.sw) || expect(r, "p=") ||
			    i32(r, &t.f.pt) || expect(r, ",") || i32(r, &t.f.pl) || expect(r, ",") ||
			    i32(r, &t.f.pb) || expect(r, ",") || i32(r, &t.f.pr) || expect(r, "g=") ||
			    i32(r, &t.f.groups))
				return -1;
		} else if (lit(r, "act=")) {
			const char *b = r->s;
			size_t n = word(r, NULL);
			char an[64];
			snprintf(an, sizeof an, "%.*s", (int)(n < 63 ? n : 63), b);
			t.f.act = n < 63 && nx_act_valid(an) ? nx_str_find(g, b, n) : NX_NONE;
			if (t.f.act == NX_NONE)
				return fail(r, b, "unknown activation");
		} else {
			break;
		}
	}
	if (eol(r))
		return -1;
	uint32_t k = nxg_task_add(p, eng, kind, op, n_in, n_out);
	nxg_task *tk = &p->tasks[k];
	tk->tile = t.tile, tk->n_tiles = t.n_tiles, tk->split = t.split;
	tk->signal = t.signal;
	tk->f = t.f;
	for (uint32_t i = 0; i < nw; i++)
		nxg_task_wait(p, k, waits[i]);
	for (uint32_t i = 0; i < n_in + n_out; i++) {
		const char *tag = dma ? (i ? "dst" : "src") : i < n_in ? "in" : "out";
		if (!lit(r, tag))
			return fail(r, r->s, "expected a '%s' descriptor line", tag);
		if (desc(r, nxg_task_desc(p, &p->tasks[k], i)) || eol(r))
			return -1;
	}
	return 0;
}

static int parse(rd *r, bool header_only)
{
	bool stop = false;
	while (r->s < r->end && !stop) {
		if (at_eol(r)) {
			if (eol(r))
				return -1;
			continue;
		}
		const char *save = r->s;
		if (*r->s == '.') {
			if (directive(r, header_only, &stop))
				return -1;
			if (stop) {
				r->s = save;
				break;
			}
			if (eol(r))
				return -1;
		} else if (*r->s == 't' && !header_only) {
			if (task(r))
				return -1;
		} else if (header_only) {
			break;
		} else {
			return fail(r, r->s, "expected a directive or a task");
		}
	}
	return 0;
}

int nxg_parse_header(const char *text, size_t len, const char *file, nxg_prog *p, nx_err *err)
{
	rd r = {text, text + len, text, 1, file ? file : "<input>", NULL, p, err};
	return parse(&r, true);
}

nxg_prog *nxg_parse(const char *text, size_t len, const char *file, const nx_graph *g,
		    nx_err *err)
{
	nxg_prog *p = nxg_prog_new();
	rd r = {text, text + len, text, 1, file ? file : "<input>", g, p, err};
	if (parse(&r, false)) {
		nxg_prog_free(p);
		return NULL;
	}
	return p;
}
