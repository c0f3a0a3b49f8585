/* simd.h — run-time SIMD dispatch for nex's own hot loops (core-internal).
 *
 * nex is built without -march so that the binary runs on any x86-64; the
 * loops that matter (activations, the conv epilogue) are compiled twice
 * through GCC's function multiversioning, once for AVX2+FMA and once
 * for the baseline (SSE2), and the loader picks the clone the CPU supports
 * (an ifunc resolved at start-up). Elsewhere (clang, which builds the
 * fuzzers), the attribute is empty and the baseline code runs.
 * Numerics: the clones compute the same expressions; FMA contraction may
 * round a multiply-add once instead of twice (float reassociation). */
#ifndef NX_SIMD_H
#define NX_SIMD_H

/* GCC only: clang renames a target_clones function (its callers in other
 * files, which see a plain declaration, then fail to link: the fuzz build) */
#if defined(__x86_64__) && defined(__has_attribute) && !defined(NEX_NO_CLONES) && \
	!defined(__clang__)
#if __has_attribute(target_clones)
#define NX_CLONES __attribute__((target_clones("arch=haswell", "default")))
#endif
#endif
#ifndef NX_CLONES
#define NX_CLONES
#endif

#endif
