#!/bin/sh
# suite.sh — the benchmark suite `make bench` runs: every area of nex beside
# its peer in the same run, scaling from 1k to 1M ops, callgrind instruction
# counts, and the document that says where nex stands (docs/benchmarks.md,
# written by suite_doc.awk from the figures gathered here).
#
# usage: suite.sh [--smoke] BUILD_DIR [OUT.md]
#
# Full run: installs the peers (scripts/deps.sh: mlir-opt-14, python3-onnx,
# valgrind; scripts/fetch-models.sh: the PaddleOCR models and
# onnxruntime-node), then per benchmark one warm-up and $NEX_SUITE_RUNS
# (default 5) measured runs, nex and its peer interleaved A B B A A B ... so
# that load drifting over the minutes hits both alike. OUT defaults to
# docs/benchmarks.md.
# --smoke: the same code paths at tiny sizes with one measured run, nothing
# installed; it checks that the document has every table, and exits 77
# (skipped) when a peer or a model is missing, after running the rest. The
# ctest bench/smoke (label bench-smoke) runs it.
#
# Figures come from three kinds of line: wall time of a whole command (what
# a user waits for), a program's own timing printed in the suite's line
# format
#   BENCH name=NAME [ops=N] [runs=R] median_ms=M [min_ms=A max_ms=B] [rss_kb=K]
# (suite_op, onnx_check.py, bench_lua), or a peer's own line (ort_run.js,
# `nex run`). Peak RSS is GNU time's %M of the command. A figure that could
# not be measured is reported as failed, never filled in.
set -u
smoke=0
if [ "${1:-}" = --smoke ]; then
	smoke=1
	shift
fi
if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	echo "usage: $0 [--smoke] BUILD_DIR [OUT.md]" >&2
	exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=$(cd "$1" && pwd) || exit 2
out=${2:-$root/docs/benchmarks.md}
nex=$build/nex
op=$build/bench/suite_op
models=${NEX_MODELS:-$HOME/.cache/nex/models}
ort_dir=${NEX_ORT_DIR:-$HOME/.cache/nex/ort}
for f in "$nex" "$op"; do
	[ -x "$f" ] || { echo "suite: $f is not built (make build)" >&2; exit 1; }
done
[ -x /usr/bin/time ] || { echo "suite: /usr/bin/time (GNU time) is missing" >&2; exit 1; }

if [ "$smoke" -eq 1 ]; then
	runs=1
	sizes="500 2000"
	big=2000      # the size of the single-size figures
	cg_size=1000  # callgrind's size
	chain=1000    # ops of the elementwise chain for mlir-opt
	interp_models="cls"
	threads="1"
else
	runs=${NEX_SUITE_RUNS:-5}
	sizes=${NEX_SUITE_SIZES:-"1000 10000 100000 1000000"}
	big=100000
	cg_size=10000
	chain=100000
	interp_models="det rec cls"
	threads="1 2"
	echo "suite: installing what is missing (scripts/deps.sh, scripts/fetch-models.sh)" >&2
	sh "$root/scripts/deps.sh" || echo "suite: deps.sh failed; going on with what is there" >&2
	sh "$root/scripts/fetch-models.sh" || true
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
res=$tmp/results.tsv
: >"$res"
missing=0 # a peer or a model was missing: the smoke run exits 77
failed=0  # a nex command failed: exit 1
T=$(printf '\t')

emit() { # fields... -> one tab-separated record
	(IFS=$T; echo "$*") >>"$res"
}
skip() { # AREA REASON: a part that could not run for want of a peer or model
	emit S "$1" "$2"
	echo "suite: $1: skipped: $2" >&2
	missing=1
}
log() { echo "suite: $*" >&2; }

