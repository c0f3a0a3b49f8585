/* suite_op.c — times one in-process operation of nex on one model, for the
 * benchmark suite (tests/bench/suite.sh): parse, print, clone, verify, the
 * default pipeline's passes, a new simulator snapshot, codegen lowering, an
 * ONNX import, a TUI frame or the TUI's first frame. Loading the model and
 * everything an operation needs beforehand is not timed; only the operation
 * is, inside suite_measured(), so `valgrind --tool=callgrind
 * --toggle-collect=suite_measured` counts the operation's instructions and
 * nothing else. It prints one line in the suite's format:
 *
 *   BENCH name=OP ops=N runs=R median_ms=M min_ms=A max_ms=B rss_kb=K
 *
 * (rss_kb: the process's peak resident set, getrusage). It fails only if the
 * operation errs, never on a slow figure.
 *
 * usage: suite_op OP MODEL [RUNS] [--shape NAME=D,D,...]
 *   MODEL a model file, or gen:KIND:OPS for a graph nx_gen makes in process
 *   (parse then parses its printed text);
 *   RUNS measured runs after one warm-up (default 5); 0 = one run without
 *   warm-up (what callgrind counts).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "nxg.h"
#include "nxp.h"
#include "nxt.h"

enum op { OP_PARSE, OP_PRINT, OP_CLONE, OP_VERIFY, OP_PIPELINE, OP_SIM, OP_CODEGEN, OP_IMPORT,
	  OP_FRAME, OP_FIRST_FRAME };
static const char *const op_names[] = {"parse",   "print",   "clone",  "verify", "pipeline",
				       "sim",     "codegen", "import", "frame",  "first-frame"};
#define N_OPS (sizeof op_names / sizeof op_names[0])

/* What one run needs and what it leaves behind (freed untimed by done()). */
typedef struct state {
	enum op op;
	const char *path;
	nx_onnx_opts oo;
	char *text; /* parse: the model's text */
	size_t len;
	nx_graph *g;       /* the loaded model (after the pipeline for codegen) */
	nx_target target;  /* the m1 preset */
	nx_graph *work;    /* pipeline, first-frame: a fresh clone per run */
	nx_graph *out_g;   /* parse, clone, import, pipeline: the result */
	char *out_text;    /* print */
	nxs_sim *sim;      /* sim */
	nxg_prog *prog;    /* codegen */
	nxt_app *app;      /* frame: opened once; first-frame: one per run */
	nx_err err;
} state;

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static int run_pipeline(nx_graph *g, const nx_target *t, nx_err *err)
{
	nxp_pipeline pl = {0};
	if (nxp_pipeline_parse(&pl, "default", err))
		return -1;
	int rc = 0;
	for (uint32_t i = 0; i < pl.n && !rc; i++) {
		nxp_ctx ctx;
		nxp_ctx_init(&ctx, pl.inv[i].pass, -1);
		ctx.target = t;
		if (pl.inv[i].options && nxp_ctx_set_options(&ctx, pl.inv[i].options))
			rc = -1;
		if (!rc && nxp_run(pl.inv[i].pass, g, &ctx)) {
			*err = ctx.err;
			rc = -1;
		}
		nxp_ctx_free(&ctx);
	}
	nxp_pipeline_free(&pl);
	return rc;
}

static nxt_app *open_app(nx_graph *g, const nx_target *t, nx_err *err)
{
	nxt_open_opts o = {.model_name = "suite", .target = t, .script = "(suite)"};
	nxt_app *a = nxt_app_new(g, &o, err);
	if (a)
		nxt_command(a, "resize 200x50");
	return a;
}

