#!/bin/sh
# nex's canonicalize+cse against mlir-opt's on the same graph: a generated
# 100k-op resnet, exported to TOSA MLIR for mlir-opt-14 (Debian
# mlir-14-tools). Times whole commands (load, passes, print) as a user runs
# them, median of 5 each, and prints the ratio. Goal: nex faster.
# Usage: bench_mlir_opt.sh BUILD_DIR
build=${1:-build}
nex=$build/nex
if ! command -v mlir-opt-14 >/dev/null 2>&1; then
	echo "mlir-opt: skipped: mlir-opt-14 not installed (apt-get install mlir-14-tools)"; exit 0
fi
tmp=$(mktemp -d)
"$nex" gen --kind resnet --ops 100000 --seed 1 -o "$tmp/r.nex" || exit 1
if ! "$nex" export "$tmp/r.nex" --mlir "$tmp/r.mlir" 2>"$tmp/err"; then
	echo "mlir-opt: skipped: export failed: $(cat "$tmp/err")"; rm -rf "$tmp"; exit 0
fi
median() { sort -n | sed -n 3p; }
time_cmd() { # prints seconds of one run of "$@"
	s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N)
	awk -v s="$s" -v e="$e" 'BEGIN { printf "%.4f\n", e - s }' 
}
t_mlir=$(for i in 1 2 3 4 5; do time_cmd mlir-opt-14 -canonicalize -cse "$tmp/r.mlir" -o "$tmp/out.mlir"; done | median)
t_nex=$(for i in 1 2 3 4 5; do time_cmd "$nex" opt "$tmp/r.nex" --pipeline canonicalize,cse -o "$tmp/out.nex"; done | median)
printf 'mlir-opt-14 -canonicalize -cse   median %.3f s   (%s lines of MLIR)\n' "$t_mlir" "$(wc -l <"$tmp/r.mlir")"
printf 'nex opt canonicalize,cse         median %.3f s   (%s lines of .nex)\n' "$t_nex" "$(wc -l <"$tmp/r.nex")"
awk -v m="$t_mlir" -v n="$t_nex" 'BEGIN { printf "ratio mlir-opt / nex: %.1fx  (goal: > 1, nex faster)\n", m / n }' 
rm -rf "$tmp"
