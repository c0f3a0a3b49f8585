/* test_simd_v4.c — the AVX-512 copies of nex's own kernels give the AVX2
 * copies' bits, and the AVX2 copies the baseline's: stride-1 depthwise
 * convs (kern_conv_dw.c: 3x3 and 5x5, dilation 2, uneven pads, channel
 * multiplier 2, output widths around the 16- and 32-column blocks, fused
 * relu / hard_swish / sigmoid), strided ones (kern_conv_dws.c: strides
 * (2,1), (1,2), (2,2) and 4 across, 3x3, 5x5 and 7x7, interiors ending
 * inside and at the end of the 16- and 32-column blocks), the activations (act_apply: sigmoid,
 * relu, leaky_relu, hard_sigmoid, hard_swish over lengths 1..40
 * and long rows) and softmax rows (sm_row, with nx_vexpf), on inputs that
 * hold NaN, the infinities and signed zeros.
 *
 * How one process runs each copy: the kernels pick their copy per call
 * with __builtin_cpu_supports, which reads libgcc's CPU table
 * (__cpu_model); the test clears the AVX-512F bit there to get the AVX2
 * copies, and the AVX2 bit as well to get the baseline ones, and checks
 * with __builtin_cpu_supports that the clearing took. Where the CPU lacks
 * AVX-512 (or the table is not the one this test knows) the AVX-512 part
 * is left out with a message and the AVX2-against-baseline part still
 * runs; the test then exits 77 when what ran passed, so ctest counts it
 * skipped, as it does a build without run-time dispatch (not x86-64,
 * NEX_NO_CLONES). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "nx.h"
#include "ops_fixture.h"

#if defined(__x86_64__) && !defined(NEX_NO_CLONES) && (defined(__GNUC__) || defined(__clang__))
/* libgcc's (and compiler-rt's) table: vendor, type, subtype, then the
 * first 32 feature bits, numbered as in GCC's i386-cpuinfo.h. */
extern struct {
	unsigned vendor, type, subtype;
	unsigned features[1];
} __cpu_model;
enum { BIT_AVX2 = 10, BIT_AVX512F = 15 };

static unsigned saved_features;
/* Set when a copy this test should compare could not be (main: exit 77). */
static bool part_skipped;

/* level 4: as the CPU is; 3: AVX-512 hidden; 0: AVX2 hidden too. Returns
 * false when the table did not follow (the copy would not be the one
 * asked for). */
static bool set_level(int level)
{
	unsigned f = saved_features;
	if (level < 4)
		f &= ~(1u << BIT_AVX512F);
	if (level < 3)
		f &= ~(1u << BIT_AVX2);
	__cpu_model.features[0] = f;
	/* GCC reads the table for __builtin_cpu_supports through its own
	 * declaration and would reuse a value read before the store */
	__asm__ volatile("" ::: "memory");
	if (level < 4 && __builtin_cpu_supports("avx512f"))
		return false;
	if (level < 3 && __builtin_cpu_supports("avx2"))
		return false;
	return true;
}

/* A spread over [-6, 6) with the odd values sprinkled in. */
static void fill(float *x, int64_t n, uint32_t seed)
{
	static const float edge[] = {NAN, INFINITY, -INFINITY, 0.0f, -0.0f, -3.0f, 3.0f,
				     1e-30f, -1e-30f, 88.8f, -87.5f, 1e-40f};
	uint32_t s = seed * 2654435761u + 7;
	for (int64_t i = 0; i < n; i++) {
		s = s * 1664525u + 1013904223u;
		x[i] = -6 + 12 * (float)(s >> 8) / (float)(1u << 24);
		if ((s >> 4) % 17 == 0)
			x[i] = edge[(s >> 12) % (sizeof edge / sizeof edge[0])];
	}
}

/* Runs graph text (one f32 input, one output) at each level in levels
 * (first to last) and checks every later level's output bits against the
 * first's. */
static void run_levels(const char *what, const char *text, const int *levels, int nlev,
		       uint32_t seed)
{
	nx_graph *g = ops_parse(text);
	if (!g)
		return;
	nx_tensor x = nx_tensor_empty(nx_vtype(g, g->inputs[0]));
	fill(x.data, nx_tensor_numel(&x), seed);
	nx_run_result r[3];
	for (int l = 0; l < nlev; l++) {
		CHECK(set_level(levels[l]));
		nx_err e;
		nx_run_opts o = {.threads = 1};
		int rc = nx_run(g, &x, 1, &o, &r[l], &e);
		if (rc)
			fprintf(stderr, "%s: run: %s\n", what, e.msg);
		CHECK_EQ_INT(rc, 0);
		if (rc) {
			for (int k = 0; k < l; k++)
				nx_run_result_free(&r[k]);
			goto out;
		}
	}
	for (int l = 1; l < nlev; l++) {
		const float *a = r[0].outputs[0].data, *b = r[l].outputs[0].data;
		int64_t n = nx_tensor_numel(&r[0].outputs[0]);
		CHECK_EQ_INT(n, nx_tensor_numel(&r[l].outputs[0]));
		int bad = 0;
		for (int64_t i = 0; i < n; i++)
			if (!ops_same_bits(a[i], b[i]) && bad++ < 3)
				fprintf(stderr, "%s: level %d [%lld] %a, level %d %a\n", what,
					levels[l], (long long)i, b[i], levels[0], a[i]);
		CHECK_EQ_INT(bad, 0);
	}
	for (int l = 0; l < nlev; l++)
		nx_run_result_free(&r[l]);
out:
	set_level(4);
	nx_tensor_free(&x);
	nx_graph_free(g);
}

