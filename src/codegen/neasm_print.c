/* neasm_print.c — a program as .neasm text (docs/ne-isa.md): directives
 * saying where the program came from and how big each memory space is, the
 * constants' place in DRAM, the graph's input and output descriptors, then
 * one group of lines per task: a header (id, engine, kind, the op by its
 * first result's name, tile, events, op fields) with a comment naming the op
 * and where it came from, then one line per descriptor. Addresses in hex.
 * neasm_parse.c reads exactly this back. */
#include <stdlib.h>
#include <string.h>

#include "nxg.h"

/* %name, or %"name" with C escapes when it holds anything but
 * [A-Za-z0-9_.$:/-] (the reader's bare names). */
static void vname(nx_strbuf *b, const char *s)
{
	bool bare = *s != 0;
	for (const char *p = s; *p && bare; p++)
		bare = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		       (*p >= '0' && *p <= '9') || strchr("_.$:/-", *p);
	if (bare) {
		nx_strbuf_printf(b, "%%%s", s);
		return;
	}
	nx_strbuf_printf(b, "%%\"");
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			nx_strbuf_printf(b, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			nx_strbuf_printf(b, "\\x%02x", *p);
		else
			nx_strbuf_printf(b, "%c", *p);
	}
	nx_strbuf_printf(b, "\"");
}

static void desc(nx_strbuf *b, const nx_graph *g, const char *tag, const nxg_desc *d)
{
	if (d->space >= NXG_SPACE_COUNT) {
		nx_strbuf_printf(b, "  %-4s none\n", tag);
		return;
	}
	nx_strbuf_printf(b, "  %-4s %s 0x%08llx %s [%lld,%lld,%lld,%lld] row %lld plane %lld", tag,
			 nxg_space_name(d->space), (unsigned long long)d->addr,
			 nx_dtype_name(d->dtype), (long long)d->dims[0], (long long)d->dims[1],
			 (long long)d->dims[2], (long long)d->dims[3], (long long)d->row,
			 (long long)d->plane);
	bool whole = true;
	for (int k = 0; k < 4; k++)
		whole &= d->w0[k] == 0 && d->wn[k] == d->dims[k];
	if (!whole)
		nx_strbuf_printf(b, " win %lld+%lld,%lld+%lld,%lld+%lld,%lld+%lld",
				 (long long)d->w0[0], (long long)d->wn[0], (long long)d->w0[1],
				 (long long)d->wn[1], (long long)d->w0[2], (long long)d->wn[2],
				 (long long)d->w0[3], (long long)d->wn[3]);
	nx_strbuf_printf(b, " ");
	vname(b, nx_vname(g, d->value));
	if (d->type_of != d->value) {
		nx_strbuf_printf(b, " as ");
		vname(b, nx_vname(g, d->type_of));
	}
	nx_strbuf_printf(b, "\n");
}

/* "k=v;k=v" as one directive line per entry. */
static void list(nx_strbuf *b, const char *dir, const char *s)
{
	while (s && *s) {
		const char *e = strchr(s, ';');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		nx_strbuf_printf(b, "%s \"%.*s\"\n", dir, (int)n, s);
		s = e ? e + 1 : NULL;
	}
}

char *nxg_print(const nxg_prog *p, const nx_graph *g)
{
	nx_strbuf b = {0};
	nx_strbuf_printf(&b, "; nex NE program, nex's own format (not Apple's): docs/ne-isa.md\n");
	nx_strbuf_printf(&b, ".model \"%s\"\n", p->model);
	list(&b, ".shape", p->shapes);
	nx_strbuf_printf(&b, ".pipeline \"%s\"\n", p->pipeline);
	nx_strbuf_printf(&b, ".target \"%s\"\n", p->target);
	list(&b, ".set", p->sets);
	nx_strbuf_printf(&b, ".alloc \"%s\"\n", p->alloc);
	for (int s = 0; s < NXG_SPACE_COUNT; s++)
		nx_strbuf_printf(&b, ".space %s 0x%llx\n", nxg_space_name(s),
				 (unsigned long long)p->space[s]);
	nx_strbuf_printf(&b, ".events %u\n", p->n_events);
	for (uint32_t c = 0; c < p->n_consts; c++)
	{
		nx_strbuf_printf(&b, ".const ");
		vname(&b, nx_vname(g, p->consts[c].value));
		nx_strbuf_printf(&b, " dram 0x%08llx %lld\n", (unsigned long long)p->consts[c].addr,
				 (long long)p->consts[c].bytes);
	}
	for (uint32_t i = 0; i < p->n_in + p->n_out; i++)
		desc(&b, g, i < p->n_in ? ".input" : ".output", &p->io[i]);
	for (uint32_t k = 0; k < p->n_tasks; k++) {
		const nxg_task *t = &p->tasks[k];
		const nx_op *op = nx_opp(g, t->op);
		nx_strbuf_printf(&b, "t%u %s %s op=", k, nxg_engine_name(t->engine),
				 nxg_kind_name(t->kind));
		vname(&b, nx_vname(g, nx_result(g, t->op, 0)));
		if (t->n_tiles > 1)
			nx_strbuf_printf(&b, " tile=%u/%u", t->tile, t->n_tiles);
		for (uint32_t i = 0; i < t->n_wait; i++)
			nx_strbuf_printf(&b, "%s%u", i ? ",e" : " wait=e", p->waits[t->w0 + i]);
		if (t->signal != NX_NONE)
			nx_strbuf_printf(&b, " signal=e%u", t->signal);
		const nxg_fields *f = &t->f;
		if (f->kh || f->kw)
			nx_strbuf_printf(&b, " k=%dx%d s=%dx%d p=%d,%d,%d,%d g=%d", f->kh, f->kw, f->sh,
					 f->sw, f->pt, f->pl, f->pb, f->pr, f->groups);
		if (f->act != NX_NONE)
			nx_strbuf_printf(&b, " act=%s", nx_cstr(g, f->act));
		nx_strbuf_printf(&b, "  ; %s", nx_ops[op->kind].name);
		if (op->n_origin)
			nx_strbuf_printf(&b, " %s", nx_cstr(g, nx_op_origin(g, t->op)[0]));
		if (t->engine != NXG_DMA && nx_attr_get(g, t->op, "tile") && t->n_tiles == 1) {
			const char *why = t->engine == NXG_CPU ? "a host op runs whole"
					: nxg_no_split(g, t->op);
			if (why)
				nx_strbuf_printf(&b, " (attr tile not split: %s)", why);
		}
		nx_strbuf_printf(&b, "\n");
		for (uint32_t i = 0; i < (uint32_t)t->n_in + t->n_out; i++)
			desc(&b, g, t->engine == NXG_DMA ? (i ? "dst" : "src") : i < t->n_in ? "in" : "out",
			     nxg_task_desc(p, t, i));
	}
	return b.s;
}
