#!/bin/sh
# mlir_check.sh — TOSA export checked by MLIR 14 itself. For each target
# (fixture:NAME, or MODEL NAME=dims), onnx_check writes the exported module
# and a runnable copy; then
#   1. mlir-opt-14 parses and verifies the module,
#   2. it lowers to linalg (tosa-to-linalg-named, tosa-to-linalg), whose
#      ops check operand and result shapes against each other,
#   3. with "run", the runnable copy is bufferized, lowered to LLVM and run
#      by mlir-cpu-runner-14; its checksum (sum of output * weights) must
#      match nex's interpreter within 1e-4 of sum |output * weights|.
# Usage: mlir_check.sh ONNX_CHECK WORKDIR [run] TARGET [BIND] [-- TARGET [BIND] ...]
# Prints "skipped: ..." and exits 77 (ctest: skipped) when mlir-opt-14 is
# missing, or (if nothing failed) when a model file is or "run" was asked
# without mlir-cpu-runner-14: a check that did not happen is not a pass.
# NEX_MLIR_SHLIB names a library providing memrefCopy (memref_copy.c).
check=$1
work=$2
shift 2
run=0
if [ "$1" = run ]; then run=1; shift; fi
if ! command -v mlir-opt-14 >/dev/null 2>&1; then
	echo "skipped: mlir-opt-14 not installed (Debian mlir-14-tools)"
	exit 77
fi
skipped=0
if [ $run = 1 ] && ! command -v mlir-cpu-runner-14 >/dev/null 2>&1; then
	echo "skipped running: mlir-cpu-runner-14 not installed"
	run=0
	skipped=1
fi
lower='builtin.func(tosa-to-linalg-named,tosa-to-linalg,tosa-to-standard)'
status=0
i=0
while [ $# -gt 0 ]; do
	target=$1; shift
	bind=
	if [ $# -gt 0 ] && [ "$1" != -- ]; then bind=$1; shift; fi
	[ "$1" = -- ] && shift
	case $target in
	fixture:*) ;;
	*) if [ ! -f "$target" ]; then echo "skipped: $target is absent"; skipped=1; continue; fi ;;
	esac
	i=$((i + 1))
	dir=$work/t$i
	mkdir -p "$work"
	rm -rf "$dir"
	if ! "$check" mlir "$target" $bind "$dir"; then
		echo "FAIL $target: export"; status=1; continue
	fi
	if ! err=$(mlir-opt-14 "$dir/model.mlir" 2>&1 >/dev/null); then
		echo "FAIL $target: mlir-opt-14 does not accept the module:"
		echo "$err" | head -n 20; status=1; continue
	fi
	if ! err=$(mlir-opt-14 --pass-pipeline="$lower" "$dir/model.mlir" 2>&1 >/dev/null); then
		echo "FAIL $target: lowering to linalg fails:"
		echo "$err" | head -n 20; status=1; continue
	fi
	if [ $run = 0 ]; then echo "ok $target: parses and lowers"; continue; fi
	if ! got=$(mlir-opt-14 "$dir/run.mlir" --inline --symbol-dce |
		mlir-opt-14 --pass-pipeline="$lower" |
		mlir-opt-14 --arith-bufferize --linalg-bufferize --std-bufferize --tensor-bufferize \
			--func-bufferize --finalizing-bufferize --convert-bufferization-to-memref |
		mlir-opt-14 --convert-linalg-to-loops --lower-affine --convert-scf-to-std \
			--arith-expand --convert-memref-to-llvm --convert-math-to-llvm --convert-math-to-libm \
			--convert-arith-to-llvm --convert-std-to-llvm --reconcile-unrealized-casts |
		mlir-cpu-runner-14 -e entry -entry-point-result=f32 \
			${NEX_MLIR_SHLIB:+-shared-libs=$NEX_MLIR_SHLIB} 2>&1); then
		echo "FAIL $target: running the lowered module fails:"
		echo "$got" | head -n 20; status=1; continue
	fi
	if awk -v got="$got" 'NR == 1 { d = got - $1; if (d < 0) d = -d;
		if (d <= 1e-4 * $2 + 1e-6) exit 0; exit 1 }' "$dir/expected.txt"; then
		echo "ok $target: parses, lowers, runs: checksum $got (nex: $(cut -d' ' -f1 "$dir/expected.txt"))"
	else
		echo "FAIL $target: MLIR computes $got, nex's interpreter $(cat "$dir/expected.txt") (checksum, scale)"
		status=1
	fi
done
if [ $status = 0 ] && [ $skipped = 1 ]; then exit 77; fi
exit $status
