/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * media_from = sdp (issue 11 item 3): the phone 10.0.0.10 calls b@ at
 * the proxy 192.0.2.20.  Its media bindings admit, from the outside,
 * only the proxy (the call's signalling party) until the answer's SDP
 * names the far end 198.51.100.7; then both.  A re-INVITE from the far
 * end moving its media to 198.51.100.8 re-targets the filter in one batch
 * before the verdict (the removal of the old sources and the add of the
 * new), a forged 200 naming no dialog of the call moves nothing; a
 * refused batch leaves the binding's sources as they were, and
 * the BYE removes exactly what the kernel holds.  With media_from = any
 * no element is filtered and an answer installs nothing.  Through
 * alg_process (tests/fuzz/pipe.h); the stub keeps the last plan.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "../fuzz/pipe.h"

static char msg[4096];

#define PROXY "192.0.2.20"
#define FAR1 "198.51.100.7"
#define FAR2 "198.51.100.8"
#define TAGS "From: <sip:a@192.0.2.20>;tag=ft\r\nTo: <sip:b@192.0.2.20>"

static int run(struct pipe *p, enum rw_dir dir, const char **why)
{
	const char *out;
	uint32_t len;
	int rc;

	memset(&p->last, 0, sizeof(p->last));
	rc = pipe_run(p, dir, msg, (uint32_t)strlen(msg), why, &out, &len);
	if (rc < 0)
		fail_msg("pipeline: %s", p->why);
	return rc;
}

/* A message of the call with an SDP on media address c, port 40000 (the
 * phone's) or 50000 (the far end's). */
static void build(const char *start, const char *via, const char *to_tag,
		  const char *cseq, const char *c)
{
	char sdp[512];

	snprintf(sdp, sizeof(sdp), "v=0\r\no=- 1 1 IN IP4 %s\r\ns=-\r\n"
		 "c=IN IP4 %s\r\nt=0 0\r\nm=audio %u RTP/AVP 0\r\n", c, c,
		 c[0] == '1' && c[1] == '0' ? 40000 : 50000);
	snprintf(msg, sizeof(msg), "%s\r\nVia: SIP/2.0/UDP %s;branch=z9hG4bK"
		 "-%s\r\n" TAGS "%s\r\nCall-ID: mf-1\r\nCSeq: %s\r\n"
		 "Contact: <sip:x@%s>\r\nContent-Type: application/sdp\r\n"
		 "Content-Length: %zu\r\n\r\n%s", start, via, cseq, to_tag,
		 cseq, c, strlen(sdp), sdp);
}

static bool has_from(const struct nat_elem *e, const char *a)
{
	union addr x = { 0 };
	unsigned i;

	inet_pton(AF_INET, a, &x.v4);
	for (i = 0; i < e->n_from; i++)
		if (!memcmp(&e->from[i], &x, sizeof(x)))
			return true;
	return false;
}

/* The media elements (inside port 40000/40001) in v[0..n): how many, and
 * each filtered, with exactly the sources a (and b, when not NULL). */
static unsigned media(const struct nat_elem *v, unsigned n, const char *a,
		      const char *b)
{
	unsigned i, k = 0;

	for (i = 0; i < n; i++) {
		if (v[i].in_port != 40000 && v[i].in_port != 40001)
			continue;
		k++;
		assert_true(v[i].filter);
		assert_int_equal(v[i].n_from, b ? 2 : 1);
		assert_true(has_from(&v[i], a));
		assert_true(!b || has_from(&v[i], b));
	}
	return k;
}

static void answered(struct pipe *p)
{
	const char *why;

	p->peer = PROXY;
	build("INVITE sip:b@192.0.2.20 SIP/2.0", "10.0.0.10:5060", "",
	      "1 INVITE", "10.0.0.10");
	assert_int_equal(run(p, RW_OUT, &why), PIPE_REWRITTEN);
	if (p->conf.media_from == MEDIA_FROM_SDP)
		assert_int_equal(media(p->last.add, p->last.n_add, PROXY,
				       NULL), 2);
	build("SIP/2.0 200 OK", "203.0.113.1:5060", ";tag=tt", "1 INVITE",
	      FAR1);
	assert_int_equal(run(p, RW_IN, &why), PIPE_REWRITTEN);
}

static void test_sdp(void **state)
{
	static struct pipe p;
	const char *why;

	assert_int_equal(pipe_init(&p, false), 0);
	p.conf.media_from = MEDIA_FROM_SDP;
	answered(&p);
	/* The answer named the far end: re-installed with it, before the
	 * verdict (the stub saw it in the message's own batch). */
	assert_int_equal(media(p.last.del, p.last.n_del, PROXY, NULL), 2);
	assert_int_equal(media(p.last.add, p.last.n_add, FAR1, PROXY), 2);

	/* The far end moves: refused first (nothing changes), then
	 * accepted. */
	build("INVITE sip:a@203.0.113.1:5060 SIP/2.0", "192.0.2.20:5060",
	      ";tag=tt", "7 INVITE", FAR2);
	p.refuse = true;
	assert_int_equal(run(&p, RW_IN, &why), PIPE_PASSED);
	assert_string_equal(why, "kernel refused bindings");
	p.refuse = false;
	assert_int_equal(run(&p, RW_IN, &why), PIPE_REWRITTEN);
	assert_int_equal(media(p.last.del, p.last.n_del, FAR1, PROXY), 2);
	assert_int_equal(media(p.last.add, p.last.n_add, FAR2, PROXY), 2);

	/* The same SDP again changes nothing in the kernel. */
	build("INVITE sip:a@203.0.113.1:5060 SIP/2.0", "192.0.2.20:5060",
	      ";tag=tt", "8 INVITE", FAR2);
	assert_int_equal(run(&p, RW_IN, &why), PIPE_REWRITTEN);
	assert_int_equal(media(p.last.add, p.last.n_add, FAR2, PROXY), 0);
	assert_int_equal(media(p.last.del, p.last.n_del, FAR2, PROXY), 0);

	/* BYE and its 200: exactly the installed sources are removed
	 * (after the verdict: alg_batch_end runs the deferred work). */
	snprintf(msg, sizeof(msg), "BYE sip:b@192.0.2.20 SIP/2.0\r\n"
		 "Via: SIP/2.0/UDP 10.0.0.10:5060;branch=z9hG4bK-bye\r\n"
		 TAGS ";tag=tt\r\nCall-ID: mf-1\r\nCSeq: 2 BYE\r\n"
		 "Content-Length: 0\r\n\r\n");
	assert_int_equal(run(&p, RW_OUT, &why), PIPE_REWRITTEN);
	snprintf(msg, sizeof(msg), "SIP/2.0 200 OK\r\n"
		 "Via: SIP/2.0/UDP 203.0.113.1:5060;branch=z9hG4bK-bye\r\n"
		 TAGS ";tag=tt\r\nCall-ID: mf-1\r\nCSeq: 2 BYE\r\n"
		 "Content-Length: 0\r\n\r\n");
	assert_true(run(&p, RW_IN, &why) <= PIPE_UNCHANGED);
	alg_batch_end(p.alg);
	assert_int_equal(media(p.last.del, p.last.n_del, FAR2, PROXY), 2);
	pipe_free(&p);
}

/* A 200 naming no dialog of the answered call (a host that learnt the
 * Call-ID, a late fork) moves nothing; the far end's own re-INVITE
 * still does. */
static void test_forged_200(void **state)
{
	static struct pipe p;
	const char *why;

	assert_int_equal(pipe_init(&p, false), 0);
	p.conf.media_from = MEDIA_FROM_SDP;
	answered(&p);
	build("SIP/2.0 200 OK", "203.0.113.1:5060", ";tag=evil", "1 INVITE",
	      FAR2);
	run(&p, RW_IN, &why);
	assert_int_equal(media(p.last.add, p.last.n_add, FAR2, PROXY), 0);
	assert_int_equal(media(p.last.del, p.last.n_del, FAR1, PROXY), 0);
	build("INVITE sip:a@203.0.113.1:5060 SIP/2.0", "192.0.2.20:5060",
	      ";tag=tt", "7 INVITE", FAR2);
	assert_int_equal(run(&p, RW_IN, &why), PIPE_REWRITTEN);
	assert_int_equal(media(p.last.del, p.last.n_del, FAR1, PROXY), 2);
	assert_int_equal(media(p.last.add, p.last.n_add, FAR2, PROXY), 2);
	pipe_free(&p);
}

static void test_any(void **state)
{
	static struct pipe p;
	unsigned i;

	assert_int_equal(pipe_init(&p, false), 0);
	answered(&p);
	for (i = 0; i < p.last.n_add; i++)
		assert_false(p.last.add[i].filter);
	assert_int_equal(p.last.n_add + p.last.n_del, 0);
	pipe_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sdp),
		cmocka_unit_test(test_forged_200),
		cmocka_unit_test(test_any),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
