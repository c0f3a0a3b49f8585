/* theme.c — semantic colours (htop's idea): views name what a thing is
 * (an op kind, an added line, a DRAM buffer), the theme decides how it looks
 * on a 256-colour terminal, an 8-colour one, or none at all. With NO_COLOR
 * set or a terminal without colours the monochrome theme keeps meaning
 * through bold, reverse and underline alone. */
#include <stdlib.h>

#include <curses.h>

#include "nxt.h"

/* Columns: colour id, 256-colour fg, 8-colour fg, bg (-1 default),
 * attributes under colour, attributes in monochrome. */
static const struct {
	short fg256, fg8, bg;
	unsigned long attr, mono;
} rows[NXT_C_COUNT] = {
	[NXT_C_TEXT]    = {-1, -1, -1, 0, 0},
	[NXT_C_DIM]     = {244, COLOR_WHITE, -1, 0, A_DIM},
	[NXT_C_TITLE]   = {75, COLOR_CYAN, -1, A_BOLD, A_BOLD},
	[NXT_C_HEADER]  = {255, COLOR_WHITE, 24, A_BOLD, A_REVERSE},
	[NXT_C_SEL]     = {255, COLOR_WHITE, 238, A_BOLD, A_REVERSE},
	[NXT_C_BORDER]  = {240, COLOR_WHITE, -1, 0, A_DIM},
	[NXT_C_OPKIND]  = {214, COLOR_YELLOW, -1, A_BOLD, A_BOLD},
	[NXT_C_VALUE]   = {117, COLOR_CYAN, -1, 0, 0},
	[NXT_C_TYPE]    = {150, COLOR_GREEN, -1, 0, 0},
	[NXT_C_ATTR]    = {183, COLOR_MAGENTA, -1, 0, 0},
	[NXT_C_COMMENT] = {244, COLOR_WHITE, -1, 0, A_DIM},
	[NXT_C_NUMBER]  = {222, COLOR_YELLOW, -1, 0, 0},
	[NXT_C_ADDED]   = {114, COLOR_GREEN, -1, 0, A_BOLD},
	[NXT_C_REMOVED] = {203, COLOR_RED, -1, 0, A_UNDERLINE},
	[NXT_C_CHANGED] = {221, COLOR_YELLOW, -1, 0, A_BOLD},
	[NXT_C_HUNK]    = {75, COLOR_CYAN, -1, A_BOLD, A_BOLD},
	[NXT_C_OK]      = {114, COLOR_GREEN, -1, 0, 0},
	[NXT_C_WARN]    = {221, COLOR_YELLOW, -1, A_BOLD, A_BOLD},
	[NXT_C_ERROR]   = {196, COLOR_RED, -1, A_BOLD, A_BOLD | A_REVERSE},
	[NXT_C_BAR]     = {75, COLOR_BLUE, -1, 0, 0},
	[NXT_C_SRAM]    = {71, COLOR_GREEN, -1, 0, 0},
	[NXT_C_DRAM]    = {179, COLOR_YELLOW, -1, 0, A_DIM},
	[NXT_C_SPILL]   = {203, COLOR_RED, -1, A_BOLD, A_BOLD},
	[NXT_C_CPU]     = {170, COLOR_MAGENTA, -1, 0, A_UNDERLINE},
	[NXT_C_PEAK]    = {196, COLOR_RED, -1, A_BOLD, A_BOLD},
	[NXT_C_STATUS]  = {252, COLOR_WHITE, 236, 0, A_REVERSE},
	[NXT_C_KEY]     = {229, COLOR_YELLOW, 236, A_BOLD, A_REVERSE | A_BOLD},
	[NXT_C_MARK]    = {221, COLOR_YELLOW, -1, A_BOLD, A_BOLD},
	[NXT_C_FOCUS]   = {75, COLOR_CYAN, -1, A_BOLD, A_BOLD},
	/* the overlay heat scale; monochrome keeps an order: dim .. reverse */
	[NXT_C_HEAT0]   = {28, COLOR_GREEN, -1, 0, A_DIM},
	[NXT_C_HEAT1]   = {106, COLOR_GREEN, -1, A_BOLD, 0},
	[NXT_C_HEAT2]   = {178, COLOR_YELLOW, -1, 0, A_BOLD},
	[NXT_C_HEAT3]   = {208, COLOR_RED, -1, 0, A_UNDERLINE | A_BOLD},
	[NXT_C_HEAT4]   = {196, COLOR_RED, -1, A_BOLD, A_REVERSE},
};

/* The theme chosen at init; the TUI root's only colour state. */
static int theme_colors;

int nxt_theme_init(void)
{
	const char *nc = getenv("NO_COLOR");
	theme_colors = 0;
	if ((nc && *nc) || !has_colors())
		return 0;
	start_color();
	use_default_colors();
	theme_colors = COLORS >= 256 ? 256 : 8;
	for (int i = 1; i < NXT_C_COUNT; i++) {
		short fg = theme_colors == 256 ? rows[i].fg256 : rows[i].fg8;
		short bg = rows[i].bg;
		/* 8 colours have no dark grey: bars on a background become
		 * reverse video (see nxt_theme_attr), the header stays blue */
		if (theme_colors == 8 && bg >= 0) {
			bg = i == NXT_C_HEADER ? COLOR_BLUE : -1;
			if (i != NXT_C_HEADER)
				fg = -1;
		}
		init_pair((short)i, fg, bg);
	}
	return theme_colors;
}

unsigned long nxt_theme_attr(int color)
{
	if (color <= 0 || color >= NXT_C_COUNT)
		return 0;
	if (!theme_colors)
		return rows[color].mono;
	unsigned long a = COLOR_PAIR(color) | rows[color].attr;
	if (theme_colors == 8 && rows[color].bg >= 0 && color != NXT_C_HEADER)
		a |= A_REVERSE;
	return a;
}
