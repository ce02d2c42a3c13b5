/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SIPALG_FRAME_H
#define SIPALG_FRAME_H

#include "span.h"

/*
 * SIP message framing on a byte stream (RFC 3261 18.3): over TCP a message
 * ends where its Content-Length says, several may share a segment and one
 * may span several.  Between messages a peer may send CRLF keep-alives
 * (RFC 5626 3.5.1).  Pure: reads only buf[0..len).
 */

enum frame_kind {
	FRAME_PARTIAL,	/* not complete yet: wait for more bytes */
	FRAME_CRLF,	/* *n bytes of CR/LF between messages */
	FRAME_MSG,	/* a complete message of *n bytes */
	FRAME_BAD,	/* cannot be framed: no or bad Content-Length,
			 * header section longer than max */
};

/*
 * frame_next - what starts at buf[0..len): keep-alive bytes, a complete
 * message (header section, blank line and Content-Length body bytes), or
 * not enough yet.  max caps a message (header section plus body); a
 * longer one is FRAME_BAD.  *n is set for FRAME_CRLF and FRAME_MSG.
 */
enum frame_kind frame_next(const char *buf, uint32_t len, uint32_t max,
			   uint32_t *n);

/*
 * frame_sip_start - does the stream buf[0..len) (after any leading CR/LF)
 * begin with a SIP request line ("METHOD URI SIP/2.0") or status line
 * ("SIP/2.0 NNN ")?  1 yes, 0 no (an HTTP request, TLS, anything else),
 * -1 not decidable until more bytes arrive.
 */
int frame_sip_start(const char *buf, uint32_t len);

#endif
