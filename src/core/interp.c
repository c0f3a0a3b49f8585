/* interp.c — the reference interpreter: runs a graph in schedule order with
 * the kernel of each op kind (the table below, indexed by kind, one entry per
 * registry row; the kernels live in kern_*.c). It is what constant folding
 * calls (nx_eval_op), what the ONNX conformance runner and `nex run` execute,
 * and what the numeric check after a pass compares.
 *
 * The driver owns the things every kernel would otherwise repeat:
 *  - f16/bf16 emulation: for kinds marked K_HALF, half-float operands are
 *    widened to f32, the kernel computes in f32, and half results are
 *    rounded back after the op (so a graph in f16 sees f16 rounding at every
 *    op boundary, as a device would). K_NUM widens every numeric operand, for
 *    kernels written for f32 only (pooling, resize): exact for the small
 *    integers ONNX tests use there;
 *  - f64: an op with an f64 operand or result runs kern_f64.c's kernel for
 *    its kind when there is one (double precision); otherwise K_HALF and
 *    K_NUM kernels get f64 narrowed to f32 (and the result widened back),
 *    and the rest (data movement, comparisons, the kernels that read any
 *    dtype through double) get f64 as it is;
 *  - fused activations (attr act) after NX_F_ACT kinds;
 *  - run-time fusion: an add/sub/mul/div by a constant whose operand has no
 *    other reader runs in place right after that operand's producer, and
 *    is skipped in the schedule (run_fuse.c; not with keep or observers);
 *  - int8 weights (quantize-int8): conv, conv_transpose, gemm and matmul
 *    with attr w_scale read their i8 weight as Wq * w_scale[channel];
 *  - memory: tensors are freed after their last use (uses counted up front),
 *    and element-wise kinds (K_INPLACE) or views (K_VIEW) take over an
 *    operand's buffer when that operand dies at this op, so a chain of
 *    element-wise ops on a 40 MB activation does not allocate at each step.
 *    (Keeping freed buffers in a cache for later results of the same size
 *    was tried: it pins memory glibc would otherwise reuse for other sizes,
 *    and page faults went up, not down.)
 * Kernels trust the result types in the graph (shape inference ran) and check
 * only what inference cannot know, such as gather indices in range.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "run_fuse.h"

enum {
	K_HALF = 1,    /* f16/bf16 operands and results handled in f32 */
	K_NUM = 2,     /* every non-f32 operand and result handled in f32 */
	K_INPLACE = 4, /* result 0 may reuse operand 0's or 1's buffer (same type) */
	K_VIEW = 8     /* result 0 may reuse operand 0's buffer (same bytes) */
};

static int kern_opaque(nx_kern *k);

