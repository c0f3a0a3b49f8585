/* cli.c — helpers shared by the subcommands (see cli.h). */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

nx_graph *nxc_load(const char *path)
{
	nx_err err;
	nx_graph *g = !strcmp(path, "demo") ? nx_demo(&err) : nx_load(path, &err);
	if (!g)
		fprintf(stderr, "nex: %s\n", err.msg);
	return g;
}

int nxc_wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return 1;
	return 0;
}

int nxc_opt(int argc, char **argv, int i, const char *name, const char **val)
{
	size_t n = strlen(name);
	if (strncmp(argv[i], name, n))
		return 0;
	if (argv[i][n] == '=') {
		*val = argv[i] + n + 1;
		return 1;
	}
	if (argv[i][n])
		return 0;
	if (i + 1 >= argc) {
		fprintf(stderr, "nex %s: %s needs a value\n", argv[0], name);
		return -1;
	}
	*val = argv[i + 1];
	return 2;
}

long long nxc_num(const char *s)
{
	char *end;
	if (!s || !*s)
		return -1;
	long long v = strtoll(s, &end, 10);
	return *end || v < 0 ? -1 : v;
}