# ---- peers and inputs -------------------------------------------------------
have_mlir=0; command -v mlir-opt-14 >/dev/null 2>&1 && have_mlir=1
have_pyonnx=0
/usr/bin/python3 -c 'import onnx' >/dev/null 2>&1 && have_pyonnx=1
NODE_PATH=${NODE_PATH:+$NODE_PATH:}$ort_dir/node_modules
export NODE_PATH
have_ort=0
command -v node >/dev/null 2>&1 && node -e "require('onnxruntime-node')" >/dev/null 2>&1 && have_ort=1
have_valgrind=0; command -v valgrind >/dev/null 2>&1 && have_valgrind=1
sanitized=0
grep -q '^NEX_SANITIZE:[A-Z]*=ON' "$build/CMakeCache.txt" 2>/dev/null && sanitized=1
model_file() { # det|rec|cls -> path
	case $1 in
	det) echo "$models/ch_PP-OCRv4_det_infer.onnx" ;;
	rec) echo "$models/ch_PP-OCRv4_rec_infer.onnx" ;;
	cls) echo "$models/ch_ppocr_mobile_v2.0_cls_infer.onnx" ;;
	esac
}
model_shape() {
	case $1 in
	det) echo 1,3,640,640 ;;
	rec) echo 1,3,48,320 ;;
	cls) echo 1,3,48,192 ;;
	esac
}
have_model() { [ -s "$(model_file "$1")" ]; }
# the model codegen, the executor and the debugger use: det, cls in smoke
small_model=det
[ "$smoke" -eq 1 ] && small_model=cls

gen() { # KIND OPS FILE
	"$nex" gen --kind "$1" --ops "$2" -o "$3" >/dev/null 2>"$tmp/gen.err" ||
		{ log "nex gen --kind $1 --ops $2 failed: $(cat "$tmp/gen.err")"; exit 1; }
}
# The in-process figures take graphs nx_gen makes in process (suite_op
# gen:resnet:N): saved to a file, a 1M-op ResNet's constants are generated,
# tens of GB. The whole commands read the same graph from a file.
gen resnet "$big" "$tmp/resnet$big.nex"
# A chain of elementwise ops without constants, as .nex and as TOSA MLIR:
# mlir-opt and nex read the same ops and no weight payloads.
awk -v n=$((chain / 4)) 'BEGIN {
	t = "f32[1,64,56,56]"; h = "x"
	printf "graph @chain(%%x: %s) -> (%%y: %s) {\n", t, t
	for (k = 0; k < n; k++) {
		out = k == n - 1 ? "y" : "h" k
		printf "  %%a%d = relu(%%%s) : %s\n", k, h, t
		printf "  %%b%d = relu(%%%s) : %s\n", k, h, t
		printf "  %%c%d = add(%%a%d, %%b%d) : %s\n", k, k, k, t
		printf "  %%%s = %s(%%c%d) : %s\n", out, k % 2 ? "tanh" : "sigmoid", k, t
		h = out
	}
	printf "  return %%y\n}\n"
}' >"$tmp/chain.nex"
"$nex" export "$tmp/chain.nex" --mlir "$tmp/chain.mlir" 2>"$tmp/err" ||
	{ log "nex export --mlir failed: $(cat "$tmp/err")"; exit 1; }

# ---- measuring ----------------------------------------------------------------
# sample WHO HOW CMD: runs CMD (sh -c) once; sets ms and rss, or returns 1.
# HOW: wall (the command's wall time), bench (the first BENCH line's
# median_ms), or sed:SCRIPT (a sed -n script that prints the figure in ms).
sample() {
	s=$(date +%s%N)
	/usr/bin/time -f %M -o "$tmp/rss" sh -c "$3" >"$tmp/out" 2>&1
	rc=$?
	e=$(date +%s%N)
	rss=$(tail -n 1 "$tmp/rss")
	if [ "$rc" -ne 0 ]; then
		why=$(grep -v '^Command exited' "$tmp/out" | tail -n 1)
		log "$1 failed (exit $rc): $3: $why"
		return 1
	fi
	case $2 in
	wall) ms=$(awk -v s="$s" -v e="$e" 'BEGIN { printf "%.3f", (e - s) / 1e6 }') ;;
	bench) ms=$(sed -n 's/^BENCH .*median_ms=\([0-9.]*\).*/\1/p' "$tmp/out" | head -n 1) ;;
	sed:*) ms=$(sed -n "${2#sed:}" "$tmp/out" | head -n 1) ;;
	esac
	if [ -z "$ms" ]; then
		log "$1 printed no figure: $3: $(tail -n 1 "$tmp/out")"
		return 1
	fi
}

