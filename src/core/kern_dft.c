/* kern_dft.c — the Fourier ops (ONNX DFT and STFT, opset 17): shape
 * inference and kernels.
 *
 * ONNX carries complex numbers as a last axis of 2 (real, imaginary); a
 * real signal has a last axis of 1. `dft` transforms along `axis` (a signal
 * axis: 1 to rank - 2, negative counting from the back as ONNX 20 words
 * it), zero-padding or cutting each line to `dft_length`; `inverse` takes
 * the conjugate exponent and divides by the length; `onesided` keeps bins
 * 0 .. L/2 (real input only: a complex one has no conjugate symmetry).
 * `stft` cuts [batch, time, 1|2] into frames of `frame_length` every
 * `frame_step` samples, multiplies each by the window operand when there is
 * one, and transforms it: [batch, frames, bins, 2], onesided by default.
 *
 * The transform is the direct sum, O(L^2) per line with a twiddle table of L
 * entries (exact angles 2 pi (k n mod L) / L), accumulated in double: a
 * reference for checking a compiled model, not a fast FFT.
 */
#include <math.h>
#include <stdlib.h>

#include "nx_int.h"

/* pi to double precision (PI is not C11) */
#define PI 3.14159265358979323846

/* X[k] for k < n_bins of the length-L transform of x[0..n) (zero beyond n,
 * cut at L). cs/sn: the twiddle table of L entries. */
static void dft_line(const double *re, const double *im, int64_t n, int64_t L, int64_t n_bins,
		     bool inverse, const double *cs, const double *sn, double *out_re,
		     double *out_im)
{
	if (n > L)
		n = L;
	double sign = inverse ? 1 : -1, scale = inverse ? 1.0 / (double)L : 1;
	for (int64_t k = 0; k < n_bins; k++) {
		double ar = 0, ai = 0;
		int64_t idx = 0; /* k * t mod L, stepped */
		for (int64_t t = 0; t < n; t++) {
			double c = cs[idx], s = sign * sn[idx];
			/* (re + i im)(c + i s) */
			ar += re[t] * c - im[t] * s;
			ai += re[t] * s + im[t] * c;
			idx += k;
			if (idx >= L)
				idx %= L;
		}
		out_re[k] = ar * scale;
		out_im[k] = ai * scale;
	}
}

/* Twiddle table: cs[j] = cos(2 pi j / L), sn[j] = sin(2 pi j / L). Caller
 * frees the one block (*cs) with free. */
static void twiddles(int64_t L, double **cs, double **sn)
{
	double *b = nx_xmalloc((size_t)L * 2 * sizeof *b);
	for (int64_t j = 0; j < L; j++) {
		double a = 2 * PI * (double)j / (double)L;
		b[j] = cos(a);
		b[L + j] = sin(a);
	}
	*cs = b;
	*sn = b + L;
}

/* ---- dft ---- */

typedef struct dft_geom {
	int axis;
	int64_t outer, n, inner, comps;  /* input: [outer, n, inner, comps] */
	int64_t L, bins;
	bool inverse;
} dft_geom;

static int dft_geometry(const nx_graph *g, uint32_t o, const nx_type *x, dft_geom *d,
			nx_err *err)
{
	int r = x->rank;
	if (r < 3)
		return nx_infer_fail(g, o, err, "input must be [batch, signal..., 1 or 2] (rank 3 "
				     "or more), not rank %d", r);
	d->comps = x->dims[r - 1];
	if (d->comps != 1 && d->comps != 2)
		return nx_infer_fail(g, o, err, "the last axis holds %lld values; it must be 1 "
				     "(real) or 2 (real, imaginary)", (long long)d->comps);
	int64_t axis = nx_attr_i(g, o, "axis", 1);
	if (axis < 0)
		axis += r;
	if (axis < 1 || axis > r - 2)
		return nx_infer_fail(g, o, err, "axis %lld is not a signal axis (1 to %d)",
				     (long long)nx_attr_i(g, o, "axis", 1), r - 2);
	d->axis = (int)axis;
	d->outer = d->inner = 1;
	for (int i = 0; i < d->axis; i++)
		d->outer *= x->dims[i];
	for (int i = d->axis + 1; i < r - 1; i++)
		d->inner *= x->dims[i];
	d->n = x->dims[d->axis];
	d->L = nx_attr_i(g, o, "dft_length", d->n);
	if (d->L < 1)
		return nx_infer_fail(g, o, err, "dft_length is %lld; it must be 1 or more",
				     (long long)d->L);
	d->inverse = nx_attr_i(g, o, "inverse", 0) != 0;
	bool onesided = nx_attr_i(g, o, "onesided", 0) != 0;
	if (onesided && d->comps != 1)
		return nx_infer_fail(g, o, err, "onesided needs a real input (last axis 1): a "
				     "complex signal's spectrum has no symmetry to drop");
	if (onesided && d->inverse)
		return nx_infer_fail(g, o, err, "onesided with inverse is not supported by nex");
	d->bins = onesided ? d->L / 2 + 1 : d->L;
	return 0;
}

int nx_infer_dft(nx_graph *g, uint32_t o, nx_err *err)
{
	if (nx_infer_dtype_in(g, o, 0, NX_DT_FLOAT, err))
		return -1;
	nx_type x = nx_infer_in(g, o, 0);
	dft_geom d = {0};
	if (dft_geometry(g, o, &x, &d, err))
		return -1;
	nx_type y = x;
	y.dims[d.axis] = d.bins;
	y.dims[x.rank - 1] = 2;
	return nx_infer_set(g, o, 0, &y, err);
}

