#!/bin/sh
# Faults the back end must catch: an allocator overlapping two live
# buffers (checker before execution; wrong outputs with the checker off), a
# missing wait (weights overwritten before the NE read them), a wait that
# can never be met (both tasks named).
nex=$1
dir=$(mktemp -d) || exit 2
trap 'rm -rf "$dir"' EXIT
fail=0
expect() { # label, pattern, command...
	label=$1 pat=$2; shift 2
	out=$("$@" 2>&1)
	rc=$?
	if [ $rc -ne 1 ] || ! echo "$out" | grep -q "$pat"; then
		echo "FAIL $label (exit $rc): $out" | head -n 5; fail=1
	fi
}
expect "overlap caught by the checker" "share bytes" "$nex" exec demo --test-overlap-bug
expect "overlap gives wrong outputs without it" "differs from the interpreter" \
	"$nex" exec demo --test-overlap-bug --no-check --compare
"$nex" codegen demo -o "$dir/p.neasm" || exit 1
# t5 (the fetch into the first half of the kernel window for the third
# conv) waits on e2, the first conv's end; without that wait the DMA engine
# overwrites the stem's weights before the stem conv reads them
grep -q '^t5 dma weights op=%b1_proj_bn wait=e2 ' "$dir/p.neasm" || { echo "FAIL: listing changed, t5 not as expected"; exit 1; }
sed 's/^t5 dma weights op=%b1_proj_bn wait=e2 /t5 dma weights op=%b1_proj_bn /' "$dir/p.neasm" >"$dir/nowait.neasm"
expect "missing wait caught (tasks named)" "t4 (ne conv %stem_hs) reads %stem_bn.w.*written by t5 (dma weights" \
	"$nex" exec "$dir/nowait.neasm"
expect "missing wait gives wrong outputs without the checks" "differs from the interpreter" \
	"$nex" exec "$dir/nowait.neasm" --no-check --compare
# t4 made to wait on e4, which t7 (later on the NE) signals
sed 's/^t4 ne conv op=%stem_hs wait=e0 /t4 ne conv op=%stem_hs wait=e0,e4 /' "$dir/p.neasm" >"$dir/stuck.neasm"
expect "impossible wait caught before execution" "t4 (ne conv %stem_hs) waits on e4, signalled by t7 (ne conv %b1_dw_relu6) after it" \
	"$nex" exec "$dir/stuck.neasm"
expect "impossible wait caught by the executor" "t4 (ne conv %stem_hs) waits on e4, but t7 (ne conv %b1_dw_relu6)" \
	"$nex" exec "$dir/stuck.neasm" --no-check
[ $fail -eq 0 ] && echo "faults caught"
exit $fail
