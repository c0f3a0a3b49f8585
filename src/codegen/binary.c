/* binary.c — the binary form of a program (docs/ne-isa.md, byte by byte):
 * a 128-byte header, fixed-size records for tasks (80 bytes), descriptors
 * (136), waits (4), constants (24), then a string table holding the
 * directives and the value names records refer to. All integers little
 * endian. Values are named, not numbered, as in the text form: the reader
 * resolves names against the graph the directives rebuild. */
#include <stdlib.h>
#include <string.h>

#include "nxg.h"

enum { HDR = 128, TASK = 80, DESC = 136, CONST = 24, VERSION = 1 };
static const char magic[8] = {'N', 'E', 'X', 'P', 'R', 'O', 'G', 0};

typedef struct wbuf {
	uint8_t *b;
	size_t n, cap;
} wbuf;

static uint8_t *room(wbuf *w, size_t n)
{
	if (w->n + n > w->cap) {
		w->cap = (w->n + n) * 2;
		w->b = nx_xrealloc(w->b, w->cap);
	}
	uint8_t *p = w->b + w->n;
	memset(p, 0, n);
	w->n += n;
	return p;
}

static void put(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get(const uint8_t *p, int n)
{
	uint64_t v = 0;
	for (int i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* Strings: NUL-terminated, offsets into the table (0 = ""). */
static uint32_t str(wbuf *s, const char *z)
{
	if (!z || !*z)
		return 0;
	uint32_t off = (uint32_t)s->n;
	size_t n = strlen(z) + 1;
	memcpy(room(s, n), z, n);
	return off;
}

static void put_desc(uint8_t *p, const nxg_desc *d, wbuf *s, const nx_graph *g)
{
	p[0] = d->space;
	p[1] = d->dtype;
	bool none = d->space >= NXG_SPACE_COUNT;
	put(p + 4, none ? 0 : str(s, nx_vname(g, d->value)), 4);
	put(p + 8, none ? 0 : str(s, nx_vname(g, d->type_of)), 4);
	put(p + 16, (uint64_t)d->addr, 8);
	for (int k = 0; k < 4; k++) {
		put(p + 24 + 8 * k, (uint64_t)d->dims[k], 8);
		put(p + 72 + 8 * k, (uint64_t)d->w0[k], 8);
		put(p + 104 + 8 * k, (uint64_t)d->wn[k], 8);
	}
	put(p + 56, (uint64_t)d->row, 8);
	put(p + 64, (uint64_t)d->plane, 8);
}

void *nxg_bin_write(const nxg_prog *p, const nx_graph *g, size_t *len)
{
	wbuf w = {0}, s = {0};
	room(&s, 1); /* offset 0 = "" */
	uint32_t n_io = p->n_in + p->n_out;
	uint8_t *h = room(&w, HDR);
	(void)h;
	for (uint32_t k = 0; k < p->n_tasks; k++) {
		const nxg_task *t = &p->tasks[k];
		uint8_t *r = room(&w, TASK);
		r[0] = t->engine, r[1] = t->kind, r[2] = t->split;
		put(r + 4, str(&s, nx_vname(g, nx_result(g, t->op, 0))), 4);
		put(r + 8, t->tile, 4);
		put(r + 12, t->n_tiles, 4);
		put(r + 16, t->d0, 4);
		put(r + 20, t->n_in, 2);
		put(r + 22, t->n_out, 2);
		put(r + 24, t->w0, 4);
		put(r + 28, t->n_wait, 4);
		put(r + 32, t->signal, 4);
		const int32_t f[9] = {t->f.kh, t->f.kw, t->f.sh, t->f.sw, t->f.pt, t->f.pl, t->f.pb,
				      t->f.pr, t->f.groups};
		for (int i = 0; i < 9; i++)
			put(r + 36 + 4 * i, (uint32_t)f[i], 4);
		put(r + 72, t->f.act == NX_NONE ? 0 : str(&s, nx_cstr(g, t->f.act)), 4);
	}
	for (uint32_t i = 0; i < p->n_descs; i++)
		put_desc(room(&w, DESC), &p->descs[i], &s, g);
	for (uint32_t i = 0; i < n_io; i++)
		put_desc(room(&w, DESC), &p->io[i], &s, g);
	for (uint32_t i = 0; i < p->n_waits; i++)
		put(room(&w, 4), p->waits[i], 4);
	for (uint32_t i = 0; i < p->n_consts; i++) {
		uint8_t *r = room(&w, CONST);
		put(r, str(&s, nx_vname(g, p->consts[i].value)), 4);
		put(r + 8, (uint64_t)p->consts[i].addr, 8);
		put(r + 16, (uint64_t)p->consts[i].bytes, 8);
	}
	h = w.b;
	memcpy(h, magic, 8);
	put(h + 8, VERSION, 4);
	put(h + 12, p->n_tasks, 4);
	put(h + 16, p->n_descs, 4);
	put(h + 20, p->n_waits, 4);
	put(h + 24, p->n_consts, 4);
	put(h + 28, p->n_in, 4);
	put(h + 32, p->n_out, 4);
	put(h + 36, p->n_events, 4);
	for (int i = 0; i < NXG_SPACE_COUNT; i++)
		put(h + 40 + 8 * i, (uint64_t)p->space[i], 8);
	put(h + 64, str(&s, p->model), 4);
	put(h + 68, str(&s, p->pipeline), 4);
	put(h + 72, str(&s, p->target), 4);
	put(h + 76, str(&s, p->alloc), 4);
	put(h + 80, str(&s, p->sets), 4);
	put(h + 84, str(&s, p->shapes), 4);
	put(h + 88, (uint64_t)p->sram_peak, 8);
	put(h + 96, (uint64_t)p->lower_bound, 8);
	put(h + 104, s.n, 4);
	memcpy(room(&w, s.n), s.b, s.n);
	free(s.b);
	*len = w.n;
	return w.b;
}

typedef struct rbin {
	const uint8_t *b;
	size_t len, strtab;
	uint32_t strlen_;
	const char *file;
	nx_err *err;
} rbin;

/* The string at offset off, or NULL + err. */
static const char *rstr(rbin *r, uint64_t off)
{
	if (off >= r->strlen_) {
		nx_err_set(r->err, "%s: string offset %llu outside the table", r->file,
			   (unsigned long long)off);
		return NULL;
	}
	const char *z = (const char *)r->b + r->strtab + off;
	if (!memchr(z, 0, r->strlen_ - off)) {
		nx_err_set(r->err, "%s: unterminated string at %llu", r->file, (unsigned long long)off);
		return NULL;
	}
	return z;
}

static int header(rbin *r, nxg_prog *p)
{
	const uint8_t *h = r->b;
	if (r->len < 8 || memcmp(h, magic, 8)) {
		nx_err_set(r->err, "%s: not a nex program (no NEXPROG header)", r->file);
		return -1;
	}
	if (r->len < HDR) {
		nx_err_set(r->err, "%s: truncated: %zu bytes, the header alone is %d", r->file, r->len,
			   HDR);
		return -1;
	}
	if (get(h + 8, 4) != VERSION) {
		nx_err_set(r->err, "%s: version %llu, this nex reads %d", r->file,
			   (unsigned long long)get(h + 8, 4), VERSION);
		return -1;
	}
	uint64_t nt = get(h + 12, 4), nd = get(h + 16, 4), nw = get(h + 20, 4), nc = get(h + 24, 4);
	uint64_t ni = get(h + 28, 4), no = get(h + 32, 4), sl = get(h + 104, 4);
	uint64_t need = HDR + nt * TASK + (nd + ni + no) * DESC + nw * 4 + nc * CONST;
	if (need + sl != r->len || !sl) {
		nx_err_set(r->err, "%s: %zu bytes, the header's counts give %llu", r->file, r->len,
			   (unsigned long long)(need + sl));
		return -1;
	}
	r->strtab = need;
	r->strlen_ = (uint32_t)sl;
	p->n_events = (uint32_t)get(h + 36, 4);
	if (p->n_events > UINT32_MAX / 2) { /* as the text form */
		nx_err_set(r->err, "%s: %u events: too many", r->file, p->n_events);
		return -1;
	}
	for (int i = 0; i < NXG_SPACE_COUNT; i++) {
		uint64_t sz = get(h + 40 + 8 * i, 8);
		if (sz > (uint64_t)NXG_SPACE_MAX) {
			nx_err_set(r->err, "%s: space %s of %llu bytes: at most %lld (4 GiB)", r->file,
				   nxg_space_name(i), (unsigned long long)sz, (long long)NXG_SPACE_MAX);
			return -1;
		}
		p->space[i] = (int64_t)sz;
	}
	const char *z[6];
	for (int i = 0; i < 6; i++) {
		if (!(z[i] = rstr(r, get(h + 64 + 4 * i, 4))))
			return -1;
		/* the text form quotes them on one line; .set and .shape entries
		 * (between ';') are read into 1 KiB */
		size_t run = 0;
		for (const char *c = z[i]; *c; c++) {
			run = *c == ';' ? 0 : run + 1;
			if (*c == '"' || *c == '\n' || (i >= 4 && run >= 1024)) {
				nx_err_set(r->err, "%s: header string %d has a quote, a line break or "
					   "an entry past 1 KiB", r->file, i);
				return -1;
			}
		}
	}
	snprintf(p->model, sizeof p->model, "%s", z[0]);
	snprintf(p->pipeline, sizeof p->pipeline, "%s", z[1]);
	snprintf(p->target, sizeof p->target, "%s", z[2]);
	snprintf(p->alloc, sizeof p->alloc, "%s", z[3]);
	p->sets = *z[4] ? nx_xstrdup(z[4]) : NULL;
	p->shapes = *z[5] ? nx_xstrdup(z[5]) : NULL;
	p->sram_peak = (int64_t)get(h + 88, 8);
	p->lower_bound = (int64_t)get(h + 96, 8);
	return 0;
}

int nxg_bin_header(const void *buf, size_t len, const char *file, nxg_prog *p, nx_err *err)
{
	rbin r = {buf, len, 0, 0, file ? file : "<input>", err};
	return header(&r, p);
}

static uint32_t rvalue(rbin *r, const nx_graph *g, uint64_t off, const char *what, uint32_t i)
{
	const char *z = rstr(r, off);
	if (!z)
		return NX_NONE;
	uint32_t v = nx_value_by_name(g, z, strlen(z));
	if (v == NX_NONE)
		nx_err_set(r->err, "%s: %s %u names %%%s, which the graph does not have", r->file, what,
			   i, z);
	return v;
}

static int get_desc(rbin *r, const nx_graph *g, const uint8_t *q, nxg_desc *d, uint32_t i)
{
	memset(d, 0, sizeof *d);
	d->space = q[0];
	d->dtype = q[1];
	if (d->space >= NXG_SPACE_COUNT) {
		d->space = NXG_SPACE_COUNT;
		d->value = d->type_of = NX_NONE;
		return 0;
	}
	if (d->dtype >= NX_DTYPE_COUNT) {
		nx_err_set(r->err, "%s: descriptor %u has an unknown dtype (%u)", r->file, i, d->dtype);
		return -1;
	}
	if ((d->value = rvalue(r, g, get(q + 4, 4), "descriptor", i)) == NX_NONE ||
	    (d->type_of = rvalue(r, g, get(q + 8, 4), "descriptor", i)) == NX_NONE)
		return -1;
	d->addr = (int64_t)get(q + 16, 8);
	for (int k = 0; k < 4; k++) {
		d->dims[k] = (int64_t)get(q + 24 + 8 * k, 8);
		d->w0[k] = (int64_t)get(q + 72 + 8 * k, 8);
		d->wn[k] = (int64_t)get(q + 104 + 8 * k, 8);
	}
	d->row = (int64_t)get(q + 56, 8);
	d->plane = (int64_t)get(q + 64, 8);
	/* as the text form: no number past the largest space (unsigned: a
	 * negative one is a huge one) */
	const int64_t *f[] = {&d->addr, &d->row, &d->plane, &d->dims[0], &d->dims[1], &d->dims[2],
			      &d->dims[3], &d->w0[0], &d->w0[1], &d->w0[2], &d->w0[3], &d->wn[0],
			      &d->wn[1], &d->wn[2], &d->wn[3]};
	for (size_t k = 0; k < sizeof f / sizeof *f; k++)
		if ((uint64_t)*f[k] > (uint64_t)NXG_SPACE_MAX) {
			nx_err_set(r->err, "%s: descriptor %u has a number above the largest memory "
				   "space (4 GiB)", r->file, i);
			return -1;
		}
	return 0;
}

nxg_prog *nxg_bin_read(const void *buf, size_t len, const char *file, const nx_graph *g,
		       nx_err *err)
{
	rbin r = {buf, len, 0, 0, file ? file : "<input>", err};
	nxg_prog *p = nxg_prog_new();
	if (header(&r, p))
		goto fail;
	const uint8_t *h = r.b;
	uint32_t nt = (uint32_t)get(h + 12, 4), nd = (uint32_t)get(h + 16, 4);
	uint32_t nw = (uint32_t)get(h + 20, 4), nc = (uint32_t)get(h + 24, 4);
	p->n_in = (uint32_t)get(h + 28, 4);
	p->n_out = (uint32_t)get(h + 32, 4);
	const uint8_t *tq = h + HDR, *dq = tq + (size_t)nt * TASK;
	const uint8_t *iq = dq + (size_t)nd * DESC, *wq = iq + (size_t)(p->n_in + p->n_out) * DESC;
	const uint8_t *cq = wq + (size_t)nw * 4;
	p->tasks = nx_xcalloc(nt + 1, sizeof *p->tasks);
	p->descs = nx_xcalloc(nd + 1, sizeof *p->descs);
	p->waits = nx_xcalloc(nw + 1, sizeof *p->waits);
	p->consts = nx_xcalloc(nc + 1, sizeof *p->consts);
	p->io = nx_xcalloc(p->n_in + p->n_out + 1, sizeof *p->io);
	p->cap_tasks = nt + 1, p->cap_descs = nd + 1, p->cap_waits = nw + 1, p->cap_consts = nc + 1;
	for (uint32_t i = 0; i < nd; i++, p->n_descs++)
		if (get_desc(&r, g, dq + (size_t)i * DESC, &p->descs[i], i))
			goto fail;
	for (uint32_t i = 0; i < p->n_in + p->n_out; i++)
		if (get_desc(&r, g, iq + (size_t)i * DESC, &p->io[i], nd + i))
			goto fail;
	for (uint32_t i = 0; i < nw; i++, p->n_waits++) {
		p->waits[i] = (uint32_t)get(wq + 4 * i, 4);
		if (p->waits[i] >= p->n_events) {
			nx_err_set(err, "%s: wait %u names e%u, beyond the %u events", r.file, i,
				   p->waits[i], p->n_events);
			goto fail;
		}
	}
	for (uint32_t i = 0; i < nc; i++, p->n_consts++) {
		const uint8_t *q = cq + (size_t)i * CONST;
		nxg_const *c = &p->consts[i];
		if ((c->value = rvalue(&r, g, get(q, 4), "constant", i)) == NX_NONE)
			goto fail;
		if (!nx_is_const(g, c->value)) {
			nx_err_set(err, "%s: constant %u: %%%s is not a constant", r.file, i,
				   nx_vname(g, c->value));
			goto fail;
		}
		c->addr = (int64_t)get(q + 8, 8);
		c->bytes = (int64_t)get(q + 16, 8);
		if ((uint64_t)c->addr > (uint64_t)NXG_SPACE_MAX ||
		    (uint64_t)c->bytes > (uint64_t)NXG_SPACE_MAX) { /* as the text form */
			nx_err_set(err, "%s: constant %u has a number above the largest memory "
				   "space (4 GiB)", r.file, i);
			goto fail;
		}
	}
	for (uint32_t k = 0; k < nt; k++, p->n_tasks++) {
		const uint8_t *q = tq + (size_t)k * TASK;
		nxg_task *t = &p->tasks[k];
		t->engine = q[0], t->kind = q[1], t->split = q[2];
		uint32_t v = rvalue(&r, g, get(q + 4, 4), "task", k);
		if (v == NX_NONE)
			goto fail;
		t->op = g->vals[v].producer;
		t->tile = (uint32_t)get(q + 8, 4);
		t->n_tiles = (uint32_t)get(q + 12, 4);
		t->d0 = (uint32_t)get(q + 16, 4);
		t->n_in = (uint16_t)get(q + 20, 2);
		t->n_out = (uint16_t)get(q + 22, 2);
		t->w0 = (uint32_t)get(q + 24, 4);
		t->n_wait = (uint32_t)get(q + 28, 4);
		t->signal = (uint32_t)get(q + 32, 4);
		int32_t f[9];
		for (int i = 0; i < 9; i++)
			f[i] = (int32_t)get(q + 36 + 4 * i, 4);
		t->f = (nxg_fields){f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8], NX_NONE};
		uint64_t act = get(q + 72, 4);
		const char *bad = NULL;
		if (t->engine >= NXG_ENGINE_COUNT || t->kind >= NXG_KIND_COUNT)
			bad = "an unknown engine or kind";
		else if (t->op == NX_NONE || nx_result(g, t->op, 0) != v)
			bad = "an op that is not in the graph";
		else if ((uint64_t)t->d0 + t->n_in + t->n_out > nd)
			bad = "descriptors outside the table";
		else if ((uint64_t)t->w0 + t->n_wait > nw)
			bad = "waits outside the table";
		else if (t->n_wait > NXG_MAX_WAITS)
			bad = "more waits than a task holds";
		else if (t->signal != NX_NONE && t->signal >= p->n_events)
			bad = "a signal beyond the events";
		else if (t->n_tiles == 0 || t->tile >= t->n_tiles || t->n_tiles > UINT32_MAX / 2 ||
			 t->split != (t->n_tiles > 1)) /* the rule the text form reads */
			bad = "a tile index outside its count";
		else if (f[0] < 0 || f[1] < 0 || f[2] < 0 || f[3] < 0 || f[4] < 0 || f[5] < 0 ||
			 f[6] < 0 || f[7] < 0 || f[8] < 0)
			bad = "a negative op field";
		else if ((t->engine == NXG_DMA) != (t->kind >= NXG_K_WEIGHTS) ||
			 (t->engine == NXG_DMA ? (t->n_in != 1 || t->n_out != 1)
			  : (t->n_in != nx_opp(g, t->op)->n_in || t->n_out != nx_opp(g, t->op)->n_out)))
			bad = "descriptor counts that do not fit its op";
		if (!bad && act) {
			const char *z = rstr(&r, act);
			if (!z)
				goto fail;
			if (!nx_act_valid(z) || (t->f.act = nx_str_find(g, z, strlen(z))) == NX_NONE)
				bad = "an unknown activation";
		}
		if (bad) {
			nx_err_set(err, "%s: task %u has %s", r.file, k, bad);
			goto fail;
		}
	}
	return p;
fail:
	nxg_prog_free(p);
	return NULL;
}
