#!/bin/sh
# tmux_work.sh NEX CASE — long work and other sessions in a real terminal.
# CASE cancel: on a generated 25k-op resnet, A (apply all) shows progress on
#   the status line; Ctrl-c cancels it with the steps made so far kept (the
#   header's step count is short of the pipeline's, u still undoes), and so
#   does SIGINT sent while busy (nex goes on); q then exits 0. The pipeline
#   is 60 cse runs (about 4 s here, each a step): with the default pipeline
#   the run could end between seeing the progress line and the Ctrl-c
#   landing, and an idle Ctrl-c or SIGINT means something else.
# CASE recover: a session whose journal is newer than the file (nex killed
#   by SIGKILL after an action) asks y/n on opening: n keeps the saved
#   state, y recovers the journaled step.
# CASE open: :open another model, then a session file, inside the TUI.
# CASE complete: Tab completes pass names, %values and, in the console, Lua
#   names; a second Tab lists the candidates on the status line.
nex=$1
case_name=$2
. "$(dirname "$0")/tmux_lib.sh"

header_step() { # the k of "step k/n" in the header
	tmux -S "$sock" capture-pane -p | head -n 1 | sed -n 's/.* step \([0-9]*\)\/\([0-9]*\).*/\1/p'
}

case "$case_name" in
cancel)
	"$nex" gen --kind resnet --ops 25000 -o "$dir/big.nex" || fail "nex gen failed"
	pipeline=cse
	for _ in $(seq 59); do pipeline=$pipeline,cse; done
	start_nex "'$dir/big.nex' --pipeline $pipeline"
	wait_for "? help" 120
	keys A
	wait_for "Ctrl-c cancels" 60
	keys C-c
	wait_for "apply cancelled after" 60
	wait_for "the history is kept"
	k=$(header_step)
	[ -n "$k" ] && [ "$k" -ge 1 ] && [ "$k" -lt 60 ] || fail "after the cancel the header says step '$k'"
	keys u
	wait_for "undo: at step $((k - 1))/"
	# SIGINT while busy cancels too, and nex goes on
	keys A
	wait_for "Ctrl-c cancels" 60
	kill -INT "$(nex_pid)"
	wait_for "apply cancelled after" 60
	[ ! -s "$dir/rc" ] || fail "nex exited on SIGINT while busy"
	quit_ok
	;;
recover)
	"$nex" opt demo --pipeline fold-batchnorm,dce --until 0 --save-session "$dir/s.nex.json" \
		>/dev/null || fail "cannot make a session file"
	start_nex "'$dir/s.nex.json'"
	wait_for "every action is journaled" 60
	keys a
	wait_for "apply: step 1/1 fold-batchnorm" 60
	kill -KILL "$(nex_pid)" # a crash: the journal holds step 1, the file step 0
	deadline=$(( $(date +%s) + 20 ))
	while [ ! -s "$dir/rc" ] && [ "$(date +%s)" -le $deadline ]; do sleep 0.05; done
	tmux -S "$sock" kill-session
	start_nex "'$dir/s.nex.json'"
	wait_for "y recover them" 60
	keys j # not an answer: the question stays
	wait_for "y recovers them, n opens the saved"
	keys n
	wait_for "opened the saved state"
	wait_for "step 0/0"
	quit_ok
	start_nex "'$dir/s.nex.json'"
	wait_for "y recover them" 60
	keys y
	wait_for "recovered $dir/s.nex.json from its journal: step 1/1" 60
	wait_for "step 1/1 fold-batchnorm"
	quit_ok
	;;
open)
	"$nex" gen --kind chain --ops 40 -o "$dir/chain.nex" || fail "nex gen failed"
	"$nex" opt demo --pipeline fold-batchnorm --save-session "$dir/s.nex.json" \
		>/dev/null || fail "cannot make a session file"
	start_nex
	wait_for "? help" 60
	keys : "open $dir/nope.nex" Enter
	wait_for "open: "
	wait_for "demo  step 0/0"
	keys : "open $dir/chain.nex" Enter
	wait_for "opened $dir/chain.nex" 60
	wait_for "chain.nex  step 0/0"
	keys a
	wait_for "apply: step 1/1" 60
	keys : "open $dir/s.nex.json" Enter
	wait_for "opened session $dir/s.nex.json" 60
	quit_ok
	;;
complete)
	start_nex
	wait_for "? help" 60
	keys : "insert 0 fold-b" Tab
	wait_for ":insert 0 fold-batchnorm"
	keys Escape
	keys : "search %stem_bn_m" Tab
	wait_for ":search %stem_bn_mean"
	keys Escape
	keys : "sa" Tab Tab
	wait_for "3 matches: save save-screen save-session"
	keys Escape 6
	wait_for "6:Console"
	keys Enter "nex.ses" Tab
	wait_for "> nex.session"
	keys Escape
	quit_ok
	;;
*)
	fail "unknown case $case_name"
	;;
esac
echo "ok: $case_name"
