/* cmd_run.c — `nex run MODEL`: execute a model with the reference
 * interpreter on inputs from a directory (the ONNX test layout input_0.pb,
 * ..., or NAME.npy / NAME.pb) or random ones from a seed, optionally after a
 * pass pipeline (pipeline_run.c, shared with `nex opt`). Prints each output's
 * type and a few statistics and the run time; writes outputs (and the inputs
 * it used) for `nex compare` and for other runtimes to read.
 *
 * --repeat N times N runs after a warm-up and prints their median: the time
 * is measured around nx_run alone, so model loading and file I/O are out,
 * and the worker threads are made once for all the runs (as onnxruntime's
 * session keeps its thread pool), so thread start-up is out too.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

typedef struct run_opts {
	nxc_shapes shapes;
	nxc_pipeline_args pa;
	const char *in_dir, *out_dir, *save_dir, *range;
	long long seed, threads, repeat;  /* -1: not given */
	bool npy, profile;
} run_opts;

static const nxc_option options[] = {
	{"--inputs", NULL, "DIR", NXC_STR, offsetof(run_opts, in_dir), 0, NULL,
	 "graph input K from DIR/NAME.npy, DIR/NAME.pb or\nDIR/input_K.pb (the ONNX test layout)"},
	{"--seed", NULL, "N", NXC_NUM, offsetof(run_opts, seed), INT64_MAX, NULL,
	 "random inputs instead (the default, seed 0): floats\nuniform in [LO, HI) (--range), "
	 "integers and bools 0"},
	{"--range", NULL, "LO,HI", NXC_STR, offsetof(run_opts, range), 0, NULL,
	 "the random floats' range (default 0,1)"},
	{"--outputs", NULL, "DIR", NXC_STR, offsetof(run_opts, out_dir), 0, NULL,
	 "write output_K.pb (and output_K.npy with --npy)"},
	{"--npy", NULL, NULL, NXC_FLAG, offsetof(run_opts, npy), 0, NULL,
	 "also write .npy files"},
	{"--save-inputs", NULL, "DIR", NXC_STR, offsetof(run_opts, save_dir), 0, NULL,
	 "write the inputs used as input_K.pb (.npy with --npy)"},
	{"--threads", NULL, "N", NXC_NUM, offsetof(run_opts, threads), 256, NULL,
	 "interpreter threads, 1..256 (default: one per core)"},
	{"--repeat", NULL, "N", NXC_NUM, offsetof(run_opts, repeat), 100000, NULL,
	 "time N runs after a warm-up; print the median"},
	{"--profile", NULL, NULL, NXC_FLAG, offsetof(run_opts, profile), 0, NULL,
	 "the BLAS core and SIMD level, time per op kind, slowest ops (last run)"},
	NXC_OPT_SHAPE(run_opts, shapes),
	NXC_OPT_PIPELINE(run_opts, pa),
	{0},
};

static const nxc_command command = {
	.name = "run",
	.args = "MODEL",
	.min_args = 1,
	.max_args = 1,
	.opts = options,
	.about =
		"Runs MODEL (.onnx, .nex, .json or `demo`) with nex's reference interpreter,\n"
		"after the pass pipeline P when --pipeline (or another pipeline option) is\n"
		"given (the pipeline options are those of `nex opt`).\n",
	.notes =
		"Prints per output: name, type, min/max/mean (and NaN/inf counts), then the\n"
		"time of nx_run.\n",
};

