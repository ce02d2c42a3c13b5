/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Robustness of the whole per-packet pipeline (alg_process, driven by
 * tests/fuzz/pipe.h: IPv4/UDP packet -> pkt_parse -> sip_scan ->
 * rewrite_plan -> edits_apply -> pkt_replace_payload) over third-party
 * torture messages: RFC 4475 (49), RFC 5118 (12, wire form) and PROTOS
 * c07-sip r2 (4527 cases, an INVITE and its teardown each).  Every message
 * goes outbound and then inbound through one gateway whose call state
 * persists over all suites, and through a second, fail-closed gateway fed
 * the same sequence.  For every message and direction:
 *  - no crash, leak or out-of-bounds access (ASan/UBSan), at most
 *    ROBUST_MAX_MS per message;
 *  - a defined outcome: rewritten (and then the rewrite oracle holds:
 *    libosip2, Content-Length, bytes only changed inside the planned edit
 *    spans; IP/UDP lengths and checksums right), passed unchanged because
 *    there was nothing to change, or passed unchanged with a counted
 *    reason, which the fail-closed gateway drops instead (same reason; it
 *    rewrites exactly the same bytes otherwise).
 * A table of outcomes per suite is printed and written to
 * build/robust-summary.md.  Afterwards PROTOS case 0 (the valid INVITE)
 * must still be rewritten to the expected message.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <cmocka.h>

#include "../fuzz/pipe.h"
#include "protos.h"

#define ROBUST_MAX_MS 2000.0
#define MAX_WHY 40
#define SUMMARY "build/robust-summary.md"

static const char *const outcome_name[] = { "rewritten", "unchanged",
					    "passed", "dropped" };

struct tally {
	const char *suite;
	unsigned msgs;
	unsigned n[2][4];	/* direction x outcome, fail-open gateway */
	unsigned dropped[2];	/* fail-closed gateway */
	struct {
		const char *what;
		unsigned n;
	} why[MAX_WHY];
	unsigned n_why;
	double max_ms;
};

static struct pipe *gw_open, *gw_closed;
static struct tally tallies[3];
static unsigned n_tallies;

static const char *corpus(void)
{
	const char *c = getenv("SIPALG_CORPUS");

	return c && *c ? c : SIPALG_CORPUS_DIR;
}

