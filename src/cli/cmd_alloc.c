/* cmd_alloc.c — `nex alloc`: the SRAM allocators of src/codegen/alloc.c side
 * by side. On a list of live intervals from a JSON file (so they can be
 * checked against published vectors: XLA's heap simulator tests), or on a
 * model through the pipeline on a target: SRAM high water, what spills,
 * the DRAM traffic that adds, against the lower bound. */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "codegen_cli.h"
#include "nxs.h"

struct al_ctx {
	nxc_cg_args a;
	const char *intervals;
	bool compare, one;
};

static const nxc_option options[] = {
	{"--intervals", NULL, "FILE", NXC_STR, offsetof(struct al_ctx, intervals), 0, NULL,
	 "{\"alignment\": A, \"capacity\": C, \"buffers\": [{\"name\":\n"
	 "\"a\", \"start\": S, \"end\": E, \"size\": N}, ...]}: live\n"
	 "ranges [S, E] (inclusive); alignment (default 1) and\n"
	 "capacity (default none: nothing spills) optional.\n"
	 "Prints each allocator's heap and offsets (-1: spilled);\n"
	 "with --alloc A, that allocator only"},
	{"--compare", NULL, NULL, NXC_FLAG, offsetof(struct al_ctx, compare), 0, NULL,
	 "on MODEL: per allocator the SRAM high water, values\n"
	 "and bytes spilled to DRAM, the DRAM traffic that adds\n"
	 "(each value produced into DRAM written once and read\n"
	 "by each use), the spill and fill DMA bytes (split), the\n"
	 "program's cycles on the NE model\n"
	 "and the lower bound (most on-chip candidate bytes live\n"
	 "at once)"},
	NXC_OPT_CG(struct al_ctx, a),
	{0},
};

static const nxc_command command = {
	.name = "alloc",
	.args = "[MODEL]",
	.min_args = 0,
	.max_args = 1,
	.opts = options,
	.about =
		"Runs the SRAM allocators (bestfit, search, firstfit, hillclimb, belady,\n"
		"sxd, split; docs/backend.md has their sources) on live intervals\n"
		"(--intervals) or on MODEL through the pipeline (--compare, with the model\n"
		"options of `nex codegen`).\n",
	.also =
		"nex alloc --intervals FILE.json [--alloc A]\n"
		"nex alloc MODEL [model options] --compare\n",
};

static bool whole(const cJSON *x, int64_t *v)
{
	if (!cJSON_IsNumber(x) || x->valuedouble != (double)(int64_t)x->valuedouble)
		return false;
	*v = (int64_t)x->valuedouble;
	return true;
}

