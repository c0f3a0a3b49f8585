/* main.c — the nex command line: dispatch to the subcommands listed in
 * src/cli/commands.def. With no command, or a MODEL and TUI options instead
 * of one, nex opens the terminal UI (src/cli/cmd_tui.c) on the built-in
 * demo or the model. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *summary;
} commands[] = {
#define X(name, fn, summary) {name, fn, summary},
#include "commands.def"
#undef X
};

static void usage(FILE *f)
{
	fprintf(f, "usage: nex [COMMAND] [ARGS...]\n\n"
		   "nex is a workbench for a Neural-Engine-like accelerator compiler.\n"
		   "With no command it opens the terminal UI on the built-in demo model;\n"
		   "`nex MODEL [--target T] [--pipeline P] [--shape N=D]` opens it on MODEL\n"
		   "(`nex --help-tui` tells more).\n\ncommands:\n");
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(f, "  %-12s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n`nex COMMAND --help` tells more. Exit codes: 0 ok, 1 user error, "
		   "2 internal error.\n");
}

int main(int argc, char **argv)
{
	nx_process_init();
	if (argc < 2) {
		char *tui_argv[] = {"nex", NULL};
		return nxc_tui(1, tui_argv);
	}
	if (!strcmp(argv[1], "--help-tui")) {
		char *tui_argv[] = {"nex", "--help", NULL};
		return nxc_tui(2, tui_argv);
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("nex %s\n", NX_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
		if (strcmp(argv[1], commands[i].name))
			continue;
		for (int a = 2; a < argc; a++)
			if (!strcmp(argv[a], "--version")) {
				printf("nex %s\n", NX_VERSION);
				return 0;
			}
		return commands[i].fn(argc - 1, argv + 1);
	}
	/* not a command: a model to open (a path or "demo") or TUI options */
	if (argv[1][0] == '-' || strchr(argv[1], '.') || strchr(argv[1], '/') ||
	    !strcmp(argv[1], "demo")) {
		argv[0] = "nex";
		return nxc_tui(argc, argv);
	}
	fprintf(stderr, "nex: unknown command '%s'\n\n", argv[1]);
	usage(stderr);
	return 1;
}
