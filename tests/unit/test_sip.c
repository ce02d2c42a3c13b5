/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for the SIP scanner (src/sip.c).  Every message is copied into
 * a heap buffer of exactly its length, without a terminating NUL, so that
 * AddressSanitizer reports any read past the end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "oracle.h"
#include "sip.h"
#include "addr.h"
#include <arpa/inet.h>

#define assert_span(buf, sp, want)                                          \
	do {                                                                \
		struct span s_ = (sp);                                      \
		if (!span_eq((buf), s_, (want)))                            \
			fail_msg("span [%u,+%u) \"%.*s\" != \"%s\"", s_.off, \
				 s_.len, (int)s_.len, (buf) + s_.off,       \
				 (want));                                   \
	} while (0)

struct t_msg {
	char *buf;
	uint32_t len;
	struct sip_msg m;
	enum sip_scan_result r;
};

static char *t_dup(const char *text, size_t len)
{
	char *p = malloc(len ? len : 1);

	assert_non_null(p);
	memcpy(p, text, len);
	return p;
}

static struct t_msg *t_scan_n(const char *text, size_t len)
{
	struct t_msg *t = malloc(sizeof(*t));

	assert_non_null(t);
	t->buf = t_dup(text, len);
	t->len = (uint32_t)len;
	t->r = sip_scan(&t->m, t->buf, t->len);
	return t;
}

static struct t_msg *t_scan(const char *text)
{
	return t_scan_n(text, strlen(text));
}

static void t_free(struct t_msg *t)
{
	free(t->buf);
	free(t);
}

static enum sip_scan_result t_result(const char *text)
{
	struct t_msg *t = t_scan(text);
	enum sip_scan_result r = t->r;

	t_free(t);
	return r;
}

static struct span t_value(const struct t_msg *t, enum sip_hdr_id id,
			   unsigned n)
{
	int i = sip_hdr_find(&t->m, id, n);

	if (i < 0)
		fail_msg("header %d #%u not found", id, n);
	return t->m.hdr[i].value;
}

/* Invariants every SIP_OK scan must satisfy. */
static void t_check_spans(const struct t_msg *t)
{
	const struct sip_msg *m = &t->m;
	unsigned i;

	assert_int_equal(t->r, SIP_OK);
	assert_true(m->n_hdr <= SIP_MAX_HDRS);
	assert_true(m->hdr_end <= t->len);
	assert_true(span_end(m->body) <= t->len);
	assert_int_equal(m->body.off, m->hdr_end);
	for (i = 0; i < m->n_hdr; i++) {
		assert_true(span_end(m->hdr[i].name) < m->hdr_end);
		assert_true(span_end(m->hdr[i].value) < m->hdr_end);
		assert_true(m->hdr[i].name.len > 0);
	}
}

#define INVITE_BODY "v=0\r\nc=IN IP4 10.0.0.10\r\nm=audio 4000 RTP/AVP 0\r\n"

static const char invite[] =
	"INVITE sip:bob@192.0.2.20 SIP/2.0\r\n"
	"Via: SIP/2.0/UDP 10.0.0.10:5060;branch=z9hG4bK776asdhds\r\n"
	"Max-Forwards: 70\r\n"
	"To: Bob <sip:bob@192.0.2.20>\r\n"
	"From: Alice <sip:alice@10.0.0.10>;tag=1928301774\r\n"
	"Call-ID: a84b4c76e66710@10.0.0.10\r\n"
	"CSeq: 314159 INVITE\r\n"
	"Contact: <sip:alice@10.0.0.10:5060>\r\n"
	"Content-Type: application/sdp\r\n"
	"Content-Length: 49\r\n"
	"\r\n" INVITE_BODY;

static void test_request_basic(void **state)
{
	struct t_msg *t = t_scan(invite);
	const struct sip_msg *m = &t->m;

	t_check_spans(t);
	assert_true(m->is_request);
	assert_span(t->buf, m->method, "INVITE");
	assert_span(t->buf, m->ruri, "sip:bob@192.0.2.20");
	assert_int_equal(m->n_hdr, 9);
	assert_int_equal(m->hdr[0].id, SIP_HDR_VIA);
	assert_span(t->buf, m->hdr[0].name, "Via");
	assert_span(t->buf, m->hdr[0].value,
		    "SIP/2.0/UDP 10.0.0.10:5060;branch=z9hG4bK776asdhds");
	assert_int_equal(m->hdr[1].id, SIP_HDR_OTHER);
	assert_span(t->buf, m->hdr[1].name, "Max-Forwards");
	assert_int_equal(m->hdr[2].id, SIP_HDR_TO);
	assert_int_equal(m->hdr[3].id, SIP_HDR_FROM);
	assert_int_equal(m->hdr[4].id, SIP_HDR_CALL_ID);
	assert_int_equal(m->hdr[5].id, SIP_HDR_CSEQ);
	assert_int_equal(m->hdr[6].id, SIP_HDR_CONTACT);
	assert_int_equal(m->hdr[7].id, SIP_HDR_CONTENT_TYPE);
	assert_int_equal(m->hdr[8].id, SIP_HDR_CONTENT_LENGTH);
	assert_true(m->has_clen);
	assert_int_equal(m->clen, 49);
	assert_span(t->buf, m->clen_value, "49");
	assert_int_equal(m->hdr_end, t->len - 49);
	assert_span(t->buf, m->body, INVITE_BODY);
	assert_true(sip_method_is(m, "INVITE"));
	assert_false(sip_method_is(m, "invite"));
	assert_false(sip_method_is(m, "BYE"));
	t_free(t);
}

static void test_response_basic(void **state)
{
	struct t_msg *t = t_scan("SIP/2.0 200 OK\r\n"
				 "Via: SIP/2.0/UDP 10.0.0.10;branch=z9hG4bK\r\n"
				 "CSeq: 2 BYE\r\n"
				 "Content-Length: 0\r\n"
				 "\r\n");

	t_check_spans(t);
	assert_false(t->m.is_request);
	assert_int_equal(t->m.status, 200);
	assert_int_equal(t->m.method.len, 0);
	assert_int_equal(t->m.n_hdr, 3);
	assert_int_equal(t->m.body.len, 0);
	assert_int_equal(t->m.hdr_end, t->len);
	assert_true(sip_method_is(&t->m, "BYE"));
	assert_false(sip_method_is(&t->m, "INVITE"));
	t_free(t);
}

