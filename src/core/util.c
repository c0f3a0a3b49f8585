/* util.c — allocation that cannot fail silently, whole-file reads and
 * atomic writes, and a monotonic clock. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <malloc.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "nx.h"

static _Noreturn void oom(size_t n)
{
	nx_die("out of memory (%zu bytes)", n);
}

void *nx_xmalloc(size_t n)
{
	void *p = nx_alloc_fails() ? NULL : malloc(n ? n : 1);
	if (!p)
		oom(n);
	return p;
}

void *nx_xcalloc(size_t n, size_t m)
{
	void *p = nx_alloc_fails() ? NULL : calloc(n ? n : 1, m ? m : 1);
	if (!p)
		oom(n * m);
	return p;
}

void *nx_xrealloc(void *p, size_t n)
{
	void *q = nx_alloc_fails() ? NULL : realloc(p, n ? n : 1);
	if (!q)
		oom(n);
	return q;
}

char *nx_xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	return memcpy(nx_xmalloc(n), s, n);
}

void nx_grow(void **p, uint32_t *cap, uint32_t need, size_t elem)
{
	if (need <= *cap)
		return;
	uint64_t c = *cap ? *cap : 8;
	while (c < need)
		c *= 2;
	if (c > UINT32_MAX - 1)
		c = UINT32_MAX - 1;
	if (c < need)
		oom((size_t)need * elem);
	*p = nx_xrealloc(*p, (size_t)c * elem);
	*cap = (uint32_t)c;
}

char *nx_read_file(const char *path, size_t *len, nx_err *err)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		nx_err_set(err, "%s: %s", path, strerror(errno));
		return NULL;
	}
	/* A regular file is read into one block of its size (a 21 MB model
	 * grown by doubling would be copied five times and leave the pages of
	 * each old block behind); pipes and the like start small and grow. */
	size_t cap = 1 << 16, n = 0;
	struct stat st;
	if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
	    (uint64_t)st.st_size < SIZE_MAX / 2)
		cap = (size_t)st.st_size + 1; /* +1: the read that sees the end */
	char *buf = nx_xmalloc(cap + 1);
	for (;;) {
		size_t r = fread(buf + n, 1, cap - n, f);
		n += r;
		if (r == 0)
			break;
		if (n == cap) {
			cap *= 2;
			buf = nx_xrealloc(buf, cap + 1);
		}
	}
	int bad = ferror(f);
	fclose(f);
	if (bad) {
		nx_err_set(err, "%s: read error", path);
		free(buf);
		return NULL;
	}
	buf[n] = 0;
	if (len)
		*len = n;
	return buf;
}

int nx_write_file_atomic(const char *path, const void *data, size_t len, nx_err *err)
{
	nx_atomic a;
	nx_atomic_begin(&a);
	if (nx_atomic_add(&a, path, data, len, err)) {
		nx_atomic_abort(&a);
		return -1;
	}
	return nx_atomic_commit(&a, err);
}

double nx_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

uint64_t nx_rand_u64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

double nx_rand_unit(uint64_t *s)
{
	return (double)(nx_rand_u64(s) >> 11) * (1.0 / 9007199254740992.0);
}

void nx_process_init(void)
{
	mallopt(M_MMAP_THRESHOLD, 64 << 20);
	mallopt(M_TRIM_THRESHOLD, 512 << 20);
	nx_heap_thp();
	nx_blas_single();
	nx_alloc_init();
}

size_t nx_utf8_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0], cp, min;
	size_t k;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		k = 2, cp = c & 0x1f, min = 0x80;
	else if ((c & 0xf0) == 0xe0)
		k = 3, cp = c & 0x0f, min = 0x800;
	else if (c >= 0xf0 && c <= 0xf4)
		k = 4, cp = c & 0x07, min = 0x10000;
	else
		return 0;
	if (n < k)
		return 0;
	for (size_t i = 1; i < k; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return k;
}

size_t nx_bom_len(const char *text, size_t len)
{
	return len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3) ? 3 : 0;
}
