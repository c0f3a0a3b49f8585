/* test_conv_direct.c — the direct stride-1 conv kernel (kern_conv_direct.c,
 * taken on CPUs with AVX2+FMA for 8+ input channels, at most 256 output
 * channels per group and rows of 16+ columns) against
 * a conv summed in double: odd widths whose last 16-column strip is partial, output
 * channel counts that are no multiple of the kernel's 6-channel blocks
 * (1, 7, 13, 64), asymmetric pads, dilation, a 5x3 kernel, two groups, two
 * images, a fused hard_swish; then its bits at 1 and 2 threads, and a conv
 * with a `tile` attribute (computed tile by tile, as the NE executor
 * does) against the same conv whole: this kernel sums each output in one
 * register in one order however the work is split, so all three agree
 * bit for bit. Rows of 20 and 40 columns (one row of a 1x3 conv, split
 * by output channels) and stride-2 convs of 2-8 input channels take the
 * kernel on AVX2 and AVX-512 CPUs alike; a stride-2 conv of 16 channels and a
 * few-channel one check that the other roads still answer. On a CPU
 * without AVX2 and FMA every conv here takes the older roads and the same
 * checks hold for them, except the tile check, which only this kernel
 * guarantees bit for bit (it is then skipped). Convs of 20-24 rows of
 * 17-20 columns make a task's rows one span whose strips cross row ends
 * (stores masked per row piece, the activation run per whole row).
 * The padded copy's borders: no pads, pads of 2 and 3, one-sided and
 * asymmetric pads, 2x2, 3x1 and 1x3 kernels, rows of 14 and 16, a
 * dilated 5x3 and two images of two groups.
 * Then the kernel's AVX2 and
 * AVX-512 register tiles, called by name, on widths that end in each of
 * the AVX-512 tile's strip shapes: the AVX2 tile against the double sum,
 * the AVX-512 tile against the AVX2 one bit for bit. A part this CPU
 * cannot run (the tile checks without AVX2, the AVX-512 tile without
 * AVX-512) is named on stderr, and the test then exits 77 when everything
 * else passed, so ctest counts it skipped, not passed. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "nx.h"

/* Set when a part of the test could not run on this CPU (main: exit 77). */
static bool part_skipped;

/* Whether nex takes the direct kernel on this CPU (as src/core/simd.h
 * decides). */
static int cpu_v3(void)
{
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
	return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
	return 0;
#endif
}

typedef struct ccase {
	int N, C, H, W, M, G, KH, KW, s, d, pad[4];
	const char *act; /* NULL: none */
	int direct;      /* takes the direct kernel on an AVX2+FMA CPU: 1, else 0
			  * (the rule does not look at the vector width) */
} ccase;

