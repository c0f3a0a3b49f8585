/* cmd_script.c — `nex script FILE.lua [args...]`: runs a Lua script
 * headless with the `nex` module, `arg` holding its arguments and print
 * going to stdout. Sandboxed unless --unsafe; the limits can be raised. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "nxl.h"

static const char help[] =
	"usage: nex script [--unsafe] [--max-instructions N] [--max-memory BYTES]\n"
	"                  [--shape NAME=d,d,..]... FILE.lua [args...]\n\n"
	"Runs FILE.lua with the `nex` module (docs/lua-api.md); arg[1..] are the\n"
	"arguments after FILE.lua, arg[0] the file. Options go before FILE.lua.\n"
	"  --unsafe              every standard library (io, os, package, ...) and\n"
	"                        writes anywhere; by default the script is sandboxed:\n"
	"                        no io, os cut to clock/time/date, no binary chunks,\n"
	"                        files written only under the working directory\n"
	"  --max-instructions N  VM instructions before the script is stopped\n"
	"                        (default 1e9; 0 = no limit)\n"
	"  --max-memory BYTES    Lua heap cap (default 512MiB; K/M/G suffixes; 0 = none)\n"
	"  --shape NAME=d,..     bind a dynamic ONNX input for nex.open calls that give\n"
	"                        no shapes (e.g. the experiments on det.onnx)\n"
	"Exit 0, or 1 with the error (file:line) on stderr.\n";

/* "512M", "64K", "1G" or plain bytes; -1 on garbage. */
static long long size_arg(const char *s)
{
	char *end;
	double x = strtod(s, &end);
	if (end == s || x < 0)
		return -1;
	if (*end == 'K' || *end == 'k')
		x *= 1024, end++;
	else if (*end == 'M' || *end == 'm')
		x *= 1024 * 1024, end++;
	else if (*end == 'G' || *end == 'g')
		x *= 1024.0 * 1024 * 1024, end++;
	if (!strcmp(end, "iB") || !strcmp(end, "B"))
		end += strlen(end);
	return *end ? -1 : (long long)x;
}

int nxc_script(int argc, char **argv)
{
	if (nxc_wants_help(argc, argv) && (argc < 2 || argv[1][0] == '-')) {
		fputs(help, stdout);
		return NXC_OK;
	}
	nxl_limits lim = nxl_default_limits;
	nxc_shapes shapes = {.n = 0};
	int i = 1, rc = NXC_USER;
	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		const char *v;
		int used = nxc_shape_opt(argc, argv, i, &shapes);
		if (used < 0)
			goto out;
		if (used > 0) {
			i += used - 1;
		} else if (!strcmp(argv[i], "--unsafe")) {
			lim.unsafe = true;
		} else if ((used = nxc_opt(argc, argv, i, "--max-instructions", &v)) != 0) {
			if (used < 0)
				goto out;
			double x = strtod(v, NULL);
			if (x < 0 || (x == 0 && strcmp(v, "0"))) {
				fprintf(stderr, "nex script: --max-instructions wants a count\n");
				goto out;
			}
			lim.instructions = (int64_t)x;
			i += used - 1;
		} else if ((used = nxc_opt(argc, argv, i, "--max-memory", &v)) != 0) {
			if (used < 0)
				goto out;
			long long b = size_arg(v);
			if (b < 0) {
				fprintf(stderr, "nex script: --max-memory wants bytes (64M, 1G)\n");
				goto out;
			}
			lim.memory = (size_t)b;
			i += used - 1;
		} else {
			fprintf(stderr, "nex script: unknown option %s\n%s", argv[i], help);
			goto out;
		}
	}
	if (i >= argc) {
		fputs(help, stderr);
		goto out;
	}
	nx_err err;
	nxl_state *st = nxl_open(NULL, &lim, &err);
	if (!st) {
		fprintf(stderr, "nex script: %s\n", err.msg);
		rc = NXC_INTERNAL;
		goto out;
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
