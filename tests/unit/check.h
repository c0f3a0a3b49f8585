/* check.h — the unit-test driver: each test file lists its cases in a table
 * and calls check_main. A failed CHECK reports file:line and the expression
 * and the case goes on, so one run shows every failure. */
#ifndef CHECK_H
#define CHECK_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check_failed_;

#define CHECK(cond) do { if (!(cond)) { \
	fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
	check_failed_ = 1; } } while (0)
#define CHECK_EQ_INT(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); \
	if (a_ != b_) { fprintf(stderr, "%s:%d: %s == %lld, expected %s == %lld\n", \
		__FILE__, __LINE__, #a, a_, #b, b_); check_failed_ = 1; } } while (0)
#define CHECK_STR(a, b) do { const char *a_ = (a), *b_ = (b); \
	if (!a_ || !b_ || strcmp(a_, b_)) { fprintf(stderr, "%s:%d: %s is\n  \"%s\"\nexpected\n  \"%s\"\n", \
		__FILE__, __LINE__, #a, a_ ? a_ : "(null)", b_ ? b_ : "(null)"); check_failed_ = 1; } } while (0)
#define CHECK_CONTAINS(hay, needle) do { const char *h_ = (hay), *n_ = (needle); \
	if (!h_ || !strstr(h_, n_)) { fprintf(stderr, "%s:%d: \"%s\" does not contain \"%s\"\n", \
		__FILE__, __LINE__, h_ ? h_ : "(null)", n_); check_failed_ = 1; } } while (0)

/* Runs the nex binary under test (ctest passes its path in NEX_BIN) with
 * args (a shell word list), stderr folded into the output if stderr_too.
 * Returns the output (caller frees), or NULL when NEX_BIN is unset or the
 * command cannot start; *rc gets the exit status (-1 if it died). */
static inline char *check_nex(const char *args, int stderr_too, int *rc)
{
	const char *bin = getenv("NEX_BIN");
	*rc = -1;
	if (!bin)
		return NULL;
	char cmd[2048];
	snprintf(cmd, sizeof cmd, "'%s' %s%s", bin, args, stderr_too ? " 2>&1" : "");
	FILE *f = popen(cmd, "r");
	if (!f)
		return NULL;
	size_t cap = 1 << 16, n = 0, got;
	char *out = malloc(cap);
	while ((got = fread(out + n, 1, cap - n - 1, f)) > 0) {
		n += got;
		if (n + 1 == cap)
			out = realloc(out, cap *= 2);
	}
	out[n] = 0;
	int st = pclose(f);
	*rc = st >= 0 && (st & 0x7f) == 0 ? (st >> 8) & 0xff : -1;
	return out;
}

typedef struct check_case {
	const char *name;
	void (*fn)(void);
} check_case;

static inline int check_main(const check_case *cases, int argc, char **argv)
{
	int pass = 0, fail = 0;
	for (const check_case *c = cases; c->name; c++) {
		if (argc > 1 && !strstr(c->name, argv[1]))
			continue;
		check_failed_ = 0;
		c->fn();
		printf("%s %s\n", check_failed_ ? "FAIL" : "ok  ", c->name);
		if (check_failed_)
			fail++;
		else
			pass++;
	}
	printf("%d passed, %d failed\n", pass, fail);
	return fail ? 1 : 0;
}
#endif
