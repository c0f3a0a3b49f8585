/* script.c — the no-display mode (tig's script mode): `nex --script ACTIONS
 * MODEL` runs ACTIONS line by line against the canvas, with no terminal.
 * A line is a `:` command (":apply", ":save-screen out.txt", ":resize
 * 200x50") or keys as typed
 * ("jjj<Tab><C-d>", "tsram=64KiB<Enter>"); # starts a comment line. Keys go
 * through the same actions table and the same readline prompt as in the
 * terminal, so screen goldens test what a user gets. A command that ends in
 * an error is reported as FILE:LINE on stderr and the exit code is 1. */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nxt.h"

static const struct { const char *name; int key; } names[] = {
	{"Tab", '\t'}, {"Enter", '\n'}, {"Esc", 27}, {"Space", ' '}, {"BS", KEY_BACKSPACE},
	{"Up", KEY_UP}, {"Down", KEY_DOWN}, {"Left", KEY_LEFT}, {"Right", KEY_RIGHT},
	{"PgDn", KEY_NPAGE}, {"PgUp", KEY_PPAGE}, {"Home", KEY_HOME}, {"End", KEY_END},
	{"lt", '<'},
};

static int feed(nxt_app *a, int key)
{
	if (a->prompt != NXT_PROMPT_NONE)
		return nxt_prompt_key(a, key);
	return nxt_key(a, key);
}

int nxt_script_line(nxt_app *a, const char *line, nx_err *err)
{
	if (line[0] == ':') {
		nxt_command(a, line + 1);
		return 0;
	}
	for (const char *p = line; *p && !a->quit; p++) {
		int key = (unsigned char)*p;
		if (*p == '<') {
			const char *end = strchr(p, '>');
			if (!end) {
				nx_err_set(err, "'<' without '>' (write <lt> for a literal '<')");
				return -1;
			}
			size_t n = (size_t)(end - p - 1);
			int cy, cx, wr;
			/* mouse: <click Y X> and <wheel Y X ROWS>, screen cells */
			if (sscanf(p + 1, "click %d %d", &cy, &cx) == 2) {
				nxt_draw(a); /* the layout the click lands on */
				nxt_click(a, cy, cx);
				p = end;
				continue;
			}
			if (sscanf(p + 1, "wheel %d %d %d", &cy, &cx, &wr) == 3) {
				nxt_draw(a);
				nxt_wheel(a, cy, cx, wr);
				p = end;
				continue;
			}
			key = -1;
			if (n == 3 && p[1] == 'C' && p[2] == '-')
				key = p[3] & 0x1f;
			for (size_t i = 0; i < sizeof names / sizeof names[0] && key < 0; i++)
				if (strlen(names[i].name) == n && !strncmp(p + 1, names[i].name, n))
					key = names[i].key;
			if (key < 0) {
				nx_err_set(err, "unknown key <%.*s> (Tab Enter Esc Space BS Up Down Left "
					   "Right PgDn PgUp Home End lt C-x, click Y X, wheel Y X ROWS)",
					   (int)n, p + 1);
				return -1;
			}
			p = end;
		}
		feed(a, key);
	}
	return 0;
}

int nxt_script_run(nxt_app *a, const char *path)
{
	nx_err err;
	size_t len;
	char *text = nx_read_file(path, &len, &err);
	if (!text) {
		fprintf(stderr, "nex: --script: %s\n", err.msg);
		return 1;
	}
	int rc = 0, lineno = 0;
	for (char *line = text; line && *line && !a->quit; lineno++) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = 0;
		size_t n = strlen(line);
		if (n && line[n - 1] == '\r')
			line[n - 1] = 0;
		if (*line && *line != '#') {
			uint32_t errors = a->n_errors;
			if (nxt_script_line(a, line, &err)) {
				fprintf(stderr, "%s:%d: %s\n", path, lineno + 1, err.msg);
				rc = 1;
			} else if (a->n_errors != errors) {
				fprintf(stderr, "%s:%d: %s\n", path, lineno + 1, a->status);
				rc = 1;
			}
		}
		line = nl ? nl + 1 : NULL;
	}
	free(text);
	return rc;
}
