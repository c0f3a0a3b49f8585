/* cmd_bisect.c — `nex bisect MODEL --pipeline P --check C`: the first pass,
 * then the first single rewrite, after which the check fails. */
#include <string.h>

#include "cli.h"
#include "nxl.h"
#include "nxw.h"

typedef struct bisect_opts {
	nxc_shapes shapes;
	nxc_pipeline_args pa;  /* pipeline, save_session, target, sets, lua */
	const char *check;
	bool monotone;
} bisect_opts;

static const nxc_option options[] = {
	{"--check", NULL, "CHECK", NXC_STR, offsetof(bisect_opts, check), 0, NULL,
	 "what must hold (below); required"},
	{"--pipeline", NULL, "P", NXC_STR, offsetof(bisect_opts, pa.pipeline), 0, NULL,
	 "the passes (default: `default`)"},
	{"--assume-monotone", NULL, NULL, NXC_FLAG, offsetof(bisect_opts, monotone), 0, NULL,
	 "skip the linear scan: the answer is then a rewrite that\n"
	 "breaks the check, the first only if it is monotone"},
	{"--save-session", NULL, "S", NXC_STR, offsetof(bisect_opts, pa.save_session), 0, NULL,
	 "save the session stopped at the breaking rewrite,\n"
	 "with the result as a note on its op (`nex replay S`)"},
	NXC_OPT_TARGET(bisect_opts, pa),
	NXC_OPT_LUA(bisect_opts, pa.lua),
	NXC_OPT_SHAPE(bisect_opts, shapes),
	{0},
};

static const nxc_command command = {
	.name = "bisect",
	.args = "MODEL",
	.min_args = 1,
	.max_args = 1,
	.opts = options,
	.about =
		"Applies the pipeline (default: `default`) and finds the first step whose\n"
		"snapshot fails CHECK, then the first single rewrite of that pass that\n"
		"fails it: a binary search over the rewrite budget proposes a candidate,\n"
		"fresh runs confirm it and the rewrite before it, and the rewrites below it\n"
		"are checked one by one, since a check need not be monotone (numeric error\n"
		"can fall again after a later rewrite). The output says which it did.\n",
	.notes =
		"CHECK is one of\n"
		"  verify               the verifier passes\n"
		"  numeric:TOL          outputs match step 0 within relative error TOL\n"
		"                       (normwise: max|a-b| / max|b|, seeded inputs)\n"
		"  metric:NAME<=X       NAME is ops, weight_bytes, peak, cycles,\n"
		"  metric:NAME>=X       latency_us or energy_uj (peak and the last three\n"
		"                       need a target: every step is costed on the NE model)\n"
		"  op:cosine>=X         every op's values stay within cosine X of the step-0\n"
		"                       values they stand for (nex debug's matching)\n"
		"  op:nan               no op makes a NaN or inf that step 0 does not\n"
		"  op:fp16-overflow     no f16 op result holds a value past 65504\n"
		"                       (op checks name the op that breaks them)\n"
		"Prints what it found; exit 0 whether or not something breaks the check.\n",
};

/* The session at the breaking rewrite: the history up to the step before
 * the failing pass, then that pass stepped rewrite by rewrite to the one
 * that breaks the check, with the finding as a note on its op. */
static int save_at(nxw_session *s, const nxw_bisect_result *r, const char *check,
		   const char *path, nx_err *err)
{
	if (nxw_jump(s, r->step - 1))
		return nx_err_set(err, "no step %u", r->step - 1), -1;
	for (int64_t k = 0; k < r->rewrite; k++)
		if (nxw_step_into(s, err) == 0)
			break;
	char note[1024];
	snprintf(note, sizeof note, "bisect %s: the first failing step is %u (%s), rewrite %lld%s%s",
		 check, r->step, r->pass, (long long)r->rewrite, r->remark[0] ? ": " : "",
		 r->remark);
	if (r->op != NX_NONE)
		nxw_note_add(s, r->op, false, note);
	return nxw_save(s, path, err);
}

/* How the rewrite was found, in words: which of binary search,
 * confirmation and linear scan ran, and what they saw. */