/* RFC 4475 3.1.1.13 (empty reason) and a reason-less status line. */
static void test_response_reason(void **state)
{
	struct t_msg *t = t_scan("SIP/2.0 100 \r\nCSeq: 1 INVITE\r\n\r\n");

	t_check_spans(t);
	assert_int_equal(t->m.status, 100);
	t_free(t);
	t = t_scan("SIP/2.0 699\r\nCSeq: 1 INVITE\r\n\r\n");
	t_check_spans(t);
	assert_int_equal(t->m.status, 699);
	t_free(t);
	t = t_scan("SIP/2.0 486 Busy Here \xe2\x98\x8e\r\n\r\n");
	t_check_spans(t);
	assert_int_equal(t->m.status, 486);
	t_free(t);
}

static void test_lf_only(void **state)
{
	struct t_msg *t = t_scan("REGISTER sip:192.0.2.1 SIP/2.0\n"
				 "Via: SIP/2.0/UDP 10.0.0.11:5060\n"
				 "Call-ID: lf@10.0.0.11\n"
				 "Content-Length: 4\n"
				 "\n"
				 "body");

	t_check_spans(t);
	assert_span(t->buf, t->m.method, "REGISTER");
	assert_span(t->buf, t->m.ruri, "sip:192.0.2.1");
	assert_int_equal(t->m.n_hdr, 3);
	assert_span(t->buf, t->m.hdr[0].value, "SIP/2.0/UDP 10.0.0.11:5060");
	assert_span(t->buf, t->m.hdr[1].value, "lf@10.0.0.11");
	assert_span(t->buf, t->m.body, "body");
	assert_int_equal(t->m.hdr_end, t->len - 4);
	t_free(t);
}

static void test_compact_forms(void **state)
{
	static const enum sip_hdr_id want[] = {
		SIP_HDR_VIA, SIP_HDR_CONTACT, SIP_HDR_FROM,
		SIP_HDR_TO, SIP_HDR_CALL_ID, SIP_HDR_CONTENT_TYPE,
		SIP_HDR_OTHER, SIP_HDR_CSEQ, SIP_HDR_EXPIRES,
		SIP_HDR_RECORD_ROUTE, SIP_HDR_ROUTE, SIP_HDR_CONTENT_LENGTH,
	};
	struct t_msg *t = t_scan("OPTIONS sip:192.0.2.1 SIP/2.0\r\n"
				 "v: SIP/2.0/UDP 10.0.0.12\r\n"
				 "M: <sip:u@10.0.0.12>\r\n"
				 "f: <sip:u@10.0.0.12>;tag=1\r\n"
				 "T: <sip:x@192.0.2.1>\r\n"
				 "I: cid\r\n"
				 "c: text/plain\r\n"
				 "s: subject is not ours\r\n"
				 "cseq: 1 OPTIONS\r\n"
				 "EXPIRES: 60\r\n"
				 "record-route: <sip:192.0.2.5;lr>\r\n"
				 "rOUTE: <sip:192.0.2.6;lr>\r\n"
				 "l: 3\r\n\r\nabc");
	unsigned i;

	t_check_spans(t);
	assert_int_equal(t->m.n_hdr, 12);
	for (i = 0; i < 12; i++)
		assert_int_equal(t->m.hdr[i].id, want[i]);
	assert_span(t->buf, t->m.hdr[1].name, "M");
	assert_span(t->buf, t->m.hdr[4].value, "cid");
	assert_int_equal(t->m.clen, 3);
	assert_span(t->buf, t->m.body, "abc");
	t_free(t);
}

/* RFC 3261 7.3.1: whitespace before the colon, values folded over lines,
 * values starting on the continuation line, trailing whitespace. */
static void test_folding(void **state)
{
	struct t_msg *t = t_scan("INVITE sip:bob@192.0.2.20 SIP/2.0\r\n"
				 "Content-Length   : 0\r\n"
				 "To :\r\n"
				 " sip:bob@192.0.2.20 ;   tag    = 1918\r\n"
				 "Subject: first line\r\n"
				 "\tsecond line   \r\n"
				 "  \r\n"
				 "Call-ID:   spaced  \t\r\n"
				 "X-Empty:\r\n"
				 "cseq: 0009\r\n"
				 "  INVITE\r\n"
				 "\r\n");

	t_check_spans(t);
	assert_int_equal(t->m.n_hdr, 6);
	assert_span(t->buf, t->m.hdr[0].name, "Content-Length");
	assert_span(t->buf, t->m.clen_value, "0");
	assert_span(t->buf, t_value(t, SIP_HDR_TO, 0),
		    "sip:bob@192.0.2.20 ;   tag    = 1918");
	assert_span(t->buf, t->m.hdr[2].value,
		    "first line\r\n\tsecond line");
	assert_span(t->buf, t_value(t, SIP_HDR_CALL_ID, 0), "spaced");
	assert_int_equal(t->m.hdr[4].value.len, 0);
	assert_span(t->buf, t->m.hdr[4].name, "X-Empty");
	assert_true(sip_method_is(&t->m, "INVITE"));
	t_free(t);
}

static void test_leading_crlf(void **state)
{
	struct t_msg *t = t_scan("\r\n\r\nBYE sip:bob@192.0.2.20 SIP/2.0\r\n"
				 "Content-Length: 0\r\n\r\n");

	t_check_spans(t);
	assert_span(t->buf, t->m.method, "BYE");
	assert_int_equal(t->m.method.off, 4);
	t_free(t);
}

static void test_no_content_length(void **state)
{
	struct t_msg *t = t_scan("MESSAGE sip:bob@192.0.2.20 SIP/2.0\r\n"
				 "Call-ID: x\r\n\r\nhello\r\nworld");

	t_check_spans(t);
	assert_false(t->m.has_clen);
	assert_span(t->buf, t->m.body, "hello\r\nworld");
	t_free(t);
	t = t_scan("MESSAGE sip:bob@192.0.2.20 SIP/2.0\r\nCall-ID: x\r\n\r\n");
	t_check_spans(t);
	assert_int_equal(t->m.body.len, 0);
	assert_int_equal(t->m.body.off, t->len);
	t_free(t);
}

