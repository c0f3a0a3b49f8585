/* sim.c — the NE model of one graph, cached so that a target change redoes
 * only what it affects (the TUI re-costs live while a field is edited).
 *
 * Four layers, each recomputed only when its inputs changed:
 *   invariants  per op, from the graph alone (nxs_prep_op): MACs, GEMM
 *               shapes, element ops, tiles, field-limit needs. Once per sim.
 *   sizes       per value: bytes as stored and as allocated; which ops are
 *               views. Redone when align or buf_gran change.
 *   support     per op: NE or CPU. Redone when cpu_ops or a limit changes.
 *   plan        buffers, live ranges, offsets, SRAM/DRAM placement, and each
 *               op's bytes per level. Redone when any of the above or sram
 *               changes.
 * Costs and the timeline are arithmetic over those and always redone.
 */
#include <stdlib.h>
#include <string.h>

#include "nxs.h"

struct nxs_sim {
	const nx_graph *g;
	nx_target t;
	bool have_t;
	unsigned redo;
	nxs_live live;
	nxs_opinv *inv;      /* by position */
	int64_t *vbytes;     /* by value id: bytes as stored */
	int64_t *valloc;     /* by value id: bytes allocated */
	nxs_cost *cost;      /* by position */
	nxs_memplan mp;
	nxs_timeline tl;
};

static int type_known(const nx_graph *g, uint32_t v)
{
	return g->vals[v].type != 0 && nx_vtype(g, v)->dtype < NX_DTYPE_COUNT;
}

nxs_sim *nxs_sim_new(const nx_graph *g, nx_err *err)
{
	NX_FOR_OPS(g, o) {
		const nx_op *p = nx_opp(g, o);
		for (uint32_t i = 0; i < p->n_in + p->n_out; i++) {
			uint32_t v = i < p->n_in ? nx_operand(g, o, i) : nx_result(g, o, i - p->n_in);
			if (v == NX_NONE || type_known(g, v))
				continue;
			const char *res = p->n_out ? nx_vname(g, nx_result(g, o, 0)) : "?";
			nx_err_set(err, "op %%%s (%s): the type of %%%s is not known (run shape "
				   "inference first)", res, nx_op_name(g, o), nx_vname(g, v));
			return NULL;
		}
	}
	for (uint32_t i = 0; i < g->n_inputs; i++)
		if (!type_known(g, g->inputs[i])) {
			nx_err_set(err, "graph input %%%s has no type", nx_vname(g, g->inputs[i]));
			return NULL;
		}
	nxs_sim *s = nx_xcalloc(1, sizeof *s);
	s->g = g;
	nxs_live_positions(g, &s->live);
	uint32_t n = s->live.n_pos;
	s->inv = nx_xcalloc(n ? n : 1, sizeof *s->inv);
	s->cost = nx_xcalloc(n ? n : 1, sizeof *s->cost);
	for (uint32_t p = 0; p < n; p++)
		nxs_prep_op(g, s->live.op_at[p], &s->inv[p]);
	s->vbytes = nx_xcalloc(g->n_vals ? g->n_vals : 1, sizeof *s->vbytes);
	s->valloc = nx_xcalloc(g->n_vals ? g->n_vals : 1, sizeof *s->valloc);
	return s;
}

void nxs_sim_free(nxs_sim *s)
{
	if (!s)
		return;
	nxs_live_free(&s->live);
	nxs_memplan_free(&s->mp);
	nxs_timeline_free(&s->tl);
	free(s->inv);
	free(s->vbytes);
	free(s->valloc);
	free(s->cost);
	free(s);
}

static bool same_sizes(const nx_target *a, const nx_target *b)
{
	return a->align == b->align && a->buf_gran == b->buf_gran;
}

static bool same_support(const nx_target *a, const nx_target *b)
{
	return !memcmp(a->cpu_ops, b->cpu_ops, sizeof a->cpu_ops) &&
	       a->max_kernel == b->max_kernel && a->max_pad == b->max_pad &&
	       a->max_groups == b->max_groups && a->max_hw == b->max_hw && a->max_c == b->max_c &&
	       a->max_pool_kernel == b->max_pool_kernel &&
	       a->max_pool_stride == b->max_pool_stride && a->max_upsample == b->max_upsample &&
	       a->max_rank == b->max_rank;
}

static int do_sizes(nxs_sim *s, const nx_target *t, nx_err *err)
{
	const nx_graph *g = s->g;
	for (uint32_t v = 0; v < g->n_vals; v++) {
		s->vbytes[v] = s->valloc[v] = 0;
		if ((g->vals[v].flags & NX_V_DEAD) || !type_known(g, v))
			continue;
		s->vbytes[v] = nxs_type_bytes(nx_vtype(g, v), t);
		s->valloc[v] = nxs_alloc_bytes(nx_vtype(g, v), t);
		if (s->vbytes[v] < 0 || s->valloc[v] < 0) {
			nx_err_set(err, "value %%%s: its size in bytes overflows", nx_vname(g, v));
			return -1;
		}
	}
	for (uint32_t p = 0; p < s->live.n_pos; p++) {
		nxs_opinv *iv = &s->inv[p];
		uint32_t o = iv->op;
		const nx_op *op = nx_opp(g, o);
		iv->view = (uint8_t)nxs_op_is_view(g, o, t);
		iv->in_bytes = iv->out_bytes = 0;
		for (uint32_t i = 0; i < op->n_in; i++) {
			uint32_t v = nx_operand(g, o, i);
			if (v != NX_NONE && !nx_is_const(g, v))
				iv->in_bytes += (double)s->vbytes[v];
		}
		for (uint32_t i = 0; i < op->n_out; i++)
			iv->out_bytes += (double)s->vbytes[nx_result(g, o, i)];
	}
	return 0;
}

