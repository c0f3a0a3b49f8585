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

nx_onnx_opts nxc_onnx_opts(const nxc_shapes *s)
{
	nx_onnx_opts o;
	memset(&o, 0, sizeof o);
	o.binds = s->b;
	o.n_binds = s->n;
	o.allow_outside = s->allow_outside;
	o.const_names = (const char *const *)s->const_names;
	o.const_values = s->const_values;
	o.n_consts = s->n_consts;
	o.unroll_limit = (uint32_t)s->unroll_limit;
	o.f64_as_f32 = s->f64_as_f32;
	return o;
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
	for (uint32_t i = 0; i < s->n_consts; i++) {
		free(s->const_names[i]);
		nx_tensor_free(&s->const_values[i]);
	}
	s->n_consts = 0;
}
