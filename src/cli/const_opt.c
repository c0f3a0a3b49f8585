/* const_opt.c — the --const NAME=VALUE option of every model-loading
 * command: a graph input imported as a constant (scalars and small tensors:
 * the If conditions, sample rates and flags that decide a model's control
 * flow). The value is numbers only; the importer gives it the input's
 * declared dtype and shape (nx_onnx_fit_const), so `--const sr=16000` binds
 * an int64 scalar and `--const mask=1,0,1` a bool[3]. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Longest list --const takes: it binds control values, not data. */
#define MAX_VALUES 4096

int nxc_consts_add(void *field, const char *cmd, const char *v)
{
	nxc_shapes *s = field;
	const char *eq = strchr(v, '=');
	if (!eq || eq == v || !eq[1]) {
		fprintf(stderr, "nex%s%s: --const wants NAME=VALUE or NAME=V,V,...: '%s'\n",
			NXC_WHO(cmd), v);
		return -1;
	}
	if (s->n_consts >= sizeof s->const_names / sizeof s->const_names[0]) {
		fprintf(stderr, "nex%s%s: --const given more than %zu times\n", NXC_WHO(cmd),
			sizeof s->const_names / sizeof s->const_names[0]);
		return -1;
	}
	size_t nl = (size_t)(eq - v);
	for (uint32_t i = 0; i < s->n_consts; i++)
		if (strlen(s->const_names[i]) == nl && !strncmp(s->const_names[i], v, nl)) {
			fprintf(stderr, "nex%s%s: --const %.*s given twice\n", NXC_WHO(cmd),
				(int)nl, v);
			return -1;
		}
	double *x = nx_xmalloc(MAX_VALUES * sizeof *x); /* freed below */
	int64_t n = 0;
	bool whole = true;
	for (const char *p = eq + 1; *p;) {
		char *end;
		double d;
		if (!strncmp(p, "true", 4) && (!p[4] || p[4] == ','))
			d = 1, end = (char *)p + 4;
		else if (!strncmp(p, "false", 5) && (!p[5] || p[5] == ','))
			d = 0, end = (char *)p + 5;
		else
			d = strtod(p, &end);
		if (end == p || (*end && *end != ',') || n == MAX_VALUES || !isfinite(d)) {
			fprintf(stderr, "nex%s%s: --const %s: wants finite numbers (or true/false) "
				"separated by commas, at most %d\n", NXC_WHO(cmd), v, MAX_VALUES);
			free(x);
			return -1;
		}
		whole &= d == floor(d) && fabs(d) < 9e15;
		x[n++] = d;
		p = *end ? end + 1 : end;
		if (*end && !*p) {
			fprintf(stderr, "nex%s%s: --const %s: a value is missing after the last "
				"comma\n", NXC_WHO(cmd), v);
			free(x);
			return -1;
		}
	}
	/* One number is a scalar, more a list; integers stay exact as i64 and
	 * the importer converts to the input's dtype (refusing inexact ones). */
	nx_type t = n == 1 ? nx_type_make(whole ? NX_I64 : NX_F32, 0, NULL)
			   : nx_type_make(whole ? NX_I64 : NX_F32, 1, &n);
	nx_tensor tt = nx_tensor_alloc(&t); /* owned by s, freed by nxc_shapes_free */
	for (int64_t i = 0; i < n; i++) {
		if (whole)
			nx_tensor_set_int(&tt, i, (int64_t)x[i]);
		else
			nx_tensor_set(&tt, i, x[i]);
	}
	free(x);
	char *name = nx_xmalloc(nl + 1); /* owned by s */
	memcpy(name, v, nl);
	name[nl] = 0;
	s->const_names[s->n_consts] = name;
	s->const_values[s->n_consts++] = tt;
	return 0;
}
