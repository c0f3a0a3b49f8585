/* tensor_io.c — tensors in files, for `nex run`, `nex compare` and the ONNX
 * conformance runner: ONNX TensorProto files (.pb, the layout of the ONNX
 * backend test data: input_0.pb, output_0.pb) decoded and encoded with the
 * protobuf-c code generated from onnx.proto, and numpy .npy files (format
 * versions 1-3, C order, little-endian).
 *
 * Unlike the importer (onnx_tensor.c), which widens integer types nex lacks
 * so a model still loads, test data is read strictly: a tensor of a dtype
 * nex has no name for is an error naming it, because comparing an int16
 * reference with an i32 result would hide a wrong result type.
 */
#include <stdlib.h>
#include <string.h>

#include "nx.h"
#include "onnx.pb-c.h"

extern ProtobufCAllocator nx_pb_allocator; /* alloc_fault.c */

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "tensor data is read and written as little-endian host memory"
#endif

static const char *onnx_type_name(int t)
{
	static const char *names[] = {"UNDEFINED", "FLOAT", "UINT8", "INT8", "UINT16", "INT16",
				      "INT32", "INT64", "STRING", "BOOL", "FLOAT16", "DOUBLE",
				      "UINT32", "UINT64", "COMPLEX64", "COMPLEX128", "BFLOAT16"};
	return t >= 0 && t < (int)(sizeof names / sizeof names[0]) ? names[t] : "(unknown)";
}

static int from_onnx(int t)
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

static int to_onnx(int d)
{
	switch (d) {
	case NX_F32: return ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT;
	case NX_F16: return ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT16;
	case NX_BF16: return ONNX__TENSOR_PROTO__DATA_TYPE__BFLOAT16;
	case NX_I8: return ONNX__TENSOR_PROTO__DATA_TYPE__INT8;
	case NX_U8: return ONNX__TENSOR_PROTO__DATA_TYPE__UINT8;
	case NX_I32: return ONNX__TENSOR_PROTO__DATA_TYPE__INT32;
	case NX_I64: return ONNX__TENSOR_PROTO__DATA_TYPE__INT64;
	case NX_F64: return ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE;
	case NX_U16: return ONNX__TENSOR_PROTO__DATA_TYPE__UINT16;
	case NX_U32: return ONNX__TENSOR_PROTO__DATA_TYPE__UINT32;
	case NX_U64: return ONNX__TENSOR_PROTO__DATA_TYPE__UINT64;
	case NX_I16: return ONNX__TENSOR_PROTO__DATA_TYPE__INT16;
	default: return ONNX__TENSOR_PROTO__DATA_TYPE__BOOL;
	}
}

/* Type from dims; rank and dim checks shared by both formats. */
static int make_type(nx_type *ty, int dtype, const int64_t *dims, size_t rank, nx_err *err)
{
	if (rank > NX_MAX_RANK) {
		nx_err_set(err, "rank %zu exceeds nex's maximum of %d", rank, NX_MAX_RANK);
		return -1;
	}
	memset(ty, 0, sizeof *ty);
	ty->dtype = (uint8_t)dtype;
	ty->rank = (uint8_t)rank;
	for (size_t i = 0; i < rank; i++) {
		if (dims[i] <= 0) {
			nx_err_set(err, "dim %zu is %lld (nex tensors have no empty dims)", i,
				   (long long)dims[i]);
			return -1;
		}
		ty->dims[i] = dims[i];
	}
	if (nx_type_bytes(ty) < 0) {
		nx_err_set(err, "the element count overflows");
		return -1;
	}
	return 0;
}

