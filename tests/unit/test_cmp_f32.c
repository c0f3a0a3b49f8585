/* test_cmp_f32.c — the numeric debugger's element pass (core/cmp_f32.c)
 * gives, in every copy the CPU can run (AVX-512, AVX2, baseline), the bits
 * of a plain loop written from nx_cmp.h's definition: two lanes summing the
 * even and the odd elements one after another, then the odd last element.
 * Data: ordinary spreads, denormal floats (and the doubles they make),
 * signed zeros, values at fp16's two ends, floats near FLT_MAX whose
 * squares are far past them, and NaN or inf (then only the non-finiteness
 * of the sums is defined); lengths 0..40 and long ones around the 8-element
 * blocks; starts off the vector alignment. Also the copy that takes the
 * largest magnitude (nx_f32_copy_absbits). And that the comparison can
 * fail: on the test's own data a one-lane sum differs from the two-lane
 * one, so a change of summing order would be caught.
 *
 * The copies are chosen as in test_simd_v4.c: by clearing feature bits in
 * libgcc's CPU table. A copy this CPU cannot run is left out with a
 * message, and the test then exits 77 once the rest passed. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "nx.h"
#include "nx_cmp.h"

/* the definition, one element at a time */
static void ref_cmp(const float *a, const float *b, int64_t n, double fl, nx_f32_cmp *s)
{
	double sum[5][2] = {{0}};
	memset(s, 0, sizeof *s);
	int64_t pairs = n - n % 2;
	for (int64_t i = 0; i < n; i++) {
		double x = a[i], y = b[i], e = fabs(x - y), ay = fabs(y);
		double t[5] = {x * y, x * x, y * y, e * e, e};
		if (i < pairs) {
			for (int k = 0; k < 5; k++)
				sum[k][i % 2] += t[k];
			if (i == pairs - 1) {
				s->sab = sum[0][0] + sum[0][1];
				s->saa = sum[1][0] + sum[1][1];
				s->sbb = sum[2][0] + sum[2][1];
				s->se = sum[3][0] + sum[3][1];
				s->sae = sum[4][0] + sum[4][1];
			}
		} else {
			s->sab += t[0];
			s->saa += t[1];
			s->sbb += t[2];
			s->se += t[3];
			s->sae += t[4];
		}
		s->bmax = fmax(s->bmax, ay);
		s->emax = fmax(s->emax, e);
		s->ovf += ay > 65504.0;
		s->flush += ay > 0 && ay < 0x1p-24;
		double rel = e / fmax(ay, fl);
		s->rmax = fmax(s->rmax, rel);
		s->w01 += rel <= 1e-3;
		s->w05 += rel <= 5e-3;
	}
}

#if defined(__x86_64__) && !defined(NEX_NO_CLONES) && (defined(__GNUC__) || defined(__clang__))
extern struct {
	unsigned vendor, type, subtype;
	unsigned features[1];
} __cpu_model;
enum { BIT_AVX2 = 10, BIT_AVX512F = 15 };
static unsigned saved_features;
static bool have[5], part_skipped;

/* level 4: as the CPU is; 3: AVX-512 hidden; 0: AVX2 hidden too */
static bool set_level(int level)
{
	unsigned f = saved_features;
	if (level < 4)
		f &= ~(1u << BIT_AVX512F);
	if (level < 3)
		f &= ~(1u << BIT_AVX2);
	__cpu_model.features[0] = f;
	__asm__ volatile("" ::: "memory");
	if (level < 4 && __builtin_cpu_supports("avx512f"))
		return false;
	if (level < 3 && __builtin_cpu_supports("avx2"))
		return false;
	return true;
}

static void find_levels(void)
{
	__builtin_cpu_init();
	__asm__ volatile("" ::: "memory");
	saved_features = __cpu_model.features[0];
	bool v3 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
	bool v4 = v3 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
		  __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
	have[0] = set_level(0);
	have[3] = v3 && set_level(3);
	have[4] = v4 && set_level(4);
	set_level(4);
	if (!have[4] || !have[3]) {
		printf("test_cmp_f32: %s copy not compared on this CPU\n",
		       !have[3] ? "the AVX2 and AVX-512" : "the AVX-512");
		part_skipped = true;
	}
}
#else
static bool have[5] = {true}, part_skipped = true;
static bool set_level(int level)
{
	(void)level;
	return true;
}
static void find_levels(void)
{
	printf("test_cmp_f32: no run-time SIMD dispatch in this build: baseline only\n");
}
#endif

static uint32_t rnd(uint32_t *s)
{
	*s = *s * 1664525u + 1013904223u;
	return *s >> 8;
}

/* kind 0: a spread over [-4, 4); 1: denormals, signed zeros, fp16's ends
 * and big floats mixed in; 2: as 1 with NaN and inf */
static void fill(float *x, int64_t n, uint32_t seed, int kind)
{
	static const float odd[] = {0.0f, -0.0f, 1e-40f, -3e-39f, 1.4e-45f, 65504.0f, -65520.0f,
				    6e-8f, -5.9e-8f, 3e-8f, 1e30f, -FLT_MAX, 7.0f, NAN, INFINITY,
				    -INFINITY};
	uint32_t s = seed * 2654435761u + 1;
	int n_odd = kind == 2 ? 16 : 13;
	for (int64_t i = 0; i < n; i++) {
		x[i] = -4 + 8 * (float)rnd(&s) / (float)(1u << 24);
		if (kind && rnd(&s) % 5 == 0)
			x[i] = odd[rnd(&s) % n_odd];
	}
}

static bool same_double(double x, double y)
{
	return memcmp(&x, &y, sizeof x) == 0 || (isnan(x) && isnan(y));
}

