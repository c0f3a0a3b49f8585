/* test_sim_target.c — the target description (core/target.c): presets and
 * their marketed peaks (NE-MODEL.md §1), setting fields from text with
 * units, errors that name the field and list the fields, JSON save/load
 * round trips.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "nx.h"

static double tflops(const nx_target *t, int dtype)
{
	return 2 * nx_target_peak_macs(t, dtype) * t->clock / 1e12;
}

static void presets(void)
{
	static const struct {
		const char *name;
		int64_t cores;
		double fp16, int8;
	} want[] = {
		{"a11", 2, 0.6, 0.6}, {"a12", 8, 5, 5}, {"a14", 16, 11, 11}, {"m1", 16, 11, 11},
		{"a15", 16, 15.8, 15.8}, {"m2", 16, 15.8, 15.8}, {"a16", 16, 17, 17},
		{"a17pro", 16, 17.5, 35}, {"m4", 16, 19, 38},
	};
	nx_err e;
	CHECK_EQ_INT(nx_target_preset_count(), 12);
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		nx_target t;
		CHECK(nx_target_preset(want[i].name, &t, &e) == 0);
		CHECK_STR(t.name, want[i].name);
		CHECK_EQ_INT(t.cores, want[i].cores);
		CHECK(fabs(tflops(&t, NX_F16) - want[i].fp16) < 1e-9 * want[i].fp16 + 1e-9);
		CHECK(fabs(tflops(&t, NX_I8) - want[i].int8) < 1e-9 * want[i].int8 + 1e-9);
		CHECK(nx_target_validate(&t, &e) == 0);
		CHECK(nx_target_cpu_op(&t, NX_OP_GATHER));
		CHECK(nx_target_cpu_op(&t, NX_OP_OPAQUE));
		CHECK(!nx_target_cpu_op(&t, NX_OP_CONV));
		CHECK_EQ_INT(t.align, 64);
		CHECK_EQ_INT(t.buf_gran, 16384);
		CHECK_EQ_INT(t.max_kernel, 31);
		CHECK(fabs(t.dram_share - 0.7) < 1e-12);
	}
	nx_target m1;
	CHECK(nx_target_preset("m1", &m1, &e) == 0);
	CHECK_EQ_INT(m1.sram, 2 << 20);
	CHECK(fabs(m1.dram_bw * m1.clock - 68e9) < 1);       /* 68 GB/s [Apple] */
	CHECK(fabs(m1.clock - 1.3427734375e9) < 1);          /* 11 TOPS / (16 x 256 x 2) */
	for (int i = 0; i < 3; i++) {
		const char *n[] = {"scalesim-32x32-ws", "scalesim-32x32-os", "scalesim-32x32-is"};
		nx_target t;
		CHECK(nx_target_preset(n[i], &t, &e) == 0);
		CHECK_EQ_INT(t.dataflow, i);
		CHECK_EQ_INT(t.macs_fp16 / t.array_cols, 32);
		CHECK_EQ_INT(t.array_cols, 32);
	}
	nx_target t;
	CHECK(nx_target_preset("m9", &t, &e) == -1);
	CHECK_CONTAINS(e.msg, "unknown target 'm9'");
	CHECK_CONTAINS(e.msg, "a17pro");
}

