/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * SDP scanner (RFC 8866, formerly RFC 4566): the o=, c=, m= and a= lines an
 * ALG rewrites, as spans.  Session-level lines are those before the first
 * m=; after it every c=/a= line belongs to the latest media description.
 * Pure: no allocation, no I/O, never reads outside [buf, buf + len).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <strings.h>

#include "addr.h"
#include "sdp.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define SDP_DIR_UNSET (-1)

/* Scanner state: the message being filled and the session-level direction
 * attribute, which media without their own inherit (RFC 8866 6.7). */
struct sdp_ctx {
	struct sdp_msg *s;
	const char *buf;
	int sess_dir;
};

static bool sdp_is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

static bool sdp_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static struct span sdp_span(uint32_t start, uint32_t end)
{
	return (struct span){ .off = start, .len = end - start };
}

/*
 * Split [p, end) into fields separated by runs of SP/HTAB.  Fills at most
 * max spans into f and returns the number of fields found (which may be
 * more than max).
 */
static unsigned sdp_fields(const char *buf, uint32_t p, uint32_t end,
			   struct span *f, unsigned max)
{
	unsigned n = 0;
	uint32_t q;

	for (;;) {
		while (p < end && sdp_is_wsp(buf[p]))
			p++;
		if (p == end)
			return n;
		for (q = p; q < end && !sdp_is_wsp(buf[q]); q++)
			;
		if (n < max)
			f[n] = sdp_span(p, q);
		n++;
		p = q;
	}
}

/* Parse a port: all of span d must be digits, value at most 65535. */
static bool sdp_port(const char *buf, struct span d, uint16_t *port)
{
	uint32_t v = 0;
	uint32_t i;

	if (d.len == 0 || d.len > 5)
		return false;
	for (i = d.off; i < span_end(d); i++) {
		if (!sdp_is_digit(buf[i]))
			return false;
		v = v * 10 + (uint32_t)(buf[i] - '0');
	}
	if (v > 65535)
		return false;
	*port = (uint16_t)v;
	return true;
}

static bool sdp_tok_is(const char *buf, struct span t, const char *lit)
{
	return strlen(lit) == t.len &&
	       strncasecmp(buf + t.off, lit, t.len) == 0;
}

static bool sdp_is_literal(const char *buf, struct span a,
			   enum sdp_family family)
{
	char tmp[INET6_ADDRSTRLEN + 1];
	unsigned char out[sizeof(struct in6_addr)];
	struct in_addr v4;

	if (family == SDP_AF_IP4)
		return addr_parse4(buf + a.off, a.len, &v4);
	if (family == SDP_AF_OTHER || a.len == 0 || a.len >= sizeof(tmp) ||
	    memchr(buf + a.off, '\0', a.len))
		return false;
	memcpy(tmp, buf + a.off, a.len);
	tmp[a.len] = '\0';
	return inet_pton(AF_INET6, tmp, out) == 1;
}

/*
 * Fill *a from an addrtype token and an address token; the address loses
 * any "/ttl" or "/count" suffix (RFC 8866 5.7).  Returns false when no
 * address is left.
 */
static bool sdp_addr_set(const char *buf, struct sdp_addr *a,
			 struct span type, struct span addr)
{
	const char *slash = memchr(buf + addr.off, '/', addr.len);

	if (slash)
		addr.len = (uint32_t)(slash - (buf + addr.off));
	if (addr.len == 0)
		return false;
	if (sdp_tok_is(buf, type, "IP4"))
		a->family = SDP_AF_IP4;
	else if (sdp_tok_is(buf, type, "IP6"))
		a->family = SDP_AF_IP6;
	else
		a->family = SDP_AF_OTHER;
	a->addr = addr;
	a->is_literal = sdp_is_literal(buf, addr, a->family);
	return true;
}

static struct sdp_media *sdp_cur_media(struct sdp_ctx *c)
{
	if (c->s->n_media == 0)
		return NULL;
	return &c->s->media[c->s->n_media - 1];
}

/*
 * o=<username> <sess-id> <sess-version> <nettype> <addrtype> <address>.
 * Only the first o= counts; one without six fields is left alone (it is
 * cosmetic for an ALG) rather than failing the whole body.
 */
