#!/bin/sh
# scripts/passes/fuse_hardswish.lua against the HardSwish rule of the C pass
# fuse-patterns, compared as printed IR (names, origin, born included):
#  - every HardSwish golden fixture of tests/golden/pass-fuse-patterns;
#  - the demo: C fuse-patterns vs the Lua pass then C fuse-patterns (the
#    demo also has gemm and layer_norm patterns, which the C pass then fuses
#    one step later: their born(2) is read as born(1));
#  - the PaddleOCR det model (only HardSwish patterns fire there); skipped
#    (exit 77) when the model is absent.
# Usage: fuse_hardswish.sh NEX SRC MODELS
nex=$1 src=$2 models=$3
lua=$src/scripts/passes/fuse_hardswish.lua
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
fail=0
same() { # name fileA fileB
	if cmp -s "$2" "$3"; then echo "same: $1"; else echo "FAIL $1"; diff -u "$2" "$3" | head -40; fail=1; fi
}
n=0
for f in "$src"/tests/golden/pass-fuse-patterns/hard*.nex "$src"/tests/golden/pass-fuse-patterns/shared-intermediate.nex; do
	"$nex" opt "$f" --pipeline infer-shapes,fuse-patterns >"$t/c" 2>&1 || { echo "FAIL C on $f"; fail=1; }
	"$nex" opt "$f" --load "$lua" --pipeline infer-shapes,fuse-hardswish >"$t/l" 2>&1 || { echo "FAIL Lua on $f"; cat "$t/l"; fail=1; }
	same "$(basename "$f")" "$t/c" "$t/l"
	n=$((n+1))
done
[ "$n" -ge 6 ] || { echo "FAIL: only $n fixtures"; fail=1; }
"$nex" opt demo --pipeline fuse-patterns --stats >"$t/c" 2>"$t/cs" || fail=1
"$nex" opt demo --load "$lua" --pipeline fuse-hardswish,fuse-patterns --stats 2>"$t/ls" | sed 's/born(2)/born(1)/' >"$t/l" || fail=1
same demo "$t/c" "$t/l"
grep -q "fuse-hardswish .* hard_swish=4" "$t/ls" || { echo "FAIL: the Lua pass did not fuse 4 on the demo"; cat "$t/ls"; fail=1; }
det=$models/ch_PP-OCRv4_det_infer.onnx
if [ ! -f "$det" ]; then
	echo "skipped: $det absent (scripts/fetch-models.sh)"
	[ "$fail" -eq 0 ] && exit 77
	exit 1
fi
"$nex" opt "$det" --shape x=1,3,640,640 --pipeline canonicalize,fuse-patterns >"$t/c" || fail=1
"$nex" opt "$det" --shape x=1,3,640,640 --load "$lua" --pipeline canonicalize,fuse-hardswish --stats >"$t/l" 2>"$t/ls" || fail=1
same det "$t/c" "$t/l"
grep -q "hard_swish=24" "$t/ls" || { echo "FAIL: expected 24 fusions on det"; cat "$t/ls"; fail=1; }
exit $fail
