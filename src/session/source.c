/* source.c — what a session was opened from, so that it can be saved and
 * reopened exactly: the model (path, sha256 of its bytes, bound shapes) and
 * the target (preset or target file, then FIELD=VALUE overrides in order).
 * nxw_open builds a session from such a description; the session owns its
 * target, so the faces (TUI, Lua, CLI) never keep one alive for it. The
 * hash is SHA-256 from nettle: a file identity a colleague can check with
 * sha256sum, and not ours to write. */
#include <errno.h>
#include <nettle/sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nxw.h"

void nxw_source_free(nxw_source *src)
{
	free(src->model);
	for (uint32_t i = 0; i < src->n_binds; i++)
		free((char *)src->binds[i].name);
	free(src->binds);
	for (uint32_t i = 0; i < src->n_consts; i++)
		free(src->consts[i]);
	free(src->consts);
	free(src->target);
	for (uint32_t i = 0; i < src->n_sets; i++)
		free(src->sets[i]);
	free(src->sets);
	memset(src, 0, sizeof *src);
}

void nxw_source_copy(nxw_source *dst, const nxw_source *src)
{
	memset(dst, 0, sizeof *dst);
	dst->model = src->model ? nx_xstrdup(src->model) : NULL;
	memcpy(dst->sha256, src->sha256, sizeof dst->sha256);
	if (src->n_binds) {
		dst->binds = nx_xmalloc(src->n_binds * sizeof *dst->binds);
		for (uint32_t i = 0; i < src->n_binds; i++) {
			dst->binds[i] = src->binds[i];
			dst->binds[i].name = nx_xstrdup(src->binds[i].name);
		}
	}
	dst->n_binds = src->n_binds;
	if (src->n_consts) {
		dst->consts = nx_xmalloc(src->n_consts * sizeof *dst->consts);
		for (uint32_t i = 0; i < src->n_consts; i++)
			dst->consts[i] = nx_xstrdup(src->consts[i]);
	}
	dst->n_consts = src->n_consts;
	dst->unroll_limit = src->unroll_limit;
	dst->f64_as_f32 = src->f64_as_f32;
	dst->target = src->target ? nx_xstrdup(src->target) : NULL;
	if (src->n_sets) {
		dst->sets = nx_xmalloc(src->n_sets * sizeof *dst->sets);
		for (uint32_t i = 0; i < src->n_sets; i++)
			dst->sets[i] = nx_xstrdup(src->sets[i]);
	}
	dst->n_sets = src->n_sets;
}

void nxw_source_add_set(nxw_source *src, const char *kv)
{
	/* A later edit of the same field replaces the earlier one, so the list
	 * stays what a reader expects: one line per changed field. */
	const char *eq = strchr(kv, '=');
	size_t fl = eq ? (size_t)(eq - kv) : strlen(kv);
	for (uint32_t i = 0; i < src->n_sets; i++)
		if (!strncmp(src->sets[i], kv, fl) && src->sets[i][fl] == '=') {
			free(src->sets[i]);
			src->sets[i] = nx_xstrdup(kv);
			return;
		}
	src->sets = nx_xrealloc(src->sets, (src->n_sets + 1) * sizeof *src->sets);
	src->sets[src->n_sets++] = nx_xstrdup(kv);
}

int nxw_sha256_file(const char *path, char hex[65], nx_err *err)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		nx_err_set(err, "%s: %s", path, strerror(errno));
		return -1;
	}
	struct sha256_ctx c;
	sha256_init(&c);
	unsigned char buf[1 << 16];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		sha256_update(&c, n, buf);
	int bad = ferror(f);
	fclose(f);
	if (bad) {
		nx_err_set(err, "%s: read error", path);
		return -1;
	}
	unsigned char d[SHA256_DIGEST_SIZE];
	sha256_digest(&c, sizeof d, d);
	for (int i = 0; i < SHA256_DIGEST_SIZE; i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
	return 0;
}