static int intervals(struct al_ctx *c)
{
	nx_err err;
	size_t len;
	char *text = nx_read_file(c->intervals, &len, &err);
	if (!text) {
		fprintf(stderr, "nex alloc: %s\n", err.msg);
		return NXC_USER;
	}
	cJSON *root = cJSON_ParseWithLength(text, len);
	free(text);
	int rc = NXC_USER;
	nx_interval *iv = NULL;
	int64_t *off = NULL;
	const char **names = NULL;
	const cJSON *bufs = root ? cJSON_GetObjectItemCaseSensitive(root, "buffers") : NULL;
	int64_t align = 1, cap = -1;
	if (!root || !cJSON_IsObject(root) || !cJSON_IsArray(bufs)) {
		fprintf(stderr, "nex alloc: %s: expected an object with a \"buffers\" array%s\n",
			c->intervals, root ? "" : " (not valid JSON)");
		goto out;
	}
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(root, "alignment");
	if (x && (!whole(x, &align) || align < 1)) {
		fprintf(stderr, "nex alloc: %s: alignment: a positive integer\n", c->intervals);
		goto out;
	}
	x = cJSON_GetObjectItemCaseSensitive(root, "capacity");
	if (x && (!whole(x, &cap) || cap < 0)) {
		fprintf(stderr, "nex alloc: %s: capacity: a non-negative integer\n", c->intervals);
		goto out;
	}
	uint32_t n = (uint32_t)cJSON_GetArraySize(bufs), i = 0;
	iv = nx_xcalloc(n + 1, sizeof *iv);
	off = nx_xcalloc(n + 1, sizeof *off);
	names = nx_xcalloc(n + 1, sizeof *names);
	const cJSON *b;
	cJSON_ArrayForEach(b, bufs) {
		const cJSON *nm = cJSON_GetObjectItemCaseSensitive(b, "name");
		if (!cJSON_IsString(nm) || !whole(cJSON_GetObjectItemCaseSensitive(b, "start"), &iv[i].start) ||
		    !whole(cJSON_GetObjectItemCaseSensitive(b, "end"), &iv[i].end) ||
		    !whole(cJSON_GetObjectItemCaseSensitive(b, "size"), &iv[i].size) ||
		    iv[i].start < 0 || iv[i].end < iv[i].start || iv[i].size < 0) {
			fprintf(stderr, "nex alloc: %s: buffers[%u]: wants name, start, end >= start and "
				"size >= 0 (whole numbers)\n", c->intervals, i);
			goto out;
		}
		if (cJSON_GetObjectItemCaseSensitive(b, "alignment")) {
			fprintf(stderr, "nex alloc: %s: buffers[%u]: a per-buffer alignment is not "
				"built; give one \"alignment\" for all\n", c->intervals, i);
			goto out;
		}
		names[i++] = nm->valuestring;
	}
	printf("%u buffers, alignment %lld, lower bound %lld", n, (long long)align,
	       (long long)nx_plan_lower_bound(iv, n));
	if (cap >= 0)
		printf(", capacity %lld", (long long)cap);
	printf("\n");
	for (int a = NXG_ALLOC_BESTFIT; a < NXG_ALLOC_COUNT; a++) {
		if (c->one && a != c->a.alloc)
			continue;
		if (a == NXG_ALLOC_SPLIT) { /* pieces are cut at uses, which intervals lack */
			printf("%-9s needs a model (uses), not intervals\n", nxg_alloc_name(a));
			continue;
		}
		int64_t h = nxg_alloc_intervals(a, iv, n, align, cap, off);
		printf("%-9s heap %lld:", nxg_alloc_name(a), (long long)h);
		for (uint32_t k = 0; k < n; k++)
			printf(" %s=%lld", names[k], (long long)off[k]);
		printf("\n");
	}
	rc = NXC_OK;
out:
	free(iv);
	free(off);
	free(names);
	cJSON_Delete(root);
	return rc;
}

