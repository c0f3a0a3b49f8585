/* sim_fixture.h — building small graphs for the sim tests through the nx.h
 * API: inputs, constant weights (zero-fill blobs: the sim never reads their
 * bytes), ops whose result types come from shape inference, and a helper
 * that runs the sim on a preset. Every helper aborts the test program on a
 * failure it cannot report (a fixture that does not build is a broken test,
 * not a failed check).
 */
#ifndef SIM_FIXTURE_H
#define SIM_FIXTURE_H
#include <stdarg.h>
#include <stdlib.h>

#include "nxs.h"

static inline void fx_die(const char *what, const nx_err *e)
{
	fprintf(stderr, "fixture: %s: %s\n", what, e ? e->msg : "");
	exit(2);
}

static inline nx_type fx_type(int dtype, int rank, const int64_t *dims, int layout)
{
	nx_type t = nx_type_make(dtype, rank, dims);
	t.layout = (uint8_t)layout;
	return t;
}

static inline uint32_t fx_input(nx_graph *g, const char *name, int dtype, int rank,
				const int64_t *dims, int layout)
{
	nx_type t = fx_type(dtype, rank, dims, layout);
	nx_err e;
	uint32_t v = nx_value_new(g, name, nx_type_intern(g, &t), &e);
	if (v == NX_NONE)
		fx_die(name, &e);
	nx_graph_add_input(g, v);
	return v;
}

static inline uint32_t fx_const(nx_graph *g, const char *name, int dtype, int rank,
				const int64_t *dims)
{
	nx_type t = fx_type(dtype, rank, dims, NX_LAYOUT_PLAIN);
	nx_err e;
	uint32_t v = nx_const_new(g, name, nx_blob_new_fill(&t, NX_FILL_ZEROS, 0), &e);
	if (v == NX_NONE)
		fx_die(name, &e);
	return v;
}

/* A one-result op; attributes are set by the caller between fx_op_new and
 * fx_done (which infers the result type and applies the layout tag). */
static inline uint32_t fx_op_new(nx_graph *g, int kind, const uint32_t *in, uint32_t n,
				 const char *name)
{
	nx_err e;
	const char *names[1] = {name};
	uint32_t o = nx_op_new(g, kind, in, n, 1, name ? names : NULL, NX_NONE, &e);
	if (o == NX_NONE)
		fx_die(name ? name : "op", &e);
	return o;
}

static inline uint32_t fx_done(nx_graph *g, uint32_t o, int layout)
{
	nx_err e;
	if (nx_infer_op(g, o, &e))
		fx_die("infer", &e);
	uint32_t v = nx_result(g, o, 0);
	nx_type t = *nx_vtype(g, v);
	t.layout = (uint8_t)layout;
	nx_value_set_type(g, v, &t);
	return v;
}

static inline uint32_t fx_op(nx_graph *g, int kind, const uint32_t *in, uint32_t n,
			     const char *name, int layout)
{
	return fx_done(g, fx_op_new(g, kind, in, n, name), layout);
}

/* Runs the sim on preset `target` with "name=value" overrides (NULL-ended).
 * Caller frees with nxs_sim_free. */
static inline nxs_sim *fx_sim(const nx_graph *g, const char *target, ...)
{
	nx_target t;
	nx_err e;
	if (nx_target_preset(target, &t, &e))
		fx_die(target, &e);
	va_list ap;
	va_start(ap, target);
	for (const char *kv; (kv = va_arg(ap, const char *));)
		if (nx_target_set_kv(&t, kv, &e))
			fx_die(kv, &e);
	va_end(ap);
	nxs_sim *s = nxs_sim_new(g, &e);
	if (!s || nxs_sim_run(s, &t, &e))
		fx_die("sim", &e);
	return s;
}

static inline int fx_near(double a, double b, double rel)
{
	double d = a - b;
	if (d < 0)
		d = -d;
	double m = b < 0 ? -b : b;
	return d <= rel * (m > 1e-30 ? m : 1e-30);
}
#endif
