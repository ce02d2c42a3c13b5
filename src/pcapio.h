/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SIPALG_PCAPIO_H
#define SIPALG_PCAPIO_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/time.h>

/*
 * Capture files for sipalg-replay, through libpcap.
 *
 * Reading finds the IP packet inside each frame: link types Ethernet
 * (DLT_EN10MB), Linux cooked capture v1 and v2, raw IP (DLT_RAW,
 * DLT_IPV4, DLT_IPV6) and BSD loopback (DLT_NULL, DLT_LOOP); inside
 * Ethernet or SLL any number of 802.1Q / 802.1ad tags and a PPPoE session
 * header.  IPv4 fragments, and IPv6 fragments whose fragment header
 * directly follows the fixed header, are held back until their datagram
 * is complete and then returned as one reassembled packet behind the
 * first fragment's link header (the output capture holds that one packet
 * instead of the fragments).  Fragments of a datagram never completed are
 * returned unchanged at the end of the file (or when too many datagrams
 * are pending), marked incomplete.
 *
 * Writing uses the input's link type and timestamp precision; pio_frame
 * rebuilds a frame around a new IP packet (PPPoE length fixed).
 */

#define PIO_MAX_FRAME (65536 + 256)

struct pio_pkt {
	struct timeval ts;	/* tv_usec holds ns with nanosecond files */
	uint32_t wire_len;	/* length on the wire as recorded */
	const uint8_t *frame;	/* bytes to write when unchanged */
	uint32_t caplen;
	uint64_t index;		/* 1-based frame number in the input (the
				 * last fragment's for a reassembled one) */
	int family;		/* AF_INET / AF_INET6; 0 = no IP found */
	uint32_t l3_off;	/* IP header offset in frame */
	const uint8_t *ip;	/* the IP packet (frame + l3_off), trimmed
				 * to its own length; NULL when no IP */
	uint32_t ip_len;
	int pppoe_off;		/* PPPoE header offset, -1 when none */
	unsigned frags;		/* fragments reassembled into it, 0 = none */
	bool incomplete;	/* a fragment whose datagram never completed */
};

struct pio_stats {
	uint64_t frames;
	uint64_t non_ip;	/* no IPv4/IPv6 packet found */
	uint64_t fragments;	/* fragments read */
	uint64_t reassembled;	/* datagrams made whole */
	uint64_t incomplete;	/* fragments returned unreassembled */
};

struct pio_reader;
struct pio_writer;

/* pio_open - open path; NULL with a message in err on failure. */
struct pio_reader *pio_open(const char *path, char *err, size_t errlen);
void pio_close(struct pio_reader *r);
int pio_linktype(const struct pio_reader *r);
const char *pio_linktype_name(const struct pio_reader *r);
const struct pio_stats *pio_stats(const struct pio_reader *r);

/*
 * pio_next - the next packet.  Returns 1 with *p filled (valid until the
 * next call), 0 at the end, -1 on a read error (message in err).
 */
int pio_next(struct pio_reader *r, struct pio_pkt *p, char *err,
	     size_t errlen);

/*
 * pio_frame - into out (cap bytes) the frame of p with its IP packet
 * replaced by ip[0..ip_len).  Returns the frame length or -1.
 */
long pio_frame(const struct pio_pkt *p, const uint8_t *ip, uint32_t ip_len,
	       uint8_t *out, uint32_t cap);

/* pio_create - a capture file like r's (link type, precision). */
struct pio_writer *pio_create(const struct pio_reader *r, const char *path,
			      char *err, size_t errlen);
/* pio_write - append one frame with p's timestamp; 0 or -1. */
int pio_write(struct pio_writer *w, const struct pio_pkt *p,
	      const uint8_t *frame, uint32_t len);
/* pio_finish - flush and close; 0 or -1 when writing failed. */
int pio_finish(struct pio_writer *w);

#endif
