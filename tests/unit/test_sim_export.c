/* test_sim_export.c — the sim's exports parse and hold what they promise:
 * the JSON report (totals equal the timeline, one object per op), the CSV
 * table (a header and one row per op) and the Chrome trace (NE, DMA and CPU
 * tracks named, op slices on the right track in schedule order, live-memory
 * counters), read back with cJSON.
 */
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "check.h"
#include "sim_fixture.h"

static nx_graph *mixed(void)
{
	nx_graph *g = nx_graph_new("mixed");
	uint32_t x = fx_input(g, "x", NX_F16, 4, (int64_t[]){1, 32, 16, 16}, NX_LAYOUT_NE);
	uint32_t w = fx_const(g, "w", NX_F16, 4, (int64_t[]){32, 32, 3, 3});
	uint32_t o = fx_op_new(g, NX_OP_CONV, (uint32_t[]){x, w}, 2, "c");
	nx_attr_set_ints(g, o, "pads", (int64_t[]){1, 1, 1, 1}, 4);
	uint32_t c = fx_done(g, o, NX_LAYOUT_NE);
	uint32_t r = fx_op(g, NX_OP_RELU, &c, 1, "r", NX_LAYOUT_NE);
	nx_attr_set_s(g, nx_val(g, r)->producer, "device", "cpu");
	uint32_t s = fx_op(g, NX_OP_SIGMOID, &r, 1, "s", NX_LAYOUT_NE);
	nx_graph_add_output(g, s);
	return g;
}

static void json_report(void)
{
	nx_graph *g = mixed();
	nxs_sim *s = fx_sim(g, "a15", NULL);
	char *text = nxs_export_json(s);
	cJSON *j = cJSON_Parse(text);
	CHECK(j != NULL);
	const nxs_timeline *tl = nxs_sim_timeline(s);
	cJSON *tot = cJSON_GetObjectItem(j, "totals");
	CHECK(cJSON_GetObjectItem(tot, "cycles")->valuedouble == tl->cycles);
	CHECK(cJSON_GetObjectItem(tot, "energy_pj")->valuedouble == tl->energy);
	CHECK_EQ_INT(cJSON_GetObjectItem(tot, "launches")->valuedouble, 2);
	CHECK_EQ_INT(cJSON_GetObjectItem(cJSON_GetObjectItem(tot, "ops_per_bound"), "fallback")
			     ->valuedouble, 1);
	CHECK_STR(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "target"), "name")->valuestring, "a15");
	CHECK(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "memory"), "lower_bound")->valuedouble > 0);
	cJSON *ops = cJSON_GetObjectItem(j, "ops");
	CHECK_EQ_INT(cJSON_GetArraySize(ops), 3);
	cJSON *r = cJSON_GetArrayItem(ops, 1);
	CHECK_STR(cJSON_GetObjectItem(r, "result")->valuestring, "r");
	CHECK_STR(cJSON_GetObjectItem(r, "device")->valuestring, "cpu");
	CHECK_STR(cJSON_GetObjectItem(r, "cpu_reason")->valuestring, "placed on the CPU");
	CHECK_STR(cJSON_GetObjectItem(cJSON_GetArrayItem(ops, 0), "bound")->valuestring,
		  nxs_bound_name(nxs_sim_costs(s)[0].bound));
	/* a target read back from the report is the one that ran */
	char *tj = cJSON_PrintUnformatted(cJSON_GetObjectItem(j, "target"));
	nx_target t;
	nx_err e;
	CHECK(nx_target_from_json(tj, strlen(tj), "report", &t, &e) == 0);
	CHECK(!memcmp(&t, nxs_sim_target(s), sizeof t));
	free(tj);
	cJSON_Delete(j);
	free(text);
	nxs_sim_free(s);
	nx_graph_free(g);
}

static void csv_table(void)
{
	nx_graph *g = mixed();
	nxs_sim *s = fx_sim(g, "m1", NULL);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	CHECK(nxs_export_csv(s, f) == 0);
	fclose(f);
	int lines = 0;
	for (size_t i = 0; i < len; i++)
		lines += buf[i] == '\n';
	CHECK_EQ_INT(lines, 4);
	CHECK(!strncmp(buf, "pos,op,kind,result,device,bound,", 32));
	CHECK_CONTAINS(buf, ",relu,r,cpu,fallback,f16,");
	CHECK_CONTAINS(buf, ",conv,c,ne,");
	free(buf);
	nxs_sim_free(s);
	nx_graph_free(g);
}

static void trace_events(void)
{
	nx_graph *g = mixed();
	nxs_sim *s = fx_sim(g, "m1", NULL);
	char *text = nxs_export_trace(s);
	cJSON *j = cJSON_Parse(text);
	CHECK(j != NULL);
	cJSON *ev = cJSON_GetObjectItem(j, "traceEvents");
	CHECK(cJSON_IsArray(ev));
	int names = 0, counters = 0, launches = 0, dma = 0;
	double last_ts = -1;
	const char *track_of[4] = {NULL, NULL, NULL, NULL};
	cJSON *e;
	cJSON_ArrayForEach(e, ev) {
		const char *ph = cJSON_GetObjectItem(e, "ph")->valuestring;
		const char *name = cJSON_GetObjectItem(e, "name")->valuestring;
		int tid = (int)cJSON_GetObjectItem(e, "tid")->valuedouble;
		double ts = cJSON_GetObjectItem(e, "ts")->valuedouble;
		if (!strcmp(ph, "M") && !strcmp(name, "thread_name")) {
			names++;
			track_of[tid] = cJSON_GetObjectItem(cJSON_GetObjectItem(e, "args"), "name")
						->valuestring;
		} else if (!strcmp(ph, "C")) {
			counters++;
			CHECK(cJSON_GetObjectItem(cJSON_GetObjectItem(e, "args"), "sram_bytes") != NULL);
		} else if (!strcmp(ph, "X")) {
			CHECK(cJSON_GetObjectItem(e, "dur")->valuedouble >= 0);
			if (!strcmp(name, "launch"))
				launches++;
			if (tid == 2)
				dma++;
			if (!strcmp(name, "relu %r"))
				CHECK_EQ_INT(tid, 3);
			if (!strcmp(name, "conv %c") || !strcmp(name, "sigmoid %s")) {
				CHECK_EQ_INT(tid, 1);
				CHECK(ts >= last_ts);
				last_ts = ts;
			}
		}
	}
	CHECK_EQ_INT(names, 3);
	CHECK_STR(track_of[1], "NE");
	CHECK_STR(track_of[2], "DMA (weights)");
	CHECK_STR(track_of[3], "CPU fallback");
	CHECK_EQ_INT(counters, 3);
	CHECK_EQ_INT(launches, 2);
	CHECK_EQ_INT(dma, 1); /* the conv's weights */
	/* the last slice ends at the latency */
	double end_us = nxs_sim_timeline(s)->seconds * 1e6;
	CHECK(last_ts <= end_us);
	cJSON_Delete(j);
	free(text);
	nxs_sim_free(s);
	nx_graph_free(g);
}

int main(int argc, char **argv)
{
	static const check_case cases[] = {
		{"json_report", json_report},
		{"csv_table", csv_table},
		{"trace_events", trace_events},
		{NULL, NULL},
	};
	return check_main(cases, argc, argv);
}
