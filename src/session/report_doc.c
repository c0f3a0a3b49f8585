/* report_doc.c — the session as a document a colleague reads: a per-step
 * table (ops, peak memory, latency, energy, pass time), the top ops by
 * cycles at the cursor step, the memory timeline and per-op cycles (inline
 * SVG in HTML, text bars in Markdown), and the diff between the pinned step
 * and the cursor. Everything comes from the history and the NE model; the
 * HTML is one self-contained file (no scripts, no external resources). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nxs.h"
#include "nxw.h"

#define TOP_OPS 15
#define DIFF_LINES 400

typedef struct doc {
	nx_strbuf b;
	bool html;
} doc;

static void esc(doc *d, const char *s)
{
	if (!d->html) {
		nx_strbuf_printf(&d->b, "%s", s);
		return;
	}
	for (; *s; s++) {
		switch (*s) {
		case '<': nx_strbuf_printf(&d->b, "&lt;"); break;
		case '>': nx_strbuf_printf(&d->b, "&gt;"); break;
		case '&': nx_strbuf_printf(&d->b, "&amp;"); break;
		case '"': nx_strbuf_printf(&d->b, "&quot;"); break;
		default: nx_strbuf_printf(&d->b, "%c", *s);
		}
	}
}

static void heading(doc *d, const char *text)
{
	if (d->html) {
		nx_strbuf_printf(&d->b, "<h2>");
		esc(d, text);
		nx_strbuf_printf(&d->b, "</h2>\n");
	} else {
		nx_strbuf_printf(&d->b, "\n## %s\n\n", text);
	}
}

/* One table row; cells already formatted. */
static void row(doc *d, bool head, int n, const char *const *cells)
{
	if (d->html) {
		nx_strbuf_printf(&d->b, "<tr>");
		for (int i = 0; i < n; i++) {
			nx_strbuf_printf(&d->b, head ? "<th>" : "<td>");
			esc(d, cells[i]);
			nx_strbuf_printf(&d->b, head ? "</th>" : "</td>");
		}
		nx_strbuf_printf(&d->b, "</tr>\n");
		return;
	}
	nx_strbuf_printf(&d->b, "|");
	for (int i = 0; i < n; i++)
		nx_strbuf_printf(&d->b, " %s |", cells[i]);
	nx_strbuf_printf(&d->b, "\n");
	if (head) {
		nx_strbuf_printf(&d->b, "|");
		for (int i = 0; i < n; i++)
			nx_strbuf_printf(&d->b, "---|");
		nx_strbuf_printf(&d->b, "\n");
	}
}

static void table_open(doc *d)
{
	if (d->html)
		nx_strbuf_printf(&d->b, "<table>\n");
}

static void table_close(doc *d)
{
	if (d->html)
		nx_strbuf_printf(&d->b, "</table>\n");
}

static void bytes_str(char *buf, size_t n, double b)
{
	if (b >= 1 << 20)
		snprintf(buf, n, "%.2f MiB", b / (1 << 20));
	else if (b >= 1 << 10)
		snprintf(buf, n, "%.1f KiB", b / (1 << 10));
	else
		snprintf(buf, n, "%.0f B", b);
}

