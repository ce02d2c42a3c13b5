/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * IPv6 pinholes (src/pin6.c): what messages open and close, and what they
 * must not - holes only for the sender's own address on ports >= 1024, a
 * REGISTER's hole only from the 2xx of the registrar it went to with its
 * Call-ID and CSeq, calls ended by BYE and failures, expiry by sweep, and
 * a plan the caller did not commit changes nothing; the Call-ID index
 * against a scan of every slot.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "conf.h"
#include "pin6.h"
#include "pin6_int.h"
#include "rw.h"
#include "sip.h"

#define PHONE "2001:db8:1::10"
#define REG "2001:db8:2::10"
#define PEER "2001:db8:2::20"

static struct conf conf;
static struct pin6 *p;
static struct sip_msg m;
static char buf[4096];
static struct nat_plan plan;
static struct nat_elem gone[64];
static unsigned n_gone;
static struct pin6_intent in;
static const char *why;
static uint16_t dport = 5060;	/* the destination port of run()'s message */
static bool over_tcp;		/* run()'s message came on a TCP stream */

static union addr a6(const char *s)
{
	union addr a;

	memset(&a, 0, sizeof(a));
	assert_int_equal(inet_pton(AF_INET6, s, &a.v6), 1);
	return a;
}

/* Plan message text from src to dst; commit when the plan is accepted.
 * Returns pin6_plan's result. */
static int run(const char *text, const char *src, const char *dst,
	       bool outbound, uint64_t now, bool commit)
{
	struct pin6_msg pm = { .m = &m, .outbound = outbound, .now = now };
	size_t n = strlen(text);
	int rc;

	memcpy(buf, text, n);
	assert_int_equal(sip_scan(&m, buf, (uint32_t)n), SIP_OK);
	pm.src = a6(src);
	pm.dst = a6(dst);
	pm.dport = dport;
	pm.tcp = over_tcp;
	nat_plan_init(&plan);
	n_gone = 0;
	why = NULL;
	rc = pin6_plan(p, &pm, &plan, gone, 64, &n_gone, &in, &why);
	if (rc == 0 && commit)
		pin6_commit(p, &in);
	return rc;
}

static bool plan_adds(const char *addr, uint16_t port)
{
	union addr a = a6(addr);
	unsigned i;

	for (i = 0; i < plan.n_add; i++)
		if (plan.add[i].family == AF_INET6 &&
		    plan.add[i].in_port == port &&
		    plan.add[i].pub_port == port &&
		    !memcmp(&plan.add[i].in_addr.v6, &a.v6, 16))
			return true;
	return false;
}

static const char register_msg[] =
	"REGISTER sip:[" REG "] SIP/2.0\r\n"
	"Via: SIP/2.0/UDP [" PHONE "]:5060;branch=z9hG4bK1\r\n"
	"From: <sip:alice@example.org>;tag=1\r\n"
	"To: <sip:alice@example.org>\r\n"
	"Call-ID: reg1@phone\r\n"
	"CSeq: 7 REGISTER\r\n"
	"Contact: <sip:alice@[" PHONE "]:5070>\r\n"
	"Expires: 600\r\n"
	"Content-Length: 0\r\n\r\n";

static const char register_ok[] =
	"SIP/2.0 200 OK\r\n"
	"Via: SIP/2.0/UDP [" PHONE "]:5060;branch=z9hG4bK1\r\n"
	"From: <sip:alice@example.org>;tag=1\r\n"
	"To: <sip:alice@example.org>;tag=r\r\n"
	"Call-ID: reg1@phone\r\n"
	"CSeq: 7 REGISTER\r\n"
	"Contact: <sip:alice@[" PHONE "]:5070>;expires=300\r\n"
	"Content-Length: 0\r\n\r\n";

static int setup(void **state)
{
	(void)state;
	conf_defaults(&conf);
	p = pin6_new(&conf);
	return p ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	pin6_free(p);
	return 0;
}

