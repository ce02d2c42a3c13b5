/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SIPALG_TEST_PIPE_H
#define SIPALG_TEST_PIPE_H

/*
 * The daemon's per-packet pipeline (alg_process: pkt_parse -> sip_scan ->
 * rewrite_plan -> edits_apply -> pkt_replace_payload) driven without a
 * queue, for tests/unit/test_robust.c and tests/fuzz/fuzz_pipeline.c.
 * A SIP payload is wrapped in an IPv4/UDP packet travelling outbound
 * (phone 10.0.0.10:5060 -> 192.0.2.20:5060, leaving on the outside
 * interface) or inbound (192.0.2.20:5060 -> 10.0.0.10:5060, after the
 * kernel's DNAT, leaving on the inside interface); the gateway's public
 * address is 203.0.113.1 and the inside network 10.0.0.0/8.  The NAT
 * backend is a stub that accepts every plan; the caller may count what it
 * is asked to install.  Every rewritten packet is checked: IP and UDP
 * lengths and checksums, addresses and ports kept, and the rewrite oracle
 * (oracle.h) on the payload against the planner's edit list.
 * Link with alg.o pkt.o queue.o nat_ct.o, the pure modules and
 * $(PKG_LIBS) -losipparser2 -losip2.
 */

#include <arpa/inet.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alg.h"
#include "../unit/oracle.h"

#define PIPE_IN_IF 1
#define PIPE_OUT_IF 2
#define PIPE_PHONE "10.0.0.10"
#define PIPE_PEER "192.0.2.20"
#define PIPE_PUBLIC "203.0.113.1"
#define PIPE_MAX_PAYLOAD 65507
/* IPv6 mode (pipe.v6): the phone has a global address, no NAT. */
#define PIPE_PHONE6 "2001:db8:1::10"
#define PIPE_PEER6 "2001:db8:2::20"

enum pipe_outcome { PIPE_REWRITTEN, PIPE_UNCHANGED, PIPE_PASSED,
		    PIPE_DROPPED };

struct pipe {
	struct conf conf;
	struct alg *alg;
	uint64_t adds, dels;	/* bindings the stub was asked for */
	/* The stub refuses a batch when refuse is set, or every
	 * refuse_every-th batch (a kernel that says no). */
	bool refuse;
	unsigned refuse_every, applies;
	/* Other addresses than PIPE_PHONE / PIPE_PEER when set (quota
	 * tests: several hosts). */
	const char *phone, *peer;
	uint64_t refused;
	struct nat_plan last;	/* the last plan the stub accepted */
	/* IPv6 mode: IPv6 packets, pinholes (pin6) instead of NAT; a
	 * pinhole for anything but the phone's own address at or above
	 * bind_port_min is a finding (bad). */
	bool v6, bad;
	uint8_t pkt[PIPE_MAX_PAYLOAD + 48];
	uint32_t pkt_len;
	char why[512];		/* first oracle failure */
};

static uint64_t pipe_clock;

static uint64_t pipe_now(void)
{
	return pipe_clock;
}

static int pipe_apply(void *ctx, const struct nat_plan *plan)
{
	struct pipe *p = ctx;

	p->applies++;
	if (p->refuse || (p->refuse_every &&
			  p->applies % p->refuse_every == 0)) {
		p->refused++;
		return -1;
	}
	p->adds += plan->n_add;
	p->dels += plan->n_del;
	p->last = *plan;
	if (p->v6) {
		struct in6_addr ph;
		unsigned i;

		inet_pton(AF_INET6, PIPE_PHONE6, &ph);
		for (i = 0; i < plan->n_add; i++) {
			const struct nat_elem *e = &plan->add[i];

			if (e->family != AF_INET6 ||
			    memcmp(&e->in_addr.v6, &ph, 16) ||
			    e->in_port < p->conf.bind_port_min) {
				p->bad = true;
				snprintf(p->why, sizeof(p->why), "IPv6 pinhole "
					 "for another address or a low port "
					 "(%u)", e->in_port);
			}
		}
	}
	return 0;
}

static int pipe_forget(void *ctx, const struct nat_elem *e, unsigned n)
{
	return 0;
}

