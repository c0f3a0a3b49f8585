/* onnx_export.c — nex graph -> ONNX model (ir_version 8, opset 18; 20 when
 * the graph has a gelu, which ONNX gained in opset 20). The opset is chosen
 * before any node is written, since opset 20 also changes how other ops are
 * spelt: DFT's axis becomes an input (default -2 where the attribute's was
 * 1) and GridSample's modes bilinear and bicubic become linear and cubic.
 *
 * The model is built as protobuf-c structs in an arena (every allocation is
 * freed at once after packing) and written atomically. It is the importer
 * run backwards:
 *   - attributes that opset 18 takes as inputs (Reshape/Expand shape,
 *     Squeeze/Unsqueeze/Reduce axes, Split split, Slice starts..steps, Pad
 *     pads and value, Clip min/max, Resize scales/sizes) become small int64
 *     or float initializers named after the op's result;
 *   - a fused activation (attr act) becomes its own node after the op;
 *   - constants become initializers with raw_data (pointing at the blob's
 *     bytes: nothing is copied);
 *   - opaque ops get back their op_type, domain and attributes;
 *   - every value gets a value_info with its static type, so opaque ops'
 *     results keep their types on re-import.
 * nex-only attributes (device, device_reason, tile) have no ONNX meaning and
 * are dropped; quantization scales (w_scale) are refused, since dropping
 * them would change what the model computes.
 */
#include <stdlib.h>
#include <string.h>

#include "nx.h"
#include "onnx.pb-c.h"

/* ---- arena: every piece of the model, freed together ---- */

typedef struct arena {
	void **p;
	uint32_t n, cap;
} arena;

static void *ar_alloc(arena *a, size_t n)
{
	nx_grow((void **)&a->p, &a->cap, a->n + 1, sizeof *a->p);
	void *q = nx_xcalloc(1, n ? n : 1);
	a->p[a->n++] = q;
	return q;
}

static char *ar_strdup(arena *a, const char *s)
{
	size_t n = strlen(s) + 1;
	return memcpy(ar_alloc(a, n), s, n);
}

static void ar_free(arena *a)
{
	for (uint32_t i = 0; i < a->n; i++)
		free(a->p[i]);
	free(a->p);
}

/* A growable array of pointers living in the arena's last slot. */
typedef struct plist {
	void **v;
	size_t n, cap;
} plist;

static void pl_push(plist *l, void *x)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->v = nx_xrealloc(l->v, l->cap * sizeof *l->v);
	}
	l->v[l->n++] = x;
}

/* ---- the exporter ---- */

typedef struct exporter {
	const nx_graph *g;
	nx_err *err;
	arena ar;
	plist nodes, inits, vinfo;
	plist domains;     /* char * of opaque ops' domains */
	int opset;         /* of the default domain: 18, or 20 (uses_opset20) */
	/* names made up here, so they collide neither with values nor with
	 * each other: open addressing over the strings */
	char **names;
	uint32_t n_names, cap_names;
} exporter;

static uint32_t hash_str(const char *s)
{
	return (uint32_t)nx_hash(s, strlen(s));
}

static bool name_taken(const exporter *ex, const char *s)
{
	if (nx_value_by_name(ex->g, s, strlen(s)) != NX_NONE)
		return true;
	if (!ex->cap_names)
		return false;
	for (uint32_t h = hash_str(s) & (ex->cap_names - 1); ex->names[h];
	     h = (h + 1) & (ex->cap_names - 1))
		if (!strcmp(ex->names[h], s))
			return true;
	return false;
}

static void name_add(exporter *ex, char *s)
{
	if ((ex->n_names + 1) * 2 > ex->cap_names) {
		uint32_t cap = ex->cap_names ? ex->cap_names * 2 : 256;
		char **t = nx_xcalloc(cap, sizeof *t);
		for (uint32_t i = 0; i < ex->cap_names; i++)
			if (ex->names[i]) {
				uint32_t h = hash_str(ex->names[i]) & (cap - 1);
				while (t[h])
					h = (h + 1) & (cap - 1);
				t[h] = ex->names[i];
			}
		free(ex->names);
		ex->names = t;
		ex->cap_names = cap;
	}
	uint32_t h = hash_str(s) & (ex->cap_names - 1);
	while (ex->names[h])
		h = (h + 1) & (ex->cap_names - 1);
	ex->names[h] = s;
	ex->n_names++;
}

/* A name for a made-up value: "<base>.<what>", then with a number. */
static char *fresh(exporter *ex, const char *base, const char *what)
{
	char buf[512];
	snprintf(buf, sizeof buf, "%.400s.%s", base, what);
	for (uint32_t k = 1; name_taken(ex, buf); k++)
		snprintf(buf, sizeof buf, "%.400s.%s_%u", base, what, k);
	char *s = ar_strdup(&ex->ar, buf);
	name_add(ex, s);
	return s;
}

