/* simd.h — run-time SIMD dispatch for nex's own hot loops (core-internal).
 *
 * nex is built without -march so that the binary runs on any x86-64; the
 * loops that matter (activations, the conv epilogue, depthwise rows,
 * element-wise binaries) are compiled for AVX2+FMA and for the baseline
 * (SSE2), those that gain from it for AVX-512 (x86-64-v4) too, and each
 * call takes the best copy the CPU supports.
 *
 * How: the loop is written once as a `static inline` body marked
 * NX_BODY (always inlined); NX_SIMD_FN wraps it in an AVX2+FMA function
 * and a baseline function (NX_SIMD_FN_V4 adds an AVX-512 one) and defines
 * the public entry that picks one with __builtin_cpu_supports (libgcc's
 * CPU table, filled before main, so each test is a load or two). Why not
 * GCC's target_clones("arch=haswell"): its resolver tests the CPU *model*
 * (Intel Haswell and later), so on AMD (the build machine is an EPYC) the
 * AVX2 clone never ran; and clang renames clones, which broke the fuzz
 * build's link. Feature tests work with both compilers.
 *
 * Numerics: all copies compute the same expressions, rounded alike: nex
 * builds with -std=c11, under which GCC does not contract a*b+c into an
 * FMA, so the AVX-512 and AVX2 copies give the baseline copy's bits
 * (checked with objdump: no vfmadd in the clones). -DNEX_NO_CLONES keeps
 * the baseline copy only. */
#ifndef NX_SIMD_H
#define NX_SIMD_H

#include <stdbool.h>

#if defined(__x86_64__) && !defined(NEX_NO_CLONES) && (defined(__GNUC__) || defined(__clang__))
#define NX_SIMD_X86 1
#define NX_TARGET_V3 __attribute__((target("avx2,fma")))
static inline bool nx_cpu_v3(void)
{
	return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}
/* x86-64-v4's AVX-512 subsets (F, BW, DQ, VL) on top of v3: the machines
 * nex is measured on (AMD Zen 5, Intel since Skylake-SP) have them, and a
 * 16-float vector halves the instructions of the kernels that are bound by
 * their FMAs. An AVX-512 copy must give the AVX2 copy's bits (same
 * expressions, same order of rounding per element). */
#define NX_TARGET_V4 __attribute__((target("avx2,fma,avx512f,avx512bw,avx512dq,avx512vl")))
static inline bool nx_cpu_v4(void)
{
	return nx_cpu_v3() && __builtin_cpu_supports("avx512f") &&
	       __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
	       __builtin_cpu_supports("avx512vl");
}
#else
#define NX_TARGET_V3
#define NX_TARGET_V4
static inline bool nx_cpu_v3(void)
{
	return false;
}
static inline bool nx_cpu_v4(void)
{
	return false;
}
#endif

/* A loop body to be compiled per target: always inlined into each copy. */
#define NX_BODY static inline __attribute__((always_inline))

/* The AVX-512 copy of NX_SIMD_FN bodies: as NX_TARGET_V4, plus
 * prefer-vector-width=512, without which GCC's tunings vectorize with
 * 256-bit registers even when AVX-512 is enabled (the copy would be the
 * AVX2 one again). The vectorizer keeps each element's expression, so the
 * copy gives the AVX2 copy's bits (no FMA contraction under -std=c11,
 * checked with objdump: no vfmadd; tests/unit/test_simd_v4.c compares). */
#ifdef __clang__
/* clang takes no prefer-vector-width in target() (it would ignore the
 * whole attribute); its generic tuning does not hold AVX-512 to 256 bits */
#define NX_TARGET_V4_WIDE NX_TARGET_V4
#else
#define NX_TARGET_V4_WIDE                                                       \
	__attribute__((target("avx2,fma,avx512f,avx512bw,avx512dq,avx512vl,"  \
			      "prefer-vector-width=512")))
#endif

/* NX_SIMD_FN(QUAL, NAME, PARAMS, ARGS): defines `QUAL void NAME PARAMS`
 * which runs NAME##_body ARGS compiled for AVX2+FMA when the CPU has both,
 * else for the baseline. QUAL is `static` or empty (for a public name).
 * NX_SIMD_FN_V4 (same arguments) adds an AVX-512 copy picked first when
 * the CPU has x86-64-v4's subsets: only for the loops measured faster with
 * it (docs/speed.md); the element-wise binaries, the bias fill and the
 * general depthwise rows were not (the same or slower on det: they stream
 * memory), so they keep two copies. */
#ifdef NX_SIMD_X86
#define NX_SIMD_FN(QUAL, NAME, PARAMS, ARGS)                                     \
	NX_TARGET_V3 static void NAME##_v3 PARAMS { NAME##_body ARGS; }           \
	static void NAME##_v0 PARAMS { NAME##_body ARGS; }                        \
	QUAL void NAME PARAMS                                                     \
	{                                                                         \
		if (nx_cpu_v3())                                                  \
			NAME##_v3 ARGS;                                           \
		else                                                              \
			NAME##_v0 ARGS;                                           \
	}
#define NX_SIMD_FN_V4(QUAL, NAME, PARAMS, ARGS)                                  \
	NX_TARGET_V4_WIDE static void NAME##_v4 PARAMS { NAME##_body ARGS; }      \
	NX_TARGET_V3 static void NAME##_v3 PARAMS { NAME##_body ARGS; }           \
	static void NAME##_v0 PARAMS { NAME##_body ARGS; }                        \
	QUAL void NAME PARAMS                                                     \
	{                                                                         \
		if (nx_cpu_v4())                                                  \
			NAME##_v4 ARGS;                                           \
		else if (nx_cpu_v3())                                             \
			NAME##_v3 ARGS;                                           \
		else                                                              \
			NAME##_v0 ARGS;                                           \
	}
#else
#define NX_SIMD_FN(QUAL, NAME, PARAMS, ARGS)                                     \
	QUAL void NAME PARAMS { NAME##_body ARGS; }
#define NX_SIMD_FN_V4(QUAL, NAME, PARAMS, ARGS)                                  \
	QUAL void NAME PARAMS { NAME##_body ARGS; }
#endif

#endif
