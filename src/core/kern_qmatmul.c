/* kern_qmatmul.c — MatMulInteger and QLinearMatMul, exactly: products of
 * (a - a_zero_point) and (b - b_zero_point) summed in int64. MatMulInteger
 * stores the sum as i32 (ONNX's result type; the sums of its tests fit);
 * QLinearMatMul scales it by a_scale * b_scale / y_scale in double, rounds
 * half to even, adds y_zero_point and saturates to i8/u8, as the ONNX
 * reference does. Zero points and scales are per tensor, or per row of A
 * and per column of B (infer_qmatmul.c says when). Batch dims broadcast.
 */
#include <math.h>

#include "nx_int.h"

typedef struct qparam {
	const nx_tensor *t; /* NULL: absent (zero point 0) */
	int64_t n;          /* elements: 1 or one per row / column */
} qparam;

static qparam param(const nx_kern *k, uint32_t i)
{
	qparam p = {NULL, 1};
	if (i < k->n_in && k->in[i].data) {
		p.t = &k->in[i];
		p.n = nx_tensor_numel(&k->in[i]);
	}
	return p;
}

static double at(const qparam *p, int64_t i, double def)
{
	return p->t ? nx_tensor_get(p->t, p->n == 1 ? 0 : i) : def;
}

/* Offset of batch element bi of the result in an operand whose batch dims
 * (rank - 2 of them, right-aligned to the result's) broadcast to it. */
static int64_t batch_off(const nx_type *t, const nx_type *r, int64_t bi)
{
	int nb = r->rank - 2, tb = t->rank - 2;
	int64_t off = 0, stride = t->dims[t->rank - 1] * t->dims[t->rank - 2];
	for (int d = nb - 1; d >= 0; d--) {
		int64_t idx = bi % r->dims[d];
		bi /= r->dims[d];
		int td = d - (nb - tb);
		if (td < 0)
			continue;
		if (t->dims[td] != 1)
			off += idx * stride;
		stride *= t->dims[td];
	}
	return off;
}

int nx_kern_qmatmul(nx_kern *k)
{
	bool ql = nx_opp(k->g, k->op)->kind == NX_OP_QLINEAR_MATMUL;
	const nx_tensor *A = &k->in[0], *B = &k->in[ql ? 3 : 1];
	qparam azp = param(k, 2), bzp = param(k, ql ? 5 : 3); /* a_zero_point is 2 in both */
	qparam as = {0}, bs = {0}, ys = {0}, yzp = {0};
	if (ql) {
		as = param(k, 1);
		bs = param(k, 4);
		ys = param(k, 6);
		yzp = param(k, 7);
	}
	nx_tensor *Y = &k->out[0];
	const nx_type *r = &Y->type;
	if (A->type.rank < 2 || B->type.rank < 2 || r->rank < 2)
		return nx_kern_fail(k, "operands do not match the result type");
	int64_t M = A->type.dims[A->type.rank - 2], K = A->type.dims[A->type.rank - 1];
	int64_t N = B->type.dims[B->type.rank - 1];
	if (B->type.dims[B->type.rank - 2] != K || r->dims[r->rank - 2] != M ||
	    r->dims[r->rank - 1] != N)
		return nx_kern_fail(k, "operands do not match the result type");
	int64_t nbatch = nx_tensor_numel(Y) / (M * N);
	double lo = r->dtype == NX_I8 ? -128 : 0, hi = r->dtype == NX_I8 ? 127 : 255;
	double ysc = ql ? at(&ys, 0, 1) : 1, yz = ql ? at(&yzp, 0, 0) : 0;
	for (int64_t bi = 0; bi < nbatch; bi++) {
		int64_t oa = batch_off(&A->type, r, bi), ob = batch_off(&B->type, r, bi);
		for (int64_t m = 0; m < M; m++)
			for (int64_t n = 0; n < N; n++) {
				int64_t za = (int64_t)at(&azp, m, 0), zb = (int64_t)at(&bzp, n, 0);
				int64_t s = 0;
				for (int64_t q = 0; q < K; q++)
					s += (nx_tensor_get_int(A, oa + m * K + q) - za) *
					     (nx_tensor_get_int(B, ob + q * N + n) - zb);
				int64_t yi = bi * M * N + m * N + n;
				if (!ql) {
					nx_tensor_set_int(Y, yi, s);
					continue;
				}
				double v = rint((double)s * (at(&as, m, 1) * at(&bs, n, 1) / ysc)) + yz;
				nx_tensor_set(Y, yi, v < lo ? lo : v > hi ? hi : v);
			}
	}
	return 0;
}
