/* target_layout.c — how many bytes a tensor takes as a target stores it, and
 * which shape changes are free. In core because both readers of the target
 * need it: the NE model (src/sim) costs traffic and plans memory with it,
 * and the passes (layout-ne, tile, plan-memory) make their decisions on the
 * same figures, so that what a pass decides is what the sim costs.
 *
 * The NE layout is (B,C,H,W) with the last axis contiguous but not packed:
 * each row starts on an `align`-byte boundary, and so does each plane [RE
 * anecc: row stride = roundup(W x bytes, 64), plane stride = roundup(row x
 * H, 64)]. That is what makes a singleton last axis cost 32x in fp16 and
 * 64x in int8 [Apple], and it is why every traffic and memory figure goes
 * through here rather than through nx_type_bytes.
 */
#include "nx.h"

nx_bchw nx_bchw_of(const nx_type *t)
{
	nx_bchw d = {1, 1, 1, 1};
	int r = t->rank;
	if (r >= 1)
		d.w = t->dims[r - 1];
	if (r >= 2)
		d.h = t->dims[r - 2];
	if (r >= 3)
		d.c = t->dims[r - 3];
	for (int i = 0; i < r - 3; i++)
		d.b *= t->dims[i];
	return d;
}

static int64_t roundup(int64_t x, int64_t a)
{
	return a <= 1 ? x : (x + a - 1) / a * a;
}

/* a * b, or -1 when it would not fit (both >= 0). */
static int64_t mul(int64_t a, int64_t b)
{
	if (a < 0 || b < 0)
		return -1;
	if (a && b > INT64_MAX / a)
		return -1;
	return a * b;
}

int64_t nx_target_type_bytes(const nx_type *t, const nx_target *tg)
{
	if (t->dtype >= NX_DTYPE_COUNT)
		return -1;
	if (t->layout != NX_LAYOUT_NE)
		return nx_type_bytes(t);
	if (nx_type_numel(t) < 0)
		return -1;
	int64_t elem = (int64_t)nx_dtype_size(t->dtype);
	nx_bchw d = nx_bchw_of(t);
	int64_t row = mul(d.w, elem);
	if (row < 0 || row > INT64_MAX / 2)
		return -1;
	row = roundup(row, tg->align);
	int64_t plane = mul(row, d.h);
	if (plane < 0 || plane > INT64_MAX / 2)
		return -1;
	plane = roundup(plane, tg->align);
	return mul(mul(d.b, d.c), plane);
}

int64_t nx_target_alloc_bytes(const nx_type *t, const nx_target *tg)
{
	int64_t n = nx_target_type_bytes(t, tg);
	if (n < 0)
		return -1;
	int64_t unit = t->layout == NX_LAYOUT_NE ? tg->buf_gran : tg->align;
	if (n > INT64_MAX - unit)
		return -1;
	return roundup(n, unit);
}

bool nx_target_op_is_view(const nx_graph *g, uint32_t op, const nx_target *tg)
{
	const nx_op *p = nx_opp(g, op);
	if (!(nx_ops[p->kind].flags & NX_F_VIEW) || p->n_in < 1 || p->n_out != 1)
		return false;
	uint32_t in = nx_operand(g, op, 0);
	if (in == NX_NONE)
		return false;
	const nx_type *a = nx_vtype(g, in), *b = nx_vtype(g, nx_result(g, op, 0));
	if (a->dtype != b->dtype)
		return false;
	if (a->layout != NX_LAYOUT_NE && b->layout != NX_LAYOUT_NE)
		return true; /* packed row-major: any reshape relabels the same bytes */
	if (a->layout != b->layout || a->rank == 0 || b->rank == 0)
		return false;
	/* Rows are padded to align, so planes never are: with the same last dim
	 * (and so the same row count) the bytes are laid out identically and only
	 * the B/C/H labels of the rows change. */
	return a->dims[a->rank - 1] == b->dims[b->rank - 1] &&
	       nx_target_type_bytes(a, tg) == nx_target_type_bytes(b, tg);
}
