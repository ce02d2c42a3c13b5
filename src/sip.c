/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * SIP scanner (RFC 3261 sections 7, 19.1, 20 and 25).  Everything it finds
 * is a span into the caller's buffer; nothing is copied or allocated, and no
 * byte outside [buf, buf + len) is ever read.  Every loop is bounded by an
 * explicit end offset because the message is not NUL-terminated.
 */
#include <strings.h>

#include "sip.h"
#include "sip_int.h"

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
const bool sip_token_tab[256] = {
	['-'] = 1, ['.'] = 1, ['!'] = 1, ['%'] = 1, ['*'] = 1, ['_'] = 1,
	['+'] = 1, ['`'] = 1, ['\''] = 1, ['~'] = 1,
	['0' ... '9'] = 1, ['A' ... 'Z'] = 1, ['a' ... 'z'] = 1,
};

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
