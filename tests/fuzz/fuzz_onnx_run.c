/* fuzz_onnx_run.c — libFuzzer target past the ONNX importer: a model that
 * imports, its external data read from loaded.h's real folder (w.bin, the
 * symlinks out of it, /dev/zero), goes through the interpreter, the default
 * pipeline and the simulator (loaded.h). A leading dynamic dim of an input
 * named x is bound, as fuzz_onnx does. Seeds: the ONNX backend node tests. */
#include "loaded.h"
#include "onnx_opts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	nx_err err;
	nx_onnx_opts o;
	nx_graph *g = fuzz_onnx_import(data, size, folder, &o, &err);
	if (g)
		run_loaded(g);
	return 0;
}
