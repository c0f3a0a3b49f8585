/* view_console.c — the Console view: the log of commands typed and what
 * they answered, newest at the bottom, with the prompt open on the last
 * line. `:` lines run commands; other lines are Lua (nxt_console_eval), run
 * in the session on screen with print going to this log. Esc leaves. */
#include "nxt.h"

static void draw(nxt_app *a, nxt_rect r)
{
	int h = r.h;
	int first = (int)a->n_log - h - a->console_top;
	if (first < 0)
		first = 0;
	if (!a->n_log)
		nxt_put(&a->cv, r.y, r.x, r.w, NXT_C_DIM, "type :commands (Tab completes, Up recalls, "
			"Esc leaves); other lines are Lua (nex.session is this session)");
	for (int i = 0; i < h && first + i < (int)a->n_log; i++) {
		const char *l = a->log[first + i];
		nxt_put(&a->cv, r.y + i, r.x, r.w, l[0] - 1, l + 1);
	}
}

static int move(nxt_app *a, int d)
{
	long t = d == INT32_MIN ? (long)a->n_log : d == INT32_MAX ? 0 : (long)a->console_top - d;
	a->console_top = (int)(t < 0 ? 0 : t > (long)a->n_log ? (long)a->n_log : t);
	return NXT_REDRAW;
}

static int enter(nxt_app *a)
{
	if (!a->script)
		nxt_prompt_open(a, NXT_PROMPT_CONSOLE, "> ", "");
	return NXT_REDRAW;
}

const nxt_view_ops nxt_view_console = {"console", "Console", draw, move, enter, NULL};
