/* tile_fixture.h — what the tiled-kernel tests share (test_matmul_tile,
 * test_convt_tile): a graph parsed and verified from text, seeded inputs in
 * [-1, 1), and one run at 1..T threads compared with a double-precision
 * reference the test works out (each element's exact value and the sum of
 * |terms| that went into it, so the error is a relative rounding error) and
 * byte for byte across thread counts. Include after check.h. */
#ifndef TILE_FIXTURE_H
#define TILE_FIXTURE_H
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nx.h"

/* Parses and verifies text; NULL (with the reason and the text on stderr)
 * when either fails. Caller frees with nx_graph_free. */
static inline nx_graph *tile_graph(const char *what, const char *text)
{
	nx_err e;
	nx_graph *g = nx_parse(text, strlen(text), "t.nex", NULL, &e);
	if (!g)
		fprintf(stderr, "%s: parse: %s\n%s", what, e.msg, text);
	else if (nx_verify(g, &e)) {
		fprintf(stderr, "%s: verify: %s\n%s", what, e.msg, text);
		nx_graph_free(g);
		g = NULL;
	}
	return g;
}

/* An f32 tensor of type ty with a deterministic spread of values in
 * [-1, 1). Caller frees with nx_tensor_free. */
static inline nx_tensor tile_input(const nx_type *ty, uint32_t seed)
{
	nx_tensor x = nx_tensor_empty(ty);
	float *d = x.data;
	uint32_t s = seed * 2654435761u + 1;
	for (int64_t i = 0; i < nx_tensor_numel(&x); i++) {
		s = s * 1664525u + 1013904223u;
		d[i] = -1 + 2 * (float)(s >> 8) / (float)(1u << 24);
	}
	return x;
}

/* Fills ref[0..n) with output 0's exact values and mag[0..n) with the sum
 * of |terms| of each (both zeroed on entry), from the inputs in[]. */
typedef void (*tile_ref_fn)(const void *ctx, const nx_tensor *in, double *ref, double *mag);

/* Runs g on in[0..n_in) at 1..max_threads threads: every run must succeed,
 * output 0 at 1 thread must be within 1e-5 of the sum of |terms| of the
 * reference at every element (a NaN never is), and the other thread
 * counts must give the same bytes. */
static inline void tile_check_runs(const char *what, nx_graph *g, const nx_tensor *in,
				   uint32_t n_in, int max_threads, tile_ref_fn ref_fn,
				   const void *ctx)
{
	nx_run_result r[4];
	bool ok[4] = {false, false, false, false};
	CHECK(max_threads >= 1 && max_threads <= 4);
	for (int th = 1; th <= max_threads && th <= 4; th++) {
		nx_err e;
		nx_run_opts o = {.threads = th};
		int rc = nx_run(g, in, n_in, &o, &r[th - 1], &e);
		if (rc)
			fprintf(stderr, "%s: run at %d threads: %s\n", what, th, e.msg);
		CHECK_EQ_INT(rc, 0);
		ok[th - 1] = rc == 0;
	}
	if (ok[0]) {
		const nx_tensor *out = &r[0].outputs[0];
		const float *y = out->data;
		int64_t n = nx_tensor_numel(out);
		double *ref = calloc((size_t)n, sizeof *ref), *mag = calloc((size_t)n, sizeof *mag);
		ref_fn(ctx, in, ref, mag);
		double worst = 0;
		for (int64_t i = 0; i < n; i++) {
			double err = fabs(y[i] - ref[i]) / (mag[i] > 1e-30 ? mag[i] : 1);
			if (err > worst || y[i] != y[i])
				worst = y[i] != y[i] ? INFINITY : err;
		}
		free(ref);
		free(mag);
		if (!(worst < 1e-5))
			fprintf(stderr, "%s: error %.3g of the sum of |terms|\n", what, worst);
		CHECK(worst < 1e-5);
		for (int th = 2; th <= max_threads && th <= 4; th++)
			if (ok[th - 1]) {
				bool same = !memcmp(y, r[th - 1].outputs[0].data, nx_tensor_nbytes(out));
				if (!same)
					fprintf(stderr, "%s: 1 and %d threads differ\n", what, th);
				CHECK(same);
			}
	}
	for (int th = 0; th < max_threads && th < 4; th++)
		if (ok[th])
			nx_run_result_free(&r[th]);
}
#endif