static enum sdp_scan_result sdp_line_o(struct sdp_ctx *c, uint32_t p,
				       uint32_t end)
{
	struct span f[6];

	if (c->s->has_origin || sdp_fields(c->buf, p, end, f, 6) != 6)
		return SDP_OK;
	c->s->has_origin = sdp_addr_set(c->buf, &c->s->origin, f[4], f[5]);
	return SDP_OK;
}

/* c=<nettype> <addrtype> <connection-address>; the first one per level. */
static enum sdp_scan_result sdp_line_c(struct sdp_ctx *c, uint32_t p,
				       uint32_t end)
{
	struct sdp_media *m = sdp_cur_media(c);
	struct sdp_addr a = { 0 };
	struct span f[3];

	if (sdp_fields(c->buf, p, end, f, 3) != 3 ||
	    !sdp_addr_set(c->buf, &a, f[1], f[2]))
		return SDP_MALFORMED;
	if (m && !m->has_conn) {
		m->has_conn = true;
		m->conn = a;
	} else if (!m && !c->s->has_conn) {
		c->s->has_conn = true;
		c->s->conn = a;
	}
	return SDP_OK;
}

/* m=<media> <port>[/<number of ports>] <proto> <fmt> ... */
static enum sdp_scan_result sdp_line_m(struct sdp_ctx *c, uint32_t p,
				       uint32_t end)
{
	struct sdp_media *m;
	struct span f[3];
	struct span port;
	const char *slash;
	uint16_t count;

	if (c->s->n_media == SDP_MAX_MEDIA)
		return SDP_TOO_MANY_MEDIA;
	if (sdp_fields(c->buf, p, end, f, 3) < 3)
		return SDP_MALFORMED;
	port = f[1];
	slash = memchr(c->buf + port.off, '/', port.len);
	if (slash) {
		port.len = (uint32_t)(slash - (c->buf + port.off));
		if (!sdp_port(c->buf, sdp_span(port.off + port.len + 1,
					       span_end(f[1])), &count))
			return SDP_MALFORMED;
	}
	m = &c->s->media[c->s->n_media];
	memset(m, 0, sizeof(*m));
	if (!sdp_port(c->buf, port, &m->port_num))
		return SDP_MALFORMED;
	m->type = f[0];
	m->port = port;
	m->proto = f[2];
	m->dir = SDP_DIR_UNSET;
	c->s->n_media++;
	return SDP_OK;
}

/* a=rtcp:<port> [<nettype> <addrtype> <connection-address>] (RFC 3605). */
static enum sdp_scan_result sdp_attr_rtcp(struct sdp_ctx *c,
					  struct sdp_media *m, uint32_t p,
					  uint32_t end)
{
	struct span f[4];
	unsigned n = sdp_fields(c->buf, p, end, f, 4);

	if (m->has_rtcp)
		return SDP_OK;
	if ((n != 1 && n != 4) || !sdp_port(c->buf, f[0], &m->rtcp_port_num))
		return SDP_MALFORMED;
	if (n == 4 && !sdp_addr_set(c->buf, &m->rtcp_addr, f[2], f[3]))
		return SDP_MALFORMED;
	m->has_rtcp = true;
	m->rtcp_port = f[0];
	m->rtcp_has_addr = n == 4;
	return SDP_OK;
}

static const struct {
	const char *name;
	int dir;
} sdp_dirs[] = {
	{ "sendrecv", SDP_DIR_SENDRECV },
	{ "sendonly", SDP_DIR_SENDONLY },
	{ "recvonly", SDP_DIR_RECVONLY },
	{ "inactive", SDP_DIR_INACTIVE },
};

static int sdp_dir_lookup(const char *buf, struct span name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(sdp_dirs); i++)
		if (span_eq(buf, name, sdp_dirs[i].name))
			return sdp_dirs[i].dir;
	return SDP_DIR_UNSET;
}

