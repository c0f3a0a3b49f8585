# ort_env.sh — sourced (`. ort_env.sh`) by the scripts that hold nex to
# onnxruntime-node's numbers (paddleocr_vs_ort.sh, silero_vs_ort.sh): puts
# onnxruntime-node on NODE_PATH (after any NODE_PATH given, then
# $NEX_ORT_DIR, default ~/.cache/nex/ort, where scripts/fetch-models.sh and
# tests/bench/bench_interp.sh install it) and, when node or
# onnxruntime-node is missing, prints "skipped: <why>" and exits 77 (ctest:
# skipped). ort_need_models DIR NAME... does the same when a DIR/NAME.onnx
# is missing or empty.
ort_dir=${NEX_ORT_DIR:-$HOME/.cache/nex/ort}
NODE_PATH=${NODE_PATH:+$NODE_PATH:}$ort_dir/node_modules
export NODE_PATH

if ! command -v node >/dev/null 2>&1; then
	echo "skipped: node is not installed"
	exit 77
fi
if ! node -e "require('onnxruntime-node')" >/dev/null 2>&1; then
	echo "skipped: onnxruntime-node not found (NODE_PATH, $ort_dir;" \
	     "scripts/fetch-models.sh or tests/bench/bench_interp.sh installs it)"
	exit 77
fi

ort_need_models() {
	ort_models_dir=$1
	shift
	for ort_m in "$@"; do
		if [ ! -s "$ort_models_dir/$ort_m.onnx" ]; then
			echo "skipped: $ort_models_dir/$ort_m.onnx is missing" \
			     "(scripts/fetch-models.sh fetches it)"
			exit 77
		fi
	done
}