/* Whole file in a heap buffer of exactly its size (no NUL). */
static char *slurp(const char *path, uint32_t *len)
{
	struct stat st;
	FILE *f = fopen(path, "rb");
	char *b;

	if (!f || fstat(fileno(f), &st) != 0)
		fail_msg("cannot read %s (tests/corpus is part of the repository)", path);
	b = malloc(st.st_size ? (size_t)st.st_size : 1);
	assert_non_null(b);
	assert_int_equal(fread(b, 1, (size_t)st.st_size, f),
			 (size_t)st.st_size);
	fclose(f);
	*len = (uint32_t)st.st_size;
	return b;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void count_why(struct tally *t, const char *what)
{
	unsigned i;

	for (i = 0; i < t->n_why; i++)
		if (strcmp(t->why[i].what, what) == 0)
			break;
	if (i == t->n_why) {
		assert_true(t->n_why < MAX_WHY);
		t->why[t->n_why++].what = what;
	}
	t->why[i].n++;
}

/* One message, one direction, through both gateways. */
static void run_dir(struct tally *t, enum rw_dir dir, const char *buf,
		    uint32_t len, const char *name)
{
	static char out[PIPE_MAX_PAYLOAD];
	const char *dn = dir == RW_OUT ? "out" : "in";
	const char *why_o, *why_c, *o;
	uint32_t o_len, saved = 0;
	double t0 = now_ms(), ms;
	int ro, rc;

	ro = pipe_run(gw_open, dir, buf, len, &why_o, &o, &o_len);
	if (ro < 0)
		fail_msg("%s %s: %s", name, dn, gw_open->why);
	if (ro == PIPE_REWRITTEN) {
		memcpy(out, o, o_len);
		saved = o_len;
	}
	ms = now_ms() - t0;
	if (ms > t->max_ms)
		t->max_ms = ms;
	if (ms > ROBUST_MAX_MS)
		fail_msg("%s %s: %.0f ms", name, dn, ms);
	rc = pipe_run(gw_closed, dir, buf, len, &why_c, &o, &o_len);
	if (rc < 0)
		fail_msg("%s %s (fail-closed): %s", name, dn, gw_closed->why);
	t->n[dir][ro]++;
	switch (ro) {
	case PIPE_REWRITTEN:
		if (rc != PIPE_REWRITTEN || o_len != saved ||
		    memcmp(o, out, saved))
			fail_msg("%s %s: fail-closed gateway did not rewrite "
				 "alike (outcome %d)", name, dn, rc);
		break;
	case PIPE_UNCHANGED:
		if (rc != PIPE_UNCHANGED)
			fail_msg("%s %s: unchanged, fail-closed outcome %d",
				 name, dn, rc);
		break;
	case PIPE_PASSED:
		if (rc != PIPE_DROPPED || strcmp(why_o, why_c))
			fail_msg("%s %s: passed (%s) but fail-closed outcome "
				 "%d (%s)", name, dn, why_o, rc,
				 why_c ? why_c : "-");
		t->dropped[dir]++;
		count_why(t, why_o);
		break;
	default:
		fail_msg("%s %s: fail-open gateway dropped (%s)", name, dn,
			 why_o ? why_o : "-");
	}
}

/* buf outbound, then buf_in (buf when NULL) inbound. */
static void run_msg(struct tally *t, const char *buf, uint32_t len,
		    const char *buf_in, uint32_t len_in, const char *name)
{
	t->msgs++;
	run_dir(t, RW_OUT, buf, len, name);
	if (buf_in)
		run_dir(t, RW_IN, buf_in, len_in, name);
	else
		run_dir(t, RW_IN, buf, len, name);
	/* periodic work, as the daemon's timer does: expiries */
	if (t->msgs % 64 == 0) {
		alg_tick(gw_open->alg, false, NULL);
		alg_tick(gw_closed->alg, false, NULL);
	}
}

static struct tally *tally_new(const char *suite)
{
	struct tally *t = &tallies[n_tallies++];

	memset(t, 0, sizeof(*t));
	t->suite = suite;
	return t;
}

static int dat_filter(const struct dirent *e)
{
	size_t n = strlen(e->d_name);

	return n > 4 && strcmp(e->d_name + n - 4, ".dat") == 0;
}

/* Every *.dat in corpus/sub through the pipeline; returns the count. */
static unsigned run_dir_files(struct tally *t, const char *sub)
{
	struct dirent **ents;
	char dir[2048], path[4096];
	uint32_t len;
	int i, n;
	char *buf;

	snprintf(dir, sizeof(dir), "%s/%s", corpus(), sub);
	n = scandir(dir, &ents, dat_filter, alphasort);
	if (n < 0)
		fail_msg("cannot list %s", dir);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, ents[i]->d_name);
		buf = slurp(path, &len);
		run_msg(t, buf, len, NULL, 0, path);
		free(buf);
		free(ents[i]);
	}
	free(ents);
	return (unsigned)n;
}

/* PDU k (0: INVITE, 1: teardown) of PROTOS case i, filled in as sent by
 * the phone (inbound false) or by the outside host to the phone. */
static char *protos_get(unsigned i, unsigned k, bool inbound, uint32_t *plen)
{
	char path[256];
	uint32_t len, p = 0, start = 0, n = 0;
	unsigned j;
	char *buf, *pdu;

	snprintf(path, sizeof(path), PROTOS_DIR "/testcases/%07u", i);
	buf = slurp(path, &len);
	for (j = 0; j <= k; j++)
		if (!protos_next(buf, len, &p, &start, &n))
			fail_msg("%s: no PDU %u", path, k);
	if (inbound)
		pdu = protos_pdu_with(buf + start, n, protos_vals_inbound,
				      sizeof(protos_vals_inbound) /
				      sizeof(protos_vals_inbound[0]), plen);
	else
		pdu = protos_pdu(buf + start, n, plen);
	free(buf);
	return pdu;
}

