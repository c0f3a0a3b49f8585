#!/bin/sh
# bench_interp.sh BUILD_DIR — nex's reference interpreter against
# onnxruntime-node (CPU execution provider, its default graph optimization
# level) on PaddleOCR PP-OCRv4 det (1x3x640x640), rec (1x3x48x320) and the
# mobile v2.0 cls (1x3x48x192), the same input for both (a synthetic page of
# text, synth_text.js), at 1 and 2 threads.
#
# The machine is shared, so the runs are interleaved: each round runs every
# contestant once per (model, threads), the order alternating from round to
# round, so that load drifting over the minutes hits all alike. Each
# contestant is timed in its own process around the run call alone (median
# of $NEX_BENCH_REPEAT runs after a warm-up: `nex run --repeat`,
# ort_run.js --repeat); the figure printed is the median over
# $NEX_BENCH_ROUNDS rounds (default 5) of those medians. Contestants:
#   nex            the model as imported
#   nex+default    after `--pipeline default` (batch norms folded,
#                  activations fused into conv), the fair peer of
#                  onnxruntime's own default graph optimizations
#   ort            onnxruntime-node
# and, when the environment sets OPENBLAS_CORETYPE (this machine's pins
# OpenBLAS to Haswell, AVX2, where OpenBLAS 0.3.21 would pick Cooperlake,
# AVX-512), the two nex rows again with it unset, in the same rounds:
#   nex.own        the model as imported, OpenBLAS's own core
#   nex+default.own  after `--pipeline default`, OpenBLAS's own core
# Prints which OpenBLAS core each set of nex rows ran (the "cpu:" line of
# `nex run --profile`), then one line per model and thread count with the
# medians and the ratio of the better nex to ort (below 1: nex ahead); with
# the second set, a second line per model and threads (marked "own") for
# it against the same ort figure.
#
# Needs node and npm: onnxruntime-node is installed on first use into
# $NEX_ORT_DIR (default ~/.cache/nex/ort) with npm install --ignore-scripts.
# The models come from $NEX_MODELS (scripts/fetch-models.sh fetches them).
# Build nex with -DCMAKE_BUILD_TYPE=Release for figures worth quoting.
set -eu
if [ $# -ne 1 ]; then
	echo "usage: $0 BUILD_DIR" >&2
	exit 2
fi
nex=$1/nex
here=$(cd "$(dirname "$0")" && pwd)
models=${NEX_MODELS:-$HOME/.cache/nex/models}
ort_dir=${NEX_ORT_DIR:-$HOME/.cache/nex/ort}
rounds=${NEX_BENCH_ROUNDS:-5}
repeat=${NEX_BENCH_REPEAT:-3}

[ -x "$nex" ] || { echo "bench_interp: $nex is not built" >&2; exit 1; }
command -v node >/dev/null 2>&1 || { echo "bench_interp: node is not installed" >&2; exit 1; }
for m in ch_PP-OCRv4_det_infer ch_PP-OCRv4_rec_infer ch_ppocr_mobile_v2.0_cls_infer; do
	if [ ! -s "$models/$m.onnx" ]; then
		sh "$here/../../scripts/fetch-models.sh"
		[ -s "$models/$m.onnx" ] || { echo "bench_interp: no $models/$m.onnx" >&2; exit 1; }
	fi
done
NODE_PATH=${NODE_PATH:+$NODE_PATH:}$ort_dir/node_modules
export NODE_PATH
if ! node -e "require('onnxruntime-node')" >/dev/null 2>&1; then
	command -v npm >/dev/null 2>&1 || { echo "bench_interp: npm is not installed" >&2; exit 1; }
	echo "bench_interp: installing onnxruntime-node into $ort_dir" >&2
	mkdir -p "$ort_dir"
	(cd "$ort_dir" && npm install --ignore-scripts --no-audit --no-fund --silent \
		onnxruntime-node >/dev/null)
	node -e "require('onnxruntime-node')" >/dev/null 2>&1 ||
		{ echo "bench_interp: onnxruntime-node does not load" >&2; exit 1; }
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

# name model-file shape
set -- det ch_PP-OCRv4_det_infer 1,3,640,640 \
       rec ch_PP-OCRv4_rec_infer 1,3,48,320 \
       cls ch_ppocr_mobile_v2.0_cls_infer 1,3,48,192
cases=""
while [ $# -ge 3 ]; do
	mkdir -p "$tmp/$1"
	node "$here/synth_text.js" "$tmp/$1/x.npy" "$3" 7
	cases="$cases $1:$2:$3"
	shift 3
done

# run WHO NAME MODEL SHAPE THREADS: appends one median (ms) to $tmp/WHO-NAME-THREADS
run() {
	out=$tmp/out.txt
	case $1 in
	ort)
		node "$here/ort_run.js" "$models/$3.onnx" --input "x=$tmp/$2/x.npy" \
			--repeat "$repeat" --threads "$5" >"$out" 2>&1 || true
		ms=$(sed -n 's/^ort median_ms=\([0-9.]*\).*/\1/p' "$out") ;;
	nex|nex+default|nex.own|nex+default.own)
		pl=""
		case $1 in nex+default*) pl="--pipeline default" ;; esac
		envu=""
		case $1 in *.own) envu="-u OPENBLAS_CORETYPE" ;; esac
		# shellcheck disable=SC2086
		env $envu "$nex" run "$models/$3.onnx" --shape "x=$4" --inputs "$tmp/$2" \
			--repeat "$repeat" --threads "$5" $pl >"$out" 2>&1 || true
		ms=$(sed -n 's/^time: median \([0-9.]*\) ms.*/\1/p' "$out") ;;
	esac
	if [ -z "$ms" ]; then
		echo "bench_interp: $1 on $2 gave no timing:" >&2
		cat "$out" >&2
		exit 1
	fi
	echo "$ms" >>"$tmp/$1-$2-$5"
}

