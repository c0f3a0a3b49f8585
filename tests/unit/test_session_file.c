/* test_session_file.c — session files: a save reopens exactly (every step's
 * IR, cursor, baseline, target overrides, notes, view), bad files are
 * refused with the field named, a changed or moved model is reported, the
 * journal recovers the last action after a crash (a torn record ignored),
 * and kill -9 in the middle of saves never leaves a broken file. */
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "nxw.h"

static char dir[200];

static const char *tmp(const char *name)
{
	static char buf[4][512];
	static int i;
	char *b = buf[i++ % 4];
	snprintf(b, sizeof buf[0], "%s/%s", dir, name);
	return b;
}

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
}

static char *slurp(const char *path)
{
	nx_err err;
	size_t n;
	return nx_read_file(path, &n, &err);
}

/* The demo through the default pipeline on m1 with sram=1MiB, stopped in
 * the middle of a pass (a stepped rewrite), with a pin, a note and a view. */
static nxw_session *made(void)
{
	nxw_source src = {0};
	src.model = "demo";
	nx_err err;
	nxw_session *s = nxw_open(&src, "default", &err);
	if (!s) {
		fprintf(stderr, "%s\n", err.msg);
		return NULL;
	}
	CHECK(nxw_set_target_field(s, "sram", "1MiB", &err) == 0);
	CHECK(nxw_apply_all(s, 4, &err) >= 0);
	CHECK(nxw_step_into(s, &err) == 1);
	CHECK(nxw_step_into(s, &err) == 1);
	nxw_pin(s, 2);
	nxw_note_add(s, 7, false, "why is this memory-bound?");
	nxw_note_add(s, 3, true, "first conv");
	nxw_set_view(s, "{\"view\":\"cost\",\"sort\":\"cycles\"}");
	return s;
}

static void same_history(nxw_session *a, nxw_session *b)
{
	CHECK_EQ_INT(b->n_steps, a->n_steps);
	for (uint32_t k = 0; k < a->n_steps && k < b->n_steps; k++) {
		CHECK_STR(b->steps[k].pass, a->steps[k].pass);
		CHECK_STR(nxw_text(b, k), nxw_text(a, k));
		CHECK(b->steps[k].m.cycles == a->steps[k].m.cycles);
	}
	CHECK_EQ_INT(b->cursor, a->cursor);
	CHECK_EQ_INT(b->baseline, a->baseline);
}

static void round_trip(void)
{
	nxw_session *s = made();
	if (!s)
		return;
	nx_err err;
	CHECK(nxw_save(s, tmp("a.nex.json"), &err) == 0);
	nxw_load_report rep;
	nxw_session *t = nxw_load(tmp("a.nex.json"), NULL, &rep, &err);
	CHECK(t != NULL);
	if (t) {
		same_history(s, t);
		CHECK_EQ_INT(rep.n, 0);
		CHECK_EQ_INT(t->n_notes, 2);
		CHECK_STR(t->notes[0].text, "why is this memory-bound?");
		CHECK(t->notes[1].bookmark && t->notes[1].op == 3);
		CHECK_CONTAINS(t->view_json, "\"sort\":\"cycles\"");
		CHECK_EQ_INT(t->src.n_sets, 1);
		CHECK_STR(t->src.sets[0], "sram=1MiB");
		CHECK_EQ_INT(((const nx_target *)t->target)->sram, 1 << 20);
		/* saving the reopened session gives the same file */
		CHECK(nxw_save(t, tmp("b.nex.json"), &err) == 0);
		char *x = slurp(tmp("a.nex.json")), *y = slurp(tmp("b.nex.json"));
		CHECK_STR(y, x);
		free(x);
		free(y);
		nxw_session_free(t);
	}
	nxw_session_free(s);
}

static void expect_error(const char *text, const char *needle)
{
	put(tmp("bad.nex.json"), text);
	nx_err err;
	nxw_session *s = nxw_load(tmp("bad.nex.json"), NULL, NULL, &err);
	CHECK(s == NULL);
	if (s)
		nxw_session_free(s);
	else
		CHECK_CONTAINS(err.msg, needle);
}

