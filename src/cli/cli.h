/* cli.h — what the subcommands share: the command table, option parsing
 * helpers and model loading with the CLI's error conventions (message on
 * stderr naming file/line/op, exit 1 for user errors, 2 for internal ones). */
#ifndef NXC_CLI_H
#define NXC_CLI_H
#include "nx.h"

enum { NXC_OK = 0, NXC_USER = 1, NXC_INTERNAL = 2 };

#define X(name, fn, summary) int fn(int argc, char **argv);
#include "commands.def"
#undef X

/* Loads MODEL: a file path (.nex, .json, .onnx) or "demo" for the built-in
 * model. Prints the error and returns NULL on failure. Caller frees. */
nx_graph *nxc_load(const char *path);
/* True if argv[i] is --help or -h. */
int nxc_wants_help(int argc, char **argv);
/* "--name=value" or "--name value": value and how many argv slots it used, 0
 * if argv[i] is not that option. Missing value -> prints an error, returns -1. */
int nxc_opt(int argc, char **argv, int i, const char *name, const char **val);
/* Parse a whole non-negative number; -1 on garbage. */
long long nxc_num(const char *s);
#endif
