/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for the SDP scanner (src/sdp.c).  Bodies are copied into heap
 * buffers of exactly their length (no NUL) so AddressSanitizer catches any
 * read past the end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "sdp.h"
#include "sip.h"

#define assert_span(buf, sp, want)                                          \
	do {                                                                \
		struct span s_ = (sp);                                      \
		if (!span_eq((buf), s_, (want)))                            \
			fail_msg("span [%u,+%u) \"%.*s\" != \"%s\"", s_.off, \
				 s_.len, (int)s_.len, (buf) + s_.off,       \
				 (want));                                   \
	} while (0)

struct t_sdp {
	char *buf;
	uint32_t len;
	struct sdp_msg s;
	enum sdp_scan_result r;
};

static struct t_sdp *t_scan_n(const char *text, size_t len)
{
	struct t_sdp *t = malloc(sizeof(*t));

	assert_non_null(t);
	t->buf = malloc(len ? len : 1);
	assert_non_null(t->buf);
	memcpy(t->buf, text, len);
	t->len = (uint32_t)len;
	t->r = sdp_scan(&t->s, t->buf, t->len);
	return t;
}

static struct t_sdp *t_scan(const char *text)
{
	return t_scan_n(text, strlen(text));
}

static void t_free(struct t_sdp *t)
{
	free(t->buf);
	free(t);
}

static enum sdp_scan_result t_result(const char *text)
{
	struct t_sdp *t = t_scan(text);
	enum sdp_scan_result r = t->r;

	t_free(t);
	return r;
}

static void t_addr(const char *buf, const struct sdp_addr *a,
		   enum sdp_family family, const char *addr, bool literal)
{
	assert_non_null(a);
	assert_int_equal(a->family, family);
	assert_span(buf, a->addr, addr);
	assert_int_equal(a->is_literal, literal);
}

static const char offer[] =
	"v=0\r\n"
	"o=alice 2890844526 2890844526 IN IP4 10.0.0.10\r\n"
	"s=-\r\n"
	"c=IN IP4 10.0.0.10\r\n"
	"t=0 0\r\n"
	"m=audio 49170 RTP/AVP 0 8 97\r\n"
	"a=rtpmap:0 PCMU/8000\r\n"
	"m=video 51372 RTP/AVP 31 32\r\n"
	"a=rtpmap:31 H261/90000\r\n";

static void test_basic(void **state)
{
	struct t_sdp *t = t_scan(offer);
	const struct sdp_msg *s = &t->s;

	assert_int_equal(t->r, SDP_OK);
	assert_true(s->has_origin);
	t_addr(t->buf, &s->origin, SDP_AF_IP4, "10.0.0.10", true);
	assert_int_equal(s->origin.addr.off, 42);
	assert_true(s->has_conn);
	t_addr(t->buf, &s->conn, SDP_AF_IP4, "10.0.0.10", true);
	assert_int_equal(s->n_media, 2);
	assert_span(t->buf, s->media[0].type, "audio");
	assert_span(t->buf, s->media[0].port, "49170");
	assert_int_equal(s->media[0].port_num, 49170);
	assert_span(t->buf, s->media[0].proto, "RTP/AVP");
	assert_false(s->media[0].has_conn);
	assert_false(s->media[0].has_rtcp);
	assert_false(s->media[0].rtcp_mux);
	assert_int_equal(s->media[0].dir, SDP_DIR_SENDRECV);
	assert_span(t->buf, s->media[1].type, "video");
	assert_int_equal(s->media[1].port_num, 51372);
	assert_ptr_equal(sdp_media_conn(s, 0), &s->conn);
	assert_ptr_equal(sdp_media_conn(s, 1), &s->conn);
	assert_null(sdp_media_conn(s, 2));
	assert_null(sdp_media_conn(s, 999));
	t_free(t);
}

