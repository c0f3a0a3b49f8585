/* tensor.c — dense tensors for the reference interpreter: allocation, copies,
 * element access as double whatever the dtype, and dtype conversion with
 * ONNX Cast's rules. Data is always plain row-major in logical (ONNX) order:
 * the layout tag of a type describes how a device would store it, not how
 * the interpreter does. f16 and bf16 are uint16 bit patterns, bool one byte.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nx.h"

nx_tensor nx_tensor_alloc(const nx_type *t)
{
	nx_tensor r;
	r.type = *t;
	r.type.layout = NX_LAYOUT_PLAIN;
	int64_t n = nx_type_bytes(&r.type);
	r.data = nx_xcalloc((size_t)(n > 0 ? n : 1), 1); /* caller frees (nx_tensor_free) */
	return r;
}

nx_tensor nx_tensor_random(const nx_type *t, uint64_t *state, double lo, double hi)
{
	nx_tensor x = nx_tensor_alloc(t);
	int64_t n = nx_tensor_numel(&x);
	bool fl = nx_dtype_is_float(t->dtype);
	double ilo = floor(lo) < 0 ? 0 : floor(lo), ihi = floor(hi);
	for (int64_t i = 0; i < n; i++) {
		double u = nx_rand_unit(state);
		if (fl)
			nx_tensor_set(&x, i, lo + (hi - lo) * u);
		else
			nx_tensor_set(&x, i, ihi > ilo ? floor(ilo + (ihi - ilo) * u) : ilo);
	}
	return x;
}

nx_tensor nx_tensor_empty(const nx_type *t)
{
	nx_tensor r;
	r.type = *t;
	r.type.layout = NX_LAYOUT_PLAIN;
	int64_t n = nx_type_bytes(&r.type);
	r.data = nx_xmalloc((size_t)(n > 0 ? n : 1)); /* caller frees (nx_tensor_free) */
	return r;
}

void nx_tensor_free(nx_tensor *t)
{
	if (!t)
		return;
	free(t->data);
	t->data = NULL;
}

int64_t nx_tensor_numel(const nx_tensor *t)
{
	return nx_type_numel(&t->type);
}

size_t nx_tensor_nbytes(const nx_tensor *t)
{
	int64_t n = nx_type_bytes(&t->type);
	return n > 0 ? (size_t)n : 0;
}

nx_tensor nx_tensor_copy(const nx_tensor *t)
{
	nx_tensor r = nx_tensor_empty(&t->type);
	memcpy(r.data, t->data, nx_tensor_nbytes(t));
	return r;
}

double nx_tensor_get(const nx_tensor *t, int64_t i)
{
	const void *d = t->data;
	switch (t->type.dtype) {
	case NX_F32: return ((const float *)d)[i];
	case NX_F16: return nx_f16_to_f32(((const uint16_t *)d)[i]);
	case NX_BF16: return nx_bf16_to_f32(((const uint16_t *)d)[i]);
	case NX_I8: return ((const int8_t *)d)[i];
	case NX_U8: return ((const uint8_t *)d)[i];
	case NX_I32: return ((const int32_t *)d)[i];
	case NX_I64: return (double)((const int64_t *)d)[i];
	case NX_BOOL: return ((const uint8_t *)d)[i] != 0;
	case NX_F64: return ((const double *)d)[i];
	case NX_U16: return ((const uint16_t *)d)[i];
	case NX_U32: return ((const uint32_t *)d)[i];
	case NX_U64: return (double)((const uint64_t *)d)[i];
	case NX_I16: return ((const int16_t *)d)[i];
	default: return NAN;
	}
}

/* Float to integer as Cast does: truncate toward zero, then wrap to the
 * width (what numpy's astype gives for values inside int64). NaN gives 0,
 * and values beyond int64 saturate first so the conversion is defined. */
static int64_t to_int(double v)
{
	if (isnan(v))
		return 0;
	if (v >= 9.2233720368547758e18)
		return INT64_MAX;
	if (v <= -9.2233720368547758e18)
		return INT64_MIN;
	return (int64_t)v;
}

/* to_int for u64: values in [2^63, 2^64) are u64 values, not overflow. */
static uint64_t to_u64(double v)
{
	if (v >= 9.2233720368547758e18 && v < 1.8446744073709552e19)
		return (uint64_t)v;
	if (v >= 1.8446744073709552e19)
		return UINT64_MAX;
	return (uint64_t)to_int(v);
}

void nx_tensor_set(nx_tensor *t, int64_t i, double v)
{
	void *d = t->data;
	switch (t->type.dtype) {
	case NX_F32: ((float *)d)[i] = (float)v; break;
	case NX_F16: ((uint16_t *)d)[i] = nx_f32_to_f16((float)v); break;
	case NX_BF16: ((uint16_t *)d)[i] = nx_f32_to_bf16((float)v); break;
	case NX_I8: ((int8_t *)d)[i] = (int8_t)(uint8_t)(uint64_t)to_int(v); break;
	case NX_U8: ((uint8_t *)d)[i] = (uint8_t)(uint64_t)to_int(v); break;
	case NX_I32: ((int32_t *)d)[i] = (int32_t)(uint32_t)(uint64_t)to_int(v); break;
	case NX_I64: ((int64_t *)d)[i] = to_int(v); break;
	case NX_BOOL: ((uint8_t *)d)[i] = v != 0; break;
	case NX_F64: ((double *)d)[i] = v; break;
	case NX_U16: ((uint16_t *)d)[i] = (uint16_t)(uint64_t)to_int(v); break;
	case NX_U32: ((uint32_t *)d)[i] = (uint32_t)(uint64_t)to_int(v); break;
	case NX_U64: ((uint64_t *)d)[i] = to_u64(v); break;
	case NX_I16: ((int16_t *)d)[i] = (int16_t)(uint16_t)(uint64_t)to_int(v); break;
	default: break;
	}
}

