#!/bin/sh
# Saving a session onto a full disk or a read-only directory: a clear error,
# exit 1, the session file already there intact, no temporary left behind.
# Needs to mount a small tmpfs (root): exit 77 (skipped) where it cannot.
# Usage: save_faults.sh NEX
nex=$1
t=$(mktemp -d)
d="$t/disk"
mkdir -p "$d"
cleanup() { umount "$d" 2>/dev/null; rm -rf "$t"; }
trap cleanup EXIT
fail() { echo "save_faults: $*"; exit 1; }
if ! mount -t tmpfs -o size=256k tmpfs "$d" 2>/dev/null; then
	echo "save_faults: cannot mount a tmpfs here (not root?): skipped"
	exit 77
fi
"$nex" opt demo --pipeline canonicalize --save-session "$d/s.nex.json" >/dev/null || fail "first save"
cp "$d/s.nex.json" "$t/before"
# fill the disk but for a few KiB: the next save (the whole pipeline) cannot fit
dd if=/dev/zero of="$d/filler" bs=1k count=4096 2>/dev/null
"$nex" opt demo --target m1 --save-session "$d/s.nex.json" >/dev/null 2>"$t/err" &&
	fail "a save onto a full disk gave exit 0"
grep -q "No space left on device" "$t/err" || fail "error does not say why: $(cat "$t/err")"
cmp -s "$d/s.nex.json" "$t/before" || fail "the saved session changed"
ls "$d" | grep -q tmp && fail "temporary left behind: $(ls "$d")"
"$nex" replay "$d/s.nex.json" >/dev/null || fail "the old session no longer replays"
# read-only: even root cannot write
rm -f "$d/filler"
mount -o remount,ro "$d" || fail "remount ro"
"$nex" opt demo --save-session "$d/s.nex.json" >/dev/null 2>"$t/err" &&
	fail "a save into a read-only directory gave exit 0"
grep -q "Read-only file system" "$t/err" || fail "error does not say why: $(cat "$t/err")"
cmp -s "$d/s.nex.json" "$t/before" || fail "the saved session changed (ro)"
echo "save_faults: ok"
