/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SIPALG_BENCH_MSGS_H
#define SIPALG_BENCH_MSGS_H

#include <stddef.h>
#include <stdint.h>

/*
 * SIP messages for the benchmarks: one phone behind the gateway calling
 * and registering with one peer outside.  Requests are written from
 * templates; responses and in-dialog requests are built from the message
 * they answer as it arrived (after the gateway rewrote it), the way a user
 * agent would.  Every message carries "X-Ts: <ns>" (CLOCK_MONOTONIC at
 * sending) for latency.  All functions return the length written or -1
 * when cap is too small.
 */

struct msgs_party {
	const char *phone;	/* inside address, e.g. 10.0.0.10 */
	unsigned phone_port;	/* its SIP port */
	const char *peer;	/* outside peer/registrar, e.g. 203.0.113.10 */
	unsigned salt;		/* makes Call-IDs unique across runs */
	unsigned stride;	/* calls are spread over this many phones,
				 * call i on phone i % stride (0 = 1) */
};

enum msgs_kind {
	MSG_INVITE, MSG_200_INVITE, MSG_ACK, MSG_BYE, MSG_200_BYE,
	MSG_REGISTER, MSG_200_REGISTER, MSG_OTHER, MSG_KINDS
};

extern const char *const msgs_kind_name[MSG_KINDS];

/* msgs_invite - INVITE number i with an SDP offer on media port
 * 10000 + 2 * ((i / stride) % 25000): number calls consecutively across
 * runs so that no two live calls of one phone share a media port. */
int msgs_invite(char *b, size_t cap, const struct msgs_party *p, unsigned i,
		uint64_t ts);

/* msgs_register - REGISTER of user u<i % 1000>, Expires 60. */
int msgs_register(char *b, size_t cap, const struct msgs_party *p,
		  unsigned i, uint64_t ts);

/* msgs_reply - the peer's 200 to request req[0..n): to an INVITE with an
 * SDP answer (media port 20000 + 2 * (i % 20000)), to a REGISTER with its
 * Contact, to anything else plain. */
int msgs_reply(char *b, size_t cap, const struct msgs_party *p,
	       const char *req, size_t n, unsigned i, uint64_t ts);

/* msgs_in_dialog - the phone's ACK (cseq 0) or BYE (cseq > 0) for the
 * 200 to an INVITE in resp[0..n). */
int msgs_in_dialog(char *b, size_t cap, const struct msgs_party *p,
		   const char *resp, size_t n, unsigned branch, uint64_t ts);

/* msgs_kind - classify a message we generated. */
enum msgs_kind msgs_kind(const char *m, size_t n);

/* msgs_ts - the X-Ts value, or 0. */
uint64_t msgs_ts(const char *m, size_t n);

#endif