static void test_register_opens_on_its_2xx(void **state)
{
	unsigned calls, regs, pins;

	(void)state;
	assert_int_equal(run(register_msg, PHONE, REG, true, 100, true), 0);
	assert_int_equal(plan.n_add, 0);	/* nothing before the 2xx */
	/* A 200 from another host, or for another CSeq: nothing. */
	assert_int_equal(run(register_ok, PEER, PHONE, false, 101, true), 0);
	assert_int_equal(plan.n_add, 0);
	assert_int_equal(run(register_ok, REG, PHONE, false, 101, true), 0);
	assert_int_equal(plan.n_add, 1);
	assert_true(plan_adds(PHONE, 5070));
	assert_int_equal(plan.add[0].timeout, 300);	/* granted, not 600 */
	pin6_counts(p, &calls, &regs, &pins);
	assert_int_equal(regs, 1);
	/* The same 200 again (late duplicate): no longer outstanding. */
	assert_int_equal(run(register_ok, REG, PHONE, false, 102, true), 0);
	assert_int_equal(plan.n_add + plan.n_del, 0);
	/* Expiry: swept after 300 s. */
	nat_plan_init(&plan);
	n_gone = 0;
	assert_int_equal(pin6_sweep(p, 402, &plan, gone, 64, &n_gone), 1);
	assert_int_equal(plan.n_del, 1);
	pin6_counts(p, &calls, &regs, &pins);
	assert_int_equal(regs + pins, 0);
}

static void test_register_floor_and_foreign_contact(void **state)
{
	char t[sizeof(register_msg) + 16];
	char *c;

	(void)state;
	/* A Contact on port 445 is refused and counted. */
	snprintf(t, sizeof(t), "%s", register_msg);
	c = strstr(t, "]:5070>");
	memcpy(c, "]:0445>", 7);
	assert_int_equal(run(t, PHONE, REG, true, 100, true), -1);
	assert_non_null(why);
	/* A Contact naming another inside host opens nothing. */
	assert_int_equal(run(register_msg, "2001:db8:1::99", REG, true, 100,
			     true), 0);
	assert_int_equal(run(register_ok, REG, PHONE, false, 101, true), 0);
	assert_int_equal(plan.n_add, 0);
}

static const char invite_sdp[] =
	"INVITE sip:bob@[" PEER "] SIP/2.0\r\n"
	"Via: SIP/2.0/UDP [" PHONE "]:5060;branch=z9hG4bK2\r\n"
	"From: <sip:alice@example.org>;tag=a\r\n"
	"To: <sip:bob@example.org>\r\n"
	"Call-ID: call1@phone\r\n"
	"CSeq: 1 INVITE\r\n"
	"Content-Type: application/sdp\r\n"
	"Content-Length: %u\r\n\r\n%s";

static const char sdp_body[] =
	"v=0\r\n"
	"o=- 1 1 IN IP6 " PHONE "\r\n"
	"s=-\r\n"
	"c=IN IP6 " PHONE "\r\n"
	"t=0 0\r\n"
	"m=audio 8000 RTP/AVP 0\r\n"
	"m=video 0 RTP/AVP 96\r\n"
	"m=audio 9000 RTP/AVP 0\r\n"
	"c=IN IP6 2001:db8:1::99\r\n"
	"m=audio 161 RTP/AVP 0\r\n"
	"m=audio 8100 RTP/AVP 0\r\n"
	"a=rtcp-mux\r\n";

static void invite(char *out, size_t cap)
{
	snprintf(out, cap, invite_sdp, (unsigned)strlen(sdp_body), sdp_body);
}

static const char bye[] =
	"BYE sip:alice@[" PHONE "] SIP/2.0\r\n"
	"Via: SIP/2.0/UDP [" PEER "]:5060;branch=z9hG4bK3\r\n"
	"From: <sip:bob@example.org>;tag=b\r\n"
	"To: <sip:alice@example.org>;tag=a\r\n"
	"Call-ID: call1@phone\r\n"
	"CSeq: 2 BYE\r\n"
	"Content-Length: 0\r\n\r\n";

static const char ok_b[] =
	"SIP/2.0 200 OK\r\n"
	"Via: SIP/2.0/UDP [" PHONE "]:5060;branch=z9hG4bK2\r\n"
	"From: <sip:alice@example.org>;tag=a\r\n"
	"To: <sip:bob@example.org>;tag=b\r\n"
	"Call-ID: call1@phone\r\n"
	"CSeq: 1 INVITE\r\n"
	"Content-Length: 0\r\n\r\n";