static int from_pb(const void *buf, size_t len, int u16_as, nx_tensor *t, char **name,
		   nx_err *err)
{
	memset(t, 0, sizeof *t);
	if (name)
		*name = NULL;
	Onnx__TensorProto *p = onnx__tensor_proto__unpack(&nx_pb_allocator, len, buf);
	if (!p) {
		nx_err_set(err, "not a serialized ONNX TensorProto");
		return -1;
	}
	int ot = p->has_data_type ? p->data_type : 0;
	int d = from_onnx(ot);
	if (ot == ONNX__TENSOR_PROTO__DATA_TYPE__UINT16 && u16_as >= 0)
		d = u16_as; /* bits, stored in int32_data or raw_data like f16 */
	int rc = -1;
	if (d < 0) {
		nx_err_set(err, "data type %s has no nex dtype", onnx_type_name(ot));
		goto out;
	}
	if (p->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL || p->segment) {
		nx_err_set(err, "external or segmented tensor data is not supported here");
		goto out;
	}
	nx_type ty;
	if (make_type(&ty, d, p->dims, p->n_dims, err))
		goto out;
	int64_t n = nx_type_numel(&ty);
	size_t bytes = (size_t)nx_type_bytes(&ty);
	/* Count what the message holds before allocating what it claims. */
	size_t have = p->has_raw_data ? p->raw_data.len / nx_dtype_size(d)
		    : d == NX_F32 ? p->n_float_data
		    : d == NX_I64 ? p->n_int64_data
		    : d == NX_F64 ? p->n_double_data
		    : d == NX_U32 || d == NX_U64 ? p->n_uint64_data : p->n_int32_data;
	if ((p->has_raw_data && p->raw_data.len != bytes) || have != (size_t)n) {
		nx_err_set(err, "holds %zu elements, its dims say %lld", have, (long long)n);
		goto out;
	}
	*t = nx_tensor_empty(&ty);
	if (p->has_raw_data) {
		memcpy(t->data, p->raw_data.data, bytes);
	} else if (d == NX_F32) {
		memcpy(t->data, p->float_data, bytes);
	} else if (d == NX_I64) {
		memcpy(t->data, p->int64_data, bytes);
	} else if (d == NX_F64) {
		memcpy(t->data, p->double_data, bytes);
	} else if (d == NX_U64) {
		memcpy(t->data, p->uint64_data, bytes);
	} else if (d == NX_U32) {
		for (size_t i = 0; i < have; i++)
			((uint32_t *)t->data)[i] = (uint32_t)p->uint64_data[i];
	} else {
		/* int32_data holds i32, and the narrower types one per entry
		 * (f16/bf16 as their bits). */
		for (size_t i = 0; i < have; i++) {
			int32_t v = p->int32_data[i];
			switch (d) {
			case NX_I32: ((int32_t *)t->data)[i] = v; break;
			case NX_F16:
			case NX_BF16: ((uint16_t *)t->data)[i] = (uint16_t)v; break;
			case NX_BOOL: ((uint8_t *)t->data)[i] = v != 0; break;
			case NX_I16: ((int16_t *)t->data)[i] = (int16_t)v; break;
			case NX_U16: ((uint16_t *)t->data)[i] = (uint16_t)v; break;
			default: ((uint8_t *)t->data)[i] = (uint8_t)v; break;
			}
		}
	}
	if (name && p->name && p->name[0])
		*name = nx_xstrdup(p->name); /* caller frees */
	rc = 0;
out:
	onnx__tensor_proto__free_unpacked(p, NULL);
	return rc;
}

int nx_tensor_from_pb(const void *buf, size_t len, nx_tensor *t, char **name, nx_err *err)
{
	return from_pb(buf, len, -1, t, name, err);
}

/* ---- .npy ---- */

static const struct {
	const char *descr;
	int dtype;
} npy_types[] = {
	{"<f4", NX_F32}, {"<f2", NX_F16}, {"|i1", NX_I8}, {"|u1", NX_U8},
	{"<i4", NX_I32}, {"<i8", NX_I64}, {"|b1", NX_BOOL}, {"<f8", NX_F64},
	{"<i2", NX_I16}, {"<u2", NX_U16}, {"<u4", NX_U32}, {"<u8", NX_U64},
};

/* The value text after 'key': in the header dict, or NULL. */
static const char *npy_field(const char *h, const char *key)
{
	const char *p = strstr(h, key);
	if (!p)
		return NULL;
	p = strchr(p + strlen(key), ':');
	if (!p)
		return NULL;
	p++;
	while (*p == ' ')
		p++;
	return p;
}

static int npy_read(const char *buf, size_t len, nx_tensor *t, nx_err *err)
{
	if (len < 10 || memcmp(buf, "\x93NUMPY", 6)) {
		nx_err_set(err, "not a .npy file (no \\x93NUMPY magic)");
		return -1;
	}
	unsigned major = (unsigned char)buf[6];
	size_t hlen, hstart;
	if (major == 1) {
		hlen = (unsigned char)buf[8] | (size_t)(unsigned char)buf[9] << 8;
		hstart = 10;
	} else if ((major == 2 || major == 3) && len >= 12) {
		hlen = (unsigned char)buf[8] | (size_t)(unsigned char)buf[9] << 8 |
		       (size_t)(unsigned char)buf[10] << 16 | (size_t)(unsigned char)buf[11] << 24;
		hstart = 12;
	} else {
		nx_err_set(err, ".npy format version %u is not supported", major);
		return -1;
	}
	if (hstart + hlen > len) {
		nx_err_set(err, ".npy header is cut short");
		return -1;
	}
	char *h = nx_xmalloc(hlen + 1); /* freed below */
	memcpy(h, buf + hstart, hlen);
	h[hlen] = 0;
	int rc = -1;
	const char *descr = npy_field(h, "'descr'");
	const char *fo = npy_field(h, "'fortran_order'");
	const char *sh = npy_field(h, "'shape'");
	if (!descr || !fo || !sh || *descr != '\'' || *sh != '(') {
		nx_err_set(err, ".npy header is malformed: %s", h);
		goto out;
	}
	if (!strncmp(fo, "True", 4)) {
		nx_err_set(err, ".npy in Fortran order is not supported");
		goto out;
	}
	int dtype = -1;
	for (size_t i = 0; i < sizeof npy_types / sizeof npy_types[0]; i++) {
		size_t n = strlen(npy_types[i].descr);
		if (!strncmp(descr + 1, npy_types[i].descr, n) && descr[1 + n] == '\'')
			dtype = npy_types[i].dtype;
	}
	if (dtype < 0) {
		const char *end = strchr(descr + 1, '\'');
		nx_err_set(err, ".npy dtype %.*s has no nex dtype", end ? (int)(end - descr - 1) : 8,
			   descr + 1);
		goto out;
	}
	int64_t dims[NX_MAX_RANK + 1];
	size_t rank = 0;
	const char *p = sh + 1;
	for (;;) {
		while (*p == ' ' || *p == ',')
			p++;
		if (*p == ')')
			break;
		char *end;
		long long v = strtoll(p, &end, 10);
		if (end == p || rank > NX_MAX_RANK) {
			nx_err_set(err, ".npy shape is malformed or has rank above %d", NX_MAX_RANK);
			goto out;
		}
		dims[rank++] = v;
		p = end;
	}
	nx_type ty;
	if (make_type(&ty, dtype, dims, rank, err))
		goto out;
	size_t bytes = (size_t)nx_type_bytes(&ty);
	size_t off = hstart + hlen;
	if (len - off != bytes) {
		nx_err_set(err, ".npy holds %zu data bytes, its shape needs %zu", len - off, bytes);
		goto out;
	}
	*t = nx_tensor_empty(&ty);
	memcpy(t->data, buf + off, bytes);
	rc = 0;
out:
	free(h);
	return rc;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && !strcmp(s + n - m, suffix);
}

