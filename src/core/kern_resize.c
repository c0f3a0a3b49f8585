/* kern_resize.c — ONNX Resize (nearest, linear, cubic) with every
 * coordinate_transformation_mode but tf_crop_and_resize, whose roi operand
 * nex's resize does not carry.
 *
 * Resize is separable: the ONNX reference interpolates one axis at a time,
 * and so does this kernel. For each axis that changes, a table gives every
 * output coordinate its taps (input index, weight) computed exactly as the
 * reference does (in double, the neighbours of the back-projected
 * coordinate, indices clamped to the edge, exclude_outside renormalizing);
 * then one pass per axis applies it over the [outer, axis, inner] view.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nx_int.h"
#include "simd.h"

enum { M_NEAREST, M_LINEAR, M_CUBIC };
enum { C_HALF, C_PYTORCH, C_ALIGN, C_ASYM, C_TFNN, C_SYM };
enum { N_RPF, N_RPC, N_FLOOR, N_CEIL };

static int pick(const char *s, const char *const *names)
{
	for (int i = 0; names[i]; i++)
		if (!strcmp(s, names[i]))
			return i;
	return -1;
}

typedef struct taps {
	int n;        /* taps per output coordinate */
	int64_t *idx; /* [out][n] */
	float *w;     /* [out][n] */
} taps;

static void cubic_coeffs(double r, double a, double *c)
{
	c[0] = ((a * (r + 1) - 5 * a) * (r + 1) + 8 * a) * (r + 1) - 4 * a;
	c[1] = ((a + 2) * r - (a + 3)) * r * r + 1;
	c[2] = ((a + 2) * (1 - r) - (a + 3)) * (1 - r) * (1 - r) + 1;
	c[3] = ((a * ((1 - r) + 1) - 5 * a) * ((1 - r) + 1) + 8 * a) * ((1 - r) + 1) - 4 * a;
}

/* The taps of one axis. Caller frees idx and w. */
static void make_taps(taps *t, int mode, int ctm, int nm, double cubic_a, bool excl,
		      int64_t in, int64_t out, double scale)
{
	t->n = mode == M_NEAREST ? 1 : mode == M_LINEAR ? 2 : 4;
	t->idx = nx_xmalloc((size_t)(out * t->n) * sizeof *t->idx);
	t->w = nx_xmalloc((size_t)(out * t->n) * sizeof *t->w);
	double ow = scale * (double)in; /* the reference's "output_width" */
	for (int64_t x = 0; x < out; x++) {
		double xo;
		switch (ctm) {
		case C_ALIGN: xo = ow == 1 ? 0 : (double)x * (double)(in - 1) / (ow - 1); break;
		case C_ASYM: xo = (double)x / scale; break;
		case C_PYTORCH: xo = ow == 1 ? -0.5 : ((double)x + 0.5) / scale - 0.5; break;
		case C_TFNN: xo = ((double)x + 0.5) / scale; break;
		case C_SYM: {
			/* opset 19: centre the sampled window when the integer
			 * output size differs from scale * in */
			double adj = (double)out / ow, centre = (double)in / 2;
			xo = centre * (1 - adj) + ((double)x + 0.5) / scale - 0.5;
			break;
		}
		default: xo = ((double)x + 0.5) / scale - 0.5; break;
		}
		int64_t *ix = t->idx + x * t->n;
		float *w = t->w + x * t->n;
		double fl = floor(xo);
		bool integral = fl == xo;
		if (mode == M_NEAREST) {
			int64_t i;
			double r = xo - fl;
			if (integral)
				i = (int64_t)xo;
			else if (nm == N_FLOOR)
				i = (int64_t)fl;
			else if (nm == N_CEIL)
				i = (int64_t)fl + 1;
			else if (nm == N_RPF)
				i = (int64_t)fl + (r > 0.5);
			else
				i = (int64_t)fl + (r >= 0.5);
			ix[0] = i < 0 ? 0 : i >= in ? in - 1 : i;
			w[0] = 1;
			continue;
		}
		/* The reference takes the neighbours left of xo with ratio in
		 * (0, 1]: an integral xo is the right tap with weight 1. */
		int64_t x0 = integral ? (int64_t)xo - 1 : (int64_t)fl;
		double r = integral ? 1 : xo - fl, c[4];
		int64_t first;
		if (mode == M_LINEAR) {
			c[0] = 1 - r;
			c[1] = r;
			first = x0;
		} else {
			cubic_coeffs(r, cubic_a, c);
			first = x0 - 1;
		}
		double sum = 0;
		for (int k = 0; k < t->n; k++) {
			int64_t i = first + k;
			if (excl && (i < 0 || i >= in))
				c[k] = 0;
			sum += c[k];
			ix[k] = i < 0 ? 0 : i >= in ? in - 1 : i;
		}
		for (int k = 0; k < t->n; k++)
			w[k] = (float)(excl && sum != 0 ? c[k] / sum : c[k]);
	}
}

