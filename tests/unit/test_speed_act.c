/* test_speed_act.c — the AVX2 clamps of hard_swish and hard_sigmoid
 * (kern_elem.c, hard_v3) give the bits of the scalar formula: the ops
 * hard_swish and hard_sigmoid (alpha and beta set too) over every length
 * 1..40 (the 8-float steps and the scalar tail) and a long row, with NaN,
 * the infinities, signed zeros, the clamp edges -3 and 3 and values just
 * inside and outside them; and a conv carrying act="hard_swish" whose rows
 * (OW = 13) end in a tail, against the same conv without act followed by
 * the formula. On a CPU without AVX2 the same checks hold for the baseline
 * copy. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "nx.h"
#include "ops_fixture.h"

static float hswish(float x)
{
	float y = x * (1.0f / 6) + 0.5f;
	y = y < 0 ? 0 : y;
	y = y > 1 ? 1 : y;
	return x * y;
}

static float hsig(float x, float al, float be)
{
	float y = al * x + be;
	y = y < 0 ? 0 : y;
	return y > 1 ? 1 : y;
}

/* Values that exercise the clamps, then a spread over [-5, 5). */
static void fill(float *x, int64_t n, uint32_t seed)
{
	static const float edge[] = {NAN, INFINITY, -INFINITY, 0.0f, -0.0f, -3.0f, 3.0f,
				     -3.0000002f, -2.9999998f, 2.9999998f, 3.0000002f,
				     1e-30f, -1e-30f, -2.5f, 2.5f, 1.0f};
	uint32_t s = seed * 2654435761u + 7;
	for (int64_t i = 0; i < n; i++) {
		s = s * 1664525u + 1013904223u;
		x[i] = -5 + 10 * (float)(s >> 8) / (float)(1u << 24);
		if ((s >> 4) % 3 == 0)
			x[i] = edge[(s >> 12) % (sizeof edge / sizeof edge[0])];
	}
}

static void test_unary(void)
{
	static const int lens[] = {1, 2, 7, 8, 9, 15, 16, 17, 23, 24, 25, 31, 33, 40, 1000};
	for (int kind = 0; kind < 3; kind++)
		for (size_t li = 0; li < sizeof lens / sizeof lens[0]; li++)
			for (int threads = 1; threads <= 2; threads++) {
				int n = lens[li];
				const char *op = kind == 0 ? "hard_swish" : "hard_sigmoid";
				const char *attr = kind == 2 ? " {alpha=0.3, beta=0.4}" : "";
				char text[256];
				snprintf(text, sizeof text,
					 "graph @t(%%x: f32[%d]) -> (%%y: f32[%d]) {\n"
					 "  %%y = %s(%%x)%s : f32[%d]\n  return %%y\n}\n",
					 n, n, op, attr, n);
				nx_graph *g = ops_parse(text);
				if (!g)
					return;
				nx_tensor x = nx_tensor_empty(nx_vtype(g, g->inputs[0]));
				float *xd = x.data;
				fill(xd, n, (uint32_t)(n + 31 * kind));
				nx_run_result r;
				nx_err e;
				nx_run_opts o = {.threads = threads};
				int rc = nx_run(g, &x, 1, &o, &r, &e);
				if (rc)
					fprintf(stderr, "run: %s\n", e.msg);
				CHECK_EQ_INT(rc, 0);
				int bad = 0;
				for (int i = 0; !rc && i < n; i++) {
					float want = kind == 0 ? hswish(xd[i])
						   : kind == 1 ? hsig(xd[i], 0.2f, 0.5f)
							       : hsig(xd[i], 0.3f, 0.4f);
					float got = ((const float *)r.outputs[0].data)[i];
					if (!ops_same_bits(want, got) && bad++ < 3)
						fprintf(stderr, "%s n=%d [%d]: x %a gives %a, want %a\n", op,
							n, i, xd[i], got, want);
				}
				CHECK_EQ_INT(bad, 0);
				if (!rc)
					nx_run_result_free(&r);
				nx_tensor_free(&x);
				nx_graph_free(g);
			}
}

static void test_conv_act(void)
{
#define CONV_TEXT(ACT)                                                                  \
	"graph @t(%x: f32[1,4,11,13]) -> (%y: f32[1,6,11,13]) {\n"                      \
	"  %w = const f32[6,4,3,3] fill(random, seed=5)\n"                               \
	"  %b = const f32[6] fill(random, seed=6)\n"                                     \
	"  %y = conv(%x, %w, %b) {pads=[1,1,1,1]" ACT "} : f32[1,6,11,13]\n"             \
	"  return %y\n}\n"
	const char *text[2] = {CONV_TEXT(""), CONV_TEXT(", act=\"hard_swish\"")};
	nx_graph *g0 = ops_parse(text[0]), *g1 = ops_parse(text[1]);
	if (!g0 || !g1) {
		nx_graph_free(g0);
		nx_graph_free(g1);
		return;
	}
	nx_tensor x = nx_tensor_empty(nx_vtype(g0, g0->inputs[0]));
	float *xd = x.data;
	for (int64_t i = 0; i < nx_tensor_numel(&x); i++)
		xd[i] = (float)((i * 7919) % 1000) / 100.0f - 5.0f;
	nx_run_result r0, r1;
	nx_err e;
	nx_run_opts o = {.threads = 1};
	CHECK_EQ_INT(nx_run(g0, &x, 1, &o, &r0, &e), 0);
	CHECK_EQ_INT(nx_run(g1, &x, 1, &o, &r1, &e), 0);
	const float *p = r0.outputs[0].data, *f = r1.outputs[0].data;
	int bad = 0;
	for (int64_t i = 0; i < nx_tensor_numel(&r0.outputs[0]); i++)
		bad += !ops_same_bits(hswish(p[i]), f[i]);
	CHECK_EQ_INT(bad, 0);
	nx_run_result_free(&r0);
	nx_run_result_free(&r1);
	nx_tensor_free(&x);
	nx_graph_free(g0);
	nx_graph_free(g1);
}

static const check_case cases[] = {
	{"unary", test_unary},
	{"conv_act", test_conv_act},
	{NULL, NULL},
};

int main(int argc, char **argv)
{
	return check_main(cases, argc, argv);
}
