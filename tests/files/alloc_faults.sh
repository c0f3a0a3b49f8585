#!/bin/sh
# Allocation failures (docs/reliability.md): NEX_FAIL_ALLOC=N makes the Nth
# allocation fail (src/core/alloc_fault.c; nex's own, cJSON's and
# protobuf-c's). For N from 1 up past the last allocation, each run must
# end either done (exit 0) or with "nex: out of memory" and exit 2: no
# other exit, no crash, no sanitizer report. Two runs:
#  - the TUI's script mode on a JSON model: load, three passes, a session
#    save, one more pass (journaled). After every run the session file is
#    byte-identical to the one saved before the loop, no temporary is left,
#    and the journal recovers (`--recover` reopens at step 4 or 5);
#  - nex convert of an ONNX model to .nex: a run that fails leaves the .nex
#    and .bin pair already there byte-identical, and nothing else.
# Usage: alloc_faults.sh NEX [SAMPLES]  (SAMPLES per run, default 20)
nex=$1
samples=${2:-20}
work=$(mktemp -d) || exit 2
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 2
# A dying process leaks by design: LeakSanitizer's report would hide the
# exit status; every other sanitizer check stays on.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
export ASAN_OPTIONS
fail=0
"$nex" convert demo m.json && "$nex" convert demo m.onnx || { echo "FAIL: set-up"; exit 1; }
mkdir s
printf ':apply\n:apply\n:apply\ns\n:save-session %s/s/s.nex.json\n:apply\n' "$work" >a1
printf ':save-screen %s/screen\n' "$work" >a2
"$nex" --script a1 m.json || { echo "FAIL: the unfaulted script"; exit 1; }
cp s/s.nex.json pristine.json
"$nex" convert m.onnx out.nex || { echo "FAIL: the unfaulted convert"; exit 1; }
cp out.nex pristine.nex
cp out.nex.bin pristine.nex.bin

# The allocations a command makes: doubling N until the run completes.
count() {
	n=32
	while :; do
		NEX_FAIL_ALLOC=$n "$@" >/dev/null 2>&1 && break
		n=$((n * 2))
		[ $n -gt 100000000 ] && { echo 0; return; }
	done
	echo $n
}

# Ns: 1..12, then `samples` values spread up to the count.
ns() {
	i=1
	while [ $i -le 12 ]; do echo $i; i=$((i + 1)); done
	step=$(($1 / $samples + 1))
	i=13
	while [ $i -le $1 ]; do echo $i; i=$((i + step)); done
}

# One faulted run's ending: 0 done, or 2 with the message; stderr clean.
ending() {
	rc=$1 what=$2
	if grep -q "Sanitizer\|runtime error" err; then
		echo "FAIL: $what: sanitizer report:"; cat err; fail=1
	elif [ $rc -eq 2 ] && grep -q "^nex: out of memory" err; then
		:
	elif [ $rc -ne 0 ]; then
		echo "FAIL: $what: exit $rc: $(cat err)"; fail=1
	fi
}

total=$(count "$nex" --script a1 m.json)
cmp -s s/s.nex.json pristine.json || { echo "FAIL: the script saves other bytes each run"; exit 1; }
[ "$total" -gt 0 ] || { echo "FAIL: the script never completes under NEX_FAIL_ALLOC"; exit 1; }
runs=0
for n in $(ns "$total"); do
	NEX_FAIL_ALLOC=$n "$nex" --script a1 m.json >/dev/null 2>err
	ending $? "script, allocation $n"
	cmp -s s/s.nex.json pristine.json || { echo "FAIL: allocation $n: the session file changed"; fail=1; }
	[ "$(ls s)" = "$(printf 's.nex.json\ns.nex.json.journal')" ] ||
		{ echo "FAIL: allocation $n: left in the folder: $(ls s)"; fail=1; }
	# An empty journal (the run died after the save began it afresh, before
	# the last action) has nothing to recover: the file itself opens.
	if "$nex" --script a2 s/s.nex.json --recover >/dev/null 2>err; then
		grep -q "step [45]/[45] " screen ||
			{ echo "FAIL: allocation $n: recovered to $(head -1 screen)"; fail=1; }
	elif grep -q "no journal to recover from" err && [ ! -s s/s.nex.json.journal ]; then
		"$nex" --script a2 s/s.nex.json >/dev/null 2>err && grep -q "step 4/4 " screen ||
			{ echo "FAIL: allocation $n: reopen: $(cat err) $(head -1 screen)"; fail=1; }
	else
		echo "FAIL: allocation $n: --recover: $(cat err)"; fail=1
	fi
	runs=$((runs + 1))
	[ $fail -eq 0 ] || break
done
echo "script: $runs faulted runs over about $total allocations"

total=$(count "$nex" convert m.onnx out.nex)
rm -f out.*
cp pristine.nex out.nex && cp pristine.nex.bin out.nex.bin
runs=0
for n in $(ns "$total"); do
	NEX_FAIL_ALLOC=$n "$nex" convert m.onnx out.nex >/dev/null 2>err
	rc=$?
	ending $rc "convert, allocation $n"
	if [ $rc -eq 0 ]; then # done: a new pair (out.nex.2.bin); put the old one back
		rm -f out.*
		cp pristine.nex out.nex && cp pristine.nex.bin out.nex.bin
		continue
	fi
	cmp -s out.nex pristine.nex && cmp -s out.nex.bin pristine.nex.bin ||
		{ echo "FAIL: allocation $n: the saved pair changed"; fail=1; }
	[ "$(ls | grep -c '^out\.')" -eq 2 ] || { echo "FAIL: allocation $n: $(ls | grep '^out')"; fail=1; }
	runs=$((runs + 1))
	[ $fail -eq 0 ] || break
done
echo "convert: $runs faulted runs over about $total allocations"
[ $fail -eq 0 ] && echo ok
exit $fail
