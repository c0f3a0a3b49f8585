# suite_doc.awk — writes docs/benchmarks.md from the figures suite.sh
# gathered (one tab-separated record a line):
#   M key value                          the machine and the run (blas_env,
#                                        blas_own: nex's "cpu:" line with the
#                                        environment as given, and with
#                                        OPENBLAS_CORETYPE unset)
#   G area name check goal               a benchmark and its goal
#   R area name who median min max rss_kb runs   a contestant's figures
#   F area name who                      a contestant that failed
#   S area reason                        a part skipped (peer or model missing)
#   O model onnx nex basic extended all  op counts after optimization
#   X op ops median min max rss_kb       scaling; XF op ops reason: failed
#   C op ops instructions                callgrind
# check is ms<=X (nex's median), ratio<=X (nex / peer) or -. The first
# contestant of a benchmark is nex, the second its peer.
# usage: awk -F '\t' -v notes=FILE -f suite_doc.awk results.tsv
function fmt(ms) {
	if (ms == "") return "—"
	if (ms >= 100) return sprintf("%.0f ms", ms)
	if (ms >= 10) return sprintf("%.1f ms", ms)
	if (ms >= 1) return sprintf("%.2f ms", ms)
	return sprintf("%.3f ms", ms)
}
function num(ms) {
	if (ms >= 100) return sprintf("%.0f", ms)
	if (ms >= 10) return sprintf("%.1f", ms)
	if (ms >= 1) return sprintf("%.2f", ms)
	return sprintf("%.3f", ms)
}
function mb(kb) { return kb == "" ? "—" : sprintf("%.0f MB", kb / 1024) }
function spread(lo, hi) { return lo == "" ? "—" : num(lo) "–" num(hi) }
function slope(xs, ys, n,    i, sx, sy, sxx, sxy, x, y) {
	sx = sy = sxx = sxy = 0
	for (i = 1; i <= n; i++) {
		x = log(xs[i]); y = log(ys[i])
		sx += x; sy += y; sxx += x * x; sxy += x * y
	}
	if (n < 2 || n * sxx - sx * sx == 0) return ""
	return (n * sxy - sx * sy) / (n * sxx - sx * sx)
}
BEGIN {
	n_area = split("ir import interp pipeline sim lua tui codegen debug", area_order, " ")
	title["ir"] = "IR parse and print"
	title["import"] = "ONNX import"
	title["interp"] = "Interpreter"
	title["pipeline"] = "Pipeline"
	title["sim"] = "Simulator"
	title["lua"] = "Lua"
	title["tui"] = "TUI frames"
	title["codegen"] = "Codegen and executor"
	title["debug"] = "Numeric debugger"
	blurb["ir"] = "In-process figures are one operation inside `suite_op` on a generated ResNet (`nx_gen` in process; parse reads its printed text; nothing before the operation is timed); the whole-command row times `nex print` against `mlir-opt-14` reading and printing the same graph (a chain of elementwise ops without constants, exported by `nex export --mlir` as TOSA)."
	blurb["import"] = "nex: `nx_load_with` of the .onnx with `--shape` bound (read, decode, infer every op, fold shape arithmetic), in process. python3-onnx: `onnx.load` + `onnx.checker.check_model` + `onnx.shape_inference.infer_shapes`, in process (`onnx_check.py`: start-up and `import onnx` not counted). Each sample is one process with a warm-up and one timed run; processes interleaved."
	blurb["interp"] = "One synthetic page of text as input (`synth_text.js`), the same for both. Each sample is one process reporting the median of 7 runs after a warm-up run (`nex run --repeat 7`, `ort_run.js --repeat 7`: onnxruntime's second run is still about 3.5x its steady time on det); processes interleaved. nex after `--pipeline default` is the fair peer of onnxruntime's default optimizations; nex as imported is the peer of onnxruntime with its optimizer off. When the environment sets OPENBLAS_CORETYPE, the rows marked \"OPENBLAS_CORETYPE unset\" run nex with OpenBLAS picking its own core (the header says which), against onnxruntime again (its MLAS picks its kernels itself)."
	blurb["pipeline"] = "The passes row runs the default pipeline's passes alone on a clone (no verifier, no session) inside `suite_op`; its clones share the model's weights, so after the warm-up run the generated batch-norm parameters fold-batchnorm reads are already in memory. The `nex opt` rows are whole commands as a user runs them: read and parse the file, every pass in a one-shot session (each step verified on what it changed, the end in full, snapshots not kept; docs/sessions.md), print; the resnet row generates those parameters too."
	blurb["sim"] = "What a new snapshot pays: `nxs_sim_new` plus the first run on the m1 preset, inside `suite_op`."
	blurb["lua"] = "`bench_lua`: a Lua pass against the same work in C, in the same process; CPU time (the passes run on one thread). Each of the runs is one process; the figure is the median over the processes, and peak RSS that of the largest (both contestants share it)."
	blurb["tui"] = "Headless, through the app the terminal uses (`nxt_app_new`, `nxt_draw`), canvas 200x50, inside `suite_op`. The first frame is a new app on a fresh clone (session, first NE model run, row index, frame); one frame is a redraw of the IR view after its first frame."
	blurb["codegen"] = "Lowering (`nxg_lower`) after the default pipeline, inside `suite_op`. The executor row compares the figures the commands print: `nex exec --repeat 7` (the default pipeline, lowering, then the executor: the median of its executed-tasks times over 7 runs on one memory image after a warm-up) against `nex run --pipeline default --repeat 7` (the median of its interpreter times, likewise), same model and seed; processes interleaved."
	blurb["debug"] = "`bench_debug`, in one process: two plain runs (step 0 and the last step of the default pipeline) and the debugger on the same two (both runs keeping every value, matching, metrics; without shadow mode), alternating, median of the runs. Peak RSS is that process's (both contestants share it)."
}
$1 == "M" { meta[$2] = $3 }
$1 == "G" {
	key = $2 SUBSEP $3
	if (!(key in check)) { names[$2, ++n_names[$2]] = $3 }
	check[key] = $4; goal[key] = $5
}
$1 == "R" || $1 == "F" {
	key = $2 SUBSEP $3
	k = ++n_who[key]
	who[key, k] = $4
	if ($1 == "R") {
		med[key, k] = $5; lo[key, k] = $6; hi[key, k] = $7; rss[key, k] = $8; nrun[key, k] = $9
	} else
		bad[key, k] = 1
}
$1 == "S" { skips[$2, ++n_skip[$2]] = $3 }
$1 == "O" { ops_model[++n_o] = $2; ops_row[n_o] = $3 " | " $4 " | " $5 " | " $6 " | " $7 }
$1 == "X" {
	if (!($2 in seen_op)) { seen_op[$2] = 1; sc_ops[++n_sc_ops] = $2 }
	if (!($3 in seen_size)) { seen_size[$3] = 1; sizes[++n_sizes] = $3 }
	xm[$2, $3] = $4; xlo[$2, $3] = $5; xhi[$2, $3] = $6; xrss[$2, $3] = $7
}
$1 == "XF" {
	if (!($2 in seen_op)) { seen_op[$2] = 1; sc_ops[++n_sc_ops] = $2 }
	if (!($3 in seen_size)) { seen_size[$3] = 1; sizes[++n_sizes] = $3 }
	xfail[$2, $3] = $4
}
$1 == "C" { cg_op[++n_cg] = $2; cg_n[n_cg] = $3; cg_ir[n_cg] = $4 }
END {
	print "# Benchmarks"
	print ""
	print "Generated by `tests/bench/suite.sh` (`make bench`); do not edit by hand: the notes at the end come from `tests/bench/suite_notes.md`."
	print ""
	printf "- Machine: %s, %s cores, %s RAM\n", meta["cpu"], meta["cores"], meta["mem"]
	printf "- Date: %s; commit %s; %s build; %s run, %s measured run(s) per benchmark after a warm-up, %s minutes\n",
		meta["date"], meta["commit"], meta["build"], meta["mode"], meta["runs"], meta["minutes"]
	printf "- Load average (1, 5, 15 min) at the start: %s; at the end: %s\n", meta["load_start"], meta["load_end"]
	if (meta["blas_env"] != "") {
		printf "- nex's BLAS and SIMD (`nex run --profile`), environment as given: %s\n", meta["blas_env"]
		printf "- The same with OPENBLAS_CORETYPE unset (OpenBLAS's own pick): %s\n", meta["blas_own"]
	}
	print ""
	print "The machine is shared with other engineers' builds and tests, so absolute times are noisy and pessimistic. nex and its peer run interleaved (A B, B A, ...), so load drifting over the minutes hits both alike: **the ratios are what count**. Ratio = nex median / peer median (below 1: nex is faster). Spread = min–max over the measured runs. Peak RSS = the largest peak resident set of the process over the runs (GNU time `%M`, or `getrusage` inside `suite_op`), model included."
	print ""
	print "A goal marked **missed** is missed in this run; the notes at the end say what would close it. No benchmark is tuned to its goal."
	for (a = 1; a <= n_area; a++) {
		ar = area_order[a]
		print ""
		print "## " title[ar]
		print ""
		print blurb[ar]
		print ""
		if (n_names[ar] > 0) {
			print "| benchmark | nex | median | peer | median | ratio | nex spread (ms) | peer spread (ms) | goal | verdict | nex peak RSS | peer peak RSS |"
			print "| --- | --- | ---: | --- | ---: | ---: | --- | --- | --- | --- | ---: | ---: |"
			for (i = 1; i <= n_names[ar]; i++) {
				nm = names[ar, i]; key = ar SUBSEP nm
				a_ok = n_who[key] >= 1 && !bad[key, 1]
				b_has = n_who[key] >= 2
				b_ok = b_has && !bad[key, 2]
				nex_cell = n_who[key] >= 1 ? who[key, 1] : "nex"
				a_med = a_ok ? fmt(med[key, 1]) : "**failed**"
				b_name = b_has ? who[key, 2] : "—"
				b_med = b_has ? (b_ok ? fmt(med[key, 2]) : "**failed**") : "—"
				ratio = (a_ok && b_ok && med[key, 2] > 0) ? med[key, 1] / med[key, 2] : ""
				rcell = ratio == "" ? "—" : sprintf("%.2fx", ratio)
				c = check[key]; verdict = "—"
				if (c ~ /^ms<=/) {
					lim = substr(c, 5) + 0
					verdict = !a_ok ? "**failed**" : (med[key, 1] <= lim ? "met" : "**missed**")
				} else if (c ~ /^ratio<=/) {
					lim = substr(c, 8) + 0
					verdict = ratio == "" ? "not measured" : (ratio <= lim ? "met" : "**missed**")
				}
				g = goal[key] == "-" ? "—" : goal[key]
				printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", nm, nex_cell, a_med,
					b_name, b_med, rcell, a_ok ? spread(lo[key, 1], hi[key, 1]) : "—",
					b_ok ? spread(lo[key, 2], hi[key, 2]) : "—", g, verdict,
					a_ok ? mb(rss[key, 1]) : "—", b_ok ? mb(rss[key, 2]) : "—"
			}
		} else
			print "No benchmark of this area ran."
		if (ar == "interp" && n_o > 0) {
			print ""
			print "Ops after optimization: ONNX nodes other than Constant in the file; nex after `nex opt --pipeline default`; the graphs onnxruntime-node saves at each optimization level (`ort_optimize.js`, nodes counted with python3-onnx; at \"all\" it adds NCHWc layout reorders)."
			print ""
			print "| model | ONNX | nex default | ort basic | ort extended | ort all |"
			print "| --- | ---: | ---: | ---: | ---: | ---: |"
			for (i = 1; i <= n_o; i++)
				print "| " ops_model[i] " | " ops_row[i] " |"
		}
		for (i = 1; i <= n_skip[ar]; i++) {
			print ""
			print "Skipped: " skips[ar, i] "."
		}
	}

	print ""
	print "## Scaling"
	print ""
	print "Generated ResNets (`nx_gen` in process, the graph of `nex gen --kind resnet --ops N` with its constants left as fill() placeholders; parse reads its printed text), one operation inside `suite_op`: median time (min–max) and the process's peak RSS (model and text included). The exponent is the least-squares slope of log time against log ops over all sizes, and between the two largest sizes; n log n from 100k to 1M has slope 1.08, so anything above 1.15 is flagged. A TUI frame draws only what is visible, so its slope should be near 0."
	print ""
	hdr = "| operation |"; sep = "| --- |"
	for (j = 1; j <= n_sizes; j++) { hdr = hdr " " sizes[j] " ops |"; sep = sep " --- |" }
	print hdr " exponent (all) | exponent (last step) | RSS exponent | verdict |"
	print sep " ---: | ---: | ---: | --- |"
	for (i = 1; i <= n_sc_ops; i++) {
		o = sc_ops[i]; row = "| " o " |"; m = 0
		delete xs; delete ys; delete rs
		for (j = 1; j <= n_sizes; j++) {
			s = sizes[j]
			if ((o, s) in xfail) { row = row " **failed** |"; continue }
			if (!((o, s) in xm)) { row = row " — |"; continue }
			row = row " " fmt(xm[o, s]) " (" spread(xlo[o, s], xhi[o, s]) "), " mb(xrss[o, s]) " |"
			if (xm[o, s] > 0) { m++; xs[m] = s; ys[m] = xm[o, s]; rs[m] = xrss[o, s] }
		}
		e_all = slope(xs, ys, m)
		e_last = ""
		if (m >= 2) { delete x2; delete y2; x2[1] = xs[m - 1]; x2[2] = xs[m]; y2[1] = ys[m - 1]; y2[2] = ys[m]; e_last = slope(x2, y2, 2) }
		e_rss = slope(xs, rs, m)
		v = "—"
		if (e_all != "") v = (e_all > 1.15 || e_last > 1.15) ? "**worse than n log n**" : "ok"
		row = row " " (e_all == "" ? "—" : sprintf("%.2f", e_all)) " | " (e_last == "" ? "—" : sprintf("%.2f", e_last)) " | " (e_rss == "" ? "—" : sprintf("%.2f", e_rss)) " | " v " |"
		print row
	}
	if (n_sc_ops == 0) print "| (none ran) |"

	print ""
	print "## Instruction counts"
	print ""
	print "`valgrind --tool=callgrind --toggle-collect=suite_measured`: the instructions (Ir) of one run of the operation alone, without warm-up, on a generated ResNet; machine noise does not move them. Time: the median at the same size from the scaling table."
	print ""
	print "| operation | ops | instructions (Ir) | Ir per op | time (scaling table) |"
	print "| --- | ---: | ---: | ---: | ---: |"
	for (i = 1; i <= n_cg; i++) {
		o = cg_op[i]; s = cg_n[i]
		per = cg_ir[i] ~ /^[0-9]+$/ ? sprintf("%.0f", cg_ir[i] / s) : "—"
		t = ((o, s) in xm) ? fmt(xm[o, s]) : "—"
		printf "| %s | %s | %s | %s | %s |\n", o, s, cg_ir[i], per, t
	}
	if (n_cg == 0) print "| (not run) | | | | |"
	for (i = 1; i <= n_skip["callgrind"]; i++) {
		print ""
		print "Skipped: " skips["callgrind", i] "."
	}

	if (notes != "" && notes != "/dev/null") {
		print ""
		while ((getline line < notes) > 0) print line
		close(notes)
	}
}