static int onnx_type_of(int dtype)
{
	switch (dtype) {
	case NX_F32: return ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT;
	case NX_F16: return ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT16;
	case NX_BF16: return ONNX__TENSOR_PROTO__DATA_TYPE__BFLOAT16;
	case NX_I8: return ONNX__TENSOR_PROTO__DATA_TYPE__INT8;
	case NX_U8: return ONNX__TENSOR_PROTO__DATA_TYPE__UINT8;
	case NX_I32: return ONNX__TENSOR_PROTO__DATA_TYPE__INT32;
	case NX_I64: return ONNX__TENSOR_PROTO__DATA_TYPE__INT64;
	case NX_BOOL: return ONNX__TENSOR_PROTO__DATA_TYPE__BOOL;
	case NX_F64: return ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE;
	case NX_U16: return ONNX__TENSOR_PROTO__DATA_TYPE__UINT16;
	case NX_U32: return ONNX__TENSOR_PROTO__DATA_TYPE__UINT32;
	case NX_U64: return ONNX__TENSOR_PROTO__DATA_TYPE__UINT64;
	case NX_I16: return ONNX__TENSOR_PROTO__DATA_TYPE__INT16;
	default: return ONNX__TENSOR_PROTO__DATA_TYPE__UNDEFINED;
	}
}

static Onnx__ValueInfoProto *value_info(exporter *ex, const char *name, const nx_type *t)
{
	arena *a = &ex->ar;
	Onnx__ValueInfoProto *vi = ar_alloc(a, sizeof *vi);
	onnx__value_info_proto__init(vi);
	vi->name = ar_strdup(a, name);
	Onnx__TypeProto *tp = ar_alloc(a, sizeof *tp);
	onnx__type_proto__init(tp);
	Onnx__TypeProto__Tensor *tt = ar_alloc(a, sizeof *tt);
	onnx__type_proto__tensor__init(tt);
	tt->has_elem_type = 1;
	tt->elem_type = onnx_type_of(t->dtype);
	Onnx__TensorShapeProto *sh = ar_alloc(a, sizeof *sh);
	onnx__tensor_shape_proto__init(sh);
	sh->n_dim = t->rank;
	sh->dim = ar_alloc(a, (t->rank ? t->rank : 1) * sizeof *sh->dim);
	for (int i = 0; i < t->rank; i++) {
		Onnx__TensorShapeProto__Dimension *d = ar_alloc(a, sizeof *d);
		onnx__tensor_shape_proto__dimension__init(d);
		d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
		d->dim_value = t->dims[i];
		sh->dim[i] = d;
	}
	tt->shape = sh;
	tp->value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
	tp->tensor_type = tt;
	vi->type = tp;
	return vi;
}

/* An initializer; data is referenced, not copied (it must outlive the
 * packing: blob bytes, or arena memory). */
static Onnx__TensorProto *tensor(exporter *ex, const char *name, int dtype, int rank,
				 const int64_t *dims, const void *data, size_t nbytes)
{
	arena *a = &ex->ar;
	Onnx__TensorProto *t = ar_alloc(a, sizeof *t);
	onnx__tensor_proto__init(t);
	t->name = ar_strdup(a, name);
	t->has_data_type = 1;
	t->data_type = onnx_type_of(dtype);
	t->n_dims = (size_t)rank;
	t->dims = ar_alloc(a, (rank ? (size_t)rank : 1) * sizeof *t->dims);
	if (rank)
		memcpy(t->dims, dims, (size_t)rank * sizeof *dims);
	t->has_raw_data = 1;
	t->raw_data.len = nbytes;
	t->raw_data.data = (uint8_t *)data;
	pl_push(&ex->inits, t);
	return t;
}

/* A made-up 1-D int64 initializer (or a scalar when rank is 0). */
static char *init_ints(exporter *ex, const char *base, const char *what, const int64_t *v,
		       uint32_t n, int rank)
{
	char *name = fresh(ex, base, what);
	int64_t *copy = ar_alloc(&ex->ar, (n ? n : 1) * sizeof *copy);
	if (n)
		memcpy(copy, v, n * sizeof *v);
	int64_t dim = n;
	tensor(ex, name, NX_I64, rank, &dim, copy, n * sizeof *v);
	return name;
}

/* double -> int64, saturating (NaN -> 0): no undefined conversion. */
static int64_t d2i(double v)
{
	return v != v ? 0 : v >= 9.2e18 ? INT64_MAX : v <= -9.2e18 ? INT64_MIN : (int64_t)v;
}

