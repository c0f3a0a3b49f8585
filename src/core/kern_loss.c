/* kern_loss.c — NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss, as
 * the ONNX reference computes them. Scores [N, C, D...] are read as
 * [N, C, D] with D the product of the trailing dims. Each position's loss
 * is -w * p[n, label, d], where p is the scores (NLL) or their log-softmax
 * over C (SCE), and w is weights[label] (1 without weights), 0 where the
 * label equals ignore_index. "mean" divides the sum by the sum of those w
 * (which is the count of positions when there are no weights), so a batch
 * whose labels are all ignored gives 0/0 = NaN, as the reference does.
 * A label outside [0, C) that is not ignored is an error naming it.
 *
 * f32 (the interpreter widens half floats); log-softmax and sums in double.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nx_int.h"

/* log-softmax over C of scores [N, C, D] into lp (same layout). */
static void log_softmax_c(const float *x, int64_t N, int64_t C, int64_t D, float *lp)
{
	for (int64_t n = 0; n < N; n++)
		for (int64_t d = 0; d < D; d++) {
			const float *xs = x + n * C * D + d;
			double m = -INFINITY, s = 0;
			for (int64_t c = 0; c < C; c++)
				if (xs[c * D] > m)
					m = xs[c * D];
			for (int64_t c = 0; c < C; c++)
				s += exp(xs[c * D] - m);
			double ls = log(s);
			for (int64_t c = 0; c < C; c++)
				lp[n * C * D + c * D + d] = (float)(xs[c * D] - m - ls);
		}
}

int nx_kern_loss(nx_kern *k)
{
	const nx_tensor *xt = &k->in[0], *tt = &k->in[1];
	const nx_tensor *wt = k->n_in > 2 && k->in[2].data ? &k->in[2] : NULL;
	if (xt->type.dtype != NX_F32 || k->out[0].type.dtype != NX_F32 ||
	    (wt && wt->type.dtype != NX_F32) || xt->type.rank < 2)
		return nx_kern_fail(k, "operands do not match the result type");
	int64_t N = xt->type.dims[0], C = xt->type.dims[1];
	int64_t D = nx_tensor_numel(xt) / (N * C);
	if (nx_tensor_numel(tt) != N * D || (wt && nx_tensor_numel(wt) != C))
		return nx_kern_fail(k, "labels or weights do not match the scores");
	const char *red = nx_attr_s(k->g, k->op, "reduction", "mean");
	bool none = !strcmp(red, "none"), mean = !strcmp(red, "mean");
	if (none ? nx_tensor_numel(&k->out[0]) != N * D : nx_tensor_numel(&k->out[0]) != 1)
		return nx_kern_fail(k, "result does not match reduction \"%s\"", red);
	bool has_ii = nx_attr_get(k->g, k->op, "ignore_index") != NULL;
	int64_t ii = nx_attr_i(k->g, k->op, "ignore_index", 0);

	const float *p = xt->data;
	float *lp = NULL;
	bool own_lp = false;
	if (nx_opp(k->g, k->op)->kind == NX_OP_SCE_LOSS) {
		/* log_prob is result 1 when asked for, else scratch
		 * (caller of malloc frees below). */
		if (k->n_out > 1 && k->out[1].data) {
			if (k->out[1].type.dtype != NX_F32 || nx_tensor_numel(&k->out[1]) != N * C * D)
				return nx_kern_fail(k, "log_prob does not match the scores");
			lp = k->out[1].data;
		} else {
			lp = malloc((size_t)(N * C * D) * sizeof *lp);
			own_lp = true;
			if (!lp)
				nx_die("out of memory in %s", nx_ops[NX_OP_SCE_LOSS].name);
		}
		log_softmax_c(p, N, C, D, lp);
		p = lp;
	}
	const float *w = wt ? wt->data : NULL;
	float *y = k->out[0].data;
	double sum = 0, wsum = 0;
	int rc = 0;
	for (int64_t n = 0; n < N && !rc; n++)
		for (int64_t d = 0; d < D; d++) {
			int64_t i = n * D + d, t = nx_tensor_get_int(tt, i);
			double l = 0, wi = 0;
			if (!has_ii || t != ii) {
				if (t < 0 || t >= C) {
					rc = nx_kern_fail(k, "label %lld at position %lld is outside "
							  "[0, %lld) and not ignore_index", (long long)t,
							  (long long)i, (long long)C);
					break;
				}
				wi = w ? w[t] : 1.0;
				l = -wi * p[n * C * D + t * D + d];
			}
			if (none)
				y[i] = (float)l;
			sum += l;
			wsum += wi;
		}
	if (!rc && !none)
		y[0] = (float)(mean ? sum / wsum : sum);
	if (own_lp)
		free(lp);
	return rc;
}
