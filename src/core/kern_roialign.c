/* kern_roialign.c — roi_align (ONNX RoiAlign): for each region of interest
 * (x1, y1, x2, y2 in input coordinates times spatial_scale) of the image
 * batch_indices names, an output_height x output_width grid of bins, each
 * the average (mode "avg") or the maximum (mode "max") of sampling_ratio^2
 * bilinear samples (ceil(roi size / bins) per axis when sampling_ratio is
 * 0). coordinate_transformation_mode "half_pixel" shifts the region by
 * -0.5 pixel; "output_half_pixel" (RoiAlign-10's only behaviour) does not,
 * and makes a region at least one pixel wide and high.
 *
 * Samples follow onnxruntime's rules, which the ONNX tests record: a sample
 * more than one pixel outside the image counts as 0; one within clamps to
 * the border; max mode takes, per sample, the largest of its four weighted
 * taps (not the interpolated value) and no average.
 */
#include <math.h>
#include <string.h>

#include "nx_int.h"

/* The sample at (y, x) of plane p (h x w): interpolated (avg) or the
 * largest weighted tap (max); 0 outside. */
static float sample(const float *p, int64_t h, int64_t w, double y, double x, bool max)
{
	if (y < -1.0 || y > (double)h || x < -1.0 || x > (double)w)
		return 0;
	if (y <= 0)
		y = 0;
	if (x <= 0)
		x = 0;
	int64_t y0 = (int64_t)y, x0 = (int64_t)x, y1, x1;
	if (y0 >= h - 1) {
		y1 = y0 = h - 1;
		y = (double)y0;
	} else {
		y1 = y0 + 1;
	}
	if (x0 >= w - 1) {
		x1 = x0 = w - 1;
		x = (double)x0;
	} else {
		x1 = x0 + 1;
	}
	double ly = y - (double)y0, lx = x - (double)x0, hy = 1 - ly, hx = 1 - lx;
	double a = hy * hx * p[y0 * w + x0], b = hy * lx * p[y0 * w + x1];
	double c = ly * hx * p[y1 * w + x0], d = ly * lx * p[y1 * w + x1];
	if (max)
		return (float)fmax(fmax(a, b), fmax(c, d));
	return (float)(a + b + c + d);
}

int nx_kern_roi_align(nx_kern *k)
{
	nx_graph *g = k->g;
	const nx_tensor *x = &k->in[0], *rois = &k->in[1], *bi = &k->in[2];
	nx_tensor *y = &k->out[0];
	const char *cm = nx_attr_s(g, k->op, "coordinate_transformation_mode", "half_pixel");
	const char *mode = nx_attr_s(g, k->op, "mode", "avg");
	bool half = !strcmp(cm, "half_pixel");
	if (!half && strcmp(cm, "output_half_pixel"))
		return nx_kern_fail(k, "unknown coordinate_transformation_mode \"%s\"", cm);
	bool max = !strcmp(mode, "max");
	if (!max && strcmp(mode, "avg"))
		return nx_kern_fail(k, "unknown mode \"%s\" (avg or max)", mode);
	int64_t sr = nx_attr_i(g, k->op, "sampling_ratio", 0);
	double scale = nx_attr_f(g, k->op, "spatial_scale", 1.0f);
	int64_t nb = x->type.dims[0], ch = x->type.dims[1], h = x->type.dims[2],
		w = x->type.dims[3];
	int64_t nr = y->type.dims[0], oh = y->type.dims[2], ow = y->type.dims[3];
	const float *xs = x->data, *rs = rois->data;
	float *ys = y->data;
	for (int64_t n = 0; n < nr; n++) {
		int64_t b = (int64_t)nx_tensor_get_int(bi, n);
		if (b < 0 || b >= nb)
			return nx_kern_fail(k, "batch_indices[%lld] = %lld is outside the %lld images",
					    (long long)n, (long long)b, (long long)nb);
		double off = half ? 0.5 : 0.0;
		double sw = rs[n * 4] * scale - off, sh = rs[n * 4 + 1] * scale - off;
		double rw = rs[n * 4 + 2] * scale - off - sw, rh = rs[n * 4 + 3] * scale - off - sh;
		if (!half) {
			rw = fmax(rw, 1.0);
			rh = fmax(rh, 1.0);
		}
		double bh = rh / (double)oh, bw = rw / (double)ow;
		int64_t gh = sr > 0 ? sr : (int64_t)ceil(rh / (double)oh);
		int64_t gw = sr > 0 ? sr : (int64_t)ceil(rw / (double)ow);
		double cnt = gh * gw > 0 ? (double)(gh * gw) : 1.0;
		for (int64_t c = 0; c < ch; c++) {
			const float *p = xs + (b * ch + c) * h * w;
			float *yo = ys + (n * ch + c) * oh * ow;
			for (int64_t ph = 0; ph < oh; ph++)
				for (int64_t pw = 0; pw < ow; pw++) {
					double acc = 0;
					bool first = true;
					for (int64_t iy = 0; iy < gh; iy++) {
						double yy = sh + (double)ph * bh +
							    ((double)iy + 0.5) * bh / (double)gh;
						for (int64_t ix = 0; ix < gw; ix++) {
							double xx = sw + (double)pw * bw +
								    ((double)ix + 0.5) * bw /
									    (double)gw;
							float v = sample(p, h, w, yy, xx, max);
							if (!max)
								acc += v;
							else if (first || v > acc)
								acc = v;
							first = false;
						}
					}
					yo[ph * ow + pw] = (float)(max ? acc : acc / cnt);
				}
		}
	}
	return 0;
}
