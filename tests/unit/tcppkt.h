/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SIPALG_TEST_TCPPKT_H
#define SIPALG_TEST_TCPPKT_H

/*
 * IPv4/TCP packets for the SIP over TCP tests (test_stream.c and
 * fuzz_stream.c): built here independently of src/tcpseg.c, with correct
 * checksums, and the checksum test the emitted packets must pass.
 */

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* Ones' complement sum of p[0..n) added to acc, folded (not inverted). */
static inline uint16_t tcppkt_sum(const uint8_t *p, uint32_t n, uint32_t acc)
{
	uint32_t i;

	for (i = 0; i + 1 < n; i += 2)
		acc += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		acc += (uint32_t)p[n - 1] << 8;
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)acc;
}

static inline void tcppkt_pseudo(const uint8_t *p, uint32_t len, uint8_t *ph)
{
	memcpy(ph, p + 12, 8);
	ph[8] = 0;
	ph[9] = 6;
	ph[10] = (uint8_t)((len - 20) >> 8);
	ph[11] = (uint8_t)(len - 20);
}

/* True when the IPv4 header and TCP checksums of p[0..len) are right. */
static inline bool tcppkt_sums_ok(const uint8_t *p, uint32_t len)
{
	uint8_t ph[12];

	tcppkt_pseudo(p, len, ph);
	return tcppkt_sum(p, 20, 0) == 0xffff &&
	       tcppkt_sum(p + 20, len - 20, tcppkt_sum(ph, 12, 0)) == 0xffff;
}

/*
 * tcppkt_make_ts - into p an IPv4 packet src:sport -> dst:dport (addresses
 * in network order) with seq, ack, flags, a timestamps option with TSval
 * tsval (none when 0), n_sack SACK blocks (pairs in sack) and payload
 * pl[0..n).  Returns its length.
 */
static inline uint32_t tcppkt_make_ts(uint8_t *p, uint32_t src, uint32_t dst,
				      uint16_t sport, uint16_t dport,
				      uint32_t seq, uint32_t ack, uint8_t flags,
				      const void *pl, uint32_t n,
				      const uint32_t *sack, unsigned n_sack,
				      uint32_t tsval)
{
	uint32_t ts = tsval ? 12 : 0;
	uint32_t thl = 20 + ts + (n_sack ? 4 + 8 * n_sack : 0);
	uint32_t tot = 20 + thl + n, i, v;
	uint16_t c;
	uint8_t ph[12];

	memset(p, 0, 20 + thl);
	p[0] = 0x45;
	p[2] = (uint8_t)(tot >> 8);
	p[3] = (uint8_t)tot;
	p[8] = 64;
	p[9] = 6;
	memcpy(p + 12, &src, 4);
	memcpy(p + 16, &dst, 4);
	p[20] = (uint8_t)(sport >> 8);
	p[21] = (uint8_t)sport;
	p[22] = (uint8_t)(dport >> 8);
	p[23] = (uint8_t)dport;
	v = htonl(seq);
	memcpy(p + 24, &v, 4);
	v = htonl(ack);
	memcpy(p + 28, &v, 4);
	p[32] = (uint8_t)((thl / 4) << 4);
	p[33] = flags;
	p[34] = 0xff;
	if (tsval) {
		p[40] = p[41] = 1;	/* NOP NOP */
		p[42] = 8;
		p[43] = 10;
		v = htonl(tsval);
		memcpy(p + 44, &v, 4);
	}
	if (n_sack) {
		uint8_t *o = p + 40 + ts;

		o[0] = o[1] = 1;	/* NOP NOP */
		o[2] = 5;
		o[3] = (uint8_t)(2 + 8 * n_sack);
		for (i = 0; i < 2 * n_sack; i++) {
			v = htonl(sack[i]);
			memcpy(o + 4 + 4 * i, &v, 4);
		}
	}
	if (n)
		memcpy(p + 20 + thl, pl, n);
	c = (uint16_t)~tcppkt_sum(p, 20, 0);
	p[10] = (uint8_t)(c >> 8);
	p[11] = (uint8_t)c;
	tcppkt_pseudo(p, tot, ph);
	c = (uint16_t)~tcppkt_sum(p + 20, tot - 20, tcppkt_sum(ph, 12, 0));
	p[36] = (uint8_t)(c >> 8);
	p[37] = (uint8_t)c;
	return tot;
}

/* tcppkt_make - tcppkt_make_ts without timestamps. */
static inline uint32_t tcppkt_make(uint8_t *p, uint32_t src, uint32_t dst,
				   uint16_t sport, uint16_t dport,
				   uint32_t seq, uint32_t ack, uint8_t flags,
				   const void *pl, uint32_t n,
				   const uint32_t *sack, unsigned n_sack)
{
	return tcppkt_make_ts(p, src, dst, sport, dport, seq, ack, flags, pl,
			      n, sack, n_sack, 0);
}

#endif