static bool finite_sums(const nx_f32_cmp *s)
{
	return isfinite(s->saa) && isfinite(s->sbb) && isfinite(s->se);
}

/* every field's bits when the sums are finite; else whether they are */
static bool same_cmp(const nx_f32_cmp *p, const nx_f32_cmp *q)
{
	if (finite_sums(p) != finite_sums(q))
		return false;
	if (!finite_sums(p))
		return true;
	return same_double(p->sab, q->sab) && same_double(p->saa, q->saa) &&
	       same_double(p->sbb, q->sbb) && same_double(p->se, q->se) &&
	       same_double(p->sae, q->sae) && same_double(p->bmax, q->bmax) &&
	       same_double(p->emax, q->emax) && same_double(p->rmax, q->rmax) &&
	       p->ovf == q->ovf && p->flush == q->flush && p->w01 == q->w01 && p->w05 == q->w05;
}

static int checked, finite_seen, nonfinite_seen;

/* a[off..off+n) against b[off..off+n), every copy against the plain loop */
static void one(int64_t n, int64_t off, int kind, uint32_t seed)
{
	float *a = malloc((size_t)(n + off + 1) * sizeof *a);
	float *b = malloc((size_t)(n + off + 1) * sizeof *b);
	fill(b, n + off, seed, kind);
	fill(a, n + off, seed + 1000, kind);
	/* a close to b in part, so the relative counts are not all zero */
	for (int64_t i = 0; i < n + off; i += 3)
		a[i] = b[i] * (1 + 1e-4f * (float)(i % 7));
	double fl = (kind ? 1e-6 : 1e-3) * 4;
	nx_f32_cmp want, got;
	ref_cmp(a + off, b + off, n, fl, &want);
	finite_seen += finite_sums(&want);
	nonfinite_seen += !finite_sums(&want);
	for (int l = 4; l >= 0; l--) {
		if (!have[l])
			continue;
		CHECK(set_level(l));
		memset(&got, 0x5a, sizeof got);
		nx_f32_cmp_run(a + off, b + off, n, fl, &got);
		if (!same_cmp(&got, &want)) {
			fprintf(stderr, "level %d n=%lld off=%lld kind %d seed %u: sab %a want %a, "
				"rmax %a want %a, w01 %lld want %lld\n", l, (long long)n,
				(long long)off, kind, seed, got.sab, want.sab, got.rmax, want.rmax,
				(long long)got.w01, (long long)want.w01);
			CHECK(!"the pass differs from the plain loop");
		}
		checked++;
	}
	set_level(4);
	free(a);
	free(b);
}

static void test_against_loop(void)
{
	for (int kind = 0; kind < 3; kind++)
		for (int64_t n = 0; n <= 40; n++)
			for (int64_t off = 0; off < 3; off++)
				one(n, off, kind, (uint32_t)(n * 7 + off + kind * 1000));
	static const int64_t big[] = {1000, 1001, 1003, 1005, 1007, 65536 + 5, 300001};
	for (int kind = 0; kind < 3; kind++)
		for (size_t j = 0; j < sizeof big / sizeof big[0]; j++)
			one(big[j], (int64_t)j % 2, kind, (uint32_t)j + 77);
	/* the data reached both cases of the definition */
	CHECK(finite_seen > 100);
	CHECK(nonfinite_seen > 50);
	CHECK(checked > 0);
}

/* A sum in one lane (one order among others a vector loop might take)
 * differs from the two-lane definition on this data: the comparison above
 * can fail. */
static void test_order_matters(void)
{
	int64_t n = 100001;
	float *a = malloc((size_t)n * sizeof *a), *b = malloc((size_t)n * sizeof *b);
	fill(a, n, 5, 0);
	fill(b, n, 6, 0);
	nx_f32_cmp want;
	ref_cmp(a, b, n, 1e-3, &want);
	double one_lane = 0;
	for (int64_t i = 0; i < n; i++)
		one_lane += (double)a[i] * b[i];
	CHECK(!same_double(one_lane, want.sab));
	nx_f32_cmp got;
	nx_f32_cmp_run(a, b, n, 1e-3, &got);
	got.sab = one_lane;
	CHECK(!same_cmp(&got, &want));
	free(a);
	free(b);
}

static void test_copy_absbits(void)
{
	for (int kind = 0; kind < 3; kind++)
		for (int64_t n = 0; n < 300; n += n < 40 ? 1 : 37) {
			float *x = malloc((size_t)(n + 1) * sizeof *x);
			float *y = malloc((size_t)(n + 1) * sizeof *y);
			fill(x, n + 1, (uint32_t)n, kind);
			uint32_t want = 0;
			for (int64_t i = 0; i < n; i++) {
				uint32_t u;
				memcpy(&u, &x[i + 1], sizeof u);
				u &= 0x7fffffffu;
				want = u > want ? u : want;
			}
			for (int l = 4; l >= 0; l--) {
				if (!have[l])
					continue;
				CHECK(set_level(l));
				memset(y, 0x5a, (size_t)(n + 1) * sizeof *y);
				uint32_t got = nx_f32_copy_absbits(y, x + 1, (size_t)n);
				CHECK_EQ_INT(got, want);
				CHECK(memcmp(y, x + 1, (size_t)n * sizeof *y) == 0);
			}
			set_level(4);
			free(x);
			free(y);
		}
}

static const check_case cases[] = {
	{"against_loop", test_against_loop},
	{"order_matters", test_order_matters},
	{"copy_absbits", test_copy_absbits},
	{NULL, NULL},
};

int main(int argc, char **argv)
{
	find_levels();
	int rc = check_main(cases, argc, argv);
	return rc == 0 && part_skipped ? 77 : rc;   /* a copy did not run: skipped */
}
