/* onnx_tensor.c — ONNX TensorProto -> nex dtype, dims and bytes, for
 * initializers and Constant nodes (onnx_import.c) and tensor attributes
 * (ConstantOfShape's value, onnx_fold.c). Data comes from raw_data
 * (little-endian), from the typed repeated fields (float_data, int32_data
 * holding int8/uint8/int16/uint16/bool and the bits of float16/bfloat16,
 * int64_data, double_data, uint64_data) or from an external file next to
 * the model (location, offset, length). Every ONNX numeric type but the
 * complex ones has a nex dtype of its own; DOUBLE becomes f32 only when the
 * import asks for it (--f64-as-f32, counted for the importer's warning);
 * float16/bfloat16 stay as their uint16 bits.
 *
 * Declared sizes are checked against the data before anything is
 * allocated, so a model claiming huge dims fails with a message, not an
 * out-of-memory abort.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "onnx_int.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "raw_data is read as little-endian host memory"
#endif

int nx_onnx_dtype(int t)
{
	switch (t) {
	case ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT: return NX_F32;
	case ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT16: return NX_F16;
	case ONNX__TENSOR_PROTO__DATA_TYPE__BFLOAT16: return NX_BF16;
	case ONNX__TENSOR_PROTO__DATA_TYPE__INT8: return NX_I8;
	case ONNX__TENSOR_PROTO__DATA_TYPE__UINT8: return NX_U8;
	case ONNX__TENSOR_PROTO__DATA_TYPE__INT32: return NX_I32;
	case ONNX__TENSOR_PROTO__DATA_TYPE__INT64: return NX_I64;
	case ONNX__TENSOR_PROTO__DATA_TYPE__BOOL: return NX_BOOL;
	case ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE: return NX_F64;
	case ONNX__TENSOR_PROTO__DATA_TYPE__UINT16: return NX_U16;
	case ONNX__TENSOR_PROTO__DATA_TYPE__UINT32: return NX_U32;
	case ONNX__TENSOR_PROTO__DATA_TYPE__UINT64: return NX_U64;
	case ONNX__TENSOR_PROTO__DATA_TYPE__INT16: return NX_I16;
	default: return -1;
	}
}

int nx_onnx_dtype_in(nx_onnx_imp *im, int t)
{
	int d = nx_onnx_dtype(t);
	if (d == NX_F64 && im->opts && im->opts->f64_as_f32) {
		im->n_narrowed++;
		return NX_F32;
	}
	return d;
}

const char *nx_onnx_type_name(int t)
{
	static const char *names[] = {"UNDEFINED", "FLOAT", "UINT8", "INT8", "UINT16", "INT16",
				      "INT32", "INT64", "STRING", "BOOL", "FLOAT16", "DOUBLE",
				      "UINT32", "UINT64", "COMPLEX64", "COMPLEX128", "BFLOAT16"};
	return t >= 0 && t < (int)(sizeof names / sizeof names[0]) ? names[t] : "(unknown type)";
}

/* Bytes of one element as ONNX stores it (raw_data, external data). */
static size_t onnx_elem_size(int t)
{
	switch (t) {
	case ONNX__TENSOR_PROTO__DATA_TYPE__UINT8:
	case ONNX__TENSOR_PROTO__DATA_TYPE__INT8:
	case ONNX__TENSOR_PROTO__DATA_TYPE__BOOL: return 1;
	case ONNX__TENSOR_PROTO__DATA_TYPE__UINT16:
	case ONNX__TENSOR_PROTO__DATA_TYPE__INT16:
	case ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT16:
	case ONNX__TENSOR_PROTO__DATA_TYPE__BFLOAT16: return 2;
	case ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT:
	case ONNX__TENSOR_PROTO__DATA_TYPE__INT32:
	case ONNX__TENSOR_PROTO__DATA_TYPE__UINT32: return 4;
	case ONNX__TENSOR_PROTO__DATA_TYPE__INT64:
	case ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE:
	case ONNX__TENSOR_PROTO__DATA_TYPE__UINT64: return 8;
	default: return 0;
	}
}


