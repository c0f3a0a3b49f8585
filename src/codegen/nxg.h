/* nxg.h — the NE back end (DESIGN.md §9): a planned graph lowers to a
 * *program*, tasks in issue order on three engines (NE, DMA, CPU) that read
 * and write tensors through descriptors (memory space, address, dims,
 * strides), wait on and signal events; an executor runs a program on byte
 * arrays, one per memory space, with the reference kernels, so a wrong
 * address, stride or missing wait shows up as a wrong output or an error.
 * Forms: the .neasm text listing (neasm_print.c, neasm_parse.c). The format
 * is nex's own, not Apple's (docs/ne-isa.md).
 *
 * A program refers to its graph: tasks name the op they compute (attributes
 * and weights come from the graph), descriptors name the value whose buffer
 * they address. The graph must be the one the program was lowered from
 * (same pipeline on the same model and target); the parser checks every
 * reference.
 */
#ifndef NXG_H
#define NXG_H

#include "nx.h"

/* ---- program.c: the program and its parts -------------------------------- */
typedef enum nxg_engine { NXG_NE, NXG_DMA, NXG_CPU, NXG_ENGINE_COUNT } nxg_engine;
/* Task kinds: what an engine does. The first group runs on NE (or CPU: host),
 * the second are DMA purposes. */
typedef enum nxg_kind {
	NXG_K_CONV, NXG_K_MATMUL, NXG_K_ELEM, NXG_K_POOL, NXG_K_NORM, NXG_K_REDUCE,
	NXG_K_MOVE, NXG_K_HOST,
	NXG_K_WEIGHTS, NXG_K_SPILL, NXG_K_FILL,
	NXG_KIND_COUNT
} nxg_kind;
/* Memory spaces: on-chip activation SRAM, DRAM (activation arena, then the
 * constants), the kernel (weight) window the weight DMA fills. */
typedef enum nxg_space { NXG_SRAM, NXG_DRAM, NXG_KMEM, NXG_SPACE_COUNT } nxg_space;
/* The largest memory space a program may declare: the executor allocates
 * each space whole, so a listing's size is bounded before it is believed. */
#define NXG_SPACE_MAX ((int64_t)1 << 32)

/* A tensor in memory: element (b,c,h,w) of the whole tensor is at
 * addr + (b*C + c)*plane + h*row + w*elem. win picks the part a task
 * touches (a tile): start and extent per (b,c,h,w); a whole tensor has
 * start 0 and extent = dims. value is the buffer's owner (views address
 * their source's buffer under their own dims); type is the value whose
 * logical type the task hands its kernel (the same unless a view). */
typedef struct nxg_desc {
	uint8_t space;        /* nxg_space */
	uint8_t dtype;        /* nx_dtype */
	uint8_t pad_[2];
	uint32_t value;       /* buffer owner, value id in the graph */
	uint32_t type_of;     /* value whose type this is (a view's result), id */
	int64_t addr;
	int64_t dims[4];      /* b, c, h, w */
	int64_t row, plane;   /* strides in bytes */
	int64_t w0[4], wn[4]; /* window: start, extent */
} nxg_desc;

/* Op fields of conv and pool tasks (0 for others): the window (pads of a
 * tile task are the tile's own: a tile inside the image has none). */
typedef struct nxg_fields {
	int32_t kh, kw, sh, sw;
	int32_t pt, pl, pb, pr;   /* pads: top, left, bottom, right */
	int32_t groups;
	uint32_t act;             /* string id of the fused activation, NX_NONE */
} nxg_fields;

/* The most waits one task holds: the text form reads them into a fixed
 * array, and the binary reader refuses more so that both read the same. */
#define NXG_MAX_WAITS (NXG_ENGINE_COUNT * 8)

typedef struct nxg_task {
	uint8_t engine;       /* nxg_engine */
	uint8_t kind;         /* nxg_kind */
	uint8_t split;        /* 1: a tile of a tiled op; 0: the whole op */
	uint8_t pad_;
	uint32_t op;          /* graph op computed (for weights: the op fed) */
	uint32_t tile, n_tiles; /* index among the op's tiles, their count */
	uint32_t d0;          /* descriptors p->descs[d0 .. d0+n_in+n_out) */
	uint16_t n_in, n_out; /* compute: operands (absent ones have space
			       * NXG_SPACE_COUNT) then results; DMA: src, dst */
	uint32_t w0, n_wait;  /* events waited: p->waits[w0 .. w0+n_wait) */
	uint32_t signal;      /* event signalled when done, or NX_NONE */
	nxg_fields f;
} nxg_task;

