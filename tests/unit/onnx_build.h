/* onnx_build.h — a tiny ONNX model builder for tests: protobuf-c structs
 * filled by hand and packed, so a test states the exact model it feeds the
 * importer (opset, attribute vs input forms, broken fields) without any
 * fixture file. Everything lives in one arena freed by ob_free.
 *
 *   ob *b = ob_new(11);
 *   ob_input(b, "x", OB_F32, "1,3,N,8");      // "N": a dim_param
 *   ob_init_f32(b, "w", "4,3,1,1", data);
 *   Onnx__NodeProto *n = ob_node(b, "Conv", "x,w", "y");
 *   ob_ints(b, n, "strides", 2, (int64_t[]){1, 1});
 *   ob_output(b, "y", OB_F32, NULL);           // NULL: no shape
 *   void *buf = ob_pack(b, &len);
 */
#ifndef ONNX_BUILD_H
#define ONNX_BUILD_H
#include <stdlib.h>
#include <string.h>

#include "onnx.pb-c.h"

enum { OB_F32 = 1, OB_U8 = 2, OB_I8 = 3, OB_I16 = 5, OB_I32 = 6, OB_I64 = 7, OB_BOOL = 9,
       OB_F16 = 10, OB_F64 = 11, OB_U64 = 13, OB_BF16 = 16 };

typedef struct ob {
	void **mem;
	size_t n_mem;
	Onnx__ModelProto m;
	Onnx__GraphProto g;
	Onnx__OperatorSetIdProto os;
	Onnx__OperatorSetIdProto *osp[1];
} ob;

static inline void *ob_alloc(ob *b, size_t n)
{
	b->mem = realloc(b->mem, (b->n_mem + 1) * sizeof *b->mem);
	b->mem[b->n_mem] = calloc(1, n ? n : 1);
	return b->mem[b->n_mem++];
}

static inline char *ob_str(ob *b, const char *s)
{
	return strcpy(ob_alloc(b, strlen(s) + 1), s);
}

/* Appends p to a (count, array) pair of pointers. */
#define OB_PUSH(b, n, arr, p) do { \
	void **na_ = ob_alloc((b), ((n) + 1) * sizeof(void *)); \
	if (n) memcpy(na_, (arr), (n) * sizeof(void *)); \
	(arr) = (void *)na_; (arr)[(n)++] = (p); } while (0)

static inline ob *ob_new(int opset)
{
	ob *b = calloc(1, sizeof *b);
	onnx__model_proto__init(&b->m);
	onnx__graph_proto__init(&b->g);
	onnx__operator_set_id_proto__init(&b->os);
	b->m.has_ir_version = 1;
	b->m.ir_version = 8;
	b->os.domain = ob_str(b, "");
	b->os.has_version = 1;
	b->os.version = opset;
	b->osp[0] = &b->os;
	b->m.n_opset_import = 1;
	b->m.opset_import = b->osp;
	b->g.name = ob_str(b, "test");
	b->m.graph = &b->g;
	return b;
}

static inline void ob_free(ob *b)
{
	for (size_t i = 0; i < b->n_mem; i++)
		free(b->mem[i]);
	free(b->mem);
	free(b);
}

/* "1,3,N,8": numbers are dim_values, anything else a dim_param; NULL: the
 * value has no shape at all; "" a scalar. */
static inline Onnx__ValueInfoProto *ob_vi(ob *b, const char *name, int et, const char *shape)
{
	Onnx__ValueInfoProto *vi = ob_alloc(b, sizeof *vi);
	onnx__value_info_proto__init(vi);
	vi->name = ob_str(b, name);
	Onnx__TypeProto *tp = ob_alloc(b, sizeof *tp);
	onnx__type_proto__init(tp);
	Onnx__TypeProto__Tensor *tt = ob_alloc(b, sizeof *tt);
	onnx__type_proto__tensor__init(tt);
	tt->has_elem_type = 1;
	tt->elem_type = et;
	if (shape) {
		Onnx__TensorShapeProto *sh = ob_alloc(b, sizeof *sh);
		onnx__tensor_shape_proto__init(sh);
		const char *s = shape;
		while (*s) {
			Onnx__TensorShapeProto__Dimension *d = ob_alloc(b, sizeof *d);
			onnx__tensor_shape_proto__dimension__init(d);
			char tok[64];
			size_t k = strcspn(s, ",");
			memcpy(tok, s, k);
			tok[k] = 0;
			char *end;
			long long v = strtoll(tok, &end, 10);
			if (*end || !k) {
				d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM;
				d->dim_param = ob_str(b, tok);
			} else {
				d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
				d->dim_value = v;
			}
			OB_PUSH(b, sh->n_dim, sh->dim, d);
			s += k + (s[k] == ',');
		}
		tt->shape = sh;
	}
	tp->value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
	tp->tensor_type = tt;
	vi->type = tp;
	return vi;
}

static inline void ob_input(ob *b, const char *name, int et, const char *shape)
{
	OB_PUSH(b, b->g.n_input, b->g.input, ob_vi(b, name, et, shape));
}

static inline void ob_output(ob *b, const char *name, int et, const char *shape)
{
	OB_PUSH(b, b->g.n_output, b->g.output, ob_vi(b, name, et, shape));
}

