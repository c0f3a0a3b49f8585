/* const_opt.c — the --const NAME=VALUE option of every model-loading
 * command: a graph input imported as a constant (scalars and small tensors:
 * the If conditions, sample rates and flags that decide a model's control
 * flow). The text is read by nx_const_arg_parse (core/const_arg.c, which
 * session files share); the importer gives the value the input's declared
 * dtype and shape, so `--const sr=16000` binds an int64 scalar and
 * `--const mask=1,0,1` a bool[3]. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int nxc_consts_add(void *field, const char *cmd, const char *v)
{
	nxc_shapes *s = field;
	if (s->n_consts >= sizeof s->const_names / sizeof s->const_names[0]) {
		fprintf(stderr, "nex%s%s: --const given more than %zu times\n", NXC_WHO(cmd),
			sizeof s->const_names / sizeof s->const_names[0]);
		return -1;
	}
	char *name;
	nx_tensor t;
	nx_err err;
	if (nx_const_arg_parse(v, &name, &t, &err)) {
		fprintf(stderr, "nex%s%s: %s\n", NXC_WHO(cmd), err.msg);
		return -1;
	}
	for (uint32_t i = 0; i < s->n_consts; i++)
		if (!strcmp(s->const_names[i], name)) {
			fprintf(stderr, "nex%s%s: --const %s given twice\n", NXC_WHO(cmd), name);
			free(name);
			nx_tensor_free(&t);
			return -1;
		}
	/* name and t owned by s (nxc_shapes_free); the text, from argv, is what
	 * a saved session records */
	s->const_args[s->n_consts] = v;
	s->const_names[s->n_consts] = name;
	s->const_values[s->n_consts++] = t;
	return 0;
}
