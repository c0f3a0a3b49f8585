/* test_step_resume.c — stepping continues a pattern pass from the place the
 * step before stopped (session.c continue_step, rewrite.c nxp_place) and
 * must give exactly what running the pass again from its base with one
 * more rewrite of budget gives: the same printed IR (ids, names, origins,
 * born stamps), rewrite counts, remarks, drops, statistics and errors at
 * every step. Each case steps one session each way (rerun_steps off and
 * on) through the same pipeline on the golden pass fixtures, the demo,
 * generated graphs and, when the models are present, PaddleOCR det; then
 * the rest of a stepped pass by apply, undo then step (no place: a run
 * again), and a session file of stepped steps replayed. */
#include <dirent.h>
#include <unistd.h>

#include "check.h"
#include "nxw.h"
#include "paddleocr.h"

/* The passes of the default pipeline before the target-dependent ones:
 * every resumable pass, with cse between them. */
static const char front[] = "infer-shapes,fold-constants,canonicalize,cse,cancel-transposes,"
			    "fold-batchnorm,fuse-patterns,fuse-activation,canonicalize,dce";

static nxw_session *open_on(const nx_graph *g, const char *pipeline, bool rerun)
{
	nxw_session *s = nxw_session_new(nx_graph_clone(g));
	s->rerun_steps = rerun;
	nx_err err;
	if (nxw_set_pipeline(s, pipeline, &err)) {
		fprintf(stderr, "%s: %s\n", pipeline, err.msg);
		nxw_session_free(s);
		return NULL;
	}
	return s;
}

/* Step k of a against step k of b, field by field; false at the first
 * difference (reported with what and k). */
static bool same_step(nxw_session *a, nxw_session *b, uint32_t k, const char *what)
{
	const nxw_step *x = &a->steps[k], *y = &b->steps[k];
	bool same = x->inv == y->inv && x->rewrites == y->rewrites && x->before == y->before &&
		    x->complete == y->complete && x->ok == y->ok && x->base == y->base &&
		    x->last_op == y->last_op && x->n_remarks == y->n_remarks &&
		    x->n_drops == y->n_drops && x->n_stats == y->n_stats &&
		    !strcmp(x->pass, y->pass) && !x->error == !y->error &&
		    (!x->error || !strcmp(x->error, y->error));
	for (uint32_t i = 0; same && i < x->n_remarks; i++)
		same = !strcmp(x->remarks[i], y->remarks[i]);
	for (uint32_t i = 0; same && i < x->n_drops; i++)
		same = !strcmp(x->drops[i].origin, y->drops[i].origin) &&
		       x->drops[i].op == y->drops[i].op && !strcmp(x->drops[i].why, y->drops[i].why);
	for (uint32_t i = 0; same && i < x->n_stats; i++)
		same = !strcmp(x->stats[i].name, y->stats[i].name) &&
		       x->stats[i].value == y->stats[i].value;
	if (same && strcmp(nxw_text(a, k), nxw_text(b, k))) {
		fprintf(stderr, "%s: step %u (%s, rewrite %lld): the IR differs\n", what, k,
			x->pass, (long long)(x->before + x->rewrites));
		return false;
	}
	if (!same)
		fprintf(stderr, "%s: step %u (%s): continued %lld+%lld rewrites, %u remarks, "
			"%u drops, %u stats; run again %lld+%lld, %u, %u, %u\n", what, k, x->pass,
			(long long)x->before, (long long)x->rewrites, x->n_remarks, x->n_drops,
			x->n_stats, (long long)y->before, (long long)y->rewrites, y->n_remarks,
			y->n_drops, y->n_stats);
	return same;
}

/* Steps both ways through pipeline on g, up to max steps, then applies the
 * rest; every step compared. Returns how many steps continued from a
 * place (to show the fast road was taken). */