int nx_tensor_read(const char *path, nx_tensor *t, char **name, nx_err *err)
{
	return nx_tensor_read_ex(path, -1, t, name, err);
}

int nx_tensor_read_ex(const char *path, int u16_as, nx_tensor *t, char **name, nx_err *err)
{
	memset(t, 0, sizeof *t);
	if (name)
		*name = NULL;
	size_t len;
	char *buf = nx_read_file(path, &len, err);
	if (!buf)
		return -1;
	int rc = ends_with(path, ".npy") ? npy_read(buf, len, t, err)
					 : from_pb(buf, len, u16_as, t, name, err);
	free(buf);
	if (rc)
		nx_err_prefix(err, "%s: ", path);
	return rc;
}

static char *npy_encode(const nx_tensor *t, size_t *len, nx_err *err)
{
	const char *descr = NULL;
	for (size_t i = 0; i < sizeof npy_types / sizeof npy_types[0]; i++)
		if (npy_types[i].dtype == t->type.dtype)
			descr = npy_types[i].descr;
	if (!descr) {
		nx_err_set(err, "%s has no .npy dtype (write .pb instead)",
			   nx_dtype_name(t->type.dtype));
		return NULL;
	}
	char h[512];
	int n = snprintf(h, sizeof h, "{'descr': '%s', 'fortran_order': False, 'shape': (", descr);
	for (int i = 0; i < t->type.rank; i++)
		n += snprintf(h + n, sizeof h - (size_t)n, "%lld%s", (long long)t->type.dims[i],
			      t->type.rank == 1 ? "," : i + 1 < t->type.rank ? ", " : "");
	n += snprintf(h + n, sizeof h - (size_t)n, "), }");
	/* Pad with spaces so the data starts on a 64-byte boundary. */
	while ((10 + n + 1) % 64)
		h[n++] = ' ';
	h[n++] = '\n';
	size_t bytes = nx_tensor_nbytes(t);
	*len = 10 + (size_t)n + bytes;
	char *out = nx_xmalloc(*len); /* caller frees */
	memcpy(out, "\x93NUMPY\x01\x00", 8);
	out[8] = (char)(n & 0xff);
	out[9] = (char)(n >> 8);
	memcpy(out + 10, h, (size_t)n);
	memcpy(out + 10 + n, t->data, bytes);
	return out;
}

static char *pb_encode(const nx_tensor *t, const char *name, size_t *len)
{
	Onnx__TensorProto p = ONNX__TENSOR_PROTO__INIT;
	int64_t dims[NX_MAX_RANK];
	for (int i = 0; i < t->type.rank; i++)
		dims[i] = t->type.dims[i];
	p.n_dims = t->type.rank;
	p.dims = dims;
	p.has_data_type = 1;
	p.data_type = to_onnx(t->type.dtype);
	p.has_raw_data = 1;
	p.raw_data.len = nx_tensor_nbytes(t);
	p.raw_data.data = t->data;
	p.name = (char *)(name ? name : "");
	*len = onnx__tensor_proto__get_packed_size(&p);
	char *out = nx_xmalloc(*len ? *len : 1); /* caller frees */
	onnx__tensor_proto__pack(&p, (uint8_t *)out);
	return out;
}

int nx_tensor_write(const char *path, const nx_tensor *t, const char *name, nx_err *err)
{
	size_t len;
	char *buf = ends_with(path, ".npy") ? npy_encode(t, &len, err) : pb_encode(t, name, &len);
	if (!buf) {
		nx_err_prefix(err, "%s: ", path);
		return -1;
	}
	int rc = nx_write_file_atomic(path, buf, len, err);
	free(buf);
	return rc;
}
