/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * SIP over TCP: framing (src/frame.c), sequence translation
 * (src/seqmap.c), segment parsing and rebuilding (src/tcpseg.c) and the
 * stream module (src/stream.c) driven with real IPv4/TCP packets and a
 * rewrite callback that lengthens a marker, the way a rewritten address
 * does.  Every emitted packet is checked: checksums valid, and the
 * concatenation of the payloads the receiver gets, in sequence order, is
 * the rewritten stream.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "frame.h"
#include "seqmap.h"
#include "stream.h"
#include "tcpseg.h"
#include "tcppkt.h"

/* --- framing ------------------------------------------------------------- */

static const char REG[] =
	"REGISTER sip:example.com SIP/2.0\r\n"
	"Via: SIP/2.0/TCP 10.0.0.10:5060;branch=z9hG4bK1\r\n"
	"Call-ID: a@b\r\n"
	"Content-Length: 0\r\n\r\n";

static enum frame_kind fr(const char *t, uint32_t len, uint32_t *n)
{
	char *p = malloc(len ? len : 1);
	enum frame_kind k;

	memcpy(p, t, len);
	k = frame_next(p, len, 60000, n);
	free(p);
	return k;
}

static void test_frame_basic(void **st)
{
	char two[600], body[400];
	uint32_t n = 0, i, len;

	assert_int_equal(fr(REG, strlen(REG), &n), FRAME_MSG);
	assert_int_equal(n, strlen(REG));
	/* every prefix is partial */
	for (i = 0; i < strlen(REG); i++)
		assert_int_equal(fr(REG, i, &n), i ? FRAME_PARTIAL : FRAME_PARTIAL);
	/* two messages in one buffer: the first, then the second */
	len = (uint32_t)snprintf(two, sizeof(two), "%s%s", REG, REG);
	assert_int_equal(fr(two, len, &n), FRAME_MSG);
	assert_int_equal(n, strlen(REG));
	/* keep-alives (RFC 5626 3.5.1) */
	assert_int_equal(fr("\r\n\r\nREG", 7, &n), FRAME_CRLF);
	assert_int_equal(n, 4);
	/* a body, compact l:, LF-only */
	len = (uint32_t)snprintf(body, sizeof(body),
				 "INVITE sip:x SIP/2.0\nl: 5\n\nv=0\r\nNEXT");
	assert_int_equal(fr(body, len, &n), FRAME_MSG);
	assert_int_equal(n, len - 4);
	assert_int_equal(fr(body, len - 5, &n), FRAME_PARTIAL);
	/* no Content-Length on a stream, a bad one, two different ones */
	assert_int_equal(fr("OPTIONS sip:x SIP/2.0\r\nA: b\r\n\r\n", 31, &n),
			 FRAME_BAD);
	assert_int_equal(fr("OPTIONS sip:x SIP/2.0\r\nContent-Length: x\r\n\r\n",
			    44, &n), FRAME_BAD);
	assert_int_equal(fr("OPTIONS sip:x SIP/2.0\r\nl: 1\r\nl: 2\r\n\r\nab",
			    38, &n), FRAME_BAD);
	/* larger than the cap */
	len = (uint32_t)snprintf(body, sizeof(body),
				 "OPTIONS sip:x SIP/2.0\r\nl: 70000\r\n\r\n");
	assert_int_equal(fr(body, len, &n), FRAME_BAD);
}

static int start(const char *t)
{
	size_t n = strlen(t);
	char *p = malloc(n ? n : 1);
	int r;

	memcpy(p, t, n);
	r = frame_sip_start(p, (uint32_t)n);
	free(p);
	return r;
}

static void test_frame_sip_start(void **st)
{
	assert_int_equal(start(REG), 1);
	assert_int_equal(start("\r\nSIP/2.0 200 OK\r\n"), 1);
	assert_int_equal(start("REGIS"), -1);
	assert_int_equal(start("REGISTER sip:x SIP/2.0"), -1);
	/* NAT Slipstreaming v1: an HTTP request whose body is SIP */
	assert_int_equal(start("POST / HTTP/1.1\r\nHost: x\r\n\r\n" "REGISTER "
			       "sip:x SIP/2.0\r\n"), 0);
	assert_int_equal(start("GET / HTTP/1.1\r\n"), 0);
	assert_int_equal(start("\x16\x03\x01\x02\x00"), 0);	/* TLS */
	assert_int_equal(start("SIP/2.0 99 x\r\n"), 0);
	assert_int_equal(start("INVITE  sip:x SIP/2.0\r\n"), 0);
	assert_int_equal(start("INVITE sip:x SIP/2.1\r\n"), 0);
}

