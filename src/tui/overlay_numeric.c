/* overlay_numeric.c — the numeric overlay (`o` until "numeric", or
 * :overlay numeric): each op of the IR view (and the Graph view's boxes)
 * coloured by the numeric debugger's verdict on its results, the cursor
 * step against step 0 on the session's seeded inputs: pass, warn (passes
 * Ascend's bounds but cosine < 0.9999, fp16 overflow or NaN), fail, or
 * unmatched (no step-0 counterpart, not compared). Each verdict also has
 * its own gutter glyph, so the overlay reads without colour (NO_COLOR) and
 * in 8 colours. The selected op's figures go to the Op pane. The result is
 * the session's per-step cache (nxw_step_numeric): the first look at a step
 * runs the model twice, later looks cost nothing. */
#include <math.h>
#include <string.h>

#include "nxt.h"

/* propagated mode only: shadow mode doubles the work and the overlay shows
 * where the error is, not who added it alone */
static const nxw_debug_opts opts = {.shadow = false};

const nxw_numdebug *nxt_numeric(nxt_app *a, nx_err *err)
{
	return nxw_step_numeric(a->s, a->s->cursor, 0, &opts, err);
}

static const struct {
	uint32_t glyph;
	int color;
	const char *label;
} look[] = {
	[NXW_VERDICT_PASS] = {'=', NXT_C_OK, "pass"},
	[NXW_VERDICT_WARN] = {'!', NXT_C_WARN, "warn"},
	[NXW_VERDICT_FAIL] = {'X', NXT_C_ERROR, "fail"},
	[NXW_VERDICT_UNMATCHED] = {'?', NXT_C_DIM, "unmatched"},
};

/* The op's verdict: the worst over its results (fail > warn > pass >
 * unmatched), -1 if the op has no row. */
static int verdict(const nxw_numdebug *d, uint32_t op, const nxw_opnum **row)
{
	static const int rank[] = {1, 2, 3, 0}; /* by NXW_VERDICT_* */
	int best = -1;
	*row = NULL;
	for (uint32_t i = 0; i < d->n; i++) {
		if (d->ops[i].op != op)
			continue;
		int v = nxw_num_verdict(&d->ops[i], &d->limits);
		if (best < 0 || rank[v] > rank[best]) {
			best = v;
			*row = &d->ops[i];
		}
	}
	return best;
}

int nxt_numeric_color(const nxw_numdebug *d, uint32_t op, uint32_t *glyph)
{
	const nxw_opnum *m;
	int v = verdict(d, op, &m);
	if (v < 0)
		return -1;
	*glyph = look[v].glyph;
	return look[v].color;
}

void nxt_numeric_legend(nxt_app *a, const nxw_numdebug *d, int y, int x, int w)
{
	nxt_canvas *c = &a->cv;
	int cx = x + nxt_putf(c, y, x, w, NXT_C_TITLE, "numeric vs step %u: ", d->against);
	for (int v = 0; v < 4 && cx < x + w; v++) {
		nxt_cell_set(c, y, cx++, look[v].glyph, look[v].color);
		cx += nxt_putf(c, y, cx, x + w - cx, NXT_C_DIM, "%s ", look[v].label);
	}
	nxt_put(c, y, cx, x + w - cx, NXT_C_DIM, "(o: next)");
}

/* x as the debugger's table writes it: "-" when not measured */
static const char *num(char *b, size_t n, double x, int digits, bool fixed)
{
	if (isnan(x))
		snprintf(b, n, "-");
	else if (isinf(x))
		snprintf(b, n, "%sinf", x < 0 ? "-" : "");
	else if (fixed)
		snprintf(b, n, "%.*f", digits, x);
	else
		snprintf(b, n, "%.*g", digits, x);
	return b;
}

int nxt_numeric_detail(nxt_app *a, nxt_rect r, int y, uint32_t op)
{
	nx_err err;
	const nxw_numdebug *d = nxt_numeric(a, &err);
	if (y >= r.y + r.h)
		return y;
	if (!d) {
		nxt_putf(&a->cv, y++, r.x, r.w, NXT_C_ERROR, "numeric: %s", err.msg);
		return y;
	}
	const nxw_opnum *m;
	int v = verdict(d, op, &m);
	if (v < 0)
		return y;
	const nx_graph *g0 = a->s->steps[d->against].snap;
	char c1[32], c2[32], c3[32], c4[32];
	if (v == NXW_VERDICT_UNMATCHED) {
		nxt_putf(&a->cv, y++, r.x, r.w, NXT_C_DIM,
			 "numeric: unmatched (no step-%u value: not compared)%s", d->against,
			 m->nan + m->inf ? ", holds NaN/inf" : "");
		return y;
	}
	nxt_putf(&a->cv, y++, r.x, r.w, look[v].color, "numeric %s: cos %s  max abs %s",
		 look[v].label, num(c1, sizeof c1, m->cosine, 7, true),
		 num(c2, sizeof c2, m->max_abs, 3, false));
	if (y < r.y + r.h)
		nxt_putf(&a->cv, y++, r.x, r.w, NXT_C_NUMBER,
			 "max rel %s  SNR %s dB  fp16 ovf %lld  NaN/inf %lld  wSQNR %s",
			 num(c3, sizeof c3, m->max_rel, 3, false), num(c1, sizeof c1, m->snr_db, 1, true),
			 (long long)m->overflow_f16, (long long)(m->nan + m->inf),
			 num(c4, sizeof c4, m->sqnr_db, 1, true));
	if (y < r.y + r.h)
		nxt_putf(&a->cv, y++, r.x, r.w, NXT_C_DIM, "vs step %u %%%s (matched by %s)",
			 d->against, nx_vname(g0, m->ref_value), nxw_match_name(m->match));
	if (y < r.y + r.h && d->root != UINT32_MAX && &d->ops[d->root] == m)
		nxt_put(&a->cv, y++, r.x, r.w, NXT_C_ERROR, "root cause: first op whose operands "
			"pass and result fails");
	return y;
}
