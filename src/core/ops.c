/* ops.c — the op registry: ops.def expanded into nx_ops[], and the attribute
 * schema of every kind (what the parser, verifier and importer check). */
#include <string.h>

#include "nx_int.h"

#define I NX_ATTR_INT
#define F NX_ATTR_FLOAT
#define S NX_ATTR_STR
#define IS NX_ATTR_INTS
#define FS NX_ATTR_FLOATS
#define REQ true
#define OPT false
#define END {NULL, 0, false, NULL}

static const nx_attr_spec nx_attrs_none[] = {END};
static const nx_attr_spec nx_attrs_reshape[] = {
	{"shape", IS, REQ, NULL}, {"allowzero", I, OPT, "0"}, END};
static const nx_attr_spec nx_attrs_flatten[] = {{"axis", I, OPT, "1"}, END};
static const nx_attr_spec nx_attrs_transpose[] = {{"perm", IS, OPT, "reversed"}, END};
static const nx_attr_spec nx_attrs_squeeze[] = {{"axes", IS, OPT, "all unit dims"}, END};
static const nx_attr_spec nx_attrs_unsqueeze[] = {{"axes", IS, REQ, NULL}, END};
static const nx_attr_spec nx_attrs_concat[] = {{"axis", I, REQ, NULL}, END};
static const nx_attr_spec nx_attrs_split[] = {
	{"axis", I, OPT, "0"}, {"split", IS, OPT, "equal parts"}, END};
static const nx_attr_spec nx_attrs_slice[] = {
	{"starts", IS, REQ, NULL}, {"ends", IS, REQ, NULL},
	{"axes", IS, OPT, "[0..n)"}, {"steps", IS, OPT, "ones"}, END};
static const nx_attr_spec nx_attrs_gather[] = {{"axis", I, OPT, "0"}, END};
static const nx_attr_spec nx_attrs_pad[] = {
	{"pads", IS, REQ, NULL}, {"mode", S, OPT, "\"constant\""},
	{"value", F, OPT, "0.0"}, END};
static const nx_attr_spec nx_attrs_cast[] = {{"to", S, REQ, NULL}, END};
static const nx_attr_spec nx_attrs_shape[] = {
	{"start", I, OPT, "0"}, {"end", I, OPT, "rank"}, END};
static const nx_attr_spec nx_attrs_expand[] = {{"shape", IS, REQ, NULL}, END};
static const nx_attr_spec nx_attrs_resize[] = {
	{"scales", FS, OPT, NULL}, {"sizes", IS, OPT, NULL},
	{"mode", S, OPT, "\"nearest\""},
	{"coordinate_transformation_mode", S, OPT, "\"half_pixel\""},
	{"nearest_mode", S, OPT, "\"round_prefer_floor\""},
	{"cubic_coeff_a", F, OPT, "-0.75"}, {"exclude_outside", I, OPT, "0"},
	{"extrapolation_value", F, OPT, "0.0"},
	/* one tile of the result, as the NE executor runs it (kern_resize.c) */
	{"tile_from", IS, OPT, NULL}, {"tile_of", IS, OPT, NULL}, {"tile_n", IS, OPT, NULL},
	END};
static const nx_attr_spec nx_attrs_clip[] = {
	{"min", F, OPT, "-inf"}, {"max", F, OPT, "inf"}, END};
static const nx_attr_spec nx_attrs_leaky_relu[] = {{"alpha", F, OPT, "0.01"}, END};
static const nx_attr_spec nx_attrs_hard_sigmoid[] = {
	{"alpha", F, OPT, "0.2"}, {"beta", F, OPT, "0.5"}, END};
static const nx_attr_spec nx_attrs_gelu[] = {{"approximate", S, OPT, "\"none\""}, END};
static const nx_attr_spec nx_attrs_reduce[] = {
	{"axes", IS, OPT, "all"}, {"keepdims", I, OPT, "1"},
	{"noop_with_empty_axes", I, OPT, "0"}, END};
static const nx_attr_spec nx_attrs_softmax[] = {{"axis", I, OPT, "-1"}, END};
static const nx_attr_spec nx_attrs_layer_norm[] = {
	{"axis", I, OPT, "-1"}, {"epsilon", F, OPT, "1e-05"}, END};
