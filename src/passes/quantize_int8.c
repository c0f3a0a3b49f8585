/* quantize_int8.c — weights of conv, conv_transpose, gemm and matmul (a
 * float constant operand 1) become i8, per output channel and symmetric:
 *   scale[c] = max |W[c, ...]| / 127   (an all-zero channel gets 1)
 *   Wq = round(W / scale[c]) clamped to [-127, 127]
 * The op keeps its float input, bias and result and gets attr w_scale (one
 * float per output channel), so that W = Wq * scale[c]; shape inference
 * accepts exactly this (infer_nn.c) and the NE runs such ops at its int8
 * MAC rate. Output channels: conv dims[0] of W; conv_transpose dims[1] x
 * group (W is [C_in, C_out/group, k...]); gemm N (W is [K, N], or [N, K]
 * with transB); matmul the last dim of W (dims[1] of a 2-D W; a 1-D W is
 * one column, one channel).
 *
 * One op quantized = one rewrite. Ops sharing one weight the same way share
 * one i8 copy; the float weight is erased when nothing reads it. Ops whose
 * operand 0 is not float (integer matmul) or that already have w_scale are
 * left alone. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nxp.h"

/* How op reads its weight: channel count and the channel of element i. */
typedef struct wmap {
	int kind;
	int64_t nch;
	int64_t per;       /* conv: elements per output channel */
	int64_t cin, cog;  /* conv_transpose: W dims[0], dims[1]; group below */
	int64_t group;
	int64_t cols;      /* gemm/matmul: W's last dim */
	bool rows;         /* gemm transB: the channel is the row */
} wmap;

static int64_t chan(const wmap *m, int64_t i)
{
	switch (m->kind) {
	case NX_OP_CONV:
		return i / m->per;
	case NX_OP_CONV_TRANSPOSE: {
		int64_t ci = i / (m->cog * m->per), j = (i / m->per) % m->cog;
		return (ci / (m->cin / m->group)) * m->cog + j;
	}
	default:
		if (m->nch == 1)
			return 0;
		return m->rows ? i / m->cols : i % m->cols;
	}
}

/* The weight mapping of op, false if op is not one to quantize. */
static bool weight_map(const nx_graph *g, uint32_t op, wmap *m)
{
	const nx_op *p = &g->ops[op];
	int k = p->kind;
	memset(m, 0, sizeof *m);
	m->kind = k;
	if (k != NX_OP_CONV && k != NX_OP_CONV_TRANSPOSE && k != NX_OP_GEMM && k != NX_OP_MATMUL)
		return false;
	if (p->n_in < 2 || nx_attr_get(g, op, "w_scale"))
		return false;
	uint32_t x = nx_operand(g, op, 0), w = nx_operand(g, op, 1);
	if (x == NX_NONE || w == NX_NONE || !nx_dtype_is_float(nx_vtype(g, x)->dtype) ||
	    !nx_is_const(g, w))
		return false;
	const nx_type *t = &nx_const_blob(g, w)->type;
	if (!nx_dtype_is_float(t->dtype) || t->rank < 1 || nx_type_numel(t) < 1)
		return false;
	int64_t numel = nx_type_numel(t);
	switch (k) {
	case NX_OP_CONV:
		m->nch = t->dims[0];
		m->per = numel / m->nch;
		return t->rank >= 3;
	case NX_OP_CONV_TRANSPOSE:
		m->group = nx_attr_i(g, op, "group", 1);
		m->cin = t->dims[0];
		m->cog = t->dims[1];
		if (t->rank < 3 || m->group < 1 || m->cin % m->group)
			return false;
		m->nch = m->cog * m->group;
		m->per = numel / (m->cin * m->cog);
		return true;
	case NX_OP_GEMM:
		if (t->rank != 2)
			return false;
		m->rows = nx_attr_i(g, op, "transB", 0) != 0;
		m->cols = t->dims[1];
		m->nch = m->rows ? t->dims[0] : t->dims[1];
		return true;
	default: /* matmul */
		m->cols = t->dims[t->rank - 1];
		m->nch = t->rank >= 2 ? m->cols : 1;
		return true;
	}
}

static bool same_map(const wmap *a, const wmap *b)
{
	return a->kind == b->kind && a->nch == b->nch && a->per == b->per && a->cin == b->cin &&
	       a->cog == b->cog && a->group == b->group && a->cols == b->cols &&
	       a->rows == b->rows;
}