# stats FILE -> "median min max" of the numbers in FILE, one a line
stats() {
	sort -g "$1" | awk '{ v[NR] = $1 } END {
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%s %s %s", m, v[1], v[NR] }'
}
maxof() { sort -g "$1" | tail -n 1; }

# compare AREA NAME CHECK GOAL  NEXWHO NEXHOW NEXCMD  [PEERWHO PEERHOW PEERCMD]
# One warm-up of each, then $runs measured runs, interleaved (A B, then
# B A, ...). CHECK is ms<=X (nex's median), ratio<=X (nex / peer) or -.
# Records R lines (median min max of the runs, largest peak RSS) and a G
# line for the goal.
compare() {
	area=$1 name=$2 check=$3 goal=$4
	shift 4
	nw=$1 nh=$2 nc=$3
	shift 3
	pw=${1:-} ph=${2:-} pc=${3:-}
	log "$area: $name"
	: >"$tmp/a.ms"; : >"$tmp/a.rss"; : >"$tmp/b.ms"; : >"$tmp/b.rss"
	ok_a=1 ok_b=1
	i=-1
	while [ "$i" -lt "$runs" ]; do
		if [ $((i % 2)) -eq 0 ]; then order="b a"; else order="a b"; fi
		for x in $order; do
			if [ "$x" = a ]; then
				[ "$ok_a" -eq 1 ] || continue
				sample "$nw" "$nh" "$nc" || { ok_a=0; continue; }
			else
				[ -n "$pw" ] && [ "$ok_b" -eq 1 ] || continue
				sample "$pw" "$ph" "$pc" || { ok_b=0; continue; }
			fi
			if [ "$i" -ge 0 ]; then # run -1 is the warm-up
				echo "$ms" >>"$tmp/$x.ms"
				echo "$rss" >>"$tmp/$x.rss"
			fi
		done
		i=$((i + 1))
	done
	emit G "$area" "$name" "$check" "$goal"
	if [ "$ok_a" -eq 1 ]; then
		# shellcheck disable=SC2046
		emit R "$area" "$name" "$nw" $(stats "$tmp/a.ms") "$(maxof "$tmp/a.rss")" "$runs"
	else
		emit F "$area" "$name" "$nw"
		failed=1
	fi
	[ -n "$pw" ] || return 0
	if [ "$ok_b" -eq 1 ]; then
		# shellcheck disable=SC2046
		emit R "$area" "$name" "$pw" $(stats "$tmp/b.ms") "$(maxof "$tmp/b.rss")" "$runs"
	else
		emit F "$area" "$name" "$pw"
	fi
}

# inproc AREA NAME CHECK GOAL OP MODEL [ARGS...]: suite_op OP MODEL $runs
# (one warm-up and $runs runs inside one process); records its median,
# min, max and the process's peak RSS.
inproc() {
	area=$1 name=$2 check=$3 goal=$4 what=$5 model=$6
	shift 6
	log "$area: $name"
	emit G "$area" "$name" "$check" "$goal"
	if ! "$op" "$what" "$model" "$runs" "$@" >"$tmp/out" 2>&1; then
		log "suite_op $what $model failed: $(tail -n 1 "$tmp/out")"
		emit F "$area" "$name" nex
		failed=1
		return 0
	fi
	line=$(grep '^BENCH ' "$tmp/out" | head -n 1)
	emit R "$area" "$name" nex $(echo "$line" | awk '{
		for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
		print f["median_ms"], f["min_ms"], f["max_ms"], f["rss_kb"], f["runs"] }')
}

