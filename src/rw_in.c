/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "rw.h"

/* Inbound (outside -> inside phone): restoring what outbound rewrote. */

/* Replace host:port in hp when it names the binding b (the gateway's
 * address and b's public port): with saved (how the phone wrote it, which
 * the outbound rewrite replaced), else with b's inside address.  A
 * binding no outbound message ever named by an inside address (no text
 * saved at all) belongs to a NAT-aware phone: it wrote the public address
 * itself (STUN, rport) and gets it back as it wrote it. */
static int in_restore_text(const struct rw_ctx *x, const struct sip_msg *m,
			   const struct sip_hostport *hp,
			   const struct binding *b, const char *saved,
			   struct rw_result *r)
{
	uint16_t port = hp->port_num ? hp->port_num : 5060;
	char txt[80];
	union addr a;

	if (!rw_addr_parse(m->buf, hp->host, x->family, &a) ||
	    !rw_addr_eq(x->family, &a, calls_pub_addr(x->calls, b)) ||
	    port != b->pub_port)
		return 0;
	if (saved[0])
		return edits_add_str(&r->edits, rw_addr_hostport_span(hp),
				     saved);
	if (!b->sig->sent_by[0] && !b->sig->contact_hp[0] &&
	    !b->sig->route_hp[0])
		return 0;
	rewrite_addr_text(x->family, &b->in_addr, txt, sizeof(txt));
	snprintf(txt + strlen(txt), sizeof(txt) - strlen(txt), ":%u",
		 b->in_port);
	return edits_add_str(&r->edits, rw_addr_hostport_span(hp), txt);
}

int rw_in_restore_uri(const struct rw_ctx *x, const struct sip_msg *m,
			  const struct sip_hostport *hp,
			  const struct binding *b, struct rw_result *r)
{
	return in_restore_text(x, m, hp, b, b->sig->contact_hp, r);
}

/* The signalling binding that hp (gateway address, public port) names.
 * mine: only the packet's destination's own binding (its Via, its
 * Contact); otherwise any inside host's (a PBX behind the gateway
 * receives requests for its phones). */
struct binding *rw_in_pub_binding(const struct rw_ctx *x,
				   const struct sip_msg *m,
				   const struct sip_hostport *hp, bool mine)
{
	uint16_t port = hp->port_num ? hp->port_num : 5060;
	struct binding *b;
	union addr a;

	if (!rw_addr_parse(m->buf, hp->host, x->family, &a))
		return NULL;
	b = calls_binding_by_pub(x->calls, x->family, &a, port);
	if (!b || b->kind != BIND_SIG)
		return NULL;
	if (mine && !rw_addr_eq(x->family, &b->in_addr, &x->dst))
		return NULL;
	return b;
}

/* Route / Record-Route entries naming one of our bindings go back to the
 * inside host that put them there (a PBX or proxy behind the gateway
 * recognises only its own URI, RFC 3261 16.4). */
static int in_restore_routes(const struct rw_ctx *x, const struct sip_msg *m,
			     struct rw_result *r)
{
	unsigned i;

	for (i = 0; i < m->n_hdr; i++) {
		struct sip_hostport hp;
		struct binding *b;
		struct span item;
		uint32_t pos = 0;

		if (m->hdr[i].id != SIP_HDR_ROUTE &&
		    m->hdr[i].id != SIP_HDR_RECORD_ROUTE)
			continue;
		while (sip_list_next(m->buf, m->hdr[i].value, &pos, &item)) {
			if (sip_uri_hostport(m->buf, item, &hp) < 0 ||
			    !rw_addr_span_pub(x, m->buf, hp.host) ||
			    !(b = rw_in_pub_binding(x, m, &hp, false)))
				continue;
			if (in_restore_text(x, m, &hp, b, b->sig->route_hp[0] ?
					    b->sig->route_hp : b->sig->contact_hp,
					    r) < 0)
				return -1;
		}
	}
	return 0;
}

int rw_in_request(const struct rw_ctx *x, const struct sip_msg *m,
		      struct rw_result *r)
{
	struct sip_hostport hp;
	struct binding *b;

