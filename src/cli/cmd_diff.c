/* cmd_diff.c — `nex diff A B`: what changed between two models, as the ops
 * added, removed or changed by stable id (core/diff.c) and as a unified diff
 * of their .nex text (core/linediff.c); --json gives both as one object for
 * tools. */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "codegen_cli.h"

typedef struct diff_opts {
	nxc_shapes shapes;
	bool json;
	long long context;
} diff_opts;

static const nxc_option options[] = {
	{"--json", NULL, NULL, NXC_FLAG, offsetof(diff_opts, json), 0, NULL,
	 "print {\"added\":N,\"removed\":N,\"changed\":N,\"ops\":[{\"op\":ID,\n"
	 "\"change\":\"changed\",\"what\":[\"attrs\"],\"line\":\"...\"}],\n"
	 "\"unified\":\"...\"}"},
	{"--context", NULL, "N", NXC_NUM, offsetof(diff_opts, context), 1000000, NULL,
	 "lines of context in the text diff (default 3)"},
	NXC_OPT_SHAPE(diff_opts, shapes),
	{0},
};

static const nxc_command command = {
	.name = "diff",
	.args = "A B",
	.min_args = 2,
	.max_args = 2,
	.opts = options,
	.about =
		"Compares two models (.nex, .json, .onnx, or `demo`). Prints a summary line,\n"
		"then one line per op that differs, in B's schedule order, removed ops last:\n"
		"  + %c7 = relu(%c6) : f32[1,16]      added (B's line)\n"
		"  - %c2 = add(%x, %w) : f32[1,16]    removed (A's line)\n"
		"  ~ %c3 (conv): attrs, types         changed, and what: kind, operands,\n"
		"                                     attrs, types, names, order\n"
		"then a unified diff of the two models' .nex text (like diff -u).\n"
		"Two NE programs (.neasm or binary, `nex codegen`) are compared task by\n"
		"task (added, removed, changed: descriptors, fields, events), then as a\n"
		"unified diff of their listings.\n\n"
		"Ops are matched by id. Ids are stable across the steps of a session, but\n"
		"for two files loaded separately an op's id comes from load order: its\n"
		"position in a .nex or .json file (an ONNX import also counts the nodes it\n"
		"folded away). Ops edited in place or appended at the end read right; an op\n"
		"inserted or erased in the middle of B shifts every later one. Use the op\n"
		"lines when B was derived from A keeping its op order; the text diff is\n"
		"meaningful for any two models.\n",
	.notes =
		"Exits 0 whether or not the models differ (unlike diff(1)), 1 if a model\n"
		"cannot be loaded or an option is wrong.\n",
};

/* "attrs, types" into buf. */
static void what_str(uint32_t what, char *buf, size_t n)
{
	size_t k = 0;
	buf[0] = 0;
	for (uint32_t bit = 1; bit <= NX_DIFF_NAMES; bit <<= 1)
		if (what & bit)
			k += (size_t)snprintf(buf + k, k < n ? n - k : 0, "%s%s", k ? ", " : "",
					      nx_diff_what_name(bit));
}

/* The line shown for an entry; caller frees. */
static char *entry_line(const nx_graph *a, const nx_graph *b, const nx_diff_entry *e)
{
	if (e->change == NX_DIFF_ADDED)
		return nx_print_op(b, e->op);
	if (e->change == NX_DIFF_REMOVED)
		return nx_print_op(a, e->op);
	char what[128], line[512];
	what_str(e->what, what, sizeof what);
	const nx_op *p = nx_opp(b, e->op);
	if (p->n_out)
		snprintf(line, sizeof line, "%%%s (%s): %s", nx_vname(b, nx_result(b, e->op, 0)),
			 nx_op_name(b, e->op), what);
	else
		snprintf(line, sizeof line, "#%u (%s): %s", e->op, nx_op_name(b, e->op), what);
	return nx_xstrdup(line);
}

