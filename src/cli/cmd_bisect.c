/* cmd_bisect.c — `nex bisect MODEL --pipeline P --check C`: the first pass,
 * then the first single rewrite, after which the check fails. */
#include <string.h>

#include "cli.h"
#include "nxl.h"
#include "nxw.h"

static const char help[] =
	"usage: nex bisect MODEL --check CHECK [--pipeline P] [--shape NAME=d,..]...\n"
	"                  [--target T] [--set FIELD=VALUE]... [--load F.lua]... [--unsafe]\n"
	"                  [--max-instructions N] [--max-memory BYTES]\n\n"
	"Applies the pipeline (default: `default`) and finds the first step whose\n"
	"snapshot fails CHECK, then bisects that pass's rewrite budget for the\n"
	"first single rewrite that breaks it. CHECK is one of\n"
	"  verify               the verifier passes\n"
	"  numeric:TOL          outputs match step 0 within relative error TOL\n"
	"                       (normwise: max|a-b| / max|b|, seeded inputs)\n"
	"  metric:NAME<=X       NAME is ops, weight_bytes, peak, cycles,\n"
	"  metric:NAME>=X       latency_us or energy_uj (peak and the last three\n"
	"                       need a target: every step is costed on the NE model)\n"
	"  --target T           the target passes read and steps are costed on (a\n"
	"                       preset or a .json file; --set F=V overrides a field)\n"
	"  --load F.lua         run F.lua first: the passes it defines can be in P\n"
	"                       (sandboxed unless --unsafe; limits as in nex script)\n"
	"Prints what it found; exit 0 whether or not something breaks the check.\n";

struct bisect_args {
	const char **target;
	const char **sets;
	uint32_t *n_sets;
	const char **pipeline, **check;
	nxc_lua_args *lua;
};

static int bisect_opt(void *p, int argc, char **argv, int i)
{
	struct bisect_args *b = p;
	int used = nxc_target_opt(argc, argv, i, b->target, b->sets, b->n_sets);
	if (used == 0)
		used = nxc_opt(argc, argv, i, "--pipeline", b->pipeline);
	if (used == 0)
		used = nxc_opt(argc, argv, i, "--check", b->check);
	if (used == 0)
		used = nxc_lua_opt(argc, argv, i, b->lua);
	return used;
}

int nxc_bisect(int argc, char **argv)
{
	if (nxc_wants_help(argc, argv)) {
		fputs(help, stdout);
		return NXC_OK;
	}
	nxc_shapes shapes = {.n = 0};
	const char *path = NULL, *pipeline = "default", *check_text = NULL, *target = NULL;
	const char *sets[NXC_MAX_SETS];
	uint32_t n_sets = 0;
	int rc = NXC_USER;
	nxc_lua_args lua = {.n = 0};
	struct bisect_args ba = {&target, sets, &n_sets, &pipeline, &check_text, &lua};
	if (nxc_scan(argc, argv, &shapes, bisect_opt, &ba, &path, 1, "one MODEL only", help) < 0)
		goto out;
	if (!path || !check_text) {
		fputs(help, stderr);
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
	} else if (nxw_set_pipeline(s, pipeline, &err) != 0 || nxw_bisect(s, &c, &r, &err) != 0) {
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
			printf("first failing rewrite: %lld of %lld in %s (%u pass runs)\n",
			       (long long)r.rewrite, (long long)st->rewrites, r.pass, r.runs);
			if (r.op != NX_NONE)
				printf("rooted at op #%u\n", r.op);
			if (r.remark[0])
				printf("remark: %s\n", r.remark);
		} else {
			printf("the pass fails without any rewrite\n");
		}
		if (st->error)
			printf("error: %s\n", st->error);
		if (st->num.done)
			printf("numeric: max rel %.3g, max abs %.3g (worst output %%%s)\n",
			       st->num.max_rel, st->num.max_abs, st->num.worst);
		rc = NXC_OK;
	}
	nxw_session_free(s);
	nxc_lua_close(lst);
out:
	nxc_shapes_free(&shapes);
	return rc;
}