/* A constant's bytes in DRAM (packed, as the blob holds them). */
typedef struct nxg_const {
	uint32_t value;
	int64_t addr, bytes;
} nxg_const;

typedef struct nxg_prog nxg_prog;
struct nxg_prog {
	nxg_task *tasks; uint32_t n_tasks, cap_tasks;
	nxg_desc *descs; uint32_t n_descs, cap_descs;
	uint32_t *waits; uint32_t n_waits, cap_waits;
	nxg_const *consts; uint32_t n_consts, cap_consts;
	nxg_desc *io; uint32_t n_in, n_out;   /* graph inputs then outputs */
	int64_t space[NXG_SPACE_COUNT];       /* bytes of each memory space */
	uint32_t n_events;
	/* where it came from: printed as directives, read back by exec */
	char model[1024], pipeline[1024], target[256], alloc[32];
	char *sets; char *shapes;             /* "k=v;k=v", owned, may be NULL */
	/* what the lowering decided, for --stats */
	int64_t sram_peak, lower_bound;
};

nxg_prog *nxg_prog_new(void);           /* caller frees with nxg_prog_free */
void nxg_prog_free(nxg_prog *p);
/* Appends a task with room for n_in + n_out descriptors (zeroed) and
 * n_wait waits; returns its index. Pointers into p die on the next add. */
uint32_t nxg_task_add(nxg_prog *p, int engine, int kind, uint32_t op, uint32_t n_in,
		      uint32_t n_out);
void nxg_task_wait(nxg_prog *p, uint32_t task, uint32_t event);
static inline nxg_desc *nxg_task_desc(const nxg_prog *p, const nxg_task *t, uint32_t i)
{
	return &p->descs[t->d0 + i];
}
const char *nxg_engine_name(int e);     /* "ne", "dma", "cpu" */
const char *nxg_kind_name(int k);       /* "conv", ..., "weights", "spill", "fill" */
const char *nxg_space_name(int s);      /* "sram", "dram", "kmem" */
int nxg_engine_parse(const char *s, size_t n);   /* -1 if unknown */
int nxg_kind_parse(const char *s, size_t n);
int nxg_space_parse(const char *s, size_t n);
/* Bytes from addr to the end of the whole tensor (B*C*plane). */
int64_t nxg_desc_extent(const nxg_desc *d);
/* A descriptor for value v's type t stored at (space, addr): strides from
 * its layout on tg (ne: rows and planes padded to align; else packed). */
nxg_desc nxg_desc_make(int space, int64_t addr, uint32_t owner, uint32_t type_of,
		       const nx_type *t, const nx_target *tg);

/* ---- lower.c: planned graph -> program ----------------------------------- */
typedef enum nxg_alloc {
	NXG_ALLOC_RECORDED, /* the plan-memory pass's attrs arena/spill */
	NXG_ALLOC_BESTFIT,  /* core's best fit (XLA's), within the SRAM */
	NXG_ALLOC_SEARCH,   /* core's best fit with search */
	NXG_ALLOC_FIRSTFIT, /* core's first fit in start order */
	NXG_ALLOC_HILLCLIMB,/* Vela-style hill climbing (alloc.c) */
	NXG_ALLOC_BELADY,   /* linear scan, spill the furthest next use */
	NXG_ALLOC_SXD,      /* linear scan, spill the largest size x distance */
	NXG_ALLOC_SPLIT,    /* belady, then live-range splitting (split.c) */
	NXG_ALLOC_COUNT
} nxg_alloc;
const char *nxg_alloc_name(int a);
int nxg_alloc_parse(const char *s);     /* -1 if unknown */
typedef struct nxg_opts {
	int alloc;          /* nxg_alloc */
	/* Test hook: after allocation, move one on-chip buffer onto another
	 * that is live at the same time (the bug the checker must catch). */
	bool overlap_bug;
} nxg_opts;
/* Lowers g (types inferred; a target-aware pipeline ran: layouts, tiles,
 * partition, plan-memory) for t. Caller frees *out with nxg_prog_free.
 * -1 + err (naming the op) if something cannot be lowered. */
