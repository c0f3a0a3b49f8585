/* cmd_compare.c — `nex compare A B`: how far the tensors in A are from the
 * reference tensors in B. A and B are tensor files (.pb, .npy) or output
 * directories as `nex run --outputs`, onnxruntime (tests/bench/ort_run.js)
 * and the ONNX test data write them; in directories, files pair by name
 * (output_0.pb with output_0.pb or output_0.npy). Prints max abs and max rel
 * error per pair; with --rtol/--atol, fails (exit 1) when any element is
 * beyond atol + rtol * |b|, as numpy's allclose.
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

typedef struct compare_opts {
	const char *rtol, *atol;
} compare_opts;

static const nxc_option options[] = {
	{"--rtol", NULL, "R", NXC_STR, offsetof(compare_opts, rtol), 0, NULL,
	 "relative tolerance: fail beyond atol + R*|b|"},
	{"--atol", NULL, "A", NXC_STR, offsetof(compare_opts, atol), 0, NULL,
	 "absolute tolerance: fail beyond A + rtol*|b|"},
	{0},
};

static const nxc_command command = {
	.name = "compare",
	.args = "A B",
	.min_args = 2,
	.max_args = 2,
	.opts = options,
	.about =
		"A and B are tensor files (.pb TensorProto, .npy) or directories of them;\n"
		"B is the reference. In directories, files pair by stem (output_0.pb with\n"
		"output_0.pb or output_0.npy). For each pair: max abs error, max rel error\n"
		"(|a-b|/|b|) and where the worst is. With --rtol or --atol (default 0 for\n"
		"the other), exit 1 if an element has |a-b| > atol + rtol*|b| or a NaN on\n"
		"one side only, or if shapes differ.\n",
};

static bool is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool tensor_file(const char *name)
{
	size_t n = strlen(name);
	return (n > 3 && !strcmp(name + n - 3, ".pb")) || (n > 4 && !strcmp(name + n - 4, ".npy"));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted tensor file names of dir; caller frees each and the array. */
static char **list_dir(const char *dir, size_t *n)
{
	*n = 0;
	DIR *d = opendir(dir);
	if (!d)
		return NULL;
	size_t cap = 16;
	char **names = nx_xmalloc(cap * sizeof *names);
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!tensor_file(e->d_name))
			continue;
		if (*n == cap)
			names = nx_xrealloc(names, (cap *= 2) * sizeof *names);
		names[(*n)++] = nx_xstrdup(e->d_name);
	}
	closedir(d);
	qsort(names, *n, sizeof *names, cmp_str);
	return names;
}

static size_t stem_len(const char *name)
{
	const char *dot = strrchr(name, '.');
	return dot ? (size_t)(dot - name) : strlen(name);
}

/* Compares two files; prints one line. Returns 1 if out of tolerance. */
static int compare_files(const char *label, const char *pa, const char *pb, double rtol,
			 double atol, bool check)
{
	nx_tensor a, b;
	nx_err err;
	if (nx_tensor_read(pa, &a, NULL, &err)) {
		fprintf(stderr, "nex compare: %s\n", err.msg);
		return -1;
	}
	if (nx_tensor_read(pb, &b, NULL, &err)) {
		fprintf(stderr, "nex compare: %s\n", err.msg);
		nx_tensor_free(&a);
		return -1;
	}
	nx_tensor_diff d;
	int bad = 0;
	char ta[128], tb[128];
	nx_type_str(&a.type, ta, sizeof ta);
	nx_type_str(&b.type, tb, sizeof tb);
	if (nx_tensor_compare(&a, &b, rtol, atol, &d, &err)) {
		printf("%s: %s\n", label, err.msg);
		bad = 1;
	} else {
		printf("%s: %s", label, ta);
		if (strcmp(ta, tb))
			printf(" vs %s", tb);
		printf("  max abs %.3g  max rel %.3g", d.max_abs, d.max_rel);
		if (d.max_abs > 0 || d.n_nan)
			printf("  (worst at %lld: %.9g vs %.9g)", (long long)d.worst,
			       nx_tensor_get(&a, d.worst), nx_tensor_get(&b, d.worst));
		if (d.n_nan)
			printf("  %lld NaN mismatches", (long long)d.n_nan);
		if (check) {
			printf("  %s", d.n_bad ? "FAIL" : "ok");
			if (d.n_bad)
				printf(" (%lld of %lld beyond atol %g + rtol %g)", (long long)d.n_bad,
				       (long long)nx_tensor_numel(&a), atol, rtol);
		}
		printf("\n");
		bad = check && d.n_bad;
	}
	nx_tensor_free(&a);
	nx_tensor_free(&b);
	return bad;
}

