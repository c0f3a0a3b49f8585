/* nx.h — the core of nex: IR, types, blobs, op registry, and the public
 * prototypes of every core file, grouped by file (QBE's all.h is the model).
 * What only src/core uses (kernel interface, thread pool, per-kind shape
 * inference and its helpers) is in nx_int.h, which nothing outside src/core
 * includes.
 *
 * The IR is index-based: values, ops and use slots live in flat arrays inside
 * the graph and refer to each other by 32-bit ids. An id is the index and never
 * changes or gets reused (erased entries become tombstones), so a clone is a
 * handful of memcpy calls and keeps every id: that is what makes snapshots
 * cheap and lets diffs and "follow this op through the history" match by id.
 * Constant data lives in reference-counted blobs shared between clones.
 *
 * Pointers into the graph (nx_val, nx_opp, nx_use_at) are valid only until the
 * next call that adds values, ops, uses or attributes: re-fetch after those.
 * Names (nx_cstr, nx_vname) live in a string table shared with the graph's
 * clones: copy a name before adding strings to any graph of that family.
 * Read the structs freely; change them only through the functions below, which
 * keep use lists and the schedule consistent.
 */
#ifndef NX_H
#define NX_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define NX_VERSION "0.1.0"
#define NX_NONE UINT32_MAX
#define NX_MAX_RANK 8
#define NX_VARIADIC 255

#if defined(__GNUC__)
#define NX_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define NX_PRINTF(a, b)
#endif

/* ---- err.c: user-facing errors ------------------------------------------
 * Functions that can fail on bad input return NULL or -1 and fill an nx_err
 * with one located message ("file:line:col: ..." or "op %x (conv): ...").
 * They never print and never exit. */
typedef struct nx_err {
	char msg[2048];
} nx_err;

void nx_err_set(nx_err *e, const char *fmt, ...) NX_PRINTF(2, 3);
/* Prefix what is already in e with more context ("loading x.onnx: ..."). */
void nx_err_prefix(nx_err *e, const char *fmt, ...) NX_PRINTF(2, 3);

/* ---- die.c: internal errors ----------------------------------------------
 * Out of memory or a broken invariant: print "nex: <message>", run the hook,
 * exit(2). Never for bad input (that is an nx_err). The hook (e.g. the TUI's
 * terminal restore) is set once from main or the TUI root; nx_die_set_hook
 * returns the previous one. The hook runs before the message is printed, so
 * the message lands on a restored terminal. */
typedef void (*nx_die_hook)(void);
nx_die_hook nx_die_set_hook(nx_die_hook hook);
_Noreturn void nx_die(const char *fmt, ...) NX_PRINTF(1, 2);

/* ---- util.c: memory and files -------------------------------------------- */
void *nx_xmalloc(size_t n);        /* nx_die on OOM (internal error, exit 2) */
void *nx_xcalloc(size_t n, size_t m);
void *nx_xrealloc(void *p, size_t n);
char *nx_xstrdup(const char *s);
/* Grow *p (elements of size elem) so that it holds at least need elements. */
void nx_grow(void **p, uint32_t *cap, uint32_t need, size_t elem);
/* Read a whole file; caller frees. NULL + err on failure. */
char *nx_read_file(const char *path, size_t *len, nx_err *err);
/* Write atomically: temp file in the same directory, fsync, rename. A file
 * on disk is never left half-written. */
int nx_write_file_atomic(const char *path, const void *data, size_t len, nx_err *err);
/* 3 if text starts with a UTF-8 byte-order mark (skipped by the .nex and
 * JSON readers alike), else 0. */
size_t nx_bom_len(const char *text, size_t len);

/* ---- atomic.c: files replaced together, or not at all ------------------- */
#define NX_ATOMIC_MAX 4
typedef struct nx_atomic {
	struct { char *path, *tmp; } f[NX_ATOMIC_MAX];
	int n;
	sigset_t old_mask;  /* restored by commit and abort */
} nx_atomic;
/* Opens a set: blocks SIGINT/SIGTERM/SIGHUP until commit or abort, which
 * then deliver a pending one. */
void nx_atomic_begin(nx_atomic *a);
/* Writes data to a temporary next to path (mode 0666 less the umask) and
 * fsyncs it; a symlink's target is the file replaced, and a device or FIFO
 * (/dev/null) is written directly, at once. -1 + err on failure or a
 * pending signal: then call nx_atomic_abort. */
int nx_atomic_add(nx_atomic *a, const char *path, const void *data, size_t len, nx_err *err);
/* Renames every temporary into place, in the order added, fsyncing each
 * directory; closes the set either way. */
int nx_atomic_commit(nx_atomic *a, nx_err *err);
/* Removes the temporaries; closes the set. */
void nx_atomic_abort(nx_atomic *a);

/* ---- confine.c: files a model names (weights files, ONNX external data) -- */
/* Where a model's file references resolve: dir (NULL = the current
 * directory); only regular files inside it unless allow_outside. */
typedef struct nx_fileroot {
	const char *dir;
	bool allow_outside;  /* --allow-outside: any regular file */
} nx_fileroot;
/* Opens the regular file name refers to under root (root NULL = cwd,
 * confined); *size = its length. what names the value in messages ("" if
 * the caller's message names it already). An fd the caller closes, or -1 +
 * err naming what, name and the real path. */
int nx_open_ref(const nx_fileroot *root, const char *name, const char *what, uint64_t *size,
		nx_err *err);
/* n bytes at offset of that file, its length checked before allocating.
 * Caller frees; NULL + err. */
void *nx_read_ref(const nx_fileroot *root, const char *name, uint64_t offset, size_t n,
		  const char *what, nx_err *err);
/* Length of the valid UTF-8 sequence at s (n bytes left), 0 if invalid:
 * overlong forms, surrogates and code points past U+10FFFF included. */
size_t nx_utf8_len(const unsigned char *s, size_t n);
/* Seconds from a monotonic clock, for timers and benchmarks. */
double nx_now(void);
/* Process-wide settings main applies first (and benchmarks, to measure what
 * nex does): malloc keeps freed memory for reuse instead of returning large
 * blocks to the kernel, since a session frees and clones snapshots all the
 * time and fresh pages cost a fault each (a 100k-op clone: ~9 ms on fresh
 * pages, ~1.5 ms on reused ones). */
void nx_process_init(void);
/* heap_thp.c: the first 256 MiB of malloc's heap on transparent huge pages
 * (one fault per 2 MiB instead of per 4 KiB); nx_process_init calls it. */
void nx_heap_thp(void);
/* blas_single.c: OpenBLAS at one thread and its idle server threads
 * stopped (nex's pool runs the pieces); nx_process_init calls it.
 * nx_blas_one_thread, at every run, keeps it at one thread without
 * restarting the server threads. */
void nx_blas_single(void);
void nx_blas_one_thread(void);
/* alloc_fault.c (tests only): NEX_FAIL_ALLOC=N fails the Nth allocation.
 * nx_alloc_init reads it (nx_process_init calls it) and routes cJSON's
 * allocations through nx_xmalloc; nx_alloc_fails counts one allocation. */
void nx_alloc_init(void);
bool nx_alloc_fails(void);
/* splitmix64: the one seedable generator of nex (fills, generated graphs,
 * seeded inputs): small, and the same sequence on every machine. */
uint64_t nx_rand_u64(uint64_t *state);
double nx_rand_unit(uint64_t *state);  /* uniform in [0, 1) */

/* ---- strbuf.c: the growable text buffer ----------------------------------
 * The one buffer every writer builds text in (printer, JSON, line diff,
 * exporters, reports). Start from {0}; s is NUL-terminated after any append
 * (a writer that fills reserved room by hand terminates it itself); the owner
 * frees s. Appends are inline: the printer makes one per token. */
typedef struct nx_strbuf {
	char *s;
	size_t n, cap;
} nx_strbuf;
/* Room for extra more bytes and the NUL: doubles the capacity, so appends
 * cost amortized O(1). */
void nx_strbuf_reserve(nx_strbuf *b, size_t extra);
static inline void nx_strbuf_put(nx_strbuf *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap)
		nx_strbuf_reserve(b, n);
	memcpy(b->s + b->n, s, n);
	b->n += n;
	b->s[b->n] = 0;
}
static inline void nx_strbuf_puts(nx_strbuf *b, const char *s)
{
	nx_strbuf_put(b, s, strlen(s));
}
static inline void nx_strbuf_putc(nx_strbuf *b, char c)
{
	if (b->n + 2 > b->cap)
		nx_strbuf_reserve(b, 1);
	b->s[b->n++] = c;
	b->s[b->n] = 0;
}
void nx_strbuf_printf(nx_strbuf *b, const char *fmt, ...) NX_PRINTF(2, 3);

/* ---- hash.c: the one hash for hash tables --------------------------------
 * FNV-1a 64 with a finalizer (why: hash.c); take the low bits for a table
 * index. Stable across machines and runs. */
uint64_t nx_hash(const void *p, size_t n);

/* ---- type.c: element types and tensor types ----------------------------- */
typedef enum nx_dtype {
	NX_F32, NX_F16, NX_BF16, NX_I8, NX_U8, NX_I32, NX_I64, NX_BOOL,
	/* Added after the first eight so that their numbers (in .neasm binaries
	 * and hashes) stay put: see docs/ir.md for how kernels compute them. */
	NX_F64, NX_U16, NX_U32, NX_U64, NX_I16,
	NX_DTYPE_COUNT,
	NX_DTYPE_UNKNOWN = 255
} nx_dtype;

/* Physical layout tag. Dims are always logical (ONNX order); the tag says how
 * the tensor is stored, which only the memory planner and simulator read. */
typedef enum nx_layout {
	NX_LAYOUT_PLAIN, /* row-major in the listed order (ONNX's) */
	NX_LAYOUT_NHWC,  /* channels last */
	NX_LAYOUT_NE,    /* NE: (B,C,H,W) with the last axis padded to 64 bytes */
	NX_LAYOUT_COUNT
} nx_layout;

typedef struct nx_type {
	uint8_t dtype;  /* nx_dtype */
	uint8_t rank;
	uint8_t layout; /* nx_layout */
	uint8_t pad_;
	int64_t dims[NX_MAX_RANK];
} nx_type;

