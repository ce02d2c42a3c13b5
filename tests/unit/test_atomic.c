/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Plan, then commit (issue 11): a message whose kernel batch is refused,
 * whose plan overflows, or which is refused for any other reason leaves
 * the call state, the port pools and the kernel as they were; the next
 * message of that phone installs what it names.  Driven through
 * alg_process (tests/fuzz/pipe.h) with a stub backend that can refuse;
 * the call state is compared field by field (pipe_state) before and after.
 * Under ASan: the previous planner freed bindings while planning and read
 * them again on rollback (heap use-after-free).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "../fuzz/pipe.h"

#define MSG_MAX 65000

static char msg[MSG_MAX];

/* An SDP of n audio streams on the phone, ports from base. */
static size_t sdp(char *out, size_t cap, unsigned n, unsigned base)
{
	size_t k = (size_t)snprintf(out, cap, "v=0\r\no=- 1 1 IN IP4 10.0.0.10"
				    "\r\ns=-\r\nc=IN IP4 10.0.0.10\r\nt=0 0\r\n");
	unsigned i;

	for (i = 0; i < n && k < cap; i++)
		k += (size_t)snprintf(out + k, cap - k, "m=audio %u RTP/AVP 0"
				      "\r\n", base + 2 * i);
	return k;
}

/* The top Via: the phone's own (outbound request), as the gateway
 * rewrote it (inbound response), the peer's otherwise. */
static const char *via(const char *start, enum rw_dir dir)
{
	bool response = start[0] == 'S';

	if (dir == RW_OUT)
		return response ? "192.0.2.20:5060" : "10.0.0.10:5060";
	return response ? "203.0.113.1:5060" : "192.0.2.20:5060";
}

/* A message (travelling dir_now): start line, the common headers of call cid, extra headers,
 * and an SDP of n_media streams (none when 0). */
static enum rw_dir dir_now;

static uint32_t build(const char *start, const char *cid, const char *cseq,
		      const char *tags, const char *extra, unsigned n_media,
		      unsigned base)
{
	static char body[MSG_MAX / 2];
	size_t bl = n_media ? sdp(body, sizeof(body), n_media, base) : 0;
	int k = snprintf(msg, sizeof(msg), "%s\r\n"
			 "Via: SIP/2.0/UDP %s;branch=z9hG4bK-%s\r\n"
			 "%s"
			 "Call-ID: %s\r\nCSeq: %s\r\n%s"
			 "%sContent-Length: %zu\r\n\r\n%.*s",
			 start, via(start, dir_now), cseq, tags, cid, cseq, extra,
			 n_media ? "Content-Type: application/sdp\r\n" : "",
			 bl, (int)bl, body);

	assert_true(k > 0 && k < (int)sizeof(msg));
	return (uint32_t)k;
}

static int run(struct pipe *p, enum rw_dir dir, uint32_t n,
	       const char **reason)
{
	const char *out;
	uint32_t out_len;
	int rc = pipe_run(p, dir, msg, n, reason, &out, &out_len);

	if (rc < 0)
		fail_msg("pipeline: %s", p->why);
	return rc;
}

#define TAGS_OUT "From: <sip:a@192.0.2.20>;tag=ft\r\nTo: <sip:b@192.0.2.20>\r\n"
#define TAGS_IN "From: <sip:b@192.0.2.20>;tag=ft\r\nTo: <sip:a@10.0.0.10>\r\n"
#define PH_CONTACT "Contact: <sip:a@10.0.0.10:5060>\r\n"

static void stats(struct pipe *p, struct calls_stats *s)
{
	calls_stats(p->alg->calls, s);
}

/* A new call's INVITE refused by the kernel: nothing stays; the same
 * INVITE afterwards is rewritten exactly as on a gateway that never saw
 * the refusal (same public ports: the pools' cursors were put back). */