/* --- seqmap -------------------------------------------------------------- */

static void test_seqmap(void **st)
{
	struct seqmap m;
	unsigned i;

	seqmap_init(&m);
	assert_int_equal(seqmap_to_new(&m, 12345, false), 12345);
	/* [100, 200) became [100, 210) */
	seqmap_add(&m, 100, 200, 100, 210);
	assert_int_equal(seqmap_to_new(&m, 50, false), 50);
	assert_int_equal(seqmap_to_new(&m, 100, true), 100);
	assert_int_equal(seqmap_to_new(&m, 150, false), 100);
	assert_int_equal(seqmap_to_new(&m, 150, true), 210);
	assert_int_equal(seqmap_to_new(&m, 200, false), 210);
	assert_int_equal(seqmap_to_new(&m, 300, false), 310);
	assert_int_equal(seqmap_to_orig(&m, 310, false), 300);
	assert_int_equal(seqmap_to_orig(&m, 205, false), 100);
	assert_int_equal(seqmap_to_orig(&m, 205, true), 200);
	assert_int_equal(seqmap_to_orig(&m, 210, false), 200);
	/* then [300, 400) became [310, 390): a shrink */
	seqmap_add(&m, 300, 400, 310, 390);
	assert_int_equal(seqmap_delta(&m), (uint32_t)-10);
	assert_int_equal(seqmap_to_new(&m, 500, false), 490);
	assert_int_equal(seqmap_to_orig(&m, 490, false), 500);
	assert_int_equal(seqmap_to_new(&m, 250, false), 260);
	/* across the wrap of sequence space */
	seqmap_init(&m);
	seqmap_add(&m, 0xfffffff0u, 0x10, 0xfffffff0u, 0x20);
	assert_int_equal(seqmap_to_new(&m, 0x30, false), 0x40);
	assert_int_equal(seqmap_to_orig(&m, 0x40, false), 0x30);
	assert_int_equal(seqmap_to_new(&m, 0xffffffe0u, false), 0xffffffe0u);
	/* old regions fold into the constant */
	seqmap_init(&m);
	for (i = 0; i < 3 * SEQMAP_REGIONS; i++)
		seqmap_add(&m, 1000 * i, 1000 * i + 100, 1000 * i + i,
			   1000 * i + 101 + i);
	assert_true(m.n <= SEQMAP_REGIONS);
	assert_int_equal(seqmap_to_new(&m, 1000 * i, false), 1000 * i + i);
	assert_int_equal(seqmap_to_orig(&m, 1000 * i + i, false), 1000 * i);
}

/* --- packets ------------------------------------------------------------- */

#define PHONE "10.0.0.10"
#define SERVER "203.0.113.10"

struct pkt {
	uint8_t b[70000];
	uint32_t len;
};

/* Ones' complement sum of d[0..n) added to acc (for the checks below,
 * written apart from tcpseg.c's). */
static uint32_t csum_add(const uint8_t *d, uint32_t n, uint32_t acc)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		acc += i & 1 ? d[i] : (uint32_t)d[i] << 8;
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return acc;
}

/* An IPv6 segment: parsed (addresses, ports, numbers, payload), rebuilt
 * with new numbers and a longer payload (payload length and checksum
 * right over the RFC 8200 pseudo header), and the shapes refused. */