/* LF-only line ends and no final line end. */
static void test_lf_and_no_final_eol(void **state)
{
	struct t_sdp *t = t_scan("v=0\no=- 1 1 IN IP4 192.0.2.10\ns=-\n"
				 "c=IN IP4 192.0.2.10\nt=0 0\n"
				 "m=audio 5004 RTP/AVP 0");

	assert_int_equal(t->r, SDP_OK);
	t_addr(t->buf, &t->s.origin, SDP_AF_IP4, "192.0.2.10", true);
	t_addr(t->buf, &t->s.conn, SDP_AF_IP4, "192.0.2.10", true);
	assert_int_equal(t->s.n_media, 1);
	assert_span(t->buf, t->s.media[0].port, "5004");
	assert_span(t->buf, t->s.media[0].proto, "RTP/AVP");
	t_free(t);
}

/* A stray empty line at the end (Content-Length counting one CRLF too
 * many) is tolerated; one in the middle is not SDP. */
static void test_empty_lines(void **state)
{
	assert_int_equal(t_result("v=0\r\nc=IN IP4 10.0.0.1\r\n\r\n"), SDP_OK);
	assert_int_equal(t_result("v=0\r\nc=IN IP4 10.0.0.1\r\n\r\n\r\n"),
			 SDP_OK);
	assert_int_equal(t_result("v=0\nc=IN IP4 10.0.0.1\n\n"), SDP_OK);
	assert_int_equal(t_result("v=0\r\n\r\nc=IN IP4 10.0.0.1\r\n"),
			 SDP_MALFORMED);
	assert_int_equal(t_result(""), SDP_OK);
}

static void test_media_conn(void **state)
{
	struct t_sdp *t = t_scan("v=0\r\n"
				 "o=- 1 1 IN IP4 203.0.113.1\r\n"
				 "c=IN IP4 203.0.113.1\r\n"
				 "m=audio 4000 RTP/AVP 0\r\n"
				 "c=IN IP4 10.0.0.20\r\n"
				 "c=IN IP4 10.0.0.21\r\n"
				 "m=video 4002 RTP/AVP 31\r\n"
				 "m=audio 4004 RTP/AVP 0\r\n"
				 "c=IN IP4 224.2.1.1/127/3\r\n");
	const struct sdp_msg *s = &t->s;

	assert_int_equal(t->r, SDP_OK);
	t_addr(t->buf, &s->conn, SDP_AF_IP4, "203.0.113.1", true);
	assert_int_equal(s->n_media, 3);
	assert_true(s->media[0].has_conn);
	t_addr(t->buf, &s->media[0].conn, SDP_AF_IP4, "10.0.0.20", true);
	assert_ptr_equal(sdp_media_conn(s, 0), &s->media[0].conn);
	assert_false(s->media[1].has_conn);
	assert_ptr_equal(sdp_media_conn(s, 1), &s->conn);
	t_addr(t->buf, sdp_media_conn(s, 2), SDP_AF_IP4, "224.2.1.1", true);
	t_free(t);
}

/* Only media-level c= lines: no session connection to fall back on. */
static void test_no_session_conn(void **state)
{
	struct t_sdp *t = t_scan("v=0\r\nm=audio 4000 RTP/AVP 0\r\n"
				 "m=audio 4002 RTP/AVP 0\r\n"
				 "c=IN IP4 10.0.0.22\r\n");

	assert_int_equal(t->r, SDP_OK);
	assert_false(t->s.has_conn);
	assert_false(t->s.has_origin);
	assert_null(sdp_media_conn(&t->s, 0));
	t_addr(t->buf, sdp_media_conn(&t->s, 1), SDP_AF_IP4, "10.0.0.22",
	       true);
	t_free(t);
}

