#!/bin/sh
# The PaddleOCR models (det, rec, cls) through codegen and the executor,
# bit for bit against the interpreter, with the recorded plan and with a
# small SRAM; and no tiled op left one task. Exits 77 (skip) if the models are missing.
nex=$1
m=${NEX_MODELS:-$HOME/.cache/nex/models}
det=$m/ch_PP-OCRv4_det_infer.onnx rec=$m/ch_PP-OCRv4_rec_infer.onnx cls=$m/ch_ppocr_mobile_v2.0_cls_infer.onnx
for f in "$det" "$rec" "$cls"; do
	[ -f "$f" ] || { echo "missing $f: skipped (make models fetches them)"; exit 77; }
done
fail=0
run() {
	label=$1; shift
	if out=$("$nex" exec "$@" --compare 2>&1) && echo "$out" | grep -q "bit for bit"; then
		echo "ok $label"
	else
		echo "FAIL $label: $(echo "$out" | tail -n 3)"; fail=1
	fi
}
run det "$det" --shape x=1,3,640,640
run "det sram=512KiB bestfit" "$det" --shape x=1,3,640,640 --set sram=512KiB --alloc bestfit
run "det sram=512KiB split" "$det" --shape x=1,3,640,640 --set sram=512KiB --alloc split
run rec "$rec" --shape x=1,3,48,320
run "rec sram=256KiB search" "$rec" --shape x=1,3,48,320 --set sram=256KiB --alloc search
run "rec sram=64KiB (softmax tiles)" "$rec" --shape x=1,3,48,320 --set sram=64KiB
run cls "$cls" --shape x=1,3,48,192
run "cls sram=64KiB (conv tiles by rows only)" "$cls" --shape x=1,3,48,192 --set sram=64KiB
# Every tiling the tile pass makes lowers to one task per tile: none of the
# models' tiled ops stays one task ("attr tile not split"), down to 16 KiB.
# At 16 KiB m1's task overhead makes the tile pass's cost bound leave every
# op untiled, so that size runs without it (task_overhead=0) to have tiles.
for sram in 16KiB 64KiB 256KiB; do
	free=
	[ $sram = 16KiB ] && free="--set task_overhead=0"
	for mm in "det $det x=1,3,640,640" "rec $rec x=1,3,48,320" "cls $cls x=1,3,48,192"; do
		set -- $mm
		# shellcheck disable=SC2086
		n=$("$nex" codegen "$2" --shape "$3" --pipeline default --target m1 \
			--set sram=$sram $free 2>&1 | grep -c "not split")
		if [ "$n" = 0 ]; then
			echo "ok $1 sram=$sram: every tiled op split"
		else
			echo "FAIL $1 sram=$sram: $n tasks say 'attr tile not split'"; fail=1
		fi
	done
done
exit $fail
