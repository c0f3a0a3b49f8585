/* fuzz_onnx_run.c — libFuzzer target past the ONNX importer: a model that
 * imports, its external data read from loaded.h's real folder (w.bin, the
 * symlinks out of it, /dev/zero), goes through the interpreter, the default
 * pipeline and the simulator (loaded.h). A leading dynamic dim of an input
 * named x is bound, as fuzz_onnx does. Seeds: the ONNX backend node tests. */
#include "loaded.h"

static void quiet(void *ctx, const char *msg)
{
	(void)ctx;
	(void)msg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	nx_err err;
	nx_shape_bind bind = {"x", 4, {1, 3, 8, 8}};
	nx_onnx_opts o = {0};
	o.binds = &bind;
	o.n_binds = 1;
	o.warn = quiet;
	nx_graph *g = nx_onnx_import_mem(data, size, "fuzz.onnx", folder, &o, &err);
	if (!g) {
		o.n_binds = 0;
		g = nx_onnx_import_mem(data, size, "fuzz.onnx", folder, &o, &err);
	}
	if (g)
		run_loaded(g);
	return 0;
}
