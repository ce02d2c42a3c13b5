/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SIPALG_TEST_ORACLE_H
#define SIPALG_TEST_ORACLE_H

/*
 * The rewrite oracle shared by every test that rewrites (unit tests and the
 * fuzz harnesses).  A rewritten message must
 *  - still be accepted by libosip2 (an independent parser) when the
 *    original was (oracle_parse_ok);
 *  - carry a Content-Length equal to its body when the original did,
 *    found here without src/sip.c (oracle_clen_ok);
 *  - differ from the input only inside the spans the planner listed in its
 *    edit list: every byte outside them identical and in order
 *    (oracle_spans_ok).
 * oracle_rewrite_ok runs all three.  Link with -losipparser2 -losip2.
 */

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "edit.h"

#include <osipparser2/osip_parser.h>
#include <osipparser2/osip_port.h>

/* libosip2's osip_const.h defines SIP_OK as 200, which would silently turn
 * our enum sip_scan_result constant into a status code; drop the macro so
 * oracle.h and sip.h can be included in either order. */
#undef SIP_OK

static inline void oracle_trace_quiet(const char *fi, int li,
				      osip_trace_level_t level,
				      const char *chfr, va_list ap)
{
}

/*
 * oracle_parse_ok - true when libosip2 parses buf[0..len) as a SIP message.
 * buf need not be NUL-terminated; libosip2 copies it.  Not thread-safe (the
 * first call initialises libosip2's parser tables).
 */
static inline bool oracle_parse_ok(const char *buf, size_t len)
{
	static bool initialised;
	osip_message_t *msg;
	int level;
	int rc;

	if (!initialised) {
		/* libosip2 traces parse errors to stderr; the tests expect
		 * them, so keep the test output readable. */
		osip_trace_initialize_func(TRACE_LEVEL0, oracle_trace_quiet);
		for (level = 0; level < END_TRACE_LEVEL; level++)
			osip_trace_disable_level((osip_trace_level_t)level);
		parser_init();
		initialised = true;
	}
	if (osip_message_init(&msg) != 0)
		return false;
	rc = osip_message_parse(msg, buf, len);
	osip_message_free(msg);
	return rc == 0;
}

/*
 * oracle_clen - find the Content-Length ("l" compact) of buf[0..len) and
 * the offset of its body without the daemon's scanner.  Returns 1 with
 * *clen and *body set, 0 when there is no Content-Length (*body still
 * set), -1 when there is no end of the header section or the value is not
 * a decimal number.
 */
static inline int oracle_clen(const char *buf, size_t len, size_t *clen,
			      size_t *body)
{
	size_t i = 0, eol, name_end, v;
	int found = 0;

	while (i < len) {
		eol = i;
		while (eol < len && buf[eol] != '\n')
			eol++;
		if (eol == len)
			return -1;
		/* an empty line (LF or CRLF) closes the header section */
		if (eol == i || (eol == i + 1 && buf[i] == '\r')) {
			*body = eol + 1;
			return found;
		}
		name_end = i;
		while (name_end < eol && buf[name_end] != ':' &&
		       buf[name_end] != ' ' && buf[name_end] != '\t')
			name_end++;
		v = name_end;
		while (v < eol && (buf[v] == ' ' || buf[v] == '\t'))
			v++;
		if (v < eol && buf[v] == ':' && !found &&
		    ((name_end - i == 14 &&
		      !strncasecmp(buf + i, "Content-Length", 14)) ||
		     (name_end - i == 1 && (buf[i] == 'l' || buf[i] == 'L')))) {
			v++;
			while (v < eol && (buf[v] == ' ' || buf[v] == '\t'))
				v++;
			if (v == eol || buf[v] < '0' || buf[v] > '9')
				return -1;
			*clen = 0;
			while (v < eol && buf[v] >= '0' && buf[v] <= '9') {
				if (*clen > 100000000)
					return -1;
				*clen = *clen * 10 + (size_t)(buf[v++] - '0');
			}
			found = 1;
		}
		i = eol + 1;
	}
	return -1;
}

