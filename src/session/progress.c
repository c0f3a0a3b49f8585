/* progress.c — progress and cancel for long work. The session's loops
 * (apply all, replay, step into until, bisection, replaying a session file)
 * ask the session's progress hook before each pass run; a face draws the
 * progress and answers whether the user cancelled. Cancelling happens only
 * between pass runs, so the history always holds whole steps: what was made
 * before the cancel stays, and nothing half-made is kept. Loading a
 * session file is the exception: cancelled, it opens nothing. */
#include <string.h>

#include "nxw.h"

void nxw_set_progress(nxw_session *s, nxw_progress_fn fn, void *ctx)
{
	s->progress = fn;
	s->progress_ctx = ctx;
}

int nxw_progress_tick(nxw_session *s, const char *what, uint32_t done, uint32_t total,
		      const char *pass, nx_err *err)
{
	if (!s->progress)
		return 0;
	nxw_progress p = {what, done, total, pass};
	if (!s->progress(s->progress_ctx, &p))
		return 0;
	if (!strcmp(what, "load")) /* the half-replayed session is not kept */
		nx_err_set(err, "loading cancelled after %u of %u steps replayed", done, total);
	else if (total)
		nx_err_set(err, "%s cancelled after %u of %u; the history is kept, at step %u", what,
			   done, total, s->cursor);
	else
		nx_err_set(err, "%s cancelled after %u; the history is kept, at step %u", what, done,
			   s->cursor);
	return NXW_CANCELLED;
}

uint32_t nxw_invs_left(const nxw_session *s)
{
	const nxw_step *cur = &s->steps[s->cursor];
	uint32_t n = cur->inv >= 0 && !cur->complete; /* the rest of a stepped pass */
	for (int32_t i = cur->inv + 1; i < (int32_t)s->pl.n; i++)
		n += s->pl.inv[i].enabled;
	return n;
}