/* A quantized weight made in this run, for sharing. */
typedef struct qdone {
	uint32_t w, q;  /* float weight, its i8 copy */
	wmap m;
	float *scale;   /* m.nch entries, owned */
} qdone;

typedef struct qstate {
	qdone *d; uint32_t n, cap;
} qstate;

/* The i8 copy of weight w under mapping m (made here if new). */
static const qdone *quantize(nx_graph *g, qstate *s, uint32_t w, const wmap *m, nxp_ctx *ctx)
{
	for (uint32_t i = 0; i < s->n; i++)
		if (s->d[i].w == w && same_map(&s->d[i].m, m))
			return &s->d[i];
	nx_blob *b = nx_const_blob(g, w);
	nx_tensor wt = {b->type, (void *)nx_blob_data(b)};
	int64_t n = nx_type_numel(&b->type);
	float *scale = nx_xcalloc((size_t)m->nch, sizeof *scale); /* qdone owns it */
	for (int64_t i = 0; i < n; i++) {
		float a = fabsf((float)nx_tensor_get(&wt, i));
		int64_t c = chan(m, i);
		if (a > scale[c])
			scale[c] = a;
	}
	for (int64_t c = 0; c < m->nch; c++)
		scale[c] = scale[c] > 0.0f ? scale[c] / 127.0f : 1.0f;
	int8_t *q = nx_xmalloc((size_t)n); /* the blob takes it */
	for (int64_t i = 0; i < n; i++) {
		float r = roundf((float)nx_tensor_get(&wt, i) / scale[chan(m, i)]);
		q[i] = (int8_t)(r > 127.0f ? 127 : r < -127.0f ? -127 : r);
	}
	nx_type qt = b->type;
	qt.dtype = NX_I8;
	qt.layout = NX_LAYOUT_PLAIN;
	char hint[256];
	snprintf(hint, sizeof hint, "%s.q", nx_vname(g, w));
	snprintf(hint, sizeof hint, "%s", nx_cstr(g, nx_fresh_name(g, hint)));
	uint32_t qv = nx_const_new(g, hint, nx_blob_new_data(&qt, q), NULL);
	nx_grow((void **)&s->d, &s->cap, s->n + 1, sizeof *s->d);
	s->d[s->n] = (qdone){w, qv, *m, scale};
	nxp_stat_add(ctx, "weight bytes saved",
		     (int64_t)nx_blob_nbytes(b) - (int64_t)n);
	return &s->d[s->n++];
}

static int run(nx_graph *g, nxp_ctx *ctx)
{
	qstate s = {0};
	int rc = 0;
	NX_FOR_OPS(g, o) {
		wmap m;
		if (!weight_map(g, o, &m))
			continue;
		if (!nxp_rewrite(ctx, o))
			break;
		uint32_t w = nx_operand(g, o, 1);
		const qdone *d = quantize(g, &s, w, &m, ctx);
		nx_op_set_operand(g, o, 1, d->q);
		nx_attr_set_floats(g, o, "w_scale", d->scale, (uint32_t)m.nch);
		if (nx_infer_op(g, o, &ctx->err) != 0) {
			rc = -1;
			break;
		}
		float lo = d->scale[0], hi = d->scale[0];
		for (int64_t c = 1; c < m.nch; c++) {
			lo = fminf(lo, d->scale[c]);
			hi = fmaxf(hi, d->scale[c]);
		}
		char a[32], b[32];
		nx_fmt_float(a, sizeof a, lo);
		nx_fmt_float(b, sizeof b, hi);
		nxp_remark(ctx, "quantized weight %%%s of %%%s (%s) to i8: %lld channel%s, "
			   "scales %s..%s", nx_vname(g, w), nx_vname(g, nx_result(g, o, 0)),
			   nx_op_name(g, o), (long long)m.nch, m.nch == 1 ? "" : "s", a, b);
		if (!nx_value_nuses(g, w))
			nx_value_erase(g, w);
		nxp_stat_add(ctx, "weights quantized", 1);
	}
	for (uint32_t i = 0; i < s.n; i++)
		free(s.d[i].scale);
	free(s.d);
	return rc;
}

const nxp_pass nxp_pass_quantize_int8 = {
	.name = "quantize-int8",
	.summary = "quantize conv, conv_transpose, gemm and matmul weights to i8, per output "
		   "channel (attr w_scale)",
	.requires = "constant weights",
	.invalidates = "weights, attrs",
	.run = run,
};