/* A made-up initializer of dtype holding values v (converted). */
static char *init_typed(exporter *ex, const char *base, const char *what, int dtype,
			const double *v, uint32_t n, int rank)
{
	char *name = fresh(ex, base, what);
	size_t es = nx_dtype_size(dtype);
	void *data = ar_alloc(&ex->ar, (n ? n : 1) * es);
	for (uint32_t i = 0; i < n; i++) {
		switch (dtype) {
		case NX_F32: ((float *)data)[i] = (float)v[i]; break;
		case NX_F16: ((uint16_t *)data)[i] = nx_f32_to_f16((float)v[i]); break;
		case NX_BF16: ((uint16_t *)data)[i] = nx_f32_to_bf16((float)v[i]); break;
		case NX_I8: ((int8_t *)data)[i] = (int8_t)d2i(v[i]); break;
		case NX_U8: ((uint8_t *)data)[i] = (uint8_t)d2i(v[i]); break;
		case NX_BOOL: ((uint8_t *)data)[i] = v[i] != 0; break;
		case NX_I32: ((int32_t *)data)[i] = (int32_t)d2i(v[i]); break;
		default: ((int64_t *)data)[i] = d2i(v[i]); break;
		}
	}
	int64_t dim = n;
	tensor(ex, name, dtype, rank, &dim, data, n * es);
	return name;
}

static Onnx__NodeProto *node(exporter *ex, const char *op_type, const char *name)
{
	arena *a = &ex->ar;
	Onnx__NodeProto *n = ar_alloc(a, sizeof *n);
	onnx__node_proto__init(n);
	n->op_type = ar_strdup(a, op_type);
	n->name = ar_strdup(a, name);
	/* room for every input/output/attribute an op can have */
	n->input = ar_alloc(a, (NX_VARIADIC + 8) * sizeof *n->input);
	n->output = ar_alloc(a, (NX_VARIADIC + 1) * sizeof *n->output);
	n->attribute = ar_alloc(a, 64 * sizeof *n->attribute);
	pl_push(&ex->nodes, n);
	return n;
}

static void add_in(exporter *ex, Onnx__NodeProto *n, const char *name)
{
	n->input[n->n_input++] = ar_strdup(&ex->ar, name ? name : "");
}

static Onnx__AttributeProto *add_attr(exporter *ex, Onnx__NodeProto *n, const char *name, int type)
{
	Onnx__AttributeProto *a = ar_alloc(&ex->ar, sizeof *a);
	onnx__attribute_proto__init(a);
	a->name = ar_strdup(&ex->ar, name);
	a->has_type = 1;
	a->type = type;
	if (n->n_attribute < 64)
		n->attribute[n->n_attribute++] = a;
	return a;
}

static void attr_i(exporter *ex, Onnx__NodeProto *n, const char *name, int64_t v)
{
	Onnx__AttributeProto *a = add_attr(ex, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT);
	a->has_i = 1;
	a->i = v;
}

static void attr_f(exporter *ex, Onnx__NodeProto *n, const char *name, float v)
{
	Onnx__AttributeProto *a = add_attr(ex, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT);
	a->has_f = 1;
	a->f = v;
}

static void attr_s(exporter *ex, Onnx__NodeProto *n, const char *name, const char *v)
{
	Onnx__AttributeProto *a = add_attr(ex, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING);
	a->has_s = 1;
	a->s.len = strlen(v);
	a->s.data = (uint8_t *)ar_strdup(&ex->ar, v);
}

/* A ','-joined string as a list of strings (recurrent ops' activations,
 * which nex keeps joined: onnx_rnn.c). */
static void attr_strings(exporter *ex, Onnx__NodeProto *n, const char *name, const char *v)
{
	Onnx__AttributeProto *a = add_attr(ex, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRINGS);
	size_t k = 1;
	for (const char *p = v; *p; p++)
		k += *p == ',';
	a->strings = ar_alloc(&ex->ar, k * sizeof *a->strings);
	for (const char *p = v; *v && p; a->n_strings++) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		char *s = ar_alloc(&ex->ar, len + 1);
		memcpy(s, p, len);
		a->strings[a->n_strings].data = (uint8_t *)s;
		a->strings[a->n_strings].len = len;
		p = e ? e + 1 : NULL;
	}
}

/* An nex attribute as an ONNX one, under the same name. */
static void attr_copy(exporter *ex, Onnx__NodeProto *n, const nx_attr *at)
{
	const nx_graph *g = ex->g;
	const char *name = nx_cstr(g, at->name);
	Onnx__AttributeProto *a;
	switch (at->kind) {
	case NX_ATTR_INT:
		attr_i(ex, n, name, at->u.i);
		break;
	case NX_ATTR_FLOAT:
		attr_f(ex, n, name, at->u.f);
		break;
	case NX_ATTR_STR:
		attr_s(ex, n, name, nx_cstr(g, at->u.s));
		break;
	case NX_ATTR_INTS:
		a = add_attr(ex, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS);
		a->n_ints = at->n;
		a->ints = ar_alloc(&ex->ar, (at->n ? at->n : 1) * sizeof *a->ints);
		if (at->n)
			memcpy(a->ints, g->ints + at->u.off, at->n * sizeof *a->ints);
		break;
	case NX_ATTR_FLOATS:
		a = add_attr(ex, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS);
		a->n_floats = at->n;
		a->floats = ar_alloc(&ex->ar, (at->n ? at->n : 1) * sizeof *a->floats);
		if (at->n)
			memcpy(a->floats, g->floats + at->u.off, at->n * sizeof *a->floats);
		break;
	}
}

