/* cmd_script.c — `nex script FILE.lua [args...]`: runs a Lua script
 * headless with the `nex` module, `arg` holding its arguments and print
 * going to stdout. Sandboxed unless --unsafe; the limits can be raised. */
#include <string.h>

#include "cli.h"
#include "nxl.h"

typedef struct script_opts {
	nxc_shapes shapes;
	nxc_lua_args lua;
} script_opts;

static const nxc_option options[] = {
	{"--unsafe", NULL, NULL, NXC_FLAG, offsetof(script_opts, lua.unsafe), 0, NULL,
	 "every standard library (io, os, package, ...) and\n"
	 "writes anywhere; by default the script is sandboxed:\n"
	 "no io, os cut to clock/time/date, no binary chunks,\n"
	 "files written only under the working directory"},
	{"--max-instructions", NULL, "N", NXC_CALL, offsetof(script_opts, lua), 0,
	 nxc_arg_max_instructions, "VM instructions before the script is stopped\n"
	 "(default 1e9; 0 = no limit)"},
	{"--max-memory", NULL, "BYTES", NXC_CALL, offsetof(script_opts, lua), 0,
	 nxc_arg_max_memory, "Lua heap cap (default 512MiB; K/M/G suffixes; 0 = none)"},
	{"--load", NULL, "F.lua", NXC_CALL, offsetof(script_opts, lua), 0, nxc_arg_load,
	 "run F.lua first (its passes are then known)"},
	{"--shape", NULL, "NAME=d,d,...", NXC_CALL, offsetof(script_opts, shapes), 0,
	 nxc_shapes_add, "bind a dynamic ONNX input for nex.open calls that give\n"
	 "no shapes (e.g. the experiments on det.onnx)"},
	{0},
};

static const nxc_command command = {
	.name = "script",
	.args = "FILE.lua [args...]",
	.min_args = 1,
	.max_args = 1,
	.opts = options,
	.stop_at_arg = true,
	.about =
		"Runs FILE.lua with the `nex` module (docs/lua-api.md); arg[1..] are the\n"
		"arguments after FILE.lua, arg[0] the file. Options go before FILE.lua.\n",
	.notes = "Exit 0, or 1 with the error (file:line) on stderr.\n",
};

int nxc_script(int argc, char **argv)
{
	script_opts o;
	memset(&o, 0, sizeof o);
	const char *file = NULL;
	int np = nxc_parse(&command, argc, argv, &o, &file);
	nxc_shapes shapes = o.shapes; /* freed at out */
	nxc_lua_args lua = o.lua;
	int rc = np == NXC_PARSE_HELP ? NXC_OK : NXC_USER;
	if (np < 0)
		goto out;
	rc = NXC_USER;
	int i = 1;
	while (argv[i] != file) /* FILE.lua's slot: its arguments follow it */
		i++;
	nx_err err;
	nxl_state *st;
	if (nxc_lua_load("script", &lua, NULL, &st) != 0)
		goto out;
	if (!st) {
		nxl_limits lim = nxc_lua_limits(&lua);
		if (!(st = nxl_open(NULL, &lim, &err))) {
			fprintf(stderr, "nex script: %s\n", err.msg);
			rc = NXC_INTERNAL;
			goto out;
		}
	}
	nxl_set_shapes(st, shapes.b, shapes.n);
	rc = nxl_run_file(st, argv[i], argc - i - 1, argv + i + 1, NULL, NULL, &err) ? NXC_USER
										   : NXC_OK;
	fflush(stdout);
	if (rc != NXC_OK)
		fprintf(stderr, "nex script: %s\n", err.msg);
	nxl_close(st);
out:
	nxc_shapes_free(&shapes);
	return rc;
}
