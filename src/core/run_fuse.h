/* run_fuse.h — run-time fusion of element-wise steps into their producer
 * (run_fuse.c; core-internal, used by run_plan.c and interp.c). */
#ifndef NX_RUN_FUSE_H
#define NX_RUN_FUSE_H

#include "nx_int.h"

/* The longest chain folded into one producer. */
#define NX_FUSE_MAX NX_ACT_POST

/* One fused op: y = x OP c[(i / inner) % nch] (c OP x when rev) for
 * element i of its operand x (the previous step's result, or the
 * producer's). */
typedef struct nx_fuse_step {
	uint32_t op;         /* the fused op (add, sub, mul or div) */
	uint32_t cval;       /* its constant operand (value id; data from the run's slots) */
	int kind;            /* NX_OP_ADD, _SUB, _MUL or _DIV */
	bool rev;            /* x is the op's second operand: y = c OP x */
	int64_t inner, nch;  /* the constant's broadcast: scalar is inner = n, nch = 1 */
} nx_fuse_step;

/* What a run plan knows about fusion: for each producer op its chain of
 * steps, and for each fused op which producer runs it. */
typedef struct nx_fuse {
	uint32_t *into;      /* per op id: producer that runs it, or NX_NONE */
	uint32_t *first;     /* per op id: its chain's first step in steps[] */
	uint8_t *n;          /* per op id: its chain's length (0: none) */
	nx_fuse_step *steps;
	uint32_t n_fused;    /* ops fused in all */
} nx_fuse;

/* The chains of g under use counts uses[] (per value id), or NULL when
 * nothing fuses. Caller frees with nx_fuse_free. */
nx_fuse *nx_fuse_new(const nx_graph *g, const uint32_t *uses);
void nx_fuse_free(nx_fuse *f);

/* Applies steps[0..n) in order to x[0..numel), in place; c[i] is step i's
 * constant's data. Each element gets fl(fl(x op c0) op c1)...: the bits
 * the unfused ops give. Spread over pool when big. */
void nx_fuse_apply(const nx_fuse_step *steps, int n, const float *const *c, float *x,
		   int64_t numel, nx_pool *pool);

/* One scalar step over x[0..n) in place (nx_act_apply's post steps). */
void nx_fuse_scalar(int kind, bool rev, float c, float *x, int64_t n);

#endif