static int fail(exporter *ex, uint32_t o, const char *reason)
{
	nx_err_set(ex->err, "op %%%s (%s): %s", nx_vname(ex->g, nx_result(ex->g, o, 0)),
		   nx_op_name(ex->g, o), reason);
	return -1;
}

/* Attributes that become inputs (or are handled by hand) per kind, so the
 * generic copy skips them. */
static bool attr_is_input(int kind, const char *name)
{
	if (nx_ops[kind].flags & NX_F_AXES) /* reduce_* */
		return !strcmp(name, "axes");
	switch (kind) {
	case NX_OP_RESHAPE:
	case NX_OP_EXPAND:
		return !strcmp(name, "shape");
	case NX_OP_SQUEEZE:
	case NX_OP_UNSQUEEZE:
		return !strcmp(name, "axes");
	case NX_OP_SPLIT:
		return !strcmp(name, "split");
	case NX_OP_SLICE:
		return !strcmp(name, "starts") || !strcmp(name, "ends") || !strcmp(name, "axes") ||
		       !strcmp(name, "steps");
	case NX_OP_PAD:
		return !strcmp(name, "pads") || !strcmp(name, "value");
	case NX_OP_CLIP:
		return !strcmp(name, "min") || !strcmp(name, "max");
	case NX_OP_RESIZE: /* the executor's tile attrs are not ONNX's either */
		return !strcmp(name, "scales") || !strcmp(name, "sizes") ||
		       !strncmp(name, "tile_", 5);
	case NX_OP_CAST:
		return !strcmp(name, "to");
	case NX_OP_CUM_SUM:
		return !strcmp(name, "axis");
	case NX_OP_TOP_K:
		return !strcmp(name, "k");
	case NX_OP_TRILU:
		return !strcmp(name, "k");
	case NX_OP_TILE:
		return !strcmp(name, "repeats");
	case NX_OP_ONE_HOT:
		return !strcmp(name, "depth");
	case NX_OP_EYE_LIKE:
		return !strcmp(name, "dtype");
	/* signal lane */
	case NX_OP_HANN_WINDOW:
	case NX_OP_HAMMING_WINDOW:
	case NX_OP_BLACKMAN_WINDOW:
	case NX_OP_MEL_WEIGHT_MATRIX:
		return !strcmp(name, "dtype");
	case NX_OP_DFT:
		return !strcmp(name, "dft_length");
	case NX_OP_STFT:
		return !strcmp(name, "frame_step") || !strcmp(name, "frame_length");
	case NX_OP_CONSTANT_OF_SHAPE:
		return !strcmp(name, "value") || !strcmp(name, "dtype");
	case NX_OP_MAX_UNPOOL:
		return !strcmp(name, "output_shape");
	case NX_OP_OPAQUE:
		return !strcmp(name, "op_type") || !strcmp(name, "domain");
	default:
		return false;
	}
}

static bool is_common(const char *name)
{
	for (const nx_attr_spec *c = nx_common_attrs; c->name; c++)
		if (!strcmp(c->name, name))
			return true;
	return false;
}

