/* test_export.c — the text exports: TOSA MLIR (mlir_export.c) and Graphviz
 * DOT (dot_export.c). Graphs come from small ONNX models (onnx_build.h).
 * That mlir-opt-14 accepts the MLIR and that it computes what nex's
 * interpreter computes is tests/onnx/mlir_check.sh's job; here: the layout
 * decisions (weights permuted to OHWI, pads reordered), locations, errors,
 * and the DOT structure. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "nx.h"
#include "onnx_build.h"

static void quiet(void *ctx, const char *msg)
{
	(void)ctx;
	(void)msg;
}

static nx_graph *build(ob *b)
{
	size_t len;
	void *buf = ob_pack(b, &len);
	nx_err err;
	nx_graph *g = nx_onnx_import_mem(buf, len, "t.onnx", NULL, NULL, &err);
	if (!g)
		fprintf(stderr, "%s\n", err.msg);
	free(buf);
	ob_free(b);
	return g;
}

/* conv with a weight whose OIHW -> OHWI permutation is visible in its bytes */
static nx_graph *conv_graph(void)
{
	ob *b = ob_new(13);
	ob_input(b, "x", OB_F32, "1,2,4,5");
	ob_init_f32(b, "w", "1,2,1,2", (float[]){1, 2, 3, 4}, 4);
	ob_init_f32(b, "k", "", (float[]){0.5f}, 1);
	Onnx__NodeProto *n = ob_node(b, "Conv", "x,w", "c");
	n->name = ob_str(b, "conv0");
	ob_ints(b, n, "pads", 4, (int64_t[]){1, 2, 3, 4});
	ob_node(b, "Mul", "c,k", "y");
	ob_output(b, "y", OB_F32, NULL);
	return build(b);
}

static void test_mlir_conv(void)
{
	nx_graph *g = conv_graph();
	CHECK(g);
	if (!g)
		return;
	nx_err err;
	char *s = nx_mlir_export_str(g, &err);
	CHECK(s);
	if (s) {
		CHECK_CONTAINS(s, "func @main(%arg0: tensor<1x2x4x5xf32>) -> (tensor<1x1x8x10xf32>)");
		/* NCHW -> NHWC around the conv, and back */
		CHECK_CONTAINS(s, "-> tensor<1x4x5x2xf32> loc(\"conv0\")");
		CHECK_CONTAINS(s, "\"tosa.conv2d\"");
		/* OHWI: w[0][i][0][w] = 1 + 2i + w -> order (w,i) = 1, 3, 2, 4 */
		CHECK_CONTAINS(s, "dense<\"0x0000803F000040400000004000008040\"> : tensor<1x1x2x2xf32>");
		/* ONNX pads [top, left, bottom, right] -> TOSA [top, bottom, left, right] */
		CHECK_CONTAINS(s, "pad = [1, 3, 2, 4]");
		CHECK_CONTAINS(s, "\"tosa.mul\"");
		CHECK_CONTAINS(s, "{shift = 0 : i32}");
		CHECK_CONTAINS(s, "return %t");
	} else {
		fprintf(stderr, "%s\n", err.msg);
	}
	free(s);
	nx_graph_free(g);
}

static void test_mlir_errors(void)
{
	ob *b = ob_new(13);
	ob_input(b, "x", OB_F32, "4,6");
	ob_init_i64(b, "s", "1", (int64_t[]){0}, 1);
	ob_init_i64(b, "e", "1", (int64_t[]){6}, 1);
	ob_init_i64(b, "a", "1", (int64_t[]){1}, 1);
	ob_init_i64(b, "st", "1", (int64_t[]){2}, 1);
	ob_node(b, "Slice", "x,s,e,a,st", "y");
	ob_output(b, "y", OB_F32, NULL);
	nx_graph *g = build(b);
	nx_err err;
	CHECK(g && !nx_mlir_export_str(g, &err));
	CHECK_CONTAINS(err.msg, "op %y (slice): no TOSA form: slices with step 2");
	nx_graph_free(g);

	b = ob_new(13);
	ob_input(b, "x", OB_F32, "4");
	ob_node(b, "LpNormalization", "x", "y");
	ob_output(b, "y", OB_F32, "4");
	nx_onnx_opts o = {0};
	o.warn = quiet;
	size_t len;
	void *buf = ob_pack(b, &len);
	g = nx_onnx_import_mem(buf, len, "t", NULL, &o, &err);
	free(buf);
	ob_free(b);
	CHECK(g && !nx_mlir_export_str(g, &err));
	CHECK_CONTAINS(err.msg, "op %y (opaque): no TOSA form: opaque op 'LpNormalization'");
	/* the file form reports the same and writes nothing */
	CHECK(nx_mlir_export(g, "/tmp/nex_test_never.mlir", &err) == -1);
	FILE *f = fopen("/tmp/nex_test_never.mlir", "r");
	CHECK(!f);
	if (f)
		fclose(f);
	nx_graph_free(g);
}

