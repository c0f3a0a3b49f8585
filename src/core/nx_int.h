/* nx_int.h — what only the files of src/core share: the per-kind shape
 * inference functions and their helpers (infer_*.c) and the interpreter's
 * kernel interface (kern_*.c, the table in interp.c). Layers above core
 * see the IR through nx.h alone: they infer an op with nx_infer_op and evaluate one with nx_eval_op, never a kernel or an
 * infer function directly, so these can change shape freely.
 * test_headers checks that no file outside src/core includes this header.
 */
#ifndef NX_INT_H
#define NX_INT_H

#include "nx.h"

/* ---- opcheck.c: the registry checks every reader of ops shares -----------
 * The parser, the JSON reader, inference and the verifier word a fault the
 * same way through these; the caller puts its location in front. */
/* n operands (results if results) against kind's range: 0, or -1 + err
 * "conv takes 2 to 3 operands, got 4". */
int nx_check_count(int kind, bool results, uint32_t n, nx_err *err);
/* Operand i of kind is absent: 0 if it may be (the optional tail of a fixed
 * list, or any operand of an opaque op), else -1 + err. */
int nx_check_absent(int kind, uint32_t i, nx_err *err);
/* Same dtype, rank and dims; the layout tag is a pass's decision, not
 * something inference derives, so it is not compared. */
bool nx_type_same_shape(const nx_type *a, const nx_type *b);
/* A result's declared (or stored) type against the inferred one: 0, or -1 +
 * err "result %name: declared f32[1,2], inferred f32[2,1]". */
int nx_check_declared(const char *name, const nx_type *declared, const nx_type *inferred,
		      nx_err *err);

/* ---- run_plan.c: nx_run's per-graph part (opaque in nx.h) ---------------- */
struct nx_run_plan {
	const nx_graph *g;        /* the graph it was made for, not owned */
	uint32_t n_ops, n_vals;   /* g's counts then: a cheap staleness check */
	bool keep;
	int threads;              /* the most threads its memory check allowed for */
	uint32_t *uses;           /* per value id: operand slots that read it */
	uint32_t max_in, max_out; /* the most operands / results of one op */
	struct nx_fuse *fuse;     /* run_fuse.c's chains; NULL: none (or keep) */
};
/* 0 if p was made for g (as it is now), keep and at least `threads`
 * threads, else -1 + err. */
int nx_run_plan_for(const nx_run_plan *p, const nx_graph *g, bool keep, int threads,
		    nx_err *err);

/* ---- infer_*.c: one function per infer column of ops.def ---------------- */
#define X(e, text, onnx, i0, i1, o0, o1, fl, inf, at) \
	int nx_infer_##inf(nx_graph *g, uint32_t op, nx_err *err);
#include "ops.def"
#undef X
/* Helpers for the nx_infer_<kind> functions, which expect nx_infer_op's
 * checks (arity, attribute schema, operand types known) to have passed: call
 * them through nx_infer_op, not directly.
 * nx_infer_fail: err = "op %<first result> (<kind>): <reason>"; returns -1. */
int nx_infer_fail(const nx_graph *g, uint32_t o, nx_err *err, const char *fmt, ...)
	NX_PRINTF(4, 5);
nx_type nx_infer_in(const nx_graph *g, uint32_t o, uint32_t i); /* operand i's type */
/* Sets result i to t (dtype, rank, dims), keeping the result's layout tag;
 * -1 + err if rank > NX_MAX_RANK, a dim < 1 or the element count overflows. */
int nx_infer_set(nx_graph *g, uint32_t o, uint32_t i, const nx_type *t, nx_err *err);
/* axis in [-rank, rank) -> *out in [0, rank); what names it in the error. */
int nx_infer_axis(const nx_graph *g, uint32_t o, nx_err *err, const char *what, int64_t axis,
		  int rank, int *out);
/* axes (negative ones count from the end) -> mark[0..NX_MAX_RANK): true for
 * each listed axis; -1 + err if one is out of range or listed twice. */
int nx_infer_axes(const nx_graph *g, uint32_t o, nx_err *err, const int64_t *axes, uint32_t n,
		  int rank, bool *mark);
