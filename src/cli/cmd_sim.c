/* cmd_sim.c — `nex sim`: cost a model on a target with the NE model
 * (src/sim) and report latency, energy, utilisation, memory and the most
 * expensive ops; or export the per-op table (CSV, JSON) and the timeline
 * (Chrome trace-event JSON for Perfetto). With --pipeline the model first
 * goes through the passes (in a session that carries the target, so
 * target-aware passes see it) and the final step is simulated.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "nxg.h"
#include "nxs.h"
#include "nxw.h"

typedef struct sim_opts {
	nxc_shapes shapes;
	const char *target, *pipeline, *csv, *json, *trace, *save_target;
	nxc_list sets;
	long long top;
	bool targets, fields, program;
} sim_opts;

static const nxc_option options[] = {
	{"--target", NULL, "T", NXC_STR, offsetof(sim_opts, target), 0, NULL,
	 "a preset (see --targets) or a target .json file\n(default m1)"},
	{"--set", NULL, "F=V", NXC_LIST, offsetof(sim_opts, sets), 0, NULL,
	 "override one target field: sram=4MiB, dram_share=0.5,\n"
	 "clock=1.5GHz, dram_bw=68GB/s, cpu_ops=+resize (see --fields)"},
	{"--pipeline", NULL, "P", NXC_STR, offsetof(sim_opts, pipeline), 0, NULL,
	 "run passes first (\"default\" or \"a,b{k=v},c\")"},
	NXC_OPT_SHAPE(sim_opts, shapes),
	{"--csv", NULL, "FILE", NXC_STR, offsetof(sim_opts, csv), 0, NULL,
	 "per-op table as CSV (\"-\" = stdout)"},
	{"--json", NULL, "FILE", NXC_STR, offsetof(sim_opts, json), 0, NULL,
	 "totals, memory plan, target and per-op costs as JSON"},
	{"--trace", NULL, "FILE", NXC_STR, offsetof(sim_opts, trace), 0, NULL,
	 "Chrome trace-event JSON of the timeline (Perfetto opens it)"},
	{"--program", NULL, NULL, NXC_FLAG, offsetof(sim_opts, program), 0, NULL,
	 "also lower the model with the NE back end (plan-memory's\n"
	 "recorded plan, else best fit) and cost the program: its\n"
	 "latency in the summary, its NE/DMA/CPU tracks in --trace"},
	{"--top", NULL, "N", NXC_NUM, offsetof(sim_opts, top), INT64_MAX, NULL,
	 "ops listed in the summary, by cycles (default 10)"},
	{"--targets", NULL, NULL, NXC_FLAG, offsetof(sim_opts, targets), 0, NULL,
	 "list the presets"},
	{"--fields", NULL, NULL, NXC_FLAG, offsetof(sim_opts, fields), 0, NULL,
	 "list the target's fields with values and units"},
	{"--save-target", NULL, "F", NXC_STR, offsetof(sim_opts, save_target), 0, NULL,
	 "write the target (after --set) as JSON"},
	{0},
};

static const nxc_command command = {
	.name = "sim",
	.args = "[MODEL]",
	.min_args = 0,
	.max_args = 1,
	.opts = options,
	.about =
		"Costs MODEL (.nex, .json, .onnx, or \"demo\") on the NE model: per-op cycles\n"
		"and energy, the timeline with weight prefetch, and the memory plan.\n",
	.also =
		"nex sim --targets\n"
		"nex sim --fields [--target T] [--set FIELD=VALUE]...\n"
		"nex sim --save-target FILE [--target T] [--set FIELD=VALUE]...\n",
};

static const char *bytes_str(double b, char *buf, size_t n)
{
	static const char *u[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	int i = 0;
	while (b >= 1024 && i < 4) {
		b /= 1024;
		i++;
	}
	snprintf(buf, n, i ? "%.2f %s" : "%.0f %s", b, u[i]);
	return buf;
}

static const char *time_str(double s, char *buf, size_t n)
{
	if (s >= 1)
		snprintf(buf, n, "%.3f s", s);
	else if (s >= 1e-3)
		snprintf(buf, n, "%.3f ms", s * 1e3);
	else if (s >= 1e-6)
		snprintf(buf, n, "%.3f us", s * 1e6);
	else
		snprintf(buf, n, "%.1f ns", s * 1e9);
	return buf;
}

static const char *si_str(double v, char *buf, size_t n)
{
	static const char *u[] = {"", "k", "M", "G", "T", "P"};
	int i = 0;
	while (v >= 1000 && i < 5) {
		v /= 1000;
		i++;
	}
	snprintf(buf, n, i ? "%.2f %s" : "%.0f%s", v, u[i]);
	return buf;
}

static void list_targets(void)
{
	for (size_t i = 0; i < nx_target_preset_count(); i++) {
		const nx_target *t = nx_target_preset_at(i);
		char sram[32];
		printf("%-18s %3lld cores  %6.2f TFLOPS fp16  %6.2f TOPS int8  SRAM %-9s  %s\n",
		       t->name, (long long)t->cores,
		       2 * nx_target_peak_macs(t, NX_F16) * t->clock / 1e12,
		       2 * nx_target_peak_macs(t, NX_I8) * t->clock / 1e12,
		       bytes_str((double)t->sram, sram, sizeof sram), nx_target_preset_note(t->name));
	}
}

static void list_fields(const nx_target *t)
{
	size_t n;
	const nx_target_field *f = nx_target_fields(&n);
	for (size_t i = 0; i < n; i++) {
		char v[512];
		nx_target_get(t, f[i].name, v, sizeof v);
		printf("%-16s %-22s %-15s %s\n", f[i].name, v, f[i].unit, f[i].doc);
	}
}

/* Writes text to path, or stdout for "-". */
static int write_out(const char *path, const char *text, const char *what)
{
	if (!strcmp(path, "-")) {
		fputs(text, stdout);
		return 0;
	}
	nx_err err;
	if (nx_write_file_atomic(path, text, strlen(text), &err)) {
		fprintf(stderr, "nex sim: %s: %s\n", what, err.msg);
		return -1;
	}
	return 0;
}

