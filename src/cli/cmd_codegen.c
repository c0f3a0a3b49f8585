/* cmd_codegen.c — `nex codegen MODEL`: the model through the pipeline on a
 * target, lowered to an NE program (src/codegen); prints the .neasm listing
 * or writes it (-o), and with --stats the counts: tasks by engine and kind,
 * DMA bytes by purpose, descriptors, events, SRAM high water. */
#include <stdlib.h>
#include <string.h>

#include "codegen_cli.h"
#include "nxs.h"

struct cg_ctx {
	nxc_cg_args a;
	const char *out, *bin, *trace;
	bool stats;
};

static const nxc_option options[] = {
	NXC_OPT_CG(struct cg_ctx, a),
	{"-o", NULL, "FILE", NXC_STR, offsetof(struct cg_ctx, out), 0, NULL,
	 "write the listing to FILE instead of stdout"},
	{"--bin", NULL, "FILE", NXC_STR, offsetof(struct cg_ctx, bin), 0, NULL,
	 "write the binary form (docs/ne-isa.md) to FILE (and print\n"
	 "no listing unless -o is given)"},
	{"--stats", NULL, NULL, NXC_FLAG, offsetof(struct cg_ctx, stats), 0, NULL,
	 "print counts (tasks, DMA bytes, events, SRAM) and the NE\n"
	 "model's latency of the program (engines concurrent under\n"
	 "its events) beside the graph-level estimate, instead of the\n"
	 "listing (with -o: as well as writing it)"},
	{"--trace", NULL, "FILE", NXC_STR, offsetof(struct cg_ctx, trace), 0, NULL,
	 "the program on the NE model as Chrome trace-event JSON\n"
	 "(Perfetto): one track per engine"},
	{0},
};

static const nxc_command command = {
	.name = "codegen",
	.args = "MODEL|PROG.neasm|PROG.bin",
	.min_args = 1,
	.max_args = 1,
	.opts = options,
	.about =
		"Lowers MODEL, after pipeline P (default `default`) on target T (default m1),\n"
		"to a program of NE, DMA and CPU tasks and prints it as .neasm text (see\n"
		"docs/backend.md and docs/ne-isa.md; the format is nex's own, not Apple's).\n"
		"Given a program (.neasm, or the binary form), reads it back against the\n"
		"graph its directives rebuild and prints it again: the round trip (then\n"
		"only -o, --bin and --stats apply).\n",
};

/* The program on the NE model, beside the graph's own timeline. */
static int cost(const nxg_prog *p, const nx_graph *g, const nx_target *t, bool print,
		const char *trace)
{
	nx_err err;
	nxs_sim *s = nxs_sim_new(g, &err);
	nxs_prog_time pt;
	memset(&pt, 0, sizeof pt);
	int rc = !s || nxs_sim_run(s, t, &err) || nxs_prog_cost(s, p, &pt, &err) ? -1 : 0;
	if (rc) {
		fprintf(stderr, "nex codegen: costing the program: %s\n", err.msg);
	} else {
		const nxs_timeline *tl = nxs_sim_timeline(s);
		if (print)
			printf("ne model: program %.0f cycles (%.1f us; busy: ne %.0f, dma %.0f, cpu %.0f); "
			       "graph timeline %.0f cycles, of which %.0f program dispatch (the program "
			       "figure leaves dispatch out and follows its own events)\n", pt.cycles,
			       pt.cycles / t->clock * 1e6, pt.busy[NXG_NE], pt.busy[NXG_DMA],
			       pt.busy[NXG_CPU], tl->cycles, tl->launch_cycles);
		if (trace) {
			char *j = nxs_prog_trace(s, p, &pt);
			if (nx_write_file_atomic(trace, j, strlen(j), &err)) {
				fprintf(stderr, "nex codegen: %s\n", err.msg);
				rc = -1;
			}
			free(j);
		}
	}
	nxs_prog_time_free(&pt);
	nxs_sim_free(s);
	return rc;
}