/* -1 + err naming both operands unless operands i and j share a dtype. */
int nx_infer_same_dtype(const nx_graph *g, uint32_t o, uint32_t i, uint32_t j, nx_err *err);
/* nx_type_str into buf, returning buf (for messages). */
char *nx_infer_tstr(const nx_type *t, char *buf, size_t n);
/* Dtype sets for nx_infer_dtype_in: bit (1u << nx_dtype). */
#define NX_DT_FLOAT ((1u << NX_F32) | (1u << NX_F16) | (1u << NX_BF16) | (1u << NX_F64))
#define NX_DT_SINT ((1u << NX_I8) | (1u << NX_I16) | (1u << NX_I32) | (1u << NX_I64))
#define NX_DT_UINT ((1u << NX_U8) | (1u << NX_U16) | (1u << NX_U32) | (1u << NX_U64))
#define NX_DT_NUM (NX_DT_FLOAT | NX_DT_SINT | NX_DT_UINT)
#define NX_DT_ALL (NX_DT_NUM | (1u << NX_BOOL))
/* -1 + err naming the operand and the accepted dtypes unless operand i's
 * dtype is in mask. */
int nx_infer_dtype_in(const nx_graph *g, uint32_t o, uint32_t i, unsigned mask, nx_err *err);
/* The dtype attribute (default f32) of an op that makes floats from sizes
 * (the windows, mel_weight_matrix): its nex dtype, or -1 + err. */
int nx_infer_float_dtype_attr(const nx_graph *g, uint32_t o, nx_err *err);
/* infer_nn.c: the result of a conv-shaped op (input operand xi, weight wi:
 * ranks, group, window attributes, spatial sizes) in *r, dtype xi's; the
 * caller checks dtypes, weights' values and bias. conv, conv_integer and
 * qlinear_conv share it. */
int nx_infer_conv_shape(nx_graph *g, uint32_t o, uint32_t xi, uint32_t wi, nx_type *r,
			nx_err *err);

/* ---- kern_*.c: interpreter kernels, one per op kind (table in interp.c) --
 * A kernel reads its operands and attributes and fills out[], which the
 * driver allocated with the result types. Half-float operands and results
 * arrive as f32 for kinds the table marks so (the driver converts and rounds
 * back); other dtypes arrive as they are. */
typedef struct nx_kern {
	nx_graph *g;
	uint32_t op;
	const nx_tensor *in; uint32_t n_in;  /* data NULL = absent optional operand */
	nx_tensor *out; uint32_t n_out;
	nx_pool *pool;                       /* NULL = single thread */
	nx_err *err;
	bool act_done;  /* set by a kernel that applied the fused act itself */
	/* Scalar steps to run after the act in the act's own sweep (run-time
	 * fusion, run_fuse.c; n_post 0: none). A kernel that adds them to
	 * the act it applies (kern_conv.c) sets post_done; otherwise the
	 * driver sweeps them after the op. */
	const struct nx_act_step *post;
	uint8_t n_post;
	bool post_done;
} nx_kern;
typedef int (*nx_kern_fn)(nx_kern *k);
/* err = "op %<result> (<kind>): <reason>"; returns -1. */
int nx_kern_fail(nx_kern *k, const char *fmt, ...) NX_PRINTF(2, 3);
/* The fused activation of op (attr act), applied in place to n floats;
 * returns -1 + err for an unknown name. */
/* y = y OP c (c OP y when rev), OP add, sub, mul or div by NX_OP_ kind. */
typedef struct nx_act_step {
	int kind;
	bool rev;
	float c;
} nx_act_step;
#define NX_ACT_POST 8
typedef struct nx_act {
	int kind;            /* 0 = none */
	float alpha, beta;
	/* after the act, element by element in this order, in the same
	 * sweep (run-time fusion; nx_act_get leaves none) */
	uint8_t n_post;
	nx_act_step post[NX_ACT_POST];
} nx_act;
int nx_act_get(const nx_graph *g, uint32_t op, nx_act *a, nx_err *err);
void nx_act_apply(const nx_act *a, float *x, int64_t n);
/* Adds k's post steps to a (a real act, kind != 0, that the kernel will
 * apply everywhere through nx_act_apply) and sets k->post_done. */
