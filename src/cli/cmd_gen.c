/* cmd_gen.c — `nex gen`: a synthetic graph from nx_gen (core/gen.c), printed
 * as .nex text or saved in the format its file extension names. Tests and
 * benchmarks use it to get large models without shipping them. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

typedef struct gen_opts {
	const char *kind, *out;
	long long ops, seed, seq, dmodel, heads;
} gen_opts;

static const nxc_option options[] = {
	{"--kind", NULL, "K", NXC_STR, offsetof(gen_opts, kind), 0, NULL,
	 "chain: conv/bn/relu units in a line (some depthwise, some\n"
	 "with a decomposed HardSwish); resnet: bottleneck residual\n"
	 "blocks with a gemm head; transformer: pre-norm encoder layers\n"
	 "(required)"},
	{"--ops", NULL, "N", NXC_NUM, offsetof(gen_opts, ops), UINT32_MAX, NULL,
	 "op count to reach (required)"},
	{"--seed", NULL, "S", NXC_NUM, offsetof(gen_opts, seed), INT64_MAX, NULL,
	 "seed of weights and structural choices (default 1)"},
	{"--seq", NULL, "L", NXC_NUM, offsetof(gen_opts, seq), UINT32_MAX, NULL,
	 "transformer sequence length (default 128)"},
	{"--dmodel", NULL, "D", NXC_NUM, offsetof(gen_opts, dmodel), UINT32_MAX, NULL,
	 "transformer width (default 768)"},
	{"--heads", NULL, "H", NXC_NUM, offsetof(gen_opts, heads), UINT32_MAX, NULL,
	 "transformer attention heads, dividing D (default 12)"},
	{"-o", "--output", "FILE", NXC_STR, offsetof(gen_opts, out), 0, NULL,
	 "save to FILE (.nex, .json or .onnx) instead of printing"},
	{0},
};

static const nxc_command command = {
	.name = "gen",
	.args = NULL,
	.min_args = 0,
	.max_args = 0,
	.opts = options,
	.about =
		"Generates a synthetic graph of about N ops (constants are not ops; whole\n"
		"blocks are added, so the count may exceed N by less than one block).\n"
		"The same options always give the same graph.\n",
};

int nxc_gen(int argc, char **argv)
{
	/* -1: not given (0 is a valid seed; seq, dmodel, heads 0 = nx_gen's default) */
	gen_opts go = {.kind = NULL, .out = NULL, .ops = -1, .seed = 1};
	int n = nxc_parse(&command, argc, argv, &go, NULL);
	if (n < 0)
		return n == NXC_PARSE_HELP ? NXC_OK : NXC_USER;
	if (!go.kind || go.ops < 0) {
		fprintf(stderr, "nex gen: --kind and --ops are required (see nex gen --help)\n");
		return NXC_USER;
	}
	nx_gen_opts o;
	memset(&o, 0, sizeof o);
	o.kind = nx_gen_kind_parse(go.kind);
	if (o.kind < 0) {
		fprintf(stderr, "nex gen: unknown kind '%s' (chain, resnet or transformer)\n",
			go.kind);
		return NXC_USER;
	}
	o.ops = (uint32_t)go.ops;
	o.seed = (uint64_t)go.seed;
	o.seq = (uint32_t)go.seq;
	o.dmodel = (uint32_t)go.dmodel;
	o.heads = (uint32_t)go.heads;
	const char *out = go.out;
	nx_err err;
	nx_graph *g = nx_gen(&o, &err);
	if (!g) {
		fprintf(stderr, "nex: %s\n", err.msg);
		return NXC_USER;
	}
	int rc = NXC_OK;
	if (out) {
		if (nx_save(g, out, &err) != 0) {
			fprintf(stderr, "nex: %s\n", err.msg);
			rc = NXC_USER;
		}
	} else if (nx_print(g, stdout, &nx_print_defaults) != 0 || fflush(stdout) != 0) {
		fprintf(stderr, "nex gen: cannot write to stdout\n");
		rc = NXC_USER;
	}
	nx_graph_free(g);
	return rc;
}