static const ccase cases[] = {
	{1, 16, 5, 64, 24, 1, 3, 3, 1, 1, {1, 1, 1, 1}, NULL, 1},
	{1, 17, 4, 83, 7, 1, 3, 3, 1, 1, {1, 1, 1, 1}, NULL, 1},
	{2, 33, 3, 67, 13, 1, 3, 3, 1, 1, {0, 2, 1, 0}, NULL, 1},
	{1, 24, 6, 70, 1, 1, 3, 3, 1, 1, {1, 1, 1, 1}, NULL, 1},
	{1, 20, 7, 66, 64, 1, 3, 3, 1, 1, {1, 1, 1, 1}, "hard_swish", 1},
	{1, 32, 9, 68, 14, 2, 3, 3, 1, 1, {1, 1, 1, 1}, NULL, 1},
	{1, 16, 8, 72, 9, 1, 5, 3, 1, 2, {2, 2, 2, 2}, NULL, 1},
	{1, 16, 8, 80, 8, 1, 3, 3, 1, 1, {0, 0, 0, 0}, "relu", 1},
	/* narrow rows; one row of a 1x3 conv (rec's) splits by blocks of
	 * output channels */
	{1, 32, 6, 20, 24, 1, 3, 3, 1, 1, {1, 1, 1, 1}, NULL, 1},
	{1, 96, 1, 40, 60, 1, 1, 3, 1, 1, {0, 1, 0, 1}, "hard_swish", 1},
	/* enough rows that a task's rows run as one span: strips cross one
	 * or two row ends (17 columns + 2 junk), the activation per row */
	{1, 16, 24, 17, 10, 1, 3, 3, 1, 1, {1, 1, 1, 1}, "hard_swish", 1},
	{1, 32, 20, 20, 16, 2, 3, 3, 1, 1, {1, 1, 1, 1}, "relu", 1},
	/* stride-2 stems (2-8 input channels) */
	{1, 3, 9, 70, 16, 1, 3, 3, 2, 1, {1, 1, 1, 1}, "hard_swish", 1},
	{1, 4, 12, 99, 8, 1, 3, 3, 2, 1, {0, 1, 1, 0}, NULL, 1},
	/* 8-15 input channels, 65-256 output channels (the road since the
	 * seventh session) */
	{1, 8, 6, 40, 24, 1, 3, 3, 1, 1, {1, 1, 1, 1}, "relu", 1},
	{1, 16, 4, 40, 100, 1, 3, 3, 1, 1, {1, 1, 1, 1}, NULL, 1},
	/* the borders of the padded copy: no pads; pads 2 and 3 (outputs
	 * that read padding only); left or right pads only, no bottom pad; a
	 * 2x2 kernel with begin pads only; 3x1 and 1x3 on several rows;
	 * rows of 16 and of 14 (padded to 18); four rows; two images of two
	 * groups; a dilated 5x3 with four different pads */
	{1, 16, 12, 31, 8, 1, 3, 3, 1, 1, {0, 0, 0, 0}, "relu", 1},
	{1, 16, 14, 33, 9, 1, 3, 3, 1, 1, {2, 2, 2, 2}, NULL, 1},
	{1, 16, 13, 29, 7, 1, 3, 3, 1, 1, {3, 3, 3, 3}, "hard_swish", 1},
	{1, 16, 10, 19, 10, 1, 3, 3, 1, 1, {0, 2, 1, 0}, "relu", 1},
	{1, 16, 10, 19, 10, 1, 3, 3, 1, 1, {1, 0, 0, 2}, "hard_swish", 1},
	{1, 16, 16, 40, 12, 1, 2, 2, 1, 1, {1, 1, 0, 0}, NULL, 1},
	{1, 16, 9, 21, 6, 1, 3, 1, 1, 1, {1, 0, 1, 0}, NULL, 1},
	{1, 16, 9, 20, 6, 1, 1, 3, 1, 1, {0, 1, 0, 1}, "relu", 1},
	{1, 16, 10, 16, 8, 1, 3, 3, 1, 1, {1, 1, 1, 1}, NULL, 1},
	{1, 16, 10, 14, 8, 1, 3, 3, 1, 1, {1, 2, 1, 2}, NULL, 1},
	{1, 16, 4, 50, 8, 1, 3, 3, 1, 1, {1, 1, 1, 1}, "relu", 1},
	{2, 32, 11, 37, 12, 2, 3, 3, 1, 1, {1, 1, 1, 1}, "relu", 1},
	{1, 16, 20, 41, 9, 1, 5, 3, 1, 2, {2, 3, 4, 1}, NULL, 1},
	/* not the direct kernel: stride 2 on 16 channels, few channels */
	{1, 16, 9, 70, 10, 1, 3, 3, 2, 1, {1, 1, 1, 1}, NULL, 0},
	{1, 5, 5, 65, 6, 1, 3, 3, 1, 1, {1, 1, 1, 1}, NULL, 0},
};

