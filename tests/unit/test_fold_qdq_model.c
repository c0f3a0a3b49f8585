/* test_fold_qdq_model.c — fold-qdq on a real QDQ model: PaddleOCR's cls
 * model (tests/unit/paddleocr.h; absent: exit 77) made QDQ here the way
 * onnxruntime's static quantizer writes it (neither onnxruntime's Python
 * quantizer nor python3-onnx is installed). First the float model is
 * pre-processed as onnxruntime's quant_pre_process does (batch norms folded
 * into the convs: fold-constants, fold-batchnorm, dce). Then every conv's weight becomes
 * DequantizeLinear(i8, per-channel scale, axis 0) of a symmetric
 * per-channel quantization (gemm and matmul weights: per tensor), and every
 * such op's input a QuantizeLinear ->
 * DequantizeLinear pair (i8, zero point 0) with the scale max|x| / 127 from
 * a calibration run on a seeded input. The QDQ graph goes through nex's
 * ONNX export and import, as a file would. Then:
 *  - fold-qdq{activations=false} gives the QDQ graph's outputs bit for bit
 *    (the weight fold is exact);
 *  - fold-qdq moves the outputs by less than the quantization itself does
 *    (QDQ vs the float model), on another input than the calibration's;
 *  - `fold-qdq,default` costs like quantize-int8 on the float model (same
 *    weight bytes, cycles and energy within 2%) and less than the QDQ graph
 *    through `default` (which folds the dequantized weights to f32).
 * With NEX_QDQ_OUT=path the QDQ model is also written there (for `nex sim`).
 */
#include <math.h>

#include "check.h"
#include "nxp.h"
#include "nxw.h"
#include "paddleocr.h"

static nx_tensor seeded_input(const nx_graph *g, double phase)
{
	nx_tensor in = nx_tensor_alloc(nx_vtype(g, g->inputs[0]));
	for (int64_t i = 0; i < nx_tensor_numel(&in); i++)
		nx_tensor_set(&in, i, sin(0.013 * (double)i + phase) * 0.9);
	return in;
}

static uint32_t const_of(nx_graph *g, const char *hint, int dtype, int rank,
			 const int64_t *dims, void *data)
{
	nx_type t = nx_type_make(dtype, rank, dims);
	char name[256];
	snprintf(name, sizeof name, "%s", nx_cstr(g, nx_fresh_name(g, hint)));
	return nx_const_new(g, name, nx_blob_new_data(&t, data), NULL);
}

