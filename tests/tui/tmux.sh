#!/bin/sh
# tmux.sh NEX CASE — drives the real nex binary in a real terminal (tmux on a
# private socket, fixed size), sending keys and polling capture-pane until the
# expected text shows (never a bare sleep: each wait polls with a deadline).
# CASE demo: open the demo, step, undo, reorder a pass, open every view, sort
# the cost table, run a `:` command, resize to 60x20 (too small), 80x24 and
# back, quit: exit status 0 and the terminal back on its main screen.
# CASE det: the same core on PaddleOCR det (exit 77 if the model is absent).
# CASE sigterm: nex killed by SIGTERM restores the terminal and dies of it.
nex=$1
case_name=$2
models=${NEX_MODELS:-$HOME/.cache/nex/models}
model=
extra=
if [ "$case_name" = det ]; then
	model=$models/ch_PP-OCRv4_det_infer.onnx
	[ -f "$model" ] || { echo "skipped: $model is missing (scripts/fetch-models.sh)"; exit 77; }
	extra="--shape x=1,3,640,640"
fi
. "$(dirname "$0")/tmux_lib.sh"
start_nex "$model $extra"

wait_for "model as loaded" 120
wait_for "? help"
if [ "$case_name" = sigterm ]; then
	pid=$(nex_pid)
	[ -n "$pid" ] || fail "cannot find the nex process"
	kill -TERM "$pid"
	deadline=$(( $(date +%s) + 20 ))
	while [ ! -s "$dir/rc" ] && [ "$(date +%s)" -le $deadline ]; do sleep 0.05; done
	[ "$(cat "$dir/rc" 2>/dev/null)" = 143 ] || fail "nex did not die of SIGTERM (status $(cat "$dir/rc" 2>/dev/null))"
	[ "$(tmux -S "$sock" display-message -p '#{alternate_on}')" = 0 ] ||
		fail "the terminal is still on the alternate screen after SIGTERM"
	echo "ok: sigterm"
	exit 0
fi
keys a
wait_for "apply: step 1/1 infer-shapes" 120
keys s
wait_for "step: step " 120
keys u
wait_for "undo: at step "
# reorder: focus the pipeline pane, select entry 2, move it down
keys Tab j j J
wait_for "moved canonicalize down" 120
keys Tab
for v in "2:Diff" "3:Cost" "4:Memory" "5:Remarks"; do
	keys "${v%%:*}"
	# the view's tab is shown; each view also draws its own first line
	wait_for "$v"
done
keys 3 S
wait_for "sorted by energy"
keys 6
wait_for "6:Console"
keys Escape
keys ?
wait_for "Help: every key"
keys q
keys : p i n Space 0 Enter
wait_for "pinned step 0"
tmux -S "$sock" resize-window -x 60 -y 20
wait_for "terminal too small: 60x20"
tmux -S "$sock" resize-window -x 80 -y 24
wait_for "1:IR"
tmux -S "$sock" resize-window -x 100 -y 30
wait_for "1:IR"
wait_for "Pipeline"
quit_ok "Pipeline"
echo "ok: $case_name"
