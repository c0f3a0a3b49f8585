/* kern_grid_sample.c — the grid_sample op (ONNX GridSample, opset 16): X
 * [N, C, H, W] sampled at the points of grid [N, Ho, Wo, 2] (x then y,
 * normalized to [-1, 1]) gives [N, C, Ho, Wo]. Shape inference and kernel.
 *
 * The ONNX tests are PyTorch's grid_sample outputs, so this follows its
 * rules: align_corners=1 maps -1 and 1 to the centres of the corner pixels,
 * 0 to their outer edges. Bilinear and nearest apply padding_mode to the
 * source coordinate (border clamps it, reflection folds it back at the
 * borders, then clamps), and zeros makes taps outside the image 0; nearest
 * rounds half to even. Bicubic (cubic convolution, A = -0.75) takes the 4x4
 * taps around the unpadded coordinate and applies padding_mode to each tap.
 * Computed in double.
 */
#include <math.h>
#include <string.h>

#include "nx_int.h"

enum { M_BILINEAR, M_NEAREST, M_BICUBIC };
enum { P_ZEROS, P_BORDER, P_REFLECTION };

typedef struct gs_mode {
	int mode, pad;
	bool align;
} gs_mode;

static int read_mode(const nx_graph *g, uint32_t o, gs_mode *m, nx_err *err)
{
	const char *mode = nx_attr_s(g, o, "mode", "bilinear");
	const char *pad = nx_attr_s(g, o, "padding_mode", "zeros");
	/* opset 20 renames bilinear to linear and bicubic to cubic */
	if (!strcmp(mode, "bilinear") || !strcmp(mode, "linear"))
		m->mode = M_BILINEAR;
	else if (!strcmp(mode, "nearest"))
		m->mode = M_NEAREST;
	else if (!strcmp(mode, "bicubic") || !strcmp(mode, "cubic"))
		m->mode = M_BICUBIC;
	else
		return nx_infer_fail(g, o, err, "mode \"%s\" is unknown (bilinear, nearest, "
				     "bicubic)", mode);
	if (!strcmp(pad, "zeros"))
		m->pad = P_ZEROS;
	else if (!strcmp(pad, "border"))
		m->pad = P_BORDER;
	else if (!strcmp(pad, "reflection"))
		m->pad = P_REFLECTION;
	else
		return nx_infer_fail(g, o, err, "padding_mode \"%s\" is unknown (zeros, border, "
				     "reflection)", pad);
	m->align = nx_attr_i(g, o, "align_corners", 0) != 0;
	return 0;
}

int nx_infer_grid_sample(nx_graph *g, uint32_t o, nx_err *err)
{
	if (nx_infer_dtype_in(g, o, 0, NX_DT_FLOAT, err) ||
	    nx_infer_dtype_in(g, o, 1, NX_DT_FLOAT, err))
		return -1;
	gs_mode m;
	if (read_mode(g, o, &m, err))
		return -1;
	nx_type x = nx_infer_in(g, o, 0), gr = nx_infer_in(g, o, 1);
	if (x.rank != 4)
		return nx_infer_fail(g, o, err, "X must be [N, C, H, W] (nex samples 2-D images)");
	if (gr.rank != 4 || gr.dims[0] != x.dims[0] || gr.dims[3] != 2)
		return nx_infer_fail(g, o, err, "grid must be [N, H_out, W_out, 2] with X's N");
	nx_type y = nx_type_make(x.dtype, 4, (int64_t[]){x.dims[0], x.dims[1], gr.dims[1],
							    gr.dims[2]});
	return nx_infer_set(g, o, 0, &y, err);
}

/* [-1, 1] -> pixel coordinate along an axis of n pixels */
static double unnormalize(double c, int64_t n, bool align)
{
	return align ? (c + 1) / 2 * (double)(n - 1) : ((c + 1) * (double)n - 1) / 2;
}

/* c folded into [lo2/2, hi2/2] by reflection (bounds given doubled) */
static double reflect(double c, double lo2, double hi2)
{
	if (lo2 == hi2)
		return 0;
	double lo = lo2 / 2, span = (hi2 - lo2) / 2;
	c = fabs(c - lo);
	double extra = fmod(c, span);
	double flips = floor(c / span);
	return fmod(flips, 2) == 0 ? extra + lo : span - extra + lo;
}