/* The attribute-slot inputs opset 18 wants, after the data operands. */
static int slot_inputs(exporter *ex, uint32_t o, Onnx__NodeProto *n, const char *base)
{
	const nx_graph *g = ex->g;
	int kind = nx_opp(g, o)->kind;
	uint32_t k;
	const int64_t *v;
	/* reduce_* pass their axes as squeeze does */
	switch (nx_ops[kind].flags & NX_F_AXES ? NX_OP_SQUEEZE : kind) {
	case NX_OP_RESHAPE:
	case NX_OP_EXPAND:
		v = nx_attr_ints(g, o, "shape", &k);
		add_in(ex, n, init_ints(ex, base, "shape", v, k, 1));
		break;
	case NX_OP_SQUEEZE:
	case NX_OP_UNSQUEEZE:
		v = nx_attr_ints(g, o, "axes", &k);
		if (v)
			add_in(ex, n, init_ints(ex, base, "axes", v, k, 1));
		break;
	case NX_OP_SPLIT:
		v = nx_attr_ints(g, o, "split", &k);
		if (v)
			add_in(ex, n, init_ints(ex, base, "split", v, k, 1));
		else
			attr_i(ex, n, "num_outputs", nx_opp(g, o)->n_out);
		break;
	case NX_OP_SLICE: {
		static const char *const w[4] = {"starts", "ends", "axes", "steps"};
		int last = 1;
		for (int i = 2; i < 4; i++)
			if (nx_attr_get(g, o, w[i]))
				last = i;
		for (int i = 0; i <= last; i++) {
			v = nx_attr_ints(g, o, w[i], &k);
			add_in(ex, n, v ? init_ints(ex, base, w[i], v, k, 1) : "");
		}
		break;
	}
	case NX_OP_PAD: {
		v = nx_attr_ints(g, o, "pads", &k);
		add_in(ex, n, init_ints(ex, base, "pads", v, k, 1));
		if (nx_attr_get(g, o, "value")) {
			double val = nx_attr_f(g, o, "value", 0);
			int dt = nx_vtype(g, nx_operand(g, o, 0))->dtype;
			add_in(ex, n, init_typed(ex, base, "value", dt, &val, 1, 0));
		}
		break;
	}
	case NX_OP_CLIP: {
		int dt = nx_vtype(g, nx_operand(g, o, 0))->dtype;
		bool lo = nx_attr_get(g, o, "min") != NULL, hi = nx_attr_get(g, o, "max") != NULL;
		double a = nx_attr_f(g, o, "min", 0), b = nx_attr_f(g, o, "max", 0);
		if (lo || hi)
			add_in(ex, n, lo ? init_typed(ex, base, "min", dt, &a, 1, 0) : "");
		if (hi)
			add_in(ex, n, init_typed(ex, base, "max", dt, &b, 1, 0));
		break;
	}
	case NX_OP_RESIZE: {
		add_in(ex, n, ""); /* roi: tf_crop_and_resize only */
		uint32_t ns;
		const float *sc = nx_attr_floats(g, o, "scales", &ns);
		v = nx_attr_ints(g, o, "sizes", &k);
		if (sc) {
			double d[NX_MAX_RANK];
			for (uint32_t i = 0; i < ns && i < NX_MAX_RANK; i++)
				d[i] = sc[i];
			add_in(ex, n, init_typed(ex, base, "scales", NX_F32, d,
						 ns < NX_MAX_RANK ? ns : NX_MAX_RANK, 1));
		} else {
			add_in(ex, n, "");
			add_in(ex, n, init_ints(ex, base, "sizes", v, k, 1));
		}
		break;
	}
	case NX_OP_TRILU:
		if (nx_attr_get(g, o, "k")) {
			int64_t kk = nx_attr_i(g, o, "k", 0);
			add_in(ex, n, init_ints(ex, base, "k", &kk, 1, 0));
		}
		break;
	case NX_OP_TILE:
		v = nx_attr_ints(g, o, "repeats", &k);
		add_in(ex, n, init_ints(ex, base, "repeats", v, k, 1));
		break;
	case NX_OP_ONE_HOT: {
		/* ONNX's order is (indices, depth, values): depth goes between */
		int64_t d = nx_attr_i(g, o, "depth", 1);
		add_in(ex, n, init_ints(ex, base, "depth", &d, 1, 0));
		char *tmp = n->input[1];
		n->input[1] = n->input[2];
		n->input[2] = tmp;
		break;
	}
	case NX_OP_EYE_LIKE: {
		const char *dt = nx_attr_s(g, o, "dtype", NULL);
		if (dt) {
			int d = nx_dtype_parse(dt, strlen(dt));
			attr_i(ex, n, "dtype", onnx_type_of(d < 0 ? NX_F32 : d));
		}
		break;
	}
	/* signal lane: windows' output_datatype, DFT's and STFT's scalar
	 * inputs, ConstantOfShape's value tensor */
	case NX_OP_HANN_WINDOW:
	case NX_OP_HAMMING_WINDOW:
	case NX_OP_BLACKMAN_WINDOW:
	case NX_OP_MEL_WEIGHT_MATRIX: {
		int d = nx_vtype(g, nx_result(g, o, 0))->dtype;
		if (d != NX_F32)
			attr_i(ex, n, "output_datatype", onnx_type_of(d));
		break;
	}
	case NX_OP_DFT:
		if (nx_attr_get(g, o, "dft_length")) {
			int64_t l = nx_attr_i(g, o, "dft_length", 1);
			add_in(ex, n, init_ints(ex, base, "dft_length", &l, 1, 0));
		}
		if (ex->opset >= 20) {
			/* always written: the input's default (-2) is not the
			 * attribute's (1) */
			int64_t axis = nx_attr_i(g, o, "axis", 1);
			if (!nx_attr_get(g, o, "dft_length"))
				add_in(ex, n, "");
			add_in(ex, n, init_ints(ex, base, "axis", &axis, 1, 0));
		}
		break;
	case NX_OP_STFT: {
		/* ONNX's order: signal, frame_step, window, frame_length */
		char *window = n->n_input > 1 ? n->input[1] : NULL;
		int64_t step = nx_attr_i(g, o, "frame_step", 1);
		n->n_input = 1;
		add_in(ex, n, init_ints(ex, base, "frame_step", &step, 1, 0));
		add_in(ex, n, window ? window : "");
		if (nx_attr_get(g, o, "frame_length")) {
			int64_t l = nx_attr_i(g, o, "frame_length", 1);
			add_in(ex, n, init_ints(ex, base, "frame_length", &l, 1, 0));
		}
		break;
	}
	case NX_OP_MAX_UNPOOL:
		v = nx_attr_ints(g, o, "output_shape", &k);
		if (v)
			add_in(ex, n, init_ints(ex, base, "output_shape", v, k, 1));
		break;
	case NX_OP_CONSTANT_OF_SHAPE: {
		int d = nx_vtype(g, nx_result(g, o, 0))->dtype;
		double val = nx_attr_f(g, o, "value", 0);
		Onnx__TensorProto *t = ar_alloc(&ex->ar, sizeof *t);
		onnx__tensor_proto__init(t);
		size_t es = nx_dtype_size(d);
		nx_tensor one = {nx_type_make(d, 1, (int64_t[]){1}), ar_alloc(&ex->ar, es)};
		nx_tensor_set(&one, 0, val);
		t->name = ar_strdup(&ex->ar, "value");
		t->has_data_type = 1;
		t->data_type = onnx_type_of(d);
		t->n_dims = 1;
		t->dims = ar_alloc(&ex->ar, sizeof *t->dims);
		t->dims[0] = 1;
		t->has_raw_data = 1;
		t->raw_data.len = es;
		t->raw_data.data = one.data;
		Onnx__AttributeProto *a =
			add_attr(ex, n, "value", ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR);
		a->t = t;
		break;
	}
	case NX_OP_TOP_K: {
		int64_t kk = nx_attr_i(g, o, "k", 1);
		add_in(ex, n, init_ints(ex, base, "k", &kk, 1, 1));
		break;
	}
	case NX_OP_CUM_SUM: {
		int64_t ax = nx_attr_i(g, o, "axis", 0);
		add_in(ex, n, init_ints(ex, base, "axis", &ax, 1, 0));
		break;
	}
	case NX_OP_CAST: {
		const char *to = nx_attr_s(g, o, "to", "f32");
		int d = nx_dtype_parse(to, strlen(to));
		attr_i(ex, n, "to", onnx_type_of(d < 0 ? NX_F32 : d));
		break;
	}
	default:
		break;
	}
	return 0;
}

