/* blob.c — constant data. Blobs are immutable and reference counted so that
 * every snapshot of a graph shares its weights; a fill blob (random, zeros,
 * ones with a seed) is generated only when its bytes are first read, so a
 * synthetic 100k-op graph costs no weight memory until someone runs it. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nx.h"

static const char *fills[NX_FILL_COUNT] = {"random", "zeros", "ones"};

const char *nx_fill_name(int fill)
{
	return fill >= 0 && fill < NX_FILL_COUNT ? fills[fill] : "?";
}

int nx_fill_parse(const char *s, size_t len)
{
	for (int i = 0; i < NX_FILL_COUNT; i++)
		if (strlen(fills[i]) == len && !memcmp(fills[i], s, len))
			return i;
	return -1;
}

static const char *scale_modes[] = {"outer", "inner", "convt"};

const char *nx_scale_mode_name(int mode)
{
	return mode >= 0 && mode <= NX_SCALE_CONVT ? scale_modes[mode] : "?";
}

int nx_scale_mode_parse(const char *s, size_t len)
{
	for (int i = 0; i <= NX_SCALE_CONVT; i++)
		if (strlen(scale_modes[i]) == len && !memcmp(scale_modes[i], s, len))
			return i;
	return -1;
}

/* The rules apply_scales relies on, so that a scaled blob read from a file
 * cannot index past its scales. */
int64_t nx_scale_count(const nx_type *t, int mode, int64_t group)
{
	if (t->dtype != NX_F32 || t->rank < 1 || nx_type_numel(t) < 0)
		return -1;
	if (mode == NX_SCALE_OUTER)
		return t->dims[0];
	if (mode == NX_SCALE_INNER)
		return t->dims[t->rank - 1];
	if (mode == NX_SCALE_CONVT && t->rank >= 2 && group >= 1 && t->dims[0] % group == 0 &&
	    t->dims[1] <= INT64_MAX / group)
		return t->dims[1] * group;
	return -1;
}

bool nx_blob_is_recipe(const nx_blob *b)
{
	int depth = 0;
	for (; b->src == NX_BLOB_SCALED; b = b->base)
		if (++depth > NX_SCALED_DEPTH)
			return false;
	return b->src == NX_BLOB_FILL;
}

bool nx_blob_scales_inline(const nx_blob *b, uint64_t max)
{
	if ((uint64_t)b->n_scale > max)
		return false;
	for (int64_t i = 0; i < b->n_scale; i++)
		if (isnan(b->scale[i]))
			return false;
	return true;
}

static nx_blob *blob_alloc(const nx_type *t, int src)
{
	nx_blob *b = nx_xcalloc(1, sizeof *b);
	b->refs = 1;
	b->src = (uint8_t)src;
	b->type = *t;
	b->type.layout = NX_LAYOUT_PLAIN;
	return b;
}

size_t nx_blob_nbytes(const nx_blob *b)
{
	int64_t n = nx_type_bytes(&b->type);
	return n < 0 ? 0 : (size_t)n;
}

nx_blob *nx_blob_new_data(const nx_type *t, void *data)
{
	nx_blob *b = blob_alloc(t, NX_BLOB_DATA);
	b->data = data;
	return b;
}

nx_blob *nx_blob_new_copy(const nx_type *t, const void *data)
{
	nx_blob *b = blob_alloc(t, NX_BLOB_DATA);
	size_t n = nx_blob_nbytes(b);
	b->data = nx_xmalloc(n);
	memcpy(b->data, data, n);
	return b;
}

nx_blob *nx_blob_new_fill(const nx_type *t, int fill, uint64_t seed)
{
	nx_blob *b = blob_alloc(t, NX_BLOB_FILL);
	b->fill = (uint8_t)fill;
	b->seed = seed;
	return b;
}

