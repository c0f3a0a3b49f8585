/* test_speed_ops.c — the interpreter's vector paths for the small ops
 * (issue 22, third session) against plain formulas: nx_vexpf within 2 ulp
 * of exp over its whole finite range and exact at its edges; softmax along
 * the last axis and sigmoid through nx_run against double references over
 * row lengths around the 8-lane and 256-block boundaries; 2-d max and avg
 * pooling against a direct loop over pads (asymmetric), strides,
 * dilations, ceil_mode and count_include_pad, a NaN included; the
 * broadcasting binaries and clip element for element (bits) against the
 * scalar expression; and a worker pool handed to nx_run in
 * nx_run_opts.pool giving the same bits run after run and staying the
 * caller's. Each part runs at 1 and 2 threads. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "nx.h"
#include "vexp.h"

static nx_graph *parse(const char *text)
{
	nx_err e;
	nx_graph *g = nx_parse(text, strlen(text), "t.nex", NULL, &e);
	if (!g)
		fprintf(stderr, "parse: %s\n%s", e.msg, text);
	else if (nx_verify(g, &e)) {
		fprintf(stderr, "verify: %s\n%s", e.msg, text);
		nx_graph_free(g);
		g = NULL;
	}
	CHECK(g != NULL);
	return g;
}

/* A tensor of type t with a deterministic spread of values in [lo, hi). */
static nx_tensor input(const nx_type *t, float lo, float hi, uint32_t seed)
{
	nx_tensor x = nx_tensor_empty(t);
	float *d = x.data;
	uint32_t s = seed * 2654435761u + 1;
	for (int64_t i = 0; i < nx_tensor_numel(&x); i++) {
		s = s * 1664525u + 1013904223u;
		d[i] = lo + (hi - lo) * (float)(s >> 8) / (float)(1u << 24);
	}
	return x;
}

/* Runs g on the given inputs; returns output 0 (caller frees r). */
static const float *run(nx_graph *g, const nx_tensor *in, uint32_t n, int threads,
			nx_run_result *r)
{
	nx_err e;
	nx_run_opts o = {.threads = threads};
	int rc = nx_run(g, in, n, &o, r, &e);
	if (rc)
		fprintf(stderr, "run: %s\n", e.msg);
	CHECK_EQ_INT(rc, 0);
	return rc ? NULL : r->outputs[0].data;
}

static int64_t ulps(float a, float b)
{
	int32_t ia, ib;
	memcpy(&ia, &a, 4);
	memcpy(&ib, &b, 4);
	int64_t d = (int64_t)ia - ib;
	return d < 0 ? -d : d;
}

static void test_vexp(void)
{
	int64_t worst = 0;
	float at = 0;
	/* every 97th float bit pattern between the edges, both signs */
	for (int sign = 0; sign < 2; sign++)
		for (uint32_t b = 0; b < 0x42b20000u; b += 97) {
			uint32_t bits = b | (uint32_t)sign << 31;
			float x;
			memcpy(&x, &bits, 4);
			if (x < -87.3f || x > 88.7f)
				continue;
			int64_t u = ulps(nx_vexpf(x), (float)exp((double)x));
			if (u > worst)
				worst = u, at = x;
		}
	if (worst > 2)
		fprintf(stderr, "nx_vexpf: %lld ulp at %.9g\n", (long long)worst, at);
	CHECK(worst <= 2);
	CHECK(nx_vexpf(0) == 1.0f);
	CHECK(nx_vexpf(-100) == 0.0f);
	CHECK(nx_vexpf(-INFINITY) == 0.0f);
	CHECK(isinf(nx_vexpf(100)) && nx_vexpf(100) > 0);
	CHECK(isinf(nx_vexpf(INFINITY)));
	CHECK(isnan(nx_vexpf(NAN)));
	CHECK(ulps(nx_vexpf(88.72f), (float)exp((double)88.72f)) <= 2); /* 2^128 range */
}

