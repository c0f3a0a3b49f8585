#!/bin/sh
# The bits of `nex run` and `nex exec` do not depend on the thread count:
# the conv kernels split their work by shapes only, and the tiles of a
# tiled conv run whole on one thread each; the matmul kernel splits its
# work by shapes only as well. Runs the conv fixture threads.nex (every
# road of the conv kernel, one conv tiled), det and rec at 1 and 2 threads
# through the default pipeline, and the executor at 1 and 2 threads, and
# compares the output files byte for byte. The fixture always runs; when
# det or rec is missing and the rest passed, the test exits 77 (ctest:
# skipped), since part of it did not run.
nex=$1 src=$2
d=$(mktemp -d) || exit 1
trap 'rm -rf "$d"' EXIT
fail=0
check() {
	label=$1 model=$2; shift 2
	for t in 1 2; do
		mkdir -p "$d/$label-run$t" "$d/$label-exec$t"
		if ! "$nex" run "$model" "$@" --seed 3 --threads $t --outputs "$d/$label-run$t" \
			>"$d/log" 2>&1; then
			echo "FAIL $label: nex run --threads $t: $(tail -n 2 "$d/log")"; fail=1; return
		fi
		if ! "$nex" exec "$model" "$@" --seed 3 --threads $t --outputs "$d/$label-exec$t" \
			>"$d/log" 2>&1; then
			echo "FAIL $label: nex exec --threads $t: $(tail -n 2 "$d/log")"; fail=1; return
		fi
	done
	n=0 bad=0
	for f in "$d/$label-run1"/*; do
		b=$(basename "$f")
		n=$((n + 1))
		for other in run2 exec1 exec2; do
			if ! cmp -s "$f" "$d/$label-$other/$b"; then
				echo "FAIL $label: $b of run --threads 1 and $other differ"; fail=1 bad=1
			fi
		done
	done
	[ $n -gt 0 ] || { echo "FAIL $label: no outputs written"; fail=1; return; }
	[ $bad = 0 ] && echo "ok $label: run and exec at 1 and 2 threads give the same bytes ($n outputs)"
}
# the tile pass must have tiled the fixture's first conv, or the test
# would not test tiles
if ! "$nex" opt "$src/tests/codegen/threads.nex" --pipeline default 2>&1 | grep -q 'tile='; then
	echo "FAIL fixture: the default pipeline tiles no conv of threads.nex"; fail=1
fi
check fixture "$src/tests/codegen/threads.nex" --pipeline default
m=${NEX_MODELS:-$HOME/.cache/nex/models}
det=$m/ch_PP-OCRv4_det_infer.onnx
rec=$m/ch_PP-OCRv4_rec_infer.onnx
missing=0
if [ -f "$det" ]; then
	check det "$det" --shape x=1,3,640,640 --pipeline default
else
	echo "det: skipped ($det missing)"; missing=1
fi
# rec: its matmuls (kern_matmul.c splits them by shapes only, too)
if [ -f "$rec" ]; then
	check rec "$rec" --shape x=1,3,48,320 --pipeline default
else
	echo "rec: skipped ($rec missing)"; missing=1
fi
[ $fail = 0 ] && [ $missing = 1 ] && exit 77
exit $fail
