#!/bin/sh
# Per-tile lowering of conv_transpose (src/core/convt_tile.c,
# src/codegen/tile_kinds.c): tiles-convt.nex's tiled conv_transposes
# (grouped, strides above the kernel, output_padding, auto_pad and
# output_shape among them) must lower to one NE task per tile, and an f16
# one too; `nex exec` must equal `nex run` bit for bit
# under several allocators and at a small SRAM; the interpreter's tiled ops
# must be the untiled ones within float rounding (a tile reading the wrong
# input rows or placing them with the wrong pads would not be). Then det
# (PaddleOCR), whose head has two conv_transposes, through the default
# pipeline and its tile pass: they must be split, and exec == run bit for
# bit. The fixture always runs; when det is missing and the fixture passed,
# the test exits 77 (skipped).
# Usage: tiles-convt.sh NEX SRC
nex=$1 src=$2
d=$(mktemp -d) || exit 1
trap 'rm -rf "$d"' EXIT
fail=0
f=$src/tests/codegen/tiles-convt.nex
if ! "$nex" codegen "$f" --target m1 -o "$d/p.neasm" >"$d/log" 2>&1; then
	echo "FAIL codegen: $(tail -n 2 "$d/log")"; exit 1
fi
. "$src/tests/codegen/tile_count.sh" # count VALUE N: op %VALUE lowers to N tile tasks
count a 12
count b 12
count c 6
count e 3
count d 3
count g 18
count q 6
count o 8
count s 16
count h 16
for a in recorded bestfit split; do
	exec_eq "$a" "$f" --alloc $a
done
exec_eq "sram=64KiB split" "$f" --pipeline default --set sram=64KiB --alloc split
exec_eq "sram=64KiB belady" "$f" --pipeline default --set sram=64KiB --alloc belady
# the tiles compute the ops: untiled within rounding
sed 's/, tile=\[[0-9,]*\]//; s/ {tile=\[[0-9,]*\]}//' "$f" >"$d/whole.nex"
if grep -q 'tile=' "$d/whole.nex"; then
	echo "FAIL: the untiled copy still has tiles"; fail=1
fi
mkdir -p "$d/t" "$d/w"
if "$nex" run "$f" --seed 5 --outputs "$d/t" >"$d/log" 2>&1 &&
	"$nex" run "$d/whole.nex" --seed 5 --outputs "$d/w" >>"$d/log" 2>&1 &&
	"$nex" compare "$d/t" "$d/w" --rtol 1e-4 --atol 1e-4 >>"$d/log" 2>&1; then
	echo "ok tiled == untiled within 1e-4"
else
	echo "FAIL tiled vs untiled: $(tail -n 4 "$d/log")"; fail=1
fi
# the tile pass splits a conv_transpose as codegen runs it: stride 3 over
# a 2x2 kernel by rows (tiles with rows no input reaches), and the program
# has those tiles
cat >"$d/s3.nex" <<'NEX'
graph @s3(%x: f32[1,8,32,32]) -> (%d: f32[1,16,95,95]) {
  %w = const f32[8,16,2,2] fill(random, seed=6)
  %d = conv_transpose(%x, %w) {strides=[3,3]} : f32[1,16,95,95]
  return %d
}
NEX
set -- "$d/s3.nex" --pipeline default --target m1 --set sram=256KiB
if ! "$nex" codegen "$@" -o "$d/s3.neasm" >"$d/log" 2>&1; then
	echo "FAIL s3 codegen: $(tail -n 2 "$d/log")"; fail=1
elif ! grep -qE '^t[0-9]+ ne conv op=%d tile=0/3 .*; conv_transpose$' "$d/s3.neasm" ||
	! "$nex" opt "$@" 2>&1 | grep -q 'tile=\[1,16,32,95\]'; then
	echo "FAIL s3: the tile pass did not split rows into 3 tiles:"
	grep -E '^t[0-9]+ ne conv op=%d' "$d/s3.neasm" | head -n 2; fail=1
else
	if out=$("$nex" exec "$@" --seed 5 --compare 2>&1) && echo "$out" | grep -q "bit for bit"; then
		echo "ok s3: the tile pass splits rows, exec == run"
	else
		echo "FAIL s3 exec: $(echo "$out" | tail -n 3)"; fail=1
	fi
fi
# f16: both sides widen to f32, compute the tile and round each element
# back, so the tiles are the same bits, at 1 and 2 threads
cat >"$d/h16.nex" <<'NEX'
graph @h16(%x: f16[1,8,16,16]) -> (%y: f16[1,6,33,33]) {
  %w = const f16[8,6,3,3] fill(random, seed=3)
  %b = const f16[6] fill(random, seed=4)
  %y = conv_transpose(%x, %w, %b) {strides=[2,2], act="relu", tile=[1,3,7,12]} : f16[1,6,33,33]
  return %y
}
NEX
n=$("$nex" codegen "$d/h16.nex" --target m1 2>&1 | grep -cE '^t[0-9]+ ne conv op=%y tile=[0-9]+/30 ')
if [ "$n" -ne 30 ]; then
	echo "FAIL f16: $n tile tasks, want 30"; fail=1
fi
for th in 1 2; do
	if out=$("$nex" exec "$d/h16.nex" --target m1 --seed 5 --threads $th --compare 2>&1) &&
		echo "$out" | grep -q "bit for bit"; then
		echo "ok f16: 30 tile tasks, exec == run at $th threads"
	else
		echo "FAIL f16 exec ($th threads): $(echo "$out" | tail -n 3)"; fail=1
	fi
done
m=${NEX_MODELS:-$HOME/.cache/nex/models}
det=$m/ch_PP-OCRv4_det_infer.onnx
if [ ! -f "$det" ]; then
	echo "det: skipped ($det missing)"
	[ $fail = 0 ] && exit 77
	exit $fail
fi
for s in "" 512KiB; do
	set -- "$det" --shape x=1,3,640,640 --pipeline default --target m1
	[ -n "$s" ] && set -- "$@" --set sram=$s --alloc split
	if ! "$nex" codegen "$@" -o "$d/det.neasm" >"$d/log" 2>&1; then
		echo "FAIL det codegen ${s:-default}: $(tail -n 2 "$d/log")"; fail=1; continue
	fi
	n=$(grep -E '^t[0-9]+ ne conv .* tile=[0-9]+/[0-9]+' "$d/det.neasm" | grep -c 'conv_transpose')
	one=$(grep -E '^t[0-9]+ ne conv ' "$d/det.neasm" | grep 'conv_transpose' | grep -vc ' tile=')
	if [ "$n" -lt 4 ] || [ "$one" -ne 0 ]; then
		echo "FAIL det ${s:-default}: $n conv_transpose tile tasks, $one whole; want both split"; fail=1
	elif out=$("$nex" exec "$@" --compare 2>&1) && echo "$out" | grep -q "bit for bit"; then
		echo "ok det ${s:-default}: $n conv_transpose tile tasks, exec == run"
	else
		echo "FAIL det exec ${s:-default}: $(echo "$out" | tail -n 3)"; fail=1
	fi
done
exit $fail