static void test_refused_invite(void **state)
{
	static struct pipe p, fresh;
	struct calls_stats s;
	const char *reason, *out1, *out2;
	uint32_t n, l1, l2;
	uint64_t fp;

	assert_int_equal(pipe_init(&p, false), 0);
	assert_int_equal(pipe_init(&fresh, false), 0);
	dir_now = RW_OUT;
	n = build("INVITE sip:b@192.0.2.20 SIP/2.0", "atomic-1", "1 INVITE",
		  TAGS_OUT, PH_CONTACT, 4, 4000);
	fp = pipe_state(&p);
	p.refuse = true;
	assert_int_equal(run(&p, RW_OUT, n, &reason), PIPE_PASSED);
	assert_string_equal(reason, "kernel refused bindings");
	assert_int_equal(pipe_state(&p), fp);
	stats(&p, &s);
	assert_int_equal(s.calls + s.sig_bindings + s.media_bindings, 0);
	p.refuse = false;
	assert_int_equal(pipe_run(&p, RW_OUT, msg, n, &reason, &out1, &l1),
			 PIPE_REWRITTEN);
	assert_int_equal(pipe_run(&fresh, RW_OUT, msg, n, &reason, &out2, &l2),
			 PIPE_REWRITTEN);
	assert_int_equal(l1, l2);
	assert_memory_equal(out1, out2, l1);
	stats(&p, &s);
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.media_bindings, 8);
	pipe_free(&p);
	pipe_free(&fresh);
}

/* An answered call; then every kind of message refused by the kernel
 * changes nothing: a re-INVITE moving every stream, a 200 to it, a BYE. */
static void test_refused_in_call(void **state)
{
	static struct pipe p;
	const char *reason;
	struct calls_stats s;
	uint32_t n;
	uint64_t fp;

	assert_int_equal(pipe_init(&p, false), 0);
	dir_now = RW_OUT;
	n = build("INVITE sip:b@192.0.2.20 SIP/2.0", "atomic-2", "1 INVITE",
		  TAGS_OUT, PH_CONTACT, 2, 4000);
	assert_int_equal(run(&p, RW_OUT, n, &reason), PIPE_REWRITTEN);
	dir_now = RW_IN;
	n = build("SIP/2.0 200 OK", "atomic-2", "1 INVITE",
		  "From: <sip:a@192.0.2.20>;tag=ft\r\n"
		  "To: <sip:b@192.0.2.20>;tag=tt\r\n",
		  "Contact: <sip:b@192.0.2.20>\r\n", 0, 0);
	assert_int_equal(run(&p, RW_IN, n, &reason), PIPE_REWRITTEN);

	p.refuse = true;
	fp = pipe_state(&p);
	dir_now = RW_OUT;
	n = build("INVITE sip:b@192.0.2.20 SIP/2.0", "atomic-2", "2 INVITE",
		  "From: <sip:a@192.0.2.20>;tag=ft\r\n"
		  "To: <sip:b@192.0.2.20>;tag=tt\r\n", PH_CONTACT, 3, 6000);
	assert_int_equal(run(&p, RW_OUT, n, &reason), PIPE_PASSED);
	assert_string_equal(reason, "kernel refused bindings");
	assert_int_equal(pipe_state(&p), fp);

	/* The refused re-INVITE, accepted now, then its 200: the old
	 * streams go.  Removals need the kernel only after the verdict (a
	 * refusal there is counted; the elements expire by their
	 * timeout), so the 200 and the BYE are committed at once. */
	p.refuse = false;
	assert_int_equal(run(&p, RW_OUT, n, &reason), PIPE_REWRITTEN);
	stats(&p, &s);
	assert_int_equal(s.media_bindings, 4 + 6);
	dir_now = RW_IN;
	n = build("SIP/2.0 200 OK", "atomic-2", "2 INVITE",
		  "From: <sip:a@192.0.2.20>;tag=ft\r\n"
		  "To: <sip:b@192.0.2.20>;tag=tt\r\n",
		  "Contact: <sip:b@192.0.2.20>\r\n", 0, 0);
	assert_int_equal(run(&p, RW_IN, n, &reason), PIPE_REWRITTEN);
	stats(&p, &s);
	assert_int_equal(s.media_bindings, 6);

	dir_now = RW_OUT;
	n = build("BYE sip:b@192.0.2.20 SIP/2.0", "atomic-2", "3 BYE",
		  "From: <sip:a@192.0.2.20>;tag=ft\r\n"
		  "To: <sip:b@192.0.2.20>;tag=tt\r\n", "", 0, 0);
	assert_int_equal(run(&p, RW_OUT, n, &reason), PIPE_REWRITTEN);
	stats(&p, &s);
	assert_int_equal(s.calls, 0);
	assert_int_equal(s.media_bindings, 0);
	pipe_free(&p);
}

