/* die.c — the one way nex stops on an internal error (out of memory, a broken
 * invariant, a library that cannot build its output). Bad input never comes
 * here: it is an nx_err handed back to the caller. nx_die prints one line on
 * stderr, runs the hook, and exits with status 2 ("internal error" in
 * `nex --help`).
 *
 * The hook is the one piece of process-wide mutable state in the libraries:
 * a full-screen face (the TUI) must put the terminal back before any exit,
 * wherever in the engine the exit starts. It is set once, from main or the
 * TUI root, before any work; nothing else writes it. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "nx.h"

static nx_die_hook die_hook; /* process state: set from main / the TUI root only */

nx_die_hook nx_die_set_hook(nx_die_hook hook)
{
	nx_die_hook old = die_hook;
	die_hook = hook;
	return old;
}

_Noreturn void nx_die(const char *fmt, ...)
{
	/* Take the hook out first: if it dies in turn, the second nx_die exits
	 * instead of calling it again forever. It runs before the message so that
	 * the message lands on a terminal the hook has put back. */
	nx_die_hook hook = die_hook;
	die_hook = NULL;
	if (hook)
		hook();
	va_list ap;
	va_start(ap, fmt);
	fputs("nex: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(2);
}
