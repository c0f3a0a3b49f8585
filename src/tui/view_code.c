/* view_code.c — the Code view: the NE program of the cursor step (the
 * session's nxw_program, the .neasm listing `nex codegen` prints), scrolled
 * so the selected op's first task is in sight, that op's tasks (its weight
 * fetch, its tiles, their descriptors) marked. j/k move the selection to
 * the op of the next or previous compute task, so the selection walks the
 * program in issue order and the other views follow it. Without a target,
 * or on a snapshot the back end cannot lower, the view says why. */
#include <stdlib.h>
#include <string.h>

#include "nxg.h"
#include "nxt.h"

/* The task a listing line belongs to: "tN ..." starts task N, indented
 * lines are its descriptors; anything before the first task is header. */
static uint32_t line_task(const char *l, uint32_t cur)
{
	if (l[0] == 't' && l[1] >= '0' && l[1] <= '9')
		return (uint32_t)strtoul(l + 1, NULL, 10);
	return l[0] == ' ' ? cur : NX_NONE;
}

static void draw(nxt_app *a, nxt_rect r)
{
	nx_err err;
	const nxg_prog *p = nxw_program(a->s, a->s->cursor, &err);
	if (!p) {
		nxt_putf(&a->cv, r.y, r.x, r.w, NXT_C_ERROR, "no program: %s", err.msg);
		return;
	}
	const nx_graph *g = a->s->steps[a->s->cursor].snap;
	nxg_stats st;
	nxg_stats_of(p, &st);
	nxt_putf(&a->cv, r.y, r.x, r.w, NXT_C_TITLE,
		 "%u tasks (ne %u, dma %u, cpu %u)  %u events  alloc %s", p->n_tasks,
		 st.by_engine[NXG_NE], st.by_engine[NXG_DMA], st.by_engine[NXG_CPU], p->n_events,
		 p->alloc);
	char *text = nxg_print(p, g); /* freed below */
	/* lines, and the first line of the selected op's first task */
	uint32_t first = nxw_program_task_of(p, a->sel_op, 0);
	int n = 0, at = 0;
	uint32_t cur = NX_NONE;
	for (char *s = text; *s; n++) {
		cur = line_task(s, cur);
		if (first != NX_NONE && cur == first && !at)
			at = n;
		char *e = strchr(s, '\n');
		s = e ? e + 1 : s + strlen(s);
	}
	int rows = r.h - 2, top = at - rows / 3;
	if (top > n - rows)
		top = n - rows;
	if (top < 0)
		top = 0;
	cur = NX_NONE;
	int i = 0;
	for (char *s = text; *s && i < top + rows; i++) {
		char *e = strchr(s, '\n');
		size_t len = e ? (size_t)(e - s) : strlen(s);
		cur = line_task(s, cur);
		if (i >= top) {
			bool mine = cur != NX_NONE && cur < p->n_tasks && p->tasks[cur].op == a->sel_op;
			int color = mine ? NXT_C_MARK : cur == NX_NONE ? NXT_C_DIM
				  : s[0] == ' ' ? NXT_C_TEXT : NXT_C_OPKIND;
			nxt_putf(&a->cv, r.y + 1 + i - top, r.x, r.w, color, "%.*s", (int)len, s);
		}
		s = e ? e + 1 : s + len;
	}
	free(text);
	nxt_putf(&a->cv, r.y + r.h - 1, r.x, r.w, NXT_C_DIM,
		 "j/k next/previous op   marked: the selected op's tasks   docs/ne-isa.md");
}

/* The compute (NE or CPU) task at or after k going dir, or -1. */
static long compute_task(const nxg_prog *p, long k, int dir)
{
	for (; k >= 0 && k < (long)p->n_tasks; k += dir)
		if (p->tasks[k].engine != NXG_DMA)
			return k;
	return -1;
}

/* Moves by ops in the order their compute tasks issue: weight fetches run
 * ahead of the op before theirs, so walking all tasks would bounce. */
static int go(nxt_app *a, int d)
{
	nx_err err;
	const nxg_prog *p = nxw_program(a->s, a->s->cursor, &err);
	if (!p || compute_task(p, 0, 1) < 0)
		return NXT_REDRAW;
	long pos = -1;
	for (long k = 0; k < (long)p->n_tasks && pos < 0; k++)
		if (p->tasks[k].engine != NXG_DMA && p->tasks[k].op == a->sel_op)
			pos = k;
	if (d == INT32_MIN || d == INT32_MAX || pos < 0) {
		pos = d == INT32_MAX || (d < 0 && d != INT32_MIN) ? compute_task(p, p->n_tasks - 1, -1)
								   : compute_task(p, 0, 1);
	} else {
		int dir = d < 0 ? -1 : 1;
		for (int m = d < 0 ? -d : d; m > 0; m--) {
			uint32_t op = p->tasks[pos].op;
			long k = pos;
			while ((k = compute_task(p, k + dir, dir)) >= 0 && p->tasks[k].op == op)
				;
			if (k < 0)
				break;
			pos = k;
		}
	}
	nxt_select_op(a, p->tasks[pos].op);
	return NXT_REDRAW;
}

const nxt_view_ops nxt_view_code = {"code", "Code", draw, go, NULL, NULL};
