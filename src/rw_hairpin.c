/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "rw.h"

/* Hairpin: inside -> gateway's public address -> inside. */


/* Does m reach this inside host through one of our public bindings (a
 * request to a public Contact, a response to a request that went out
 * rewritten)?  Plain inside-to-inside SIP names no public address. */
bool rw_hairpin_is(const struct rw_ctx *x, const struct sip_msg *m)
{
	struct sip_hostport hp;
	struct sip_via v;

	if (m->is_request)
		return sip_uri_hostport(m->buf, m->ruri, &hp) == 0 &&
		       rw_addr_span_pub(x, m->buf, hp.host);
	return sip_top_via(m, &v) == 0 &&
	       rw_addr_span_pub(x, m->buf, v.sent_by.host);
}

/* Both ends are behind the gateway and the packet was DNATed from a
 * public binding to one of them: the sender's side is rewritten as an
 * outbound message (its Via, Contact and SDP now name the public
 * address it is SNATed to) and the receiver's side as an inbound one
 * (its Request-URI, Route and top Via come back as it wrote them). */
int rw_hairpin_plan(const struct rw_ctx *x, const struct sip_msg *m,
			struct rw_result *r)
{
	struct rw_ctx out = *x;

	out.dir = RW_OUT;
	if (rw_out_plan(&out, m, r) < 0)
		return -1;
	return m->is_request ? rw_in_request(x, m, r) : rw_in_response(x, m, r);
}