static void test_call_media_sender_only(void **state)
{
	char t[2048];
	unsigned calls, regs, pins;

	(void)state;
	invite(t, sizeof(t));
	assert_int_equal(run(t, PHONE, PEER, true, 100, true), 0);
	/* 8000 and its RTCP 8001; not the declined stream, not another
	 * host's (9000 names ::99), not 161, 8100 without RTCP (mux). */
	assert_int_equal(plan.n_add, 3);
	assert_true(plan_adds(PHONE, 8000));
	assert_true(plan_adds(PHONE, 8001));
	assert_true(plan_adds(PHONE, 8100));
	assert_false(plan_adds(PHONE, 161));
	assert_false(plan_adds("2001:db8:1::99", 9000));
	/* The same Call-ID from another inside host: refused. */
	assert_int_equal(run(t, "2001:db8:1::11", PEER, true, 100, true), -1);
	/* Answered (the dialog a/b), then the BYE closes all three and
	 * names them for the conntrack delete. */
	assert_int_equal(run(ok_b, PEER, PHONE, false, 105, true), 0);
	assert_int_equal(run(bye, PEER, PHONE, false, 110, true), 0);
	assert_int_equal(plan.n_del, 3);
	assert_int_equal(n_gone, 3);
	pin6_counts(p, &calls, &regs, &pins);
	assert_int_equal(calls + pins, 0);
}

/* The operator's end: by Call-ID, planned then committed; an unknown or
 * overlong Call-ID is no call. */
static void test_operator_end(void **state)
{
	static const char id[] = "call1@phone";
	unsigned calls, regs, pins;
	char t[2048];
	int slot;

	(void)state;
	invite(t, sizeof(t));
	assert_int_equal(run(t, PHONE, PEER, true, 100, true), 0);
	nat_plan_init(&plan);
	n_gone = 0;
	assert_int_equal(pin6_end_plan(p, "nope@x", 6, &plan, gone, 64,
				       &n_gone), -1);
	assert_int_equal(pin6_end_plan(p, id, 300, &plan, gone, 64, &n_gone),
			 -1);
	slot = pin6_end_plan(p, id, sizeof(id) - 1, &plan, gone, 64, &n_gone);
	assert_true(slot >= 0);
	assert_int_equal(plan.n_del, 3);
	assert_int_equal(n_gone, 3);
	pin6_counts(p, &calls, &regs, &pins);
	assert_int_equal(calls, 1);	/* nothing changes before commit */
	pin6_end_commit(p, slot);
	pin6_counts(p, &calls, &regs, &pins);
	assert_int_equal(calls + pins, 0);
}

static void test_uncommitted_plan_changes_nothing(void **state)
{
	char t[2048];
	unsigned calls, regs, pins;

	(void)state;
	invite(t, sizeof(t));
	assert_int_equal(run(t, PHONE, PEER, true, 100, false), 0);
	assert_int_equal(plan.n_add, 3);
	pin6_counts(p, &calls, &regs, &pins);
	assert_int_equal(calls, 0);	/* kernel refused: no state */
	/* BYE for a call never committed: nothing to close. */
	assert_int_equal(run(bye, PEER, PHONE, false, 110, true), 0);
	assert_int_equal(plan.n_del, 0);
}

