/* infer_rnn.c — LSTM, GRU and RNN: their attributes read into one spec
 * (nx_rnn_spec, which the kernel reads too) and their shape inference.
 *
 * Shapes, with D = 2 for bidirectional else 1, G = 4 (LSTM), 3 (GRU) or
 * 1 (RNN) gates, and layout 0 (layout 1 swaps the first two axes of X, Y,
 * initial_h, initial_c, Y_h and Y_c, as ONNX's batch-first layout does):
 *     X [T, B, I]   W [D, G*H, I]   R [D, G*H, H]   B [D, 2*G*H]
 *     sequence_lens [B] (i32 or i64)   initial_h, initial_c [D, B, H]
 *     P [D, 3*H] (LSTM's peepholes)
 *     Y [T, D, B, H]   Y_h, Y_c [D, B, H]
 * H is hidden_size when given (it must then agree with W), else W's
 * second dim / G. Activations are ONNX's names, any case; activations that
 * take alpha (beta) consume activation_alpha (activation_beta) in order,
 * falling back to ONNX's default when the list runs out.
 */
#include <math.h>
#include <string.h>
#include <strings.h>

#include "nx_int.h"

/* ONNX's activation functions for recurrent ops; args = how many of
 * alpha, beta the function takes (Affine and ScaledTanh take both). */
static const struct {
	const char *name;
	int args;
	float alpha, beta;
} acts[] = {
	{"Sigmoid", 0, 0, 0},     {"Tanh", 0, 0, 0},        {"Relu", 0, 0, 0},
	{"Affine", 2, 1, 0},      {"LeakyRelu", 1, 0.01f, 0}, {"ThresholdedRelu", 1, 1, 0},
	{"ScaledTanh", 2, 1, 1},  {"HardSigmoid", 2, 0.2f, 0.5f}, {"Elu", 1, 1, 0},
	{"Softsign", 0, 0, 0},    {"Softplus", 0, 0, 0},
};
enum { SIGMOID, TANH, RELU, AFFINE, LEAKY, THRESH, STANH, HSIG, ELU, SOFTSIGN, SOFTPLUS };

void nx_rnn_act_apply(const nx_rnn_act *a, float *x, int64_t n)
{
	float al = a->alpha, be = a->beta;
	for (int64_t i = 0; i < n; i++) {
		float v = x[i];
		switch (a->fn) {
		case SIGMOID: v = 1.0f / (1.0f + expf(-v)); break;
		case TANH: v = tanhf(v); break;
		case RELU: v = v > 0 ? v : 0; break;
		case AFFINE: v = al * v + be; break;
		case LEAKY: v = v >= 0 ? v : al * v; break;
		case THRESH: v = v > al ? v : 0; break;
		case STANH: v = al * tanhf(be * v); break;
		case HSIG: v = fmaxf(0, fminf(1, al * v + be)); break;
		case ELU: v = v >= 0 ? v : al * (expf(v) - 1); break;
		case SOFTSIGN: v = v / (1 + fabsf(v)); break;
		case SOFTPLUS: v = v > 20 ? v : log1pf(expf(v)); break;
		}
		x[i] = v;
	}
}

/* Splits the comma-joined activations into the spec, defaults when the
 * attribute is absent. */
static int read_acts(const nx_graph *g, uint32_t o, nx_rnn_spec *s, nx_err *err)
{
	static const int def[3][NX_RNN_ACT_MAX] = {
		{SIGMOID, TANH, TANH}, {SIGMOID, TANH, 0}, {TANH, 0, 0}};
	int kind = nx_opp(g, o)->kind;
	const int *d = def[kind == NX_OP_LSTM ? 0 : kind == NX_OP_GRU ? 1 : 2];
	const char *list = nx_attr_s(g, o, "activations", NULL);
	uint32_t na = 0, nb = 0, ia = 0, ib = 0;
	const float *al = nx_attr_floats(g, o, "activation_alpha", &na);
	const float *be = nx_attr_floats(g, o, "activation_beta", &nb);
	int want = s->n_act * s->dirs, got = 0;
	const char *p = list;
	for (int k = 0; k < want; k++) {
		nx_rnn_act *a = &s->act[k / s->n_act][k % s->n_act];
		int fn = d[k % s->n_act];
		if (list) {
			if (!*p)
				break;
			const char *e = strchr(p, ',');
			size_t len = e ? (size_t)(e - p) : strlen(p);
			fn = -1;
			for (int i = 0; i < (int)(sizeof acts / sizeof acts[0]) && fn < 0; i++)
				if (strlen(acts[i].name) == len && !strncasecmp(acts[i].name, p, len))
					fn = i;
			if (fn < 0)
				return nx_infer_fail(g, o, err, "activation \"%.*s\" is not one ONNX "
						     "defines for recurrent ops", (int)len, p);
			p = e ? e + 1 : p + len;
			got++;
		}
		a->fn = fn;
		a->alpha = acts[fn].alpha;
		a->beta = acts[fn].beta;
		if (acts[fn].args >= 1 && ia < na)
			a->alpha = al[ia++];
		if (acts[fn].args >= 2 && ib < nb)
			a->beta = be[ib++];
	}
	if (list && (got != want || *p))
		return nx_infer_fail(g, o, err, "activations \"%s\" should name %d functions (%d per "
				     "direction)", list, want, s->n_act);
	return 0;
}

