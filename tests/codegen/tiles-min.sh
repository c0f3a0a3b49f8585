#!/bin/sh
# The tile pass's minimum tile (src/passes/tile.c) and a many-task program
# on the executor. weights.nex at 16 KiB of SRAM: the tiles that fit would
# be 262,144 matmul tasks of two elements, under one task descriptor's
# 628 bytes, so the op stays one task, with a remark saying why, and still
# equals the interpreter. tiles-many.nex forces 8,192 such tiles with an
# explicit tile attribute: exec == run bit for bit (the tags checked at
# open by range, the tiles sharing one scratch graph), and an overlap of
# two live buffers among its tasks is caught by the checker and, with the
# checker off, by wrong outputs. Usage: tiles-min.sh NEX SRC
nex=$1 src=$2
d=$(mktemp -d) || exit 1
trap 'rm -rf "$d"' EXIT
fail=0
ok() { echo "ok $1"; }
bad() { echo "FAIL $1"; fail=1; }
w=$src/tests/golden/pass-tile/weights.nex
set -- --target m1 --pipeline default --set sram=16KiB
"$nex" opt "$w" "$@" --report "$d/r.json" >"$d/opt.nex" 2>"$d/log" || bad "opt: $(tail -n 2 "$d/log")"
if grep -q "tiles that fit (\[1,1,2\], 262144 tiles) write 64 bytes each, less than one task descriptor (628 bytes): left untiled" "$d/r.json" &&
	! grep -q "tile=" "$d/opt.nex"; then
	ok "weights at 16KiB: left untiled, with the remark"
else
	bad "weights at 16KiB: no minimum-tile remark, or a tile attr: $(grep -o 'tile=[^ ]*' "$d/opt.nex")"
fi
if "$nex" codegen "$w" "$@" --stats 2>&1 | grep -q "^tasks 1: ne 1,"; then
	ok "weights at 16KiB: one task"
else
	bad "weights at 16KiB: not one task"
fi
exec_eq() { # label, file, options...
	label=$1 f=$2; shift 2
	if out=$("$nex" exec "$f" --target m1 "$@" --seed 3 --compare 2>&1) &&
		echo "$out" | grep -q "bit for bit"; then
		ok "exec == run ($label)"
	else
		bad "exec ($label): $(echo "$out" | tail -n 3)"
	fi
}
exec_eq "weights, split, 16KiB" "$w" --alloc split --set sram=16KiB
m=$src/tests/codegen/tiles-many.nex
if "$nex" codegen "$m" --target m1 --stats 2>&1 | grep -q "^by kind: matmul 8192 "; then
	ok "tiles-many: 8192 matmul tasks"
else
	bad "tiles-many: not 8192 matmul tasks"
fi
exec_eq "tiles-many" "$m"
exec_eq "tiles-many, split, 16KiB" "$m" --alloc split --set sram=16KiB
out=$("$nex" exec "$m" --target m1 --test-overlap-bug 2>&1)
if [ $? -eq 1 ] && echo "$out" | grep -q "share bytes"; then
	ok "tiles-many: overlap caught by the checker"
else
	bad "tiles-many: overlap not caught: $out"
fi
out=$("$nex" exec "$m" --target m1 --test-overlap-bug --no-check --compare 2>&1)
if [ $? -eq 1 ] && echo "$out" | grep -q "differs from the interpreter"; then
	ok "tiles-many: overlap gives wrong outputs without the checker"
else
	bad "tiles-many: overlap without the checker: $(echo "$out" | tail -n 2)"
fi
exit $fail
