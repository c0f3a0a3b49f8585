/* pipeline_run.c — the compiler half of `nex run`: build a session on the
 * model, apply the pipeline (whole, up to N steps, or N single rewrites),
 * print IR after chosen passes like mlir-opt, statistics, the report; the
 * final graph is handed back for the interpreter half. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "nxl.h"
#include "nxw.h"

static bool wants_print(const nxc_pipeline_args *a, const nxw_step *st, const nxw_step *prev)
{
	if (a->print_after && (!strcmp(a->print_after, "all") || !strcmp(a->print_after, st->pass)))
		return true;
	if (a->print_after_change && st->rewrites > 0 && prev)
		return true;
	return false;
}

static void print_step(nxw_session *s, uint32_t k)
{
	const nxw_step *st = &s->steps[k];
	printf("// -----// IR after step %u: %s%s%s%s //----- //\n", k, st->pass,
	       st->options ? "{" : "", st->options ? st->options : "", st->options ? "}" : "");
	fputs(nxw_text(s, k), stdout);
}

int nxc_target_args(const char *cmd, const char *spec, const char *const *sets, uint32_t n,
		    nx_target *t)
{
	nx_err err;
	if (nx_target_resolve(spec ? spec : "m1", t, &err)) {
		fprintf(stderr, "nex%s%s: --target: %s\n", cmd ? " " : "", cmd ? cmd : "", err.msg);
		return -1;
	}
	for (uint32_t k = 0; k < n; k++)
		if (nx_target_set_kv(t, sets[k], &err)) {
			fprintf(stderr, "nex%s%s: --set %s: %s\n", cmd ? " " : "", cmd ? cmd : "",
				sets[k], err.msg);
			return -1;
		}
	return 0;
}

static void print_stats(const nxw_session *s)
{
	bool sim = s->target != NULL;
	fprintf(stderr, "%-5s %-18s %9s %9s %10s", "step", "pass", "rewrites", "ms", "ops");
	if (sim)
		fprintf(stderr, " %12s %14s", "peak", "cycles");
	fprintf(stderr, "  %s\n", "statistics");
	for (uint32_t k = 0; k < s->n_steps; k++) {
		const nxw_step *st = &s->steps[k];
		/* a stepped step says which rewrite of its pass it holds: "dce#3" */
		char pass[64];
		if (st->budget >= 0 && st->rewrites == 1)
			snprintf(pass, sizeof pass, "%s#%lld", st->pass, (long long)st->before + 1);
		else if (st->before > 0)
			snprintf(pass, sizeof pass, "%s#%lld-", st->pass, (long long)st->before + 1);
		else
			snprintf(pass, sizeof pass, "%s", st->pass);
		fprintf(stderr, "%-5u %-18s %9lld %9.3f %10u", k, pass,
			(long long)st->rewrites, st->seconds * 1e3, st->m.ops);
		if (sim && st->m.have_sim)
			fprintf(stderr, " %12lld %14.0f", (long long)st->m.peak_bytes, st->m.cycles);
		else if (sim)
			fprintf(stderr, " %12s %14s", "-", "-");
		fprintf(stderr, "  ");
		for (uint32_t i = 0; i < st->n_stats; i++)
			fprintf(stderr, "%s%s=%lld", i ? ", " : "", st->stats[i].name,
				(long long)st->stats[i].value);
		fprintf(stderr, "%s\n", st->ok ? "" : "  FAILED");
	}
}

int nxc_session_source(nxw_session *s, const char *model, const nxc_shapes *shapes,
		       const char *target, const char *const *sets, uint32_t n_sets, nx_err *err)
{
	nxw_source *src = &s->src;
	nxw_source_free(src);
	src->model = nx_xstrdup(model ? model : "demo");
	if (strcmp(src->model, "demo") && nxw_sha256_file(src->model, src->sha256, err))
		return -1;
	for (uint32_t i = 0; shapes && i < shapes->n; i++) {
		src->binds = nx_xrealloc(src->binds, (src->n_binds + 1) * sizeof *src->binds);
		src->binds[src->n_binds] = shapes->b[i];
		src->binds[src->n_binds++].name = nx_xstrdup(shapes->b[i].name);
	}
	for (uint32_t i = 0; shapes && i < shapes->n_consts; i++) {
		src->consts = nx_xrealloc(src->consts, (src->n_consts + 1) * sizeof *src->consts);
		src->consts[src->n_consts++] = nx_xstrdup(shapes->const_args[i]);
	}
	if (shapes)
		src->unroll_limit = (uint32_t)shapes->unroll_limit;
	src->f64_as_f32 = shapes && shapes->f64_as_f32;
	if (target || n_sets)
		src->target = nx_xstrdup(target ? target : "m1");
	for (uint32_t i = 0; i < n_sets; i++)
		nxw_source_add_set(src, sets[i]);
	return 0;
}