static void test_tcpseg_ipv6(void **st)
{
	static const char pl[] = "OPTIONS sip:x SIP/2.0\r\n\r\n",
			  pl2[] = "OPTIONS sip:longer-x SIP/2.0\r\n\r\n";
	uint8_t d[40 + 20 + sizeof(pl)], out[200], ph[40];
	uint32_t plen = sizeof(pl) - 1, tl;
	struct tcpseg g;
	long n;

	(void)st;
	memset(d, 0, sizeof(d));
	d[0] = 0x60;
	d[4] = 0;
	d[5] = (uint8_t)(20 + plen);
	d[6] = IPPROTO_TCP;
	d[7] = 64;
	d[8] = 0x20; d[9] = 0x01; d[10] = 0x0d; d[11] = 0xb8; d[23] = 0x10;
	d[24] = 0x20; d[25] = 0x01; d[26] = 0x0d; d[27] = 0xb8; d[39] = 0x20;
	d[40] = 0x13; d[41] = 0xc4;		/* 5060 */
	d[42] = 0x13; d[43] = 0xc4;
	d[47] = 7;				/* seq 7 */
	d[51] = 9;				/* ack 9 */
	d[52] = 0x50;				/* 20 bytes */
	d[53] = TCPSEG_ACK;
	memcpy(d + 60, pl, plen);
	assert_null(tcpseg_parse(d, 60 + plen, &g));
	assert_int_equal(g.family, AF_INET6);
	assert_int_equal(g.src.v6.s6_addr[15], 0x10);
	assert_int_equal(g.dst.v6.s6_addr[15], 0x20);
	assert_int_equal(g.sport, 5060);
	assert_int_equal(g.seq, 7);
	assert_int_equal(g.ack, 9);
	assert_int_equal(g.hdr_len, 60);
	assert_int_equal(g.plen, plen);
	assert_memory_equal(g.payload, pl, plen);

	n = tcpseg_build(d, &g, 1000, 2000, NULL, pl2, sizeof(pl2) - 1, out,
			 sizeof(out));
	assert_int_equal(n, 60 + sizeof(pl2) - 1);
	tl = (uint32_t)n - 40;
	assert_int_equal(out[4] << 8 | out[5], tl);
	assert_int_equal(out[47], 1000 & 0xff);
	memcpy(ph, out + 8, 32);
	memset(ph + 32, 0, 8);
	ph[34] = (uint8_t)(tl >> 8);
	ph[35] = (uint8_t)tl;
	ph[39] = IPPROTO_TCP;
	assert_int_equal(csum_add(out + 40, tl, csum_add(ph, 40, 0)), 0xffff);
	assert_null(tcpseg_parse(out, (uint32_t)n, &g));
	assert_int_equal(g.seq, 1000);

	assert_non_null(tcpseg_parse(d, 50, &g));	/* truncated */
	d[6] = 0;					/* hop-by-hop */
	assert_non_null(tcpseg_parse(d, 60 + plen, &g));
	d[6] = IPPROTO_TCP;
	d[5] = 200;					/* longer than queued */
	assert_non_null(tcpseg_parse(d, 60 + plen, &g));
}

static uint16_t t_port = 41000;	/* the phone's */

/* A segment from the phone (out) or the server (in).  sack: n pairs. */
static void mk(struct pkt *k, bool out, uint32_t seq, uint32_t ack,
	       uint8_t flags, const char *pl, uint32_t n,
	       const uint32_t (*sack)[2], unsigned n_sack)
{
	struct in_addr a, b;

	inet_pton(AF_INET, out ? PHONE : SERVER, &a);
	inet_pton(AF_INET, out ? SERVER : PHONE, &b);
	k->len = tcppkt_make(k->b, a.s_addr, b.s_addr, out ? t_port : 5060,
			     out ? 5060 : t_port, seq, ack, flags, pl, n,
			     sack ? &sack[0][0] : NULL, n_sack);
}

/* --- the stream module with a recording emitter -------------------------- */

#define MAX_EMIT 256

struct emitted {
	uint32_t id;
	bool drop, as_is;
	struct tcpseg g;
	uint8_t pkt[70000];
	uint32_t len;
};

struct rec {
	struct emitted e[MAX_EMIT];
	unsigned n;
	unsigned msgs;
	const char *last_count;
	struct pkt in[MAX_EMIT];	/* by id */
};

static struct rec *R;

/* The rewrite: "10.0.0.10" -> "203.0.113.100" everywhere (4 bytes
 * longer each time), Content-Length left alone (only headers change). */
