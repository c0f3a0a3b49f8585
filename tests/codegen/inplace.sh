#!/bin/sh
# The executor's in-place forms (inplace.nex: element-wise runs over padded
# rows, per-channel scales, concat copied in place) must give `nex run`'s
# outputs bit for bit, at 1 and 2 threads, under several allocators and at
# an SRAM small enough to spill. Usage: inplace.sh NEX SRC
nex=$1 src=$2
f=$src/tests/codegen/inplace.nex
fail=0
for sram in 2MiB 64KiB; do
	for a in recorded bestfit split; do
		for t in 1 2; do
			if out=$("$nex" exec "$f" --pipeline default --target m1 --set sram=$sram \
				--alloc $a --threads $t --compare 2>&1) &&
				echo "$out" | grep -q "bit for bit"; then
				echo "ok sram=$sram $a threads=$t: exec == run"
			else
				echo "FAIL sram=$sram $a threads=$t: $(echo "$out" | tail -n 3)"; fail=1
			fi
		done
	done
done
exit $fail
