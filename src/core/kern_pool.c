/* kern_pool.c — max_pool and avg_pool (any spatial rank, strides, pads or
 * auto_pad, dilations, ceil_mode, count_include_pad) and the global pools.
 *
 * Output sizes come from the result type (inference applied ceil_mode);
 * the begin pads place the windows, and the end pads matter only to
 * avg_pool with count_include_pad. Windows are clipped to the input; for
 * avg_pool with count_include_pad the divisor counts the pads but not the
 * overhang that ceil_mode adds past the end pad, as onnxruntime does.
 * The 2-d case has its own loop; pieces are (image, channel) planes.
 *
 * max_pool's NaN rule is ONNX's reference MaxPool and onnxruntime's MaxPool
 * with Indices (kern_pool_argmax.c keeps the same one): the window's first
 * tap inside the input starts the maximum and a later tap replaces it only
 * when strictly greater, so a NaN wins as the first tap and is passed over
 * anywhere else. (onnxruntime's MaxPool without Indices answers by its
 * vector layout, not by a rule, so it is no model.)
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nx_int.h"
#include "simd.h"

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

/* The taps k in [*k0, *k1) of a window starting at s (dilation d) that
 * fall inside [0, n): found by stepping, as a window is clipped at most
 * by the pads, so an interior window takes no step at all. */
static void clip_taps(int64_t s, int64_t d, int64_t k, int64_t n, int64_t *k0, int64_t *k1)
{
	int64_t a = 0, b = k;
	while (a < b && s + a * d < 0)
		a++;
	while (b > a && s + (b - 1) * d >= n)
		b--;
	*k0 = a;
	*k1 = b;
}

/* How a tap meets the running value a: max (strict >, the NaN rule above),
 * sum, or first (the window's first tap, which a max starts from). */
enum { TAP_MAX, TAP_SUM, TAP_FIRST };

/* One tap of a row of interior windows: y[i] takes x[i * sx] as mode says.
 * Stride 1 and 2 get loops of their own so that the loads are plain or
 * pairs. */
#define POOL_TAP(EXPR)                                                         \
	do {                                                                   \
		if (sx == 1)                                                   \
			for (int64_t i = 0; i < n; i++) {                      \
				float v = x[i], a = y[i];                      \
				y[i] = EXPR;                                   \
			}                                                      \
		else if (sx == 2)                                              \
			for (int64_t i = 0; i < n; i++) {                      \
				float v = x[2 * i], a = y[i];                  \
				y[i] = EXPR;                                   \
			}                                                      \
		else                                                           \
			for (int64_t i = 0; i < n; i++) {                      \
				float v = x[i * sx], a = y[i];                 \
				y[i] = EXPR;                                   \
			}                                                      \
	} while (0)

NX_BODY void pool_tap_body(const float *x, int64_t sx, float *y, int64_t n, int mode)
{
	if (mode == TAP_MAX)
		POOL_TAP(v > a ? v : a);
	else if (mode == TAP_SUM)
		POOL_TAP(a + v);
	else
		POOL_TAP(((void)a, v));
}

NX_SIMD_FN(static, pool_tap, (const float *x, int64_t sx, float *y, int64_t n, int mode),
	   (x, sx, y, n, mode))

/* The max rule for one more tap v, `first` when no tap came before. */
static inline float max_tap(float acc, float v, bool first)
{
	return first || v > acc ? v : acc;
}

/* One window at (y0, x0), clipped to the input; taps row by row. */
static float pool_window(const pgeom *g, const float *x, int64_t y0, int64_t x0)
{
	int64_t H = g->in[0], W = g->in[1], dy = g->dil[0], dx = g->dil[1];
	int64_t ky0, ky1, kx0, kx1;
	clip_taps(y0, dy, g->ker[0], H, &ky0, &ky1);
	clip_taps(x0, dx, g->ker[1], W, &kx0, &kx1);
	float acc = g->is_max ? -INFINITY : 0;
	for (int64_t ky = ky0; ky < ky1; ky++) {
		const float *row = x + (y0 + ky * dy) * W + x0;
		for (int64_t kx = kx0; kx < kx1; kx++) {
			float v = row[kx * dx];
			if (g->is_max)
				acc = max_tap(acc, v, ky == ky0 && kx == kx0);
			else
				acc += v;
		}
	}
	if (g->is_max)
		return acc;
	int64_t cnt = (ky1 - ky0) * (kx1 - kx0);
	if (g->incl) {
		/* window clipped to the padded input */
		int64_t hy = y0 + (g->ker[0] - 1) * dy + 1;
		int64_t hx = x0 + (g->ker[1] - 1) * dx + 1;
		int64_t ey = hy < H + g->pad_end[0] ? hy : H + g->pad_end[0];
		int64_t ex = hx < W + g->pad_end[1] ? hx : W + g->pad_end[1];
		cnt = ((ey - y0 + dy - 1) / dy) * ((ex - x0 + dx - 1) / dx);
	}
	return cnt ? acc / (float)cnt : 0;
}