/* RFC 3605: a=rtcp with and without an address. */
static void test_rtcp(void **state)
{
	struct t_sdp *t = t_scan("v=0\r\nc=IN IP4 10.0.0.10\r\n"
				 "a=rtcp:9999\r\n"
				 "m=audio 49170 RTP/AVP 0\r\n"
				 "a=rtcp:53020\r\n"
				 "a=rtcp:1 IN IP4 192.0.2.99\r\n"
				 "m=audio 49172 RTP/AVP 0\r\n"
				 "a=rtcp:53021 IN IP4 10.0.0.11\r\n"
				 "m=video 49174 RTP/AVP 31\r\n"
				 "a=rtcp:53022 IN IP6 2001:db8::7\r\n"
				 "m=video 49176 RTP/AVP 31\r\n");
	const struct sdp_media *m = t->s.media;

	assert_int_equal(t->r, SDP_OK);
	assert_int_equal(t->s.n_media, 4);
	assert_true(m[0].has_rtcp);
	assert_span(t->buf, m[0].rtcp_port, "53020");
	assert_int_equal(m[0].rtcp_port_num, 53020);
	assert_false(m[0].rtcp_has_addr);
	assert_true(m[1].has_rtcp);
	assert_int_equal(m[1].rtcp_port_num, 53021);
	assert_true(m[1].rtcp_has_addr);
	t_addr(t->buf, &m[1].rtcp_addr, SDP_AF_IP4, "10.0.0.11", true);
	assert_true(m[2].rtcp_has_addr);
	t_addr(t->buf, &m[2].rtcp_addr, SDP_AF_IP6, "2001:db8::7", true);
	assert_false(m[3].has_rtcp);
	t_free(t);
}

