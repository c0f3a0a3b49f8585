#!/bin/sh
# A save onto a full disk keeps the old model: convert the cls model into a
# 2 MiB tmpfs, fill the tmpfs, convert the bigger det model over it (fails:
# no space), then check the old pair is byte for byte what it was, still
# verifies, and no temporaries are left. Needs `unshare -rm` (a user and
# mount namespace) to mount the tmpfs without privileges; exit 77 without.
nex=$1
cls=$HOME/.cache/nex/models/ch_ppocr_mobile_v2.0_cls_infer.onnx
det=$HOME/.cache/nex/models/ch_PP-OCRv4_det_infer.onnx
[ -f "$cls" ] && [ -f "$det" ] || { echo "SKIP: models missing (scripts/fetch-models.sh)"; exit 77; }
work=$(mktemp -d) || exit 2
trap 'rm -rf "$work"' EXIT
mkdir "$work/mnt"
cat >"$work/inner.sh" <<'INNER'
set -u
nex=$1 cls=$2 det=$3 work=$4
mount -t tmpfs -o size=2m nex-full "$work/mnt" 2>/dev/null || exit 77
cd "$work/mnt" || exit 2
"$nex" convert "$cls" m.nex --shape x=1,3,48,192 >/dev/null || { echo "FAIL: first convert"; exit 1; }
cp m.nex m.nex.bin "$work/" || exit 2
dd if=/dev/zero of=filler bs=64k 2>/dev/null   # fills the tmpfs: ENOSPC
out=$("$nex" convert "$det" m.nex --shape x=1,3,640,640 2>&1)
rc=$?
[ $rc -eq 1 ] || { echo "FAIL: convert onto a full disk exited $rc: $out"; exit 1; }
echo "$out" | grep -q "No space left on device" || { echo "FAIL: message: $out"; exit 1; }
cmp -s m.nex "$work/m.nex" || { echo "FAIL: m.nex changed"; exit 1; }
cmp -s m.nex.bin "$work/m.nex.bin" || { echo "FAIL: m.nex.bin changed"; exit 1; }
ls | grep -q tmp && { echo "FAIL: temporaries left: $(ls)"; exit 1; }
"$nex" verify m.nex >/dev/null || { echo "FAIL: the old model no longer verifies"; exit 1; }
echo "ok: $out"
exit 0
INNER
unshare -rm sh "$work/inner.sh" "$nex" "$cls" "$det" "$work" 2>/dev/null
rc=$?
[ $rc -eq 77 ] && echo "SKIP: cannot mount a tmpfs here (unshare -rm, mount)"
exit $rc
