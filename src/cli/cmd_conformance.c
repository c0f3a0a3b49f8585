/* cmd_conformance.c — `nex conformance [DIR...]`: the ONNX backend tests
 * (model.onnx + test_data_set_N/{input,output}_K.pb) through nex's importer
 * and reference interpreter. Each test passes (its ops ran through the
 * kernels and the numbers match), folds at import (the numbers match but no
 * op was left to run: the importer computed everything, so no kernel was
 * tested), fails (wrong numbers, a run error, a wrong result type) or is
 * skipped (it needs something nex does not have: an op outside the
 * registry, a dtype, an empty dim, control flow, training mode; the reason
 * is the importer's message).
 *
 * nex keeps shape-like parameters as attributes, so an input that feeds an
 * attribute slot (Reshape's shape, Slice's starts, Clip's min, ...) must be
 * constant at import. The importer names the graph inputs upstream of such
 * a slot (nx_onnx_opts.need_const); only those are bound as constants from
 * the data set, and the import is retried until it succeeds or names
 * nothing new. Every other input stays live, so the op runs on its kernel.
 * With bound inputs the model is re-imported per data set.
 *
 * The ctest runs it with --check-skips tests/conformance/expected-skips.txt,
 * which lists every test that does not pass through the kernels: the skips
 * and the folds (reason "folded at import ..."). Any failure, any skip or
 * fold not listed, or a listed test whose status changed fails the test;
 * --list-skips writes the file anew.
 */
#include <dirent.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "onnx.pb-c.h"

typedef struct conf_opts {
	const char *filter, *skips_file;
	long long threads;  /* -1: not given */
	bool list_skips, verbose;
} conf_opts;

static const nxc_option options[] = {
	{"--filter", NULL, "TEXT", NXC_STR, offsetof(conf_opts, filter), 0, NULL,
	 "only tests whose name contains TEXT"},
	{"--list-skips", NULL, NULL, NXC_FLAG, offsetof(conf_opts, list_skips), 0, NULL,
	 "print only `NAME<TAB>reason` of the skipped and\nfolded tests"},
	{"--check-skips", NULL, "FILE", NXC_STR, offsetof(conf_opts, skips_file), 0, NULL,
	 "fail also when the skips or folds differ from FILE"},
	{"--verbose", NULL, NULL, NXC_FLAG, offsetof(conf_opts, verbose), 0, NULL,
	 "importer warnings and per-data-set errors"},
	{"--threads", NULL, "N", NXC_NUM, offsetof(conf_opts, threads), 256, NULL,
	 "interpreter threads per test, 1..256 (default 1)"},
	{0},
};

static const nxc_command command = {
	.name = "conformance",
	.args = "[DIR...]",
	.min_args = 0,
	.max_args = 0, /* any number: set from argc at the call */
	.opts = options,
	.about =
		"Runs ONNX backend tests: each DIR is a test (model.onnx and\n"
		"test_data_set_*) or a folder of tests. Default: the node, pytorch-converted,\n"
		"pytorch-operator and simple folders of /usr/share/libonnx-testdata/data.\n"
		"Prints `pass NAME`, `fold NAME: reason`, `FAIL NAME: reason` or\n"
		"`skip NAME: reason` per test, then the counts. A fold matched the outputs\n"
		"but no op was left after import (nothing ran through a kernel); it is\n"
		"not counted as passed. Graph inputs are bound as constants only where\n"
		"the importer needs them (shape-like operands). Outputs must match within\n"
		"rtol 1e-3, atol 1e-5 (unless the test is listed with its reason in the\n"
		"tolerance table).\n",
	.notes = "Exit status 1 when a test fails (or the skips or folds differ from FILE).\n",
};

static const char *const default_dirs[] = {
	"/usr/share/libonnx-testdata/data/node",
	"/usr/share/libonnx-testdata/data/pytorch-converted",
	"/usr/share/libonnx-testdata/data/pytorch-operator",
	"/usr/share/libonnx-testdata/data/simple",
};

#define RTOL 1e-3
#define ATOL 1e-5