int nxg_lower(const nx_graph *g, const nx_target *t, const nxg_opts *o, nxg_prog **out,
	      nx_err *err);

/* ---- tile_kinds.c: per-tile lowering of the row-independent kinds -------- */
/* NULL if op o's tiles with extents ext (per dim of result 0) are exact
 * tile by tile for its kind (softmax, norms, keepdims reductions, arg
 * max/min, resize along dims it does not resample); else why not. */
const char *nxg_tile_kind_ok(const nx_graph *g, uint32_t o, const int64_t *ext);
/* Sets the operand windows d[0..n_in) of the tile whose result window
 * (bchw) is r0 + rn; d[n_in] is the result's desc. */
void nxg_tile_kind_windows(const nx_graph *g, uint32_t o, nxg_desc *d, uint32_t n_in,
			   const int64_t *r0, const int64_t *rn);

/* Sets the operand windows d[0..n_in) and the conv fields f (its own pads
 * and group, core's nx_convt_tile_geom) of the conv_transpose tile whose
 * result window (bchw) is r0 + rn. */
void nxg_tile_convt(const nx_graph *g, uint32_t o, nxg_desc *d, uint32_t n_in, const int64_t *r0,
		    const int64_t *rn, nxg_fields *f);

/* ---- tile_pool.c: pool tiles with pads of their own ---------------------- */
/* Sets the input window d[0] along rows and columns of the pool tile whose
 * result window (bchw) is r0 + rn, and the fields f (kernel, strides, the
 * tile's own pads: core's nx_pool_tile_geom). */
void nxg_tile_pool(const nx_graph *g, uint32_t o, nxg_desc *d, const int64_t *r0,
		   const int64_t *rn, nxg_fields *f);
/* The executor's scratch op s:so of pool tile task t: the tile's pads
 * (auto_pad resolved) from its fields. */
void nxg_tile_pool_scratch(nx_graph *s, uint32_t so, const nxg_task *t);

/* ---- tile_concat.c: concat tiles along the concat axis ------------------ */
/* Sets the operand windows d[0..n_in) of the concat tile whose result
 * window (bchw) is r0 + rn: each operand's overlap with it along the axis,
 * absent (space NXG_SPACE_COUNT) where there is none. */
void nxg_tile_concat(const nx_graph *g, uint32_t o, nxg_desc *d, uint32_t n_in, const int64_t *r0,
		     const int64_t *rn);
/* For task k of p: the bchw axis a concat tile along its axis joins its
 * operands' windows along, once they are checked; -1 if k is no such
 * task; -2 + err (naming the task and operand) if its windows are wrong. */
int nxg_tile_concat_dim(const nxg_prog *p, const nx_graph *g, uint32_t k, nx_err *err);

/* ---- tile_move.c: transpose and reshape-family tiles, one move each ----- */
/* Transpose, reshape, flatten, squeeze, unsqueeze. */
bool nxg_tile_move_kind(const nx_graph *g, uint32_t o);
/* NULL if every tile of move op o with extents ext (per dim of result 0)
 * is one window of its operand (core's nx_move_tiling), else why not. */
const char *nxg_tile_move_ok(const nx_graph *g, uint32_t o, const int64_t *ext);
/* Sets the operand window d[0] of the tile whose result window (bchw) is
 * r0 + rn. */
void nxg_tile_move_windows(const nx_graph *g, uint32_t o, nxg_desc *d, const int64_t *r0,
			   const int64_t *rn);
/* Fits the attrs of op so, the scratch copy of move op o, to its tile
 * (tile: the result window's type): a reshape's shape, a squeeze's axes. */
void nxg_tile_move_scratch(const nx_graph *g, uint32_t o, nx_graph *s, uint32_t so,
			   const nx_type *tile);

/* lower.c: why op o's `tile` attr does not lower to one task per tile
 * (NULL if it does). */
