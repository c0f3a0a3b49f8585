#!/bin/sh
# nex report: Markdown and HTML from a session and from a model; the HTML is
# self-contained (no scripts, no links out) and holds both charts.
# Usage: report_cli.sh NEX SRC
nex=$1
src=$2
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
fail() { echo "report_cli: $*"; exit 1; }

"$nex" report "$src/sessions/demo-triage.nex.json" -o "$t/r.md" || fail "md from a session"
for want in "## Steps" "| 16 (cursor) | verify |" "## Top ops by cycles" "%b2_dw_relu6" \
	"## Memory timeline" "## Cycles per op" "## Notes" "## Diff: pinned step 0 (model)"; do
	grep -qF "$want" "$t/r.md" || fail "r.md lacks '$want'"
done
"$nex" report "$src/sessions/fp16-bisect.nex.json" -o "$t/r.html" || fail "html from a session"
[ "$(grep -c '<svg' "$t/r.html")" -eq 2 ] || fail "r.html: expected two SVG charts"
grep -q '<script' "$t/r.html" && fail "r.html has a script"
sed 's|http://www.w3.org/2000/svg||g' "$t/r.html" | grep -q 'https\?://' && fail "r.html links out"
grep -qF "(stepped)" "$t/r.html" || fail "r.html: the bisected partial step is not marked"
"$nex" report demo --pipeline canonicalize,dce --target a17pro -o "$t/m.md" || fail "md from a model"
grep -qF "Target **a17pro**" "$t/m.md" || fail "m.md: target not named"
"$nex" report demo -o "$t/x.txt" 2>"$t/err" && fail "a .txt report gave exit 0"
grep -q "\.md or \.html" "$t/err" || fail "no format hint: $(cat "$t/err")"
echo "report_cli: ok"
