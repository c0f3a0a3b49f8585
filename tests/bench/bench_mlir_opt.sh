#!/bin/sh
# nex's canonicalize+cse against mlir-opt's on the same graph: a chain of
# 100k elementwise ops (units of relu, a duplicate relu that CSE merges, add,
# sigmoid or tanh) written as .nex and exported by nex to TOSA MLIR for
# mlir-opt-14 (Debian mlir-14-tools). The graph has no constants, so neither
# side parses or prints weight payloads: both files hold the same ops and
# nothing else. Times whole commands (load, passes, print) as a user runs
# them, median of 5 each, prints the op counts each tool leaves (they must
# agree: both did the same rewrites) and the ratio. Goal: nex faster.
# Usage: bench_mlir_opt.sh BUILD_DIR [OPS]
build=${1:-build}
ops=${2:-100000}
nex=$build/nex
if ! command -v mlir-opt-14 >/dev/null 2>&1; then
	echo "mlir-opt: skipped: mlir-opt-14 not installed (apt-get install mlir-14-tools)"; exit 0
fi
tmp=$(mktemp -d)
awk -v n=$((ops / 4)) 'BEGIN {
	t = "f32[1,64,56,56]"; h = "x"
	printf "graph @chain(%%x: %s) -> (%%y: %s) {\n", t, t
	for (k = 0; k < n; k++) {
		out = k == n - 1 ? "y" : "h" k
		printf "  %%a%d = relu(%%%s) : %s\n", k, h, t
		printf "  %%b%d = relu(%%%s) : %s\n", k, h, t
		printf "  %%c%d = add(%%a%d, %%b%d) : %s\n", k, k, k, t
		printf "  %%%s = %s(%%c%d) : %s\n", out, k % 2 ? "tanh" : "sigmoid", k, t
		h = out
	}
	printf "  return %%y\n}\n"
}' >"$tmp/c.nex"
if ! "$nex" export "$tmp/c.nex" --mlir "$tmp/c.mlir" 2>"$tmp/err"; then
	echo "mlir-opt: skipped: export failed: $(cat "$tmp/err")"; rm -rf "$tmp"; exit 0
fi
median() { sort -n | sed -n 3p; }
time_cmd() { # prints seconds of one run of "$@"
	s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N)
	awk -v s="$s" -v e="$e" 'BEGIN { printf "%.4f\n", e - s }'
}
t_mlir=$(for i in 1 2 3 4 5; do time_cmd mlir-opt-14 -canonicalize -cse "$tmp/c.mlir" -o "$tmp/out.mlir"; done | median)
t_nex=$(for i in 1 2 3 4 5; do time_cmd "$nex" opt "$tmp/c.nex" --pipeline canonicalize,cse -o "$tmp/out.nex"; done | median)
n_mlir=$(grep -c '"tosa\.' "$tmp/out.mlir")
n_nex=$(grep -c ' = [a-z_]*(' "$tmp/out.nex")
printf 'mlir-opt-14 -canonicalize -cse   median %.3f s   (%s bytes of MLIR in, %s ops out)\n' \
	"$t_mlir" "$(wc -c <"$tmp/c.mlir")" "$n_mlir"
printf 'nex opt canonicalize,cse         median %.3f s   (%s bytes of .nex in, %s ops out)\n' \
	"$t_nex" "$(wc -c <"$tmp/c.nex")" "$n_nex"
[ "$n_mlir" = "$n_nex" ] || echo "mlir-opt: note: the op counts differ, so the tools did different work"
awk -v m="$t_mlir" -v n="$t_nex" 'BEGIN { printf "ratio mlir-opt / nex: %.1fx  (goal: > 1, nex faster)\n", m / n }'
rm -rf "$tmp"