static long t_msg(void *ctx, struct stream_conn *c, enum stream_dir_id dir,
		  const char *in, uint32_t len, char *out, uint32_t cap)
{
	uint32_t i = 0, o = 0;
	bool any = false;

	R->msgs++;
	while (i < len) {
		if (len - i >= 9 && !memcmp(in + i, PHONE, 9)) {
			memcpy(out + o, "203.0.113.100", 13);
			o += 13;
			i += 9;
			any = true;
		} else {
			out[o++] = in[i++];
		}
		if (o + 16 > cap)
			return -1;
	}
	return any ? (long)o : -1;
}

static void t_emit(void *ctx, uint32_t id, const uint8_t *pkt, uint32_t len,
		   enum stream_verdict v)
{
	struct emitted *e = &R->e[R->n++];

	assert_true(R->n <= MAX_EMIT);
	e->id = id;
	e->drop = v == STREAM_DROP;
	e->as_is = v == STREAM_ACCEPT;
	if (v == STREAM_ACCEPT) {
		assert_int_equal(len, R->in[id].len);
		assert_memory_equal(pkt, R->in[id].b, len);
	}
	e->len = len;
	memcpy(e->pkt, pkt, e->len);
	assert_null(tcpseg_parse(e->pkt, e->len, &e->g));
	assert_true(tcppkt_sums_ok(e->pkt, e->len));
}

static void t_count(void *ctx, const char *what)
{
	R->last_count = what;
}

static struct streams *t_new(void)
{
	struct stream_limits lim = { .max_conns = 4, .max_msg = 60000,
				     .hist_max = 65536, .hold_max = 2,
				     .idle = 100, .seed = 7 };
	struct stream_ops ops = { t_msg, t_emit, t_count, NULL, NULL };

	R = calloc(1, sizeof(*R));
	assert_non_null(R);
	return stream_new(&lim, &ops);
}

static void t_end(struct streams *s)
{
	stream_free(s);
	free(R);
	R = NULL;
}

static uint32_t next_id;

/* Hand a packet in; returns its id. */
static uint32_t feed(struct streams *s, bool out, uint32_t seq, uint32_t ack,
		     uint8_t flags, const char *pl, uint32_t n, uint64_t now)
{
	uint32_t id = next_id++ % MAX_EMIT;

	mk(&R->in[id], out, seq, ack, flags, pl, n, NULL, 0);
	stream_packet(s, id, R->in[id].b, R->in[id].len,
		      out ? STREAM_OUT : STREAM_IN, now);
	return id;
}

#define ISN_C 1000u
#define ISN_S 0xfffffe00u	/* the server's numbers wrap */

static void handshake(struct streams *s)
{
	next_id = 0;
	feed(s, true, ISN_C, 0, TCPSEG_SYN, NULL, 0, 1);
	feed(s, false, ISN_S, ISN_C + 1, TCPSEG_SYN | TCPSEG_ACK, NULL, 0, 1);
	feed(s, true, ISN_C + 1, ISN_S + 1, TCPSEG_ACK, NULL, 0, 1);
	assert_int_equal(R->n, 3);
	assert_true(R->e[0].as_is && R->e[1].as_is && R->e[2].as_is);
	R->n = 0;
}

/* The payload of emitted packet i. */
static const char *pl_of(unsigned i, uint32_t *n)
{
	*n = R->e[i].g.plen;
	return (const char *)R->e[i].g.payload;
}

static char *expect_rewrite(const char *msg)
{
	static char out[70000];
	long n = t_msg(NULL, NULL, STREAM_OUT, msg, (uint32_t)strlen(msg), out,
		       sizeof(out));
	unsigned m = R->msgs;

	R->msgs = m - 1;
	assert_true(n > 0);
	out[n] = '\0';
	return out;
}