/* The use-after-free: an inbound INVITE; the phone's 488 carries an SDP
 * and enough Contacts and m= lines to overflow the plan.  The old planner
 * ended the call (freeing the media bindings it had just made) and then
 * rolled back through the freed bindings.  Now: passed unchanged, state
 * as before; a 488 of ordinary size then ends the call, and its own media
 * bindings cancel out (never installed, nothing removed). */
static void test_overflow_488(void **state)
{
	static struct pipe p;
	static char extra[8192];
	const char *reason;
	struct calls_stats s;
	uint64_t fp, adds, dels;
	uint32_t n;
	size_t k = 0;
	unsigned i;

	assert_int_equal(pipe_init(&p, false), 0);
	p.conf.max_signalling_per_host = 100;	/* the plan, not the quota */
	dir_now = RW_IN;
	n = build("INVITE sip:a@203.0.113.1 SIP/2.0", "atomic-3", "1 INVITE",
		  TAGS_IN, "Contact: <sip:b@192.0.2.20>\r\n", 0, 0);
	assert_true(run(&p, RW_IN, n, &reason) >= 0);
	stats(&p, &s);
	assert_int_equal(s.calls, 1);
	for (i = 0; i < 40; i++)
		k += (size_t)snprintf(extra + k, sizeof(extra) - k,
				      "Contact: <sip:a@10.0.0.10:%u>\r\n",
				      20000 + i);
	fp = pipe_state(&p);
	dir_now = RW_OUT;
	n = build("SIP/2.0 488 Not Acceptable Here", "atomic-3", "1 INVITE",
		  "From: <sip:b@192.0.2.20>;tag=ft\r\n"
		  "To: <sip:a@10.0.0.10>;tag=pt\r\n", extra, 30, 4000);
	assert_int_equal(run(&p, RW_OUT, n, &reason), PIPE_PASSED);
	assert_string_equal(reason, "message too large to plan");
	assert_int_equal(pipe_state(&p), fp);

	adds = p.adds;
	dels = p.dels;
	dir_now = RW_OUT;
	n = build("SIP/2.0 488 Not Acceptable Here", "atomic-3", "1 INVITE",
		  "From: <sip:b@192.0.2.20>;tag=ft\r\n"
		  "To: <sip:a@10.0.0.10>;tag=pt\r\n", PH_CONTACT, 2, 4000);
	assert_int_equal(run(&p, RW_OUT, n, &reason), PIPE_REWRITTEN);
	stats(&p, &s);
	assert_int_equal(s.calls, 0);
	assert_int_equal(s.media_bindings, 0);
	alg_after_verdict(p.alg);
	/* The 488's own four media elements: added and removed in one plan,
	 * so neither reaches the kernel. */
	assert_true(p.adds - adds < 4);
	assert_int_equal(p.dels - dels, 0);
	pipe_free(&p);
}

/* Refusing every other batch over a whole call flow, twice: each refusal
 * leaves the state as it was, and retrying each message until accepted
 * ends with the same state as a gateway that never refused. */