static uint32_t step_both(const nx_graph *g, const char *pipeline, const char *what,
			  uint32_t max)
{
	nxw_session *a = open_on(g, pipeline, false), *b = open_on(g, pipeline, true);
	uint32_t continued = 0;
	CHECK(a && b);
	if (!a || !b)
		goto out;
	nx_err ea, eb;
	for (uint32_t n = 0; n < max; n++) {
		bool had_place = nxw_cur(a)->place != NULL;
		int ra = nxw_step_into(a, &ea), rb = nxw_step_into(b, &eb);
		CHECK_EQ_INT(ra, rb);
		CHECK_EQ_INT(a->n_steps, b->n_steps);
		if (ra != rb || a->n_steps != b->n_steps)
			goto out;
		if (ra <= 0)
			break;
		for (uint32_t k = 1; k < a->n_steps; k++)
			if (!same_step(a, b, k, what)) {
				CHECK(!"continued step equals the step run again");
				goto out;
			}
		/* a place is taken over by the step made from it */
		if (had_place) {
			continued++;
			CHECK(a->steps[a->cursor - 1].place == NULL);
		}
		/* run again, no step keeps a place */
		CHECK(nxw_cur(b)->place == NULL);
	}
	int ra = nxw_apply_all(a, -1, &ea), rb = nxw_apply_all(b, -1, &eb);
	CHECK_EQ_INT(ra, rb);
	CHECK_EQ_INT(a->n_steps, b->n_steps);
	for (uint32_t k = 1; k < a->n_steps && k < b->n_steps; k++)
		if (!same_step(a, b, k, what)) {
			CHECK(!"applied rest equals the rest run again");
			break;
		}
out:
	nxw_session_free(a);
	nxw_session_free(b);
	return continued;
}

static nx_graph *parse_file(const char *path)
{
	nx_err err;
	nx_graph *g = nx_load(path, &err);
	if (!g)
		fprintf(stderr, "%s: %s\n", path, err.msg);
	return g;
}

/* Every fixture of every pass-* golden folder, stepped through its pass
 * alone (when the folder names a resumable pass) and through the front of
 * the default pipeline. */
static void test_golden_fixtures(void)
{
	const char *src = getenv("NEX_SRC");
	char dir[1024];
	snprintf(dir, sizeof dir, "%s/tests/golden", src ? src : "..");
	DIR *d = opendir(dir);
	CHECK(d != NULL);
	if (!d)
		return;
	uint32_t files = 0, continued = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, "pass-", 5))
			continue;
		const nxp_pass *p = nxp_find(e->d_name + 5);
		char sub[1400];
		snprintf(sub, sizeof sub, "%s/%s", dir, e->d_name);
		DIR *f = opendir(sub);
		struct dirent *c;
		while (f && (c = readdir(f))) {
			size_t len = strlen(c->d_name);
			if (len < 5 || strcmp(c->d_name + len - 4, ".nex"))
				continue;
			char path[2800], what[2900];
			snprintf(path, sizeof path, "%s/%s", sub, c->d_name);
			nx_graph *g = parse_file(path);
			if (!g)
				continue; /* an error fixture */
			files++;
			if (p && p->resumable) {
				char pl[128];
				snprintf(pl, sizeof pl, "infer-shapes,%s", p->name);
				snprintf(what, sizeof what, "%s/%s (%s)", e->d_name, c->d_name, pl);
				continued += step_both(g, pl, what, 200);
			}
			snprintf(what, sizeof what, "%s/%s (front)", e->d_name, c->d_name);
			continued += step_both(g, front, what, 200);
			nx_graph_free(g);
		}
		if (f)
			closedir(f);
	}
	closedir(d);
	CHECK(files >= 20);
	CHECK(continued > 0);
}

static void test_demo_default(void)
{
	nx_err err;
	nx_graph *g = nx_demo(&err);
	CHECK(g != NULL);
	if (!g)
		return;
	CHECK(step_both(g, "default", "demo (default)", 400) > 0);
	nx_graph_free(g);
}

static void test_generated(void)
{
	nx_gen_opts o[] = {
		{.kind = NX_GEN_RESNET, .ops = 600, .seed = 3},
		{.kind = NX_GEN_TRANSFORMER, .ops = 400, .seed = 5, .seq = 8, .dmodel = 32, .heads = 4},
	};
	for (size_t i = 0; i < sizeof o / sizeof o[0]; i++) {
		nx_err err;
		nx_graph *g = nx_gen(&o[i], &err);
		CHECK(g != NULL);
		if (!g)
			continue;
		char what[64];
		snprintf(what, sizeof what, "gen %s", nx_gen_kind_name(o[i].kind));
		step_both(g, front, what, 300);
		nx_graph_free(g);
	}
}