static void write_summary(void)
{
	FILE *f = fopen(SUMMARY, "w");
	char line[512];
	unsigned i, d, k;

	assert_non_null(f);
	fprintf(f, "# Pipeline robustness (tests/unit/test_robust.c)\n\n"
		"Each message sent outbound (phone -> outside) and inbound "
		"(outside -> phone) through one gateway with persistent call "
		"state; \"dropped\" is a second gateway with fail_closed.\n\n"
		"| suite | direction | messages | rewritten | unchanged | "
		"passed with reason | dropped (fail-closed) | max ms |\n"
		"|---|---|---|---|---|---|---|---|\n");
	for (i = 0; i < n_tallies; i++) {
		const struct tally *t = &tallies[i];

		for (d = 0; d < 2; d++) {
			snprintf(line, sizeof(line), "| %s | %s | %u | %u | "
				 "%u | %u | %u | %.1f |", t->suite,
				 d ? "in" : "out", t->msgs,
				 t->n[d][PIPE_REWRITTEN],
				 t->n[d][PIPE_UNCHANGED],
				 t->n[d][PIPE_PASSED], t->dropped[d],
				 t->max_ms);
			fprintf(f, "%s\n", line);
			print_message("%s\n", line);
		}
	}
	fprintf(f, "\nReasons (both directions):\n\n| suite | reason | "
		"messages |\n|---|---|---|\n");
	for (i = 0; i < n_tallies; i++)
		for (k = 0; k < tallies[i].n_why; k++) {
			snprintf(line, sizeof(line), "| %s | %s | %u |",
				 tallies[i].suite, tallies[i].why[k].what,
				 tallies[i].why[k].n);
			fprintf(f, "%s\n", line);
			print_message("%s\n", line);
		}
	fclose(f);
	print_message("(written to %s; outcomes: %s %s %s %s)\n", SUMMARY,
		      outcome_name[0], outcome_name[1], outcome_name[2],
		      outcome_name[3]);
}

