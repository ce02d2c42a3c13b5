/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <sys/socket.h>
#include <netinet/tcp.h>
#include <stddef.h>
#include <string.h>

#include "tcpseg.h"

#define OPT_EOL 0
#define OPT_NOP 1
#define OPT_SACK 5

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static void wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

#define OPT_TS 8

/* The SACK option (RFC 2018 3) and the timestamps option (RFC 7323 3)
 * among options o[0..n), at offset base. */
static void opts_find(const uint8_t *o, uint32_t n, uint32_t base,
		      struct tcpseg *s)
{
	uint32_t i = 0;

	while (i < n && o[i] != OPT_EOL) {
		uint8_t l;

		if (o[i] == OPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= n || (l = o[i + 1]) < 2 || l > n - i)
			return;
		if (o[i] == OPT_TS && l == 10) {
			s->ts_at = base + i;
			s->tsval = rd32(o + i + 2);
		}
		if (o[i] == OPT_SACK && l >= 10 && (l - 2) % 8 == 0 &&
		    !s->sack_at) {
			unsigned k;

			s->sack_at = base + i;
			s->n_sack = (l - 2u) / 8u;
			for (k = 0; k < s->n_sack && k < TCPSEG_MAX_SACK; k++) {
				s->sack[k][0] = rd32(o + i + 2 + 8 * k);
				s->sack[k][1] = rd32(o + i + 6 + 8 * k);
			}
		}
		i += l;
	}
}

/* The IP header of d[0..len): family, addresses, header and total
 * lengths into s and *tot; NULL or what is wrong. */
static const char *ip_parse(const uint8_t *d, uint32_t len, struct tcpseg *s,
			    uint32_t *tot)
{
	struct iphdr ip;
	struct ip6_hdr ip6;

	if (!d || len < 1)
		return "short IP header";
	if (d[0] >> 4 == 6) {
		if (len < sizeof(ip6))
			return "short IP header";
		memcpy(&ip6, d, sizeof(ip6));
		*tot = (uint32_t)sizeof(ip6) + ntohs(ip6.ip6_plen);
		if (*tot > len)
			return "bad IP length";
		if (ip6.ip6_nxt != IPPROTO_TCP)
			return "not TCP (or an IPv6 extension header)";
		s->family = AF_INET6;
		memcpy(&s->src.v6, &ip6.ip6_src, 16);
		memcpy(&s->dst.v6, &ip6.ip6_dst, 16);
		s->ip_len = sizeof(ip6);
		return NULL;
	}
	if (len < sizeof(ip))
		return "short IP header";
	memcpy(&ip, d, sizeof(ip));
	s->ip_len = ip.ihl * 4u;
	*tot = ntohs(ip.tot_len);
	if (ip.version != 4 || s->ip_len < sizeof(ip) || *tot < s->ip_len ||
	    *tot > len)
		return "bad IP length";
	if (ip.protocol != IPPROTO_TCP)
		return "not TCP";
	if (ntohs(ip.frag_off) & (IP_MF | IP_OFFMASK))
		return "IP fragment";
	s->family = AF_INET;
	s->src.v4.s_addr = ip.saddr;
	s->dst.v4.s_addr = ip.daddr;
	return NULL;
}

const char *tcpseg_parse(const uint8_t *d, uint32_t len, struct tcpseg *s)
{
	struct tcphdr th;
	uint32_t ihl, tot = 0, thl;
	const char *why;

	memset(s, 0, sizeof(*s));
	why = ip_parse(d, len, s, &tot);
	if (why)
		return why;
	ihl = s->ip_len;
	if (tot - ihl < sizeof(th))
		return "short TCP header";
	memcpy(&th, d + ihl, sizeof(th));
	thl = th.th_off * 4u;
	if (thl < sizeof(th) || thl > tot - ihl)
		return "bad TCP header length";
	s->sport = ntohs(th.th_sport);
	s->dport = ntohs(th.th_dport);
	s->seq = ntohl(th.th_seq);
	s->ack = ntohl(th.th_ack);
	s->flags = th.th_flags;
	s->hdr_len = ihl + thl;
	s->payload = d + ihl + thl;
	s->plen = tot - ihl - thl;
	opts_find(d + ihl + sizeof(th), thl - (uint32_t)sizeof(th),
		  ihl + (uint32_t)sizeof(th), s);
	if (s->n_sack > TCPSEG_MAX_SACK)
		s->n_sack = TCPSEG_MAX_SACK;
	return NULL;
}

static uint32_t sum16(const uint8_t *p, uint32_t n, uint32_t acc)
{
	uint32_t i;

	for (i = 0; i + 1 < n; i += 2)
		acc += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		acc += (uint32_t)p[n - 1] << 8;
	return acc;
}

static uint16_t fold(uint32_t acc)
{
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)~acc;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* The IP lengths and checksums, and the TCP checksum over the pseudo
 * header (RFC 793 3.1; RFC 8200 8.1 for IPv6). */
static void checksums(uint8_t *out, int family, uint32_t ihl, uint32_t tot)
{
	uint32_t acc, tl = tot - ihl;
	uint8_t ph[40];
	size_t n;

	if (family == AF_INET6) {
		put16(out + 4, (uint16_t)tl);
		memcpy(ph, out + 8, 32);
		memset(ph + 32, 0, 8);
		ph[34] = (uint8_t)(tl >> 8);
		ph[35] = (uint8_t)tl;
		ph[39] = IPPROTO_TCP;
		n = 40;
	} else {
		put16(out + 2, (uint16_t)tot);
		put16(out + 10, 0);
		put16(out + 10, fold(sum16(out, ihl, 0)));
		memcpy(ph, out + 12, 8);
		ph[8] = 0;
		ph[9] = IPPROTO_TCP;
		put16(ph + 10, (uint16_t)tl);
		n = 12;
	}
	put16(out + ihl + 16, 0);
	acc = sum16(ph, (uint32_t)n, 0);
	put16(out + ihl + 16, fold(sum16(out + ihl, tl, acc)));
}

long tcpseg_build(const uint8_t *d, const struct tcpseg *s, uint32_t seq,
		  uint32_t ack, const uint32_t (*sack)[2], const char *pl,
		  uint32_t plen, uint8_t *out, uint32_t cap)
{
	uint32_t ihl = s->ip_len, tot = s->hdr_len + plen, k;

	if (tot > cap || tot > 65535)
		return -1;
	memcpy(out, d, s->hdr_len);
	if (plen)
		memcpy(out + s->hdr_len, pl, plen);
	wr32(out + ihl + 4, seq);
	wr32(out + ihl + 8, ack);
	if (s->sack_at) {
		uint8_t *o = out + s->sack_at;

		if (!sack)
			memset(o, OPT_NOP, o[1]);
		for (k = 0; sack && k < s->n_sack; k++) {
			wr32(o + 2 + 8 * k, sack[k][0]);
			wr32(o + 6 + 8 * k, sack[k][1]);
		}
	}
	if (s->ts_at)
		wr32(out + s->ts_at + 2, s->tsval);
	checksums(out, s->family, ihl, tot);
	return (long)tot;
}
