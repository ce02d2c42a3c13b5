/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SIPALG_TCPSEG_H
#define SIPALG_TCPSEG_H

#include "conf.h"

/*
 * TCP segments as queued (IPv4, or IPv6 without extension headers): the header fields the stream module
 * translates (sequence, acknowledgement, SACK blocks) and the payload,
 * every length checked against the bytes queued; and the rebuilt segment
 * with new numbers and payload, lengths and checksums computed in full
 * (a mangled packet's checksum is never left to offload).  Pure.
 */

#define TCPSEG_FIN 0x01
#define TCPSEG_SYN 0x02
#define TCPSEG_RST 0x04
#define TCPSEG_ACK 0x10
#define TCPSEG_MAX_SACK 4

struct tcpseg {
	int family;		/* AF_INET or AF_INET6 */
	union addr src, dst;
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint32_t ip_len;		/* IP header */
	uint32_t hdr_len;		/* IP + TCP headers */
	const uint8_t *payload;
	uint32_t plen;
	uint32_t sack[TCPSEG_MAX_SACK][2];	/* left, right edges */
	unsigned n_sack;
	uint32_t sack_at;	/* offset of the SACK option's kind byte, 0:
				 * none */
	uint32_t ts_at;		/* offset of the timestamps option, 0: none */
	uint32_t tsval;		/* its TSval (RFC 7323 3); tcpseg_build
				 * writes this field back */
};

/* tcpseg_parse - fill *s from IP packet d[0..len); NULL or a static
 * string naming what is wrong (an IPv6 extension header is one: nothing
 * the phones send carries them). */
const char *tcpseg_parse(const uint8_t *d, uint32_t len, struct tcpseg *s);

/*
 * tcpseg_build - write to out (cap bytes) segment d (parsed as s) with
 * sequence seq, acknowledgement ack, SACK blocks sack[0..s->n_sack) (when
 * sack is NULL the SACK option becomes NOPs) and payload pl[0..plen).
 * Returns the new packet length or -1 when it does not fit.
 */
long tcpseg_build(const uint8_t *d, const struct tcpseg *s, uint32_t seq,
		  uint32_t ack, const uint32_t (*sack)[2], const char *pl,
		  uint32_t plen, uint8_t *out, uint32_t cap);

#endif
