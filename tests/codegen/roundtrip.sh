#!/bin/sh
# The .neasm listing prints, parses and prints again to the same bytes, and
# the listing read back runs to the interpreter's outputs.
nex=$1 src=${2:-.}
dir=$(mktemp -d) || exit 2
trap 'rm -rf "$dir"' EXIT
fail=0
for args in "demo" "demo --alloc bestfit --set sram=128KiB" "demo --alloc hillclimb --set sram=256KiB" "demo --alloc split" \
	"$src/tests/codegen/names.nex"; do
	# shellcheck disable=SC2086
	"$nex" codegen $args -o "$dir/a.neasm" || { echo "FAIL codegen $args"; fail=1; continue; }
	"$nex" codegen "$dir/a.neasm" >"$dir/b.neasm" || { echo "FAIL reading back ($args)"; fail=1; continue; }
	cmp -s "$dir/a.neasm" "$dir/b.neasm" || { echo "FAIL round trip ($args)"; diff "$dir/a.neasm" "$dir/b.neasm" | head; fail=1; }
done
# binary: text and binary written together; the binary read back prints the
# same listing, and runs
for args in "demo" "demo --alloc belady --set sram=128KiB"; do
	# shellcheck disable=SC2086
	"$nex" codegen $args -o "$dir/t.neasm" --bin "$dir/t.bin" &&
		"$nex" codegen "$dir/t.bin" >"$dir/u.neasm" && cmp -s "$dir/t.neasm" "$dir/u.neasm" ||
		{ echo "FAIL binary round trip ($args)"; fail=1; }
done
"$nex" exec "$dir/t.bin" | grep -q "executed" || { echo "FAIL exec of a binary"; fail=1; }
head -c 200 "$dir/t.bin" >"$dir/cut.bin"
"$nex" exec "$dir/cut.bin" 2>&1 | grep -q "the header's counts give" || { echo "FAIL truncated binary not refused"; fail=1; }
"$nex" codegen demo -o "$dir/c.neasm" && "$nex" exec "$dir/c.neasm" --compare | grep -q "bit for bit" ||
	{ echo "FAIL exec of a listing"; fail=1; }
# names that need quoting (spaces, commas, ';', quotes) survive and run
"$nex" codegen "$src/tests/codegen/names.nex" -o "$dir/n.neasm" &&
	"$nex" exec "$dir/n.neasm" --compare | grep -q "bit for bit" || { echo "FAIL quoted names"; fail=1; }
# an edited listing runs as edited: the first value written to SRAM moved
# to new DRAM bytes past the end (every descriptor of it alike) keeps the
# outputs
dram=$(sed -n 's/^\.space dram 0x\([0-9a-f]*\)$/\1/p' "$dir/c.neasm")
first=$(grep -m1 -E '^  out  sram 0x[0-9a-f]+ [a-z0-9]+ \[[0-9,]+\] row [0-9]+ plane [0-9]+ %[^ ]+$' "$dir/c.neasm")
addr=$(echo "$first" | sed -E 's/^  out  sram (0x[0-9a-f]+) .*/\1/')
v=$(echo "$first" | sed -E 's/.* %([^ ]+)$/\1/')
new=$(printf '0x%08x' $((0x$dram)))
big=$(printf '0x%x' $((0x$dram + 0x1000000)))
sed -e "s/^\.space dram 0x$dram\$/.space dram $big/" \
    -e "s/ sram $addr \(.* %$v\)\$/ dram $new \1/" "$dir/c.neasm" >"$dir/d.neasm"
[ "$(diff "$dir/c.neasm" "$dir/d.neasm" | grep -c '^>')" -ge 3 ] || { echo "FAIL: the edit did not apply (value %$v)"; fail=1; }
"$nex" exec "$dir/d.neasm" --compare | grep -q "bit for bit" || { echo "FAIL exec of an edited listing"; fail=1; }
# nex diff of programs: none against itself; conv tiles (the default
# pipeline's tile pass) show as tasks added to a program lowered without it
"$nex" diff "$dir/c.neasm" "$dir/c.neasm" | grep -q "; 0 added, 0 removed, 0 changed" ||
	{ echo "FAIL diff of a program with itself"; fail=1; }
"$nex" codegen demo -o "$dir/s.neasm" --pipeline \
	infer-shapes,fold-constants,canonicalize,cse,fold-batchnorm,fuse-activation,partition,layout-ne,schedule,plan-memory
"$nex" diff "$dir/s.neasm" "$dir/c.neasm" | grep -q "^  + t[0-9]* (ne conv %[^ ]*) tile 1/[0-9]*$" ||
	{ echo "FAIL diff shows the conv tile added"; fail=1; }
# the program on the NE model: a latency, and a trace with a track per engine
"$nex" codegen demo --stats --trace "$dir/tr.json" | grep -q "^ne model: program [0-9]* cycles" ||
	{ echo "FAIL program latency"; fail=1; }
grep -q '"args":{"name":"dma"}' "$dir/tr.json" || { echo "FAIL trace tracks"; fail=1; }
# nex sim --program: the program's latency in the summary and its engine
# tracks as process 2 of the sim's trace
"$nex" sim demo --pipeline default --program --trace "$dir/st.json" |
	grep -q "^program: [0-9]* tasks (alloc recorded), [0-9]* cycles" || { echo "FAIL sim --program"; fail=1; }
grep -q '"name":"process_name","ph":"M","pid":2' "$dir/st.json" &&
	grep -q '"pid":2,"tid":1,"ts"' "$dir/st.json" || { echo "FAIL sim --program trace tracks"; fail=1; }
[ $fail -eq 0 ] && echo "round trip ok"
exit $fail