void nx_act_take_post(nx_kern *k, nx_act *a);
/* kern_elem.c */
int nx_kern_unary(nx_kern *k);      /* sqrt exp log neg abs reciprocal erf softplus and
				       the activations */
int nx_kern_binary(nx_kern *k);     /* add sub mul div pow prelu, numpy broadcast */
int nx_kern_minmax(nx_kern *k);     /* variadic max, min */
int nx_kern_clip(nx_kern *k);
int nx_kern_cast(nx_kern *k);
/* kern_f64.c: the kernel that computes kind in double when an operand or
 * result is f64 (it gets the f64 data as it is), or NULL: the driver then
 * narrows f64 to f32 for kernels that compute in f32. */
nx_kern_fn nx_kern_f64_for(int kind);
/* kern_logic.c */
int nx_kern_compare(nx_kern *k);    /* equal less less_equal greater greater_equal */
int nx_kern_logic(nx_kern *k);      /* and or xor not */
int nx_kern_where(nx_kern *k);
int nx_kern_classify(nx_kern *k);   /* is_nan is_inf */
int nx_kern_sign(nx_kern *k);
/* kern_math.c */
int nx_kern_math(nx_kern *k);       /* sin ... atanh, floor ceil round */
int nx_kern_mod(nx_kern *k);
int nx_kern_bit_shift(nx_kern *k);
int nx_kern_sum(nx_kern *k);        /* variadic sum, mean */
int nx_kern_cum_sum(nx_kern *k);
/* kern_act.c */
int nx_kern_act(nx_kern *k);        /* elu selu celu thresholded_relu shrink softsign mish */
int nx_kern_hardmax(nx_kern *k);
/* kern_tensor.c */
int nx_kern_trilu(nx_kern *k);
int nx_kern_tile(nx_kern *k);
int nx_kern_depth_space(nx_kern *k); /* depth_to_space space_to_depth */
int nx_kern_one_hot(nx_kern *k);
int nx_kern_eye_like(nx_kern *k);
/* kern_range.c: the length rule shared by inference, kernel and importer:
 * *n = max(ceil((limit - start) / delta), 0), exact for integers; -1 + err
 * (bare reason) for delta 0 or a length past int64. */
int nx_range_count(const nx_tensor *start, const nx_tensor *limit, const nx_tensor *delta,
		   int64_t *n, nx_err *err);
int nx_kern_range(nx_kern *k);
/* kern_scatter.c */
int nx_kern_gather_elements(nx_kern *k);
int nx_kern_gather_nd(nx_kern *k);
int nx_kern_scatter_elements(nx_kern *k);
int nx_kern_scatter_nd(nx_kern *k);
int nx_kern_reverse_sequence(nx_kern *k);
/* kern_normalize.c */
int nx_kern_instance_norm(nx_kern *k);
int nx_kern_lrn(nx_kern *k);
int nx_kern_mvn(nx_kern *k);
/* kern_quant.c */
int nx_kern_quantize(nx_kern *k);   /* quantize_linear dequantize_linear */
int nx_kern_dynamic_quantize(nx_kern *k);
/* kern_loss.c */
int nx_kern_loss(nx_kern *k);       /* nll_loss sce_loss */
/* infer_rnn.c: what LSTM, GRU and RNN read from their operands and
 * attributes, shared by inference and the kernel. */
enum { NX_RNN_ACT_MAX = 3 };        /* activations per direction (LSTM's f, g, h) */
typedef struct nx_rnn_act {
	int fn;                     /* index into infer_rnn.c's table */
	float alpha, beta;
} nx_rnn_act;
typedef struct nx_rnn_spec {
	int gates, n_act;           /* 4, 3 (LSTM); 3, 2 (GRU); 1, 1 (RNN) */
	int dirs;                   /* 1, or 2 for bidirectional */
	bool reverse;               /* direction "reverse" (dirs 1) */
	int layout;                 /* 0: X [T,B,I]; 1: X [B,T,I] */
	int64_t nt, nb, ni, nh;       /* steps T, batch B, input I, hidden H */
	float clip;                 /* 0: none */
	bool input_forget, linear_before_reset;
	nx_rnn_act act[2][NX_RNN_ACT_MAX];  /* [direction][f, g, h] */
} nx_rnn_spec;
/* Reads the spec of op (types of X and W, attributes); -1 + err naming the
 * op for an unknown direction or activation, a bad layout or hidden_size. */