/* pipe_init - a fresh gateway (call state empty).  0 or -1. */
static inline int pipe_init(struct pipe *p, bool fail_closed)
{
	struct alg *a;

	memset(p, 0, sizeof(*p));
	conf_defaults(&p->conf);
	p->conf.fail_closed = fail_closed;
	p->conf.log_interval = 1u << 30;	/* one log line per reason */
	a = calloc(1, sizeof(*a));
	if (!a)
		return -1;
	a->conf = &p->conf;
	a->now = pipe_now;
	a->nat = (struct nat_ops){ .name = "stub", .apply = pipe_apply,
				   .forget = pipe_forget, .ctx = p,
				   .forget_ctx = p };
	a->in_ifindex = PIPE_IN_IF;
	a->out_ifindex = PIPE_OUT_IF;
	inet_pton(AF_INET, PIPE_PUBLIC, &a->pub.v4);
	a->inside[0].family = AF_INET;
	a->inside[0].len = 8;
	inet_pton(AF_INET, "10.0.0.0", &a->inside[0].addr.v4);
	a->n_inside = 1;
	a->calls = calls_new(&p->conf);
	if (!a->calls) {
		free(a);
		return -1;
	}
	calls_set_public(a->calls, AF_INET, &a->pub, 1);
	if (!pipe_clock)
		pipe_clock = 1000;
	p->alg = a;
	return 0;
}

/* pipe_init6 - pipe_init, then IPv6 mode: 2001:db8:1::/64 inside, IPv6
 * pinholes on (the daemon's ipv6 = yes).  0 or -1. */
static inline int pipe_init6(struct pipe *p)
{
	struct alg *a;

	if (pipe_init(p, false) < 0)
		return -1;
	a = p->alg;
	p->v6 = true;
	p->conf.ipv6 = true;
	a->inside[1].family = AF_INET6;
	a->inside[1].len = 64;
	inet_pton(AF_INET6, "2001:db8:1::", &a->inside[1].addr.v6);
	a->n_inside = 2;
	a->pin6 = pin6_new(&p->conf);
	return a->pin6 ? 0 : -1;
}

static inline void pipe_free(struct pipe *p)
{
	calls_free(p->alg->calls);
	pin6_free(p->alg->pin6);
	free(p->alg);
	p->alg = NULL;
}

/* FNV-1a over n bytes, continuing from h. */
static inline uint64_t pipe_fnv(uint64_t h, const void *v, size_t n)
{
	const unsigned char *c = v;

	while (n--)
		h = (h ^ *c++) * 1099511628211ull;
	return h;
}

#define PIPE_MIX(h, f) ((h) = pipe_fnv((h), &(f), sizeof(f)))

static inline void pipe_fp_binding(void *ctx, const struct binding *b)
{
	uint64_t *h = ctx;

	PIPE_MIX(*h, b->kind);
	*h = pipe_fnv(*h, &b->in_addr, 4);
	PIPE_MIX(*h, b->in_port);
	PIPE_MIX(*h, b->pub_port);
	PIPE_MIX(*h, b->expires);
	PIPE_MIX(*h, b->kernel_until);
	PIPE_MIX(*h, b->users);
	PIPE_MIX(*h, b->seen);
	PIPE_MIX(*h, b->sdp_seq);
	PIPE_MIX(*h, b->m_index);
	PIPE_MIX(*h, b->is_rtcp);
	if (b->sig) {
		*h = pipe_fnv(*h, b->sig->sent_by, strlen(b->sig->sent_by));
		*h = pipe_fnv(*h, b->sig->contact_hp,
			      strlen(b->sig->contact_hp));
		*h = pipe_fnv(*h, b->sig->route_hp, strlen(b->sig->route_hp));
		*h = pipe_fnv(*h, b->sig->reg, b->sig->n_reg *
			      sizeof(b->sig->reg[0]));
		PIPE_MIX(*h, b->sig->reg_callid);
		PIPE_MIX(*h, b->sig->reg_cseq);
		PIPE_MIX(*h, b->sig->sweep.due);
	}
}

static inline void pipe_fp_call(void *ctx, const struct call *k)
{
	uint64_t *h = ctx;
	unsigned i;

	*h = pipe_fnv(*h, k->callid, k->callid_len);
	PIPE_MIX(*h, k->sig);
	for (i = 0; i < k->n_bind; i++)
		PIPE_MIX(*h, k->bind[i]);
	PIPE_MIX(*h, k->setup_deadline);
	PIPE_MIX(*h, k->max_end);
	PIPE_MIX(*h, k->invite_cseq);
	PIPE_MIX(*h, k->sdp_seq);
	*h = pipe_fnv(*h, k->host_sdp, k->n_host * sizeof(k->host_sdp[0]));
	if (k->n_remote)
		*h = pipe_fnv(*h, k->remote, k->n_remote * sizeof(*k->remote));
	PIPE_MIX(*h, k->confirmed);
	*h = pipe_fnv(*h, k->dlg_tag, k->n_dlg * sizeof(k->dlg_tag[0]));
	*h = pipe_fnv(*h, k->dlg_host, k->n_dlg * sizeof(k->dlg_host[0]));
}

/* pipe_state - a fingerprint of the whole call state: every binding and
 * every call, field by field (order: the tables' own). */
