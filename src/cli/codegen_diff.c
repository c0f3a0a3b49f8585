/* codegen_diff.c — `nex diff A.neasm B.neasm`: two programs compared task by
 * task, then as a unified diff of their listings. Tasks match by what they
 * do (engine, kind, the op by its result's name, tile index, and for DMA
 * the value moved), in order among equals; a matched pair is "changed" when
 * its descriptors (space, address, dims, strides, window), its fields or
 * its synchronisation (events waited, signalled) differ. */
#include <stdlib.h>
#include <string.h>

#include "codegen_cli.h"

typedef struct side {
	nx_graph *g;
	nxg_prog *p;
	nx_target t;
	char *text;
	uint32_t *match;  /* task -> task of the other side, or NX_NONE */
} side;

static bool same_key(const side *a, uint32_t i, const side *b, uint32_t j)
{
	const nxg_task *x = &a->p->tasks[i], *y = &b->p->tasks[j];
	if (x->engine != y->engine || x->kind != y->kind || x->tile != y->tile ||
	    x->n_tiles != y->n_tiles)
		return false;
	if (strcmp(nx_vname(a->g, nx_result(a->g, x->op, 0)), nx_vname(b->g, nx_result(b->g, y->op, 0))))
		return false;
	if (x->engine == NXG_DMA &&
	    strcmp(nx_vname(a->g, nxg_task_desc(a->p, x, 0)->value),
		   nx_vname(b->g, nxg_task_desc(b->p, y, 0)->value)))
		return false;
	return true;
}

static bool same_desc(const side *a, const nxg_desc *x, const side *b, const nxg_desc *y)
{
	if (x->space != y->space)
		return false;
	if (x->space >= NXG_SPACE_COUNT)
		return true;
	if (x->dtype != y->dtype || x->addr != y->addr || x->row != y->row || x->plane != y->plane ||
	    strcmp(nx_vname(a->g, x->value), nx_vname(b->g, y->value)))
		return false;
	for (int k = 0; k < 4; k++)
		if (x->dims[k] != y->dims[k] || x->w0[k] != y->w0[k] || x->wn[k] != y->wn[k])
			return false;
	return true;
}

/* What differs between matched tasks, as text ("" if nothing). */
static void what(const side *a, uint32_t i, const side *b, uint32_t j, char *buf, size_t n)
{
	const nxg_task *x = &a->p->tasks[i], *y = &b->p->tasks[j];
	buf[0] = 0;
	bool desc = x->n_in != y->n_in || x->n_out != y->n_out;
	for (uint32_t k = 0; !desc && k < (uint32_t)x->n_in + x->n_out; k++)
		desc = !same_desc(a, nxg_task_desc(a->p, x, k), b, nxg_task_desc(b->p, y, k));
	bool fields = memcmp(&x->f, &y->f, offsetof(nxg_fields, act)) != 0;
	bool sync = x->n_wait != y->n_wait || (x->signal == NX_NONE) != (y->signal == NX_NONE);
	for (uint32_t k = 0; !sync && k < x->n_wait; k++)
		sync = a->p->waits[x->w0 + k] != b->p->waits[y->w0 + k];
	snprintf(buf, n, "%s%s%s%s%s", desc ? "descriptors" : "", desc && (fields || sync) ? ", " : "",
		 fields ? "fields" : "", fields && sync ? ", " : "", sync ? "events" : "");
}

static void label(const side *s, uint32_t k, char *buf, size_t n)
{
	nxg_task_str(s->p, s->g, k, buf, n);
	const nxg_task *t = &s->p->tasks[k];
	if (t->n_tiles > 1) {
		size_t l = strlen(buf);
		snprintf(buf + l, n - l, " tile %u/%u", t->tile, t->n_tiles);
	}
}

int nxc_cg_diff(const char *pa, const char *pb, int ctx)
{
	side s[2];
	memset(s, 0, sizeof s);
	const char *path[2] = {pa, pb};
	int rc = NXC_USER;
	for (int k = 0; k < 2; k++) {
		if (nxc_cg_load_program("diff", path[k], &s[k].g, &s[k].t, &s[k].p) != NXC_OK)
			goto out;
		s[k].text = nxg_print(s[k].p, s[k].g);
		s[k].match = nx_xmalloc((s[k].p->n_tasks + 1) * sizeof *s[k].match);
		memset(s[k].match, 0xff, (s[k].p->n_tasks + 1) * sizeof *s[k].match);
	}
	/* in order among equal keys: a forward scan from the last match */
	uint32_t nb = s[1].p->n_tasks, from = 0;
	for (uint32_t i = 0; i < s[0].p->n_tasks; i++) {
		for (uint32_t q = 0; q < nb; q++) {
			uint32_t j = (from + q) % nb;
			if (s[1].match[j] == NX_NONE && same_key(&s[0], i, &s[1], j)) {
				s[0].match[i] = j;
				s[1].match[j] = i;
				from = j + 1;
				break;
			}
		}
	}
	uint32_t added = 0, removed = 0, changed = 0;
	char w[128], la[200], lb[200];
	for (uint32_t j = 0; j < nb; j++)
		if (s[1].match[j] == NX_NONE)
			added++;
		else {
			what(&s[0], s[1].match[j], &s[1], j, w, sizeof w);
			changed += w[0] != 0;
		}
	for (uint32_t i = 0; i < s[0].p->n_tasks; i++)
		removed += s[0].match[i] == NX_NONE;
	printf("%s: %u tasks, %s: %u tasks; %u added, %u removed, %u changed\n", pa,
	       s[0].p->n_tasks, pb, nb, added, removed, changed);
	for (uint32_t j = 0; j < nb; j++) {
		label(&s[1], j, lb, sizeof lb);
		if (s[1].match[j] == NX_NONE) {
			printf("  + %s\n", lb);
			continue;
		}
		what(&s[0], s[1].match[j], &s[1], j, w, sizeof w);
		if (w[0]) {
			label(&s[0], s[1].match[j], la, sizeof la);
			printf("  ~ %s -> %s: %s\n", la, lb, w);
		}
	}
	for (uint32_t i = 0; i < s[0].p->n_tasks; i++)
		if (s[0].match[i] == NX_NONE) {
			label(&s[0], i, la, sizeof la);
			printf("  - %s\n", la);
		}
	char *u = nx_unified_diff(s[0].text, strlen(s[0].text), s[1].text, strlen(s[1].text), pa,
				  pb, ctx);
	fputs(u, stdout);
	free(u);
	rc = NXC_OK;
out:
	for (int k = 0; k < 2; k++) {
		free(s[k].text);
		free(s[k].match);
		nxg_prog_free(s[k].p);
		nx_graph_free(s[k].g);
	}
	return rc;
}