static void test_softmax_sigmoid(void)
{
	static const int lens[] = {1, 7, 8, 9, 255, 256, 257, 520, 6625};
	for (size_t li = 0; li < sizeof lens / sizeof lens[0]; li++)
		for (int threads = 1; threads <= 2; threads++) {
			int n = lens[li];
			char text[512];
			snprintf(text, sizeof text,
				 "graph @t(%%x: f32[3,%d]) -> (%%y: f32[3,%d], %%s: f32[3,%d]) {\n"
				 "  %%y = softmax(%%x) {axis=1} : f32[3,%d]\n"
				 "  %%s = sigmoid(%%x) : f32[3,%d]\n"
				 "  return %%y, %%s\n}\n", n, n, n, n, n);
			nx_graph *g = parse(text);
			if (!g)
				return;
			nx_tensor x = input(nx_vtype(g, g->inputs[0]), -30, 30, (uint32_t)n);
			nx_run_result r;
			const float *y = run(g, &x, 1, threads, &r);
			if (y) {
				const float *sg = r.outputs[1].data, *xd = x.data;
				double worst = 0, worst_s = 0;
				for (int row = 0; row < 3; row++) {
					const float *xr = xd + row * n;
					double mx = -INFINITY, sum = 0;
					for (int i = 0; i < n; i++)
						mx = xr[i] > mx ? xr[i] : mx;
					/* x - max rounded to float as the kernel has it:
					 * that rounding is the kernel's before and after */
					for (int i = 0; i < n; i++)
						sum += exp((float)(xr[i] - mx));
					for (int i = 0; i < n; i++) {
						double want = exp((float)(xr[i] - mx)) / sum;
						double err = fabs(y[row * n + i] - want) / want;
						worst = err > worst ? err : worst;
						double ws = 1 / (1 + exp(-(double)xr[i]));
						double es = fabs(sg[row * n + i] - ws) / ws;
						worst_s = es > worst_s ? es : worst_s;
					}
				}
				if (worst > 1e-6 || worst_s > 1e-6)
					fprintf(stderr, "n=%d: softmax rel err %g, sigmoid %g\n", n,
						worst, worst_s);
				CHECK(worst <= 1e-6);
				CHECK(worst_s <= 1e-6);
			}
			nx_run_result_free(&r);
			nx_tensor_free(&x);
			nx_graph_free(g);
		}
}

/* Output size of one pooled axis, as ONNX defines it. */
static int64_t pool_out(int64_t in, int64_t k, int64_t s, int64_t d, int64_t pb, int64_t pe,
			bool ceil_mode)
{
	int64_t ek = (k - 1) * d + 1, padded = in + pb + pe;
	if (!ceil_mode)
		return (padded - ek) / s + 1;
	int64_t o = (padded - ek + s - 1) / s + 1;
	if ((o - 1) * s >= in + pb)
		o--;
	return o;
}