size_t nx_dtype_size(int dtype);
const char *nx_dtype_name(int dtype);                 /* "f32", ... */
int nx_dtype_parse(const char *s, size_t len);        /* -1 if unknown */
bool nx_dtype_is_float(int dtype);
/* Integer dtypes (bool is not one); unsigned ones among them. */
bool nx_dtype_is_int(int dtype);
bool nx_dtype_is_unsigned(int dtype);
const char *nx_layout_name(int layout);
int nx_layout_parse(const char *s, size_t len);
/* Element count; -1 if a dim is <= 0 or the product overflows int64. */
int64_t nx_type_numel(const nx_type *t);
/* Bytes in plain layout; -1 as for numel. */
int64_t nx_type_bytes(const nx_type *t);
bool nx_type_eq(const nx_type *a, const nx_type *b);
nx_type nx_type_make(int dtype, int rank, const int64_t *dims);
/* "f32[1,3,224,224]" (+ "#nhwc" for a non-plain layout). Returns length. */
int nx_type_str(const nx_type *t, char *buf, size_t n);

/* ---- fp16.c: half and bfloat16 conversion -------------------------------- */
uint16_t nx_f32_to_f16(float f);
float nx_f16_to_f32(uint16_t h);
uint16_t nx_f32_to_bf16(float f);
float nx_bf16_to_f32(uint16_t h);

/* ---- blob.c: immutable constant data, reference counted ----------------- */
typedef enum nx_blob_src {
	NX_BLOB_DATA,  /* bytes in memory, from a parser, importer or pass */
	NX_BLOB_FILL,  /* generated from (fill, seed) on first use */
	NX_BLOB_FILE,  /* bytes read from (path, offset) at load time */
	NX_BLOB_SCALED /* base blob x per-channel scales, computed on first use */
} nx_blob_src;

/* How a scaled blob maps element i to its scale (c = the channel count):
 * OUTER: scale[i / (numel/c)] (conv weights: output channel first);
 * INNER: scale[i % c] (a [K,N] matrix scaled per column);
 * CONVT: conv_transpose weights [Cin, Cout/group, ...] with group = group. */
typedef enum nx_scale_mode { NX_SCALE_OUTER, NX_SCALE_INNER, NX_SCALE_CONVT } nx_scale_mode;

typedef enum nx_fill {
	NX_FILL_RANDOM, NX_FILL_ZEROS, NX_FILL_ONES, NX_FILL_COUNT
} nx_fill;

typedef struct nx_blob {
	int refs;
	uint8_t src;      /* nx_blob_src */
	uint8_t fill;     /* nx_fill, for NX_BLOB_FILL */
	nx_type type;     /* dtype and dims of the data (layout plain) */
	uint64_t seed;    /* for NX_BLOB_FILL */
	char *path;       /* for NX_BLOB_FILE: as written in the source file */
	uint64_t offset;  /* for NX_BLOB_FILE */
	void *data;       /* NULL until a fill or scaled blob is materialized */
	/* NX_BLOB_SCALED: f32 base (one reference held), scales, mapping */
	struct nx_blob *base;
	float *scale; int64_t n_scale; int64_t group;
	uint8_t mode;     /* nx_scale_mode */
	bool hashed;      /* hash below is valid (computed once: data is immutable) */
	uint64_t hash;    /* of the bytes, for nx_blob_hash */
} nx_blob;

/* Constructors return a blob with one reference, owned by the caller (drop it
 * with nx_blob_unref, or hand it to nx_const_new which takes it over). */
nx_blob *nx_blob_new_data(const nx_type *t, void *data); /* takes data (malloc'd) */
nx_blob *nx_blob_new_copy(const nx_type *t, const void *data);
nx_blob *nx_blob_new_fill(const nx_type *t, int fill, uint64_t seed);
/* Reads nbytes of t from path (under root, see confine.c) at offset; keeps
 * path for printing back. what names the constant in messages. */
nx_blob *nx_blob_new_file(const nx_type *t, const nx_fileroot *root, const char *path,
			  uint64_t offset, const char *what, nx_err *err);
/* base (f32) with element i multiplied by its channel's scale, computed when
 * first read: folding a batch norm into a 100k-op model's weights costs the
 * scales, not the weights. Takes a new reference to base; copies scale. */
nx_blob *nx_blob_new_scaled(nx_blob *base, const float *scale, int64_t n_scale, int mode,
			    int64_t group);
nx_blob *nx_blob_ref(nx_blob *b);
void nx_blob_unref(nx_blob *b);
/* The data, generating a fill or scaled blob on first call (not
 * thread-safe: call it before handing the pointer to worker threads). NULL
 * only for a scaled blob whose base has no data. */
const void *nx_blob_data(nx_blob *b);
/* The data without caching a fill blob's bytes: an ungenerated fill blob is
 * generated into scratch (nx_blob_nbytes(b) bytes, the caller's) and scratch
 * returned; any other blob as nx_blob_data. */
const void *nx_blob_read(nx_blob *b, void *scratch);
size_t nx_blob_nbytes(const nx_blob *b);
/* A 64-bit hash of the data's bytes (materializing it), computed once and
 * cached on the blob; equal bytes give equal hashes. 0 when there is no data. */
uint64_t nx_blob_hash(nx_blob *b);
const char *nx_fill_name(int fill);
int nx_fill_parse(const char *s, size_t len);
/* Scaled blobs in the file forms (docs/ir.md §3): the mode's name, and the
 * number of scales a mode needs for type t (f32 only), -1 if t or group do
 * not allow that mode. */
const char *nx_scale_mode_name(int mode);
int nx_scale_mode_parse(const char *s, size_t len);
int64_t nx_scale_count(const nx_type *t, int mode, int64_t group);
/* True when b is generated from a recipe alone: a fill, or at most
 * NX_SCALED_DEPTH scaled blobs over a fill (the most the readers take).
 * Saving writes such a blob as its recipe, a few bytes, where its data
 * would take numel x 4 (fold-batchnorm on a generated model). */
#define NX_SCALED_DEPTH 32
bool nx_blob_is_recipe(const nx_blob *b);
/* A scaled blob's scales print inline (text and JSON) when there are at
 * most max of them and none is a NaN (its payload would not read back);
 * else they go to the side file. */
bool nx_blob_scales_inline(const nx_blob *b, uint64_t max);

/* ---- ops.c: the op registry --------------------------------------------- */
typedef enum nx_opkind {
#define X(e, text, onnx, i0, i1, o0, o1, fl, inf, at) NX_OP_##e,
#include "ops.def"
#undef X
	NX_OP_COUNT
} nx_opkind;
/* 64-bit words of a bit set over every op kind (nx_target.cpu_ops): sized by
 * the registry, so adding rows to ops.def never meets a cap. */
#define NX_OP_WORDS ((NX_OP_COUNT + 63) / 64)

enum {
	NX_F_ELEMWISE   = 1u << 0,  /* same-shape (after broadcast) pointwise */
	NX_F_BCAST      = 1u << 1,  /* numpy broadcasting of operands */
	NX_F_COMMUTE    = 1u << 2,  /* operand order does not matter */
	NX_F_ACT        = 1u << 3,  /* accepts a fused activation (attr act) */
	NX_F_ACTIVATION = 1u << 4,  /* can be fused into a producer as act */
	NX_F_VIEW       = 1u << 5,  /* changes the shape, not the bytes */
	NX_F_MOVE       = 1u << 6,  /* moves data without arithmetic */
	NX_F_SHAPEOF    = 1u << 7,  /* result depends on the operand's type only */
	NX_F_REDUCE     = 1u << 8,
	NX_F_NORM       = 1u << 9,  /* softmax, layer/batch norm */
	NX_F_MAC        = 1u << 10, /* conv / matmul family: multiply-accumulate */
	NX_F_POOL       = 1u << 11,
	NX_F_OPAQUE     = 1u << 12, /* unknown to nex: kept, costed as CPU */
	NX_F_AXES       = 1u << 13  /* reduce_*: over its axes attr (all if absent), keepdims */
};

typedef enum nx_attr_kind {
	NX_ATTR_INT, NX_ATTR_FLOAT, NX_ATTR_STR, NX_ATTR_INTS, NX_ATTR_FLOATS,
	NX_ATTR_KIND_COUNT
} nx_attr_kind;

/* One attribute a kind accepts. Defaults are documentation and what readers
 * of an absent attribute get; required ones have no default. */
typedef struct nx_attr_spec {
	const char *name;
	uint8_t kind;      /* nx_attr_kind */
	bool required;
	const char *def;   /* default as text form, or NULL */
} nx_attr_spec;

typedef struct nx_graph nx_graph;

/* Interned strings, shared between a graph and its clones (see nx_graph). */
typedef struct nx_strtab {
	int refs;
	char *chars; uint32_t n_chars, cap_chars;
	uint32_t *off, *h; uint32_t n, cap;   /* per string: offset, hash */
	uint64_t *hash; uint32_t cap_hash;    /* open addressing: hash << 32 | id+1 */
} nx_strtab;

typedef int (*nx_infer_fn)(nx_graph *g, uint32_t op, nx_err *err);

typedef struct nx_opinfo {
	const char *name;  /* text form */
	const char *onnx;  /* ONNX op_type, "" if none */
	uint8_t in_min, in_max, out_min, out_max;
	uint32_t flags;
	nx_infer_fn infer;
	const nx_attr_spec *attrs; /* terminated by name == NULL */
} nx_opinfo;

extern const nx_opinfo nx_ops[NX_OP_COUNT];
/* Attributes every kind accepts (act on NX_F_ACT kinds only): placement,
 * tiling and quantization decisions that passes record for the simulator. */
extern const nx_attr_spec nx_common_attrs[];
int nx_op_lookup(const char *name, size_t len);   /* text name -> kind, -1 */
int nx_op_lookup_onnx(const char *op_type);       /* ONNX op_type -> kind, -1 */
const nx_attr_spec *nx_attr_spec_find(int kind, const char *name);
/* Fused activation names accepted by attr act ("relu", "clip", ...). */
bool nx_act_valid(const char *act);
const char *nx_attr_kind_name(int kind);

/* ---- ir.c: the graph ----------------------------------------------------- */
enum { NX_V_DEAD = 1, NX_V_INPUT = 2 };
enum { NX_O_DEAD = 1 };

