/* hash.c — the one hash of nex, for its hash tables (interned strings and
 * types in ir.c, export names, cse's op and constant keys, the line
 * differ's interner). FNV-1a, 64-bit, one byte at a time: no alignment or
 * length rules, tiny, and the same value on every machine, so a table's
 * layout never depends on the host. 64 bits because cse and the line differ
 * compare whole keys only when hashes match, and at 100k ops 32 bits would
 * make that happen by chance. FNV's low bits depend only on the low bits of
 * the input, and every table here indexes by the low bits (h & (cap - 1)),
 * so the result goes through splitmix64's finalizer, which spreads every
 * input bit over every output bit. */
#include "nx.h"

uint64_t nx_hash(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ s[i]) * 0x100000001b3ull;
	h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ull;
	h = (h ^ (h >> 27)) * 0x94d049bb133111ebull;
	return h ^ (h >> 31);
}