# ---- the machine ----------------------------------------------------------------
cpu=$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1)
emit M cpu "${cpu:-unknown}"
emit M cores "$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo '?')"
emit M mem "$(awk '/^MemTotal/ { printf "%.1f GB", $2 / 1048576 }' /proc/meminfo)"
emit M date "$(date -u '+%Y-%m-%d %H:%M UTC')"
emit M load_start "$(cut -d' ' -f1-3 /proc/loadavg)"
emit M runs "$runs"
emit M mode "$([ "$smoke" -eq 1 ] && echo smoke || echo full)"
emit M build "$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$build/CMakeCache.txt" 2>/dev/null)"
emit M commit "$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?')"
emit M big "$big"
# Which OpenBLAS core nex's sgemm runs and which SIMD level its own kernels
# use (the "cpu:" line of `nex run --profile`), with the environment as
# given and with OPENBLAS_CORETYPE unset (OpenBLAS's own pick): this
# machine's environment may force a core (OPENBLAS_CORETYPE=Haswell, AVX2,
# where OpenBLAS would pick an AVX-512 core), and the interpreter's figures
# depend on it.
printf 'graph @g(%%x: f32[8,8]) -> (%%y: f32[8,8]) {\n  %%w = const f32[8,8] fill(ones)\n  %%y = matmul(%%x, %%w) : f32[8,8]\n  return %%y\n}\n' >"$tmp/mm.nex"
cpu_line() { "$@" run "$tmp/mm.nex" --profile 2>/dev/null | sed -n 's/^cpu: //p' | head -n 1; }
emit M blas_env "$(cpu_line "$nex")"
emit M blas_own "$(cpu_line env -u OPENBLAS_CORETYPE "$nex")"
started=$(date +%s)

r=gen:resnet:$big
# ---- IR parse and print ---------------------------------------------------------
inproc ir "parse, resnet $big ops" "ms<=150" "<= 150 ms at 100k (issue 2)" parse "$r"
inproc ir "print, resnet $big ops" "ms<=100" "<= 100 ms at 100k (issue 2)" print "$r"
inproc ir "clone, resnet $big ops" "ms<=5" "<= 5 ms at 100k (issue 2)" clone "$r"
inproc ir "verify, resnet $big ops" "ms<=30" "<= 30 ms at 100k (issue 2)" verify "$r"
if [ "$have_mlir" -eq 1 ]; then
	compare ir "read + print, elementwise chain $chain ops (whole command)" "ratio<=1" \
		"faster than mlir-opt (issue 20)" \
		nex wall "'$nex' print '$tmp/chain.nex' >/dev/null" \
		mlir-opt-14 wall "mlir-opt-14 '$tmp/chain.mlir' -o /dev/null"
else
	skip ir "mlir-opt-14 is not installed (apt-get install mlir-14-tools)"
fi

# ---- ONNX import ------------------------------------------------------------------
for m in $interp_models; do
	if ! have_model "$m"; then
		skip import "no $(model_file "$m") (scripts/fetch-models.sh)"
		continue
	fi
	f=$(model_file "$m")
	if [ "$have_pyonnx" -eq 1 ]; then
		compare import "$m: load, check, infer shapes" "ratio<=1" "faster than python3-onnx (issue 3 compares; sets no figure)" \
			nex bench "'$op' import '$f' 1 --shape x=$(model_shape "$m")" \
			python3-onnx bench "/usr/bin/python3 '$here/onnx_check.py' '$f' 1"
	else
		skip import "python3 has no onnx module (apt-get install python3-onnx)"
		compare import "$m: load, check, infer shapes" - - \
			nex bench "'$op' import '$f' 1 --shape x=$(model_shape "$m")"
	fi
done

