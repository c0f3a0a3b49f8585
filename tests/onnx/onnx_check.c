/* onnx_check.c — the ONNX/MLIR checks that need files (ctest label onnx,
 * driven by tests/onnx/tests.cmake and mlir_check.sh):
 *
 *   onnx_check nodes DIR
 *       every DIR/<test>/model.onnx of the ONNX node tests: import (inputs
 *       from test_data_set_0 as constants when an attribute slot needs
 *       them), export, re-import; the printed IR must be identical. Fails
 *       on any round-trip difference, or when fewer than MIN models import
 *       (a guard against the importer silently refusing more).
 *   onnx_check roundtrip MODEL NAME=d,d,..
 *       the same for one model (the PaddleOCR models).
 *   onnx_check mlir MODEL|fixture:NAME [NAME=d,d,..] OUTDIR
 *       exports TOSA to OUTDIR/model.mlir, and OUTDIR/run.mlir: the same
 *       function made private plus an @entry that feeds it a fixed input
 *       and returns sum(output * weights) as one f32; OUTDIR/expected.txt
 *       holds that checksum as nex's interpreter computes it, and the sum
 *       of |output * weights| for the tolerance. mlir_check.sh runs
 *       mlir-opt-14 and mlir-cpu-runner-14 on them.
 *   onnx_check fixtures
 *       lists the fixture names.
 */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "nx.h"
#include "../unit/onnx_build.h"

static void quiet(void *ctx, const char *msg)
{
	(void)ctx;
	(void)msg;
}

/* Blob data printed as a content hash, so two graphs print the same text
 * when their constants hold the same bytes (blob slot numbers differ). */
static int store_hash(void *ctx, nx_blob *b, const char **file, uint64_t *off)
{
	char *buf = ctx;
	const unsigned char *d = nx_blob_data(b);
	size_t n = nx_blob_nbytes(b);
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ d[i]) * 1099511628211ull;
	snprintf(buf, 32, "h%016llx", (unsigned long long)h);
	*file = buf;
	*off = 0;
	return 0;
}

static char *print_hashed(const nx_graph *g)
{
	char hb[32];
	nx_print_opts po = nx_print_defaults;
	po.store_blob = store_hash;
	po.store_ctx = hb;
	return nx_print_str(g, &po, NULL);
}

/* 0 same, 1 differs (diff printed), -1 export/re-import failed. */
static int roundtrip(const nx_graph *g, const char *what)
{
	nx_err err;
	size_t len;
	void *buf = nx_onnx_export_mem(g, &len, &err);
	if (!buf) {
		printf("FAIL %s: export: %s\n", what, err.msg);
		return -1;
	}
	nx_onnx_opts o = {0};
	o.warn = quiet;
	nx_graph *g2 = nx_onnx_import_mem(buf, len, "exported.onnx", NULL, &o, &err);
	free(buf);
	if (!g2) {
		printf("FAIL %s: re-import: %s\n", what, err.msg);
		return -1;
	}
	char *a = print_hashed(g), *b = print_hashed(g2);
	int rc = strcmp(a, b) != 0;
	if (rc) {
		char *d = nx_unified_diff(a, strlen(a), b, strlen(b), "imported", "re-imported", 1);
		printf("FAIL %s: the round trip changes the IR:\n%s", what, d);
		free(d);
	}
	free(a);
	free(b);
	nx_graph_free(g2);
	return rc;
}

/* NAME=d,d,...; name (which b->name points at) must outlive b. */
static int parse_bind(const char *s, nx_shape_bind *b, char *name, size_t cap)
{
	const char *eq = strchr(s, '=');
	if (!eq)
		return -1;
	snprintf(name, cap, "%.*s", (int)(eq - s), s);
	b->name = name;
	b->rank = 0;
	for (const char *p = eq + 1; *p && b->rank < NX_MAX_RANK;) {
		char *end;
		b->dims[b->rank++] = strtoll(p, &end, 10);
		p = *end == ',' ? end + 1 : end;
		if (end == p && *p)
			return -1;
	}
	return 0;
}

