/* onnx_rnn.c — ONNX LSTM, GRU and RNN nodes -> nex's lstm, gru, rnn.
 *
 * Two things differ from the one-to-one translation of onnx_opset.c:
 *   - optional inputs may be left out in the middle (B absent but
 *     sequence_lens given, or initial_h given without B): each becomes an
 *     absent operand in its position, which the registry allows for the
 *     optional tail (operands 3 and up);
 *   - optional outputs may be unnamed in the middle (Y left out, Y_h
 *     asked for, as the node tests and most exporters write it): nex keeps
 *     every result up to the last named one, so positions hold, and gives
 *     the unnamed ones helper names; nothing reads them.
 * activations (a list of strings, which nex attributes do not have) is
 * kept joined with ',' (ops.c); the exporter splits it back.
 */
#include <stdlib.h>
#include <string.h>

#include "onnx_int.h"

/* activations as one comma-joined string attribute on op. */
static int set_activations(nx_onnx_imp *im, uint32_t op)
{
	const Onnx__AttributeProto *a = nx_onnx_attr(im->node, "activations");
	if (!a)
		return 0;
	if (nx_onnx_attr_type(a) != ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRINGS)
		return nx_onnx_fail(im, "attribute 'activations' is not a list of strings");
	nx_strbuf sb = {0};
	int rc = 0;
	for (size_t i = 0; i < a->n_strings && !rc; i++) {
		const ProtobufCBinaryData *s = &a->strings[i];
		if (!s->len || memchr(s->data, ',', s->len) || memchr(s->data, 0, s->len)) {
			rc = nx_onnx_fail(im, "activation %zu is not a function name", i);
			break;
		}
		if (i)
			nx_strbuf_putc(&sb, ',');
		nx_strbuf_put(&sb, (const char *)s->data, s->len);
	}
	if (!rc)
		nx_attr_set_s(im->g, op, "activations", sb.n ? sb.s : "");
	free(sb.s);
	return rc;
}

int nx_onnx_tr_rnn(nx_onnx_imp *im, int kind)
{
	static const char *const skip[] = {"activations", NULL};
	const Onnx__NodeProto *nd = im->node;
	uint32_t n = (uint32_t)(nd->n_input > 64 ? 64 : nd->n_input);
	while (n && (!nd->input[n - 1] || !nd->input[n - 1][0]))
		n--;
	if (n > nx_ops[kind].in_max)
		return nx_onnx_fail(im, "has %zu inputs; %s takes at most %u", nd->n_input,
				    nx_onnx_s(nd->op_type), nx_ops[kind].in_max);
	uint32_t in[8];
	for (uint32_t i = 0; i < n; i++)
		if (nx_onnx_operand(im, i, &in[i]))
			return -1;
	for (uint32_t i = 0; i < 3; i++)
		if (i >= n || in[i] == NX_NONE)
			return nx_onnx_fail(im, "input %u (%s) is missing", i, i == 0 ? "X" : i == 1 ? "W" : "R");
	uint32_t n_out = (uint32_t)(nd->n_output > 64 ? 64 : nd->n_output);
	while (n_out && (!nd->output[n_out - 1] || !nd->output[n_out - 1][0]))
		n_out--;
	if (!n_out)
		return nx_onnx_fail(im, "has no outputs");
	if (n_out > nx_ops[kind].out_max)
		return nx_onnx_fail(im, "has %u outputs; %s gives at most %u", n_out,
				    nx_onnx_s(nd->op_type), nx_ops[kind].out_max);
	const char *names[3];
	for (uint32_t i = 0; i < n_out; i++)
		names[i] = nd->output[i] && nd->output[i][0] ? nd->output[i] : NULL;
	uint32_t op = nx_onnx_op_new(im, kind, in, n, n_out, names);
	if (op == NX_NONE || nx_onnx_copy_attrs(im, op, skip) || set_activations(im, op))
		return -1;
	return nx_onnx_op_done(im, op, NULL);
}
