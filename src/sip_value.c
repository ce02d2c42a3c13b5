/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Values inside SIP header fields (RFC 3261 sections 19.1, 20 and 25):
 * comma lists, URIs and their host:port, Via, parameters: functions of
 * (buffer, span) that know no message.  As in sip.c, every result is a
 * span into the caller's buffer and every loop is bounded by an explicit
 * end offset.
 */
#include <strings.h>

#include "sip_int.h"
#include "sip_value.h"

/* End of a quoted string whose opening '"' is at p: the offset after the
 * closing quote, or end when it is unterminated. */
static uint32_t sip_skip_quoted(const char *buf, uint32_t p, uint32_t end)
{
	for (p++; p < end; p++) {
		if (buf[p] == '\\')
			p++;
		else if (buf[p] == '"')
			return p + 1;
	}
	return end;
}

/* Offset of the next c in [p, end) outside quoted strings and <...>. */
static uint32_t sip_find_sep(const char *buf, uint32_t p, uint32_t end, char c)
{
	/* The bytes besides c that change the state, as a table: most
	 * bytes are none of them (one look-up, not three compares). */
	static const uint8_t cls[256] = { ['"'] = 1, ['<'] = 2, ['>'] = 3 };
	bool angle = false;

	while (p < end) {
		unsigned char ch = (unsigned char)buf[p];

		if (ch == (unsigned char)c && !angle)
			return p;
		if (cls[ch] == 1 && !angle) {
			p = sip_skip_quoted(buf, p, end);
			continue;
		}
		if (cls[ch] > 1)
			angle = cls[ch] == 2;
		p++;
	}
	return end;
}

/* sip_list_next - see sip.h.  Empty elements (",,") are skipped. */
bool sip_list_next(const char *buf, struct span value, uint32_t *pos,
		   struct span *item)
{
	uint32_t end = span_end(value);
	uint32_t p, stop;

	if (*pos >= value.len) {
		*pos = value.len;
		return false;
	}
	p = value.off + *pos;
	while (p < end && (sip_is_lws(buf[p]) || buf[p] == ','))
		p++;
	if (p == end) {
		*pos = value.len;
		return false;
	}
	stop = sip_find_sep(buf, p, end, ',');
	*item = sip_span(p, sip_trim_lws(buf, p, stop));
	*pos = (stop < end ? stop + 1 : end) - value.off;
	return true;
}

static bool sip_is_host_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       sip_is_digit(c) || c == '-' || c == '.' || c == '_';
}

static bool sip_is_v6_char(char c)
{
	return sip_is_digit(c) || (c >= 'a' && c <= 'f') ||
	       (c >= 'A' && c <= 'F') || c == ':' || c == '.';
}

/* host = hostname / IPv4address / IPv6reference; returns the offset after
 * it, or p when there is none. */
static uint32_t sip_skip_host(const char *buf, uint32_t p, uint32_t end)
{
	uint32_t q = p;

	if (p < end && buf[p] == '[') {
		for (q = p + 1; q < end && sip_is_v6_char(buf[q]); q++)
			;
		if (q == p + 1 || q == end || buf[q] != ']')
			return p;
		return q + 1;
	}
	while (q < end && sip_is_host_char(buf[q]))
		q++;
	return q;
}

/*
 * Parse host [ ":" port ] at p into *hp; lws allows SWS around ':' (the Via
 * sent-by COLON of RFC 3261 section 25.1).  Returns the offset after it, or
 * 0 when malformed (p is never 0 for a hostport: a scheme or a sent-protocol
 * precedes it).
 */
static uint32_t sip_hostport(const char *buf, uint32_t p, uint32_t end,
			     bool lws, struct sip_hostport *hp)
{
	uint32_t q = sip_skip_host(buf, p, end);
	uint32_t c, d, port;

	if (q == p)
		return 0;
	hp->host = sip_span(p, q);
	c = lws ? sip_skip_lws(buf, q, end) : q;
	if (c == end || buf[c] != ':')
		return q;
	c = lws ? sip_skip_lws(buf, c + 1, end) : c + 1;
	for (d = c; d < end && sip_is_digit(buf[d]); d++)
		;
	if (!sip_parse_uint(buf, c, d, 65535, &port) || port == 0)
		return 0;
	hp->port = sip_span(c, d);
	hp->port_num = (uint16_t)port;
	return d;
}