static const struct {
	nx_kern_fn fn;
	uint8_t flags;
} kernels[NX_OP_COUNT] = {
	[NX_OP_IDENTITY] = {nx_kern_copy, K_VIEW},
	[NX_OP_RESHAPE] = {nx_kern_copy, K_VIEW},
	[NX_OP_FLATTEN] = {nx_kern_copy, K_VIEW},
	[NX_OP_TRANSPOSE] = {nx_kern_transpose, 0},
	[NX_OP_SQUEEZE] = {nx_kern_copy, K_VIEW},
	[NX_OP_UNSQUEEZE] = {nx_kern_copy, K_VIEW},
	[NX_OP_CONCAT] = {nx_kern_concat, 0},
	[NX_OP_SPLIT] = {nx_kern_split, 0},
	[NX_OP_SLICE] = {nx_kern_slice, 0},
	[NX_OP_GATHER] = {nx_kern_gather, 0},
	[NX_OP_PAD] = {nx_kern_pad, 0},
	[NX_OP_CAST] = {nx_kern_cast, K_HALF},
	[NX_OP_SHAPE] = {nx_kern_shape, 0},
	[NX_OP_EXPAND] = {nx_kern_expand, 0},
	[NX_OP_RESIZE] = {nx_kern_resize, K_NUM},
	[NX_OP_ADD] = {nx_kern_binary, K_HALF | K_INPLACE},
	[NX_OP_SUB] = {nx_kern_binary, K_HALF | K_INPLACE},
	[NX_OP_MUL] = {nx_kern_binary, K_HALF | K_INPLACE},
	[NX_OP_DIV] = {nx_kern_binary, K_HALF | K_INPLACE},
	[NX_OP_POW] = {nx_kern_binary, K_HALF | K_INPLACE},
	[NX_OP_SQRT] = {nx_kern_unary, K_HALF | K_INPLACE},
	[NX_OP_EXP] = {nx_kern_unary, K_HALF | K_INPLACE},
	[NX_OP_LOG] = {nx_kern_unary, K_HALF | K_INPLACE},
	[NX_OP_NEG] = {nx_kern_unary, K_HALF | K_INPLACE},
	[NX_OP_ABS] = {nx_kern_unary, K_HALF | K_INPLACE},
	[NX_OP_RECIPROCAL] = {nx_kern_unary, K_HALF | K_INPLACE},
	[NX_OP_MAX] = {nx_kern_minmax, K_HALF | K_INPLACE},
	[NX_OP_MIN] = {nx_kern_minmax, K_HALF | K_INPLACE},
	[NX_OP_CLIP] = {nx_kern_clip, K_HALF | K_INPLACE},
	[NX_OP_RELU] = {nx_kern_unary, K_HALF | K_INPLACE},
	[NX_OP_LEAKY_RELU] = {nx_kern_unary, K_HALF | K_INPLACE},
	[NX_OP_PRELU] = {nx_kern_binary, K_HALF | K_INPLACE},
	[NX_OP_SIGMOID] = {nx_kern_unary, K_HALF | K_INPLACE},
	[NX_OP_HARD_SIGMOID] = {nx_kern_unary, K_HALF | K_INPLACE},
	[NX_OP_HARD_SWISH] = {nx_kern_unary, K_HALF | K_INPLACE},
	[NX_OP_TANH] = {nx_kern_unary, K_HALF | K_INPLACE},
	[NX_OP_ERF] = {nx_kern_unary, K_HALF | K_INPLACE},
	[NX_OP_GELU] = {nx_kern_unary, K_HALF | K_INPLACE},
	[NX_OP_SOFTPLUS] = {nx_kern_unary, K_HALF | K_INPLACE},
	[NX_OP_REDUCE_MEAN] = {nx_kern_reduce, K_HALF},
	[NX_OP_REDUCE_SUM] = {nx_kern_reduce, K_HALF},
	[NX_OP_REDUCE_MAX] = {nx_kern_reduce, K_HALF},
	[NX_OP_SOFTMAX] = {nx_kern_softmax, K_HALF | K_INPLACE},
	[NX_OP_LOG_SOFTMAX] = {nx_kern_softmax, K_HALF | K_INPLACE},
	[NX_OP_LAYER_NORM] = {nx_kern_layer_norm, K_HALF},
	[NX_OP_BATCH_NORM] = {nx_kern_batch_norm, K_HALF | K_INPLACE},
	[NX_OP_CONV] = {nx_kern_conv, K_HALF},
	[NX_OP_CONV_TRANSPOSE] = {nx_kern_conv_transpose, K_HALF},
	[NX_OP_MATMUL] = {nx_kern_matmul, K_HALF},
	[NX_OP_GEMM] = {nx_kern_gemm, K_HALF},
	[NX_OP_MAX_POOL] = {nx_kern_pool, K_NUM},
	[NX_OP_AVG_POOL] = {nx_kern_pool, K_NUM},
	[NX_OP_GLOBAL_AVG_POOL] = {nx_kern_global_pool, K_HALF},
	[NX_OP_GLOBAL_MAX_POOL] = {nx_kern_global_pool, K_NUM},
	[NX_OP_EQUAL] = {nx_kern_compare, 0},
	[NX_OP_LESS] = {nx_kern_compare, 0},
	[NX_OP_LESS_EQUAL] = {nx_kern_compare, 0},
	[NX_OP_GREATER] = {nx_kern_compare, 0},
	[NX_OP_GREATER_EQUAL] = {nx_kern_compare, 0},
	[NX_OP_AND] = {nx_kern_logic, K_INPLACE},
	[NX_OP_OR] = {nx_kern_logic, K_INPLACE},
	[NX_OP_XOR] = {nx_kern_logic, K_INPLACE},
	[NX_OP_NOT] = {nx_kern_logic, K_INPLACE},
	[NX_OP_WHERE] = {nx_kern_where, 0},
	[NX_OP_IS_NAN] = {nx_kern_classify, 0},
	[NX_OP_IS_INF] = {nx_kern_classify, 0},
	[NX_OP_SIGN] = {nx_kern_sign, K_INPLACE},
	[NX_OP_SIN] = {nx_kern_math, K_HALF | K_INPLACE},
	[NX_OP_COS] = {nx_kern_math, K_HALF | K_INPLACE},
	[NX_OP_TAN] = {nx_kern_math, K_HALF | K_INPLACE},
	[NX_OP_ASIN] = {nx_kern_math, K_HALF | K_INPLACE},
	[NX_OP_ACOS] = {nx_kern_math, K_HALF | K_INPLACE},
	[NX_OP_ATAN] = {nx_kern_math, K_HALF | K_INPLACE},
	[NX_OP_SINH] = {nx_kern_math, K_HALF | K_INPLACE},
	[NX_OP_COSH] = {nx_kern_math, K_HALF | K_INPLACE},
	[NX_OP_ASINH] = {nx_kern_math, K_HALF | K_INPLACE},
	[NX_OP_ACOSH] = {nx_kern_math, K_HALF | K_INPLACE},
	[NX_OP_ATANH] = {nx_kern_math, K_HALF | K_INPLACE},
	[NX_OP_FLOOR] = {nx_kern_math, K_HALF | K_INPLACE},
	[NX_OP_CEIL] = {nx_kern_math, K_HALF | K_INPLACE},
	[NX_OP_ROUND] = {nx_kern_math, K_HALF | K_INPLACE},
	[NX_OP_MOD] = {nx_kern_mod, 0},
	[NX_OP_BIT_SHIFT] = {nx_kern_bit_shift, 0},
	[NX_OP_SUM] = {nx_kern_sum, K_HALF},
	[NX_OP_MEAN] = {nx_kern_sum, K_HALF},
	[NX_OP_CUM_SUM] = {nx_kern_cum_sum, K_INPLACE},
	[NX_OP_ELU] = {nx_kern_act, K_HALF | K_INPLACE},
	[NX_OP_SELU] = {nx_kern_act, K_HALF | K_INPLACE},
	[NX_OP_CELU] = {nx_kern_act, K_HALF | K_INPLACE},
	[NX_OP_THRESHOLDED_RELU] = {nx_kern_act, K_HALF | K_INPLACE},
	[NX_OP_SHRINK] = {nx_kern_act, K_HALF | K_INPLACE},
	[NX_OP_SOFTSIGN] = {nx_kern_act, K_HALF | K_INPLACE},
	[NX_OP_MISH] = {nx_kern_act, K_HALF | K_INPLACE},
	[NX_OP_HARDMAX] = {nx_kern_hardmax, K_HALF},
	[NX_OP_REDUCE_MIN] = {nx_kern_reduce, K_HALF},
	[NX_OP_REDUCE_PROD] = {nx_kern_reduce, K_HALF},
	[NX_OP_REDUCE_L1] = {nx_kern_reduce, K_HALF},
	[NX_OP_REDUCE_L2] = {nx_kern_reduce, K_HALF},
	[NX_OP_REDUCE_LOG_SUM] = {nx_kern_reduce, K_HALF},
	[NX_OP_REDUCE_LOG_SUM_EXP] = {nx_kern_reduce, K_HALF},
	[NX_OP_REDUCE_SUM_SQUARE] = {nx_kern_reduce, K_HALF},
	[NX_OP_ARG_MAX] = {nx_kern_arg, K_HALF},
	[NX_OP_ARG_MIN] = {nx_kern_arg, K_HALF},
	[NX_OP_TOP_K] = {nx_kern_top_k, K_HALF},
	[NX_OP_TRILU] = {nx_kern_trilu, K_INPLACE},
	[NX_OP_TILE] = {nx_kern_tile, 0},
	[NX_OP_DEPTH_TO_SPACE] = {nx_kern_depth_space, 0},
	[NX_OP_SPACE_TO_DEPTH] = {nx_kern_depth_space, 0},
	[NX_OP_GATHER_ELEMENTS] = {nx_kern_gather_elements, 0},
	[NX_OP_GATHER_ND] = {nx_kern_gather_nd, 0},
	[NX_OP_SCATTER_ELEMENTS] = {nx_kern_scatter_elements, 0},
	[NX_OP_SCATTER_ND] = {nx_kern_scatter_nd, 0},
	[NX_OP_ONE_HOT] = {nx_kern_one_hot, 0},
	[NX_OP_EYE_LIKE] = {nx_kern_eye_like, 0},
	[NX_OP_INSTANCE_NORM] = {nx_kern_instance_norm, K_HALF},
	[NX_OP_LRN] = {nx_kern_lrn, K_HALF},
	[NX_OP_MVN] = {nx_kern_mvn, K_HALF},
	[NX_OP_QUANTIZE_LINEAR] = {nx_kern_quantize, 0},
	[NX_OP_DEQUANTIZE_LINEAR] = {nx_kern_quantize, 0},
	[NX_OP_DYNAMIC_QUANTIZE_LINEAR] = {nx_kern_dynamic_quantize, K_HALF},
	[NX_OP_REVERSE_SEQUENCE] = {nx_kern_reverse_sequence, 0},
	[NX_OP_NLL_LOSS] = {nx_kern_loss, K_HALF},
	[NX_OP_SCE_LOSS] = {nx_kern_loss, K_HALF},
	[NX_OP_MATMUL_INTEGER] = {nx_kern_qmatmul, 0},
	[NX_OP_QLINEAR_MATMUL] = {nx_kern_qmatmul, 0},
	[NX_OP_CONV_INTEGER] = {nx_kern_qconv, 0},
	[NX_OP_QLINEAR_CONV] = {nx_kern_qconv, 0},
	[NX_OP_RANGE] = {nx_kern_range, 0},
	[NX_OP_LSTM] = {nx_kern_rnn, K_HALF},
	[NX_OP_GRU] = {nx_kern_rnn, K_HALF},
	[NX_OP_RNN] = {nx_kern_rnn, K_HALF},
	[NX_OP_HANN_WINDOW] = {nx_kern_window, 0},
	[NX_OP_HAMMING_WINDOW] = {nx_kern_window, 0},
	[NX_OP_BLACKMAN_WINDOW] = {nx_kern_window, 0},
	[NX_OP_MEL_WEIGHT_MATRIX] = {nx_kern_mel_weight_matrix, 0},
	[NX_OP_DFT] = {nx_kern_dft, 0},
	[NX_OP_STFT] = {nx_kern_stft, 0},
	[NX_OP_DET] = {nx_kern_det, 0},
	[NX_OP_GRID_SAMPLE] = {nx_kern_grid_sample, 0},
	[NX_OP_CONSTANT_OF_SHAPE] = {nx_kern_constant_of_shape, 0},
	[NX_OP_TF_IDF_VECTORIZER] = {nx_kern_tf_idf, 0},
	[NX_OP_MAX_UNPOOL] = {nx_kern_max_unpool, 0},
	[NX_OP_MAX_POOL_ARGMAX] = {nx_kern_max_pool_argmax, K_HALF},
	[NX_OP_ROI_ALIGN] = {nx_kern_roi_align, K_HALF},
	[NX_OP_OPAQUE] = {kern_opaque, 0},
};

