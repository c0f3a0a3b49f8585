/* test_run_fuse.c — run-time fusion (run_fuse.c): the ops it folds into
 * their producer and the ones it must leave alone, the fused run's bytes
 * against a run that makes every intermediate (keep) and against the
 * steps worked element by element here in f32, at 1 and 2 threads (the
 * tensor is big enough for the sweep to split), and no fusion when the run
 * keeps its values or has observers (each op is seen as it makes its
 * result). */
#include <string.h>

#include "check.h"
#include "ops_fixture.h"

/* %c -> mul by a scalar -> add a scalar -> per-channel constant divided by
 * it (operands reversed) -> minus a scalar: four steps on the conv; %q
 * and %q2 (a vector along the last axis, operands reversed) on relu; the
 * rest must not fuse: %v's operand %u has two readers, %z's other
 * operand is not a constant, %p2's operand %p is a graph output, %gr's
 * constant would grow its operand. %c2's and %h's chains are all
 * scalars, so they ride in the act's own sweep (the conv's epilogue;
 * the driver's act pass after add); rows of 161 leave a tail past the
 * 8-float vectors. */
static const char text[] =
	"graph @f(%x: f32[1,4,64,161]) -> (%y: f32[1,4,64,161], %z: f32[1,4,64,161], "
	"%o: f32[1,4,64,161], %p: f32[1,4,64,161], %p2: f32[1,4,64,161], "
	"%gr: f32[1,4,64,161], %a2: f32[1,4,64,161], %h3: f32[1,4,64,161]) {\n"
	"  %w = const f32[4,4,1,1] fill(random, seed=3)\n"
	"  %b = const f32[4] fill(random, seed=5)\n"
	"  %s = const f32[1] dense[0.1675188]\n"
	"  %t = const f32[1] dense[-0.20085478]\n"
	"  %ch = const f32[4,1,1] dense[0.5, 1.5, -2.25, 3.1]\n"
	"  %lb = const f32[161] fill(random, seed=7)\n"
	"  %big = const f32[1,4,64,161] fill(random, seed=6)\n"
	"  %c = conv(%x, %w, %b) {dilations=[1,1], group=1, kernel_shape=[1,1], "
	"pads=[0,0,0,0], strides=[1,1], act=\"hard_swish\"} : f32[1,4,64,161]\n"
	"  %m = mul(%c, %s) : f32[1,4,64,161]\n"
	"  %a = add(%m, %t) : f32[1,4,64,161]\n"
	"  %d = div(%ch, %a) : f32[1,4,64,161]\n"
	"  %e = sub(%d, %t) : f32[1,4,64,161]\n"
	"  %y = relu(%e) : f32[1,4,64,161]\n"
	"  %r = relu(%x) : f32[1,4,64,161]\n"
	"  %q = mul(%r, %s) : f32[1,4,64,161]\n"
	"  %q2 = add(%lb, %q) : f32[1,4,64,161]\n"
	"  %z = add(%q2, %x) : f32[1,4,64,161]\n"
	"  %u = sigmoid(%x) : f32[1,4,64,161]\n"
	"  %v = mul(%u, %s) : f32[1,4,64,161]\n"
	"  %o = add(%u, %v) : f32[1,4,64,161]\n"
	"  %p = neg(%x) : f32[1,4,64,161]\n"
	"  %p2 = mul(%p, %s) : f32[1,4,64,161]\n"
	"  %k = reduce_mean(%x) {axes=[2,3], keepdims=1} : f32[1,4,1,1]\n"
	"  %gr = add(%k, %big) : f32[1,4,64,161]\n"
	"  %c2 = conv(%x, %w, %b) {dilations=[1,1], group=1, kernel_shape=[1,1], "
	"pads=[0,0,0,0], strides=[1,1], act=\"hard_swish\"} : f32[1,4,64,161]\n"
	"  %m2 = mul(%c2, %s) : f32[1,4,64,161]\n"
	"  %a2 = add(%m2, %t) : f32[1,4,64,161]\n"
	"  %h = add(%x, %x) {act=\"hard_sigmoid\"} : f32[1,4,64,161]\n"
	"  %h2 = mul(%s, %h) : f32[1,4,64,161]\n"
	"  %h3 = div(%h2, %t) : f32[1,4,64,161]\n"
	"  return %y, %z, %o, %p, %p2, %gr, %a2, %h3\n"
	"}\n";

static uint32_t op_of(const nx_graph *g, const char *name)
{
	uint32_t v = nx_value_by_name(g, name, strlen(name));
	NX_FOR_OPS(g, o)
		if (nx_result(g, o, 0) == v)
			return o;
	return NX_NONE;
}

static nx_tensor input(const nx_graph *g)
{
	nx_tensor x = nx_tensor_alloc(nx_vtype(g, g->inputs[0]));
	float *f = x.data;
	uint32_t st = 12345;
	for (int64_t i = 0; i < nx_tensor_numel(&x); i++) {
		st = st * 1664525u + 1013904223u;
		f[i] = (float)((double)(st >> 8) / (1 << 24) * 8 - 4);
	}
	return x;
}

