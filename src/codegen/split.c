/* split.c — live-range splitting (allocator `split`): linear scan with
 * Belady's spill choice decides which buffers do not stay in SRAM for
 * their whole life; each of those keeps its home in DRAM, and gets short
 * SRAM pieces where it is touched, when there is room for them then:
 *  - a def piece over [def, def+1]: the producer writes SRAM, a spill DMA
 *    copies the bytes home, and the op right after may read the piece;
 *  - a use piece over [u-1, u] for every later use u: a fill DMA brings the
 *    value back from home before the consumer, issued one op ahead so that
 *    it overlaps the op before.
 * A piece that finds no room leaves that access in DRAM (the NE streams it,
 * as for a value spilled whole). Pieces are placed first fit, in start
 * order of their buffers, against every on-chip buffer and piece live at
 * the same time. lower.c turns pieces into descriptors and DMA tasks; the
 * events follow from the bytes each task touches, as for any task.
 */
#include <stdlib.h>
#include <string.h>

#include "nxg.h"

static int64_t up(int64_t x, int64_t a)
{
	return a <= 1 ? x : (x + a - 1) / a * a;
}

/* Lowest aligned offset below cap where [s, e] x size fits among iv[0..m)
 * (offsets off); -1 if none. */
static int64_t first_fit(const nx_interval *iv, const int64_t *off, uint32_t m, int64_t s,
			 int64_t e, int64_t size, int64_t align, int64_t cap)
{
	int64_t at = 0;
	for (;;) {
		bool moved = false;
		for (uint32_t k = 0; k < m; k++) {
			if (iv[k].start > e || s > iv[k].end)
				continue;
			if (at < off[k] + iv[k].size && off[k] < at + size) {
				at = up(off[k] + iv[k].size, align);
				moved = true;
			}
		}
		if (!moved)
			break;
	}
	return at + size <= cap ? at : -1;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

void nxg_split_place(const nx_graph *g, nx_live *l, const nx_target *t, const uint8_t *flags,
		     nxg_split *sp, int64_t *sram_peak)
{
	memset(sp, 0, sizeof *sp);
	nxg_place(l, t, NXG_ALLOC_BELADY, sram_peak);
	uint32_t nb = l->n_bufs;
	/* (buffer, use position) pairs of the tasks that read each buffer */
	uint64_t *use = NULL;
	uint32_t nu = 0, cap = 0;
	for (uint32_t p = 0; p < l->n_pos; p++) {
		if ((flags[p] & NX_LIVE_VIEW) && !(flags[p] & NX_LIVE_CPU))
			continue; /* a view reads nothing: its consumers do */
		uint32_t o = l->op_at[p];
		for (uint32_t i = 0; i < nx_opp(g, o)->n_in; i++) {
			uint32_t v = nx_operand(g, o, i);
			if (v == NX_NONE || l->buf_of[v] == NX_NONE)
				continue;
			nx_grow((void **)&use, &cap, nu + 1, sizeof *use);
			use[nu++] = (uint64_t)l->buf_of[v] << 32 | p;
		}
	}
	if (nu)
		qsort(use, nu, sizeof *use, cmp_u64);
	/* placed: every on-chip buffer, then the pieces as they are placed */
	uint32_t room = nb + nu + nb + 1;
	nx_interval *iv = nx_xmalloc(room * sizeof *iv);
	int64_t *off = nx_xmalloc(room * sizeof *off);
	uint32_t m = 0;
	for (uint32_t b = 0; b < nb; b++)
		if (l->bufs[b].level == NX_SRAM) {
			iv[m] = (nx_interval){l->bufs[b].start, l->bufs[b].end, l->bufs[b].size};
			off[m++] = l->bufs[b].offset;
		}
	sp->first = nx_xmalloc((nb + 1) * sizeof *sp->first);
	sp->count = nx_xcalloc(nb + 1, sizeof *sp->count);
	int64_t peak = *sram_peak;
	uint32_t u = 0;
	for (uint32_t b = 0; b < nb; b++) {
		sp->first[b] = sp->n;
		while (u < nu && (use[u] >> 32) < b)
			u++;
		const nx_buf *x = &l->bufs[b];
		if (x->why != NX_WHY_SPILL)
			continue;
		int64_t d = x->start, last = x->end < d + 1 ? x->end : d + 1;
		for (uint32_t k = u; k <= nu; k++) {
			/* k == u: the def piece; then one per use after def+1 */
			int64_t s, e;
			bool def = k == u;
			if (def) {
				s = d, e = last;
			} else {
				if (use[k - 1] >> 32 != b)
					break;
				int64_t at = (int64_t)(uint32_t)use[k - 1];
				if (at <= last || (k >= u + 2 && (int64_t)(uint32_t)use[k - 2] == at))
					continue; /* read from the def piece, or the same position */
				s = at - 1, e = at;
			}
			int64_t o = first_fit(iv, off, m, s, e, x->size, t->align, t->sram);
			if (o < 0)
				continue;
			iv[m] = (nx_interval){s, e, x->size};
			off[m++] = o;
			if (o + x->size > peak)
				peak = o + x->size;
			nx_grow((void **)&sp->p, &sp->cap, sp->n + 1, sizeof *sp->p);
			sp->p[sp->n++] = (nxg_piece){b, (uint32_t)(def ? d : e), def, o};
			sp->count[b]++;
		}
	}
	*sram_peak = peak;
	free(use);
	free(iv);
	free(off);
}

const nxg_piece *nxg_split_find(const nxg_split *sp, uint32_t buf, uint32_t pos, bool def)
{
	if (!sp->first)
		return NULL;
	for (uint32_t i = 0; i < sp->count[buf]; i++) {
		const nxg_piece *x = &sp->p[sp->first[buf] + i];
		if (x->def == def && x->pos == pos)
			return x;
	}
	return NULL;
}

void nxg_split_free(nxg_split *sp)
{
	free(sp->p);
	free(sp->first);
	free(sp->count);
	memset(sp, 0, sizeof *sp);
}
