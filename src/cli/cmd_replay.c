/* cmd_replay.c — `nex replay SESSION`: re-runs a saved session headless and
 * reports every step whose IR differs from the hash saved with it (exit 1
 * when one differs, naming the step, its pass and the first line that
 * differs). --recover replays the journal's last state instead of the file. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "nxl.h"
#include "nxw.h"

static const char help[] =
	"usage: nex replay SESSION.nex.json [--model PATH] [--recover] [--keep-going]\n\n"
	"Re-runs every step of a saved session (pass, options, rewrite budget) on its\n"
	"model and target and compares each step's IR with the hash saved with it.\n"
	"Exit 0 when every step matches, 1 when one differs (named with its pass and\n"
	"the first line that differs) or the session cannot be opened.\n"
	"  --model PATH   the model moved or changed: use PATH instead of the saved one\n"
	"  --recover      replay the journal's last state (after a crash) instead\n"
	"  --keep-going   report every differing step, not only the first\n";

struct replay_args {
	nxw_load_opts o;
};

static int replay_opt(void *p, int argc, char **argv, int i)
{
	struct replay_args *r = p;
	int used = nxc_opt(argc, argv, i, "--model", &r->o.model);
	if (used)
		return used;
	if (!strcmp(argv[i], "--recover"))
		return r->o.from_journal = true, 1;
	if (!strcmp(argv[i], "--keep-going"))
		return r->o.keep_going = true, 1;
	return 0;
}

int nxc_replay(int argc, char **argv)
{
	if (nxc_wants_help(argc, argv)) {
		fputs(help, stdout);
		return NXC_OK;
	}
	nxc_shapes shapes = {.n = 0};
	struct replay_args r = {{0}};
	const char *path = NULL;
	int rc = NXC_USER;
	if (nxc_scan(argc, argv, &shapes, replay_opt, &r, &path, 1, "one SESSION only", help) < 0)
		goto out;
	if (!path) {
		fputs(help, stderr);
		goto out;
	}
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
