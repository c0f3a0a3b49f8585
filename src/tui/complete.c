/* complete.c — the words Tab completes on the command line and in the
 * console: `:` commands, pass names, target fields and views (everywhere);
 * %value names of the step on screen (a word starting with %); and in the
 * console, Lua globals and the fields of a global table ("nex.se" offers
 * nex.session), read from the console's own sandboxed Lua state by
 * running a small chunk in it, so completion sees what a line would see. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "nxl.h"
#include "nxt.h"

typedef struct words {
	char **w; uint32_t n, cap;
	const char *prefix; size_t len;
} words;

static void add(words *ws, const char *w)
{
	if (!w || strncmp(w, ws->prefix, ws->len))
		return;
	for (uint32_t i = 0; i < ws->n; i++) /* the view rows repeat their name */
		if (!strcmp(ws->w[i], w))
			return;
	nx_grow((void **)&ws->w, &ws->cap, ws->n + 2, sizeof *ws->w);
	ws->w[ws->n++] = strdup(w); /* readline frees each word */
	ws->w[ws->n] = NULL;
}

static void add_values(nxt_app *a, words *ws)
{
	const nx_graph *g = nxw_cur(a->s)->snap;
	char buf[256];
	for (uint32_t v = 0; v < g->n_vals; v++) {
		if (g->vals[v].flags & NX_V_DEAD)
			continue;
		snprintf(buf, sizeof buf, "%%%s", nx_vname(g, v));
		add(ws, buf);
	}
}

static void lua_line(void *ctx, const char *line)
{
	add(ctx, line);
}

/* Globals, or the string keys of the table a dotted prefix names. */
static void add_lua(nxt_app *a, words *ws)
{
	const char *p = ws->prefix;
	for (const char *q = p; *q; q++)
		if (!isalnum((unsigned char)*q) && *q != '_' && *q != '.')
			return; /* not a Lua name: nothing to offer */
	nx_err err;
	if (!a->lua) {
		/* the console's state, as its first line would open it */
		a->lua = nxl_open(a->s, &nxl_default_limits, &err);
		if (!a->lua)
			return;
		a->s->catalog = nxl_catalog(a->lua);
	}
	const char *dot = strrchr(p, '.');
	char chunk[600];
	/* walk to the table before the last dot, then print "path.key" for
	 * each of its string keys; the prefix is a checked dotted name */
	snprintf(chunk, sizeof chunk,
		 "local t, path = _ENV, '%.*s'\n"
		 "for part in path:gmatch('[^.]+') do\n"
		 "  if type(t) ~= 'table' then return end\n"
		 "  t = t[part]\n"
		 "end\n"
		 "if type(t) ~= 'table' then return end\n"
		 "local pre = path == '' and '' or path .. '.'\n"
		 "for k in pairs(t) do if type(k) == 'string' then print(pre .. k) end end\n",
		 dot ? (int)(dot - p) : 0, p);
	nxl_run_string(a->lua, chunk, "completion", lua_line, ws, &err);
}

static int cmp_words(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

char **nxt_complete(nxt_app *a, const char *text, bool console)
{
	words ws = {.prefix = text, .len = strlen(text)};
	if (text[0] == '%') {
		add_values(a, &ws);
	} else {
		for (uint32_t i = 0; i < nxt_n_actions; i++)
			add(&ws, nxt_actions[i].name);
		for (uint32_t i = 0; nxp_passes[i]; i++)
			add(&ws, nxp_passes[i]->name);
		size_t nf;
		const nx_target_field *f = nx_target_fields(&nf);
		for (size_t i = 0; i < nf; i++)
			add(&ws, f[i].name);
		for (int i = 0; i < NXT_V_COUNT; i++)
			add(&ws, nxt_view(i)->name);
		if (console)
			add_lua(a, &ws);
	}
	if (!ws.n)
		return NULL;
	qsort(ws.w, ws.n, sizeof *ws.w, cmp_words);
	return ws.w;
}