static void steps_table(doc *d, const nxw_session *s)
{
	heading(d, "Steps");
	static const char *const head[] = {"step", "pass", "rewrites", "ops", "peak", "latency (us)",
					   "energy (uJ)", "pass time (ms)", "verifier"};
	table_open(d);
	row(d, true, 9, head);
	for (uint32_t k = 0; k < s->n_steps; k++) {
		const nxw_step *st = &s->steps[k];
		char c[9][96];
		snprintf(c[0], sizeof c[0], "%u%s%s", k, k == s->cursor ? " (cursor)" : "",
			 k == s->baseline ? " (pinned)" : "");
		snprintf(c[1], sizeof c[1], "%s%s", st->pass, st->complete ? "" : " (stepped)");
		snprintf(c[2], sizeof c[2], "%lld", (long long)st->rewrites);
		snprintf(c[3], sizeof c[3], "%u", st->m.ops);
		if (st->m.have_sim) {
			bytes_str(c[4], sizeof c[4], (double)st->m.peak_bytes);
			snprintf(c[5], sizeof c[5], "%.1f", st->m.latency_us);
			snprintf(c[6], sizeof c[6], "%.1f", st->m.energy_uj);
		} else {
			strcpy(c[4], "-");
			strcpy(c[5], "-");
			strcpy(c[6], "-");
		}
		snprintf(c[7], sizeof c[7], "%.2f", st->seconds * 1e3);
		snprintf(c[8], sizeof c[8], "%s", st->ok ? "ok" : "FAILED");
		const char *cells[9];
		for (int i = 0; i < 9; i++)
			cells[i] = c[i];
		row(d, false, 9, cells);
	}
	table_close(d);
}

static const char *bound_colour(int b)
{
	switch (b) {
	case NXS_BOUND_COMPUTE: return "#3b7dd8";
	case NXS_BOUND_MEMORY: return "#d8603b";
	case NXS_BOUND_OVERHEAD: return "#9a9a9a";
	case NXS_BOUND_FALLBACK: return "#8b3bd8";
	default: return "#cccccc";
	}
}

static int by_cycles(const void *a, const void *b, void *ctx)
{
	const nxs_cost *c = ctx;
	double x = c[*(const uint32_t *)a].cycles, y = c[*(const uint32_t *)b].cycles;
	return (x < y) - (x > y);
}

static void top_ops(doc *d, const nxs_sim *sim)
{
	const nx_graph *g = nxs_sim_graph(sim);
	const nxs_cost *c = nxs_sim_costs(sim);
	uint32_t n = nxs_sim_count(sim);
	const nxs_timeline *tl = nxs_sim_timeline(sim);
	uint32_t *idx = nx_xmalloc((n + 1) * sizeof *idx);
	for (uint32_t i = 0; i < n; i++)
		idx[i] = i;
	/* insertion sort by cycles: n is ops in one graph, TOP_OPS are kept */
	for (uint32_t i = 1; i < n; i++)
		for (uint32_t j = i; j > 0 && by_cycles(&idx[j], &idx[j - 1], (void *)c) < 0; j--) {
			uint32_t t = idx[j];
			idx[j] = idx[j - 1];
			idx[j - 1] = t;
		}
	heading(d, "Top ops by cycles (cursor step)");
	static const char *const head[] = {"pos", "result", "kind", "bound", "cycles", "%", "MACs",
					   "DRAM"};
	table_open(d);
	row(d, true, 8, head);
	for (uint32_t i = 0; i < n && i < TOP_OPS; i++) {
		const nxs_cost *x = &c[idx[i]];
		char cc[8][96];
		snprintf(cc[0], sizeof cc[0], "%u", idx[i]);
		uint32_t r = g->ops[x->op].n_out ? nx_result(g, x->op, 0) : NX_NONE;
		snprintf(cc[1], sizeof cc[1], "%%%s", r != NX_NONE ? nx_vname(g, r) : "?");
		snprintf(cc[2], sizeof cc[2], "%s", nx_op_name(g, x->op));
		snprintf(cc[3], sizeof cc[3], "%s", nxs_bound_name(x->bound));
		snprintf(cc[4], sizeof cc[4], "%.0f", x->cycles);
		snprintf(cc[5], sizeof cc[5], "%.1f", tl->cycles > 0 ? 100 * x->cycles / tl->cycles : 0);
		snprintf(cc[6], sizeof cc[6], "%.3g", x->macs);
		bytes_str(cc[7], sizeof cc[7], x->dram_bytes);
		const char *cells[8];
		for (int k = 0; k < 8; k++)
			cells[k] = cc[k];
		row(d, false, 8, cells);
	}
	table_close(d);
	free(idx);
}