static int print_text(const nx_graph *a, const nx_graph *b, const nx_diff *d, const char *u)
{
	printf("ops: %u added, %u removed, %u changed\n", d->added, d->removed, d->changed);
	static const char tag[] = {'+', '-', '~'};
	for (uint32_t i = 0; i < d->n; i++) {
		char *line = entry_line(a, b, &d->e[i]);
		if (!line)
			return NXC_INTERNAL;
		printf("%c %s\n", tag[d->e[i].change], line);
		free(line);
	}
	if (*u)
		printf("\n%s", u);
	return NXC_OK;
}

static int print_json(const nx_graph *a, const nx_graph *b, const nx_diff *d, const char *u)
{
	cJSON *root = cJSON_CreateObject();
	cJSON_AddNumberToObject(root, "added", d->added);
	cJSON_AddNumberToObject(root, "removed", d->removed);
	cJSON_AddNumberToObject(root, "changed", d->changed);
	cJSON *ops = cJSON_AddArrayToObject(root, "ops");
	for (uint32_t i = 0; i < d->n; i++) {
		const nx_diff_entry *e = &d->e[i];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "op", e->op);
		cJSON_AddStringToObject(o, "change", nx_diff_change_name(e->change));
		cJSON *what = cJSON_AddArrayToObject(o, "what");
		for (uint32_t bit = 1; bit <= NX_DIFF_NAMES; bit <<= 1)
			if (e->what & bit)
				cJSON_AddItemToArray(what, cJSON_CreateString(nx_diff_what_name(bit)));
		char *line = entry_line(a, b, e);
		if (!line) {
			cJSON_Delete(o);
			cJSON_Delete(root);
			return NXC_INTERNAL;
		}
		cJSON_AddStringToObject(o, "line", line);
		free(line);
		cJSON_AddItemToArray(ops, o);
	}
	cJSON_AddStringToObject(root, "unified", u);
	char *s = cJSON_Print(root); /* freed below */
	cJSON_Delete(root);
	if (!s)
		return NXC_INTERNAL;
	printf("%s\n", s);
	cJSON_free(s);
	return NXC_OK;
}

int nxc_diff(int argc, char **argv)
{
	diff_opts o = {.json = false, .context = 3};
	const char *path[2] = {NULL, NULL};
	int rc = NXC_USER;
	nx_graph *g[2] = {NULL, NULL};
	int npath = nxc_parse(&command, argc, argv, &o, path);
	if (npath < 0) {
		rc = npath == NXC_PARSE_HELP ? NXC_OK : NXC_USER;
		goto out;
	}
	bool json = o.json;
	long long ctx = o.context;
	if (nxc_cg_is_program(path[0]) && nxc_cg_is_program(path[1])) {
		rc = nxc_cg_diff(path[0], path[1], (int)ctx); /* NE programs, task by task */
		goto out;
	}
	nx_onnx_opts oo = nxc_onnx_opts(&o.shapes);
	for (int k = 0; k < 2; k++)
		if (!(g[k] = nxc_load_opts(path[k], &oo)))
			goto out;
	size_t la, lb;
	char *ta = nx_print_str(g[0], &nx_print_defaults, &la);
	char *tb = nx_print_str(g[1], &nx_print_defaults, &lb);
	if (!ta || !tb) {
		fprintf(stderr, "nex diff: printing a model failed\n");
		rc = NXC_INTERNAL;
	} else {
		char *u = nx_unified_diff(ta, la, tb, lb, path[0], path[1], (int)ctx);
		nx_diff *d = nx_diff_graphs(g[0], g[1]);
		rc = json ? print_json(g[0], g[1], d, u) : print_text(g[0], g[1], d, u);
		if (rc == NXC_INTERNAL)
			fprintf(stderr, "nex diff: printing an op failed\n");
		nx_diff_free(d);
		free(u);
	}
	free(ta);
	free(tb);
out:
	nx_graph_free(g[0]);
	nx_graph_free(g[1]);
	nxc_shapes_free(&o.shapes);
	return rc;
}
