/* file.c — session files (sessions/NAME.nex.json, docs/sessions.md): what a
 * session was opened from, its pipeline, how each step was made (pass,
 * options, rewrite budget, the step it ran from) with a hash of the IR it
 * produced, the cursor, the pinned baseline, notes and bookmarks on ops by
 * stable id, and the TUI's view state. Loading re-runs every step exactly
 * and compares hashes, so a session reopens as it was saved or says which
 * step now differs and where. cJSON reads and writes the JSON. */
#define _XOPEN_SOURCE 700 /* realpath */
#include <cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nxw.h"

/* Per-line hashes let replay name the first line that differs; past this
 * many lines a step keeps only its whole-IR hash (a 100k-op graph would add
 * 800 KB per step to the file). */
#define MAX_LINE_HASHES 20000

/* cJSON reports a failed allocation by NULL: out of memory is fatal. */
static void *must(void *p)
{
	if (!p) {
		fprintf(stderr, "nex: out of memory (cJSON)\n");
		exit(2);
	}
	return p;
}

static uint32_t fnv1a(const char *s, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

static uint32_t *line_hashes(const char *text, uint32_t *n)
{
	uint32_t lines = 0;
	for (const char *p = text; *p; p++)
		lines += *p == '\n';
	*n = 0;
	if (lines > MAX_LINE_HASHES)
		return NULL;
	uint32_t *h = nx_xmalloc((size_t)(lines + 1) * sizeof *h);
	const char *p = text;
	while (*p) {
		const char *e = strchr(p, '\n');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		h[(*n)++] = fnv1a(p, len);
		p += len + (e != NULL);
	}
	return h;
}

nxw_step_spec *nxw_specs(nxw_session *s, bool with_hashes, uint32_t *n)
{
	nxw_step_spec *sp = nx_xcalloc(s->n_steps, sizeof *sp);
	for (uint32_t k = 0; k < s->n_steps; k++) {
		const nxw_step *st = &s->steps[k];
		sp[k].inv = st->inv;
		sp[k].budget = st->budget;
		sp[k].base = k ? st->base : 0;
		snprintf(sp[k].pass, sizeof sp[k].pass, "%s", st->pass);
		if (with_hashes) {
			const char *t = nxw_text(s, k);
			nxw_sha256_text(t, strlen(t), sp[k].ir_sha256);
			sp[k].line_hash = line_hashes(t, &sp[k].n_lines);
		}
	}
	*n = s->n_steps;
	return sp;
}

void nxw_specs_free(nxw_step_spec *sp, uint32_t n)
{
	for (uint32_t i = 0; sp && i < n; i++)
		free(sp[i].line_hash);
	free(sp);
}

void nxw_note_add(nxw_session *s, uint32_t op, bool bookmark, const char *text)
{
	s->notes = nx_xrealloc(s->notes, (s->n_notes + 1) * sizeof *s->notes);
	s->notes[s->n_notes++] = (nxw_note){op, s->cursor, bookmark, nx_xstrdup(text)};
}

int nxw_note_remove(nxw_session *s, uint32_t i)
{
	if (i >= s->n_notes)
		return -1;
	free(s->notes[i].text);
	memmove(s->notes + i, s->notes + i + 1, (s->n_notes - i - 1) * sizeof *s->notes);
	s->n_notes--;
	return 0;
}

void nxw_set_view(nxw_session *s, const char *view_json)
{
	free(s->view_json);
	s->view_json = view_json ? nx_xstrdup(view_json) : NULL;
}

/* ---- paths ---------------------------------------------------------------- */

/* The directory part of path ("." if none); caller frees. */
static char *dir_of(const char *path)
{
	const char *sl = strrchr(path, '/');
	if (!sl)
		return nx_xstrdup(".");
	if (sl == path)
		return nx_xstrdup("/");
	char *d = nx_xmalloc((size_t)(sl - path) + 1);
	memcpy(d, path, (size_t)(sl - path));
	d[sl - path] = 0;
	return d;
}

/* target relative to directory dir, both resolved; NULL if either cannot
 * be resolved (then the caller stores the path as given). Caller frees. */
static char *relative_to(const char *target, const char *dir)
{
	char a[PATH_MAX], b[PATH_MAX];
	if (!realpath(target, a) || !realpath(dir, b))
		return NULL;
	size_t i = 0, last = 0;
	while (a[i] && a[i] == b[i]) {
		if (a[i] == '/')
			last = i;
		i++;
	}
	if (!b[i] && a[i] == '/')
		last = i;
	else if (!b[i] && !a[i])
		return nx_xstrdup(".");
	nx_strbuf out = {0};
	/* one ../ for each directory of b below the common prefix */
	if (b[last] == '/' && b[last + 1]) {
		nx_strbuf_printf(&out, "../");
		for (const char *p = b + last + 1; *p; p++)
			if (*p == '/')
				nx_strbuf_printf(&out, "../");
	}
	nx_strbuf_printf(&out, "%s", a + last + 1);
	/* Far apart (the model in a cache, the session in a project): an
	 * absolute path says more than a ladder of ../ does. */
	if (out.s && strncmp(out.s, "../../../", 9) == 0) {
		free(out.s);
		return nx_xstrdup(a);
	}
	return out.s;
}

/* path as seen from the session file's directory. Caller frees. */
static char *resolve_from(const char *session_path, const char *path)
{
	if (path[0] == '/' || !strcmp(path, "demo"))
		return nx_xstrdup(path);
	char *d = dir_of(session_path);
	nx_strbuf b = {0};
	nx_strbuf_printf(&b, "%s/%s", d, path);
	free(d);
	return b.s;
}

/* ---- writing ------------------------------------------------------------- */

static cJSON *source_json(const nxw_session *s, const char *session_path)
{
	cJSON *m = must(cJSON_CreateObject());
	const char *model = s->src.model ? s->src.model : "demo";
	char *rel = NULL;
	if (strcmp(model, "demo") && session_path) {
		char *d = dir_of(session_path);
		rel = relative_to(model, d);
		free(d);
	}
	must(cJSON_AddStringToObject(m, "path", rel ? rel : model));
	free(rel);
	must(cJSON_AddStringToObject(m, "sha256", s->src.sha256));
	cJSON *shapes = must(cJSON_AddArrayToObject(m, "shapes"));
	for (uint32_t i = 0; i < s->src.n_binds; i++) {
		const nx_shape_bind *b = &s->src.binds[i];
		cJSON *o = must(cJSON_CreateObject());
		must(cJSON_AddStringToObject(o, "name", b->name));
		cJSON *d = must(cJSON_AddArrayToObject(o, "dims"));
		for (int k = 0; k < b->rank; k++)
			cJSON_AddItemToArray(d, must(cJSON_CreateNumber((double)b->dims[k])));
		cJSON_AddItemToArray(shapes, o);
	}
	/* only when given: session files without them read as before */
	if (s->src.n_consts) {
		cJSON *c = must(cJSON_AddArrayToObject(m, "consts"));
		for (uint32_t i = 0; i < s->src.n_consts; i++)
			cJSON_AddItemToArray(c, must(cJSON_CreateString(s->src.consts[i])));
	}
	if (s->src.unroll_limit)
		must(cJSON_AddNumberToObject(m, "unroll_limit", s->src.unroll_limit));
	/* written only when set, so files of f32 models read as before */
	if (s->src.f64_as_f32)
		must(cJSON_AddBoolToObject(m, "f64_as_f32", true));
	return m;
}

static cJSON *target_json(const nxw_session *s)
{
	if (!s->target)
		return must(cJSON_CreateNull());
	cJSON *t = must(cJSON_CreateObject());
	if (s->src.target || s->src.n_sets || s->target == &s->own_target) {
		must(cJSON_AddStringToObject(t, "spec", s->src.target ? s->src.target : "m1"));
		cJSON *sets = must(cJSON_AddArrayToObject(t, "set"));
		for (uint32_t i = 0; i < s->src.n_sets; i++)
			cJSON_AddItemToArray(sets, must(cJSON_CreateString(s->src.sets[i])));
	}
	/* The resolved description too: a target file that later changes, or
	 * a preset a newer nex revises, is then still known exactly. */
	char *full = nx_target_to_json(s->target);
	cJSON *fj = cJSON_Parse(full);
	free(full);
	if (fj)
		cJSON_AddItemToObject(t, "resolved", fj);
	return t;
}

static void hex_lines(cJSON *o, const nxw_step_spec *sp)
{
	if (!sp->line_hash)
		return;
	char *h = nx_xmalloc((size_t)sp->n_lines * 8 + 1);
	for (uint32_t i = 0; i < sp->n_lines; i++)
		snprintf(h + 8 * i, 9, "%08x", sp->line_hash[i]);
	h[(size_t)sp->n_lines * 8] = 0;
	must(cJSON_AddStringToObject(o, "line_hashes", h));
	free(h);
}

static char *session_json_at(nxw_session *s, bool with_hashes, const char *session_path)
{
	cJSON *root = must(cJSON_CreateObject());
	must(cJSON_AddNumberToObject(root, "nex_session", NXW_FILE_VERSION));
	cJSON_AddItemToObject(root, "model", source_json(s, session_path));
	cJSON_AddItemToObject(root, "target", target_json(s));
	char *pl = nxp_pipeline_str(&s->pl);
	must(cJSON_AddStringToObject(root, "pipeline", pl));
	free(pl);
	/* Passes defined at run time (Lua) travel with their source, so that a
	 * colleague without the file can replay the session. */
	cJSON *lua = must(cJSON_AddArrayToObject(root, "lua_passes"));
	for (uint32_t i = 0; i < s->pl.n; i++) {
		const nxp_pass *p = s->pl.inv[i].pass;
		bool seen = false;
		for (uint32_t j = 0; j < i; j++)
			seen |= s->pl.inv[j].pass == p;
		if (seen || !p->source)
			continue;
		cJSON *o = must(cJSON_CreateObject());
		must(cJSON_AddStringToObject(o, "name", p->name));
		must(cJSON_AddStringToObject(o, "file", p->file ? p->file : ""));
		must(cJSON_AddStringToObject(o, "source", p->source));
		cJSON_AddItemToArray(lua, o);
	}
	must(cJSON_AddNumberToObject(root, "seed", (double)s->seed));
	cJSON_AddItemToObject(root, "verify_each", must(cJSON_CreateBool(s->verify_each)));
	uint32_t n;
	nxw_step_spec *sp = nxw_specs(s, with_hashes, &n);
	cJSON *steps = must(cJSON_AddArrayToObject(root, "steps"));
	for (uint32_t k = 0; k < n; k++) {
		cJSON *o = must(cJSON_CreateObject());
		must(cJSON_AddStringToObject(o, "pass", sp[k].pass));
		if (k) {
			must(cJSON_AddNumberToObject(o, "inv", sp[k].inv));
			const char *opt = s->steps[k].options;
			if (opt)
				must(cJSON_AddStringToObject(o, "options", opt));
			must(cJSON_AddNumberToObject(o, "budget", (double)sp[k].budget));
			must(cJSON_AddNumberToObject(o, "base", sp[k].base));
		}
		if (with_hashes) {
			must(cJSON_AddStringToObject(o, "ir_sha256", sp[k].ir_sha256));
			hex_lines(o, &sp[k]);
		}
		cJSON_AddItemToArray(steps, o);
	}
	nxw_specs_free(sp, n);
	must(cJSON_AddNumberToObject(root, "cursor", s->cursor));
	must(cJSON_AddNumberToObject(root, "baseline", s->baseline));
	cJSON *notes = must(cJSON_AddArrayToObject(root, "notes"));
	for (uint32_t i = 0; i < s->n_notes; i++) {
		cJSON *o = must(cJSON_CreateObject());
		must(cJSON_AddNumberToObject(o, "op", s->notes[i].op));
		must(cJSON_AddNumberToObject(o, "step", s->notes[i].step));
		cJSON_AddItemToObject(o, "bookmark", must(cJSON_CreateBool(s->notes[i].bookmark)));
		must(cJSON_AddStringToObject(o, "text", s->notes[i].text));
		cJSON_AddItemToArray(notes, o);
	}
	cJSON *view = s->view_json ? cJSON_Parse(s->view_json) : NULL;
	cJSON_AddItemToObject(root, "view", view ? view : must(cJSON_CreateObject()));
	char *text = must(cJSON_Print(root));
	cJSON_Delete(root);
	size_t len = strlen(text);
	char *out = nx_xmalloc(len + 2);
	memcpy(out, text, len);
	out[len] = '\n';
	out[len + 1] = 0;
	cJSON_free(text);
	return out;
}

char *nxw_session_json(nxw_session *s, bool with_hashes)
{
	return session_json_at(s, with_hashes, s->path);
}

int nxw_save(nxw_session *s, const char *path, nx_err *err)
{
	char *text = session_json_at(s, true, path);
	int rc = nx_write_file_atomic(path, text, strlen(text), err);
	free(text);
	if (rc)
		return -1;
	/* The rename is durable only once the directory is on disk too. */
	char *d = dir_of(path);
	int fd = open(d, O_RDONLY | O_DIRECTORY);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(d);
	if (!s->path || strcmp(s->path, path)) {
		free(s->path);
		s->path = nx_xstrdup(path);
	}
	if (s->journal) {
		nxw_journal_close(s);
		if (nxw_journal_open(s, path, err))
			return -1;
	} else {
		char *jp = nx_xmalloc(strlen(path) + 9);
		sprintf(jp, "%s.journal", path);
		unlink(jp); /* the saved file is now the newest state */
		free(jp);
	}
	return 0;
}

/* ---- reading ------------------------------------------------------------- */

/* A field of o, with a located error when it is missing or of the wrong
 * type: "f.nex.json: steps[3].budget: expected a number". */
typedef struct reader {
	const char *file;
	nx_err *err;
	bool failed;
} reader;

static cJSON *field(reader *r, const cJSON *o, const char *where, const char *key, int type,
		    bool optional)
{
	if (r->failed)
		return NULL;
	cJSON *f = cJSON_GetObjectItemCaseSensitive(o, key);
	if (!f && optional)
		return NULL;
	static const struct { int t; const char *name; } names[] = {
		{cJSON_Number, "a number"}, {cJSON_String, "a string"}, {cJSON_Array, "an array"},
		{cJSON_Object, "an object"}, {cJSON_True | cJSON_False, "true or false"},
	};
	if (f && (f->type & 0xff & type))
		return f;
	const char *want = "a value";
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (names[i].t == type)
			want = names[i].name;
	nx_err_set(r->err, "%s: %s%s%s: %s %s", r->file, where, *where ? "." : "", key,
		   f ? "expected" : "missing, expected", want);
	r->failed = true;
	return NULL;
}

static bool whole(double v, double lo, double hi)
{
	return v >= lo && v <= hi && v == (double)(int64_t)v;
}

static int64_t num(reader *r, const cJSON *o, const char *where, const char *key, double lo,
		   double hi, int64_t def, bool optional)
{
	cJSON *f = field(r, o, where, key, cJSON_Number, optional);
	if (!f)
		return def;
	if (!whole(f->valuedouble, lo, hi)) {
		nx_err_set(r->err, "%s: %s.%s: %g is not a whole number in [%g, %g]", r->file,
			   where, key, f->valuedouble, lo, hi);
		r->failed = true;
		return def;
	}
	return (int64_t)f->valuedouble;
}

static int read_source(reader *r, const cJSON *root, const char *session_path,
		       const nxw_load_opts *o, nxw_source *src, char *saved_sha,
		       nxw_load_report *rep)
{
	cJSON *m = field(r, root, "", "model", cJSON_Object, false);
	cJSON *p = field(r, m, "model", "path", cJSON_String, false);
	cJSON *sha = field(r, m, "model", "sha256", cJSON_String, false);
	cJSON *shapes = field(r, m, "model", "shapes", cJSON_Array, true);
	cJSON *narrow = field(r, m, "model", "f64_as_f32", cJSON_True | cJSON_False, true);
	if (r->failed)
		return -1;
	src->f64_as_f32 = narrow && cJSON_IsTrue(narrow);
	snprintf(saved_sha, 65, "%s", sha->valuestring);
	src->model = o && o->model ? nx_xstrdup(o->model) : resolve_from(session_path, p->valuestring);
	int i = 0;
	cJSON *it;
	cJSON_ArrayForEach(it, shapes) {
		char where[48];
		snprintf(where, sizeof where, "model.shapes[%d]", i++);
		cJSON *nm = field(r, it, where, "name", cJSON_String, false);
		cJSON *dims = field(r, it, where, "dims", cJSON_Array, false);
		if (r->failed)
			return -1;
		nx_shape_bind b = {0};
		cJSON *d;
		cJSON_ArrayForEach(d, dims) {
			if (!cJSON_IsNumber(d) || !whole(d->valuedouble, 1, 1e15) ||
			    b.rank >= NX_MAX_RANK) {
				nx_err_set(r->err, "%s: %s.dims: positive whole numbers, at most %d",
					   r->file, where, NX_MAX_RANK);
				return -1;
			}
			b.dims[b.rank++] = (int64_t)d->valuedouble;
		}
		b.name = nx_xstrdup(nm->valuestring);
		src->binds = nx_xrealloc(src->binds, (src->n_binds + 1) * sizeof *src->binds);
		src->binds[src->n_binds++] = b;
	}
	/* --const texts and --unroll-limit (optional: older files lack them);
	 * the texts are read when the model is imported */
	cJSON *consts = field(r, m, "model", "consts", cJSON_Array, true);
	cJSON *unroll = field(r, m, "model", "unroll_limit", cJSON_Number, true);
	if (r->failed)
		return -1;
	i = 0;
	cJSON_ArrayForEach(it, consts) {
		if (!cJSON_IsString(it)) {
			nx_err_set(r->err, "%s: model.consts[%d]: expected a string NAME=V,...",
				   r->file, i);
			return -1;
		}
		i++;
		src->consts = nx_xrealloc(src->consts, (src->n_consts + 1) * sizeof *src->consts);
		src->consts[src->n_consts++] = nx_xstrdup(it->valuestring);
	}
	if (unroll) {
		if (!whole(unroll->valuedouble, 1, 1e6)) {
			nx_err_set(r->err, "%s: model.unroll_limit: a whole number from 1 to 1000000",
				   r->file);
			return -1;
		}
		src->unroll_limit = (uint32_t)unroll->valuedouble;
	}
	struct stat st;
	if (strcmp(src->model, "demo") && (stat(src->model, &st) != 0 || access(src->model, R_OK))) {
		nx_err_set(r->err, "%s: the model %s (saved as '%s') cannot be read: %s; if it "
			   "moved, point at it with --model NEWPATH", r->file, src->model,
			   p->valuestring, strerror(errno));
		return -1;
	}
	if (strcmp(src->model, "demo") && !S_ISREG(st.st_mode)) {
		nx_err_set(r->err, "%s: the model %s is not a regular file", r->file, src->model);
		return -1;
	}
	(void)rep;
	return 0;
}

static int read_target(reader *r, const cJSON *root, nxw_source *src, nx_target *t,
		       bool *has)
{
	cJSON *tj = cJSON_GetObjectItemCaseSensitive(root, "target");
	*has = false;
	if (!tj || cJSON_IsNull(tj))
		return 0;
	if (!cJSON_IsObject(tj)) {
		nx_err_set(r->err, "%s: target: expected an object or null", r->file);
		return -1;
	}
	*has = true;
	cJSON *spec = field(r, tj, "target", "spec", cJSON_String, true);
	cJSON *sets = field(r, tj, "target", "set", cJSON_Array, true);
	if (r->failed)
		return -1;
	if (spec) {
		src->target = nx_xstrdup(spec->valuestring);
		cJSON *it;
		cJSON_ArrayForEach(it, sets) {
			if (!cJSON_IsString(it)) {
				nx_err_set(r->err, "%s: target.set: expected strings FIELD=VALUE",
					   r->file);
				return -1;
			}
			nxw_source_add_set(src, it->valuestring);
		}
		return nxw_source_target(src, t, r->err) ? (nx_err_prefix(r->err, "%s: ", r->file), -1)
							 : 0;
	}
	cJSON *res = field(r, tj, "target", "resolved", cJSON_Object, false);
	if (!res)
		return -1;
	char *txt = must(cJSON_PrintUnformatted(res));
	int rc = nx_target_from_json(txt, strlen(txt), r->file, t, r->err);
	cJSON_free(txt);
	return rc;
}

static int read_specs(reader *r, const cJSON *root, nxw_step_spec **out, uint32_t *n,
		      uint32_t n_inv)
{
	cJSON *steps = field(r, root, "", "steps", cJSON_Array, false);
	if (!steps)
		return -1;
	int count = cJSON_GetArraySize(steps);
	if (count < 1) {
		nx_err_set(r->err, "%s: steps: at least step 0 (the model) is needed", r->file);
		return -1;
	}
	nxw_step_spec *sp = nx_xcalloc((size_t)count, sizeof *sp);
	*out = sp;
	*n = (uint32_t)count;
	int k = 0;
	cJSON *it;
	cJSON_ArrayForEach(it, steps) {
		char where[32];
		snprintf(where, sizeof where, "steps[%d]", k);
		nxw_step_spec *s = &sp[k];
		cJSON *pass = field(r, it, where, "pass", cJSON_String, false);
		cJSON *sha = field(r, it, where, "ir_sha256", cJSON_String, true);
		cJSON *lh = field(r, it, where, "line_hashes", cJSON_String, true);
		if (r->failed)
			return -1;
		snprintf(s->pass, sizeof s->pass, "%s", pass->valuestring);
		if (sha)
			snprintf(s->ir_sha256, sizeof s->ir_sha256, "%s", sha->valuestring);
		s->inv = -1;
		s->budget = -1;
		if (k) {
			s->inv = (int32_t)num(r, it, where, "inv", 0, n_inv ? n_inv - 1 : 0, 0, false);
			s->budget = num(r, it, where, "budget", -1, 1e15, -1, false);
			s->base = (uint32_t)num(r, it, where, "base", 0, k - 1, 0, false);
			if (!r->failed && n_inv == 0) {
				nx_err_set(r->err, "%s: %s: the pipeline is empty", r->file, where);
				r->failed = true;
			}
		}
		if (lh && strlen(lh->valuestring) % 8 == 0) {
			s->n_lines = (uint32_t)(strlen(lh->valuestring) / 8);
			s->line_hash = nx_xmalloc((size_t)(s->n_lines + 1) * sizeof *s->line_hash);
			for (uint32_t i = 0; i < s->n_lines; i++) {
				char h[9];
				memcpy(h, lh->valuestring + 8 * i, 8);
				h[8] = 0;
				s->line_hash[i] = (uint32_t)strtoul(h, NULL, 16);
			}
		}
		if (r->failed)
			return -1;
		k++;
	}
	return 0;
}

int nxw_replay_specs(nxw_session *s, const nxw_step_spec *specs, uint32_t n, nx_err *err)
{
	for (uint32_t k = 1; k < n; k++) {
		const nxw_step_spec *sp = &specs[k];
		if (sp->inv < 0 || (uint32_t)sp->inv >= s->pl.n || sp->base >= s->n_steps) {
			nx_err_set(err, "step %u: invocation %d or base step %u does not exist", k,
				   sp->inv, sp->base);
			return -1;
		}
		if (!s->steps[sp->base].ok) {
			nx_err_set(err, "step %u: runs from step %u, which failed: %s", k, sp->base,
				   s->steps[sp->base].error);
			return -1;
		}
		if (nxw_progress_tick(s, "load", k - 1, n - 1, sp->pass, err))
			return NXW_CANCELLED;
		nx_err e2;
		int rc = nxw_push_step(s, sp->inv, sp->base, sp->budget, &e2);
		if (rc && k + 1 < n) {
			nx_err_set(err, "step %u (%s) failed on replay: %s", k, sp->pass, e2.msg);
			return -1;
		}
	}
	return 0;
}

static void compare(nxw_session *s, const nxw_step_spec *sp, uint32_t n, bool keep_going,
		    nxw_load_report *rep)
{
	for (uint32_t k = 0; k < n && k < s->n_steps; k++) {
		if (!sp[k].ir_sha256[0])
			continue;
		const char *t = nxw_text(s, k);
		char h[65];
		nxw_sha256_text(t, strlen(t), h);
		if (!strcmp(h, sp[k].ir_sha256))
			continue;
		nxw_mismatch mm = {0};
		mm.step = k;
		snprintf(mm.pass, sizeof mm.pass, "%s", sp[k].pass);
		uint32_t nl;
		uint32_t *now = line_hashes(t, &nl);
		if (now && sp[k].line_hash) {
			uint32_t i = 0;
			while (i < nl && i < sp[k].n_lines && now[i] == sp[k].line_hash[i])
				i++;
			mm.line = i + 1;
			const char *p = t;
			for (uint32_t j = 0; j < i && p; j++) {
				p = strchr(p, '\n');
				p = p ? p + 1 : NULL;
			}
			if (p) {
				const char *e = strchr(p, '\n');
				size_t len = e ? (size_t)(e - p) : strlen(p);
				while (len && (*p == ' ' || *p == '\t'))
					p++, len--;
				snprintf(mm.first_line, sizeof mm.first_line, "%.*s", (int)len, p);
			}
		}
		free(now);
		rep->m = nx_xrealloc(rep->m, (rep->n + 1) * sizeof *rep->m);
		rep->m[rep->n++] = mm;
		if (!keep_going)
			return;
	}
}

nxw_session *nxw_load_mem(const char *path, const char *text, size_t len,
			  const nxw_load_opts *o, nxw_load_report *rep, nx_err *err)
{
	reader r = {path, err, false};
	if (rep)
		memset(rep, 0, sizeof *rep);
	cJSON *root = cJSON_ParseWithLength(text, len);
	if (!root) {
		const char *at = cJSON_GetErrorPtr();
		int line = 1;
		for (const char *p = text; at && p < at && p < text + len; p++)
			line += *p == '\n';
		nx_err_set(err, "%s:%d: not valid JSON", path, line);
		return NULL;
	}
	nxw_session *s = NULL;
	nxw_source src = {0};
	nxw_step_spec *sp = NULL;
	uint32_t n_sp = 0;
	cJSON *ver = cJSON_GetObjectItemCaseSensitive(root, "nex_session");
	if (!cJSON_IsObject(root) || !ver || !cJSON_IsNumber(ver)) {
		nx_err_set(err, "%s: not a nex session file (no \"nex_session\" version)", path);
		goto fail;
	}
	if (ver->valuedouble != NXW_FILE_VERSION) {
		nx_err_set(err, "%s: session format version %g; this nex reads version %d%s", path,
			   ver->valuedouble, NXW_FILE_VERSION,
			   ver->valuedouble > NXW_FILE_VERSION ? " (written by a newer nex)"
							       : " (no converter for it)");
		goto fail;
	}
	char saved_sha[65];
	if (read_source(&r, root, path, o, &src, saved_sha, rep))
		goto fail;
	nx_target t;
	bool has_target;
	if (read_target(&r, root, &src, &t, &has_target))
		goto fail;
	cJSON *pl = field(&r, root, "", "pipeline", cJSON_String, false);
	if (!pl)
		goto fail;
	nx_graph *g = nxw_source_load(&src, err);
	if (!g) {
		nx_err_prefix(err, "%s: ", path);
		goto fail;
	}
	if (saved_sha[0] && strcmp(saved_sha, src.sha256)) {
		if (!(o && o->model)) {
			nx_err_set(err, "%s: the model %s changed since the session was saved "
				   "(sha256 %.12s..., now %.12s...); to replay on it as it is now, "
				   "pass --model %s", path, src.model, saved_sha, src.sha256,
				   src.model);
			nx_graph_free(g);
			goto fail;
		}
		if (rep)
			snprintf(rep->warning, sizeof rep->warning, "the model %s is not the one "
				 "saved (sha256 %.12s..., saved %.12s...)", src.model, src.sha256,
				 saved_sha);
	}
	s = nxw_session_new(g);
	s->src = src;
	s->catalog = o ? o->catalog : NULL;
	if (o)
		nxw_set_progress(s, o->progress, o->progress_ctx);
	memset(&src, 0, sizeof src);
	if (has_target) {
		s->own_target = t;
		nxw_set_target(s, &s->own_target);
	}
	if (nxw_set_pipeline(s, pl->valuestring, err)) {
		nx_err_prefix(err, "%s: pipeline: ", path);
		goto fail;
	}
	s->seed = (uint64_t)num(&r, root, "", "seed", 0, 9007199254740992.0, 1, true);
	cJSON *ve = field(&r, root, "", "verify_each", cJSON_True | cJSON_False, true);
	if (ve)
		s->verify_each = cJSON_IsTrue(ve);
	if (read_specs(&r, root, &sp, &n_sp, s->pl.n))
		goto fail;
	uint32_t cursor = (uint32_t)num(&r, root, "", "cursor", 0, n_sp - 1, 0, false);
	uint32_t baseline = (uint32_t)num(&r, root, "", "baseline", 0, n_sp - 1, 0, true);
	cJSON *notes = field(&r, root, "", "notes", cJSON_Array, true);
	cJSON *view = field(&r, root, "", "view", cJSON_Object, true);
	if (r.failed)
		goto fail;
	int i = 0;
	cJSON *it;
	cJSON_ArrayForEach(it, notes) {
		char where[32];
		snprintf(where, sizeof where, "notes[%d]", i++);
		uint32_t op = (uint32_t)num(&r, it, where, "op", 0, UINT32_MAX - 1, 0, false);
		uint32_t step = (uint32_t)num(&r, it, where, "step", 0, n_sp - 1, 0, true);
		cJSON *bm = field(&r, it, where, "bookmark", cJSON_True | cJSON_False, true);
		cJSON *tx = field(&r, it, where, "text", cJSON_String, false);
		if (r.failed)
			goto fail;
		nxw_note_add(s, op, bm && cJSON_IsTrue(bm), tx->valuestring);
		s->notes[s->n_notes - 1].step = step;
	}
	if (view) {
		char *v = must(cJSON_PrintUnformatted(view));
		nxw_set_view(s, v);
		cJSON_free(v);
	}
	if (nxw_replay_specs(s, sp, n_sp, err)) {
		nx_err_prefix(err, "%s: ", path);
		goto fail;
	}
	if (rep) {
		rep->steps = s->n_steps;
		compare(s, sp, n_sp, o && o->keep_going, rep);
	}
	s->cursor = cursor < s->n_steps ? cursor : s->n_steps - 1;
	s->baseline = baseline < s->n_steps ? baseline : 0;
	s->path = nx_xstrdup(path);
	nxw_specs_free(sp, n_sp);
	cJSON_Delete(root);
	return s;
fail:
	nxw_specs_free(sp, n_sp);
	nxw_source_free(&src);
	nxw_session_free(s);
	cJSON_Delete(root);
	return NULL;
}

int nxw_file_lua_passes(const char *text, size_t len, nxw_lua_source **out, uint32_t *n)
{
	*out = NULL;
	*n = 0;
	cJSON *root = cJSON_ParseWithLength(text, len);
	cJSON *arr = root ? cJSON_GetObjectItemCaseSensitive(root, "lua_passes") : NULL, *it;
	cJSON_ArrayForEach(it, arr) {
		cJSON *nm = cJSON_GetObjectItemCaseSensitive(it, "name");
		cJSON *fl = cJSON_GetObjectItemCaseSensitive(it, "file");
		cJSON *src = cJSON_GetObjectItemCaseSensitive(it, "source");
		if (!cJSON_IsString(nm) || !cJSON_IsString(src))
			continue;
		*out = nx_xrealloc(*out, (*n + 1) * sizeof **out);
		(*out)[(*n)++] = (nxw_lua_source){nx_xstrdup(nm->valuestring),
			nx_xstrdup(cJSON_IsString(fl) ? fl->valuestring : ""), nx_xstrdup(src->valuestring)};
	}
	cJSON_Delete(root);
	return 0;
}

void nxw_lua_sources_free(nxw_lua_source *l, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		free(l[i].name);
		free(l[i].file);
		free(l[i].source);
	}
	free(l);
}

nxw_session *nxw_load(const char *path, const nxw_load_opts *o, nxw_load_report *rep,
		      nx_err *err)
{
	if (rep)
		memset(rep, 0, sizeof *rep);
	char *text;
	if (o && o->from_journal) {
		text = nxw_journal_last(path);
		if (!text) {
			nx_err_set(err, "%s: no journal to recover from (%s.journal)", path, path);
			return NULL;
		}
	} else {
		size_t len;
		text = nx_read_file(path, &len, err);
		if (!text)
			return NULL;
	}
	nxw_session *s = nxw_load_mem(path, text, strlen(text), o, rep, err);
	free(text);
	return s;
}
