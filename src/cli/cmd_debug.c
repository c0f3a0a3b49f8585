/* cmd_debug.c — `nex debug MODEL --pipeline P`: every op of one step
 * against the step-0 values it stands for (src/session/numdebug.c), as a
 * table with the root cause, the first NaN/inf op and the worst op named. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "nxw.h"

typedef struct debug_opts {
	nxc_shapes shapes;
	nxc_pipeline_args pa;  /* pipeline, until, into, target, sets */
	const char *inputs, *json, *csv, *sort;
	long long step, against, top, seed;  /* step, seed: -1 = not given */
	bool no_shadow;
	nxw_num_limits lim;
} debug_opts;

/* --cos-fail X ...: a number into one of the limits. */
static int real(double *x, const char *cmd, const char *opt, const char *val)
{
	char *end;
	*x = strtod(val, &end);
	if (end == val || *end) {
		fprintf(stderr, "nex %s: %s wants a number: '%s'\n", cmd, opt, val);
		return -1;
	}
	return 0;
}
#define LIMIT(field, opt) \
	static int arg_##field(void *f, const char *cmd, const char *val) \
	{ \
		return real(f, cmd, opt, val); \
	}
LIMIT(cos_fail, "--cos-fail")
LIMIT(abs_with_cos, "--abs-with-cos")
LIMIT(cos_hard, "--cos-hard")
LIMIT(abs_hard, "--abs-hard")
#undef LIMIT

static const nxc_option options[] = {
	{"--pipeline", NULL, "P", NXC_STR, offsetof(debug_opts, pa.pipeline), 0, NULL,
	 "the passes (default `default`)"},
	{"--step", NULL, "K", NXC_NUM, offsetof(debug_opts, step), INT32_MAX, NULL,
	 "the step to debug (after the pipeline; default: last)"},
	{"--into", NULL, NULL, NXC_FLAG, offsetof(debug_opts, pa.into), 0, NULL,
	 "steps are single rewrites (with --until K: step K)"},
	{"--until", NULL, "K", NXC_CALL, offsetof(debug_opts, pa.until), 0, nxc_arg_until,
	 "stop the pipeline at step K"},
	{"--against", NULL, "J", NXC_NUM, offsetof(debug_opts, against), INT32_MAX, NULL,
	 "the reference step (default 0, the model)"},
	{"--inputs", NULL, "DIR", NXC_STR, offsetof(debug_opts, inputs), 0, NULL,
	 "real inputs (NAME.npy/.pb or input_K.pb), else seeded"},
	{"--seed", NULL, "N", NXC_NUM, offsetof(debug_opts, seed), INT64_MAX, NULL,
	 "the seed of the random inputs"},
	{"--sort", NULL, "order|worst", NXC_STR, offsetof(debug_opts, sort), 0, NULL,
	 "worst: lowest cosine first (default: schedule order)"},
	{"--top", NULL, "N", NXC_NUM, offsetof(debug_opts, top), INT64_MAX, NULL,
	 "rows shown (default: all)"},
	{"--json", NULL, "F", NXC_STR, offsetof(debug_opts, json), 0, NULL,
	 "every row and the conclusions as JSON"},
	{"--csv", NULL, "F", NXC_STR, offsetof(debug_opts, csv), 0, NULL,
	 "every row as CSV"},
	{"--no-shadow", NULL, NULL, NXC_FLAG, offsetof(debug_opts, no_shadow), 0, NULL,
	 "skip shadow mode (each op fed step J's values for its\n"
	 "operands, which shows the error the op adds alone)"},
	{"--cos-fail", NULL, "X", NXC_CALL, offsetof(debug_opts, lim.cos_fail), 0, arg_cos_fail,
	 "fail when cosine < X and max abs > --abs-with-cos (0.99)"},
	{"--abs-with-cos", NULL, "Y", NXC_CALL, offsetof(debug_opts, lim.abs_with_cos), 0,
	 arg_abs_with_cos, "(1e-3)"},
	{"--cos-hard", NULL, "Z", NXC_CALL, offsetof(debug_opts, lim.cos_hard), 0, arg_cos_hard,
	 "fail when cosine < Z (0.9)"},
	{"--abs-hard", NULL, "W", NXC_CALL, offsetof(debug_opts, lim.abs_hard), 0, arg_abs_hard,
	 "fail when max abs > W (1; the defaults are Ascend's)"},
	NXC_OPT_TARGET(debug_opts, pa),
	NXC_OPT_SHAPE(debug_opts, shapes),
	{0},
};

