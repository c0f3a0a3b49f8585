/* infer_loss.c — shape inference for NegativeLogLikelihoodLoss and
 * SoftmaxCrossEntropyLoss: scores [N, C, d1..dk] (float), labels
 * [N, d1..dk] (i32 or i64), optional weights [C] in the scores' dtype.
 * The loss is [N, d1..dk] with reduction "none", else a scalar (rank 0);
 * SoftmaxCrossEntropyLoss's optional second result, log_prob, has the
 * scores' type.
 */
#include <string.h>

#include "nx_int.h"

int nx_infer_loss(nx_graph *g, uint32_t o, nx_err *err)
{
	if (nx_infer_dtype_in(g, o, 0, NX_DT_FLOAT, err) ||
	    nx_infer_dtype_in(g, o, 1, (1u << NX_I32) | (1u << NX_I64), err))
		return -1;
	nx_type x = nx_infer_in(g, o, 0), t = nx_infer_in(g, o, 1);
	if (x.rank < 2)
		return nx_infer_fail(g, o, err, "scores need rank >= 2 (N, C, ...), not %d", x.rank);
	bool same = t.rank == x.rank - 1 && t.dims[0] == x.dims[0];
	for (int d = 2; same && d < x.rank; d++)
		same = t.dims[d - 1] == x.dims[d];
	if (!same) {
		char a[96], b[96];
		return nx_infer_fail(g, o, err, "labels %s do not match scores %s without the class "
				     "dim", nx_infer_tstr(&t, a, sizeof a), nx_infer_tstr(&x, b, sizeof b));
	}
	if (nx_opp(g, o)->n_in > 2 && nx_operand(g, o, 2) != NX_NONE) {
		nx_type w = nx_infer_in(g, o, 2);
		if (nx_infer_same_dtype(g, o, 0, 2, err))
			return -1;
		if (w.rank != 1 || w.dims[0] != x.dims[1])
			return nx_infer_fail(g, o, err, "weights must be [%lld]", (long long)x.dims[1]);
	}
	const char *red = nx_attr_s(g, o, "reduction", "mean");
	if (strcmp(red, "none") && strcmp(red, "sum") && strcmp(red, "mean"))
		return nx_infer_fail(g, o, err, "reduction \"%s\" is not none, sum or mean", red);
	nx_type l = {.dtype = x.dtype, .layout = t.layout};
	if (!strcmp(red, "none")) {
		l.rank = t.rank;
		memcpy(l.dims, t.dims, sizeof l.dims);
	}
	if (nx_infer_set(g, o, 0, &l, err))
		return -1;
	if (nx_opp(g, o)->n_out > 1 && nx_infer_set(g, o, 1, &x, err))
		return -1;
	return 0;
}