static int write_csv(const nxs_sim *s, const char *path)
{
	if (!strcmp(path, "-"))
		return nxs_export_csv(s, stdout);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f) {
		fprintf(stderr, "nex sim: --csv: out of memory\n");
		return -1;
	}
	nxs_export_csv(s, f);
	fclose(f);
	int rc = write_out(path, buf, "--csv");
	free(buf);
	return rc;
}

/* --program: the graph lowered by the back end and costed on the NE model
 * (program_cost.c); its latency printed to f (NULL: not printed) beside the
 * graph-level timeline's. *prog (caller frees with nxg_prog_free) and *pt
 * (nxs_prog_time_free) are the caller's even on failure. */
static int program_cost(nxs_sim *s, const nx_target *t, FILE *f, nxg_prog **prog,
			nxs_prog_time *pt)
{
	const nx_graph *g = nxs_sim_graph(s);
	nx_err err;
	bool planned = false;
	for (uint32_t o = g->first; o != NX_NONE && !planned; o = g->ops[o].next)
		planned = nx_attr_get(g, o, "arena") != NULL;
	nxg_opts lo = {.alloc = planned ? NXG_ALLOC_RECORDED : NXG_ALLOC_BESTFIT};
	if (nxg_lower(g, t, &lo, prog, &err)) {
		fprintf(stderr, "nex sim: --program: %s\n", err.msg);
		return -1;
	}
	if (nxs_prog_cost(s, *prog, pt, &err)) {
		fprintf(stderr, "nex sim: --program: costing the program: %s\n", err.msg);
		return -1;
	}
	const nxs_timeline *tl = nxs_sim_timeline(s);
	if (f)
		fprintf(f, "program: %u tasks (alloc %s), %.0f cycles (%.1f us; busy: ne %.0f, dma "
			"%.0f, cpu %.0f) against the timeline's %.0f, of which %.0f dispatch "
			"(docs/backend.md)\n", (*prog)->n_tasks, (*prog)->alloc, pt->cycles,
			pt->cycles / t->clock * 1e6, pt->busy[NXG_NE], pt->busy[NXG_DMA],
			pt->busy[NXG_CPU], tl->cycles, tl->launch_cycles);
	return 0;
}