static void ref_conv(const ccase *c, const float *x, const float *w, const float *b, double *y,
		     double *mag, int OH, int OW)
{
	int cg = c->C / c->G, mg = c->M / c->G;
	for (int n = 0; n < c->N; n++)
		for (int m = 0; m < c->M; m++)
			for (int oy = 0; oy < OH; oy++)
				for (int ox = 0; ox < OW; ox++) {
					double s = b[m], a = fabs(b[m]);
					int g = m / mg;
					for (int ci = 0; ci < cg; ci++)
						for (int ky = 0; ky < c->KH; ky++)
							for (int kx = 0; kx < c->KW; kx++) {
								int iy = oy * c->s - c->pad[0] + ky * c->d;
								int ix = ox * c->s - c->pad[1] + kx * c->d;
								if (iy < 0 || iy >= c->H || ix < 0 ||
								    ix >= c->W)
									continue;
								double p = (double)x[((n * c->C + g * cg + ci) *
											   c->H + iy) *
											  c->W + ix] *
									   w[((m * cg + ci) * c->KH + ky) *
										     c->KW + kx];
								s += p;
								a += fabs(p);
							}
					size_t i = (((size_t)n * c->M + m) * OH + oy) * OW + ox;
					y[i] = s;
					mag[i] = a;
				}
}

static double act_ref(const char *act, double v)
{
	if (!act)
		return v;
	if (!strcmp(act, "relu"))
		return v < 0 ? 0 : v;
	double h = v / 6 + 0.5; /* hard_swish */
	h = h < 0 ? 0 : h > 1 ? 1 : h;
	return v * h;
}

/* Runs text on x; returns y (caller frees with free) or NULL. */
static float *run(const char *text, const ccase *c, const float *x, int threads, size_t ny)
{
	nx_err e;
	nx_graph *g = nx_parse(text, strlen(text), "t.nex", NULL, &e);
	if (!g) {
		fprintf(stderr, "parse: %s\n%s", e.msg, text);
		CHECK(g != NULL);
		return NULL;
	}
	nx_type t = {0};
	t.dtype = NX_F32;
	t.rank = 4;
	t.dims[0] = c->N, t.dims[1] = c->C, t.dims[2] = c->H, t.dims[3] = c->W;
	nx_tensor in = nx_tensor_empty(&t);
	memcpy(in.data, x, (size_t)nx_tensor_numel(&in) * sizeof *x);
	nx_run_opts o = {.threads = threads};
	nx_run_result r;
	float *y = NULL;
	int rc = nx_run(g, &in, 1, &o, &r, &e);
	if (rc) {
		fprintf(stderr, "run: %s\n", e.msg);
		CHECK_EQ_INT(rc, 0);
	} else {
		CHECK_EQ_INT(nx_tensor_numel(&r.outputs[0]), (long long)ny);
		y = malloc(ny * sizeof *y);
		memcpy(y, r.outputs[0].data, ny * sizeof *y);
		nx_run_result_free(&r);
	}
	nx_tensor_free(&in);
	nx_graph_free(g);
	return y;
}