static void test_failure_and_setup_timeout(void **state)
{
	char t[2048];
	static const char busy[] =
		"SIP/2.0 486 Busy Here\r\n"
		"Via: SIP/2.0/UDP [" PHONE "]:5060;branch=z9hG4bK2\r\n"
		"From: <sip:alice@example.org>;tag=a\r\n"
		"To: <sip:bob@example.org>;tag=b\r\n"
		"Call-ID: call1@phone\r\n"
		"CSeq: 1 INVITE\r\n"
		"Content-Length: 0\r\n\r\n";
	unsigned calls, regs, pins;

	(void)state;
	invite(t, sizeof(t));
	assert_int_equal(run(t, PHONE, PEER, true, 100, true), 0);
	assert_int_equal(run(busy, PEER, PHONE, false, 101, true), 0);
	assert_int_equal(plan.n_del, 3);
	/* Unanswered: closed by the set-up timeout. */
	assert_int_equal(run(t, PHONE, PEER, true, 200, true), 0);
	nat_plan_init(&plan);
	n_gone = 0;
	assert_int_equal(pin6_sweep(p, 200 + conf.call_setup_timeout - 1,
				    &plan, gone, 64, &n_gone), 0);
	assert_int_equal(pin6_sweep(p, 200 + conf.call_setup_timeout, &plan,
				    gone, 64, &n_gone), 1);
	assert_int_equal(plan.n_del, 3);
	pin6_counts(p, &calls, &regs, &pins);
	assert_int_equal(calls, 0);
}

/* A BYE ends the call only from its phone or with its dialog's tags: a
 * host that learnt the Call-ID closes nothing (issue 11). */
static void test_bye_tags(void **state)
{
	char t[2048], forged[sizeof(bye) + 8];
	unsigned calls, regs, pins;

	(void)state;
	invite(t, sizeof(t));
	assert_int_equal(run(t, PHONE, PEER, true, 100, true), 0);
	/* Before any dialog: the far end's BYE names none. */
	assert_int_equal(run(bye, PEER, PHONE, false, 101, true), 0);
	assert_int_equal(plan.n_del, 0);
	assert_ptr_equal(in.note, RW_WHY_BYE_TAGS);
	assert_int_equal(run(ok_b, PEER, PHONE, false, 102, true), 0);
	/* Wrong From tag, from another outside host. */
	snprintf(forged, sizeof(forged), "%s", bye);
	memcpy(strstr(forged, ";tag=b"), ";tag=x", 6);
	assert_int_equal(run(forged, "2001:db8:2::66", PHONE, false, 103, true),
			 0);
	assert_int_equal(plan.n_del, 0);
	assert_ptr_equal(in.note, RW_WHY_BYE_TAGS);
	/* Another inside host's BYE with the Call-ID. */
	assert_int_equal(run(bye, "2001:db8:1::11", PEER, true, 104, true), 0);
	assert_int_equal(plan.n_del, 0);
	assert_ptr_equal(in.note, RW_WHY_CALLID_REUSE);
	pin6_counts(p, &calls, &regs, &pins);
	assert_int_equal(calls * 10 + pins, 13);
	/* The far end's own BYE (tags b, a): closed. */
	assert_int_equal(run(bye, PEER, PHONE, false, 105, true), 0);
	assert_int_equal(plan.n_del, 3);
	assert_null(in.note);
	pin6_counts(p, &calls, &regs, &pins);
	assert_int_equal(calls + pins, 0);
}

/* Per-host quotas: calls, media pinholes (two per stream) and
 * registrations of one phone; another phone is not limited by them. */
static void test_quotas(void **state)
{
	char t[2048], sdp[512], cid[64];
	char reg[sizeof(register_msg) + 8];
	unsigned i;

	(void)state;
	conf.max_calls_per_host = 2;
	conf.max_media_per_host = 2;
	conf.max_signalling_per_host = 1;
	snprintf(sdp, sizeof(sdp), "v=0\r\no=- 1 1 IN IP6 " PHONE "\r\n"
		 "s=-\r\nc=IN IP6 " PHONE "\r\nt=0 0\r\n"
		 "m=audio 8000 RTP/AVP 0\r\n");
	for (i = 0; i < 3; i++) {
		snprintf(t, sizeof(t), invite_sdp, (unsigned)strlen(sdp), sdp);
		snprintf(cid, sizeof(cid), "Call-ID: cq%u@phone", i);
		memcpy(strstr(t, "Call-ID: call1@phone"), cid, strlen(cid));
		assert_int_equal(run(t, PHONE, PEER, true, 100, true),
				 i < 2 ? 0 : -1);
	}
	assert_string_equal(why, "max_calls_per_host");
	/* Another phone still calls. */
	assert_int_equal(run(t, "2001:db8:1::11", PEER, true, 100, true), 0);
	/* Two streams in a call of its own: 4 pinholes of this phone's
	 * already in use (2 calls x RTP+RTCP), so none more. */
	conf.max_calls_per_host = 3;
	invite(t, sizeof(t));
	assert_int_equal(run(t, PHONE, PEER, true, 100, true), -1);
	assert_string_equal(why, "max_media_per_host");
	/* Registrations: one Contact port, then a second is refused. */
	assert_int_equal(run(register_msg, PHONE, REG, true, 100, true), 0);
	snprintf(reg, sizeof(reg), "%s", register_msg);
	memcpy(strstr(reg, "]:5070>"), "]:5072>", 7);
	assert_int_equal(run(reg, PHONE, REG, true, 100, true), -1);
	assert_string_equal(why, "max_signalling_per_host");
	/* The same Contact again (a refresh) is not a new one. */
	assert_int_equal(run(register_msg, PHONE, REG, true, 101, true), 0);
}

