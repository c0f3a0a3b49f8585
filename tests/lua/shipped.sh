#!/bin/sh
# The scripts shipped in scripts/ run (sandboxed, from a scratch working
# directory) and say what they should on the demo. Usage: shipped.sh NEX SRC
nex=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
src=$(cd "$2" && pwd)
sc=$src/scripts
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
cd "$t" || exit 2
fail=0
check() { if ! grep -qF -- "$2" "$1"; then echo "FAIL: '$2' not in $1:"; cat "$1"; fail=1; fi; }
run() { # out script args...
	out=$1; shift
	"$nex" script "$@" >"$out" 2>&1 || { echo "FAIL: nex script $*"; cat "$out"; fail=1; }
}
# pipelines/default.lua is the built-in default pipeline, and applies it
run p.txt "$sc/pipelines/default.lua"
"$nex" passes | sed -n 's/^default pipeline: //p' >want.txt
cmp -s p.txt want.txt || { echo "FAIL: default.lua differs from the built-in default"; diff p.txt want.txt; fail=1; }
run d.txt "$sc/pipelines/default.lua" demo
check d.txt "16   verify"
# phase_order.lua: 3! orders, a table, the Pareto front, the CSV
run o.txt "$sc/experiments/phase_order.lua" demo fold-batchnorm,fuse-patterns,fuse-activation m1 orders.csv
check o.txt "6 orders of fold-batchnorm,fuse-patterns,fuse-activation on demo (m1)"
check o.txt "Pareto front: "
[ "$(wc -l <orders.csv)" -eq 7 ] || { echo "FAIL: orders.csv"; fail=1; }
# sram_sweep.lua: every preset x 8 sizes in the CSV; DRAM traffic falls as SRAM grows
run w.txt "$sc/experiments/sram_sweep.lua" demo sweep.csv
check w.txt "wrote sweep.csv"
rows=$(($(wc -l <sweep.csv) - 1))
[ $((rows % 8)) -eq 0 ] && [ "$rows" -ge 24 ] || { echo "FAIL: sweep.csv has $rows rows"; fail=1; }
first=$(sed -n 2p sweep.csv | cut -d, -f6)
last=$(sed -n 9p sweep.csv | cut -d, -f6)
awk -v a="$first" -v b="$last" 'BEGIN { exit !(b < a) }' || { echo "FAIL: DRAM bytes $first -> $last"; fail=1; }
# bisect_regression.lua: layout-ne's rewrite that first raises cycles
run b.txt "$sc/experiments/bisect_regression.lua" demo
check b.txt "(layout-ne) raises cycles above"
check b.txt "rewrite 7 of layout-ne"
run b2.txt "$sc/experiments/bisect_regression.lua" demo 540000
check b2.txt "rewrite 11 of layout-ne: cycles 539833 -> 540001"
exit $fail
