/* nxs.h — the NE model (src/sim): per-op cycles and energy, the timeline
 * over the schedule, the memory plan of each snapshot, and their exports.
 * The sim reads the graph only through nx.h and the target (nx_target,
 * which lives in core because passes read it too); it knows nothing above
 * core. What the passes decide with lives in core too, so that a pass and
 * the sim agree: bytes per layout (target_layout.c), NE support
 * (target_support.c), liveness and the memory planner (liveness.c,
 * memplan.c).
 *
 * Use: s = nxs_sim_new(g) once per graph snapshot, nxs_sim_run(s, target)
 * as often as the target changes (it keeps what does not depend on the
 * changed fields: per-op MACs, GEMM shapes, limits; sizes and the memory plan
 * are redone only when layout, SRAM or placement fields change), then read
 * nxs_sim_costs / _timeline / _memplan. The graph must not change while a sim
 * built on it lives (snapshots are immutable; clone before editing).
 *
 * Units: cycles of the NE clock (CPU fallback time is converted to them),
 * bytes, picojoules. docs/ne-model.md has every formula with its source.
 */
#ifndef NXS_H
#define NXS_H

#include "nx.h"

/* ---- systolic.c: the MAC array (SCALE-Sim v2's compute model) ------------ */
typedef struct nxs_systolic {
	int64_t rows, cols;          /* array */
	int64_t sr, sc, t;           /* SCALE-Sim's S_R, S_C, T for the dataflow */
	int64_t row_folds, col_folds;
	double cycles;               /* compute cycles as SCALE-Sim v2 counts them */
	double mapping_eff;          /* mapped PEs / array, mean over folds */
	double util;                 /* MACs / (cycles x rows x cols) */
	int64_t ifmap_reads, filter_reads, ofmap_writes; /* SRAM accesses, elements */
} nxs_systolic;
/* One conv-as-GEMM on one rows x cols array: n_ofmap output pixels, window =
 * R x S x C/groups, filters = output channels (per group). */
void nxs_systolic_gemm(int dataflow, int64_t rows, int64_t cols, int64_t n_ofmap,
		       int64_t window, int64_t filters, nxs_systolic *out);
/* batch independent GEMMs of that shape on the target's cores, output pixels
 * split p ways (p divides cores, the cheapest p is taken). Returns cycles of
 * the busiest core; *mapping gets the mapping efficiency (may be NULL). */
double nxs_array_cycles(const nx_target *t, int dtype, int64_t batch, int64_t n_ofmap,
			int64_t window, int64_t filters, double *mapping);

/* ---- cost.c (+ cost_*.c): per-op cost ------------------------------------ */
typedef enum nxs_bound {
	NXS_BOUND_FREE,      /* no work: views, shape queries */
	NXS_BOUND_COMPUTE, NXS_BOUND_MEMORY, NXS_BOUND_OVERHEAD, NXS_BOUND_FALLBACK,
	NXS_BOUND_COUNT
} nxs_bound;
const char *nxs_bound_name(int b);

typedef enum nxs_family {
	NXS_FAM_FREE, NXS_FAM_CONV, NXS_FAM_MATMUL, NXS_FAM_ELEM, NXS_FAM_POOL,
	NXS_FAM_NORM, NXS_FAM_MOVE, NXS_FAM_OTHER, NXS_FAM_COUNT
} nxs_family;
int nxs_family_of(int kind);

/* Per-op invariants: what the graph alone decides (computed once per sim),
 * then the per-level byte split that the memory plan decides. */
typedef struct nxs_opinv {
	uint32_t op;
	uint8_t family;              /* nxs_family */
	uint8_t dtype;               /* compute dtype (first operand's) */
	uint8_t device_cpu;          /* attr device = "cpu" */
	uint8_t view;                /* a pure view on the current target */
	uint8_t cpu;                 /* runs on the CPU on the current target */
	int64_t n_ofmap, window, filters, batch; /* MAC ops as GEMMs */
	double macs;                 /* multiply-accumulates */
	double elem_ops;             /* element operations (vector unit or CPU) */
	double weight_bytes;         /* constant operands, as stored */
	float passes;                /* sweeps over the data (vector ops) */
	float nt_sp, nt_c;           /* tiles over spatial/rows and channels (attr tile) */
	float nt_pix;                /* of nt_sp, the tiles that cut the streamed rows */
	float halo;                  /* input re-read factor from tile halos */
	double in_sram, in_dram;     /* activation operand bytes, by where the memory
				      * plan put them */
	double out_sram, out_dram;   /* result bytes, likewise */
	nx_limits lim;               /* what it needs from the hardware */
} nxs_opinv;

