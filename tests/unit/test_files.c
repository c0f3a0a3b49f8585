/* test_files.c — the files a model names (confine.c) and saving a model
 * (io.c): file(...) in .nex and JSON and ONNX external data refused when
 * they leave the model's directory (absolute, "..", a symlink) or name
 * something that is not a regular file, a short file refused before
 * allocating, --allow-outside lifting the directory rule; nx_save leaving
 * the old pair intact when a write fails. */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <dirent.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "nx.h"
#include "onnx_build.h"

static char tmp[64];

static void put(const char *name, const char *text)
{
	char p[512];
	snprintf(p, sizeof p, "%s/%s", tmp, name);
	FILE *f = fopen(p, "wb");
	fputs(text, f);
	fclose(f);
}

static void setup(void)
{
	snprintf(tmp, sizeof tmp, "/tmp/nex_filesXXXXXX");
	if (!mkdtemp(tmp)) {
		perror("mkdtemp");
		exit(2);
	}
	char p[256];
	snprintf(p, sizeof p, "%s/m", tmp);
	mkdir(p, 0755);
	/* 16 bytes of weights inside, one file outside (a sibling of m/) */
	put("m/w.bin", "0123456789abcdef");
	put("secret.bin", "SECRETSECRETSECR");
	snprintf(p, sizeof p, "%s/m/link", tmp);
	symlink("../secret.bin", p);
	snprintf(p, sizeof p, "%s/m/zero", tmp);
	symlink("/dev/zero", p);
	snprintf(p, sizeof p, "%s/m/sub", tmp);
	mkdir(p, 0755);
	put("m/sub/w2.bin", "0123456789abcdef");
}

static void cleanup(void)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmp);
}

/* Writes m/name with one file("ref") constant and loads it. */
static nx_graph *load_nex(const char *name, const char *ref, const char *type, bool allow,
			  nx_err *err)
{
	char text[512], p[256];
	snprintf(text, sizeof text,
		 "graph @g(%%x: f32[4]) -> (%%y: f32[4]) {\n"
		 "  %%w = const %s file(\"%s\", offset=0)\n"
		 "  %%y = add(%%x, %%w) : f32[4]\n"
		 "  return %%y\n}\n", type, ref);
	snprintf(p, sizeof p, "m/%s", name);
	put(p, text);
	snprintf(p, sizeof p, "%s/m/%s", tmp, name);
	nx_onnx_opts o = {0};
	o.allow_outside = allow;
	return nx_load_with(p, &o, err);
}

static nx_graph *load_json(const char *ref, bool allow, nx_err *err)
{
	char text[512], p[256];
	snprintf(text, sizeof text,
		 "{\"format\": \"nex-ir\", \"version\": 1, \"name\": \"g\",\n"
		 " \"inputs\": [{\"name\": \"x\", \"type\": {\"dtype\": \"f32\", \"shape\": [4]}}],\n"
		 " \"outputs\": [\"y\"],\n"
		 " \"consts\": [{\"name\": \"w\", \"type\": {\"dtype\": \"f32\", \"shape\": [4]},"
		 " \"file\": \"%s\"}],\n"
		 " \"ops\": [{\"kind\": \"add\", \"operands\": [\"x\", \"w\"], \"results\":"
		 " [{\"name\": \"y\", \"type\": {\"dtype\": \"f32\", \"shape\": [4]}}]}]}\n", ref);
	put("m/j.json", text);
	snprintf(p, sizeof p, "%s/m/j.json", tmp);
	nx_onnx_opts o = {0};
	o.allow_outside = allow;
	return nx_load_with(p, &o, err);
}

static void refused(nx_graph *g, const nx_err *err, const char *why)
{
	CHECK(!g);
	if (!g)
		CHECK_CONTAINS(err->msg, why);
	nx_graph_free(g);
}

static void accepted(nx_graph *g, const nx_err *err)
{
	CHECK(g);
	if (!g)
		fprintf(stderr, "  %s\n", err->msg);
	nx_graph_free(g);
}