typedef struct rs_job {
	const taps *t;
	const float *in;
	float *out;
	int64_t in_n, out_n, inner;
} rs_job;

static void rs_part(void *ctx, int64_t lo, int64_t hi)
{
	rs_job *j = ctx;
	int n = j->t->n;
	int64_t inner = j->inner;
	for (int64_t o = lo; o < hi; o++) {
		const float *src = j->in + o * j->in_n * inner;
		float *dst = j->out + o * j->out_n * inner;
		for (int64_t x = 0; x < j->out_n; x++) {
			const int64_t *ix = j->t->idx + x * n;
			const float *w = j->t->w + x * n;
			float *d = dst + x * inner;
			if (n == 1) {
				if (inner == 1)
					d[0] = src[ix[0]];
				else
					memcpy(d, src + ix[0] * inner, (size_t)inner * sizeof *d);
				continue;
			}
			if (inner == 1) {
				float s = 0;
				for (int k = 0; k < n; k++)
					s += w[k] * src[ix[k]];
				d[0] = s;
				continue;
			}
			for (int64_t i = 0; i < inner; i++)
				d[i] = 0;
			for (int k = 0; k < n; k++) {
				const float *s = src + ix[k] * inner;
				float wk = w[k];
				for (int64_t i = 0; i < inner; i++)
					d[i] += wk * s[i];
			}
		}
	}
}

/* Nearest in one pass: each output row (all axes but the last) reads one
 * input row chosen by the index tables, gathered through the last axis'
 * table; a row that repeats the previous row's source is copied from it
 * (upsampling by 2 copies every other row). */
typedef struct nn_job {
	const taps *t;            /* per axis, one tap each */
	int rank;
	const int64_t *in, *out;  /* dims */
	const float *x;
	float *y;
} nn_job;

/* f when the last axis' table upsamples by a whole factor from its first
 * entry (ix[i] = ix[0] + i / f: det's 2x, 4x and 8x), else 0. A tile that
 * starts inside a run of equal entries is not one; it gathers. */
static int64_t up_factor(const int64_t *ix, int64_t n)
{
	int64_t f = 1;
	while (f < n && ix[f] == ix[0])
		f++;
	for (int64_t i = 0; i < n; i++)
		if (ix[i] != ix[0] + i / f)
			return 0;
	return f;
}

/* dst[i] = x[i / f], i < n: each input repeated f times, without the
 * per-element index loads of the gather (a copy: the same bits). Factor 2,
 * the common one, in a loop the compiler vectorizes. */
NX_BODY void up_row_body(float *dst, const float *x, int64_t n, int64_t f)
{
	if (f == 2) {
		int64_t h = n / 2;
		for (int64_t i = 0; i < h; i++) {
			float v = x[i];
			dst[2 * i] = v;
			dst[2 * i + 1] = v;
		}
		if (n & 1)
			dst[n - 1] = x[h];
		return;
	}
	for (int64_t q = 0, i = 0; i < n; q++) {
		float v = x[q];
		int64_t e = i + f < n ? i + f : n;
		for (; i < e; i++)
			dst[i] = v;
	}
}

