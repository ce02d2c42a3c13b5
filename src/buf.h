/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SIPALG_BUF_H
#define SIPALG_BUF_H

#include <stdbool.h>
#include <stddef.h>

/*
 * A growing byte buffer for replies (control socket, HTTP).  Appends
 * never fail visibly: on allocation failure the buffer keeps what it had
 * and remembers the failure (buf_ok), so formatting code need not check
 * every call.  Zero-initialised is empty.
 */
struct buf {
	char *p;
	size_t len, cap;
	size_t limit;		/* 0: BUF_LIMIT */
	bool failed;
};

#define BUF_LIMIT (64u << 20)	/* a reply never grows past this */

/* buf_printf - append formatted text. */
void buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* buf_add - append n bytes of p. */
void buf_add(struct buf *b, const void *p, size_t n);

/* buf_json_str - append p[0..n) as a JSON string, quotes included
 * (control bytes and non-ASCII bytes escaped as \u00XX). */
void buf_json_str(struct buf *b, const char *p, size_t n);

/* buf_html - append p[0..n) with &, <, >, " escaped (and control bytes
 * other than newline and tab shown as '?'). */
void buf_html(struct buf *b, const char *p, size_t n);

/* buf_text - append p[0..n) for a terminal or a log line: printable
 * ASCII as it is, any other byte (escapes, bells, non-ASCII: a sender's
 * Call-ID may hold anything) as \xNN; then blanks up to width columns. */
void buf_text(struct buf *b, const char *p, size_t n, size_t width);

/* buf_ok - false once an append was lost. */
bool buf_ok(const struct buf *b);

/* buf_reset - empty, keeping the memory; buf_free - release it. */
void buf_reset(struct buf *b);
void buf_free(struct buf *b);

#endif
