/* export_trace_prog.c — one Chrome trace with both views of the cost: the
 * graph-level timeline (export_trace.c, process 1) and the back end's
 * program on the NE model (program_cost.c, its NE, DMA and CPU tracks moved
 * to process 2, named "program"), so Perfetto shows the weight prefetch,
 * spill and fill traffic and CPU-fallback stalls of the program under the
 * graph's own estimate, on one time axis. Both are built by their own
 * exporters and merged here as JSON (cJSON), so neither format is written
 * twice. */
#include <stdio.h>
#include <stdlib.h>

#include <cJSON.h>

#include "nxg.h"
#include "nxs.h"

char *nxs_export_trace_prog(const nxs_sim *s, const nxg_prog *p, const nxs_prog_time *pt)
{
	char *a = nxs_export_trace(s), *b = nxs_prog_trace(s, p, pt); /* freed below */
	cJSON *ra = cJSON_Parse(a), *rb = cJSON_Parse(b);
	free(a);
	free(b);
	cJSON *ea = cJSON_GetObjectItem(ra, "traceEvents");
	cJSON *eb = cJSON_GetObjectItem(rb, "traceEvents");
	if (!cJSON_IsArray(ea) || !cJSON_IsArray(eb))
		nx_die("nxs_export_trace_prog: an exporter wrote no traceEvents array");
	cJSON *e = cJSON_CreateObject();
	cJSON_AddStringToObject(e, "name", "process_name");
	cJSON_AddStringToObject(e, "ph", "M");
	cJSON_AddNumberToObject(e, "pid", 2);
	cJSON_AddNumberToObject(e, "tid", 0);
	char pname[300];
	snprintf(pname, sizeof pname, "program: %u tasks, alloc %s, %.0f cycles", p->n_tasks,
		 p->alloc, pt->cycles);
	cJSON_AddStringToObject(cJSON_AddObjectToObject(e, "args"), "name", pname);
	cJSON_AddItemToArray(ea, e);
	while (cJSON_GetArraySize(eb) > 0) {
		cJSON *x = cJSON_DetachItemFromArray(eb, 0);
		cJSON_ReplaceItemInObject(x, "pid", cJSON_CreateNumber(2));
		cJSON_AddItemToArray(ea, x);
	}
	char *out = cJSON_PrintUnformatted(ra);
	cJSON_Delete(ra);
	cJSON_Delete(rb);
	if (!out)
		nx_die("out of memory writing the trace");
	return out; /* malloc'd by cJSON: the caller frees */
}
