/* test_cpu_info.c — the "cpu:" line (cpu_info.c) that `nex run --profile`
 * prints: its form on this machine (not its machine-dependent values), its
 * exact text for each OPENBLAS_CORETYPE case, and, through the nex binary
 * (the variable is read when OpenBLAS loads, so only a new process shows
 * it), that it tells an unset, a taken and an ignored OPENBLAS_CORETYPE
 * apart. */
#include <unistd.h>

#include "check.h"
#include "nx.h"

static void test_form(void)
{
	nx_cpu_info ci;
	nx_cpu_info_get(&ci);
	char line[256];
	int n = nx_cpu_info_line(&ci, line, sizeof line);
	CHECK(n > 0 && (size_t)n < sizeof line);
	CHECK(!strncmp(line, "cpu: OpenBLAS ", 14));
	CHECK(ci.blas_core[0] != 0);
	char want[64];
	snprintf(want, sizeof want, " core %s (", ci.blas_core);
	CHECK_CONTAINS(line, want);
	CHECK_CONTAINS(line, "); nex kernels ");
	CHECK_CONTAINS(line, nx_simd_level_name(ci.simd));
	CHECK(!strchr(line, '\n'));
}

static void test_cases(void)
{
	nx_cpu_info ci = {.blas_core = "Haswell", .blas_version = "0.3.21", .simd = NX_SIMD_AVX2};
	char line[256];
	nx_cpu_info_line(&ci, line, sizeof line);
	CHECK_STR(line, "cpu: OpenBLAS 0.3.21 core Haswell (OpenBLAS's own pick, "
		  "OPENBLAS_CORETYPE unset); nex kernels AVX2+FMA");
	ci.blas_env_set = ci.blas_forced = true;
	strcpy(ci.blas_env, "haswell");
	ci.simd = NX_SIMD_AVX512;
	nx_cpu_info_line(&ci, line, sizeof line);
	CHECK_STR(line, "cpu: OpenBLAS 0.3.21 core Haswell (set by OPENBLAS_CORETYPE=haswell); "
		  "nex kernels AVX-512 where a kernel has that copy, else AVX2+FMA");
	ci.blas_forced = false;
	strcpy(ci.blas_env, "Zen9");
	ci.blas_version[0] = 0;
	ci.simd = NX_SIMD_BASE;
	nx_cpu_info_line(&ci, line, sizeof line);
	CHECK_STR(line, "cpu: OpenBLAS (version unknown) core Haswell (OPENBLAS_CORETYPE=Zen9 "
		  "not taken); nex kernels baseline SSE2");
}

/* The "cpu:" line of `ENV nex run MODEL --profile` (caller frees), or NULL. */
static char *cpu_line(const char *env, const char *model)
{
	const char *bin = getenv("NEX_BIN");
	if (!bin)
		return NULL;
	char cmd[1024];
	snprintf(cmd, sizeof cmd, "env %s '%s' run %s --profile 2>/dev/null", env, bin, model);
	FILE *f = popen(cmd, "r");
	if (!f)
		return NULL;
	char buf[512], *got = NULL;
	while (fgets(buf, sizeof buf, f))
		if (!got && !strncmp(buf, "cpu: ", 5))
			got = strdup(buf); /* caller frees */
	pclose(f);
	return got;
}

static void test_env(void)
{
	if (!getenv("NEX_BIN"))
		return;
	char model[] = "/tmp/nex-cpu-info-XXXXXX";
	int fd = mkstemp(model);
	CHECK(fd >= 0);
	if (fd < 0)
		return;
	static const char text[] =
		"graph @g(%x: f32[8,8]) -> (%y: f32[8,8]) {\n"
		"  %w = const f32[8,8] fill(random, seed=1)\n"
		"  %y = matmul(%x, %w) : f32[8,8]\n"
		"  return %y\n"
		"}\n";
	CHECK(write(fd, text, sizeof text - 1) == (ssize_t)(sizeof text - 1));
	close(fd);
	char path[64];
	snprintf(path, sizeof path, "%s.nex", model);
	CHECK(rename(model, path) == 0);

	char *l = cpu_line("-u OPENBLAS_CORETYPE", path);
	CHECK_CONTAINS(l, "(OpenBLAS's own pick, OPENBLAS_CORETYPE unset)");
	free(l);
	l = cpu_line("OPENBLAS_CORETYPE=NoSuchCore", path);
	CHECK_CONTAINS(l, "(OPENBLAS_CORETYPE=NoSuchCore not taken)");
	free(l);
	/* a core every x86-64 OpenBLAS knows and runs on any x86-64 CPU */
	l = cpu_line("OPENBLAS_CORETYPE=Prescott", path);
	CHECK_CONTAINS(l, "core Prescott (set by OPENBLAS_CORETYPE=Prescott)");
	free(l);
	unlink(path);
}

int main(int argc, char **argv)
{
	static const check_case cases[] = {
		{"form", test_form},
		{"cases", test_cases},
		{"env", test_env},
		{NULL, NULL},
	};
	return check_main(cases, argc, argv);
}
