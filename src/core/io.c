/* io.c — models on disk, picked by extension: .nex (text form, printer.c and
 * parser.c), .json (json.c) and .onnx (onnx_import.c, onnx_export.c).
 *
 * The text and JSON forms keep large weights out of the model file: nx_save
 * hands the printer a writer (store_blob) that appends each blob's bytes to
 * one side file (a blob made by a recipe, a fill or a scaled fill, prints as
 * that recipe instead), `<model>.bin`, at 64-byte aligned offsets, and the model
 * names it by its base name only, so the pair can be moved together. The
 * pair is replaced as one (atomic.c, side_names below): a failed save
 * leaves the old pair as it was.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "nx.h"

enum { FMT_NEX, FMT_JSON, FMT_ONNX };

#define INLINE_MAX 16 /* elements; larger data blobs go to the side file */
#define BLOB_ALIGN 64

static int format_of(const char *path, nx_err *err)
{
	const char *base = strrchr(path, '/');
	const char *dot = strrchr(base ? base + 1 : path, '.');
	if (dot && !strcasecmp(dot, ".nex"))
		return FMT_NEX;
	if (dot && !strcasecmp(dot, ".json"))
		return FMT_JSON;
	if (dot && !strcasecmp(dot, ".onnx"))
		return FMT_ONNX;
	nx_err_set(err, "%s: unknown model file extension (nex reads and writes .nex, .json "
		   "and .onnx)", path);
	return -1;
}

/* The directory part of path, where file("x.bin") references resolve; NULL
 * for the current directory. Caller frees. */
static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return NULL;
	size_t n = slash == path ? 1 : (size_t)(slash - path);
	char *d = nx_xmalloc(n + 1);
	memcpy(d, path, n);
	d[n] = 0;
	return d;
}

nx_graph *nx_load(const char *path, nx_err *err)
{
	return nx_load_with(path, NULL, err);
}

nx_graph *nx_load_with(const char *path, const nx_onnx_opts *o, nx_err *err)
{
	int fmt = format_of(path, err);
	if (fmt < 0)
		return NULL;
	if (fmt == FMT_ONNX)
		return nx_onnx_import(path, o, err);
	size_t len;
	char *text = nx_read_file(path, &len, err);
	if (!text)
		return NULL;
	char *dir = dir_of(path);
	nx_fileroot root = {dir, o && o->allow_outside};
	nx_graph *g = fmt == FMT_NEX ? nx_parse_in(text, len, path, &root, err)
				     : nx_json_parse_in(text, len, path, &root, err);
	free(dir);
	free(text);
	return g;
}

/* ---- the side-file writer ------------------------------------------------ */

typedef struct sidefile {
	char *buf;          /* the side file's bytes */
	size_t len, cap;
	const char *name;   /* base name the model refers to it by */
} sidefile;

/* nx_print_opts.store_blob: appends b's bytes (raw, little-endian, in its
 * dtype) at the next aligned offset. Blobs are stored once per reference;
 * two constants sharing one blob are rare enough not to index. */
static int side_store(void *ctx, nx_blob *b, const char **file, uint64_t *offset)
{
	sidefile *sf = ctx;
	size_t n = nx_blob_nbytes(b);
	const void *data = nx_blob_data(b);
	if (!data)
		return -1;
	size_t at = (sf->len + BLOB_ALIGN - 1) / BLOB_ALIGN * BLOB_ALIGN;
	if (at + n > sf->cap) {
		size_t cap = sf->cap ? sf->cap : 1 << 16;
		while (cap < at + n)
			cap *= 2;
		sf->buf = nx_xrealloc(sf->buf, cap);
		sf->cap = cap;
	}
	memset(sf->buf + sf->len, 0, at - sf->len); /* padding reads as zeros */
	memcpy(sf->buf + at, data, n);
	sf->len = at + n;
	*file = sf->name;
	*offset = at;
	return 0;
}

