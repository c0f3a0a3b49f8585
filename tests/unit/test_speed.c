/* test_speed.c — the fast paths of issue 22 give the same answers as the
 * plain ones: the cached word-wise blob hash (equal bytes, equal hash; any
 * one byte changed, a different hash, at every length around the word and
 * lane boundaries); the fused activation applied inside conv's output loop
 * (im2col, 1x1 and depthwise roads, vectorized, the AVX2 clone where the
 * CPU has it) against the same conv without act followed by the scalar
 * formula, element for element, at 1 and 2 threads; the shifted-GEMM
 * conv road (kern_conv_shift.c: stride 1, 16+ channels per group) against
 * a direct loop in double, over pads (asymmetric too), dilations, groups,
 * batch and kernel shapes, and the stride-1 depthwise road
 * (kern_conv_dw.c) likewise; and the pool's chunk claiming, every index run
 * exactly once whatever the thread count. */
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "nx.h"

static nx_blob *u8_blob(const unsigned char *p, int64_t n)
{
	nx_type t = {0};
	t.dtype = NX_U8;
	t.rank = 1;
	t.dims[0] = n;
	return nx_blob_new_copy(&t, p);
}

static void test_blob_hash(void)
{
	unsigned char buf[100];
	for (int i = 0; i < 100; i++)
		buf[i] = (unsigned char)(i * 37 + 11);
	for (int n = 1; n <= 70; n++) {
		nx_blob *a = u8_blob(buf, n), *b = u8_blob(buf, n);
		uint64_t h = nx_blob_hash(a);
		CHECK(h == nx_blob_hash(b));
		CHECK(h == nx_blob_hash(a)); /* cached */
		CHECK(a->hashed);
		for (int i = 0; i < n; i++) {
			unsigned char c[100];
			memcpy(c, buf, (size_t)n);
			c[i] ^= 1;
			nx_blob *d = u8_blob(c, n);
			if (nx_blob_hash(d) == h)
				fprintf(stderr, "collision: n=%d byte %d\n", n, i);
			CHECK(nx_blob_hash(d) != h);
			nx_blob_unref(d);
		}
		/* a zero byte appended must not hash as the shorter blob */
		unsigned char z[100] = {0};
		memcpy(z, buf, (size_t)n);
		nx_blob *e = u8_blob(z, n + 1);
		CHECK(nx_blob_hash(e) != h);
		nx_blob_unref(e);
		nx_blob_unref(a);
		nx_blob_unref(b);
	}
}

/* The scalar definition of each fused activation (kern_elem.c's defaults). */
static float ref_act(const char *act, float x)
{
	if (!strcmp(act, "relu"))
		return x > 0 ? x : 0;
	if (!strcmp(act, "leaky_relu"))
		return x < 0 ? 0.01f * x : x;
	if (!strcmp(act, "hard_sigmoid")) {
		float y = 0.2f * x + 0.5f;
		return y < 0 ? 0 : y > 1 ? 1 : y;
	}
	if (!strcmp(act, "hard_swish")) {
		float y = x * (1.0f / 6) + 0.5f;
		return x * (y < 0 ? 0 : y > 1 ? 1 : y);
	}
	return x; /* "clip" without bounds */
}

static nx_tensor *run_text(const char *text, nx_run_result *r, int threads)
{
	nx_err e;
	nx_graph *g = nx_parse(text, strlen(text), "t.nex", NULL, &e);
	if (!g) {
		fprintf(stderr, "parse: %s\n", e.msg);
		CHECK(g != NULL);
		return NULL;
	}
	nx_type t = {0};
	t.dtype = NX_F32;
	t.rank = 4;
	t.dims[0] = 1, t.dims[1] = 8, t.dims[2] = 19, t.dims[3] = 21;
	nx_tensor in = nx_tensor_empty(&t);
	float *x = in.data;
	for (int64_t i = 0; i < nx_tensor_numel(&in); i++)
		x[i] = (float)((i * 7919) % 1000) / 125.0f - 4.0f; /* -4..4 */
	nx_run_opts o = {.threads = threads};
	int rc = nx_run(g, &in, 1, &o, r, &e);
	if (rc)
		fprintf(stderr, "run: %s\n", e.msg);
	CHECK_EQ_INT(rc, 0);
	nx_tensor_free(&in);
	nx_graph_free(g);
	return rc ? NULL : r->outputs;
}

