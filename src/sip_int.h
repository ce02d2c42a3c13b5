/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SIPALG_SIP_INT_H
#define SIPALG_SIP_INT_H

/*
 * Inside the SIP scanner: the byte classes and span helpers that the
 * message scan (sip.c) and the value parsers (sip_value.c) share.  Inline:
 * the scanner asks them about every byte.  Not for other modules.
 */

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "span.h"

/* RFC 3261 section 25.1: token characters (sip.c). */
extern const bool sip_token_tab[256];

static inline bool sip_is_token(char c)
{
	return sip_token_tab[(unsigned char)c];
}

static inline bool sip_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static inline bool sip_is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

/* Inside a header value CR and LF only occur as part of a folded line. */
static inline bool sip_is_lws(char c)
{
	return sip_is_wsp(c) || c == '\r' || c == '\n';
}

static inline uint32_t sip_skip_lws(const char *buf, uint32_t p,
				    uint32_t end)
{
	while (p < end && sip_is_lws(buf[p]))
		p++;
	return p;
}

static inline uint32_t sip_trim_lws(const char *buf, uint32_t start,
				    uint32_t end)
{
	while (end > start && sip_is_lws(buf[end - 1]))
		end--;
	return end;
}

static inline uint32_t sip_skip_token(const char *buf, uint32_t p,
				      uint32_t end)
{
	while (p < end && sip_is_token(buf[p]))
		p++;
	return p;
}

static inline bool sip_prefix_ci(const char *buf, uint32_t p, uint32_t end,
				 const char *lit)
{
	size_t n = strlen(lit);

	return p <= end && end - p >= n && strncasecmp(buf + p, lit, n) == 0;
}

static inline struct span sip_span(uint32_t start, uint32_t end)
{
	return (struct span){ .off = start, .len = end - start };
}

/*
 * Parse a run of decimal digits [p, end) into *val.  Fails on an empty run,
 * a non-digit or a value above max.
 */
static inline bool sip_parse_uint(const char *buf, uint32_t p, uint32_t end,
				  uint32_t max, uint32_t *val)
{
	uint64_t v = 0;

	if (p >= end)
		return false;
	for (; p < end; p++) {
		if (!sip_is_digit(buf[p]))
			return false;
		v = v * 10 + (uint64_t)(buf[p] - '0');
		if (v > max)
			return false;
	}
	*val = (uint32_t)v;
	return true;
}

static inline bool sip_name_is(const char *buf, struct span name,
			       const char *lit)
{
	return lit && strlen(lit) == name.len &&
	       strncasecmp(buf + name.off, lit, name.len) == 0;
}

#endif