#define CL_MSG(v) "INVITE sip:b@192.0.2.20 SIP/2.0\r\nContent-Length: " v \
		  "\r\n\r\n0123456789"

static void test_content_length(void **state)
{
	struct t_msg *t = t_scan(CL_MSG("4"));

	/* Extra bytes after Content-Length are not part of the body. */
	t_check_spans(t);
	assert_span(t->buf, t->m.body, "0123");
	t_free(t);
	t = t_scan(CL_MSG("10"));
	t_check_spans(t);
	assert_span(t->buf, t->m.body, "0123456789");
	t_free(t);
	t = t_scan(CL_MSG("000"));
	t_check_spans(t);
	assert_int_equal(t->m.clen, 0);
	assert_span(t->buf, t->m.clen_value, "000");
	t_free(t);
	assert_int_equal(t_result(CL_MSG("11")), SIP_TRUNCATED);
	assert_int_equal(t_result(CL_MSG("4294967295")), SIP_TRUNCATED);
	assert_int_equal(t_result(CL_MSG("4294967296")), SIP_MALFORMED);
	assert_int_equal(t_result(CL_MSG("99999999999999999999999")),
			 SIP_MALFORMED);
	assert_int_equal(t_result(CL_MSG("-1")), SIP_MALFORMED);
	assert_int_equal(t_result(CL_MSG("4a")), SIP_MALFORMED);
	assert_int_equal(t_result(CL_MSG("4 4")), SIP_MALFORMED);
	assert_int_equal(t_result(CL_MSG("")), SIP_MALFORMED);
	assert_int_equal(t_result(CL_MSG("0x4")), SIP_MALFORMED);
	/* RFC 4475 3.3.9: two Content-Length make the framing unknown. */
	assert_int_equal(t_result("INVITE sip:b@192.0.2.20 SIP/2.0\r\n"
				  "Content-Length: 2\r\nl: 2\r\n\r\nab"),
			 SIP_MALFORMED);
}

/* RFC 4475 3.1.1.8: two requests in one datagram, only the first counts. */
static void test_two_messages(void **state)
{
#define FIRST "REGISTER sip:192.0.2.1 SIP/2.0\r\n" \
	      "Call-ID: one\r\nContent-Length: 0\r\n\r\n"
	struct t_msg *t = t_scan(FIRST "\r\nINVITE sip:b@192.0.2.2 SIP/2.0\r\n"
				       "Call-ID: two\r\nContent-Length: 0\r\n"
				       "\r\n");

	t_check_spans(t);
	assert_span(t->buf, t->m.method, "REGISTER");
	assert_int_equal(t->m.n_hdr, 2);
	assert_int_equal(t->m.hdr_end, sizeof(FIRST) - 1);
#undef FIRST
	assert_int_equal(t->m.body.len, 0);
	t_free(t);
}

static void test_truncated(void **state)
{
	assert_int_equal(t_result("INVITE sip:b@192.0.2.20 SIP/2.0"),
			 SIP_TRUNCATED);
	assert_int_equal(t_result("INVITE sip:b@192.0.2.20 SIP/2.0\r\n"),
			 SIP_TRUNCATED);
	assert_int_equal(t_result("SIP/2.0 200 OK\r\nCSeq: 1 INVITE\r\n"),
			 SIP_TRUNCATED);
	/* RFC 4475 3.1.2.15 ends like this. */
	assert_int_equal(t_result("OPTIONS sip:b@192.0.2.20 SIP/2.0\r\n"
				  "l: 0\r\n"), SIP_TRUNCATED);
	assert_int_equal(t_result("OPTIONS sip:b@192.0.2.20 SIP/2.0\r\n"
				  "l: 0\r\n\r"), SIP_TRUNCATED);
}

/* Every proper prefix of a message with a body is incomplete. */
static void test_every_prefix(void **state)
{
	size_t n = strlen(invite);
	size_t i;

	for (i = 0; i < n; i++) {
		struct t_msg *t = t_scan_n(invite, i);

		if (t->r != SIP_TRUNCATED && t->r != SIP_NOT_SIP)
			fail_msg("prefix %zu: result %d", i, t->r);
		t_free(t);
	}
}

static void test_not_sip(void **state)
{
	static const char binary[] = "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\r\n";
	struct t_msg *t;

	assert_int_equal(t_result(""), SIP_NOT_SIP);
	assert_int_equal(t_result("\r\n\r\n"), SIP_NOT_SIP);
	assert_int_equal(t_result("GET / HTTP/1.1\r\nHost: x\r\n\r\n"),
			 SIP_NOT_SIP);
	assert_int_equal(t_result("junk\r\nREGISTER sip:192.0.2.1 SIP/2.0\r\n"
				  "l: 0\r\n\r\n"), SIP_NOT_SIP);
	assert_int_equal(t_result("xx REGISTER sip:192.0.2.1 SIP/2.0\r\n\r\n"),
			 SIP_MALFORMED);
	t = t_scan_n(binary, sizeof(binary) - 1);
	assert_int_equal(t->r, SIP_NOT_SIP);
	t_free(t);
	t = t_scan_n("INVITE\0sip:b SIP/2.0\r\n\r\n", 24);
	assert_int_equal(t->r, SIP_NOT_SIP);
	t_free(t);
}

