/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SIPALG_SIP_H
#define SIPALG_SIP_H

#include "span.h"
#include "sip_value.h"

/*
 * SIP scanner (RFC 3261 section 7): finds the start line, the header fields
 * it cares about and the body, as spans into the caller's buffer.  Pure: no
 * allocation, no I/O, never reads outside [buf, buf + len).
 */

#define SIP_MAX_HDRS 128

enum sip_hdr_id {
	SIP_HDR_OTHER = 0,
	SIP_HDR_VIA,		/* v */
	SIP_HDR_CONTACT,	/* m */
	SIP_HDR_FROM,		/* f */
	SIP_HDR_TO,		/* t */
	SIP_HDR_CALL_ID,	/* i */
	SIP_HDR_CSEQ,
	SIP_HDR_CONTENT_LENGTH,	/* l */
	SIP_HDR_CONTENT_TYPE,	/* c */
	SIP_HDR_EXPIRES,
	SIP_HDR_RECORD_ROUTE,
	SIP_HDR_ROUTE,
	SIP_HDR_MAX
};

enum sip_scan_result {
	SIP_OK = 0,
	SIP_NOT_SIP,		/* does not start like a SIP request/response */
	SIP_MALFORMED,		/* starts like SIP but breaks the grammar */
	SIP_TRUNCATED,		/* no end of header section, or body shorter
				 * than Content-Length */
	SIP_TOO_MANY_HEADERS,
};

struct sip_hdr {
	enum sip_hdr_id id;
	struct span name;	/* as written, e.g. "v" or "Via" */
	struct span value;	/* after ':' and leading LWS, up to (not
				 * including) the line end; continuation lines
				 * (RFC 3261 7.3.1) are part of the value */
};

struct sip_msg {
	const char *buf;
	uint32_t len;
	bool is_request;
	struct span method;	/* requests */
	struct span ruri;	/* requests: Request-URI */
	int status;		/* responses: 100..699 */
	unsigned n_hdr;
	uint32_t hdr_end;	/* offset of the first byte after the blank
				 * line that closes the header section */
	bool has_clen;
	uint32_t clen;		/* Content-Length value */
	struct span clen_value;	/* digits of the Content-Length value */
	struct span body;	/* [hdr_end, hdr_end + clen) when has_clen,
				 * else the rest of the buffer */
	/* The first Via's first via-parm, parsed once by sip_scan (the
	 * planner asks for it several times a message): sip_top_via. */
	bool top_via_ok;
	struct sip_via top_via;
	/* The tag= of the first From and To (sip_tag); len 0 with has_*
	 * false when absent. */
	bool has_from_tag, has_to_tag;
	struct span from_tag, to_tag;
	/* Last: sip_scan clears what is before it, and hdr[0..n_hdr) only
	 * is ever read. */
	struct sip_hdr hdr[SIP_MAX_HDRS];
};

/*
 * sip_scan - scan one SIP message in buf[0..len).
 * Fills *m (spans refer to buf, which must outlive *m).  Accepts CRLF and
 * bare LF line ends, compact header names and continuation lines.  Returns
 * SIP_OK or the reason the message cannot be used; *m is then undefined.
 */
enum sip_scan_result sip_scan(struct sip_msg *m, const char *buf, uint32_t len);

/* sip_hdr_find - index of the n-th (0-based) header with this id, or -1. */
int sip_hdr_find(const struct sip_msg *m, enum sip_hdr_id id, unsigned n);

/*
 * sip_top_via - the top Via (the first via-parm of the first Via header)
 * of a scanned message into *v: 0, or -1 when there is none or it is
 * malformed.
 */
int sip_top_via(const struct sip_msg *m, struct sip_via *v);

/*
 * sip_tag - the tag parameter of the first From (id SIP_HDR_FROM) or To
 * (SIP_HDR_TO) header of a scanned message, found once by sip_scan: true
 * and *tag (may be empty) when present.
 */
bool sip_tag(const struct sip_msg *m, enum sip_hdr_id id, struct span *tag);

/* sip_cseq - parse "CSeq: 123 INVITE": number and method span; 0 / -1. */
int sip_cseq(const struct sip_msg *m, uint32_t *num, struct span *method);

/* sip_method_is - true when the request method (or, for a response, the
 * CSeq method) equals lit. */
bool sip_method_is(const struct sip_msg *m, const char *lit);

#endif
