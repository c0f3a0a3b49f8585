/* test_headers.c — the core-only headers stay core-only: no file outside
 * src/core (the other layers, main, the tests, the benchmarks, the fuzzers)
 * includes nx_int.h or onnx_int.h, so the kernel interface, the worker pool
 * and the importer's internals can change without touching another layer.
 * It reads the source tree (NEX_SRC) as text. */
#define _DEFAULT_SOURCE
#include <dirent.h>
#include <stdbool.h>
#include <sys/stat.h>

#include "check.h"

static const char *internal[] = {"nx_int.h", "onnx_int.h"};

/* Lines in file that include one of the internal headers: each reported. */
static int scan_file(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	char line[4096];
	int bad = 0, n = 0;
	while (fgets(line, sizeof line, f)) {
		n++;
		const char *p = line;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p != '#')
			continue;
		for (p++; *p == ' ' || *p == '\t'; p++)
			;
		if (strncmp(p, "include", 7))
			continue;
		for (size_t i = 0; i < sizeof internal / sizeof internal[0]; i++)
			if (strstr(p, internal[i])) {
				fprintf(stderr, "%s:%d: includes the core-only %s\n", path, n,
					internal[i]);
				bad++;
			}
	}
	fclose(f);
	return bad;
}

static bool is_source(const char *name)
{
	size_t n = strlen(name);
	return (n > 2 && (!strcmp(name + n - 2, ".c") || !strcmp(name + n - 2, ".h"))) ||
	       (n > 3 && !strcmp(name + n - 3, ".cc"));
}

/* Walks dir; skips src/core itself (skip is its path) and build trees. */
static int scan_dir(const char *dir, const char *skip, int *files)
{
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	int bad = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || !strncmp(e->d_name, "build", 5))
			continue;
		char path[4096];
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		if (!strcmp(path, skip))
			continue;
		struct stat st;
		if (lstat(path, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode))
			bad += scan_dir(path, skip, files);
		else if (S_ISREG(st.st_mode) && is_source(e->d_name)) {
			(*files)++;
			bad += scan_file(path);
		}
	}
	closedir(d);
	return bad;
}

static void test_core_only_headers(void)
{
	const char *src = getenv("NEX_SRC");
	CHECK(src != NULL);
	if (!src)
		return;
	char core[4096];
	snprintf(core, sizeof core, "%s/src/core", src);
	int files = 0, bad = 0;
	const char *tops[] = {"src", "tests"};
	for (size_t i = 0; i < 2; i++) {
		char top[4096];
		snprintf(top, sizeof top, "%s/%s", src, tops[i]);
		bad += scan_dir(top, core, &files);
	}
	CHECK_EQ_INT(bad, 0);
	CHECK(files > 20); /* the walk found the tree: an empty walk proves nothing */
}

/* The scanner itself: it must see an include line when there is one. */
static void test_scanner_sees_include(void)
{
	char path[] = "/tmp/nex_test_headersXXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	if (fd < 0)
		return;
	FILE *f = fdopen(fd, "w");
	fputs("/* a file */\n#include <stdio.h>\n  #  include \"nx_int.h\"\n", f);
	fclose(f);
	CHECK_EQ_INT(scan_file(path), 1);
	remove(path);
}

int main(int argc, char **argv)
{
	static const check_case cases[] = {
		{"core_only_headers", test_core_only_headers},
		{"scanner_sees_include", test_scanner_sees_include},
		{NULL, NULL},
	};
	return check_main(cases, argc, argv);
}
