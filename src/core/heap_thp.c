/* heap_thp.c — puts the start of malloc's heap on transparent huge pages.
 *
 * nex builds big graphs out of many small blocks (a 100k-op model: ~180 MB
 * of heap), and every fresh 4 KiB page costs a fault on first touch: on the
 * virtual machines nex was measured on, 45k faults were a third of
 * `nex opt`'s CPU time (about 10 us each). With THP in "madvise" mode (the
 * common default) pages are 2 MiB only where madvise(MADV_HUGEPAGE) asks for
 * them, which glibc does only when GLIBC_TUNABLES says so before the process
 * starts. So at start-up the heap is grown once by a pad of address space
 * (nothing is touched: pages come when used) and the pad is advised; malloc
 * keeps it, since nx_process_init raises the trim threshold above it. What
 * the heap grows past the pad stays on small pages, and so does everything
 * when the heap cannot grow (another allocator, as under ASan; brk refused).
 *
 * Not done under an address-space or data limit (ulimit -v, -d): there the
 * pad would count as memory held (nx_mem_available) though it holds none.
 */
#define _DEFAULT_SOURCE
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "nx.h"

/* Address space, not memory: below nx_process_init's 512 MiB trim
 * threshold so that malloc never hands it back. */
#define PAD ((size_t)256 << 20)
#define HUGE ((uintptr_t)2 << 20)

static bool limited(int which)
{
	struct rlimit r;
	return getrlimit(which, &r) == 0 && r.rlim_cur != RLIM_INFINITY;
}

void nx_heap_thp(void)
{
#if defined(MADV_HUGEPAGE) && defined(M_TOP_PAD)
	if (limited(RLIMIT_AS) || limited(RLIMIT_DATA))
		return;
	char *b0 = sbrk(0);
	/* One block larger than anything the heap holds yet (all of it below
	 * the mmap threshold of 64 MiB) makes malloc extend the brk by the
	 * block plus the pad; freed, it returns to the top of the heap
	 * (volatile: else the compiler drops the malloc/free pair). */
	mallopt(M_TOP_PAD, (int)PAD);
	void *volatile p = malloc((size_t)32 << 20);
	char *b1 = sbrk(0);
	free(p);
	mallopt(M_TOP_PAD, 128 << 10); /* glibc's default */
	/* addresses as integers: b0 and b1 point into no one object */
	uintptr_t a0 = (uintptr_t)b0, a1 = (uintptr_t)b1;
	if (b0 == (char *)-1 || b1 == (char *)-1 || a1 <= a0)
		return;
	uintptr_t lo = (a0 + HUGE - 1) & ~(HUGE - 1);
	uintptr_t hi = a1 & ~(HUGE - 1);
	if (hi > lo)
		(void)madvise((void *)lo, hi - lo, MADV_HUGEPAGE); /* advice: failure is harmless */
#endif
}