/* Rewrites g (float cls) into its QDQ form, calibrated on in. 0 or -1. */
static int make_qdq(nx_graph *g, const nx_tensor *in)
{
	nx_run_opts ro = {.threads = 1, .keep = true};
	nx_run_result r;
	nx_err e;
	if (nx_run(g, in, 1, &ro, &r, &e)) {
		fprintf(stderr, "calibration: %s\n", e.msg);
		return -1;
	}
	uint32_t nv = g->n_vals;
	uint32_t *pair = malloc(nv * sizeof *pair); /* x -> its DQ result; freed below */
	for (uint32_t v = 0; v < nv; v++)
		pair[v] = NX_NONE;
	int rc = 0;
	NX_FOR_OPS(g, o) {
		int kind = g->ops[o].kind;
		if (kind != NX_OP_CONV && kind != NX_OP_GEMM && kind != NX_OP_MATMUL)
			continue;
		uint32_t x = nx_operand(g, o, 0), w = nx_operand(g, o, 1);
		if (!nx_is_const(g, w) || nx_is_const(g, x))
			continue;
		/* weight: conv per output channel, gemm/matmul per tensor (the
		 * quantizer's defaults), symmetric */
		nx_blob *b = nx_const_blob(g, w);
		nx_tensor wt = {b->type, (void *)nx_blob_data(b)};
		bool conv = kind == NX_OP_CONV;
		int64_t n = nx_tensor_numel(&wt), m = conv ? wt.type.dims[0] : 1, per = n / m;
		float *sc = malloc((size_t)m * sizeof *sc);   /* the blob takes it */
		int8_t *q = malloc((size_t)n);                 /* the blob takes it */
		for (int64_t c = 0; c < m; c++) {
			double mx = 0;
			for (int64_t i = 0; i < per; i++)
				mx = fmax(mx, fabs(nx_tensor_get(&wt, c * per + i)));
			sc[c] = mx > 0 ? (float)(mx / 127) : 1.0f;
			for (int64_t i = 0; i < per; i++)
				q[c * per + i] = (int8_t)rint(nx_tensor_get(&wt, c * per + i) / sc[c]);
		}
		uint32_t qv = const_of(g, "w_q", NX_I8, wt.type.rank, wt.type.dims, q);
		uint32_t sv = const_of(g, "w_scale", NX_F32, conv ? 1 : 0, &m, sc);
		uint32_t dq = nx_op_new(g, NX_OP_DEQUANTIZE_LINEAR, (uint32_t[]){qv, sv}, 2, 1, NULL,
					o, &e);
		nx_attr_set_i(g, dq, "axis", 0);
		rc |= nx_infer_op(g, dq, &e);
		nx_op_set_operand(g, o, 1, nx_result(g, dq, 0));
		/* activation: one Q -> DQ pair per tensor, calibrated */
		if (pair[x] == NX_NONE) {
			const nx_tensor *xv = &r.values[x];
			double mx = 0;
			for (int64_t i = 0; i < nx_tensor_numel(xv); i++)
				mx = fmax(mx, fabs(nx_tensor_get(xv, i)));
			float *s1 = malloc(sizeof *s1);      /* the blob takes it */
			int8_t *z1 = calloc(1, 1);           /* the blob takes it */
			*s1 = mx > 0 ? (float)(mx / 127) : 1.0f;
			uint32_t s = const_of(g, "x_scale", NX_F32, 0, NULL, s1);
			uint32_t z = const_of(g, "x_zp", NX_I8, 0, NULL, z1);
			uint32_t qo = nx_op_new(g, NX_OP_QUANTIZE_LINEAR, (uint32_t[]){x, s, z}, 3, 1,
						NULL, o, &e);
			rc |= nx_infer_op(g, qo, &e);
			uint32_t d = nx_op_new(g, NX_OP_DEQUANTIZE_LINEAR,
					       (uint32_t[]){nx_result(g, qo, 0), s, z}, 3, 1, NULL, o,
					       &e);
			rc |= nx_infer_op(g, d, &e);
			pair[x] = nx_result(g, d, 0);
		}
		nx_op_set_operand(g, o, 0, pair[x]);
		if (!nx_value_nuses(g, w))
			nx_value_erase(g, w);
	}
	if (rc)
		fprintf(stderr, "qdq: %s\n", e.msg);
	free(pair);
	nx_run_result_free(&r);
	return rc ? -1 : nx_verify(g, &e);
}

/* Output 0 of g on in (caller frees). */
static nx_tensor run0(nx_graph *g, const nx_tensor *in)
{
	nx_run_result r;
	nx_err e;
	nx_tensor out = {0};
	if (nx_run(g, in, 1, NULL, &r, &e)) {
		fprintf(stderr, "run: %s\n", e.msg);
		CHECK(0);
		return out;
	}
	out = r.outputs[0];
	r.outputs[0].data = NULL;
	nx_run_result_free(&r);
	return out;
}

static double max_abs(const nx_tensor *a, const nx_tensor *b)
{
	double d = 0;
	if (!a->data || !b->data)
		return INFINITY;
	for (int64_t i = 0; i < nx_tensor_numel(a); i++)
		d = fmax(d, fabs(nx_tensor_get(a, i) - nx_tensor_get(b, i)));
	return d;
}

static void pass(nx_graph *g, const char *name, const char *opts)
{
	const nxp_pass *p = nxp_find(name);
	nxp_ctx ctx;
	nxp_ctx_init(&ctx, p, -1);
	if (opts)
		CHECK_EQ_INT(nxp_ctx_set_options(&ctx, opts), 0);
	int rc = nxp_run(p, g, &ctx);
	if (rc)
		fprintf(stderr, "%s: %s\n", name, ctx.err.msg);
	CHECK_EQ_INT(rc, 0);
	nxp_ctx_free(&ctx);
}

/* The last step's metrics of pipeline pl on (a clone of) g, on target t. */
static nxw_metrics metrics(const nx_graph *g, const char *pl, const nx_target *t)
{
	nxw_metrics m = {0};
	nx_err e;
	nxw_session *s = nxw_session_new(nx_graph_clone(g));
	nxw_set_target(s, t);
	CHECK_EQ_INT(nxw_set_pipeline(s, pl, &e), 0);
	int rc = nxw_apply_all(s, -1, &e);
	if (rc)
		fprintf(stderr, "%s: %s\n", pl, e.msg);
	CHECK_EQ_INT(rc, 0);
	m = nxw_cur(s)->m;
	CHECK(m.have_sim);
	printf("%-28s ops %4u  weights %8llu B  cycles %10.0f  latency %8.1f us  "
	       "energy %8.2f uJ\n", pl, m.ops, (unsigned long long)m.weight_bytes, m.cycles,
	       m.latency_us, m.energy_uj);
	nxw_session_free(s);
	return m;
}

