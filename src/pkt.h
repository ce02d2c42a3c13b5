/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SIPALG_PKT_H
#define SIPALG_PKT_H

#include "conf.h"

/*
 * Views of queued IP packets: addresses, ports and the UDP payload, every
 * length checked against the bytes actually queued.  Rewriting replaces
 * the UDP payload and fixes IP/UDP lengths and checksums (pktbuff).
 */

struct pkt_view {
	int family;
	uint8_t proto;
	union addr src, dst;
	uint16_t sport, dport;
	uint32_t l4_off;		/* where the UDP header starts */
	const uint8_t *payload;
	uint32_t payload_len;
};

/* pkt_parse - fill *v from an IPv4 or IPv6 packet carrying UDP (IPv6
 * extension headers stepped over; fragments refused: the kernel
 * reassembles before the queue); returns NULL on success or a static
 * string naming what is wrong (for the counters). */
const char *pkt_parse(const uint8_t *data, uint32_t len, struct pkt_view *v);

/*
 * pkt_replace_payload - write to out (cap bytes) the packet data[0..len)
 * with its UDP payload replaced by pl[0..pl_len), lengths and checksums
 * fixed.  Returns the new packet length or -1.
 */
long pkt_replace_payload(const uint8_t *data, uint32_t len, const char *pl,
			 uint32_t pl_len, uint8_t *out, uint32_t cap);

#endif