int nx_rnn_spec_of(const nx_graph *g, uint32_t op, nx_rnn_spec *s, nx_err *err);
/* Activation a applied in place to n floats. */
void nx_rnn_act_apply(const nx_rnn_act *a, float *x, int64_t n);
/* kern_rnn.c */
int nx_kern_rnn(nx_kern *k);        /* lstm gru rnn */
/* signal lane: kern_window.c, kern_dft.c, kern_det.c, kern_grid_sample.c,
 * kern_const_shape.c, kern_tfidf.c (each with its op's inference) */
int nx_kern_window(nx_kern *k);     /* hann_window hamming_window blackman_window */
int nx_kern_mel_weight_matrix(nx_kern *k); /* kern_mel.c */
int nx_kern_dft(nx_kern *k);
int nx_kern_stft(nx_kern *k);
int nx_kern_det(nx_kern *k);
int nx_kern_grid_sample(nx_kern *k);
int nx_kern_constant_of_shape(nx_kern *k);
int nx_kern_tf_idf(nx_kern *k);     /* kern_tfidf.c */
int nx_kern_max_unpool(nx_kern *k); /* kern_unpool.c */
int nx_kern_max_pool_argmax(nx_kern *k); /* kern_pool_argmax.c */
int nx_kern_roi_align(nx_kern *k); /* kern_roialign.c */
/* kern_qmatmul.c */
int nx_kern_qmatmul(nx_kern *k);    /* matmul_integer qlinear_matmul */
/* kern_qconv.c */
int nx_kern_qconv(nx_kern *k);      /* conv_integer qlinear_conv */
/* bcast_iter.c: the element of each of n <= NX_BC_MAX operands that numpy
 * broadcasting pairs with result element i, walked in result order: after
 * nx_bc_init, off[k] is operand k's flat index for element 0; each
 * nx_bc_next moves to the next element. */
#define NX_BC_MAX 3
typedef struct nx_bc_iter {
	int rank, n;
	int64_t dims[NX_MAX_RANK];
	int64_t st[NX_BC_MAX][NX_MAX_RANK];
	int64_t idx[NX_MAX_RANK];
	int64_t off[NX_BC_MAX];
} nx_bc_iter;
void nx_bc_init(nx_bc_iter *it, const nx_type *out, const nx_type *const *ops, int n);
void nx_bc_next(nx_bc_iter *it);
/* 0 if t broadcasts to out (right-aligned, each dim 1 or out's), else -1:
 * kernels check it so that a wrong result type cannot read out of bounds. */
int nx_bc_check(const nx_type *out, const nx_type *t);
/* kern_shape.c */
int nx_kern_copy(nx_kern *k);       /* identity reshape flatten squeeze unsqueeze */
int nx_kern_transpose(nx_kern *k);
int nx_kern_concat(nx_kern *k);
int nx_kern_split(nx_kern *k);
int nx_kern_slice(nx_kern *k);
int nx_kern_gather(nx_kern *k);
int nx_kern_pad(nx_kern *k);
int nx_kern_shape(nx_kern *k);
int nx_kern_expand(nx_kern *k);
/* kern_resize.c */
int nx_kern_resize(nx_kern *k);
/* kern_reduce.c */
int nx_kern_reduce(nx_kern *k);     /* reduce_mean reduce_sum reduce_max reduce_min
				       reduce_prod reduce_l1 reduce_l2 reduce_log_sum
				       reduce_log_sum_exp reduce_sum_square */
