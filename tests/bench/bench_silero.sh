#!/bin/sh
# bench_silero.sh NEX [ROUNDS] — silero VAD v5 (16 kHz, one 512-sample chunk)
# in nex and in onnxruntime-node, interleaved round by round, one thread
# each; prints the median over the rounds of:
#   import: nex `print` of the model with --const/--shape, wall time of the
#           whole process (so it includes process start and printing the IR);
#           ort InferenceSession.create, in process (node's start excluded);
#   run:    the median of 20 runs after a warm-up, in process, for both
#           (`nex run --repeat 20`, tests/bench/ort_run.js --repeat 20).
# Needs the models of scripts/fetch-models.sh and onnxruntime-node; prints
# "skipped: <why>" and exits 77 without them.
set -u
nex=$1
rounds=${2:-7}
here=$(cd "$(dirname "$0")" && pwd)
m=${NEX_MODELS:-$HOME/.cache/nex/models}/silero-vad/silero_vad.onnx
ort_dir=${NEX_ORT_DIR:-$HOME/.cache/nex/ort}
NODE_PATH=${NODE_PATH:+$NODE_PATH:}$ort_dir/node_modules
export NODE_PATH
if [ ! -s "$m" ] || ! node -e "require('onnxruntime-node')" >/dev/null 2>&1; then
	echo "skipped: $m or onnxruntime-node is missing (scripts/fetch-models.sh)"
	exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
node "$here/../conformance/synth_speech.js" "$tmp/in" 512 3 || exit 1
bind="--const sr=16000 --shape input=1,512 --shape state=2,1,128"
ms() { echo $(( $(date +%s%N) / 1000 )); }
for r in $(seq "$rounds"); do
	t0=$(ms)
	"$nex" print "$m" $bind >/dev/null || exit 1
	t1=$(ms)
	echo "$(( t1 - t0 ))" >>"$tmp/nex_import"
	node -e "
const ort = require('onnxruntime-node');
(async () => {
	const t0 = process.hrtime.bigint();
	await ort.InferenceSession.create(process.argv[1], {executionProviders: ['cpu'], intraOpNumThreads: 1});
	console.log(Math.round(Number(process.hrtime.bigint() - t0) / 1e3));
})();" "$m" >>"$tmp/ort_import" || exit 1
	"$nex" run "$m" $bind --inputs "$tmp/in" --threads 1 --repeat 20 2>&1 |
		sed -n 's/.*median \([0-9.]*\) ms.*/\1/p' >>"$tmp/nex_run"
	node "$here/ort_run.js" "$m" --input "input=$tmp/in/input.npy" \
		--input "state=$tmp/in/state.npy" --input "sr=$tmp/in/sr.npy" --threads 1 \
		--repeat 20 | sed -n 's/.*median_ms=\([0-9.]*\).*/\1/p' >>"$tmp/ort_run"
done
med() { sort -n "$1" | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
echo "silero_vad 16 kHz, $rounds interleaved rounds, 1 thread"
echo "import  nex $(awk "BEGIN {print $(med "$tmp/nex_import") / 1000}") ms (process)   ort $(awk "BEGIN {print $(med "$tmp/ort_import") / 1000}") ms (session create)"
echo "run     nex $(med "$tmp/nex_run") ms   ort $(med "$tmp/ort_run") ms   (median of 20 runs)"
