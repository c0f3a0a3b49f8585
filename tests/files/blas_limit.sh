#!/bin/sh
# OpenBLAS under an address-space limit (docs/reliability.md, memneed.c's
# nx_blas_fits): OpenBLAS maps a 128 MiB work buffer per calling thread (and
# a pool worker brings its stack and malloc arena) and,
# when that mmap fails, retries forever, so `nex run` of PaddleOCR cls under
# `ulimit -v 300000` hung. nex now refuses at once (exit 1) naming the limit
# and the buffers, runs when they fit, and runs a model that calls no BLAS
# under a limit too tight for them; `nex exec` likewise. OPENBLAS_NUM_THREADS=1 keeps OpenBLAS's
# own server threads (and their buffers) out, so the limits below do not
# depend on the machine's core count. Every run is under a timeout: a hang
# is a failure, not a stuck test.
nex=$1
if [ -n "$NEX_SANITIZED" ]; then
	echo "skipped: ASan needs more address space than the ulimit -v this test sets"
	exit 77
fi
work=$(mktemp -d) || exit 2
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 2
export OPENBLAS_NUM_THREADS=1
cat >mm.nex <<'M'
graph @g(%x: f32[64,64]) -> (%y: f32[64,64]) {
  %w = const f32[64,64] fill(random, seed=1)
  %y = matmul(%x, %w) : f32[64,64]
  return %y
}
M
cat >relu.nex <<'M'
graph @g(%x: f32[64,64]) -> (%y: f32[64,64]) {
  %y = relu(%x) : f32[64,64]
  return %y
}
M
fail=0
# run KIB THREADS MODEL: sets $rc and $out
run() {
	out=$(timeout 20 sh -c "ulimit -v $1 || exit 77; \"\$0\" run $3 --threads $2" "$nex" 2>&1)
	rc=$?
	[ $rc -eq 77 ] && { echo "SKIP: cannot set ulimit -v $1"; exit 77; }
	[ $rc -eq 124 ] && { echo "FAIL: nex run $3 --threads $2 under ulimit -v $1 hung"; fail=1; }
}
run 150000 1 mm.nex
case $rc:$out in
1:*"OpenBLAS work buffers, 128 MiB for each of 1 thread"*"ulimit -v), set to 150000 KiB; refused before starting"*) ;;
*) echo "FAIL: matmul, 1 thread, ulimit -v 150000: rc=$rc: $out"; fail=1 ;;
esac
run 250000 2 mm.nex
case $rc:$out in
1:*"128 MiB for each of 2 threads"*"set to 250000 KiB"*) ;;
*) echo "FAIL: matmul, 2 threads, ulimit -v 250000: rc=$rc: $out"; fail=1 ;;
esac
run 400000 1 mm.nex
[ $rc -eq 0 ] || { echo "FAIL: matmul, 1 thread, ulimit -v 400000 (fits): rc=$rc: $out"; fail=1; }
run 480000 2 mm.nex
[ $rc -eq 0 ] || { echo "FAIL: matmul, 2 threads, ulimit -v 480000 (fits): rc=$rc: $out"; fail=1; }
# nex exec: its CPU tasks run the same kernels (the check is in cmd_exec.c)
out=$(timeout 20 sh -c "ulimit -v 150000; \"\$0\" exec mm.nex --threads 1" "$nex" 2>&1)
rc=$?
case $rc:$out in
1:*"nex exec: running the model needs about"*"OpenBLAS work buffers"*"set to 150000 KiB"*) ;;
*) echo "FAIL: exec, 1 thread, ulimit -v 150000: rc=$rc: $out"; fail=1 ;;
esac
out=$(timeout 20 sh -c "ulimit -v 400000; \"\$0\" exec mm.nex --threads 1" "$nex" 2>&1)
rc=$?
[ $rc -eq 0 ] || { echo "FAIL: exec, 1 thread, ulimit -v 400000 (fits): rc=$rc: $out"; fail=1; }
run 150000 1 relu.nex
[ $rc -eq 0 ] || { echo "FAIL: relu (no BLAS), ulimit -v 150000: rc=$rc: $out"; fail=1; }
[ $fail -eq 0 ] && echo ok
exit $fail
