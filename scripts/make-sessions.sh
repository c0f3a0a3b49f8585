#!/bin/sh
# Re-makes the example sessions in sessions/ (make check replays them). Run
# it after a change that alters what a pass produces (the replay test then
# fails, as it should, naming the step): read the new figures, correct the
# notes below if they changed, and commit the files.
# Usage: scripts/make-sessions.sh [NEX_BINARY]
set -e
nex=${1:-build/nex}
cd "$(dirname "$0")/.."

# Performance triage of the demo model on m1: the op with most cycles, why
# it is memory-bound, and what layout-ne changed.
"$nex" opt demo --target m1 --pin 0 --save-session sessions/demo-triage.nex.json \
	--note 'b2_dw_relu6=The op with most cycles on m1: 94.3k of 551k (17 %). Memory-bound: 92.3k memory cycles against 12.9k compute. Its input %b2_exp_relu6 (f32[1,64,112,112], 3.06 MiB) is larger than the 2 MiB SRAM, so plan-memory places it in DRAM (spill=[1]) and this depthwise conv reads it back at the NE share of DRAM bandwidth. Try sram=4MiB: the model goes from 411 us to 263 us.' \
	--note 'b2_exp_relu6=Second most cycles (92.7k, 16.8 %): it writes that 3.06 MiB result to DRAM; the tile pass split it (tile=[1,64,56,112]) but the result still does not fit on chip.' \
	--note 'pool=What layout-ne changed (step 12): every NE value tagged #ne, its last axis padded to 64 bytes; 36 values tagged, 4 padded 4x or more (this one, f32[1,320,1,1]: rows of 1 element padded to 16), NE bytes 15.5 MB against 14.3 MB packed (+8 %).' \
	>/dev/null

# Pass debugging: which rewrite of to-fp16 takes the demo past 1e-4
# relative error; the session stops at that rewrite with the finding noted.
"$nex" bisect demo --check numeric:1e-4 \
	--pipeline infer-shapes,fold-constants,canonicalize,cse,fold-batchnorm,fuse-patterns,fuse-activation,dce,to-fp16 \
	--save-session sessions/fp16-bisect.nex.json
