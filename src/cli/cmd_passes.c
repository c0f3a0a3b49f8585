/* cmd_passes.c — `nex passes`: the pass catalogue with summaries and
 * options, and the default pipeline. */
#include "cli.h"
#include "nxp.h"

static const nxc_command command = {
	.name = "passes",
	.about =
		"Lists every pass with its summary and options, and the default pipeline.\n"
		"A pipeline is a comma-separated list: a,b{opt=v,opt2=w},-c (- disables).\n",
};

int nxc_passes(int argc, char **argv)
{
	int n = nxc_parse(&command, argc, argv, NULL, NULL);
	if (n < 0)
		return n == NXC_PARSE_HELP ? NXC_OK : NXC_USER;
	for (int i = 0; nxp_passes[i]; i++) {
		const nxp_pass *p = nxp_passes[i];
		printf("%-18s %s\n", p->name, p->summary);
		for (const nxp_option *o = p->options; o && o->name; o++)
			printf("%-18s   %s=%s  %s\n", "", o->name, o->def, o->help);
	}
	printf("\ndefault pipeline: %s\n", nxp_default_pipeline);
	return NXC_OK;
}