static void test_conv_fused_act(void)
{
	static const char *acts[] = {"relu", "leaky_relu", "hard_sigmoid", "hard_swish", "clip"};
	static const struct {
		const char *w, *y;
		int stride, pad, group;
	} convs[] = {
		{"f32[16,8,3,3]", "f32[1,16,19,21]", 1, 1, 1}, /* im2col */
		{"f32[16,8,1,1]", "f32[1,16,19,21]", 1, 0, 1}, /* 1x1 direct */
		{"f32[16,1,3,3]", "f32[1,16,10,11]", 2, 1, 8}, /* depthwise, stride 2 */
	};
	for (int c = 0; c < 3; c++)
		for (int a = 0; a < 5; a++)
			for (int threads = 1; threads <= 2; threads++) {
				char text[2][1024];
				for (int f = 0; f < 2; f++) {
					char attr[64] = "";
					if (f)
						snprintf(attr, sizeof attr, ", act=\"%s\"", acts[a]);
					int s = convs[c].stride, pd = convs[c].pad;
					snprintf(text[f], sizeof text[f],
						 "graph @t(%%x: f32[1,8,19,21]) -> (%%y: %s) {\n"
						 "  %%w = const %s fill(random, seed=3)\n"
						 "  %%b = const f32[16] fill(random, seed=4)\n"
						 "  %%y = conv(%%x, %%w, %%b) {strides=[%d,%d], "
						 "pads=[%d,%d,%d,%d], group=%d%s} : %s\n"
						 "  return %%y\n}\n",
						 convs[c].y, convs[c].w, s, s, pd, pd, pd, pd,
						 convs[c].group, attr, convs[c].y);
				}
				nx_run_result rp, rf;
				nx_tensor *p = run_text(text[0], &rp, threads);
				nx_tensor *f = run_text(text[1], &rf, threads);
				if (p && f) {
					int64_t n = nx_tensor_numel(p), bad = 0;
					CHECK_EQ_INT(nx_tensor_numel(f), n);
					const float *pv = p->data, *fv = f->data;
					for (int64_t i = 0; i < n; i++) {
						float want = ref_act(acts[a], pv[i]);
						if (fabsf(fv[i] - want) > 1e-6f * (1 + fabsf(want)))
							bad++;
					}
					if (bad)
						fprintf(stderr, "conv %d act %s threads %d: %lld of %lld differ\n",
							c, acts[a], threads, (long long)bad, (long long)n);
					CHECK_EQ_INT(bad, 0);
				}
				if (p)
					nx_run_result_free(&rp);
				if (f)
					nx_run_result_free(&rf);
			}
}


/* Direct conv in double: x [N][C][H][W], w [M][C/G][KH][KW], pads
 * {top, left, bottom, right}, stride 1. */
static void ref_conv(const float *x, const float *w, const float *b, double *y, int N, int C,
		     int H, int W, int M, int G, int KH, int KW, int dy, int dx, const int *pad,
		     int OH, int OW)
{
	int cg = C / G, mg = M / G;
	for (int n = 0; n < N; n++)
		for (int m = 0; m < M; m++)
			for (int oy = 0; oy < OH; oy++)
				for (int ox = 0; ox < OW; ox++) {
					double s = b[m];
					int g = m / mg;
					for (int c = 0; c < cg; c++)
						for (int ky = 0; ky < KH; ky++)
							for (int kx = 0; kx < KW; kx++) {
								int iy = oy - pad[0] + ky * dy;
								int ix = ox - pad[1] + kx * dx;
								if (iy < 0 || iy >= H || ix < 0 || ix >= W)
									continue;
								s += (double)x[((n * C + g * cg + c) * H + iy) * W + ix] *
								     w[((m * cg + c) * KH + ky) * KW + kx];
							}
					y[((n * M + m) * OH + oy) * OW + ox] = s;
				}
}

