#!/bin/sh
# Per-tile lowering of the row-independent kinds (src/codegen/tile_kinds.c):
# at sram=256KiB the default pipeline tiles tiles.nex's softmax (H), layer
# norm (H) and two resizes (channels), two more resizes carry hand-written
# row tiles (10 and 12 tiles), and tiles-norms.nex's batch norm,
# instance norm, LRN, MVN, log_softmax and reduce_mean, tiles-pool.nex's
# and tiles-pool2.nex's hand-written row, column and batch tiles of pools
# (padded, auto_pad, dilated, ceil_mode, both count_include_pad), and
# tiles-concat.nex's concat tiles along the concat axis; each must lower to
# one NE task per tile, and `nex exec` must equal `nex run` bit for bit
# under several allocators (for the pools and concats also at a small
# SRAM, where the allocators spill); and the generated ResNet at 128KiB
# must split its stem's padded max pool by rows, leaving no tiled op whole. A hand-written tile that splits the softmax axis must stay
# one task (the tile would not be exact). Usage: tiles.sh NEX SRC
nex=$1 src=$2
d=$(mktemp -d) || exit 1
trap 'rm -rf "$d"' EXIT
fail=0
set -- --pipeline default --target m1 --set sram=256KiB
gen() { # fixture
	f=$src/tests/codegen/$1; shift
	if ! "$nex" codegen "$f" "$@" -o "$d/p.neasm" >"$d/log" 2>&1; then
		echo "FAIL codegen $(basename "$f"): $(tail -n 2 "$d/log")"; exit 1
	fi
}
. "$src/tests/codegen/tile_count.sh" # count VALUE N: op %VALUE lowers to N tile tasks
exec_allocs() { # allocators...
	for a in "$@"; do
		if out=$("$nex" exec "$f" $opts --alloc $a --compare 2>&1) &&
			echo "$out" | grep -q "bit for bit"; then
			echo "ok $(basename "$f"): exec == run ($a)"
		else
			echo "FAIL $(basename "$f") exec ($a): $(echo "$out" | tail -n 3)"; fail=1
		fi
	done
}
opts="$*"
gen tiles.nex "$@"
count s 4
count n 5
count y 11
count z 11
count u 10
count v 12
exec_allocs recorded bestfit split
gen tiles-norms.nex "$@"
count b 5
count i 5
count n 4
count m 4
count l 4
count r 3
exec_allocs recorded split
# pools by rows and columns (unpadded, and padded: each tile's own pads)
gen tiles-pool.nex --target m1
count m 16
count a 4
count s 8
count p 4
opts="--target m1"
exec_allocs recorded bestfit split
opts="--pipeline default --target m1 --set sram=64KiB"
exec_allocs split belady
# padded, auto_pad, dilated and ceil_mode pools, batch tiles, a global pool
gen tiles-pool2.nex --target m1
count m 7
count a 48
count i 20
count u 6
count l 15
count c 3
count b 8
count s 8
count g 4
if ! grep -qE '^t[0-9]+ ne pool op=%i tile=0/20 .* p=2,1,0,0 ' "$d/p.neasm" ||
	! grep -qE '^t[0-9]+ ne pool op=%i tile=19/20 .* p=0,0,1,2 ' "$d/p.neasm" ||
	! grep -qE '^t[0-9]+ ne pool op=%i tile=6/20 .* p=0,0,0,0 ' "$d/p.neasm"; then
	echo "FAIL %i: the edge tiles do not carry the op's pads on their border side only"; fail=1
else
	echo "ok %i: edge tiles carry the op's pads on their border side only"
fi
if [ "$(grep -cE '^t[0-9]+ ne pool op=%e( |$)' "$d/p.neasm")" -ne 1 ] ||
	! grep -qE '^t[0-9]+ ne pool op=%e .*not split: a row or column tile holding only' "$d/p.neasm"; then
	echo "FAIL %e: a tile of only ceil_mode's extra window was split, or the listing does not say why not"; fail=1