NX_SIMD_FN(static, up_row, (float *dst, const float *x, int64_t n, int64_t f), (dst, x, n, f))

static void nn_part(void *ctx, int64_t lo, int64_t hi)
{
	nn_job *j = ctx;
	int r = j->rank;
	int64_t ist[NX_MAX_RANK], s = 1;
	for (int d = r - 1; d >= 0; d--) {
		ist[d] = s;
		s *= j->in[d];
	}
	int64_t n = j->out[r - 1], idx[NX_MAX_RANK] = {0}, rem = lo, prev = -1;
	const int64_t *ix = j->t[r - 1].idx;
	bool ident = j->in[r - 1] == n;
	for (int64_t i = 0; ident && i < n; i++)
		ident = ix[i] == i;
	int64_t up = ident ? 0 : up_factor(ix, n);
	for (int d = r - 2; d >= 0; d--) {
		idx[d] = rem % j->out[d];
		rem /= j->out[d];
	}
	for (int64_t row = lo; row < hi; row++) {
		int64_t src = 0;
		for (int d = 0; d < r - 1; d++)
			src += j->t[d].idx[idx[d]] * ist[d];
		float *dst = j->y + row * n;
		if (src == prev) {
			memcpy(dst, dst - n, (size_t)n * sizeof *dst);
		} else if (ident) {
			memcpy(dst, j->x + src, (size_t)n * sizeof *dst);
		} else if (up > 1) {
			up_row(dst, j->x + src + ix[0], n, up);
		} else {
			const float *x = j->x + src;
			for (int64_t i = 0; i < n; i++)
				dst[i] = x[ix[i]];
		}
		prev = src;
		for (int d = r - 2; d >= 0; d--) {
			if (++idx[d] < j->out[d])
				break;
			idx[d] = 0;
		}
	}
}

