/* cpu_info.c — which code paths this process runs on this CPU: the core
 * OpenBLAS picked for its sgemm (and whether the OPENBLAS_CORETYPE
 * environment variable chose it) and the SIMD level nex's own kernels
 * dispatch to (simd.h). Both are decided at run time, so the same binary
 * gives different speeds on machines (or environments) that look alike;
 * `nex run --profile` prints this so a figure always says what it measured.
 * Nothing here changes the choice: nex leaves OPENBLAS_CORETYPE to the
 * user. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "nx.h"
#include "simd.h"

/* OpenBLAS names cores in its own case ("Haswell", "SkylakeX") and reads
 * OPENBLAS_CORETYPE case-insensitively. */
static bool same_name(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
			return false;
	return !*a && !*b;
}

void nx_cpu_info_get(nx_cpu_info *ci)
{
	memset(ci, 0, sizeof *ci);
	const char *core = openblas_get_corename();
	snprintf(ci->blas_core, sizeof ci->blas_core, "%s", core ? core : "unknown");
	/* openblas_get_config(): "OpenBLAS 0.3.21 DYNAMIC_ARCH ..."; the
	 * second word is the version */
	const char *cfg = openblas_get_config();
	if (cfg && !strncmp(cfg, "OpenBLAS ", 9)) {
		size_t n = strcspn(cfg + 9, " ");
		snprintf(ci->blas_version, sizeof ci->blas_version, "%.*s", (int)n, cfg + 9);
	}
	const char *env = getenv("OPENBLAS_CORETYPE");
	if (env && *env) {
		snprintf(ci->blas_env, sizeof ci->blas_env, "%s", env);
		ci->blas_env_set = true;
		ci->blas_forced = same_name(env, ci->blas_core);
	}
	ci->simd = nx_cpu_v4() ? NX_SIMD_AVX512 : nx_cpu_v3() ? NX_SIMD_AVX2 : NX_SIMD_BASE;
}

const char *nx_simd_level_name(nx_simd_level l)
{
	switch (l) {
	case NX_SIMD_AVX512:
		return "AVX-512";
	case NX_SIMD_AVX2:
		return "AVX2+FMA";
	case NX_SIMD_BASE:
		break;
	}
	return "baseline SSE2";
}

int nx_cpu_info_line(const nx_cpu_info *ci, char *buf, size_t size)
{
	char why[128];
	if (!ci->blas_env_set)
		snprintf(why, sizeof why, "OpenBLAS's own pick, OPENBLAS_CORETYPE unset");
	else if (ci->blas_forced)
		snprintf(why, sizeof why, "set by OPENBLAS_CORETYPE=%s", ci->blas_env);
	else /* OpenBLAS ignores an unknown name or a core this CPU lacks */
		snprintf(why, sizeof why, "OPENBLAS_CORETYPE=%s not taken", ci->blas_env);
	const char *simd = ci->simd == NX_SIMD_AVX512
		? "AVX-512 where a kernel has that copy, else AVX2+FMA"
		: nx_simd_level_name(ci->simd);
	return snprintf(buf, size, "cpu: OpenBLAS %s core %s (%s); nex kernels %s",
			ci->blas_version[0] ? ci->blas_version : "(version unknown)",
			ci->blas_core, why, simd);
}
