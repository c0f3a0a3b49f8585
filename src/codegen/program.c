/* program.c — the program of the NE back end as data: tasks in issue order,
 * their tensor descriptors and waits in flat arrays (like the graph's), the
 * constants' place in DRAM, and the names of engines, kinds and spaces that
 * the text form prints and parses. */
#include <stdlib.h>
#include <string.h>

#include "nxg.h"

static const char *const engine_names[NXG_ENGINE_COUNT] = {"ne", "dma", "cpu"};
static const char *const kind_names[NXG_KIND_COUNT] = {
	"conv", "matmul", "elem", "pool", "norm", "reduce", "move", "host",
	"weights", "spill", "fill"};
static const char *const space_names[NXG_SPACE_COUNT] = {"sram", "dram", "kmem"};

nxg_prog *nxg_prog_new(void)
{
	return nx_xcalloc(1, sizeof(nxg_prog));
}

void nxg_prog_free(nxg_prog *p)
{
	if (!p)
		return;
	free(p->tasks);
	free(p->descs);
	free(p->waits);
	free(p->consts);
	free(p->io);
	free(p->sets);
	free(p->shapes);
	free(p);
}

uint32_t nxg_task_add(nxg_prog *p, int engine, int kind, uint32_t op, uint32_t n_in,
		      uint32_t n_out)
{
	nx_grow((void **)&p->tasks, &p->cap_tasks, p->n_tasks + 1, sizeof *p->tasks);
	nx_grow((void **)&p->descs, &p->cap_descs, p->n_descs + n_in + n_out, sizeof *p->descs);
	uint32_t k = p->n_tasks++;
	nxg_task *t = &p->tasks[k];
	memset(t, 0, sizeof *t);
	t->engine = (uint8_t)engine;
	t->kind = (uint8_t)kind;
	t->op = op;
	t->n_tiles = 1;
	t->d0 = p->n_descs;
	t->n_in = (uint16_t)n_in;
	t->n_out = (uint16_t)n_out;
	t->w0 = p->n_waits;
	t->signal = NX_NONE;
	t->f.act = NX_NONE;
	memset(p->descs + p->n_descs, 0, (n_in + n_out) * sizeof *p->descs);
	for (uint32_t i = 0; i < n_in + n_out; i++)
		p->descs[p->n_descs + i].space = NXG_SPACE_COUNT;
	p->n_descs += n_in + n_out;
	return k;
}

/* Waits are appended to the last task only: they stay contiguous. */
void nxg_task_wait(nxg_prog *p, uint32_t task, uint32_t event)
{
	nxg_task *t = &p->tasks[task];
	for (uint32_t i = 0; i < t->n_wait; i++)
		if (p->waits[t->w0 + i] == event)
			return;
	nx_grow((void **)&p->waits, &p->cap_waits, p->n_waits + 1, sizeof *p->waits);
	p->waits[p->n_waits++] = event;
	t->n_wait++;
}

const char *nxg_engine_name(int e)
{
	return e >= 0 && e < NXG_ENGINE_COUNT ? engine_names[e] : "?";
}

const char *nxg_kind_name(int k)
{
	return k >= 0 && k < NXG_KIND_COUNT ? kind_names[k] : "?";
}

const char *nxg_space_name(int s)
{
	return s >= 0 && s < NXG_SPACE_COUNT ? space_names[s] : "none";
}

static int lookup(const char *const *names, int n, const char *s, size_t len)
{
	for (int i = 0; i < n; i++)
		if (strlen(names[i]) == len && !memcmp(names[i], s, len))
			return i;
	return -1;
}

int nxg_engine_parse(const char *s, size_t n)
{
	return lookup(engine_names, NXG_ENGINE_COUNT, s, n);
}

int nxg_kind_parse(const char *s, size_t n)
{
	return lookup(kind_names, NXG_KIND_COUNT, s, n);
}

int nxg_space_parse(const char *s, size_t n)
{
	return lookup(space_names, NXG_SPACE_COUNT, s, n);
}

int64_t nxg_desc_extent(const nxg_desc *d)
{
	/* saturates: a read-back descriptor's numbers are each below 4 GiB,
	 * their product need not be (the checker then finds it too large) */
	int64_t a, b;
	if (__builtin_mul_overflow(d->dims[0], d->dims[1], &a) ||
	    __builtin_mul_overflow(a, d->plane, &b))
		return INT64_MAX;
	return b;
}

static int64_t roundup(int64_t x, int64_t a)
{
	return a <= 1 ? x : (x + a - 1) / a * a;
}

nxg_desc nxg_desc_make(int space, int64_t addr, uint32_t owner, uint32_t type_of,
		       const nx_type *t, const nx_target *tg)
{
	nxg_desc d;
	memset(&d, 0, sizeof d);
	d.space = (uint8_t)space;
	d.dtype = t->dtype;
	d.value = owner;
	d.type_of = type_of;
	d.addr = addr;
	nx_bchw b = nx_bchw_of(t);
	d.dims[0] = b.b, d.dims[1] = b.c, d.dims[2] = b.h, d.dims[3] = b.w;
	int64_t elem = (int64_t)nx_dtype_size(t->dtype);
	if (t->layout == NX_LAYOUT_NE) {
		d.row = roundup(b.w * elem, tg->align);
		d.plane = roundup(d.row * b.h, tg->align);
	} else {
		d.row = b.w * elem;
		d.plane = d.row * b.h;
	}
	for (int i = 0; i < 4; i++)
		d.wn[i] = d.dims[i];
	return d;
}
