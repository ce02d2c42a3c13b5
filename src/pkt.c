/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <netinet/ip.h>
#include <stdbool.h>
#include <netinet/udp.h>
#include <string.h>
#include <sys/socket.h>

#include <libnetfilter_queue/libnetfilter_queue_ipv4.h>
#include <libnetfilter_queue/libnetfilter_queue_udp.h>
#include <libnetfilter_queue/pktbuff.h>

#include "pkt.h"

const char *pkt_parse(const uint8_t *data, uint32_t len, struct pkt_view *v)
{
	struct iphdr ip;
	struct udphdr udp;
	uint32_t ihl, tot, ulen;

	if (!data || len < sizeof(ip))
		return "short IP header";
	memcpy(&ip, data, sizeof(ip));
	if (ip.version != 4)
		return "not IPv4";
	ihl = ip.ihl * 4u;
	tot = ntohs(ip.tot_len);
	if (ihl < sizeof(ip) || tot < ihl || tot > len)
		return "bad IP length";
	if (ntohs(ip.frag_off) & (IP_MF | IP_OFFMASK))
		return "IP fragment";
	if (ip.protocol != IPPROTO_UDP)
		return "not UDP";
	if (tot - ihl < sizeof(udp))
		return "short UDP header";
	memcpy(&udp, data + ihl, sizeof(udp));
	ulen = ntohs(udp.len);
	if (ulen < sizeof(udp) || ulen > tot - ihl)
		return "bad UDP length";
	v->family = AF_INET;
	v->proto = IPPROTO_UDP;
	v->src.v4.s_addr = ip.saddr;
	v->dst.v4.s_addr = ip.daddr;
	v->sport = ntohs(udp.source);
	v->dport = ntohs(udp.dest);
	v->payload = data + ihl + sizeof(udp);
	v->payload_len = ulen - (uint32_t)sizeof(udp);
	return NULL;
}

long pkt_replace_payload(const uint8_t *data, uint32_t len, const char *pl,
			 uint32_t pl_len, uint8_t *out, uint32_t cap)
{
	struct pkt_view v;
	struct pkt_buff *pb;
	struct iphdr *ip;
	long n = -1;
	uint32_t extra;

	if (pkt_parse(data, len, &v))
		return -1;
	extra = pl_len > v.payload_len ? pl_len - v.payload_len : 0;
	pb = pktb_alloc(AF_INET, (void *)data, len, extra);
	if (!pb)
		return -1;
	ip = nfq_ip_get_hdr(pb);
	if (ip && nfq_ip_set_transport_header(pb, ip) == 0 &&
	    nfq_udp_mangle_ipv4(pb, 0, v.payload_len, pl, pl_len) == 1 &&
	    pktb_len(pb) <= cap) {
		n = pktb_len(pb);
		memcpy(out, pktb_data(pb), (size_t)n);
	}
	pktb_free(pb);
	return n;
}