/* Fused activations lower after the op; erf is composed. */
static void test_mlir_act_and_erf(void)
{
	nx_graph *g = conv_graph();
	CHECK(g);
	if (!g)
		return;
	uint32_t c = nx_val(g, nx_value_by_name(g, "c", 1))->producer;
	nx_attr_set_s(g, c, "act", "leaky_relu");
	nx_attr_set_f(g, c, "act_alpha", 0.25f);
	nx_err err;
	char *s = nx_mlir_export_str(g, &err);
	CHECK(s);
	CHECK_CONTAINS(s, "\"tosa.select\"");
	CHECK_CONTAINS(s, "dense<2.500000000e-01>");
	free(s);
	nx_attr_set_s(g, c, "act", "gelu");
	s = nx_mlir_export_str(g, &err);
	CHECK(s);
	CHECK_CONTAINS(s, "dense<3.275910914e-01>"); /* the erf approximation's p */
	free(s);
	nx_graph_free(g);
}

/* ---- DOT ---- */

/* Every edge endpoint is a declared node; returns the number of edges. */
static int dot_edges_ok(const char *s, bool *ok)
{
	char decl[256][16];
	int nd = 0, ne = 0;
	*ok = true;
	for (const char *l = s; *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : l + strlen(l)) {
		char a[16], b[16];
		if (sscanf(l, "  %15[a-z0-9] -> %15[a-z0-9]", a, b) == 2) {
			ne++;
			bool fa = false, fb = false;
			for (int i = 0; i < nd; i++) {
				fa |= !strcmp(decl[i], a);
				fb |= !strcmp(decl[i], b);
			}
			/* outputs are declared just before their edge */
			*ok &= fa && (fb || b[0] == 'r');
		} else if (sscanf(l, "  %15[a-z0-9] [", a) == 1 && nd < 256) {
			strcpy(decl[nd++], a);
		}
	}
	return ne;
}

static double heat_by_kind(void *ctx, const nx_graph *g, uint32_t op)
{
	(void)ctx;
	return nx_opp(g, op)->kind == NX_OP_CONV ? 1.0 : 0.0;
}

static void test_dot(void)
{
	nx_graph *g = conv_graph();
	CHECK(g);
	if (!g)
		return;
	char *s = nx_dot_export_str(g, NULL);
	CHECK_CONTAINS(s, "digraph \"test\" {");
	CHECK_CONTAINS(s, "label=\"x\\nf32[1,2,4,5]\"");
	/* the weight is folded into the conv's label, the scalar has a node */
	CHECK_CONTAINS(s, "label=\"conv\\nf32[1,1,8,10]\\nw: f32[1,2,1,2]\"");
	CHECK_CONTAINS(s, "label=\"k = 0.5\"");
	CHECK_CONTAINS(s, "tooltip=\"%c = conv(%x, %w)");
	CHECK_CONTAINS(s, "[label=\"f32[1,1,8,10]\"]");
	bool ok;
	CHECK_EQ_INT(dot_edges_ok(s, &ok), 4); /* x->conv, conv->mul, k->mul, mul->y */
	CHECK(ok);
	CHECK(!strstr(s, "#ff3c14") && !strstr(s, "#fffadc"));
	free(s);
	/* the heat hook colours ops; more constants become nodes */
	nx_dot_opts o = {heat_by_kind, NULL, 4};
	s = nx_dot_export_str(g, &o);
	CHECK_CONTAINS(s, "fillcolor=\"#ff3c14\"");  /* conv: heat 1 */
	CHECK_CONTAINS(s, "fillcolor=\"#fffadc\"");  /* mul: heat 0 */
	CHECK_CONTAINS(s, "label=\"w = [1.0, 2.0, 3.0, 4.0]\"");
	CHECK_EQ_INT(dot_edges_ok(s, &ok), 5);
	CHECK(ok);
	free(s);
	/* names are escaped */
	nx_err err;
	CHECK(nx_value_rename(g, nx_value_by_name(g, "y", 1), "y\"q\\", &err) == 0);
	s = nx_dot_export_str(g, NULL);
	CHECK_CONTAINS(s, "label=\"y\\\"q\\\\\\nf32[1,1,8,10]\"");
	free(s);
	char path[] = "/tmp/nex_test_dotXXXXXX";
	close(mkstemp(path));
	CHECK(nx_dot_export(g, path, NULL, &err) == 0);
	size_t len;
	char *back = nx_read_file(path, &len, &err);
	CHECK(back && !strncmp(back, "digraph", 7));
	free(back);
	unlink(path);
	nx_graph_free(g);
}

int main(int argc, char **argv)
{
	static const check_case cases[] = {
		{"mlir_conv", test_mlir_conv},
		{"mlir_errors", test_mlir_errors},
		{"mlir_act_and_erf", test_mlir_act_and_erf},
		{"dot", test_dot},
		{NULL, NULL},
	};
	return check_main(cases, argc, argv);
}
