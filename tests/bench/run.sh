#!/bin/sh
# Benchmark runner. Usage: run.sh BUILD_DIR
# Runs every benchmark program the build made (BUILD_DIR/bench/bench_*, from
# tests/bench/bench_*.c) at its default sizes, then every tests/bench/bench_*.sh
# (the comparisons with onnxruntime, python3-onnx and mlir-opt), and prints
# their figures.
# Figures from a Debug or sanitizer build are not the ones the targets are
# about: the runner says so. Exit status 0 when every program ran, whatever
# the figures.
build=${1:-build}
dir=$build/bench
if [ ! -d "$dir" ]; then
	echo "bench: $dir does not exist: build first (make build)" >&2
	exit 1
fi
cache=$build/CMakeCache.txt
if [ -f "$cache" ]; then
	type=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$cache")
	san=$(sed -n 's/^NEX_SANITIZE:[A-Z]*=//p' "$cache")
	echo "bench: build $build (${type:-no build type}${san:+, NEX_SANITIZE=$san})"
	case "$type:$san" in
	Debug:* | *:ON) echo "bench: note: not an optimized build without sanitizers; figures are pessimistic" ;;
	esac
fi
found=0
status=0
for b in "$dir"/bench_*; do
	[ -x "$b" ] || continue
	found=1
	echo "== $(basename "$b")"
	"$b" || { echo "bench: $(basename "$b") failed (exit $?)"; status=1; }
done
# Scripts that compare with peers (onnxruntime, python3-onnx, mlir-opt)
# take the build directory.
here=$(cd "$(dirname "$0")" && pwd)
for sc in "$here"/bench_*.sh; do
	[ -f "$sc" ] || continue
	found=1
	echo "== $(basename "$sc")"
	sh "$sc" "$build" || { echo "bench: $(basename "$sc") failed"; status=1; }
done
if [ "$found" -eq 0 ]; then
	echo "bench: no benchmark programs in $dir" >&2
	exit 1
fi
exit $status
