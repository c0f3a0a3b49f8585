/* nx.h — the core of nex: IR, types, blobs, op registry, and the prototypes of
 * every core file, grouped by file (QBE's all.h is the model).
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
 * Read the structs freely; change them only through the functions below, which
 * keep use lists and the schedule consistent.
 */
#ifndef NX_H
#define NX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

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

/* ---- util.c: memory and files -------------------------------------------- */
void *nx_xmalloc(size_t n);        /* aborts on OOM (internal error, exit 2) */
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
/* Seconds from a monotonic clock, for timers and benchmarks. */
double nx_now(void);

/* ---- type.c: element types and tensor types ----------------------------- */
typedef enum nx_dtype {
	NX_F32, NX_F16, NX_BF16, NX_I8, NX_U8, NX_I32, NX_I64, NX_BOOL,
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
	NX_BLOB_FILE   /* bytes read from (path, offset) at load time */
} nx_blob_src;

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
	void *data;       /* NULL until a fill blob is materialized */
} nx_blob;

/* Constructors return a blob with one reference, owned by the caller (drop it
 * with nx_blob_unref, or hand it to nx_const_new which takes it over). */
nx_blob *nx_blob_new_data(const nx_type *t, void *data); /* takes data (malloc'd) */
nx_blob *nx_blob_new_copy(const nx_type *t, const void *data);
nx_blob *nx_blob_new_fill(const nx_type *t, int fill, uint64_t seed);
/* Reads nbytes of t from dir/path at offset; keeps path for printing back. */
nx_blob *nx_blob_new_file(const nx_type *t, const char *dir, const char *path,
			  uint64_t offset, nx_err *err);
nx_blob *nx_blob_ref(nx_blob *b);
void nx_blob_unref(nx_blob *b);
/* The data, generating a fill blob on first call (not thread-safe: call it
 * before handing the pointer to worker threads). */
const void *nx_blob_data(nx_blob *b);
size_t nx_blob_nbytes(const nx_blob *b);
const char *nx_fill_name(int fill);
int nx_fill_parse(const char *s, size_t len);

/* ---- ops.c: the op registry --------------------------------------------- */
typedef enum nx_opkind {
#define X(e, text, onnx, i0, i1, o0, o1, fl, inf, at) NX_OP_##e,
#include "ops.def"
#undef X
	NX_OP_COUNT
} nx_opkind;

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
	NX_F_OPAQUE     = 1u << 12  /* unknown to nex: kept, costed as CPU */
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
	uint16_t n_origin;
	uint16_t pad_;
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

	/* strings: interned, dense ids; owner = value named so, or NX_NONE */
	char *chars; uint32_t n_chars, cap_chars;
	uint32_t *str_off; uint32_t *str_owner; uint32_t n_strs, cap_strs;
	uint32_t *str_hash; uint32_t cap_str_hash; /* open addressing, ids+1 */

	/* types: interned, id 0 = unknown */
	nx_type *types; uint32_t n_types, cap_types;
	uint32_t *type_hash; uint32_t cap_type_hash;

	nx_blob **blobs; uint32_t n_blobs, cap_blobs; /* each holds one ref */

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
/* Bytes the graph's arrays hold (capacity, weights excluded). */
size_t nx_graph_mem(const nx_graph *g);

/* Strings. */
uint32_t nx_str(nx_graph *g, const char *s);
uint32_t nx_strn(nx_graph *g, const char *s, size_t len);
uint32_t nx_str_find(const nx_graph *g, const char *s, size_t len); /* NX_NONE */
static inline const char *nx_cstr(const nx_graph *g, uint32_t id)
{
	return g->chars + g->str_off[id];
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

/* ---- infer_*.c: shape inference (one function per infer column) ---------- */
#define X(e, text, onnx, i0, i1, o0, o1, fl, inf, at) \
	int nx_infer_##inf(nx_graph *g, uint32_t op, nx_err *err);
#include "ops.def"
#undef X
/* Infer (and set) the result types of one op from its operands and attrs. */
int nx_infer_op(nx_graph *g, uint32_t o, nx_err *err);
/* Every op in schedule order. */
int nx_infer_graph(nx_graph *g, nx_err *err);
/* numpy broadcast of two shapes; -1 + err if incompatible. */
int nx_broadcast(const nx_type *a, const nx_type *b, nx_type *out, nx_err *err);

/* ---- verify.c ------------------------------------------------------------ */
/* Every rule of docs/ir.md ("Verifier"); the first broken one in err, naming
 * the op and the rule. */
int nx_verify(nx_graph *g, nx_err *err);

/* ---- printer.c: the .nex text form ---------------------------------------- */
typedef struct nx_print_opts {
	/* Where blob data goes: NULL prints data blobs as blob(#k) references
	 * (for display; the parser refuses them); otherwise a writer that stores
	 * the bytes and returns the (file, offset) to print. */
	int (*store_blob)(void *ctx, nx_blob *b, const char **file, uint64_t *offset);
	void *store_ctx;
	uint32_t inline_max;  /* data blobs up to this many elements print inline */
	bool show_ids;        /* append "// #op" ids, for debugging */
} nx_print_opts;
extern const nx_print_opts nx_print_defaults;
/* Caller frees the returned string. */
char *nx_print_str(const nx_graph *g, const nx_print_opts *o, size_t *len);
int nx_print(const nx_graph *g, FILE *f, const nx_print_opts *o);
/* One op as its text line (no indentation, no newline); caller frees. */
char *nx_print_op(const nx_graph *g, uint32_t o);

/* ---- parser.c ------------------------------------------------------------ */
/* file names the source in messages; dir resolves file("x.bin") references
 * (NULL = current directory). Caller frees the graph. */
nx_graph *nx_parse(const char *text, size_t len, const char *file, const char *dir,
		   nx_err *err);

/* ---- json.c: the JSON form ----------------------------------------------- */
nx_graph *nx_json_parse(const char *text, size_t len, const char *file, const char *dir,
			nx_err *err);
/* Caller frees. Blob data as in nx_print_opts. */
char *nx_json_print(const nx_graph *g, const nx_print_opts *o);

/* ---- io.c: load and save by file extension (.nex, .json, .onnx) ---------- */
nx_graph *nx_load(const char *path, nx_err *err);
/* Writes path (and path.bin for weights) atomically. */
int nx_save(const nx_graph *g, const char *path, nx_err *err);

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

/* ---- linediff.c: unified line diff (Myers, linear space) ----------------- */
/* Unified diff of two texts with ctx lines of context; caller frees.
 * Returns "" (allocated) when equal. */
char *nx_unified_diff(const char *a, size_t na, const char *b, size_t nb,
		      const char *name_a, const char *name_b, int ctx);

/* ---- gen.c: synthetic graphs -------------------------------------------- */
typedef enum nx_gen_kind { NX_GEN_CHAIN, NX_GEN_RESNET, NX_GEN_TRANSFORMER } nx_gen_kind;
typedef struct nx_gen_opts {
	int kind;          /* nx_gen_kind */
	uint32_t ops;      /* approximate op count (constants not counted) */
	uint64_t seed;
	/* transformer: sequence length and model width (0 = defaults) */
	uint32_t seq, dmodel;
} nx_gen_opts;
nx_graph *nx_gen(const nx_gen_opts *o, nx_err *err);

/* ---- demo.c: the built-in demo model ------------------------------------- */
extern const char nx_demo_text[];
nx_graph *nx_demo(nx_err *err);

#endif