const char *nxg_no_split(const nx_graph *g, uint32_t o);

/* ---- alloc.c: allocators over live intervals ----------------------------- */
/* Plans iv[0..n) (any nxg_alloc but RECORDED) into offsets, aligned, below
 * cap (cap < 0: no limit; then nothing spills); off[i] = -1 for a spilled
 * range. Returns the heap size (highest end of a placed range), -1 for an
 * unknown algorithm. */
int64_t nxg_alloc_intervals(int algo, const nx_interval *iv, uint32_t n, int64_t align,
			    int64_t cap, int64_t *off);
/* Places l's buffers on t with algo: on-chip candidates (why FITS) in the
 * SRAM where the allocator finds room, the rest (and what it spills) in
 * DRAM, planned best fit. *sram_peak gets the SRAM high water. */
void nxg_place(nx_live *l, const nx_target *t, int algo, int64_t *sram_peak);

/* ---- split.c: live-range splitting -------------------------------------- */
/* A short stay in SRAM of a buffer whose home is DRAM: written there by
 * its producer (def, then spilled home) or filled from home for a use. */
typedef struct nxg_piece {
	uint32_t buf;         /* buffer index in the nx_live */
	uint32_t pos;         /* the def or use position */
	uint8_t def;
	int64_t off;          /* SRAM offset */
} nxg_piece;
typedef struct nxg_split {
	nxg_piece *p; uint32_t n, cap;
	uint32_t *first, *count;  /* by buffer: its pieces p[first .. first+count) */
} nxg_split;
/* Places l (Belady linear scan) and the pieces of what it spilled; flags
 * per position as nx_live_build's (views, CPU ops). Free with
 * nxg_split_free. */
void nxg_split_place(const nx_graph *g, nx_live *l, const nx_target *t, const uint8_t *flags,
		     nxg_split *sp, int64_t *sram_peak);
const nxg_piece *nxg_split_find(const nxg_split *sp, uint32_t buf, uint32_t pos, bool def);
void nxg_split_free(nxg_split *sp);

/* ---- check.c: static checks before execution ------------------------------ */
/* Every descriptor inside its space and aligned; every wait names an event
 * some task signals, not later on the same engine; in issue order, every
 * read finds the bytes of the value it names (an allocator that overlaps
 * two live buffers fails here, naming both values and tasks). */
int nxg_check(const nxg_prog *p, const nx_graph *g, const nx_target *t, nx_err *err);

/* Byte ownership, kept per `align`-byte granule of each space: which
 * value's bytes a granule holds and which task wrote them (NX_NONE: the
 * loader). nxg_check keeps it in issue order, the executor in the order it
 * runs tasks. Each space's tags are a segment tree of cap leaves (check.c),
 * so a range costs O(log n), not one step per granule. */
typedef struct nxg_tags {
	uint32_t *val[NXG_SPACE_COUNT], *by[NXG_SPACE_COUNT];
	int64_t n[NXG_SPACE_COUNT], cap[NXG_SPACE_COUNT], gran;
} nxg_tags;
void nxg_tags_init(nxg_tags *tg, const nxg_prog *p, int64_t gran); /* free with _free */
void nxg_tags_free(nxg_tags *tg);
/* Every granule back to unwritten (a new run on the same spaces). */
void nxg_tags_reset(nxg_tags *tg);
/* Marks the granules of d's window (per plane, its first row's first byte
 * to its last row's last; a desc with no window: the whole buffer) as
 * holding d->value, written by task. */
void nxg_tags_write(nxg_tags *tg, const nxg_desc *d, uint32_t task);
/* Checks the granules of d's window, as nxg_tags_write marks them: 0, or
 * -1 + err naming the reading task, the value, and who wrote the bytes
 * found instead. */
int nxg_tags_read(const nxg_tags *tg, const nxg_prog *p, const nx_graph *g, const nxg_desc *d,
		  uint32_t task, nx_err *err);
/* "t12 (ne conv %x)" into buf. */
const char *nxg_task_str(const nxg_prog *p, const nx_graph *g, uint32_t task, char *buf,
			 size_t n);
