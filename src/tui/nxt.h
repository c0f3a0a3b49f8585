/* nxt.h — the terminal UI (src/tui): one app value (the TUI root, the only
 * mutable state of the layer), a canvas every view draws into, one view_ops
 * per view file, and one actions table (actions.def) that feeds the keys,
 * the `:` commands, the help view and the no-display script mode.
 *
 * Everything a view shows comes from session/sim/core calls (nxw_text,
 * nxw_diff, nxw_sim, nx_print_op, ...) that the CLI and Lua can make too; the
 * TUI lays them out. Drawing goes to the canvas, never straight to curses:
 * the interactive loop copies the canvas to ncurses, the script mode writes
 * it out as text (:save-screen), so screen goldens and benchmarks need no
 * terminal. Public entry: nxt_open (called by src/cli/cmd_tui.c).
 */
#ifndef NXT_H
#define NXT_H

#include <stdbool.h>
#include <stdint.h>

#include "nxs.h"
#include "nxw.h"

/* ---- app.c: entry ---------------------------------------------------------- */
typedef struct nxt_open_opts {
	const char *model_name;   /* shown in the header */
	const char *pipeline;     /* "default" or "a,b{k=v}" */
	const nx_target *target;  /* copied */
	const char *script;       /* ACTIONS file: no-display mode, or NULL */
	/* A session opened from a session file (nxw_load): used instead of g
	 * (then NULL), at its saved cursor; the app takes ownership. */
	nxw_session *session;
	const char *session_path; /* its file: :save-session writes it, the journal
				   * records every action next to it */
	struct nxl_state *lua;    /* the Lua state the session's passes live in,
				   * or NULL; the app takes ownership */
	const nxw_source *source; /* what g was loaded from (copied), so that
				   * :save-session can write it; or NULL */
	bool recovered;           /* session is the journal's state (--recover):
				   * no recovery question */
} nxt_open_opts;
/* Takes ownership of g. Interactive (needs a terminal on stdin/stdout) or,
 * with o->script, headless. Returns an exit code (0, 1 user error, 2). */
int nxt_open(nx_graph *g, const nxt_open_opts *o);

typedef struct nxt_app nxt_app;
/* The app without a terminal (for nxt_open, tests and benchmarks): takes
 * ownership of g; NULL + err on a bad pipeline. The canvas is 80x24. Caller
 * frees with nxt_app_free. */
nxt_app *nxt_app_new(nx_graph *g, const nxt_open_opts *o, nx_err *err);
void nxt_app_free(nxt_app *a);

/* ---- theme.c: semantic colours --------------------------------------------- */
typedef enum nxt_color {
	NXT_C_TEXT, NXT_C_DIM, NXT_C_TITLE, NXT_C_HEADER, NXT_C_SEL, NXT_C_BORDER,
	NXT_C_OPKIND, NXT_C_VALUE, NXT_C_TYPE, NXT_C_ATTR, NXT_C_COMMENT, NXT_C_NUMBER,
	NXT_C_ADDED, NXT_C_REMOVED, NXT_C_CHANGED, NXT_C_HUNK,
	NXT_C_OK, NXT_C_WARN, NXT_C_ERROR,
	NXT_C_BAR, NXT_C_SRAM, NXT_C_DRAM, NXT_C_SPILL, NXT_C_CPU, NXT_C_PEAK,
	NXT_C_STATUS, NXT_C_KEY, NXT_C_MARK, NXT_C_FOCUS,
	NXT_C_HEAT0, NXT_C_HEAT1, NXT_C_HEAT2, NXT_C_HEAT3, NXT_C_HEAT4, /* cool .. hot */
	NXT_C_COUNT
} nxt_color;
/* Sets up colour pairs for the terminal: 256, 8 or none (NO_COLOR set, or
 * no colours); returns which (256, 8, 0). Call after initscr. */
int nxt_theme_init(void);
/* The curses attributes of a colour id under the chosen theme. */
unsigned long nxt_theme_attr(int color);

/* ---- canvas.c: the screen as cells ----------------------------------------- */
typedef struct nxt_cell {
	uint32_t ch;     /* a Unicode code point, one column wide */
	uint8_t color;   /* nxt_color */
} nxt_cell;
typedef struct nxt_canvas {
	int w, h;
	nxt_cell *cells; /* owned */
} nxt_canvas;
void nxt_canvas_resize(nxt_canvas *c, int w, int h);
void nxt_canvas_free(nxt_canvas *c);
void nxt_canvas_clear(nxt_canvas *c);
/* UTF-8 text at (y, x), clipped to maxw columns and the canvas; returns the
 * columns written. */
