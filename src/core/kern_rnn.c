/* kern_rnn.c — LSTM, GRU and RNN, with ONNX's equations (gate order
 * i, o, f, c for LSTM and z, r, h for GRU in W, R and B; peepholes i, o, f).
 *
 * Per direction, the input projections of all time steps are one
 * cblas_sgemm (X [T*B, I] x W^T, both biases added once); each step is then
 * one sgemm of the hidden state [B, H] by R^T, and the gates elementwise.
 * GRU without linear_before_reset needs (r . H) R_h^T, a second sgemm per
 * step after the reset gate is known. Batch entry b with sequence_lens
 * L < T runs L steps (reverse: from its own step L-1 down to 0); Y is zero
 * past L and Y_h / Y_c hold the state after step L (the initial state when
 * L is 0), as onnxruntime does. clip bounds every gate's input before its
 * activation (the cell's output activation h is applied unclipped).
 *
 * f32 (the interpreter widens half floats). One thread: the recurrence is
 * serial in time, and the batches of the models that use it are small.
 */
#include <cblas.h>
#include <stdlib.h>
#include <string.h>

#include "nx_int.h"

typedef struct rnn_run {
	const nx_rnn_spec *s;
	int kind;
	const float *x, *w, *r, *bias, *h0, *c0, *p;
	const nx_tensor *lens;       /* NULL: every sequence is T long */
	float *y, *yh, *yc;          /* NULL when the op has no such result */
	float *xw;                   /* [T*B, G*H] input projections */
	float *hr;                   /* [B, G*H] state projections */
	float *h, *c;                /* [B, H] state */
	float *rh;                   /* [B, H] GRU: r . H, then its projection */
	float *hn;                   /* [B, H] GRU: projection of r . H */
} rnn_run;

/* Offsets into X [T,B,I] (layout 0) or [B,T,I] and into state tensors
 * [D,B,H] or [B,D,H]; Y is [T,D,B,H] or [B,T,D,H]. */
static int64_t x_row(const nx_rnn_spec *s, int64_t t, int64_t b)
{
	return s->layout ? b * s->nt + t : t * s->nb + b;
}

static int64_t st_off(const nx_rnn_spec *s, int d, int64_t b)
{
	return (s->layout ? b * s->dirs + d : d * s->nb + b) * s->nh;
}

static int64_t y_off(const nx_rnn_spec *s, int64_t t, int d, int64_t b)
{
	return (s->layout ? (b * s->nt + t) * s->dirs + d : (t * s->dirs + d) * s->nb + b) * s->nh;
}

static void clip(const nx_rnn_spec *s, float *v, int64_t n)
{
	if (s->clip > 0)
		for (int64_t i = 0; i < n; i++)
			v[i] = v[i] > s->clip ? s->clip : v[i] < -s->clip ? -s->clip : v[i];
}

static int64_t len_of(const rnn_run *q, int64_t b)
{
	if (!q->lens)
		return q->s->nt;
	int64_t l = nx_tensor_get_int(q->lens, b);
	return l < 0 ? 0 : l > q->s->nt ? q->s->nt : l;
}

/* One LSTM cell update of batch entry b: g = x and state projections of
 * its four gates (i, o, f, c), summed in place. */
static void lstm_cell(rnn_run *q, int d, int64_t b, float *g)
{
	const nx_rnn_spec *s = q->s;
	int64_t H = s->nh;
	float *gi = g, *go = g + H, *gf = g + 2 * H, *gc = g + 3 * H;
	float *h = q->h + b * H, *c = q->c + b * H;
	const float *p = q->p ? q->p + (int64_t)d * 3 * H : NULL;
	const nx_rnn_act *a = s->act[d];
	if (p)
		for (int64_t j = 0; j < H; j++) {
			gi[j] += p[j] * c[j];
			gf[j] += p[2 * H + j] * c[j];
		}
	clip(s, gi, H);
	clip(s, gf, 2 * H); /* f and c */
	nx_rnn_act_apply(&a[0], gi, H);
	nx_rnn_act_apply(&a[0], gf, H);
	nx_rnn_act_apply(&a[1], gc, H);
	for (int64_t j = 0; j < H; j++) {
		float f = s->input_forget ? 1 - gi[j] : gf[j];
		c[j] = f * c[j] + gi[j] * gc[j];
	}
	if (p)
		for (int64_t j = 0; j < H; j++)
			go[j] += p[H + j] * c[j];
	clip(s, go, H);
	nx_rnn_act_apply(&a[0], go, H);
	memcpy(h, c, (size_t)H * sizeof *h);
	nx_rnn_act_apply(&a[2], h, H);
	for (int64_t j = 0; j < H; j++)
		h[j] *= go[j];
}

