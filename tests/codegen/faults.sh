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
# The first weight fetch that waits (on the NE task that last read its half
# of the kernel window): without that wait the DMA engine overwrites
# weights an NE task has not read yet.
line=$(grep -m1 -E '^t[0-9]+ dma weights op=%[^ ]+ wait=e[0-9]+ ' "$dir/p.neasm")
[ -n "$line" ] || { echo "FAIL: no weight fetch with a wait in the demo's listing"; exit 1; }
t=$(echo "$line" | sed -E 's/^t([0-9]+) .*/\1/')
sed -E "s/^(t$t dma weights op=%[^ ]+) wait=e[0-9]+ /\1 /" "$dir/p.neasm" >"$dir/nowait.neasm"
expect "missing wait caught (both tasks named)" "reads %.*written by t$t (dma weights" \
	"$nex" exec "$dir/nowait.neasm"
expect "missing wait gives wrong outputs without the checks" "differs from the interpreter" \
	"$nex" exec "$dir/nowait.neasm" --no-check --compare
# The first NE task that waits is made to wait also on the event of a later
# NE task: it can never run (named before execution, and by the executor).
a=$(grep -m1 -E '^t[0-9]+ ne [a-z]+ op=%[^ ]+ wait=' "$dir/p.neasm" | sed -E 's/^t([0-9]+) .*/\1/')
b=$(grep -E '^t[0-9]+ ne [a-z]+ op=%[^ ]+ .*signal=e[0-9]+' "$dir/p.neasm" |
	awk -v a="$a" '{ n = substr($1, 2) + 0; if (n > a) { print; exit } }')
bt=$(echo "$b" | sed -E 's/^t([0-9]+) .*/\1/')
be=$(echo "$b" | sed -E 's/.*signal=e([0-9]+).*/\1/')
[ -n "$a" ] && [ -n "$bt" ] || { echo "FAIL: no NE tasks to make wait"; exit 1; }
sed -E "s/^(t$a ne [a-z]+ op=%[^ ]+ wait=[e0-9,]+)/\1,e$be/" "$dir/p.neasm" >"$dir/stuck.neasm"
expect "impossible wait caught before execution" "t$a (ne .*) waits on e$be, signalled by t$bt (ne .*) after it" \
	"$nex" exec "$dir/stuck.neasm"
expect "impossible wait caught by the executor" "t$a (ne .*) waits on e$be, but t$bt (ne .*), which signals it, cannot run" \
	"$nex" exec "$dir/stuck.neasm" --no-check
[ $fail -eq 0 ] && echo "faults caught"
exit $fail