/* ---- node tests ---- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int nodes(const char *dir, int min_ok)
{
	DIR *d = opendir(dir);
	if (!d) {
		printf("skipped: no ONNX node tests in %s\n", dir);
		return 77; /* ctest: skipped, not passed */
	}
	char **names = NULL;
	size_t n = 0;
	for (struct dirent *de; (de = readdir(d));)
		if (de->d_name[0] != '.') {
			names = realloc(names, (n + 1) * sizeof *names);
			names[n++] = strdup(de->d_name);
		}
	closedir(d);
	qsort(names, n, sizeof *names, cmp_str);
	int ok = 0, refused = 0, bad = 0;
	for (size_t i = 0; i < n; i++) {
		char path[1024], in[1100];
		snprintf(path, sizeof path, "%s/%s/model.onnx", dir, names[i]);
		nx_onnx_opts o = {0};
		o.warn = quiet;
		nx_err err;
		nx_graph *g = nx_onnx_import(path, &o, &err);
		if (!g && (strstr(err.msg, "must be constant") || strstr(err.msg, "is 0 (nex"))) {
			/* inputs 1.. become constants, as the conformance runner
			 * does for attribute slots */
			const char *cn[16];
			nx_tensor cv[16];
			uint32_t nc = 0;
			for (int k = 1; k < 16; k++) {
				snprintf(in, sizeof in, "%s/%s/test_data_set_0/input_%d.pb", dir,
					 names[i], k);
				struct stat st;
				char *nm = NULL;
				if (stat(in, &st) || nx_tensor_read(in, &cv[nc], &nm, &err))
					break;
				cn[nc++] = nm;
			}
			o.const_names = cn;
			o.const_values = cv;
			o.n_consts = nc;
			g = nx_onnx_import(path, &o, &err);
			for (uint32_t k = 0; k < nc; k++) {
				nx_tensor_free(&cv[k]);
				free((char *)cn[k]);
			}
		}
		if (!g) {
			refused++;
			continue;
		}
		int r = roundtrip(g, names[i]);
		if (r)
			bad++;
		else
			ok++;
		nx_graph_free(g);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	printf("node tests: %d round-trip identically, %d differ, %d not imported "
	       "(unsupported ops or types)\n", ok, bad, refused);
	if (ok < min_ok)
		printf("FAIL: only %d imported and round-tripped (expected at least %d)\n", ok,
		       min_ok);
	return bad || ok < min_ok;
}

/* ---- fixtures for the MLIR check ---- */

static float frand(uint64_t *s)
{
	*s = *s * 6364136223846793005ull + 1442695040888963407ull;
	return (float)((*s >> 40) & 0xffffff) / (float)0x1000000;
}

static void fill(float *v, size_t n, uint64_t seed, float lo, float hi)
{
	for (size_t i = 0; i < n; i++)
		v[i] = lo + (hi - lo) * frand(&seed);
}

static Onnx__TensorProto *init_rand(ob *b, const char *name, const char *dims, size_t n,
				    uint64_t seed)
{
	float *v = malloc(n * 4);
	fill(v, n, seed, -1, 1);
	Onnx__TensorProto *t = ob_init_f32(b, name, dims, v, n);
	free(v);
	return t;
}

/* Small graphs covering each lowering: NCHW/NHWC transposes, weight
 * layouts, pads, strides, resize coordinates, compositions. */
