#!/bin/sh
# ctest onnx/old-opset-table: src/core/onnx_old_opset.def must be what
# scripts/gen-onnx-old-opsets.py writes from the installed python3-onnx's
# schema history (a hand edit or a stale table fails). Without python3-onnx
# it skips (77).
src=$1
if ! /usr/bin/python3 -c 'import onnx.defs' 2>/dev/null; then
	echo "skipped: python3-onnx is not installed"
	exit 77
fi
tmp=$(mktemp) || exit 2
trap 'rm -f "$tmp"' EXIT
/usr/bin/python3 "$src/scripts/gen-onnx-old-opsets.py" > "$tmp" || exit 1
if ! diff -u "$src/src/core/onnx_old_opset.def" "$tmp"; then
	echo "src/core/onnx_old_opset.def is stale: run scripts/gen-onnx-old-opsets.py > src/core/onnx_old_opset.def"
	exit 1
fi
echo "onnx_old_opset.def matches the schema history"