static void test_direct_vs_double(void)
{
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		const ccase *c = &cases[k];
		int OH = (c->H + c->pad[0] + c->pad[2] - (c->KH - 1) * c->d - 1) / c->s + 1;
		int OW = (c->W + c->pad[1] + c->pad[3] - (c->KW - 1) * c->d - 1) / c->s + 1;
		size_t nx = (size_t)c->N * c->C * c->H * c->W, ny = (size_t)c->N * c->M * OH * OW;
		size_t nw = (size_t)c->M * (c->C / c->G) * c->KH * c->KW;
		float *x = malloc(nx * sizeof *x), *w = malloc(nw * sizeof *w);
		float *b = malloc((size_t)c->M * sizeof *b);
		for (size_t i = 0; i < nx; i++)
			x[i] = (float)((i * 7919) % 1013) / 127.0f - 4.0f;
		for (size_t i = 0; i < nw; i++)
			w[i] = (float)((i * 104729) % 997) / 997.0f - 0.5f;
		for (int i = 0; i < c->M; i++)
			b[i] = (float)i / 8 - 0.75f;
		/* weights and bias written out in full, so that the reference
		 * reads the same floats the parser does */
		size_t cap = 64 * (nw + (size_t)c->M) + 4096;
		char *text = malloc(cap), *wtxt = malloc(cap);
		size_t o = 0;
		for (size_t i = 0; i < nw; i++)
			o += (size_t)snprintf(wtxt + o, cap - o, "%s%.9g", i ? ", " : "", w[i]);
		char *btxt = malloc(64 * (size_t)c->M + 16);
		size_t ob = 0;
		for (int i = 0; i < c->M; i++)
			ob += (size_t)sprintf(btxt + ob, "%s%.9g", i ? ", " : "", b[i]);
		char act[64] = "";
		if (c->act)
			snprintf(act, sizeof act, ", act=\"%s\"", c->act);
		for (int tiled = 0; tiled < 2; tiled++) {
			char tile[64] = "";
			if (tiled)
				snprintf(tile, sizeof tile, ", tile=[1,%d,%d,%d]", c->M,
					 OH > 2 ? OH / 3 + 1 : 1, OW);
			snprintf(text, cap,
				 "graph @t(%%x: f32[%d,%d,%d,%d]) -> (%%y: f32[%d,%d,%d,%d]) {\n"
				 "  %%w = const f32[%d,%d,%d,%d] dense[%s]\n"
				 "  %%b = const f32[%d] dense[%s]\n"
				 "  %%y = conv(%%x, %%w, %%b) {strides=[%d,%d], dilations=[%d,%d], "
				 "pads=[%d,%d,%d,%d], group=%d%s%s} : f32[%d,%d,%d,%d]\n"
				 "  return %%y\n}\n",
				 c->N, c->C, c->H, c->W, c->N, c->M, OH, OW, c->M, c->C / c->G,
				 c->KH, c->KW, wtxt, c->M, btxt, c->s, c->s, c->d, c->d, c->pad[0],
				 c->pad[1], c->pad[2], c->pad[3], c->G, act, tile, c->N, c->M, OH,
				 OW);
			if (tiled) {
				/* tiles by rows: group 1, batch 1 only (conv_tile.c) */
				if (c->G != 1 || c->N != 1)
					continue;
				if (!(c->direct && cpu_v3())) {
					part_skipped |= c->direct != 0;
					continue;
				}
				float *y1 = run(text, c, x, 1, ny);
				/* the same conv, whole */
				char *whole = strstr(text, ", tile=[");
				if (whole)
					memmove(whole, strchr(whole, ']') + 1,
						strlen(strchr(whole, ']') + 1) + 1);
				float *y0 = run(text, c, x, 1, ny);
				if (y0 && y1)
					CHECK(!memcmp(y0, y1, ny * sizeof *y0));
				if (y0 && y1 && memcmp(y0, y1, ny * sizeof *y0))
					fprintf(stderr, "case %zu: tiled conv differs from whole\n", k);
				free(y0);
				free(y1);
				continue;
			}
			double *want = malloc(ny * sizeof *want), *mag = malloc(ny * sizeof *mag);
			ref_conv(c, x, w, b, want, mag, OH, OW);
			float *y1 = run(text, c, x, 1, ny), *y2 = run(text, c, x, 2, ny);
			if (y1 && y2) {
				size_t bad = 0, diff = 0;
				for (size_t i = 0; i < ny; i++) {
					double r = act_ref(c->act, want[i]);
					/* a sum of float products: a few ulps of the
					 * sum of magnitudes */
					if (!(fabs(y1[i] - r) <= 4e-6 * mag[i] + 1e-6)) {
						if (!bad)
							fprintf(stderr, "case %zu at %zu: %.9g, want %.9g\n",
								k, i, y1[i], r);
						bad++;
					}
					diff += memcmp(&y1[i], &y2[i], sizeof *y1) != 0;
				}
				if (bad || diff)
					fprintf(stderr, "case %zu: %zu of %zu off, %zu differ between "
						"1 and 2 threads\n", k, bad, ny, diff);
				CHECK(bad == 0);
				CHECK(diff == 0);
			}
			free(y1);
			free(y2);
			free(want);
			free(mag);
		}
		free(text);
		free(wtxt);
		free(btxt);
		free(x);
		free(w);
		free(b);
	}
}