typedef struct nx_value {
	uint32_t name;      /* string id, unique in the graph */
	uint32_t type;      /* type id (nx_type_at); 0 = not yet inferred */
	uint32_t producer;  /* op id, or NX_NONE for graph inputs and constants */
	uint32_t blob;      /* blob slot (constants), or NX_NONE */
	uint32_t first_use; /* head of the use list, or NX_NONE */
	uint16_t result_no; /* index among the producer's results */
	uint8_t flags;      /* NX_V_* */
	uint8_t pad_;
} nx_value;

typedef struct nx_op {
	uint16_t kind;      /* nx_opkind */
	uint8_t flags;      /* NX_O_* */
	uint8_t n_out;
	uint16_t n_in;
	uint16_t n_attr;
	/* origin is never capped: a fused op of a 100k-op subgraph names them all */
	uint32_t n_origin;
	uint32_t in;        /* operand i is use slot in + i */
	uint32_t out;       /* results: value ids at g->u32[out .. out+n_out) */
	uint32_t attr;      /* attributes at g->attrs[attr .. attr+n_attr) */
	uint32_t origin;    /* source node names: string ids at g->u32[origin ..) */
	uint32_t born;      /* history step that created the op (0 = the model) */
	uint32_t prev, next; /* schedule order (doubly linked) */
} nx_op;

/* A use slot: operand i of op. value NX_NONE = an absent optional operand. */
typedef struct nx_use {
	uint32_t value, op;
	uint32_t prev, next; /* the value's use list */
} nx_use;

typedef struct nx_attr {
	uint32_t name;      /* string id */
	uint8_t kind;       /* nx_attr_kind */
	uint8_t pad_[3];
	uint32_t n;         /* list length */
	union {
		int64_t i;
		float f;
		uint32_t s;     /* string id */
		uint32_t off;   /* INTS: g->ints[off..], FLOATS: g->floats[off..] */
	} u;
} nx_attr;

struct nx_graph {
	uint32_t name;                  /* string id of @name */
	uint32_t step;                  /* born stamp given to new ops */

	nx_value *vals; uint32_t n_vals, cap_vals;
	nx_op *ops; uint32_t n_ops, cap_ops;
	nx_use *uses; uint32_t n_uses, cap_uses;
	uint32_t *u32; uint32_t n_u32, cap_u32;       /* results, origins */
	nx_attr *attrs; uint32_t n_attrs, cap_attrs;
	int64_t *ints; uint32_t n_ints, cap_ints;
	float *floats; uint32_t n_floats, cap_floats;

	/* strings: interned, dense ids. The table is shared by clones and only
	 * grows: a graph sees ids < n_strs, and appends in place while it is at
	 * the table's end (else it copies its prefix first). str_owner is the
	 * graph's own: the value named by each string, or NX_NONE. */
	nx_strtab *st;
	uint32_t n_strs;
	uint32_t *str_owner; uint32_t cap_owner;

	/* types: interned, id 0 = unknown */
	nx_type *types; uint32_t n_types, cap_types;
	uint32_t *type_hash; uint32_t cap_type_hash;

	/* The blob table is shared between clones (copy on write): a clone
	 * touches no blob, which keeps cloning a 100k-op graph in
	 * milliseconds. *blob_refs counts the graphs sharing it; each table
	 * holds one reference to each of its blobs. Change slots only through
	 * nx_graph_add_blob and nx_value_erase. */
	nx_blob **blobs; uint32_t n_blobs, cap_blobs;
	int *blob_refs;

	uint32_t *inputs; uint32_t n_inputs, cap_inputs;    /* value ids */
	uint32_t *outputs; uint32_t n_outputs, cap_outputs; /* value ids */

	uint32_t first, last;           /* schedule order ends */
	uint32_t n_live_ops;
};

#define NX_FOR_OPS(g, o) for (uint32_t o = (g)->first; o != NX_NONE; o = (g)->ops[o].next)

/* Caller frees with nx_graph_free. */
nx_graph *nx_graph_new(const char *name);
void nx_graph_free(nx_graph *g);
/* Structure copied, blobs shared, every id kept. Caller frees. */
nx_graph *nx_graph_clone(const nx_graph *g);
/* The same, built in spare's arrays where they are large enough (takes
 * ownership of spare, a graph nobody needs any more, or NULL): a run that
 * drops each snapshot once the next one is made copies into memory already
 * mapped instead of faulting fresh pages in. Caller frees. */
nx_graph *nx_graph_clone_reuse(const nx_graph *g, nx_graph *spare);
/* True if a and b hold the same graph array for array (ids, schedule,
 * attributes, types, blob slots, strings by id): a clone no pass changed.
 * Byte-wise, so a change undone, or an attribute set again to the same
 * value, reads as different. O(size) memcmp. */
bool nx_graph_same(const nx_graph *a, const nx_graph *b);
/* Shrinks every array to its length: loaders call it when done, so a graph
 * does not carry the slack of growth into the history. */
void nx_graph_trim(nx_graph *g);
/* Bytes the graph's arrays hold (capacity; blobs, shared, excluded; the
 * string table, which clones share, included: nx_strtab_mem tells it). */
size_t nx_graph_mem(const nx_graph *g);
size_t nx_strtab_mem(const nx_strtab *st);

/* Strings. */
uint32_t nx_str(nx_graph *g, const char *s);
uint32_t nx_strn(nx_graph *g, const char *s, size_t len);
uint32_t nx_str_find(const nx_graph *g, const char *s, size_t len); /* NX_NONE */
static inline const char *nx_cstr(const nx_graph *g, uint32_t id)
{
	return g->st->chars + g->st->off[id];
}

/* Types. */
uint32_t nx_type_intern(nx_graph *g, const nx_type *t);
static inline const nx_type *nx_type_at(const nx_graph *g, uint32_t id)
{
	return &g->types[id];
}

/* Values. */
static inline nx_value *nx_val(const nx_graph *g, uint32_t v) { return &g->vals[v]; }
static inline const nx_type *nx_vtype(const nx_graph *g, uint32_t v)
{
	return &g->types[g->vals[v].type];
}
static inline const char *nx_vname(const nx_graph *g, uint32_t v)
{
	return nx_cstr(g, g->vals[v].name);
}
/* A name not yet used by a value: hint itself, else hint_1, hint_2, ... */
uint32_t nx_fresh_name(nx_graph *g, const char *hint);
/* New value named name (NULL: a fresh "t" name); NX_NONE + err if the name is
 * taken. type_id 0 = to be inferred. */
uint32_t nx_value_new(nx_graph *g, const char *name, uint32_t type_id, nx_err *err);
uint32_t nx_value_by_name(const nx_graph *g, const char *name, size_t len);
int nx_value_rename(nx_graph *g, uint32_t v, const char *name, nx_err *err);
void nx_value_set_type(nx_graph *g, uint32_t v, const nx_type *t);
/* A constant value holding blob b (takes over the caller's reference). */
uint32_t nx_const_new(nx_graph *g, const char *name, nx_blob *b, nx_err *err);
static inline bool nx_is_const(const nx_graph *g, uint32_t v)
{
	return v != NX_NONE && g->vals[v].blob != NX_NONE;
}
static inline nx_blob *nx_const_blob(const nx_graph *g, uint32_t v)
{
	return g->blobs[g->vals[v].blob];
}
uint32_t nx_graph_add_blob(nx_graph *g, nx_blob *b); /* takes the reference */
void nx_graph_add_input(nx_graph *g, uint32_t v);
void nx_graph_add_output(nx_graph *g, uint32_t v);
void nx_graph_set_output(nx_graph *g, uint32_t i, uint32_t v);
/* Number of uses, graph outputs counted. */
uint32_t nx_value_nuses(const nx_graph *g, uint32_t v);
bool nx_value_is_output(const nx_graph *g, uint32_t v);
/* Every use of old (and graph output slot) now reads new. */
void nx_value_replace_uses(nx_graph *g, uint32_t old, uint32_t new_v);
/* Marks an unused constant or input-less value dead (a tombstone). */
void nx_value_erase(nx_graph *g, uint32_t v);
/* Iterate uses: for (u = nx_val(g,v)->first_use; u != NX_NONE; u = g->uses[u].next) */

/* Ops. */
static inline nx_op *nx_opp(const nx_graph *g, uint32_t o) { return &g->ops[o]; }
static inline uint32_t nx_operand(const nx_graph *g, uint32_t o, uint32_t i)
{
	return g->uses[g->ops[o].in + i].value;
}
static inline uint32_t nx_result(const nx_graph *g, uint32_t o, uint32_t i)
{
	return g->u32[g->ops[o].out + i];
}
static inline const char *nx_op_name(const nx_graph *g, uint32_t o)
{
	return nx_ops[g->ops[o].kind].name;
}
/* New op with n_in operands (NX_NONE entries = absent optional operands) and
 * n_out fresh result values named from out_names (NULL, or NULL entries:
 * fresh names), types unknown until set or inferred. Placed in the schedule
 * before op `before` (NX_NONE: at the end). born = g->step. Returns the op id,
 * or NX_NONE + err if a name is taken. */
uint32_t nx_op_new(nx_graph *g, int kind, const uint32_t *in, uint32_t n_in,
		   uint32_t n_out, const char *const *out_names, uint32_t before,
		   nx_err *err);
void nx_op_set_operand(nx_graph *g, uint32_t o, uint32_t i, uint32_t v);
void nx_op_set_operands(nx_graph *g, uint32_t o, const uint32_t *in, uint32_t n);
/* Unlinks o from the schedule, drops its operand uses and marks it and its
 * results dead. Its results must be unused (checked: returns -1 if not). */
int nx_op_erase(nx_graph *g, uint32_t o);
void nx_op_move_before(nx_graph *g, uint32_t o, uint32_t before); /* NX_NONE: end */
/* Positions in schedule order, indexed by op id (dead ops: UINT32_MAX).
 * Caller frees. */
uint32_t *nx_schedule_positions(const nx_graph *g);
/* Origin (source node names) and blame. */
void nx_op_set_origin(nx_graph *g, uint32_t o, const uint32_t *sids, uint32_t n);
void nx_op_add_origin(nx_graph *g, uint32_t o, uint32_t sid); /* no duplicates */
void nx_op_merge_origin(nx_graph *g, uint32_t dst, uint32_t src);
static inline const uint32_t *nx_op_origin(const nx_graph *g, uint32_t o)
{
	return g->u32 + g->ops[o].origin;
}