static bool exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int nxc_load_input(const char *cmd, const nx_graph *g, uint32_t k, const char *dir, nx_tensor *t)
{
	const char *name = nx_vname(g, g->inputs[k]);
	char path[4096];
	const char *path_found = NULL;
	for (int i = 0; i < 4 && !path_found; i++) {
		if (i < 2)
			snprintf(path, sizeof path, "%s/%s.%s", dir, name, i ? "pb" : "npy");
		else
			snprintf(path, sizeof path, "%s/input_%u.%s", dir, k, i == 3 ? "npy" : "pb");
		if (exists(path))
			path_found = path;
	}
	if (!path_found) {
		fprintf(stderr, "nex %s: no file for input %%%s in %s (tried %s.npy, %s.pb, "
			"input_%u.pb, input_%u.npy)\n", cmd, name, dir, name, name, k, k);
		return -1;
	}
	nx_err err;
	if (nx_tensor_read(path, t, NULL, &err)) {
		fprintf(stderr, "nex %s: %s\n", cmd, err.msg);
		return -1;
	}
	const nx_type *want = nx_vtype(g, g->inputs[k]);
	nx_type have = t->type;
	have.layout = want->layout;
	if (!nx_type_eq(want, &have)) {
		char a[128], b[128];
		nx_type_str(want, a, sizeof a);
		nx_type_str(&t->type, b, sizeof b);
		fprintf(stderr, "nex %s: %s holds %s, input %%%s is %s\n", cmd, path, b, name, a);
		nx_tensor_free(t);
		return -1;
	}
	return 0;
}

static int make_dir(const char *dir)
{
	if (mkdir(dir, 0777) == 0 || errno == EEXIST)
		return 0;
	fprintf(stderr, "nex run: cannot create %s: %s\n", dir, strerror(errno));
	return -1;
}

/* Writes t as dir/<stem>_K.pb (and .npy). */
static int write_tensor(const char *dir, const char *stem, uint32_t k, const nx_tensor *t,
			const char *name, bool npy)
{
	char path[4096];
	nx_err err;
	snprintf(path, sizeof path, "%s/%s_%u.pb", dir, stem, k);
	if (nx_tensor_write(path, t, name, &err)) {
		fprintf(stderr, "nex run: %s\n", err.msg);
		return -1;
	}
	snprintf(path, sizeof path, "%s/%s_%u.npy", dir, stem, k);
	if (npy && nx_tensor_write(path, t, name, &err)) {
		fprintf(stderr, "nex run: %s\n", err.msg);
		return -1;
	}
	return 0;
}

static void print_stats(const char *name, const nx_tensor *t)
{
	char ty[128];
	nx_type_str(&t->type, ty, sizeof ty);
	int64_t n = nx_tensor_numel(t), nan = 0, inf = 0, fin = 0;
	double mn = INFINITY, mx = -INFINITY, sum = 0;
	for (int64_t i = 0; i < n; i++) {
		double v = nx_tensor_get(t, i);
		if (isnan(v)) {
			nan++;
			continue;
		}
		if (isinf(v))
			inf++;
		mn = v < mn ? v : mn;
		mx = v > mx ? v : mx;
		if (isfinite(v)) {
			sum += v;
			fin++;
		}
	}
	printf("%%%s: %s  min %.6g  max %.6g  mean %.6g", name, ty, mn, mx,
	       fin ? sum / (double)fin : NAN);
	if (nan || inf)
		printf("  (%lld NaN, %lld inf)", (long long)nan, (long long)inf);
	printf("\n");
}

typedef struct prof_row {
	const char *what;
	double sec;
	uint32_t n;
} prof_row;

static int cmp_row(const void *a, const void *b)
{
	double x = ((const prof_row *)a)->sec, y = ((const prof_row *)b)->sec;
	return x > y ? -1 : x < y;
}

/* Seconds per op kind, then the ten slowest ops, on stdout. The ops plan
 * ran inside their producer (run_fuse.c) are counted under their kind
 * with 0 ms, and a line says how many: their time is their producer's. */
