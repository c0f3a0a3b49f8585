/* test_session_sim.c — a session with a target: every step is costed on
 * the NE model as it is made (nxw_set_target installs sim_metrics.c's
 * hook), so metric checks on cycles, latency, energy and peak work, and
 * bisection finds the single rewrite that first pushes cycles over a bound;
 * the same through `nex bisect --target` and `nex opt --target --stats`.
 * Without a target such a check is an error that says what is missing. */
#include <math.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "nxw.h"

/* A chain of pointwise ops on (1,64,64,1) f32: layout-ne (without moving
 * the run to the cheap form: reshape=false) tags one result
 * per rewrite, and each tag makes its op write (and the next read) 16x the
 * bytes, so cycles grow with every rewrite. */
static const char model[] =
	"graph @chain(%x: f32[1,64,64,1]) -> (%y: f32[1,64,64,1]) {\n"
	"  %a = relu(%x) : f32[1,64,64,1]\n"
	"  %b = neg(%a) : f32[1,64,64,1]\n"
	"  %c = exp(%b) : f32[1,64,64,1]\n"
	"  %d = tanh(%c) : f32[1,64,64,1]\n"
	"  %y = sigmoid(%d) : f32[1,64,64,1]\n"
	"  return %y\n"
	"}\n";

static nxw_session *open_session(const nx_target *t)
{
	nx_err err;
	nx_graph *g = nx_parse(model, sizeof model - 1, "chain.nex", NULL, &err);
	if (!g) {
		fprintf(stderr, "%s\n", err.msg);
		return NULL;
	}
	nxw_session *s = nxw_session_new(g);
	if (nxw_set_pipeline(s, "infer-shapes,layout-ne{reshape=false}", &err) != 0) {
		fprintf(stderr, "%s\n", err.msg);
		nxw_session_free(s);
		return NULL;
	}
	if (t)
		nxw_set_target(s, t);
	return s;
}

/* cycles[k] = the layout-ne step run with budget k (k = 0..5). */
static bool cycles_by_budget(nxw_session *s, double *cycles)
{
	for (int64_t k = 0; k <= 5; k++) {
		nxw_step st;
		int rc = nxw_run_inv(s, 1, 1, k, &st);
		CHECK_EQ_INT(rc, 0);
		CHECK_EQ_INT(st.rewrites, k);
		CHECK(st.m.have_sim);
		cycles[k] = st.m.cycles;
		nxw_step_free(&st);
		if (rc)
			return false;
	}
	return true;
}

static void test_metrics(void)
{
	nx_target t;
	nx_err err;
	CHECK(nx_target_preset("m1", &t, &err) == 0);
	nxw_session *s = open_session(&t);
	if (!s)
		return;
	CHECK(s->steps[0].m.have_sim);
	CHECK(s->steps[0].m.cycles > 0 && s->steps[0].m.latency_us > 0);
	CHECK(s->steps[0].m.energy_uj > 0 && s->steps[0].m.peak_bytes > 0);
	CHECK_EQ_INT(nxw_apply_all(s, -1, &err), 0);
	CHECK_EQ_INT(s->n_steps, 3);
	for (uint32_t k = 0; k < s->n_steps; k++)
		CHECK(s->steps[k].m.have_sim);
	/* (1,64,64,1) f32 is 16 KiB packed, 256 KiB in the ne layout */
	CHECK_EQ_INT(s->steps[1].m.peak_bytes, 2 * 16384);
	CHECK_EQ_INT(s->steps[2].m.peak_bytes, 2 * 262144);
	CHECK(s->steps[2].m.cycles > s->steps[1].m.cycles);
	/* latency is cycles at the clock */
	CHECK(fabs(s->steps[2].m.latency_us - s->steps[2].m.cycles / t.clock * 1e6) < 1e-6);
	/* a new target drops the steps its passes did not see */
	nxw_set_target(s, &t);
	CHECK_EQ_INT(s->n_steps, 1);
	CHECK(s->steps[0].m.have_sim);
	nxw_set_target(s, NULL);
	CHECK(!s->steps[0].m.have_sim);
	nxw_session_free(s);
}

