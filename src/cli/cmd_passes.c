/* cmd_passes.c — `nex passes`: the pass catalogue with summaries and
 * options, and the default pipeline. */
#include <string.h>

#include "cli.h"
#include "nxl.h"
#include "nxp.h"

static void list(const nxp_pass *p)
{
	printf("%-18s %s", p->name, p->summary);
	if (p->file)
		printf("  [lua: %s]", p->file);
	printf("\n");
	for (const nxp_option *o = p->options; o && o->name; o++)
		printf("%-18s   %s=%s  %s\n", "", o->name, o->def, o->help);
}

typedef struct passes_opts {
	nxc_lua_args lua;
} passes_opts;

static const nxc_option options[] = {
	NXC_OPT_LUA(passes_opts, lua),
	{0},
};

static const nxc_command command = {
	.name = "passes",
	.args = NULL,
	.min_args = 0,
	.max_args = 0,
	.opts = options,
	.about =
		"Lists every pass with its summary and options, and the default pipeline\n"
		"(with --load, also the Lua passes the file defines, marked [lua: F.lua]).\n"
		"A pipeline is a comma-separated list: a,b{opt=v,opt2=w},-c (- disables).\n",
};

int nxc_passes(int argc, char **argv)
{
	passes_opts o;
	memset(&o, 0, sizeof o);
	int n = nxc_parse(&command, argc, argv, &o, NULL);
	if (n < 0)
		return n == NXC_PARSE_HELP ? NXC_OK : NXC_USER;
	nxc_lua_args lua = o.lua;
	nxl_state *st;
	if (nxc_lua_load("passes", &lua, NULL, &st) != 0)
		return NXC_USER;
	for (int i = 0; nxp_passes[i]; i++)
		list(nxp_passes[i]);
	const nxp_catalog *c = st ? nxl_catalog(st) : NULL;
	for (uint32_t i = 0; c && i < c->n; i++)
		list(c->extra[i]);
	printf("\ndefault pipeline: %s\n", nxp_default_pipeline);
	nxc_lua_close(st);
	return NXC_OK;
}
