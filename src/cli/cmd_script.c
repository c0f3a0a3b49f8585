/* cmd_script.c — `nex script FILE.lua [args...]`: runs a Lua script
 * headless with the `nex` module, `arg` holding its arguments and print
 * going to stdout. Sandboxed unless --unsafe; the limits can be raised. */
#include <string.h>

#include "cli.h"
#include "nxl.h"

static const char help[] =
	"usage: nex script [--unsafe] [--max-instructions N] [--max-memory BYTES]\n"
	"                  [--shape NAME=d,d,..]... [--load F.lua]... FILE.lua [args...]\n\n"
	"Runs FILE.lua with the `nex` module (docs/lua-api.md); arg[1..] are the\n"
	"arguments after FILE.lua, arg[0] the file. Options go before FILE.lua.\n"
	"  --unsafe              every standard library (io, os, package, ...) and\n"
	"                        writes anywhere; by default the script is sandboxed:\n"
	"                        no io, os cut to clock/time/date, no binary chunks,\n"
	"                        files written only under the working directory\n"
	"  --max-instructions N  VM instructions before the script is stopped\n"
	"                        (default 1e9; 0 = no limit)\n"
	"  --max-memory BYTES    Lua heap cap (default 512MiB; K/M/G suffixes; 0 = none)\n"
	"  --load F.lua          run F.lua first (its passes are then known)\n"
	"  --shape NAME=d,..     bind a dynamic ONNX input for nex.open calls that give\n"
	"                        no shapes (e.g. the experiments on det.onnx)\n"
	"Exit 0, or 1 with the error (file:line) on stderr.\n";

int nxc_script(int argc, char **argv)
{
	if (nxc_wants_help(argc, argv) && (argc < 2 || argv[1][0] == '-')) {
		fputs(help, stdout);
		return NXC_OK;
	}
	nxc_shapes shapes = {.n = 0};
	nxc_lua_args lua = {.n = 0};
	int i = 1, rc = NXC_USER;
	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		int used = nxc_shape_opt(argc, argv, i, &shapes);
		if (used == 0)
			used = nxc_lua_opt(argc, argv, i, &lua);
		if (used < 0)
			goto out;
		if (used == 0) {
			fprintf(stderr, "nex script: unknown option %s\n%s", argv[i], help);
			goto out;
		}
		i += used - 1;
	}
	if (i >= argc) {
		fputs(help, stderr);
		goto out;
	}
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
