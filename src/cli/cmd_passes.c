/* cmd_passes.c — `nex passes`: the pass catalogue with summaries and
 * options, and the default pipeline. */
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

static int passes_opt(void *ctx, int argc, char **argv, int i)
{
	return nxc_lua_opt(argc, argv, i, ctx);
}

int nxc_passes(int argc, char **argv)
{
	static const char help[] =
		"usage: nex passes [--load F.lua]... [--unsafe]\n\nLists every pass with its "
		"summary and options, and the default pipeline.\nA pipeline is a "
		"comma-separated list: a,b{opt=v,opt2=w},-c (- disables).\n"
		"  --load F.lua  also the Lua passes F.lua defines, marked [lua: F.lua]\n";
	if (nxc_wants_help(argc, argv)) {
		fputs(help, stdout);
		return NXC_OK;
	}
	nxc_lua_args lua = {.n = 0};
	nxc_shapes shapes = {.n = 0};
	int n = nxc_scan(argc, argv, &shapes, passes_opt, &lua, NULL, 0, "no MODEL", help);
	nxc_shapes_free(&shapes);
	if (n < 0)
		return NXC_USER;
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