/* An out-of-dialog request to the registered Contact's address and port
 * must name a registered Contact, from a sender incoming_from allows;
 * else it is dropped (a scanner reaches no phone). */
static int probe6(const char *method, const char *user, const char *from)
{
	char t[1024];

	snprintf(t, sizeof(t), "%s sip:%s@[" PHONE "]:5070 SIP/2.0\r\n"
		 "Via: SIP/2.0/UDP [%s]:5060;branch=z9hG4bKs\r\n"
		 "From: <sip:x@example.net>;tag=s\r\n"
		 "To: <sip:%s@example.org>\r\nCall-ID: scan@x\r\n"
		 "CSeq: 1 %s\r\nContent-Length: 0\r\n\r\n", method, user,
		 from, user, method);
	dport = 5070;
	return run(t, from, PHONE, false, 110, true);
}

static void test_scanner6(void **state)
{
	(void)state;
	/* No registration: not a registration's hole, nothing checked. */
	assert_int_equal(probe6("OPTIONS", "100", PEER), 0);
	assert_int_equal(run(register_msg, PHONE, REG, true, 100, true), 0);
	assert_int_equal(run(register_ok, REG, PHONE, false, 101, true), 0);
	assert_int_equal(probe6("OPTIONS", "100", PEER), -1);
	assert_true(in.drop);
	assert_ptr_equal(why, RW_WHY_NOT_REGISTERED);
	assert_int_equal(probe6("INVITE", "admin", PEER), -1);
	assert_true(in.drop);
	assert_int_equal(probe6("INVITE", "alice", PEER), 0);
	assert_false(in.drop);
	conf.incoming_from = INCOMING_REGISTRAR;
	assert_int_equal(probe6("INVITE", "alice", PEER), -1);
	assert_true(in.drop);
	assert_int_equal(probe6("INVITE", "alice", REG), 0);
	conf.incoming_from = INCOMING_NETS;
	conf.n_incoming_nets = 1;
	conf.incoming_nets[0].family = AF_INET6;
	conf.incoming_nets[0].len = 112;
	conf.incoming_nets[0].addr = a6("2001:db8:2::");
	assert_int_equal(probe6("INVITE", "alice", PEER), 0);
	assert_int_equal(probe6("INVITE", "alice", "2001:db8:3::20"), -1);
	/* From an allowed network, a guessed user is still dropped. */
	assert_int_equal(probe6("INVITE", "100", PEER), -1);
	assert_true(in.drop);
	dport = 5060;
}

/* ---- the Call-ID index ---- */

/* Every call is found at its own slot, by pin6_call_find and by the
 * operator's end. */
static void index_agrees(void)
{
	unsigned i;

	for (i = 0; i < PIN6_MAX_CALLS; i++) {
		const struct pin6_call *c = &p->call[i];

		if (!c->used)
			continue;
		assert_int_equal(pin6_call_find(p, c->id, (struct span){
							0, c->id_len }),
				 (int)i);
		nat_plan_init(&plan);
		n_gone = 0;
		assert_int_equal(pin6_end_plan(p, c->id, c->id_len, &plan,
					       gone, 64, &n_gone),
				 (int)i);
	}
}