static int64_t numel_of(const int64_t *dims, size_t n, bool *overflow)
{
	int64_t k = 1;
	*overflow = false;
	for (size_t i = 0; i < n; i++) {
		if (dims[i] < 0) {
			*overflow = true;
			return -1;
		}
		if (dims[i] && k > INT64_MAX / dims[i]) {
			*overflow = true;
			return -1;
		}
		k *= dims[i];
	}
	return k;
}

/* Reads the bytes of an external-data tensor; caller frees. */
static void *read_external(nx_onnx_imp *im, const Onnx__TensorProto *t, const char *what,
			   size_t want, nx_err *err)
{
	const char *loc = NULL;
	uint64_t off = 0, len = UINT64_MAX;
	for (size_t i = 0; i < t->n_external_data; i++) {
		const Onnx__StringStringEntryProto *e = t->external_data[i];
		const char *k = nx_onnx_s(e->key), *v = nx_onnx_s(e->value);
		char *end;
		if (!strcmp(k, "location")) {
			loc = v;
		} else if (!strcmp(k, "offset") || !strcmp(k, "length")) {
			errno = 0;
			unsigned long long x = strtoull(v, &end, 10);
			if (!*v || *end || errno || v[0] == '-') {
				nx_err_set(err, "%s: external data %s '%s' is not a number", what, k, v);
				return NULL;
			}
			*(!strcmp(k, "offset") ? &off : &len) = x;
		}
	}
	if (!loc || !*loc) {
		nx_err_set(err, "%s: external data has no location", what);
		return NULL;
	}
	if (len != UINT64_MAX && len != want) {
		nx_err_set(err, "%s: external data length %llu does not match its dims and type "
			   "(%zu bytes)", what, (unsigned long long)len, want);
		return NULL;
	}
	/* ONNX resolves location against the model's directory and forbids
	 * leaving it; nx_read_ref holds nex to the same, symlinks included. */
	return nx_read_ref(&im->root, loc, off, want, what, err);
}

/* Element k of a source that is either raw bytes of ONNX type t or one of
 * the typed repeated fields; integers are read exactly. */
typedef struct src {
	int t;
	const uint8_t *raw;
	const Onnx__TensorProto *tp;
} src;

static bool src_is_float(int t)
{
	return t == ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT || t == ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE ||
	       t == ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT16 ||
	       t == ONNX__TENSOR_PROTO__DATA_TYPE__BFLOAT16;
}