/* oracle_clen_ok - true when buf has no Content-Length or one equal to the
 * number of bytes after the header section. */
static inline bool oracle_clen_ok(const char *buf, size_t len)
{
	size_t clen = 0, body = 0;
	int rc = oracle_clen(buf, len, &clen, &body);

	return rc == 0 || (rc == 1 && body + clen == len);
}

/*
 * oracle_spans_ok - true when out[0..out_len) is in[0..in_len) changed only
 * inside the spans of edit list l: the bytes between edits equal the input
 * byte for byte and in order, each edited span became exactly its
 * replacement text, and nothing else was added or lost.  Independent of
 * edits_apply.  On failure writes what differs to why (whylen bytes).
 */
static inline bool oracle_spans_ok(const char *in, size_t in_len,
				   const struct edits *l, const char *out,
				   size_t out_len, char *why, size_t whylen)
{
	unsigned idx[EDIT_MAX], i, j, k, n = l->n;
	size_t ip = 0, op = 0, tl;
	const struct edit *e;

	if (n > EDIT_MAX) {
		snprintf(why, whylen, "edit list holds %u > %u", n, EDIT_MAX);
		return false;
	}
	/* order by offset; inserts at one offset keep their list order */
	for (i = 0; i < n; i++) {
		for (j = i; j > 0 && l->e[idx[j - 1]].off > l->e[i].off; j--)
			idx[j] = idx[j - 1];
		idx[j] = i;
	}
	for (k = 0; k < n; k++) {
		e = &l->e[idx[k]];
		if (e->off < ip || (size_t)e->off + e->len > in_len) {
			snprintf(why, whylen, "edit %u [%u,+%u) overlaps or "
				 "leaves the input (%zu bytes)", idx[k],
				 e->off, e->len, in_len);
			return false;
		}
		/* untouched bytes before the edit */
		if (op + (e->off - ip) > out_len ||
		    memcmp(out + op, in + ip, e->off - ip)) {
			snprintf(why, whylen, "bytes [%zu,%u) outside the "
				 "edits changed (output offset %zu)", ip,
				 e->off, op);
			return false;
		}
		op += e->off - ip;
		tl = e->text_len;
		if ((size_t)e->text_off + tl > EDIT_TEXT_MAX ||
		    op + tl > out_len ||
		    memcmp(out + op, edits_text(l, e), tl)) {
			snprintf(why, whylen, "edit %u at input %u, output "
				 "%zu: not its replacement text", idx[k],
				 e->off, op);
			return false;
		}
		op += tl;
		ip = (size_t)e->off + e->len;
	}
	if (op > out_len || out_len - op != in_len - ip ||
	    memcmp(out + op, in + ip, in_len - ip)) {
		snprintf(why, whylen, "bytes after the last edit (input %zu, "
			 "output %zu) differ or the lengths do not add up "
			 "(in %zu out %zu)", ip, op, in_len, out_len);
		return false;
	}
	return true;
}

/*
 * oracle_rewrite_ok - the whole oracle for one rewrite of in into out with
 * edit list l: spans, and Content-Length and libosip2 acceptance wherever
 * the input had them right.  why gets the first failure.
 */
static inline bool oracle_rewrite_ok(const char *in, size_t in_len,
				     const struct edits *l, const char *out,
				     size_t out_len, char *why, size_t whylen)
{
	if (!oracle_spans_ok(in, in_len, l, out, out_len, why, whylen))
		return false;
	if (oracle_clen_ok(in, in_len) && !oracle_clen_ok(out, out_len)) {
		snprintf(why, whylen, "Content-Length no longer equals the "
			 "body");
		return false;
	}
	if (oracle_parse_ok(in, in_len) && !oracle_parse_ok(out, out_len)) {
		snprintf(why, whylen, "libosip2 rejects the rewritten message");
		return false;
	}
	return true;
}

#endif
