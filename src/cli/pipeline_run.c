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

int nxc_target_opt(int argc, char **argv, int i, const char **spec, const char **sets,
		   uint32_t *n)
{
	const char *v;
	int used;
	if ((used = nxc_opt(argc, argv, i, "--target", &v)) != 0) {
		if (used > 0)
			*spec = v;
		return used;
	}
	if ((used = nxc_opt(argc, argv, i, "--set", &v)) != 0) {
		if (used > 0) {
			if (*n >= NXC_MAX_SETS) {
				fprintf(stderr, "nex %s: more than %d --set options\n", argv[0],
					NXC_MAX_SETS);
				return -1;
			}
			sets[(*n)++] = v;
		}
		return used;
	}
	return 0;
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
		fprintf(stderr, "%-5u %-18s %9lld %9.3f %10u", k, st->pass,
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

int nxc_run_pipeline(nx_graph *g, const nxc_pipeline_args *a, nx_graph **out)
{
	nxw_session *s = nxw_session_new(g);
	nx_err err;
	nx_target t;
	int rc = NXC_OK;
	nxl_state *lua = NULL;
	if (nxc_lua_load(NULL, &a->lua, s, &lua) != 0) {
		rc = NXC_USER;
		goto done;
	}
	s->numeric_each = a->numeric;
	if (a->target || a->n_sets) {
		if (nxc_target_args(NULL, a->target, a->sets, a->n_sets, &t)) {
			rc = NXC_USER;
			goto done;
		}
		nxw_set_target(s, &t);
	}
	if (!s->steps[0].ok) {
		fprintf(stderr, "nex: the model does not verify: %s\n", s->steps[0].error);
		rc = NXC_USER;
		goto done;
	}
	if (nxw_set_pipeline(s, a->pipeline, &err) != 0) {
		fprintf(stderr, "nex run: %s\n", err.msg);
		rc = NXC_USER;
		goto done;
	}
	if (a->print_after && strcmp(a->print_after, "all") && !nxp_catalog_find(s->catalog, a->print_after)) {
		fprintf(stderr, "nex run: --print-after: no pass named '%s'\n", a->print_after);
		rc = NXC_USER;
		goto done;
	}
	for (;;) {
		if (a->until >= 0 && s->cursor >= (uint32_t)a->until)
			break;
		int r = a->into ? nxw_step_into(s, &err) : nxw_apply(s, &err);
		if (r > 0 && wants_print(a, nxw_cur(s), s->cursor ? &s->steps[s->cursor - 1] : NULL))
			print_step(s, s->cursor);
		if (r == 0)
			break;
		if (r < 0) {
			fprintf(stderr, "nex: %s\n", err.msg);
			rc = NXC_USER;
			break;
		}
	}
	if (a->stats)
		print_stats(s);
	if (a->report) {
		char *j = nxw_report_json(s);
		if (nx_write_file_atomic(a->report, j, strlen(j), &err) != 0) {
			fprintf(stderr, "nex: %s\n", err.msg);
			rc = NXC_USER;
		}
		free(j);
	}
	if (rc == NXC_OK && out)
		*out = nx_graph_clone(nxw_cur(s)->snap);
done:
	nxw_session_free(s);
	nxc_lua_close(lua);
	return rc;
}