/* Memory: live bytes per schedule position, SRAM and DRAM stacked, with the
 * on-chip capacity and the peak. */
static void memory_chart(doc *d, const nxs_sim *sim)
{
	const nx_memplan *mp = nxs_sim_memplan(sim);
	const nx_target *t = nxs_sim_target(sim);
	uint32_t n = nxs_sim_count(sim);
	heading(d, "Memory timeline (cursor step)");
	char pk[32], sr[32], lb[32];
	bytes_str(pk, sizeof pk, (double)mp->peak);
	bytes_str(sr, sizeof sr, (double)t->sram);
	bytes_str(lb, sizeof lb, (double)mp->lower_bound);
	if (d->html)
		nx_strbuf_printf(&d->b, "<p>");
	nx_strbuf_printf(&d->b, "Planned peak %s (lower bound %s); SRAM %s; %u buffers in SRAM, "
			 "%u in DRAM (%u spilled).", pk, lb, sr, mp->n_sram, mp->n_dram,
			 mp->n_spilled);
	nx_strbuf_printf(&d->b, d->html ? "</p>\n" : "\n\n");
	if (!n || !mp->live_sram || !mp->live_dram)
		return;
	double top = (double)t->sram;
	for (uint32_t i = 0; i < n; i++)
		top = fmax(top, (double)(mp->live_sram[i] + mp->live_dram[i]));
	if (d->html) {
		const double W = 900, H = 220;
		double bw = W / n;
		nx_strbuf_printf(&d->b, "<svg width=\"%.0f\" height=\"%.0f\" "
				 "xmlns=\"http://www.w3.org/2000/svg\" role=\"img\">\n"
				 "<title>live bytes per schedule position: SRAM (blue), DRAM "
				 "(orange); dashed: SRAM capacity</title>\n", W, H + 20);
		for (uint32_t i = 0; i < n; i++) {
			double hs = H * (double)mp->live_sram[i] / top;
			double hd = H * (double)mp->live_dram[i] / top;
			nx_strbuf_printf(&d->b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
					 "height=\"%.1f\" fill=\"#3b7dd8\"/>", i * bw, H - hs,
					 fmax(bw - 0.5, 0.5), hs);
			if (hd > 0)
				nx_strbuf_printf(&d->b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
						 "height=\"%.1f\" fill=\"#d8603b\"/>", i * bw,
						 H - hs - hd, fmax(bw - 0.5, 0.5), hd);
			nx_strbuf_printf(&d->b, "\n");
		}
		double y = H - H * (double)t->sram / top;
		nx_strbuf_printf(&d->b, "<line x1=\"0\" x2=\"%.0f\" y1=\"%.1f\" y2=\"%.1f\" "
				 "stroke=\"black\" stroke-dasharray=\"6 4\"/>\n"
				 "<text x=\"4\" y=\"%.1f\" font-size=\"12\">SRAM %s</text>\n"
				 "<text x=\"4\" y=\"%.0f\" font-size=\"12\">schedule position "
				 "0..%u</text>\n</svg>\n", W, y, y, y - 3, sr, H + 16, n - 1);
		return;
	}
	/* Markdown: one line per position group, a bar of block characters. */
	uint32_t groups = n < 40 ? n : 40, per = (n + groups - 1) / groups;
	nx_strbuf_printf(&d->b, "```\n");
	for (uint32_t g0 = 0; g0 < n; g0 += per) {
		double m = 0, ms = 0;
		for (uint32_t i = g0; i < n && i < g0 + per; i++) {
			m = fmax(m, (double)(mp->live_sram[i] + mp->live_dram[i]));
			ms = fmax(ms, (double)mp->live_sram[i]);
		}
		int len = (int)lround(50 * m / top), ls = (int)lround(50 * ms / top);
		char lab[32];
		bytes_str(lab, sizeof lab, m);
		nx_strbuf_printf(&d->b, "%5u ", g0);
		for (int k = 0; k < len; k++)
			nx_strbuf_printf(&d->b, "%s", k < ls ? "\u2588" : "\u2592");
		nx_strbuf_printf(&d->b, " %s\n", lab);
	}
	nx_strbuf_printf(&d->b, "```\n\u2588 SRAM, \u2592 DRAM; rows are schedule positions "
			 "(max over %u per row)\n", per);
}

