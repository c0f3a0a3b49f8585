/* kern_pool.c — max_pool and avg_pool (any spatial rank, strides, pads or
 * auto_pad, dilations, ceil_mode, count_include_pad) and the global pools.
 *
 * Output sizes come from the result type (inference applied ceil_mode); the
 * kernel only needs the begin pads. Windows are clipped to the input; for
 * avg_pool with count_include_pad the divisor counts the pads but not the
 * overhang that ceil_mode adds past the end pad, as onnxruntime does.
 * The 2-d case has its own loop; pieces are (image, channel) planes.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nx_int.h"

typedef struct pgeom {
	int ns;
	bool is_max, incl;
	int64_t planes;
	int64_t in[NX_MAX_RANK], out[NX_MAX_RANK], ker[NX_MAX_RANK];
	int64_t stride[NX_MAX_RANK], dil[NX_MAX_RANK], pad[NX_MAX_RANK], pad_end[NX_MAX_RANK];
	int64_t in_sp, out_sp;
	const float *x;
	float *y;
} pgeom;

/* One (image, channel) plane, 2-d: each window clipped to the input; the
 * avg divisor counts the valid elements, or with count_include_pad the
 * window clipped to the padded input. */
static void pool_2d(pgeom *g, int64_t plane)
{
	int64_t H = g->in[0], W = g->in[1], OH = g->out[0], OW = g->out[1];
	const float *x = g->x + plane * g->in_sp;
	float *y = g->y + plane * g->out_sp;
	for (int64_t oy = 0; oy < OH; oy++) {
		int64_t y0 = oy * g->stride[0] - g->pad[0];
		for (int64_t ox = 0; ox < OW; ox++) {
			int64_t x0 = ox * g->stride[1] - g->pad[1];
			float acc = g->is_max ? -INFINITY : 0;
			int64_t cnt = 0;
			for (int64_t ky = 0; ky < g->ker[0]; ky++) {
				int64_t iy = y0 + ky * g->dil[0];
				if (iy < 0 || iy >= H)
					continue;
				const float *row = x + iy * W;
				for (int64_t kx = 0; kx < g->ker[1]; kx++) {
					int64_t ix = x0 + kx * g->dil[1];
					if (ix < 0 || ix >= W)
						continue;
					float v = row[ix];
					if (g->is_max)
						acc = v > acc || v != v ? v : acc;
					else
						acc += v;
					cnt++;
				}
			}
			if (!g->is_max) {
				if (g->incl) {
					/* window clipped to the padded input */
					int64_t hy = y0 + (g->ker[0] - 1) * g->dil[0] + 1;
					int64_t hx = x0 + (g->ker[1] - 1) * g->dil[1] + 1;
					int64_t ey = hy < H + g->pad_end[0] ? hy : H + g->pad_end[0];
					int64_t ex = hx < W + g->pad_end[1] ? hx : W + g->pad_end[1];
					int64_t ny = (ey - y0 + g->dil[0] - 1) / g->dil[0];
					int64_t nxx = (ex - x0 + g->dil[1] - 1) / g->dil[1];
					cnt = ny * nxx;
				}
				acc = cnt ? acc / (float)cnt : 0;
			}
			y[oy * OW + ox] = acc;
		}
	}
}

static void pool_nd(pgeom *g, int64_t plane)
{
	int ns = g->ns;
	const float *x = g->x + plane * g->in_sp;
	float *y = g->y + plane * g->out_sp;
	int64_t ksp = 1;
	for (int d = 0; d < ns; d++)
		ksp *= g->ker[d];
	for (int64_t p = 0; p < g->out_sp; p++) {
		int64_t o[NX_MAX_RANK], rem = p;
		for (int d = ns - 1; d >= 0; d--) {
			o[d] = rem % g->out[d];
			rem /= g->out[d];
		}
		float acc = g->is_max ? -INFINITY : 0;
		int64_t cnt = 0;
		for (int64_t kk = 0; kk < ksp; kk++) {
			int64_t off = 0, mul = 1, r2 = kk;
			bool inside = true;
			for (int d = ns - 1; d >= 0; d--) {
				int64_t kd = r2 % g->ker[d];
				r2 /= g->ker[d];
				int64_t i = o[d] * g->stride[d] - g->pad[d] + kd * g->dil[d];
				if (i < 0 || i >= g->in[d])
					inside = false;
				off += i * mul;
				mul *= g->in[d];
			}
			if (!inside)
				continue;
			float v = x[off];
			if (g->is_max)
				acc = v > acc || v != v ? v : acc;
			else
				acc += v;
			cnt++;
		}
		if (!g->is_max) {
			if (g->incl) {
				cnt = 1;
				for (int d = 0; d < ns; d++) {
					int64_t s = o[d] * g->stride[d] - g->pad[d];
					int64_t h = s + (g->ker[d] - 1) * g->dil[d] + 1;
					int64_t e = h < g->in[d] + g->pad_end[d] ? h : g->in[d] + g->pad_end[d];
					cnt *= (e - s + g->dil[d] - 1) / g->dil[d];
				}
			}
			acc = cnt ? acc / (float)cnt : 0;
		}
		y[p] = acc;
	}
}

