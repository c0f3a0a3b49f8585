/* run_fuse.c — how the interpreter folds an element-wise step by a
 * constant into the op that makes its operand. PPLCNetV3 (PaddleOCR rec)
 * puts a learnable affine `mul(x, s) -> add(x, b)` (scalars) after each
 * of its ~30 convs: run as ops, each is a dispatch, a buffer hand-over
 * and a pass over memory that has left the cache. Folded, the producer's
 * result gets the steps in place, and the fused ops are skipped when the
 * schedule reaches them: a chain of scalars on an op with a fused act
 * rides in the act's own sweep (nx_act.post, nx_act_apply, interp.c asks
 * the kernel and knows whether it did); any other chain gets one sweep
 * right after the producer (nx_fuse_apply) while the data is hot.
 *
 * An op F joins the chain of the op P that makes its operand x when: F is
 * add, sub, mul or div without a fused act, its other operand is an f32
 * constant whose broadcast over x is a scalar or one run of x's dims (a
 * per-channel vector), F's result has x's type (f32), x has exactly one
 * reader (F) and is not a graph output, and P makes one result. Chains
 * continue through F's result under the same rule. The run plan works the
 * chains out once (nx_fuse_new); nx_run uses them unless the run keeps
 * every value or has observers (the numeric debugger), which must see
 * each intermediate as the unfused ops make it.
 *
 * Bits: each element gets fl(x op c) per step in the ops' order (c op x
 * for a reversed operand pair), the expressions kern_elem.c's binary rows
 * compute; the build does not contract a*b+c into an FMA (-std=c11), so
 * the fused run gives the unfused run's bits on every SIMD copy. The IR
 * does not change: passes, the NE model, the executor (which runs ops one
 * by one through nx_eval_op_into) and goldens see the graph as it is. */
#include <stdlib.h>

#include "run_fuse.h"
#include "simd.h"

/* The broadcast of constant type ct over x's type xt as (inner, nch):
 * element i of x reads c[(i / inner) % nch]. false when c is not a scalar
 * or one contiguous run of x's dims (the rest 1), or would grow x. */
static bool bcast_run(const nx_type *xt, const nx_type *ct, int64_t *inner, int64_t *nch)
{
	if (ct->rank > xt->rank)
		return false;
	int off = xt->rank - ct->rank, lo = -1, hi = -1;
	for (int d = 0; d < ct->rank; d++) {
		if (ct->dims[d] == 1)
			continue;
		if (ct->dims[d] != xt->dims[off + d])
			return false;
		if (lo < 0)
			lo = off + d;
		else if (hi != off + d - 1)
			return false; /* a 1 between two runs: not one channel index */
		hi = off + d;
	}
	*inner = 1;
	*nch = 1;
	if (lo < 0) {
		*inner = nx_type_numel(xt);
		return true;
	}
	for (int d = hi + 1; d < xt->rank; d++)
		*inner *= xt->dims[d];
	for (int d = lo; d <= hi; d++)
		*nch *= xt->dims[d];
	return true;
}

/* Whether op f can be a step on value x (its operand, read by nothing
 * else): fills *st. */
static bool step_for(const nx_graph *g, uint32_t f, uint32_t x, nx_fuse_step *st)
{
	const nx_op *p = nx_opp(g, f);
	if ((p->kind != NX_OP_ADD && p->kind != NX_OP_SUB && p->kind != NX_OP_MUL &&
	     p->kind != NX_OP_DIV) || p->n_in != 2 || p->n_out != 1 || nx_attr_get(g, f, "act"))
		return false;
	uint32_t a = nx_operand(g, f, 0), b = nx_operand(g, f, 1);
	bool rev = b == x;
	uint32_t c = rev ? a : b;
	if ((rev ? b : a) != x || c == x || !nx_is_const(g, c))
		return false;
	const nx_type *xt = nx_vtype(g, x), *ct = nx_vtype(g, c);
	const nx_type *yt = nx_vtype(g, nx_result(g, f, 0));
	if (xt->dtype != NX_F32 || ct->dtype != NX_F32 || !nx_type_same_shape(xt, yt))
		return false;
	*st = (nx_fuse_step){f, c, p->kind, rev, 0, 0};
	return bcast_run(xt, ct, &st->inner, &st->nch);
}