static const nxc_command command = {
	.name = "debug",
	.args = "MODEL",
	.min_args = 1,
	.max_args = 1,
	.opts = options,
	.about =
		"Runs step J (default 0, the model) and step K (default: the last) on the same\n"
		"inputs, keeping every value, and compares each op's result in step K with the\n"
		"step-J value it stands for (same name, else origin, else the value a cast or\n"
		"reshape was inserted around; others are listed as unmatched).\n",
	.notes =
		"The root cause is the first op whose operands pass and whose result fails.\n"
		"Exit 0 whether or not an op fails; 1 on bad input.\n",
};

static const char *vname(const nx_graph *g, uint32_t v)
{
	return v == NX_NONE ? "-" : nx_vname(g, v);
}

/* x with `digits` significant digits (fixed with 6 decimals if fixed), "-"
 * for NaN (not measured), "inf" as such. */
static void fmt_num(char *b, size_t n, double x, int digits, bool fixed)
{
	if (isnan(x))
		snprintf(b, n, "-");
	else if (isinf(x))
		snprintf(b, n, "%sinf", x < 0 ? "-" : "");
	else if (fixed)
		snprintf(b, n, "%.7f", x);
	else
		snprintf(b, n, "%.*g", digits, x);
}

static int by_cosine(const void *a, const void *b, void *ctx)
{
	const nxw_opnum *o = ctx;
	double x = o[*(const uint32_t *)a].cosine, y = o[*(const uint32_t *)b].cosine;
	if (isnan(x))
		x = 2;
	if (isnan(y))
		y = 2;
	return (x > y) - (x < y);
}

static void print_table(nxw_session *s, const nxw_numdebug *d, const debug_opts *a)
{
	const nx_graph *gk = s->steps[d->step].snap, *g0 = s->steps[d->against].snap;
	bool colour = isatty(1) && !getenv("NO_COLOR");
	uint32_t *order = nx_xmalloc((d->n + 1) * sizeof *order);
	for (uint32_t i = 0; i < d->n; i++)
		order[i] = i;
	if (a->sort && !strcmp(a->sort, "worst"))
		for (uint32_t i = 1; i < d->n; i++) /* insertion sort: stable, n is small */
			for (uint32_t j = i; j > 0 && by_cosine(&order[j], &order[j - 1], d->ops) < 0; j--) {
				uint32_t t = order[j];
				order[j] = order[j - 1];
				order[j - 1] = t;
			}
	printf("step %u (%s) against step %u (%s)\n", d->step, s->steps[d->step].pass, d->against,
	       s->steps[d->against].pass);
	printf("%-24s %-14s %-7s %-24s %10s %10s %10s %8s %6s %7s %10s %6s\n", "result", "kind",
	       "match", "step-0 value", "cosine", "max abs", "max rel", "SNR dB", "f16ovf",
	       "nan/inf", "shadow cos", "wSQNR");
	uint32_t shown = 0;
	for (uint32_t r = 0; r < d->n; r++) {
		const nxw_opnum *m = &d->ops[order[r]];
		if (a->top > 0 && shown >= (uint32_t)a->top)
			break;
		shown++;
		char cos[16], abs_[16], rel[16], snr[16], sh[16], sq[16];
		fmt_num(cos, sizeof cos, m->cosine, 0, true);
		fmt_num(abs_, sizeof abs_, m->max_abs, 3, false);
		fmt_num(rel, sizeof rel, m->max_rel, 3, false);
		fmt_num(snr, sizeof snr, m->snr_db, 4, false);
		fmt_num(sh, sizeof sh, m->shadow_cosine, 0, true);
		fmt_num(sq, sizeof sq, m->sqnr_db, 3, false);
		const char *on = "", *off = "";
		if (colour && m->match != NXW_MATCH_NONE) {
			on = m->fails ? "\033[31m" : "\033[32m";
			off = "\033[0m";
		}
		char res[64];
		snprintf(res, sizeof res, "%%%s", nx_vname(gk, m->value));
		printf("%s%-24.24s %-14.14s %-7s %-24.24s %10s %10s %10s %8s %6lld %7lld %10s %6s%s%s\n",
		       on, res, nx_op_name(gk, m->op), nxw_match_name(m->match),
		       vname(g0, m->ref_value), cos, abs_, rel, snr, (long long)m->overflow_f16,
		       (long long)(m->nan + m->inf), sh, sq, m->fails ? "  FAIL" : "", off);
	}
	free(order);
	const char *what[] = {"root cause (first op whose operands pass and result fails)",
			      "first NaN/inf op", "worst op (lowest cosine)", "lowest SNR",
			      "adds most error alone (lowest shadow cosine)"};
	uint32_t idx[] = {d->root, d->first_nan, d->worst, d->lowest_snr, d->worst_shadow};
	for (int i = 0; i < 5; i++) {
		if (idx[i] == UINT32_MAX) {
			printf("%s: none\n", what[i]);
			continue;
		}
		const nxw_opnum *m = &d->ops[idx[i]];
		bool sh = i == 4; /* the shadow conclusion quotes shadow figures */
		printf("%s: %%%s (%s, op #%u), against step-%u %%%s; %scosine %.7f, max abs %.3g, "
		       "SNR %.1f dB%s\n", what[i], nx_vname(gk, m->value), nx_op_name(gk, m->op),
		       m->op, d->against, vname(g0, m->ref_value), sh ? "shadow " : "",
		       sh ? m->shadow_cosine : m->cosine, sh ? m->shadow_max_abs : m->max_abs,
		       sh ? m->shadow_snr_db : m->snr_db,
		       m->nan + m->inf ? " (NaN/inf in its result)" : "");
	}
	printf("%u of %u values unmatched (no step-%u counterpart: listed, not compared)\n",
	       d->unmatched, d->n, d->against);
}