static void pool_part(void *ctx, int64_t lo, int64_t hi)
{
	pgeom *g = ctx;
	for (int64_t p = lo; p < hi; p++) {
		if (g->ns == 2)
			pool_2d(g, p);
		else
			pool_nd(g, p);
	}
}

int nx_kern_pool(nx_kern *k)
{
	nx_graph *gr = k->g;
	const nx_tensor *x = &k->in[0];
	nx_tensor *y = &k->out[0];
	int r = x->type.rank;
	if (r < 3 || y->type.rank != r)
		return nx_kern_fail(k, "pooling needs (N, C, spatial...) operands");
	pgeom g;
	memset(&g, 0, sizeof g);
	g.ns = r - 2;
	g.is_max = nx_opp(gr, k->op)->kind == NX_OP_MAX_POOL;
	g.incl = !g.is_max && nx_attr_i(gr, k->op, "count_include_pad", 0) != 0;
	g.planes = x->type.dims[0] * x->type.dims[1];
	g.x = x->data;
	g.y = y->data;
	uint32_t nk, nst, nd, np;
	const int64_t *ks = nx_attr_ints(gr, k->op, "kernel_shape", &nk);
	const int64_t *st = nx_attr_ints(gr, k->op, "strides", &nst);
	const int64_t *dl = nx_attr_ints(gr, k->op, "dilations", &nd);
	const int64_t *pd = nx_attr_ints(gr, k->op, "pads", &np);
	if ((int)nk != g.ns)
		return nx_kern_fail(k, "kernel_shape has %u entries for %d spatial dims", nk, g.ns);
	if (pd && (int)np != 2 * g.ns)
		return nx_kern_fail(k, "pads has %u entries, %d spatial dims need %d", np, g.ns,
				    2 * g.ns);
	const char *ap = nx_attr_s(gr, k->op, "auto_pad", "NOTSET");
	bool same = !strcmp(ap, "SAME_UPPER") || !strcmp(ap, "SAME_LOWER");
	if (!same && strcmp(ap, "NOTSET") && strcmp(ap, "VALID"))
		return nx_kern_fail(k, "unknown auto_pad \"%s\"", ap);
	g.in_sp = g.out_sp = 1;
	for (int d = 0; d < g.ns; d++) {
		g.in[d] = x->type.dims[d + 2];
		g.out[d] = y->type.dims[d + 2];
		g.ker[d] = ks[d];
		g.stride[d] = st && (int)nst == g.ns ? st[d] : 1;
		g.dil[d] = dl && (int)nd == g.ns ? dl[d] : 1;
		if (g.ker[d] < 1 || g.stride[d] < 1 || g.dil[d] < 1)
			return nx_kern_fail(k, "kernel_shape, strides and dilations must be >= 1");
		g.in_sp *= g.in[d];
		g.out_sp *= g.out[d];
		if (same) {
			int64_t keff = (g.ker[d] - 1) * g.dil[d] + 1;
			int64_t total = (g.out[d] - 1) * g.stride[d] + keff - g.in[d];
			if (total < 0)
				total = 0;
			g.pad[d] = !strcmp(ap, "SAME_LOWER") ? total - total / 2 : total / 2;
			g.pad_end[d] = total - g.pad[d];
		} else if (pd && strcmp(ap, "VALID")) {
			g.pad[d] = pd[d];
			g.pad_end[d] = pd[d + g.ns];
		}
	}
	nx_pool_for(nx_tensor_numel(y) * g.ker[0] >= (1 << 15) ? k->pool : NULL, g.planes,
		    pool_part, &g);
	return 0;
}

typedef struct gp_job {
	bool is_max;
	const float *x;
	float *y;
	int64_t n;
} gp_job;

static void gp_part(void *ctx, int64_t lo, int64_t hi)
{
	gp_job *j = ctx;
	for (int64_t p = lo; p < hi; p++) {
		const float *x = j->x + p * j->n;
		if (j->is_max) {
			float m = -INFINITY;
			for (int64_t i = 0; i < j->n; i++)
				m = x[i] > m || x[i] != x[i] ? x[i] : m;
			j->y[p] = m;
		} else {
			j->y[p] = (float)(nx_sum_f32(x, j->n) / (double)j->n);
		}
	}
}

int nx_kern_global_pool(nx_kern *k)
{
	const nx_tensor *x = &k->in[0];
	nx_tensor *y = &k->out[0];
	if (x->type.rank < 2)
		return nx_kern_fail(k, "global pooling needs (N, C, ...) operands");
	int64_t planes = x->type.dims[0] * x->type.dims[1];
	int64_t n = nx_tensor_numel(x) / planes;
	if (nx_tensor_numel(y) != planes)
		return nx_kern_fail(k, "the result type does not hold one value per plane");
	gp_job j = {nx_opp(k->g, k->op)->kind == NX_OP_GLOBAL_MAX_POOL, x->data, y->data, n};
	nx_pool_for(nx_tensor_numel(x) >= (1 << 15) ? k->pool : NULL, planes, gp_part, &j);
	return 0;
}