static void test_stream_one_message(void **st)
{
	struct streams *s = t_new();
	const char *want;
	uint32_t n, len = (uint32_t)strlen(REG);

	handshake(s);
	want = expect_rewrite(REG);
	feed(s, true, ISN_C + 1, ISN_S + 1, TCPSEG_ACK, REG, len, 1);
	assert_int_equal(R->n, 1);
	assert_false(R->e[0].as_is);
	assert_int_equal(R->e[0].g.seq, ISN_C + 1);
	assert_memory_equal(pl_of(0, &n), want, strlen(want));
	assert_int_equal(n, len + 4);
	/* the server acknowledges the new end: the phone sees its own */
	feed(s, false, ISN_S + 1, ISN_C + 1 + len + 4, TCPSEG_ACK, NULL, 0, 1);
	assert_int_equal(R->n, 2);
	assert_int_equal(R->e[1].g.ack, ISN_C + 1 + len);
	/* a second message from the phone is shifted by 4 */
	feed(s, true, ISN_C + 1 + len, ISN_S + 1, TCPSEG_ACK, REG, len, 1);
	assert_int_equal(R->e[2].g.seq, ISN_C + 1 + len + 4);
	assert_int_equal(R->msgs, 2);
	t_end(s);
}

/* An INVITE of 3000 bytes over three segments: nothing leaves until the
 * last arrives, then all three carry the rewritten message in order. */
static void test_stream_three_segments(void **st)
{
	struct streams *s = t_new();
	static char msg[4000];
	const char *want;
	uint32_t hl, len, cut1 = 1000, cut2 = 2000, n, i, got = 0;
	char *body;

	hl = (uint32_t)snprintf(msg, sizeof(msg),
				"INVITE sip:bob@example.com SIP/2.0\r\n"
				"Via: SIP/2.0/TCP " PHONE ":5060\r\n"
				"Contact: <sip:a@" PHONE ":5060;transport=tcp>\r\n"
				"Call-ID: big@x\r\nContent-Type: application/sdp\r\n"
				"Content-Length: %4u\r\n\r\n", 0u);
	len = 3000;
	body = msg + hl;
	memset(body, 'a', len - hl);
	for (i = 0; i + 40 < len - hl; i += 200)
		memcpy(body + i, "c=IN IP4 " PHONE "\r\n", 20);
	snprintf(msg + hl - 8, 5, "%4u", len - hl);
	msg[hl - 4] = '\r';
	msg[len] = '\0';
	handshake(s);
	want = expect_rewrite(msg);
	feed(s, true, ISN_C + 1, ISN_S + 1, TCPSEG_ACK, msg, cut1, 1);
	feed(s, true, ISN_C + 1 + cut1, ISN_S + 1, TCPSEG_ACK, msg + cut1,
	     cut2 - cut1, 1);
	assert_int_equal(R->n, 0);	/* held */
	feed(s, true, ISN_C + 1 + cut2, ISN_S + 1, TCPSEG_ACK, msg + cut2,
	     len - cut2, 1);
	assert_int_equal(R->n, 3);
	for (i = 0; i < 3; i++) {
		const char *p = pl_of(i, &n);

		assert_int_equal(R->e[i].g.seq, ISN_C + 1 + got);
		assert_memory_equal(p, want + got, n);
		got += n;
	}
	assert_int_equal(got, strlen(want));
	assert_true(got > len);
	/* the first segment again (the sender saw no ACK): the same bytes */
	feed(s, true, ISN_C + 1, ISN_S + 1, TCPSEG_ACK, msg, cut1, 1);
	assert_int_equal(R->n, 4);
	assert_int_equal(R->e[3].g.seq, R->e[0].g.seq);
	assert_int_equal(R->e[3].g.plen, R->e[0].g.plen);
	assert_memory_equal(R->e[3].g.payload, R->e[0].g.payload,
			    R->e[0].g.plen);
	/* the third again: its message grew, so it is sent up to the end
	 * of the message (never a byte not released) */
	feed(s, true, ISN_C + 1 + cut2, ISN_S + 1, TCPSEG_ACK, msg + cut2,
	     len - cut2, 1);
	assert_int_equal(R->n, 5);
	assert_int_equal(R->e[4].g.seq + R->e[4].g.plen,
			 ISN_C + 1 + strlen(want));
	/* the receiver acknowledges the first released segment only: the
	 * sender learns exactly its first segment arrived (not the start
	 * of the message: it would resend it for ever) */
	feed(s, false, ISN_S + 1, R->e[0].g.seq + R->e[0].g.plen, TCPSEG_ACK,
	     NULL, 0, 1);
	assert_int_equal(R->e[5].g.ack, ISN_C + 1 + cut1);
	/* everything acknowledged; the first again (its ACK was lost): the
	 * same bytes still, so the receiver acknowledges again */
	feed(s, false, ISN_S + 1, ISN_C + 1 + (uint32_t)strlen(want),
	     TCPSEG_ACK, NULL, 0, 1);
	assert_int_equal(R->e[6].g.ack, ISN_C + 1 + len);
	feed(s, true, ISN_C + 1, ISN_S + 1, TCPSEG_ACK, msg, cut1, 1);
	assert_int_equal(R->e[7].g.seq, R->e[0].g.seq);
	assert_int_equal(R->e[7].g.plen, R->e[0].g.plen);
	t_end(s);
}

