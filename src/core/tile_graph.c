/* tile_graph.c — the one-op graph through which a tiled kernel (conv_tile.c,
 * convt_tile.c, matmul_tile.c) runs each tile: an op of the tiled op's kind
 * over inputs typed as the tile's operands, with the op's attributes but its
 * tile, as the executor's tile tasks see it. The callers then set what a
 * tile changes (pads, group) and call the op's kernel on the tile's tensors.
 */
#include "nx_int.h"

nx_graph *nx_tile_graph(const nx_graph *g, uint32_t o, const nx_tensor *in, uint32_t n_in,
			nx_err *err, uint32_t *so)
{
	nx_graph *s = nx_graph_new("tile"); /* caller frees with nx_graph_free */
	uint32_t v[NX_TILE_MAX_IN];
	if (n_in > NX_TILE_MAX_IN)
		n_in = NX_TILE_MAX_IN;
	for (uint32_t i = 0; i < n_in; i++) {
		v[i] = NX_NONE;
		if (!in[i].data)
			continue;
		v[i] = nx_value_new(s, NULL, nx_type_intern(s, &in[i].type), err);
		nx_graph_add_input(s, v[i]);
	}
	*so = nx_op_new(s, nx_opp(g, o)->kind, v, n_in, 1, NULL, NX_NONE, err);
	nx_attr_copy_all(s, *so, g, o);
	nx_attr_del(s, *so, "tile");
	return s;
}
