#!/bin/sh
# The .neasm listing prints, parses and prints again to the same bytes, and
# the listing read back runs to the interpreter's outputs.
nex=$1
dir=$(mktemp -d) || exit 2
trap 'rm -rf "$dir"' EXIT
fail=0
for args in "demo" "demo --alloc bestfit --set sram=128KiB" "demo --split-conv"; do
	# shellcheck disable=SC2086
	"$nex" codegen $args -o "$dir/a.neasm" || { echo "FAIL codegen $args"; fail=1; continue; }
	"$nex" codegen "$dir/a.neasm" >"$dir/b.neasm" || { echo "FAIL reading back ($args)"; fail=1; continue; }
	cmp -s "$dir/a.neasm" "$dir/b.neasm" || { echo "FAIL round trip ($args)"; diff "$dir/a.neasm" "$dir/b.neasm" | head; fail=1; }
done
# binary: text and binary written together; the binary read back prints the
# same listing, and runs
for args in "demo" "demo --alloc belady --set sram=128KiB --split-conv"; do
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
# an edited listing runs as edited: %b1_dw_relu6 moved from SRAM to new
# DRAM bytes (writer and reader lines alike) keeps the outputs
sed -e 's/^\.space dram 0x4f2200$/.space dram 0x600000/' \
    -e 's/sram 0x000c4000 f32 \[1,16,112,112\] row 448 plane 50176 %b1_dw_relu6$/dram 0x00500000 f32 [1,16,112,112] row 448 plane 50176 %b1_dw_relu6/' \
	"$dir/c.neasm" >"$dir/d.neasm"
[ "$(diff "$dir/c.neasm" "$dir/d.neasm" | grep -c '^>')" -eq 3 ] || { echo "FAIL: the edit did not apply to 3 lines"; fail=1; }
"$nex" exec "$dir/d.neasm" --compare | grep -q "bit for bit" || { echo "FAIL exec of an edited listing"; fail=1; }
# nex diff of programs: none against itself; conv tiles show as tasks added
"$nex" diff "$dir/c.neasm" "$dir/c.neasm" | grep -q "; 0 added, 0 removed, 0 changed" ||
	{ echo "FAIL diff of a program with itself"; fail=1; }
"$nex" codegen demo --split-conv -o "$dir/s.neasm"
"$nex" diff "$dir/c.neasm" "$dir/s.neasm" | grep -q "^  + t[0-9]* (ne conv %b2_exp_relu6) tile 1/2$" ||
	{ echo "FAIL diff shows the conv tile added"; fail=1; }
# the program on the NE model: a latency, and a trace with a track per engine
"$nex" codegen demo --stats --trace "$dir/tr.json" | grep -q "^ne model: program [0-9]* cycles" ||
	{ echo "FAIL program latency"; fail=1; }
grep -q '"args":{"name":"dma"}' "$dir/tr.json" || { echo "FAIL trace tracks"; fail=1; }
[ $fail -eq 0 ] && echo "round trip ok"
exit $fail
