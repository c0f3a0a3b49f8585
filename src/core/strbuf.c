/* strbuf.c — growing nx_strbuf and formatted appends; the plain appends are
 * inline in nx.h. */
#include <stdarg.h>
#include <stdlib.h>

#include "nx.h"

void nx_strbuf_reserve(nx_strbuf *b, size_t extra)
{
	if (b->n + extra + 1 <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < b->n + extra + 1)
		cap *= 2;
	b->s = nx_xrealloc(b->s, cap);
	b->cap = cap;
}

void nx_strbuf_printf(nx_strbuf *b, const char *fmt, ...)
{
	for (;;) {
		va_list ap;
		va_start(ap, fmt);
		size_t room = b->cap - b->n;
		int k = vsnprintf(b->s ? b->s + b->n : NULL, room, fmt, ap);
		va_end(ap);
		if (k < 0)
			return;
		if ((size_t)k < room) {
			b->n += (size_t)k;
			return;
		}
		nx_strbuf_reserve(b, (size_t)k);
	}
}