void nxw_sha256_text(const char *text, size_t len, char hex[65])
{
	struct sha256_ctx c;
	unsigned char d[SHA256_DIGEST_SIZE];
	sha256_init(&c);
	sha256_update(&c, len, (const uint8_t *)text);
	sha256_digest(&c, sizeof d, d);
	for (int i = 0; i < SHA256_DIGEST_SIZE; i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
}

static bool ends_with(const char *s, const char *suf)
{
	size_t n = strlen(s), k = strlen(suf);
	return n >= k && !strcmp(s + n - k, suf);
}

nx_graph *nxw_source_load(nxw_source *src, nx_err *err)
{
	nx_graph *g;
	if (!strcmp(src->model, "demo")) {
		src->sha256[0] = 0;
		return nx_demo(err);
	}
	if (nxw_sha256_file(src->model, src->sha256, err))
		return NULL;
	if (ends_with(src->model, ".onnx")) {
		nx_onnx_opts o = {0};
		o.binds = src->binds;
		o.n_binds = src->n_binds;
		o.f64_as_f32 = src->f64_as_f32;
		o.unroll_limit = src->unroll_limit;
		/* --const texts, read again here (freed below) */
		uint32_t n = src->n_consts;
		char **names = nx_xcalloc(n + 1, sizeof *names);
		nx_tensor *vals = nx_xcalloc(n + 1, sizeof *vals);
		int bad = 0;
		for (uint32_t i = 0; i < n && !bad; i++)
			bad = nx_const_arg_parse(src->consts[i], &names[i], &vals[i], err);
		o.const_names = (const char *const *)names;
		o.const_values = vals;
		o.n_consts = n;
		g = bad ? NULL : nx_onnx_import(src->model, &o, err);
		for (uint32_t i = 0; i < n; i++) {
			free(names[i]);
			nx_tensor_free(&vals[i]);
		}
		free(names);
		free(vals);
	} else {
		if (src->n_binds || src->n_consts) {
			nx_err_set(err, "%s: --shape and --const bind the inputs of ONNX models only; "
				   "a .nex or .json model has static shapes", src->model);
			return NULL;
		}
		g = nx_load(src->model, err);
	}
	return g;
}

int nxw_source_target(const nxw_source *src, nx_target *t, nx_err *err)
{
	if (nx_target_resolve(src->target ? src->target : "m1", t, err)) {
		nx_err_prefix(err, "target: ");
		return -1;
	}
	for (uint32_t i = 0; i < src->n_sets; i++)
		if (nx_target_set_kv(t, src->sets[i], err)) {
			nx_err_prefix(err, "target field %s: ", src->sets[i]);
			return -1;
		}
	return 0;
}

nxw_session *nxw_open(const nxw_source *src, const char *pipeline, nx_err *err)
{
	nxw_source own;
	nxw_source_copy(&own, src);
	nx_graph *g = nxw_source_load(&own, err);
	if (!g) {
		nxw_source_free(&own);
		return NULL;
	}
	nx_target t;
	bool targeted = own.target || own.n_sets;
	if (targeted && nxw_source_target(&own, &t, err)) {
		nx_graph_free(g);
		nxw_source_free(&own);
		return NULL;
	}
	nxw_session *s = nxw_session_new(g);
	s->src = own;
	if (targeted) {
		s->own_target = t;
		nxw_set_target(s, &s->own_target);
	}
	if (pipeline && nxw_set_pipeline(s, pipeline, err)) {
		nxw_session_free(s);
		return NULL;
	}
	return s;
}

int nxw_set_target_field(nxw_session *s, const char *field, const char *value, nx_err *err)
{
	nx_target t;
	if (s->target)
		t = *(const nx_target *)s->target;
	else if (nxw_source_target(&s->src, &t, err))
		return -1;
	if (nx_target_set(&t, field, value, err))
		return -1;
	if (nx_target_validate(&t, err))
		return -1;
	char kv[512];
	snprintf(kv, sizeof kv, "%s=%s", field, value);
	nxw_source_add_set(&s->src, kv);
	uint32_t keep = s->n_steps, cursor = s->cursor;
	s->own_target = t;
	nxw_set_target(s, &s->own_target);
	/* The history is re-made on the new target up to where the user was:
	 * the cost of every step changes, and target-aware passes may decide
	 * differently. */
	if (nxw_replay(s, keep, err) < 0)
		return -1;
	if (cursor < s->n_steps)
		nxw_jump(s, cursor);
	return 0;
}
