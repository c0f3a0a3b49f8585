/* lua_load.c — --load FILE.lua, --unsafe and the limits (the NXC_OPT_LUA
 * rows' parsers) for the commands that take a pipeline (opt, run, bisect,
 * passes) and for script: a Lua
 * state whose scripts define passes into the session's catalogue. The state must be closed after the
 * session (nxc_lua_close after nxw_session_free). */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "nxl.h"

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

int nxc_arg_load(void *field, const char *cmd, const char *val)
{
	nxc_lua_args *a = field;
	if (a->n >= sizeof a->load / sizeof a->load[0]) {
		fprintf(stderr, "nex%s%s: more than 16 --load options\n", NXC_WHO(cmd));
		return -1;
	}
	a->load[a->n++] = val;
	return 0;
}

int nxc_arg_max_instructions(void *field, const char *cmd, const char *val)
{
	nxc_lua_args *a = field;
	char *end;
	double x = strtod(val, &end);
	if (end == val || *end || x < 0) {
		fprintf(stderr, "nex%s%s: --max-instructions wants a count (1e9)\n", NXC_WHO(cmd));
		return -1;
	}
	a->instructions = (int64_t)x;
	a->set_instructions = true;
	return 0;
}

int nxc_arg_max_memory(void *field, const char *cmd, const char *val)
{
	nxc_lua_args *a = field;
	if ((a->memory = size_arg(val)) < 0) {
		fprintf(stderr, "nex%s%s: --max-memory wants bytes (64M, 1G)\n", NXC_WHO(cmd));
		return -1;
	}
	a->set_memory = true;
	return 0;
}

nxl_limits nxc_lua_limits(const nxc_lua_args *a)
{
	nxl_limits lim = nxl_default_limits;
	lim.unsafe = a->unsafe;
	if (a->set_instructions)
		lim.instructions = a->instructions;
	if (a->set_memory)
		lim.memory = (size_t)a->memory;
	return lim;
}

int nxc_lua_load(const char *cmd, const nxc_lua_args *a, nxw_session *s, nxl_state **out)
{
	*out = NULL;
	if (!a->n)
		return 0;
	nxl_limits lim = nxc_lua_limits(a);
	nx_err err;
	nxl_state *st = nxl_open(s, &lim, &err);
	if (!st) {
		fprintf(stderr, "nex%s%s: %s\n", cmd ? " " : "", cmd ? cmd : "", err.msg);
		return -1;
	}
	for (uint32_t i = 0; i < a->n; i++)
		if (nxl_run_file(st, a->load[i], 0, NULL, NULL, NULL, &err) != 0) {
			fprintf(stderr, "nex%s%s: --load %s: %s\n", cmd ? " " : "", cmd ? cmd : "",
				a->load[i], err.msg);
			nxl_close(st);
			return -1;
		}
	*out = st;
	return 0;
}

void nxc_lua_close(nxl_state *st)
{
	nxl_close(st);
}

int nxc_lua_for_session(const char *cmd, const char *path, nxl_state **out)
{
	*out = NULL;
	nx_err err;
	size_t len;
	char *text = nx_read_file(path, &len, &err);
	if (!text)
		return 0; /* nxw_load reports it */
	nxw_lua_source *src;
	uint32_t n;
	nxw_file_lua_passes(text, len, &src, &n);
	free(text);
	if (!n)
		return 0;
	/* The sources run sandboxed, as any script: a session file from a
	 * colleague is input, not trusted code. */
	nxl_state *st = nxl_open(NULL, &nxl_default_limits, &err);
	int rc = st ? 0 : -1;
	for (uint32_t i = 0; st && i < n && !rc; i++) {
		char name[512];
		snprintf(name, sizeof name, "%s", *src[i].file ? src[i].file : src[i].name);
		if (nxl_run_string(st, src[i].source, name, NULL, NULL, &err)) {
			nx_err_prefix(&err, "%s: lua_passes[%u] (%s): ", path, i, src[i].name);
			rc = -1;
		}
	}
	nxw_lua_sources_free(src, n);
	if (rc) {
		fprintf(stderr, "nex%s%s: %s\n", NXC_WHO(cmd), err.msg);
		nxl_close(st);
		return -1;
	}
	*out = st;
	return 0;
}