/* Tests that need looser tolerances, and why. */
static const struct {
	const char *name;
	double rtol, atol;
	const char *why;
} tolerances[] = {
	{"node/test_cast_FLOAT_to_BFLOAT16", 1e-2, 0,
	 "the ONNX 1.12 reference truncates to bfloat16, nex rounds to nearest even: "
	 "results differ in the last bit (2^-8 relative)"},
	{NULL, 0, 0, NULL},
};

enum { T_PASS, T_FAIL, T_SKIP, T_FOLD, T_COUNT };

/* The reason of every fold; the expected list tells folds from skips by it. */
#define FOLD_REASON "folded at import"

typedef struct result {
	char *name;
	int status;
	char reason[1024];
} result;

typedef struct run_ctx {
	bool verbose;
	int threads;
	char warns[4096];
} run_ctx;

static void on_warn(void *ctx, const char *msg)
{
	run_ctx *c = ctx;
	size_t n = strlen(c->warns);
	snprintf(c->warns + n, sizeof c->warns - n, "  warning: %s\n", msg);
}

static bool is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool is_file(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted subdirectory names of dir starting with prefix (NULL: any).
 * Caller frees each and the array. */
static char **subdirs(const char *dir, const char *prefix, size_t *n)
{
	*n = 0;
	DIR *d = opendir(dir);
	if (!d)
		return NULL;
	size_t cap = 64;
	char **v = nx_xmalloc(cap * sizeof *v);
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || (prefix && strncmp(e->d_name, prefix, strlen(prefix))))
			continue;
		char p[4096];
		snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
		if (!is_dir(p))
			continue;
		if (*n == cap)
			v = nx_xrealloc(v, (cap *= 2) * sizeof *v);
		v[(*n)++] = nx_xstrdup(e->d_name);
	}
	closedir(d);
	qsort(v, *n, sizeof *v, cmp_str);
	return v;
}

static void free_strs(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* One line, no tabs: reasons go into a NAME<TAB>reason file. */
static void set_reason(result *r, int status, const char *fmt, ...) NX_PRINTF(3, 4);
static void set_reason(result *r, int status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->reason, sizeof r->reason, fmt, ap);
	va_end(ap);
	for (char *p = r->reason; *p; p++)
		if (*p == '\n' || *p == '\t' || *p == '\r')
			*p = ' ';
	r->status = status;
}

/* The graph input names of the ONNX model, initializers excluded, in
 * order. Caller frees each and the array; NULL if the file does not
 * decode (the importer will say why). */
static char **model_inputs(const char *path, size_t *n)
{
	*n = 0;
	nx_err err;
	size_t len;
	char *buf = nx_read_file(path, &len, &err);
	if (!buf)
		return NULL;
	Onnx__ModelProto *m = onnx__model_proto__unpack(NULL, len, (const uint8_t *)buf);
	free(buf);
	if (!m || !m->graph) {
		if (m)
			onnx__model_proto__free_unpacked(m, NULL);
		return NULL;
	}
	Onnx__GraphProto *g = m->graph;
	char **v = nx_xcalloc(g->n_input + 1, sizeof *v);
	for (size_t i = 0; i < g->n_input; i++) {
		const char *name = g->input[i]->name ? g->input[i]->name : "";
		bool init = false;
		for (size_t j = 0; j < g->n_initializer && !init; j++)
			init = g->initializer[j]->name && !strcmp(g->initializer[j]->name, name);
		if (!init)
			v[(*n)++] = nx_xstrdup(name);
	}
	onnx__model_proto__free_unpacked(m, NULL);
	return v;
}

/* The tensors of one data set: input_K.pb or output_K.pb, K = 0, 1, ...
 * u16[k]: the file said UINT16, which the ONNX 1.12 data uses for bfloat16;
 * t[k] then holds the bits as bf16, valid only where the graph wants bf16. */
typedef struct tset {
	nx_tensor *t;
	char **names;
	bool *u16;
	uint32_t n;
} tset;

static void tset_free(tset *s)
{
	for (uint32_t i = 0; i < s->n; i++) {
		nx_tensor_free(&s->t[i]);
		free(s->names[i]);
	}
	free(s->t);
	free(s->names);
	free(s->u16);
	memset(s, 0, sizeof *s);
}

