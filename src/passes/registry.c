/* registry.c — the pass catalogue (one descriptor per file, listed here) and
 * pipelines: parsing "a,b{k=v},-c" into invocations and printing them back.
 * Lua passes join through a catalog (catalog.c) and a trampoline. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "nxp.h"

#define PASSES(X) \
	X(infer_shapes) X(verify) X(fold_constants) X(canonicalize) X(cse) X(dce) \
	X(fold_batchnorm) X(fuse_patterns) X(fuse_activation) X(cancel_transposes) \
	X(to_fp16) X(quantize_int8) X(fold_qdq) X(partition) X(layout_ne) X(tile) X(schedule) \
	X(plan_memory)

#define DECL(n) extern const nxp_pass nxp_pass_##n;
PASSES(DECL)
#undef DECL

const nxp_pass *const nxp_passes[] = {
#define REF(n) &nxp_pass_##n,
	PASSES(REF)
#undef REF
	NULL
};

/* The order a compiler engineer would pick: clean up and fold first, so the
 * fusions see canonical patterns; cancel transposes before fusing (a
 * transpose between a conv and its activation blocks the fusion); fuse;
 * clean up what fusion left. Then the target-level passes on the final set
 * of ops: place (partition) before choosing layouts (CPU ops keep plain
 * ones), layouts before tiling (padding counts in a working set), schedule
 * on the final sizes, and plan memory last, on the final order.
 * Lossy passes (to-fp16, quantize-int8) are opt-in. */
const char nxp_default_pipeline[] =
	"infer-shapes,fold-constants,canonicalize,cse,cancel-transposes,fold-batchnorm,"
	"fuse-patterns,fuse-activation,canonicalize,dce,partition,layout-ne,tile,schedule,"
	"plan-memory,verify";

const nxp_pass *nxp_find(const char *name)
{
	for (int i = 0; nxp_passes[i]; i++)
		if (!strcmp(nxp_passes[i]->name, name))
			return nxp_passes[i];
	return NULL;
}

void nxp_pipeline_free(nxp_pipeline *pl)
{
	for (uint32_t i = 0; i < pl->n; i++)
		free(pl->inv[i].options);
	free(pl->inv);
	memset(pl, 0, sizeof *pl);
}

static int add(nxp_pipeline *pl, const char *s, size_t len, const nxp_catalog *cat,
	       nx_err *err)
{
	while (len && isspace((unsigned char)*s))
		s++, len--;
	while (len && isspace((unsigned char)s[len - 1]))
		len--;
	if (!len)
		return 0;
	bool enabled = true;
	if (*s == '-') {
		enabled = false;
		s++, len--;
	}
	const char *brace = memchr(s, '{', len);
	size_t nl = brace ? (size_t)(brace - s) : len;
	char name[64];
	if (nl >= sizeof name || nl == 0) {
		nx_err_set(err, "pipeline: bad pass name '%.*s'", (int)len, s);
		return -1;
	}
	memcpy(name, s, nl);
	name[nl] = 0;
	const nxp_pass *p = nxp_catalog_find(cat, name);
	if (!p) {
		char known[1024] = "";
		for (int i = 0; nxp_passes[i]; i++)
			snprintf(known + strlen(known), sizeof known - strlen(known), "%s%s",
				 i ? ", " : "", nxp_passes[i]->name);
		for (uint32_t i = 0; cat && i < cat->n; i++)
			snprintf(known + strlen(known), sizeof known - strlen(known), ", %s",
				 cat->extra[i]->name);
		nx_err_set(err, "pipeline: unknown pass '%s' (passes: %s)", name, known);
		return -1;
	}
	char *opts = NULL;
	if (brace) {
		if (s[len - 1] != '}') {
			nx_err_set(err, "pipeline: '%.*s': options must end with '}'", (int)len, s);
			return -1;
		}
		size_t ol = len - nl - 2;
		opts = nx_xmalloc(ol + 1);
		memcpy(opts, brace + 1, ol);
		opts[ol] = 0;
		nxp_ctx probe; /* validate the options now, not when the pass runs */
		nxp_ctx_init(&probe, p, -1);
		int rc = nxp_ctx_set_options(&probe, opts);
		if (rc)
			memcpy(err->msg, probe.err.msg, sizeof err->msg);
		nxp_ctx_free(&probe);
		if (rc) {
			free(opts);
			return -1;
		}
	}
	nx_grow((void **)&pl->inv, &pl->cap, pl->n + 1, sizeof *pl->inv);
	pl->inv[pl->n++] = (nxp_invocation){p, opts, enabled};
	return 0;
}

int nxp_pipeline_parse(nxp_pipeline *pl, const char *text, nx_err *err)
{
	return nxp_pipeline_parse_in(pl, text, NULL, err);
}

int nxp_pipeline_parse_in(nxp_pipeline *pl, const char *text, const nxp_catalog *cat,
			  nx_err *err)
{
	const char *start = text;
	int depth = 0;
	for (const char *p = text;; p++) {
		if (*p == '{')
			depth++;
		else if (*p == '}')
			depth--;
		if ((*p == ',' && depth == 0) || *p == 0) {
			/* `default` stands for the default pipeline wherever it is a
			 * member: `default,to-fp16` is what one types to try a pass
			 * after it */
			size_t len = (size_t)(p - start);
			int rc = len == 7 && !memcmp(start, "default", 7)
				 ? nxp_pipeline_parse_in(pl, nxp_default_pipeline, cat, err)
				 : add(pl, start, len, cat, err);
			if (rc != 0)
				return -1;
			if (!*p)
				break;
			start = p + 1;
		}
	}
	return 0;
}

char *nxp_pipeline_str(const nxp_pipeline *pl)
{
	size_t cap = 64, n = 0;
	char *s = nx_xmalloc(cap);
	s[0] = 0;
	for (uint32_t i = 0; i < pl->n; i++) {
		const nxp_invocation *v = &pl->inv[i];
		size_t need = n + strlen(v->pass->name) + (v->options ? strlen(v->options) : 0) + 8;
		if (need > cap) {
			cap = need * 2;
			s = nx_xrealloc(s, cap);
		}
		n += (size_t)snprintf(s + n, cap - n, "%s%s%s%s%s%s", i ? "," : "",
				      v->enabled ? "" : "-", v->pass->name,
				      v->options ? "{" : "", v->options ? v->options : "",
				      v->options ? "}" : "");
	}
	return s;
}