static int lev[3], nlev;

static void test_dw(void)
{
	static const struct {
		int C, mult, H, W, K, d, pad[4];
		const char *act;
	} cs[] = {
		{3, 1, 5, 1, 3, 1, {1, 1, 1, 1}, NULL},
		{2, 1, 4, 5, 3, 1, {1, 1, 1, 1}, "relu"},
		{3, 1, 6, 16, 3, 1, {1, 1, 1, 1}, "hard_swish"},
		{2, 1, 3, 17, 3, 1, {1, 1, 1, 1}, "sigmoid"},
		{2, 1, 5, 31, 3, 1, {0, 1, 2, 0}, NULL},
		{2, 1, 4, 32, 3, 1, {1, 1, 1, 1}, "hard_swish"},
		{2, 1, 4, 33, 5, 1, {2, 2, 2, 2}, NULL},
		{2, 2, 5, 47, 3, 2, {2, 2, 2, 2}, "relu"},
		{2, 1, 3, 48, 5, 1, {2, 2, 2, 2}, "hard_swish"},
		{3, 1, 2, 80, 5, 1, {2, 2, 2, 2}, "sigmoid"},
		{2, 1, 7, 81, 3, 1, {1, 0, 1, 3}, NULL},
	};
	for (size_t i = 0; i < sizeof cs / sizeof cs[0]; i++) {
		int C = cs[i].C, M = C * cs[i].mult, K = cs[i].K, d = cs[i].d;
		const int *p = cs[i].pad;
		int OH = cs[i].H + p[0] + p[2] - d * (K - 1);
		int OW = cs[i].W + p[1] + p[3] - d * (K - 1);
		char act[64] = "", text[1024];
		if (cs[i].act)
			snprintf(act, sizeof act, ", act=\"%s\"", cs[i].act);
		snprintf(text, sizeof text,
			 "graph @t(%%x: f32[1,%d,%d,%d]) -> (%%y: f32[1,%d,%d,%d]) {\n"
			 "  %%w = const f32[%d,1,%d,%d] fill(random, seed=%zu)\n"
			 "  %%b = const f32[%d] fill(random, seed=%zu)\n"
			 "  %%y = conv(%%x, %%w, %%b) {dilations=[%d,%d], pads=[%d,%d,%d,%d], "
			 "group=%d%s} : f32[1,%d,%d,%d]\n"
			 "  return %%y\n}\n",
			 C, cs[i].H, cs[i].W, M, OH, OW, M, K, K, i + 1, M, i + 100, d, d, p[0],
			 p[1], p[2], p[3], C, act, M, OH, OW);
		char what[64];
		snprintf(what, sizeof what, "dw case %zu (OW %d)", i, OW);
		run_levels(what, text, lev, nlev, (uint32_t)i);
	}
}