/* Two messages and a keep-alive in one segment, then one message cut in
 * the middle of its header and of the next segment. */
static void test_stream_two_in_one(void **st)
{
	struct streams *s = t_new();
	char two[1000], want[1000];
	uint32_t len, n, r = (uint32_t)strlen(REG);

	len = (uint32_t)snprintf(two, sizeof(two), "%s\r\n\r\n%s", REG, REG);
	snprintf(want, sizeof(want), "%s\r\n\r\n", expect_rewrite(REG));
	strcat(want, expect_rewrite(REG));
	handshake(s);
	feed(s, true, ISN_C + 1, ISN_S + 1, TCPSEG_ACK, two, len, 1);
	assert_int_equal(R->n, 1);
	assert_int_equal(R->msgs, 2);
	assert_memory_equal(pl_of(0, &n), want, strlen(want));
	assert_int_equal(n, strlen(want));
	/* REG cut at 30: the first part of the split is held with the end
	 * of a whole message before it */
	feed(s, true, ISN_C + 1 + len, ISN_S + 1, TCPSEG_ACK, REG, 30, 1);
	assert_int_equal(R->n, 1);
	feed(s, true, ISN_C + 1 + len + 30, ISN_S + 1, TCPSEG_ACK, REG + 30,
	     r - 30, 1);
	assert_int_equal(R->n, 3);
	assert_int_equal(R->e[1].g.seq, ISN_C + 1 + strlen(want));
	assert_int_equal(R->e[2].g.seq, R->e[1].g.seq + R->e[1].g.plen);
	assert_int_equal(R->e[1].g.plen + R->e[2].g.plen, r + 4);
	/* keep-alive alone passes untouched (only its sequence moves) */
	feed(s, true, ISN_C + 1 + len + r, ISN_S + 1, TCPSEG_ACK, "\r\n\r\n",
	     4, 1);
	assert_int_equal(R->e[3].g.seq, ISN_C + 1 + len + r + 12);
	assert_memory_equal(R->e[3].g.payload, "\r\n\r\n", 4);
	t_end(s);
}

/* An HTTP request to the SIP port whose body is a REGISTER (NAT
 * Slipstreaming v1): never parsed as SIP, passed byte for byte. */
static void test_stream_http_not_sip(void **st)
{
	struct streams *s = t_new();
	char http[600];
	uint32_t len;

	len = (uint32_t)snprintf(http, sizeof(http),
				 "POST /x HTTP/1.1\r\nHost: a\r\n"
				 "Content-Length: %zu\r\n\r\n%s", strlen(REG),
				 REG);
	handshake(s);
	feed(s, true, ISN_C + 1, ISN_S + 1, TCPSEG_ACK, http, len, 1);
	assert_int_equal(R->n, 1);
	assert_true(R->e[0].as_is);
	assert_int_equal(R->msgs, 0);
	assert_string_equal(R->last_count, "TCP stream is not SIP");
	feed(s, true, ISN_C + 1 + len, ISN_S + 1, TCPSEG_ACK, REG,
	     (uint32_t)strlen(REG), 1);
	assert_true(R->e[1].as_is);
	assert_int_equal(R->msgs, 0);
	t_end(s);
}