/* range: a UINT64 value above INT64_MAX read for a signed destination. */
static int64_t src_int(const src *s, size_t k, bool *range)
{
	if (s->raw) {
		const uint8_t *p = s->raw + k * onnx_elem_size(s->t);
		switch (s->t) {
		case ONNX__TENSOR_PROTO__DATA_TYPE__UINT8: return *p;
		case ONNX__TENSOR_PROTO__DATA_TYPE__BOOL: return *p != 0;
		case ONNX__TENSOR_PROTO__DATA_TYPE__INT8: return (int8_t)*p;
		case ONNX__TENSOR_PROTO__DATA_TYPE__UINT16: { uint16_t v; memcpy(&v, p, 2); return v; }
		case ONNX__TENSOR_PROTO__DATA_TYPE__INT16: { int16_t v; memcpy(&v, p, 2); return v; }
		case ONNX__TENSOR_PROTO__DATA_TYPE__INT32: { int32_t v; memcpy(&v, p, 4); return v; }
		case ONNX__TENSOR_PROTO__DATA_TYPE__UINT32: { uint32_t v; memcpy(&v, p, 4); return v; }
		case ONNX__TENSOR_PROTO__DATA_TYPE__INT64: { int64_t v; memcpy(&v, p, 8); return v; }
		case ONNX__TENSOR_PROTO__DATA_TYPE__UINT64: {
			uint64_t v;
			memcpy(&v, p, 8);
			if (v > INT64_MAX)
				*range = true;
			return (int64_t)(v & INT64_MAX);
		}
		}
		return 0;
	}
	switch (s->t) {
	case ONNX__TENSOR_PROTO__DATA_TYPE__INT64: return s->tp->int64_data[k];
	case ONNX__TENSOR_PROTO__DATA_TYPE__UINT32:
	case ONNX__TENSOR_PROTO__DATA_TYPE__UINT64:
		if (s->tp->uint64_data[k] > INT64_MAX)
			*range = true;
		return (int64_t)(s->tp->uint64_data[k] & INT64_MAX);
	case ONNX__TENSOR_PROTO__DATA_TYPE__BOOL: return s->tp->int32_data[k] != 0;
	case ONNX__TENSOR_PROTO__DATA_TYPE__UINT8: return (uint8_t)s->tp->int32_data[k];
	case ONNX__TENSOR_PROTO__DATA_TYPE__INT8: return (int8_t)s->tp->int32_data[k];
	case ONNX__TENSOR_PROTO__DATA_TYPE__UINT16: return (uint16_t)s->tp->int32_data[k];
	case ONNX__TENSOR_PROTO__DATA_TYPE__INT16: return (int16_t)s->tp->int32_data[k];
	default: return s->tp->int32_data[k];
	}
}

/* Float sources: f16/bf16 bits come back as the bits (see decode_into). */
static double src_float(const src *s, size_t k)
{
	if (s->raw) {
		const uint8_t *p = s->raw + k * onnx_elem_size(s->t);
		if (s->t == ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT) {
			float v;
			memcpy(&v, p, 4);
			return v;
		}
		double v;
		memcpy(&v, p, 8);
		return v;
	}
	if (s->t == ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT)
		return s->tp->float_data[k];
	return s->tp->double_data[k];
}

static uint16_t src_bits16(const src *s, size_t k)
{
	if (s->raw) {
		uint16_t v;
		memcpy(&v, s->raw + k * 2, 2);
		return v;
	}
	return (uint16_t)s->tp->int32_data[k];
}

/* Converts n elements into dst of nex dtype d. */
static int decode_into(const src *s, size_t n, int d, void *dst, bool *range)
{
	if (s->t == ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT16 ||
	    s->t == ONNX__TENSOR_PROTO__DATA_TYPE__BFLOAT16) {
		for (size_t k = 0; k < n; k++)
			((uint16_t *)dst)[k] = src_bits16(s, k);
		return 0;
	}
	if (src_is_float(s->t)) {
		if (s->raw && s->t == ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT) {
			memcpy(dst, s->raw, n * 4);
			return 0;
		}
		if (d == NX_F64) {
			for (size_t k = 0; k < n; k++)
				((double *)dst)[k] = src_float(s, k);
			return 0;
		}
		for (size_t k = 0; k < n; k++)
			((float *)dst)[k] = (float)src_float(s, k);
		return 0;
	}
	if (d == NX_U64 && !s->raw) {
		/* uint64_data holds the whole unsigned range */
		for (size_t k = 0; k < n; k++)
			((uint64_t *)dst)[k] = s->tp->uint64_data[k];
		return 0;
	}
	if (s->raw && (int)nx_dtype_size(d) == (int)onnx_elem_size(s->t) &&
	    s->t != ONNX__TENSOR_PROTO__DATA_TYPE__BOOL) {
		memcpy(dst, s->raw, n * nx_dtype_size(d));
		return 0;
	}
	for (size_t k = 0; k < n; k++) {
		int64_t v = src_int(s, k, range);
		switch (d) {
		case NX_I8: ((int8_t *)dst)[k] = (int8_t)v; break;
		case NX_U8: ((uint8_t *)dst)[k] = (uint8_t)v; break;
		case NX_BOOL: ((uint8_t *)dst)[k] = v != 0; break;
		case NX_I32: ((int32_t *)dst)[k] = (int32_t)v; break;
		case NX_I16: ((int16_t *)dst)[k] = (int16_t)v; break;
		case NX_U16: ((uint16_t *)dst)[k] = (uint16_t)v; break;
		case NX_U32: ((uint32_t *)dst)[k] = (uint32_t)v; break;
		default: ((int64_t *)dst)[k] = v; break;
		}
	}
	return 0;
}