/* The timed part. noinline and external, so callgrind can toggle on it. */
__attribute__((noinline)) int suite_measured(state *s);
__attribute__((noinline)) int suite_measured(state *s)
{
	switch (s->op) {
	case OP_PARSE:
		s->out_g = nx_parse(s->text, s->len, s->path, NULL, &s->err);
		return s->out_g ? 0 : -1;
	case OP_PRINT:
		s->out_text = nx_print_str(s->g, &nx_print_defaults, &s->len);
		return s->out_text ? 0 : -1;
	case OP_CLONE:
		s->out_g = nx_graph_clone(s->g);
		return 0;
	case OP_VERIFY:
		return nx_verify(s->g, &s->err);
	case OP_PIPELINE:
		return run_pipeline(s->work, &s->target, &s->err);
	case OP_SIM:
		s->sim = nxs_sim_new(s->g, &s->err);
		return s->sim && !nxs_sim_run(s->sim, &s->target, &s->err) ? 0 : -1;
	case OP_CODEGEN:
		return nxg_lower(s->g, &s->target, NULL, &s->prog, &s->err);
	case OP_IMPORT:
		s->out_g = nx_load_with(s->path, &s->oo, &s->err);
		return s->out_g ? 0 : -1;
	case OP_FRAME:
		nxt_draw(s->app);
		return 0;
	case OP_FIRST_FRAME:
		s->app = open_app(s->work, &s->target, &s->err);
		s->work = NULL; /* the app owns it now, even on failure */
		if (!s->app)
			return -1;
		nxt_draw(s->app);
		return 0;
	}
	return -1;
}

/* Untimed set-up before each run. */
static void before(state *s)
{
	if (s->op == OP_PIPELINE || s->op == OP_FIRST_FRAME)
		s->work = nx_graph_clone(s->g);
}

/* Untimed clean-up after each run. */
static void done(state *s)
{
	nx_graph_free(s->out_g);
	s->out_g = NULL;
	free(s->out_text);
	s->out_text = NULL;
	nxs_sim_free(s->sim);
	s->sim = NULL;
	nxg_prog_free(s->prog);
	s->prog = NULL;
	nx_graph_free(s->work);
	s->work = NULL;
	if (s->op == OP_FIRST_FRAME && s->app) {
		nxt_app_free(s->app);
		s->app = NULL;
	}
}

/* name: NAME's storage (256 bytes), which must outlive b. */
static int parse_shape(const char *arg, nx_shape_bind *b, char *name)
{
	const char *eq = strchr(arg, '=');
	if (!eq || eq == arg)
		return -1;
	size_t n = (size_t)(eq - arg);
	if (n >= 256)
		return -1;
	memcpy(name, arg, n);
	name[n] = 0;
	b->name = name;
	b->rank = 0;
	for (const char *p = eq + 1; *p;) {
		char *end;
		long long d = strtoll(p, &end, 10);
		if (end == p || d < 1 || b->rank == NX_MAX_RANK)
			return -1;
		b->dims[b->rank++] = d;
		p = *end == ',' ? end + 1 : end;
		if (*end && *end != ',')
			return -1;
	}
	return b->rank ? 0 : -1;
}

/* MODEL gen:KIND:OPS (KIND chain, resnet or transformer): nx_gen in
 * process, seed 1, as `nex gen` makes it but with its constants left as
 * fill() placeholders, which a 1M-op graph needs: saved to a file they are
 * generated, tens of GB. Sets s->g; 0 or -1 with the reason printed. */
