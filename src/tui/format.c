/* format.c — numbers as people read them in a narrow column: bytes in
 * binary units, times in s/ms/us, counts with k/M/G. */
#include <stdio.h>

#include "nxt.h"

const char *nxt_bytes(double b, char *buf, size_t n)
{
	static const char *u[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	int i = 0;
	while (b >= 1024 && i < 4) {
		b /= 1024;
		i++;
	}
	snprintf(buf, n, i ? "%.1f %s" : "%.0f %s", b, u[i]);
	return buf;
}

const char *nxt_time(double s, char *buf, size_t n)
{
	if (s >= 1)
		snprintf(buf, n, "%.2f s", s);
	else if (s >= 1e-3)
		snprintf(buf, n, "%.2f ms", s * 1e3);
	else
		snprintf(buf, n, "%.1f us", s * 1e6);
	return buf;
}

const char *nxt_count(double v, char *buf, size_t n)
{
	if (v >= 1e9)
		snprintf(buf, n, "%.1fG", v / 1e9);
	else if (v >= 1e6)
		snprintf(buf, n, "%.1fM", v / 1e6);
	else if (v >= 1e4)
		snprintf(buf, n, "%.1fk", v / 1e3);
	else
		snprintf(buf, n, "%.0f", v);
	return buf;
}
