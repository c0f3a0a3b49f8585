/* cmd_exec.c — `nex exec PROGRAM.neasm|MODEL`: run an NE program on the
 * executor (src/codegen/exec.c) with seeded inputs (the same as `nex run
 * --seed N`) or inputs from a directory; write the outputs; with
 * --compare, run the reference interpreter on the same graph and inputs and
 * require the outputs to be equal bit for bit. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "codegen_cli.h"

struct ex_ctx {
	nxc_cg_args a;
	const char *in_dir, *out_dir;
	long long seed, threads, ref_threads, repeat;
	bool compare, no_check;
};

static const nxc_option options[] = {
	{"--seed", NULL, "N", NXC_NUM, offsetof(struct ex_ctx, seed), INT64_MAX, NULL,
	 "seeded inputs, the same as `nex run --seed N` (default 0)"},
	{"--inputs", NULL, "DIR", NXC_STR, offsetof(struct ex_ctx, in_dir), 0, NULL,
	 "input K from DIR/NAME.npy, DIR/NAME.pb or DIR/input_K.pb"},
	{"--outputs", NULL, "DIR", NXC_STR, offsetof(struct ex_ctx, out_dir), 0, NULL,
	 "write output_K.pb"},
	{"--compare", NULL, NULL, NXC_FLAG, offsetof(struct ex_ctx, compare), 0, NULL,
	 "also run the interpreter (`nex run`) and require equal\n"
	 "outputs, bit for bit (exit 1 if not)"},
	{"--threads", NULL, "N", NXC_NUM, offsetof(struct ex_ctx, threads), 256, NULL,
	 "kernel threads (default: one per core, as `nex run`);\n"
	 "the outputs' bits do not depend on it"},
	{"--ref-threads", NULL, "N", NXC_NUM, offsetof(struct ex_ctx, ref_threads), 256, NULL,
	 "threads of the interpreter under --compare (default: as\n"
	 "--threads)"},
	{"--repeat", NULL, "N", NXC_NUM, offsetof(struct ex_ctx, repeat), 100000, NULL,
	 "run N times after a warm-up on one executor (memory image and\n"
	 "threads made once) and print the median, as `nex run --repeat`"},
	{"--no-check", NULL, NULL, NXC_FLAG, offsetof(struct ex_ctx, no_check), 0, NULL,
	 "skip the checker (bytes ownership, events) before and\n"
	 "during execution (for testing that a bad program gives\n"
	 "wrong outputs)"},
	NXC_OPT_CG(struct ex_ctx, a),
	{0},
};

static const nxc_command command = {
	.name = "exec",
	.args = "PROGRAM.neasm|PROGRAM.bin|MODEL",
	.min_args = 1,
	.max_args = 1,
	.opts = options,
	.about =
		"Runs an NE program (a .neasm listing, or MODEL lowered as `nex codegen`\n"
		"does, with its model options) on nex's executor: byte arrays for SRAM,\n"
		"DRAM and the kernel window, the reference kernels for NE and CPU tasks, DMA\n"
		"as byte copies, engines ordered only by the program's events.\n",
};

static bool exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int load_input(const nx_graph *g, uint32_t k, const char *dir, nx_tensor *t)
{
	const char *name = nx_vname(g, g->inputs[k]);
	char path[4096];
	for (int i = 0; i < 3; i++) {
		if (i < 2)
			snprintf(path, sizeof path, "%s/%s.%s", dir, name, i ? "pb" : "npy");
		else
			snprintf(path, sizeof path, "%s/input_%u.pb", dir, k);
		if (!exists(path))
			continue;
		nx_err err;
		if (nx_tensor_read(path, t, NULL, &err)) {
			fprintf(stderr, "nex exec: %s\n", err.msg);
			return -1;
		}
		return 0;
	}
	fprintf(stderr, "nex exec: no file for input %%%s in %s (tried %s.npy, %s.pb, "
		"input_%u.pb)\n", name, dir, name, name, k);
	return -1;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int nxc_exec(int argc, char **argv)
{
	struct ex_ctx c;
	memset(&c, 0, sizeof c);
	nxc_cg_init(&c.a);
	const char *path = NULL;
	int rc = NXC_USER;
	nx_graph *g = NULL;
	nxg_prog *p = NULL;
	nx_tensor *ins = NULL, *outs = NULL;
	nx_run_result ref = {0};
	nxg_exec_ctx *ex = NULL;   /* closed at out */
	double *times = NULL;      /* seconds per run, freed at out */
	nx_target t;
	int n = nxc_parse(&command, argc, argv, &c, &path);
	if (n < 0) {
		rc = n == NXC_PARSE_HELP ? NXC_OK : NXC_USER;
		goto out;
	}
	if (nxc_cg_is_program(path)) {
		if (c.a.pa.pipeline || c.a.pa.target || c.a.pa.n_sets || c.a.shapes.n) {
			fprintf(stderr, "nex exec: a .neasm program names its model, pipeline and "
				"target itself (its directives); drop the model options\n");
			goto out;
		}
		rc = nxc_cg_load_program("exec", path, &g, &t, &p);
	} else {
		rc = nxc_cg_graph("exec", path, &c.a, &g, &t);
		if (rc == NXC_OK)
			rc = nxc_cg_lower("exec", path, &c.a, g, &t, &p);
	}
	if (rc != NXC_OK)
		goto out;
	rc = NXC_USER;
	ins = nx_xcalloc(g->n_inputs + 1, sizeof *ins);
	uint64_t state = 0x9e3779b97f4a7c15ull ^ (uint64_t)c.seed; /* as `nex run` seeds */
	for (uint32_t k = 0; k < g->n_inputs; k++) {
		if (c.in_dir) {
			if (load_input(g, k, c.in_dir, &ins[k]))
				goto out;
		} else {
			ins[k] = nx_tensor_random(nx_vtype(g, g->inputs[k]), &state, 0, 1);
		}
	}
	nx_err err;
	nxg_exec_opts eo = {.no_check = c.no_check, .threads = (int)c.threads};
	nxg_exec_stats st;
	/* With --repeat the first run is a warm-up (the image's page faults,
	 * the weights' first touch) and the figure the median of the rest,
	 * as `nex run --repeat` measures the interpreter. */
	int runs = c.repeat > 0 ? (int)c.repeat + 1 : 1;
	times = nx_xcalloc((size_t)runs, sizeof *times);
	if (nxg_exec_open(p, g, &t, &eo, &ex, &err)) {
		fprintf(stderr, "nex exec: %s\n", err.msg);
		goto out;
	}
	/* the CPU tasks run core's kernels, which call OpenBLAS: refuse
	 * before its work buffers would hang the run (memneed.c) */
	if (nx_blas_fits(g, nx_run_threads(&(nx_run_opts){.threads = (int)c.threads}), 0, &err)) {
		fprintf(stderr, "nex exec: %s\n", err.msg);
		goto out;
	}
	for (int r = 0; r < runs; r++) {
		if (outs) {
			for (uint32_t k = 0; k < p->n_out; k++)
				nx_tensor_free(&outs[k]);
			free(outs);
			outs = NULL;
		}
		if (nxg_exec_run(ex, ins, g->n_inputs, &outs, &st, &err)) {
			fprintf(stderr, "nex exec: %s\n", err.msg);
			goto out;
		}
		times[r] = st.seconds;
	}
	double shown = st.seconds;
	if (c.repeat > 0) {
		qsort(times + 1, (size_t)c.repeat, sizeof *times, cmp_double);
		shown = times[1 + c.repeat / 2];
	}
	printf("executed %u tasks (ne %u, dma %u, cpu %u), %lld DMA bytes, %.3f ms\n",
	       p->n_tasks, st.tasks[NXG_NE], st.tasks[NXG_DMA], st.tasks[NXG_CPU],
	       (long long)st.dma_bytes, shown * 1e3);
	if (c.repeat > 0)
		printf("time: median %.3f ms of %lld runs after a warm-up (min %.3f, max %.3f)\n",
		       shown * 1e3, c.repeat, times[1] * 1e3, times[c.repeat] * 1e3);
	for (uint32_t k = 0; k < p->n_out; k++) {
		char ty[128];
		nx_type_str(&outs[k].type, ty, sizeof ty);
		double sum = 0;
		int64_t m = nx_tensor_numel(&outs[k]);
		for (int64_t i = 0; i < m; i++)
			sum += nx_tensor_get(&outs[k], i);
		printf("%%%s: %s  mean %.6g\n", nx_vname(g, g->outputs[k]), ty, m ? sum / (double)m : NAN);
	}
	if (c.out_dir)
		for (uint32_t k = 0; k < p->n_out; k++) {
			char f[4096];
			snprintf(f, sizeof f, "%s/output_%u.pb", c.out_dir, k);
			if (nx_tensor_write(f, &outs[k], nx_vname(g, g->outputs[k]), &err)) {
				fprintf(stderr, "nex exec: %s\n", err.msg);
				goto out;
			}
		}
	if (c.compare) {
		nx_run_opts ro = {.threads = (int)(c.ref_threads ? c.ref_threads : c.threads)};
		if (nx_run(g, ins, g->n_inputs, &ro, &ref, &err)) {
			fprintf(stderr, "nex exec: the interpreter: %s\n", err.msg);
			goto out;
		}
		uint32_t bad = 0;
		for (uint32_t k = 0; k < p->n_out; k++) {
			size_t nb = nx_tensor_nbytes(&outs[k]);
			bool same = nb == nx_tensor_nbytes(&ref.outputs[k]) &&
				    !memcmp(outs[k].data, ref.outputs[k].data, nb);
			if (!same) {
				nx_tensor_diff d;
				memset(&d, 0, sizeof d);
				nx_tensor_compare(&outs[k], &ref.outputs[k], 0, 0, &d, &err);
				printf("%%%s: differs from the interpreter: %lld elements, max abs %g\n",
				       nx_vname(g, g->outputs[k]), (long long)d.n_bad, d.max_abs);
				bad++;
			}
		}
		if (bad)
			goto out;
		printf("outputs equal the interpreter's bit for bit\n");
	}
	rc = NXC_OK;
out:
	for (uint32_t k = 0; outs && k < p->n_out; k++)
		nx_tensor_free(&outs[k]);
	free(outs);
	for (uint32_t k = 0; ins && k < g->n_inputs; k++)
		nx_tensor_free(&ins[k]);
	free(ins);
	nx_run_result_free(&ref);
	if (ex)
		nxg_exec_close(ex);
	free(times);
	nxg_prog_free(p);
	nx_graph_free(g);
	nxc_cg_free(&c.a);
	return rc;
}