/* Undo, then step again: the step undone to gave its place to the step
 * after it, so this step runs the pass again from its base, and equals. */
static void test_undo_then_step(void)
{
	nx_err err;
	nx_graph *g = nx_demo(&err);
	if (!g)
		return;
	nxw_session *a = open_on(g, "infer-shapes,fold-constants,canonicalize,fuse-patterns", false);
	nxw_session *b = open_on(g, "infer-shapes,fold-constants,canonicalize,fuse-patterns", true);
	nx_graph_free(g);
	int n = 0;
	/* into fuse-patterns, three rewrites deep */
	while (n < 60 && !(nxw_cur(a)->inv == 3 && nxw_cur(a)->before + nxw_cur(a)->rewrites == 3)) {
		CHECK_EQ_INT(nxw_step_into(a, &err), 1);
		CHECK_EQ_INT(nxw_step_into(b, &err), 1);
		n++;
	}
	CHECK(nxw_cur(a)->inv == 3 && !nxw_cur(a)->complete);
	CHECK(nxw_cur(a)->place != NULL);
	CHECK_EQ_INT(nxw_undo(a), 0);
	CHECK_EQ_INT(nxw_undo(b), 0);
	CHECK(nxw_cur(a)->place == NULL);
	CHECK_EQ_INT(nxw_step_into(a, &err), 1);
	CHECK_EQ_INT(nxw_step_into(b, &err), 1);
	CHECK(same_step(a, b, a->cursor, "undo then step"));
	/* and the step run again left a place for the next */
	CHECK(nxw_cur(a)->place != NULL);
	CHECK_EQ_INT(nxw_step_into(a, &err), 1);
	CHECK_EQ_INT(nxw_step_into(b, &err), 1);
	CHECK(same_step(a, b, a->cursor, "the step after"));
	nxw_session_free(a);
	nxw_session_free(b);
}

/* A session file of stepped steps: loading replays them through
 * nxw_push_step, continuing from places, and every IR hash matches. */
static void test_session_file(void)
{
	nxw_source src = {0};
	src.model = "demo";
	nx_err err;
	nxw_session *a = nxw_open(&src, "default", &err);
	CHECK(a != NULL);
	if (!a)
		return;
	for (int i = 0; i < 40; i++)
		CHECK_EQ_INT(nxw_step_into(a, &err), 1);
	char dir[] = "/tmp/nex-step-resume-XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	char file[64];
	snprintf(file, sizeof file, "%s/s.nex.json", dir);
	CHECK_EQ_INT(nxw_save(a, file, &err), 0);
	nxw_load_report rep = {0};
	nxw_session *b = nxw_load(file, NULL, &rep, &err);
	CHECK(b != NULL);
	if (!b)
		fprintf(stderr, "load: %s\n", err.msg);
	CHECK_EQ_INT(rep.n, 0); /* every replayed step has its saved hash */
	free(rep.m);
	if (b) {
		CHECK_EQ_INT(b->n_steps, a->n_steps);
		for (uint32_t k = 1; k < a->n_steps && k < b->n_steps; k++)
			CHECK(same_step(b, a, k, "loaded"));
		nxw_session_free(b);
	}
	nxw_session_free(a);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	CHECK_EQ_INT(system(cmd), 0);
}

/* PaddleOCR det through the front of the default pipeline (its first
 * rewrites of every pass: 150 steps), when the model is present. */
static void test_det(void)
{
	char path[1200];
	paddle_path(&paddle_models[PADDLE_DET], path, sizeof path);
	if (access(path, R_OK)) {
		printf("  (det not found: %s; case not run)\n", path);
		return;
	}
	nx_err err;
	nx_graph *g = paddle_import(&paddle_models[PADDLE_DET], &err);
	CHECK(g != NULL);
	if (!g)
		return;
	CHECK(step_both(g, front, "det (front)", 150) > 0);
	nx_graph_free(g);
}

int main(int argc, char **argv)
{
	static const check_case cases[] = {
		{"golden_fixtures", test_golden_fixtures},
		{"demo_default", test_demo_default},
		{"generated", test_generated},
		{"undo_then_step", test_undo_then_step},
		{"session_file", test_session_file},
		{"det", test_det},
		{0},
	};
	nx_process_init();
	return check_main(cases, argc, argv);
}