/* ---- attr.c: attributes on ops ------------------------------------------- */
const nx_attr *nx_attr_get(const nx_graph *g, uint32_t o, const char *name);
int64_t nx_attr_i(const nx_graph *g, uint32_t o, const char *name, int64_t def);
float nx_attr_f(const nx_graph *g, uint32_t o, const char *name, float def);
const char *nx_attr_s(const nx_graph *g, uint32_t o, const char *name, const char *def);
/* List attributes: pointer into the graph (see the pointer rule above) and
 * count; NULL and *n = 0 if absent. */
const int64_t *nx_attr_ints(const nx_graph *g, uint32_t o, const char *name, uint32_t *n);
const float *nx_attr_floats(const nx_graph *g, uint32_t o, const char *name, uint32_t *n);
void nx_attr_set_i(nx_graph *g, uint32_t o, const char *name, int64_t v);
void nx_attr_set_f(nx_graph *g, uint32_t o, const char *name, float v);
void nx_attr_set_s(nx_graph *g, uint32_t o, const char *name, const char *v);
void nx_attr_set_ints(nx_graph *g, uint32_t o, const char *name, const int64_t *v, uint32_t n);
void nx_attr_set_floats(nx_graph *g, uint32_t o, const char *name, const float *v, uint32_t n);
void nx_attr_del(nx_graph *g, uint32_t o, const char *name);
/* Copy every attribute of src (op of graph gs) onto dst (of g). */
void nx_attr_copy_all(nx_graph *g, uint32_t dst, const nx_graph *gs, uint32_t src);
bool nx_attr_eq(const nx_graph *ga, const nx_attr *a, const nx_graph *gb, const nx_attr *b);
/* Shortest text that reads back to the same float ("1e-05", "0.5", "3.0"). */
int nx_fmt_float(char *buf, size_t n, float f);
/* The same for a double (f64 data): shortest text that strtod reads back. */
int nx_fmt_double(char *buf, size_t n, double f);

/* ---- infer_*.c: shape inference (the per-kind functions and their helpers
 * are core-internal: nx_int.h) ------------------------------------------- */
/* Infer (and set) the result types of one op from its operands and attrs. */
int nx_infer_op(nx_graph *g, uint32_t o, nx_err *err);
/* Every op in schedule order. */
int nx_infer_graph(nx_graph *g, nx_err *err);
/* numpy broadcast of two shapes; -1 + err if incompatible. */
int nx_broadcast(const nx_type *a, const nx_type *b, nx_type *out, nx_err *err);

/* ---- verify.c ------------------------------------------------------------ */
/* Checks the IR rules (verify.c): schedule list consistent and
 * holding each live op once; ids and pool ranges valid; operand and result
 * counts per the registry; required operands present; operands, outputs and
 * inputs live; results point back to their producer; one definition per
 * value; names unique; use lists exactly the live operand slots; every use
 * after its definition in schedule order (so no cycles); types known, equal
 * (dtype + dims) to nx_infer_op's, constants' matching their blob; attributes
 * per schema (through nx_infer_op). Returns 0, or -1 with the first broken
 * rule in err ("op %c3 (conv): ..."). g is left unchanged: inference runs
 * on a scratch clone. */
int nx_verify(nx_graph *g, nx_err *err);
/* The same after a step from prev (a verified snapshot g was cloned from):
 * every rule, checked only on what differs from prev and its neighbours
 * (verify_inc.c; the whole graph when the unchanged runs of the schedule
 * were reordered or much changed), and types inferred again only for the
 * ops whose kind, operands (ids, types, constant blobs), results or
 * attributes differ from prev's op of the same id; an untouched op reads
 * what it read when prev was verified. For verify-after-every-step; verify
 * in full where it matters (the end of a pipeline). */
int nx_verify_since(nx_graph *g, const nx_graph *prev, nx_err *err);

/* ---- printer.c: the .nex text form ---------------------------------------- */
typedef struct nx_print_opts {
	/* Where blob data goes: NULL prints data blobs as blob(#k) references
	 * (for display; the parser refuses them); otherwise a writer that stores
	 * the bytes and returns the (file, offset) to print, and 0 (nonzero =
	 * failed: the print fails; keep the reason in ctx). It also receives
	 * file blobs, so a save gathers every weight in its own file. */
	int (*store_blob)(void *ctx, nx_blob *b, const char **file, uint64_t *offset);
	void *store_ctx;
	uint32_t inline_max;  /* data blobs up to this many elements print inline */
	bool show_ids;        /* append "// #op" ids, for debugging */
} nx_print_opts;
extern const nx_print_opts nx_print_defaults; /* no store, inline_max 16 */
/* o NULL = defaults. Caller frees the returned string; NULL if store_blob
 * failed. */
char *nx_print_str(const nx_graph *g, const nx_print_opts *o, size_t *len);
/* 0, or -1 if store_blob or the write failed. */
int nx_print(const nx_graph *g, FILE *f, const nx_print_opts *o);
/* One op as its text line (no indentation, no newline); caller frees. */
char *nx_print_op(const nx_graph *g, uint32_t o);

/* ---- parser.c ------------------------------------------------------------ */
/* file names the source in messages (NULL: "<input>"); dir resolves
 * file("x.bin") references (NULL = current directory). Runs nx_infer_op on
 * every op as it is read; a declared type must match the inferred one.
 * Caller frees the graph. */
nx_graph *nx_parse(const char *text, size_t len, const char *file, const char *dir,
		   nx_err *err);
/* The same with file(...) confined to root (see confine.c). */
nx_graph *nx_parse_in(const char *text, size_t len, const char *file, const nx_fileroot *root,
		      nx_err *err);

/* ---- json.c: the JSON form (docs/ir-json.md) ----------------------------- */
/* As nx_parse: file names the source in messages, dir resolves "file"
 * weight references (NULL = current directory); every op's types are
 * inferred and must match the declared ones. Caller frees the graph. */
nx_graph *nx_json_parse(const char *text, size_t len, const char *file, const char *dir,
			nx_err *err);
nx_graph *nx_json_parse_in(const char *text, size_t len, const char *file,
			   const nx_fileroot *where, nx_err *err);
/* Caller frees. Blob data as in nx_print_opts (o NULL = nx_print_defaults);
 * NULL if store_blob fails. */
char *nx_json_print(const nx_graph *g, const nx_print_opts *o);

/* ---- io.c: load and save by file extension (.nex, .json, .onnx) ---------- */
nx_graph *nx_load(const char *path, nx_err *err);
struct nx_onnx_opts;
/* The same with options: o->allow_outside for every format, the rest for
 * ONNX (o NULL = defaults). */
nx_graph *nx_load_with(const char *path, const struct nx_onnx_opts *o, nx_err *err);
/* For .nex and .json, the bytes of data blobs of more than 16 elements and
 * of blobs read from files go to a side file, path.bin or path.2.bin
 * (whichever the model on disk does not name; 64-byte aligned, named by its
 * base name); model and side file replace the old pair as one (atomic.c),
 * and a failure leaves the old pair. Refuses early (memneed.c) a save whose
 * weights cannot fit in memory. */
int nx_save(const nx_graph *g, const char *path, nx_err *err);

/* ---- memneed.c: memory a model needs, checked before heavy work --------- */
typedef struct nx_mem_estimate {
	uint64_t weights;       /* bytes of every distinct blob */
	uint64_t lazy_weights;  /* of those, not yet in memory (fills, scaled) */
	uint64_t run_peak;      /* interpreter: most activation bytes alive at once */
} nx_mem_estimate;
/* keep: the interpreter keeps every intermediate (nx_run_opts.keep). */
void nx_mem_need(const nx_graph *g, bool keep, nx_mem_estimate *m);
/* Bytes this process may still use (limits, MemAvailable + SwapFree);
 * *source (may be NULL) says which figure won. */
uint64_t nx_mem_available(const char **source);
/* 0 if need fits in what is available (less a tenth kept for the rest), else
 * -1 + err "WHAT needs about X GiB (DETAIL), more than the Y GiB of ...". */
int nx_mem_fits(const char *what, uint64_t need, const char *detail, nx_err *err);
/* nx_mem_fits for work that generates or reads m's lazy weights and holds
 * `more` bytes besides: DETAIL reads "X GiB of weights to generate or
 * read, Y GiB MORE_WHAT" ("of activations at the peak"). */
int nx_mem_fits_lazy(const char *what, const nx_mem_estimate *m, uint64_t more,
		     const char *more_what, nx_err *err);

/* 0 if OpenBLAS's work buffers for `threads` threads (128 MiB each) fit
 * besides `more` bytes, or if g calls no BLAS (nx_graph_calls_blas); else
 * -1 + err naming the limit. OpenBLAS hangs when it cannot map them. */
int nx_blas_fits(const nx_graph *g, int threads, uint64_t more, nx_err *err);
/* g has an op whose kernel may call OpenBLAS (conv, matmul, gemm, rnns). */
bool nx_graph_calls_blas(const nx_graph *g);

/* ---- cpu_info.c: the BLAS core and SIMD level this process runs --------- */
typedef enum nx_simd_level { NX_SIMD_BASE, NX_SIMD_AVX2, NX_SIMD_AVX512 } nx_simd_level;
typedef struct nx_cpu_info {
	char blas_core[32];     /* openblas_get_corename(): "Haswell", "Cooperlake" */
	char blas_version[32];  /* "0.3.21", or "" when OpenBLAS does not say */
	char blas_env[64];      /* OPENBLAS_CORETYPE if set */
	bool blas_env_set;      /* OPENBLAS_CORETYPE is set and not empty */
	bool blas_forced;       /* ... and OpenBLAS runs the core it names */
	nx_simd_level simd;     /* what simd.h's dispatch picks on this CPU */
} nx_cpu_info;
void nx_cpu_info_get(nx_cpu_info *ci);
const char *nx_simd_level_name(nx_simd_level l);
/* One line, "cpu: OpenBLAS V core C (WHY); nex kernels S", into buf;
 * returns snprintf's count. */
