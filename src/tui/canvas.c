/* canvas.c — the screen as a grid of cells (code point + semantic colour).
 * Views draw here; app.c copies it to curses and script.c writes it as text,
 * which is what makes screens testable without a terminal. Every cell is one
 * column wide: nex draws ASCII, box and block characters only. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nxt.h"

void nxt_canvas_resize(nxt_canvas *c, int w, int h)
{
	free(c->cells);
	c->w = w > 0 ? w : 0;
	c->h = h > 0 ? h : 0;
	/* owned by the canvas; nxt_canvas_free frees it */
	c->cells = nx_xcalloc((size_t)c->w * (size_t)c->h + 1, sizeof *c->cells);
	nxt_canvas_clear(c);
}

void nxt_canvas_free(nxt_canvas *c)
{
	free(c->cells);
	c->cells = NULL;
	c->w = c->h = 0;
}

void nxt_canvas_clear(nxt_canvas *c)
{
	for (int i = 0; i < c->w * c->h; i++)
		c->cells[i] = (nxt_cell){' ', NXT_C_TEXT};
}

void nxt_cell_set(nxt_canvas *c, int y, int x, uint32_t ch, int color)
{
	if (y < 0 || x < 0 || y >= c->h || x >= c->w)
		return;
	c->cells[y * c->w + x] = (nxt_cell){ch, (uint8_t)color};
}

/* One code point from UTF-8; malformed bytes read as '?'. */
static uint32_t next_cp(const unsigned char **ps)
{
	const unsigned char *s = *ps;
	uint32_t c = *s++;
	int more = 0;
	if (c >= 0xF0 && c < 0xF8) {
		c &= 7;
		more = 3;
	} else if (c >= 0xE0) {
		c &= 15;
		more = 2;
	} else if (c >= 0xC0) {
		c &= 31;
		more = 1;
	} else if (c >= 0x80) {
		*ps = s;
		return '?';
	}
	while (more-- > 0) {
		if ((*s & 0xC0) != 0x80) {
			*ps = s;
			return '?';
		}
		c = c << 6 | (*s++ & 63);
	}
	*ps = s;
	return c;
}

int nxt_put(nxt_canvas *c, int y, int x, int maxw, int color, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	int n = 0;
	while (*s && n < maxw) {
		uint32_t cp = next_cp(&s);
		if (cp == '\t')
			cp = ' ';
		if (cp < 32)
			cp = '?';
		nxt_cell_set(c, y, x + n, cp, color);
		n++;
	}
	return n;
}

int nxt_putf(nxt_canvas *c, int y, int x, int maxw, int color, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	return nxt_put(c, y, x, maxw, color, buf);
}

void nxt_fill(nxt_canvas *c, int y, int x, int w, uint32_t ch, int color)
{
	for (int i = 0; i < w; i++)
		nxt_cell_set(c, y, x + i, ch, color);
}

void nxt_recolor(nxt_canvas *c, int y, int x, int w, int color)
{
	if (y < 0 || y >= c->h)
		return;
	for (int i = x < 0 ? 0 : x; i < x + w && i < c->w; i++)
		c->cells[y * c->w + i].color = (uint8_t)color;
}

void nxt_box(nxt_canvas *c, int y, int x, int h, int w, int color, const char *title)
{
	if (h < 2 || w < 2)
		return;
	nxt_cell_set(c, y, x, 0x250C, color);
	nxt_cell_set(c, y, x + w - 1, 0x2510, color);
	nxt_cell_set(c, y + h - 1, x, 0x2514, color);
	nxt_cell_set(c, y + h - 1, x + w - 1, 0x2518, color);
	nxt_fill(c, y, x + 1, w - 2, 0x2500, color);
	nxt_fill(c, y + h - 1, x + 1, w - 2, 0x2500, color);
	for (int i = 1; i < h - 1; i++) {
		nxt_cell_set(c, y + i, x, 0x2502, color);
		nxt_cell_set(c, y + i, x + w - 1, 0x2502, color);
	}
	if (title && *title) {
		int n = nxt_putf(c, y, x + 2, w - 4, color == NXT_C_FOCUS ? NXT_C_FOCUS : NXT_C_TITLE,
				 " %s ", title);
		(void)n;
	}
}

static size_t put_utf8(char *o, uint32_t cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xC0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 63));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xE0 | cp >> 12);
		o[1] = (char)(0x80 | (cp >> 6 & 63));
		o[2] = (char)(0x80 | (cp & 63));
		return 3;
	}
	o[0] = (char)(0xF0 | cp >> 18);
	o[1] = (char)(0x80 | (cp >> 12 & 63));
	o[2] = (char)(0x80 | (cp >> 6 & 63));
	o[3] = (char)(0x80 | (cp & 63));
	return 4;
}

char *nxt_canvas_text(const nxt_canvas *c)
{
	/* caller frees */
	char *out = nx_xmalloc((size_t)c->w * (size_t)c->h * 4 + (size_t)c->h + 1);
	size_t n = 0;
	for (int y = 0; y < c->h; y++) {
		size_t line = n, end = n;
		for (int x = 0; x < c->w; x++) {
			uint32_t cp = c->cells[y * c->w + x].ch;
			n += put_utf8(out + n, cp);
			if (cp != ' ')
				end = n;
		}
		n = end > line ? end : line;
		out[n++] = '\n';
	}
	out[n] = 0;
	return out;
}