static void test_nex_escapes(void)
{
	nx_err err;
	refused(load_nex("a.nex", "/etc/passwd", "f32[4]", false, &err), &err,
		"%w: file \"/etc/passwd\" resolves to /etc/passwd, outside the model's directory");
	refused(load_nex("b.nex", "../../../../etc/passwd", "f32[4]", false, &err), &err,
		"outside the model's directory");
	refused(load_nex("c.nex", "link", "f32[4]", false, &err), &err,
		"secret.bin, outside the model's directory");
	refused(load_nex("d.nex", "zero", "f32[4]", false, &err), &err, "/dev/zero, outside");
	/* --allow-outside lifts the directory rule, never the regular-file one */
	refused(load_nex("d.nex", "zero", "f32[4]", true, &err), &err,
		"(/dev/zero) is not a regular file");
	accepted(load_nex("c.nex", "link", "f32[4]", true, &err), &err);
	refused(load_nex("e.nex", "sub", "f32[4]", false, &err), &err, "is not a regular file");
	accepted(load_nex("ok.nex", "w.bin", "f32[4]", false, &err), &err);
	accepted(load_nex("ok2.nex", "sub/w2.bin", "f32[4]", false, &err), &err);
	/* nx_parse with a directory is confined too (cwd when NULL) */
	char dir[128];
	snprintf(dir, sizeof dir, "%s/m", tmp);
	const char *t = "graph @g(%x: f32[4]) -> (%y: f32[4]) {\n"
			"  %w = const f32[4] file(\"../secret.bin\", offset=0)\n"
			"  %y = add(%x, %w) : f32[4]\n  return %y\n}\n";
	refused(nx_parse(t, strlen(t), "t.nex", dir, &err), &err, "outside the model's directory");
}

/* f32[2^40] over 16 bytes: "too short", before any allocation */
static void test_short_file(void)
{
	nx_err err;
	refused(load_nex("big.nex", "w.bin", "f32[1099511627776]", false, &err), &err,
		"file \"w.bin\" is too short: it holds 16 bytes, and 4398046511104 are needed");
}

static void test_json_escapes(void)
{
	nx_err err;
	refused(load_json("/etc/passwd", false, &err), &err, "(\"w\"): file \"/etc/passwd\"");
	refused(load_json("../secret.bin", false, &err), &err, "outside the model's directory");
	refused(load_json("link", false, &err), &err, "outside the model's directory");
	refused(load_json("zero", true, &err), &err, "is not a regular file");
	accepted(load_json("link", true, &err), &err);
	accepted(load_json("w.bin", false, &err), &err);
}

/* An ONNX initializer with external data at location loc, saved as m/e.onnx
 * and imported from the file (nx_onnx_import resolves against m/). */
static nx_graph *load_onnx(const char *loc, bool allow, nx_err *err)
{
	ob *b = ob_new(13);
	ob_input(b, "x", OB_F32, "4");
	Onnx__TensorProto *t = ob_init(b, "w", OB_F32, "4", NULL, 0);
	t->has_data_location = 1;
	t->data_location = ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL;
	Onnx__StringStringEntryProto *e = ob_alloc(b, sizeof *e);
	onnx__string_string_entry_proto__init(e);
	e->key = ob_str(b, "location");
	e->value = ob_str(b, loc);
	OB_PUSH(b, t->n_external_data, t->external_data, e);
	ob_node(b, "Add", "x,w", "y");
	ob_output(b, "y", OB_F32, "4");
	size_t len;
	void *buf = ob_pack(b, &len);
	char p[256];
	snprintf(p, sizeof p, "%s/m/e.onnx", tmp);
	FILE *f = fopen(p, "wb");
	fwrite(buf, 1, len, f);
	fclose(f);
	free(buf);
	ob_free(b);
	nx_onnx_opts o = {0};
	o.allow_outside = allow;
	return nx_load_with(p, &o, err);
}

static void test_onnx_escapes(void)
{
	nx_err err;
	refused(load_onnx("link", false, &err), &err,
		"initializer 'w': file \"link\" resolves to");
	refused(load_onnx("/etc/passwd", false, &err), &err, "outside the model's directory");
	refused(load_onnx("zero", true, &err), &err, "is not a regular file");
	accepted(load_onnx("link", true, &err), &err);
	accepted(load_onnx("w.bin", false, &err), &err);
}

