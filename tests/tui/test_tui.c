/* test_tui.c — the TUI layer's own checks, no terminal needed: docs/tui.md
 * documents every row of the actions table (its :command and its key), the
 * canvas clips, trims and encodes UTF-8 as screen goldens expect, and a
 * script run on the demo reaches the end of the pipeline and back. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "nxt.h"

static char *read_doc(void)
{
	const char *src = getenv("NEX_SRC");
	char path[1024];
	snprintf(path, sizeof path, "%s/docs/tui.md", src ? src : ".");
	nx_err err;
	size_t n;
	char *t = nx_read_file(path, &n, &err);
	if (!t)
		fprintf(stderr, "%s\n", err.msg);
	return t;
}

static void doc_covers_actions(void)
{
	char *doc = read_doc();
	CHECK(doc);
	if (!doc)
		return;
	for (uint32_t i = 0; i < nxt_n_actions; i++) {
		const nxt_action *ac = &nxt_actions[i];
		char want[96];
		snprintf(want, sizeof want, "`:%s", ac->name);
		if (!strstr(doc, want)) {
			fprintf(stderr, "docs/tui.md lacks %s\n", want);
			CHECK(!"every command is documented");
		}
		if (*ac->keys) {
			/* the help label's first key, in backquotes, somewhere */
			char key[32];
			snprintf(key, sizeof key, "`%.*s`", (int)strcspn(ac->keys, " "), ac->keys);
			if (!strstr(doc, key)) {
				fprintf(stderr, "docs/tui.md lacks the key %s (:%s)\n", key, ac->name);
				CHECK(!"every key is documented");
			}
		}
	}
	/* and every view */
	for (int v = 0; v < NXT_V_COUNT; v++) {
		char want[64];
		snprintf(want, sizeof want, "## %s", nxt_view(v)->title);
		CHECK_CONTAINS(doc, want);
	}
	free(doc);
}

static void canvas(void)
{
	nxt_canvas c = {0};
	nxt_canvas_resize(&c, 6, 2);
	/* the width is the text's (to advance x), the canvas clips */
	CHECK_EQ_INT(nxt_put(&c, 0, 1, 10, NXT_C_TEXT, "ab\xe2\x94\x80xyz"), 6);
	CHECK_EQ_INT(nxt_put(&c, 1, 4, 3, NXT_C_TEXT, "long"), 3);
	nxt_put(&c, 5, 0, 3, NXT_C_TEXT, "off the canvas"); /* clipped, no write */
	char *t = nxt_canvas_text(&c);
	CHECK_STR(t, " ab\xe2\x94\x80xy\n    lo\n");
	free(t);
	nxt_canvas_clear(&c);
	t = nxt_canvas_text(&c);
	CHECK_STR(t, "\n\n");
	free(t);
	nxt_canvas_free(&c);
}

static void script_run(void)
{
	char path[] = "/tmp/nex-test-tui-XXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	static const char script[] = "A\n:jump 0\n:redo\n:bogus\n";
	CHECK(write(fd, script, sizeof script - 1) == (ssize_t)(sizeof script - 1));
	close(fd);
	nx_err err;
	nx_graph *g = nx_demo(&err);
	nx_target t;
	CHECK(nx_target_preset("m1", &t, &err) == 0);
	nxt_open_opts o = {.model_name = "demo", .target = &t, .script = path};
	/* the unknown command makes the run fail, after the good lines ran */
	CHECK_EQ_INT(nxt_open(g, &o), 1);
	unlink(path);
}

static bool has_word(char **w, const char *want)
{
	bool found = false;
	for (uint32_t i = 0; w && w[i]; i++)
		found |= !strcmp(w[i], want);
	return found;
}

static void free_words(char **w)
{
	for (uint32_t i = 0; w && w[i]; i++)
		free(w[i]);
	free(w);
}

/* Tab's words: commands and passes everywhere, %values of the step on
 * screen, Lua globals and a global table's fields in the console. */
static void completion(void)
{
	nx_err err;
	nx_target t;
	CHECK(nx_target_preset("m1", &t, &err) == 0);
	nxt_open_opts o = {.model_name = "demo", .target = &t, .script = "(test)"};
	nxt_app *a = nxt_app_new(nx_demo(&err), &o, &err);
	CHECK(a != NULL);
	if (!a)
		return;
	char **w = nxt_complete(a, "fold-b", false);
	CHECK(has_word(w, "fold-batchnorm"));
	free_words(w);
	w = nxt_complete(a, "sa", false);
	CHECK(has_word(w, "save") && has_word(w, "save-session") && has_word(w, "save-screen"));
	for (uint32_t i = 1; w && w[i]; i++) /* sorted */
		CHECK(strcmp(w[i - 1], w[i]) < 0);
	free_words(w);
	w = nxt_complete(a, "%stem_b", false);
	CHECK(has_word(w, "%stem_bn"));
	CHECK(!has_word(w, "%stem_conv"));
	free_words(w);
	/* the step on screen: after fold-batchnorm the folded statistics are
	 * gone and the folded weights are new */
	w = nxt_complete(a, "%stem_bn_m", false);
	CHECK(has_word(w, "%stem_bn_mean"));
	free_words(w);
	CHECK(nxt_command(a, "insert 0 fold-batchnorm") != 0);
	CHECK(nxt_command(a, "apply") != 0);
	w = nxt_complete(a, "%stem_bn", false);
	CHECK(!has_word(w, "%stem_bn_mean"));
	CHECK(has_word(w, "%stem_bn.w"));
	free_words(w);
	CHECK(nxt_complete(a, "zzz-nothing", false) == NULL);
	/* Lua only in the console */
	w = nxt_complete(a, "pri", false);
	CHECK(!has_word(w, "print"));
	free_words(w);
	w = nxt_complete(a, "pri", true);
	CHECK(has_word(w, "print"));
	free_words(w);
	w = nxt_complete(a, "nex.ses", true);
	CHECK(has_word(w, "nex.session"));
	free_words(w);
	w = nxt_complete(a, "x'..os.exit()..'", true); /* not a name: nothing runs */
	CHECK(w == NULL);
	nxt_app_free(a);
}

/* Without a terminal nex must not wait for keys: the demo summary, or an
 * error naming what is needed. */
static void no_terminal(void)
{
	int rc;
	char *out = check_nex("", 1, &rc);
	if (!out)
		return; /* NEX_BIN unset: run from ctest */
	CHECK_EQ_INT(rc, 0);
	CHECK_CONTAINS(out, "-- summary of @demo --");
	free(out);
	out = check_nex("demo.nex </dev/null", 1, &rc);
	CHECK_EQ_INT(rc, 1);
	CHECK_CONTAINS(out, "the TUI needs a terminal");
	free(out);
}

int main(int argc, char **argv)
{
	static const check_case cases[] = {
		{"doc_covers_actions", doc_covers_actions},
		{"canvas", canvas},
		{"script_run", script_run},
		{"no_terminal", no_terminal},
		{"completion", completion},
		{0, 0},
	};
	return check_main(cases, argc, argv);
}