/* Not seen from the SYN: passed, counted.  A gap: dropped. */
static void test_stream_midstream_and_gap(void **st)
{
	struct streams *s = t_new();

	next_id = 0;
	feed(s, true, 5000, 7000, TCPSEG_ACK, REG, (uint32_t)strlen(REG), 1);
	assert_true(R->e[0].as_is);
	assert_string_equal(R->last_count,
			    "TCP stream not seen from its start");
	R->n = 0;
	handshake(s);
	feed(s, true, ISN_C + 1 + 10, ISN_S + 1, TCPSEG_ACK, REG,
	     (uint32_t)strlen(REG), 1);
	assert_true(R->e[0].drop);
	/* the lost bytes come, then the rest again */
	feed(s, true, ISN_C + 1, ISN_S + 1, TCPSEG_ACK, REG,
	     (uint32_t)strlen(REG), 1);
	assert_int_equal(R->n, 2);
	assert_false(R->e[1].as_is);
	t_end(s);
}

/* SACK blocks from the receiver are translated like its ACK. */
static void test_stream_sack(void **st)
{
	struct streams *s = t_new();
	uint32_t len = (uint32_t)strlen(REG), id;
	uint32_t sack[1][2];

	handshake(s);
	feed(s, true, ISN_C + 1, ISN_S + 1, TCPSEG_ACK, REG, len, 1);
	feed(s, true, ISN_C + 1 + len, ISN_S + 1, TCPSEG_ACK, REG, len, 1);
	/* the receiver got the second message, not the first */
	sack[0][0] = ISN_C + 1 + len + 4;
	sack[0][1] = ISN_C + 1 + 2 * (len + 4);
	id = next_id++;
	mk(&R->in[id], false, ISN_S + 1, ISN_C + 1, TCPSEG_ACK, NULL, 0,
	   (const uint32_t(*)[2])sack, 1);
	stream_packet(s, id, R->in[id].b, R->in[id].len, STREAM_IN, 1);
	assert_int_equal(R->e[2].g.n_sack, 1);
	assert_int_equal(R->e[2].g.sack[0][0], ISN_C + 1 + len);
	assert_int_equal(R->e[2].g.sack[0][1], ISN_C + 1 + 2 * len);
	t_end(s);
}

/* A message that never completes is released as it is after hold_max,
 * and the connection then only keeps its offsets. */
static void test_stream_hold_expiry(void **st)
{
	struct streams *s = t_new();
	uint32_t len = (uint32_t)strlen(REG);

	handshake(s);
	feed(s, true, ISN_C + 1, ISN_S + 1, TCPSEG_ACK, REG, len, 1);
	feed(s, true, ISN_C + 1 + len, ISN_S + 1, TCPSEG_ACK, REG, 20, 1);
	assert_int_equal(R->n, 1);
	stream_tick(s, 2);
	assert_int_equal(R->n, 1);
	stream_tick(s, 3);
	assert_int_equal(R->n, 2);
	assert_int_equal(R->e[1].g.seq, ISN_C + 1 + len + 4);
	assert_memory_equal(R->e[1].g.payload, REG, 20);
	assert_string_equal(R->last_count,
			    "SIP message over TCP incomplete for too long");
	feed(s, true, ISN_C + 1 + len + 20, ISN_S + 1, TCPSEG_ACK, REG + 20,
	     len - 20, 3);
	assert_int_equal(R->e[2].g.seq, ISN_C + 1 + len + 24);
	assert_memory_equal(R->e[2].g.payload, REG + 20, len - 20);
	/* idle connections are forgotten */
	stream_tick(s, 200);
	{
		struct stream_stats ss;

		stream_stats(s, &ss);
		assert_int_equal(ss.conns, 0);
		assert_int_equal(ss.expired, 1);
	}
	t_end(s);
}

/* A held segment released after a newer segment of the same sender went
 * through (here its TCP's own probe, a pure ACK) carries that newer TSval:
 * an older one would be discarded by the receiver's PAWS check (RFC 7323
 * 5), which the lab showed. */