static void cls_qdq(void)
{
	nx_err e;
	nx_graph *f = paddle_import(&paddle_models[PADDLE_CLS], &e);
	CHECK(f != NULL);
	if (!f) {
		fprintf(stderr, "%s\n", e.msg);
		return;
	}
	pass(f, "infer-shapes", NULL);
	pass(f, "fold-constants", NULL);
	pass(f, "fold-batchnorm", NULL);
	pass(f, "dce", NULL);
	nx_tensor cal = seeded_input(f, 0.0), in = seeded_input(f, 1.7);
	nx_graph *g = nx_graph_clone(f);
	CHECK_EQ_INT(make_qdq(g, &cal), 0);
	/* through an ONNX file, as onnxruntime's quantizer would hand it over */
	size_t len = 0;
	void *buf = nx_onnx_export_mem(g, &len, &e);
	CHECK(buf != NULL);
	nx_graph_free(g);
	g = buf ? nx_onnx_import_mem(buf, len, "cls_qdq.onnx", ".", NULL, &e) : NULL;
	if (!g)
		fprintf(stderr, "%s\n", e.msg);
	CHECK(g != NULL);
	const char *out = getenv("NEX_QDQ_OUT");
	if (buf && out && *out) {
		FILE *fp = fopen(out, "wb");
		CHECK(fp && fwrite(buf, 1, len, fp) == len);
		if (fp)
			fclose(fp);
	}
	free(buf);
	if (!g)
		goto out;
	int nq = 0, ndq = 0;
	NX_FOR_OPS(g, o) {
		nq += g->ops[o].kind == NX_OP_QUANTIZE_LINEAR;
		ndq += g->ops[o].kind == NX_OP_DEQUANTIZE_LINEAR;
	}
	printf("QDQ cls: %d quantize_linear, %d dequantize_linear\n", nq, ndq);
	CHECK(nq > 10 && ndq > 2 * 10);

	nx_tensor yf = run0(f, &in), yq = run0(g, &in);
	nx_graph *w = nx_graph_clone(g), *a = nx_graph_clone(g);
	pass(w, "fold-qdq", "activations=false");
	pass(a, "fold-qdq", NULL);
	NX_FOR_OPS(a, o)
		CHECK(a->ops[o].kind != NX_OP_QUANTIZE_LINEAR &&
		      a->ops[o].kind != NX_OP_DEQUANTIZE_LINEAR);
	nx_tensor yw = run0(w, &in), ya = run0(a, &in);
	double dq = max_abs(&yq, &yf), dw = max_abs(&yw, &yq), da = max_abs(&ya, &yq);
	printf("max |out - QDQ out|: float model %.3g, weights folded %.3g, all folded %.3g\n",
	       dq, dw, da);
	CHECK(dw == 0);
	CHECK(dq > 0 && da < dq);

	nx_target t;
	CHECK_EQ_INT(nx_target_preset("a17pro", &t, &e), 0);
	static const char q8[] =
		"infer-shapes,fold-constants,canonicalize,cse,cancel-transposes,fold-batchnorm,"
		"fuse-patterns,fuse-activation,quantize-int8,canonicalize,dce,partition,layout-ne,"
		"tile,schedule,plan-memory,verify";
	nxw_metrics mf = metrics(f, "default", &t), mi = metrics(f, q8, &t);
	nxw_metrics mq = metrics(g, "default", &t), mo = metrics(g, "fold-qdq,default", &t);
	(void)mf;
	CHECK(mo.weight_bytes == mi.weight_bytes);
	CHECK(fabs(mo.cycles - mi.cycles) <= 0.02 * mi.cycles);
	CHECK(fabs(mo.energy_uj - mi.energy_uj) <= 0.02 * mi.energy_uj);
	CHECK(mo.weight_bytes < mq.weight_bytes);
	CHECK(mo.energy_uj < mq.energy_uj);
	nx_tensor_free(&yf);
	nx_tensor_free(&yq);
	nx_tensor_free(&yw);
	nx_tensor_free(&ya);
	nx_graph_free(w);
	nx_graph_free(a);
out:
	nx_graph_free(g);
	nx_graph_free(f);
	nx_tensor_free(&cal);
	nx_tensor_free(&in);
}

int main(int argc, char **argv)
{
	static const check_case cases[] = {
		{"cls_qdq", cls_qdq},
		{NULL, NULL},
	};
	int rc = paddle_require_all();
	if (rc)
		return rc;
	return check_main(cases, argc, argv);
}