int nx_cpu_info_line(const nx_cpu_info *ci, char *buf, size_t size);

/* ---- diff.c: IR diff by stable id ---------------------------------------- */
typedef enum nx_change {
	NX_DIFF_ADDED, NX_DIFF_REMOVED, NX_DIFF_CHANGED
} nx_change;
enum { /* what changed, for NX_DIFF_CHANGED */
	NX_DIFF_KIND = 1, NX_DIFF_OPERANDS = 2, NX_DIFF_ATTRS = 4, NX_DIFF_TYPES = 8,
	NX_DIFF_ORDER = 16, NX_DIFF_NAMES = 32
};
typedef struct nx_diff_entry {
	uint32_t op;     /* op id (same in both graphs when changed) */
	uint8_t change;  /* nx_change */
	uint32_t what;   /* NX_DIFF_* bits */
} nx_diff_entry;
typedef struct nx_diff {
	nx_diff_entry *e; uint32_t n;
	uint32_t added, removed, changed;
} nx_diff;
/* Caller frees with nx_diff_free. Graphs must share an id space (one a
 * descendant of the other through clones); else every op reads as changed. */
nx_diff *nx_diff_graphs(const nx_graph *a, const nx_graph *b);
void nx_diff_free(nx_diff *d);
/* "kind", "operands", "attrs", "types", "order", "names" for one NX_DIFF_*
 * bit; "added", "removed", "changed" for an nx_change. NULL if unknown. */
const char *nx_diff_what_name(uint32_t bit);
const char *nx_diff_change_name(int change);

/* ---- linediff.c: unified line diff (Myers, linear space) ----------------- */
/* Unified diff of two texts with ctx lines of context; caller frees.
 * Returns "" (allocated) when equal. */
char *nx_unified_diff(const char *a, size_t na, const char *b, size_t nb,
		      const char *name_a, const char *name_b, int ctx);

/* ---- tensor.c: dense tensors for the interpreter ------------------------- */
/* A tensor owns its data (malloc'd); free with nx_tensor_free. f16/bf16 data
 * is stored as uint16 bit patterns, bool as one byte. */
typedef struct nx_tensor {
	nx_type type;
	void *data;
} nx_tensor;
nx_tensor nx_tensor_alloc(const nx_type *t);  /* zero-filled */
/* Seeded inputs: floats uniform in [lo, hi); integers and bools uniform
 * over the whole numbers in [max(0, floor(lo)), floor(hi)), or that lower
 * bound when the range holds none (so index tensors stay in range).
 * Caller frees. */
nx_tensor nx_tensor_random(const nx_type *t, uint64_t *state, double lo, double hi);
void nx_tensor_free(nx_tensor *t);
/* Element i of an integer or bool tensor, exactly (no trip through double);
 * stored wrapping to the dtype's width as a C cast does. A u64 element
 * comes back as its bits (values past INT64_MAX read negative). */
int64_t nx_tensor_get_int(const nx_tensor *t, int64_t i);
void nx_tensor_set_int(nx_tensor *t, int64_t i, int64_t v);
/* Element i as double / stored from double, whatever the dtype. */
double nx_tensor_get(const nx_tensor *t, int64_t i);
void nx_tensor_set(nx_tensor *t, int64_t i, double v);
/* Like nx_tensor_alloc, contents undefined (for kernels that write every
 * element). Caller frees with nx_tensor_free. */
nx_tensor nx_tensor_empty(const nx_type *t);
nx_tensor nx_tensor_copy(const nx_tensor *t);  /* deep copy; caller frees */
int64_t nx_tensor_numel(const nx_tensor *t);
size_t nx_tensor_nbytes(const nx_tensor *t);
/* The same tensor in dtype `to`, element by element as Cast does (float to
 * int truncates toward zero, to bool is != 0, to f16/bf16 rounds to nearest
 * even). Caller frees. */
nx_tensor nx_tensor_convert(const nx_tensor *t, int to);
/* How far a is from the reference b (same dims; dtypes may differ: values
 * compare as doubles). rel = |a-b| / |b|, infinite where b = 0 != a; an
 * element is bad when |a-b| > atol + rtol * |b| (numpy's allclose) or when
 * exactly one of the two is NaN; equal infinities match. */
typedef struct nx_tensor_diff {
	double max_abs, max_rel;
	int64_t worst;   /* index of the largest abs error (or the first NaN mismatch) */
	int64_t n_bad;
	int64_t n_nan;   /* NaN in one tensor only */
} nx_tensor_diff;
/* -1 + err if the dims differ. */
int nx_tensor_compare(const nx_tensor *a, const nx_tensor *b, double rtol, double atol,
		      nx_tensor_diff *d, nx_err *err);

/* ---- tensor_io.c: tensor files: ONNX TensorProto (.pb) and numpy (.npy) --- */
/* Reads a tensor, the format chosen by the extension (.npy, else .pb). *name
 * (if name is not NULL) gets the TensorProto's name or NULL; caller frees it
 * and the tensor. A dtype nex lacks (string, complex, ...) is an error
 * naming it. */
int nx_tensor_read(const char *path, nx_tensor *t, char **name, nx_err *err);
/* Decodes a serialized TensorProto (what nx_tensor_read does after reading
 * the file). */
int nx_tensor_from_pb(const void *buf, size_t len, nx_tensor *t, char **name, nx_err *err);
/* As nx_tensor_read, but UINT16 TensorProto data is taken as the bits of
 * dtype u16_as (NX_F16 or NX_BF16; -1: refused as nx_tensor_read does): the
 * ONNX 1.12 test data stores bfloat16 tensors as UINT16. */
int nx_tensor_read_ex(const char *path, int u16_as, nx_tensor *t, char **name, nx_err *err);
/* Writes atomically, the format chosen by the extension (.npy, else .pb);
 * name goes into the TensorProto (NULL: none). bf16 has no .npy dtype: an
 * error. */
int nx_tensor_write(const char *path, const nx_tensor *t, const char *name, nx_err *err);

/* ---- pool.c: worker threads for the interpreter's kernels (and the
 * back end's executor, which runs them) ---------------- */
typedef struct nx_pool nx_pool;
/* threads <= 1: no workers, nx_pool_for runs inline. Caller frees with
 * nx_pool_free. */
nx_pool *nx_pool_new(int threads);
void nx_pool_free(nx_pool *p);
int nx_pool_threads(const nx_pool *p);  /* 1 for NULL */
/* Splits [0, n) into contiguous chunks, one per thread (the caller's thread
 * takes one), calls fn(ctx, lo, hi) on each and returns when all are done.
 * p may be NULL (inline). Not reentrant: fn must not call nx_pool_for. */
void nx_pool_for(nx_pool *p, int64_t n, void (*fn)(void *ctx, int64_t lo, int64_t hi),
		 void *ctx);

/* ---- kern_conv_direct.c (tests only): the direct conv kernel's register
 * tiles, each called by name ---------------- */
/* y [N, M, oh, ow] = conv(x [N, C, H, W] (dims xd), w [M, C / group, KH,
 * KW] (dims wd)) + b (b may be NULL), stride and dilation the same on both
 * axes, begin pads pt (rows) and pl (columns), on the direct kernel's
 * AVX-512 tile (v4) or its AVX2 tile, one thread. -1 (y untouched) when
 * this CPU lacks that tile or the conv would not take the direct road. */
int nx_conv_direct_probe(const int64_t xd[4], const int64_t wd[4], int64_t group, int64_t stride,
			 int64_t dil, int64_t pt, int64_t pl, int64_t oh, int64_t ow, const float *x,
			 const float *w, const float *b, bool v4, float *y);

/* ---- interp.c (+ kern_*.c): the reference interpreter --------------------- */
typedef struct nx_run_opts {
	int threads;   /* worker threads for kernels; 0 = one per core */
	bool keep;     /* keep every intermediate tensor, by value id */
	/* If not NULL: wall seconds of each op, indexed by op id (g->n_ops
	 * entries, caller-owned), for profiles. */
	double *op_seconds;
	/* Observers, for tools that look at every value as it is made without
	 * keeping them all (the numeric debugger): before runs with the op's
	 * operand values, after with its results, each before anything is
	 * freed or overwritten in place. A non-zero return stops the run with
	 * the observer's err. Either may be NULL. */
	int (*before)(void *ctx, nx_graph *g, uint32_t op, const nx_tensor *in, nx_err *err);
	int (*after)(void *ctx, nx_graph *g, uint32_t op, const nx_tensor *out, nx_err *err);
	void *observer;
	/* If not NULL: the workers to run on (threads is then ignored), kept
	 * by the caller across runs, as a runtime session keeps its threads;
	 * NULL: nx_run makes a pool of `threads` and frees it at the end. */
	nx_pool *pool;
	/* If not NULL: what runs of this graph with this keep share, from
	 * nx_run_plan_new (the memory check is done there, once); NULL:
	 * nx_run makes a plan for the one run. */
	const struct nx_run_plan *plan;
} nx_run_opts;
/* run_plan.c: what nx_run works out once per graph (the memory check, each
 * value's use count), for callers that run one graph many times. NULL +
 * err when the run would not fit in memory, OpenBLAS's work buffers for
 * `threads` threads included (0 = one per core, as nx_run_opts.threads).
 * The plan is for g as it is now and for runs of at most `threads`
 * threads: edit g and make a new one. Caller frees with nx_run_plan_free. */
typedef struct nx_run_plan nx_run_plan;
nx_run_plan *nx_run_plan_new(const nx_graph *g, bool keep, int threads, nx_err *err);
void nx_run_plan_free(nx_run_plan *p);
/* The op that runs op inside its own run under plan p (run_fuse.c: an
 * add/sub/mul/div by a constant folded into the producer of its other
 * operand; none in a keep plan or a run with observers), or NX_NONE. */
uint32_t nx_run_plan_fused_into(const nx_run_plan *p, uint32_t op);
/* The thread count nx_run uses for o (o->threads, or one per core). */
int nx_run_threads(const nx_run_opts *o);
typedef struct nx_run_result {
	nx_tensor *outputs; uint32_t n_outputs;  /* one per graph output */
	nx_tensor *values; uint32_t n_values;    /* by value id if keep, else NULL */
} nx_run_result;
/* Runs g in schedule order on inputs (one per graph input, in order; types
 * must match). Fills res (caller frees with nx_run_result_free). */