static void test_pool(void)
{
	static const struct {
		int kh, kw, sh, sw, dh, dw, pt, pl, pb, pr;
		bool ceil;
	} geo[] = {
		{2, 2, 2, 2, 1, 1, 0, 0, 0, 0, false}, /* cls's */
		{3, 3, 2, 2, 1, 1, 1, 1, 1, 1, false},
		{3, 3, 1, 1, 1, 1, 1, 1, 1, 1, false},
		{3, 2, 3, 2, 1, 1, 0, 0, 0, 0, false}, /* rec's avg */
		{3, 3, 2, 2, 1, 1, 0, 0, 0, 0, true},
		{2, 3, 3, 3, 2, 2, 1, 2, 0, 1, true},
		{5, 5, 1, 1, 1, 1, 2, 2, 2, 2, false},
		{1, 4, 1, 3, 1, 1, 0, 3, 0, 0, false},
		{3, 3, 2, 2, 2, 1, 2, 0, 1, 2, false},
	};
	const int C = 3, H = 11, W = 13;
	for (size_t gi = 0; gi < sizeof geo / sizeof geo[0]; gi++)
		for (int kind = 0; kind < 3; kind++) /* max, avg, avg incl */
			for (int threads = 1; threads <= 2; threads++) {
				int64_t OH = pool_out(H, geo[gi].kh, geo[gi].sh, geo[gi].dh, geo[gi].pt,
						      geo[gi].pb, geo[gi].ceil);
				int64_t OW = pool_out(W, geo[gi].kw, geo[gi].sw, geo[gi].dw, geo[gi].pl,
						      geo[gi].pr, geo[gi].ceil);
				char text[1024], extra[96] = "";
				if (kind > 0)
					snprintf(extra, sizeof extra, ", count_include_pad=%d",
						 kind == 2);
				else
					snprintf(extra, sizeof extra, ", dilations=[%d,%d]",
						 geo[gi].dh, geo[gi].dw);
				if (kind > 0 && (geo[gi].dh > 1 || geo[gi].dw > 1))
					continue; /* avg_pool has no dilations before opset 19 */
				snprintf(text, sizeof text,
					 "graph @t(%%x: f32[2,%d,%d,%d]) -> (%%y: f32[2,%d,%lld,%lld]) {\n"
					 "  %%y = %s(%%x) {kernel_shape=[%d,%d], strides=[%d,%d], "
					 "pads=[%d,%d,%d,%d], ceil_mode=%d%s} : f32[2,%d,%lld,%lld]\n"
					 "  return %%y\n}\n",
					 C, H, W, C, (long long)OH, (long long)OW,
					 kind ? "avg_pool" : "max_pool", geo[gi].kh, geo[gi].kw,
					 geo[gi].sh, geo[gi].sw, geo[gi].pt, geo[gi].pl, geo[gi].pb,
					 geo[gi].pr, geo[gi].ceil, extra, C, (long long)OH,
					 (long long)OW);
				nx_graph *g = parse(text);
				if (!g)
					return;
				nx_tensor x = input(nx_vtype(g, g->inputs[0]), -5, 5, (uint32_t)gi);
				float *xd = x.data;
				/* plane 0: max's NaN rule (kern_pool.c) — a NaN wins
				 * the windows it starts, is passed over in the rest */
				xd[W * 4 + 6] = NAN;
				nx_run_result r;
				const float *y = run(g, &x, 1, threads, &r);
				int bad = 0;
				for (int64_t p = 0; y && p < 2 * C; p++)
					for (int64_t oy = 0; oy < OH; oy++)
						for (int64_t ox = 0; ox < OW; ox++) {
							float acc = kind ? 0 : -INFINITY;
							int64_t cnt = 0, cnt_pad = 0;
							for (int ky = 0; ky < geo[gi].kh; ky++)
								for (int kx = 0; kx < geo[gi].kw; kx++) {
									int64_t iy = oy * geo[gi].sh - geo[gi].pt +
										     ky * geo[gi].dh;
									int64_t ix = ox * geo[gi].sw - geo[gi].pl +
										     kx * geo[gi].dw;
									if (iy < H + geo[gi].pb &&
									    ix < W + geo[gi].pr)
										cnt_pad++;
									if (iy < 0 || iy >= H || ix < 0 || ix >= W)
										continue;
									float v = xd[p * H * W + iy * W + ix];
									if (!kind)
										acc = cnt == 0 || v > acc ? v : acc;
									else
										acc += v;
									cnt++;
								}
							if (kind)
								cnt = kind == 2 ? cnt_pad : cnt;
							float want = kind ? (cnt ? acc / (float)cnt : 0) : acc;
							float got = y[(p * OH + oy) * OW + ox];
							bool same = !memcmp(&want, &got, 4) ||
								    (isnan(want) && isnan(got));
							if (!same && bad++ < 3)
								fprintf(stderr, "pool geo %zu kind %d plane %lld "
									"(%lld,%lld): %.9g, want %.9g\n", gi, kind,
									(long long)p, (long long)oy, (long long)ox,
									got, want);
						}
				CHECK_EQ_INT(bad, 0);
				nx_run_result_free(&r);
				nx_tensor_free(&x);
				nx_graph_free(g);
			}
}

static float scalar_bin(const char *op, float x, float w)
{
	if (!strcmp(op, "add"))
		return x + w;
	if (!strcmp(op, "sub"))
		return x - w;
	if (!strcmp(op, "mul"))
		return x * w;
	if (!strcmp(op, "div"))
		return x / w;
	if (!strcmp(op, "prelu"))
		return x < 0 ? x * w : x;
	if (!strcmp(op, "max"))
		return x > w || x != x ? x : w;
	return x < w || x != x ? x : w; /* min */
}

