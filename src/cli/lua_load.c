/* lua_load.c — --load FILE.lua and --unsafe for the commands that take a
 * pipeline (opt, run, bisect, passes): a Lua state whose scripts define
 * passes into the session's catalogue. The state must be closed after the
 * session (nxc_lua_close after nxw_session_free). */
#include <string.h>

#include "cli.h"
#include "nxl.h"

int nxc_lua_opt(int argc, char **argv, int i, nxc_lua_args *a)
{
	const char *v;
	int used = nxc_opt(argc, argv, i, "--load", &v);
	if (used > 0) {
		if (a->n >= sizeof a->load / sizeof a->load[0]) {
			fprintf(stderr, "nex %s: more than 16 --load options\n", argv[0]);
			return -1;
		}
		a->load[a->n++] = v;
	}
	if (used)
		return used;
	if (!strcmp(argv[i], "--unsafe"))
		return a->unsafe = true, 1;
	return 0;
}

int nxc_lua_load(const char *cmd, const nxc_lua_args *a, nxw_session *s, nxl_state **out)
{
	*out = NULL;
	if (!a->n)
		return 0;
	nxl_limits lim = nxl_default_limits;
	lim.unsafe = a->unsafe;
	nx_err err;
	nxl_state *st = nxl_open(s, &lim, &err);
	if (!st) {
		fprintf(stderr, "nex %s: %s\n", cmd, err.msg);
		return -1;
	}
	for (uint32_t i = 0; i < a->n; i++)
		if (nxl_run_file(st, a->load[i], 0, NULL, NULL, NULL, &err) != 0) {
			fprintf(stderr, "nex %s: --load %s: %s\n", cmd, a->load[i], err.msg);
			nxl_close(st);
			return -1;
		}
	*out = st;
	return 0;
}

void nxc_lua_close(nxl_state *st)
{
	nxl_close(st);
}