else
	echo "ok %e: a tile of only ceil_mode's extra window stays one task and says why"
fi
opts="--target m1"
exec_allocs recorded bestfit split
opts="--target m1 --set sram=64KiB"
exec_allocs split belady
# concat tiles along the concat axis: a tile takes each operand's overlap
gen tiles-concat.nex --target m1
count c 6
count r 12
count h 5
count k 6
if ! awk '/^t[0-9]+ ne move op=%c tile=1\/6/ {on = 1; next} /^t/ {on = 0}
	on && /^  in / {print}' "$d/p.neasm" | grep -c 'win ' | grep -qx 2; then
	echo "FAIL %c: tile 1 (channels 3-5) does not read two operand windows"; fail=1
else
	echo "ok %c: tile 1 reads the overlap of two operands"
fi
opts="--target m1"
exec_allocs recorded bestfit split
opts="--target m1 --set sram=16KiB"
exec_allocs split belady bestfit
# a hand-edited concat tile whose operand window is not its part is refused
awk '/^t[0-9]+ ne move op=%c tile=1\/6/ {on = 1; print; next} /^t/ {on = 0}
	on && /^  in / && !done {sub(/win 0\+1,3\+2,/, "win 0+1,2+2,"); done = 1} {print}' \
	"$d/p.neasm" >"$d/bad.neasm"
if cmp -s "$d/p.neasm" "$d/bad.neasm"; then
	echo "FAIL %c: the edit of tile 1's window did not apply"; fail=1
elif out=$("$nex" exec "$d/bad.neasm" --no-check 2>&1) ||
	! echo "$out" | grep -q "tile 1: concat operand 0: its window is not the part of it the tile covers"; then
	echo "FAIL %c: a wrong operand window was not refused: $out"; fail=1
else
	echo "ok %c: a wrong operand window is refused by name"
fi
# the generated ResNet at 128KiB: the tile pass splits the stem's padded
# max pool by rows; no tiled op is left one task
"$nex" gen --kind resnet --ops 200 -o "$d/r.nex" >/dev/null 2>&1 || { echo "FAIL nex gen resnet"; exit 1; }
f=$d/r.nex
if ! "$nex" codegen "$f" --pipeline default --target m1 --set sram=128KiB -o "$d/p.neasm" >"$d/log" 2>&1; then
	echo "FAIL codegen resnet: $(tail -n 2 "$d/log")"; exit 1
fi
count stem_pool 56
if [ "$(grep -c 'not split' "$d/p.neasm")" -ne 0 ]; then
	echo "FAIL resnet: $(grep -c 'not split' "$d/p.neasm") tiled ops left one task"; fail=1
else
	echo "ok resnet: no tiled op left one task"
fi
opts="--pipeline default --target m1 --set sram=128KiB"
exec_allocs recorded
cat >"$d/axis.nex" <<'G'
graph @axis(%x: f32[1,32,8,8]) -> (%y: f32[1,32,8,8]) {
  %y = softmax(%x) {axis=1, tile=[1,8,8,8]} : f32[1,32,8,8]
  return %y
}
G
if ! "$nex" codegen "$d/axis.nex" --target m1 -o "$d/a.neasm" >"$d/log" 2>&1; then
	echo "FAIL axis codegen: $(tail -n 2 "$d/log")"; fail=1
elif [ "$(grep -cE '^t[0-9]+ ne ' "$d/a.neasm")" -ne 1 ] || grep -q 'tile=' "$d/a.neasm"; then
	echo "FAIL axis: a tile across the softmax axis was split"; fail=1
else
	echo "ok axis: a tile across the softmax axis stays one task"
fi
if ! "$nex" exec "$d/axis.nex" --target m1 --compare 2>&1 | grep -q "bit for bit"; then
	echo "FAIL axis exec"; fail=1
fi
exit $fail
