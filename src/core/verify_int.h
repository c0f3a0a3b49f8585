/* verify_int.h — what the whole-graph verifier (verify.c) shares with the
 * incremental one (verify_inc.c): the context, the failure messages and
 * the rules that read one op, one value, one name or one use list, so both
 * report a broken rule in the same words. Core-internal. */
#ifndef NX_VERIFY_INT_H
#define NX_VERIFY_INT_H

#include "nx_int.h"

typedef struct vctx {
	nx_graph *g;
	nx_err *err;
	uint8_t *op_seen;   /* by op id: met in the schedule walk */
	uint8_t *val_mark;  /* by value id: scratch (input list, then defined) */
	uint8_t *use_seen;  /* by use slot: met on some value's use list */
} vctx;

/* Set c->err naming the op / value / graph and return -1. */
int nx_vfail_op(vctx *c, uint32_t o, const char *fmt, ...) NX_PRINTF(3, 4);
int nx_vfail_val(vctx *c, uint32_t v, const char *fmt, ...) NX_PRINTF(3, 4);
int nx_vfail_graph(vctx *c, const char *fmt, ...) NX_PRINTF(2, 3);
void nx_vop_label(const nx_graph *g, uint32_t o, char *buf, size_t n);
const char *nx_vlink_str(uint32_t id, char *buf, size_t n);
const char *nx_vvname(const nx_graph *g, uint32_t v);

/* Op o as the schedule walk meets it after expect (NX_NONE: first): it
 * exists, is live, was not met before (flags[o] & seen, the walker's own
 * mark) and links back to expect. */
int nx_vcheck_sched_step(vctx *c, uint32_t o, uint32_t expect, const uint8_t *flags,
			 uint8_t seen);
/* One live op's pool ranges; then its counts, operands and results (after
 * every op to be checked passed nx_vcheck_op_ranges). */
int nx_vcheck_op_ranges(vctx *c, uint32_t o);
int nx_vcheck_op(vctx *c, uint32_t o);
/* The input list (marks the inputs in val_mark); one live value; one
 * name's owner; the output list. */
int nx_vcheck_inputs(vctx *c);
int nx_vcheck_value(vctx *c, uint32_t v);
int nx_vcheck_name(vctx *c, uint32_t s);
int nx_vcheck_outputs(vctx *c);
/* One live value's use list (marks use_seen); one live op's operand slot
 * met on its value's list. */
int nx_vcheck_use_list(vctx *c, uint32_t v);
int nx_vcheck_listed(vctx *c, uint32_t o, uint32_t i);
/* One live op's result types against nx_infer_op (types put back). */
int nx_vcheck_type(vctx *c, uint32_t o);
/* Op o reads for inference what op o of prev read. */
bool nx_vop_same(const nx_graph *g, const nx_graph *prev, uint32_t o);

/* verify_inc.c: the step's checks on what changed since prev; 0, -1 (err
 * set), 1 when the change is not one it can bound (the caller verifies the
 * whole graph, types only where ops differ from prev's), or 2 when g's
 * strings differ from prev's by id (the caller verifies as if no prev). */
int nx_verify_inc(nx_graph *g, const nx_graph *prev, nx_err *err);

#endif
