/* app.c — the TUI root: builds the app (session on the model, the target,
 * the pipeline), then either runs a script with no display or owns the
 * terminal: one loop reads a key, hands it to the prompt or the actions
 * table, acts on the returned flags (redraw, relayout, quit) and copies the
 * canvas to curses. The terminal is restored on every way out: q, an error
 * return, SIGINT/SIGTERM/SIGHUP (restore, then exit as the signal would),
 * SIGSEGV/SIGABRT/SIGBUS/SIGFPE (restore, then re-raise for the core dump). */
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curses.h>
#include <term.h>

#include "nxl.h"
#include "nxt.h"

/* The terminal this process took over, for the signal handlers: the TUI
 * root's state, set while curses owns the screen. */
static volatile sig_atomic_t screen_up;
/* Long work (apply all, replay, bisect) is running: SIGINT cancels it
 * instead of ending nex, and Ctrl-c typed meanwhile asks the same. Set by
 * the progress hook, cleared when the main loop gets control back. */
static volatile sig_atomic_t busy, cancel_asked;
static double busy_since, busy_drawn;

static void restore_terminal(void)
{
	if (screen_up) {
		screen_up = 0;
		endwin();
		/* belt and braces: mouse off, cursor on, main screen */
		static const char seq[] = "\033[?1000l\033[?25h\033[?1049l";
		if (write(STDOUT_FILENO, seq, sizeof seq - 1) < 0) {
			/* nothing more to do while dying */
		}
	}
}

static void on_fatal(int sig)
{
	restore_terminal();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void on_sigint(int sig)
{
	if (busy) {
		cancel_asked = 1;
		return;
	}
	on_fatal(sig);
}

static void install_signals(void)
{
	struct sigaction si;
	memset(&si, 0, sizeof si);
	si.sa_handler = on_sigint; /* stays installed: it cancels, many times */
	sigemptyset(&si.sa_mask);
	sigaction(SIGINT, &si, NULL);
	static const int sigs[] = {SIGTERM, SIGHUP, SIGQUIT, SIGSEGV, SIGABRT, SIGBUS,
				   SIGFPE};
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_fatal;
		sigemptyset(&sa.sa_mask);
		sa.sa_flags = SA_RESETHAND;
		sigaction(sigs[i], &sa, NULL);
	}
}

/* Copies the canvas to the curses screen; curses sends only what changed. */
static void flush_canvas(nxt_app *a)
{
	nxt_canvas *c = &a->cv;
	for (int y = 0; y < c->h && y < LINES; y++)
		for (int x = 0; x < c->w && x < COLS; x++) {
			/* the bottom-right cell would scroll some terminals */
			if (y == LINES - 1 && x == COLS - 1)
				continue;
			const nxt_cell *cell = &c->cells[y * c->w + x];
			wchar_t wc[2] = {(wchar_t)cell->ch, 0};
			cchar_t cc;
			attr_t at = (attr_t)nxt_theme_attr(cell->color);
			setcchar(&cc, wc, at & ~A_COLOR, (short)PAIR_NUMBER(at), NULL);
			mvadd_wch(y, x, &cc);
		}
	if (a->prompt != NXT_PROMPT_NONE) {
		int x = (int)strlen(a->prompt_text) + a->prompt_point;
		move(c->h - 1, x < c->w ? x : c->w - 1);
		curs_set(1);
	} else {
		curs_set(0);
	}
	refresh();
}

/* The session's progress hook: between two pass runs of long work, show
 * how far it is on the status line and read what was typed meanwhile
 * (Ctrl-c cancels; other keys typed while busy are dropped, as the screen
 * they were meant for is gone). Returns true to cancel. */
static bool on_progress(void *ctx, const nxw_progress *p)
{
	nxt_app *a = ctx;
	if (!screen_up)
		return false;
	double now = nx_now();
	if (!busy) {
		busy = 1;
		busy_since = now;
		busy_drawn = 0;
	}
	nodelay(stdscr, TRUE);
	for (int key; (key = getch()) != ERR;)
		if (key == 3)
			cancel_asked = 1;
	nodelay(stdscr, FALSE);
	if (cancel_asked) {
		cancel_asked = 0;
		return true;
	}
	/* a frame every 50 ms at most: many short runs (bisect) stay fast */
	if (now - busy_drawn < 0.05)
		return false;
	busy_drawn = now;
	char of[24] = "";
	if (p->total)
		snprintf(of, sizeof of, "/%u", p->total);
	nxt_status(a, NXT_C_WARN, "%s: %u%s done, running %s (%.1f s) ... Ctrl-c cancels", p->what,
		   p->done, of, p->pass ? p->pass : "...", now - busy_since);
	nxt_draw_footer(a);
	flush_canvas(a);
	return false;
}

static void app_free(nxt_app *a)
{
	nxt_prompt_close(a);
	nxt_ir_free(&a->ir);
	nxt_diff_reset(a);
	nxt_cost_reset(a);
	for (uint32_t i = 0; i < a->n_log; i++)
		free(a->log[i]);
	free(a->log);
	nxt_canvas_free(&a->cv);
	nxw_session_free(a->s);
	/* after the session: its catalogue may hold passes of this state */
	nxl_close(a->lua);
	free(a);
}