/* The kernel's two register tiles called by name (nx_conv_direct_probe):
 * the AVX2 tile against a double sum, and where the CPU has AVX-512 its
 * tile against the AVX2 one bit for bit, on widths that end in each of
 * the AVX-512 tile's strip shapes (a whole 48, 32 + 32, a 2-vector and a
 * 1-vector tail, junk columns) and channel counts that leave a partial
 * block of either tile. */
static void test_tiles_v3_v4(void)
{
	static const struct {
		int N, C, H, W, M, G, KH, KW, s, d, pt, pl, OH, OW;
	} tc[] = {
		{1, 16, 3, 64, 24, 1, 3, 3, 1, 1, 1, 1, 3, 64},    /* 32 + 32 */
		{1, 17, 4, 65, 7, 1, 3, 3, 1, 1, 1, 1, 4, 65},     /* 48 + 17 */
		{2, 19, 3, 100, 13, 1, 3, 3, 1, 1, 0, 2, 2, 102},  /* 48 48 6 */
		{1, 24, 2, 112, 64, 1, 3, 3, 1, 1, 1, 1, 2, 112},  /* 48 32 32 */
		{1, 32, 3, 161, 18, 2, 3, 3, 1, 1, 1, 1, 3, 161},  /* 48 48 48 17 */
		{1, 16, 6, 96, 9, 1, 5, 3, 1, 2, 2, 2, 2, 96},     /* dilated 5x3 */
		{1, 96, 3, 160, 24, 1, 3, 3, 1, 1, 1, 1, 3, 160},  /* det's */
		{1, 20, 2, 70, 1, 1, 1, 7, 1, 1, 0, 3, 2, 70},     /* 1x7 */
		{1, 3, 9, 70, 16, 1, 3, 3, 2, 1, 1, 1, 5, 35},  /* stem, stride 2 */
		{1, 3, 8, 97, 8, 1, 3, 3, 2, 1, 0, 1, 4, 49},   /* 48 + 1 */
		{1, 5, 11, 67, 13, 1, 3, 3, 2, 2, 2, 2, 5, 33}, /* dilated */
		/* spans of several rows: strips across row ends */
		{1, 16, 24, 17, 10, 1, 3, 3, 1, 1, 1, 1, 24, 17},
		{1, 32, 20, 20, 16, 2, 3, 3, 1, 1, 1, 1, 20, 20},
		{1, 16, 20, 18, 9, 1, 3, 3, 1, 2, 2, 2, 20, 18},  /* dilated */
		{1, 24, 40, 40, 24, 1, 3, 3, 1, 1, 1, 1, 40, 40}, /* det's 40x40 */
		/* the borders of the padded copy (x is allocated to its size:
		 * a read past it is ASan's to find): no pads, pads 3, left
		 * only, a 2x2, rows of 16 and of 14, two images of two groups,
		 * a dilated 5x3, a 1x3 on several rows, det's 96->24 on 22
		 * rows */
		{1, 16, 12, 31, 8, 1, 3, 3, 1, 1, 0, 0, 10, 29},
		{1, 16, 13, 29, 7, 1, 3, 3, 1, 1, 3, 3, 17, 33},
		{1, 16, 10, 19, 10, 1, 3, 3, 1, 1, 0, 2, 9, 19},
		{1, 16, 16, 40, 12, 1, 2, 2, 1, 1, 1, 1, 16, 40},
		{1, 16, 10, 16, 8, 1, 3, 3, 1, 1, 1, 1, 10, 16},
		{1, 16, 10, 14, 8, 1, 3, 3, 1, 1, 1, 2, 10, 16},
		{2, 32, 11, 37, 12, 2, 3, 3, 1, 1, 1, 1, 11, 37},
		{1, 16, 20, 41, 9, 1, 5, 3, 1, 2, 2, 3, 18, 41},
		{1, 16, 9, 20, 6, 1, 1, 3, 1, 1, 0, 1, 9, 20},
		{1, 96, 22, 160, 24, 1, 3, 3, 1, 1, 1, 1, 22, 160},
	};
	int v4 = 1;
	for (size_t k = 0; k < sizeof tc / sizeof tc[0]; k++) {
		int64_t xd[4] = {tc[k].N, tc[k].C, tc[k].H, tc[k].W};
		int64_t wd[4] = {tc[k].M, tc[k].C / tc[k].G, tc[k].KH, tc[k].KW};
		size_t nx = (size_t)(xd[0] * xd[1] * xd[2] * xd[3]);
		size_t nw = (size_t)(wd[0] * wd[1] * wd[2] * wd[3]);
		size_t ny = (size_t)tc[k].N * tc[k].M * tc[k].OH * tc[k].OW;
		float *x = malloc(nx * sizeof *x), *w = malloc(nw * sizeof *w);
		float *b = malloc((size_t)tc[k].M * sizeof *b);
		float *y3 = malloc(ny * sizeof *y3), *y4 = malloc(ny * sizeof *y4);
		for (size_t i = 0; i < nx; i++)
			x[i] = (float)((i * 7919) % 1013) / 127.0f - 4.0f;
		for (size_t i = 0; i < nw; i++)
			w[i] = (float)((i * 104729) % 997) / 997.0f - 0.5f;
		for (int i = 0; i < tc[k].M; i++)
			b[i] = (float)i / 8 - 0.75f;
		int r3 = nx_conv_direct_probe(xd, wd, tc[k].G, tc[k].s, tc[k].d, tc[k].pt, tc[k].pl,
					      tc[k].OH, tc[k].OW, x, w, b, false, y3);
		if (r3) {
			/* every case here takes the direct road on AVX2 */
			CHECK(!cpu_v3());
			fprintf(stderr, "tiles case %zu: not the direct road on this CPU, "
				"skipped\n", k);
			part_skipped = true;
			goto next;
		}
		/* the AVX2 tile against a double sum */
		ccase c = {tc[k].N, tc[k].C, tc[k].H, tc[k].W, tc[k].M, tc[k].G, tc[k].KH, tc[k].KW,
			   tc[k].s, tc[k].d, {tc[k].pt, tc[k].pl, 0, 0}, NULL, 1};
		double *want = malloc(ny * sizeof *want), *mag = malloc(ny * sizeof *mag);
		ref_conv(&c, x, w, b, want, mag, tc[k].OH, tc[k].OW);
		size_t bad = 0;
		for (size_t i = 0; i < ny; i++)
			bad += !(fabs(y3[i] - want[i]) <= 4e-6 * mag[i] + 1e-6);
		if (bad)
			fprintf(stderr, "tiles case %zu: %zu of %zu off the double sum\n", k, bad, ny);
		CHECK(bad == 0);
		free(want);
		free(mag);
		if (nx_conv_direct_probe(xd, wd, tc[k].G, tc[k].s, tc[k].d, tc[k].pt, tc[k].pl,
					 tc[k].OH, tc[k].OW, x, w, b, true, y4)) {
			v4 = 0;
			goto next;
		}
		size_t diff = 0;
		for (size_t i = 0; i < ny; i++)
			diff += memcmp(&y3[i], &y4[i], sizeof *y3) != 0;
		if (diff)
			fprintf(stderr, "tiles case %zu: %zu of %zu differ between the AVX2 and "
				"AVX-512 tiles\n", k, diff, ny);
		CHECK(diff == 0);
	next:
		free(x);
		free(w);
		free(b);
		free(y3);
		free(y4);
	}
	if (!v4) {
		part_skipped = true;
		fprintf(stderr, "tiles: no AVX-512 (F/BW/DQ/VL) here: the AVX-512 tile against "
			"the AVX2 one skipped\n");
	}
}

static const check_case tcases[] = {
	{"direct_vs_double", test_direct_vs_double},
	{"tiles_v3_v4", test_tiles_v3_v4},
	{NULL, NULL},
};

int main(int argc, char **argv)
{
	int rc = check_main(tcases, argc, argv);
	return rc == 0 && part_skipped ? 77 : rc; /* a part did not run: skipped */
}
