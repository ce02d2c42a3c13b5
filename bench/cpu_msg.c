/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cpu_msg - the pure per-message pipeline (sip_scan, rewrite_plan,
 * edits_apply) over N complete calls, one function per message type so
 * that callgrind can count instructions per type:
 *
 *   valgrind --tool=callgrind bench/cpu_msg N
 *   callgrind_annotate --inclusive=yes callgrind.out.PID | grep run_
 *
 * Each call is INVITE (SDP) out, 200 (SDP) in, ACK out, BYE out, 200 in,
 * REGISTER out, 200 in, and one datagram that is not SIP.  Replies are
 * built from the rewritten request, as the peer would see it.  The kernel
 * plan is computed but not applied (no kernel).  Prints how many messages
 * of each type were rewritten; exits 1 when a message the gateway must
 * rewrite left with the phone's private address or a plan was refused.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "msgs.h"
#include "rewrite.h"

#define BUF 65536

static struct conf conf;
static struct calls *calls;
static struct prefix inside = { .family = AF_INET, .len = 24 };
static union addr phone_ip, peer_ip, pub_ip;
static struct rw_result rw;
static struct sip_msg sm;
static char out[BUF];
static uint64_t now_s = 1000;
static unsigned rewritten[MSG_KINDS], refused[MSG_KINDS], seen[MSG_KINDS];

/* The pipeline for one message; the result is in out.  Returns its length,
 * or -1 when the message passes unchanged (not SIP, plan refused). */
static long pipeline(enum rw_dir dir, const char *in, size_t n)
{
	struct rw_ctx x = {
		.conf = &conf, .calls = calls, .now = now_s++, .dir = dir,
		.family = AF_INET, .sport = 5060, .dport = 5060,
		.pub = pub_ip, .inside = &inside, .n_inside = 1,
	};

	x.src = dir == RW_OUT ? phone_ip : peer_ip;
	x.dst = dir == RW_OUT ? peer_ip : phone_ip;
	if (sip_scan(&sm, in, (uint32_t)n) != SIP_OK)
		return -1;
	if (rewrite_plan(&x, &sm, &rw) < 0)
		return -1;
	rewrite_commit(&x, &rw);
	return edits_apply(&rw.edits, in, (uint32_t)n, out, sizeof(out));
}

/* One function per type: callgrind's inclusive cost of each is the cost of
 * that type. */
#define RUN_FN(name, dir)                                                   \
	static __attribute__((noinline)) long name(const char *in, size_t n) \
	{                                                                   \
		return pipeline(dir, in, n);                                \
	}
RUN_FN(run_invite, RW_OUT)
RUN_FN(run_200_invite, RW_IN)
RUN_FN(run_ack, RW_OUT)
RUN_FN(run_bye, RW_OUT)
RUN_FN(run_200_bye, RW_IN)
RUN_FN(run_register, RW_OUT)
RUN_FN(run_200_register, RW_IN)
RUN_FN(run_other, RW_OUT)

typedef long (*run_fn)(const char *, size_t);

static const run_fn runs[MSG_KINDS] = {
	run_invite, run_200_invite, run_ack, run_bye, run_200_bye,
	run_register, run_200_register, run_other,
};

/* Run message in[0..n) of kind k; the result (or the input, when passed
 * unchanged) is copied to res.  Returns its length. */
static size_t step(enum msgs_kind k, const char *in, size_t n, char *res)
{
	long r = runs[k](in, n);
	int rewrite_out = k == MSG_INVITE || k == MSG_REGISTER ||
			  k == MSG_ACK || k == MSG_BYE;

	seen[k]++;
	if (r < 0) {
		if (k != MSG_OTHER)
			refused[k]++;
		memcpy(res, in, n);
		return n;
	}
	if ((size_t)r != n || memcmp(out, in, n))
		rewritten[k]++;
	if (rewrite_out && memmem(out, (size_t)r, "10.0.0.10", 9))
		refused[k]++;	/* private address left the gateway */
	memcpy(res, out, (size_t)r);
	return (size_t)r;
}

static void one_call(const struct msgs_party *p, unsigned i)
{
	static char a[BUF], b[BUF], c[BUF];
	static const char junk[172] = { 0x80, 0x00, 0x12, 0x34 };
	size_t n;
	int k;

	k = msgs_invite(a, sizeof(a), p, i, 1);
	n = step(MSG_INVITE, a, (size_t)k, b);
	k = msgs_reply(a, sizeof(a), p, b, n, i, 1);
	n = step(MSG_200_INVITE, a, (size_t)k, c);
	k = msgs_in_dialog(a, sizeof(a), p, c, n, 2 * i, 1);
	step(MSG_ACK, a, (size_t)k, b);
	k = msgs_in_dialog(a, sizeof(a), p, c, n, 2 * i + 1, 1);
	n = step(MSG_BYE, a, (size_t)k, b);
	k = msgs_reply(a, sizeof(a), p, b, n, i, 1);
	step(MSG_200_BYE, a, (size_t)k, c);
	k = msgs_register(a, sizeof(a), p, i, 1);
	n = step(MSG_REGISTER, a, (size_t)k, b);
	k = msgs_reply(a, sizeof(a), p, b, n, i, 1);
	step(MSG_200_REGISTER, a, (size_t)k, c);
	step(MSG_OTHER, junk, sizeof(junk), c);
}

int main(int argc, char **argv)
{
	struct msgs_party p = { "10.0.0.10", 5060, "203.0.113.10", 0x5a1, 1 };
	unsigned n = argc > 1 ? (unsigned)atoi(argv[1]) : 1000, i, k;
	int bad = 0;

	conf_defaults(&conf);
	inet_pton(AF_INET, "10.0.0.0", &inside.addr.v4);
	inet_pton(AF_INET, p.phone, &phone_ip.v4);
	inet_pton(AF_INET, p.peer, &peer_ip.v4);
	inet_pton(AF_INET, "203.0.113.1", &pub_ip.v4);
	calls = calls_new(&conf);
	if (!calls || calls_set_public(calls, AF_INET, &pub_ip, 1) < 0) {
		fprintf(stderr, "cpu_msg: calls_new failed\n");
		return 1;
	}
	for (i = 0; i < n; i++)
		one_call(&p, i);
	for (k = 0; k < MSG_KINDS; k++) {
		printf("%-13s seen %u rewritten %u refused-or-leaked %u\n",
		       msgs_kind_name[k], seen[k], rewritten[k], refused[k]);
		if (refused[k])
			bad = 1;
	}
	calls_free(calls);
	return bad;
}