/* The CLI takes --allow-outside and names the value and path. */
static void test_cli(void)
{
	if (!getenv("NEX_BIN"))
		return;
	char args[512];
	int rc;
	nx_err err;
	nx_graph_free(load_nex("c.nex", "link", "f32[4]", false, &err));
	snprintf(args, sizeof args, "print '%s/m/c.nex'", tmp);
	char *out = check_nex(args, 1, &rc);
	CHECK_EQ_INT(rc, 1);
	CHECK_CONTAINS(out, "c.nex:2:");
	CHECK_CONTAINS(out, "%w: file \"link\" resolves to");
	free(out);
	snprintf(args, sizeof args, "verify --allow-outside '%s/m/c.nex'", tmp);
	out = check_nex(args, 1, &rc);
	CHECK_EQ_INT(rc, 0);
	free(out);
}


/* ---- saving ---- */

/* A model whose one weight is n floats equal to v, read from a file blob
 * (file blobs, like data blobs, go to the side file when saved), followed
 * by a chain of `chain` relus to make its text long. */
static nx_graph *weights_model(int64_t n, float v, int chain)
{
	char p[512];
	snprintf(p, sizeof p, "%s/m/src.w", tmp);
	FILE *f = fopen(p, "wb");
	for (int64_t i = 0; i < n; i++)
		fwrite(&v, 4, 1, f);
	fclose(f);
	snprintf(p, sizeof p, "%s/m/src.nex", tmp);
	f = fopen(p, "w");
	fprintf(f, "graph @g(%%x: f32[%lld]) -> (%%r%d: f32[%lld]) {\n"
		"  %%w = const f32[%lld] file(\"src.w\", offset=0)\n"
		"  %%r0 = add(%%x, %%w) : f32[%lld]\n",
		(long long)n, chain, (long long)n, (long long)n, (long long)n);
	for (int i = 1; i <= chain; i++)
		fprintf(f, "  %%r%d = relu(%%r%d) : f32[%lld]\n", i, i - 1, (long long)n);
	fprintf(f, "  return %%r%d\n}\n", chain);
	fclose(f);
	nx_err err;
	nx_graph *g = nx_load(p, &err);
	if (!g)
		fprintf(stderr, "%s\n", err.msg);
	return g;
}

/* The first weight value and count of the model saved at m/name, or -1. */
static float saved_weight(const char *name, int64_t *n)
{
	char p[512];
	snprintf(p, sizeof p, "%s/m/%s", tmp, name);
	nx_err err;
	nx_graph *g = nx_load(p, &err);
	*n = -1;
	if (!g) {
		fprintf(stderr, "  %s\n", err.msg);
		return -1;
	}
	uint32_t w = nx_value_by_name(g, "w", 1);
	const float *d = nx_blob_data(nx_const_blob(g, w));
	*n = nx_type_numel(&nx_const_blob(g, w)->type);
	float v = d[*n - 1];
	nx_graph_free(g);
	return v;
}

static bool exists(const char *name)
{
	char p[512];
	snprintf(p, sizeof p, "%s/m/%s", tmp, name);
	return access(p, F_OK) == 0;
}

/* Temporaries left in m/ (".tmp" in the name). */
static int temporaries(void)
{
	char p[512];
	snprintf(p, sizeof p, "%s/m", tmp);
	DIR *d = opendir(p);
	int k = 0;
	for (struct dirent *e; d && (e = readdir(d));)
		if (strstr(e->d_name, ".tmp"))
			k++;
	if (d)
		closedir(d);
	return k;
}

/* Runs nx_save(g, m/name) in a child after setup(kind): 1 = a file size
 * limit of 128 KiB (EFBIG: what a full disk does to write(2)),
 * 2 = SIGINT pending, 3 = umask 027. The child's exit status: 0 if the save
 * failed with want in the message (or, want NULL, succeeded). */