int nx_kern_fail(nx_kern *k, const char *fmt, ...)
{
	char reason[sizeof k->err->msg];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof reason, fmt, ap);
	va_end(ap);
	return nx_infer_fail(k->g, k->op, k->err, "%s", reason);
}

static int kern_opaque(nx_kern *k)
{
	return nx_kern_fail(k, "the interpreter cannot run opaque op '%s' (not in nex's op "
			    "registry)", nx_attr_s(k->g, k->op, "op_type", "?"));
}

static bool is_half(int dtype)
{
	return dtype == NX_F16 || dtype == NX_BF16;
}

/* Whether the kernel wants operand/result dtype d widened to f32 (f64:
 * narrowed; never for kern_f64.c's kernels, which pass flags 0). */
static bool widen(uint8_t flags, int d)
{
	if (flags & K_NUM)
		return d != NX_F32;
	return (flags & K_HALF) && (is_half(d) || d == NX_F64);
}

static bool same_dims(const nx_type *a, const nx_type *b)
{
	if (a->rank != b->rank)
		return false;
	for (int i = 0; i < a->rank; i++)
		if (a->dims[i] != b->dims[i])
			return false;
	return true;
}

/* Element-wise act over a big tensor, spread over the pool. */
typedef struct act_job {
	const nx_act *a;
	float *x;
} act_job;