static void test_rtcp_malformed(void **state)
{
	static const char *const bad[] = {
		"m=audio 1 RTP/AVP 0\r\na=rtcp:\r\n",
		"m=audio 1 RTP/AVP 0\r\na=rtcp:abc\r\n",
		"m=audio 1 RTP/AVP 0\r\na=rtcp:70000\r\n",
		"m=audio 1 RTP/AVP 0\r\na=rtcp:5000 IN IP4\r\n",
		"m=audio 1 RTP/AVP 0\r\na=rtcp:5000 IN\r\n",
		"m=audio 1 RTP/AVP 0\r\na=rtcp:5000 IN IP4 10.0.0.1 x\r\n",
		"m=audio 1 RTP/AVP 0\r\na=rtcp:5000 IN IP4 /8\r\n",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (t_result(bad[i]) != SDP_MALFORMED)
			fail_msg("accepted: %s", bad[i]);
}

/* RFC 5761 a=rtcp-mux; other attributes that merely start like it. */
static void test_rtcp_mux(void **state)
{
	struct t_sdp *t = t_scan("a=rtcp-mux\r\n"
				 "m=audio 4000 RTP/AVP 0\r\n"
				 "a=rtcp-mux\r\n"
				 "m=audio 4002 RTP/AVP 0\r\n"
				 "a=rtcp-mux-only\r\n"
				 "a=rtcp-muxx\r\n"
				 "m=audio 4004 RTP/AVP 0\r\n"
				 "a=rtcp-fb:* nack\r\n"
				 "a=rtcp-mux \r\n");

	assert_int_equal(t->r, SDP_OK);
	assert_true(t->s.media[0].rtcp_mux);
	assert_false(t->s.media[1].rtcp_mux);
	assert_true(t->s.media[2].rtcp_mux);
	assert_false(t->s.media[2].has_rtcp);
	t_free(t);
}

static void test_direction(void **state)
{
	struct t_sdp *t = t_scan("v=0\r\na=sendonly\r\n"
				 "m=audio 4000 RTP/AVP 0\r\n"
				 "m=audio 4002 RTP/AVP 0\r\na=recvonly\r\n"
				 "m=audio 4004 RTP/AVP 0\r\na=inactive\r\n"
				 "m=audio 4006 RTP/AVP 0\r\na=sendrecv\r\n"
				 "m=audio 4008 RTP/AVP 0\r\na=sendonly:x\r\n");

	assert_int_equal(t->r, SDP_OK);
	assert_int_equal(t->s.media[0].dir, SDP_DIR_SENDONLY);
	assert_int_equal(t->s.media[1].dir, SDP_DIR_RECVONLY);
	assert_int_equal(t->s.media[2].dir, SDP_DIR_INACTIVE);
	assert_int_equal(t->s.media[3].dir, SDP_DIR_SENDRECV);
	assert_int_equal(t->s.media[4].dir, SDP_DIR_SENDONLY);
	t_free(t);
	t = t_scan("m=audio 4000 RTP/AVP 0\r\na=inactive\r\n"
		   "m=audio 4002 RTP/AVP 0\r\n");
	assert_int_equal(t->r, SDP_OK);
	assert_int_equal(t->s.media[0].dir, SDP_DIR_INACTIVE);
	assert_int_equal(t->s.media[1].dir, SDP_DIR_SENDRECV);
	t_free(t);
}

static char *t_many_media(unsigned n, size_t *len)
{
	size_t cap = 64 + (size_t)n * 64;
	char *p = malloc(cap);
	size_t off;
	unsigned i;

	assert_non_null(p);
	off = (size_t)snprintf(p, cap, "v=0\r\nc=IN IP4 10.0.0.30\r\n");
	for (i = 0; i < n; i++)
		off += (size_t)snprintf(p + off, cap - off,
					"m=audio %u RTP/AVP 0\r\n"
					"c=IN IP4 10.0.1.%u\r\n", 20000 + 2 * i,
					i);
	*len = off;
	return p;
}

static void test_many_media(void **state)
{
	char want[32];
	size_t len;
	char *text = t_many_media(10, &len);
	struct t_sdp *t = t_scan_n(text, len);
	unsigned i;

	assert_int_equal(t->r, SDP_OK);
	assert_int_equal(t->s.n_media, 10);
	for (i = 0; i < 10; i++) {
		assert_int_equal(t->s.media[i].port_num, 20000 + 2 * i);
		snprintf(want, sizeof(want), "10.0.1.%u", i);
		t_addr(t->buf, sdp_media_conn(&t->s, i), SDP_AF_IP4, want,
		       true);
	}
	t_free(t);
	free(text);
	text = t_many_media(SDP_MAX_MEDIA, &len);
	t = t_scan_n(text, len);
	assert_int_equal(t->r, SDP_OK);
	assert_int_equal(t->s.n_media, SDP_MAX_MEDIA);
	t_free(t);
	free(text);
	text = t_many_media(SDP_MAX_MEDIA + 1, &len);
	t = t_scan_n(text, len);
	assert_int_equal(t->r, SDP_TOO_MANY_MEDIA);
	t_free(t);
	free(text);
}

/* RFC 5118 4.8: an IPv6 c= inside an otherwise IPv4 description. */
static void test_ipv6_in_ipv4(void **state)
{
	struct t_sdp *t = t_scan("v=0\r\no=bob 280744730 28977631 IN IP4 "
				 "192.0.2.5\r\ns=\r\nt=0 0\r\n"
				 "m=audio 22334 RTP/AVP 0\r\n"
				 "c=IN IP4 192.0.2.5\r\n"
				 "m=video 6024 RTP/AVP 107\r\n"
				 "c=IN IP6 2001:db8::2\r\n"
				 "m=audio 6026 RTP/AVP 0\r\n"
				 "c=IN IP6 ::ffff:192.0.2.6\r\n");

	assert_int_equal(t->r, SDP_OK);
	t_addr(t->buf, &t->s.origin, SDP_AF_IP4, "192.0.2.5", true);
	t_addr(t->buf, sdp_media_conn(&t->s, 0), SDP_AF_IP4, "192.0.2.5",
	       true);
	t_addr(t->buf, sdp_media_conn(&t->s, 1), SDP_AF_IP6, "2001:db8::2",
	       true);
	t_addr(t->buf, sdp_media_conn(&t->s, 2), SDP_AF_IP6,
	       "::ffff:192.0.2.6", true);
	t_free(t);
}

/* is_literal follows the addrtype: hostnames, wrong families, others. */
static void test_literal(void **state)
{
	struct t_sdp *t = t_scan("c=IN IP4 media.example.com\r\n"
				 "m=audio 1 RTP/AVP 0\r\n"
				 "c=IN IP4 2001:db8::1\r\n"
				 "m=audio 2 RTP/AVP 0\r\nc=IN IP6 192.0.2.1\r\n"
				 "m=audio 3 RTP/AVP 0\r\nc=IN XYZ 10.0.0.1\r\n"
				 "m=audio 4 RTP/AVP 0\r\n"
				 "c=IN IP4 10.0.0.256\r\n"
				 "m=audio 5 RTP/AVP 0\r\n"
				 "c=IN IP6 "
				 "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255"
				 "0\r\n"
				 "m=audio 6 RTP/AVP 0\r\n"
				 "c=IN ip4 10.0.0.1\r\n");
	const struct sdp_msg *s = &t->s;

	assert_int_equal(t->r, SDP_OK);
	t_addr(t->buf, &s->conn, SDP_AF_IP4, "media.example.com", false);
	t_addr(t->buf, sdp_media_conn(s, 0), SDP_AF_IP4, "2001:db8::1",
	       false);
	t_addr(t->buf, sdp_media_conn(s, 1), SDP_AF_IP6, "192.0.2.1", false);
	t_addr(t->buf, sdp_media_conn(s, 2), SDP_AF_OTHER, "10.0.0.1", false);
	t_addr(t->buf, sdp_media_conn(s, 3), SDP_AF_IP4, "10.0.0.256", false);
	t_addr(t->buf, sdp_media_conn(s, 4), SDP_AF_IP6,
	       "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.2550", false);
	t_addr(t->buf, sdp_media_conn(s, 5), SDP_AF_IP4, "10.0.0.1", true);
	t_free(t);
}

/* A NUL inside the address must not let inet_pton see a shorter string. */
static void test_literal_nul(void **state)
{
	static const char text[] = "c=IN IP4 10.0.0.1\0x\r\n";
	struct t_sdp *t = t_scan_n(text, sizeof(text) - 1);

	assert_int_equal(t->r, SDP_OK);
	assert_int_equal(t->s.conn.addr.len, 10);
	assert_false(t->s.conn.is_literal);
	t_free(t);
}

static void test_ports(void **state)
{
	struct t_sdp *t = t_scan("m=audio 0 RTP/AVP 0\r\n"
				 "m=video 49170/2 RTP/AVP 31\r\n"
				 "m=image 65535 udptl t38\r\n"
				 "m=application 9 TCP/TLS/RTP/SAVP\r\n");

	assert_int_equal(t->r, SDP_OK);
	assert_span(t->buf, t->s.media[0].port, "0");
	assert_int_equal(t->s.media[0].port_num, 0);
	assert_span(t->buf, t->s.media[1].port, "49170");
	assert_int_equal(t->s.media[1].port_num, 49170);
	assert_span(t->buf, t->s.media[2].type, "image");
	assert_span(t->buf, t->s.media[2].proto, "udptl");
	assert_int_equal(t->s.media[2].port_num, 65535);
	assert_span(t->buf, t->s.media[3].proto, "TCP/TLS/RTP/SAVP");
	t_free(t);
}

static void test_malformed(void **state)
{
	static const char *const bad[] = {
		"x", "v=0\r\nbogus\r\n", "V=0\r\n", "v0\r\n", "=0\r\n",
		" v=0\r\n", "v=0\r\n \r\n", "v=0\r\n\tc=IN IP4 10.0.0.1\r\n",
		"c=IN IP4\r\n", "c=IN IP4 10.0.0.1 extra\r\n", "c=\r\n",
		"c=IN IP4 /127\r\n", "m=audio\r\n", "m=audio 4000\r\n",
		"m=audio 70000 RTP/AVP 0\r\n", "m=audio 5x RTP/AVP 0\r\n",
		"m=audio -1 RTP/AVP 0\r\n", "m=audio 4000/ RTP/AVP 0\r\n",
		"m=audio 4000/x RTP/AVP 0\r\n", "m=audio /2 RTP/AVP 0\r\n",
		"m=audio 0000000004000 RTP/AVP 0\r\n",
		"v=0\r\n\r\nx\r\n",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (t_result(bad[i]) != SDP_MALFORMED)
			fail_msg("accepted: \"%s\"", bad[i]);
}

/* o= is cosmetic for an ALG: an odd one is skipped, not fatal. */
static void test_origin(void **state)
{
	struct t_sdp *t = t_scan("o=- 1 1 IN IP4\r\nc=IN IP4 10.0.0.1\r\n");

	assert_int_equal(t->r, SDP_OK);
	assert_false(t->s.has_origin);
	assert_true(t->s.has_conn);
	t_free(t);
	t = t_scan("o=a  1\t1 IN IP6 2001:db8::5 \r\n"
		   "o=b 2 2 IN IP4 10.0.0.2\r\n");
	assert_int_equal(t->r, SDP_OK);
	t_addr(t->buf, &t->s.origin, SDP_AF_IP6, "2001:db8::5", true);
	t_free(t);
	t = t_scan("o=- 1 1 IN IP4 10.0.0.1 extra\r\n");
	assert_int_equal(t->r, SDP_OK);
	assert_false(t->s.has_origin);
	t_free(t);
}

/* The SDP of a scanned SIP message: offsets are relative to the body. */
static void test_sip_body(void **state)
{
	static const char text[] = "SIP/2.0 200 OK\r\n"
				   "Content-Type: application/sdp\r\n"
				   "Content-Length: 67\r\n\r\n"
				   "v=0\r\n"
				   "c=IN IP4 198.51.100.4\r\n"
				   "m=audio 30000 RTP/AVP 0\r\n"
				   "a=rtcp:30001\r\n";
	char *buf = malloc(sizeof(text) - 1);
	struct sip_msg m;
	struct sdp_msg s;

	assert_non_null(buf);
	memcpy(buf, text, sizeof(text) - 1);
	assert_int_equal(sip_scan(&m, buf, sizeof(text) - 1), SIP_OK);
	assert_int_equal(m.body.len, 67);
	assert_int_equal(sdp_scan(&s, buf + m.body.off, m.body.len), SDP_OK);
	assert_int_equal(s.conn.addr.off, 14);
	assert_span(buf + m.body.off, s.conn.addr, "198.51.100.4");
	assert_span(buf + m.body.off, s.media[0].rtcp_port, "30001");
	free(buf);
}

/* Every prefix of an SDP scans without reading past it and every span it
 * reports lies inside it. */
static void test_prefixes(void **state)
{
	static const char text[] = "v=0\r\no=- 1 1 IN IP6 2001:db8::1\r\n"
				   "c=IN IP6 2001:db8::1\r\n"
				   "m=audio 4000/2 RTP/AVP 0\r\n"
				   "c=IN IP4 224.2.1.1/127/3\r\n"
				   "a=rtcp:4001 IN IP4 10.0.0.5\r\n"
				   "a=rtcp-mux\r\na=sendonly\r\n";
	size_t n = sizeof(text) - 1;
	unsigned ok = 0;
	size_t i;

	for (i = 0; i <= n; i++) {
		struct t_sdp *t = t_scan_n(text, i);
		unsigned k;

		if (t->r == SDP_OK) {
			ok++;
			assert_true(span_end(t->s.origin.addr) <= i);
			assert_true(span_end(t->s.conn.addr) <= i);
			for (k = 0; k < t->s.n_media; k++) {
				assert_true(span_end(t->s.media[k].proto) <= i);
				assert_true(span_end(t->s.media[k].conn.addr) <=
					    i);
				assert_true(span_end(t->s.media[k].rtcp_addr
							     .addr) <= i);
			}
		}
		t_free(t);
	}
	assert_true(ok > n / 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_lf_and_no_final_eol),
		cmocka_unit_test(test_empty_lines),
		cmocka_unit_test(test_media_conn),
		cmocka_unit_test(test_no_session_conn),
		cmocka_unit_test(test_rtcp),
		cmocka_unit_test(test_rtcp_malformed),
		cmocka_unit_test(test_rtcp_mux),
		cmocka_unit_test(test_direction),
		cmocka_unit_test(test_many_media),
		cmocka_unit_test(test_ipv6_in_ipv4),
		cmocka_unit_test(test_literal),
		cmocka_unit_test(test_literal_nul),
		cmocka_unit_test(test_ports),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_origin),
		cmocka_unit_test(test_sip_body),
		cmocka_unit_test(test_prefixes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
