/* cmd_demo.c — `nex demo` (and `nex` with no argument when stdout or stdin
 * is not a terminal, where the TUI cannot run):
 * prints the built-in demo model's IR and a one-screen summary of it: ops by
 * kind, values, constants and weight bytes, input and output types, and the
 * multiply-accumulates of its conv, gemm and matmul ops. The MAC count is
 * plain shape arithmetic for the summary, not the simulator's cost model. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const nxc_command command = {
	.name = "demo",
	.about =
		"Prints the built-in demo model (a MobileNetV2-like CNN, the text of\n"
		"examples/demo.nex) as .nex text, then a summary of it. Other commands take\n"
		"\"demo\" as a model name, e.g. `nex print demo`.\n",
};

/* Multiply-accumulates of one op from its operand and result types; 0 for
 * kinds without a MAC loop. */
static double op_macs(const nx_graph *g, uint32_t o)
{
	const nx_op *p = nx_opp(g, o);
	if (p->n_in < 2 || nx_operand(g, o, 0) == NX_NONE || nx_operand(g, o, 1) == NX_NONE)
		return 0;
	const nx_type *a = nx_vtype(g, nx_operand(g, o, 0));
	const nx_type *w = nx_vtype(g, nx_operand(g, o, 1));
	const nx_type *y = nx_vtype(g, nx_result(g, o, 0));
	int64_t ny = nx_type_numel(y), na = nx_type_numel(a);
	if (ny < 0 || na < 0 || a->rank < 1 || w->rank < 1)
		return 0;
	double per = 1; /* MACs per output (input for conv_transpose) element */
	switch (p->kind) {
	case NX_OP_CONV: /* each output sums Cin/group x kernel window */
		for (int i = 1; i < w->rank; i++)
			per *= (double)w->dims[i];
		return (double)ny * per;
	case NX_OP_CONV_TRANSPOSE: /* each input scatters into Cout/group x window */
		for (int i = 1; i < w->rank; i++)
			per *= (double)w->dims[i];
		return (double)na * per;
	case NX_OP_GEMM:
		if (a->rank != 2)
			return 0;
		return (double)ny * (double)a->dims[nx_attr_i(g, o, "transA", 0) ? 0 : 1];
	case NX_OP_MATMUL:
		return (double)ny * (double)a->dims[a->rank - 1];
	default:
		return 0;
	}
}

/* v with a k/M/G prefix: "84.38 M", "320.00 k", "12 ". */
static const char *scaled(double v, char *buf, size_t n)
{
	if (v >= 1e9)
		snprintf(buf, n, "%.2f G", v / 1e9);
	else if (v >= 1e6)
		snprintf(buf, n, "%.2f M", v / 1e6);
	else if (v >= 1e3)
		snprintf(buf, n, "%.2f k", v / 1e3);
	else
		snprintf(buf, n, "%.0f ", v);
	return buf;
}

static void print_values(const nx_graph *g, const uint32_t *vs, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		char t[256];
		nx_type_str(nx_vtype(g, vs[i]), t, sizeof t);
		printf("%s%%%s: %s", i ? ", " : "", nx_vname(g, vs[i]), t);
	}
	printf("\n");
}

typedef struct kind_count {
	int kind;
	uint32_t n;
} kind_count;

static int by_count(const void *a, const void *b)
{
	const kind_count *x = a, *y = b;
	if (x->n != y->n)
		return x->n < y->n ? 1 : -1;
	return strcmp(nx_ops[x->kind].name, nx_ops[y->kind].name);
}

static void summary(const nx_graph *g)
{
	kind_count kinds[NX_OP_COUNT];
	for (int k = 0; k < NX_OP_COUNT; k++)
		kinds[k] = (kind_count){k, 0};
	double macs[NX_OP_COUNT] = {0}, total_macs = 0;
	uint32_t n_ops = 0;
	NX_FOR_OPS(g, o) {
		int k = nx_opp(g, o)->kind;
		kinds[k].n++;
		n_ops++;
		double m = op_macs(g, o);
		macs[k] += m;
		total_macs += m;
	}
	uint32_t n_vals = 0, n_consts = 0;
	double wbytes = 0;
	for (uint32_t v = 0; v < g->n_vals; v++) {
		if (nx_val(g, v)->flags & NX_V_DEAD)
			continue;
		n_vals++;
		if (nx_is_const(g, v)) {
			n_consts++;
			wbytes += (double)nx_blob_nbytes(nx_const_blob(g, v));
		}
	}
	qsort(kinds, NX_OP_COUNT, sizeof kinds[0], by_count);
	int n_kinds = 0;
	while (n_kinds < NX_OP_COUNT && kinds[n_kinds].n)
		n_kinds++;

	printf("\n-- summary of @%s --\n", nx_cstr(g, g->name));
	printf("ops        %u, %d kinds:\n", n_ops, n_kinds);
	for (int i = 0; i < n_kinds; i++)
		printf("%s%-15s%4u%s", i % 3 ? "   " : "           ", nx_ops[kinds[i].kind].name,
		       kinds[i].n, i % 3 == 2 || i == n_kinds - 1 ? "\n" : "");
	char num[32];
	printf("values     %u (%u input%s, %u constants, %u op results)\n", n_vals, g->n_inputs,
	       g->n_inputs == 1 ? "" : "s", n_consts, n_vals - g->n_inputs - n_consts);
	printf("weights    %u constants, %sB\n", n_consts, scaled(wbytes, num, sizeof num));
	printf("inputs     ");
	print_values(g, g->inputs, g->n_inputs);
	printf("outputs    ");
	print_values(g, g->outputs, g->n_outputs);
	printf("MACs       %sMACs", scaled(total_macs, num, sizeof num));
	const char *sep = " (";
	for (int k = 0; k < NX_OP_COUNT; k++)
		if (macs[k] > 0) {
			printf("%s%s %s", sep, nx_ops[k].name, scaled(macs[k], num, sizeof num));
			sep = ", ";
		}
	printf("%s\n\n", *sep == ',' ? ")" : "");
	printf("`nex` in a terminal opens the TUI on this model (here stdin or stdout is\n"
	       "not a terminal, so it printed the demo). Headless commands:");
#define X(name, fn, sum) printf(" %s", name);
#include "commands.def"
#undef X
	printf(" (nex --help, nex COMMAND --help).\n");
}

int nxc_demo(int argc, char **argv)
{
	int n = nxc_parse(&command, argc, argv, NULL, NULL);
	if (n < 0)
		return n == NXC_PARSE_HELP ? NXC_OK : NXC_USER;
	nx_graph *g = nxc_load("demo");
	if (!g)
		return NXC_INTERNAL; /* the demo is part of the binary: a bug, not user error */
	int rc = NXC_OK;
	if (nx_print(g, stdout, &nx_print_defaults) != 0)
		rc = NXC_INTERNAL;
	else
		summary(g);
	if (fflush(stdout) != 0) {
		fprintf(stderr, "nex demo: cannot write to stdout\n");
		rc = NXC_USER;
	}
	nx_graph_free(g);
	return rc;
}