static void test_bisect_cycles(void)
{
	nx_target t;
	nx_err err;
	CHECK(nx_target_preset("m1", &t, &err) == 0);
	nxw_session *s = open_session(&t);
	if (!s)
		return;
	CHECK_EQ_INT(nxw_apply_all(s, -1, &err), 0);
	double cyc[6];
	if (!cycles_by_budget(s, cyc)) {
		nxw_session_free(s);
		return;
	}
	for (int k = 1; k <= 5; k++)
		CHECK(cyc[k] > cyc[k - 1]);
	/* cycles <= cycles after two rewrites: the third breaks it */
	char text[128];
	snprintf(text, sizeof text, "metric:cycles<=%.17g", cyc[2]);
	nxw_check c;
	CHECK(nxw_check_parse(&c, text, &err) == 0);
	nxw_bisect_result r;
	/* cycles grow with every rewrite: binary search and its confirmation
	 * suffice when told the check is monotone */
	CHECK(nxw_bisect(s, &c, true, &r, &err) == 0);
	CHECK(r.found);
	CHECK_EQ_INT(r.step, 2);
	CHECK_STR(r.pass, "layout-ne");
	CHECK_EQ_INT(r.rewrite, 3);
	CHECK_CONTAINS(r.remark, "%c (exp): ne");
	CHECK(r.confirmed && !r.scanned);
	CHECK(r.runs > 0 && r.runs <= 4);
	/* by default the rewrites below the candidate are checked too (one run:
	 * the search already saw rewrite 2 pass) */
	CHECK(nxw_bisect(s, &c, false, &r, &err) == 0);
	CHECK_EQ_INT(r.rewrite, 3);
	CHECK(r.confirmed && r.scanned && !r.earlier);
	CHECK_CONTAINS(r.remark, "%c (exp): ne");
	CHECK(r.runs > 0 && r.runs <= 5);
	/* a bound every step meets */
	snprintf(text, sizeof text, "metric:cycles<=%.17g", cyc[5]);
	CHECK(nxw_check_parse(&c, text, &err) == 0);
	CHECK(nxw_bisect(s, &c, false, &r, &err) == 0);
	CHECK(!r.found);
	nxw_session_free(s);
	/* without a target: an error naming the way out */
	s = open_session(NULL);
	if (!s)
		return;
	CHECK(nxw_check_parse(&c, "metric:cycles<=1", &err) == 0);
	CHECK_EQ_INT(nxw_check_step(s, 0, &c, &err), -1);
	CHECK_CONTAINS(err.msg, "--target");
	nxw_session_free(s);
}

static void test_cli(void)
{
	/* ctest sets NEX_BIN; run by hand without it, the case fails rather
	 * than passing untested */
	if (!getenv("NEX_BIN")) {
		CHECK(!"the CLI case needs NEX_BIN, the nex binary under test");
		return;
	}
	char dir[] = "/tmp/nex-session-sim-XXXXXX", path[64];
	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof path, "%s/chain.nex", dir);
	FILE *f = fopen(path, "w");
	CHECK(f != NULL);
	if (!f)
		return;
	fwrite(model, 1, sizeof model - 1, f);
	fclose(f);
	nx_target t;
	nx_err err;
	CHECK(nx_target_preset("m1", &t, &err) == 0);
	nxw_session *s = open_session(&t);
	double cyc[6] = {0};
	if (s) {
		CHECK_EQ_INT(nxw_apply_all(s, -1, &err), 0);
		cycles_by_budget(s, cyc);
		nxw_session_free(s);
	}
	char args[1024];
	int rc;
	snprintf(args, sizeof args, "bisect %s --pipeline 'infer-shapes,layout-ne{reshape=false}' --target m1 "
		 "--check 'metric:cycles<=%.17g'", path, cyc[2]);
	char *out = check_nex(args, 1, &rc);
	CHECK_EQ_INT(rc, 0);
	CHECK_CONTAINS(out, "first failing step: 2 (layout-ne)");
	CHECK_CONTAINS(out, "first failing rewrite: 3 of 5 in layout-ne");
	free(out);
	/* without --target the metric is refused, saying why */
	snprintf(args, sizeof args, "bisect %s --pipeline 'infer-shapes,layout-ne{reshape=false}' "
		 "--check 'metric:cycles<=1'", path);
	out = check_nex(args, 1, &rc);
	CHECK_EQ_INT(rc, 1);
	CHECK_CONTAINS(out, "needs the simulator");
	free(out);
	/* --stats gains peak and cycles with a target; --set implies m1 */
	snprintf(args, sizeof args, "opt %s --pipeline 'infer-shapes,layout-ne{reshape=false}' --set sram=1MiB "
		 "--stats", path);
	out = check_nex(args, 1, &rc);
	CHECK_EQ_INT(rc, 0);
	CHECK_CONTAINS(out, "peak         cycles  statistics");
	CHECK_CONTAINS(out, "      524288 ");
	free(out);
	snprintf(args, sizeof args, "opt %s --target nosuch --stats", path);
	out = check_nex(args, 1, &rc);
	CHECK_EQ_INT(rc, 1);
	CHECK_CONTAINS(out, "--target");
	free(out);
	unlink(path);
	rmdir(dir);
}

int main(int argc, char **argv)
{
	static const check_case cases[] = {
		{"metrics", test_metrics},
		{"bisect_cycles", test_bisect_cycles},
		{"cli", test_cli},
		{NULL, NULL},
	};
	return check_main(cases, argc, argv);
}