/* The activation node for attr act, reading pre and writing out. */
static int act_node(exporter *ex, uint32_t o, const char *act, const char *pre, const char *out,
		    const char *name)
{
	const nx_graph *g = ex->g;
	static const struct {
		const char *act, *onnx;
	} map[] = {{"relu", "Relu"}, {"clip", "Clip"}, {"leaky_relu", "LeakyRelu"},
		   {"hard_sigmoid", "HardSigmoid"}, {"hard_swish", "HardSwish"},
		   {"sigmoid", "Sigmoid"}, {"tanh", "Tanh"}, {"gelu", "Gelu"}};
	const char *op_type = NULL;
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (!strcmp(map[i].act, act))
			op_type = map[i].onnx;
	if (!op_type) {
		char why[300];
		snprintf(why, sizeof why, "unknown fused activation act=\"%.200s\"", act);
		return fail(ex, o, why);
	}
	Onnx__NodeProto *n = node(ex, op_type, name);
	add_in(ex, n, pre);
	n->output[n->n_output++] = ar_strdup(&ex->ar, out);
	bool ha = nx_attr_get(g, o, "act_alpha") != NULL, hb = nx_attr_get(g, o, "act_beta") != NULL;
	double a = nx_attr_f(g, o, "act_alpha", 0), b = nx_attr_f(g, o, "act_beta", 0);
	if (!strcmp(act, "clip")) {
		int dt = nx_vtype(g, nx_result(g, o, 0))->dtype;
		if (ha || hb)
			add_in(ex, n, ha ? init_typed(ex, out, "min", dt, &a, 1, 0) : "");
		if (hb)
			add_in(ex, n, init_typed(ex, out, "max", dt, &b, 1, 0));
	} else if (!strcmp(act, "leaky_relu") && ha) {
		attr_f(ex, n, "alpha", (float)a);
	} else if (!strcmp(act, "hard_sigmoid")) {
		if (ha)
			attr_f(ex, n, "alpha", (float)a);
		if (hb)
			attr_f(ex, n, "beta", (float)b);
	}
	return 0;
}

/* GridSample's mode as opset spells it (the kernel reads both spellings). */
static const char *grid_mode(const char *mode, int opset)
{
	static const char *const pairs[][2] = {{"bilinear", "linear"}, {"bicubic", "cubic"}};
	for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++)
		if (!strcmp(mode, pairs[i][0]) || !strcmp(mode, pairs[i][1]))
			return pairs[i][opset >= 20];
	return mode;
}

