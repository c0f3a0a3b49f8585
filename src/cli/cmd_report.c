/* cmd_report.c — `nex report SESSION|MODEL -o report.md|report.html`: the
 * session (or a model through a pipeline) as a document to hand on. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "nxl.h"
#include "nxw.h"

typedef struct report_opts {
	nxc_shapes shapes;
	nxc_pipeline_args pa;  /* pipeline, target, sets */
	const char *out;
} report_opts;

static const nxc_option options[] = {
	{"-o", NULL, "OUT", NXC_STR, offsetof(report_opts, out), 0, NULL,
	 "the report: OUT.md (Markdown) or OUT.html; required"},
	{"--pipeline", NULL, "P", NXC_STR, offsetof(report_opts, pa.pipeline), 0, NULL,
	 "for a MODEL: the passes (default `default`)"},
	NXC_OPT_TARGET(report_opts, pa),
	NXC_OPT_SHAPE(report_opts, shapes),
	{0},
};

static const nxc_command command = {
	.name = "report",
	.args = "SESSION.nex.json|MODEL",
	.min_args = 1,
	.max_args = 1,
	.opts = options,
	.about =
		"Writes a report: per-step table (ops, peak memory, latency, energy, time),\n"
		"the top ops by cycles, the memory timeline and per-op cycles (inline SVG\n"
		"charts in HTML, text in Markdown), notes, and the diff from the pinned step\n"
		"to the cursor. The HTML is one self-contained file. A SESSION is replayed\n"
		"first (as `nex replay`); a MODEL runs the pipeline (default `default`) on\n"
		"the target (default m1); --pipeline, --target, --set and --shape are for a\n"
		"MODEL only.\n",
};

static bool ends_with(const char *s, const char *suf)
{
	size_t n = strlen(s), k = strlen(suf);
	return n >= k && !strcmp(s + n - k, suf);
}

int nxc_report(int argc, char **argv)
{
	report_opts o;
	memset(&o, 0, sizeof o);
	const char *path = NULL;
	int np = nxc_parse(&command, argc, argv, &o, &path);
	nxc_shapes shapes = o.shapes; /* freed at out */
	struct {
		const char *out, *pipeline, *target;
		const char *const *sets;
		uint32_t n_sets;
	} r = {o.out, o.pa.pipeline, o.pa.target, o.pa.sets, o.pa.n_sets};
	int rc = np == NXC_PARSE_HELP ? NXC_OK : NXC_USER;
	nxw_session *s = NULL;
	nxl_state *lua = NULL;
	nx_err err;
	if (np < 0)
		goto out;
	rc = NXC_USER;
	if (!r.out) {
		fprintf(stderr, "nex report: wants -o OUT.md or -o OUT.html (see nex report "
			"--help)\n");
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
		src.consts = (char **)shapes.const_args;
		src.n_consts = shapes.n_consts;
		src.unroll_limit = (uint32_t)shapes.unroll_limit;
		src.f64_as_f32 = shapes.f64_as_f32;
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
