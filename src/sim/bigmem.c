/* bigmem.c — the sim's per-op arrays on huge pages where the system allows.
 *
 * At 1M ops the sim writes a few hundred MB it has just allocated, and
 * most of its time there goes to faulting those pages in (4 KiB each) and
 * to TLB misses while it walks them: its instruction count per op is the
 * same at 10k and 1M ops. Asking for transparent huge pages on the
 * 2 MiB-aligned middle of a large block, before anything touches it, cuts
 * the faults 512-fold and the TLB misses with them. Linux with THP set to
 * "madvise" or "always" honours it; elsewhere, or if the kernel says no,
 * the block is ordinary memory and nothing changes but the speed. */
#include <stdint.h>
#include <sys/mman.h>

#include "nxs.h"

void *nxs_big_alloc(size_t n)
{
	void *p = nx_xmalloc(n ? n : 1);
#ifdef MADV_HUGEPAGE
	const uintptr_t huge = (uintptr_t)2 << 20;
	if (n >= 8 * huge) {
		uintptr_t a = ((uintptr_t)p + huge - 1) & ~(huge - 1);
		uintptr_t e = ((uintptr_t)p + n) & ~(huge - 1);
		if (e > a)
			(void)madvise((void *)a, e - a, MADV_HUGEPAGE); /* advice only */
	}
#endif
	return p;
}