static void act_part(void *ctx, int64_t lo, int64_t hi)
{
	act_job *j = ctx;
	nx_act_apply(j->a, j->x + lo, hi - lo);
}

static void act_run(const nx_act *a, float *x, int64_t n, nx_pool *pool)
{
	act_job j = {a, x};
	if (n < (1 << 15))
		pool = NULL;
	nx_pool_for(pool, n, act_part, &j);
}

/* The f32 weight of an op quantized per output channel (attr w_scale): the
 * channel of each element as quantize-int8 lays it out. Caller frees. */
static int dequant(const nx_graph *g, uint32_t o, const nx_tensor *w, nx_tensor *out,
		   nx_err *err)
{
	uint32_t ns;
	const float *sc = nx_attr_floats(g, o, "w_scale", &ns);
	const nx_type *t = &w->type;
	int kind = nx_opp(g, o)->kind;
	int64_t n = nx_type_numel(t), nch, per = 1, cols = 1, cin = 1, cog = 1, grp = 1;
	bool rows = false;
	if (t->rank < 1)
		return nx_infer_fail(g, o, err, "w_scale on a scalar weight");
	switch (kind) {
	case NX_OP_CONV:
		nch = t->dims[0];
		per = n / nch;
		break;
	case NX_OP_CONV_TRANSPOSE:
		grp = nx_attr_i(g, o, "group", 1);
		cin = t->dims[0];
		cog = t->rank > 1 ? t->dims[1] : 1;
		if (grp < 1 || cin % grp)
			return nx_infer_fail(g, o, err, "group %lld does not divide %lld",
					     (long long)grp, (long long)cin);
		nch = cog * grp;
		per = n / (cin * cog);
		break;
	case NX_OP_GEMM:
		rows = nx_attr_i(g, o, "transB", 0) != 0;
		cols = t->dims[t->rank - 1];
		nch = rows ? t->dims[0] : cols;
		break;
	default:
		cols = t->dims[t->rank - 1];
		nch = t->rank >= 2 ? cols : 1;
		break;
	}
	if ((int64_t)ns != nch)
		return nx_infer_fail(g, o, err, "w_scale has %u entries for %lld output channels", ns,
				     (long long)nch);
	nx_type ft = *t;
	ft.dtype = NX_F32;
	*out = nx_tensor_empty(&ft);
	const int8_t *q = w->data;
	float *f = out->data;
	for (int64_t i = 0; i < n; i++) {
		int64_t c;
		if (kind == NX_OP_CONV)
			c = i / per;
		else if (kind == NX_OP_CONV_TRANSPOSE)
			c = (i / (cog * per)) / (cin / grp) * cog + (i / per) % cog;
		else
			c = nch == 1 ? 0 : rows ? i / cols : i % cols;
		f[i] = q[i] * sc[c];
	}
	return 0;
}

/* Scalar steps fused after an op's act (run_fuse.c): steps[0..n), done
 * set when the op applied them with its act. */