# ---- interpreter ----------------------------------------------------------------
ort_ok=0
if [ "$have_ort" -eq 1 ]; then ort_ok=1; else skip interp "onnxruntime-node is not installed (scripts/fetch-models.sh)"; fi
for m in $interp_models; do
	have_model "$m" || { skip interp "no $(model_file "$m") (scripts/fetch-models.sh)"; continue; }
	[ "$ort_ok" -eq 1 ] || continue
	f=$(model_file "$m")
	mkdir -p "$tmp/in-$m"
	node "$here/synth_text.js" "$tmp/in-$m/x.npy" "$(model_shape "$m")" 7 >/dev/null
	# Each process reports the median of 7 runs after its warm-up run:
	# onnxruntime's second run is still ~3.5x its steady time on det (its
	# arena and thread pool settle after the first two), so one timed run
	# per process measured its start-up, not its speed.
	for t in $threads; do
		nexrun="'$nex' run '$f' --shape x=$(model_shape "$m") --inputs '$tmp/in-$m' --repeat 7 --threads $t"
		ortrun="node '$here/ort_run.js' '$f' --input 'x=$tmp/in-$m/x.npy' --repeat 7 --threads $t"
		compare interp "$m, $t thread(s): nex --pipeline default vs ort (its default level)" \
			"ratio<=1" "faster than onnxruntime at its default level (issue 22)" \
			"nex --pipeline default" "sed:s/^time: median \([0-9.]*\) ms.*/\1/p" "$nexrun --pipeline default" \
			"ort" "sed:s/^ort median_ms=\([0-9.]*\).*/\1/p" "$ortrun"
		compare interp "$m, $t thread(s): nex as imported vs ort, optimizer off" - - \
			"nex" "sed:s/^time: median \([0-9.]*\) ms.*/\1/p" "$nexrun" \
			"ort --opt disabled" "sed:s/^ort median_ms=\([0-9.]*\).*/\1/p" "$ortrun --opt disabled"
		# With OPENBLAS_CORETYPE forcing a core, the same comparison with
		# OpenBLAS picking its own (the rows above are the environment as
		# given); unset, the rows above are already OpenBLAS's pick.
		if [ -n "${OPENBLAS_CORETYPE:-}" ]; then
			compare interp "$m, $t thread(s), OPENBLAS_CORETYPE unset: nex --pipeline default vs ort (its default level)" \
				- - \
				"nex --pipeline default, OpenBLAS's own core" "sed:s/^time: median \([0-9.]*\) ms.*/\1/p" \
				"env -u OPENBLAS_CORETYPE $nexrun --pipeline default" \
				"ort" "sed:s/^ort median_ms=\([0-9.]*\).*/\1/p" "$ortrun"
		fi
	done
done
# Op counts after optimization: nex's default pipeline against the graphs
# onnxruntime saves at each level (counted with python3-onnx).
if [ "$ort_ok" -eq 1 ] && [ "$have_pyonnx" -eq 1 ]; then
	for m in $interp_models; do
		have_model "$m" || continue
		f=$(model_file "$m")
		n_onnx=$(/usr/bin/python3 -c "import onnx,sys; g=onnx.load(sys.argv[1]).graph; print(sum(n.op_type!='Constant' for n in g.node))" "$f")
		n_nex=$("$nex" opt "$f" --shape "x=$(model_shape "$m")" --pipeline default | grep -cE '^  %.* = [a-z_]+\(')
		counts=""
		for level in basic extended all; do
			if node "$here/ort_optimize.js" "$f" $level "$tmp/$m.$level.onnx" 2>/dev/null; then
				c=$(/usr/bin/python3 -c "import onnx,sys; print(len(onnx.load(sys.argv[1]).graph.node))" "$tmp/$m.$level.onnx")
			else
				c=failed
			fi
			counts="$counts$T$c"
		done
		emit O "$m" "$n_onnx" "$n_nex$counts"
	done
else
	skip interp "op counts need onnxruntime-node and python3-onnx"
fi

# ---- pipeline ---------------------------------------------------------------------
inproc pipeline "default pipeline's passes, resnet $big ops" "ms<=1000" "<= 1 s at 100k (issue 4)" pipeline "$r"
# printed to stdout (the display form), then saved with -o: the folded
# weights (scaled fills) are written as their recipe, so the pair is
# proportional to the scales (it was 2.6 GiB and 42-55 s at 100k ops); the
# row's name carries the bytes one save writes
compare pipeline "nex opt --pipeline default (verify after each step), resnet $big ops (whole command)" \
	"ms<=1000" "< 1 s (issue 22)" \
	nex wall "'$nex' opt '$tmp/resnet$big.nex' --pipeline default >'$tmp/opt.nex'"
