/* onnx_opts.h — how the ONNX fuzz targets (fuzz_onnx, fuzz_onnx_run) import
 * an input: as fuzz.onnx from a folder, warnings silenced, with a leading
 * dynamic dim of an input named x bound (which reaches the node loop more
 * often than unbound models do), and again unbound when that fails (most
 * inputs are not named x). */
#ifndef NEX_FUZZ_ONNX_OPTS_H
#define NEX_FUZZ_ONNX_OPTS_H
#include "nx.h"

static void fuzz_quiet(void *ctx, const char *msg)
{
	(void)ctx;
	(void)msg;
}

static const nx_shape_bind fuzz_x_bind = {"x", 4, {1, 3, 8, 8}};

/* The graph (caller frees with nx_graph_free) or NULL + err; *o gets the
 * options the last import ran with, for importing again. */
static nx_graph *fuzz_onnx_import(const uint8_t *data, size_t size, const char *dir,
				  nx_onnx_opts *o, nx_err *err)
{
	*o = (nx_onnx_opts){0};
	o->binds = &fuzz_x_bind;
	o->n_binds = 1;
	o->warn = fuzz_quiet;
	nx_graph *g = nx_onnx_import_mem(data, size, "fuzz.onnx", dir, o, err);
	if (!g) {
		o->n_binds = 0;
		g = nx_onnx_import_mem(data, size, "fuzz.onnx", dir, o, err);
	}
	return g;
}
#endif