typedef struct nxs_cost {
	uint32_t op;
	uint8_t bound;               /* nxs_bound */
	uint8_t cpu;                 /* ran as CPU fallback */
	uint8_t dtype;
	double macs, elem_ops;
	double sram_bytes;           /* on-chip traffic */
	double dram_bytes;           /* DRAM traffic, weights included */
	double weight_bytes;         /* DRAM bytes that are weights (re-reads included) */
	double prefetch_bytes;       /* weights the timeline may fetch during the previous op */
	double compute_cycles, memory_cycles, dram_cycles, overhead_cycles, cycles;
	double mapping;              /* array mapping efficiency (MAC ops) */
	double util;                 /* MACs / (cycles x peak MACs per cycle) */
	double e_mac, e_sram, e_dram, e_static, e_cpu; /* pJ */
} nxs_cost;

/* Fills inv from the graph (target-independent parts). plain, if not NULL,
 * is the packed byte size by type id (a cache for weight sizes). */
void nxs_prep_op(const nx_graph *g, uint32_t op, const int64_t *plain, nxs_opinv *inv);
/* The cost of one op from its invariants on target t. */
void nxs_cost_op(const nxs_opinv *inv, const nx_target *t, nxs_cost *c);
/* Family parts: prep fills geometry and work, cost fills the compute term
 * and the traffic (sram_bytes, dram_bytes, weight_bytes, prefetch_bytes);
 * cost.c adds overhead, bound and energy. */
void nxs_prep_conv(const nx_graph *g, uint32_t op, nxs_opinv *inv);
void nxs_cost_conv(const nxs_opinv *inv, const nx_target *t, nxs_cost *c);
void nxs_prep_matmul(const nx_graph *g, uint32_t op, nxs_opinv *inv);
void nxs_cost_matmul(const nxs_opinv *inv, const nx_target *t, nxs_cost *c);
void nxs_prep_elem(const nx_graph *g, uint32_t op, nxs_opinv *inv);
void nxs_cost_elem(const nxs_opinv *inv, const nx_target *t, nxs_cost *c);
void nxs_prep_pool(const nx_graph *g, uint32_t op, nxs_opinv *inv);
void nxs_cost_pool(const nxs_opinv *inv, const nx_target *t, nxs_cost *c);
void nxs_prep_norm(const nx_graph *g, uint32_t op, nxs_opinv *inv);
void nxs_cost_norm(const nxs_opinv *inv, const nx_target *t, nxs_cost *c);
void nxs_prep_move(const nx_graph *g, uint32_t op, nxs_opinv *inv);
void nxs_prep_rnn(const nx_graph *g, uint32_t op, nxs_opinv *inv);  /* cost_rnn.c */
void nxs_cost_move(const nxs_opinv *inv, const nx_target *t, nxs_cost *c);
void nxs_cost_cpu(const nxs_opinv *inv, const nx_target *t, nxs_cost *c);
/* Tiles the op's `tile` attribute makes along result dim d (1 if none). */
double nxs_tiles_dim(const nx_graph *g, uint32_t op, int d);
/* Shared by the families: a MAC op's traffic (weights chunked through kmem,
 * inputs re-read per chunk or weights per input slice, whichever moves fewer
 * DRAM bytes; or as the tile attribute says). */
void nxs_mac_traffic(const nxs_opinv *inv, const nx_target *t, nxs_cost *c);
/* Vector-unit ops: passes over the data where it lives. */
void nxs_vec_traffic(const nxs_opinv *inv, const nx_target *t, double sram_passes,
		     nxs_cost *c);