typedef struct post_req {
	const nx_act_step *steps;
	uint8_t n;
	bool done;
} post_req;

/* Runs op o on in[0..n_in) into out[0..n_out), which it allocates with the
 * result types. steal: bit i set = operand i's buffer dies here and may be
 * taken over; *taken gets bit i set when it was (the caller must then not
 * free in[i]). dest (NULL: none): dest[i] non-NULL is where result i goes,
 * dense in the result's dtype, not allocated (nx_eval_op_into). On failure
 * nothing is allocated. post (NULL: none): scalar steps to add to the
 * op's act, post->done set when they were applied. */
static int exec_op_to(nx_graph *g, uint32_t o, const nx_tensor *in, nx_tensor *out,
		      nx_pool *pool, uint32_t steal, uint32_t *taken, void *const *dest,
		      post_req *post, nx_err *err);

static int exec_op(nx_graph *g, uint32_t o, const nx_tensor *in, nx_tensor *out, nx_pool *pool,
		   uint32_t steal, uint32_t *taken, nx_err *err)
{
	return exec_op_to(g, o, in, out, pool, steal, taken, NULL, NULL, err);
}

static int exec_op_to(nx_graph *g, uint32_t o, const nx_tensor *in, nx_tensor *out,
		      nx_pool *pool, uint32_t steal, uint32_t *taken, void *const *dest,
		      post_req *post, nx_err *err)
{
	const nx_op *p = nx_opp(g, o);
	uint32_t n_in = p->n_in, n_out = p->n_out;
	int kind = p->kind;
	uint8_t flags = kernels[kind].flags;
	nx_kern_fn fn = kernels[kind].fn;
	*taken = 0;
	if (!fn)
		return nx_infer_fail(g, o, err, "no interpreter kernel for this kind");
	bool f64 = false;
	for (uint32_t i = 0; i < n_in; i++)
		f64 |= in[i].data && in[i].type.dtype == NX_F64;
	for (uint32_t i = 0; i < n_out; i++)
		f64 |= nx_vtype(g, nx_result(g, o, i))->dtype == NX_F64;
	if (f64 && nx_kern_f64_for(kind)) {
		fn = nx_kern_f64_for(kind);
		flags = 0; /* no buffer reuse: k_binary reads operands after writing */
	}
	for (uint32_t i = 0; i < n_out; i++)
		if (nx_vtype(g, nx_result(g, o, i))->dtype == NX_DTYPE_UNKNOWN)
			return nx_infer_fail(g, o, err, "result %u has no type (run shape "
					     "inference first)", i);

	/* Operands as the kernel sees them; cown[i]: a widened copy we own. */
	nx_tensor *cin = nx_xcalloc(n_in ? n_in : 1, sizeof *cin); /* freed below */
	bool *cown = nx_xcalloc(n_in ? n_in : 1, sizeof *cown);
	for (uint32_t i = 0; i < n_in; i++) {
		cin[i] = in[i];
		if (i == 1 && in[1].data && in[1].type.dtype == NX_I8 &&
		    (nx_ops[kind].flags & NX_F_MAC) && nx_attr_get(g, o, "w_scale")) {
			if (dequant(g, o, &in[1], &cin[1], err)) {
				for (uint32_t j = 0; j < i; j++)
					if (cown[j])
						nx_tensor_free(&cin[j]);
				free(cin);
				free(cown);
				return -1;
			}
			cown[1] = true;
		} else if (in[i].data && widen(flags, in[i].type.dtype)) {
			cin[i] = nx_tensor_convert(&in[i], NX_F32);
			cown[i] = true;
		}
	}
	/* Results: rdt[i] is the graph's dtype, out[i] is allocated in the
	 * dtype the kernel computes in. */
	uint8_t rdt[256]; /* n_out is a uint8_t */
	for (uint32_t i = 0; i < n_out; i++) {
		nx_type t = *nx_vtype(g, nx_result(g, o, i));
		t.layout = NX_LAYOUT_PLAIN;
		rdt[i] = t.dtype;
		if (widen(flags, t.dtype))
			t.dtype = NX_F32;
		out[i].type = t;
		out[i].data = NULL;
		if (dest && dest[i] && t.dtype == rdt[i])
			out[i].data = dest[i];
		if (i > 0 || out[0].data)
			continue;
		/* Take over a dying operand's buffer: ours (a widened copy) or
		 * the caller's (steal). */
		for (uint32_t j = 0; j < n_in && j < 2 && !out[0].data; j++) {
			if (!cin[j].data || !(cown[j] || (steal >> j & 1)))
				continue;
			bool fits = false;
			if (j == 0 && (flags & K_VIEW))
				fits = cin[j].type.dtype == t.dtype &&
				       nx_type_numel(&cin[j].type) == nx_type_numel(&t);
			else if (flags & K_INPLACE)
				fits = cin[j].type.dtype == t.dtype && same_dims(&cin[j].type, &t);
			if (!fits)
				continue;
			out[0].data = cin[j].data;
			if (cown[j])
				cown[j] = false;
			else
				*taken |= 1u << j;
		}
		if (!out[0].data)
			out[0] = nx_tensor_empty(&t);
	}
	for (uint32_t i = 1; i < n_out; i++)
		if (!out[i].data)
			out[i] = nx_tensor_empty(&out[i].type);
	/* Data movement copies bytes of the operand's element size. */
	int rc = 0;
	if ((nx_ops[kind].flags & (NX_F_MOVE | NX_F_VIEW)) && n_in)
		for (uint32_t i = 0; i < n_out && !rc; i++)
			if (out[i].type.dtype != cin[0].type.dtype)
				rc = nx_infer_fail(g, o, err, "result %u is %s, the operand %s", i,
						   nx_dtype_name(out[i].type.dtype),
						   nx_dtype_name(cin[0].type.dtype));

	/* steps only where the op writes its own f32 result buffer */
	const post_req *pq = post && !dest && out[0].type.dtype == rdt[0] ? post : NULL;
	nx_kern k = {g, o, cin, n_in, out, n_out, pool, err, false,
		     pq ? pq->steps : NULL, pq ? pq->n : 0, false};
	if (!rc)
		rc = fn(&k);
	if (!rc && !k.act_done && (nx_ops[kind].flags & NX_F_ACT) &&
	    out[0].type.dtype == NX_F32) {
		nx_act a;
		rc = nx_act_get(g, o, &a, err);
		nx_act_take_post(&k, &a);
		if (!rc && a.kind)
			act_run(&a, out[0].data, nx_tensor_numel(&out[0]), pool);
	}
	if (post)
		post->done = !rc && k.post_done;
	for (uint32_t i = 0; i < n_in; i++)
		if (cown[i])
			nx_tensor_free(&cin[i]);
	free(cin);
	free(cown);
	if (rc) {
		for (uint32_t i = 0; i < n_out; i++) {
			/* A buffer taken from the caller goes back with it. */
			if ((i == 0 && *taken) || (dest && out[i].data == dest[i]))
				out[i].data = NULL;
			nx_tensor_free(&out[i]);
		}
		*taken = 0;
		return -1;
	}
	for (uint32_t i = 0; i < n_out; i++)
		if (out[i].type.dtype != rdt[i]) {
			nx_tensor r = nx_tensor_convert(&out[i], rdt[i]);
			nx_tensor_free(&out[i]);
			out[i] = r;
			if (dest && dest[i]) {
				memcpy(dest[i], r.data, nx_tensor_nbytes(&r));
				nx_tensor_free(&out[i]);
				out[i].data = dest[i];
			}
		}
	return 0;
}

