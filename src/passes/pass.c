/* pass.c — the pass context: options, statistics, remarks, origins dropped
 * by rewrites, the rewrite budget, and running a pass with a timer. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "nxp.h"

void nxp_ctx_init(nxp_ctx *ctx, const nxp_pass *p, int64_t budget)
{
	memset(ctx, 0, sizeof *ctx);
	ctx->pass = p;
	ctx->budget = budget;
	ctx->last_op = NX_NONE;
}

void nxp_ctx_free(nxp_ctx *ctx)
{
	for (uint32_t i = 0; i < ctx->n_opts; i++) {
		free(ctx->opt_names[i]);
		free(ctx->opt_values[i]);
	}
	free(ctx->opt_names);
	free(ctx->opt_values);
	for (uint32_t i = 0; i < ctx->n_remarks; i++)
		free(ctx->remarks[i]);
	free(ctx->remarks);
	for (uint32_t i = 0; i < ctx->n_drops; i++)
		free(ctx->drops[i].origin);
	free(ctx->drops);
	nxp_place_free(ctx->resume);
	nxp_place_free(ctx->place);
	ctx->resume = ctx->place = NULL;
	ctx->drops = NULL;
	ctx->n_drops = ctx->cap_drops = 0;
	ctx->opt_names = ctx->opt_values = ctx->remarks = NULL;
	ctx->n_opts = ctx->n_remarks = ctx->cap_remarks = 0;
}

static const nxp_option *find_option(const nxp_pass *p, const char *name, size_t len)
{
	for (const nxp_option *o = p->options; o && o->name; o++)
		if (strlen(o->name) == len && !memcmp(o->name, name, len))
			return o;
	return NULL;
}

static bool valid_value(const nxp_option *o, const char *v)
{
	char *end;
	switch (o->kind) {
	case NXP_INT:
		strtoll(v, &end, 10);
		return *v && !*end;
	case NXP_FLOAT:
		strtod(v, &end);
		return *v && !*end;
	case NXP_BOOL:
		return !strcmp(v, "true") || !strcmp(v, "false") || !strcmp(v, "1") ||
		       !strcmp(v, "0");
	default:
		return true;
	}
}

int nxp_ctx_set_options(nxp_ctx *ctx, const char *text)
{
	const char *p = text;
	while (p && *p) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		const char *eq = memchr(p, '=', len);
		if (!eq) {
			nx_err_set(&ctx->err, "pass %s: option '%.*s' needs a value (name=value)",
				   ctx->pass->name, (int)len, p);
			return -1;
		}
		const nxp_option *o = find_option(ctx->pass, p, (size_t)(eq - p));
		if (!o) {
			char known[512] = "";
			for (const nxp_option *k = ctx->pass->options; k && k->name; k++)
				snprintf(known + strlen(known), sizeof known - strlen(known), "%s%s",
					 known[0] ? ", " : "", k->name);
			nx_err_set(&ctx->err, "pass %s has no option '%.*s' (options: %s)",
				   ctx->pass->name, (int)(eq - p), p, known[0] ? known : "none");
			return -1;
		}
		size_t vl = len - (size_t)(eq - p) - 1;
		char *val = nx_xmalloc(vl + 1);
		memcpy(val, eq + 1, vl);
		val[vl] = 0;
		if (!valid_value(o, val)) {
			nx_err_set(&ctx->err, "pass %s: option %s: '%s' is not a valid %s",
				   ctx->pass->name, o->name, val,
				   o->kind == NXP_INT ? "integer" : o->kind == NXP_FLOAT ? "number" : "boolean");
			free(val);
			return -1;
		}
		uint32_t n = ctx->n_opts + 1;
		ctx->opt_names = nx_xrealloc(ctx->opt_names, n * sizeof *ctx->opt_names);
		ctx->opt_values = nx_xrealloc(ctx->opt_values, n * sizeof *ctx->opt_values);
		ctx->opt_names[ctx->n_opts] = nx_xstrdup(o->name);
		ctx->opt_values[ctx->n_opts] = val;
		ctx->n_opts = n;
		p = end ? end + 1 : NULL;
	}
	return 0;
}

/* The value given, else the option's default; an option a pass reads must be
 * declared (a typo in a pass is a bug, caught here). */
static const char *opt_text(const nxp_ctx *ctx, const char *name)
{
	for (uint32_t i = ctx->n_opts; i-- > 0;)
		if (!strcmp(ctx->opt_names[i], name))
			return ctx->opt_values[i];
	const nxp_option *o = find_option(ctx->pass, name, strlen(name));
	if (!o)
		nx_die("internal error: pass %s reads undeclared option %s", ctx->pass->name, name);
	return o->def;
}

int64_t nxp_opt_int(const nxp_ctx *ctx, const char *name)
{
	return strtoll(opt_text(ctx, name), NULL, 10);
}

double nxp_opt_float(const nxp_ctx *ctx, const char *name)
{
	return strtod(opt_text(ctx, name), NULL);
}

bool nxp_opt_bool(const nxp_ctx *ctx, const char *name)
{
	const char *v = opt_text(ctx, name);
	return !strcmp(v, "true") || !strcmp(v, "1");
}

const char *nxp_opt_str(const nxp_ctx *ctx, const char *name)
{
	return opt_text(ctx, name);
}

bool nxp_rewrite(nxp_ctx *ctx, uint32_t root_op)
{
	if (ctx->stopped || (ctx->budget >= 0 && ctx->rewrites >= ctx->budget)) {
		ctx->stopped = true;
		return false;
	}
	ctx->rewrites++;
	ctx->last_op = root_op;
	return true;
}

void nxp_stat_add(nxp_ctx *ctx, const char *name, int64_t n)
{
	for (uint32_t i = 0; i < ctx->n_stats; i++)
		if (!strcmp(ctx->stats[i].name, name)) {
			ctx->stats[i].value += n;
			return;
		}
	if (ctx->n_stats < sizeof ctx->stats / sizeof ctx->stats[0])
		ctx->stats[ctx->n_stats++] = (nxp_stat){name, n};
}

void nxp_drop_origin(nxp_ctx *ctx, const nx_graph *g, uint32_t op, const char *why)
{
	if (!ctx) /* an edit outside any pass (a Lua script on a clone): no step to tell */
		return;
	const nx_op *p = &g->ops[op];
	nx_grow((void **)&ctx->drops, &ctx->cap_drops, ctx->n_drops + p->n_origin,
		sizeof *ctx->drops);
	for (uint32_t i = 0; i < p->n_origin; i++)
		ctx->drops[ctx->n_drops++] = (nxp_drop){
			nx_xstrdup(nx_cstr(g, nx_op_origin(g, op)[i])), op, why};
}

void nxp_remark(nxp_ctx *ctx, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	nx_grow((void **)&ctx->remarks, &ctx->cap_remarks, ctx->n_remarks + 1,
		sizeof *ctx->remarks);
	ctx->remarks[ctx->n_remarks++] = nx_xstrdup(buf);
}

int nxp_run(const nxp_pass *p, nx_graph *g, nxp_ctx *ctx)
{
	ctx->pass = p;
	double t0 = nx_now();
	int rc = p->run(g, ctx);
	ctx->seconds = nx_now() - t0;
	if (rc != 0 && !ctx->err.msg[0])
		nx_err_set(&ctx->err, "pass %s failed", p->name);
	return rc;
}