int nx_kern_arg(nx_kern *k);        /* arg_max arg_min */
int nx_kern_top_k(nx_kern *k);
/* Sum of n floats: blocks in float lanes (vectorizable), blocks in double. */
double nx_sum_f32(const float *x, int64_t n);
/* kern_norm.c */
int nx_kern_softmax(nx_kern *k);    /* softmax log_softmax */
int nx_kern_layer_norm(nx_kern *k);
int nx_kern_batch_norm(nx_kern *k);
/* kern_conv.c */
int nx_kern_conv(nx_kern *k);
int nx_kern_conv_transpose(nx_kern *k);
/* conv_tile.c: conv k by the tiles nx_conv_tiling gave */
int nx_kern_conv_tiles(nx_kern *k, const int64_t nt[4], const int64_t te[4]);
/* convt_tile.c: conv_transpose k tile by tile (nx_convt_tiling); 1 when it
 * is not split (the caller computes it whole) */
int nx_kern_convt_tiles(nx_kern *k);
/* kern_matmul.c */
int nx_kern_matmul(nx_kern *k);
int nx_kern_gemm(nx_kern *k);
/* matmul_tile.c: matmul/gemm k tile by tile (nx_matmul_tiling); 1 when it
 * is not split (the caller computes it whole) */
int nx_kern_matmul_tiles(nx_kern *k);
/* ... gather: every tile through dense copies of its operands (the path a
 * tile takes when it cannot be read in place; tests compare the two);
 * *n_inplace (may be NULL): how many tiles ran in place */
int nx_kern_matmul_tiles_how(nx_kern *k, bool gather, int64_t *n_inplace);
/* kern_matmul.c: the tile of k at result window (r0, rn), operand windows
 * (w0, wn) (bchw, nx_matmul_tile_windows), read and written in place with
 * the bits of the gathered tile's product; 1 when it cannot be (a batch
 * collapse across a row window, an odd operand): the caller gathers. */
int nx_kern_matmul_tile_at(nx_kern *k, const int64_t r0[4], const int64_t rn[4],
			   const int64_t w0[][4], const int64_t wn[][4]);
/* tile_graph.c: a new graph (caller frees with nx_graph_free) holding *so,
 * one op of o's kind with o's attributes but tile, over inputs typed as
 * in[0..n_in) (the first NX_TILE_MAX_IN of them; one without data stays
 * absent). */
#define NX_TILE_MAX_IN 3
nx_graph *nx_tile_graph(const nx_graph *g, uint32_t o, const nx_tensor *in, uint32_t n_in,
			nx_err *err, uint32_t *so);
/* pool.c: names the op whose jobs follow (its index in the graph), so that
 * the pool remembers their cost from one run of the graph to the next. */
void nx_pool_site(nx_pool *p, uint32_t site);

/* kern_pool.c */
int nx_kern_pool(nx_kern *k);       /* max_pool avg_pool */
int nx_kern_global_pool(nx_kern *k);

/* ---- auto_pad.c: ONNX auto_pad of conv, conv_transpose and the pools ---- */
enum { NX_PAD_NOTSET, NX_PAD_SAME_UPPER, NX_PAD_SAME_LOWER, NX_PAD_VALID };
/* NX_PAD_* of an auto_pad string, or -1 for none of the four. */
int nx_auto_pad(const char *s);
bool nx_auto_pad_same(int ap); /* SAME_UPPER or SAME_LOWER */
/* The total pad of one spatial axis that SAME asks of a conv or pool with
 * input size in, output size out and dilated kernel extent keff (may be
 * negative: nx_pad_split clamps it). Not conv_transpose's. */
int64_t nx_same_total(int64_t in, int64_t out, int64_t stride, int64_t keff);
/* Splits total (clamped at 0) into the begin pad it returns and *end
 * (end may be NULL): the odd one at the end (SAME_UPPER), or at the begin
 * when odd_at_begin (SAME_LOWER). */
int64_t nx_pad_split(int64_t total, bool odd_at_begin, int64_t *end);
/* conv_transpose's begin pad on one axis, as ONNX's reference evaluator
 * resolves it: SAME splits total (stride (in - 1) + output_padding + keff
 * - out) with the odd pad at the end for SAME_UPPER; otherwise the pads
 * attribute's begin (pad, 0 when absent) counts, with or without
 * output_shape. has_pads false, output_shape cutting total > opad rows:
 * the reference refuses; nex splits as onnxruntime does (odd at end). */
int64_t nx_convt_pad_begin(int ap, int64_t total, int64_t opad, bool has_output_shape,
			   bool has_pads, int64_t pad);

#endif
