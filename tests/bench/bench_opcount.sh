#!/bin/sh
# Op counts after optimization, nex against onnxruntime, per PaddleOCR model:
# onnxruntime-node (CPU) saves its optimized model at the "basic",
# "extended" and "all" levels (optimizedModelFilePath), python3-onnx counts
# their nodes, and nex counts ops after its default pipeline. Goal: nex below
# onnxruntime's "extended" (at "all" it adds NCHWc reorder ops), with every
# decomposed hard_swish fused (onnxruntime leaves Add/Clip/Div/Mul).
# Usage: bench_opcount.sh BUILD_DIR
build=${1:-build}
nex=$build/nex
models=${NEX_MODELS:-$HOME/.cache/nex/models}
cache=${NEX_CACHE:-$HOME/.cache/nex}/ort
here=$(cd "$(dirname "$0")" && pwd)
if [ ! -s "$models/ch_PP-OCRv4_det_infer.onnx" ]; then
	echo "opcount: skipped: models not in $models (scripts/fetch-models.sh)"; exit 0
fi
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
	echo "opcount: skipped: node/npm not installed"; exit 0
fi
if [ ! -d "$cache/node_modules/onnxruntime-node" ]; then
	mkdir -p "$cache"
	# --ignore-scripts: the CPU library ships in the package; its install
	# script downloads GPU extras from a host this machine cannot reach.
	(cd "$cache" && npm install --silent --ignore-scripts onnxruntime-node >/dev/null 2>&1) ||
		{ echo "opcount: skipped: npm install onnxruntime-node failed"; exit 0; }
fi
tmp=$(mktemp -d)
printf '%-38s %6s %6s %9s %6s %6s\n' model onnx nex ort-basic ort-ext ort-all
for spec in ch_PP-OCRv4_det_infer:1,3,640,640 ch_PP-OCRv4_rec_infer:1,3,48,320 \
	ch_ppocr_mobile_v2.0_cls_infer:1,3,48,192; do
	m=${spec%%:*}
	shape=${spec#*:}
	src=$models/$m.onnx
	n_onnx=$(/usr/bin/python3 -c "import onnx,sys; g=onnx.load(sys.argv[1]).graph; print(sum(n.op_type!='Constant' for n in g.node))" "$src")
	n_nex=$("$nex" opt "$src" --shape "x=$shape" | grep -cE '^  %.* = [a-z_]+\(')
	counts=""
	for level in basic extended all; do
		NODE_PATH=$cache/node_modules node "$here/ort_optimize.js" "$src" $level "$tmp/$m.$level.onnx" 2>/dev/null
		c=$(/usr/bin/python3 -c "import onnx,sys; print(len(onnx.load(sys.argv[1]).graph.node))" "$tmp/$m.$level.onnx" 2>/dev/null || echo "?")
		counts="$counts $c"
	done
	# shellcheck disable=SC2086
	printf '%-38s %6s %6s %9s %6s %6s\n' "$m" "$n_onnx" "$n_nex" $counts
done
echo "(onnx = ONNX nodes other than Constant; nex = ops after \`nex opt --pipeline default\`)"
rm -rf "$tmp"