static void test_refuse_every_other(void **state)
{
	static struct pipe p, ok;
	static const struct {
		enum rw_dir dir;
		const char *start, *cseq, *tags, *extra;
		unsigned media, base;
	} flow[] = {
		{ RW_OUT, "INVITE sip:b@192.0.2.20 SIP/2.0", "1 INVITE",
		  TAGS_OUT, PH_CONTACT, 2, 4000 },
		{ RW_IN, "SIP/2.0 180 Ringing", "1 INVITE",
		  "From: <sip:a@192.0.2.20>;tag=ft\r\n"
		  "To: <sip:b@192.0.2.20>;tag=tt\r\n", "", 0, 0 },
		{ RW_IN, "SIP/2.0 200 OK", "1 INVITE",
		  "From: <sip:a@192.0.2.20>;tag=ft\r\n"
		  "To: <sip:b@192.0.2.20>;tag=tt\r\n",
		  "Contact: <sip:b@192.0.2.20>\r\n", 0, 0 },
		{ RW_OUT, "INVITE sip:b@192.0.2.20 SIP/2.0", "2 INVITE",
		  "From: <sip:a@192.0.2.20>;tag=ft\r\n"
		  "To: <sip:b@192.0.2.20>;tag=tt\r\n", PH_CONTACT, 1, 5000 },
		{ RW_IN, "SIP/2.0 200 OK", "2 INVITE",
		  "From: <sip:a@192.0.2.20>;tag=ft\r\n"
		  "To: <sip:b@192.0.2.20>;tag=tt\r\n",
		  "Contact: <sip:b@192.0.2.20>\r\n", 0, 0 },
		{ RW_OUT, "BYE sip:b@192.0.2.20 SIP/2.0", "3 BYE",
		  "From: <sip:a@192.0.2.20>;tag=ft\r\n"
		  "To: <sip:b@192.0.2.20>;tag=tt\r\n", "", 0, 0 },
	};
	const char *reason;
	unsigned i, tries;
	uint64_t fp;
	uint32_t n;

	assert_int_equal(pipe_init(&p, false), 0);
	assert_int_equal(pipe_init(&ok, false), 0);
	p.refuse_every = 2;
	for (i = 0; i < sizeof(flow) / sizeof(flow[0]); i++) {
		dir_now = flow[i].dir;
		n = build(flow[i].start, "atomic-4", flow[i].cseq,
			  flow[i].tags, flow[i].extra, flow[i].media,
			  flow[i].base);
		for (tries = 0; tries < 3; tries++) {
			fp = pipe_state(&p);
			if (run(&p, flow[i].dir, n, &reason) != PIPE_PASSED)
				break;
			assert_string_equal(reason, "kernel refused bindings");
			assert_int_equal(pipe_state(&p), fp);
		}
		assert_true(tries < 3);
		run(&ok, flow[i].dir, n, &reason);
	}
	assert_true(p.refused > 0);
	/* Clocks differ (retries), so compare what the tables hold. */
	{
		struct calls_stats a, b;

		stats(&p, &a);
		stats(&ok, &b);
		assert_memory_equal(&a, &b, sizeof(a));
		assert_int_equal(a.calls, 0);
		assert_int_equal(a.media_bindings, 0);
	}
	pipe_free(&p);
	pipe_free(&ok);
}

/* A registration and its refreshes (issue 16): with a kernel that updates
 * an element's timeout when it is added again (nat_ops.refresh_in_place)
 * a refresh is the add alone; otherwise a removal and an add.  The same
 * messages through both: the adds match, only the first sends removals. */
static void register_twice(struct pipe *p)
{
	const char *reason;
	unsigned i;

	for (i = 0; i < 3; i++) {
		char cseq[16];

		snprintf(cseq, sizeof(cseq), "%u REGISTER", i + 1);
		dir_now = RW_OUT;
		run(p, RW_OUT, build("REGISTER sip:192.0.2.20 SIP/2.0", "reg1",
				     cseq, TAGS_OUT, PH_CONTACT
				     "Expires: 3600\r\n", 0, 0), &reason);
		alg_after_verdict(p->alg);
		dir_now = RW_IN;
		run(p, RW_IN, build("SIP/2.0 200 OK", "reg1", cseq, TAGS_IN,
				    "Contact: <sip:a@203.0.113.1:5060>;"
				    "expires=3600\r\n", 0, 0), &reason);
		alg_after_verdict(p->alg);
		pipe_clock += 600;
	}
}

static void test_refresh_in_place(void **state)
{
	struct pipe old, now;

	(void)state;
	assert_int_equal(pipe_init(&old, false), 0);
	assert_int_equal(pipe_init(&now, false), 0);
	now.alg->nat.refresh_in_place = true;
	register_twice(&old);
	register_twice(&now);
	assert_true(old.dels > 0);
	assert_int_equal(now.dels, 0);
	assert_int_equal(now.adds, old.adds);
	pipe_free(&old);
	pipe_free(&now);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refused_invite),
		cmocka_unit_test(test_refused_in_call),
		cmocka_unit_test(test_overflow_488),
		cmocka_unit_test(test_refuse_every_other),
		cmocka_unit_test(test_refresh_in_place),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