static void test_binary_clip(void)
{
	static const char *ops[] = {"add", "sub", "mul", "div", "prelu", "max", "min"};
	/* b's shape: the same, per channel, per row, scalar */
	static const char *bshape[] = {"f32[2,5,7,9]", "f32[1,5,1,1]", "f32[9]", "f32[1]"};
	for (size_t oi = 0; oi < sizeof ops / sizeof ops[0]; oi++)
		for (int bi = 0; bi < 4; bi++)
			for (int threads = 1; threads <= 2; threads++) {
				if (!strcmp(ops[oi], "prelu") && bi == 2)
					continue;
				char text[512];
				snprintf(text, sizeof text,
					 "graph @t(%%a: f32[2,5,7,9], %%b: %s) -> (%%y: f32[2,5,7,9]) {\n"
					 "  %%y = %s(%%a, %%b) : f32[2,5,7,9]\n  return %%y\n}\n",
					 bshape[bi], ops[oi]);
				nx_graph *g = parse(text);
				if (!g)
					return;
				nx_tensor in[2] = {input(nx_vtype(g, g->inputs[0]), -3, 3, 1),
						   input(nx_vtype(g, g->inputs[1]), 0.5f, 2, 2)};
				float *a = in[0].data, *b = in[1].data;
				a[17] = NAN;
				nx_run_result r;
				const float *y = run(g, in, 2, threads, &r);
				int bad = 0;
				for (int64_t i = 0; y && i < 2 * 5 * 7 * 9; i++) {
					int64_t j = bi == 0 ? i : bi == 1 ? (i / 63) % 5 : bi == 2 ? i % 9 : 0;
					float want = scalar_bin(ops[oi], a[i], b[j]);
					bool same = !memcmp(&want, &y[i], 4) ||
						    (isnan(want) && isnan(y[i]));
					bad += !same;
				}
				if (bad)
					fprintf(stderr, "%s with b %s: %d elements differ\n", ops[oi],
						bshape[bi], bad);
				CHECK_EQ_INT(bad, 0);
				nx_run_result_free(&r);
				nx_tensor_free(&in[0]);
				nx_tensor_free(&in[1]);
				nx_graph_free(g);
			}
	/* clip: min(max(x, lo), hi), lo > hi included (every element hi) */
	static const float bounds[][2] = {{-1, 2}, {0, 6}, {1, 0}};
	for (int c = 0; c < 3; c++) {
		char text[256];
		snprintf(text, sizeof text,
			 "graph @t(%%x: f32[40000]) -> (%%y: f32[40000]) {\n"
			 "  %%y = clip(%%x) {min=%.1f, max=%.1f} : f32[40000]\n  return %%y\n}\n",
			 bounds[c][0], bounds[c][1]);
		nx_graph *g = parse(text);
		if (!g)
			return;
		nx_tensor x = input(nx_vtype(g, g->inputs[0]), -8, 8, 3);
		float *xd = x.data;
		xd[5] = NAN;
		nx_run_result r;
		const float *y = run(g, &x, 1, 2, &r);
		int bad = 0;
		for (int64_t i = 0; y && i < 40000; i++) {
			float v = fmaxf(xd[i], bounds[c][0]);
			float want = fminf(v, bounds[c][1]);
			if (isnan(xd[i]))
				bad += !isnan(y[i]);
			else
				bad += want != y[i];
		}
		CHECK_EQ_INT(bad, 0);
		nx_run_result_free(&r);
		nx_tensor_free(&x);
		nx_graph_free(g);
	}
}

/* A pool handed in is used and left alive: two runs on it give the bits
 * of a run on nx_run's own pool. */
static void test_caller_pool(void)
{
	const char *text = "graph @t(%x: f32[1,8,64,64]) -> (%y: f32[1,8,32,32]) {\n"
			   "  %a = sigmoid(%x) : f32[1,8,64,64]\n"
			   "  %b = mul(%a, %x) : f32[1,8,64,64]\n"
			   "  %y = max_pool(%b) {kernel_shape=[3,3], strides=[2,2], "
			   "pads=[1,1,1,1]} : f32[1,8,32,32]\n  return %y\n}\n";
	nx_graph *g = parse(text);
	if (!g)
		return;
	nx_tensor x = input(nx_vtype(g, g->inputs[0]), -4, 4, 9);
	nx_run_result r0, r1, r2;
	run(g, &x, 1, 2, &r0);
	nx_pool *p = nx_pool_new(2);
	nx_err e;
	nx_run_opts o = {.threads = 1, .pool = p};
	CHECK_EQ_INT(nx_run_threads(&(nx_run_opts){.threads = 3}), 3);
	CHECK_EQ_INT(nx_run(g, &x, 1, &o, &r1, &e), 0);
	CHECK_EQ_INT(nx_run(g, &x, 1, &o, &r2, &e), 0);
	CHECK_EQ_INT(nx_pool_threads(p), 2);
	size_t nb = nx_tensor_nbytes(&r0.outputs[0]);
	CHECK(!memcmp(r0.outputs[0].data, r1.outputs[0].data, nb));
	CHECK(!memcmp(r0.outputs[0].data, r2.outputs[0].data, nb));
	nx_pool_free(p);
	nx_run_result_free(&r0);
	nx_run_result_free(&r1);
	nx_run_result_free(&r2);
	nx_tensor_free(&x);
	nx_graph_free(g);
}

static const check_case cases[] = {
	{"vexp", test_vexp},
	{"softmax_sigmoid", test_softmax_sigmoid},
	{"pool", test_pool},
	{"binary_clip", test_binary_clip},
	{"caller_pool", test_caller_pool},
	{NULL, NULL},
};

int main(int argc, char **argv)
{
	return check_main(cases, argc, argv);
}
