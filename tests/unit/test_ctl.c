// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_ctl.c - the operator's interfaces without sockets: the control
 * protocol (ctl_handle) and the HTTP listener (http_handle) over a call
 * and a registration made by real messages through the pipeline
 * (tests/fuzz/pipe.h): listings, framing of partial and bad requests,
 * ending a call, metrics text, status page, HTTP errors, dropped and
 * passed unchanged told apart by reason.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "../fuzz/pipe.h"
#include "../fuzz/opsgw.h"
#include "view.h"

#define CID OPSGW_CID

static struct pipe p;
static struct meter m;
static struct ctl_ops ops;
static int reloads;

static int fake_reload(void *ctx, char *err, size_t len)
{
	reloads++;
	snprintf(err, len, "x.conf:3: unknown key 'nope': nope = 1");
	return -1;
}

static int setup(void **state)
{
	return opsgw_init(&p, &ops, &m, fake_reload) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
	pipe_free(&p);
	return 0;
}

/* ask - one request through ctl_handle; the reply (static). */
static const char *ask(const char *req)
{
	static struct buf out;

	buf_free(&out);
	assert_int_equal(ctl_handle(&ops, req, strlen(req), &out), 1);
	assert_non_null(out.p);
	return out.p;
}

static void test_listings(void **state)
{
	const char *r = ask("calls json\n");

	assert_true(!strncmp(r, "ok\n[", 4));
	assert_non_null(strstr(r, "\"call_id\":\"" CID "\""));
	assert_non_null(strstr(r, "\"phone\":\"10.0.0.10:5060\""));
	assert_non_null(strstr(r, "\"far_end\":\"192.0.2.20:50000\""));
	assert_non_null(strstr(r, "\"inside\":\"10.0.0.10:40000\""));
	r = ask("calls\n");
	assert_true(!strncmp(r, "ok\nCALL-ID", 10));
	assert_non_null(strstr(r, CID));
	r = ask("registrations json\r\n");
	assert_non_null(strstr(r, "\"aor\":\"sip:alice@192.0.2.20\""));
	assert_non_null(strstr(r, "\"contact\":\"10.0.0.10:5060\""));
	r = ask("bindings json\n");
	assert_non_null(strstr(r, "\"kind\":\"signalling\""));
	assert_non_null(strstr(r, "\"owner\":\"call " CID "\""));
	r = ask("stats json\n");
	assert_non_null(strstr(r, "\"calls\":1,"));
	assert_non_null(strstr(r, "\"registrations\":1,"));
	assert_non_null(strstr(r, "\"latency\":{\"work\":"));
}

static void test_requests(void **state)
{
	struct buf out = { 0 };
	char longline[1200];

	/* No newline yet: more is needed, nothing answered. */
	assert_int_equal(ctl_handle(&ops, "cal", 3, &out), 0);
	assert_null(out.p);
	assert_true(!strncmp(ask("bogus\n"), "error unknown command", 21));
	assert_true(!strncmp(ask("calls json extra\n"), "error usage", 11));
	assert_true(!strncmp(ask("\n"), "error empty", 11));
	memset(longline, 'a', sizeof(longline) - 2);
	longline[sizeof(longline) - 2] = '\n';
	longline[sizeof(longline) - 1] = '\0';
	assert_true(!strncmp(ask(longline), "error request line too long",
			     27));
	assert_true(!strncmp(ask("reload\n"), "error reload refused: x.conf:3",
			     30));
	assert_int_equal(reloads, 1);
	assert_true(!strncmp(ask("version\n"), "ok\nsipalgd ", 11));
	buf_free(&out);
}

static void test_end(void **state)
{
	struct calls_stats s;
	uint64_t dels = p.dels;
	const char *r;

	assert_true(!strncmp(ask("end nosuch@x\n"), "error no call", 13));
	r = ask("end " CID "\n");
	if (strncmp(r, "ok\nended call ", 14))
		fail_msg("%s", r);
	calls_stats(p.alg->calls, &s);
	assert_int_equal(s.calls, 0);
	assert_int_equal(s.media_bindings, 0);
	assert_true(p.dels >= dels + 2);	/* RTP and RTCP elements */
	assert_non_null(strstr(ask("calls json\n"), "ok\n[]"));
}

static const char *get(const char *req)
{
	static struct buf out;

	buf_free(&out);
	assert_int_equal(http_handle(&ops, req, strlen(req), &out), 1);
	return out.p;
}

