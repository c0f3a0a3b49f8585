/* report.c — the session as one JSON document (cJSON): pipeline, cursor,
 * and per step the pass, options, budget, rewrites, time, remarks, stats,
 * origins dropped, verifier result, metrics and numeric check. What `nex run --report`
 * writes and what tools read. */
#include <cjson/cJSON.h>
#include <stdlib.h>

#include "nxw.h"

static cJSON *step_json(const nxw_step *st, uint32_t k)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "step", k);
	cJSON_AddStringToObject(o, "pass", st->pass);
	if (st->options)
		cJSON_AddStringToObject(o, "options", st->options);
	if (st->inv >= 0)
		cJSON_AddNumberToObject(o, "pipeline_index", st->inv);
	cJSON_AddBoolToObject(o, "complete", st->complete);
	if (st->budget >= 0)
		cJSON_AddNumberToObject(o, "budget", (double)st->budget);
	cJSON_AddNumberToObject(o, "rewrites", (double)st->rewrites);
	if (st->inv >= 0) {
		/* a stepped rewrite: rewrites_before of its pass came in the steps
		 * since base */
		cJSON_AddNumberToObject(o, "base", st->base);
		cJSON_AddNumberToObject(o, "rewrites_before", (double)st->before);
	}
	cJSON_AddNumberToObject(o, "ms", st->seconds * 1e3);
	cJSON_AddBoolToObject(o, "ok", st->ok);
	if (st->error)
		cJSON_AddStringToObject(o, "error", st->error);
	cJSON *m = cJSON_AddObjectToObject(o, "metrics");
	cJSON_AddNumberToObject(m, "ops", st->m.ops);
	cJSON_AddNumberToObject(m, "weight_bytes", (double)st->m.weight_bytes);
	if (st->m.have_sim) {
		cJSON_AddNumberToObject(m, "peak_bytes", (double)st->m.peak_bytes);
		cJSON_AddNumberToObject(m, "cycles", st->m.cycles);
		cJSON_AddNumberToObject(m, "latency_us", st->m.latency_us);
		cJSON_AddNumberToObject(m, "energy_uj", st->m.energy_uj);
	}
	if (st->num.done) {
		cJSON *n = cJSON_AddObjectToObject(o, "numeric");
		cJSON_AddNumberToObject(n, "max_abs", st->num.max_abs);
		cJSON_AddNumberToObject(n, "max_rel", st->num.max_rel);
		cJSON_AddStringToObject(n, "worst_output", st->num.worst);
	}
	cJSON *stats = cJSON_AddObjectToObject(o, "stats");
	for (uint32_t i = 0; i < st->n_stats; i++)
		cJSON_AddNumberToObject(stats, st->stats[i].name, (double)st->stats[i].value);
	cJSON *rem = cJSON_AddArrayToObject(o, "remarks");
	for (uint32_t i = 0; i < st->n_remarks; i++)
		cJSON_AddItemToArray(rem, cJSON_CreateString(st->remarks[i]));
	cJSON *drops = cJSON_AddArrayToObject(o, "dropped");
	for (uint32_t i = 0; i < st->n_drops; i++) {
		cJSON *d = cJSON_CreateObject();
		cJSON_AddStringToObject(d, "origin", st->drops[i].origin);
		cJSON_AddNumberToObject(d, "op", st->drops[i].op);
		cJSON_AddStringToObject(d, "why", st->drops[i].why);
		cJSON_AddItemToArray(drops, d);
	}
	return o;
}

char *nxw_report_json(nxw_session *s)
{
	cJSON *root = cJSON_CreateObject();
	cJSON_AddStringToObject(root, "format", "nex-report");
	cJSON_AddNumberToObject(root, "version", 1);
	char *pl = nxp_pipeline_str(&s->pl);
	cJSON_AddStringToObject(root, "pipeline", pl);
	free(pl);
	cJSON_AddNumberToObject(root, "cursor", s->cursor);
	cJSON_AddNumberToObject(root, "baseline", s->baseline);
	cJSON *steps = cJSON_AddArrayToObject(root, "steps");
	for (uint32_t k = 0; k < s->n_steps; k++)
		cJSON_AddItemToArray(steps, step_json(&s->steps[k], k));
	char *out = cJSON_Print(root);
	cJSON_Delete(root);
	return out;
}