static const nx_attr_spec nx_attrs_batch_norm[] = {
	{"epsilon", F, OPT, "1e-05"}, {"momentum", F, OPT, "0.9"}, END};
static const nx_attr_spec nx_attrs_conv[] = {
	{"auto_pad", S, OPT, "\"NOTSET\""}, {"dilations", IS, OPT, "ones"},
	{"group", I, OPT, "1"}, {"kernel_shape", IS, OPT, "from weights"},
	{"pads", IS, OPT, "zeros"}, {"strides", IS, OPT, "ones"}, END};
static const nx_attr_spec nx_attrs_conv_transpose[] = {
	{"auto_pad", S, OPT, "\"NOTSET\""}, {"dilations", IS, OPT, "ones"},
	{"group", I, OPT, "1"}, {"kernel_shape", IS, OPT, "from weights"},
	{"output_padding", IS, OPT, "zeros"}, {"output_shape", IS, OPT, NULL},
	{"pads", IS, OPT, "zeros"}, {"strides", IS, OPT, "ones"}, END};
static const nx_attr_spec nx_attrs_gemm[] = {
	{"alpha", F, OPT, "1.0"}, {"beta", F, OPT, "1.0"},
	{"transA", I, OPT, "0"}, {"transB", I, OPT, "0"}, END};
static const nx_attr_spec nx_attrs_max_pool[] = {
	{"auto_pad", S, OPT, "\"NOTSET\""}, {"ceil_mode", I, OPT, "0"},
	{"dilations", IS, OPT, "ones"}, {"kernel_shape", IS, REQ, NULL},
	{"pads", IS, OPT, "zeros"}, {"storage_order", I, OPT, "0"},
	{"strides", IS, OPT, "ones"}, END};
static const nx_attr_spec nx_attrs_avg_pool[] = {
	{"auto_pad", S, OPT, "\"NOTSET\""}, {"ceil_mode", I, OPT, "0"},
	{"count_include_pad", I, OPT, "0"}, {"dilations", IS, OPT, "ones"},
	{"kernel_shape", IS, REQ, NULL}, {"pads", IS, OPT, "zeros"},
	{"strides", IS, OPT, "ones"}, END};
static const nx_attr_spec nx_attrs_is_inf[] = {
	{"detect_negative", I, OPT, "1"}, {"detect_positive", I, OPT, "1"}, END};
static const nx_attr_spec nx_attrs_mod[] = {{"fmod", I, OPT, "0"}, END};
static const nx_attr_spec nx_attrs_bit_shift[] = {{"direction", S, REQ, NULL}, END};
static const nx_attr_spec nx_attrs_cum_sum[] = {
	{"axis", I, REQ, NULL}, {"exclusive", I, OPT, "0"}, {"reverse", I, OPT, "0"}, END};
static const nx_attr_spec nx_attrs_elu[] = {{"alpha", F, OPT, "1.0"}, END};
static const nx_attr_spec nx_attrs_selu[] = {
	{"alpha", F, OPT, "1.6732632"}, {"gamma", F, OPT, "1.050701"}, END};
static const nx_attr_spec nx_attrs_shrink[] = {
	{"bias", F, OPT, "0.0"}, {"lambd", F, OPT, "0.5"}, END};
static const nx_attr_spec nx_attrs_arg[] = {
	{"axis", I, OPT, "0"}, {"keepdims", I, OPT, "1"}, {"select_last_index", I, OPT, "0"},
	END};
static const nx_attr_spec nx_attrs_top_k[] = {
	{"k", I, REQ, NULL}, {"axis", I, OPT, "-1"}, {"largest", I, OPT, "1"},
	{"sorted", I, OPT, "1"}, END};
static const nx_attr_spec nx_attrs_trilu[] = {{"upper", I, OPT, "1"}, {"k", I, OPT, "0"}, END};
static const nx_attr_spec nx_attrs_tile[] = {{"repeats", IS, REQ, NULL}, END};
static const nx_attr_spec nx_attrs_depth_to_space[] = {
	{"blocksize", I, REQ, NULL}, {"mode", S, OPT, "\"DCR\""}, END};
