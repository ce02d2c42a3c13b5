/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A 2xx retransmission that crosses its dialog's BYE.  The proxy
 * 192.0.2.20 calls the phone 10.0.0.10 (and, forked, 10.0.0.11); a phone
 * that has not yet seen the ACK retransmits its 200 (RFC 3261 13.3.1.4)
 * while the ACK and the proxy's BYE are already past the gateway.  The
 * retransmission must not bring back the media bindings the BYE closed:
 * before, it made the call anew (one phone) or re-added the dialog and
 * its bindings until the other branch's call ended (forking; seen in CI
 * as t_forking's "the BYE'd branch's binding gone" under load).  Its
 * text is still rewritten (no private address leaves).  Through
 * alg_process (tests/fuzz/pipe.h); the stub keeps the last plan.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "../fuzz/pipe.h"

static char msg[4096];

#define FK_CALL "Call-ID: fk-1\r\n"
#define FK_FROM "From: <sip:p@192.0.2.20>;tag=ft\r\n"

static int run(struct pipe *p, enum rw_dir dir, const char *phone)
{
	const char *why, *out;
	uint32_t len;

	memset(&p->last, 0, sizeof(p->last));
	p->phone = phone;
	return pipe_run(p, dir, msg, (uint32_t)strlen(msg), &why, &out, &len);
}

static void invite(const char *phone)
{
	static const char sdp[] = "v=0\r\no=- 1 1 IN IP4 192.0.2.20\r\ns=-\r\n"
		"c=IN IP4 192.0.2.20\r\nt=0 0\r\nm=audio 50000 RTP/AVP 0\r\n";

	snprintf(msg, sizeof(msg), "INVITE sip:u@%s:5060 SIP/2.0\r\n"
		 "Via: SIP/2.0/UDP 192.0.2.20:5060;branch=z9hG4bK-inv-%s\r\n"
		 FK_FROM "To: <sip:u@203.0.113.1>\r\n" FK_CALL
		 "CSeq: 1 INVITE\r\nContact: <sip:p@192.0.2.20>\r\n"
		 "Content-Type: application/sdp\r\nContent-Length: %zu\r\n\r\n%s",
		 phone, phone, strlen(sdp), sdp);
}

/* The phone's 200 (tag t), its SDP on its own address, port 40000. */
static void ok(const char *phone, const char *t)
{
	char sdp[256];

	snprintf(sdp, sizeof(sdp), "v=0\r\no=- 2 2 IN IP4 %s\r\ns=-\r\n"
		 "c=IN IP4 %s\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\n",
		 phone, phone);
	snprintf(msg, sizeof(msg), "SIP/2.0 200 OK\r\n"
		 "Via: SIP/2.0/UDP 192.0.2.20:5060;branch=z9hG4bK-inv-%s\r\n"
		 FK_FROM "To: <sip:u@203.0.113.1>;tag=%s\r\n" FK_CALL
		 "CSeq: 1 INVITE\r\nContact: <sip:u@%s:5060>\r\n"
		 "Content-Type: application/sdp\r\nContent-Length: %zu\r\n\r\n%s",
		 phone, t, phone, strlen(sdp), sdp);
}

/* The proxy's in-dialog request (ACK, BYE) to the phone's tag t. */
static void req(const char *method, unsigned cseq, const char *phone,
		const char *t)
{
	snprintf(msg, sizeof(msg), "%s sip:u@%s:5060 SIP/2.0\r\n"
		 "Via: SIP/2.0/UDP 192.0.2.20:5060;branch=z9hG4bK-%s-%s\r\n"
		 FK_FROM "To: <sip:u@203.0.113.1>;tag=%s\r\n" FK_CALL
		 "CSeq: %u %s\r\nContent-Length: 0\r\n\r\n", method, phone,
		 method, t, t, cseq, method);
}

/* Elements for inside a:40000/40001 in v[0..n). */
static unsigned media(const struct nat_elem *v, unsigned n, const char *a)
{
	union addr x = { 0 };
	unsigned i, k = 0;

	inet_pton(AF_INET, a, &x.v4);
	for (i = 0; i < n; i++)
		if ((v[i].in_port == 40000 || v[i].in_port == 40001) &&
		    v[i].in_addr.v4.s_addr == x.v4.s_addr)
			k++;
	return k;
}

/* Media elements each phone has in the kernel (.10 and .11): every
 * plan the stub accepts is tallied, the post-verdict ones too. */
static int live[2];

static int tally(void *ctx, const struct nat_plan *plan)
{
	int rc = pipe_apply(ctx, plan);

	if (rc == 0) {
		live[0] += (int)media(plan->add, plan->n_add, "10.0.0.10") -
			   (int)media(plan->del, plan->n_del, "10.0.0.10");
		live[1] += (int)media(plan->add, plan->n_add, "10.0.0.11") -
			   (int)media(plan->del, plan->n_del, "10.0.0.11");
	}
	return rc;
}

static void start(struct pipe *p)
{
	assert_int_equal(pipe_init(p, false), 0);
	p->alg->nat.apply = tally;
	p->peer = "192.0.2.20";
	live[0] = live[1] = 0;
}

/* The phone answers; the proxy's ACK and BYE pass; the phone, which has
 * not seen the ACK yet, retransmits its 200. */
static void answer_bye_retransmit(struct pipe *p, const char *phone,
				  const char *t)
{
	ok(phone, t);
	assert_int_equal(run(p, RW_OUT, phone), PIPE_REWRITTEN);
	assert_int_equal(media(p->last.add, p->last.n_add, phone), 2);
	req("ACK", 1, phone, t);
	run(p, RW_IN, phone);
	req("BYE", 2, phone, t);
	run(p, RW_IN, phone);
	alg_after_verdict(p->alg);
	assert_int_equal(media(p->last.del, p->last.n_del, phone), 2);
	ok(phone, t);
	assert_int_equal(run(p, RW_OUT, phone), PIPE_REWRITTEN);
	alg_after_verdict(p->alg);
}

static void test_one_phone(void **state)
{
	static struct pipe p;

	start(&p);
	invite("10.0.0.10");
	run(&p, RW_IN, "10.0.0.10");
	answer_bye_retransmit(&p, "10.0.0.10", "t1");
	/* Whatever the retransmission planned, nothing of it stays. */
	assert_int_equal(live[0], 0);
	pipe_free(&p);
}

static void test_fork(void **state)
{
	static struct pipe p;

	start(&p);
	invite("10.0.0.10");
	run(&p, RW_IN, "10.0.0.10");
	invite("10.0.0.11");
	run(&p, RW_IN, "10.0.0.11");
	ok("10.0.0.10", "t1");
	assert_int_equal(run(&p, RW_OUT, "10.0.0.10"), PIPE_REWRITTEN);
	req("ACK", 1, "10.0.0.10", "t1");
	run(&p, RW_IN, "10.0.0.10");
	/* The second 200 is ACKed and BYEd at once (RFC 3261 13.2.2.4). */
	answer_bye_retransmit(&p, "10.0.0.11", "t2");
	/* Only the answered phone's pair is left in the kernel. */
	assert_int_equal(live[0], 2);
	assert_int_equal(live[1], 0);
	req("BYE", 2, "10.0.0.10", "t1");
	run(&p, RW_IN, "10.0.0.10");
	alg_after_verdict(p.alg);
	assert_int_equal(live[0], 0);
	pipe_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_phone),
		cmocka_unit_test(test_fork),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