nx_fuse *nx_fuse_new(const nx_graph *g, const uint32_t *uses)
{
	uint32_t nv = g->n_vals ? g->n_vals : 1, no = g->n_ops ? g->n_ops : 1;
	/* the one op reading each value read once, and which values are outputs */
	uint32_t *reader = nx_xmalloc(nv * sizeof *reader); /* freed below */
	bool *out = nx_xcalloc(nv, sizeof *out);
	uint32_t *pos = nx_xcalloc(g->n_ops ? g->n_ops : 1, sizeof *pos);
	uint32_t n_pos = 0;
	nx_fuse *f = nx_xcalloc(1, sizeof *f); /* caller frees with nx_fuse_free */
	for (uint32_t v = 0; v < nv; v++)
		reader[v] = NX_NONE;
	for (uint32_t i = 0; i < g->n_outputs; i++)
		out[g->outputs[i]] = true;
	NX_FOR_OPS(g, op) {
		const nx_op *p = nx_opp(g, op);
		pos[op] = n_pos++;
		for (uint32_t i = 0; i < p->n_in; i++) {
			uint32_t v = nx_operand(g, op, i);
			if (v != NX_NONE && uses[v] == 1)
				reader[v] = op;
		}
	}
	f->into = nx_xcalloc(no, sizeof *f->into);
	f->first = nx_xcalloc(no, sizeof *f->first);
	f->n = nx_xcalloc(no, sizeof *f->n);
	for (uint32_t o = 0; o < no; o++)
		f->into[o] = NX_NONE;
	uint32_t cap = 0, n_steps = 0;
	NX_FOR_OPS(g, op) {
		if (f->into[op] != NX_NONE || nx_opp(g, op)->n_out != 1)
			continue;
		uint32_t x = nx_result(g, op, 0);
		f->first[op] = n_steps;
		uint32_t at = op;
		while (f->n[op] < NX_FUSE_MAX && uses[x] == 1 && !out[x] && reader[x] != NX_NONE) {
			nx_fuse_step st;
			/* a reader scheduled before its operand is made is the
			 * run's error to report, unfused */
			if (pos[reader[x]] <= pos[at] || !step_for(g, reader[x], x, &st))
				break;
			at = reader[x];
			if (n_steps == cap) {
				cap = cap ? 2 * cap : 16;
				f->steps = nx_xrealloc(f->steps, cap * sizeof *f->steps);
			}
			f->steps[n_steps++] = st;
			f->into[st.op] = op;
			f->n[op]++;
			f->n_fused++;
			x = nx_result(g, st.op, 0);
		}
	}
	free(reader);
	free(out);
	free(pos);
	if (!f->n_fused) {
		nx_fuse_free(f);
		return NULL;
	}
	return f;
}

void nx_fuse_free(nx_fuse *f)
{
	if (!f)
		return;
	free(f->into);
	free(f->first);
	free(f->n);
	free(f->steps);
	free(f);
}

/* One step over x[0..n) with constant values w[0..n) (wstep 1) or one
 * value w[0] (wstep 0): the expressions of kern_elem.c's BIN_LOOPS,
 * operands in the op's order. */
#define FUSE_LOOP(EXPR)                                                      \
	do {                                                                 \
		if (wstep) {                                                 \
			for (int64_t i = 0; i < n; i++) {                    \
				float a = x[i], c = w[i];                     \
				x[i] = EXPR;                                 \
			}                                                    \
		} else {                                                     \
			float c = w[0];                                      \
			for (int64_t i = 0; i < n; i++) {                    \
				float a = x[i];                              \
				x[i] = EXPR;                                 \
			}                                                    \
		}                                                            \
	} while (0)

NX_BODY void fuse_run_body(int kind, bool rev, const float *w, int wstep, float *x, int64_t n)
{
	switch (kind * 2 + rev) {
	case NX_OP_ADD * 2: FUSE_LOOP(a + c); break;
	case NX_OP_ADD * 2 + 1: FUSE_LOOP(c + a); break;
	case NX_OP_SUB * 2: FUSE_LOOP(a - c); break;
	case NX_OP_SUB * 2 + 1: FUSE_LOOP(c - a); break;
	case NX_OP_MUL * 2: FUSE_LOOP(a * c); break;
	case NX_OP_MUL * 2 + 1: FUSE_LOOP(c * a); break;
	case NX_OP_DIV * 2: FUSE_LOOP(a / c); break;
	case NX_OP_DIV * 2 + 1: FUSE_LOOP(c / a); break;
	default: break;
	}
}

NX_SIMD_FN(static, fuse_run, (int kind, bool rev, const float *w, int wstep, float *x, int64_t n),
	   (kind, rev, w, wstep, x, n))

void nx_fuse_scalar(int kind, bool rev, float c, float *x, int64_t n)
{
	fuse_run(kind, rev, &c, 0, x, n);
}

typedef struct fuse_job {
	const nx_fuse_step *steps;
	int n;
	const float *const *c;
	float *x;
} fuse_job;

/* Elements [lo, hi) in blocks that stay in L1 between the steps; within a
 * block each step runs over the pieces that share one constant value. */
static void fuse_part(void *ctx, int64_t lo, int64_t hi)
{
	const fuse_job *j = ctx;
	enum { BLOCK = 2048 };
	for (int64_t b = lo; b < hi; b += BLOCK) {
		int64_t e = hi - b < BLOCK ? hi : b + BLOCK;
		for (int s = 0; s < j->n; s++) {
			const nx_fuse_step *st = &j->steps[s];
			for (int64_t i = b; i < e;) {
				int64_t end;
				if (st->inner == 1) {
					/* the constant runs along the innermost dims
					 * (a bias on the last axis): a vector of it */
					int64_t q = i % st->nch;
					end = i + (st->nch - q) < e ? i + (st->nch - q) : e;
					fuse_run(st->kind, st->rev, j->c[s] + q, 1, j->x + i, end - i);
				} else {
					int64_t q = i / st->inner;
					end = (q + 1) * st->inner < e ? (q + 1) * st->inner : e;
					fuse_run(st->kind, st->rev, j->c[s] + q % st->nch, 0, j->x + i,
						 end - i);
				}
				i = end;
			}
		}
	}
}

void nx_fuse_apply(const nx_fuse_step *steps, int n, const float *const *c, float *x,
		   int64_t numel, nx_pool *pool)
{
	fuse_job j = {steps, n, c, x};
	nx_pool_for(numel >= (1 << 15) ? pool : NULL, numel, fuse_part, &j);
}
