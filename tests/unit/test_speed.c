/* test_speed.c — the fast paths of issue 22 give the same answers as the
 * plain ones: the cached word-wise blob hash (equal bytes, equal hash; any
 * one byte changed, a different hash, at every length around the word and
 * lane boundaries). */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "nx.h"

static nx_blob *u8_blob(const unsigned char *p, int64_t n)
{
	nx_type t = {0};
	t.dtype = NX_U8;
	t.rank = 1;
	t.dims[0] = n;
	return nx_blob_new_copy(&t, p);
}

static void test_blob_hash(void)
{
	unsigned char buf[100];
	for (int i = 0; i < 100; i++)
		buf[i] = (unsigned char)(i * 37 + 11);
	for (int n = 1; n <= 70; n++) {
		nx_blob *a = u8_blob(buf, n), *b = u8_blob(buf, n);
		uint64_t h = nx_blob_hash(a);
		CHECK(h == nx_blob_hash(b));
		CHECK(h == nx_blob_hash(a)); /* cached */
		CHECK(a->hashed);
		for (int i = 0; i < n; i++) {
			unsigned char c[100];
			memcpy(c, buf, (size_t)n);
			c[i] ^= 1;
			nx_blob *d = u8_blob(c, n);
			if (nx_blob_hash(d) == h)
				fprintf(stderr, "collision: n=%d byte %d\n", n, i);
			CHECK(nx_blob_hash(d) != h);
			nx_blob_unref(d);
		}
		/* a zero byte appended must not hash as the shorter blob */
		unsigned char z[100] = {0};
		memcpy(z, buf, (size_t)n);
		nx_blob *e = u8_blob(z, n + 1);
		CHECK(nx_blob_hash(e) != h);
		nx_blob_unref(e);
		nx_blob_unref(a);
		nx_blob_unref(b);
	}
}

static const check_case cases[] = {
	{"blob_hash", test_blob_hash},
	{NULL, NULL},
};

int main(int argc, char **argv)
{
	return check_main(cases, argc, argv);
}