static void bad_files(void)
{
	expect_error("{\n\"nex_session\": 1,\n\"model\": {,\n}", "bad.nex.json:3: not valid JSON");
	expect_error("{\"x\": 1}", "not a nex session file");
	expect_error("{\"nex_session\": 2}", "version 2; this nex reads version 1 (written by a newer nex)");
	expect_error("{\"nex_session\": 0}", "version 0");
	expect_error("{\"nex_session\": 1, \"model\": {\"path\": 3, \"sha256\": \"\"}}",
		     "model.path: expected a string");
	expect_error("{\"nex_session\": 1, \"model\": {\"path\": \"demo\", \"sha256\": \"\"}, "
		     "\"pipeline\": \"dce\", \"steps\": [{\"pass\": \"model\"}, {\"pass\": \"dce\", "
		     "\"inv\": 4, \"budget\": -1, \"base\": 0}], \"cursor\": 1}",
		     "steps[1].inv: 4 is not a whole number in [0, 0]");
	expect_error("{\"nex_session\": 1, \"model\": {\"path\": \"demo\", \"sha256\": \"\"}, "
		     "\"pipeline\": \"no-such-pass\", \"steps\": [{\"pass\": \"model\"}], \"cursor\": 0}",
		     "no-such-pass");
	expect_error("{\"nex_session\": 1, \"model\": {\"path\": \"gone.nex\", \"sha256\": \"\"}, "
		     "\"pipeline\": \"\", \"steps\": [{\"pass\": \"model\"}], \"cursor\": 0}",
		     "--model NEWPATH");
}

static void model_changed(void)
{
	/* A model file next to the session: saved relative, then edited. */
	nx_err err;
	nx_graph *g = nx_demo(&err);
	CHECK(nx_save(g, tmp("m.nex"), &err) == 0);
	nx_graph_free(g);
	nxw_source src = {0};
	src.model = (char *)tmp("m.nex");
	nxw_session *s = nxw_open(&src, "canonicalize,dce", &err);
	CHECK(s != NULL);
	if (!s)
		return;
	CHECK(nxw_apply_all(s, -1, &err) >= 0);
	CHECK(nxw_save(s, tmp("m.nex.json"), &err) == 0);
	nxw_session_free(s);
	char *j = slurp(tmp("m.nex.json"));
	CHECK_CONTAINS(j, "\"path\":\t\"m.nex\"");
	free(j);
	char *text = slurp(tmp("m.nex"));
	char *edited = malloc(strlen(text) + 64);
	sprintf(edited, "// edited\n%s", text);
	put(tmp("m.nex"), edited);
	s = nxw_load(tmp("m.nex.json"), NULL, NULL, &err);
	CHECK(s == NULL);
	if (!s)
		CHECK_CONTAINS(err.msg, "changed since the session was saved");
	nxw_load_opts o = {.model = tmp("m.nex")};
	nxw_load_report rep;
	s = nxw_load(tmp("m.nex.json"), &o, &rep, &err);
	CHECK(s != NULL);
	CHECK_CONTAINS(rep.warning, "is not the one saved");
	/* a comment does not change the IR: every step still matches */
	CHECK_EQ_INT(rep.n, 0);
	free(rep.m);
	nxw_session_free(s);
	free(edited);
	free(text);
}

static void replay_detects_difference(void)
{
	nxw_session *s = made();
	if (!s)
		return;
	nx_err err;
	CHECK(nxw_save(s, tmp("d.nex.json"), &err) == 0);
	nxw_session_free(s);
	char *j = slurp(tmp("d.nex.json"));
	/* corrupt the hash of step 3 and one of its line hashes */
	char *p = j;
	for (int i = 0; i < 4 && p; i++)
		p = strstr(p + 1, "\"ir_sha256\"");
	CHECK(p != NULL);
	if (p) {
		char *h = strchr(p + 12, '"') + 1;
		memset(h, '0', 64);
		char *lh = strstr(h, "\"line_hashes\"");
		char *q = strchr(lh + 14, '"') + 1 + 8 * 5;
		memcpy(q, "deadbeef", 8);
	}
	put(tmp("d.nex.json"), j);
	free(j);
	nxw_load_report rep;
	s = nxw_load(tmp("d.nex.json"), NULL, &rep, &err);
	CHECK(s != NULL);
	CHECK_EQ_INT(rep.n, 1);
	if (rep.n) {
		CHECK_EQ_INT(rep.m[0].step, 3);
		CHECK_EQ_INT(rep.m[0].line, 6);
		CHECK(rep.m[0].first_line[0] != 0);
	}
	free(rep.m);
	nxw_session_free(s);
}

