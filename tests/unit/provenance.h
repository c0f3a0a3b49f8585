/* provenance.h — the two promises passes make to the numeric debugger and
 * the TUI, checked on a graph run through a pipeline (test_provenance.c on
 * the fixtures, demo and generated graphs; test_provenance_models.c on the
 * PaddleOCR models):
 *   - graph outputs keep their names and order at every step;
 *   - every step-0 op's name (its origin; an op without one is given its
 *     first result's name first) is, at every step k, in the origin of some
 *     op of step k or in the origins dropped by steps 1..k (dce, folds,
 *     identities say so): blame never disappears silently.
 * Include after check.h. */
#ifndef PROVENANCE_H
#define PROVENANCE_H
#include <stdlib.h>
#include <string.h>

#include "nxw.h"

typedef struct prov_tally {
	uint32_t runs, steps, names, failed_runs;
} prov_tally;

/* Ops without an origin get their first result's name, so that every op of
 * step 0 has a name to follow. */
static inline void prov_stamp(nx_graph *g)
{
	NX_FOR_OPS(g, o)
		if (g->ops[o].n_origin == 0 && g->ops[o].n_out) {
			uint32_t sid = g->vals[nx_result(g, o, 0)].name;
			nx_op_set_origin(g, o, &sid, 1);
		}
}

static int prov_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

typedef struct prov_set {
	const char **s; uint32_t n, cap;
} prov_set;

static inline void prov_add(prov_set *p, const char *x)
{
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 256;
		p->s = realloc((void *)p->s, p->cap * sizeof *p->s);
	}
	p->s[p->n++] = x;
}

static inline void prov_add_origins(prov_set *p, const nx_graph *g)
{
	NX_FOR_OPS(g, o)
		for (uint32_t i = 0; i < g->ops[o].n_origin; i++)
			prov_add(p, nx_cstr(g, nx_op_origin(g, o)[i]));
}

/* Runs pipeline on (a clone of) g, whole passes or one rewrite per step,
 * and checks both promises at every step. A run whose pass or verifier
 * fails is counted in t->failed_runs and checked up to the failing step. */
static inline void prov_check(const char *label, const nx_graph *g, const char *pipeline,
			      bool into, prov_tally *t)
{
	nx_graph *c = nx_graph_clone(g);
	prov_stamp(c);
	nxw_session *s = nxw_session_new(c);
	nx_err err;
	if (nxw_set_pipeline(s, pipeline, &err) != 0) {
		fprintf(stderr, "%s: %s\n", label, err.msg);
		CHECK(0);
		nxw_session_free(s);
		return;
	}
	int rc;
	do
		rc = into ? nxw_step_into(s, &err) : nxw_apply(s, &err);
	while (rc == 1);
	t->runs++;
	if (rc < 0)
		t->failed_runs++;
	const nx_graph *g0 = s->steps[0].snap;
	prov_set want = {0}, have = {0};
	prov_add_origins(&want, g0);
	if (want.n)
		qsort((void *)want.s, want.n, sizeof *want.s, prov_cmp);
	t->names += want.n;
	for (uint32_t k = 1; k < s->n_steps; k++) {
		const nxw_step *st = &s->steps[k];
		const nx_graph *gk = st->snap;
		t->steps++;
		/* outputs: same count, names, order */
		bool same = gk->n_outputs == g0->n_outputs;
		for (uint32_t i = 0; same && i < g0->n_outputs; i++)
			same = !strcmp(nx_vname(gk, gk->outputs[i]), nx_vname(g0, g0->outputs[i]));
		if (!same) {
			fprintf(stderr, "%s: %s: step %u (%s) changed the graph outputs:", label,
				pipeline, k, st->pass);
			for (uint32_t i = 0; i < gk->n_outputs; i++)
				fprintf(stderr, " %%%s", nx_vname(gk, gk->outputs[i]));
			fprintf(stderr, " (was");
			for (uint32_t i = 0; i < g0->n_outputs; i++)
				fprintf(stderr, " %%%s", nx_vname(g0, g0->outputs[i]));
			fprintf(stderr, ")\n");
			CHECK(0);
		}
		/* names: step k's origins and every drop so far */
		have.n = 0;
		for (uint32_t j = 1; j <= k; j++)
			for (uint32_t i = 0; i < s->steps[j].n_drops; i++)
				prov_add(&have, s->steps[j].drops[i].origin);
		prov_add_origins(&have, gk);
		if (have.n)
			qsort((void *)have.s, have.n, sizeof *have.s, prov_cmp);
		uint32_t lost = 0;
		for (uint32_t i = 0; i < want.n; i++) {
			if (i && !strcmp(want.s[i], want.s[i - 1]))
				continue;
			if (have.n && bsearch(&want.s[i], have.s, have.n, sizeof *have.s, prov_cmp))
				continue;
			if (lost++ < 5)
				fprintf(stderr, "%s: %s: after step %u (%s%s) the name '%s' is in no op's "
					"origin and was not dropped\n", label, pipeline, k, st->pass,
					st->complete ? "" : ", partial", want.s[i]);
		}
		if (lost) {
			fprintf(stderr, "%s: %s: step %u lost %u name(s)\n", label, pipeline, k, lost);
			CHECK(0);
			break;
		}
	}
	free((void *)want.s);
	free((void *)have.s);
	nxw_session_free(s);
}

/* Every pass of the catalogue after infer-shapes, the default pipeline,
 * and the default pipeline followed by each lossy pass. */
static inline void prov_check_all(const char *label, const nx_graph *g, prov_tally *t)
{
	char pl[1024];
	for (int i = 0; nxp_passes[i]; i++) {
		snprintf(pl, sizeof pl, "infer-shapes,%s", nxp_passes[i]->name);
		prov_check(label, g, pl, false, t);
	}
	prov_check(label, g, "default", false, t);
	snprintf(pl, sizeof pl, "%s,to-fp16", nxp_default_pipeline);
	prov_check(label, g, pl, false, t);
	snprintf(pl, sizeof pl, "%s,quantize-int8", nxp_default_pipeline);
	prov_check(label, g, pl, false, t);
}
#endif