/* a=<attribute>[:<value>]; attribute names are case-sensitive. */
static enum sdp_scan_result sdp_line_a(struct sdp_ctx *c, uint32_t p,
				       uint32_t end)
{
	struct sdp_media *m = sdp_cur_media(c);
	const char *colon = memchr(c->buf + p, ':', end - p);
	uint32_t nend = colon ? (uint32_t)(colon - c->buf) : end;
	struct span name = sdp_span(p, nend);
	int dir = colon ? SDP_DIR_UNSET : sdp_dir_lookup(c->buf, name);

	if (dir != SDP_DIR_UNSET) {
		if (m)
			m->dir = dir;
		else
			c->sess_dir = dir;
		return SDP_OK;
	}
	if (!m)
		return SDP_OK;
	if (!colon && span_eq(c->buf, name, "rtcp-mux"))
		m->rtcp_mux = true;
	else if (colon && span_eq(c->buf, name, "rtcp"))
		return sdp_attr_rtcp(c, m, nend + 1, end);
	return SDP_OK;
}

static const struct {
	char type;
	enum sdp_scan_result (*fn)(struct sdp_ctx *c, uint32_t p,
				   uint32_t end);
} sdp_lines[] = {
	{ 'o', sdp_line_o },
	{ 'c', sdp_line_c },
	{ 'm', sdp_line_m },
	{ 'a', sdp_line_a },
};

/* One "<type>=<value>" line [p, end) without its line end. */
static enum sdp_scan_result sdp_line(struct sdp_ctx *c, uint32_t p,
				     uint32_t end)
{
	const char *buf = c->buf;
	size_t i;

	if (end - p < 2 || buf[p] < 'a' || buf[p] > 'z' || buf[p + 1] != '=')
		return SDP_MALFORMED;
	for (i = 0; i < ARRAY_SIZE(sdp_lines); i++)
		if (sdp_lines[i].type == buf[p])
			return sdp_lines[i].fn(c, p + 2, end);
	return SDP_OK;
}

/* Find the line at p: content end (no CR LF, no trailing SP/HTAB) and the
 * start of the next line.  A missing final line end is tolerated. */
static uint32_t sdp_line_end(const char *buf, uint32_t p, uint32_t len,
			     uint32_t *next)
{
	const char *lf = memchr(buf + p, '\n', len - p);
	uint32_t end = lf ? (uint32_t)(lf - buf) : len;

	*next = lf ? end + 1 : len;
	if (end > p && buf[end - 1] == '\r')
		end--;
	while (end > p && sdp_is_wsp(buf[end - 1]))
		end--;
	return end;
}

static bool sdp_rest_blank(const char *buf, uint32_t p, uint32_t len)
{
	for (; p < len; p++)
		if (buf[p] != '\r' && buf[p] != '\n')
			return false;
	return true;
}

static void sdp_inherit_dir(struct sdp_ctx *c)
{
	unsigned i;

	for (i = 0; i < c->s->n_media; i++)
		if (c->s->media[i].dir == SDP_DIR_UNSET)
			c->s->media[i].dir = c->sess_dir;
}

/*
 * sdp_scan - see sdp.h.  Empty lines are accepted only at the end of the
 * body (a stray final CRLF is common).  *s is undefined unless SDP_OK.
 */
enum sdp_scan_result sdp_scan(struct sdp_msg *s, const char *buf, uint32_t len)
{
	struct sdp_ctx c = { .s = s, .buf = buf, .sess_dir = SDP_DIR_SENDRECV };
	enum sdp_scan_result r;
	uint32_t p = 0, end, next;

	memset(s, 0, sizeof(*s));
	while (p < len) {
		end = sdp_line_end(buf, p, len, &next);
		if (end == p && next - p <= 2 && sdp_rest_blank(buf, p, len))
			break;
		r = sdp_line(&c, p, end);
		if (r != SDP_OK)
			return r;
		p = next;
	}
	sdp_inherit_dir(&c);
	return SDP_OK;
}

/* sdp_media_conn - see sdp.h.  The pointer is into *s. */
const struct sdp_addr *sdp_media_conn(const struct sdp_msg *s, unsigned i)
{
	if (i >= s->n_media)
		return NULL;
	if (s->media[i].has_conn)
		return &s->media[i].conn;
	if (s->has_conn)
		return &s->conn;
	return NULL;
}