static void cost_chart(doc *d, const nxs_sim *sim)
{
	const nxs_cost *c = nxs_sim_costs(sim);
	uint32_t n = nxs_sim_count(sim);
	heading(d, "Cycles per op, in schedule order (cursor step)");
	double top = 0;
	for (uint32_t i = 0; i < n; i++)
		top = fmax(top, c[i].cycles);
	if (!n || top <= 0)
		return;
	if (d->html) {
		const double W = 900, H = 160;
		double bw = W / n;
		nx_strbuf_printf(&d->b, "<svg width=\"%.0f\" height=\"%.0f\" "
				 "xmlns=\"http://www.w3.org/2000/svg\" role=\"img\">\n<title>cycles "
				 "per op; colour: compute (blue), memory (orange), overhead (grey), "
				 "CPU fallback (purple)</title>\n", W, H + 4);
		for (uint32_t i = 0; i < n; i++) {
			double h = H * c[i].cycles / top;
			nx_strbuf_printf(&d->b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
					 "height=\"%.1f\" fill=\"%s\"><title>%u: %.0f cycles, %s"
					 "</title></rect>\n", i * bw, H - h, fmax(bw - 0.5, 0.5), h,
					 bound_colour(c[i].bound), i, c[i].cycles,
					 nxs_bound_name(c[i].bound));
		}
		nx_strbuf_printf(&d->b, "</svg>\n<p>Colour: compute (blue), memory (orange), "
				 "overhead (grey), CPU fallback (purple).</p>\n");
		return;
	}
	nx_strbuf_printf(&d->b, "```\n");
	for (uint32_t i = 0; i < n; i++) {
		int len = (int)lround(50 * c[i].cycles / top);
		nx_strbuf_printf(&d->b, "%5u %-8.8s ", i, nxs_bound_name(c[i].bound));
		for (int k = 0; k < len; k++)
			nx_strbuf_printf(&d->b, "\u2588");
		nx_strbuf_printf(&d->b, " %.0f\n", c[i].cycles);
	}
	nx_strbuf_printf(&d->b, "```\n");
}

static void diff_section(doc *d, nxw_session *s)
{
	char title[128];
	snprintf(title, sizeof title, "Diff: pinned step %u (%s) -> cursor step %u (%s)",
		 s->baseline, s->steps[s->baseline].pass, s->cursor, s->steps[s->cursor].pass);
	heading(d, title);
	char *uni = NULL;
	nx_diff *df = nxw_diff(s, s->baseline, s->cursor, &uni);
	if (d->html)
		nx_strbuf_printf(&d->b, "<p>");
	nx_strbuf_printf(&d->b, "%u ops added, %u removed, %u changed.", df->added, df->removed,
			 df->changed);
	nx_strbuf_printf(&d->b, d->html ? "</p>\n<pre>" : "\n\n```diff\n");
	uint32_t lines = 0;
	const char *p = uni ? uni : "";
	while (*p && lines < DIFF_LINES) {
		const char *e = strchr(p, '\n');
		size_t len = e ? (size_t)(e - p) + 1 : strlen(p);
		char *line = nx_xmalloc(len + 1);
		memcpy(line, p, len);
		line[len] = 0;
		esc(d, line);
		free(line);
		p += len;
		lines++;
	}
	if (*p)
		nx_strbuf_printf(&d->b, "... (diff cut at %d lines; `nex diff` shows it all)\n",
				 DIFF_LINES);
	nx_strbuf_printf(&d->b, d->html ? "</pre>\n" : "```\n");
	free(uni);
	nx_diff_free(df);
}

