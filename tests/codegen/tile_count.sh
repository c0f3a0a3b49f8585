# tile_count.sh — sourced by the codegen tile tests (tiles.sh, tiles-mm.sh,
# tiles-convt.sh, tiles-move.sh): count VALUE N checks that the program listing $d/p.neasm
# lowers op %VALUE to exactly N NE tasks, each a tile "i/N"; on a mismatch
# it prints FAIL and sets fail=1, so the caller ends with the right status.
# exec_eq LABEL MODEL OPTIONS... checks that `nex exec --compare` of MODEL
# gives `nex run`'s outputs bit for bit, likewise.
count() { # value, expected tiles
	n=$(grep -cE "^t[0-9]+ ne [a-z]+ op=%$1 tile=[0-9]+/$2( |$)" "$d/p.neasm")
	all=$(grep -cE "^t[0-9]+ ne [a-z]+ op=%$1( |$)" "$d/p.neasm")
	if [ "$n" -ne "$2" ] || [ "$all" -ne "$2" ]; then
		echo "FAIL %$1: $all NE tasks, $n of them tiles of $2; want $2"; fail=1
	else
		echo "ok %$1: $2 tile tasks"
	fi
}

exec_eq() { # label, model, options...
	label=$1 m=$2; shift 2
	if out=$("$nex" exec "$m" --target m1 "$@" --seed 5 --compare 2>&1) &&
		echo "$out" | grep -q "bit for bit"; then
		echo "ok exec == run ($label)"
	else
		echo "FAIL exec ($label): $(echo "$out" | tail -n 3)"; fail=1
	fi
}
