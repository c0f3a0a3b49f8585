#!/bin/sh
# Per-tile lowering of matmul and gemm (src/core/matmul_tile.c,
# src/codegen/tile_kinds.c): tiles-mm.nex's four tiled products must lower
# to one NE task per tile; `nex exec` must equal `nex run` bit for bit
# under several allocators and at a small SRAM that spills; the
# interpreter's tiled products must be the untiled ones within float
# rounding (a tile gathering the wrong rows or columns would not be).
# Then rec (PaddleOCR) through the default pipeline at a small SRAM, which
# tiles its matmuls: exec == run bit for bit. The fixture always runs; when
# rec is missing and the fixture passed, the test exits 77 (skipped).
# Usage: tiles-mm.sh NEX SRC
nex=$1 src=$2
d=$(mktemp -d) || exit 1
trap 'rm -rf "$d"' EXIT
fail=0
f=$src/tests/codegen/tiles-mm.nex
if ! "$nex" codegen "$f" --target m1 -o "$d/p.neasm" >"$d/log" 2>&1; then
	echo "FAIL codegen: $(tail -n 2 "$d/log")"; exit 1
fi
. "$src/tests/codegen/tile_count.sh" # count VALUE N: op %VALUE lowers to N tile tasks
count a 6
count b 24
count g 9
count h 3
for a in recorded bestfit split; do
	exec_eq "$a" "$f" --alloc $a
done
# a small SRAM through the default pipeline: the split allocator spills
# %s (its def piece in SRAM, a spill DMA home) around the tiles
set -- --pipeline default --set sram=160KiB
if ! "$nex" codegen "$f" --target m1 "$@" --alloc split -o "$d/s.neasm" >"$d/log" 2>&1; then
	echo "FAIL codegen sram=160KiB: $(tail -n 2 "$d/log")"; fail=1
elif ! grep -qE '^t[0-9]+ dma spill ' "$d/s.neasm"; then
	echo "FAIL sram=160KiB: no spill task; the case does not test spills"; fail=1
else
	exec_eq "sram=160KiB split" "$f" "$@" --alloc split
	exec_eq "sram=160KiB belady" "$f" "$@" --alloc belady
fi
# the tiles compute the products: untiled within rounding
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
m=${NEX_MODELS:-$HOME/.cache/nex/models}
rec=$m/ch_PP-OCRv4_rec_infer.onnx
if [ ! -f "$rec" ]; then
	echo "rec: skipped ($rec missing)"
	[ $fail = 0 ] && exit 77
	exit $fail
fi
set -- "$rec" --shape x=1,3,48,320 --pipeline default --target m1 --set sram=64KiB
if ! "$nex" codegen "$@" -o "$d/r.neasm" >"$d/log" 2>&1; then
	echo "FAIL rec codegen: $(tail -n 2 "$d/log")"; fail=1
else
	n=$(grep -cE '^t[0-9]+ ne matmul .* tile=[0-9]+/[0-9]+' "$d/r.neasm")
	if [ "$n" -lt 2 ]; then
		echo "FAIL rec: no matmul or gemm tiles ($n tasks); the case does not test them"; fail=1
	elif out=$("$nex" exec "$@" --seed 1 --compare 2>&1) && echo "$out" | grep -q "bit for bit"; then
		echo "ok rec: $n matmul tile tasks, exec == run"
	else
		echo "FAIL rec exec: $(echo "$out" | tail -n 3)"; fail=1
	fi
fi
exit $fail
