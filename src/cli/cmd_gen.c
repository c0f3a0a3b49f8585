/* cmd_gen.c — `nex gen`: a synthetic graph from nx_gen (core/gen.c), printed
 * as .nex text or saved in the format its file extension names. Tests and
 * benchmarks use it to get large models without shipping them. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: nex gen --kind chain|resnet|transformer --ops N [--seed S] [-o FILE]\n"
		"               [--seq L] [--dmodel D] [--heads H]\n\n"
		"Generates a synthetic graph of about N ops (constants are not ops; whole\n"
		"blocks are added, so the count may exceed N by less than one block).\n"
		"The same options always give the same graph.\n\n"
		"  --kind K      chain: conv/bn/relu units in a line (some depthwise, some\n"
		"                with a decomposed HardSwish); resnet: bottleneck residual\n"
		"                blocks with a gemm head; transformer: pre-norm encoder layers\n"
		"  --ops N       op count to reach (required)\n"
		"  --seed S      seed of weights and structural choices (default 1)\n"
		"  --seq L       transformer sequence length (default 128)\n"
		"  --dmodel D    transformer width (default 768)\n"
		"  --heads H     transformer attention heads, dividing D (default 12)\n"
		"  -o FILE       save to FILE (.nex, .json or .onnx) instead of printing\n");
}

/* Parses a number option into *out; 0 ok, -1 after printing the error. */
static int num_opt(const char *name, const char *val, unsigned long long max,
		   unsigned long long *out)
{
	long long v = nxc_num(val);
	if (v < 0 || (unsigned long long)v > max) {
		fprintf(stderr, "nex gen: %s wants a whole number up to %llu, not '%s'\n", name,
			max, val);
		return -1;
	}
	*out = (unsigned long long)v;
	return 0;
}

int nxc_gen(int argc, char **argv)
{
	if (nxc_wants_help(argc, argv)) {
		usage(stdout);
		return NXC_OK;
	}
	nx_gen_opts o;
	memset(&o, 0, sizeof o);
	o.kind = -1;
	o.seed = 1;
	const char *out = NULL;
	bool have_ops = false;
	for (int i = 1; i < argc;) {
		static const struct {
			const char *name;
			unsigned long long max;
		} nums[] = {{"--ops", UINT32_MAX}, {"--seed", INT64_MAX}, {"--seq", UINT32_MAX},
			    {"--dmodel", UINT32_MAX}, {"--heads", UINT32_MAX}};
		const char *val = NULL;
		int used;
		if ((used = nxc_opt(argc, argv, i, "--kind", &val)) != 0) {
			if (used < 0)
				return NXC_USER;
			o.kind = nx_gen_kind_parse(val);
			if (o.kind < 0) {
				fprintf(stderr, "nex gen: unknown kind '%s' (chain, resnet or "
					"transformer)\n", val);
				return NXC_USER;
			}
			i += used;
			continue;
		}
		if ((used = nxc_opt(argc, argv, i, "-o", &val)) != 0 ||
		    (used = nxc_opt(argc, argv, i, "--output", &val)) != 0) {
			if (used < 0)
				return NXC_USER;
			out = val;
			i += used;
			continue;
		}
		size_t k;
		for (k = 0; k < sizeof nums / sizeof nums[0]; k++)
			if ((used = nxc_opt(argc, argv, i, nums[k].name, &val)) != 0)
				break;
		if (k == sizeof nums / sizeof nums[0]) {
			fprintf(stderr, "nex gen: unknown argument '%s' (see nex gen --help)\n",
				argv[i]);
			return NXC_USER;
		}
		unsigned long long v;
		if (used < 0 || num_opt(nums[k].name, val, nums[k].max, &v) < 0)
			return NXC_USER;
		switch (k) {
		case 0: o.ops = (uint32_t)v; have_ops = true; break;
		case 1: o.seed = v; break;
		case 2: o.seq = (uint32_t)v; break;
		case 3: o.dmodel = (uint32_t)v; break;
		case 4: o.heads = (uint32_t)v; break;
		}
		i += used;
	}
	if (o.kind < 0 || !have_ops) {
		fprintf(stderr, "nex gen: --kind and --ops are required (see nex gen --help)\n");
		return NXC_USER;
	}
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
