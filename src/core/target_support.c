/* target_support.c — can the NE run this op? The one place that decides CPU
 * fallback by capability. In core because both readers of the target ask
 * it: the sim costs an op the target cannot run as CPU fallback whatever the
 * partition pass said, and the partition pass (like layout-ne, tile and
 * plan-memory, which leave CPU ops alone) asks the same question here.
 *
 * What falls back (NE-MODEL.md §3): op kinds in the target's cpu_ops list
 * (gather and opaque ops by default [hollance]); dilated convs [hollance];
 * recurrent ops (lstm, gru, rnn) [hollance: LSTM/GRU fall back];
 * mel_weight_matrix (a table of logs and powers, no NE task);
 * anything over the task descriptor's field limits (kernel <= 31, pad <= 15,
 * groups <= 8191, H/W <= 32767, C <= 131071 [RE ANETools]; pool window <= 13,
 * pool stride <= 2, upsample <= 2x [hollance, 3P]); tensors with more
 * non-unit dims than max_rank (the NE works on 4-D (B,C,H,W) [Apple]);
 * broadcasting "ND" ops [hollance], which the model reads as a broadcast
 * both operands need (an outer sum or product: [N,1] + [1,M]); and compute
 * on dtypes the NE has no arithmetic for (it has fp16 and int8 datapaths;
 * f32 and bf16 are converted to fp16 on the way in, integer index math is
 * not). Limits are read from the graph once (nx_limits_of) so that checking
 * them against another target is arithmetic.
 */
#include <string.h>

#include "nx.h"

static int64_t max64(int64_t a, int64_t b)
{
	return a > b ? a : b;
}

/* a limit field: the larger of the two, clamped to int32 */
static int32_t max32(int32_t a, int64_t b)
{
	if (b > INT32_MAX)
		b = INT32_MAX;
	return a > b ? a : (int32_t)b;
}

static bool ne_dtype(int dt)
{
	return dt == NX_F16 || dt == NX_F32 || dt == NX_BF16 || dt == NX_I8 || dt == NX_U8;
}

static void tensor_limits(const nx_type *t, nx_limits *l)
{
	nx_bchw d = nx_bchw_of(t);
	l->hw = max32(l->hw, max64(d.h, d.w));
	l->c = max32(l->c, d.c);
	int64_t nonunit = 0;
	for (int i = 0; i < t->rank; i++)
		nonunit += t->dims[i] != 1;
	l->rank = max32(l->rank, nonunit);
	if (!ne_dtype(t->dtype) && !l->dtype_bad) {
		l->dtype_bad = 1;
		l->bad_dtype = t->dtype;
	}
}

static int64_t max_of(const int64_t *v, uint32_t n)
{
	int64_t m = 0;
	for (uint32_t i = 0; i < n; i++)
		m = max64(m, v[i]);
	return m;
}

/* Conv and pool windows: kernel, pads, strides, dilations. */
static void window_limits(const nx_graph *g, uint32_t op, bool conv, nx_limits *l)
{
	uint32_t n;
	const int64_t *v = nx_attr_ints(g, op, "kernel_shape", &n);
	int64_t k = max_of(v, n);
	uint32_t wi = nx_mac_weight_operand(nx_opp(g, op)->kind);
	if (conv && !n && nx_opp(g, op)->n_in > wi && nx_operand(g, op, wi) != NX_NONE) {
		const nx_type *w = nx_vtype(g, nx_operand(g, op, wi));
		for (int i = 2; i < w->rank; i++)
			k = max64(k, w->dims[i]);
	}
	v = nx_attr_ints(g, op, "pads", &n);
	l->pad = max32(l->pad, max_of(v, n));
	v = nx_attr_ints(g, op, "dilations", &n);
	for (uint32_t i = 0; i < n; i++)
		if (v[i] > 1)
			l->dilated = 1;
	if (conv) {
		l->kernel = max32(l->kernel, k);
		l->groups = max32(l->groups, nx_attr_i(g, op, "group", 1));
	} else {
		l->pool_kernel = max32(l->pool_kernel, k);
		v = nx_attr_ints(g, op, "strides", &n);
		l->pool_stride = max32(l->pool_stride, max_of(v, n));
	}
}

/* A broadcast both operands need: some axis where a is 1 and b is not,
 * and another where b is 1 and a is not. */
static bool bcast_both(const nx_type *a, const nx_type *b)
{
	int r = a->rank > b->rank ? a->rank : b->rank;
	bool a_bc = false, b_bc = false;
	for (int i = 0; i < r; i++) {
		int ia = i - (r - a->rank), ib = i - (r - b->rank);
		int64_t da = ia >= 0 ? a->dims[ia] : 1, db = ib >= 0 ? b->dims[ib] : 1;
		if (da == 1 && db != 1)
			a_bc = true;
		if (db == 1 && da != 1)
			b_bc = true;
	}
	return a_bc && b_bc;
}

