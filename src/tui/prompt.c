/* prompt.c — the command line: GNU readline through its callback interface,
 * fed one key at a time from the curses loop (readline never reads the
 * terminal itself, never writes to it, and never touches signals or the
 * terminal mode; curses owns all three). readline keeps the line, history
 * and completion (complete.c: commands, pass names, target fields, views,
 * %values, Lua globals in the console); we mirror its
 * buffer into the app and layout.c draws it on the bottom row.
 *
 * readline is a process-wide singleton: its callbacks reach the app through
 * the one pointer below, set while a prompt is open. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curses.h>
#include <readline/history.h>
#include <readline/readline.h>

#include "nxt.h"

static nxt_app *cur_app;     /* the app whose prompt is open (TUI root state) */
static int pending[8], n_pending; /* bytes readline's getc hands out next */
static char history_path[1024];
static int hist_pos;         /* our place in the history while a prompt is open */

static int getc_fn(FILE *f)
{
	(void)f;
	if (!n_pending)
		return EOF;
	int c = pending[0];
	memmove(pending, pending + 1, (size_t)--n_pending * sizeof *pending);
	return c;
}

static int avail_fn(void) { return n_pending > 0; }

static void mirror(void)
{
	if (!cur_app)
		return;
	snprintf(cur_app->prompt_line, sizeof cur_app->prompt_line, "%s",
		 rl_line_buffer ? rl_line_buffer : "");
	cur_app->prompt_point = rl_point;
}

static void redisplay_fn(void) { mirror(); }

static void line_fn(char *line)
{
	nxt_app *a = cur_app;
	int kind = a->prompt;
	/* the prompt closes before the line runs: a command may open another */
	rl_callback_handler_remove();
	a->prompt = NXT_PROMPT_NONE;
	a->prompt_line[0] = 0;
	cur_app = NULL;
	if (!line) /* Ctrl-d on an empty line */
		return;
	if (*line && kind != NXT_PROMPT_SEARCH)
		add_history(line);
	if (kind == NXT_PROMPT_COMMAND && *line) {
		nxt_log(a, NXT_C_DIM, ":%s", line);
		nxt_command(a, line);
	} else if (kind == NXT_PROMPT_SEARCH && *line) {
		char cmd[1100];
		snprintf(cmd, sizeof cmd, "search %s", line);
		nxt_command(a, cmd);
	} else if (kind == NXT_PROMPT_TARGET && *line) {
		char cmd[1100];
		snprintf(cmd, sizeof cmd, "target-set %s", line);
		nxt_log(a, NXT_C_DIM, ":%s", cmd);
		nxt_command(a, cmd);
	} else if (kind == NXT_PROMPT_CONSOLE) {
		if (*line) {
			nxt_log(a, NXT_C_DIM, "> %s", line);
			nxt_console_eval(a, line);
		}
		/* the console keeps reading until Esc */
		if (a->view == NXT_V_CONSOLE && a->prompt == NXT_PROMPT_NONE)
			nxt_prompt_open(a, NXT_PROMPT_CONSOLE, "> ", "");
	}
	free(line); /* readline's allocation */
}

/* ---- completion (the words: complete.c) ----------------------------------- */
static char *gen_words(const char *text, int state)
{
	static char **list; /* readline's generator protocol keeps state here */
	static uint32_t i;
	if (!state) {
		free(list); /* the words themselves went to readline */
		list = cur_app ? nxt_complete(cur_app, text, cur_app->prompt == NXT_PROMPT_CONSOLE)
			: NULL;
		i = 0;
	}
	if (list && list[i])
		return list[i++]; /* readline frees it */
	free(list);
	list = NULL;
	return NULL;
}

static char **complete_fn(const char *text, int start, int end)
{
	(void)start;
	(void)end;
	rl_attempted_completion_over = 1; /* never fall back to file names */
	return rl_completion_matches(text, gen_words);
}

/* A second Tab lists the candidates: on the status line, as many as fit
 * (readline's own listing would go to its /dev/null stream). */
static void show_matches(char **m, int n, int longest)
{
	(void)longest;
	if (!cur_app)
		return;
	char buf[sizeof cur_app->status];
	int len = snprintf(buf, sizeof buf, "%d matches:", n);
	for (int i = 1; i <= n && len < (int)sizeof buf - 1; i++)
		len += snprintf(buf + len, sizeof buf - (size_t)len, " %s", m[i]);
	nxt_status(cur_app, NXT_C_TEXT, "%s", buf);
}