/* Start of the URI in a name-addr ("Name" <uri>) or addr-spec (uri). */
static uint32_t sip_uri_start(const char *buf, struct span s)
{
	uint32_t end = span_end(s);
	uint32_t lt = sip_find_sep(buf, s.off, end, '<');

	if (lt < end)
		return lt + 1;
	return sip_skip_lws(buf, s.off, end);
}

/*
 * End of the URI's userinfo-and-hostport part: a name-addr URI ends at '>',
 * an addr-spec cannot contain LWS (RFC 3261 section 20.10).  ',' may occur
 * in a user part (RFC 4475 3.1.1.2); list items come split already.
 */
static uint32_t sip_uri_end(const char *buf, uint32_t p, uint32_t end)
{
	for (; p < end; p++)
		if (buf[p] == '>' || buf[p] == '<' || buf[p] == '"' ||
		    sip_is_lws(buf[p]))
			break;
	return p;
}

/* Offset after the last '@' in [p, end), or p when there is none. */
static uint32_t sip_after_last_at(const char *buf, uint32_t p, uint32_t end)
{
	uint32_t q;

	for (q = end; q > p; q--)
		if (buf[q - 1] == '@')
			return q;
	return p;
}

/* Where the host starts in [p, end): after the userinfo's '@', or p when
 * there is none; 0 when there are two - an unescaped '@' in the user part
 * (RFC 3261 25.1 escapes it) leaves the host ambiguous, and parsers
 * differ on it. */
static uint32_t sip_host_start(const char *buf, uint32_t p, uint32_t end)
{
	uint32_t a = sip_after_last_at(buf, p, end);

	if (a > p && memchr(buf + p, '@', a - 1 - p))
		return 0;
	return a;
}

static bool sip_is_uri_stop(const char *buf, uint32_t p, uint32_t end)
{
	return p == end || buf[p] == ';' || buf[p] == '?' || buf[p] == '>' ||
	       buf[p] == ',' || sip_is_lws(buf[p]);
}

/* Parse the hostport that follows the userinfo ending at p. */
static int sip_uri_try(const char *buf, uint32_t p, uint32_t end,
		       bool in_angle, struct sip_hostport *hp)
{
	memset(hp, 0, sizeof(*hp));
	p = sip_hostport(buf, p, end, false, hp);
	/* Between '<' and '>' only the URI's own parameters, headers or the
	 * '>' may follow (a ',' there is part of a broken URI). */
	if (p == 0 || !sip_is_uri_stop(buf, p, end) ||
	    (in_angle && p < end && buf[p] != ';' && buf[p] != '?' &&
	     buf[p] != '>')) {
		memset(hp, 0, sizeof(*hp));
		return -1;
	}
	return 0;
}

/*
 * sip_uri_hostport - see sip.h.  A raw '@' is only valid as the userinfo
 * delimiter, but the user part may contain ';' (RFC 4475 3.1.1.9) and even
 * '?' (3.1.1.2), while sloppy URI headers ("?Replaces=a@b") are common too.
 * So the userinfo ends at the last '@' before the first '?' when that gives
 * a valid hostport, else at the last '@' of the URI.
 */
int sip_uri_hostport(const char *buf, struct span s, struct sip_hostport *hp)
{
	uint32_t end = span_end(s);
	uint32_t p, uend, h;
	const char *qm;
	bool in_angle;

	memset(hp, 0, sizeof(*hp));
	p = sip_uri_start(buf, s);
	in_angle = p > s.off && buf[p - 1] == '<';
	if (sip_prefix_ci(buf, p, end, "sip:"))
		p += 4;
	else if (sip_prefix_ci(buf, p, end, "sips:"))
		p += 5;
	else
		return -1;
	uend = sip_uri_end(buf, p, end);
	/* Between '<' and '>' nothing but the URI: LWS inside is not one
	 * the gateway could rewrite safely. */
	if (in_angle && uend < end && buf[uend] != '>')
		return -1;
	qm = memchr(buf + p, '?', uend - p);
	if (qm) {
		h = sip_host_start(buf, p, (uint32_t)(qm - buf));
		if (h && sip_uri_try(buf, h, end, in_angle, hp) == 0)
			return 0;
	}
	h = sip_host_start(buf, p, uend);
	return h ? sip_uri_try(buf, h, end, in_angle, hp) : -1;
}