static void test_stream_tsval(void **st)
{
	struct streams *s = t_new();
	struct in_addr a, b;
	uint32_t len = (uint32_t)strlen(REG), id;

	handshake(s);
	inet_pton(AF_INET, PHONE, &a);
	inet_pton(AF_INET, SERVER, &b);
	id = next_id++;
	R->in[id].len = tcppkt_make_ts(R->in[id].b, a.s_addr, b.s_addr,
				       t_port, 5060, ISN_C + 1, ISN_S + 1,
				       TCPSEG_ACK, REG, 30, NULL, 0, 100);
	stream_packet(s, id, R->in[id].b, R->in[id].len, STREAM_OUT, 1);
	assert_int_equal(R->n, 0);	/* held: the message is incomplete */
	id = next_id++;
	R->in[id].len = tcppkt_make_ts(R->in[id].b, a.s_addr, b.s_addr,
				       t_port, 5060, ISN_C + 1 + 30, ISN_S + 1,
				       TCPSEG_ACK, NULL, 0, NULL, 0, 150);
	stream_packet(s, id, R->in[id].b, R->in[id].len, STREAM_OUT, 1);
	assert_int_equal(R->n, 1);
	assert_int_equal(R->e[0].g.tsval, 150);
	id = next_id++;
	R->in[id].len = tcppkt_make_ts(R->in[id].b, a.s_addr, b.s_addr,
				       t_port, 5060, ISN_C + 1 + 30, ISN_S + 1,
				       TCPSEG_ACK, REG + 30, len - 30, NULL, 0,
				       120);
	stream_packet(s, id, R->in[id].b, R->in[id].len, STREAM_OUT, 1);
	assert_int_equal(R->n, 3);
	assert_int_equal(R->e[1].g.tsval, 150);	/* was 100 */
	assert_int_equal(R->e[2].g.tsval, 150);	/* was 120 */
	assert_int_equal(R->e[1].g.seq, ISN_C + 1);
	t_end(s);
}

/* Connection cap: the next SYN is passed and counted. */
static void test_stream_conn_cap(void **st)
{
	struct streams *s = t_new();
	uint32_t i;

	next_id = 0;
	for (i = 0; i < 5; i++) {
		uint32_t id = next_id++;

		t_port = (uint16_t)(42000 + i);
		mk(&R->in[id], true, 100, 0, TCPSEG_SYN, NULL, 0, NULL, 0);
		stream_packet(s, id, R->in[id].b, R->in[id].len, STREAM_OUT,
			      1);
	}
	assert_string_equal(R->last_count, "TCP connection limit");
	t_port = 41000;
	t_end(s);
}

/* Thousands of segments both ways after a length change: every sequence
 * and acknowledgement stays consistent across the wrap. */
static void test_stream_long(void **st)
{
	struct streams *s = t_new();
	uint32_t len = (uint32_t)strlen(REG), c = ISN_C + 1, sv = ISN_S + 1;
	uint32_t newc = c, i;

	handshake(s);
	for (i = 0; i < 3000; i++) {
		unsigned k;

		feed(s, true, c, sv, TCPSEG_ACK, REG, len, 1);
		k = R->n - 1;
		assert_int_equal(R->e[k].g.seq, newc);
		c += len;
		newc += len + 4;
		feed(s, false, sv, newc, TCPSEG_ACK, "\r\n", 2, 1);
		assert_int_equal(R->e[R->n - 1].g.ack, c);
		assert_int_equal(R->e[R->n - 1].g.seq, sv);
		sv += 2;
		R->n = 0;
	}
	t_end(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frame_basic),
		cmocka_unit_test(test_frame_sip_start),
		cmocka_unit_test(test_seqmap),
		cmocka_unit_test(test_tcpseg_ipv6),
		cmocka_unit_test(test_stream_one_message),
		cmocka_unit_test(test_stream_three_segments),
		cmocka_unit_test(test_stream_two_in_one),
		cmocka_unit_test(test_stream_http_not_sip),
		cmocka_unit_test(test_stream_midstream_and_gap),
		cmocka_unit_test(test_stream_sack),
		cmocka_unit_test(test_stream_hold_expiry),
		cmocka_unit_test(test_stream_tsval),
		cmocka_unit_test(test_stream_conn_cap),
		cmocka_unit_test(test_stream_long),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
