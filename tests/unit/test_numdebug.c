/* test_numdebug.c — the per-op numeric debugger: metrics on known vectors;
 * a weight scaled by 1.01 in a later step is named as the root cause (on the
 * demo; test_numdebug_models does det); a NaN-making op is
 * named as the first NaN op with its step-0 counterpart; to-fp16 values match
 * by name or through the casts inserted around them; shadow mode isolates
 * the op that adds the error. */
#include <math.h>

#include "check.h"
#include "numdebug_fixture.h"
#include "numdebug_int.h"

static nx_tensor vec(const float *x, int64_t n)
{
	nx_type t = {0};
	t.dtype = NX_F32;
	t.rank = 1;
	t.dims[0] = n;
	nx_tensor r = nx_tensor_alloc(&t);
	memcpy(r.data, x, (size_t)n * sizeof *x);
	return r;
}

static void metrics(void)
{
	float b[4] = {1, -2, 3, 4}, c[4] = {1.1f, -2, 3, 4};
	float big[2] = {1e5f, 1}, tiny[4] = {1e-9f, 0, 1, 2};
	nx_tensor tb = vec(b, 4), tc = vec(c, 4), tg = vec(big, 2), tt = vec(tiny, 4);
	nxw_opnum m = {0};
	nxw_num_metrics(&tb, &tb, 1e-3, &m);
	CHECK(fabs(m.cosine - 1.0) < 1e-12);
	CHECK(m.max_abs == 0);
	CHECK(isinf(m.snr_db) && m.snr_db > 0);
	CHECK(m.within_01 == 1.0);
	nxw_num_metrics(&tc, &tb, 1e-3, &m);
	CHECK(fabs(m.max_abs - 0.1) < 1e-6);
	CHECK(fabs(m.max_rel - 0.1) < 1e-6);
	CHECK(fabs(m.mean_abs - 0.025) < 1e-6);
	CHECK(fabs(m.rmse - 0.05) < 1e-6);
	CHECK(fabs(m.snr_db - 10 * log10(30 / 0.01)) < 1e-4); /* sum b^2 / sum e^2 */
	CHECK(fabs(m.within_05 - 0.75) < 1e-12);
	double dot = 1.1 * 1 + 4 + 9 + 16, na = sqrt(1.21 + 4 + 9 + 16), nb = sqrt(30);
	CHECK(fabs(m.cosine - dot / (na * nb)) < 1e-7);
	/* the one-pass path (max|b| known, as the debugger's runs know it)
	 * gives the same figures as the two-pass one, odd length included */
	nxw_opnum h = {0};
	nxw_num_metrics_hint(&tc, &tb, 1e-3, 4.0, &h);
	CHECK(h.cosine == m.cosine && h.max_abs == m.max_abs && h.max_rel == m.max_rel);
	CHECK(h.snr_db == m.snr_db && h.within_01 == m.within_01 && h.within_05 == m.within_05);
	nx_tensor t3 = vec(c, 3), b3 = vec(b, 3);
	nxw_num_metrics(&t3, &b3, 1e-3, &m);
	nxw_num_metrics_hint(&t3, &b3, 1e-3, 3.0, &h);
	CHECK(h.cosine == m.cosine && h.max_rel == m.max_rel && h.rmse == m.rmse);
	nx_tensor_free(&t3);
	nx_tensor_free(&b3);
	nxw_num_metrics(&tg, &tg, 1e-3, &m);
	CHECK_EQ_INT(m.overflow_f16, 1); /* 1e5 > 65504 */
	nxw_num_metrics(&tt, &tt, 1e-3, &m);
	CHECK_EQ_INT(m.flushed_f16, 1);  /* 1e-9 < 2^-24 */
	nx_tensor_free(&tb);
	nx_tensor_free(&tc);
	nx_tensor_free(&tg);
	nx_tensor_free(&tt);
}

static void sabotage_demo(void)
{
	nx_err err;
	finds_sabotage(nx_demo(&err), "infer-shapes,canonicalize,fold-batchnorm,fuse-activation,dce",
		       "b3_exp_relu6");
}

static const char nan_model[] =
	"graph @nan(%x: f32[8]) -> (%y: f32[8]) {\n"
	"  %ten = const f32[1] dense[10.0]\n"
	"  %one = const f32[1] dense[1.0]\n"
	"  %a = sub(%x, %ten) : f32[8]\n"
	"  %b = log(%a) : f32[8]\n"
	"  %c = mul(%b, %one) : f32[8]\n"
	"  %y = relu(%c) : f32[8]\n"
	"  return %y\n"
	"}\n";