static int tset_read(tset *s, const char *dir, const char *stem, nx_err *err)
{
	memset(s, 0, sizeof *s);
	for (uint32_t k = 0;; k++) {
		char p[4096];
		snprintf(p, sizeof p, "%s/%s_%u.pb", dir, stem, k);
		if (!is_file(p))
			return 0;
		s->t = nx_xrealloc(s->t, (k + 1) * sizeof *s->t);
		s->names = nx_xrealloc(s->names, (k + 1) * sizeof *s->names);
		s->u16 = nx_xrealloc(s->u16, (k + 1) * sizeof *s->u16);
		s->u16[k] = false;
		if (nx_tensor_read(p, &s->t[k], &s->names[k], err)) {
			nx_err e2;
			if (nx_tensor_read_ex(p, NX_BF16, &s->t[k], &s->names[k], &e2)) {
				tset_free(s);
				return -1;
			}
			s->u16[k] = true;
		}
		if (s->t[k].type.dtype == NX_U16)
			s->u16[k] = true; /* u16 data, or bf16 bits: the model's type says */
		s->n = k + 1;
	}
}

/* The path's last component, or the last two for a test directory. */
static const char *last_part(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

/* The graph inputs bound as constants: those the importer named through
 * need_const. added: the last import named one not bound yet. */
typedef struct bound_set {
	char **names;
	uint32_t n;
	bool added;
} bound_set;

static void on_need_const(void *ctx, const char *input)
{
	bound_set *b = ctx;
	for (uint32_t i = 0; i < b->n; i++)
		if (!strcmp(b->names[i], input))
			return;
	b->names = nx_xrealloc(b->names, (b->n + 1) * sizeof *b->names);
	b->names[b->n++] = nx_xstrdup(input);
	b->added = true;
}

/* The data set's tensor for graph input name: by the name in the .pb file,
 * else by the input's position among the model's inputs. NULL if neither. */
static const nx_tensor *find_input(const tset *in, char *const *in_names, size_t n_in,
				   const char *name, bool *u16)
{
	for (uint32_t k = 0; k < in->n; k++)
		if (in->names[k] && !strcmp(in->names[k], name)) {
			*u16 = in->u16[k];
			return &in->t[k];
		}
	for (size_t k = 0; in->n == n_in && k < n_in; k++)
		if (!strcmp(in_names[k], name)) {
			*u16 = in->u16[k];
			return &in->t[k];
		}
	return NULL;
}

/* Imports model with b's inputs bound to their tensors in `in` (NULL: no
 * data read yet, so nothing bound). Returns NULL + err on an import error,
 * or with *why set (and err unset) when a bound input has no usable data. */
static nx_graph *import(const char *model, run_ctx *c, bound_set *b, const tset *in,
			char *const *in_names, size_t n_in, const char **why, nx_err *err)
{
	*why = NULL;
	nx_tensor *vals = nx_xcalloc(b->n ? b->n : 1, sizeof *vals); /* freed below */
	for (uint32_t i = 0; in && i < b->n; i++) {
		bool u16 = false;
		const nx_tensor *t = find_input(in, in_names, n_in, b->names[i], &u16);
		if (!t || u16) {
			*why = t ? "UINT16 data for an input nex needs constant has no nex dtype"
				 : "no input_K.pb for an input nex needs constant";
			free(vals);
			return NULL;
		}
		vals[i] = *t;
	}
	nx_onnx_opts o;
	memset(&o, 0, sizeof o);
	o.warn = on_warn;
	o.warn_ctx = c;
	o.need_const = on_need_const;
	o.need_const_ctx = b;
	o.const_names = (const char *const *)b->names;
	o.const_values = vals;
	o.n_consts = in ? b->n : 0;
	b->added = false;
	nx_graph *g = nx_onnx_import(model, &o, err);
	free(vals);
	return g;
}

static uint32_t count_ops(const nx_graph *g)
{
	uint32_t n = 0;
	NX_FOR_OPS(g, o)
		n++;
	return n;
}

/* Opaque ops' ONNX types, comma-separated, into buf; false if none. */
static bool opaque_ops(const nx_graph *g, char *buf, size_t n)
{
	buf[0] = 0;
	NX_FOR_OPS(g, o) {
		if (nx_opp(g, o)->kind != NX_OP_OPAQUE)
			continue;
		const char *t = nx_attr_s(g, o, "op_type", "?");
		size_t len = strlen(buf), tl = strlen(t);
		bool dup = false;
		for (const char *p = buf; (p = strstr(p, t)); p += tl)
			dup |= (p == buf || p[-1] == ' ') && (p[tl] == ',' || !p[tl]);
		if (!dup)
			snprintf(buf + len, n - len, "%s%s", len ? ", " : "", t);
	}
	return buf[0] != 0;
}

/* Checks one data set; fills r on failure (returns -1). */
static int check_set(nx_graph *g, const tset *in, char *const *in_names, size_t n_in,
		     const tset *want, const char *ds, double rtol, double atol, run_ctx *c,
		     result *r)
{
	nx_tensor *bound = nx_xcalloc(g->n_inputs ? g->n_inputs : 1, sizeof *bound);
	int rc = -1;
	for (uint32_t i = 0; i < g->n_inputs; i++) {
		const char *name = nx_vname(g, g->inputs[i]);
		bool u16 = false;
		const nx_tensor *t = find_input(in, in_names, n_in, name, &u16);
		if (!t && in->n == g->n_inputs) {
			t = &in->t[i];
			u16 = in->u16[i];
		}
		if (!t) {
			set_reason(r, T_FAIL, "%s: no input_K.pb for graph input %%%s", ds, name);
			goto out;
		}
		const nx_type *decl = nx_vtype(g, g->inputs[i]);
		nx_type have = t->type;
		have.layout = decl->layout;
		if (u16 && decl->dtype == NX_BF16)
			have.dtype = NX_BF16;
		if (!nx_type_eq(decl, &have) && !nx_value_nuses(g, g->inputs[i])) {
			char a[128], b[128];
			nx_type_str(&have, a, sizeof a);
			nx_type_str(decl, b, sizeof b);
			set_reason(r, T_SKIP, "%s: the test data gives unused input %%%s as %s, the "
				   "model declares %s", ds, name, a, b);
			goto out;
		}
		if (u16 && decl->dtype != NX_BF16 && decl->dtype != NX_U16) {
			set_reason(r, T_SKIP, "%s: input %%%s: the data is UINT16, the model declares "
				   "%s", ds, name, nx_dtype_name(decl->dtype));
			goto out;
		}
		bound[i] = *t;
		if (u16)
			bound[i].type.dtype = decl->dtype; /* the same 16 bits */
	}
	nx_run_opts ro = {.threads = c->threads};
	nx_run_result res;
	nx_err err;
	if (nx_run(g, bound, g->n_inputs, &ro, &res, &err)) {
		set_reason(r, T_FAIL, "%s: run: %s", ds, err.msg);
		goto out;
	}
	if (res.n_outputs != want->n) {
		set_reason(r, T_FAIL, "%s: the graph has %u outputs, the test data %u", ds,
			   res.n_outputs, want->n);
		nx_run_result_free(&res);
		goto out;
	}
	rc = 0;
	for (uint32_t k = 0; k < want->n && !rc; k++) {
		const nx_tensor *a = &res.outputs[k];
		nx_tensor bw = want->t[k]; /* shares the data */
		const nx_tensor *b = &bw;
		const char *oname = nx_vname(g, g->outputs[k]);
		nx_tensor_diff d;
		if (want->u16[k] && a->type.dtype == NX_BF16)
			bw.type.dtype = NX_BF16; /* the ONNX 1.12 data's bf16 bits */
		if (want->u16[k] && a->type.dtype != NX_BF16 && a->type.dtype != NX_U16) {
			set_reason(r, T_SKIP, "%s: output %%%s: the data is UINT16, nex computes %s",
				   ds, oname, nx_dtype_name(a->type.dtype));
			rc = -1;
		} else if (a->type.dtype != b->type.dtype) {
			set_reason(r, T_FAIL, "%s: output %%%s is %s, expected %s", ds, oname,
				   nx_dtype_name(a->type.dtype), nx_dtype_name(b->type.dtype));
			rc = -1;
		} else if (nx_tensor_compare(a, b, rtol, atol, &d, &err)) {
			set_reason(r, T_FAIL, "%s: output %%%s: %s", ds, oname, err.msg);
			rc = -1;
		} else if (d.n_bad) {
			set_reason(r, T_FAIL, "%s: output %%%s: %lld of %lld elements off (max abs err "
				   "%.3g, max rel err %.3g, worst at %lld: %.7g, expected %.7g)", ds,
				   oname, (long long)d.n_bad, (long long)nx_tensor_numel(a), d.max_abs,
				   d.max_rel, (long long)d.worst, nx_tensor_get(a, d.worst),
				   nx_tensor_get(b, d.worst));
			rc = -1;
		}
	}
	nx_run_result_free(&res);
out:
	free(bound);
	return rc;
}

/* Drops "dir/" wherever it appears in the reason: the expected-skips file
 * must not depend on where the test data lives. */
static void strip_dir(char *s, const char *dir)
{
	size_t n = strlen(dir);
	for (char *p = s; (p = strstr(p, dir));) {
		if (p[n] != '/') {
			p += n;
			continue;
		}
		memmove(p, p + n + 1, strlen(p + n + 1) + 1);
	}
}

static void free_bound(bound_set *b)
{
	free_strs(b->names, b->n);
	memset(b, 0, sizeof *b);
}

/* "name, name, ..." of the bound inputs, into buf. */
static void bound_list(const bound_set *b, char *buf, size_t cap)
{
	buf[0] = 0;
	for (uint32_t i = 0; i < b->n; i++) {
		size_t len = strlen(buf);
		snprintf(buf + len, cap - len, "%s%%%s", i ? ", " : "", b->names[i]);
	}
}

static void run_test(const char *dir, run_ctx *c, result *r)
{
	char model[4096];
	snprintf(model, sizeof model, "%s/model.onnx", dir);
	double rtol = RTOL, atol = ATOL;
	for (size_t i = 0; tolerances[i].name; i++)
		if (!strcmp(tolerances[i].name, r->name)) {
			rtol = tolerances[i].rtol;
			atol = tolerances[i].atol;
		}
	size_t n_sets, n_in;
	char **sets = subdirs(dir, "test_data_set_", &n_sets);
	char **in_names = model_inputs(model, &n_in);
	nx_err err, err2;
	c->warns[0] = 0;
	bound_set b = {0};
	tset in = {0}, want = {0};
	char ds[4096];
	const char *why;
	nx_graph *g = import(model, c, &b, NULL, in_names, n_in, &why, &err);
	if (!g && b.added && n_sets && in_names) {
		/* Bind what the importer asked for, from the first data set,
		 * until it imports or asks for nothing new (each round binds at
		 * least one more input, so this ends). */
		snprintf(ds, sizeof ds, "%s/%s", dir, sets[0]);
		if (!tset_read(&in, ds, "input", &err2)) {
			while (!g && b.added && !why) {
				g = import(model, c, &b, &in, in_names, n_in, &why, &err2);
				if (!g && !why)
					err = err2; /* it got further: this error matters */
			}
		}
		tset_free(&in);
	}
	if (!g) {
		if (why)
			set_reason(r, T_SKIP, "%s: %s", err.msg, why);
		else
			set_reason(r, T_SKIP, "%s", err.msg);
		goto out;
	}
	char ops[512];
	if (opaque_ops(g, ops, sizeof ops)) {
		set_reason(r, T_SKIP, "op%s outside the registry: %s", strchr(ops, ',') ? "s" : "",
			   ops);
		goto out;
	}
	if (!n_sets) {
		set_reason(r, T_FAIL, "no test_data_set_* folder");
		goto out;
	}
	uint32_t n_ops = count_ops(g);
	for (size_t s = 0; s < n_sets; s++) {
		snprintf(ds, sizeof ds, "%s/%s", dir, sets[s]);
		if (tset_read(&in, ds, "input", &err) || tset_read(&want, ds, "output", &err)) {
			/* A dtype nex lacks in the data is a skip, as at import. */
			set_reason(r, T_SKIP, "%s", err.msg);
			goto out;
		}
		if (b.n && s > 0) {
			nx_graph_free(g);
			g = import(model, c, &b, &in, in_names, n_in, &why, &err);
			if (!g && why) {
				set_reason(r, T_SKIP, "%s: %s", sets[s], why);
				goto out;
			}
			if (!g) {
				set_reason(r, T_FAIL, "%s: import with inputs as constants: %s",
					   sets[s], err.msg);
				goto out;
			}
			uint32_t k = count_ops(g);
			n_ops = k < n_ops ? k : n_ops;
		}
		if (check_set(g, &in, in_names, n_in, &want, sets[s], rtol, atol, c, r))
			goto out;
		tset_free(&in);
		tset_free(&want);
	}
	if (!n_ops) {
		char names[512];
		bound_list(&b, names, sizeof names);
		if (b.n)
			set_reason(r, T_FOLD, FOLD_REASON ": no op left to run once %s %s bound as "
				   "constant%s", names, b.n > 1 ? "are" : "is", b.n > 1 ? "s" : "");
		else
			set_reason(r, T_FOLD, FOLD_REASON ": no op left to run");
	} else {
		r->status = T_PASS;
		bound_list(&b, r->reason, sizeof r->reason);
	}
out:
	strip_dir(r->reason, dir);
	if (c->verbose && c->warns[0])
		fputs(c->warns, stdout);
	tset_free(&in);
	tset_free(&want);
	nx_graph_free(g);
	free_bound(&b);
	free_strs(sets, n_sets);
	free_strs(in_names, n_in);
}

/* Test directories under the paths given: a path holding model.onnx is one
 * test, else each subdirectory that holds one. Names are parent/test. */
static void collect(const char *path, char ***dirs, char ***names, size_t *n, size_t *cap)
{
	char p[4096];
	snprintf(p, sizeof p, "%s/model.onnx", path);
	char *tmp = nx_xstrdup(path);
	size_t tl = strlen(tmp);
	while (tl > 1 && tmp[tl - 1] == '/')
		tmp[--tl] = 0;
	if (is_file(p)) {
		char *slash = strrchr(tmp, '/');
		const char *test = slash ? slash + 1 : tmp;
		char parent[4096] = "";
		if (slash) {
			*slash = 0;
			snprintf(parent, sizeof parent, "%s/", last_part(tmp));
			*slash = '/';
		}
		if (*n == *cap) {
			*cap = *cap ? *cap * 2 : 256;
			*dirs = nx_xrealloc(*dirs, *cap * sizeof **dirs);
			*names = nx_xrealloc(*names, *cap * sizeof **names);
		}
		char name[4096];
		snprintf(name, sizeof name, "%s%s", parent, test);
		(*dirs)[*n] = nx_xstrdup(path);
		(*names)[*n] = nx_xstrdup(name);
		(*n)++;
		free(tmp);
		return;
	}
	size_t ns;
	char **sub = subdirs(tmp, NULL, &ns);
	for (size_t i = 0; i < ns; i++) {
		snprintf(p, sizeof p, "%s/%s/model.onnx", tmp, sub[i]);
		if (!is_file(p))
			continue;
		snprintf(p, sizeof p, "%s/%s", tmp, sub[i]);
		collect(p, dirs, names, n, cap);
	}
	free_strs(sub, ns);
	free(tmp);
}

static const char *status_name(int status)
{
	static const char *const names[T_COUNT] = {"passes", "fails", "is skipped",
						     "folds at import"};
	return names[status];
}

/* Compares the skips and folds with FILE (NAME<TAB>reason lines, #
 * comments; a reason starting FOLD_REASON lists a fold, any other a skip).
 * Returns the number of differences, printing each. */
static int check_skips(const char *file, const result *res, size_t n)
{
	nx_err err;
	size_t len;
	char *text = nx_read_file(file, &len, &err);
	if (!text) {
		printf("cannot read the expected skips: %s\n", err.msg);
		return 1;
	}
	int diffs = 0;
	size_t n_listed = 0;
	char **listed = NULL;
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		if (!line[0] || line[0] == '#')
			continue;
		char *tab = strchr(line, '\t');
		if (tab)
			*tab = 0;
		listed = nx_xrealloc(listed, (n_listed + 1) * sizeof *listed);
		listed[n_listed++] = line;
		const result *r = NULL;
		for (size_t i = 0; i < n && !r; i++)
			if (!strcmp(res[i].name, line))
				r = &res[i];
		if (!r)
			continue; /* not run this time (--filter, other dirs) */
		int want = tab && !strncmp(tab + 1, FOLD_REASON, strlen(FOLD_REASON)) ? T_FOLD
										      : T_SKIP;
		if (r->status != want) {
			printf("listed %s now %s: %s\n", want == T_FOLD ? "fold" : "skip",
			       status_name(r->status), line);
			diffs++;
		} else if (tab && strcmp(tab + 1, r->reason)) {
			printf("note: reason of %s changed: now \"%s\"\n", line, r->reason);
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (res[i].status != T_SKIP && res[i].status != T_FOLD)
			continue;
		bool found = false;
		for (size_t j = 0; j < n_listed && !found; j++)
			found = !strcmp(listed[j], res[i].name);
		if (!found) {
			printf("unlisted %s: %s: %s\n", res[i].status == T_FOLD ? "fold" : "skip",
			       res[i].name, res[i].reason);
			diffs++;
		}
	}
	if (diffs)
		printf("the skips and folds differ from %s: if that is intended, update it "
		       "with\n  nex conformance --list-skips > %s\n", file, file);
	free(listed);
	free(text);
	return diffs;
}

static int cmp_result(const void *a, const void *b)
{
	return strcmp(((const result *)a)->name, ((const result *)b)->name);
}

int nxc_conformance(int argc, char **argv)
{
	conf_opts o = {.threads = -1};
	nxc_command cmd = command;
	cmd.max_args = argc;
	const char **paths = nx_xcalloc((size_t)argc + 4, sizeof *paths); /* freed below */
	int np = nxc_parse(&cmd, argc, argv, &o, paths);
	if (np < 0 || o.threads == 0) {
		if (o.threads == 0)
			fprintf(stderr, "nex conformance: --threads wants 1..256\n");
		free(paths);
		return np == NXC_PARSE_HELP ? NXC_OK : NXC_USER;
	}
	size_t n_paths = (size_t)np;
	run_ctx c = {o.verbose, o.threads < 0 ? 1 : (int)o.threads, ""};
	const char *filter = o.filter, *skips_file = o.skips_file;
	bool list_skips = o.list_skips;
	if (!n_paths)
		for (size_t i = 0; i < sizeof default_dirs / sizeof default_dirs[0]; i++)
			paths[n_paths++] = default_dirs[i];
	char **dirs = NULL, **names = NULL;
	size_t n = 0, cap = 0;
	for (size_t i = 0; i < n_paths; i++) {
		size_t before = n;
		if (!is_dir(paths[i])) {
			fprintf(stderr, "nex conformance: %s is not a directory\n", paths[i]);
			free(paths);
			free_strs(dirs, n);
			free_strs(names, n);
			return NXC_USER;
		}
		collect(paths[i], &dirs, &names, &n, &cap);
		if (n == before)
			fprintf(stderr, "nex conformance: no tests in %s\n", paths[i]);
	}
	free(paths);
	result *res = nx_xcalloc(n ? n : 1, sizeof *res);
	size_t m = 0;
	int counts[T_COUNT] = {0};
	for (size_t i = 0; i < n; i++) {
		if (filter && !strstr(names[i], filter))
			continue;
		result *r = &res[m++];
		r->name = names[i];
		names[i] = NULL;
		run_test(dirs[i], &c, r);
		counts[r->status]++;
		if (list_skips)
			continue;
		if (r->status == T_PASS && r->reason[0])
			printf("pass %s (bound as constants: %s)\n", r->name, r->reason);
		else if (r->status == T_PASS)
			printf("pass %s\n", r->name);
		else
			printf("%s %s: %s\n", r->status == T_FAIL ? "FAIL" : r->status == T_FOLD ? "fold"
				: "skip", r->name, r->reason);
		fflush(stdout);
	}
	int rc = counts[T_FAIL] ? NXC_USER : NXC_OK;
	if (list_skips) {
		qsort(res, m, sizeof *res, cmp_result);
		for (size_t i = 0; i < m; i++)
			if (res[i].status == T_SKIP || res[i].status == T_FOLD)
				printf("%s\t%s\n", res[i].name, res[i].reason);
	} else {
		printf("%d passed (ran through the kernels), %d folded at import, %d failed, "
		       "%d skipped\n", counts[T_PASS], counts[T_FOLD], counts[T_FAIL],
		       counts[T_SKIP]);
		if (skips_file && check_skips(skips_file, res, m))
			rc = NXC_USER;
	}
	for (size_t i = 0; i < m; i++)
		free(res[i].name);
	free(res);
	free_strs(dirs, n);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}
