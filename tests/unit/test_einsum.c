/* test_einsum.c — ONNX Einsum, which the importer lowers to transpose,
 * reshape, matmul, reduce_sum and gather (src/core/onnx_einsum.c): each
 * equation is a one-node model built in C, imported, run on seeded inputs
 * and compared with a plain loop over every assignment of the labels (the
 * definition of einsum), so the test holds the lowering, not a copy of it.
 * Then which ops a matmul-like equation becomes, one lowered model through
 * the default pipeline with the numeric check per step, and the refusals.
 * (The ONNX node tests of Einsum are f64, which this branch lacks.) */
#include <math.h>

#include "check.h"
#include "nxw.h"
#include "onnx_build.h"

/* "ij,jk->ik" with letters only: out = sum over the labels not in the
 * output of the product of the inputs. dims: each input's dims. */
static void reference(const char *eq, int n_in, const nx_tensor *in, nx_tensor *out)
{
	char terms[4][16] = {{0}}, res[16] = {0};
	const char *arrow = strstr(eq, "->");
	int k = 0;
	size_t j = 0;
	for (const char *p = eq; p < arrow; p++) {
		if (*p == ',') {
			k++;
			j = 0;
		} else {
			terms[k][j++] = *p;
		}
	}
	strcpy(res, arrow + 2);
	int64_t size[128] = {0};
	char labels[64];
	int nl = 0;
	for (int i = 0; i < n_in; i++)
		for (int a = 0; terms[i][a]; a++) {
			char c = terms[i][a];
			if (!size[(int)c])
				labels[nl++] = c;
			size[(int)c] = in[i].type.dims[a];
		}
	int64_t val[128] = {0};
	int64_t total = 1;
	for (int l = 0; l < nl; l++)
		total *= size[(int)labels[l]];
	double *acc = calloc((size_t)nx_tensor_numel(out), sizeof *acc);
	for (int64_t it = 0; it < total; it++) {
		int64_t r = it;
		for (int l = nl - 1; l >= 0; l--) {
			val[(int)labels[l]] = r % size[(int)labels[l]];
			r /= size[(int)labels[l]];
		}
		double p = 1;
		for (int i = 0; i < n_in; i++) {
			int64_t off = 0;
			for (int a = 0; terms[i][a]; a++)
				off = off * in[i].type.dims[a] + val[(int)terms[i][a]];
			p *= ((const float *)in[i].data)[off];
		}
		int64_t off = 0;
		for (int a = 0; res[a]; a++)
			off = off * size[(int)res[a]] + val[(int)res[a]];
		acc[off] += p;
	}
	for (int64_t i = 0; i < nx_tensor_numel(out); i++)
		((float *)out->data)[i] = (float)acc[i];
	free(acc);
}

static nx_graph *model(const char *eq, int n_in, const char *const *shapes, nx_err *e)
{
	ob *b = ob_new(13);
	char names[64] = {0};
	for (int i = 0; i < n_in; i++) {
		char nm[16];
		snprintf(nm, sizeof nm, "x%d", i);
		ob_input(b, nm, OB_F32, shapes[i]);
		strcat(names, i ? "," : "");
		strcat(names, nm);
	}
	Onnx__NodeProto *n = ob_node(b, "Einsum", names, "y");
	ob_s(b, n, "equation", eq);
	ob_output(b, "y", OB_F32, NULL);
	size_t len;
	void *buf = ob_pack(b, &len);
	nx_graph *g = nx_onnx_import_mem(buf, len, "einsum.onnx", "/tmp", NULL, e);
	free(buf);
	ob_free(b);
	return g;
}

/* Imports eq, runs it on seeded inputs, compares with reference(ref). */
static void check_eq(const char *eq, const char *ref, int n_in, const char *const *shapes)
{
	nx_err e;
	nx_graph *g = model(eq, n_in, shapes, &e);
	if (!g) {
		fprintf(stderr, "%s: %s\n", eq, e.msg);
		CHECK(0);
		return;
	}
	nx_tensor in[4];
	uint64_t seed = 11;
	for (int i = 0; i < n_in; i++)
		in[i] = nx_tensor_random(nx_vtype(g, g->inputs[i]), &seed, -1, 1);
	nx_run_result r;
	int rc = nx_run(g, in, (uint32_t)n_in, NULL, &r, &e);
	if (rc)
		fprintf(stderr, "%s: %s\n", eq, e.msg);
	CHECK_EQ_INT(rc, 0);
	if (!rc) {
		nx_tensor want = nx_tensor_alloc(&r.outputs[0].type);
		reference(ref, n_in, in, &want);
		nx_tensor_diff d;
		CHECK_EQ_INT(nx_tensor_compare(&r.outputs[0], &want, 1e-5, 1e-5, &d, &e), 0);
		if (d.n_bad)
			fprintf(stderr, "%s: %lld elements differ (max abs %g)\n", eq,
				(long long)d.n_bad, d.max_abs);
		CHECK_EQ_INT(d.n_bad, 0);
		nx_tensor_free(&want);
		nx_run_result_free(&r);
	}
	for (int i = 0; i < n_in; i++)
		nx_tensor_free(&in[i]);
	nx_graph_free(g);
}