	if (x->conn)	/* only the connection's own public side */
		return sip_uri_hostport(m->buf, m->ruri, &hp) == 0 &&
		       rw_conn_in(x, m, &hp, x->conn->contact_hp, r) < 0
		       ? -1
		       : 0;
	if (sip_uri_hostport(m->buf, m->ruri, &hp) == 0 &&
	    rw_addr_span_pub(x, m->buf, hp.host)) {
		b = rw_in_pub_binding(x, m, &hp, false);
		if (b && rw_in_restore_uri(x, m, &hp, b, r) < 0)
			return -1;
	}
	/* To and From are left as they are (RFC 3261 16.6): the phone
	 * copies To into its responses, which would carry a restored
	 * private address back out. */
	return in_restore_routes(x, m, r);
}

static int in_via_param(const struct rw_ctx *x, const struct sip_msg *m,
			const struct sip_via *v, struct rw_result *r)
{
	char txt[INET6_ADDRSTRLEN];

	if (v->received.len && rw_addr_span_pub(x, m->buf, v->received)) {
		rewrite_addr_text(x->family, &x->dst, txt, sizeof(txt));
		if (edits_add_str(&r->edits, v->received, txt) < 0)
			return -1;
	}
	if (v->rport.len) {
		snprintf(txt, sizeof(txt), "%u", x->dport);
		if (edits_add_str(&r->edits, v->rport, txt) < 0)
			return -1;
	}
	return 0;
}

static int in_via(const struct rw_ctx *x, const struct sip_msg *m,
		  struct rw_result *r)
{
	struct sip_via v;
	struct binding *b;

	if (sip_top_via(m, &v) < 0 ||
	    !rw_addr_span_pub(x, m->buf, v.sent_by.host))
		return 0;
	if (x->conn) {
		int rc = rw_conn_in(x, m, &v.sent_by, x->conn->sent_by, r);

		return rc <= 0 ? rc : in_via_param(x, m, &v, r);
	}
	b = rw_in_pub_binding(x, m, &v.sent_by, true);
	if (!b || !b->sig->sent_by[0])
		return 0;
	if (edits_add_str(&r->edits, rw_addr_hostport_span(&v.sent_by),
			  b->sig->sent_by) < 0)
		return -1;
	return in_via_param(x, m, &v, r);
}


int rw_in_response(const struct rw_ctx *x, const struct sip_msg *m,
		       struct rw_result *r)
{
	bool reg_ok = sip_method_is(m, "REGISTER") && m->status >= 200 &&
		      m->status < 300 && rw_reg_fresh(x, m, r);

	if (in_via(x, m, r) < 0)
		return -1;
	if (x->conn)	/* the connection lives as long as it is open */
		return rw_conn_contacts(x, m, r);
	if (rw_reg_contacts(x, m, reg_ok, r) < 0 || in_restore_routes(x, m, r) < 0)
		return -1;
	if (sip_method_is(m, "SUBSCRIBE") && m->status >= 200 &&
	    m->status < 300)
		rw_reg_subscribed(x, m, r);
	return 0;
}

int rw_in_plan(const struct rw_ctx *x, const struct sip_msg *m,
		   struct rw_result *r)
{
	struct call *k;
	struct binding *b;

	if (x->media_only) {	/* dual stack: the far end's IPv4 SDP */
		rw_media_note_remote(x, m, r);
		return 0;
	}
	if (m->is_request) {
		if (rw_in_request(x, m, r) < 0)
			return -1;
		if (sip_method_is(m, "INVITE")) {
			k = rw_dialog_call(x, m, true, r);
			if (!k)
				return -1;
			b = calls_binding_find(x->calls, x->family, &x->dst,
					       x->dport);
			if (rw_dialog_hold_sig(r, k, b) < 0)
				return -1;
		}
	} else if (rw_in_response(x, m, r) < 0) {
		return -1;
	}
	rw_media_note_remote(x, m, r);
	return 0;
}