/* One direction: d indexes W, R, B, P and the state; rev runs time
 * backwards. */
static void run_dir(rnn_run *q, int d, bool rev)
{
	const nx_rnn_spec *s = q->s;
	int64_t T = s->nt, B = s->nb, In = s->ni, H = s->nh, GH = s->gates * H;
	const float *w = q->w + d * GH * In, *r = q->r + d * GH * H;
	const float *wb = q->bias ? q->bias + d * 2 * GH : NULL, *rb = wb ? wb + GH : NULL;
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)(T * B), (int)GH, (int)In, 1.0f,
		    q->x, (int)In, w, (int)In, 0.0f, q->xw, (int)GH);
	/* GRU's h-gate recurrence bias stays apart: it sits inside r . (...)
	 * with linear_before_reset, and after the product without. */
	int64_t rb_n = q->kind == NX_OP_GRU ? 2 * H : GH;
	if (wb)
		for (int64_t i = 0; i < T * B; i++)
			for (int64_t j = 0; j < GH; j++)
				q->xw[i * GH + j] += wb[j] + (j < rb_n ? rb[j] : 0);
	for (int64_t b = 0; b < B; b++) {
		float *h = q->h + b * H, *c = q->c ? q->c + b * H : NULL;
		if (q->h0)
			memcpy(h, q->h0 + st_off(s, d, b), (size_t)H * sizeof *h);
		else
			memset(h, 0, (size_t)H * sizeof *h);
		if (c && q->c0)
			memcpy(c, q->c0 + st_off(s, d, b), (size_t)H * sizeof *c);
		else if (c)
			memset(c, 0, (size_t)H * sizeof *c);
	}
	const nx_rnn_act *a = s->act[d];
	for (int64_t st = 0; st < T; st++) {
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)B, (int)GH, (int)H, 1.0f,
			    q->h, (int)H, r, (int)H, 0.0f, q->hr, (int)GH);
		for (int64_t b = 0; b < B; b++) {
			int64_t L = len_of(q, b);
			if (st >= L)
				continue;
			int64_t t = rev ? L - 1 - st : st;
			float *g = q->hr + b * GH;
			const float *gx = q->xw + x_row(s, t, b) * GH;
			float *h = q->h + b * H;
			if (q->kind == NX_OP_LSTM) {
				for (int64_t j = 0; j < GH; j++)
					g[j] += gx[j];
				lstm_cell(q, d, b, g);
			} else if (q->kind == NX_OP_RNN) {
				for (int64_t j = 0; j < H; j++)
					g[j] += gx[j];
				clip(s, g, H);
				nx_rnn_act_apply(&a[0], g, H);
				memcpy(h, g, (size_t)H * sizeof *h);
			} else {
				/* z and r now; h after the reset product (below). */
				for (int64_t j = 0; j < 2 * H; j++)
					g[j] += gx[j];
				clip(s, g, 2 * H);
				nx_rnn_act_apply(&a[0], g, 2 * H);
				float *rh = q->rh + b * H;
				for (int64_t j = 0; j < H; j++)
					rh[j] = g[H + j] * h[j];
			}
		}
		if (q->kind == NX_OP_GRU) {
			if (!s->linear_before_reset)
				cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)B, (int)H,
					    (int)H, 1.0f, q->rh, (int)H, r + 2 * H * H, (int)H, 0.0f,
					    q->hn, (int)H);
			for (int64_t b = 0; b < B; b++) {
				int64_t L = len_of(q, b);
				if (st >= L)
					continue;
				int64_t t = rev ? L - 1 - st : st;
				float *g = q->hr + b * GH, *h = q->h + b * H, *n = g + 2 * H;
				const float *gx = q->xw + x_row(s, t, b) * GH + 2 * H;
				for (int64_t j = 0; j < H; j++) {
					float rbh = rb ? rb[2 * H + j] : 0;
					n[j] = s->linear_before_reset
						       ? gx[j] + g[H + j] * (n[j] + rbh)
						       : gx[j] + q->hn[b * H + j] + rbh;
				}
				clip(s, n, H);
				nx_rnn_act_apply(&a[1], n, H);
				for (int64_t j = 0; j < H; j++)
					h[j] = (1 - g[j]) * n[j] + g[j] * h[j];
			}
		}
		if (q->y)
			for (int64_t b = 0; b < B; b++) {
				int64_t L = len_of(q, b);
				if (st < L)
					memcpy(q->y + y_off(s, rev ? L - 1 - st : st, d, b),
					       q->h + b * H, (size_t)H * sizeof *q->y);
			}
	}
	for (int64_t b = 0; b < B; b++) {
		if (q->yh)
			memcpy(q->yh + st_off(s, d, b), q->h + b * H, (size_t)H * sizeof *q->yh);
		if (q->yc)
			memcpy(q->yc + st_off(s, d, b), q->c + b * H, (size_t)H * sizeof *q->yc);
	}
}

