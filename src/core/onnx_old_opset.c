/* onnx_old_opset.c — reading a model of opset 1 to 5 op by op.
 *
 * nex translates ONNX ops by opset 6's rules and later. A model declaring
 * an older opset is still read when every one of its default-domain ops
 * has the same definition at the model's opset as at opset 6: the table
 * onnx_old_opset.def, generated from onnx's schema history by
 * scripts/gen-onnx-old-opsets.py, says from which opset each op's opset-6
 * definition holds. A node whose op changed in between is refused naming
 * the op, so nothing is read under the wrong rules.
 */
#include <string.h>

#include "onnx_int.h"

typedef struct old_row {
	const char *op_type;
	int since;  /* the opset-6 definition holds from this opset on */
} old_row;

static const old_row rows[] = {
#define X(name, since) {name, since},
#include "onnx_old_opset.def"
#undef X
};

int nx_onnx_old_opset_check(nx_onnx_imp *im, const char *op_type)
{
	if (im->model_opset >= 6)
		return 0;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		if (strcmp(rows[i].op_type, op_type))
			continue;
		if (im->model_opset >= rows[i].since)
			return 0;
		return nx_onnx_fail(im, "the model's opset %lld defines %s differently from "
				    "opset 6, the oldest nex reads (it changed at opset %d): "
				    "convert the model with onnx.version_converter first",
				    (long long)im->model_opset, op_type, rows[i].since);
	}
	return nx_onnx_fail(im, "%s is not an op of opset %lld as nex reads it (nex reads "
			    "opsets 6 to 20, and older ones only for ops unchanged since): "
			    "convert the model with onnx.version_converter first", op_type,
			    (long long)im->model_opset);
}
