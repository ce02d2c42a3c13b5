/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <strings.h>

#include "frame.h"

/* A request or status line longer than this is not one we frame. */
#define LINE_MAX_LEN 4096

static bool is_crlf(char c)
{
	return c == '\r' || c == '\n';
}

/* RFC 3261 25.1 token characters (a method is a token). */
static bool is_token(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || (c && strchr("-.!%*_+`'~", c));
}

/* Offset just past the blank line ending the header section (CRLFCRLF,
 * or LFLF from LF-only senders), or 0 when not there yet. */
static uint32_t header_end(const char *buf, uint32_t len)
{
	uint32_t i;

	for (i = 0; i + 1 < len; i++) {
		if (buf[i] != '\n')
			continue;
		if (buf[i + 1] == '\n')
			return i + 2;
		if (i + 2 < len && buf[i + 1] == '\r' && buf[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

/* The value of a header line starting at p (up to end) when its name is
 * Content-Length or its compact form "l": -1 not this header, -2 bad
 * value, else the length. */
static long clen_line(const char *p, const char *end)
{
	const char *q = p;
	long v = 0;
	int digits = 0;

	if (end - p >= 14 && !strncasecmp(p, "content-length", 14))
		q = p + 14;
	else if (end - p >= 1 && (*p == 'l' || *p == 'L'))
		q = p + 1;
	else
		return -1;
	while (q < end && (*q == ' ' || *q == '\t'))
		q++;
	if (q == end || *q != ':')
		return -1;
	for (q++; q < end && (*q == ' ' || *q == '\t'); q++)
		;
	for (; q < end && *q >= '0' && *q <= '9' && digits < 9; q++, digits++)
		v = v * 10 + (*q - '0');
	while (q < end && (*q == ' ' || *q == '\t' || *q == '\r'))
		q++;
	return digits && q == end ? v : -2;
}

/* Content-Length of the header section buf[0..hend): -1 absent, -2 bad
 * or given twice with different values. */
static long content_length(const char *buf, uint32_t hend)
{
	const char *p = buf, *end = buf + hend;
	long found = -1;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		long v;

		if (!nl)
			break;
		v = clen_line(p, nl);
		if (v == -2 || (v >= 0 && found >= 0 && v != found))
			return -2;
		if (v >= 0)
			found = v;
		p = nl + 1;
	}
	return found;
}

enum frame_kind frame_next(const char *buf, uint32_t len, uint32_t max,
			   uint32_t *n)
{
	uint32_t i = 0, hend;
	long clen;

	while (i < len && is_crlf(buf[i]))
		i++;
	if (i) {
		*n = i;
		return FRAME_CRLF;
	}
	hend = header_end(buf, len < max ? len : max);
	if (!hend)
		return len >= max ? FRAME_BAD : FRAME_PARTIAL;
	/* RFC 3261 18.3: on a stream Content-Length is mandatory. */
	clen = content_length(buf, hend);
	if (clen < 0 || (uint64_t)hend + (uint64_t)clen > max)
		return FRAME_BAD;
	if (len < hend + (uint32_t)clen)
		return FRAME_PARTIAL;
	*n = hend + (uint32_t)clen;
	return FRAME_MSG;
}

/* The line buf[0..n) (no line end) is "SIP/2.0 NNN ..." or
 * "TOKEN SP URI SP SIP/2.0". */
static bool sip_line(const char *buf, uint32_t n)
{
	uint32_t i = 0, sp;

	if (n >= 12 && !memcmp(buf, "SIP/2.0 ", 8))
		return buf[8] >= '1' && buf[8] <= '6' && buf[9] >= '0' &&
		       buf[9] <= '9' && buf[10] >= '0' && buf[10] <= '9' &&
		       buf[11] == ' ';
	while (i < n && is_token(buf[i]))
		i++;
	if (i == 0 || i == n || buf[i] != ' ')
		return false;
	sp = i + 1;
	while (i + 1 < n && buf[i + 1] != ' ')
		i++;
	i++;
	if (i == sp || i >= n || buf[i] != ' ')
		return false;
	return n - i - 1 == 7 && !memcmp(buf + i + 1, "SIP/2.0", 7);
}

int frame_sip_start(const char *buf, uint32_t len)
{
	uint32_t i = 0, e;

	while (i < len && is_crlf(buf[i]))
		i++;
	if (i < len && !is_token(buf[i]))
		return 0;	/* TLS, binary, anything else */
	for (e = i; e < len && !is_crlf(buf[e]); e++)
		if (e - i >= LINE_MAX_LEN)
			return 0;
	if (e == len)
		return e - i >= LINE_MAX_LEN ? 0 : -1;
	return sip_line(buf + i, e - i) ? 1 : 0;
}
