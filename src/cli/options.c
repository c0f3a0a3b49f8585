/* options.c — a command's options as one table (tig's and mpv's way): each
 * row names the option, its value, where the value goes and one line of
 * help, and the same rows drive both the argument loop (nxc_parse) and
 * `nex CMD --help` (nxc_help), so an option cannot be parsed and not shown,
 * or shown and not parsed. docs/hacking.md ("A command") says how to add
 * one. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* The column where help text starts, so the option column lines up. */
#define HELP_COL 24

static void opt_words(const nxc_option *o, char *buf, size_t n)
{
	snprintf(buf, n, "%s%s%s%s%s", o->name, o->alias ? ", " : "", o->alias ? o->alias : "",
		 o->arg ? " " : "", o->arg ? o->arg : "");
}

void nxc_help(const nxc_command *c, FILE *f)
{
	fprintf(f, "usage: nex%s%s%s%s%s\n", NXC_WHO(c->name), c->args ? " " : "",
		c->args ? c->args : "",
		c->opts && c->opts->name ? " [OPTIONS]" : "");
	for (const char *l = c->also; l && *l;) {
		size_t len = strcspn(l, "\n");
		fprintf(f, "       %.*s\n", (int)len, l);
		l += len + (l[len] == '\n');
	}
	fputc('\n', f);
	if (c->about)
		fprintf(f, "%s\n", c->about);
	if (c->opts && c->opts->name)
		fputs("options:\n", f);
	for (const nxc_option *o = c->opts; o && o->name; o++) {
		char words[128];
		opt_words(o, words, sizeof words);
		int col = fprintf(f, "  %s", words);
		/* help lines after the first ('\n' in the text) start at HELP_COL */
		for (const char *h = o->help; h && *h;) {
			const char *nl = strchr(h, '\n');
			size_t len = nl ? (size_t)(nl - h) : strlen(h);
			if (col >= HELP_COL) {
				fputc('\n', f);
				col = 0;
			}
			fprintf(f, "%*s%.*s\n", HELP_COL - col, "", (int)len, h);
			col = 0;
			h = nl ? nl + 1 : h + len;
		}
	}
	if (c->notes)
		fprintf(f, "\n%s", c->notes);
}

int nxc_shapes_add(void *field, const char *cmd, const char *v)
{
	nxc_shapes *s = field;
	const char *eq = strchr(v, '=');
	if (!eq || eq == v || s->n >= sizeof s->b / sizeof s->b[0]) {
		fprintf(stderr, "nex%s%s: --shape wants NAME=d,d,...: '%s'\n", NXC_WHO(cmd), v);
		return -1;
	}
	nx_shape_bind *b = &s->b[s->n];
	memset(b, 0, sizeof *b);
	/* The name is the text before '=': a copy that ends there, freed by
	 * nxc_shapes_free. */
	char *name = nx_xmalloc((size_t)(eq - v) + 1);
	memcpy(name, v, (size_t)(eq - v));
	name[eq - v] = 0;
	b->name = name;
	const char *p = eq + 1;
	while (*p) {
		char *end;
		long long d = strtoll(p, &end, 10);
		if (end == p || d <= 0 || b->rank >= NX_MAX_RANK || (*end && *end != ',')) {
			fprintf(stderr, "nex%s%s: --shape %s: dims must be positive integers "
				"separated by commas (at most %d)\n", NXC_WHO(cmd), v, NX_MAX_RANK);
			free(name);
			return -1;
		}
		b->dims[b->rank++] = d;
		p = *end ? end + 1 : end;
	}
	s->n++;
	return 0;
}

/* The row whose name or alias is argv[i] ("--x" or "--x=v"); *val gets the
 * "=v" part, or NULL. */
static const nxc_option *find(const nxc_command *c, const char *a, const char **val)
{
	for (const nxc_option *o = c->opts; o && o->name; o++) {
		const char *names[2] = {o->name, o->alias};
		for (int k = 0; k < 2; k++) {
			size_t n = names[k] ? strlen(names[k]) : 0;
			if (!n || strncmp(a, names[k], n))
				continue;
			if (!a[n]) {
				*val = NULL;
				return o;
			}
			if (a[n] == '=' && o->arg) {
				*val = a + n + 1;
				return o;
			}
		}
	}
	return NULL;
}

static int set(const nxc_command *c, const nxc_option *o, void *opts, const char *val)
{
	void *field = (char *)opts + o->off;
	switch (o->kind) {
	case NXC_FLAG:
		*(bool *)field = true;
		return 0;
	case NXC_STR:
		*(const char **)field = val;
		return 0;
	case NXC_NUM: {
		long long v = nxc_num(val);
		if (v < 0 || v > o->max) {
			fprintf(stderr, "nex%s%s: %s wants a whole number up to %lld, not '%s'\n",
				NXC_WHO(c->name), o->name, o->max, val);
			return -1;
		}
		*(long long *)field = v;
		return 0;
	}
	case NXC_LIST: {
		nxc_list *l = field;
		if (l->n == sizeof l->v / sizeof l->v[0]) {
			fprintf(stderr, "nex%s%s: %s given more than %zu times\n", NXC_WHO(c->name), o->name,
				sizeof l->v / sizeof l->v[0]);
			return -1;
		}
		l->v[l->n++] = val;
		return 0;
	}
	case NXC_CALL:
		return o->call(field, c->name, val);
	}
	nx_die("internal error: option %s of %s has kind %d", o->name, c->name, o->kind);
}

int nxc_parse(const nxc_command *c, int argc, char **argv, void *opts, const char **args)
{
	for (int i = 1; i < argc; i++) {
		if (c->stop_at_arg && (argv[i][0] != '-' || !argv[i][1]))
			break; /* the words from here on are the positional's */
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			nxc_help(c, stdout);
			return NXC_PARSE_HELP;
		}
	}
	int n = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *val = NULL;
		if (a[0] != '-' || !a[1]) {
			if (n == c->max_args) {
				fprintf(stderr, "nex%s%s: %s%s: one argument too many (see nex%s%s "
					"--help)\n", NXC_WHO(c->name), c->args ? "wants " : "takes no arguments",
					c->args ? c->args : "", NXC_WHO(c->name));
				return -1;
			}
			args[n++] = a;
			if (c->stop_at_arg)
				break;
			continue;
		}
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) { /* after a stop_at_arg value */
			nxc_help(c, stdout);
			return NXC_PARSE_HELP;
		}
		const nxc_option *o = find(c, a, &val);
		if (!o) {
			fprintf(stderr, "nex%s%s: unknown option %s (see nex%s%s --help)\n", NXC_WHO(c->name), a,
				NXC_WHO(c->name));
			return -1;
		}
		if (o->arg && !val) {
			if (i + 1 >= argc) {
				fprintf(stderr, "nex%s%s: %s needs a value (%s)\n", NXC_WHO(c->name), o->name,
					o->arg);
				return -1;
			}
			val = argv[++i];
		}
		if (set(c, o, opts, val))
			return -1;
	}
	if (n < c->min_args) {
		fprintf(stderr, "nex%s%s: wants %s (see nex%s%s --help)\n", NXC_WHO(c->name), c->args,
			NXC_WHO(c->name));
		return -1;
	}
	return n;
}