int nx_run(nx_graph *g, const nx_tensor *inputs, uint32_t n_inputs, const nx_run_opts *o,
	   nx_run_result *res, nx_err *err);
void nx_run_result_free(nx_run_result *r);
/* Evaluates one op: in[i] is operand i (data NULL for an absent optional
 * operand); out[0..n_out) are allocated by the call with the result types
 * (which must be inferred). Used by constant folding. */
int nx_eval_op(nx_graph *g, uint32_t op, const nx_tensor *in, nx_tensor *out, nx_err *err);
/* nx_eval_op with the kernels' work split over pool (NULL: inline), as
 * nx_run splits it: kernels that split sums (sgemm blocks) give nx_run's
 * bits only under the same thread count. The back end's executor uses it. */
int nx_eval_op_pool(nx_graph *g, uint32_t op, const nx_tensor *in, nx_tensor *out,
		    nx_pool *pool, nx_err *err);
/* nx_eval_op_pool, but result i goes to dest[i] when that is not NULL:
 * dense bytes of the result's dtype and dims, which the kernel writes in
 * place of a fresh tensor (out[i].data = dest[i], not to be freed); the
 * bytes must not overlap an operand's. On failure dest's bytes are
 * unspecified. The back end's executor writes results into its memory
 * image this way. */
int nx_eval_op_into(nx_graph *g, uint32_t op, const nx_tensor *in, nx_tensor *out,
		    void *const *dest, nx_pool *pool, nx_err *err);
/* Float conv op (one image, 2-d) on windows of larger tensors: in[0].data
 * and y->data point at the first float of the operand's and the result's
 * windows (whole rows), their channels st[0] and st[2] floats apart and
 * images st[1] and st[3]; in[0].type and y->type are the windows' types.
 * The bits are those of the windows copied out and run by nx_eval_op
 * (conv_tile.c: the interpreter's conv tiles run so, the executor's too). */
int nx_eval_conv_window(nx_graph *g, uint32_t op, const nx_tensor *in, uint32_t n_in,
			nx_tensor *y, const int64_t st[4], nx_err *err);
/* The same for a float conv_transpose op (convt_tile.c; its fused act is
 * applied to the window here, as the interpreter applies it after the op). */
int nx_eval_convt_window(nx_graph *g, uint32_t op, const nx_tensor *in, uint32_t n_in,
			 nx_tensor *y, const int64_t st[4], nx_err *err);
/* What keep gives: values[v] for every op result and graph input; constants
 * and dead values have data NULL (read constants from the graph). Every
 * registry kind has a kernel; opaque ops are refused, naming their op_type.
 * f16/bf16 values are computed in f32 and rounded at each op's results; i8
 * weights with attr w_scale are dequantized per output channel. nx_run sets
 * OpenBLAS to one thread (process-wide): kernels split work over their own
 * threads instead. */

/* ---- onnx_import.c, onnx_export.c ---------------------------------------- */
typedef struct nx_shape_bind {
	const char *name;             /* graph input */
	int rank;
	int64_t dims[NX_MAX_RANK];
} nx_shape_bind;
typedef struct nx_onnx_opts {
	const nx_shape_bind *binds; uint32_t n_binds;  /* --shape NAME=1,3,640,640 */
	/* Graph inputs to import as constants with these values (by name); the
	 * conformance runner uses it for inputs that feed shape operands. */
	const char *const *const_names; const nx_tensor *const_values; uint32_t n_consts;
	/* Non-fatal notes (opaque ops, ...): called once each; NULL = stderr. */
	void (*warn)(void *ctx, const char *msg);
	void *warn_ctx;
	/* When an attribute-slot operand (Reshape's shape, Slice's starts, ...)
	 * is not constant, called (before the import fails) with each graph
	 * input upstream of it: the inputs that would have to be bound with
	 * const_names. NULL = not told. */
	void (*need_const)(void *ctx, const char *input);
	void *need_const_ctx;
	/* --allow-outside: file references may leave the model's directory
	 * (confine.c); nx_load_with applies it to .nex and .json too. */
	bool allow_outside;
	/* --unroll-limit: a Loop or Scan with more steps is refused (0 = 64). */
	uint32_t unroll_limit;
	/* --f64-as-f32: DOUBLE values and constants import as f32 (a warning
	 * says how many tensors were narrowed). */
	bool f64_as_f32;
} nx_onnx_opts;
nx_graph *nx_onnx_import(const char *path, const nx_onnx_opts *o, nx_err *err);
/* const_arg.c: "NAME=V" or "NAME=V,V,..." (a --const binding) into *name
 * (caller frees) and *t (a scalar or a list, i64 if every number is whole,
 * else f32; caller frees with nx_tensor_free). -1 + err on bad text. */
int nx_const_arg_parse(const char *arg, char **name, nx_tensor *t, nx_err *err);
nx_graph *nx_onnx_import_mem(const void *buf, size_t len, const char *name, const char *dir,
			     const nx_onnx_opts *o, nx_err *err);
int nx_onnx_export(const nx_graph *g, const char *path, nx_err *err);
/* The serialized model in memory (caller frees); NULL + err on failure. */
void *nx_onnx_export_mem(const nx_graph *g, size_t *len, nx_err *err);

/* ---- target.c (+ target_presets.c): the accelerator description ---------
 * What the NE model (src/sim) costs against and what passes read their
 * constraints from (layout alignment, SRAM size, field limits, CPU-fallback
 * ops). Plain data: copy it freely. Every field has a name in a table (see
 * nx_target_fields) through which the CLI (--set), JSON files, Lua and the TUI
 * read and write it; docs/ne-model.md documents each field and its source. */
typedef enum nx_dataflow { NX_DF_WS, NX_DF_OS, NX_DF_IS, NX_DF_COUNT } nx_dataflow;

typedef struct nx_target {
	char name[32];            /* preset or file it came from */
	/* compute: `cores` arrays of macs/array_cols rows x array_cols columns */
	int64_t cores;
	int64_t macs_fp16;        /* MACs per cycle per core, fp16 (f32/bf16 run as fp16) */
	int64_t macs_int8;        /* MACs per cycle per core, int8 */
	int64_t array_cols;       /* MAC array columns (output channels per fold) */
	int64_t dataflow;         /* nx_dataflow of the arrays */
	int64_t vec_elems;        /* element ops per cycle per core (vector/planar unit) */
	double clock;             /* Hz */
	/* memory */
	int64_t sram;             /* on-chip activation memory, bytes */
	int64_t kmem;             /* kernel (weight) buffer, bytes */
	double sram_bw;           /* bytes per cycle */
	double dram_bw;           /* bytes per cycle, the whole SoC */
	double dram_share;        /* fraction of dram_bw the NE gets */
	/* overheads */
	double task_overhead;     /* cycles per op (task descriptor) */
	double launch_overhead;   /* microseconds per program dispatch */
	/* layout */
	int64_t align;            /* last axis padded to this many bytes (NE layout) */
	int64_t buf_gran;         /* NE buffers come in units of this many bytes */
	/* hardware field limits */
	int64_t max_kernel, max_pad, max_groups, max_hw, max_c;
	int64_t max_pool_kernel, max_pool_stride, max_upsample, max_rank;
	uint64_t cpu_ops[NX_OP_WORDS]; /* op kinds that always fall back: bit k of nx_opkind */
	/* CPU fallback */
	double cpu_flops;         /* FLOP/s (one MAC = 2) */
	double cpu_bw;            /* bytes/s */
	double cpu_op_overhead;   /* microseconds per fallback op */
	/* energy */
	double e_mac_fp16, e_mac_int8; /* pJ per MAC */
	double e_sram, e_dram;    /* pJ per byte */
	double e_cpu_flop;        /* pJ per CPU FLOP */
	double static_power;      /* W while the NE runs */
} nx_target;

typedef enum nx_tfield_kind {
	NX_TF_STR, NX_TF_INT, NX_TF_BYTES, NX_TF_REAL, NX_TF_FRACTION, NX_TF_ENUM, NX_TF_OPS
} nx_tfield_kind;
typedef struct nx_target_field {
	const char *name;  /* as in --set NAME=VALUE and JSON keys */
	uint8_t kind;      /* nx_tfield_kind */
	size_t off;        /* offsetof(nx_target, member) */
	const char *unit;  /* "bytes", "B/cycle", "Hz", ... (what `get` prints) */
	const char *doc;   /* one line */
} nx_target_field;

/* The field table; *n gets its length. */
const nx_target_field *nx_target_fields(size_t *n);
const nx_target_field *nx_target_field_find(const char *name);
/* Presets compiled in (a11 ... m4, scalesim-32x32-{ws,os,is}). */
size_t nx_target_preset_count(void);
const nx_target *nx_target_preset_at(size_t i);
/* One line on where the preset's figures come from; "" if none. */
const char *nx_target_preset_note(const char *name);
/* Copies preset `name` into *t; -1 + err listing the presets if unknown. */
int nx_target_preset(const char *name, nx_target *t, nx_err *err);
/* NAME or path.json: a preset name, else a JSON file (nx_target_load). */
int nx_target_resolve(const char *spec, nx_target *t, nx_err *err);
/* Sets one field from text: sizes take KiB/MiB/GiB (and KB/MB/GB) suffixes
 * and fractions ("1.5MiB"), fractions take "0.5", "50%" or "1/2", clock
 * "1.3GHz", bandwidths "68GB/s" (converted with the target's clock), times
 * "85us"/"1ms", cpu_ops a list "gather,opaque" or edits "+resize,-gather".
 * Validates the result; on error -1, err says why (listing the fields when
 * the name is unknown) and *t is unchanged. */
int nx_target_set(nx_target *t, const char *field, const char *value, nx_err *err);
/* "NAME=VALUE" as nx_target_set. */
int nx_target_set_kv(nx_target *t, const char *kv, nx_err *err);
/* A field's value as text that nx_target_set reads back; -1 if unknown. */
int nx_target_get(const nx_target *t, const char *field, char *buf, size_t n);
/* Consistency: positive sizes and rates, macs divisible by array_cols, ... */
int nx_target_validate(const nx_target *t, nx_err *err);
/* JSON: an object of every field. Loading starts from "preset" if the object
 * names one (then any subset of fields overrides it), else every field must
 * be present. Unknown keys are errors. Caller frees the string. */