/* Whether g needs opset 20: a gelu, as an op or a fused activation. */
static bool uses_opset20(const nx_graph *g)
{
	NX_FOR_OPS(g, o) {
		const nx_op *p = nx_opp(g, o);
		if (p->kind == NX_OP_GELU)
			return true;
		if (p->kind != NX_OP_OPAQUE) {
			const char *act = nx_attr_s(g, o, "act", NULL);
			if (act && !strcmp(act, "gelu"))
				return true;
		}
	}
	return false;
}

static int export_op(exporter *ex, uint32_t o)
{
	const nx_graph *g = ex->g;
	const nx_op *p = nx_opp(g, o);
	int kind = p->kind;
	char nm[512];
	if (p->n_origin)
		snprintf(nm, sizeof nm, "%s", nx_cstr(g, nx_op_origin(g, o)[0]));
	else
		snprintf(nm, sizeof nm, "%s_%u", nx_ops[kind].name, o);
	if (nx_attr_get(g, o, "w_scale"))
		return fail(ex, o, "quantization scales (w_scale) have no ONNX form here; "
			    "export before quantize-int8");
	const char *op_type = nx_ops[kind].onnx;
	if (kind == NX_OP_OPAQUE)
		op_type = nx_attr_s(g, o, "op_type", "");
	if (!op_type[0])
		return fail(ex, o, "has no ONNX op type");
	Onnx__NodeProto *n = node(ex, op_type, nm);
	if (kind == NX_OP_OPAQUE) {
		const char *d = nx_attr_s(g, o, "domain", "");
		if (*d && strcmp(d, "ai.onnx")) { /* ai.onnx is the default domain */
			n->domain = ar_strdup(&ex->ar, d);
			bool seen = false;
			for (size_t i = 0; i < ex->domains.n && !seen; i++)
				seen = !strcmp(ex->domains.v[i], d);
			if (!seen)
				pl_push(&ex->domains, n->domain);
		}
	}
	/* data operands; an absent optional one is "" */
	uint32_t n_in = p->n_in;
	while (n_in && nx_operand(g, o, n_in - 1) == NX_NONE)
		n_in--;
	for (uint32_t i = 0; i < n_in; i++) {
		uint32_t v = nx_operand(g, o, i);
		add_in(ex, n, v == NX_NONE ? "" : nx_vname(g, v));
	}
	const char *res0 = nx_vname(g, nx_result(g, o, 0));
	if (slot_inputs(ex, o, n, res0))
		return -1;
	for (uint32_t i = 0; i < p->n_attr; i++) {
		const nx_attr *at = &g->attrs[p->attr + i];
		const char *an = nx_cstr(g, at->name);
		if (attr_is_input(kind, an) || (kind != NX_OP_OPAQUE && is_common(an)))
			continue;
		if (kind == NX_OP_DFT && ex->opset >= 20 && !strcmp(an, "axis"))
			continue; /* an input there (slot_inputs) */
		if (kind == NX_OP_GRID_SAMPLE && !strcmp(an, "mode")) {
			attr_s(ex, n, an, grid_mode(nx_cstr(g, at->u.s), ex->opset));
			continue;
		}
		if ((kind == NX_OP_LSTM || kind == NX_OP_GRU || kind == NX_OP_RNN) &&
		    !strcmp(an, "activations")) {
			attr_strings(ex, n, an, nx_cstr(g, at->u.s));
			continue;
		}
		attr_copy(ex, n, at);
	}
	/* ONNX makes hidden_size optional, but onnxruntime refuses a recurrent
	 * node without it: write it from R ([D, G*H, H]). */
	if ((kind == NX_OP_LSTM || kind == NX_OP_GRU || kind == NX_OP_RNN) &&
	    !nx_attr_get(g, o, "hidden_size") && p->n_in > 2)
		attr_i(ex, n, "hidden_size", nx_vtype(g, nx_operand(g, o, 2))->dims[2]);
	const char *act = kind != NX_OP_OPAQUE ? nx_attr_s(g, o, "act", NULL) : NULL;
	if (act) {
		char *pre = fresh(ex, res0, "pre_act");
		n->output[n->n_output++] = pre;
		nx_type t = *nx_vtype(g, nx_result(g, o, 0));
		pl_push(&ex->vinfo, value_info(ex, pre, &t));
		char an[600];
		if (p->n_origin > 1)
			snprintf(an, sizeof an, "%s", nx_cstr(g, nx_op_origin(g, o)[p->n_origin - 1]));
		else
			snprintf(an, sizeof an, "%s.%s", nm, act);
		return act_node(ex, o, act, pre, res0, an);
	}
	for (uint32_t i = 0; i < p->n_out; i++)
		n->output[n->n_output++] = ar_strdup(&ex->ar, nx_vname(g, nx_result(g, o, i)));
	return 0;
}