/* The side file names: <model>.bin and, for the save after a save,
 * <model>.2.bin. A save writes the one the model on disk does not name, so
 * the old pair stays whole until the new model replaces the old in one
 * rename; then the old side file goes. A reader sees the old pair or the
 * new pair (or, reading the old model late, a missing file), never the old
 * model over new weights. Caller frees both. */
static void side_names(const char *path, char **a, char **b)
{
	size_t pl = strlen(path);
	*a = nx_xmalloc(pl + 5);
	snprintf(*a, pl + 5, "%s.bin", path);
	*b = nx_xmalloc(pl + 7);
	snprintf(*b, pl + 7, "%s.2.bin", path);
}

/* True if the model file at path names side (by base name, quoted, as the
 * printer writes it in both forms). */
static bool names_side(const char *path, const char *side)
{
	nx_err e;
	size_t len;
	char *text = nx_read_file(path, &len, &e);
	if (!text)
		return false;
	const char *base = strrchr(side, '/');
	base = base ? base + 1 : side;
	size_t n = strlen(base);
	char *q = nx_xmalloc(n + 3);
	snprintf(q, n + 3, "\"%s\"", base);
	bool found = strstr(text, q) != NULL; /* text is NUL-terminated */
	free(q);
	free(text);
	return found;
}

int nx_save(const nx_graph *g, const char *path, nx_err *err)
{
	int fmt = format_of(path, err);
	if (fmt < 0)
		return -1;
	if (fmt == FMT_ONNX)
		return nx_onnx_export(g, path, err);

	/* Every weight the side file takes goes through memory (computed or
	 * read, then copied into the side file's buffer): refuse now what
	 * cannot fit. Recipes (fills, scaled fills) print as text and cost
	 * nothing. */
	uint64_t side = 0, lazy = 0;
	for (uint32_t i = 0; i < g->n_blobs; i++) {
		const nx_blob *b = g->blobs[i];
		if (!b || nx_blob_is_recipe(b))
			continue;
		side += nx_blob_nbytes(b);
		if (!b->data)
			lazy += nx_blob_nbytes(b);
	}
	char detail[160];
	snprintf(detail, sizeof detail, "%.2f GiB of weights to compute, %.2f GiB for the side file",
		 (double)lazy / (1 << 30), (double)side / (1 << 30));
	if (nx_mem_fits("saving the model", lazy + side, detail, err)) {
		nx_err_prefix(err, "%s: ", path);
		return -1;
	}
	char *side_a, *side_b;
	side_names(path, &side_a, &side_b);
	bool old_a = names_side(path, side_a), old_b = !old_a && names_side(path, side_b);
	char *side_path = old_a ? side_b : side_a, *old_side = old_a ? side_a : old_b ? side_b : NULL;
	const char *slash = strrchr(side_path, '/');
	sidefile sf = {NULL, 0, 0, slash ? slash + 1 : side_path};

	nx_print_opts o = nx_print_defaults;
	o.store_blob = side_store;
	o.store_ctx = &sf;
	o.inline_max = INLINE_MAX;
	o.show_ids = false;
	size_t len = 0;
	char *text = fmt == FMT_NEX ? nx_print_str(g, &o, &len) : nx_json_print(g, &o);
	int rc = -1;
	if (!text) {
		nx_err_set(err, "%s: cannot write the model: a weight could not be read", path);
		goto out;
	}
	if (fmt == FMT_JSON)
		len = strlen(text);
	/* The side file first: the model that names it goes in last. */
	nx_atomic a;
	nx_atomic_begin(&a);
	if ((sf.len && nx_atomic_add(&a, side_path, sf.buf, sf.len, err)) ||
	    nx_atomic_add(&a, path, text, len, err)) {
		nx_atomic_abort(&a);
		goto out;
	}
	if (nx_atomic_commit(&a, err))
		goto out;
	if (old_side)
		unlink(old_side); /* no model names it any more */
	rc = 0;
out:
	free(text);
	free(sf.buf);
	free(side_a);
	free(side_b);
	return rc;
}
