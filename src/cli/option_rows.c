/* option_rows.c — the parsers behind the option rows that several commands
 * share (cli.h: NXC_OPT_PIPELINE, NXC_OPT_TARGET, NXC_OPT_LUA): values that
 * need more than a string or a flag (a step number that may be -1, a
 * repeatable option into a fixed array, a byte size). Each prints
 * "nex CMD: ..." and returns -1 on a bad value, as nxc_parse's own kinds do.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static int push(const char **v, uint32_t *n, const char *cmd, const char *opt, const char *val)
{
	if (*n >= NXC_MAX_SETS) {
		fprintf(stderr, "nex%s%s: more than %d %s options\n", NXC_WHO(cmd), NXC_MAX_SETS, opt);
		return -1;
	}
	v[(*n)++] = val;
	return 0;
}

int nxc_arg_set(void *field, const char *cmd, const char *val)
{
	nxc_pipeline_args *a = field;
	return push(a->sets, &a->n_sets, cmd, "--set", val);
}

int nxc_arg_note(void *field, const char *cmd, const char *val)
{
	nxc_pipeline_args *a = field;
	return push(a->notes, &a->n_notes, cmd, "--note", val);
}

static int step(int32_t *field, const char *cmd, const char *opt, const char *val)
{
	long long v = nxc_num(val);
	if (v < 0 || v > INT32_MAX) {
		fprintf(stderr, "nex%s%s: %s wants a step number\n", NXC_WHO(cmd), opt);
		return -1;
	}
	*field = (int32_t)v;
	return 0;
}

int nxc_arg_until(void *field, const char *cmd, const char *val)
{
	return step(field, cmd, "--until", val);
}

int nxc_arg_pin(void *field, const char *cmd, const char *val)
{
	return step(field, cmd, "--pin", val);
}

int nxc_arg_verify_each(void *field, const char *cmd, const char *val)
{
	bool *full = field;
	if (strcmp(val, "full") && strcmp(val, "incremental")) {
		fprintf(stderr, "nex%s%s: --verify-each wants incremental or full, not '%s'\n",
			NXC_WHO(cmd), val);
		return -1;
	}
	*full = !strcmp(val, "full");
	return 0;
}
