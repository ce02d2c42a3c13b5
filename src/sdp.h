/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SIPALG_SDP_H
#define SIPALG_SDP_H

#include "span.h"

/*
 * SDP scanner (RFC 4566 / 8866): spans of the lines an ALG rewrites.
 * Pure; offsets are relative to the buffer given to sdp_scan (the caller
 * adds the body offset).  Accepts CRLF and LF line ends.
 */

#define SDP_MAX_MEDIA 32

enum sdp_family { SDP_AF_OTHER = 0, SDP_AF_IP4 = 4, SDP_AF_IP6 = 6 };

struct sdp_addr {
	enum sdp_family family;	/* from the addrtype token ("IP4"/"IP6") */
	struct span addr;	/* the connection-address token, without any
				 * "/ttl" or "/count" suffix */
	bool is_literal;	/* addr parses as a literal of that family */
};

struct sdp_media {
	struct span type;	/* "audio", "video", "image", ... */
	struct span port;	/* digits of the port */
	uint16_t port_num;
	struct span proto;	/* "RTP/AVP", "udptl", ... */
	bool has_conn;		/* media-level c= (first one) */
	struct sdp_addr conn;
	bool has_rtcp;		/* a=rtcp: (RFC 3605) */
	struct span rtcp_port;
	uint16_t rtcp_port_num;
	bool rtcp_has_addr;
	struct sdp_addr rtcp_addr;
	bool rtcp_mux;		/* a=rtcp-mux (RFC 5761) */
	int dir;		/* SDP_DIR_* from a=sendrecv/... (media or
				 * inherited from session level) */
};

enum { SDP_DIR_SENDRECV = 0, SDP_DIR_SENDONLY, SDP_DIR_RECVONLY,
       SDP_DIR_INACTIVE };

enum sdp_scan_result { SDP_OK = 0, SDP_MALFORMED, SDP_TOO_MANY_MEDIA };

struct sdp_msg {
	bool has_origin;
	struct sdp_addr origin;	/* o= unicast-address */
	bool has_conn;		/* session-level c= */
	struct sdp_addr conn;
	struct sdp_media media[SDP_MAX_MEDIA];
	unsigned n_media;
};

/*
 * sdp_scan - scan an SDP body buf[0..len).  Returns SDP_OK and fills *s, or
 * the reason it cannot be used.  Unknown lines are skipped; a line without
 * "x=" shape makes it SDP_MALFORMED.
 */
enum sdp_scan_result sdp_scan(struct sdp_msg *s, const char *buf, uint32_t len);

/* sdp_media_conn - the address that applies to media i: its own c= or the
 * session-level one; NULL when there is none. */
const struct sdp_addr *sdp_media_conn(const struct sdp_msg *s, unsigned i);

#endif