static void print_method(const nxw_bisect_result *r)
{
	long long c = (long long)r->candidate, f = (long long)r->rewrite;
	if (r->candidate == 0)
		return;
	char pair[128]; /* "rewrite 3 passes, 4 fails" */
	if (c - 1 > 0)
		snprintf(pair, sizeof pair, "after rewrite %lld it passes, after %lld it fails",
			 c - 1, c);
	else
		snprintf(pair, sizeof pair, "before the pass it passes, after rewrite %lld it fails",
			 c);
	if (!r->confirmed)
		printf("method: binary search proposed rewrite %lld, but fresh runs did not "
		       "confirm it (the pass or check is not deterministic); linear scan of "
		       "rewrites %lld..%lld: %s\n", c, (long long)r->scan_from, c,
		       r->earlier || f != c ? "found the rewrite above" : "none failed again");
	else if (!r->scanned)
		printf("method: binary search, confirmed (%s); rewrites below not scanned "
		       "(--assume-monotone)\n", pair);
	else if (r->earlier)
		printf("method: binary search proposed rewrite %lld (confirmed: %s), but a "
		       "linear scan of rewrites %lld..%lld found %lld failing first: the check "
		       "is not monotone in this pass\n", c, pair, (long long)r->scan_from, c - 1,
		       f);
	else if (r->scan_from <= c - 1)
		printf("method: binary search, confirmed (%s), and a linear scan of rewrites "
		       "%lld..%lld found none failing earlier\n", pair, (long long)r->scan_from,
		       c - 1);
	else
		printf("method: binary search, confirmed (%s); no rewrite below it\n", pair);
}

int nxc_bisect(int argc, char **argv)
{
	bisect_opts o;
	memset(&o, 0, sizeof o);
	o.pa.pipeline = "default";
	const char *path = NULL;
	int np = nxc_parse(&command, argc, argv, &o, &path);
	if (np < 0) {
		nxc_shapes_free(&o.shapes);
		return np == NXC_PARSE_HELP ? NXC_OK : NXC_USER;
	}
	nxc_shapes shapes = o.shapes; /* freed at out */
	const char *pipeline = o.pa.pipeline, *check_text = o.check, *target = o.pa.target;
	const char *save = o.pa.save_session;
	const char *const *sets = o.pa.sets;
	uint32_t n_sets = o.pa.n_sets;
	nxc_lua_args lua = o.pa.lua;
	int rc = NXC_USER;
	if (!check_text) {
		fprintf(stderr, "nex bisect: wants --check CHECK (see nex bisect --help)\n");
		goto out;
	}
	nx_err err;
	nxw_check c;
	if (nxw_check_parse(&c, check_text, &err) != 0) {
		fprintf(stderr, "nex bisect: %s\n", err.msg);
		goto out;
	}
	nx_target t;
	if ((target || n_sets) && nxc_target_args("bisect", target, sets, n_sets, &t))
		goto out;
	nx_onnx_opts oo = nxc_onnx_opts(&shapes);
	nx_graph *g = nxc_load_opts(path, &oo);
	if (!g)
		goto out;
	nxw_session *s = nxw_session_new(g);
	if (target || n_sets)
		nxw_set_target(s, &t);
	nxl_state *lst = NULL;
	nxw_bisect_result r;
	if (nxc_lua_load("bisect", &lua, s, &lst) != 0) {
		/* the error is printed */
	} else if (nxw_set_pipeline(s, pipeline, &err) != 0 ||
		   nxw_bisect(s, &c, o.monotone, &r, &err) != 0) {
		fprintf(stderr, "nex bisect: %s\n", err.msg);
	} else if (!r.found) {
		printf("every step of %u passes %s\n", s->n_steps, check_text);
		rc = NXC_OK;
	} else if (r.step == 0) {
		printf("the model itself (step 0) fails %s\n", check_text);
		rc = NXC_OK;
	} else {
		const nxw_step *st = &s->steps[r.step];
		printf("first failing step: %u (%s)\n", r.step, r.pass);
		if (r.rewrite > 0) {
			long long n = (long long)(st->before + st->rewrites);
			printf("%s failing rewrite: %lld of %lld in %s (%u pass runs)\n",
			       r.scanned || !r.confirmed ? "first" : "a", (long long)r.rewrite, n,
			       r.pass, r.runs);
			print_method(&r);
			if (r.op != NX_NONE)
				printf("rooted at op #%u\n", r.op);
			if (r.remark[0])
				printf("remark: %s\n", r.remark);
			if (r.detail[0])
				printf("op: %s\n", r.detail);
		} else {
			printf("the pass fails without any rewrite\n");
		}
		if (st->error)
			printf("error: %s\n", st->error);
		if (r.num.done)
			printf("numeric after that rewrite: max rel %.3g, max abs %.3g (worst output "
			       "%%%s)\n", r.num.max_rel, r.num.max_abs, r.num.worst);
		if (st->num.done)
			printf("numeric after step %u: max rel %.3g, max abs %.3g (worst output %%%s)\n",
			       r.step, st->num.max_rel, st->num.max_abs, st->num.worst);
		rc = NXC_OK;
		if (save && (nxc_session_source(s, path, &shapes, target, sets, n_sets, &err) ||
			     save_at(s, &r, check_text, save, &err))) {
			fprintf(stderr, "nex bisect: --save-session: %s\n", err.msg);
			rc = NXC_USER;
		}
	}
	nxw_session_free(s);
	nxc_lua_close(lst);
out:
	nxc_shapes_free(&shapes);
	return rc;
}