static const float *opt_in(const nx_kern *k, uint32_t i)
{
	return i < k->n_in && k->in[i].data ? k->in[i].data : NULL;
}

int nx_kern_rnn(nx_kern *k)
{
	nx_rnn_spec s;
	if (nx_rnn_spec_of(k->g, k->op, &s, k->err))
		return -1;
	for (uint32_t i = 0; i < k->n_in; i++)
		if (i != 4 && k->in[i].data && k->in[i].type.dtype != NX_F32)
			return nx_kern_fail(k, "operand %u is %s, not f32", i,
					    nx_dtype_name(k->in[i].type.dtype));
	int64_t T = s.nt, B = s.nb, H = s.nh, GH = s.gates * H;
	if (T * B > INT32_MAX / (GH > s.ni ? GH : s.ni) || B * H > INT32_MAX)
		return nx_kern_fail(k, "too large for one sgemm (T*B*%d*H above 2^31)", s.gates);
	rnn_run q = {
		.s = &s, .kind = nx_opp(k->g, k->op)->kind,
		.x = k->in[0].data, .w = k->in[1].data, .r = k->in[2].data,
		.bias = opt_in(k, 3), .h0 = opt_in(k, 5), .c0 = opt_in(k, 6), .p = opt_in(k, 7),
		.lens = opt_in(k, 4) ? &k->in[4] : NULL,
		.y = k->out[0].data,
		.yh = k->n_out > 1 ? k->out[1].data : NULL,
		.yc = k->n_out > 2 ? k->out[2].data : NULL,
	};
	/* Scratch, freed below. */
	size_t n = (size_t)(T * B * GH + B * GH + 5 * B * H);
	float *buf = calloc(n, sizeof *buf);
	if (!buf)
		nx_die("out of memory in %s", nx_op_name(k->g, k->op));
	q.xw = buf;
	q.hr = q.xw + T * B * GH;
	q.h = q.hr + B * GH;
	q.c = q.kind == NX_OP_LSTM ? q.h + B * H : NULL;
	q.rh = q.h + 2 * B * H;
	q.hn = q.rh + B * H;
	memset(q.y, 0, (size_t)nx_tensor_numel(&k->out[0]) * sizeof *q.y);
	for (int d = 0; d < s.dirs; d++)
		run_dir(&q, d, s.dirs == 2 ? d == 1 : s.reverse);
	free(buf);
	return 0;
}
