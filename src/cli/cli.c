/* cli.c — helpers shared by the subcommands (see cli.h). */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

nx_graph *nxc_load_opts(const char *path, const nx_onnx_opts *o)
{
	nx_err err;
	nx_graph *g;
	if (!strcmp(path, "demo"))
		g = nx_demo(&err);
	else
		g = nx_load_with(path, o, &err);
	if (!g)
		fprintf(stderr, "nex: %s\n", err.msg);
	return g;
}

nx_graph *nxc_load(const char *path)
{
	return nxc_load_opts(path, NULL);
}

int nxc_shape_opt(int argc, char **argv, int i, nxc_shapes *s)
{
	if (!strcmp(argv[i], "--allow-outside")) {
		s->allow_outside = true;
		return 1;
	}
	const char *v;
	int used = nxc_opt(argc, argv, i, "--shape", &v);
	if (used <= 0)
		return used;
	return nxc_shapes_add(s, argv[0], v) ? -1 : used;
}

nx_onnx_opts nxc_onnx_opts(const nxc_shapes *s)
{
	nx_onnx_opts o;
	memset(&o, 0, sizeof o);
	o.binds = s->b;
	o.n_binds = s->n;
	o.allow_outside = s->allow_outside;
	return o;
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

void nxc_shapes_free(nxc_shapes *s)
{
	for (uint32_t i = 0; i < s->n; i++)
		free((char *)s->b[i].name);
	s->n = 0;
}

int nxc_scan(int argc, char **argv, nxc_shapes *s, nxc_optfn opt, void *ctx,
	     const char **paths, int max, const char *too_many, const char *help)
{
	int n = 0;
	for (int i = 1; i < argc; i++) {
		int used = nxc_shape_opt(argc, argv, i, s);
		if (used == 0 && opt)
			used = opt(ctx, argc, argv, i);
		if (used < 0)
			return -1;
		if (used > 0) {
			i += used - 1;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "nex %s: unknown option %s\n%s", argv[0], argv[i], help);
			return -1;
		} else if (n < max) {
			paths[n++] = argv[i];
		} else {
			fprintf(stderr, "nex %s: %s\n%s", argv[0], too_many, help);
			return -1;
		}
	}
	return n;
}