static void print_profile(const nx_graph *g, const nx_run_plan *plan, const double *sec)
{
	prof_row kinds[NX_OP_COUNT];
	double total = 0;
	for (int k = 0; k < NX_OP_COUNT; k++)
		kinds[k] = (prof_row){nx_ops[k].name, 0, 0};
	uint32_t n_ops = 0;
	NX_FOR_OPS(g, o) {
		kinds[nx_opp(g, o)->kind].sec += sec[o];
		kinds[nx_opp(g, o)->kind].n++;
		total += sec[o];
		n_ops++;
	}
	qsort(kinds, NX_OP_COUNT, sizeof *kinds, cmp_row);
	/* the kernels' speed depends on these run-time choices: say them */
	nx_cpu_info ci;
	nx_cpu_info_get(&ci);
	char line[256];
	nx_cpu_info_line(&ci, line, sizeof line);
	printf("%s\n", line);
	printf("profile: %u ops, %.2f ms in kernels\n", n_ops, total * 1e3);
	printf("  %-18s %6s %10s %6s\n", "kind", "ops", "ms", "%");
	for (int k = 0; k < NX_OP_COUNT && kinds[k].n; k++)
		printf("  %-18s %6u %10.3f %5.1f%%\n", kinds[k].what, kinds[k].n, kinds[k].sec * 1e3,
		       total > 0 ? 100 * kinds[k].sec / total : 0);
	uint32_t fused[NX_OP_COUNT] = {0}, n_fused = 0;
	NX_FOR_OPS(g, o)
		if (nx_run_plan_fused_into(plan, o) != NX_NONE) {
			fused[nx_opp(g, o)->kind]++;
			n_fused++;
		}
	if (n_fused) {
		printf("  fused: %u ops ran in their producer's sweep (0 ms above, their time is "
		       "the producer's):", n_fused);
		for (int k = 0; k < NX_OP_COUNT; k++)
			if (fused[k])
				printf(" %u %s", fused[k], nx_ops[k].name);
		printf("\n");
	}
	prof_row *ops = nx_xcalloc(n_ops ? n_ops : 1, sizeof *ops); /* freed below */
	uint32_t i = 0;
	NX_FOR_OPS(g, o) {
		ops[i].what = nx_vname(g, nx_result(g, o, 0));
		ops[i].n = o;
		ops[i++].sec = sec[o];
	}
	qsort(ops, n_ops, sizeof *ops, cmp_row);
	printf("  slowest ops:\n");
	for (i = 0; i < n_ops && i < 10; i++) {
		char ty[128];
		nx_type_str(nx_vtype(g, nx_result(g, ops[i].n, 0)), ty, sizeof ty);
		printf("  %10.3f ms  %%%s = %s : %s\n", ops[i].sec * 1e3, ops[i].what,
		       nx_op_name(g, ops[i].n), ty);
	}
	free(ops);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int nxc_run(int argc, char **argv)
{
	run_opts o;
	memset(&o, 0, sizeof o);
	o.seed = o.threads = o.repeat = -1;
	o.pa = (nxc_pipeline_args){.cmd = "run", .pipeline = NULL, .until = -1, .pin = -1};
	nxc_pipeline_args pa;
	const char *path = NULL;
	double lo = 0, hi = 1;
	int rc = NXC_USER;
	nx_graph *g = NULL;
	nx_tensor *ins = NULL;
	nx_run_result res = {0};
	double *times = NULL, *op_sec = NULL;
	nx_pool *pool = NULL; /* freed at out */
	nx_run_plan *plan = NULL; /* freed at out */
	int n = nxc_parse(&command, argc, argv, &o, &path);
	if (n < 0) {
		rc = n == NXC_PARSE_HELP ? NXC_OK : NXC_USER;
		nxc_shapes_free(&o.shapes);
		return rc;
	}
	nxc_shapes shapes = o.shapes; /* freed at out */
	pa = o.pa;
	pa.shapes = &shapes;
	const char *in_dir = o.in_dir, *out_dir = o.out_dir, *save_dir = o.save_dir;
	bool npy = o.npy, profile = o.profile, seeded = o.seed >= 0;
	long long seed = seeded ? o.seed : 0, threads = o.threads < 0 ? 0 : o.threads;
	long long repeat = o.repeat < 0 ? 0 : o.repeat;
	if (o.threads == 0) {
		fprintf(stderr, "nex run: --threads wants 1..256\n");
		goto out;
	}
	if (o.repeat == 0) {
		fprintf(stderr, "nex run: --repeat wants a positive count\n");
		goto out;
	}
	if (o.range) {
		char *end;
		lo = strtod(o.range, &end);
		if (*end == ',')
			hi = strtod(end + 1, &end);
		if (*end || !(lo < hi)) {
			fprintf(stderr, "nex run: --range wants LO,HI with LO < HI\n");
			goto out;
		}
	}
	if (in_dir && seeded) {
		fprintf(stderr, "nex run: --inputs and --seed exclude each other\n");
		goto out;
	}
	nx_onnx_opts oo = nxc_onnx_opts(&shapes);
	g = nxc_load_opts(path, &oo);
	if (!g)
		goto out;
	if (pa.pipeline || pa.stats || pa.report || pa.print_after || pa.print_after_change ||
	    pa.numeric || pa.until >= 0 || pa.into || pa.target || pa.n_sets) {
		if (!pa.pipeline)
			pa.pipeline = "default";
		nx_graph *after = NULL;
		pa.model = path;
		rc = nxc_run_pipeline(g, &pa, &after); /* takes g */
		g = after;
		if (rc != NXC_OK)
			goto out;
		rc = NXC_USER;
	}

	ins = nx_xcalloc(g->n_inputs ? g->n_inputs : 1, sizeof *ins); /* freed at out */
	uint64_t state = 0x9e3779b97f4a7c15ull ^ (uint64_t)seed;
	for (uint32_t k = 0; k < g->n_inputs; k++) {
		const nx_type *t = nx_vtype(g, g->inputs[k]);
		if (in_dir) {
			if (nxc_load_input("run", g, k, in_dir, &ins[k]))
				goto out;
		} else {
			ins[k] = nx_tensor_random(t, &state, lo, hi);
		}
	}
	if (save_dir) {
		if (make_dir(save_dir))
			goto out;
		for (uint32_t k = 0; k < g->n_inputs; k++)
			if (write_tensor(save_dir, "input", k, &ins[k], nx_vname(g, g->inputs[k]), npy))
				goto out;
	}

	nx_run_opts ro = {.threads = (int)threads};
	if (profile)
		ro.op_seconds = op_sec = nx_xcalloc(g->n_ops ? g->n_ops : 1, sizeof *op_sec);
	nx_err err;
	/* what every run of g shares, the memory check among it, worked out
	 * once rather than in each timed run; before the pool, whose worker
	 * stacks the check counts as still to come */
	ro.plan = plan = nx_run_plan_new(g, ro.keep, ro.threads, &err);
	if (!plan) {
		fprintf(stderr, "nex run: %s\n", err.msg);
		goto out;
	}
	/* One pool for all the runs, as a runtime keeps its threads between
	 * calls: the timed runs measure the model, not thread start-up. */
	if (nx_run_threads(&ro) > 1)
		ro.pool = pool = nx_pool_new(nx_run_threads(&ro));
	int runs = repeat > 0 ? (int)repeat + 1 : 1; /* + a warm-up */
	times = nx_xcalloc((size_t)runs, sizeof *times);
	for (int r = 0; r < runs; r++) {
		nx_run_result_free(&res);
		double t0 = nx_now();
		if (nx_run(g, ins, g->n_inputs, &ro, &res, &err)) {
			fprintf(stderr, "nex run: %s\n", err.msg);
			goto out;
		}
		times[r] = nx_now() - t0;
	}
	for (uint32_t k = 0; k < res.n_outputs; k++)
		print_stats(nx_vname(g, g->outputs[k]), &res.outputs[k]);
	if (profile)
		print_profile(g, plan, op_sec);
	if (repeat > 0) {
		qsort(times + 1, (size_t)repeat, sizeof *times, cmp_double);
		printf("time: median %.2f ms of %lld runs after a warm-up (min %.2f, max %.2f)\n",
		       times[1 + repeat / 2] * 1e3, repeat, times[1] * 1e3, times[repeat] * 1e3);
	} else {
		printf("time: %.2f ms\n", times[0] * 1e3);
	}
	if (out_dir) {
		if (make_dir(out_dir))
			goto out;
		for (uint32_t k = 0; k < res.n_outputs; k++)
			if (write_tensor(out_dir, "output", k, &res.outputs[k],
					 nx_vname(g, g->outputs[k]), npy))
				goto out;
	}
	rc = NXC_OK;
out:
	nx_run_plan_free(plan);
	nx_pool_free(pool);
	free(op_sec);
	free(times);
	nx_run_result_free(&res);
	for (uint32_t k = 0; g && ins && k < g->n_inputs; k++)
		nx_tensor_free(&ins[k]);
	free(ins);
	nx_graph_free(g);
	nxc_shapes_free(&shapes);
	return rc;
}
