/* tile_concat.c — tiles of a concat along its own axis. A result tile
 * [r0, r0+n) along the axis spans parts of one or more operands: operand
 * i, which fills [off_i, off_i + len_i) of the result, contributes the
 * overlap of that range with the tile, from its own row max(r0, off_i) -
 * off_i on; an operand the tile does not reach has no window in the task
 * (its descriptor is absent, `none` in the listing). Along the other dims
 * every operand has the tile's window. The executor copies each present
 * operand's window into the next stretch of the result's window (the
 * concat in place of exec.c), so the tile is the whole op's bytes.
 *
 * The executor checks a task's windows against this rule when it opens
 * (nxg_tile_concat_dim): a hand-edited listing whose operand window is
 * not the part of the operand the tile covers is refused by name, rather
 * than copying the wrong rows.
 */
#include <string.h>

#include "nxg.h"

/* The concat axis of op o as a bchw index, or -1. */
static int axis_q(const nx_graph *g, uint32_t o)
{
	int rank = nx_vtype(g, nx_result(g, o, 0))->rank;
	int64_t ax = nx_attr_i(g, o, "axis", 0);
	if (ax < 0)
		ax += rank;
	return rank > 4 || ax < 0 || ax >= rank ? -1 : 4 - rank + (int)ax;
}

/* The overlap [*lo, *hi) of operand i's range along the axis with the
 * result rows [a, a+n), in the operand's own rows; false if empty. */
static bool part(const nx_graph *g, uint32_t o, uint32_t i, int64_t a, int64_t n, int64_t *lo,
		 int64_t *hi)
{
	int rank = nx_vtype(g, nx_result(g, o, 0))->rank;
	int ax = axis_q(g, o) - (4 - rank);
	int64_t off = 0;
	for (uint32_t j = 0; j < i; j++)
		off += nx_vtype(g, nx_operand(g, o, j))->dims[ax];
	int64_t len = nx_vtype(g, nx_operand(g, o, i))->dims[ax];
	int64_t l = a > off ? a : off, h = a + n < off + len ? a + n : off + len;
	*lo = l - off;
	*hi = h - off;
	return h > l;
}

void nxg_tile_concat(const nx_graph *g, uint32_t o, nxg_desc *d, uint32_t n_in, const int64_t *r0,
		     const int64_t *rn)
{
	int q = axis_q(g, o);
	if (q < 0)
		return;
	for (uint32_t i = 0; i < n_in; i++) {
		int64_t lo, hi;
		if (d[i].space >= NXG_SPACE_COUNT)
			continue;
		if (!part(g, o, i, r0[q], rn[q], &lo, &hi)) {
			memset(&d[i], 0, sizeof d[i]);
			d[i].space = NXG_SPACE_COUNT;
			d[i].value = d[i].type_of = NX_NONE;
			continue;
		}
		for (int k = 0; k < 4; k++)
			d[i].w0[k] = r0[k], d[i].wn[k] = rn[k];
		d[i].w0[q] = lo;
		d[i].wn[q] = hi - lo;
	}
}

/* The bytes [*lo, *hi) a window spans in its space. */
static void span(const nxg_desc *d, int64_t *lo, int64_t *hi)
{
	int64_t el = (int64_t)nx_dtype_size(d->dtype);
	int64_t st[4] = {d->dims[1] * d->plane, d->plane, d->row, el};
	*lo = *hi = d->addr;
	for (int k = 0; k < 4; k++) {
		*lo += d->w0[k] * st[k];
		*hi += (d->w0[k] + d->wn[k] - 1) * st[k];
	}
	*hi += el;
}

int nxg_tile_concat_dim(const nxg_prog *p, const nx_graph *g, uint32_t k, nx_err *err)
{
	const nxg_task *t = &p->tasks[k];
	if (t->engine == NXG_DMA || !t->split || t->n_out != 1 ||
	    nx_opp(g, t->op)->kind != NX_OP_CONCAT || t->n_in != nx_opp(g, t->op)->n_in)
		return -1;
	int q = axis_q(g, t->op);
	const nxg_desc *r = nxg_task_desc(p, t, t->n_in);
	if (q < 0 || r->space >= NXG_SPACE_COUNT || r->wn[q] == r->dims[q])
		return -1; /* whole along the axis: exec.c's concat in place */
	char a[160];
	int64_t rlo, rhi, sum = 0;
	span(r, &rlo, &rhi);
	for (uint32_t i = 0; i < t->n_in; i++) {
		const nxg_desc *d = nxg_task_desc(p, t, i);
		int64_t lo, hi, blo, bhi;
		bool in = part(g, t->op, i, r->w0[q], r->wn[q], &lo, &hi);
		if (!in && d->space >= NXG_SPACE_COUNT)
			continue;
		const char *why = NULL;
		if (!in)
			why = "the tile does not reach this operand, yet it has a window";
		else if (d->space >= NXG_SPACE_COUNT)
			why = "the tile covers part of this operand, yet it has no window";
		else if (d->dtype != r->dtype)
			why = "its dtype is not the result's";
		for (int j = 0; j < 4 && !why; j++)
			if (j == q ? d->w0[j] != lo || d->wn[j] != hi - lo
				   : d->w0[j] != r->w0[j] || d->wn[j] != r->wn[j])
				why = "its window is not the part of it the tile covers";
		if (!why && d->space == r->space) {
			span(d, &blo, &bhi);
			if (blo < rhi && rlo < bhi)
				why = "its bytes overlap the result's";
		}
		if (why) {
			nx_err_set(err, "%s tile %u: concat operand %u: %s",
				   nxg_task_str(p, g, k, a, sizeof a), t->tile, i, why);
			return -2;
		}
		sum += hi - lo;
	}
	if (sum != r->wn[q]) {
		nx_err_set(err, "%s tile %u: the concat operands' windows fill %lld of the tile's "
			   "%lld rows along the axis", nxg_task_str(p, g, k, a, sizeof a), t->tile,
			   (long long)sum, (long long)r->wn[q]);
		return -2;
	}
	return q;
}
