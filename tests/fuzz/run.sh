#!/bin/sh
# Runs every fuzz_* binary of a fuzz build for SECONDS each, seeded from the
# examples and the golden cases. Usage: run.sh BUILD_DIR SECONDS
build=$1
secs=${2:-30}
src=$(cd "$(dirname "$0")/../.." && pwd)
status=0
for bin in "$build"/tests/fuzz_*; do
	[ -x "$bin" ] || continue
	name=$(basename "$bin")
	corpus=$(mktemp -d)
	case $name in
	fuzz_text|fuzz_pipeline) cp "$src"/examples/*.nex "$src"/tests/golden/*/*.nex "$corpus" 2>/dev/null ;;
	fuzz_json|fuzz_json_run) cp "$src"/tests/golden/*/*.json "$src"/tests/fuzz/seeds/json-*.json \
			"$corpus" 2>/dev/null ;;
	fuzz_session) cp "$src"/sessions/*.nex.json "$corpus" 2>/dev/null ;;
	fuzz_target) cp "$src"/tests/fuzz/seeds/target-*.json "$corpus" ;;
	fuzz_neasm) cp "$src"/tests/fuzz/seeds/prog-* "$corpus" ;;
	fuzz_onnx|fuzz_onnx_run) i=0; for m in /usr/share/libonnx-testdata/data/node/test_[a-c]*/model.onnx; do
			[ -f "$m" ] && cp "$m" "$corpus/m$i.onnx"; i=$((i+1)); done ;;
	esac
	echo "fuzz: $name for ${secs}s"
	if ! "$bin" -max_total_time="$secs" -rss_limit_mb=2048 -max_len=65536 \
		-print_final_stats=0 -artifact_prefix="$build/" "$corpus" >"$corpus.log" 2>&1; then
		tail -n 40 "$corpus.log"
		echo "fuzz: $name FAILED (crash input saved in $build)"
		status=1
	else
		grep -E '^#[0-9]+.*DONE' "$corpus.log" | tail -n 1
	fi
	rm -rf "$corpus" "$corpus.log"
done
exit $status
