/* view_help.c — the Help view (?): every key and `:` command, generated
 * from the actions table, so it cannot drift from what the keys do. */
#include <string.h>

#include "nxt.h"

static uint32_t n_lines(void) { return nxt_n_actions + 3; }

static void draw(nxt_app *a, nxt_rect r)
{
	if (a->help_top > (int)n_lines() - r.h)
		a->help_top = (int)n_lines() - r.h;
	if (a->help_top < 0)
		a->help_top = 0;
	int y = r.y;
	for (uint32_t l = (uint32_t)a->help_top; l < n_lines() && y < r.y + r.h; l++, y++) {
		if (l == 0) {
			nxt_put(&a->cv, y, r.x, r.w, NXT_C_TITLE, "key      command           what it does");
			continue;
		}
		if (l == n_lines() - 2) {
			continue;
		}
		if (l == n_lines() - 1) {
			nxt_put(&a->cv, y, r.x, r.w, NXT_C_DIM, "Console lines that are not :commands "
				"go to Lua (not built in yet).");
			continue;
		}
		const nxt_action *ac = &nxt_actions[l - 1];
		char cmd[64];
		if (ac->args[0] == '=')
			snprintf(cmd, sizeof cmd, ":%s %s", ac->name, ac->args + 1);
		else
			snprintf(cmd, sizeof cmd, ":%s%s%s", ac->name, *ac->args ? " " : "", ac->args);
		nxt_putf(&a->cv, y, r.x, 9, NXT_C_MARK, "%-9s", ac->keys);
		nxt_putf(&a->cv, y, r.x + 9, 18, NXT_C_VALUE, "%-18s", cmd);
		nxt_put(&a->cv, y, r.x + 27, r.w - 27, NXT_C_TEXT, ac->help);
	}
}

static int move(nxt_app *a, int d)
{
	long t = d == INT32_MIN ? 0 : d == INT32_MAX ? (long)n_lines() : (long)a->help_top + d;
	a->help_top = (int)(t < 0 ? 0 : t > (long)n_lines() ? (long)n_lines() : t);
	return NXT_REDRAW;
}

const nxt_view_ops nxt_view_help = {"help", "Help", draw, move, NULL, NULL};
