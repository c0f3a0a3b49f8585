/* cmd_report.c — `nex report SESSION|MODEL -o report.md|report.html`: the
 * session (or a model through a pipeline) as a document to hand on. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "nxl.h"
#include "nxw.h"

static const char help[] =
	"usage: nex report SESSION.nex.json -o OUT.md|OUT.html\n"
	"       nex report MODEL [--pipeline P] [--target T] [--set F=V]... [--shape N=D]...\n"
	"                  -o OUT.md|OUT.html\n\n"
	"Writes a report: per-step table (ops, peak memory, latency, energy, time),\n"
	"the top ops by cycles, the memory timeline and per-op cycles (inline SVG\n"
	"charts in HTML, text in Markdown), notes, and the diff from the pinned step\n"
	"to the cursor. The HTML is one self-contained file. A SESSION is replayed\n"
	"first (as `nex replay`); a MODEL runs the pipeline (default `default`) on\n"
	"the target (default m1).\n";

struct report_args {
	const char *out, *pipeline, *target;
	const char *sets[NXC_MAX_SETS];
	uint32_t n_sets;
};

static int report_opt(void *p, int argc, char **argv, int i)
{
	struct report_args *r = p;
	int used = nxc_opt(argc, argv, i, "-o", &r->out);
	if (used == 0)
		used = nxc_opt(argc, argv, i, "--pipeline", &r->pipeline);
	if (used == 0)
		used = nxc_target_opt(argc, argv, i, &r->target, r->sets, &r->n_sets);
	return used;
}

static bool ends_with(const char *s, const char *suf)
{
	size_t n = strlen(s), k = strlen(suf);
	return n >= k && !strcmp(s + n - k, suf);
}

int nxc_report(int argc, char **argv)
{
	if (nxc_wants_help(argc, argv)) {
		fputs(help, stdout);
		return NXC_OK;
	}
	nxc_shapes shapes = {.n = 0};
	struct report_args r = {.pipeline = NULL};
	const char *path = NULL;
	int rc = NXC_USER;
	nxw_session *s = NULL;
	nxl_state *lua = NULL;
	nx_err err;
	if (nxc_scan(argc, argv, &shapes, report_opt, &r, &path, 1, "one SESSION or MODEL only",
		     help) < 0)
		goto out;
	if (!path || !r.out) {
		fputs(help, stderr);
		goto out;
	}
	bool html = ends_with(r.out, ".html") || ends_with(r.out, ".htm");
	if (!html && !ends_with(r.out, ".md")) {
		fprintf(stderr, "nex report: -o %s: the extension picks the format: .md or .html\n",
			r.out);
		goto out;
	}
	if (ends_with(path, ".nex.json")) {
		if (r.pipeline || r.target || r.n_sets || shapes.n) {
			fprintf(stderr, "nex report: a session brings its own pipeline, target and "
				"shapes; --pipeline, --target, --set and --shape are for a MODEL\n");
			goto out;
		}
		nxw_load_report rep;
		if (nxc_lua_for_session("report", path, &lua))
			goto out;
		nxw_load_opts lo = {.catalog = lua ? nxl_catalog(lua) : NULL};
		s = nxw_load(path, &lo, &rep, &err);
		if (s && rep.n)
			fprintf(stderr, "nex report: warning: %u steps differ from the saved session "
				"(`nex replay %s` names them)\n", rep.n, path);
		if (s)
			free(rep.m);
	} else {
		nxw_source src = {0};
		src.model = (char *)path;
		src.binds = shapes.b;
		src.n_binds = shapes.n;
		src.target = (char *)(r.target ? r.target : "m1");
		src.sets = (char **)r.sets;
		src.n_sets = r.n_sets;
		s = nxw_open(&src, r.pipeline ? r.pipeline : "default", &err);
		if (s && nxw_apply_all(s, -1, &err) < 0)
			fprintf(stderr, "nex report: warning: %s (the report shows the failed step)\n",
				err.msg);
	}
	if (!s) {
		fprintf(stderr, "nex report: %s\n", err.msg);
		goto out;
	}
	char *doc = nxw_report_doc(s, html, &err);
	if (!doc || nx_write_file_atomic(r.out, doc, strlen(doc), &err)) {
		fprintf(stderr, "nex report: %s\n", err.msg);
	} else {
		rc = NXC_OK;
	}
	free(doc);
out:
	nxw_session_free(s);
	nxc_lua_close(lua);
	nxc_shapes_free(&shapes);
	return rc;
}