static const nx_attr_spec nx_attrs_space_to_depth[] = {{"blocksize", I, REQ, NULL}, END};
static const nx_attr_spec nx_attrs_gather_nd[] = {{"batch_dims", I, OPT, "0"}, END};
static const nx_attr_spec nx_attrs_scatter_elements[] = {
	{"axis", I, OPT, "0"}, {"reduction", S, OPT, "\"none\""}, END};
static const nx_attr_spec nx_attrs_scatter_nd[] = {{"reduction", S, OPT, "\"none\""}, END};
static const nx_attr_spec nx_attrs_one_hot[] = {{"depth", I, REQ, NULL}, {"axis", I, OPT, "-1"}, END};
static const nx_attr_spec nx_attrs_eye_like[] = {
	{"dtype", S, OPT, "the operand's"}, {"k", I, OPT, "0"}, END};
static const nx_attr_spec nx_attrs_instance_norm[] = {{"epsilon", F, OPT, "1e-05"}, END};
static const nx_attr_spec nx_attrs_lrn[] = {
	{"alpha", F, OPT, "0.0001"}, {"beta", F, OPT, "0.75"}, {"bias", F, OPT, "1.0"},
	{"size", I, REQ, NULL}, END};
static const nx_attr_spec nx_attrs_mvn[] = {{"axes", IS, OPT, "[0,2,3]"}, END};
static const nx_attr_spec nx_attrs_quantize[] = {
	{"axis", I, OPT, "1"}, {"saturate", I, OPT, "1"}, END};
static const nx_attr_spec nx_attrs_dequantize[] = {{"axis", I, OPT, "1"}, END};
static const nx_attr_spec nx_attrs_reverse_sequence[] = {
	{"batch_axis", I, OPT, "1"}, {"time_axis", I, OPT, "0"}, END};
static const nx_attr_spec nx_attrs_loss[] = {
	{"reduction", S, OPT, "\"mean\""}, {"ignore_index", I, OPT, "none"}, END};
/* Recurrent ops: activations is ONNX's list of strings joined with ','
 * ("Sigmoid,Tanh,Tanh"), since nex attributes have no string lists. */
#define NX_RNN_COMMON \
	{"hidden_size", I, OPT, "from W"}, {"direction", S, OPT, "\"forward\""}, \
	{"activations", S, OPT, "per op"}, {"activation_alpha", FS, OPT, "per activation"}, \
	{"activation_beta", FS, OPT, "per activation"}, {"clip", F, OPT, "none"}, \
	{"layout", I, OPT, "0"}
static const nx_attr_spec nx_attrs_lstm[] = {NX_RNN_COMMON, {"input_forget", I, OPT, "0"}, END};
static const nx_attr_spec nx_attrs_gru[] = {
	NX_RNN_COMMON, {"linear_before_reset", I, OPT, "0"}, END};
static const nx_attr_spec nx_attrs_rnn[] = {NX_RNN_COMMON, END};
#undef NX_RNN_COMMON
/* signal lane (kern_window.c, kern_dft.c, kern_grid_sample.c, kern_const_shape.c) */
static const nx_attr_spec nx_attrs_window[] = {
	{"periodic", I, OPT, "1"}, {"dtype", S, OPT, "\"f32\""}, END};
static const nx_attr_spec nx_attrs_dft[] = {
	{"axis", I, OPT, "1"}, {"inverse", I, OPT, "0"}, {"onesided", I, OPT, "0"},
	{"dft_length", I, OPT, "the axis's length"}, END};
static const nx_attr_spec nx_attrs_mel[] = {{"dtype", S, OPT, "\"f32\""}, END};
static const nx_attr_spec nx_attrs_stft[] = {
	{"frame_step", I, REQ, NULL}, {"frame_length", I, OPT, "the window's length"},
	{"onesided", I, OPT, "1"}, END};
static const nx_attr_spec nx_attrs_roi_align[] = {
	{"coordinate_transformation_mode", S, OPT, "\"half_pixel\""}, {"mode", S, OPT, "\"avg\""},
	{"output_height", I, OPT, "1"}, {"output_width", I, OPT, "1"},
	{"sampling_ratio", I, OPT, "0"}, {"spatial_scale", F, OPT, "1.0"}, END};
static const nx_attr_spec nx_attrs_grid_sample[] = {
	{"mode", S, OPT, "\"bilinear\""}, {"padding_mode", S, OPT, "\"zeros\""},
	{"align_corners", I, OPT, "0"}, END};
