/* test_strbuf.c — the shared text buffer (strbuf.c) and the one hash
 * (hash.c): appends keep the text NUL-terminated across growth, formatted
 * appends longer than the room left come out whole, and nx_hash gives the
 * same values on every machine (FNV-1a 64 + splitmix64's finalizer,
 * computed independently) with low bits that tell names apart. */
#include "check.h"
#include "nx.h"

static void test_appends(void)
{
	nx_strbuf b = {0};
	nx_strbuf_puts(&b, "");
	CHECK(b.s != NULL);
	CHECK_STR(b.s, "");
	nx_strbuf_putc(&b, 'x');
	nx_strbuf_put(&b, "yz!", 2);
	CHECK_STR(b.s, "xyz");
	CHECK_EQ_INT(b.n, 3);
	/* many small appends across several doublings */
	for (int i = 0; i < 5000; i++)
		nx_strbuf_putc(&b, (char)('a' + i % 26));
	CHECK_EQ_INT(b.n, 5003);
	CHECK_EQ_INT(strlen(b.s), 5003);
	CHECK(b.s[3] == 'a' && b.s[5002] == 'a' + 4999 % 26);
	free(b.s);
}

static void test_printf(void)
{
	nx_strbuf b = {0};
	nx_strbuf_printf(&b, "%s=%d", "k", 7);
	CHECK_STR(b.s, "k=7");
	char big[3000];
	memset(big, 'q', sizeof big - 1);
	big[sizeof big - 1] = 0;
	nx_strbuf_printf(&b, "[%s]", big); /* far past the room left */
	CHECK_EQ_INT(b.n, 3 + 2 + 2999);
	CHECK(b.s[3] == '[' && b.s[b.n - 1] == ']' && b.s[b.n] == 0);
	nx_strbuf_puts(&b, "end");
	CHECK(!strcmp(b.s + b.n - 4, "]end"));
	free(b.s);
}

static void test_hash_values(void)
{
	CHECK(nx_hash("", 0) == 0xf52a15e9a9b5e89bull);
	CHECK(nx_hash("a", 1) == 0x02c0bdbf481420f8ull);
	CHECK(nx_hash("conv2d_0.w", 10) == 0x9236a4baf3fcbf47ull);
	/* only the bytes count, not where they sit */
	char two[] = "xconv2d_0.w";
	CHECK(nx_hash(two + 1, 10) == nx_hash("conv2d_0.w", 10));
}

/* Keys that differ only in bit 6 of their bytes ('!' is 0x21, 'a' 0x61):
 * plain FNV gives them all the same low 6 bits (its low bits see only the
 * low bits of the input), so a 64-slot table would put all 16 in one slot.
 * The finalizer spreads them. */
static void test_hash_low_bits(void)
{
	bool seen[64] = {false};
	int distinct = 0;
	for (int i = 0; i < 16; i++) {
		char key[4];
		for (int j = 0; j < 4; j++)
			key[j] = (i >> j & 1) ? 'a' : '!';
		unsigned k = (unsigned)(nx_hash(key, 4) & 63);
		if (!seen[k])
			distinct++;
		seen[k] = true;
	}
	CHECK(distinct >= 10); /* 16 keys into 64 slots: ~14 expected at random */
}

int main(int argc, char **argv)
{
	static const check_case cases[] = {
		{"appends", test_appends},
		{"printf", test_printf},
		{"hash_values", test_hash_values},
		{"hash_low_bits", test_hash_low_bits},
		{NULL, NULL},
	};
	return check_main(cases, argc, argv);
}