int nxt_put(nxt_canvas *c, int y, int x, int maxw, int color, const char *s);
int nxt_putf(nxt_canvas *c, int y, int x, int maxw, int color, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
void nxt_fill(nxt_canvas *c, int y, int x, int w, uint32_t ch, int color);
void nxt_recolor(nxt_canvas *c, int y, int x, int w, int color);
void nxt_cell_set(nxt_canvas *c, int y, int x, uint32_t ch, int color);
/* A box outline with a title on its top edge. */
void nxt_box(nxt_canvas *c, int y, int x, int h, int w, int color, const char *title);
/* The canvas as UTF-8 lines, trailing blanks trimmed; caller frees. */
char *nxt_canvas_text(const nxt_canvas *c);

/* ---- the app (the TUI root) ------------------------------------------------ */
enum { /* what a handler asks the loop to do */
	NXT_UNHANDLED = 0, NXT_HANDLED = 1, NXT_REDRAW = 2, NXT_RELAYOUT = 4, NXT_QUIT = 8
};
typedef enum nxt_view_id {
	NXT_V_IR, NXT_V_DIFF, NXT_V_COST, NXT_V_MEMORY, NXT_V_REMARKS, NXT_V_CONSOLE,
	NXT_V_GRAPH, NXT_V_HELP, NXT_V_CODE, NXT_V_COUNT
} nxt_view_id;
enum { NXT_FOCUS_PIPELINE, NXT_FOCUS_VIEW };
enum { /* what the prompt line is reading */
	NXT_PROMPT_NONE, NXT_PROMPT_COMMAND, NXT_PROMPT_SEARCH, NXT_PROMPT_TARGET,
	NXT_PROMPT_CONSOLE
};
enum { NXT_OVL_NONE, NXT_OVL_CYCLES, NXT_OVL_ENERGY, NXT_OVL_BOUND, NXT_OVL_PLACE,
       NXT_OVL_NUMERIC, NXT_OVL_COUNT };
enum { NXT_SORT_CYCLES, NXT_SORT_ENERGY, NXT_SORT_DRAM, NXT_SORT_UTIL, NXT_SORT_BOUND,
       NXT_SORT_SCHEDULE, NXT_SORT_COUNT };

typedef struct nxt_rect { int y, x, h, w; } nxt_rect;

/* The IR view's rows for one step: header, constants, ops in schedule
 * order, footer. Built when the step changes (O(ops)), drawn a screen at a
 * time. */
typedef struct nxt_irrows {
	uint32_t step;           /* which step they describe */
	uint64_t gen;            /* app generation they were built at */
	bool fold;               /* constants folded into one row */
	uint32_t n_const;        /* live constants (the folded row's count) */
	uint32_t n;              /* rows */
	uint32_t *what;          /* per row: op id | NXT_ROW_CONST (value id) | special */
	uint32_t *row_of;        /* op id -> row, UINT32_MAX if not shown */
	uint32_t n_row_of;
	uint8_t *changed;        /* op id -> changed by the step (diff vs step-1) */
	uint32_t n_changed;
} nxt_irrows;
#define NXT_ROW_CONST 0x80000000u
#define NXT_ROW_HEADER 0xFFFFFFF0u
#define NXT_ROW_FOLDED 0xFFFFFFF1u
#define NXT_ROW_RETURN 0xFFFFFFF2u
#define NXT_ROW_CLOSE  0xFFFFFFF3u

struct nxt_app {
	nxw_session *s;
	nx_target target;         /* s->target points here; `t` edits it in place */
	char model[256];
	nxt_canvas cv;
	bool script;              /* no display: canvas only */
	int colors;               /* 256, 8, 0 */
	uint64_t gen;             /* bumped whenever the session changes */

	int view, prev_view, focus;
	uint32_t sel_inv;         /* selected row of the pipeline pane */
	uint32_t sel_op;          /* selected op id, followed across steps */
	nxt_rect r_view;          /* the centre view's box interior, as laid out */
	nxt_rect r_pipe;          /* the pipeline pane's interior (w 0: hidden) */
	int pipe_first;           /* first pipeline entry shown */
	int tab_x[NXT_V_COUNT], tab_end[NXT_V_COUNT]; int tab_y; /* view i's tab: [tab_x, tab_end), -1 if not drawn */

	/* IR view */
	nxt_irrows ir;
	int ir_top;
	bool ir_fold;
	int overlay;              /* nxt_overlay: what colours the ops */
	char search[256];
	uint32_t use_i;           /* which use `r` jumped to last */
	/* Diff view */
	int diff_top;
	bool diff_side, diff_pinned;
	uint64_t diff_gen; uint32_t diff_a, diff_b; bool diff_ok;
	char *diff_text;          /* owned: unified text */
	char **diff_lines; uint32_t n_diff_lines;
	nx_diff *diff;            /* owned */
	/* Cost view */
	int cost_top, cost_cur, cost_sort;
	bool cost_group, cost_roof;
	uint32_t *cost_rows; uint32_t n_cost_rows; /* positions in display order */
	uint64_t cost_gen; int cost_gen_sort; uint32_t cost_step;
	nx_target cost_target;
	/* Memory, remarks, help, console */
	int graph_cur;            /* Graph view: neighbour under the cursor */
	int mem_top, remarks_top, remarks_cur, help_top, console_top;

	/* status line and console log */
	char status[512];
	int status_color;
	uint32_t n_errors;        /* statuses shown in the error colour, for scripts */
	char **log; uint32_t n_log, cap_log;
	struct nxl_state *lua;    /* the console's Lua, opened on the first Lua line */

	/* prompt (readline's line, mirrored for drawing) */
	int prompt;
	char prompt_text[32];
	char prompt_line[1024];
	int prompt_point;
	bool quit;
	int ask;                  /* a yes/no question keys answer first (open.c) */
	char ask_path[1024];      /* the session file it is about */
};
enum { NXT_ASK_NONE, NXT_ASK_RECOVER };

/* ---- view_*.c: one view_ops each ------------------------------------------- */
typedef struct nxt_view_ops {
	const char *name;         /* :view NAME */
	const char *title;
	/* draws into r (the box interior) */
	void (*draw)(nxt_app *a, nxt_rect r);
	/* moves the view's cursor or scroll: by delta rows, or to an end
	 * (INT32_MIN top, INT32_MAX bottom) */
	int (*go)(nxt_app *a, int delta);
	/* Enter on the view's line; may be NULL */
	int (*enter)(nxt_app *a);
	/* a click at screen cell (y, x) inside the view's box; may be NULL */
	int (*click)(nxt_app *a, int y, int x);
} nxt_view_ops;
extern const nxt_view_ops nxt_view_ir, nxt_view_diff, nxt_view_cost, nxt_view_memory,
	nxt_view_remarks, nxt_view_console, nxt_view_graph, nxt_view_help, nxt_view_code;
const nxt_view_ops *nxt_view(int id);

/* view_ir.c: rows for the cursor step (rebuilt only when stale) */
void nxt_ir_rows(nxt_app *a);
void nxt_ir_free(nxt_irrows *r);
/* Select op o in the IR (and in every view that follows the selection). */
void nxt_select_op(nxt_app *a, uint32_t o);
/* Search the IR rows for text from the selected row, forward or backward. */
int nxt_ir_search(nxt_app *a, const char *text, int dir);
/* view_diff.c, view_cost.c: drop cached data */
void nxt_diff_reset(nxt_app *a);
void nxt_cost_reset(nxt_app *a);

/* ---- overlay.c ------------------------------------------------------------- */
const char *nxt_overlay_name(int ovl);
/* The largest value the overlay scales by (cycles or energy). */
int nxt_overlay_max(nxt_app *a, const nxs_sim *sim, double *max);
/* The colour of op under the current overlay, -1 if it has none. */
int nxt_overlay_color(nxt_app *a, const nxs_sim *sim, uint32_t op, double max);
void nxt_overlay_legend(nxt_app *a, int y, int x, int w);
/* ---- overlay_numeric.c: the numeric overlay (NXT_OVL_NUMERIC) ------------ */
/* The cursor step against step 0 (cached in the step); NULL + err. */
const nxw_numdebug *nxt_numeric(nxt_app *a, nx_err *err);
/* The colour and gutter glyph of op's verdict, -1 if it has none. */
int nxt_numeric_color(const nxw_numdebug *d, uint32_t op, uint32_t *glyph);
void nxt_numeric_legend(nxt_app *a, const nxw_numdebug *d, int y, int x, int w);
/* The selected op's figures in the Op pane from line y; the next line. */
int nxt_numeric_detail(nxt_app *a, nxt_rect r, int y, uint32_t op);

/* ---- roofline.c: the Cost view's chart ------------------------------------ */
void nxt_roofline(nxt_app *a, nxt_rect r, const nxs_sim *sim);

/* ---- layout.c: the frame ---------------------------------------------------- */
/* Draws the whole screen into a->cv. */
void nxt_draw(nxt_app *a);
/* Redraws only the status and command lines (progress while busy). */
void nxt_draw_footer(nxt_app *a);
/* ---- pane_pipeline.c, pane_detail.c --------------------------------------- */
void nxt_pane_pipeline(nxt_app *a, nxt_rect r);
void nxt_pane_detail(nxt_app *a, nxt_rect r);

/* ---- actions.c: the actions table ----------------------------------------- */
typedef int (*nxt_action_fn)(nxt_app *a, const char *arg);
typedef struct nxt_action {
	const char *name;         /* the `:` command */
	int key, key2;            /* keys (0: none) */
	const char *keys;         /* how help shows the keys */
	const char *args;         /* argument synopsis for help, "" if none */
	const char *help;
	nxt_action_fn fn;
} nxt_action;
extern const nxt_action nxt_actions[];
extern const uint32_t nxt_n_actions;
/* Runs "name args" (a `:` command line without the colon). */
int nxt_command(nxt_app *a, const char *line);
/* Runs the action bound to key, if any. */
int nxt_key(nxt_app *a, int key);
/* Called whenever the session changed: caches go stale. */
void nxt_session_changed(nxt_app *a);
void nxt_status(nxt_app *a, int color, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A line into the console log (copied). */
void nxt_log(nxt_app *a, int color, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The console's route for lines that are not `:` commands (Lua, once it is
 * built in). */
int nxt_console_eval(nxt_app *a, const char *line);
/* The sim of the cursor step on the current target, or NULL (status says
 * why). */
const nxs_sim *nxt_sim(nxt_app *a, uint32_t k);

/* ---- mouse.c: clicks and the wheel --------------------------------------- */
/* A click at screen cell (y, x): selects the pane, the pass, the op or the
 * view under it. */
int nxt_click(nxt_app *a, int y, int x);
/* The wheel: rows to scroll (negative: up) at (y, x). */
int nxt_wheel(nxt_app *a, int y, int x, int rows);

/* ---- prompt.c: readline's callback interface under curses ------------------ */
void nxt_prompt_open(nxt_app *a, int kind, const char *prompt, const char *prefill);
/* Feeds one curses key to readline; returns loop flags. */
int nxt_prompt_key(nxt_app *a, int key);
void nxt_prompt_close(nxt_app *a);
void nxt_prompt_history_load(void);
void nxt_prompt_history_save(void);
/* ---- complete.c: what Tab offers ------------------------------------------- */
/* The words starting with text, sorted, as a NULL-terminated array of
 * malloc'd strings (caller frees each and the array), or NULL if none:
 * %values of the step on screen, else commands, passes, target fields and
 * views, and in the console Lua globals and global tables' fields. */
char **nxt_complete(nxt_app *a, const char *text, bool console);

/* ---- open.c: another model or session, recovery -------------------------- */
/* Puts s (taking ownership) in place of the app's session, which is freed:
 * the app's target, hooks and catalogue; caches and selection reset. With
 * session_path its journal opens, or the recovery question is asked if the
 * journal is newer than the file and the session is not recovered already. */
void nxt_adopt_session(nxt_app *a, nxw_session *s, const char *session_path, bool recovered);
/* `:open FILE [NAME=DIMS...]`: a model or a session file; loop flags. */
int nxt_open_file(nxt_app *a, const char *arg);
/* A key while a question is asked: the answer (y/n), or a reminder. */
int nxt_ask_key(nxt_app *a, int key);
/* The question's box over the frame, if one is asked. */
void nxt_draw_ask(nxt_app *a);

/* ---- script.c: no-display mode -------------------------------------------- */
/* Runs an ACTIONS file; 0, or 1 with the error on stderr. */
int nxt_script_run(nxt_app *a, const char *path);
/* One line of a script (":cmd" or keys like "jjk<Tab><C-d>"). */
int nxt_script_line(nxt_app *a, const char *line, nx_err *err);

/* ---- format.c: numbers for people ----------------------------------------- */
const char *nxt_bytes(double b, char *buf, size_t n);   /* "1.25 MiB" */
const char *nxt_time(double s, char *buf, size_t n);    /* "1.234 ms" */
const char *nxt_count(double v, char *buf, size_t n);   /* "12.3 M" */

#endif
