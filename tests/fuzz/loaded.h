/* loaded.h — what the fuzz targets past the loaders share (fuzz_pipeline,
 * fuzz_json_run, fuzz_onnx_run): a real model folder made at start-up, so
 * that file(...) and ONNX external data are read through confine.c (a 4 KiB
 * weights file, a subfolder, a symlink leaving the folder and one to
 * /dev/zero), and, for a graph that loaded and is small (at most 64 ops and
 * 4096 elements per value, so an input costs milliseconds), the reference
 * interpreter, the simulator on m1 and the default pipeline verifying after
 * every pass (a pass that leaves an invalid graph is a bug: abort), then the
 * interpreter and the simulator again on the result. Each target defines
 * LLVMFuzzerTestOneInput with its loader and calls run_loaded. */
#ifndef NEX_FUZZ_LOADED_H
#define NEX_FUZZ_LOADED_H
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nx.h"
#include "nxp.h"
#include "nxs.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The model folder: set once by LLVMFuzzerInitialize (the fuzzer's main
 * owns the process; nothing else writes it). */
static char folder[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	snprintf(folder, sizeof folder, "/tmp/nex_fuzzXXXXXX");
	if (!mkdtemp(folder))
		abort();
	char p[128];
	snprintf(p, sizeof p, "%s/w.bin", folder);
	FILE *f = fopen(p, "wb");
	for (int i = 0; i < 1024; i++) {
		float v = (float)(i % 17) * 0.125f - 1.0f;
		fwrite(&v, 4, 1, f);
	}
	fclose(f);
	snprintf(p, sizeof p, "%s/sub", folder);
	mkdir(p, 0755);
	snprintf(p, sizeof p, "%s/out", folder);
	if (symlink("/etc/passwd", p) != 0)
		perror("symlink");
	snprintf(p, sizeof p, "%s/zero", folder);
	if (symlink("/dev/zero", p) != 0)
		perror("symlink");
	return 0;
}

static bool small(const nx_graph *g)
{
	uint32_t ops = 0;
	NX_FOR_OPS(g, o)
		ops++;
	if (ops > 64)
		return false;
	for (uint32_t v = 0; v < g->n_vals; v++) {
		if (g->vals[v].flags & NX_V_DEAD)
			continue;
		int64_t n = nx_type_numel(nx_vtype(g, v));
		if (n < 0 || n > 4096)
			return false;
	}
	return true;
}

static void interpret(nx_graph *g)
{
	nx_tensor *in = calloc(g->n_inputs + 1, sizeof *in);
	uint64_t state = 1;
	for (uint32_t i = 0; i < g->n_inputs; i++)
		in[i] = nx_tensor_random(nx_vtype(g, g->inputs[i]), &state, -2, 2);
	nx_run_opts o = {.threads = 1};
	nx_run_result r;
	nx_err err;
	if (nx_run(g, in, g->n_inputs, &o, &r, &err) == 0)
		nx_run_result_free(&r);
	for (uint32_t i = 0; i < g->n_inputs; i++)
		nx_tensor_free(&in[i]);
	free(in);
}

static void pipeline(nx_graph *g, const nx_target *t)
{
	nxp_pipeline pl = {0};
	nx_err err;
	if (nxp_pipeline_parse(&pl, "default", &err))
		abort(); /* the built-in pipeline must parse */
	for (uint32_t i = 0; i < pl.n; i++) {
		if (!pl.inv[i].enabled)
			continue;
		nxp_ctx ctx;
		nxp_ctx_init(&ctx, pl.inv[i].pass, -1);
		ctx.target = t;
		g->step = i + 1;
		int rc = pl.inv[i].options ? nxp_ctx_set_options(&ctx, pl.inv[i].options) : 0;
		if (rc == 0)
			rc = nxp_run(pl.inv[i].pass, g, &ctx);
		nxp_ctx_free(&ctx);
		if (rc != 0)
			break; /* a pass may refuse an input; it must not break one */
		if (nx_verify(g, &err) != 0) {
			fprintf(stderr, "pass %s left an invalid graph: %s\n", pl.inv[i].pass->name,
				err.msg);
			abort();
		}
	}
	nxp_pipeline_free(&pl);
}

static void simulate(const nx_graph *g, const nx_target *t)
{
	nx_err err;
	nxs_sim *s = nxs_sim_new(g, &err);
	if (!s)
		return;
	nxs_sim_run(s, t, &err);
	nxs_sim_free(s);
}

/* Runs what a loaded graph goes through; frees g. */
static void run_loaded(nx_graph *g)
{
	nx_err err;
	nx_target t;
	if (small(g) && nx_target_preset("m1", &t, &err) == 0) {
		interpret(g);
		simulate(g, &t);
		pipeline(g, &t);
		simulate(g, &t);
		interpret(g);
	}
	nx_graph_free(g);
}
#endif