median() {
	sort -n "$1" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

# the "cpu:" line of `nex run --profile` under env ARGS
cpu_line() {
	# shellcheck disable=SC2086
	env $1 "$nex" run "$models/ch_ppocr_mobile_v2.0_cls_infer.onnx" --shape x=1,3,48,192 \
		--profile 2>/dev/null | sed -n 's/^cpu: //p' | head -n 1
}
own=0
[ -n "${OPENBLAS_CORETYPE:-}" ] && own=1
r=0
while [ "$r" -lt "$rounds" ]; do
	for c in $cases; do
		name=${c%%:*}; rest=${c#*:}; model=${rest%%:*}; shape=${rest#*:}
		for t in 1 2; do
			if [ $((r % 2)) -eq 0 ]; then order="nex nex+default ort"
			else order="ort nex+default nex"; fi
			if [ "$own" -eq 1 ]; then
				if [ $((r % 2)) -eq 0 ]; then order="nex nex.own nex+default nex+default.own ort"
				else order="ort nex+default.own nex+default nex.own nex"; fi
			fi
			for who in $order; do
				run "$who" "$name" "$model" "$shape" "$t"
			done
		done
	done
	r=$((r + 1))
done

cores=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo "?")
load=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "?")
echo "nex interpreter vs onnxruntime-node (cpu, default optimization level), $cores cores, load $load"
echo "median over $rounds interleaved rounds of each process's median of $repeat runs after a warm-up, ms"
echo "nex rows, environment as given: $(cpu_line "")"
if [ "$own" -eq 1 ]; then
	echo "nex rows marked own, OPENBLAS_CORETYPE unset: $(cpu_line "-u OPENBLAS_CORETYPE")"
else
	echo "(OPENBLAS_CORETYPE is not set: the rows above are OpenBLAS's own pick; no second set)"
fi
printf '%-4s %7s %10s %12s %10s %9s\n' model threads nex nex+default ort "best/ort"
for c in $cases; do
	name=${c%%:*}
	for t in 1 2; do
		a=$(median "$tmp/nex-$name-$t")
		b=$(median "$tmp/nex+default-$name-$t")
		o=$(median "$tmp/ort-$name-$t")
		awk -v n="$name" -v t="$t" -v a="$a" -v b="$b" -v o="$o" 'BEGIN {
			best = a < b ? a : b
			printf "%-4s %7d %10.2f %12.2f %10.2f %8.2fx %s\n", n, t, a, b, o,
				best / o, best < o ? "(nex ahead)" : "(ort ahead)"
		}'
		[ "$own" -eq 1 ] || continue
		a=$(median "$tmp/nex.own-$name-$t")
		b=$(median "$tmp/nex+default.own-$name-$t")
		awk -v n="$name" -v t="$t" -v a="$a" -v b="$b" -v o="$o" 'BEGIN {
			best = a < b ? a : b
			printf "%-4s %7d %10.2f %12.2f %10.2f %8.2fx %s own\n", n, t, a, b, o,
				best / o, best < o ? "(nex ahead)" : "(ort ahead)"
		}'
	done
done