int nx_eval_op_into(nx_graph *g, uint32_t op, const nx_tensor *in, nx_tensor *out,
		    void *const *dest, nx_pool *pool, nx_err *err)
{
	uint32_t taken;
	return exec_op_to(g, op, in, out, pool, 0, &taken, dest, NULL, err);
}

int nx_eval_op(nx_graph *g, uint32_t op, const nx_tensor *in, nx_tensor *out, nx_err *err)
{
	uint32_t taken;
	return exec_op(g, op, in, out, NULL, 0, &taken, err);
}

int nx_eval_op_pool(nx_graph *g, uint32_t op, const nx_tensor *in, nx_tensor *out,
		    nx_pool *pool, nx_err *err)
{
	uint32_t taken;
	return exec_op(g, op, in, out, pool, 0, &taken, err);
}

void nx_run_result_free(nx_run_result *r)
{
	if (!r)
		return;
	for (uint32_t i = 0; i < r->n_outputs; i++)
		nx_tensor_free(&r->outputs[i]);
	free(r->outputs);
	for (uint32_t i = 0; r->values && i < r->n_values; i++)
		nx_tensor_free(&r->values[i]);
	free(r->values);
	memset(r, 0, sizeof *r);
}

/* Per-value state of a run. */
typedef struct slot {
	nx_tensor t;     /* data NULL = not computed yet, or freed */
	uint32_t left;   /* uses not yet executed */
	bool own;        /* t.data is ours to free (not a blob or caller input) */
	bool pinned;     /* graph output: kept to the end */
} slot;

int nx_run_threads(const nx_run_opts *o)
{
	int n = o && o->threads > 0 ? o->threads : 0;
	if (!n) {
		long c = sysconf(_SC_NPROCESSORS_ONLN);
		n = c > 0 ? (int)c : 1;
	}
	return n > 64 ? 64 : n;
}

static void free_slots(slot *s, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (s[i].own)
			nx_tensor_free(&s[i].t);
	free(s);
}

static char *tstr(const nx_type *t, char *buf, size_t n)
{
	nx_type_str(t, buf, n);
	return buf;
}