static void first_nan(void)
{
	nx_err err;
	nx_graph *g = nx_parse(nan_model, sizeof nan_model - 1, "nan.nex", NULL, &err);
	CHECK(g != NULL);
	if (!g)
		return;
	nxw_session *s = session_on(g, "canonicalize");
	if (!s)
		return;
	nxw_numdebug d;
	CHECK(nxw_numdebug_run(s, s->n_steps - 1, 0, NULL, &d, &err) == 0);
	CHECK(d.first_nan != UINT32_MAX);
	if (d.first_nan != UINT32_MAX) {
		const nx_graph *gk = s->steps[s->n_steps - 1].snap;
		CHECK_STR(nx_vname(gk, d.ops[d.first_nan].value), "b");
		CHECK_STR(nx_vname(s->steps[0].snap, d.ops[d.first_nan].ref_value), "b");
		CHECK_EQ_INT(d.ops[d.first_nan].nan, 8);
	}
	nxw_numdebug_free(&d);
	nxw_session_free(s);
}

static void fp16_matches(void)
{
	nx_err err;
	nxw_session *s = session_on(nx_demo(&err), "infer-shapes,fold-batchnorm,fuse-activation,to-fp16");
	if (!s)
		return;
	nxw_numdebug d;
	CHECK(nxw_numdebug_run(s, s->n_steps - 1, 0, NULL, &d, &err) == 0);
	uint32_t around = 0, origin = 0;
	for (uint32_t i = 0; i < d.n; i++) {
		around += d.ops[i].match == NXW_MATCH_AROUND;
		origin += d.ops[i].match == NXW_MATCH_ORIGIN;
		/* fp16 keeps the direction of every value */
		if (d.ops[i].match != NXW_MATCH_NONE)
			CHECK(d.ops[i].cosine > 0.999);
	}
	CHECK(origin + around > 0); /* the f16 results renamed, matched anyway */
	CHECK_EQ_INT(d.root, UINT32_MAX);
	nxw_numdebug_free(&d);
	nxw_session_free(s);
}

static const char big_model[] =
	"graph @big(%x: f32[64]) -> (%y: f32[64]) {\n"
	"  %k = const f32[1] dense[100000.0]\n"
	"  %a = mul(%x, %k) : f32[64]\n"
	"  %y = relu(%a) : f32[64]\n"
	"  return %y\n"
	"}\n";

/* bisect's op checks: to-fp16 on values past 65504 overflows; the check
 * names the op, and cosine names the first op under the bound. */
static void op_checks(void)
{
	nx_err err;
	nxw_check c;
	CHECK(nxw_check_parse(&c, "op:cosine>=0.99", &err) == 0 && c.kind == NXW_CHECK_OP_COSINE);
	CHECK(nxw_check_parse(&c, "op:cosine>=2", &err) == -1);
	CHECK(nxw_check_parse(&c, "op:nan", &err) == 0 && c.kind == NXW_CHECK_OP_NAN);
	CHECK(nxw_check_parse(&c, "op:fp16-overflow", &err) == 0);
	nx_graph *g = nx_parse(big_model, sizeof big_model - 1, "big.nex", NULL, &err);
	CHECK(g != NULL);
	if (!g)
		return;
	nxw_session *s = nxw_session_new(g);
	CHECK(nxw_set_pipeline(s, "canonicalize,to-fp16", &err) == 0);
	nxw_bisect_result r;
	CHECK(nxw_bisect(s, &c, false, &r, &err) == 0);
	CHECK(r.found && !strcmp(r.pass, "to-fp16"));
	CHECK_CONTAINS(r.detail, "fp16 overflow at %a");
	nxw_check_parse(&c, "op:nan", &err);
	CHECK(nxw_bisect(s, &c, false, &r, &err) == 0);
	CHECK(r.found && !strcmp(r.pass, "to-fp16"));
	CHECK_CONTAINS(r.detail, "NaN/inf at %a");
	nxw_session_free(s);
	/* cosine on the demo: the rewrite and op under the bound are named */
	s = nxw_session_new(nx_demo(&err));
	CHECK(nxw_set_pipeline(s, "infer-shapes,fold-batchnorm,fuse-activation,to-fp16", &err) == 0);
	nxw_check_parse(&c, "op:cosine>=0.9999999", &err);
	CHECK(nxw_bisect(s, &c, false, &r, &err) == 0);
	CHECK(r.found && r.rewrite > 0);
	CHECK_CONTAINS(r.detail, "cosine at %");
	nxw_session_free(s);
}

int main(int argc, char **argv)
{
	static const check_case cases[] = {
		{"metrics", metrics},
		{"sabotage_demo", sabotage_demo},
		{"first_nan", first_nan},
		{"fp16_matches", fp16_matches},
		{"op_checks", op_checks},
		{NULL, NULL},
	};
	return check_main(cases, argc, argv);
}