static int setup(void **state)
{
	gw_open = malloc(sizeof(*gw_open));
	gw_closed = malloc(sizeof(*gw_closed));
	if (!gw_open || !gw_closed || pipe_init(gw_open, false) < 0 ||
	    pipe_init(gw_closed, true) < 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	pipe_free(gw_open);
	pipe_free(gw_closed);
	free(gw_open);
	free(gw_closed);
	return 0;
}

/* The oracle must be able to fail: a byte changed outside the edits, a
 * wrong replacement, a wrong Content-Length. */
static void test_oracle_fails(void **state)
{
	static const char msg[] =
		"INVITE sip:bob@192.0.2.20 SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 10.0.0.10:5060;branch=z9hG4bKor1\r\n"
		"From: <sip:alice@192.0.2.20>;tag=a\r\n"
		"To: <sip:bob@192.0.2.20>\r\n"
		"Call-ID: oracle-1@10.0.0.10\r\n"
		"CSeq: 1 INVITE\r\n"
		"Contact: <sip:alice@10.0.0.10:5060>\r\n"
		"Content-Type: application/sdp\r\n"
		"Content-Length: 87\r\n\r\n"
		"v=0\r\no=a 1 1 IN IP4 10.0.0.10\r\ns=-\r\nc=IN IP4 10.0.0.10\r\n"
		"t=0 0\r\nm=audio 4000 RTP/AVP 0\r\n";
	static char bad[sizeof(msg) + 64];
	struct pipe *p = malloc(sizeof(*p));
	const char *why, *o;
	uint32_t n, len = sizeof(msg) - 1;
	const struct edits *ed;
	char *at;

	assert_non_null(p);
	assert_int_equal(pipe_init(p, false), 0);
	assert_true(oracle_clen_ok(msg, len));
	assert_int_equal(pipe_run(p, RW_OUT, msg, len, &why, &o, &n),
			 PIPE_REWRITTEN);
	ed = &p->alg->rw.edits;
	assert_true(ed->n >= 4);
	memcpy(bad, o, n);
	assert_true(oracle_rewrite_ok(msg, len, ed, bad, n, p->why,
				      sizeof(p->why)));
	/* the untouched Call-ID changes */
	at = memmem(bad, n, "oracle-1", 8);
	assert_non_null(at);
	*at = 'O';
	assert_false(oracle_spans_ok(msg, len, ed, bad, n, p->why,
				     sizeof(p->why)));
	/* the rewritten Via host differs from the planned text */
	memcpy(bad, o, n);
	at = memmem(bad, n, "203.0.113.1", 11);
	assert_non_null(at);
	at[0] = '1';
	assert_false(oracle_spans_ok(msg, len, ed, bad, n, p->why,
				     sizeof(p->why)));
	/* one byte lost at the end, and a body longer than declared */
	memcpy(bad, o, n);
	assert_false(oracle_spans_ok(msg, len, ed, bad, n - 1, p->why,
				     sizeof(p->why)));
	assert_false(oracle_clen_ok(bad, n - 1));
	bad[n] = 'x';
	assert_false(oracle_clen_ok(bad, n + 1));
	assert_false(oracle_rewrite_ok(msg, len, ed, bad, n + 1, p->why,
				       sizeof(p->why)));
	pipe_free(p);
	free(p);
}

static void test_rfc4475(void **state)
{
	assert_int_equal(run_dir_files(tally_new("RFC 4475"), "rfc4475"), 49);
}

static void test_rfc5118(void **state)
{
	assert_int_equal(run_dir_files(tally_new("RFC 5118"), "rfc5118/wire"),
			 12);
}

static void test_protos(void **state)
{
	struct tally *t = tally_new("PROTOS c07-sip");
	char name[64];
	uint32_t len, len_in;
	unsigned i, k;
	char *pdu, *pdu_in;

	protos_unpack(corpus());
	for (i = 0; i < PROTOS_CASES; i++)
		for (k = 0; k < 2; k++) {
			pdu = protos_get(i, k, false, &len);
			pdu_in = protos_get(i, k, true, &len_in);
			snprintf(name, sizeof(name), "PROTOS %u/%s", i,
				 k ? "teardown" : "INVITE");
			run_msg(t, pdu, len, pdu_in, len_in, name);
			free(pdu);
			free(pdu_in);
		}
	assert_int_equal(t->msgs, 2 * PROTOS_CASES);
	write_summary();
	/* Most mutations still frame as SIP and get rewritten on the way
	 * out; some cannot be and are passed (dropped when fail-closed). */
	assert_true(t->n[RW_OUT][PIPE_REWRITTEN] > PROTOS_CASES);
	assert_true(t->n[RW_OUT][PIPE_PASSED] > 0);
}

/*
 * PROTOS case 0 after all of the above: the valid INVITE is rewritten as
 * on a fresh gateway: Via sent-by and Contact to the public address, SDP
 * o=/c= to it and the media port to the public port of a new binding;
 * Content-Length follows.
 */
static const char case0_expect[] =
	"INVITE sip:bob@192.0.2.20 SIP/2.0\r\n"
	"Via: SIP/2.0/UDP 203.0.113.1:5060;branch=z9hG4bK00000000001\r\n"
	"From: 0 <sip:alice@10.0.0.10>;tag=0\r\n"
	"To: Receiver <sip:bob@192.0.2.20>\r\n"
	"Call-ID: 3c26700857a7@10.0.0.10\r\n"
	"CSeq: 1 INVITE\r\n"
	"Contact: 0 <sip:alice@203.0.113.1:5060>\r\n"
	"Expires: 1200\r\n"
	"Max-Forwards: 70\r\n"
	"Content-Type: application/sdp\r\n"
	"Content-Length: 124\r\n"
	"\r\n"
	"v=0\r\n"
	"o=0 0 0 IN IP4 203.0.113.1\r\n"
	"s=Session SDP\r\n"
	"c=IN IP4 203.0.113.1\r\n"
	"t=0 0\r\n"
	"m=audio PORT RTP/AVP 0\r\n"
	"a=rtpmap:0 PCMU/8000\r\n";

/* got matches case0_expect with PORT standing for an even port number
 * from the configured media range; returns it, or 0. */
static unsigned case0_match(const struct conf *c, const char *got,
			    uint32_t n)
{
	const char *port = strstr(case0_expect, "PORT");
	size_t pre = (size_t)(port - case0_expect), post = strlen(port + 4);
	unsigned v = 0;
	size_t i;

	if (n < pre + post + 1 || memcmp(got, case0_expect, pre) ||
	    memcmp(got + n - post, port + 4, post))
		return 0;
	for (i = pre; i < n - post; i++) {
		if (got[i] < '0' || got[i] > '9' || v > 65535)
			return 0;
		v = v * 10 + (unsigned)(got[i] - '0');
	}
	if (v < c->media_port_min || v > c->media_port_max || v % 2)
		return 0;
	return v;
}

/* The public port pub is bound to the phone's inside port in. */
static bool bound_to(struct pipe *p, unsigned pub, uint16_t in)
{
	const struct binding *b = calls_binding_by_pub(p->alg->calls, AF_INET,
						       &p->alg->pub,
						       (uint16_t)pub);
	struct in_addr phone;

	inet_pton(AF_INET, PIPE_PHONE, &phone);
	return b && b->kind == BIND_MEDIA && b->in_port == in &&
	       b->in_addr.v4.s_addr == phone.s_addr;
}

static void check_case0(struct pipe *p, const char *pdu, uint32_t len,
			const char *which)
{
	const char *why, *o;
	uint32_t n;
	unsigned port;
	int rc = pipe_run(p, RW_OUT, pdu, len, &why, &o, &n);

	if (rc != PIPE_REWRITTEN)
		fail_msg("case 0 on the %s gateway: outcome %d (%s) %s", which,
			 rc, why ? why : "-", rc < 0 ? p->why : "");
	port = case0_match(&p->conf, o, n);
	if (!port)
		fail_msg("case 0 on the %s gateway, got:\n%.*s", which, (int)n,
			 o);
	/* the media port it names is bound to the phone's RTP port, the
	 * next one to its RTCP port (new bindings, or the ones the same
	 * call already held) */
	if (!bound_to(p, port, 9876) || !bound_to(p, port + 1, 9877))
		fail_msg("case 0 on the %s gateway: public %u/%u not bound to "
			 "10.0.0.10:9876/9877", which, port, port + 1);
}

/* The same INVITE from the outside to the phone's public address: the
 * Request-URI names the phone again, the SDP stays as sent. */
static void check_case0_in(struct pipe *p, const char *which)
{
	static const char ruri[] = "INVITE sip:alice@10.0.0.10 SIP/2.0\r\n";
	const char *why, *o, *body_in, *body_out;
	uint32_t n, len;
	char *pdu = protos_get(0, 0, true, &len);
	int rc = pipe_run(p, RW_IN, pdu, len, &why, &o, &n);

	if (rc != PIPE_REWRITTEN)
		fail_msg("inbound case 0 on the %s gateway: outcome %d (%s) %s",
			 which, rc, why ? why : "-", rc < 0 ? p->why : "");
	body_in = memmem(pdu, len, "\r\n\r\n", 4);
	body_out = memmem(o, n, "\r\n\r\n", 4);
	if (n < sizeof(ruri) || memcmp(o, ruri, sizeof(ruri) - 1) ||
	    !body_in || !body_out ||
	    (size_t)(o + n - body_out) != (size_t)(pdu + len - body_in) ||
	    memcmp(body_in, body_out, (size_t)(pdu + len - body_in)))
		fail_msg("inbound case 0 on the %s gateway, got:\n%.*s",
			 which, (int)n, o);
	free(pdu);
}

static void test_case0_after(void **state)
{
	struct pipe *fresh = malloc(sizeof(*fresh));
	uint32_t len;
	char *pdu;

	assert_true(n_tallies == 3);	/* ran after the three suites */
	assert_non_null(fresh);
	assert_int_equal(pipe_init(fresh, false), 0);
	pdu = protos_get(0, 0, false, &len);
	check_case0(fresh, pdu, len, "fresh");
	check_case0(gw_open, pdu, len, "battered");
	check_case0(gw_closed, pdu, len, "battered fail-closed");
	check_case0_in(fresh, "fresh");
	check_case0_in(gw_open, "battered");
	check_case0_in(gw_closed, "battered fail-closed");
	free(pdu);
	pipe_free(fresh);
	free(fresh);
}

/* ---- what waits for the verdict and what follows it ------------------- */

struct applied {
	bool after;		/* during alg_after_verdict */
	unsigned n_add, n_del;
	struct nat_elem add, del;	/* the first of each */
};

static struct applied applied[16];
static unsigned n_applied;
static bool in_after;

static int rec_apply(void *ctx, const struct nat_plan *plan)
{
	struct applied *x;

	(void)ctx;
	if (n_applied == 16)
		return 0;
	x = &applied[n_applied++];
	x->after = in_after;
	x->n_add = plan->n_add;
	x->n_del = plan->n_del;
	if (plan->n_add)
		x->add = plan->add[0];
	if (plan->n_del)
		x->del = plan->del[0];
	return 0;
}

/* One message through the pipeline, then the post-verdict work, as
 * alg_packet does it; returns the verdict. */
static int one(struct pipe *p, enum rw_dir dir, const char *msg, bool after)
{
	uint32_t olen = 0;
	int v;

	pipe_build(p, dir, msg, (uint32_t)strlen(msg));
	pipe_clock++;
	v = alg_process(p->alg, p->pkt, p->pkt_len,
			dir == RW_OUT ? PIPE_IN_IF : PIPE_OUT_IF,
			dir == RW_OUT ? PIPE_OUT_IF : PIPE_IN_IF, &olen);
	if (after) {
		in_after = true;
		alg_after_verdict(p->alg);
		in_after = false;
	}
	return v;
}

#define HDRS(method, cseq) \
	"Via: SIP/2.0/UDP 10.0.0.10:5060;branch=z9hG4bK" cseq "\r\n" \
	"From: <sip:100@example.com>;tag=f1\r\n" \
	"Call-ID: " method "-1@10.0.0.10\r\n" \
	"CSeq: " cseq " " method "\r\n"

static const char reg[] =
	"REGISTER sip:example.com SIP/2.0\r\n" HDRS("REGISTER", "1")
	"To: <sip:100@example.com>\r\n"
	"Contact: <sip:100@10.0.0.10:5060>\r\n"
	"Expires: 3600\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n";
static const char reg_ok[] =
	"SIP/2.0 200 OK\r\n"
	"Via: SIP/2.0/UDP 203.0.113.1:5060;branch=z9hG4bK1\r\n"
	"From: <sip:100@example.com>;tag=f1\r\n"
	"To: <sip:100@example.com>;tag=r1\r\n"
	"Call-ID: REGISTER-1@10.0.0.10\r\nCSeq: 1 REGISTER\r\n"
	"Contact: <sip:100@203.0.113.1:5060>;expires=3600\r\n"
	"Expires: 3600\r\nContent-Length: 0\r\n\r\n";
static const char inv[] =
	"INVITE sip:200@192.0.2.20 SIP/2.0\r\n" HDRS("INVITE", "1")
	"To: <sip:200@192.0.2.20>\r\n"
	"Contact: <sip:100@10.0.0.10:5060>\r\n"
	"Max-Forwards: 70\r\nContent-Type: application/sdp\r\n"
	"Content-Length: 109\r\n\r\n"
	"v=0\r\no=- 1 1 IN IP4 10.0.0.10\r\ns=-\r\nc=IN IP4 10.0.0.10\r\n"
	"t=0 0\r\nm=audio 4000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";
static const char inv_ok[] =
	"SIP/2.0 200 OK\r\n"
	"Via: SIP/2.0/UDP 203.0.113.1:5060;branch=z9hG4bK1\r\n"
	"From: <sip:100@example.com>;tag=f1\r\n"
	"To: <sip:200@192.0.2.20>;tag=t2\r\n"
	"Call-ID: INVITE-1@10.0.0.10\r\nCSeq: 1 INVITE\r\n"
	"Contact: <sip:200@192.0.2.20:5060>\r\n"
	"Content-Type: application/sdp\r\nContent-Length: 111\r\n\r\n"
	"v=0\r\no=- 2 2 IN IP4 192.0.2.20\r\ns=-\r\nc=IN IP4 192.0.2.20\r\n"
	"t=0 0\r\nm=audio 6000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";
static const char bye[] =
	"BYE sip:200@192.0.2.20:5060 SIP/2.0\r\n" HDRS("INVITE", "2")
	"To: <sip:200@192.0.2.20>;tag=t2\r\n"
	"Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n";

static bool same_elem(const struct nat_elem *x, const struct nat_elem *y)
{
	return x->in_port == y->in_port && x->pub_port == y->pub_port &&
	       x->in_addr.v4.s_addr == y->in_addr.v4.s_addr &&
	       x->pub_addr.v4.s_addr == y->pub_addr.v4.s_addr;
}

/* Apply call k was made before (or after) the verdict with these. */
static void check_applied(unsigned k, bool after, unsigned n_add,
			  unsigned n_del)
{
	assert_true(k < n_applied);
	assert_int_equal(applied[k].after, after);
	assert_int_equal(applied[k].n_add, n_add);
	assert_int_equal(applied[k].n_del, n_del);
}

/*
 * New bindings are in the kernel before the verdict; removals and timeout
 * refreshes of elements the kernel already has follow it (alg_packet sends
 * the verdict in between), and a caller that skips alg_after_verdict gets
 * it done before the next packet.
 */
static void test_after_verdict(void **state)
{
	struct pipe *p = calloc(1, sizeof(*p));

	(void)state;
	assert_non_null(p);
	assert_int_equal(pipe_init(p, false), 0);
	p->alg->nat.apply = rec_apply;

	/* REGISTER: the phone's signalling binding is new: before. */
	n_applied = 0;
	assert_int_equal(one(p, RW_OUT, reg, true), 1);
	assert_int_equal(n_applied, 1);
	check_applied(0, false, 1, 0);

	/* Its 200: a refresh (remove and add the same element, longer
	 * timeout), all of it after the verdict. */
	n_applied = 0;
	assert_int_equal(one(p, RW_IN, reg_ok, true), 1);
	assert_int_equal(n_applied, 1);
	check_applied(0, true, 1, 1);
	assert_true(same_elem(&applied[0].add, &applied[0].del));
	assert_true(applied[0].add.timeout > 3600);

	/* INVITE with SDP: RTP and RTCP bindings before the verdict. */
	n_applied = 0;
	assert_int_equal(one(p, RW_OUT, inv, true), 1);
	check_applied(0, false, 2, 0);
	assert_int_equal(applied[0].add.in_port, 4000);
	assert_true(n_applied == 1 || applied[1].after);

	assert_int_equal(one(p, RW_IN, inv_ok, true), 1);

	/* BYE: nothing before the verdict, both removals after; a caller
	 * that does not call alg_after_verdict gets them at the next
	 * packet, before that packet's own work. */
	n_applied = 0;
	one(p, RW_OUT, bye, false);
	assert_int_equal(n_applied, 0);
	assert_true(p->alg->after_pending);
	one(p, RW_OUT, "\r\n\r\n", true);
	assert_int_equal(n_applied, 1);
	check_applied(0, false, 0, 2);
	assert_false(p->alg->after_pending);

	pipe_free(p);
	free(p);
}

/*
 * Ended calls' bindings wait in a->pending for the next conntrack sweep.
 * Without a sweep (this stub backend has none) or with more ended calls
 * than it holds, the list must stay within its array: once, ended calls
 * piled up past it between sweeps (the pipeline fuzzer found it).
 */
static void test_pending_bounded(void **state)
{
	struct pipe *p = calloc(1, sizeof(*p));
	static char m[3][2048];
	unsigned i;

	(void)state;
	assert_non_null(p);
	assert_int_equal(pipe_init(p, false), 0);
	for (i = 0; i < ALG_PENDING; i++) {
		/* The templates with a Call-ID of the same length per call. */
		snprintf(m[0], sizeof(m[0]), "%s", inv);
		snprintf(m[1], sizeof(m[1]), "%s", inv_ok);
		snprintf(m[2], sizeof(m[2]), "%s", bye);
		for (unsigned k = 0; k < 3; k++) {
			char *id = strstr(m[k], "INVITE-1@");

			assert_non_null(id);
			id[7] = (char)('A' + i % 26);
			id[8] = (char)('A' + i / 26 % 26);
			memmove(id + 10, id + 8, strlen(id + 8) + 1);
			id[8] = (char)('A' + i / 676 % 26);
			id[9] = '@';
		}
		assert_int_equal(one(p, RW_OUT, m[0], true), 1);
		assert_int_equal(one(p, RW_IN, m[1], true), 1);
		one(p, RW_OUT, m[2], true);
		assert_true(p->alg->n_pending <= ALG_PENDING);
		if (i % 64 == 63)	/* a tick reads the fields after it */
			alg_tick(p->alg, false, NULL);
	}
	assert_true(p->alg->st.calls_ended >= ALG_PENDING / 2);
	pipe_free(p);
	free(p);
}

/*
 * A STUN Binding request on a SIP port (a SIP outbound keep-alive, RFC
 * 5626 4.4.2, or a NAT-aware phone asking its mapping) is not bad input:
 * it passes unchanged, counted as unchanged with no reason.  A SIP-looking
 * packet of the same size without the magic cookie still is bad input.
 */
static void test_stun_keepalive(void **state)
{
	static const char stun[20] = { 0x00, 0x01, 0x00, 0x00, 0x21, 0x12,
				       (char)0xa4, 0x42, 1, 2, 3, 4, 5, 6,
				       7, 8, 9, 10, 11, 12 };
	char junk[20];
	struct pipe *p = calloc(1, sizeof(*p));
	const char *reason, *out;
	uint32_t out_len;

	(void)state;
	assert_non_null(p);
	assert_int_equal(pipe_init(p, false), 0);
	assert_int_equal(pipe_run(p, RW_OUT, stun, sizeof(stun), &reason,
				  &out, &out_len), PIPE_UNCHANGED);
	assert_null(reason);
	assert_int_equal(pipe_run(p, RW_IN, stun, sizeof(stun), &reason,
				  &out, &out_len), PIPE_UNCHANGED);
	memcpy(junk, stun, sizeof(junk));
	junk[4] = 'X';	/* no magic cookie: not STUN */
	assert_int_equal(pipe_run(p, RW_OUT, junk, sizeof(junk), &reason,
				  &out, &out_len), PIPE_PASSED);
	assert_non_null(reason);
	pipe_free(p);
	free(p);
}

/*
 * At start the daemon adopts a mapping the kernel made while it was not
 * running (main.c hands alg_adopt_map each masqueraded SIP flow): the
 * socket's binding takes that public port, its REGISTER leaves naming it,
 * a second flow of the same socket changes nothing, and a mapping onto an
 * address that is not ours is refused.
 */
static void test_adopt_at_start(void **state)
{
	struct pipe *p = calloc(1, sizeof(*p));
	struct nat_map m = { .in_port = 5060, .pub_port = 41000 };
	union addr in = { 0 };
	struct binding *b;
	uint32_t olen = 0;

	(void)state;
	assert_non_null(p);
	assert_int_equal(pipe_init(p, false), 0);
	inet_pton(AF_INET, PIPE_PHONE, &in.v4);
	inet_pton(AF_INET, "198.51.100.7", &m.pub_addr.v4);
	assert_int_equal(alg_adopt_map(p->alg, &m, &in, 180), -1);
	inet_pton(AF_INET, PIPE_PUBLIC, &m.pub_addr.v4);
	assert_int_equal(alg_adopt_map(p->alg, &m, &in, 180), 1);
	assert_int_equal(alg_adopt_map(p->alg, &m, &in, 180), 0);
	b = calls_binding_find(p->alg->calls, AF_INET, &in, 5060);
	assert_non_null(b);
	assert_int_equal(b->pub_port, 41000);
	pipe_build(p, RW_OUT, reg, (uint32_t)strlen(reg));
	assert_int_equal(alg_process(p->alg, p->pkt, p->pkt_len, PIPE_IN_IF,
				     PIPE_OUT_IF, &olen), 1);
	assert_non_null(memmem(p->alg->out_pkt, olen,
			       "UDP 203.0.113.1:41000;", 22));
	pipe_free(p);
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_oracle_fails),
		cmocka_unit_test(test_rfc4475),
		cmocka_unit_test(test_rfc5118),
		cmocka_unit_test(test_protos),
		cmocka_unit_test(test_case0_after),
		cmocka_unit_test(test_after_verdict),
		cmocka_unit_test(test_pending_bounded),
		cmocka_unit_test(test_stun_keepalive),
		cmocka_unit_test(test_adopt_at_start),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