/* ---- timeline.c: the schedule on the NE, its DMA and the CPU -------------- */
typedef struct nxs_slot {
	double start, end;        /* cycles */
	double stall;             /* waiting for the weight DMA */
	double dma_start, dma_end;/* this op's weight prefetch (equal if none) */
	double launch;            /* program dispatch just before this op */
} nxs_slot;
typedef struct nxs_timeline {
	nxs_slot *slots;          /* by schedule position */
	uint32_t n;
	double cycles, seconds;   /* latency */
	double energy, e_mac, e_sram, e_dram, e_static, e_cpu; /* pJ */
	double power;             /* W, average */
	double util;              /* MACs / (latency x peak) */
	double macs, dram_bytes, sram_bytes, weight_bytes;
	double stall_cycles, launch_cycles, cpu_cycles;
	uint32_t launches;
	uint32_t n_bound[NXS_BOUND_COUNT];
} nxs_timeline;
void nxs_timeline_run(const nxs_cost *c, uint32_t n, const nx_target *t, nxs_timeline *tl);
void nxs_timeline_free(nxs_timeline *tl);

/* ---- sim.c: the cached model of one graph --------------------------------- */
typedef struct nxs_sim nxs_sim;
/* Reads g (types must be known: NULL + err naming the op otherwise). The
 * sim keeps a pointer to g, which must outlive it unchanged. Caller frees
 * with nxs_sim_free. */
nxs_sim *nxs_sim_new(const nx_graph *g, nx_err *err);
/* Costs, plans and times g on t, redoing only what t's changes affect. */
int nxs_sim_run(nxs_sim *s, const nx_target *t, nx_err *err);
void nxs_sim_free(nxs_sim *s);
const nx_graph *nxs_sim_graph(const nxs_sim *s);
const nx_target *nxs_sim_target(const nxs_sim *s);
uint32_t nxs_sim_count(const nxs_sim *s);             /* ops in schedule order */
const nxs_cost *nxs_sim_costs(const nxs_sim *s);      /* by schedule position */
const nxs_opinv *nxs_sim_invariants(const nxs_sim *s);
const nxs_timeline *nxs_sim_timeline(const nxs_sim *s);
const nx_memplan *nxs_sim_memplan(const nxs_sim *s);
const nx_live *nxs_sim_live(const nxs_sim *s);
/* Where the placement came from: mp->recorded says the graph's recorded
 * plan (plan-memory's attrs arena, spill) was followed. "" unless a recorded
 * plan exists and was set aside; then why (it does not hold on this target,
 * or some op lacks it). */
const char *nxs_sim_plan_note(const nxs_sim *s);
/* Why op runs on the CPU on the current target ("" if it does not). */
void nxs_sim_cpu_reason(const nxs_sim *s, uint32_t op, char *buf, size_t n);
/* What the last run redid, for tests and benchmarks: bits NXS_REDO_*. */
enum { NXS_REDO_SIZES = 1, NXS_REDO_SUPPORT = 2, NXS_REDO_PLAN = 4, NXS_REDO_COST = 8 };
unsigned nxs_sim_last_redo(const nxs_sim *s);

/* ---- export_*.c ---------------------------------------------------------- */
/* One row per op in schedule order. */
int nxs_export_csv(const nxs_sim *s, FILE *f);
/* Totals, memory plan, target and per-op rows; caller frees. */
char *nxs_export_json(const nxs_sim *s);
/* Chrome trace-event JSON (Perfetto opens it): NE, DMA and CPU tracks,
 * counters of live SRAM and DRAM bytes; caller frees. */
char *nxs_export_trace(const nxs_sim *s);

/* ---- program_cost.c: a back-end program on the NE model ----------------- */
/* NE, DMA and CPU as engines running concurrently under the program's
 * events, each task timed from s's per-op costs (s has run on the target the
 * program was lowered for). */
struct nxg_prog;
typedef struct nxs_prog_time {
	double *start, *end;      /* cycles, by task */
	uint32_t n;
	double cycles;            /* the program's latency */
	double busy[3];           /* cycles each engine works: ne, dma, cpu */
} nxs_prog_time;
int nxs_prog_cost(nxs_sim *s, const struct nxg_prog *p, nxs_prog_time *pt, nx_err *err);
void nxs_prog_time_free(nxs_prog_time *pt);
/* Chrome trace-event JSON, one track per engine; caller frees. */
char *nxs_prog_trace(const nxs_sim *s, const struct nxg_prog *p, const nxs_prog_time *pt);
/* export_trace_prog.c: nxs_export_trace's timeline (process 1) and the
 * program's engine tracks (process 2) in one trace; caller frees. */
char *nxs_export_trace_prog(const nxs_sim *s, const struct nxg_prog *p,
			    const nxs_prog_time *pt);

#endif