nx_blob *nx_blob_new_file(const nx_type *t, const nx_fileroot *root, const char *path,
			  uint64_t offset, const char *what, nx_err *err)
{
	int64_t n = nx_type_bytes(t);
	if (n < 0) {
		nx_err_set(err, "%s: its type's size overflows", what);
		return NULL;
	}
	void *data = nx_read_ref(root, path, offset, (size_t)n, what, err);
	if (!data)
		return NULL;
	nx_blob *b = blob_alloc(t, NX_BLOB_FILE);
	b->data = data;
	b->path = nx_xstrdup(path);
	b->offset = offset;
	return b;
}

nx_blob *nx_blob_new_scaled(nx_blob *base, const float *scale, int64_t n_scale, int mode,
			    int64_t group)
{
	nx_blob *b = blob_alloc(&base->type, NX_BLOB_SCALED);
	b->base = nx_blob_ref(base);
	b->scale = nx_xmalloc((size_t)n_scale * sizeof *scale);
	memcpy(b->scale, scale, (size_t)n_scale * sizeof *scale);
	b->n_scale = n_scale;
	b->mode = (uint8_t)mode;
	b->group = group > 0 ? group : 1;
	return b;
}

nx_blob *nx_blob_ref(nx_blob *b)
{
	b->refs++;
	return b;
}

void nx_blob_unref(nx_blob *b)
{
	if (!b || --b->refs > 0)
		return;
	free(b->data);
	free(b->path);
	free(b->scale);
	nx_blob_unref(b->base);
	free(b);
}

static void store(void *data, int dtype, int64_t i, double v)
{
	switch (dtype) {
	case NX_F32: ((float *)data)[i] = (float)v; break;
	case NX_F16: ((uint16_t *)data)[i] = nx_f32_to_f16((float)v); break;
	case NX_BF16: ((uint16_t *)data)[i] = nx_f32_to_bf16((float)v); break;
	case NX_I8: ((int8_t *)data)[i] = (int8_t)v; break;
	case NX_U8: ((uint8_t *)data)[i] = (uint8_t)v; break;
	case NX_I32: ((int32_t *)data)[i] = (int32_t)v; break;
	case NX_I64: ((int64_t *)data)[i] = (int64_t)v; break;
	case NX_BOOL: ((uint8_t *)data)[i] = v != 0; break;
	case NX_F64: ((double *)data)[i] = v; break;
	case NX_I16: ((int16_t *)data)[i] = (int16_t)v; break;
	case NX_U16: ((uint16_t *)data)[i] = (uint16_t)v; break;
	case NX_U32: ((uint32_t *)data)[i] = (uint32_t)v; break;
	case NX_U64: ((uint64_t *)data)[i] = (uint64_t)v; break;
	}
}

/* Random fills are shaped to keep synthetic networks numerically sane:
 * weights (rank >= 2) are uniform in +-sqrt(3/fan_in), so activations keep
 * their scale through deep stacks; vectors (rank <= 1: biases, scales,
 * variances) are uniform in [0.5, 1.5), valid even as a variance; integer
 * tensors are uniform in [0, 8). docs/ir.md states the same. */
static void generate_into(const nx_blob *b, void *data)
{
	int64_t n = nx_type_numel(&b->type);
	uint64_t s = b->seed;
	double lo = 0, hi = 1;
	if (b->fill == NX_FILL_RANDOM) {
		if (!nx_dtype_is_float(b->type.dtype)) {
			lo = 0, hi = 8;
		} else if (b->type.rank >= 2) {
			double fan_in = (double)n / (double)b->type.dims[0];
			hi = sqrt(3.0 / fan_in);
			lo = -hi;
		} else {
			lo = 0.5, hi = 1.5;
		}
	}
	for (int64_t i = 0; i < n; i++) {
		double v;
		if (b->fill == NX_FILL_ZEROS)
			v = 0;
		else if (b->fill == NX_FILL_ONES)
			v = 1;
		else if (nx_dtype_is_float(b->type.dtype))
			v = lo + (hi - lo) * nx_rand_unit(&s);
		else
			v = floor(lo + (hi - lo) * nx_rand_unit(&s));
		store(data, b->type.dtype, i, v);
	}
}

