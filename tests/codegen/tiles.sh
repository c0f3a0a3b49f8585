#!/bin/sh
# Per-tile lowering of the row-independent kinds (src/codegen/tile_kinds.c):
# at sram=256KiB the default pipeline tiles tiles.nex's softmax (H), layer
# norm (H) and two resizes (channels), two more resizes carry hand-written
# row tiles (10 and 12 tiles), and tiles-norms.nex's batch norm,
# instance norm, LRN, MVN, log_softmax and reduce_mean, and tiles-pool.nex's
# hand-written row and column tiles of unpadded pools; each must lower to
# one NE task per tile, and `nex exec` must equal `nex run` bit for bit
# under several allocators (for the pools also at a small SRAM). A hand-written tile that splits the softmax axis must stay
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
exec_eq() { # allocators...
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
exec_eq recorded bestfit split
gen tiles-norms.nex "$@"
count b 5
count i 5
count n 4
count m 4
count l 4
count r 3
exec_eq recorded split
# pools by rows and columns (unpadded); the padded pool stays one task
gen tiles-pool.nex --target m1
count m 16
count a 4
count s 8
if [ "$(grep -cE '^t[0-9]+ ne pool op=%p( |$)' "$d/p.neasm")" -ne 1 ] ||
	! grep -qE '^t[0-9]+ ne pool op=%p .*not split: pool tiles by rows or columns of a padded' "$d/p.neasm"; then
	echo "FAIL %p: the padded pool's row tile was split, or the listing does not say why not"; fail=1
else
	echo "ok %p: the padded pool stays one task and says why"
fi
opts="--target m1"
exec_eq recorded bestfit split
opts="--pipeline default --target m1 --set sram=64KiB"
exec_eq split belady
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