static void test_values(void)
{
	check_eq("ij,jk->ik", "ij,jk->ik", 2, (const char *const[]){"3,4", "4,5"});
	check_eq("ij,jk", "ij,jk->ik", 2, (const char *const[]){"3,4", "4,5"});
	check_eq("bij,bjk->bik", "bij,bjk->bik", 2, (const char *const[]){"2,3,4", "2,4,5"});
	check_eq("bhid,bhjd->bhij", "bhid,bhjd->bhij", 2,
		 (const char *const[]){"2,3,4,5", "2,3,6,5"});
	check_eq("ij,kj->ik", "ij,kj->ik", 2, (const char *const[]){"3,4", "5,4"});
	check_eq("ij->ji", "ij->ji", 1, (const char *const[]){"3,4"});
	check_eq("ij->i", "ij->i", 1, (const char *const[]){"3,4"});
	check_eq("i,i", "i,i->", 2, (const char *const[]){"5", "5"});
	check_eq("ij,ij->", "ij,ij->", 2, (const char *const[]){"3,4", "3,4"});
	check_eq("ii->i", "ii->i", 1, (const char *const[]){"4,4"});
	check_eq("ii", "ii->", 1, (const char *const[]){"4,4"});
	check_eq("...ii->...i", "bii->bi", 1, (const char *const[]){"3,5,5"});
	check_eq("...ij,...jk->...ik", "bij,bjk->bik", 2,
		 (const char *const[]){"2,3,4", "2,4,5"});
	check_eq("abc,cd,de->ae", "abc,cd,de->ae", 3,
		 (const char *const[]){"2,3,4", "4,5", "5,6"});
	check_eq("iij,jk->ki", "iij,jk->ki", 2, (const char *const[]){"3,3,4", "4,2"});
	check_eq("bn,anm,bm->ba", "bn,anm,bm->ba", 3,
		 (const char *const[]){"2,3", "4,3,5", "2,5"});
	check_eq("ij,k->ijk", "ij,k->ijk", 2, (const char *const[]){"2,3", "4"});
}

/* A matmul-like equation is one matmul (no einsum op, no CPU fallback),
 * and a lowered attention score survives the default pipeline. */
static void test_lowering(void)
{
	nx_err e;
	nx_graph *g = model("ij,jk->ik", 2, (const char *const[]){"3,4", "4,5"}, &e);
	CHECK(g != NULL);
	if (!g)
		return;
	int n = 0, mm = 0;
	NX_FOR_OPS(g, o) {
		n++;
		mm += g->ops[o].kind == NX_OP_MATMUL;
	}
	CHECK_EQ_INT(mm, 1);
	CHECK_EQ_INT(n, 1); /* 2-D operands in order need no transpose or reshape */
	nx_graph_free(g);

	g = model("bhid,bhjd->bhij", 2, (const char *const[]){"1,2,8,4", "1,2,8,4"}, &e);
	CHECK(g != NULL);
	if (!g)
		return;
	nxw_session *s = nxw_session_new(g);
	s->numeric_each = true;
	CHECK_EQ_INT(nxw_set_pipeline(s, "default", &e), 0);
	int rc = nxw_apply_all(s, -1, &e);
	if (rc)
		fprintf(stderr, "%s\n", e.msg);
	CHECK_EQ_INT(rc, 0);
	for (uint32_t k = 1; k < s->n_steps; k++) {
		CHECK(s->steps[k].ok);
		CHECK(s->steps[k].num.done);
		CHECK(s->steps[k].num.max_rel <= 1e-6);
	}
	nxw_session_free(s);
}

static void test_refusals(void)
{
	static const struct {
		const char *eq;
		int n_in;
		const char *shapes[2];
		const char *msg;
	} cases[] = {
		{"ij,jk->il", 2, {"3,4", "4,5"}, "an output label is in no input"},
		{"ij,jk->ik", 2, {"3,4", "5,5"}, "has size 5 here and 4 elsewhere"},
		{"ijk->ik", 1, {"3,4"}, "does not match input 0's rank 2"},
		{"ij->ii", 1, {"3,3"}, "an output label appears twice"},
		{"i1->i", 1, {"3,3"}, "'1' is not a letter"},
		{"ij,jk,kl->il", 2, {"3,4", "4,5"}, "has 3 terms for 2 inputs"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		nx_err e;
		nx_graph *g = model(cases[i].eq, cases[i].n_in, cases[i].shapes, &e);
		CHECK(g == NULL);
		if (!g)
			CHECK_CONTAINS(e.msg, cases[i].msg);
		nx_graph_free(g);
	}
}

int main(int argc, char **argv)
{
	static const check_case cases[] = {
		{"values", test_values},
		{"lowering", test_lowering},
		{"refusals", test_refusals},
		{NULL, NULL},
	};
	return check_main(cases, argc, argv);
}