static void set_units(void)
{
	nx_target t;
	nx_err e;
	CHECK(nx_target_preset("m1", &t, &e) == 0);
	CHECK(nx_target_set(&t, "sram", "4MiB", &e) == 0);
	CHECK_EQ_INT(t.sram, 4 << 20);
	CHECK(nx_target_set(&t, "sram", "1.5MiB", &e) == 0);
	CHECK_EQ_INT(t.sram, 3 << 19);
	CHECK(nx_target_set(&t, "kmem", "96 KiB", &e) == 0);
	CHECK_EQ_INT(t.kmem, 96 * 1024);
	CHECK(nx_target_set(&t, "sram", "1GiB", &e) == 0);
	CHECK_EQ_INT(t.sram, 1 << 30);
	CHECK(nx_target_set(&t, "dram_share", "0.5", &e) == 0);
	CHECK(t.dram_share == 0.5);
	CHECK(nx_target_set(&t, "dram_share", "25%", &e) == 0);
	CHECK(t.dram_share == 0.25);
	CHECK(nx_target_set(&t, "dram_share", "3/4", &e) == 0);
	CHECK(t.dram_share == 0.75);
	CHECK(nx_target_set(&t, "clock", "2GHz", &e) == 0);
	CHECK(t.clock == 2e9);
	CHECK(nx_target_set(&t, "clock", "800 MHz", &e) == 0);
	CHECK(t.clock == 8e8);
	CHECK(nx_target_set(&t, "dram_bw", "68GB/s", &e) == 0);
	CHECK(fabs(t.dram_bw - 68e9 / 8e8) < 1e-9);
	CHECK(nx_target_set(&t, "dram_bw", "32", &e) == 0);
	CHECK(t.dram_bw == 32);
	CHECK(nx_target_set(&t, "task_overhead", "1us", &e) == 0);
	CHECK(fabs(t.task_overhead - 800) < 1e-9);
	CHECK(nx_target_set(&t, "launch_overhead", "1ms", &e) == 0);
	CHECK(t.launch_overhead == 1000);
	CHECK(nx_target_set(&t, "static_power", "250mW", &e) == 0);
	CHECK(t.static_power == 0.25);
	CHECK(nx_target_set(&t, "cpu_flops", "50GFLOP/s", &e) == 0);
	CHECK(t.cpu_flops == 50e9);
	CHECK(nx_target_set(&t, "dataflow", "os", &e) == 0);
	CHECK_EQ_INT(t.dataflow, NX_DF_OS);
	CHECK(nx_target_set(&t, "cpu_ops", "+resize,-gather", &e) == 0);
	CHECK(nx_target_cpu_op(&t, NX_OP_RESIZE));
	CHECK(!nx_target_cpu_op(&t, NX_OP_GATHER));
	CHECK(nx_target_cpu_op(&t, NX_OP_OPAQUE));
	CHECK(nx_target_set(&t, "cpu_ops", "softmax", &e) == 0);
	CHECK(nx_target_cpu_op(&t, NX_OP_SOFTMAX));
	CHECK(!nx_target_cpu_op(&t, NX_OP_OPAQUE));
	CHECK(nx_target_set(&t, "cpu_ops", "", &e) == 0);
	CHECK(!nx_target_cpu_op(&t, NX_OP_SOFTMAX));
	CHECK(nx_target_set_kv(&t, "macs_fp16=512", &e) == 0);
	CHECK_EQ_INT(t.macs_fp16, 512);
	char buf[256];
	CHECK(nx_target_get(&t, "macs_fp16", buf, sizeof buf) == 0);
	CHECK_STR(buf, "512");
	CHECK(nx_target_get(&t, "dataflow", buf, sizeof buf) == 0);
	CHECK_STR(buf, "os");
	CHECK(nx_target_get(&t, "nope", buf, sizeof buf) == -1);
}

static void set_errors(void)
{
	nx_target t, before;
	nx_err e;
	CHECK(nx_target_preset("m1", &t, &e) == 0);
	before = t;
	CHECK(nx_target_set(&t, "sramm", "4MiB", &e) == -1);
	CHECK_CONTAINS(e.msg, "unknown target field 'sramm'");
	CHECK_CONTAINS(e.msg, "sram, kmem");
	CHECK_CONTAINS(e.msg, "static_power");
	CHECK(nx_target_set(&t, "sram", "four", &e) == -1);
	CHECK_CONTAINS(e.msg, "sram: cannot read 'four' as a size");
	CHECK(nx_target_set(&t, "sram", "4 parsecs", &e) == -1);
	CHECK(nx_target_set(&t, "dram_share", "2", &e) == -1);
	CHECK_CONTAINS(e.msg, "dram_share must be in (0, 1]");
	CHECK(nx_target_set(&t, "macs_fp16", "100", &e) == -1);
	CHECK_CONTAINS(e.msg, "multiple of array_cols");
	CHECK(nx_target_set(&t, "cores", "1.5", &e) == -1);
	CHECK(nx_target_set(&t, "cores", "0", &e) == -1);
	CHECK(nx_target_set(&t, "clock", "fast", &e) == -1);
	CHECK(nx_target_set(&t, "dataflow", "rs", &e) == -1);
	CHECK_CONTAINS(e.msg, "not ws, os or is");
	CHECK(nx_target_set(&t, "cpu_ops", "gather,nonzero", &e) == -1);
	CHECK_CONTAINS(e.msg, "unknown op kind 'nonzero'");
	CHECK(nx_target_set(&t, "cpu_ops", "+gather,conv", &e) == -1);
	CHECK(nx_target_set_kv(&t, "sram", &e) == -1);
	CHECK_CONTAINS(e.msg, "FIELD=VALUE");
	CHECK(nx_target_set(&t, "name", "a-very-long-name-that-does-not-fit-in-32", &e) == -1);
	CHECK(!memcmp(&t, &before, sizeof t)); /* nothing changed on any error */
}