/* SLASH = SWS "/" SWS */
static bool sip_skip_slash(const char *buf, uint32_t *p, uint32_t end)
{
	uint32_t q = sip_skip_lws(buf, *p, end);

	if (q == end || buf[q] != '/')
		return false;
	*p = sip_skip_lws(buf, q + 1, end);
	return true;
}

/* sent-protocol = "SIP" SLASH "2.0" SLASH transport; returns the offset
 * after it or 0. */
static uint32_t sip_via_protocol(const char *buf, uint32_t p, uint32_t end,
				 struct sip_via *v)
{
	uint32_t t;

	if (!sip_prefix_ci(buf, p, end, "SIP"))
		return 0;
	p += 3;
	if (!sip_skip_slash(buf, &p, end) ||
	    !sip_prefix_ci(buf, p, end, "2.0"))
		return 0;
	p += 3;
	if (!sip_skip_slash(buf, &p, end))
		return 0;
	t = sip_skip_token(buf, p, end);
	if (t == p)
		return 0;
	v->transport = sip_span(p, t);
	return t;
}

static struct span sip_param_value(const char *buf, uint32_t p, uint32_t end);

/* The first branch=, received= and rport of a Via's parameters, in one
 * pass (what three sip_param calls find; every message's Via is parsed
 * several times). */
static void sip_via_params(const char *buf, struct span s, struct sip_via *v)
{
	static const char *const name[3] = { "branch", "received", "rport" };
	struct span *val[3] = { &v->branch, &v->received, &v->rport };
	bool seen[3] = { false, false, false };
	uint32_t end = span_end(s), p = s.off, q;
	unsigned i;

	while ((p = sip_find_sep(buf, p, end, ';')) < end) {
		p = sip_skip_lws(buf, p + 1, end);
		q = sip_skip_token(buf, p, end);
		for (i = 0; q > p && i < 3; i++) {
			if (seen[i] || !sip_name_is(buf, sip_span(p, q),
						    name[i]))
				continue;
			*val[i] = sip_param_value(buf, q, end);
			seen[i] = true;
			break;
		}
		p = q;
	}
	v->has_rport = seen[2];
}

/* sip_via_parse - see sip.h.  *v is zeroed on failure. */
int sip_via_parse(const char *buf, struct span item, struct sip_via *v)
{
	uint32_t end = span_end(item);
	uint32_t p, q;
	struct span params;

	memset(v, 0, sizeof(*v));
	p = sip_via_protocol(buf, sip_skip_lws(buf, item.off, end), end, v);
	if (p == 0)
		goto malformed;
	q = sip_skip_lws(buf, p, end);
	if (q == p)
		goto malformed;
	p = sip_hostport(buf, q, end, true, &v->sent_by);
	if (p == 0)
		goto malformed;
	p = sip_skip_lws(buf, p, end);
	if (p < end && buf[p] != ';' && buf[p] != '(')
		goto malformed;
	params = sip_span(p, end);
	sip_via_params(buf, params, v);
	return 0;
malformed:
	memset(v, 0, sizeof(*v));
	return -1;
}

static bool sip_is_value_stop(char c)
{
	return c == ';' || c == ',' || c == '>' || c == '?' || sip_is_lws(c);
}

/* The value after a parameter name ending at p: [ EQUAL value ], where a
 * value is a token, a host (maybe an IPv6 reference) or a quoted string. */
static struct span sip_param_value(const char *buf, uint32_t p, uint32_t end)
{
	uint32_t q = sip_skip_lws(buf, p, end);

	if (q == end || buf[q] != '=')
		return sip_span(p, p);
	p = sip_skip_lws(buf, q + 1, end);
	if (p < end && buf[p] == '"')
		return sip_span(p, sip_skip_quoted(buf, p, end));
	for (q = p; q < end && !sip_is_value_stop(buf[q]); q++)
		;
	return sip_span(p, q);
}

/* sip_param - see sip.h.  Parameters inside quoted strings or inside <...>
 * are not looked at: pass the inside of <> to search URI parameters. */
bool sip_param(const char *buf, struct span s, const char *name,
	       struct span *val)
{
	uint32_t end = span_end(s);
	uint32_t p = s.off;
	uint32_t q;

	while ((p = sip_find_sep(buf, p, end, ';')) < end) {
		p = sip_skip_lws(buf, p + 1, end);
		q = sip_skip_token(buf, p, end);
		if (q > p && sip_name_is(buf, sip_span(p, q), name)) {
			*val = sip_param_value(buf, q, end);
			return true;
		}
		p = q;
	}
	return false;
}