char *nx_target_to_json(const nx_target *t);
int nx_target_from_json(const char *text, size_t len, const char *file, nx_target *t,
			nx_err *err);
int nx_target_load(const char *path, nx_target *t, nx_err *err);
int nx_target_save(const nx_target *t, const char *path, nx_err *err);
/* Derived figures. int8 rate for i8/u8 compute, fp16 rate otherwise. */
int64_t nx_target_macs(const nx_target *t, int dtype);        /* per core per cycle */
double nx_target_peak_macs(const nx_target *t, int dtype);    /* all cores, per cycle */
double nx_target_ne_dram_bw(const nx_target *t);              /* dram_bw x dram_share */
bool nx_target_cpu_op(const nx_target *t, int kind);
void nx_target_set_cpu_op(nx_target *t, int kind, bool on);
const char *nx_dataflow_name(int df);

/* ---- mlir_export.c: TOSA dialect text ------------------------------------ */
/* The graph as an MLIR 14 module (`func @main`, TOSA ops, NHWC around convs
 * and pools, weights as tosa.const). Caller frees; NULL + err naming the
 * first op with no TOSA form. */
char *nx_mlir_export_str(const nx_graph *g, nx_err *err);
int nx_mlir_export(const nx_graph *g, const char *path, nx_err *err);

/* ---- dot_export.c: Graphviz DOT ------------------------------------------ */
typedef struct nx_dot_opts {
	/* Colouring hook: heat of op in [0, 1] (cycles, energy, error, ...),
	 * drawn from pale to red; NULL = no colouring. */
	double (*heat)(void *ctx, const nx_graph *g, uint32_t op);
	void *heat_ctx;
	/* Constants with at most this many elements get their own node;
	 * larger ones are listed in the label of the op that reads them. */
	uint32_t const_nodes_max;
} nx_dot_opts;
/* Caller frees. o may be NULL (defaults: no heat, const_nodes_max 1). */
char *nx_dot_export_str(const nx_graph *g, const nx_dot_opts *o);
int nx_dot_export(const nx_graph *g, const char *path, const nx_dot_opts *o, nx_err *err);

/* ---- target_layout.c: bytes of a tensor as a target stores it ------------
 * In core so that passes decide on the figures the sim costs with. */
/* The (B,C,H,W) view the NE works on: rank < 4 gets leading ones, rank > 4
 * folds the leading dims into B. */
typedef struct nx_bchw {
	int64_t b, c, h, w;
} nx_bchw;
nx_bchw nx_bchw_of(const nx_type *t);
/* Bytes in memory: plain and nhwc packed; ne = B x C x plane stride with
 * row stride = roundup(W x elem, align), plane = roundup(row x H, align)
 * [RE anecc]. -1 if the type is unknown or overflows. */
int64_t nx_target_type_bytes(const nx_type *t, const nx_target *tg);
/* Bytes an arena buffer takes: ne tensors in buf_gran units, others rounded
 * up to align. */
int64_t nx_target_alloc_bytes(const nx_type *t, const nx_target *tg);
/* True if op only relabels its operand's bytes (a view kind whose result is
 * stored exactly as its operand is); such ops cost nothing and their result
 * shares the operand's buffer. Reshapes that change the NE row structure
 * are copies [Apple: reshape and transpose likely trigger memory copies]. */
bool nx_target_op_is_view(const nx_graph *g, uint32_t op, const nx_target *tg);

/* ---- target_support.c: what the NE can run -------------------------------- */
/* What an op needs from the hardware, read once from the graph, so that the
 * check against a target is arithmetic. */
typedef struct nx_limits {
	int32_t kernel, pad, groups;   /* conv-like: largest kernel dim, pad, groups */
	int32_t pool_kernel, pool_stride;
	int32_t hw, c;                 /* largest H/W and C over operands and results
					* (clamped to INT32_MAX) */
	int32_t rank;                  /* most non-unit dims over operands and results */
	float upsample;                /* resize: largest scale factor */
	uint8_t dilated, bcast_nd, dtype_bad;
	uint8_t bad_dtype;             /* the offending nx_dtype when dtype_bad */
} nx_limits;
void nx_limits_of(const nx_graph *g, uint32_t op, nx_limits *l);
/* kind's support on t given l; false + reason ("dilated conv", ...) if not. */
bool nx_limits_ok(int kind, const nx_limits *l, const nx_target *t, char *reason, size_t n);
/* The one place that decides NE vs CPU fallback by capability (the sim and
 * the partition pass both ask it): false + a reason if the target cannot run
 * op. The `device` attribute is a placement decision and is not read here. */
bool nx_target_supports(const nx_graph *g, uint32_t op, const nx_target *t, char *reason,
			size_t n);
/* Where op runs: true if attr device = "cpu" or t cannot run it. */
bool nx_target_on_cpu(const nx_graph *g, uint32_t op, const nx_target *t);

/* ---- quant_ops.c: the integer MAC ops seen as convs and GEMMs ------------- */
enum { NX_INT_MAC_CONV = 1, NX_INT_MAC_MATMUL = 2 };
/* NX_INT_MAC_CONV for conv_integer and qlinear_conv, NX_INT_MAC_MATMUL for
 * matmul_integer and qlinear_matmul, 0 for every other kind. */
int nx_int_mac_kind(int kind);
/* The operand holding a MAC op's weights (B): 3 for the qlinear ops, else 1. */
uint32_t nx_mac_weight_operand(int kind);

/* ---- conv_tile.c: a conv with attr `tile`, computed tile by tile --------- */
/* How conv o splits: tile counts nt and extents te per (b,c,h,w) of its
 * result; NULL if it splits so (the interpreter and the NE back end both
 * compute it tile by tile), else why it is computed whole (nt all 1). */
const char *nx_conv_tiling(const nx_graph *g, uint32_t o, int64_t nt[4], int64_t te[4]);
/* The same for extents ext[0..n) (attr tile or a candidate of the tile pass). */
const char *nx_conv_tiling_ext(const nx_graph *g, uint32_t o, const int64_t *ext, uint32_t n,
			       int64_t nt[4], int64_t te[4]);
/* The tile of conv o at result window (r0, rn): the window of operand 0 it
 * reads (in0, inn per bchw), its own pads (t, l, b, r) and group. */
void nx_conv_tile_geom(const nx_graph *g, uint32_t o, const int64_t r0[4], const int64_t rn[4],
		       int64_t in0[4], int64_t inn[4], int64_t pads[4], int64_t *group);

/* ---- convt_tile.c: a conv_transpose with attr `tile`, tile by tile ------- */
/* How conv_transpose o splits: tile counts nt and extents te per (b,c,h,w)
 * of its result; NULL if it splits so, else why it is computed whole. */
const char *nx_convt_tiling(const nx_graph *g, uint32_t o, int64_t nt[4], int64_t te[4]);
/* The same for extents ext[0..n) (attr tile or a candidate of the tile pass). */
const char *nx_convt_tiling_ext(const nx_graph *g, uint32_t o, const int64_t *ext, uint32_t n,
				int64_t nt[4], int64_t te[4]);
/* The tile of conv_transpose o at result window (r0, rn): the windows of
 * its input (xw0, xwn) and weights (ww0, wwn) per bchw, its own pads
 * (t, l, b, r) and group. Its bias is the tile's channels. */
void nx_convt_tile_geom(const nx_graph *g, uint32_t o, const int64_t r0[4], const int64_t rn[4],
			int64_t xw0[4], int64_t xwn[4], int64_t ww0[4], int64_t wwn[4],
			int64_t pads[4], int64_t *group);
/* Sets the attrs of tile op so (copied from the whole op) for a tile with
 * those pads and group and out_hw result rows and columns: no tile,
 * auto_pad or output_shape; output_padding for the rows past its input's
 * reach. so's operands must have their types. */
void nx_convt_tile_attrs(nx_graph *s, uint32_t so, const int64_t pads[4], int64_t group,
			 const int64_t out_hw[2]);

/* ---- pool_tile.c: row and column tiles of a 2-d max or average pool ----- */
/* NULL if pool o splits by rows and columns exactly (pads, auto_pad,
 * dilations, ceil_mode all taken) with tile extents ext (per result dim;
 * NULL: with any extents), else why not. */
const char *nx_pool_tile_ok(const nx_graph *g, uint32_t o, const int64_t *ext);
/* The tile of pool o at result window (r0, rn) (bchw): the window of its
 * input it reads (in0, inn) and its own pads (t, l, b, r). */
void nx_pool_tile_geom(const nx_graph *g, uint32_t o, const int64_t r0[4], const int64_t rn[4],
		       int64_t in0[4], int64_t inn[4], int64_t pads[4]);

/* ---- matmul_tile.c: a matmul or gemm with attr `tile`, tile by tile ------ */
/* How matmul/gemm o splits: tile counts nt and extents te per (b,c,h,w) of
 * its result; NULL if it splits so, else why it is computed whole. */
const char *nx_matmul_tiling(const nx_graph *g, uint32_t o, int64_t nt[4], int64_t te[4]);
/* The windows (w0, wn per bchw) of operands 0..2 (as many as o has) that
 * the tile at result window (r0, rn) reads. */
void nx_matmul_tile_windows(const nx_graph *g, uint32_t o, const int64_t r0[4],
			    const int64_t rn[4], int64_t w0[][4], int64_t wn[][4]);
/* Runs tiled matmul/gemm o of g on in[0..n_in) into y (allocated by the
 * caller with o's result type) tile by tile on pool (NULL: one thread), as
 * the interpreter does (gather false: tiles read in place where they can)
 * or with every tile gathered dense (the reference the tests compare the
 * in-place tiles with); *n_inplace (may be NULL) gets how many tiles ran in
 * place; OpenBLAS is kept at one thread, as by nx_run. 0, or -1 with err
 * (o not split by tiles included). */
int nx_eval_matmul_tiles(nx_graph *g, uint32_t o, const nx_tensor *in, uint32_t n_in,
			 nx_tensor *y, nx_pool *pool, bool gather, int64_t *n_inplace, nx_err *err);

