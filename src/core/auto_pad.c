/* auto_pad.c — ONNX auto_pad for conv, conv_transpose and the pools: the
 * attribute's four values and the split of a total pad into begin and end.
 * Inference, the kernels, the tile rules and the MLIR export each resolve
 * the pads of these ops, and they must agree to the element, so the rule
 * is written once here. What differs per op stays with the op: the total
 * a conv or pool needs for SAME is nx_same_total's; conv_transpose's total
 * comes from its output size (stride (in - 1) + output_padding + keff -
 * out) and its own callers decide which end takes the odd pad when only
 * output_shape is given.
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