static double clampd(double c, double lo, double hi)
{
	return c < lo ? lo : c > hi ? hi : c;
}

/* padding_mode applied to a coordinate along an axis of n pixels */
static double pad_coord(double c, int64_t n, const gs_mode *m)
{
	if (m->pad == P_BORDER) {
		c = clampd(c, 0, (double)(n - 1));
	} else if (m->pad == P_REFLECTION) {
		c = m->align ? reflect(c, 0, 2.0 * (double)(n - 1))
			     : reflect(c, -1, 2.0 * (double)n - 1);
		c = clampd(c, 0, (double)(n - 1));
	}
	return c;
}

/* pixel (yy, xx) (whole numbers) of plane p, 0 outside; compared as doubles
 * so that a NaN or huge grid value is "outside", never a bad conversion */
static double tap(const nx_tensor *x, int64_t p, int64_t H, int64_t W, double yy, double xx)
{
	if (!(yy >= 0 && yy < (double)H && xx >= 0 && xx < (double)W))
		return 0;
	return nx_tensor_get(x, (p * H + (int64_t)yy) * W + (int64_t)xx);
}

static void cubic_coeffs(double t, double w[4])
{
	const double A = -0.75;
	double x;
	x = t + 1;
	w[0] = ((A * x - 5 * A) * x + 8 * A) * x - 4 * A;
	x = t;
	w[1] = ((A + 2) * x - (A + 3)) * x * x + 1;
	x = 1 - t;
	w[2] = ((A + 2) * x - (A + 3)) * x * x + 1;
	x = 2 - t;
	w[3] = ((A * x - 5 * A) * x + 8 * A) * x - 4 * A;
}

static double sample(const nx_tensor *x, int64_t p, int64_t H, int64_t W, double gx, double gy,
		     const gs_mode *m)
{
	double ix = unnormalize(gx, W, m->align), iy = unnormalize(gy, H, m->align);
	if (m->mode == M_BICUBIC) {
		double x0 = floor(ix), y0 = floor(iy), wx[4], wy[4];
		cubic_coeffs(ix - x0, wx);
		cubic_coeffs(iy - y0, wy);
		double acc = 0;
		for (int i = 0; i < 4; i++)
			for (int j = 0; j < 4; j++) {
				double yy = pad_coord(y0 - 1 + i, H, m);
				double xx = pad_coord(x0 - 1 + j, W, m);
				acc += wy[i] * wx[j] * tap(x, p, H, W, floor(yy), floor(xx));
			}
		return acc;
	}
	ix = pad_coord(ix, W, m);
	iy = pad_coord(iy, H, m);
	if (m->mode == M_NEAREST)
		return tap(x, p, H, W, nearbyint(iy), nearbyint(ix));
	double xi = floor(ix), yi = floor(iy), fx = ix - xi, fy = iy - yi;
	return (1 - fy) * ((1 - fx) * tap(x, p, H, W, yi, xi) + fx * tap(x, p, H, W, yi, xi + 1)) +
	       fy * ((1 - fx) * tap(x, p, H, W, yi + 1, xi) + fx * tap(x, p, H, W, yi + 1, xi + 1));
}

int nx_kern_grid_sample(nx_kern *k)
{
	const nx_tensor *x = &k->in[0], *gr = &k->in[1];
	nx_tensor *y = &k->out[0];
	gs_mode m;
	if (read_mode(k->g, k->op, &m, k->err))
		return -1;
	int64_t N = x->type.dims[0], C = x->type.dims[1], H = x->type.dims[2];
	int64_t W = x->type.dims[3], Ho = y->type.dims[2], Wo = y->type.dims[3];
	for (int64_t n = 0; n < N; n++)
		for (int64_t q = 0; q < Ho * Wo; q++) {
			double gx = nx_tensor_get(gr, (n * Ho * Wo + q) * 2);
			double gy = nx_tensor_get(gr, (n * Ho * Wo + q) * 2 + 1);
			for (int64_t c = 0; c < C; c++)
				nx_tensor_set(y, (n * C + c) * Ho * Wo + q,
					      sample(x, n * C + c, H, W, gx, gy, &m));
		}
	return 0;
}