/* One (image, channel) plane, 2-d: each window clipped to the input; the
 * avg divisor counts the valid elements, or with count_include_pad the
 * window clipped to the padded input. The windows of an output row that
 * the columns do not clip are done together, tap by tap, in vector lanes
 * (pool_tap); the rest one by one. Either way each output visits its taps
 * in the same order (rows, then columns), so gives the same sum or max. */
static void pool_2d(pgeom *g, int64_t plane)
{
	int64_t W = g->in[1], OH = g->out[0], OW = g->out[1];
	int64_t sy = g->stride[0], sx = g->stride[1], dy = g->dil[0], dx = g->dil[1];
	int64_t KX = g->ker[1], px = g->pad[1];
	const float *x = g->x + plane * g->in_sp;
	float *y = g->y + plane * g->out_sp;
	/* interior columns [a, b): x0 >= 0 and the last tap inside W */
	int64_t a = 0, b = OW;
	while (a < b && a * sx - px < 0)
		a++;
	while (b > a && (b - 1) * sx - px + (KX - 1) * dx >= W)
		b--;
	for (int64_t oy = 0; oy < OH; oy++) {
		int64_t y0 = oy * sy - g->pad[0], ky0, ky1;
		float *yr = y + oy * OW;
		for (int64_t ox = 0; ox < a; ox++)
			yr[ox] = pool_window(g, x, y0, ox * sx - px);
		for (int64_t ox = b; ox < OW; ox++)
			yr[ox] = pool_window(g, x, y0, ox * sx - px);
		if (a >= b)
			continue;
		clip_taps(y0, dy, g->ker[0], g->in[0], &ky0, &ky1);
		/* a max starts from the first tap (a window with none is
		 * -inf, as pool_window gives) */
		float init = g->is_max ? -INFINITY : 0;
		for (int64_t ox = a; ox < b; ox++)
			yr[ox] = init;
		for (int64_t ky = ky0; ky < ky1; ky++) {
			const float *row = x + (y0 + ky * dy) * W + a * sx - px;
			for (int64_t kx = 0; kx < KX; kx++) {
				int mode = !g->is_max ? TAP_SUM
					   : ky == ky0 && kx == 0 ? TAP_FIRST : TAP_MAX;
				pool_tap(row + kx * dx, sx, yr + a, b - a, mode);
			}
		}
		if (g->is_max)
			continue;
		/* interior columns: every column tap counts, and with
		 * count_include_pad so does each row of the padded window */
		int64_t ny = ky1 - ky0;
		if (g->incl) {
			int64_t hy = y0 + (g->ker[0] - 1) * dy + 1;
			int64_t ey = hy < g->in[0] + g->pad_end[0] ? hy : g->in[0] + g->pad_end[0];
			ny = (ey - y0 + dy - 1) / dy;
		}
		int64_t cnt = ny * KX;
		for (int64_t ox = a; ox < b; ox++)
			yr[ox] = cnt ? yr[ox] / (float)cnt : 0;
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
				acc = max_tap(acc, v, cnt == 0);
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
	int apk = nx_auto_pad(ap);
	if (apk < 0)
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
		if (nx_auto_pad_same(apk)) {
			int64_t keff = (g.ker[d] - 1) * g.dil[d] + 1;
			g.pad[d] = nx_pad_split(nx_same_total(g.in[d], g.out[d], g.stride[d], keff),
						apk == NX_PAD_SAME_LOWER, &g.pad_end[d]);
		} else if (pd && apk != NX_PAD_VALID) {
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
