/* test_passes_doc.c — docs/passes.md documents the registry: every pass in
 * nxp_passes has a "## <name>" section, every "## " section names a pass
 * the registry has, and the default pipeline the doc shows is the one in
 * registry.c. The doc is found through NEX_SRC (the source tree), which
 * ctest sets. */
#include "check.h"
#include "nxp.h"

static char *doc;

static char *read_doc(void)
{
	const char *src = getenv("NEX_SRC");
	if (!src) {
		fprintf(stderr, "NEX_SRC is not set (ctest sets it to the source tree)\n");
		return NULL;
	}
	char path[4096];
	snprintf(path, sizeof path, "%s/docs/passes.md", src);
	nx_err e;
	char *t = nx_read_file(path, NULL, &e);
	if (!t)
		fprintf(stderr, "%s\n", e.msg);
	return t;
}

/* The line "## name" exactly. */
static bool has_section(const char *text, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, "## ", 3) && !strncmp(p + 3, name, n) &&
		    (p[3 + n] == '\n' || p[3 + n] == 0))
			return true;
	return false;
}

static void test_every_pass_documented(void)
{
	CHECK(doc != NULL);
	if (!doc)
		return;
	int n = 0;
	for (int i = 0; nxp_passes[i]; i++, n++)
		if (!has_section(doc, nxp_passes[i]->name)) {
			fprintf(stderr, "docs/passes.md has no section \"## %s\"\n",
				nxp_passes[i]->name);
			CHECK(0);
		}
	CHECK(n > 0);
}

static void test_no_unknown_pass(void)
{
	CHECK(doc != NULL);
	if (!doc)
		return;
	int sections = 0;
	for (const char *p = doc; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (strncmp(p, "## ", 3))
			continue;
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p - 3) : strlen(p + 3);
		char name[128];
		snprintf(name, sizeof name, "%.*s", (int)n, p + 3);
		sections++;
		if (!nxp_find(name)) {
			fprintf(stderr, "docs/passes.md documents \"%s\", which the registry "
				"lacks\n", name);
			CHECK(0);
		}
	}
	CHECK(sections > 0);
}

static void test_default_pipeline(void)
{
	CHECK(doc != NULL);
	if (!doc)
		return;
	const char *h = strstr(doc, "\n# The default pipeline\n");
	const char *b = h ? strstr(h, "```\n") : NULL;
	const char *e = b ? strstr(b + 4, "```") : NULL;
	CHECK(e != NULL);
	if (!e)
		return;
	/* the block without blanks and line breaks */
	char got[1024];
	size_t n = 0;
	for (const char *p = b + 4; p < e && n + 1 < sizeof got; p++)
		if (*p != ' ' && *p != '\n')
			got[n++] = *p;
	got[n] = 0;
	CHECK_STR(got, nxp_default_pipeline);
}

static const check_case cases[] = {
	{"every_pass_documented", test_every_pass_documented},
	{"no_unknown_pass", test_no_unknown_pass},
	{"default_pipeline", test_default_pipeline},
	{NULL, NULL},
};

int main(int argc, char **argv)
{
	doc = read_doc();
	int rc = check_main(cases, argc, argv);
	free(doc);
	return rc;
}