/* Integer element i of an integer or bool tensor, exactly (int64 values
 * beyond 2^53 do not survive a trip through double). */
int64_t nx_tensor_get_int(const nx_tensor *t, int64_t i)
{
	const void *d = t->data;
	switch (t->type.dtype) {
	case NX_I8: return ((const int8_t *)d)[i];
	case NX_U8: return ((const uint8_t *)d)[i];
	case NX_I32: return ((const int32_t *)d)[i];
	case NX_I64: return ((const int64_t *)d)[i];
	case NX_BOOL: return ((const uint8_t *)d)[i] != 0;
	case NX_U16: return ((const uint16_t *)d)[i];
	case NX_U32: return ((const uint32_t *)d)[i];
	case NX_U64: return (int64_t)((const uint64_t *)d)[i];
	case NX_I16: return ((const int16_t *)d)[i];
	default: return 0;
	}
}

void nx_tensor_set_int(nx_tensor *t, int64_t i, int64_t v)
{
	void *d = t->data;
	switch (t->type.dtype) {
	case NX_I8: ((int8_t *)d)[i] = (int8_t)(uint8_t)(uint64_t)v; break;
	case NX_U8: ((uint8_t *)d)[i] = (uint8_t)(uint64_t)v; break;
	case NX_I32: ((int32_t *)d)[i] = (int32_t)(uint32_t)(uint64_t)v; break;
	case NX_I64: ((int64_t *)d)[i] = v; break;
	case NX_BOOL: ((uint8_t *)d)[i] = v != 0; break;
	case NX_U16: ((uint16_t *)d)[i] = (uint16_t)(uint64_t)v; break;
	case NX_U32: ((uint32_t *)d)[i] = (uint32_t)(uint64_t)v; break;
	case NX_U64: ((uint64_t *)d)[i] = (uint64_t)v; break;
	case NX_I16: ((int16_t *)d)[i] = (int16_t)(uint16_t)(uint64_t)v; break;
	default: break;
	}
}

nx_tensor nx_tensor_convert(const nx_tensor *t, int to)
{
	nx_type ty = t->type;
	ty.dtype = (uint8_t)to;
	nx_tensor r = nx_tensor_empty(&ty);
	int64_t n = nx_tensor_numel(t);
	int from = t->type.dtype;
	if (from == to) {
		memcpy(r.data, t->data, nx_tensor_nbytes(t));
	} else if (!nx_dtype_is_float(from) && !nx_dtype_is_float(to)) {
		for (int64_t i = 0; i < n; i++)
			nx_tensor_set_int(&r, i, nx_tensor_get_int(t, i));
	} else if (from == NX_F32 && to == NX_F16) {
		const float *s = t->data;
		uint16_t *d = r.data;
		for (int64_t i = 0; i < n; i++)
			d[i] = nx_f32_to_f16(s[i]);
	} else if (from == NX_F16 && to == NX_F32) {
		const uint16_t *s = t->data;
		float *d = r.data;
		for (int64_t i = 0; i < n; i++)
			d[i] = nx_f16_to_f32(s[i]);
	} else {
		/* Through double: exact for every value of every nex dtype but
		 * int64 beyond 2^53, where float targets round anyway. */
		for (int64_t i = 0; i < n; i++)
			nx_tensor_set(&r, i, nx_tensor_get(t, i));
	}
	return r;
}

int nx_tensor_compare(const nx_tensor *a, const nx_tensor *b, double rtol, double atol,
		      nx_tensor_diff *d, nx_err *err)
{
	memset(d, 0, sizeof *d);
	bool same = a->type.rank == b->type.rank;
	for (int i = 0; same && i < a->type.rank; i++)
		same = a->type.dims[i] == b->type.dims[i];
	if (!same) {
		char sa[128], sb[128];
		nx_type_str(&a->type, sa, sizeof sa);
		nx_type_str(&b->type, sb, sizeof sb);
		nx_err_set(err, "shapes differ: %s and %s", sa, sb);
		return -1;
	}
	int64_t n = nx_tensor_numel(a);
	bool fa = a->type.dtype == NX_F32, fb = b->type.dtype == NX_F32;
	for (int64_t i = 0; i < n; i++) {
		double x = fa ? ((const float *)a->data)[i] : nx_tensor_get(a, i);
		double y = fb ? ((const float *)b->data)[i] : nx_tensor_get(b, i);
		if (isnan(x) || isnan(y)) {
			if (isnan(x) != isnan(y)) {
				if (!d->n_nan && !d->n_bad)
					d->worst = i;
				d->n_nan++;
				d->n_bad++;
			}
			continue;
		}
		if (x == y) /* equal infinities too */
			continue;
		double e = fabs(x - y), r = y != 0 ? e / fabs(y) : INFINITY;
		if (e > d->max_abs) {
			d->max_abs = e;
			if (!d->n_nan)
				d->worst = i;
		}
		if (r > d->max_rel)
			d->max_rel = r;
		if (!(e <= atol + rtol * fabs(y)))
			d->n_bad++;
	}
	return 0;
}
