/* type.c — element types, layouts and tensor types: sizes, names, element
 * counts with overflow checks, and the text spelling "f32[1,3,224,224]". */
#include <string.h>

#include "nx.h"

static const struct {
	const char *name;
	size_t size;
	bool is_float;
} dtypes[NX_DTYPE_COUNT] = {
	[NX_F32] = {"f32", 4, true},  [NX_F16] = {"f16", 2, true},
	[NX_BF16] = {"bf16", 2, true}, [NX_I8] = {"i8", 1, false},
	[NX_U8] = {"u8", 1, false},   [NX_I32] = {"i32", 4, false},
	[NX_I64] = {"i64", 8, false}, [NX_BOOL] = {"bool", 1, false},
	[NX_F64] = {"f64", 8, true},  [NX_U16] = {"u16", 2, false},
	[NX_U32] = {"u32", 4, false}, [NX_U64] = {"u64", 8, false},
	[NX_I16] = {"i16", 2, false},
};

static const char *layouts[NX_LAYOUT_COUNT] = {"plain", "nhwc", "ne"};

size_t nx_dtype_size(int dtype)
{
	return dtype >= 0 && dtype < NX_DTYPE_COUNT ? dtypes[dtype].size : 0;
}

const char *nx_dtype_name(int dtype)
{
	return dtype >= 0 && dtype < NX_DTYPE_COUNT ? dtypes[dtype].name : "?";
}

bool nx_dtype_is_float(int dtype)
{
	return dtype >= 0 && dtype < NX_DTYPE_COUNT && dtypes[dtype].is_float;
}

bool nx_dtype_is_int(int dtype)
{
	return dtype >= 0 && dtype < NX_DTYPE_COUNT && dtype != NX_BOOL && !dtypes[dtype].is_float;
}

bool nx_dtype_is_unsigned(int dtype)
{
	return dtype == NX_U8 || dtype == NX_U16 || dtype == NX_U32 || dtype == NX_U64;
}

int nx_dtype_parse(const char *s, size_t len)
{
	for (int i = 0; i < NX_DTYPE_COUNT; i++)
		if (strlen(dtypes[i].name) == len && !memcmp(dtypes[i].name, s, len))
			return i;
	return -1;
}

const char *nx_layout_name(int layout)
{
	return layout >= 0 && layout < NX_LAYOUT_COUNT ? layouts[layout] : "?";
}

int nx_layout_parse(const char *s, size_t len)
{
	for (int i = 0; i < NX_LAYOUT_COUNT; i++)
		if (strlen(layouts[i]) == len && !memcmp(layouts[i], s, len))
			return i;
	return -1;
}

int64_t nx_type_numel(const nx_type *t)
{
	int64_t n = 1;
	for (int i = 0; i < t->rank; i++) {
		if (t->dims[i] <= 0 || n > INT64_MAX / t->dims[i])
			return -1;
		n *= t->dims[i];
	}
	return n;
}

int64_t nx_type_bytes(const nx_type *t)
{
	int64_t n = nx_type_numel(t);
	int64_t s = (int64_t)nx_dtype_size(t->dtype);
	if (n < 0 || s == 0 || n > INT64_MAX / s)
		return -1;
	return n * s;
}

bool nx_type_eq(const nx_type *a, const nx_type *b)
{
	if (a->dtype != b->dtype || a->rank != b->rank || a->layout != b->layout)
		return false;
	for (int i = 0; i < a->rank; i++)
		if (a->dims[i] != b->dims[i])
			return false;
	return true;
}

nx_type nx_type_make(int dtype, int rank, const int64_t *dims)
{
	nx_type t;
	memset(&t, 0, sizeof t);
	t.dtype = (uint8_t)dtype;
	t.rank = (uint8_t)rank;
	for (int i = 0; i < rank && i < NX_MAX_RANK; i++)
		t.dims[i] = dims[i];
	return t;
}

int nx_type_str(const nx_type *t, char *buf, size_t n)
{
	if (t->dtype == NX_DTYPE_UNKNOWN)
		return snprintf(buf, n, "?");
	size_t k = (size_t)snprintf(buf, n, "%s[", nx_dtype_name(t->dtype));
	for (int i = 0; i < t->rank; i++)
		k += (size_t)snprintf(buf + (k < n ? k : n), k < n ? n - k : 0, "%s%lld",
				      i ? "," : "", (long long)t->dims[i]);
	k += (size_t)snprintf(buf + (k < n ? k : n), k < n ? n - k : 0, "]");
	if (t->layout != NX_LAYOUT_PLAIN)
		k += (size_t)snprintf(buf + (k < n ? k : n), k < n ? n - k : 0, "#%s",
				      nx_layout_name(t->layout));
	return (int)k;
}
