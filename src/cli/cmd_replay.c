/* cmd_replay.c — `nex replay SESSION`: re-runs a saved session headless and
 * reports every step whose IR differs from the hash saved with it (exit 1
 * when one differs, naming the step, its pass and the first line that
 * differs). --recover replays the journal's last state instead of the file. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "nxl.h"
#include "nxw.h"

typedef struct replay_opts {
	nxc_shapes shapes;  /* only to refuse --shape with a reason */
	nxw_load_opts o;
} replay_opts;

static const nxc_option options[] = {
	{"--model", NULL, "PATH", NXC_STR, offsetof(replay_opts, o.model), 0, NULL,
	 "the model moved or changed: use PATH instead of the saved one"},
	{"--recover", NULL, NULL, NXC_FLAG, offsetof(replay_opts, o.from_journal), 0, NULL,
	 "replay the journal's last state (after a crash) instead"},
	{"--keep-going", NULL, NULL, NXC_FLAG, offsetof(replay_opts, o.keep_going), 0, NULL,
	 "report every differing step, not only the first"},
	{"--shape", NULL, "NAME=d,d,...", NXC_CALL, offsetof(replay_opts, shapes), 0,
	 nxc_shapes_add, "refused: the session saved its shapes"},
	{0},
};

static const nxc_command command = {
	.name = "replay",
	.args = "SESSION.nex.json",
	.min_args = 1,
	.max_args = 1,
	.opts = options,
	.about =
		"Re-runs every step of a saved session (pass, options, rewrite budget) on its\n"
		"model and target and compares each step's IR with the hash saved with it.\n"
		"Exit 0 when every step matches, 1 when one differs (named with its pass and\n"
		"the first line that differs) or the session cannot be opened.\n",
};

int nxc_replay(int argc, char **argv)
{
	replay_opts r;
	memset(&r, 0, sizeof r);
	const char *path = NULL;
	int np = nxc_parse(&command, argc, argv, &r, &path);
	nxc_shapes shapes = r.shapes; /* freed at out */
	int rc = np == NXC_PARSE_HELP ? NXC_OK : NXC_USER;
	if (np < 0)
		goto out;
	rc = NXC_USER;
	if (shapes.n) {
		fprintf(stderr, "nex replay: --shape is saved in the session; it cannot be "
			"changed on replay\n");
		goto out;
	}
	if (!r.o.from_journal && nxw_journal_pending(path))
		fprintf(stderr, "nex replay: %s.journal holds actions after the last save "
			"(a crash?): `nex replay %s --recover` replays them\n", path, path);
	nx_err err;
	nxw_load_report rep;
	nxl_state *lua = NULL;
	if (nxc_lua_for_session("replay", path, &lua))
		goto out;
	r.o.catalog = lua ? nxl_catalog(lua) : NULL;
	nxw_session *s = nxw_load(path, &r.o, &rep, &err);
	if (!s) {
		fprintf(stderr, "nex replay: %s\n", err.msg);
		nxc_lua_close(lua);
		goto out;
	}
	if (rep.warning[0])
		fprintf(stderr, "nex replay: warning: %s\n", rep.warning);
	for (uint32_t i = 0; i < rep.n; i++) {
		const nxw_mismatch *m = &rep.m[i];
		printf("step %u (%s): IR differs from the saved session", m->step, m->pass);
		if (m->line)
			printf(", first at line %u: %s", m->line, m->first_line);
		printf("\n");
	}
	const nxw_step *last = &s->steps[s->n_steps - 1];
	printf("%s: %u steps replayed, %u differ%s; cursor at step %u (%s)\n", path, rep.steps,
	       rep.n, last->ok ? "" : "; the last step fails as saved", s->cursor,
	       s->steps[s->cursor].pass);
	rc = rep.n ? NXC_USER : NXC_OK;
	free(rep.m);
	nxw_session_free(s);
	nxc_lua_close(lua);
out:
	nxc_shapes_free(&shapes);
	return rc;
}