if "$nex" opt "$tmp/resnet$big.nex" --pipeline default -o "$tmp/opt_o.nex" >/dev/null 2>"$tmp/err"; then
	saved=$(cat "$tmp/opt_o.nex" "$tmp/opt_o.nex.bin" | wc -c)
	compare pipeline "nex opt --pipeline default -o FILE, resnet $big ops (whole command; writes $saved bytes, model + side file)" \
		"ms<=3000" "a few seconds, size proportional to the scales (issue 22)" \
		nex wall "'$nex' opt '$tmp/resnet$big.nex' --pipeline default -o '$tmp/opt_o.nex'"
else
	log "nex opt -o failed: $(cat "$tmp/err")"
	emit G pipeline "nex opt --pipeline default -o FILE, resnet $big ops" "ms<=3000" \
		"a few seconds, size proportional to the scales (issue 22)"
	emit F pipeline "nex opt --pipeline default -o FILE, resnet $big ops" nex
	failed=1
fi
if [ "$have_mlir" -eq 1 ]; then
	compare pipeline "canonicalize + cse, elementwise chain $chain ops (whole command)" "ratio<=1" \
		"faster than mlir-opt (issue 20)" \
		nex wall "'$nex' opt '$tmp/chain.nex' --pipeline canonicalize,cse -o '$tmp/cc.nex'" \
		mlir-opt-14 wall "mlir-opt-14 -canonicalize -cse '$tmp/chain.mlir' -o '$tmp/cc.mlir'"
else
	skip pipeline "mlir-opt-14 is not installed (apt-get install mlir-14-tools)"
fi
if have_model "$small_model"; then
	f=$(model_file "$small_model")
	inproc pipeline "default pipeline's passes, $small_model" "$([ "$small_model" = det ] && echo 'ms<=100' || echo -)" \
		"$([ "$small_model" = det ] && echo '<= 100 ms on det (issue 4)' || echo -)" \
		pipeline "$f" --shape "x=$(model_shape "$small_model")"
else
	skip pipeline "no $(model_file "$small_model") (scripts/fetch-models.sh)"
fi

# ---- simulator ----------------------------------------------------------------------
inproc sim "new snapshot (set-up + first run on m1), resnet $big ops" "ms<=50" \
	"<= 50 ms at 100k (issue 5)" sim "$r"
if have_model "$small_model"; then
	inproc sim "new snapshot, $small_model" - - sim "$(model_file "$small_model")" --shape "x=$(model_shape "$small_model")"
fi

# ---- Lua ------------------------------------------------------------------------------
# bench_lua times each Lua figure against the same work in C in one
# process; run it $runs times, each run one sample of each.
if [ -x "$build/bench/bench_lua" ]; then
	log "lua: bench_lua x $runs"
	: >"$tmp/lua.out"
	i=0
	while [ "$i" -lt "$runs" ]; do
		/usr/bin/time -f 'RSS %M' "$build/bench/bench_lua" >>"$tmp/lua.out" 2>&1 || { failed=1; log "bench_lua failed"; }
		i=$((i + 1))
	done
	lua_rss=$(sed -n 's/^RSS //p' "$tmp/lua.out" | sort -g | tail -n 1)
	lua_pair() { # NAME CHECK GOAL NEXKEY PEERKEY
		emit G lua "$1" "$2" "$3"
		for k in "$4" "$5"; do
			sed -n "s/^BENCH name=$k median_ms=\([0-9.]*\).*/\1/p" "$tmp/lua.out" >"$tmp/k.ms"
			if [ -s "$tmp/k.ms" ]; then
				# shellcheck disable=SC2046
				emit R lua "$1" "$([ "$k" = "$4" ] && echo nex-lua || echo C)" $(stats "$tmp/k.ms") "$lua_rss" "$(wc -l <"$tmp/k.ms")"
			else
				emit F lua "$1" "$k"
			fi
		done
	}
	lua_pair "visit every op of a 100k resnet (CPU ms)" "ms<=150" "<= 150 ms (issue 13)" lua-visit c-visit
	if grep -q '^BENCH name=lua-hardswish' "$tmp/lua.out"; then
		lua_pair "fuse_hardswish.lua on det vs C fuse-patterns (CPU ms)" "ratio<=5" "within 5x of C (issue 6)" lua-hardswish c-fuse-patterns
		lua_pair "step one rewrite on det (CPU ms)" "ms<=20" "<= 20 ms (issue 13)" lua-step c-step
	else
		skip lua "det is missing: the det figures of bench_lua were skipped"
	fi