static int parse_tol(const char *v, double *out)
{
	char *end;
	*out = strtod(v, &end);
	if (end == v || *end || !(*out >= 0)) {
		fprintf(stderr, "nex compare: tolerance '%s' is not a number >= 0\n", v);
		return -1;
	}
	return 0;
}

int nxc_compare(int argc, char **argv)
{
	compare_opts o = {.rtol = NULL, .atol = NULL};
	const char *paths[2] = {NULL, NULL};
	int n = nxc_parse(&command, argc, argv, &o, paths);
	if (n < 0)
		return n == NXC_PARSE_HELP ? NXC_OK : NXC_USER;
	const char *pa = paths[0], *pb = paths[1];
	double rtol = 0, atol = 0;
	bool check = o.rtol || o.atol;
	if ((o.rtol && parse_tol(o.rtol, &rtol)) || (o.atol && parse_tol(o.atol, &atol)))
		return NXC_USER;
	/* A missing side is named before the kinds are compared: "must both be
	 * files or both directories" said nothing about the path not there. */
	struct stat st;
	for (int k = 0; k < 2; k++) {
		const char *p = k ? pb : pa;
		if (stat(p, &st) != 0) {
			fprintf(stderr, "nex compare: %s (%s): %s\n", p, k ? "B, the reference"
				: "A, the tensors to check", strerror(errno));
			return NXC_USER;
		}
	}
	if (is_dir(pa) != is_dir(pb)) {
		fprintf(stderr, "nex compare: %s and %s must both be files or both directories\n",
			pa, pb);
		return NXC_USER;
	}
	if (!is_dir(pa)) {
		int r = compare_files(pb, pa, pb, rtol, atol, check);
		return r < 0 || r > 0 ? NXC_USER : NXC_OK;
	}
	size_t na, nb;
	char **la = list_dir(pa, &na), **lb = list_dir(pb, &nb);
	int rc = NXC_OK, pairs = 0;
	/* Each stem of A once (output_0.pb before output_0.npy), paired with
	 * the same stem in B, preferring the same extension. */
	for (size_t i = 0; i < na; i++) {
		size_t s = stem_len(la[i]);
		if (i > 0 && stem_len(la[i - 1]) == s && !strncmp(la[i - 1], la[i], s))
			continue;
		const char *match = NULL;
		for (size_t j = 0; j < nb; j++)
			if (stem_len(lb[j]) == s && !strncmp(lb[j], la[i], s) &&
			    (!match || !strcmp(lb[j], la[i])))
				match = lb[j];
		if (!match)
			continue;
		char fa[4096], fb[4096], label[512];
		snprintf(fa, sizeof fa, "%s/%s", pa, la[i]);
		snprintf(fb, sizeof fb, "%s/%s", pb, match);
		snprintf(label, sizeof label, "%.*s", (int)s, la[i]);
		int r = compare_files(label, fa, fb, rtol, atol, check);
		pairs++;
		if (r)
			rc = NXC_USER;
	}
	if (!pairs) {
		fprintf(stderr, "nex compare: no tensor files with matching names in %s and %s\n",
			pa, pb);
		rc = NXC_USER;
	}
	for (size_t i = 0; i < na; i++)
		free(la[i]);
	for (size_t i = 0; i < nb; i++)
		free(lb[i]);
	free(la);
	free(lb);
	return rc;
}