static void test_http(void **state)
{
	struct buf out = { 0 };
	const char *r, *body;

	assert_int_equal(http_handle(&ops, "GET / HTTP/1.1\r\nHost: x\r\n", 25,
				     &out), 0);
	r = get("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
	assert_true(!strncmp(r, "HTTP/1.0 200 OK\r\n", 17));
	assert_non_null(strstr(r, "text/plain; version=0.0.4"));
	assert_non_null(strstr(r, "\nsipalg_calls 1\n"));
	assert_non_null(strstr(r, "\nsipalg_registrations 1\n"));
	assert_non_null(strstr(r, "sipalg_messages_total{dir=\"other\","
				  "result=\"rewritten\"} 0\n"));
	assert_non_null(strstr(r, "sipalg_hold_seconds_bucket{step=\"work\","
				  "le=\"+Inf\"} "));
	assert_non_null(strstr(r, "\nsipalg_tcp_connections 0\n"));
	assert_non_null(strstr(r, "\n# TYPE sipalg_policy_total counter\n"));
	body = strstr(r, "\r\n\r\n") + 4;
	assert_non_null(strstr(r, "Content-Length: "));
	assert_int_equal(strtoul(strstr(r, "Content-Length: ") + 16, NULL,
				 10), strlen(body));
	r = get("GET /?x=1 HTTP/1.0\n\n");
	assert_non_null(strstr(r, "<title>sipalg status</title>"));
	assert_non_null(strstr(r, CID));
	assert_non_null(strstr(r, "sip:alice@192.0.2.20"));
	assert_null(strstr(r, "<script"));
	assert_null(strstr(r, "src="));
	r = get("HEAD / HTTP/1.1\r\n\r\n");
	assert_true(!strncmp(r, "HTTP/1.0 200 OK", 15));
	assert_string_equal(strstr(r, "\r\n\r\n"), "\r\n\r\n");
	assert_true(!strncmp(get("POST /metrics HTTP/1.1\r\n\r\n"),
			     "HTTP/1.0 405", 12));
	assert_true(!strncmp(get("GET /nope HTTP/1.1\r\n\r\n"),
			     "HTTP/1.0 404", 12));
	assert_true(!strncmp(get("GET /metrics\r\n\r\n"), "HTTP/1.0 405",
			     12));
	buf_free(&out);
}

/* Dropped and passed unchanged are told apart by reason: the same
 * malformed message once with fail_closed (dropped), once without. */
static void test_dropped_by_reason(void **state)
{
	static const char junk[] = "NOT SIP AT ALL\r\n\r\n";
	const char *reason, *out, *r;
	uint32_t out_len;

	p.conf.fail_closed = true;
	assert_int_equal(pipe_run(&p, RW_OUT, junk, sizeof(junk) - 1, &reason,
				  &out, &out_len), PIPE_DROPPED);
	p.conf.fail_closed = false;
	assert_int_equal(pipe_run(&p, RW_OUT, junk, sizeof(junk) - 1, &reason,
				  &out, &out_len), PIPE_PASSED);
	assert_string_equal(reason, "not SIP");
	r = ask("stats\n");
	assert_non_null(strstr(r, "\npassed unchanged because not SIP: 1\n"));
	assert_non_null(strstr(r, "\ndropped because not SIP: 1\n"));
	r = ask("stats json\n");
	assert_non_null(strstr(r, "\"passed_unchanged_by_reason\":"
				  "{\"not SIP\":1}"));
	assert_non_null(strstr(r, "\"dropped_by_reason\":{\"not SIP\":1}"));
	r = get("GET /metrics HTTP/1.1\r\n\r\n");
	assert_non_null(strstr(r, "\nsipalg_passed_unchanged_total{reason="
				  "\"not SIP\"} 1\n"));
	assert_non_null(strstr(r, "\nsipalg_dropped_total{reason=\"not SIP\"} "
				  "1\n"));
}

/* A Call-ID is the sender's bytes: an outside caller can put terminal
 * escapes in it.  The text listings and the log line show them escaped
 * (\xNN), JSON as \u00NN; "end" still takes the exact bytes. */
static void test_hostile_callid(void **state)
{
	static const char id[] = "evil\x1b[2J\x07\x80x@10.0.0.10";
	char inv[1024];
	const char *reason, *out, *r;
	uint32_t out_len;
	struct buf line = { 0 };
	const struct call *k;

	snprintf(inv, sizeof(inv), "INVITE sip:bob@192.0.2.20 SIP/2.0\r\n"
		 "Via: SIP/2.0/UDP 10.0.0.10:5060;branch=z9hG4bKe1\r\n"
		 "From: <sip:alice@192.0.2.20>;tag=e1\r\n"
		 "To: <sip:bob@192.0.2.20>\r\nCall-ID: %s\r\n"
		 "CSeq: 1 INVITE\r\nContact: <sip:alice@10.0.0.10:5060>\r\n"
		 "Content-Type: application/sdp\r\nContent-Length: %zu\r\n"
		 "\r\n%s", id, strlen(OPSGW_SDP), OPSGW_SDP);
	assert_int_equal(pipe_run(&p, RW_OUT, inv, (uint32_t)strlen(inv),
				  &reason, &out, &out_len), PIPE_REWRITTEN);
	r = ask("calls\n");
	assert_null(strchr(r, '\x1b'));
	assert_null(strchr(r, '\x07'));
	assert_non_null(strstr(r, "evil\\x1b[2J\\x07\\x80x@10.0.0.10"));
	r = ask("bindings\n");
	assert_null(strchr(r, '\x1b'));
	r = ask("calls json\n");
	assert_non_null(strstr(r, "\"evil\\u001b[2J\\u0007\\u0080x@10.0.0.10\""));
	k = calls_find(p.alg->calls, id, strlen(id));
	assert_non_null(k);
	view_call_line(&line, p.alg, k);
	assert_null(strchr(line.p, '\x1b'));
	assert_non_null(strstr(line.p, "call evil\\x1b[2J"));
	buf_free(&line);
	assert_int_equal(alg_end_call(p.alg, id, strlen(id)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_listings),
		cmocka_unit_test(test_requests),
		cmocka_unit_test(test_http),
		cmocka_unit_test(test_dropped_by_reason),
		cmocka_unit_test(test_hostile_callid),
		cmocka_unit_test(test_end),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
