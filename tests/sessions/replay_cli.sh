#!/bin/sh
# nex replay from the command line: exit codes and messages a user sees.
# Usage: replay_cli.sh NEX SRC
nex=$1
src=$2
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
fail() { echo "replay_cli: $*"; exit 1; }

# a session next to its model: saved, moved together, replayed
"$nex" convert demo "$t/m.nex" || fail "convert"
"$nex" opt "$t/m.nex" --pipeline canonicalize,cse,dce --save-session "$t/s.nex.json" >/dev/null ||
	fail "save"
"$nex" replay "$t/s.nex.json" >"$t/out" || fail "replay of a fresh session: $(cat "$t/out")"
grep -q "4 steps replayed, 0 differ" "$t/out" || fail "unexpected: $(cat "$t/out")"

# a step whose saved hash differs: exit 1, named
awk '/"ir_sha256"/ { if (++n == 2) sub(/"ir_sha256":[ \t]*"/, "&00") } { print }' \
	"$t/s.nex.json" >"$t/bad.nex.json"
"$nex" replay "$t/bad.nex.json" >"$t/out" 2>&1 && fail "a differing step gave exit 0"
grep -q "^step 1 (canonicalize): IR differs" "$t/out" || fail "no step named: $(cat "$t/out")"

# the model moved: the error says how to point at it
mv "$t/m.nex" "$t/moved.nex"
[ -f "$t/m.nex.bin" ] && mv "$t/m.nex.bin" "$t/moved.nex.bin"
"$nex" replay "$t/s.nex.json" >"$t/out" 2>&1 && fail "a missing model gave exit 0"
grep -q -- "--model NEWPATH" "$t/out" || fail "no hint: $(cat "$t/out")"
"$nex" replay "$t/s.nex.json" --model "$t/moved.nex" >"$t/out" 2>&1 ||
	fail "--model: $(cat "$t/out")"

# a newer format version is refused, with the version named
sed 's/"nex_session":\t1/"nex_session":\t7/' "$t/s.nex.json" >"$t/v7.nex.json"
"$nex" replay "$t/v7.nex.json" >"$t/out" 2>&1 && fail "version 7 gave exit 0"
grep -q "version 7; this nex reads version 1 (written by a newer nex)" "$t/out" ||
	fail "version: $(cat "$t/out")"
echo "replay_cli: ok"
