/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A SIP scanner outside (issue 11): the phone 10.0.0.10 registers
 * alice@ with the registrar 192.0.2.20.  OPTIONS and INVITE to guessed
 * users at the public address are dropped (counted); an INVITE naming the
 * registered Contact rings the phone from the registrar and from another
 * host; with incoming_from = registrar only the registrar's does, and
 * with incoming_from = 198.51.100.0/24 that network's.  Through
 * alg_process (tests/fuzz/pipe.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "../fuzz/pipe.h"

static char msg[4096];

static int run(struct pipe *p, enum rw_dir dir, const char **why)
{
	const char *out;
	uint32_t len;
	int rc = pipe_run(p, dir, msg, (uint32_t)strlen(msg), why, &out,
			  &len);

	if (rc < 0)
		fail_msg("pipeline: %s", p->why);
	return rc;
}

static void registered(struct pipe *p)
{
	const char *why;

	p->peer = "192.0.2.20";
	snprintf(msg, sizeof(msg), "REGISTER sip:192.0.2.20 SIP/2.0\r\n"
		 "Via: SIP/2.0/UDP 10.0.0.10:5060;branch=z9hG4bK-r1\r\n"
		 "From: <sip:alice@192.0.2.20>;tag=r\r\n"
		 "To: <sip:alice@192.0.2.20>\r\nCall-ID: reg-1\r\n"
		 "CSeq: 1 REGISTER\r\nContact: <sip:alice@10.0.0.10:5060>\r\n"
		 "Expires: 600\r\nContent-Length: 0\r\n\r\n");
	assert_int_equal(run(p, RW_OUT, &why), PIPE_REWRITTEN);
	snprintf(msg, sizeof(msg), "SIP/2.0 200 OK\r\n"
		 "Via: SIP/2.0/UDP 203.0.113.1:5060;branch=z9hG4bK-r1\r\n"
		 "From: <sip:alice@192.0.2.20>;tag=r\r\n"
		 "To: <sip:alice@192.0.2.20>;tag=g\r\nCall-ID: reg-1\r\n"
		 "CSeq: 1 REGISTER\r\n"
		 "Contact: <sip:alice@203.0.113.1:5060>;expires=600\r\n"
		 "Content-Length: 0\r\n\r\n");
	assert_int_equal(run(p, RW_IN, &why), PIPE_REWRITTEN);
}

/* An out-of-dialog request from host to ruri at the public address. */
static int probe(struct pipe *p, const char *host, const char *method,
		 const char *ruri, const char **why)
{
	static unsigned n;

	p->peer = host;
	snprintf(msg, sizeof(msg), "%s %s SIP/2.0\r\n"
		 "Via: SIP/2.0/UDP %s:5060;branch=z9hG4bK-s%u\r\n"
		 "From: <sip:scan@%s>;tag=s%u\r\nTo: <%s>\r\n"
		 "Call-ID: scan-%u\r\nCSeq: 1 %s\r\nContact: <sip:s@%s>\r\n"
		 "Content-Length: 0\r\n\r\n", method, ruri, host, n, host, n,
		 ruri, n, method, host);
	n++;
	return run(p, RW_IN, why);
}

static void test_scanner(void **state)
{
	static struct pipe p;
	const char *why;

	assert_int_equal(pipe_init(&p, false), 0);
	registered(&p);
	assert_int_equal(probe(&p, "198.51.100.99", "OPTIONS",
			       "sip:100@203.0.113.1", &why), PIPE_DROPPED);
	assert_non_null(strstr(why, "names no registered Contact"));
	assert_int_equal(probe(&p, "198.51.100.99", "INVITE",
			       "sip:admin@203.0.113.1:5060", &why),
			 PIPE_DROPPED);
	assert_int_equal(probe(&p, "198.51.100.99", "REGISTER",
			       "sip:203.0.113.1", &why), PIPE_DROPPED);
	/* The registered Contact rings, from the registrar and another. */
	assert_int_equal(probe(&p, "192.0.2.20", "INVITE",
			       "sip:alice@203.0.113.1:5060", &why),
			 PIPE_REWRITTEN);
	assert_int_equal(probe(&p, "198.51.100.99", "INVITE",
			       "sip:alice@203.0.113.1:5060", &why),
			 PIPE_REWRITTEN);
	pipe_free(&p);
}

static void test_incoming_from(void **state)
{
	static struct pipe p;
	const char *why;

	assert_int_equal(pipe_init(&p, false), 0);
	p.conf.incoming_from = INCOMING_REGISTRAR;
	registered(&p);
	assert_int_equal(probe(&p, "198.51.100.99", "INVITE",
			       "sip:alice@203.0.113.1:5060", &why),
			 PIPE_DROPPED);
	assert_int_equal(probe(&p, "192.0.2.20", "INVITE",
			       "sip:alice@203.0.113.1:5060", &why),
			 PIPE_REWRITTEN);
	p.conf.incoming_from = INCOMING_NETS;
	p.conf.n_incoming_nets = 1;
	p.conf.incoming_nets[0].family = AF_INET;
	p.conf.incoming_nets[0].len = 24;
	inet_pton(AF_INET, "198.51.100.0", &p.conf.incoming_nets[0].addr.v4);
	assert_int_equal(probe(&p, "198.51.100.99", "INVITE",
			       "sip:alice@203.0.113.1:5060", &why),
			 PIPE_REWRITTEN);
	assert_int_equal(probe(&p, "203.0.113.99", "INVITE",
			       "sip:alice@203.0.113.1:5060", &why),
			 PIPE_DROPPED);
	/* From an allowed network, a guessed user is still dropped. */
	assert_int_equal(probe(&p, "198.51.100.99", "INVITE",
			       "sip:admin@203.0.113.1:5060", &why),
			 PIPE_DROPPED);
	assert_non_null(strstr(why, "names no registered Contact"));
	pipe_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scanner),
		cmocka_unit_test(test_incoming_from),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
