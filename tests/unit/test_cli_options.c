/* test_cli_options.c — the commands whose options are one table
 * (src/cli/options.c): every option `nex CMD --help` lists is one the parser
 * takes (spelled either way, with its value as the next word or after '='),
 * and one it does not list is refused with exit 1, naming it. Runs the nex
 * binary (NEX_BIN). */
#include "check.h"

#define NOWHERE "/nonexistent-nex-test/x"

static const char *const commands[] = {"print", "verify", "convert", "export",
				       "diff", "gen", "compare", "sim", "demo", "passes",
				       "opt", "run", "bisect", "replay", "report", "debug",
				       "script", "codegen", "exec", "alloc"};
/* On the table too, refused unknown options, but not walked option by option:
 * conformance with no DIR runs the whole ONNX test suite, and nex with no
 * command opens the TUI. */
static const char *const refuse_only[] = {"conformance"};

/* Runs `nex CMD ARGS`; output (stderr folded in) and exit code. */
static char *run(const char *cmd, const char *args, int *rc)
{
	char line[1024];
	snprintf(line, sizeof line, "%s %s", cmd, args);
	return check_nex(line, 1, rc);
}

/* Every option of CMD's help ("  --x", "  -o, --output FILE"): tries each
 * spelling and checks the parser knows it. Returns the options seen. */
static int try_listed(const char *cmd)
{
	int rc, seen = 0;
	char *help = run(cmd, "--help", &rc);
	CHECK(help != NULL);
	if (!help)
		return 0;
	CHECK_EQ_INT(rc, 0);
	char want[64];
	snprintf(want, sizeof want, "usage: nex %s", cmd);
	CHECK_CONTAINS(help, want);
	for (char *p = help; (p = strstr(p, "\n  -")); p++) {
		char name[2][64] = {"", ""}, arg[64] = "";
		/* "  NAME[, ALIAS][ ARG]  help..." */
		const char *q = p + 3;
		int k = 0;
		for (int w = 0; w < 3 && *q != ' ' && *q != '\n'; w++) {
			size_t n = strcspn(q, " ,\n");
			char *dst = w == 0 ? name[0] : (q[0] == '-' && k == 0) ? name[1] : arg;
			if (w > 0 && q[0] == '-')
				k = 1;
			snprintf(dst, 64, "%.*s", (int)n, q);
			q += n;
			if (*q == ',')
				q++;
			if (*q == ' ' && q[1] != ' ')
				q++;
			else
				break;
		}
		seen++;
		for (int s = 0; s < 2; s++) {
			if (!name[s][0])
				continue;
			/* The value is a path in no directory: a bad number, shape
			 * or target, a file that cannot be written, so the run
			 * leaves nothing behind; either way the option must be
			 * known. */
			char args[256];
			snprintf(args, sizeof args, "%s%s%s", name[s], arg[0] ? " " : "",
				 arg[0] ? NOWHERE : "");
			char *out = run(cmd, args, &rc);
			if (out && strstr(out, "unknown option"))
				fprintf(stderr, "nex %s %s: %s", cmd, args, out);
			CHECK(out && !strstr(out, "unknown option"));
			free(out);
			if (arg[0] && name[s][1] == '-') {
				snprintf(args, sizeof args, "%s=" NOWHERE, name[s]);
				out = run(cmd, args, &rc);
				CHECK(out && !strstr(out, "unknown option"));
				free(out);
			}
		}
	}
	free(help);
	return seen;
}

static void test_listed_options_parse(void)
{
	if (!getenv("NEX_BIN")) {
		CHECK(!"NEX_BIN is not set (ctest sets it)");
		return;
	}
	int total = 0;
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		total += try_listed(commands[i]);
	CHECK(total >= 16); /* the walk found the option lines */
}

static void refused(const char *cmd)
{
	int rc;
	char *out = run(cmd, "--no-such-option", &rc);
	CHECK_EQ_INT(rc, 1);
	char want[128];
	snprintf(want, sizeof want, "nex %s: unknown option --no-such-option", cmd);
	CHECK_CONTAINS(out, want);
	free(out);
	if (!strcmp(cmd, "demo"))
		return; /* it has no options */
	/* and --help lists options from the table */
	out = run(cmd, "--help", &rc);
	CHECK_EQ_INT(rc, 0);
	CHECK_CONTAINS(out, "\noptions:\n  -");
	free(out);
}

static void test_unlisted_option_refused(void)
{
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		refused(commands[i]);
	for (size_t i = 0; i < sizeof refuse_only / sizeof refuse_only[0]; i++)
		refused(refuse_only[i]);
}

static void test_values_land(void)
{
	int rc;
	/* --context N reaches the diff; --ids reaches the printer */
	char *out = run("diff", "demo demo --json --context=0", &rc);
	CHECK_EQ_INT(rc, 0);
	CHECK_CONTAINS(out, "\"added\":\t0");
	free(out);
	out = run("gen", "--kind chain --ops 4 --seed 2", &rc);
	CHECK_EQ_INT(rc, 0);
	CHECK_CONTAINS(out, "graph @chain");
	free(out);
	out = run("gen", "--kind chain", &rc);
	CHECK_EQ_INT(rc, 1);
	CHECK_CONTAINS(out, "--kind and --ops are required");
	free(out);
	out = run("print", "demo extra", &rc);
	CHECK_EQ_INT(rc, 1);
	CHECK_CONTAINS(out, "nex print: wants MODEL: one argument too many");
	free(out);
	out = run("diff", "demo", &rc);
	CHECK_EQ_INT(rc, 1);
	CHECK_CONTAINS(out, "nex diff: wants A B");
	free(out);
	/* the pipeline rows reach nex opt; errors say `nex opt:` */
	out = run("opt", "demo --until=1 --stats --pipeline canonicalize,dce", &rc);
	CHECK_EQ_INT(rc, 0);
	CHECK_CONTAINS(out, "canonicalize");
	free(out);
	out = run("opt", "demo --until x", &rc);
	CHECK_EQ_INT(rc, 1);
	CHECK_CONTAINS(out, "nex opt: --until wants a step number");
	free(out);
	out = run("run", "demo --threads 0", &rc);
	CHECK_EQ_INT(rc, 1);
	CHECK_CONTAINS(out, "nex run: --threads wants 1..256");
	free(out);
	out = run("bisect", "demo", &rc);
	CHECK_EQ_INT(rc, 1);
	CHECK_CONTAINS(out, "nex bisect: wants --check CHECK");
	free(out);
	out = run("print", "demo --shape", &rc);
	CHECK_EQ_INT(rc, 1);
	CHECK_CONTAINS(out, "--shape needs a value");
	free(out);
}

int main(int argc, char **argv)
{
	static const check_case cases[] = {
		{"listed_options_parse", test_listed_options_parse},
		{"unlisted_option_refused", test_unlisted_option_refused},
		{"values_land", test_values_land},
		{NULL, NULL},
	};
	return check_main(cases, argc, argv);
}