int nx_onnx_tensor(nx_onnx_imp *im, const Onnx__TensorProto *t, const char *what, nx_type *ty,
		   void **data, nx_err *err)
{
	*data = NULL;
	int ot = t->has_data_type ? t->data_type : 0;
	int d = nx_onnx_dtype_in(im, ot);
	if (d < 0) {
		nx_err_set(err, "%s: data type %s has no nex dtype", what, nx_onnx_type_name(ot));
		return -1;
	}
	if (t->n_dims > NX_MAX_RANK) {
		nx_err_set(err, "%s: rank %zu exceeds nex's maximum of %d", what, t->n_dims,
			   NX_MAX_RANK);
		return -1;
	}
	if (t->segment) {
		nx_err_set(err, "%s: segmented tensors are not supported", what);
		return -1;
	}
	bool ovf;
	int64_t n = numel_of(t->dims, t->n_dims, &ovf);
	if (ovf) {
		for (size_t i = 0; i < t->n_dims; i++)
			if (t->dims[i] < 0) {
				nx_err_set(err, "%s: dim %zu is negative (%lld)", what, i,
					   (long long)t->dims[i]);
				return -1;
			}
		nx_err_set(err, "%s: its dims overflow int64", what);
		return -1;
	}
	memset(ty, 0, sizeof *ty);
	ty->dtype = (uint8_t)d;
	ty->rank = (uint8_t)t->n_dims;
	if (t->n_dims)
		memcpy(ty->dims, t->dims, t->n_dims * sizeof t->dims[0]);
	size_t esz = onnx_elem_size(ot);
	if ((uint64_t)n > SIZE_MAX / 8) {
		nx_err_set(err, "%s: %lld elements is more than this machine can hold", what,
			   (long long)n);
		return -1;
	}
	size_t want = (size_t)n * esz;
	src s = {ot, NULL, t};
	void *ext = NULL;
	if (t->has_data_location && t->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL) {
		if (n == 0)
			return 0;
		ext = read_external(im, t, what, want, err);
		if (!ext)
			return -1;
		s.raw = ext;
	} else if (t->has_raw_data) {
		if (t->raw_data.len != want) {
			nx_err_set(err, "%s: raw_data holds %zu bytes, its dims and type need %zu",
				   what, t->raw_data.len, want);
			return -1;
		}
		s.raw = t->raw_data.data;
	} else {
		size_t have;
		switch (ot) {
		case ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT: have = t->n_float_data; break;
		case ONNX__TENSOR_PROTO__DATA_TYPE__INT64: have = t->n_int64_data; break;
		case ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE: have = t->n_double_data; break;
		case ONNX__TENSOR_PROTO__DATA_TYPE__UINT32:
		case ONNX__TENSOR_PROTO__DATA_TYPE__UINT64: have = t->n_uint64_data; break;
		default: have = t->n_int32_data; break;
		}
		if (have != (size_t)n) {
			nx_err_set(err, "%s: holds %zu values, its dims need %lld", what, have,
				   (long long)n);
			return -1;
		}
	}
	if (n == 0) {
		free(ext);
		return 0;
	}
	*data = nx_xmalloc((size_t)n * nx_dtype_size(d));
	bool range = false;
	decode_into(&s, (size_t)n, d, *data, &range);
	free(ext);
	if (range) {
		free(*data);
		*data = NULL;
		nx_err_set(err, "%s: a UINT64 value exceeds int64, nex's widest integer", what);
		return -1;
	}
	return 0;
}

