/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <stdbool.h>
#include <netinet/udp.h>
#include <string.h>
#include <sys/socket.h>

#include <libnetfilter_queue/libnetfilter_queue_ipv4.h>
#include <libnetfilter_queue/libnetfilter_queue_ipv6.h>
#include <libnetfilter_queue/libnetfilter_queue_udp.h>
#include <libnetfilter_queue/pktbuff.h>

#include "pkt.h"

/* The UDP header at off of an IP payload of len bytes ending at end:
 * fills the ports and payload of *v.  NULL or what is wrong. */
static const char *pkt_udp(const uint8_t *data, uint32_t off, uint32_t end,
			   struct pkt_view *v)
{
	struct udphdr udp;
	uint32_t ulen;

	if (end - off < sizeof(udp))
		return "short UDP header";
	memcpy(&udp, data + off, sizeof(udp));
	ulen = ntohs(udp.len);
	if (ulen < sizeof(udp) || ulen > end - off)
		return "bad UDP length";
	v->proto = IPPROTO_UDP;
	v->sport = ntohs(udp.source);
	v->dport = ntohs(udp.dest);
	v->l4_off = off;
	v->payload = data + off + sizeof(udp);
	v->payload_len = ulen - (uint32_t)sizeof(udp);
	return NULL;
}

static const char *pkt_parse4(const uint8_t *data, uint32_t len,
			      struct pkt_view *v)
{
	struct iphdr ip;
	uint32_t ihl, tot;

	if (len < sizeof(ip))
		return "short IP header";
	memcpy(&ip, data, sizeof(ip));
	ihl = ip.ihl * 4u;
	tot = ntohs(ip.tot_len);
	if (ihl < sizeof(ip) || tot < ihl || tot > len)
		return "bad IP length";
	if (ntohs(ip.frag_off) & (IP_MF | IP_OFFMASK))
		return "IP fragment";
	if (ip.protocol != IPPROTO_UDP)
		return "not UDP";
	v->family = AF_INET;
	v->src.v4.s_addr = ip.saddr;
	v->dst.v4.s_addr = ip.daddr;
	return pkt_udp(data, ihl, tot, v);
}

/* Extension headers the walk may step over (RFC 8200 4.1); a fragment
 * header means the packet was not reassembled: never scanned. */
static bool pkt_ext6(uint8_t nh)
{
	return nh == IPPROTO_HOPOPTS || nh == IPPROTO_ROUTING ||
	       nh == IPPROTO_DSTOPTS;
}

static const char *pkt_parse6(const uint8_t *data, uint32_t len,
			      struct pkt_view *v)
{
	struct ip6_hdr ip6;
	uint32_t off = sizeof(ip6), end;
	uint8_t nh;
	unsigned hops = 0;

	if (len < sizeof(ip6))
		return "short IP header";
	memcpy(&ip6, data, sizeof(ip6));
	end = sizeof(ip6) + ntohs(ip6.ip6_plen);
	if (end > len)
		return "bad IP length";
	nh = ip6.ip6_nxt;
	while (pkt_ext6(nh) && hops++ < 8) {
		if (end - off < 8)
			return "bad IPv6 extension header";
		nh = data[off];
		off += (data[off + 1] + 1u) * 8u;
		if (off > end)
			return "bad IPv6 extension header";
	}
	if (nh == IPPROTO_FRAGMENT)
		return "IP fragment";
	if (nh != IPPROTO_UDP)
		return "not UDP";
	v->family = AF_INET6;
	v->src.v6 = ip6.ip6_src;
	v->dst.v6 = ip6.ip6_dst;
	return pkt_udp(data, off, end, v);
}

const char *pkt_parse(const uint8_t *data, uint32_t len, struct pkt_view *v)
{
	if (!data || len < 1)
		return "short IP header";
	switch (data[0] >> 4) {
	case 4:
		return pkt_parse4(data, len, v);
	case 6:
		return pkt_parse6(data, len, v);
	default:
		return "not IP";
	}
}

