/* pane_detail.c — the Op pane: the selected op of the cursor step: kind,
 * id, results with type and layout, operands, attributes, its cost on the
 * current target (cycles, share, bound, utilisation, MACs, traffic, where
 * it runs and why a CPU op falls back), under the numeric overlay its
 * error against step 0 (overlay_numeric.c), origin and born step, and the
 * cursor step's remarks that name it. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "nxt.h"

/* Writes s into the rect from line *y on, wrapped at the width; false when
 * the rect is full. */
static bool wrap(nxt_app *a, nxt_rect r, int *y, int color, const char *s)
{
	size_t len = strlen(s);
	size_t off = 0;
	do {
		if (*y >= r.y + r.h)
			return false;
		size_t n = len - off < (size_t)r.w ? len - off : (size_t)r.w;
		/* break at the last space or comma that fits, not inside a word */
		if (off + n < len)
			for (size_t k = n; k > (size_t)r.w / 2; k--)
				if (s[off + k - 1] == ' ' || s[off + k - 1] == ',') {
					n = k;
					break;
				}
		char line[512];
		snprintf(line, sizeof line, "%.*s", (int)n, s + off);
		nxt_put(&a->cv, (*y)++, r.x, r.w, color, line);
		off += n;
	} while (off < len);
	return true;
}

void nxt_pane_detail(nxt_app *a, nxt_rect r)
{
	const nx_graph *g = nxw_cur(a->s)->snap;
	uint32_t o = a->sel_op;
	if (o >= g->n_ops || (g->ops[o].flags & NX_O_DEAD)) {
		nxt_put(&a->cv, r.y, r.x, r.w, NXT_C_DIM, "no op selected (j/k in the IR view)");
		return;
	}
	const nx_op *p = nx_opp(g, o);
	char line[1024], t[128], b0[32], b1[32], b2[32];
	int y = r.y;
	uint32_t res = nx_result(g, o, 0);
	nx_type_str(nx_vtype(g, res), t, sizeof t);
	nxt_putf(&a->cv, y, r.x, r.w, NXT_C_OPKIND, "%s", nx_ops[p->kind].name);
	nxt_putf(&a->cv, y++, r.x + (int)strlen(nx_ops[p->kind].name), r.w - 12, NXT_C_DIM,
		 " #%u  born at step %u", o, p->born);
	for (uint32_t i = 0; i < p->n_out; i++) {
		uint32_t v = nx_result(g, o, i);
		nx_type_str(nx_vtype(g, v), t, sizeof t);
		snprintf(line, sizeof line, "-> %%%s: %s", nx_vname(g, v), t);
		if (!wrap(a, r, &y, NXT_C_TYPE, line))
			return;
	}
	size_t n = 0;
	n += (size_t)snprintf(line, sizeof line, "<- ");
	for (uint32_t i = 0; i < p->n_in && n < sizeof line - 64; i++) {
		uint32_t v = nx_operand(g, o, i);
		n += (size_t)snprintf(line + n, sizeof line - n, "%s%%%s%s", i ? ", " : "",
				      v == NX_NONE ? "-" : nx_vname(g, v),
				      v != NX_NONE && nx_is_const(g, v) ? " (const)" : "");
	}
	if (!wrap(a, r, &y, NXT_C_VALUE, line))
		return;
	/* attributes as the printer writes them: the {...} of the op's line */
	char *text = nx_print_op(g, o);
	char *lb = strchr(text, '{'), *rb = strrchr(text, '}');
	if (lb && rb && rb > lb) {
		*rb = 0;
		if (!wrap(a, r, &y, NXT_C_ATTR, lb + 1)) {
			free(text);
			return;
		}
	}
	free(text);
	/* under the numeric overlay its figures come before the cost */
	if (a->overlay == NXT_OVL_NUMERIC)
		y = nxt_numeric_detail(a, r, y, o);
	nx_err err;
	const nxs_sim *sim = nxw_sim(a->s, a->s->cursor, &err);
	if (sim) {
		const nx_live *l = nxs_sim_live(sim);
		uint32_t pos = l->pos_of[o];
		if (pos != UINT32_MAX && pos < nxs_sim_count(sim)) {
			const nxs_cost *c = &nxs_sim_costs(sim)[pos];
			double total = nxs_sim_timeline(sim)->cycles;
			snprintf(line, sizeof line, "cost %s cycles (%.1f%%), %s-bound, util %.0f%%",
				 nxt_count(c->cycles, b0, sizeof b0), total > 0 ? 100 * c->cycles / total : 0,
				 nxs_bound_name(c->bound), c->util * 100);
			if (!wrap(a, r, &y, NXT_C_NUMBER, line))
				return;
			snprintf(line, sizeof line, "MACs %s  SRAM %s  DRAM %s",
				 nxt_count(c->macs, b0, sizeof b0), nxt_bytes(c->sram_bytes, b1, sizeof b1),
				 nxt_bytes(c->dram_bytes, b2, sizeof b2));
			if (!wrap(a, r, &y, NXT_C_NUMBER, line))
				return;
			uint32_t bi = res < l->n_vals ? l->buf_of[res] : NX_NONE;
			static const char *const why[] = {"fits", "graph I/O", "CPU op", "too big",
							  "spilled"};
			if (c->cpu) {
				char reason[256];
				nxs_sim_cpu_reason(sim, o, reason, sizeof reason);
				snprintf(line, sizeof line, "runs on the CPU: %s", reason);
			} else if (bi != NX_NONE && bi < l->n_bufs) {
				const nx_buf *b = &l->bufs[bi];
				snprintf(line, sizeof line, "result in %s (%s), %s at +%s, live %u..%u",
					 b->level == NX_SRAM ? "SRAM" : "DRAM", why[b->why < 5 ? b->why : 0],
					 nxt_bytes((double)b->size, b0, sizeof b0),
					 nxt_bytes((double)b->offset, b1, sizeof b1), b->start, b->end);
			} else {
				snprintf(line, sizeof line, "result: a view, no buffer of its own");
			}
			if (!wrap(a, r, &y, c->cpu ? NXT_C_CPU : NXT_C_TEXT, line))
				return;
		}
	} else if (!wrap(a, r, &y, NXT_C_ERROR, err.msg)) {
		return;
	}
	n = (size_t)snprintf(line, sizeof line, "origin ");
	const uint32_t *org = nx_op_origin(g, o);
	for (uint32_t i = 0; i < p->n_origin && n < sizeof line - 64; i++)
		n += (size_t)snprintf(line + n, sizeof line - n, "%s%s", i ? ", " : "",
				      nx_cstr(g, org[i]));
	if (!p->n_origin)
		snprintf(line + n, sizeof line - n, "(none recorded)");
	if (!wrap(a, r, &y, NXT_C_DIM, line))
		return;
	/* remarks of this step that name the op's result */
	const nxw_step *st = nxw_cur(a->s);
	char key[160];
	snprintf(key, sizeof key, "%%%s", nx_vname(g, res));
	size_t kl = strlen(key);
	for (uint32_t i = 0; i < st->n_remarks; i++) {
		const char *hit = strstr(st->remarks[i], key);
		/* a whole name: not a prefix of a longer one */
		while (hit && (isalnum((unsigned char)hit[kl]) || hit[kl] == '_'))
			hit = strstr(hit + 1, key);
		if (hit && !wrap(a, r, &y, NXT_C_MARK, st->remarks[i]))
			return;
	}
}
