/* test_opt_steps.c — `nex opt --into` through the real binary: one step per
 * rewrite in --report and --stats (a stepped pass is not folded back into
 * one step), --until N stops at step N exactly, and the command's errors
 * name it (`nex opt:`). */
#include <cjson/cJSON.h>
#include <unistd.h>

#include "check.h"

/* The report's steps array after running args; caller frees with
 * cJSON_Delete. NULL if nex failed. */
static cJSON *report(const char *args, char **out)
{
	char path[64], cmd[1024];
	snprintf(path, sizeof path, "/tmp/nex_opt_steps_%d.json", (int)getpid());
	snprintf(cmd, sizeof cmd, "%s --report %s --stats 2>&1 >/dev/null", args, path);
	int rc;
	*out = check_nex(cmd, 0, &rc); /* the --stats table (stderr) only */
	CHECK_EQ_INT(rc, 0);
	FILE *f = fopen(path, "rb");
	if (rc != 0 || !f) {
		if (f)
			fclose(f);
		return NULL;
	}
	static char buf[1 << 22];
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = 0;
	fclose(f);
	unlink(path);
	return cJSON_Parse(buf);
}

static int num(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsNumber(v) ? v->valueint : -1;
}

static const char *str(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : "";
}

static void test_into_report(void)
{
	char *out = NULL;
	/* fold-batchnorm on the demo: how many rewrites as one step */
	cJSON *whole = report("opt demo --pipeline infer-shapes,fold-batchnorm", &out);
	free(out);
	CHECK(whole != NULL);
	if (!whole)
		return;
	const cJSON *steps = cJSON_GetObjectItemCaseSensitive(whole, "steps");
	CHECK_EQ_INT(cJSON_GetArraySize(steps), 3);
	int n = num(cJSON_GetArrayItem(steps, 2), "rewrites");
	CHECK(n > 3);
	cJSON_Delete(whole);

	cJSON *into = report("opt demo --pipeline infer-shapes,fold-batchnorm --into", &out);
	CHECK(into != NULL);
	if (!into) {
		free(out);
		return;
	}
	steps = cJSON_GetObjectItemCaseSensitive(into, "steps");
	/* step 0, infer-shapes (nothing to do), then one step per fold */
	CHECK_EQ_INT(cJSON_GetArraySize(steps), 2 + n);
	for (int k = 2; k < 2 + n; k++) {
		const cJSON *st = cJSON_GetArrayItem(steps, k);
		CHECK_STR(str(st, "pass"), "fold-batchnorm");
		CHECK_EQ_INT(num(st, "rewrites"), 1);
		CHECK_EQ_INT(num(st, "rewrites_before"), k - 2);
		CHECK_EQ_INT(num(st, "base"), 1);
		CHECK_EQ_INT(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(st, "remarks")), 1);
	}
	/* --stats has a row per rewrite */
	CHECK_CONTAINS(out, "fold-batchnorm#1 ");
	char row[64];
	snprintf(row, sizeof row, "fold-batchnorm#%d ", n);
	CHECK_CONTAINS(out, row);
	free(out);
	cJSON_Delete(into);
}

static void test_into_until(void)
{
	char *out = NULL;
	/* infer-shapes and dce have nothing to do on the demo, each still a
	 * step: --until 3 must stop at step 3 (fold-batchnorm's first rewrite),
	 * never past it */
	cJSON *r = report("opt demo --pipeline infer-shapes,dce,fold-batchnorm --into --until 3",
			  &out);
	free(out);
	CHECK(r != NULL);
	if (!r)
		return;
	const cJSON *steps = cJSON_GetObjectItemCaseSensitive(r, "steps");
	CHECK_EQ_INT(cJSON_GetArraySize(steps), 4);
	CHECK_STR(str(cJSON_GetArrayItem(steps, 3), "pass"), "fold-batchnorm");
	CHECK_EQ_INT(num(r, "cursor"), 3);
	cJSON_Delete(r);
	/* --until 1 with nothing but no-op passes ahead: one step, not three */
	r = report("opt demo --pipeline infer-shapes,dce,cse,fold-batchnorm --into --until 1", &out);
	free(out);
	CHECK(r != NULL);
	if (r)
		CHECK_EQ_INT(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r, "steps")), 2);
	cJSON_Delete(r);
}

static void test_opt_errors(void)
{
	int rc;
	char *out = check_nex("opt demo --pipeline nope", 1, &rc);
	CHECK_EQ_INT(rc, 1);
	CHECK_CONTAINS(out, "nex opt: ");
	CHECK(!strstr(out, "nex run"));
	free(out);
	out = check_nex("opt demo --print-after nope", 1, &rc);
	CHECK_EQ_INT(rc, 1);
	CHECK_CONTAINS(out, "nex opt: --print-after");
	free(out);
	out = check_nex("opt demo --target nope", 1, &rc);
	CHECK_EQ_INT(rc, 1);
	CHECK_CONTAINS(out, "nex opt: --target");
	free(out);
	/* nex run still says nex run */
	out = check_nex("run demo --pipeline nope", 1, &rc);
	CHECK_EQ_INT(rc, 1);
	CHECK_CONTAINS(out, "nex run: ");
	free(out);
}

int main(int argc, char **argv)
{
	if (!getenv("NEX_BIN")) {
		printf("skipped: NEX_BIN (the nex binary under test) is not set\n");
		return 77;
	}
	static const check_case cases[] = {
		{"into_report", test_into_report},
		{"into_until", test_into_until},
		{"opt_errors", test_opt_errors},
		{NULL, NULL},
	};
	return check_main(cases, argc, argv);
}
