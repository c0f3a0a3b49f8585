#!/bin/sh
# A Lua pass steps and bisects like a C one: --into makes one step per
# rewrite (each printed with --print-after-change, its remark in --report),
# and bisect finds the single rewrite of the Lua pass that breaks a check,
# the same one the C rule's bisection finds. Usage: step_bisect.sh NEX SRC
nex=$1 src=$2
lua=$src/scripts/passes/fuse_hardswish.lua
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
fail=0
check() { if ! grep -qF -- "$2" "$1"; then echo "FAIL: '$2' not in:"; cat "$1"; fail=1; fi; }
# four single rewrites, one step and one printed IR each
"$nex" opt demo --load "$lua" --pipeline fuse-hardswish --into --print-after-change \
	--report "$t/r.json" --stats >"$t/out" 2>"$t/err" || { cat "$t/err"; fail=1; }
[ "$(grep -c 'IR after step [1-4]: fuse-hardswish' "$t/out")" = 4 ] || { echo "FAIL: not 4 single steps"; fail=1; }
check "$t/err" "fuse-hardswish#4           1"
check "$t/err" "4     fuse-hardswish#4           1"
check "$t/r.json" "fused hard_swish into %b5_dw_hs (hard_swish)"
# --until 0 --into: nothing applied; the model printed as loaded
"$nex" opt demo --load "$lua" --pipeline fuse-hardswish --into --until 0 >"$t/u" || fail=1
"$nex" print demo >"$t/p" || fail=1
cmp -s "$t/u" "$t/p" || { echo "FAIL: --until 0 changed the model"; fail=1; }
# bisect: the first rewrite that takes the op count below 100
"$nex" bisect demo --load "$lua" --pipeline canonicalize,fuse-hardswish --check 'metric:ops>=100' >"$t/b" || fail=1
check "$t/b" "first failing step: 2 (fuse-hardswish)"
check "$t/b" "first failing rewrite: 1 of 4 in fuse-hardswish"
check "$t/b" "remark: fused hard_swish into %stem_hs (hard_swish)"
"$nex" bisect demo --load "$lua" --pipeline canonicalize,fuse-hardswish --check 'metric:ops>=95' >"$t/b" || fail=1
check "$t/b" "first failing rewrite: 3 of 4 in fuse-hardswish"
check "$t/b" "remark: fused hard_swish into %b5_exp_hs (hard_swish)"
"$nex" bisect demo --pipeline canonicalize,fuse-patterns --check 'metric:ops>=95' >"$t/c" || fail=1
check "$t/c" "remark: fused hard_swish into %b5_exp_hs (hard_swish)"
# a pipeline naming a Lua pass without --load is an error naming it
if "$nex" opt demo --pipeline fuse-hardswish >"$t/o" 2>&1; then echo "FAIL: unknown pass accepted"; fail=1; fi
check "$t/o" "unknown pass 'fuse-hardswish'"
# nex passes lists it, marked as Lua with its file
"$nex" passes --load "$lua" >"$t/l" || fail=1
check "$t/l" "[lua: $lua]"
# a Lua pass that loops is stopped by --max-instructions; no step is kept
cat >"$t/spin.lua" <<'LUA'
nex.pass{name = "spin", run = function(g, ctx) while true do end end}
LUA
if "$nex" opt demo --load "$t/spin.lua" --max-instructions 1e5 --pipeline spin --stats >"$t/o" 2>"$t/e"; then
	echo "FAIL: the spinning pass was not stopped"; fail=1
fi
check "$t/e" "instruction limit reached: more than 100000 instructions"
if grep -q "^1 .*spin" "$t/e"; then echo "FAIL: a step of the stopped pass was kept"; cat "$t/e"; fail=1; fi
exit $fail
