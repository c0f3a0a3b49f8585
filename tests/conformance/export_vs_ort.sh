#!/bin/sh
# export_vs_ort.sh NEX — the exporter held to onnxruntime-node: each graph in
# export_ort/ is written as ONNX (`nex convert`), run by onnxruntime-node
# (CPU, graph optimizations off, so its kernels and not its rewrites
# answer) and by nex's interpreter on the same seeded inputs (`nex run
# --save-inputs`); the outputs must agree (`nex compare`, rtol/atol 1e-4,
# NaN only where the other has NaN). The cases: DFT at opset 18 (axis an
# attribute) and at opset 20, which a gelu forces and where axis is an input
# and GridSample's modes are linear/cubic; MaxPool with Indices on NaNs
# (max_pool_argmax's NaN rule is onnxruntime's); MelWeightMatrix. Each exported model is
# also imported again by nex and must give the same numbers bit for bit.
# Anything missing: "skipped: <why>", exit 77.
set -u
nex=$1
here=$(cd "$(dirname "$0")" && pwd)
. "$here/ort_env.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
status=0
for src in "$here"/export_ort/*.nex; do
	c=$(basename "$src" .nex)
	echo "== $c"
	if ! "$nex" convert "$src" "$tmp/$c.onnx"; then
		echo "FAIL: nex convert $c"
		status=1
		continue
	fi
	if ! "$nex" run "$src" --seed 5 --range -1,1 --save-inputs "$tmp/$c.in" --npy \
		--outputs "$tmp/$c.nex" >/dev/null; then
		echo "FAIL: nex run $c"
		status=1
		continue
	fi
	# input_K.npy to onnxruntime by name: the names are the graph line's
	set --
	k=0
	for n in $(sed -n '1s/) ->.*//p' "$src" | grep -o '%[A-Za-z0-9_]*:' | tr -d '%:'); do
		set -- "$@" --input "$n=$tmp/$c.in/input_$k.npy"
		k=$((k + 1))
	done
	if ! node "$here/../bench/ort_run.js" "$tmp/$c.onnx" --opt disabled "$@" \
		--outputs "$tmp/$c.ort"; then
		echo "FAIL: onnxruntime-node refused or failed on $c.onnx"
		status=1
		continue
	fi
	if ! "$nex" compare "$tmp/$c.nex" "$tmp/$c.ort" --rtol 1e-4 --atol 1e-4; then
		echo "FAIL: $c: nex and onnxruntime-node disagree"
		status=1
	fi
	# and back: nex's import of the export gives the same numbers
	if ! "$nex" run "$tmp/$c.onnx" --inputs "$tmp/$c.in" --npy --outputs "$tmp/$c.back" \
		>/dev/null || ! "$nex" compare "$tmp/$c.nex" "$tmp/$c.back" --rtol 0 --atol 0; then
		echo "FAIL: $c: nex's import of its own export runs differently"
		status=1
	fi
done
exit $status