static void restore_call(unsigned n, uint64_t expires)
{
	struct pin6_call k;

	memset(&k, 0, sizeof(k));
	k.id_len = (uint8_t)snprintf(k.id, sizeof(k.id), "ix%u@phone", n);
	k.phone = a6(PHONE);
	k.port[0] = (uint16_t)(10000 + n % 50000);
	k.n_port = 1;
	k.expires = expires;
	assert_int_equal(pin6_restore_call(p, &k), 0);
}

static bool call_known(unsigned n)
{
	char id[32];
	int len = snprintf(id, sizeof(id), "ix%u@phone", n);

	return pin6_call_find(p, id, (struct span){ 0, (uint32_t)len }) >= 0;
}

/* Every slot taken (2048 Call-IDs share buckets), a third ended by the
 * operator, new calls in their slots, a fifth expired by sweeps: at each
 * step each call is found where it is, and an ended one nowhere. */
static void test_call_index(void **state)
{
	unsigned i, n, calls, regs, pins;
	int slot;

	(void)state;
	for (i = 0; i < PIN6_MAX_CALLS; i++)
		restore_call(i, i % 5 ? 1000 : 50);
	pin6_counts(p, &calls, &regs, &pins);
	assert_int_equal(calls, PIN6_MAX_CALLS);
	index_agrees();
	for (i = 0; i < PIN6_MAX_CALLS; i += 3) {
		char id[32];
		int len = snprintf(id, sizeof(id), "ix%u@phone", i);

		nat_plan_init(&plan);
		n_gone = 0;
		slot = pin6_end_plan(p, id, (uint32_t)len, &plan, gone, 64,
				     &n_gone);
		assert_true(slot >= 0);
		pin6_end_commit(p, slot);
		assert_false(call_known(i));
	}
	index_agrees();
	for (i = 0; i < PIN6_MAX_CALLS; i += 3)
		restore_call(PIN6_MAX_CALLS + i, 1000);
	index_agrees();
	do {
		nat_plan_init(&plan);
		n_gone = 0;
		n = pin6_sweep(p, 100, &plan, gone, 64, &n_gone);
	} while (n);
	for (i = 0; i < PIN6_MAX_CALLS; i++) {
		assert_int_equal(call_known(i), i % 3 && i % 5);
		assert_int_equal(call_known(PIN6_MAX_CALLS + i), i % 3 == 0);
	}
	index_agrees();
}

/* The admitted sources (nat_elem from) of the plan's add of PHONE:port,
 * as text "A,B" (n_from of them); "" when not filtered; NULL: no add. */
static const char *adds_from(uint16_t port)
{
	static char txt[2 * INET6_ADDRSTRLEN + 2];
	unsigned i, k;

	for (i = 0; i < plan.n_add; i++) {
		const struct nat_elem *e = &plan.add[i];

		if (e->in_port != port)
			continue;
		txt[0] = '\0';
		for (k = 0; e->filter && k < e->n_from; k++) {
			if (k)
				strcat(txt, ",");
			inet_ntop(AF_INET6, &e->from[k].v6, txt + strlen(txt),
				  INET6_ADDRSTRLEN);
		}
		return txt;
	}
	return NULL;
}

static void msg_sdp(char *out, size_t cap, const char *head,
		    const char *addr, unsigned port)
{
	char body[256];

	snprintf(body, sizeof(body),
		 "v=0\r\no=- 1 1 IN IP6 %s\r\ns=-\r\nc=IN IP6 %s\r\n"
		 "t=0 0\r\nm=audio %u RTP/AVP 0\r\na=rtcp-mux\r\n",
		 addr, addr, port);
	snprintf(out, cap, "%sContent-Type: application/sdp\r\n"
		 "Content-Length: %u\r\n\r\n%s", head, (unsigned)strlen(body),
		 body);
}

#define MEDIA2 "2001:db8:2::99"	/* where the far end's media comes from */
#define THIRD "2001:db8:2::30"

/* media_from = sdp: a call's holes admit the signalling peer at once and
 * the far end's SDP address once it is known, moved by the far end's
 * answer (old sources removed, new ones added in one plan), not by a
 * message naming none of the answered call's dialogs; an incoming call
 * takes its offer's address when the phone answers; with media_from =
 * any nothing is filtered. */
