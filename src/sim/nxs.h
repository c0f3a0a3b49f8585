/* nxs.h — the NE model (src/sim): per-op cycles and energy, the timeline
 * over the schedule, liveness and the memory plan, and their exports. The
 * sim reads the graph only through nx.h and the target (nx_target, which
 * lives in core because passes read it too); it knows nothing above core.
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

/* ---- layout.c: bytes of a tensor as the target stores it ----------------- */
/* The (B,C,H,W) view the NE works on: rank < 4 gets leading ones, rank > 4
 * folds the leading dims into B. */
typedef struct nxs_bchw {
	int64_t b, c, h, w;
} nxs_bchw;
nxs_bchw nxs_bchw_of(const nx_type *t);
/* Bytes in memory: plain and nhwc packed; ne = B x C x plane stride with
 * row stride = roundup(W x elem, align), plane = roundup(row x H, align)
 * [RE anecc]. -1 if the type is unknown or overflows. */
int64_t nxs_type_bytes(const nx_type *t, const nx_target *tg);
/* Bytes an arena buffer takes: ne tensors in buf_gran units, others rounded
 * up to align. */
int64_t nxs_alloc_bytes(const nx_type *t, const nx_target *tg);
/* True if op only relabels its operand's bytes (a view kind whose result is
 * stored exactly as its operand is); such ops cost nothing and their result
 * shares the operand's buffer. Reshapes that change the NE row structure
 * are copies [Apple: reshape and transpose likely trigger memory copies]. */
bool nxs_op_is_view(const nx_graph *g, uint32_t op, const nx_target *tg);

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

/* ---- support.c: what the NE can run ------------------------------------- */
/* What an op needs from the hardware, read once from the graph, so that the
 * check against a target is arithmetic. */
typedef struct nxs_limits {
	int32_t kernel, pad, groups;   /* conv-like: largest kernel dim, pad, groups */
	int32_t pool_kernel, pool_stride;
	int32_t hw, c;                 /* largest H/W and C over operands and results
					* (clamped to INT32_MAX) */
	int32_t rank;                  /* most non-unit dims over operands and results */
	float upsample;                /* resize: largest scale factor */
	uint8_t dilated, bcast_nd, dtype_bad;
	uint8_t bad_dtype;             /* the offending nx_dtype when dtype_bad */
} nxs_limits;
void nxs_limits_of(const nx_graph *g, uint32_t op, nxs_limits *l);
/* kind's support on t given l; false + reason ("dilated conv", ...) if not. */
bool nxs_limits_ok(int kind, const nxs_limits *l, const nx_target *t, char *reason, size_t n);
/* The one place that decides NE vs CPU fallback by capability (the partition
 * pass calls it too): false + a reason if the target cannot run op. The
 * `device` attribute is a placement decision and is not read here. */
bool nxs_ne_supports(const nx_graph *g, uint32_t op, const nx_target *t, char *reason,
		     size_t n);

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
	nxs_limits lim;
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

/* ---- liveness.c: buffers and live ranges in schedule order -------------- */
enum { NXS_SRAM = 0, NXS_DRAM = 1 };
enum { /* why a buffer is in DRAM */
	NXS_WHY_FITS = 0,   /* in SRAM */
	NXS_WHY_IO,         /* graph input or output: the host hands it over in DRAM */
	NXS_WHY_CPU,        /* read or written by a CPU fallback op */
	NXS_WHY_BIG,        /* larger than the SRAM */
	NXS_WHY_SPILL       /* no room left in the SRAM while it is live */
};
typedef struct nxs_buf {
	uint32_t value;     /* the value that owns it (views share their source's) */
	uint32_t start, end;/* schedule positions, inclusive */
	int64_t size;       /* allocation bytes */
	int64_t offset;     /* in its level's arena */
	int64_t arena_off;  /* in the single-arena plan (the plan-quality figure) */
	uint8_t level;      /* NXS_SRAM / NXS_DRAM */
	uint8_t why;        /* NXS_WHY_* */
} nxs_buf;
typedef struct nxs_live {
	uint32_t n_pos;     /* live ops in schedule order */
	uint32_t *op_at;    /* position -> op id */
	uint32_t *pos_of;   /* op id -> position, UINT32_MAX if dead */
	uint32_t *buf_of;   /* value id -> buffer index (views: their source's), or NX_NONE */
	nxs_buf *bufs;
	uint32_t n_bufs;
	uint32_t n_vals;
} nxs_live;
/* Positions only (op_at, pos_of); bufs empty. */
void nxs_live_positions(const nx_graph *g, nxs_live *l);
/* Buffers of every non-constant value: sizes from talloc (allocation bytes
 * by type id), views from inv[pos].view, forced DRAM from inv[pos].cpu. */
