#!/bin/sh
# Per-tile lowering of transpose, slice (steps 1) and the reshape family
# (reshape, flatten, squeeze, unsqueeze; src/core/move_tile.c,
# src/codegen/tile_move.c):
# tiles-move.nex's tiled moves must lower to one move task per tile, a
# reshape tile that is no window of its operand and a strided slice must
# stay one task and say why, and `nex exec` must equal `nex run` bit for bit under several
# allocators and at a small SRAM that spills. Then the same graph without
# its tile attrs through the default pipeline at a small SRAM: the tile
# pass tiles the moves only as codegen lowers them (no "not split" move),
# exec == run. Last, a small generated transformer (one layer, width 256,
# 64 tokens) at sram=16KiB: its attention reshapes and transposes are
# tiled and none stays whole, exec == run.
# Usage: tiles-move.sh NEX SRC
nex=$1 src=$2
d=$(mktemp -d) || exit 1
trap 'rm -rf "$d"' EXIT
fail=0
f=$src/tests/codegen/tiles-move.nex
if ! "$nex" codegen "$f" --target m1 -o "$d/p.neasm" >"$d/log" 2>&1; then
	echo "FAIL codegen: $(tail -n 2 "$d/log")"; exit 1
fi
. "$src/tests/codegen/tile_count.sh" # count VALUE N: op %VALUE lowers to N tile tasks
count t1 8
count t2 9
count t3 12
count t4 9
count t5 12
count h 12
count r 5
count rc 2
count fl 4
count u 9
count sq 2
count sa 3
count s1 18
count s2 9
if grep -qE '^t[0-9]+ ne move op=%rx +; reshape \(attr tile not split: a tile.s elements are not one window' "$d/p.neasm" &&
	[ "$(grep -cE '^t[0-9]+ ne move op=%rx( |$)' "$d/p.neasm")" -eq 1 ]; then
	echo "ok %rx: one task, the listing says why"
else
	echo "FAIL %rx: want one task with the reason: $(grep -E 'op=%rx' "$d/p.neasm" | head -n 2)"; fail=1
fi
if grep -qE '^t[0-9]+ ne move op=%s3 +; slice \(attr tile not split: slice tiles with steps other than 1' "$d/p.neasm" &&
	[ "$(grep -cE '^t[0-9]+ ne move op=%s3( |$)' "$d/p.neasm")" -eq 1 ]; then
	echo "ok %s3: one task, the listing says why"
else
	echo "FAIL %s3: want one task with the reason: $(grep -E 'op=%s3' "$d/p.neasm" | head -n 2)"; fail=1
fi
for a in recorded bestfit split; do
	exec_eq "$a" "$f" --alloc $a
done
# a small SRAM: the split allocator spills (32 KiB) and fills (24 KiB)
# around the move tiles
for sz in 32KiB:spill 24KiB:fill; do
	set -- --set sram=${sz%:*} --alloc split
	if ! "$nex" codegen "$f" --target m1 "$@" -o "$d/s.neasm" >"$d/log" 2>&1; then
		echo "FAIL codegen sram=${sz%:*}: $(tail -n 2 "$d/log")"; fail=1
	elif ! grep -qE "^t[0-9]+ dma ${sz#*:} " "$d/s.neasm"; then
		echo "FAIL sram=${sz%:*}: no ${sz#*:} task; the case does not test it"; fail=1
	else
		exec_eq "sram=${sz%:*} split" "$f" "$@"
		exec_eq "sram=${sz%:*} belady" "$f" --set sram=${sz%:*} --alloc belady
	fi
done
# the tile pass on the untiled graph: moves tiled only as codegen lowers them.
# No task overhead: at 16 KiB on m1 a tile task's 1000 cycles cost more than
# streaming its bytes from DRAM, so the tile pass's cost bound would leave
# every op untiled; these cases are about the tiles it makes.
sed 's/, tile=\[[0-9,]*\]//; s/ {tile=\[[0-9,]*\]}//' "$f" >"$d/whole.nex"
set -- --pipeline default --set sram=16KiB --set task_overhead=0
if ! "$nex" codegen "$d/whole.nex" --target m1 "$@" -o "$d/w.neasm" >"$d/log" 2>&1; then
	echo "FAIL codegen untiled: $(tail -n 2 "$d/log")"; fail=1
else
	n=$(grep -cE '^t[0-9]+ ne move .* tile=[0-9]+/' "$d/w.neasm")
	ns=$(grep -cE '^t[0-9]+ ne move .*not split' "$d/w.neasm")
	if [ "$n" -lt 10 ] || [ "$ns" -ne 0 ]; then
		echo "FAIL tile pass: $n move tile tasks (want >= 10), $ns moves not split (want 0)"
		grep -E '^t[0-9]+ ne move .*not split' "$d/w.neasm" | head -n 3; fail=1
	else
		echo "ok tile pass at sram=16KiB: $n move tile tasks, none left whole"
	fi
	exec_eq "tile pass, sram=16KiB" "$d/whole.nex" "$@"
fi
# a generated transformer: its attention reshapes and transposes
"$nex" gen --kind transformer --ops 40 --seq 64 --dmodel 256 --heads 4 -o "$d/tf.nex" >"$d/log" 2>&1 ||
	{ echo "FAIL gen: $(tail -n 2 "$d/log")"; exit 1; }
set -- --pipeline default --set sram=16KiB --set task_overhead=0
if ! "$nex" codegen "$d/tf.nex" --target m1 "$@" -o "$d/tf.neasm" >"$d/log" 2>&1; then
	echo "FAIL transformer codegen: $(tail -n 2 "$d/log")"; fail=1
else
	n=$(grep -cE '^t[0-9]+ ne move .* tile=[0-9]+/' "$d/tf.neasm")
	ns=$(grep -c 'not split' "$d/tf.neasm")
	if [ "$n" -lt 10 ] || [ "$ns" -ne 0 ]; then
		echo "FAIL transformer: $n move tile tasks (want >= 10), $ns tasks not split (want 0)"; fail=1
	else
		echo "ok transformer sram=16KiB: $n move tile tasks, none not split"
	fi
	exec_eq "transformer sram=16KiB" "$d/tf.nex" "$@"
fi
exit $fail
