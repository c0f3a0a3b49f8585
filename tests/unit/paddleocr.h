/* paddleocr.h — the PaddleOCR det/rec/cls models that the model tests load:
 * where they are ($NEX_MODELS, else ~/.cache/nex/models; scripts/fetch-models.sh
 * puts them there), the input shape each is bound to, one presence check
 * that turns a missing model into ctest's "skipped" (77), and one import.
 * Header-only (static functions) because each test is its own executable. */
#ifndef PADDLEOCR_H
#define PADDLEOCR_H
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "nx.h"

typedef struct paddle_model {
	const char *file;
	int64_t h, w; /* bound to input x as 1x3xHxW */
} paddle_model;

enum { PADDLE_DET, PADDLE_REC, PADDLE_CLS, PADDLE_N };

static const paddle_model paddle_models[PADDLE_N] = {
	{"ch_PP-OCRv4_det_infer.onnx", 640, 640},
	{"ch_PP-OCRv4_rec_infer.onnx", 48, 320},
	{"ch_ppocr_mobile_v2.0_cls_infer.onnx", 48, 192},
};

static inline void paddle_path(const paddle_model *m, char *path, size_t n)
{
	const char *env = getenv("NEX_MODELS"), *home = getenv("HOME");
	if (env && *env)
		snprintf(path, n, "%s/%s", env, m->file);
	else
		snprintf(path, n, "%s/.cache/nex/models/%s", home ? home : ".", m->file);
}

/* 0 when every model is readable; otherwise says which is missing and
 * returns 77, which the caller returns from main. */
static inline int paddle_require_all(void)
{
	for (int i = 0; i < PADDLE_N; i++) {
		char path[1200];
		paddle_path(&paddle_models[i], path, sizeof path);
		if (access(path, R_OK)) {
			printf("skipped: %s not found (scripts/fetch-models.sh fetches it)\n", path);
			return 77;
		}
	}
	return 0;
}

/* The model imported with its input bound; NULL with err set on failure.
 * Caller frees with nx_graph_free. */
static inline nx_graph *paddle_import(const paddle_model *m, nx_err *err)
{
	char path[1200];
	paddle_path(m, path, sizeof path);
	nx_shape_bind b = {.name = "x", .rank = 4, .dims = {1, 3, m->h, m->w}};
	nx_onnx_opts o = {.binds = &b, .n_binds = 1};
	return nx_onnx_import(path, &o, err);
}

#endif