/* Every field of every preset reads back through get/set to the same bits,
 * and through JSON to the same struct. */
static void round_trips(void)
{
	size_t nf;
	const nx_target_field *f = nx_target_fields(&nf);
	CHECK(nf >= 30);
	nx_err e;
	for (size_t i = 0; i < nx_target_preset_count(); i++) {
		nx_target t = *nx_target_preset_at(i), u;
		memset(&u, 0, sizeof u);
		CHECK(nx_target_preset("m1", &u, &e) == 0);
		for (size_t k = 0; k < nf; k++) {
			char buf[1024];
			CHECK(nx_target_get(&t, f[k].name, buf, sizeof buf) == 0);
			/* name is validated last, so set fields in table order on a
			 * copy of the preset itself to keep every state valid */
			nx_target w = t;
			CHECK(nx_target_set(&w, f[k].name, buf, &e) == 0);
			CHECK(!memcmp(&w, &t, sizeof t));
		}
		char *j = nx_target_to_json(&t);
		CHECK(nx_target_from_json(j, strlen(j), "t.json", &u, &e) == 0);
		CHECK(!memcmp(&u, &t, sizeof t));
		free(j);
	}
}

static void json_forms(void)
{
	nx_target t;
	nx_err e;
	const char *partial = "{\"preset\": \"m1\", \"sram\": \"4MiB\", \"dram_share\": 0.5,\n"
			      " \"cpu_ops\": [\"gather\", \"resize\"]}";
	CHECK(nx_target_from_json(partial, strlen(partial), "p.json", &t, &e) == 0);
	CHECK_EQ_INT(t.sram, 4 << 20);
	CHECK(t.dram_share == 0.5);
	CHECK(nx_target_cpu_op(&t, NX_OP_RESIZE));
	CHECK(!nx_target_cpu_op(&t, NX_OP_OPAQUE));
	CHECK_EQ_INT(t.cores, 16);

	const char *missing = "{\"cores\": 4}";
	CHECK(nx_target_from_json(missing, strlen(missing), "m.json", &t, &e) == -1);
	CHECK_CONTAINS(e.msg, "m.json: no \"preset\"");
	CHECK_CONTAINS(e.msg, "macs_fp16");
	const char *unknown = "{\"preset\": \"m1\", \"sarm\": 1}";
	CHECK(nx_target_from_json(unknown, strlen(unknown), "u.json", &t, &e) == -1);
	CHECK_CONTAINS(e.msg, "u.json: unknown target field \"sarm\"");
	const char *bad = "{\"preset\": \"m1\",\n \"sram\": }";
	CHECK(nx_target_from_json(bad, strlen(bad), "b.json", &t, &e) == -1);
	CHECK_CONTAINS(e.msg, "b.json:2: not valid JSON");
	const char *invalid = "{\"preset\": \"m1\", \"dram_share\": 3}";
	CHECK(nx_target_from_json(invalid, strlen(invalid), "i.json", &t, &e) == -1);
	CHECK_CONTAINS(e.msg, "dram_share");
	const char *badpre = "{\"preset\": \"z80\"}";
	CHECK(nx_target_from_json(badpre, strlen(badpre), "z.json", &t, &e) == -1);
	CHECK_CONTAINS(e.msg, "unknown target 'z80'");
	const char *wrong = "{\"preset\": \"m1\", \"cores\": [1]}";
	CHECK(nx_target_from_json(wrong, strlen(wrong), "w.json", &t, &e) == -1);
	CHECK_CONTAINS(e.msg, "wrong JSON type");

	/* save and load through a file; resolve picks files by extension */
	char dir[] = "/tmp/nex-target-XXXXXX", path[64];
	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof path, "%s/t.json", dir);
	nx_target a, b;
	CHECK(nx_target_preset("a17pro", &a, &e) == 0);
	CHECK(nx_target_set(&a, "sram", "3MiB", &e) == 0);
	CHECK(nx_target_save(&a, path, &e) == 0);
	CHECK(nx_target_resolve(path, &b, &e) == 0);
	CHECK(!memcmp(&a, &b, sizeof a));
	unlink(path);
	rmdir(dir);
	CHECK(nx_target_resolve("/nonexistent/t.json", &b, &e) == -1);
}

