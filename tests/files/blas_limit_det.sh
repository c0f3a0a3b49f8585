#!/bin/sh
# PaddleOCR det at 2 threads under a sweep of address-space limits
# (memneed.c's nx_blas_fits): at every limit nex runs the model (exit 0) or
# refuses it at once (exit 1, "refused before starting"), never hangs in
# OpenBLAS's mmap retry loop (timeout) and never runs out of memory half
# way (exit 2). det's pool worker calls sgemm and mallocs, so 2 threads
# need a second 128 MiB buffer, the worker's stack and its malloc arena;
# the check had counted the buffer alone, and between about 404700 and
# 412500 KiB it let det start and hang. OPENBLAS_NUM_THREADS=1 keeps
# OpenBLAS's own server threads out, so the figures do not depend on the
# core count. Exits 77 without the model (~/.cache/nex/models).
nex=$1
if [ -n "$NEX_SANITIZED" ]; then
	echo "skipped: ASan needs more address space than the ulimit -v this test sets"
	exit 77
fi
model=${NEX_MODELS:-$HOME/.cache/nex/models}/ch_PP-OCRv4_det_infer.onnx
if [ ! -f "$model" ]; then
	echo "skipped: $model not found"
	exit 77
fi
export OPENBLAS_NUM_THREADS=1
fail=0 ran=0 refused=0
kib=380000
while [ $kib -le 480000 ]; do
	out=$(timeout 20 sh -c "ulimit -v $kib || exit 77; exec \"\$0\" run \"\$1\" --shape x=1,3,640,640 --threads 2" "$nex" "$model" 2>&1)
	rc=$?
	case $rc in
	0) ran=$((ran + 1)) ;;
	1) case $out in
	   *"refused before starting"*) refused=$((refused + 1)) ;;
	   *) echo "FAIL: ulimit -v $kib: exit 1 without a refusal: $out"; fail=1 ;;
	   esac ;;
	77) echo "skipped: cannot set ulimit -v $kib"; exit 77 ;;
	124) echo "FAIL: ulimit -v $kib: det at 2 threads hung"; fail=1 ;;
	*) echo "FAIL: ulimit -v $kib: exit $rc: $(echo "$out" | tail -1)"; fail=1 ;;
	esac
	kib=$((kib + 4000))
done
echo "limits 380000..480000 KiB: $ran ran, $refused refused"
# the sweep must see both sides, or it checked nothing
[ $ran -gt 0 ] && [ $refused -gt 0 ] || { echo "FAIL: expected runs and refusals"; fail=1; }
[ $fail -eq 0 ] && echo ok
exit $fail
