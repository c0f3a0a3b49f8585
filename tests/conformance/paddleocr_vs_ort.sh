#!/bin/sh
# paddleocr_vs_ort.sh NEX — the three PaddleOCR models (det, rec, cls) run by
# nex's reference interpreter and by onnxruntime-node (CPU) on the same
# synthetic page of text (tests/bench/synth_text.js: random noise would make
# the detector answer ~0 everywhere, and any two runtimes agree on that);
# the outputs must agree within rtol 1e-3, atol 1e-5 (`nex compare`). Models come from $NEX_MODELS (default ~/.cache/nex/models,
# filled by scripts/fetch-models.sh); onnxruntime-node from NODE_PATH or
# $NEX_ORT_DIR (default ~/.cache/nex/ort, where tests/bench/bench_interp.sh
# installs it). Anything missing: prints "skipped: <why>" and exits 77 (ctest: skipped).
set -u
nex=$1
here=$(cd "$(dirname "$0")" && pwd)
models=${NEX_MODELS:-$HOME/.cache/nex/models}
. "$here/ort_env.sh"
ort_need_models "$models" ch_PP-OCRv4_det_infer ch_PP-OCRv4_rec_infer ch_ppocr_mobile_v2.0_cls_infer

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
status=0
for spec in "ch_PP-OCRv4_det_infer 1,3,640,640" "ch_PP-OCRv4_rec_infer 1,3,48,320" \
	    "ch_ppocr_mobile_v2.0_cls_infer 1,3,48,192"; do
	set -- $spec
	m=$1 shape=$2
	echo "== $m x=$shape"
	mkdir -p "$tmp/$m.in"
	if ! node "$here/../bench/synth_text.js" "$tmp/$m.in/input_0.npy" "$shape" 7; then
		echo "FAIL: synth_text.js"
		status=1
		continue
	fi
	if ! "$nex" run "$models/$m.onnx" --shape "x=$shape" --inputs "$tmp/$m.in" --npy \
		--outputs "$tmp/$m.nex"; then
		echo "FAIL: nex run $m"
		status=1
		continue
	fi
	if ! node "$here/../bench/ort_run.js" "$models/$m.onnx" \
		--input "x=$tmp/$m.in/input_0.npy" --outputs "$tmp/$m.ort"; then
		echo "FAIL: onnxruntime-node on $m"
		status=1
		continue
	fi
	if ! "$nex" compare "$tmp/$m.nex" "$tmp/$m.ort" --rtol 1e-3 --atol 1e-5; then
		echo "FAIL: $m: nex and onnxruntime-node disagree"
		status=1
	fi
done
exit $status