static void do_support(nxs_sim *s, const nx_target *t)
{
	for (uint32_t p = 0; p < s->live.n_pos; p++) {
		nxs_opinv *iv = &s->inv[p];
		int kind = nx_opp(s->g, iv->op)->kind;
		iv->cpu = iv->device_cpu || !nxs_limits_ok(kind, &iv->lim, t, NULL, 0);
	}
}

/* Each op's activation bytes by the level its buffers got. */
static void do_split(nxs_sim *s)
{
	const nx_graph *g = s->g;
	const nxs_live *l = &s->live;
	for (uint32_t p = 0; p < l->n_pos; p++) {
		nxs_opinv *iv = &s->inv[p];
		uint32_t o = iv->op;
		const nx_op *op = nx_opp(g, o);
		iv->in_sram = iv->in_dram = iv->out_sram = iv->out_dram = 0;
		for (uint32_t i = 0; i < op->n_in + op->n_out; i++) {
			bool in = i < op->n_in;
			uint32_t v = in ? nx_operand(g, o, i) : nx_result(g, o, i - op->n_in);
			if (v == NX_NONE || nx_is_const(g, v))
				continue;
			uint32_t b = l->buf_of[v];
			bool dram = b == NX_NONE || l->bufs[b].level == NXS_DRAM;
			double bytes = (double)s->vbytes[v];
			if (in)
				*(dram ? &iv->in_dram : &iv->in_sram) += bytes;
			else
				*(dram ? &iv->out_dram : &iv->out_sram) += bytes;
		}
	}
}

int nxs_sim_run(nxs_sim *s, const nx_target *t, nx_err *err)
{
	if (nx_target_validate(t, err))
		return -1;
	bool first = !s->have_t;
	bool sizes = first || !same_sizes(&s->t, t);
	bool support = first || !same_support(&s->t, t);
	bool plan = sizes || support;
	bool place = plan || s->t.sram != t->sram;
	s->redo = NXS_REDO_COST;
	double T0 = nx_now();
	if (sizes) {
		if (do_sizes(s, t, err)) {
			s->have_t = false;
			return -1;
		}
		s->redo |= NXS_REDO_SIZES;
	}
	double T1 = nx_now();
	if (support) {
		do_support(s, t);
		s->redo |= NXS_REDO_SUPPORT;
	}
	double T2 = nx_now();
	if (plan) {
		nxs_live_build(s->g, s->inv, s->valloc, &s->live);
	}
	double T3 = nx_now();
	if (plan)
		nxs_memplan_arena(&s->live, t, &s->mp);
	double T4 = nx_now();
	if (place) {
		nxs_memplan_place(&s->live, t, &s->mp);
		do_split(s);
		s->redo |= NXS_REDO_PLAN;
	}
	double T5 = nx_now();
	for (uint32_t p = 0; p < s->live.n_pos; p++)
		nxs_cost_op(&s->inv[p], t, &s->cost[p]);
	double T6 = nx_now();
	nxs_timeline_run(s->cost, s->live.n_pos, t, &s->tl);
	double T7 = nx_now();
	fprintf(stderr, "sizes %.2f support %.2f live %.2f arena %.2f place %.2f cost %.2f tl %.2f\n", (T1-T0)*1e3, (T2-T1)*1e3, (T3-T2)*1e3, (T4-T3)*1e3, (T5-T4)*1e3, (T6-T5)*1e3, (T7-T6)*1e3);
	s->t = *t;
	s->have_t = true;
	return 0;
}

const nx_graph *nxs_sim_graph(const nxs_sim *s) { return s->g; }
const nx_target *nxs_sim_target(const nxs_sim *s) { return &s->t; }
uint32_t nxs_sim_count(const nxs_sim *s) { return s->live.n_pos; }
const nxs_cost *nxs_sim_costs(const nxs_sim *s) { return s->cost; }
const nxs_opinv *nxs_sim_invariants(const nxs_sim *s) { return s->inv; }
const nxs_timeline *nxs_sim_timeline(const nxs_sim *s) { return &s->tl; }
const nxs_memplan *nxs_sim_memplan(const nxs_sim *s) { return &s->mp; }
const nxs_live *nxs_sim_live(const nxs_sim *s) { return &s->live; }
unsigned nxs_sim_last_redo(const nxs_sim *s) { return s->redo; }

void nxs_sim_cpu_reason(const nxs_sim *s, uint32_t op, char *buf, size_t n)
{
	if (!n)
		return;
	buf[0] = 0;
	if (op >= s->g->n_ops || s->live.pos_of[op] == UINT32_MAX)
		return;
	const nxs_opinv *iv = &s->inv[s->live.pos_of[op]];
	if (!iv->cpu)
		return;
	if (iv->device_cpu) {
		const char *why = nx_attr_s(s->g, op, "device_reason", NULL);
		snprintf(buf, n, "placed on the CPU%s%s", why ? ": " : "", why ? why : "");
		return;
	}
	nxs_limits_ok(nx_opp(s->g, op)->kind, &iv->lim, &s->t, buf, n);
}
