/* quant_ops.c — where the integer MAC ops keep their operands, for the
 * readers that treat them as the conv or GEMM they are (the sim's cost
 * families, target_support.c's window limits): ConvInteger and QLinearConv
 * are convs, MatMulInteger and QLinearMatMul matmuls, and the QLinear forms
 * put the weights (ONNX's w / B) at operand 3, after x's scale and zero
 * point. They carry no NX_F_MAC flag on purpose: the passes that rewrite
 * float MAC ops (fuse-activation, quantize-int8, fold-batchnorm, tile,
 * layout-ne) must leave them alone.
 */
#include "nx.h"

int nx_int_mac_kind(int kind)
{
	switch (kind) {
	case NX_OP_CONV_INTEGER:
	case NX_OP_QLINEAR_CONV:
		return NX_INT_MAC_CONV;
	case NX_OP_MATMUL_INTEGER:
	case NX_OP_QLINEAR_MATMUL:
		return NX_INT_MAC_MATMUL;
	default:
		return 0;
	}
}

uint32_t nx_mac_weight_operand(int kind)
{
	return kind == NX_OP_QLINEAR_CONV || kind == NX_OP_QLINEAR_MATMUL ? 3 : 1;
}
