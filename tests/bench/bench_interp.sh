#!/bin/sh
# bench_interp.sh BUILD_DIR — nex's reference interpreter against
# onnxruntime-node (CPU execution provider) on PaddleOCR PP-OCRv4 det at
# 1x3x640x640, the same input for both (a synthetic page of text,
# synth_text.js). Each side is timed inside its own process around the run
# call alone: median of 5 runs after a warm-up (`nex run --repeat 5`,
# ort_run.js --repeat 5), both with their default thread count (one per
# core). Prints both medians and the ratio; the goal is nex within 3x.
#
# Needs node and npm: onnxruntime-node is installed on first use into
# $NEX_ORT_DIR (default ~/.cache/nex/ort) with npm install --ignore-scripts.
# The model comes from $NEX_MODELS (scripts/fetch-models.sh fetches it).
# Build nex with -DCMAKE_BUILD_TYPE=Release for figures worth quoting.
set -eu
if [ $# -ne 1 ]; then
	echo "usage: $0 BUILD_DIR" >&2
	exit 2
fi
nex=$1/nex
here=$(cd "$(dirname "$0")" && pwd)
models=${NEX_MODELS:-$HOME/.cache/nex/models}
model=$models/ch_PP-OCRv4_det_infer.onnx
ort_dir=${NEX_ORT_DIR:-$HOME/.cache/nex/ort}
shape=1,3,640,640

[ -x "$nex" ] || { echo "bench_interp: $nex is not built" >&2; exit 1; }
command -v node >/dev/null 2>&1 || { echo "bench_interp: node is not installed" >&2; exit 1; }
if [ ! -s "$model" ]; then
	sh "$here/../../scripts/fetch-models.sh"
	[ -s "$model" ] || { echo "bench_interp: no $model" >&2; exit 1; }
fi
NODE_PATH=${NODE_PATH:+$NODE_PATH:}$ort_dir/node_modules
export NODE_PATH
if ! node -e "require('onnxruntime-node')" >/dev/null 2>&1; then
	command -v npm >/dev/null 2>&1 || { echo "bench_interp: npm is not installed" >&2; exit 1; }
	echo "bench_interp: installing onnxruntime-node into $ort_dir" >&2
	mkdir -p "$ort_dir"
	(cd "$ort_dir" && npm install --ignore-scripts --no-audit --no-fund --silent \
		onnxruntime-node >/dev/null)
	node -e "require('onnxruntime-node')" >/dev/null 2>&1 ||
		{ echo "bench_interp: onnxruntime-node does not load" >&2; exit 1; }
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
mkdir -p "$tmp/in"
node "$here/synth_text.js" "$tmp/in/input_0.npy" "$shape" 7

"$nex" run "$model" --shape "x=$shape" --inputs "$tmp/in" --repeat 5 >"$tmp/nex.txt"
nex_ms=$(sed -n 's/^time: median \([0-9.]*\) ms.*/\1/p' "$tmp/nex.txt")
node "$here/ort_run.js" "$model" --input "x=$tmp/in/input_0.npy" --repeat 5 >"$tmp/ort.txt"
ort_ms=$(sed -n 's/^ort median_ms=\([0-9.]*\).*/\1/p' "$tmp/ort.txt")
if [ -z "$nex_ms" ] || [ -z "$ort_ms" ]; then
	echo "bench_interp: could not read the timings:" >&2
	cat "$tmp/nex.txt" "$tmp/ort.txt" >&2
	exit 1
fi

cores=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo "?")
echo "PaddleOCR PP-OCRv4 det, x=$shape, $cores cores, median of 5 runs after a warm-up"
echo "nex interpreter:        $nex_ms ms"
echo "onnxruntime-node (cpu): $ort_ms ms"
awk -v a="$nex_ms" -v b="$ort_ms" 'BEGIN {
	r = a / b
	printf "ratio nex/ort:          %.2fx (goal: within 3x: %s)\n", r, r <= 3 ? "met" : "missed"
}'