static void setup(void)
{
	static bool done;
	if (done)
		return;
	done = true;
	rl_catch_signals = 0;
	rl_catch_sigwinch = 0;
	rl_change_environment = 0;
	rl_prep_term_function = NULL;
	rl_deprep_term_function = NULL;
	rl_getc_function = getc_fn;
	rl_input_available_hook = avail_fn;
	rl_redisplay_function = redisplay_fn;
	rl_attempted_completion_function = complete_fn;
	rl_completion_display_matches_hook = show_matches;
	rl_completion_query_items = 0; /* never ask "display all?": it would eat a key */
	rl_variable_bind("show-all-if-ambiguous", "on"); /* list on the first Tab */
	/* readline must not write to the curses screen */
	rl_outstream = fopen("/dev/null", "w");
	rl_instream = NULL;
	rl_readline_name = "nex";
	rl_bind_key('\t', rl_complete);
	using_history();
}

void nxt_prompt_history_load(void)
{
	const char *home = getenv("HOME");
	setup();
	if (!home || !*home)
		return;
	snprintf(history_path, sizeof history_path, "%s/.nex_history", home);
	read_history(history_path);
}

void nxt_prompt_history_save(void)
{
	if (!*history_path)
		return;
	stifle_history(1000);
	write_history(history_path);
}

/* Leaves a line that was not accepted (Esc, a prompt replaced by another).
 * readline keeps the line being edited aside while the user walks the
 * history (Up), with that line's undo list; dropping the line must first
 * put it back, or the next rl_initialize frees that undo list a second
 * time (found by the tmux monkey test: Up, Esc, then `:`). */
static void abandon_line(void)
{
	rl_maybe_unsave_line();
	rl_free_line_state();
	rl_callback_sigcleanup();
	rl_callback_handler_remove();
	history_set_pos(history_length);
}

void nxt_prompt_open(nxt_app *a, int kind, const char *prompt, const char *prefill)
{
	setup();
	if (cur_app)
		abandon_line();
	cur_app = a;
	a->prompt = kind;
	snprintf(a->prompt_text, sizeof a->prompt_text, "%s", prompt);
	n_pending = 0;
	hist_pos = history_length;
	rl_callback_handler_install(prompt, line_fn);
	if (prefill && *prefill)
		rl_insert_text(prefill);
	mirror();
}

void nxt_prompt_close(nxt_app *a)
{
	if (cur_app == a) {
		abandon_line();
		cur_app = NULL;
	}
	a->prompt = NXT_PROMPT_NONE;
	a->prompt_line[0] = 0;
}

/* curses keys as the bytes a terminal would send readline */
static void push_key(int key)
{
	const char *seq = NULL;
	switch (key) {
	case KEY_LEFT: seq = "\033[D"; break;
	case KEY_RIGHT: seq = "\033[C"; break;
	case KEY_UP: seq = "\033[A"; break;
	case KEY_DOWN: seq = "\033[B"; break;
	case KEY_HOME: seq = "\001"; break;
	case KEY_END: seq = "\005"; break;
	case KEY_DC: seq = "\004"; break;
	case KEY_BACKSPACE: seq = "\177"; break;
	case KEY_ENTER: seq = "\n"; break;
	default:
		break;
	}
	if (seq) {
		while (*seq && n_pending < 8)
			pending[n_pending++] = (unsigned char)*seq++;
	} else if (key >= 0 && key < 256 && n_pending < 8) {
		pending[n_pending++] = key;
	}
}

int nxt_prompt_key(nxt_app *a, int key)
{
	/* Esc alone leaves the prompt (readline would wait for a sequence);
	 * Ctrl-c too, like a shell */
	if (key == 27 || key == 3) {
		bool console = a->prompt == NXT_PROMPT_CONSOLE;
		nxt_prompt_close(a);
		/* Esc in the console leaves the console too */
		if (console)
			return nxt_command(a, "back");
		nxt_status(a, NXT_C_DIM, "cancelled");
		return NXT_REDRAW;
	}
	if (key == KEY_RESIZE)
		return NXT_RELAYOUT | NXT_REDRAW;
	if (key == KEY_BACKSPACE && a->prompt_line[0] == 0) {
		nxt_prompt_close(a);
		return NXT_REDRAW;
	}
	/* Up/Down (and Ctrl-p/Ctrl-n) walk the history here, replacing the
	 * line with its undo list cleared: readline's own walk keeps the edited
	 * line aside with an undo list that its callback mode frees twice when
	 * a line is abandoned or accepted mid-walk (the tmux monkey test found
	 * both crashes). */
	if (key == KEY_UP || key == KEY_DOWN || key == 16 || key == 14) {
		int to = hist_pos + (key == KEY_UP || key == 16 ? -1 : 1);
		if (to >= 0 && to <= history_length) {
			HIST_ENTRY *e = to < history_length ? history_get(history_base + to) : NULL;
			hist_pos = to;
			rl_replace_line(e ? e->line : "", 1);
			rl_point = rl_end;
			mirror();
		}
		return NXT_REDRAW;
	}
	push_key(key == '\r' ? '\n' : key);
	while (n_pending && cur_app == a)
		rl_callback_read_char();
	if (cur_app == a)
		mirror();
	return NXT_REDRAW | (a->quit ? NXT_QUIT : 0);
}
