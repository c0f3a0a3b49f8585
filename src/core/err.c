/* err.c — filling nx_err. Errors are data handed back to the caller, who
 * decides how to show them (CLI: stderr; TUI: a status line; Lua: an error). */
#include <stdarg.h>
#include <string.h>

#include "nx.h"

void nx_err_set(nx_err *e, const char *fmt, ...)
{
	if (!e)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
}

void nx_err_prefix(nx_err *e, const char *fmt, ...)
{
	if (!e)
		return;
	char pre[512], old[sizeof e->msg];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(pre, sizeof pre, fmt, ap);
	va_end(ap);
	memcpy(old, e->msg, sizeof old);
	size_t k = strlen(pre);
	if (k >= sizeof e->msg)
		k = sizeof e->msg - 1;
	memcpy(e->msg, pre, k);
	size_t rest = strlen(old);
	if (rest > sizeof e->msg - 1 - k)
		rest = sizeof e->msg - 1 - k;
	memcpy(e->msg + k, old, rest);
	e->msg[k + rest] = 0;
}