int nx_kern_resize(nx_kern *k)
{
	static const char *const modes[] = {"nearest", "linear", "cubic", NULL};
	static const char *const ctms[] = {"half_pixel", "pytorch_half_pixel", "align_corners",
					   "asymmetric", "tf_half_pixel_for_nn",
					   "half_pixel_symmetric", NULL};
	static const char *const nms[] = {"round_prefer_floor", "round_prefer_ceil", "floor",
					  "ceil", NULL};
	nx_graph *g = k->g;
	const nx_tensor *x = &k->in[0];
	nx_tensor *y = &k->out[0];
	const char *ms = nx_attr_s(g, k->op, "mode", "nearest");
	const char *cs = nx_attr_s(g, k->op, "coordinate_transformation_mode", "half_pixel");
	const char *ns = nx_attr_s(g, k->op, "nearest_mode", "round_prefer_floor");
	int mode = pick(ms, modes), ctm = pick(cs, ctms), nm = pick(ns, nms);
	if (mode < 0)
		return nx_kern_fail(k, "unknown mode \"%s\" (nearest, linear, cubic)", ms);
	if (!strcmp(cs, "tf_crop_and_resize"))
		return nx_kern_fail(k, "coordinate_transformation_mode \"tf_crop_and_resize\" needs "
				    "a roi, which nex's resize does not carry");
	if (ctm < 0)
		return nx_kern_fail(k, "unknown coordinate_transformation_mode \"%s\"", cs);
	if (nm < 0)
		return nx_kern_fail(k, "unknown nearest_mode \"%s\"", ns);
	double cubic_a = nx_attr_f(g, k->op, "cubic_coeff_a", -0.75f);
	bool excl = nx_attr_i(g, k->op, "exclude_outside", 0) != 0;
	int r = x->type.rank;
	uint32_t nsc;
	const float *scales = nx_attr_floats(g, k->op, "scales", &nsc);
	if (scales && (int)nsc != r)
		return nx_kern_fail(k, "scales has %u entries for rank %d", nsc, r);
	/* A tile of the result (the NE executor's, codegen/tile_kinds.c):
	 * output coordinates run over the whole op's dims tile_of from
	 * tile_from, so the tile gets the whole op's taps and bits. */
	uint32_t ntf, nto;
	const int64_t *tf = nx_attr_ints(g, k->op, "tile_from", &ntf);
	const int64_t *to = nx_attr_ints(g, k->op, "tile_of", &nto);
	if ((tf || to) && (!tf || !to || (int)ntf != r || (int)nto != r))
		return nx_kern_fail(k, "tile_from and tile_of need %d entries each", r);
	int64_t full[NX_MAX_RANK], from[NX_MAX_RANK];
	for (int d = 0; d < r; d++) {
		full[d] = to ? to[d] : y->type.dims[d];
		from[d] = tf ? tf[d] : 0;
		if (from[d] < 0 || from[d] + y->type.dims[d] > full[d])
			return nx_kern_fail(k, "tile [%lld, +%lld) outside dim %d of %lld",
					    (long long)from[d], (long long)y->type.dims[d], d,
					    (long long)full[d]);
	}
	double sc[NX_MAX_RANK];
	for (int d = 0; d < r; d++)
		sc[d] = scales ? (double)scales[d] : (double)full[d] / (double)x->type.dims[d];

	/* Axes to resample, shrinking ones first (less work for the rest). */
	int order[NX_MAX_RANK], na = 0;
	taps t[NX_MAX_RANK], base[NX_MAX_RANK]; /* base: as allocated */
	for (int d = 0; d < r; d++) {
		make_taps(&t[d], mode, ctm, nm, cubic_a, excl, x->type.dims[d], full[d], sc[d]);
		/* An axis whose every output takes exactly one input at weight 1,
		 * in order, is the identity. */
		bool ident = x->type.dims[d] == full[d];
		for (int64_t o = 0; ident && o < full[d]; o++)
			for (int q = 0; q < t[d].n; q++) {
				float w = t[d].w[o * t[d].n + q];
				int64_t i = t[d].idx[o * t[d].n + q];
				if (w != 0 && (w != 1 || i != o))
					ident = false;
			}
		if (!ident)
			order[na++] = d;
		base[d] = t[d];
		t[d].idx += from[d] * t[d].n; /* the tile's outputs */
		t[d].w += from[d] * t[d].n;
	}
	for (int a = 1; a < na; a++)
		for (int b = a; b > 0; b--) {
			int p = order[b - 1], q = order[b];
			double rp = (double)full[p] / (double)x->type.dims[p];
			double rq = (double)full[q] / (double)x->type.dims[q];
			if (rq >= rp)
				break;
			order[b - 1] = q;
			order[b] = p;
		}

	nx_type cur = x->type;
	const float *src = x->data;
	float *buf = NULL;
	if (mode == M_NEAREST && r > 0) {
		nn_job j = {t, r, x->type.dims, y->type.dims, x->data, y->data};
		int64_t rows = nx_tensor_numel(y) / y->type.dims[r - 1];
		nx_pool_for(nx_tensor_numel(y) >= (1 << 15) ? k->pool : NULL, rows, nn_part, &j);
		na = 0; /* done, no separable passes */
	} else if (na == 0) {
		memcpy(y->data, x->data, nx_tensor_nbytes(y));
	}
	for (int a = 0; a < na; a++) {
		int d = order[a];
		nx_type next = cur;
		next.dims[d] = y->type.dims[d];
		float *dst = a == na - 1 ? y->data : nx_xmalloc((size_t)nx_type_bytes(&next));
		int64_t outer = 1, inner = 1;
		for (int e = 0; e < d; e++)
			outer *= cur.dims[e];
		for (int e = d + 1; e < r; e++)
			inner *= cur.dims[e];
		rs_job j = {&t[d], src, dst, cur.dims[d], next.dims[d], inner};
		nx_pool_for(nx_type_numel(&next) >= (1 << 15) ? k->pool : NULL, outer, rs_part, &j);
		free(buf);
		buf = a == na - 1 ? NULL : dst; /* the intermediate, freed next round */
		src = dst;
		cur = next;
	}
	free(buf);
	for (int d = 0; d < r; d++) {
		free(base[d].idx);
		free(base[d].w);
	}
	return 0;
}
