/* blas_single.c — OpenBLAS single-threaded for the whole process, its idle
 * server threads gone.
 *
 * The interpreter and the executor split kernels over nex's own pool and
 * call sgemm inside each piece with OpenBLAS at one thread
 * (openblas_set_num_threads(1) at every run). But OpenBLAS's pthreads build
 * starts its server threads when the library loads, before main, one per
 * core but the first; each then polls for work with sched_yield for 2^28
 * TSC ticks (about 0.1 s) before it sleeps. On a 2-core machine that
 * poller takes a core from nex's pool for the first tenth of a second of
 * every process: rec at 2 threads ran at 18-20 ms per run in processes of
 * 3 runs against 14 ms with OPENBLAS_NUM_THREADS=1 (8 interleaved process
 * pairs), which made `make bench`'s rec figures bimodal.
 *
 * nex never lets OpenBLAS run threads of its own, whatever
 * OPENBLAS_NUM_THREADS says, so stopping them loses nothing.
 * blas_thread_shutdown_ is OpenBLAS's own (its fork handler calls it),
 * exported by the pthreads build; the OpenMP and serial builds may lack it,
 * hence the weak reference. Called once, from nx_process_init, before any
 * thread of ours exists: the shutdown is not safe beside a running sgemm.
 *
 * openblas_set_num_threads starts the server threads again when they are
 * gone (OpenBLAS's lazy restart after a fork), so the runs call
 * nx_blas_one_thread, which sets the count only when it is not 1 already:
 * with a plain set at every run, a new poller took a core from the pool at
 * the start of every process again (rec, 4 of 8 processes slow). */
#include <cblas.h>

#include "nx_int.h"

extern int blas_thread_shutdown_(void) __attribute__((weak));

void nx_blas_single(void)
{
	openblas_set_num_threads(1);
	if (blas_thread_shutdown_)
		blas_thread_shutdown_();
}

void nx_blas_one_thread(void)
{
	if (openblas_get_num_threads() != 1)
		openblas_set_num_threads(1);
}