static void test_conv_shift(void)
{
	static const struct {
		int N, C, H, W, M, G, KH, KW, dy, dx, pad[4];
	} cs[] = {
		{1, 32, 17, 23, 24, 1, 3, 3, 1, 1, {1, 1, 1, 1}},
		{2, 16, 9, 12, 8, 1, 3, 3, 1, 1, {0, 0, 0, 0}},
		{1, 32, 11, 13, 6, 2, 3, 3, 1, 1, {0, 1, 2, 0}},
		{1, 16, 15, 14, 5, 1, 3, 3, 2, 2, {2, 2, 2, 2}},
		{1, 20, 8, 30, 7, 1, 5, 3, 1, 1, {2, 1, 2, 1}},
		{1, 16, 1, 40, 9, 1, 1, 3, 1, 1, {0, 1, 0, 1}},
		/* depthwise, stride 1 (kern_conv_dw.c), multiplier 1 and 2 */
		{1, 8, 13, 37, 8, 8, 3, 3, 1, 1, {1, 1, 1, 1}},
		{2, 6, 6, 19, 12, 6, 5, 5, 1, 1, {2, 2, 2, 2}},
		{1, 4, 9, 21, 4, 4, 3, 3, 2, 1, {2, 0, 1, 3}},
		{1, 3, 5, 40, 3, 3, 1, 3, 1, 1, {0, 1, 0, 1}},
	};
	for (size_t c = 0; c < sizeof cs / sizeof cs[0]; c++)
		for (int threads = 1; threads <= 2; threads++) {
			int N = cs[c].N, C = cs[c].C, H = cs[c].H, W = cs[c].W, M = cs[c].M;
			int G = cs[c].G, KH = cs[c].KH, KW = cs[c].KW, dy = cs[c].dy, dx = cs[c].dx;
			const int *pd = cs[c].pad;
			int OH = H + pd[0] + pd[2] - (KH - 1) * dy;
			int OW = W + pd[1] + pd[3] - (KW - 1) * dx;
			char text[1024];
			snprintf(text, sizeof text,
				 "graph @t(%%x: f32[%d,%d,%d,%d]) -> (%%y: f32[%d,%d,%d,%d]) {\n"
				 "  %%w = const f32[%d,%d,%d,%d] fill(random, seed=5)\n"
				 "  %%b = const f32[%d] fill(random, seed=6)\n"
				 "  %%y = conv(%%x, %%w, %%b) {strides=[1,1], dilations=[%d,%d], "
				 "pads=[%d,%d,%d,%d], group=%d} : f32[%d,%d,%d,%d]\n"
				 "  return %%y\n}\n",
				 N, C, H, W, N, M, OH, OW, M, C / G, KH, KW, M, dy, dx, pd[0], pd[1],
				 pd[2], pd[3], G, N, M, OH, OW);
			nx_err e;
			nx_graph *g = nx_parse(text, strlen(text), "t.nex", NULL, &e);
			if (!g) {
				fprintf(stderr, "parse: %s\n%s", e.msg, text);
				CHECK(g != NULL);
				continue;
			}
			nx_type t = {0};
			t.dtype = NX_F32;
			t.rank = 4;
			t.dims[0] = N, t.dims[1] = C, t.dims[2] = H, t.dims[3] = W;
			nx_tensor in = nx_tensor_empty(&t);
			float *x = in.data;
			for (int64_t i = 0; i < nx_tensor_numel(&in); i++)
				x[i] = (float)((i * 7919) % 1000) / 125.0f - 4.0f;
			nx_run_opts o = {.threads = threads};
			nx_run_result r;
			int rc = nx_run(g, &in, 1, &o, &r, &e);
			if (rc)
				fprintf(stderr, "run: %s\n", e.msg);
			CHECK_EQ_INT(rc, 0);
			if (!rc) {
				/* the constants as the graph holds them */
				const float *w = NULL, *b = NULL;
				for (uint32_t v = 0; v < g->n_vals; v++) {
					if (!nx_is_const(g, v))
						continue;
					if (nx_const_blob(g, v)->type.rank == 4)
						w = nx_blob_data(nx_const_blob(g, v));
					else
						b = nx_blob_data(nx_const_blob(g, v));
				}
				CHECK(w && b);
				int64_t n = (int64_t)N * M * OH * OW, bad = 0;
				double *want = malloc((size_t)n * sizeof *want); /* freed below */
				ref_conv(x, w, b, want, N, C, H, W, M, G, KH, KW, dy, dx, pd, OH, OW);
				const float *got = r.outputs[0].data;
				CHECK_EQ_INT(nx_tensor_numel(&r.outputs[0]), n);
				for (int64_t i = 0; i < n; i++)
					if (fabs(got[i] - want[i]) > 1e-4 * (1 + fabs(want[i])))
						bad++;
				if (bad)
					fprintf(stderr, "shift conv case %zu threads %d: %lld of %lld differ\n",
						c, threads, (long long)bad, (long long)n);
				CHECK_EQ_INT(bad, 0);
				free(want);
				nx_run_result_free(&r);
			}
			nx_tensor_free(&in);
			nx_graph_free(g);
		}
}

/* Every index of [0, n) runs exactly once, for n around the chunk counts. */
typedef struct count_job {
	_Atomic int *hits;
} count_job;

static void count_part(void *ctx, int64_t lo, int64_t hi)
{
	count_job *j = ctx;
	for (int64_t i = lo; i < hi; i++)
		j->hits[i]++;
}

static void test_pool_claims(void)
{
	for (int threads = 1; threads <= 3; threads++) {
		nx_pool *p = nx_pool_new(threads);
		for (int64_t n = 1; n <= 40; n++)
			for (int rep = 0; rep < 20; rep++) {
				_Atomic int *hits = calloc((size_t)n, sizeof *hits); /* freed below */
				count_job j = {hits};
				nx_pool_for(p, n, count_part, &j);
				int64_t bad = 0;
				for (int64_t i = 0; i < n; i++)
					bad += hits[i] != 1;
				CHECK_EQ_INT(bad, 0);
				free(hits);
			}
		nx_pool_free(p);
	}
}

static const check_case cases[] = {
	{"blob_hash", test_blob_hash},
	{"conv_fused_act", test_conv_fused_act},
	{"conv_shift", test_conv_shift},
	{"pool_claims", test_pool_claims},
	{NULL, NULL},
};

int main(int argc, char **argv)
{
	return check_main(cases, argc, argv);
}