static void test_malformed_start(void **state)
{
	static const char *const bad[] = {
		"INVITE  sip:b@192.0.2.20  SIP/2.0\r\n\r\n",
		"OPTIONS sip:b@192.0.2.20 SIP/2.0  \r\n\r\n",
		"OPTIONS sip:b@192.0.2.20 SIP/7.0\r\n\r\n",
		"INVITE <sip:b@192.0.2.20> SIP/2.0\r\n\r\n",
		"INVITE sip:b@192.0.2.20; lr SIP/2.0\r\n\r\n",
		"INVITE SIP/2.0\r\n\r\n",
		"SIP/2.0 4294967301 better not break the receiver\r\n\r\n",
		"SIP/2.0 2000 OK\r\n\r\n",
		"SIP/2.0 099 Low\r\n\r\n",
		"SIP/2.0 700 High\r\n\r\n",
		"SIP/2.0 20 OK\r\n\r\n",
		"SIP/2.0  200 OK\r\n\r\n",
		"SIP/2.1 200 OK\r\n\r\n",
		"SIP/2.0 2x0 OK\r\n\r\n",
		"SIP/2.0\r\n\r\n",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (t_result(bad[i]) != SIP_MALFORMED)
			fail_msg("not malformed: %s", bad[i]);
	/* The version is case-insensitive (ABNF literal). */
	assert_int_equal(t_result("OPTIONS sip:b@192.0.2.20 sip/2.0\r\n\r\n"),
			 SIP_OK);
}

static void test_malformed_headers(void **state)
{
	assert_int_equal(t_result("OPTIONS sip:b SIP/2.0\r\nNoColon\r\n\r\n"),
			 SIP_MALFORMED);
	assert_int_equal(t_result("OPTIONS sip:b SIP/2.0\r\n: x\r\n\r\n"),
			 SIP_MALFORMED);
	assert_int_equal(t_result("OPTIONS sip:b SIP/2.0\r\n folded\r\n\r\n"),
			 SIP_MALFORMED);
	assert_int_equal(t_result("OPTIONS sip:b SIP/2.0\r\nTo x: y\r\n\r\n"),
			 SIP_MALFORMED);
	assert_int_equal(t_result("OPTIONS sip:b SIP/2.0\r\nTo\x01: y\r\n\r\n"),
			 SIP_MALFORMED);
}

static char *t_many_headers(unsigned n, size_t *len)
{
	size_t cap = 64 + (size_t)n * 16;
	char *p = malloc(cap);
	size_t off;
	unsigned i;

	assert_non_null(p);
	off = (size_t)snprintf(p, cap, "OPTIONS sip:192.0.2.1 SIP/2.0\r\n");
	for (i = 0; i < n; i++)
		off += (size_t)snprintf(p + off, cap - off, "X-%u: %u\r\n", i,
					i);
	off += (size_t)snprintf(p + off, cap - off, "\r\n");
	*len = off;
	return p;
}

static void test_too_many_headers(void **state)
{
	size_t len;
	char *text = t_many_headers(SIP_MAX_HDRS, &len);
	struct t_msg *t = t_scan_n(text, len);

	t_check_spans(t);
	assert_int_equal(t->m.n_hdr, SIP_MAX_HDRS);
	assert_span(t->buf, t->m.hdr[SIP_MAX_HDRS - 1].value, "127");
	t_free(t);
	free(text);
	text = t_many_headers(SIP_MAX_HDRS + 1, &len);
	t = t_scan_n(text, len);
	assert_int_equal(t->r, SIP_TOO_MANY_HEADERS);
	t_free(t);
	free(text);
}

static void test_hdr_find(void **state)
{
	struct t_msg *t = t_scan("OPTIONS sip:192.0.2.1 SIP/2.0\r\n"
				 "Via: SIP/2.0/UDP 192.0.2.5;branch=z9hG4bK\r\n"
				 "To: <sip:192.0.2.1>\r\n"
				 "v: SIP/2.0/UDP 10.0.0.10;branch=z9hG4bKb\r\n"
				 "\r\n");

	t_check_spans(t);
	assert_int_equal(sip_hdr_find(&t->m, SIP_HDR_VIA, 0), 0);
	assert_int_equal(sip_hdr_find(&t->m, SIP_HDR_VIA, 1), 2);
	assert_int_equal(sip_hdr_find(&t->m, SIP_HDR_VIA, 2), -1);
	assert_int_equal(sip_hdr_find(&t->m, SIP_HDR_TO, 0), 1);
	assert_int_equal(sip_hdr_find(&t->m, SIP_HDR_CONTACT, 0), -1);
	t_free(t);
}

/* Split text into list items and compare with want (NULL-terminated). */
static void t_list(const char *text, const char *const *want)
{
	char *buf = t_dup(text, strlen(text));
	struct span v = { .off = 0, .len = (uint32_t)strlen(text) };
	struct span item;
	uint32_t pos = 0;
	unsigned n = 0;

	while (sip_list_next(buf, v, &pos, &item)) {
		assert_true(pos <= v.len);
		if (!want[n])
			fail_msg("extra item \"%.*s\"", (int)item.len,
				 buf + item.off);
		assert_span(buf, item, want[n]);
		n++;
	}
	if (want[n])
		fail_msg("missing item \"%s\" in \"%s\"", want[n], text);
	assert_false(sip_list_next(buf, v, &pos, &item));
	free(buf);
}

static void test_list_next(void **state)
{
	t_list("a, b ,c", (const char *const[]){ "a", "b", "c", NULL });
	t_list("\"Doe, J\" <sip:j@192.0.2.1>;q=0.5, <sip:x@192.0.2.2>",
	       (const char *const[]){ "\"Doe, J\" <sip:j@192.0.2.1>;q=0.5",
				      "<sip:x@192.0.2.2>", NULL });
	t_list("\"a \\\", b\" <sip:q@h>, c",
	       (const char *const[]){ "\"a \\\", b\" <sip:q@h>", "c", NULL });
	t_list("<sip:a,b@192.0.2.1>,<sip:c@192.0.2.2>",
	       (const char *const[]){ "<sip:a,b@192.0.2.1>",
				      "<sip:c@192.0.2.2>", NULL });
	t_list(",, a,,\r\n b ,", (const char *const[]){ "a", "b", NULL });
	t_list("SIP/2.0/UDP 192.0.2.15;;,;,,",
	       (const char *const[]){ "SIP/2.0/UDP 192.0.2.15;;", ";", NULL });
	t_list("", (const char *const[]){ NULL });
	t_list(" \t ", (const char *const[]){ NULL });
	t_list("\"unterminated, x", (const char *const[]){
		"\"unterminated, x", NULL });
	t_list("\"ends in backslash\\",
	       (const char *const[]){ "\"ends in backslash\\", NULL });
}

/* A list item that lies inside a larger buffer: offsets are absolute. */
static void test_list_offsets(void **state)
{
	static const char text[] = "Via: SIP/2.0/UDP 192.0.2.1, SIP/2.0/TCP h";
	struct span v = { .off = 5, .len = sizeof(text) - 1 - 5 };
	char *buf = t_dup(text, sizeof(text) - 1);
	struct span item;
	uint32_t pos = 0;

	assert_true(sip_list_next(buf, v, &pos, &item));
	assert_int_equal(item.off, 5);
	assert_span(buf, item, "SIP/2.0/UDP 192.0.2.1");
	assert_int_equal(pos, 22);
	assert_true(sip_list_next(buf, v, &pos, &item));
	assert_int_equal(item.off, 28);
	assert_span(buf, item, "SIP/2.0/TCP h");
	assert_false(sip_list_next(buf, v, &pos, &item));
	pos = 9999;
	assert_false(sip_list_next(buf, v, &pos, &item));
	free(buf);
}

struct uri_case {
	const char *in;
	int rc;
	const char *host;
	const char *port;
	uint16_t port_num;
};

static const struct uri_case uri_cases[] = {
	{ "sip:alice@192.0.2.1:5060", 0, "192.0.2.1", "5060", 5060 },
	{ "sip:192.0.2.1", 0, "192.0.2.1", "", 0 },
	{ "\"Alice, A\" <sip:alice@10.0.0.10:5070;transport=udp>;tag=x", 0,
	  "10.0.0.10", "5070", 5070 },
	{ "Bob <sip:bob@198.51.100.7>", 0, "198.51.100.7", "", 0 },
	{ "<sips:bob@example.com>", 0, "example.com", "", 0 },
	{ "SIP:Alice@Example.COM", 0, "Example.COM", "", 0 },
	{ "sIpS:a@h.example:5061", 0, "h.example", "5061", 5061 },
	/* RFC 5118 4.4 and 4.3 */
	{ "sip:[2001:db8::10]:5070", 0, "[2001:db8::10]", "5070", 5070 },
	{ "sip:[2001:db8::10:5070]", 0, "[2001:db8::10:5070]", "", 0 },
	{ "<sip:user@[2001:db8::1]>", 0, "[2001:db8::1]", "", 0 },
	{ "sip:[::ffff:192.0.2.1]:5060", 0, "[::ffff:192.0.2.1]", "5060",
	  5060 },
	/* RFC 5118 4.2: unbracketed IPv6 is not a host */
	{ "sip:2001:db8::10", -1, NULL, NULL, 0 },
	{ "sip:[2001:db8::1", -1, NULL, NULL, 0 },
	{ "sip:[]", -1, NULL, NULL, 0 },
	{ "sip:[2001:db8::1]x", -1, NULL, NULL, 0 },
	/* RFC 4475 3.1.1.9: ';' in the user part */
	{ "sip:user;par=u%40example.net@example.com", 0, "example.com", "",
	  0 },
	{ "sip:%61lice:secret@host.example.com;lr", 0, "host.example.com", "",
	  0 },
	/* An unescaped '@' in the user part: the host is ambiguous (libosip2
	 * and this scanner split it differently), so it is not a hostport
	 * to rewrite.  The second was found by the pipeline fuzzer. */
	{ "sip:a@b@c.example", -1, NULL, NULL, 0 },
	{ "<sip:alice@2:alice@203.0.113.1:5060>;expires=3600", -1, NULL, NULL,
	  0 },
	{ "sip:a@c.example?Route=sip:x@y.example", 0, "c.example", "", 0 },
	/* LWS between '<' and '>' (also found by the pipeline fuzzer): not a
	 * URI to rewrite. */
	{ "<sip:alice@10.0.0.2 1 1 I>", -1, NULL, NULL, 0 },
	{ "<sip:alice@10.0.0.1 >;tag=x", -1, NULL, NULL, 0 },
	{ "<sip:alice@203.0.113.1,5060>;q=0.9", -1, NULL, NULL, 0 },
	{ "sip:alice@203.0.113.1,5060", 0, "203.0.113.1", "", 0 },
	{ "sip:a?b@c.example", 0, "a", "", 0 },
	/* RFC 4475 3.1.1.2 */
	{ "sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1,"
	  "weird!*pas$wo~d_too.(doesn't-it)@example.com", 0, "example.com",
	  "", 0 },
	{ "sip:10.0.0.10?Subject=x", 0, "10.0.0.10", "", 0 },
	{ "sip:10.0.0.10:5060?Subject=x@y", 0, "10.0.0.10", "5060", 5060 },
	{ "sip:u@host.example ;   tag    = 1918", 0, "host.example", "", 0 },
	{ "sip:a@h1.example, sip:b@h2.example", 0, "h1.example", "", 0 },
	{ "<sip:a,b@h2.example>", 0, "h2.example", "", 0 },
	{ "\"<sip:evil@203.0.113.9>\" <sip:real@198.51.100.1>", 0,
	  "198.51.100.1", "", 0 },
	{ "\"x\\\"<sip:e@203.0.113.9>\" <sip:r@198.51.100.2>", 0,
	  "198.51.100.2", "", 0 },
	{ "sip:host:65535", 0, "host", "65535", 65535 },
	{ "sip:host:00080", 0, "host", "00080", 80 },
	{ "sip:host:0", -1, NULL, NULL, 0 },
	{ "sip:host:65536", -1, NULL, NULL, 0 },
	{ "sip:host:999999999999", -1, NULL, NULL, 0 },
	{ "sip:host:", -1, NULL, NULL, 0 },
	{ "sip:host:50x", -1, NULL, NULL, 0 },
	{ "sip:u@host\"x", -1, NULL, NULL, 0 },
	{ "sip:", -1, NULL, NULL, 0 },
	{ "sip:@", -1, NULL, NULL, 0 },
	{ "sip:u@", -1, NULL, NULL, 0 },
	{ "sip:u@/x", -1, NULL, NULL, 0 },
	{ "tel:+1-201-555-0123", -1, NULL, NULL, 0 },
	{ "<tel:+15550123;phone-context=example.com>", -1, NULL, NULL, 0 },
	{ "*", -1, NULL, NULL, 0 },
	{ "http://192.0.2.1/", -1, NULL, NULL, 0 },
	{ "name sip:192.0.2.1", -1, NULL, NULL, 0 },
	{ "", -1, NULL, NULL, 0 },
	{ "<", -1, NULL, NULL, 0 },
	{ "<si", -1, NULL, NULL, 0 },
};

static void test_uri_hostport(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(uri_cases) / sizeof(uri_cases[0]); i++) {
		const struct uri_case *c = &uri_cases[i];
		size_t n = strlen(c->in);
		char *buf = t_dup(c->in, n);
		struct span s = { 0, (uint32_t)n };
		struct sip_hostport hp;
		int rc = sip_uri_hostport(buf, s, &hp);

		if (rc != c->rc)
			fail_msg("%s: rc %d, want %d", c->in, rc, c->rc);
		if (rc == 0) {
			assert_span(buf, hp.host, c->host);
			assert_span(buf, hp.port, c->port);
			assert_int_equal(hp.port_num, c->port_num);
		}
		free(buf);
	}
}