static int compare(struct al_ctx *c, const char *model)
{
	nx_graph *g = NULL;
	nx_target t;
	int rc = nxc_cg_graph("alloc", model, &c->a, &g, &t);
	if (rc != NXC_OK)
		return rc;
	nx_live l;
	nx_live_graph(g, NULL, 0, &t, &l);
	/* the lower bound of the on-chip candidates alone */
	nx_interval *iv = nx_xmalloc((l.n_bufs + 1) * sizeof *iv);
	uint32_t m = 0;
	for (uint32_t b = 0; b < l.n_bufs; b++)
		if (l.bufs[b].why == NX_WHY_FITS && l.bufs[b].size <= t.sram)
			iv[m++] = (nx_interval){l.bufs[b].start, l.bufs[b].end, l.bufs[b].size};
	int64_t lb = nx_plan_lower_bound(iv, m);
	free(iv);
	nx_live_free(&l);
	printf("%s on %s (sram %lld bytes): %u on-chip candidates, lower bound %lld bytes\n", model,
	       t.name, (long long)t.sram, m, (long long)lb);
	nx_err serr;
	nxs_sim *sim = nxs_sim_new(g, &serr);
	if (!sim || nxs_sim_run(sim, &t, &serr)) {
		fprintf(stderr, "nex alloc: the NE model: %s\n", serr.msg);
		nxs_sim_free(sim);
		nx_graph_free(g);
		return NXC_USER;
	}
	printf("%-10s %12s %8s %14s %16s %12s %12s %12s %9s\n", "allocator", "sram high", "spilled",
	       "spilled bytes", "added dram B", "spill dma B", "fill dma B", "cycles", "ms");
	for (int a = 0; a < NXG_ALLOC_COUNT; a++) {
		nxg_opts o = {.alloc = a};
		nxg_prog *p = NULL;
		nx_err err;
		double t0 = nx_now();
		if (nxg_lower(g, &t, &o, &p, &err)) {
			printf("%-10s %s\n", nxg_alloc_name(a), err.msg);
			continue;
		}
		double ms = (nx_now() - t0) * 1e3;
		/* spilled: candidates that ended in DRAM; traffic: written once,
		 * read by every use */
		nx_live_graph(g, NULL, 0, &t, &l);
		uint8_t *in_dram = nx_xcalloc(g->n_vals + 1, 1);
		for (uint32_t k = 0; k < p->n_tasks; k++)
			for (uint32_t i = p->tasks[k].n_in; i < (uint32_t)p->tasks[k].n_in + p->tasks[k].n_out; i++) {
				const nxg_desc *d = nxg_task_desc(p, &p->tasks[k], i);
				if (d->space == NXG_DRAM)
					in_dram[d->value] = 1;
			}
		uint32_t ns = 0;
		int64_t sb = 0, traffic = 0;
		for (uint32_t b = 0; b < l.n_bufs; b++) {
			const nx_buf *x = &l.bufs[b];
			if (x->why != NX_WHY_FITS || x->size > t.sram || !in_dram[x->value])
				continue;
			ns++;
			sb += x->size;
			traffic += x->size * (1 + (int64_t)nx_value_nuses(g, x->value));
		}
		free(in_dram);
		nx_live_free(&l);
		nxg_stats st;
		nxg_stats_of(p, &st);
		nxs_prog_time pt;
		double cyc = nxs_prog_cost(sim, p, &pt, &serr) ? -1 : pt.cycles;
		nxs_prog_time_free(&pt);
		printf("%-10s %12lld %8u %14lld %16lld %12lld %12lld %12.0f %9.2f\n", nxg_alloc_name(a),
		       (long long)p->sram_peak, ns, (long long)sb, (long long)traffic,
		       (long long)st.dma_bytes[NXG_K_SPILL], (long long)st.dma_bytes[NXG_K_FILL], cyc, ms);
		nxg_prog_free(p);
	}
	printf("cycles: the program on the NE model (src/sim/program_cost.c; engines concurrent "
	       "under the events, memory time from each task's descriptors)\n");
	nxs_sim_free(sim);
	nx_graph_free(g);
	return NXC_OK;
}

int nxc_alloc(int argc, char **argv)
{
	struct al_ctx c;
	memset(&c, 0, sizeof c);
	nxc_cg_init(&c.a);
	c.a.alloc = -1; /* to tell whether --alloc was given */
	const char *model = NULL;
	int rc = NXC_USER;
	int n = nxc_parse(&command, argc, argv, &c, &model);
	if (n < 0) {
		rc = n == NXC_PARSE_HELP ? NXC_OK : NXC_USER;
		goto out;
	}
	c.one = c.a.alloc >= 0;
	if (!c.one)
		c.a.alloc = NXG_ALLOC_RECORDED;
	if (c.intervals && n == 0 && !c.compare) {
		if (c.one && c.a.alloc == NXG_ALLOC_RECORDED) {
			fprintf(stderr, "nex alloc: --alloc recorded needs a model (plan-memory's "
				"attrs)\n");
			goto out;
		}
		rc = intervals(&c);
	} else if (!c.intervals && n == 1 && c.compare) {
		rc = compare(&c, model);
	} else {
		fprintf(stderr, "nex alloc: wants --intervals FILE.json, or MODEL with --compare "
			"(see nex alloc --help)\n");
	}
out:
	nxc_cg_free(&c.a);
	return rc;
}
