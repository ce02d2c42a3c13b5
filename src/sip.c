/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * SIP scanner (RFC 3261 sections 7, 19.1, 20 and 25).  Everything it finds
 * is a span into the caller's buffer; nothing is copied or allocated, and no
 * byte outside [buf, buf + len) is ever read.  Every loop is bounded by an
 * explicit end offset because the message is not NUL-terminated.
 */
#include <strings.h>

#include "sip.h"

/* One row per header field the ALG cares about, long and compact name
 * (RFC 3261 section 7.3.3 and the table in section 20). */
struct sip_hdr_name {
	const char *name;
	const char *compact;	/* one letter or NULL */
	uint32_t len;		/* strlen(name) */
	enum sip_hdr_id id;
};

#define SIP_HDR(_id, _name, _compact) \
	{ .name = (_name), .compact = (_compact), \
	  .len = sizeof(_name) - 1, .id = (_id) }

static const struct sip_hdr_name sip_hdr_names[] = {
	SIP_HDR(SIP_HDR_VIA, "Via", "v"),
	SIP_HDR(SIP_HDR_CONTACT, "Contact", "m"),
	SIP_HDR(SIP_HDR_FROM, "From", "f"),
	SIP_HDR(SIP_HDR_TO, "To", "t"),
	SIP_HDR(SIP_HDR_CALL_ID, "Call-ID", "i"),
	SIP_HDR(SIP_HDR_CSEQ, "CSeq", NULL),
	SIP_HDR(SIP_HDR_CONTENT_LENGTH, "Content-Length", "l"),
	SIP_HDR(SIP_HDR_CONTENT_TYPE, "Content-Type", "c"),
	SIP_HDR(SIP_HDR_EXPIRES, "Expires", NULL),
	SIP_HDR(SIP_HDR_RECORD_ROUTE, "Record-Route", NULL),
	SIP_HDR(SIP_HDR_ROUTE, "Route", NULL),
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* RFC 3261 section 25.1: token characters (alphanumerics and
 * -.!%*_+`'~), as a table: the scanner asks for every byte of every
 * header name and parameter. */
static const bool sip_token_tab[256] = {
	['-'] = 1, ['.'] = 1, ['!'] = 1, ['%'] = 1, ['*'] = 1, ['_'] = 1,
	['+'] = 1, ['`'] = 1, ['\''] = 1, ['~'] = 1,
	['0' ... '9'] = 1, ['A' ... 'Z'] = 1, ['a' ... 'z'] = 1,
};

static bool sip_is_token(char c)
{
	return sip_token_tab[(unsigned char)c];
}

static bool sip_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool sip_is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

/* Inside a header value CR and LF only occur as part of a folded line. */
static bool sip_is_lws(char c)
{
	return sip_is_wsp(c) || c == '\r' || c == '\n';
}

static uint32_t sip_skip_lws(const char *buf, uint32_t p, uint32_t end)
{
	while (p < end && sip_is_lws(buf[p]))
		p++;
	return p;
}

static uint32_t sip_trim_lws(const char *buf, uint32_t start, uint32_t end)
{
	while (end > start && sip_is_lws(buf[end - 1]))
		end--;
	return end;
}

static uint32_t sip_skip_token(const char *buf, uint32_t p, uint32_t end)
{
	while (p < end && sip_is_token(buf[p]))
		p++;
	return p;
}

static bool sip_prefix_ci(const char *buf, uint32_t p, uint32_t end,
			  const char *lit)
{
	size_t n = strlen(lit);

	return p <= end && end - p >= n && strncasecmp(buf + p, lit, n) == 0;
}

static struct span sip_span(uint32_t start, uint32_t end)
{
	return (struct span){ .off = start, .len = end - start };
}

/*
 * Parse a run of decimal digits [p, end) into *val.  Fails on an empty run,
 * a non-digit or a value above max.
 */