static inline uint64_t pipe_state(struct pipe *p)
{
	uint64_t h = 14695981039346656037ull;
	struct calls_stats cs;

	calls_stats(p->alg->calls, &cs);
	PIPE_MIX(h, cs);
	calls_each_binding(p->alg->calls, pipe_fp_binding, &h);
	calls_each_call(p->alg->calls, pipe_fp_call, &h);
	return h;
}

/* One's complement sum of n bytes, folded later. */
static inline uint32_t pipe_sum(uint32_t s, const uint8_t *b, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += (uint32_t)b[i] << 8 | b[i + 1];
	if (n & 1)
		s += (uint32_t)b[n - 1] << 8;
	return s;
}

static inline uint16_t pipe_fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* UDP checksum over the pseudo header and udp[0..ulen) (RFC 768). */
static inline uint16_t pipe_udp_sum(const uint8_t *ip, const uint8_t *udp,
				    uint32_t ulen)
{
	uint32_t s = pipe_sum(0, ip + 12, 8);

	s += IPPROTO_UDP + ulen;
	return pipe_fold(pipe_sum(s, udp, ulen));
}

/* UDP header (5060 to 5060, length; checksum left to the caller) and
 * payload pl[0..n) at udp. */
static inline void pipe_udp_fill(uint8_t *udp, const char *pl, uint32_t n)
{
	udp[0] = 5060 >> 8;
	udp[1] = 5060 & 0xff;
	udp[2] = 5060 >> 8;
	udp[3] = 5060 & 0xff;
	udp[4] = (uint8_t)((n + 8) >> 8);
	udp[5] = (uint8_t)(n + 8);
	memcpy(udp + 8, pl, n);
}

/* pipe_build - wrap payload in an IPv4/UDP packet into p->pkt. */
static inline void pipe_build(struct pipe *p, enum rw_dir dir,
			      const char *pl, uint32_t n)
{
	uint8_t *ip = p->pkt, *udp = p->pkt + 20;
	struct in_addr phone, peer;
	uint16_t ck;

	if (n > PIPE_MAX_PAYLOAD)
		n = PIPE_MAX_PAYLOAD;
	inet_pton(AF_INET, p->phone ? p->phone : PIPE_PHONE, &phone);
	inet_pton(AF_INET, p->peer ? p->peer : PIPE_PEER, &peer);
	memset(ip, 0, 28);
	ip[0] = 0x45;
	ip[2] = (uint8_t)((n + 28) >> 8);
	ip[3] = (uint8_t)(n + 28);
	ip[6] = 0x40;		/* DF */
	ip[8] = 64;
	ip[9] = IPPROTO_UDP;
	memcpy(ip + 12, dir == RW_OUT ? &phone : &peer, 4);
	memcpy(ip + 16, dir == RW_OUT ? &peer : &phone, 4);
	ck = pipe_fold(pipe_sum(0, ip, 20));
	ip[10] = (uint8_t)(ck >> 8);
	ip[11] = (uint8_t)ck;
	pipe_udp_fill(udp, pl, n);
	ck = pipe_udp_sum(ip, udp, n + 8);
	if (!ck)
		ck = 0xffff;	/* 0 means "no checksum" */
	udp[6] = (uint8_t)(ck >> 8);
	udp[7] = (uint8_t)ck;
	p->pkt_len = n + 28;
}

/* pipe_build6 - the same as an IPv6/UDP packet (RFC 8200 8.1 checksum). */
static inline void pipe_build6(struct pipe *p, enum rw_dir dir,
			       const char *pl, uint32_t n)
{
	uint8_t *ip = p->pkt, *udp = p->pkt + 40;
	struct in6_addr phone, peer;
	uint32_t s;
	uint16_t ck;

	if (n > PIPE_MAX_PAYLOAD)
		n = PIPE_MAX_PAYLOAD;
	inet_pton(AF_INET6, PIPE_PHONE6, &phone);
	inet_pton(AF_INET6, PIPE_PEER6, &peer);
	memset(ip, 0, 48);
	ip[0] = 0x60;
	ip[4] = (uint8_t)((n + 8) >> 8);
	ip[5] = (uint8_t)(n + 8);
	ip[6] = IPPROTO_UDP;
	ip[7] = 64;
	memcpy(ip + 8, dir == RW_OUT ? &phone : &peer, 16);
	memcpy(ip + 24, dir == RW_OUT ? &peer : &phone, 16);
	pipe_udp_fill(udp, pl, n);
	s = pipe_sum(0, ip + 8, 32) + IPPROTO_UDP + n + 8;
	ck = pipe_fold(pipe_sum(s, udp, n + 8));
	if (!ck)
		ck = 0xffff;
	udp[6] = (uint8_t)(ck >> 8);
	udp[7] = (uint8_t)ck;
	p->pkt_len = n + 48;
}

/*
 * pipe_check_packet - the rewritten packet out[0..len) against the input
 * packet: header sane, lengths and checksums right, addresses and ports
 * unchanged; its payload is returned in *pl / *pl_len.
 */
