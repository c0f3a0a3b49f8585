#!/bin/sh
# Golden runner (cproc's scheme). Usage: run.sh NEX DIR
# DIR/cmd holds the arguments, with {} standing for the case file, e.g.
# "print {}". For every case x.* in DIR with an expected file next to it:
#   x.out   -> nex must exit 0 and print exactly x.out on stdout
#   x.err   -> nex must exit 1 and print exactly x.err on stderr
# A case may have a second file x.b.* (for two-model commands such as diff):
# {b} in cmd stands for it, and it is never taken as a case file itself.
# Paths in output are relative to DIR (the runner cds there).
# NEX_UPDATE_GOLDEN=1 rewrites the expected files from what nex prints.
nex=$1
dir=$2
cd "$dir" || exit 2
args=$(cat cmd)
fail=0
pass=0
for exp in *.out *.err; do
	[ -e "$exp" ] || continue
	base=${exp%.*}
	mode=${exp##*.}
	case_file=$(ls "$base".* 2>/dev/null | grep -v -e '\.out$' -e '\.err$' -e "^$base\.b\." | head -n 1)
	[ -n "$case_file" ] || { echo "FAIL $base: no case file"; fail=$((fail+1)); continue; }
	b_file=$(ls "$base".b.* 2>/dev/null | head -n 1)
	case $args in *'{b}'*)
		[ -n "$b_file" ] || { echo "FAIL $base: no second file $base.b.*"; fail=$((fail+1)); continue; }
	esac
	cmdline=$(printf '%s' "$args" | sed -e "s|{}|$case_file|g" -e "s|{b}|$b_file|g")
	# shellcheck disable=SC2086
	"$nex" $cmdline >"/tmp/golden.$$.out" 2>"/tmp/golden.$$.err"
	rc=$?
	if [ "$mode" = out ]; then want=0; got_file=/tmp/golden.$$.out; else want=1; got_file=/tmp/golden.$$.err; fi
	if [ -n "$NEX_UPDATE_GOLDEN" ]; then cp "$got_file" "$exp"; fi
	if [ "$rc" -ne "$want" ]; then
		echo "FAIL $base: exit $rc, expected $want"; cat /tmp/golden.$$.err; fail=$((fail+1))
	elif ! diff -u "$exp" "$got_file"; then
		echo "FAIL $base: output differs"; fail=$((fail+1))
	else
		pass=$((pass+1))
	fi
done
rm -f /tmp/golden.$$.out /tmp/golden.$$.err
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