else
	emit F lua "bench_lua" "not built"
	failed=1
fi

# ---- TUI frames -----------------------------------------------------------------------
inproc tui "first frame (session, NE model, frame), resnet $big ops" "ms<=300" "<= 300 ms at 100k (issues 7, 14)" first-frame "$r"
inproc tui "one frame of the IR view, resnet $big ops" "ms<=10" "<= 10 ms at 100k (issues 7, 14)" frame "$r"

# ---- codegen and executor --------------------------------------------------------------
inproc codegen "lowering after the default pipeline, resnet $big ops" "ms<=500" "<= 500 ms at 100k (issue 17)" codegen "$r"
if have_model "$small_model"; then
	f=$(model_file "$small_model")
	sh_=$(model_shape "$small_model")
	inproc codegen "lowering after the default pipeline, $small_model" \
		"$([ "$small_model" = det ] && echo 'ms<=20' || echo -)" \
		"$([ "$small_model" = det ] && echo '<= 20 ms on det (issue 17)' || echo -)" \
		codegen "$f" --shape "x=$sh_"
	for t in $threads; do
		compare codegen "executor vs interpreter, $small_model, $t thread(s), after the default pipeline" "ratio<=1.5" \
			"within 1.5x of nex run (issue 17)" \
			"nex exec" "sed:s/^time: median \([0-9.]*\) ms.*/\1/p" "'$nex' exec '$f' --shape x=$sh_ --seed 1 --repeat 7 --threads $t" \
			"nex run" "sed:s/^time: median \([0-9.]*\) ms.*/\1/p" "'$nex' run '$f' --shape x=$sh_ --seed 1 --pipeline default --repeat 7 --threads $t"
	done
else
	skip codegen "no $(model_file "$small_model") (scripts/fetch-models.sh)"
fi

# ---- numeric debugger ---------------------------------------------------------------------
# bench_debug alternates two plain runs and a debug run $runs times in one
# process (the last step of the default pipeline against step 0) and prints
# BENCH lines debug-NAME and plain-NAME with median, min and max.
# prog_row AREA NAME CHECK GOAL NEXKEY NEXWHO PEERKEY PEERWHO RSS FILE: a
# row from the BENCH lines of one program's output.
prog_row() {
	emit G "$1" "$2" "$3" "$4"
	for k in "$5:$6" "$7:$8"; do
		line=$(grep "^BENCH name=${k%%:*} " "${10}" | head -n 1)
		if [ -n "$line" ]; then
			emit R "$1" "$2" "${k#*:}" $(echo "$line" | awk -v rss="$9" '{
				for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
				print f["median_ms"], f["min_ms"], f["max_ms"], rss, f["runs"] }')
		else
			emit F "$1" "$2" "${k#*:}"
			failed=1
		fi
	done
}
if [ -x "$build/bench/bench_debug" ]; then
	log "debug: bench_debug $runs"
	/usr/bin/time -f 'RSS %M' "$build/bench/bench_debug" "$runs" >"$tmp/debug.out" 2>&1 ||
		{ failed=1; log "bench_debug failed: $(tail -n 2 "$tmp/debug.out")"; }
	rss_d=$(sed -n 's/^RSS //p' "$tmp/debug.out")
	prog_row debug "debug the demo vs two plain runs (in process)" "ms<=50" "<= 50 ms on the demo (issue 16)" \
		debug-demo "nex debug" plain-demo "2 plain runs" "$rss_d" "$tmp/debug.out"
	if have_model det; then
		prog_row debug "debug det 1x3x640x640 vs two plain runs (in process)" "ratio<=2.5" \
			"<= 2.5x two plain runs (issue 16)" debug-det "nex debug" plain-det "2 plain runs" \
			"$rss_d" "$tmp/debug.out"
	else
		skip debug "no $(model_file det) (scripts/fetch-models.sh)"
	fi
