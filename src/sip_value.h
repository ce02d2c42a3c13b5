/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SIPALG_SIP_VALUE_H
#define SIPALG_SIP_VALUE_H

#include <stdbool.h>
#include <stdint.h>

#include "span.h"

/*
 * Values inside SIP header fields (sip_value.c): comma lists, URIs and
 * their host:port, Via, parameters, over (buffer, span) and knowing no
 * message.  Pure: spans into the caller's buffer, no allocation, never a
 * read outside the span given.  sip.h includes it.
 */

struct sip_hostport {
	struct span host;	/* IPv6 references include the brackets */
	struct span port;	/* digits only; len 0 when absent */
	uint16_t port_num;	/* 0 when absent */
};

struct sip_via {
	struct span transport;	/* "UDP" */
	struct sip_hostport sent_by;
	struct span branch;	/* value of branch=, len 0 if absent */
	struct span received;	/* value of received=, len 0 if absent */
	struct span rport;	/* value of rport=, len 0 if absent or valueless */
	bool has_rport;		/* rport present, with or without value */
};

/*
 * sip_list_next - iterate the comma-separated values of a header value
 * (RFC 3261 7.3.1), honouring quoted strings and <...>.  *pos starts at
 * 0 and is advanced; returns true and sets *item (trimmed of LWS) while
 * there is another element.
 */
bool sip_list_next(const char *buf, struct span value, uint32_t *pos,
		   struct span *item);

/*
 * sip_uri_hostport - find host[:port] of a SIP/SIPS URI inside span s
 * (a name-addr "Name" <sip:u@h:p;x>, an addr-spec, or a bare Request-URI).
 * Returns 0 and fills *hp, or -1 when s holds no sip:/sips: URI (tel:, *,
 * other schemes) or it is malformed.
 */
int sip_uri_hostport(const char *buf, struct span s, struct sip_hostport *hp);

/*
 * sip_via_parse - parse one via-parm (one element of a Via list, as given
 * by sip_list_next).  Returns 0 or -1 when malformed.
 */
int sip_via_parse(const char *buf, struct span item, struct sip_via *v);

/*
 * sip_param - find ";name=value" among the parameters in span s (header
 * parameters after the URI, or URI parameters).  Returns true and sets
 * *val (may be empty) when present.  Case-insensitive name match.
 */
bool sip_param(const char *buf, struct span s, const char *name,
	       struct span *val);

#endif