static Onnx__ModelProto *build(exporter *ex)
{
	const nx_graph *g = ex->g;
	arena *a = &ex->ar;
	ex->opset = uses_opset20(g) ? 20 : 18;
	/* constants: initializers with the blob's bytes */
	for (uint32_t v = 0; v < g->n_vals; v++) {
		const nx_value *p = nx_val(g, v);
		if ((p->flags & NX_V_DEAD) || p->blob == NX_NONE || !nx_value_nuses(g, v))
			continue;
		nx_blob *b = nx_const_blob(g, v);
		const void *data = nx_blob_data(b);
		tensor(ex, nx_vname(g, v), b->type.dtype, b->type.rank, b->type.dims, data,
		       nx_blob_nbytes(b));
	}
	NX_FOR_OPS(g, o) {
		if (export_op(ex, o))
			return NULL;
		const nx_op *p = nx_opp(g, o);
		for (uint32_t i = 0; i < p->n_out; i++) {
			uint32_t v = nx_result(g, o, i);
			if (!nx_value_is_output(g, v))
				pl_push(&ex->vinfo, value_info(ex, nx_vname(g, v), nx_vtype(g, v)));
		}
	}
	Onnx__GraphProto *gp = ar_alloc(a, sizeof *gp);
	onnx__graph_proto__init(gp);
	gp->name = ar_strdup(a, nx_cstr(g, g->name));
	gp->n_node = ex->nodes.n;
	gp->node = (Onnx__NodeProto **)ex->nodes.v;
	gp->n_initializer = ex->inits.n;
	gp->initializer = (Onnx__TensorProto **)ex->inits.v;
	gp->n_value_info = ex->vinfo.n;
	gp->value_info = (Onnx__ValueInfoProto **)ex->vinfo.v;
	gp->n_input = g->n_inputs;
	gp->input = ar_alloc(a, (g->n_inputs ? g->n_inputs : 1) * sizeof *gp->input);
	for (uint32_t i = 0; i < g->n_inputs; i++)
		gp->input[i] = value_info(ex, nx_vname(g, g->inputs[i]), nx_vtype(g, g->inputs[i]));
	gp->n_output = g->n_outputs;
	gp->output = ar_alloc(a, (g->n_outputs ? g->n_outputs : 1) * sizeof *gp->output);
	for (uint32_t i = 0; i < g->n_outputs; i++)
		gp->output[i] = value_info(ex, nx_vname(g, g->outputs[i]),
					   nx_vtype(g, g->outputs[i]));

	Onnx__ModelProto *m = ar_alloc(a, sizeof *m);
	onnx__model_proto__init(m);
	m->has_ir_version = 1;
	m->ir_version = 8;
	m->producer_name = ar_strdup(a, "nex");
	m->producer_version = ar_strdup(a, NX_VERSION);
	m->n_opset_import = 1 + ex->domains.n;
	m->opset_import = ar_alloc(a, m->n_opset_import * sizeof *m->opset_import);
	for (size_t i = 0; i < m->n_opset_import; i++) {
		Onnx__OperatorSetIdProto *os = ar_alloc(a, sizeof *os);
		onnx__operator_set_id_proto__init(os);
		os->domain = ar_strdup(a, i ? (const char *)ex->domains.v[i - 1] : "");
		os->has_version = 1;
		os->version = i ? 1 : ex->opset;
		m->opset_import[i] = os;
	}
	m->graph = gp;
	return m;
}

void *nx_onnx_export_mem(const nx_graph *g, size_t *len, nx_err *err)
{
	exporter ex;
	memset(&ex, 0, sizeof ex);
	ex.g = g;
	ex.err = err;
	void *buf = NULL;
	Onnx__ModelProto *m = build(&ex);
	if (m) {
		size_t n = onnx__model_proto__get_packed_size(m);
		/* protobuf messages are limited to 2 GB */
		if (n > ((size_t)1 << 31) - 1) {
			nx_err_set(err, "the model is %zu bytes, over protobuf's 2 GB limit (nex does "
				   "not write external data)", n);
		} else {
			buf = nx_xmalloc(n);
			*len = onnx__model_proto__pack(m, buf);
		}
	}
	ar_free(&ex.ar);
	free(ex.nodes.v);
	free(ex.inits.v);
	free(ex.vinfo.v);
	free(ex.domains.v);
	free(ex.names);
	return buf;
}

int nx_onnx_export(const nx_graph *g, const char *path, nx_err *err)
{
	size_t len = 0;
	void *buf = nx_onnx_export_mem(g, &len, err);
	if (!buf) {
		nx_err_prefix(err, "%s: ", path);
		return -1;
	}
	int r = nx_write_file_atomic(path, buf, len, err);
	free(buf);
	return r;
}