/* The span given may be part of a larger buffer; nothing outside it is
 * looked at. */
static void test_uri_subspan(void **state)
{
	static const char text[] = "To: <sip:bob@192.0.2.20:5080>;tag=9";
	char *buf = t_dup(text, sizeof(text) - 1);
	struct span s = { .off = 4, .len = 24 };
	struct sip_hostport hp;

	assert_int_equal(sip_uri_hostport(buf, s, &hp), 0);
	assert_int_equal(hp.host.off, 13);
	assert_span(buf, hp.host, "192.0.2.20");
	assert_span(buf, hp.port, "5080");
	/* cut inside the port: only the digits in the span count */
	s.len = 22;
	assert_int_equal(sip_uri_hostport(buf, s, &hp), 0);
	assert_span(buf, hp.port, "50");
	s.len = 9;
	assert_int_equal(sip_uri_hostport(buf, s, &hp), -1);
	free(buf);
}

static struct sip_via t_via(const char *text, int want_rc, char **bufp)
{
	size_t n = strlen(text);
	struct span s = { 0, (uint32_t)n };
	struct sip_via v;

	*bufp = t_dup(text, n);
	if (sip_via_parse(*bufp, s, &v) != want_rc)
		fail_msg("via \"%s\": want %d", text, want_rc);
	return v;
}

