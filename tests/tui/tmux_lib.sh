# tmux_lib.sh — helpers for driving nex in a real terminal (sourced by the
# tmux test scripts): a private tmux server in a temp dir, fixed size; every
# wait polls capture-pane with a deadline (never a bare sleep).
# Set nex (the binary) before sourcing; start_nex ARGS opens it.
command -v tmux >/dev/null 2>&1 || { echo "skipped: tmux is not installed"; exit 77; }
dir=$(mktemp -d)
sock=$dir/sock
trap 'tmux -S "$sock" kill-server 2>/dev/null; rm -rf "$dir"' EXIT INT TERM

# start_nex ARGS: the pane runs nex (HOME in the temp dir), then records its
# exit status in $dir/rc
start_nex() {
	rm -f "$dir/rc"
	tmux -S "$sock" -f /dev/null new-session -d -x 100 -y 30 \
		"HOME='$dir' TERM=xterm-256color '$nex' $*; echo \$? > '$dir/rc'; sleep 600"
	tmux -S "$sock" set-option -g window-size manual >/dev/null 2>&1
}

fail() {
	echo "FAIL: $*"
	echo "---- screen ----"
	tmux -S "$sock" capture-pane -p
	exit 1
}

# wait_for TEXT [SECONDS]: poll the screen until TEXT is on it
wait_for() {
	deadline=$(( $(date +%s) + ${2:-20} ))
	while [ "$(date +%s)" -le $deadline ]; do
		tmux -S "$sock" capture-pane -p 2>/dev/null | grep -qF -- "$1" && return 0
		sleep 0.05
	done
	fail "'$1' did not appear within ${2:-20} s"
}

keys() { tmux -S "$sock" send-keys "$@"; }

nex_pid() {
	shell=$(tmux -S "$sock" display-message -p '#{pane_pid}')
	pgrep -P "$shell" | head -n 1
}

# quit_ok [TEXT]: q, then exit status 0 and the terminal back on its main
# screen (without TEXT, a word of the TUI's frame, when given)
quit_ok() {
	keys q
	i=0
	while [ ! -s "$dir/rc" ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
	[ -s "$dir/rc" ] || fail "nex did not exit after q"
	[ "$(cat "$dir/rc")" = 0 ] || fail "nex exited with $(cat "$dir/rc")"
	[ "$(tmux -S "$sock" display-message -p '#{alternate_on}')" = 0 ] ||
		fail "the terminal is still on the alternate screen"
	[ -z "$1" ] || ! tmux -S "$sock" capture-pane -p | grep -qF -- "$1" ||
		fail "the TUI is still on the screen"
	tmux -S "$sock" kill-session 2>/dev/null
}