static void notes_section(doc *d, const nxw_session *s)
{
	if (!s->n_notes)
		return;
	heading(d, "Notes");
	const nx_graph *g = s->steps[s->cursor].snap;
	if (d->html)
		nx_strbuf_printf(&d->b, "<ul>\n");
	for (uint32_t i = 0; i < s->n_notes; i++) {
		const nxw_note *nt = &s->notes[i];
		char who[128] = "an op not in the cursor step";
		if (nt->op < g->n_ops && !(g->ops[nt->op].flags & NX_O_DEAD) && g->ops[nt->op].n_out)
			snprintf(who, sizeof who, "%%%s (%s)", nx_vname(g, nx_result(g, nt->op, 0)),
				 nx_op_name(g, nt->op));
		nx_strbuf_printf(&d->b, d->html ? "<li><b>" : "- **");
		esc(d, who);
		nx_strbuf_printf(&d->b, d->html ? "</b>, op #%u, step %u%s: " : "**, op #%u, step %u%s: ",
				 nt->op, nt->step, nt->bookmark ? ", bookmark" : "");
		esc(d, nt->text);
		nx_strbuf_printf(&d->b, d->html ? "</li>\n" : "\n");
	}
	if (d->html)
		nx_strbuf_printf(&d->b, "</ul>\n");
}

char *nxw_report_doc(nxw_session *s, bool html, nx_err *err)
{
	nx_target m1;
	const nx_target *t = s->target;
	if (!t) {
		if (nx_target_preset("m1", &m1, err))
			return NULL;
		t = &m1;
	}
	const nx_graph *g = s->steps[s->cursor].snap;
	nxs_sim *sim = nxs_sim_new(g, err);
	if (!sim || nxs_sim_run(sim, t, err)) {
		nxs_sim_free(sim);
		nx_err_prefix(err, "costing step %u: ", s->cursor);
		return NULL;
	}
	doc d = {{0}, html};
	char *pl = nxp_pipeline_str(&s->pl);
	const char *model = s->src.model ? s->src.model : "(a graph built in memory)";
	if (html) {
		nx_strbuf_printf(&d.b, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
				 "<title>nex report: ");
		esc(&d, model);
		nx_strbuf_printf(&d.b, "</title>\n<style>body{font-family:sans-serif;margin:2em;"
				 "max-width:64em}table{border-collapse:collapse}td,th{border:1px "
				 "solid #bbb;padding:2px 8px;text-align:right}th{background:#eee}"
				 "pre{background:#f6f6f6;padding:1em;overflow:auto}</style></head>"
				 "<body>\n<h1>nex report: ");
		esc(&d, model);
		nx_strbuf_printf(&d.b, "</h1>\n<p>Target <b>");
		esc(&d, t->name);
		nx_strbuf_printf(&d.b, "</b>%s; pipeline <code>", s->target ? "" : " (none set: m1)");
		esc(&d, pl);
		nx_strbuf_printf(&d.b, "</code>; cursor at step %u of %u.</p>\n", s->cursor,
				 s->n_steps - 1);
	} else {
		nx_strbuf_printf(&d.b, "# nex report: %s\n\nTarget **%s**%s; pipeline `%s`; cursor at "
				 "step %u of %u.\n", model, t->name,
				 s->target ? "" : " (none set: m1)", pl, s->cursor, s->n_steps - 1);
	}
	free(pl);
	steps_table(&d, s);
	top_ops(&d, sim);
	memory_chart(&d, sim);
	cost_chart(&d, sim);
	notes_section(&d, s);
	diff_section(&d, s);
	if (html)
		nx_strbuf_printf(&d.b, "</body></html>\n");
	nxs_sim_free(sim);
	return d.b.s;
}
