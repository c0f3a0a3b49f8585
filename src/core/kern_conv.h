/* kern_conv.h — what the conv kernels share (core-internal): the geometry
 * of one conv read from its operands and attributes (kern_conv.c fills it)
 * and the roads kern_conv.c hands a conv to (kern_conv_dw.c,
 * kern_conv_direct.c, kern_conv_shift.c). */
#ifndef NX_KERN_CONV_H
#define NX_KERN_CONV_H

#include "nx_int.h"

typedef struct conv_geom {
	int ns;                           /* spatial rank */
	int64_t batch, cin, cout, group, cg, mg;
	int64_t in[NX_MAX_RANK], out[NX_MAX_RANK], ker[NX_MAX_RANK];
	int64_t stride[NX_MAX_RANK], dil[NX_MAX_RANK], pad[NX_MAX_RANK]; /* pad: begin */
	int64_t in_sp, out_sp, ker_sp;
	/* floats between channels and between images of x and y: dense
	 * (in_sp, cin * in_sp, ...) unless the conv runs on a window of a
	 * larger tensor (nx_kern_conv_strided) */
	int64_t xcs, xns, ycs, yns;
} conv_geom;

/* kern_conv.c: strides, dilations and begin pads (explicit or auto_pad) of
 * conv op k->op into g, whose ns, in, out and ker are set; -1 + k->err on
 * bad attributes. kern_qconv.c reads its geometry through it. */
int nx_conv_geom_attrs(nx_kern *k, conv_geom *g);

/* kern_conv_shift.c: 2-d, stride 1, kernel larger than 1x1 and enough
 * input channels per group that a GEMM over them alone is efficient. */
bool nx_conv_shift_fits(const conv_geom *g);
/* y = conv(x, w) + b, then act (kind 0: none), for a geometry that
 * nx_conv_shift_fits accepts; b may be NULL. */
void nx_conv_shift(const conv_geom *g, const float *x, const float *w, const float *b,
		   const nx_act *act, float *y, nx_pool *pool);
/* conv_pad.c: channels [lo, hi) of one (image, group) input x (channels
 * g->xcs floats apart) into hp x wp planes at xp, zero outside the input
 * (begin pads g->pad): the shifted-GEMM and direct kernels' padded copy. */
void nx_conv_pad_planes(const conv_geom *g, const float *x, float *xp, int64_t hp, int64_t wp,
			int64_t lo, int64_t hi);
/* conv_pad.c: the same for stride s (both axes), each padded row split
 * into s phase rows of wq columns (column q at phase q % s, index q / s),
 * xp laid out [c][phase][hp][wq]: the direct kernel's stride-2 copy. */
void nx_conv_pad_phases(const conv_geom *g, const float *x, float *xp, int64_t s, int64_t hp,
			int64_t wq, int64_t lo, int64_t hi);

/* kern_conv_direct.c: 2-d, stride 1, wider than 1x1, 16+ input and at most
 * 64 output channels per group, and stride-2 convs of 2-8 input channels,
 * rows of 16+ columns, on a CPU with AVX2 and FMA: a direct register-tiled
 * kernel, whose AVX2 and AVX-512 tiles give the same bits (the rule does
 * not look at the vector width, so neither do a conv's bits). */
bool nx_conv_direct_fits(const conv_geom *g);
void nx_conv_direct(const conv_geom *g, const float *x, const float *w, const float *b,
		    const nx_act *act, float *y, nx_pool *pool);

/* kern_conv_dw.c: 2-d depthwise (one input channel per group), stride 1,
 * and the strided ones nx_conv_dws_fits takes (handed on to it). */
bool nx_conv_dw_fits(const conv_geom *g);
void nx_conv_dw(const conv_geom *g, const float *x, const float *w, const float *b,
		const nx_act *act, float *y, nx_pool *pool);
/* kern_conv_dws.c: 2-d depthwise with a stride other than 1x1 (at most 4
 * across), kernel at most 16 wide: kern_conv.c's dw_part sums, same bits. */
bool nx_conv_dws_fits(const conv_geom *g);
void nx_conv_dws(const conv_geom *g, const float *x, const float *w, const float *b,
		 const nx_act *act, float *y, nx_pool *pool);

/* kern_conv.c: nx_kern_conv on operand 0 and result 0 that are windows
 * of larger tensors: in[0].data and out[0].data point at the windows'
 * first floats, channels xcs (ycs) and images xns (yns) floats apart,
 * each channel's window dense (whole rows). The tiles of a tiled conv run
 * so (conv_tile.c) without copying their windows; the strides change no
 * sum, so the bits are those of the same window copied out. 2-d convs
 * only; returns -1 + err for others. */
int nx_kern_conv_strided(nx_kern *k, int64_t xcs, int64_t xns, int64_t ycs, int64_t yns);
/* The same for a 2-d conv_transpose (no attr tile: one tile of one). */
int nx_kern_convt_strided(nx_kern *k, int64_t xcs, int64_t xns, int64_t ycs, int64_t yns);

#endif
