#!/bin/sh
# Lua script tests. Usage: run.sh NEX DIR [FILE...]
# Every DIR/*.lua (or the FILEs given) runs under `nex script` from a
# scratch working directory. A script's header lines say what to expect:
#   -- args: OPTIONS      options for nex script (before the file)
#   -- expect-error: TEXT the script must fail (exit 1) with TEXT on stderr
# Without expect-error the script must exit 0 (its asserts pass). The
# environment variable NEX_SRC is the source tree (scripts use it to reach
# scripts/ and tests/golden/).
nex=$1
dir=$(cd "$2" && pwd)
shift 2
src=$(cd "$dir/../.." && pwd)
export NEX_SRC="$src"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0
pass=0
files=$*
[ -n "$files" ] || files=$(ls "$dir"/*.lua)
for f in $files; do
	case $f in /*) ;; *) f=$dir/$f ;; esac
	name=$(basename "$f" .lua)
	args=$(sed -n 's/^-- args: //p' "$f" | head -n 1)
	want=$(sed -n 's/^-- expect-error: //p' "$f" | head -n 1)
	# shellcheck disable=SC2086
	(cd "$work" && "$nex" script $args "$f" "$src") >"$work/out" 2>"$work/err"
	rc=$?
	if [ -n "$want" ]; then
		if [ "$rc" -ne 1 ] || ! grep -qF -- "$want" "$work/err"; then
			echo "FAIL $name: exit $rc, expected 1 with: $want"; cat "$work/err"
			fail=$((fail+1)); continue
		fi
	elif [ "$rc" -ne 0 ]; then
		echo "FAIL $name: exit $rc"; cat "$work/out" "$work/err"; fail=$((fail+1)); continue
	fi
	pass=$((pass+1))
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