int nx_kern_dft(nx_kern *k)
{
	const nx_tensor *x = &k->in[0];
	nx_tensor *y = &k->out[0];
	dft_geom d = {0};
	if (dft_geometry(k->g, k->op, &x->type, &d, k->err))
		return -1;
	double *cs, *sn;
	twiddles(d.L, &cs, &sn);
	double *buf = nx_xmalloc((size_t)(2 * d.n + 2 * d.bins) * sizeof *buf);
	double *re = buf, *im = buf + d.n, *ore = im + d.n, *oim = ore + d.bins;
	for (int64_t a = 0; a < d.outer; a++)
		for (int64_t b = 0; b < d.inner; b++) {
			for (int64_t t = 0; t < d.n; t++) {
				int64_t i = ((a * d.n + t) * d.inner + b) * d.comps;
				re[t] = nx_tensor_get(x, i);
				im[t] = d.comps == 2 ? nx_tensor_get(x, i + 1) : 0;
			}
			dft_line(re, im, d.n, d.L, d.bins, d.inverse, cs, sn, ore, oim);
			for (int64_t q = 0; q < d.bins; q++) {
				int64_t i = ((a * d.bins + q) * d.inner + b) * 2;
				nx_tensor_set(y, i, ore[q]);
				nx_tensor_set(y, i + 1, oim[q]);
			}
		}
	free(buf);
	free(cs);
	return 0;
}

/* ---- stft ---- */

typedef struct stft_geom {
	int64_t batch, T, comps, len, step, frames, bins;
} stft_geom;

static int stft_geometry(const nx_graph *g, uint32_t o, const nx_type *s, const nx_type *w,
			 stft_geom *d, nx_err *err)
{
	if (s->rank != 3 || (s->dims[2] != 1 && s->dims[2] != 2))
		return nx_infer_fail(g, o, err, "signal must be [batch, time, 1 or 2]");
	d->batch = s->dims[0];
	d->T = s->dims[1];
	d->comps = s->dims[2];
	d->step = nx_attr_i(g, o, "frame_step", 0);
	if (d->step < 1)
		return nx_infer_fail(g, o, err, "frame_step is %lld; it must be 1 or more",
				     (long long)d->step);
	bool has_len = nx_attr_get(g, o, "frame_length") != NULL;
	d->len = nx_attr_i(g, o, "frame_length", 0);
	if (w) {
		if (w->rank != 1)
			return nx_infer_fail(g, o, err, "window must be 1-D");
		if (has_len && d->len != w->dims[0])
			return nx_infer_fail(g, o, err, "frame_length %lld differs from the "
					     "window's length %lld", (long long)d->len,
					     (long long)w->dims[0]);
		d->len = w->dims[0];
	} else if (!has_len) {
		return nx_infer_fail(g, o, err, "needs a window operand or frame_length");
	}
	if (d->len < 1 || d->len > d->T)
		return nx_infer_fail(g, o, err, "frame_length %lld does not fit the signal's "
				     "%lld samples", (long long)d->len, (long long)d->T);
	bool onesided = nx_attr_i(g, o, "onesided", 1) != 0;
	if (onesided && d->comps != 1)
		return nx_infer_fail(g, o, err, "onesided (the default) needs a real signal (last "
				     "axis 1); set onesided=0 for a complex one");
	d->frames = (d->T - d->len) / d->step + 1;
	d->bins = onesided ? d->len / 2 + 1 : d->len;
	return 0;
}

int nx_infer_stft(nx_graph *g, uint32_t o, nx_err *err)
{
	if (nx_infer_dtype_in(g, o, 0, NX_DT_FLOAT, err))
		return -1;
	nx_type s = nx_infer_in(g, o, 0), w;
	bool has_w = nx_opp(g, o)->n_in > 1 && nx_operand(g, o, 1) != NX_NONE;
	if (has_w) {
		if (nx_infer_same_dtype(g, o, 0, 1, err))
			return -1;
		w = nx_infer_in(g, o, 1);
	}
	stft_geom d = {0};
	if (stft_geometry(g, o, &s, has_w ? &w : NULL, &d, err))
		return -1;
	nx_type y = nx_type_make(s.dtype, 4, (int64_t[]){d.batch, d.frames, d.bins, 2});
	return nx_infer_set(g, o, 0, &y, err);
}

int nx_kern_stft(nx_kern *k)
{
	const nx_tensor *s = &k->in[0];
	const nx_tensor *w = k->n_in > 1 && k->in[1].data ? &k->in[1] : NULL;
	nx_tensor *y = &k->out[0];
	stft_geom d = {0};
	if (stft_geometry(k->g, k->op, &s->type, w ? &w->type : NULL, &d, k->err))
		return -1;
	double *cs, *sn;
	twiddles(d.len, &cs, &sn);
	double *buf = nx_xmalloc((size_t)(2 * d.len + 2 * d.bins) * sizeof *buf);
	double *re = buf, *im = buf + d.len, *ore = im + d.len, *oim = ore + d.bins;
	for (int64_t b = 0; b < d.batch; b++)
		for (int64_t f = 0; f < d.frames; f++) {
			for (int64_t t = 0; t < d.len; t++) {
				int64_t i = (b * d.T + f * d.step + t) * d.comps;
				double wt = w ? nx_tensor_get(w, t) : 1;
				re[t] = nx_tensor_get(s, i) * wt;
				im[t] = d.comps == 2 ? nx_tensor_get(s, i + 1) * wt : 0;
			}
			dft_line(re, im, d.len, d.len, d.bins, false, cs, sn, ore, oim);
			for (int64_t q = 0; q < d.bins; q++) {
				int64_t i = ((b * d.frames + f) * d.bins + q) * 2;
				nx_tensor_set(y, i, ore[q]);
				nx_tensor_set(y, i + 1, oim[q]);
			}
		}
	free(buf);
	free(cs);
	return 0;
}