static void print_stats(const nxg_prog *p)
{
	nxg_stats s;
	nxg_stats_of(p, &s);
	printf("tasks %u: ne %u, dma %u, cpu %u\n", p->n_tasks, s.by_engine[NXG_NE],
	       s.by_engine[NXG_DMA], s.by_engine[NXG_CPU]);
	printf("by kind:");
	for (int k = 0; k < NXG_KIND_COUNT; k++)
		if (s.by_kind[k])
			printf(" %s %u", nxg_kind_name(k), s.by_kind[k]);
	printf("\n");
	printf("dma bytes: weights %lld, spill %lld, fill %lld\n",
	       (long long)s.dma_bytes[NXG_K_WEIGHTS], (long long)s.dma_bytes[NXG_K_SPILL],
	       (long long)s.dma_bytes[NXG_K_FILL]);
	/* record sizes of the binary form (docs/ne-isa.md): task 80, descriptor 136 */
	long long rec = 80LL * p->n_tasks + 136LL * (s.descs + p->n_in + p->n_out);
	printf("descriptors %u (%lld bytes of task and descriptor records in the binary form), "
	       "events %u, waits %u, constants %u\n", s.descs, rec, s.events, s.waits, p->n_consts);
	printf("sram high water %lld of %lld bytes (lower bound of all live bytes %lld), "
	       "dram %lld bytes, allocator %s\n", (long long)p->sram_peak,
	       (long long)p->space[NXG_SRAM], (long long)p->lower_bound,
	       (long long)p->space[NXG_DRAM], p->alloc);
}

int nxc_codegen(int argc, char **argv)
{
	struct cg_ctx c;
	memset(&c, 0, sizeof c);
	nxc_cg_init(&c.a);
	const char *model = NULL;
	int rc = NXC_USER;
	nx_graph *g = NULL;
	nxg_prog *p = NULL;
	int n = nxc_parse(&command, argc, argv, &c, &model);
	if (n < 0) {
		rc = n == NXC_PARSE_HELP ? NXC_OK : NXC_USER;
		goto out;
	}
	nx_target t;
	if (nxc_cg_is_program(model)) {
		/* a listing read back and printed again (the round trip) */
		if (c.a.pa.pipeline || c.a.pa.target || c.a.pa.n_sets || c.a.shapes.n) {
			fprintf(stderr, "nex codegen: a .neasm program names its model, pipeline "
				"and target itself; drop the model options\n");
			goto out;
		}
		if ((rc = nxc_cg_load_program("codegen", model, &g, &t, &p)) != NXC_OK)
			goto out;
	} else {
		if ((rc = nxc_cg_graph("codegen", model, &c.a, &g, &t)) != NXC_OK)
			goto out;
		if ((rc = nxc_cg_lower("codegen", model, &c.a, g, &t, &p)) != NXC_OK)
			goto out;
	}
	if (c.bin) {
		size_t len;
		void *bin = nxg_bin_write(p, g, &len);
		nx_err err;
		int wrc = nx_write_file_atomic(c.bin, bin, len, &err);
		free(bin);
		if (wrc) {
			fprintf(stderr, "nex codegen: %s\n", err.msg);
			rc = NXC_USER;
			goto out;
		}
	}
	if (c.out || (!c.stats && !c.bin)) {
		char *text = nxg_print(p, g);
		nx_err err;
		if (c.out && nx_write_file_atomic(c.out, text, strlen(text), &err)) {
			fprintf(stderr, "nex codegen: %s\n", err.msg);
			free(text);
			rc = NXC_USER;
			goto out;
		}
		if (!c.out)
			fputs(text, stdout);
		free(text);
	}
	if (c.stats)
		print_stats(p);
	if ((c.stats || c.trace) && cost(p, g, &t, c.stats, c.trace)) {
		rc = NXC_USER;
		goto out;
	}
	rc = NXC_OK;
out:
	nxg_prog_free(p);
	nx_graph_free(g);
	nxc_cg_free(&c.a);
	return rc;
}
