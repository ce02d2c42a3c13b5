/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SIPALG_TEST_OPSGW_H
#define SIPALG_TEST_OPSGW_H

/*
 * A gateway for the operator's interfaces to show (tests/unit/test_ctl.c,
 * tests/fuzz/fuzz_ops.c): tests/fuzz/pipe.h's pipeline after real
 * messages - alice (10.0.0.10:5060) registered as sip:alice@192.0.2.20,
 * and her call OPSGW_CID to bob answered with media (inside 40000, far
 * end 192.0.2.20:50000) - and the control operations wired to it.
 * Include after pipe.h; link as pipe.h says plus the OPS_M modules.
 */

#include "ctl.h"
#include "http.h"

#define OPSGW_CID "ctl-test-1@10.0.0.10"

#define OPSGW_SDP \
	"v=0\r\no=- 1 1 IN IP4 10.0.0.10\r\ns=-\r\nc=IN IP4 10.0.0.10\r\n" \
	"t=0 0\r\nm=audio 40000 RTP/AVP 0\r\n"
#define OPSGW_SDP_FAR \
	"v=0\r\no=- 2 2 IN IP4 192.0.2.20\r\ns=-\r\nc=IN IP4 192.0.2.20\r\n" \
	"t=0 0\r\nm=audio 50000 RTP/AVP 0\r\n"

static inline int opsgw_end_call(void *ctx, const char *id, size_t len)
{
	return alg_end_call(ctx, id, (uint32_t)len);
}

/* The messages, in order, with their directions. */
static inline unsigned opsgw_msgs(const char **msg, enum rw_dir *dir)
{
	static char inv[1024], ok[1024];

	snprintf(inv, sizeof(inv), "INVITE sip:bob@192.0.2.20 SIP/2.0\r\n"
		 "Via: SIP/2.0/UDP 10.0.0.10:5060;branch=z9hG4bKi1\r\n"
		 "From: <sip:alice@192.0.2.20>;tag=a1\r\n"
		 "To: <sip:bob@192.0.2.20>\r\nCall-ID: " OPSGW_CID "\r\n"
		 "CSeq: 1 INVITE\r\nContact: <sip:alice@10.0.0.10:5060>\r\n"
		 "Content-Type: application/sdp\r\nContent-Length: %zu\r\n"
		 "\r\n%s", strlen(OPSGW_SDP), OPSGW_SDP);
	snprintf(ok, sizeof(ok), "SIP/2.0 200 OK\r\n"
		 "Via: SIP/2.0/UDP 203.0.113.1:5060;branch=z9hG4bKi1\r\n"
		 "From: <sip:alice@192.0.2.20>;tag=a1\r\n"
		 "To: <sip:bob@192.0.2.20>;tag=b1\r\nCall-ID: " OPSGW_CID "\r\n"
		 "CSeq: 1 INVITE\r\nContact: <sip:bob@192.0.2.20>\r\n"
		 "Content-Type: application/sdp\r\nContent-Length: %zu\r\n"
		 "\r\n%s", strlen(OPSGW_SDP_FAR), OPSGW_SDP_FAR);
	msg[0] = "REGISTER sip:192.0.2.20 SIP/2.0\r\n"
		 "Via: SIP/2.0/UDP 10.0.0.10:5060;branch=z9hG4bKr1\r\n"
		 "From: <sip:alice@192.0.2.20>;tag=r1\r\n"
		 "To: <sip:alice@192.0.2.20>\r\nCall-ID: reg-1@10.0.0.10\r\n"
		 "CSeq: 1 REGISTER\r\nContact: <sip:alice@10.0.0.10:5060>\r\n"
		 "Expires: 600\r\nContent-Length: 0\r\n\r\n";
	msg[1] = "SIP/2.0 200 OK\r\n"
		 "Via: SIP/2.0/UDP 203.0.113.1:5060;branch=z9hG4bKr1\r\n"
		 "From: <sip:alice@192.0.2.20>;tag=r1\r\n"
		 "To: <sip:alice@192.0.2.20>;tag=s1\r\n"
		 "Call-ID: reg-1@10.0.0.10\r\nCSeq: 1 REGISTER\r\n"
		 "Contact: <sip:alice@203.0.113.1:5060>;expires=600\r\n"
		 "Content-Length: 0\r\n\r\n";
	msg[2] = inv;
	msg[3] = ok;
	dir[0] = dir[2] = RW_OUT;
	dir[1] = dir[3] = RW_IN;
	return 4;
}

/*
 * opsgw_init - p through the messages, o wired to it (meter m, reload
 * callback reload).  Returns how many messages were not rewritten (0 on
 * a gateway that works), or -1 when p cannot be set up.
 */
static inline int opsgw_init(struct pipe *p, struct ctl_ops *o,
			     struct meter *m,
			     int (*reload)(void *, char *, size_t))
{
	const char *msg[4], *reason, *out;
	enum rw_dir dir[4];
	uint32_t out_len;
	unsigned i, n;
	int bad = 0;

	if (pipe_init(p, false) < 0)
		return -1;
	*o = (struct ctl_ops){ .alg = p->alg, .meter = m, .reload = reload,
			       .end_call = opsgw_end_call,
			       .end_ctx = p->alg };
	n = opsgw_msgs(msg, dir);
	for (i = 0; i < n; i++)
		bad += pipe_run(p, dir[i], msg[i], (uint32_t)strlen(msg[i]),
				&reason, &out, &out_len) != PIPE_REWRITTEN;
	return bad;
}

#endif