/* -1 + err unless d lies inside its space of p (and is aligned to gran). */
int nxg_desc_check(const nxg_prog *p, const nx_graph *g, const nxg_desc *d, uint32_t task,
		   int64_t gran, nx_err *err);

/* ---- exec.c: the executor ---------------------------------------------------- */
typedef struct nxg_exec_opts {
	bool no_check;        /* skip nxg_check (the test of wrong outputs) */
	int threads;          /* kernel threads; 0 = one per core, as nx_run */
} nxg_exec_opts;
typedef struct nxg_exec_stats {
	uint32_t tasks[NXG_ENGINE_COUNT];
	int64_t dma_bytes;
	double seconds;
} nxg_exec_stats;
/* Runs p (lowered from g) on inputs (one per graph input): NE and CPU
 * tasks run the reference kernels on the bytes at their descriptors, DMA
 * tasks copy bytes; each engine runs its tasks in issue order, DMA first
 * whenever it can, as far as the events allow (so a missing wait shows).
 * outputs: n_outputs tensors, caller frees each with nx_tensor_free and
 * the array with free. -1 + err on a stuck wait (naming the waiting and the
 * signalling task), a read of clobbered bytes, or a kernel failure. */
int nxg_exec(const nxg_prog *p, nx_graph *g, const nx_target *t, const nx_tensor *inputs,
	     uint32_t n_inputs, const nxg_exec_opts *o, nx_tensor **outputs,
	     nxg_exec_stats *st, nx_err *err);
/* The same in two steps, for running one program many times: open checks
 * p, plans the order the engines run its tasks in and keeps the tags along
 * that order (a stuck wait or a clobbered read is refused here), and
 * builds the executor (memory image with the weights, tile graphs, scratch,
 * threads; caller frees with nxg_exec_close; p and g must outlive it);
 * each run loads the inputs and follows the planned order (under no_check
 * it zeroes the spaces and reloads the weights first), so it gives what
 * nxg_exec gives. A run after the first skips the page faults of a new
 * 37 MB image on det (most of a cold run's extra time there). st->seconds:
 * the run alone. */
typedef struct nxg_exec_ctx nxg_exec_ctx;
int nxg_exec_open(const nxg_prog *p, nx_graph *g, const nx_target *t, const nxg_exec_opts *o,
		  nxg_exec_ctx **out, nx_err *err);
int nxg_exec_run(nxg_exec_ctx *c, const nx_tensor *inputs, uint32_t n_inputs,
		 nx_tensor **outputs, nxg_exec_stats *st, nx_err *err);
void nxg_exec_close(nxg_exec_ctx *c);

/* ---- neasm_print.c, neasm_parse.c: the .neasm text form ------------------ */
/* Caller frees. */
char *nxg_print(const nxg_prog *p, const nx_graph *g);
/* The directives only (model, pipeline, target, sets, shapes, alloc), so
 * a caller can rebuild the graph before parsing the tasks. Fills p's
 * header fields. */
int nxg_parse_header(const char *text, size_t len, const char *file, nxg_prog *p, nx_err *err);
/* The whole program against g; caller frees. Located errors
 * ("file:line:col: ..."). */
nxg_prog *nxg_parse(const char *text, size_t len, const char *file, const nx_graph *g,
		    nx_err *err);

/* ---- binary.c: the binary form (docs/ne-isa.md) ------------------------- */
void *nxg_bin_write(const nxg_prog *p, const nx_graph *g, size_t *len); /* caller frees */
/* Header fields only (directives), as nxg_parse_header. */
int nxg_bin_header(const void *buf, size_t len, const char *file, nxg_prog *p, nx_err *err);
/* The whole program against g; caller frees. */
nxg_prog *nxg_bin_read(const void *buf, size_t len, const char *file, const nx_graph *g,
		       nx_err *err);

/* ---- stats.c ------------------------------------------------------------- */
typedef struct nxg_stats {
	uint32_t by_kind[NXG_KIND_COUNT], by_engine[NXG_ENGINE_COUNT];
	int64_t dma_bytes[NXG_KIND_COUNT];  /* by DMA purpose */
	uint32_t descs;                     /* tensor descriptors */
	uint32_t events, waits;
} nxg_stats;
void nxg_stats_of(const nxg_prog *p, nxg_stats *s);

#endif