static void test_media_from6(void **state)
{
	static const char out_inv[] =
		"INVITE sip:bob@[" PEER "] SIP/2.0\r\n"
		"Via: SIP/2.0/UDP [" PHONE "]:5060;branch=z9hG4bKm1\r\n"
		"From: <sip:alice@example.org>;tag=a\r\n"
		"To: <sip:bob@example.org>\r\n"
		"Call-ID: mf1@phone\r\nCSeq: 1 INVITE\r\n";
	static const char far_ok[] =
		"SIP/2.0 200 OK\r\n"
		"Via: SIP/2.0/UDP [" PHONE "]:5060;branch=z9hG4bKm1\r\n"
		"From: <sip:alice@example.org>;tag=a\r\n"
		"To: <sip:bob@example.org>;tag=b\r\n"
		"Call-ID: mf1@phone\r\nCSeq: 1 INVITE\r\n";
	static const char forged[] =
		"INVITE sip:alice@[" PHONE "] SIP/2.0\r\n"
		"Via: SIP/2.0/UDP [" THIRD "]:5060;branch=z9hG4bKx\r\n"
		"From: <sip:bob@example.org>;tag=x\r\n"
		"To: <sip:alice@example.org>;tag=y\r\n"
		"Call-ID: mf1@phone\r\nCSeq: 2 INVITE\r\n";
	static const char in_inv[] =
		"INVITE sip:alice@[" PHONE "] SIP/2.0\r\n"
		"Via: SIP/2.0/UDP [" PEER "]:5060;branch=z9hG4bKm2\r\n"
		"From: <sip:bob@example.org>;tag=c\r\n"
		"To: <sip:alice@example.org>\r\n"
		"Call-ID: mf2@peer\r\nCSeq: 1 INVITE\r\n";
	static const char phone_ok[] =
		"SIP/2.0 200 OK\r\n"
		"Via: SIP/2.0/UDP [" PEER "]:5060;branch=z9hG4bKm2\r\n"
		"From: <sip:bob@example.org>;tag=c\r\n"
		"To: <sip:alice@example.org>;tag=d\r\n"
		"Call-ID: mf2@peer\r\nCSeq: 1 INVITE\r\n";
	char t[1024];
	unsigned i;

	(void)state;
	conf.media_from = MEDIA_FROM_SDP;
	msg_sdp(t, sizeof(t), out_inv, PHONE, 8000);
	assert_int_equal(run(t, PHONE, PEER, true, 100, true), 0);
	assert_string_equal(adds_from(8000), PEER);	/* the peer only */
	msg_sdp(t, sizeof(t), far_ok, MEDIA2, 40000);
	assert_int_equal(run(t, PEER, PHONE, false, 101, true), 0);
	assert_string_equal(adds_from(8000), MEDIA2 "," PEER);
	assert_int_equal(plan.n_del, 1);	/* the old sources go */
	assert_int_equal(plan.del[0].n_from, 1);
	assert_true(plan.del[0].filter);
	/* A re-INVITE with tags of no dialog of the call moves nothing. */
	msg_sdp(t, sizeof(t), forged, THIRD, 40002);
	assert_int_equal(run(t, THIRD, PHONE, false, 102, true), 0);
	assert_int_equal(plan.n_add + plan.n_del, 0);
	assert_ptr_equal(in.note, RW_WHY_BYE_TAGS);
	/* The end removes exactly what is installed. */
	nat_plan_init(&plan);
	n_gone = 0;
	assert_int_equal(pin6_end_plan(p, "mf1@phone", 9, &plan, gone, 64,
				       &n_gone), 0);
	assert_int_equal(plan.n_del, 1);
	assert_int_equal(plan.del[0].n_from, 2);
	pin6_end_commit(p, 0);

	/* Incoming: the offer is remembered, the phone's answer uses it. */
	msg_sdp(t, sizeof(t), in_inv, MEDIA2, 40004);
	assert_int_equal(run(t, PEER, PHONE, false, 110, true), 0);
	assert_int_equal(plan.n_add, 0);
	msg_sdp(t, sizeof(t), phone_ok, PHONE, 8002);
	assert_int_equal(run(t, PHONE, PEER, true, 111, true), 0);
	assert_string_equal(adds_from(8002), MEDIA2 "," PEER);
	/* Another host's answer with that Call-ID would not take it: the
	 * offer belongs to the phone it was sent to. */
	for (i = 0; i < PIN6_MAX_CALLS; i++)
		pin6_end_commit(p, (int)i);
	msg_sdp(t, sizeof(t), phone_ok, "2001:db8:1::77", 8004);
	assert_int_equal(run(t, "2001:db8:1::77", PEER, true, 112, true), 0);
	assert_string_equal(adds_from(8004), PEER);

	/* media_from = any: no filter. */
	conf.media_from = MEDIA_FROM_ANY;
	msg_sdp(t, sizeof(t), out_inv, PHONE, 8006);
	assert_int_equal(run(t, PHONE, "2001:db8:2::21", true, 120, true), 0);
	assert_string_equal(adds_from(8006), "");
}