int nx_rnn_spec_of(const nx_graph *g, uint32_t o, nx_rnn_spec *s, nx_err *err)
{
	memset(s, 0, sizeof *s);
	int kind = nx_opp(g, o)->kind;
	s->gates = kind == NX_OP_LSTM ? 4 : kind == NX_OP_GRU ? 3 : 1;
	s->n_act = kind == NX_OP_LSTM ? 3 : kind == NX_OP_GRU ? 2 : 1;
	const char *dir = nx_attr_s(g, o, "direction", "forward");
	if (!strcmp(dir, "bidirectional"))
		s->dirs = 2;
	else if (!strcmp(dir, "forward") || !strcmp(dir, "reverse"))
		s->dirs = 1, s->reverse = dir[0] == 'r';
	else
		return nx_infer_fail(g, o, err, "direction \"%s\" is not forward, reverse or "
				     "bidirectional", dir);
	int64_t layout = nx_attr_i(g, o, "layout", 0);
	if (layout != 0 && layout != 1)
		return nx_infer_fail(g, o, err, "layout %lld is not 0 or 1", (long long)layout);
	s->layout = (int)layout;
	nx_type x = nx_infer_in(g, o, 0), w = nx_infer_in(g, o, 1);
	if (x.rank != 3)
		return nx_infer_fail(g, o, err, "X must have rank 3, not %d", x.rank);
	if (w.rank != 3 || w.dims[1] % s->gates)
		return nx_infer_fail(g, o, err, "W must be [%d, %d*hidden, input]", s->dirs,
				     s->gates);
	s->nt = x.dims[layout ? 1 : 0];
	s->nb = x.dims[layout ? 0 : 1];
	s->ni = x.dims[2];
	s->nh = w.dims[1] / s->gates;
	int64_t hs = nx_attr_i(g, o, "hidden_size", s->nh);
	if (hs != s->nh)
		return nx_infer_fail(g, o, err, "hidden_size %lld does not match W (%lld rows = %d "
				     "gates x %lld)", (long long)hs, (long long)w.dims[1], s->gates,
				     (long long)s->nh);
	if (nx_attr_get(g, o, "clip")) {
		s->clip = nx_attr_f(g, o, "clip", 0);
		if (!(s->clip > 0))
			return nx_infer_fail(g, o, err, "clip %g must be positive", (double)s->clip);
	}
	s->input_forget = kind == NX_OP_LSTM && nx_attr_i(g, o, "input_forget", 0);
	s->linear_before_reset = kind == NX_OP_GRU && nx_attr_i(g, o, "linear_before_reset", 0);
	return read_acts(g, o, s, err);
}

/* Operand i, when given, must be a float tensor of X's dtype shaped dims. */
static int want(nx_graph *g, uint32_t o, nx_err *err, uint32_t i, const char *what, int rank,
		const int64_t *dims)
{
	if (i >= nx_opp(g, o)->n_in || nx_operand(g, o, i) == NX_NONE)
		return 0;
	nx_type t = nx_infer_in(g, o, i);
	bool ok = t.rank == rank && t.dtype == nx_infer_in(g, o, 0).dtype;
	for (int d = 0; ok && d < rank; d++)
		ok = t.dims[d] == dims[d];
	if (ok)
		return 0;
	nx_type e = {.dtype = nx_infer_in(g, o, 0).dtype, .rank = (uint8_t)rank};
	memcpy(e.dims, dims, (size_t)rank * sizeof *dims);
	char a[96], b[96];
	return nx_infer_fail(g, o, err, "%s is %s, expected %s", what, nx_infer_tstr(&t, a, sizeof a),
			     nx_infer_tstr(&e, b, sizeof b));
}

int nx_infer_rnn(nx_graph *g, uint32_t o, nx_err *err)
{
	if (nx_infer_dtype_in(g, o, 0, NX_DT_FLOAT, err))
		return -1;
	nx_rnn_spec s;
	if (nx_rnn_spec_of(g, o, &s, err))
		return -1;
	int64_t D = s.dirs, GH = s.gates * s.nh;
	int64_t dbh[3] = {s.layout ? s.nb : D, s.layout ? D : s.nb, s.nh};
	int64_t wd[3] = {D, GH, s.ni}, rd[3] = {D, GH, s.nh}, bd[2] = {D, 2 * GH},
		pd[2] = {D, 3 * s.nh};
	if (want(g, o, err, 1, "W", 3, wd) || want(g, o, err, 2, "R", 3, rd) ||
	    want(g, o, err, 3, "B", 2, bd) || want(g, o, err, 5, "initial_h", 3, dbh) ||
	    want(g, o, err, 6, "initial_c", 3, dbh) || want(g, o, err, 7, "P", 2, pd))
		return -1;
	if (nx_opp(g, o)->n_in > 4 && nx_operand(g, o, 4) != NX_NONE) {
		if (nx_infer_dtype_in(g, o, 4, (1u << NX_I32) | (1u << NX_I64), err))
			return -1;
		nx_type l = nx_infer_in(g, o, 4);
		if (l.rank != 1 || l.dims[0] != s.nb)
			return nx_infer_fail(g, o, err, "sequence_lens must be [%lld]",
					     (long long)s.nb);
	}
	nx_type x = nx_infer_in(g, o, 0);
	nx_type y = {.dtype = x.dtype, .rank = 4,
		     .dims = {s.layout ? s.nb : s.nt, s.layout ? s.nt : D, s.layout ? D : s.nb, s.nh}};
	nx_type h = {.dtype = x.dtype, .rank = 3, .dims = {dbh[0], dbh[1], dbh[2]}};
	if (nx_infer_set(g, o, 0, &y, err))
		return -1;
	for (uint32_t i = 1; i < nx_opp(g, o)->n_out; i++)
		if (nx_infer_set(g, o, i, &h, err))
			return -1;
	return 0;
}
