/* onnx_int.h — what the ONNX importer's files share, and nothing else
 * includes: onnx_import.c (the driver: model, types, node loop, folding),
 * onnx_tensor.c (TensorProto decoding), onnx_opset.c (registry ops and
 * their differences across opsets 6 to 20) and onnx_fold.c (import-time
 * evaluation of ONNX's shape-only ops that are not in the registry). It is
 * kept out of nx.h because it needs the protobuf-c types generated from
 * onnx.proto, which the rest of core never sees.
 */
#ifndef NX_ONNX_INT_H
#define NX_ONNX_INT_H

#include "nx.h"
#include "onnx.pb-c.h"

/* protobuf-c's allocations through nx_xmalloc (alloc_fault.c). */
extern ProtobufCAllocator nx_pb_allocator;

/* Attribute-slot lists (Reshape's shape, Slice's starts, ...) longer than
 * this are refused: no real model has them, and a fixed buffer keeps every
 * translation free of allocation. */
#define NX_ONNX_MAX_LIST 1024
/* Shape-only ops outside the registry fold when their result has at most
 * this many elements; larger ones stay (opaque) ops. */
#define NX_ONNX_FOLD_MAX (1 << 20)

/* A zero-element constant: ONNX's spelling of "absent" (Resize's empty roi
 * and scales) or of an empty list (Reshape to a scalar). nex tensors have no
 * empty dims, so these never become values: the importer keeps them aside
 * and attribute slots read them as empty lists. */
typedef struct nx_onnx_empty {
	char *name;
	nx_type type;  /* dims as declared, one of them 0 */
} nx_onnx_empty;

typedef struct nx_onnx_count {
	char *op_type;
	char *first;   /* first node of that type, for the warning */
	uint32_t n;
} nx_onnx_count;

typedef struct nx_onnx_imp {
	nx_graph *g;
	const nx_onnx_opts *opts;
	nx_err *err;
	nx_fileroot root;             /* where external data resolves */
	const Onnx__GraphProto *gp;
	int64_t opset;                /* of the default domain */
	int64_t model_opset;          /* as declared (opset is 6 for 1..5) */

	/* the node being imported */
	const Onnx__NodeProto *node;
	char node_name[256];          /* its name, or op_type_index */
	uint32_t origin;              /* string id of node_name */

	nx_onnx_empty *empties; uint32_t n_empties, cap_empties;
	/* string ids of names the importer made up (helper values between
	 * the ops one node expands to); an ONNX name that collides later
	 * renames the helper */
	uint32_t *helpers; uint32_t n_helpers, cap_helpers;
	nx_onnx_count *opaque; uint32_t n_opaque, cap_opaque;
	nx_onnx_count *dropped; uint32_t n_dropped, cap_dropped; /* attrs */
	/* control flow (onnx_control.c): the model (for nested nodes) and the
	 * renaming scope of the subgraph being inlined (NULL: the main graph) */
	const Onnx__ModelProto *model;
	struct nx_onnx_scope *scope;
	uint32_t n_narrowed;          /* f64 tensors taken as f32 (--f64-as-f32) */
} nx_onnx_imp;

/* An integer or float list read from an attribute slot. */
typedef struct nx_onnx_list {
	bool present;    /* false: input absent (or "" name) */
	uint32_t n;
	int64_t i[NX_ONNX_MAX_LIST];
	double f[NX_ONNX_MAX_LIST];
} nx_onnx_list;

/* ---- onnx_tensor.c ---- */
/* nex dtype of an ONNX TensorProto.DataType, -1 if nex has none. */
int nx_onnx_dtype(int onnx_type);
/* The same for the model being imported: DOUBLE is f32 (and counted in
 * im->n_narrowed) when the options ask for --f64-as-f32. */
int nx_onnx_dtype_in(nx_onnx_imp *im, int onnx_type);
const char *nx_onnx_type_name(int onnx_type);
/* Decodes an ONNX tensor into nex dtype and dims (ints widened, DOUBLE
 * narrowed to f32). *data is malloc'd, caller frees (NULL for zero
 * elements); what names the tensor in errors. */
int nx_onnx_tensor(nx_onnx_imp *im, const Onnx__TensorProto *t, const char *what, nx_type *ty,
		   void **data, nx_err *err);

/* ---- onnx_import.c: helpers for the other files ---- */
/* A note through opts->warn (stderr when NULL, as nx_onnx_opts says). */
void nx_onnx_warn(nx_onnx_imp *im, const char *msg);
/* Sets im->err to "node 'name' (OpType): <fmt>"; returns -1. */
int nx_onnx_fail(nx_onnx_imp *im, const char *fmt, ...) NX_PRINTF(2, 3);
const char *nx_onnx_s(const char *s);  /* NULL -> "" */
/* double -> int64, saturating (NaN -> 0): no undefined conversion. */
int64_t nx_onnx_f2i(double v);
/* Node input i: *v = its value, NX_NONE if absent; *empty = true (and v
 * NX_NONE) for a zero-element constant. -1 + err if undefined. */
int nx_onnx_input(nx_onnx_imp *im, uint32_t i, uint32_t *v, bool *empty);
/* The zero-element constant called name, or NULL. */
const nx_onnx_empty *nx_onnx_find_empty(const nx_onnx_imp *im, const char *name);
/* Input i as a data operand: absent -> NX_NONE, empty -> error. */
int nx_onnx_operand(nx_onnx_imp *im, uint32_t i, uint32_t *v);
/* Input i must be a constant (absent is fine: list->present = false); its
 * elements, read exactly as int64 (integer dtypes) or as double (any). what
 * names the slot in errors ("shape"). */