static void generate(nx_blob *b)
{
	b->data = nx_xcalloc((size_t)nx_type_numel(&b->type), nx_dtype_size(b->type.dtype));
	generate_into(b, b->data);
}

static void apply_scales(nx_blob *b)
{
	const float *w = nx_blob_data(b->base);
	if (!w || b->base->type.dtype != NX_F32)
		return;
	int64_t n = nx_type_numel(&b->type), c = b->n_scale;
	float *out = nx_xmalloc((size_t)n * sizeof *out);
	if (b->mode == NX_SCALE_OUTER) {
		int64_t per = n / c;
		for (int64_t i = 0; i < n; i++)
			out[i] = w[i] * b->scale[i / per];
	} else if (b->mode == NX_SCALE_INNER) {
		for (int64_t i = 0; i < n; i++)
			out[i] = w[i] * b->scale[i % c];
	} else { /* [Cin, Cout/group, k...]: output channel of (ci, j) */
		int64_t cin = b->type.dims[0], cog = b->type.dims[1];
		int64_t per = n / (cin * cog), cpg = cin / b->group;
		for (int64_t i = 0; i < n; i++) {
			int64_t ci = i / (cog * per), j = (i / per) % cog;
			out[i] = w[i] * b->scale[(ci / cpg) * cog + j];
		}
	}
	b->data = out;
}

const void *nx_blob_data(nx_blob *b)
{
	if (!b->data && b->src == NX_BLOB_FILL)
		generate(b);
	else if (!b->data && b->src == NX_BLOB_SCALED)
		apply_scales(b);
	return b->data;
}

/* A consumer that reads a fill blob once (fold-batchnorm reads the four
 * small parameter vectors of every batch norm it folds, then drops them)
 * generates into its own buffer: caching the bytes would cost one fresh
 * allocation per blob, which on a 100k-op graph was most of the pass. */
const void *nx_blob_read(nx_blob *b, void *scratch)
{
	if (!b->data && b->src == NX_BLOB_FILL) {
		generate_into(b, scratch);
		return scratch;
	}
	return nx_blob_data(b);
}

/* Word-wise with four independent lanes, so the multiplies of one lane
 * overlap those of the others: a weight blob of several MB hashes in well
 * under a millisecond, where a byte-wise FNV took an instruction chain per
 * byte. Not cryptographic: callers compare bytes on a hash hit. */
static uint64_t hash_mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return h;
}

static uint64_t hash_word(uint64_t h, const unsigned char *p)
{
	uint64_t w;
	memcpy(&w, p, 8);
	h = (h ^ w) * 0x100000001b3ull;
	return h ^ (h >> 29);
}

static uint64_t hash_words(const unsigned char *p, size_t n)
{
	const uint64_t k = 0x9e3779b97f4a7c15ull;
	uint64_t h[4] = {k, k ^ 1, k ^ 2, k ^ 3};
	size_t i = 0;
	for (; i + 32 <= n; i += 32)
		for (int l = 0; l < 4; l++)
			h[l] = hash_word(h[l], p + i + 8 * l);
	for (; i + 8 <= n; i += 8)
		h[0] = hash_word(h[0], p + i);
	unsigned char last[8] = {0};
	memcpy(last, p + i, n - i);
	h[1] = hash_word(h[1], last);
	uint64_t r = n;
	for (int l = 0; l < 4; l++)
		r = hash_mix(r ^ h[l]);
	return r;
}

uint64_t nx_blob_hash(nx_blob *b)
{
	if (!b->hashed) {
		const void *d = nx_blob_data(b);
		b->hash = d ? hash_words(d, nx_blob_nbytes(b)) : 0;
		b->hashed = d != NULL;
	}
	return b->hash;
}
