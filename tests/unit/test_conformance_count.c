/* test_conformance_count.c — how `nex conformance` counts: a test whose graph
 * has no op left after import is "folded at import", not passed; a test
 * whose shape operand is a graph input passes with only that input bound
 * (the data input stays live and the op runs on its kernel); a test whose
 * op nex refuses (NonZero: a data-dependent shape) is skipped.
 * Runs the nex binary on three ONNX node
 * tests from Debian's libonnx-testdata; exits 77 (ctest: skipped) when they
 * are absent. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check.h"

#define NODE "/usr/share/libonnx-testdata/data/node"

static const char *const tests[] = {
	NODE "/test_shape",
	NODE "/test_reshape_extended_dims",
	NODE "/test_nonzero_example",
};

static void counts(void)
{
	int rc;
	char args[1024];
	snprintf(args, sizeof args, "conformance %s %s %s", tests[0], tests[1], tests[2]);
	char *out = check_nex(args, 1, &rc);
	CHECK(out != NULL);
	if (!out)
		return;
	CHECK_EQ_INT(rc, 0);
	CHECK_CONTAINS(out, "fold node/test_shape: folded at import: no op left to run\n");
	CHECK_CONTAINS(out, "pass node/test_reshape_extended_dims (bound as constants: %shape)\n");
	CHECK_CONTAINS(out, "skip node/test_nonzero_example: ");
	CHECK_CONTAINS(out, "1 passed (ran through the kernels), 1 folded at import, 0 failed, "
		       "1 skipped\n");
	free(out);
}

/* The expected list tells folds from skips: a fold listed as a skip (or a
 * test missing from the list) fails the check. */
static void check_list(void)
{
	char path[] = "/tmp/nex-conf-XXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	if (fd < 0)
		return;
	FILE *f = fdopen(fd, "w");
	fputs("node/test_shape\tsome skip reason\n"
	      "node/test_nonzero_example\tx\n", f);
	fclose(f);
	int rc;
	char args[1024];
	snprintf(args, sizeof args, "conformance --check-skips %s %s %s", path, tests[0],
		 tests[2]);
	char *out = check_nex(args, 1, &rc);
	CHECK(out != NULL);
	CHECK_EQ_INT(rc, 1);
	CHECK_CONTAINS(out, "listed skip now folds at import: node/test_shape\n");
	free(out);

	f = fopen(path, "w");
	fputs("node/test_shape\tfolded at import: no op left to run\n"
	      "node/test_nonzero_example\tx\n", f);
	fclose(f);
	out = check_nex(args, 1, &rc);
	CHECK(out != NULL);
	CHECK_EQ_INT(rc, 0);
	free(out);
	remove(path);
}

int main(int argc, char **argv)
{
	struct stat st;
	for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++)
		if (stat(tests[i], &st)) {
			printf("skipped: %s is absent (Debian package libonnx-testdata)\n",
			       tests[i]);
			return 77;
		}
	static const check_case cases[] = {
		{"counts", counts},
		{"check_list", check_list},
		{NULL, NULL},
	};
	return check_main(cases, argc, argv);
}
