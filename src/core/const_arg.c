/* const_arg.c — the text of a --const binding, "NAME=V" or "NAME=V,V,...",
 * read into a name and a tensor. The CLI reads it from the command line and
 * the session from a session file, where it is kept as that same text, so a
 * replay binds exactly what the command line bound. Numbers only: one is a
 * scalar, more a 1-D list; whole numbers are i64, others f32, true/false
 * are 1/0. The importer then gives the tensor its input's declared dtype
 * and shape (nx_onnx_fit_const), refusing inexact conversions. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nx.h"

/* Longest list taken: --const binds control values, not data. */
#define MAX_VALUES 4096

int nx_const_arg_parse(const char *arg, char **name, nx_tensor *t, nx_err *err)
{
	const char *eq = strchr(arg, '=');
	*name = NULL;
	memset(t, 0, sizeof *t);
	if (!eq || eq == arg || !eq[1]) {
		nx_err_set(err, "--const wants NAME=VALUE or NAME=V,V,...: '%s'", arg);
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
		if (end == p || (*end && *end != ',') || n == MAX_VALUES || !isfinite(d) ||
		    (*end == ',' && !end[1])) {
			nx_err_set(err, "--const %s: wants finite numbers (or true/false) separated "
				   "by commas, at most %d", arg, MAX_VALUES);
			free(x);
			return -1;
		}
		whole &= d == floor(d) && fabs(d) < 9e15;
		x[n++] = d;
		p = *end ? end + 1 : end;
	}
	nx_type ty = n == 1 ? nx_type_make(whole ? NX_I64 : NX_F32, 0, NULL)
			    : nx_type_make(whole ? NX_I64 : NX_F32, 1, &n);
	*t = nx_tensor_alloc(&ty); /* caller frees with nx_tensor_free */
	for (int64_t i = 0; i < n; i++) {
		if (whole)
			nx_tensor_set_int(t, i, (int64_t)x[i]);
		else
			nx_tensor_set(t, i, x[i]);
	}
	free(x);
	size_t nl = (size_t)(eq - arg);
	*name = nx_xmalloc(nl + 1); /* caller frees */
	memcpy(*name, arg, nl);
	(*name)[nl] = 0;
	return 0;
}
