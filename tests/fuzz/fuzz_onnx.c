/* fuzz_onnx.c — libFuzzer target for the ONNX importer: any byte string is
 * a graph or a located error, never a crash, a leak or undefined behaviour.
 * An imported graph is also exported and re-imported, so the exporter sees
 * every odd graph the importer accepts. Binds give a leading dynamic dim a
 * value, which reaches the node loop more often than unbound models do. */
#include <stdlib.h>

#include "onnx_opts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	nx_err err;
	nx_onnx_opts o;
	nx_graph *g = fuzz_onnx_import(data, size, "/nonexistent", &o, &err);
	if (g) {
		size_t len;
		void *buf = nx_onnx_export_mem(g, &len, &err);
		if (buf) {
			nx_graph *g2 = nx_onnx_import_mem(buf, len, "rt.onnx", NULL, &o, &err);
			nx_graph_free(g2);
			free(buf);
		}
		nx_graph_free(g);
	}
	return 0;
}