static void summary(const nxs_sim *s, int top)
{
	const nx_graph *g = nxs_sim_graph(s);
	const nx_target *t = nxs_sim_target(s);
	const nxs_timeline *tl = nxs_sim_timeline(s);
	const nx_memplan *mp = nxs_sim_memplan(s);
	const nxs_cost *c = nxs_sim_costs(s);
	const nx_live *l = nxs_sim_live(s);
	char a[32], b[32], d[32], e[32];
	uint32_t n = nxs_sim_count(s);
	printf("model     @%s: %u ops\n", nx_cstr(g, g->name), n);
	printf("target    %s: %lld cores x %lld MAC/cycle fp16 (%lld int8) at %.3f GHz = %.2f "
	       "TFLOPS fp16; SRAM %s; DRAM %.1f GB/s x %.2f\n",
	       t->name, (long long)t->cores, (long long)t->macs_fp16, (long long)t->macs_int8,
	       t->clock / 1e9, 2 * nx_target_peak_macs(t, NX_F16) * t->clock / 1e12,
	       bytes_str((double)t->sram, a, sizeof a), t->dram_bw * t->clock / 1e9,
	       t->dram_share);
	printf("latency   %s (%.0f cycles; %u launches %s, weight stalls %s, CPU %s)\n",
	       time_str(tl->seconds, a, sizeof a), tl->cycles, tl->launches,
	       time_str(tl->launch_cycles / t->clock, b, sizeof b),
	       time_str(tl->stall_cycles / t->clock, d, sizeof d),
	       time_str(tl->cpu_cycles / t->clock, e, sizeof e));
	double en = tl->energy > 0 ? tl->energy : 1;
	printf("energy    %.4g mJ (MAC %.0f%%, on-chip %.0f%%, DRAM %.0f%%, static %.0f%%, CPU "
	       "%.0f%%); average power %.3g W\n", tl->energy * 1e-9, 100 * tl->e_mac / en,
	       100 * tl->e_sram / en, 100 * tl->e_dram / en, 100 * tl->e_static / en,
	       100 * tl->e_cpu / en, tl->power);
	printf("work      %s MACs, utilisation %.1f%% of peak; DRAM %s (weights %s), on-chip %s\n",
	       si_str(tl->macs, a, sizeof a), 100 * tl->util, bytes_str(tl->dram_bytes, b, sizeof b),
	       bytes_str(tl->weight_bytes, d, sizeof d), bytes_str(tl->sram_bytes, e, sizeof e));
	printf("memory    peak %s (%s; best fit %s, first fit ",
	       bytes_str((double)mp->peak, a, sizeof a), nx_algo_name(mp->algo),
	       bytes_str((double)mp->peak_algo[NX_ALGO_BESTFIT], b, sizeof b));
	printf("%s), lower bound %s\n", bytes_str((double)mp->peak_algo[NX_ALGO_FIRSTFIT], a,
						   sizeof a),
	       bytes_str((double)mp->lower_bound, b, sizeof b));
	printf("placement SRAM %s of %s (%u buffers), DRAM arena %s (%u buffers, %u spilled)%s\n",
	       bytes_str((double)mp->sram_peak, a, sizeof a), bytes_str((double)t->sram, b, sizeof b),
	       mp->n_sram, bytes_str((double)mp->dram_peak, d, sizeof d), mp->n_dram, mp->n_spilled,
	       mp->recorded ? "; as recorded by plan-memory" : "");
	if (nxs_sim_plan_note(s)[0])
		printf("plan      %s\n", nxs_sim_plan_note(s));
	printf("bound    ");
	for (int k = 0; k < NXS_BOUND_COUNT; k++)
		printf(" %s %u", nxs_bound_name(k), tl->n_bound[k]);
	printf("\n");
	if (top <= 0 || !n)
		return;
	uint32_t *idx = nx_xmalloc(n * sizeof *idx);
	uint32_t m = 0;
	for (uint32_t p = 0; p < n; p++)
		if (c[p].cycles > 0)
			idx[m++] = p;
	/* partial selection: top is small */
	uint32_t k = (uint32_t)top < m ? (uint32_t)top : m;
	for (uint32_t i = 0; i < k; i++) {
		uint32_t best = i;
		for (uint32_t j = i + 1; j < m; j++)
			if (c[idx[j]].cycles > c[idx[best]].cycles)
				best = j;
		uint32_t tmp = idx[i];
		idx[i] = idx[best];
		idx[best] = tmp;
	}
	printf("\ntop %u ops by cycles:\n%6s  %-24s %-16s %-9s %12s %6s %10s %10s %6s\n", k, "pos",
	       "result", "kind", "bound", "cycles", "%", "MACs", "DRAM", "util");
	for (uint32_t i = 0; i < k; i++) {
		uint32_t p = idx[i];
		uint32_t o = l->op_at[p];
		const char *res = nx_opp(g, o)->n_out ? nx_vname(g, nx_result(g, o, 0)) : "";
		printf("%6u  %%%-23.23s %-16s %-9s %12.0f %5.1f%% %10s %10s %5.1f%%\n", p, res,
		       nx_op_name(g, o), nxs_bound_name(c[p].bound), c[p].cycles,
		       tl->cycles > 0 ? 100 * c[p].cycles / tl->cycles : 0,
		       si_str(c[p].macs, a, sizeof a), bytes_str(c[p].dram_bytes, b, sizeof b),
		       100 * c[p].util);
		if (c[p].cpu) {
			char why[256];
			nxs_sim_cpu_reason(s, o, why, sizeof why);
			printf("%6s  cpu: %s\n", "", why);
		}
	}
	free(idx);
}

