/* kern_tensor.c — tensor ops that place elements by position: Trilu, Tile,
 * DepthToSpace / SpaceToDepth, OneHot and EyeLike.
 *
 * Elements are copied by their bytes, so every dtype works alike (no
 * widening). DepthToSpace's two orders follow the ONNX definition: DCR
 * reads channel (i*b + j)*C' + c for output channel c at offset (i, j) of
 * its block, CRD reads c*b*b + i*b + j; SpaceToDepth writes the DCR order.
 */
#include <math.h>
#include <string.h>

#include "nx_int.h"

int nx_kern_trilu(nx_kern *k)
{
	const nx_tensor *x = &k->in[0];
	nx_tensor *y = &k->out[0];
	const nx_type *t = &x->type;
	if (t->rank < 2 || nx_tensor_numel(x) != nx_tensor_numel(y))
		return nx_kern_fail(k, "operand does not match the result type");
	bool upper = nx_attr_i(k->g, k->op, "upper", 1) != 0;
	int64_t kk = nx_attr_i(k->g, k->op, "k", 0);
	int64_t rows = t->dims[t->rank - 2], cols = t->dims[t->rank - 1];
	int64_t mats = nx_tensor_numel(x) / (rows * cols);
	size_t es = nx_dtype_size(t->dtype);
	const char *px = x->data;
	char *py = y->data;
	for (int64_t m = 0; m < mats; m++)
		for (int64_t i = 0; i < rows; i++)
			for (int64_t j = 0; j < cols; j++) {
				int64_t at = (m * rows + i) * cols + j;
				/* j - i without overflow: both are below 2^62 */
				bool keep = upper ? j - i >= kk : j - i <= kk;
				if (keep) {
					if (py != px)
						memcpy(py + at * es, px + at * es, es);
				} else {
					memset(py + at * es, 0, es);
				}
			}
	return 0;
}

int nx_kern_tile(nx_kern *k)
{
	const nx_tensor *x = &k->in[0];
	nx_tensor *y = &k->out[0];
	const nx_type *t = &x->type, *r = &y->type;
	if (t->rank != r->rank)
		return nx_kern_fail(k, "operand and result ranks differ");
	for (int d = 0; d < t->rank; d++)
		if (r->dims[d] % t->dims[d])
			return nx_kern_fail(k, "result dim %d is not a multiple of the operand's", d);
	size_t es = nx_dtype_size(t->dtype);
	int64_t n = nx_tensor_numel(y), idx[NX_MAX_RANK] = {0}, st[NX_MAX_RANK];
	int64_t s = 1;
	for (int d = t->rank - 1; d >= 0; d--) {
		st[d] = s;
		s *= t->dims[d];
	}
	const char *px = x->data;
	char *py = y->data;
	for (int64_t i = 0; i < n; i++) {
		int64_t src = 0;
		for (int d = 0; d < t->rank; d++)
			src += (idx[d] % t->dims[d]) * st[d];
		memcpy(py + i * es, px + src * es, es);
		for (int d = r->rank - 1; d >= 0; d--) {
			if (++idx[d] < r->dims[d])
				break;
			idx[d] = 0;
		}
	}
	return 0;
}

int nx_kern_depth_space(nx_kern *k)
{
	const nx_tensor *x = &k->in[0];
	nx_tensor *y = &k->out[0];
	bool d2s = nx_opp(k->g, k->op)->kind == NX_OP_DEPTH_TO_SPACE;
	int64_t b = nx_attr_i(k->g, k->op, "blocksize", 0);
	bool crd = d2s && !strcmp(nx_attr_s(k->g, k->op, "mode", "DCR"), "CRD");
	/* The deep side (channels C*b*b) and the wide side (C, H*b, W*b). */
	const nx_type *deep = d2s ? &x->type : &y->type, *wide = d2s ? &y->type : &x->type;
	if (b < 1 || deep->rank != 4 || wide->rank != 4 || deep->dims[1] != wide->dims[1] * b * b ||
	    wide->dims[2] != deep->dims[2] * b || wide->dims[3] != deep->dims[3] * b)
		return nx_kern_fail(k, "operand and result types do not match blocksize %lld",
				    (long long)b);
	int64_t N = wide->dims[0], C = wide->dims[1], H = deep->dims[2], W = deep->dims[3];
	size_t es = nx_dtype_size(x->type.dtype);
	const char *px = x->data;
	char *py = y->data;
	for (int64_t n = 0; n < N; n++)
		for (int64_t c = 0; c < C; c++)
			for (int64_t h = 0; h < H; h++)
				for (int64_t i = 0; i < b; i++)
					for (int64_t w = 0; w < W; w++)
						for (int64_t j = 0; j < b; j++) {
							int64_t dc = crd ? (c * b + i) * b + j
									 : (i * b + j) * C + c;
							int64_t di = ((n * C * b * b + dc) * H + h) * W + w;
							int64_t wi = ((n * C + c) * H * b + h * b + i) *
									     W * b + w * b + j;
							int64_t from = d2s ? di : wi, to = d2s ? wi : di;
							memcpy(py + to * es, px + from * es, es);
						}
	return 0;
}

int nx_kern_one_hot(nx_kern *k)
{
	const nx_tensor *ix = &k->in[0], *v = &k->in[1];
	nx_tensor *y = &k->out[0];
	int64_t depth = nx_attr_i(k->g, k->op, "depth", 0);
	int r = ix->type.rank + 1;
	int64_t axis = nx_attr_i(k->g, k->op, "axis", -1);
	if (axis < 0)
		axis += r;
	if (axis < 0 || axis >= r || depth < 1 || v->type.dtype != y->type.dtype ||
	    nx_tensor_numel(v) != 2 || nx_tensor_numel(y) != nx_tensor_numel(ix) * depth)
		return nx_kern_fail(k, "operands do not match the result type");
	int64_t outer = 1, inner = 1;
	for (int d = 0; d < axis; d++)
		outer *= ix->type.dims[d];
	for (int d = (int)axis; d < ix->type.rank; d++)
		inner *= ix->type.dims[d];
	size_t es = nx_dtype_size(v->type.dtype);
	const char *off = v->data, *on = off + es;
	char *py = y->data;
	bool fl = nx_dtype_is_float(ix->type.dtype);
	for (int64_t o = 0; o < outer; o++)
		for (int64_t in = 0; in < inner; in++) {
			int64_t at = o * inner + in;
			/* float indices truncate, as onnxruntime casts them */
			int64_t hot = depth; /* none */
			if (!fl) {
				hot = nx_tensor_get_int(ix, at);
			} else {
				double dv = nx_tensor_get(ix, at);
				if (fabs(dv) < 9e18)
					hot = (int64_t)dv;
			}
			if (hot < 0)
				hot += depth; /* out of range after that: no hot element */
			for (int64_t d = 0; d < depth; d++)
				memcpy(py + ((o * depth + d) * inner + in) * es, d == hot ? on : off, es);
		}
	return 0;
}

int nx_kern_eye_like(nx_kern *k)
{
	nx_tensor *y = &k->out[0];
	if (y->type.rank != 2)
		return nx_kern_fail(k, "the result is not rank 2");
	int64_t kk = nx_attr_i(k->g, k->op, "k", 0);
	int64_t rows = y->type.dims[0], cols = y->type.dims[1];
	for (int64_t i = 0; i < rows; i++)
		for (int64_t j = 0; j < cols; j++)
			nx_tensor_set(y, i * cols + j, j - i == kk ? 1.0 : 0.0);
	return 0;
}
