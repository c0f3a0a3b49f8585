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
 *
 * The per-op working data is laid out by schedule position and filled in
 * one walk over the schedule (nxs_sim_new): the invariants, and the op's
 * activation operands and results (value and type ids, packed back to back
 * in schedule order), so that the later layers read arrays front to back
 * instead of chasing each op's operands through the graph's op, use and
 * value arrays (at 1M ops those no longer fit any cache). The per-position
 * arrays are one allocation, and the timeline keeps its slots between runs.
 *
 * Liveness and the planner are core's (liveness.c, memplan.c), shared with
 * the plan-memory pass. When every op carries a recorded plan (attrs arena
 * and spill, one int per result: plan-memory's), the placement follows it,
 * so that the sim costs what the pass decided; a recorded plan that does not
 * hold on the target being costed (a smaller sram, other sizes, ops moved
 * since) is set aside for the sim's own, and nxs_sim_plan_note says why.
 */
#include <stdlib.h>
#include <string.h>

#include "nxs.h"

/* An activation operand or result of an op: a value that is not a
 * constant, with its type id (sizes are by type). */
typedef struct act {
	uint32_t v;          /* value id, ACT_OUT set for a result */
	uint32_t type;
} act;
/* A value id never reaches 2^31: its value array alone would take 2^31
 * entries of tens of bytes. */
#define ACT_OUT 0x80000000u

struct nxs_sim {
	const nx_graph *g;
	nx_target t;
	bool have_t;
	unsigned redo;
	nx_live live;
	void *block;         /* inv, cost, flags, act_at: one allocation */
	nxs_opinv *inv;      /* by position */
	uint8_t *flags;      /* by position: NX_LIVE_VIEW, NX_LIVE_CPU */
	uint32_t *act_at;    /* by position, n + 1: the op's acts are acts[act_at[p] .. act_at[p + 1]) */
	act *acts; uint32_t n_acts, cap_acts;
	int64_t *tbytes;     /* by type id: bytes as stored */
	int64_t *talloc;     /* by type id: bytes allocated */
	nxs_cost *cost;      /* by position */
	nx_memplan mp;
	nxs_timeline tl;
	/* the graph's recorded plan, by value id (NULL if some op has none) */
	int64_t *rec_off;
	uint8_t *rec_spill;
	char plan_note[512];
};

static int type_known(const nx_graph *g, uint32_t v)
{
	return g->vals[v].type != 0 && nx_vtype(g, v)->dtype < NX_DTYPE_COUNT;
}

/* The recorded plan: attrs arena and spill (one int per result) on every
 * live op, else none (with a note if only some ops carry one). */
static void read_recorded(nxs_sim *s)
{
	const nx_graph *g = s->g;
	uint32_t with = 0, bad = NX_NONE;
	for (uint32_t p = 0; p < s->live.n_pos; p++) {
		uint32_t o = s->live.op_at[p], na, ns;
		nx_attr_ints(g, o, "arena", &na);
		nx_attr_ints(g, o, "spill", &ns);
		if (na && ns == na && na == nx_opp(g, o)->n_out)
			with++;
		else if (bad == NX_NONE)
			bad = o;
	}
	if (!with)
		return;
	if (bad != NX_NONE) {
		snprintf(s->plan_note, sizeof s->plan_note, "recorded plan set aside: op %%%s (%s) "
			 "has no arena/spill entry per result (changed after plan-memory?)",
			 nx_opp(g, bad)->n_out ? nx_vname(g, nx_result(g, bad, 0)) : "?",
			 nx_op_name(g, bad));
		return;
	}
	size_t nv = g->n_vals ? g->n_vals : 1;
	s->rec_off = nx_xmalloc(nv * sizeof *s->rec_off);
	s->rec_spill = nx_xcalloc(nv, 1);
	for (uint32_t p = 0; p < s->live.n_pos; p++) {
		uint32_t o = s->live.op_at[p], n;
		const int64_t *a = nx_attr_ints(g, o, "arena", &n);
		for (uint32_t i = 0; i < n; i++)
			s->rec_off[nx_result(g, o, i)] = a[i];
		a = nx_attr_ints(g, o, "spill", &n);
		for (uint32_t i = 0; i < n; i++)
			s->rec_spill[nx_result(g, o, i)] = a[i] != 0;
	}
}

nxs_sim *nxs_sim_new(const nx_graph *g, nx_err *err)
{
	for (uint32_t i = 0; i < g->n_inputs; i++)
		if (!type_known(g, g->inputs[i])) {
			nx_err_set(err, "graph input %%%s has no type", nx_vname(g, g->inputs[i]));
			return NULL;
		}
	nxs_sim *s = nx_xcalloc(1, sizeof *s);
	s->g = g;
	nx_live_positions(g, NULL, 0, &s->live);
	uint32_t n = s->live.n_pos;
	/* Every entry is written before it is read (prep here, costs and sizes
	 * in the first run): no need to zero 100k-op arrays. The arrays by
	 * position share one block, each aligned for its type. */
	size_t m = n ? n : 1;
	size_t o_cost = m * sizeof *s->inv, o_act = o_cost + m * sizeof *s->cost;
	size_t o_flags = o_act + (m + 1) * sizeof *s->act_at;
	s->block = nx_xmalloc(o_flags + m);
	s->inv = s->block;
	s->cost = (nxs_cost *)((char *)s->block + o_cost);
	s->act_at = (uint32_t *)((char *)s->block + o_act);
	s->flags = (uint8_t *)s->block + o_flags;
	int64_t *plain = nx_xmalloc((size_t)(g->n_types ? g->n_types : 1) * sizeof *plain);
	for (uint32_t k = 0; k < g->n_types; k++)
		plain[k] = k ? nx_type_bytes(nx_type_at(g, k)) : 0;
	/* operands are use slots and results values: room for every act, so
	 * the array is filled once and never copied (pages past the end of
	 * what is used are never touched) */
	s->cap_acts = g->n_uses + g->n_vals + 1;
	s->acts = nx_xmalloc((size_t)s->cap_acts * sizeof *s->acts);
	for (uint32_t p = 0; p < n; p++) {
		uint32_t o = s->live.op_at[p];
		const nx_op *op = nx_opp(g, o);
		s->act_at[p] = s->n_acts;
		for (uint32_t i = 0; i < op->n_in + op->n_out; i++) {
			uint32_t v = i < op->n_in ? nx_operand(g, o, i) : nx_result(g, o, i - op->n_in);
			if (v == NX_NONE)
				continue;
			if (!type_known(g, v)) {
				const char *res = op->n_out ? nx_vname(g, nx_result(g, o, 0)) : "?";
				nx_err_set(err, "op %%%s (%s): the type of %%%s is not known (run shape "
					   "inference first)", res, nx_op_name(g, o), nx_vname(g, v));
				nxs_sim_free(s);
				free(plain);
				return NULL;
			}
			if (nx_is_const(g, v))
				continue;
			if (v & ACT_OUT)
				nx_die("sim: value id %u past 2^31", v);
			nx_grow((void **)&s->acts, &s->cap_acts, s->n_acts + 1, sizeof *s->acts);
			s->acts[s->n_acts++] = (act){v | (i >= op->n_in ? ACT_OUT : 0),
						     g->vals[v].type};
		}
		nxs_prep_op(g, o, plain, &s->inv[p]);
	}
	s->act_at[n] = s->n_acts;
	free(plain);
	read_recorded(s);
	s->tbytes = nx_xmalloc((size_t)(g->n_types ? g->n_types : 1) * sizeof *s->tbytes);
	s->talloc = nx_xmalloc((size_t)(g->n_types ? g->n_types : 1) * sizeof *s->talloc);
	return s;
}

void nxs_sim_free(nxs_sim *s)
{
	if (!s)
		return;
	nx_live_free(&s->live);
	nx_memplan_free(&s->mp);
	nxs_timeline_free(&s->tl);
	free(s->block);
	free(s->acts);
	free(s->rec_off);
	free(s->rec_spill);
	free(s->tbytes);
	free(s->talloc);
	free(s);
}

/* SRAM/DRAM placement: the recorded plan if there is one and it holds on t,
 * else the sim's own. */
static void do_place(nxs_sim *s, const nx_target *t)
{
	nx_live *l = &s->live;
	if (s->rec_off) {
		size_t nn = l->n_bufs ? l->n_bufs : 1;
		uint8_t *spill = nx_xmalloc(nn);
		int64_t *off = nx_xmalloc(nn * sizeof *off);
		for (uint32_t b = 0; b < l->n_bufs; b++) {
			uint32_t v = l->bufs[b].value;
			bool rec = s->g->vals[v].producer != NX_NONE;
			spill[b] = rec ? s->rec_spill[v] : 1; /* graph inputs: DRAM */
			off[b] = rec ? s->rec_off[v] : -1;
		}
		nx_err err;
		int rc = nx_memplan_apply(s->g, l, t, spill, off, &s->mp, &err);
		free(spill);
		free(off);
		if (rc == 0) {
			s->plan_note[0] = 0;
			return;
		}
		snprintf(s->plan_note, sizeof s->plan_note, "recorded plan set aside on %s: %.440s",
			 t->name, err.msg);
	}
	nx_memplan_place(l, t, &s->mp);
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
	/* Types are interned: size each distinct type once; values look their
	 * size up by type id. */
	bool bad = false;
	for (uint32_t k = 0; k < g->n_types; k++) {
		const nx_type *ty = nx_type_at(g, k);
		bool known = k != 0 && ty->dtype < NX_DTYPE_COUNT;
		s->tbytes[k] = known ? nx_target_type_bytes(ty, t) : 0;
		s->talloc[k] = known ? nx_target_alloc_bytes(ty, t) : 0;
		bad |= s->tbytes[k] < 0 || s->talloc[k] < 0;
	}
	if (bad)
		for (uint32_t v = 0; v < g->n_vals; v++) {
			uint32_t k = g->vals[v].type;
			if (!(g->vals[v].flags & NX_V_DEAD) && (s->tbytes[k] < 0 || s->talloc[k] < 0)) {
				nx_err_set(err, "value %%%s: its size in bytes overflows", nx_vname(g, v));
				return -1;
			}
		}
	for (uint32_t p = 0; p < s->live.n_pos; p++)
		s->inv[p].view = (uint8_t)nx_target_op_is_view(g, s->inv[p].op, t);
	return 0;
}

static void do_support(nxs_sim *s, const nx_target *t)
{
	for (uint32_t p = 0; p < s->live.n_pos; p++) {
		nxs_opinv *iv = &s->inv[p];
		iv->cpu = iv->device_cpu || !nx_limits_ok(iv->kind, &iv->lim, t, NULL, 0);
	}
}

/* Each op's activation bytes by the level its buffers got. */
static void do_split(nxs_sim *s)
{
	const nx_live *l = &s->live;
	for (uint32_t p = 0; p < l->n_pos; p++) {
		nxs_opinv *iv = &s->inv[p];
		double io[2][2] = {{0, 0}, {0, 0}}; /* [out][dram] */
		for (uint32_t a = s->act_at[p]; a < s->act_at[p + 1]; a++) {
			const act *x = &s->acts[a];
			uint32_t b = l->buf_of[x->v & ~ACT_OUT];
			bool dram = b == NX_NONE || l->bufs[b].level == NX_DRAM;
			io[(x->v & ACT_OUT) != 0][dram] += (double)s->tbytes[x->type];
		}
		iv->in_sram = io[0][0];
		iv->in_dram = io[0][1];
		iv->out_sram = io[1][0];
		iv->out_dram = io[1][1];
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
	if (sizes) {
		if (do_sizes(s, t, err)) {
			s->have_t = false;
			return -1;
		}
		s->redo |= NXS_REDO_SIZES;
	}
	if (support) {
		do_support(s, t);
		s->redo |= NXS_REDO_SUPPORT;
	}
	if (plan) {
		for (uint32_t p = 0; p < s->live.n_pos; p++)
			s->flags[p] = (uint8_t)((s->inv[p].view ? NX_LIVE_VIEW : 0) |
						(s->inv[p].cpu ? NX_LIVE_CPU : 0));
		nx_live_build(s->g, s->flags, s->talloc, &s->live);
		nx_memplan_arena(&s->live, t, &s->mp);
	}
	if (place) {
		do_place(s, t);
		do_split(s);
		s->redo |= NXS_REDO_PLAN;
	}
	for (uint32_t p = 0; p < s->live.n_pos; p++)
		nxs_cost_op(&s->inv[p], t, &s->cost[p]);
	nxs_timeline_run(s->cost, s->live.n_pos, t, &s->tl);
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
const nx_memplan *nxs_sim_memplan(const nxs_sim *s) { return &s->mp; }
const nx_live *nxs_sim_live(const nxs_sim *s) { return &s->live; }
const char *nxs_sim_plan_note(const nxs_sim *s) { return s->plan_note; }
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
	nx_limits_ok(nx_opp(s->g, op)->kind, &iv->lim, &s->t, buf, n);
}
