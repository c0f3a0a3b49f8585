/* test_heap_thp.c — the two start-up cuts of `nex opt` on a large model:
 * nx_read_file reads a regular file in one block of its size and a pipe by
 * growing (the same bytes either way, also when a file is larger than the
 * first guess), and nx_process_init advises the start of malloc's heap for
 * transparent huge pages (checked in /proc/self/smaps where the kernel has
 * THP and nothing stands in the way: no ulimit -v/-d, no ASan allocator). */
#define _DEFAULT_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "nx.h"

#if defined(__SANITIZE_ADDRESS__)
#define ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ASAN 1
#endif
#endif

enum { N = 300000 }; /* past the 64 KiB a pipe starts with */

static char *bytes(void)
{
	char *b = malloc(N);
	uint64_t s = 3;
	for (size_t i = 0; i < N; i++)
		b[i] = (char)(nx_rand_u64(&s) & 0xff);
	return b;
}

static void test_read_regular(void)
{
	char path[] = "/tmp/nex_read_XXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	char *b = bytes();
	CHECK(write(fd, b, N) == N);
	close(fd);
	size_t n = 0;
	nx_err err = {0};
	char *r = nx_read_file(path, &n, &err);
	CHECK(r != NULL);
	CHECK_EQ_INT(n, N);
	CHECK(r && !memcmp(r, b, N) && r[N] == 0);
	free(r);
	/* an empty file is an empty string */
	fd = open(path, O_WRONLY | O_TRUNC);
	close(fd);
	r = nx_read_file(path, &n, &err);
	CHECK(r != NULL && n == 0 && r[0] == 0);
	free(r);
	unlink(path);
	free(b);
}

static void test_read_fifo(void)
{
	char dir[] = "/tmp/nex_fifo_XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	char path[64];
	snprintf(path, sizeof path, "%s/p", dir);
	CHECK(mkfifo(path, 0600) == 0);
	char *b = bytes();
	pid_t pid = fork();
	if (pid == 0) {
		FILE *f = fopen(path, "wb");
		_exit(f && fwrite(b, 1, N, f) == N && fclose(f) == 0 ? 0 : 1);
	}
	size_t n = 0;
	nx_err err = {0};
	char *r = nx_read_file(path, &n, &err);
	int st = 0;
	waitpid(pid, &st, 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK(r != NULL);
	CHECK_EQ_INT(n, N);
	CHECK(r && !memcmp(r, b, N) && r[N] == 0);
	free(r);
	free(b);
	unlink(path);
	rmdir(dir);
}

/* Whether the heap case can run here: the brk heap (ASan's allocator has
 * none), THP in the kernel, and no ulimit -v/-d (nx_heap_thp then does
 * nothing). Where it cannot, main exits 77 and ctest counts the test
 * skipped. */
static bool thp_possible(void)
{
#ifdef ASAN
	return false;
#else
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
	char line[128] = "";
	if (!f)
		return false;
	bool ok = fgets(line, sizeof line, f) && !strstr(line, "[never]");
	fclose(f);
	struct rlimit r;
	if (getrlimit(RLIMIT_AS, &r) == 0 && r.rlim_cur != RLIM_INFINITY)
		ok = false;
	if (getrlimit(RLIMIT_DATA, &r) == 0 && r.rlim_cur != RLIM_INFINITY)
		ok = false;
	return ok;
#endif
}

static void test_heap_advised(void)
{
	if (!thp_possible()) {
		printf("heap_advised not run: ASan, no THP here, or a ulimit -v/-d is set\n");
		return;
	}
	nx_process_init();
	/* a [heap] mapping carries VmFlags "hg" (MADV_HUGEPAGE) */
	FILE *f = fopen("/proc/self/smaps", "r");
	CHECK(f != NULL);
	if (!f)
		return;
	char line[512];
	bool in_heap = false, advised = false;
	while (fgets(line, sizeof line, f)) {
		/* a mapping's line starts with its address, its fields with a
		 * capitalised name */
		if (strchr("0123456789abcdef", line[0]))
			in_heap = strstr(line, "[heap]") != NULL;
		if (in_heap && !strncmp(line, "VmFlags:", 8) && strstr(line, " hg"))
			advised = true;
	}
	fclose(f);
	CHECK(advised);
}

int main(int argc, char **argv)
{
	static const check_case cases[] = {
		{"read_regular", test_read_regular},
		{"read_fifo", test_read_fifo},
		{"heap_advised", test_heap_advised},
		{NULL, NULL},
	};
	int rc = check_main(cases, argc, argv);
	return rc == 0 && !thp_possible() ? 77 : rc; /* a case did not run: skipped */
}