static const nx_attr_spec nx_attrs_constant_of_shape[] = {
	{"value", F, OPT, "0.0"}, {"dtype", S, OPT, "\"f32\""}, END};
static const nx_attr_spec nx_attrs_tf_idf[] = {
	{"mode", S, REQ, NULL}, {"min_gram_length", I, REQ, NULL},
	{"max_gram_length", I, REQ, NULL}, {"max_skip_count", I, REQ, NULL},
	{"ngram_counts", IS, REQ, NULL}, {"ngram_indexes", IS, REQ, NULL},
	{"pool_int64s", IS, REQ, NULL}, {"weights", FS, OPT, "ones"}, END};
static const nx_attr_spec nx_attrs_max_unpool[] = {
	{"kernel_shape", IS, REQ, NULL}, {"strides", IS, OPT, "ones"}, {"pads", IS, OPT, "zeros"},
	{"output_shape", IS, OPT, "the pooled-from shape"}, END};
/* Opaque ops keep whatever attributes the source had, unchecked. */
static const nx_attr_spec nx_attrs_opaque[] = {
	{"op_type", S, REQ, NULL}, {"domain", S, OPT, "\"\""}, END};

const nx_attr_spec nx_common_attrs[] = {
	/* fused activation, NX_F_ACT kinds only: act in relu, clip (act_alpha =
	 * min, act_beta = max), leaky_relu (act_alpha), hard_sigmoid (alpha,
	 * beta), hard_swish, sigmoid, tanh, gelu */
	{"act", S, OPT, NULL}, {"act_alpha", F, OPT, NULL}, {"act_beta", F, OPT, NULL},
	/* placement: "ne" or "cpu", and why (partition) */
	{"device", S, OPT, "\"ne\""}, {"device_reason", S, OPT, NULL},
	/* tile extents per dim of result 0 (tile) */
	{"tile", IS, OPT, NULL},
	/* memory plan per result: offset in its level's arena, 1 if in DRAM
	 * (plan-memory) */
	{"arena", IS, OPT, NULL}, {"spill", IS, OPT, NULL},
	/* per-output-channel weight scales (quantize-int8) */
	{"w_scale", FS, OPT, NULL},
	END};

const nx_opinfo nx_ops[NX_OP_COUNT] = {
#define X(e, text, onnx, i0, i1, o0, o1, fl, inf, at) \
	{text, onnx, i0, i1, o0, o1, fl, nx_infer_##inf, nx_attrs_##at},
#include "ops.def"
#undef X
};

int nx_op_lookup(const char *name, size_t len)
{
	for (int k = 0; k < NX_OP_COUNT; k++)
		if (strlen(nx_ops[k].name) == len && !memcmp(nx_ops[k].name, name, len))
			return k;
	return -1;
}

int nx_op_lookup_onnx(const char *op_type)
{
	for (int k = 0; k < NX_OP_COUNT; k++)
		if (nx_ops[k].onnx[0] && !strcmp(nx_ops[k].onnx, op_type))
			return k;
	return -1;
}

const nx_attr_spec *nx_attr_spec_find(int kind, const char *name)
{
	for (const nx_attr_spec *s = nx_ops[kind].attrs; s->name; s++)
		if (!strcmp(s->name, name))
			return s;
	for (const nx_attr_spec *s = nx_common_attrs; s->name; s++)
		if (!strcmp(s->name, name)) {
			if (!strncmp(name, "act", 3) && !(nx_ops[kind].flags & NX_F_ACT))
				return NULL;
			return s;
		}
	return NULL;
}

bool nx_act_valid(const char *act)
{
	static const char *acts[] = {"relu", "clip", "leaky_relu", "hard_sigmoid",
				     "hard_swish", "sigmoid", "tanh", "gelu", NULL};
	for (int i = 0; acts[i]; i++)
		if (!strcmp(acts[i], act))
			return true;
	return false;
}

const char *nx_attr_kind_name(int kind)
{
	static const char *names[NX_ATTR_KIND_COUNT] = {"int", "float", "string", "ints",
							 "floats"};
	return kind >= 0 && kind < NX_ATTR_KIND_COUNT ? names[kind] : "?";
}
