#!/bin/sh
# `nex opt --pipeline default -o OUT.nex` on the generated 100k-op ResNet
# (nex gen --kind resnet, as the suite makes it) against the same command
# printing to stdout, interleaved, median of 5 each: wall and CPU seconds,
# and the bytes each writes. fold-batchnorm leaves 2.6 GiB of weights
# uncomputed (scaled fills); the save writes them as their recipe
# (docs/ir.md §3), so -o should cost about what stdout costs and its files
# be proportional to the scales (before: 42-55 s and 2.6 GiB). Then reads
# the saved model back and saves it again: the pair must come out the same
# (the side file name aside). Usage: bench_opt_save.sh BUILD_DIR [OPS]
build=${1:-build}
ops=${2:-100000}
nex=$build/nex
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
"$nex" gen --kind resnet --ops "$ops" -o "$tmp/r.nex" >/dev/null ||
	{ echo "opt -o: nex gen failed"; exit 1; }
median() { sort -g | sed -n 3p; }
# one run: "wall_s cpu_s" of "$@" (GNU time's %e, %U + %S)
run() {
	/usr/bin/time -f '%e %U %S' -o "$tmp/t" "$@" >"$tmp/stdout.nex" 2>/dev/null || return 1
	awk '{ printf "%.3f %.3f\n", $1, $2 + $3 }' "$tmp/t"
}
: >"$tmp/a"; : >"$tmp/b"
for i in 1 2 3 4 5; do
	for x in $([ $((i % 2)) -eq 1 ] && echo "a b" || echo "b a"); do
		if [ "$x" = a ]; then
			run "$nex" opt "$tmp/r.nex" --pipeline default -o "$tmp/o.nex" >>"$tmp/a" ||
				{ echo "opt -o: nex opt -o failed"; exit 1; }
		else
			run "$nex" opt "$tmp/r.nex" --pipeline default >>"$tmp/b" ||
				{ echo "opt -o: nex opt to stdout failed"; exit 1; }
		fi
	done
done
side=$(ls "$tmp"/o.nex.bin "$tmp"/o.nex.2.bin 2>/dev/null | head -n 1)
b_model=$(wc -c <"$tmp/o.nex")
b_side=$(wc -c <"$side")
b_stdout=$(wc -c <"$tmp/stdout.nex")
wa=$(cut -d' ' -f1 "$tmp/a" | median); ca=$(cut -d' ' -f2 "$tmp/a" | median)
wb=$(cut -d' ' -f1 "$tmp/b" | median); cb=$(cut -d' ' -f2 "$tmp/b" | median)
printf 'nex opt --pipeline default -o OUT.nex, resnet %s ops: median %.2f s wall, %.2f s CPU; writes %s bytes (model %s + side file %s)\n' \
	"$ops" "$wa" "$ca" $((b_model + b_side)) "$b_model" "$b_side"
printf 'nex opt --pipeline default > stdout,   resnet %s ops: median %.2f s wall, %.2f s CPU; writes %s bytes (display form, not readable back)\n' \
	"$ops" "$wb" "$cb" "$b_stdout"
awk -v a="$wa" -v b="$wb" 'BEGIN { printf "ratio -o / stdout (wall): %.2fx  (goal: a few seconds; was 42-55 s and 2.6 GiB)\n", a / b }'
# Read back and saved again: the same model text and side file bytes.
mkdir "$tmp/again"
if "$nex" opt "$tmp/o.nex" --until 0 -o "$tmp/again/o.nex" >/dev/null 2>&1 &&
	sed "s|\"$(basename "$side")\"|\"o.nex.bin\"|g" "$tmp/o.nex" | cmp -s - "$tmp/again/o.nex" &&
	cmp -s "$side" "$tmp/again/o.nex.bin"; then
	echo "read back and saved again: same model and side file"
else
	echo "opt -o: read back and saved again: the pair differs"; exit 1
fi