static int interactive(nxt_app *a)
{
	/* curses needs the terminal's locale for UTF-8 */
	setlocale(LC_ALL, "");
	const char *term = getenv("TERM");
	SCREEN *scr = newterm(NULL, stdout, stdin);
	if (!scr) {
		fprintf(stderr, "nex: cannot open the terminal '%s' for the TUI; headless commands "
			"work anywhere (nex --help)\n", term ? term : "(TERM unset)");
		return 1;
	}
	/* a terminal that cannot address the cursor (TERM=dumb) cannot hold a
	 * full-screen UI: say so instead of drawing garbage */
	const char *cup = tigetstr("cup");
	if (!cup || cup == (const char *)-1) {
		endwin();
		delscreen(scr);
		fprintf(stderr, "nex: the terminal '%s' cannot move the cursor, which the TUI needs "
			"(try TERM=xterm-256color, or NO_COLOR=1 for no colours); headless commands "
			"work anywhere (nex --help)\n", term ? term : "(TERM unset)");
		return 1;
	}
	screen_up = 1;
	install_signals();
	raw(); /* Ctrl-c, Ctrl-z and Ctrl-s come to us as keys */
	noecho();
	keypad(stdscr, TRUE);
	set_escdelay(25);
	mousemask(BUTTON1_PRESSED | BUTTON4_PRESSED | BUTTON5_PRESSED, NULL);
	mouseinterval(0);
	a->colors = nxt_theme_init();
	nxt_prompt_history_load();
	nxt_canvas_resize(&a->cv, COLS, LINES);
	nxw_set_progress(a->s, on_progress, a);
	int flags = NXT_REDRAW;
	for (;;) {
		busy = 0;
		cancel_asked = 0;
		/* a resize while busy was read (and dropped) by the progress hook */
		if (a->cv.w != COLS || a->cv.h != LINES)
			flags |= NXT_RELAYOUT;
		if (flags & NXT_RELAYOUT) {
			nxt_canvas_resize(&a->cv, COLS, LINES);
			clear();
		}
		if (flags & (NXT_REDRAW | NXT_RELAYOUT)) {
			nxt_draw(a);
			flush_canvas(a);
		}
		if (flags & NXT_QUIT || a->quit)
			break;
		int key = getch();
		if (key == ERR)
			continue;
		if (key == KEY_RESIZE) {
			flags = NXT_RELAYOUT | NXT_REDRAW;
			continue;
		}
		if (key == KEY_MOUSE) {
			MEVENT ev;
			flags = NXT_UNHANDLED;
			if (getmouse(&ev) == OK && a->prompt == NXT_PROMPT_NONE) {
				if (ev.bstate & BUTTON4_PRESSED)
					flags = nxt_wheel(a, ev.y, ev.x, -3);
				else if (ev.bstate & BUTTON5_PRESSED)
					flags = nxt_wheel(a, ev.y, ev.x, 3);
				else if (ev.bstate & BUTTON1_PRESSED)
					flags = nxt_click(a, ev.y, ev.x);
			}
			flags |= NXT_REDRAW;
			continue;
		}
		if (a->prompt != NXT_PROMPT_NONE) {
			flags = nxt_prompt_key(a, key);
			continue;
		}
		if (key == 3) { /* Ctrl-c: cancels long work while it runs */
			nxt_status(a, NXT_C_TEXT, "Ctrl-c: nothing runs now to cancel (q quits)");
			flags = NXT_REDRAW;
			continue;
		}
		flags = nxt_key(a, key);
		if (flags == NXT_UNHANDLED) {
			const char *name = keyname(key);
			nxt_status(a, NXT_C_WARN, "key %s does nothing here (? lists the keys)",
				   name ? name : "?");
			flags = NXT_REDRAW;
		}
	}
	nxt_prompt_history_save();
	restore_terminal();
	delscreen(scr);
	return 0;
}

nxt_app *nxt_app_new(nx_graph *g, const nxt_open_opts *o, nx_err *err)
{
	/* the TUI root: caller frees with nxt_app_free */
	nxt_app *a = nx_xcalloc(1, sizeof *a);
	a->script = o->script != NULL;
	a->ir_fold = true;
	a->focus = NXT_FOCUS_VIEW;
	snprintf(a->model, sizeof a->model, "%s", o->model_name);
	a->lua = o->lua;
	if (o->session) {
		a->target = *o->target;
		nxt_canvas_resize(&a->cv, 80, 24);
		nxt_adopt_session(a, o->session, o->session_path, o->recovered);
		return a;
	}
	a->s = nxw_session_new(g);
	if (o->source)
		nxw_source_copy(&a->s->src, o->source);
	a->target = *o->target;
	nxw_set_target(a->s, &a->target);
	if (nxw_set_pipeline(a->s, o->pipeline ? o->pipeline : "default", err)) {
		nx_err_prefix(err, "--pipeline: ");
		app_free(a);
		return NULL;
	}
	if (!a->s->steps[0].ok)
		nxt_status(a, NXT_C_ERROR, "the model does not verify: %s", a->s->steps[0].error);
	else
		nxt_status(a, NXT_C_TEXT, "%u ops. a applies the next pass, s steps one rewrite, "
			   "? shows every key", g->n_live_ops);
	a->n_errors = 0;
	nxt_canvas_resize(&a->cv, 80, 24);
	nxt_session_changed(a);
	return a;
}

void nxt_app_free(nxt_app *a)
{
	if (a)
		app_free(a);
}

int nxt_open(nx_graph *g, const nxt_open_opts *o)
{
	nx_err err;
	nxt_app *a = nxt_app_new(g, o, &err);
	if (!a) {
		fprintf(stderr, "nex: %s\n", err.msg);
		return 1;
	}
	int rc = a->script ? nxt_script_run(a, o->script) : interactive(a);
	app_free(a);
	return rc;
}