/* A phone registered over TCP: the registrar's 2xx opens a TCP hole for
 * a new connection from the registrar alone (from[0]) to the Contact
 * port; a refresh keeps it, Expires 0 closes exactly it; a UDP
 * registration of the same port is another one. */
static void test_register_tcp(void **state)
{
	union addr reg = a6(REG);
	char unreg[sizeof(register_msg) + 8];

	(void)state;
	over_tcp = true;
	assert_int_equal(run(register_msg, PHONE, REG, true, 100, true), 0);
	assert_int_equal(plan.n_add, 0);
	assert_int_equal(run(register_ok, REG, PHONE, false, 101, true), 0);
	assert_int_equal(plan.n_add, 1);
	assert_int_equal(plan.add[0].proto, IPPROTO_TCP);
	assert_int_equal(plan.add[0].in_port, 5070);
	assert_int_equal(plan.add[0].n_from, 1);
	assert_memory_equal(&plan.add[0].from[0].v6, &reg.v6, 16);
	assert_false(plan.add[0].filter);
	/* Refresh: the same hole removed and added. */
	assert_int_equal(run(register_msg, PHONE, REG, true, 200, true), 0);
	assert_int_equal(run(register_ok, REG, PHONE, false, 201, true), 0);
	assert_int_equal(plan.n_del, 1);
	assert_int_equal(plan.n_add, 1);
	assert_int_equal(plan.del[0].proto, IPPROTO_TCP);
	assert_memory_equal(&plan.del[0].from[0].v6, &reg.v6, 16);
	/* UDP on the same port: a registration of its own, UDP hole. */
	over_tcp = false;
	assert_int_equal(run(register_msg, PHONE, REG, true, 210, true), 0);
	assert_int_equal(run(register_ok, REG, PHONE, false, 211, true), 0);
	assert_int_equal(plan.n_add, 1);
	assert_int_equal(plan.n_del, 0);
	assert_int_equal(plan.add[0].proto, IPPROTO_UDP);
	/* Expires 0 over TCP closes the TCP hole, not its flows' UDP. */
	over_tcp = true;
	snprintf(unreg, sizeof(unreg), "%s", register_msg);
	memcpy(strstr(unreg, "Expires: 600"), "Expires: 000", 12);
	assert_int_equal(run(unreg, PHONE, REG, true, 300, true), 0);
	assert_int_equal(run(register_ok, REG, PHONE, false, 301, true), 0);
	assert_int_equal(plan.n_add, 0);
	assert_int_equal(plan.n_del, 1);
	assert_int_equal(plan.del[0].proto, IPPROTO_TCP);
	assert_int_equal(n_gone, 0);
	over_tcp = false;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_register_opens_on_its_2xx,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_register_floor_and_foreign_contact, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_call_media_sender_only,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_uncommitted_plan_changes_nothing, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_failure_and_setup_timeout,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_bye_tags, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_quotas, setup, teardown),
		cmocka_unit_test_setup_teardown(test_operator_end, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_register_tcp, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_media_from6, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_scanner6, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_call_index, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