static void test_which(void)
{
	nx_graph *g = ops_parse(text);
	if (!g)
		return;
	nx_err e;
	nx_run_plan *p = nx_run_plan_new(g, false, 2, &e); /* freed below */
	CHECK(p != NULL);
	if (!p) {
		nx_graph_free(g);
		return;
	}
	static const struct {
		const char *op, *into;
	} want[] = {
		{"m", "c"}, {"a", "c"}, {"d", "c"}, {"e", "c"}, {"y", NULL}, {"q", "r"}, {"q2", "r"},
		{"z", NULL}, {"v", NULL}, {"o", NULL}, {"p2", NULL}, {"gr", NULL}, {"c", NULL},
		{"m2", "c2"}, {"a2", "c2"}, {"h2", "h"}, {"h3", "h"},
	};
	for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
		uint32_t into = nx_run_plan_fused_into(p, op_of(g, want[i].op));
		uint32_t exp = want[i].into ? op_of(g, want[i].into) : NX_NONE;
		if (into != exp)
			fprintf(stderr, "%%%s: fused into op %u, expected %u\n", want[i].op, into, exp);
		CHECK(into == exp);
	}
	nx_run_plan_free(p);
	/* a plan that keeps every value fuses nothing */
	p = nx_run_plan_new(g, true, 2, &e);
	CHECK(p != NULL);
	if (p)
		CHECK(nx_run_plan_fused_into(p, op_of(g, "m")) == NX_NONE);
	nx_run_plan_free(p);
	nx_graph_free(g);
}

static int n_seen;
static int seen(void *ctx, nx_graph *g, uint32_t op, const nx_tensor *out, nx_err *err)
{
	(void)ctx, (void)g, (void)op, (void)out, (void)err;
	n_seen++;
	return 0;
}

static void test_same_bits(void)
{
	nx_graph *g = ops_parse(text);
	if (!g)
		return;
	nx_tensor x = input(g);
	nx_err e;
	uint32_t n_ops = 0;
	NX_FOR_OPS(g, o)
		n_ops++;
	for (int threads = 1; threads <= 2; threads++) {
		nx_run_plan *p = nx_run_plan_new(g, false, threads, &e); /* freed below */
		CHECK(p != NULL);
		if (!p)
			continue;
		nx_run_result fused, kept, watched;
		nx_run_opts o = {.threads = threads, .plan = p};
		CHECK_EQ_INT(nx_run(g, &x, 1, &o, &fused, &e), 0);
		nx_run_opts ok = {.threads = threads, .keep = true};
		CHECK_EQ_INT(nx_run(g, &x, 1, &ok, &kept, &e), 0);
		/* an observer sees every op, fused ones included */
		n_seen = 0;
		nx_run_opts ow = {.threads = threads, .plan = p, .after = seen};
		CHECK_EQ_INT(nx_run(g, &x, 1, &ow, &watched, &e), 0);
		CHECK_EQ_INT(n_seen, (int)n_ops);
		for (uint32_t i = 0; i < g->n_outputs; i++) {
			size_t nb = nx_tensor_nbytes(&kept.outputs[i]);
			CHECK(!memcmp(fused.outputs[i].data, kept.outputs[i].data, nb));
			CHECK(!memcmp(watched.outputs[i].data, kept.outputs[i].data, nb));
		}
		/* and each intermediate of the chain is there in the keep run,
		 * the fused output the steps on it rounded one by one in f32 */
		const char *mid[] = {"c", "m", "a", "d", "e"};
		for (int k = 0; k < 5; k++) {
			uint32_t v = nx_value_by_name(g, mid[k], strlen(mid[k]));
			CHECK(kept.values[v].data != NULL);
		}
		const float *c = kept.values[nx_value_by_name(g, "c", 1)].data;
		const float *y = fused.outputs[0].data;
		const float ch[4] = {0.5f, 1.5f, -2.25f, 3.1f}, s = 0.1675188f, t = -0.20085478f;
		int64_t bad = 0, n = nx_tensor_numel(&fused.outputs[0]);
		for (int64_t i = 0; i < n; i++) {
			volatile float m = c[i] * s;
			volatile float a = m + t;
			volatile float d = ch[i / (64 * 161)] / a;
			volatile float ee = d - t;
			float want = ee < 0 ? 0 : ee;
			bad += !ops_same_bits(y[i], want);
		}
		if (bad)
			fprintf(stderr, "%d threads: %lld elements differ from the stepwise f32\n",
				threads, (long long)bad);
		CHECK(bad == 0);
		nx_run_result_free(&fused);
		nx_run_result_free(&kept);
		nx_run_result_free(&watched);
		nx_run_plan_free(p);
	}
	nx_tensor_free(&x);
	nx_graph_free(g);
}

int main(int argc, char **argv)
{
	static const check_case cases[] = {
		{"which", test_which},
		{"same_bits", test_same_bits},
		{NULL, NULL},
	};
	return check_main(cases, argc, argv);
}
