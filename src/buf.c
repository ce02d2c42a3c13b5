// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * buf.c - growing reply buffers, with JSON and HTML escaping.
 */
#include "buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* buf_room - make room for n more bytes plus a NUL; false on failure. */
static bool buf_room(struct buf *b, size_t n)
{
	size_t limit = b->limit ? b->limit : BUF_LIMIT, cap;
	char *p;

	if (b->failed)
		return false;
	if (b->len + n + 1 <= b->cap)
		return true;
	if (b->len + n + 1 > limit) {
		b->failed = true;
		return false;
	}
	cap = b->cap ? b->cap : 4096;
	while (cap < b->len + n + 1)
		cap *= 2;
	if (cap > limit)
		cap = limit;
	p = realloc(b->p, cap);
	if (!p) {
		b->failed = true;
		return false;
	}
	b->p = p;
	b->cap = cap;
	return true;
}

void buf_add(struct buf *b, const void *p, size_t n)
{
	if (!buf_room(b, n))
		return;
	memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	/* Straight into the room there is; measured first only when it
	 * does not fit (one format, not two, for most lines). */
	if (b->failed)
		return;
	if (b->cap > b->len) {
		va_start(ap, fmt);
		n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t)n < b->cap - b->len) {
			b->len += (size_t)n;
			return;
		}
		b->p[b->len] = '\0';
	}
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !buf_room(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void buf_json_str(struct buf *b, const char *p, size_t n)
{
	size_t i;

	buf_add(b, "\"", 1);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c == '"' || c == '\\')
			buf_printf(b, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			buf_printf(b, "\\u%04x", c);
		else
			buf_add(b, &p[i], 1);
	}
	buf_add(b, "\"", 1);
}

void buf_html(struct buf *b, const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c == '&')
			buf_add(b, "&amp;", 5);
		else if (c == '<')
			buf_add(b, "&lt;", 4);
		else if (c == '>')
			buf_add(b, "&gt;", 4);
		else if (c == '"')
			buf_add(b, "&quot;", 6);
		else if ((c < 0x20 && c != '\n' && c != '\t') || c >= 0x7f)
			buf_add(b, "?", 1);
		else
			buf_add(b, &p[i], 1);
	}
}

void buf_text(struct buf *b, const char *p, size_t n, size_t width)
{
	size_t i, cols = 0;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c >= 0x20 && c < 0x7f) {
			buf_add(b, &p[i], 1);
			cols++;
		} else {
			buf_printf(b, "\\x%02x", c);
			cols += 4;
		}
	}
	for (; cols < width; cols++)
		buf_add(b, " ", 1);
}

bool buf_ok(const struct buf *b)
{
	return !b->failed;
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	b->failed = false;
	if (b->p)
		b->p[0] = '\0';
}

void buf_free(struct buf *b)
{
	free(b->p);
	*b = (struct buf){ 0 };
}