int nx_onnx_const_list(nx_onnx_imp *im, uint32_t i, const char *what, bool want_int,
		       nx_onnx_list *list);
/* The node's attribute called name, or NULL. */
const Onnx__AttributeProto *nx_onnx_attr(const Onnx__NodeProto *n, const char *name);
/* The attribute's type, guessed from its fields when type is unset (old
 * writers). */
int nx_onnx_attr_type(const Onnx__AttributeProto *a);
int64_t nx_onnx_attr_i(const Onnx__NodeProto *n, const char *name, int64_t def);
float nx_onnx_attr_f(const Onnx__NodeProto *n, const char *name, float def);
/* A string attribute copied into buf (cut at cap - 1 bytes), or def. */
const char *nx_onnx_attr_str(const Onnx__NodeProto *n, const char *name, const char *def,
			     char *buf, size_t cap);
/* Starts an op of kind for the current node (origin = node name) with the
 * given operands and result names (NULL entry: a helper name). Set attrs,
 * then call nx_onnx_op_done. NX_NONE + err on a name clash. */
uint32_t nx_onnx_op_new(nx_onnx_imp *im, int kind, const uint32_t *in, uint32_t n_in,
			uint32_t n_out, const char *const *names);
/* Infers the op's types and folds it to constants when its operands are all
 * constant and it is cheap. res (may be NULL) gets the result values (op
 * results or the constants that replaced them). */
int nx_onnx_op_done(nx_onnx_imp *im, uint32_t op, uint32_t *res);
/* A constant called name (NULL: a helper name) with data (copied); a
 * zero-element type makes an empty. Returns the value (NX_NONE for an
 * empty, which is not an error); *ok = false + err on a name clash. */
uint32_t nx_onnx_def_const(nx_onnx_imp *im, const char *name, const nx_type *t,
			   const void *data, bool *ok);
/* A fresh helper name derived from hint; a string id. */
uint32_t nx_onnx_helper_name(nx_onnx_imp *im, const char *hint);
/* Copies the node's attributes onto op, checking each against kind's schema;
 * names in skip (NULL-terminated) are left to the caller. */
int nx_onnx_copy_attrs(nx_onnx_imp *im, uint32_t op, const char *const *skip);
/* The declared type of value name (value_info, then graph outputs), for
 * results nex cannot infer. -1 + err naming the node if absent or dynamic. */
int nx_onnx_declared_type(nx_onnx_imp *im, const char *name, nx_type *out);

/* Imports im->node (a node of the main graph or an inlined subgraph). */
int nx_onnx_import_node(nx_onnx_imp *im);
/* The graph inputs value v is computed from (through non-constant values),
 * comma-separated into buf (may be NULL), each also told to
 * opts->need_const; the number found. */
uint32_t nx_onnx_upstream_inputs(nx_onnx_imp *im, uint32_t v, char *buf, size_t cap);

/* ---- onnx_control.c ---- */
/* If, Loop and Scan: the taken branch of an If whose condition is constant,
 * a Loop with a constant trip count unrolled (up to opts->unroll_limit),
 * inlined with their names renamed; otherwise a refusal naming the input
 * that would have to be constant. -1 + err. */
int nx_onnx_control(nx_onnx_imp *im);
/* A --const value fitted to graph input vi's declared type: converted to
 * its dtype (exact values only) and laid out in its shape when the element
 * counts agree. *out is a new tensor (caller frees with nx_tensor_free);
 * -1 + err naming the input. */
int nx_onnx_fit_const(nx_onnx_imp *im, const Onnx__ValueInfoProto *vi, const nx_tensor *given,
		      nx_tensor *out);

/* ---- onnx_opset.c ---- */
/* Imports the current node as registry kind (nx_op_lookup_onnx(op_type), or
 * a kind an older op maps to: Upsample -> resize, Dropout -> identity). */
int nx_onnx_translate(nx_onnx_imp *im, int kind);

/* ---- onnx_rnn.c ---- */
/* Imports the current LSTM, GRU or RNN node as kind (lstm, gru, rnn). */
int nx_onnx_tr_rnn(nx_onnx_imp *im, int kind);

/* ---- onnx_einsum.c ---- */
/* Imports the current Einsum node as transpose/reshape/matmul/reduce_sum/
 * gather ops (no einsum op: see the file). */
int nx_onnx_tr_einsum(nx_onnx_imp *im);
/* ---- onnx_old_opset.c ---- */
/* For a model of opset 1 to 5 (read by opset 6's rules): 0 if op_type's
 * definition is the same at the model's opset as at 6, else -1 + err naming
 * the op. 0 for any op of a model of opset 6 or later. */
int nx_onnx_old_opset_check(nx_onnx_imp *im, const char *op_type);

/* ---- onnx_signal.c ---- */
/* The signal lane's nodes that need more than a generic translation
 * (windows, DFT, STFT, a run-time ConstantOfShape): 1 if it imported the
 * node, 0 if the node goes on, -1 + err. */
int nx_onnx_signal(nx_onnx_imp *im);

/* ---- onnx_fold.c ---- */
/* The current node's cases that a plain translation cannot take
 * (ConstantOfShape as expand, a run-time Range, zero-element results of
 * shape ops): 1 if it defined the node's outputs, 0 if the node goes on to
 * nx_onnx_translate (or opaque), -1 + err on bad input. No element values
 * are computed there: folding goes through the kernels. */
int nx_onnx_fold_extra(nx_onnx_imp *im);

#endif