static inline void ob_value_info(ob *b, const char *name, int et, const char *shape)
{
	OB_PUSH(b, b->g.n_value_info, b->g.value_info, ob_vi(b, name, et, shape));
}

/* A tensor with raw_data of nbytes (data copied); dims as "2,3" ("" scalar). */
static inline Onnx__TensorProto *ob_tensor(ob *b, const char *name, int et, const char *dims,
				    const void *data, size_t nbytes)
{
	Onnx__TensorProto *t = ob_alloc(b, sizeof *t);
	onnx__tensor_proto__init(t);
	t->name = ob_str(b, name);
	t->has_data_type = 1;
	t->data_type = et;
	const char *s = dims;
	while (*s) {
		int64_t *d = ob_alloc(b, sizeof *d);
		*d = strtoll(s, (char **)&s, 10);
		int64_t *nd = ob_alloc(b, (t->n_dims + 1) * sizeof *nd);
		if (t->n_dims)
			memcpy(nd, t->dims, t->n_dims * sizeof *nd);
		nd[t->n_dims++] = *d;
		t->dims = nd;
		if (*s == ',')
			s++;
	}
	if (data) {
		t->has_raw_data = 1;
		t->raw_data.len = nbytes;
		t->raw_data.data = memcpy(ob_alloc(b, nbytes), data, nbytes);
	}
	return t;
}

static inline Onnx__TensorProto *ob_init(ob *b, const char *name, int et, const char *dims,
				  const void *data, size_t nbytes)
{
	Onnx__TensorProto *t = ob_tensor(b, name, et, dims, data, nbytes);
	OB_PUSH(b, b->g.n_initializer, b->g.initializer, t);
	return t;
}

static inline Onnx__TensorProto *ob_init_i64(ob *b, const char *name, const char *dims,
				      const int64_t *v, size_t n)
{
	return ob_init(b, name, OB_I64, dims, v, n * 8);
}

static inline Onnx__TensorProto *ob_init_f32(ob *b, const char *name, const char *dims,
				      const float *v, size_t n)
{
	return ob_init(b, name, OB_F32, dims, v, n * 4);
}

/* Comma-separated names; an empty entry is an absent optional one. */
static inline void ob_names(ob *b, const char *list, size_t *n, char ***arr)
{
	const char *s = list;
	while (s && *s) {
		size_t k = strcspn(s, ",");
		char *nm = ob_alloc(b, k + 1);
		memcpy(nm, s, k);
		OB_PUSH(b, *n, *arr, nm);
		s += k;
		if (*s == ',') {
			s++;
			if (!*s)
				OB_PUSH(b, *n, *arr, ob_str(b, ""));
		}
	}
}

static inline Onnx__NodeProto *ob_node(ob *b, const char *op, const char *in, const char *out)
{
	Onnx__NodeProto *n = ob_alloc(b, sizeof *n);
	onnx__node_proto__init(n);
	n->op_type = ob_str(b, op);
	ob_names(b, in, &n->n_input, &n->input);
	ob_names(b, out, &n->n_output, &n->output);
	OB_PUSH(b, b->g.n_node, b->g.node, n);
	return n;
}

static inline Onnx__AttributeProto *ob_attr(ob *b, Onnx__NodeProto *n, const char *name, int type)
{
	Onnx__AttributeProto *a = ob_alloc(b, sizeof *a);
	onnx__attribute_proto__init(a);
	a->name = ob_str(b, name);
	a->has_type = 1;
	a->type = type;
	OB_PUSH(b, n->n_attribute, n->attribute, a);
	return a;
}

static inline void ob_i(ob *b, Onnx__NodeProto *n, const char *name, int64_t v)
{
	Onnx__AttributeProto *a = ob_attr(b, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT);
	a->has_i = 1;
	a->i = v;
}

static inline void ob_f(ob *b, Onnx__NodeProto *n, const char *name, float v)
{
	Onnx__AttributeProto *a = ob_attr(b, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT);
	a->has_f = 1;
	a->f = v;
}

static inline void ob_s(ob *b, Onnx__NodeProto *n, const char *name, const char *v)
{
	Onnx__AttributeProto *a = ob_attr(b, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING);
	a->has_s = 1;
	a->s.len = strlen(v);
	a->s.data = (uint8_t *)ob_str(b, v);
}

static inline void ob_ints(ob *b, Onnx__NodeProto *n, const char *name, size_t k, const int64_t *v)
{
	Onnx__AttributeProto *a = ob_attr(b, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS);
	a->n_ints = k;
	a->ints = memcpy(ob_alloc(b, k * 8), v, k * 8);
}

static inline void ob_floats(ob *b, Onnx__NodeProto *n, const char *name, size_t k, const float *v)
{
	Onnx__AttributeProto *a = ob_attr(b, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS);
	a->n_floats = k;
	a->floats = memcpy(ob_alloc(b, k * 4), v, k * 4);
}

static inline void ob_tensor_attr(ob *b, Onnx__NodeProto *n, const char *name, Onnx__TensorProto *t)
{
	Onnx__AttributeProto *a = ob_attr(b, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR);
	a->t = t;
}

/* Packed model; caller frees. */
static inline void *ob_pack(ob *b, size_t *len)
{
	size_t n = onnx__model_proto__get_packed_size(&b->m);
	void *buf = malloc(n ? n : 1);
	*len = onnx__model_proto__pack(&b->m, buf);
	return buf;
}
#endif