static int gen_model(state *s)
{
	char kind[32];
	unsigned long ops;
	if (sscanf(s->path, "gen:%31[a-z]:%lu", kind, &ops) != 2 || ops < 1 || ops > 10000000) {
		fprintf(stderr, "suite_op: %s: want gen:KIND:OPS (chain, resnet, transformer)\n",
			s->path);
		return -1;
	}
	nx_gen_opts go = {.ops = (uint32_t)ops, .seed = 1};
	if (!strcmp(kind, "chain"))
		go.kind = NX_GEN_CHAIN;
	else if (!strcmp(kind, "resnet"))
		go.kind = NX_GEN_RESNET;
	else if (!strcmp(kind, "transformer"))
		go.kind = NX_GEN_TRANSFORMER;
	else {
		fprintf(stderr, "suite_op: %s: no generator %s\n", s->path, kind);
		return -1;
	}
	s->g = nx_gen(&go, &s->err);
	if (!s->g) {
		fprintf(stderr, "suite_op: %s\n", s->err.msg);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	nx_process_init(); /* as nex's main does */
	const char *usage = "usage: suite_op OP MODEL|gen:KIND:OPS [RUNS] [--shape NAME=D,D,...]\n"
			    "  OP: parse print clone verify pipeline sim codegen import frame "
			    "first-frame\n";
	state s = {0};
	nx_shape_bind bind;
	char bind_name[256];
	const char *pos[3] = {0};
	int n_pos = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--shape") && i + 1 < argc) {
			if (parse_shape(argv[++i], &bind, bind_name)) {
				fprintf(stderr, "suite_op: bad --shape %s (NAME=D,D,...)\n", argv[i]);
				return 2;
			}
			s.oo.binds = &bind;
			s.oo.n_binds = 1;
		} else if (n_pos < 3) {
			pos[n_pos++] = argv[i];
		} else {
			fputs(usage, stderr);
			return 2;
		}
	}
	int runs = pos[2] ? atoi(pos[2]) : 5;
	size_t k = 0;
	while (pos[0] && k < N_OPS && strcmp(pos[0], op_names[k]))
		k++;
	if (n_pos < 2 || k == N_OPS || runs < 0 || runs > 1000) {
		fputs(usage, stderr);
		return 2;
	}
	s.op = (enum op)k;
	s.path = pos[1];
	if (nx_target_preset("m1", &s.target, &s.err)) {
		fprintf(stderr, "suite_op: %s\n", s.err.msg);
		return 1;
	}
	/* Every operation but import starts from the loaded model; parse
	 * also wants its text, which must be .nex (or generated). */
	bool generated = !strncmp(s.path, "gen:", 4);
	if (generated) {
		if (s.op == OP_IMPORT) {
			fprintf(stderr, "suite_op: import needs a model file, not %s\n", s.path);
			return 1;
		}
		if (gen_model(&s))
			return 1;
	} else {
		s.g = nx_load_with(s.path, &s.oo, &s.err);
	}
	if (!s.g) {
		fprintf(stderr, "suite_op: %s\n", s.err.msg);
		return 1;
	}
	if (s.op == OP_PARSE && generated) {
		s.text = nx_print_str(s.g, &nx_print_defaults, &s.len);
		if (!s.text) {
			fprintf(stderr, "suite_op: printing the generated graph failed\n");
			return 1;
		}
	} else if (s.op == OP_PARSE) {
		size_t n = strlen(s.path);
		if (n < 4 || strcmp(s.path + n - 4, ".nex")) {
			fprintf(stderr, "suite_op: parse needs a .nex file, not %s\n", s.path);
			return 1;
		}
		s.text = nx_read_file(s.path, &s.len, &s.err);
		if (!s.text) {
			fprintf(stderr, "suite_op: %s\n", s.err.msg);
			return 1;
		}
	}
	uint32_t n_ops = s.g->n_live_ops; /* the model's, before any pipeline */
	if (s.op == OP_CODEGEN && run_pipeline(s.g, &s.target, &s.err)) {
		fprintf(stderr, "suite_op: default pipeline: %s\n", s.err.msg);
		return 1;
	}
	if (s.op == OP_FRAME) {
		/* the first frame builds the view's caches; frames after it are
		 * what scrolling and redrawing cost */
		s.app = open_app(s.g, &s.target, &s.err);
		s.g = NULL; /* the app owns it */
		if (!s.app) {
			fprintf(stderr, "suite_op: %s\n", s.err.msg);
			return 1;
		}
		nxt_draw(s.app);
	}

	int total = runs ? runs + 1 : 1; /* run 0 is the warm-up */
	double *t = calloc((size_t)total, sizeof *t); /* freed below */
	if (!t)
		return 1;
	for (int r = 0; r < total; r++) {
		before(&s);
		double t0 = nx_now();
		int rc = suite_measured(&s);
		t[r] = (nx_now() - t0) * 1e3;
		if (rc) {
			fprintf(stderr, "suite_op: %s on %s: %s\n", op_names[k], s.path, s.err.msg);
			return 1;
		}
		done(&s);
	}
	double *m = runs ? t + 1 : t;
	int n = runs ? runs : 1;
	qsort(m, (size_t)n, sizeof *m, cmp_double);
	double med = n % 2 ? m[n / 2] : (m[n / 2 - 1] + m[n / 2]) / 2;
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("BENCH name=%s ops=%u runs=%d median_ms=%.4f min_ms=%.4f max_ms=%.4f rss_kb=%ld\n",
	       op_names[k], n_ops, n, med, m[0], m[n - 1], ru.ru_maxrss);
	free(t);
	if (s.app)
		nxt_app_free(s.app);
	nx_graph_free(s.g);
	free(s.text);
	return 0;
}
