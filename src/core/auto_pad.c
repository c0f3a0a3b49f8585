/* auto_pad.c — ONNX auto_pad for conv, conv_transpose and the pools: the
 * attribute's four values and the split of a total pad into begin and end.
 * Inference, the kernels, the tile rules and the MLIR export each resolve
 * the pads of these ops, and they must agree to the element, so the rule
 * is written once here. What differs per op stays with the op: the total
 * a conv or pool needs for SAME is nx_same_total's; conv_transpose's total
 * comes from its output size (stride (in - 1) + output_padding + keff -
 * out), and nx_convt_pad_begin resolves its begin pad for all of them.
 */
#include <string.h>

#include "nx_int.h"

int nx_auto_pad(const char *s)
{
	static const char *const names[] = {"NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"};
	for (int i = 0; i < 4; i++)
		if (!strcmp(s, names[i]))
			return i;
	return -1;
}

bool nx_auto_pad_same(int ap)
{
	return ap == NX_PAD_SAME_UPPER || ap == NX_PAD_SAME_LOWER;
}

int64_t nx_same_total(int64_t in, int64_t out, int64_t stride, int64_t keff)
{
	return (out - 1) * stride + keff - in;
}

int64_t nx_pad_split(int64_t total, bool odd_at_begin, int64_t *end)
{
	/* a window that already covers the input needs no pad, never a negative one */
	if (total < 0)
		total = 0;
	int64_t begin = odd_at_begin ? total - total / 2 : total / 2;
	if (end)
		*end = total - begin;
	return begin;
}

int64_t nx_convt_pad_begin(int ap, int64_t total, int64_t opad, bool has_output_shape,
			   bool has_pads, int64_t pad)
{
	if (nx_auto_pad_same(ap))
		return nx_pad_split(total, ap == NX_PAD_SAME_LOWER, NULL);
	if (ap == NX_PAD_VALID)
		return 0;
	if (has_pads || !has_output_shape)
		return has_pads ? pad : 0;
	/* output_shape alone: the reference keeps the pads 0, so the cut rows
	 * come off the end; past output_padding's rows its col2im check
	 * refuses the op, the ONNX text puts the odd pad first and
	 * onnxruntime last: nex keeps onnxruntime's split, which models in
	 * the wild were checked against */
	if (total <= opad)
		return 0;
	return nx_pad_split(total, false, NULL);
}