else
	emit F debug "bench_debug" "not built"
	failed=1
fi

# ---- scaling -----------------------------------------------------------------------------
for n in $sizes; do
	for what in parse print clone pipeline sim codegen frame; do
		log "scale: $what at $n ops"
		if "$op" "$what" "gen:resnet:$n" "$runs" >"$tmp/out" 2>&1; then
			emit X "$what" "$n" $(grep '^BENCH ' "$tmp/out" | head -n 1 | awk '{
				for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
				print f["median_ms"], f["min_ms"], f["max_ms"], f["rss_kb"] }')
		else
			log "suite_op $what at $n failed: $(tail -n 1 "$tmp/out")"
			emit XF "$what" "$n" "$(tail -n 1 "$tmp/out")"
			failed=1
		fi
	done
done

# ---- callgrind ---------------------------------------------------------------------------
if [ "$sanitized" -eq 1 ]; then
	# not a missing peer: valgrind cannot run ASan binaries at all
	emit S callgrind "a sanitizer build (NEX_SANITIZE=ON): valgrind cannot run ASan binaries"
	log "callgrind: not run on a sanitizer build"
elif [ "$have_valgrind" -eq 1 ]; then
	for what in parse print clone pipeline sim; do
		log "callgrind: $what at $cg_size ops"
		if valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.out" \
			--toggle-collect=suite_measured "$op" "$what" "gen:resnet:$cg_size" 0 \
			>"$tmp/out" 2>&1; then
			ir=$(sed -n 's/^totals: *\([0-9]*\).*/\1/p' "$tmp/cg.out")
			[ -n "$ir" ] || ir=$(sed -n 's/^summary: *\([0-9]*\).*/\1/p' "$tmp/cg.out")
			emit C "$what" "$cg_size" "${ir:-?}"
		else
			log "callgrind on $what failed: $(tail -n 1 "$tmp/out")"
			emit C "$what" "$cg_size" failed
			failed=1
		fi
	done
else
	skip callgrind "valgrind is not installed (scripts/deps.sh)"
fi

emit M load_end "$(cut -d' ' -f1-3 /proc/loadavg)"
emit M minutes "$(( ($(date +%s) - started + 30) / 60 ))"

# ---- the document ---------------------------------------------------------------------------
notes=$here/suite_notes.md
[ "$smoke" -eq 1 ] && notes=/dev/null
awk -F "$T" -v notes="$notes" -f "$here/suite_doc.awk" "$res" >"$tmp/doc.md" ||
	{ log "suite_doc.awk failed"; exit 1; }
cp "$tmp/doc.md" "$out"
log "wrote $out"

# Every area has its section, and in it a table or the reason it has none.
status=0
for h in "IR parse and print" "ONNX import" "Interpreter" "Pipeline" "Simulator" "Lua" \
	"TUI frames" "Codegen and executor" "Numeric debugger" "Scaling" "Instruction counts"; do
	if ! awk -v h="## $h" '$0 == h { on = 1; next } /^## / { on = 0 }
		on && (/^\| ---/ || /^Skipped: /) { found = 1 } END { exit !found }' "$out"; then
		log "the document has no section \"$h\" with a table or a reason for none"
		status=1
	fi
done
[ "$failed" -eq 0 ] || { log "some nex figures failed (see above and the document)"; status=1; }
[ "$status" -eq 0 ] || exit 1
if [ "$missing" -eq 1 ] && [ "$smoke" -eq 1 ]; then
	log "a peer or a model is missing: parts were skipped (exit 77)"
	exit 77
fi
exit 0