static int write_csv(const char *path, nxw_session *s, const nxw_numdebug *d)
{
	const nx_graph *gk = s->steps[d->step].snap, *g0 = s->steps[d->against].snap;
	nx_strbuf b = {0};
	nx_strbuf_printf(&b, "op,result,kind,match,ref_value,cosine,max_abs,max_rel,mean_abs,rmse,"
			 "snr_db,within_0.1pct,within_0.5pct,overflow_f16,flushed_f16,nan,inf,"
			 "sqnr_db,shadow_cosine,shadow_max_abs,fails\n");
	for (uint32_t i = 0; i < d->n; i++) {
		const nxw_opnum *m = &d->ops[i];
		nx_strbuf_printf(&b, "%u,%s,%s,%s,%s,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%.6f,%.6f,%lld,%lld,"
				 "%lld,%lld,%.9g,%.9g,%.9g,%d\n", m->op, nx_vname(gk, m->value),
				 nx_op_name(gk, m->op), nxw_match_name(m->match),
				 vname(g0, m->ref_value), m->cosine, m->max_abs, m->max_rel,
				 m->mean_abs, m->rmse, m->snr_db, m->within_01, m->within_05,
				 (long long)m->overflow_f16, (long long)m->flushed_f16,
				 (long long)m->nan, (long long)m->inf, m->sqnr_db, m->shadow_cosine,
				 m->shadow_max_abs, m->fails);
	}
	nx_err err;
	int rc = nx_write_file_atomic(path, b.s, b.n, &err);
	if (rc)
		fprintf(stderr, "nex debug: %s\n", err.msg);
	free(b.s);
	return rc;
}

/* JSON numbers cannot be NaN or inf: those become null. */
static void jnum(nx_strbuf *b, const char *key, double x, bool comma)
{
	if (isfinite(x))
		nx_strbuf_printf(b, "\"%s\": %.9g%s", key, x, comma ? ", " : "");
	else
		nx_strbuf_printf(b, "\"%s\": null%s", key, comma ? ", " : "");
}

static void jidx(nx_strbuf *b, const char *key, const nxw_numdebug *d, uint32_t i,
		 const nx_graph *gk)
{
	if (i == UINT32_MAX)
		nx_strbuf_printf(b, "\"%s\": null", key);
	else
		nx_strbuf_printf(b, "\"%s\": {\"op\": %u, \"result\": \"%s\"}", key, d->ops[i].op,
				 nx_vname(gk, d->ops[i].value));
}

static int write_json(const char *path, nxw_session *s, const nxw_numdebug *d)
{
	const nx_graph *gk = s->steps[d->step].snap, *g0 = s->steps[d->against].snap;
	nx_strbuf b = {0};
	nx_strbuf_printf(&b, "{\"step\": %u, \"against\": %u, \"pass\": \"%s\", ", d->step,
			 d->against, s->steps[d->step].pass);
	jidx(&b, "root_cause", d, d->root, gk);
	nx_strbuf_printf(&b, ", ");
	jidx(&b, "first_nan", d, d->first_nan, gk);
	nx_strbuf_printf(&b, ", ");
	jidx(&b, "worst", d, d->worst, gk);
	nx_strbuf_printf(&b, ", ");
	jidx(&b, "lowest_snr", d, d->lowest_snr, gk);
	nx_strbuf_printf(&b, ", \"unmatched\": %u, \"ops\": [\n", d->unmatched);
	for (uint32_t i = 0; i < d->n; i++) {
		const nxw_opnum *m = &d->ops[i];
		nx_strbuf_printf(&b, "  {\"op\": %u, \"result\": \"%s\", \"kind\": \"%s\", "
				 "\"match\": \"%s\", ", m->op, nx_vname(gk, m->value),
				 nx_op_name(gk, m->op), nxw_match_name(m->match));
		if (m->ref_value != NX_NONE)
			nx_strbuf_printf(&b, "\"ref\": \"%s\", ", nx_vname(g0, m->ref_value));
		jnum(&b, "cosine", m->cosine, true);
		jnum(&b, "max_abs", m->max_abs, true);
		jnum(&b, "max_rel", m->max_rel, true);
		jnum(&b, "snr_db", m->snr_db, true);
		jnum(&b, "sqnr_db", m->sqnr_db, true);
		jnum(&b, "shadow_cosine", m->shadow_cosine, true);
		nx_strbuf_printf(&b, "\"overflow_f16\": %lld, \"nan\": %lld, \"inf\": %lld, "
				 "\"fails\": %s}%s\n", (long long)m->overflow_f16, (long long)m->nan,
				 (long long)m->inf, m->fails ? "true" : "false",
				 i + 1 < d->n ? "," : "");
	}
	nx_strbuf_printf(&b, "]}\n");
	nx_err err;
	int rc = nx_write_file_atomic(path, b.s, b.n, &err);
	if (rc)
		fprintf(stderr, "nex debug: %s\n", err.msg);
	free(b.s);
	return rc;
}