static void journal_recovers(void)
{
	nxw_session *s = made();
	if (!s)
		return;
	nx_err err;
	const char *path = tmp("j.nex.json");
	CHECK(nxw_save(s, path, &err) == 0);
	CHECK(nxw_journal_open(s, path, &err) == 0);
	CHECK(!nxw_journal_pending(path));
	CHECK(nxw_step_into(s, &err) == 1);
	CHECK(nxw_journal_record(s, &err) == 0);
	CHECK(nxw_apply(s, &err) == 1);
	CHECK(nxw_journal_record(s, &err) == 0);
	CHECK(nxw_journal_record(s, &err) == 0); /* nothing changed: no record */
	nxw_note_add(s, 5, false, "after the crash");
	CHECK(nxw_journal_record(s, &err) == 0);
	uint32_t steps = s->n_steps, cursor = s->cursor;
	char *want = strdup(nxw_text(s, cursor));
	/* a crash in the middle of the next record: a torn line */
	char jp[600];
	snprintf(jp, sizeof jp, "%s.journal", path);
	FILE *f = fopen(jp, "a");
	fputs("{\"nex_session\": 1, \"model\": {\"pa", f);
	fclose(f);
	nxw_session_free(s); /* as if killed: no save */
	CHECK(nxw_journal_pending(path));
	nxw_load_opts o = {.from_journal = true};
	s = nxw_load(path, &o, NULL, &err);
	CHECK(s != NULL);
	if (s) {
		CHECK_EQ_INT(s->n_steps, steps);
		CHECK_EQ_INT(s->cursor, cursor);
		CHECK_STR(nxw_text(s, s->cursor), want);
		CHECK_EQ_INT(s->n_notes, 3);
		/* saving the recovered session makes the journal old news */
		CHECK(nxw_save(s, path, &err) == 0);
		CHECK(!nxw_journal_pending(path));
		nxw_session_free(s);
	}
	free(want);
}

static void kill_during_save(void)
{
	nxw_session *s = made();
	if (!s)
		return;
	nx_err err;
	const char *path = tmp("k.nex.json");
	CHECK(nxw_save(s, path, &err) == 0);
	for (int round = 0; round < 12; round++) {
		pid_t pid = fork();
		if (pid == 0) {
			for (;;) {
				nxw_note_add(s, 1, false, "x");
				if (nxw_save(s, path, &err))
					_exit(3);
			}
		}
		struct timespec ts = {0, (2000 + 1500 * round) * 1000L};
		nanosleep(&ts, NULL);
		kill(pid, SIGKILL);
		int st;
		waitpid(pid, &st, 0);
		CHECK(WIFSIGNALED(st));
		nxw_session *t = nxw_load(path, NULL, NULL, &err);
		CHECK(t != NULL);
		if (!t)
			fprintf(stderr, "round %d: %s\n", round, err.msg);
		nxw_session_free(t);
	}
	nxw_session_free(s);
	/* no temporary files left behind but those of the killed saves, which
	 * are never the session file itself */
	char *j = slurp(path);
	CHECK_CONTAINS(j, "\"nex_session\"");
	free(j);
}

int main(int argc, char **argv)
{
	snprintf(dir, sizeof dir, "/tmp/nex-test-session-file-%d", (int)getpid());
	char cmd[512];
	snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", dir, dir);
	if (system(cmd))
		return 2;
	static const check_case cases[] = {
		{"round_trip", round_trip},
		{"bad_files", bad_files},
		{"model_changed", model_changed},
		{"replay_detects_difference", replay_detects_difference},
		{"journal_recovers", journal_recovers},
		{"kill_during_save", kill_during_save},
		{NULL, NULL},
	};
	int rc = check_main(cases, argc, argv);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd))
		rc = rc ? rc : 2;
	return rc;
}
