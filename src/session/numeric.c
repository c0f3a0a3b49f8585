/* numeric.c — the numeric check of a step: run it with the interpreter on
 * seeded inputs and compare every output with step 0's outputs on the same
 * inputs. Errors are reported normwise per output, rel = max|a-b| / max|b|,
 * which stays meaningful where single elements are near zero; the worst
 * output over all is kept. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nxw.h"

static int reference(nxw_session *s, nx_err *err)
{
	if (s->ref_out)
		return 0;
	const nx_graph *g = s->steps[0].snap;
	s->n_ref_in = g->n_inputs;
	s->ref_in = nx_xcalloc(g->n_inputs + 1, sizeof *s->ref_in);
	/* floats in [-1, 1); integers 0, which is in range for any index */
	uint64_t state = s->seed;
	for (uint32_t i = 0; i < g->n_inputs; i++)
		s->ref_in[i] = nx_tensor_random(nx_vtype(g, g->inputs[i]), &state, -1.0, 1.0);
	nx_run_result r;
	nx_run_opts o = {0};
	if (nx_run(s->steps[0].snap, s->ref_in, s->n_ref_in, &o, &r, err) != 0) {
		nx_err_prefix(err, "running step 0: ");
		return -1;
	}
	s->ref_out = r.outputs;
	s->n_ref_out = r.n_outputs;
	r.outputs = NULL;
	r.n_outputs = 0;
	nx_run_result_free(&r);
	return 0;
}

int nxw_numeric(nxw_session *s, uint32_t k, nx_err *err)
{
	return nxw_numeric_step(s, &s->steps[k], k, err);
}

int nxw_numeric_step(nxw_session *s, nxw_step *st, uint32_t k, nx_err *err)
{
	if (reference(s, err) != 0)
		return -1;
	const nx_graph *g = st->snap;
	if (g->n_inputs != s->n_ref_in || g->n_outputs != s->n_ref_out) {
		nx_err_set(err, "step %u has %u inputs and %u outputs, step 0 has %u and %u", k,
			   g->n_inputs, g->n_outputs, s->n_ref_in, s->n_ref_out);
		return -1;
	}
	/* A pass may change an input's dtype (to-fp16): convert the values. */
	nx_tensor *in = nx_xcalloc(g->n_inputs + 1, sizeof *in);
	for (uint32_t i = 0; i < g->n_inputs; i++)
		in[i] = nx_tensor_convert(&s->ref_in[i], nx_vtype(g, g->inputs[i])->dtype);
	nx_run_result r;
	nx_run_opts o = {0};
	int rc = nx_run(st->snap, in, g->n_inputs, &o, &r, err);
	for (uint32_t i = 0; i < g->n_inputs; i++)
		nx_tensor_free(&in[i]);
	free(in);
	if (rc != 0) {
		nx_err_prefix(err, "running step %u: ", k);
		return -1;
	}
	st->num.done = true;
	st->num.max_abs = st->num.max_rel = 0;
	st->num.worst[0] = 0;
	for (uint32_t i = 0; i < r.n_outputs; i++) {
		const nx_tensor *a = &r.outputs[i], *b = &s->ref_out[i];
		int64_t n = nx_type_numel(&b->type);
		double dmax = 0, bmax = 0;
		bool nan = false;
		for (int64_t e = 0; e < n; e++) {
			double x = nx_tensor_get(a, e), y = nx_tensor_get(b, e);
			nan |= isnan(x) != isnan(y);
			dmax = fmax(dmax, fabs(x - y));
			bmax = fmax(bmax, fabs(y));
		}
		double rel = nan ? INFINITY : dmax / (bmax > 0 ? bmax : 1e-30);
		if (nan)
			dmax = INFINITY;
		st->num.max_abs = fmax(st->num.max_abs, dmax);
		if (rel >= st->num.max_rel) {
			st->num.max_rel = rel;
			snprintf(st->num.worst, sizeof st->num.worst, "%s",
				 nx_vname(g, g->outputs[i]));
		}
	}
	nx_run_result_free(&r);
	return 0;
}
