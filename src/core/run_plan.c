/* run_plan.c — what nx_run works out once per graph rather than once per
 * run: the memory check (nx_mem_need, and OpenBLAS's work buffers for the
 * run's threads, against what the machine and the process limits allow,
 * which reads /proc and costs some tens of
 * microseconds, a tenth of a small model's run) and how many operand slots
 * read each value, from which a run knows when a buffer is dead, and which
 * element-wise steps run inside their producer (run_fuse.c). A caller
 * that runs one graph many times (`nex run --repeat`) makes the plan once
 * and hands it to every run in nx_run_opts.plan; nx_run without one makes
 * its own for the run. A plan describes the graph as it was made: it
 * keeps the graph's op and value counts and nx_run refuses a plan whose
 * graph or keep differs, but an edit that keeps both counts is not seen,
 * so a caller that edits the graph makes a new plan. */
#include <stdlib.h>

#include "run_fuse.h"

nx_run_plan *nx_run_plan_new(const nx_graph *g, bool keep, int threads, nx_err *err)
{
	threads = nx_run_threads(&(nx_run_opts){.threads = threads});
	nx_mem_estimate m;
	nx_mem_need(g, keep, &m);
	if (nx_mem_fits_lazy("running the model", &m, m.run_peak, "of activations at the peak",
			     err) ||
	    nx_blas_fits(g, threads, m.lazy_weights + m.run_peak, err))
		return NULL;
	nx_run_plan *p = nx_xcalloc(1, sizeof *p); /* caller frees with nx_run_plan_free */
	p->g = g;
	p->threads = threads;
	p->n_ops = g->n_ops;
	p->n_vals = g->n_vals;
	p->keep = keep;
	p->uses = nx_xcalloc(g->n_vals ? g->n_vals : 1, sizeof *p->uses);
	p->max_in = p->max_out = 1;
	NX_FOR_OPS(g, op) {
		const nx_op *o = nx_opp(g, op);
		for (uint32_t i = 0; i < o->n_in; i++) {
			uint32_t v = nx_operand(g, op, i);
			if (v != NX_NONE)
				p->uses[v]++;
		}
		if (o->n_in > p->max_in)
			p->max_in = o->n_in;
		if (o->n_out > p->max_out)
			p->max_out = o->n_out;
	}
	/* a run that keeps every value must see each as its op makes it */
	if (!keep)
		p->fuse = nx_fuse_new(g, p->uses);
	return p;
}

int nx_run_plan_for(const nx_run_plan *p, const nx_graph *g, bool keep, int threads,
		    nx_err *err)
{
	if (p->g != g || p->n_ops != g->n_ops || p->n_vals != g->n_vals) {
		nx_err_set(err, "the run plan was made for another graph, or before this one "
			   "changed: make a new one with nx_run_plan_new");
		return -1;
	}
	if (p->keep != keep) {
		nx_err_set(err, "the run plan was made with keep %s, the run asks for keep %s",
			   p->keep ? "on" : "off", keep ? "on" : "off");
		return -1;
	}
	if (threads > p->threads) {
		nx_err_set(err, "the run plan was made for %d thread%s, the run asks for %d",
			   p->threads, p->threads == 1 ? "" : "s", threads);
		return -1;
	}
	return 0;
}

uint32_t nx_run_plan_fused_into(const nx_run_plan *p, uint32_t op)
{
	return p->fuse && op < p->n_ops ? p->fuse->into[op] : NX_NONE;
}

void nx_run_plan_free(nx_run_plan *p)
{
	if (!p)
		return;
	free(p->uses);
	nx_fuse_free(p->fuse);
	free(p);
}