void nxs_live_build(const nx_graph *g, const nxs_opinv *inv, const int64_t *talloc,
		    nxs_live *l);
void nxs_live_free(nxs_live *l);

/* ---- memplan.c: arena offsets and SRAM/DRAM placement -------------------- */
typedef struct nxs_interval {
	int64_t start, end; /* inclusive */
	int64_t size;
} nxs_interval;
/* Best fit by decreasing size, as XLA's GlobalDecreasingSizeBestFitHeap:
 * buffers sorted by size (then longer live range, then index), each put in
 * the smallest free gap among the buffers live at the same time that holds
 * it, else above them. capacity >= 0 limits the heap: a buffer with no room
 * below it gets offset -1. Returns the heap size. */
int64_t nxs_plan_bestfit(const nxs_interval *iv, uint32_t n, int64_t align, int64_t capacity,
			 int64_t *offset);
/* Best fit with search: plain best fit (its heap in *first), then, while
 * above the lower bound lb (-1: computed here), best fit by decreasing live
 * area, re-plans that put first the buffers that ended above it, and
 * restarts in jittered size orders (fixed seed); the smallest heap is kept
 * (offsets of that plan). */
int64_t nxs_plan_bestfit_search(const nxs_interval *iv, uint32_t n, int64_t align, int64_t lb,
				int64_t *offset, int64_t *first);
/* First fit in schedule order (start time): the lowest gap that holds it. */
int64_t nxs_plan_firstfit(const nxs_interval *iv, uint32_t n, int64_t align, int64_t *offset);
/* Max over time of the bytes live at once: no plan can use less. */
int64_t nxs_plan_lower_bound(const nxs_interval *iv, uint32_t n);

/* A heap simulator in XLA's style: Alloc/Free events, one time step each,
 * then Finish plans every buffer. ids are the caller's (dense, small). */
typedef enum nxs_algo {
	NXS_ALGO_BESTFIT, NXS_ALGO_FIRSTFIT, NXS_ALGO_SEARCH, NXS_ALGO_COUNT
} nxs_algo;
const char *nxs_algo_name(int a);
typedef struct nxs_heap nxs_heap;
nxs_heap *nxs_heap_new(int64_t alignment); /* caller frees with nxs_heap_free */
void nxs_heap_alloc(nxs_heap *h, uint32_t id, int64_t size);
void nxs_heap_free_buf(nxs_heap *h, uint32_t id);
/* Heap size; offsets[id] for id < n_offsets (-1 for ids never allocated). */
int64_t nxs_heap_finish(nxs_heap *h, int algo, int64_t *offsets, uint32_t n_offsets);
void nxs_heap_free(nxs_heap *h);

typedef struct nxs_memplan {
	int64_t lower_bound;          /* max live bytes */
	int64_t peak_algo[NXS_ALGO_COUNT]; /* single-arena heap size per algorithm */
	int64_t peak;                 /* the smallest: the plan taken */
	uint8_t algo;                 /* which one */
	int64_t sram_peak, dram_peak; /* arena sizes after placement */
	int64_t spilled_bytes;        /* SRAM-eligible buffers that found no room */
	uint32_t n_sram, n_dram, n_spilled;
	int64_t *live_sram, *live_dram; /* live bytes per position, by level */
} nxs_memplan;
/* Plans l->bufs (offsets, levels) for t; fills mp. The two halves: the
 * single-arena plans and lower bound (depend on sizes and live ranges),
 * and the SRAM/DRAM placement (depends on sram too). */
void nxs_memplan_run(nxs_live *l, const nx_target *t, nxs_memplan *mp);
void nxs_memplan_arena(nxs_live *l, const nx_target *t, nxs_memplan *mp);
void nxs_memplan_place(nxs_live *l, const nx_target *t, nxs_memplan *mp);
void nxs_memplan_free(nxs_memplan *mp);

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
const nxs_memplan *nxs_sim_memplan(const nxs_sim *s);
const nxs_live *nxs_sim_live(const nxs_sim *s);
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

#endif