static ob *fixture(const char *name)
{
	ob *b = ob_new(18);
	Onnx__NodeProto *n;
	if (!strcmp(name, "conv")) {
		ob_input(b, "x", OB_F32, "1,3,9,7");
		init_rand(b, "w", "4,3,3,2", 72, 1);
		init_rand(b, "bias", "4", 4, 2);
		n = ob_node(b, "Conv", "x,w,bias", "c");
		ob_ints(b, n, "pads", 4, (int64_t[]){1, 0, 2, 1});
		ob_ints(b, n, "strides", 2, (int64_t[]){2, 1});
		ob_node(b, "Relu", "c", "y");
		ob_output(b, "y", OB_F32, NULL);
	} else if (!strcmp(name, "depthwise")) {
		ob_input(b, "x", OB_F32, "1,4,8,8");
		init_rand(b, "w", "8,1,3,3", 72, 3);
		n = ob_node(b, "Conv", "x,w", "c");
		ob_i(b, n, "group", 4);
		ob_s(b, n, "auto_pad", "SAME_UPPER");
		ob_ints(b, n, "dilations", 2, (int64_t[]){2, 1});
		ob_node(b, "HardSwish", "c", "y");
		ob_output(b, "y", OB_F32, NULL);
	} else if (!strcmp(name, "conv_transpose")) {
		ob_input(b, "x", OB_F32, "1,3,4,5");
		init_rand(b, "w", "3,2,3,3", 54, 4);
		init_rand(b, "bias", "2", 2, 5);
		n = ob_node(b, "ConvTranspose", "x,w,bias", "y");
		ob_ints(b, n, "strides", 2, (int64_t[]){2, 2});
		ob_ints(b, n, "pads", 4, (int64_t[]){1, 0, 1, 1});
		ob_ints(b, n, "output_padding", 2, (int64_t[]){1, 0});
		ob_output(b, "y", OB_F32, NULL);
	} else if (!strcmp(name, "conv_transpose_oshape")) {
		/* begin pads as ONNX's reference evaluator takes them beside
		 * output_shape: 0 when it cuts only output_padding's rows (an
		 * odd total of 1 here), the given pads when there are some */
		ob_input(b, "x", OB_F32, "1,3,4,5");
		init_rand(b, "w", "3,2,3,3", 54, 6);
		init_rand(b, "w2", "2,2,3,3", 36, 7);
		n = ob_node(b, "ConvTranspose", "x,w", "t");
		ob_ints(b, n, "strides", 2, (int64_t[]){2, 2});
		ob_ints(b, n, "output_padding", 2, (int64_t[]){1, 1});
		ob_ints(b, n, "output_shape", 2, (int64_t[]){9, 11});
		n = ob_node(b, "ConvTranspose", "t,w2", "y");
		ob_ints(b, n, "pads", 4, (int64_t[]){2, 0, 1, 3});
		ob_ints(b, n, "output_shape", 2, (int64_t[]){8, 10});
		ob_output(b, "y", OB_F32, NULL);
	} else if (!strcmp(name, "pools")) {
		ob_input(b, "x", OB_F32, "1,2,7,9");
		n = ob_node(b, "MaxPool", "x", "m");
		ob_ints(b, n, "kernel_shape", 2, (int64_t[]){3, 3});
		ob_ints(b, n, "strides", 2, (int64_t[]){2, 2});
		ob_ints(b, n, "pads", 4, (int64_t[]){1, 1, 1, 1});
		n = ob_node(b, "AveragePool", "x", "a");
		ob_ints(b, n, "kernel_shape", 2, (int64_t[]){2, 3});
		ob_ints(b, n, "strides", 2, (int64_t[]){2, 2});
		ob_i(b, n, "ceil_mode", 1);
		n = ob_node(b, "AveragePool", "x", "ai");
		ob_ints(b, n, "kernel_shape", 2, (int64_t[]){3, 3});
		ob_ints(b, n, "pads", 4, (int64_t[]){1, 1, 1, 1});
		ob_i(b, n, "count_include_pad", 1);
		ob_node(b, "GlobalAveragePool", "x", "g");
		ob_output(b, "m", OB_F32, NULL);
		ob_output(b, "a", OB_F32, NULL);
		ob_output(b, "ai", OB_F32, NULL);
		ob_output(b, "g", OB_F32, NULL);
	} else if (!strcmp(name, "resize")) {
		ob_input(b, "x", OB_F32, "1,2,3,4");
		ob_init_f32(b, "s2", "4", (float[]){1, 1, 2, 2}, 4);
		n = ob_node(b, "Resize", "x,,s2", "near");
		ob_s(b, n, "coordinate_transformation_mode", "asymmetric");
		ob_s(b, n, "nearest_mode", "floor");
		n = ob_node(b, "Resize", "x,,s2", "lin");
		ob_s(b, n, "mode", "linear");
		ob_init_i64(b, "sz", "4", (int64_t[]){1, 2, 5, 7}, 4);
		n = ob_node(b, "Resize", "x,,,sz", "ac");
		ob_s(b, n, "mode", "linear");
		ob_s(b, n, "coordinate_transformation_mode", "align_corners");
		ob_output(b, "near", OB_F32, NULL);
		ob_output(b, "lin", OB_F32, NULL);
		ob_output(b, "ac", OB_F32, NULL);
	} else if (!strcmp(name, "norms")) {
		ob_input(b, "x", OB_F32, "2,3,5");
		init_rand(b, "g", "5", 5, 6);
		init_rand(b, "be", "5", 5, 7);
		ob_f(b, ob_node(b, "LayerNormalization", "x,g,be", "ln"), "epsilon", 1e-3f);
		ob_i(b, ob_node(b, "Softmax", "x", "sm"), "axis", 1);
		ob_node(b, "LogSoftmax", "x", "ls");
		init_rand(b, "sc", "3", 3, 8);
		init_rand(b, "bb", "3", 3, 9);
		init_rand(b, "mu", "3", 3, 10);
		ob_init_f32(b, "var", "3", (float[]){0.5f, 1, 2}, 3);
		ob_node(b, "BatchNormalization", "x,sc,bb,mu,var", "bn");
		ob_init_i64(b, "rax", "1", (int64_t[]){1}, 1);
		ob_i(b, ob_node(b, "ReduceMean", "x,rax", "rm"), "keepdims", 0);
		ob_output(b, "ln", OB_F32, NULL);
		ob_output(b, "sm", OB_F32, NULL);
		ob_output(b, "ls", OB_F32, NULL);
		ob_output(b, "bn", OB_F32, NULL);
		ob_output(b, "rm", OB_F32, NULL);
	} else if (!strcmp(name, "matmul")) {
		ob_input(b, "x", OB_F32, "2,3,4");
		init_rand(b, "w", "4,5", 20, 11);
		ob_node(b, "MatMul", "x,w", "mm");
		ob_input(b, "a", OB_F32, "3,4");
		init_rand(b, "bw", "6,4", 24, 12);
		init_rand(b, "bc", "6", 6, 13);
		n = ob_node(b, "Gemm", "a,bw,bc", "gm");
		ob_i(b, n, "transB", 1);
		ob_f(b, n, "alpha", 0.5f);
		n = ob_node(b, "Gemm", "a,a", "gx");
		ob_i(b, n, "transB", 1);
		ob_output(b, "mm", OB_F32, NULL);
		ob_output(b, "gm", OB_F32, NULL);
		ob_output(b, "gx", OB_F32, NULL);
	} else if (!strcmp(name, "shapes")) {
		ob_input(b, "x", OB_F32, "2,3,4");
		ob_init_i64(b, "idx", "2", (int64_t[]){2, 0}, 2);
		ob_i(b, ob_node(b, "Gather", "x,idx", "ga"), "axis", 1);
		ob_init_i64(b, "st", "2", (int64_t[]){1, 1}, 2);
		ob_init_i64(b, "en", "2", (int64_t[]){3, 100}, 2);
		ob_init_i64(b, "ax", "2", (int64_t[]){1, 2}, 2);
		ob_node(b, "Slice", "x,st,en,ax", "sl");
		ob_init_i64(b, "pp", "6", (int64_t[]){0, 1, 0, 0, 0, 2}, 6);
		ob_init_f32(b, "pv", "", (float[]){0.25f}, 1);
		ob_node(b, "Pad", "x,pp,pv", "pd");
		ob_ints(b, ob_node(b, "Transpose", "x", "tr"), "perm", 3, (int64_t[]){2, 0, 1});
		n = ob_node(b, "Concat", "x,x", "cc");
		ob_i(b, n, "axis", 2);
		n = ob_node(b, "Split", "x", "s0,s1");
		ob_i(b, n, "axis", 2);
		ob_i(b, n, "num_outputs", 2);
		ob_init_i64(b, "es", "4", (int64_t[]){2, 2, 3, 4}, 4);
		ob_node(b, "Expand", "x,es", "ex");
		ob_node(b, "Sub", "s1,s0", "df");
		ob_node(b, "LeakyRelu", "df", "lr");
		ob_output(b, "ga", OB_F32, NULL);
		ob_output(b, "sl", OB_F32, NULL);
		ob_output(b, "pd", OB_F32, NULL);
		ob_output(b, "tr", OB_F32, NULL);
		ob_output(b, "cc", OB_F32, NULL);
		ob_output(b, "ex", OB_F32, NULL);
		ob_output(b, "lr", OB_F32, NULL);
	} else if (!strcmp(name, "unary")) {
		ob_input(b, "x", OB_F32, "3,7");
		ob_node(b, "Erf", "x", "er");
		ob_node(b, "Sqrt", "er", "sq");           /* NaN for erf < 0: use |x| */
		ob_node(b, "Abs", "x", "ab");
		ob_node(b, "Sqrt", "ab", "sa");
		ob_node(b, "Softplus", "x", "sp");
		ob_node(b, "Tanh", "x", "th");
		ob_node(b, "Sigmoid", "th", "sg");
		ob_init_f32(b, "two", "", (float[]){2.0f}, 1);
		ob_node(b, "Pow", "sg,two", "pw");
		ob_f(b, ob_node(b, "HardSigmoid", "x", "hs"), "alpha", 0.3f);
		ob_node(b, "Max", "x,pw,hs", "mx");
		ob_output(b, "er", OB_F32, NULL);
		ob_output(b, "sa", OB_F32, NULL);
		ob_output(b, "sp", OB_F32, NULL);
		ob_output(b, "mx", OB_F32, NULL);
	} else if (!strcmp(name, "quant")) {
		/* QuantizeLinear -> DequantizeLinear per axis and per tensor; the
		 * scales are powers of two, so TOSA's x * (1 / s) is nex's x / s */
		ob_input(b, "x", OB_F32, "2,3,4");
		ob_init_f32(b, "s", "3", (float[]){0.125f, 0.25f, 0.0625f}, 3);
		ob_init(b, "z", OB_I8, "3", (int8_t[]){0, 3, -5}, 3);
		ob_i(b, ob_node(b, "QuantizeLinear", "x,s,z", "q"), "axis", 1);
		ob_i(b, ob_node(b, "DequantizeLinear", "q,s,z", "dq"), "axis", 1);
		ob_init_f32(b, "s1", "", (float[]){0.0078125f}, 1);
		ob_init(b, "z1", OB_I8, "", (int8_t[]){7}, 1);
		ob_node(b, "QuantizeLinear", "x,s1,z1", "q1");
		ob_node(b, "DequantizeLinear", "q1,s1,z1", "dq1");
		ob_output(b, "dq", OB_F32, NULL);
		ob_output(b, "dq1", OB_F32, NULL);
	} else if (!strcmp(name, "quant_int")) {
		/* ConvInteger and MatMulInteger on i8 made by QuantizeLinear,
		 * their i32 sums dequantized back to f32 */
		ob_input(b, "x", OB_F32, "1,2,5,6");
		ob_init_f32(b, "s", "", (float[]){0.015625f}, 1);
		ob_init(b, "z", OB_I8, "", (int8_t[]){3}, 1);
		ob_node(b, "QuantizeLinear", "x,s,z", "q");
		int8_t w[36];
		for (int i = 0; i < 36; i++)
			w[i] = (int8_t)((i * 37) % 23 - 11);
		ob_init(b, "w", OB_I8, "2,2,3,3", w, 36);
		ob_init(b, "wz", OB_I8, "", (int8_t[]){-1}, 1);
		n = ob_node(b, "ConvInteger", "q,w,z,wz", "ci");
		ob_ints(b, n, "pads", 4, (int64_t[]){1, 0, 1, 2});
		ob_init_f32(b, "si", "", (float[]){0.001f}, 1);
		ob_node(b, "DequantizeLinear", "ci,si", "cf");
		ob_init_i64(b, "rs", "2", (int64_t[]){10, 6}, 2);
		ob_node(b, "Reshape", "q,rs", "q2");
		ob_init(b, "mb", OB_I8, "6,4", w, 24);
		ob_node(b, "MatMulInteger", "q2,mb,z", "mi");
		ob_node(b, "DequantizeLinear", "mi,si", "mf");
		ob_output(b, "cf", OB_F32, NULL);
		ob_output(b, "mf", OB_F32, NULL);
	} else {
		ob_free(b);
		return NULL;
	}
	return b;
}