/* Binds graph inputs and constants to their slots. */
static int bind_sources(nx_graph *g, slot *s, const nx_tensor *inputs, uint32_t n_inputs,
			nx_err *err)
{
	if (n_inputs != g->n_inputs) {
		nx_err_set(err, "graph @%s takes %u input%s, %u given", nx_cstr(g, g->name),
			   g->n_inputs, g->n_inputs == 1 ? "" : "s", n_inputs);
		return -1;
	}
	char b1[128], b2[128];
	for (uint32_t i = 0; i < n_inputs; i++) {
		uint32_t v = g->inputs[i];
		const nx_type *want = nx_vtype(g, v);
		if (want->dtype != inputs[i].type.dtype || !same_dims(want, &inputs[i].type)) {
			nx_err_set(err, "input %%%s is %s, the tensor given is %s", nx_vname(g, v),
				   tstr(want, b1, sizeof b1), tstr(&inputs[i].type, b2, sizeof b2));
			return -1;
		}
		s[v].t = inputs[i];
		s[v].t.type.layout = NX_LAYOUT_PLAIN;
	}
	for (uint32_t v = 0; v < g->n_vals; v++) {
		if (!nx_is_const(g, v) || (g->vals[v].flags & NX_V_DEAD))
			continue;
		nx_blob *b = nx_const_blob(g, v);
		const nx_type *want = nx_vtype(g, v);
		if (b->type.dtype != want->dtype || !same_dims(&b->type, want)) {
			nx_err_set(err, "constant %%%s is %s but its blob holds %s", nx_vname(g, v),
				   tstr(want, b1, sizeof b1), tstr(&b->type, b2, sizeof b2));
			return -1;
		}
		s[v].t.type = *want;
		s[v].t.type.layout = NX_LAYOUT_PLAIN;
		s[v].t.data = (void *)nx_blob_data(b);
	}
	return 0;
}

/* After producer op made out (its one result): the steps fused into it
 * (run_fuse.c), in place unless swept (the op's act applied them), and
 * the slot bookkeeping of the fused ops, whose
 * last result then holds out. Returns that result's value id. */
static uint32_t run_fused(nx_graph *g, const nx_fuse *fz, uint32_t op, slot *s, nx_tensor *out,
			  bool swept, nx_pool *pool)
{
	const nx_fuse_step *st = fz->steps + fz->first[op];
	int n = fz->n[op];
	const float *c[NX_FUSE_MAX];
	for (int k = 0; k < n; k++)
		c[k] = s[st[k].cval].t.data;
	if (!swept)
		nx_fuse_apply(st, n, c, out->data, nx_tensor_numel(out), pool);
	uint32_t v = nx_result(g, op, 0);
	for (int k = 0; k < n; k++) {
		s[v].left = 0; /* read by step k alone */
		s[st[k].cval].left--;
		v = nx_result(g, st[k].op, 0);
	}
	return v;
}

/* The steps fused into op as act steps, when all are by a scalar:
 * their count (0: none, or not all scalar). */
static uint8_t scalar_post(const nx_fuse *fz, uint32_t op, const slot *s, nx_act_step *post)
{
	const nx_fuse_step *st = fz->steps + fz->first[op];
	uint8_t n = fz->n[op];
	for (uint8_t k = 0; k < n; k++) {
		if (st[k].nch != 1)
			return 0;
		post[k] = (nx_act_step){st[k].kind, st[k].rev, *(const float *)s[st[k].cval].t.data};
	}
	return n;
}