static inline bool pipe_check_packet(struct pipe *p, const uint8_t *out,
				     uint32_t len, const char **pl,
				     uint32_t *pl_len)
{
	uint32_t tot, ulen;
	uint16_t ck;

	if (len < 28 || out[0] != 0x45) {
		snprintf(p->why, sizeof(p->why), "output packet header");
		return false;
	}
	tot = (uint32_t)out[2] << 8 | out[3];
	ulen = (uint32_t)out[24] << 8 | out[25];
	if (tot != len || ulen != len - 20) {
		snprintf(p->why, sizeof(p->why), "output lengths: ip %u udp "
			 "%u packet %u", tot, ulen, len);
		return false;
	}
	if (pipe_fold(pipe_sum(0, out, 20)) != 0) {
		snprintf(p->why, sizeof(p->why), "output IP checksum");
		return false;
	}
	ck = (uint16_t)(out[26] << 8 | out[27]);
	if (ck && pipe_fold(pipe_sum(pipe_sum(0, out + 12, 8) + IPPROTO_UDP +
				     ulen, out + 20, ulen)) != 0) {
		snprintf(p->why, sizeof(p->why), "output UDP checksum");
		return false;
	}
	if (memcmp(out + 12, p->pkt + 12, 8) || memcmp(out + 20, p->pkt + 20, 4)) {
		snprintf(p->why, sizeof(p->why), "output addresses or ports");
		return false;
	}
	*pl = (const char *)out + 28;
	*pl_len = len - 28;
	return true;
}

/* Index of the reason counter that moved since before[], or -1. */
static inline int pipe_reason(const struct alg *a, const uint64_t *before,
			      unsigned n_before)
{
	unsigned i;

	for (i = 0; i < a->n_reason; i++)
		if (i >= n_before || a->reason[i].count != before[i])
			return (int)i;
	return -1;
}

/*
 * pipe_run - one message through alg_process in direction dir.  Returns
 * the outcome; *reason gets the counted reason for PASSED/DROPPED (NULL
 * otherwise).  For REWRITTEN, *out / *out_len give the new payload.
 * Returns -1 (p->why says why) when the output breaks the oracle.
 */
static inline int pipe_run(struct pipe *p, enum rw_dir dir, const char *pl,
			   uint32_t n, const char **reason, const char **out,
			   uint32_t *out_len)
{
	struct alg *a = p->alg;
	uint64_t before[ALG_MAX_REASONS];
	unsigned i, n_before = a->n_reason;
	uint64_t unchanged = a->st.unchanged;
	uint32_t olen = 0, in_len;
	int v, k;

	for (i = 0; i < n_before; i++)
		before[i] = a->reason[i].count;
	*reason = NULL;
	if (p->v6)
		pipe_build6(p, dir, pl, n);
	else
		pipe_build(p, dir, pl, n);
	in_len = p->pkt_len - 28;
	pipe_clock++;
	v = alg_process(a, p->pkt, p->pkt_len,
			dir == RW_OUT ? PIPE_IN_IF : PIPE_OUT_IF,
			dir == RW_OUT ? PIPE_OUT_IF : PIPE_IN_IF, &olen);
	if (p->bad)
		return -1;	/* p->why: the pinhole */
	if (v == 1 && p->v6) {
		snprintf(p->why, sizeof(p->why), "an IPv6 message was "
			 "rewritten (no NAT: never)");
		return -1;
	}
	if (v == 1) {
		if (!pipe_check_packet(p, a->out_pkt, olen, out, out_len))
			return -1;
		if (!oracle_rewrite_ok((const char *)p->pkt + 28, in_len,
				       &a->rw.edits, *out, *out_len, p->why,
				       sizeof(p->why)))
			return -1;
		return PIPE_REWRITTEN;
	}
	k = pipe_reason(a, before, n_before);
	if (k >= 0)
		*reason = a->reason[k].what;
	if (v == 2) {
		if (!*reason) {
			snprintf(p->why, sizeof(p->why), "dropped without a "
				 "counted reason");
			return -1;
		}
		return PIPE_DROPPED;
	}
	if (v != 0) {
		snprintf(p->why, sizeof(p->why), "verdict %d", v);
		return -1;
	}
	if (a->st.unchanged == unchanged + 1 && !*reason)
		return PIPE_UNCHANGED;
	if (a->st.unchanged == unchanged && *reason)
		return PIPE_PASSED;
	snprintf(p->why, sizeof(p->why), "accepted without a defined outcome "
		 "(unchanged %llu -> %llu, reason %s)",
		 (unsigned long long)unchanged,
		 (unsigned long long)a->st.unchanged,
		 *reason ? *reason : "none");
	return -1;
}

#endif