static void test_dws(void)
{
	static const struct {
		int C, H, W, KH, KW, sy, sx, d, pad[4];
		const char *act;
	} cs[] = {
		{2, 24, 160, 3, 3, 2, 1, 1, {1, 1, 1, 1}, "hard_swish"},
		{2, 12, 160, 3, 3, 1, 2, 1, {1, 1, 1, 1}, "hard_swish"},
		{2, 12, 80, 5, 5, 2, 1, 1, {2, 2, 2, 2}, "hard_swish"},
		{2, 9, 37, 3, 3, 1, 2, 1, {0, 1, 2, 0}, NULL},
		{2, 11, 35, 5, 5, 2, 2, 1, {2, 2, 2, 2}, "relu"},
		{2, 8, 34, 3, 3, 2, 1, 1, {1, 1, 1, 1}, NULL},
		{2, 8, 50, 3, 3, 2, 2, 2, {2, 2, 2, 2}, "sigmoid"},
		{2, 9, 130, 3, 3, 1, 4, 1, {1, 1, 1, 1}, NULL},
		{2, 15, 90, 7, 7, 2, 1, 1, {3, 3, 3, 3}, NULL},
		{2, 7, 3, 5, 5, 1, 2, 1, {2, 2, 2, 2}, NULL},
	};
	for (size_t i = 0; i < sizeof cs / sizeof cs[0]; i++) {
		int C = cs[i].C, d = cs[i].d;
		const int *p = cs[i].pad;
		int OH = (cs[i].H + p[0] + p[2] - d * (cs[i].KH - 1) - 1) / cs[i].sy + 1;
		int OW = (cs[i].W + p[1] + p[3] - d * (cs[i].KW - 1) - 1) / cs[i].sx + 1;
		char act[64] = "", text[1024];
		if (cs[i].act)
			snprintf(act, sizeof act, ", act=\"%s\"", cs[i].act);
		snprintf(text, sizeof text,
			 "graph @t(%%x: f32[1,%d,%d,%d]) -> (%%y: f32[1,%d,%d,%d]) {\n"
			 "  %%w = const f32[%d,1,%d,%d] fill(random, seed=%zu)\n"
			 "  %%b = const f32[%d] fill(random, seed=%zu)\n"
			 "  %%y = conv(%%x, %%w, %%b) {strides=[%d,%d], dilations=[%d,%d], "
			 "pads=[%d,%d,%d,%d], group=%d%s} : f32[1,%d,%d,%d]\n"
			 "  return %%y\n}\n",
			 C, cs[i].H, cs[i].W, C, OH, OW, C, cs[i].KH, cs[i].KW, i + 7, C, i + 200,
			 cs[i].sy, cs[i].sx, d, d, p[0], p[1], p[2], p[3], C, act, C, OH, OW);
		char what[64];
		snprintf(what, sizeof what, "dws case %zu (OW %d)", i, OW);
		run_levels(what, text, lev, nlev, (uint32_t)i + 50);
	}
}

static void test_act(void)
{
	static const char *ops[] = {"sigmoid", "relu", "leaky_relu", "hard_sigmoid",
				    "hard_swish"};
	static const char *attrs[] = {"", "", " {alpha=0.1}", " {alpha=0.3, beta=0.4}", ""};
	static const int extra[] = {63, 64, 65, 1000, 6625};
	for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++)
		for (int li = 0; li < 45; li++) {
			int n = li < 40 ? li + 1 : extra[li - 40];
			char text[512];
			snprintf(text, sizeof text,
				 "graph @t(%%x: f32[%d]) -> (%%y: f32[%d]) {\n"
				 "  %%y = %s(%%x)%s : f32[%d]\n  return %%y\n}\n",
				 n, n, ops[k], attrs[k], n);
			char what[64];
			snprintf(what, sizeof what, "%s n=%d", ops[k], n);
			run_levels(what, text, lev, nlev, (uint32_t)(n * 7 + (int)k));
		}
}

static void test_softmax(void)
{
	static const int extra[] = {64, 100, 6625};
	for (int li = 0; li < 43; li++) {
		int n = li < 40 ? li + 1 : extra[li - 40];
		char text[512];
		snprintf(text, sizeof text,
			 "graph @t(%%x: f32[3,%d]) -> (%%y: f32[3,%d]) {\n"
			 "  %%y = softmax(%%x) {axis=1} : f32[3,%d]\n  return %%y\n}\n",
			 n, n, n);
		char what[64];
		snprintf(what, sizeof what, "softmax n=%d", n);
		run_levels(what, text, lev, nlev, (uint32_t)n);
	}
}

static const check_case cases[] = {
	{"dw", test_dw},
	{"dws", test_dws},
	{"act", test_act},
	{"softmax", test_softmax},
	{NULL, NULL},
};

int main(int argc, char **argv)
{
	__builtin_cpu_init();
	__asm__ volatile("" ::: "memory");
	saved_features = __cpu_model.features[0];
	/* the copies this CPU can run, best first */
	if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
	    __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") &&
	    __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
		if (set_level(3) && set_level(4))
			lev[nlev++] = 4;
		else {
			printf("test_simd_v4: libgcc's CPU table is not the one this test "
			       "knows: AVX-512 copies not compared\n");
			part_skipped = true;
		}
	} else {
		printf("test_simd_v4: no AVX-512 here: AVX-512 copies not compared\n");
		part_skipped = true;
	}
	if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
		if (set_level(0) && set_level(4))
			lev[nlev++] = 3;
		else {
			printf("test_simd_v4: cannot hide AVX2: AVX2 copies not compared\n");
			part_skipped = true;
		}
	}
	lev[nlev++] = 0;
	set_level(4);
	printf("test_simd_v4: comparing the copies of levels");
	for (int l = 0; l < nlev; l++)
		printf(" %d", lev[l]);
	printf(" (4 AVX-512, 3 AVX2+FMA, 0 baseline)\n");
	if (nlev < 2) {
		printf("test_simd_v4: one copy only on this CPU: nothing to compare\n");
		return 77;
	}
	int rc = check_main(cases, argc, argv);
	return rc == 0 && part_skipped ? 77 : rc; /* a part did not run: skipped */
}
#else
int main(void)
{
	printf("test_simd_v4: no run-time SIMD dispatch in this build\n");
	return 77;
}
#endif
