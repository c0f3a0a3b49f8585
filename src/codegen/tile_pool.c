/* tile_pool.c — the tasks of a 2-d max or average pool tiled by rows or
 * columns: each tile reads the input rows and columns its windows touch
 * and pools them with pads of its own, worked out by core
 * (nx_pool_tile_geom, pool_tile.c) so that the tile gives the whole op's
 * bits: edge tiles get the op's pads where they meet the image border
 * (and only there), auto_pad is resolved to explicit pads, and an average
 * pool's divisor (with or without count_include_pad) is the whole op's.
 *
 * The tile task carries its window in the op fields (k= s= p= in the
 * listing); the executor's scratch op for the tile takes those pads in
 * place of the op's (nxg_tile_pool_scratch), as a conv tile's do. A task
 * without fields (an older listing of an unpadded pool) keeps the op's
 * pads, which are then the tile's.
 */
#include "nxg.h"

void nxg_tile_pool(const nx_graph *g, uint32_t o, nxg_desc *d, const int64_t *r0,
		   const int64_t *rn, nxg_fields *f)
{
	int64_t in0[4], inn[4], pads[4];
	nx_pool_tile_geom(g, o, r0, rn, in0, inn, pads);
	for (int q = 2; q < 4; q++)
		d[0].w0[q] = in0[q], d[0].wn[q] = inn[q];
	uint32_t nk, ns;
	const int64_t *ks = nx_attr_ints(g, o, "kernel_shape", &nk);
	const int64_t *st = nx_attr_ints(g, o, "strides", &ns);
	f->kh = ks && nk == 2 ? (int32_t)ks[0] : 1;
	f->kw = ks && nk == 2 ? (int32_t)ks[1] : 1;
	f->sh = st && ns == 2 ? (int32_t)st[0] : 1;
	f->sw = st && ns == 2 ? (int32_t)st[1] : 1;
	f->pt = (int32_t)pads[0], f->pl = (int32_t)pads[1];
	f->pb = (int32_t)pads[2], f->pr = (int32_t)pads[3];
	f->groups = 1;
}

void nxg_tile_pool_scratch(nx_graph *s, uint32_t so, const nxg_task *t)
{
	if (!t->f.kh && !t->f.kw)
		return;
	int64_t pads[4] = {t->f.pt, t->f.pl, t->f.pb, t->f.pr};
	nx_attr_set_ints(s, so, "pads", pads, 4);
	nx_attr_set_s(s, so, "auto_pad", "NOTSET");
}