static void test_via_basic(void **state)
{
	char *b;
	struct sip_via v = t_via("SIP/2.0/UDP 10.0.0.10:5060;"
				 "branch=z9hG4bK776asdhds;rport", 0, &b);

	assert_span(b, v.transport, "UDP");
	assert_span(b, v.sent_by.host, "10.0.0.10");
	assert_span(b, v.sent_by.port, "5060");
	assert_int_equal(v.sent_by.port_num, 5060);
	assert_span(b, v.branch, "z9hG4bK776asdhds");
	assert_true(v.has_rport);
	assert_int_equal(v.rport.len, 0);
	assert_int_equal(v.received.len, 0);
	free(b);
	v = t_via("SIP/2.0/TCP client.example.com;received=192.0.2.4;"
		  "RPORT=61000;branch=z9hG4bKx", 0, &b);
	assert_span(b, v.transport, "TCP");
	assert_span(b, v.sent_by.host, "client.example.com");
	assert_int_equal(v.sent_by.port.len, 0);
	assert_int_equal(v.sent_by.port_num, 0);
	assert_span(b, v.received, "192.0.2.4");
	assert_span(b, v.rport, "61000");
	assert_true(v.has_rport);
	assert_span(b, v.branch, "z9hG4bKx");
	free(b);
	v = t_via("SIP/2.0/UDP 10.0.0.10", 0, &b);
	assert_false(v.has_rport);
	assert_int_equal(v.branch.len, 0);
	free(b);
}

/* RFC 3261 25.1: SLASH, COLON and SEMI allow LWS, also folded. */
static void test_via_lws(void **state)
{
	char *b;
	struct sip_via v = t_via("SIP / 2.0 / UDP  10.0.0.10 : 5062 ; "
				 "branch = z9hG4bKx ; rport = 5062", 0, &b);

	assert_span(b, v.transport, "UDP");
	assert_span(b, v.sent_by.host, "10.0.0.10");
	assert_span(b, v.sent_by.port, "5062");
	assert_span(b, v.branch, "z9hG4bKx");
	assert_span(b, v.rport, "5062");
	free(b);
	/* RFC 4475 3.1.1.1 */
	v = t_via("SIP  /   2.0\r\n /UDP\r\n    192.0.2.2;branch=390skdjuw", 0,
		  &b);
	assert_span(b, v.transport, "UDP");
	assert_span(b, v.sent_by.host, "192.0.2.2");
	assert_span(b, v.branch, "390skdjuw");
	free(b);
	v = t_via("SIP  /    2.0   / UDP  192.168.255.111   ; branch=\r\n"
		  " z9hG4bK30239", 0, &b);
	assert_span(b, v.branch, "z9hG4bK30239");
	free(b);
	v = t_via("sip/2.0/sctp 192.0.2.3 (a comment)", 0, &b);
	assert_span(b, v.transport, "sctp");
	free(b);
}

/* RFC 5118 4.5 and 4.7 */
static void test_via_ipv6(void **state)
{
	char *b;
	struct sip_via v = t_via("SIP/2.0/UDP [2001:db8::9:1]:6050;"
				 "branch=z9hG4bKas3-111", 0, &b);

	assert_span(b, v.sent_by.host, "[2001:db8::9:1]");
	assert_int_equal(v.sent_by.port_num, 6050);
	free(b);
	v = t_via("SIP/2.0/TCP [2001:db8::9:255];branch=z9hG4bK451jj;"
		  "received=[2001:db8::9:255]", 0, &b);
	assert_span(b, v.sent_by.host, "[2001:db8::9:255]");
	assert_int_equal(v.sent_by.port.len, 0);
	assert_span(b, v.received, "[2001:db8::9:255]");
	free(b);
	v = t_via("SIP/2.0/UDP [2001:db8::9:1];received=2001:db8::9:255;"
		  "branch=z9hG4bKas3", 0, &b);
	assert_span(b, v.received, "2001:db8::9:255");
	assert_span(b, v.branch, "z9hG4bKas3");
	free(b);
}

static void test_via_malformed(void **state)
{
	static const char *const bad[] = {
		"", "SIP/2.0/UDP", "SIP/2.0/UDP ", "SIP/2.0 UDP 10.0.0.10",
		"SIP/3.0/UDP 10.0.0.10", "SIP/2.0/UDP10.0.0.10",
		"SIP/2.0/UDP 10.0.0.10:0", "SIP/2.0/UDP 10.0.0.10:70000",
		"SIP/2.0/UDP 10.0.0.10:", "SIP/2.0/UDP 10.0.0.10 junk",
		"SIP/2.0/UDP [2001:db8::1", "SIP/2.0/UDP 2001:db8::1",
		"SIP/2.0/ 10.0.0.10", "HTTP/1.1/TCP 10.0.0.10",
		"SIP/2.0/UDP ;branch=x",
	};
	size_t i;
	char *b;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct sip_via v = t_via(bad[i], -1, &b);

		assert_int_equal(v.sent_by.host.len, 0);
		free(b);
	}
}