static const char *const fixtures[] = {"conv", "depthwise", "conv_transpose",
				       "conv_transpose_oshape", "pools", "resize",
				       "norms", "matmul", "shapes", "unary", "quant", "quant_int", NULL};

/* ---- MLIR ---- */

static void hex(FILE *f, const void *data, size_t n)
{
	const unsigned char *p = data;
	fprintf(f, "\"0x");
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%02X", p[i]);
	fprintf(f, "\"");
}

static void tstr(FILE *f, const nx_type *t)
{
	fprintf(f, "tensor<");
	for (int i = 0; i < t->rank; i++)
		fprintf(f, "%lldx", (long long)t->dims[i]);
	fprintf(f, "f32>");
}

static int write_file(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	fputs(s, f);
	return fclose(f);
}

static int mlir(const char *model, const char *bind, const char *out)
{
	nx_err err;
	nx_graph *g;
	nx_onnx_opts o = {0};
	o.warn = quiet;
	nx_shape_bind b;
	char bname[256];
	if (bind) {
		if (parse_bind(bind, &b, bname, sizeof bname)) {
			printf("FAIL: bad bind %s\n", bind);
			return 1;
		}
		o.binds = &b;
		o.n_binds = 1;
	}
	if (!strncmp(model, "fixture:", 8)) {
		ob *ob_ = fixture(model + 8);
		if (!ob_) {
			printf("FAIL: no fixture %s\n", model + 8);
			return 1;
		}
		size_t len;
		void *buf = ob_pack(ob_, &len);
		g = nx_onnx_import_mem(buf, len, model, NULL, &o, &err);
		free(buf);
		ob_free(ob_);
	} else {
		g = nx_onnx_import(model, &o, &err);
	}
	if (!g) {
		printf("FAIL: %s\n", err.msg);
		return 1;
	}
	char *text = nx_mlir_export_str(g, &err);
	if (!text) {
		printf("FAIL: %s\n", err.msg);
		nx_graph_free(g);
		return 1;
	}
	char path[1024];
	mkdir(out, 0755);
	snprintf(path, sizeof path, "%s/model.mlir", out);
	write_file(path, text);
	/* inputs: fixed pseudo-random data; run nex's interpreter */
	nx_tensor *in = calloc(g->n_inputs + 1, sizeof *in);
	for (uint32_t i = 0; i < g->n_inputs; i++) {
		in[i] = nx_tensor_alloc(nx_vtype(g, g->inputs[i]));
		fill(in[i].data, (size_t)nx_type_numel(&in[i].type), 100 + i, -1, 1);
	}
	nx_run_opts ro = {0};
	ro.threads = 1;
	nx_run_result res;
	int rc = 1;
	if (nx_run(g, in, g->n_inputs, &ro, &res, &err)) {
		printf("FAIL: nex interpreter: %s\n", err.msg);
		goto out;
	}
	snprintf(path, sizeof path, "%s/run.mlir", out);
	FILE *f = fopen(path, "w");
	char *fn = strstr(text, "func @main(");
	fwrite(text, 1, (size_t)(fn - text), f);
	fprintf(f, "func private @main(%s", fn + strlen("func @main("));
	fprintf(f, "func @entry() -> f32 {\n");
	for (uint32_t i = 0; i < g->n_inputs; i++) {
		fprintf(f, "  %%in%u = \"tosa.const\"() {value = dense<", i);
		hex(f, in[i].data, (size_t)nx_type_numel(&in[i].type) * 4);
		fprintf(f, "> : ");
		tstr(f, &in[i].type);
		fprintf(f, "} : () -> ");
		tstr(f, &in[i].type);
		fprintf(f, "\n");
	}
	fprintf(f, "  %%r:%u = call @main(", g->n_outputs);
	for (uint32_t i = 0; i < g->n_inputs; i++)
		fprintf(f, "%s%%in%u", i ? ", " : "", i);
	fprintf(f, ") : (");
	for (uint32_t i = 0; i < g->n_inputs; i++) {
		fprintf(f, "%s", i ? ", " : "");
		tstr(f, &in[i].type);
	}
	fprintf(f, ") -> (");
	for (uint32_t i = 0; i < g->n_outputs; i++) {
		fprintf(f, "%s", i ? ", " : "");
		tstr(f, &res.outputs[i].type);
	}
	fprintf(f, ")\n");
	double sum = 0, mag = 0;
	for (uint32_t i = 0; i < g->n_outputs; i++) {
		nx_tensor *t = &res.outputs[i];
		size_t n = (size_t)nx_type_numel(&t->type);
		if (t->type.dtype != NX_F32) {
			printf("FAIL: output %u is not f32\n", i);
			fclose(f);
			goto out;
		}
		float *w = malloc(n * 4);
		fill(w, n, 1000 + i, 0.5f, 1.5f);
		for (size_t k = 0; k < n; k++) {
			double p = (double)((float *)t->data)[k] * w[k];
			sum += p;
			mag += fabs(p);
		}
		fprintf(f, "  %%w%u = \"tosa.const\"() {value = dense<", i);
		hex(f, w, n * 4);
		fprintf(f, "> : ");
		tstr(f, &t->type);
		fprintf(f, "} : () -> ");
		tstr(f, &t->type);
		fprintf(f, "\n  %%m%u = \"tosa.mul\"(%%r#%u, %%w%u) {shift = 0 : i32} : (", i, i, i);
		tstr(f, &t->type);
		fprintf(f, ", ");
		tstr(f, &t->type);
		fprintf(f, ") -> ");
		tstr(f, &t->type);
		fprintf(f, "\n  %%f%u = \"tosa.reshape\"(%%m%u) {new_shape = [%zu]} : (", i, i, n);
		tstr(f, &t->type);
		fprintf(f, ") -> tensor<%zuxf32>\n", n);
		fprintf(f, "  %%s%u = \"tosa.reduce_sum\"(%%f%u) {axis = 0 : i64} : (tensor<%zuxf32>) "
			"-> tensor<1xf32>\n", i, i, n);
		if (i)
			fprintf(f, "  %%a%u = \"tosa.add\"(%%a%u, %%s%u) : (tensor<1xf32>, "
				"tensor<1xf32>) -> tensor<1xf32>\n", i, i - 1, i);
		else
			fprintf(f, "  %%a0 = \"tosa.identity\"(%%s0) : (tensor<1xf32>) -> "
				"tensor<1xf32>\n");
		free(w);
	}
	fprintf(f, "  %%c0 = arith.constant 0 : index\n");
	fprintf(f, "  %%v = tensor.extract %%a%u[%%c0] : tensor<1xf32>\n", g->n_outputs - 1);
	fprintf(f, "  return %%v : f32\n}\n");
	fclose(f);
	snprintf(path, sizeof path, "%s/expected.txt", out);
	f = fopen(path, "w");
	fprintf(f, "%.9e %.9e\n", sum, mag);
	fclose(f);
	nx_run_result_free(&res);
	rc = 0;
out:
	for (uint32_t i = 0; i < g->n_inputs; i++)
		nx_tensor_free(&in[i]);
	free(in);
	free(text);
	nx_graph_free(g);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "nodes"))
		return nodes(argv[2], argc > 3 ? atoi(argv[3]) : 1);
	if (argc >= 3 && !strcmp(argv[1], "roundtrip")) {
		struct stat st;
		if (stat(argv[2], &st)) {
			printf("skipped: %s is absent (scripts/fetch-models.sh)\n", argv[2]);
			return 77; /* ctest: skipped, not passed */
		}
		nx_shape_bind b;
		char bname[256];
		nx_onnx_opts o = {0};
		o.warn = quiet;
		if (argc > 3 && !parse_bind(argv[3], &b, bname, sizeof bname)) {
			o.binds = &b;
			o.n_binds = 1;
		}
		nx_err err;
		nx_graph *g = nx_onnx_import(argv[2], &o, &err);
		if (!g) {
			printf("FAIL: %s\n", err.msg);
			return 1;
		}
		int rc = nx_verify(g, &err);
		if (rc)
			printf("FAIL: verify: %s\n", err.msg);
		rc |= roundtrip(g, argv[2]) != 0;
		if (!rc)
			printf("ok: %s: %u ops import, verify and round-trip\n", argv[2], g->n_live_ops);
		nx_graph_free(g);
		return rc;
	}
	if (argc >= 4 && !strcmp(argv[1], "mlir"))
		return mlir(argv[2], argc > 4 ? argv[3] : NULL, argv[argc - 1]);
	if (argc == 2 && !strcmp(argv[1], "fixtures")) {
		for (int i = 0; fixtures[i]; i++)
			printf("%s\n", fixtures[i]);
		return 0;
	}
	fprintf(stderr, "usage: onnx_check nodes DIR [MIN] | roundtrip MODEL [NAME=dims] | "
		"mlir MODEL|fixture:NAME [NAME=dims] OUTDIR | fixtures\n");
	return 2;
}
