/* program.c — the NE program of a history step (DESIGN.md §9): the step's
 * snapshot lowered by the back end on the session's current target, made
 * on first request and kept in the step, like the sim (analysis.c), and
 * lowered again when the target has been edited since. It is what the TUI's
 * Code view lists. A snapshot that plan-memory has placed is lowered with
 * its recorded plan (the program `nex codegen` gives for the same
 * pipeline); an earlier step has no recorded plan, nor fits a plan made
 * for a larger SRAM than the target's now, so it gets core's best fit, and
 * the program's .alloc directive says which. */
#include <stdlib.h>
#include <string.h>

#include "nxg.h"
#include "nxw.h"

struct nxw_program {
	nxg_prog *prog;          /* owned, or NULL (error says why) */
	nx_target lowered_on;
	char error[2048];
};

void nxw_program_free(struct nxw_program *pc)
{
	if (!pc)
		return;
	nxg_prog_free(pc->prog);
	free(pc);
}

/* Whether any op of g carries plan-memory's record. */
static bool planned(const nx_graph *g)
{
	for (uint32_t o = g->first; o != NX_NONE; o = g->ops[o].next)
		if (nx_attr_get(g, o, "arena"))
			return true;
	return false;
}

const nxg_prog *nxw_program(nxw_session *s, uint32_t k, nx_err *err)
{
	if (k >= s->n_steps) {
		nx_err_set(err, "no step %u (the history has %u)", k, s->n_steps);
		return NULL;
	}
	if (!s->target) {
		nx_err_set(err, "the session has no target: set one to generate its program");
		return NULL;
	}
	const nx_target *t = s->target;
	nxw_step *st = &s->steps[k];
	/* memcmp: nx_target is plain data copied by value (as analysis.c) */
	if (st->prog && !memcmp(&st->prog->lowered_on, t, sizeof *t)) {
		if (!st->prog->prog)
			nx_err_set(err, "%s", st->prog->error);
		return st->prog->prog;
	}
	nxw_program_free(st->prog);
	st->prog = nx_xcalloc(1, sizeof *st->prog); /* owned by the step */
	st->prog->lowered_on = *t;
	nxg_opts o = {.alloc = NXG_ALLOC_RECORDED};
	nxg_prog *p = NULL;
	/* a plan recorded for another SRAM size may not fit this one: then
	 * best fit on this target, which the .alloc directive shows */
	if (!planned(st->snap) || nxg_lower(st->snap, t, &o, &p, err)) {
		o.alloc = NXG_ALLOC_BESTFIT;
		if (nxg_lower(st->snap, t, &o, &p, err)) {
			snprintf(st->prog->error, sizeof st->prog->error, "%s", err->msg);
			return NULL;
		}
	}
	st->prog->prog = p;
	snprintf(p->model, sizeof p->model, "%s", nx_cstr(st->snap, st->snap->name));
	snprintf(p->pipeline, sizeof p->pipeline, "session step %u (%s)", k,
		 st->pass ? st->pass : "?");
	snprintf(p->target, sizeof p->target, "%s", t->name);
	return p;
}

uint32_t nxw_program_task_of(const nxg_prog *p, uint32_t op, uint32_t from)
{
	for (uint32_t k = from; k < p->n_tasks; k++)
		if (p->tasks[k].op == op)
			return k;
	return NX_NONE;
}