static int save_in_child(nx_graph *g, const char *name, int kind, const char *want)
{
	pid_t pid = fork();
	if (pid == 0) {
		if (kind == 1) {
			struct rlimit r = {128 << 10, 128 << 10};
			signal(SIGXFSZ, SIG_IGN);
			setrlimit(RLIMIT_FSIZE, &r);
		} else if (kind == 2) {
			sigset_t s;
			sigemptyset(&s);
			sigaddset(&s, SIGINT);
			sigprocmask(SIG_BLOCK, &s, NULL);
			raise(SIGINT);
		} else if (kind == 3) {
			umask(027);
		}
		char p[512];
		snprintf(p, sizeof p, "%s/m/%s", tmp, name);
		nx_err err;
		int rc = nx_save(g, p, &err);
		if (rc && want && !strstr(err.msg, want))
			fprintf(stderr, "  child: %s\n", err.msg);
		_exit(want ? !(rc == -1 && strstr(err.msg, want)) : rc != 0);
	}
	int st;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_save_failure_keeps_old_pair(void)
{
	/* g2's side file (64 KiB) fits under the limit and its text (about
	 * 200 KiB) does not: the case where the old nx_save had already put the
	 * new weights under the old model. g3's side file does not fit. */
	nx_graph *g1 = weights_model(16384, 1.0f, 0), *g2 = weights_model(16384, 2.0f, 5000);
	nx_graph *g3 = weights_model(262144, 3.0f, 0);
	CHECK(g1 && g2 && g3);
	if (!g1 || !g2 || !g3)
		goto out;
	char p[512];
	nx_err err;
	snprintf(p, sizeof p, "%s/m/s.nex", tmp);
	CHECK_EQ_INT(nx_save(g1, p, &err), 0);
	CHECK(exists("s.nex.bin"));
	int64_t n;
	CHECK_EQ_INT(save_in_child(g2, "s.nex", 1, "write failed"), 0);
	CHECK(saved_weight("s.nex", &n) == 1.0f);
	CHECK_EQ_INT(n, 16384);
	CHECK_EQ_INT(temporaries(), 0);
	CHECK_EQ_INT(save_in_child(g3, "s.nex", 1, "write failed"), 0);
	CHECK(saved_weight("s.nex", &n) == 1.0f);
	CHECK_EQ_INT(temporaries(), 0);
	/* Ctrl-C during the save */
	CHECK_EQ_INT(save_in_child(g3, "s.nex", 2, "interrupted (SIGINT)"), 0);
	CHECK(saved_weight("s.nex", &n) == 1.0f);
	CHECK_EQ_INT(temporaries(), 0);
	/* a save over a save writes the other side file, then drops the old */
	CHECK_EQ_INT(nx_save(g3, p, &err), 0);
	CHECK(saved_weight("s.nex", &n) == 3.0f);
	CHECK_EQ_INT(n, 262144);
	CHECK(exists("s.nex.2.bin") && !exists("s.nex.bin"));
	CHECK_EQ_INT(nx_save(g1, p, &err), 0);
	CHECK(saved_weight("s.nex", &n) == 1.0f);
	CHECK(exists("s.nex.bin") && !exists("s.nex.2.bin"));
	/* the same for JSON */
	snprintf(p, sizeof p, "%s/m/s.json", tmp);
	CHECK_EQ_INT(nx_save(g1, p, &err), 0);
	CHECK_EQ_INT(save_in_child(g2, "s.json", 1, "write failed"), 0);
	CHECK(saved_weight("s.json", &n) == 1.0f);
	CHECK_EQ_INT(save_in_child(g3, "s.json", 1, "write failed"), 0);
	CHECK(saved_weight("s.json", &n) == 1.0f);
	CHECK_EQ_INT(temporaries(), 0);
	/* the umask is honoured (mkstemp alone gives 0600) */
	CHECK_EQ_INT(save_in_child(g1, "u.nex", 3, NULL), 0);
	struct stat st;
	snprintf(p, sizeof p, "%s/m/u.nex", tmp);
	CHECK(stat(p, &st) == 0 && (st.st_mode & 0777) == 0640);
	snprintf(p, sizeof p, "%s/m/u.nex.bin", tmp);
	CHECK(stat(p, &st) == 0 && (st.st_mode & 0777) == 0640);
out:
	nx_graph_free(g1);
	nx_graph_free(g2);
	nx_graph_free(g3);
}

int main(int argc, char **argv)
{
	static const check_case cases[] = {
		{"nex_escapes", test_nex_escapes},
		{"short_file", test_short_file},
		{"json_escapes", test_json_escapes},
		{"onnx_escapes", test_onnx_escapes},
		{"cli", test_cli},
		{"save_failure_keeps_old_pair", test_save_failure_keeps_old_pair},
		{NULL, NULL},
	};
	setup();
	int rc = check_main(cases, argc, argv);
	cleanup();
	return rc;
}