/* nx_run with plan (made for g and o's keep). */
static int run_planned(nx_graph *g, const nx_run_plan *plan, const nx_tensor *inputs,
		       uint32_t n_inputs, const nx_run_opts *o, nx_run_result *res, nx_err *err)
{
	bool keep = o && o->keep;
	slot *s = nx_xcalloc(g->n_vals ? g->n_vals : 1, sizeof *s); /* freed by free_slots */
	if (bind_sources(g, s, inputs, n_inputs, err)) {
		free(s);
		return -1;
	}
	for (uint32_t v = 0; v < g->n_vals; v++)
		s[v].left = plan->uses[v];
	uint32_t max_in = plan->max_in, max_out = plan->max_out;
	for (uint32_t i = 0; i < g->n_outputs; i++)
		s[g->outputs[i]].pinned = true;

	/* Kernels split their work over our pool; OpenBLAS runs inside each
	 * piece, so its own threads would only compete with ours. */
	nx_blas_one_thread();
	nx_pool *own = NULL, *pool = o ? o->pool : NULL;
	if (!pool && nx_run_threads(o) > 1)
		pool = own = nx_pool_new(nx_run_threads(o)); /* freed below */
	nx_tensor *in = nx_xcalloc(max_in, sizeof *in);   /* freed at the end */
	nx_tensor *out = nx_xcalloc(max_out, sizeof *out);
	/* Fused steps skip their op's hand-over and pass over memory; the
	 * observers (numeric debugger) must see each value as its op makes it,
	 * so they run without. */
	const nx_fuse *fz = !(o && (o->before || o->after)) ? plan->fuse : NULL;
	int rc = 0;
	NX_FOR_OPS(g, op) {
		if (fz && fz->into[op] != NX_NONE) {
			/* ran in its producer's sweep; its time is counted there */
			if (o && o->op_seconds)
				o->op_seconds[op] = 0;
			continue;
		}
		const nx_op *p = nx_opp(g, op);
		uint32_t steal = 0;
		for (uint32_t i = 0; i < p->n_in; i++) {
			uint32_t v = nx_operand(g, op, i);
			in[i].data = NULL;
			if (v == NX_NONE)
				continue;
			if (!s[v].t.data) {
				rc = nx_infer_fail(g, op, err, "operand %u (%%%s) has no value "
						   "(used before it is computed)", i,
						   nx_vname(g, v));
				break;
			}
			in[i] = s[v].t;
			if (i < 32 && s[v].own && s[v].left == 1 && !s[v].pinned && !keep)
				steal |= 1u << i;
		}
		if (rc)
			break;
		if (o && o->before && (rc = o->before(o->observer, g, op, in, err)) != 0)
			break;
		uint32_t taken;
		double t0 = o && o->op_seconds ? nx_now() : 0;
		nx_pool_site(pool, op);
		/* a chain of scalar steps can ride in the op's act sweep */
		nx_act_step post[NX_FUSE_MAX];
		post_req pr = {post, fz ? scalar_post(fz, op, s, post) : 0, false};
		if (exec_op_to(g, op, in, out, pool, steal, &taken, NULL, pr.n ? &pr : NULL, err)) {
			rc = -1;
			break;
		}
		uint32_t last = fz && fz->n[op] ? run_fused(g, fz, op, s, out, pr.done, pool)
						: NX_NONE;
		if (o && o->op_seconds)
			o->op_seconds[op] = nx_now() - t0;
		p = nx_opp(g, op);
		for (uint32_t i = 0; i < p->n_in; i++) {
			uint32_t v = nx_operand(g, op, i);
			if (v == NX_NONE)
				continue;
			if (i < 32 && (taken >> i & 1)) {
				s[v].t.data = NULL;
				s[v].left = 0;
				continue;
			}
			if (--s[v].left == 0 && s[v].own && !s[v].pinned && !keep)
				nx_tensor_free(&s[v].t);
		}
		/* results are ours alone here (a stolen operand buffer now
		 * belongs to its result), and not yet freed */
		if (o && o->after && (rc = o->after(o->observer, g, op, out, err)) != 0) {
			for (uint32_t i = 0; i < p->n_out; i++)
				nx_tensor_free(&out[i]);
			break;
		}
		for (uint32_t i = 0; i < p->n_out; i++) {
			uint32_t v = last != NX_NONE ? last : nx_result(g, op, i);
			if (s[v].own)
				nx_tensor_free(&s[v].t);
			s[v].t = out[i];
			s[v].own = true;
			if (!s[v].left && !s[v].pinned && !keep)
				nx_tensor_free(&s[v].t);
		}
	}
	nx_pool_free(own);
	free(in);
	free(out);
	if (rc) {
		free_slots(s, g->n_vals);
		return -1;
	}

	res->n_outputs = g->n_outputs;
	res->outputs = nx_xcalloc(g->n_outputs ? g->n_outputs : 1, sizeof *res->outputs);
	for (uint32_t i = 0; i < g->n_outputs; i++) {
		uint32_t v = g->outputs[i];
		if (!s[v].t.data) {
			nx_err_set(err, "graph output %%%s has no value (no op computes it)",
				   nx_vname(g, v));
			free_slots(s, g->n_vals);
			nx_run_result_free(res);
			return -1;
		}
		/* Move the buffer out when nothing else refers to it. */
		bool later = false;
		for (uint32_t j = i + 1; j < g->n_outputs; j++)
			later |= g->outputs[j] == v;
		if (s[v].own && !keep && !later) {
			res->outputs[i] = s[v].t;
			s[v].t.data = NULL;
			s[v].own = false;
		} else {
			res->outputs[i] = nx_tensor_copy(&s[v].t);
		}
	}
	if (keep) {
		res->n_values = g->n_vals;
		res->values = nx_xcalloc(g->n_vals ? g->n_vals : 1, sizeof *res->values);
		for (uint32_t v = 0; v < g->n_vals; v++) {
			if (s[v].own) {
				res->values[v] = s[v].t;
				s[v].own = false;
			} else if (s[v].t.data && !nx_is_const(g, v)) {
				res->values[v] = nx_tensor_copy(&s[v].t); /* a graph input */
			} else {
				res->values[v].type = *nx_vtype(g, v);
			}
		}
	}
	free_slots(s, g->n_vals);
	return 0;
}

int nx_run(nx_graph *g, const nx_tensor *inputs, uint32_t n_inputs, const nx_run_opts *o,
	   nx_run_result *res, nx_err *err)
{
	memset(res, 0, sizeof *res);
	bool keep = o && o->keep;
	if (o && o->plan)
		return nx_run_plan_for(o->plan, g, keep, nx_run_threads(o), err) ? -1
			: run_planned(g, o->plan, inputs, n_inputs, o, res, err);
	nx_run_plan *plan = nx_run_plan_new(g, keep, nx_run_threads(o), err); /* freed below */
	if (!plan)
		return -1;
	int rc = run_planned(g, plan, inputs, n_inputs, o, res, err);
	nx_run_plan_free(plan);
	return rc;
}