int nxc_debug(int argc, char **argv)
{
	debug_opts a;
	memset(&a, 0, sizeof a);
	a.pa = (nxc_pipeline_args){.pipeline = "default", .until = -1};
	a.step = a.seed = -1;
	a.lim = nxw_num_defaults;
	const char *path = NULL;
	int np = nxc_parse(&command, argc, argv, &a, &path);
	nxc_shapes shapes = a.shapes; /* freed at out */
	int rc = np == NXC_PARSE_HELP ? NXC_OK : NXC_USER;
	nxw_session *s = NULL;
	nx_tensor *ins = NULL;
	uint32_t n_in = 0;
	nx_graph *g = NULL;
	bool seeded = a.seed >= 0, shadow = !a.no_shadow;
	if (np < 0)
		goto out;
	rc = NXC_USER;
	if (a.inputs && seeded) {
		fprintf(stderr, "nex debug: --inputs and --seed exclude each other\n");
		goto out;
	}
	nx_onnx_opts oo = nxc_onnx_opts(&shapes);
	g = nxc_load_opts(path, &oo);
	if (!g)
		goto out;
	nx_err err;
	nx_target t;
	if ((a.pa.target || a.pa.n_sets) &&
	    nxc_target_args("debug", a.pa.target, a.pa.sets, a.pa.n_sets, &t))
		goto out;
	if (a.inputs) {
		ins = nx_xcalloc(g->n_inputs + 1, sizeof *ins);
		n_in = g->n_inputs;
		for (uint32_t k = 0; k < g->n_inputs; k++)
			if (nxc_load_input("debug", g, k, a.inputs, &ins[k]))
				goto out;
	}
	s = nxw_session_new(g);
	g = NULL;
	if (seeded)
		s->seed = (uint64_t)a.seed;
	if (a.pa.target || a.pa.n_sets)
		nxw_set_target(s, &t);
	if (nxw_set_pipeline(s, a.pa.pipeline, &err)) {
		fprintf(stderr, "nex debug: %s\n", err.msg);
		goto out;
	}
	int32_t until = a.step >= 0 ? (int32_t)a.step : a.pa.until;
	for (;;) {
		if (until >= 0 && s->cursor >= (uint32_t)until)
			break;
		int r = a.pa.into ? nxw_step_into(s, &err) : nxw_apply(s, &err);
		if (r == 0)
			break;
		if (r < 0) {
			fprintf(stderr, "nex debug: %s (debugging the failed step)\n", err.msg);
			break;
		}
	}
	if (until >= 0 && s->cursor != (uint32_t)until) {
		fprintf(stderr, "nex debug: the pipeline makes %u steps; no step %d\n",
			s->n_steps - 1, until);
		goto out;
	}
	if (a.against > (long long)s->cursor) {
		fprintf(stderr, "nex debug: --against %lld is after the step debugged (%u)\n",
			a.against, s->cursor);
		goto out;
	}
	nxw_debug_opts o = {.inputs = ins, .n_inputs = ins ? n_in : 0, .limits = &a.lim,
			    .shadow = shadow};
	nxw_numdebug d;
	if (nxw_numdebug_run(s, s->cursor, (uint32_t)a.against, &o, &d, &err)) {
		fprintf(stderr, "nex debug: %s\n", err.msg);
		goto out;
	}
	print_table(s, &d, &a);
	rc = NXC_OK;
	if (a.csv && write_csv(a.csv, s, &d))
		rc = NXC_USER;
	if (a.json && write_json(a.json, s, &d))
		rc = NXC_USER;
	nxw_numdebug_free(&d);
out:
	for (uint32_t k = 0; ins && k < n_in; k++)
		nx_tensor_free(&ins[k]);
	free(ins);
	nx_graph_free(g);
	nxw_session_free(s);
	nxc_shapes_free(&shapes);
	return rc;
}
