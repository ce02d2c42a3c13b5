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