/* --note VALUE=TEXT: a note on the op that produces VALUE in the cursor step. */
static int add_notes(nxw_session *s, const nxc_pipeline_args *a, nx_err *err)
{
	const nx_graph *g = nxw_cur(s)->snap;
	for (uint32_t i = 0; i < a->n_notes; i++) {
		const char *eq = strchr(a->notes[i], '=');
		const char *name = a->notes[i] + (a->notes[i][0] == '%');
		uint32_t v = eq ? nx_value_by_name(g, name, (size_t)(eq - name)) : NX_NONE;
		if (v == NX_NONE || g->vals[v].producer == NX_NONE) {
			nx_err_set(err, "--note %s: wants VALUE=TEXT, VALUE the result of an op "
				   "in step %u", a->notes[i], s->cursor);
			return -1;
		}
		nxw_note_add(s, g->vals[v].producer, false, eq + 1);
	}
	return 0;
}

int nxc_run_pipeline(nx_graph *g, const nxc_pipeline_args *a, nx_graph **out)
{
	nxw_session *s = nxw_session_new(g);
	s->verify_full = a->verify_full;
	/* only where the steps stop is read (printed, saved, run): no history
	 * of snapshots, unless a report, a session file or stepping reads it */
	s->one_shot = !a->report && !a->save_session && !a->into;
	nx_err err;
	nx_target t;
	int rc = NXC_OK;
	char cmd[32]; /* "nex opt", "nex run": who is speaking in messages */
	snprintf(cmd, sizeof cmd, "nex%s%s", a->cmd ? " " : "", a->cmd ? a->cmd : "");
	nxl_state *lua = NULL;
	if (nxc_lua_load(NULL, &a->lua, s, &lua) != 0) {
		rc = NXC_USER;
		goto done;
	}
	s->numeric_each = a->numeric;
	if (a->target || a->n_sets) {
		if (nxc_target_args(a->cmd, a->target, a->sets, a->n_sets, &t)) {
			rc = NXC_USER;
			goto done;
		}
		nxw_set_target(s, &t);
	}
	if (!s->steps[0].ok) {
		fprintf(stderr, "%s: the model does not verify: %s\n", cmd, s->steps[0].error);
		rc = NXC_USER;
		goto done;
	}
	if (nxw_set_pipeline(s, a->pipeline, &err) != 0) {
		fprintf(stderr, "%s: %s\n", cmd, err.msg);
		rc = NXC_USER;
		goto done;
	}
	if (a->print_after && strcmp(a->print_after, "all") &&
	    !nxp_catalog_find(s->catalog, a->print_after)) {
		fprintf(stderr, "%s: --print-after: no pass named '%s'\n", cmd, a->print_after);
		rc = NXC_USER;
		goto done;
	}
	if (nxw_mem_check_run(s, a->until, &err)) {
		fprintf(stderr, "%s: %s\n", cmd, err.msg);
		rc = NXC_USER;
		goto done;
	}
	for (;;) {
		if (a->until >= 0 && s->cursor >= (uint32_t)a->until)
			break;
		/* step into may pass over passes with nothing to do, each leaving
		 * a step: it is told where to stop */
		int r = a->into ? nxw_step_into_until(s, a->until, &err) : nxw_apply(s, &err);
		if (r > 0 && wants_print(a, nxw_cur(s), s->cursor ? &s->steps[s->cursor - 1] : NULL))
			print_step(s, s->cursor);
		if (r == 0)
			break;
		if (r < 0) {
			fprintf(stderr, "%s: %s\n", cmd, err.msg);
			rc = NXC_USER;
			break;
		}
	}
	/* the full verifier where the steps stopped (each step was verified
	 * on what it changed) */
	if (rc == NXC_OK && nxw_verify_cursor(s, &err)) {
		fprintf(stderr, "%s: %s\n", cmd, err.msg);
		rc = NXC_USER;
	}
	if (a->stats)
		print_stats(s);
	if (a->pin >= 0)
		nxw_pin(s, (uint32_t)a->pin);
	if (a->save_session &&
	    (nxc_session_source(s, a->model, a->shapes, a->target, a->sets, a->n_sets, &err) ||
	     add_notes(s, a, &err) || nxw_save(s, a->save_session, &err))) {
		fprintf(stderr, "nex: --save-session: %s\n", err.msg);
		rc = NXC_USER;
	}
	if (a->report) {
		char *j = nxw_report_json(s);
		if (nx_write_file_atomic(a->report, j, strlen(j), &err) != 0) {
			fprintf(stderr, "%s: %s\n", cmd, err.msg);
			rc = NXC_USER;
		}
		free(j);
	}
	if (rc == NXC_OK && out)
		*out = s->one_shot ? nxw_take_graph(s) : nx_graph_clone(nxw_cur(s)->snap);
done:
	nxw_session_free(s);
	nxc_lua_close(lua);
	return rc;
}