static bool sip_parse_uint(const char *buf, uint32_t p, uint32_t end,
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

/*
 * Find the line starting at p: *eol is the end of its content (without CR
 * LF), *next the start of the following line.  Returns false when there is
 * no LF before len; *eol and *next are then len.
 */
static bool sip_line(const char *buf, uint32_t p, uint32_t len, uint32_t *eol,
		     uint32_t *next)
{
	const char *lf = memchr(buf + p, '\n', len - p);

	if (!lf) {
		*eol = *next = len;
		return false;
	}
	*next = (uint32_t)(lf - buf) + 1;
	*eol = *next - 1;
	if (*eol > p && buf[*eol - 1] == '\r')
		(*eol)--;
	return true;
}

/* RFC 3261 section 7.5: leading empty lines are ignored. */
static uint32_t sip_skip_empty_lines(const char *buf, uint32_t len)
{
	uint32_t p = 0;

	while (p < len && (buf[p] == '\r' || buf[p] == '\n'))
		p++;
	return p;
}

static bool sip_version_is(const char *buf, uint32_t p, uint32_t end)
{
	return p <= end && end - p == 7 &&
	       sip_prefix_ci(buf, p, end, "SIP/2.0");
}

/* Request-URI bytes: visible ASCII, and none of the delimiters that cannot
 * appear inside a URI (RFC 3261 section 25.1, RFC 4475 section 3.1.2.7). */
static bool sip_is_uri_char(char c)
{
	unsigned char u = (unsigned char)c;

	return u > 0x20 && u < 0x7f && c != '<' && c != '>' && c != '"';
}

static bool sip_has_version(const char *buf, uint32_t p, uint32_t end)
{
	const char *sp;

	while (p < end && (sp = memchr(buf + p, ' ', end - p)) != NULL) {
		p = (uint32_t)(sp - buf);
		if (sip_prefix_ci(buf, p, end, " SIP/"))
			return true;
		p++;
	}
	return false;
}

/* Request-Line = Method SP Request-URI SP SIP-Version CRLF */
static enum sip_scan_result sip_scan_request(struct sip_msg *m, uint32_t p,
					     uint32_t eol)
{
	const char *buf = m->buf;
	uint32_t q = sip_skip_token(buf, p, eol);
	uint32_t u;

	if (q == p || q == eol || buf[q] != ' ' ||
	    !sip_has_version(buf, q, eol))
		return SIP_NOT_SIP;
	m->is_request = true;
	m->method = sip_span(p, q);
	u = ++q;
	while (q < eol && sip_is_uri_char(buf[q]))
		q++;
	if (q == u || q == eol || buf[q] != ' ' ||
	    !sip_version_is(buf, q + 1, eol))
		return SIP_MALFORMED;
	m->ruri = sip_span(u, q);
	return SIP_OK;
}

/* Status-Line = SIP-Version SP Status-Code SP Reason-Phrase CRLF.  A missing
 * "SP Reason-Phrase" is tolerated: some UAs send "SIP/2.0 200". */
static enum sip_scan_result sip_scan_status(struct sip_msg *m, uint32_t p,
					    uint32_t eol)
{
	const char *buf = m->buf;
	uint32_t code;

	if (eol - p < 11 || !sip_version_is(buf, p, p + 7) || buf[p + 7] != ' ')
		return SIP_MALFORMED;
	p += 8;
	if (!sip_parse_uint(buf, p, p + 3, 699, &code) || code < 100)
		return SIP_MALFORMED;
	if (p + 3 < eol && buf[p + 3] != ' ')
		return SIP_MALFORMED;
	m->status = (int)code;
	return SIP_OK;
}

static enum sip_scan_result sip_scan_start(struct sip_msg *m, uint32_t p,
					   uint32_t eol)
{
	if (sip_prefix_ci(m->buf, p, eol, "SIP/"))
		return sip_scan_status(m, p, eol);
	return sip_scan_request(m, p, eol);
}

static bool sip_name_is(const char *buf, struct span name, const char *lit)
{
	return lit && strlen(lit) == name.len &&
	       strncasecmp(buf + name.off, lit, name.len) == 0;
}

static enum sip_hdr_id sip_hdr_lookup(const char *buf, struct span name)
{
	const struct sip_hdr_name *h;
	char c = buf[name.off] | 0x20;	/* ASCII letters to lower case */
	size_t i;

	for (i = 0; i < ARRAY_SIZE(sip_hdr_names); i++) {
		h = &sip_hdr_names[i];
		if (name.len == 1 ? h->compact && c == (h->compact[0] | 0x20)
				  : name.len == h->len &&
				    c == (h->name[0] | 0x20) &&
				    strncasecmp(buf + name.off, h->name,
						name.len) == 0)
			return h->id;
	}
	return SIP_HDR_OTHER;
}

/* header-name HCOLON value, HCOLON = *( SP / HTAB ) ":" SWS */
static enum sip_scan_result sip_scan_field(struct sip_msg *m, uint32_t p,
					   uint32_t eol)
{
	const char *buf = m->buf;
	struct sip_hdr *h = &m->hdr[m->n_hdr];
	uint32_t q = sip_skip_token(buf, p, eol);
	uint32_t v;

	h->name = sip_span(p, q);
	while (q < eol && sip_is_wsp(buf[q]))
		q++;
	if (h->name.len == 0 || q == eol || buf[q] != ':')
		return SIP_MALFORMED;
	v = sip_skip_lws(buf, q + 1, eol);
	h->value = sip_span(v, sip_trim_lws(buf, v, eol));
	h->id = sip_hdr_lookup(buf, h->name);
	m->n_hdr++;
	return SIP_OK;
}

/* RFC 3261 section 7.3.1: a line starting with SP or HTAB continues the
 * value of the previous header field. */
static enum sip_scan_result sip_scan_fold(struct sip_msg *m, uint32_t p,
					  uint32_t eol)
{
	struct span *v;
	uint32_t start = sip_skip_lws(m->buf, p, eol);

	if (m->n_hdr == 0)
		return SIP_MALFORMED;
	if (start == eol)
		return SIP_OK;
	v = &m->hdr[m->n_hdr - 1].value;
	if (v->len == 0)
		v->off = start;
	v->len = sip_trim_lws(m->buf, start, eol) - v->off;
	return SIP_OK;
}

static enum sip_scan_result sip_scan_line(struct sip_msg *m, uint32_t p,
					  uint32_t eol)
{
	if (sip_is_wsp(m->buf[p]))
		return sip_scan_fold(m, p, eol);
	if (m->n_hdr == SIP_MAX_HDRS)
		return SIP_TOO_MANY_HEADERS;
	return sip_scan_field(m, p, eol);
}

static enum sip_scan_result sip_scan_headers(struct sip_msg *m, uint32_t p)
{
	enum sip_scan_result r;
	uint32_t eol, next;

	for (;;) {
		if (!sip_line(m->buf, p, m->len, &eol, &next))
			return SIP_TRUNCATED;
		if (eol == p) {
			m->hdr_end = next;
			return SIP_OK;
		}
		r = sip_scan_line(m, p, eol);
		if (r != SIP_OK)
			return r;
		p = next;
	}
}

/*
 * RFC 3261 section 18.3: Content-Length frames the body.  Two of them make
 * the framing ambiguous (RFC 4475 section 3.3.9), so that is malformed too.
 */
static enum sip_scan_result sip_scan_body(struct sip_msg *m)
{
	int i = sip_hdr_find(m, SIP_HDR_CONTENT_LENGTH, 0);
	struct span v;

	m->body = sip_span(m->hdr_end, m->len);
	if (i < 0)
		return SIP_OK;
	if (sip_hdr_find(m, SIP_HDR_CONTENT_LENGTH, 1) >= 0)
		return SIP_MALFORMED;
	v = m->hdr[i].value;
	if (!sip_parse_uint(m->buf, v.off, span_end(v), UINT32_MAX, &m->clen))
		return SIP_MALFORMED;
	m->has_clen = true;
	m->clen_value = v;
	if (m->clen > m->len - m->hdr_end)
		return SIP_TRUNCATED;
	m->body.len = m->clen;
	return SIP_OK;
}

/*
 * sip_scan - see sip.h.  The start line decides between SIP_NOT_SIP (does
 * not look like SIP at all) and SIP_MALFORMED (looks like SIP, breaks the
 * grammar).  Only the first message of a datagram is scanned.
 */
/* What the planner asks of every message several times: the top Via,
 * the From and To tags. */
static void sip_scan_cached(struct sip_msg *m)
{
	int h = sip_hdr_find(m, SIP_HDR_VIA, 0);
	struct span item;
	uint32_t pos = 0;

	m->top_via_ok = h >= 0 &&
			sip_list_next(m->buf, m->hdr[h].value, &pos, &item) &&
			sip_via_parse(m->buf, item, &m->top_via) == 0;
	h = sip_hdr_find(m, SIP_HDR_FROM, 0);
	m->has_from_tag = h >= 0 && sip_param(m->buf, m->hdr[h].value, "tag",
					      &m->from_tag);
	h = sip_hdr_find(m, SIP_HDR_TO, 0);
	m->has_to_tag = h >= 0 && sip_param(m->buf, m->hdr[h].value, "tag",
					    &m->to_tag);
}

bool sip_tag(const struct sip_msg *m, enum sip_hdr_id id, struct span *tag)
{
	bool has = id == SIP_HDR_FROM ? m->has_from_tag
				      : id == SIP_HDR_TO && m->has_to_tag;

	if (has)
		*tag = id == SIP_HDR_FROM ? m->from_tag : m->to_tag;
	return has;
}

int sip_top_via(const struct sip_msg *m, struct sip_via *v)
{
	if (!m->top_via_ok)
		return -1;
	*v = m->top_via;
	return 0;
}

enum sip_scan_result sip_scan(struct sip_msg *m, const char *buf, uint32_t len)
{
	enum sip_scan_result r;
	uint32_t p, eol, next;
	bool has_lf;

	memset(m, 0, offsetof(struct sip_msg, hdr));
	m->buf = buf;
	m->len = len;
	p = sip_skip_empty_lines(buf, len);
	if (p == len)
		return SIP_NOT_SIP;
	has_lf = sip_line(buf, p, len, &eol, &next);
	r = sip_scan_start(m, p, eol);
	if (!has_lf && r != SIP_NOT_SIP)
		return SIP_TRUNCATED;	/* maybe cut inside the start line */
	if (r != SIP_OK)
		return r;
	r = sip_scan_headers(m, next);
	if (r != SIP_OK)
		return r;
	r = sip_scan_body(m);
	if (r == SIP_OK)
		sip_scan_cached(m);
	return r;
}

/* sip_hdr_find - see sip.h. */
int sip_hdr_find(const struct sip_msg *m, enum sip_hdr_id id, unsigned n)
{
	unsigned i;

	for (i = 0; i < m->n_hdr; i++)
		if (m->hdr[i].id == id && n-- == 0)
			return (int)i;
	return -1;
}

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

/* sip_cseq - see sip.h.  The number must be below 2^31 (RFC 3261 section
 * 8.1.1.5); the method must be the last thing in the value. */
int sip_cseq(const struct sip_msg *m, uint32_t *num, struct span *method)
{
	int i = sip_hdr_find(m, SIP_HDR_CSEQ, 0);
	uint32_t p, q, end;

	if (i < 0)
		return -1;
	p = m->hdr[i].value.off;
	end = span_end(m->hdr[i].value);
	for (q = p; q < end && sip_is_digit(m->buf[q]); q++)
		;
	if (!sip_parse_uint(m->buf, p, q, INT32_MAX, num))
		return -1;
	p = sip_skip_lws(m->buf, q, end);
	if (p == q)
		return -1;
	q = sip_skip_token(m->buf, p, end);
	if (q == p || q != end)
		return -1;
	*method = sip_span(p, q);
	return 0;
}

/* sip_method_is - see sip.h.  Methods are case-sensitive (RFC 3261
 * section 7.1). */
bool sip_method_is(const struct sip_msg *m, const char *lit)
{
	struct span method;
	uint32_t num;

	if (m->is_request)
		return span_eq(m->buf, m->method, lit);
	if (sip_cseq(m, &num, &method) < 0)
		return false;
	return span_eq(m->buf, method, lit);
}