static void t_param(const char *text, const char *name, const char *want)
{
	size_t n = strlen(text);
	char *buf = t_dup(text, n);
	struct span s = { 0, (uint32_t)n };
	struct span val = { 0, 0 };
	bool found = sip_param(buf, s, name, &val);

	if (found != (want != NULL))
		fail_msg("%s in \"%s\": found %d", name, text, found);
	if (want)
		assert_span(buf, val, want);
	free(buf);
}

static void test_param(void **state)
{
	static const char na[] = "\"A;b=c\" <sip:a@192.0.2.1;lr;tag=u>"
				 ";tag=abc ; Expires = 60;x";

	t_param(na, "tag", "abc");
	t_param(na, "TAG", "abc");
	t_param(na, "expires", "60");
	t_param(na, "x", "");
	t_param(na, "lr", NULL);
	t_param(na, "b", NULL);
	t_param(na, "ta", NULL);
	t_param(na, "tagx", NULL);
	t_param(";foo=\"a;b=1\";bar=1", "foo", "\"a;b=1\"");
	t_param(";foo=\"a;b=1\";bar=1", "b", NULL);
	t_param(";foo=\"a;b=1\";bar=1", "bar", "1");
	t_param("sip:192.0.2.1;transport=udp?Subject=x", "transport", "udp");
	t_param(";received=[2001:db8::1];rport", "received", "[2001:db8::1]");
	t_param(";received=[2001:db8::1];rport", "rport", "");
	t_param(";;;=;", "x", NULL);
	t_param(";maddr=", "maddr", "");
	t_param("", "tag", NULL);
	t_param(";x=\"unterminated", "x", "\"unterminated");
}

static struct t_msg *t_cseq_msg(const char *cseq)
{
	char text[256];

	snprintf(text, sizeof(text),
		 "SIP/2.0 200 OK\r\nCSeq:%s\r\nContent-Length: 0\r\n\r\n",
		 cseq);
	return t_scan(text);
}

static void test_cseq(void **state)
{
	static const char *const bad[] = {
		" INVITE", " 1", " 1INVITE", " 1 INVITE x", " 2147483648 BYE",
		" -1 BYE", " 1 INV/ITE", "",
	};
	struct t_msg *t = t_cseq_msg(" 101 INVITE");
	struct span method;
	uint32_t num;
	size_t i;

	t_check_spans(t);
	assert_int_equal(sip_cseq(&t->m, &num, &method), 0);
	assert_int_equal(num, 101);
	assert_span(t->buf, method, "INVITE");
	t_free(t);
	t = t_cseq_msg(" 2147483647\r\n  CANCEL");
	assert_int_equal(sip_cseq(&t->m, &num, &method), 0);
	assert_int_equal(num, 2147483647u);
	assert_span(t->buf, method, "CANCEL");
	assert_true(sip_method_is(&t->m, "CANCEL"));
	t_free(t);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		t = t_cseq_msg(bad[i]);
		t_check_spans(t);
		if (sip_cseq(&t->m, &num, &method) != -1)
			fail_msg("CSeq:%s accepted", bad[i]);
		assert_false(sip_method_is(&t->m, "BYE"));
		t_free(t);
	}
	t = t_scan("SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n");
	assert_int_equal(sip_cseq(&t->m, &num, &method), -1);
	assert_false(sip_method_is(&t->m, "INVITE"));
	t_free(t);
}

/* URIs and Via taken out of a scanned message, as the rewriter will. */
static void test_message_walk(void **state)
{
	struct t_msg *t = t_scan("INVITE sip:b@[2001:db8::20]:5062 SIP/2.0\r\n"
				 "v: SIP/2.0/UDP 10.0.0.10:5060;branch=z9hG4bKa"
				 ", SIP/2.0/UDP [2001:db8::9:1];rport\r\n"
				 "m: \"Al\" <sip:al@10.0.0.10:5060>;expires=60,"
				 " <sips:al@[2001:db8::9:1]>\r\n"
				 "l: 0\r\n\r\n");
	struct sip_hostport hp;
	struct sip_via v;
	struct span item;
	uint32_t pos = 0;

	t_check_spans(t);
	assert_int_equal(sip_uri_hostport(t->buf, t->m.ruri, &hp), 0);
	assert_span(t->buf, hp.host, "[2001:db8::20]");
	assert_int_equal(hp.port_num, 5062);
	assert_true(sip_list_next(t->buf, t_value(t, SIP_HDR_VIA, 0), &pos,
				  &item));
	assert_int_equal(sip_via_parse(t->buf, item, &v), 0);
	assert_span(t->buf, v.sent_by.host, "10.0.0.10");
	assert_false(v.has_rport);
	assert_true(sip_list_next(t->buf, t_value(t, SIP_HDR_VIA, 0), &pos,
				  &item));
	assert_int_equal(sip_via_parse(t->buf, item, &v), 0);
	assert_span(t->buf, v.sent_by.host, "[2001:db8::9:1]");
	assert_true(v.has_rport);
	pos = 0;
	assert_true(sip_list_next(t->buf, t_value(t, SIP_HDR_CONTACT, 0), &pos,
				  &item));
	assert_int_equal(sip_uri_hostport(t->buf, item, &hp), 0);
	assert_span(t->buf, hp.host, "10.0.0.10");
	assert_true(sip_param(t->buf, item, "expires", &item));
	assert_span(t->buf, item, "60");
	t_free(t);
}

static void test_oracle(void **state)
{
	static const char garbage[] = "this is not\r\nSIP at all\r\n\r\n";

	assert_true(oracle_parse_ok(invite, strlen(invite)));
	assert_false(oracle_parse_ok(garbage, sizeof(garbage) - 1));
	assert_false(oracle_parse_ok("SIP/2.0 200\r\n\r\n", 15));
}

