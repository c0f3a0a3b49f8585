/* test_blas_single.c — after nx_blas_single the process runs no OpenBLAS
 * server thread (they would poll a core for the first 0.1 s of every nex
 * process), and sgemm still computes. Skips (77) where OpenBLAS started no
 * thread of its own: a one-core machine, OPENBLAS_NUM_THREADS=1, or a
 * serial or OpenMP build. */
#include <cblas.h>
#include <dirent.h>

#include "check.h"
#include "nx.h"

static int threads(void)
{
	DIR *d = opendir("/proc/self/task");
	if (!d)
		return -1;
	int n = 0;
	for (struct dirent *e; (e = readdir(d));)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

int main(void)
{
	int before = threads();
	if (before <= 1) {
		printf("skipped: OpenBLAS started no thread of its own (%d thread(s))\n", before);
		return 77;
	}
	nx_blas_single();
	CHECK_EQ_INT(threads(), 1);
	nx_blas_single(); /* twice is harmless */
	CHECK_EQ_INT(threads(), 1);
	/* what every run calls: a plain openblas_set_num_threads(1) would
	 * start the server threads again */
	nx_blas_one_thread();
	CHECK_EQ_INT(threads(), 1);

	float a[6] = {1, 2, 3, 4, 5, 6}, b[6] = {1, 0, 0, 1, 1, 1}, c[4] = {0};
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, 2, 2, 3, 1.0f, a, 3, b, 2,
		    0.0f, c, 2);
	CHECK(c[0] == 4 && c[1] == 5 && c[2] == 10 && c[3] == 11);
	return check_failed_;
}