/* ---- move_tile.c: move tiles (transpose, slice, reshape) as one window -- */
/* Reshape, flatten, squeeze, unsqueeze: the same elements, dims relabelled. */
bool nx_reshape_kind(int kind);
/* The window (x0, xn, per dim of x) of a reshape-family op's operand x
 * holding the result tile (r0, rn, per dim of y) in the same row-major
 * order; false if no window does. */
bool nx_reshape_tile_window(const nx_type *x, const nx_type *y, const int64_t *r0,
			    const int64_t *rn, int64_t *x0, int64_t *xn);
/* The window of transpose o's operand that the result tile (r0, rn) reads. */
void nx_transpose_tile_window(const nx_graph *g, uint32_t o, const int64_t *r0,
			      const int64_t *rn, int64_t *x0, int64_t *xn);
/* The window of slice o's operand that the result tile (r0, rn) reads;
 * false if a step is not 1. */
bool nx_slice_tile_window(const nx_graph *g, uint32_t o, const int64_t *r0, const int64_t *rn,
			  int64_t *x0, int64_t *xn);
/* NULL if every tile of extents ext (per dim of the result; < 1 = whole) of
 * transpose, slice or reshape-family op o is one window of its operand,
 * else why. */
const char *nx_move_tiling(const nx_graph *g, uint32_t o, const int64_t *ext);

/* ---- liveness.c: buffers and live ranges in schedule order ---------------- */
enum { NX_SRAM = 0, NX_DRAM = 1 };
enum { /* why a buffer is in DRAM */
	NX_WHY_FITS = 0,   /* in SRAM */
	NX_WHY_IO,         /* graph input or output: the host hands it over in DRAM */
	NX_WHY_CPU,        /* read or written by a CPU fallback op */
	NX_WHY_BIG,        /* larger than the SRAM */
	NX_WHY_SPILL       /* no room left in the SRAM while it is live (or the
			    * recorded plan put it in DRAM) */
};
typedef struct nx_buf {
	uint32_t value;     /* the value that owns it (views share their source's) */
	uint32_t start, end;/* positions, inclusive */
	int64_t size;       /* allocation bytes */
	int64_t offset;     /* in its level's arena */
	int64_t arena_off;  /* in the single-arena plan (the plan-quality figure) */
	uint8_t level;      /* NX_SRAM / NX_DRAM */
	uint8_t why;        /* NX_WHY_* */
} nx_buf;
/* Buffers are in start order: graph inputs, then results by position. */
typedef struct nx_live {
	uint32_t n_pos;     /* live ops in the order */
	uint32_t *op_at;    /* position -> op id */
	uint32_t *pos_of;   /* op id -> position, UINT32_MAX if dead */
	uint32_t *buf_of;   /* value id -> buffer index (views: their source's), or NX_NONE */
	nx_buf *bufs;
	uint32_t n_bufs;
	uint32_t n_vals;
} nx_live;
/* Positions only (op_at, pos_of; bufs empty) of the schedule (order NULL)
 * or of order[0..n) (every live op once, topological). */
void nx_live_positions(const nx_graph *g, const uint32_t *order, uint32_t n, nx_live *l);
enum { NX_LIVE_VIEW = 1, NX_LIVE_CPU = 2 }; /* flags per position */
/* Buffers of every non-constant value after nx_live_positions: sizes from
 * talloc (allocation bytes by type id), views and CPU ops from flags (by
 * position; NULL = none). */
void nx_live_build(const nx_graph *g, const uint8_t *flags, const int64_t *talloc, nx_live *l);
/* Both for g on t: sizes by nx_target_alloc_bytes, views by
 * nx_target_op_is_view, CPU ops by nx_target_on_cpu. t NULL: plain
 * nx_type_bytes sizes, no views, no CPU ops. Free with nx_live_free. */
void nx_live_graph(const nx_graph *g, const uint32_t *order, uint32_t n, const nx_target *t,
		   nx_live *l);
void nx_live_free(nx_live *l);
/* The most bytes live at one position (the lower bound of any plan);
 * *peak_pos (may be NULL) gets the first position that reaches it. */
int64_t nx_live_peak(const nx_live *l, uint32_t *peak_pos);
/* Bytes value v holds while live (as nx_live_graph sizes it); 0 for
 * constants, dead values and values without a type. */
int64_t nx_live_value_bytes(const nx_graph *g, uint32_t v, const nx_target *t);
/* nx_live_peak of nx_live_graph(g, order, n, t); *peak_op (may be NULL)
 * gets the op running at the peak, NX_NONE if there is none. */
int64_t nx_peak_live_bytes(const nx_graph *g, const uint32_t *order, uint32_t n,
			   const nx_target *t, uint32_t *peak_op);

/* ---- memplan.c: arena offsets and SRAM/DRAM placement --------------------- */
typedef struct nx_interval {
	int64_t start, end; /* inclusive */
	int64_t size;
} nx_interval;
/* Best fit by decreasing size, as XLA's GlobalDecreasingSizeBestFitHeap:
 * buffers sorted by size (then longer live range, then index), each put in
 * the smallest free gap among the buffers live at the same time that holds
 * it, else above them. capacity >= 0 limits the heap: a buffer with no room
 * below it gets offset -1. Returns the heap size. */
int64_t nx_plan_bestfit(const nx_interval *iv, uint32_t n, int64_t align, int64_t capacity,
			int64_t *offset);
/* Best fit with search: plain best fit (its heap in *first), then, while
 * above the lower bound lb (-1: computed here), best fit by decreasing live
 * area, re-plans that put first the buffers that ended above it, and
 * restarts in jittered size orders (fixed seed); the smallest heap is kept
 * (offsets of that plan). */
int64_t nx_plan_bestfit_search(const nx_interval *iv, uint32_t n, int64_t align, int64_t lb,
			       int64_t *offset, int64_t *first);
/* First fit in schedule order (start time): the lowest gap that holds it. */
int64_t nx_plan_firstfit(const nx_interval *iv, uint32_t n, int64_t align, int64_t *offset);
/* Max over time of the bytes live at once: no plan can use less. */
int64_t nx_plan_lower_bound(const nx_interval *iv, uint32_t n);

/* A heap simulator in XLA's style: Alloc/Free events, one time step each,
 * then Finish plans every buffer. ids are the caller's (dense, small). */
typedef enum nx_algo {
	NX_ALGO_BESTFIT, NX_ALGO_FIRSTFIT, NX_ALGO_SEARCH, NX_ALGO_COUNT
} nx_algo;
const char *nx_algo_name(int a);
typedef struct nx_heap nx_heap;
nx_heap *nx_heap_new(int64_t alignment); /* caller frees with nx_heap_free */
void nx_heap_alloc(nx_heap *h, uint32_t id, int64_t size);
void nx_heap_free_buf(nx_heap *h, uint32_t id);
/* Heap size; offsets[id] for id < n_offsets (-1 for ids never allocated). */
int64_t nx_heap_finish(nx_heap *h, int algo, int64_t *offsets, uint32_t n_offsets);
void nx_heap_free(nx_heap *h);

typedef struct nx_memplan {
	int64_t lower_bound;          /* max live bytes */
	int64_t peak_algo[NX_ALGO_COUNT]; /* single-arena heap size per algorithm */
	int64_t peak;                 /* the smallest: the plan taken */
	uint8_t algo;                 /* which one */
	uint8_t recorded;             /* placement from the graph's arena/spill attrs */
	int64_t sram_peak, dram_peak; /* arena sizes after placement */
	int64_t spilled_bytes;        /* SRAM-eligible buffers placed in DRAM */
	uint32_t n_sram, n_dram, n_spilled;
	int64_t *live_sram, *live_dram; /* live bytes per position, by level */
} nx_memplan;
/* Plans l->bufs (offsets, levels) for t; fills mp. The two halves: the
 * single-arena plans and lower bound (depend on sizes and live ranges),
 * and the SRAM/DRAM placement (depends on sram too). */
void nx_memplan_run(nx_live *l, const nx_target *t, nx_memplan *mp);
void nx_memplan_arena(nx_live *l, const nx_target *t, nx_memplan *mp);
void nx_memplan_place(nx_live *l, const nx_target *t, nx_memplan *mp);
/* Placement that first plans the on-chip candidates with best fit search
 * and keeps that plan if it fits the SRAM (the plan-memory pass's). */
void nx_memplan_place_search(nx_live *l, const nx_target *t, nx_memplan *mp);
/* Placement as recorded: spill[b] (1 = DRAM) and offset[b] (the SRAM offset
 * when spill[b] is 0), by buffer. Checks it on t: forced-DRAM buffers (io,
 * cpu, larger than sram) must spill, on-chip ones fit the SRAM and no two
 * live at once share a byte. The DRAM arena is planned here (best fit
 * search). -1 + err naming the values if the plan does not hold (then l's
 * levels are undefined: place again). */
int nx_memplan_apply(const nx_graph *g, nx_live *l, const nx_target *t, const uint8_t *spill,
		     const int64_t *offset, nx_memplan *mp, nx_err *err);
void nx_memplan_free(nx_memplan *mp);

/* ---- gen.c: synthetic graphs -------------------------------------------- */
typedef enum nx_gen_kind { NX_GEN_CHAIN, NX_GEN_RESNET, NX_GEN_TRANSFORMER } nx_gen_kind;
typedef struct nx_gen_opts {
	int kind;          /* nx_gen_kind */
	uint32_t ops;      /* op count, 1..1000000 (constants not counted):
			    * whole blocks (at least one) are added until it is
			    * reached, so the result exceeds it by less than a
			    * block */
	uint64_t seed;     /* same options, same graph (and printed text) */
	/* transformer: sequence length, model width, attention heads (0 =
	 * defaults 128, 768, 12; heads must divide dmodel) */
	uint32_t seq, dmodel, heads;
} nx_gen_opts;
/* Caller frees. NULL + err on bad options. */
nx_graph *nx_gen(const nx_gen_opts *o, nx_err *err);
const char *nx_gen_kind_name(int kind);      /* "chain", "resnet", "transformer" */
int nx_gen_kind_parse(const char *s);        /* -1 if unknown */

/* ---- demo.c: the built-in demo model ------------------------------------- */
extern const char nx_demo_text[];
nx_graph *nx_demo(nx_err *err);

#endif
