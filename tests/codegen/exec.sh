#!/bin/sh
# Executor = interpreter, bit for bit: the demo under every allocator and
# SRAM sizes that force values to DRAM, and every golden fixture that the
# interpreter itself can run (error cases and models with opaque ops are
# left out: `nex run` refuses them too; so are fixtures with nhwc values,
# which codegen does not lower yet and says so). Usage: exec.sh NEX SRC
nex=$1 src=$2
fail=0 pass=0
check() { # label, args...
	label=$1; shift
	if out=$("$nex" exec "$@" --compare 2>&1) && echo "$out" | grep -q "bit for bit"; then
		pass=$((pass+1))
	else
		echo "FAIL $label: $(echo "$out" | tail -n 3)"; fail=$((fail+1))
	fi
}
for a in recorded bestfit search firstfit hillclimb belady sxd split; do
	for s in 2MiB 256KiB 64KiB; do
		check "demo $a sram=$s" demo --alloc $a --set sram=$s
	done
done
check "demo seed 3" demo --seed 3
for f in "$src"/tests/golden/*/*.nex "$src"/tests/golden/*/*.json; do
	case $f in *.b.*|*errors/*) continue;; esac
	"$nex" run "$f" --pipeline default --target m1 >/dev/null 2>&1 || continue
	if grep -q '#nhwc' "$f"; then # descriptors for nhwc values: not built
		echo "skip $f: nhwc layout (codegen refuses it by name)"; continue
	fi
	check "$f" "$f"
	# at 16 KiB m1's task overhead makes the tile pass's cost bound leave
	# every op whole; without it (task_overhead=0) the ops get their tiles
	check "$f (bestfit, 16KiB, tiled)" "$f" --alloc bestfit --set sram=16KiB --set task_overhead=0
	check "$f (split, 16KiB)" "$f" --alloc split --set sram=16KiB
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 20 ]
