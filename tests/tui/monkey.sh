#!/bin/sh
# monkey.sh NEX [KEYS [SEED]] — thousands of random keys and resizes sent to the
# real TUI on the demo in tmux (private socket): nex must neither crash nor
# hang, must quit with status 0 when asked, and leave the terminal on its
# main screen. The keys come from a seeded generator (awk's srand with a
# fixed seed), so a failure replays. `q` and Ctrl-c are left out of the
# random stream (they end the run); Esc is in it, so half-typed prompts and
# commands are abandoned as a user would.
nex=$1
n=${2:-2000}
seed=${3:-20261205}
command -v tmux >/dev/null 2>&1 || { echo "skipped: tmux is not installed"; exit 77; }
dir=$(mktemp -d)
sock=$dir/sock
trap 'tmux -S "$sock" kill-server 2>/dev/null; rm -rf "$dir"' EXIT INT TERM
tmux -S "$sock" -f /dev/null new-session -d -x 100 -y 30 \
	"HOME='$dir' TERM=xterm-256color '$nex'; echo \$? > '$dir/rc'; sleep 600"
tmux -S "$sock" set-option -g window-size manual >/dev/null 2>&1
fail() { echo "FAIL: $*"; tmux -S "$sock" capture-pane -p; exit 1; }
wait_for() {
	deadline=$(( $(date +%s) + ${2:-30} ))
	while [ "$(date +%s)" -le $deadline ]; do
		tmux -S "$sock" capture-pane -p 2>/dev/null | grep -qF -- "$1" && return 0
		sleep 0.05
	done
	fail "'$1' did not appear within ${2:-30} s"
}
alive() { [ ! -s "$dir/rc" ] || fail "nex exited (status $(cat "$dir/rc")) during the monkey run"; }
wait_for "model as loaded" 120
# the key alphabet: every key the actions table binds but q, plus arrows,
# paging, Tab, Enter, Esc, digits and some printable noise
awk -v n="$n" -v seed="$seed" 'BEGIN {
	srand(seed)
	split("j k g G a s u A J K Space p P 1 2 3 4 5 6 7 Tab Enter Escape / n N o R b t f r S w d Up Down Left Right PageUp PageDown Home End C-d C-u C-r x y z 0 9 : ? BSpace", k, " ")
	m = 0; for (i in k) m++
	for (i = 0; i < n; i++) print k[int(rand() * m) + 1]
}' >"$dir/keys"
i=0
while read -r key; do
	i=$((i + 1))
	tmux -S "$sock" send-keys "$key"
	case $((i % 250)) in
	0) tmux -S "$sock" resize-window -x 80 -y 24; alive ;;
	100) tmux -S "$sock" resize-window -x 60 -y 15; alive ;;
	200) tmux -S "$sock" resize-window -x 160 -y 45; alive ;;
	esac
	# give the TUI a moment now and then so the keys are not one burst
	[ $((i % 100)) -eq 0 ] && { sleep 0.2; alive; }
done <"$dir/keys"
tmux -S "$sock" resize-window -x 100 -y 30
alive
# leave whatever prompt is open, then quit
tmux -S "$sock" send-keys Escape Escape Escape
sleep 0.5
tmux -S "$sock" send-keys q
deadline=$(( $(date +%s) + 60 ))
while [ ! -s "$dir/rc" ] && [ "$(date +%s)" -le $deadline ]; do
	tmux -S "$sock" send-keys Escape q
	sleep 0.5
done
[ "$(cat "$dir/rc" 2>/dev/null)" = 0 ] || fail "nex did not quit with 0 after $n keys (status $(cat "$dir/rc" 2>/dev/null))"
[ "$(tmux -S "$sock" display-message -p '#{alternate_on}')" = 0 ] ||
	fail "the terminal is still on the alternate screen"
echo "ok: $n random keys, resizes to 80x24, 60x15 (too small) and 160x45, quit with 0"