/* Point pb's transport header at the UDP header of view v. */
static int pkt_set_l4(struct pkt_buff *pb, const struct pkt_view *v)
{
	if (v->family == AF_INET) {
		struct iphdr *ip = nfq_ip_get_hdr(pb);

		return ip ? nfq_ip_set_transport_header(pb, ip) : -1;
	}
	/* nfq_ip6_set_transport_header walks the same extension headers;
	 * it returns 1 when it found the target protocol. */
	{
		struct ip6_hdr *ip6 = nfq_ip6_get_hdr(pb);

		if (!ip6 || nfq_ip6_set_transport_header(pb, ip6,
							 IPPROTO_UDP) != 1)
			return -1;
	}
	return 0;
}

/* One's complement sum of p[0..n) as big-endian 16-bit words, added to
 * sum (RFC 1071); 32 bits at a time. */
static uint64_t csum_add(uint64_t sum, const uint8_t *p, uint32_t n)
{
	uint32_t w;

	for (; n >= 4; p += 4, n -= 4) {
		memcpy(&w, p, 4);
		sum += ntohl(w);
	}
	if (n >= 2) {
		sum += (uint32_t)p[0] << 8 | p[1];
		p += 2;
		n -= 2;
	}
	if (n)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

static uint16_t csum_fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* The IPv4 case without the library's packet buffer: the headers copied,
 * the payload written once, lengths and both checksums computed (the
 * packet path rewrites most SIP messages).  -1: not the plain shape
 * (UDP datagram ending the packet), for the general path. */
static long pkt_replace4(const uint8_t *data, uint32_t len,
			 const struct pkt_view *v, const char *pl,
			 uint32_t pl_len, uint8_t *out, uint32_t cap)
{
	uint32_t hl = v->l4_off, tot = hl + 8u + pl_len;
	uint16_t f, ulen = (uint16_t)(8u + pl_len);
	uint64_t sum;

	if (hl + 8u + v->payload_len != len || tot > cap)
		return -1;
	memcpy(out, data, hl + 8u);
	memcpy(out + hl + 8u, pl, pl_len);
	f = htons((uint16_t)tot);
	memcpy(out + 2, &f, 2);		/* total length */
	memset(out + 10, 0, 2);		/* header checksum */
	f = htons(csum_fold(csum_add(0, out, hl)));
	memcpy(out + 10, &f, 2);
	f = htons(ulen);
	memcpy(out + hl + 4, &f, 2);	/* UDP length */
	memset(out + hl + 6, 0, 2);	/* UDP checksum */
	/* Pseudo-header: addresses, protocol, UDP length. */
	sum = csum_add(0, out + 12, 8) + IPPROTO_UDP + ulen;
	f = csum_fold(csum_add(sum, out + hl, ulen));
	f = htons(f ? f : 0xffff);	/* 0 means none (RFC 768) */
	memcpy(out + hl + 6, &f, 2);
	return tot;
}

long pkt_replace_payload(const uint8_t *data, uint32_t len, const char *pl,
			 uint32_t pl_len, uint8_t *out, uint32_t cap)
{
	struct pkt_view v;
	struct pkt_buff *pb;
	long n = -1;
	uint32_t extra;
	int ok;

	if (pkt_parse(data, len, &v))
		return -1;
	/* The IP payload length field caps what a packet can grow to. */
	if (v.l4_off + 8u + pl_len > 65535u)
		return -1;
	if (v.family == AF_INET &&
	    (n = pkt_replace4(data, len, &v, pl, pl_len, out, cap)) >= 0)
		return n;
	extra = pl_len > v.payload_len ? pl_len - v.payload_len : 0;
	pb = pktb_alloc(v.family, (void *)data, len, extra);
	if (!pb)
		return -1;
	if (pkt_set_l4(pb, &v) == 0) {
		ok = v.family == AF_INET
			     ? nfq_udp_mangle_ipv4(pb, 0, v.payload_len, pl,
						   pl_len)
			     : nfq_udp_mangle_ipv6(pb, 0, v.payload_len, pl,
						   pl_len);
		if (ok == 1 && pktb_len(pb) <= cap) {
			n = pktb_len(pb);
			memcpy(out, pktb_data(pb), (size_t)n);
		}
	}
	pktb_free(pb);
	return n;
}
