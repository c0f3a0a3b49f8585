#!/bin/sh
# The TUI and session files, through its no-display script mode: :save-session
# writes a session and starts the journal; `nex SESSION` reopens it at the
# saved cursor; an action after the save is in the journal and --recover opens
# it; a Lua line in the console steps the session and a runaway one is
# stopped with the session kept. Usage: tui_session.sh NEX
nex=$1
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
fail() { echo "tui_session: $*"; exit 1; }
printf ':apply\n:apply\n:apply\ns\n:save-session %s/s.nex.json\n:apply\n' "$t" >"$t/a1"
"$nex" --script "$t/a1" demo || fail "script 1"
[ -f "$t/s.nex.json" ] || fail "no session written"
[ -s "$t/s.nex.json.journal" ] || fail "the action after the save is not journaled"
printf ':save-screen %s/screen\n' "$t" >"$t/a2"
"$nex" --script "$t/a2" "$t/s.nex.json" || fail "reopen"
grep -q "step 4/4 cse" "$t/screen" || fail "not at the saved cursor: $(head -1 "$t/screen")"
grep -q "journal" "$t/screen" || fail "the pending journal is not pointed at"
"$nex" --script "$t/a2" "$t/s.nex.json" --recover || fail "recover"
grep -q "step 5/5 cancel-transposes" "$t/screen" || fail "--recover: $(head -1 "$t/screen")"
printf ':lua nex.session:apply()\n:lua print("at", nex.session:info().pass)\n:lua while true do end\n6\n:save-screen %s/screen\n' "$t" >"$t/a3"
"$nex" --script "$t/a3" demo || fail "lua script"
grep -q "at infer-shapes" "$t/screen" || fail "Lua print not in the console"
grep -q "instruction limit" "$t/screen" || fail "runaway Lua not stopped"
grep -q "step 1/1 infer-shapes" "$t/screen" || fail "Lua did not step the session"
echo "tui_session: ok"
