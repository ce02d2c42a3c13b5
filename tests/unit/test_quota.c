/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Quotas (issue 11): one inside host flooding INVITEs with fresh Call-IDs
 * and REGISTERs with fresh Contact ports, and one outside host flooding
 * INVITEs, reach their own limits (counted by name, the message passes
 * unchanged) while another phone still registers and calls with media
 * bound, and another outside host still rings a phone.  A 60 KB Call-ID
 * passes statelessly.  Through alg_process (tests/fuzz/pipe.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "../fuzz/pipe.h"

static char msg[70000];

static uint32_t invite(const char *from_ip, const char *cid, unsigned port)
{
	char body[256];
	int bl = snprintf(body, sizeof(body), "v=0\r\no=- 1 1 IN IP4 %s\r\n"
			  "s=-\r\nc=IN IP4 %s\r\nt=0 0\r\nm=audio %u RTP/AVP 0"
			  "\r\n", from_ip, from_ip, port);
	int n = snprintf(msg, sizeof(msg), "INVITE sip:b@192.0.2.20 SIP/2.0\r\n"
			 "Via: SIP/2.0/UDP %s:5060;branch=z9hG4bK-%u\r\n"
			 "From: <sip:a@192.0.2.20>;tag=f\r\n"
			 "To: <sip:b@192.0.2.20>\r\nCall-ID: %s\r\n"
			 "CSeq: 1 INVITE\r\nContact: <sip:a@%s:5060>\r\n"
			 "Content-Type: application/sdp\r\n"
			 "Content-Length: %d\r\n\r\n%s", from_ip, port, cid,
			 from_ip, bl, body);

	return (uint32_t)n;
}

static uint32_t reg(const char *ip, unsigned cport, unsigned cseq)
{
	return (uint32_t)snprintf(msg, sizeof(msg),
		"REGISTER sip:192.0.2.20 SIP/2.0\r\n"
		"Via: SIP/2.0/UDP %s:5060;branch=z9hG4bK-r%u\r\n"
		"From: <sip:a@192.0.2.20>;tag=r\r\nTo: <sip:a@192.0.2.20>\r\n"
		"Call-ID: reg-%s\r\nCSeq: %u REGISTER\r\n"
		"Contact: <sip:a@%s:%u>\r\nContent-Length: 0\r\n\r\n", ip, cseq,
		ip, cseq, ip, cport);
}

static int run(struct pipe *p, enum rw_dir dir, uint32_t n, const char **why)
{
	const char *out;
	uint32_t len;
	int rc = pipe_run(p, dir, msg, n, why, &out, &len);

	if (rc < 0)
		fail_msg("pipeline: %s", p->why);
	return rc;
}

static void test_inside_flood(void **state)
{
	static struct pipe p;
	struct calls_stats s;
	const char *why = NULL;
	char cid[32];
	unsigned i, passed = 0;

	assert_int_equal(pipe_init(&p, false), 0);
	p.phone = "10.0.0.10";
	for (i = 0; i < 300; i++) {
		snprintf(cid, sizeof(cid), "flood-%u", i);
		if (run(&p, RW_OUT, invite("10.0.0.10", cid, 10000 + 2 * i),
			&why) == PIPE_PASSED) {
			assert_string_equal(why, "max_calls_per_host");
			passed++;
		}
	}
	calls_stats(p.alg->calls, &s);
	assert_int_equal(s.calls, p.conf.max_calls_per_host);
	assert_int_equal(passed, 300 - p.conf.max_calls_per_host);
	for (i = 0, passed = 0; i < 100; i++)
		if (run(&p, RW_OUT, reg("10.0.0.10", 20000 + i, i + 1),
			&why) == PIPE_PASSED) {
			assert_string_equal(why, "max_signalling_per_host");
			passed++;
		}
	assert_true(passed > 0);

	/* Another phone: registers and calls, media bound. */
	p.phone = "10.0.0.20";
	assert_int_equal(run(&p, RW_OUT, reg("10.0.0.20", 5060, 1), &why),
			 PIPE_REWRITTEN);
	calls_stats(p.alg->calls, &s);
	i = s.media_bindings;
	assert_int_equal(run(&p, RW_OUT, invite("10.0.0.20", "other-1", 4000),
			     &why), PIPE_REWRITTEN);
	calls_stats(p.alg->calls, &s);
	assert_int_equal(s.media_bindings, i + 2);
	pipe_free(&p);
}

static uint32_t inbound(const char *cid)
{
	return (uint32_t)snprintf(msg, sizeof(msg),
		"INVITE sip:a@203.0.113.1:5060 SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 198.51.100.9:5060;branch=z9hG4bK-%s\r\n"
		"From: <sip:x@198.51.100.9>;tag=x\r\nTo: <sip:a@203.0.113.1>\r\n"
		"Call-ID: %s\r\nCSeq: 1 INVITE\r\n"
		"Contact: <sip:x@198.51.100.9>\r\nContent-Length: 0\r\n\r\n",
		cid, cid);
}

static void test_outside_flood(void **state)
{
	static struct pipe p;
	struct calls_stats s;
	const char *why = NULL;
	char cid[32];
	unsigned i, passed = 0;

	assert_int_equal(pipe_init(&p, false), 0);
	p.peer = "198.51.100.9";
	for (i = 0; i < 200; i++) {
		snprintf(cid, sizeof(cid), "in-%u", i);
		if (run(&p, RW_IN, inbound(cid), &why) == PIPE_PASSED) {
			assert_string_equal(why,
					    "max_inbound_setups_per_source");
			passed++;
		}
	}
	calls_stats(p.alg->calls, &s);
	assert_int_equal(s.calls, p.conf.max_inbound_setups_per_source);
	assert_int_equal(passed, 200 - p.conf.max_inbound_setups_per_source);
	/* Another outside host still rings the phone. */
	p.peer = "198.51.100.10";
	assert_true(run(&p, RW_IN, inbound("in-other"), &why) != PIPE_PASSED);
	calls_stats(p.alg->calls, &s);
	assert_int_equal(s.calls, p.conf.max_inbound_setups_per_source + 1);
	pipe_free(&p);
}

static void test_long_callid(void **state)
{
	static struct pipe p;
	static char cid[60001];
	struct calls_stats s;
	const char *why = NULL;

	assert_int_equal(pipe_init(&p, false), 0);
	memset(cid, 'x', sizeof(cid) - 1);
	assert_int_equal(run(&p, RW_OUT, invite("10.0.0.10", cid, 4000), &why),
			 PIPE_PASSED);
	assert_string_equal(why, "Call-ID longer than max_callid_length");
	calls_stats(p.alg->calls, &s);
	assert_int_equal(s.calls + s.sig_bindings + s.media_bindings, 0);
	pipe_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inside_flood),
		cmocka_unit_test(test_outside_flood),
		cmocka_unit_test(test_long_callid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