void nx_limits_of(const nx_graph *g, uint32_t op, nx_limits *l)
{
	memset(l, 0, sizeof *l);
	const nx_op *p = nx_opp(g, op);
	uint32_t flags = nx_ops[p->kind].flags;
	if (flags & (NX_F_VIEW | NX_F_SHAPEOF))
		return; /* relabels bytes or is known at compile time */
	for (uint32_t i = 0; i < p->n_in; i++) {
		uint32_t v = nx_operand(g, op, i);
		if (v != NX_NONE && !nx_is_const(g, v))
			tensor_limits(nx_vtype(g, v), l);
	}
	for (uint32_t i = 0; i < p->n_out; i++)
		tensor_limits(nx_vtype(g, nx_result(g, op, i)), l);
	switch (p->kind) {
	case NX_OP_CONV:
	case NX_OP_CONV_TRANSPOSE:
	case NX_OP_CONV_INTEGER:
	case NX_OP_QLINEAR_CONV:
		window_limits(g, op, true, l);
		break;
	case NX_OP_MAX_POOL:
	case NX_OP_AVG_POOL:
		window_limits(g, op, false, l);
		break;
	case NX_OP_RESIZE: {
		const nx_type *a = nx_vtype(g, nx_operand(g, op, 0));
		const nx_type *b = nx_vtype(g, nx_result(g, op, 0));
		for (int i = 0; i < a->rank && i < b->rank; i++) {
			float f = (float)((double)b->dims[i] / (double)a->dims[i]);
			if (f > l->upsample)
				l->upsample = f;
		}
		break;
	}
	default:
		break;
	}
	if ((flags & NX_F_BCAST) && p->n_in == 2 && nx_operand(g, op, 0) != NX_NONE &&
	    nx_operand(g, op, 1) != NX_NONE &&
	    bcast_both(nx_vtype(g, nx_operand(g, op, 0)), nx_vtype(g, nx_operand(g, op, 1))))
		l->bcast_nd = 1;
}

bool nx_limits_ok(int kind, const nx_limits *l, const nx_target *t, char *reason, size_t n)
{
#define NO(...) do { if (reason && n) snprintf(reason, n, __VA_ARGS__); return false; } while (0)
	if (nx_target_cpu_op(t, kind))
		NO("%s runs on the CPU on %s (cpu_ops)", nx_ops[kind].name, t->name);
	if (nx_ops[kind].flags & (NX_F_VIEW | NX_F_SHAPEOF))
		goto ok;
	if (l->dtype_bad)
		NO("dtype %s: the NE computes in fp16 and int8 only", nx_dtype_name(l->bad_dtype));
	if (l->dilated)
		NO("dilated %s falls back to the CPU", nx_ops[kind].name);
	if (kind == NX_OP_LSTM || kind == NX_OP_GRU || kind == NX_OP_RNN)
		NO("%s is a recurrence over time steps, which no NE task expresses: LSTM/GRU "
		   "fall back to the CPU", nx_ops[kind].name);
	if (kind == NX_OP_MEL_WEIGHT_MATRIX)
		NO("%s builds a table from logarithms and powers of its scalars, which no NE "
		   "task expresses: CPU fallback (fold-constants folds it when they are "
		   "constant)", nx_ops[kind].name);
	if (l->kernel > t->max_kernel)
		NO("kernel %lld > max_kernel %lld", (long long)l->kernel, (long long)t->max_kernel);
	if (l->pad > t->max_pad)
		NO("padding %lld > max_pad %lld", (long long)l->pad, (long long)t->max_pad);
	if (l->groups > t->max_groups)
		NO("%lld groups > max_groups %lld", (long long)l->groups, (long long)t->max_groups);
	if (l->hw > t->max_hw)
		NO("H or W %lld > max_hw %lld", (long long)l->hw, (long long)t->max_hw);
	if (l->c > t->max_c)
		NO("C %lld > max_c %lld", (long long)l->c, (long long)t->max_c);
	if (l->rank > t->max_rank)
		NO("%lld non-unit dims > max_rank %lld (an ND op)", (long long)l->rank,
		   (long long)t->max_rank);
	if (l->bcast_nd)
		NO("both operands broadcast (an ND broadcast)");
	if (l->pool_kernel > t->max_pool_kernel)
		NO("pool window %lld > max_pool_kernel %lld", (long long)l->pool_kernel,
		   (long long)t->max_pool_kernel);
	if (l->pool_stride > t->max_pool_stride)
		NO("pool stride %lld > max_pool_stride %lld", (long long)l->pool_stride,
		   (long long)t->max_pool_stride);
	if ((double)l->upsample > (double)t->max_upsample)
		NO("resize by %gx > max_upsample %lld", (double)l->upsample,
		   (long long)t->max_upsample);
#undef NO
ok:
	if (reason && n)
		reason[0] = 0;
	return true;
}

bool nx_target_supports(const nx_graph *g, uint32_t op, const nx_target *t, char *reason,
			size_t n)
{
	nx_limits l;
	nx_limits_of(g, op, &l);
	return nx_limits_ok(nx_opp(g, op)->kind, &l, t, reason, n);
}

bool nx_target_on_cpu(const nx_graph *g, uint32_t op, const nx_target *t)
{
	if (!strcmp(nx_attr_s(g, op, "device", "ne"), "cpu"))
		return true;
	return !nx_target_supports(g, op, t, NULL, 0);
}