/*
 * Overwrite each byte of a message in turn with characters that matter to
 * the grammar; the scanner must stay inside the buffer and keep its
 * invariants, and the accessors must cope with whatever it returns.
 */
static void t_poke_accessors(const struct t_msg *t)
{
	struct sip_hostport hp;
	struct sip_via v;
	struct span item, method;
	uint32_t pos, num;
	unsigned i;

	sip_uri_hostport(t->buf, t->m.ruri, &hp);
	sip_cseq(&t->m, &num, &method);
	for (i = 0; i < t->m.n_hdr; i++) {
		pos = 0;
		while (sip_list_next(t->buf, t->m.hdr[i].value, &pos, &item)) {
			assert_true(span_end(item) <= t->len);
			if (sip_uri_hostport(t->buf, item, &hp) == 0)
				assert_true(span_end(hp.host) <= t->len);
			if (sip_via_parse(t->buf, item, &v) == 0)
				assert_true(span_end(v.branch) <= t->len);
		}
	}
}

static void test_mutations(void **state)
{
	static const char pokes[] = { '\0', '\r', '\n', ' ', ':', ';', '<',
				      '>', '"', '@', '[', ']', ',', '\\',
				      (char)0xff };
	size_t n = strlen(invite);
	char *text = t_dup(invite, n);
	unsigned ok = 0;
	size_t i, j;

	for (i = 0; i < n; i++) {
		for (j = 0; j < sizeof(pokes); j++) {
			struct t_msg *t;

			text[i] = pokes[j];
			t = t_scan_n(text, n);
			if (t->r == SIP_OK) {
				t_check_spans(t);
				t_poke_accessors(t);
				ok++;
			}
			t_free(t);
		}
		text[i] = invite[i];
	}
	/* Most single-byte changes inside header values are still SIP. */
	assert_true(ok > n);
	free(text);
}

/* addr_text / addr_port_text (the packet path's hand-made formatting)
 * write what inet_ntop and "%s:%u" write. */
static void test_addr_text(void **state)
{
	static const char *const v4[] = { "0.0.0.0", "10.0.0.10",
					  "203.0.113.1", "255.255.255.255",
					  "100.64.9.99" };
	char want[64], got[64];
	union addr a;
	unsigned i, port;

	(void)state;
	for (i = 0; i < sizeof(v4) / sizeof(v4[0]); i++) {
		assert_int_equal(inet_pton(AF_INET, v4[i], &a.v4), 1);
		assert_int_equal(addr_text(AF_INET, &a, got, sizeof(got)),
				 strlen(v4[i]));
		assert_string_equal(got, v4[i]);
		for (port = 1; port < 70000; port = port * 7 + 3) {
			snprintf(want, sizeof(want), "%s:%u", v4[i],
				 port & 0xffff);
			if (!(port & 0xffff))
				continue;
			addr_port_text(AF_INET, &a, (uint16_t)port, got,
				       sizeof(got));
			assert_string_equal(got, want);
		}
		addr_port_text(AF_INET, &a, 0, got, sizeof(got));
		assert_string_equal(got, v4[i]);
		/* Too small: empty, never cut. */
		assert_int_equal(addr_text(AF_INET, &a, got, strlen(v4[i])),
				 0);
		assert_string_equal(got, "");
	}
	assert_int_equal(inet_pton(AF_INET6, "2001:db8::1", &a.v6), 1);
	addr_port_text(AF_INET6, &a, 5060, got, sizeof(got));
	assert_string_equal(got, "[2001:db8::1]:5060");
	addr_text(AF_INET6, &a, got, sizeof(got));
	assert_string_equal(got, "2001:db8::1");
}

/* addr_parse4 accepts and refuses what inet_pton(AF_INET) does. */
static void test_addr_parse4(void **state)
{
	static const char *const s[] = {
		"10.0.0.10", "0.0.0.0", "255.255.255.255", "203.0.113.1",
		"256.1.1.1", "1.2.3", "1.2.3.4.", ".1.2.3.4", "1..2.3",
		"01.2.3.4", "1.2.3.04", "1.2.3.0", "1.2.3.4 ", "1.2.3.-4",
		"", "a.b.c.d", "1.2.3.4.5", "1.2.3.255", "1.2.3.2555",
		"100.64.0.1", "0.0.0.00", "9.9.9.9x",
	};
	struct in_addr want, got;
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		int ok = inet_pton(AF_INET, s[i], &want);

		want.s_addr = ok == 1 ? want.s_addr : 0;
		got.s_addr = 0;
		assert_int_equal(addr_parse4(s[i], strlen(s[i]), &got),
				 ok == 1);
		if (ok == 1)
			assert_int_equal(got.s_addr, want.s_addr);
	}
	/* A span: what follows it is not read. */
	assert_true(addr_parse4("10.0.0.1:5060", 8, &got));
	assert_int_equal(ntohl(got.s_addr), 0x0a000001);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addr_text),
		cmocka_unit_test(test_addr_parse4),
		cmocka_unit_test(test_request_basic),
		cmocka_unit_test(test_response_basic),
		cmocka_unit_test(test_response_reason),
		cmocka_unit_test(test_lf_only),
		cmocka_unit_test(test_compact_forms),
		cmocka_unit_test(test_folding),
		cmocka_unit_test(test_leading_crlf),
		cmocka_unit_test(test_no_content_length),
		cmocka_unit_test(test_content_length),
		cmocka_unit_test(test_two_messages),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_every_prefix),
		cmocka_unit_test(test_not_sip),
		cmocka_unit_test(test_malformed_start),
		cmocka_unit_test(test_malformed_headers),
		cmocka_unit_test(test_too_many_headers),
		cmocka_unit_test(test_hdr_find),
		cmocka_unit_test(test_list_next),
		cmocka_unit_test(test_list_offsets),
		cmocka_unit_test(test_uri_hostport),
		cmocka_unit_test(test_uri_subspan),
		cmocka_unit_test(test_via_basic),
		cmocka_unit_test(test_via_lws),
		cmocka_unit_test(test_via_ipv6),
		cmocka_unit_test(test_via_malformed),
		cmocka_unit_test(test_param),
		cmocka_unit_test(test_cseq),
		cmocka_unit_test(test_message_walk),
		cmocka_unit_test(test_oracle),
		cmocka_unit_test(test_mutations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