/* Runs the pipeline in a session that carries the target; takes g, returns
 * the final graph or NULL (error printed). */
static nx_graph *run_pipeline(nx_graph *g, const char *pipeline, const nx_target *t)
{
	nxw_session *s = nxw_session_new(g);
	s->target = t;
	nx_err err;
	nx_graph *out = NULL;
	if (!s->steps[0].ok)
		fprintf(stderr, "nex sim: the model does not verify: %s\n", s->steps[0].error);
	else if (nxw_set_pipeline(s, pipeline, &err) || nxw_apply_all(s, -1, &err) < 0)
		fprintf(stderr, "nex sim: --pipeline: %s\n", err.msg);
	else
		out = nx_graph_clone(nxw_cur(s)->snap);
	nxw_session_free(s);
	return out;
}

int nxc_sim(int argc, char **argv)
{
	sim_opts o = {.target = "m1", .top = 10};
	const char *path = NULL;
	int rc = NXC_USER;
	nx_graph *g = NULL;
	nxs_sim *s = NULL;
	nxg_prog *prog = NULL;
	nxs_prog_time pt;
	memset(&pt, 0, sizeof pt);
	int n = nxc_parse(&command, argc, argv, &o, &path);
	if (n < 0) {
		rc = n == NXC_PARSE_HELP ? NXC_OK : NXC_USER;
		goto out;
	}
	const char *target = o.target, *pipeline = o.pipeline, *csv = o.csv, *json = o.json;
	const char *trace = o.trace, *save_target = o.save_target;
	const char *const *sets = o.sets.v;
	uint32_t n_sets = o.sets.n;
	long long top = o.top;
	bool targets = o.targets, fields = o.fields;
	if (targets) {
		list_targets();
		rc = NXC_OK;
		goto out;
	}
	nx_target t;
	nx_err err;
	if (nx_target_resolve(target, &t, &err)) {
		fprintf(stderr, "nex sim: --target: %s\n", err.msg);
		goto out;
	}
	for (uint32_t k = 0; k < n_sets; k++)
		if (nx_target_set_kv(&t, sets[k], &err)) {
			fprintf(stderr, "nex sim: --set %s: %s\n", sets[k], err.msg);
			goto out;
		}
	if (fields || save_target) {
		if (fields)
			list_fields(&t);
		if (save_target && nx_target_save(&t, save_target, &err)) {
			fprintf(stderr, "nex sim: --save-target: %s\n", err.msg);
			goto out;
		}
		if (!path) {
			rc = NXC_OK;
			goto out;
		}
	}
	if (!path) {
		fprintf(stderr, "nex sim: no MODEL (a .nex, .json or .onnx file, or demo; see "
			"nex sim --help)\n");
		goto out;
	}
	nx_onnx_opts oo = nxc_onnx_opts(&o.shapes);
	g = nxc_load_opts(path, &oo);
	if (!g)
		goto out;
	if (pipeline) {
		g = run_pipeline(g, pipeline, &t);
		if (!g)
			goto out;
	}
	s = nxs_sim_new(g, &err);
	if (!s || nxs_sim_run(s, &t, &err)) {
		fprintf(stderr, "nex sim: %s: %s\n", path, err.msg);
		goto out;
	}
	bool to_stdout = (csv && !strcmp(csv, "-")) || (json && !strcmp(json, "-")) ||
			 (trace && !strcmp(trace, "-"));
	if (!to_stdout)
		summary(s, (int)(top > 1000000 ? 1000000 : top));
	if (csv && write_csv(s, csv))
		goto out;
	if (json) {
		char *j = nxs_export_json(s);
		int r = write_out(json, j, "--json");
		free(j);
		if (r)
			goto out;
	}
	if (o.program && program_cost(s, &t, to_stdout ? NULL : stdout, &prog, &pt))
		goto out;
	if (trace) {
		char *j = prog ? nxs_export_trace_prog(s, prog, &pt) : nxs_export_trace(s);
		int r = write_out(trace, j, "--trace");
		free(j);
		if (r)
			goto out;
	}
	rc = NXC_OK;
out:
	nxs_prog_time_free(&pt);
	nxg_prog_free(prog);
	nxs_sim_free(s);
	nx_graph_free(g);
	nxc_shapes_free(&o.shapes);
	return rc;
}
