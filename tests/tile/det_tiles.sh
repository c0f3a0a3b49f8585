#!/bin/sh
# The tile pass's choices on whole models (docs/passes.md "## tile"):
# - PaddleOCR det 1x3x640x640 through the default pipeline on m1: every op
#   it tiles and its `tile` attr, at the default 2 MiB (det_default.tiles:
#   the 85 tilings made before the cost bound, unchanged by it) and at
#   64 KiB (det_64k.tiles: 91 ops; the 28 the bound leaves untiled are the
#   one-row tilings, hundreds of tasks each, whose task overhead exceeds
#   streaming the op from DRAM);
# - `nex gen --kind transformer --ops 2000` at 64 KiB: the bound leaves the
#   483 matmuls whose tiles cost more than streaming untiled (524,070 tiles
#   before it, 15,126 now).
# Usage: det_tiles.sh NEX DIR. Exits 77 without the det model.
nex=$1
dir=$2
fail=0
d=$(mktemp -d) || exit 2
trap 'rm -rf "$d"' EXIT
# op result, kind and tile attr of every tiled op, in schedule order
tiles() {
	grep -o '^ *%[^ ]* = [a-z_]*(.*tile=\[[0-9,]*\]' "$1" |
		sed -E 's/^ *(%[^ ]*) = ([a-z_]*)\(.*(tile=\[[0-9,]*\])/\1 \2 \3/'
}
"$nex" gen --kind transformer --ops 2000 -o "$d/tf.nex" >"$d/log" 2>&1 ||
	{ echo "FAIL gen: $(tail -n 2 "$d/log")"; exit 1; }
if ! "$nex" opt "$d/tf.nex" --set sram=64KiB --stats -o "$d/tf-opt.nex" >"$d/stats" 2>&1; then
	echo "FAIL transformer opt: $(tail -n 2 "$d/stats")"; fail=1
elif ! grep -q "ops tiled=967, tiles=15126, ops left to DRAM (streaming cheaper than tiles)=483, ops left to DRAM (tiles under the minimum)=69" "$d/stats"; then
	echo "FAIL transformer at 64KiB: $(grep ' tile ' "$d/stats")"; fail=1
else
	echo "ok transformer 2000 ops at 64KiB: 15126 tiles, 483 ops left to DRAM by the bound"
fi
model=${NEX_MODELS:-$HOME/.cache/nex/models}/ch_PP-OCRv4_det_infer.onnx
if [ ! -f "$model" ]; then
	echo "skipped det: $model not found"
	[ $fail -eq 0 ] || exit 1  # a failure above is not hidden by the skip
	exit 77
fi
for c in default: 64k:--set\ sram=64KiB; do
	name=${c%%:*}
	# shellcheck disable=SC2086
	if ! "$nex" opt "$model" --shape x=1,3,640,640 --target m1 ${c#*:} -o "$d/det.nex" >"$d/log" 2>&1; then
		echo "FAIL det $name: $(tail -n 2 "$d/log")"; fail=1; continue
	fi
	tiles "$d/det.nex" >"$d/det.tiles"
	if diff -u "$dir/det_$name.tiles" "$d/det.tiles"; then
		echo "ok det $name: $(wc -l <"$d/det.tiles") tiled ops as expected"
	else
		echo "FAIL det $name: tilings differ"; fail=1
	fi
done
exit $fail