/* cpu_ops is sized by the registry (NX_OP_WORDS): every kind, the last one
 * included, can be listed, read back as text and JSON, and cleared, and no
 * bit leaks into its neighbours. */
static void cpu_ops_every_kind(void)
{
	nx_target t, u;
	nx_err e;
	CHECK(nx_target_preset("m1", &t, &e) == 0);
	CHECK_EQ_INT(sizeof t.cpu_ops * 8 >= (size_t)NX_OP_COUNT, 1);
	for (int k = 0; k < NX_OP_COUNT; k++) {
		CHECK(nx_target_set(&t, "cpu_ops", nx_ops[k].name, &e) == 0);
		for (int j = 0; j < NX_OP_COUNT; j++)
			if (nx_target_cpu_op(&t, j) != (j == k)) {
				fprintf(stderr, "cpu_ops=%s: kind %s is %d\n", nx_ops[k].name,
					nx_ops[j].name, nx_target_cpu_op(&t, j));
				CHECK(0);
			}
		char buf[64];
		CHECK(nx_target_get(&t, "cpu_ops", buf, sizeof buf) == 0);
		CHECK_STR(buf, nx_ops[k].name);
	}
	CHECK(!nx_target_cpu_op(&t, NX_OP_COUNT));
	CHECK(!nx_target_cpu_op(&t, -1));
	/* all kinds at once survive the JSON round trip */
	for (int k = 0; k < NX_OP_COUNT; k++)
		nx_target_set_cpu_op(&t, k, true);
	char *js = nx_target_to_json(&t);
	CHECK(js && nx_target_from_json(js, strlen(js), "all.json", &u, &e) == 0);
	free(js);
	for (int k = 0; k < NX_OP_COUNT; k++)
		CHECK(nx_target_cpu_op(&u, k));
	CHECK(nx_target_set(&u, "cpu_ops", "", &e) == 0);
	for (int k = 0; k < NX_OP_COUNT; k++)
		CHECK(!nx_target_cpu_op(&u, k));
}

/* docs/ne-model.md has a row for every field ("| `name` |"). */
static void docs_complete(void)
{
	char path[1024];
	const char *src = getenv("NEX_SRC");
	if (src && *src) {
		snprintf(path, sizeof path, "%s/docs/ne-model.md", src);
	} else {
		/* this file is tests/unit/test_sim_target.c under the source root */
		const char *f = __FILE__, *cut = strstr(f, "tests/unit/");
		snprintf(path, sizeof path, "%.*sdocs/ne-model.md", cut ? (int)(cut - f) : 0, f);
	}
	nx_err e;
	size_t len;
	char *doc = nx_read_file(path, &len, &e);
	CHECK(doc != NULL);
	if (!doc) {
		fprintf(stderr, "%s\n", e.msg);
		return;
	}
	size_t nf;
	const nx_target_field *f = nx_target_fields(&nf);
	for (size_t i = 0; i < nf; i++) {
		char row[64];
		snprintf(row, sizeof row, "| `%s` |", f[i].name);
		if (!strstr(doc, row))
			fprintf(stderr, "docs/ne-model.md: no row for field %s\n", f[i].name);
		CHECK(strstr(doc, row) != NULL);
	}
	for (size_t i = 0; i < nx_target_preset_count(); i++) {
		char name[64];
		snprintf(name, sizeof name, "`%s`", nx_target_preset_at(i)->name);
		if (strncmp(nx_target_preset_at(i)->name, "scalesim", 8))
			CHECK(strstr(doc, name) != NULL);
	}
	free(doc);
}

int main(int argc, char **argv)
{
	static const check_case cases[] = {
		{"presets", presets},
		{"set_units", set_units},
		{"set_errors", set_errors},
		{"round_trips", round_trips},
		{"json_forms", json_forms},
		{"cpu_ops_every_kind", cpu_ops_every_kind},
		{"docs_complete", docs_complete},
		{NULL, NULL},
	};
	return check_main(cases, argc, argv);
}
